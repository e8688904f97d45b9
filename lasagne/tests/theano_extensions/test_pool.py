import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.compile.debugmode import DebugMode
from theano.tensor.signal.pool import MaxPoolGrad, Pool, pool_2d, pool_3d

from lasagne.theano_extensions import opt
from lasagne.theano_extensions.pool import (MaxPool2D, MaxPool2DGrad,
                                            local_max_pool_2d,
                                            local_max_pool_2d_grad)

#: Lasagne's ops and the Theano ops they replace
THEIRS = {MaxPool2D: Pool, MaxPool2DGrad: MaxPoolGrad}


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


def special(shape, dtype, seed=2):
    """Tied values with NaNs (which count as a window's maximum only where
    they come first) and zeros of both signs (the first of a window's equal
    maxima is kept)."""
    rng = np.random.RandomState(seed)
    values = tied(shape, dtype, seed) * 0
    values[rng.uniform(size=shape) < 0.3] = -0.
    values[rng.uniform(size=shape) < 0.2] = np.nan
    values[rng.uniform(size=shape) < 0.1] = -1
    return values


def inputs_for(shape, dtype):
    """The pooled inputs each comparison runs on."""
    return [tied(shape, dtype), np.full(shape, 1.5, dtype),
            special(shape, dtype)]


def output_gradient(shape, dtype, seed=1):
    """Random values, whose sums depend on the order of the terms, and
    some -0."""
    rng = np.random.RandomState(seed)
    values = rng.randn(*shape).astype(dtype)
    values[rng.uniform(size=shape) < 0.2] = -0.
    return values


def assert_identical(a, b):
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)  # NaNs where the other has NaNs
    # exactly Theano's sums: no -0 where Theano's op computes 0 + (-0) = 0;
    # exactly Theano's maxima: the first of 0 and -0
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


def theano_pool(x, ws, stride, ignore_border):
    return pool_2d(x, ws=ws, stride=stride, ignore_border=ignore_border,
                   mode='max')


def own_pool(x, ws, stride, ignore_border):
    return MaxPool2D(ignore_border)(x, ws, stride)


def pool_gradients(ws, stride, dtype, transposed=False, pool=theano_pool):
    """Inputs ``x`` and ``gz``, and the gradients of max pooling ``x``
    with respect to ``x`` for the output gradient ``gz``, with
    ``ignore_border`` True and False (``gz`` has the shape of the output
    without ignore_border, the larger one; it is cut for the other). With
    `transposed`, the pooled input and the output gradient are transposed
    views of ``x`` and ``gz`` (not C-contiguous). `pool` builds the
    pooling."""
    x = T.tensor4('x', dtype=dtype)
    gz = T.tensor4('gz', dtype=dtype)
    if transposed:
        x, gz = x.dimshuffle(0, 1, 3, 2), gz.dimshuffle(0, 1, 3, 2)
    outputs = []
    for ignore_border in (True, False):
        pooled = pool(x, ws, stride, ignore_border)
        known = gz[:, :, :pooled.shape[2], :pooled.shape[3]]
        outputs += [pooled,
                    theano.grad(None, x, known_grads={pooled: known})]
    inputs = [v.owner.inputs[0] if transposed else v for v in (x, gz)]
    return inputs, outputs


def compile_pair(inputs, outputs, name='FAST_RUN',
                 ours=(MaxPool2D, MaxPool2DGrad)):
    """The functions with Lasagne's rewrites (in mode `name`) and with
    Theano's own ops (FAST_RUN), checking that each uses the ops it
    should."""
    fused = theano.function(inputs, outputs, mode=get_mode(name))
    theirs = theano.function(inputs, outputs,
                             mode=get_mode('FAST_RUN', fused=False))
    for op in ours:
        assert op in op_types(fused) and THEIRS[op] not in op_types(fused)
        assert THEIRS[op] in op_types(theirs) and op not in op_types(theirs)
    return fused, theirs


