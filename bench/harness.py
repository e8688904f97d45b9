"""
What the benchmarks under bench/ share: one subprocess per thread count with
the thread pools of NumPy's BLAS, OpenMP and PyTorch pinned, timings that
alternate between the implementations compared, and the optional import of
PyTorch.

Thread counts must be set before NumPy, Theano or PyTorch start their
thread pools, so a benchmark script reruns itself once per thread count:

    if __name__ == '__main__':
        args = parser.parse_args()
        if args.threads is None:
            sys.exit(harness.rerun_per_thread_count(args.thread_counts))
        ...  # the child: import lasagne and measure
"""
import os
import subprocess
import sys
import timeit

THREAD_VARIABLES = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS',
                    'MKL_NUM_THREADS')

# The runs of different thread counts come one after the other, and the
# medians of the same single-threaded code differ between two such runs by
# up to about 10 % even on a quiet machine: a smaller slowdown is noise.
SCALING_LIMIT = 1.1


def rerun_per_thread_count(thread_counts, argv=None):
    """Run this script again (``sys.argv``, or `argv`) once for every
    number in `thread_counts`, with ``--threads N`` appended and the thread
    variables of the environment set to N. Returns the worst exit code."""
    argv = list(sys.argv if argv is None else argv)
    worst = 0
    for count in thread_counts:
        env = dict(os.environ)
        env.update((name, str(count)) for name in THREAD_VARIABLES)
        sys.stdout.flush()
        code = subprocess.call([sys.executable] + argv +
                               ['--threads', str(count)], env=env)
        worst = max(worst, code)
    return worst


def check_threads(count):
    """In the child: fail unless the environment pins `count` threads."""
    wrong = [name for name in THREAD_VARIABLES
             if os.environ.get(name) != str(count)]
    if wrong:
        raise SystemExit("run without --threads: %s must be set to %d before "
                         "NumPy is imported" % (', '.join(wrong), count))


def import_torch(threads):
    """PyTorch with `threads` intra-op threads (and one inter-op thread), or
    None with a message where it is not installed."""
    try:
        import torch
    except ImportError:
        # (a newer setuptools lacks pkg_resources, which Theano imports)
        print('PyTorch is not installed: its comparison is skipped '
              '(pip install torch==2.13.0 "setuptools<82")')
        return None
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # only possible before PyTorch's first parallel op
        pass
    return torch


def alternating(functions, repeats, target=0.2, number=3):
    """Per-call times of the callables in the dict `functions`, measured
    `repeats` times each. Every repeat times each callable once, in an order
    that rotates from repeat to repeat, so that all see the same machine
    load; every timing makes enough calls (at least `number`) to last about
    `target` seconds, as short ones are at the mercy of the load. Returns a
    dict of lists of seconds per call."""
    names = list(functions)
    single = max(timeit.timeit(functions[name], number=1) for name in names)
    calls = max(number, int(target / max(single, 1e-9)) + 1)
    times = dict((name, []) for name in names)
    for repeat in range(repeats):
        shift = repeat % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timeit.timeit(functions[name], number=calls) /
                               calls)
    return times


def median(values):
    values = sorted(values)
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2.


def median_ratio(times, numerator, denominator):
    """The median over repeats of the ratio of two implementations' times
    in the same repeat."""
    pairs = zip(times[numerator], times[denominator])
    return median([a / b for a, b in pairs])


def load():
    """The load averages, for the record."""
    try:
        return "load average %.2f %.2f %.2f" % os.getloadavg()
    except OSError:
        return "load average unknown"


def record_medians(path, threads, medians):
    """In a child: append the dict `medians` (label -> seconds) measured
    with `threads` threads to the file `path`, for :func:`thread_scaling`."""
    import json
    with open(path, 'a') as record:
        record.write(json.dumps([threads, medians]) + '\n')


def rerun_with_record(thread_counts, labels, limit=SCALING_LIMIT):
    """:func:`rerun_per_thread_count` with a file in which the children
    record their medians (they get ``--record PATH``), then
    :func:`thread_scaling` of the `labels`. Returns the worst exit code."""
    import tempfile
    handle, path = tempfile.mkstemp(suffix='.json')
    os.close(handle)
    try:
        code = rerun_per_thread_count(thread_counts,
                                      sys.argv + ['--record', path])
        return max(code, thread_scaling(path, labels, limit))
    finally:
        os.remove(path)


def thread_scaling(path, labels, limit=SCALING_LIMIT):
    """Print, for every label, the ratio of its median with each thread
    count to its median with the first, from the runs recorded in `path`
    (the runs of different thread counts come one after the other, so a
    change of the machine's load between them shows here too: compare with
    the other sides' ratios). Returns 1 (a failure) where a label of
    `labels` is slower with more threads by a ratio above `limit`."""
    import json
    with open(path) as lines:
        runs = [json.loads(line) for line in lines]
    if len(runs) < 2:
        return 0
    first_count, first = runs[0]
    print("\nMedians with more threads, as ratios to those with %d "
          "thread(s) (separate runs, one after the other):" % first_count)
    code = 0
    for count, medians in runs[1:]:
        print("%d threads:" % count)
        for name in sorted(medians):
            ratio = medians[name] / first[name]
            print("  %-30s %.3f" % (name, ratio))
            if name in labels and count > first_count and ratio > limit:
                print("FAILED: %s is slower with %d threads than with %d"
                      % (name, count, first_count))
                code = 1
    return code
