"""
Update rules: functions that turn a loss (or its gradients) into the
expressions that a training step assigns to the parameters.

Each update rule takes the loss expression, or a list with the gradient of
the loss with respect to each parameter, the list of parameters (Theano
shared variables), and its hyperparameters. The learning rate and the other
hyperparameters may be numbers or Theano scalars, such as a shared variable
that a schedule changes between steps. It returns an :class:`OrderedDict`
that maps each parameter, and each state variable the rule keeps (velocity,
accumulators, time step), to its new value: pass it as ``updates`` to
``theano.function``. Every new value has the dtype of its variable, so
``float32`` parameters can be trained under any ``floatX``.

:func:`apply_momentum` and :func:`apply_nesterov_momentum` add momentum to
the updates of another rule; :func:`norm_constraint` and
:func:`total_norm_constraint` rescale updates or gradients.

Examples
--------
A training step of a small network, with Nesterov momentum:

>>> import numpy as np
>>> import theano
>>> import theano.tensor as T
>>> from lasagne.layers import InputLayer, DenseLayer, get_output
>>> from lasagne.layers import get_all_params
>>> from lasagne.objectives import squared_error
>>> from lasagne.updates import nesterov_momentum
>>> l_in = InputLayer((None, 3))
>>> l_out = DenseLayer(l_in, num_units=1, nonlinearity=None)
>>> x, y = T.matrix('x'), T.matrix('y')
>>> prediction = get_output(l_out, x)
>>> loss = squared_error(prediction, y).mean()
>>> params = get_all_params(l_out, trainable=True)
>>> updates = nesterov_momentum(loss, params, learning_rate=0.1,
...                             momentum=0.9)
>>> train = theano.function([x, y], loss, updates=updates)
>>> inputs = np.array([[1., 0., 0.], [0., 1., 2.]])
>>> targets = np.array([[1.], [-1.]])
>>> first = train(inputs, targets)
>>> second = train(inputs, targets)
>>> bool(second < first)
True

The learning rate can be a shared variable, to be changed during training:

>>> from lasagne.updates import sgd
>>> learning_rate = theano.shared(np.array(0.1))
>>> updates = sgd(loss, params, learning_rate)
>>> learning_rate.set_value(0.05)  # for the steps from now on
"""

from collections import OrderedDict

import numpy as np
import theano
import theano.tensor as T

from . import utils
from ._checks import _check_axes

__all__ = [
    "sgd",
    "apply_momentum",
    "momentum",
    "apply_nesterov_momentum",
    "nesterov_momentum",
    "adagrad",
    "rmsprop",
    "adadelta",
    "adam",
    "adamax",
    "amsgrad",
    "norm_constraint",
    "total_norm_constraint",
]


def get_or_compute_grads(loss_or_grads, params):
    """The gradients of a loss with respect to parameters, or the gradients
    given, after checking them: the helper of all update rules, for use in
    new ones.

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        A loss expression, or the gradients themselves (any iterable, such
        as a list or a generator, in the order of `params`).
    params : list of Theano shared variables
        The parameters (any iterable of them, but not a single one).

    Returns
    -------
    list of Theano tensors
        The gradient of each parameter: a list of gradients given is
        returned itself, after the checks.

    Raises
    ------
    TypeError
        If `params` is a single variable instead of a list, or
        `loss_or_grads` is neither a Theano scalar nor an iterable of
        gradients.
    ValueError
        If a parameter is not a shared variable (see
        :func:`lasagne.utils.collect_shared_vars` for parameters that are
        expressions), the number of gradients given is not the number of
        parameters, or a gradient has another number of dimensions than its
        parameter.
    """
    grads = _grads(loss_or_grads,
                   _param_list(params, 'get_or_compute_grads'),
                   'get_or_compute_grads')
    # As in Lasagne 0.2, a list of gradients comes back as it is, so that
    # callers may rely on the identity.
    return loss_or_grads if isinstance(loss_or_grads, list) else grads


