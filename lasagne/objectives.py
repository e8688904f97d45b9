"""
Loss functions and accuracy measures for training and evaluating networks.

The loss functions compute one loss per data point (or per output element),
as a Theano expression; :func:`aggregate` turns that into the scalar that
:mod:`lasagne.updates` minimizes, optionally weighting the elements.

Targets are given as follows:

* elementwise losses (:func:`binary_crossentropy`, :func:`squared_error`,
  :func:`binary_hinge_loss`, :func:`huber_loss`, :func:`binary_accuracy`)
  take targets with the dimensions of the predictions. Predictions of one
  column (shape ``(N, 1)``, e.g. the output of a ``DenseLayer`` with one
  unit) may be paired with a vector of ``N`` targets;
* categorical losses (:func:`categorical_crossentropy`,
  :func:`multiclass_hinge_loss`, :func:`categorical_accuracy`) take either
  integer class indices (one dimension less than the predictions) or one-hot
  (or soft) targets of the shape of the predictions.

Other combinations of dimensions raise a :class:`TypeError` when the
expression is built, instead of broadcasting silently.
:func:`categorical_crossentropy` with class indices and
:func:`multiclass_hinge_loss` also need a matrix of predictions, one row
per data point.

Shapes are symbolic, so only the numbers of dimensions can be checked when
the expression is built. The sizes are checked by Theano when the compiled
function runs: predictions and targets whose sizes differ (e.g. shapes
``(4, 3)`` and ``(4, 2)``, or 4 rows and 3 class indices) raise Theano's
error then. Unlike NumPy, Theano does not stretch an axis of size 1 that
the type of a variable does not declare broadcastable, so a wrong shape
cannot broadcast silently. Two cases are left to Theano's semantics: a
negative class index counts from the end, as in NumPy indexing (-1 is the
last class), and :func:`categorical_crossentropy` of class indices and
predictions that are not the output of a softmax reads one index per row
of the predictions, ignoring any further indices (Theano's
``crossentropy_categorical_1hot``).

Examples
--------
>>> import numpy as np
>>> import theano
>>> import theano.tensor as T
>>> from lasagne.layers import InputLayer, DenseLayer, get_output
>>> from lasagne.nonlinearities import softmax
>>> from lasagne.objectives import categorical_crossentropy, aggregate
>>> l_in = InputLayer((None, 4))
>>> l_out = DenseLayer(l_in, num_units=3, nonlinearity=softmax)
>>> targets = T.ivector('targets')
>>> loss = categorical_crossentropy(get_output(l_out), targets)
>>> loss = aggregate(loss, mode='mean')
>>> loss.ndim
0
"""

import warnings

import numpy as np
import theano.tensor as T

__all__ = [
    "binary_crossentropy",
    "categorical_crossentropy",
    "squared_error",
    "binary_hinge_loss",
    "multiclass_hinge_loss",
    "huber_loss",
    "aggregate",
    "binary_accuracy",
    "categorical_accuracy",
]


def _align_elementwise(predictions, targets, caller):
    """Predictions and targets as Theano tensors of the same number of
    dimensions, for a loss computed element by element."""
    predictions = T.as_tensor_variable(predictions)
    targets = T.as_tensor_variable(targets)
    # A single output unit gives predictions of shape (N, 1); pairing them
    # with the usual vector of N targets must not broadcast to (N, N).
    if predictions.broadcastable == (False, True) and targets.ndim == 1:
        targets = targets.dimshuffle(0, 'x')
    if predictions.ndim != targets.ndim and 0 not in (predictions.ndim,
                                                      targets.ndim):
        raise TypeError("%s: predictions have %d dimensions and targets %d; "
                        "expected the same number of dimensions"
                        % (caller, predictions.ndim, targets.ndim))
    return predictions, targets


