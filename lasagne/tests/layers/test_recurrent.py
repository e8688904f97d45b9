import doctest
import os
import pickle
import re

import numpy as np
import pytest
import theano
import theano.tensor as T

import lasagne
from lasagne import init, nonlinearities
from lasagne.layers import (InputLayer, DenseLayer, ConcatLayer,
                            CustomRecurrentLayer, RecurrentLayer, LSTMLayer,
                            GRULayer, Gate,
                            get_output, get_output_shape, get_all_params,
                            get_all_param_values, set_all_param_values)
from lasagne.utils import floatX

from .layer_checks import MODE, check_array_input

BATCH, STEPS, FEATURES, UNITS = 3, 4, 5, 3
# The custom layer's state is a 2 x UNITS matrix per sequence, its input a
# 2 x FEATURES matrix per step: dense sub-networks act on the last axis.
ROWS = 2
KINDS = ['custom', 'rnn', 'lstm', 'gru']
LSTM_GATES = ['ingate', 'forgetgate', 'cell', 'outgate']
GRU_GATES = ['updategate', 'resetgate', 'hidden_update']


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def relu(x):
    return np.maximum(x, 0)


def random(seed, *shape, scale=0.5):
    return floatX(np.random.RandomState(seed).uniform(-scale, scale, shape))


def state_shape(kind, units=UNITS):
    return (ROWS, units) if kind == 'custom' else (units,)


def input_shape(kind):
    return (ROWS, FEATURES) if kind == 'custom' else (FEATURES,)


def make_params(kind, units=UNITS):
    """Parameter values for a layer of the given kind, as numpy arrays."""
    rng = np.random.RandomState(KINDS.index(kind))

    def draw(*shape):
        return floatX(rng.uniform(-0.7, 0.7, shape))
    p = {'h0': draw(1, *state_shape(kind, units))}
    if kind in ('custom', 'rnn'):
        p.update(W_in=draw(FEATURES, units), b=draw(units),
                 W_hid=draw(units, units), b_hid=draw(units))
    else:
        gates = LSTM_GATES if kind == 'lstm' else GRU_GATES
        for g in gates:
            p.update({'W_in_' + g: draw(FEATURES, units),
                      'W_hid_' + g: draw(units, units), 'b_' + g: draw(units),
                      'W_cell_' + g: draw(units)})
        p['c0'] = draw(1, units)
    return p


# The output gate is linear, to check that each gate applies its own
# nonlinearity; the others have the defaults.
GATE_NONLINEARITIES = {'cell': nonlinearities.tanh, 'outgate': None,
                       'hidden_update': nonlinearities.tanh}


def make_layer(kind, l_in, p, W_hid=None, h0=None, c0=None, **options):
    """A layer of the given kind with parameter values `p` (and as many
    units). `W_hid` replaces one hidden weight matrix (e.g. by a symbolic
    variable), `h0` and `c0` replace the initial states (e.g. by
    layers)."""
    units = p['h0'].shape[-1]
    h0 = p['h0'] if h0 is None else h0
    if kind == 'custom':
        in_to_hid = DenseLayer(InputLayer((None, ROWS, FEATURES)), units,
                               W=p['W_in'], b=p['b'], num_leading_axes=-1,
                               nonlinearity=None)
        hid_to_hid = DenseLayer(InputLayer((None, ROWS, units)), units,
                                W=p['W_hid'] if W_hid is None else W_hid,
                                b=p['b_hid'], num_leading_axes=-1,
                                nonlinearity=None)
        return CustomRecurrentLayer(l_in, in_to_hid, hid_to_hid,
                                    hid_init=h0, **options)
    if kind == 'rnn':
        return RecurrentLayer(l_in, units, W_in_to_hid=p['W_in'],
                              W_hid_to_hid=(p['W_hid'] if W_hid is None
                                            else W_hid),
                              b=p['b'], nonlinearity=nonlinearities.tanh,
                              hid_init=h0, **options)
    gates = LSTM_GATES if kind == 'lstm' else GRU_GATES
    kw = {}
    for g in gates:
        kw[g] = Gate(W_in=p['W_in_' + g], W_hid=p['W_hid_' + g],
                     b=p['b_' + g],
                     W_cell=None if g == 'cell' else p['W_cell_' + g],
                     nonlinearity=GATE_NONLINEARITIES.get(
                         g, nonlinearities.sigmoid))
    if W_hid is not None:
        kw[gates[1]].W_hid = W_hid
    if kind == 'lstm':
        return LSTMLayer(l_in, units, cell_init=p['c0'] if c0 is None else c0,
                         hid_init=h0, **dict(kw, **options))
    return GRULayer(l_in, units, hid_init=h0, **dict(kw, **options))


def reference_step(kind, p, peepholes=True):
    """The step of a layer in NumPy: (x_t, states) -> new states."""
    if kind == 'custom':
        return lambda x, s: [relu(x.dot(p['W_in']) + p['b'] +
                                  s[0].dot(p['W_hid']) + p['b_hid'])]
    if kind == 'rnn':
        return lambda x, s: [np.tanh(x.dot(p['W_in']) + p['b'] +
                                     s[0].dot(p['W_hid']))]

    def gate(g, x, h):
        return x.dot(p['W_in_' + g]) + h.dot(p['W_hid_' + g]) + p['b_' + g]

    def lstm(x, s):
        c, h = s
        peep = 1 if peepholes else 0
        i = sigmoid(gate('ingate', x, h) + peep * c * p['W_cell_ingate'])
        f = sigmoid(gate('forgetgate', x, h) +
                    peep * c * p['W_cell_forgetgate'])
        c = f * c + i * np.tanh(gate('cell', x, h))
        o = gate('outgate', x, h) + peep * c * p['W_cell_outgate']
        return [c, o * np.tanh(c)]

    def gru(x, s):
        h = s[0]
        r = sigmoid(gate('resetgate', x, h))
        u = sigmoid(gate('updategate', x, h))
        c = np.tanh(x.dot(p['W_in_hidden_update']) + p['b_hidden_update'] +
                    r * h.dot(p['W_hid_hidden_update']))
        return [(1 - u) * h + u * c]
    return lstm if kind == 'lstm' else gru