def _param_list(params, caller, argument='params'):
    """The parameters as a list: the update rules take any iterable of
    them, but a single variable is a mistake that iterating would only
    report as Theano's 'length not known'."""
    if isinstance(params, theano.gof.Variable):
        raise TypeError("%s: %s must be a list of Theano shared variables, "
                        "got a single variable (%r); put it in a list"
                        % (caller, argument, params))
    try:
        return list(params)
    except TypeError:
        raise TypeError("%s: %s must be a list of Theano shared variables, "
                        "got %r (of type %s)"
                        % (caller, argument, params, type(params).__name__))


def _grads(loss_or_grads, params, caller):
    """The body of get_or_compute_grads, for a list of parameters, with
    errors naming the update rule called."""
    for param in params:
        if not isinstance(param, theano.compile.SharedVariable):
            raise ValueError(
                "%s: params must be Theano shared variables, got %r (of type "
                "%s); for parameters that are expressions, "
                "lasagne.utils.collect_shared_vars() finds the shared "
                "variables they depend on"
                % (caller, param, type(param).__name__))
    if isinstance(loss_or_grads, theano.gof.Variable):
        if loss_or_grads.ndim != 0:
            raise TypeError("%s: loss_or_grads must be a scalar loss or a "
                            "list of gradients, got a %d-dimensional "
                            "expression" % (caller, loss_or_grads.ndim))
        return theano.grad(loss_or_grads, params)
    try:
        grads = list(loss_or_grads)
    except TypeError:
        raise TypeError("%s: loss_or_grads must be a Theano scalar or a list "
                        "of gradients, got %r (of type %s)"
                        % (caller, loss_or_grads,
                           type(loss_or_grads).__name__))
    if len(grads) != len(params):
        raise ValueError("%s: got %d gradient expressions for %d parameters"
                         % (caller, len(grads), len(params)))
    grads = [T.as_tensor_variable(grad) for grad in grads]
    for param, grad in zip(params, grads):
        if grad.ndim != param.ndim:
            raise ValueError("%s: the gradient for parameter %s has %d "
                             "dimensions, expected %d like the parameter"
                             % (caller, param, grad.ndim, param.ndim))
    return grads


def _prepare(loss_or_grads, params, caller):
    """The parameters as a list (the update rules take any iterable), and
    their gradients, each cast to the dtype of its parameter."""
    params = _param_list(params, caller)
    grads = _grads(loss_or_grads, params, caller)
    return params, [T.cast(g, p.dtype) for p, g in zip(params, grads)]


def _updated_params(updates, params, caller):
    """The parameters `apply_momentum` and `apply_nesterov_momentum` act
    on: all keys of `updates`, or the given ones, which must have an
    update."""
    if params is None:
        return list(updates.keys())
    params = _param_list(params, caller)
    for param in params:
        if param not in updates:
            raise ValueError("%s: params contains %r, which has no entry in "
                             "updates" % (caller, param))
    return params


def _cast(dtype, *values):
    """Hyperparameters (numbers or Theano scalars) in a parameter's dtype.

    A Python float would otherwise become a ``float64`` constant under
    ``floatX=float64`` and upcast the updates of ``float32`` parameters,
    which ``theano.function`` refuses; and a ``float32`` one under
    ``floatX=float32``, rounding the hyperparameters of ``float64`` ones.
    """
    return [T.cast(value, dtype) if isinstance(value, theano.gof.Variable)
            else T.constant(np.asarray(value, dtype=dtype))
            for value in values]


def _zeros_like(param):
    """A new shared variable of zeros, of the type of `param`, to keep the
    state of an update rule."""
    value = param.get_value(borrow=True)
    return theano.shared(np.zeros(value.shape, dtype=value.dtype),
                         broadcastable=param.broadcastable)


def _time_step():
    """A new step counter and its update: the shared variable, and the
    number of the current step (1 at the first call of the compiled
    function). The caller adds the update after those of the parameters,
    where Lasagne 0.2 puts it."""
    t_prev = theano.shared(utils.floatX(0.))
    return t_prev, t_prev + 1


