import numpy as np
import pytest
import theano

from lasagne import init
from lasagne.random import get_rng, set_rng

FLOATX = theano.config.floatX


@pytest.fixture(autouse=True)
def seeded_rng():
    # Statistics below are checked with tolerances of a few percent; a
    # fixed seed keeps them from failing by bad luck.
    saved = get_rng()
    set_rng(np.random.RandomState(1234))
    yield
    set_rng(saved)


def assert_std(sample, std, rtol=0.03):
    """The sample has mean ~0 and standard deviation `std`."""
    assert abs(sample.mean()) < 0.03 * std
    assert sample.std() == pytest.approx(std, rel=rtol)


def test_initializer_base_class():
    with pytest.raises(NotImplementedError):
        init.Initializer()((2, 3))

    class Twos(init.Initializer):
        def sample(self, shape):
            return np.full(shape, 2.0)

    # Calling an initializer calls its sample().
    np.testing.assert_array_equal(Twos()((2, 3)), np.full((2, 3), 2.0))


class TestNormal(object):
    def test_defaults(self):
        sample = init.Normal()((400, 300))
        assert sample.shape == (400, 300)
        assert sample.dtype == FLOATX
        assert_std(sample, 0.01)

    def test_std_and_mean(self):
        sample = init.Normal(std=3.0, mean=-5.0)((200, 3, 100))
        assert sample.shape == (200, 3, 100)
        assert sample.mean() == pytest.approx(-5.0, abs=0.05)
        assert sample.std() == pytest.approx(3.0, rel=0.03)


class TestUniform(object):
    def check_range(self, sample, low, high):
        assert sample.dtype == FLOATX
        assert low <= sample.min() < low + 0.01 * (high - low)
        assert high - 0.01 * (high - low) < sample.max() <= high
        assert sample.mean() == pytest.approx((low + high) / 2,
                                              abs=0.01 * (high - low))

    def test_default_range(self):
        u = init.Uniform()
        assert u.range == (-0.01, 0.01)
        sample = u((300, 200))
        assert sample.shape == (300, 200)
        self.check_range(sample, -0.01, 0.01)

    def test_number_range(self):
        self.check_range(init.Uniform(0.5)((300, 200)), -0.5, 0.5)

    def test_tuple_range(self):
        u = init.Uniform(range=(2.0, 5.0))
        assert u.range == (2.0, 5.0)
        self.check_range(u((100, 20, 30)), 2.0, 5.0)

    def test_std_and_mean_override_range(self):
        u = init.Uniform(range=100.0, std=2.0, mean=1.0)
        half_width = np.sqrt(3) * 2.0
        assert u.range == pytest.approx((1.0 - half_width, 1.0 + half_width))
        sample = u((300, 200))
        self.check_range(sample, 1.0 - half_width, 1.0 + half_width)
        assert sample.std() == pytest.approx(2.0, rel=0.03)


def test_constant():
    sample = init.Constant()((3, 4))
    assert sample.dtype == FLOATX
    np.testing.assert_array_equal(sample, np.zeros((3, 4)))
    sample = init.Constant(-2.5)((2, 1, 3))
    assert sample.shape == (2, 1, 3)
    assert np.all(sample == -2.5)
    assert init.Constant(1.0)(()).shape == ()


# Shapes: dense (n_in, n_out), convolution (out, in, rows, cols) and c01b
# (in, rows, cols, out). The expected standard deviations are written out.
def glorot_std(shape, c01b):
    if c01b:
        n_in, n_out = shape[0], shape[3]
        field = shape[1] * shape[2]
    else:
        n_in, n_out = shape[0], shape[1]
        field = int(np.prod(shape[2:]))
    return np.sqrt(2.0 / ((n_in + n_out) * field))


def he_std(shape, c01b):
    if c01b:
        fan_in = shape[0] * shape[1] * shape[2]
    elif len(shape) == 2:
        fan_in = shape[0]
    else:
        fan_in = int(np.prod(shape[1:]))
    return np.sqrt(1.0 / fan_in)


SHAPES = [((500, 300), False),
          ((40, 30, 200), False),
          ((64, 32, 5, 4), False),
          ((32, 5, 4, 64), True)]


