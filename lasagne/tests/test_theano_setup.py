"""Tests of lasagne/_theano_setup.py: what importing Lasagne does to Theano.

Most of it acts before Theano's import, so the end-to-end tests run Python
in a subprocess with a controlled environment."""
import ctypes.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import theano

import lasagne
from lasagne import _theano_setup as setup

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(lasagne.__file__)))


def run_python(code, tmp_path, **env):
    """Run `code` in a fresh interpreter without the caller's Theano
    settings, and return what it printed as JSON on its last line."""
    environ = dict(os.environ)
    for key in ('THEANO_FLAGS', setup.ENV_SWITCH):
        environ.pop(key, None)
    environ['THEANORC'] = str(tmp_path / 'no-theanorc')
    environ['PYTHONPATH'] = os.pathsep.join(
        [ROOT] + [p for p in environ.get('PYTHONPATH', '').split(os.pathsep)
                  if p])
    environ.update(env)
    process = subprocess.run([sys.executable, '-c', textwrap.dedent(code)],
                             env=environ, capture_output=True, text=True,
                             cwd=str(tmp_path))
    assert process.returncode == 0, process.stderr
    return json.loads(process.stdout.strip().splitlines()[-1])


REPORT = """
import json, os, sys, warnings
warnings.simplefilter('always')
with warnings.catch_warnings(record=True) as caught:
    import lasagne
import theano
print(json.dumps({
    'ldflags': theano.config.blas.ldflags,
    'floatX': theano.config.floatX,
    'THEANO_FLAGS': os.environ.get('THEANO_FLAGS'),
    'scan_blocked': sys.modules.get('%s', 'absent') is None,
    'rewrite': [name for name in ('local_pow_to_sqr', 'local_max_pool_2d',
                                  'local_max_pool_2d_grad')
                if name in theano.compile.optdb['specialize_device'].__db__],
    'fused_bn': 'local_fused_bn_train' in
        theano.tensor.nnet.bn.bn_groupopt.__db__,
    'scan_guard': getattr(theano.scan_module.scan_opt.PushOutScanOutput
                          .process_node, 'skips_truncated_scans', False),
    'warnings': [str(w.message) for w in caught
                 if issubclass(w.category, lasagne._theano_setup
                               .TheanoSetupWarning)],
}))
""" % setup.SCAN_EXTENSION


class TestUserSettings:

    def test_flag(self):
        environ = {'THEANO_FLAGS': 'floatX=float32,'
                                   'blas.ldflags="-L/x -lfoo -Wl,-rpath,/x"'}
        assert setup.user_flag('blas.ldflags', environ) == \
            '-L/x -lfoo -Wl,-rpath,/x'
        assert setup.user_flag('floatX', environ) == 'float32'

    def test_empty_flag_counts(self):
        environ = {'THEANO_FLAGS': 'blas.ldflags='}
        assert setup.user_flag('blas.ldflags', environ) == ''

    @pytest.mark.parametrize('name, value', [
        ('blas.ldflags', '-lbar'), ('openmp', 'True'), ('floatX', 'float32')])
    def test_theanorc(self, tmp_path, name, value):
        # flags without a section are in [global], the others in theirs
        rc = tmp_path / 'rc'
        rc.write_text('[global]\nfloatX = float32\nopenmp = True\n'
                      '[blas]\nldflags = -lbar\n')
        other = tmp_path / 'other'
        environ = {'THEANORC': os.pathsep.join([str(other), str(rc)])}
        assert setup.user_flag(name, environ) == value

    @pytest.mark.parametrize('name, rc_text', [
        ('blas.ldflags', '[global]\nfloatX = float32\n'),
        ('openmp', '[global]\nfloatX = float32\n[other]\nopenmp = True\n'),
        ('ldflags', '[blas]\nldflags = -lbar\n')])
    def test_none(self, tmp_path, name, rc_text):
        rc = tmp_path / 'rc'
        rc.write_text(rc_text)
        environ = {'THEANORC': str(rc), 'THEANO_FLAGS': 'floatX=float32'}
        assert setup.user_flag(name, environ) is None


