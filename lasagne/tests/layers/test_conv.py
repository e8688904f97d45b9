import inspect
import re

import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne import nonlinearities
from lasagne.layers import (InputLayer, Conv1DLayer, Conv2DLayer, Conv3DLayer,
                            TransposedConv2DLayer, TransposedConv3DLayer,
                            Deconv2DLayer, Deconv3DLayer, DilatedConv2DLayer,
                            LocallyConnected2DLayer, get_output)
from lasagne.layers.conv import (BaseConvLayer, conv_input_length,
                                 conv_output_length)
from lasagne.theano_extensions import conv as conv_ext
from lasagne.utils import as_tuple

from .conv_checks import (RANDOM_LINEAR, TOL, check_conv_grad, check_output,
                          compute, compute_cases, conv_reference, pads,
                          random, random_init)
from .layer_checks import check_array_input
from .numpy_reference import correlate, flip, transposed_conv


@pytest.mark.parametrize('length, size, stride, pad, expected', [
    (10, 3, 1, 0, 8), (10, 3, 1, 'valid', 8), (10, 3, 1, 'full', 12),
    (10, 3, 1, 'same', 10), (10, 4, 1, 'same', 10), (10, 3, 2, 1, 5),
    (10, 3, 3, 'same', 4), (11, 3, 2, 'valid', 5), (None, 3, 1, 0, None),
])
def test_conv_output_length(length, size, stride, pad, expected):
    assert conv_output_length(length, size, stride, pad) == expected


@pytest.mark.parametrize('length, size, stride, pad, expected', [
    (8, 3, 1, 0, 10), (12, 3, 1, 'full', 10), (10, 3, 1, 'same', 10),
    (5, 3, 2, 1, 9), (4, 3, 3, 'same', 10), (5, 3, 2, 'valid', 11),
    (None, 3, 1, 0, None),
])
def test_conv_input_length(length, size, stride, pad, expected):
    assert conv_input_length(length, size, stride, pad) == expected
    # the smallest input that gives this output
    if length is not None:
        assert conv_output_length(expected, size, stride, pad) == length
        assert conv_output_length(expected - 1, size, stride, pad) < length


@pytest.mark.parametrize('function', [conv_output_length, conv_input_length])
def test_conv_length_invalid_pad(function):
    with pytest.raises(ValueError, match="Invalid pad: half"):
        function(10, 3, 1, 'half')


# (dimensionality, keyword arguments) of the convolutions computed
CONV_CASES = {
    '1d-valid': (1, dict(filter_size=3)),
    '1d-same-stride': (1, dict(filter_size=3, pad='same', stride=2)),
    '1d-full-cross': (1, dict(filter_size=2, pad='full',
                              flip_filters=False)),
    '1d-pad-groups': (1, dict(filter_size=3, pad=2, num_groups=2)),
    '1d-sd': (1, dict(filter_size=4, stride=2,
                      convolution=conv_ext.conv1d_sd)),
    '2d-valid': (2, dict(filter_size=3)),
    '2d-full-cross': (2, dict(filter_size=(3, 2), pad='full',
                              flip_filters=False)),
    '2d-same-stride': (2, dict(filter_size=3, pad='same', stride=2)),
    '2d-pad-stride': (2, dict(filter_size=(2, 3), pad=(1, 2),
                              stride=(2, 1))),
    '2d-valid-string': (2, dict(filter_size=2, pad='valid')),
    '2d-groups': (2, dict(filter_size=3, num_groups=2)),
    '2d-untied-relu': (2, dict(filter_size=3, untie_biases=True,
                               nonlinearity=nonlinearities.rectify)),
    '2d-no-bias': (2, dict(filter_size=3, b=None)),
    '3d-valid': (3, dict(filter_size=2)),
    '3d-same-stride': (3, dict(filter_size=3, pad='same', stride=2)),
    '3d-full-cross': (3, dict(filter_size=(2, 1, 2), pad='full',
                              flip_filters=False)),
    '3d-pad-groups': (3, dict(filter_size=2, pad=(1, 0, 2), num_groups=2,
                              stride=(1, 2, 1))),
}
CONV_CLASSES = {1: Conv1DLayer, 2: Conv2DLayer, 3: Conv3DLayer}
CONV_INPUTS = {1: (2, 4, 9), 2: (2, 4, 6, 5), 3: (1, 2, 4, 5, 3)}


