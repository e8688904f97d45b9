import re

import numpy as np
import pytest
import theano
import theano.tensor as T

import lasagne.layers as L
from lasagne.layers import (InputLayer, ConcatLayer, ElemwiseMergeLayer,
                            ElemwiseSumLayer, autocrop, autocrop_array_shapes)
from lasagne.utils import floatX

from .layer_checks import MODE, check_array_input, evaluate

RNG = np.random.RandomState(0)
A = floatX(RNG.uniform(-1, 1, (2, 3, 5, 6)))
B = floatX(RNG.uniform(-1, 1, (2, 4, 4, 6)))
C = floatX(RNG.uniform(-1, 1, (2, 3, 5, 6)))


class TestAutocrop(object):
    def test_none_keeps_everything(self):
        shapes = [(1, 2), (3, 4, 5)]
        assert autocrop_array_shapes(shapes, None) is shapes
        inputs = [T.matrix(), T.tensor3()]
        assert autocrop(inputs, None) is inputs

    @pytest.mark.parametrize('cropping, expected', [
        ([None, 'lower', 'center'], [(1, 4, 6), (None, 4, 6)]),
        (['upper'], [(None, 5, 7), (None, 4, 6)]),
        ([None, None, None], [(1, 5, 7), (None, 4, 6)]),
        ((None, 'center', 'lower'), [(1, 4, 6), (None, 4, 6)]),
    ])
    def test_shapes(self, cropping, expected):
        shapes = [(1, 5, 7), (None, 4, 6)]
        assert autocrop_array_shapes(shapes, cropping) == expected

    def test_shapes_with_unknown_size(self):
        assert autocrop_array_shapes([(2, None), (3, 4)], ['lower', 'lower']) \
            == [(2, None), (2, None)]

    @pytest.mark.parametrize('cropping, message', [
        (['middle'], "unknown crop mode 'middle', expected None, 'lower', "
         "'center' or 'upper'"),
        ([None] * 4, r"cropping \[None, None, None, None\] has more entries "
         r"than the inputs' 3 dimensions"),
    ])
    def test_bad_cropping(self, cropping, message):
        with pytest.raises(ValueError, match='autocrop_array_shapes: ' +
                           message):
            autocrop_array_shapes([(1, 2, 3), (1, 2, 3)], cropping)
        with pytest.raises(ValueError, match='autocrop: ' + message):
            autocrop([T.tensor3(), T.tensor3()], cropping)

    def test_different_dimensions(self):
        with pytest.raises(ValueError, match=r'autocrop_array_shapes: '
                           r'cropping needs inputs of the same number of '
                           r'dimensions, got \[2, 3\]'):
            autocrop_array_shapes([(1, 2), (1, 2, 3)], ['lower'])
        with pytest.raises(ValueError, match=r'autocrop: cropping needs '
                           r'inputs of the same number of dimensions, got '
                           r'\[2, 3\]'):
            autocrop([T.matrix(), T.tensor3()], ['lower'])

    def test_values(self):
        x = np.arange(4 * 7, dtype='float64').reshape(4, 7)
        y = -np.arange(2 * 5, dtype='float64').reshape(2, 5)
        z = np.arange(3 * 4, dtype='float64').reshape(3, 4) / 10
        inputs = [T.dmatrix(), T.dmatrix(), T.dmatrix()]
        outputs = (autocrop(inputs, ['lower', 'upper']) +
                   autocrop(inputs, ['center', 'center']) +
                   autocrop(inputs, [None, 'center']))
        f = theano.function(inputs, outputs, mode=MODE)
        values = f(x, y, z)
        # Smallest sizes: 2 rows, 4 columns.
        np.testing.assert_array_equal(values[0], x[:2, 3:])
        np.testing.assert_array_equal(values[1], y[:2, 1:])
        np.testing.assert_array_equal(values[2], z[:2, :])
        # Centre: surplus cut equally, the odd one at the end.
        np.testing.assert_array_equal(values[3], x[1:3, 1:5])
        np.testing.assert_array_equal(values[4], y[:, :4])
        np.testing.assert_array_equal(values[5], z[0:2, :])
        np.testing.assert_array_equal(values[6], x[:, 1:5])
        np.testing.assert_array_equal(values[7], y[:, :4])
        np.testing.assert_array_equal(values[8], z)


def test_alias():
    assert L.concat is ConcatLayer