class TestLibrarySearch:

    def test_found_library_exports_blas(self):
        # The test machines have no system OpenBLAS: this finds the one in
        # SciPy's wheel, and proves the discovery in a fresh environment.
        ldflags = setup.find_blas()
        assert ldflags
        directory = ldflags.split()[0][2:]
        library = ldflags.split()[1][2:]
        filename = (library[1:] if library.startswith(':')
                    else 'lib%s.so' % library)
        assert setup.exports_blas(os.path.join(directory, filename))

    def test_rejects_library_without_blas(self):
        libm = ctypes.util.find_library('m')
        assert libm is not None
        assert not setup.exports_blas(libm)

    def test_rejects_missing_library(self, tmp_path):
        assert not setup.exports_blas(str(tmp_path / 'libnothing.so'))
        (tmp_path / 'libbroken.so').write_text('not a library')
        assert not setup.exports_blas(str(tmp_path / 'libbroken.so'))

    def test_rejects_numpy_ilp64_build(self):
        # NumPy's wheels bundle an ILP64 OpenBLAS with suffixed names.
        libs = [p for p in setup.candidate_libraries()
                if os.path.basename(os.path.dirname(p)) == 'numpy.libs']
        if not libs:
            pytest.skip("this NumPy bundles no OpenBLAS")
        for path in libs:
            assert not setup.exports_blas(path)

    def test_loads_dependencies_beside_the_library(self, tmp_path):
        # As in a wheel's .libs folder: libblas-fake.so needs libdep-fake.so,
        # which lies beside it but not on the loader's search path.
        compiler = shutil.which('gcc')
        if compiler is None:
            pytest.skip("needs gcc")
        (tmp_path / 'dep.c').write_text('int dep_value(void) { return 2; }\n')
        (tmp_path / 'blas.c').write_text(
            'int dep_value(void);\n'
            'void sgemm_(void) { dep_value(); }\n'
            'void dgemm_(void) { dep_value(); }\n')
        for args in (['-o', 'libdep-fake.so', '-Wl,-soname,libdep-fake.so',
                      'dep.c'],
                     ['-o', 'libblas-fake.so', 'blas.c', '-L.',
                      '-ldep-fake']):
            subprocess.run([compiler, '-shared', '-fPIC'] + args,
                           cwd=str(tmp_path), check=True)
        library = str(tmp_path / 'libblas-fake.so')
        with pytest.raises(OSError, match='libdep-fake.so'):
            ctypes.CDLL(library)
        assert setup.exports_blas(library)

    def test_nothing_usable(self, monkeypatch, tmp_path):
        (tmp_path / 'libopenblas.so').write_text('not a library')
        monkeypatch.setattr(setup, 'candidate_libraries',
                            lambda: [str(tmp_path / 'libopenblas.so')])
        assert setup.find_blas() == ''

    def test_candidates_are_libraries(self, monkeypatch, tmp_path):
        libs = tmp_path / 'somewheel.libs'
        libs.mkdir()
        for name in ('libopenblas-r0.so', 'libopenblas.a', 'openblas.txt',
                     'libgfortran.so.5'):
            (libs / name).write_text('')
        monkeypatch.setattr(setup, '_site_dirs', lambda: [str(tmp_path)])
        found = [os.path.basename(p) for p in setup.candidate_libraries()
                 if p.startswith(str(tmp_path))]
        assert found == ['libopenblas-r0.so']

    @pytest.mark.parametrize('path, flags', [
        ('/opt/blas/libopenblas.so', '-L/opt/blas -lopenblas '
                                     '-Wl,-rpath,/opt/blas'),
        ('/usr/lib/libopenblas.so.0', '-L/usr/lib -l:libopenblas.so.0 '
                                      '-Wl,-rpath,/usr/lib'),
        ('/x/libopenblasp-r0-23e5df77.3.21.dev.so',
         '-L/x -lopenblasp-r0-23e5df77.3.21.dev -Wl,-rpath,/x'),
    ])
    def test_ldflags_for(self, path, flags):
        assert setup.ldflags_for(path) == flags