@pytest.fixture(scope='module')
def conv_results():
    """name -> (layer, input value, output value) for CONV_CASES."""
    results = {}
    for n, input_shape in CONV_INPUTS.items():
        results.update(compute_cases(input_shape, lambda l_in: dict(
            (name, CONV_CLASSES[n](
                l_in, **{**RANDOM_LINEAR, 'num_filters': 4, **kwargs}))
            for name, (dims, kwargs) in CONV_CASES.items() if dims == n)))
    return results


@pytest.mark.parametrize('case', sorted(CONV_CASES))
def test_conv_output(conv_results, case):
    check_output(conv_results[case], conv_reference)


def test_conv_default_convolutions():
    assert Conv1DLayer((None, 2, 5), 3, 2).convolution is conv_ext.conv1d_mc0
    assert Conv2DLayer((None, 2, 5, 5), 3, 2).convolution is T.nnet.conv2d
    assert Conv3DLayer((None, 2, 5, 5, 5), 3, 2).convolution is \
        T.nnet.conv3d


def test_conv_custom_convolution():
    calls = []

    def convolution(input, W, input_shape, W_shape, **kwargs):
        calls.append((input_shape, W_shape, kwargs))
        return T.nnet.conv2d(input, W, input_shape, W_shape, **kwargs)

    l_in = InputLayer((None, 4, 5, 5))
    layer = Conv2DLayer(l_in, 6, 3, stride=2, pad='same', flip_filters=False,
                        num_groups=2, convolution=convolution)
    get_output(layer)
    assert calls == [((None, 4, 5, 5), (6, 2, 3, 3),
                      dict(subsample=(2, 2), border_mode='half',
                           filter_flip=False, num_groups=2))]
    # num_groups is only passed on when needed
    get_output(Conv2DLayer(l_in, 6, 3, convolution=convolution))
    assert 'num_groups' not in calls[-1][2]


def test_conv_convolution_without_signature():
    """When the signature of a convolution cannot be read, num_groups is
    passed on and the call decides."""
    class Opaque(object):
        # makes inspect.signature raise a TypeError
        __signature__ = 'unreadable'

        def __call__(self, input, W, input_shape, W_shape, **kwargs):
            self.kwargs = kwargs
            return T.nnet.conv2d(input, W, input_shape, W_shape, **kwargs)

    convolution = Opaque()
    with pytest.raises(TypeError):
        inspect.signature(convolution)
    results = compute_cases((2, 4, 5, 5), lambda l_in: {'': Conv2DLayer(
        l_in, 6, 3, num_groups=2, convolution=convolution, **RANDOM_LINEAR)})
    assert convolution.kwargs['num_groups'] == 2
    check_output(results[''], conv_reference)


@pytest.mark.parametrize('n, input_shape', [
    (1, (None, 4, None)), (2, (None, 4, None, 5)),
    (3, (1, 2, None, None, None))])
def test_conv_unknown_sizes(conv_results, n, input_shape):
    """With unknown input sizes the layer computes what it does with known
    ones, and its output shape has None where the size is unknown."""
    name = '%dd-same-stride' % n
    known, x, expected = conv_results[name]
    l_in = InputLayer(input_shape)
    layer = CONV_CLASSES[n](l_in, 4, 3, stride=2, pad='same',
                            W=known.W, b=known.b, nonlinearity=None)
    assert layer.output_shape == tuple(
        None if size is None else out_size
        for size, out_size in zip(input_shape, known.output_shape))
    np.testing.assert_allclose(compute({'': layer}, l_in, x)[''], expected,
                               **TOL)


