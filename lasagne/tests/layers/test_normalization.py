import pickle
import re
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.compile.debugmode import DebugMode
from theano.tensor.nnet import bn

import lasagne
from lasagne.layers import (BatchNormLayer, Conv2DLayer, DenseLayer,
                            ElemwiseSumLayer, InputLayer,
                            LocalResponseNormalization2DLayer,
                            NonlinearityLayer, StandardizationLayer,
                            batch_norm, get_all_layers, get_all_param_values,
                            get_all_params, get_output, instance_norm,
                            layer_norm, recompute_batch_norm_statistics,
                            set_all_param_values)
from lasagne.nonlinearities import identity, tanh

from .layer_checks import check_array_input


# ---------------------------------------------------------------------------
# NumPy references, in float64

def param_shape(shape, axes):
    return tuple(size for axis, size in enumerate(shape) if axis not in axes)


def broadcast(value, shape, axes):
    """A parameter-shaped array broadcast against an input of `shape`."""
    if value is None:
        return None
    kept = [1 if axis in axes else size for axis, size in enumerate(shape)]
    return np.asarray(value, np.float64).reshape(kept)


def np_batch_norm(x, axes, gamma, beta, epsilon, mean=None, inv_std=None):
    """Output and batch statistics of batch normalization, and the
    gradients of ``sum(output * dy)`` as a function of dy, for the batch
    statistics (mean is None) or for given statistics."""
    x = np.asarray(x, np.float64)
    if mean is None:
        m = x.mean(axes, keepdims=True)
        inv = 1 / np.sqrt(x.var(axes, keepdims=True) + epsilon)
    else:
        m, inv = (broadcast(v, x.shape, axes) for v in (mean, inv_std))
    g = 1. if gamma is None else broadcast(gamma, x.shape, axes)
    b = 0. if beta is None else broadcast(beta, x.shape, axes)
    xhat = (x - m) * inv
    out = xhat * g + b
    n = x.size // inv.size

    def grads(dy):
        """The gradients, and the magnitude of the terms they sum (the
        scale of their rounding errors)."""
        dy = np.asarray(dy, np.float64)
        dgamma = (dy * xhat).sum(axes, keepdims=True)
        dbeta = dy.sum(axes, keepdims=True)
        if mean is None:
            dx = g * inv / n * (n * dy - dbeta - xhat * dgamma)
        else:
            dx = dy * g * inv
        shape = param_shape(x.shape, axes)
        scales = (np.abs(dy * g * inv).max(),
                  np.abs(dy * xhat).sum(axes).max(),
                  np.abs(dy).sum(axes).max())
        return (dx, dgamma.reshape(shape), dbeta.reshape(shape)), scales

    shape = param_shape(x.shape, axes)
    return out, m.reshape(shape), inv.reshape(shape), grads


def assert_close(actual, expected, rtol, what='', scale=None):
    """Max. abs. error relative to the largest expected magnitude (or to
    the given scale of the computation)."""
    actual = np.asarray(actual, np.float64)
    assert actual.shape == np.shape(expected), what
    assert np.all(np.isfinite(actual)), what
    if scale is None:
        scale = np.abs(expected).max()
    error = np.abs(actual - expected).max()
    assert error <= rtol * scale + 1e-300, (what, error, scale)


RTOL = {'float16': 4e-3, 'float32': 2e-5, 'float64': 1e-10}


def rtol(*dtypes):
    """The tolerance of the least precise of `dtypes`."""
    return max(RTOL[str(dtype)] for dtype in dtypes)


# ---------------------------------------------------------------------------
# Construction

class TestConstruction:

    @pytest.mark.parametrize('shape, axes, expected', [
        ((None, 5), 'auto', (0,)),
        ((None, 3, 7), 'auto', (0, 2)),
        ((None, 3, 4, 5), 'auto', (0, 2, 3)),
        ((None, 3, 4, 5, 6), 'auto', (0, 2, 3, 4)),
        ((None, 3, 4, 5), 0, (0,)),
        ((2, 3, 4, 5), -1, (3,)),
        ((None, 3, 4, 5), (0, -1), (0, 3)),
        ((None, 3, 4, 5), [3, 0, 2], (0, 2, 3)),
        ((None, 3, 4, 5), np.int64(0), (0,)),
    ])
    def test_axes_and_param_shapes(self, shape, axes, expected):
        layer = BatchNormLayer(shape, axes=axes)
        assert layer.axes == expected
        kept = param_shape(shape, expected)
        for param in (layer.beta, layer.gamma, layer.mean, layer.inv_std):
            assert param.get_value().shape == kept
        assert layer.output_shape == shape

    @pytest.mark.parametrize('shape, axes, error, match', [
        ((None, 3, 4), (), ValueError, r"BatchNormLayer: axes=\(\) selects "
         "no axis"),
        ((None, 3, 4), 3, ValueError, r"each of axes must be an int in "
         r"\[-3, 3\) for inputs of 3 dimensions, got 3$"),
        ((None, 3, 4), (0, -4), ValueError, r"in \[-3, 3\) .* got -4$"),
        ((None, 3, 4), (0, -3), ValueError, "names an axis more than once"),
        ((None, 3, 4), (2, 2), ValueError, "more than once"),
        ((None, 3, 4), 'spatial', ValueError, "axes must be 'auto', an int "
         "or an iterable of ints, got 'spatial'$"),
        ((None, 3, 4), 1.0, TypeError, "axes must be 'auto', an int or an "
         "iterable of ints, got 1.0$"),
        ((None, 3, 4), (0, None), TypeError, "each of axes must be an int "
         r"in \[-3, 3\) .* got None$"),
        ((None, 3, 4), (0, True), TypeError, "each of axes .* got True$"),
        ((None, None, 4), 'auto', ValueError, "each parameter needs known "
         "input sizes along the axes not in axes, got input shape "
         r"\(None, None, 4\) and axes=\(0, 2\)$"),
        ((None, 3), 1, ValueError, "needs known input sizes"),
    ])
    def test_bad_axes(self, shape, axes, error, match):
        with pytest.raises(error, match=match):
            BatchNormLayer(shape, axes=axes)

    def test_error_names_the_layer(self):
        with pytest.raises(ValueError, match="BatchNormLayer 'bn': axes"):
            BatchNormLayer((None, 3), axes=(), name='bn')

    def test_params_order_and_tags(self):
        layer = BatchNormLayer((None, 3, 4, 5), name='bn')
        assert list(layer.params) == [layer.beta, layer.gamma, layer.mean,
                                      layer.inv_std]
        assert [p.name for p in layer.params] == [
            'bn.beta', 'bn.gamma', 'bn.mean', 'bn.inv_std']
        assert layer.params[layer.beta] == {'trainable'}
        assert layer.params[layer.gamma] == {'trainable', 'regularizable'}
        assert layer.params[layer.mean] == {'batch_norm_stat'}
        assert layer.params[layer.inv_std] == {'batch_norm_stat'}
        assert layer.get_params(batch_norm_stat=True) == [layer.mean,
                                                          layer.inv_std]
        assert layer.get_params(trainable=True) == [layer.beta, layer.gamma]
        assert layer.get_params(regularizable=True) == [layer.gamma]
        assert layer.get_params(trainable=False) == [layer.mean,
                                                     layer.inv_std]
        np.testing.assert_array_equal(layer.gamma.get_value(), 1)
        np.testing.assert_array_equal(layer.beta.get_value(), 0)
        np.testing.assert_array_equal(layer.mean.get_value(), 0)
        np.testing.assert_array_equal(layer.inv_std.get_value(), 1)

    @pytest.mark.parametrize('beta, gamma, names', [
        (None, None, ['mean', 'inv_std']),
        (None, 1., ['gamma', 'mean', 'inv_std']),
        (0., None, ['beta', 'mean', 'inv_std']),
    ])
    def test_missing_beta_gamma(self, beta, gamma, names):
        spec = {None: None, 0.: lasagne.init.Constant(0),
                1.: lasagne.init.Constant(1)}
        layer = BatchNormLayer((None, 3), beta=spec[beta],
                               gamma=spec[gamma])
        assert [p.name for p in layer.get_params()] == names
        assert (layer.beta is None) == (beta is None)
        assert (layer.gamma is None) == (gamma is None)

    def test_attributes(self):
        alpha = theano.shared(0.5)
        layer = BatchNormLayer((None, 3), epsilon=1e-6, alpha=alpha)
        assert layer.epsilon == 1e-6 and layer.alpha is alpha

    @pytest.mark.parametrize('epsilon, alpha', [
        (0, 0),
        (1e-4, 1),
        (np.float32(1e-3), np.float64(.5)),
        (np.array(1e-5), np.array(.1, 'float32')),
        (theano.shared(np.float32(1e-3)), T.constant(.3)),
        (T.scalar('eps'), theano.shared(.5)),
    ])
    def test_good_epsilon_and_alpha(self, epsilon, alpha):
        layer = BatchNormLayer((None, 3), epsilon=epsilon, alpha=alpha)
        assert layer.epsilon is epsilon and layer.alpha is alpha

    @pytest.mark.parametrize('argument, value, error, match', [
        ('epsilon', None, TypeError, "a real number >= 0 or a scalar Theano "
         "expression, got None"),
        ('epsilon', True, TypeError, "a real number .* got True"),
        ('epsilon', np.bool_(False), TypeError, "a real number .* got False"),
        ('epsilon', '1e-4', TypeError, "a real number .* got '1e-4'"),
        ('epsilon', 1e-4j, TypeError, "a real number .* got 0.0001j"),
        ('epsilon', np.array([1e-4]), TypeError, "a real number .* got "
         r"array\(\[0.0001\]\)"),
        ('epsilon', T.vector('eps'), TypeError, "a real number >= 0 or a "
         "scalar Theano expression, got eps of ndim 1"),
        ('epsilon', np.nan, ValueError, "a finite real number >= 0, got nan"),
        ('epsilon', np.array(np.inf), ValueError, "a finite real number >= "
         r"0, got array\(inf\)"),
        ('epsilon', -1, ValueError, "a finite real number >= 0, got -1"),
        ('epsilon', -1e-12, ValueError, "a finite real number >= 0, got "
         "-1e-12"),
        ('alpha', None, TypeError, r"a real number in \[0, 1\] or a scalar "
         "Theano expression, got None"),
        ('alpha', False, TypeError, "a real number .* got False"),
        ('alpha', theano.shared(np.ones(2), name='a'), TypeError,
         r"a real number in \[0, 1\] or a scalar Theano expression, got a "
         "of ndim 1"),
        ('alpha', np.nan, ValueError, r"a finite real number in \[0, 1\], "
         "got nan"),
        ('alpha', -np.inf, ValueError, "a finite real number .* got -inf"),
        ('alpha', -0.1, ValueError, "a finite real number .* got -0.1"),
        ('alpha', 1.5, ValueError, "a finite real number .* got 1.5"),
        ('alpha', 2, ValueError, "a finite real number .* got 2"),
    ])
    def test_bad_epsilon_and_alpha(self, argument, value, error, match):
        with pytest.raises(error, match="BatchNormLayer 'bn': %s must be %s"
                           % (argument, match)):
            BatchNormLayer((None, 3), name='bn', **{argument: value})

    def test_stat_dtypes_kept(self):
        layer = BatchNormLayer((None, 3), mean=np.zeros(3, 'float16'),
                               inv_std=np.ones(3, 'float32'))
        assert layer.mean.dtype == 'float16'
        assert layer.inv_std.dtype == 'float32'


