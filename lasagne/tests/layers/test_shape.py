import re

import numpy as np
import pytest
import theano
import theano.tensor as T

import lasagne.layers as L
from lasagne.layers import (InputLayer, ReshapeLayer, FlattenLayer,
                            DimshuffleLayer, PadLayer, SliceLayer)
from lasagne.utils import floatX

from .layer_checks import check_array_input, evaluate

X = floatX(np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5))
# A size-1 axis that Theano does not know to be broadcastable.
Y = floatX(np.arange(2 * 1 * 3).reshape(2, 1, 3))
SIZE = theano.shared(6)


def pad_reference(x, widths, val=0):
    return np.pad(x, widths, mode='constant', constant_values=val)


# (name, build from the input layers of X and Y, NumPy reference)
CASES = [
    ('flatten', lambda l_x, l_y: FlattenLayer(l_x),
     lambda: X.reshape(2, 60)),
    ('flatten_outdim_3', lambda l_x, l_y: FlattenLayer(l_x, outdim=3),
     lambda: X.reshape(2, 3, 20)),
    ('flatten_outdim_1', lambda l_x, l_y: FlattenLayer(l_x, outdim=1),
     lambda: X.ravel()),
    ('flatten_outdim_4', lambda l_x, l_y: FlattenLayer(l_x, outdim=4),
     lambda: X),
    ('reshape_minus_one', lambda l_x, l_y: ReshapeLayer(l_x, ([0], -1)),
     lambda: X.reshape(2, 60)),
    ('reshape_references',
     lambda l_x, l_y: ReshapeLayer(l_x, ([0], [2], [1], [3])),
     lambda: X.reshape(2, 4, 3, 5)),
    ('reshape_leading_minus_one',
     lambda l_x, l_y: ReshapeLayer(l_x, (-1, [3])),
     lambda: X.reshape(24, 5)),
    ('reshape_fixed', lambda l_x, l_y: ReshapeLayer(l_x, (4, 3, 10)),
     lambda: X.reshape(4, 3, 10)),
    ('reshape_symbolic', lambda l_x, l_y: ReshapeLayer(l_x, ([0], SIZE, -1)),
     lambda: X.reshape(2, 6, 10)),
    ('dimshuffle', lambda l_x, l_y: DimshuffleLayer(l_x, (0, 2, 3, 1)),
     lambda: X.transpose(0, 2, 3, 1)),
    ('dimshuffle_x', lambda l_x, l_y: DimshuffleLayer(l_x, (0, 'x', 1, 2, 3)),
     lambda: X[:, None]),
    ('dimshuffle_drop', lambda l_x, l_y: DimshuffleLayer(l_y, (2, 0)),
     lambda: Y[:, 0].T),
    ('dimshuffle_drop_unknown',
     lambda l_x, l_y: DimshuffleLayer(ReshapeLayer(l_y, ([0], SIZE // 6, -1)),
                                      (0, 2)),
     lambda: Y[:, 0]),
    ('pad', lambda l_x, l_y: PadLayer(l_x, 1),
     lambda: pad_reference(X, [(0, 0), (0, 0), (1, 1), (1, 1)])),
    ('pad_pairs', lambda l_x, l_y: PadLayer(l_x, [(1, 0), 2], val=-1),
     lambda: pad_reference(X, [(0, 0), (0, 0), (1, 0), (2, 2)], -1)),
    # a generator is read once (it used to be used up by the checks)
    ('pad_generator',
     lambda l_x, l_y: PadLayer(l_x, (w for w in [(1, 0), 2])),
     lambda: pad_reference(X, [(0, 0), (0, 0), (1, 0), (2, 2)])),
    ('pad_batch_ndim_1', lambda l_x, l_y: PadLayer(l_x, [(0, 2)], val=3,
                                                   batch_ndim=1),
     lambda: pad_reference(X, [(0, 0), (0, 2), (0, 0), (0, 0)], 3)),
    # as in Lasagne 0.2, None pads with zeros
    ('pad_none', lambda l_x, l_y: PadLayer(l_x, 1, val=None),
     lambda: pad_reference(X, [(0, 0), (0, 0), (1, 1), (1, 1)])),
    ('slice', lambda l_x, l_y: SliceLayer(l_x, slice(1, None, 2)),
     lambda: X[..., 1::2]),
    ('slice_reversed', lambda l_x, l_y: SliceLayer(l_x, slice(None, None, -1),
                                                   axis=2),
     lambda: X[:, :, ::-1]),
    ('index', lambda l_x, l_y: SliceLayer(l_x, -1, axis=1),
     lambda: X[:, -1]),
    ('index_first_axis', lambda l_x, l_y: SliceLayer(l_x, 1, axis=0),
     lambda: X[1]),
]


@pytest.fixture(scope='module')
def outputs():
    """The layers of all cases and their output values, from one compiled
    function."""
    l_x = InputLayer((None, 3, 4, 5))
    l_y = InputLayer((None, 1, 3))
    layers = dict((name, build(l_x, l_y)) for name, build, _ in CASES)
    names = sorted(layers)
    values = evaluate([layers[name] for name in names], {l_x: X, l_y: Y})
    return layers, dict(zip(names, values))


@pytest.mark.parametrize('name, reference', [(name, reference)
                                             for name, _, reference in CASES])
def test_values(outputs, name, reference):
    layers, values = outputs
    expected = reference()
    np.testing.assert_array_equal(values[name], expected)
    # The output shape agrees, with None where the batch size or a symbolic
    # size was not known.
    shape = layers[name].output_shape
    assert len(shape) == expected.ndim
    assert all(s in (None, e) for s, e in zip(shape, expected.shape))


def test_aliases():
    assert L.reshape is ReshapeLayer
    assert L.flatten is FlattenLayer
    assert L.dimshuffle is DimshuffleLayer
    assert L.pad is PadLayer


@pytest.mark.parametrize('cls, argument, expected', [
    (ReshapeLayer, 'shape', r'a tuple of ints, \[int\] input axis '
     'references and Theano scalars'),
    (DimshuffleLayer, 'pattern', "a tuple of input axis indices and 'x'"),
])
@pytest.mark.parametrize('value', [5, None, 1.5])
def test_not_iterable(cls, argument, expected, value):
    with pytest.raises(TypeError, match="^%s 'l': %s must be %s, got %s$"
                       % (cls.__name__, argument, expected,
                          re.escape(repr(value)))):
        cls((None, 3, 4), value, name='l')


def test_reshape_with_sizes_from_the_input_shape():
    """Lasagne 0.2 takes Theano expressions of the input's own shape, e.g.
    to merge the batch and time axes of a sequence."""
    x = T.tensor3('x')
    batch_size, seq_len, _ = x.shape
    l_in = InputLayer((None, None, 5), x)
    l_merged = ReshapeLayer(l_in, (batch_size * seq_len, [2]))
    l_split = ReshapeLayer(l_merged, (batch_size, seq_len, -1))
    assert l_merged.output_shape == (None, 5)
    assert l_split.output_shape == (None, None, None)
    fn = theano.function([x], L.get_output([l_merged, l_split]))
    value = floatX(np.arange(2 * 3 * 5).reshape(2, 3, 5))
    merged, split = fn(value)
    np.testing.assert_array_equal(merged, value.reshape(6, 5))
    np.testing.assert_array_equal(split, value)


@pytest.mark.parametrize('build, value', [
    (lambda: FlattenLayer((None, 3, 4, 5)), X),
    (lambda: ReshapeLayer((None, 3, 4, 5), ([0], SIZE, -1)), X),
    (lambda: DimshuffleLayer((None, 1, 3), (2, 0)), Y),
    (lambda: PadLayer((None, 3, 4, 5), [(1, 0), 2], val=-1), X),
    (lambda: SliceLayer((None, 3, 4, 5), slice(1, None, 2), axis=1), X),
])
def test_array_input(build, value):
    check_array_input(build(), value)


def test_pad_value_must_be_a_number():
    with pytest.raises(TypeError, match="^PadLayer 'p': val must be a real "
                       "number or a Theano expression, got 'zero'$"):
        PadLayer((None, 3, 4), 1, val='zero', name='p')


class TestFlattenLayer(object):
    @pytest.mark.parametrize('input_shape, outdim, output_shape', [
        ((None, 3, 4, 5), 2, (None, 60)),
        ((None, 3, 4, 5), 3, (None, 3, 20)),
        ((None, 3, 4, 5), 1, (None,)),
        ((2, 3, 4, 5), 1, (120,)),
        ((None, 3, None), 2, (None, None)),
        ((None, 3), 2, (None, 3)),
    ])
    def test_shapes(self, input_shape, outdim, output_shape):
        layer = FlattenLayer(input_shape, outdim)
        assert layer.outdim == outdim
        assert layer.output_shape == output_shape

    @pytest.mark.parametrize('outdim', [0, 5, -1, 1.5, None])
    def test_bad_outdim(self, outdim):
        with pytest.raises(ValueError, match="FlattenLayer 'f': outdim must "
                           "be an int from 1 to the input's 4 dimensions, "
                           "got %s" % re.escape(repr(outdim))):
            FlattenLayer((None, 3, 4, 5), outdim, name='f')


class TestReshapeLayer(object):
    @pytest.mark.parametrize('input_shape, shape, output_shape', [
        ((None, 100, 20), ([0], [1], 5, -1), (None, 100, 5, 4)),
        ((None, 100, 20), (-1, [2]), (None, 20)),
        ((None, 100, 20), ([0], -1), (None, 2000)),
        ((None, None, 20), ([0], [1], 4, 5), (None, None, 4, 5)),
        ((None, None, 20), ([0], -1), (None, None)),
        ((None, None, 20), ([1], [0], -1), (None, None, 20)),
        ((None, 3, 4), ([0], [0], -1), (None, None, None)),
        ((2, 3, 4), (6, -1), (6, 4)),
        ((2, 3, 4), [np.int64(4), 6], (4, 6)),
        ((2, 3, 4), (SIZE, -1), (None, None)),
    ])
    def test_shapes(self, input_shape, shape, output_shape):
        layer = ReshapeLayer(input_shape, shape)
        assert layer.shape == tuple(shape)
        assert layer.output_shape == output_shape

    @pytest.mark.parametrize('shape, message', [
        ((0, -1), 'the ints in shape must be positive or -1, got 0'),
        ((-2, 6), 'the ints in shape must be positive or -1, got -2'),
        (([0, 1], -1), r'references to input axes in shape must be lists of '
         r'one int >= 0, got \[0, 1\]'),
        (([-1], -1), r'references to input axes .* got \[-1\]'),
        ((['a'], -1), r"references to input axes .* got \['a'\]"),
        (('a', -1), r"shape must hold ints, \[int\] input axis references "
         r"and Theano scalars, got 'a'"),
        ((2.0, -1), r"shape must hold ints, .* got 2.0"),
        ((T.vector(), -1), 'Theano expressions in shape must be scalars, got '
         'one of 1 dimensions'),
        ((-1, 2, -1), r'shape can contain -1 only once, got \(-1, 2, -1\)'),
        (([3], -1), r'shape \(\[3\], -1\) refers to input axis \[3\], but '
         r'the input shape \(2, 3, 4\) has 3 dimensions'),
        ((5, -1), r'an input of shape \(2, 3, 4\) cannot be reshaped to '
         r'\(5, -1\): the total sizes differ'),
        ((7, 4), r'an input of shape \(2, 3, 4\) cannot be reshaped to '
         r'\(7, 4\): the total sizes differ'),
    ])
    def test_errors(self, shape, message):
        with pytest.raises(ValueError, match="ReshapeLayer 'r': " + message):
            ReshapeLayer((2, 3, 4), shape, name='r')


class TestDimshuffleLayer(object):
    @pytest.mark.parametrize('input_shape, pattern, output_shape', [
        ((None, 3, 1, 5), (0, 3, 1), (None, 5, 3)),
        ((None, 3, 1, 5), (0, 'x', 1, 2, 3), (None, 1, 3, 1, 5)),
        ((None, 3), ('x', 1, 'x', 0), (1, 3, 1, None)),
        ((None, None, 3), (0, 2), (None, 3)),
        ((2, 3), [1, 0], (3, 2)),
    ])
    def test_shapes(self, input_shape, pattern, output_shape):
        layer = DimshuffleLayer(input_shape, pattern)
        assert layer.pattern == pattern
        assert layer.output_shape == output_shape

    @pytest.mark.parametrize('pattern, message', [
        ((0, 0, 1), r'pattern \(0, 0, 1\) contains input axis 0 more than '
         'once'),
        ((0, 'y'), "pattern must hold input axis indices and 'x', got 'y'"),
        ((0, 1.0), "pattern must hold input axis indices and 'x', got 1.0"),
        ((0, 1, 2, 3), r'pattern \(0, 1, 2, 3\) refers to input axis 3, but '
         r'the input shape \(None, 3, 4\) has 3 dimensions'),
        ((0, -1), r'pattern \(0, -1\) refers to input axis -1'),
        ((0, 1), r'pattern \(0, 1\) drops input axis 2 of size 4; only axes '
         'of size 1 can be dropped'),
    ])
    def test_errors(self, pattern, message):
        with pytest.raises(ValueError, match="DimshuffleLayer: " + message):
            DimshuffleLayer((None, 3, 4), pattern)


class TestPadLayer(object):
    @pytest.mark.parametrize('input_shape, kwargs, output_shape, width', [
        ((None, 3, 8, 8), dict(width=2), (None, 3, 12, 12), 2),
        ((None, 3, None, 5), dict(width=2), (None, 3, None, 9), 2),
        ((None, 3, 8, 8), dict(width=[(1, 0), 3]), (None, 3, 9, 14),
         [(1, 0), (3, 3)]),
        ((None, 3, 8, 8), dict(width=(1,)), (None, 3, 10, 8), [(1, 1)]),
        ((None, 3, 8, 8), dict(width=iter([[2, 1]])), (None, 3, 11, 8),
         [(2, 1)]),
        ((None, 3, 8), dict(width=1, batch_ndim=1), (None, 5, 10), 1),
        ((2, 3), dict(width=[np.int64(1), (0, 2)], batch_ndim=0), (4, 5),
         [(1, 1), (0, 2)]),
        ((None, 3), dict(width=4), (None, 3), 4),
    ])
    def test_shapes(self, input_shape, kwargs, output_shape, width):
        layer = PadLayer(input_shape, val=7, **kwargs)
        assert layer.output_shape == output_shape
        # an iterable is kept as its list of (before, after) pairs
        assert layer.width == width
        assert layer.val == 7
        assert layer.batch_ndim == kwargs.get('batch_ndim', 2)

    @pytest.mark.parametrize('width', [-1, [1, -2], [(1, 2, 3)], [(1,)],
                                       'ab', 1.5, [1.5], None, True,
                                       [(1, True)]])
    def test_bad_width(self, width):
        with pytest.raises(ValueError, match="PadLayer 'p': width must be a "
                           "non-negative int, or an iterable of such ints or "
                           "of pairs of them, got %s"
                           % re.escape(repr(width))):
            PadLayer((None, 3, 8, 8), width, name='p')

    def test_too_many_widths(self):
        with pytest.raises(ValueError, match=r'PadLayer: width \[1, 2, 3\] '
                           r'pads 3 axes, but the input has only 2 axes '
                           r'after the first batch_ndim=2'):
            PadLayer((None, 3, 8, 8), [1, 2, 3])

    @pytest.mark.parametrize('batch_ndim', [-1, 5, 1.0, None])
    def test_bad_batch_ndim(self, batch_ndim):
        with pytest.raises(ValueError, match="PadLayer: batch_ndim must be an "
                           "int from 0 to the input's 4 dimensions, got %s"
                           % re.escape(repr(batch_ndim))):
            PadLayer((None, 3, 8, 8), 1, batch_ndim=batch_ndim)


class TestSliceLayer(object):
    @pytest.mark.parametrize('input_shape, indices, axis, output_shape', [
        ((None, 10, 6), slice(2, None, 2), -1, (None, 10, 2)),
        ((None, 10, 6), slice(None, None, -1), 1, (None, 10, 6)),
        ((None, 10, 6), slice(-3, None), 1, (None, 3, 6)),
        ((None, 10, 6), -1, 1, (None, 6)),
        ((None, 10, 6), 5, -1, (None, 10)),
        ((None, 10, 6), slice(0, 2), 0, (None, 10, 6)),
        ((None, 10, 6), 7, 0, (10, 6)),
        ((4, 10, 6), slice(1, 3), 0, (2, 10, 6)),
    ])
    def test_shapes(self, input_shape, indices, axis, output_shape):
        layer = SliceLayer(input_shape, indices, axis)
        assert layer.slice == indices
        assert layer.axis == axis
        assert layer.output_shape == output_shape

    def test_default_axis(self):
        assert SliceLayer((None, 10, 6), 0).axis == -1

    @pytest.mark.parametrize('axis', [3, -4, 1.0, 'a', True])
    def test_bad_axis(self, axis):
        with pytest.raises(ValueError, match=r"SliceLayer 's': axis must be "
                           r"an int in \[-3, 3\) for inputs of 3 "
                           r"dimensions, got %s"
                           % re.escape(repr(axis))):
            SliceLayer((None, 10, 6), 0, axis, name='s')

    @pytest.mark.parametrize('index', [6, -7])
    def test_index_out_of_range(self, index):
        with pytest.raises(ValueError, match='SliceLayer: index %d is out of '
                           'range for axis -1 of size 6' % index):
            SliceLayer((None, 10, 6), index)

    @pytest.mark.parametrize('indices', [[1, 2], 1.0, None])
    def test_bad_indices(self, indices):
        with pytest.raises(TypeError, match='SliceLayer: indices must be an '
                           'int or a slice, got %s'
                           % re.escape(repr(indices))):
            SliceLayer((None, 10, 6), indices)


@pytest.mark.parametrize('indices, axis', [
    (slice(10, 12), -1),
    (slice(5, 2), 1),
    (slice(-1, 0), 2),
    (slice(0, 0), 0),
])
def test_slice_selecting_nothing(indices, axis):
    # upstream gave an axis of size 0 silently
    shape = (2, 3, 4, 5)
    with pytest.raises(ValueError, match=r"^SliceLayer 'bad': indices %s "
                       r"selects no element of axis %d, of size %d$"
                       % (re.escape(repr(indices)), axis, shape[axis])):
        SliceLayer(shape, indices, axis=axis, name='bad')


@pytest.mark.parametrize('shape', [(2, 3, 4, 5), (2, 3, 4, None)])
def test_slice_step_zero(shape):
    with pytest.raises(ValueError, match=r"^SliceLayer: indices slice\(0, "
                       r"3, 0\) has a step of 0; expected a nonzero step$"):
        SliceLayer(shape, slice(0, 3, 0))


@pytest.mark.parametrize('indices, shape, expected', [
    # out-of-range bounds are clipped, as in NumPy, and still select some
    (slice(-10, 3), (2, 3, 4, 5), (2, 3, 4, 3)),
    (slice(3, 100), (2, 3, 4, 5), (2, 3, 4, 2)),
    # unknown sizes are not checked
    (slice(10, 12), (2, 3, 4, None), (2, 3, 4, None)),
])
def test_slice_that_selects(indices, shape, expected):
    assert SliceLayer(shape, indices).output_shape == expected


@pytest.mark.parametrize('pattern', ['x', '01'])
def test_dimshuffle_pattern_string(pattern):
    with pytest.raises(TypeError, match=r"^DimshuffleLayer 'bad': pattern "
                       r"must be a tuple of input axis indices and 'x', got "
                       r"%r$" % pattern):
        DimshuffleLayer((2, 3), pattern, name='bad')
