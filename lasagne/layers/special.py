"""
Layers of special purpose: elementwise nonlinearities, biases and scales,
arbitrary expressions, the inverse of a layer, spatial transformers and
rectifiers with learned or random slopes.
"""
import math
import numbers
import warnings

import numpy as np
import theano
import theano.tensor as T

from .. import init
from .. import nonlinearities
from .._checks import (_broadcast_pattern, _check_axes, _check_callable,
                       _check_iterable, _check_nonlinearity, _check_real,
                       _describe, _is_int, _is_real, _remaining_shape)
from ..utils import as_tuple, floatX
from .base import Layer, MergeLayer, _incoming_shape
from .noise import _noise_dtype, _random_streams, _shared_noise


__all__ = [
    "NonlinearityLayer",
    "BiasLayer",
    "ScaleLayer",
    "standardize",
    "ExpressionLayer",
    "InverseLayer",
    "TransformerLayer",
    "TPSTransformerLayer",
    "ParametricRectifierLayer",
    "prelu",
    "RandomizedRectifierLayer",
    "rrelu",
]


class NonlinearityLayer(Layer):
    """A layer that applies a nonlinearity to its input, element by element.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    nonlinearity : callable or None
        The nonlinearity, e.g. from :mod:`lasagne.nonlinearities`; None for
        the identity.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, NonlinearityLayer
    >>> from lasagne.nonlinearities import tanh
    >>> NonlinearityLayer(InputLayer((None, 5)), tanh).output_shape
    (None, 5)
    """

    def __init__(self, incoming, nonlinearity=nonlinearities.rectify,
                 **kwargs):
        super(NonlinearityLayer, self).__init__(incoming, **kwargs)
        self.nonlinearity = _check_nonlinearity(self, nonlinearity)

    def get_output_for(self, input, **kwargs):
        return self.nonlinearity(input)


# Layers with a parameter that is shared (broadcast) over some input axes.

def _shared_axes(layer, shared_axes):
    """`shared_axes` ('auto', 'all', an int or ints) as a sorted tuple of
    non-negative axes of the layer's input."""
    ndim = len(layer.input_shape)
    return _check_axes(layer, shared_axes, ndim, 'shared_axes', {
        'auto': (0,) + tuple(range(2, ndim)), 'all': tuple(range(ndim))})


def _unshared_shape(layer, argument):
    """The shape of the parameter `argument`, with one value per position
    along the axes the layer does not share it over."""
    return _remaining_shape(layer, layer.input_shape, layer.shared_axes,
                            argument, 'shared_axes')


def _broadcast(layer, param, ndim):
    """`param` broadcast along the layer's shared axes, to act on an
    `ndim`-dimensional input."""
    return param.dimshuffle(_broadcast_pattern(ndim, layer.shared_axes))


