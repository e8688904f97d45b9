"""
Normalization layers: local response normalization across channels, batch
normalization (built on Theano's ``T.nnet.bn`` operations) and
standardization of each example (for instance and layer normalization).
"""
import math
import numbers

import numpy as np
import theano
import theano.tensor as T
from theano.compile.ops import deep_copy_op
from theano.tensor.nnet import bn

from .. import init
from .. import nonlinearities
from ..utils import int_types
from .base import Layer, _describe
from . import special


__all__ = [
    "LocalResponseNormalization2DLayer",
    "BatchNormLayer",
    "batch_norm",
    "StandardizationLayer",
    "instance_norm",
    "layer_norm",
]


def _normalization_axes(layer, axes, ndim, presets):
    """The axes a layer normalizes over, as a sorted tuple of non-negative
    ints, from its `axes` argument: a key of `presets` (a dict of axes for
    an input of `ndim` dimensions), an int or an iterable of ints, where
    negative axes count from the end. Raises a ValueError or TypeError that
    names the layer for anything else."""
    given = axes
    if isinstance(axes, str):
        if axes not in presets:
            raise ValueError("%s: axes=%r is not understood; expected %s, "
                             "an int or a tuple of ints"
                             % (_describe(layer), given, " or ".join(
                                 repr(key) for key in sorted(presets))))
        axes = presets[axes]
    try:
        axes = tuple(axes)
    except TypeError:  # a single axis
        axes = (axes,)
    if not all(isinstance(a, int_types) and not isinstance(a, bool)
               for a in axes):
        raise TypeError("%s: axes must be %s, an int or a tuple of ints, got "
                        "%r" % (_describe(layer), " or ".join(
                            repr(key) for key in sorted(presets)), given))
    if not axes:
        raise ValueError("%s: axes=%r selects no axis of the %d-dimensional "
                         "input; at least one axis is needed"
                         % (_describe(layer), given, ndim))
    if any(not -ndim <= a < ndim for a in axes):
        raise ValueError("%s: axes=%r is out of range for the %d-dimensional "
                         "input" % (_describe(layer), given, ndim))
    positive = [int(a) % ndim for a in axes]
    if len(set(positive)) != len(positive):
        raise ValueError("%s: axes=%r names an axis more than once"
                         % (_describe(layer), given))
    return tuple(sorted(positive))


def _check_scalar(layer, value, argument, low, high=None):
    """Raise an error naming `layer` and `argument` unless `value` is a
    scalar Theano expression or a finite real number from `low` to `high`
    (no upper bound if `high` is None): a TypeError for anything but a
    number or a scalar expression (None and bools included), a ValueError
    for a number out of range, infinite or NaN."""
    bounds = ("in [%g, %g]" % (low, high) if high is not None
              else ">= %g" % low)
    if isinstance(value, theano.gof.Variable):
        if getattr(value, 'ndim', None) != 0:
            raise TypeError("%s: %s must be a real number %s or a scalar "
                            "Theano expression, got %s of ndim %s"
                            % (_describe(layer), argument, bounds, value,
                               getattr(value, 'ndim', None)))
        return
    number = (value.item() if isinstance(value, np.ndarray) and
              value.ndim == 0 else value)
    if not isinstance(number, numbers.Real) or isinstance(number, bool):
        raise TypeError("%s: %s must be a real number %s or a scalar Theano "
                        "expression, got %r"
                        % (_describe(layer), argument, bounds, value))
    if not (math.isfinite(number) and low <= number and
            (high is None or number <= high)):
        raise ValueError("%s: %s must be a finite real number %s, got %r"
                         % (_describe(layer), argument, bounds, value))


def _check_input_ndim(layer, input):
    """Raise a ValueError naming `layer` unless the expression `input` has
    as many dimensions as the layer's input shape, on which its axes and
    parameter shapes are based."""
    if input.ndim != len(layer.input_shape):
        raise ValueError("%s: expected an input of %d dimensions, like its "
                         "input shape %r, got an expression of %d dimensions"
                         % (_describe(layer), len(layer.input_shape),
                            layer.input_shape, input.ndim))