class TestPrepare:

    def test_flags_merged_and_restored(self, monkeypatch):
        monkeypatch.delitem(sys.modules, 'theano')
        monkeypatch.setattr(setup, 'find_blas', lambda: '-lfound')
        environ = {'THEANO_FLAGS': 'floatX=float32',
                   'THEANORC': '/nonexistent', 'OMP_NUM_THREADS': '1'}
        state = setup.prepare(environ)
        assert environ['THEANO_FLAGS'] == 'floatX=float32,' \
                                          'blas.ldflags="-lfound"'
        setup.restore(state, environ)
        assert environ['THEANO_FLAGS'] == 'floatX=float32'

    def test_fallback_warns(self, monkeypatch):
        monkeypatch.delitem(sys.modules, 'theano')
        monkeypatch.setattr(setup, 'find_blas', lambda: '')
        environ = {'THEANORC': '/nonexistent', 'OMP_NUM_THREADS': '1'}
        with pytest.warns(setup.TheanoSetupWarning,
                          match='batched_dot.*TransformerLayer'):
            state = setup.prepare(environ)
        assert environ['THEANO_FLAGS'] == 'blas.ldflags=""'
        setup.restore(state, environ)
        assert 'THEANO_FLAGS' not in environ

    def test_user_setting_untouched(self, monkeypatch):
        monkeypatch.delitem(sys.modules, 'theano')
        environ = {'THEANO_FLAGS': 'blas.ldflags=-lmine',
                   'THEANORC': '/nonexistent'}
        setup.restore(setup.prepare(environ), environ)
        assert environ['THEANO_FLAGS'] == 'blas.ldflags=-lmine'

    def test_switch_off(self, monkeypatch):
        monkeypatch.delitem(sys.modules, 'theano')
        monkeypatch.delitem(sys.modules, setup.SCAN_EXTENSION)
        environ = {setup.ENV_SWITCH: '1'}
        assert setup.prepare(environ) is None
        assert environ == {setup.ENV_SWITCH: '1'}
        assert setup.SCAN_EXTENSION not in sys.modules

    def test_after_theano_import_only_scan(self, monkeypatch):
        # As after a script's `import theano`, set up by the startup hook
        # or not: no second search.
        monkeypatch.delitem(sys.modules, setup.SCAN_EXTENSION)
        monkeypatch.setattr(setup, 'find_blas', lambda: pytest.fail())
        environ = {'THEANORC': '/nonexistent'}
        assert setup.prepare(environ) is None
        assert environ == {'THEANORC': '/nonexistent'}
        if sys.version_info >= (3, 11):
            assert sys.modules[setup.SCAN_EXTENSION] is None

    def test_hook_during_theano_import(self, monkeypatch):
        # The startup hook calls it while Theano's module is being executed,
        # so already in sys.modules.
        monkeypatch.delitem(sys.modules, setup.SCAN_EXTENSION)
        monkeypatch.setattr(setup, 'find_blas', lambda: '-lfound')
        environ = {'THEANORC': '/nonexistent', 'OMP_NUM_THREADS': '1'}
        state = setup.before_theano_import(environ)
        assert environ['THEANO_FLAGS'] == 'blas.ldflags="-lfound"'
        if sys.version_info >= (3, 11):
            assert sys.modules[setup.SCAN_EXTENSION] is None
        setup.restore(state, environ)
        assert environ == {'THEANORC': '/nonexistent', 'OMP_NUM_THREADS': '1'}

    def test_hook_after_prepare(self, monkeypatch):
        # Lasagne imported first: the hook then sees the flag prepare() set
        # for this import of Theano, and searches no more.
        monkeypatch.delitem(sys.modules, 'theano')
        monkeypatch.setattr(setup, 'find_blas', lambda: '-lfound')
        environ = {'THEANORC': '/nonexistent', 'OMP_NUM_THREADS': '1'}
        state = setup.prepare(environ)
        monkeypatch.setattr(setup, 'find_blas', lambda: pytest.fail())
        assert setup.before_theano_import(environ) is None
        assert environ['THEANO_FLAGS'] == 'blas.ldflags="-lfound"'
        setup.restore(state, environ)
        assert 'THEANO_FLAGS' not in environ

    @pytest.mark.parametrize('value, on', [
        ('', True), ('0', True), ('1', False), ('yes', False)])
    def test_enabled(self, value, on):
        assert setup.enabled({setup.ENV_SWITCH: value}) is on