def test_conv_attributes():
    layer = Conv2DLayer(InputLayer((None, 6, 8, 8)), 4, (3, 5), stride=2,
                        pad='valid', num_groups=2, name='conv')
    assert layer.n == 2
    assert layer.num_filters == 4
    assert layer.filter_size == (3, 5)
    assert layer.stride == (2, 2)
    assert layer.pad == (0, 0)
    assert layer.num_groups == 2
    assert layer.untie_biases is False
    assert layer.flip_filters is True
    assert layer.nonlinearity is nonlinearities.rectify
    assert layer.W.get_value().shape == (4, 3, 3, 5)
    assert layer.W.name == 'conv.W'
    assert layer.b.get_value().shape == (4,)
    assert layer.params[layer.b] == {'trainable'}
    assert layer.params[layer.W] == {'trainable', 'regularizable'}
    assert Conv2DLayer((None, 1, 8, 8), 2, 3, pad='full').pad == 'full'
    assert Conv2DLayer((None, 1, 8, 8), 2, 3, pad=[1, 2]).pad == (1, 2)
    assert Conv2DLayer((None, 1, 8, 8), 2, 3,
                       nonlinearity=None).nonlinearity is \
        nonlinearities.identity
    untied = Conv1DLayer((None, 1, 8), 2, 3, untie_biases=True)
    assert untied.b.get_value().shape == (2, 6)


def test_base_conv_layer():
    layer = BaseConvLayer((None, 2, 7, 7), 3, 3, stride=2)
    assert layer.n == 2
    assert layer.output_shape == (None, 3, 3, 3)
    with pytest.raises(NotImplementedError):
        layer.convolve(T.tensor4())


GRAD_CASES = {
    '1d': (Conv1DLayer, (2, 2, 5), dict(filter_size=2, stride=2, pad=1)),
    '2d': (Conv2DLayer, (2, 4, 4, 3), dict(filter_size=(2, 3), pad=1,
                                           num_groups=2)),
    '3d': (Conv3DLayer, (1, 2, 3, 3, 2), dict(filter_size=2, stride=2,
                                              pad='full')),
    'transposed': (TransposedConv2DLayer, (2, 2, 3, 2),
                   dict(filter_size=3, stride=2, crop=1)),
    'transposed-3d': (TransposedConv3DLayer, (1, 2, 2, 3, 2),
                      dict(filter_size=2, stride=(2, 1, 2), crop=(0, 1, 0),
                           flip_filters=True)),
    'dilated': (DilatedConv2DLayer, (1, 2, 5, 4),
                dict(filter_size=2, dilation=(2, 1))),
}


@pytest.mark.parametrize('case', sorted(GRAD_CASES))
def test_conv_grad(case):
    cls, input_shape, kwargs = GRAD_CASES[case]
    check_conv_grad(cls, input_shape, **kwargs)


def transposed_reference(layer, x):
    n = layer.n
    W = layer.W.get_value()
    if not layer.flip_filters:
        W = flip(W, n)
    crop = [before for before, _ in pads(layer.crop, layer.filter_size)]
    output_size = layer.output_shape[2:]
    out = transposed_conv(x, W, layer.stride, crop,
                          None if None in output_size else output_size,
                          groups=layer.num_groups)
    b = layer.b.get_value()
    return out + (b if layer.untie_biases else b.reshape((-1,) + (1,) * n))