def reference(step, x, initial, mask=None, backwards=False):
    """Run `step` along axis 1 of `x`; the last state after every step."""
    states = list(initial)
    out = np.zeros((x.shape[0], x.shape[1]) + states[-1].shape[1:])
    steps = range(x.shape[1])
    for t in (reversed(steps) if backwards else steps):
        new = step(x[:, t], states)
        if mask is not None:
            keep = mask[:, t].reshape((-1,) + (1,) * (new[0].ndim - 1))
            new = [np.where(keep, n, s) for n, s in zip(new, states)]
        states = new
        out[:, t] = states[-1]
    return out


# Each case names the options of one layer; all cases of a kind are
# compiled into one function.
CASES = {
    'plain': {},
    'mask-backwards': {'mask': True, 'backwards': True},
    'final-mask': {'only_return_final': True, 'mask': True},
    'final-backwards-init-layers': {'only_return_final': True,
                                    'backwards': True, 'init_layers': True},
    'loop-input-mask': {'precompute_input': False, 'mask': True},
    'unroll-mask-backwards': {'unroll_scan': True, 'mask': True,
                              'backwards': True},
}
LSTM_CASES = {'no-peepholes-mask': {'peepholes': False, 'mask': True}}


def cases(kind):
    return dict(CASES, **LSTM_CASES) if kind == 'lstm' else CASES


X = random(10, BATCH, STEPS, ROWS * FEATURES, scale=1.5)
MASK = floatX([[1, 1, 1, 0], [0, 1, 0, 1], [1, 1, 1, 1]])
H0 = {kind: random(11 + i, BATCH, *state_shape(kind))
      for i, kind in enumerate(KINDS)}
C0 = random(20, BATCH, UNITS, scale=0.8)


def inputs_of(kind):
    if kind == 'custom':
        return X.reshape((BATCH, STEPS, ROWS, FEATURES))
    return X[:, :, :FEATURES]


@pytest.fixture(scope='module')
def computed():
    """For each kind, the outputs of all CASES from one compiled function,
    and the layers."""
    results = {}

    def compute(kind):
        if kind not in results:
            p = make_params(kind)
            l_in = InputLayer((None, STEPS) + input_shape(kind))
            l_mask = InputLayer((None, STEPS))
            l_h0 = InputLayer((None,) + state_shape(kind))
            l_c0 = InputLayer((None, UNITS))
            layers = {}
            for case, options in cases(kind).items():
                options = dict(options)
                if options.pop('mask', False):
                    options['mask_input'] = l_mask
                if options.pop('init_layers', False):
                    options['h0'] = l_h0
                    if kind == 'lstm':
                        options['c0'] = l_c0
                layers[case] = make_layer(kind, l_in, p, **options)
            outputs = get_output(list(layers.values()))
            fn = theano.function(
                [l_in.input_var, l_mask.input_var, l_h0.input_var,
                 l_c0.input_var], outputs, on_unused_input='ignore')
            values = fn(inputs_of(kind), MASK, H0[kind], C0)
            results[kind] = (p, layers, dict(zip(layers, values)))
        return results[kind]
    return compute


@pytest.mark.parametrize('kind, case', [(kind, case) for kind in KINDS
                                        for case in cases(kind)])
def test_output_matches_numpy_reference(computed, kind, case):
    p, layers, values = computed(kind)
    options = cases(kind)[case]
    layer = layers[case]
    if options.get('peepholes') is False:
        assert not any('W_cell' in param.name
                       for param in layer.get_params())
    x = inputs_of(kind)
    if options.get('init_layers'):
        initial = [H0[kind]]
    else:
        initial = [np.repeat(p['h0'], BATCH, axis=0)]
    if kind == 'lstm':
        initial.insert(0, C0 if options.get('init_layers')
                       else np.repeat(p['c0'], BATCH, axis=0))
    step = reference_step(kind, p, options.get('peepholes', True))
    expected = reference(step, x, initial,
                         mask=MASK if options.get('mask') else None,
                         backwards=options.get('backwards', False))
    if options.get('only_return_final'):
        expected = expected[:, 0 if options.get('backwards') else -1]
    assert values[case].shape == expected.shape
    assert _compatible_shape(layer.output_shape, expected.shape)
    np.testing.assert_allclose(values[case], expected, rtol=1e-5, atol=1e-6)


def _compatible_shape(static, actual):
    return len(static) == len(actual) and all(
        s is None or s == a for s, a in zip(static, actual))


# With one unit, a state axis of size 1 is broadcastable in the parameters
# (create_param makes size-1 axes so) and may be in the step's output, but
# scan, and the scan of its gradient, need the initial state and the step's
# output to agree.
# (A mask hides a broadcastable step output: the masked state takes the
# pattern of the previous one.)
SINGLE_UNIT_OPTIONS = {
    'scan': {}, 'scan-mask': {'mask': True},
    'loop-input': {'precompute_input': False},
    'loop-input-mask': {'precompute_input': False, 'mask': True},
    'unroll-mask': {'unroll_scan': True, 'mask': True}}


@pytest.mark.parametrize('case', list(SINGLE_UNIT_OPTIONS))
@pytest.mark.parametrize('kind', KINDS)
def test_single_unit_graphs(kind, case):
    # Building the gradients is what failed; compiling each graph would
    # cost more than it shows (see test_single_unit_values).
    options = dict(SINGLE_UNIT_OPTIONS[case])
    if options.pop('mask', False):
        options['mask_input'] = InputLayer((None, STEPS))
    l_in = InputLayer((None, STEPS) + input_shape(kind))
    layer = make_layer(kind, l_in, make_params(kind, units=1),
                       learn_init=True, **options)
    assert layer.output_shape == (None, STEPS) + state_shape(kind, 1)
    wrt = [l_in.input_var] + layer.get_params(trainable=True)
    assert any('init' in param.name for param in wrt[1:])
    grads = T.grad(get_output(layer).sum(), wrt)
    assert [g.type for g in grads] == [v.type for v in wrt]


