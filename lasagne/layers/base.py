from collections import OrderedDict

import theano.tensor as T

from .. import utils
from .._checks import _describe


__all__ = [
    "Layer",
    "MergeLayer",
]


class Layer(object):
    """The base class of every layer with one input.

    A subclass creates its parameters with :meth:`add_param` in
    ``__init__`` and implements :meth:`get_output_for` and, if it changes
    the shape, :meth:`get_output_shape_for`; :doc:`/user/custom_layers`
    shows how, with examples.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape (a
        tuple of ints, with None for dimensions unknown until run time).
    name : str, optional
        A name for the layer; it also prefixes the names of its parameters.

    Attributes
    ----------
    input_shape : tuple
        The shape of the input.
    input_layer : Layer or None
        The incoming layer, None if `incoming` was a shape.
    params : OrderedDict
        Maps each parameter variable to the set of its tags.
    get_output_kwargs : list of str
        Keyword arguments of :meth:`get_output_for` that
        :func:`lasagne.layers.get_output` should not warn about.
    """

    def __init__(self, incoming, name=None):
        _init_layer(self, name)
        self.input_shape, self.input_layer = _incoming_shape(self, incoming)
        _check_input_shape(self, self.input_shape, 'input_shape')

    @property
    def output_shape(self):
        """The shape of the layer's output, computed from its input shape
        (a tuple of ints and Nones)."""
        shape = self.get_output_shape_for(self.input_shape)
        _check_static_shape(self, shape)
        return shape

    def get_params(self, unwrap_shared=True, **tags):
        """The parameters of this layer, optionally filtered by tags.

        Parameters
        ----------
        unwrap_shared : bool
            If True (the default), a parameter that is a Theano expression
            is replaced by the shared variables it depends on.
        **tags
            ``tag=True`` keeps the parameters that have the tag,
            ``tag=False`` those that lack it, e.g. ``trainable=True,
            regularizable=False``.

        Returns
        -------
        list of Theano variables
            In the order they were added.
        """
        wanted = set(tag for tag, value in tags.items() if value)
        unwanted = set(tag for tag, value in tags.items() if not value)
        params = [param for param, param_tags in self.params.items()
                  if wanted <= param_tags and not unwanted & param_tags]
        if unwrap_shared:
            return utils.collect_shared_vars(params)
        return params

    def get_output_shape_for(self, input_shape):
        """The output shape (a tuple of ints and Nones) for an input shape;
        the input shape itself unless a subclass changes it."""
        return input_shape

    def get_output_for(self, input, **kwargs):
        """The layer's output expression for an input expression;
        implemented by the subclasses.

        Parameters
        ----------
        input : Theano expression
            The input.
        **kwargs
            Options such as ``deterministic``, which
            :func:`lasagne.layers.get_output` passes to every layer; a layer
            ignores those it does not know.
        """
        raise NotImplementedError

    def add_param(self, spec, shape, name=None, **tags):
        """Create a parameter and register it with the layer and its tags.

        Parameters
        ----------
        spec : Theano shared variable, expression, numpy array or callable
            The parameter or how to create it; see
            :func:`lasagne.utils.create_param`.
        shape : tuple of int
            Its shape.
        name : str, optional
            Its name, prefixed with the layer's name and a dot if the layer
            has one.
        **tags
            Its tags, e.g. ``regularizable=False``; ``trainable`` and
            ``regularizable`` default to True.

        Returns
        -------
        Theano shared variable or expression
            The parameter, to be stored as an attribute of the layer.

        Raises
        ------
        ValueError or TypeError
            If `spec` does not give a parameter of `shape`, naming the layer.
        """
        if name is not None and self.name is not None:
            name = "%s.%s" % (self.name, name)
        param = _create_param(self, spec, shape, name)
        tags.setdefault('trainable', True)
        tags.setdefault('regularizable', True)
        self.params[param] = set(tag for tag, value in tags.items() if value)
        return param


