"""
Initializers: objects that create the initial value of a parameter, given
its shape.

Every initializer is called with a shape tuple and returns a NumPy array of
dtype ``floatX``. Random initializers draw from :func:`lasagne.random.get_rng`.
A shape an initializer cannot fill (e.g. one of fewer than two dimensions
for :class:`Glorot`, :class:`He` and :class:`Orthogonal`) raises a
:class:`RuntimeError`, which is also a :class:`ValueError`.

Examples
--------
>>> from lasagne.init import GlorotUniform, Constant
>>> W = GlorotUniform()((100, 50))
>>> W.shape
(100, 50)
>>> Constant(0.1)((3,))
array([0.1, 0.1, 0.1])
"""

import numpy as np

from ._checks import _check_real, _is_int, _is_real
from .random import get_rng
from .utils import _ShapeError, floatX


class Initializer(object):
    """Base class of the initializers.

    Subclasses implement :meth:`sample`; calling an initializer instance is
    the same as calling its :meth:`sample`.
    """

    def __call__(self, shape):
        shape = tuple(shape)
        if not all(_is_int(n) and n >= 0 for n in shape):
            raise ValueError("%s: the shape must be a tuple of non-negative "
                             "ints, got %r" % (type(self).__name__, shape))
        return self.sample(shape)

    def sample(self, shape):
        """Create an initial value.

        Parameters
        ----------
        shape : tuple of int
            The shape of the value.

        Returns
        -------
        numpy array of dtype ``floatX``
        """
        raise NotImplementedError()


def _gain(owner, gain):
    # 'relu' is the gain of both Glorot's and He's schemes for rectifiers.
    if isinstance(gain, str):
        if gain != 'relu':
            raise ValueError("%s: gain must be a number or 'relu', got %r"
                             % (type(owner).__name__, gain))
        return np.sqrt(2)
    return _check_real(owner, gain, 'gain', numbers_only=True)


class Normal(Initializer):
    """Samples from a normal distribution.

    Parameters
    ----------
    std : float
        Its standard deviation.
    mean : float
        Its mean.
    """

    def __init__(self, std=0.01, mean=0.0):
        self.std = _check_real(self, std, 'std', 0, numbers_only=True)
        self.mean = _check_real(self, mean, 'mean', numbers_only=True)

    def sample(self, shape):
        return floatX(get_rng().normal(self.mean, self.std, size=shape))


class Uniform(Initializer):
    """Samples from a uniform distribution.

    Parameters
    ----------
    range : float or tuple of two floats
        A float ``r`` stands for the interval ``[-r, r)``, a tuple for
        ``[low, high)``. Ignored if `std` is given.
    std : float, optional
        Draw from the interval of this standard deviation centred on `mean`:
        ``[mean - sqrt(3) * std, mean + sqrt(3) * std)``.
    mean : float
        The centre of the interval, used with `std` only.

    Attributes
    ----------
    range : tuple of two floats
        The interval ``(low, high)`` it samples from.
    """

    def __init__(self, range=0.01, std=None, mean=0.0):
        if std is not None:
            half_width = np.sqrt(3) * _check_real(self, std, 'std', 0,
                                                  numbers_only=True)
            mean = _check_real(self, mean, 'mean', numbers_only=True)
            range = (mean - half_width, mean + half_width)
        elif _is_real(range, numbers_only=True):
            range = (-_check_real(self, range, 'range', numbers_only=True),
                     range)
        elif isinstance(range, (tuple, list)) and len(range) == 2:
            range = tuple(_check_real(self, r, 'range', numbers_only=True)
                          for r in range)
        else:
            raise TypeError("Uniform: range must be a number or a (low, high) "
                            "pair, got %r" % (range,))
        self.range = range

    def sample(self, shape):
        low, high = self.range
        return floatX(get_rng().uniform(low=low, high=high, size=shape))