def test_single_unit_values():
    p = make_params('rnn', units=1)
    l_in = InputLayer((None, STEPS, FEATURES))
    l_mask = InputLayer((None, STEPS))
    output = get_output(make_layer('rnn', l_in, p, mask_input=l_mask))
    fn = theano.function([l_in.input_var, l_mask.input_var],
                         [output, T.grad(output.sum(), l_in.input_var)])
    x = inputs_of('rnn')
    out, grad = fn(x, MASK)
    expected = reference(reference_step('rnn', p), x,
                         [np.repeat(p['h0'], BATCH, axis=0)], mask=MASK)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)
    # The gradient against central differences of the same function.
    eps = 1e-6
    numeric = np.zeros_like(x)
    for index in np.ndindex(*x.shape):
        step = np.zeros_like(x)
        step[index] = eps
        numeric[index] = (fn(x + step, MASK)[0].sum() -
                          fn(x - step, MASK)[0].sum()) / (2 * eps)
    assert np.all(grad[MASK == 0] == 0) and np.any(grad != 0)
    np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-8)


def test_masked_steps_keep_the_state(computed):
    # Independent of the references: a padded step repeats the state of
    # the step before it (in reading order, here backwards).
    p, _, values = computed('lstm')
    out = values['mask-backwards']
    np.testing.assert_array_equal(out[0, 3], p['h0'][0])
    np.testing.assert_array_equal(out[1, 2], out[1, 3])
    np.testing.assert_array_equal(out[1, 0], out[1, 1])
    assert np.all(out[1, 1] != out[1, 2])


def test_backwards_reads_the_reversed_sequence(computed):
    # A backward layer on x equals a forward layer on x reversed in time,
    # with the output reversed back.
    p, _, values = computed('gru')
    l_in = InputLayer((None, STEPS, FEATURES))
    forward = make_layer('gru', l_in, p, mask_input=InputLayer((None, STEPS)))
    mask_var = forward.input_layers[1].input_var
    fn = theano.function([l_in.input_var, mask_var], get_output(forward))
    reversed_out = fn(inputs_of('gru')[:, ::-1], MASK[:, ::-1])[:, ::-1]
    np.testing.assert_allclose(values['mask-backwards'], reversed_out,
                               rtol=1e-6)


# Inactive for the O(1) gradients of verify_grad, active for a loss scaled
# by 1e6: the gradient tests share one network per kind, so that Theano
# compiles its loops once.
GRAD_CLIP = 100.
GRAD_KINDS = ['rnn', 'lstm', 'gru']


def gradient_network(kind, x, h0, W_hid, **options):
    """The output of a layer reading `x` backwards with a mask, from the
    initial state `h0` (through a layer), with one hidden weight matrix
    given as `W_hid`."""
    l_in = InputLayer((None, STEPS) + input_shape(kind), x)
    l_h0 = InputLayer((None,) + state_shape(kind), h0)
    l_mask = InputLayer((None, STEPS), T.constant(MASK))
    layer = make_layer(kind, l_in, make_params(kind), W_hid=W_hid, h0=l_h0,
                       mask_input=l_mask, backwards=True,
                       grad_clipping=GRAD_CLIP, **options)
    return get_output(layer)


def gradient_inputs(kind):
    p = make_params(kind)
    W_hid = p['W_hid' if kind == 'rnn' else
              'W_hid_' + ('forgetgate' if kind == 'lstm' else 'resetgate')]
    return [inputs_of(kind), H0[kind], W_hid]


def gradients(kind, scale, wrt=3, **options):
    """The gradients of `scale` times the sum of the outputs w.r.t. the
    first `wrt` of the three inputs of `gradient_network`, in NumPy."""
    inputs = [T.tensor3(), T.matrix(), T.matrix()]
    loss = scale * gradient_network(kind, *inputs, **options).sum()
    fn = theano.function(inputs, T.grad(loss, inputs[:wrt]),
                         on_unused_input='ignore')
    return fn(*gradient_inputs(kind))


@pytest.mark.parametrize('kind', GRAD_KINDS)
def test_gradients(kind):
    theano.gradient.verify_grad(
        lambda *inputs: gradient_network(kind, *inputs),
        gradient_inputs(kind), rng=np.random.RandomState(42), n_tests=1,
        eps=1e-6)


def truncated_rnn_gradients(steps):
    """NumPy backpropagation through the last `steps` steps (in reading
    order) of the 'rnn' `gradient_network`, for the loss sum(outputs):
    the gradients w.r.t. the input, the initial state and W_hid."""
    x, h, W_hid = gradient_inputs('rnn')
    p = make_params('rnn')
    order = list(reversed(range(STEPS)))
    history = []
    for t in order:
        new = np.tanh(x[:, t].dot(p['W_in']) + p['b'] + h.dot(W_hid))
        keep = MASK[:, t:t + 1] == 1
        history.append((t, h, new, keep))
        h = np.where(keep, new, h)
    grad_x, grad_W = np.zeros_like(x), np.zeros_like(W_hid)
    delta = np.zeros_like(h)
    for t, h_previous, new, keep in reversed(history[-steps:]):
        delta = delta + 1
        delta_pre = np.where(keep, delta * (1 - new ** 2), 0)
        grad_x[:, t] = delta_pre.dot(p['W_in'].T)
        grad_W += h_previous.T.dot(delta_pre)
        delta = np.where(keep, 0, delta) + delta_pre.dot(W_hid.T)
    grad_h0 = delta if steps >= STEPS else np.zeros_like(delta)
    return grad_x, grad_h0, grad_W


def test_gradient_steps_truncate_backpropagation():
    grad_x, grad_h0 = gradients('rnn', 1., wrt=2, gradient_steps=2)
    expected_x, expected_h0, _ = truncated_rnn_gradients(2)
    np.testing.assert_allclose(grad_x, expected_x, rtol=1e-6, atol=1e-12)
    # Read backwards, the two steps backpropagated through are the first
    # two in time; the initial state lies beyond them.
    assert np.all(grad_x[:, 2:] == 0) and np.any(grad_x[:, :2] != 0)
    assert np.all(grad_h0 == 0)


