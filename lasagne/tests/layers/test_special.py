import re
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T

import lasagne
from lasagne import init, nonlinearities
from lasagne.layers import (
    InputLayer, DenseLayer, ReshapeLayer, ConcatLayer, NonlinearityLayer,
    BiasLayer, ScaleLayer, standardize, ExpressionLayer, InverseLayer,
    TransformerLayer, TPSTransformerLayer, ParametricRectifierLayer, prelu,
    RandomizedRectifierLayer, rrelu, get_output, get_all_params, NINLayer,
    batch_norm, instance_norm, layer_norm)
from lasagne.utils import floatX

from .layer_checks import MODE, check_array_input, evaluate, verify_layer_grad

RNG = np.random.RandomState(0)
# Values kept away from 0, where rectifiers have their kink.
X = floatX(RNG.choice([-1, 1], (2, 3, 4, 5)) *
           RNG.uniform(0.2, 1, (2, 3, 4, 5)))


def relu(x, alpha=0):
    return np.where(x > 0, x, alpha * x)


class TestNonlinearityLayer(object):
    def test_values(self):
        l_in = InputLayer((None, 3, 4, 5))
        layers = [NonlinearityLayer(l_in),
                  NonlinearityLayer(l_in, nonlinearities.sigmoid),
                  NonlinearityLayer(l_in, None)]
        assert layers[0].nonlinearity is nonlinearities.rectify
        assert layers[2].nonlinearity is nonlinearities.identity
        out = evaluate(layers, {l_in: X})
        np.testing.assert_array_equal(out[0], relu(X))
        np.testing.assert_allclose(out[1], 1 / (1 + np.exp(-X)), rtol=1e-6)
        np.testing.assert_array_equal(out[2], X)
        assert layers[1].output_shape == (None, 3, 4, 5)

    @pytest.mark.parametrize('nonlinearity', ['tanh', 0])
    def test_nonlinearity_not_callable(self, nonlinearity):
        with pytest.raises(TypeError, match=r"^NonlinearityLayer 'n': "
                           r"nonlinearity must be callable \(e.g. from "
                           r"lasagne.nonlinearities\) or None, got %s$"
                           % re.escape(repr(nonlinearity))):
            NonlinearityLayer((None, 3), nonlinearity, name='n')


# The layers with a parameter shared over some axes.
SHARED_AXES_CASES = [
    # (input shape, shared_axes, attribute, parameter shape)
    ((None, 3, 4, 5), 'auto', (0, 2, 3), (3,)),
    ((None, 3), 'auto', (0,), (3,)),
    ((None, 3, 4, 5), 0, (0,), (3, 4, 5)),
    ((None, 3, 4, 5), (0, -1), (0, 3), (3, 4)),
    ((None, 3, 4, 5), [0, 2], (0, 2), (3, 5)),
    ((None, 3, 4, 5), 'all', (0, 1, 2, 3), ()),
    ((None, 3, None, None), 'auto', (0, 2, 3), (3,)),
]
PARAM_CLASSES = [(BiasLayer, 'b'), (ScaleLayer, 'scales'),
                 (ParametricRectifierLayer, 'alpha')]


@pytest.mark.parametrize('cls, name', PARAM_CLASSES)
class TestSharedParameter(object):
    @pytest.mark.parametrize('input_shape, shared_axes, axes, shape',
                             SHARED_AXES_CASES)
    def test_shapes(self, cls, name, input_shape, shared_axes, axes, shape):
        layer = cls(input_shape, shared_axes=shared_axes, name='l')
        assert layer.shared_axes == axes
        param = getattr(layer, name)
        assert param.get_value().shape == shape
        assert param.name == 'l.' + name
        assert layer.params[param] == {'trainable'}
        assert layer.output_shape == input_shape

    def test_unknown_size_not_shared(self, cls, name):
        with pytest.raises(ValueError, match=r"%s 'l': %s needs known input "
                           r"sizes along the axes not in shared_axes, got "
                           r"input shape \(None, 3, None\) and "
                           r"shared_axes=\(0, 1\)" % (cls.__name__, name)):
            cls((None, 3, None), shared_axes=(0, 1), name='l')

    @pytest.mark.parametrize('shared_axes', ['some', 1.0, True, None])
    def test_bad_shared_axes(self, cls, name, shared_axes):
        with pytest.raises(ValueError, match=r"%s: shared_axes must be "
                           r"'auto', 'all', an int or an iterable of ints, "
                           r"got %s"
                           % (cls.__name__, re.escape(repr(shared_axes)))):
            cls((None, 3, 4, 5), shared_axes=shared_axes)

    @pytest.mark.parametrize('shared_axes, axis', [
        (4, 4), ((0, -5), -5), ([0.0], 0.0), ((True,), True)])
    def test_bad_shared_axis(self, cls, name, shared_axes, axis):
        with pytest.raises(ValueError, match=r"%s: each of shared_axes must "
                           r"be an int in \[-4, 4\) for inputs of 4 "
                           r"dimensions, got %s"
                           % (cls.__name__, re.escape(repr(axis)))):
            cls((None, 3, 4, 5), shared_axes=shared_axes)

    def test_gradients(self, cls, name):
        l_in = InputLayer((None, 3, 4, 5))
        layer = cls(l_in, init.Uniform((0.1, 0.9)), shared_axes=(0, 2))
        verify_layer_grad(layer, {l_in: X}, wrt=[l_in])


