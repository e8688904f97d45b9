import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.compile.debugmode import DebugMode
from theano.tensor.nnet import bn

import lasagne
from lasagne.layers import (BatchNormLayer, Conv2DLayer, DenseLayer,
                            GlobalPoolLayer, InputLayer, batch_norm,
                            get_all_params, get_output)
from lasagne.theano_extensions import bn as fused

FUSED = (fused.FusedBatchNormTrain, fused.FusedBatchNormTrainGrad,
         fused.FusedBatchNormInference)
ABSTRACT = (bn.AbstractBatchNormTrain, bn.AbstractBatchNormTrainGrad,
            bn.AbstractBatchNormInference)
EXPANSION = theano.compile.get_default_mode().excluding(fused.TAG)
EPSILON = 1e-4
ALPHA = .3


def op_types(fn):
    return set(type(node.op) for node in fn.maker.fgraph.toposort())


# ---------------------------------------------------------------------------
# Reference: a two-pass computation in the given dtype (float64 for the
# reference values, float32 for the error the tolerances are based on)

def reference(x, dy, gamma, beta, mean, inv_std, axes, dtype):
    """Training output, batch statistics, running-average updates and
    gradients, then inference output and gradients, of a layer with the
    given parameters (None for no beta or gamma); and the magnitude of each
    computation, the scale of its rounding errors (for a sum, that of the
    terms it sums)."""
    x, dy = x.astype(dtype), dy.astype(dtype)
    kept = [1 if axis in axes else size for axis, size in enumerate(x.shape)]

    def param(value, default):
        if value is None:
            return np.full(kept, default, dtype)
        return np.asarray(value, dtype).reshape(kept)

    def total(value):
        return value.sum(axes, keepdims=True, dtype=dtype)

    g, b = param(gamma, 1.), param(beta, 0.)
    m, inv = param(mean, 0.), param(inv_std, 1.)
    alpha = dtype(ALPHA)
    batch_mean = x.mean(axes, keepdims=True, dtype=dtype)
    centered = x - batch_mean
    batch_inv = 1 / np.sqrt(total(centered * centered) /
                            dtype(centered.size // batch_mean.size) +
                            dtype(EPSILON))
    xhat = centered * batch_inv
    n = dtype(x.size // batch_mean.size)
    dgamma, dbeta = total(dy * xhat), total(dy)
    values = {
        'train_out': xhat * g + b, 'train_mean': batch_mean,
        'train_inv_std': batch_inv,
        'train_new_mean': (1 - alpha) * m + alpha * batch_mean,
        'train_new_inv_std': (1 - alpha) * inv + alpha * batch_inv,
        'train_dx': g * batch_inv / n * (n * dy - dbeta - xhat * dgamma),
        'train_dgamma': dgamma, 'train_dbeta': dbeta,
        'test_out': (x - m) * (g * inv) + b, 'test_dx': dy * g * inv,
        'test_dgamma': total(dy * (x - m) * inv), 'test_dbeta': dbeta}
    scales = dict((name, np.abs(value).max())
                  for name, value in values.items())
    scales.update({
        'train_dx': np.abs(dy * g * batch_inv).max(),
        'train_dgamma': total(np.abs(dy * xhat)).max(),
        'test_dgamma': total(np.abs(dy * (x - m) * inv)).max(),
        'train_dbeta': total(np.abs(dy)).max(),
        'test_dbeta': total(np.abs(dy)).max()})
    return values, scales


# ---------------------------------------------------------------------------
# Values against the reference and against Theano's expansion

FORMS = {'auto': (None, 3, None, None), 0: (None, 4)}
# input shapes run through the same functions: ordinary, a batch of one,
# 7x5 maps; one channel comes from a separate layer of each function
SHAPES = {'auto': [(6, 3, 4, 4), (1, 3, 7, 5), (5, 3, 7, 5)],
          0: [(10, 4), (1, 4), (33, 4)]}
DATA = [lambda rng, shape: rng.randn(*shape) * 2 + 1,
        # the stability case of the layer's tests
        lambda rng, shape: 1e3 + 1e-2 * rng.randn(*shape)]


class Network(object):
    """Two layers of one axes form, one with beta and gamma, one of a single
    channel without them, compiled into one function with the fused ops
    and one with Theano's expansion."""

    def __init__(self, dtype, axes):
        shape = FORMS[axes]
        rng = np.random.RandomState(0)
        self.dtype, self.form = dtype, axes
        with theano.change_flags(floatX=dtype):
            one_channel = (None, 1) + shape[2:]
            self.layers = [
                BatchNormLayer(shape, axes=axes, alpha=ALPHA,
                               gamma=lasagne.init.Uniform((.5, 2.)),
                               beta=lasagne.init.Normal(1.)),
                BatchNormLayer(one_channel, axes=axes, alpha=ALPHA,
                               gamma=None, beta=None)]
            for layer in self.layers:
                kept = layer.mean.get_value().shape
                layer.mean.set_value(rng.randn(*kept).astype(dtype))
                layer.inv_std.set_value(rng.uniform(.5, 2, kept).astype(
                    dtype))
            ttype = T.TensorType(dtype, (False,) * len(shape))
            self.inputs = [ttype('x'), ttype('dy'), ttype('x1'),
                           ttype('dy1')]
            outputs, self.names = [], []
            for number, layer in enumerate(self.layers):
                x, dy = self.inputs[2:] if number == 1 else self.inputs[:2]
                learned = [p for p in (layer.gamma, layer.beta)
                           if p is not None]
                for what in ('train', 'test'):
                    out = layer.get_output_for(x,
                                               deterministic=what == 'test')
                    grads = theano.grad((out * dy).sum(), [x] + learned)
                    outputs += [out] + grads
                    self.names += [(number, what + '_' + name) for name in
                                   ['out', 'dx', 'dgamma', 'dbeta']
                                   [:1 + len(grads)]]
            self.fused = theano.function(self.inputs, outputs)
            self.expansion = theano.function(self.inputs, outputs,
                                             mode=EXPANSION)

    def run(self, fn, data, dy, data1, dy1):
        """The results of `fn` by name, and the new running averages,
        which are then reset to their values before the call."""
        before = [(layer.mean.get_value(), layer.inv_std.get_value())
                  for layer in self.layers]
        results = dict(zip(self.names, fn(data, dy, data1, dy1)))
        for number, (layer, (mean, inv_std)) in enumerate(zip(self.layers,
                                                              before)):
            results[number, 'train_new_mean'] = layer.mean.get_value()
            results[number, 'train_new_inv_std'] = layer.inv_std.get_value()
            layer.mean.set_value(mean)
            layer.inv_std.set_value(inv_std)
        return results


@pytest.fixture(scope='module', params=[('float32', 'auto'),
                                        ('float32', 0), ('float64', 'auto'),
                                        ('float64', 0)],
                ids=lambda p: '%s-axes=%s' % p)
def network(request):
    return Network(*request.param)


def test_network_uses_the_fused_ops(network):
    assert set(FUSED) <= op_types(network.fused)
    assert not set(ABSTRACT) & op_types(network.fused)
    assert not set(FUSED) & op_types(network.expansion)


@pytest.mark.parametrize('make_data', DATA, ids=['ordinary', 'stability'])
def test_values(network, make_data):
    """Outputs, batch statistics, running-average updates and gradients of
    every layer against the reference (computed in long double, which is
    exact enough to measure float64 errors), and against Theano's
    expansion.

    The tolerances, for float32: the error of a two-pass float32
    computation, 10 times for the outputs (the float32 floor of the
    layer's tests) and 4 times for statistics and gradients; at least as
    many units in the last place of the computation's magnitude, as the
    float32 computation may be exact by chance. For float64: 1e-10 of the
    magnitude. And the fused ops are about as accurate as Theano's
    expansion, or more: their error is at most 8 times its error (or 8
    units in the last place; measured up to 3.3 times, for the input's
    gradient with a batch of one)."""
    rng = np.random.RandomState(1)
    dtype = network.dtype
    eps = np.finfo(dtype).eps
    axes = network.layers[0].axes
    for shape in SHAPES[network.form]:
        one = (shape[0], 1) + shape[2:]
        data, data1 = (make_data(rng, s).astype(dtype) for s in (shape, one))
        dy, dy1 = (rng.randn(*s).astype(dtype) for s in (shape, one))
        fused_results = network.run(network.fused, data, dy, data1, dy1)
        expansion_results = network.run(network.expansion, data, dy, data1,
                                        dy1)
        for number, layer in enumerate(network.layers):
            x, d = (data1, dy1) if number == 1 else (data, dy)
            params = [None if p is None else p.get_value() for p in
                      (layer.gamma, layer.beta, layer.mean, layer.inv_std)]
            exact, scales = reference(x, d, *params, axes=axes,
                                      dtype=np.longdouble)
            single = reference(x, d, *params, axes=axes,
                               dtype=np.float32)[0]
            for name in exact:
                if (number, name) not in fused_results:
                    continue  # no gamma or beta
                result = fused_results[number, name]
                expansion = expansion_results[number, name]
                expected = exact[name].reshape(result.shape).astype(
                    np.float64)
                assert result.dtype == expansion.dtype == dtype
                assert result.shape == expansion.shape
                floor = eps * scales[name]
                if dtype == 'float64':
                    tol = 1e-10 * scales[name]
                else:
                    tol = (10 if name.endswith('_out') else 4) * max(
                        floor, np.abs(single[name].reshape(result.shape) -
                                      expected).max())
                error = np.abs(result - expected).max()
                theirs = np.abs(expansion - expected).max()
                what = (shape, number, name, error, tol, theirs)
                assert error <= tol, what
                assert error <= 8 * max(theirs, floor), what


# ---------------------------------------------------------------------------
# Gradients, strides, shapes

def fused_outputs(x, gamma, beta, mean, var, axes):
    """The outputs of the three fused ops applied by hand."""
    eps = T.constant(np.asarray(EPSILON, x.dtype))
    out, batch_mean, inv_std = fused.FusedBatchNormTrain(axes)(x, gamma,
                                                               beta, eps)
    dy = T.ones_like(x) * T.arange(x.shape[0]).dimshuffle(
        [0] + ['x'] * (x.ndim - 1))
    grads = fused.FusedBatchNormTrainGrad(axes)(x, dy, gamma, batch_mean,
                                                inv_std, eps)
    test = fused.FusedBatchNormInference(axes)(x, gamma, beta, mean, var,
                                               eps)
    return [out, batch_mean, inv_std] + grads + [test]


@pytest.mark.parametrize('axes, shape, second_order', [
    ((0, 2, 3), (4, 3, 2, 5), True), ((0,), (6, 4), False),
    ((0,), (5, 2, 3), False)])
def test_verify_grad(axes, shape, second_order):
    """Through the fused ops applied by hand: their gradients are those of
    Theano's abstract ops, which compile to the fused ops again (and those
    of the gradient op, Theano's expressions, for one case: they compile to
    many elementwise ops)."""
    rng = np.random.RandomState(2)
    kept = tuple(1 if axis in axes else size
                 for axis, size in enumerate(shape))
    bcast = tuple(size == 1 for size in kept)
    mean, var = rng.randn(*kept), rng.uniform(.5, 2, kept)
    x = rng.randn(*shape) * 2 + 1
    gamma, beta = rng.uniform(.5, 2, kept), rng.randn(*kept)
    dy = rng.randn(*shape)

    def param(value):
        return T.patternbroadcast(value, bcast)

    def train(x, gamma, beta):
        return fused_outputs(x, param(gamma), param(beta), mean, var,
                             axes)[0]

    def train_grad(x, dy, gamma, x_mean, x_invstd):
        out = fused.FusedBatchNormTrainGrad(axes)(
            x, dy, param(gamma), param(x_mean), param(x_invstd),
            np.float64(EPSILON))
        return out[0] + out[1].sum() + out[2].sum()

    def test(x, gamma, beta, mean, var):
        return fused.FusedBatchNormInference(axes)(
            x, *[param(v) for v in (gamma, beta, mean, var)] + [EPSILON])

    theano.gradient.verify_grad(train, [x, gamma, beta], rng=rng)
    if second_order:
        theano.gradient.verify_grad(
            train_grad, [x, dy, gamma, x.mean(axes, keepdims=True) + .1,
                         rng.uniform(.5, 2, kept)], rng=rng)
    theano.gradient.verify_grad(test, [x, gamma, beta, mean, var], rng=rng)
    # the gradient of the training output compiles to the fused ops
    args = [T.TensorType('float64', [size == 1 for size in v.shape])()
            for v in (x, gamma, beta)]
    graph = theano.function(args, theano.grad((train(*args) ** 2).sum(),
                                              args))
    assert {fused.FusedBatchNormTrain,
            fused.FusedBatchNormTrainGrad} <= op_types(graph)


@pytest.mark.parametrize('mode', ['FAST_RUN', 'FAST_COMPILE'])
def test_any_strides(mode):
    """Inputs that are views with other strides, in the C code and in
    `perform`: a transposed and sliced input, parameters with a step."""
    rng = np.random.RandomState(3)
    base = T.tensor4('base')
    params = T.matrix('params')  # rows: gamma, beta, mean, var; every other
    x = base.dimshuffle(1, 0, 3, 2)[:, :, ::2]
    args = [params[i, ::2].dimshuffle('x', 0, 'x', 'x') for i in range(4)]
    fn = theano.function([base, params], fused_outputs(x, *args,
                                                       axes=(0, 2, 3)),
                         mode=mode)
    plain = theano.function([base, params], fused_outputs(
        x.copy(), *[a.copy() for a in args], axes=(0, 2, 3)), mode=mode)
    assert set(FUSED) <= op_types(fn)
    data = rng.randn(3, 4, 5, 6)
    values = np.abs(rng.randn(4, 6)) + .5
    for result, expected in zip(fn(data, values), plain(data, values)):
        assert np.allclose(result, expected, rtol=1e-12, atol=1e-12)
    # and against the reference for the output
    view = data.transpose(1, 0, 3, 2)[:, :, ::2]
    gamma, beta, mean, var = values[:, ::2]
    exact = reference(view, view, gamma, beta, mean, 1 / np.sqrt(var +
                                                                 EPSILON),
                      (0, 2, 3), np.float64)[0]
    assert np.allclose(fn(data, values)[0], exact['train_out'], rtol=1e-12,
                       atol=1e-12)
    assert np.allclose(fn(data, values)[-1], exact['test_out'], rtol=1e-12,
                       atol=1e-12)


def test_infer_shape():
    x = T.tensor4('x')
    gamma = T.TensorType('float64', (True, False, True, True))('gamma')
    outputs = fused_outputs(x, gamma, gamma, gamma, gamma + 1, (0, 2, 3))
    fn = theano.function([x, gamma], [o.shape for o in outputs])
    assert not set(FUSED) & op_types(fn)
    shape, kept = (4, 3, 2, 5), (1, 3, 1, 1)
    expected = [shape, kept, kept, shape, kept, kept, shape]
    results = fn(np.zeros(shape), np.ones(kept))
    assert [tuple(r) for r in results] == expected


@pytest.mark.parametrize('mode', ['FAST_RUN', 'FAST_COMPILE'])
def test_parameter_of_size_one_and_bad_shapes(mode):
    """A parameter of size 1 serves every channel; other shapes that differ
    from the statistics' are refused, by the C code and by `perform`."""
    x = T.matrix('x')
    dy = T.matrix('dy')
    p = T.row('p')
    q = T.row('q')
    eps = T.constant(EPSILON)
    train = fused.FusedBatchNormTrain((0,))(x, p, q, eps)
    grad = fused.FusedBatchNormTrainGrad((0,))(x, dy, p, q, p, eps)
    test = fused.FusedBatchNormInference((0,))(x, p, q, q, p, eps)
    fns = [theano.function([x, dy, p, q], outputs, mode=mode,
                           on_unused_input='ignore')
           for outputs in (train, grad, test)]
    data = np.random.RandomState(4).randn(5, 3)
    args = data, data + 1
    three, one = np.ones((1, 3)) * 2, np.ones((1, 1)) * 2
    for fn in fns:
        for result, expected in zip(fn(*args + (one, one * .5)),
                                    fn(*args + (three, three * .5))):
            assert np.allclose(result, expected, rtol=1e-12)
        with pytest.raises(ValueError, match="batch normalization: the "
                           "scale must have a size of 1 along the axes "
                           "normalized over"):
            fn(*args + (np.ones((1, 2)), three))
        with pytest.raises(ValueError, match="batch normalization: the "
                           "(bias|mean) must have a size of 1"):
            fn(*args + (three, np.ones((1, 4))))
    with pytest.raises(ValueError, match="the output gradient must have "
                       "the shape of the input"):
        fns[1](data, data[:2], three, three)


def test_make_node_errors():
    x = T.matrix('x')
    p = T.row('p')
    with pytest.raises(TypeError, match="FusedBatchNormTrain takes "
                       "float32 or float64 tensors"):
        fused.FusedBatchNormTrain((0,))(x, T.frow('p'), p, EPSILON)
    with pytest.raises(TypeError, match="FusedBatchNormInference takes"):
        fused.FusedBatchNormInference((1,))(x, p, p, p, p, EPSILON)
    with pytest.raises(TypeError, match="FusedBatchNormTrainGrad: epsilon "
                       "must be a float32 or float64 scalar"):
        fused.FusedBatchNormTrainGrad((0,))(x, x, p, p, p, T.vector())


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_c_code(dtype):
    """The C code calls the kernels of the node's dtype (checked without
    compiling, which Theano skips for cached modules)."""
    x = T.TensorType(dtype, (False,) * 4)('x')
    p = T.TensorType(dtype, (True, False, True, True))('p')
    eps = T.constant(np.asarray(EPSILON, dtype))
    nodes = {
        'train': fused.FusedBatchNormTrain((0, 2, 3))(x, p, p, eps)[0].owner,
        'train_grad': fused.FusedBatchNormTrainGrad((0, 2, 3))(
            x, x, p, p, p, eps)[0].owner,
        'inference': fused.FusedBatchNormInference((0,))(
            x, x, x, x, x, eps).owner}
    for function, node in nodes.items():
        names = ['in%d' % i for i in range(len(node.inputs))]
        code = node.op.c_code(node, 'node', names,
                              ['out%d' % i for i in range(len(node.outputs))],
                              {'fail': 'FAIL_HERE'})
        assert 'lasagne_bn_%s_npy_%s(in0, ' % (function, dtype) in code
        assert '&out0' in code and 'FAIL_HERE' in code
        assert ', %d, &out0' % (function != 'inference') in code
        support = ''.join(node.op.c_support_code())
        assert 'lasagne_bn_%s_npy_float32(' % function in support
        assert 'lasagne_bn_%s_npy_float64(' % function in support


def test_empty_batch():
    """No example: NaN statistics, as Theano's expansion gives them."""
    x = T.matrix('x')
    p = T.row('p')
    outputs = fused_outputs(x, p, p, p, p, (0,))
    for mode in ('FAST_RUN', 'FAST_COMPILE'):
        fn = theano.function([x, p], outputs, mode=mode)
        with np.errstate(all='ignore'):
            out, mean, inv_std = fn(np.zeros((0, 3)), np.ones((1, 3)))[:3]
        assert out.shape == (0, 3)
        assert np.all(np.isnan(mean)) and np.all(np.isnan(inv_std))


def test_debug_mode_per_activation():
    """DebugMode compares the C code with `perform` (and the lowered graph
    with the abstract ops); the layer's tests cover the default axes, and
    float64."""
    rng = np.random.RandomState(5)
    with theano.change_flags(floatX='float32'):
        x = T.matrix('x')
        dy = rng.randn(5, 3).astype('float32')
        outputs = []
        for deterministic in (False, True):
            layer = BatchNormLayer((None, 3), gamma=lasagne.init.Uniform(
                (.5, 2.)), beta=lasagne.init.Normal(1.))
            out = layer.get_output_for(x, deterministic=deterministic)
            outputs += [out] + theano.grad((out * dy).sum(), [
                x, layer.gamma, layer.beta])
        fn = theano.function([x], outputs, mode=DebugMode())
    assert set(FUSED) <= op_types(fn)
    fn((rng.randn(5, 3) * 2 + 1).astype('float32'))


# ---------------------------------------------------------------------------
# The rewrites

def test_registered_before_theano():
    db = bn.bn_groupopt
    for rewrite in (fused.local_fused_bn_train,
                    fused.local_fused_bn_train_grad,
                    fused.local_fused_bn_inference):
        assert list(db.__db__[rewrite.__name__]) == [rewrite]
        assert rewrite in db.__db__[fused.TAG]
        assert db.__position__[rewrite.__name__] < min(
            db.__position__['local_abstract_batch_norm_' + name]
            for name in ('train', 'train_grad', 'inference'))
    fused.register()  # a second registration is a no-op, not an error
    assert list(db.__db__['local_fused_bn_train']) == [
        fused.local_fused_bn_train]


def bn_sums(fn):
    """The Sum nodes over the axes of the batch normalizations below."""
    return [node for node in fn.maker.fgraph.toposort()
            if isinstance(node.op, T.elemwise.Sum) and
            (tuple(node.op.axis or range(node.inputs[0].ndim)),
             node.inputs[0].ndim) in
            (((0, 2, 3), 4), ((0,), 2))]


def test_graph_of_a_training_step():
    """FAST_RUN: the fused ops, no abstract op, no Sum over the batch
    normalization axes of its input (the rewrite's tag excluded: Theano's
    expansion with such sums)."""
    l_in = InputLayer((None, 3, 8, 8))
    net = batch_norm(Conv2DLayer(l_in, 4, 3))
    net = GlobalPoolLayer(net)
    net = batch_norm(DenseLayer(net, 5))
    net = DenseLayer(net, 2, b=None, nonlinearity=None)
    loss = T.sqr(get_output(net)).mean()
    updates = lasagne.updates.sgd(loss, get_all_params(net, trainable=True),
                                  0.1)
    fused_step, expansion_step = (
        theano.function([l_in.input_var], loss, updates=updates, mode=mode)
        for mode in ('FAST_RUN', EXPANSION))
    types = [type(node.op) for node in fused_step.maker.fgraph.toposort()]
    assert types.count(fused.FusedBatchNormTrain) == 2
    assert types.count(fused.FusedBatchNormTrainGrad) == 2
    assert not set(ABSTRACT) & set(types)
    assert not bn_sums(fused_step)
    assert len(bn_sums(expansion_step)) >= 4


def test_declines():
    """Theano's expansion where the fused ops do not apply: other axes,
    float16, running averages, a non-tensor or non-scalar epsilon."""
    x4 = T.tensor4('x')
    g4 = T.TensorType(x4.dtype, (True, False, False, True))('g')
    x = T.matrix('x')
    g = T.row('g')
    xh = T.matrix('x', dtype='float16')
    gh = T.row('g', dtype='float16')
    train = bn.AbstractBatchNormTrain
    cases = [
        train((0, 3))(x4, g4, g4, EPSILON),
        bn.AbstractBatchNormInference((0, 3))(x4, g4, g4, g4, g4, EPSILON),
        train((0,))(xh, gh, gh, np.float32(EPSILON)),
        train((0,))(x, g, g, EPSILON, 0.1, g, g),
        train((0,))(x, g, g, T.vector('eps')),
        train((0,))(x, g, g, T.constant(1, dtype='int64')),
    ]
    for outputs in cases:
        node = outputs[0].owner
        rewrite = {train: fused.local_fused_bn_train}.get(
            type(node.op), fused.local_fused_bn_inference)
        assert not rewrite.transform(node)
    # a non-tensor input
    node = bn.AbstractBatchNormTrainGrad((0,))(x, x, g, g, g,
                                               EPSILON)[0].owner
    node = theano.gof.Apply(node.op, node.inputs[:5] + [
        theano.scalar.float64('eps')], [o.type() for o in node.outputs])
    assert not fused.local_fused_bn_train_grad.transform(node)
    # and the rewrites ignore other ops
    node = bn.AbstractBatchNormInference((0,))(x, g, g, g, g,
                                               EPSILON).owner
    for rewrite in (fused.local_fused_bn_train,
                    fused.local_fused_bn_train_grad):
        assert not rewrite.transform(node)
    assert not fused.local_fused_bn_inference.transform(
        train((0,))(x, g, g, EPSILON)[0].owner)
    # the layer with other axes keeps Theano's expansion, and works
    layer = BatchNormLayer((None, 3, 4, 5), axes=(0, 3))
    fn = theano.function([x4], layer.get_output_for(x4))
    assert not set(FUSED) & op_types(fn)
    assert fn(np.ones((2, 3, 4, 5))).shape == (2, 3, 4, 5)
