"""
Layers that change the shape of their input without learning anything:
reshaping, flattening, reordering axes, padding and slicing.
"""
import numpy as np
import theano.tensor as T

from .._checks import (_check_axis, _check_iterable, _check_real, _describe,
                       _is_int)
from ..theano_extensions import padding
from .base import Layer


__all__ = [
    "ReshapeLayer",
    "reshape",
    "FlattenLayer",
    "flatten",
    "DimshuffleLayer",
    "dimshuffle",
    "PadLayer",
    "pad",
    "SliceLayer",
]


class FlattenLayer(Layer):
    """A layer that flattens the trailing axes of its input.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    outdim : int
        The number of dimensions of the output: the first ``outdim - 1``
        axes are kept, the remaining ones merged into the last axis.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, FlattenLayer
    >>> l_in = InputLayer((None, 3, 8, 8))
    >>> FlattenLayer(l_in).output_shape
    (None, 192)
    >>> FlattenLayer(l_in, outdim=3).output_shape
    (None, 3, 64)
    """

    def __init__(self, incoming, outdim=2, **kwargs):
        super(FlattenLayer, self).__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        if not _is_int(outdim) or not 1 <= outdim <= ndim:
            raise ValueError("%s: outdim must be an int from 1 to the input's "
                             "%d dimensions, got %r"
                             % (_describe(self), ndim, outdim))
        self.outdim = outdim

    def get_output_shape_for(self, input_shape):
        merged = input_shape[self.outdim - 1:]
        size = (None if any(s is None for s in merged)
                else int(np.prod(merged)))
        return tuple(input_shape[:self.outdim - 1]) + (size,)

    def get_output_for(self, input, **kwargs):
        return T.as_tensor_variable(input).flatten(self.outdim)


flatten = FlattenLayer  # shortcut


class ReshapeLayer(Layer):
    """A layer that reshapes its input.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    shape : tuple
        The output shape. Each element is one of:

        * a positive int, a fixed size;
        * a list holding one int ``[i]``, the size of input axis ``i``
          (which may be unknown until run time);
        * -1, at most once: the size that keeps the total number of
          elements;
        * a Theano scalar expression, a size computed at run time (the
          output shape reports it as None).
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Raises
    ------
    ValueError
        If `shape` has an element of none of these kinds, more than one -1,
        a reference ``[i]`` beyond the input's dimensions, or a total size
        that cannot match the input's.
    TypeError
        If `shape` is not iterable (e.g. a single int).

    Notes
    -----
    The reshape follows the row-major (C) order of ``numpy.reshape``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, ReshapeLayer
    >>> l_in = InputLayer((None, 100, 20))
    >>> ReshapeLayer(l_in, ([0], [1], 5, -1)).output_shape
    (None, 100, 5, 4)
    >>> ReshapeLayer(l_in, (-1, [2])).output_shape
    (None, 20)
    """

    def __init__(self, incoming, shape, **kwargs):
        super(ReshapeLayer, self).__init__(incoming, **kwargs)
        _check_iterable(self, shape, 'shape',
                        'a tuple of ints, [int] input axis references '
                        'and Theano scalars')
        shape = tuple(shape)
        for s in shape:
            if _is_int(s):
                if s == 0 or s < -1:
                    raise ValueError("%s: the ints in shape must be positive "
                                     "or -1, got %r" % (_describe(self), s))
            elif isinstance(s, list):
                if len(s) != 1 or not _is_int(s[0]) or s[0] < 0:
                    raise ValueError("%s: references to input axes in shape "
                                     "must be lists of one int >= 0, got %r"
                                     % (_describe(self), s))
            elif isinstance(s, T.Variable):
                if s.ndim != 0:
                    raise ValueError("%s: Theano expressions in shape must "
                                     "be scalars, got one of %d dimensions"
                                     % (_describe(self), s.ndim))
            else:
                raise ValueError("%s: shape must hold ints, [int] input axis "
                                 "references and Theano scalars, got %r"
                                 % (_describe(self), s))
        if sum(_is_int(s) and s == -1 for s in shape) > 1:
            raise ValueError("%s: shape can contain -1 only once, got %r"
                             % (_describe(self), shape))
        self.shape = shape
        # Computing the output shape once checks the references and sizes
        # against the input now rather than when the network is used.
        self.get_output_shape_for(self.input_shape)

    def get_output_shape_for(self, input_shape, **kwargs):
        output_shape = []
        # The sizes that take part in the total-size comparison: an unknown
        # input size that is copied to the output by reference cancels out,
        # so it counts as 1 on both sides.
        known_in = list(input_shape)
        known_out = []
        for s in self.shape:
            if isinstance(s, list):
                axis = s[0]
                if axis >= len(input_shape):
                    raise ValueError(
                        "%s: shape %r refers to input axis [%d], but the "
                        "input shape %r has %d dimensions"
                        % (_describe(self), self.shape, axis, input_shape,
                           len(input_shape)))
                size = input_shape[axis]
                if size is None and known_in[axis] is None:
                    known_in[axis] = 1
                    known_out.append(1)
                else:
                    known_out.append(size)
                output_shape.append(size)
            elif isinstance(s, T.Variable):
                output_shape.append(None)
                known_out.append(None)
            else:
                output_shape.append(s)
                if s != -1:
                    known_out.append(s)
        in_size = (None if any(s is None for s in known_in)
                   else int(np.prod(known_in)))
        out_size = (None if any(s is None for s in known_out)
                    else int(np.prod(known_out)))
        if -1 in output_shape:
            index = output_shape.index(-1)
            if in_size is None or out_size is None:
                output_shape[index] = None
            else:
                output_shape[index] = in_size // out_size
                out_size *= output_shape[index]
        if in_size is not None and out_size is not None and \
                in_size != out_size:
            raise ValueError("%s: an input of shape %r cannot be reshaped to "
                             "%r: the total sizes differ"
                             % (_describe(self), tuple(input_shape),
                                self.shape))
        return tuple(output_shape)

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
        shape = tuple(input.shape[s[0]] if isinstance(s, list) else s
                      for s in self.shape)
        return input.reshape(shape)