def test_default_values():
    assert np.all(BiasLayer((None, 3)).b.get_value() == 0)
    assert np.all(ScaleLayer((None, 3)).scales.get_value() == 1)
    assert np.all(ParametricRectifierLayer((None, 3)).alpha.get_value() ==
                  floatX(0.25))


def test_bias_layer_without_biases():
    l_in = InputLayer((None, 3))
    layer = BiasLayer(l_in, b=None)
    assert layer.b is None
    assert layer.get_params() == []
    assert get_output(layer) is l_in.input_var


def test_values_of_shared_parameter_layers():
    l_in = InputLayer((None, 3, 4, 5))
    b, scales, alpha = (floatX(RNG.uniform(-1, 1, shape))
                        for shape in [(3,), (3, 5), ()])
    layers = [BiasLayer(l_in, b), ScaleLayer(l_in, scales, shared_axes=(0, 2)),
              ParametricRectifierLayer(l_in, alpha, shared_axes='all'),
              ParametricRectifierLayer(l_in, b)]
    out = evaluate(layers, {l_in: X})
    np.testing.assert_allclose(out[0], X + b[:, None, None], rtol=1e-6)
    np.testing.assert_allclose(out[1], X * scales[:, None, :], rtol=1e-6)
    np.testing.assert_allclose(out[2], relu(X, alpha), rtol=1e-6)
    np.testing.assert_allclose(out[3], relu(X, b[:, None, None]), rtol=1e-6)


class TestStandardize(object):
    def test_values_and_params(self):
        offset = floatX(RNG.uniform(-1, 1, 3))
        scale = floatX(RNG.uniform(1, 2, 3))
        l_in = InputLayer((None, 3, 4, 5))
        layer = standardize(l_in, offset, scale)
        assert isinstance(layer, ScaleLayer)
        bias = layer.input_layer
        assert isinstance(bias, BiasLayer) and bias.input_layer is l_in
        assert get_all_params(layer) == [bias.b, layer.scales]
        assert get_all_params(layer, trainable=True) == []
        assert get_all_params(layer, regularizable=True) == []
        out = evaluate(layer, {l_in: X})
        np.testing.assert_allclose(
            out, (X - offset[:, None, None]) / scale[:, None, None],
            rtol=1e-5)

    def test_shared_axes(self):
        layer = standardize((None, 3, 4), np.zeros((3, 4)), np.ones((3, 4)),
                            shared_axes=0)
        assert layer.shared_axes == (0,)
        assert layer.input_layer.shared_axes == (0,)
        assert layer.scales.get_value().shape == (3, 4)

    def test_theano_expressions(self):
        offset = theano.shared(floatX(np.ones(3)))
        layer = standardize((None, 3), offset, T.constant(floatX(2.)) *
                            np.ones(3, dtype=theano.config.floatX))
        # The shared variable behind the offset is a parameter.
        assert get_all_params(layer) == [offset]


def square(x):
    return x ** 2


class TestExpressionLayer(object):
    @pytest.mark.parametrize('function, output_shape, expected', [
        (square, None, (None, 3, 4, 5)),
        (square, 'auto', (None, 3, 4, 5)),
        (lambda x: x.sum(axis=1), 'auto', (None, 4, 5)),
        (lambda x: x[:, :2].mean(axis=-1), 'auto', (None, 2, 4)),
        # a reduction over the unknown batch size, of nothing for 'auto'
        (lambda x: x.max(axis=0), 'auto', (3, 4, 5)),
        (lambda x: T.concatenate([x, x]), 'auto', (None, 3, 4, 5)),
        (lambda x: x.sum(axis=(2, 3)), (None, 3), (None, 3)),
        (lambda x: x.sum(axis=(2, 3)), [2, 3], (2, 3)),
        (lambda x: x.sum(axis=(2, 3)), lambda shape: shape[:2], (None, 3)),
    ])
    def test_shapes(self, function, output_shape, expected):
        layer = ExpressionLayer((None, 3, 4, 5), function, output_shape)
        assert layer.function is function
        assert layer.output_shape == expected

    def test_auto_shape_quietly_uses_empty_arrays(self):
        """Unknown sizes count as 0; an expression of the empty array
        standing for the input (a mean of nothing) does not make the layer
        warn."""
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            layer = ExpressionLayer((None, 3), lambda x: x.mean(axis=0),
                                    'auto')
            assert layer.output_shape == (3,)

    def test_values(self):
        l_in = InputLayer((None, 3, 4, 5))
        layers = [ExpressionLayer(l_in, square),
                  ExpressionLayer(l_in, lambda x: x.max(axis=1), 'auto')]
        out = evaluate(layers, {l_in: X})
        np.testing.assert_allclose(out[0], X ** 2, rtol=1e-6)
        np.testing.assert_array_equal(out[1], X.max(axis=1))

    def test_bad_function(self):
        with pytest.raises(TypeError, match='ExpressionLayer: function must '
                           'be callable, got 3'):
            ExpressionLayer((None, 3), 3)

    def test_bad_output_shape(self):
        with pytest.raises(ValueError, match="ExpressionLayer 'e': "
                           "output_shape must be None, 'auto', a tuple or a "
                           "callable, got 'same'"):
            ExpressionLayer((None, 3), square, 'same', name='e')

    @pytest.mark.parametrize('output_shape', [5, 2.5, True])
    def test_output_shape_not_iterable(self, output_shape):
        with pytest.raises(TypeError, match="^ExpressionLayer 'e': "
                           "output_shape must be None, 'auto', a tuple or a "
                           "callable, got %s$"
                           % re.escape(repr(output_shape))):
            ExpressionLayer((None, 3), square, output_shape=output_shape,
                            name='e')


