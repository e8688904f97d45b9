import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne import nonlinearities

FLOATX = theano.config.floatX
RTOL = 1e-6 if FLOATX == 'float64' else 1e-5

SELU_SCALE = 1.0507009873554804934193349852946
SELU_SCALE_NEG = 1.6732632423543772848170429916717


# NumPy references, written out elementwise.
def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_tanh(x):
    return np.tanh(x)


def np_scaled_tanh(scale_in, scale_out):
    return lambda x: np.tanh(scale_in * x) * scale_out


def np_rectify(x):
    return np.where(x > 0, x, 0)


def np_leaky(leakiness):
    return lambda x: np.where(x > 0, x, leakiness * x)


def np_elu(x):
    return np.where(x > 0, x, np.exp(x) - 1)


def np_selu(scale, scale_neg):
    return lambda x: scale * np.where(x > 0, x, scale_neg * (np.exp(x) - 1))


def np_softplus(x):
    return np.log(1 + np.exp(x))


def np_linear(x):
    return x


ELEMENTWISE = {
    'sigmoid': (nonlinearities.sigmoid, np_sigmoid),
    'tanh': (nonlinearities.tanh, np_tanh),
    'ScaledTanH()': (nonlinearities.ScaledTanH(), np_scaled_tanh(1, 1)),
    'ScaledTanH(lecun)': (nonlinearities.ScaledTanH(2. / 3, 1.7159),
                          np_scaled_tanh(2. / 3, 1.7159)),
    'ScaledTanh(0.5, 3)': (nonlinearities.ScaledTanh(scale_in=0.5,
                                                     scale_out=3.0),
                           np_scaled_tanh(0.5, 3.0)),
    'rectify': (nonlinearities.rectify, np_rectify),
    'leaky_rectify': (nonlinearities.leaky_rectify, np_leaky(0.01)),
    'very_leaky_rectify': (nonlinearities.very_leaky_rectify,
                           np_leaky(1. / 3)),
    'LeakyRectify()': (nonlinearities.LeakyRectify(), np_leaky(0.01)),
    'LeakyRectify(0.2)': (nonlinearities.LeakyRectify(0.2), np_leaky(0.2)),
    'elu': (nonlinearities.elu, np_elu),
    'selu': (nonlinearities.selu, np_selu(SELU_SCALE, SELU_SCALE_NEG)),
    'SELU()': (nonlinearities.SELU(), np_selu(1, 1)),
    'SELU(2, 0.5)': (nonlinearities.SELU(scale=2.0, scale_neg=0.5),
                     np_selu(2.0, 0.5)),
    'softplus': (nonlinearities.softplus, np_softplus),
    'linear': (nonlinearities.linear, np_linear),
    'identity': (nonlinearities.identity, np_linear),
}

X_VALUES = np.array([[-20., -3., -1., -0.5, -1e-3, 0.],
                     [1e-3, 0.2, 1., 2.5, 7., 20.]], dtype=FLOATX)
# Rows of softmax inputs: ordinary, all equal, and large enough that exp()
# overflows unless the maximum is subtracted first.
SOFTMAX_VALUES = np.array([[1., 2., 3., -1.],
                           [5., 5., 5., 5.],
                           [1000., 999., 990., -1000.],
                           [-1e4, -1e4 + 1, -1e4 + 3, -1e4]], dtype=FLOATX)


@pytest.fixture(scope='module')
def outputs():
    """All nonlinearities, computed by one compiled function."""
    x = T.matrix('x')
    s = T.matrix('s')
    names = sorted(ELEMENTWISE)
    expressions = [ELEMENTWISE[name][0](x) for name in names]
    expressions.append(nonlinearities.softmax(s))
    fn = theano.function([x, s], expressions)
    values = fn(X_VALUES, SOFTMAX_VALUES)
    return dict(zip(names + ['softmax'], values))


@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_values(outputs, name):
    expected = ELEMENTWISE[name][1](X_VALUES.astype('float64'))
    assert outputs[name].shape == X_VALUES.shape
    assert outputs[name].dtype == FLOATX
    np.testing.assert_allclose(outputs[name], expected, rtol=RTOL,
                               atol=1e-7)


def test_softmax_values_and_finite_for_large_inputs(outputs):
    result = outputs['softmax']
    assert np.all(np.isfinite(result))
    x = SOFTMAX_VALUES.astype('float64')
    # The reference shifts each row by its maximum by hand; exp(1000) is
    # inf in float64.
    e = np.exp(x - x.max(axis=1, keepdims=True))
    expected = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(result, expected, rtol=RTOL, atol=1e-7)
    np.testing.assert_allclose(result.sum(axis=1), 1, rtol=RTOL)
    np.testing.assert_allclose(result[1], 0.25, rtol=RTOL)


def test_linear_and_identity_return_their_input():
    x = T.tensor3()
    assert nonlinearities.linear(x) is x
    assert nonlinearities.identity is nonlinearities.linear


def test_instances_and_parameters():
    assert nonlinearities.ScaledTanh is nonlinearities.ScaledTanH
    scaled = nonlinearities.ScaledTanH()
    assert (scaled.scale_in, scaled.scale_out) == (1, 1)
    scaled = nonlinearities.ScaledTanH(scale_in=0.5, scale_out=2.0)
    assert (scaled.scale_in, scaled.scale_out) == (0.5, 2.0)

    assert isinstance(nonlinearities.leaky_rectify,
                      nonlinearities.LeakyRectify)
    assert nonlinearities.leaky_rectify.leakiness == 0.01
    assert isinstance(nonlinearities.very_leaky_rectify,
                      nonlinearities.LeakyRectify)
    assert nonlinearities.very_leaky_rectify.leakiness == pytest.approx(1. / 3)
    assert nonlinearities.LeakyRectify().leakiness == 0.01

    assert isinstance(nonlinearities.selu, nonlinearities.SELU)
    assert nonlinearities.selu.scale == pytest.approx(SELU_SCALE, rel=1e-15)
    assert nonlinearities.selu.scale_neg == pytest.approx(SELU_SCALE_NEG,
                                                          rel=1e-15)
    selu = nonlinearities.SELU()
    assert (selu.scale, selu.scale_neg) == (1, 1)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('name', sorted(ELEMENTWISE))
def test_elementwise_keeps_shape_and_type(name, dtype):
    # whatever floatX, to which Theano converts Python floats otherwise
    x = T.TensorType(dtype, (False,) * 4)()
    y = ELEMENTWISE[name][0](x)
    assert y.ndim == 4
    assert y.dtype == x.dtype


@pytest.mark.parametrize('function', [
    nonlinearities.ScaledTanH(np.float64(2. / 3), np.float64(1.7159)),
    nonlinearities.LeakyRectify(np.float64(0.01)),
    nonlinearities.SELU(np.float64(SELU_SCALE), np.float64(SELU_SCALE_NEG))])
def test_numpy_scalar_parameters_keep_the_type(function):
    assert function(T.fmatrix()).dtype == 'float32'


def test_symbolic_parameters_as_given():
    leakiness = T.dscalar()
    assert nonlinearities.LeakyRectify(leakiness)(T.fmatrix()).dtype == \
        'float64'
    np.testing.assert_allclose(
        nonlinearities.LeakyRectify(0.5)(np.array([-2., 4.])).eval(),
        [-1., 4.])