# ---------------------------------------------------------------------------
# Values and gradients against the NumPy reference

SHAPE = (6, 3, 2, 5)
INPUTS = [
    lambda rng: rng.randn(*SHAPE) * 2 + 1,
    # |x - mean| far beyond 256: (x - mean) ** 2 overflows in float16
    lambda rng: rng.randn(*SHAPE) * 500 + 2000,
    lambda rng: rng.randn(*SHAPE) * .5 - 3,
]
# (floatX, input dtype, layers as (axes, with beta, with gamma)): every axes
# form and every dtype, with both, either or neither of beta and gamma,
# without compiling the whole cross product.
VALUE_CASES = [
    ('float32', 'float16', [('auto', True, True), ((0, -2), False, False)]),
    ('float32', 'float32', [('auto', False, False), (-1, True, True),
                            ((0, 2), True, False)]),
    ('float32', 'float64', [(0, True, True), ('auto', False, False)]),
    ('float64', 'float16', [((0, -2), True, True), ('auto', False, False)]),
    ('float64', 'float32', [('auto', True, True), (0, False, False),
                            ((0, -1), False, True)]),
    ('float64', 'float64', [('auto', True, True), (-1, False, False)]),
]


def make_layers(rng, specs, dtype_stats):
    """Layers with nontrivial parameters and statistics."""
    layers = []
    for axes, with_beta, with_gamma in specs:
        layer = BatchNormLayer(SHAPE, axes=axes,
                               beta=lasagne.init.Normal(1.) if with_beta
                               else None,
                               gamma=lasagne.init.Uniform((.5, 2.))
                               if with_gamma else None,
                               alpha=0.3)
        shape = layer.mean.get_value().shape
        layer.mean.set_value(rng.randn(*shape).astype(dtype_stats))
        layer.inv_std.set_value(
            rng.uniform(.5, 2, shape).astype(dtype_stats))
        layers.append(layer)
    return layers


def working_dtype(dtype, layer, deterministic=False):
    """The dtype a layer computes in for input of `dtype`: the input's
    (float32 for float16), upcast with gamma's and beta's, and with the
    statistics' for inference."""
    dtype = 'float32' if dtype == 'float16' else dtype
    params = [layer.gamma, layer.beta]
    if deterministic:
        params += [layer.mean, layer.inv_std]
    return theano.scalar.upcast(dtype, *[p.dtype for p in params
                                         if p is not None])


@pytest.mark.parametrize('floatX, dtype, specs', VALUE_CASES)
def test_values_and_gradients(floatX, dtype, specs):
    """Training and inference outputs and their gradients, for three calls
    that each update the running averages."""
    rng = np.random.RandomState(42)
    with theano.change_flags(floatX=floatX):
        layers = make_layers(rng, specs, floatX)
        x = T.TensorType(dtype, (False,) * len(SHAPE))('x')
        dy = rng.randn(*SHAPE).astype(dtype)
        outputs, index = [], []
        for number, layer in enumerate(layers):
            learned = [p for p in (layer.gamma, layer.beta) if p is not None]
            for deterministic in (False, True):
                out = layer.get_output_for(x, deterministic=deterministic)
                grads = theano.grad((out * dy).sum(), [x] + learned)
                index.append((number, deterministic, len(outputs)))
                outputs.extend([out] + grads)
        fn = theano.function([x], outputs)

    for step, make_input in enumerate(INPUTS):
        data = make_input(rng).astype(dtype)
        before = [(lay.mean.get_value(), lay.inv_std.get_value())
                  for lay in layers]
        results = fn(data)
        for number, deterministic, start in index:
            layer = layers[number]
            mean, inv_std = before[number]
            gamma, beta = (None if p is None else p.get_value()
                           for p in (layer.gamma, layer.beta))
            ref = np_batch_norm(data, layer.axes, gamma, beta, 1e-4,
                                *((mean, inv_std) if deterministic else ()))
            out, dx = results[start:start + 2]
            what = (step, layer.axes, beta is not None, gamma is not None,
                    deterministic)
            working = working_dtype(dtype, layer, deterministic)
            assert out.dtype == (dtype if dtype == 'float16' else working)
            # Theano's gradient of a cast is not cast back: float16 input,
            # float32 gradient
            assert dx.dtype == ('float32' if dtype == 'float16'
                                else working), what
            tol = rtol(working, out.dtype)
            assert_close(out, ref[0], tol, what)
            grads, scales = ref[3](dy)
            assert_close(dx, grads[0], tol, what, scales[0])
            # the gradients of gamma and beta, in this order, where present
            learned = [(grad, scale) for grad, scale, param in zip(
                grads[1:], scales[1:], (gamma, beta)) if param is not None]
            for result, (grad, scale) in zip(results[start + 2:], learned):
                assert result.dtype == floatX
                assert_close(result, grad, rtol(working, floatX), what,
                             scale)
        # every function call updated the running averages once
        for layer, (mean, inv_std) in zip(layers, before):
            _, batch_mean, batch_inv_std, _ = np_batch_norm(
                data, layer.axes, None, None, 1e-4)
            for param, old, batch in ((layer.mean, mean, batch_mean),
                                      (layer.inv_std, inv_std,
                                       batch_inv_std)):
                new = param.get_value()
                assert new.dtype == floatX
                assert_close(new, .7 * old + .3 * batch,
                             rtol(floatX, working_dtype(dtype, layer)))


@pytest.mark.parametrize('axes', ['auto', (0, 2)])
@pytest.mark.parametrize('deterministic', [False, True])
def test_verify_grad(axes, deterministic):
    rng = np.random.RandomState(1)
    shape = (5, 3, 4)
    layer = BatchNormLayer(shape, axes=axes)
    kept = param_shape(shape, layer.axes)
    layer.mean.set_value(rng.randn(*kept))
    layer.inv_std.set_value(rng.uniform(.5, 2, kept))

    def output(x, gamma, beta):
        layer.gamma, layer.beta = gamma, beta
        return layer.get_output_for(x, deterministic=deterministic,
                                    batch_norm_update_averages=False)

    theano.gradient.verify_grad(
        output, [rng.randn(*shape) * 2 + 1, rng.uniform(.5, 2, kept),
                 rng.randn(*kept)], rng=rng)


def test_switches():
    """The four combinations of batch_norm_use_averages and
    batch_norm_update_averages, and their defaults."""
    rng = np.random.RandomState(2)
    cases = [  # kwargs, uses averages, updates averages
        ({}, False, True),
        ({'deterministic': True}, True, False),
        ({'batch_norm_use_averages': True}, True, True),
        ({'batch_norm_update_averages': False}, False, False),
        ({'deterministic': True, 'batch_norm_use_averages': False}, False,
         False),
        ({'deterministic': True, 'batch_norm_update_averages': True}, True,
         True),
    ]
    l_in = InputLayer((None, 3))
    layers = [BatchNormLayer(l_in, alpha=.5) for _ in cases]
    for layer in layers:
        layer.mean.set_value(rng.randn(3))
        layer.inv_std.set_value(rng.uniform(.5, 2, 3))
    with warnings.catch_warnings():
        # get_output() knows the switches: no warning about unused ones
        warnings.simplefilter('error')
        outputs = [get_output(layer, **kwargs)
                   for layer, (kwargs, _, _) in zip(layers, cases)]
    fn = theano.function([l_in.input_var], outputs)
    data = rng.randn(7, 3) * 3 + 1
    before = [(lay.mean.get_value(), lay.inv_std.get_value())
              for lay in layers]
    results = fn(data)
    _, batch_mean, batch_inv_std, _ = np_batch_norm(data, (0,), None, None,
                                                    1e-4)
    for layer, out, (mean, inv_std), (kwargs, use, update) in zip(
            layers, results, before, cases):
        stats = (mean, inv_std) if use else ()
        assert_close(out, np_batch_norm(data, (0,), None, None, 1e-4,
                                        *stats)[0], 1e-12, kwargs)
        if update:
            mean = (mean + batch_mean) / 2
            inv_std = (inv_std + batch_inv_std) / 2
        assert_close(layer.mean.get_value(), mean, 1e-12, kwargs)
        assert_close(layer.inv_std.get_value(), inv_std, 1e-12, kwargs)


