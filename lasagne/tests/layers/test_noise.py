import re
import types

import numpy as np
import pytest
import theano
import theano.tensor as T

import lasagne
from lasagne.layers import (InputLayer, DropoutLayer, GaussianNoiseLayer,
                            dropout, dropout_channels, spatial_dropout,
                            dropout_locations, get_output)
from lasagne.utils import floatX

from .layer_checks import MODE


@pytest.fixture
def seeded():
    """Seed Lasagne's generator, restoring numpy.random afterwards."""
    lasagne.random.set_rng(np.random.RandomState(123))
    yield
    lasagne.random.set_rng(np.random)


def run(layer, x, **kwargs):
    """A compiled function of the layer's output, for input value x."""
    l_in = layer.input_layer
    f = theano.function([l_in.input_var], get_output(layer, **kwargs),
                        mode=MODE)
    return lambda: f(floatX(x))


@pytest.mark.parametrize('cls, argument', [(DropoutLayer, 'p'),
                                           (GaussianNoiseLayer, 'sigma')])
@pytest.mark.parametrize('value', [0.5, 0])
def test_deterministic_passes_input(cls, argument, value):
    """No noise with deterministic=True, nor without noise to add."""
    l_in = InputLayer((None, 3))
    layer = cls(l_in, **{argument: value})
    assert get_output(layer, deterministic=True) is l_in.input_var
    assert (get_output(layer) is l_in.input_var) == (value == 0)


class TestDropoutLayer(object):
    def test_attributes(self):
        layer = DropoutLayer((None, 3))
        assert (layer.p, layer.rescale, layer.shared_axes) == (0.5, True, ())
        layer = DropoutLayer((None, 3, 4), p=0.2, rescale=False,
                             shared_axes=[2, 0])
        assert (layer.p, layer.rescale, layer.shared_axes) == (0.2, False,
                                                               (2, 0))
        assert layer.output_shape == (None, 3, 4)
        assert dropout is DropoutLayer

    @pytest.mark.parametrize('p, rescale, kept', [(0.25, True, 4. / 3),
                                                  (0.6, True, 2.5),
                                                  (0.6, False, 1.)])
    def test_mask(self, seeded, p, rescale, kept):
        l_in = InputLayer((None, 40, 50))
        f = run(DropoutLayer(l_in, p=p, rescale=rescale), np.ones((2, 40, 50)))
        out = f()
        # Kept elements are 1 / (1 - p) (or 1), dropped ones 0.
        np.testing.assert_allclose(out[out != 0], kept, rtol=1e-6)
        assert abs(np.mean(out == 0) - p) < 0.05
        # Each evaluation draws a new mask.
        assert np.any(f() != out)

    def test_unknown_shape(self, seeded):
        f = run(DropoutLayer(InputLayer((None, None)), p=0.5),
                np.full((50, 40), 3.))
        out = f()
        assert out.shape == (50, 40)
        assert set(np.unique(out)) == {0, 6}

    @pytest.mark.parametrize('input_shape', [(None, 6, 7, 8), (4, 6, 7, 8)])
    @pytest.mark.parametrize('shared_axes', [(2, 3), (-1, 1), (0,)])
    def test_shared_axes(self, seeded, input_shape, shared_axes):
        layer = DropoutLayer(InputLayer(input_shape), shared_axes=shared_axes)
        out = run(layer, np.ones((4, 6, 7, 8)))()
        axes = tuple(a % 4 for a in shared_axes)
        # The mask is constant along the shared axes, random along others.
        np.testing.assert_array_equal(out, np.broadcast_to(
            out.max(axis=axes, keepdims=True), out.shape))
        assert 0 < np.mean(out == 0) < 1

    def test_symbolic_p(self, seeded):
        p = theano.shared(floatX(0.5))
        f = run(DropoutLayer(InputLayer((None, 100)), p=p),
                np.ones((20, 100)))
        assert set(np.unique(f())) == {0, 2}
        p.set_value(floatX(0.))
        np.testing.assert_array_equal(f(), np.ones((20, 100)))

    def test_seeded_by_lasagne_rng(self):
        outputs = []
        for seed in (1, 1, 2):
            lasagne.random.set_rng(np.random.RandomState(seed))
            outputs.append(run(DropoutLayer(InputLayer((None, 30))),
                               np.ones((10, 30)))())
        lasagne.random.set_rng(np.random)
        np.testing.assert_array_equal(outputs[0], outputs[1])
        assert np.any(outputs[0] != outputs[2])

    def test_drop_everything_without_rescaling(self, seeded):
        """p=1 is allowed when there is no division by 1 - p."""
        l_in = InputLayer((None, 10))
        layer = DropoutLayer(l_in, p=1, rescale=False)
        assert layer.p == 1
        np.testing.assert_array_equal(run(layer, np.ones((5, 10)))(),
                                      np.zeros((5, 10)))
        assert get_output(layer, deterministic=True) is l_in.input_var

    @pytest.mark.parametrize('p, rescale', [(1, True), (1.5, True),
                                            (-0.1, True), (1.5, False),
                                            (-0.1, False),
                                            (float('nan'), False)])
    def test_bad_p(self, p, rescale):
        bounds = r"\[0, 1\)" if rescale else r"\[0, 1\]"
        with pytest.raises(ValueError, match=r"^DropoutLayer 'd': p must be "
                           r"a real number in %s, got %s$" % (bounds, p)):
            DropoutLayer((None, 3), p=p, rescale=rescale, name='d')

    @pytest.mark.parametrize('p', ['0.5', None, [0.5], True,
                                   np.array(['a'])])
    def test_p_not_a_number(self, p):
        with pytest.raises(TypeError, match=r"^DropoutLayer 'd': p must be a "
                           r"real number in \[0, 1\) or a Theano "
                           r"expression, got %s$"
                           % re.escape(repr(p))):
            DropoutLayer((None, 3), p=p, name='d')

    @pytest.mark.parametrize('p', [np.float32(0.5), np.array(0.5),
                                   T.constant(0.5), T.scalar()])
    def test_numeric_p(self, p):
        assert DropoutLayer((None, 3), p=p).p is p

    @pytest.mark.parametrize('shared_axes, expected', [(1, (1,)),
                                                       (-1, (-1,)),
                                                       (np.int64(0), (0,)),
                                                       (iter([1, 0]), (1, 0))])
    def test_shared_axes_int_or_iterable(self, shared_axes, expected):
        """An int stands for one axis, as for BiasLayer; axes are kept as
        given."""
        layer = DropoutLayer((None, 3), shared_axes=shared_axes)
        assert layer.shared_axes == expected

    @pytest.mark.parametrize('shared_axes', [1.0, None, 'ab'])
    def test_shared_axes_of_wrong_type(self, shared_axes):
        with pytest.raises(ValueError, match=r"^DropoutLayer: shared_axes "
                           r"must be an int or an iterable of ints, got %s$"
                           % re.escape(repr(shared_axes))):
            DropoutLayer((None, 3), shared_axes=shared_axes)

    @pytest.mark.parametrize('shared_axes', [(2,), (0, -3), (1.0,),
                                             (True,), 2])
    def test_bad_shared_axes(self, shared_axes):
        with pytest.raises(ValueError, match=r'DropoutLayer: each of '
                           r'shared_axes must be an int in \[-2, 2\) for '
                           r'inputs of 2 dimensions, got %s'
                           % re.escape(repr(np.ravel(shared_axes)[-1]))):
            DropoutLayer((None, 3), shared_axes=shared_axes)


