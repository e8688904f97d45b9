"""
Fused CPU lowerings of Theano's batch normalization ops.

:class:`~lasagne.layers.BatchNormLayer` builds its graphs from Theano's
abstract ops ``AbstractBatchNormTrain``, ``AbstractBatchNormTrainGrad`` and
``AbstractBatchNormInference`` (``theano.tensor.nnet.bn``). On the CPU,
Theano expands them into reductions and elementwise chains that pass over
the data several times per op. The rewrites of this module, tried before
Theano's own in the same group of rewrites, replace them by C ops that do
the same work in fewer passes:

* :class:`FusedBatchNormTrain`: one pass for the mean and variance of every
  channel, one pass for the normalized output;
* :class:`FusedBatchNormTrainGrad`: one pass for the per-channel sums, one
  for the input's gradient;
* :class:`FusedBatchNormInference`: one pass.

They apply to float32 and float64 graphs normalized over all axes but the
second (the layer's default) or over the first axis only. Elsewhere they
decline, and Theano's expansion applies: for other axes or dtypes (float16
input of the layer is normalized in float32, and so is covered), where
``AbstractBatchNormTrain`` is given running averages to update (the layer
never does), and for inputs that are not CPU tensors.

Sums are accumulated in double precision, over the deviations from one
value of each channel, so that inputs with a large mean and a small spread
keep their accuracy; the normalized output subtracts the mean in two parts
for the same reason. Inputs of any strides are accepted; those that are
not C-contiguous are copied first. Every op has a NumPy implementation
(``perform``) as well, which the ``FAST_COMPILE`` mode runs, and DebugMode
compares with the C code. The results differ from those of Theano's
expansion by rounding errors only, mostly smaller ones.

The rewrites are registered by :func:`register` (called when Lasagne is
imported, unless ``LASAGNE_NO_THEANO_SETUP`` is set) under the tag
``lasagne_fused_bn``. Theano's expansion comes back for one function with
``theano.function(..., mode=theano.compile.get_default_mode().excluding(
'lasagne_fused_bn'))``, and for all with the Theano flag
``optimizer_excluding=lasagne_fused_bn``.
"""
import os

import numpy as np
import theano
import theano.tensor as T
from theano import gof
from theano.gof.opt import copy_stack_trace
from theano.tensor.nnet import bn

from ._ccode import code_version

__all__ = ['FusedBatchNormTrain', 'FusedBatchNormTrainGrad',
           'FusedBatchNormInference', 'fusable_axes', 'local_fused_bn_train',
           'local_fused_bn_train_grad', 'local_fused_bn_inference', 'TAG',
           'register']

TAG = 'lasagne_fused_bn'
"""The tag of the rewrites in Theano's optimizer."""

DTYPES = ('float32', 'float64')