class TestNumpyCheck:

    def test_prepare_warns_before_import(self, monkeypatch):
        monkeypatch.setattr(np, '__version__', '1.24.1')
        with pytest.warns(setup.TheanoSetupWarning, match='1.24.1'):
            setup.prepare({})

    @pytest.mark.parametrize('version', ['1.24.0', '1.26.4', '2.0.1'])
    def test_warns_for_new_numpy(self, version):
        with pytest.warns(setup.TheanoSetupWarning, match='numpy<1.24'):
            setup.check_numpy(version)

    @pytest.mark.parametrize('version', ['1.23.5', '1.22.0', '1.21.6'])
    def test_silent_for_supported_numpy(self, version):
        with warnings.catch_warnings():
            warnings.simplefilter('error')
            setup.check_numpy(version)


class TestImportEndToEnd:

    def test_no_configuration(self, tmp_path):
        result = run_python(REPORT, tmp_path)
        assert result['ldflags'].startswith('-L')
        assert result['THEANO_FLAGS'] is None
        assert result['scan_blocked'] is (sys.version_info >= (3, 11))
        assert len(result['rewrite']) == 3 and result['scan_guard']
        assert result['fused_bn']
        assert result['warnings'] == []

    def test_user_flags_kept(self, tmp_path):
        result = run_python(REPORT, tmp_path, THEANO_FLAGS='floatX=float32')
        assert result['floatX'] == 'float32'
        assert result['ldflags'].startswith('-L')
        assert result['THEANO_FLAGS'] == 'floatX=float32'

    def test_user_ldflags_win(self, tmp_path):
        result = run_python(REPORT, tmp_path, THEANO_FLAGS='blas.ldflags=')
        assert result['ldflags'] == ''
        assert result['THEANO_FLAGS'] == 'blas.ldflags='

    def test_user_theanorc_wins(self, tmp_path):
        rc = tmp_path / 'theanorc'
        rc.write_text('[blas]\nldflags =\n')
        result = run_python(REPORT, tmp_path, THEANORC=str(rc))
        assert result['ldflags'] == ''
        assert result['THEANO_FLAGS'] is None

    def test_switched_off(self, tmp_path):
        result = run_python(REPORT, tmp_path, THEANO_FLAGS='blas.ldflags=',
                            **{setup.ENV_SWITCH: '1'})
        assert not result['scan_blocked']
        assert result['rewrite'] == [] and not result['scan_guard']
        assert not result['fused_bn']

    def test_theano_imported_first(self, tmp_path):
        result = run_python('import theano\n' + REPORT, tmp_path,
                            THEANO_FLAGS='blas.ldflags=')
        assert result['ldflags'] == ''
        assert result['scan_blocked'] is (sys.version_info >= (3, 11))
        assert len(result['rewrite']) == 3

    def test_fallback_without_blas(self, tmp_path):
        # Load the setup module first with its search disabled, as on a
        # machine without a usable BLAS; lasagne then imports that module.
        code = """
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location(
            'lasagne._theano_setup', %r)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.find_blas = lambda: ''
        sys.modules['lasagne._theano_setup'] = module
        """ % setup.__file__
        result = run_python(textwrap.dedent(code) + REPORT, tmp_path)
        assert result['ldflags'] == ''
        assert len(result['warnings']) == 1
        assert 'batched_dot' in result['warnings'][0]


def test_batched_dot_compiles():
    # BatchedDot calls sgemm_/dgemm_ directly: it only links against a real
    # BLAS, which importing Lasagne configured.
    a = theano.tensor.tensor3()
    b = theano.tensor.tensor3()
    f = theano.function([a, b], theano.tensor.batched_dot(a, b))
    x = np.random.rand(3, 2, 4).astype(a.dtype)
    y = np.random.rand(3, 4, 5).astype(b.dtype)
    np.testing.assert_allclose(f(x, y), np.einsum('bij,bjk->bik', x, y),
                               rtol=1e-5)