@pytest.mark.parametrize('cls, args', [(ConcatLayer, ()),
                                       (ElemwiseSumLayer, ()),
                                       (ElemwiseMergeLayer, (T.add,))])
@pytest.mark.parametrize('incomings', [InputLayer((None, 3)), 3])
def test_incomings_not_a_list(cls, args, incomings):
    with pytest.raises(TypeError, match="^%s 'm': incomings must be a list "
                       "of Layer instances or shape tuples, got .*; put a "
                       "single layer in a list$" % cls.__name__):
        cls(incomings, *args, name='m')


class TestConcatLayer(object):
    @pytest.mark.parametrize('shapes, axis, output_shape', [
        ([(None, 3, 8), (None, 5, 8)], 1, (None, 8, 8)),
        ([(None, 3, 8), (None, 3, 2), (None, 3, 1)], -1, (None, 3, 11)),
        ([(2, 3), (None, 3)], 0, (None, 3)),
        ([(2, 3), (4, 3)], 0, (6, 3)),
        ([(None, None, 8), (None, 5, 8)], 1, (None, None, 8)),
        ([(None, None, 8), (None, 5, None)], 2, (None, 5, None)),
    ])
    def test_shapes(self, shapes, axis, output_shape):
        layer = ConcatLayer([InputLayer(shape) for shape in shapes], axis)
        assert layer.axis == axis
        assert layer.cropping is None
        assert layer.output_shape == output_shape

    def test_default_axis(self):
        assert ConcatLayer([(None, 2), (None, 3)]).output_shape == (None, 5)

    def test_cropping_ignores_axis(self):
        layer = ConcatLayer([(None, 3, 8), (None, 5, 6)], axis=1,
                            cropping=[None, 'lower', 'lower'])
        assert layer.cropping == [None, None, 'lower']
        assert layer.output_shape == (None, 8, 6)
        # Entries left out count as None.
        layer = ConcatLayer([(None, 3, 8), (None, 5, 6)], axis=2,
                            cropping=[None, 'upper'])
        assert layer.cropping == [None, 'upper', None]
        assert layer.output_shape == (None, 3, 14)

    def test_mismatch(self):
        with pytest.raises(ValueError, match=r"ConcatLayer 'c': the input "
                           r"shapes \[\(None, 3, 8\), \(None, 5, 6\)\] differ "
                           r"in more than the concatenation axis 1"):
            ConcatLayer([(None, 3, 8), (None, 5, 6)], name='c')
        with pytest.raises(ValueError, match='differ in more than the '
                           'concatenation axis -1'):
            ConcatLayer([(None, 3, 8), (None, 3)], axis=-1)

    @pytest.mark.parametrize('axis', [3, -4, 1.0, True])
    def test_bad_axis(self, axis):
        with pytest.raises(ValueError, match=r'ConcatLayer: axis must be an '
                           r'int in \[-3, 3\) for inputs of 3 dimensions, got '
                           + re.escape(repr(axis))):
            ConcatLayer([(None, 3, 8), (None, 5, 8)], axis=axis)

    def test_bad_cropping(self):
        with pytest.raises(ValueError, match="ConcatLayer: unknown crop mode "
                           "'left'"):
            ConcatLayer([(None, 3, 8), (None, 5, 8)], cropping=['left'])

    def test_no_incomings(self):
        with pytest.raises(ValueError, match='ConcatLayer: incomings must '
                           'hold at least one layer'):
            ConcatLayer([])

    def test_values(self):
        l_a, l_b, l_c = [InputLayer((None,) + x.shape[1:]) for x in (A, B, C)]
        layers = [ConcatLayer([l_a, l_c]),
                  ConcatLayer([l_a, l_c, l_a], axis=-1),
                  ConcatLayer([l_a, l_b], cropping=[None, None, 'center',
                                                    'upper']),
                  ConcatLayer([l_b, l_a], axis=2,
                              cropping=[None, 'lower', None, None])]
        out = evaluate(layers, {l_a: A, l_b: B, l_c: C})
        np.testing.assert_array_equal(out[0], np.concatenate([A, C], axis=1))
        np.testing.assert_array_equal(out[1],
                                      np.concatenate([A, C, A], axis=3))
        # Rows: 5 and 4, cropped to 4 in the centre (the odd row at the end).
        np.testing.assert_array_equal(
            out[2], np.concatenate([A[:, :, :4], B], axis=1))
        np.testing.assert_array_equal(
            out[3], np.concatenate([B[:, :3], A], axis=2))
        for layer, value in zip(layers, out):
            assert layer.output_shape == (None,) + value.shape[1:]


