import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne.theano_extensions import bn as fused_bn
from lasagne.theano_extensions import opt


def scalar_ops(fn):
    """Every scalar operation a compiled function computes elementwise,
    looking into the composites that elementwise fusion builds, as (scalar
    op, output variable) pairs."""
    found = []
    for node in fn.maker.fgraph.toposort():
        if not isinstance(node.op, T.Elemwise):
            continue
        scalar_op = node.op.scalar_op
        if isinstance(scalar_op, theano.scalar.Composite):
            found.extend((inner.op, node.outputs[0])
                         for inner in scalar_op.fgraph.toposort())
        else:
            found.append((scalar_op, node.outputs[0]))
    return found


def pow_outputs(fn):
    return [out for op, out in scalar_ops(fn)
            if isinstance(op, theano.scalar.Pow)]


def has_sqr(fn):
    return any(isinstance(op, theano.scalar.Sqr) for op, _ in scalar_ops(fn))


def fast_compile(rewrite=True):
    mode = theano.compile.get_mode('FAST_COMPILE')
    return mode if rewrite else mode.excluding('local_pow_to_sqr')


def broadcast_two(ndim, dtype):
    """A constant 2 broadcast to `ndim` dimensions."""
    return T.constant(np.full((1,) * ndim, 2, dtype=dtype))


def test_registered_after_device_lowering():
    db = theano.compile.optdb['specialize_device']
    assert list(db.__db__['local_pow_to_sqr']) == [opt.local_pow_to_sqr]
    for tag in ('fast_run', 'fast_compile'):
        assert opt.local_pow_to_sqr in db.__db__[tag]
    opt.register()  # a second registration is a no-op, not an error
    assert list(db.__db__['local_pow_to_sqr']) == [opt.local_pow_to_sqr]


class TestTransform:
    """The local optimizer applied to single nodes."""

    def test_dimshuffled_constant(self):
        x = T.matrix()
        node = T.pow(x, T.constant(2.).dimshuffle('x', 'x')).owner
        result, = opt.local_pow_to_sqr.transform(node)
        assert result.type == node.outputs[0].type
        assert isinstance(result.owner.op.scalar_op, theano.scalar.Sqr)
        assert result.owner.inputs[0] is x

    def test_folded_constant(self):
        x = T.tensor3('x', dtype='float32')
        node = T.pow(x, broadcast_two(3, 'float32')).owner
        result, = opt.local_pow_to_sqr.transform(node)
        assert result.type == node.outputs[0].type

    def test_integer_input_is_cast_before_squaring(self):
        # int8 ** float32 is float32: squaring in int8 would overflow.
        x = T.matrix(dtype='int8')
        node = T.pow(x, broadcast_two(2, 'float32')).owner
        result, = opt.local_pow_to_sqr.transform(node)
        assert result.type == node.outputs[0].type
        values = np.array([[100, -128, 7]], dtype='int8')
        np.testing.assert_array_equal(
            result.eval({x: values}),
            values.astype('float32') ** 2)

    @pytest.mark.parametrize('make_node', [
        # exponent not 2
        lambda: T.pow(T.matrix(), broadcast_two(2, 'float64') + 1).owner,
        lambda: T.pow(T.matrix(), T.constant(np.full((1, 1), 2.5))).owner,
        # a constant exponent that is not broadcast: its shape decides the
        # output's (or raises a mismatch), which sqr(x) would not do
        lambda: T.pow(T.vector(), T.constant(np.full(3, 2.))).owner,
        # integer output
        lambda: T.pow(T.imatrix(), broadcast_two(2, 'int8')).owner,
        # not a constant
        lambda: T.pow(T.matrix(), T.matrix()).owner,
        lambda: T.pow(T.matrix(), theano.shared(np.full((1, 1), 2.),
                                                broadcastable=(True, True))
                      ).owner,
        # not a pow at all
        lambda: T.mul(T.matrix(), broadcast_two(2, 'float64')).owner,
    ], ids=['plus-one', 'two-and-a-half', 'not-broadcast', 'integer',
            'variable', 'shared', 'mul'])
    def test_left_alone(self, make_node):
        assert opt.local_pow_to_sqr.transform(make_node()) is False


