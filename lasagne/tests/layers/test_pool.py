import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne.layers import (InputLayer, MaxPool1DLayer, MaxPool2DLayer,
                            MaxPool3DLayer, Pool1DLayer, Pool2DLayer,
                            Pool3DLayer, Upscale1DLayer, Upscale2DLayer,
                            Upscale3DLayer, GlobalPoolLayer, FeaturePoolLayer,
                            FeatureWTALayer, SpatialPyramidPoolingLayer,
                            get_output)
from lasagne.layers.pool import pool_output_length

from .conv_checks import (TOL, check_output, compute, compute_cases, random,
                          run_isolated)
from .layer_checks import check_array_input
from .numpy_reference import (even_bins, kaiming_bins, pool,
                              spatial_pyramid)


@pytest.mark.parametrize('length, size, stride, pad, ignore_border, '
                         'expected', [
                             (9, 3, 3, 0, True, 3), (10, 3, 3, 0, True, 3),
                             (10, 3, 3, 1, True, 4), (10, 3, 2, 0, True, 4),
                             (10, 3, 3, 0, False, 4), (9, 3, 3, 0, False, 3),
                             (10, 3, 2, 0, False, 5), (9, 3, 2, 0, False, 4),
                             (2, 3, 2, 0, False, 1), (7, 2, 4, 0, False, 2),
                             (None, 3, 3, 0, True, None),
                             (10, None, 3, 0, True, None)])
def test_pool_output_length(length, size, stride, pad, ignore_border,
                            expected):
    assert pool_output_length(length, size, stride, pad,
                              ignore_border) == expected


# A setting that Theano's pooling does not support raises Lasagne 0.2's
# NotImplementedError, which is also the ValueError of the fork's checks.
@pytest.mark.parametrize('error', [NotImplementedError, ValueError])
def test_pool_output_length_pad_needs_ignore_border(error):
    with pytest.raises(error, match="padding needs ignore_border=True"):
        pool_output_length(10, 3, 3, 1, False)


@pytest.mark.parametrize('error', [NotImplementedError, ValueError])
@pytest.mark.parametrize('kwargs, match', [
    (dict(pad=2), r"Pool2DLayer 'p': pad=\(2, 2\) must be smaller than "
     r"pool_size=\(2, 2\)"),
    (dict(pad=1, ignore_border=False), r"Pool2DLayer 'p': pad=\(1, 1\) "
     r"needs ignore_border=True"),
])
def test_unsupported_pool_settings(kwargs, match, error):
    with pytest.raises(error, match=match):
        Pool2DLayer((None, 3, 8, 8), pool_size=2, name='p', **kwargs)


@pytest.mark.parametrize('build', [
    lambda: Pool2DLayer((None, 3, 6, 5), 2, mode='average_inc_pad'),
    lambda: MaxPool1DLayer((None, 3, 6), 3, stride=2, ignore_border=False),
    lambda: Upscale2DLayer((None, 3, 6, 5), 2, mode='dilate'),
    lambda: Upscale1DLayer((None, 3, 6), 3),
    lambda: GlobalPoolLayer((None, 3, 6, 5)),
    lambda: FeaturePoolLayer((None, 3, 6, 5), 3, axis=2),
    lambda: FeatureWTALayer((None, 3, 6, 5), 3, axis=2),
])
def test_array_input(build):
    layer = build()
    shape = tuple(2 if s is None else s for s in layer.input_shape)
    # Theano's Python pooling fails on numpy >= 1.23: the C one
    check_array_input(layer, random(*shape), mode=None)


def expand(value, n):
    return value if isinstance(value, tuple) else (value,) * n