def test_inference_output_reads_statistics_before_the_update():
    """A function computing a training and an inference output of one
    layer: the inference output uses the statistics as they were when the
    call started, even though the update is in the same call."""
    rng = np.random.RandomState(3)
    layer = BatchNormLayer((None, 3), beta=None, gamma=None)
    x = T.matrix('x')
    train = layer.get_output_for(x)
    # an inference output that Theano can only compute after the update
    later = layer.get_output_for(x + 0 * T.sqrt(T.sqr(train).sum()),
                                 deterministic=True)
    fn = theano.function([x], [later, train])
    for _ in range(2):
        data = rng.randn(5, 3) + 10
        mean, inv_std = layer.mean.get_value(), layer.inv_std.get_value()
        result = fn(data)[0]
        assert_close(result, (data - mean) * inv_std, 1e-12)
        assert not np.allclose(layer.mean.get_value(), mean)


def test_graph_holds_abstract_ops():
    x = T.tensor4('x')
    layer = BatchNormLayer((None, 3, 4, 5))

    def ops(**kwargs):
        """The ops of the output's graph and of its default updates."""
        out = layer.get_output_for(x, **kwargs)
        graph = [out] + [v.default_update for v in theano.gof.graph.inputs(
            [out]) if hasattr(v, 'default_update')]
        nodes = theano.gof.graph.io_toposort(theano.gof.graph.inputs(graph),
                                             graph)
        return set(type(node.op) for node in nodes)

    assert bn.AbstractBatchNormTrain in ops()
    assert bn.AbstractBatchNormInference not in ops()
    assert bn.AbstractBatchNormInference in ops(deterministic=True)
    assert bn.AbstractBatchNormTrain not in ops(deterministic=True)
    both = ops(batch_norm_use_averages=True)
    assert {bn.AbstractBatchNormTrain,
            bn.AbstractBatchNormInference} <= both
    layer.epsilon = 1e-6  # refused by Theano: the layer's own path
    for kwargs in ({}, {'deterministic': True}):
        assert not {bn.AbstractBatchNormTrain,
                    bn.AbstractBatchNormInference} & ops(**kwargs)


# ---------------------------------------------------------------------------
# epsilon, alpha, dtypes

@pytest.mark.parametrize('floatX', ['float32', 'float64'])
def test_epsilon(floatX):
    """Every epsilon gives the formula's result with exactly that epsilon,
    through Theano's ops where Theano takes it, through the layer's own
    expressions otherwise."""
    epsilons = [1e-4, 1e-5, 1e-6, 1e-8, 0.]
    rng = np.random.RandomState(4)
    with theano.change_flags(floatX=floatX):
        x = T.matrix('x', dtype='float64')
        exprs = [T.constant(1e-6), theano.shared(np.float64(1e-6))]
        layers = [BatchNormLayer((None, 3), epsilon=eps, beta=None,
                                 gamma=None) for eps in epsilons + exprs]
        outputs = []
        for layer in layers:
            layer.mean.set_value(np.zeros(3, floatX) + 1)
            outputs.append(layer.get_output_for(x))
            outputs.append(layer.get_output_for(x, deterministic=True))
            graph = theano.gof.graph.io_toposort([x], outputs[-2:])
            delegated = any(isinstance(node.op, bn.AbstractBatchNormTrain)
                            for node in graph)
            eps = layer.epsilon
            accepted = (not isinstance(eps, theano.gof.Variable) and
                        np.asarray(eps, floatX) >= 1e-5)
            assert delegated == accepted
            assert layer.epsilon is eps  # never changed
        fn = theano.function([x], outputs)
    # a variance of about 1e-6 makes every epsilon count
    data = 1 + 1e-3 * rng.randn(50, 3)
    inv_std = np.array([layer.inv_std.get_value() for layer in layers])
    results = fn(data)
    for number, eps in enumerate(epsilons + [1e-6, 1e-6]):
        train, test = results[2 * number:2 * number + 2]
        ref, _, batch_inv_std, _ = np_batch_norm(data, (0,), None, None, eps)
        assert_close(train, ref, 1e-5, eps)
        assert_close(test, (data - 1) * inv_std[number], 1e-5, eps)
        assert_close(layers[number].inv_std.get_value(),
                     .9 * inv_std[number] + .1 * batch_inv_std,
                     RTOL[floatX], eps)
        # and not the result of another epsilon
        other = np_batch_norm(data, (0,), None, None, eps * 10 + 1e-6)[0]
        assert np.abs(train - other).max() > 1e-2


def test_epsilon_expression_can_change():
    eps = theano.shared(1e-2)
    layer = BatchNormLayer((None, 2), epsilon=eps, beta=None, gamma=None)
    x = T.matrix('x')
    fn = theano.function([x], layer.get_output_for(
        x, batch_norm_update_averages=False))
    data = np.array([[0., 1.], [1., 3.]])
    for value in (1e-2, 1e-7):
        eps.set_value(value)
        assert_close(fn(data), np_batch_norm(data, (0,), None, None,
                                             value)[0], 1e-12)


def test_alpha_shared_variable():
    alpha = theano.shared(lasagne.utils.floatX(.5))
    layer = BatchNormLayer((None, 2), alpha=alpha)
    x = T.matrix('x')
    fn = theano.function([x], layer.get_output_for(x))
    data = np.array([[0., 2.], [2., 6.]])
    for value in (.5, .25):
        alpha.set_value(lasagne.utils.floatX(value))
        old = layer.mean.get_value()
        fn(data)
        assert_close(layer.mean.get_value(),
                     (1 - value) * old + value * np.array([1., 4.]), 1e-12)


@pytest.mark.parametrize('floatX, dtype, stats', [
    # upstream's graph failed to compile here: float64 update of float32
    ('float64', 'float64', 'float32'),
    ('float64', 'float32', 'float32'),
    ('float32', 'float32', 'float64'),
    ('float32', 'float32', 'float16'),
])
def test_statistics_dtypes(floatX, dtype, stats):
    rng = np.random.RandomState(5)
    with theano.change_flags(floatX=floatX):
        layer = BatchNormLayer((None, 3), mean=np.zeros(3, stats),
                               inv_std=np.ones(3, stats))
        x = T.matrix('x', dtype=dtype)
        fn = theano.function([x], [
            layer.get_output_for(x),
            layer.get_output_for(x, deterministic=True)])
    data = (rng.randn(8, 3) * 2 + 1).astype(dtype)
    _, batch_mean, batch_inv_std, _ = np_batch_norm(data, (0,), None, None,
                                                    1e-4)
    for step in range(2):
        mean, inv_std = layer.mean.get_value(), layer.inv_std.get_value()
        train, test = fn(data)
        assert_close(train, np_batch_norm(data, (0,), None, None, 1e-4)[0],
                     1e-4)
        assert_close(test, np_batch_norm(data, (0,), None, None, 1e-4,
                                         mean, inv_std)[0], 1e-3)
        for param, old, batch in ((layer.mean, mean, batch_mean),
                                  (layer.inv_std, inv_std, batch_inv_std)):
            assert param.get_value().dtype == stats
            assert_close(param.get_value(), .9 * old + .1 * batch,
                         rtol(stats, dtype, floatX))


@pytest.mark.parametrize('floatX', ['float32', 'float64'])
def test_integer_input_is_normalized_in_floatX(floatX):
    with theano.change_flags(floatX=floatX):
        x = T.imatrix('x')
        for layer in (BatchNormLayer((None, 3), beta=None, gamma=None),
                      StandardizationLayer((None, 3))):
            assert layer.get_output_for(x).dtype == floatX


def test_update_needs_shared_statistics():
    mean = theano.shared(np.zeros(3)) * 1
    layer = BatchNormLayer((None, 3), mean=mean)
    x = T.matrix('x')
    with pytest.raises(ValueError, match="BatchNormLayer: cannot update the "
                       "running average .* not a shared variable"):
        layer.get_output_for(x)
    layer.get_output_for(x, deterministic=True)
    layer.get_output_for(x, batch_norm_update_averages=False)


