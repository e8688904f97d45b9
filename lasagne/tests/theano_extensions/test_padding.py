import numpy as np
import pytest
import theano
import theano.tensor as T

from lasagne.theano_extensions.padding import pad


@pytest.mark.parametrize('width, val, batch_ndim, np_width', [
    (1, 0, 1, [(0, 0), (1, 1), (1, 1)]),
    (2, -1.5, 2, [(0, 0), (0, 0), (2, 2)]),
    ([1, 0], 3, 1, [(0, 0), (1, 1), (0, 0)]),
    ([(0, 2), (1, 3)], 0, 1, [(0, 0), (0, 2), (1, 3)]),
    ([(2, 0)], 7, 1, [(0, 0), (2, 0), (0, 0)]),
    ([(1, 2), 1], 0, 0, None),
    (0, 0, 1, [(0, 0)] * 3),
    ((w for w in [(0, 2), 1]), 0, 1, [(0, 0), (0, 2), (1, 1)]),
])
def test_pad(width, val, batch_ndim, np_width):
    x = T.tensor3('x')
    value = np.arange(24, dtype=x.dtype).reshape((2, 3, 4))
    if np_width is None:
        np_width = [(1, 2), (1, 1), (0, 0)]
    expected = np.pad(value, np_width, mode='constant', constant_values=val)
    out = theano.function([x], pad(x, width, val, batch_ndim))(value)
    assert out.dtype == x.dtype
    np.testing.assert_array_equal(out, expected)


def test_pad_with_none():
    # as in Lasagne 0.2: no value pads with zeros
    x = T.imatrix('x')
    out = pad(x, 1, val=None)
    value = np.array([[1, 2]], dtype='int32')
    np.testing.assert_array_equal(out.eval({x: value}), [[0, 1, 2, 0]])


def test_pad_keeps_dtype():
    x = T.imatrix('x')
    out = pad(x, 1, val=5)
    assert out.dtype == 'int32'
    value = np.array([[1, 2]], dtype='int32')
    np.testing.assert_array_equal(out.eval({x: value}), [[5, 1, 2, 5]])


def test_pad_grad():
    theano.gradient.verify_grad(lambda v: pad(v, [(1, 2)], val=3),
                                [np.random.RandomState(0).rand(2, 3)],
                                rng=np.random.RandomState(0))


@pytest.mark.parametrize('width, match', [
    ([1, 1, 1], r"pad: width \[1, 1, 1\] pads 3 axes, but the input has "
     r"only 2 axes after the first batch_ndim=1"),
    (-1, r"pad: width must be a non-negative int, or an iterable of such "
     r"ints or of pairs of them, got -1"),
    ([(0, -2)], r"pairs of them, got \[\(0, -2\)\]"),
    ([(1, 2, 3)], r"pairs of them, got \[\(1, 2, 3\)\]"),
    (1.5, "pairs of them, got 1.5"),
    ([(1, 0.5)], r"pairs of them, got \[\(1, 0.5\)\]"),
    (None, "pairs of them, got None"),
])
def test_pad_errors(width, match):
    with pytest.raises(ValueError, match=match):
        pad(T.tensor3(), width)
