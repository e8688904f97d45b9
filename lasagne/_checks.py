"""
The argument checks of the package, one function per question, so that every
layer (and initializer) answers it alike: with the same rule, the same
exception class and a message that names the owner and the argument.

`owner` is the layer or initializer whose argument is checked, or a string
naming a function (e.g. ``'batch_norm()'``).
"""
import numbers

import numpy as np
import theano

from . import nonlinearities
from .utils import _ArgumentError, as_tuple, int_types


def _describe(owner):
    """How messages name `owner`: its class and name (if it has one), or
    the string itself."""
    if isinstance(owner, str):
        return owner
    name = getattr(owner, 'name', None)
    return ("%s %r" % (type(owner).__name__, name) if name
            else type(owner).__name__)


def _is_int(value):
    """Whether `value` is an integer, not counting booleans."""
    return isinstance(value, int_types) and not isinstance(value, bool)


def _check_positive_int(owner, value, argument):
    """Raise a ValueError naming `owner` and `argument` unless `value` is a
    positive integer."""
    if not _is_int(value) or value <= 0:
        raise ValueError("%s: %s must be a positive int, got %r"
                         % (_describe(owner), argument, value))


def _int_tuple(owner, value, n, argument, minimum):
    """`value` (an int or an iterable of `n` ints, each at least `minimum`)
    as a tuple of `n` ints; a ValueError naming `owner` and `argument`
    otherwise, which is also the TypeError that Lasagne 0.2 raised for
    elements that are not ints."""
    try:
        values = as_tuple(value, n, int_types)
    except (TypeError, ValueError):
        values = None
    if values is None or any(isinstance(v, bool) or v < minimum
                             for v in values):
        raise _ArgumentError("%s: %s must be an int or an iterable of %d "
                             "ints, each at least %d, got %r"
                             % (_describe(owner), argument, n, minimum,
                                value))
    return tuple(int(v) for v in values)


def _is_real(value, numbers_only=False):
    """Whether `value` is a real number (a Python or NumPy one, not a bool),
    or, unless `numbers_only`, a NumPy array or Theano expression of an
    integer or float dtype."""
    if isinstance(value, numbers.Real):
        return not isinstance(value, bool)
    if numbers_only:
        return False
    dtype = getattr(value, 'dtype', None)
    try:
        return dtype is not None and np.dtype(dtype).kind in 'iuf'
    except TypeError:
        return False


def _check_real(owner, value, argument, low=None, high=None,
                high_open=False, finite=False, scalar=False,
                numbers_only=False):
    """`value`, after checking that it is a real number (see `_is_real`);
    a TypeError naming `owner` and `argument` otherwise.

    The values of a number or NumPy array must also be at least `low`, at
    most `high` (below it if `high_open`) and, if `finite`, neither
    infinite nor NaN (a bound refuses NaN too): a ValueError otherwise.
    Theano expressions, whose values are unknown here, must have no
    dimensions if `scalar`; `numbers_only` refuses arrays and expressions.
    """
    bounds = ''
    if low is not None and high is not None:
        bounds = ' in [%g, %g%s' % (low, high, ')' if high_open else ']')
    elif low is not None:
        bounds = ' >= %g' % low
    kinds = 'a real number' + bounds
    if not numbers_only:
        kinds += ' or a %sTheano expression' % ('scalar ' if scalar else '')
    if not _is_real(value, numbers_only):
        raise TypeError("%s: %s must be %s, got %r"
                        % (_describe(owner), argument, kinds, value))
    if scalar and getattr(value, 'ndim', 0) != 0:
        raise TypeError("%s: %s must be %s, got %r of ndim %d"
                        % (_describe(owner), argument, kinds, value,
                           value.ndim))
    if isinstance(value, theano.gof.Variable):
        return value
    array = np.asarray(value)
    ok = np.isfinite(array) if finite else np.ones(array.shape, bool)
    if low is not None:
        ok &= low <= array
    if high is not None:
        ok &= (array < high) if high_open else (array <= high)
    if not ok.all():
        raise ValueError("%s: %s must be a %sreal number%s, got %r"
                         % (_describe(owner), argument,
                            'finite ' if finite else '', bounds, value))
    return value


