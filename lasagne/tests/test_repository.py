"""Checks of the source checkout beyond the package: code style, the
documentation build, and the commands the README gives. They are skipped
when Lasagne runs from an installed copy without its repository."""
import ast
import os
import re
import subprocess
import sys

import pytest

import lasagne

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(lasagne.__file__)))

needs_checkout = pytest.mark.skipif(
    not os.path.isfile(os.path.join(ROOT, 'setup.py')),
    reason='needs the source repository')


def read(*parts):
    with open(os.path.join(ROOT, *parts)) as f:
        return f.read()


@needs_checkout
def test_flake8():
    process = subprocess.run(
        [sys.executable, '-m', 'flake8', 'lasagne', 'examples', 'bench',
         'docs/conf.py', 'setup.py', '_lasagne_hook.py'],
        cwd=ROOT, capture_output=True, text=True)
    assert process.returncode == 0, process.stdout + process.stderr


@needs_checkout
def test_docs_build(tmp_path):
    process = subprocess.run(
        [sys.executable, '-m', 'sphinx', '-W', '--keep-going', '-q', '-b',
         'html', 'docs', str(tmp_path / 'html')],
        cwd=ROOT, capture_output=True, text=True)
    assert process.returncode == 0, process.stdout + process.stderr


@needs_checkout
def test_readme_commands():
    # The README gives exactly two commands; CI runs the second one.
    commands = re.findall(r'::\n\n    (python3 -m venv .*)\n',
                          read('README.rst'))
    assert len(commands) == 2
    assert 'examples/mnist.py' in commands[0]
    assert commands[1] in read('.ci', 'run').splitlines()
    assert commands[1] in read('.travis.yml')


@needs_checkout
def test_changes_name_this_version():
    assert lasagne.__version__ in read('CHANGES.rst')


def python_blocks(page):
    """The literal blocks of a documentation page that hold Python code but
    are not doctests (``>>>`` lines, which pytest runs): those marked as
    Python, and unmarked ones that are valid Python (shell commands are
    not)."""
    core = pytest.importorskip('docutils.core')
    nodes = pytest.importorskip('docutils.nodes')
    # Sphinx's roles and directives are unknown to plain docutils; the
    # errors about them are silenced, and the text it quotes in them skipped
    doctree = core.publish_doctree(
        read(page), source_path=page,
        settings_overrides={'report_level': 5, 'halt_level': 5})
    found = []
    for block in doctree.findall(nodes.literal_block):
        if block.astext().startswith('>>>') or any(
                isinstance(parent, nodes.system_message)
                for parent in _ancestors(block)):
            continue
        classes = block.get('classes', [])
        if 'code' in classes:
            if 'python' in classes or 'pycon' in classes:
                found.append(block.astext())
            continue
        try:
            ast.parse(block.astext())
        except SyntaxError:
            continue
        found.append(block.astext())
    return found


def _ancestors(node):
    while node.parent is not None:
        node = node.parent
        yield node


GUIDE_DIR = os.path.join(ROOT, 'docs', 'user')
GUIDE = sorted(os.path.join('docs', 'user', name)
               for name in (os.listdir(GUIDE_DIR)
                            if os.path.isdir(GUIDE_DIR) else [])
               if name.endswith('.rst'))


@needs_checkout
@pytest.mark.parametrize('page', GUIDE)
def test_guide_code_is_tested(page):
    # Python in the guide is a doctest (run by pytest's --doctest-glob) or a
    # literalinclude of a tested file; other literal blocks are commands.
    assert python_blocks(page) == []


@needs_checkout
def test_python_blocks_are_found(tmp_path):
    page = tmp_path / 'page.rst'
    page.write_text(
        "Text::\n\n    x = 1\n\nShell::\n\n    pip install lasagne\n\n"
        ".. code-block:: python\n\n   import lasagne\n\n"
        ".. code-block:: bash\n\n   ls\n\n>>> 1 + 1\n2\n\n"
        ".. code-block:: pycon\n\n   >>> 1 + 1\n   2\n\n"
        ".. literalinclude:: ../examples/mnist.py\n")
    assert python_blocks(str(page)) == ['x = 1', 'import lasagne']


def public_definitions():
    """(module, name) for every public class and function that a module of
    lasagne defines, GPU modules included."""
    import importlib
    import inspect
    import pkgutil
    from lasagne.tests.layers.gpu_simulation import import_fresh, \
        simulated_gpu
    found = []

    def collect(module):
        for name in getattr(module, '__all__', []):
            obj = getattr(module, name)
            # aliases (e.g. Deconv2DLayer) are documented where defined
            if (inspect.isclass(obj) or inspect.isfunction(obj)) and \
                    obj.__module__ == module.__name__ and \
                    obj.__name__ == name:
                found.append((module, name))

    for info in pkgutil.walk_packages(lasagne.__path__, 'lasagne.'):
        if '.tests' in info.name or info.name.endswith('cuda_convnet'):
            continue
        if info.name in ('lasagne.layers.dnn', 'lasagne.layers.corrmm'):
            with import_fresh(info.name, simulated_gpu()) as module:
                collect(module)
        else:
            collect(importlib.import_module(info.name))
    return found


def test_docstrings_are_written_out():
    # Each public docstring is the one written at its definition, not
    # assembled from templates, so that the source shows what users read.
    import inspect
    definitions = public_definitions()
    assert len(definitions) > 100
    trees = {}
    for module, name in definitions:
        if module not in trees:
            trees[module] = {
                node.name: node
                for node in ast.parse(inspect.getsource(module)).body
                if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
        written = ast.get_docstring(trees[module][name])
        obj = getattr(module, name)
        assert written is not None, (module.__name__, name)
        assert inspect.cleandoc(obj.__doc__) == written, (module.__name__,
                                                          name)
