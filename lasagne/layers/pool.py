"""
Pooling and upscaling layers.
"""
import theano.tensor as T
from theano.tensor.opt import Assert
from theano.tensor.signal.pool import pool_2d, pool_3d

from .._checks import (_check_axis, _check_callable, _check_iterable,
                       _check_positive_int, _describe, _int_tuple)
from ..utils import _UnsupportedError
from .base import Layer
from .conv import _check_spatial_dims


__all__ = [
    "MaxPool1DLayer",
    "MaxPool2DLayer",
    "MaxPool3DLayer",
    "Pool1DLayer",
    "Pool2DLayer",
    "Pool3DLayer",
    "Upscale1DLayer",
    "Upscale2DLayer",
    "Upscale3DLayer",
    "GlobalPoolLayer",
    "FeaturePoolLayer",
    "FeatureWTALayer",
    "SpatialPyramidPoolingLayer",
]

_POOL_MODES = ('max', 'sum', 'average_inc_pad', 'average_exc_pad')


def pool_output_length(input_length, pool_size, stride, pad, ignore_border):
    """The output length of a pooling operation along one axis.

    Parameters
    ----------
    input_length : int or None
        The input length; None if unknown.
    pool_size : int or None
        The length of the pooling windows; None if unknown.
    stride : int
        The distance between the starts of adjacent windows.
    pad : int
        The zero padding at each end of the input (only with
        `ignore_border`).
    ignore_border : bool
        True: only windows that lie inside the (padded) input count. False:
        a partial window at the end counts too, as in Theano's pooling.

    Returns
    -------
    int or None
        With `ignore_border`: ``(input_length + 2 * pad - pool_size) //
        stride + 1``. Without: ``ceil(input_length / stride)`` if ``stride
        >= pool_size``, else ``max(0, ceil((input_length - pool_size) /
        stride)) + 1``. None if `input_length` or `pool_size` is None.
    """
    if input_length is None or pool_size is None:
        return None
    if ignore_border:
        return (input_length + 2 * pad - pool_size) // stride + 1
    if pad:
        raise _UnsupportedError("pool_output_length: padding needs "
                                "ignore_border=True")
    if stride >= pool_size:
        return (input_length + stride - 1) // stride
    return max(0, (input_length - pool_size + stride - 1) // stride) + 1


def _check_pool_mode(layer, mode):
    if mode not in _POOL_MODES:
        raise ValueError("%s: mode must be one of %s, got %r"
                         % (_describe(layer), ', '.join(map(repr,
                                                            _POOL_MODES)),
                            mode))


def _pool_args(layer, pool_size, stride, pad, n):
    """Validated `pool_size`, `stride` (the pool size if None) and `pad` of
    a pooling layer in `n` dimensions."""
    _check_spatial_dims(layer, n)
    pool_size = _int_tuple(layer, pool_size, n, 'pool_size', 1)
    stride = (pool_size if stride is None
              else _int_tuple(layer, stride, n, 'stride', 1))
    pad = _int_tuple(layer, pad, n, 'pad', 0)
    if any(p >= size for p, size in zip(pad, pool_size)):
        raise _UnsupportedError("%s: pad=%r must be smaller than "
                                "pool_size=%r"
                                % (_describe(layer), pad, pool_size))
    return pool_size, stride, pad


def _check_pool_fits(layer):
    """Refuse windows larger than the padded input along an axis of known
    size, which leave no output position; without `ignore_border` a partial
    window counts, so any size fits."""
    if not layer.ignore_border:
        return
    for axis, (length, size, pad) in enumerate(
            zip(layer.input_shape[2:], layer.pool_size, layer.pad), 2):
        if length is not None and length + 2 * pad < size:
            raise ValueError(
                "%s: pool_size=%r does not fit in the input of shape %r "
                "with pad=%r: expected at most %d positions along axis %d "
                "(the padded input's length)"
                % (_describe(layer), layer.pool_size, layer.input_shape,
                   layer.pad, length + 2 * pad, axis))


class _PoolLayer(Layer):
    """Pooling over the `n` trailing axes of the input with Theano's
    pooling operation."""

    def __init__(self, incoming, pool_size, stride, pad, ignore_border,
                 mode, n, **kwargs):
        super(_PoolLayer, self).__init__(incoming, **kwargs)
        self.pool_size, self.stride, self.pad = _pool_args(
            self, pool_size, stride, pad, n)
        if not ignore_border and any(self.pad):
            raise _UnsupportedError("%s: pad=%r needs ignore_border=True"
                                    % (_describe(self), self.pad))
        self.ignore_border = ignore_border
        _check_pool_fits(self)
        _check_pool_mode(self, mode)
        self.mode = mode

    def get_output_shape_for(self, input_shape):
        return (tuple(input_shape[:2]) +
                tuple(pool_output_length(length, size, stride, pad,
                                         self.ignore_border)
                      for length, size, stride, pad
                      in zip(input_shape[2:], self.pool_size, self.stride,
                             self.pad)))

    def get_output_for(self, input, **kwargs):
        n = len(self.pool_size)
        if n == 1:
            # Theano pools two or three axes: add a second one of size one
            pooled = pool_2d(T.shape_padright(input, 1),
                             ws=self.pool_size + (1,),
                             stride=self.stride + (1,), pad=self.pad + (0,),
                             ignore_border=self.ignore_border,
                             mode=self.mode)
            return pooled[:, :, :, 0]
        pool = pool_2d if n == 2 else pool_3d
        return pool(input, ws=self.pool_size, stride=self.stride,
                    pad=self.pad, ignore_border=self.ignore_border,
                    mode=self.mode)


class Pool1DLayer(_PoolLayer):
    """1-D pooling layer.

    Each output element summarizes a window of the input (its maximum, mean or
    sum), for inputs of shape ``(batch_size, num_channels, input_length)``;
    each channel is pooled separately.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int or iterable of one int
        The window length.
    stride : int, iterable of one int or None
        The distance between the starts of adjacent windows; None (the
        default) for the pool size, i.e. windows that do not overlap.
    pad : int or iterable of one int
        The padding at both ends of the input, smaller than the pool
        size (only with `ignore_border`). Padded positions do not count
        for max pooling.
    ignore_border : bool
        True (the default): only windows that lie inside the (padded)
        input count. False: a partial window at the end counts too.
    mode : {'max', 'average_inc_pad', 'average_exc_pad', 'sum'}
        The pooling function: the maximum (the default), the mean
        including padded positions, the mean excluding them, or the
        sum.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output length is ``(input_length + 2 * pad - pool_size) // stride
    + 1`` with `ignore_border`; see
    :func:`pool_output_length` for the other case.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Pool1DLayer
    >>> l_in = InputLayer((None, 3, 10))
    >>> Pool1DLayer(l_in, pool_size=2).output_shape
    (None, 3, 5)
    """

    def __init__(self, incoming, pool_size, stride=None, pad=0,
                 ignore_border=True, mode='max', **kwargs):
        super(Pool1DLayer, self).__init__(incoming, pool_size, stride, pad,
                                          ignore_border, mode, n=1, **kwargs)


class Pool2DLayer(_PoolLayer):
    """2-D pooling layer.

    Each output element summarizes a window of the input (its maximum, mean or
    sum), for inputs of shape ``(batch_size, num_channels, input_rows,
    input_columns)``; each channel is pooled separately.

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
        size (only with `ignore_border`). Padded positions do not count
        for max pooling.
    ignore_border : bool
        True (the default): only windows that lie inside the (padded)
        input count. False: a partial window at the end counts too.
    mode : {'max', 'average_inc_pad', 'average_exc_pad', 'sum'}
        The pooling function: the maximum (the default), the mean
        including padded positions, the mean excluding them, or the
        sum.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1`` with `ignore_border`; see
    :func:`pool_output_length` for the other case.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Pool2DLayer
    >>> l_in = InputLayer((None, 3, 8, 10))
    >>> Pool2DLayer(l_in, pool_size=2).output_shape
    (None, 3, 4, 5)
    """

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0),
                 ignore_border=True, mode='max', **kwargs):
        super(Pool2DLayer, self).__init__(incoming, pool_size, stride, pad,
                                          ignore_border, mode, n=2, **kwargs)


