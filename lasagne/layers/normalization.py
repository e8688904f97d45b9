"""
Normalization layers: local response normalization across channels, batch
normalization (built on Theano's ``T.nnet.bn`` operations) and
standardization of each example (for instance and layer normalization).
"""
import itertools

import numpy as np
import theano
import theano.tensor as T
from theano.compile.ops import deep_copy_op
from theano.tensor.nnet import bn

from .. import init
from .._checks import (_broadcast_pattern, _check_axes, _check_positive_int,
                       _check_callable, _check_real, _describe,
                       _remaining_shape)
from ..utils import _UnsupportedError
from .base import Layer
from .helper import _check_layer_keys, get_all_layers, get_output
from .input import InputLayer
from . import special


__all__ = [
    "LocalResponseNormalization2DLayer",
    "BatchNormLayer",
    "batch_norm",
    "recompute_batch_norm_statistics",
    "StandardizationLayer",
    "instance_norm",
    "layer_norm",
]


def _check_input_ndim(layer, input):
    """Raise a ValueError naming `layer` unless the expression `input` has
    as many dimensions as the layer's input shape, on which its axes and
    parameter shapes are based."""
    if input.ndim != len(layer.input_shape):
        raise ValueError("%s: expected an input of %d dimensions, like its "
                         "input shape %r, got an expression of %d dimensions"
                         % (_describe(layer), len(layer.input_shape),
                            layer.input_shape, input.ndim))


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
    name = kwargs.pop('name', None) or _suffixed(layer.name, suffix)
    stack = special._move_nonlinearity(
        layer, lambda layer: build(layer, name=name, **kwargs),
        _suffixed(name, '_nonlin'))
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
    alpha : float or Theano scalar
        The scale :math:`\\alpha` of the sum of squares, at least 0.
    k : float or Theano scalar
        The offset :math:`k`, at least 0.
    beta : float or Theano scalar
        The exponent :math:`\\beta`.
    n : int
        The number of channels summed over; an odd number (an even one
        raises a :class:`NotImplementedError`, also a :class:`ValueError`).
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
        _check_positive_int(self, n, 'n')
        if n % 2 == 0:
            raise _UnsupportedError("%s: n must be odd (a window centered on "
                                    "each channel), got %d"
                                    % (_describe(self), n))
        # k + alpha * (sum of squares) is raised to the power beta: a
        # negative base (or a NaN) gave NaN outputs upstream
        _check_real(self, alpha, 'alpha', 0, finite=True)
        _check_real(self, k, 'k', 0, finite=True)
        _check_real(self, beta, 'beta', finite=True)
        self.alpha = alpha
        self.k = k
        self.beta = beta
        self.n = n

    def get_output_shape_for(self, input_shape):
        return input_shape

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
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
    variance over the batch (while training) or with running averages of
    them (for inference), then scales and shifts it:

    .. math::
        y = \\frac{x - \\mu}{\\sqrt{\\sigma^2 + \\epsilon}} \\gamma + \\beta

    :math:`\\mu` and :math:`\\sigma^2` are computed over the axes given by
    `axes`, and :math:`\\gamma`, :math:`\\beta` have one entry for every
    position along the remaining axes. The layer builds on Theano's
    ``T.nnet.bn`` operations, which Theano runs with cuDNN on a GPU where it
    can; :ref:`the module's documentation <batch-norm-details>` says when,
    and covers accuracy, `epsilon`, dtypes and DebugMode.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    axes : 'auto', int or tuple of int
        The axes to normalize over; negative axes count from the end.
        ``'auto'`` (the default) is all but the second: the batch for dense
        layers, the batch and all spatial positions (one mean per channel)
        for convolutional layers. The other axes need a known size.
    epsilon : float or scalar Theano expression
        Added to the variance for numerical stability; a number must be
        finite and >= 0.
    alpha : float or scalar Theano expression
        The weight of the current batch in the running averages:
        ``mean = (1 - alpha) * mean + alpha * batch_mean`` and likewise for
        ``inv_std``. A number must be in [0, 1]; a shared variable may be
        passed to anneal it.
    beta : Theano shared variable, expression, numpy array, callable or None
        The shift :math:`\\beta`, tagged ``trainable``; None for no shift.
        See :func:`lasagne.utils.create_param`.
    gamma : Theano shared variable, expression, numpy array, callable or None
        The scale :math:`\\gamma`, tagged ``trainable`` and
        ``regularizable``; None for no scaling.
    mean : Theano shared variable, expression, numpy array or callable
        The running average of the mean, used for inference; tagged
        ``batch_norm_stat`` (neither trainable nor regularizable).
    inv_std : Theano shared variable, expression, numpy array or callable
        The running average of the inverse standard deviation
        :math:`1 / \\sqrt{\\sigma^2 + \\epsilon}`, used for inference;
        tagged ``batch_norm_stat``.
    **kwargs
        Passed to :class:`Layer` (e.g. `name`).

    Raises
    ------
    ValueError
        For bad `axes`, an `epsilon` below 0 or an `alpha` outside [0, 1];
        from :meth:`get_output_for`, for an input of another number of
        dimensions than the input shape.
    TypeError
        For an `epsilon` or `alpha` that is neither a real number nor a
        scalar Theano expression (e.g. None or a bool).

    Notes
    -----
    The parameters, in this order `beta`, `gamma`, `mean`, `inv_std`, have
    the input shape without the normalized axes. :meth:`get_output_for`
    takes three switches, usually given to :func:`get_output`:

    * ``deterministic=False`` (default): normalize with the batch
      statistics and update the running averages.
    * ``deterministic=True``: normalize with the running averages and
      leave them unchanged.
    * ``batch_norm_use_averages`` and ``batch_norm_update_averages``
      override these two choices separately (they default to
      ``deterministic`` and ``not deterministic``), e.g. to normalize with
      the averages while still updating them.

    A ``theano.function`` compiled from an output that updates the averages
    applies the update by itself (`mean` and `inv_std` must be shared).

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
        self.axes = _check_axes(
            self, axes, ndim, 'axes', {'auto': (0,) + tuple(range(2, ndim))},
            distinct=True, empty=False)
        shape = self._param_shape()
        _check_real(self, epsilon, 'epsilon', 0, finite=True, scalar=True)
        _check_real(self, alpha, 'alpha', 0, 1, finite=True, scalar=True)
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
        input = T.as_tensor_variable(input)
        _check_input_ndim(self, input)
        x = _working_input(input)
        shape = self._param_shape()
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

    def _param_shape(self):
        """The shape of the parameters: the input shape without the
        normalized axes."""
        return _remaining_shape(self, self.input_shape, self.axes,
                                'each parameter', 'axes')

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


