"""
Lasagne: a lightweight library to build and train neural networks in Theano.

This fork runs on today's Python with Theano >= 0.9; see the installation
docs for the adjustments it makes to Theano's configuration at import.
"""

__version__ = "0.2.dev2"

MINIMUM_THEANO = "0.9"

from . import _theano_setup  # noqa: E402 (must act before Theano's import)

_state = _theano_setup.prepare()
try:
    import theano  # noqa: E402
except ImportError as error:  # pragma: no cover (tested in a subprocess)
    raise ImportError(
        "Lasagne needs Theano >= %s, which could not be imported (%s). "
        "Install it with: pip install 'Theano>=%s'"
        % (MINIMUM_THEANO, error, MINIMUM_THEANO)) from error
except AttributeError as error:  # pragma: no cover (tested in a subprocess)
    # Theano 1.0.5 uses NumPy aliases (np.bool) that NumPy 1.24 removed.
    import numpy
    raise ImportError(
        "Theano could not be imported with NumPy %s: Theano 1.0.5 needs "
        "NumPy < 1.24. Install it with: pip install 'numpy<1.24'"
        % numpy.__version__) from error
finally:
    _theano_setup.restore(_state)
    del _state


def _check_theano():
    # Theano 0.9 introduced T.nnet.bn.batch_normalization_train, which the
    # batch normalization layer builds on; testing for it rather than
    # parsing version strings also covers development snapshots.
    try:
        from theano.tensor.nnet import bn
    except ImportError:
        bn = None
    if not hasattr(bn, 'batch_normalization_train'):
        raise ImportError(
            "Lasagne needs Theano >= %s, found Theano %s. Upgrade it with: "
            "pip install --upgrade 'Theano>=%s'"
            % (MINIMUM_THEANO, getattr(theano, '__version__', '(unknown)'),
               MINIMUM_THEANO))


_check_theano()
_theano_setup.finish()

from . import nonlinearities  # noqa: E402
from . import init  # noqa: E402
from . import layers  # noqa: E402
from . import objectives  # noqa: E402
from . import random  # noqa: E402
from . import regularization  # noqa: E402
from . import theano_extensions  # noqa: E402
from . import updates  # noqa: E402
from . import utils  # noqa: E402
