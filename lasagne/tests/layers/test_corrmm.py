"""Tests of lasagne.layers.corrmm: its refusal to import without the GPU
backend, and its layer on a simulated backend whose GPU operations are
replaced by Theano's CPU counterparts."""
import pytest
from theano.tensor.extra_ops import cpu_contiguous
from theano.tensor.nnet.corr import CorrMM

from .gpu_simulation import import_fresh, simulated_gpu
from .conv_checks import (RANDOM_LINEAR, check_conv_grad, check_output,
                          compute_cases, conv_reference)


@pytest.fixture(scope='module')
def corrmm():
    with import_fresh('lasagne.layers.corrmm', simulated_gpu()) as module:
        # CorrMM is the CPU operation GpuCorrMM mirrors
        module.GpuCorrMM = CorrMM
        module.gpu_contiguous = cpu_contiguous
        yield module


def test_refuses_without_gpu_backend():
    with pytest.raises(ImportError, match="lasagne.layers.corrmm needs "
                       "Theano's gpuarray backend .*; the backend is not "
                       "active"):
        with import_fresh('lasagne.layers.corrmm'):
            pass


CASES = {
    'default': dict(filter_size=3),
    'flip-same-stride': dict(filter_size=3, flip_filters=True, pad='same',
                             stride=(2, 1)),
    'full': dict(filter_size=(2, 3), pad='full'),
    'pad-groups': dict(filter_size=2, pad=(2, 1), num_groups=2),
}


@pytest.fixture(scope='module')
def results(corrmm):
    return compute_cases((2, 4, 6, 5), lambda l_in: dict(
        (name, corrmm.Conv2DMMLayer(l_in, **{**RANDOM_LINEAR,
                                             'num_filters': 4, **kwargs}))
        for name, kwargs in CASES.items()))


@pytest.mark.parametrize('case', sorted(CASES))
def test_conv_output(results, case):
    check_output(results[case], conv_reference)


@pytest.mark.parametrize('kwargs', [
    dict(filter_size=(2, 3), stride=(2, 1), pad=1, flip_filters=True),
    dict(filter_size=2, pad='full', num_groups=2),
])
def test_conv_grad(corrmm, kwargs):
    check_conv_grad(corrmm.Conv2DMMLayer, (2, 4, 4, 3), **kwargs)


def test_attributes(corrmm):
    layer = corrmm.Conv2DMMLayer((None, 4, 8, 8), 6, 3, pad='same',
                                 num_groups=2)
    assert layer.flip_filters is False
    assert layer.W.get_value().shape == (6, 2, 3, 3)
    assert layer.output_shape == (None, 6, 8, 8)
    assert layer.corr_mm_op.border_mode == 'half'
    assert layer.corr_mm_op.num_groups == 2
    with pytest.raises(ValueError, match="Conv2DMMLayer: expected an input "
                       "of 4 dimensions"):
        corrmm.Conv2DMMLayer((None, 3, 5), 2, 3)