TRANSPOSED_CASES = {
    '2d': (2, dict(filter_size=3)),
    '2d-stride-crop-flip': (2, dict(filter_size=(3, 2), stride=2, crop=1,
                                    flip_filters=True)),
    '2d-same': (2, dict(filter_size=3, stride=2, crop='same')),
    '2d-full': (2, dict(filter_size=3, stride=(2, 1), crop='full')),
    '2d-valid': (2, dict(filter_size=2, stride=(1, 3), crop='valid')),
    '2d-output-size': (2, dict(filter_size=3, stride=2, output_size=(10, 8),
                               untie_biases=True)),
    '2d-groups': (2, dict(filter_size=2, stride=2, num_groups=3,
                          num_filters=6)),
    '3d': (3, dict(filter_size=2, stride=2)),
    '3d-same-flip': (3, dict(filter_size=3, crop='same',
                             flip_filters=True)),
    '3d-output-size': (3, dict(filter_size=(2, 3, 2), stride=(2, 1, 3),
                               crop=(0, 1, 1), output_size=(5, 3, 5))),
}
TRANSPOSED_CLASSES = {2: TransposedConv2DLayer, 3: TransposedConv3DLayer}
TRANSPOSED_INPUTS = {2: (2, 3, 4, 3), 3: (1, 2, 2, 3, 2)}


@pytest.fixture(scope='module')
def transposed_results():
    results = {}
    for n, input_shape in TRANSPOSED_INPUTS.items():
        l_in = InputLayer(input_shape)
        layers = {}
        for name, (dims, kwargs) in TRANSPOSED_CASES.items():
            if dims == n:
                layers[name] = TRANSPOSED_CLASSES[n](
                    l_in, **{**RANDOM_LINEAR, 'num_filters': 2, **kwargs})
        # a run-time output size
        size = T.ivector('output_size')
        layers['symbolic'] = TRANSPOSED_CLASSES[n](
            l_in, 2, 3, stride=2, output_size=size, nonlinearity=None,
            W=random_init, b=random_init)
        names = sorted(layers)
        fn = theano.function([l_in.input_var, size],
                             get_output([layers[name] for name in names]))
        x = random(*input_shape)
        minimum = [(s - 1) * 2 + 3 for s in input_shape[2:]]
        outputs = fn(x, np.array(minimum, dtype='int32') + 1)
        for name, out in zip(names, outputs):
            results[name if name != 'symbolic' else '%dd-symbolic' % n] = (
                layers[name], x, out)
    return results


@pytest.mark.parametrize('case', sorted(TRANSPOSED_CASES))
def test_transposed_conv_output(transposed_results, case):
    check_output(transposed_results[case], transposed_reference)


@pytest.mark.parametrize('n', [2, 3])
def test_transposed_conv_symbolic_output_size(transposed_results, n):
    layer, x, out = transposed_results['%dd-symbolic' % n]
    assert layer.output_shape == (x.shape[0], 2) + (None,) * n
    W, b = flip(layer.W.get_value(), n), layer.b.get_value()
    expected = transposed_conv(x, W, (2,) * n, (0,) * n,
                               [(s - 1) * 2 + 4 for s in x.shape[2:]])
    np.testing.assert_allclose(out, expected + b.reshape((-1,) + (1,) * n),
                               **TOL)


def test_transposed_conv_unknown_sizes(transposed_results):
    known, x, expected = transposed_results['2d-stride-crop-flip']
    l_in = InputLayer((None, 3, None, 3))
    layer = TransposedConv2DLayer(l_in, 2, (3, 2), stride=2, crop=1,
                                  flip_filters=True, W=known.W, b=known.b,
                                  nonlinearity=None)
    assert layer.output_shape == (None, 2, None, known.output_shape[3])
    np.testing.assert_allclose(compute({'': layer}, l_in, x)[''], expected,
                               **TOL)


def test_transposed_conv_is_transpose_of_conv():
    """The transposed layer computes the gradient of the convolution with
    the same filters (flipping them, as Conv2DLayer does by default)."""
    conv = Conv2DLayer((2, 2, 7, 6), 3, 3, stride=2, pad=1, b=None,
                       nonlinearity=None)
    transposed = TransposedConv2DLayer(conv, 2, 3, stride=2, crop=1,
                                       W=conv.W, b=None, nonlinearity=None,
                                       output_size=(7, 6))
    x, y = T.tensor4('x'), T.tensor4('y')
    forward = conv.get_output_for(x)
    grad = theano.grad(T.sum(forward * y), x)
    fn = theano.function([x, y], [grad, transposed.get_output_for(y)])
    expected, out = fn(random(2, 2, 7, 6), random(2, 3, 4, 3))
    np.testing.assert_allclose(out, expected, **TOL)


