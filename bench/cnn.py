#!/usr/bin/env python
"""
Benchmark: the training step of a small CNN on MNIST-sized input, with
Lasagne's lowerings of Theano's ops, with Theano's own expansion of the same
ops, and in PyTorch, side by side in one run.

The network (batch 128, 1x28x28 float32 input)::

    conv 32 3x3 pad 1 + batch_norm + relu, max-pool 2
    conv 64 3x3 pad 1 + batch_norm + relu, max-pool 2
    dense 256 + batch_norm + relu, dense 10 softmax

trained on categorical cross-entropy with Nesterov momentum (learning rate
0.01, momentum 0.9). One call is one full training step: forward pass,
backward pass and parameter update. Compared are

* fork: the step compiled in Theano's default mode, with Lasagne's rewrites,
* upstream: the same graph compiled with Lasagne's rewrites of Theano's ops
  excluded (``mode.excluding(...)`` of their tags), i.e. Theano's own CPU
  expansion of batch normalization and pooling, which is what Lasagne 0.2
  runs on the CPU,
* torch: the same network in ``torch.nn`` with ``torch.optim.SGD(...,
  nesterov=True)`` (skipped where PyTorch is missing; install it with
  ``pip install torch==2.13.0 "setuptools<82"``).

The script runs itself once per thread count (default 1 and 2), with the
threads of all sides pinned (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
torch.set_num_threads). Timings alternate between the sides in every repeat;
it prints medians and the median ratios of fork to the others, and at the
end of a run over several thread counts, how each side's step time changes
from the first count to each other. It fails (exit code 1) if the fork is
slower than upstream's formula, with one thread slower than PyTorch, or
slower with more threads than with the first count.

Usage: python bench/cnn.py [--repeats N] [--thread-counts N ...]
       [--no-torch] [--profile]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir))

import harness  # noqa: E402

BATCH = 128
INPUT = (1, 28, 28)
CLASSES = 10
LEARNING_RATE = 0.01
MOMENTUM = 0.9
TORCH_LIMIT = 1.
UPSTREAM_LIMIT = 1.


def lasagne_tags():
    """The tags under which Lasagne registers its lowerings of Theano's
    ops: excluding them all gives Theano's own expansion."""
    from lasagne.theano_extensions import bn, opt
    return [bn.TAG, opt.POOL_TAG]


def build_network(input_var):
    from lasagne import layers, nonlinearities
    network = layers.InputLayer((None,) + INPUT, input_var)
    for filters in (32, 64):
        network = layers.Conv2DLayer(network, filters, 3, pad=1,
                                     nonlinearity=None)
        network = layers.batch_norm(network)
        network = layers.NonlinearityLayer(network,
                                           nonlinearities.rectify)
        network = layers.MaxPool2DLayer(network, 2)
    network = layers.DenseLayer(network, 256, nonlinearity=None)
    network = layers.batch_norm(network)
    network = layers.NonlinearityLayer(network, nonlinearities.rectify)
    return layers.DenseLayer(network, CLASSES,
                             nonlinearity=nonlinearities.softmax)


def theano_step(mode=None, profile=False):
    """The compiled training step: (inputs, targets) -> loss."""
    import theano
    import theano.tensor as T
    import lasagne
    input_var = T.tensor4('inputs', dtype='float32')
    target_var = T.ivector('targets')
    network = build_network(input_var)
    prediction = lasagne.layers.get_output(network)
    loss = lasagne.objectives.categorical_crossentropy(
        prediction, target_var).mean()
    params = lasagne.layers.get_all_params(network, trainable=True)
    updates = lasagne.updates.nesterov_momentum(
        loss, params, learning_rate=LEARNING_RATE, momentum=MOMENTUM)
    return theano.function([input_var, target_var], loss, updates=updates,
                           mode=mode, profile=profile)


def torch_step(torch):
    """The same training step in PyTorch."""
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1, bias=False),
        nn.BatchNorm2d(32, eps=1e-4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1, bias=False),
        nn.BatchNorm2d(64, eps=1e-4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 7 * 7, 256, bias=False),
        nn.BatchNorm1d(256, eps=1e-4), nn.ReLU(), nn.Linear(256, CLASSES))
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATE,
                                momentum=MOMENTUM, nesterov=True)
    loss_function = nn.CrossEntropyLoss()

    def step(inputs, targets):
        optimizer.zero_grad()
        loss = loss_function(model(torch.from_numpy(inputs)),
                             torch.from_numpy(targets))
        loss.backward()
        optimizer.step()
        return loss.item()
    return step