def test_gradient_steps_with_mask_and_weight_gradients():
    # Theano's scanOp_pushout_output rewrite breaks this gradient unless
    # lasagne.theano_extensions.opt.skip_truncated_scans guards it.
    grad_W = gradients('rnn', 1., gradient_steps=2)[2]
    np.testing.assert_allclose(grad_W, truncated_rnn_gradients(2)[2],
                               rtol=1e-6)


def test_grad_clipping_clips_the_preactivation_gradient():
    # A linear RNN returning its final state, with a loss so steep that
    # every gradient message gets clipped; NumPy backpropagation with the
    # same clipping gives the expected gradient of the input.
    p = make_params('rnn')
    clip, scale = 0.25, 1e4
    l_in = InputLayer((None, STEPS, FEATURES))
    layer = RecurrentLayer(l_in, UNITS, W_in_to_hid=p['W_in'],
                           W_hid_to_hid=p['W_hid'], b=p['b'],
                           nonlinearity=None, grad_clipping=clip,
                           only_return_final=True)
    loss = scale * get_output(layer).sum()
    grad = theano.function([l_in.input_var],
                           T.grad(loss, l_in.input_var))(inputs_of('rnn'))
    expected = np.zeros_like(grad)
    delta = np.full((BATCH, UNITS), scale)
    for t in reversed(range(STEPS)):
        delta = np.clip(delta, -clip, clip)
        expected[:, t] = delta.dot(p['W_in'].T)
        delta = delta.dot(p['W_hid'].T)
    np.testing.assert_allclose(grad, expected, rtol=1e-6)


@pytest.mark.parametrize('kind', ['lstm', 'gru'])
def test_grad_clipping_bounds_gated_layers(kind):
    # The input reaches a step only through the clipped pre-activations,
    # so |d loss / d x| <= clip * (sum of |input weights| of the feature).
    # Unclipped, the gradients would be about 1e6.
    grad = gradients(kind, 1e6)[0]
    p = make_params(kind)
    gates = LSTM_GATES if kind == 'lstm' else GRU_GATES
    bound = GRAD_CLIP * sum(np.abs(p['W_in_' + g]).sum(axis=1)
                            for g in gates)
    assert np.all(np.abs(grad) <= bound * (1 + 1e-6))
    # Padding steps do not see the input at all.
    assert np.all(grad[MASK == 1] != 0)
    assert np.all(grad[MASK == 0] == 0)


def test_lstm_learns_a_sequence_task():
    # Remember the sign of the first input of a noisy sequence.
    rng = np.random.RandomState(0)
    x = floatX(rng.normal(size=(32, 6, 1)))
    y = floatX(x[:, 0, 0] > 0)
    previous_rng = lasagne.random.get_rng()
    lasagne.random.set_rng(np.random.RandomState(1))
    try:
        l_in = InputLayer((None, 6, 1))
        l_lstm = LSTMLayer(l_in, 8, only_return_final=True, backwards=True)
        l_out = DenseLayer(l_lstm, 1, nonlinearity=nonlinearities.sigmoid)
    finally:
        lasagne.random.set_rng(previous_rng)
    prediction = get_output(l_out)[:, 0]
    loss = T.nnet.binary_crossentropy(prediction, y).mean()
    params = get_all_params(l_out, trainable=True)
    assert len(params) == 17
    updates = [(param, param - 0.5 * grad)
               for param, grad in zip(params, T.grad(loss, params))]
    train = theano.function([l_in.input_var], loss, updates=updates)
    losses = [train(x) for _ in range(150)]
    assert losses[-1] < 0.5 * losses[0]


def test_gated_layers_flatten_trailing_input_axes(computed):
    p, _, values = computed('gru')
    l_in = InputLayer((None, STEPS, 1, FEATURES))
    layer = make_layer('gru', l_in, p)
    fn = theano.function([l_in.input_var], get_output(layer))
    out = fn(inputs_of('gru')[:, :, np.newaxis])
    np.testing.assert_allclose(out, values['plain'], rtol=1e-6)


def test_custom_layer_get_params_includes_sub_networks():
    l_in = InputLayer((None, STEPS, FEATURES))
    in_to_hid = DenseLayer(InputLayer((None, FEATURES)), UNITS, name='ih')
    hid_to_hid = DenseLayer(InputLayer((None, UNITS)), UNITS, b=None,
                            name='hh')
    layer = CustomRecurrentLayer(l_in, in_to_hid, hid_to_hid,
                                 learn_init=True, name='rec')
    names = ['rec.hid_init', 'ih.W', 'ih.b', 'hh.W']
    assert [p.name for p in layer.get_params()] == names
    assert [p.name for p in get_all_params(layer)] == names
    assert [p.name for p in layer.get_params(regularizable=False)] == [
        'rec.hid_init', 'ih.b']
    assert [p.name for p in layer.get_params(trainable=True)] == names
    assert list(layer.params) == [layer.hid_init]
    values = [v + 1 for v in get_all_param_values(layer)]
    set_all_param_values(layer, values)
    np.testing.assert_array_equal(hid_to_hid.W.get_value(), values[3])


def test_recurrent_layer_attributes_and_names():
    layer = RecurrentLayer((None, STEPS, ROWS, FEATURES), 6, name='rnn')
    assert layer.W_in_to_hid is layer.input_to_hidden.W
    assert layer.W_hid_to_hid is layer.hidden_to_hidden.W
    assert layer.b is layer.input_to_hidden.b
    assert layer.W_in_to_hid.get_value().shape == (ROWS * FEATURES, 6)
    assert layer.hidden_to_hidden.b is None
    assert [p.name for p in layer.get_params()] == [
        'rnn.hid_init', 'rnn.input_to_hidden.W', 'rnn.input_to_hidden.b',
        'rnn.hidden_to_hidden.W']
    assert layer.output_shape == (None, STEPS, 6)
    assert layer.nonlinearity is nonlinearities.rectify
    unnamed = RecurrentLayer((None, STEPS, FEATURES), 6, b=None)
    assert unnamed.b is None
    assert [p.name for p in unnamed.get_params()] == [
        'hid_init', 'input_to_hidden.W', 'hidden_to_hidden.W']


