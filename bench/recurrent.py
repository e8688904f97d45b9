#!/usr/bin/env python
"""Time an LSTM layer's forward pass, and forward plus backward pass, with
``theano.scan`` and with ``unroll_scan=True``, side by side in one run.

On Python >= 3.11, Theano's compiled scan loop cannot be built and
``import lasagne`` makes Theano use its Python loop: every step of a scan
then costs a round of Python calls on top of the step's compiled code. The
unrolled graph has no loop at all, so the difference of the two columns,
divided by the number of steps, is what a step of the scan loop costs.

Usage::

    python bench/recurrent.py [--batch 32] [--steps 20] [--features 16]
                              [--units 64] [--repeat 100]

It runs the given size and a tiny one (batch 1, 4 features, 4 units), where
the loop's own cost dominates, and prints the tables once both are measured.
Compile times are printed too. BLAS runs single-threaded unless
``OPENBLAS_NUM_THREADS`` says otherwise, so that the timings do not depend
on other processes competing for cores.
"""
import argparse
import os
import platform
import sys
import time
import timeit

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir))

import numpy as np  # noqa: E402 (after the BLAS setting)

import lasagne  # noqa: E402 (needs the path above)
import theano  # noqa: E402
import theano.tensor as T  # noqa: E402
from lasagne.layers import (  # noqa: E402
    InputLayer, LSTMLayer, get_all_params, get_output)


def compile_functions(size, unroll_scan):
    """The forward and the forward+backward function of one LSTM layer,
    and the seconds it took to compile each."""
    batch, steps, features, units = size
    lasagne.random.set_rng(np.random.RandomState(0))
    l_in = InputLayer((batch, steps, features))
    l_lstm = LSTMLayer(l_in, units, unroll_scan=unroll_scan)
    loss = get_output(l_lstm).mean()
    grads = T.grad(loss, get_all_params(l_lstm, trainable=True))
    functions, seconds = [], []
    for outputs in ([loss], [loss] + grads):
        start = time.time()
        functions.append(theano.function([l_in.input_var], outputs))
        seconds.append(time.time() - start)
    return functions, seconds


def best_time(function, x, repeat):
    """Seconds per call: the best of `repeat` rounds of a few calls."""
    function(x)  # the first call allocates its buffers
    once = max(timeit.timeit(lambda: function(x), number=1), 1e-6)
    calls = max(1, int(0.2 / once))
    return min(timeit.repeat(lambda: function(x), number=calls,
                             repeat=repeat)) / calls


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--steps', type=int, default=20)
    parser.add_argument('--features', type=int, default=16)
    parser.add_argument('--units', type=int, default=64)
    parser.add_argument('--repeat', type=int, default=100)
    args = parser.parse_args(argv)

    sizes = [(args.batch, args.steps, args.features, args.units),
             (1, args.steps, 4, 4)]
    measured = [measure(size, args.repeat) for size in sizes]
    # Theano imports its compiled scan loop when it compiles the first scan
    # and falls back to the Python loop if that import fails, so only now
    # does sys.modules tell which loop the timings used.
    compiled_scan = sys.modules.get(
        'theano.scan_module.scan_perform_ext') is not None
    print("Python %s, Theano %s, scan loop: %s, floatX %s"
          % (platform.python_version(), theano.__version__,
             "compiled (Cython)" if compiled_scan else "Python",
             theano.config.floatX))
    for size, results in zip(sizes, measured):
        report(size, results)


def measure(size, repeat):
    """For the scan and the unrolled layer: the seconds to compile the
    forward and the forward+backward function, then the seconds per call of
    each."""
    batch, steps, features, units = size
    x = lasagne.utils.floatX(np.random.RandomState(1).normal(
        size=(batch, steps, features)))
    results = {}
    for label, unroll_scan in (('scan', False), ('unroll_scan', True)):
        functions, seconds = compile_functions(size, unroll_scan)
        results[label] = seconds + [best_time(f, x, repeat)
                                    for f in functions]
    return results


def report(size, results):
    batch, steps, features, units = size
    print()
    print("LSTM, batch %d, %d steps, %d features, %d units"
          % (batch, steps, features, units))
    rows = [('compile forward (s)', 0, 1), ('compile fwd+bwd (s)', 1, 1),
            ('forward (ms)', 2, 1e3), ('forward+backward (ms)', 3, 1e3)]
    print("%-24s %12s %12s %8s" % ('', 'scan', 'unroll_scan', 'ratio'))
    for name, index, scale in rows:
        scan, unrolled = results['scan'][index], results['unroll_scan'][index]
        print("%-24s %12.2f %12.2f %8.2f"
              % (name, scan * scale, unrolled * scale, scan / unrolled))
    # The backward pass runs a second loop over the same steps.
    for name, index, loops in (('forward', 2, 1), ('forward+backward', 3, 2)):
        extra = results['scan'][index] - results['unroll_scan'][index]
        print("scan minus unrolled, %s: %.0f us per step and loop"
              % (name, extra / (steps * loops) * 1e6))


if __name__ == '__main__':
    main()