class MergeLayer(Layer):
    """The base class of layers with several inputs.

    Subclasses implement :meth:`get_output_shape_for` and
    :meth:`get_output_for`, which receive a list with one shape or
    expression per input; :doc:`/user/custom_layers` has an example.

    Parameters
    ----------
    incomings : list of :class:`Layer` instances or tuples
        The layers feeding into this layer, or their expected output shapes.
    name : str, optional
        A name for the layer.

    Attributes
    ----------
    input_shapes : list of tuples
        The shapes of the inputs.
    input_layers : list
        The incoming layers (None where a shape was given).
    """

    def __init__(self, incomings, name=None):
        _init_layer(self, name)
        if hasattr(incomings, 'output_shape') or \
                not hasattr(incomings, '__iter__'):
            raise TypeError("%s: incomings must be a list of Layer "
                            "instances or shape tuples, got %r; put a "
                            "single layer in a list"
                            % (_describe(self), incomings))
        shapes_and_layers = [_incoming_shape(self, incoming)
                             for incoming in incomings]
        self.input_shapes = [shape for shape, _ in shapes_and_layers]
        self.input_layers = [layer for _, layer in shapes_and_layers]
        for shape in self.input_shapes:
            _check_input_shape(self, shape, 'input_shapes')

    @Layer.output_shape.getter
    def output_shape(self):
        """The shape of the layer's output, computed from its input shapes
        (a tuple of ints and Nones)."""
        shape = self.get_output_shape_for(self.input_shapes)
        _check_static_shape(self, shape)
        return shape

    def get_output_shape_for(self, input_shapes):
        """The output shape for a list of input shapes, one per input;
        implemented by the subclasses."""
        raise NotImplementedError

    def get_output_for(self, inputs, **kwargs):
        """The layer's output expression for a list of input expressions,
        one per input in the order of `incomings`; implemented by the
        subclasses. `kwargs` are as for :meth:`Layer.get_output_for`."""
        raise NotImplementedError


# The direct support of the two classes.

def _check_input_shape(layer, shape, what):
    if any(d is not None and d <= 0 for d in shape):
        raise ValueError("%s: cannot create a layer with a non-positive "
                         "%s dimension: %r" % (_describe(layer), what, shape))


def _init_layer(layer, name):
    """Set the attributes every layer has: its name, its (still empty)
    parameters and the keyword arguments of get_output it accepts."""
    layer.name = name
    layer.params = OrderedDict()
    layer.get_output_kwargs = []


def _incoming_shape(layer, incoming, argument='incoming',
                    expected='a Layer instance or a shape tuple'):
    """The shape of an incoming layer or shape tuple, and the layer (or None
    for a shape tuple); a TypeError naming `layer` and the `argument` that
    gave `incoming` otherwise."""
    if isinstance(incoming, tuple):
        return incoming, None
    if not hasattr(incoming, 'output_shape'):
        raise TypeError("%s: %s must be %s, got %r"
                        % (_describe(layer), argument, expected, incoming))
    return incoming.output_shape, incoming


def _create_param(layer, spec, shape, name, argument=None):
    """:func:`lasagne.utils.create_param`, with errors that name `layer`
    (and the `argument` that gave `spec`, if it is not the parameter's
    own)."""
    try:
        return utils.create_param(spec, shape, name)
    except (ValueError, TypeError) as error:
        error_type = TypeError if isinstance(error, TypeError) \
            else ValueError
        owner = _describe(layer) + (': ' + argument if argument else '')
        raise error_type("%s: %s" % (owner, error)) from error


def _check_static_shape(layer, shape):
    if any(isinstance(s, T.Variable) for s in shape):
        raise ValueError("%s: get_output_shape_for() returned a symbolic "
                         "shape %r; shapes must hold ints, or None for "
                         "dimensions unknown until run time"
                         % (_describe(layer), shape))
