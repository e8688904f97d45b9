"""
Layers that call NVIDIA cuDNN through Theano's GPU backend.

Importing this module raises an :class:`ImportError` unless Theano's
``gpuarray`` backend is active (pygpu/libgpuarray installed and a CUDA device
selected, e.g. with ``THEANO_FLAGS=device=cuda``) and cuDNN is usable, so that
code can fall back to the portable layers::

    try:
        from lasagne.layers.dnn import Conv2DDNNLayer as ConvLayer
    except ImportError:
        from lasagne.layers import Conv2DLayer as ConvLayer
"""
import warnings

import theano.tensor as T
from theano import gpuarray

from .. import init
from .. import nonlinearities
from ..utils import _UnsupportedError
from .base import Layer, _describe
from .normalization import BatchNormLayer, batch_norm
from .conv import (_KWARGS, _NUM_GROUPS, BaseConvLayer, _border_mode,
                   _conv_doc, _spatial_words)
from .pool import (_MODE_DOC, _PoolLayer, _kaiming_sizes, _kaiming_windows,
                   _spp_args, _spp_output_shape)

_NEEDS = ("lasagne.layers.dnn needs Theano's gpuarray backend (pygpu with a "
          "CUDA device, e.g. THEANO_FLAGS=device=cuda) and cuDNN")

if not gpuarray.pygpu_activated:
    raise ImportError("%s; the gpuarray backend is not active" % _NEEDS)

from theano.gpuarray import dnn  # noqa: E402 (only importable past the gate)

if not dnn.dnn_present():
    raise ImportError("%s; cuDNN is not available: %s"
                      % (_NEEDS, dnn.dnn_present.msg))


__all__ = [
    "Conv2DDNNLayer",
    "Conv3DDNNLayer",
    "Pool2DDNNLayer",
    "MaxPool2DDNNLayer",
    "Pool3DDNNLayer",
    "MaxPool3DDNNLayer",
    "SpatialPyramidPoolingDNNLayer",
    "BatchNormDNNLayer",
    "batch_norm_dnn",
]


class _DNNConvLayer(BaseConvLayer):
    """A convolutional layer computed by cuDNN."""

    def convolve(self, input, **kwargs):
        convolution = dnn.dnn_conv if self.n == 2 else dnn.dnn_conv3d
        return convolution(img=input, kerns=self.W, subsample=self.stride,
                           border_mode=_border_mode(self.pad),
                           conv_mode='conv' if self.flip_filters else 'cross',
                           num_groups=self.num_groups)


def _dnn_conv_doc(n):
    return _conv_doc(
        n, summary="""The same layer as :class:`lasagne.layers.Conv%dDLayer`,
    with parameters of the same shapes, except that it does not flip the
    filters by default.""" % n,
        flip="""True: flip the filters (a convolution). False (the default): a
        cross-correlation, which cuDNN computes natively. Filters learnt by
        a :class:`~lasagne.layers.Conv%dDLayer` with its default
        ``flip_filters=True`` need True here.""" % n,
        more=_NUM_GROUPS + "\n" + _KWARGS + "\n",
        title="{n}-D convolutional layer computed by cuDNN.")


class Conv2DDNNLayer(_DNNConvLayer):
    __doc__ = _dnn_conv_doc(2)

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1),
                 pad=0, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=False, num_groups=1, **kwargs):
        super(Conv2DDNNLayer, self).__init__(
            incoming, num_filters, filter_size, stride, pad, untie_biases, W,
            b, nonlinearity, flip_filters, num_groups, n=2, **kwargs)


class Conv3DDNNLayer(_DNNConvLayer):
    __doc__ = _dnn_conv_doc(3)

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1, 1),
                 pad=0, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=False, num_groups=1, **kwargs):
        super(Conv3DDNNLayer, self).__init__(
            incoming, num_filters, filter_size, stride, pad, untie_biases, W,
            b, nonlinearity, flip_filters, num_groups, n=3, **kwargs)


