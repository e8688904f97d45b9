import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.compile.debugmode import DebugMode
from theano.tensor.signal.pool import MaxPoolGrad, Pool, pool_2d, pool_3d

from lasagne.theano_extensions import opt
from lasagne.theano_extensions.pool import (MaxPool2DGrad,
                                            local_max_pool_2d_grad)


def get_mode(name='FAST_RUN', fused=True):
    mode = theano.compile.get_mode(name)
    return mode if fused else mode.excluding(opt.POOL_TAG)


def op_types(fn):
    return [type(node.op) for node in fn.maker.fgraph.toposort()]


def pooled_shape(shape, ws, stride, ignore_border):
    return tuple(Pool.out_shape(shape, ws, ignore_border, stride))


def tied(shape, dtype, seed=0):
    """Small integers: most windows have several maxima, and many elements
    receive several windows' gradients."""
    values = np.random.RandomState(seed).randint(-1, 3, size=shape)
    return values.astype(dtype)


def output_gradient(shape, dtype, seed=1):
    """Random values, whose sums depend on the order of the terms, and
    some -0."""
    rng = np.random.RandomState(seed)
    values = rng.randn(*shape).astype(dtype)
    values[rng.uniform(size=shape) < 0.2] = -0.
    return values


def assert_identical(a, b):
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)
    # exactly Theano's sums: no -0 where Theano's op computes 0 + (-0) = 0
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


def pool_gradients(ws, stride, dtype, transposed=False):
    """Inputs ``x`` and ``gz``, and the gradients of max pooling ``x``
    with respect to ``x`` for the output gradient ``gz``, with
    ``ignore_border`` True and False (``gz`` has the shape of the output
    without ignore_border, the larger one; it is cut for the other). With
    `transposed`, the pooled input and the output gradient are transposed
    views of ``x`` and ``gz`` (not C-contiguous)."""
    x = T.tensor4('x', dtype=dtype)
    gz = T.tensor4('gz', dtype=dtype)
    if transposed:
        x, gz = x.dimshuffle(0, 1, 3, 2), gz.dimshuffle(0, 1, 3, 2)
    grads = []
    for ignore_border in (True, False):
        pooled = pool_2d(x, ws=ws, stride=stride, mode='max',
                         ignore_border=ignore_border)
        known = gz[:, :, :pooled.shape[2], :pooled.shape[3]]
        grads.append(theano.grad(None, x, known_grads={pooled: known}))
    inputs = [v.owner.inputs[0] if transposed else v for v in (x, gz)]
    return inputs, grads


def compile_pair(inputs, outputs, name='FAST_RUN'):
    """The functions with Lasagne's rewrite (in mode `name`) and with
    Theano's own op (FAST_RUN), checking that each uses the op it should."""
    fused = theano.function(inputs, outputs, mode=get_mode(name))
    theirs = theano.function(inputs, outputs,
                             mode=get_mode('FAST_RUN', fused=False))
    assert MaxPool2DGrad in op_types(fused)
    assert MaxPoolGrad not in op_types(fused)
    assert MaxPoolGrad in op_types(theirs)
    assert MaxPool2DGrad not in op_types(theirs)
    return fused, theirs


def compare(fused, theirs, shape, ws, stride, dtype, transposed=False):
    """Run both functions of :func:`pool_gradients` for a pooled input of
    `shape`, on tied data and on a constant input (every element of every
    window a maximum), and compare."""
    x_shape, gz_shape = shape, pooled_shape(shape, ws, stride, False)
    if transposed:
        x_shape, gz_shape = (s[:2] + s[:1:-1] for s in (x_shape, gz_shape))
    gz = output_gradient(gz_shape, dtype)
    for x in (tied(x_shape, dtype), np.full(x_shape, 1.5, dtype)):
        for a, b in zip(fused(x, gz), theirs(x, gz)):
            assert_identical(a, b)


def compare_direct(fused, theirs, shape, ws, stride, ignore_border, dtype,
                   transposed=False):
    """As :func:`compare`, for functions of ``x``, ``maxout`` and ``gz``
    computing one gradient (with `transposed`, of transposed views of
    them)."""
    x_in = T.tensor4(dtype=dtype)
    pool = theano.function([x_in], pool_2d(x_in, ws, ignore_border, stride))

    def swap(v):
        return np.ascontiguousarray(v.transpose(0, 1, 3, 2)) \
            if transposed else v
    gz_shape = pooled_shape(shape, ws, stride, ignore_border)
    gz = swap(output_gradient(gz_shape, dtype))
    for x in (tied(shape, dtype), np.full(shape, 1.5, dtype)):
        maxout = pool(x)
        x, maxout = swap(x), swap(maxout)
        assert_identical(fused(x, maxout, gz), theirs(x, maxout, gz))


