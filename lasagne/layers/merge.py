"""
Layers that combine several inputs into one: concatenation and elementwise
merges, with optional cropping of the inputs to a common size.
"""
import numbers

import theano.tensor as T

from .._checks import (_check_axis, _check_callable, _check_iterable,
                       _check_real, _describe)
from ..utils import _like
from .base import MergeLayer


__all__ = [
    "autocrop",
    "autocrop_array_shapes",
    "ConcatLayer",
    "concat",
    "ElemwiseMergeLayer",
    "ElemwiseSumLayer",
]

_CROP_MODES = ('lower', 'center', 'upper')


def _full_cropping(cropping, ndim, caller):
    """`cropping` as a list with one entry per axis (None for the axes it
    leaves out), after checking its modes."""
    _check_iterable(caller, cropping, 'cropping', "None or a list of crop "
                    "modes (None, 'lower', 'center' or 'upper')")
    cropping = list(cropping)
    if len(cropping) > ndim:
        raise ValueError("%s: cropping %r has more entries than the inputs' "
                         "%d dimensions" % (caller, cropping, ndim))
    for mode in cropping:
        if mode is not None and mode not in _CROP_MODES:
            raise ValueError("%s: unknown crop mode %r, expected None, "
                             "'lower', 'center' or 'upper'" % (caller, mode))
    return cropping + [None] * (ndim - len(cropping))


def _common_ndim(ndims, caller):
    if len(set(ndims)) > 1:
        raise ValueError("%s: cropping needs inputs of the same number of "
                         "dimensions, got %s" % (caller, list(ndims)))
    return ndims[0]


def autocrop(inputs, cropping):
    """Crop Theano tensors to a common size along chosen axes.

    Parameters
    ----------
    inputs : list of Theano expressions
        The tensors to crop, all of the same number of dimensions.
    cropping : None or list
        None leaves the inputs as they are. Otherwise one entry per axis
        (missing trailing entries count as None): None to leave that axis
        alone, or a mode that cuts every input down to the smallest size
        along the axis, keeping

        * ``'lower'``: the first elements,
        * ``'upper'``: the last elements,
        * ``'center'``: the middle elements (with an odd surplus, the extra
          element is cut at the end).

    Returns
    -------
    list of Theano expressions
        The cropped inputs.

    Raises
    ------
    ValueError
        If `cropping` has an unknown mode or more entries than the inputs
        have dimensions, or the inputs differ in their number of dimensions.

    See Also
    --------
    autocrop_array_shapes : the shapes of the cropped inputs

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.layers import autocrop
    >>> a, b = T.dmatrices('a', 'b')
    >>> ca, cb = autocrop([a, b], [None, 'center'])
    >>> ca.eval({a: np.arange(10.).reshape(2, 5), b: np.ones((2, 3))})
    array([[1., 2., 3.],
           [6., 7., 8.]])
    """
    if cropping is None:
        return inputs
    ndim = _common_ndim([x.ndim for x in inputs], 'autocrop')
    cropping = _full_cropping(cropping, ndim, 'autocrop')
    shapes = [x.shape for x in inputs]
    indices = [[] for _ in inputs]
    for axis, mode in enumerate(cropping):
        if mode is None:
            for index in indices:
                index.append(slice(None))
            continue
        size = T.min(T.stack([shape[axis] for shape in shapes]))
        for shape, index in zip(shapes, indices):
            if mode == 'lower':
                index.append(slice(None, size))
            elif mode == 'upper':
                index.append(slice(shape[axis] - size, None))
            else:
                start = (shape[axis] - size) // 2
                index.append(slice(start, start + size))
    return [x[tuple(index)] for x, index in zip(inputs, indices)]


