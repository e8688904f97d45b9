"""
Layers built on cuda-convnet, as wrapped by pylearn2 for Theano's old CUDA
backend (``Conv2DCCLayer``, ``MaxPool2DCCLayer``, ``NINLayer_c01b``, ...).

That backend (``theano.sandbox.cuda``) was removed in Theano 1.0, so these
layers cannot work with any Theano this version of Lasagne supports: importing
this module always raises an :class:`ImportError`. Code that tries it first
and falls back on :class:`ImportError` keeps working. Use
:class:`lasagne.layers.Conv2DLayer` and :class:`lasagne.layers.MaxPool2DLayer`
(or the cuDNN layers of :mod:`lasagne.layers.dnn`) instead; note that they
expect the ``bc01`` memory layout ``(batch, channels, rows, columns)``,
where cuda-convnet used ``c01b``.
"""

raise ImportError(
    "lasagne.layers.cuda_convnet needs Theano's old CUDA backend "
    "(theano.sandbox.cuda) and pylearn2's cuda-convnet wrappers, which "
    "Theano 1.0 removed; use lasagne.layers.Conv2DLayer and MaxPool2DLayer, "
    "or lasagne.layers.dnn, instead")
