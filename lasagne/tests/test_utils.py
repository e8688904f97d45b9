import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne import utils
from lasagne.init import Constant, Normal

FLOATX = theano.config.floatX
# These tests check graphs, not Theano's C code: the Python implementations
# of the ops give the same values without compiling any C on a cold cache.
MODE = 'FAST_COMPILE'


def test_int_types():
    for value in [3, np.int8(3), np.int32(3), np.int64(3), np.uint16(3)]:
        assert isinstance(value, utils.int_types)
    for value in [3.0, np.float32(3), '3', None]:
        assert not isinstance(value, utils.int_types)


class TestFloatX(object):
    def test_converts_to_floatX(self):
        for data in [[1, 2, 3], np.arange(3), np.arange(3.0, dtype='float16'),
                     2.5]:
            result = utils.floatX(data)
            assert isinstance(result, np.ndarray)
            assert result.dtype == FLOATX
            np.testing.assert_array_equal(result, np.asarray(data))

    def test_no_copy_for_floatX_arrays(self):
        data = np.zeros((2, 3), dtype=FLOATX)
        assert utils.floatX(data) is data


class TestSharedEmpty(object):
    def test_default(self):
        var = utils.shared_empty()
        assert isinstance(var, theano.compile.SharedVariable)
        value = var.get_value()
        assert value.shape == (1, 1)
        assert value.dtype == FLOATX
        assert np.all(value == 0)

    @pytest.mark.parametrize('dim, dtype', [(1, 'int32'), (3, 'float32'),
                                            (4, 'int64')])
    def test_dim_and_dtype(self, dim, dtype):
        var = utils.shared_empty(dim, dtype)
        assert var.ndim == dim
        assert var.dtype == dtype
        assert var.get_value().shape == (1,) * dim
        # A placeholder: it can take a value of another shape.
        var.set_value(np.ones((3,) * dim, dtype=dtype))
        assert var.get_value().shape == (3,) * dim


class TestAsTheanoExpression(object):
    def test_variables_unchanged(self):
        for var in [T.matrix(), theano.shared(np.ones(2)), T.constant(1.0),
                    T.matrix() + 1]:
            assert utils.as_theano_expression(var) is var

    @pytest.mark.parametrize('value', [np.arange(6.0).reshape(2, 3), 3,
                                       [1.5, 2.5]])
    def test_values_become_constants(self, value):
        expression = utils.as_theano_expression(value)
        assert isinstance(expression, T.TensorConstant)
        np.testing.assert_array_equal(expression.data, value)

    @pytest.mark.parametrize('value', [object(), 'abc', None, [1, 'a']])
    def test_type_error(self, value):
        with pytest.raises(TypeError, match='Input of type %s is not a '
                           'Theano expression' % type(value).__name__):
            utils.as_theano_expression(value)


class TestCollectSharedVars(object):
    def setup_method(self, method):
        self.a, self.b, self.c = [theano.shared(np.float64(i), name=n)
                                  for i, n in enumerate('abc')]

    def test_single_expression(self):
        a, b, c = self.a, self.b, self.c
        x = T.scalar('x')
        assert utils.collect_shared_vars(a * x + 2) == [a]
        assert utils.collect_shared_vars(x * 2) == []
        assert utils.collect_shared_vars(b) == [b]
        assert set(utils.collect_shared_vars(a * (b + c))) == {a, b, c}

    def test_order_of_expressions_kept_without_duplicates(self):
        a, b, c = self.a, self.b, self.c
        x = T.scalar('x')
        assert utils.collect_shared_vars([c, a, b]) == [c, a, b]
        assert utils.collect_shared_vars([b, a * x, b + c, a, c]) == [b, a, c]
        assert utils.collect_shared_vars((c * x, T.exp(a) - c)) == [c, a]
        assert utils.collect_shared_vars([]) == []

    def test_shared_variable_of_any_type(self):
        index = theano.shared(np.int32(0), name='index')
        vector = theano.shared(np.zeros(3), name='vector')
        assert utils.collect_shared_vars(vector[index]) in ([vector, index],
                                                            [index, vector])