class TestInverseLayer(object):
    def test_shapes(self):
        l_in = InputLayer((None, 3, 4))
        l_flat = ReshapeLayer(l_in, ([0], -1))
        l_dense = DenseLayer(l_flat, 5)
        l_inv_dense = InverseLayer(l_dense, l_dense)
        l_inv_flat = InverseLayer(l_inv_dense, l_flat)
        assert l_inv_dense.input_layers == [l_dense, l_dense, l_flat]
        assert l_inv_dense.output_shape == (None, 12)
        assert l_inv_flat.output_shape == (None, 3, 4)
        assert l_inv_flat.get_params() == []

    def test_values(self):
        """The inverse of a dense layer multiplies by W^T and by the
        derivative of the nonlinearity; the inverse of a reshape reshapes
        back."""
        x = floatX(RNG.uniform(-1, 1, (2, 3, 4)))
        W = floatX(RNG.uniform(-1, 1, (12, 5)))
        b = floatX(RNG.uniform(-1, 1, 5))
        l_in = InputLayer((None, 3, 4))
        l_flat = ReshapeLayer(l_in, ([0], -1))
        l_linear = DenseLayer(l_flat, 5, W=W, b=b, nonlinearity=None)
        l_relu = DenseLayer(l_flat, 5, W=W, b=b)
        l_inv_linear = InverseLayer(l_linear, l_linear)
        l_inv_relu = InverseLayer(l_relu, l_relu)
        l_back = InverseLayer(l_inv_relu, l_flat)
        out = evaluate([l_inv_linear, l_inv_relu, l_back], {l_in: x})
        flat = x.reshape(2, 12)
        y = flat.dot(W) + b
        np.testing.assert_allclose(out[0], y.dot(W.T), rtol=1e-5)
        expected = (relu(y) * (y > 0)).dot(W.T)
        np.testing.assert_allclose(out[1], expected, rtol=1e-5)
        np.testing.assert_allclose(out[2], expected.reshape(2, 3, 4),
                                   rtol=1e-5)

    @pytest.mark.parametrize('layer', [
        InputLayer((None, 3)), ConcatLayer([(None, 3), (None, 3)]), 'dense'])
    def test_needs_layer_with_incoming(self, layer):
        with pytest.raises(TypeError, match='InverseLayer: layer must be a '
                           'Layer with an incoming layer, got '):
            InverseLayer((None, 3), layer)


# Spatial transformers: NumPy references, point by point.

def border_reference(index, size, mode):
    if mode == 'nearest':
        return min(max(index, 0), size - 1)
    if mode == 'wrap':
        return index % size
    period = 2 * (size - 1)
    index %= period
    return index if index < size else period - index


def sample_reference(images, x, y, out_shape, mode):
    """Bilinear sampling of images (batch, channels, rows, columns) at
    coordinates x, y in [-1, 1] (batch, points)."""
    batch, channels, rows, columns = images.shape
    out = np.zeros((batch, channels, x.shape[1]))
    for n in range(batch):
        for k in range(x.shape[1]):
            col = (x[n, k] + 1) / 2 * (columns - 1)
            row = (y[n, k] + 1) / 2 * (rows - 1)
            c0, r0 = int(np.floor(col)), int(np.floor(row))
            for r, wr in [(r0, r0 + 1 - row), (r0 + 1, row - r0)]:
                for c, wc in [(c0, c0 + 1 - col), (c0 + 1, col - c0)]:
                    out[n, :, k] += wr * wc * images[
                        n, :, border_reference(r, rows, mode),
                        border_reference(c, columns, mode)]
    return out.reshape((batch, channels) + out_shape)


def grid_reference(rows, columns):
    xt, yt = np.meshgrid(np.linspace(-1, 1, columns),
                         np.linspace(-1, 1, rows))
    return np.stack([xt.ravel(), yt.ravel()])


def affine_reference(images, theta, out_shape, mode):
    grid = grid_reference(*out_shape)
    grid = np.concatenate([grid, np.ones((1, grid.shape[1]))])
    points = np.array([t.reshape(2, 3).dot(grid) for t in theta])
    return sample_reference(images, points[:, 0], points[:, 1], out_shape,
                            mode)