def recompute_batch_norm_statistics(layer, data, num_batches=None,
                                    callback=None, **kwargs):
    """Set the statistics of every :class:`BatchNormLayer` of a network to
    population statistics of its input over a dataset ("precise batch
    normalization" [1]_), in place of the running averages.

    The running averages lag behind while the weights change, and they are
    stale after anything that changes the weights without training steps
    (averaging weights, fine-tuning some layers, loading weights from
    elsewhere). This function computes each layer's statistics afresh with
    the current weights.

    Parameters
    ----------
    layer : Layer or list of Layer
        The output layer(s) of the network. Every :class:`BatchNormLayer`
        they depend on gets new statistics.
    data : iterable
        The batches, consumed once: each a numpy array for a network with
        one input layer, or a dict mapping input layers to arrays (at least
        those the batch normalization layers depend on). Batch sizes may
        differ, e.g. a smaller last batch.
    num_batches : int or None
        Use at most this many batches (a positive int); None for all. An
        iterable that ends first simply ends.
    callback : callable or None
        Called as ``callback(batch_index)`` after each batch, with the
        batch's index counting from 0, e.g. to show progress.
    **kwargs
        Passed to :func:`get_output`, and there to every layer. By default
        the network computes in training mode, as the running averages see
        it: ``deterministic=False`` (noise layers such as dropout are
        active) and ``batch_norm_use_averages=False`` (each batch
        normalization layer normalizes with its batch's statistics).
        ``deterministic=True`` switches off noise layers only. Batch
        normalization layers never update their running averages here:
        ``batch_norm_update_averages`` is always False.

    Returns
    -------
    dict
        Maps each :class:`BatchNormLayer` of the network to its new
        ``(mean, inv_std)`` arrays, in the dtypes of its statistics.

    Raises
    ------
    ValueError
        If the network has no :class:`BatchNormLayer`; if such a layer has
        a `mean` or `inv_std` that is not a shared variable, no input layer,
        or an `epsilon` expression of inputs other than shared variables;
        if `data` yields no batch; if a batch does not fit the input layers
        (a single array for a network with several of them, a dict without
        one the statistics depend on or with a layer that is not one of
        them, an array whose shape does not fit its input layer); for a
        `num_batches` that is not a positive int, or for
        ``batch_norm_update_averages=True``.
    TypeError
        If `data` is not iterable or is a dict (a single batch), if
        `callback` is not callable, or if a dict of inputs has a key that is
        not a layer.

    Notes
    -----
    For every batch, one compiled function computes, in the graph, the
    per-channel mean and biased variance of each batch normalization
    layer's input over the layer's `axes`, as ``T.mean`` and ``T.var`` do
    (the variance from deviations from the batch mean, which keeps its
    precision on inputs with a large mean). It returns only these
    statistics, never activations, so memory does not grow with the
    network's depth. Over the batches, with :math:`n_b` the number of
    values a batch contributes to a statistic (its batch size, times the
    positions along the layer's other normalized axes, e.g. the spatial
    positions of a convolutional layer):

    .. math::
        \\mu = \\frac{\\sum_b n_b \\mu_b}{\\sum_b n_b}, \\quad
        \\sigma^2 = \\frac{\\sum_b n_b \\sigma_b^2}{\\sum_b n_b}, \\quad
        \\mathrm{inv\\_std} = \\frac{1}{\\sqrt{\\sigma^2 + \\epsilon}}

    with the layer's own `epsilon`. The mean is the mean of all values; the
    variance is the average variance within a batch, not the variance over
    the whole dataset: training normalizes with each batch's own
    statistics, and this is what inference should reproduce [1]_. The sums
    are accumulated in float64 and the results cast to each statistic's
    dtype.

    The statistics are assigned after the last batch, so a call that fails
    changes none of them. Nothing else changes: no other parameter, no
    setting of the layers, nor the running-average updates that training
    functions make afterwards. Noise layers draw new random numbers for
    each batch, as in training.

    References
    ----------
    .. [1] Wu, Y. and Johnson, J. (2021): Rethinking "Batch" in BatchNorm.
       http://arxiv.org/abs/2105.07576.

    See Also
    --------
    BatchNormLayer : the layer whose statistics are set.

    Examples
    --------
    >>> import numpy as np
    >>> from lasagne.layers import InputLayer, DenseLayer, batch_norm
    >>> from lasagne.layers import recompute_batch_norm_statistics
    >>> from lasagne.utils import floatX
    >>> l_in = InputLayer((None, 4))
    >>> l_out = batch_norm(DenseLayer(l_in, num_units=3))
    >>> rng = np.random.RandomState(0)
    >>> batches = (floatX(rng.randn(10, 4)) for _ in range(5))
    >>> stats = recompute_batch_norm_statistics(l_out, batches)
    >>> l_bn = l_out.input_layer
    >>> mean, inv_std = stats[l_bn]
    >>> mean.shape, inv_std.shape
    ((3,), (3,))
    >>> np.array_equal(l_bn.mean.get_value(), mean)
    True
    """
    caller = 'recompute_batch_norm_statistics()'
    all_layers = get_all_layers(layer)
    bn_layers = [lay for lay in all_layers
                 if isinstance(lay, BatchNormLayer)]
    if not bn_layers:
        raise ValueError("%s: the network has no BatchNormLayer whose "
                         "statistics could be computed" % caller)
    epsilons = [_population_epsilon(bn_layer, caller)
                for bn_layer in bn_layers]
    if isinstance(data, dict):
        raise TypeError("%s: data must be an iterable of batches, got a "
                        "dict (a single batch? pass [batch])" % caller)
    try:
        batches = iter(data)
    except TypeError:
        raise TypeError("%s: data must be an iterable of batches (e.g. a "
                        "list or a generator), got %r" % (caller, data))
    if num_batches is not None:
        _check_positive_int(caller, num_batches, 'num_batches')
        batches = itertools.islice(batches, num_batches)
    if callback is not None:
        _check_callable(caller, callback, 'callback', 'callable or None')
    if kwargs.get('batch_norm_update_averages'):
        raise ValueError("%s: batch_norm_update_averages must be False: the "
                         "running averages are replaced, not updated"
                         % caller)

    options = dict(deterministic=False, batch_norm_use_averages=False)
    options.update(kwargs, batch_norm_update_averages=False)
    incoming = [bn_layer.input_layer for bn_layer in bn_layers]
    # The batch normalization layers' own outputs are asked for as well, so
    # that get_output sees them accept the batch_norm_* keywords; they are
    # not outputs of the compiled function.
    inputs = get_output(incoming + bn_layers, **options)[:len(bn_layers)]
    outputs = []
    for bn_layer, x, epsilon in zip(bn_layers, inputs, epsilons):
        x = _working_input(x)
        count = 1
        for axis in bn_layer.axes:
            count = count * x.shape[axis]
        outputs += [x.mean(bn_layer.axes), x.var(bn_layer.axes), count,
                    epsilon]
    network_inputs = [lay for lay in all_layers
                      if isinstance(lay, InputLayer)]
    needed = [lay for lay in get_all_layers(incoming)
              if isinstance(lay, InputLayer)]
    fn = theano.function([lay.input_var for lay in needed], outputs,
                         on_unused_input='ignore')

    # per layer: the number of values, and the sums of the batch means and
    # variances weighted with it
    totals = [[0, 0., 0.] for _ in bn_layers]
    results = None
    for index, batch in enumerate(batches):
        results = fn(*_batch_arrays(batch, index, network_inputs, needed,
                                    caller))
        for number, total in enumerate(totals):
            mean, var, count, _ = results[4 * number:4 * number + 4]
            total[0] += int(count)
            total[1] += count * np.asarray(mean, np.float64)
            total[2] += count * np.asarray(var, np.float64)
        if callback is not None:
            callback(index)
    if results is None:
        raise ValueError("%s: data yielded no batch" % caller)

    statistics = {}
    for bn_layer, (count, mean_sum, var_sum), epsilon in zip(
            bn_layers, totals, results[3::4]):
        inv_std = 1 / np.sqrt(var_sum / count + epsilon)
        statistics[bn_layer] = ((mean_sum / count).astype(bn_layer.mean.dtype),
                                inv_std.astype(bn_layer.inv_std.dtype))
    for bn_layer, (mean, inv_std) in statistics.items():
        bn_layer.mean.set_value(mean)
        bn_layer.inv_std.set_value(inv_std)
    return statistics


