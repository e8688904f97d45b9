"""
Helpers shared by the rest of the package, and useful in user code.
"""
import inspect
import numbers

import numpy as np
import theano
import theano.tensor as T

#: The Python types accepted as integers, e.g. for sizes and axes.
int_types = (numbers.Integral, np.integer)


# Exception classes for the questions that Lasagne 0.2 answered with another
# class than the fork's own checks: deriving from both, each satisfies the
# ``except`` clauses written for either.

class _ArgumentError(TypeError, ValueError):
    """An argument that is neither of the accepted kinds nor values, where
    Lasagne 0.2 raised a TypeError (e.g. an unknown pad string)."""


class _UnsupportedError(NotImplementedError, ValueError):
    """A setting a layer does not support, where Lasagne 0.2 raised a
    NotImplementedError."""


class _ShapeError(RuntimeError, ValueError):
    """A shape an initializer cannot fill, where Lasagne 0.2 raised a
    RuntimeError."""


class _UnsupportedTypeError(RuntimeError, TypeError):
    """A value of a type a function does not handle, where Lasagne 0.2
    raised a RuntimeError."""


def floatX(arr):
    """Convert data to a NumPy array of Theano's ``floatX`` dtype.

    Parameters
    ----------
    arr : array_like
        The data.

    Returns
    -------
    numpy array
        `arr` as an array of dtype ``theano.config.floatX`` (no copy if it
        has that dtype already).
    """
    return np.asarray(arr, dtype=theano.config.floatX)


def _like(value, x):
    """A number `value` as a constant of the dtype of `x` if that is a
    float dtype, so that it does not upcast `x` (a Python float becomes a
    float64 constant under floatX=float64); any other value as it is."""
    dtype = str(getattr(x, 'dtype', ''))
    if isinstance(value, numbers.Real) and dtype in T.float_dtypes:
        return T.constant(value, dtype=dtype)
    return value


def shared_empty(dim=2, dtype=None):
    """Create a Theano shared variable with `dim` dimensions of length one
    and zero content, as a placeholder to be filled with ``set_value``.

    Parameters
    ----------
    dim : int
        The number of dimensions.
    dtype : str or None
        Its dtype; ``floatX`` if None.

    Returns
    -------
    Theano shared variable
        A new variable holding zeros of shape ``(1,) * dim``.
    """
    if dtype is None:
        dtype = theano.config.floatX
    return theano.shared(np.zeros((1,) * dim, dtype=dtype))


def as_theano_expression(input):
    """Wrap a value as a Theano expression.

    Parameters
    ----------
    input : Theano expression or array_like
        A Theano variable is returned as it is; anything else is wrapped
        with ``theano.tensor.constant``.

    Returns
    -------
    Theano expression
        `input` itself, or a constant holding it.

    Raises
    ------
    TypeError
        If `input` cannot be turned into a Theano constant.
    """
    if isinstance(input, theano.gof.Variable):
        return input
    try:
        return T.constant(input)
    except Exception as error:
        raise TypeError("Input of type %s is not a Theano expression (%s)"
                        % (type(input).__name__, error))


def collect_shared_vars(expressions):
    """The shared variables that Theano expressions depend on.

    Parameters
    ----------
    expressions : Theano expression or list of them
        The expressions to search.

    Returns
    -------
    list of Theano shared variables
        Each variable once, in the order of the expressions.
    """
    if isinstance(expressions, theano.gof.Variable):
        expressions = [expressions]
    # One expression at a time: graph.inputs() of a list does not keep
    # the order of the list, and parameter order is what saved files use.
    return unique(v for expression in expressions
                  for v in theano.gof.graph.inputs([expression])
                  if isinstance(v, theano.compile.SharedVariable))


def one_hot(x, m=None):
    """One-hot representation of integer class labels.

    Parameters
    ----------
    x : Theano integer vector
        Class labels in ``[0, m)``.
    m : int or Theano integer scalar, optional
        The number of classes; ``max(x) + 1`` if not given.

    Returns
    -------
    Theano matrix of dtype ``floatX``
        Row ``i`` has a one in column ``x[i]`` and zeros elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.utils import one_hot
    >>> labels = T.ivector()
    >>> one_hot(labels, 3).eval({labels: np.array([2, 0], dtype='int32')})
    array([[0., 0., 1.],
           [1., 0., 0.]])
    """
    if m is None:
        m = T.cast(T.max(x) + 1, 'int32')
    return T.eye(m)[T.cast(x, 'int32')]


