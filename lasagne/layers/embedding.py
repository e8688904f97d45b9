"""
A layer that looks up learned vectors for integer indices.
"""
import theano.tensor as T

from .. import init
from .._checks import _check_positive_int, _describe
from .base import Layer


__all__ = [
    "EmbeddingLayer",
]


class EmbeddingLayer(Layer):
    """A layer that maps integer indices to learned vectors, e.g. word
    indices to word embeddings.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape. Its
        output must hold integers in ``[0, input_size)``, e.g. an
        :class:`InputLayer` with an ``input_var`` of an integer type.
    input_size : int
        The number of distinct indices (the vocabulary size).
    output_size : int
        The size of each embedding vector.
    W : Theano shared variable, expression, numpy array or callable
        The embedding matrix, of shape ``(input_size, output_size)``: row
        ``i`` is the vector of index ``i``. See
        :func:`lasagne.utils.create_param`.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Notes
    -----
    The output has the shape of the input with an axis of `output_size`
    appended: ``W[input]``.

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.layers import InputLayer, EmbeddingLayer, get_output
    >>> l_in = InputLayer((None, 2), input_var=T.imatrix())
    >>> l_emb = EmbeddingLayer(l_in, input_size=3, output_size=2,
    ...                        W=np.arange(6.).reshape(3, 2))
    >>> l_emb.output_shape
    (None, 2, 2)
    >>> x = np.array([[0, 2]], dtype='int32')
    >>> get_output(l_emb, x).eval()
    array([[[0., 1.],
            [4., 5.]]])
    """

    def __init__(self, incoming, input_size, output_size,
                 W=init.Normal(), **kwargs):
        super(EmbeddingLayer, self).__init__(incoming, **kwargs)
        _check_positive_int(self, input_size, 'input_size')
        _check_positive_int(self, output_size, 'output_size')
        self.input_size = input_size
        self.output_size = output_size
        self.W = self.add_param(W, (input_size, output_size), name="W")

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape) + (self.output_size,)

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
        if not input.dtype.startswith(('int', 'uint')):
            raise TypeError("%s: the input must be of an integer type, got "
                            "%s; give the InputLayer an integer input_var, "
                            "e.g. T.imatrix()" % (_describe(self),
                                                  input.dtype))
        return self.W[input]