def test_transposed_conv_attributes():
    layer = TransposedConv2DLayer((None, 3, 8, 8), 4, 3, stride=2, crop=1)
    assert layer.crop == (1, 1)
    assert not hasattr(layer, 'pad')
    assert layer.flip_filters is False
    assert layer.output_size is None
    assert layer.W.get_value().shape == (3, 4, 3, 3)
    assert layer.output_shape == (None, 4, 15, 15)
    assert TransposedConv2DLayer((None, 3, 8, 8), 4, 3, crop='same',
                                 output_size=8).output_size == (8, 8)
    full = TransposedConv3DLayer((None, 3, 5, 5, 5), 4, 3, crop='full')
    assert full.crop == 'full'
    assert full.output_shape == (None, 4, 3, 3, 3)
    assert Deconv2DLayer is TransposedConv2DLayer
    assert Deconv3DLayer is TransposedConv3DLayer


def dilated_reference(layer, x):
    W = layer.W.get_value().transpose(1, 0, 2, 3)
    if layer.flip_filters:
        W = flip(W, 2)
    dilated = [(k - 1) * d + 1
               for k, d in zip(layer.filter_size, layer.dilation)]
    out = correlate(x, W, pad=pads(layer.pad, dilated),
                    dilation=layer.dilation, groups=layer.num_groups)
    return out + layer.b.get_value().reshape((-1, 1, 1))


DILATED_CASES = {
    'dilation-2': dict(filter_size=3, dilation=2),
    'rows-cols-flip-pad': dict(filter_size=(2, 3), dilation=(1, 3), pad=1,
                               flip_filters=True),
    'same': dict(filter_size=3, dilation=2, pad='same'),
    'full': dict(filter_size=3, dilation=(2, 1), pad='full'),
    'groups': dict(filter_size=2, dilation=2, num_groups=3, num_filters=6),
}


@pytest.fixture(scope='module')
def dilated_results():
    return compute_cases((2, 3, 9, 8), lambda l_in: dict(
        (name, DilatedConv2DLayer(l_in, **{**RANDOM_LINEAR, 'num_filters': 2,
                                           **kwargs}))
        for name, kwargs in DILATED_CASES.items()))


@pytest.mark.parametrize('case', sorted(DILATED_CASES))
def test_dilated_conv_output(dilated_results, case):
    check_output(dilated_results[case], dilated_reference)


def test_dilated_conv_attributes():
    layer = DilatedConv2DLayer((None, 3, 8, 8), 4, 3, dilation=(2, 3))
    assert layer.dilation == (2, 3)
    assert not hasattr(layer, 'stride')
    assert layer.pad == (0, 0)
    assert layer.flip_filters is False
    assert layer.W.get_value().shape == (3, 4, 3, 3)
    assert layer.output_shape == (None, 4, 4, 2)
    assert DilatedConv2DLayer((None, 3, None, 8), 4, 3,
                              dilation=2).output_shape == (None, 4, None, 4)


def with_name(**kwargs):
    return dict(name='bad', **kwargs)


