"""
A module-wide random number generator, used by the initializers in
:mod:`lasagne.init` and to seed the random streams of the noise layers.

By default it is :mod:`numpy.random` itself, so ``np.random.seed(42)`` makes a
script that builds a network reproducible. :func:`set_rng` replaces it with a
generator of your own.

Examples
--------
>>> import numpy as np
>>> import lasagne
>>> lasagne.random.set_rng(np.random.RandomState(123))
>>> a = lasagne.init.Normal()((2, 2))
>>> lasagne.random.set_rng(np.random.RandomState(123))
>>> b = lasagne.init.Normal()((2, 2))
>>> bool((a == b).all())
True
>>> lasagne.random.set_rng(np.random)
"""

import numpy as np

_rng = np.random


def get_rng():
    """Get the module-wide random number generator.

    Returns
    -------
    numpy.random.RandomState or module
        The generator set with :func:`set_rng`, by default the
        :mod:`numpy.random` module.
    """
    return _rng


def set_rng(new_rng):
    """Set the module-wide random number generator.

    Parameters
    ----------
    new_rng : numpy.random.RandomState
        The generator that initializers and noise layers created from now on
        will draw from (the :mod:`numpy.random` module works too).
    """
    global _rng
    _rng = new_rng