def test_lstm_parameters_in_upstream_order():
    layer = LSTMLayer((None, STEPS, FEATURES), 4, learn_init=True, name='l')
    names = [p.name for p in layer.get_params()]
    gates = ['W_in_to_%s', 'W_hid_to_%s', 'b_%s']
    assert names == ['l.' + n % g for g in LSTM_GATES for n in gates] + [
        'l.W_cell_to_ingate', 'l.W_cell_to_forgetgate',
        'l.W_cell_to_outgate', 'l.cell_init', 'l.hid_init']
    assert layer.params[layer.cell_init] == {'trainable'}
    assert layer.params[layer.b_cell] == {'trainable'}
    assert layer.params[layer.W_cell_to_ingate] == {'trainable',
                                                    'regularizable'}
    assert layer.nonlinearity_cell is nonlinearities.tanh
    assert layer.nonlinearity_ingate is nonlinearities.sigmoid
    assert layer.cell_init.get_value().shape == (1, 4)


def test_gru_parameters_in_upstream_order():
    layer = GRULayer((None, STEPS, FEATURES), 4)
    names = [p.name for p in layer.get_params()]
    assert names == [n % g for g in GRU_GATES
                     for n in ('W_in_to_%s', 'W_hid_to_%s', 'b_%s')] + [
        'hid_init']
    assert layer.params[layer.hid_init] == set()
    assert layer.nonlinearity_hid is nonlinearities.tanh
    assert layer.nonlinearity_updategate is nonlinearities.sigmoid
    assert not hasattr(layer, 'W_cell_to_updategate')


def test_initial_states_as_layers_become_inputs():
    l_in = InputLayer((None, STEPS, FEATURES))
    l_mask, l_h0, l_c0 = (InputLayer((None, STEPS)), InputLayer((None, 4)),
                          InputLayer((None, 4)))
    layer = LSTMLayer(l_in, 4, mask_input=l_mask, hid_init=l_h0,
                      cell_init=l_c0)
    assert layer.input_layers == [l_in, l_mask, l_h0, l_c0]
    assert (layer.mask_incoming_index, layer.hid_init_incoming_index,
            layer.cell_init_incoming_index) == (1, 2, 3)
    assert LSTMLayer(l_in, 4, cell_init=l_c0).cell_init_incoming_index == 1
    assert layer.hid_init is l_h0 and layer.cell_init is l_c0
    assert not any('init' in p.name for p in layer.get_params())
    plain = GRULayer(l_in, 4)
    assert (plain.mask_incoming_index, plain.hid_init_incoming_index) == (
        -1, -1)
    assert plain.input_layers == [l_in]


@pytest.mark.parametrize('make', [
    lambda l_in, **kw: RecurrentLayer(l_in, 4, **kw),
    lambda l_in, **kw: LSTMLayer(l_in, 4, **kw),
    lambda l_in, **kw: GRULayer(l_in, 4, **kw),
])
def test_output_shapes(make):
    l_in = InputLayer((None, None, FEATURES))
    assert make(l_in).output_shape == (None, None, 4)
    assert make(l_in, only_return_final=True).output_shape == (None, 4)
    layer = make(InputLayer((2, 7, FEATURES)))
    assert layer.output_shape == (2, 7, 4)
    assert get_output_shape(layer, (5, 9, FEATURES)) == (5, 9, 4)


@pytest.mark.parametrize('kind', KINDS)
def test_pickled_layers_keep_parameters_and_build_graphs(kind):
    l_in = InputLayer((None, STEPS) + input_shape(kind))
    layer = make_layer(kind, l_in, make_params(kind), name='rec',
                       mask_input=InputLayer((None, STEPS)))
    copy = pickle.loads(pickle.dumps(layer))
    assert ([p.name for p in copy.get_params()] ==
            [p.name for p in layer.get_params()])
    for value, expected in zip(get_all_param_values(copy),
                               get_all_param_values(layer)):
        np.testing.assert_array_equal(value, expected)
    assert copy.output_shape == layer.output_shape
    assert get_output(copy).ndim == len(layer.output_shape)


def test_gate_defaults_and_missing_cell_weights():
    gate = Gate()
    assert gate.nonlinearity is nonlinearities.sigmoid
    assert isinstance(gate.W_cell, init.Normal)
    assert not hasattr(Gate(W_cell=None), 'W_cell')
    assert Gate(nonlinearity=None).nonlinearity is nonlinearities.identity
    layer = LSTMLayer((None, STEPS, FEATURES), 4, nonlinearity=None,
                      cell=Gate(W_cell=None, nonlinearity=None))
    assert layer.nonlinearity is nonlinearities.identity
    assert layer.nonlinearity_cell is nonlinearities.identity
    assert CustomRecurrentLayer(
        (None, STEPS, FEATURES), DenseLayer((None, FEATURES), 4),
        DenseLayer((None, 4), 4),
        nonlinearity=None).nonlinearity is nonlinearities.identity


def _custom(incoming=(None, STEPS, FEATURES), in_shape=(None, FEATURES),
            hid_in_shape=(None, UNITS), hid_units=UNITS, **kwargs):
    return CustomRecurrentLayer(
        incoming, DenseLayer(InputLayer(in_shape), UNITS),
        DenseLayer(InputLayer(hid_in_shape), hid_units), **kwargs)


