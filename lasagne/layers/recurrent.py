"""
Recurrent layers read a sequence and carry a hidden state from one time step
to the next.

Their input has the shape ``(batch_size, sequence_length, num_inputs...)``
and, unless ``only_return_final=True``, their output the shape
``(batch_size, sequence_length, num_units...)``: the hidden state after each
step. All of them share these options:

* ``mask_input``: a layer of shape ``(batch_size, sequence_length)`` (or
  ``(batch_size, sequence_length, 1)``) that marks the valid steps of each
  sequence with 1 and the padding with 0. At a padded step the state is
  carried over unchanged, so the state after the last valid step is also
  the state at the end of the sequence.
* ``hid_init`` (and ``cell_init`` for :class:`LSTMLayer`): the initial state,
  either a parameter (an initializer, array or shared variable, of shape
  ``(1, num_units...)``, learnt if ``learn_init=True``) or a layer whose
  output of shape ``(batch_size, num_units...)`` gives one initial state per
  sequence. A layer whose declared batch size is 1 gives one initial state
  for all sequences; one whose batch size is None gives its batch at run
  time.
* ``backwards``: read the sequence from its end. The output stays in the
  order of the input, so that step ``t`` of a forward and of a backward
  layer can be joined for a bidirectional network.
* ``gradient_steps``: an int, backpropagate through at most this many steps
  (truncated backpropagation through time), at least 1; -1 (the default)
  for the whole sequence.
* ``grad_clipping``: a number, at least 0, or None. If nonzero, clip the
  gradient of the pre-activations to ``[-grad_clipping, grad_clipping]`` in
  the backward pass, as proposed by Graves (2013, arXiv:1308.0850); 0 (the
  default) or None does not clip.
* ``unroll_scan``: build a graph of ``sequence_length`` copies of the step
  instead of a ``theano.scan`` loop. It needs a known sequence length and
  ``gradient_steps=-1``, takes longer to compile and avoids the loop's cost
  per step.
* ``precompute_input``: compute the input's contribution for all steps at
  once before the loop (one large matrix product) rather than inside it.
  Faster, at the cost of memory.
* ``only_return_final``: return only the state after the last step, of
  shape ``(batch_size, num_units...)``.

On Python >= 3.11, Theano's compiled scan loop cannot be built, and
``import lasagne`` makes Theano use its Python scan loop instead; see the
documentation page of this module for what that costs.
"""
import numpy as np
import theano
import theano.tensor as T

from .. import init
from .. import nonlinearities
from .. import utils
from .._checks import (_check_nonlinearity, _check_positive_int, _check_real,
                       _describe, _is_int)
from .base import Layer, MergeLayer, _create_param, _incoming_shape
from .dense import DenseLayer
from .helper import get_all_layers, get_all_params, get_output
from .input import InputLayer


__all__ = [
    "CustomRecurrentLayer",
    "RecurrentLayer",
    "Gate",
    "LSTMLayer",
    "GRULayer",
]


def _compatible(shape_a, shape_b):
    """Whether two shapes can be equal, None standing for any size."""
    return len(shape_a) == len(shape_b) and all(
        a is None or b is None or a == b for a, b in zip(shape_a, shape_b))


def _check_loop_args(layer, input_shape, unroll_scan, gradient_steps,
                     grad_clipping):
    """Check the input shape and the options of the loop of a recurrent
    layer, raising errors that name `layer`."""
    if not _is_int(gradient_steps):
        raise TypeError("%s: gradient_steps must be an int, got %r"
                        % (_describe(layer), gradient_steps))
    if gradient_steps != -1 and gradient_steps < 1:
        raise ValueError("%s: gradient_steps must be -1 (the whole sequence) "
                         "or at least 1, got %r"
                         % (_describe(layer), gradient_steps))
    # None and False (no clipping) worked in earlier Lasagne versions; True
    # never meant a bound.
    if grad_clipping is not None and grad_clipping is not False:
        _check_real(layer, grad_clipping, 'grad_clipping', 0,
                    numbers_only=True)
    if len(input_shape) < 3:
        raise ValueError("%s: the input must have the shape (batch_size, "
                         "sequence_length, num_inputs...), got %r"
                         % (_describe(layer), input_shape))
    if unroll_scan and input_shape[1] is None:
        raise ValueError("%s: unroll_scan=True needs a known sequence length "
                         "(the second dimension of the input), got input "
                         "shape %r" % (_describe(layer), input_shape))
    if unroll_scan and gradient_steps != -1:
        raise ValueError("%s: gradient_steps must be -1 with "
                         "unroll_scan=True, got %r"
                         % (_describe(layer), gradient_steps))


def _unbroadcast(state):
    """`state` with no broadcastable axis.

    An axis of size 1 of a state can be broadcastable in the initial state
    (create_param makes a parameter's size-1 axes so, and a layer's output
    may have them) but not in the step's output, or the other way round
    (e.g. a product with a broadcastable weight matrix), while scan, and
    the scan of its gradient, need both to have the same broadcast
    pattern."""
    return T.unbroadcast(state, *range(state.ndim))


