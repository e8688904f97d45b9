#!/usr/bin/env python
"""
Benchmark: BatchNormLayer with Lasagne's fused lowering of Theano's batch
normalization ops, against Theano's own expansion of the same ops, against
the formula of Lasagne 0.2, and against PyTorch, side by side in one run.

For every input shape, the same layer work is compiled four times: a
training step (forward pass, gradients with respect to input, gamma and
beta, update of the running averages) and an inference pass, with

* fused: the layer as it is (``lasagne.theano_extensions.bn``),
* expansion: the layer compiled without the fused lowering
  (``mode.excluding('lasagne_fused_bn')``), i.e. Theano's CPU expansion,
* formula: the batch statistics written out in Theano expressions, as
  Lasagne 0.2 did,
* torch: ``torch.nn.BatchNorm{1,2}d`` (skipped where PyTorch is missing).

The script runs itself once per thread count (default 1 and 2), with the
threads of both sides pinned (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS,
torch.set_num_threads). Timings alternate between the implementations in
every repeat, so that all see the same machine load; it prints medians and
the median ratios of fused to the others. It fails (exit code 1) if fused
is slower than the formula (ratio above 1.05), less than 3 times faster
than the expansion for the training step of 64x32x32x32, or, with one
thread, slower than PyTorch; and, at the end of a run over several thread
counts, if fused is slower with more threads than with the first count.

Usage: python bench/batchnorm.py [--repeats N] [--shapes ...] [--threads N]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(1, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir))

import harness  # noqa: E402

SHAPES = [(64, 32, 32, 32), (128, 64, 16, 16), (256, 1024)]
FORMULA_LIMIT = 1.05
EXPANSION_TARGET = (3., (64, 32, 32, 32), 'train')
TORCH_LIMIT = 1.


def baseline_output(layer, input, deterministic):
    """The output of `layer` computed with the formula of Lasagne 0.2: the
    batch statistics in plain Theano expressions, the running averages
    updated through copies of the statistics carrying a default update."""
    import theano
    import theano.tensor as T
    axes = layer.axes
    remaining = iter(range(input.ndim - len(axes)))
    pattern = ['x' if axis in axes else next(remaining)
               for axis in range(input.ndim)]
    if deterministic:
        mean, inv_std = layer.mean, layer.inv_std
    else:
        mean = input.mean(axes)
        inv_std = T.inv(T.sqrt(input.var(axes) + layer.epsilon))
        running_mean = theano.clone(layer.mean, share_inputs=False)
        running_inv_std = theano.clone(layer.inv_std, share_inputs=False)
        alpha = layer.alpha
        running_mean.default_update = ((1 - alpha) * running_mean +
                                       alpha * mean)
        running_inv_std.default_update = ((1 - alpha) * running_inv_std +
                                          alpha * inv_std)
        mean += 0 * running_mean
        inv_std += 0 * running_inv_std
    gamma, beta, mean, inv_std = (v.dimshuffle(pattern) for v in
                                  (layer.gamma, layer.beta, mean, inv_std))
    return (input - mean) * (gamma * inv_std) + beta


def theano_pair(shape, formula=False, mode=None, profile=False):
    """A training step and an inference function of one BatchNormLayer."""
    import theano
    import theano.tensor as T
    from lasagne.layers import BatchNormLayer, InputLayer, get_output
    input_var = T.TensorType('float32', (False,) * len(shape))('x')
    layer = BatchNormLayer(InputLayer(shape, input_var))
    if formula:
        train_out = baseline_output(layer, input_var, False)
        test_out = baseline_output(layer, input_var, True)
    else:
        train_out = get_output(layer)
        test_out = get_output(layer, deterministic=True)
    # The training step of the layer within a network: it returns its
    # output (for the layers above) and backpropagates the gradient that
    # arrives from them (here an input) to its input, gamma and beta.
    output_grad = input_var.type('output_grad')
    grads = theano.grad(None, [input_var, layer.gamma, layer.beta],
                        known_grads={train_out: output_grad})
    train = theano.function([input_var, output_grad], [train_out] + grads,
                            mode=mode, profile=profile)
    test = theano.function([input_var], test_out, mode=mode, profile=profile)
    return train, test


def torch_pair(torch, shape):
    """The same layer work in PyTorch: a training step (forward, gradients
    for input, weight and bias, running averages) and an inference pass."""
    module = {2: torch.nn.BatchNorm1d, 3: torch.nn.BatchNorm1d,
              4: torch.nn.BatchNorm2d, 5: torch.nn.BatchNorm3d}[len(shape)]
    train_bn = module(shape[1], eps=1e-4, momentum=0.1).train()
    test_bn = module(shape[1], eps=1e-4, momentum=0.1).eval()

    def train(x, output_grad):
        x = torch.from_numpy(x).requires_grad_()
        out = train_bn(x)
        grads = torch.autograd.grad(out, [x, train_bn.weight, train_bn.bias],
                                    torch.from_numpy(output_grad))
        return out, grads

    def test(x):
        with torch.no_grad():
            return test_bn(torch.from_numpy(x))
    return train, test


def measure(args):
    harness.check_threads(args.threads)
    import numpy as np
    import lasagne  # noqa: F401 (sets up Theano)
    import theano
    from lasagne.theano_extensions.bn import TAG
    torch = harness.import_torch(args.threads) if not args.no_torch else None
    with theano.change_flags(floatX='float32'):
        return compare(args, np, theano, torch, TAG)


def compare(args, np, theano, torch, tag):
    """Time and print every shape and pass; the exit code."""
    expansion_mode = theano.compile.get_default_mode().excluding(tag)
    if args.without_rewrite:
        expansion_mode = expansion_mode.excluding('local_pow_to_sqr')

    print("\nBatchNormLayer, default axes, float32, Theano %s, %d thread(s), "
          "%s" % (theano.__version__, args.threads, harness.load()))
    print("%d alternating repeats of calls lasting >= %.2f s; medians in ms, "
          "median ratios of fused to the others" % (args.repeats,
                                                    args.target))
    names = ['fused', 'expansion', 'formula'] + (['torch'] if torch else [])
    print("%-16s %-5s" % ("shape", "pass") +
          "".join("%10s" % name for name in names) +
          "".join("%11s" % ("/" + name) for name in names[1:]))
    rng = np.random.RandomState(0)
    failures = []
    medians = {}
    for shape in args.shapes:
        data = rng.randn(*shape).astype('float32') * 3 + 1
        arguments = (data, rng.randn(*shape).astype('float32')), (data,)
        pairs = {'fused': theano_pair(shape),
                 'expansion': theano_pair(shape, mode=expansion_mode),
                 'formula': theano_pair(shape, formula=True)}
        if torch:
            pairs['torch'] = torch_pair(torch, shape)
        for index, what in enumerate(('train', 'test')):
            call = arguments[index]
            times = harness.alternating(
                dict((name, (lambda f=pairs[name][index]: f(*call)))
                     for name in names), args.repeats, args.target)
            ratios = dict((name, harness.median_ratio(times, 'fused', name))
                          for name in names[1:])
            print("%-16s %-5s" % ('x'.join(map(str, shape)), what) +
                  "".join("%10.3f" % (1e3 * harness.median(times[name]))
                          for name in names) +
                  "".join("%11.3f" % ratios[name] for name in names[1:]))
            label = '%s %s' % ('x'.join(map(str, shape)), what)
            medians.update(('%s %s' % (label, name),
                            harness.median(times[name])) for name in names)
            if ratios['formula'] > FORMULA_LIMIT:
                failures.append('%s: slower than the formula' % label)
            target, target_shape, target_pass = EXPANSION_TARGET
            if (shape == target_shape and what == target_pass and
                    ratios['expansion'] > 1 / target):
                failures.append('%s: less than %gx faster than the expansion'
                                % (label, target))
            if torch and args.threads == 1 and ratios['torch'] > TORCH_LIMIT:
                failures.append('%s: slower than PyTorch' % label)
    if args.record:
        harness.record_medians(args.record, args.threads, medians)
    if args.profile:
        for shape in args.shapes:
            train, test = theano_pair(shape, profile=True)
            for fn, call in ((train, arguments[0]), (test, arguments[1])):
                for _ in range(200):
                    fn(*call)
                fn.profile.summary()
    for failure in failures:
        print("FAILED: %s" % failure)
    print("%s (%d thread(s))" % ("FAILED" if failures else "OK",
                                 args.threads))
    return 1 if failures else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=15,
                        help='alternating repeats per shape and pass')
    parser.add_argument('--target', type=float, default=0.2,
                        help='minimum duration of a timing in seconds')
    parser.add_argument('--shapes', nargs='*', default=None,
                        help='shapes such as 64x32x32x32 (default: %s)'
                        % ' '.join('x'.join(map(str, s)) for s in SHAPES))
    parser.add_argument('--thread-counts', type=int, nargs='*',
                        default=[1, 2], help='numbers of threads to run with')
    parser.add_argument('--threads', type=int, default=None,
                        help='measure with this many threads in this process '
                        '(set by the script for its subprocesses)')
    parser.add_argument('--no-torch', action='store_true',
                        help='leave PyTorch out')
    parser.add_argument('--profile', action='store_true',
                        help="print Theano's profile of the fused functions")
    parser.add_argument('--without-rewrite', action='store_true',
                        help="compile the expansion without Lasagne's "
                        "pow->sqr rewrite (lasagne.theano_extensions.opt), "
                        "to see what it is worth")
    parser.add_argument('--scaling-limit', type=float,
                        default=harness.SCALING_LIMIT,
                        help='fail where more threads make the fork slower '
                        'than this ratio to the first thread count')
    parser.add_argument('--record', default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.shapes = ([tuple(int(n) for n in s.split('x')) for s in args.shapes]
                   if args.shapes else SHAPES)
    if args.threads is None:
        return harness.rerun_with_record(
            args.thread_counts, ['%s %s fused' % ('x'.join(map(str, shape)),
                                                  what)
                                 for shape in args.shapes
                                 for what in ('train', 'test')],
            args.scaling_limit)
    return measure(args)


if __name__ == '__main__':
    sys.exit(main())
