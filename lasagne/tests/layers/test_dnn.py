"""Tests of lasagne.layers.dnn: its refusal to import without cuDNN, and its
layers on a simulated GPU backend whose cuDNN functions are replaced by
Theano's CPU operations with the same meaning."""
import contextlib
import importlib
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest
import theano
import theano.tensor as T
from theano.tensor.signal.pool import pool_2d, pool_3d

import lasagne
from lasagne.layers import (BatchNormLayer, DenseLayer, InputLayer,
                            NonlinearityLayer, batch_norm, get_output)
from lasagne.nonlinearities import tanh

from .conv_checks import (RANDOM_LINEAR, TOL, check_conv_grad, check_output,
                          compute_cases, conv_reference, random, run_isolated)
from .gpu_simulation import forgotten, import_fresh, simulated_gpu
from .numpy_reference import kaiming_bins, pool, spatial_pyramid


def dnn_conv(img, kerns, border_mode='valid', subsample=(1, 1),
             dilation=(1, 1), conv_mode='conv', num_groups=1, **kwargs):
    return T.nnet.conv2d(img, kerns, border_mode=border_mode,
                         subsample=subsample, filter_dilation=dilation,
                         filter_flip=conv_mode == 'conv',
                         num_groups=num_groups)


def dnn_conv3d(img, kerns, border_mode='valid', subsample=(1, 1, 1),
               dilation=(1, 1, 1), conv_mode='conv', num_groups=1, **kwargs):
    return T.nnet.conv3d(img, kerns, border_mode=border_mode,
                         subsample=subsample, filter_dilation=dilation,
                         filter_flip=conv_mode == 'conv',
                         num_groups=num_groups)


def dnn_pool(img, ws, stride=None, mode='max', pad=None):
    # cuDNN pools the trailing 2 or 3 axes and always ignores borders; like
    # theano.gpuarray.dnn.dnn_pool, accept symbolic sizes
    as_vector = T.as_tensor_variable
    pooling = pool_2d if len(ws) == 2 else pool_3d
    return pooling(img, ws=as_vector(ws), stride=as_vector(stride),
                   pad=as_vector(pad), ignore_border=True, mode=mode)


@pytest.fixture(scope='module')
def dnn():
    simulation = simulated_gpu(dnn_conv=dnn_conv, dnn_conv3d=dnn_conv3d,
                               dnn_pool=dnn_pool)
    with import_fresh('lasagne.layers.dnn', simulation) as module:
        yield module


def test_refuses_without_gpu_backend():
    with pytest.raises(ImportError, match="lasagne.layers.dnn needs "
                       "Theano's gpuarray backend .* and cuDNN; the "
                       "gpuarray backend is not active"):
        with import_fresh('lasagne.layers.dnn'):
            pass


def test_refuses_without_cudnn():
    with pytest.raises(ImportError, match="cuDNN is not available: "
                       "simulated absence of cuDNN"):
        with import_fresh('lasagne.layers.dnn',
                          simulated_gpu(dnn_present=False)):
            pass


def test_module_contents(dnn):
    for name in ['Conv2DDNNLayer', 'Conv3DDNNLayer', 'Pool2DDNNLayer',
                 'MaxPool2DDNNLayer', 'Pool3DDNNLayer', 'MaxPool3DDNNLayer',
                 'SpatialPyramidPoolingDNNLayer']:
        assert name in dnn.__all__
    assert all(hasattr(dnn, name) for name in dnn.__all__)


CONV_CASES = {
    '2d': (2, dict(filter_size=3)),
    '2d-flip-same-stride': (2, dict(filter_size=3, flip_filters=True,
                                    pad='same', stride=2)),
    '2d-pad-groups': (2, dict(filter_size=(2, 3), pad=(1, 2), num_groups=2)),
    '2d-full-untied': (2, dict(filter_size=2, pad='full',
                               untie_biases=True)),
    '3d': (3, dict(filter_size=2)),
    '3d-flip-same': (3, dict(filter_size=3, flip_filters=True, pad='same')),
    '3d-groups-stride': (3, dict(filter_size=(1, 2, 2), num_groups=2,
                                 stride=(2, 1, 2), pad=1)),
}
INPUTS = {2: (2, 4, 6, 5), 3: (1, 2, 4, 5, 3)}


@pytest.fixture(scope='module')
def conv_results(dnn):
    classes = {2: dnn.Conv2DDNNLayer, 3: dnn.Conv3DDNNLayer}
    results = {}
    for n, shape in INPUTS.items():
        results.update(compute_cases(shape, lambda l_in: dict(
            (name, classes[n](l_in, **{**RANDOM_LINEAR, 'num_filters': 4,
                                       **kwargs}))
            for name, (dims, kwargs) in CONV_CASES.items() if dims == n)))
    return results