class _Recurrence(MergeLayer):
    """The loop shared by all recurrent layers.

    A subclass declares its states in `_state_names` (attribute names of the
    initial states, e.g. ``('cell_init', 'hid_init')``; the last one is the
    layer's output), passes the initial states given to it as a dict keyed
    by these names to ``__init__`` and, once the state shape is known, to
    :meth:`_add_initial_states`, and defines:

    * ``_state_shape()``: the shape of each state without the batch axis;
    * ``_weights()``: expressions the step uses, built once per call of
      :meth:`get_output_for` (such as stacked weight matrices) and handed to
      the loop as non-sequences;
    * ``_project_input(x, weights, **kwargs)``: the input's contribution to
      the step for rows `x` (all steps at once, or one step);
    * ``_step(projected_input_n, states, weights, **kwargs)``: the new
      states.

    Everything the loop needs at run time is read from the public attributes
    that upstream Lasagne's layers have, so that their pickles load.
    """
    _state_names = ('hid_init',)

    def __init__(self, incoming, initial_states, *, mask_input, backwards,
                 learn_init, gradient_steps, grad_clipping, unroll_scan,
                 precompute_input, only_return_final, **kwargs):
        incomings = [incoming]
        if mask_input is not None:
            # in its own name, before MergeLayer would blame "incoming"
            self.name = kwargs.get('name')
            _incoming_shape(self, mask_input, 'mask_input',
                            'a Layer instance, a shape tuple or None')
            incomings.append(mask_input)
        mask_index = len(incomings) - 1 if mask_input is not None else -1
        state_indices = {}
        # Upstream Lasagne adds initial states given as layers to the
        # incoming layers from the output state backwards (an LSTM's
        # hid_init before its cell_init), and its parameters the other way.
        for name in reversed(self._state_names):
            if isinstance(initial_states[name], Layer):
                incomings.append(initial_states[name])
                state_indices[name] = len(incomings) - 1
        super(_Recurrence, self).__init__(incomings, **kwargs)
        self.mask_incoming_index = mask_index
        for name in self._state_names:
            setattr(self, name + '_incoming_index',
                    state_indices.get(name, -1))
        self.learn_init = learn_init
        self.backwards = backwards
        self.gradient_steps = gradient_steps
        self.grad_clipping = grad_clipping
        self.unroll_scan = unroll_scan
        self.precompute_input = precompute_input
        self.only_return_final = only_return_final
        input_shape = self.input_shapes[0]
        _check_loop_args(self, input_shape, unroll_scan, gradient_steps,
                         grad_clipping)
        if mask_input is not None and not any(
                _compatible(self.input_shapes[mask_index], shape)
                for shape in (input_shape[:2],
                              tuple(input_shape[:2]) + (1,))):
            raise ValueError("%s: mask_input must have the shape (batch_size, "
                             "sequence_length) = %r, or that with a third "
                             "axis of size 1, got %r"
                             % (_describe(self), input_shape[:2],
                                self.input_shapes[mask_index]))

    def _add_initial_states(self, initial_states):
        """Store each initial state, in the order of `_state_names`: a layer
        as it is, anything else as a parameter of shape ``(1,) + state
        shape``."""
        state_shape = tuple(self._state_shape())
        wanted = (self.input_shapes[0][0],) + state_shape
        for name in self._state_names:
            spec = initial_states[name]
            if isinstance(spec, Layer):
                shape = tuple(spec.output_shape)
                # a batch size of 1 (one state for all sequences) or None
                # (known at run time) fits any other
                batches = set(shape[:1] + wanted[:1]) - {None, 1}
                if not _compatible(shape[1:], state_shape) or len(batches) > 1:
                    raise ValueError(
                        "%s: the %s layer must have the output shape "
                        "(batch_size, num_units...) = %r, or a batch size "
                        "of 1 or None, got %r"
                        % (_describe(self), name, wanted, shape))
                setattr(self, name, spec)
            else:
                if None in state_shape:
                    raise ValueError(
                        "%s: %s needs a state shape without None, got %r; "
                        "pass a layer as %s instead"
                        % (_describe(self), name, state_shape, name))
                setattr(self, name, self.add_param(
                    spec, (1,) + state_shape, name=name,
                    trainable=self.learn_init, regularizable=False))

    def _clip(self, x):
        if not self.grad_clipping:  # 0, None or False
            return x
        return theano.gradient.grad_clip(x, -self.grad_clipping,
                                         self.grad_clipping)

    def _weights(self):
        return []

    def get_output_shape_for(self, input_shapes):
        batch_size, sequence_length = input_shapes[0][:2]
        state_shape = tuple(self._state_shape())
        if self.only_return_final:
            return (batch_size,) + state_shape
        return (batch_size, sequence_length) + state_shape

    def _state_dtype(self, input):
        """The dtype the step computes the states in: that of the input and
        the weights together. Initial states are cast to it, as scan needs
        them to have the dtype the step returns (a float64 array given as
        an initial state of a float32 layer failed in an LSTM's scan, and
        turned the other layers' outputs into float64)."""
        initial = [getattr(self, name) for name in self._state_names]
        weights = [param for param in self.get_params(unwrap_shared=False)
                   if not any(param is state for state in initial)]
        return theano.scalar.upcast(input.dtype,
                                    *[weight.dtype for weight in weights])

    def _initial_state(self, inputs, name, num_batch, dtype):
        index = getattr(self, name + '_incoming_index')
        if index > 0:
            state = inputs[index]
            if self.input_shapes[index][0] == 1:
                # one state for all sequences, as a parameter gives; Theano
                # checks at run time that it has one row
                state = T.repeat(T.addbroadcast(state, 0), num_batch, axis=0)
        else:
            state = T.repeat(getattr(self, name), num_batch, axis=0)
        return _unbroadcast(T.cast(state, dtype))

    def get_output_for(self, inputs, **kwargs):
        """The layer's output for its inputs.

        Parameters
        ----------
        inputs : list of Theano expressions
            The sequence, then (where the layer has them) the mask and the
            initial states given as layers, in the order of
            ``input_layers``.
        **kwargs
            Passed on to sub-networks, e.g. ``deterministic``.

        Returns
        -------
        Theano expression
            The hidden states of shape ``(batch_size, sequence_length,
            num_units...)``, or of shape ``(batch_size, num_units...)`` with
            ``only_return_final=True``.
        """
        inputs = [T.as_tensor_variable(x) for x in inputs]
        # The loop runs over the first axis, so time goes first.
        input = inputs[0]
        input = input.dimshuffle(1, 0, *range(2, input.ndim))
        seq_len, num_batch = input.shape[0], input.shape[1]
        weights = self._weights()
        if self.precompute_input:
            rows = input.reshape((seq_len * num_batch,) +
                                 tuple(input.shape[2:]), ndim=input.ndim - 1)
            rows = self._project_input(rows, weights, **kwargs)
            input = rows.reshape((seq_len, num_batch) +
                                 tuple(rows.shape[1:]), ndim=rows.ndim + 1)
        sequences = [input]
        if self.mask_incoming_index > 0:
            mask = inputs[self.mask_incoming_index]
            if mask.ndim == 3:
                # the third axis has size 1, checked at run time
                mask = T.addbroadcast(mask, 2).dimshuffle(0, 1)
            sequences.append(mask.T)
        dtype = self._state_dtype(inputs[0])
        initial = [self._initial_state(inputs, name, num_batch, dtype)
                   for name in self._state_names]
        masked = len(sequences) == 2

        def step(input_n, *args):
            previous = list(args[masked:masked + len(initial)])
            if not self.precompute_input:
                input_n = self._project_input(input_n, weights, **kwargs)
            states = [_unbroadcast(s) for s in
                      self._step(input_n, previous, weights, **kwargs)]
            if masked:
                # Padding steps carry the previous state over.
                keep = [args[0].dimshuffle(0, *(['x'] * (s.ndim - 1)))
                        for s in states]
                states = [T.switch(k, s, p)
                          for k, s, p in zip(keep, states, previous)]
            return states

        if self.unroll_scan:
            outputs = utils.unroll_scan(
                step, sequences, initial, weights,
                n_steps=self.input_shapes[0][1], go_backwards=self.backwards)
        else:
            outputs = theano.scan(
                step, sequences=sequences, outputs_info=initial,
                non_sequences=weights, go_backwards=self.backwards,
                truncate_gradient=self.gradient_steps, return_list=True)[0]
        output = outputs[-1]
        if self.only_return_final:
            return output[-1]
        if self.backwards:
            output = output[::-1]
        return output.dimshuffle(1, 0, *range(2, output.ndim))