def _broadcast_pattern(ndim, axes):
    """The ``dimshuffle`` pattern that places an array over the remaining
    (not normalized) axes of an input of `ndim` dimensions, broadcasting it
    along `axes`."""
    remaining = iter(range(ndim - len(axes)))
    return ['x' if axis in axes else next(remaining) for axis in range(ndim)]


def _remaining_shape(shape, axes):
    """The entries of `shape` for the axes not in `axes`: the shape of a
    parameter of batch normalization."""
    return tuple(size for axis, size in enumerate(shape) if axis not in axes)


def _working_input(input):
    """`input` in the dtype the statistics are computed in: float16 input is
    upcast to float32, where squared deviations beyond 256 do not overflow;
    integer input is cast to ``floatX``."""
    if input.dtype == 'float16':
        return T.cast(input, 'float32')
    if input.dtype not in T.float_dtypes:
        return T.cast(input, theano.config.floatX)
    return input


def _restore_dtype(output, input):
    """The output in the input's dtype if the input is float16."""
    return T.cast(output, 'float16') if input.dtype == 'float16' else output


def _statistics(input, axes, epsilon):
    """Mean and inverse standard deviation :math:`1 / \\sqrt{\\sigma^2 +
    \\epsilon}` of `input` over `axes` (axes removed). `epsilon` is cast to
    the input's dtype, as in Theano's expansion of its batch normalization
    ops, so that it does not upcast the result."""
    mean = input.mean(axes)
    var = input.var(axes)
    epsilon = T.cast(epsilon, var.dtype)
    return mean, T.inv(T.sqrt(var + epsilon))


def _normalize(input, mean, inv_std, gamma, beta, pattern):
    """``(input - mean) * (gamma * inv_std) + beta``, all but the input
    broadcast with `pattern`: the formula Theano expands its batch
    normalization ops into on the CPU."""
    mean, inv_std, gamma, beta = (v.dimshuffle(pattern)
                                  for v in (mean, inv_std, gamma, beta))
    return (input - mean) * (gamma * inv_std) + beta


def _theano_accepts(epsilon):
    """Whether ``T.nnet.bn`` takes `epsilon`. Its wrappers convert epsilon
    to ``floatX`` and refuse values below 1e-5 after the conversion (so
    under float32 they refuse 1e-5 itself, which rounds down); they cannot
    take a Theano expression."""
    if isinstance(epsilon, theano.gof.Variable):
        return False
    return not np.cast[theano.config.floatX](epsilon) < 1e-5


def _running_average(stat, batch_value, alpha):
    """The update ``(1 - alpha) * stat + alpha * batch_value`` of a running
    average, in the dtype and broadcast pattern of `stat`."""
    if not isinstance(alpha, theano.gof.Variable):
        # a Python float would become a floatX constant, rounded to float32
        alpha = T.constant(alpha, dtype=theano.scalar.upcast(
            stat.dtype, batch_value.dtype))
    # `stat` shares its storage with the layer's statistic, which the same
    # function may also read (e.g. for an inference output of this layer),
    # unknown to Theano; reading it through a copy keeps Theano from
    # computing the update in place, over values still to be read.
    new_value = (1 - alpha) * deep_copy_op(stat) + alpha * batch_value
    return T.patternbroadcast(T.cast(new_value, stat.dtype),
                              stat.broadcastable)


