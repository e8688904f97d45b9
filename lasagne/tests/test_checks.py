import re
import types

import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne import _checks
from lasagne import init, layers, nonlinearities, updates
from lasagne.layers import InputLayer
from lasagne.utils import _ArgumentError


def test_describe():
    assert _checks._describe(InputLayer((None, 3))) == 'InputLayer'
    assert _checks._describe(InputLayer((None, 3), name='x')) == \
        "InputLayer 'x'"
    assert _checks._describe('batch_norm()') == 'batch_norm()'


@pytest.mark.parametrize('value, expected', [
    (3, True), (np.int8(-2), True), (0, True), (True, False),
    (np.bool_(True), False), (2.0, False), ('2', False), (None, False)])
def test_is_int(value, expected):
    assert _checks._is_int(value) is expected


def test_check_positive_int():
    _checks._check_positive_int('f()', np.int64(2), 'n')
    for value in (0, -1, True, 1.0, '1', None):
        with pytest.raises(ValueError, match=r"^f\(\): n must be a positive "
                           r"int, got %s$" % re.escape(repr(value))):
            _checks._check_positive_int('f()', value, 'n')


def test_int_tuple():
    assert _checks._int_tuple('f()', 2, 3, 'size', 1) == (2, 2, 2)
    assert _checks._int_tuple('f()', [np.int32(1), 0], 2, 'pad', 0) == (1, 0)
    for value in ((1, 2, 3), (1, 0.5), (True, 1), (0, 1), 'ab'):
        with pytest.raises(_ArgumentError, match=r"^f\(\): size must be an "
                           r"int or an iterable of 2 ints, each at least 1, "
                           r"got %s$" % re.escape(repr(value))):
            _checks._int_tuple('f()', value, 2, 'size', 1)


@pytest.mark.parametrize('value', [
    1, -2.5, np.float32(3), np.arange(3), np.float64('nan'), T.scalar(),
    T.ivector(), theano.shared(np.zeros(2, 'float32'))])
def test_is_real(value):
    assert _checks._is_real(value)


@pytest.mark.parametrize('value', [
    True, np.bool_(False), None, '1', [1.0], 1j, np.array(['a']),
    np.array([True]), types.SimpleNamespace(dtype='nope'), T.bscalar() > 0])
def test_is_not_real(value):
    assert not _checks._is_real(value)


def test_is_real_numbers_only():
    assert _checks._is_real(np.float32(1), numbers_only=True)
    assert not _checks._is_real(np.ones(1), numbers_only=True)
    assert not _checks._is_real(T.scalar(), numbers_only=True)


class TestCheckReal(object):
    def test_returns_the_value(self):
        x = T.vector()
        assert _checks._check_real('f()', x, 'a', 0, 1) is x
        assert _checks._check_real('f()', 0.5, 'a', 0, 1) == 0.5
        assert _checks._check_real('f()', 1, 'a', 0, 1) == 1
        assert _checks._check_real('f()', np.inf, 'a', 0) == np.inf

    @pytest.mark.parametrize('kwargs, kinds', [
        ({}, 'a real number or a Theano expression'),
        (dict(low=0), 'a real number >= 0 or a Theano expression'),
        (dict(low=0, high=1), r'a real number in \[0, 1\] or a Theano '
         'expression'),
        (dict(low=0, high=1, high_open=True), r'a real number in \[0, 1\) '
         'or a Theano expression'),
        (dict(scalar=True), 'a real number or a scalar Theano expression'),
        (dict(numbers_only=True), 'a real number'),
    ])
    def test_type(self, kwargs, kinds):
        for value in (None, True, '1', [1]):
            with pytest.raises(TypeError, match=r"^f\(\): a must be %s, got "
                               r"%s$" % (kinds, re.escape(repr(value)))):
                _checks._check_real('f()', value, 'a', **kwargs)

    def test_scalar(self):
        _checks._check_real('f()', np.array(2.0), 'a', scalar=True)
        _checks._check_real('f()', T.scalar(), 'a', scalar=True)
        with pytest.raises(TypeError, match=r"^f\(\): a must be a real number "
                           r"or a scalar Theano expression, got eps of ndim "
                           r"1$"):
            _checks._check_real('f()', T.vector('eps'), 'a', scalar=True)
        with pytest.raises(TypeError, match="ndim 2$"):
            _checks._check_real('f()', np.ones((1, 1)), 'a', scalar=True)

    @pytest.mark.parametrize('value, kwargs, bounds', [
        (-1, dict(low=0), ' >= 0'),
        (np.nan, dict(low=0), ' >= 0'),
        (2, dict(low=0, high=1), r' in \[0, 1\]'),
        (1, dict(low=0, high=1, high_open=True), r' in \[0, 1\)'),
        (np.array([0.5, 1.5]), dict(low=0, high=1), r' in \[0, 1\]'),
        (np.inf, dict(finite=True), ''),
        (np.array([np.nan]), dict(finite=True), ''),
    ])
    def test_value(self, value, kwargs, bounds):
        finite = 'finite ' if kwargs.get('finite') else ''
        with pytest.raises(ValueError, match=r"^f\(\): a must be a %sreal "
                           r"number%s, got %s$"
                           % (finite, bounds, re.escape(repr(value)))):
            _checks._check_real('f()', value, 'a', **kwargs)


