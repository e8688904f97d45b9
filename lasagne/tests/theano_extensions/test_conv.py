import inspect
import itertools

import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne.theano_extensions import conv
from lasagne.utils import floatX

TOL = dict(rtol=1e-5, atol=1e-5)
IMPLEMENTATIONS = ['conv1d_sc', 'conv1d_mc0', 'conv1d_mc1', 'conv1d_sd',
                   'conv1d_md', 'conv1d_unstrided']
# border mode -> padding at each end, for filters of length 4
PADS = {'valid': 0, 'full': 3, 'half': 2, 1: 1, (2,): 2}
# (border mode, stride, flip) cases: all for the implementations that
# translate border modes for conv2d, a selection for those that pad the input
ALL_CASES = list(itertools.product(PADS, [1, 2], [True, False]))
SOME_CASES = [('valid', 1, True), ('valid', 2, False), ('full', 2, True),
              ('half', 1, False), ((2,), 2, True)]
CASES = {'conv1d_sc': SOME_CASES, 'conv1d_mc0': ALL_CASES,
         'conv1d_mc1': ALL_CASES, 'conv1d_sd': SOME_CASES,
         'conv1d_md': SOME_CASES, 'conv1d_unstrided': SOME_CASES}
IMAGE_SHAPE, FILTER_SHAPE = (2, 3, 11), (4, 3, 4)


def reference(x, W, pad, stride, flip):
    """Loop over the output positions of the 1-D convolution."""
    if flip:
        W = W[:, :, ::-1]
    x = np.pad(x, [(0, 0), (0, 0), (pad, pad)], mode='constant')
    length = W.shape[2]
    out = np.zeros((x.shape[0], W.shape[0],
                    (x.shape[2] - length) // stride + 1))
    for t in range(out.shape[2]):
        window = x[:, np.newaxis, :, t * stride:t * stride + length]
        out[:, :, t] = (window * W[np.newaxis]).sum(axis=(2, 3))
    return out


def values():
    rng = np.random.RandomState(3)
    return (floatX(rng.uniform(-1, 1, IMAGE_SHAPE)),
            floatX(rng.uniform(-1, 1, FILTER_SHAPE)))


@pytest.fixture(scope='module', params=IMPLEMENTATIONS)
def implementation_results(request):
    """The cases of one implementation, computed by one function: a dict
    of (border mode, stride, flip) -> output."""
    function = getattr(conv, request.param)
    x, W = T.tensor3('x'), T.tensor3('W')
    cases = CASES[request.param]
    outputs = [function(x, W, IMAGE_SHAPE, FILTER_SHAPE,
                        border_mode=border_mode, subsample=(stride,),
                        filter_flip=flip)
               for border_mode, stride, flip in cases]
    return dict(zip(cases, theano.function([x, W], outputs)(*values())))


def test_conv1d(implementation_results):
    x, W = values()
    for (mode, stride, flip), out in implementation_results.items():
        np.testing.assert_allclose(
            out, reference(x, W, PADS[mode], stride, flip), **TOL)


@pytest.mark.parametrize('name', ['conv1d_sc', 'conv1d_mc0', 'conv1d_mc1'])
def test_conv1d_without_shapes(name):
    x, W = T.tensor3('x'), T.tensor3('W')
    out = getattr(conv, name)(x, W, subsample=2, border_mode=1)
    np.testing.assert_allclose(theano.function([x, W], out)(*values()),
                               reference(*values(), 1, 2, True), **TOL)


@pytest.mark.parametrize('name', ['conv1d_mc0', 'conv1d_mc1'])
def test_conv1d_groups(name):
    x, W = T.tensor3('x'), T.tensor3('W')
    x_value = floatX(np.random.RandomState(0).uniform(-1, 1, (2, 4, 7)))
    W_value = floatX(np.random.RandomState(1).uniform(-1, 1, (6, 2, 3)))
    out = getattr(conv, name)(x, W, (2, 4, 7), (6, 2, 3), num_groups=2,
                              filter_flip=False)
    result = theano.function([x, W], out)(x_value, W_value)
    for group in range(2):
        np.testing.assert_allclose(
            result[:, 3 * group:3 * group + 3],
            reference(x_value[:, 2 * group:2 * group + 2],
                      W_value[3 * group:3 * group + 3], 0, 1, False), **TOL)


def test_conv1d_unstrided_implementation():
    x, W = T.tensor3('x'), T.tensor3('W')
    out = conv.conv1d_unstrided(x, W, None, FILTER_SHAPE, subsample=(2,),
                                implementation=conv.conv1d_md)
    np.testing.assert_allclose(theano.function([x, W], out)(*values()),
                               reference(*values(), 0, 2, True), **TOL)


@pytest.mark.parametrize('name', ['conv1d_sd', 'conv1d_sc'])
def test_conv1d_grad(name):
    function = getattr(conv, name)
    theano.gradient.verify_grad(
        lambda x, W: function(x, W, (2, 2, 5), (3, 2, 2), border_mode='full',
                              subsample=(2,)),
        [floatX(np.random.RandomState(0).rand(2, 2, 5)),
         floatX(np.random.RandomState(1).rand(3, 2, 2))],
        rng=np.random.RandomState(2), abs_tol=1e-3, rel_tol=1e-3)


@pytest.mark.parametrize('name, kwargs, match', [
    ('conv1d_mc0', dict(border_mode='same'), "invalid border_mode 'same' for "
     "a 1-D convolution; expected 'valid', 'full', 'half', an int or a "
     "tuple of one int"),
    ('conv1d_sd', dict(border_mode='same'), "invalid border_mode 'same'"),
    ('conv1d_sc', dict(border_mode='full', filter_shape=None),
     "border_mode 'full' needs the filter length in filter_shape, got None"),
    ('conv1d_sd', dict(filter_shape=None), "conv1d_sd needs filter_shape "
     "with a known filter length, got None"),
    ('conv1d_md', dict(filter_shape=(4, 3, None)), "conv1d_md needs "
     "filter_shape"),
    ('conv1d_unstrided', dict(subsample=(3,)), r"conv1d_unstrided: the "
     r"filter length \(4\) must be a multiple of the stride \(3\)"),
])
def test_conv1d_errors(name, kwargs, match):
    kwargs = dict(dict(image_shape=IMAGE_SHAPE, filter_shape=FILTER_SHAPE),
                  **kwargs)
    with pytest.raises(ValueError, match=match):
        getattr(conv, name)(T.tensor3(), T.tensor3(), **kwargs)


@pytest.mark.parametrize('name', IMPLEMENTATIONS)
def test_conv1d_docstrings(name):
    """Each function documents its parameters in order, and says if it
    does not take num_groups."""
    function = getattr(conv, name)
    parameters = list(inspect.signature(function).parameters)
    documented = [line.split(' : ')[0].strip()
                  for line in function.__doc__.splitlines()
                  if line.startswith('    ') and ' : ' in line
                  and not line.startswith('     ')]
    assert documented == parameters
    assert ('num_groups' in parameters) != (
        'does not take ``num_groups``' in function.__doc__)