def _check_iterable(owner, value, argument, expected):
    """Raise a TypeError naming `owner` and `argument`, saying it must be
    `expected`, unless `value` is iterable."""
    if not hasattr(value, '__iter__'):
        raise TypeError("%s: %s must be %s, got %r"
                        % (_describe(owner), argument, expected, value))


def _check_callable(owner, value, argument, expected='callable'):
    """Raise a TypeError naming `owner` and `argument`, saying it must be
    `expected`, unless `value` is callable."""
    if not callable(value):
        raise TypeError("%s: %s must be %s, got %r"
                        % (_describe(owner), argument, expected, value))


def _check_nonlinearity(owner, nonlinearity):
    """The nonlinearity a layer applies: `nonlinearity` if it is callable,
    the identity for None; a TypeError naming `owner` otherwise."""
    if nonlinearity is None:
        return nonlinearities.identity
    _check_callable(owner, nonlinearity, 'nonlinearity', "callable (e.g. "
                    "from lasagne.nonlinearities) or None")
    return nonlinearity


def _check_axis(owner, axis, ndim, argument):
    """`axis`, an int indexing one of `ndim` axes (negative ones count from
    the end), as a non-negative index. Raises an error naming `owner` and
    `argument` otherwise: a ValueError for an int out of range, for
    anything else one that is also the TypeError of Lasagne 0.2."""
    if not _is_int(axis) or not -ndim <= axis < ndim:
        error = ValueError if _is_int(axis) else _ArgumentError
        raise error("%s: %s must be an int in [%d, %d) for inputs of %d "
                    "dimensions, got %r"
                    % (_describe(owner), argument, -ndim, ndim, ndim, axis))
    return int(axis) % ndim


def _check_axes(owner, axes, ndim, argument, presets=None, canonical=True,
                distinct=False, empty=True):
    """The axes of an `ndim`-dimensional input that `axes` selects: a key
    of the dict `presets` (for its value), an int, or an iterable of ints;
    negative axes count from the end.

    Returns them as a sorted tuple of distinct non-negative ints if
    `canonical`, else as given (a tuple, an int as a tuple of one). Raises
    an error naming `owner` and `argument`: for anything but those kinds
    of value, one that is both a TypeError (as in Lasagne 0.2) and a
    ValueError; a ValueError for an axis out of range, for an axis given
    twice if `distinct`, and for no axes unless `empty`.
    """
    presets = presets or {}
    given = axes
    if isinstance(axes, str) and axes in presets:
        axes = presets[axes]
    elif _is_int(axes):
        axes = (axes,)
    elif isinstance(axes, str) or not hasattr(axes, '__iter__'):
        raise _ArgumentError("%s: %s must be %s, got %r" % (
            _describe(owner), argument, ", ".join(
                [repr(key) for key in presets] +
                ["an int or an iterable of ints"]), given))
    axes = tuple(axes)
    indices = [_check_axis(owner, axis, ndim, 'each of ' + argument)
               for axis in axes]
    if distinct and len(set(indices)) != len(indices):
        raise ValueError("%s: %s=%r names an axis more than once"
                         % (_describe(owner), argument, given))
    if not axes and not empty:
        raise ValueError("%s: %s=%r selects no axis of the %d-dimensional "
                         "input; at least one axis is needed"
                         % (_describe(owner), argument, given, ndim))
    return tuple(sorted(set(indices))) if canonical else axes


def _broadcast_pattern(ndim, axes):
    """The ``dimshuffle`` pattern that places an array with one axis for
    each axis not in `axes` onto an `ndim`-dimensional input, broadcasting
    it along `axes`."""
    remaining = iter(range(ndim - len(axes)))
    return ['x' if axis in axes else next(remaining) for axis in range(ndim)]


def _remaining_shape(owner, shape, axes, argument, axes_argument):
    """The entries of `shape` for the axes not in `axes` (the shape of a
    parameter with one value per position along them); a ValueError naming
    `owner`, the parameter `argument` and `axes_argument` if any of them is
    unknown (None)."""
    remaining = tuple(size for axis, size in enumerate(shape)
                      if axis not in axes)
    if None in remaining:
        raise ValueError("%s: %s needs known input sizes along the axes not "
                         "in %s, got input shape %r and %s=%r"
                         % (_describe(owner), argument, axes_argument,
                            shape, axes_argument, axes))
    return remaining