def compare(fused, theirs, shape, ws, stride, dtype, transposed=False):
    """Run both functions of :func:`pool_gradients` for a pooled input of
    `shape`, on tied data and on a constant input (every element of every
    window a maximum), and compare."""
    x_shape, gz_shape = shape, pooled_shape(shape, ws, stride, False)
    if transposed:
        x_shape, gz_shape = (s[:2] + s[:1:-1] for s in (x_shape, gz_shape))
    gz = output_gradient(gz_shape, dtype)
    for x in inputs_for(x_shape, dtype):
        for a, b in zip(fused(x, gz), theirs(x, gz)):
            assert_identical(a, b)


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
                   if type(node.op) in THEIRS)
        compare(fused, theirs, (4, 16, 63, 65), ws, stride, 'float32')

    @pytest.mark.parametrize('shape, ws, stride', CASES, ids=CASE_IDS)
    def test_perform(self, shape, ws, stride):
        # FAST_COMPILE runs the NumPy implementations (where Theano's own
        # Pool.perform fails with NumPy >= 1.23)
        fused, theirs = compile_pair(*pool_gradients(ws, stride, 'float32'),
                                     name='FAST_COMPILE')
        compare(fused, theirs, shape, ws, stride, 'float32')

    @pytest.mark.parametrize('transposed', [False, True])
    @pytest.mark.parametrize('shape, ws, stride', [CASES[1], CASES[2]],
                             ids=['2x2-odd', '3x3-stride2'])
    def test_debug_mode(self, shape, ws, stride, transposed):
        # DebugMode checks that perform and the C code agree. It runs the
        # ops a rewrite replaced, and so Theano's failing Pool.perform:
        # the graph is built with Lasagne's ops (and MaxPool2D.grad). (Its
        # checks with preallocated outputs import theano.gpuarray, which
        # needs setuptools' pkg_resources.)
        fused = theano.function(*pool_gradients(
            ws, stride, 'float64', transposed, own_pool),
            mode=DebugMode(check_preallocated_output=[],
                           check_isfinite=False))  # NaNs are intended
        assert set(THEIRS) <= set(op_types(fused))
        theirs = theano.function(*pool_gradients(
            ws, stride, 'float64', transposed), mode=get_mode(fused=False))
        compare(fused, theirs, shape, ws, stride, 'float64', transposed)

    def test_debug_mode_reused_outputs(self):
        # the C code given output buffers of every layout, from earlier
        # calls; DebugMode imports theano.gpuarray for it, which needs
        # setuptools' pkg_resources
        pytest.importorskip('pkg_resources')
        fused = theano.function(*pool_gradients(
            (2, 2), (2, 2), 'float64', pool=own_pool),
            mode=DebugMode(check_preallocated_output=['ALL'],
                           check_isfinite=False))
        theirs = theano.function(*pool_gradients((2, 2), (2, 2), 'float64'),
                                 mode=get_mode(fused=False))
        compare(fused, theirs, (2, 1, 5, 4), (2, 2), (2, 2), 'float64')


class TestOp:

    @pytest.mark.parametrize('ignore_border, shape', [
        (True, [3, 2, 2, 1]), (False, [3, 2, 3, 2])])
    def test_infer_shape_forward(self, ignore_border, shape):
        x = T.tensor4('x')
        fn = theano.function([x], MaxPool2D(ignore_border)(x, (2, 3),
                                                           (2, 3)).shape)
        assert MaxPool2D not in op_types(fn)
        assert list(fn(np.zeros((3, 2, 5, 4)))) == shape

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
        with pytest.raises(TypeError, match='MaxPool2DGrad: .*' + match):
            MaxPool2DGrad(True)(*args)

    @pytest.mark.parametrize('args, match', [
        ((T.vector(), (2, 2), (2, 2)), 'number of dimensions'),
        ((T.itensor4(), (2, 2), (2, 2)), 'float32'),
        ((T.tensor4(), T.vector(), (2, 2)), 'ws must be an integer vector'),
    ])
    def test_wrong_types_forward(self, args, match):
        with pytest.raises(TypeError, match='MaxPool2D: .*' + match):
            MaxPool2D(True)(*args)

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

    @pytest.mark.parametrize('name', ['FAST_RUN', 'FAST_COMPILE'])
    @pytest.mark.parametrize('ws, stride, ignore_border, shape, match', [
        ((0, 2), (2, 2), True, (1, 1, 4, 5), 'ws must be'),
        ((2, 2), (2, 0), True, (1, 1, 4, 5), 'stride must be'),
        ((2, 2), (1, 2, 3), True, (1, 1, 4, 5), 'stride must be'),
        ((3, 3), (2, 2), False, (1, 1, 0, 5), 'windows over an empty axis'),
    ])
    def test_wrong_values_forward(self, name, ws, stride, ignore_border,
                                  shape, match):
        x, ws_var, stride_var = T.tensor4('x'), T.lvector(), T.lvector()
        fn = theano.function(
            [x, ws_var, stride_var],
            MaxPool2D(ignore_border)(x, ws_var, stride_var),
            mode=get_mode(name))
        with pytest.raises(ValueError, match='MaxPool2D: ' + match):
            fn(np.zeros(shape), ws, stride)

    @pytest.mark.parametrize('name', ['FAST_RUN', 'FAST_COMPILE'])
    def test_empty(self, name):
        # empty outputs, and an input gradient of zeros where no window is
        x = T.tensor4('x')
        y = MaxPool2D(True)(x, (3, 3), (3, 3))
        fn = theano.function([x], [y, T.grad(y.sum(), x)],
                             mode=get_mode(name))
        for shape, pooled in [((0, 2, 6, 6), (0, 2, 2, 2)),
                              ((1, 2, 2, 6), (1, 2, 0, 2))]:
            z, grad = fn(np.ones(shape))
            assert z.shape == pooled
            assert grad.shape == shape and not grad.any()

    def test_verify_grad_of_forward_op(self):
        # MaxPool2D.grad, which Theano's graphs never use (the rewrite runs
        # after differentiation)
        x = np.random.RandomState(0).permutation(2 * 7 * 6) / 10.
        theano.gradient.verify_grad(
            lambda x: MaxPool2D(False)(x, (3, 2), (2, 2)),
            [x.reshape(1, 2, 7, 6)], rng=np.random.RandomState(1))

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

    @pytest.mark.parametrize('rewrite', [local_max_pool_2d,
                                         local_max_pool_2d_grad])
    def test_registered(self, rewrite):
        db = theano.compile.optdb['specialize_device']
        assert list(db.__db__[rewrite.__name__]) == [rewrite]
        for tag in ('fast_run', 'fast_compile', opt.POOL_TAG):
            assert rewrite in db.__db__[tag]
        opt.register()  # a second registration is a no-op, not an error
        assert list(db.__db__[rewrite.__name__]) == [rewrite]

    @pytest.mark.parametrize('ignore_border', [True, False])
    def test_replaces_forward(self, ignore_border):
        x = T.ftensor4('x')
        node = Pool(ignore_border)(x, (2, 3), (1, 2)).owner
        result, = local_max_pool_2d.transform(node)
        assert result.type == node.outputs[0].type
        assert result.owner.op == MaxPool2D(ignore_border)
        assert result.owner.inputs[0] is x

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

    @pytest.mark.parametrize('make_node', [
        lambda: Pool(True)(T.tensor4(), (2, 2), pad=(0, 1)).owner,
        lambda: Pool(True)(T.tensor4(), (2, 2), pad=T.lvector()).owner,
        lambda: Pool(True)(T.itensor4(), (2, 2)).owner,
        lambda: Pool(True, ndim=3)(T.tensor4(), (2, 2, 2)).owner,
        lambda: Pool(True, mode='sum')(T.tensor4(), (2, 2)).owner,
        lambda: T.exp(T.tensor4()).owner,
    ], ids=['padding', 'symbolic-padding', 'integer', '3d', 'sum', 'exp'])
    def test_forward_left_alone(self, make_node):
        assert local_max_pool_2d.transform(make_node()) is False