class CustomRecurrentLayer(_Recurrence):
    """A recurrent layer built from two sub-networks:

    .. math:: h_t = \\sigma(f(x_t) + g(h_{t-1}))

    where :math:`f` is `input_to_hidden`, :math:`g` is `hidden_to_hidden`
    and :math:`\\sigma` the `nonlinearity`. The sub-networks can be any
    networks of layers with one input layer each, e.g. dense or
    convolutional ones; their parameters count among this layer's
    parameters (see :meth:`get_params`).

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The sequence, of shape ``(batch_size, sequence_length,
        num_inputs...)``.
    input_to_hidden : :class:`Layer`
        The output layer of the sub-network :math:`f`. Its input layer
        receives one time step of the input, of shape ``(batch_size,
        num_inputs...)``, or, with ``precompute_input=True``, all steps at
        once, of shape ``(batch_size * sequence_length, num_inputs...)``.
    hidden_to_hidden : :class:`Layer`
        The output layer of the sub-network :math:`g`. It maps the hidden
        state, of shape ``(batch_size, num_units...)``, to the same shape,
        which is also the shape of the output of `input_to_hidden`.
    nonlinearity : callable or None
        :math:`\\sigma`; None for the identity.
    hid_init : callable, numpy array, Theano shared variable or Layer
        The initial hidden state: a parameter of shape ``(1,
        num_units...)``, or a layer with output shape ``(batch_size,
        num_units...)``; a layer of batch size 1 gives one state for all
        sequences, and one of batch size None its states at run time.
    backwards : bool
        If True, read the sequence from its end; the output keeps the
        order of the input.
    learn_init : bool
        If True, `hid_init` is a trainable parameter (unless it is a layer).
    gradient_steps : int
        How many steps to backpropagate through, at least 1; -1 for all of
        them.
    grad_clipping : float or None
        At least 0. If nonzero, the gradient of the pre-activation
        :math:`f(x_t) + g(h_{t-1})` is clipped to ``[-grad_clipping,
        grad_clipping]`` in the backward pass; 0 or None does not clip.
    unroll_scan : bool
        If True, unroll the loop in Python instead of using
        ``theano.scan``; needs a known sequence length and
        ``gradient_steps=-1``.
    precompute_input : bool
        If True, apply `input_to_hidden` to all steps at once, before the
        loop.
    mask_input : :class:`Layer` or None
        A layer of shape ``(batch_size, sequence_length)`` (or
        ``(batch_size, sequence_length, 1)``), 1 at valid steps and 0 at
        padding, where the state is carried over unchanged.
    only_return_final : bool
        If True, return only the state after the last step.
    **kwargs
        Passed to :class:`MergeLayer` (e.g. `name`).

    Attributes
    ----------
    mask_incoming_index, hid_init_incoming_index : int
        The positions of `mask_input` and of a `hid_init` layer in
        ``input_layers``, -1 where there is none.

    Raises
    ------
    ValueError
        If the shapes of the input, the sub-networks, the mask or a
        `hid_init` layer do not fit together, a sub-network has more than
        one :class:`InputLayer`, or `unroll_scan` is set without a known
        sequence length.

    See Also
    --------
    RecurrentLayer : The same with dense sub-networks.

    Examples
    --------
    A recurrent layer whose hidden state is a 2x3 matrix per sequence:
    dense layers act on the last axis of the state.

    >>> from lasagne.layers import (InputLayer, DenseLayer,
    ...                             CustomRecurrentLayer)
    >>> l_in = InputLayer((None, 10, 2, 5))
    >>> l_in_hid = DenseLayer(InputLayer((None, 2, 5)), 3,
    ...                       num_leading_axes=-1)
    >>> l_hid_hid = DenseLayer(InputLayer((None, 2, 3)), 3,
    ...                        num_leading_axes=-1)
    >>> l_rec = CustomRecurrentLayer(l_in, l_in_hid, l_hid_hid)
    >>> l_rec.output_shape
    (None, 10, 2, 3)
    >>> [p.name for p in l_rec.get_params()]
    ['hid_init', 'W', 'b', 'W', 'b']
    """

    def __init__(self, incoming, input_to_hidden, hidden_to_hidden,
                 nonlinearity=nonlinearities.rectify,
                 hid_init=init.Constant(0.), backwards=False,
                 learn_init=False, gradient_steps=-1, grad_clipping=0,
                 unroll_scan=False, precompute_input=True, mask_input=None,
                 only_return_final=False, **kwargs):
        initial_states = {'hid_init': hid_init}
        super(CustomRecurrentLayer, self).__init__(
            incoming, initial_states, mask_input=mask_input,
            backwards=backwards, learn_init=learn_init,
            gradient_steps=gradient_steps, grad_clipping=grad_clipping,
            unroll_scan=unroll_scan, precompute_input=precompute_input,
            only_return_final=only_return_final, **kwargs)
        self.input_to_hidden = input_to_hidden
        self.hidden_to_hidden = hidden_to_hidden
        self.nonlinearity = _check_nonlinearity(self, nonlinearity)
        self._check_sub_networks()
        self._add_initial_states(initial_states)

    def _check_sub_networks(self):
        for name in ('input_to_hidden', 'hidden_to_hidden'):
            if not isinstance(getattr(self, name), Layer):
                raise TypeError("%s: %s must be a Layer, got %r"
                                % (_describe(self), name,
                                   getattr(self, name)))
        input_shape = self.input_shapes[0]
        in_hid_shape = self.input_to_hidden.output_shape
        hid_hid_shape = self.hidden_to_hidden.output_shape
        if not _compatible(in_hid_shape[1:], hid_hid_shape[1:]):
            raise ValueError(
                "%s: the outputs of input_to_hidden %r and hidden_to_hidden "
                "%r must have the same shape after the first axis"
                % (_describe(self), in_hid_shape, hid_hid_shape))
        for name, wanted in (('input_to_hidden', input_shape[2:]),
                             ('hidden_to_hidden', hid_hid_shape[1:])):
            shape = _sub_network_input_shape(self, name)
            if shape is not None and not _compatible(shape[1:], wanted):
                raise ValueError(
                    "%s: the input layer of %s has shape %r, but will "
                    "receive inputs of shape (rows,) + %r"
                    % (_describe(self), name, shape, wanted))
        batch_size, seq_len = input_shape[:2]
        if self.precompute_input:
            in_hid_rows = (None if None in (batch_size, seq_len)
                           else batch_size * seq_len,
                           'batch_size * sequence_length with '
                           'precompute_input=True')
        else:
            in_hid_rows = (batch_size, 'batch_size')
        for name, shape, (rows, what) in (
                ('input_to_hidden', in_hid_shape, in_hid_rows),
                ('hidden_to_hidden', hid_hid_shape,
                 (batch_size, 'batch_size'))):
            if None not in (shape[0], rows) and shape[0] != rows:
                raise ValueError(
                    "%s: the output of %s has %d rows, but will be computed "
                    "for %d rows (%s); give its input layer the first "
                    "dimension None" % (_describe(self), name, shape[0],
                                        rows, what))

    def _state_shape(self):
        return self.hidden_to_hidden.output_shape[1:]

    def get_params(self, **tags):
        """The parameters of this layer and of its two sub-networks.

        Parameters
        ----------
        **tags
            As in :meth:`Layer.get_params` (including `unwrap_shared`).

        Returns
        -------
        list of Theano variables
            This layer's own parameters (`hid_init`), then those of
            `input_to_hidden`, then those of `hidden_to_hidden`.
        """
        params = super(CustomRecurrentLayer, self).get_params(**tags)
        params += get_all_params(self.input_to_hidden, **tags)
        params += get_all_params(self.hidden_to_hidden, **tags)
        return utils.unique(params)

    def _project_input(self, x, weights, **kwargs):
        return get_output(self.input_to_hidden, x, **kwargs)

    def _step(self, input_n, states, weights, **kwargs):
        hid_pre = get_output(self.hidden_to_hidden, states[0], **kwargs)
        return [self.nonlinearity(self._clip(input_n + hid_pre))]