def _align_categorical(predictions, targets, caller, integer=True):
    """Predictions and targets as Theano tensors, checking that the targets
    are class indices (one dimension less; of an integer dtype if `integer`)
    or distributions (the same dimensions) over the last axis of the
    predictions."""
    predictions = T.as_tensor_variable(predictions)
    targets = T.as_tensor_variable(targets)
    if targets.ndim == predictions.ndim - 1:
        if integer and targets.dtype not in T.integer_dtypes:
            raise TypeError("%s: targets with one dimension less than the "
                            "predictions must be integer class indices, got "
                            "dtype %s" % (caller, targets.dtype))
    elif targets.ndim != predictions.ndim:
        raise TypeError("%s: predictions have %d dimensions and targets %d; "
                        "expected class indices (%d dimensions) or one-hot "
                        "targets (%d dimensions)"
                        % (caller, predictions.ndim, targets.ndim,
                           predictions.ndim - 1, predictions.ndim))
    return predictions, targets


def _require_matrix(predictions, targets, caller):
    """Refuse predictions that are not a matrix, for the losses that take
    one row of class scores per data point."""
    if predictions.ndim != 2:
        raise TypeError("%s: expected a matrix of predictions (one row per "
                        "data point) with a vector of integer class indices "
                        "or a matrix of one-hot targets, got predictions with "
                        "%d dimensions and targets with %d"
                        % (caller, predictions.ndim, targets.ndim))


def _xlogy(x, y):
    """``x * log(y)``, taken as 0 where ``x == 0`` (also for ``y == 0``).

    The logarithm stays in the graph as it is, so that Theano's stability
    rewrites of ``log(sigmoid(a))`` and ``log(1 - sigmoid(a))`` still apply,
    to the value and the gradient.
    """
    return T.switch(T.eq(x, 0), 0, x * T.log(y))


def binary_crossentropy(predictions, targets):
    r"""The cross-entropy between predicted probabilities and targets, for
    binary classification.

    .. math:: L = -t \log(p) - (1 - t) \log(1 - p)

    Parameters
    ----------
    predictions : Theano tensor
        Predicted probabilities in ``[0, 1]``, typically the output of a
        sigmoid.
    targets : Theano tensor
        Targets in ``[0, 1]``: 0 and 1 for hard labels, or probabilities.
        Same dimensions as `predictions` (or a vector for predictions of
        shape ``(N, 1)``).

    Returns
    -------
    Theano tensor
        The elementwise loss.

    Raises
    ------
    TypeError
        If the dimensions of `predictions` and `targets` do not match.

    Notes
    -----
    A term whose factor :math:`t` or :math:`1 - t` is zero counts as zero,
    so a prediction of exactly 0 or 1 gives a finite loss where it agrees
    with the target (and an infinite one where it contradicts it). Where
    `predictions` is the sigmoid of some expression, Theano rewrites the
    logarithms into stable softplus terms when the function is compiled.

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.objectives import binary_crossentropy
    >>> p, t = T.vector('p'), T.vector('t')
    >>> loss = binary_crossentropy(p, t)
    >>> loss.eval({p: np.array([0.5, 0.9]), t: np.array([1.0, 0.0])})
    array([0.69314718, 2.30258509])
    """
    predictions, targets = _align_elementwise(predictions, targets,
                                              'binary_crossentropy')
    return -(_xlogy(targets, predictions) +
             _xlogy(1 - targets, 1 - predictions))


def categorical_crossentropy(predictions, targets):
    r"""The cross-entropy between predicted class distributions and targets,
    for classification into more than two classes.

    .. math:: L_i = -\sum_j t_{i,j} \log(p_{i,j})

    Parameters
    ----------
    predictions : Theano matrix
        Predicted class probabilities, one row per data point (each row
        sums to one), typically the output of a softmax.
    targets : Theano integer vector or matrix
        Either the index of the correct class for each data point, or a
        matrix of the shape of `predictions` with one-hot (or soft) target
        distributions.

    Returns
    -------
    Theano vector
        The loss of each data point.

    Raises
    ------
    TypeError
        If `targets` is neither an integer vector with a matrix of
        `predictions` nor a tensor with as many dimensions as
        `predictions`.

    Notes
    -----
    With class indices, the loss is :math:`-\log(p_{i,t_i})`, computed by
    Theano's ``crossentropy_categorical_1hot``; with distributions, terms
    whose target is zero count as zero, so predicted probabilities of 0
    for those classes give a finite loss. Where `predictions` is the output
    of a softmax, Theano computes the logarithm as a stable log-softmax
    when the function is compiled. Target distributions may also come
    with predictions of more dimensions (e.g. one distribution per time
    step), as in Lasagne 0.2; the sum is then taken over the last axis.

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.objectives import categorical_crossentropy
    >>> p, t = T.matrix('p'), T.ivector('t')
    >>> loss = categorical_crossentropy(p, t)
    >>> loss.eval({p: np.array([[0.5, 0.5, 0.0], [0.1, 0.0, 0.9]]),
    ...            t: np.array([0, 2], dtype='int32')})
    array([0.69314718, 0.10536052])
    """
    predictions, targets = _align_categorical(predictions, targets,
                                              'categorical_crossentropy')
    if targets.ndim == predictions.ndim - 1:
        _require_matrix(predictions, targets, 'categorical_crossentropy')
        return T.nnet.crossentropy_categorical_1hot(predictions, targets)
    if isinstance(getattr(predictions.owner, 'op', None), T.nnet.Softmax):
        # Theano turns log(softmax(a)) into a stable log-softmax, for the
        # value and the gradient, but finds the gradient's pattern only in
        # the plain product: the switch of _xlogy would hide it.
        return -T.sum(targets * T.log(predictions), axis=-1)
    return -T.sum(_xlogy(targets, predictions), axis=-1)