def _c_source():
    """The C code of the ops: the shared part once, the kernels once per
    dtype."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bn.c')
    with open(path) as f:
        shared, kernels = f.read().split('/* ---- per dtype ---- */')
    return [shared] + [kernels.replace('T_REAL', 'npy_' + dtype)
                       for dtype in DTYPES]


_C_SOURCE = _c_source()
_C_VERSION = (2, code_version(_C_SOURCE))


def fusable_axes(axes, ndim):
    """Whether the fused ops cover normalizing an input of `ndim`
    dimensions over `axes` (a sorted tuple): over all axes but the second,
    or over the first only."""
    axes = tuple(axes)
    return axes in ((0,), (0,) + tuple(range(2, ndim)))


class _FusedOp(gof.Op):
    """What the three ops share: the axes, their C code, and checks of the
    parameter shapes for ``perform`` that the C code also makes."""
    __props__ = ('axes',)

    def __init__(self, axes):
        self.axes = tuple(int(axis) for axis in axes)

    def _make(self, tensors, scalar, outputs):
        """An Apply node for float32 or float64 `tensors` of one type and
        the 0-d `scalar`; `outputs` maps the tensors to the output types."""
        tensors = [T.as_tensor_variable(t) for t in tensors]
        scalar = T.as_tensor_variable(scalar)
        dtypes = set(t.dtype for t in tensors)
        ndims = set(t.ndim for t in tensors)
        if (len(dtypes) != 1 or dtypes.pop() not in DTYPES or len(ndims) != 1
                or not fusable_axes(self.axes, tensors[0].ndim)):
            raise TypeError("%s takes float32 or float64 tensors of one "
                            "dtype and ndim, normalized over all axes but the "
                            "second or over the first, got %s with axes %s"
                            % (type(self).__name__,
                               [t.type for t in tensors], self.axes))
        if scalar.ndim != 0 or scalar.dtype not in DTYPES:
            raise TypeError("%s: epsilon must be a float32 or float64 "
                            "scalar, got %s" % (type(self).__name__,
                                                scalar.type))
        return gof.Apply(self, tensors + [scalar],
                         [t.type() for t in outputs(tensors)])

    def _stat_shape(self, x):
        return tuple(1 if axis in self.axes else size
                     for axis, size in enumerate(x.shape))

    def _params(self, x, params, names):
        """The parameters as arrays of the statistics' shape (broadcasting
        those of size 1), or a ValueError as the C code gives it."""
        shape = self._stat_shape(x)
        for param, name in zip(params, names):
            if param.shape != shape and param.size != 1:
                raise ValueError("batch normalization: %s must have a size "
                                 "of 1 along the axes normalized over and "
                                 "the input's size along the others" % name)
        return [np.broadcast_to(p, shape) for p in params]

    def c_support_code(self):
        return _C_SOURCE

    def c_compile_args(self):
        # vectorizes the reductions marked with `#pragma omp simd`, without
        # OpenMP's threads
        return ['-fopenmp-simd']

    def c_code_cache_version(self):
        return _C_VERSION

    def _c_call(self, function, node, arguments, sub):
        """A call of the C function `function` (without its dtype suffix),
        failing the thunk where it fails."""
        return """
        if (lasagne_bn_%s_npy_%s(%s)) {
            %s
        }
        """ % (function, node.inputs[0].dtype, ', '.join(arguments),
               sub['fail'])

    @staticmethod
    def _scalar(name):
        return '(double)((dtype_%s*)PyArray_DATA(%s))[0]' % (name, name)

    @property
    def _spatial(self):
        return str(int(self.axes != (0,)))


class FusedBatchNormTrain(_FusedOp):
    """``FusedBatchNormTrain(axes)(x, scale, bias, epsilon)``: the outputs
    ``out, mean, invstd`` of ``AbstractBatchNormTrain(axes)`` without
    running averages."""

    def make_node(self, x, scale, bias, epsilon):
        return self._make([x, scale, bias], epsilon,
                          lambda t: [t[0], t[1], t[1]])

    def infer_shape(self, node, shapes):
        return [shapes[0], shapes[1], shapes[1]]

    def perform(self, node, inputs, output_storage):
        x, scale, bias, epsilon = inputs
        scale, bias = self._params(x, [scale, bias], ['the scale',
                                                      'the bias'])
        # as the C code: deviations from the first value of each channel
        shape = self._stat_shape(x)
        first = (x[tuple(slice(0, 1) if axis in self.axes else slice(None)
                         for axis in range(x.ndim))].astype(np.float64)
                 if x.size else np.zeros(shape))
        shifted = x - first
        m = x.size // max(np.prod(shape), 1)
        delta = shifted.sum(self.axes, keepdims=True) / m
        centered = shifted - delta
        var = np.square(centered).sum(self.axes, keepdims=True) / m
        invstd = (1 / np.sqrt(var + float(epsilon))).astype(x.dtype)
        out = centered * (scale * invstd) + bias
        mean = first + delta
        for storage, value in zip(output_storage, (out, mean, invstd)):
            storage[0] = value.astype(x.dtype)

    def c_code(self, node, name, inputs, outputs, sub):
        x, scale, bias, epsilon = inputs
        return self._c_call('train', node, [
            x, scale, bias, self._scalar(epsilon), self._spatial] +
            ['&' + out for out in outputs], sub)

    def L_op(self, inputs, outputs, grads):
        # as AbstractBatchNormTrain: only the output's gradient counts
        x, scale, bias, epsilon = inputs
        grad = bn.AbstractBatchNormTrainGrad(self.axes)(
            x, grads[0], scale, outputs[1], outputs[2], epsilon)
        return grad + [theano.gradient.DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True] * 3 for _ in range(3)] + [[False] * 3]


class FusedBatchNormTrainGrad(_FusedOp):
    """``FusedBatchNormTrainGrad(axes)(x, dy, scale, x_mean, x_invstd,
    epsilon)``: the outputs ``dx, dscale, dbias`` of
    ``AbstractBatchNormTrainGrad(axes)``."""

    def make_node(self, x, dy, scale, x_mean, x_invstd, epsilon):
        return self._make([x, dy, scale, x_mean, x_invstd], epsilon,
                          lambda t: [t[0], t[2], t[2]])

    def infer_shape(self, node, shapes):
        return [shapes[0], shapes[2], shapes[2]]

    def perform(self, node, inputs, output_storage):
        x, dy, scale, x_mean, x_invstd, _ = inputs
        if dy.shape != x.shape:
            raise ValueError("batch normalization: the output gradient must "
                             "have the shape of the input")
        scale, x_mean, x_invstd = (p.astype(np.float64) for p in self._params(
            x, [scale, x_mean, x_invstd], ['the scale', 'the mean',
                                           'the inverse standard deviation']))
        m = x.size // max(np.prod(self._stat_shape(x)), 1)
        centered = x - x_mean
        sum_dy = dy.sum(self.axes, dtype=np.float64, keepdims=True)
        sum_dy_centered = (dy * centered).sum(self.axes, keepdims=True)
        k = sum_dy_centered / m * x_invstd ** 3
        offset = (x_invstd * sum_dy / m -
                  centered.sum(self.axes, keepdims=True) / m * k)
        dx = scale * (dy * x_invstd - centered * k - offset)
        for storage, value in zip(output_storage, (
                dx, x_invstd * sum_dy_centered, sum_dy)):
            storage[0] = value.astype(x.dtype)

    def c_code(self, node, name, inputs, outputs, sub):
        return self._c_call('train_grad', node, list(inputs[:5]) + [
            self._spatial] + ['&' + out for out in outputs], sub)

    def grad(self, inputs, grads):
        return bn.AbstractBatchNormTrainGrad(self.axes).grad(inputs, grads)

    def connection_pattern(self, node):
        return bn.AbstractBatchNormTrainGrad(self.axes).connection_pattern(
            node)


class FusedBatchNormInference(_FusedOp):
    """``FusedBatchNormInference(axes)(x, scale, bias, estimated_mean,
    estimated_variance, epsilon)``: the output of
    ``AbstractBatchNormInference(axes)``."""

    def make_node(self, x, scale, bias, estimated_mean, estimated_variance,
                  epsilon):
        return self._make([x, scale, bias, estimated_mean,
                           estimated_variance], epsilon, lambda t: [t[0]])

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def perform(self, node, inputs, output_storage):
        x, scale, bias, mean, var, epsilon = inputs
        scale, bias, mean, var = self._params(
            x, [scale, bias, mean, var],
            ['the scale', 'the bias', 'the mean', 'the variance'])
        factor = scale / np.sqrt(var + x.dtype.type(epsilon))
        output_storage[0][0] = ((x - mean) * factor + bias).astype(x.dtype)

    def c_code(self, node, name, inputs, outputs, sub):
        return self._c_call('inference', node, list(inputs[:5]) + [
            self._scalar(inputs[5]), self._spatial, '&' + outputs[0]], sub)

    def grad(self, inputs, grads):
        return bn.AbstractBatchNormInference(self.axes).grad(inputs, grads)

    def connection_pattern(self, node):
        return [[True] for _ in range(5)] + [[False]]


def _lower(node, op_class, inputs):
    """The outputs of `op_class` replacing `node`, if it covers the node's
    axes, dtypes and types, else None."""
    x = inputs[0]
    if not all(isinstance(v.type, T.TensorType) for v in node.inputs):
        return None
    if (x.dtype not in DTYPES or inputs[-1].ndim != 0 or
            inputs[-1].dtype not in DTYPES or
            not fusable_axes(node.op.axes, x.ndim)):
        return None
    outputs = op_class(node.op.axes)(*inputs, return_list=True)
    copy_stack_trace(node.outputs, outputs)
    return outputs


@gof.local_optimizer([bn.AbstractBatchNormTrain])
def local_fused_bn_train(node):
    """Lower ``AbstractBatchNormTrain`` to :class:`FusedBatchNormTrain`."""
    if not isinstance(node.op, bn.AbstractBatchNormTrain) or \
            len(node.inputs) != 5:  # running averages: Theano's expansion
        return None
    x, scale, bias, epsilon, _ = node.inputs
    return _lower(node, FusedBatchNormTrain, [x, scale, bias, epsilon])


@gof.local_optimizer([bn.AbstractBatchNormTrainGrad])
def local_fused_bn_train_grad(node):
    """Lower ``AbstractBatchNormTrainGrad`` to
    :class:`FusedBatchNormTrainGrad`."""
    if not isinstance(node.op, bn.AbstractBatchNormTrainGrad):
        return None
    return _lower(node, FusedBatchNormTrainGrad, node.inputs)


@gof.local_optimizer([bn.AbstractBatchNormInference])
def local_fused_bn_inference(node):
    """Lower ``AbstractBatchNormInference`` to
    :class:`FusedBatchNormInference`."""
    if not isinstance(node.op, bn.AbstractBatchNormInference):
        return None
    return _lower(node, FusedBatchNormInference, node.inputs)


def register():
    """Register the three rewrites in Theano's group of batch normalization
    lowerings (``theano.tensor.nnet.bn.bn_groupopt``, applied in
    ``specialize_device``) before Theano's own, for the ``fast_run`` and
    ``fast_compile`` modes, tagged :data:`TAG`. Does nothing where this was
    done already."""
    for rewrite in (local_fused_bn_train, local_fused_bn_train_grad,
                    local_fused_bn_inference):
        if rewrite.__name__ not in bn.bn_groupopt.__db__:
            bn.bn_groupopt.register(rewrite.__name__, rewrite, 'fast_run',
                                    'fast_compile', TAG, position=-1)
