"""Tests of the startup hook (``_lasagne_hook.py`` at the repository's root),
which lets scripts import Theano before Lasagne.

The first tests run the hook in this process, around the import of a
stand-in package. The others share one fresh virtual environment with a pip
installation (not editable) of the working tree, and run scripts in it with
an empty HOME and no Theano settings; the last of them uninstalls Lasagne.
"""
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import textwrap

import pytest

import lasagne
from lasagne import _theano_setup as setup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(lasagne.__file__)))
HOOK_FILE = os.path.join(ROOT, '_lasagne_hook.py')

pytestmark = pytest.mark.skipif(
    not os.path.isfile(os.path.join(ROOT, 'setup.py')),
    reason='needs the source repository')


@pytest.fixture(scope='module')
def hook_module():
    spec = importlib.util.spec_from_file_location('_lasagne_hook', HOOK_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


STAND_IN = """
import os, sys
flags = os.environ.get('THEANO_FLAGS')
scan = sys.modules.get(%r, 'absent')
""" % setup.SCAN_EXTENSION


@pytest.fixture
def stand_in(tmp_path, monkeypatch, hook_module):
    """A hook for a stand-in for Theano, ``theano_stand_in``, which records
    what Theano reads at its import: returns the hook."""
    (tmp_path / 'theano_stand_in.py').write_text(STAND_IN)
    (tmp_path / 'broken_stand_in.py').write_text(
        STAND_IN + "raise AttributeError('as Theano without a BLAS flag')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, 'meta_path', list(sys.meta_path))
    for key in ('THEANO_FLAGS', setup.ENV_SWITCH):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv('THEANORC', str(tmp_path / 'no-theanorc'))
    monkeypatch.setenv('OMP_NUM_THREADS', '1')  # no openmp flag (step 5)
    monkeypatch.delitem(sys.modules, setup.SCAN_EXTENSION, raising=False)
    for name in ('theano_stand_in', 'broken_stand_in'):
        monkeypatch.delitem(sys.modules, name, raising=False)
    hook = hook_module.TheanoImportHook('theano_stand_in')
    sys.meta_path.insert(0, hook)
    return hook


class TestInProcess:

    def test_setup_around_import(self, stand_in):
        import theano_stand_in as module
        assert module.flags.startswith('blas.ldflags="-L')
        assert 'THEANO_FLAGS' not in os.environ
        assert module.scan is None or sys.version_info < (3, 11)
        assert stand_in not in sys.meta_path
        # Afterwards the module looks imported the ordinary way.
        assert module.__loader__ is module.__spec__.loader
        assert type(module.__loader__).__name__ == 'SourceFileLoader'

    def test_user_flags_win(self, stand_in, monkeypatch):
        flags = 'floatX=float32,blas.ldflags=-lmine'
        monkeypatch.setenv('THEANO_FLAGS', flags)
        import theano_stand_in as module
        assert module.flags == flags
        assert os.environ['THEANO_FLAGS'] == flags

    def test_thread_defaults(self, stand_in, monkeypatch):
        # step 5 of the setup, for a script that imports Theano first
        monkeypatch.setenv('OMP_NUM_THREADS', '2')
        monkeypatch.delenv('OMP_WAIT_POLICY', raising=False)
        import theano_stand_in as module
        assert 'openmp=True' in module.flags.split(',')
        assert 'THEANO_FLAGS' not in os.environ
        assert os.environ['OMP_WAIT_POLICY'] == 'PASSIVE'

    def test_switched_off(self, stand_in, monkeypatch):
        monkeypatch.setenv(setup.ENV_SWITCH, '1')
        import theano_stand_in as module
        assert module.flags is None
        assert module.scan == 'absent'

    def test_lasagne_first(self, stand_in, monkeypatch):
        # import lasagne searched and set the flag before its own import of
        # Theano; the hook keeps it and searches no more.
        monkeypatch.setenv('THEANO_FLAGS', 'blas.ldflags="-lfound"')
        monkeypatch.setattr(stand_in, 'load_setup', lambda: setup)
        monkeypatch.setattr(setup, 'find_blas', lambda: pytest.fail())
        import theano_stand_in as module
        assert module.flags == 'blas.ldflags="-lfound"'

    def test_find_spec_alone_changes_nothing(self, stand_in):
        spec = importlib.util.find_spec('theano_stand_in')
        assert spec.name == 'theano_stand_in'
        assert stand_in in sys.meta_path
        assert 'THEANO_FLAGS' not in os.environ
        import theano_stand_in as module
        assert module.flags.startswith('blas.ldflags=')

    def test_failed_import_restores(self, stand_in, hook_module):
        sys.meta_path.insert(
            0, hook_module.TheanoImportHook('broken_stand_in'))
        with pytest.raises(AttributeError, match='BLAS flag'):
            import broken_stand_in  # noqa: F401
        assert 'THEANO_FLAGS' not in os.environ
        assert 'broken_stand_in' not in sys.modules

    def test_other_modules(self, stand_in, hook_module):
        assert stand_in.find_spec('json') is None
        assert stand_in.find_spec('theano_stand_in.sub', ['x']) is None
        missing = hook_module.TheanoImportHook('no_such_module')
        assert missing.find_spec('no_such_module') is None
        sys.meta_path.insert(0, missing)
        assert missing.find_spec('no_such_module') is None

    def test_without_setup_file(self, stand_in, tmp_path):
        stand_in.setup_file = str(tmp_path / 'gone.py')
        import theano_stand_in as module
        assert module.flags is None

    def test_install_once(self, hook_module, monkeypatch):
        monkeypatch.setattr(sys, 'meta_path', list(sys.meta_path))
        hook_module.install()
        hook_module.install()
        hooks = [f for f in sys.meta_path
                 if isinstance(f, hook_module.TheanoImportHook)]
        assert len(hooks) == 1 and sys.meta_path[0] is hooks[0]
        assert hooks[0].name == 'theano'
        assert hooks[0].setup_file == setup.__file__


# ------------------------------------------------ a fresh installation

class Venv(object):
    """A virtual environment with Lasagne installed from the working tree,
    and scripts run in it as on a fresh machine."""

    def __init__(self, base):
        self.base = base
        self.python = str(base / 'venv' / 'bin' / 'python')
        self.home = base / 'home'
        self.home.mkdir()
        self.work = base / 'work'
        self.work.mkdir()

    def environ(self, **env):
        # An empty HOME (no .theanorc; also a cold Theano compile cache),
        # no Theano or Lasagne settings, nothing of this Python's paths.
        environ = {'PATH': os.environ.get('PATH', os.defpath),
                   'HOME': str(self.home)}
        for key in ('LANG', 'LC_ALL', 'TMPDIR'):
            if key in os.environ:
                environ[key] = os.environ[key]
        environ.update(env)
        return environ

    def run(self, code, prelude='', **env):
        script = self.work / 'script.py'
        script.write_text(prelude + textwrap.dedent(code))
        return subprocess.run([self.python, str(script)],
                              env=self.environ(**env), cwd=str(self.work),
                              capture_output=True, text=True)

    def run_json(self, code, prelude='', **env):
        process = self.run(code, prelude, **env)
        assert process.returncode == 0, process.stderr
        return json.loads(process.stdout.strip().splitlines()[-1])

    def pip(self, *args):
        # pip keeps this process's HOME, and so its cache.
        environ = dict((k, v) for k, v in os.environ.items()
                       if not k.startswith(('PYTHON', 'THEANO', 'LASAGNE')))
        process = subprocess.run([self.python, '-m', 'pip'] + list(args),
                                 env=environ, capture_output=True, text=True)
        assert process.returncode == 0, process.stdout + process.stderr
        return process.stdout

    def site_packages(self):
        return self.run_json("""
        import json, sysconfig
        print(json.dumps(sysconfig.get_path('purelib')))
        """)


@pytest.fixture(scope='session')
def venv(tmp_path_factory):
    base = tmp_path_factory.mktemp('hook')
    # A copy of the tree, so that the build leaves nothing in the checkout;
    # its name has no '-', which pip would take for a name-version folder
    # whose wheel it caches.
    source = base / 'source'
    shutil.copytree(ROOT, str(source), ignore=shutil.ignore_patterns(
        '.git', '.venv', 'venv', 'build', 'dist', '*.egg-info', '__pycache__',
        '_build', 'htmlcov', '.coverage*'))
    # A default one, as users make it: with pip, which installs and
    # uninstalls below, and setuptools (parts of Theano, e.g. theano.scan,
    # import its pkg_resources).
    subprocess.run([sys.executable, '-m', 'venv', str(base / 'venv')],
                   check=True)
    environment = Venv(base)
    environment.pip('install', '--quiet', str(source))
    yield environment
    shutil.rmtree(str(base), ignore_errors=True)


# Counts the searches for a BLAS library (each globs for libopenblas).
COUNT_SEARCHES = """
import glob
searches = []
_glob = glob.glob
def counting_glob(pattern, *args, **kwargs):
    if 'libopenblas' in pattern:
        searches.append(pattern)
    return _glob(pattern, *args, **kwargs)
glob.glob = counting_glob
"""


@pytest.mark.parametrize('first', ['theano', 'lasagne'])
def test_blas_in_either_order(venv, first):
    # BatchedDot calls sgemm_/dgemm_ itself: it only compiles with a real
    # BLAS linked. Whichever comes first, one search is made.
    result = venv.run_json("""
    import json, os, sys
    startup = sorted(m for m in ('numpy', 'theano', 'lasagne', 'ctypes')
                     if m in sys.modules)
    import numpy as np
    if %r == 'theano':
        import theano
        import theano.tensor as T
        import lasagne
    else:
        import lasagne
        import theano
        import theano.tensor as T
    imports = len(searches)
    lasagne._theano_setup.find_blas()
    a, b = T.matrix(), T.matrix()
    c, d = T.tensor3(), T.tensor3()
    f = theano.function([a, b, c, d], [T.dot(a, b), T.batched_dot(c, d)])
    x, y = np.random.rand(3, 2, 4), np.random.rand(3, 4, 5)
    dot, batched = f(x[0], y[0], x, y)
    print(json.dumps({
        'startup': startup,
        'searches': [imports, len(searches) - imports],
        'ldflags': theano.config.blas.ldflags,
        'THEANO_FLAGS': os.environ.get('THEANO_FLAGS'),
        'right': bool(np.allclose(dot, x[0].dot(y[0])) and np.allclose(
            batched, np.einsum('bij,bjk->bik', x, y))),
    }))
    """ % first, COUNT_SEARCHES)
    assert result['startup'] == []
    imports, one_search = result['searches']
    assert imports == one_search > 0
    assert result['ldflags'].startswith('-L' + venv.site_packages())
    assert result['THEANO_FLAGS'] is None
    assert result['right']


def test_theano_alone(venv):
    result = venv.run_json("""
    import json, os, sys
    import numpy as np
    import theano
    import theano.tensor as T
    a = T.matrix()
    f = theano.function([a], T.dot(a, a))
    print(json.dumps({
        'lasagne': [m for m in sys.modules if m.split('.')[0] == 'lasagne'],
        'hooks': [type(f).__name__ for f in sys.meta_path
                  if type(f).__name__ == 'TheanoImportHook'],
        'ldflags': theano.config.blas.ldflags,
        'THEANO_FLAGS': os.environ.get('THEANO_FLAGS'),
        'scan_blocked': sys.modules.get(%r, 'absent') is None,
        'dot': f(np.eye(2) * 3).tolist(),
    }))
    """ % setup.SCAN_EXTENSION)
    assert result['lasagne'] == []
    assert result['hooks'] == []
    assert result['ldflags'].startswith('-L')
    assert result['THEANO_FLAGS'] is None
    # So theano.scan does not try to build its compiled loop first.
    assert result['scan_blocked'] is (sys.version_info >= (3, 11))
    assert result['dot'] == [[9, 0], [0, 9]]


THEANO_FAILURE = "has no attribute 'blas_opt_info'"


def test_switched_off(venv):
    # Theano then fails as it does without the fork.
    process = venv.run('import theano\n', **{setup.ENV_SWITCH: '1'})
    assert process.returncode != 0
    assert THEANO_FAILURE in process.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize('where', ['THEANO_FLAGS', '.theanorc'])
def test_user_ldflags_win(venv, where):
    if where == 'THEANO_FLAGS':
        env = {'THEANO_FLAGS': 'floatX=float32,blas.ldflags='}
    else:
        # Another HOME, to keep the shared one empty; nothing is compiled.
        home = venv.base / 'home-with-theanorc'
        home.mkdir()
        (home / '.theanorc').write_text(
            '[global]\nfloatX = float32\n[blas]\nldflags =\n')
        env = {'HOME': str(home)}
    result = venv.run_json("""
    import json, os
    import theano
    print(json.dumps([theano.config.blas.ldflags, theano.config.floatX,
                      os.environ.get('THEANO_FLAGS'), len(searches)]))
    """, COUNT_SEARCHES, **env)
    assert result == ['', 'float32', env.get('THEANO_FLAGS'), 0]


MNIST_STYLE = """
import json

import numpy as np
import theano
import theano.tensor as T

import lasagne
from lasagne.layers import (Conv2DLayer, DenseLayer, DropoutLayer,
                            InputLayer, MaxPool2DLayer, batch_norm)
from lasagne.nonlinearities import rectify, softmax


def load_dataset(num, rng):
    # Ten classes of 12x12 images in noise: a bright square at a place of
    # its own for each class.
    y = rng.randint(0, 10, num).astype(np.int32)
    x = rng.uniform(0, 0.5, (num, 1, 12, 12)).astype(theano.config.floatX)
    for image, label in zip(x, y):
        row, col = 4 * (label // 5), 2 * (label % 5)
        image[0, row:row + 4, col:col + 4] += 1
    return x, y


def build_mlp(input_var=None):
    network = InputLayer((None, 1, 12, 12), input_var)
    network = DropoutLayer(network, p=0.5)
    network = DenseLayer(network, 32, nonlinearity=rectify)
    return DenseLayer(network, 10, nonlinearity=softmax)


def build_cnn(input_var=None):
    network = InputLayer((None, 1, 12, 12), input_var)
    network = batch_norm(Conv2DLayer(network, 4, (3, 3)))
    network = MaxPool2DLayer(network, (2, 2))
    network = DropoutLayer(network, p=0.5)
    return DenseLayer(network, 10, nonlinearity=softmax)


def iterate_minibatches(inputs, targets, batchsize):
    for start in range(0, len(inputs) - batchsize + 1, batchsize):
        yield inputs[start:start + batchsize], targets[start:start + batchsize]


def main(model):
    rng = np.random.RandomState(0)
    lasagne.random.set_rng(np.random.RandomState(1))
    X_train, y_train = load_dataset(320, rng)
    X_val, y_val = load_dataset(64, rng)
    input_var = T.tensor4('inputs')
    target_var = T.ivector('targets')
    network = {'mlp': build_mlp, 'cnn': build_cnn}[model](input_var)

    prediction = lasagne.layers.get_output(network)
    loss = lasagne.objectives.categorical_crossentropy(prediction,
                                                       target_var).mean()
    params = lasagne.layers.get_all_params(network, trainable=True)
    updates = lasagne.updates.nesterov_momentum(
        loss, params, learning_rate=0.1, momentum=0.9)
    test_prediction = lasagne.layers.get_output(network, deterministic=True)
    test_loss = lasagne.objectives.categorical_crossentropy(
        test_prediction, target_var).mean()
    test_acc = T.mean(T.eq(T.argmax(test_prediction, axis=1), target_var),
                      dtype=theano.config.floatX)
    train_fn = theano.function([input_var, target_var], loss,
                               updates=updates)
    val_fn = theano.function([input_var, target_var], [test_loss, test_acc])

    train_err = [train_fn(inputs, targets) for inputs, targets in
                 iterate_minibatches(X_train, y_train, 32)]
    val = [val_fn(inputs, targets) for inputs, targets in
           iterate_minibatches(X_val, y_val, 32)]
    return {'train loss': float(np.mean(train_err)),
            'validation loss': float(np.mean([v[0] for v in val])),
            'validation accuracy': float(np.mean([v[1] for v in val]))}


if __name__ == '__main__':
    print(json.dumps({model: main(model) for model in ('mlp', 'cnn')}))
"""


def test_mnist_style_script(venv):
    # Written as upstream's MNIST example is (theano first), one epoch on
    # data a small network learns at once.
    result = venv.run_json(MNIST_STYLE)
    for model in ('mlp', 'cnn'):
        assert math.isfinite(result[model]['train loss'])
        assert result[model]['validation accuracy'] > 0.5


def test_uninstall_leaves_no_hook(venv):
    # Last: it removes Lasagne from the shared environment.
    site_packages = venv.site_packages()
    hook_files = sorted(f for f in os.listdir(site_packages)
                        if f.startswith('_lasagne_hook'))
    assert hook_files == ['_lasagne_hook.pth', '_lasagne_hook.py']
    venv.pip('uninstall', '--yes', 'lasagne')
    leftovers = [os.path.join(d, f) for d, _, files in os.walk(site_packages)
                 for f in files if 'lasagne' in f.lower()]
    assert leftovers == []
    process = venv.run('import theano\n')
    assert THEANO_FAILURE in process.stderr.strip().splitlines()[-1]
