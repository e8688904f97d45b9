import pickle
import sys
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T

import lasagne
from lasagne import init, nonlinearities
from lasagne.layers import (
    InputLayer, Layer, MergeLayer, DenseLayer, NINLayer, ReshapeLayer,
    FlattenLayer, DimshuffleLayer, PadLayer, SliceLayer, ConcatLayer,
    ElemwiseSumLayer, DropoutLayer, GaussianNoiseLayer, EmbeddingLayer,
    NonlinearityLayer, BiasLayer, ScaleLayer, ExpressionLayer, InverseLayer,
    TransformerLayer, TPSTransformerLayer, ParametricRectifierLayer,
    RandomizedRectifierLayer, standardize,
    get_all_layers, get_output, get_output_shape, get_all_params,
    count_params, get_all_param_values, set_all_param_values)
from lasagne.utils import floatX

from .layer_checks import MODE


class Recorder(Layer):
    """Adds a constant, records the keyword arguments it was called with."""

    def __init__(self, incoming, add=1, **kwargs):
        super(Recorder, self).__init__(incoming, **kwargs)
        self.add = add
        self.calls = []

    def get_output_for(self, input, special=None, **kwargs):
        self.calls.append(dict(kwargs, special=special))
        return input + self.add


class Adder(MergeLayer):
    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]

    def get_output_for(self, inputs, **kwargs):
        return sum(inputs)


class Multiplier(Layer):
    """A layer of several inputs that derives from Layer, not MergeLayer:
    the helpers go by its input_layers attribute."""

    def __init__(self, incomings, **kwargs):
        super(Multiplier, self).__init__(incomings[0], **kwargs)
        self.input_layers = [i if isinstance(i, Layer) else None
                             for i in incomings]

    def get_output_shape_for(self, input_shapes):
        return input_shapes[-1]

    def get_output_for(self, inputs, **kwargs):
        return inputs[0] * inputs[1]


@pytest.fixture
def diamond():
    """in -> a -> (b, c) -> d, with d merging b and c."""
    l_in = InputLayer((None, 2), name='in')
    a = Recorder(l_in, 1, name='a')
    b = Recorder(a, 10, name='b')
    c = Recorder(a, 100, name='c')
    d = Adder([b, c], name='d')
    return l_in, a, b, c, d


def names(layers):
    return [layer.name for layer in layers]


class TestGetAllLayers(object):
    def test_topological_order(self, diamond):
        assert names(get_all_layers(diamond[-1])) == ['in', 'a', 'b', 'c',
                                                      'd']

    def test_incomings_visited_in_order(self, diamond):
        l_in, a, b, c, d = diamond
        e = Adder([c, b], name='e')
        assert names(get_all_layers(e)) == ['in', 'a', 'c', 'b', 'e']

    def test_several_outputs_each_once(self, diamond):
        l_in, a, b, c, d = diamond
        assert names(get_all_layers([c, d])) == ['in', 'a', 'c', 'b', 'd']
        assert names(get_all_layers([d, c, a])) == ['in', 'a', 'b', 'c', 'd']
        assert names(get_all_layers((b, b))) == ['in', 'a', 'b']

    def test_treat_as_input(self, diamond):
        l_in, a, b, c, d = diamond
        assert names(get_all_layers(d, treat_as_input=[a])) == ['a', 'b', 'c',
                                                                'd']
        assert names(get_all_layers(d, treat_as_input=[b, c])) == ['b', 'c',
                                                                   'd']
        # A layer not in the network changes nothing.
        assert names(get_all_layers(d, treat_as_input=[InputLayer((1,))])) \
            == names(get_all_layers(d))

    def test_shape_incomings_skipped(self):
        a = InputLayer((None, 2), name='a')
        d = Adder([(None, 2), a], name='d')
        assert names(get_all_layers(d)) == ['a', 'd']
        assert names(get_all_layers(Recorder((None, 2), name='r'))) == ['r']

    def test_deep_network_without_recursion(self):
        layer = InputLayer((None, 2))
        for _ in range(sys.getrecursionlimit() + 100):
            layer = Recorder(layer)
        assert len(get_all_layers(layer)) == sys.getrecursionlimit() + 101


