import pickle
import re

import numpy as np
import pytest

from lasagne import init, nonlinearities
from lasagne.layers import (InputLayer, DenseLayer, NINLayer,
                            get_output_shape)
from lasagne.utils import floatX

from .layer_checks import check_array_input, evaluate, verify_layer_grad


def relu(x):
    return np.maximum(x, 0)


def uniform(rng, *shape):
    return floatX(rng.uniform(-1, 1, shape))


@pytest.mark.parametrize('cls', [DenseLayer, NINLayer])
@pytest.mark.parametrize('nonlinearity', ['rectify', 3, np.tanh(1.)])
def test_nonlinearity_not_callable(cls, nonlinearity):
    with pytest.raises(TypeError, match="^%s 'l': nonlinearity must be "
                       r"callable \(e.g. from lasagne.nonlinearities\) or "
                       "None, got %s$" % (cls.__name__,
                                          re.escape(repr(nonlinearity)))):
        cls((None, 3, 4), 5, nonlinearity=nonlinearity, name='l')


@pytest.mark.parametrize('name, prefix', [(None, 'DenseLayer: parameter W'),
                                          ('d', "DenseLayer 'd': parameter "
                                           "d.W")])
@pytest.mark.parametrize('W, error, message', [
    (np.zeros((3, 3)), ValueError, r' has shape \(3, 3\), expected '
     r'\(10, 5\)$'),
    (None, TypeError, ': cannot create it from a NoneType'),
])
def test_parameter_errors_name_the_layer(name, prefix, W, error, message):
    with pytest.raises(error, match='^' + re.escape(prefix) + message):
        DenseLayer((None, 10), 5, W=W, name=name)


