"""
Alternative implementations of a 1-D convolution in Theano.

Theano has no 1-D convolution of its own. Every function here computes the
same thing as :func:`theano.tensor.nnet.conv2d` does in two dimensions, for an
input of shape ``(batch_size, num_input_channels, input_length)`` and filters
of shape ``(num_filters, num_input_channels, filter_length)``, and returns an
output of shape ``(batch_size, num_filters, output_length)``. They differ in
how the work is mapped onto Theano's operations, which makes each of them the
fastest on some hardware and for some sizes.
:class:`lasagne.layers.Conv1DLayer` uses :func:`conv1d_mc0` unless told
otherwise with its ``convolution`` argument.

All of them take the same arguments, except that only :func:`conv1d_mc0`
and :func:`conv1d_mc1` take ``num_groups`` (so only they can serve a
:class:`~lasagne.layers.Conv1DLayer` with ``num_groups`` above 1), and
:func:`conv1d_unstrided`, :func:`conv1d_sd` and :func:`conv1d_md` need the
filter length in ``filter_shape``. The output length is ``(input_length + 2 *
pad - filter_length) // stride + 1`` for a padding of ``pad`` at each end.
"""
import theano.tensor as T

from ..utils import as_tuple, int_types
from .padding import pad as _pad

__all__ = [
    "conv1d_sc",
    "conv1d_mc0",
    "conv1d_mc1",
    "conv1d_unstrided",
    "conv1d_sd",
    "conv1d_md",
]


def _stride(subsample):
    return as_tuple(subsample, 1, int_types)[0]


def _padding(border_mode, filter_length):
    """The zero padding at each end of the input for a 1-D `border_mode`."""
    if border_mode == 'valid':
        return 0
    if border_mode == 'full':
        return filter_length - 1
    if border_mode == 'half':
        return filter_length // 2
    if isinstance(border_mode, str):
        raise ValueError("invalid border_mode %r for a 1-D convolution; "
                         "expected 'valid', 'full', 'half', an int or a "
                         "tuple of one int" % (border_mode,))
    return as_tuple(border_mode, 1, int_types)[0]


def _conv2d_border(border_mode, axis):
    """The conv2d border mode for a 1-D `border_mode`, where `axis` (2 or 3)
    is the size-one axis of the 4-D tensors, which is not padded."""
    if border_mode in ('valid', 'full', 'half'):
        # these pad a size-one axis by nothing, as wanted
        return border_mode
    pad = _padding(border_mode, None)
    return (0, pad) if axis == 2 else (pad, 0)


def _valid_unflipped(input, filters, filter_shape, border_mode, filter_flip):
    """Pad `input` explicitly and flip `filters` if asked, so that what is
    left to do is a valid cross-correlation."""
    filter_length = None
    if filter_shape is not None:
        filter_length = filter_shape[2]
    if filter_length is None and border_mode in ('full', 'half'):
        raise ValueError("border_mode %r needs the filter length in "
                         "filter_shape, got %r" % (border_mode, filter_shape))
    pad = _padding(border_mode, filter_length)
    if pad:
        input = _pad(input, [(pad, pad)], batch_ndim=2)
    if filter_flip:
        filters = filters[:, :, ::-1]
    return input, filters


def _static_filter_length(function, filter_shape):
    if filter_shape is None or not isinstance(filter_shape[2], int_types):
        raise ValueError("%s needs filter_shape with a known filter length, "
                         "got %r" % (function, filter_shape))
    return filter_shape[2]


def _shape_4d(shape, axis):
    if shape is None:
        return None
    shape = list(shape)
    shape.insert(axis, 1)
    return tuple(shape)


def _conv1d_as_2d(input, filters, image_shape, filter_shape, border_mode,
                  subsample, filter_flip, num_groups, axis):
    """The 1-D convolution as a 2-D one whose extra spatial axis, inserted
    at position `axis`, has size one."""
    stride = _stride(subsample)
    strides = (1, stride) if axis == 2 else (stride, 1)
    pattern = [0, 1, 2]
    pattern.insert(axis, 'x')
    conved = T.nnet.conv2d(input.dimshuffle(pattern),
                           filters.dimshuffle(pattern),
                           _shape_4d(image_shape, axis),
                           _shape_4d(filter_shape, axis),
                           border_mode=_conv2d_border(border_mode, axis),
                           subsample=strides, filter_flip=filter_flip,
                           num_groups=num_groups)
    return conved[:, :, :, 0] if axis == 3 else conved[:, :, 0, :]