def test_check_iterable():
    _checks._check_iterable('f()', (), 'a', 'a tuple')
    with pytest.raises(TypeError, match=r"^f\(\): a must be a tuple, got 1$"):
        _checks._check_iterable('f()', 1, 'a', 'a tuple')


def test_check_callable():
    _checks._check_callable('f()', len, 'a')
    with pytest.raises(TypeError, match=r"^f\(\): a must be callable, got "
                       r"'len'$"):
        _checks._check_callable('f()', 'len', 'a')


def test_check_nonlinearity():
    assert _checks._check_nonlinearity('f()', None) is \
        nonlinearities.identity
    assert _checks._check_nonlinearity('f()', T.tanh) is T.tanh
    with pytest.raises(TypeError, match=r"^f\(\): nonlinearity must be "
                       r"callable \(e.g. from lasagne.nonlinearities\) or "
                       r"None, got 'tanh'$"):
        _checks._check_nonlinearity('f()', 'tanh')


class TestCheckAxis(object):
    def test_valid(self):
        assert _checks._check_axis('f()', -1, 3, 'axis') == 2
        assert type(_checks._check_axis('f()', np.int8(1), 3, 'axis')) is int

    @pytest.mark.parametrize('axis, error', [
        (3, ValueError), (-4, ValueError), (1.0, _ArgumentError),
        (True, _ArgumentError), (None, _ArgumentError)])
    def test_invalid(self, axis, error):
        with pytest.raises(error, match=r"^f\(\): axis must be an int in "
                           r"\[-3, 3\) for inputs of 3 dimensions, got "
                           r"%s$" % re.escape(repr(axis))) as info:
            _checks._check_axis('f()', axis, 3, 'axis')
        assert info.type is error


class TestCheckAxes(object):
    @pytest.mark.parametrize('axes, canonical, expected', [
        (1, True, (1,)), (-1, True, (3,)), ((3, 0, -1), True, (0, 3)),
        (iter([2, 1]), True, (1, 2)), ((), True, ()), ('auto', True, (0, 2)),
        (-1, False, (-1,)), ((3, 0, 3), False, (3, 0, 3)),
        (iter([2, 1]), False, (2, 1)), ('auto', False, (0, 2)),
    ])
    def test_valid(self, axes, canonical, expected):
        assert _checks._check_axes('f()', axes, 4, 'axes', {'auto': (0, 2)},
                                   canonical=canonical) == expected

    @pytest.mark.parametrize('axes, presets, expected', [
        (None, None, 'an int or an iterable of ints'),
        (1.0, {'auto': ()}, "'auto', an int or an iterable of ints"),
        ('all', {'auto': (), 'none': ()}, "'auto', 'none', an int or an "
         "iterable of ints"),
    ])
    def test_wrong_kind(self, axes, presets, expected):
        with pytest.raises(_ArgumentError, match=r"^f\(\): axes must be %s, "
                           r"got %s$" % (expected, re.escape(repr(axes)))):
            _checks._check_axes('f()', axes, 4, 'axes', presets)

    @pytest.mark.parametrize('axes, error, bad', [
        ((0, 4), ValueError, 4), ((0, -5), ValueError, -5),
        ((0, 1.0), _ArgumentError, 1.0), ([True], _ArgumentError, True)])
    def test_bad_axis(self, axes, error, bad):
        with pytest.raises(error, match=r"^f\(\): each of axes must be an "
                           r"int in \[-4, 4\) for inputs of 4 dimensions, "
                           r"got %s$" % re.escape(repr(bad))):
            _checks._check_axes('f()', axes, 4, 'axes')

    def test_distinct(self):
        assert _checks._check_axes('f()', (1, -3), 4, 'axes') == (1,)
        with pytest.raises(ValueError, match=r"^f\(\): axes=\(1, -3\) names "
                           r"an axis more than once$"):
            _checks._check_axes('f()', (1, -3), 4, 'axes', distinct=True)

    def test_empty(self):
        with pytest.raises(ValueError, match=r"^f\(\): axes='none' selects "
                           r"no axis of the 4-dimensional input; at least "
                           r"one axis is needed$"):
            _checks._check_axes('f()', 'none', 4, 'axes', {'none': ()},
                                empty=False)


