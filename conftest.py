"""pytest configuration of the repository.

The GPU-only modules raise an ImportError where their backend is missing
(always, for cuda_convnet); pytest's doctest collection, which imports every
module, skips them there instead of failing. Their behaviour on such
machines is tested in lasagne/tests/layers.

The doctests of the documentation (docs/**/*.rst) are collected too; the
Sphinx configuration is not a test module: importing it would leave the GPU
modules imported as if a GPU were present.
"""
import importlib


def _unimportable(name):
    try:
        importlib.import_module('lasagne.layers.' + name)
    except ImportError:
        return True
    return False


collect_ignore = ['lasagne/layers/%s.py' % name
                  for name in ('dnn', 'corrmm', 'cuda_convnet')
                  if _unimportable(name)]
collect_ignore.append('docs/conf.py')
