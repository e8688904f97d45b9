import re

import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne.layers import InputLayer


class TestInputLayer(object):
    @pytest.mark.parametrize('shape', [(None,), (None, 3), (2, None, 4, 5),
                                       [None, 3], (np.int64(2), 3)])
    def test_default_variable(self, shape):
        layer = InputLayer(shape)
        assert layer.shape == tuple(shape)
        assert layer.output_shape == tuple(shape)
        assert layer.input_var.ndim == len(shape)
        assert layer.input_var.dtype == theano.config.floatX
        assert not any(layer.input_var.broadcastable)
        assert layer.input_var.name == 'input'
        assert layer.name is None
        assert list(layer.params) == []
        assert layer.get_params() == []

    @pytest.mark.parametrize('shape, broadcastable', [
        ((1, 2), (True, False)), ((None, 1), (False, True)),
        ((1,), (True,)), ((None, 1, 3, 1), (False, True, False, True)),
        ((np.int64(1), 2), (True, False))])
    def test_size_one_dimensions_are_broadcastable(self, shape,
                                                   broadcastable):
        assert InputLayer(shape).input_var.broadcastable == broadcastable

    def test_broadcasting_of_a_size_one_dimension(self):
        x = InputLayer((1, 2)).input_var
        y = T.matrix()
        out = (x + y).eval({x: np.ones((1, 2), x.dtype),
                            y: np.zeros((3, 2), y.dtype)})
        np.testing.assert_array_equal(out, np.ones((3, 2)))

    def test_variable_named_after_layer(self):
        layer = InputLayer((None, 3), name='images')
        assert layer.name == 'images'
        assert layer.input_var.name == 'images.input'

    def test_own_variables_differ(self):
        assert InputLayer((3,)).input_var is not InputLayer((3,)).input_var

    def test_given_variable(self):
        tokens = T.imatrix('tokens')
        layer = InputLayer((None, 10), input_var=tokens)
        assert layer.input_var is tokens
        assert layer.output_shape == (None, 10)

    @pytest.mark.parametrize('var', [T.vector(), T.tensor3(), T.scalar()])
    def test_given_variable_of_wrong_ndim(self, var):
        with pytest.raises(ValueError, match=r'InputLayer: shape \(None, 3\) '
                           r'has 2 dimensions, but input_var .* has %d'
                           % var.ndim):
            InputLayer((None, 3), input_var=var)

    def test_given_value_without_ndim(self):
        with pytest.raises(ValueError, match='but input_var .* has none'):
            InputLayer((None, 3), input_var=[[1, 2, 3]])

    @pytest.mark.parametrize('shape', [(None, 0), (-1, 3), (2.5,), ('a',),
                                       (True, 3)])
    def test_bad_shape(self, shape):
        with pytest.raises(ValueError, match="InputLayer 'in': every "
                           "dimension of shape must be a positive int or "
                           "None, got %s" % re.escape(repr(shape))):
            InputLayer(shape, name='in')

    @pytest.mark.parametrize('shape', [3, None, 2.5])
    def test_shape_not_iterable(self, shape):
        with pytest.raises(TypeError, match="^InputLayer 'in': shape must be "
                           "a tuple of ints and Nones, got %s$"
                           % re.escape(repr(shape))):
            InputLayer(shape, name='in')