def tps_reference(images, offsets, out_shape, mode):
    """The thin plate spline fitted by solving its linear system for each
    image and coordinate."""
    num_points = offsets.shape[1] // 2
    source = grid_reference(int(np.sqrt(num_points)),
                            int(np.sqrt(num_points)))

    def kernel(p, q):
        r2 = ((p[:, :, None] - q[:, None, :]) ** 2).sum(axis=0)
        with np.errstate(divide='ignore', invalid='ignore'):
            return np.where(r2 == 0, 0, r2 * np.log(r2))
    P = np.concatenate([np.ones((1, num_points)), source]).T
    system = np.block([[kernel(source, source), P],
                       [P.T, np.zeros((3, 3))]])
    grid = grid_reference(*out_shape)
    basis = np.concatenate([kernel(source, grid), np.ones((1, grid.shape[1])),
                            grid])
    points = []
    for n in range(len(images)):
        targets = source + offsets[n].reshape(2, num_points)
        points.append([np.linalg.solve(system, np.concatenate([t, [0] * 3]))
                       .dot(basis) for t in targets])
    points = np.array(points)
    return sample_reference(images, points[:, 0], points[:, 1], out_shape,
                            mode)


IMAGES = floatX(RNG.uniform(-1, 1, (2, 2, 5, 6)))
IDENTITY = floatX(np.array([[1, 0, 0, 0, 1, 0]] * 2))
# A shift by one pixel to the right (the columns are 2 / 5 apart).
SHIFT = floatX(np.array([[1, 0, 0.4, 0, 1, 0]] * 2))
FLIP = floatX(np.array([[-1, 0, 0, 0, 1, 0]] * 2))
THETA = floatX(IDENTITY + RNG.uniform(-0.6, 0.6, (2, 6)))
OFFSETS = floatX(RNG.uniform(-0.4, 0.4, (2, 18)))
MODES = ['nearest', 'mirror', 'wrap']


def affine_offsets(theta, control_points):
    """Control point offsets that make a thin plate spline the affine map
    theta (the spline reproduces affine maps exactly)."""
    side = int(np.sqrt(control_points))
    source = grid_reference(side, side)
    homogeneous = np.concatenate([source, np.ones((1, control_points))])
    return floatX(np.array([t.reshape(2, 3).dot(homogeneous) - source
                            for t in theta]).reshape(len(theta), -1))


@pytest.fixture(scope='module')
def transformed():
    """Outputs of transformer layers in many configurations, from one
    compiled function: a dict from a key to (layer, value)."""
    l_images = InputLayer((None, 2, 5, 6))
    l_any_size = InputLayer((None, 2, None, None))
    given = {l_images: IMAGES, l_any_size: IMAGES}
    layers = {}

    def localization(value):
        layer = InputLayer((None, value.shape[1]))
        given[layer] = value
        return layer

    for mode in MODES:
        for name, theta in [('identity', IDENTITY), ('shift', SHIFT),
                            ('flip', FLIP), ('theta', THETA)]:
            layers['affine', name, mode] = TransformerLayer(
                l_images, localization(theta), border_mode=mode)
        layers['tps', mode] = TPSTransformerLayer(
            l_images, localization(OFFSETS), control_points=9,
            border_mode=mode)
    for factor in [2, (0.5, 1.5)]:
        layers['affine', factor] = TransformerLayer(
            l_any_size, localization(THETA), downsample_factor=factor)
        for precompute in [True, False]:
            layers['tps', factor, precompute] = TPSTransformerLayer(
                l_images if precompute else l_any_size,
                localization(OFFSETS), control_points=9,
                downsample_factor=factor, precompute_grid=precompute)
    for precompute in [True, False]:
        layers['tps', 'zero', precompute] = TPSTransformerLayer(
            l_images, localization(np.zeros((2, 32))), control_points=16,
            precompute_grid=precompute)
    layers['tps', 'affine'] = TPSTransformerLayer(
        l_images, localization(affine_offsets(THETA, 16)),
        control_points=16)
    keys = sorted(layers, key=repr)
    values = evaluate([layers[key] for key in keys], given)
    return dict((key, (layers[key], value))
                for key, value in zip(keys, values))