def _normalize_layer(layer, suffix, build, kwargs, caller):
    """The stack of :func:`batch_norm`, :func:`instance_norm` and
    :func:`layer_norm` on `layer`.

    ``build(layer, name=name, **kwargs)`` adds the normalization layers,
    `name` being the `name` in `kwargs` or else the layer's name with
    `suffix`; a :class:`NonlinearityLayer` with the layer's nonlinearity
    follows them. Only then does `layer` lose its bias (its parameter
    ``b``) and its nonlinearity (which becomes the identity), so that a
    call that fails on a bad argument leaves it unchanged. `caller` names
    the function in the error raised if `layer` is not a Layer."""
    if not isinstance(layer, Layer):
        raise TypeError("%s: layer must be a Layer instance (the layer to "
                        "normalize), got %r" % (caller, layer))
    nonlinearity = getattr(layer, 'nonlinearity', None)
    name = kwargs.pop('name', None) or _suffixed(layer.name, suffix)
    stack = build(layer, name=name, **kwargs)
    if nonlinearity is not None:
        stack = special.NonlinearityLayer(stack, nonlinearity,
                                          name=_suffixed(name, '_nonlin'))
        layer.nonlinearity = nonlinearities.identity
    if getattr(layer, 'b', None) is not None:
        layer.params.pop(layer.b, None)
        layer.b = None
    return stack


def _suffixed(name, suffix):
    return name + suffix if name else None


class LocalResponseNormalization2DLayer(Layer):
    """Local response normalization across the channels of 2-D feature maps
    [1]_, computed at every position separately:

    .. math::
        b_c = \\frac{a_c}{\\left(k + \\alpha
              \\sum_{c'=\\max(0, c - m)}^{\\min(N - 1, c + m)}
              a_{c'}^2\\right)^\\beta}, \\quad m = \\lfloor n / 2 \\rfloor

    where :math:`a_c` is the input of channel :math:`c` out of :math:`N`
    and the sum runs over the :math:`n` channels centered on :math:`c`
    (fewer at the borders). Note that :math:`\\alpha` is not divided by
    :math:`n`.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, of shape ``(batch, channels,
        rows, columns)``.
    alpha : float
        The scale :math:`\\alpha` of the sum of squares.
    k : float
        The offset :math:`k`.
    beta : float
        The exponent :math:`\\beta`.
    n : int
        The number of channels summed over; an odd number.
    **kwargs
        Passed to :class:`Layer` (e.g. `name`).

    Notes
    -----
    float16 input is normalized in float32 and returned as float16.

    References
    ----------
    .. [1] Krizhevsky, A., Sutskever, I. and Hinton, G. E. (2012):
       ImageNet Classification with Deep Convolutional Neural Networks.
       Advances in Neural Information Processing Systems 25.

    Examples
    --------
    >>> from lasagne.layers import InputLayer
    >>> from lasagne.layers import LocalResponseNormalization2DLayer
    >>> l_in = InputLayer((None, 16, 8, 8))
    >>> LocalResponseNormalization2DLayer(l_in, n=3).output_shape
    (None, 16, 8, 8)
    """

    def __init__(self, incoming, alpha=1e-4, k=2, beta=0.75, n=5, **kwargs):
        super(LocalResponseNormalization2DLayer, self).__init__(incoming,
                                                                **kwargs)
        if len(self.input_shape) != 4:
            raise ValueError("%s: expected an input of 4 dimensions (batch, "
                             "channels, rows, columns), got shape %r"
                             % (_describe(self), self.input_shape))
        if not isinstance(n, int_types) or isinstance(n, bool) or n < 1 \
                or n % 2 == 0:
            raise ValueError("%s: n must be a positive odd int (a window "
                             "centered on each channel), got %r"
                             % (_describe(self), n))
        self.alpha = alpha
        self.k = k
        self.beta = beta
        self.n = n

    def get_output_shape_for(self, input_shape):
        return input_shape

    def get_output_for(self, input, **kwargs):
        _check_input_ndim(self, input)
        x = _working_input(input)
        half = self.n // 2
        channels = x.shape[1]
        squares = T.sqr(x)
        # Zero padding on both sides of the channel axis makes every window
        # a plain slice.
        padded = T.zeros((x.shape[0], channels + 2 * half) +
                         tuple(x.shape[2:]), dtype=x.dtype)
        padded = T.set_subtensor(padded[:, half:half + channels], squares)
        window_sum = sum(padded[:, i:i + channels] for i in range(self.n))
        alpha, k, beta = (T.cast(v, x.dtype)
                          for v in (self.alpha, self.k, self.beta))
        return _restore_dtype(x / (k + alpha * window_sum) ** beta, input)


