from collections import OrderedDict

import re

import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne import init
from lasagne.layers import InputLayer, Layer, MergeLayer


class Doubling(Layer):
    """Doubles the last axis (to check output_shape and get_output_for)."""

    def get_output_shape_for(self, input_shape):
        return input_shape[:-1] + (2 * input_shape[-1],)


class SymbolicShape(Layer):
    def get_output_shape_for(self, input_shape):
        return (T.iscalar(),) + input_shape[1:]


class Summing(MergeLayer):
    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]


class SymbolicMergeShape(MergeLayer):
    def get_output_shape_for(self, input_shapes):
        return (None, T.iscalar())


class TestLayer(object):
    def test_from_layer(self):
        l_in = InputLayer((None, 3))
        layer = Layer(l_in, name='mine')
        assert layer.input_layer is l_in
        assert layer.input_shape == (None, 3)
        assert layer.name == 'mine'
        assert layer.params == OrderedDict()
        assert layer.get_output_kwargs == []

    def test_from_shape(self):
        layer = Layer((None, 4, 5))
        assert layer.input_layer is None
        assert layer.input_shape == (None, 4, 5)
        assert layer.name is None
        # The base class keeps the shape.
        assert layer.output_shape == (None, 4, 5)

    def test_output_shape_from_get_output_shape_for(self):
        assert Doubling((None, 3)).output_shape == (None, 6)
        assert Doubling(Doubling((2, 3))).output_shape == (2, 12)

    @pytest.mark.parametrize('shape', [(None, 0), (3, -2), (0,)])
    def test_non_positive_input_shape(self, shape):
        with pytest.raises(ValueError, match="Layer 'bad': cannot create a "
                           "layer with a non-positive input_shape dimension"):
            Layer(shape, name='bad')

    @pytest.mark.parametrize('incoming', [[None, 3], None, 'input'])
    def test_incoming_of_wrong_type(self, incoming):
        with pytest.raises(TypeError, match='^Layer: incoming must be a '
                           'Layer instance or a shape tuple'):
            Layer(incoming)

    def test_symbolic_output_shape_refused(self):
        layer = SymbolicShape((None, 3), name='sym')
        with pytest.raises(ValueError, match="SymbolicShape 'sym': "
                           "get_output_shape_for.. returned a symbolic "
                           "shape"):
            layer.output_shape

    def test_get_output_for_not_implemented(self):
        with pytest.raises(NotImplementedError):
            Layer((None, 3)).get_output_for(T.matrix())


class TestAddParam(object):
    def test_initializer(self):
        layer = Layer((None, 3))
        W = layer.add_param(init.Constant(2.), (3, 4), name='W')
        assert W.name == 'W'
        np.testing.assert_array_equal(W.get_value(), np.full((3, 4), 2.))
        assert layer.params[W] == {'trainable', 'regularizable'}
        assert layer.get_params() == [W]

    def test_name_prefixed_with_layer_name(self):
        layer = Layer((None, 3), name='dense')
        assert layer.add_param(init.Constant(0.), (3,), name='b').name == \
            'dense.b'
        assert layer.add_param(init.Constant(0.), (3,)).name is None

    def test_tags(self):
        layer = Layer((None, 3))
        p = layer.add_param(np.zeros(3), (3,), regularizable=False,
                            special=True, hidden=False)
        assert layer.params[p] == {'trainable', 'special'}

    def test_numpy_array_kept(self):
        value = np.arange(6.).reshape(2, 3)
        p = Layer((None, 3)).add_param(value, (2, 3))
        assert isinstance(p, theano.compile.SharedVariable)
        np.testing.assert_array_equal(p.get_value(), value)

    def test_shared_variable_used_as_is(self):
        shared = theano.shared(np.zeros((2, 3)), name='own')
        layer = Layer((None, 3), name='layer')
        assert layer.add_param(shared, (2, 3), name='W') is shared
        # A name the variable already has is kept.
        assert shared.name == 'own'

    def test_expression(self):
        shared = theano.shared(np.ones(3), name='s')
        expression = 2 * shared
        layer = Layer((None, 3))
        assert layer.add_param(expression, (3,)) is expression
        # Unwrapped, the expression gives way to the shared variable.
        assert layer.get_params() == [shared]
        assert layer.get_params(unwrap_shared=False) == [expression]

    def test_callable(self):
        p = Layer((None, 3)).add_param(lambda shape: np.ones(shape), (2, 2))
        np.testing.assert_array_equal(p.get_value(), np.ones((2, 2)))

    @pytest.mark.parametrize('layer_name, prefix', [
        (None, 'Layer: parameter W'),
        ('mine', "Layer 'mine': parameter mine.W")])
    @pytest.mark.parametrize('spec, error, message', [
        (np.zeros((3, 3)), ValueError, r' has shape \(3, 3\), expected '
         r'\(2, 3\)$'),
        (theano.shared(np.zeros(3)), ValueError, ' has 1 dimensions, '
         'expected 2'),
        (None, TypeError, ': cannot create it from a NoneType'),
    ])
    def test_errors_name_the_layer(self, layer_name, prefix, spec, error,
                                   message):
        """Errors of create_param are raised again with the layer described
        in front of the original message, which stays the cause."""
        layer = Layer((None, 3), name=layer_name)
        with pytest.raises(error, match='^' + re.escape(prefix) +
                           message) as info:
            layer.add_param(spec, (2, 3), name='W')
        assert type(info.value) is error
        assert isinstance(info.value.__cause__, error)
        assert str(info.value).endswith(str(info.value.__cause__))
        assert layer.params == OrderedDict()