@pytest.mark.parametrize('make, error, match', [
    (lambda: LSTMLayer((None, FEATURES), 4), ValueError,
     r"LSTMLayer: the input must have the shape \(batch_size, "
     r"sequence_length, num_inputs...\), got \(None, 5\)"),
    (lambda: RecurrentLayer((None, FEATURES), 4, name='r'), ValueError,
     "RecurrentLayer 'r': the input must have the shape"),
    (lambda: GRULayer((None, None, FEATURES), 4, unroll_scan=True),
     ValueError, "GRULayer: unroll_scan=True needs a known sequence length"),
    (lambda: RecurrentLayer((None, None, FEATURES), 4, unroll_scan=True),
     ValueError, "unroll_scan=True needs a known sequence length"),
    (lambda: LSTMLayer((None, STEPS, FEATURES), 4, unroll_scan=True,
                       gradient_steps=2),
     ValueError, "gradient_steps must be -1 with unroll_scan=True, got 2"),
    (lambda: LSTMLayer((None, STEPS, FEATURES), 4,
                       mask_input=InputLayer((None, STEPS + 1))),
     ValueError, r"mask_input must have the shape \(batch_size, "
     r"sequence_length\) = \(None, 4\), or that with a third axis of "
     r"size 1, got \(None, 5\)"),
    (lambda: LSTMLayer((None, STEPS, FEATURES), 4,
                       mask_input=InputLayer((None, STEPS, 2))),
     ValueError, r"mask_input must have the shape .* got \(None, 4, 2\)"),
    (lambda: GRULayer((None, STEPS, FEATURES), 4,
                      hid_init=InputLayer((None, 3))),
     ValueError, r"GRULayer: the hid_init layer must have the output shape "
     r"\(batch_size, num_units...\) = \(None, 4\), or a batch size of 1 "
     r"or None, got \(None, 3\)"),
    # declared batch sizes that really conflict: both known, above 1
    (lambda: LSTMLayer((2, STEPS, FEATURES), 4,
                       cell_init=InputLayer((3, 4))),
     ValueError, r"the cell_init layer must have the output shape "
     r"\(batch_size, num_units...\) = \(2, 4\), or a batch size of 1 or "
     r"None, got \(3, 4\)"),
    (lambda: RecurrentLayer((None, STEPS, FEATURES), 4,
                            hid_init=InputLayer((1, 4, 1))),
     ValueError, "the hid_init layer must have the output shape"),
    (lambda: GRULayer((None, STEPS, FEATURES), 4, hid_init=np.zeros((1, 3))),
     ValueError, r"parameter hid_init has shape \(1, 3\), expected \(1, 4\)"),
    (lambda: LSTMLayer((None, STEPS, None), 4), ValueError,
     "LSTMLayer: the input must have known sizes after the second axis"),
    (lambda: GRULayer((None, STEPS, FEATURES), 0), ValueError,
     "GRULayer: num_units must be a positive int, got 0"),
    (lambda: RecurrentLayer((None, STEPS, FEATURES), 2.5), ValueError,
     "RecurrentLayer: num_units must be a positive int, got 2.5"),
    (lambda: LSTMLayer((None, STEPS, FEATURES), 4, ingate=Gate(W_cell=None)),
     ValueError, "LSTMLayer: peepholes=True needs a W_cell in the ingate "
     "Gate"),
    (lambda: GRULayer((None, STEPS, FEATURES), 4, resetgate=init.Normal()),
     TypeError, "GRULayer: resetgate must be a Gate"),
    (lambda: RecurrentLayer((None, STEPS, FEATURES), 4, nonlinearity='tanh'),
     TypeError, r"^RecurrentLayer: nonlinearity must be callable \(e.g. "
     r"from lasagne.nonlinearities\) or None, got 'tanh'$"),
    (lambda: LSTMLayer((None, STEPS, FEATURES), 4, nonlinearity=1),
     TypeError, "^LSTMLayer: nonlinearity must be callable"),
    (lambda: Gate(nonlinearity='sigmoid'),
     TypeError, "^Gate: nonlinearity must be callable"),
    (lambda: CustomRecurrentLayer((None, STEPS, FEATURES), (None, 3),
                                  DenseLayer((None, 3), 3)),
     TypeError, "CustomRecurrentLayer: input_to_hidden must be a Layer"),
    (lambda: _custom(hid_units=UNITS + 1, hid_in_shape=(None, UNITS + 1)),
     ValueError, r"the outputs of input_to_hidden \(None, 3\) and "
     r"hidden_to_hidden \(None, 4\) must have the same shape"),
    (lambda: _custom(hid_in_shape=(None, UNITS + 2)), ValueError,
     r"the input layer of hidden_to_hidden has shape \(None, 5\), but will "
     r"receive inputs of shape \(rows,\) \+ \(3,\)"),
    (lambda: _custom(in_shape=(None, FEATURES + 1)), ValueError,
     "the input layer of input_to_hidden has shape"),
    (lambda: _custom(incoming=(2, STEPS, FEATURES), in_shape=(2, FEATURES)),
     ValueError, r"the output of input_to_hidden has 2 rows, but will be "
     r"computed for 8 rows \(batch_size \* sequence_length with "
     r"precompute_input=True\)"),
    (lambda: _custom(incoming=(2, STEPS, FEATURES), in_shape=(8, FEATURES),
                     precompute_input=False), ValueError,
     r"the output of input_to_hidden has 8 rows, but will be computed for "
     r"2 rows \(batch_size\)"),
    (lambda: _custom(incoming=(2, STEPS, FEATURES),
                     hid_in_shape=(3, UNITS)), ValueError,
     "the output of hidden_to_hidden has 3 rows"),
    (lambda: CustomRecurrentLayer((None, STEPS, FEATURES),
                                  InputLayer((None, None)),
                                  InputLayer((None, None))),
     ValueError, r"hid_init needs a state shape without None, got "
     r"\(None,\); pass a layer as hid_init instead"),
])
def test_errors(make, error, match):
    with pytest.raises(error, match=match):
        make()


CLASS_NAMES = {'custom': 'CustomRecurrentLayer', 'rnn': 'RecurrentLayer',
               'lstm': 'LSTMLayer', 'gru': 'GRULayer'}
STEPS_EXPECTED = r"gradient_steps must be -1 \(the whole sequence\) or at " \
    r"least 1, got "
CLIPPING_EXPECTED = r"grad_clipping must be a real number >= 0, got "


