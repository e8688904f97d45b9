import difflib
import warnings
from itertools import chain

import numpy as np

from .. import utils
from .base import Layer
from .input import InputLayer


__all__ = [
    "get_all_layers",
    "get_output",
    "get_output_shape",
    "get_all_params",
    "count_params",
    "get_all_param_values",
    "set_all_param_values",
]


def _as_list(layer_or_layers):
    """Layers given as one layer or an iterable, as a list, and whether a
    single layer was given."""
    if isinstance(layer_or_layers, Layer) or \
            not hasattr(layer_or_layers, '__iter__'):
        return [layer_or_layers], True
    return list(layer_or_layers), False


def _incoming(layer):
    """The incoming layers of `layer`, None where it was given a shape (an
    input layer has none), and whether it takes a list of inputs: a layer
    with an ``input_layers`` attribute does, like :class:`MergeLayer`."""
    if hasattr(layer, 'input_layers'):
        return list(layer.input_layers), True
    return [getattr(layer, 'input_layer', None)], False


def _check_layer_keys(given, caller):
    """Raise a TypeError naming `caller` unless every key of the dict
    `given` is a layer or None, which stands for the missing input layer of
    layers built from a shape."""
    for key in given:
        if key is not None and not isinstance(key, Layer):
            raise TypeError("%s: the keys of a dict of inputs must be Lasagne "
                            "layers (e.g. InputLayer instances) or None, got "
                            "a key of type %s: %r"
                            % (caller, type(key).__name__, key))


def _unused_kwargs_warning(unused, accepted):
    """The warning of get_output about keyword arguments that no layer
    accepts, suggesting an accepted name close to each (typos)."""
    names = []
    for name in sorted(unused):
        close = difflib.get_close_matches(name, sorted(accepted), n=1)
        names.append("%s (did you mean %s?)" % (name, close[0]) if close
                     else name)
    return ("get_output() was called with keyword arguments that no layer "
            "of the network accepts: %s" % ", ".join(names))


def get_all_layers(layer, treat_as_input=None):
    """All layers a network consists of, in topological order.

    Parameters
    ----------
    layer : Layer or list of Layer
        The output layer(s) of the network.
    treat_as_input : iterable of Layer, optional
        Layers whose incoming layers are not followed, as if they were input
        layers.

    Returns
    -------
    list of Layer
        Every layer that the given layers depend on, and they themselves,
        each once. Each layer comes after all its incoming layers, which
        are visited depth-first in the order of the layer's inputs.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, get_all_layers
    >>> l_in = InputLayer((None, 10))
    >>> l1 = DenseLayer(l_in, num_units=20)
    >>> l2 = DenseLayer(l1, num_units=5)
    >>> get_all_layers(l2) == [l_in, l1, l2]
    True
    >>> get_all_layers(l2, treat_as_input=[l1]) == [l1, l2]
    True
    """
    layers, _ = _as_list(layer)
    stop = set(treat_as_input or ())
    result, done, entered = [], set(), set()
    # An explicit stack instead of recursion keeps deep networks (e.g.
    # unrolled ones) clear of Python's recursion limit.
    stack = [(item, False) for item in reversed(layers)]
    while stack:
        current, expanded = stack.pop()
        if current in done:
            continue
        if expanded or current in stop or current in entered:
            done.add(current)
            result.append(current)
        else:
            entered.add(current)
            stack.append((current, True))
            stack.extend((i, False) for i in reversed(_incoming(current)[0])
                         if i is not None)
    return result