def unique(l):  # noqa: E741 (the name is part of the API)
    """The distinct items of an iterable, in the order they first appear.

    Parameters
    ----------
    l : iterable of hashable items
        The items, possibly repeated.

    Returns
    -------
    list
        Each distinct item once.
    """
    seen = set()
    items = []
    for item in l:
        if item not in seen:
            seen.add(item)
            items.append(item)
    return items


def as_tuple(x, N, t=None):
    """Turn a single value or an iterable of `N` values into a tuple of
    length `N`.

    Parameters
    ----------
    x : value or iterable
        A single value is repeated `N` times; an iterable is converted.
    N : int
        The length of the tuple.
    t : type or tuple of types, optional
        If given, every element must be an instance of it.

    Returns
    -------
    tuple
        `N` values.

    Raises
    ------
    ValueError
        If `x` is an iterable whose length is not `N`.
    TypeError
        If `t` is given and an element is not of that type.

    Examples
    --------
    >>> from lasagne.utils import as_tuple
    >>> as_tuple(3, 2)
    (3, 3)
    >>> as_tuple([1, 2], 2, int)
    (1, 2)
    """
    try:
        values = tuple(x)
    except TypeError:
        values = (x,) * N
    # A wrong type is the more telling error when both are wrong.
    if t is not None and not all(isinstance(v, t) for v in values):
        raise TypeError("expected a single value or an iterable of %d "
                        "values of type %s, got %r instead"
                        % (N, _type_names(t), x))
    if len(values) != N:
        raise ValueError("expected a single value or an iterable of length "
                         "%d, got %r instead" % (N, x))
    return values


def _type_names(types):
    # int_types reads as 'int' to the user, who passes plain ints.
    if types == int_types:
        return 'int'
    if isinstance(types, type):
        types = (types,)
    return ' or '.join(t.__name__ for t in types)