def _fan_scaled_sample(initializer, shape):
    """A sample for `shape` from the distribution of a :class:`Glorot` or
    :class:`He` `initializer`: its `initializer` class with the standard
    deviation `gain` times ``_std(shape)``, which the class computes from
    the fans of shapes of at least two dimensions (four in the ``c01b``
    layout)."""
    name = type(initializer).__name__
    if initializer.c01b and len(shape) != 4:
        raise _ShapeError("%s: c01b=True needs a 4-D shape, got %r"
                          % (name, shape))
    if len(shape) < 2:
        raise _ShapeError("%s needs a shape of at least 2 dimensions, got %r"
                          % (name, shape))
    if not all(shape):
        return floatX(np.zeros(shape))  # no fans to scale by
    std = initializer.gain * initializer._std(shape)
    return initializer.initializer(std=std).sample(shape)


class Glorot(Initializer):
    """Glorot weight initialization [1]_: draws with the standard deviation

    .. math::
        \\sigma = \\text{gain} \\cdot \\sqrt{\\frac{2}{(n_{in} + n_{out})
        \\cdot \\text{receptive field size}}}

    Parameters
    ----------
    initializer : initializer class
        The distribution, called as ``initializer(std=sigma)``, e.g.
        :class:`Normal` or :class:`Uniform`.
    gain : float or 'relu'
        A scale factor; ``'relu'`` means :math:`\\sqrt{2}`, for rectifiers.
    c01b : bool
        Whether the shape follows the ``c01b`` layout of cuda-convnet
        (input channels, rows, columns, output channels): 4-D only. By
        default the first two dimensions are the fans and the rest the
        receptive field.

    See Also
    --------
    GlorotNormal, GlorotUniform

    References
    ----------
    .. [1] Xavier Glorot and Yoshua Bengio (2010): Understanding the
       difficulty of training deep feedforward neural networks. AISTATS.
    """

    def __init__(self, initializer, gain=1.0, c01b=False):
        self.initializer = initializer
        self.gain = _gain(self, gain)
        self.c01b = c01b

    def sample(self, shape):
        return _fan_scaled_sample(self, shape)

    def _std(self, shape):
        if self.c01b:
            n1, n2 = shape[0], shape[3]
            receptive_field_size = shape[1] * shape[2]
        else:
            n1, n2 = shape[:2]
            receptive_field_size = int(np.prod(shape[2:]))
        return np.sqrt(2.0 / ((n1 + n2) * receptive_field_size))


class GlorotNormal(Glorot):
    """:class:`Glorot` initialization with normally distributed weights.

    Parameters
    ----------
    gain : float or 'relu'
        See :class:`Glorot`.
    c01b : bool
        See :class:`Glorot`.
    """

    def __init__(self, gain=1.0, c01b=False):
        super(GlorotNormal, self).__init__(Normal, gain, c01b)


class GlorotUniform(Glorot):
    """:class:`Glorot` initialization with uniformly distributed weights,
    drawn from :math:`[-\\sqrt{3}\\sigma, \\sqrt{3}\\sigma)`.

    Parameters
    ----------
    gain : float or 'relu'
        See :class:`Glorot`.
    c01b : bool
        See :class:`Glorot`.
    """

    def __init__(self, gain=1.0, c01b=False):
        super(GlorotUniform, self).__init__(Uniform, gain, c01b)


