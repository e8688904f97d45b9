"""
Makes Theano 1.0.5 usable on today's Python and NumPy without hand
configuration. ``lasagne/__init__.py`` calls :func:`prepare` before Theano is
imported, :func:`restore` and :func:`finish` right after; nothing else in the
package changes Theano's configuration. Steps 1 and 2 below, and the flag of
step 5, must come before Theano's import: :func:`before_theano_import` holds
them, so that the startup
hook installed with the package (``_lasagne_hook.py`` and its ``.pth`` file
in site-packages) can run them when a script imports Theano before Lasagne.
The hook loads this file by its location, without the ``lasagne`` package,
so it must import nothing but the standard library at module level.

What it does, each step only where it applies:

1. ``blas.ldflags``: Theano's own default for this flag crashes at import on
   NumPy >= 1.22. Unless the user set the flag (in ``THEANO_FLAGS`` or a
   ``.theanorc`` file), a BLAS library is searched in this order: a system
   OpenBLAS, then an LP64 OpenBLAS bundled in a wheel (``<name>.libs/``
   folders in site-packages; SciPy < 1.13 ships one). A library is accepted
   only if :mod:`ctypes` finds both ``sgemm_`` and ``dgemm_`` in it. The flag
   is appended to ``THEANO_FLAGS`` for Theano's import, never replacing what
   the user put there, and the variable is restored afterwards. Without a
   usable library, ``blas.ldflags`` is set empty (Theano's NumPy-based
   fallback) and a :class:`TheanoSetupWarning` says what will not work.
2. Scan: Theano's compiled scan loop (``scan_perform.c``) cannot be built on
   Python >= 3.11, and the failed build raises a plain ``Exception`` after
   several seconds on every start. On those Pythons the module is marked as
   unavailable, so that Theano uses its Python scan loop at once.
3. NumPy >= 1.24 gets a :class:`TheanoSetupWarning` before Theano's import:
   Theano 1.0.5 does not import with it (``np.bool`` is gone, and
   ``import lasagne`` turns the failure into a clear ``ImportError``), and
   Theano builds that do import silently skip many graph optimizations.
4. Graph rewrites (see :mod:`lasagne.theano_extensions.opt`): Lasagne's own
   ``pow(x, 2) -> sqr(x)`` rewrite and its lowerings of max pooling and
   its gradient are registered with Theano's optimizer, and one of Theano's
   scan rewrites is kept away from the scans with truncated gradients that
   it breaks. Lasagne's fused CPU lowerings of Theano's batch normalization
   ops (:mod:`lasagne.theano_extensions.bn`) are registered too.
5. Threads (:func:`thread_defaults`): Theano's ``openmp`` flag is False by
   default, so its convolutions (``CorrMM``) loop over the images of a batch
   and hand OpenBLAS one small matrix product per image, which two OpenBLAS
   threads compute more slowly than one. Unless the user set the flag, it is
   set True for Theano's import where more than one thread is available
   (``OMP_NUM_THREADS`` above 1, or unset on a machine with several CPUs):
   the convolutions then share the batch between OpenMP threads, and
   OpenBLAS computes the other products with its own threads as before.
   Where OpenMP is on and the user did not set ``OMP_WAIT_POLICY`` (or
   ``GOMP_SPINCOUNT``), ``OMP_WAIT_POLICY=PASSIVE`` is set in the
   environment (for good: the OpenMP library reads it when Theano's first
   compiled module loads it), so that idle OpenMP threads sleep instead of
   spinning on the cores the OpenBLAS threads, or other programs, need.
   Wherever Theano's ``openmp`` flag is on (set here, by the hook, or by
   the user), a child process created by ``os.fork`` (e.g. by
   ``multiprocessing``) is made to run OpenMP code in one thread
   (:func:`guard_forks`): GNU OpenMP's threads do not survive a fork, and a
   child that uses them waits for them forever. The guard is registered
   before Theano's import where the flag is on by then, so it also covers
   scripts that import Theano and never Lasagne, and at ``import lasagne``
   otherwise.

Setting the environment variable ``LASAGNE_NO_THEANO_SETUP`` to a non-empty
value other than ``0`` turns all of this off, the hook included. Steps 1 and
2 (and 5's flag) run once, before Theano's import, whichever of Theano and
Lasagne comes first. If Lasagne comes first, :func:`prepare` runs them, and
the hook keeps the flags it finds set. If Theano comes first, the hook runs
them, and :func:`prepare` finds Theano imported and leaves steps 1 and 5
alone; so it does without the hook (an editable install), where step 1 then
cannot apply (on NumPy >= 1.22 Theano only imports at all if the user set
``blas.ldflags``). Steps 3 and 4 apply at ``import lasagne`` in either
order; 5's guard of forked processes at the first of the two that finds
OpenMP on.
"""
import ctypes
import glob
import os
import site
import sys
import sysconfig
import warnings