def test_one_hot():
    x = T.ivector('x')
    m = T.iscalar('m')
    fn = theano.function([x, m], [utils.one_hot(x, m), utils.one_hot(x),
                                  utils.one_hot(x, 6)], mode=MODE)
    labels = np.array([2, 0, 3, 2], dtype='int32')
    with_m, without_m, constant_m = fn(labels, 5)
    expected = np.zeros((4, 5))
    for row, label in enumerate(labels):
        expected[row, label] = 1
    np.testing.assert_array_equal(with_m, expected)
    # Without m: as many classes as the largest label plus one.
    np.testing.assert_array_equal(without_m, expected[:, :4])
    np.testing.assert_array_equal(constant_m, np.hstack([expected,
                                                         np.zeros((4, 1))]))
    for result in with_m, without_m, constant_m:
        assert result.dtype == FLOATX


def test_unique():
    assert utils.unique([3, 1, 3, 2, 1, 3]) == [3, 1, 2]
    assert utils.unique(iter('abracadabra')) == ['a', 'b', 'r', 'c', 'd']
    assert utils.unique([]) == []
    variables = [T.scalar(), T.scalar()]
    assert utils.unique(variables * 3) == variables


class TestAsTuple(object):
    def test_single_value_repeated(self):
        assert utils.as_tuple(3, 2) == (3, 3)
        assert utils.as_tuple(None, 3) == (None, None, None)
        assert utils.as_tuple(2.5, 1, float) == (2.5,)

    def test_iterable_converted(self):
        assert utils.as_tuple([1, 2], 2) == (1, 2)
        assert utils.as_tuple((4, 5, 6), 3, int) == (4, 5, 6)
        assert utils.as_tuple(iter([7, 8]), 2) == (7, 8)
        assert utils.as_tuple(np.array([1, 2]), 2, utils.int_types) == (1, 2)
        # A string is an iterable too.
        assert utils.as_tuple('ab', 2) == ('a', 'b')

    @pytest.mark.parametrize('x, N', [([1, 2, 3], 2), ((1,), 2), ([], 1),
                                      ('abc', 2)])
    def test_wrong_length(self, x, N):
        with pytest.raises(ValueError,
                           match='iterable of length %d, got' % N):
            utils.as_tuple(x, N)

    @pytest.mark.parametrize('x, t, names', [
        (2.0, int, 'int'),
        ([1, 2.0], int, 'int'),
        ((1, '2'), utils.int_types, 'int'),
        ([1, None], (int, float), 'int or float'),
        ([1.0, 2.0, 3.0], int, 'int'),  # the type is checked first
    ])
    def test_wrong_type(self, x, t, names):
        with pytest.raises(TypeError,
                           match='iterable of 2 values of type %s, got'
                           % names):
            utils.as_tuple(x, 2, t)


def test_inspect_kwargs():
    def f(a, b, c=1, *args, d, e=2, **kwargs):
        pass

    assert utils.inspect_kwargs(f) == ['c', 'e']
    assert utils.inspect_kwargs(lambda x, y: None) == []

    class Layer(object):
        def get_output_for(self, input, deterministic=False, **kwargs):
            pass

    assert utils.inspect_kwargs(Layer().get_output_for) == ['deterministic']
    assert utils.inspect_kwargs(Layer.get_output_for) == ['deterministic']


def reference_norms(array):
    """The norm of each weight vector, by looping over the units: the
    entries of a bias, the columns of a dense matrix, the filters of a
    convolution."""
    if array.ndim == 1:
        return np.array([np.sqrt(w ** 2) for w in array])
    if array.ndim == 2:
        return np.array([np.sqrt(np.sum(array[:, j] ** 2))
                         for j in range(array.shape[1])])
    return np.array([np.sqrt(np.sum(array[i] ** 2))
                     for i in range(array.shape[0])])


NORM_SHAPES = [(5,), (4, 3), (3, 2, 4), (3, 2, 2, 3), (2, 3, 2, 2, 2)]


@pytest.fixture(scope='module')
def arrays():
    rng = np.random.RandomState(42)
    return [rng.normal(size=shape).astype(FLOATX) for shape in NORM_SHAPES]


@pytest.fixture(scope='module')
def theano_results(arrays):
    """Theano's norms for all the arrays, from one compiled function: the
    default axes, then norm_axes=(0, 2) for the 3-D array."""
    variables = [T.TensorType(FLOATX, (False,) * a.ndim)() for a in arrays]
    norms = [utils.compute_norms(v) for v in variables]
    norms.append(utils.compute_norms(variables[2], norm_axes=[0, 2]))
    return theano.function(variables, norms, mode=MODE)(*arrays)