@pytest.mark.parametrize('case', sorted(CONV_CASES))
def test_conv_output(conv_results, case):
    check_output(conv_results[case], conv_reference)


def test_conv_attributes(dnn):
    layer = dnn.Conv2DDNNLayer((None, 4, 8, 8), 6, 3, num_groups=2)
    assert layer.flip_filters is False
    assert layer.num_groups == 2
    assert layer.W.get_value().shape == (6, 2, 3, 3)
    assert layer.output_shape == (None, 6, 6, 6)
    layer = dnn.Conv3DDNNLayer((None, 3, 5, 5, 5), 2, 3, pad='same')
    assert layer.W.get_value().shape == (2, 3, 3, 3, 3)
    assert layer.output_shape == (None, 2, 5, 5, 5)
    with pytest.raises(ValueError, match="Conv2DDNNLayer: expected an input "
                       "of 4 dimensions"):
        dnn.Conv2DDNNLayer((None, 3, 5, 5, 5), 2, 3)
    with pytest.raises(ValueError, match=r"num_groups \(=2\) must divide"):
        dnn.Conv3DDNNLayer((None, 3, 5, 5, 5), 2, 3, num_groups=2)


@pytest.mark.parametrize('cls, input_shape, kwargs', [
    ('Conv2DDNNLayer', (2, 4, 4, 3), dict(filter_size=(2, 3), stride=(2, 1),
                                          pad=1, num_groups=2)),
    ('Conv3DDNNLayer', (1, 2, 3, 3, 2), dict(filter_size=2, pad='full',
                                             flip_filters=True)),
])
def test_conv_grad(dnn, cls, input_shape, kwargs):
    check_conv_grad(getattr(dnn, cls), input_shape, **kwargs)


POOL_CASES = {
    '2d-max': (2, 'Pool2DDNNLayer', dict(pool_size=2)),
    '2d-inc-pad': (2, 'Pool2DDNNLayer', dict(pool_size=3, stride=2, pad=1,
                                             mode='average_inc_pad')),
    '2d-exc-pad': (2, 'Pool2DDNNLayer', dict(pool_size=(2, 3), pad=(1, 1),
                                             mode='average_exc_pad')),
    '2d-maxpool': (2, 'MaxPool2DDNNLayer', dict(pool_size=3, stride=1)),
    '3d-max': (3, 'Pool3DDNNLayer', dict(pool_size=2)),
    '3d-sum': (3, 'Pool3DDNNLayer', dict(pool_size=(1, 2, 3), mode='sum')),
    '3d-maxpool': (3, 'MaxPool3DDNNLayer', dict(pool_size=2, stride=1,
                                                pad=1)),
}


@pytest.fixture(scope='module')
def pool_results(dnn):
    results = {}
    for n, shape in INPUTS.items():
        # integers: ties among the values
        x = np.floor(4 * random(*shape)).astype(theano.config.floatX)
        results.update(compute_cases(shape, lambda l_in: dict(
            (name, getattr(dnn, cls)(l_in, **kwargs))
            for name, (dims, cls, kwargs) in POOL_CASES.items()
            if dims == n), x))
    return results


@pytest.mark.parametrize('case', sorted(POOL_CASES))
def test_pool_output(pool_results, case):
    check_output(pool_results[case], lambda layer, x: pool(
        x, layer.pool_size, layer.stride, layer.pad, True, layer.mode))


def test_pool_attributes(dnn):
    layer = dnn.Pool2DDNNLayer((None, 3, 8, 8), 3, pad=1, mode='sum')
    assert (layer.pool_size, layer.stride, layer.pad, layer.mode) == \
        ((3, 3), (3, 3), (1, 1), 'sum')
    assert dnn.MaxPool3DDNNLayer((None, 3, 4, 4, 4), 2).mode == 'max'
    assert dnn.MaxPool2DDNNLayer((None, 3, None, 8), 2).output_shape == \
        (None, 3, None, 4)


# Lasagne 0.2's NotImplementedError, also the ValueError of other checks
@pytest.mark.parametrize('error', [NotImplementedError, ValueError])
@pytest.mark.parametrize('cls', ['Pool2DDNNLayer', 'MaxPool2DDNNLayer',
                                 'Pool3DDNNLayer', 'MaxPool3DDNNLayer'])