def squared_error(a, b):
    r"""The elementwise squared difference of two tensors.

    .. math:: L = (a - b)^2

    Parameters
    ----------
    a, b : Theano tensor
        The predictions and the targets (in either order). Same dimensions,
        or a vector for `b` where `a` has shape ``(N, 1)``.

    Returns
    -------
    Theano tensor
        The elementwise squared difference.

    Raises
    ------
    TypeError
        If the dimensions of `a` and `b` do not match.
    """
    a, b = _align_elementwise(a, b, 'squared_error')
    return T.sqr(a - b)


def binary_hinge_loss(predictions, targets, delta=1, log_odds=None,
                      binary=True):
    r"""The hinge loss for binary classification.

    .. math:: L = \max(0, \delta - t p)

    with targets :math:`t \in \{-1, 1\}` and predictions :math:`p` given as
    log-odds (scores whose sign is the predicted class).

    Parameters
    ----------
    predictions : Theano tensor
        The predictions: log-odds if `log_odds` is True, probabilities in
        ``[0, 1]`` if it is False (they are turned into log-odds first).
    targets : Theano tensor
        The targets: 0 or 1 if `binary` is True, -1 or 1 otherwise. Same
        dimensions as `predictions` (or a vector for predictions of shape
        ``(N, 1)``).
    delta : scalar
        The margin :math:`\delta`.
    log_odds : bool
        Whether `predictions` are log-odds (True) or probabilities (False).
        Lasagne 0.2 raises a :class:`FutureWarning` as an exception if it
        is not given, since its default was to change to False; this fork
        warns with a :class:`FutureWarning` instead and proceeds as with
        True.
    binary : bool
        Whether `targets` are 0 and 1 (True) or -1 and 1 (False).

    Returns
    -------
    Theano tensor
        The elementwise loss.

    Raises
    ------
    TypeError
        If the dimensions of `predictions` and `targets` do not match.

    Notes
    -----
    Probabilities of exactly 0 and 1 have infinite log-odds: the loss is 0
    where such a prediction is right (by any margin) and infinite where it
    is wrong. The gradient with respect to these predictions is 0 (where
    the loss is infinite, there is no finite gradient to give).
    """
    if log_odds is None:
        warnings.warn("The default of binary_hinge_loss(log_odds=...) may "
                      "change to False in a future version; pass "
                      "log_odds=True to keep treating predictions as "
                      "log-odds", FutureWarning, stacklevel=2)
        log_odds = True
    predictions, targets = _align_elementwise(predictions, targets,
                                              'binary_hinge_loss')
    if not log_odds:
        predictions = _log_odds(predictions)
    if binary:
        targets = 2 * targets - 1
    # Not T.nnet.relu: it computes (x + |x|) / 2, which is nan at -inf.
    return T.maximum(0, delta - predictions * targets)