@pytest.mark.parametrize('ndim, axes, pattern', [
    (4, (0, 2, 3), ['x', 0, 'x', 'x']), (3, (), [0, 1, 2]),
    (3, (0, 1, 2), ['x', 'x', 'x']), (3, (1,), [0, 'x', 1])])
def test_broadcast_pattern(ndim, axes, pattern):
    assert _checks._broadcast_pattern(ndim, axes) == pattern


def test_remaining_shape():
    assert _checks._remaining_shape('f()', (None, 3, 4, None), (0, 3), 'b',
                                    'axes') == (3, 4)
    with pytest.raises(ValueError, match=r"^f\(\): b needs known input sizes "
                       r"along the axes not in axes, got input shape "
                       r"\(None, 3\) and axes=\(1,\)$"):
        _checks._remaining_shape('f()', (None, 3), (1,), 'b', 'axes')


# One answer per question: every layer that takes an argument refuses a bad
# value of it with the same exception class and message.

def _assert_refused(make, value, error, owner, argument, expected,
                    shown=None):
    """Check that ``make(value)`` raises exactly `error` (not a subclass)
    with the message "<owner>: <argument> <expected>, got <shown>", `shown`
    being `value` unless given."""
    shown = value if shown is None else shown
    with pytest.raises(error, match=r"^%s: %s %s, got %s$" % (
            owner, argument, expected, re.escape(repr(shown)))) as info:
        make(value)
    assert info.type is error


@pytest.mark.parametrize('make, owner, argument', [
    (lambda v: layers.DenseLayer((None, 3), v), 'DenseLayer', 'num_units'),
    (lambda v: layers.NINLayer((None, 3, 4), v), 'NINLayer', 'num_units'),
    (lambda v: layers.RecurrentLayer((None, 5, 3), v), 'RecurrentLayer',
     'num_units'),
    (lambda v: layers.LSTMLayer((None, 5, 3), v), 'LSTMLayer',
     'num_units'),
    (lambda v: layers.GRULayer((None, 5, 3), v), 'GRULayer', 'num_units'),
    (lambda v: layers.Conv2DLayer((None, 3, 6, 6), v, 3), 'Conv2DLayer',
     'num_filters'),
    (lambda v: layers.EmbeddingLayer((None, 3), v, 4), 'EmbeddingLayer',
     'input_size'),
    (lambda v: layers.EmbeddingLayer((None, 3), 4, v), 'EmbeddingLayer',
     'output_size'),
    (lambda v: layers.FeaturePoolLayer((None, 4), v), 'FeaturePoolLayer',
     'pool_size'),
])
@pytest.mark.parametrize('value', [True, 0, -1, 2.0, '2', None])
def test_positive_int_arguments(make, owner, argument, value):
    _assert_refused(make, value, ValueError, owner, argument,
                    "must be a positive int")


def _layer_with(cls, argument):
    """A function building a layer of class `cls` on a 3-D input with a
    value of `argument`, the owner of the argument and its name."""
    return (lambda v: getattr(layers, cls)((None, 3, 4), **{argument: v}),
            cls, argument)


AXES_ARGUMENTS = [
    _layer_with('BatchNormLayer', 'axes'),
    _layer_with('StandardizationLayer', 'axes'),
    _layer_with('BiasLayer', 'shared_axes'),
    _layer_with('ScaleLayer', 'shared_axes'),
    _layer_with('ParametricRectifierLayer', 'shared_axes'),
    _layer_with('RandomizedRectifierLayer', 'shared_axes'),
    _layer_with('DropoutLayer', 'shared_axes'),
    (lambda v: updates.norm_constraint(T.tensor3(), 1.0, norm_axes=v),
     'norm_constraint', 'norm_axes'),
]


