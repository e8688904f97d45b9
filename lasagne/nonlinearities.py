"""
Nonlinearities: elementwise functions of a Theano expression, used as the
``nonlinearity`` argument of layers.

Each one takes a Theano expression and returns one of the same shape (and
the same dtype, for a float expression); ``softmax`` works along the last
axis of a matrix.
"""
import theano.tensor as T

from .utils import _like


def sigmoid(x):
    """Logistic sigmoid :math:`\\varphi(x) = \\frac{1}{1 + e^{-x}}`.

    Parameters
    ----------
    x : Theano expression
        The activation (the summed, weighted input of a neuron).

    Returns
    -------
    Theano expression
        The output of the sigmoid, in (0, 1).
    """
    return T.nnet.sigmoid(x)


def softmax(x):
    """Softmax along the second axis of a matrix,
    :math:`\\varphi(\\mathbf{x})_j = \\frac{e^{x_j}}{\\sum_k e^{x_k}}`.

    Parameters
    ----------
    x : Theano matrix
        The activations, one row per example.

    Returns
    -------
    Theano matrix
        Rows of non-negative values that sum to one. Theano's op subtracts
        each row's maximum first, so large activations stay finite.
    """
    return T.nnet.softmax(x)


def tanh(x):
    """Hyperbolic tangent :math:`\\varphi(x) = \\tanh(x)`.

    Parameters
    ----------
    x : Theano expression
        The activation.

    Returns
    -------
    Theano expression
        The output of the tanh, in (-1, 1).
    """
    return T.tanh(x)


class ScaledTanH(object):
    """Scaled hyperbolic tangent
    :math:`\\varphi(x) = \\tanh(\\alpha x) \\cdot \\beta`.

    Parameters
    ----------
    scale_in : float32
        The scale :math:`\\alpha` of the input.
    scale_out : float32
        The scale :math:`\\beta` of the output.

    Notes
    -----
    With ``scale_in=2/3`` and ``scale_out=1.7159`` this is the tanh that
    LeCun et al. [1]_ recommend, which keeps unit-variance inputs at unit
    variance. ``ScaledTanh`` is another name for this class.

    References
    ----------
    .. [1] LeCun, Yann A., et al. (1998): Efficient BackProp,
       http://link.springer.com/chapter/10.1007/3-540-49430-8_2

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.nonlinearities import ScaledTanH
    >>> lecun_tanh = ScaledTanH(scale_in=2. / 3, scale_out=1.7159)
    >>> x = T.vector()
    >>> np.round(lecun_tanh(x).eval({x: np.array([0., 1.5])}), 4)
    array([0.    , 1.3068])
    """

    def __init__(self, scale_in=1, scale_out=1):
        self.scale_in = scale_in
        self.scale_out = scale_out

    def __call__(self, x):
        return T.tanh(x * _like(self.scale_in, x)) * _like(self.scale_out, x)


ScaledTanh = ScaledTanH


def rectify(x):
    """Rectifier :math:`\\varphi(x) = \\max(0, x)`.

    Parameters
    ----------
    x : Theano expression
        The activation.

    Returns
    -------
    Theano expression
        The output of the rectifier.
    """
    return T.nnet.relu(x)


class LeakyRectify(object):
    """Leaky rectifier :math:`\\varphi(x) = \\max(\\alpha \\cdot x, x)`.

    Parameters
    ----------
    leakiness : float
        The slope :math:`\\alpha` for negative inputs; 0 gives the plain
        rectifier, 1 the identity.

    See Also
    --------
    leaky_rectify : an instance with ``leakiness=0.01``
    very_leaky_rectify : an instance with ``leakiness=1/3``

    References
    ----------
    .. [1] Maas et al. (2013): Rectifier Nonlinearities Improve Neural
       Network Acoustic Models,
       http://web.stanford.edu/~awni/papers/relu_hybrid_icml2013_final.pdf

    Examples
    --------
    >>> import numpy as np
    >>> import theano.tensor as T
    >>> from lasagne.nonlinearities import LeakyRectify
    >>> x = T.vector()
    >>> LeakyRectify(0.2)(x).eval({x: np.array([-5., 0., 3.])})
    array([-1.,  0.,  3.])
    """

    def __init__(self, leakiness=0.01):
        self.leakiness = leakiness

    def __call__(self, x):
        return T.nnet.relu(x, _like(self.leakiness, x))


leaky_rectify = LeakyRectify()
very_leaky_rectify = LeakyRectify(1. / 3)


def elu(x):
    """Exponential linear unit
    :math:`\\varphi(x) = (x > 0) ? x : e^x - 1`.

    Parameters
    ----------
    x : Theano expression
        The activation.

    Returns
    -------
    Theano expression
        The output of the ELU.

    References
    ----------
    .. [1] Djork-Arne Clevert, Thomas Unterthiner, Sepp Hochreiter (2015):
       Fast and Accurate Deep Network Learning by Exponential Linear Units
       (ELUs), http://arxiv.org/abs/1511.07289
    """
    return T.switch(x > 0, x, T.expm1(x))


class SELU(object):
    """Scaled exponential linear unit
    :math:`\\varphi(x) = \\lambda \\left[(x > 0) ? x : \\alpha(e^x - 1)
    \\right]`.

    Parameters
    ----------
    scale : float32
        The scale :math:`\\lambda` of the whole output.
    scale_neg : float32
        The scale :math:`\\alpha` of the negative part.

    See Also
    --------
    selu : an instance with the self-normalizing constants of [1]_
        (:math:`\\lambda \\approx 1.0507`, :math:`\\alpha \\approx 1.6733`).

    References
    ----------
    .. [1] Gunter Klambauer et al. (2017): Self-Normalizing Neural Networks,
       https://arxiv.org/abs/1706.02515
    """

    def __init__(self, scale=1, scale_neg=1):
        self.scale = scale
        self.scale_neg = scale_neg

    def __call__(self, x):
        return _like(self.scale, x) * T.switch(
            x > 0, x, _like(self.scale_neg, x) * T.expm1(x))


selu = SELU(scale=1.0507009873554804934193349852946,
            scale_neg=1.6732632423543772848170429916717)


def softplus(x):
    """Softplus :math:`\\varphi(x) = \\log(1 + e^x)`.

    Parameters
    ----------
    x : Theano expression
        The activation.

    Returns
    -------
    Theano expression
        The output of the softplus, positive.
    """
    return T.nnet.softplus(x)


def linear(x):
    """Linear activation :math:`\\varphi(x) = x`: no nonlinearity.

    Parameters
    ----------
    x : Theano expression
        The activation.

    Returns
    -------
    Theano expression
        `x` itself.
    """
    return x


identity = linear
