"""
A convolutional layer computed by Theano's GPU implementation of Caffe's
matrix-multiplication convolution (``GpuCorrMM``).

Importing this module raises an :class:`ImportError` unless Theano's
``gpuarray`` backend is active (pygpu/libgpuarray installed and a CUDA device
selected, e.g. with ``THEANO_FLAGS=device=cuda``), so that code can fall back
to :class:`lasagne.layers.Conv2DLayer`, which Theano runs on the GPU with
cuDNN or ``GpuCorrMM`` anyway when the backend is active.
"""
from theano import gpuarray

from .. import init
from .. import nonlinearities
from .conv import BaseConvLayer, _border_mode

if not gpuarray.pygpu_activated:
    raise ImportError("lasagne.layers.corrmm needs Theano's gpuarray backend "
                      "(pygpu with a CUDA device, e.g. "
                      "THEANO_FLAGS=device=cuda); the backend is not active")

# only usable past the gate
from theano.gpuarray.basic_ops import gpu_contiguous  # noqa: E402
from theano.gpuarray.blas import GpuCorrMM  # noqa: E402


__all__ = [
    "Conv2DMMLayer",
]


class Conv2DMMLayer(BaseConvLayer):
    """2-D convolutional layer computed by ``GpuCorrMM``.

    The same layer as :class:`lasagne.layers.Conv2DLayer`, with parameters
    of the same shapes, except that it does not flip the filters by default.
    Its ``corr_mm_op`` attribute holds the ``GpuCorrMM`` operation it
    applies.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape, with a
        known number of channels.
    num_filters : int
        The number of filters, i.e. of output channels.
    filter_size : int or iterable of 2 ints
        The size of the filters (rows, columns); an int for both.
    stride : int or iterable of 2 ints
        The stride along the rows and the columns.
    pad : int, iterable of 2 ints, 'full', 'same' or 'valid'
        The zero padding at both ends of the rows and of the columns: the given
        amounts (``'valid'`` is 0), ``filter_size - 1`` (``'full'``, every
        partial overlap of input and filter) or ``filter_size // 2``
        (``'same'``, an output as large as the input for stride 1; needs odd
        filter sizes).
    untie_biases : bool
        False (the default): one bias per filter. True: one bias per filter and
        output position, of shape ``(num_filters, output_rows,
        output_columns)``, which needs a known input size.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_filters, num_input_channels // num_groups,
        filter_rows, filter_columns)``. See :func:`lasagne.utils.create_param`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity applied to the output; None for the identity.
    flip_filters : bool
        True: flip the filters (a convolution). False (the default): a
        cross-correlation, which ``GpuCorrMM`` computes natively. Filters
        learnt by a :class:`~lasagne.layers.Conv2DLayer` with its default
        ``flip_filters=True`` need True here.
    num_groups : int
        Split the input channels and the filters into this many groups; each
        group of filters sees its group of channels only. Must divide both
        numbers. The default is 1.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer` (e.g.
        `name`).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases (b is None without biases).

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 * pad -
    filter_size) // stride + 1`` (see
    :func:`lasagne.layers.conv.conv_output_length`); with ``pad='same'`` it
    is ``ceil(input_length / stride)``.
    """

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1),
                 pad=0, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=False, num_groups=1, **kwargs):
        super(Conv2DMMLayer, self).__init__(
            incoming, num_filters, filter_size, stride, pad, untie_biases, W,
            b, nonlinearity, flip_filters, num_groups, n=2, **kwargs)
        self.corr_mm_op = GpuCorrMM(subsample=self.stride,
                                    border_mode=_border_mode(self.pad),
                                    num_groups=self.num_groups)

    def convolve(self, input, **kwargs):
        filters = self.W
        if self.flip_filters:
            filters = filters[:, :, ::-1, ::-1]
        return self.corr_mm_op(gpu_contiguous(input), gpu_contiguous(filters))