class BatchNormLayer(Layer):
    """Batch normalization [1]_: normalizes its input with the mean and
    standard deviation over the batch (while training) or with running
    averages of them (for inference), then scales and shifts it:

    .. math::
        y = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} \\gamma + \\beta

    :math:`\\mu` and :math:`\\sigma^2` are computed over the axes given by
    `axes`, and :math:`\\gamma`, :math:`\\beta` have one entry for every
    position along the remaining axes. The computation is Theano's:
    ``T.nnet.bn.batch_normalization_train`` while training and
    ``T.nnet.bn.batch_normalization_test`` with the stored averages, so
    Theano's optimizer uses cuDNN on a GPU where it can (see Notes).

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    axes : 'auto', int or tuple of int
        The axes to normalize over. ``'auto'`` (the default) normalizes
        over all axes except the second: over the batch for dense layers,
        over the batch and all spatial positions (one mean per channel) for
        convolutional layers. Negative axes count from the end. Every axis
        not normalized over must have a known size.
    epsilon : float or scalar Theano expression
        Added to the variance before taking the square root, for numerical
        stability. A number must be finite and >= 0.
    alpha : float or scalar Theano expression
        The weight of the current batch in the running averages:
        ``mean = (1 - alpha) * mean + alpha * batch_mean`` and likewise for
        ``inv_std``. A number must be in [0, 1]. A shared variable may be
        passed to anneal it.
    beta : Theano shared variable, expression, numpy array, callable or None
        The shift :math:`\\beta`; None for no shift. See
        :func:`lasagne.utils.create_param`.
    gamma : Theano shared variable, expression, numpy array, callable or None
        The scale :math:`\\gamma`; None for no scaling.
    mean : Theano shared variable, expression, numpy array or callable
        The running average of the mean, used for inference.
    inv_std : Theano shared variable, expression, numpy array or callable
        The running average of the inverse standard deviation
        :math:`1 / \\sqrt{\\sigma^2 + \\epsilon}`, used for inference.
    **kwargs
        Passed to :class:`Layer` (e.g. `name`).

    Raises
    ------
    ValueError
        For bad `axes` (empty, out of range, repeated, or leaving an axis of
        unknown size), an `epsilon` below 0 or an `alpha` outside [0, 1]
        (infinity and NaN included); from :meth:`get_output_for`, for an
        input expression with another number of dimensions than the input
        shape.
    TypeError
        For an `epsilon` or `alpha` that is neither a real number nor a
        scalar Theano expression (e.g. None or a bool).

    Notes
    -----
    The parameters are, in this order, `beta` (tagged ``trainable``),
    `gamma` (``trainable``, ``regularizable``), `mean` and `inv_std`
    (tagged ``batch_norm_stat``, neither trainable nor regularizable). Their
    shape is the input shape without the normalized axes.

    :meth:`get_output_for` takes three switches:

    * ``deterministic=False`` (default): normalize with the batch
      statistics and update the running averages.
    * ``deterministic=True``: normalize with the running averages and
      leave them unchanged.
    * ``batch_norm_use_averages`` and ``batch_norm_update_averages``
      override these two choices separately (they default to
      ``deterministic`` and ``not deterministic``), e.g. to normalize with
      the averages while still updating them.

    The running averages are updated by any ``theano.function`` compiled
    from an output that updates them, with no extra step: the layer puts
    memory-aliased copies of `mean` and `inv_std` into the output's graph
    whose ``default_update`` is the new average. The update is cast to each
    statistic's own dtype. `mean` and `inv_std` must be shared variables
    for this.

    cuDNN computes the normalization when Theano runs on a GPU with cuDNN,
    `axes` is ``(0,)`` or all but the second (the default), and `epsilon` is
    a number Theano accepts (see below). On the CPU, for the same axes and
    float32 or float64, Lasagne's fused C ops do
    (:mod:`lasagne.theano_extensions.bn`). Otherwise Theano's CPU
    expansion, or the layer's own formula, computes the same thing.

    Theano's ops refuse an `epsilon` below 1e-5 after converting it to
    ``floatX``; under ``floatX=float32`` that includes 1e-5 itself. For such
    an epsilon, and for an epsilon given as a Theano expression, the layer
    computes the same formula itself, with the same results:
    ``(x - mean) * (gamma * inv_std) + beta``, where ``inv_std = 1 /
    sqrt(var + epsilon)`` uses the biased variance. Epsilon is never
    changed.

    For inference through ``batch_normalization_test``, the variance is
    derived from the stored average as ``1 / inv_std**2 - epsilon``, to
    which Theano's op adds `epsilon` back. While ``inv_std <= 1 /
    sqrt(epsilon)``, which holds for every average the layer computed
    itself, the output's error is about one unit in the last place of its
    largest magnitude, as with the formula of earlier Lasagne versions,
    ``(x - mean) * (gamma * inv_std) + beta`` (measured on the CPU against
    an exact computation of that formula: at most 1.6e-7 of the largest
    magnitude in float32 and 2.7e-16 in float64, 1.4 and 1.2 machine
    epsilons). Statistics set by hand, or imported from a model trained
    with a smaller epsilon, can exceed that bound; then the subtraction and
    the addition of `epsilon` cancel, and the error grows with ``inv_std**2
    * epsilon``: with ``epsilon=1e-4`` in float32, measured up to about
    2e-6 of the largest magnitude (15 machine epsilons) for `inv_std`
    between 100 and 1000, and 2e-4 between 1000 and 10000. Constructing the
    layer with the epsilon the statistics were computed with avoids this.

    float16 input is normalized with statistics computed in float32, as the
    squared deviations overflow float16 beyond about 256; the output is
    float16 again.

    In float32, Theano's DebugMode may report a ``BadOptimization`` for the
    expansion of Theano's batch normalization ops, whose reference
    implementation and expanded graph differ by more than its float32
    tolerance where rounding errors are amplified: for gradients of inputs
    with a small spread (a standard deviation of 0.01 around a mean of 1),
    for forward graphs of a still smaller one. float64 graphs pass.

    See Also
    --------
    batch_norm : Convenience function to add batch normalization to a layer.

    References
    ----------
    .. [1] Ioffe, S. and Szegedy, C. (2015): Batch Normalization:
       Accelerating Deep Network Training by Reducing Internal Covariate
       Shift. http://arxiv.org/abs/1502.03167.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, BatchNormLayer
    >>> l_bn = BatchNormLayer(InputLayer((None, 16, 8, 8)))
    >>> l_bn.output_shape, l_bn.axes, l_bn.gamma.get_value().shape
    ((None, 16, 8, 8), (0, 2, 3), (16,))
    >>> [p.name for p in l_bn.get_params(batch_norm_stat=True)]
    ['mean', 'inv_std']
    """

    def __init__(self, incoming, axes='auto', epsilon=1e-4, alpha=0.1,
                 beta=init.Constant(0), gamma=init.Constant(1),
                 mean=init.Constant(0), inv_std=init.Constant(1), **kwargs):
        super(BatchNormLayer, self).__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        self.axes = _normalization_axes(
            self, axes, ndim, {'auto': (0,) + tuple(range(2, ndim))})
        shape = _remaining_shape(self.input_shape, self.axes)
        if any(size is None for size in shape):
            raise ValueError("%s: every axis not normalized over needs a "
                             "known size (the parameters have one entry per "
                             "position), got input shape %r with axes=%r"
                             % (_describe(self), self.input_shape, self.axes))
        _check_scalar(self, epsilon, 'epsilon', 0)
        _check_scalar(self, alpha, 'alpha', 0, 1)
        self.epsilon = epsilon
        self.alpha = alpha
        self.beta = (None if beta is None else
                     self.add_param(beta, shape, 'beta', trainable=True,
                                    regularizable=False))
        self.gamma = (None if gamma is None else
                      self.add_param(gamma, shape, 'gamma', trainable=True,
                                     regularizable=True))
        self.mean = self.add_param(mean, shape, 'mean', trainable=False,
                                   regularizable=False, batch_norm_stat=True)
        self.inv_std = self.add_param(inv_std, shape, 'inv_std',
                                      trainable=False, regularizable=False,
                                      batch_norm_stat=True)

    def get_output_for(self, input, deterministic=False,
                       batch_norm_use_averages=None,
                       batch_norm_update_averages=None, **kwargs):
        use_averages = (deterministic if batch_norm_use_averages is None
                        else batch_norm_use_averages)
        update_averages = (not deterministic
                           if batch_norm_update_averages is None
                           else batch_norm_update_averages)
        _check_input_ndim(self, input)
        x = _working_input(input)
        shape = _remaining_shape(self.input_shape, self.axes)
        # Theano's batch normalization ops, like _normalize, need both a
        # scale and a shift.
        gamma = (T.ones(shape, dtype=x.dtype) if self.gamma is None
                 else self.gamma)
        beta = (T.zeros(shape, dtype=x.dtype) if self.beta is None
                else self.beta)
        mean, inv_std = (self._updatable_statistics() if update_averages
                         else (self.mean, self.inv_std))

        if not use_averages or update_averages:
            train_beta = beta
            if update_averages and not use_averages:
                # theano.function finds default updates only on variables of
                # the output's graph; fill() puts the copies there without
                # touching any value (0 * stat would turn an infinite stat
                # into NaN), and Theano's optimizer removes it.
                train_beta = T.fill(mean, T.fill(inv_std, beta))
            normalized, batch_mean, batch_inv_std = self._normalize_batch(
                x, gamma, train_beta)
            if update_averages:
                mean.default_update = _running_average(mean, batch_mean,
                                                       self.alpha)
                inv_std.default_update = _running_average(
                    inv_std, batch_inv_std, self.alpha)
        if use_averages:
            normalized = self._normalize_with(x, gamma, beta, mean, inv_std)
        return _restore_dtype(normalized, input)

    def _normalize_batch(self, x, gamma, beta):
        """The output normalized with the batch statistics, and those."""
        if _theano_accepts(self.epsilon):
            return bn.batch_normalization_train(
                x, gamma, beta, axes=self.axes, epsilon=self.epsilon)
        mean, inv_std = _statistics(x, self.axes, self.epsilon)
        pattern = _broadcast_pattern(x.ndim, self.axes)
        return _normalize(x, mean, inv_std, gamma, beta, pattern), mean, \
            inv_std

    def _normalize_with(self, x, gamma, beta, mean, inv_std):
        """The output normalized with the given statistics."""
        if _theano_accepts(self.epsilon):
            # Theano's op takes the variance: the one whose inverse standard
            # deviation is inv_std, with the epsilon the op will add back
            # (converted to floatX, as the op does).
            dtype = theano.scalar.upcast(x.dtype, inv_std.dtype)
            epsilon = np.cast[theano.config.floatX](self.epsilon)
            var = T.inv(T.sqr(T.cast(inv_std, dtype))) - epsilon.astype(dtype)
            return bn.batch_normalization_test(
                x, gamma, beta, mean, var, axes=self.axes,
                epsilon=self.epsilon)
        pattern = _broadcast_pattern(x.ndim, self.axes)
        return _normalize(x, mean, inv_std, gamma, beta, pattern)

    def _updatable_statistics(self):
        """Copies of `mean` and `inv_std` that share their storage, to carry
        the default updates of one output's graph (on the shared variables
        themselves, an update would apply to every function using them)."""
        copies = []
        for stat in (self.mean, self.inv_std):
            if not isinstance(stat, theano.compile.SharedVariable):
                raise ValueError(
                    "%s: cannot update the running average %s, which is a "
                    "Theano expression, not a shared variable; pass "
                    "batch_norm_update_averages=False (or "
                    "deterministic=True) to get_output()"
                    % (_describe(self), stat))
            copies.append(theano.clone(stat, share_inputs=False))
        return copies


