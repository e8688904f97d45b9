import numpy as np
import theano.tensor as T

from .. import init
from .. import nonlinearities
from .._checks import (_check_axis, _check_nonlinearity, _check_positive_int,
                       _describe, _is_int)
from .base import Layer


__all__ = [
    "DenseLayer",
    "NINLayer",
]


def _leading_axes(num_leading_axes, ndim):
    """`num_leading_axes` counted from the start of an `ndim`-d input."""
    if num_leading_axes < 0:
        return num_leading_axes + ndim
    return num_leading_axes


class DenseLayer(Layer):
    """A fully connected layer: :math:`y = f(x W + b)`.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    num_units : int
        The number of units of the layer.
    W : Theano shared variable, expression, numpy array or callable
        The weights, of shape ``(num_inputs, num_units)``, where
        ``num_inputs`` is the product of the input's trailing dimensions
        (see `num_leading_axes`). See :func:`lasagne.utils.create_param`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases, of shape ``(num_units,)``; None for no biases.
    nonlinearity : callable or None
        The nonlinearity :math:`f`; None for the identity.
    num_leading_axes : int
        How many leading axes of the input to keep: the output has these
        axes followed by one of ``num_units``, and the weights act on the
        product of the remaining axes. A negative number counts from the
        end, e.g. -1 applies the layer along the last axis only.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer
    >>> l_in = InputLayer((None, 3, 10))
    >>> DenseLayer(l_in, num_units=50).output_shape
    (None, 50)
    >>> DenseLayer(l_in, num_units=50, num_leading_axes=-1).output_shape
    (None, 3, 50)
    """

    def __init__(self, incoming, num_units, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 num_leading_axes=1, **kwargs):
        super(DenseLayer, self).__init__(incoming, **kwargs)
        self.nonlinearity = _check_nonlinearity(self, nonlinearity)
        _check_positive_int(self, num_units, 'num_units')
        self.num_units = num_units
        if len(self.input_shape) < 2 and _is_int(num_leading_axes) and \
                num_leading_axes >= 1:
            # the input lacks a batch axis: blame it, not the default
            raise ValueError("%s: expected an input of at least 2 dimensions "
                             "(batch and features) for num_leading_axes=%d, "
                             "got input shape %r"
                             % (_describe(self), num_leading_axes,
                                self.input_shape))
        # at least one trailing axis must remain for the weights
        leading = _check_axis(self, num_leading_axes, len(self.input_shape),
                              'num_leading_axes')
        # Kept as given (negative values count from the end for any input
        # dimensionality), as upstream Lasagne stores it in pickles.
        self.num_leading_axes = num_leading_axes
        if any(s is None for s in self.input_shape[leading:]):
            raise ValueError(
                "%s: the trailing axes of the input (after the first %d of "
                "%r) must have known sizes"
                % (_describe(self), leading, self.input_shape))
        num_inputs = int(np.prod(self.input_shape[leading:]))
        self.W = self.add_param(W, (num_inputs, num_units), name="W")
        if b is None:
            self.b = None
        else:
            self.b = self.add_param(b, (num_units,), name="b",
                                    regularizable=False)

    def get_output_shape_for(self, input_shape):
        leading = _leading_axes(self.num_leading_axes, len(input_shape))
        return tuple(input_shape[:leading]) + (self.num_units,)

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
        leading = _leading_axes(self.num_leading_axes, input.ndim)
        if input.ndim > leading + 1:
            input = input.flatten(leading + 1)
        activation = T.dot(input, self.W)
        if self.b is not None:
            activation = activation + self.b
        return self.nonlinearity(activation)


class NINLayer(Layer):
    """A network-in-network layer [1]_: a dense layer applied at every
    position, mixing the channels (the second axis) of its input, like a
    1x1 convolution.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, of shape ``(batch, channels,
        ...)``.
    num_units : int
        The number of output channels.
    untie_biases : bool
        False: one bias per output channel. True: a separate bias for every
        position too, of shape ``(num_units,) + input_shape[2:]``, which
        needs those sizes to be known.
    W : Theano shared variable, expression, numpy array or callable
        The weights, of shape ``(channels, num_units)``.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity; None for the identity.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    References
    ----------
    .. [1] Lin, Min, Qiang Chen, and Shuicheng Yan (2013):
       Network in network. arXiv:1312.4400.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, NINLayer
    >>> NINLayer(InputLayer((None, 3, 8, 8)), num_units=5).output_shape
    (None, 5, 8, 8)
    """

    def __init__(self, incoming, num_units, untie_biases=False,
                 W=init.GlorotUniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify, **kwargs):
        super(NINLayer, self).__init__(incoming, **kwargs)
        self.nonlinearity = _check_nonlinearity(self, nonlinearity)
        _check_positive_int(self, num_units, 'num_units')
        self.num_units = num_units
        self.untie_biases = untie_biases
        if len(self.input_shape) < 2 or self.input_shape[1] is None:
            raise ValueError("%s: the input needs a second (channel) axis "
                             "of known size, got shape %r"
                             % (_describe(self), self.input_shape))
        num_input_channels = self.input_shape[1]
        self.W = self.add_param(W, (num_input_channels, num_units), name="W")
        if b is None:
            self.b = None
        else:
            if untie_biases:
                if any(s is None for s in self.input_shape[2:]):
                    raise ValueError(
                        "%s: untie_biases=True needs the sizes of all axes "
                        "after the second, got shape %r"
                        % (_describe(self), self.input_shape))
                biases_shape = (num_units,) + tuple(self.input_shape[2:])
            else:
                biases_shape = (num_units,)
            self.b = self.add_param(b, biases_shape, name="b",
                                    regularizable=False)

    def get_output_shape_for(self, input_shape):
        return (input_shape[0], self.num_units) + tuple(input_shape[2:])

    def get_output_for(self, input, **kwargs):
        # tensordot puts the mixed channel axis last; move it back second
        activation = T.tensordot(input, self.W, axes=[[1], [0]])
        activation = activation.dimshuffle(
            0, input.ndim - 1, *range(1, input.ndim - 1))
        if self.b is not None:
            if self.untie_biases:
                bias = self.b.dimshuffle('x', *range(input.ndim - 1))
            else:
                bias = self.b.dimshuffle(
                    'x', 0, *(['x'] * (input.ndim - 2)))
            activation = activation + bias
        return self.nonlinearity(activation)