def conv1d_sc(input, filters, image_shape=None, filter_shape=None,
              border_mode='valid', subsample=(1,), filter_flip=True):
    """1-D convolution as a single-channel 2-D convolution.

    The input channels become the height of a one-channel image, the
    filters span all of it, and the 2-D convolution slides along the length
    only.

    Parameters
    ----------
    input : Theano 3-D tensor
        The input, of shape ``(batch_size, num_input_channels,
        input_length)``.
    filters : Theano 3-D tensor
        The filters, of shape ``(num_filters, num_input_channels,
        filter_length)``.
    image_shape : tuple of 3 ints or None
        The shape of `input` if known, with None for unknown sizes.
    filter_shape : tuple of 3 ints or None
        The shape of `filters` if known, likewise.
        The border modes 'full' and 'half' need its filter length.
    border_mode : 'valid', 'full', 'half', int or tuple of one int
        The zero padding at both ends of the input: none (``'valid'``),
        ``filter_length - 1`` (``'full'``), ``filter_length // 2``
        (``'half'``) or the given amount.
    subsample : tuple of one int
        The stride.
    filter_flip : bool
        True (the default) flips the filters along their length, which
        computes a convolution; False computes a cross-correlation.

    Returns
    -------
    Theano 3-D tensor
        The output, of shape ``(batch_size, num_filters, output_length)``.

    Notes
    -----
    This function does not take ``num_groups``; grouped 1-D convolutions
    need :func:`conv1d_mc0` or :func:`conv1d_mc1`.
    """
    input, filters = _valid_unflipped(input, filters, filter_shape,
                                      border_mode, filter_flip)
    # the padded input's length may be unknown; conv2d does not need it
    image_shape_4d = None
    if image_shape is not None:
        image_shape_4d = (image_shape[0], 1, image_shape[1], None)
    filter_shape_4d = None
    if filter_shape is not None:
        filter_shape_4d = (filter_shape[0], 1) + tuple(filter_shape[1:])
    conved = T.nnet.conv2d(input.dimshuffle(0, 'x', 1, 2),
                           filters.dimshuffle(0, 'x', 1, 2),
                           image_shape_4d, filter_shape_4d,
                           subsample=(1, _stride(subsample)),
                           filter_flip=False)
    return conved[:, :, 0, :]


def conv1d_mc0(input, filters, image_shape=None, filter_shape=None,
               border_mode='valid', subsample=(1,), filter_flip=True,
               num_groups=1):
    """1-D convolution as a 2-D convolution of images of height one.

    The input of shape ``(b, c, length)`` is seen as ``(b, c, 1, length)``.

    Parameters
    ----------
    input : Theano 3-D tensor
        The input, of shape ``(batch_size, num_input_channels,
        input_length)``.
    filters : Theano 3-D tensor
        The filters, of shape ``(num_filters, num_input_channels,
        filter_length)``.
    image_shape : tuple of 3 ints or None
        The shape of `input` if known, with None for unknown sizes.
    filter_shape : tuple of 3 ints or None
        The shape of `filters` if known, likewise.
    border_mode : 'valid', 'full', 'half', int or tuple of one int
        The zero padding at both ends of the input: none (``'valid'``),
        ``filter_length - 1`` (``'full'``), ``filter_length // 2``
        (``'half'``) or the given amount.
    subsample : tuple of one int
        The stride.
    filter_flip : bool
        True (the default) flips the filters along their length, which
        computes a convolution; False computes a cross-correlation.
    num_groups : int
        Split the input channels and the filters into this many groups, as
        :func:`theano.tensor.nnet.conv2d` does.

    Returns
    -------
    Theano 3-D tensor
        The output, of shape ``(batch_size, num_filters, output_length)``.
    """
    return _conv1d_as_2d(input, filters, image_shape, filter_shape,
                         border_mode, subsample, filter_flip, num_groups, 2)