@pytest.mark.parametrize('shape, c01b', SHAPES)
@pytest.mark.parametrize('gain, factor', [(1.0, 1.0), (0.5, 0.5),
                                          ('relu', np.sqrt(2))])
@pytest.mark.parametrize('cls, std_of', [
    (init.GlorotNormal, glorot_std), (init.GlorotUniform, glorot_std),
    (init.HeNormal, he_std), (init.HeUniform, he_std)])
def test_glorot_and_he_statistics(cls, std_of, gain, factor, shape, c01b):
    sample = cls(gain=gain, c01b=c01b)(shape)
    assert sample.shape == shape
    assert sample.dtype == FLOATX
    std = factor * std_of(shape, c01b)
    assert_std(sample, std)
    if cls in (init.GlorotUniform, init.HeUniform):
        # Uniform on [-sqrt(3) std, sqrt(3) std).
        bound = np.sqrt(3) * std
        assert np.abs(sample).max() <= bound
        assert np.abs(sample).max() > 0.99 * bound
    else:
        # Normal, not uniform: some of ~40000 values lie beyond 3.5 std.
        assert np.abs(sample).max() > 3.5 * std


@pytest.mark.parametrize('cls', [init.Glorot, init.He])
@pytest.mark.parametrize('distribution', [init.Normal, init.Uniform])
def test_glorot_and_he_with_a_given_distribution(cls, distribution):
    initializer = cls(distribution, gain='relu')
    assert initializer.initializer is distribution
    assert initializer.gain == pytest.approx(np.sqrt(2))
    assert initializer.c01b is False
    std_of = glorot_std if cls is init.Glorot else he_std
    assert_std(initializer((400, 300)),
               np.sqrt(2) * std_of((400, 300), False))


# A shape an initializer cannot fill raises Lasagne 0.2's RuntimeError,
# which is also the ValueError of the fork's other argument errors.
SHAPE_ERRORS = [RuntimeError, ValueError]


@pytest.mark.parametrize('error', SHAPE_ERRORS)
@pytest.mark.parametrize('cls', [init.GlorotNormal, init.GlorotUniform,
                                 init.HeNormal, init.HeUniform])
def test_glorot_and_he_errors(cls, error):
    name = cls.__name__
    with pytest.raises(error, match=name + '.*at least 2'):
        cls()((100,))
    with pytest.raises(error, match=name + '.*at least 2'):
        cls()(())
    for shape in [(10, 20), (3, 10, 20), (2, 3, 4, 5, 6)]:
        with pytest.raises(error, match=name + '.*c01b.*4-D'):
            cls(c01b=True)(shape)


def test_glorot_and_he_hierarchy():
    assert init.Glorot.__bases__ == (init.Initializer,)
    assert init.He.__bases__ == (init.Initializer,)
    for cls in (init.GlorotNormal, init.GlorotUniform):
        assert cls.__bases__ == (init.Glorot,)
    for cls in (init.HeNormal, init.HeUniform):
        assert cls.__bases__ == (init.He,)


def test_walking_the_initializer_classes():
    """Code written for Lasagne 0.2 builds every direct subclass of
    Initializer without arguments, or each of its subclasses where it has
    some (Glorot and He need a distribution), and samples from it."""
    built = []
    for cls in init.Initializer.__subclasses__():
        if cls.__module__ != 'lasagne.init':
            continue  # classes that other tests define
        for concrete in cls.__subclasses__() or [cls]:
            sample = concrete().sample((4, 5))
            assert sample.shape == (4, 5)
            assert sample.dtype == FLOATX
            built.append(concrete.__name__)
    assert sorted(built) == sorted([
        'Normal', 'Uniform', 'GlorotNormal', 'GlorotUniform', 'HeNormal',
        'HeUniform', 'Constant', 'Sparse', 'Orthogonal'])