def batch_norm(layer, **kwargs):
    """Add batch normalization to a layer: remove its bias and move its
    nonlinearity behind a :class:`BatchNormLayer`.

    The bias is redundant, as the normalization subtracts the mean (the
    :class:`BatchNormLayer` has its own shift `beta`), and the
    nonlinearity has to come after the normalization.

    Parameters
    ----------
    layer : a :class:`Layer` instance
        The layer to normalize. It is modified once the new layers are
        built (so not by a call that raises an error): if it has a bias
        ``b``, the bias becomes None and leaves its parameters; if it has a
        ``nonlinearity``, that becomes the identity.
    **kwargs
        Passed to :class:`BatchNormLayer`.

    Returns
    -------
    BatchNormLayer or NonlinearityLayer
        The :class:`BatchNormLayer` on top of `layer`, followed by a
        :class:`NonlinearityLayer` with the layer's nonlinearity if it had
        one. If `layer` has a name and no `name` is given, they are named
        ``<name>_bn`` and ``<name>_bn_nonlin``.

    Raises
    ------
    TypeError
        If `layer` is not a :class:`Layer` instance.

    Notes
    -----
    A network built by hand as ``BatchNormLayer(DenseLayer(...))`` has more
    parameters (the dense layer's bias) and applies the nonlinearity before
    the normalization, unless it passes ``b=None`` and
    ``nonlinearity=None`` to the inner layer and adds a
    :class:`NonlinearityLayer`, as this function does.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, DenseLayer, batch_norm
    >>> l_dense = DenseLayer(InputLayer((None, 10)), 5, name='fc')
    >>> l_out = batch_norm(l_dense)
    >>> l_out.name, l_out.input_layer.name, l_dense.b
    ('fc_bn_nonlin', 'fc_bn', None)
    """
    return _normalize_layer(layer, '_bn', BatchNormLayer, kwargs,
                            'batch_norm()')


