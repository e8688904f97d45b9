"""
Convolutional layers: 1-D, 2-D and 3-D convolutions, their transposes and
dilated convolutions.

All layers take inputs of shape ``(batch_size, num_input_channels, <n spatial
dimensions>)`` and produce outputs of shape ``(batch_size, num_filters, <n
spatial dimensions>)``.
"""
import inspect

import theano.tensor as T
from theano.tensor.nnet import abstract_conv

from .. import init
from .. import nonlinearities
from .._checks import (_check_callable, _check_nonlinearity,
                       _check_positive_int, _describe, _int_tuple)
from ..theano_extensions import conv
from ..utils import _ArgumentError, _UnsupportedError, int_types
from .base import Layer


__all__ = [
    "Conv1DLayer",
    "Conv2DLayer",
    "Conv3DLayer",
    "TransposedConv2DLayer",
    "Deconv2DLayer",
    "TransposedConv3DLayer",
    "Deconv3DLayer",
    "DilatedConv2DLayer",
]


def _padding(pad, filter_size):
    """The zero padding at each end of an axis for a pad amount or mode
    ('valid', 'full' or 'same')."""
    if not isinstance(pad, int_types) and pad not in ('valid', 'full',
                                                      'same'):
        raise ValueError('Invalid pad: {0}'.format(pad))
    return conv._padding(_border_mode(pad), filter_size)


def conv_output_length(input_length, filter_size, stride, pad=0):
    """The output length of a convolution along one axis.

    Parameters
    ----------
    input_length : int or None
        The input length; None if unknown.
    filter_size : int
        The filter length.
    stride : int
        The stride.
    pad : int, 'full', 'same' or 'valid'
        The zero padding at each end: the given amount, ``filter_size - 1``
        (``'full'``), ``filter_size // 2`` (``'same'``) or none
        (``'valid'``).

    Returns
    -------
    int or None
        ``(input_length + 2 * pad - filter_size) // stride + 1``, where
        ``'same'`` always gives ``ceil(input_length / stride)``; None if
        `input_length` is None.

    Raises
    ------
    ValueError
        For any other `pad`.
    """
    if input_length is None:
        return None
    if pad == 'same':
        # also for even filter sizes, padded unevenly by some backends
        length = input_length
    else:
        padding = _padding(pad, filter_size)
        length = input_length + 2 * padding - filter_size + 1
    return (length + stride - 1) // stride


def conv_input_length(output_length, filter_size, stride, pad=0):
    """The input length of a convolution that has a given output length.

    With a stride, several input lengths give the same output length; this
    is the smallest of them. It is the output length of the transposed
    convolution.

    Parameters
    ----------
    output_length : int, Theano scalar or None
        The output length; None if unknown.
    filter_size : int
        The filter length.
    stride : int
        The stride.
    pad : int, 'full', 'same' or 'valid'
        The zero padding of the convolution at each end, as in
        :func:`conv_output_length`.

    Returns
    -------
    int, Theano scalar or None
        ``(output_length - 1) * stride - 2 * pad + filter_size``; None if
        `output_length` is None.

    Raises
    ------
    ValueError
        For an invalid `pad`.
    """
    if output_length is None:
        return None
    return (output_length - 1) * stride - 2 * _padding(pad, filter_size) + \
        filter_size


def _conv_pad(layer, pad, filter_size, argument):
    """A validated `pad` (or `crop`) argument: 'full', 'same', or a tuple
    of one int per spatial axis ('valid' becomes zeros)."""
    n = len(filter_size)
    if pad == 'valid':
        return (0,) * n
    if pad == 'full':
        return pad
    if pad == 'same':
        if any(size % 2 == 0 for size in filter_size):
            raise _UnsupportedError(
                "%s: %s='same' needs odd filter sizes, got filter_size=%r"
                % (_describe(layer), argument, filter_size))
        return pad
    if isinstance(pad, str):
        raise _ArgumentError("%s: %s must be 'valid', 'full', 'same', an int "
                             "or an iterable of %d ints, got %r"
                             % (_describe(layer), argument, n, pad))
    return _int_tuple(layer, pad, n, argument, 0)


def _check_spatial_dims(layer, n):
    """Raise a ValueError unless the input of `layer` has `n` spatial
    dimensions after the batch and channel axes."""
    if len(layer.input_shape) != n + 2:
        raise ValueError(
            "%s: expected an input of %d dimensions (batch size, channels "
            "and %d spatial dimensions), got input shape %r"
            % (_describe(layer), n + 2, n, layer.input_shape))