class Pool3DLayer(_PoolLayer):
    """3-D pooling layer.

    Each output element summarizes a window of the input (its maximum, mean or
    sum), for inputs of shape ``(batch_size, num_channels, input_depth,
    input_rows, input_columns)``; each channel is pooled separately.

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
        size (only with `ignore_border`). Padded positions do not count
        for max pooling.
    ignore_border : bool
        True (the default): only windows that lie inside the (padded)
        input count. False: a partial window at the end counts too.
    mode : {'max', 'average_inc_pad', 'average_exc_pad', 'sum'}
        The pooling function: the maximum (the default), the mean
        including padded positions, the mean excluding them, or the
        sum.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1`` with `ignore_border`; see
    :func:`pool_output_length` for the other case.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Pool3DLayer
    >>> l_in = InputLayer((None, 3, 6, 8, 10))
    >>> Pool3DLayer(l_in, pool_size=2).output_shape
    (None, 3, 3, 4, 5)
    """

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0, 0),
                 ignore_border=True, mode='max', **kwargs):
        super(Pool3DLayer, self).__init__(incoming, pool_size, stride, pad,
                                          ignore_border, mode, n=3, **kwargs)


class MaxPool1DLayer(Pool1DLayer):
    """1-D max-pooling layer.

    Each output element is the maximum of a window of the input, for inputs of
    shape ``(batch_size, num_channels, input_length)``: a :class:`Pool1DLayer`
    with ``mode='max'``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int or iterable of one int
        The window length.
    stride : int, iterable of one int or None
        The distance between the starts of adjacent windows; None (the
        default) for the pool size, i.e. windows that do not overlap.
    pad : int or iterable of one int
        The padding at both ends of the input, smaller than the pool
        size (only with `ignore_border`). Padded positions do not count
        for max pooling.
    ignore_border : bool
        True (the default): only windows that lie inside the (padded)
        input count. False: a partial window at the end counts too.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output length is ``(input_length + 2 * pad - pool_size) // stride
    + 1`` with `ignore_border`; see
    :func:`pool_output_length` for the other case.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, MaxPool1DLayer
    >>> l_in = InputLayer((None, 3, 10))
    >>> MaxPool1DLayer(l_in, pool_size=2).output_shape
    (None, 3, 5)
    """

    def __init__(self, incoming, pool_size, stride=None, pad=0,
                 ignore_border=True, **kwargs):
        super(MaxPool1DLayer, self).__init__(incoming, pool_size, stride, pad,
                                             ignore_border, mode='max',
                                             **kwargs)