reshape = ReshapeLayer  # shortcut


class DimshuffleLayer(Layer):
    """A layer that reorders the axes of its input and inserts or drops
    broadcastable axes, like Theano's ``dimshuffle``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    pattern : tuple
        For each output axis, the index of the input axis it takes, or
        ``'x'`` for a new axis of size 1. Every input axis left out must
        have size 1 (or an unknown size that is 1 at run time).
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DimshuffleLayer
    >>> l_in = InputLayer((None, 3, 1, 5))
    >>> DimshuffleLayer(l_in, (0, 3, 1)).output_shape
    (None, 5, 3)
    >>> DimshuffleLayer(l_in, (0, 'x', 1, 2, 3)).output_shape
    (None, 1, 3, 1, 5)
    """

    def __init__(self, incoming, pattern, **kwargs):
        super(DimshuffleLayer, self).__init__(incoming, **kwargs)
        expected = "a tuple of input axis indices and 'x'"
        if isinstance(pattern, str):
            # iterable, but its characters are no axes
            raise TypeError("%s: pattern must be %s, got %r"
                            % (_describe(self), expected, pattern))
        _check_iterable(self, pattern, 'pattern', expected)
        used = set()
        for p in pattern:
            if _is_int(p):
                if p in used:
                    raise ValueError("%s: pattern %r contains input axis %d "
                                     "more than once"
                                     % (_describe(self), pattern, p))
                used.add(p)
            elif p != 'x':
                raise ValueError("%s: pattern must hold input axis indices "
                                 "and 'x', got %r" % (_describe(self), p))
        self.pattern = pattern
        # Checks the pattern against the input shape now.
        self.get_output_shape_for(self.input_shape)

    def get_output_shape_for(self, input_shape):
        ndim = len(input_shape)
        for p in self.pattern:
            if _is_int(p) and not 0 <= p < ndim:
                raise ValueError("%s: pattern %r refers to input axis %d, "
                                 "but the input shape %r has %d dimensions"
                                 % (_describe(self), self.pattern, p,
                                    tuple(input_shape), ndim))
        for axis in self._dropped_axes(ndim):
            if input_shape[axis] not in (1, None):
                raise ValueError("%s: pattern %r drops input axis %d of size "
                                 "%d; only axes of size 1 can be dropped"
                                 % (_describe(self), self.pattern, axis,
                                    input_shape[axis]))
        return tuple(input_shape[p] if _is_int(p) else 1
                     for p in self.pattern)

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
        # Theano drops only axes it knows to be broadcastable; the axes left
        # out have size 1 (checked above, or asserted at run time here).
        dropped = [axis for axis in self._dropped_axes(input.ndim)
                   if not input.broadcastable[axis]]
        if dropped:
            input = T.addbroadcast(input, *dropped)
        return input.dimshuffle(self.pattern)

    def _dropped_axes(self, ndim):
        return [axis for axis in range(ndim) if axis not in self.pattern]


dimshuffle = DimshuffleLayer  # shortcut