def _check_output_sizes(layer):
    """Refuse filters that do not fit in the (padded) input along an axis of
    known size: the output would have no position there, which upstream
    Lasagne only found when a function ran."""
    shape = layer.get_output_shape_for(layer.input_shape)
    if any(size is not None and size < 1 for size in shape[2:]):
        sizes = ', '.join('%s=%r' % (argument, getattr(layer, argument))
                          for argument in ('filter_size', 'stride',
                                           'dilation', layer._pad_argument)
                          if hasattr(layer, argument))
        raise ValueError("%s: the output shape would be %r, with a size "
                         "below 1, for the input shape %r and %s"
                         % (_describe(layer), shape, layer.input_shape,
                            sizes))


def _border_mode(pad):
    """The Theano border mode for a validated pad."""
    return 'half' if pad == 'same' else pad


def _spatial_pads(pad, n):
    return pad if isinstance(pad, tuple) else (pad,) * n


class BaseConvLayer(Layer):
    """The base class of the convolutional layers.

    It checks the arguments, creates the parameters and computes the output
    shape and the output, ``nonlinearity(convolve(input) + b)``; subclasses
    implement :meth:`convolve`.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_input_channels, <n spatial axes>)``, with a known
        number of channels.
    num_filters : int
        The number of filters, i.e. of output channels.
    filter_size : int or iterable of n ints
        The size of the filters along each spatial axis; an int for all.
    stride : int or iterable of n ints
        The stride along each spatial axis.
    pad : int, iterable of n ints, 'full', 'same' or 'valid'
        The zero padding at both ends of each spatial axis: the given amounts
        (``'valid'`` is 0), ``filter_size - 1`` (``'full'``, every partial
        overlap of input and filter) or ``filter_size // 2`` (``'same'``, an
        output as large as the input for stride 1; needs odd filter sizes).
    untie_biases : bool
        False (the default): one bias per filter. True: one bias per filter and
        output position, of shape ``(num_filters,) + output_shape[2:]``, which
        needs a known input size.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of the shape :meth:`get_W_shape` returns. See
        :func:`lasagne.utils.create_param`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity applied to the output; None for the identity.
    flip_filters : bool
        True: flip the filters along each spatial axis before sliding them over
        the input (a convolution). False: do not flip them (a
        cross-correlation). Filters learnt with one setting give the same
        results with the other once flipped along their spatial axes.
    num_groups : int
        Split the input channels and the filters into this many groups; each
        group of filters sees its group of channels only. Must divide both
        numbers.
    n : int or None
        The number of spatial axes; None infers it from the input shape.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer`.

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases (b is None without biases).

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 * pad -
    filter_size) // stride + 1`` (see :func:`conv_output_length`); with
    ``pad='same'`` it is ``ceil(input_length / stride)``.
    """

    # the name of the attribute and argument holding the padding
    _pad_argument = 'pad'

    def __init__(self, incoming, num_filters, filter_size, stride=1, pad=0,
                 untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=True, num_groups=1, n=None, **kwargs):
        super(BaseConvLayer, self).__init__(incoming, **kwargs)
        if n is None:
            n = max(len(self.input_shape) - 2, 1)
        _check_spatial_dims(self, n)
        self.n = n
        self.nonlinearity = _check_nonlinearity(self, nonlinearity)
        _check_positive_int(self, num_filters, 'num_filters')
        self.num_filters = num_filters
        self.filter_size = _int_tuple(self, filter_size, n, 'filter_size', 1)
        self.flip_filters = flip_filters
        self.stride = _int_tuple(self, stride, n, 'stride', 1)
        self.untie_biases = untie_biases
        setattr(self, self._pad_argument,
                _conv_pad(self, pad, self.filter_size, self._pad_argument))
        self._check_groups(num_groups)
        self.num_groups = num_groups
        _check_output_sizes(self)

        self.W = self.add_param(W, self.get_W_shape(), name="W")
        if b is None:
            self.b = None
        else:
            if untie_biases:
                biases_shape = (num_filters,) + self.output_shape[2:]
                if None in biases_shape:
                    raise ValueError(
                        "%s: untie_biases=True needs a known output size, "
                        "got output shape %r"
                        % (_describe(self), self.output_shape))
            else:
                biases_shape = (num_filters,)
            self.b = self.add_param(b, biases_shape, name="b",
                                    regularizable=False)

    def _check_groups(self, num_groups):
        _check_positive_int(self, num_groups, 'num_groups')
        channels = self.input_shape[1]
        if channels is None:
            raise ValueError("%s: the number of input channels (the second "
                             "axis of the input shape %r) must be known"
                             % (_describe(self), self.input_shape))
        if channels % num_groups or self.num_filters % num_groups:
            raise ValueError(
                "%s: num_groups (=%d) must divide the number of input "
                "channels (=%d) and num_filters (=%d)"
                % (_describe(self), num_groups, channels, self.num_filters))

    def get_W_shape(self):
        """The shape of the filters.

        Returns
        -------
        tuple of int
            ``(num_filters, num_input_channels // num_groups) +
            filter_size``.
        """
        num_input_channels = self.input_shape[1] // self.num_groups
        return (self.num_filters, num_input_channels) + self.filter_size

    def get_output_shape_for(self, input_shape):
        pads = _spatial_pads(self.pad, self.n)
        return ((input_shape[0], self.num_filters) +
                tuple(conv_output_length(length, size, stride, pad)
                      for length, size, stride, pad
                      in zip(input_shape[2:], self.filter_size, self.stride,
                             pads)))

    def get_output_for(self, input, **kwargs):
        conved = self.convolve(T.as_tensor_variable(input), **kwargs)
        if self.b is None:
            activation = conved
        elif self.untie_biases:
            activation = conved + T.shape_padleft(self.b, 1)
        else:
            activation = conved + self.b.dimshuffle(('x', 0) +
                                                    ('x',) * self.n)
        return self.nonlinearity(activation)

    def convolve(self, input, **kwargs):
        """The convolution of `input` with the filters, without biases and
        nonlinearity; implemented by the subclasses.

        Parameters
        ----------
        input : Theano tensor
            The input.
        **kwargs
            Options passed on by :meth:`get_output_for`.

        Returns
        -------
        Theano tensor
            The convolved input, of the layer's output shape.
        """
        raise NotImplementedError