def autocrop_array_shapes(input_shapes, cropping):
    """The shapes of inputs after :func:`autocrop`.

    Parameters
    ----------
    input_shapes : list of tuples
        The shapes of the inputs (ints and Nones).
    cropping : None or list
        As for :func:`autocrop`.

    Returns
    -------
    list of tuples
        The shapes after cropping: along a cropped axis every input has the
        smallest size, or None if any of the sizes is unknown.

    Raises
    ------
    ValueError
        As :func:`autocrop`.

    Examples
    --------
    >>> from lasagne.layers import autocrop_array_shapes
    >>> autocrop_array_shapes([(1, 4, 7), (None, 5, 6)],
    ...                       [None, 'lower', 'center'])
    [(1, 4, 6), (None, 4, 6)]
    """
    if cropping is None:
        return input_shapes
    ndim = _common_ndim([len(shape) for shape in input_shapes],
                        'autocrop_array_shapes')
    cropping = _full_cropping(cropping, ndim, 'autocrop_array_shapes')
    columns = []
    for mode, sizes in zip(cropping, zip(*input_shapes)):
        if mode is not None:
            size = None if None in sizes else min(sizes)
            sizes = (size,) * len(sizes)
        columns.append(sizes)
    return [tuple(shape) for shape in zip(*columns)]


def _merged_size(sizes):
    """The first known size in `sizes`, or None."""
    return next((s for s in sizes if s is not None), None)


def _merge_cropping(layer, cropping):
    """Check that `layer` has inputs and a valid `cropping`; return the
    cropping with one entry per axis (None if there is no cropping)."""
    if not layer.input_shapes:
        raise ValueError("%s: incomings must hold at least one layer"
                         % _describe(layer))
    if cropping is None:
        return None
    return _full_cropping(cropping, len(layer.input_shapes[0]),
                          _describe(layer))


def _merged_shape(layer, input_shapes, free_axis=None, free_text=''):
    """The common shape of inputs that must agree in their number of
    dimensions and in every known size except along `free_axis`; a
    ValueError naming `layer` (with `free_text` after "differ") if they do
    not."""
    output_shape = [_merged_size(sizes) for sizes in zip(*input_shapes)]
    for shape in input_shapes:
        if len(shape) != len(output_shape) or any(
                axis != free_axis and None not in (s, o) and s != o
                for axis, (s, o) in enumerate(zip(shape, output_shape))):
            raise ValueError("%s: the input shapes %s differ%s"
                             % (_describe(layer), list(input_shapes),
                                free_text))
    return output_shape


class ConcatLayer(MergeLayer):
    """A layer that concatenates its inputs along one axis.

    Parameters
    ----------
    incomings : list of :class:`Layer` instances or tuples
        The layers feeding into this layer, or their output shapes. They
        must agree in all sizes except along `axis` (after cropping).
    axis : int
        The axis to concatenate along; negative values count from the end.
    cropping : None or list
        Crops the inputs to a common size along other axes first, see
        :func:`autocrop`; the entry for `axis` is ignored. The layer keeps
        it as a list with one entry per axis, None for `axis`.
    **kwargs
        Any other keyword arguments, such as `name`, go to
        :class:`MergeLayer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, ConcatLayer
    >>> a = InputLayer((None, 3, 8))
    >>> b = InputLayer((None, 5, 8))
    >>> ConcatLayer([a, b]).output_shape
    (None, 8, 8)
    >>> c = InputLayer((None, 2, 10))
    >>> ConcatLayer([a, c], cropping=[None, None, 'center']).output_shape
    (None, 5, 8)
    """

    def __init__(self, incomings, axis=1, cropping=None, **kwargs):
        super(ConcatLayer, self).__init__(incomings, **kwargs)
        cropping = _merge_cropping(self, cropping)
        index = _check_axis(self, axis, len(self.input_shapes[0]), 'axis')
        self.axis = axis
        if cropping is not None:
            # The inputs are meant to differ along the concatenation axis.
            cropping[index] = None
        self.cropping = cropping
        # Checks that the input shapes fit together.
        self.get_output_shape_for(self.input_shapes)

    def get_output_shape_for(self, input_shapes):
        input_shapes = autocrop_array_shapes(input_shapes, self.cropping)
        axis = self.axis % len(input_shapes[0])
        output_shape = _merged_shape(
            self, input_shapes, axis,
            " in more than the concatenation axis %d" % self.axis)
        sizes = [shape[axis] for shape in input_shapes]
        output_shape[axis] = None if None in sizes else sum(sizes)
        return tuple(output_shape)

    def get_output_for(self, inputs, **kwargs):
        inputs = [T.as_tensor_variable(x) for x in inputs]
        inputs = autocrop(inputs, self.cropping)
        return T.concatenate(inputs, axis=self.axis)


