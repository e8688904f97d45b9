import subprocess
import sys

import pytest

from lasagne.theano_extensions import _ccode, bn, pool


@pytest.mark.parametrize('codes', ['int x;', ['int ', 'x;'], ('int x;',)])
def test_code_version_joins_the_code(codes):
    assert _ccode.code_version(codes) == _ccode.code_version('int x;')


def test_code_version_changes_with_the_code():
    assert _ccode.code_version('int x;') != _ccode.code_version('int y;')
    assert _ccode.code_version(['a', 'b']) != _ccode.code_version(['b', 'a'])


def test_code_version_is_the_same_in_every_process():
    # str hashes differ from process to process (PYTHONHASHSEED): the
    # version must not
    # (the module by its path: it needs neither Lasagne nor Theano)
    script = ('import runpy, sys; print(runpy.run_path(sys.argv[1])'
              '["code_version"]("int x;"))')
    outputs = set(
        subprocess.check_output([sys.executable, '-c', script,
                                 _ccode.__file__],
                                env={'PYTHONHASHSEED': seed}).decode().strip()
        for seed in ('1', '2'))
    assert outputs == set([_ccode.code_version('int x;')])


def test_the_ops_version_their_c_code_with_it():
    assert bn._C_VERSION[1] == _ccode.code_version(bn._C_SOURCE)
    for op in (pool.MaxPool2D(True), pool.MaxPool2DGrad(True)):
        version = op.c_code_cache_version()
        assert version[1] == _ccode.code_version(op.func_codes)
        assert 'plane_strides' in ''.join(op.func_codes)