def _takes_num_groups(convolution):
    """Whether `convolution` can be called with a num_groups argument."""
    try:
        parameters = inspect.signature(convolution).parameters.values()
    except (TypeError, ValueError):
        # no signature to tell (e.g. a builtin): leave it to the call
        return True
    return any(p.name == 'num_groups' or p.kind == p.VAR_KEYWORD
               for p in parameters)


class _FunctionConvLayer(BaseConvLayer):
    """A convolutional layer that calls a convolution function with the
    interface of :func:`theano.tensor.nnet.conv2d`, stored in
    ``self.convolution`` by :meth:`_set_convolution`."""

    def _set_convolution(self, convolution):
        _check_callable(self, convolution, 'convolution', "callable (e.g. "
                        "theano.tensor.nnet.conv2d)")
        if self.num_groups > 1 and not _takes_num_groups(convolution):
            raise ValueError(
                "%s: num_groups=%d needs a convolution that takes a "
                "num_groups argument, which %s does not"
                % (_describe(self), self.num_groups,
                   getattr(convolution, '__name__', repr(convolution))))
        self.convolution = convolution

    def convolve(self, input, **kwargs):
        # only passed when needed: the alternative 1-D implementations of
        # lasagne.theano_extensions.conv do not take it
        groups = {'num_groups': self.num_groups} if self.num_groups > 1 \
            else {}
        return self.convolution(input, self.W, self.input_shape,
                                self.get_W_shape(), subsample=self.stride,
                                border_mode=_border_mode(self.pad),
                                filter_flip=self.flip_filters, **groups)


