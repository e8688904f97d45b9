from collections import OrderedDict
from functools import partial

import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne import updates
from lasagne.layers import InputLayer, DenseLayer, get_output, get_all_params
from lasagne.nonlinearities import tanh

# The values these tests check depend on the graphs the update rules build
# and on Theano's graph rewrites, not on how Theano runs the ops: the Python
# implementations spare a cold cache the compilation of C code for the
# fused update of every rule. test_rule_in_the_default_mode and the
# training step in the docstring of lasagne.updates run Theano's C code.
MODE = theano.compile.Mode(linker='py')


# NumPy versions of the published formulas. Each takes the parameter value,
# its gradient, a dict that keeps the rule's state for this parameter, the
# learning rate and the step number t (1 at the first step), and returns
# the new parameter value.

def np_sgd(theta, g, s, lr, t):
    return theta - lr * g


def np_momentum(theta, g, s, lr, t, mu):
    s['v'] = mu * s.get('v', 0) - lr * g
    return theta + s['v']


def np_nesterov(theta, g, s, lr, t, mu):
    s['v'] = mu * s.get('v', 0) - lr * g
    return theta + mu * s['v'] - lr * g


def np_adagrad(theta, g, s, lr, t, eps):
    s['a'] = s.get('a', 0) + g ** 2
    return theta - lr * g / np.sqrt(s['a'] + eps)


def np_rmsprop(theta, g, s, lr, t, rho, eps):
    s['a'] = rho * s.get('a', 0) + (1 - rho) * g ** 2
    return theta - lr * g / np.sqrt(s['a'] + eps)


def np_adadelta(theta, g, s, lr, t, rho, eps):
    s['a'] = rho * s.get('a', 0) + (1 - rho) * g ** 2
    delta = g * np.sqrt(s.get('d', 0) + eps) / np.sqrt(s['a'] + eps)
    s['d'] = rho * s.get('d', 0) + (1 - rho) * delta ** 2
    return theta - lr * delta


def np_adam(theta, g, s, lr, t, b1, b2, eps):
    s['m'] = b1 * s.get('m', 0) + (1 - b1) * g
    s['v'] = b2 * s.get('v', 0) + (1 - b2) * g ** 2
    lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return theta - lr_t * s['m'] / (np.sqrt(s['v']) + eps)


def np_adamax(theta, g, s, lr, t, b1, b2, eps):
    s['m'] = b1 * s.get('m', 0) + (1 - b1) * g
    s['u'] = np.maximum(b2 * s.get('u', 0), np.abs(g))
    return theta - lr / (1 - b1 ** t) * s['m'] / (s['u'] + eps)


def np_amsgrad(theta, g, s, lr, t, b1, b2, eps):
    s['m'] = b1 * s.get('m', 0) + (1 - b1) * g
    s['v'] = b2 * s.get('v', 0) + (1 - b2) * g ** 2
    s['v_hat'] = np.maximum(s.get('v_hat', 0), s['v'])
    lr_t = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    return theta - lr_t * s['m'] / (np.sqrt(s['v_hat']) + eps)


def np_with_momentum(base, theta, g, s, lr, t, mu, nesterov):
    """Momentum added to the step of another rule, as apply_momentum and
    apply_nesterov_momentum do."""
    step = base(theta, g, s.setdefault('base', {}), lr, t) - theta
    s['v'] = mu * s.get('v', 0) + step
    return theta + (mu * s['v'] + step if nesterov else s['v'])


def apply_to_adagrad(apply):
    def rule(loss_or_grads, params, learning_rate):
        base = updates.adagrad(loss_or_grads, params, learning_rate,
                               epsilon=1e-3)
        return apply(base, params, momentum=0.6)
    return rule