def sgd(loss_or_grads, params, learning_rate):
    r"""Stochastic gradient descent.

    .. math:: \theta \leftarrow \theta - \eta g

    with the learning rate :math:`\eta` and the gradient :math:`g`.

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.

    Returns
    -------
    OrderedDict
        The new value of each parameter.

    Raises
    ------
    TypeError
        If `params` is a single variable instead of a list.
    ValueError
        If a parameter is not a shared variable, or the gradients given do
        not match the parameters in number or dimensions.

    See Also
    --------
    get_or_compute_grads : The checks of the arguments, shared by all
        update rules.

    References
    ----------
    .. [1] Robbins, H. and Monro, S. (1951): A stochastic approximation
       method. The Annals of Mathematical Statistics 22(3), 400-407.
    """
    params, grads = _prepare(loss_or_grads, params, 'sgd')
    return _sgd(params, grads, learning_rate)


def _sgd(params, grads, learning_rate):
    """The updates of :func:`sgd`, for prepared parameters and gradients."""
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        lr, = _cast(param.dtype, learning_rate)
        updates[param] = param - lr * grad
    return updates


def apply_momentum(updates, params=None, momentum=0.9):
    r"""Add classical momentum to the updates of another rule.

    Each parameter gets a velocity :math:`v`, initially zero. Where the
    given updates would set :math:`\theta` to :math:`\theta'` (for SGD,
    :math:`\theta' = \theta - \eta g`),

    .. math::
        v &\leftarrow \mu v + (\theta' - \theta) \\
        \theta &\leftarrow \theta + v

    with the momentum :math:`\mu`.

    Parameters
    ----------
    updates : OrderedDict
        The updates of another rule, e.g. of :func:`sgd`. It is not
        changed.
    params : list of Theano shared variables, optional
        The variables to add momentum to; by default all keys of
        `updates`.
    momentum : float or Theano scalar
        The momentum :math:`\mu`: how much of the velocity is kept at each
        step.

    Returns
    -------
    OrderedDict
        A copy of `updates` with the new parameter values and the updates
        of the velocities.

    See Also
    --------
    momentum : SGD with momentum.

    References
    ----------
    .. [1] Polyak, B. T. (1964): Some methods of speeding up the
       convergence of iteration methods. USSR Computational Mathematics and
       Mathematical Physics 4(5), 1-17.
    .. [2] Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013): On
       the importance of initialization and momentum in deep learning.
       ICML 2013.
    """
    updates = OrderedDict(updates)
    params = _updated_params(updates, params, 'apply_momentum')
    for param in params:
        mu, = _cast(param.dtype, momentum)
        velocity = _zeros_like(param)
        new_param = mu * velocity + T.cast(updates[param], param.dtype)
        updates[velocity] = new_param - param
        updates[param] = new_param
    return updates


def momentum(loss_or_grads, params, learning_rate, momentum=0.9):
    r"""Stochastic gradient descent with classical momentum.

    .. math::
        v &\leftarrow \mu v - \eta g \\
        \theta &\leftarrow \theta + v

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    momentum : float or Theano scalar
        The momentum :math:`\mu`.

    Returns
    -------
    OrderedDict
        The new value of each parameter and of its velocity.

    See Also
    --------
    apply_momentum : The same for the updates of any rule.

    References
    ----------
    .. [1] Polyak, B. T. (1964): Some methods of speeding up the
       convergence of iteration methods. USSR Computational Mathematics and
       Mathematical Physics 4(5), 1-17.
    .. [2] Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013): On
       the importance of initialization and momentum in deep learning.
       ICML 2013.
    """
    params, grads = _prepare(loss_or_grads, params, 'momentum')
    return apply_momentum(_sgd(params, grads, learning_rate),
                          momentum=momentum)