class TestComputeNorms(object):
    def test_numpy_default_axes(self, arrays):
        for array in arrays:
            result = utils.compute_norms(array)
            assert isinstance(result, np.ndarray)
            np.testing.assert_allclose(result, reference_norms(array),
                                       rtol=1e-5)

    def test_theano_default_axes(self, arrays, theano_results):
        for array, result in zip(arrays, theano_results):
            np.testing.assert_allclose(result, reference_norms(array),
                                       rtol=1e-5)

    def test_given_norm_axes(self, arrays, theano_results):
        array = arrays[2]
        expected = np.array([np.sqrt(np.sum(array[:, j, :] ** 2))
                             for j in range(array.shape[1])])
        np.testing.assert_allclose(theano_results[-1], expected, rtol=1e-5)
        for axes in [(0, 2), [0, 2], (2, 0)]:
            np.testing.assert_allclose(utils.compute_norms(array, axes),
                                       expected, rtol=1e-5)

    def test_given_norm_axes_for_any_ndim(self):
        array = np.ones((2, 2, 2, 2, 2, 3))
        np.testing.assert_allclose(
            utils.compute_norms(array, norm_axes=range(5)), np.full(3, 32**.5))
        variable = T.TensorType('float64', (False,) * 6)()
        assert utils.compute_norms(variable, norm_axes=(0, 5)).ndim == 4

    @pytest.mark.parametrize('ndim', [0, 6])
    def test_error_without_norm_axes(self, ndim):
        for array in [np.ones((2,) * ndim),
                      T.TensorType(FLOATX, (False,) * ndim)()]:
            with pytest.raises(ValueError, match='compute_norms: cannot guess '
                               'the norm axes of a %d-dimensional' % ndim):
                utils.compute_norms(array)

    @pytest.mark.parametrize('error', [RuntimeError, TypeError])
    @pytest.mark.parametrize('array', [[[1., 2.], [3., 4.]], 3.0, None])
    def test_error_for_other_types(self, array, error):
        # Lasagne 0.2 raised a RuntimeError; a list gave an AttributeError
        with pytest.raises(error, match='compute_norms: array must be a '
                           'numpy array or a Theano expression, got a %s'
                           % type(array).__name__):
            utils.compute_norms(array)


class TestDefaultNormAxes(object):
    def test_axes(self):
        assert utils._default_norm_axes(2, 'f') == (0,)
        assert utils._default_norm_axes(3, 'f') == (1, 2)
        assert utils._default_norm_axes(4, 'f') == (1, 2, 3)
        assert utils._default_norm_axes(5, 'f') == (1, 2, 3, 4)
        assert utils._default_norm_axes(1, 'f', allow_1d=True) == ()

    def test_error_names_the_caller(self):
        with pytest.raises(ValueError, match='norm_constraint: cannot guess '
                           'the norm axes of a 1-dimensional array; pass '
                           'norm_axes'):
            utils._default_norm_axes(1, 'norm_constraint')