# dimensionality -> (class, keyword arguments) of the pooling layers
POOL_CASES = {
    '1d-max': (Pool1DLayer, dict(pool_size=3)),
    '1d-max-partial': (Pool1DLayer, dict(pool_size=3, stride=2,
                                         ignore_border=False)),
    '1d-inc-pad': (Pool1DLayer, dict(pool_size=3, stride=2, pad=1,
                                     mode='average_inc_pad')),
    '1d-exc-pad': (Pool1DLayer, dict(pool_size=3, pad=1,
                                     mode='average_exc_pad')),
    '1d-sum-partial': (Pool1DLayer, dict(pool_size=2, stride=3, mode='sum',
                                         ignore_border=False)),
    '1d-maxpool': (MaxPool1DLayer, dict(pool_size=2, stride=1, pad=1)),
    '2d-max': (Pool2DLayer, dict(pool_size=2)),
    '2d-max-pad': (Pool2DLayer, dict(pool_size=(3, 2), stride=(2, 1),
                                     pad=(1, 0))),
    '2d-max-partial': (Pool2DLayer, dict(pool_size=3, stride=2,
                                         ignore_border=False)),
    '2d-inc-pad': (Pool2DLayer, dict(pool_size=3, stride=2, pad=1,
                                     mode='average_inc_pad')),
    '2d-exc-pad': (Pool2DLayer, dict(pool_size=(2, 3), pad=(1, 1),
                                     mode='average_exc_pad')),
    '2d-sum-partial': (Pool2DLayer, dict(pool_size=2, mode='sum',
                                         ignore_border=False)),
    '2d-maxpool': (MaxPool2DLayer, dict(pool_size=3, stride=1)),
    '3d-max': (Pool3DLayer, dict(pool_size=2)),
    '3d-exc-pad': (Pool3DLayer, dict(pool_size=2, stride=1, pad=1,
                                     mode='average_exc_pad')),
    '3d-inc-pad': (Pool3DLayer, dict(pool_size=(3, 2, 2), stride=2,
                                     pad=(1, 1, 0),
                                     mode='average_inc_pad')),
    '3d-max-partial': (Pool3DLayer, dict(pool_size=2,
                                         ignore_border=False)),
    '3d-sum': (Pool3DLayer, dict(pool_size=(1, 2, 3), mode='sum')),
    '3d-maxpool': (MaxPool3DLayer, dict(pool_size=(2, 1, 3))),
}
UPSCALE_CASES = {
    '1d-repeat': (Upscale1DLayer, dict(scale_factor=3)),
    '1d-dilate': (Upscale1DLayer, dict(scale_factor=2, mode='dilate')),
    '2d-repeat': (Upscale2DLayer, dict(scale_factor=(2, 3))),
    '2d-dilate': (Upscale2DLayer, dict(scale_factor=(3, 1), mode='dilate')),
    '2d-dilate-one': (Upscale2DLayer, dict(scale_factor=1, mode='dilate')),
    '3d-repeat': (Upscale3DLayer, dict(scale_factor=(1, 2, 3))),
    '3d-dilate': (Upscale3DLayer, dict(scale_factor=2, mode='dilate')),
}
INPUTS = {'1d': (2, 3, 9), '2d': (2, 3, 7, 6), '3d': (1, 2, 5, 4, 3)}


@pytest.fixture(scope='module')
def results():
    """name -> (layer, input value, output value) for the pooling and
    upscaling cases, one compiled function per input dimensionality."""
    cases = dict(POOL_CASES, **UPSCALE_CASES)
    results = {}
    for dims, shape in INPUTS.items():
        # integers: ties among the values
        x = np.floor(4 * random(*shape)).astype(theano.config.floatX)
        results.update(compute_cases(shape, lambda l_in: dict(
            (name, cls(l_in, **kwargs)) for name, (cls, kwargs)
            in cases.items() if name.startswith(dims)), x))
    return results


