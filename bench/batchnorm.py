#!/usr/bin/env python
"""
Benchmark: BatchNormLayer (delegating to T.nnet.bn) against the formula it
replaced, side by side in one run.

For every input shape, two functions are compiled from the same layer
configuration, one with the new layer and one with the baseline: a training
step (forward pass, gradients with respect to input, gamma and beta, update
of the running averages) and an inference pass. Timings alternate between the
two implementations (and which one goes first) in every repeat, so that both
see the same machine load; the script prints the median ratio new / baseline
per shape and pass. A ratio above 1 means the new layer is slower.

Usage: python bench/batchnorm.py [--repeats N] [--number N] [--shapes ...]
"""
import argparse
import os
import sys
import timeit

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir))

import lasagne  # noqa: E402,F401 (needs the path above; sets up Theano)
import theano  # noqa: E402
import theano.tensor as T  # noqa: E402
from lasagne.layers import BatchNormLayer, InputLayer, get_output  # noqa

SHAPES = [(64, 32, 32, 32), (128, 64, 16, 16), (256, 1024)]
LIMIT = 1.05


def baseline_output(layer, input, deterministic):
    """The output of `layer` computed with the formula of Lasagne 0.2: the
    batch statistics in plain Theano expressions, the running averages
    updated through copies of the statistics carrying a default update."""
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


def compile_pair(shape, implementation, mode=None):
    """A training step and an inference function for one implementation."""
    input_var = T.TensorType('float32', (False,) * len(shape))('x')
    layer = BatchNormLayer(InputLayer(shape, input_var))
    if implementation == 'new':
        train_out = get_output(layer)
        test_out = get_output(layer, deterministic=True)
    else:
        train_out = baseline_output(layer, input_var, False)
        test_out = baseline_output(layer, input_var, True)
    # The training step of the layer within a network: it returns its
    # output (for the layers above) and backpropagates the gradient that
    # arrives from them (here an input) to its input, gamma and beta.
    output_grad = input_var.type('output_grad')
    grads = theano.grad(None, [input_var, layer.gamma, layer.beta],
                        known_grads={train_out: output_grad})
    train = theano.function([input_var, output_grad], [train_out] + grads,
                            mode=mode)
    test = theano.function([input_var], test_out, mode=mode)
    return train, test


def run(shapes, repeats, number, target, new_mode=None):
    rng = np.random.RandomState(0)
    print("BatchNormLayer (T.nnet.bn) vs. baseline formula, float32, Theano "
          "%s, mode %s%s" % (theano.__version__,
                             theano.config.mode.replace('Mode', 'FAST_RUN'),
                             ", new layer WITHOUT the pow->sqr rewrite"
                             if new_mode is not None else ""))
    print("%d interleaved repeats of at least %d calls (%.2f s); median ratio "
          "new / baseline (must be <= %.2f)" % (repeats, number, target,
                                                LIMIT))
    print("%-20s %-9s %12s %12s %8s" % ("shape", "pass", "new [ms]",
                                        "base [ms]", "ratio"))
    worst = 0.
    for shape in shapes:
        data = rng.randn(*shape).astype('float32') * 3 + 1
        arguments = (data, rng.randn(*shape).astype('float32')), (data,)
        functions = {'new': compile_pair(shape, 'new', new_mode),
                     'baseline': compile_pair(shape, 'baseline')}
        for index, what in enumerate(('train', 'test')):
            times = {'new': [], 'baseline': []}
            # warm-up, and enough calls per timing for it to last `target`
            # seconds: short timings are at the mercy of machine load
            args = arguments[index]
            single = max(timeit.timeit(lambda: functions[name][index](*args),
                                       number=1) for name in times)
            calls = max(number, int(np.ceil(target / single)))
            for repeat in range(repeats):
                order = (('new', 'baseline') if repeat % 2 == 0
                         else ('baseline', 'new'))
                for name in order:
                    fn = functions[name][index]
                    times[name].append(timeit.timeit(
                        lambda: fn(*args), number=calls) / calls)
            ratios = np.array(times['new']) / np.array(times['baseline'])
            ratio = float(np.median(ratios))
            worst = max(worst, ratio)
            print("%-20s %-9s %12.2f %12.2f %8.3f"
                  % ('x'.join(map(str, shape)), what,
                     1e3 * np.median(times['new']),
                     1e3 * np.median(times['baseline']), ratio))
    verdict = "OK" if worst <= LIMIT else "SLOWER"
    print("worst median ratio: %.3f (%s)" % (worst, verdict))
    return worst <= LIMIT


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--repeats', type=int, default=15,
                        help='interleaved repeats per shape and pass')
    parser.add_argument('--number', type=int, default=3,
                        help='minimum number of calls per timing')
    parser.add_argument('--target', type=float, default=0.2,
                        help='minimum duration of a timing in seconds')
    parser.add_argument('--shapes', nargs='*', default=None,
                        help='shapes such as 64x32x32x32 (default: %s)'
                        % ' '.join('x'.join(map(str, s)) for s in SHAPES))
    parser.add_argument('--without-rewrite', action='store_true',
                        help="compile the new layer without Lasagne's "
                        "pow->sqr rewrite (lasagne.theano_extensions.opt), "
                        "to see what it is worth")
    args = parser.parse_args()
    shapes = ([tuple(int(n) for n in s.split('x')) for s in args.shapes]
              if args.shapes else SHAPES)
    with theano.change_flags(floatX='float32'):
        new_mode = (theano.compile.get_default_mode().excluding(
            'local_pow_to_sqr') if args.without_rewrite else None)
        ok = run(shapes, args.repeats, args.number, args.target, new_mode)
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