def _log_odds(p):
    """``log(p / (1 - p))``, exactly -inf and inf at 0 and 1, with a zero
    gradient there.

    The log-odds are computed of 1/2 in place of 0 and 1, so that the
    infinite derivative of the logarithm there never meets the zero
    gradient of a hinge that is inactive (0 times inf would be nan).
    """
    p_eq_0, p_eq_1 = T.eq(p, 0), T.eq(p, 1)
    # In the dtype of p: a Python float would be a float64 constant under
    # floatX=float64 and upcast float32 predictions.
    half = np.asarray(0.5, p.dtype if p.dtype in T.float_dtypes
                      else 'float64')
    safe = T.switch(p_eq_0 | p_eq_1, half, p)
    z = T.log(safe / (1 - safe))
    inf = T.constant(np.inf, dtype=z.dtype)
    return T.switch(p_eq_0, -inf, T.switch(p_eq_1, inf, z))


def multiclass_hinge_loss(predictions, targets, delta=1):
    r"""The hinge loss for classification into several classes (Crammer
    and Singer's multi-class SVM loss).

    .. math:: L_i = \max\left(0, \max_{j \neq y_i} p_{i,j} - p_{i,y_i}
              + \delta\right)

    where :math:`y_i` is the correct class of data point :math:`i`.

    Parameters
    ----------
    predictions : Theano matrix
        The score of each class, one row per data point.
    targets : Theano integer vector or matrix
        The index of the correct class of each data point, or a one-hot
        matrix of the shape of `predictions`.
    delta : scalar
        The margin :math:`\delta` by which the correct class should beat
        the others.

    Returns
    -------
    Theano vector
        The loss of each data point.

    Raises
    ------
    TypeError
        If `predictions` is not a matrix, or `targets` is neither an integer
        vector nor a matrix.

    Notes
    -----
    The loss is defined for one correct class per data point. A matrix of
    targets marks it by its largest entry (the first one of a tie), so
    soft targets count as their most probable class; Lasagne 0.2 documents
    only one-hot matrices (and returned ``nan`` for others). With a single
    class, nothing competes with the correct class and the loss is 0.
    """
    predictions, targets = _align_categorical(predictions, targets,
                                              'multiclass_hinge_loss')
    _require_matrix(predictions, targets, 'multiclass_hinge_loss')
    if targets.ndim == 1:
        correct_mask = T.extra_ops.to_one_hot(targets, predictions.shape[1])
    else:
        # Built elementwise in the shape of the targets, so that Theano
        # still checks it against the shape of the predictions.
        classes = T.arange(targets.shape[1]).dimshuffle('x', 0)
        correct_mask = T.eq(classes, T.argmax(targets, axis=1,
                                              keepdims=True))
    correct = T.sum(T.switch(correct_mask, predictions, 0), axis=1)
    excluded = T.constant(-np.inf, dtype=predictions.dtype)
    others = T.max(T.switch(correct_mask, excluded, predictions), axis=1)
    # Not T.nnet.relu: with a single class, others is -inf, and relu
    # computes (x + |x|) / 2.
    return T.maximum(0, others - correct + delta)


def huber_loss(predictions, targets, delta=1):
    r"""The Huber loss: squared for small errors, linear for large ones.

    .. math:: L = \begin{cases}
              \frac{1}{2} (p - t)^2 & \text{if } |p - t| \le \delta \\
              \delta \left(|p - t| - \frac{\delta}{2}\right)
              & \text{otherwise}
              \end{cases}

    Parameters
    ----------
    predictions : Theano tensor
        The predictions.
    targets : Theano tensor
        The targets, of the same dimensions (or a vector for predictions of
        shape ``(N, 1)``).
    delta : scalar
        Where the loss turns from quadratic to linear.

    Returns
    -------
    Theano tensor
        The elementwise loss.

    Raises
    ------
    TypeError
        If the dimensions of `predictions` and `targets` do not match.

    References
    ----------
    .. [1] Huber, P. J. (1964): Robust Estimation of a Location Parameter.
       The Annals of Mathematical Statistics 35(1), 73-101.
    """
    predictions, targets = _align_elementwise(predictions, targets,
                                              'huber_loss')
    error = abs(predictions - targets)
    return T.switch(error <= delta, 0.5 * T.sqr(error),
                    delta * (error - delta / 2.))