@pytest.mark.parametrize('kind', KINDS)
@pytest.mark.parametrize('options, error, match', [
    (dict(gradient_steps=0), ValueError, STEPS_EXPECTED + "0$"),
    (dict(gradient_steps=-2), ValueError, STEPS_EXPECTED + "-2$"),
    (dict(gradient_steps=2.0), TypeError,
     r"gradient_steps must be an int, got 2.0$"),
    (dict(gradient_steps=True), TypeError, "gradient_steps must be an int"),
    (dict(gradient_steps=None), TypeError, "gradient_steps must be an int"),
    (dict(grad_clipping=-0.5), ValueError, CLIPPING_EXPECTED + r"-0.5$"),
    (dict(grad_clipping=float('nan')), ValueError, CLIPPING_EXPECTED + "nan"),
    (dict(grad_clipping='1'), TypeError,
     "grad_clipping must be a real number >= 0, got '1'$"),
    (dict(grad_clipping=True), TypeError,
     "grad_clipping must be a real number >= 0, got True$"),
])
def test_loop_option_errors(kind, options, error, match):
    l_in = InputLayer((None, STEPS) + input_shape(kind))
    with pytest.raises(error, match="^%s 'bad': %s" % (CLASS_NAMES[kind],
                                                       match)):
        make_layer(kind, l_in, make_params(kind), name='bad', **options)


@pytest.mark.parametrize('kind', KINDS)
@pytest.mark.parametrize('gradient_steps, grad_clipping', [
    (-1, 0), (1, 0.), (np.int64(3), np.float32(1.5)), (STEPS + 5, 100),
    (-1, False), (-1, None)])
def test_loop_options_accepted(kind, gradient_steps, grad_clipping):
    l_in = InputLayer((None, STEPS) + input_shape(kind))
    layer = make_layer(kind, l_in, make_params(kind),
                       gradient_steps=gradient_steps,
                       grad_clipping=grad_clipping)
    assert layer.gradient_steps == gradient_steps
    assert layer.grad_clipping == grad_clipping


def test_custom_layer_accepts_fitting_fixed_sizes():
    # The checks above must not reject sub-networks with known row counts
    # that fit, nor a state of unknown size given as a layer.
    layer = _custom(incoming=(2, STEPS, FEATURES), in_shape=(8, FEATURES),
                    hid_in_shape=(2, UNITS))
    assert layer.output_shape == (2, STEPS, UNITS)
    layer = CustomRecurrentLayer((None, STEPS, FEATURES),
                                 InputLayer((None, None)),
                                 InputLayer((None, None)),
                                 hid_init=InputLayer((None, FEATURES)))
    assert layer.output_shape == (None, STEPS, None)


def _has_grad_clip(output):
    return any(isinstance(node.op, theano.gradient.GradClip)
               for node in theano.gof.graph.io_toposort([], [output]))


@pytest.mark.parametrize('kind', KINDS)
def test_grad_clipping_none_does_not_clip(kind):
    # as in Lasagne 0.2: None, like 0, means no clipping
    l_in = InputLayer((None, STEPS) + input_shape(kind))
    outputs = {}
    for clipping in (None, 0, 1.):
        layer = make_layer(kind, l_in, make_params(kind),
                           grad_clipping=clipping, unroll_scan=True)
        outputs[clipping] = get_output(layer)
    assert not _has_grad_clip(outputs[None])
    assert not _has_grad_clip(outputs[0])
    assert _has_grad_clip(outputs[1.])


@pytest.mark.parametrize('kind', KINDS)
def test_mask_with_a_third_axis(kind):
    """A mask of shape (batch_size, sequence_length, 1), which Lasagne 0.2
    takes, masks as the same mask without the third axis."""
    p = make_params(kind)
    l_in = InputLayer((None, STEPS) + input_shape(kind))
    l_mask2 = InputLayer((None, STEPS))
    l_mask3 = InputLayer((None, STEPS, 1))
    outputs = [get_output(make_layer(kind, l_in, p, mask_input=l_mask))
               for l_mask in (l_mask2, l_mask3)]
    fn = theano.function([l_in.input_var, l_mask2.input_var,
                          l_mask3.input_var], outputs, mode=MODE)
    with_two, with_three = fn(inputs_of(kind), MASK, MASK[:, :, None])
    np.testing.assert_array_equal(with_three, with_two)
    expected = reference(reference_step(kind, p), inputs_of(kind),
                         _initial_states(kind, p), mask=MASK)
    np.testing.assert_allclose(with_two, expected, rtol=1e-5, atol=1e-6)


def _initial_states(kind, p, batch=BATCH):
    states = [np.repeat(p['h0'], batch, axis=0)]
    if kind == 'lstm':
        states.insert(0, np.repeat(p['c0'], batch, axis=0))
    return states


def test_mask_third_axis_checked_at_run_time():
    l_in = InputLayer((None, STEPS, FEATURES))
    l_mask = InputLayer((None, STEPS, None))
    fn = theano.function([l_in.input_var, l_mask.input_var], get_output(
        RecurrentLayer(l_in, UNITS, mask_input=l_mask)), mode=MODE)
    with pytest.raises(ValueError):
        fn(inputs_of('rnn'), floatX(np.ones((BATCH, STEPS, 2))))