def measure(args):
    harness.check_threads(args.threads)
    import numpy as np
    import lasagne  # noqa: F401 (sets up Theano)
    import theano
    torch = harness.import_torch(args.threads) if not args.no_torch else None
    rng = np.random.RandomState(0)
    inputs = rng.randn(BATCH, *INPUT).astype('float32')
    targets = rng.randint(0, CLASSES, BATCH).astype('int64')
    with theano.change_flags(floatX='float32'):
        return compare(args, theano, torch, inputs, targets)


def compare(args, theano, torch, inputs, targets):
    """Time and print the sides; the exit code."""
    upstream_mode = theano.compile.get_default_mode().excluding(
        *lasagne_tags())
    steps = {'fork': theano_step(), 'upstream': theano_step(upstream_mode)}
    theano_targets = targets.astype('int32')
    calls = {'fork': lambda: steps['fork'](inputs, theano_targets),
             'upstream': lambda: steps['upstream'](inputs, theano_targets)}
    if torch:
        torch_call = torch_step(torch)
        calls['torch'] = lambda: torch_call(inputs, targets)
    names = [name for name in ('fork', 'upstream', 'torch') if name in calls]
    for name in names:  # warm up: first calls allocate
        calls[name]()
    times = harness.alternating(dict((name, calls[name]) for name in names),
                                args.repeats, args.target)
    ratios = dict((name, harness.median_ratio(times, 'fork', name))
                  for name in names[1:])
    print("\nCNN training step, batch %d, float32, Theano %s, openmp=%s, "
          "%d thread(s), %s" % (BATCH, theano.__version__,
                                theano.config.openmp, args.threads,
                                harness.load()))
    print("%d alternating repeats of calls lasting >= %.2f s; medians in ms, "
          "median ratios of fork to the others" % (args.repeats,
                                                   args.target))
    print("".join("%10s" % name for name in names) +
          "".join("%15s" % ("fork/" + name) for name in names[1:]))
    print("".join("%10.2f" % (1e3 * harness.median(times[name]))
                  for name in names) +
          "".join("%15.3f" % ratios[name] for name in names[1:]))
    if args.record:
        harness.record_medians(args.record, args.threads, dict(
            (name, harness.median(times[name])) for name in names))
    failures = []
    if ratios['upstream'] > UPSTREAM_LIMIT:
        failures.append('slower than upstream')
    if torch and args.threads == 1 and ratios['torch'] > TORCH_LIMIT:
        failures.append('slower than PyTorch')
    if args.profile:
        step = theano_step(profile=True)
        for _ in range(args.profile_calls):
            step(inputs, theano_targets)
        step.profile.summary(n_ops_to_print=args.profile_ops,
                             n_apply_to_print=args.profile_ops)
    for failure in failures:
        print("FAILED: %s" % failure)
    print("%s (%d thread(s))" % ("FAILED" if failures else "OK",
                                 args.threads))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=15,
                        help='alternating repeats')
    parser.add_argument('--target', type=float, default=0.5,
                        help='minimum duration of a timing in seconds')
    parser.add_argument('--thread-counts', type=int, nargs='*',
                        default=[1, 2], help='numbers of threads to run with')
    parser.add_argument('--threads', type=int, default=None,
                        help='measure with this many threads in this process '
                        '(set by the script for its subprocesses)')
    parser.add_argument('--no-torch', action='store_true',
                        help='leave PyTorch out')
    parser.add_argument('--profile', action='store_true',
                        help="print Theano's profile of the fork's step")
    parser.add_argument('--profile-calls', type=int, default=50,
                        help='calls profiled (with --profile)')
    parser.add_argument('--profile-ops', type=int, default=20,
                        help='ops and applies listed (with --profile)')
    parser.add_argument('--scaling-limit', type=float,
                        default=harness.SCALING_LIMIT,
                        help='fail where more threads make the fork slower '
                        'than this ratio to the first thread count')
    parser.add_argument('--record', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.threads is None:
        return harness.rerun_with_record(args.thread_counts, ['fork'],
                                         args.scaling_limit)
    return measure(args)


if __name__ == '__main__':
    sys.exit(main())