def apply_nesterov_momentum(updates, params=None, momentum=0.9):
    r"""Add Nesterov momentum to the updates of another rule.

    Nesterov's accelerated gradient evaluates the gradient at the point the
    velocity leads to. Written, as here, in terms of that point, the
    gradient is the one at the current parameters, and the updates are

    .. math::
        v &\leftarrow \mu v + (\theta' - \theta) \\
        \theta &\leftarrow \theta + \mu v + (\theta' - \theta)

    where the given updates would set :math:`\theta` to :math:`\theta'`
    (for SGD, :math:`\theta' - \theta = -\eta g`), :math:`v` is the
    velocity (initially zero) and :math:`\mu` the momentum.

    Parameters
    ----------
    updates : OrderedDict
        The updates of another rule, e.g. of :func:`sgd`. It is not
        changed.
    params : list of Theano shared variables, optional
        The variables to add momentum to; by default all keys of
        `updates`.
    momentum : float or Theano scalar
        The momentum :math:`\mu`.

    Returns
    -------
    OrderedDict
        A copy of `updates` with the new parameter values and the updates
        of the velocities.

    See Also
    --------
    nesterov_momentum : SGD with Nesterov momentum.

    References
    ----------
    .. [1] Nesterov, Y. (1983): A method of solving a convex programming
       problem with convergence rate O(1/k^2). Soviet Mathematics Doklady
       27, 372-376.
    .. [2] Bengio, Y., Boulanger-Lewandowski, N. and Pascanu, R. (2013):
       Advances in optimizing recurrent networks. ICASSP 2013.
    """
    updates = OrderedDict(updates)
    params = _updated_params(updates, params, 'apply_nesterov_momentum')
    for param in params:
        mu, = _cast(param.dtype, momentum)
        velocity = _zeros_like(param)
        step = T.cast(updates[param], param.dtype) - param
        new_velocity = mu * velocity + step
        updates[velocity] = new_velocity
        updates[param] = param + mu * new_velocity + step
    return updates


def nesterov_momentum(loss_or_grads, params, learning_rate, momentum=0.9):
    r"""Stochastic gradient descent with Nesterov momentum.

    .. math::
        v &\leftarrow \mu v - \eta g \\
        \theta &\leftarrow \theta + \mu v - \eta g

    where :math:`v` on the right of the second line is the new velocity.
    This is Nesterov's accelerated gradient as Sutskever et al. [2]_ write
    it for deep learning (:math:`v \leftarrow \mu v - \eta
    \nabla L(\theta + \mu v)`, :math:`\theta \leftarrow \theta + v`),
    with the parameters shifted by :math:`\mu v`, so that the gradient is
    taken at the current parameters (Bengio et al. [3]_).

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    momentum : float or Theano scalar
        The momentum :math:`\mu`.

    Returns
    -------
    OrderedDict
        The new value of each parameter and of its velocity.

    See Also
    --------
    apply_nesterov_momentum : The same for the updates of any rule.

    References
    ----------
    .. [1] Nesterov, Y. (1983): A method of solving a convex programming
       problem with convergence rate O(1/k^2). Soviet Mathematics Doklady
       27, 372-376.
    .. [2] Sutskever, I., Martens, J., Dahl, G. and Hinton, G. (2013): On
       the importance of initialization and momentum in deep learning.
       ICML 2013.
    .. [3] Bengio, Y., Boulanger-Lewandowski, N. and Pascanu, R. (2013):
       Advances in optimizing recurrent networks. ICASSP 2013.
    """
    params, grads = _prepare(loss_or_grads, params, 'nesterov_momentum')
    return apply_nesterov_momentum(_sgd(params, grads, learning_rate),
                                   momentum=momentum)


def adagrad(loss_or_grads, params, learning_rate=1.0, epsilon=1e-6):
    r"""Adagrad: a learning rate per parameter element, shrinking with the
    sum of its squared gradients.

    .. math::
        a &\leftarrow a + g^2 \\
        \theta &\leftarrow \theta - \frac{\eta\, g}{\sqrt{a + \epsilon}}

    with the accumulator :math:`a` (initially zero), elementwise.

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    epsilon : float or Theano scalar
        A small constant :math:`\epsilon` for numerical stability.

    Returns
    -------
    OrderedDict
        The new value of each parameter and of its accumulator.

    References
    ----------
    .. [1] Duchi, J., Hazan, E. and Singer, Y. (2011): Adaptive subgradient
       methods for online learning and stochastic optimization. Journal of
       Machine Learning Research 12, 2121-2159.
    """
    params, grads = _prepare(loss_or_grads, params, 'adagrad')
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        lr, eps = _cast(param.dtype, learning_rate, epsilon)
        accu = _zeros_like(param)
        accu_new = accu + T.sqr(grad)
        updates[accu] = accu_new
        updates[param] = param - lr * grad / T.sqrt(accu_new + eps)
    return updates


