"""
Extensions to Theano that Lasagne's layers build on: 1-D convolutions
(:mod:`lasagne.theano_extensions.conv`), padding
(:mod:`lasagne.theano_extensions.padding`), a faster gradient of max pooling
(:mod:`lasagne.theano_extensions.pool`) and graph rewrites
(:mod:`lasagne.theano_extensions.opt`).
"""