class TestDenseLayer(object):
    @pytest.mark.parametrize('input_shape, leading, output_shape, W_shape', [
        ((None, 10), 1, (None, 5), (10, 5)),
        ((None, 3, 4), 1, (None, 5), (12, 5)),
        ((None, 3, 4), 2, (None, 3, 5), (4, 5)),
        ((None, 3, 4), -1, (None, 3, 5), (4, 5)),
        ((None, 3, 4), -2, (None, 5), (12, 5)),
        ((2, 3, 4), 0, (5,), (24, 5)),
        ((None, None, 4), -1, (None, None, 5), (4, 5)),
    ])
    def test_shapes(self, input_shape, leading, output_shape, W_shape):
        layer = DenseLayer(input_shape, 5, num_leading_axes=leading)
        assert layer.output_shape == output_shape
        assert layer.W.get_value().shape == W_shape
        assert layer.b.get_value().shape == (5,)
        assert layer.num_units == 5
        # Kept as given, as upstream Lasagne pickles it.
        assert layer.num_leading_axes == leading

    def test_negative_leading_axes_for_other_input_dimensions(self):
        l_in = InputLayer((None, 3, 4))
        layer = DenseLayer(l_in, 5, num_leading_axes=-1)
        assert get_output_shape(layer, (6, 7, 3, 4)) == (6, 7, 3, 5)

    def test_params(self):
        layer = DenseLayer((None, 10), 5, name='hidden')
        assert [p.name for p in layer.get_params()] == ['hidden.W',
                                                        'hidden.b']
        assert layer.params[layer.W] == {'trainable', 'regularizable'}
        assert layer.params[layer.b] == {'trainable'}
        np.testing.assert_array_equal(layer.b.get_value(), np.zeros(5))
        assert layer.nonlinearity is nonlinearities.rectify

    def test_no_biases_and_identity(self):
        layer = DenseLayer((None, 10), 5, b=None, nonlinearity=None)
        assert layer.b is None
        assert layer.get_params() == [layer.W]
        assert layer.nonlinearity is nonlinearities.identity

    @pytest.mark.parametrize('num_units', [0, -2, 2.5, '3', None, True])
    def test_bad_num_units(self, num_units):
        with pytest.raises(ValueError, match="DenseLayer 'd': num_units must "
                           "be a positive int, got %s"
                           % re.escape(repr(num_units))):
            DenseLayer((None, 10), num_units, name='d')

    @pytest.mark.parametrize('leading', [2, 3, -3, 1.0, None, True])
    def test_bad_num_leading_axes(self, leading):
        with pytest.raises(ValueError, match=r'DenseLayer: num_leading_axes '
                           r'must be an int in \[-2, 2\) for inputs of 2 '
                           r'dimensions, got %s' % re.escape(repr(leading))):
            DenseLayer((None, 10), 5, num_leading_axes=leading)

    @pytest.mark.parametrize('leading', [1, 2])
    def test_input_without_batch_axis(self, leading):
        # the input is to blame, not the (default) num_leading_axes
        with pytest.raises(ValueError, match=r"^DenseLayer 'd': expected an "
                           r"input of at least 2 dimensions \(batch and "
                           r"features\) for num_leading_axes=%d, got input "
                           r"shape \(3,\)$" % leading):
            DenseLayer(InputLayer((3,)), 4, num_leading_axes=leading,
                       name='d')

    def test_vector_input_without_leading_axes(self):
        # upstream computed this: a vector times the weight matrix
        l_in = InputLayer((3,))
        W = floatX(np.arange(12).reshape(3, 4))
        layer = DenseLayer(l_in, 4, W=W, b=None, nonlinearity=None,
                           num_leading_axes=0)
        assert layer.output_shape == (4,)
        x = floatX([1, 2, 3])
        assert np.allclose(evaluate(layer, {l_in: x}), x.dot(W))

    def test_unknown_trailing_size(self):
        with pytest.raises(ValueError, match=r'DenseLayer: the trailing axes '
                           r'of the input \(after the first 1 of \(None, 4, '
                           r'None\)\) must have known sizes'):
            DenseLayer((None, 4, None), 5)

    def test_values(self):
        rng = np.random.RandomState(0)
        x = uniform(rng, 2, 3, 4)
        l_in = InputLayer((None, 3, 4))
        W, b, W2 = uniform(rng, 12, 5), uniform(rng, 5), uniform(rng, 4, 5)
        layers = [DenseLayer(l_in, 5, W=W, b=b),
                  DenseLayer(l_in, 5, W=W2, b=b, num_leading_axes=2,
                             nonlinearity=nonlinearities.tanh),
                  DenseLayer(l_in, 5, W=W2, b=None, num_leading_axes=-1,
                             nonlinearity=None)]
        out = evaluate(layers, {l_in: x})
        np.testing.assert_allclose(out[0], relu(x.reshape(2, 12).dot(W) + b),
                                   rtol=1e-5)
        np.testing.assert_allclose(out[1], np.tanh(x.dot(W2) + b), rtol=1e-5)
        np.testing.assert_allclose(out[2], x.dot(W2), rtol=1e-5)

    def test_negative_leading_axes_after_pickle(self):
        """A layer with num_leading_axes=-1 keeps working on inputs of more
        dimensions after a round trip through pickle."""
        rng = np.random.RandomState(1)
        W = uniform(rng, 4, 2)
        l_in = InputLayer((None, 3, 4))
        layer = DenseLayer(l_in, 2, W=W, num_leading_axes=-1,
                           nonlinearity=None)
        l_in, layer = pickle.loads(pickle.dumps((l_in, layer)))
        x = uniform(rng, 2, 2, 3, 4)
        np.testing.assert_allclose(evaluate(layer, {l_in: x}), x.dot(W),
                                   rtol=1e-5)

    def test_gradients(self):
        rng = np.random.RandomState(2)
        l_in = InputLayer((None, 3, 2))
        layer = DenseLayer(l_in, 2, W=uniform(rng, 6, 2), b=uniform(rng, 2),
                           nonlinearity=nonlinearities.tanh)
        verify_layer_grad(layer, {l_in: uniform(rng, 2, 3, 2)}, wrt=[l_in])