def _sub_network_input_shape(layer, name):
    """The shape of the input layer of the sub-network `name` of a
    :class:`CustomRecurrentLayer`, None if it has none; a ValueError if it
    has several, as in Lasagne 0.2: the step feeds it one expression."""
    inputs = [lay for lay in get_all_layers(getattr(layer, name))
              if isinstance(lay, InputLayer)]
    if len(inputs) > 1:
        raise ValueError("%s: %s must be a network with one InputLayer, "
                         "which receives the step's input, got one with %d"
                         % (_describe(layer), name, len(inputs)))
    return inputs[0].shape if inputs else None


class RecurrentLayer(CustomRecurrentLayer):
    """A fully connected (vanilla, Elman) recurrent layer:

    .. math:: h_t = \\sigma(x_t W_{in} + h_{t-1} W_{hid} + b)

    It is a :class:`CustomRecurrentLayer` whose sub-networks are
    :class:`DenseLayer` instances: `input_to_hidden` (weights ``W`` and
    biases ``b``) and `hidden_to_hidden` (weights ``W``, no biases), named
    ``'<name>.input_to_hidden'`` and ``'<name>.hidden_to_hidden'`` if the
    layer has a name.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The sequence, of shape ``(batch_size, sequence_length,
        num_inputs...)``; the trailing axes are flattened.
    num_units : int
        The number of hidden units.
    W_in_to_hid : callable, numpy array or Theano shared variable
        :math:`W_{in}`, of shape ``(num_inputs, num_units)``.
    W_hid_to_hid : callable, numpy array or Theano shared variable
        :math:`W_{hid}`, of shape ``(num_units, num_units)``.
    b : callable, numpy array, Theano shared variable or None
        :math:`b`, of shape ``(num_units,)``; None for no biases.
    nonlinearity : callable or None
        :math:`\\sigma`; None for the identity.
    hid_init, backwards, learn_init, gradient_steps, grad_clipping, \
unroll_scan, precompute_input, mask_input, only_return_final, **kwargs
        As for :class:`CustomRecurrentLayer`.

    Attributes
    ----------
    W_in_to_hid, W_hid_to_hid, b
        The parameters of the sub-networks.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, RecurrentLayer
    >>> l_in = InputLayer((None, 20, 8))
    >>> l_rec = RecurrentLayer(l_in, num_units=5, name='rnn')
    >>> l_rec.output_shape
    (None, 20, 5)
    >>> [p.name for p in l_rec.get_params()]
    ['rnn.hid_init', 'rnn.input_to_hidden.W', 'rnn.input_to_hidden.b', \
'rnn.hidden_to_hidden.W']
    """

    def __init__(self, incoming, num_units, W_in_to_hid=init.Uniform(),
                 W_hid_to_hid=init.Uniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify,
                 hid_init=init.Constant(0.), backwards=False,
                 learn_init=False, gradient_steps=-1, grad_clipping=0,
                 unroll_scan=False, precompute_input=True, mask_input=None,
                 only_return_final=False, **kwargs):
        input_shape = (incoming if isinstance(incoming, tuple)
                       else incoming.output_shape)
        # The dense layers below would fail on a bad input with a message
        # about themselves, so check it first.
        self.name = kwargs.get('name')
        _check_loop_args(self, input_shape, unroll_scan, gradient_steps,
                         grad_clipping)
        _check_positive_int(self, num_units, 'num_units')
        prefix = self.name + '.' if self.name else ''
        # Created here, so that errors name this layer and its arguments
        # rather than the dense layers they are handed to.
        W_in_to_hid = _create_param(
            self, W_in_to_hid, (_num_inputs(self, input_shape), num_units),
            prefix + 'input_to_hidden.W', 'W_in_to_hid')
        W_hid_to_hid = _create_param(
            self, W_hid_to_hid, (num_units, num_units),
            prefix + 'hidden_to_hidden.W', 'W_hid_to_hid')
        if b is not None:
            b = _create_param(self, b, (num_units,),
                              prefix + 'input_to_hidden.b', 'b')
        input_to_hidden = DenseLayer(
            InputLayer((None,) + tuple(input_shape[2:])), num_units,
            W=W_in_to_hid, b=b, nonlinearity=None,
            name=prefix + 'input_to_hidden')
        hidden_to_hidden = DenseLayer(
            InputLayer((None, num_units)), num_units, W=W_hid_to_hid,
            b=None, nonlinearity=None, name=prefix + 'hidden_to_hidden')
        self.W_in_to_hid = input_to_hidden.W
        self.W_hid_to_hid = hidden_to_hidden.W
        self.b = input_to_hidden.b
        super(RecurrentLayer, self).__init__(
            incoming, input_to_hidden, hidden_to_hidden,
            nonlinearity=nonlinearity, hid_init=hid_init,
            backwards=backwards, learn_init=learn_init,
            gradient_steps=gradient_steps, grad_clipping=grad_clipping,
            unroll_scan=unroll_scan, precompute_input=precompute_input,
            mask_input=mask_input, only_return_final=only_return_final,
            **kwargs)


