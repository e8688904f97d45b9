"""Import Lasagne's GPU modules on a CPU-only machine, for their tests.

:func:`simulated_gpu` makes Theano's gpuarray backend look active, with a
stand-in for ``theano.gpuarray.dnn``; :func:`import_fresh` imports a module
anew (running its import-time checks) and forgets it again afterwards, so
that other tests see the module as this machine really provides it;
:func:`forgotten` hides an imported module for a block, e.g. to see an
``import`` of it fail.
"""
import contextlib
import importlib
import sys
import types
from unittest import mock

from theano import gpuarray


@contextlib.contextmanager
def simulated_gpu(dnn_present=True, **dnn_functions):
    """Pretend that pygpu is active and that ``theano.gpuarray.dnn`` is a
    module whose ``dnn_present()`` returns `dnn_present` and which has the
    given functions. Yields that module."""
    dnn = types.ModuleType('theano.gpuarray.dnn')
    dnn.dnn_present = lambda: dnn_present
    dnn.dnn_present.msg = 'simulated absence of cuDNN'
    for name, function in dnn_functions.items():
        setattr(dnn, name, function)
    with mock.patch.object(gpuarray, 'pygpu_activated', True), \
            mock.patch.object(gpuarray, 'dnn', dnn, create=True), \
            mock.patch.dict(sys.modules, {'theano.gpuarray.dnn': dnn}):
        yield dnn


@contextlib.contextmanager
def forgotten(name):
    """Forget module `name` for the block, so that importing it there runs
    its import-time checks anew (or fails as they decide); afterwards
    restore the previous state of ``sys.modules`` and of the parent
    package."""
    parent_name, _, attribute = name.rpartition('.')
    parent = importlib.import_module(parent_name)
    missing = object()
    old_module = sys.modules.pop(name, missing)
    old_attribute = getattr(parent, attribute, missing)
    try:
        yield
    finally:
        sys.modules.pop(name, None)
        if old_module is not missing:
            sys.modules[name] = old_module
        if old_attribute is missing:
            if hasattr(parent, attribute):
                delattr(parent, attribute)
        else:
            setattr(parent, attribute, old_attribute)


@contextlib.contextmanager
def import_fresh(name, context=None):
    """Import module `name` anew, inside `context` if given (e.g.
    :func:`simulated_gpu`), and yield it; afterwards restore the previous
    state, as :func:`forgotten` does."""
    with forgotten(name):
        with context or contextlib.nullcontext():
            module = importlib.import_module(name)
        yield module