def get_output(layer_or_layers, inputs=None, **kwargs):
    """The output expression of one or more layers of a network.

    Parameters
    ----------
    layer_or_layers : Layer or list of Layer
        The layer(s) whose output is wanted.
    inputs : None, Theano expression, numpy array or dict
        What the network is fed: None to use the input variables of its
        :class:`InputLayer` instances; one expression or array for a network
        with a single input layer; or a dict mapping layers (input layers or
        any other, which then stand as inputs) to expressions or arrays. The
        key None feeds the layers built from a shape tuple instead of an
        incoming layer.
    **kwargs
        Passed to the ``get_output_for`` method of every layer, e.g.
        ``deterministic=True`` to switch off noise layers. A keyword that no
        layer accepts triggers a warning.

    Returns
    -------
    Theano expression or list of them
        The output of each layer asked for, in the same structure.

    Raises
    ------
    ValueError
        If a single input is given for a network with several input layers,
        or a layer the outputs depend on has no input.
    TypeError
        If `inputs` is a dict with a key that is neither a layer nor None.

    Examples
    --------
    >>> import numpy as np
    >>> import theano
    >>> from lasagne.layers import InputLayer, DenseLayer, get_output
    >>> l_in = InputLayer((None, 3))
    >>> l_out = DenseLayer(l_in, num_units=2, nonlinearity=None,
    ...                    W=np.ones((3, 2)), b=np.zeros(2))
    >>> f = theano.function([l_in.input_var], get_output(l_out))
    >>> x = np.array([[1., 2., 3.]], dtype=theano.config.floatX)
    >>> f(x).tolist()
    [[6.0, 6.0]]
    """
    layers, single = _as_list(layer_or_layers)
    if isinstance(inputs, dict):
        _check_layer_keys(inputs, 'get_output()')
        inputs = dict((layer, utils.as_theano_expression(expr))
                      for layer, expr in inputs.items())
    elif inputs is not None:
        inputs = utils.as_theano_expression(inputs)
    accepted = set(['deterministic'])

    def output_for(layer, layer_input):
        accepted.update(utils.inspect_kwargs(layer.get_output_for))
        accepted.update(layer.get_output_kwargs)
        return layer.get_output_for(layer_input, **kwargs)

    outputs = _propagate(layers, inputs, 'input_var', output_for,
                         'get_output()', 'expression')
    unused = set(kwargs) - accepted
    if unused:
        warnings.warn(_unused_kwargs_warning(unused, accepted), stacklevel=2)
    result = [outputs[layer] for layer in layers]
    return result[0] if single else result


def _propagate(layers, given, input_attribute, compute, caller, what):
    """Feed values (expressions or shapes) forward through a network.

    `given` is None (each input layer's own `input_attribute`), one value
    for the single input layer, or a dict from layers to values. Returns a
    dict holding the value of every layer the given layers depend on."""
    treat_as_input = list(given) if isinstance(given, dict) else []
    all_layers = get_all_layers(layers, treat_as_input)
    values = dict((layer, getattr(layer, input_attribute))
                  for layer in all_layers
                  if isinstance(layer, InputLayer) and
                  layer not in treat_as_input)
    if isinstance(given, dict):
        values.update(given)
    elif given is not None:
        if len(values) > 1:
            raise ValueError("%s was given a single input %s for a network "
                             "with %d input layers; pass a dict mapping "
                             "each input layer to its %s"
                             % (caller, what, len(values), what))
        values = dict.fromkeys(values, given)
    for layer in all_layers:
        if layer in values:
            continue
        incoming, merges = _incoming(layer)
        if any(i not in values for i in incoming):
            raise ValueError("%s: no input %s reaches %r; pass a dict "
                             "mapping it, or a layer it depends on, to an "
                             "input %s" % (caller, what, layer, what))
        layer_input = [values[i] for i in incoming]
        if not merges:
            layer_input = layer_input[0]
        values[layer] = compute(layer, layer_input)
    return values


def get_output_shape(layer_or_layers, input_shapes=None):
    """The output shape of one or more layers, for the network's own input
    shapes or for other ones.

    Parameters
    ----------
    layer_or_layers : Layer or list of Layer
        The layer(s) whose output shape is wanted.
    input_shapes : None, tuple or dict
        None for the shapes the network was built with; one shape for a
        network with a single input layer; or a dict mapping layers to
        shapes, where the key None stands for the missing input of layers
        built from a shape tuple.

    Returns
    -------
    tuple or list of tuples
        The output shape of each layer asked for.

    Raises
    ------
    ValueError
        If a single shape is given for a network with several input layers.
    TypeError
        If `input_shapes` is a dict with a key that is neither a layer nor
        None.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, get_output_shape
    >>> l_in = InputLayer((None, 10))
    >>> l_out = DenseLayer(l_in, num_units=5)
    >>> get_output_shape(l_out)
    (None, 5)
    >>> get_output_shape(l_out, (32, 10))
    (32, 5)
    >>> get_output_shape([l_in, l_out], {l_in: (8, 10)})
    [(8, 10), (8, 5)]
    """
    layers, single = _as_list(layer_or_layers)
    if isinstance(input_shapes, dict):
        _check_layer_keys(input_shapes, 'get_output_shape()')
    if input_shapes is None or input_shapes == {}:
        result = [layer.output_shape for layer in layers]
    else:
        shapes = _propagate(layers, input_shapes, 'shape',
                            lambda layer, shape:
                            layer.get_output_shape_for(shape),
                            'get_output_shape()', 'shape')
        result = [shapes[layer] for layer in layers]
    return result[0] if single else result


