"""
Constant padding of Theano tensors.
"""
import theano.tensor as T

from .._checks import _is_int


def _is_width(value):
    return _is_int(value) and value >= 0


def _pad_pairs(width, ndim, batch_ndim, caller='pad'):
    """Check a padding `width` for an input of `ndim` dimensions and turn it
    into one ``(before, after)`` pair per padded axis; `caller` begins the
    error messages."""
    if _is_width(width):
        return [(width, width)] * (ndim - batch_ndim)
    try:
        pairs = [(w, w) if _is_width(w) else tuple(w) for w in width]
    except TypeError:
        pairs = None
    if pairs is None or any(len(pair) != 2 or not all(map(_is_width, pair))
                            for pair in pairs):
        raise ValueError("%s: width must be a non-negative int, or an "
                         "iterable of such ints or of pairs of them, got %r"
                         % (caller, width))
    if len(pairs) > ndim - batch_ndim:
        raise ValueError("%s: width %r pads %d axes, but the input has only "
                         "%d axes after the first batch_ndim=%d"
                         % (caller, width, len(pairs), ndim - batch_ndim,
                            batch_ndim))
    return pairs


def pad(x, width, val=0, batch_ndim=1):
    """Pad a tensor with a constant value.

    Parameters
    ----------
    x : Theano tensor
        The tensor to pad.
    width : int, iterable of int, or iterable of pairs of int
        How much to pad the axes after the first `batch_ndim` ones. An int
        pads every one of them by that amount at the beginning and at the
        end. An iterable gives the padding of each axis in turn (the
        remaining axes are not padded): an int pads both ends of its axis
        equally, a pair ``(before, after)`` pads them separately.
    val : scalar or None
        The value to pad with; None pads with zeros.
    batch_ndim : int
        The number of leading axes that are not padded.

    Returns
    -------
    Theano tensor
        A tensor of the dtype of `x`, larger by ``before + after`` along
        each padded axis, holding `x` with the padding around it.

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.theano_extensions.padding import pad
    >>> x = T.matrix('x')
    >>> pad(x, [(0, 2)], val=-1).eval({x: np.ones((1, 2))})
    array([[ 1.,  1., -1., -1.]])
    """
    x = T.as_tensor_variable(x)
    pairs = _pad_pairs(width, x.ndim, batch_ndim)
    fill = T.cast(0 if val is None else val, x.dtype)
    # Blocks of `val` are concatenated to the sides: Theano 1.0.5 loops
    # forever optimizing the gradient of set_subtensor into a larger tensor.
    for axis, (before, after) in enumerate(pairs, batch_ndim):
        if before == after == 0:
            continue
        shape = [x.shape[i] for i in range(x.ndim)]
        shape[axis] = before
        start = T.alloc(fill, *shape)
        shape[axis] = after
        x = T.concatenate([start, x, T.alloc(fill, *shape)], axis=axis)
    return x
