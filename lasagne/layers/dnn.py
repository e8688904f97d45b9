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
from .._checks import _describe
from .base import Layer
from .normalization import BatchNormLayer, batch_norm
from .conv import BaseConvLayer, _border_mode
from .pool import (_PoolLayer, _kaiming_sizes, _kaiming_windows, _spp_args,
                   _spp_output_shape)

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


class Conv2DDNNLayer(_DNNConvLayer):
    """2-D convolutional layer computed by cuDNN.

    The same layer as :class:`lasagne.layers.Conv2DLayer`, with
    parameters of the same shapes, except that it does not flip the filters by
    default.

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
        cross-correlation, which cuDNN computes natively. Filters learnt by a
        :class:`~lasagne.layers.Conv2DLayer` with its default
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
        super(Conv2DDNNLayer, self).__init__(
            incoming, num_filters, filter_size, stride, pad, untie_biases, W,
            b, nonlinearity, flip_filters, num_groups, n=2, **kwargs)


class Conv3DDNNLayer(_DNNConvLayer):
    """3-D convolutional layer computed by cuDNN.

    The same layer as :class:`lasagne.layers.Conv3DLayer`, with
    parameters of the same shapes, except that it does not flip the filters by
    default.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape, with a
        known number of channels.
    num_filters : int
        The number of filters, i.e. of output channels.
    filter_size : int or iterable of 3 ints
        The size of the filters (depth, rows, columns); an int for all three.
    stride : int or iterable of 3 ints
        The stride along each spatial axis.
    pad : int, iterable of 3 ints, 'full', 'same' or 'valid'
        The zero padding at both ends of each spatial axis: the given amounts
        (``'valid'`` is 0), ``filter_size - 1`` (``'full'``, every partial
        overlap of input and filter) or ``filter_size // 2`` (``'same'``, an
        output as large as the input for stride 1; needs odd filter sizes).
    untie_biases : bool
        False (the default): one bias per filter. True: one bias per filter and
        output position, of shape ``(num_filters,) + output_shape[2:]``, which
        needs a known input size.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_filters, num_input_channels // num_groups,
        filter_depth, filter_rows, filter_columns)``. See
        :func:`lasagne.utils.create_param`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity applied to the output; None for the identity.
    flip_filters : bool
        True: flip the filters (a convolution). False (the default): a
        cross-correlation, which cuDNN computes natively. Filters learnt by a
        :class:`~lasagne.layers.Conv3DLayer` with its default
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


class Pool2DDNNLayer(_DNNPoolLayer):
    """2-D pooling layer computed by cuDNN.

    The same layer as :class:`lasagne.layers.Pool2DLayer` with
    ``ignore_border=True``, for inputs of shape ``(batch_size, num_channels,
    input_rows, input_columns)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int or iterable of 2 ints
        The window size (rows, columns); an int for both.
    stride : int, iterable of 2 ints or None
        The distance between the starts of adjacent windows; None (the
        default) for the pool size, i.e. windows that do not overlap.
    pad : int or iterable of 2 ints
        The padding at both ends of each spatial axis, smaller than the pool
        size.
    ignore_border : bool
        Must be True (the default): only windows that lie inside the
        (padded) input count; False raises a :class:`NotImplementedError`
        (also a :class:`ValueError`). The argument is there for
        compatibility with :class:`lasagne.layers.Pool2DLayer`.
    mode : {'max', 'average_inc_pad', 'average_exc_pad', 'sum'}
        The pooling function: the maximum (the default), the mean
        including padded positions, the mean excluding them, or the
        sum.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1``.
    """

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0),
                 ignore_border=True, mode='max', **kwargs):
        super(Pool2DDNNLayer, self).__init__(incoming, pool_size, stride, pad,
                                             ignore_border, mode, n=2,
                                             **kwargs)


class MaxPool2DDNNLayer(Pool2DDNNLayer):
    """2-D max-pooling layer computed by cuDNN.

    The same layer as :class:`lasagne.layers.MaxPool2DLayer` with
    ``ignore_border=True``, for inputs of shape ``(batch_size, num_channels,
    input_rows, input_columns)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int or iterable of 2 ints
        The window size (rows, columns); an int for both.
    stride : int, iterable of 2 ints or None
        The distance between the starts of adjacent windows; None (the
        default) for the pool size, i.e. windows that do not overlap.
    pad : int or iterable of 2 ints
        The padding at both ends of each spatial axis, smaller than the pool
        size.
    ignore_border : bool
        Must be True (the default): only windows that lie inside the
        (padded) input count; False raises a :class:`NotImplementedError`
        (also a :class:`ValueError`). The argument is there for
        compatibility with :class:`lasagne.layers.MaxPool2DLayer`.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1``.
    """

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0),
                 ignore_border=True, **kwargs):
        super(MaxPool2DDNNLayer, self).__init__(incoming, pool_size, stride,
                                                pad, ignore_border, 'max',
                                                **kwargs)


class Pool3DDNNLayer(_DNNPoolLayer):
    """3-D pooling layer computed by cuDNN.

    The same layer as :class:`lasagne.layers.Pool3DLayer` with
    ``ignore_border=True``, for inputs of shape ``(batch_size, num_channels,
    input_depth, input_rows, input_columns)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int or iterable of 3 ints
        The window size (depth, rows, columns); an int for all three.
    stride : int, iterable of 3 ints or None
        The distance between the starts of adjacent windows; None (the
        default) for the pool size, i.e. windows that do not overlap.
    pad : int or iterable of 3 ints
        The padding at both ends of each spatial axis, smaller than the pool
        size.
    ignore_border : bool
        Must be True (the default): only windows that lie inside the
        (padded) input count; False raises a :class:`NotImplementedError`
        (also a :class:`ValueError`). The argument is there for
        compatibility with :class:`lasagne.layers.Pool3DLayer`.
    mode : {'max', 'average_inc_pad', 'average_exc_pad', 'sum'}
        The pooling function: the maximum (the default), the mean
        including padded positions, the mean excluding them, or the
        sum.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1``.
    """

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0, 0),
                 ignore_border=True, mode='max', **kwargs):
        super(Pool3DDNNLayer, self).__init__(incoming, pool_size, stride, pad,
                                             ignore_border, mode, n=3,
                                             **kwargs)


class MaxPool3DDNNLayer(Pool3DDNNLayer):
    """3-D max-pooling layer computed by cuDNN.

    The same layer as :class:`lasagne.layers.MaxPool3DLayer` with
    ``ignore_border=True``, for inputs of shape ``(batch_size, num_channels,
    input_depth, input_rows, input_columns)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int or iterable of 3 ints
        The window size (depth, rows, columns); an int for all three.
    stride : int, iterable of 3 ints or None
        The distance between the starts of adjacent windows; None (the
        default) for the pool size, i.e. windows that do not overlap.
    pad : int or iterable of 3 ints
        The padding at both ends of each spatial axis, smaller than the pool
        size.
    ignore_border : bool
        Must be True (the default): only windows that lie inside the
        (padded) input count; False raises a :class:`NotImplementedError`
        (also a :class:`ValueError`). The argument is there for
        compatibility with :class:`lasagne.layers.MaxPool3DLayer`.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1``.
    """

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