class He(Initializer):
    """He weight initialization [1]_: draws with the standard deviation

    .. math::
        \\sigma = \\text{gain} \\cdot \\sqrt{\\frac{1}{n_{in}}}

    where :math:`n_{in}` is the first dimension of a 2-D shape and the
    product of all but the first of a larger one.

    Parameters
    ----------
    initializer : initializer class
        The distribution, called as ``initializer(std=sigma)``.
    gain : float or 'relu'
        A scale factor; ``'relu'`` means :math:`\\sqrt{2}`.
    c01b : bool
        Whether the shape follows the ``c01b`` layout (4-D only); then the
        fan-in is the product of the first three dimensions.

    See Also
    --------
    HeNormal, HeUniform

    References
    ----------
    .. [1] Kaiming He et al. (2015): Delving deep into rectifiers: Surpassing
       human-level performance on imagenet classification. arXiv:1502.01852.
    """

    def __init__(self, initializer, gain=1.0, c01b=False):
        self.initializer = initializer
        self.gain = _gain(self, gain)
        self.c01b = c01b

    def sample(self, shape):
        return _fan_scaled_sample(self, shape)

    def _std(self, shape):
        if self.c01b:
            fan_in = int(np.prod(shape[:3]))
        elif len(shape) == 2:
            fan_in = shape[0]
        else:
            fan_in = int(np.prod(shape[1:]))
        return np.sqrt(1.0 / fan_in)


class HeNormal(He):
    """:class:`He` initialization with normally distributed weights.

    Parameters
    ----------
    gain : float or 'relu'
        See :class:`He`.
    c01b : bool
        See :class:`He`.
    """

    def __init__(self, gain=1.0, c01b=False):
        super(HeNormal, self).__init__(Normal, gain, c01b)


class HeUniform(He):
    """:class:`He` initialization with uniformly distributed weights.

    Parameters
    ----------
    gain : float or 'relu'
        See :class:`He`.
    c01b : bool
        See :class:`He`.
    """

    def __init__(self, gain=1.0, c01b=False):
        super(HeUniform, self).__init__(Uniform, gain, c01b)


class Constant(Initializer):
    """Fills the value with a constant.

    Parameters
    ----------
    val : float
        The constant.
    """

    def __init__(self, val=0.0):
        self.val = val

    def sample(self, shape):
        return floatX(np.full(shape, self.val))


class Sparse(Initializer):
    """A sparse 2-D weight matrix: in every column, a fraction `sparsity` of
    the rows draws from a normal distribution, the others are zero.

    Parameters
    ----------
    sparsity : float
        The fraction of nonzero entries of each column.
    std : float
        The standard deviation of the nonzero entries (mean zero).
    """

    def __init__(self, sparsity=0.1, std=0.01):
        self.sparsity = _check_real(self, sparsity, 'sparsity', 0, 1,
                                    numbers_only=True)
        self.std = _check_real(self, std, 'std', 0, numbers_only=True)

    def sample(self, shape):
        if len(shape) != 2:
            raise _ShapeError("Sparse only initializes 2-D shapes, got %r"
                              % (shape,))
        rows, columns = shape
        nonzeros = int(self.sparsity * rows)
        rng = get_rng()
        value = np.zeros(shape)
        for column in range(columns):
            chosen = rng.permutation(rows)[:nonzeros]
            value[chosen, column] = rng.normal(0.0, self.std, size=nonzeros)
        return floatX(value)


class Orthogonal(Initializer):
    """An orthogonal matrix [1]_, reshaped to the requested shape.

    A shape of two or more dimensions is treated as a matrix of
    ``shape[0]`` rows and ``prod(shape[1:])`` columns, whose rows (or
    columns, whichever are fewer) are orthonormal, then scaled by `gain`.

    Parameters
    ----------
    gain : float or 'relu'
        A scale factor; ``'relu'`` means :math:`\\sqrt{2}`.

    References
    ----------
    .. [1] Saxe, Andrew M., James L. McClelland, and Surya Ganguli (2013):
       Exact solutions to the nonlinear dynamics of learning in deep linear
       neural networks. arXiv:1312.6120.
    """

    def __init__(self, gain=1.0):
        self.gain = _gain(self, gain)

    def sample(self, shape):
        if len(shape) < 2:
            raise _ShapeError("Orthogonal needs a shape of at least 2 "
                              "dimensions, got %r" % (shape,))
        matrix_shape = (shape[0], int(np.prod(shape[1:])))
        a = get_rng().normal(0.0, 1.0, matrix_shape)
        u, _, vt = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == matrix_shape else vt
        return floatX(self.gain * q.reshape(shape))