@pytest.mark.parametrize('make, kwargs', [
    (lambda: BatchNormLayer((None, 3, 4), name='bn'), {}),
    (lambda: BatchNormLayer((None, 3, 4), name='bn'),
     {'deterministic': True}),
    (lambda: StandardizationLayer((None, 3, 4), name='bn'), {}),
    (lambda: LocalResponseNormalization2DLayer((None, 3, 4, 5), name='bn'),
     {}),
])
@pytest.mark.parametrize('ndim', [2, 5])
def test_input_of_another_ndim(make, kwargs, ndim):
    layer = make()
    x = T.TensorType(theano.config.floatX, (False,) * ndim)('x')
    with pytest.raises(ValueError, match=r"%s 'bn': expected an input of %d "
                       r"dimensions, like its input shape %s, got an "
                       r"expression of %d dimensions"
                       % (type(layer).__name__, len(layer.input_shape),
                          re.escape(str(layer.input_shape)), ndim)):
        layer.get_output_for(x, **kwargs)


# ---------------------------------------------------------------------------
# Accuracy in every compile mode

def float32_floor(data, axes, reference, mean=None, inv_std=None, gamma=1,
                  beta=0):
    """The error of a plain two-pass float32 NumPy computation."""
    x = data.astype(np.float32)
    if mean is None:
        mean = x.mean(axes, keepdims=True, dtype=np.float32)
        centered = x - mean
        var = (centered * centered).mean(axes, keepdims=True,
                                         dtype=np.float32)
        out = centered / np.sqrt(var + np.float32(1e-4))
    else:
        out = (x - mean) * (gamma * inv_std) + beta
    return np.abs(out.astype(np.float64) - reference).max()


@pytest.fixture(scope='module')
def float32_pair():
    """A training and an inference layer, in float32."""
    with theano.change_flags(floatX='float32'):
        train = BatchNormLayer((None, 3, 5, 5))
        test = BatchNormLayer((None, 3, 5, 5),
                              gamma=lasagne.init.Uniform((.5, 2)),
                              beta=lasagne.init.Normal(1.))
        x = T.tensor4('x', dtype='float32')
        outputs = [train.get_output_for(x),
                   test.get_output_for(x, deterministic=True)]
    return train, test, x, outputs


@pytest.mark.parametrize('mode', ['FAST_RUN', 'FAST_COMPILE',
                                  'no-optimizer'])
def test_compile_modes_accuracy(float32_pair, mode):
    """Compiled and run with floatX=float32, as the graph was built."""
    train, test, x, outputs = float32_pair
    rng = np.random.RandomState(6)
    axes = (0, 2, 3)
    with theano.change_flags(floatX='float32'):
        if mode == 'no-optimizer':
            mode = theano.Mode(optimizer=None)
        fn = theano.function([x], outputs, mode=mode)
        for data in (rng.randn(8, 3, 5, 5) * 2 + 1,
                     1e3 + 1e-2 * rng.randn(8, 3, 5, 5)):
            data = data.astype(np.float32)
            reference, mean, inv_std, _ = np_batch_norm(data, axes, None,
                                                        None, 1e-4)
            test.mean.set_value(mean.astype(np.float32))
            test.inv_std.set_value(inv_std.astype(np.float32))
            stats = [broadcast(p.get_value(), data.shape, axes).astype(
                np.float32) for p in (test.mean, test.inv_std, test.gamma,
                                      test.beta)]
            test_reference = np_batch_norm(data, axes, *stats[2:], 1e-4,
                                           *stats[:2])[0]
            out_train, out_test = fn(data)
            for out, ref, floor in (
                    (out_train, reference, float32_floor(data, axes,
                                                         reference)),
                    (out_test, test_reference, float32_floor(
                        data, axes, test_reference, *stats))):
                assert out.dtype == np.float32
                assert np.all(np.isfinite(out))
                assert floor > 0
                assert np.abs(out - ref).max() <= 10 * floor


def exact_inference(data, mean, inv_std, gamma, beta):
    """Upstream's inference formula on the stored statistics, in extended
    precision: the exact output for float32 and float64 values (where the
    platform's long double is wider than float64)."""
    data, mean, inv_std, gamma, beta = (np.asarray(v, np.longdouble) for v
                                        in (data, mean, inv_std, gamma, beta))
    return (data - mean) * (gamma * inv_std) + beta


@pytest.mark.parametrize('floatX', ['float32', 'float64'])
@pytest.mark.parametrize('low, high, least, most', [
    # inv_std <= 1 / sqrt(epsilon), as for every average the layer computes
    # itself: about one machine epsilon
    (0., 1., 0, 2),
    (.9, 1., 0, 2),
    # statistics set by hand beyond that: 1 / inv_std**2 - epsilon and
    # Theano's + epsilon cancel, the error grows with inv_std**2 * epsilon
    (9., 10., 4, 30),
    (90., 100., 400, 3000),
])
def test_inference_accuracy(floatX, low, high, least, most):
    """The error of the inference output, relative to its largest magnitude
    and in machine epsilons of floatX, for inv_std between `low` and `high`
    times 1 / sqrt(epsilon): the figures the docs give."""
    rng = np.random.RandomState(13)
    epsilon = 1e-4
    with theano.change_flags(floatX=floatX):
        layer = BatchNormLayer((None, 64), epsilon=epsilon,
                               gamma=lasagne.init.Uniform((.5, 2.)),
                               beta=lasagne.init.Normal(1.))
        x = T.matrix('x')
        fn = theano.function([x], layer.get_output_for(x, deterministic=True),
                             mode='FAST_RUN')
    gamma, beta = layer.gamma.get_value(), layer.beta.get_value()
    worst = 0
    for _ in range(10):
        inv_std = (rng.uniform(low, high, 64) / np.sqrt(epsilon)).astype(
            floatX)
        mean = (3 * rng.randn(64)).astype(floatX)
        layer.inv_std.set_value(inv_std)
        layer.mean.set_value(mean)
        data = (mean + 2 * rng.randn(32, 64) / inv_std).astype(floatX)
        exact = exact_inference(data, mean, inv_std, gamma, beta)
        worst = max(worst, np.abs(fn(data) - exact).max() /
                    np.abs(exact).max())
    assert least <= worst / np.finfo(floatX).eps <= most


def test_debug_mode_float32_forward():
    rng = np.random.RandomState(7)
    with theano.change_flags(floatX='float32'):
        train, test = (BatchNormLayer((None, 2, 3)) for _ in range(2))
        test.mean.set_value(rng.randn(2).astype('float32'))
        x = T.tensor3('x', dtype='float32')
        fn = theano.function([x], [train.get_output_for(x),
                                   test.get_output_for(x, deterministic=True)],
                             mode=DebugMode())
    fn(rng.randn(4, 2, 3).astype('float32'))


def test_debug_mode_float64_forward_and_gradients():
    rng = np.random.RandomState(8)
    with theano.change_flags(floatX='float64'):
        train, test = (BatchNormLayer((None, 2, 3)) for _ in range(2))
        test.mean.set_value(rng.randn(2))
        x = T.tensor3('x')
        dy = rng.randn(4, 2, 3)
        outputs = []
        for out, layer in ((train.get_output_for(x), train),
                           (test.get_output_for(x, deterministic=True), test)):
            outputs += [out] + theano.grad((out * dy).sum(),
                                           [x, layer.gamma, layer.beta])
        fn = theano.function([x], outputs, mode=DebugMode())
    fn(rng.randn(4, 2, 3))


# ---------------------------------------------------------------------------
# batch_norm()

class TestBatchNormFunction:

    def test_named_dense(self):
        dense = DenseLayer((None, 10), 5, nonlinearity=tanh, name='fc')
        out = batch_norm(dense, epsilon=1e-3, alpha=.2)
        assert isinstance(out, NonlinearityLayer)
        assert out.nonlinearity is tanh and out.name == 'fc_bn_nonlin'
        bn_layer = out.input_layer
        assert isinstance(bn_layer, BatchNormLayer)
        assert bn_layer.name == 'fc_bn' and bn_layer.input_layer is dense
        assert bn_layer.epsilon == 1e-3 and bn_layer.alpha == .2
        assert dense.b is None and dense.nonlinearity is identity
        assert [p.name for p in get_all_params(out)] == [
            'fc.W', 'fc_bn.beta', 'fc_bn.gamma', 'fc_bn.mean',
            'fc_bn.inv_std']

    def test_unnamed_and_explicit_name(self):
        out = batch_norm(DenseLayer((None, 10), 5))
        assert out.name is None and out.input_layer.name is None
        out = batch_norm(DenseLayer((None, 10), 5, name='fc'), name='norm')
        assert out.name == 'norm_nonlin' and out.input_layer.name == 'norm'

    def test_layer_without_bias_or_nonlinearity(self):
        l_in = InputLayer((None, 3, 4))
        out = batch_norm(l_in, axes=(0, 1))
        assert isinstance(out, BatchNormLayer) and out.input_layer is l_in
        assert out.axes == (0, 1)
        dense = DenseLayer((None, 4), 3, b=None, nonlinearity=None)
        out = batch_norm(dense)
        # the identity nonlinearity moves like any other
        assert isinstance(out, NonlinearityLayer)
        assert out.nonlinearity is identity

    @pytest.mark.parametrize('normalize, layer, kwargs, match', [
        (batch_norm, 'dense', {'axes': (5,)}, 'BatchNormLayer'),
        (batch_norm, 'dense', {'alpah': 0.1}, 'alpah'),
        (layer_norm, 'dense', {'axes': 1}, 'axes'),
        (instance_norm, 'nin', {'axes': 'auto'}, 'axes'),
        # the standardization layer is built, the scale layer behind it
        # fails on the unknown number of units
        (layer_norm, 'unknown_units', {}, 'ScaleLayer'),
    ])
    def test_failing_call_leaves_the_layer_unchanged(self, normalize, layer,
                                                     kwargs, match):
        layer = {
            'dense': lambda: DenseLayer((None, 10), 5, nonlinearity=tanh),
            'nin': lambda: lasagne.layers.NINLayer((None, 3, 4, 5), 6,
                                                   nonlinearity=tanh),
            'unknown_units': lambda: _BiasedLayer((None, None)),
        }[layer]()
        bias = layer.b
        params = dict(layer.params)
        with pytest.raises((ValueError, TypeError), match=match):
            normalize(layer, **kwargs)
        assert layer.b is bias and layer.nonlinearity is tanh
        assert layer.params == params and bias in layer.params

    @pytest.mark.parametrize('normalize', [batch_norm, instance_norm,
                                           layer_norm])
    @pytest.mark.parametrize('layer', [(None, 3), None, T.matrix('x')])
    def test_needs_a_layer(self, normalize, layer):
        with pytest.raises(TypeError, match=r"%s\(\): layer must be a Layer "
                           "instance" % normalize.__name__):
            normalize(layer)

    def test_hand_built_stack_has_more_parameters(self):
        by_hand = BatchNormLayer(DenseLayer((None, 10), 5))
        helper = batch_norm(DenseLayer((None, 10), 5))
        assert (lasagne.layers.count_params(by_hand) ==
                lasagne.layers.count_params(helper) + 5)


