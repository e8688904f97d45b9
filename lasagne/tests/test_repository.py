"""Checks of the source checkout beyond the package: code style, the
documentation build, and the commands the README gives. They are skipped
when Lasagne runs from an installed copy without its repository."""
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