def rmsprop(loss_or_grads, params, learning_rate=1.0, rho=0.9,
            epsilon=1e-6):
    r"""RMSProp: the gradient divided by a running average of its recent
    magnitude.

    .. math::
        a &\leftarrow \rho a + (1 - \rho) g^2 \\
        \theta &\leftarrow \theta - \frac{\eta\, g}{\sqrt{a + \epsilon}}

    with the accumulator :math:`a` (initially zero), elementwise.

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    rho : float or Theano scalar
        The decay :math:`\rho` of the running average of the squared
        gradients.
    epsilon : float or Theano scalar
        A small constant :math:`\epsilon` for numerical stability.

    Returns
    -------
    OrderedDict
        The new value of each parameter and of its accumulator.

    References
    ----------
    .. [1] Tieleman, T. and Hinton, G. (2012): Lecture 6.5 - rmsprop.
       Coursera: Neural Networks for Machine Learning.
    """
    params, grads = _prepare(loss_or_grads, params, 'rmsprop')
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        lr, rho_, eps = _cast(param.dtype, learning_rate, rho, epsilon)
        accu = _zeros_like(param)
        accu_new = rho_ * accu + (1 - rho_) * T.sqr(grad)
        updates[accu] = accu_new
        updates[param] = param - lr * grad / T.sqrt(accu_new + eps)
    return updates


def adadelta(loss_or_grads, params, learning_rate=1.0, rho=0.95,
             epsilon=1e-6):
    r"""Adadelta: steps scaled by the ratio of running averages of the
    squared steps and the squared gradients.

    .. math::
        a &\leftarrow \rho a + (1 - \rho) g^2 \\
        \Delta &= g \frac{\sqrt{d + \epsilon}}{\sqrt{a + \epsilon}} \\
        \theta &\leftarrow \theta - \eta \Delta \\
        d &\leftarrow \rho d + (1 - \rho) \Delta^2

    with the accumulators :math:`a` and :math:`d` (initially zero),
    elementwise. The paper has no learning rate (:math:`\eta = 1`, the
    default).

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    rho : float or Theano scalar
        The decay :math:`\rho` of both running averages.
    epsilon : float or Theano scalar
        A small constant :math:`\epsilon`; it also sets the size of the
        first steps.

    Returns
    -------
    OrderedDict
        The new value of each parameter and of its two accumulators.

    References
    ----------
    .. [1] Zeiler, M. D. (2012): ADADELTA: An adaptive learning rate
       method. arXiv:1212.5701.
    """
    params, grads = _prepare(loss_or_grads, params, 'adadelta')
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        lr, rho_, eps = _cast(param.dtype, learning_rate, rho, epsilon)
        accu = _zeros_like(param)
        delta_accu = _zeros_like(param)
        accu_new = rho_ * accu + (1 - rho_) * T.sqr(grad)
        step = grad * T.sqrt(delta_accu + eps) / T.sqrt(accu_new + eps)
        updates[accu] = accu_new
        updates[param] = param - lr * step
        updates[delta_accu] = rho_ * delta_accu + (1 - rho_) * T.sqr(step)
    return updates


