# Sphinx configuration of the Lasagne documentation.
import os
import sys

sys.path.insert(0, os.path.abspath('..'))

import lasagne  # noqa: E402 (needs the path above)


def import_gpu_modules():
    """Import the GPU-only layer modules as if Theano's gpuarray backend were
    active and cuDNN present, so that autodoc documents them on any machine
    (their pages say what they need). The import-time checks are the only
    thing simulated: nothing is computed while building the docs."""
    import importlib
    import types
    from unittest import mock
    from theano import gpuarray
    dnn = types.ModuleType('theano.gpuarray.dnn')
    dnn.dnn_present = lambda: True
    with mock.patch.object(gpuarray, 'pygpu_activated', True), \
            mock.patch.object(gpuarray, 'dnn', dnn, create=True), \
            mock.patch.dict(sys.modules, {'theano.gpuarray.dnn': dnn}):
        modules = [importlib.import_module(name) for name in
                   ('lasagne.layers.dnn', 'lasagne.layers.corrmm')]
    # patch.dict restored sys.modules, dropping the new modules
    sys.modules.update((module.__name__, module) for module in modules)


import_gpu_modules()

project = 'Lasagne'
copyright = '2026, the Lasagne fork authors'
version = release = lasagne.__version__

extensions = [
    'sphinx.ext.autodoc',
    'sphinx.ext.autosummary',
    'sphinx.ext.mathjax',
    'sphinx.ext.viewcode',
    'numpydoc',
]

# Each page lists its names explicitly; numpydoc should not add member
# tables of its own.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
autosummary_generate = False
autodoc_member_order = 'bysource'

templates_path = []
exclude_patterns = ['_build']
master_doc = 'index'
pygments_style = 'sphinx'

html_theme = 'sphinx_rtd_theme'
html_static_path = []