class Conv1DLayer(_FunctionConvLayer):
    """1-D convolutional layer.

    Computes ``nonlinearity(convolve(input, W) + b)`` for inputs of shape
    ``(batch_size, num_input_channels, input_length)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape, with a
        known number of channels.
    num_filters : int
        The number of filters, i.e. of output channels.
    filter_size : int or iterable of one int
        The filter length.
    stride : int or iterable of one int
        The stride.
    pad : int, iterable of one int, 'full', 'same' or 'valid'
        The zero padding at both ends of the input: the given amount
        (``'valid'`` is 0), ``filter_size - 1`` (``'full'``, every partial
        overlap of input and filter) or ``filter_size // 2`` (``'same'``, an
        output as long as the input for stride 1; needs an odd filter size).
    untie_biases : bool
        False (the default): one bias per filter. True: one bias per filter and
        output position, of shape ``(num_filters, output_length)``, which needs
        a known input length.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_filters, num_input_channels // num_groups,
        filter_length)``. See :func:`lasagne.utils.create_param`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity applied to the output; None for the identity.
    flip_filters : bool
        True (the default): flip the filters before sliding them over the input
        (a convolution). False: do not flip them (a cross-correlation).
    convolution : callable
        The 1-D convolution to use, called as ``convolution(input, W,
        input_shape, W_shape, subsample=stride, border_mode=...,
        filter_flip=flip_filters)`` (and ``num_groups=num_groups`` if that is
        above 1), where the border mode is ``'half'`` for ``'same'`` padding.
        One of :mod:`lasagne.theano_extensions.conv`; the default is
        :func:`~lasagne.theano_extensions.conv.conv1d_mc0`. Of these, only
        :func:`~lasagne.theano_extensions.conv.conv1d_mc0` and
        :func:`~lasagne.theano_extensions.conv.conv1d_mc1` take `num_groups`;
        with another one, ``num_groups`` above 1 raises a :class:`ValueError`.
    num_groups : int
        Split the input channels and the filters into this many groups; each
        group of filters sees its group of channels only. Must divide both
        numbers. The default is 1.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer` (e.g.
        `name`).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases (b is None without biases).

    Notes
    -----
    The output length is ``(input_length + 2 * pad - filter_size) // stride +
    1`` (see :func:`conv_output_length`); with ``pad='same'`` it is
    ``ceil(input_length / stride)``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Conv1DLayer
    >>> l_in = InputLayer((None, 3, 100))
    >>> Conv1DLayer(l_in, num_filters=16, filter_size=5).output_shape
    (None, 16, 96)
    >>> Conv1DLayer(l_in, 16, 5, stride=2, pad='same').output_shape
    (None, 16, 50)
    """

    def __init__(self, incoming, num_filters, filter_size, stride=1, pad=0,
                 untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=True, convolution=conv.conv1d_mc0, **kwargs):
        super(Conv1DLayer, self).__init__(incoming, num_filters, filter_size,
                                          stride, pad, untie_biases, W, b,
                                          nonlinearity, flip_filters, n=1,
                                          **kwargs)
        self._set_convolution(convolution)


class Conv2DLayer(_FunctionConvLayer):
    """2-D convolutional layer.

    Computes ``nonlinearity(convolve(input, W) + b)`` for inputs of shape
    ``(batch_size, num_input_channels, input_rows, input_columns)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape, with a
        known number of channels.
    num_filters : int
        The number of filters, i.e. of output channels.
    filter_size : int or iterable of 2 ints
        The size of the filters (rows, columns); an int for both.
    stride : int or iterable of 2 ints
        The stride along the rows and the columns.
    pad : int, iterable of 2 ints, 'full', 'same' or 'valid'
        The zero padding at both ends of the rows and of the columns: the given
        amounts (``'valid'`` is 0), ``filter_size - 1`` (``'full'``, every
        partial overlap of input and filter) or ``filter_size // 2``
        (``'same'``, an output as large as the input for stride 1; needs odd
        filter sizes).
    untie_biases : bool
        False (the default): one bias per filter. True: one bias per filter and
        output position, of shape ``(num_filters, output_rows,
        output_columns)``, which needs a known input size.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_filters, num_input_channels // num_groups,
        filter_rows, filter_columns)``. See :func:`lasagne.utils.create_param`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity applied to the output; None for the identity.
    flip_filters : bool
        True (the default): flip the filters along both spatial axes before
        sliding them over the input (a convolution). False: do not flip them
        (a cross-correlation). Filters learnt with one setting give the same
        results with the other once flipped along their spatial axes.
    convolution : callable
        The convolution to use, with the interface of
        :func:`theano.tensor.nnet.conv2d` (the default).
    num_groups : int
        Split the input channels and the filters into this many groups; each
        group of filters sees its group of channels only. Must divide both
        numbers. The default is 1.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer` (e.g.
        `name`).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases (b is None without biases).

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 * pad -
    filter_size) // stride + 1`` (see :func:`conv_output_length`); with
    ``pad='same'`` it is ``ceil(input_length / stride)``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Conv2DLayer
    >>> l_in = InputLayer((None, 3, 32, 32))
    >>> l_conv = Conv2DLayer(l_in, num_filters=16, filter_size=3)
    >>> l_conv.output_shape
    (None, 16, 30, 30)
    >>> l_conv.W.get_value().shape
    (16, 3, 3, 3)
    >>> Conv2DLayer(l_in, 15, 3, pad="same", num_groups=3).W.get_value().shape
    (15, 1, 3, 3)
    """

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1),
                 pad=0, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=True, convolution=T.nnet.conv2d, **kwargs):
        super(Conv2DLayer, self).__init__(incoming, num_filters, filter_size,
                                          stride, pad, untie_biases, W, b,
                                          nonlinearity, flip_filters, n=2,
                                          **kwargs)
        self._set_convolution(convolution)