ENV_SWITCH = 'LASAGNE_NO_THEANO_SETUP'
SCAN_EXTENSION = 'theano.scan_module.scan_perform_ext'

__all__ = ['TheanoSetupWarning', 'prepare', 'before_theano_import', 'restore',
           'finish', 'thread_defaults', 'guard_forks', 'single_openmp_thread']


class TheanoSetupWarning(UserWarning):
    """A problem of the Theano installation that Lasagne could not solve."""


def enabled(environ=os.environ):
    """Whether the setup is on, i.e. the environment switch is not set."""
    return environ.get(ENV_SWITCH, '') in ('', '0')


def _parse_flags(flags):
    """Split a ``THEANO_FLAGS`` string as Theano does (comma-separated
    ``key=value`` pairs, with shell-like quoting)."""
    import shlex
    splitter = shlex.shlex(flags, posix=True)
    splitter.whitespace = ','
    splitter.whitespace_split = True
    pairs = (item.split('=', 1) for item in splitter if '=' in item)
    return dict((key.strip(), value) for key, value in pairs)


def user_flag(name, environ=os.environ):
    """The value of the Theano flag `name` (e.g. ``'blas.ldflags'`` or
    ``'openmp'``) that the user configured in ``THEANO_FLAGS`` or a
    ``.theanorc`` file, or None if there is none."""
    import configparser
    flags = _parse_flags(environ.get('THEANO_FLAGS', ''))
    if name in flags:
        return flags[name]
    section, option = name.rsplit('.', 1) if '.' in name else ('global',
                                                               name)
    config = configparser.RawConfigParser()
    rc_files = environ.get('THEANORC', '~/.theanorc').split(os.pathsep)
    config.read([os.path.expanduser(f) for f in rc_files])
    if config.has_option(section, option):
        return config.get(section, option)
    return None


def _available_threads(environ=os.environ):
    """The number of threads OpenMP will start: ``OMP_NUM_THREADS`` if it
    is a number, else the number of CPUs this process may run on."""
    value = environ.get('OMP_NUM_THREADS', '').strip()
    if value:
        try:
            return int(value)
        except ValueError:
            return 1  # Theano refuses it at import anyway
    if hasattr(os, 'sched_getaffinity'):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover (no sched_getaffinity)


def _openmp_on(value):
    return str(value).strip().lower() in ('true', '1')


def thread_defaults(environ=os.environ):
    """The thread settings of step 5 where the user chose none: a Theano
    flag to add for Theano's import (``'openmp=True'``) or None, and a dict
    of environment variables to set for good."""
    openmp = user_flag('openmp', environ)
    flag = None
    if openmp is None and _available_threads(environ) > 1:
        openmp, flag = 'True', 'openmp=True'
    variables = {}
    if _openmp_on(openmp) and not (
            environ.get('OMP_WAIT_POLICY') or environ.get('GOMP_SPINCOUNT')):
        variables['OMP_WAIT_POLICY'] = 'PASSIVE'
    return flag, variables


def _apply_thread_defaults(environ):
    flag, variables = thread_defaults(environ)
    if flag:
        current = environ.get('THEANO_FLAGS')
        environ['THEANO_FLAGS'] = ','.join(f for f in (current, flag) if f)
    environ.update(variables)
    if _openmp_on(user_flag('openmp', environ)):
        # Theano will use OpenMP: guard forked children from the start, for
        # scripts that import Theano (through the hook) and never Lasagne
        guard_forks()