def adam(loss_or_grads, params, learning_rate=0.001, beta1=0.9,
         beta2=0.999, epsilon=1e-8):
    r"""Adam: steps from bias-corrected running averages of the gradient
    and of its square.

    At step :math:`t = 1, 2, \ldots`,

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \eta_t &= \eta \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t} \\
        \theta &\leftarrow \theta - \frac{\eta_t\, m}{\sqrt{v} + \epsilon}

    with :math:`m` and :math:`v` initially zero, elementwise. This is the
    form the paper gives at the end of its section 2.

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    beta1 : float or Theano scalar
        The decay :math:`\beta_1` of the average of the gradients.
    beta2 : float or Theano scalar
        The decay :math:`\beta_2` of the average of the squared gradients.
    epsilon : float or Theano scalar
        A small constant :math:`\epsilon` for numerical stability.

    Returns
    -------
    OrderedDict
        The new value of each parameter and of its two averages, and of the
        step counter :math:`t`.

    References
    ----------
    .. [1] Kingma, D. P. and Ba, J. (2015): Adam: A method for stochastic
       optimization. ICLR 2015, arXiv:1412.6980.
    """
    params, grads = _prepare(loss_or_grads, params, 'adam')
    updates = OrderedDict()
    t_prev, t = _time_step()
    for param, grad in zip(params, grads):
        lr, b1, b2, eps, t_ = _cast(param.dtype, learning_rate, beta1, beta2,
                                    epsilon, t)
        m = _zeros_like(param)
        v = _zeros_like(param)
        m_new = b1 * m + (1 - b1) * grad
        v_new = b2 * v + (1 - b2) * T.sqr(grad)
        lr_t = lr * T.sqrt(1 - b2 ** t_) / (1 - b1 ** t_)
        updates[m] = m_new
        updates[v] = v_new
        updates[param] = param - lr_t * m_new / (T.sqrt(v_new) + eps)
    updates[t_prev] = t
    return updates


def adamax(loss_or_grads, params, learning_rate=0.002, beta1=0.9,
           beta2=0.999, epsilon=1e-8):
    r"""Adamax: the variant of Adam based on the infinity norm.

    At step :math:`t = 1, 2, \ldots`,

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        u &\leftarrow \max(\beta_2 u, |g|) \\
        \theta &\leftarrow \theta - \frac{\eta}{1 - \beta_1^t}
        \frac{m}{u + \epsilon}

    with :math:`m` and :math:`u` initially zero, elementwise.

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    beta1 : float or Theano scalar
        The decay :math:`\beta_1` of the average of the gradients.
    beta2 : float or Theano scalar
        The decay :math:`\beta_2` of the maximum of the gradients'
        magnitudes.
    epsilon : float or Theano scalar
        A small constant :math:`\epsilon` for numerical stability.

    Returns
    -------
    OrderedDict
        The new value of each parameter, of its average and its maximum,
        and of the step counter :math:`t`.

    References
    ----------
    .. [1] Kingma, D. P. and Ba, J. (2015): Adam: A method for stochastic
       optimization. ICLR 2015, arXiv:1412.6980 (section 7.1).
    """
    params, grads = _prepare(loss_or_grads, params, 'adamax')
    updates = OrderedDict()
    t_prev, t = _time_step()
    for param, grad in zip(params, grads):
        lr, b1, b2, eps, t_ = _cast(param.dtype, learning_rate, beta1, beta2,
                                    epsilon, t)
        m = _zeros_like(param)
        u = _zeros_like(param)
        m_new = b1 * m + (1 - b1) * grad
        u_new = T.maximum(b2 * u, abs(grad))
        lr_t = lr / (1 - b1 ** t_)
        updates[m] = m_new
        updates[u] = u_new
        updates[param] = param - lr_t * m_new / (u_new + eps)
    updates[t_prev] = t
    return updates