class Conv3DLayer(_FunctionConvLayer):
    """3-D convolutional layer.

    Computes ``nonlinearity(convolve(input, W) + b)`` for inputs of shape
    ``(batch_size, num_input_channels, input_depth, input_rows,
    input_columns)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape, with a
        known number of channels.
    num_filters : int
        The number of filters, i.e. of output channels.
    filter_size : int or iterable of 3 ints
        The size of the filters (depth, rows, columns); an int for all three.
    stride : int or iterable of 3 ints
        The stride along each spatial axis.
    pad : int, iterable of 3 ints, 'full', 'same' or 'valid'
        The zero padding at both ends of each spatial axis: the given amounts
        (``'valid'`` is 0), ``filter_size - 1`` (``'full'``, every partial
        overlap of input and filter) or ``filter_size // 2`` (``'same'``, an
        output as large as the input for stride 1; needs odd filter sizes).
    untie_biases : bool
        False (the default): one bias per filter. True: one bias per filter and
        output position, of shape ``(num_filters,) + output_shape[2:]``, which
        needs a known input size.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_filters, num_input_channels // num_groups,
        filter_depth, filter_rows, filter_columns)``. See
        :func:`lasagne.utils.create_param`.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity applied to the output; None for the identity.
    flip_filters : bool
        True (the default): flip the filters along the three spatial axes
        before sliding them over the input (a convolution). False: do not flip
        them (a cross-correlation).
    convolution : callable or None
        The convolution to use, with the interface of
        :func:`theano.tensor.nnet.conv3d`; None (the default) for that one.
    num_groups : int
        Split the input channels and the filters into this many groups; each
        group of filters sees its group of channels only. Must divide both
        numbers. The default is 1.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer` (e.g.
        `name`).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases (b is None without biases).

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length + 2 * pad -
    filter_size) // stride + 1`` (see :func:`conv_output_length`); with
    ``pad='same'`` it is ``ceil(input_length / stride)``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, Conv3DLayer
    >>> l_in = InputLayer((None, 3, 8, 32, 32))
    >>> Conv3DLayer(l_in, num_filters=4, filter_size=3).output_shape
    (None, 4, 6, 30, 30)
    """

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1, 1),
                 pad=0, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=True, convolution=None, **kwargs):
        super(Conv3DLayer, self).__init__(incoming, num_filters, filter_size,
                                          stride, pad, untie_biases, W, b,
                                          nonlinearity, flip_filters, n=3,
                                          **kwargs)
        self._set_convolution(T.nnet.conv3d if convolution is None
                              else convolution)