def get_all_params(layer, unwrap_shared=True, **tags):
    """The parameters of all layers of a network, each once.

    Parameters
    ----------
    layer : Layer or list of Layer
        The output layer(s) of the network.
    unwrap_shared : bool
        Replace parameters that are Theano expressions by the shared
        variables they depend on (the default).
    **tags
        Tag filters, as in :meth:`Layer.get_params`, e.g.
        ``trainable=True``.

    Returns
    -------
    list of Theano variables
        In the order of :func:`get_all_layers`, and within a layer in the
        order the parameters were added. This order is the order of
        :func:`get_all_param_values`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, get_all_params
    >>> l_in = InputLayer((None, 10))
    >>> l1 = DenseLayer(l_in, num_units=20, name='hidden')
    >>> l2 = DenseLayer(l1, num_units=5, b=None, name='out')
    >>> [p.name for p in get_all_params(l2)]
    ['hidden.W', 'hidden.b', 'out.W']
    >>> [p.name for p in get_all_params(l2, regularizable=False)]
    ['hidden.b']
    """
    layers = get_all_layers(layer)
    return utils.unique(chain.from_iterable(
        lay.get_params(unwrap_shared=unwrap_shared, **tags)
        for lay in layers))


def count_params(layer, **tags):
    """The number of parameter values (scalars) of a network.

    Parameters
    ----------
    layer : Layer or list of Layer
        The output layer(s) of the network.
    **tags
        Tag filters, as in :func:`get_all_params`.

    Returns
    -------
    int
        The total size of all matching shared parameters.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, count_params
    >>> l_in = InputLayer((None, 10))
    >>> l_hidden = DenseLayer(l_in, num_units=20)
    >>> l_out = DenseLayer(l_hidden, num_units=5)
    >>> count_params(l_out)
    325
    >>> count_params(l_out, regularizable=True)  # the weights alone
    300
    """
    params = get_all_params(layer, **tags)
    return int(sum(np.prod(p.get_value(borrow=True).shape) for p in params))


def get_all_param_values(layer, **tags):
    """The values of all parameters of a network, e.g. to save them.

    Parameters
    ----------
    layer : Layer or list of Layer
        The output layer(s) of the network.
    **tags
        Tag filters, as in :func:`get_all_params`.

    Returns
    -------
    list of numpy arrays
        In the order of :func:`get_all_params`.

    See Also
    --------
    set_all_param_values : loads such a list back into a network

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> from lasagne.layers import get_all_param_values
    >>> l_hidden = DenseLayer(InputLayer((None, 10)), num_units=20)
    >>> l_out = DenseLayer(l_hidden, num_units=5, b=None)
    >>> [value.shape for value in get_all_param_values(l_out)]
    [(10, 20), (20,), (20, 5)]
    >>> [value.shape for value in get_all_param_values(l_out,
    ...                                                regularizable=False)]
    [(20,)]
    """
    return [p.get_value() for p in get_all_params(layer, **tags)]


def set_all_param_values(layer, values, **tags):
    """Set the values of all parameters of a network, e.g. to load them.

    Every value is checked before any is assigned, so a mismatch changes
    nothing.

    Parameters
    ----------
    layer : Layer or list of Layer
        The output layer(s) of the network.
    values : list of numpy arrays
        One value per parameter, in the order of :func:`get_all_params`
        (as :func:`get_all_param_values` returns them).
    **tags
        Tag filters, as in :func:`get_all_params`.

    Raises
    ------
    ValueError
        If the number of values or a shape does not match.
    TypeError
        If a value cannot be converted to its parameter's dtype without
        loss, as Theano's ``set_value`` would refuse.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> from lasagne.layers import get_all_param_values, set_all_param_values
    >>> net = DenseLayer(InputLayer((None, 10)), num_units=5)
    >>> values = get_all_param_values(net)
    >>> set_all_param_values(net, values)
    >>> set_all_param_values(net, values[:1])
    Traceback (most recent call last):
    ...
    ValueError: set_all_param_values: got 1 values for 2 parameters
    """
    params = get_all_params(layer, **tags)
    values = list(values)
    if len(values) != len(params):
        raise ValueError("set_all_param_values: got %d values for %d "
                         "parameters" % (len(values), len(params)))
    checked = []
    for i, (param, value) in enumerate(zip(params, values)):
        shape = param.get_value(borrow=True).shape
        if np.shape(value) != shape:
            raise ValueError("set_all_param_values: value %d has shape %r, "
                             "but parameter %s has shape %r"
                             % (i, np.shape(value), param.name, shape))
        checked.append(param.type.filter(value))
    for param, value in zip(params, checked):
        param.set_value(value)