class TestGetOutput(object):
    def test_default_input_variable(self, diamond):
        l_in, a, b, c, d = diamond
        out = get_output(d)
        f = theano.function([l_in.input_var], out, mode=MODE)
        x = floatX(np.array([[1, 2]]))
        # ((x + 1) + 10) + ((x + 1) + 100)
        np.testing.assert_allclose(f(x), 2 * x + 112)

    def test_list_of_layers(self, diamond):
        l_in, a, b, c, d = diamond
        outputs = get_output([b, c])
        assert isinstance(outputs, list) and len(outputs) == 2
        f = theano.function([l_in.input_var], outputs, mode=MODE)
        x = floatX(np.zeros((1, 2)))
        np.testing.assert_allclose(f(x)[0], x + 11)
        np.testing.assert_allclose(f(x)[1], x + 101)

    def test_input_layer_itself(self):
        l_in = InputLayer((None, 2))
        assert get_output(l_in) is l_in.input_var
        x = T.matrix()
        assert get_output(l_in, x) is x

    @pytest.mark.parametrize('kind', ['variable', 'array', 'dict'])
    def test_given_input(self, diamond, kind):
        l_in, a, b, c, d = diamond
        x = np.array([[1., 2.]])
        if kind == 'variable':
            var = T.matrix('x')
            out = get_output(b, var)
            value = theano.function([var], out, mode=MODE)(floatX(x))
        else:
            out = get_output(b, x if kind == 'array' else {l_in: x})
            assert l_in.input_var not in theano.gof.graph.inputs([out])
            value = theano.function([], out, mode=MODE)()
        np.testing.assert_allclose(value, x + 11)

    def test_dict_with_inner_layer(self, diamond):
        l_in, a, b, c, d = diamond
        x = np.array([[1., 2.]])
        out = get_output(d, {a: x})
        np.testing.assert_allclose(theano.function([], out, mode=MODE)(),
                                   2 * x + 110)
        assert len(a.calls) == 0

    def test_kwargs_reach_every_layer(self, diamond):
        l_in, a, b, c, d = diamond
        get_output(d, deterministic=True, special=3)
        for layer in (a, b, c):
            assert layer.calls == [{'deterministic': True, 'special': 3}]

    def test_warns_of_unused_kwargs(self, diamond):
        with pytest.warns(UserWarning, match='get_output.. was called with '
                          'keyword arguments that no layer of the network '
                          'accepts: bogus, other'):
            get_output(diamond[-1], bogus=1, other=2, special=3)

    @pytest.mark.parametrize('typo, suggestion', [
        ('determinstic', 'deterministic'), ('specail', 'special')])
    def test_unused_kwargs_warning_suggests_close_names(self, diamond, typo,
                                                        suggestion):
        with pytest.warns(UserWarning, match=r'accepts: bogus, %s \(did you '
                          r'mean %s\?\)$' % (typo, suggestion)):
            get_output(diamond[-1], bogus=1, **{typo: True})

    def test_declared_kwargs_do_not_warn(self, diamond):
        l_in, a, b, c, d = diamond
        b.get_output_kwargs = ['extra']
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            get_output(d, extra=1, deterministic=False)

    def test_single_input_for_several_input_layers(self):
        d = Adder([InputLayer((None, 2)), InputLayer((None, 2))])
        with pytest.raises(ValueError, match=r'get_output\(\) was given a '
                           'single input expression for a network with 2 '
                           'input layers'):
            get_output(d, T.matrix())

    def test_layer_with_input_layers_not_a_merge_layer(self):
        x, y = InputLayer((None, 2), name='x'), InputLayer((None, 2), name='y')
        layer = Multiplier([x, y], name='m')
        assert names(get_all_layers(layer)) == ['x', 'y', 'm']
        out = get_output(layer, {x: np.array([[1., 2.]]),
                                 y: np.array([[3., 5.]])})
        np.testing.assert_allclose(theano.function([], out, mode=MODE)(),
                                   [[3., 10.]])
        assert get_output_shape(layer, {x: (1, 2), y: (3, 2)}) == (3, 2)
        with pytest.raises(ValueError, match="get_output.. was given a single "
                           "input expression for a network with 2 input "
                           "layers"):
            get_output(layer, T.matrix())
        # an incoming given as a shape has no input
        with pytest.raises(ValueError, match=r"get_output\(\): no input "
                           "expression reaches <.*Multiplier"):
            get_output(Multiplier([x, (None, 2)]))

    def test_free_floating_layer(self):
        layer = Recorder((None, 2), name='floating')
        with pytest.raises(ValueError, match=r"get_output\(\): no input "
                           "expression reaches <.*Recorder"):
            get_output(layer)
        x = T.matrix()
        assert get_output(layer, {layer: x}) is x


