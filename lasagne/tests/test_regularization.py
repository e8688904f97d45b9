import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne.layers import InputLayer, DenseLayer
from lasagne import regularization
from lasagne.regularization import (l1, l2, apply_penalty,
                                    regularize_layer_params,
                                    regularize_layer_params_weighted,
                                    regularize_network_params)


@pytest.fixture(scope='module')
def net():
    """A network of two dense layers with known weights and biases, and
    the NumPy values of its parameters."""
    rng = np.random.RandomState(3)
    values = {name: rng.normal(size=shape) for name, shape in
              [('W1', (3, 4)), ('b1', (4,)), ('W2', (4, 2)), ('b2', (2,))]}
    l_in = InputLayer((None, 3))
    l_hidden = DenseLayer(l_in, 4, W=values['W1'], b=values['b1'])
    l_out = DenseLayer(l_hidden, 2, W=values['W2'], b=values['b2'])
    return l_hidden, l_out, values


def value(expression):
    # Python implementations of the ops: nothing to compile for a penalty.
    return theano.function([], expression,
                           mode=theano.compile.Mode(linker='py'))()


def np_l1(x):
    return np.abs(x).sum()


def np_l2(x):
    return (x ** 2).sum()


@pytest.mark.parametrize('penalty, reference', [(l1, np_l1), (l2, np_l2)])
def test_penalties(penalty, reference):
    x = np.array([[1.5, -2., 0.], [-0.25, 3., -1.]])
    assert np.allclose(value(penalty(theano.shared(x))), reference(x))
    assert penalty(T.dtensor4()).ndim == 0


def test_apply_penalty_to_one_tensor_and_to_a_list():
    x = np.array([1., -2., 3.])
    y = np.array([[-4.], [0.5]])
    xs, ys = theano.shared(x), theano.shared(y)
    assert np.allclose(value(apply_penalty(xs, l1)), np_l1(x))
    assert np.allclose(value(apply_penalty([xs, ys], l2)),
                       np_l2(x) + np_l2(y))
    assert apply_penalty([], l2) == 0


def test_apply_penalty_passes_keyword_arguments():
    def lp(x, p):
        return T.sum(abs(x) ** p)
    x = np.array([1., -2., 3.])
    got = value(apply_penalty([theano.shared(x)], lp, p=3))
    assert np.allclose(got, (np.abs(x) ** 3).sum())


def test_regularize_layer_params(net):
    l_hidden, l_out, v = net
    got = value(regularize_layer_params(l_out, l2))
    assert np.allclose(got, np_l2(v['W2']))  # the weights, not the bias
    got = value(regularize_layer_params([l_hidden, l_out], l1))
    assert np.allclose(got, np_l1(v['W1']) + np_l1(v['W2']))


def test_regularize_layer_params_tags(net):
    l_hidden, l_out, v = net
    got = value(regularize_layer_params(l_hidden, l2,
                                        tags={'trainable': True}))
    assert np.allclose(got, np_l2(v['W1']) + np_l2(v['b1']))
    got = value(regularize_layer_params(l_hidden, l2,
                                        tags={'regularizable': False}))
    assert np.allclose(got, np_l2(v['b1']))


def test_regularize_layer_params_weighted(net):
    l_hidden, l_out, v = net
    got = value(regularize_layer_params_weighted({l_hidden: 0.1, l_out: 2.},
                                                 l2))
    assert np.allclose(got, 0.1 * np_l2(v['W1']) + 2. * np_l2(v['W2']))
    got = value(regularize_layer_params_weighted(
        {l_out: 0.5}, l1, tags={'regularizable': False}))
    assert np.allclose(got, 0.5 * np_l1(v['b2']))


def test_regularize_network_params(net):
    l_hidden, l_out, v = net
    got = value(regularize_network_params(l_out, l2))
    assert np.allclose(got, np_l2(v['W1']) + np_l2(v['W2']))
    got = value(regularize_network_params(l_out, l1, tags={}))
    assert np.allclose(got, sum(np_l1(x) for x in v.values()))


def test_default_tags_are_not_shared_state(net):
    # The default tag dict is a shared default argument: using it must not
    # change it.
    l_hidden, l_out, _ = net
    regularize_layer_params(l_out, l2)
    regularize_network_params(l_out, l2)
    regularize_layer_params_weighted({l_out: 1.}, l2)
    for function in [regularization.regularize_layer_params,
                     regularization.regularize_layer_params_weighted,
                     regularization.regularize_network_params]:
        assert function.__defaults__[0] == {'regularizable': True}


def test_public_names():
    public = ['l1', 'l2', 'apply_penalty', 'regularize_layer_params',
              'regularize_layer_params_weighted',
              'regularize_network_params']
    assert sorted(regularization.__all__) == sorted(public)
    namespace = {}
    exec('from lasagne.regularization import *', namespace)
    # The imports of the module (theano, T, Layer, ...) stay out.
    assert sorted(set(namespace) - {'__builtins__'}) == sorted(public)