# name: (rule(loss_or_grads, params, learning_rate), NumPy step, learning
# rate, number of entries in the updates for two parameters). The
# hyperparameters differ from the defaults, so that each is seen to be used.
RULES = {
    'sgd': (updates.sgd, np_sgd, 0.1, 2),
    'momentum': (partial(updates.momentum, momentum=0.7),
                 partial(np_momentum, mu=0.7), 0.05, 4),
    'nesterov_momentum': (partial(updates.nesterov_momentum, momentum=0.7),
                          partial(np_nesterov, mu=0.7), 0.05, 4),
    'apply_momentum': (apply_to_adagrad(updates.apply_momentum),
                       partial(np_with_momentum,
                               partial(np_adagrad, eps=1e-3),
                               mu=0.6, nesterov=False), 0.1, 6),
    'apply_nesterov_momentum': (
        apply_to_adagrad(updates.apply_nesterov_momentum),
        partial(np_with_momentum, partial(np_adagrad, eps=1e-3), mu=0.6,
                nesterov=True), 0.1, 6),
    'adagrad': (partial(updates.adagrad, epsilon=1e-2),
                partial(np_adagrad, eps=1e-2), 0.2, 4),
    'rmsprop': (partial(updates.rmsprop, rho=0.8, epsilon=1e-2),
                partial(np_rmsprop, rho=0.8, eps=1e-2), 0.05, 4),
    'adadelta': (partial(updates.adadelta, rho=0.8, epsilon=1e-2),
                 partial(np_adadelta, rho=0.8, eps=1e-2), 0.9, 6),
    'adam': (partial(updates.adam, beta1=0.8, beta2=0.95, epsilon=1e-2),
             partial(np_adam, b1=0.8, b2=0.95, eps=1e-2), 0.05, 7),
    'adamax': (partial(updates.adamax, beta1=0.8, beta2=0.95, epsilon=1e-2),
               partial(np_adamax, b1=0.8, b2=0.95, eps=1e-2), 0.05, 7),
    'amsgrad': (partial(updates.amsgrad, beta1=0.8, beta2=0.95,
                        epsilon=1e-2),
                partial(np_amsgrad, b1=0.8, b2=0.95, eps=1e-2), 0.05, 9),
}

STEPS = 6

# The quadratic problem: loss = sum(scale * (theta - optimum)^2) over a
# matrix and a vector parameter, anisotropic so that rules adapting per
# element differ from plain SGD.
INITIAL = [np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]]),
           np.array([1.0, -2.0, 0.5])]
OPTIMUM = [np.array([[-1.0, 0.5, 0.0], [0.5, 1.0, 1.0]]),
           np.array([0.0, 1.0, -1.0])]
SCALE = [np.array([[1.0, 0.2, 3.0], [0.5, 2.0, 1.0]]),
         np.array([0.3, 1.0, 2.5])]


def np_grad(theta, i):
    return 2 * SCALE[i] * (theta - OPTIMUM[i])


def np_trajectory(step, schedule):
    """The parameter values after each step of a NumPy rule."""
    thetas = [x.copy() for x in INITIAL]
    states = [{} for _ in thetas]
    trajectory = []
    for t, lr in enumerate(schedule, start=1):
        thetas = [step(theta, np_grad(theta, i), states[i], lr, t)
                  for i, theta in enumerate(thetas)]
        trajectory.append(thetas)
    return trajectory


# Two set-ups, between them covering the ways to call a rule: float64
# parameters with the loss and a Python float learning rate; float32
# parameters with a list of gradients and a float64 shared learning rate
# that changes during the run. The updates must keep the parameters' dtype:
# theano.function refuses float32 parameters with float64 updates, which
# Python float hyperparameters would give under floatX=float64 if they were
# not cast (and they must not be rounded to float32 for float64 parameters
# under floatX=float32).
SETUPS = {
    'float64-loss-float': ('float64', False, False),
    'float32-grads-shared': ('float32', True, True),
}


@pytest.mark.parametrize('setup', list(SETUPS))
@pytest.mark.parametrize('name', list(RULES))
def test_rule_follows_its_formula(name, setup):
    check_rule(name, setup, MODE)


def test_rule_in_the_default_mode():
    # Once with Theano's C implementations, as users run it.
    check_rule('adam', 'float32-grads-shared', None)


def check_rule(name, setup, mode):
    rule, np_step, lr, num_updates = RULES[name]
    dtype, give_grads, shared_lr = SETUPS[setup]
    params = [theano.shared(x.astype(dtype)) for x in INITIAL]
    consts = [[T.constant(c.astype(dtype)) for c in (o, s)]
              for o, s in zip(OPTIMUM, SCALE)]
    if give_grads:
        loss_or_grads = [2 * s * (p - o) for p, (o, s) in zip(params, consts)]
        learning_rate = theano.shared(np.array(lr, 'float64'))
        schedule = [lr] * 3 + [lr / 2] * (STEPS - 3)
    else:
        loss_or_grads = sum(T.sum(s * T.sqr(p - o))
                            for p, (o, s) in zip(params, consts))
        learning_rate = lr
        schedule = [lr] * STEPS
    result = rule(loss_or_grads, params, learning_rate)
    assert isinstance(result, OrderedDict)
    assert len(result) == num_updates
    assert all(p in result for p in params)
    assert all(v.dtype == k.dtype for k, v in result.items())
    step = theano.function([], [], updates=result, mode=mode)
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == 'float32' else {}
    for expected, lr_t in zip(np_trajectory(np_step, schedule), schedule):
        if shared_lr:
            learning_rate.set_value(lr_t)
        step()
        for param, value in zip(params, expected):
            got = param.get_value()
            assert got.dtype == dtype
            np.testing.assert_allclose(got, value, **tol)