class TestElemwiseMergeLayer(object):
    def test_shapes(self):
        layer = ElemwiseMergeLayer([(None, 3, None), (2, None, None)],
                                   T.maximum)
        assert layer.merge_function is T.maximum
        assert layer.cropping is None
        assert layer.output_shape == (2, 3, None)
        layer = ElemwiseMergeLayer([(None, 3, 5), (None, 4, 4)], T.maximum,
                                   cropping=['lower'] * 3)
        assert layer.output_shape == (None, 3, 4)

    def test_cropping_kept_as_list_per_axis(self):
        # as ConcatLayer keeps it: one entry per axis, a generator read once
        layer = ElemwiseMergeLayer([(None, 3, 4), (None, 4, 4)], T.maximum,
                                   cropping=(c for c in [None, 'lower']))
        assert layer.cropping == [None, 'lower', None]
        assert layer.output_shape == (None, 3, 4)

    @pytest.mark.parametrize('shapes', [[(None, 3), (None, 4)],
                                        [(None, 3), (None, 3, 1)]])
    def test_mismatch(self, shapes):
        with pytest.raises(ValueError, match=r"ElemwiseMergeLayer 'm': the "
                           r"input shapes \[.*\] differ"):
            ElemwiseMergeLayer(shapes, T.maximum, name='m')

    def test_bad_merge_function(self):
        with pytest.raises(TypeError, match='ElemwiseMergeLayer: '
                           'merge_function must be callable, got .max.'):
            ElemwiseMergeLayer([(None, 3), (None, 3)], 'max')

    def test_bad_cropping(self):
        with pytest.raises(ValueError, match="ElemwiseMergeLayer: unknown "
                           "crop mode 'left'"):
            ElemwiseMergeLayer([(None, 3), (None, 4)], T.add,
                               cropping=['left'])

    def test_no_incomings(self):
        with pytest.raises(ValueError, match='ElemwiseMergeLayer: incomings '
                           'must hold at least one layer'):
            ElemwiseMergeLayer([], T.add)


class TestElemwiseSumLayer(object):
    def test_attributes(self):
        layer = ElemwiseSumLayer([(None, 3)] * 3, name='sum')
        assert layer.coeffs == [1, 1, 1]
        assert layer.merge_function is T.add
        assert layer.output_shape == (None, 3)
        assert ElemwiseSumLayer([(None, 3)] * 2, coeffs=(2, -1)).coeffs == \
            [2, -1]

    def test_coeffs_count(self):
        with pytest.raises(ValueError, match="ElemwiseSumLayer 'sum': got 2 "
                           "coeffs for 3 incomings"):
            ElemwiseSumLayer([(None, 3)] * 3, coeffs=[1, 2], name='sum')

    def test_no_multiplication_by_one(self):
        x, y = T.matrices('x', 'y')
        out = ElemwiseSumLayer([(None, 3)] * 2).get_output_for([x, y])
        assert out.owner.op == T.add and out.owner.inputs == [x, y]

    def test_values(self):
        l_a, l_b, l_c = [InputLayer((None,) + x.shape[1:]) for x in (A, B, C)]
        coeff = theano.shared(floatX(0.25))
        layers = [ElemwiseSumLayer([l_a, l_c]),
                  ElemwiseSumLayer([l_a, l_c, l_a], coeffs=[1, -2, 0.5]),
                  ElemwiseSumLayer([l_a, l_c], coeffs=coeff),
                  ElemwiseSumLayer([l_a, l_b], cropping=[None, 'lower',
                                                         'upper']),
                  ElemwiseMergeLayer([l_a, l_c, l_a], T.maximum)]
        out = evaluate(layers, {l_a: A, l_b: B, l_c: C})
        np.testing.assert_allclose(out[0], A + C, rtol=1e-6)
        np.testing.assert_allclose(out[1], A - 2 * C + 0.5 * A, rtol=1e-6)
        np.testing.assert_allclose(out[2], 0.25 * (A + C), rtol=1e-6)
        np.testing.assert_allclose(out[3], A[:, :, 1:] + B[:, :3], rtol=1e-6)
        np.testing.assert_array_equal(out[4], np.maximum(A, C))
        for layer, value in zip(layers, out):
            assert layer.output_shape == (None,) + value.shape[1:]