@pytest.mark.parametrize('case', sorted(POOL_CASES))
def test_pool_output(results, case):
    # the reference takes the arguments as given, not the layer's attributes
    kwargs = POOL_CASES[case][1]

    def reference(layer, x):
        n = x.ndim - 2
        size = expand(kwargs['pool_size'], n)
        return pool(x, size, expand(kwargs.get('stride', size), n),
                    expand(kwargs.get('pad', 0), n),
                    kwargs.get('ignore_border', True),
                    kwargs.get('mode', 'max'))

    check_output(results[case], reference)


@pytest.mark.parametrize('case', sorted(UPSCALE_CASES))
def test_upscale_output(results, case):
    kwargs = UPSCALE_CASES[case][1]

    def reference(layer, x):
        factors = expand(kwargs['scale_factor'], x.ndim - 2)
        if kwargs.get('mode', 'repeat') == 'repeat':
            for axis, factor in enumerate(factors, 2):
                x = np.repeat(x, factor, axis)
            return x
        out = np.zeros(x.shape[:2] + tuple(
            s * f for s, f in zip(x.shape[2:], factors)))
        out[(Ellipsis,) + tuple(slice(None, None, f) for f in factors)] = x
        return out

    check_output(results[case], reference)


def test_upscale_dilate_gradient():
    layer = Upscale2DLayer((None, 2, 3, 2), (2, 3), mode='dilate')
    x = T.tensor4('x')
    out = layer.get_output_for(x)
    # Theano 1.0.5 never finishes optimizing the gradient of set_subtensor
    # into a larger tensor: failing here is better than hanging below
    assert not any(isinstance(node.op, T.subtensor.IncSubtensor)
                   for node in theano.gof.graph.io_toposort([x], [out]))
    # all optimizations of FAST_RUN (those that never finished), run in
    # Python: little C code to compile
    mode = theano.Mode(linker='py', optimizer='fast_run')
    theano.gradient.verify_grad(layer.get_output_for, [random(2, 2, 3, 2)],
                                mode=mode, rng=np.random.RandomState(0))


def test_pool_unknown_sizes(results):
    _, x, expected = results['2d-max-pad']
    l_in = InputLayer((None, 3, None, 6))
    layer = Pool2DLayer(l_in, (3, 2), stride=(2, 1), pad=(1, 0))
    assert layer.output_shape == (None, 3, None, 5)
    np.testing.assert_allclose(compute({'': layer}, l_in, x)[''], expected,
                               **TOL)
    upscale = Upscale2DLayer(l_in, (2, 3))
    assert upscale.output_shape == (None, 3, None, 18)


def test_pool_attributes():
    layer = Pool2DLayer((None, 3, 8, 8), 3, pad=1, mode='average_inc_pad')
    assert layer.pool_size == (3, 3)
    assert layer.stride == (3, 3)
    assert layer.pad == (1, 1)
    assert layer.ignore_border is True
    assert layer.mode == 'average_inc_pad'
    assert MaxPool1DLayer((None, 3, 8), 2, stride=1).stride == (1,)
    assert MaxPool3DLayer((None, 3, 4, 4, 4), 2).mode == 'max'
    upscale = Upscale3DLayer((None, 3, 4, 4, 4), 2)
    assert upscale.scale_factor == (2, 2, 2)
    assert upscale.mode == 'repeat'