def _load(path, depth=0):
    """Load a shared library with ctypes. Dependencies the loader cannot
    find but that lie beside the library (as in a wheel's ``.libs`` folder,
    which its users reach through an ``$ORIGIN`` rpath) are loaded first;
    once loaded, they also serve Theano's compiled modules that link the
    library."""
    try:
        return ctypes.CDLL(path)
    except OSError as error:
        missing = str(error).split(':', 1)[0]
        sibling = os.path.join(os.path.dirname(path), missing)
        if depth < 5 and os.path.basename(sibling) != os.path.basename(path) \
                and os.path.isfile(sibling) and _load(sibling, depth + 1):
            return _load(path, depth + 1)
        return None


def exports_blas(path):
    """Whether the shared library at `path` loads and exports the Fortran
    BLAS functions ``sgemm_`` and ``dgemm_`` that Theano's C code calls."""
    library = _load(path)
    return (library is not None and hasattr(library, 'sgemm_') and
            hasattr(library, 'dgemm_'))


def _system_library_dirs():
    dirs = os.environ.get('LD_LIBRARY_PATH', '').split(os.pathsep)
    multiarch = sysconfig.get_config_var('MULTIARCH')
    for prefix in ('/usr/local/lib', '/usr/lib', '/usr/lib64', '/lib'):
        if multiarch:
            dirs.append(os.path.join(prefix, multiarch))
        dirs.append(prefix)
    return [d for d in dirs if d]


def _site_dirs():
    dirs = list(site.getsitepackages()) if hasattr(site, 'getsitepackages') \
        else []
    dirs.append(site.getusersitepackages())
    dirs.extend(p for p in sys.path if os.path.basename(p) in
                ('site-packages', 'dist-packages'))
    return dirs


def candidate_libraries():
    """Paths of OpenBLAS builds worth a symbol check, in search order:
    system libraries first, then those bundled in wheels."""
    patterns = [os.path.join(d, 'libopenblas*') for d in
                _system_library_dirs()]
    patterns += [os.path.join(d, '*.libs', 'libopenblas*') for d in
                 _site_dirs()]
    seen, found = set(), []
    for pattern in patterns:
        for path in sorted(glob.glob(pattern)):
            real = os.path.realpath(path)
            name = os.path.basename(path)
            if real not in seen and ('.so' in name or
                                     name.endswith('.dylib')):
                seen.add(real)
                found.append(path)
    return found


def ldflags_for(path):
    """Linker flags for Theano's ``blas.ldflags`` that link `path`."""
    directory, filename = os.path.split(os.path.abspath(path))
    stem, extension = os.path.splitext(filename)
    if stem.startswith('lib') and extension in ('.so', '.dylib'):
        library = stem[3:]
    else:
        library = ':' + filename  # versioned file name, e.g. libfoo.so.0
    return '-L{0} -l{1} -Wl,-rpath,{0}'.format(directory, library)


def find_blas():
    """The ``blas.ldflags`` of the first usable BLAS library, or ''."""
    for path in candidate_libraries():
        if not any(c in path for c in ' ,"\'') and exports_blas(path):
            return ldflags_for(path)
    return ''


def _block_compiled_scan():
    # Theano only falls back to its Python scan loop on an ImportError; a
    # None entry in sys.modules makes its import of the extension raise one.
    if sys.version_info >= (3, 11) and SCAN_EXTENSION not in sys.modules:
        sys.modules[SCAN_EXTENSION] = None