# (input shape, ws, stride): non-overlapping windows, overlapping ones
# (several windows adding into one element), gaps between windows, odd and
# unequal sizes, a window as large as the map or larger (no window at all
# with ignore_border), a window of one column (as Pool1DLayer pools)
CASES = [
    ((2, 3, 8, 8), (2, 2), (2, 2)),
    ((2, 3, 7, 9), (2, 2), (2, 2)),
    ((2, 2, 9, 7), (3, 3), (2, 2)),
    ((1, 2, 10, 11), (3, 2), (1, 1)),
    ((1, 2, 10, 11), (2, 3), (3, 4)),
    ((2, 1, 9, 8), (3, 3), (3, 3)),
    ((1, 1, 5, 6), (5, 6), (1, 1)),
    ((1, 1, 3, 3), (4, 4), (1, 1)),
    ((2, 3, 9, 1), (3, 1), (2, 1)),
]
CASE_IDS = ['2x2', '2x2-odd', '3x3-stride2', 'stride1', 'gaps', '3x3',
            'whole-map', 'larger-than-map', 'one-column']


class TestAgainstTheano:
    """Lasagne's op against Theano's own, in the same process."""

    @pytest.mark.parametrize('dtype', ['float32', 'float64'])
    @pytest.mark.parametrize('shape, ws, stride', CASES, ids=CASE_IDS)
    def test_c_code(self, shape, ws, stride, dtype):
        fused, theirs = compile_pair(*pool_gradients(ws, stride, dtype))
        compare(fused, theirs, shape, ws, stride, dtype)

    @pytest.mark.parametrize('dtype', ['float32', 'float64'])
    @pytest.mark.parametrize('shape, ws, stride', [CASES[1], CASES[2]],
                             ids=['2x2-odd', '3x3-stride2'])
    def test_non_contiguous(self, shape, ws, stride, dtype):
        fused, theirs = compile_pair(*pool_gradients(ws, stride, dtype,
                                                     transposed=True))
        compare(fused, theirs, shape, ws, stride, dtype, transposed=True)

    @pytest.mark.parametrize('ws, stride', [((2, 2), (2, 2)),
                                            ((3, 3), (2, 2))])
    def test_openmp(self, ws, stride):
        # large enough for the C code to share the planes between threads
        with theano.change_flags(openmp=True):
            inputs, outputs = pool_gradients(ws, stride, 'float32')
            fused, theirs = compile_pair(inputs, outputs)
        assert all(node.op.openmp for node in fused.maker.fgraph.toposort()
                   if isinstance(node.op, MaxPool2DGrad))
        compare(fused, theirs, (4, 16, 63, 65), ws, stride, 'float32')

    @pytest.mark.parametrize('ignore_border', [True, False])
    @pytest.mark.parametrize('shape, ws, stride', CASES, ids=CASE_IDS)
    def test_perform(self, shape, ws, stride, ignore_border):
        # FAST_COMPILE runs the NumPy implementation. (Its graph takes the
        # pooled output as an input: Theano's own Pool.perform fails with
        # NumPy >= 1.23.)
        x, m, gz = T.ftensor4s('x', 'm', 'gz')
        grad = MaxPoolGrad(ignore_border)(x, m, gz, ws, stride)
        fused, theirs = compile_pair([x, m, gz], grad, name='FAST_COMPILE')
        compare_direct(fused, theirs, shape, ws, stride, ignore_border,
                       'float32')

    @pytest.mark.parametrize('transposed', [False, True])
    @pytest.mark.parametrize('shape, ws, stride', [CASES[1], CASES[2]],
                             ids=['2x2-odd', '3x3-stride2'])
    def test_debug_mode(self, shape, ws, stride, transposed):
        # DebugMode checks that perform and the C code agree. (Its checks
        # with preallocated outputs import theano.gpuarray, which needs
        # setuptools' pkg_resources.)
        x, m, gz = T.tensor4s('x', 'm', 'gz')
        views = [v.dimshuffle(0, 1, 3, 2) if transposed else v
                 for v in (x, m, gz)]
        grad = MaxPoolGrad(False)(*views, ws=ws, stride=stride)
        fused, theirs = compile_pair([x, m, gz], grad, name=DebugMode(
            check_preallocated_output=[]))
        compare_direct(fused, theirs, shape, ws, stride, False, 'float64',
                       transposed)

    def test_debug_mode_reused_outputs(self):
        # the C code given output buffers of every layout, from earlier
        # calls; DebugMode imports theano.gpuarray for it, which needs
        # setuptools' pkg_resources
        pytest.importorskip('pkg_resources')
        x, m, gz = T.tensor4s('x', 'm', 'gz')
        grad = MaxPoolGrad(True)(x, m, gz, ws=(2, 2))
        fused, theirs = compile_pair([x, m, gz], grad, name=DebugMode(
            check_preallocated_output=['ALL']))
        compare_direct(fused, theirs, (2, 1, 5, 4), (2, 2), (2, 2), True,
                       'float64')