@pytest.mark.parametrize('function, caller, value', [
    (get_output, 'get_output', np.zeros((1, 2))),
    (get_output_shape, 'get_output_shape', (1, 2))])
@pytest.mark.parametrize('key, type_name', [
    (lambda l_in: l_in.input_var, 'TensorVariable'),
    (lambda l_in: 'in', 'str'),
    (lambda l_in: 0, 'int')])
def test_dict_keys_must_be_layers(diamond, function, caller, value, key,
                                  type_name):
    """A dict of inputs keyed by something else than layers (e.g. by the
    input variables) is refused, even next to a valid key."""
    l_in, a, b, c, d = diamond
    for given in [{key(l_in): value}, {l_in: value, key(l_in): value}]:
        with pytest.raises(TypeError, match=r'^%s\(\): the keys of a dict '
                           r'of inputs must be Lasagne layers \(e.g. '
                           r'InputLayer instances\) or None, got a key of '
                           r'type %s: ' % (caller, type_name)):
            function(d, given)


class TestNoneKey(object):
    """As in Lasagne 0.2, the key None feeds the missing input of layers
    built from a shape tuple."""

    def test_layer_built_from_a_shape(self):
        layer = Recorder((None, 2), add=3)
        out = get_output(layer, {None: np.array([[1., 2.]])})
        np.testing.assert_allclose(theano.function([], out, mode=MODE)(),
                                   [[4., 5.]])
        assert get_output_shape(layer, {None: (5, 2)}) == (5, 2)

    def test_on_top_of_a_network(self):
        bottom = Recorder((None, 2), add=1)
        top = Recorder(bottom, add=10)
        out = get_output(top, {None: np.zeros((1, 2))})
        np.testing.assert_allclose(theano.function([], out, mode=MODE)(),
                                   [[11., 11.]])

    def test_merge_layer_with_some_inputs_given_as_shapes(self):
        l_in = InputLayer((None, 2))
        merged = Adder([l_in, (None, 2), (None, 2)])
        x = T.matrix('x')
        out = get_output(merged, {l_in: x, None: np.ones((1, 2))})
        np.testing.assert_allclose(
            theano.function([x], out, mode=MODE)(floatX([[1., 2.]])),
            [[3., 4.]])
        assert get_output_shape(merged, {None: (7, 2)}) == (None, 2)
        assert get_output_shape(merged, {l_in: (7, 2), None: (7, 2)}) == \
            (7, 2)


class TestGetOutputShape(object):
    def test_built_shapes(self, diamond):
        assert get_output_shape(diamond[-1]) == (None, 2)
        assert get_output_shape(diamond[-2:]) == [(None, 2), (None, 2)]
        assert get_output_shape(diamond[-1], {}) == (None, 2)

    def test_given_shapes(self):
        l_in = InputLayer((None, 4, 5))
        l_flat = FlattenLayer(l_in)
        l_dense = DenseLayer(l_in, 3, num_leading_axes=-1)
        assert get_output_shape(l_flat, (7, 2, 3)) == (7, 6)
        assert get_output_shape([l_flat, l_dense], {l_in: (1, 4, 5)}) == \
            [(1, 20), (1, 4, 3)]
        l_top = DenseLayer(l_flat, 3)
        assert get_output_shape(l_top, {l_flat: (2, 7)}) == (2, 3)

    def test_single_shape_for_several_input_layers(self):
        d = Adder([InputLayer((None, 2)), InputLayer((None, 2))])
        with pytest.raises(ValueError, match='get_output_shape.. was given a '
                           'single input shape for a network with 2 input '
                           'layers'):
            get_output_shape(d, (3, 2))


