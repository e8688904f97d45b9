"""Helpers shared by the tests of the convolution, pooling and GPU layers:
random values, the computation of many layers' outputs with one compiled
function (compiling is what costs time on a cold Theano cache), gradient
checks, and code run in a separate interpreter."""
import os
import subprocess
import sys

import numpy as np
import theano

import lasagne
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


def check_conv_grad(cls, input_shape, **kwargs):
    """Check with ``theano.gradient.verify_grad`` the gradient of the output
    of ``cls(input_shape, num_filters=2, nonlinearity=None, **kwargs)``, a
    convolutional layer, with respect to its input, filters and biases
    (verify_grad reduces the output to a scalar with random weights)."""
    layer = cls(input_shape, num_filters=2, nonlinearity=None, **kwargs)
    W, b = layer.W.get_value(), random(*layer.b.get_value().shape)

    def output(x, W, b):
        return cls(input_shape, num_filters=2, nonlinearity=None, W=W, b=b,
                   **kwargs).get_output_for(x)

    theano.gradient.verify_grad(output, [random(*input_shape), W, b],
                                rng=np.random.RandomState(1), abs_tol=1e-3,
                                rel_tol=1e-3)


def run_isolated(script):
    """Run the Python code `script` in a new interpreter that imports this
    copy of Lasagne, and return its ``subprocess.CompletedProcess`` (with
    text output). For code that might crash the interpreter (e.g. compiled
    code dividing by zero): a crash then fails one test instead of ending
    the test session."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(lasagne.__file__)))
    return subprocess.run([sys.executable, '-c', script], cwd=root,
                          capture_output=True, text=True, timeout=600)


def print_small_input_errors(cls, **kwargs):
    """For :func:`run_isolated`: compile ``cls(input, name='spp',
    **kwargs)``, a spatial pyramid pooling layer with the bins of He et al.
    and the default pool_dims ``[4, 2, 1]``, on inputs of unknown spatial
    size, in FAST_RUN and FAST_COMPILE; run it on inputs with fewer than 4
    positions along a spatial axis, and print the first line of each
    AssertionError; in FAST_RUN, also print the output shape for an input
    that is large enough (Theano's Python pooling, used in FAST_COMPILE,
    fails on such inputs with numpy >= 1.23)."""
    cases = [((None, 3, None, None), (1, 3, 3, 8)),
             ((None, 3, 9, None), (1, 3, 9, 2))]
    for mode in ['FAST_RUN', 'FAST_COMPILE']:
        for shape, small in cases:
            l_in = InputLayer(shape)
            fn = theano.function([l_in.input_var], get_output(
                cls(l_in, name='spp', **kwargs)), mode=mode)
            try:
                fn(np.ones(small, theano.config.floatX))
            except AssertionError as error:
                print(str(error).splitlines()[0])
            if mode == 'FAST_RUN':
                print(fn(np.ones((1, 3, 9, 4), theano.config.floatX)).shape)


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