class MaxPool2DLayer(Pool2DLayer):
    """2-D max-pooling layer.

    Each output element is the maximum of a window of the input, for inputs of
    shape ``(batch_size, num_channels, input_rows, input_columns)``: a
    :class:`Pool2DLayer` with ``mode='max'``.

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
        size (only with `ignore_border`). Padded positions do not count
        for max pooling.
    ignore_border : bool
        True (the default): only windows that lie inside the (padded)
        input count. False: a partial window at the end counts too.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1`` with `ignore_border`; see
    :func:`pool_output_length` for the other case.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, MaxPool2DLayer
    >>> l_in = InputLayer((None, 3, 8, 10))
    >>> MaxPool2DLayer(l_in, pool_size=2).output_shape
    (None, 3, 4, 5)
    """

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0),
                 ignore_border=True, **kwargs):
        super(MaxPool2DLayer, self).__init__(incoming, pool_size, stride, pad,
                                             ignore_border, mode='max',
                                             **kwargs)


class MaxPool3DLayer(Pool3DLayer):
    """3-D max-pooling layer.

    Each output element is the maximum of a window of the input, for inputs of
    shape ``(batch_size, num_channels, input_depth, input_rows,
    input_columns)``: a :class:`Pool3DLayer` with ``mode='max'``.

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
        size (only with `ignore_border`). Padded positions do not count
        for max pooling.
    ignore_border : bool
        True (the default): only windows that lie inside the (padded)
        input count. False: a partial window at the end counts too.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 *
    pad - pool_size) // stride + 1`` with `ignore_border`; see
    :func:`pool_output_length` for the other case.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, MaxPool3DLayer
    >>> l_in = InputLayer((None, 3, 6, 8, 10))
    >>> MaxPool3DLayer(l_in, pool_size=2).output_shape
    (None, 3, 3, 4, 5)
    """

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0, 0),
                 ignore_border=True, **kwargs):
        super(MaxPool3DLayer, self).__init__(incoming, pool_size, stride, pad,
                                             ignore_border, mode='max',
                                             **kwargs)