def inspect_kwargs(func):
    """The names of the parameters of `func` that have a default value.

    Parameters
    ----------
    func : callable
        The function to inspect.

    Returns
    -------
    list of str
        The names, in the order of the signature.
    """
    parameters = inspect.signature(func).parameters.values()
    return [p.name for p in parameters
            if p.default is not p.empty and
            p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def compute_norms(array, norm_axes=None):
    """Norms of the weight vectors of a parameter array.

    Parameters
    ----------
    array : numpy array or Theano expression
        The weights.
    norm_axes : sequence of int, optional
        The axes to sum the squares over. By default: none for a 1-D array
        (biases: the absolute values), the first for a 2-D (dense) array, all
        but the first for a 3-, 4- or 5-D (convolution) array.

    Returns
    -------
    numpy array or Theano expression
        The norms, of the type of `array`.

    Raises
    ------
    ValueError
        If `norm_axes` is not given and `array` has another number of
        dimensions.
    RuntimeError
        If `array` is neither a numpy array nor a Theano expression (the
        error is a :class:`TypeError` too).
    """
    if not isinstance(array, (np.ndarray, theano.gof.Variable)):
        raise _UnsupportedTypeError(
            "compute_norms: array must be a numpy array or a Theano "
            "expression, got a %s" % type(array).__name__)
    ndim = array.ndim
    if norm_axes is None:
        norm_axes = _default_norm_axes(ndim, 'compute_norms', allow_1d=True)
    if isinstance(array, theano.gof.Variable):
        return T.sqrt(T.sum(T.sqr(array), axis=norm_axes))
    return np.sqrt(np.sum(np.square(array), axis=tuple(norm_axes)))


def _default_norm_axes(ndim, caller, allow_1d=False):
    """The axes that hold one weight vector, for a dense (2-D) or
    convolution (3- to 5-D) weight array with `ndim` dimensions."""
    if ndim == 1 and allow_1d:
        return ()
    if ndim == 2:
        return (0,)
    if ndim in (3, 4, 5):
        return tuple(range(1, ndim))
    raise ValueError("%s: cannot guess the norm axes of a %d-dimensional "
                     "array; pass norm_axes" % (caller, ndim))


def create_param(spec, shape, name=None):
    """Create a parameter variable of a given shape.

    Parameters
    ----------
    spec : Theano variable, numpy array, number or callable
        How to make the parameter:

        * a shared variable or expression is used as it is, after checking
          its number of dimensions (and the shape of a shared variable's
          value);
        * a numpy array becomes the value of a new shared variable, after
          checking its shape (its dtype is kept); the variable is
          broadcastable in the dimensions of length one, since a
          parameter keeps its shape;
        * a number becomes a 0-d array, for a scalar parameter of shape
          ``()``;
        * a callable, such as a :mod:`lasagne.init` initializer, is called
          with `shape`, and its result is handled as above.
    shape : tuple of int
        The shape of the parameter; every entry must be positive.
    name : str, optional
        The name given to a new shared variable, or to a given variable that
        has no name yet.

    Returns
    -------
    Theano shared variable or Theano expression
        The parameter: a new shared variable, or the given variable.

    Raises
    ------
    ValueError
        If `shape` has a non-positive entry, or `spec` does not fit `shape`.
    TypeError
        If `spec` is none of the above.

    Examples
    --------
    >>> import numpy as np
    >>> from lasagne.init import Constant
    >>> from lasagne.utils import create_param
    >>> W = create_param(Constant(0.5), (2, 3), name='W')
    >>> W.name, W.get_value().shape
    ('W', (2, 3))
    >>> create_param(np.zeros((2, 2)), (2, 3))
    Traceback (most recent call last):
    ...
    ValueError: parameter has shape (2, 2), expected (2, 3)
    """
    shape = tuple(shape)
    if not all(isinstance(s, int_types) and s > 0 for s in shape):
        raise ValueError("cannot create a parameter of shape %r: every "
                         "dimension must be a positive integer" % (shape,))
    what = "parameter %s" % name if name else "parameter"
    if callable(spec) and not isinstance(spec, theano.gof.Variable):
        spec = spec(shape)
        if callable(spec) and not isinstance(spec, theano.gof.Variable):
            raise TypeError("%s: the callable returned a %s, expected a "
                            "numpy array or Theano variable"
                            % (what, type(spec).__name__))
    if isinstance(spec, theano.gof.Variable):
        if spec.ndim != len(shape):
            raise ValueError("%s has %d dimensions, expected %d (shape %r)"
                             % (what, spec.ndim, len(shape), shape))
        if isinstance(spec, theano.compile.SharedVariable):
            actual = np.shape(spec.get_value(borrow=True))
            if actual != shape:
                raise ValueError("%s has shape %r, expected %r"
                                 % (what, actual, shape))
        if not spec.name:
            spec.name = name
        return spec
    if isinstance(spec, numbers.Number) or (
            isinstance(spec, np.generic) and spec.dtype.kind in 'biufc'):
        spec = np.asarray(spec)
    if isinstance(spec, np.ndarray):
        if spec.shape != shape:
            raise ValueError("%s has shape %r, expected %r"
                             % (what, spec.shape, shape))
        # A parameter keeps its shape, so its dimensions of length one can
        # be broadcastable: Theano then infers them in expressions using it.
        broadcastable = tuple(s == 1 for s in shape)
        return theano.shared(spec, name=name, broadcastable=broadcastable)
    raise TypeError("%s: cannot create it from a %s; expected a numpy array, "
                    "a Theano shared variable or expression, or a callable "
                    "such as an initializer" % (what, type(spec).__name__))


def unroll_scan(fn, sequences, outputs_info, non_sequences, n_steps,
                go_backwards=False):
    """A Python loop that builds the same graph as ``theano.scan`` would,
    step by step, for a known number of steps.

    Unrolling avoids scan's per-step overhead and can be faster for short
    sequences, at the cost of a graph (and compile time) that grows with
    `n_steps`.

    Parameters
    ----------
    fn : callable
        The step function, called as ``fn(*(sequence slices + previous
        outputs + non_sequences))``, returning one expression or a
        list/tuple of them.
    sequences : Theano expression or list of them
        Iterated over along their first axis.
    outputs_info : list
        The initial value of each recurrent output; None for an output that
        is not fed back.
    non_sequences : list
        Passed to every step unchanged.
    n_steps : int
        The number of steps: a Python integer, known when the graph is built.
    go_backwards : bool
        If True, iterate from the end of the sequences.

    Returns
    -------
    list of Theano expressions
        For each output, the values of all steps stacked along a new first
        axis, in the order they were computed (as ``theano.scan``).
    """
    if not isinstance(sequences, (list, tuple)):
        sequences = [sequences]
    steps = range(n_steps - 1, -1, -1) if go_backwards else range(n_steps)
    previous = [o for o in outputs_info if o is not None]
    history = []
    for t in steps:
        outputs = fn(*([s[t] for s in sequences] + previous +
                       list(non_sequences)))
        if not isinstance(outputs, (list, tuple)):
            outputs = [outputs]
        outputs = list(outputs)
        history.append(outputs)
        previous = [o for o, info in zip(outputs, outputs_info)
                    if info is not None]
    return [T.stack(values) for values in zip(*history)]