def _population_epsilon(layer, caller):
    """A float64 expression of the epsilon of `layer`, a batch normalization
    layer whose statistics are to be computed, after checking that they are
    shared variables, that the layer has an input layer and that the
    expression can be evaluated (depends on no input but shared variables
    and constants); a ValueError naming `caller` and the layer otherwise."""
    for stat in ('mean', 'inv_std'):
        if not isinstance(getattr(layer, stat),
                          theano.compile.SharedVariable):
            raise ValueError("%s: the %s of %s is a Theano expression, not a "
                             "shared variable, so it cannot be set"
                             % (caller, stat, _describe(layer)))
    if layer.input_layer is None:
        raise ValueError("%s: %s was built from a shape, not on a layer, so "
                         "no data reaches it" % (caller, _describe(layer)))
    epsilon = layer.epsilon
    if not isinstance(epsilon, theano.gof.Variable):
        return T.constant(np.float64(epsilon))
    free = [v for v in theano.gof.graph.inputs([epsilon])
            if not isinstance(v, (theano.compile.SharedVariable,
                                  theano.gof.Constant))]
    if free:
        raise ValueError("%s: the epsilon of %s depends on the input(s) %s, "
                         "which have no value here; use a number or a "
                         "shared variable" % (caller, _describe(layer),
                                              ", ".join(map(str, free))))
    return T.cast(epsilon, 'float64')