class _TransposedConvLayer(BaseConvLayer):
    """The transposed convolution in `n` dimensions, computed as the
    gradient of a convolution with respect to its input."""

    _pad_argument = 'crop'

    def __init__(self, incoming, num_filters, filter_size, stride, crop,
                 untie_biases, W, b, nonlinearity, flip_filters, output_size,
                 n, **kwargs):
        # set first, as the output shape (needed for untied biases) uses
        # it; the name too, for the error message of the check
        self.name = kwargs.get('name')
        self.output_size = output_size
        if output_size is not None and not isinstance(output_size,
                                                      T.Variable):
            self.output_size = _int_tuple(self, output_size, n,
                                          'output_size', 1)
        super(_TransposedConvLayer, self).__init__(
            incoming, num_filters, filter_size, stride, crop, untie_biases,
            W, b, nonlinearity, flip_filters, n=n, **kwargs)
        if isinstance(self.output_size, tuple):
            self._check_output_size()

    def _check_output_size(self):
        pads = _spatial_pads(self.crop, self.n)
        for axis, (size, length) in enumerate(zip(self.output_size,
                                                  self.input_shape[2:])):
            if length is not None and length != conv_output_length(
                    size, self.filter_size[axis], self.stride[axis],
                    pads[axis]):
                raise ValueError(
                    "%s: output_size=%r cannot be reached from the input "
                    "shape %r with filter_size=%r, stride=%r and crop=%r"
                    % (_describe(self), self.output_size, self.input_shape,
                       self.filter_size, self.stride, self.crop))

    def get_W_shape(self):
        """The shape of the filters.

        Returns
        -------
        tuple of int
            ``(num_input_channels, num_filters // num_groups) +
            filter_size``: the shape of the filters of the convolution that
            this layer transposes.
        """
        num_output_channels = self.num_filters // self.num_groups
        return (self.input_shape[1], num_output_channels) + self.filter_size

    def get_output_shape_for(self, input_shape):
        if self.output_size is None:
            crops = _spatial_pads(self.crop, self.n)
            sizes = tuple(conv_input_length(length, size, stride, crop)
                          for length, size, stride, crop
                          in zip(input_shape[2:], self.filter_size,
                                 self.stride, crops))
        elif isinstance(self.output_size, T.Variable):
            sizes = (None,) * self.n
        else:
            sizes = self.output_size
        return (input_shape[0], self.num_filters) + sizes

    def convolve(self, input, **kwargs):
        if isinstance(self.output_size, T.Variable):
            sizes = tuple(self.output_size[axis] for axis in range(self.n))
        else:
            sizes = self.output_shape[2:]
            if None in sizes:
                sizes = self.get_output_shape_for(input.shape)[2:]
        grad_wrt_inputs = (abstract_conv.conv2d_grad_wrt_inputs if self.n == 2
                           else abstract_conv.conv3d_grad_wrt_inputs)
        # The gradient of a convolution flipping its filters correlates with
        # unflipped ones, hence the inverted flag.
        return grad_wrt_inputs(input, self.W,
                               (None, self.num_filters) + tuple(sizes),
                               self.get_W_shape(),
                               border_mode=_border_mode(self.crop),
                               subsample=self.stride,
                               filter_flip=not self.flip_filters,
                               num_groups=self.num_groups)


class TransposedConv2DLayer(_TransposedConvLayer):
    """2-D transposed convolutional layer.

    The transpose of a 2-D convolution: it maps the convolution's output shape
    back to its input shape, with the same connectivity. Also known as a
    fractionally strided convolution or, somewhat misleadingly, a
    deconvolution. It can be thought of as spreading the input out, with
    ``stride - 1`` zeros between adjacent input elements, padding it with
    ``filter_size - 1 - crop`` zeros at both ends, and cross-correlating the
    result with the filters (flipped if `flip_filters` is True).

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_input_channels, input_rows, input_columns)``, with a
        known number of channels.
    num_filters : int
        The number of output channels.
    filter_size : int or iterable of 2 ints
        The filter size (rows, columns); an int for both.
    stride : int or iterable of 2 ints
        The stride of the convolution that is transposed: how far apart
        adjacent input elements are spread in the output.
    crop : int, iterable of 2 ints, 'full', 'same' or 'valid'
        The padding of the convolution that is transposed, removed from both
        ends of each spatial axis of the full transposed output: the given
        amounts (``'valid'`` is 0), ``filter_size - 1`` (``'full'``) or
        ``filter_size // 2`` (``'same'``; needs odd filter sizes).
    untie_biases : bool
        False (the default): one bias per output channel. True: one per output
        channel and position, of shape ``(num_filters,) + output_shape[2:]``.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_input_channels, num_filters // num_groups)
        + filter_size``: those of the convolution that is transposed, whose
        input and output channels are this layer's output and input channels.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity; None for the identity.
    flip_filters : bool
        Whether to flip the filters. False (the default) gives the transpose of
        a convolution that flips them: of a :class:`Conv2DLayer` with the
        default ``flip_filters=True`` and the same `W`.
    output_size : int, iterable of 2 ints, Theano vector or None
        With a stride above 1, the convolution maps several sizes to the same
        output size; this chooses the one this layer produces. None (the
        default) takes the smallest. A Theano vector sets it at run time (the
        output shape is then unknown before).
    num_groups : int
        Split the input channels and the filters into this many groups, as in
        :class:`Conv2DLayer`. The default is 1.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer` (e.g.
        `name`).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases (b is None without biases).

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length - 1) * stride
    - 2 * crop + filter_size`` unless `output_size` says otherwise (see
    :func:`conv_input_length`): the input length of the convolution whose
    output length is ``input_length``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, TransposedConv2DLayer
    >>> l_in = InputLayer((None, 8, 16, 16))
    >>> l_up = TransposedConv2DLayer(l_in, num_filters=3, filter_size=3,
    ...                              stride=2)
    >>> l_up.output_shape
    (None, 3, 33, 33)
    """

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1),
                 crop=0, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=False, output_size=None, **kwargs):
        super(TransposedConv2DLayer, self).__init__(
            incoming, num_filters, filter_size, stride, crop, untie_biases,
            W, b, nonlinearity, flip_filters, output_size, n=2, **kwargs)


