"""
Layers that add noise during training, for regularization: dropout and
Gaussian noise. Passing ``deterministic=True`` to
:func:`lasagne.layers.get_output` switches the noise off.
"""
import numbers

import theano
import theano.tensor as T
from theano.sandbox.rng_mrg import MRG_RandomStreams as RandomStreams

from .._checks import _check_axes, _check_real
from ..random import get_rng
from .base import Layer


__all__ = [
    "DropoutLayer",
    "dropout",
    "dropout_channels",
    "spatial_dropout",
    "dropout_locations",
    "GaussianNoiseLayer",
]


def _random_streams():
    """Theano random streams seeded from :func:`lasagne.random.get_rng`, so
    that seeding Lasagne's generator makes the noise reproducible."""
    return RandomStreams(get_rng().randint(1, 2147462579))


def _noise_dtype(input):
    """The dtype of noise for `input`: its own if it is a float type, so
    that float32 inputs stay float32 whatever floatX is; floatX else."""
    return (input.dtype if input.dtype in T.float_dtypes
            else theano.config.floatX)


def _shared_noise(layer, input, shared_axes, sample):
    """Noise for the `input` of `layer`, drawn by ``sample(shape)``, with
    size one (broadcast) along `shared_axes` so that the same noise acts
    all along them."""
    # A shape known at construction gives Theano a constant noise shape.
    shape = layer.input_shape
    if None in shape:
        shape = input.shape
    # negative axes count from the end, as the layers keep them as given
    shared_axes = [axis % input.ndim for axis in shared_axes]
    noise = sample(tuple(1 if axis in shared_axes else size
                         for axis, size in enumerate(shape)))
    if shared_axes:
        noise = T.addbroadcast(noise, *shared_axes)
    return noise


class DropoutLayer(Layer):
    """Dropout [1]_: a layer that sets each input element to zero with
    probability `p` during training.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    p : float or Theano scalar
        The probability of dropping an element, in ``[0, 1)``; 1 (dropping
        everything) only with ``rescale=False``.
    rescale : bool
        If True (the default), the kept elements are divided by ``1 - p``
        so that the expected output equals the input, and the layer can be
        left out (``deterministic=True``) at test time.
    shared_axes : int or tuple of int
        Axes along which the same elements are dropped: the mask has size 1
        there and is broadcast. E.g. ``(2, 3)`` for 2-D feature maps of
        shape ``(batch, channels, rows, columns)`` drops whole channels.
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Notes
    -----
    During training the output is ``input * mask / (1 - p)`` (without the
    division if `rescale` is False), with a fresh mask of independent
    Bernoulli variables, each 1 with probability ``1 - p``, for every
    evaluation. With ``deterministic=True`` (passed to
    :func:`lasagne.layers.get_output`) the layer passes its input through
    unchanged. The noise is drawn from streams seeded by
    :func:`lasagne.random.get_rng` when the layer is created. The output
    keeps the dtype of a float input, whatever the type of `p`.

    See Also
    --------
    dropout_channels, spatial_dropout, dropout_locations : shortcuts for
        common `shared_axes`

    References
    ----------
    .. [1] Srivastava, N., Hinton, G., Krizhevsky, A., Sutskever, I., and
       Salakhutdinov, R. (2014): Dropout: A Simple Way to Prevent Neural
       Networks from Overfitting. Journal of Machine Learning Research,
       15, 1929-1958.

    Examples
    --------
    >>> import numpy as np
    >>> from lasagne.layers import InputLayer, DropoutLayer, get_output
    >>> l_in = InputLayer((None, 4))
    >>> l_drop = DropoutLayer(l_in, p=0.25)
    >>> x = np.ones((2, 4))
    >>> get_output(l_drop, x, deterministic=True).eval()
    array([[1., 1., 1., 1.],
           [1., 1., 1., 1.]])
    """

    def __init__(self, incoming, p=0.5, rescale=True, shared_axes=(),
                 **kwargs):
        super(DropoutLayer, self).__init__(incoming, **kwargs)
        # rescaling divides by 1 - p
        _check_real(self, p, 'p', 0, 1, high_open=rescale)
        self._srng = _random_streams()
        self.p = p
        self.rescale = rescale
        self.shared_axes = _check_axes(self, shared_axes,
                                       len(self.input_shape), 'shared_axes',
                                       canonical=False)

    def get_output_for(self, input, deterministic=False, **kwargs):
        if deterministic or (isinstance(self.p, numbers.Number) and
                             self.p == 0):
            return input
        input = T.as_tensor_variable(input)
        # in the input's float dtype, so that the output keeps it whatever
        # the type of p (a float32 input stays float32 under floatX=float64)
        retain_prob = T.cast(1 - self.p, _noise_dtype(input))
        if self.rescale:
            input = input / retain_prob
        mask = _shared_noise(
            self, input, self.shared_axes,
            lambda shape: self._srng.binomial(shape, p=retain_prob,
                                              dtype=input.dtype))
        return input * mask


