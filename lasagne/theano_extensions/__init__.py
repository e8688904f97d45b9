"""
Extensions to Theano that Lasagne's layers build on: 1-D convolutions
(:mod:`lasagne.theano_extensions.conv`), padding
(:mod:`lasagne.theano_extensions.padding`), faster max pooling
(:mod:`lasagne.theano_extensions.pool`), graph rewrites
(:mod:`lasagne.theano_extensions.opt`) and fused batch normalization
(:mod:`lasagne.theano_extensions.bn`).
"""