class TransposedConv3DLayer(_TransposedConvLayer):
    """3-D transposed convolutional layer.

    The transpose of a 3-D convolution: it maps the convolution's output shape
    back to its input shape, with the same connectivity. Also known as a
    fractionally strided convolution or, somewhat misleadingly, a
    deconvolution. It can be thought of as spreading the input out, with
    ``stride - 1`` zeros between adjacent input elements, padding it with
    ``filter_size - 1 - crop`` zeros at both ends, and cross-correlating the
    result with the filters (flipped if `flip_filters` is True).

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_input_channels, input_depth, input_rows,
        input_columns)``, with a known number of channels.
    num_filters : int
        The number of output channels.
    filter_size : int or iterable of 3 ints
        The filter size (depth, rows, columns); an int for all three.
    stride : int or iterable of 3 ints
        The stride of the convolution that is transposed: how far apart
        adjacent input elements are spread in the output.
    crop : int, iterable of 3 ints, 'full', 'same' or 'valid'
        The padding of the convolution that is transposed, removed from both
        ends of each spatial axis of the full transposed output: the given
        amounts (``'valid'`` is 0), ``filter_size - 1`` (``'full'``) or
        ``filter_size // 2`` (``'same'``; needs odd filter sizes).
    untie_biases : bool
        False (the default): one bias per output channel. True: one per output
        channel and position, of shape ``(num_filters,) + output_shape[2:]``.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_input_channels, num_filters // num_groups)
        + filter_size``: those of the convolution that is transposed, whose
        input and output channels are this layer's output and input channels.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity; None for the identity.
    flip_filters : bool
        Whether to flip the filters. False (the default) gives the transpose of
        a convolution that flips them: of a :class:`Conv3DLayer` with the
        default ``flip_filters=True`` and the same `W`.
    output_size : int, iterable of 3 ints, Theano vector or None
        With a stride above 1, the convolution maps several sizes to the same
        output size; this chooses the one this layer produces. None (the
        default) takes the smallest. A Theano vector sets it at run time (the
        output shape is then unknown before).
    num_groups : int
        Split the input channels and the filters into this many groups, as in
        :class:`Conv3DLayer`. The default is 1.
    **kwargs
        Any additional keyword arguments are passed to :class:`Layer` (e.g.
        `name`).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases (b is None without biases).

    Notes
    -----
    Along each spatial axis, the output length is ``(input_length - 1) * stride
    - 2 * crop + filter_size`` unless `output_size` says otherwise (see
    :func:`conv_input_length`): the input length of the convolution whose
    output length is ``input_length``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, TransposedConv3DLayer
    >>> l_in = InputLayer((None, 8, 4, 16, 16))
    >>> l_up = TransposedConv3DLayer(l_in, num_filters=3, filter_size=3,
    ...                              stride=2)
    >>> l_up.output_shape
    (None, 3, 9, 33, 33)
    """

    def __init__(self, incoming, num_filters, filter_size,
                 stride=(1, 1, 1), crop=0, untie_biases=False,
                 W=init.GlorotUniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify, flip_filters=False,
                 output_size=None, **kwargs):
        super(TransposedConv3DLayer, self).__init__(
            incoming, num_filters, filter_size, stride, crop, untie_biases,
            W, b, nonlinearity, flip_filters, output_size, n=3, **kwargs)


Deconv2DLayer = TransposedConv2DLayer
Deconv3DLayer = TransposedConv3DLayer


