"""Progress reports shared by the examples: how long Theano takes to compile,
and a progress bar for epochs long enough to want one.

The bar is tqdm's if tqdm is installed (``pip install lasagne[examples]``),
else a plain line of text rewritten in place; either goes to stderr, so
that the results printed on stdout stay easy to read and to log.
"""
import contextlib
import sys
import time

try:
    from tqdm import tqdm
except ImportError:
    tqdm = None

# A bar appears only once an epoch has run this long (in seconds): shorter
# epochs would only flicker.
DELAY = 2.


@contextlib.contextmanager
def compiling(what, first_run='about a minute'):
    """Announce a compilation, which may otherwise look like a hang, with
    how long it takes on a `first_run` (on two cores), and report how long
    it took."""
    # Theano compiles C code for every new operation and keeps it in its
    # cache (~/.theano): later runs only optimize the graph and load the
    # cached modules.
    print("Compiling %s (%s on a first run, seconds once Theano's cache is "
          "warm)..." % (what, first_run), flush=True)
    start = time.time()
    yield
    print("Compiled in %.1f s." % (time.time() - start), flush=True)


def progress(iterable, total, desc, stream=None):
    """Iterate over `iterable` (of `total` items), showing a progress bar
    labelled `desc` on `stream` (stderr by default) if it is a terminal,
    once more than `DELAY` seconds have passed; the bar disappears at the
    end."""
    stream = sys.stderr if stream is None else stream
    if tqdm is not None:
        # disable=None: no bar when the stream is not a terminal, as below
        return tqdm(iterable, total=total, desc=desc, delay=DELAY,
                    leave=False, file=stream, disable=None)
    return _plain_progress(iterable, total, desc, stream)


def _plain_progress(iterable, total, desc, stream):
    # Rewriting a line in place only works on a terminal; in a log file,
    # the epoch summaries are progress enough.
    if not stream.isatty():
        yield from iterable
        return
    start = time.time()
    shown = ''
    for done, item in enumerate(iterable, 1):
        yield item
        elapsed = time.time() - start
        if elapsed > DELAY:
            line = '%s: %d/%d, %.0f s' % (desc, done, total, elapsed)
            stream.write('\r' + line.ljust(len(shown)))
            stream.flush()
            shown = line
    if shown:
        stream.write('\r' + ' ' * len(shown) + '\r')
        stream.flush()
