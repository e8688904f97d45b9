import re

import numpy as np
import pytest
import theano.tensor as T

from lasagne import init
from lasagne.layers import InputLayer, EmbeddingLayer, get_output

from .layer_checks import check_array_input, evaluate, verify_layer_grad


def test_attributes():
    l_in = InputLayer((None, 5), input_var=T.imatrix())
    layer = EmbeddingLayer(l_in, input_size=20, output_size=4, name='emb')
    assert (layer.input_size, layer.output_size) == (20, 4)
    assert layer.W.get_value().shape == (20, 4)
    assert [p.name for p in layer.get_params()] == ['emb.W']
    assert layer.params[layer.W] == {'trainable', 'regularizable'}
    # The default initialization: Normal with std 0.01.
    assert 0.001 < layer.W.get_value().std() < 0.03


@pytest.mark.parametrize('input_shape, output_shape', [
    ((None, 5), (None, 5, 4)),
    ((None,), (None, 4)),
    ((2, None, 3), (2, None, 3, 4)),
])
def test_shapes(input_shape, output_shape):
    assert EmbeddingLayer(input_shape, 20, 4).output_shape == output_shape


@pytest.mark.parametrize('argument', ['input_size', 'output_size'])
@pytest.mark.parametrize('value', [0, -1, 2.0, None])
def test_bad_sizes(argument, value):
    kwargs = dict(input_size=20, output_size=4)
    kwargs[argument] = value
    with pytest.raises(ValueError, match="EmbeddingLayer 'e': %s must be a "
                       "positive int, got %s"
                       % (argument, re.escape(repr(value)))):
        EmbeddingLayer((None, 5), name='e', **kwargs)


def test_float_input_refused():
    layer = EmbeddingLayer(InputLayer((None, 5)), 20, 4)
    with pytest.raises(TypeError, match='EmbeddingLayer: the input must be '
                       'of an integer type, got float'):
        get_output(layer)


def test_values():
    W = np.arange(15.).reshape(5, 3)
    l_in = InputLayer((None, 4), input_var=T.imatrix())
    layer = EmbeddingLayer(l_in, 5, 3, W=W)
    x = np.array([[0, 4, 2, 2], [1, 3, 0, 4]], dtype='int32')
    out = evaluate(layer, {l_in: x})
    expected = np.array([[W[i] for i in row] for row in x])
    np.testing.assert_array_equal(out, expected)
    # Any integer type indexes.
    l_bytes = InputLayer((None,), input_var=T.bvector())
    out = evaluate(EmbeddingLayer(l_bytes, 5, 3, W=W),
                   {l_bytes: np.array([3, 1], dtype='int8')})
    np.testing.assert_array_equal(out, W[[3, 1]])


def test_gradient():
    l_in = InputLayer((None, 3), input_var=T.imatrix())
    layer = EmbeddingLayer(l_in, 4, 2, W=init.Uniform(1))
    # Index 2 occurs twice, index 3 not at all.
    verify_layer_grad(layer, {l_in: np.array([[0, 2, 1], [2, 0, 1]],
                                             dtype='int32')})


def test_array_input():
    layer = EmbeddingLayer((None, 4), 5, 3, W=np.arange(15.).reshape(5, 3))
    check_array_input(layer, np.array([[0, 4, 2, 2]], dtype='int32'))
