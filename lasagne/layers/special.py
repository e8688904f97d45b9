from .. import nonlinearities
from .base import Layer


__all__ = [
    "NonlinearityLayer",
]


class NonlinearityLayer(Layer):
    """A layer that applies a nonlinearity to its input, element by element.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    nonlinearity : callable or None
        The nonlinearity, e.g. from :mod:`lasagne.nonlinearities`; None for
        the identity.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, NonlinearityLayer
    >>> from lasagne.nonlinearities import tanh
    >>> NonlinearityLayer(InputLayer((None, 5)), tanh).output_shape
    (None, 5)
    """

    def __init__(self, incoming, nonlinearity=nonlinearities.rectify,
                 **kwargs):
        super(NonlinearityLayer, self).__init__(incoming, **kwargs)
        self.nonlinearity = (nonlinearities.identity if nonlinearity is None
                             else nonlinearity)

    def get_output_for(self, input, **kwargs):
        return self.nonlinearity(input)