def test_momentum_of_sgd_is_momentum():
    # apply_momentum and apply_nesterov_momentum with their defaults, on
    # all keys of plain SGD updates, are momentum and nesterov_momentum.
    param = theano.shared(np.array([1.0, -2.0]))
    grad = 2 * param
    params = [param]
    for apply, rule, np_rule in [
            (updates.apply_momentum, updates.momentum, np_momentum),
            (updates.apply_nesterov_momentum, updates.nesterov_momentum,
             np_nesterov)]:
        combined = apply(updates.sgd([grad], params, 0.1))
        direct = rule([grad], params, 0.1)
        assert len(combined) == len(direct) == 2
        param.set_value(np.array([1.0, -2.0]))
        f = theano.function([], [], updates=combined, mode=MODE)
        state, theta = {}, np.array([1.0, -2.0])
        for t in range(1, 4):
            f()
            theta = np_rule(theta, 2 * theta, state, 0.1, t, mu=0.9)
            assert np.allclose(param.get_value(), theta)


def test_apply_momentum_leaves_its_input_and_other_params_alone():
    a = theano.shared(np.zeros(2))
    b = theano.shared(np.zeros(3))
    base = updates.sgd([T.ones(2), T.ones(3)], [a, b], 0.1)
    for apply in [updates.apply_momentum, updates.apply_nesterov_momentum]:
        result = apply(base, [a])
        assert list(base) == [a, b]
        assert len(result) == 3
        assert result[b] is base[b]
        assert result[a] is not base[a]


def test_broadcastable_parameter():
    # A parameter with a broadcastable dimension needs state variables of
    # the same type, or theano.function refuses the updates.
    param = theano.shared(np.ones((1, 3)), broadcastable=(True, False))
    loss = T.sum(T.sqr(param))
    for rule in [updates.momentum, updates.adagrad, updates.adam]:
        result = rule(loss, [param], 0.1)
        assert all(v.broadcastable == k.broadcastable
                   for k, v in result.items())


def test_params_must_be_shared_variables():
    x = T.dvector('x')
    with pytest.raises(ValueError, match="params must be Theano shared "
                       "variables, got x .*collect_shared_vars"):
        updates.sgd(T.sum(x), [x], 0.1)


def test_number_of_gradients_must_match():
    params = [theano.shared(np.zeros(2)), theano.shared(np.zeros(2))]
    with pytest.raises(ValueError, match="got 1 gradient expressions for 2 "
                       "parameters"):
        updates.adam([T.ones(2)], params)


@pytest.mark.parametrize('rule, per_param', [
    (updates.adam, 2), (updates.adamax, 2), (updates.amsgrad, 3)])
def test_step_counter_comes_after_the_parameters(rule, per_param):
    # Code that saves an optimizer's state iterates over the keys of the
    # updates: Lasagne 0.2 lists each parameter's state variables, then the
    # parameter, and finally the step counter.
    params = [theano.shared(np.zeros(2)), theano.shared(np.zeros((2, 3)))]
    keys = list(rule(T.sum(params[0]) + T.sum(params[1]), params).keys())
    assert len(keys) == 2 * (per_param + 1) + 1
    assert keys[per_param] is params[0]
    assert keys[2 * per_param + 1] is params[1]
    counter = keys[-1]
    assert counter.get_value().shape == () and counter not in params
    state = keys[:per_param] + keys[per_param + 1:2 * per_param + 1]
    assert [k.get_value().shape for k in state] == (
        [(2,)] * per_param + [(2, 3)] * per_param)


def test_params_may_be_any_iterable():
    param = theano.shared(np.zeros(2))
    result = updates.rmsprop(T.sum(param), iter([param]))
    assert param in result