class TestTransformerLayer(object):
    def test_attributes(self):
        l_loc = InputLayer((None, 6))
        layer = TransformerLayer((None, 3, 8, 8), l_loc)
        assert layer.downsample_factor == (1, 1)
        assert layer.border_mode == 'nearest'
        assert layer.output_shape == (None, 3, 8, 8)
        assert layer.get_params() == []
        layer = TransformerLayer((None, 3, 8, None), l_loc,
                                 downsample_factor=(2, 0.5),
                                 border_mode='wrap')
        assert layer.downsample_factor == (2, 0.5)
        assert layer.border_mode == 'wrap'
        assert layer.output_shape == (None, 3, 4, None)

    @pytest.mark.parametrize('mode', MODES)
    def test_identity(self, transformed, mode):
        np.testing.assert_allclose(
            transformed['affine', 'identity', mode][1], IMAGES, atol=1e-5)

    @pytest.mark.parametrize('mode', MODES)
    def test_flip(self, transformed, mode):
        np.testing.assert_allclose(transformed['affine', 'flip', mode][1],
                                   IMAGES[..., ::-1], atol=1e-5)

    @pytest.mark.parametrize('mode, last_column', [('nearest', 5),
                                                   ('mirror', 4),
                                                   ('wrap', 0)])
    def test_shift(self, transformed, mode, last_column):
        out = transformed['affine', 'shift', mode][1]
        np.testing.assert_allclose(out[..., :5], IMAGES[..., 1:], atol=1e-5)
        np.testing.assert_allclose(out[..., 5], IMAGES[..., last_column],
                                   atol=1e-5)

    @pytest.mark.parametrize('mode', MODES)
    def test_values(self, transformed, mode):
        layer, out = transformed['affine', 'theta', mode]
        np.testing.assert_allclose(
            out, affine_reference(IMAGES, THETA, (5, 6), mode), atol=1e-5)

    @pytest.mark.parametrize('factor, out_shape', [(2, (2, 3)),
                                                   ((0.5, 1.5), (10, 4))])
    def test_downsample(self, transformed, factor, out_shape):
        layer, out = transformed['affine', factor]
        assert layer.output_shape == (None, 2, None, None)
        np.testing.assert_allclose(
            out, affine_reference(IMAGES, THETA, out_shape, 'nearest'),
            atol=1e-5)

    def test_gradients(self):
        l_images = InputLayer((None, 2, 5, 6))
        l_loc = InputLayer((None, 6))
        # The output is piecewise smooth in theta: float32's numerical step
        # (3e-4, against 1e-7 for float64) moves a few sample points across
        # pixel borders, which costs about 1.5% of a gradient entry.
        tolerance = 3e-2 if theano.config.floatX == 'float32' else None
        for mode in MODES:
            layer = TransformerLayer(l_images, l_loc, border_mode=mode)
            verify_layer_grad(layer, {l_images: IMAGES, l_loc: THETA},
                              wrt=[l_images, l_loc], tolerance=tolerance)

    def test_bad_localization_network(self):
        with pytest.raises(ValueError, match=r"TransformerLayer 't': "
                           r"localization_network must have an output of "
                           r"shape \(batch, 6\) \(an affine matrix\), got "
                           r"\(None, 5\)"):
            TransformerLayer((None, 3, 8, 8), (None, 5), name='t')


@pytest.mark.parametrize('cls, localization_size',
                         [(TransformerLayer, 6), (TPSTransformerLayer, 32)])
@pytest.mark.parametrize('kwargs, message', [
    (dict(incoming=(None, 3, 8)), r'incoming must have a 4-dimensional '
     r'output \(batch, channels, rows, columns\), got shape \(None, 3, 8\)'),
    (dict(localization_network=(None, 2, 3)), r'localization_network must '
     r'have an output of shape \(batch, \d+\) \(.*\), got \(None, 2, 3\)'),
    (dict(border_mode='reflect'), "border_mode must be 'nearest', 'mirror' "
     "or 'wrap', got 'reflect'"),
    (dict(downsample_factor=0), 'downsample_factor must be a positive number '
     'or a pair of them, got 0'),
    (dict(downsample_factor=(1, 2, 3)), 'downsample_factor must be a '
     r'positive number or a pair of them, got \(1, 2, 3\)'),
    (dict(downsample_factor='2'), "downsample_factor must be .* got '2'"),
    (dict(downsample_factor=(1, True)), r"downsample_factor must be .* got "
     r"\(1, True\)"),
    (dict(downsample_factor=[1, '2']), r"downsample_factor must be .* got "
     r"\[1, '2'\]"),
])
def test_transformer_errors(cls, localization_size, kwargs, message):
    arguments = dict(incoming=(None, 3, 8, 8),
                     localization_network=(None, localization_size))
    arguments.update(kwargs)
    with pytest.raises(ValueError,
                       match="%s 't': %s" % (cls.__name__, message)):
        cls(name='t', **arguments)