def _num_inputs(layer, input_shape):
    """The number of inputs per step and sequence of a layer with weight
    matrices, which needs the input's sizes after the second axis."""
    if None in input_shape[2:]:
        raise ValueError("%s: the input must have known sizes after the "
                         "second axis, got shape %r"
                         % (_describe(layer), input_shape))
    return int(np.prod(input_shape[2:]))


class Gate(object):
    """How to create the parameters of one gate of an :class:`LSTMLayer` or
    :class:`GRULayer`, and its nonlinearity: the gate computes

    .. math:: \\sigma(x_t W_{in} + h_{t-1} W_{hid} + c \\odot w_{cell} + b)

    where the peephole term :math:`c \\odot w_{cell}` (with a cell state
    :math:`c`) only appears in an LSTM with ``peepholes=True``.

    Parameters
    ----------
    W_in : callable, numpy array or Theano shared variable
        The input weights, of shape ``(num_inputs, num_units)``.
    W_hid : callable, numpy array or Theano shared variable
        The hidden-to-gate weights, of shape ``(num_units, num_units)``.
    W_cell : callable, numpy array, Theano shared variable or None
        The peephole weights, of shape ``(num_units,)``; None for a gate
        without them (then the instance has no `W_cell` attribute).
    b : callable, numpy array or Theano shared variable
        The biases, of shape ``(num_units,)``.
    nonlinearity : callable or None
        :math:`\\sigma`; None for the identity.

    Examples
    --------
    An LSTM whose forget gates start open, as often recommended:

    >>> from lasagne import init
    >>> from lasagne.layers import InputLayer, LSTMLayer, Gate
    >>> l_lstm = LSTMLayer(InputLayer((None, 5, 3)), num_units=4,
    ...                    forgetgate=Gate(b=init.Constant(1.)))
    >>> l_lstm.b_forgetgate.get_value()
    array([1., 1., 1., 1.])
    """

    def __init__(self, W_in=init.Normal(0.1), W_hid=init.Normal(0.1),
                 W_cell=init.Normal(0.1), b=init.Constant(0.),
                 nonlinearity=nonlinearities.sigmoid):
        self.W_in = W_in
        self.W_hid = W_hid
        if W_cell is not None:
            self.W_cell = W_cell
        self.b = b
        self.nonlinearity = _check_nonlinearity(self, nonlinearity)