class DilatedConv2DLayer(BaseConvLayer):
    """2-D dilated convolutional layer.

    A convolution whose filters are spread out: filter element ``(i, j)``
    meets input element ``(y + i * dilation[0], x + j * dilation[1])`` for
    output ``(y, x)``. Also known as an atrous convolution or convolution
    with holes; stacked with growing dilations, such layers see a large
    context at little cost [1]_.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape
        ``(batch_size, num_input_channels, input_rows, input_columns)``,
        with a known number of channels.
    num_filters : int
        The number of filters (output channels).
    filter_size : int or iterable of two ints
        The filter size (rows, columns) before dilation.
    dilation : int or iterable of two ints
        The dilation factor along rows and columns; 1 is an ordinary
        convolution.
    pad : int, iterable of two ints, 'full', 'same' or 'valid'
        The zero padding at both ends of each spatial axis: the given
        amounts (``'valid'`` is 0), ``dilated_size - 1`` (``'full'``) or
        ``dilated_size // 2`` (``'same'``; needs odd filter sizes), where
        ``dilated_size = (filter_size - 1) * dilation + 1``.
    untie_biases : bool
        False: one bias per filter. True: one per filter and output
        position.
    W : Theano shared variable, expression, numpy array or callable
        The filters, of shape ``(num_input_channels // num_groups,
        num_filters, filter_rows, filter_columns)``: note the order of the
        first two axes, the reverse of :class:`Conv2DLayer`'s.
    b : Theano shared variable, expression, numpy array, callable or None
        The biases; None for no biases.
    nonlinearity : callable or None
        The nonlinearity; None for the identity.
    flip_filters : bool
        True: flip the filters (a convolution); False (the default): a
        cross-correlation.
    **kwargs
        Any additional keyword arguments are passed to
        :class:`BaseConvLayer` (``num_groups``) and :class:`Layer`
        (``name``).

    Attributes
    ----------
    W, b : Theano shared variables
        The filters and the biases.

    Notes
    -----
    The stride is always 1. Along each spatial axis, the output length is
    ``input_length + 2 * pad - (filter_size - 1) * dilation``.

    References
    ----------
    .. [1] Fisher Yu, Vladlen Koltun (2016): Multi-Scale Context Aggregation
       by Dilated Convolutions. ICLR 2016. https://arxiv.org/abs/1511.07122

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DilatedConv2DLayer
    >>> l_in = InputLayer((None, 3, 32, 32))
    >>> DilatedConv2DLayer(l_in, 8, 3, dilation=2).output_shape
    (None, 8, 28, 28)
    """

    def __init__(self, incoming, num_filters, filter_size, dilation=(1, 1),
                 pad=0, untie_biases=False, W=init.GlorotUniform(),
                 b=init.Constant(0.), nonlinearity=nonlinearities.rectify,
                 flip_filters=False, **kwargs):
        # set first, as the output shape (needed for untied biases) uses
        # it; the name too, for the error message of the check
        self.name = kwargs.get('name')
        self.dilation = _int_tuple(self, dilation, 2, 'dilation', 1)
        super(DilatedConv2DLayer, self).__init__(
            incoming, num_filters, filter_size, 1, pad, untie_biases, W, b,
            nonlinearity, flip_filters, n=2, **kwargs)
        # the stride is not an argument of this layer
        del self.stride

    def get_W_shape(self):
        """The shape of the filters.

        Returns
        -------
        tuple of int
            ``(num_input_channels // num_groups, num_filters) +
            filter_size``.
        """
        num_input_channels = self.input_shape[1] // self.num_groups
        return (num_input_channels, self.num_filters) + self.filter_size

    def get_output_shape_for(self, input_shape):
        pads = _spatial_pads(self.pad, 2)
        return ((input_shape[0], self.num_filters) +
                tuple(conv_output_length(length, (size - 1) * dilation + 1,
                                         1, pad)
                      for length, size, dilation, pad
                      in zip(input_shape[2:], self.filter_size,
                             self.dilation, pads)))

    def convolve(self, input, **kwargs):
        W_shape = self.get_W_shape()
        return T.nnet.conv2d(input, self.W.dimshuffle(1, 0, 2, 3),
                             self.input_shape,
                             (W_shape[1], W_shape[0]) + W_shape[2:],
                             border_mode=_border_mode(self.pad),
                             filter_flip=self.flip_filters,
                             filter_dilation=self.dilation,
                             num_groups=self.num_groups)
