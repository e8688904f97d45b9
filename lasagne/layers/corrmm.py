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
from .conv import (_KWARGS, _NUM_GROUPS, BaseConvLayer, _border_mode,
                   _conv_doc)

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
    __doc__ = _conv_doc(
        2, title="2-D convolutional layer computed by ``GpuCorrMM``.",
        summary="""The same layer as :class:`lasagne.layers.Conv2DLayer`,
    with parameters of the same shapes, except that it does not flip the
    filters by default. Its ``corr_mm_op`` attribute holds the ``GpuCorrMM``
    operation it applies.""",
        flip="""True: flip the filters (a convolution). False (the default): a
        cross-correlation, which ``GpuCorrMM`` computes natively. Filters
        learnt by a :class:`~lasagne.layers.Conv2DLayer` with its default
        ``flip_filters=True`` need True here.""",
        more=_NUM_GROUPS + "\n" + _KWARGS + "\n")

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