class TestGetParams(object):
    @pytest.fixture
    def layer(self):
        layer = Layer((None, 3))
        layer.W = layer.add_param(np.zeros((3, 3)), (3, 3), name='W')
        layer.b = layer.add_param(np.zeros(3), (3,), name='b',
                                  regularizable=False)
        layer.s = layer.add_param(np.zeros(3), (3,), name='s',
                                  trainable=False, stat=True)
        return layer

    @pytest.mark.parametrize('tags, names', [
        ({}, ['W', 'b', 's']),
        ({'trainable': True}, ['W', 'b']),
        ({'trainable': False}, ['s']),
        ({'regularizable': True}, ['W', 's']),
        ({'trainable': True, 'regularizable': False}, ['b']),
        ({'stat': True}, ['s']),
        ({'stat': False, 'regularizable': True}, ['W']),
        ({'unknown': True}, []),
        ({'unknown': False}, ['W', 'b', 's']),
    ])
    def test_tag_filters(self, layer, tags, names):
        assert [p.name for p in layer.get_params(**tags)] == names


class TestMergeLayer(object):
    def test_incomings(self):
        a = InputLayer((None, 3))
        layer = Summing([a, (None, 3)], name='sum')
        assert layer.input_layers == [a, None]
        assert layer.input_shapes == [(None, 3), (None, 3)]
        assert layer.name == 'sum'
        assert layer.params == OrderedDict()
        assert layer.get_output_kwargs == []
        assert layer.output_shape == (None, 3)

    def test_non_positive_input_shape(self):
        with pytest.raises(ValueError, match="Summing: cannot create a layer "
                           "with a non-positive input_shapes dimension"):
            Summing([(None, 3), (None, 0)])

    def test_incoming_of_wrong_type(self):
        with pytest.raises(TypeError, match='Summing: incoming must be a '
                           'Layer instance or a shape tuple, got 3'):
            Summing([(None, 3), 3])

    @pytest.mark.parametrize('incomings', [InputLayer((None, 3)), 3, None])
    def test_incomings_not_a_list(self, incomings):
        with pytest.raises(TypeError, match="^Summing 's': incomings must "
                           "be a list of Layer instances or shape tuples, "
                           "got .*; put a single layer in a list$"):
            Summing(incomings, name='s')

    def test_incomings_any_iterable(self):
        a = InputLayer((None, 3))
        layer = Summing(iter([a, (None, 3)]))
        assert layer.input_layers == [a, None]

    def test_symbolic_output_shape_refused(self):
        with pytest.raises(ValueError, match='SymbolicMergeShape: '
                           'get_output_shape_for.. returned a symbolic'):
            SymbolicMergeShape([(None, 3)]).output_shape

    def test_abstract_methods(self):
        layer = MergeLayer([(None, 3)])
        with pytest.raises(NotImplementedError):
            layer.output_shape
        with pytest.raises(NotImplementedError):
            layer.get_output_for([T.matrix()])


@pytest.mark.parametrize('cls', [Layer, MergeLayer, InputLayer])
def test_output_shape_documented(cls):
    # the overriding getters of MergeLayer and InputLayer keep a docstring
    assert 'shape' in cls.output_shape.__doc__
