#!/usr/bin/env python
"""
Trains a recurrent network on the adding problem, a classic test of memory
over many time steps. Each sequence has two channels: random values in
[0, 1], and markers that are 1 at two steps (one in each half of the
sequence) and 0 elsewhere. The target is the sum of the two marked values,
read once the whole sequence is seen.

The sequences have different lengths, from --min-length to --max-length;
they are padded to the longest, and a mask tells the recurrent layer which
steps are real. Always predicting the mean of the targets gives a cost (the
mean squared error) of about 1/6; the default run gets at least ten times
lower.

Examples: python examples/recurrent.py
          python examples/recurrent.py --epochs 20 --max-length 100
"""
import argparse
import time

import numpy as np

import lasagne
import theano
import theano.tensor as T
from lasagne.layers import DenseLayer, GRULayer, InputLayer, get_output

from progress import compiling, progress


def adding_problem(num, min_length, max_length, rng):
    """`num` sequences of the adding problem: inputs (num, max_length, 2),
    their mask (num, max_length) and targets (num,), as floatX."""
    lengths = rng.randint(min_length, max_length + 1, num)
    mask = np.arange(max_length) < lengths[:, None]
    values = rng.uniform(0, 1, (num, max_length)) * mask
    # one marked step in each half of the sequence's own length
    half = lengths // 2
    first = (rng.uniform(size=num) * half).astype(int)
    second = half + (rng.uniform(size=num) * (lengths - half)).astype(int)
    rows = np.arange(num)
    markers = np.zeros((num, max_length))
    markers[rows, first] = markers[rows, second] = 1
    floatX = theano.config.floatX
    return (np.stack([values, markers], axis=-1).astype(floatX),
            mask.astype(floatX),
            (values[rows, first] + values[rows, second]).astype(floatX))


def build_network(num_units, grad_clipping):
    """A GRU reading sequences of two channels (of any batch size and
    length) under a mask, and a linear output unit reading its last
    state; returns the output layer and the two input layers."""
    l_in = InputLayer((None, None, 2))
    l_mask = InputLayer((None, None))
    # only_return_final: the state after the last step. Padded steps leave
    # the state as it was, so this is the state after each sequence's own
    # last step. grad_clipping bounds the gradient that flows back through
    # each step, which keeps long sequences from blowing it up.
    l_rec = GRULayer(l_in, num_units, mask_input=l_mask,
                     grad_clipping=grad_clipping, only_return_final=True)
    l_out = DenseLayer(l_rec, 1, nonlinearity=None)
    return l_out, l_in, l_mask


def batches(data, size, rng=None):
    """Mini-batches of the arrays in `data`, shuffled if `rng` is given."""
    num = len(data[0])
    order = np.arange(num) if rng is None else rng.permutation(num)
    for start in range(0, num, size):
        chosen = order[start:start + size]
        yield [array[chosen] for array in data]


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split('\n\nExamples')[0].strip(),
        epilog=__doc__.split('\n\n')[-1].strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--epochs', type=int, default=10, metavar='N',
                        help='number of training epochs (default: '
                        '%(default)s)')
    parser.add_argument('--min-length', type=int, default=25, metavar='N',
                        help='shortest sequence (default: %(default)s)')
    parser.add_argument('--max-length', type=int, default=50, metavar='N',
                        help='longest sequence (default: %(default)s)')
    parser.add_argument('--num-train', type=int, default=5000, metavar='N',
                        help='training sequences (default: %(default)s)')
    parser.add_argument('--num-val', type=int, default=1000, metavar='N',
                        help='validation sequences (default: %(default)s)')
    parser.add_argument('--num-units', type=int, default=50, metavar='N',
                        help="the GRU's units (default: %(default)s)")
    parser.add_argument('--grad-clipping', type=float, default=100.,
                        metavar='G', help="the GRU's grad_clipping "
                        '(default: %(default)s)')
    parser.add_argument('--batch-size', type=int, default=100, metavar='N',
                        help='sequences per update (default: %(default)s)')
    parser.add_argument('--learning-rate', type=float, default=0.01,
                        metavar='RATE', help="Adam's learning rate (default: "
                        '%(default)s)')
    parser.add_argument('--seed', type=int, default=1,
                        help='seed of the data and the initialization '
                        '(default: %(default)s)')
    args = parser.parse_args(argv)
    if not 2 <= args.min_length <= args.max_length:
        parser.error("need 2 <= --min-length <= --max-length")
    for name in ('epochs', 'num_train', 'num_val', 'num_units',
                 'batch_size'):
        if getattr(args, name) < 1:
            parser.error("--%s must be >= 1" % name.replace('_', '-'))
    return args


def main(argv=None):
    """Train as the arguments say; returns the validation cost after each
    epoch."""
    args = parse_args(argv)
    np.random.seed(args.seed)  # lasagne's initializers draw from it
    rng = np.random.RandomState(args.seed)
    train = adding_problem(args.num_train, args.min_length, args.max_length,
                           rng)
    val = adding_problem(args.num_val, args.min_length, args.max_length, rng)
    baseline = np.mean((val[2] - train[2].mean()) ** 2)
    print("Data: %d training and %d validation sequences of %d to %d steps. "
          "Predicting the mean costs %.4f on the validation set."
          % (args.num_train, args.num_val, args.min_length, args.max_length,
             baseline))

    network, l_in, l_mask = build_network(args.num_units, args.grad_clipping)
    target = T.vector('target')
    prediction = get_output(network).flatten()
    cost = lasagne.objectives.squared_error(prediction, target).mean()
    params = lasagne.layers.get_all_params(network, trainable=True)
    updates = lasagne.updates.adam(cost, params,
                                   learning_rate=args.learning_rate)
    inputs = [l_in.input_var, l_mask.input_var, target]
    # the gradient through the recurrence makes a large graph
    with compiling("the training and validation functions",
                   first_run="a minute or two"):
        train_fn = theano.function(inputs, cost, updates=updates)
        val_fn = theano.function(inputs, cost)

    val_costs = []
    num_batches = -(-args.num_train // args.batch_size)
    for epoch in range(args.epochs):
        start = time.time()
        train_cost = sum(
            train_fn(*batch) * len(batch[0]) for batch in progress(
                batches(train, args.batch_size, rng), num_batches,
                "Epoch %d" % (epoch + 1))) / args.num_train
        val_cost = sum(val_fn(*batch) * len(batch[0]) for batch in
                       batches(val, args.batch_size)) / args.num_val
        val_costs.append(val_cost)
        print("Epoch %d of %d took %.2fs: training cost %.4f, validation "
              "cost %.4f (%.1fx below the mean's)"
              % (epoch + 1, args.epochs, time.time() - start, train_cost,
                 val_cost, baseline / val_cost), flush=True)
    return val_costs


if __name__ == '__main__':
    main()