class TestTPSTransformerLayer(object):
    def test_attributes(self):
        layer = TPSTransformerLayer((None, 3, 8, 10), (None, 32))
        assert layer.control_points == 16
        assert layer.downsample_factor == (1, 1)
        assert layer.border_mode == 'nearest'
        assert layer.precompute_grid is True
        assert layer.output_shape == (None, 3, 8, 10)
        assert layer.get_params() == []
        np.testing.assert_allclose(layer.source_points.data,
                                   grid_reference(4, 4), rtol=1e-6)
        assert layer.L_inv.data.shape == (19, 19)
        assert layer.right_mat.data.shape == (19, 80)
        assert (layer.out_height.data, layer.out_width.data) == (8, 10)

    def test_without_precomputed_grid(self):
        layer = TPSTransformerLayer((None, 3, None, 10), (None, 8),
                                    control_points=4, downsample_factor=2)
        assert layer.precompute_grid is False
        assert layer.right_mat is None
        assert layer.out_height is None and layer.out_width is None
        assert layer.output_shape == (None, 3, None, 5)
        layer = TPSTransformerLayer((None, 3, 6, 10), (None, 8),
                                    control_points=4, precompute_grid=False)
        assert layer.right_mat is None

    @pytest.mark.parametrize('precompute', [True, False])
    def test_zero_offsets_reproduce_input(self, transformed, precompute):
        layer, out = transformed['tps', 'zero', precompute]
        assert layer.precompute_grid is precompute
        np.testing.assert_allclose(out, IMAGES, atol=1e-5)

    def test_affine_warp_equals_transformer(self, transformed):
        np.testing.assert_allclose(
            transformed['tps', 'affine'][1],
            transformed['affine', 'theta', 'nearest'][1], atol=1e-4)

    @pytest.mark.parametrize('mode', MODES)
    def test_values(self, transformed, mode):
        np.testing.assert_allclose(
            transformed['tps', mode][1],
            tps_reference(IMAGES, OFFSETS, (5, 6), mode), atol=1e-5)

    @pytest.mark.parametrize('factor, out_shape', [(2, (2, 3)),
                                                   ((0.5, 1.5), (10, 4))])
    def test_downsample_with_and_without_precomputed_grid(
            self, transformed, factor, out_shape):
        expected = tps_reference(IMAGES, OFFSETS, out_shape, 'nearest')
        for precompute in [True, False]:
            layer, out = transformed['tps', factor, precompute]
            assert layer.precompute_grid is precompute
            np.testing.assert_allclose(out, expected, atol=1e-5)

    def test_gradients(self):
        l_images = InputLayer((None, 2, 5, 6))
        l_loc = InputLayer((None, 8))
        for precompute in [True, False]:
            layer = TPSTransformerLayer(l_images, l_loc, control_points=4,
                                        precompute_grid=precompute)
            verify_layer_grad(layer, {l_images: IMAGES,
                                      l_loc: OFFSETS[:, :8]},
                              wrt=[l_images, l_loc])

    @pytest.mark.parametrize('kwargs, message', [
        (dict(control_points=15), 'control_points must be a square number '
         'of at least 4, got 15'),
        (dict(control_points=1, localization_network=(None, 2)),
         'control_points must be a square number of at least 4, got 1'),
        (dict(control_points=16.0), 'control_points must be a square number'),
        (dict(localization_network=(None, 16)), r'localization_network must '
         r'have an output of shape \(batch, 32\) \(the x and y offsets of the '
         r'control points\), got \(None, 16\)'),
        (dict(precompute_grid='yes'), "precompute_grid must be 'auto', True "
         "or False, got 'yes'"),
        (dict(precompute_grid=True, incoming=(None, 3, 8, None)),
         r"precompute_grid=True needs the input's rows and columns to be "
         r"known, got shape \(None, 3, 8, None\)"),
    ])
    def test_errors(self, kwargs, message):
        arguments = dict(incoming=(None, 3, 8, 8),
                         localization_network=(None, 32))
        arguments.update(kwargs)
        with pytest.raises(ValueError,
                           match="TPSTransformerLayer 't': " + message):
            TPSTransformerLayer(name='t', **arguments)


def test_prelu():
    l_dense = DenseLayer((None, 10), 5)
    layer = prelu(l_dense, shared_axes='all')
    assert isinstance(layer, ParametricRectifierLayer)
    assert layer.input_layer is l_dense
    assert l_dense.nonlinearity is nonlinearities.identity
    assert layer.shared_axes == (0, 1)
    # A layer without nonlinearity gets no such attribute.
    l_bias = BiasLayer((None, 10))
    prelu(l_bias)
    assert not hasattr(l_bias, 'nonlinearity')


# The functions that move a layer's nonlinearity behind new layers, each with
# an argument value that its new layer refuses.
NONLINEARITY_MOVERS = [
    (batch_norm, {'alpha': 2}), (instance_norm, {'epsilon': -1}),
    (layer_norm, {'epsilon': np.nan}), (prelu, {'shared_axes': 4}),
    (rrelu, {'lower': 0.5, 'upper': 0.1})]


@pytest.mark.parametrize('move, bad_value', NONLINEARITY_MOVERS)
@pytest.mark.parametrize('bad', ['keyword', 'value'])
def test_failing_move_leaves_the_layer_unchanged(move, bad_value, bad):
    layer = NINLayer((None, 3, 4, 5), 6, nonlinearity=nonlinearities.tanh)
    params = dict(layer.params)
    values = [p.get_value() for p in params]
    kwargs, error = (({'no_such_argument': 1}, TypeError) if bad == 'keyword'
                     else (bad_value, ValueError))
    with pytest.raises(error) as info:
        move(layer, **kwargs)
    assert (bad == 'keyword') == ('no_such_argument' in str(info.value))
    assert layer.nonlinearity is nonlinearities.tanh
    assert layer.params == params
    for param, value in zip(params, values):
        np.testing.assert_array_equal(param.get_value(), value)


@pytest.mark.parametrize('move, bad_value', NONLINEARITY_MOVERS)
def test_move_takes_the_nonlinearity(move, bad_value):
    layer = NINLayer((None, 3, 4, 5), 6, nonlinearity=nonlinearities.tanh)
    top = move(layer)
    assert layer.nonlinearity is nonlinearities.identity
    if move in (prelu, rrelu):
        # the new layer is the nonlinearity
        assert top.input_layer is layer
    else:
        assert isinstance(top, NonlinearityLayer)
        assert top.nonlinearity is nonlinearities.tanh