def _batch_arrays(batch, index, network_inputs, needed, caller):
    """The arrays batch number `index` gives the input layers in `needed`,
    in their order, after checking that it fits them: one array for a
    network with one input layer, else a dict from input layers of the
    network (every needed one included) to arrays, each of as many
    dimensions as its input layer's shape, of the same sizes where that
    gives one, and positive sizes."""
    if isinstance(batch, dict):
        _check_layer_keys(batch, caller)
        for key in batch:
            if key not in network_inputs:
                raise ValueError("%s: batch %d maps %r, which is not an "
                                 "input layer of the network"
                                 % (caller, index, key))
        missing = [lay for lay in needed if lay not in batch]
        if missing:
            raise ValueError("%s: batch %d has no array for %s"
                             % (caller, index, ", ".join(
                                 _describe(lay) for lay in missing)))
        arrays = [batch[lay] for lay in needed]
    elif len(network_inputs) > 1:
        raise ValueError("%s: batch %d is a single array, for a network with "
                         "%d input layers; yield dicts mapping each input "
                         "layer to its array"
                         % (caller, index, len(network_inputs)))
    else:
        arrays = [batch]
    for lay, array in zip(needed, arrays):
        shape = np.shape(array)
        if len(shape) != len(lay.shape) or any(
                size < 1 or (want is not None and size != want)
                for size, want in zip(shape, lay.shape)):
            raise ValueError("%s: batch %d gives %s an array of shape %r, "
                             "which does not fit its shape %r (None: any "
                             "positive size)"
                             % (caller, index, _describe(lay), shape,
                                lay.shape))
    return arrays


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
    axes : 'auto', 'spatial', 'features', int, tuple of int or None
        The axes to normalize over. ``'spatial'``: all but the first two
        (the spatial axes of convolutional layers). ``'features'``: all but
        the first. ``'auto'`` (the default): the second axis of a 2-D input
        (the units of a dense layer), otherwise ``'spatial'``. None: all
        axes. Negative axes count from the end.
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
        if axes is None:
            axes = tuple(range(ndim))
        self.axes = _check_axes(self, axes, ndim, 'axes', {
            'auto': (1,) if ndim == 2 else spatial,
            'spatial': spatial,
            'features': tuple(range(1, ndim))}, distinct=True, empty=False)
        _check_real(self, epsilon, 'epsilon', 0, finite=True, scalar=True)
        self.epsilon = epsilon

    def get_output_for(self, input, **kwargs):
        input = T.as_tensor_variable(input)
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