concat = ConcatLayer  # shortcut


class ElemwiseMergeLayer(MergeLayer):
    """A layer that combines its inputs element by element with a binary
    function, e.g. ``theano.tensor.maximum``.

    Parameters
    ----------
    incomings : list of :class:`Layer` instances or tuples
        The layers feeding into this layer, or their output shapes, all of
        the same shape (after cropping).
    merge_function : callable
        A function of two Theano expressions, applied from left to right:
        ``f(f(x1, x2), x3)`` for three inputs.
    cropping : None or list
        Crops the inputs to a common shape first, see :func:`autocrop`. The
        layer keeps it as a list with one entry per axis.
    **kwargs
        Any other keyword arguments, such as `name`, go to
        :class:`MergeLayer`.

    See Also
    --------
    ElemwiseSumLayer : the weighted sum of the inputs

    Examples
    --------
    >>> import theano.tensor as T
    >>> from lasagne.layers import InputLayer, ElemwiseMergeLayer
    >>> a = InputLayer((None, 10))
    >>> b = InputLayer((None, 10))
    >>> ElemwiseMergeLayer([a, b], T.maximum).output_shape
    (None, 10)
    """

    def __init__(self, incomings, merge_function, cropping=None, **kwargs):
        super(ElemwiseMergeLayer, self).__init__(incomings, **kwargs)
        self.cropping = _merge_cropping(self, cropping)
        _check_callable(self, merge_function, 'merge_function')
        self.merge_function = merge_function
        # Checks that the input shapes match.
        self.get_output_shape_for(self.input_shapes)

    def get_output_shape_for(self, input_shapes):
        input_shapes = autocrop_array_shapes(input_shapes, self.cropping)
        return tuple(_merged_shape(self, input_shapes))

    def get_output_for(self, inputs, **kwargs):
        inputs = [T.as_tensor_variable(x) for x in inputs]
        inputs = autocrop(inputs, self.cropping)
        output = inputs[0]
        for input in inputs[1:]:
            output = self.merge_function(output, input)
        return output


class ElemwiseSumLayer(ElemwiseMergeLayer):
    """A layer that sums its inputs element by element, optionally weighted
    by coefficients.

    Parameters
    ----------
    incomings : list of :class:`Layer` instances or tuples
        The layers feeding into this layer, or their output shapes, all of
        the same shape (after cropping).
    coeffs : number or list
        The weight of each input: one for all, or a list with one per input.
    cropping : None or list
        Crops the inputs to a common shape first, see :func:`autocrop`.
    **kwargs
        Any other keyword arguments, such as `name`, go to
        :class:`MergeLayer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, ElemwiseSumLayer
    >>> a = InputLayer((None, 10))
    >>> b = InputLayer((None, 10))
    >>> l_diff = ElemwiseSumLayer([a, b], coeffs=[1, -1])
    >>> l_diff.output_shape
    (None, 10)
    """

    def __init__(self, incomings, coeffs=1, cropping=None, **kwargs):
        super(ElemwiseSumLayer, self).__init__(incomings, T.add,
                                               cropping=cropping, **kwargs)
        num_inputs = len(self.input_shapes)
        if isinstance(coeffs, (list, tuple)):
            if len(coeffs) != num_inputs:
                raise ValueError("%s: got %d coeffs for %d incomings"
                                 % (_describe(self), len(coeffs),
                                    num_inputs))
            coeffs = list(coeffs)
            argument = 'each of coeffs'
        else:
            argument = 'coeffs'
            coeffs = [coeffs] * num_inputs
        for coeff in coeffs:
            _check_real(self, coeff, argument, finite=True)
        self.coeffs = coeffs

    def get_output_for(self, inputs, **kwargs):
        inputs = [T.as_tensor_variable(x) for x in inputs]
        # A coefficient of exactly 1 adds no multiplication to the graph;
        # a number is cast to a float input's dtype, so that float32 inputs
        # stay float32 whatever floatX is.
        inputs = [x if _is_one(c) else x * _like(c, x)
                  for x, c in zip(inputs, self.coeffs)]
        return super(ElemwiseSumLayer, self).get_output_for(inputs, **kwargs)


def _is_one(coeff):
    return isinstance(coeff, numbers.Number) and coeff == 1