class TestCreateParam(object):
    def test_from_initializer(self):
        param = utils.create_param(Constant(1.5), (2, 3), name='W')
        assert isinstance(param, theano.compile.SharedVariable)
        assert param.name == 'W'
        assert param.dtype == FLOATX
        np.testing.assert_array_equal(param.get_value(), np.full((2, 3), 1.5))

    def test_from_initializer_shape_as_list(self):
        param = utils.create_param(Normal(), [4, 1, 3])
        assert param.get_value().shape == (4, 1, 3)
        assert param.name is None

    def test_from_numpy_array(self):
        value = np.arange(6, dtype='int32').reshape(2, 3)
        param = utils.create_param(value, (2, 3), name='W')
        assert isinstance(param, theano.compile.SharedVariable)
        assert param.name == 'W'
        assert param.dtype == 'int32'  # the dtype is kept
        np.testing.assert_array_equal(param.get_value(), value)

    def test_dimensions_of_length_one_are_broadcastable(self):
        for shape in [(1,), (3, 1), (1, 4, 1, 2), ()]:
            param = utils.create_param(np.zeros(shape), shape)
            assert param.broadcastable == tuple(s == 1 for s in shape)
        # So Theano knows that expressions using them broadcast too.
        b = utils.create_param(Constant(0.), (1,)).dimshuffle('x', 0)
        assert (T.matrix() + b).broadcastable == (False, False)
        assert (T.col() + b).broadcastable == (False, True)

    @pytest.mark.parametrize('value', [2.5, 3, np.float32(0.5), np.int8(7),
                                       np.bool_(True)])
    def test_from_number_for_a_scalar(self, value):
        param = utils.create_param(value, (), name='scale')
        assert param.ndim == 0
        assert param.name == 'scale'
        assert param.get_value() == value
        assert param.dtype == np.asarray(value).dtype
        with pytest.raises(ValueError, match=r'parameter scale has shape '
                           r'\(\), expected \(2,\)'):
            utils.create_param(value, (2,), name='scale')

    def test_numpy_array_shape_mismatch(self):
        with pytest.raises(ValueError, match=r'parameter W has shape '
                           r'\(3, 2\), expected \(2, 3\)'):
            utils.create_param(np.zeros((3, 2)), (2, 3), name='W')
        with pytest.raises(ValueError, match=r'^parameter has shape '
                           r'\(6,\), expected \(2, 3\)'):
            utils.create_param(np.zeros(6), (2, 3))

    def test_from_shared_variable(self):
        var = theano.shared(np.ones((2, 3)))
        param = utils.create_param(var, (2, 3), name='W')
        assert param is var
        assert param.name == 'W'  # named since it had no name
        named = theano.shared(np.ones((2, 3)), name='mine')
        assert utils.create_param(named, (2, 3), name='W').name == 'mine'
        unnamed = theano.shared(np.ones(2), name='')
        assert utils.create_param(unnamed, (2,), name='b').name == 'b'

    def test_shared_variable_mismatch(self):
        var = theano.shared(np.ones((2, 3)), name='mine')
        with pytest.raises(ValueError, match=r'parameter W has 2 dimensions, '
                           r'expected 3 \(shape \(2, 3, 1\)\)'):
            utils.create_param(var, (2, 3, 1), name='W')
        with pytest.raises(ValueError, match=r'parameter W has shape '
                           r'\(2, 3\), expected \(3, 2\)'):
            utils.create_param(var, (3, 2), name='W')

    def test_from_expression(self):
        var = theano.shared(np.ones((2, 3)), name='W')
        expression = 2 * var
        param = utils.create_param(expression, (2, 3), name='W2')
        assert param is expression
        assert param.name == 'W2'
        # The shape of an expression is not known; its ndim is checked.
        assert utils.create_param(T.matrix('x'), (7, 7)).name == 'x'
        with pytest.raises(ValueError, match=r'parameter has 2 dimensions, '
                           r'expected 1'):
            utils.create_param(expression, (6,))

    def test_from_callable(self):
        shapes = []

        def make(shape):
            shapes.append(shape)
            return np.full(shape, 4.0)

        param = utils.create_param(make, [2, 5], name='W')
        assert shapes == [(2, 5)]  # called with the shape as a tuple
        assert isinstance(param, theano.compile.SharedVariable)
        assert param.name == 'W'
        np.testing.assert_array_equal(param.get_value(), np.full((2, 5), 4.))

    def test_from_callable_returning_a_variable(self):
        var = T.vector()
        param = utils.create_param(lambda shape: var, (4,), name='v')
        assert param is var
        assert param.name == 'v'
        with pytest.raises(ValueError, match='parameter v has 1 dimensions, '
                           'expected 2'):
            utils.create_param(lambda shape: var, (4, 4), name='v')

    def test_from_callable_returning_a_number(self):
        param = utils.create_param(lambda shape: 0.5, (), name='alpha')
        assert param.get_value() == 0.5

    def test_callable_returning_wrong_shape(self):
        with pytest.raises(ValueError, match=r'parameter W has shape '
                           r'\(5, 2\), expected \(2, 5\)'):
            utils.create_param(lambda shape: np.zeros(shape[::-1]), (2, 5),
                               name='W')

    def test_callable_returning_wrong_type(self):
        with pytest.raises(TypeError, match='parameter W: the callable '
                           'returned a function, expected a numpy array or '
                           'Theano variable'):
            utils.create_param(lambda shape: (lambda: 0), (2,), name='W')
        with pytest.raises(TypeError, match='parameter W: cannot create it '
                           'from a list'):
            utils.create_param(lambda shape: [0, 0], (2,), name='W')

    @pytest.mark.parametrize('spec, type_name', [
        ([[1, 2], [3, 4]], 'list'), ('zeros', 'str'), (None, 'NoneType'),
        (np.str_('a'), 'str_'), (Constant, None)])
    def test_bad_spec_type(self, spec, type_name):
        if spec is Constant:
            # A class is callable, but the instance it returns is not a
            # value.
            with pytest.raises(TypeError, match='the callable returned a '
                               'Constant'):
                utils.create_param(spec, (2, 2))
            return
        with pytest.raises(TypeError, match='parameter: cannot create it '
                           'from a %s; expected a numpy array, a Theano '
                           'shared variable or expression, or a callable'
                           % type_name):
            utils.create_param(spec, (2, 2))

    @pytest.mark.parametrize('shape', [(0,), (2, 0), (3, -1), (2.0, 3),
                                       (None, 3)])
    def test_non_positive_shape(self, shape):
        for spec in [Constant(0.), np.zeros((2, 3))]:
            with pytest.raises(ValueError, match='cannot create a parameter '
                               'of shape .*: every dimension must be a '
                               'positive integer'):
                utils.create_param(spec, shape)

    def test_numpy_integer_shape(self):
        shape = (np.int64(2), np.int32(3))
        param = utils.create_param(Constant(1.), shape)
        assert param.get_value().shape == (2, 3)