@pytest.mark.parametrize('cls, shape, kwargs, match', [
    (Pool2DLayer, (None, 3, 8), {}, r"Pool2DLayer 'bad': expected an input "
     r"of 4 dimensions \(batch size, channels and 2 spatial dimensions\)"),
    (Pool1DLayer, (None, 3, 8, 8), {}, "expected an input of 3 dimensions"),
    (MaxPool3DLayer, (None, 3, 8, 8), {}, "expected an input of 5"),
    (Pool2DLayer, (None, 3, 8, 8), dict(pad=2), r"pad=\(2, 2\) must be "
     r"smaller than pool_size=\(2, 2\)"),
    (Pool2DLayer, (None, 3, 8, 8), dict(pad=1, ignore_border=False),
     r"Pool2DLayer 'bad': pad=\(1, 1\) needs ignore_border=True"),
    (Pool2DLayer, (None, 3, 8, 8), dict(mode='min'), "mode must be one of "
     "'max', 'sum', 'average_inc_pad', 'average_exc_pad', got 'min'"),
    (Pool2DLayer, (None, 3, 8, 8), dict(stride=0), "stride must be an int "
     "or an iterable of 2 ints, each at least 1, got 0"),
    (Pool1DLayer, (None, 3, 8), dict(pool_size=(2, 2)), "pool_size must be "
     "an int or an iterable of 1 ints"),
    (Pool3DLayer, (None, 3, 8, 8, 8), dict(pad=-1), "pad must be an int or "
     "an iterable of 3 ints, each at least 0"),
])
def test_pool_errors(cls, shape, kwargs, match):
    kwargs = dict(dict(pool_size=2, name='bad'), **kwargs)
    with pytest.raises(ValueError, match=match):
        cls(shape, **kwargs)