class _DNNPoolLayer(_PoolLayer):
    """A pooling layer computed by cuDNN, which always ignores borders."""

    def __init__(self, incoming, pool_size, stride, pad, ignore_border,
                 mode, n, **kwargs):
        super(_DNNPoolLayer, self).__init__(incoming, pool_size, stride, pad,
                                            True, mode, n, **kwargs)
        if not ignore_border:
            raise _UnsupportedError(
                "%s: cuDNN only pools windows that lie inside the (padded) "
                "input; ignore_border=False is not supported"
                % _describe(self))

    def get_output_for(self, input, **kwargs):
        return dnn.dnn_pool(input, self.pool_size, self.stride, self.mode,
                            self.pad)


_POOL_DOC = """{n}-D pooling layer computed by cuDNN.

    The same layer as :class:`lasagne.layers.{base}` with
    ``ignore_border=True``.{max_note}

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_channels, {spatial})``.
    pool_size : int or iterable of {n} ints
        The window size along each spatial axis; an int for all.
    stride : int, iterable of {n} ints or None
        The distance between the starts of adjacent windows; None (the
        default) for the pool size.
    pad : int or iterable of {n} ints
        The padding at both ends of each spatial axis, smaller than the pool
        size.
    ignore_border : bool
        Must be True (the default): only windows that lie inside the
        (padded) input count. False raises a :class:`NotImplementedError`
        (also a :class:`ValueError`).
        It is an argument for compatibility with
        :class:`lasagne.layers.{base}`.{mode_doc}
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 * pad
    - pool_size) // stride + 1``.
    """


def _pool_doc(n, max_only):
    return _POOL_DOC.format(
        base=('MaxPool%dDLayer' if max_only else 'Pool%dDLayer') % n,
        **_spatial_words(n),
        max_note=(" Each output element is the maximum of its window."
                  if max_only else ""),
        mode_doc="" if max_only else _MODE_DOC)


class Pool2DDNNLayer(_DNNPoolLayer):
    __doc__ = _pool_doc(2, False)

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0),
                 ignore_border=True, mode='max', **kwargs):
        super(Pool2DDNNLayer, self).__init__(incoming, pool_size, stride, pad,
                                             ignore_border, mode, n=2,
                                             **kwargs)


class MaxPool2DDNNLayer(Pool2DDNNLayer):
    __doc__ = _pool_doc(2, True)

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0),
                 ignore_border=True, **kwargs):
        super(MaxPool2DDNNLayer, self).__init__(incoming, pool_size, stride,
                                                pad, ignore_border, 'max',
                                                **kwargs)


class Pool3DDNNLayer(_DNNPoolLayer):
    __doc__ = _pool_doc(3, False)

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0, 0),
                 ignore_border=True, mode='max', **kwargs):
        super(Pool3DDNNLayer, self).__init__(incoming, pool_size, stride, pad,
                                             ignore_border, mode, n=3,
                                             **kwargs)


class MaxPool3DDNNLayer(Pool3DDNNLayer):
    __doc__ = _pool_doc(3, True)

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0, 0),
                 ignore_border=True, **kwargs):
        super(MaxPool3DDNNLayer, self).__init__(incoming, pool_size, stride,
                                                pad, ignore_border, 'max',
                                                **kwargs)


