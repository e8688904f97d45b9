import numpy as np
import pytest
import theano

from lasagne.layers import (InputLayer, Conv2DLayer, LocallyConnected2DLayer,
                            get_output)

from .conv_checks import (RANDOM_LINEAR, TOL, check_output, compute_cases,
                          pads, random, random_init)
from .numpy_reference import locally_connected


def local_reference(layer, x):
    W = layer.W.get_value()
    groups = layer.num_groups
    if layer.channelwise:
        # each output channel is the group of its own input channel
        W = W[:, np.newaxis]
        groups = layer.num_filters
    if layer.flip_filters:
        W = W[:, :, ::-1, ::-1]
    out = locally_connected(x, W, layer.stride,
                            pads(layer.pad, layer.filter_size), groups)
    b = layer.b.get_value()
    return out + (b if layer.untie_biases else b.reshape((-1, 1, 1)))


CASES = {
    'default': dict(filter_size=3),
    'valid-stride-cross': dict(filter_size=3, pad='valid', stride=2,
                               flip_filters=False),
    'pad': dict(filter_size=(3, 2), pad=(1, 0)),
    'full': dict(filter_size=2, pad='full', stride=(1, 2)),
    'channelwise': dict(filter_size=3, channelwise=True, num_filters=4),
    'channelwise-valid-cross': dict(filter_size=(1, 3), pad=0,
                                    channelwise=True, num_filters=4,
                                    flip_filters=False),
    'groups-untied': dict(filter_size=3, num_groups=2, untie_biases=True),
}


@pytest.fixture(scope='module')
def local_results():
    return compute_cases((2, 4, 5, 4), lambda l_in: dict(
        (name, LocallyConnected2DLayer(
            l_in, **{**RANDOM_LINEAR, 'num_filters': 2, **kwargs}))
        for name, kwargs in CASES.items()))


@pytest.mark.parametrize('case', sorted(CASES))
def test_local_output(local_results, case):
    check_output(local_results[case], local_reference)


def test_local_with_equal_filters_is_a_convolution():
    """Repeating one filter at every position gives Conv2DLayer's output."""
    l_in = InputLayer((None, 3, 6, 5))
    conv = Conv2DLayer(l_in, 2, 3, pad=1, stride=2, W=random_init,
                       b=random_init)
    W = np.tile(conv.W.get_value()[..., np.newaxis, np.newaxis],
                (1, 1, 1, 1) + conv.output_shape[2:])
    local = LocallyConnected2DLayer(l_in, 2, 3, pad=1, stride=2, W=W,
                                    b=conv.b)
    fn = theano.function([l_in.input_var], get_output([conv, local]))
    x = random(2, 3, 6, 5)
    expected, out = fn(x)
    np.testing.assert_allclose(out, expected, **TOL)


def test_local_attributes():
    layer = LocallyConnected2DLayer(InputLayer((None, 3, 8, 7)), 4, (3, 1))
    assert layer.pad == 'same'
    assert layer.stride == (1, 1)
    assert layer.channelwise is False
    assert layer.convolution is theano.tensor.nnet.conv2d
    assert layer.W.get_value().shape == (4, 3, 3, 1, 8, 7)
    assert layer.get_W_shape() == (4, 3, 3, 1, 8, 7)
    assert layer.output_shape == (None, 4, 8, 7)
    channelwise = LocallyConnected2DLayer((None, 3, 8, 7), 3, 3, stride=2,
                                          pad=0, channelwise=True)
    assert channelwise.W.get_value().shape == (3, 3, 3, 3, 3)
    assert channelwise.output_shape == (None, 3, 3, 3)


def test_local_grad():
    kwargs = dict(num_filters=2, filter_size=(2, 3), pad=(0, 1), stride=2,
                  nonlinearity=None)
    layer = LocallyConnected2DLayer((2, 2, 4, 3), **kwargs)

    def output(x, W, b):
        return LocallyConnected2DLayer((2, 2, 4, 3), W=W, b=b,
                                       **kwargs).get_output_for(x)

    theano.gradient.verify_grad(
        output, [random(2, 2, 4, 3), layer.W.get_value(), random(2)],
        rng=np.random.RandomState(1), abs_tol=1e-3, rel_tol=1e-3)


@pytest.mark.parametrize('shape, kwargs, error, match', [
    ((None, 3, 8, 8), dict(channelwise=True, num_filters=4), ValueError,
     r"LocallyConnected2DLayer 'bad': channelwise=True needs num_filters "
     r"\(=4\) equal to the number of input channels \(=3\)"),
    ((None, 4, 8, 8), dict(channelwise=True, num_filters=4, num_groups=2),
     ValueError, "channelwise=True .* cannot be combined with "
     "num_groups=2"),
    ((None, 3, None, 8), {}, ValueError,
     r"the input size must be known \(all but the batch size\), got input "
     r"shape \(None, 3, None, 8\)"),
    ((None, 3, 8, 8), dict(filter_size=2), ValueError,
     "pad='same' needs odd filter sizes"),
    ((None, 3, 8), {}, ValueError, "expected an input of 4 dimensions"),
    ((None, 4, 8, 8), dict(num_groups=3), ValueError,
     r"num_groups \(=3\) must divide"),
])
def test_local_errors(shape, kwargs, error, match):
    kwargs = dict(dict(num_filters=2, filter_size=3, name='bad'), **kwargs)
    with pytest.raises(error, match=match):
        LocallyConnected2DLayer(shape, **kwargs)