def conv1d_mc1(input, filters, image_shape=None, filter_shape=None,
               border_mode='valid', subsample=(1,), filter_flip=True,
               num_groups=1):
    """1-D convolution as a 2-D convolution of images of width one.

    The input of shape ``(b, c, length)`` is seen as ``(b, c, length, 1)``.

    Parameters
    ----------
    input : Theano 3-D tensor
        The input, of shape ``(batch_size, num_input_channels,
        input_length)``.
    filters : Theano 3-D tensor
        The filters, of shape ``(num_filters, num_input_channels,
        filter_length)``.
    image_shape : tuple of 3 ints or None
        The shape of `input` if known, with None for unknown sizes.
    filter_shape : tuple of 3 ints or None
        The shape of `filters` if known, likewise.
    border_mode : 'valid', 'full', 'half', int or tuple of one int
        The zero padding at both ends of the input: none (``'valid'``),
        ``filter_length - 1`` (``'full'``), ``filter_length // 2``
        (``'half'``) or the given amount.
    subsample : tuple of one int
        The stride.
    filter_flip : bool
        True (the default) flips the filters along their length, which
        computes a convolution; False computes a cross-correlation.
    num_groups : int
        Split the input channels and the filters into this many groups, as
        :func:`theano.tensor.nnet.conv2d` does.

    Returns
    -------
    Theano 3-D tensor
        The output, of shape ``(batch_size, num_filters, output_length)``.
    """
    return _conv1d_as_2d(input, filters, image_shape, filter_shape,
                         border_mode, subsample, filter_flip, num_groups, 3)