class _UpscaleLayer(Layer):
    """Upscaling of the `_n` trailing axes of the input."""

    _n = None

    def __init__(self, incoming, scale_factor, mode='repeat', **kwargs):
        super(_UpscaleLayer, self).__init__(incoming, **kwargs)
        _check_spatial_dims(self, self._n)
        self.scale_factor = _int_tuple(self, scale_factor, self._n,
                                       'scale_factor', 1)
        if mode not in ('repeat', 'dilate'):
            raise ValueError("%s: mode must be 'repeat' or 'dilate', got %r"
                             % (_describe(self), mode))
        self.mode = mode

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape[:2]) + tuple(
            None if length is None else length * factor
            for length, factor in zip(input_shape[2:], self.scale_factor))

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
        if self.mode == 'repeat':
            for axis, factor in enumerate(self.scale_factor, 2):
                if factor > 1:
                    input = T.extra_ops.repeat(input, factor, axis)
            return input
        for axis, factor in enumerate(self.scale_factor, 2):
            if factor > 1:
                input = _dilate(input, axis, factor)
        return input


def _dilate(x, axis, factor):
    """`x` with ``factor - 1`` zeros after each element along `axis`."""
    # Each element is given a new axis of its own, filled up with zeros, and
    # the two axes are merged. Writing `x` into every factor-th position of
    # a tensor of zeros (set_subtensor) would be shorter, but Theano 1.0.5
    # never finishes optimizing the gradient of that.
    shape = [x.shape[i] for i in range(x.ndim)]
    zeros = T.zeros(shape[:axis + 1] + [factor - 1] + shape[axis + 1:],
                    dtype=x.dtype)
    spread = T.concatenate([T.shape_padaxis(x, axis + 1), zeros],
                           axis=axis + 1)
    shape[axis] = shape[axis] * factor
    return spread.reshape(shape, ndim=x.ndim)


class Upscale1DLayer(_UpscaleLayer):
    """1-D upscaling layer.

    Enlarges the input, of shape ``(batch_size, num_channels, input_length)``,
    along its length by integer factors.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    scale_factor : int or iterable of one int
        The factor, at least 1.
    mode : {'repeat', 'dilate'}
        ``'repeat'`` (the default): each input element is repeated
        `scale_factor` times (nearest-neighbour upscaling). ``'dilate'``:
        each input element is followed by ``scale_factor - 1`` zeros.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output length is ``input_length * scale_factor``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Upscale1DLayer
    >>> l_in = InputLayer((None, 3, 4))
    >>> Upscale1DLayer(l_in, scale_factor=2).output_shape
    (None, 3, 8)
    """

    _n = 1


class Upscale2DLayer(_UpscaleLayer):
    """2-D upscaling layer.

    Enlarges the input, of shape ``(batch_size, num_channels, input_rows,
    input_columns)``, along its 2 spatial axes by integer factors.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    scale_factor : int or iterable of 2 ints
        The factor along each spatial axis, at least 1; an int for all.
    mode : {'repeat', 'dilate'}
        ``'repeat'`` (the default): each input element is repeated
        `scale_factor` times along each axis (nearest-neighbour upscaling).
        ``'dilate'``: each input element is followed by ``scale_factor -
        1`` zeros along each axis.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``input_length *
    scale_factor``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Upscale2DLayer
    >>> l_in = InputLayer((None, 3, 3, 4))
    >>> Upscale2DLayer(l_in, scale_factor=2).output_shape
    (None, 3, 6, 8)
    """

    _n = 2


class Upscale3DLayer(_UpscaleLayer):
    """3-D upscaling layer.

    Enlarges the input, of shape ``(batch_size, num_channels, input_depth,
    input_rows, input_columns)``, along its 3 spatial axes by integer factors.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    scale_factor : int or iterable of 3 ints
        The factor along each spatial axis, at least 1; an int for all.
    mode : {'repeat', 'dilate'}
        ``'repeat'`` (the default): each input element is repeated
        `scale_factor` times along each axis (nearest-neighbour upscaling).
        ``'dilate'``: each input element is followed by ``scale_factor -
        1`` zeros along each axis.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    Along each spatial axis, the output length is ``input_length *
    scale_factor``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Upscale3DLayer
    >>> l_in = InputLayer((None, 3, 2, 3, 4))
    >>> Upscale3DLayer(l_in, scale_factor=2).output_shape
    (None, 3, 4, 6, 8)
    """

    _n = 3