@pytest.mark.parametrize('cls, shape, kwargs, match', [
    (Upscale2DLayer, (None, 3, 8, 8), dict(scale_factor=0),
     "Upscale2DLayer: scale_factor must be an int or an iterable of 2 ints, "
     "each at least 1, got 0"),
    (Upscale1DLayer, (None, 3, 8), dict(scale_factor=2, mode='nearest'),
     "Upscale1DLayer: mode must be 'repeat' or 'dilate', got 'nearest'"),
    (Upscale3DLayer, (None, 3, 8, 8), dict(scale_factor=2),
     "expected an input of 5 dimensions"),
])
def test_upscale_errors(cls, shape, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(shape, **kwargs)


@pytest.fixture(scope='module')
def feature_results():
    """Global and feature pooling of 3-D and 4-D inputs, computed by one
    function per input."""
    x3 = np.floor(3 * random(2, 6, 4)).astype(theano.config.floatX)
    x4 = np.floor(3 * random(2, 6, 3, 2)).astype(theano.config.floatX)
    l3, l4 = InputLayer((None, 6, 4)), InputLayer((None, 6, 3, 2))
    layers = {
        'global-mean': (l4, GlobalPoolLayer(l4)),
        'global-max-3d': (l3, GlobalPoolLayer(l3, T.max)),
        'maxout': (l4, FeaturePoolLayer(l4, 3)),
        'mean-last-axis': (l3, FeaturePoolLayer(l3, 2, axis=-1,
                                                pool_function=T.mean)),
        'wta': (l4, FeatureWTALayer(l4, 3)),
        'wta-axis-2': (l3, FeatureWTALayer(l3, 2, axis=2)),
    }
    names = sorted(layers)
    fn = theano.function([l3.input_var, l4.input_var],
                         get_output([layers[name][1] for name in names]))
    return dict((name, (layers[name][1], x3 if layers[name][0] is l3 else x4,
                        out)) for name, out in zip(names, fn(x3, x4)))


def wta_reference(x, size, axis):
    """Zero all but the first largest of each group of `size` features."""
    out = np.zeros_like(x)
    moved, target = np.moveaxis(x, axis, -1), np.moveaxis(out, axis, -1)
    for index in np.ndindex(*moved.shape[:-1]):
        for start in range(0, moved.shape[-1], size):
            group = moved[index][start:start + size]
            winner = start + int(np.argmax(group))
            target[index + (winner,)] = moved[index + (winner,)]
    return out


@pytest.mark.parametrize('case, reference', [
    ('global-mean', lambda x: x.reshape(x.shape[:2] + (-1,)).mean(axis=2)),
    ('global-max-3d', lambda x: x.max(axis=2)),
    ('maxout', lambda x: x.reshape((2, 2, 3, 3, 2)).max(axis=2)),
    ('mean-last-axis', lambda x: x.reshape((2, 6, 2, 2)).mean(axis=3)),
    ('wta', lambda x: wta_reference(x, 3, 1)),
    ('wta-axis-2', lambda x: wta_reference(x, 2, 2)),
])
def test_feature_pooling_output(feature_results, case, reference):
    layer, x, out = feature_results[case]
    expected = reference(x)
    assert out.shape == expected.shape
    assert layer.output_shape == (None,) + expected.shape[1:]
    np.testing.assert_allclose(out, expected, **TOL)


def test_feature_pooling_attributes():
    layer = FeaturePoolLayer((None, 6, 4), 3, axis=-2)
    assert (layer.pool_size, layer.axis, layer.pool_function) == \
        (3, -2, T.max)
    assert layer.output_shape == (None, 2, 4)
    assert FeaturePoolLayer((None, None), 2).output_shape == (None, None)
    assert GlobalPoolLayer((None, 3, 5)).pool_function is T.mean
    wta = FeatureWTALayer((None, 6, 4), 2, axis=2)
    assert (wta.pool_size, wta.axis) == (2, 2)
    assert wta.output_shape == (None, 6, 4)


@pytest.mark.parametrize('cls, kwargs, match', [
    (FeaturePoolLayer, dict(pool_size=4), r"FeaturePoolLayer: the number of "
     r"input features along axis 1 \(6\) is not a multiple of pool_size=4"),
    (FeatureWTALayer, dict(pool_size=4), "FeatureWTALayer: the number of "
     "input features"),
    (FeaturePoolLayer, dict(pool_size=0), "pool_size must be a positive "
     "int, got 0"),
    (FeatureWTALayer, dict(pool_size=2, axis=3), r"FeatureWTALayer: axis "
     r"must be an int in \[-3, 3\) for inputs of 3 dimensions, got 3"),
    (FeaturePoolLayer, dict(pool_size=2, axis=True), r"axis must be an int "
     r"in \[-3, 3\) for inputs of 3 dimensions, got True"),
    (GlobalPoolLayer, {}, "GlobalPoolLayer: expected an input with at least "
     "one axis after the batch and channel axes"),
])
def test_feature_pooling_errors(cls, kwargs, match):
    shape = (None, 6) if cls is GlobalPoolLayer else (None, 6, 4)
    with pytest.raises(ValueError, match=match):
        cls(shape, **kwargs)


SPP_CASES = {
    'fast-max': dict(pool_dims=[4, 2, 1]),
    'fast-mean': dict(pool_dims=[3, 2], mode='average_exc_pad'),
    'fast-sum': dict(pool_dims=[2], mode='sum'),
    'kaiming-max': dict(pool_dims=[4, 2, 1], implementation='kaiming'),
    'kaiming-mean': dict(pool_dims=[3, 1], implementation='kaiming',
                         mode='average_inc_pad'),
}


@pytest.fixture(scope='module')
def spp_results():
    """Each case on a fixed input shape, and on an input of unknown size
    for two sizes."""
    fixed = InputLayer((2, 3, 9, 7))
    variable = InputLayer((None, 3, None, None))
    layers = {}
    for name, kwargs in SPP_CASES.items():
        layers[name] = SpatialPyramidPoolingLayer(fixed, **kwargs)
        layers[name + '-variable'] = SpatialPyramidPoolingLayer(variable,
                                                                **kwargs)
    names = sorted(layers)
    fn = theano.function([fixed.input_var, variable.input_var],
                         get_output([layers[name] for name in names]))
    x = random(2, 3, 9, 7)
    results = dict((name, (layers[name], x, out))
                   for name, out in zip(names, fn(x, x)))
    # an input with fewer positions than bins (kaiming layout only)
    small = random(1, 3, 3, 2)
    small_fn = theano.function([variable.input_var], get_output(
        layers['kaiming-max-variable']))
    results['kaiming-max-small'] = (layers['kaiming-max-variable'], small,
                                    small_fn(small))
    return results


@pytest.mark.parametrize('name', sorted(SPP_CASES) + [
    name + '-variable' for name in sorted(SPP_CASES)] + ['kaiming-max-small'])
def test_spatial_pyramid_pooling_output(spp_results, name):
    layer, x, out = spp_results[name]
    bins = even_bins if layer.implementation == 'kaiming' else kaiming_bins
    expected = spatial_pyramid(x, layer.pool_dims, layer.mode, bins)
    assert out.shape == expected.shape
    batch_size = layer.input_shape[0]
    assert layer.output_shape == (batch_size, 3, expected.shape[2])
    np.testing.assert_allclose(out, expected, **TOL)


@pytest.mark.parametrize('implementation, rows, columns', [
    # windows of ceil(a / 3) positions every floor(a / 3) positions
    ('fast', [(0, 6), (5, 11), (10, 16)], [(0, 5), (4, 9), (8, 13)]),
    # bins [floor(i * a / 3), ceil((i + 1) * a / 3))
    ('kaiming', [(0, 6), (5, 12), (11, 17)], [(0, 5), (4, 9), (8, 13)]),
])
def test_spatial_pyramid_pooling_implementations(implementation, rows,
                                                 columns):
    """The layouts of Lasagne 0.2: 'fast', the default, is one pooling
    operation per pyramid level; 'kaiming' pools each bin on its own. On
    a 17x13 input they give different rows."""
    layer = SpatialPyramidPoolingLayer((None, 2, 17, 13), pool_dims=[3],
                                       implementation=implementation)
    assert layer.implementation == implementation
    x = random(1, 2, 17, 13)
    out = layer.get_output_for(theano.tensor.constant(x))
    pools = [node for node in theano.gof.graph.io_toposort([], [out])
             if isinstance(node.op, theano.tensor.signal.pool.Pool)]
    assert len(pools) == (1 if implementation == 'fast' else 0)
    expected = np.array([[[x[0, c, r0:r1, c0:c1].max()
                           for r0, r1 in rows for c0, c1 in columns]
                          for c in range(2)]])
    np.testing.assert_allclose(theano.function([], out)(), expected, **TOL)


def test_spatial_pyramid_pooling_array_input():
    check_array_input(SpatialPyramidPoolingLayer((None, 3, 9, 7)),
                      random(2, 3, 9, 7), mode=None)


def test_spatial_pyramid_pooling_checks_unknown_sizes():
    """The windows of He et al. (implementation='fast') on an input of
    unknown spatial size smaller than the largest pool_dims raise an
    AssertionError that names the layer (in a separate interpreter: without
    the check, Theano's compiled pooling crashes the process with a division
    by zero)."""
    result = run_isolated(
        "from lasagne.layers import SpatialPyramidPoolingLayer\n"
        "from lasagne.tests.layers.conv_checks import "
        "print_small_input_errors\n"
        "print_small_input_errors(SpatialPyramidPoolingLayer, "
        "implementation='fast')\n")
    assert result.returncode == 0, result.stderr
    message = ("SpatialPyramidPoolingLayer 'spp': the bins of He et al. need "
               "at least 4 positions along each spatial axis of the input")
    assert result.stdout.splitlines() == 2 * [message, '(1, 3, 21)'] + \
        2 * [message]


def test_spatial_pyramid_pooling_attributes():
    layer = SpatialPyramidPoolingLayer((None, 3, None, None))
    assert layer.pool_dims == [4, 2, 1]
    assert layer.mode == 'max'
    assert layer.implementation == 'fast'
    assert layer.output_shape == (None, 3, 21)


@pytest.mark.parametrize('shape, kwargs, match', [
    ((None, 3, 8, 8), dict(implementation='paper'), "implementation must be "
     "'fast' or 'kaiming', got 'paper'"),
    ((None, 3, 8, 8), dict(pool_dims=[2, 0]), r"each of pool_dims must be "
     r"a positive int, got 0"),
    ((None, 3, 8, 8), dict(pool_dims=[]), "pool_dims must be a non-empty"),
    ((None, 3, 8, 8), dict(pool_dims=[2, True]), "each of pool_dims must "
     "be a positive int, got True"),
    ((None, 3, 8, 8), dict(mode='median'), "mode must be one of"),
    ((None, 3, 8), {}, "expected an input of 4 dimensions"),
    ((None, 3, 3, 8), dict(implementation='fast'), r"the bins of He et "
     r"al. need at least 4 positions along each spatial axis, got input "
     r"shape \(None, 3, 3, 8\)"),
])
def test_spatial_pyramid_pooling_errors(shape, kwargs, match):
    with pytest.raises(ValueError, match='SpatialPyramidPoolingLayer: ' +
                       match):
        SpatialPyramidPoolingLayer(shape, **kwargs)


POOL_CLASSES = {1: [Pool1DLayer, MaxPool1DLayer],
                2: [Pool2DLayer, MaxPool2DLayer],
                3: [Pool3DLayer, MaxPool3DLayer]}


@pytest.mark.parametrize('cls, n', [(cls, n) for n, classes
                                    in POOL_CLASSES.items()
                                    for cls in classes])
@pytest.mark.parametrize('pool_size, pad', [(7, 0), (9, 1)])
def test_pool_larger_than_padded_input(cls, n, pool_size, pad):
    # 6 positions, padded by `pad` at each end, hold no window: upstream
    # gave an output shape with a 0 (or negative) size
    shape = (2, 3) + (6,) * n
    sizes = repr((pool_size,) * n).replace('(', r'\(').replace(')', r'\)')
    with pytest.raises(ValueError, match=r"%s 'bad': pool_size=%s does not "
                       r"fit in the input .*with pad=.*: expected at most %d "
                       % (cls.__name__, sizes, 6 + 2 * pad)):
        cls(shape, pool_size, pad=pad, name='bad')


@pytest.mark.parametrize('shape, kwargs, expected', [
    # a partial window counts without ignore_border: one output position
    ((2, 3, 6, 6), dict(pool_size=7, ignore_border=False), (2, 3, 1, 1)),
    # padding makes room for the window
    ((2, 3, 6, 6), dict(pool_size=8, pad=1), (2, 3, 1, 1)),
    ((2, 3, 6, 6), dict(pool_size=6), (2, 3, 1, 1)),
    # unknown sizes are not checked
    ((None, 3, None, None), dict(pool_size=7), (None, 3, None, None)),
    ((2, 3, None, 8), dict(pool_size=7), (2, 3, None, 1)),
])
def test_pool_size_that_fits(shape, kwargs, expected):
    assert Pool2DLayer(shape, **kwargs).output_shape == expected


def test_pool_larger_than_known_axis_only():
    with pytest.raises(ValueError, match=r"MaxPool2DLayer: pool_size=\(7, "
                       r"7\) does not fit in the input of shape \(2, 3, "
                       r"None, 6\)"):
        MaxPool2DLayer((2, 3, None, 6), 7)


def test_global_pool_function_must_be_callable():
    with pytest.raises(TypeError, match=r"GlobalPoolLayer 'g': "
                       r"pool_function must be callable, got 5"):
        GlobalPoolLayer((2, 3, 4), pool_function=5, name='g')


@pytest.mark.parametrize('pool_dims', [4, None])
def test_spatial_pyramid_pooling_dims_must_be_a_list(pool_dims):
    with pytest.raises(TypeError, match=r"SpatialPyramidPoolingLayer: "
                       r"pool_dims must be a non-empty list of positive "
                       r"ints, got %r" % pool_dims):
        SpatialPyramidPoolingLayer((2, 3, 8, 8), pool_dims=pool_dims)
