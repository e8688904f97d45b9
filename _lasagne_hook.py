"""
Lasagne's startup hook, so that scripts may import Theano before Lasagne.

A pip installation puts ``_lasagne_hook.pth`` beside this module into
site-packages (see ``setup.py``). Python's :mod:`site` runs the file's one
line, ``import _lasagne_hook; _lasagne_hook.install()``, at the start of
every interpreter of the environment. :func:`install` only puts a
:class:`TheanoImportHook` on :data:`sys.meta_path`: the start imports
neither NumPy, Theano nor Lasagne, and costs well under a millisecond.

When Theano is first imported, the hook wraps the loader that would import
it anyway. Right before Theano's own code runs, the wrapper loads
``lasagne/_theano_setup.py`` by its file location (the ``lasagne`` package
itself imports Theano) and calls its ``before_theano_import``: the BLAS flag
and the scan fallback, with the same rules as ``import lasagne``, the
``LASAGNE_NO_THEANO_SETUP`` switch included. Once Theano is imported, its
``restore`` puts ``THEANO_FLAGS`` back. The hook then removes itself; the
rest of the setup happens at ``import lasagne``.
"""
import os
import sys

__all__ = ['TheanoImportHook', 'install']


class TheanoImportHook(object):
    """A :data:`sys.meta_path` finder that runs Lasagne's setup around the
    first import of the top-level module `name` (``theano``), whose spec it
    takes from the finders after it."""

    def __init__(self, name='theano', setup_file=None):
        self.name = name
        self.setup_file = setup_file or os.path.join(
            os.path.dirname(os.path.abspath(__file__)), 'lasagne',
            '_theano_setup.py')

    def find_spec(self, name, path=None, target=None):
        if name != self.name or self not in sys.meta_path:
            return None
        for finder in sys.meta_path[sys.meta_path.index(self) + 1:]:
            find = getattr(finder, 'find_spec', None)
            spec = find(name, path, target) if find else None
            if spec is not None:
                break
        else:
            return None
        if hasattr(spec.loader, 'exec_module'):
            spec.loader = _SetupLoader(spec.loader, self)
        return spec

    def load_setup(self):
        """Lasagne's ``_theano_setup`` module, loaded by file location, or
        None if the file is gone (Lasagne removed by hand)."""
        if not os.path.isfile(self.setup_file):
            return None
        import importlib.util
        spec = importlib.util.spec_from_file_location(
            'lasagne._theano_setup', self.setup_file)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    def uninstall(self):
        while self in sys.meta_path:
            sys.meta_path.remove(self)


class _SetupLoader(object):
    """Stands in for Theano's loader in its spec, and runs it between the
    setup's two halves."""

    def __init__(self, loader, hook):
        self.loader = loader
        self.hook = hook

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # Only a real import gets here (a mere find_spec does not), and only
        # once: from now on Theano looks as if imported the ordinary way.
        self.hook.uninstall()
        module.__spec__.loader = module.__loader__ = self.loader
        setup = self.hook.load_setup()
        state = setup.before_theano_import() if setup else None
        try:
            self.loader.exec_module(module)
        finally:
            if setup:
                setup.restore(state)


def install():
    """Put the hook first on :data:`sys.meta_path`, unless it is there."""
    if not any(isinstance(finder, TheanoImportHook)
               for finder in sys.meta_path):
        sys.meta_path.insert(0, TheanoImportHook())