@pytest.mark.parametrize('kind', KINDS)
def test_initial_states_of_batch_size_one(kind):
    """Initial states from layers of batch size 1 serve all sequences, and
    layers of batch size None give one state per sequence at run time, for
    an input of any declared batch size (Lasagne 0.2 accepts both)."""
    p = make_params(kind)
    l_in = InputLayer((BATCH, STEPS) + input_shape(kind))
    l_h1 = InputLayer((1,) + state_shape(kind))
    l_c1 = InputLayer((1, UNITS))
    l_hn = InputLayer((None,) + state_shape(kind))
    l_cn = InputLayer((None, UNITS))
    one = make_layer(kind, l_in, p, h0=l_h1, c0=l_c1)
    each = make_layer(kind, l_in, p, h0=l_hn, c0=l_cn)
    fn = theano.function(
        [l_in.input_var, l_h1.input_var, l_c1.input_var, l_hn.input_var,
         l_cn.input_var], [get_output(one), get_output(each)],
        on_unused_input='ignore', mode=MODE)
    h0 = p['h0']
    c0 = p['c0'] if kind == 'lstm' else floatX(np.zeros((1, UNITS)))
    shared, per_sequence = fn(inputs_of(kind), h0, c0,
                              np.repeat(h0, BATCH, axis=0),
                              np.repeat(c0, BATCH, axis=0))
    expected = reference(reference_step(kind, p), inputs_of(kind),
                         _initial_states(kind, p))
    np.testing.assert_allclose(shared, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(per_sequence, expected, rtol=1e-5, atol=1e-6)


def test_initial_state_of_batch_size_one_checked_at_run_time():
    l_in = InputLayer((None, STEPS, FEATURES))
    l_h0 = InputLayer((1, UNITS), input_var=T.matrix())  # not broadcastable
    fn = theano.function([l_in.input_var, l_h0.input_var], get_output(
        RecurrentLayer(l_in, UNITS, hid_init=l_h0)), mode=MODE)
    assert fn(inputs_of('rnn'), floatX(np.ones((1, UNITS)))).shape == \
        (BATCH, STEPS, UNITS)
    with pytest.raises(ValueError):
        fn(inputs_of('rnn'), floatX(np.ones((2, UNITS))))


@pytest.mark.parametrize('which', ['input_to_hidden', 'hidden_to_hidden'])
def test_custom_layer_refuses_sub_networks_of_several_inputs(which):
    # as Lasagne 0.2 does: the step feeds a sub-network one expression
    units = UNITS
    width = FEATURES if which == 'input_to_hidden' else units
    two_inputs = DenseLayer(ConcatLayer([InputLayer((None, width)),
                                         InputLayer((None, width))]), units)
    networks = dict(input_to_hidden=DenseLayer((None, FEATURES), units),
                    hidden_to_hidden=DenseLayer((None, units), units))
    networks[which] = two_inputs
    with pytest.raises(ValueError, match="^CustomRecurrentLayer 'c': %s must "
                       "be a network with one InputLayer, which receives the "
                       "step's input, got one with 2$" % which):
        CustomRecurrentLayer((None, STEPS, FEATURES), name='c', **networks)


@pytest.mark.parametrize('kind', KINDS)
def test_array_input(kind):
    p = make_params(kind)
    l_in = InputLayer((None, STEPS) + input_shape(kind))
    layer = make_layer(kind, l_in, p, mask_input=InputLayer((None, STEPS)),
                       h0=InputLayer((None,) + state_shape(kind)))
    check_array_input(layer, inputs_of(kind), MASK, H0[kind])


DOCS_PAGE = os.path.join(os.path.dirname(lasagne.__file__), os.pardir,
                         'docs', 'modules', 'layers', 'recurrent.rst')


@pytest.mark.skipif(not os.path.isfile(DOCS_PAGE),
                    reason='needs the source repository')
def test_documentation_examples():
    failed, attempted = doctest.testfile(
        DOCS_PAGE, module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert attempted > 0 and failed == 0


@pytest.mark.parametrize('kind, state', [('custom', 'h0'), ('rnn', 'h0'),
                                         ('gru', 'h0'), ('lstm', 'h0'),
                                         ('lstm', 'c0')])
def test_float64_initial_state_under_float32(kind, state):
    """A float64 array as an initial state of a float32 layer is cast to
    the layer's dtype: the output is float32 and right. Upstream's LSTM
    failed inside scan, and the other layers computed in float64."""
    with theano.change_flags(floatX='float32'):
        p = make_params(kind)
        given = {state: p[state].astype('float64')}
        l_in = InputLayer((BATCH, STEPS) + input_shape(kind))
        assert l_in.input_var.dtype == 'float32'
        layer = make_layer(kind, l_in, p, **given)
        output = get_output(layer)
        assert output.dtype == 'float32'
        x = inputs_of(kind).astype('float32')
        value = theano.function([l_in.input_var], output, mode=MODE)(x)
    initial = [np.repeat(p['h0'], BATCH, axis=0)]
    if kind == 'lstm':
        initial.insert(0, np.repeat(p['c0'], BATCH, axis=0))
    expected = reference(reference_step(kind, p), x, initial)
    assert value.dtype == np.float32
    np.testing.assert_allclose(value, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('cls', [RecurrentLayer, LSTMLayer, GRULayer])
@pytest.mark.parametrize('mask_input', [5, 'mask', np.ones((2, STEPS))])
def test_mask_input_type(cls, mask_input):
    with pytest.raises(TypeError, match=r"^%s 'r': mask_input must be a "
                       r"Layer instance, a shape tuple or None, got "
                       % cls.__name__):
        cls((None, STEPS, FEATURES), 4, mask_input=mask_input, name='r')


def test_custom_recurrent_mask_input_type():
    with pytest.raises(TypeError, match=r"^CustomRecurrentLayer: mask_input "
                       r"must be a Layer instance, a shape tuple or None, "
                       r"got 5$"):
        _custom(mask_input=5)


@pytest.mark.parametrize('name, prefix', [('rnn', 'rnn.'), (None, '')])
@pytest.mark.parametrize('argument, value, param, shape', [
    ('W_in_to_hid', np.zeros((2, 2)), 'input_to_hidden.W', (FEATURES, 4)),
    ('W_hid_to_hid', np.zeros((4, 2)), 'hidden_to_hidden.W', (4, 4)),
    ('b', np.zeros(2), 'input_to_hidden.b', (4,)),
])
def test_recurrent_weights_named_in_errors(name, prefix, argument, value,
                                           param, shape):
    # not the DenseLayer that RecurrentLayer builds from them
    layer_name = "RecurrentLayer 'rnn'" if name else "RecurrentLayer"
    with pytest.raises(ValueError, match=r"^%s: %s: parameter %s%s has "
                       r"shape %s, expected %s$"
                       % (layer_name, argument, prefix, param,
                          re.escape(repr(value.shape)),
                          re.escape(repr(shape)))):
        RecurrentLayer((None, STEPS, FEATURES), 4, name=name,
                       **{argument: value})


def test_recurrent_weight_type_named_in_errors():
    with pytest.raises(TypeError, match=r"^RecurrentLayer: W_hid_to_hid: "
                       r"parameter hidden_to_hidden.W: cannot create it "
                       r"from a str"):
        RecurrentLayer((None, STEPS, FEATURES), 4, W_hid_to_hid='zeros')