class TestRandomizedRectifierLayer(object):
    @pytest.fixture
    def seeded(self):
        lasagne.random.set_rng(np.random.RandomState(5))
        yield
        lasagne.random.set_rng(np.random)

    def test_attributes(self):
        layer = RandomizedRectifierLayer((None, 3, 4, 5))
        assert (layer.lower, layer.upper) == (0.3, 0.8)
        assert layer.shared_axes == (0, 2, 3)
        assert layer.get_params() == []
        layer = RandomizedRectifierLayer((None, 3), 0.1, 0.2, shared_axes=1)
        assert (layer.lower, layer.upper, layer.shared_axes) == (0.1, 0.2,
                                                                 (1,))
        assert layer.output_shape == (None, 3)

    def test_deterministic(self):
        """The mean slope with deterministic=True or equal bounds."""
        l_in = InputLayer((None, 3, 4, 5))
        layer = RandomizedRectifierLayer(l_in, 0.2, 0.4)
        fixed = RandomizedRectifierLayer(l_in, 0.25, 0.25)
        outputs = [get_output(layer, deterministic=True), get_output(fixed)]
        out = theano.function([l_in.input_var], outputs, mode=MODE)(X)
        np.testing.assert_allclose(out[0], relu(X, 0.3), rtol=1e-6)
        np.testing.assert_allclose(out[1], relu(X, 0.25), rtol=1e-6)

    @pytest.mark.parametrize('input_shape', [(None, 3, 4, 5), (2, 3, 4, 5)])
    @pytest.mark.parametrize('shared_axes', ['auto', (1, 3), 'all'])
    def test_random_slopes(self, seeded, input_shape, shared_axes):
        l_in = InputLayer(input_shape)
        layer = RandomizedRectifierLayer(l_in, 0.2, 0.4,
                                         shared_axes=shared_axes)
        f = theano.function([l_in.input_var], get_output(layer), mode=MODE)
        x = floatX(-np.ones((2, 3, 4, 5)))
        slopes = -f(x)
        assert np.all((slopes >= 0.2) & (slopes <= 0.4))
        # One slope along the shared axes, different ones elsewhere.
        axes = layer.shared_axes
        np.testing.assert_array_equal(slopes, np.broadcast_to(
            slopes.max(axis=axes, keepdims=True), slopes.shape))
        assert len(np.unique(slopes)) == np.prod([
            size for axis, size in enumerate(x.shape) if axis not in axes])
        # New slopes at each evaluation; positive inputs pass unchanged.
        assert np.any(-f(x) != slopes)
        np.testing.assert_array_equal(f(-x), -x)

    @pytest.mark.parametrize('bounds, argument', [(('0.1', 0.3), 'lower'),
                                                  ((0.1, None), 'upper'),
                                                  (([0.1], 0.3), 'lower')])
    def test_bounds_not_numbers(self, bounds, argument):
        value = bounds[argument == 'upper']
        with pytest.raises(TypeError, match="^RandomizedRectifierLayer 'r': "
                           "%s must be a real number or a Theano expression, "
                           "got %s$" % (argument, re.escape(repr(value)))):
            RandomizedRectifierLayer((None, 3), *bounds, name='r')

    def test_symbolic_bounds(self):
        lower, upper = T.scalar(), theano.shared(floatX(0.5))
        layer = RandomizedRectifierLayer((None, 3), lower, upper)
        assert layer.lower is lower and layer.upper is upper

    def test_bad_bounds(self):
        with pytest.raises(ValueError, match="RandomizedRectifierLayer 'r': "
                           "upper must be at least lower, got lower=0.5 and "
                           "upper=0.4"):
            RandomizedRectifierLayer((None, 3), 0.5, 0.4, name='r')

    @pytest.mark.parametrize('bounds', [(0.3, 0.8), (0.25, 0.25),
                                        (np.float64(0.3), np.float64(0.8))])
    @pytest.mark.parametrize('deterministic', [False, True])
    @pytest.mark.parametrize('dtype', ['float32', 'float64'])
    def test_keeps_input_dtype(self, dtype, deterministic, bounds):
        # The slopes, random or the mean, are in the input's dtype, whatever
        # floatX and the type of the bounds are.
        x = T.TensorType(dtype, (False,) * 2)()
        out = get_output(RandomizedRectifierLayer(
            InputLayer((None, 3), input_var=x), *bounds),
            deterministic=deterministic)
        assert out.dtype == dtype

    def test_numpy_array_input(self, seeded):
        """As in Lasagne 0.2 (the dtype of a numpy array is no string, which
        Theano's random streams need)."""
        layer = RandomizedRectifierLayer((3, 3, 28, 28))
        x = -np.ones((3, 3, 28, 28), 'float32')
        out = layer.get_output_for(x)
        assert out.dtype == 'float32'
        slopes = -theano.function([], out, mode=MODE)()
        assert np.all((slopes >= 0.3) & (slopes <= 0.8))
        check_array_input(layer, x, deterministic=True)

    def test_rrelu(self):
        l_dense = DenseLayer((None, 10), 5)
        layer = rrelu(l_dense, lower=0.1, upper=0.2)
        assert isinstance(layer, RandomizedRectifierLayer)
        assert layer.input_layer is l_dense
        assert (layer.lower, layer.upper) == (0.1, 0.2)
        assert l_dense.nonlinearity is nonlinearities.identity