class TestOp:

    def test_infer_shape(self):
        x, m, gz = T.tensor4s('x', 'm', 'gz')
        fn = theano.function([x, m, gz],
                             MaxPool2DGrad(True)(x, m, gz, (2, 2),
                                                 (2, 2)).shape)
        assert MaxPool2DGrad not in op_types(fn)
        assert list(fn(np.zeros((1, 2, 5, 4)), np.zeros((1, 2, 2, 2)),
                       np.zeros((1, 2, 2, 2)))) == [1, 2, 5, 4]

    def test_higher_dimensions(self):
        # leading axes of any number are planes pooled independently
        x = T.tensor5('x')
        y = pool_2d(x, ws=(2, 3), ignore_border=True)
        grad = T.grad((y * T.arange(y.size).reshape(y.shape)).sum(), x)
        fused, theirs = compile_pair([x], grad)
        data = tied((2, 3, 2, 5, 7), 'float64')
        assert_identical(fused(data), theirs(data))

    def test_verify_grad_through_pooling(self):
        # distinct values: no ties, so the maxima do not move under the
        # finite differences
        from lasagne.layers import MaxPool2DLayer
        layer = MaxPool2DLayer((None, 2, 7, 6), pool_size=3, stride=2)
        x = np.random.RandomState(0).permutation(2 * 2 * 7 * 6)
        theano.gradient.verify_grad(
            layer.get_output_for, [x.reshape(2, 2, 7, 6) / 10.],
            rng=np.random.RandomState(1), mode=get_mode())

    def test_verify_grad_of_op(self):
        # its own gradient (Theano's second derivative of max pooling), with
        # respect to the output gradient
        x = tied((1, 2, 5, 5), 'float64')
        m = x[:, :, :4, :4].reshape(1, 2, 2, 2, 2, 2).max(axis=(3, 5))
        theano.gradient.verify_grad(
            lambda gz: MaxPool2DGrad(True)(x, m, gz, (2, 2), (2, 2)),
            [np.random.RandomState(0).randn(1, 2, 2, 2)],
            rng=np.random.RandomState(1))

    @pytest.mark.parametrize('args, match', [
        ((T.tensor4(), T.tensor3(), T.tensor4(), (2, 2), (2, 2)),
         'number of dimensions'),
        ((T.vector(), T.vector(), T.vector(), (2, 2), (2, 2)),
         'number of dimensions'),
        ((T.itensor4(), T.itensor4(), T.itensor4(), (2, 2), (2, 2)),
         'float32'),
        ((T.tensor4(), T.ftensor4(), T.tensor4(), (2, 2), (2, 2)),
         'float32'),
        ((T.tensor4(), T.tensor4(), T.tensor4(), (2., 2.), (2, 2)),
         'ws must be an integer vector'),
        ((T.tensor4(), T.tensor4(), T.tensor4(), (2, 2), T.lmatrix()),
         'stride must be an integer vector'),
    ])
    def test_wrong_types(self, args, match):
        with pytest.raises(TypeError, match=match):
            MaxPool2DGrad(True)(*args)

    @pytest.mark.parametrize('name', ['FAST_RUN', 'FAST_COMPILE'])
    @pytest.mark.parametrize('ws, stride, m_shape, match', [
        ((2, 2), (2, 2), (1, 1, 2, 3), 'maxout and gz must have'),
        ((2, 2), (2, 2), (1, 2, 2, 2), 'maxout and gz must have'),
        ((0, 2), (2, 2), (1, 1, 2, 2), 'ws must be'),
        ((2, 2), (2, -1), (1, 1, 2, 2), 'stride must be'),
        ((2, 2, 1), (2, 2), (1, 1, 2, 2), 'ws must be'),
    ])
    def test_wrong_values(self, name, ws, stride, m_shape, match):
        x, m, gz = T.tensor4s('x', 'm', 'gz')
        ws_var, stride_var = T.lvector(), T.lvector()
        fn = theano.function(
            [x, m, gz, ws_var, stride_var],
            MaxPool2DGrad(True)(x, m, gz, ws_var, stride_var),
            mode=get_mode(name))
        with pytest.raises(ValueError, match=match):
            fn(np.zeros((1, 1, 4, 5)), np.zeros(m_shape), np.zeros(m_shape),
               ws, stride)

    def test_run_time_windows(self):
        # ws and stride may be computed (as SpatialPyramidPoolingLayer
        # does), and of any integer dtype
        x = T.tensor4('x')
        ws, stride = T.bvector('ws'), T.ivector('stride')
        y = pool_2d(x, ws=ws, stride=stride, ignore_border=True)
        grad = T.grad((y * T.arange(y.size).reshape(y.shape)).sum(), x)
        fused, theirs = compile_pair([x, ws, stride], grad)
        data = tied((2, 2, 9, 8), 'float64')
        for windows in [((2, 2), (2, 2)), ((3, 2), (2, 1))]:
            assert_identical(fused(data, *windows), theirs(data, *windows))