@pytest.fixture
def network():
    """Two layers sharing one weight matrix, with tags of all kinds."""
    l_in = InputLayer((None, 4))
    l1 = DenseLayer(l_in, 4, name='l1')
    l2 = DenseLayer(l1, 4, W=l1.W, b=None, name='l2')
    l3 = standardize(l2, np.zeros(4), np.ones(4))
    return l1, l2, l3


class TestParams(object):
    def test_get_all_params(self, network):
        l1, l2, l3 = network
        bias, scale = l3.input_layer.b, l3.scales
        assert get_all_params(l3) == [l1.W, l1.b, bias, scale]
        assert get_all_params([l2, l1]) == [l1.W, l1.b]
        assert get_all_params(l3, trainable=True) == [l1.W, l1.b]
        assert get_all_params(l3, regularizable=True) == [l1.W]
        assert get_all_params(l3, trainable=False) == [bias, scale]

    def test_get_all_params_unwrap_shared(self):
        shared = theano.shared(floatX(np.ones((3, 2))))
        l_dense = DenseLayer(InputLayer((None, 3)), 2, W=shared * 2)
        assert get_all_params(l_dense) == [shared, l_dense.b]
        assert get_all_params(l_dense, unwrap_shared=False) == \
            [l_dense.W, l_dense.b]

    def test_count_params(self, network):
        l1, l2, l3 = network
        assert count_params(l3) == 4 * 4 + 4 + 4 + 4
        assert count_params(l3, trainable=True) == 4 * 4 + 4
        assert count_params(l3, regularizable=False) == 4 + 4 + 4
        assert isinstance(count_params(l2), int)

    def test_values_round_trip(self, network):
        l1, l2, l3 = network
        values = get_all_param_values(l3)
        assert [v.shape for v in values] == [(4, 4), (4,), (4,), (4,)]
        new = [np.full(v.shape, i, dtype=v.dtype)
               for i, v in enumerate(values)]
        set_all_param_values(l3, new)
        for value, param in zip(new, get_all_params(l3)):
            np.testing.assert_array_equal(param.get_value(), value)
        set_all_param_values(l3, [floatX(np.ones(4))], regularizable=False,
                             trainable=True)
        np.testing.assert_array_equal(l1.b.get_value(), np.ones(4))
        assert len(get_all_param_values(l3, trainable=False)) == 2

    def assert_unchanged(self, layer, before):
        for old, new in zip(before, get_all_param_values(layer)):
            np.testing.assert_array_equal(old, new)

    def test_count_mismatch_changes_nothing(self, network):
        l3 = network[-1]
        before = get_all_param_values(l3)
        with pytest.raises(ValueError, match='set_all_param_values: got 3 '
                           'values for 4 parameters'):
            set_all_param_values(l3, [np.zeros(v.shape) for v in before[:3]])
        self.assert_unchanged(l3, before)

    def test_shape_mismatch_changes_nothing(self, network):
        l3 = network[-1]
        before = get_all_param_values(l3)
        values = [np.zeros_like(v) for v in before]
        values[2] = floatX(np.zeros(5))
        with pytest.raises(ValueError, match=r'set_all_param_values: value 2 '
                           r'has shape \(5,\), but parameter .* has shape '
                           r'\(4,\)'):
            set_all_param_values(l3, values)
        self.assert_unchanged(l3, before)

    def test_lossy_dtype_changes_nothing(self):
        l_dense = DenseLayer(InputLayer((None, 3)), 2,
                             b=np.zeros(2, dtype='int32'))
        before = get_all_param_values(l_dense)
        with pytest.raises(TypeError):
            set_all_param_values(l_dense, [np.ones((3, 2)),
                                           np.full(2, 0.5)])
        self.assert_unchanged(l_dense, before)


def double_plus_one(x):
    return 2 * x + 1