def test_pool_ignore_border_false(dnn, cls, error):
    shape = (None, 3, 8, 8) if '2D' in cls else (None, 3, 8, 8, 8)
    with pytest.raises(error, match="%s: cuDNN only pools "
                       "windows that lie inside the .* ignore_border=False "
                       "is not supported" % cls):
        getattr(dnn, cls)(shape, 2, ignore_border=False)


@pytest.mark.parametrize('cls, shape, kwargs, match', [
    ('Pool2DDNNLayer', (None, 3, 8), {}, "expected an input of 4"),
    ('Pool3DDNNLayer', (None, 3, 8, 8), {}, "expected an input of 5"),
    ('Pool2DDNNLayer', (None, 3, 8, 8), dict(mode='min'), "mode must be"),
    ('Pool2DDNNLayer', (None, 3, 8, 8), dict(pad=2), r"pad=\(2, 2\) must be "
     r"smaller"),
    ('MaxPool3DDNNLayer', (None, 3, 8, 1, 8), {}, r"pool_size=\(2, 2, 2\) "
     r"does not fit in the input of shape \(None, 3, 8, 1, 8\)"),
])
def test_pool_errors(dnn, cls, shape, kwargs, match):
    with pytest.raises(ValueError, match=cls + ': ' + match):
        getattr(dnn, cls)(shape, 2, **kwargs)


def test_spatial_pyramid_pooling(dnn):
    fixed = InputLayer((2, 3, 9, 7))
    variable = InputLayer((None, 3, None, None))
    layers = [dnn.SpatialPyramidPoolingDNNLayer(fixed),
              dnn.SpatialPyramidPoolingDNNLayer(variable, [3, 1],
                                                mode='average_exc_pad')]
    x = random(2, 3, 9, 7)
    fn = theano.function([fixed.input_var, variable.input_var],
                         get_output(layers))
    for layer, out in zip(layers, fn(x, x)):
        expected = spatial_pyramid(x, layer.pool_dims, layer.mode,
                                   kaiming_bins)
        assert out.shape == expected.shape
        assert layer.output_shape == (layer.input_shape[0], 3,
                                      expected.shape[2])
        np.testing.assert_allclose(out, expected, **TOL)
    assert layers[0].pool_dims == [4, 2, 1]
    assert layers[0].mode == 'max'
    with pytest.raises(ValueError, match="SpatialPyramidPoolingDNNLayer: "
                       "the bins of He et al. need at least 4 positions"):
        dnn.SpatialPyramidPoolingDNNLayer((None, 3, 3, 8))


def test_spatial_pyramid_pooling_checks_unknown_sizes():
    """An input of unknown spatial size smaller than the largest pool_dims
    raises an AssertionError that names the layer (in a separate
    interpreter: without the check, Theano's compiled pooling, which stands
    in for cuDNN here, crashes the process with a division by zero)."""
    result = run_isolated(textwrap.dedent("""
        from lasagne.tests.layers.conv_checks import print_small_input_errors
        from lasagne.tests.layers.gpu_simulation import (import_fresh,
                                                         simulated_gpu)
        from lasagne.tests.layers.test_dnn import dnn_pool
        with import_fresh('lasagne.layers.dnn',
                          simulated_gpu(dnn_pool=dnn_pool)) as dnn:
            print_small_input_errors(dnn.SpatialPyramidPoolingDNNLayer)
        """))
    assert result.returncode == 0, result.stderr
    message = ("SpatialPyramidPoolingDNNLayer 'spp': the bins of He et al. "
               "need at least 4 positions along each spatial axis of the "
               "input")
    assert result.stdout.splitlines() == 2 * [message, '(1, 3, 21)'] + \
        2 * [message]


# ---------------------------------------------------------------------------
# The batch normalization aliases: BatchNormLayer builds on T.nnet.bn, which
# Theano hands to cuDNN by itself.

def idiom():
    try:
        from lasagne.layers.dnn import batch_norm_dnn as chosen
    except ImportError:
        from lasagne.layers import batch_norm as chosen
    return chosen


@pytest.mark.parametrize('simulation, match', [
    # this machine: no gpuarray backend
    (contextlib.nullcontext, "the gpuarray backend is not active"),
    (lambda: simulated_gpu(dnn_present=False), "cuDNN is not available"),
])
def test_idiom_without_cudnn(simulation, match):
    # without cuDNN the gate refuses, and the idiom falls back
    with forgotten('lasagne.layers.dnn'), simulation():
        with pytest.raises(ImportError, match="lasagne.layers.dnn needs "
                           "Theano's gpuarray .*" + match):
            importlib.import_module('lasagne.layers.dnn')
        assert idiom() is batch_norm