class GlobalPoolLayer(Layer):
    """Global pooling layer: pools each channel over all of its positions.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_channels, ...)`` with at least one axis after the
        channels.
    pool_function : callable
        The pooling function, called as ``pool_function(x, axis=2)`` on the
        input with its trailing axes flattened into one; e.g.
        :func:`theano.tensor.mean` (the default), :func:`theano.tensor.max`
        or :func:`theano.tensor.sum`.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output shape is ``(batch_size, num_channels)``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, GlobalPoolLayer
    >>> GlobalPoolLayer(InputLayer((None, 16, 8, 8))).output_shape
    (None, 16)
    """

    def __init__(self, incoming, pool_function=T.mean, **kwargs):
        super(GlobalPoolLayer, self).__init__(incoming, **kwargs)
        if len(self.input_shape) < 3:
            raise ValueError("%s: expected an input with at least one axis "
                             "after the batch and channel axes, got input "
                             "shape %r" % (_describe(self), self.input_shape))
        _check_callable(self, pool_function, 'pool_function')
        self.pool_function = pool_function

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape[:2])

    def get_output_for(self, input, **kwargs):
        return self.pool_function(T.as_tensor_variable(input).flatten(3),
                                  axis=2)


def _check_feature_groups(layer, pool_size, axis):
    """Validate the arguments of a feature pooling layer."""
    _check_positive_int(layer, pool_size, 'pool_size')
    axis = _check_axis(layer, axis, len(layer.input_shape), 'axis')
    num_features = layer.input_shape[axis]
    if num_features is not None and num_features % pool_size:
        raise ValueError("%s: the number of input features along axis %d "
                         "(%d) is not a multiple of pool_size=%d"
                         % (_describe(layer), axis, num_features, pool_size))