class _GatedRecurrence(_Recurrence):
    """What LSTM and GRU layers share: per gate ``W_in_to_<gate>``,
    ``W_hid_to_<gate>`` and ``b_<gate>``, stacked along the unit axis in the
    order of `_gate_names` so that one matrix product serves all gates."""
    _gate_names = ()

    def __init__(self, incoming, num_units, gates, initial_states,
                 **kwargs):
        super(_GatedRecurrence, self).__init__(incoming, initial_states,
                                               **kwargs)
        _check_positive_int(self, num_units, 'num_units')
        self.num_units = num_units
        num_inputs = _num_inputs(self, self.input_shapes[0])
        for gate_name, gate in zip(self._gate_names, gates):
            if not isinstance(gate, Gate):
                raise TypeError("%s: %s must be a Gate, got %r"
                                % (_describe(self), gate_name, gate))
            for prefix, spec, shape, tags in (
                    ('W_in_to_', gate.W_in, (num_inputs, num_units), {}),
                    ('W_hid_to_', gate.W_hid, (num_units, num_units), {}),
                    ('b_', gate.b, (num_units,), {'regularizable': False})):
                setattr(self, prefix + gate_name, self.add_param(
                    spec, shape, name=prefix + gate_name, **tags))

    def _state_shape(self):
        return (self.num_units,)

    def _stack(self, prefix, axis):
        return T.concatenate([getattr(self, prefix + name)
                              for name in self._gate_names], axis=axis)

    def _weights(self):
        return [self._stack('W_in_to_', 1), self._stack('b_', 0),
                self._stack('W_hid_to_', 1)]

    def _project_input(self, x, weights, **kwargs):
        if x.ndim > 2:
            x = x.flatten(2)
        return T.dot(x, weights[0]) + weights[1]

    def _split(self, x):
        """The per-gate slices of a stacked pre-activation."""
        n = self.num_units
        return [x[:, i * n:(i + 1) * n] for i in range(len(self._gate_names))]


