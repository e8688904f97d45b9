import importlib.util

import numpy as np
import pytest

import lasagne
from lasagne.random import get_rng, set_rng


@pytest.fixture
def restore_rng():
    saved = get_rng()
    yield
    set_rng(saved)


def test_default_rng_is_numpy_random():
    # Load a fresh copy of the module, so that a generator set by another
    # test cannot hide the default.
    spec = importlib.util.spec_from_file_location('fresh_random',
                                                  lasagne.random.__file__)
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    assert fresh.get_rng() is np.random


def test_set_rng_replaces_the_generator(restore_rng):
    rng = np.random.RandomState(7)
    set_rng(rng)
    assert get_rng() is rng
    set_rng(np.random)
    assert get_rng() is np.random


def test_initializers_draw_from_the_set_generator(restore_rng):
    set_rng(np.random.RandomState(123))
    drawn = lasagne.init.Normal(std=2.0, mean=1.0)((4, 5))
    expected = np.random.RandomState(123).normal(1.0, 2.0, size=(4, 5))
    np.testing.assert_allclose(drawn, expected.astype(drawn.dtype))


def test_same_seed_same_values_other_seed_other_values(restore_rng):
    def draw(seed):
        set_rng(np.random.RandomState(seed))
        return lasagne.init.GlorotUniform()((20, 30))

    np.testing.assert_array_equal(draw(1), draw(1))
    assert not np.allclose(draw(1), draw(2))