class PadLayer(Layer):
    """A layer that pads its input with a constant value.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    width : int, iterable of int, or iterable of pairs of int
        The padding of the axes after the first `batch_ndim` ones: an int
        pads each of them by that much at both ends; an iterable gives the
        padding of these axes in turn (an int for both ends, or a pair
        ``(before, after)``), and leaves any remaining axis unpadded.
    val : scalar or None
        The value to pad with; None pads with zeros.
    batch_ndim : int
        The number of leading axes that are not padded (by default the
        batch and channel axes).
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Attributes
    ----------
    width : int or list of pairs of int
        An int `width` as given; an iterable as the list of its ``(before,
        after)`` pairs.

    See Also
    --------
    lasagne.theano_extensions.padding.pad : the function this layer applies

    Examples
    --------
    >>> from lasagne.layers import InputLayer, PadLayer
    >>> l_in = InputLayer((None, 3, 8, 8))
    >>> PadLayer(l_in, width=2).output_shape
    (None, 3, 12, 12)
    >>> PadLayer(l_in, width=[(1, 0), 3]).output_shape
    (None, 3, 9, 14)
    """

    def __init__(self, incoming, width, val=0, batch_ndim=2, **kwargs):
        super(PadLayer, self).__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        if not _is_int(batch_ndim) or not 0 <= batch_ndim <= ndim:
            raise ValueError("%s: batch_ndim must be an int from 0 to the "
                             "input's %d dimensions, got %r"
                             % (_describe(self), ndim, batch_ndim))
        pairs = padding._pad_pairs(width, ndim, batch_ndim, _describe(self))
        # An iterable is kept as the list of pairs: it may be a generator,
        # which the check has used up.
        self.width = width if _is_int(width) else pairs
        if val is not None:
            _check_real(self, val, 'val')
        self.val = val
        self.batch_ndim = batch_ndim

    def get_output_shape_for(self, input_shape):
        output_shape = list(input_shape)
        pairs = padding._pad_pairs(self.width, len(input_shape),
                                   self.batch_ndim)
        for axis, (before, after) in enumerate(pairs, self.batch_ndim):
            if output_shape[axis] is not None:
                output_shape[axis] += before + after
        return tuple(output_shape)

    def get_output_for(self, input, **kwargs):
        return padding.pad(input, self.width, self.val, self.batch_ndim)


pad = PadLayer  # shortcut


def _check_slice(layer, indices, axis):
    """Refuse a slice with a step of 0, and one that selects nothing along
    an axis of known size (upstream gave an axis of size 0 silently)."""
    if indices.step == 0:
        raise ValueError("%s: indices %r has a step of 0; expected a nonzero "
                         "step" % (_describe(layer), indices))
    size = layer.input_shape[axis]
    bounds = (indices.start, indices.stop, indices.step)
    if size is not None and all(b is None or _is_int(b) for b in bounds) \
            and not range(*indices.indices(size)):
        raise ValueError("%s: indices %r selects no element of axis %d, of "
                         "size %d" % (_describe(layer), indices, axis, size))


class SliceLayer(Layer):
    """A layer that indexes or slices its input along one axis.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    indices : int or slice
        An int selects one position along `axis` and drops the axis; a
        slice keeps the axis, as NumPy indexing does.
    axis : int
        The axis to index; negative values count from the end.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, SliceLayer
    >>> l_in = InputLayer((None, 10, 6))
    >>> SliceLayer(l_in, indices=slice(2, None, 2)).output_shape
    (None, 10, 2)
    >>> SliceLayer(l_in, indices=-1, axis=1).output_shape
    (None, 6)
    """

    def __init__(self, incoming, indices, axis=-1, **kwargs):
        super(SliceLayer, self).__init__(incoming, **kwargs)
        _check_axis(self, axis, len(self.input_shape), 'axis')
        if _is_int(indices):
            size = self.input_shape[axis]
            if size is not None and not -size <= indices < size:
                raise ValueError("%s: index %d is out of range for axis %d "
                                 "of size %d" % (_describe(self), indices,
                                                 axis, size))
        elif not isinstance(indices, slice):
            raise TypeError("%s: indices must be an int or a slice, got %r"
                            % (_describe(self), indices))
        else:
            _check_slice(self, indices, axis)
        self.slice = indices
        self.axis = axis

    def get_output_shape_for(self, input_shape):
        output_shape = list(input_shape)
        if isinstance(self.slice, slice):
            size = input_shape[self.axis]
            if size is not None:
                size = len(range(*self.slice.indices(size)))
            output_shape[self.axis] = size
        else:
            del output_shape[self.axis]
        return tuple(output_shape)

    def get_output_for(self, input, **kwargs):
        axis = self.axis % input.ndim
        return input[(slice(None),) * axis + (self.slice,)]