def amsgrad(loss_or_grads, params, learning_rate=0.001, beta1=0.9,
            beta2=0.999, epsilon=1e-8):
    r"""AMSGrad: Adam with steps scaled by the largest average of the
    squared gradients so far.

    At step :math:`t = 1, 2, \ldots`,

    .. math::
        m &\leftarrow \beta_1 m + (1 - \beta_1) g \\
        v &\leftarrow \beta_2 v + (1 - \beta_2) g^2 \\
        \hat{v} &\leftarrow \max(\hat{v}, v) \\
        \eta_t &= \eta \frac{\sqrt{1 - \beta_2^t}}{1 - \beta_1^t} \\
        \theta &\leftarrow \theta - \frac{\eta_t\, m}{\sqrt{\hat{v}}
        + \epsilon}

    with :math:`m`, :math:`v` and :math:`\hat{v}` initially zero,
    elementwise.

    Algorithm 2 of the paper has no bias correction (and lets
    :math:`\beta_1` decay over the steps). This is the form of Lasagne
    0.2: a constant :math:`\beta_1`, and Adam's bias correction of the
    step size, :math:`\eta_t`. The maximum :math:`\hat{v}` is taken of
    the uncorrected averages :math:`v`.

    Parameters
    ----------
    loss_or_grads : Theano scalar or list of Theano tensors
        The loss, or the gradient of the loss for each parameter.
    params : list of Theano shared variables
        The parameters to train.
    learning_rate : float or Theano scalar
        The learning rate :math:`\eta`.
    beta1 : float or Theano scalar
        The decay :math:`\beta_1` of the average of the gradients.
    beta2 : float or Theano scalar
        The decay :math:`\beta_2` of the average of the squared gradients.
    epsilon : float or Theano scalar
        A small constant :math:`\epsilon` for numerical stability.

    Returns
    -------
    OrderedDict
        The new value of each parameter, of its three accumulators, and of
        the step counter :math:`t`.

    References
    ----------
    .. [1] Reddi, S. J., Kale, S. and Kumar, S. (2018): On the convergence
       of Adam and beyond. ICLR 2018.
    """
    params, grads = _prepare(loss_or_grads, params, 'amsgrad')
    updates = OrderedDict()
    t_prev, t = _time_step()
    for param, grad in zip(params, grads):
        lr, b1, b2, eps, t_ = _cast(param.dtype, learning_rate, beta1, beta2,
                                    epsilon, t)
        m = _zeros_like(param)
        v = _zeros_like(param)
        v_hat = _zeros_like(param)
        m_new = b1 * m + (1 - b1) * grad
        v_new = b2 * v + (1 - b2) * T.sqr(grad)
        v_hat_new = T.maximum(v_hat, v_new)
        lr_t = lr * T.sqrt(1 - b2 ** t_) / (1 - b1 ** t_)
        updates[m] = m_new
        updates[v] = v_new
        updates[v_hat] = v_hat_new
        updates[param] = param - lr_t * m_new / (T.sqrt(v_hat_new) + eps)
    updates[t_prev] = t
    return updates


def norm_constraint(tensor_var, max_norm, norm_axes=None, epsilon=1e-7):
    r"""Rescale the weight vectors of a tensor whose norm exceeds a
    maximum (max-norm regularization).

    Each weight vector :math:`w` (the entries along `norm_axes`) becomes

    .. math:: w \frac{\min(\|w\|, c)}{\|w\| + \epsilon}

    with the maximum norm :math:`c`: vectors longer than :math:`c` are
    scaled down to length :math:`c`, the others are (up to
    :math:`\epsilon`) kept.

    Parameters
    ----------
    tensor_var : Theano tensor
        The weights, typically the update of a weight parameter.
    max_norm : float or Theano scalar
        The maximum norm :math:`c`.
    norm_axes : int or sequence of int, optional
        The axes over which a norm is taken (an int for a single axis). By
        default, for a dense layer's weights of shape
        ``(num_inputs, num_units)`` the first axis (one norm per unit),
        and for convolution weights of shape
        ``(num_filters, num_input_channels, ...)`` with 3, 4 or 5
        dimensions all axes but the first (one norm per filter).
    epsilon : float
        A small constant :math:`\epsilon` for numerical stability.

    Returns
    -------
    Theano tensor
        The rescaled weights, of the shape and dtype of `tensor_var`.

    Raises
    ------
    TypeError
        If `norm_axes` is neither an int nor a sequence of ints.
    ValueError
        If `norm_axes` is not given and `tensor_var` has another number of
        dimensions than 2 to 5, or an axis in `norm_axes` is out of range.

    Notes
    -----
    Layers that store weights in other layouts (e.g. cuda-convnet's
    ``c01b``) need explicit `norm_axes`.

    References
    ----------
    .. [1] Srebro, N. and Shraibman, A. (2005): Rank, trace-norm and
       max-norm. COLT 2005.
    .. [2] Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I. and
       Salakhutdinov, R. (2014): Dropout: a simple way to prevent neural
       networks from overfitting. Journal of Machine Learning Research 15,
       1929-1958.

    Examples
    --------
    Constraining the update of a weight matrix:

    >>> import theano
    >>> from lasagne.layers import InputLayer, DenseLayer, get_output
    >>> from lasagne.updates import sgd, norm_constraint
    >>> l_out = DenseLayer(InputLayer((None, 5)), num_units=3)
    >>> loss = get_output(l_out).mean()
    >>> updates = sgd(loss, [l_out.W, l_out.b], learning_rate=0.1)
    >>> updates[l_out.W] = norm_constraint(updates[l_out.W], max_norm=2.0)
    """
    ndim = tensor_var.ndim
    if norm_axes is None:
        norm_axes = utils._default_norm_axes(ndim, 'norm_constraint')
    norm_axes = _check_axes('norm_constraint', norm_axes, ndim, 'norm_axes',
                            canonical=False)
    dtype = tensor_var.dtype
    max_norm, epsilon = _cast(dtype, max_norm, epsilon)
    norms = T.sqrt(T.sum(T.sqr(tensor_var), axis=norm_axes, keepdims=True))
    return tensor_var * (T.clip(norms, 0, max_norm) / (norms + epsilon))