class TestCompiled:
    """Graphs compiled in FAST_COMPILE, where Theano's own pow rules do not
    run, so what changes is this rewrite's doing."""

    @pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64'])
    def test_rewritten_with_exact_values(self, dtype):
        x = T.matrix(dtype=dtype)
        y = x ** broadcast_two(2, dtype)
        fn = theano.function([x], y, mode=fast_compile())
        assert pow_outputs(fn) == [] and has_sqr(fn)
        assert pow_outputs(theano.function(
            [x], y, mode=fast_compile(rewrite=False)))
        values = np.random.RandomState(0).uniform(-300, 300, (200, 50))
        values = values.astype(dtype)
        result = fn(values)
        assert result.dtype == dtype
        # NumPy squares exactly; float16 overflows to inf beyond 256 alike
        np.testing.assert_array_equal(result, values ** 2)

    @pytest.mark.parametrize('x, exponent', [
        (T.matrix(), T.constant(np.full((1, 1), 3.))),
        (T.vector(), T.constant(np.full(3, 2.))),
        (T.imatrix(), broadcast_two(2, 'int8')),
    ], ids=['three', 'not-broadcast', 'integer'])
    def test_not_rewritten(self, x, exponent):
        fn = theano.function([x], x ** exponent, mode=fast_compile())
        assert pow_outputs(fn)
        values = np.arange(1, 4).reshape((1, 3) if x.ndim == 2 else (3,))
        values = values.astype(x.dtype)
        np.testing.assert_array_equal(fn(values),
                                      values ** exponent.data)

    def test_not_broadcast_exponent_keeps_shape_check(self):
        x = T.vector()
        fn = theano.function([x], x ** T.constant(np.full(3, 2.)),
                             mode=fast_compile())
        with pytest.raises(ValueError):
            fn(np.ones(5))


@pytest.fixture(scope='module')
def batch_norm_step():
    """A training step of a batch normalization layer: output, gradients
    and running average updates, for a float64 4-D input."""
    from lasagne.layers import BatchNormLayer
    x = T.tensor4('x', dtype='float64')
    layer = BatchNormLayer((None, 3, 4, 5), gamma=np.linspace(.5, 2, 3),
                           beta=np.linspace(-1, 1, 3))
    out = layer.get_output_for(x)
    weights = np.random.RandomState(1).randn(6, 3, 4, 5)
    grads = theano.grad((out * weights).sum(),
                        [x, layer.gamma, layer.beta])
    return layer, x, [out] + grads


@pytest.mark.parametrize('mode', ['FAST_RUN', 'FAST_COMPILE'])
def test_batch_norm_training_step(batch_norm_step, mode):
    layer, x, outputs = batch_norm_step
    # Theano's expansion, not Lasagne's fused lowering of the ops
    base = theano.compile.get_mode(mode).excluding(fused_bn.TAG)
    with_rewrite = theano.function([x], outputs, mode=base)
    without = theano.function([x], outputs,
                              mode=base.excluding('local_pow_to_sqr'))

    def input_sized_pows(fn):
        # a pow whose output is as large as the input (not broadcast along
        # any axis), i.e. that runs over every element
        return [out for out in pow_outputs(fn)
                if out.ndim == 4 and not any(out.broadcastable)]

    # Theano's CPU expansion of the batch normalization ops leaves the
    # variance's (x - mean) ** 2 as a generic pow; the rewrite makes it sqr.
    assert input_sized_pows(without)
    assert input_sized_pows(with_rewrite) == []
    assert has_sqr(with_rewrite)
    # The only pow left is Theano's inv_std ** 3 in the gradient, on one
    # value per channel.
    assert all(out.broadcastable == (True, False, True, True)
               for out in pow_outputs(with_rewrite))

    data = np.random.RandomState(0).randn(6, 3, 4, 5) * 3 + 2
    stats = [p.get_value() for p in (layer.mean, layer.inv_std)]
    first = with_rewrite(data)
    updated = [p.get_value() for p in (layer.mean, layer.inv_std)]
    for p, value in zip((layer.mean, layer.inv_std), stats):
        p.set_value(value)
    second = without(data)
    for a, b in zip(first, second):
        np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-13)
    for p, value in zip((layer.mean, layer.inv_std), updated):
        np.testing.assert_allclose(p.get_value(), value, rtol=1e-13)


