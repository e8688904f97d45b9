"""Checks shared by the layer tests.

They compile in Theano's FAST_COMPILE mode: the tests check the graphs the
layers build, and the Python implementations of Theano's ops give the same
values as the C ones without compiling any C code on a cold cache. Constant
folding is left out, as it would compile C code for the parts of a graph
that only depend on constants (the test inputs).
"""
import numpy as np
import theano

from lasagne.layers import get_output
from lasagne.utils import floatX

MODE = theano.compile.get_mode('FAST_COMPILE').excluding(
    'topo_constant_folding')


def evaluate(layer_or_layers, inputs, mode=MODE, **kwargs):
    """The output value(s) of layers for input values.

    `inputs` maps input layers (or other layers) to numpy arrays; one
    function computes all outputs. Keyword arguments go to get_output."""
    outputs = get_output(layer_or_layers, dict(
        (layer, theano.tensor.constant(value))
        for layer, value in inputs.items()), **kwargs)
    return theano.function([], outputs, mode=mode)()


def verify_layer_grad(layer, inputs, wrt=(), tolerance=None, **kwargs):
    """Compare the symbolic gradients of a layer's output with numerical
    ones (theano.gradient.verify_grad), with respect to all its parameters
    and to the input values of the layers in `wrt`.

    `inputs` maps layers to numpy arrays, as for :func:`evaluate`.
    `tolerance` is the absolute and relative tolerance (None for
    verify_grad's defaults for the dtype)."""
    params = layer.get_params()
    wrt = list(wrt)

    def output(*variables):
        given = dict((lay, theano.tensor.constant(value))
                     for lay, value in inputs.items())
        given.update(zip(wrt, variables[len(params):]))
        out = get_output(layer, given, **kwargs)
        return theano.clone(out, replace=dict(zip(params, variables)))

    point = ([p.get_value() for p in params] +
             [floatX(inputs[lay]) for lay in wrt])
    theano.gradient.verify_grad(output, point, mode=MODE,
                                rng=np.random.RandomState(42),
                                abs_tol=tolerance, rel_tol=tolerance)


def check_array_input(layer, *values, **kwargs):
    """Lasagne 0.2's layers take numpy arrays and Theano constants in
    ``get_output_for`` as well as variables: check that the output of
    `layer` for the input `values` (numpy arrays, one per input) given as
    arrays and as constants equals its output for variables fed with them.
    Keyword arguments go to ``get_output_for``; `mode` is the compile mode
    (:data:`MODE` by default)."""
    mode = kwargs.pop('mode', MODE)
    several = hasattr(layer, 'input_shapes')

    def output(inputs):
        out = layer.get_output_for(inputs if several else inputs[0],
                                   **kwargs)
        return theano.tensor.as_tensor_variable(out)

    variables = [theano.tensor.TensorType(v.dtype, (False,) * v.ndim)()
                 for v in values]
    expected = theano.function(variables, output(variables),
                               mode=mode)(*values)
    for given in (list(values), [theano.tensor.constant(v) for v in values]):
        out = output(given)
        assert out.dtype == expected.dtype
        np.testing.assert_allclose(theano.function([], out, mode=mode)(),
                                   expected, rtol=1e-6)