class _BiasedLayer(lasagne.layers.Layer):
    """A layer with a bias and a nonlinearity, of any output shape."""

    def __init__(self, incoming, **kwargs):
        super(_BiasedLayer, self).__init__(incoming, **kwargs)
        self.b = self.add_param(lasagne.init.Constant(0.), (), 'b')
        self.nonlinearity = tanh


def test_pickle_network():
    rng = np.random.RandomState(9)
    l_in = InputLayer((None, 4))
    net = batch_norm(DenseLayer(l_in, 5, name='fc'))
    net = DenseLayer(net, 2, nonlinearity=None)
    x = l_in.input_var
    train = theano.function([x], get_output(net))
    data = rng.randn(10, 4)
    train(data)
    train(data * 2)
    copy = pickle.loads(pickle.dumps(net))
    values = get_all_param_values(net)
    for a, b in zip(values, get_all_param_values(copy)):
        np.testing.assert_array_equal(a, b)
    copy_in = get_all_layers(copy)[0]
    outputs = [theano.function([input_layer.input_var], get_output(
        layer, deterministic=True))(data)
        for input_layer, layer in ((l_in, net), (copy_in, copy))]
    np.testing.assert_array_equal(*outputs)
    # the copy's statistics are its own
    theano.function([copy_in.input_var], get_output(copy))(data + 5)
    for a, b in zip(values, get_all_param_values(net)):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(get_all_params(copy)[3].get_value(), values[3])


# ---------------------------------------------------------------------------
# Local response normalization

def test_local_response_normalization():
    rng = np.random.RandomState(11)
    layer = LocalResponseNormalization2DLayer((None, 5, 3, 2), alpha=.1,
                                              k=1.5, beta=.8, n=3)
    assert (layer.alpha, layer.k, layer.beta, layer.n) == (.1, 1.5, .8, 3)
    assert layer.output_shape == (None, 5, 3, 2)
    x = T.tensor4('x')
    x16 = T.tensor4('x16', dtype='float16')
    fn = theano.function([x, x16], [layer.get_output_for(x),
                                    layer.get_output_for(x16)])
    data = rng.randn(2, 5, 3, 2) * 3
    squares = data ** 2
    expected = np.empty_like(data)
    for c in range(5):
        window = squares[:, max(0, c - 1):c + 2].sum(axis=1)
        expected[:, c] = data[:, c] / (1.5 + .1 * window) ** .8
    out, out16 = fn(data, data.astype('float16') * 100)
    assert_close(out, expected, 1e-12)
    assert out16.dtype == 'float16'
    expected16 = np.empty_like(data)
    data16 = data.astype('float16').astype(np.float64) * 100
    squares = data16 ** 2
    for c in range(5):
        window = squares[:, max(0, c - 1):c + 2].sum(axis=1)
        expected16[:, c] = data16[:, c] / (1.5 + .1 * window) ** .8
    assert_close(out16, expected16, RTOL['float16'])


@pytest.mark.parametrize('shape, kwargs, match', [
    ((None, 5, 3), {}, "expected an input of 4 dimensions"),
    ((None, 5, 3, 3), {'n': 0}, "n must be a positive int, got 0$"),
    ((None, 5, 3, 3), {'n': 3.}, "n must be a positive int, got 3.0$"),
])
def test_local_response_normalization_errors(shape, kwargs, match):
    with pytest.raises(ValueError, match="LocalResponseNormalization2DLayer"
                       ": " + match):
        LocalResponseNormalization2DLayer(shape, **kwargs)


# Lasagne 0.2's NotImplementedError, which is also a ValueError here
@pytest.mark.parametrize('error', [NotImplementedError, ValueError])
@pytest.mark.parametrize('n', [2, 4])
def test_local_response_normalization_even_n(n, error):
    with pytest.raises(error, match="^LocalResponseNormalization2DLayer 'l':"
                       " n must be odd .*, got %d$" % n):
        LocalResponseNormalization2DLayer((None, 5, 3, 3), n=n, name='l')


@pytest.mark.parametrize('build, shape', [
    (lambda: LocalResponseNormalization2DLayer((None, 5, 3, 2), n=3),
     (2, 5, 3, 2)),
    (lambda: BatchNormLayer((None, 3, 4)), (2, 3, 4)),
    (lambda: StandardizationLayer((None, 3, 4), axes=None), (2, 3, 4)),
])
@pytest.mark.parametrize('deterministic', [False, True])
def test_array_input(build, shape, deterministic):
    value = np.random.RandomState(3).rand(*shape).astype(
        theano.config.floatX)
    check_array_input(build(), value, deterministic=deterministic,
                      batch_norm_update_averages=False)


# ---------------------------------------------------------------------------
# Standardization, instance and layer normalization

@pytest.mark.parametrize('shape, axes, expected', [
    ((None, 5), 'auto', (1,)),
    ((None, 3, 4, 5), 'auto', (2, 3)),
    ((None, 3, 7), 'auto', (2,)),
    ((None, 3, 4, 5), 'spatial', (2, 3)),
    ((None, 3, 4, 5), 'features', (1, 2, 3)),
    ((None, 3, 4, 5), -1, (3,)),
    ((None, 3, 4, 5), (1, -1), (1, 3)),
    # as in Lasagne 0.2, all axes
    ((None, 3, 4, 5), None, (0, 1, 2, 3)),
    ((None, 3), None, (0, 1)),
])
def test_standardization_axes(shape, axes, expected):
    layer = StandardizationLayer(shape, axes=axes, epsilon=1e-3)
    assert layer.axes == expected and layer.epsilon == 1e-3
    assert layer.output_shape == shape and layer.get_params() == []


@pytest.mark.parametrize('shape, axes, error, match', [
    ((None, 5), 'spatial', ValueError, "axes='spatial' selects no axis"),
    ((None, 5), 'batch', ValueError, "axes must be 'auto', 'spatial', "
     "'features', an int or an iterable of ints, got 'batch'$"),
    ((None, 5), 2, ValueError, r"each of axes must be an int in \[-2, 2\) "
     "for inputs of 2 dimensions, got 2$"),
    ((None, 5), [1, 1], ValueError, r"axes=\[1, 1\] names an axis more "
     "than once"),
    ((None, 5), 'auto ', ValueError, "axes must be .* got 'auto '$"),
])
def test_standardization_errors(shape, axes, error, match):
    with pytest.raises(error, match="StandardizationLayer: " + match):
        StandardizationLayer(shape, axes=axes)


@pytest.mark.parametrize('epsilon, error, match', [
    (None, TypeError, "epsilon must be a real number >= 0 or a scalar "
     "Theano expression, got None"),
    (T.vector('eps'), TypeError, "epsilon must be .* got eps of ndim 1"),
    (-1e-3, ValueError, "epsilon must be a finite real number >= 0, got "
     "-0.001"),
    (np.nan, ValueError, "epsilon must be a finite .* got nan"),
])
def test_standardization_bad_epsilon(epsilon, error, match):
    with pytest.raises(error, match="StandardizationLayer: " + match):
        StandardizationLayer((None, 3), epsilon=epsilon)


def test_standardization_values():
    rng = np.random.RandomState(12)
    x = T.tensor4('x')
    x16 = T.tensor4('x16', dtype='float16')
    eps = theano.shared(1e-3)
    layers = [StandardizationLayer((None, 3, 4, 5), axes=axes)
              for axes in ('auto', 'features', (0, -1), None)]
    layers.append(StandardizationLayer((None, 3, 4, 5), epsilon=eps))
    outputs = [layer.get_output_for(x) for layer in layers]
    outputs.append(layers[0].get_output_for(x16))
    fn = theano.function([x, x16], outputs)
    data = rng.randn(2, 3, 4, 5) * 3 + 1
    # float16: large offsets, whose squared deviations overflow in float16
    data16 = (rng.randn(2, 3, 4, 5) * 500 + 2000).astype('float16')
    results = fn(data, data16)
    for out, layer, epsilon in zip(results, layers, (1e-4,) * 4 + (1e-3,)):
        mean = data.mean(layer.axes, keepdims=True)
        var = data.var(layer.axes, keepdims=True)
        assert_close(out, (data - mean) / np.sqrt(var + epsilon), 1e-12)
    data16 = data16.astype(np.float64)
    mean = data16.mean((2, 3), keepdims=True)
    var = data16.var((2, 3), keepdims=True)
    assert results[-1].dtype == 'float16'
    assert_close(results[-1], (data16 - mean) / np.sqrt(var + 1e-4),
                 RTOL['float16'])