dropout = DropoutLayer  # shortcut


def dropout_channels(incoming, *args, **kwargs):
    """A :class:`DropoutLayer` that drops whole channels: the mask is
    shared over all axes after the second, e.g. over the rows and columns of
    2-D feature maps ``(batch, channels, rows, columns)``.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into the dropout layer, or its output shape.
    *args, **kwargs
        Passed to :class:`DropoutLayer` (except `shared_axes`, which this
        function sets).

    Returns
    -------
    DropoutLayer
        The new layer, with `shared_axes` set to all axes after the second.

    See Also
    --------
    spatial_dropout : the same function under the name used in [1]_

    References
    ----------
    .. [1] Tompson, J., Goroshin, R., Jain, A., LeCun, Y., and Bregler, C.
       (2015): Efficient Object Localization Using Convolutional Networks.
       CVPR 2015. https://arxiv.org/abs/1411.4280

    Examples
    --------
    >>> from lasagne.layers import InputLayer, dropout_channels
    >>> dropout_channels(InputLayer((None, 16, 8, 8))).shared_axes
    (2, 3)
    """
    ndim = len(getattr(incoming, 'output_shape', incoming))
    kwargs['shared_axes'] = tuple(range(2, ndim))
    return DropoutLayer(incoming, *args, **kwargs)


def spatial_dropout(incoming, *args, **kwargs):
    """Spatial dropout [1]_: the same as :func:`dropout_channels`, which
    drops whole feature maps.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into the dropout layer, or its output shape.
    *args, **kwargs
        Passed to :class:`DropoutLayer` (except `shared_axes`).

    Returns
    -------
    DropoutLayer
        The new layer, with `shared_axes` set to all axes after the second.

    References
    ----------
    .. [1] Tompson, J., Goroshin, R., Jain, A., LeCun, Y., and Bregler, C.
       (2015): Efficient Object Localization Using Convolutional Networks.
       CVPR 2015. https://arxiv.org/abs/1411.4280

    Examples
    --------
    >>> from lasagne.layers import InputLayer, spatial_dropout
    >>> l_drop = spatial_dropout(InputLayer((None, 16, 8, 8)), p=0.2)
    >>> l_drop.shared_axes, l_drop.p
    ((2, 3), 0.2)
    """
    return dropout_channels(incoming, *args, **kwargs)


def dropout_locations(incoming, *args, **kwargs):
    """A :class:`DropoutLayer` that drops whole locations: the mask is
    shared over the channel axis (the second), so all channels of a
    position are dropped together.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into the dropout layer, or its output shape.
    *args, **kwargs
        Passed to :class:`DropoutLayer` (except `shared_axes`, which this
        function sets).

    Returns
    -------
    DropoutLayer
        The new layer, with `shared_axes` set to ``(1,)``.

    Examples
    --------
    >>> from lasagne.layers import InputLayer, dropout_locations
    >>> dropout_locations(InputLayer((None, 16, 8, 8))).shared_axes
    (1,)
    """
    kwargs['shared_axes'] = (1,)
    return DropoutLayer(incoming, *args, **kwargs)


class GaussianNoiseLayer(Layer):
    """A layer that adds Gaussian noise of mean zero during training.

    Parameters
    ----------
    incoming : a :class:`Layer` instance or a tuple
        The layer feeding into this layer, or the expected input shape.
    sigma : float or Theano scalar
        The standard deviation of the noise (at least 0).
    **kwargs
        Any other keyword arguments, such as `name`, go to :class:`Layer`.

    Notes
    -----
    During training the output is ``input + noise``, with independent
    normal noise of standard deviation `sigma` drawn anew for every
    evaluation, of the input's dtype if that is a float type (floatX
    otherwise). With ``deterministic=True`` (passed to
    :func:`lasagne.layers.get_output`) the input passes unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from lasagne.layers import InputLayer, GaussianNoiseLayer, get_output
    >>> l_noise = GaussianNoiseLayer(InputLayer((None, 3)), sigma=0.5)
    >>> get_output(l_noise, np.zeros((1, 3)), deterministic=True).eval()
    array([[0., 0., 0.]])
    """

    def __init__(self, incoming, sigma=0.1, **kwargs):
        super(GaussianNoiseLayer, self).__init__(incoming, **kwargs)
        _check_real(self, sigma, 'sigma', 0, finite=True)
        self._srng = _random_streams()
        self.sigma = sigma

    def get_output_for(self, input, deterministic=False, **kwargs):
        if deterministic or (isinstance(self.sigma, numbers.Number) and
                             self.sigma == 0):
            return input
        input = T.as_tensor_variable(input)
        return input + self._srng.normal(input.shape, avg=0.0,
                                         std=self.sigma,
                                         dtype=_noise_dtype(input))