class TestSparse(object):
    @pytest.mark.parametrize('sparsity, rows', [(0.1, 500), (0.25, 401),
                                                (0.5, 30)])
    def test_sparsity_per_column(self, sparsity, rows):
        sample = init.Sparse(sparsity=sparsity)((rows, 200))
        assert sample.shape == (rows, 200)
        assert sample.dtype == FLOATX
        nonzeros = int(sparsity * rows)
        np.testing.assert_array_equal((sample != 0).sum(axis=0),
                                      np.full(200, nonzeros))
        # Different rows are chosen in different columns.
        assert len(set(map(tuple, (sample != 0).T))) > 1

    def test_defaults_and_std(self):
        sparse = init.Sparse()
        assert (sparse.sparsity, sparse.std) == (0.1, 0.01)
        sample = init.Sparse(sparsity=0.2, std=2.0)((1000, 200))
        assert_std(sample[sample != 0], 2.0)

    def test_sparsity_below_one_row_gives_zeros(self):
        np.testing.assert_array_equal(init.Sparse(0.1)((5, 4)),
                                      np.zeros((5, 4)))

    @pytest.mark.parametrize('error', SHAPE_ERRORS)
    @pytest.mark.parametrize('shape', [(100,), (10, 10, 10), ()])
    def test_only_two_dimensions(self, shape, error):
        with pytest.raises(error, match='Sparse.*2-D'):
            init.Sparse()(shape)


class TestOrthogonal(object):
    @pytest.mark.parametrize('shape', [(50, 50), (80, 30), (30, 80),
                                       (20, 3, 2, 2), (8, 3, 2, 2)])
    @pytest.mark.parametrize('gain, factor', [(1.0, 1.0), (2.5, 2.5),
                                              ('relu', np.sqrt(2))])
    def test_orthogonal(self, shape, gain, factor):
        sample = init.Orthogonal(gain=gain)(shape)
        assert sample.shape == shape
        assert sample.dtype == FLOATX
        q = sample.reshape(shape[0], -1) / factor
        rows, columns = q.shape
        # The rows, or the columns if there are fewer, are orthonormal.
        gram = q.dot(q.T) if rows <= columns else q.T.dot(q)
        np.testing.assert_allclose(gram, np.eye(min(rows, columns)),
                                   atol=1e-5)

    def test_default_gain(self):
        assert init.Orthogonal().gain == 1.0

    @pytest.mark.parametrize('error', SHAPE_ERRORS)
    @pytest.mark.parametrize('shape', [(10,), ()])
    def test_needs_two_dimensions(self, shape, error):
        with pytest.raises(error, match='Orthogonal.*at least 2'):
            init.Orthogonal()(shape)


@pytest.mark.parametrize('make, error, message', [
    (lambda: init.Normal(std=-1), ValueError,
     'Normal: std must be a real number >= 0, got -1$'),
    (lambda: init.Normal(mean='0'), TypeError,
     "Normal: mean must be a real number, got '0'$"),
    (lambda: init.Uniform(range=(1, 2, 3)), TypeError,
     r'Uniform: range must be a number or a \(low, high\) pair'),
    (lambda: init.Uniform(range=None), TypeError, 'Uniform: range'),
    (lambda: init.Uniform(range=('a', 1)), TypeError, 'Uniform: range must'),
    (lambda: init.Uniform(std=-0.1), ValueError,
     'Uniform: std must be a real number >= 0, got -0.1$'),
    (lambda: init.Sparse(sparsity=2), ValueError,
     r'Sparse: sparsity must be a real number in \[0, 1\], got 2$'),
    (lambda: init.Sparse(sparsity=-0.1), ValueError, 'Sparse: sparsity'),
    (lambda: init.Sparse(std=True), TypeError,
     'Sparse: std must be a real number >= 0, got True$'),
    (lambda: init.Orthogonal(gain='tanh'), ValueError,
     "Orthogonal: gain must be a number or 'relu'"),
    (lambda: init.GlorotUniform(gain='tanh'), ValueError, 'GlorotUniform'),
    (lambda: init.HeNormal(gain=None), TypeError, 'HeNormal: gain must be'),
])
def test_bad_arguments_refused_at_construction(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize('shape', [(2, -1), (2.5, 3), (None, 3)])
def test_bad_shapes_refused(shape):
    with pytest.raises(ValueError, match='Constant: the shape must be a '
                       'tuple of non-negative ints'):
        init.Constant()(shape)


@pytest.mark.parametrize('cls', [init.GlorotUniform, init.HeNormal])
def test_fan_scaled_empty_shape(cls):
    value = cls()((0, 3))
    assert value.shape == (0, 3)
    assert value.dtype == theano.config.floatX