@pytest.mark.parametrize('cls, shape, kwargs, error, match', [
    (Conv2DLayer, (None, 4, 8, 8), with_name(num_filters=6, num_groups=4),
     ValueError, r"Conv2DLayer 'bad': num_groups \(=4\) must divide the "
     r"number of input channels \(=4\) and num_filters \(=6\)"),
    (Conv2DLayer, (None, 3, 8, 8), dict(num_filters=6, num_groups=2),
     ValueError, r"input channels \(=3\)"),
    (Conv2DLayer, (None, 3, 8, 8), dict(num_groups=0), ValueError,
     "num_groups must be a positive int, got 0"),
    (Conv2DLayer, (None, 3, 8), {}, ValueError,
     r"Conv2DLayer: expected an input of 4 dimensions \(batch size, "
     r"channels and 2 spatial dimensions\), got input shape \(None, 3, 8\)"),
    (Conv1DLayer, (None, 3, 8, 8), {}, ValueError,
     "expected an input of 3 dimensions"),
    (Conv1DLayer, (None, 4, 8),
     with_name(num_groups=2, convolution=conv_ext.conv1d_sc),
     ValueError, "Conv1DLayer 'bad': num_groups=2 needs a convolution that "
     "takes a num_groups argument, which conv1d_sc does not"),
    (Conv1DLayer, (None, 4, 8), dict(num_groups=2,
                                     convolution=conv_ext.conv1d_md),
     ValueError, "which conv1d_md does not"),
    (Conv2DLayer, (None, 4, 8, 8), dict(num_groups=2,
                                        convolution=lambda x, W, *args: x),
     ValueError, "which <lambda> does not"),
    (Conv3DLayer, (None, 3, 8, 8), {}, ValueError,
     "expected an input of 5 dimensions"),
    (BaseConvLayer, (None, 3), {}, ValueError,
     "expected an input of 3 dimensions"),
    (BaseConvLayer, (None, 3, 8, 8), dict(n=3), ValueError,
     "expected an input of 5 dimensions"),
    (Conv2DLayer, (None, None, 8, 8), {}, ValueError,
     r"the number of input channels \(the second axis of the input shape "
     r"\(None, None, 8, 8\)\) must be known"),
    (Conv2DLayer, (None, 3, 8, 8), dict(num_filters=0), ValueError,
     "num_filters must be a positive int, got 0"),
    (Conv2DLayer, (None, 3, 8, 8), dict(filter_size=(3, 3, 3)), ValueError,
     r"filter_size must be an int or an iterable of 2 ints, each at least "
     r"1, got \(3, 3, 3\)"),
    (Conv2DLayer, (None, 3, 8, 8), dict(filter_size=0), ValueError,
     "filter_size must be an int or an iterable of 2 ints"),
    (Conv2DLayer, (None, 3, 8, 8), dict(stride=1.5), ValueError,
     "stride must be an int or an iterable of 2 ints, each at least 1"),
    (Conv2DLayer, (None, 3, 8, 8), dict(pad=-1), ValueError,
     "pad must be an int or an iterable of 2 ints, each at least 0"),
    (Conv2DLayer, (None, 3, 8, 8), dict(pad='half'), ValueError,
     "pad must be 'valid', 'full', 'same', an int or an iterable of 2 "
     "ints, got 'half'"),
    (Conv2DLayer, (None, 3, 8, 8), with_name(filter_size=(3, 2),
                                             pad='same'),
     ValueError, r"Conv2DLayer 'bad': pad='same' needs odd filter "
     r"sizes, got filter_size=\(3, 2\)"),
    (Conv2DLayer, (None, 3, 8, None), dict(untie_biases=True), ValueError,
     r"untie_biases=True needs a known output size, got output shape "
     r"\(None, 2, 6, None\)"),
    (Conv2DLayer, (None, 3, 8, 8), with_name(W=np.zeros((2, 3, 3))),
     ValueError, r"^Conv2DLayer 'bad': parameter bad.W has shape \(2, 3, "
     r"3\), expected \(2, 3, 3, 3\)$"),
    (Conv1DLayer, (None, 3, 8), dict(b=np.zeros(3)), ValueError,
     r"^Conv1DLayer: parameter b has shape \(3,\), expected \(2,\)$"),
    (TransposedConv2DLayer, (None, 3, 8, 8), dict(crop='same',
                                                  filter_size=2),
     ValueError, r"TransposedConv2DLayer: crop='same' needs odd filter "
     r"sizes, got filter_size=\(2, 2\)"),
    (TransposedConv2DLayer, (None, 3, 8, 8), dict(crop=-1), ValueError,
     "crop must be an int or an iterable of 2 ints, each at least 0"),
    (TransposedConv2DLayer, (None, 3, 4, 4), dict(stride=2,
                                                  output_size=(11, 9)),
     ValueError, r"output_size=\(11, 9\) cannot be reached from the input "
     r"shape \(None, 3, 4, 4\) with filter_size=\(3, 3\), stride=\(2, 2\) "
     r"and crop=\(0, 0\)"),
    (TransposedConv2DLayer, (None, 3, 4, 4), with_name(output_size=0),
     ValueError, "TransposedConv2DLayer 'bad': output_size must be an int "
     "or an iterable of 2 ints"),
    (TransposedConv3DLayer, (None, 3, 4, 4), {}, ValueError,
     "expected an input of 5 dimensions"),
    (DilatedConv2DLayer, (None, 3, 8, 8), with_name(dilation=0), ValueError,
     "DilatedConv2DLayer 'bad': dilation must be an int or an iterable of 2 "
     "ints, each at least 1"),
    (DilatedConv2DLayer, (None, 4, 8, 8), dict(num_groups=3), ValueError,
     r"num_groups \(=3\) must divide"),
    (Conv2DLayer, (None, 3, 8, 8), with_name(nonlinearity='relu'), TypeError,
     r"^Conv2DLayer 'bad': nonlinearity must be callable \(e.g. from "
     r"lasagne.nonlinearities\) or None, got 'relu'$"),
])
def test_conv_errors(cls, shape, kwargs, error, match):
    kwargs = dict(dict(num_filters=2, filter_size=3), **kwargs)
    with pytest.raises(error, match=match):
        cls(shape, **kwargs)