class TestDropoutShortcuts(object):
    @pytest.mark.parametrize('shortcut', [dropout_channels, spatial_dropout])
    @pytest.mark.parametrize('shape, axes', [((None, 3, 8, 8), (2, 3)),
                                             ((None, 3, 8), (2,)),
                                             ((None, 3, 4, 5, 6), (2, 3, 4))])
    def test_channels(self, shortcut, shape, axes):
        layer = shortcut(InputLayer(shape), p=0.2, rescale=False)
        assert isinstance(layer, DropoutLayer)
        assert layer.shared_axes == axes
        assert (layer.p, layer.rescale) == (0.2, False)
        # A shape works as well as a layer; positional arguments pass on.
        assert shortcut(shape, 0.3).shared_axes == axes
        assert shortcut(shape, 0.3).p == 0.3

    def test_locations(self):
        layer = dropout_locations(InputLayer((None, 3, 8, 8)), p=0.1)
        assert isinstance(layer, DropoutLayer)
        assert layer.shared_axes == (1,)
        assert layer.p == 0.1
        assert dropout_locations((None, 3, 8), 0.4).p == 0.4


class TestGaussianNoiseLayer(object):
    def test_attributes(self):
        assert GaussianNoiseLayer((None, 3)).sigma == 0.1
        layer = GaussianNoiseLayer((None, 3), sigma=0.5)
        assert layer.sigma == 0.5
        assert layer.output_shape == (None, 3)

    def test_noise(self, seeded):
        x = np.linspace(-1, 1, 100 * 50).reshape(100, 50)
        f = run(GaussianNoiseLayer(InputLayer((None, 50)), sigma=0.5), x)
        noise = f() - x
        assert abs(noise.mean()) < 0.05
        assert abs(noise.std() - 0.5) < 0.05
        assert np.any(f() - x != noise)

    def test_symbolic_sigma(self, seeded):
        sigma = theano.shared(floatX(2.))
        x = np.zeros((100, 50))
        f = run(GaussianNoiseLayer(InputLayer((None, None)), sigma=sigma), x)
        assert abs(f().std() - 2) < 0.1
        sigma.set_value(floatX(0.))
        np.testing.assert_array_equal(f(), x)

    @pytest.mark.parametrize('sigma', [-0.1, float('nan')])
    def test_bad_sigma(self, sigma):
        with pytest.raises(ValueError, match='GaussianNoiseLayer: sigma must '
                           'be a finite real number >= 0, got %s$' % sigma):
            GaussianNoiseLayer((None, 3), sigma=sigma)

    @pytest.mark.parametrize('sigma', [
        '0.1', None, (0.1,), types.SimpleNamespace(dtype='no such dtype')])
    def test_sigma_not_a_number(self, sigma):
        with pytest.raises(TypeError, match=r"^GaussianNoiseLayer 'g': sigma "
                           r"must be a real number >= 0 or a Theano "
                           r"expression, got %s$" % re.escape(repr(sigma))):
            GaussianNoiseLayer((None, 3), sigma=sigma, name='g')