class LSTMLayer(_GatedRecurrence):
    """A long short-term memory (LSTM) layer [1]_ [2]_, with optional
    peephole connections [3]_. At each step it computes

    .. math::

        i_t &= \\sigma_i(x_t W_{xi} + h_{t-1} W_{hi} + w_{ci} \\odot c_{t-1}
               + b_i)\\\\
        f_t &= \\sigma_f(x_t W_{xf} + h_{t-1} W_{hf} + w_{cf} \\odot c_{t-1}
               + b_f)\\\\
        c_t &= f_t \\odot c_{t-1}
               + i_t \\odot \\sigma_c(x_t W_{xc} + h_{t-1} W_{hc} + b_c)\\\\
        o_t &= \\sigma_o(x_t W_{xo} + h_{t-1} W_{ho} + w_{co} \\odot c_t
               + b_o)\\\\
        h_t &= o_t \\odot \\sigma_h(c_t)

    where the peephole terms :math:`w_{c\\cdot} \\odot c` are left out if
    ``peepholes=False``. The output is the hidden state :math:`h`.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The sequence, of shape ``(batch_size, sequence_length,
        num_inputs...)``; the trailing axes are flattened.
    num_units : int
        The number of units.
    ingate, forgetgate, cell, outgate : :class:`Gate`
        The parameters and nonlinearities of the input gate :math:`i`,
        forget gate :math:`f`, cell input and output gate :math:`o`. The
        default `cell` gate has the nonlinearity tanh and no `W_cell`.
    nonlinearity : callable or None
        :math:`\\sigma_h`, applied to the cell state; None for the
        identity.
    cell_init, hid_init : callable, numpy array, Theano shared variable or \
Layer
        The initial cell and hidden states: parameters of shape ``(1,
        num_units)``, or layers with output shape ``(batch_size,
        num_units)`` (or a batch size of 1 or None, as for
        :class:`CustomRecurrentLayer`).
    learn_init : bool
        If True, `cell_init` and `hid_init` are trainable (unless they are
        layers).
    peepholes : bool
        If True, use the peephole weights :math:`w_{ci}, w_{cf}, w_{co}`
        (parameters ``W_cell_to_ingate`` etc., of shape ``(num_units,)``,
        from the gates' `W_cell`).
    grad_clipping : float or None
        If nonzero, the gradient of the gates' pre-activations (before the
        peephole terms) is clipped to ``[-grad_clipping, grad_clipping]``
        in the backward pass [2]_; 0 or None does not clip.
    precompute_input : bool
        If True, compute :math:`x_t W_{x\\cdot} + b_\\cdot` for all steps
        at once, before the loop.
    backwards, gradient_steps, unroll_scan, mask_input, \
only_return_final, **kwargs
        As for :class:`CustomRecurrentLayer`; at padded steps both states
        are carried over.

    Attributes
    ----------
    W_in_to_ingate, W_hid_to_ingate, b_ingate, ... , W_cell_to_ingate, ...
        The parameters, in the order in which ``get_params()`` lists them:
        for each of the gates ``ingate``, ``forgetgate``, ``cell`` and
        ``outgate`` its input weights, hidden weights and biases; then the
        peephole weights of ``ingate``, ``forgetgate`` and ``outgate``;
        then ``cell_init`` and ``hid_init``.
    nonlinearity_ingate, nonlinearity_forgetgate, nonlinearity_cell, \
nonlinearity_outgate : callable
        The gates' nonlinearities.
    mask_incoming_index, hid_init_incoming_index, cell_init_incoming_index \
: int
        The positions of the mask and of initial states given as layers in
        ``input_layers``, -1 where there is none.

    References
    ----------
    .. [1] Hochreiter, Sepp and Juergen Schmidhuber (1997): Long short-term
       memory. Neural Computation 9(8): 1735-1780.
    .. [2] Graves, Alex (2013): Generating sequences with recurrent neural
       networks. arXiv:1308.0850.
    .. [3] Gers, Felix A., Nicol N. Schraudolph and Juergen Schmidhuber
       (2002): Learning precise timing with LSTM recurrent networks.
       Journal of Machine Learning Research 3: 115-143.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, LSTMLayer
    >>> l_in = InputLayer((None, None, 3))
    >>> l_lstm = LSTMLayer(l_in, num_units=4, only_return_final=True)
    >>> l_lstm.output_shape
    (None, 4)
    >>> len(l_lstm.get_params(trainable=True))
    15
    """
    _state_names = ('cell_init', 'hid_init')
    _gate_names = ('ingate', 'forgetgate', 'cell', 'outgate')

    def __init__(self, incoming, num_units, ingate=Gate(),
                 forgetgate=Gate(),
                 cell=Gate(W_cell=None, nonlinearity=nonlinearities.tanh),
                 outgate=Gate(), nonlinearity=nonlinearities.tanh,
                 cell_init=init.Constant(0.), hid_init=init.Constant(0.),
                 backwards=False, learn_init=False, peepholes=True,
                 gradient_steps=-1, grad_clipping=0, unroll_scan=False,
                 precompute_input=True, mask_input=None,
                 only_return_final=False, **kwargs):
        initial_states = {'cell_init': cell_init, 'hid_init': hid_init}
        super(LSTMLayer, self).__init__(
            incoming, num_units, (ingate, forgetgate, cell, outgate),
            initial_states, mask_input=mask_input, backwards=backwards,
            learn_init=learn_init, gradient_steps=gradient_steps,
            grad_clipping=grad_clipping, unroll_scan=unroll_scan,
            precompute_input=precompute_input,
            only_return_final=only_return_final, **kwargs)
        self.nonlinearity_ingate = ingate.nonlinearity
        self.nonlinearity_forgetgate = forgetgate.nonlinearity
        self.nonlinearity_cell = cell.nonlinearity
        self.nonlinearity_outgate = outgate.nonlinearity
        self.nonlinearity = _check_nonlinearity(self, nonlinearity)
        self.peepholes = peepholes
        if peepholes:
            for gate_name, gate in (('ingate', ingate),
                                    ('forgetgate', forgetgate),
                                    ('outgate', outgate)):
                if not hasattr(gate, 'W_cell'):
                    raise ValueError(
                        "%s: peepholes=True needs a W_cell in the %s Gate, "
                        "which was created with W_cell=None"
                        % (_describe(self), gate_name))
                setattr(self, 'W_cell_to_' + gate_name, self.add_param(
                    gate.W_cell, (num_units,), name='W_cell_to_' + gate_name))
        self._add_initial_states(initial_states)

    def _weights(self):
        weights = super(LSTMLayer, self)._weights()
        if self.peepholes:
            weights += [self.W_cell_to_ingate, self.W_cell_to_forgetgate,
                        self.W_cell_to_outgate]
        return weights

    def _step(self, input_n, states, weights, **kwargs):
        cell_previous, hid_previous = states
        gates = self._clip(input_n + T.dot(hid_previous, weights[2]))
        ingate, forgetgate, cell_input, outgate = self._split(gates)
        if self.peepholes:
            ingate += cell_previous * weights[3]
            forgetgate += cell_previous * weights[4]
        cell = (self.nonlinearity_forgetgate(forgetgate) * cell_previous +
                self.nonlinearity_ingate(ingate) *
                self.nonlinearity_cell(cell_input))
        if self.peepholes:
            outgate += cell * weights[5]
        hid = self.nonlinearity_outgate(outgate) * self.nonlinearity(cell)
        return [cell, hid]