class BiasLayer(Layer):
    """A layer that adds a learned bias to its input.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases, with one value per position along the axes not in
        `shared_axes` (e.g. shape ``(channels,)`` by default). See
        :func:`lasagne.utils.create_param`. None for no biases (the layer
        then passes its input through).
    shared_axes : 'auto', 'all', int or tuple of int
        The axes along which the same bias is added. 'auto' shares it over
        all axes except the second, giving one bias per channel (or unit),
        as is usual for convolutional (or dense) layers. The sizes of the
        other axes must be known.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    See Also
    --------
    ScaleLayer : multiplies by learned scales
    standardize : subtracts and divides by fixed values

    Examples
    --------
    >>> from lasagne.layers import InputLayer, BiasLayer
    >>> l_in = InputLayer((None, 3, 8, 8))
    >>> BiasLayer(l_in).b.get_value().shape
    (3,)
    >>> BiasLayer(l_in, shared_axes=0).b.get_value().shape
    (3, 8, 8)
    """

    def __init__(self, incoming, b=init.Constant(0), shared_axes='auto',
                 **kwargs):
        super(BiasLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = _shared_axes(self, shared_axes)
        if b is None:
            self.b = None
        else:
            self.b = self.add_param(b, _unshared_shape(self, 'b'), name='b',
                                    regularizable=False)

    def get_output_for(self, input, **kwargs):
        if self.b is None:
            return input
        return input + _broadcast(self, self.b, input.ndim)


class ScaleLayer(Layer):
    """A layer that multiplies its input by learned scales.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    scales : Theano shared variable, expression, numpy array or callable
        The scales, with one value per position along the axes not in
        `shared_axes` (e.g. shape ``(channels,)`` by default). See
        :func:`lasagne.utils.create_param`.
    shared_axes : 'auto', 'all', int or tuple of int
        The axes along which the same scale is applied. 'auto' shares it
        over all axes except the second, giving one scale per channel (or
        unit). The sizes of the other axes must be known.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    See Also
    --------
    BiasLayer : adds learned biases
    standardize : subtracts and divides by fixed values

    Examples
    --------
    >>> from lasagne.layers import InputLayer, ScaleLayer
    >>> ScaleLayer(InputLayer((None, 3, 8, 8))).scales.get_value().tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, incoming, scales=init.Constant(1), shared_axes='auto',
                 **kwargs):
        super(ScaleLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = _shared_axes(self, shared_axes)
        self.scales = self.add_param(scales, _unshared_shape(self, 'scales'),
                                     name='scales', regularizable=False)

    def get_output_for(self, input, **kwargs):
        return input * _broadcast(self, self.scales, input.ndim)


def standardize(layer, offset, scale, shared_axes='auto'):
    """Standardize the output of a layer with fixed values:
    ``(x - offset) / scale``.

    Adds a :class:`BiasLayer` with biases ``-offset`` and a
    :class:`ScaleLayer` with scales ``1 / scale`` on top of `layer`. Their
    parameters are not trainable (the ``trainable`` tag is removed), so
    they keep their values during training, but they are saved and loaded
    with the network's other parameters.

    Parameters
    ----------
    layer : a :class:`Layer` instance or a tuple
        The layer whose output to standardize, or its output shape.
    offset : numpy array or Theano expression
        The value to subtract, e.g. the mean of the training data, of the
        shape of a :class:`BiasLayer`'s biases for `shared_axes`.
    scale : numpy array or Theano expression
        The value to divide by, e.g. the standard deviation of the training
        data, of the same shape as `offset`.
    shared_axes : 'auto', 'all', int or tuple of int
        The axes over which `offset` and `scale` are shared, as for
        :class:`BiasLayer`.

    Returns
    -------
    ScaleLayer
        The top layer, whose input is the :class:`BiasLayer`.

    Examples
    --------
    >>> import numpy as np
    >>> from lasagne.layers import InputLayer, standardize, get_all_params
    >>> data = np.random.rand(100, 3, 8, 8)
    >>> mean = data.mean(axis=(0, 2, 3))
    >>> std = data.std(axis=(0, 2, 3))
    >>> l_std = standardize(InputLayer((None, 3, 8, 8)), mean, std)
    >>> l_std.output_shape
    (None, 3, 8, 8)
    >>> get_all_params(l_std, trainable=True)
    []
    """
    layer = BiasLayer(layer, -offset, shared_axes)
    layer.params[layer.b].remove('trainable')
    layer = ScaleLayer(layer, floatX(1.) / scale, shared_axes)
    layer.params[layer.scales].remove('trainable')
    return layer


# Theano's shape inference (part of the fast_run optimizations) replaces the
# shape of an expression by one computed from the shapes of its inputs, so
# that no values are computed. Constant folding is left out: it would compile
# C code for the few operations left, which the Python linker runs as well.
_SHAPE_MODE = theano.Mode(linker='py', optimizer='fast_run').excluding(
    'topo_constant_folding', 'constant_folding_for_scan2')


class ExpressionLayer(Layer):
    """A layer that applies a given function to its input.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    function : callable
        Maps the input expression to the output expression.
    output_shape : None, 'auto', tuple or callable
        The output shape: None for the input shape (the default); 'auto' to
        infer it with Theano's shape inference from the expression that
        `function` gives for an input of the input's shape, where unknown
        sizes count as 0 and output sizes of 0 are reported as None; a
        tuple for a fixed shape; or a callable that maps the input shape to
        the output shape.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Notes
    -----
    A layer holding a lambda cannot be pickled; use a function defined at
    module level if the network is to be saved with :mod:`pickle`.

    Examples
    --------
    >>> import theano.tensor as T
    >>> from lasagne.layers import InputLayer, ExpressionLayer
    >>> l_in = InputLayer((None, 3, 8, 8))
    >>> l_square = ExpressionLayer(l_in, T.sqr)
    >>> l_square.output_shape
    (None, 3, 8, 8)
    >>> l_mean = ExpressionLayer(l_in, lambda x: x.mean(axis=(2, 3)),
    ...                          output_shape=lambda shape: shape[:2])
    >>> l_mean.output_shape
    (None, 3)
    >>> l_max = ExpressionLayer(l_in, lambda x: x.max(axis=0), 'auto')
    >>> l_max.output_shape
    (3, 8, 8)
    """

    def __init__(self, incoming, function, output_shape=None, **kwargs):
        super(ExpressionLayer, self).__init__(incoming, **kwargs)
        _check_callable(self, function, 'function')
        self.function = function
        if output_shape is None or callable(output_shape) or \
                (isinstance(output_shape, str) and output_shape == 'auto'):
            self._output_shape = output_shape
        elif isinstance(output_shape, str):
            raise ValueError("%s: output_shape must be None, 'auto', a tuple "
                             "or a callable, got %r"
                             % (_describe(self), output_shape))
        else:
            _check_iterable(self, output_shape, 'output_shape',
                            "None, 'auto', a tuple or a callable")
            if any(_is_int(size) and size < 1 for size in output_shape):
                raise ValueError("%s: output_shape must hold positive ints "
                                 "or None, got %r"
                                 % (_describe(self), output_shape))
            self._output_shape = tuple(output_shape)

    def get_output_shape_for(self, input_shape):
        if self._output_shape is None:
            return input_shape
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        if self._output_shape == 'auto':
            zeros = T.zeros([0 if s is None else s for s in input_shape])
            shape_of = theano.function([], self.function(zeros).shape,
                                       mode=_SHAPE_MODE)
            # Values are only computed for operations Theano cannot infer
            # the shape of; those of the empty arrays standing for unknown
            # sizes may warn (e.g. mean of nothing), of no concern here.
            with warnings.catch_warnings(), np.errstate(all='ignore'):
                warnings.simplefilter('ignore', RuntimeWarning)
                shape = shape_of()
            return tuple(int(s) if s else None for s in shape)
        return self._output_shape

    def get_output_for(self, input, **kwargs):
        return self.function(input)


class InverseLayer(MergeLayer):
    """A layer that inverts another layer in the sense of backpropagation:
    its output is the gradient of that layer's output with respect to the
    layer's input, with its own input standing for the output gradient.

    For a :class:`DenseLayer` without nonlinearity this multiplies by the
    transposed weights; for a convolution it gives the transposed
    convolution, for max-pooling the unpooling to the positions of the
    maxima, as used in deconvolutional networks [1]_.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, with the output shape of `layer`.
    layer : a :class:`Layer` instance
        The layer to invert. It must have a single incoming layer.
    **kwargs
        Any other keyword arguments, such as `name`, go to
        :class:`MergeLayer`.

    Notes
    -----
    The output has the shape of `layer`'s input. The output depends on
    the input of `layer` whenever the gradient does (e.g. for pooling or a
    nonlinearity), so the network must provide it.

    References
    ----------
    .. [1] Zeiler, M. D. and Fergus, R. (2014): Visualizing and
       Understanding Convolutional Networks. ECCV 2014.
       https://arxiv.org/abs/1311.2901

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, InverseLayer
    >>> l_in = InputLayer((None, 10))
    >>> l_code = DenseLayer(l_in, num_units=3)
    >>> l_back = InverseLayer(l_code, l_code)
    >>> l_back.output_shape
    (None, 10)
    """

    def __init__(self, incoming, layer, **kwargs):
        if getattr(layer, 'input_layer', None) is None:
            raise TypeError("InverseLayer: layer must be a Layer with an "
                            "incoming layer, got %r" % (layer,))
        super(InverseLayer, self).__init__(
            [incoming, layer, layer.input_layer], **kwargs)

    def get_output_shape_for(self, input_shapes):
        return input_shapes[2]

    def get_output_for(self, inputs, **kwargs):
        gradient, layer_out, layer_in = inputs
        return theano.grad(None, wrt=layer_in,
                           known_grads={layer_out: gradient})


# Spatial transformers: sample the input at the positions a localization
# network gives for each point of the output grid. Coordinates run from -1
# to 1 over the height and width of an image; x runs along the width.

_BORDER_MODES = ('nearest', 'mirror', 'wrap')


def _linspace(num, xp, dtype):
    """`num` values from -1 to 1 of `dtype` (-1 alone for `num` = 1), with
    `xp` = numpy or theano.tensor."""
    steps = xp.arange(num, dtype=dtype)
    return steps * 2 / xp.maximum(steps[-1], 1) - 1


def _grid(height, width, xp, dtype):
    """The (x, y) coordinates of a `height` x `width` grid covering the
    image, row by row, as a matrix of two rows of `dtype`."""
    ones = xp.ones((height, width), dtype=dtype)
    x = ones * _linspace(width, xp, dtype)[None, :]
    y = ones * _linspace(height, xp, dtype)[:, None]
    return xp.concatenate([x.flatten()[None, :], y.flatten()[None, :]],
                          axis=0)


def _sample(input, x, y, out_height, out_width, border_mode):
    """Bilinear sampling of `input` (batch, channels, rows, columns) at the
    coordinates `x`, `y` (batch, points), giving an output of shape
    (batch, channels, out_height, out_width)."""
    batch, channels, height, width = input.shape
    height_f = T.cast(height, x.dtype)
    width_f = T.cast(width, x.dtype)
    # Pixel coordinates: -1 is the first pixel's centre, 1 the last one's.
    x = (x.flatten() + 1) * (width_f - 1) / 2
    y = (y.flatten() + 1) * (height_f - 1) / 2
    x0 = T.floor(x)
    y0 = T.floor(y)
    x1 = x0 + 1
    y1 = y0 + 1
    cols = [_border(c, width_f, border_mode) for c in (x0, x1)]
    rows = [_border(r, height_f, border_mode) for r in (y0, y1)]
    # Look the four neighbours up in the image flattened to one pixel per
    # row: (batch, rows, columns, channels) -> (pixels, channels).
    pixels = input.dimshuffle(0, 2, 3, 1).reshape((-1, channels))
    first_pixel = T.repeat(T.arange(batch, dtype='int64') * height * width,
                           out_height * out_width)
    output = 0
    for row, wy in zip(rows, (y1 - y, y - y0)):
        for col, wx in zip(cols, (x1 - x, x - x0)):
            values = pixels[first_pixel + row * width + col]
            output = output + (wx * wy).dimshuffle(0, 'x') * values
    output = output.reshape((batch, out_height, out_width, channels))
    return output.dimshuffle(0, 3, 1, 2)


def _border(index, size, border_mode):
    """Integer pixel indices for float indices that may lie outside
    [0, size - 1], according to the border mode."""
    if border_mode == 'nearest':
        index = T.clip(index, 0, size - 1)
    elif border_mode == 'mirror':
        # Reflection about the first and last pixel has period 2 (size - 1).
        period = T.maximum(2 * (size - 1), 1)
        index = T.minimum(index % period, -index % period)
    else:
        index = index % size
    return T.cast(index, 'int64')


def _check_transformer(layer, downsample_factor, border_mode,
                       localization_size, what):
    """Common argument checks of the transformer layers; returns the
    downsample factors as a pair."""
    input_shape, localization_shape = layer.input_shapes
    if len(input_shape) != 4:
        raise ValueError("%s: incoming must have a 4-dimensional output "
                         "(batch, channels, rows, columns), got shape %r"
                         % (_describe(layer), input_shape))
    if len(localization_shape) != 2 or \
            localization_shape[1] != localization_size:
        raise ValueError("%s: localization_network must have an output of "
                         "shape (batch, %d) (%s), got %r"
                         % (_describe(layer), localization_size, what,
                            localization_shape))
    if border_mode not in _BORDER_MODES:
        raise ValueError("%s: border_mode must be 'nearest', 'mirror' or "
                         "'wrap', got %r" % (_describe(layer), border_mode))
    try:
        factors = as_tuple(downsample_factor, 2)
    except ValueError:  # not two of them
        factors = None
    if factors is None or not all(_is_real(f, numbers_only=True) and f > 0
                                  for f in factors):
        raise ValueError("%s: downsample_factor must be a positive number or "
                         "a pair of them, got %r"
                         % (_describe(layer), downsample_factor))
    return factors


def _check_localization_network(layer, localization_network, kwargs):
    """Refuse a `localization_network` that is no layer (or shape) in its
    own name, before MergeLayer would blame "incoming"."""
    layer.name = kwargs.get('name')
    _incoming_shape(layer, localization_network, 'localization_network')


def _transformer_output_shape(input_shapes, factors):
    shape = input_shapes[0]
    return tuple(shape[:2]) + tuple(None if s is None else int(s // f)
                                    for s, f in zip(shape[2:], factors))


def _working_dtype(input, transform):
    """The float dtype of a transformer's computation: that of its two
    inputs together (so float32 inputs stay float32 whatever floatX is),
    floatX for integer ones."""
    dtype = theano.scalar.upcast(input.dtype, transform.dtype)
    return dtype if dtype in T.float_dtypes else theano.config.floatX


def _output_size(input, factors):
    """The symbolic output rows and columns for downsample `factors`."""
    return [T.cast(input.shape[axis] // f, 'int64')
            for axis, f in zip((2, 3), factors)]


class TransformerLayer(MergeLayer):
    """A spatial transformer layer [1]_: it warps its input images with an
    affine transformation computed by a localization network.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The images to transform, of shape ``(batch, channels, rows,
        columns)``.
    localization_network : a :class:`Layer` instance
        The network computing the transformation: its output of shape
        ``(batch, 6)`` holds, for each image, the 2x3 affine matrix
        :math:`\\theta` in row-major order.
    downsample_factor : float or pair of float
        The factor by which the output is smaller than the input (rows,
        columns): 1 keeps the size, larger values shrink, smaller values
        enlarge it. The output size is the input size divided by the factor,
        rounded down.
    border_mode : 'nearest', 'mirror' or 'wrap'
        How points outside the input image are sampled: from the nearest
        border pixel, from the image mirrored at its borders, or from the
        image repeated periodically.
    **kwargs
        Any other keyword arguments, such as `name`, go to
        :class:`MergeLayer`.

    Notes
    -----
    Each output pixel at grid coordinates :math:`(x_t, y_t)` (both spanning
    :math:`[-1, 1]` over the output image, :math:`x` along the columns)
    takes the value of the input at
    :math:`(x_s, y_s)^T = \\theta (x_t, y_t, 1)^T`, in the same coordinates
    of the input image, by bilinear interpolation. The identity matrix
    ``[1, 0, 0, 0, 1, 0]`` reproduces the input; the localization network
    is typically initialized to it (e.g. zero weights and these biases).

    References
    ----------
    .. [1] Jaderberg, M., Simonyan, K., Zisserman, A., and Kavukcuoglu, K.
       (2015): Spatial Transformer Networks. NIPS 2015.
       https://arxiv.org/abs/1506.02025

    Examples
    --------
    >>> import numpy as np
    >>> from lasagne.layers import InputLayer, DenseLayer, TransformerLayer
    >>> l_in = InputLayer((None, 3, 28, 28))
    >>> identity = np.array([1, 0, 0, 0, 1, 0], dtype='float64')
    >>> l_loc = DenseLayer(l_in, num_units=6, W=np.zeros((3 * 28 * 28, 6)),
    ...                    b=identity, nonlinearity=None)
    >>> l_trans = TransformerLayer(l_in, l_loc, downsample_factor=2)
    >>> l_trans.output_shape
    (None, 3, 14, 14)
    """

    def __init__(self, incoming, localization_network, downsample_factor=1,
                 border_mode='nearest', **kwargs):
        _check_localization_network(self, localization_network, kwargs)
        super(TransformerLayer, self).__init__(
            [incoming, localization_network], **kwargs)
        self.downsample_factor = _check_transformer(
            self, downsample_factor, border_mode, 6, 'an affine matrix')
        self.border_mode = border_mode

    def get_output_shape_for(self, input_shapes):
        return _transformer_output_shape(input_shapes, self.downsample_factor)

    def get_output_for(self, inputs, **kwargs):
        input, theta = [T.as_tensor_variable(x) for x in inputs]
        out_height, out_width = _output_size(input, self.downsample_factor)
        grid = _grid(out_height, out_width, T, _working_dtype(input, theta))
        grid = T.concatenate([grid, T.ones_like(grid[:1])], axis=0)
        points = T.dot(theta.reshape((-1, 2, 3)), grid)
        return _sample(input, points[:, 0], points[:, 1], out_height,
                       out_width, self.border_mode)


def _tps_basis(points, source_points, xp):
    """The thin plate spline basis at `points` (2, n): rows 1, x, y and
    U(|p - s_i|) for each source point s_i, with U(r) = r^2 log(r^2)."""
    diff = points[:, None, :] - source_points[:, :, None]
    r2 = (diff ** 2).sum(axis=0)
    # U(0) = 0; a tiny floor keeps log() finite there.
    tiny = np.asarray(np.finfo(r2.dtype).tiny, dtype=r2.dtype)
    kernel = r2 * xp.log(xp.maximum(r2, tiny))
    ones = xp.ones_like(points[:1])
    return xp.concatenate([ones, points, kernel], axis=0)


class TPSTransformerLayer(MergeLayer):
    """A spatial transformer layer [1]_ with a thin plate spline warp [2]_:
    the localization network moves a grid of control points, and the
    image is warped smoothly along.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The images to transform, of shape ``(batch, channels, rows,
        columns)``.
    localization_network : a :class:`Layer` instance
        The network computing the warp: its output of shape
        ``(batch, 2 * control_points)`` holds the offsets of the control
        points, first the x offsets of all points, then the y offsets.
    downsample_factor : float or pair of float
        The factor by which the output is smaller than the input (rows,
        columns), as for :class:`TransformerLayer`.
    control_points : int
        The number of control points, a square number of at least 4. They
        form a regular grid spanning the image, ordered row by row.
    precompute_grid : 'auto' or bool
        Whether to compute the spline basis at the output grid once, in
        NumPy, when the layer is created. This needs the input's rows and
        columns to be known; 'auto' precomputes exactly then.
    border_mode : 'nearest', 'mirror' or 'wrap'
        How points outside the input image are sampled, as for
        :class:`TransformerLayer`.
    **kwargs
        Any other keyword arguments, such as `name`, go to
        :class:`MergeLayer`.

    Attributes
    ----------
    source_points : Theano constant
        The control points (2, control_points), in the coordinates of
        :class:`TransformerLayer`: x and y from -1 to 1.
    L_inv : Theano constant
        The inverse of the thin plate spline system matrix.
    right_mat : Theano constant or None
        The precomputed basis at the output grid.
    out_height, out_width : Theano constants or None
        The precomputed output size.

    Notes
    -----
    For each image, the control points :math:`p_i` moved by the offsets
    give target points :math:`q_i`. The thin plate spline
    :math:`f(p) = a_1 + a_x x + a_y y + \\sum_i w_i U(|p - p_i|)`,
    :math:`U(r) = r^2 \\log r^2`, is fitted to map each :math:`p_i` to
    :math:`q_i` (for the x and the y coordinate separately), and each
    output pixel at grid coordinates :math:`p` takes the input's value at
    :math:`f(p)` by bilinear interpolation. Zero offsets reproduce the
    input.

    References
    ----------
    .. [1] Jaderberg, M., Simonyan, K., Zisserman, A., and Kavukcuoglu, K.
       (2015): Spatial Transformer Networks. NIPS 2015.
       https://arxiv.org/abs/1506.02025
    .. [2] Bookstein, F. L. (1989): Principal Warps: Thin-Plate Splines and
       the Decomposition of Deformations. IEEE Transactions on Pattern
       Analysis and Machine Intelligence, 11(6), 567-585.

    Examples
    --------
    >>> import numpy as np
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> from lasagne.layers import TPSTransformerLayer
    >>> l_in = InputLayer((None, 3, 28, 28))
    >>> l_loc = DenseLayer(l_in, num_units=2 * 16, W=np.zeros((2352, 32)),
    ...                    nonlinearity=None)
    >>> l_trans = TPSTransformerLayer(l_in, l_loc, control_points=16)
    >>> l_trans.output_shape
    (None, 3, 28, 28)
    """

    def __init__(self, incoming, localization_network, downsample_factor=1,
                 control_points=16, precompute_grid='auto',
                 border_mode='nearest', **kwargs):
        _check_localization_network(self, localization_network, kwargs)
        super(TPSTransformerLayer, self).__init__(
            [incoming, localization_network], **kwargs)
        # a negative number has no square root to round
        grid_size = math.isqrt(control_points) \
            if _is_int(control_points) and control_points >= 0 else 0
        if grid_size < 2 or grid_size ** 2 != control_points:
            raise ValueError("%s: control_points must be a square number of "
                             "at least 4, got %r"
                             % (_describe(self), control_points))
        self.control_points = control_points
        self.downsample_factor = _check_transformer(
            self, downsample_factor, border_mode, 2 * control_points,
            'the x and y offsets of the control points')
        self.border_mode = border_mode
        input_shape = self.input_shapes[0]
        known_size = None not in input_shape[2:]
        if isinstance(precompute_grid, str) and precompute_grid == 'auto':
            precompute_grid = known_size
        elif precompute_grid not in (True, False):
            raise ValueError("%s: precompute_grid must be 'auto', True or "
                             "False, got %r"
                             % (_describe(self), precompute_grid))
        elif precompute_grid and not known_size:
            raise ValueError("%s: precompute_grid=True needs the input's rows "
                             "and columns to be known, got shape %r"
                             % (_describe(self), input_shape))
        self.precompute_grid = precompute_grid

        source_points = _grid(grid_size, grid_size, np, theano.config.floatX)
        # The system of the spline fit [[0, P^T], [P, K]] with P_i =
        # (1, x_i, y_i) and K_ij = U(|p_i - p_j|): the basis at the control
        # points, bordered by the side conditions; inverted in float64.
        exact_points = source_points.astype('float64')
        basis = _tps_basis(exact_points, exact_points, np)
        system = np.zeros((control_points + 3, control_points + 3))
        system[:, 3:] = basis
        system[3:, :3] = basis[:3].T
        self.source_points = T.constant(source_points)
        self.L_inv = T.constant(floatX(np.linalg.inv(system)))
        if precompute_grid:
            out_height, out_width = _transformer_output_shape(
                self.input_shapes, self.downsample_factor)[2:]
            self.out_height = T.constant(np.int64(out_height))
            self.out_width = T.constant(np.int64(out_width))
            self.right_mat = T.constant(_tps_basis(
                _grid(out_height, out_width, np, theano.config.floatX),
                source_points, np))
        else:
            self.out_height = self.out_width = self.right_mat = None

    def get_output_shape_for(self, input_shapes):
        return _transformer_output_shape(input_shapes, self.downsample_factor)

    def get_output_for(self, inputs, **kwargs):
        input, offsets = [T.as_tensor_variable(x) for x in inputs]
        dtype = _working_dtype(input, offsets)
        # the constants are floatX: in the dtype of the inputs, they do not
        # upcast float32 inputs under floatX=float64
        source_points = T.cast(self.source_points, dtype)
        targets = source_points + offsets.reshape(
            (-1, 2, self.control_points))
        # Spline coefficients (batch, 2, 3 + control_points): the system
        # solved for right-hand sides that are zero in the side conditions.
        coefficients = T.dot(targets, T.cast(self.L_inv[:, 3:].T, dtype))
        if self.precompute_grid:
            out_height, out_width = self.out_height, self.out_width
            basis = T.cast(self.right_mat, dtype)
        else:
            out_height, out_width = _output_size(input,
                                                 self.downsample_factor)
            basis = _tps_basis(_grid(out_height, out_width, T, dtype),
                               source_points, T)
        points = T.dot(coefficients, basis)
        return _sample(input, points[:, 0], points[:, 1], out_height,
                       out_width, self.border_mode)


class ParametricRectifierLayer(Layer):
    """A layer of parametric rectifiers (PReLU) [1]_: :math:`\\max(0, x) +
    \\alpha \\min(0, x)`, with learned slopes :math:`\\alpha` for negative
    inputs.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    alpha : Theano shared variable, expression, numpy array or callable
        The slopes, with one value per position along the axes not in
        `shared_axes` (e.g. shape ``(channels,)`` by default). See
        :func:`lasagne.utils.create_param`.
    shared_axes : 'auto', 'all', int or tuple of int
        The axes along which the same slope is used. 'auto' shares it over
        all axes except the second (one slope per channel or unit), 'all'
        over all axes (a single slope). The sizes of the other axes must be
        known.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    See Also
    --------
    prelu : turns a layer's nonlinearity into a parametric rectifier

    References
    ----------
    .. [1] He, K., Zhang, X., Ren, S., and Sun, J. (2015): Delving Deep
       into Rectifiers: Surpassing Human-Level Performance on ImageNet
       Classification. https://arxiv.org/abs/1502.01852

    Examples
    --------
    >>> from lasagne.layers import InputLayer, ParametricRectifierLayer
    >>> l_in = InputLayer((None, 3, 8, 8))
    >>> ParametricRectifierLayer(l_in).alpha.get_value().tolist()
    [0.25, 0.25, 0.25]
    """

    def __init__(self, incoming, alpha=init.Constant(0.25),
                 shared_axes='auto', **kwargs):
        super(ParametricRectifierLayer, self).__init__(incoming, **kwargs)
        self.shared_axes = _shared_axes(self, shared_axes)
        self.alpha = self.add_param(alpha, _unshared_shape(self, 'alpha'),
                                    name='alpha', regularizable=False)

    def get_output_for(self, input, **kwargs):
        alpha = _broadcast(self, self.alpha, input.ndim)
        return T.nnet.relu(input, alpha)


def _move_nonlinearity(layer, build, nonlinearity_name=False):
    """The layers ``build(layer)`` puts on top of `layer` (the top one is
    returned), which take over the nonlinearity of `layer`, if it has one.

    With a `nonlinearity_name` (a str or None), a :class:`NonlinearityLayer`
    of that name applying it follows them; otherwise the new layers replace
    it. Only once they are built does the nonlinearity of `layer` become the
    identity, so that a call that fails (e.g. on a bad argument for
    `build`) leaves `layer` unchanged."""
    nonlinearity = getattr(layer, 'nonlinearity', None)
    top = build(layer)
    if nonlinearity is not None:
        if nonlinearity_name is not False:
            top = NonlinearityLayer(top, nonlinearity, name=nonlinearity_name)
        layer.nonlinearity = nonlinearities.identity
    return top


def prelu(layer, **kwargs):
    """Replace the nonlinearity of a layer by a parametric rectifier.

    Parameters
    ----------
    layer : a :class:`Layer` instance
        The layer; if it has a ``nonlinearity`` attribute, it is set to the
        identity once the new layer is built (so not by a call that raises
        an error).
    **kwargs
        Passed to :class:`ParametricRectifierLayer`.

    Returns
    -------
    ParametricRectifierLayer
        The new layer on top of `layer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, prelu
    >>> l_dense = DenseLayer(InputLayer((None, 10)), num_units=5)
    >>> l_prelu = prelu(l_dense)
    >>> l_dense.nonlinearity.__name__, l_prelu.alpha.get_value().shape
    ('linear', (5,))
    """
    return _move_nonlinearity(
        layer, lambda layer: ParametricRectifierLayer(layer, **kwargs))


class RandomizedRectifierLayer(Layer):
    """A layer of randomized leaky rectifiers (RReLU) [1]_: :math:`\\max(0,
    x) + a \\min(0, x)`, with random slopes :math:`a` for negative inputs
    during training.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    lower : float or Theano scalar
        The lower bound of the slopes.
    upper : float or Theano scalar
        The upper bound of the slopes (at least `lower`).
    shared_axes : 'auto', 'all', int or tuple of int
        The axes along which the same random slope is used. 'auto' shares
        it over all axes except the second, 'all' over all axes.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Notes
    -----
    During training the slopes are drawn uniformly from ``[lower, upper]``
    for every evaluation. With ``deterministic=True`` (passed to
    :func:`lasagne.layers.get_output`), or if the bounds are equal, the
    slope is their mean ``(lower + upper) / 2``, making the layer a leaky
    rectifier.

    See Also
    --------
    rrelu : turns a layer's nonlinearity into a randomized rectifier

    References
    ----------
    .. [1] Xu, B., Wang, N., Chen, T., and Li, M. (2015): Empirical
       Evaluation of Rectified Activations in Convolutional Network.
       https://arxiv.org/abs/1505.00853

    Examples
    --------
    >>> from lasagne.layers import InputLayer, RandomizedRectifierLayer
    >>> l_rrelu = RandomizedRectifierLayer(InputLayer((None, 3, 8, 8)))
    >>> l_rrelu.shared_axes
    (0, 2, 3)
    """

    def __init__(self, incoming, lower=0.3, upper=0.8, shared_axes='auto',
                 **kwargs):
        super(RandomizedRectifierLayer, self).__init__(incoming, **kwargs)
        _check_real(self, lower, 'lower', finite=True)
        _check_real(self, upper, 'upper', finite=True)
        if isinstance(lower, numbers.Number) and \
                isinstance(upper, numbers.Number) and lower > upper:
            raise ValueError("%s: upper must be at least lower, got lower=%r "
                             "and upper=%r"
                             % (_describe(self), lower, upper))
        self._srng = _random_streams()
        self.lower = lower
        self.upper = upper
        self.shared_axes = _shared_axes(self, shared_axes)

    def get_output_for(self, input, deterministic=False, **kwargs):
        input = T.as_tensor_variable(input)
        if deterministic or (isinstance(self.lower, numbers.Number) and
                             isinstance(self.upper, numbers.Number) and
                             self.lower == self.upper):
            # in the noise dtype, as the random slopes: a float32 input
            # stays float32 under floatX=float64
            slope = T.cast((self.lower + self.upper) / 2.0,
                           _noise_dtype(input))
            return T.nnet.relu(input, slope)
        slopes = _shared_noise(
            self, input, self.shared_axes,
            lambda shape: self._srng.uniform(shape, low=self.lower,
                                             high=self.upper,
                                             dtype=_noise_dtype(input)))
        return T.nnet.relu(input, slopes)


def rrelu(layer, **kwargs):
    """Replace the nonlinearity of a layer by a randomized rectifier.

    Parameters
    ----------
    layer : a :class:`Layer` instance
        The layer; if it has a ``nonlinearity`` attribute, it is set to the
        identity once the new layer is built (so not by a call that raises
        an error).
    **kwargs
        Passed to :class:`RandomizedRectifierLayer`.

    Returns
    -------
    RandomizedRectifierLayer
        The new layer on top of `layer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, rrelu
    >>> l_dense = DenseLayer(InputLayer((None, 10)), num_units=5)
    >>> l_rrelu = rrelu(l_dense, lower=0.1, upper=0.3)
    >>> l_dense.nonlinearity.__name__, l_rrelu.upper
    ('linear', 0.3)
    """
    return _move_nonlinearity(
        layer, lambda layer: RandomizedRectifierLayer(layer, **kwargs))