def conv1d_unstrided(input, filters, image_shape, filter_shape,
                     border_mode='valid', subsample=(1,), filter_flip=True,
                     implementation=conv1d_sc):
    """Strided 1-D convolution computed as an unstrided one.

    For a stride ``s``, each run of ``s`` consecutive input positions is
    folded into the channel axis (``s`` times as many channels, ``1/s`` of
    the length), and so are the filters; an unstrided convolution of the
    folded tensors, computed by `implementation`, equals the strided
    convolution of the original ones. The filter length must be a multiple
    of the stride.

    Parameters
    ----------
    input : Theano 3-D tensor
        The input, of shape ``(batch_size, num_input_channels,
        input_length)``.
    filters : Theano 3-D tensor
        The filters, of shape ``(num_filters, num_input_channels,
        filter_length)``.
    image_shape : tuple of 3 ints
        The shape of `input`, with None for unknown sizes.
    filter_shape : tuple of 3 ints
        The shape of `filters`, with a known filter length.
    border_mode : 'valid', 'full', 'half', int or tuple of one int
        The zero padding at both ends of the input: none (``'valid'``),
        ``filter_length - 1`` (``'full'``), ``filter_length // 2``
        (``'half'``) or the given amount.
    subsample : tuple of one int
        The stride.
    filter_flip : bool
        True (the default) flips the filters along their length, which
        computes a convolution; False computes a cross-correlation.
    implementation : callable
        The 1-D convolution to apply to the folded tensors, e.g.
        :func:`conv1d_sc` (the default) or :func:`conv1d_mc0`.

    Returns
    -------
    Theano 3-D tensor
        The output, of shape ``(batch_size, num_filters, output_length)``.

    Notes
    -----
    This function does not take ``num_groups``; grouped 1-D convolutions
    need :func:`conv1d_mc0` or :func:`conv1d_mc1`.
    """
    filter_length = _static_filter_length('conv1d_unstrided', filter_shape)
    stride = _stride(subsample)
    if filter_length % stride:
        raise ValueError("conv1d_unstrided: the filter length (%d) must be a "
                         "multiple of the stride (%d)"
                         % (filter_length, stride))
    input, filters = _valid_unflipped(input, filters, filter_shape,
                                      border_mode, filter_flip)
    # positions past the last full run of `stride` are never reached by a
    # filter whose length is a multiple of the stride
    num_runs = input.shape[2] // stride
    input = input[:, :, :num_runs * stride]

    def fold(x, length):
        x = x.reshape((x.shape[0], x.shape[1], length, stride))
        x = x.dimshuffle(0, 1, 3, 2)
        return x.reshape((x.shape[0], x.shape[1] * stride, length))

    def folded_shape(shape, length):
        if shape is None:
            return None
        channels = None if shape[1] is None else shape[1] * stride
        return (shape[0], channels, length)

    return implementation(fold(input, num_runs),
                          fold(filters, filter_length // stride),
                          folded_shape(image_shape, None),
                          folded_shape(filter_shape, filter_length // stride),
                          'valid', (1,), False)


def conv1d_sd(input, filters, image_shape, filter_shape, border_mode='valid',
              subsample=(1,), filter_flip=True):
    """1-D convolution as a single tensor dot product.

    The input windows seen by each filter tap are gathered into one tensor
    of shape ``(filter_length, batch_size, num_input_channels,
    output_length)``, which a single :func:`theano.tensor.tensordot` combines
    with the filters.

    Parameters
    ----------
    input : Theano 3-D tensor
        The input, of shape ``(batch_size, num_input_channels,
        input_length)``.
    filters : Theano 3-D tensor
        The filters, of shape ``(num_filters, num_input_channels,
        filter_length)``.
    image_shape : tuple of 3 ints
        The shape of `input`, with None for unknown sizes.
    filter_shape : tuple of 3 ints
        The shape of `filters`, with a known filter length.
    border_mode : 'valid', 'full', 'half', int or tuple of one int
        The zero padding at both ends of the input: none (``'valid'``),
        ``filter_length - 1`` (``'full'``), ``filter_length // 2``
        (``'half'``) or the given amount.
    subsample : tuple of one int
        The stride.
    filter_flip : bool
        True (the default) flips the filters along their length, which
        computes a convolution; False computes a cross-correlation.

    Returns
    -------
    Theano 3-D tensor
        The output, of shape ``(batch_size, num_filters, output_length)``.

    Notes
    -----
    This function does not take ``num_groups``; grouped 1-D convolutions
    need :func:`conv1d_mc0` or :func:`conv1d_mc1`.
    """
    filter_length = _static_filter_length('conv1d_sd', filter_shape)
    input, filters = _valid_unflipped(input, filters, filter_shape,
                                      border_mode, filter_flip)
    windows = _windows(input, filter_length, _stride(subsample))
    # (length, b, c, out) with (f, c, length) -> (b, out, f)
    conved = T.tensordot(T.stack(windows), filters, axes=[[0, 2], [2, 1]])
    return conved.dimshuffle(0, 2, 1)


def conv1d_md(input, filters, image_shape, filter_shape, border_mode='valid',
              subsample=(1,), filter_flip=True):
    """1-D convolution as a sum of tensor dot products, one per filter tap.

    Parameters
    ----------
    input : Theano 3-D tensor
        The input, of shape ``(batch_size, num_input_channels,
        input_length)``.
    filters : Theano 3-D tensor
        The filters, of shape ``(num_filters, num_input_channels,
        filter_length)``.
    image_shape : tuple of 3 ints
        The shape of `input`, with None for unknown sizes.
    filter_shape : tuple of 3 ints
        The shape of `filters`, with a known filter length.
    border_mode : 'valid', 'full', 'half', int or tuple of one int
        The zero padding at both ends of the input: none (``'valid'``),
        ``filter_length - 1`` (``'full'``), ``filter_length // 2``
        (``'half'``) or the given amount.
    subsample : tuple of one int
        The stride.
    filter_flip : bool
        True (the default) flips the filters along their length, which
        computes a convolution; False computes a cross-correlation.

    Returns
    -------
    Theano 3-D tensor
        The output, of shape ``(batch_size, num_filters, output_length)``.

    Notes
    -----
    This function does not take ``num_groups``; grouped 1-D convolutions
    need :func:`conv1d_mc0` or :func:`conv1d_mc1`.
    """
    filter_length = _static_filter_length('conv1d_md', filter_shape)
    input, filters = _valid_unflipped(input, filters, filter_shape,
                                      border_mode, filter_flip)
    windows = _windows(input, filter_length, _stride(subsample))
    # (b, c, out) with (f, c) -> (b, out, f), summed over the taps
    conved = sum(T.tensordot(window, filters[:, :, tap], axes=[[1], [1]])
                 for tap, window in enumerate(windows))
    return conved.dimshuffle(0, 2, 1)


def _windows(input, filter_length, stride):
    """For each filter tap, the input positions it meets at each output
    position of a valid strided correlation: a list of `filter_length`
    tensors of shape ``(batch_size, num_input_channels, output_length)``."""
    output_length = (input.shape[2] - filter_length) // stride + 1
    span = (output_length - 1) * stride + 1
    return [input[:, :, tap:tap + span:stride]
            for tap in range(filter_length)]