def build_network():
    """A network with a layer of every class of the layer core, returning
    its input layers and output layers."""
    l_in = InputLayer((None, 2, 6, 6), name='images')
    l_tokens = InputLayer((None, 4), input_var=T.imatrix('tokens'))
    l_pad = PadLayer(l_in, 1, val=0.5)
    l_slice = SliceLayer(l_pad, slice(1, 7), axis=2)
    l_nin = NINLayer(l_slice, 3, W=init.Normal(0.5), b=init.Normal(0.5))
    l_bias = BiasLayer(l_nin, b=init.Normal(0.5))
    l_scale = ScaleLayer(l_bias, scales=init.Uniform((0.5, 1.5)))
    l_prelu = ParametricRectifierLayer(l_scale, alpha=init.Uniform((0, 1)))
    l_drop = DropoutLayer(l_prelu, p=0.3)
    l_noise = GaussianNoiseLayer(l_drop)
    l_rrelu = RandomizedRectifierLayer(l_noise)
    l_dim = DimshuffleLayer(l_rrelu, (0, 2, 3, 1))
    l_reshape = ReshapeLayer(l_dim, ([0], -1))
    l_flat = FlattenLayer(l_in)
    l_std = standardize(l_flat, np.full(72, 0.1), np.full(72, 2.))
    l_concat = ConcatLayer([l_reshape, l_std])
    l_dense = DenseLayer(l_concat, 4, nonlinearity=nonlinearities.tanh)
    l_loc = DenseLayer(l_dense, 6, W=init.Normal(0.1),
                       b=floatX(np.array([1, 0, 0, 0, 1, 0])),
                       nonlinearity=None)
    l_trans = TransformerLayer(l_in, l_loc, border_mode='mirror')
    l_tps_loc = DenseLayer(l_dense, 8, W=init.Normal(0.1), nonlinearity=None)
    l_tps = TPSTransformerLayer(l_in, l_tps_loc, control_points=4)
    l_sum = ElemwiseSumLayer([l_trans, l_tps, l_in], coeffs=[1, 0.5, -1])
    l_expr = ExpressionLayer(l_sum, double_plus_one)
    l_nonlin = NonlinearityLayer(l_expr, nonlinearities.sigmoid)
    l_inverse = InverseLayer(l_dense, l_dense)
    l_embed = EmbeddingLayer(l_tokens, 5, 3)
    return [l_in, l_tokens], [l_nonlin, l_inverse, l_embed, l_rrelu]


def test_network_survives_pickle():
    """A pickled and unpickled network computes the same outputs, has the
    same parameter values, and its noise layers draw the same noise."""
    lasagne.random.set_rng(np.random.RandomState(3))
    inputs, outputs = build_network()
    copy_inputs, copy_outputs = pickle.loads(pickle.dumps(
        (inputs, outputs), protocol=pickle.HIGHEST_PROTOCOL))
    for old, new in zip(get_all_param_values(outputs),
                        get_all_param_values(copy_outputs)):
        np.testing.assert_array_equal(old, new)
    assert not set(get_all_params(outputs)) & set(get_all_params(
        copy_outputs))
    rng = np.random.RandomState(4)
    x = floatX(rng.uniform(-1, 1, (2, 2, 6, 6)))
    tokens = rng.randint(0, 5, (2, 4)).astype('int32')
    results = []
    for ins, outs in [(inputs, outputs), (copy_inputs, copy_outputs)]:
        exprs = (get_output(outs, deterministic=True) +
                 [get_output(outs[-1], deterministic=False)])
        f = theano.function([layer.input_var for layer in ins], exprs,
                            mode=MODE)
        results.append(f(x, tokens))
    shapes = [(2, 2, 6, 6), (2, 144 + 72), (2, 4, 3), (2, 3, 6, 8),
              (2, 3, 6, 8)]
    for shape, old, new in zip(shapes, *results):
        assert old.shape == shape
        np.testing.assert_array_equal(old, new)
    # The noise (of dropout, Gaussian noise and random slopes) was on.
    assert np.all(results[0][3] != results[0][4])