class TestNINLayer(object):
    @pytest.mark.parametrize('input_shape, output_shape', [
        ((None, 3), (None, 5)),
        ((None, 3, 7), (None, 5, 7)),
        ((None, 3, 8, None), (None, 5, 8, None)),
    ])
    def test_shapes(self, input_shape, output_shape):
        layer = NINLayer(input_shape, 5)
        assert layer.output_shape == output_shape
        assert layer.W.get_value().shape == (3, 5)
        assert layer.b.get_value().shape == (5,)
        assert layer.untie_biases is False
        assert layer.num_units == 5
        assert layer.nonlinearity is nonlinearities.rectify

    def test_untied_biases(self):
        layer = NINLayer((None, 3, 4, 6), 5, untie_biases=True, name='nin')
        assert layer.b.get_value().shape == (5, 4, 6)
        assert [p.name for p in layer.get_params()] == ['nin.W', 'nin.b']
        assert layer.params[layer.b] == {'trainable'}

    def test_no_biases(self):
        layer = NINLayer((None, 3, None), 5, untie_biases=True, b=None,
                         nonlinearity=None)
        assert layer.get_params() == [layer.W]
        assert layer.nonlinearity is nonlinearities.identity

    @pytest.mark.parametrize('shape', [(None,), (None, None, 4)])
    def test_needs_channels(self, shape):
        with pytest.raises(ValueError, match=r'NINLayer: the input needs a '
                           r'second \(channel\) axis of known size'):
            NINLayer(shape, 5)

    def test_untied_biases_need_sizes(self):
        with pytest.raises(ValueError, match='NINLayer: untie_biases=True '
                           'needs the sizes of all axes after the second'):
            NINLayer((None, 3, None), 5, untie_biases=True)

    def test_bad_num_units(self):
        with pytest.raises(ValueError, match='NINLayer: num_units must be a '
                           'positive int, got 0'):
            NINLayer((None, 3), 0)

    def test_values(self):
        rng = np.random.RandomState(3)
        x = uniform(rng, 2, 3, 4, 2)
        l_in = InputLayer((None, 3, 4, 2))
        W, b, b_untied = (uniform(rng, 3, 5), uniform(rng, 5),
                          uniform(rng, 5, 4, 2))
        layers = [NINLayer(l_in, 5, W=W, b=b),
                  NINLayer(l_in, 5, W=W, b=b_untied, untie_biases=True,
                           nonlinearity=nonlinearities.tanh),
                  NINLayer(l_in, 5, W=W, b=None, nonlinearity=None)]
        out = evaluate(layers, {l_in: x})
        # out[n, u, i, j] = sum_c x[n, c, i, j] W[c, u]
        mixed = np.einsum('ncij,cu->nuij', x, W)
        np.testing.assert_allclose(out[0], relu(mixed + b[:, None, None]),
                                   rtol=1e-5)
        np.testing.assert_allclose(out[1], np.tanh(mixed + b_untied),
                                   rtol=1e-5)
        np.testing.assert_allclose(out[2], mixed, rtol=1e-5)

    @pytest.mark.parametrize('untie_biases', [False, True])
    def test_gradients(self, untie_biases):
        rng = np.random.RandomState(4)
        l_in = InputLayer((None, 3, 2))
        layer = NINLayer(l_in, 2, untie_biases=untie_biases,
                         W=init.Uniform(1), b=init.Uniform(1),
                         nonlinearity=nonlinearities.tanh)
        verify_layer_grad(layer, {l_in: uniform(rng, 2, 3, 2)}, wrt=[l_in])


@pytest.mark.parametrize('build, shape', [
    (lambda: DenseLayer((None, 3, 4), 5, num_leading_axes=1), (2, 3, 4)),
    (lambda: DenseLayer((None, 3, 4), 5), (2, 3, 4)),
    (lambda: NINLayer((None, 3, 4, 2), 5, untie_biases=True), (2, 3, 4, 2)),
])
def test_array_input(build, shape):
    check_array_input(build(), uniform(np.random.RandomState(4), *shape))
