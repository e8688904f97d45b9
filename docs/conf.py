# Sphinx configuration of the Lasagne documentation.
import os
import sys

sys.path.insert(0, os.path.abspath('..'))

import lasagne  # noqa: E402 (needs the path above)

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