@pytest.fixture(scope='module')
def regression():
    """Inputs and targets of a small regression problem, and a function
    that builds a fresh network for it, always with the same weights."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(16, 4))
    y = np.tanh(X.dot(rng.normal(size=(4, 1)))) + 0.1 * X[:, :1]
    W1, W2 = rng.normal(0, 0.5, (4, 6)), rng.normal(0, 0.5, (6, 1))

    def network():
        l_in = InputLayer((None, 4))
        l_hidden = DenseLayer(l_in, 6, W=W1.copy(), nonlinearity=tanh)
        return DenseLayer(l_hidden, 1, W=W2.copy(), nonlinearity=None)
    return X, y, network


TRAINING = {
    'sgd': lambda loss, params: updates.sgd(loss, params, 0.1),
    'momentum': lambda loss, params: updates.momentum(loss, params, 0.05),
    'nesterov_momentum': lambda loss, params: updates.nesterov_momentum(
        loss, params, 0.05),
    'apply_momentum': lambda loss, params: updates.apply_momentum(
        updates.sgd(loss, params, 0.05)),
    'apply_nesterov_momentum': lambda loss, params:
        updates.apply_nesterov_momentum(updates.sgd(loss, params, 0.05)),
    'adagrad': lambda loss, params: updates.adagrad(loss, params, 0.1),
    'rmsprop': lambda loss, params: updates.rmsprop(loss, params, 0.01),
    'adadelta': updates.adadelta,
    'adam': lambda loss, params: updates.adam(loss, params, 0.01),
    'adamax': lambda loss, params: updates.adamax(loss, params, 0.02),
    'amsgrad': lambda loss, params: updates.amsgrad(loss, params, 0.01),
}


@pytest.mark.parametrize('name', list(TRAINING))
def test_training_lowers_the_loss(name, regression):
    X, y, network = regression
    l_out = network()
    x_var, y_var = T.dmatrix('x'), T.dmatrix('y')
    loss = T.mean(T.sqr(get_output(l_out, x_var) - y_var))
    result = TRAINING[name](loss, get_all_params(l_out, trainable=True))
    train = theano.function([x_var, y_var], loss, updates=result, mode=MODE)
    losses = [train(X, y) for _ in range(40)]
    assert np.all(np.isfinite(losses))
    assert losses[-1] < 0.8 * losses[0]


@pytest.fixture(scope='module')
def constrained():
    """norm_constraint of a 2-, 3-, 4- and 5-dimensional tensor with the
    default axes, and of a matrix along explicit axes, in one function."""
    tensors = [T.dmatrix(), T.dtensor3(), T.dtensor4(), T.TensorType(
        'float64', (False,) * 5)()]
    outputs = [updates.norm_constraint(x, 1.5) for x in tensors]
    outputs.append(updates.norm_constraint(tensors[0], 1.5, norm_axes=(1,)))
    outputs.append(updates.norm_constraint(tensors[2], 1.5,
                                           norm_axes=[0, -1]))
    f = theano.function(tensors, outputs, mode=MODE)
    return lambda *arrays: f(*arrays)


def np_norm_constraint(w, max_norm, axes, eps=1e-7):
    norms = np.sqrt((w ** 2).sum(axis=axes, keepdims=True))
    return w * np.minimum(norms, max_norm) / (norms + eps)


def weights_with_norms(shape, axes, norms, rng):
    """Random weights whose vectors along `axes` have the given norms, in
    turn."""
    w = rng.normal(size=shape)
    w /= np.sqrt((w ** 2).sum(axis=axes, keepdims=True))
    vectors = [1 if i in axes else n for i, n in enumerate(shape)]
    return w * np.resize(norms, vectors)


def test_norm_constraint(constrained):
    rng = np.random.RandomState(5)
    shapes = [(4, 3), (3, 2, 2), (3, 2, 2, 2), (2, 2, 1, 2, 2)]
    default_axes = [(0,), (1, 2), (1, 2, 3), (1, 2, 3, 4)]
    # Weight vectors of norms 3 and 0.3: above and below the maximum.
    arrays = [weights_with_norms(shape, axes, [3.0, 0.3], rng)
              for shape, axes in zip(shapes, default_axes)]
    out = constrained(*arrays)
    for array, axes, got in zip(arrays, default_axes, out):
        norms = np.sqrt((array ** 2).sum(axis=axes))
        assert (norms > 1.5).any() and (norms < 1.5).any()
        assert np.allclose(got, np_norm_constraint(array, 1.5, axes))
        assert np.all(np.sqrt((got ** 2).sum(axis=axes)) <= 1.5 + 1e-6)
    assert np.allclose(out[4], np_norm_constraint(arrays[0], 1.5, (1,)))
    assert np.allclose(out[5], np_norm_constraint(arrays[2], 1.5, (0, 3)))


@pytest.mark.parametrize('ndim', [0, 1, 6])
def test_norm_constraint_needs_axes_for_other_layouts(ndim):
    x = T.TensorType('float64', (False,) * ndim)()
    with pytest.raises(ValueError, match="norm_constraint: cannot guess the "
                       "norm axes of a %d-dimensional array; pass norm_axes"
                       % ndim):
        updates.norm_constraint(x, 1.0)


def test_norm_constraint_axes_out_of_range():
    with pytest.raises(ValueError, match=r"^norm_constraint: each of "
                       r"norm_axes must be an int in \[-2, 2\) for inputs "
                       r"of 2 dimensions, got 2$"):
        updates.norm_constraint(T.dmatrix(), 1.0, norm_axes=(0, 2))


def test_norm_constraint_keeps_dtype():
    assert updates.norm_constraint(T.fmatrix(), 2.5).dtype == 'float32'
    assert updates.norm_constraint(T.fvector(), 2.5,
                                   norm_axes=(0,)).dtype == 'float32'


def test_total_norm_constraint():
    a, b = T.dvector('a'), T.fmatrix('b')
    scaled, norm = updates.total_norm_constraint([a, b], 2.0,
                                                 return_norm=True)
    assert [x.dtype for x in scaled] == ['float64', 'float32']
    only_scaled = updates.total_norm_constraint([a, b], 2.0, epsilon=0.1)
    f = theano.function([a, b], scaled + [norm] + only_scaled, mode=MODE)
    for factor in [1.0, 0.1]:  # above and below the maximum norm
        av = factor * np.array([1.0, -2.0, 0.5])
        bv = factor * np.array([[1.5, 0.0], [-1.0, 0.5]], dtype='float32')
        total = np.sqrt((av ** 2).sum() + (bv.astype('float64') ** 2).sum())
        assert (total > 2) == (factor == 1.0)
        got = f(av, bv)
        assert np.allclose(got[2], total)
        for eps, (got_a, got_b) in [(1e-7, got[:2]), (0.1, got[3:])]:
            multiplier = min(total, 2.0) / (total + eps)
            assert np.allclose(got_a, av * multiplier)
            assert np.allclose(got_b, bv * multiplier, rtol=1e-6)


ALL_RULES = [updates.sgd, updates.momentum, updates.nesterov_momentum,
             updates.adagrad, updates.rmsprop, updates.adadelta,
             updates.adam, updates.adamax, updates.amsgrad]


@pytest.mark.parametrize('rule', ALL_RULES, ids=lambda rule: rule.__name__)
def test_params_must_be_a_list(rule):
    param = theano.shared(np.zeros(3), name='W')
    with pytest.raises(TypeError, match="^%s: params must be a list of "
                       r"Theano shared variables, got a single variable "
                       r"\(W\); put it in a list" % rule.__name__):
        rule(T.sum(param), param, 0.1)
    with pytest.raises(TypeError, match="^%s: params must be a list of "
                       "Theano shared variables, got 3 " % rule.__name__):
        rule(T.sum(param), 3, 0.1)


@pytest.mark.parametrize('rule', ALL_RULES, ids=lambda rule: rule.__name__)
def test_gradient_must_match_its_parameter(rule):
    a = theano.shared(np.zeros(3), name='a')
    W = theano.shared(np.zeros((3, 2)), name='W')
    with pytest.raises(ValueError, match="^%s: the gradient for parameter W "
                       "has 1 dimensions, expected 2 like the parameter"
                       % rule.__name__):
        rule([T.ones(3), T.ones(2)], [a, W], 0.1)


def test_loss_or_grads_must_be_a_scalar_or_gradients():
    param = theano.shared(np.zeros(3))
    with pytest.raises(TypeError, match="^adam: loss_or_grads must be a "
                       "scalar loss or a list of gradients, got a "
                       "1-dimensional expression"):
        updates.adam(param * 2, [param])
    with pytest.raises(TypeError, match="^adam: loss_or_grads must be a "
                       "Theano scalar or a list of gradients, got 1.5"):
        updates.adam(1.5, [param])


def test_errors_of_get_or_compute_grads_name_it():
    param = theano.shared(np.zeros(3))
    with pytest.raises(TypeError, match="^get_or_compute_grads: params "
                       "must be a list"):
        updates.get_or_compute_grads(T.sum(param), param)
    with pytest.raises(ValueError, match="^get_or_compute_grads: got 2 "
                       "gradient expressions for 1 parameters"):
        updates.get_or_compute_grads([T.ones(3)] * 2, [param])


def test_get_or_compute_grads_returns_a_list_of_gradients_itself():
    params = [theano.shared(np.zeros(2)), theano.shared(np.zeros(3, 'f'))]
    # gradients of another dtype than their parameters are not cast here
    grads = [T.ones(2, dtype='float32'), T.ones(3, dtype='float64')]
    assert updates.get_or_compute_grads(grads, params) is grads
    assert [g.dtype for g in grads] == ['float32', 'float64']
    # a loss gives a new list
    computed = updates.get_or_compute_grads(T.sum(params[0]), params[:1])
    assert isinstance(computed, list) and len(computed) == 1


def test_gradients_may_be_any_iterable():
    # A generator of gradients is taken like the list it yields.
    params = [theano.shared(np.array([1., 2.])),
              theano.shared(np.array([[3.]]))]
    result = updates.sgd((2 * p for p in params), params, 0.25)
    theano.function([], [], updates=result, mode=MODE)()
    assert np.allclose(params[0].get_value(), [0.5, 1.])
    assert np.allclose(params[1].get_value(), [[1.5]])
    grads = updates.get_or_compute_grads(iter([T.ones(2), T.ones((1, 1))]),
                                         params)
    assert [g.ndim for g in grads] == [1, 2]


@pytest.mark.parametrize('apply', [updates.apply_momentum,
                                   updates.apply_nesterov_momentum])
def test_apply_momentum_checks_params(apply):
    a = theano.shared(np.zeros(2), name='a')
    b = theano.shared(np.zeros(2), name='b')
    base = updates.sgd([T.ones(2)], [a], 0.1)
    with pytest.raises(TypeError, match="^%s: params must be a list of "
                       "Theano shared variables, got a single variable"
                       % apply.__name__):
        apply(base, a)
    with pytest.raises(ValueError, match=r"^%s: params contains b, which "
                       "has no entry in updates" % apply.__name__):
        apply(base, [b])


def test_norm_constraint_axis_as_int():
    x = T.dmatrix('x')
    f = theano.function([x], [updates.norm_constraint(x, 1.5, norm_axes=1),
                              updates.norm_constraint(x, 1.5, norm_axes=-2)],
                        mode=MODE)
    w = weights_with_norms((4, 3), (1,), [3.0, 0.3], np.random.RandomState(2))
    by_row, by_column = f(w)
    assert np.allclose(by_row, np_norm_constraint(w, 1.5, (1,)))
    assert np.allclose(by_column, np_norm_constraint(w, 1.5, (0,)))
    assert not np.allclose(by_row, by_column)
    with pytest.raises(ValueError, match=r"each of norm_axes must be an "
                       r"int in \[-2, 2\) .* got 2$"):
        updates.norm_constraint(x, 1.5, norm_axes=2)


@pytest.mark.parametrize('norm_axes, match', [
    (True, "norm_axes must be an int or an iterable of ints, got True$"),
    (1.0, "norm_axes must be an int or an iterable of ints, got 1.0$"),
    ('rows', "norm_axes must be an int or an iterable of ints, got 'rows'$"),
    ((0, 0.5), r"each of norm_axes must be an int in \[-2, 2\) for inputs "
     "of 2 dimensions, got 0.5$")])
def test_norm_constraint_axes_must_be_ints(norm_axes, match):
    with pytest.raises(TypeError, match="^norm_constraint: " + match):
        updates.norm_constraint(T.dmatrix(), 1.0, norm_axes=norm_axes)


@pytest.mark.parametrize('single', [T.dvector('g'), np.ones(3)],
                         ids=['variable', 'array'])
def test_total_norm_constraint_needs_a_list(single):
    with pytest.raises(TypeError, match="^total_norm_constraint: "
                       "tensor_vars must be a list of tensors, got a single "
                       "tensor"):
        updates.total_norm_constraint(single, 1.0)