def test_scan_runs():
    x = theano.tensor.matrix()
    steps, _ = theano.scan(lambda row, total: total + row, sequences=[x],
                           outputs_info=[theano.tensor.zeros_like(x[0])])
    f = theano.function([x], steps)
    data = np.arange(6).reshape(3, 2).astype(x.dtype)
    np.testing.assert_allclose(f(data), np.cumsum(data, axis=0))


class TestTheanoRequirement:
    """``import lasagne`` refuses a missing or too old Theano clearly."""

    def run_failing(self, code, tmp_path, **env):
        environ = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [str(tmp_path), ROOT]), **env)
        environ.pop('THEANO_FLAGS', None)
        process = subprocess.run(
            [sys.executable, '-c', textwrap.dedent(code)], env=environ,
            capture_output=True, text=True, cwd=str(tmp_path))
        assert process.returncode != 0
        return process.stderr.strip().splitlines()[-1]

    def test_missing_theano(self, tmp_path):
        message = self.run_failing(
            "import sys\nsys.modules['theano'] = None\nimport lasagne",
            tmp_path)
        assert message.startswith('ImportError: Lasagne needs Theano >= 0.9')
        assert "pip install 'Theano>=0.9'" in message

    def test_check_in_process(self, monkeypatch):
        # The same check as test_old_theano, on this process's Theano with
        # its batch normalization module hidden or emptied.
        import types
        nnet = theano.tensor.nnet
        monkeypatch.setattr(nnet, 'bn', types.ModuleType('bn'))
        with pytest.raises(ImportError, match='found Theano %s'
                           % theano.__version__):
            lasagne._check_theano()
        monkeypatch.delattr(nnet, 'bn')
        monkeypatch.setitem(sys.modules, 'theano.tensor.nnet.bn', None)
        with pytest.raises(ImportError, match='needs Theano >= 0.9'):
            lasagne._check_theano()

    def test_theano_failing_on_new_numpy(self, tmp_path):
        # A stand-in for Theano 1.0.5 importing with NumPy >= 1.24.
        package = tmp_path / 'theano'
        package.mkdir()
        (package / '__init__.py').write_text(
            "raise AttributeError(\"module 'numpy' has no attribute "
            "'bool'\")\n")
        message = self.run_failing('import lasagne', tmp_path,
                                   THEANORC=str(tmp_path / 'none'))
        assert message.startswith(
            'ImportError: Theano could not be imported with NumPy %s'
            % np.__version__)
        assert message.endswith("pip install 'numpy<1.24'")

    def test_old_theano(self, tmp_path):
        # A stand-in for Theano 0.8: it has T.nnet.bn, but not the
        # batch_normalization_train that Theano 0.9 added.
        package = tmp_path / 'theano'
        (package / 'tensor' / 'nnet').mkdir(parents=True)
        (package / '__init__.py').write_text("__version__ = '0.8.2'\n")
        (package / 'tensor' / '__init__.py').write_text('')
        (package / 'tensor' / 'nnet' / '__init__.py').write_text('')
        (package / 'tensor' / 'nnet' / 'bn.py').write_text(
            'def batch_normalization(*args):\n    pass\n')
        message = self.run_failing('import lasagne', tmp_path,
                                   THEANORC=str(tmp_path / 'none'))
        assert message == (
            "ImportError: Lasagne needs Theano >= 0.9, found Theano 0.8.2. "
            "Upgrade it with: pip install --upgrade 'Theano>=0.9'")