def _split_features(input, axis, pool_size):
    """`input` with its `axis` (negative ones count from the end) split into
    (groups, pool_size), and the non-negative index of the groups axis."""
    input = T.as_tensor_variable(input)
    axis %= input.ndim
    shape = [input.shape[i] for i in range(input.ndim)]
    shape[axis:axis + 1] = [shape[axis] // pool_size, pool_size]
    return input.reshape(shape, ndim=input.ndim + 1), axis


class FeaturePoolLayer(Layer):
    """Feature pooling layer: pools groups of adjacent features.

    Splits the features along `axis` into groups of `pool_size` consecutive
    ones and replaces each group by the result of `pool_function`. With
    the maximum, on the output of a linear layer, this is a maxout layer
    [1]_.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int
        The number of features per group; must divide their number.
    axis : int
        The axis along which to pool; 1 (the default) is the channel axis.
    pool_function : callable
        The pooling function, called as ``pool_function(x, axis=axis + 1)``
        on the input with `axis` split into (groups, `pool_size`);
        :func:`theano.tensor.max` by default.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output shape is the input shape with the size along `axis` divided
    by `pool_size`.

    References
    ----------
    .. [1] Goodfellow, I. J., Warde-Farley, D., Mirza, M., Courville, A.,
       Bengio, Y. (2013): Maxout Networks. ICML 2013.
       https://arxiv.org/abs/1302.4389

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, FeaturePoolLayer
    >>> l_dense = DenseLayer(InputLayer((None, 10)), 60, nonlinearity=None)
    >>> FeaturePoolLayer(l_dense, pool_size=3).output_shape
    (None, 20)
    """

    def __init__(self, incoming, pool_size, axis=1, pool_function=T.max,
                 **kwargs):
        super(FeaturePoolLayer, self).__init__(incoming, **kwargs)
        _check_feature_groups(self, pool_size, axis)
        self.pool_size = pool_size
        self.axis = axis
        self.pool_function = pool_function

    def get_output_shape_for(self, input_shape):
        shape = list(input_shape)
        if shape[self.axis] is not None:
            shape[self.axis] //= self.pool_size
        return tuple(shape)

    def get_output_for(self, input, **kwargs):
        groups, axis = _split_features(input, self.axis, self.pool_size)
        return self.pool_function(groups, axis=axis + 1)


class FeatureWTALayer(Layer):
    """Feature winner-take-all layer.

    Splits the features along `axis` into groups of `pool_size` consecutive
    ones, keeps the largest of each group (the first one on ties) and sets
    the others to zero [1]_.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pool_size : int
        The number of features per group; must divide their number.
    axis : int
        The axis along which to group features; 1 (the default) is the
        channel axis.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output shape is the input shape.

    References
    ----------
    .. [1] Srivastava, R. K., Masci, J., Kazerounian, S., Gomez, F.,
       Schmidhuber, J. (2013): Compete to Compute. NIPS 2013.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, FeatureWTALayer
    >>> FeatureWTALayer(InputLayer((None, 6, 4)), pool_size=3).output_shape
    (None, 6, 4)
    """

    def __init__(self, incoming, pool_size, axis=1, **kwargs):
        super(FeatureWTALayer, self).__init__(incoming, **kwargs)
        _check_feature_groups(self, pool_size, axis)
        self.pool_size = pool_size
        self.axis = axis

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
        groups, axis = _split_features(input, self.axis, self.pool_size)
        winners = T.argmax(groups, axis=axis + 1, keepdims=True)
        pattern = ['x'] * groups.ndim
        pattern[axis + 1] = 0
        positions = T.arange(self.pool_size).dimshuffle(pattern)
        mask = T.eq(winners, positions).reshape(input.shape)
        return input * mask


def _spp_args(layer, pool_dims, mode, strided):
    """Validate the arguments of a spatial pyramid pooling layer; `strided`
    tells if it pools with the windows and strides of He et al. (2014)."""
    _check_spatial_dims(layer, 2)
    expected = 'a non-empty list of positive ints'
    _check_iterable(layer, pool_dims, 'pool_dims', expected)
    if not pool_dims:
        raise ValueError("%s: pool_dims must be %s, got %r"
                         % (_describe(layer), expected, pool_dims))
    for bins in pool_dims:
        _check_positive_int(layer, bins, 'each of pool_dims')
    _check_pool_mode(layer, mode)
    if strided and any(size is not None and size < max(pool_dims)
                       for size in layer.input_shape[2:]):
        raise ValueError("%s: the bins of He et al. need at least %d "
                         "positions along each spatial axis, got input shape "
                         "%r" % (_describe(layer), max(pool_dims),
                                 layer.input_shape))


def _kaiming_windows(sizes, bins):
    """Window sizes and strides of the pooling of He et al. (2014), which
    gives at least `bins` windows per axis: ``ceil(size / bins)`` and
    ``floor(size / bins)`` (``implementation='fast'``)."""
    windows = tuple((size + bins - 1) // bins for size in sizes)
    strides = tuple(size // bins for size in sizes)
    return windows, strides


def _spp_sizes(layer, input):
    """The spatial input size, as ints where known beforehand."""
    return tuple(symbolic if known is None else known
                 for known, symbolic in zip(layer.input_shape[2:],
                                            input.shape[2:]))


def _kaiming_sizes(layer, input):
    """The spatial input size for the bins of He et al. (2014), as
    :func:`_spp_sizes` gives it, but with the sizes unknown beforehand
    checked when the graph runs: below ``max(pool_dims)`` a stride would be
    0, which crashes Theano's pooling (SIGFPE) instead of raising."""
    known = layer.input_shape[2:]
    if None not in known:
        return tuple(known)
    least = max(layer.pool_dims)
    check = Assert("%s: the bins of He et al. need at least %d positions "
                   "along each spatial axis of the input"
                   % (_describe(layer), least))
    # the sizes themselves pass through the check, so that the strides,
    # and all that divides by them, come after it
    shape = input.shape[2:]
    shape = check(shape, *[T.ge(shape[axis], least)
                           for axis, size in enumerate(known) if size is None])
    return tuple(shape[axis] if size is None else size
                 for axis, size in enumerate(known))


def _spp_output_shape(layer, input_shape):
    return tuple(input_shape[:2]) + (sum(d * d for d in layer.pool_dims),)


_REDUCTIONS = {'max': T.max, 'sum': T.sum, 'average_inc_pad': T.mean,
               'average_exc_pad': T.mean}


def _adaptive_pool(x, axis, length, bins, reduction):
    """Pool axis `axis` of `x`, of length `length`, into `bins` bins; bin
    ``i`` spans ``[floor(i * length / bins), ceil((i + 1) * length /
    bins))`` (``implementation='kaiming'``)."""
    parts = []
    for i in range(bins):
        start = (i * length) // bins
        stop = ((i + 1) * length + bins - 1) // bins
        index = [slice(None)] * x.ndim
        index[axis] = slice(start, stop)
        parts.append(reduction(x[tuple(index)], axis=axis, keepdims=True))
    return T.concatenate(parts, axis=axis)


class SpatialPyramidPoolingLayer(Layer):
    """Spatial pyramid pooling layer [1]_.

    Pools each channel of a 2-D input into a fixed number of bins at
    several scales: for each ``d`` in `pool_dims`, the input is divided into
    ``d`` by ``d`` bins and each bin is pooled. The results are flattened
    and concatenated, so that the output size does not depend on the input
    size. Placed between the convolutional and the dense part of a network,
    it lets the network take inputs of any size, and is more robust to
    deformations than a single global pooling.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_channels, input_rows, input_columns)``; the
        spatial size may be None (variable).
    pool_dims : list of int
        The number of bins along each spatial axis, for each pyramid level.
    mode : {'max', 'average_inc_pad', 'average_exc_pad', 'sum'}
        The pooling function; the two averages are the same here as no
        padding is involved.
    implementation : {'fast', 'kaiming'}
        How the bins are laid out along an axis of length ``a`` for ``d``
        bins. ``'fast'`` (the default): one pooling operation per level, as
        in [1]_, with windows of ``ceil(a / d)`` positions starting every
        ``floor(a / d)`` positions (the first ``d`` of them), which needs
        ``a >= d`` and may leave the last positions out. A smaller known
        input size raises a :class:`ValueError` at construction; a size
        unknown then (None) is checked when the output is computed, with an
        :class:`AssertionError`. ``'kaiming'``: bin ``i`` spans
        ``[floor(i * a / d), ceil((i + 1) * a / d))``, which covers the
        input evenly for any ``a``.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Notes
    -----
    The output shape is ``(batch_size, num_channels, sum(d * d for d in
    pool_dims))``; the bins of each level come one row after another.

    References
    ----------
    .. [1] He, K., Zhang, X., Ren, S., Sun, J. (2014): Spatial Pyramid
       Pooling in Deep Convolutional Networks for Visual Recognition.
       ECCV 2014. https://arxiv.org/abs/1406.4729

    Examples
    --------
    >>> from lasagne.layers import InputLayer, SpatialPyramidPoolingLayer
    >>> l_in = InputLayer((None, 16, None, None))
    >>> SpatialPyramidPoolingLayer(l_in, pool_dims=[4, 2, 1]).output_shape
    (None, 16, 21)
    """

    def __init__(self, incoming, pool_dims=[4, 2, 1], mode='max',
                 implementation='fast', **kwargs):
        super(SpatialPyramidPoolingLayer, self).__init__(incoming, **kwargs)
        if implementation not in ('fast', 'kaiming'):
            raise ValueError("%s: implementation must be 'fast' or 'kaiming', "
                             "got %r" % (_describe(self), implementation))
        _spp_args(self, pool_dims, mode, implementation == 'fast')
        self.pool_dims = pool_dims
        self.mode = mode
        self.implementation = implementation

    def get_output_shape_for(self, input_shape):
        return _spp_output_shape(self, input_shape)

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
        strided = self.implementation == 'fast'
        sizes = (_kaiming_sizes if strided else _spp_sizes)(self, input)
        levels = []
        for bins in self.pool_dims:
            if strided:
                windows, strides = _kaiming_windows(sizes, bins)
                # as a vector: Theano's pool_2d cannot check symbolic tuples
                pooled = pool_2d(input, ws=T.as_tensor_variable(windows),
                                 stride=T.as_tensor_variable(strides),
                                 ignore_border=True, mode=self.mode)
                pooled = pooled[:, :, :bins, :bins]
            else:
                reduction = _REDUCTIONS[self.mode]
                pooled = _adaptive_pool(input, 2, sizes[0], bins, reduction)
                pooled = _adaptive_pool(pooled, 3, sizes[1], bins, reduction)
            levels.append(pooled.flatten(3))
        return T.concatenate(levels, axis=2)