class SpatialPyramidPoolingDNNLayer(Layer):
    """Spatial pyramid pooling layer computed by cuDNN [1]_.

    Pools each channel of a 2-D input into ``d`` by ``d`` bins for each
    ``d`` in `pool_dims`, and concatenates the flattened results, so that
    the output size does not depend on the input size. The bins are laid
    out as in [1]_ (``implementation='fast'`` of
    :class:`lasagne.layers.SpatialPyramidPoolingLayer`): along an axis of
    length ``a``, windows of ``ceil(a / d)`` positions start every
    ``floor(a / d)`` positions, and the first ``d`` of them are kept. This
    needs ``a >= d``: a smaller known input size raises a
    :class:`ValueError` at construction; a size unknown then (None) is
    checked when the output is computed, with an :class:`AssertionError`.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_channels, input_rows, input_columns)``; the
        spatial size may be None (variable).
    pool_dims : list of int
        The number of bins along each spatial axis, for each pyramid level.
    mode : {'max', 'average_inc_pad', 'average_exc_pad', 'sum'}
        The pooling function.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output shape is ``(batch_size, num_channels, sum(d * d for d in
    pool_dims))``.

    References
    ----------
    .. [1] He, K., Zhang, X., Ren, S., Sun, J. (2014): Spatial Pyramid
       Pooling in Deep Convolutional Networks for Visual Recognition.
       ECCV 2014. https://arxiv.org/abs/1406.4729
    """

    def __init__(self, incoming, pool_dims=[4, 2, 1], mode='max', **kwargs):
        super(SpatialPyramidPoolingDNNLayer, self).__init__(incoming,
                                                            **kwargs)
        _spp_args(self, pool_dims, mode, True)
        self.pool_dims = pool_dims
        self.mode = mode

    def get_output_shape_for(self, input_shape):
        return _spp_output_shape(self, input_shape)

    def get_output_for(self, input, **kwargs):
        sizes = _kaiming_sizes(self, input)
        levels = []
        for bins in self.pool_dims:
            windows, strides = _kaiming_windows(sizes, bins)
            pooled = dnn.dnn_pool(input, windows, strides, self.mode, (0, 0))
            levels.append(pooled[:, :, :bins, :bins].flatten(3))
        return T.concatenate(levels, axis=2)


# Batch normalization: BatchNormLayer builds on T.nnet.bn, which Theano's
# optimizer hands to cuDNN by itself, so the cuDNN-specific versions have
# become aliases.
_BATCH_NORM_REMOVAL = "Lasagne 0.3"


def _warn_batch_norm_alias(alias, replacement):
    warnings.warn(
        "lasagne.layers.dnn.%s is deprecated and will be removed in %s; use "
        "lasagne.layers.%s, which Theano computes with cuDNN where it can."
        % (alias, _BATCH_NORM_REMOVAL, replacement), FutureWarning,
        stacklevel=3)


class BatchNormDNNLayer(BatchNormLayer):
    """Deprecated alias of :class:`lasagne.layers.BatchNormLayer`.

    Constructing it warns with a :class:`FutureWarning`; it will be removed
    in Lasagne 0.3. It takes the same arguments and computes the same as
    :class:`BatchNormLayer` (any `axes` now), which Theano's optimizer runs
    with cuDNN where it can.

    See Also
    --------
    lasagne.layers.BatchNormLayer : The replacement.
    """

    def __init__(self, incoming, axes='auto', epsilon=1e-4, alpha=0.1,
                 beta=init.Constant(0), gamma=init.Constant(1),
                 mean=init.Constant(0), inv_std=init.Constant(1), **kwargs):
        _warn_batch_norm_alias('BatchNormDNNLayer', 'BatchNormLayer')
        super(BatchNormDNNLayer, self).__init__(
            incoming, axes=axes, epsilon=epsilon, alpha=alpha, beta=beta,
            gamma=gamma, mean=mean, inv_std=inv_std, **kwargs)


def batch_norm_dnn(layer, **kwargs):
    """Deprecated alias of :func:`lasagne.layers.batch_norm`.

    Calling it warns with a :class:`FutureWarning`; it will be removed in
    Lasagne 0.3. It takes the same arguments and returns the same as
    :func:`batch_norm`, with a :class:`BatchNormLayer`.

    See Also
    --------
    lasagne.layers.batch_norm : The replacement.
    """
    _warn_batch_norm_alias('batch_norm_dnn', 'batch_norm')
    return batch_norm(layer, **kwargs)