class TestThreadDefaults:
    """Step 5: Theano's openmp flag and OpenMP's wait policy."""

    @staticmethod
    def environ(tmp_path, **variables):
        environ = {'THEANORC': str(tmp_path / 'no-theanorc')}
        environ.update(variables)
        return environ

    @pytest.mark.parametrize('threads, on', [
        ('2', True), (' 8 ', True), ('1', False), ('two', False)])
    def test_thread_count(self, tmp_path, threads, on):
        environ = self.environ(tmp_path, OMP_NUM_THREADS=threads)
        flag, variables = setup.thread_defaults(environ)
        assert flag == ('openmp=True' if on else None)
        assert variables == ({'OMP_WAIT_POLICY': 'PASSIVE'} if on else {})

    @pytest.mark.parametrize('cpus, on', [(1, False), (2, True)])
    def test_cpu_count(self, tmp_path, monkeypatch, cpus, on):
        monkeypatch.setattr(os, 'sched_getaffinity',
                            lambda pid: set(range(cpus)), raising=False)
        for environ in (self.environ(tmp_path),
                        self.environ(tmp_path, OMP_NUM_THREADS='')):
            flag, _ = setup.thread_defaults(environ)
            assert flag == ('openmp=True' if on else None)

    @pytest.mark.parametrize('setting, on', [
        ('openmp=False', False), ('openmp=0', False), ('openmp=True', True),
        ('openmp=1', True)])
    def test_user_flag_wins(self, tmp_path, setting, on):
        environ = self.environ(tmp_path, OMP_NUM_THREADS='2',
                               THEANO_FLAGS='floatX=float32,' + setting)
        flag, variables = setup.thread_defaults(environ)
        assert flag is None
        # the wait policy follows the user's choice of OpenMP
        assert variables == ({'OMP_WAIT_POLICY': 'PASSIVE'} if on else {})

    def test_user_theanorc_wins(self, tmp_path):
        rc = tmp_path / 'theanorc'
        rc.write_text('[global]\nopenmp = False\n')
        environ = {'THEANORC': str(rc), 'OMP_NUM_THREADS': '2'}
        assert setup.thread_defaults(environ) == (None, {})

    @pytest.mark.parametrize('variable, value', [
        ('OMP_WAIT_POLICY', 'ACTIVE'), ('GOMP_SPINCOUNT', '10000')])
    def test_user_wait_policy_wins(self, tmp_path, variable, value):
        environ = self.environ(tmp_path, OMP_NUM_THREADS='2',
                               **{variable: value})
        assert setup.thread_defaults(environ) == ('openmp=True', {})

    def test_prepare_and_restore(self, tmp_path, monkeypatch):
        monkeypatch.delitem(sys.modules, 'theano')
        environ = self.environ(tmp_path, OMP_NUM_THREADS='2',
                               THEANO_FLAGS='blas.ldflags=')
        state = setup.prepare(environ)
        assert environ['THEANO_FLAGS'] == 'blas.ldflags=,openmp=True'
        assert environ['OMP_WAIT_POLICY'] == 'PASSIVE'
        setup.restore(state, environ)
        assert environ['THEANO_FLAGS'] == 'blas.ldflags='
        # for good: the OpenMP library reads it when it is loaded, later
        assert environ['OMP_WAIT_POLICY'] == 'PASSIVE'

    @pytest.mark.parametrize('env, openmp, policy', [
        ({'OMP_NUM_THREADS': '2'}, True, 'PASSIVE'),
        ({'OMP_NUM_THREADS': '1'}, False, ''),
        ({'OMP_NUM_THREADS': '2', 'THEANO_FLAGS': 'openmp=False'}, False, ''),
        ({'OMP_NUM_THREADS': '2', 'OMP_WAIT_POLICY': 'ACTIVE'}, True,
         'ACTIVE'),
        ({'OMP_NUM_THREADS': '2', setup.ENV_SWITCH: '1',
          'THEANO_FLAGS': 'blas.ldflags='}, False, ''),
    ], ids=['two', 'one', 'user-flag', 'user-policy', 'switched-off'])
    def test_import(self, tmp_path, env, openmp, policy):
        code = """
        import json, os
        import lasagne, theano
        print(json.dumps([theano.config.openmp,
                          os.environ.get('OMP_WAIT_POLICY'),
                          os.environ.get('THEANO_FLAGS')]))
        """
        # (an empty OMP_WAIT_POLICY counts as unset, for Lasagne and OpenMP)
        env = dict({'OMP_WAIT_POLICY': ''}, **env)
        assert run_python(code, tmp_path, **env) == [
            openmp, policy, env.get('THEANO_FLAGS')]

    FORK = """
    import json, os, time
    import numpy as np
    import lasagne, theano, theano.tensor as T
    x = T.vector()
    fn = theano.function([x], T.exp(x))  # large enough for OpenMP threads
    values = np.ones(10 ** 6)
    fn(values)
    child = os.fork()
    if child == 0:
        os._exit(0 if fn(values)[0] == np.e else 1)
    for _ in range(600):
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid:
            break
        time.sleep(0.1)
    else:
        os.kill(child, 9)
        status = 'hung'
    print(json.dumps([theano.config.openmp, status]))
    """

    @pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
    def test_forked_child_runs_openmp_code(self, tmp_path):
        # without the guard, the child waits forever for its parent's
        # OpenMP threads
        assert run_python(self.FORK, tmp_path, OMP_NUM_THREADS='2') == [
            True, 0]

    @pytest.mark.skipif(not hasattr(os, 'fork'), reason='needs os.fork')
    def test_forked_child_of_a_theano_script(self, tmp_path):
        # A script that imports Theano through the startup hook and never
        # Lasagne: the hook turned OpenMP on, so it guards forks too.
        prelude = ("import sys; sys.path.insert(0, %r); import _lasagne_hook; "
                   "_lasagne_hook.install()\n" % ROOT)
        code = prelude + textwrap.dedent(self.FORK).replace('lasagne, ', '')
        code += "assert 'lasagne' not in sys.modules\n"
        # (a compile cache of its own: unpickling the keys of Lasagne's ops
        # in the shared one would import Lasagne)
        assert run_python(code, tmp_path, OMP_NUM_THREADS='2',
                          THEANO_FLAGS='base_compiledir=%s' % (
                              tmp_path / 'theano')) == [True, 0]

    @pytest.fixture
    def registered(self, monkeypatch):
        """What guard_forks registers with os.register_at_fork, in a process
        where it has not registered anything yet."""
        calls = []
        monkeypatch.setattr(setup.os, 'register_at_fork',
                            lambda **kwargs: calls.append(kwargs),
                            raising=False)
        monkeypatch.delattr(setup.sys, setup.FORK_GUARD_MARK, raising=False)
        return calls

    def test_guard_forks_once(self, registered):
        assert setup.guard_forks()
        assert not setup.guard_forks()
        assert registered == [
            {'after_in_child': setup.single_openmp_thread}]

    def test_guard_forks_without_register_at_fork(self, registered,
                                                  monkeypatch):
        monkeypatch.delattr(setup.os, 'register_at_fork')
        assert not setup.guard_forks()
        assert not getattr(setup.sys, setup.FORK_GUARD_MARK, False)

    @pytest.mark.parametrize('env, guarded', [
        ({'OMP_NUM_THREADS': '2'}, True),
        ({'OMP_NUM_THREADS': '1'}, False),
        ({'OMP_NUM_THREADS': '1', 'THEANO_FLAGS': 'openmp=True'}, True),
        ({'OMP_NUM_THREADS': '2', 'THEANO_FLAGS': 'openmp=False'}, False),
    ], ids=['default-on', 'default-off', 'user-on', 'user-off'])
    def test_before_theano_import_guards_forks(self, tmp_path, registered,
                                               env, guarded):
        env = dict(env)
        env['THEANO_FLAGS'] = ','.join(
            f for f in (env.get('THEANO_FLAGS'), 'blas.ldflags=') if f)
        setup.before_theano_import(self.environ(tmp_path, **env))
        assert len(registered) == int(guarded)

    def test_single_openmp_thread(self, monkeypatch):
        calls = []

        class FakeGomp:
            def omp_set_num_threads(self, n):
                calls.append(n)

        def load(name, mode):
            if name != 'libgomp.so.1' or mode != os.RTLD_NOLOAD:
                raise OSError(name)
            return FakeGomp()
        monkeypatch.setattr(setup.ctypes, 'CDLL', load)
        setup.single_openmp_thread()
        assert calls == [1]

        def missing(name, mode):
            raise OSError(name)
        monkeypatch.setattr(setup.ctypes, 'CDLL', missing)
        setup.single_openmp_thread()  # not loaded: nothing to limit
        assert calls == [1]