@pytest.mark.parametrize('make, owner, argument', AXES_ARGUMENTS)
@pytest.mark.parametrize('axes', [1.0, 1j, 'nope', object()])
def test_axes_of_the_wrong_kind(make, owner, argument, axes):
    with pytest.raises(_ArgumentError, match=r"^%s: %s must be .*an int or "
                       r"an iterable of ints, got %s$"
                       % (owner, argument, re.escape(repr(axes)))):
        make(axes)


@pytest.mark.parametrize('make, owner, argument', AXES_ARGUMENTS)
@pytest.mark.parametrize('axes, bad, error', [
    ((0, 1.5), 1.5, _ArgumentError), ([True], True, _ArgumentError),
    (3, 3, ValueError), ((0, -4), -4, ValueError)])
def test_bad_axis_in_axes(make, owner, argument, axes, bad, error):
    _assert_refused(make, axes, error, owner, 'each of ' + argument,
                    r"must be an int in \[-3, 3\) for inputs of 3 "
                    "dimensions", bad)


@pytest.mark.parametrize('make, owner, argument', [
    (lambda v: layers.ConcatLayer([(None, 3), (None, 3)], axis=v),
     'ConcatLayer', 'axis'),
    (lambda v: layers.SliceLayer((None, 3), 0, axis=v), 'SliceLayer',
     'axis'),
    (lambda v: layers.FeaturePoolLayer((None, 4), 2, axis=v),
     'FeaturePoolLayer', 'axis'),
    (lambda v: layers.FeatureWTALayer((None, 4), 2, axis=v),
     'FeatureWTALayer', 'axis'),
])
@pytest.mark.parametrize('axis, error', [
    (1.0, _ArgumentError), (True, _ArgumentError), (None, _ArgumentError),
    (2, ValueError), (-3, ValueError)])
def test_single_axis_arguments(make, owner, argument, axis, error):
    _assert_refused(make, axis, error, owner, argument,
                    r"must be an int in \[-2, 2\) for inputs of 2 dimensions")


REAL_ARGUMENTS = [
    (lambda v: layers.DropoutLayer((None, 3), p=v), 'DropoutLayer', 'p',
     True),
    (lambda v: layers.GaussianNoiseLayer((None, 3), sigma=v),
     'GaussianNoiseLayer', 'sigma', True),
    (lambda v: layers.RandomizedRectifierLayer((None, 3), lower=v),
     'RandomizedRectifierLayer', 'lower', False),
    (lambda v: layers.RandomizedRectifierLayer((None, 3), upper=v),
     'RandomizedRectifierLayer', 'upper', False),
    (lambda v: layers.BatchNormLayer((None, 3), epsilon=v),
     'BatchNormLayer', 'epsilon', True),
    (lambda v: layers.BatchNormLayer((None, 3), alpha=v),
     'BatchNormLayer', 'alpha', True),
    (lambda v: layers.StandardizationLayer((None, 3), epsilon=v),
     'StandardizationLayer', 'epsilon', True),
    (lambda v: layers.PadLayer((None, 3), 1, val=v), 'PadLayer', 'val',
     False),
    (lambda v: layers.LSTMLayer((None, 5, 3), 2, grad_clipping=v),
     'LSTMLayer', 'grad_clipping', True),
    (lambda v: init.Normal(std=v), 'Normal', 'std', True),
    (lambda v: init.Uniform(std=v), 'Uniform', 'std', True),
    (lambda v: init.Sparse(sparsity=v), 'Sparse', 'sparsity', True),
    (lambda v: init.Orthogonal(gain=v), 'Orthogonal', 'gain', False),
]


@pytest.mark.parametrize('make, owner, argument, bounded', REAL_ARGUMENTS)
@pytest.mark.parametrize('value', [True, [1.0], 1j, np.array(['1'])])
def test_real_arguments_of_the_wrong_kind(make, owner, argument, bounded,
                                          value):
    _assert_refused(make, value, TypeError, owner, argument,
                    "must be a real number.*")


@pytest.mark.parametrize('make, owner, argument, bounded',
                         [case for case in REAL_ARGUMENTS if case[-1]])
@pytest.mark.parametrize('value', [np.nan, -1])
def test_bounded_real_arguments(make, owner, argument, bounded, value):
    _assert_refused(make, value, ValueError, owner, argument,
                    "must be a (finite )?real number (>=|in) .*")