def total_norm_constraint(tensor_vars, max_norm, epsilon=1e-7,
                          return_norm=False):
    r"""Rescale several tensors together so that their joint norm does not
    exceed a maximum (gradient norm clipping).

    With the norm :math:`n = \sqrt{\sum_i \|x_i\|^2}` of all the tensors
    :math:`x_i` together, each becomes

    .. math:: x_i \frac{\min(n, c)}{n + \epsilon}

    with the maximum norm :math:`c`.

    Parameters
    ----------
    tensor_vars : list of Theano tensors
        The tensors, typically the gradients of a loss.
    max_norm : float or Theano scalar
        The maximum norm :math:`c`.
    epsilon : float
        A small constant :math:`\epsilon` for numerical stability.
    return_norm : bool
        Also return the norm :math:`n` of the tensors before rescaling.

    Returns
    -------
    list of Theano tensors
        The rescaled tensors, each of its original dtype.
    Theano scalar
        The norm :math:`n`, only if `return_norm` is True.

    Raises
    ------
    TypeError
        If `tensor_vars` is a single tensor instead of a list.

    References
    ----------
    .. [1] Pascanu, R., Mikolov, T. and Bengio, Y. (2013): On the
       difficulty of training recurrent neural networks. ICML 2013.

    Examples
    --------
    Clipping the gradients before an update rule:

    >>> import theano
    >>> from lasagne.layers import InputLayer, DenseLayer, get_output
    >>> from lasagne.updates import adam, total_norm_constraint
    >>> l_out = DenseLayer(InputLayer((None, 5)), num_units=3)
    >>> params = [l_out.W, l_out.b]
    >>> grads = theano.grad(get_output(l_out).mean(), params)
    >>> grads, norm = total_norm_constraint(grads, max_norm=10,
    ...                                     return_norm=True)
    >>> updates = adam(grads, params)
    """
    if isinstance(tensor_vars, (theano.gof.Variable, np.ndarray)):
        raise TypeError("total_norm_constraint: tensor_vars must be a list "
                        "of tensors, got a single tensor (%r); put it in a "
                        "list" % (tensor_vars,))
    tensor_vars = list(tensor_vars)
    norm = T.sqrt(sum(T.sum(T.sqr(x)) for x in tensor_vars))
    max_norm, epsilon = _cast(norm.dtype, max_norm, epsilon)
    multiplier = T.clip(norm, 0, max_norm) / (norm + epsilon)
    scaled = [x * T.cast(multiplier, x.dtype) for x in tensor_vars]
    if return_norm:
        return scaled, norm
    return scaled
