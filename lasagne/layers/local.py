"""
Locally connected layers: convolutions whose filters differ at every output
position.
"""
from .. import init
from .. import nonlinearities
from .._checks import _describe
from .conv import Conv2DLayer, _border_mode


__all__ = [
    "LocallyConnected2DLayer",
]


class LocallyConnected2DLayer(Conv2DLayer):
    """2-D locally connected layer.

    Like a :class:`Conv2DLayer`, each output element is computed from a
    window of the input, but with a filter of its own at every output
    position instead of one filter shared by all positions (an unshared
    convolution). The input size must therefore be known.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_input_channels, input_rows, input_columns)``;
        all but the batch size must be known.
    num_filters : int
        The number of output channels.
    filter_size : int or iterable of two ints
        The window size (rows, columns); an int for both.
    stride : int or iterable of two ints
        The stride along rows and columns.
    pad : int, iterable of two ints, 'full', 'same' or 'valid'
        The zero padding at both ends of each spatial axis, as for
        :class:`Conv2DLayer`. The default, ``'same'``, keeps the input size
        (for stride 1) and needs odd filter sizes.
    untie_biases : bool
        False: one bias per output channel. True: one per output channel and
        position.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_filters, num_input_channels //
        num_groups, filter_rows, filter_columns, output_rows,
        output_columns)``, or ``(num_filters, filter_rows, filter_columns,
        output_rows, output_columns)`` if `channelwise`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity; None for the identity.
    flip_filters : bool
        True: flip each filter along its spatial axes (a convolution);
        False: a cross-correlation.
    channelwise : bool
        True: output channel ``k`` only sees input channel ``k`` (then
        `num_filters` must equal the number of input channels). False (the
        default): every output channel sees all input channels (of its
        group).
    **kwargs
        Any additional keyword arguments are passed to :class:`Conv2DLayer`
        (``num_groups``, ``convolution``, which must accept
        ``unshared=True`` as :func:`theano.tensor.nnet.conv2d` does) and
        :class:`Layer` (``name``).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases.

    Notes
    -----
    The output shape is that of a :class:`Conv2DLayer` with the same
    arguments. The number of weights grows with the output size: ``W`` has
    ``output_rows * output_columns`` times as many elements as the filters
    of the corresponding convolution.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, LocallyConnected2DLayer
    >>> l_in = InputLayer((None, 3, 8, 8))
    >>> l_local = LocallyConnected2DLayer(l_in, num_filters=4, filter_size=3)
    >>> l_local.output_shape
    (None, 4, 8, 8)
    >>> l_local.W.get_value().shape
    (4, 3, 3, 3, 8, 8)
    >>> l_channelwise = LocallyConnected2DLayer(l_in, 3, 3, channelwise=True)
    >>> l_channelwise.W.get_value().shape
    (3, 3, 3, 8, 8)
    """

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1),
                 pad='same', untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=True, channelwise=False, **kwargs):
        # set first: the filter shape depends on it
        self.channelwise = channelwise
        super(LocallyConnected2DLayer, self).__init__(
            incoming, num_filters, filter_size, stride, pad, untie_biases, W,
            b, nonlinearity, flip_filters, **kwargs)

    def _check_groups(self, num_groups):
        super(LocallyConnected2DLayer, self)._check_groups(num_groups)
        if not self.channelwise:
            return
        if num_groups != 1:
            raise ValueError("%s: channelwise=True already connects each "
                             "output channel to one input channel; it "
                             "cannot be combined with num_groups=%d"
                             % (_describe(self), num_groups))
        if self.num_filters != self.input_shape[1]:
            raise ValueError(
                "%s: channelwise=True needs num_filters (=%d) equal to the "
                "number of input channels (=%d)"
                % (_describe(self), self.num_filters, self.input_shape[1]))

    def get_W_shape(self):
        """The shape of the filters.

        Returns
        -------
        tuple of int
            ``(num_filters, num_input_channels // num_groups) +
            filter_size + output_shape[2:]``, without the second axis if
            `channelwise`.
        """
        if None in self.input_shape[2:]:
            raise ValueError("%s: the input size must be known (all but the "
                             "batch size), got input shape %r"
                             % (_describe(self), self.input_shape))
        output_size = self.get_output_shape_for(self.input_shape)[2:]
        if self.channelwise:
            return (self.num_filters,) + self.filter_size + output_size
        num_input_channels = self.input_shape[1] // self.num_groups
        return ((self.num_filters, num_input_channels) + self.filter_size +
                output_size)

    def convolve(self, input, **kwargs):
        filters, W_shape = self.W, self.get_W_shape()
        groups = self.num_groups
        if self.channelwise:
            # one group per channel, with one channel each
            filters = filters.dimshuffle(0, 'x', 1, 2, 3, 4)
            W_shape = W_shape[:1] + (1,) + W_shape[1:]
            groups = self.num_filters
        # Theano's unshared filters are laid out as (filters, output rows,
        # output columns, channels, filter rows, filter columns)
        order = (0, 4, 5, 1, 2, 3)
        return self.convolution(input, filters.dimshuffle(order),
                                self.input_shape,
                                tuple(W_shape[axis] for axis in order),
                                subsample=self.stride,
                                border_mode=_border_mode(self.pad),
                                filter_flip=self.flip_filters,
                                num_groups=groups, unshared=True)