# Lasagne 0.2's exception classes: a TypeError for an unknown pad string and
# for sizes that are not ints, a NotImplementedError for 'same' padding with
# even filter sizes; each is also the ValueError of the fork's checks.
@pytest.mark.parametrize('cls, shape, argument', [
    (Conv1DLayer, (None, 3, 8), 'pad'),
    (Conv2DLayer, (None, 3, 8, 8), 'pad'),
    (Conv3DLayer, (None, 3, 8, 8, 8), 'pad'),
    (TransposedConv2DLayer, (None, 3, 8, 8), 'crop'),
    (TransposedConv3DLayer, (None, 3, 8, 8, 8), 'crop'),
    (DilatedConv2DLayer, (None, 3, 8, 8), 'pad'),
    (LocallyConnected2DLayer, (None, 3, 8, 8), 'pad'),
])
@pytest.mark.parametrize('value, errors, message', [
    ('_nonexistent_mode', (TypeError, ValueError),
     "{arg} must be 'valid', 'full', 'same', an int or an iterable of {n} "
     "ints, got '_nonexistent_mode'"),
    (1.5, (TypeError, ValueError),
     "{arg} must be an int or an iterable of {n} ints, each at least 0, got "
     "1.5"),
    ('same', (NotImplementedError, ValueError),
     "{arg}='same' needs odd filter sizes, got filter_size={size}"),
])
def test_conv_pad_error_classes(cls, shape, argument, value, errors,
                                message):
    n = len(shape) - 2
    message = message.format(arg=argument, n=n, size=(2,) * n)
    for error in errors:
        with pytest.raises(error, match="^%s 'bad': %s$"
                           % (cls.__name__, re.escape(message))):
            cls(shape, num_filters=3, filter_size=2, name='bad',
                **{argument: value})


