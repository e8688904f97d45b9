"""Helpers shared by the tests of the convolution, pooling and GPU layers:
random values, and the computation of many layers' outputs with one compiled
function (compiling is what costs time on a cold Theano cache)."""
import numpy as np
import theano

from lasagne.layers import InputLayer, get_output
from lasagne.utils import floatX

from .numpy_reference import correlate, flip

TOL = dict(rtol=1e-5, atol=1e-5)


def random(*shape):
    """Reproducible uniform values in [-1, 1) of the given shape."""
    return floatX(np.random.RandomState(sum(shape)).uniform(-1, 1, shape))


def random_init(shape):
    """An initializer (as accepted by create_param) of random values."""
    return random(*shape)


# the arguments of layers with parameters in the output tests: random
# weights and biases, no nonlinearity
RANDOM_LINEAR = dict(W=random_init, b=random_init, nonlinearity=None)


def compute(layers, input_layer, value):
    """The outputs of `layers` (a dict of names to layers) for the input
    value of `input_layer`, computed by one compiled function."""
    names = sorted(layers)
    fn = theano.function([input_layer.input_var],
                         get_output([layers[name] for name in names]))
    return dict(zip(names, fn(value)))


def compute_cases(input_shape, make_layers, x=None):
    """Build the layers ``make_layers(l_in)`` (a dict of names to layers) on
    an input layer of `input_shape` and compute their outputs for the input
    `x` (random by default). Returns a dict of names to tuples ``(layer, x,
    output)``."""
    l_in = InputLayer(input_shape)
    layers = make_layers(l_in)
    x = random(*input_shape) if x is None else x
    return dict((name, (layers[name], x, out))
                for name, out in compute(layers, l_in, x).items())


def check_output(result, reference):
    """Check a result ``(layer, x, output)`` of :func:`compute_cases`
    against ``reference(layer, x)``: the same shape, which is also the
    layer's output shape, and the same values."""
    layer, x, out = result
    expected = reference(layer, x)
    assert out.shape == layer.output_shape == expected.shape
    np.testing.assert_allclose(out, expected, **TOL)


def pads(pad, filter_size):
    """The (before, after) padding pairs for a layer's pad argument."""
    n = len(filter_size)
    if pad == 'valid':
        pad = 0
    if pad == 'full':
        return [(k - 1, k - 1) for k in filter_size]
    if pad == 'same':
        return [(k // 2, k // 2) for k in filter_size]
    if isinstance(pad, int):
        pad = (pad,) * n
    return [(p, p) for p in pad]


def conv_reference(layer, x):
    """What a convolutional layer with the attributes of BaseConvLayer
    (and filters of shape (num_filters, channels // groups, ...)) should
    compute for the input `x`."""
    n = layer.n
    W = layer.W.get_value()
    if layer.flip_filters:
        W = flip(W, n)
    out = correlate(x, W, layer.stride, pads(layer.pad, layer.filter_size),
                    groups=layer.num_groups)
    if layer.b is not None:
        b = layer.b.get_value()
        out += b if layer.untie_biases else b.reshape((-1,) + (1,) * n)
    return layer.nonlinearity(out)