def before_theano_import(environ=os.environ, stacklevel=3):
    """Steps 1, 2 and 5, right before Theano's own code runs: called by
    :func:`prepare`, and by the startup hook when a script imports Theano
    first. Returns the state to hand to :func:`restore` once Theano is
    imported."""
    if not enabled(environ):
        return None
    _block_compiled_scan()
    saved = environ.get('THEANO_FLAGS')
    # (an openmp flag already in the flags counts as the user's, as below)
    _apply_thread_defaults(environ)
    # A blas.ldflags already in the flags is the user's, or the one that
    # prepare() put there for the import the hook now sees: either way it
    # stands, and no second search is made.
    if user_flag('blas.ldflags', environ) is not None:
        changed = environ.get('THEANO_FLAGS') != saved
        return {'THEANO_FLAGS': saved} if changed else None
    ldflags = find_blas()
    if not ldflags:
        warnings.warn(
            "Lasagne found no BLAS library exporting sgemm_ and dgemm_ "
            "(searched: a system OpenBLAS, an OpenBLAS bundled with SciPy "
            "< 1.13), so Theano uses its slower NumPy-based BLAS, and "
            "graphs with T.batched_dot (BatchedDot, used by "
            "TransformerLayer and TPSTransformerLayer) fail to compile. "
            "Install scipy<1.13 or a system OpenBLAS, or set the Theano "
            "flag blas.ldflags.", TheanoSetupWarning, stacklevel=stacklevel)
    flag = 'blas.ldflags="%s"' % ldflags
    current = environ.get('THEANO_FLAGS')
    environ['THEANO_FLAGS'] = ','.join(f for f in (current, flag) if f)
    return {'THEANO_FLAGS': saved}


def prepare(environ=os.environ):
    """At ``import lasagne``, before its import of Theano: the NumPy check,
    then :func:`before_theano_import`. Returns the state to hand to
    :func:`restore` once Theano is imported."""
    if not enabled(environ):
        return None
    check_numpy()
    if 'theano' in sys.modules:
        # Theano has read its flags already, set up by the startup hook or
        # not; only the scan extension is still looked up later.
        _block_compiled_scan()
        return None
    return before_theano_import(environ, stacklevel=4)


def restore(state, environ=os.environ):
    """Undo what :func:`prepare` changed in the environment."""
    if state is not None:
        if state['THEANO_FLAGS'] is None:
            environ.pop('THEANO_FLAGS', None)
        else:
            environ['THEANO_FLAGS'] = state['THEANO_FLAGS']


def finish(environ=os.environ):
    """After Theano's import: register Lasagne's graph rewrites, and the
    guard of step 5 for forked processes where Theano uses OpenMP."""
    if enabled(environ):
        from .theano_extensions import opt
        opt.register()
        import theano
        if theano.config.openmp:
            guard_forks()


#: The attribute of :mod:`sys` that records that :func:`guard_forks` has
#: registered the guard: the startup hook and ``import lasagne`` load this
#: file as two separate modules, so the record cannot live in this one.
FORK_GUARD_MARK = '_lasagne_fork_guard'


def guard_forks():
    """Register :func:`single_openmp_thread` to run in every child process
    that ``os.fork`` creates from now on; once per process, however often
    it is called (by :func:`before_theano_import` where the ``openmp`` flag
    is on, and by :func:`finish` where Theano's ``openmp`` is on). Returns
    whether it registered it now."""
    if getattr(sys, FORK_GUARD_MARK, False) or not hasattr(
            os, 'register_at_fork'):
        return False
    os.register_at_fork(after_in_child=single_openmp_thread)
    setattr(sys, FORK_GUARD_MARK, True)
    return True


def single_openmp_thread():
    """Limit GNU OpenMP (libgomp), if this process has loaded it, to one
    thread: run in a child process right after ``os.fork``, where the
    parent's OpenMP threads are gone but libgomp would wait for them."""
    try:
        libgomp = ctypes.CDLL('libgomp.so.1', mode=os.RTLD_NOLOAD)
    except (OSError, AttributeError):  # not loaded; no RTLD_NOLOAD
        return
    libgomp.omp_set_num_threads(1)


def check_numpy(version=None):
    """Warn if NumPy (or the given version string) is too new for Theano."""
    import numpy
    version = version or numpy.__version__
    if tuple(int(v) for v in version.split('.')[:2]) >= (1, 24):
        warnings.warn(
            "NumPy %s is too new for Theano: Theano 1.0.5 fails to import "
            "with it, and Theano builds that do import silently skip many "
            "graph optimizations; install numpy<1.24." % version,
            TheanoSetupWarning, stacklevel=3)