@pytest.mark.parametrize('build, shape', [
    (lambda: Conv1DLayer((None, 3, 8), 2, 3, pad='same', **RANDOM_LINEAR),
     (2, 3, 8)),
    (lambda: Conv2DLayer((None, 3, 6, 5), 2, 3, **RANDOM_LINEAR),
     (2, 3, 6, 5)),
    (lambda: TransposedConv2DLayer((None, 3, 4, 4), 2, 3, stride=2,
                                   **RANDOM_LINEAR), (2, 3, 4, 4)),
    (lambda: DilatedConv2DLayer((None, 3, 6, 5), 2, 2, dilation=2,
                                **RANDOM_LINEAR), (2, 3, 6, 5)),
])
def test_conv_array_input(build, shape):
    # the convolutions have C implementations only: the default mode
    check_array_input(build(), random(*shape), mode=None)


@pytest.mark.parametrize('cls, shape, kwargs, output_shape', [
    (Conv1DLayer, (2, 3, 6), dict(filter_size=7), (2, 2, 0)),
    (Conv2DLayer, (2, 3, 6, 6), dict(filter_size=7), (2, 2, 0, 0)),
    (Conv2DLayer, (2, 3, 6, 6), dict(filter_size=9, pad=1), (2, 2, 0, 0)),
    (Conv2DLayer, (2, 3, None, 6), dict(filter_size=(3, 8)), (2, 2, None,
                                                              -1)),
    (Conv3DLayer, (2, 3, 6, 6, 6), dict(filter_size=(1, 1, 7)), (2, 2, 6, 6,
                                                                 0)),
    (DilatedConv2DLayer, (2, 3, 6, 6), dict(filter_size=3, dilation=3),
     (2, 2, 0, 0)),
    (LocallyConnected2DLayer, (2, 3, 6, 6), dict(filter_size=7, pad=0),
     (2, 2, 0, 0)),
    (TransposedConv2DLayer, (2, 3, 1, 1), dict(filter_size=3, crop='full'),
     (2, 2, -1, -1)),
])
def test_conv_output_size_below_one(cls, shape, kwargs, output_shape):
    # upstream built these and failed when the function ran (or computed an
    # empty output); the fork refuses them where the sizes are known
    with pytest.raises(ValueError, match=r"^%s 'bad': the output shape "
                       r"would be %s, with a size below 1, for the input "
                       r"shape %s and .*filter_size=%s"
                       % (cls.__name__, re.escape(repr(output_shape)),
                          re.escape(repr(shape)),
                          re.escape(repr(as_tuple(kwargs['filter_size'],
                                                  len(shape) - 2))))):
        cls(shape, num_filters=2, name='bad', **kwargs)


@pytest.mark.parametrize('build, output_shape', [
    (lambda: Conv2DLayer((2, 3, 6, 6), 2, 7, pad=1), (2, 2, 2, 2)),
    (lambda: Conv2DLayer((2, 3, 6, 6), 2, 6, stride=4), (2, 2, 1, 1)),
    (lambda: Conv2DLayer((2, 3, 6, 6), 2, 9, pad='full'), (2, 2, 14, 14)),
    (lambda: Conv2DLayer((2, 3, None, None), 2, 9), (2, 2, None, None)),
    (lambda: DilatedConv2DLayer((2, 3, 7, 7), 2, 3, dilation=3),
     (2, 2, 1, 1)),
    (lambda: TransposedConv2DLayer((2, 3, 1, 1), 2, 3, crop=1),
     (2, 2, 1, 1)),
])
def test_conv_output_size_that_fits(build, output_shape):
    assert build().output_shape == output_shape


@pytest.mark.parametrize('cls, shape', [
    (Conv1DLayer, (None, 3, 8)),
    (Conv2DLayer, (None, 3, 8, 8)),
    (Conv3DLayer, (None, 3, 8, 8, 8)),
    (LocallyConnected2DLayer, (None, 3, 8, 8)),
])
def test_conv_convolution_must_be_callable(cls, shape):
    with pytest.raises(TypeError, match=r"^%s 'bad': convolution must be "
                       r"callable .*, got 5$" % cls.__name__):
        cls(shape, 2, 3, convolution=5, name='bad')