class TestSkipTruncatedScans:

    @staticmethod
    def masked_recurrence_gradient(truncate_gradient):
        """The weight gradient of a masked tanh recurrence over two
        sequences (the input and the mask), with a truncated gradient."""
        x = T.tensor3('x')
        m = T.matrix('m')
        W = theano.shared(np.random.RandomState(0).randn(3, 3), name='W')

        def step(x_t, m_t, h):
            return T.switch(m_t[:, None], T.tanh(x_t + T.dot(h, W)), h)

        h, _ = theano.scan(step, sequences=[x, m],
                           outputs_info=[T.zeros_like(x[0])],
                           truncate_gradient=truncate_gradient)
        return [x, m], T.grad(h[-1].sum(), W), W.get_value()

    @staticmethod
    def numpy_gradient(x, m, W, steps):
        hs = [np.zeros_like(x[0])]
        for x_t, m_t in zip(x, m):
            new = np.tanh(x_t + hs[-1].dot(W))
            hs.append(np.where(m_t[:, None] > 0, new, hs[-1]))
        grad, delta = np.zeros_like(W), np.ones_like(x[0])
        for t in range(len(x) - 1, len(x) - 1 - steps, -1):
            pre = x[t] + hs[t].dot(W)
            through = delta * (1 - np.tanh(pre) ** 2) * m[t][:, None]
            grad += hs[t].T.dot(through)
            delta = delta * (1 - m[t][:, None]) + through.dot(W.T)
        return grad

    def test_truncated_gradient_compiles(self):
        inputs, grad, W = self.masked_recurrence_gradient(2)
        rng = np.random.RandomState(1)
        x = rng.randn(5, 2, 3)
        m = (rng.rand(5, 2) > 0.3).astype(theano.config.floatX)
        result = theano.function(inputs, grad, mode='FAST_RUN')(x, m)
        np.testing.assert_allclose(result, self.numpy_gradient(x, m, W, 2),
                                   rtol=1e-6)

    def test_theano_rewrite_is_broken_without_the_guard(self, monkeypatch):
        # Documents why the guard exists: with Theano's own method, the
        # same graph fails to run.
        pushout = theano.scan_module.scan_opt.PushOutScanOutput
        monkeypatch.setattr(pushout, 'process_node',
                            pushout.process_node.__wrapped__)
        inputs, grad, _ = self.masked_recurrence_gradient(2)
        f = theano.function(inputs, grad, mode='FAST_RUN')
        with pytest.raises(ValueError, match='[Ss]hape mismatch'):
            f(np.ones((5, 2, 3)), np.ones((5, 2)))

    def test_untruncated_scans_still_rewritten(self):
        calls = []

        def process_node(self, fgraph, node):
            calls.append(node)
            return 'processed'

        guarded = opt.skip_truncated_scans(process_node)
        truncated = type('Node', (), {'op': type('Op', (), {
            'truncate_gradient': 3})()})()
        full = type('Node', (), {'op': type('Op', (), {
            'truncate_gradient': -1})()})()
        assert guarded(None, None, truncated) is None
        assert guarded(None, None, full) == 'processed'
        assert calls == [full]

    def test_installed_once(self):
        pushout = theano.scan_module.scan_opt.PushOutScanOutput
        assert pushout.process_node.skips_truncated_scans
        assert opt.skip_truncated_scans(pushout.process_node) is \
            pushout.process_node
        opt.register()
        assert not getattr(pushout.process_node.__wrapped__,
                           'skips_truncated_scans', False)
