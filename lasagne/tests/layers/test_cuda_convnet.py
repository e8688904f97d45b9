import importlib
import sys

import pytest


def test_refuses_to_import():
    sys.modules.pop('lasagne.layers.cuda_convnet', None)
    with pytest.raises(ImportError, match=r"lasagne.layers.cuda_convnet "
                       r"needs Theano's old CUDA backend "
                       r"\(theano.sandbox.cuda\) and pylearn2's cuda-convnet "
                       r"wrappers, which Theano 1.0 removed; use "
                       r"lasagne.layers.Conv2DLayer"):
        importlib.import_module('lasagne.layers.cuda_convnet')


def test_fallback_idiom_still_works():
    try:
        from lasagne.layers.cuda_convnet import Conv2DCCLayer as ConvLayer
    except ImportError:
        from lasagne.layers import Conv2DLayer as ConvLayer
    assert ConvLayer.__name__ == 'Conv2DLayer'