def test_instance_norm():
    conv = lasagne.layers.NINLayer((None, 3, 4, 5), 6, nonlinearity=tanh,
                                   name='conv')
    out = instance_norm(conv, epsilon=1e-3)
    stack = get_all_layers(out)
    assert [type(lay).__name__ for lay in stack] == [
        'NINLayer', 'StandardizationLayer', 'ScaleLayer', 'BiasLayer',
        'NonlinearityLayer']
    assert [lay.name for lay in stack] == [
        'conv', 'conv_in', 'conv_in_scale', 'conv_in_bias', 'conv_in_nonlin']
    assert stack[1].axes == (2, 3) and stack[1].epsilon == 1e-3
    assert conv.b is None and conv.nonlinearity is identity
    assert out.nonlinearity is tanh
    assert [p.get_value().shape for p in get_all_params(out)] == [
        (3, 6), (6,), (6,)]
    bare = instance_norm(lasagne.layers.NINLayer((None, 3, 4, 5), 6,
                                                 nonlinearity=None),
                         learn_scale=False, learn_bias=False)
    assert [type(lay).__name__ for lay in get_all_layers(bare)[1:]] == [
        'StandardizationLayer', 'NonlinearityLayer']


def test_layer_norm():
    dense = DenseLayer((None, 10), 5, nonlinearity=tanh, name='fc')
    out = layer_norm(dense, name='norm')
    stack = get_all_layers(out)
    assert [lay.name for lay in stack] == [
        'fc', 'norm', 'norm_scale', 'norm_bias', 'norm_nonlin']
    assert stack[1].axes == (1,)
    assert dense.b is None and out.nonlinearity is tanh
    assert [p.get_value().shape for p in get_all_params(out)] == [
        (10, 5), (5,), (5,)]
    conv = layer_norm(lasagne.layers.NINLayer((None, 3, 4, 5), 6))
    assert get_all_layers(conv)[1].axes == (1, 2, 3)
    assert conv.name is None


# ---------------------------------------------------------------------------
# recompute_batch_norm_statistics()