def training_step(convolution):
    """Inputs, loss and updates of a small network's training step, with
    max pooling of a convolution's output, or of the input plus a bias."""
    from lasagne.layers import (BiasLayer, Conv2DLayer, DenseLayer,
                                InputLayer, MaxPool2DLayer, get_all_params,
                                get_output)
    from lasagne.nonlinearities import softmax
    from lasagne.objectives import categorical_crossentropy
    from lasagne.updates import nesterov_momentum
    network = InputLayer((None, 1, 6, 6))
    if convolution:
        network = Conv2DLayer(network, 2, 3, pad=1)
    else:
        network = BiasLayer(network, b=np.linspace(-1, 1, 1))
    network = MaxPool2DLayer(network, 2)
    network = DenseLayer(network, 3, nonlinearity=softmax)
    x, y = T.tensor4('x'), T.ivector('y')
    loss = categorical_crossentropy(get_output(network, x), y).mean()
    params = get_all_params(network, trainable=True)
    return [x, y], loss, nesterov_momentum(loss, params, 0.1)


def run_steps(step, *modes):
    """The compiled step in each mode, and the loss and updated state of
    one step of each from the same parameters and velocities."""
    inputs, loss, updates = step
    rng = np.random.RandomState(0)
    data = [rng.randn(4, 1, 6, 6), np.array([0, 1, 2, 1], 'int32')]
    state = list(updates)
    initial = [v.get_value() for v in state]
    fns, results = [], []
    for mode in modes:
        fns.append(theano.function(inputs, loss, updates=updates, mode=mode))
        for v, value in zip(state, initial):
            v.set_value(value)
        results.append([fns[-1](*data)] + [v.get_value() for v in state])
    return fns, results


def test_cnn_training_step():
    (fused, theirs), results = run_steps(training_step(True), get_mode(),
                                         get_mode(fused=False))
    for op, replaced in THEIRS.items():
        assert op in op_types(fused) and replaced not in op_types(fused)
        assert replaced in op_types(theirs)
    for a, b in zip(*results):  # identical steps
        np.testing.assert_array_equal(a, b)


def test_cnn_training_step_fast_compile():
    # compiled only: in FAST_COMPILE, Theano lowers convolutions to CorrMM,
    # which has no Python implementation
    inputs, loss, updates = training_step(True)
    fn = theano.function(inputs, loss, updates=updates,
                         mode=get_mode('FAST_COMPILE'))
    assert set(THEIRS) <= set(op_types(fn))
    assert not set(THEIRS.values()) & set(op_types(fn))


def test_pooling_runs_in_fast_compile():
    # where Theano's Pool.perform fails with NumPy >= 1.23
    (fused, theirs), results = run_steps(
        training_step(False), get_mode('FAST_COMPILE'), get_mode(fused=False))
    assert set(THEIRS) <= set(op_types(fused))
    for a, b in zip(*results):  # (the products are computed differently)
        np.testing.assert_allclose(a, b, rtol=1e-12)