def scan_step(x_t, y_t, h_prev, c_prev, W, v):
    # Two recurrent outputs, with one that is not fed back between them.
    h = T.tanh(T.dot(h_prev, W) + x_t)
    c = c_prev * 0.5 + y_t * v
    return [h, (h * c).sum(), c]


def scan_single(x_t, h_prev, v):
    return h_prev * v + x_t


@pytest.fixture(scope='module')
def scan_results():
    """The inputs, and the outputs of theano.scan and unroll_scan for
    scan_step, then scan_single, forwards then backwards, all from one
    compiled function."""
    x = T.matrix('x')
    y = T.matrix('y')
    h0 = T.vector('h0')
    c0 = T.vector('c0')
    W = T.matrix('W')
    v = T.vector('v')
    outputs = []
    for backwards in (False, True):
        scanned, _ = theano.scan(
            scan_step, sequences=[x, y], outputs_info=[h0, None, c0],
            non_sequences=[W, v], go_backwards=backwards, mode=MODE)
        unrolled = utils.unroll_scan(
            scan_step, sequences=[x, y], outputs_info=[h0, None, c0],
            non_sequences=[W, v], n_steps=4, go_backwards=backwards)
        outputs.extend(scanned + unrolled)
        # One sequence not given in a list, one output not in a list.
        scanned, _ = theano.scan(scan_single, sequences=x, outputs_info=[h0],
                                 non_sequences=[v], go_backwards=backwards,
                                 mode=MODE)
        unrolled = utils.unroll_scan(scan_single, x, [h0], [v], 4, backwards)
        assert len(unrolled) == 1
        outputs.extend([scanned] + unrolled)
    fn = theano.function([x, y, h0, c0, W, v], outputs, mode=MODE)
    rng = np.random.RandomState(0)
    values = [rng.normal(size=shape).astype(FLOATX)
              for shape in [(4, 3), (4, 3), (3,), (3,), (3, 3), (3,)]]
    return values, fn(*values)


class TestUnrollScan(object):
    """unroll_scan builds the same outputs as theano.scan."""

    @pytest.mark.parametrize('backwards', [False, True])
    def test_several_outputs_equal_scan(self, scan_results, backwards):
        values, out = scan_results
        out = out[8:] if backwards else out[:8]
        scanned, unrolled = out[:3], out[3:6]
        for s, u, shape in zip(scanned, unrolled, [(4, 3), (4,), (4, 3)]):
            assert u.shape == shape
            np.testing.assert_allclose(u, s, rtol=1e-5)

    @pytest.mark.parametrize('backwards', [False, True])
    def test_numpy_reference(self, scan_results, backwards):
        (x, y, h0, c0, W, v), out = scan_results
        out = out[8:] if backwards else out[:8]
        steps = range(3, -1, -1) if backwards else range(4)
        h, c = h0, c0
        expected = []
        for t in steps:
            h = np.tanh(h.dot(W) + x[t])
            c = c * 0.5 + y[t] * v
            expected.append((h, (h * c).sum(), c))
        for i in range(3):
            np.testing.assert_allclose(out[3 + i],
                                       np.array([e[i] for e in expected]),
                                       rtol=1e-5)

    @pytest.mark.parametrize('backwards', [False, True])
    def test_single_output_equals_scan(self, scan_results, backwards):
        (x, y, h0, c0, W, v), out = scan_results
        scanned, unrolled = out[14:16] if backwards else out[6:8]
        assert unrolled.shape == (4, 3)
        np.testing.assert_allclose(unrolled, scanned, rtol=1e-5)
        # Backwards, the first step sees the last row of x.
        first = x[3] if backwards else x[0]
        np.testing.assert_allclose(unrolled[0], h0 * v + first, rtol=1e-5)