class StandardizationLayer(Layer):
    """Standardizes every example of its input to zero mean and unit
    variance over the given axes:

    .. math::
        y = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}}

    Unlike batch normalization, the axes normally exclude the batch axis, so
    each example is normalized on its own, in training and inference alike.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    axes : 'auto', 'spatial', 'features', int or tuple of int
        The axes to normalize over. ``'spatial'``: all but the first two
        (the spatial axes of convolutional layers). ``'features'``: all but
        the first. ``'auto'`` (the default): the second axis of a 2-D input
        (the units of a dense layer), otherwise ``'spatial'``. Negative axes
        count from the end.
    epsilon : float or scalar Theano expression
        Added to the variance for numerical stability. A number must be
        finite and >= 0.
    **kwargs
        Passed to :class:`Layer` (e.g. `name`).

    Notes
    -----
    The layer computes its formula with plain Theano expressions, the same
    ones as :class:`BatchNormLayer` uses for an epsilon that ``T.nnet.bn``
    refuses. It does not use ``T.nnet.bn``: cuDNN's batch normalization
    always normalizes over the batch axis, so it could not serve these axes
    anyway. float16 input is standardized in float32 and returned as
    float16.

    See Also
    --------
    instance_norm, layer_norm

    Examples
    --------
    >>> from lasagne.layers import InputLayer, StandardizationLayer
    >>> StandardizationLayer(InputLayer((None, 3, 8, 8))).axes
    (2, 3)
    >>> StandardizationLayer(InputLayer((None, 3, 8, 8)), 'features').axes
    (1, 2, 3)
    """

    def __init__(self, incoming, axes='auto', epsilon=1e-4, **kwargs):
        super(StandardizationLayer, self).__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        spatial = tuple(range(2, ndim))
        self.axes = _normalization_axes(self, axes, ndim, {
            'auto': (1,) if ndim == 2 else spatial,
            'spatial': spatial,
            'features': tuple(range(1, ndim))})
        _check_scalar(self, epsilon, 'epsilon', 0)
        self.epsilon = epsilon

    def get_output_for(self, input, **kwargs):
        _check_input_ndim(self, input)
        x = _working_input(input)
        mean, inv_std = _statistics(x, self.axes, self.epsilon)
        pattern = _broadcast_pattern(input.ndim, self.axes)
        standardized = ((x - mean.dimshuffle(pattern)) *
                        inv_std.dimshuffle(pattern))
        return _restore_dtype(standardized, input)


