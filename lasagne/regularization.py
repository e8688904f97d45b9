"""
Penalties on parameters, to add to a training loss.

A penalty is a function of one tensor that returns a scalar expression, such
as :func:`l1` and :func:`l2`. :func:`apply_penalty` sums a penalty over
several tensors, and the ``regularize_*`` helpers select the parameters of
layers or networks by their tags (by default those tagged ``regularizable``:
weights, not biases).

Examples
--------
>>> import theano.tensor as T
>>> from lasagne.layers import InputLayer, DenseLayer, get_output
>>> from lasagne.objectives import squared_error
>>> from lasagne.regularization import regularize_network_params, l2
>>> l_in = InputLayer((None, 4))
>>> l_hidden = DenseLayer(l_in, num_units=5)
>>> l_out = DenseLayer(l_hidden, num_units=1, nonlinearity=None)
>>> targets = T.matrix('targets')
>>> loss = squared_error(get_output(l_out), targets).mean()
>>> loss = loss + 1e-4 * regularize_network_params(l_out, l2)
>>> loss.ndim
0
"""

import theano
import theano.tensor as T

from .layers import Layer, get_all_params

__all__ = [
    "l1",
    "l2",
    "apply_penalty",
    "regularize_layer_params",
    "regularize_layer_params_weighted",
    "regularize_network_params",
]


def l1(x):
    r"""The L1 penalty: the sum of the absolute values of a tensor.

    .. math:: \sum_i |x_i|

    Parameters
    ----------
    x : Theano tensor

    Returns
    -------
    Theano scalar
    """
    return T.sum(abs(x))


def l2(x):
    r"""The squared L2 penalty: the sum of the squares of a tensor (weight
    decay).

    .. math:: \sum_i x_i^2

    Parameters
    ----------
    x : Theano tensor

    Returns
    -------
    Theano scalar
    """
    return T.sum(T.sqr(x))


def apply_penalty(tensor_or_tensors, penalty, **kwargs):
    """Apply a penalty to a tensor, or sum it over several tensors.

    Parameters
    ----------
    tensor_or_tensors : Theano tensor or list of them
        The tensors to penalize.
    penalty : callable
        The penalty of one tensor, called as ``penalty(tensor, **kwargs)``.
    **kwargs
        Passed to `penalty`.

    Returns
    -------
    Theano scalar
        The penalty, or the sum of the penalties of the tensors (0 for an
        empty list).

    Examples
    --------
    >>> import numpy as np
    >>> import theano
    >>> from lasagne.regularization import apply_penalty, l1
    >>> W = theano.shared(np.array([[1., -2.], [3., 0.]]))
    >>> b = theano.shared(np.array([-1., 1.]))
    >>> apply_penalty([W, b], l1).eval()
    array(8.)
    """
    if isinstance(tensor_or_tensors, theano.gof.Variable):
        return penalty(tensor_or_tensors, **kwargs)
    return sum(penalty(x, **kwargs) for x in tensor_or_tensors)


def regularize_layer_params(layer, penalty, tags={'regularizable': True},
                            **kwargs):
    """The penalty of the parameters of one or more layers.

    Only the layers given count, not the layers they are connected to.

    Parameters
    ----------
    layer : Layer or iterable of Layer
        The layers whose parameters are penalized.
    penalty : callable
        The penalty of one tensor, such as :func:`l2`.
    tags : dict
        Tag filters selecting the parameters, as for
        :meth:`lasagne.layers.Layer.get_params`: by default the
        parameters tagged ``regularizable``.
    **kwargs
        Passed to `penalty`.

    Returns
    -------
    Theano scalar
        The sum of the penalties of the selected parameters.
    """
    layers = [layer] if isinstance(layer, Layer) else layer
    params = [param for lay in layers for param in lay.get_params(**tags)]
    return apply_penalty(params, penalty, **kwargs)


def regularize_layer_params_weighted(layers, penalty,
                                     tags={'regularizable': True}, **kwargs):
    """A weighted sum of the penalties of the parameters of several layers.

    Parameters
    ----------
    layers : dict
        Maps each layer to penalize to its coefficient.
    penalty : callable
        The penalty of one tensor, such as :func:`l2`.
    tags : dict
        Tag filters selecting the parameters of each layer, as for
        :meth:`lasagne.layers.Layer.get_params`: by default the
        parameters tagged ``regularizable``.
    **kwargs
        Passed to `penalty`.

    Returns
    -------
    Theano scalar
        The sum over the layers of the coefficient times the penalty of the
        layer's selected parameters.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> from lasagne.regularization import (
    ...     regularize_layer_params_weighted, l2)
    >>> l_in = InputLayer((None, 4))
    >>> l_hidden = DenseLayer(l_in, num_units=5)
    >>> l_out = DenseLayer(l_hidden, num_units=2)
    >>> penalty = regularize_layer_params_weighted({l_hidden: 1e-3,
    ...                                             l_out: 1e-4}, l2)
    >>> penalty.ndim
    0
    """
    return sum(coefficient *
               apply_penalty(layer.get_params(**tags), penalty, **kwargs)
               for layer, coefficient in layers.items())


def regularize_network_params(layer, penalty, tags={'regularizable': True},
                              **kwargs):
    """The penalty of the parameters of a whole network.

    Parameters
    ----------
    layer : Layer or list of Layer
        The output layer(s) of the network: the parameters of every layer
        they depend on are penalized.
    penalty : callable
        The penalty of one tensor, such as :func:`l2`.
    tags : dict
        Tag filters selecting the parameters, as for
        :func:`lasagne.layers.get_all_params`: by default the parameters
        tagged ``regularizable``.
    **kwargs
        Passed to `penalty`.

    Returns
    -------
    Theano scalar
        The sum of the penalties of the selected parameters, each counted
        once.
    """
    return apply_penalty(get_all_params(layer, **tags), penalty, **kwargs)