@pytest.mark.parametrize('coeffs', [[0.3, np.float64(2)], [1, -1], 0.5])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_elemwise_sum_keeps_the_input_dtype(coeffs, dtype):
    # numeric coefficients do not upcast float32 inputs under float64
    matrix = T.TensorType(dtype, (False,) * 2)
    x, y = matrix(), matrix()
    layer = ElemwiseSumLayer([(None, 3)] * 2, coeffs=coeffs)
    out = layer.get_output_for([x, y])
    assert out.dtype == dtype
    a, b = RNG.uniform(-1, 1, (2, 2, 3)).astype(dtype)
    weights = coeffs if isinstance(coeffs, list) else [coeffs] * 2
    np.testing.assert_allclose(
        theano.function([x, y], out, mode=MODE)(a, b),
        weights[0] * a + weights[1] * b, rtol=1e-6)


def test_elemwise_sum_with_a_symbolic_coefficient():
    coeff = T.dscalar()
    out = ElemwiseSumLayer([(None, 3)] * 2, coeffs=[coeff, 1]).get_output_for(
        [T.fmatrix(), T.fmatrix()])
    assert out.dtype == 'float64'  # as a parameter would


@pytest.mark.parametrize('build', [
    lambda: ConcatLayer([(None, 3, 5, 6), (None, 4, 4, 6)],
                        cropping=[None, None, 'center', 'upper']),
    lambda: ElemwiseMergeLayer([(None, 3, 5, 6), (None, 4, 4, 6)],
                               T.maximum, cropping=['lower'] * 4),
    lambda: ElemwiseSumLayer([(None, 3, 5, 6), (None, 4, 4, 6)],
                             coeffs=[2, -0.5], cropping=['upper'] * 4),
])
def test_array_input(build):
    check_array_input(build(), A, B)


@pytest.mark.parametrize('coeffs, argument, bad', [
    (np.nan, 'coeffs', np.nan), ([1, np.inf], 'each of coeffs', np.inf),
    ((-np.inf, 1), 'each of coeffs', -np.inf),
    (np.float32('nan'), 'coeffs', np.float32('nan')),
])
def test_sum_coeffs_must_be_finite(coeffs, argument, bad):
    # upstream gave NaN or infinite outputs for these
    with pytest.raises(ValueError, match=r"^ElemwiseSumLayer 'bad': %s "
                       r"must be a finite real number, got %s$"
                       % (argument, bad)):
        ElemwiseSumLayer([(2, 3), (2, 3)], coeffs=coeffs, name='bad')


@pytest.mark.parametrize('coeffs, argument, bad', [
    ('x', 'coeffs', 'x'), (None, 'coeffs', None),
    ([1, None], 'each of coeffs', None), ([1, 'x'], 'each of coeffs', 'x'),
])
def test_sum_coeffs_must_be_numbers(coeffs, argument, bad):
    # upstream failed in get_output
    with pytest.raises(TypeError, match=r"^ElemwiseSumLayer 'bad': %s must "
                       r"be a real number or a Theano expression, got %r$"
                       % (argument, bad)):
        ElemwiseSumLayer([(2, 3), (2, 3)], coeffs=coeffs, name='bad')


def test_sum_coeffs_that_work():
    a, b = InputLayer((2, 3)), InputLayer((2, 3))
    scale = theano.shared(floatX(0.5))
    layer = ElemwiseSumLayer([a, b], coeffs=[np.float32(2), scale])
    x, y = floatX(RNG.rand(2, 3)), floatX(RNG.rand(2, 3))
    assert np.allclose(evaluate(layer, {a: x, b: y}), 2 * x + 0.5 * y)


@pytest.mark.parametrize('cls', [ConcatLayer, ElemwiseSumLayer])
@pytest.mark.parametrize('cropping', [5, 1.5])
def test_cropping_must_be_a_list(cls, cropping):
    with pytest.raises(TypeError, match=r"^%s 'bad': cropping must be None "
                       r"or a list of crop modes \(None, 'lower', 'center' "
                       r"or 'upper'\), got %r$" % (cls.__name__, cropping)):
        cls([(2, 3), (2, 3)], cropping=cropping, name='bad')
