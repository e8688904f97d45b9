import theano
import theano.tensor as T

from .._checks import _check_iterable, _describe, _is_int
from .base import Layer, _init_layer


__all__ = [
    "InputLayer",
]


class InputLayer(Layer):
    """The entry point of a network: holds a symbolic input variable.

    Parameters
    ----------
    shape : tuple of int or None
        The shape of the input; None for dimensions only known at run time
        (typically the batch size).
    input_var : Theano variable, optional
        The variable that stands for the input. By default a new tensor
        variable of dtype ``floatX`` with ``len(shape)`` dimensions, named
        ``input`` (or ``<name>.input`` if the layer has a name), and
        broadcastable in the dimensions of size 1 in `shape`.
    name : str, optional
        A name for the layer.
    **kwargs
        Ignored: an input layer has no other options, but accepts (and
        drops) any, as Lasagne's always has.

    Raises
    ------
    ValueError
        If a dimension of `shape` is neither None nor a positive int, or
        `input_var` has another number of dimensions than `shape`.
    TypeError
        If `shape` is not iterable (e.g. a single int).

    Examples
    --------
    >>> import theano.tensor as T
    >>> from lasagne.layers import InputLayer
    >>> l_in = InputLayer((None, 3, 32, 32))
    >>> l_in.output_shape
    (None, 3, 32, 32)
    >>> l_seq = InputLayer((None, 10), input_var=T.imatrix('tokens'))
    >>> l_seq.input_var.dtype
    'int32'
    >>> InputLayer((None, 1)).input_var.broadcastable
    (False, True)
    """

    def __init__(self, shape, input_var=None, name=None, **kwargs):
        _init_layer(self, name)
        _check_iterable(self, shape, 'shape', 'a tuple of ints and Nones')
        self.shape = tuple(shape)
        if not all(d is None or (_is_int(d) and d > 0) for d in self.shape):
            raise ValueError("%s: every dimension of shape must be a "
                             "positive int or None, got %r"
                             % (_describe(self), shape))
        ndim = len(self.shape)
        if input_var is None:
            var_type = T.TensorType(theano.config.floatX,
                                    tuple(d == 1 for d in self.shape))
            input_var = var_type("%s.input" % name if name is not None
                                 else "input")
        elif getattr(input_var, 'ndim', None) != ndim:
            raise ValueError("%s: shape %r has %d dimensions, but input_var "
                             "%r has %s" % (
                                 _describe(self), self.shape, ndim,
                                 input_var,
                                 getattr(input_var, 'ndim', 'none')))
        self.input_var = input_var

    @Layer.output_shape.getter
    def output_shape(self):
        """The shape of the input, `shape`."""
        return self.shape