def test_idiom_with_cudnn():
    with forgotten('lasagne.layers.dnn'), simulated_gpu():
        chosen = idiom()
        assert chosen is sys.modules['lasagne.layers.dnn'].batch_norm_dnn
    dense = DenseLayer((None, 10), 5, nonlinearity=tanh, name='fc')
    with pytest.warns(FutureWarning, match=r"lasagne.layers.dnn."
                      r"batch_norm_dnn is deprecated and will be removed in "
                      r"Lasagne 0.3; use lasagne.layers.batch_norm"):
        out = chosen(dense, epsilon=1e-3)
    assert isinstance(out, NonlinearityLayer) and out.name == 'fc_bn_nonlin'
    assert type(out.input_layer) is BatchNormLayer and dense.b is None
    assert out.input_layer.epsilon == 1e-3


def test_batch_norm_dnn_layer_alias(dnn):
    assert issubclass(dnn.BatchNormDNNLayer, BatchNormLayer)
    assert {'BatchNormDNNLayer', 'batch_norm_dnn'} <= set(dnn.__all__)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        layers = [dnn.BatchNormDNNLayer((None, 3, 4), axes=axes, epsilon=eps,
                                        name='bn')
                  for axes, eps in (((0, 1), 1e-6), ('auto', 1e-4))]
    assert [w.category for w in caught] == [FutureWarning] * 2
    assert all(w.filename == __file__ for w in caught)
    assert "BatchNormDNNLayer is deprecated and will be removed in Lasagne " \
        "0.3; use lasagne.layers.BatchNormLayer" in str(caught[0].message)
    # the same layer as BatchNormLayer, any axes
    for layer, axes in zip(layers, ((0, 1), (0, 2))):
        twin = BatchNormLayer((None, 3, 4), axes=axes, name='bn')
        assert layer.axes == axes
        assert [(p.name, p.get_value().shape, layer.params[p])
                for p in layer.params] == \
            [(p.name, p.get_value().shape, twin.params[p])
             for p in twin.params]
    x = T.tensor3('x')
    twin = BatchNormLayer((None, 3, 4), axes=(0, 1), epsilon=1e-6)
    data = np.random.RandomState(10).randn(5, 3, 4)
    train = theano.function([x], [layers[0].get_output_for(x),
                                  twin.get_output_for(x)])
    np.testing.assert_array_equal(*train(data))
    np.testing.assert_array_equal(layers[0].mean.get_value(),
                                  twin.mean.get_value())


def test_batch_norm_aliases_check_arguments(dnn):
    with pytest.warns(FutureWarning), \
            pytest.raises(ValueError, match="BatchNormDNNLayer: alpha must "
                          r"be a finite real number in \[0, 1\], got 2"):
        dnn.BatchNormDNNLayer((None, 3), alpha=2)
    with pytest.warns(FutureWarning), \
            pytest.raises(TypeError, match="batch_norm.*: layer must be a "
                          "Layer instance"):
        dnn.batch_norm_dnn((None, 3))


def test_alias_warning_is_shown_by_default():
    """With Python's default warning filters (outside pytest), constructing
    the alias prints the warning."""
    script = textwrap.dedent("""
        import sys
        sys.path.insert(0, %r)
        from lasagne.tests.layers.gpu_simulation import (import_fresh,
                                                         simulated_gpu)
        with import_fresh('lasagne.layers.dnn', simulated_gpu()) as dnn:
            dnn.BatchNormDNNLayer((None, 3))
            dnn.batch_norm_dnn(dnn.BatchNormLayer((None, 3)))
        """ % lasagne.__path__[0].rsplit('/lasagne', 1)[0])
    result = subprocess.run([sys.executable, '-c', script],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count('FutureWarning') == 2, result.stderr
    assert 'BatchNormDNNLayer is deprecated' in result.stderr
    assert 'batch_norm_dnn is deprecated' in result.stderr


def test_conv_output_size_below_one(dnn):
    with pytest.raises(ValueError, match=r"Conv3DDNNLayer: the output shape "
                       r"would be \(None, 2, 0, 4, 4\), with a size below 1"):
        dnn.Conv3DDNNLayer((None, 3, 2, 6, 6), 2, 3, pad=0)


def test_spatial_pyramid_pooling_dims_must_be_a_list(dnn):
    with pytest.raises(TypeError, match="SpatialPyramidPoolingDNNLayer: "
                       "pool_dims must be a non-empty list of positive ints, "
                       "got 4"):
        dnn.SpatialPyramidPoolingDNNLayer((None, 3, 8, 8), pool_dims=4)