class GRULayer(_GatedRecurrence):
    """A gated recurrent unit (GRU) layer [1]_. At each step it computes

    .. math::

        r_t &= \\sigma_r(x_t W_{xr} + h_{t-1} W_{hr} + b_r)\\\\
        u_t &= \\sigma_u(x_t W_{xu} + h_{t-1} W_{hu} + b_u)\\\\
        c_t &= \\sigma_c(x_t W_{xc} + r_t \\odot (h_{t-1} W_{hc}) + b_c)\\\\
        h_t &= (1 - u_t) \\odot h_{t-1} + u_t \\odot c_t

    with the reset gate :math:`r`, the update gate :math:`u` and the
    hidden update :math:`c`. The reset gate scales :math:`h_{t-1} W_{hc}`
    rather than :math:`h_{t-1}`, as in [2]_; this allows one matrix
    product of :math:`h_{t-1}` for all gates.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The sequence, of shape ``(batch_size, sequence_length,
        num_inputs...)``; the trailing axes are flattened.
    num_units : int
        The number of units.
    resetgate, updategate, hidden_update : :class:`Gate`
        The parameters and nonlinearities of :math:`r`, :math:`u` and
        :math:`c`; their `W_cell` is not used. The default
        `hidden_update` has the nonlinearity tanh.
    hid_init : callable, numpy array, Theano shared variable or Layer
        The initial hidden state: a parameter of shape ``(1,
        num_units)``, or a layer with output shape ``(batch_size,
        num_units)`` (or a batch size of 1 or None, as for
        :class:`CustomRecurrentLayer`).
    learn_init : bool
        If True, `hid_init` is trainable (unless it is a layer).
    grad_clipping : float or None
        If nonzero (and not None), the gradients of the pre-activations
        :math:`x_t W_{x\\cdot} + b_\\cdot`, :math:`h_{t-1} W_{h\\cdot}` and
        of the hidden update (before :math:`\\sigma_c`) are clipped to
        ``[-grad_clipping, grad_clipping]`` in the backward pass.
    precompute_input : bool
        If True, compute :math:`x_t W_{x\\cdot} + b_\\cdot` for all steps
        at once, before the loop.
    backwards, gradient_steps, unroll_scan, mask_input, \
only_return_final, **kwargs
        As for :class:`CustomRecurrentLayer`.

    Attributes
    ----------
    W_in_to_updategate, W_hid_to_updategate, b_updategate, ...
        The parameters, in the order in which ``get_params()`` lists them:
        for each of ``updategate``, ``resetgate`` and ``hidden_update`` its
        input weights, hidden weights and biases; then ``hid_init``.
    nonlinearity_resetgate, nonlinearity_updategate, nonlinearity_hid \
: callable
        The nonlinearities :math:`\\sigma_r, \\sigma_u, \\sigma_c`.
    mask_incoming_index, hid_init_incoming_index : int
        The positions of the mask and of a `hid_init` layer in
        ``input_layers``, -1 where there is none.

    References
    ----------
    .. [1] Cho, Kyunghyun et al. (2014): On the properties of neural machine
       translation: encoder-decoder approaches. arXiv:1409.1259.
    .. [2] Chung, Junyoung et al. (2014): Empirical evaluation of gated
       recurrent neural networks on sequence modeling. arXiv:1412.3555.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, GRULayer
    >>> l_in = InputLayer((None, 7, 3))
    >>> l_gru = GRULayer(l_in, num_units=4, backwards=True)
    >>> l_gru.output_shape
    (None, 7, 4)
    >>> [p.name for p in l_gru.get_params(regularizable=False)]
    ['b_updategate', 'b_resetgate', 'b_hidden_update', 'hid_init']
    """
    _gate_names = ('updategate', 'resetgate', 'hidden_update')

    def __init__(self, incoming, num_units, resetgate=Gate(W_cell=None),
                 updategate=Gate(W_cell=None),
                 hidden_update=Gate(W_cell=None,
                                    nonlinearity=nonlinearities.tanh),
                 hid_init=init.Constant(0.), backwards=False,
                 learn_init=False, gradient_steps=-1, grad_clipping=0,
                 unroll_scan=False, precompute_input=True, mask_input=None,
                 only_return_final=False, **kwargs):
        initial_states = {'hid_init': hid_init}
        super(GRULayer, self).__init__(
            incoming, num_units, (updategate, resetgate, hidden_update),
            initial_states, mask_input=mask_input, backwards=backwards,
            learn_init=learn_init, gradient_steps=gradient_steps,
            grad_clipping=grad_clipping, unroll_scan=unroll_scan,
            precompute_input=precompute_input,
            only_return_final=only_return_final, **kwargs)
        self.nonlinearity_resetgate = resetgate.nonlinearity
        self.nonlinearity_updategate = updategate.nonlinearity
        self.nonlinearity_hid = hidden_update.nonlinearity
        self._add_initial_states(initial_states)

    def _step(self, input_n, states, weights, **kwargs):
        hid_previous, = states
        input_n = self._clip(input_n)
        hid_input = self._clip(T.dot(hid_previous, weights[2]))
        input_u, input_r, input_c = self._split(input_n)
        hid_u, hid_r, hid_c = self._split(hid_input)
        updategate = self.nonlinearity_updategate(input_u + hid_u)
        resetgate = self.nonlinearity_resetgate(input_r + hid_r)
        hidden_update = self.nonlinearity_hid(
            self._clip(input_c + resetgate * hid_c))
        return [(1 - updategate) * hid_previous + updategate * hidden_update]