def np_population(batch_inputs, axes, epsilon):
    """The population statistics of a layer from its input in every batch:
    the batch means and biased variances averaged with the number of values
    each batch contributes, in float64."""
    counts, means, variances = [], [], []
    for x in batch_inputs:
        x = np.asarray(x, np.float64)
        counts.append(x.size // x.mean(axes).size)
        means.append(x.mean(axes))
        variances.append(x.var(axes))
    counts = np.array(counts, np.float64).reshape((-1,) + (1,) *
                                                  means[0].ndim)
    mean = (counts * means).sum(0) / counts.sum()
    var = (counts * variances).sum(0) / counts.sum()
    return mean, 1 / np.sqrt(var + epsilon)


def np_train_bn(x, layer):
    """The training output of a BatchNormLayer, with its batch statistics."""
    return np_batch_norm(x, layer.axes, layer.gamma.get_value(),
                         layer.beta.get_value(), layer.epsilon)[0]


def np_conv(x, W):
    """A 'valid' convolution with flipped filters, as Conv2DLayer's."""
    windows = np.lib.stride_tricks.sliding_window_view(
        x, W.shape[2:], axis=(2, 3))
    return np.einsum('ncijkl,fckl->nfij', windows, W[:, :, ::-1, ::-1])


def scramble(layers, rng):
    """Give batch normalization layers statistics far from any real ones."""
    for layer in layers:
        shape = layer.mean.get_value().shape
        layer.mean.set_value((rng.randn(*shape) * 5).astype(layer.mean.dtype))
        layer.inv_std.set_value(rng.uniform(3, 9, shape).astype(
            layer.inv_std.dtype))


def all_values(network):
    return [v.copy() for v in get_all_param_values(network)]


def assert_same_values(before, network):
    after = get_all_param_values(network)
    assert len(before) == len(after)
    for old, new in zip(before, after):
        assert old.dtype == new.dtype
        np.testing.assert_array_equal(old, new)


class SmallNetwork:
    """Convolution, batch normalization over the default and over other
    axes, a dense layer with batch normalization, and a NumPy version of
    its training-mode forward pass."""

    def __init__(self, rng, floatX):
        with theano.change_flags(floatX=floatX):
            self.l_in = InputLayer((None, 2, 6, 6))
            learned = dict(beta=lasagne.init.Normal(1.),
                           gamma=lasagne.init.Uniform((.5, 2.)))
            self.conv = Conv2DLayer(self.l_in, 3, 3,
                                    W=lasagne.init.Normal(.5))
            l_conv = batch_norm(self.conv, **learned)
            self.bn_conv = l_conv.input_layer
            # per channel and column
            self.bn_cols = BatchNormLayer(l_conv, axes=(0, 3), **learned)
            self.dense = DenseLayer(self.bn_cols, 5, nonlinearity=tanh,
                                    W=lasagne.init.Normal(.3))
            l_dense = batch_norm(self.dense, epsilon=1e-3, **learned)
            self.bn_dense = l_dense.input_layer
            self.output = DenseLayer(l_dense, 2)
        self.bn_layers = [self.bn_conv, self.bn_cols, self.bn_dense]
        scramble(self.bn_layers, rng)

    def bn_inputs(self, x):
        """The input of each batch normalization layer for one batch."""
        a = np_conv(np.asarray(x, np.float64), self.conv.W.get_value())
        b = np.maximum(np_train_bn(a, self.bn_conv), 0)
        c = np_train_bn(b, self.bn_cols).reshape(len(x), -1).dot(
            self.dense.W.get_value())
        return [a, b, c]

    def reference(self, batches):
        inputs = list(zip(*[self.bn_inputs(x) for x in batches]))
        return dict((layer, np_population(batch_inputs, layer.axes,
                                          layer.epsilon))
                    for layer, batch_inputs in zip(self.bn_layers, inputs))


@pytest.mark.parametrize('floatX', ['float32', 'float64'])
def test_recompute_statistics_values(floatX):
    rng = np.random.RandomState(20)
    net = SmallNetwork(rng, floatX)
    # the last batch is smaller
    batches = [(rng.randn(n, 2, 6, 6) * 2 + 1).astype(floatX)
               for n in (6, 6, 6, 3)]
    others = [p for p in get_all_params(net.output)
              if p not in get_all_params(net.output, batch_norm_stat=True)]
    before = [p.get_value() for p in others]
    result = recompute_batch_norm_statistics(net.output, batches)
    assert list(result) == net.bn_layers
    reference = net.reference(batches)
    for layer in net.bn_layers:
        for array, param, expected in zip(result[layer],
                                          (layer.mean, layer.inv_std),
                                          reference[layer]):
            assert array.dtype == floatX
            np.testing.assert_array_equal(param.get_value(), array)
            assert_close(array, expected, RTOL[floatX], layer)
    assert result[net.bn_cols][0].shape == (3, 4)
    for param, value in zip(others, before):
        np.testing.assert_array_equal(param.get_value(), value)


def test_recompute_statistics_restores_scrambled_statistics():
    rng = np.random.RandomState(21)
    net = SmallNetwork(rng, 'float32')
    batches = [rng.randn(n, 2, 6, 6).astype('float32') for n in (4, 4, 2)]
    recompute_batch_norm_statistics(net.output, batches)
    good = all_values(net.output)
    stats = set(get_all_params(net.output, batch_norm_stat=True))
    scrambled = [(rng.randn(*value.shape) * 5 + 2).astype(value.dtype)
                 if param in stats else value
                 for param, value in zip(get_all_params(net.output), good)]
    set_all_param_values(net.output, scrambled)
    for param, value in zip(get_all_params(net.output), good):
        assert (param in stats) != np.allclose(param.get_value(), value)
    recompute_batch_norm_statistics(net.output, batches)
    for value, restored in zip(good, get_all_param_values(net.output)):
        assert value.dtype == restored.dtype
        np.testing.assert_allclose(restored, value, rtol=1e-6, atol=0)


def float32_population_floor(batches, axes, epsilon, reference):
    """The error of mean and inv_std computed per batch by plain two-pass
    float32 NumPy, and the error of the formula E[x^2] - E[x]^2."""
    counts, means, variances, naive = [], [], [], []
    for x in batches:
        x = x.astype(np.float32)
        mean = x.mean(axes, keepdims=True, dtype=np.float32)
        centered = x - mean
        counts.append(x.size // mean.size)
        means.append(mean.ravel())
        variances.append((centered * centered).mean(axes, dtype=np.float32))
        naive.append((x * x).mean(axes, dtype=np.float32) - mean.ravel() ** 2)
    counts = np.array(counts, np.float64)[:, None]
    floors = []
    for var in (variances, naive):
        mean = (counts * means).sum(0) / counts.sum()
        var = (counts * np.asarray(var, np.float64)).sum(0) / counts.sum()
        inv_std = 1 / np.sqrt(np.maximum(var, 0) + epsilon)
        floors.append([np.abs(mean - reference[0]).max(),
                       np.abs(inv_std - reference[1]).max()])
    return floors


def test_recompute_statistics_large_mean():
    """Inputs with a large mean: within the float32 floor, as the layer's
    outputs (test_compile_modes_accuracy), where E[x^2] - E[x]^2 is not."""
    rng = np.random.RandomState(22)
    with theano.change_flags(floatX='float32'):
        l_in = InputLayer((None, 3, 5, 5))
        layer = BatchNormLayer(l_in)
    batches = [(1e3 + 1e-2 * rng.randn(n, 3, 5, 5)).astype(np.float32)
               for n in (8, 8, 8, 5)]
    mean, inv_std = recompute_batch_norm_statistics(layer, batches)[layer]
    assert mean.dtype == inv_std.dtype == np.float32
    reference = np_population(batches, (0, 2, 3), 1e-4)
    floor, naive = float32_population_floor(batches, (0, 2, 3), 1e-4,
                                            reference)
    for result, expected, least in zip((mean, inv_std), reference, floor):
        assert least > 0
        assert np.abs(result - expected).max() <= 10 * least
    # the variance from E[x^2] - E[x]^2 would fail this bound
    assert naive[1] > 100 * floor[1]


@pytest.mark.parametrize('shape, axes, sizes', [
    ((None, 3), 'auto', (7, 7, 2)),
    ((None, 3, 4, 5), 'auto', (4, 1)),
    ((None, 3, 4, 5), (0, -1), (3, 5)),
    ((None, 3, 7), (0, 2), (4, 4, 4)),
    ((None, 3, 4), 0, (5, 2)),
    # the batch axis is not normalized over: it needs a fixed size
    ((4, 3, 5), (1, 2), (4, 4)),
    ((4, 3, 5), -1, (4,)),
])
def test_recompute_statistics_axes(shape, axes, sizes):
    rng = np.random.RandomState(23)
    l_in = InputLayer(shape)
    layer = BatchNormLayer(l_in, axes=axes)
    batches = [rng.randn(n, *shape[1:]) * rng.uniform(.5, 3) +
               rng.randn() for n in sizes]
    mean, inv_std = recompute_batch_norm_statistics(layer, batches)[layer]
    expected = np_population(batches, layer.axes, 1e-4)
    assert mean.shape == inv_std.shape == layer.mean.get_value().shape
    assert_close(mean, expected[0], 1e-12)
    assert_close(inv_std, expected[1], 1e-12)
    if len(set(sizes)) > 1 and 0 in layer.axes:
        # weighted by batch size: the plain average of batch means differs
        plain = np.mean([b.mean(layer.axes) for b in batches], axis=0)
        assert np.abs(plain - mean).max() > 1e-3


@pytest.mark.parametrize('floatX, dtype, mean_dtype, inv_std_dtype', [
    ('float32', 'float32', 'float16', 'float64'),
    ('float64', 'float32', 'float32', 'float32'),
    ('float32', 'float16', 'float32', 'float16'),
    ('float64', 'float64', 'float64', 'float32'),
])
def test_recompute_statistics_dtypes(floatX, dtype, mean_dtype,
                                     inv_std_dtype):
    rng = np.random.RandomState(24)
    with theano.change_flags(floatX=floatX):
        l_in = InputLayer((None, 3), input_var=T.matrix('x', dtype=dtype))
        layer = BatchNormLayer(l_in, mean=np.zeros(3, mean_dtype),
                               inv_std=np.ones(3, inv_std_dtype))
    batches = [(rng.randn(6, 3) * 3 + 2).astype(dtype) for _ in range(2)]
    mean, inv_std = recompute_batch_norm_statistics(layer, batches)[layer]
    assert (mean.dtype, inv_std.dtype) == (mean_dtype, inv_std_dtype)
    assert layer.mean.dtype == layer.mean.get_value().dtype == mean_dtype
    assert layer.inv_std.get_value().dtype == inv_std_dtype
    expected = np_population(batches, (0,), 1e-4)
    assert_close(mean, expected[0], rtol(dtype, mean_dtype))
    assert_close(inv_std, expected[1], rtol(dtype, inv_std_dtype))


class TwoInputNetwork:
    """Two input layers, each with a dense layer and batch normalization,
    summed and normalized again; a third input joins after the last
    batch normalization."""

    def __init__(self):
        self.l_a = InputLayer((None, 3), name='a')
        self.l_b = InputLayer((None, 4), name='b')
        self.l_c = InputLayer((None, 2), name='c')
        self.dense_a = DenseLayer(self.l_a, 2, nonlinearity=None)
        self.dense_b = DenseLayer(self.l_b, 2, nonlinearity=None)
        # shifts that keep the mean of the sum away from 0
        self.bn_a = BatchNormLayer(self.dense_a, name='bn_a',
                                   beta=lasagne.init.Uniform((1, 2)))
        self.bn_b = BatchNormLayer(self.dense_b, name='bn_b',
                                   beta=lasagne.init.Uniform((1, 2)))
        self.bn_sum = BatchNormLayer(ElemwiseSumLayer([self.bn_a, self.bn_b]),
                                     name='bn_sum')
        self.output = ElemwiseSumLayer([self.bn_sum, self.l_c])

    def reference(self, batches):
        inputs = []
        for batch in batches:
            a = batch[self.l_a].dot(self.dense_a.W.get_value()) + \
                self.dense_a.b.get_value()
            b = batch[self.l_b].dot(self.dense_b.W.get_value()) + \
                self.dense_b.b.get_value()
            inputs.append((a, b, np_train_bn(a, self.bn_a) +
                           np_train_bn(b, self.bn_b)))
        layers = (self.bn_a, self.bn_b, self.bn_sum)
        return dict((layer, np_population(x, (0,), 1e-4))
                    for layer, x in zip(layers, zip(*inputs)))


def test_recompute_statistics_several_inputs():
    rng = np.random.RandomState(25)
    net = TwoInputNetwork()
    batches = [{net.l_a: rng.randn(n, 3) + 1, net.l_b: rng.randn(n, 4) * 2,
                net.l_c: rng.randn(n, 2)} for n in (5, 5, 2)]
    # the third input does not reach the statistics: it may be left out
    del batches[1][net.l_c]
    result = recompute_batch_norm_statistics(net.output, batches)
    reference = net.reference(batches)
    assert set(result) == set(reference)
    for layer, expected in reference.items():
        for array, value in zip(result[layer], expected):
            assert_close(array, value, 1e-12, layer.name)


def test_recompute_statistics_callback_and_num_batches():
    rng = np.random.RandomState(26)
    l_in = InputLayer((None, 3))
    layer = BatchNormLayer(DenseLayer(l_in, 4, nonlinearity=None))
    data = [rng.randn(n, 3) for n in (5, 5, 5, 5, 2, 2)]
    batches = iter(data)
    calls = []
    result = recompute_batch_norm_statistics(layer, batches, num_batches=4,
                                             callback=calls.append)
    assert calls == [0, 1, 2, 3]
    # no batch beyond the fourth was taken
    assert len(list(batches)) == 2
    W, b = layer.input_layer.W.get_value(), layer.input_layer.b.get_value()
    expected = np_population([x.dot(W) + b for x in data[:4]], (0,), 1e-4)
    for array, value in zip(result[layer], expected):
        assert_close(array, value, 1e-12)
    # an iterable that ends first simply ends
    calls = []
    result = recompute_batch_norm_statistics(
        layer, (x for x in data[:3]), num_batches=10, callback=calls.append)
    assert calls == [0, 1, 2]
    expected = np_population([x.dot(W) + b for x in data[:3]], (0,), 1e-4)
    for array, value in zip(result[layer], expected):
        assert_close(array, value, 1e-12)


def test_recompute_statistics_get_output_kwargs():
    """Training mode by default (dropout active, every batch normalization
    layer normalizing with its batch's statistics); get_output keywords
    change that."""
    rng = np.random.RandomState(27)
    l_in = InputLayer((None, 8))
    first = BatchNormLayer(l_in, gamma=lasagne.init.Uniform((.5, 2.)),
                           beta=lasagne.init.Normal(1.))
    second = BatchNormLayer(lasagne.layers.DropoutLayer(first, p=.5))
    batches = [rng.randn(50, 8) * 2 + 3 for _ in range(4)]
    # what the second layer sees without dropout: the first layer's
    # training output
    clean = [np_train_bn(x, first) for x in batches]
    clean_stats = np_population(clean, (0,), 1e-4)
    recompute_batch_norm_statistics(second, batches)
    # dropout scales by 2 and zeroes half the inputs: a larger variance
    assert np.all(second.inv_std.get_value() < .9 * clean_stats[1])
    result = recompute_batch_norm_statistics(second, batches,
                                             deterministic=True)
    for layer in (first, second):
        expected = np_population(clean if layer is second else batches,
                                 (0,), 1e-4)
        for array, value in zip(result[layer], expected):
            assert_close(array, value, 1e-12)
    # the first layer normalizing with its averages (those just set)
    result = recompute_batch_norm_statistics(
        second, batches, deterministic=True, batch_norm_use_averages=True)
    mean, inv_std = (p.get_value() for p in (first.mean, first.inv_std))
    with_averages = [np_batch_norm(x, (0,), first.gamma.get_value(),
                                   first.beta.get_value(), 1e-4, mean,
                                   inv_std)[0] for x in batches]
    for array, value in zip(result[second],
                            np_population(with_averages, (0,), 1e-4)):
        assert_close(array, value, 1e-12)


def test_recompute_statistics_keeps_training_updates():
    """Training functions compiled before or after still update the
    running averages from the new statistics, with the layer's alpha."""
    rng = np.random.RandomState(28)
    l_in = InputLayer((None, 3))
    layer = BatchNormLayer(l_in, alpha=.25)
    before = theano.function([l_in.input_var], get_output(layer))
    recompute_batch_norm_statistics(layer, [rng.randn(4, 3) + 5])
    assert not hasattr(layer.mean, 'default_update')
    assert not hasattr(layer.inv_std, 'default_update')
    after = theano.function([l_in.input_var], get_output(layer))
    for train in (before, after):
        mean, inv_std = layer.mean.get_value(), layer.inv_std.get_value()
        data = rng.randn(6, 3) * 2
        train(data)
        _, batch_mean, batch_inv_std, _ = np_batch_norm(data, (0,), None,
                                                        None, 1e-4)
        assert_close(layer.mean.get_value(), .75 * mean + .25 * batch_mean,
                     1e-12)
        assert_close(layer.inv_std.get_value(),
                     .75 * inv_std + .25 * batch_inv_std, 1e-12)


@pytest.mark.parametrize('epsilon', [theano.shared(.5), T.constant(.5),
                                     theano.shared(np.float32(.5)) * 1])
def test_recompute_statistics_epsilon_expression(epsilon):
    rng = np.random.RandomState(29)
    l_in = InputLayer((None, 2))
    layer = BatchNormLayer(l_in, epsilon=epsilon)
    batches = [rng.randn(5, 2) * .5 for _ in range(2)]
    inv_std = recompute_batch_norm_statistics(layer, batches)[layer][1]
    assert_close(inv_std, np_population(batches, (0,), .5)[1], 1e-12)


def _bad_networks():
    """Networks and arguments that recompute_batch_norm_statistics refuses
    before computing anything, with the error's class and message."""
    def dense_bn(**kwargs):
        return BatchNormLayer(DenseLayer(InputLayer((None, 3)), 4),
                              name='bn', **kwargs)
    return [
        (lambda: DenseLayer(InputLayer((None, 3)), 4), {}, ValueError,
         "the network has no BatchNormLayer"),
        (lambda: dense_bn(mean=theano.shared(np.zeros(4)) * 1), {},
         ValueError, "the mean of BatchNormLayer 'bn' is a Theano "
         "expression, not a shared variable"),
        (lambda: dense_bn(inv_std=T.ones((4,))), {}, ValueError,
         "the inv_std of BatchNormLayer 'bn' is a Theano expression"),
        (lambda: BatchNormLayer((None, 3), name='bn'), {}, ValueError,
         "BatchNormLayer 'bn' was built from a shape"),
        (lambda: dense_bn(epsilon=T.scalar('eps') + 1), {}, ValueError,
         "the epsilon of BatchNormLayer 'bn' depends on the input.s. eps"),
        (dense_bn, {'data': {}}, TypeError, "data must be an iterable of "
         "batches, got a dict"),
        (dense_bn, {'data': 3}, TypeError, "data must be an iterable of "
         "batches .* got 3"),
        (dense_bn, {'num_batches': 0}, ValueError, "num_batches must be a "
         "positive int, got 0$"),
        (dense_bn, {'num_batches': 2.}, ValueError, "num_batches .* got "
         "2.0"),
        (dense_bn, {'num_batches': True}, ValueError, "num_batches .* got "
         "True"),
        (dense_bn, {'callback': 'progress'}, TypeError, "callback must be "
         "callable or None, got 'progress'"),
        (dense_bn, {'batch_norm_update_averages': True}, ValueError,
         "batch_norm_update_averages must be False"),
        (dense_bn, {'data': []}, ValueError, "data yielded no batch"),
        (dense_bn, {'data': iter(())}, ValueError, "data yielded no batch"),
    ]


@pytest.mark.parametrize('make, kwargs, error, match', _bad_networks())
def test_recompute_statistics_argument_errors(make, kwargs, error, match):
    rng = np.random.RandomState(30)
    network = make()
    kwargs = dict(dict(data=[rng.randn(2, 3)]), **kwargs)
    before = all_values(network)
    calls = []
    with pytest.raises(error, match=r"^recompute_batch_norm_statistics\(\): "
                       + match):
        recompute_batch_norm_statistics(network, callback=kwargs.pop(
            'callback', calls.append), **kwargs)
    assert calls == []
    assert_same_values(before, network)


@pytest.mark.parametrize('batch, error, match', [
    ('a', ValueError, r"batch 2 is a single array, for a network with 3 "
     "input layers; yield dicts"),
    ({'a': (4, 3)}, ValueError, "batch 2 has no array for InputLayer 'b'"),
    ({'a': (4, 3), 'b': (4, 4), 'other': (4, 3)}, ValueError,
     "batch 2 maps <.*InputLayer.*>, which is not an input layer of the "
     "network"),
    ({'a': (4, 3), 'b': (4, 4), 'name': (4, 3)}, TypeError, "the keys of a "
     "dict of inputs must be Lasagne layers"),
    ({'a': (4, 3), 'b': (4, 5)}, ValueError, r"batch 2 gives InputLayer 'b' "
     r"an array of shape \(4, 5\), which does not fit its shape \(None, 4\) "
     r"\(None: any positive size\)"),
    ({'a': (4, 3, 1), 'b': (4, 4)}, ValueError, r"batch 2 gives InputLayer "
     r"'a' an array of shape \(4, 3, 1\), which"),
    ({'a': (4,), 'b': (4, 4)}, ValueError, r"batch 2 gives InputLayer 'a' an "
     r"array of shape \(4,\), which"),
    ({'a': (0, 3), 'b': (0, 4)}, ValueError, r"batch 2 gives InputLayer 'a' "
     r"an array of shape \(0, 3\), which"),
])
def test_recompute_statistics_batch_errors(batch, error, match):
    """A bad third batch: an error, and the statistics as they were, not
    changed by the two batches before."""
    rng = np.random.RandomState(31)
    net = TwoInputNetwork()
    layers = {'a': net.l_a, 'b': net.l_b, 'other': InputLayer((None, 3)),
              'name': 'a'}
    good = {net.l_a: rng.randn(4, 3), net.l_b: rng.randn(4, 4)}
    if batch == 'a':
        bad = rng.randn(4, 3)
    else:
        bad = dict((layers[key], rng.randn(*shape))
                   for key, shape in batch.items())
    scramble([net.bn_a, net.bn_b, net.bn_sum], rng)
    before = all_values(net.output)
    calls = []
    with pytest.raises(error, match=r"^recompute_batch_norm_statistics\(\): "
                       + match):
        recompute_batch_norm_statistics(net.output, [good, good, bad, good],
                                        callback=calls.append)
    assert calls == [0, 1]
    assert_same_values(before, net.output)


def test_recompute_statistics_single_input_shape_error():
    l_in = InputLayer((None, 3, 4), name='in')
    layer = BatchNormLayer(l_in, axes=(0, 2))
    with pytest.raises(ValueError, match=r"batch 0 gives InputLayer 'in' an "
                       r"array of shape \(2, 4, 4\), which does not fit its "
                       r"shape \(None, 3, 4\)"):
        recompute_batch_norm_statistics(layer, [np.zeros((2, 4, 4))])


# upstream computed NaN outputs for these: the base k + alpha * sum of
# squares of the power must not be negative, and no argument NaN or
# infinite
@pytest.mark.parametrize('argument, value', [
    ('k', -2), ('k', np.nan), ('k', np.inf), ('alpha', np.nan),
    ('alpha', -1e-4), ('alpha', np.inf), ('beta', np.nan), ('beta', -np.inf),
    ('k', np.float32(-1)),
])
def test_local_response_normalization_bad_numbers(argument, value):
    with pytest.raises(ValueError, match=r"^LocalResponseNormalization2DLayer"
                       r" 'l': %s must be a finite real number.*, got %s$"
                       % (argument, re.escape(repr(value)))):
        LocalResponseNormalization2DLayer((None, 5, 3, 3), name='l',
                                          **{argument: value})


# upstream failed in get_output
@pytest.mark.parametrize('argument', ['alpha', 'k', 'beta'])
@pytest.mark.parametrize('value', [None, 'x', '2'])
def test_local_response_normalization_non_numbers(argument, value):
    with pytest.raises(TypeError, match=r"^LocalResponseNormalization2DLayer"
                       r" 'l': %s must be a real number.*, got %s$"
                       % (argument, re.escape(repr(value)))):
        LocalResponseNormalization2DLayer((None, 5, 3, 3), name='l',
                                          **{argument: value})


def test_local_response_normalization_numbers_that_work():
    # zeros, a negative exponent and a shared variable are fine
    k = theano.shared(np.float64(1.0))
    layer = LocalResponseNormalization2DLayer((None, 3, 2, 2), alpha=0,
                                              k=k, beta=-0.5, n=3)
    data = np.arange(12.).reshape(1, 3, 2, 2)
    out = layer.get_output_for(T.constant(data)).eval()
    assert_close(out, data, 1e-12)
    layer = LocalResponseNormalization2DLayer((None, 3, 2, 2), k=0)
    assert layer.k == 0