def aggregate(loss, weights=None, mode='mean'):
    r"""Reduce an elementwise or per-data-point loss to a scalar.

    Parameters
    ----------
    loss : Theano tensor
        The loss to reduce.
    weights : Theano tensor, optional
        Weights multiplied with `loss` first (broadcasting as usual), e.g. a
        mask of zeros and ones.
    mode : {'mean', 'sum', 'normalized_sum'}
        ``'mean'``: the mean of the (weighted) loss; ``'sum'``: its sum;
        ``'normalized_sum'``: its sum divided by the sum of `weights` (which
        are then required), i.e. the mean over the elements that a mask
        keeps.

    Returns
    -------
    Theano scalar

    Raises
    ------
    ValueError
        For another `mode`, or ``'normalized_sum'`` without `weights`.

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.objectives import aggregate
    >>> loss, mask = T.vector('loss'), T.vector('mask')
    >>> value = aggregate(loss, mask, mode='normalized_sum')
    >>> value.eval({loss: np.array([1., 2., 9.]),
    ...             mask: np.array([1., 1., 0.])})
    array(1.5)
    """
    if mode not in ('mean', 'sum', 'normalized_sum'):
        raise ValueError("aggregate: mode must be 'mean', 'sum' or "
                         "'normalized_sum', got %r" % (mode,))
    if mode == 'normalized_sum' and weights is None:
        raise ValueError("aggregate: mode='normalized_sum' requires weights")
    if weights is not None:
        loss = loss * weights
    if mode == 'mean':
        return T.mean(loss)
    if mode == 'sum':
        return T.sum(loss)
    return T.sum(loss) / T.sum(weights)


def binary_accuracy(predictions, targets, threshold=0.5):
    r"""Whether binary predictions are right, element by element.

    A prediction counts as class 1 if it is at least `threshold`.

    Parameters
    ----------
    predictions : Theano tensor
        Predicted probabilities (or scores, with a suitable `threshold`).
    targets : Theano tensor
        The targets, 0 or 1, of the same dimensions (or a vector for
        predictions of shape ``(N, 1)``).
    threshold : scalar
        The decision threshold.

    Returns
    -------
    Theano tensor
        Whether each prediction is right (a boolean tensor in Theano 1.0,
        an integer one in earlier versions; its mean is the accuracy).

    Raises
    ------
    TypeError
        If the dimensions of `predictions` and `targets` do not match.
    """
    predictions, targets = _align_elementwise(predictions, targets,
                                              'binary_accuracy')
    return T.eq(T.ge(predictions, threshold), targets)


def categorical_accuracy(predictions, targets, top_k=1):
    r"""Whether categorical predictions are right, data point by data
    point.

    Parameters
    ----------
    predictions : Theano tensor
        The score or probability of each class, along the last axis.
    targets : Theano tensor
        The index of the correct class (one dimension less than
        `predictions`), or one-hot targets of the shape of `predictions`
        (their largest entry marks the class).
    top_k : int
        A prediction is right if the correct class is among the `top_k`
        classes of highest score.

    Returns
    -------
    Theano tensor
        Whether each prediction is right (a boolean tensor in Theano 1.0,
        an integer one in earlier versions; its mean is the accuracy).

    Raises
    ------
    TypeError
        If the dimensions of `predictions` and `targets` do not match.

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.objectives import categorical_accuracy
    >>> p, t = T.matrix('p'), T.ivector('t')
    >>> scores = np.array([[0.1, 0.3, 0.6], [0.1, 0.3, 0.6]])
    >>> labels = np.array([2, 1], dtype='int32')
    >>> categorical_accuracy(p, t).eval({p: scores, t: labels})
    array([ True, False])
    >>> categorical_accuracy(p, t, top_k=2).eval({p: scores, t: labels})
    array([ True,  True])
    """
    predictions, targets = _align_categorical(predictions, targets,
                                              'categorical_accuracy',
                                              integer=False)
    if targets.ndim == predictions.ndim:
        targets = T.argmax(targets, axis=-1)
    if top_k == 1:
        return T.eq(T.argmax(predictions, axis=-1), targets)
    best = T.argsort(predictions, axis=-1)[..., -top_k:]
    return T.any(T.eq(best, targets.dimshuffle(tuple(range(targets.ndim)) +
                                               ('x',))), axis=-1)