class TestRewrite:

    def test_registered(self):
        db = theano.compile.optdb['specialize_device']
        name = local_max_pool_2d_grad.__name__
        assert list(db.__db__[name]) == [local_max_pool_2d_grad]
        for tag in ('fast_run', 'fast_compile', opt.POOL_TAG):
            assert local_max_pool_2d_grad in db.__db__[tag]
        opt.register()  # a second registration is a no-op, not an error
        assert list(db.__db__[name]) == [local_max_pool_2d_grad]

    @pytest.mark.parametrize('ignore_border', [True, False])
    def test_replaces(self, ignore_border):
        x, m, gz = T.ftensor4s('x', 'm', 'gz')
        node = MaxPoolGrad(ignore_border)(x, m, gz, (2, 3), (1, 2)).owner
        result, = local_max_pool_2d_grad.transform(node)
        assert result.type == node.outputs[0].type
        assert result.owner.op == MaxPool2DGrad(ignore_border)
        assert result.owner.inputs[:3] == [x, m, gz]

    @staticmethod
    def gradient_node(pool, **kwargs):
        x = T.tensor4()
        return T.grad(pool(x, ignore_border=True, **kwargs).sum(), x).owner

    @pytest.mark.parametrize('make_node', [
        lambda: MaxPoolGrad(True)(*T.tensor4s('x', 'm', 'gz'), ws=(2, 2),
                                  pad=(1, 0)).owner,
        lambda: MaxPoolGrad(True)(*T.tensor4s('x', 'm', 'gz'), ws=(2, 2),
                                  pad=T.lvector()).owner,
        lambda: MaxPoolGrad(True)(T.itensor4(), T.itensor4(), T.itensor4(),
                                  ws=(2, 2)).owner,
        lambda: MaxPoolGrad(True)(T.tensor4(), T.ftensor4(), T.tensor4(),
                                  ws=(2, 2)).owner,
        lambda: TestRewrite.gradient_node(pool_3d, ws=(2, 2, 2)),
        lambda: TestRewrite.gradient_node(pool_2d, ws=(2, 2),
                                          mode='average_inc_pad'),
    ], ids=['padding', 'symbolic-padding', 'integer', 'mixed-dtypes', '3d',
            'average'])
    def test_left_alone(self, make_node):
        assert local_max_pool_2d_grad.transform(make_node()) is False


@pytest.fixture(scope='module')
def cnn_step():
    """Inputs, loss and updates of a small CNN's training step."""
    from lasagne.layers import (Conv2DLayer, DenseLayer, InputLayer,
                                MaxPool2DLayer, get_all_params, get_output)
    from lasagne.nonlinearities import softmax
    from lasagne.objectives import categorical_crossentropy
    from lasagne.updates import nesterov_momentum
    network = InputLayer((None, 1, 6, 6))
    network = Conv2DLayer(network, 2, 3, pad=1)
    network = MaxPool2DLayer(network, 2)
    network = DenseLayer(network, 3, nonlinearity=softmax)
    x, y = T.tensor4('x'), T.ivector('y')
    loss = categorical_crossentropy(get_output(network, x), y).mean()
    params = get_all_params(network, trainable=True)
    return [x, y], loss, nesterov_momentum(loss, params, 0.1), params


def test_cnn_training_step(cnn_step):
    inputs, loss, updates, params = cnn_step
    fused, theirs = (theano.function(inputs, loss, updates=updates,
                                     mode=get_mode(fused=f))
                     for f in (True, False))
    assert MaxPool2DGrad in op_types(fused)
    assert MaxPoolGrad not in op_types(fused)
    assert MaxPoolGrad in op_types(theirs)
    # identical steps from identical parameters and velocities
    rng = np.random.RandomState(0)
    data = [rng.randn(4, 1, 6, 6), np.array([0, 1, 2, 1], 'int32')]
    state = list(updates)
    initial = [v.get_value() for v in state]
    results = []
    for fn in (fused, theirs):
        for v, value in zip(state, initial):
            v.set_value(value)
        results.append([fn(*data)] + [v.get_value() for v in state])
    for a, b in zip(*results):
        np.testing.assert_array_equal(a, b)


def test_cnn_training_step_fast_compile(cnn_step):
    # (compiled only: Theano's Pool.perform fails with NumPy >= 1.23)
    inputs, loss, updates, params = cnn_step
    fn = theano.function(inputs, loss, updates=updates,
                         mode=get_mode('FAST_COMPILE'))
    assert MaxPool2DGrad in op_types(fn)
    assert MaxPoolGrad not in op_types(fn)