def _standardize(layer, axes, suffix, learn_scale, learn_bias, kwargs,
                 caller):
    """The stack of :func:`instance_norm` and :func:`layer_norm`."""
    def build(layer, name, **kwargs):
        layer = StandardizationLayer(layer, axes=axes, name=name, **kwargs)
        if learn_scale:
            layer = special.ScaleLayer(layer, shared_axes='auto',
                                       name=_suffixed(name, '_scale'))
        if learn_bias:
            layer = special.BiasLayer(layer, shared_axes='auto',
                                      name=_suffixed(name, '_bias'))
        return layer
    return _normalize_layer(layer, suffix, build, kwargs, caller)


def instance_norm(layer, learn_scale=True, learn_bias=True, **kwargs):
    """Add instance normalization [1]_ to a layer: standardize every
    channel of every example over its spatial axes.

    The layer's bias is removed and its nonlinearity moved to the end, as
    in :func:`batch_norm`. The stack is a :class:`StandardizationLayer`
    with ``axes='spatial'``, then a :class:`ScaleLayer` and a
    :class:`BiasLayer` with one parameter per channel (if `learn_scale`,
    `learn_bias`), then a :class:`NonlinearityLayer` with the layer's
    nonlinearity. With a named layer, they are named ``<name>_in``,
    ``<name>_in_scale``, ``<name>_in_bias`` and ``<name>_in_nonlin``.

    Parameters
    ----------
    layer : a :class:`Layer` instance
        The layer to normalize, with at least three dimensions (batch,
        channels, spatial axes). It is modified.
    learn_scale : bool
        Whether to add a learned scale per channel.
    learn_bias : bool
        Whether to add a learned shift per channel.
    **kwargs
        Passed to :class:`StandardizationLayer` (e.g. `epsilon`).

    Returns
    -------
    Layer
        The last layer of the stack.

    References
    ----------
    .. [1] Ulyanov, D., Vedaldi, A. and Lempitsky, V. (2016): Instance
       Normalization: The Missing Ingredient for Fast Stylization.
       http://arxiv.org/abs/1607.08022.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, NINLayer, instance_norm
    >>> l_nin = NINLayer(InputLayer((None, 3, 8, 8)), 4, name='nin')
    >>> l_out = instance_norm(l_nin)
    >>> l_out.name, l_out.output_shape
    ('nin_in_nonlin', (None, 4, 8, 8))
    """
    return _standardize(layer, 'spatial', '_in', learn_scale, learn_bias,
                        kwargs, 'instance_norm()')


def layer_norm(layer, **kwargs):
    """Add layer normalization [1]_ to a layer: standardize every example
    over all its features.

    The layer's bias is removed and its nonlinearity moved to the end, as
    in :func:`batch_norm`. The stack is a :class:`StandardizationLayer`
    with ``axes='features'``, then a :class:`ScaleLayer` and a
    :class:`BiasLayer` (one parameter per unit of a dense layer, per
    channel of a convolutional layer), then a :class:`NonlinearityLayer`
    with the layer's nonlinearity. With a named layer, they are named
    ``<name>_ln``, ``<name>_ln_scale``, ``<name>_ln_bias`` and
    ``<name>_ln_nonlin``.

    Parameters
    ----------
    layer : a :class:`Layer` instance
        The layer to normalize. It is modified.
    **kwargs
        Passed to :class:`StandardizationLayer` (e.g. `epsilon`).

    Returns
    -------
    Layer
        The last layer of the stack.

    References
    ----------
    .. [1] Ba, J. L., Kiros, J. R. and Hinton, G. E. (2016): Layer
       Normalization. http://arxiv.org/abs/1607.06450.
    """
    return _standardize(layer, 'features', '_ln', True, True, kwargs,
                        'layer_norm()')