@pytest.mark.parametrize('cls', [DropoutLayer, GaussianNoiseLayer])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_noise_graph_dtype(cls, dtype):
    """The noise keeps the input's float type, whatever floatX is: no
    upcast of float32 under float64, no downcast of float64 under
    float32."""
    x = T.TensorType(dtype, (False,) * 3)()
    out = get_output(cls(InputLayer((None, 3, 4), input_var=x)))
    assert (out.ndim, out.dtype) == (3, dtype)


@pytest.mark.parametrize('dtype, p', [
    ('float32', np.float32(0.5)), ('float16', np.float16(0.5)),
    ('float32', 0.3), ('float32', np.float64(0.3)),
    ('float32', theano.shared(np.float64(0.3))), ('float64', np.float32(0.3)),
    ('float16', 0.5)])
@pytest.mark.parametrize('rescale', [True, False])
def test_dropout_keeps_the_input_dtype(seeded, dtype, p, rescale):
    """As in Lasagne 0.2, whatever floatX and the type of p: e.g. float32
    input with p=np.float32(0.5) stays float32 under floatX=float64."""
    x = T.TensorType(dtype, (False,) * 2)()
    out = DropoutLayer((None, 200), p=p, rescale=rescale).get_output_for(x)
    assert out.dtype == dtype
    value = theano.function([x], out, mode=MODE)(np.ones((50, 200), dtype))
    retain = 1 - float(p.get_value() if hasattr(p, 'get_value') else p)
    np.testing.assert_allclose(np.unique(value),
                               [0, 1 / retain if rescale else 1], rtol=1e-3)
    assert abs((value != 0).mean() - retain) < 0.02


@pytest.mark.parametrize('cls', [DropoutLayer, GaussianNoiseLayer])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_noise_on_numpy_arrays(seeded, cls, dtype):
    """get_output_for takes a numpy array, as in Lasagne 0.2 (the dtype of
    a numpy array is no string, which Theano's random streams need)."""
    value = np.ones((3, 3, 28, 28), dtype)
    layer = cls((3, 3, 28, 28))
    for given in (value, T.constant(value)):
        out = layer.get_output_for(given)
        assert out.dtype == dtype
        result = theano.function([], out, mode=MODE)()
        assert result.shape == value.shape
        if cls is DropoutLayer:
            assert set(np.unique(result)) == {0, 2}
        else:
            assert abs(result.std() - 0.1) < 0.01


def test_gaussian_noise_on_integers(seeded):
    """Integer inputs get noise of floatX, not rounded noise."""
    l_in = InputLayer((None, 50), input_var=T.imatrix())
    out = get_output(GaussianNoiseLayer(l_in, sigma=0.5))
    assert out.dtype == theano.scalar.upcast('int32', theano.config.floatX)
    noise = theano.function([l_in.input_var], out, mode=MODE)(
        np.zeros((100, 50), dtype='int32'))
    assert abs(noise.std() - 0.5) < 0.05


def test_compiled(seeded):
    """The noise layers in the default compile mode, which runs Theano's C
    implementations (the other tests use the Python ones)."""
    l_in = InputLayer((None, 3, 40, 50))
    l_drop = dropout_channels(l_in, p=0.5)
    l_noise = GaussianNoiseLayer(l_in, sigma=0.5)
    f = theano.function([l_in.input_var], get_output([l_drop, l_noise]))
    x = floatX(np.ones((4, 3, 40, 50)))
    dropped, noisy = f(x)
    kept = dropped[:, :, :1, :1]
    assert set(np.unique(kept)) == {0, 2}
    np.testing.assert_array_equal(dropped, np.broadcast_to(kept, x.shape))
    assert abs((noisy - x).mean()) < 0.05
    assert abs((noisy - x).std() - 0.5) < 0.05


@pytest.mark.parametrize('sigma', [np.inf, np.float32('inf'), np.nan])
def test_gaussian_noise_sigma_must_be_finite(sigma):
    # upstream gave infinite or NaN outputs for these
    with pytest.raises(ValueError, match=r"^GaussianNoiseLayer 'bad': sigma "
                       r"must be a finite real number >= 0, got %s$"
                       % sigma):
        GaussianNoiseLayer((2, 3), sigma=sigma, name='bad')