@pytest.mark.parametrize('precompute', [True, False])
def test_transformers_keep_float32(precompute):
    """Float32 images and transformations give a float32 output, whatever
    floatX (the layers have no parameters to upcast with)."""
    images = T.ftensor4()
    affine = TransformerLayer(InputLayer((None, 2, 5, 6), images),
                              InputLayer((None, 6), T.fmatrix()))
    tps = TPSTransformerLayer(InputLayer((None, 2, 5, 6), images),
                              InputLayer((None, 18), T.fmatrix()),
                              control_points=9, precompute_grid=precompute)
    out = [affine.get_output_for([images, T.fmatrix()]),
           tps.get_output_for([images, T.fmatrix()])]
    assert [o.dtype for o in out] == ['float32', 'float32']
    fn = theano.function([affine.input_layers[0].input_var,
                          affine.input_layers[1].input_var,
                          tps.input_layers[1].input_var],
                         get_output([affine, tps]), mode=MODE)
    values = fn(IMAGES.astype('float32'), THETA.astype('float32'),
                OFFSETS.astype('float32'))
    np.testing.assert_allclose(values[0], affine_reference(
        IMAGES, THETA, (5, 6), 'nearest'), atol=1e-5)
    np.testing.assert_allclose(values[1], tps_reference(
        IMAGES, OFFSETS, (5, 6), 'nearest'), atol=1e-5)


@pytest.mark.parametrize('build, values', [
    (lambda: NonlinearityLayer((None, 3, 4, 5)), [X]),
    (lambda: BiasLayer((None, 3, 4, 5), b=np.arange(3.)), [X]),
    (lambda: ParametricRectifierLayer((None, 3, 4, 5)), [X]),
    (lambda: TransformerLayer((None, 2, 5, 6), (None, 6)), [IMAGES, THETA]),
    (lambda: TPSTransformerLayer((None, 2, 5, 6), (None, 18),
                                 control_points=9), [IMAGES, OFFSETS]),
])
def test_array_input(build, values):
    check_array_input(build(), *values)


def test_transformers_compiled():
    """The transformer layers in the default compile mode, which runs
    Theano's C implementations (the other tests use the Python ones)."""
    l_images = InputLayer((None, 2, 5, 6))
    l_theta = InputLayer((None, 6))
    l_offsets = InputLayer((None, 18))
    layers = [TransformerLayer(l_images, l_theta, border_mode=mode)
              for mode in MODES]
    layers += [TPSTransformerLayer(l_images, l_offsets, control_points=9,
                                   precompute_grid=precompute,
                                   border_mode=mode)
               for precompute, mode in [(True, 'mirror'), (False, 'wrap')]]
    inputs = [l_images.input_var, l_theta.input_var, l_offsets.input_var]
    out = theano.function(inputs, get_output(layers))(IMAGES, THETA, OFFSETS)
    for mode, value in zip(MODES, out):
        np.testing.assert_allclose(
            value, affine_reference(IMAGES, THETA, (5, 6), mode), atol=1e-5)
    for mode, value in zip(['mirror', 'wrap'], out[3:]):
        np.testing.assert_allclose(
            value, tps_reference(IMAGES, OFFSETS, (5, 6), mode), atol=1e-5)


@pytest.mark.parametrize('output_shape', [(2, -3), (0, 3), (None, -1)])
def test_expression_output_shape_sizes(output_shape):
    with pytest.raises(ValueError, match=r"^ExpressionLayer 'bad': "
                       r"output_shape must hold positive ints or None, got "
                       r"%s$" % re.escape(repr(output_shape))):
        ExpressionLayer((2, 3), lambda x: x, output_shape=output_shape,
                        name='bad')


@pytest.mark.parametrize('argument', ['lower', 'upper'])
@pytest.mark.parametrize('value', [np.nan, np.inf, -np.inf,
                                   np.float32('nan')])
def test_rrelu_bounds_must_be_finite(argument, value):
    # upstream gave NaN outputs for these
    with pytest.raises(ValueError, match=r"^RandomizedRectifierLayer 'bad': "
                       r"%s must be a finite real number, got %s$"
                       % (argument, value)):
        RandomizedRectifierLayer((2, 3), name='bad', **{argument: value})


@pytest.mark.parametrize('cls, size', [(TransformerLayer, 6),
                                       (TPSTransformerLayer, 32)])
@pytest.mark.parametrize('localization_network', [None, 5, 'dense'])
def test_transformer_localization_network_type(cls, size,
                                               localization_network):
    with pytest.raises(TypeError, match=r"^%s: localization_network must be "
                       r"a Layer instance or a shape tuple, got %r$"
                       % (cls.__name__, localization_network)):
        cls((2, 3, 8, 8), localization_network)
    # the input itself is still named as such
    with pytest.raises(TypeError, match=r"^%s: incoming must be a Layer "
                       r"instance or a shape tuple, got None$" % cls.__name__):
        cls(None, (2, size))


@pytest.mark.parametrize('control_points', [-4, -1, 0, 2.0, 1])
def test_tps_control_points_not_square(control_points):
    with pytest.raises(ValueError, match=r"^TPSTransformerLayer: "
                       r"control_points must be a square number of at least "
                       r"4, got %r$" % control_points):
        TPSTransformerLayer((2, 3, 8, 8), (2, 32),
                            control_points=control_points)
