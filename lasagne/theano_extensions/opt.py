"""
Graph rewrites that Lasagne registers with Theano's optimizer.

Theano turns ``x ** 2`` into the cheaper ``sqr(x)`` with
``local_pow_specialize`` (in its ``specialize`` phase) and
``local_pow_specialize_device`` (in ``specialize_device``). Both read the
exponent with ``get_constant``, which only sees a ``Constant``: one of 0
dimensions, or one whose entries are all equal (its ``tag.unique_value``).
Elemwise broadcasting wraps the 0-d constant 2 of an expression such as
``(x - mean) ** 2`` in a ``DimShuffle`` to the input's rank, a variable
that Theano's constant folding (in the ``canonicalize``, ``stabilize``,
``specialize`` and ``uncanonicalize`` phases, not in
``specialize_device``) turns into such a ``Constant``. The CPU expansion
of the abstract batch normalization ops happens in ``specialize_device``,
after those phases: the ``pow`` of its ``T.var`` keeps the ``DimShuffle``
of the constant as its exponent, which neither rule recognizes, and stays
a generic elementwise ``pow``, several times slower than ``sqr``.
:func:`local_pow_to_sqr`, registered in ``specialize_device`` too, looks
through the ``DimShuffle``.

:func:`skip_truncated_scans` keeps one of Theano's scan rewrites away from
the scans it breaks: loops with truncated gradients and several sequences,
such as a recurrent layer with a mask and ``gradient_steps``.
"""
import functools

import numpy as np
import theano
import theano.tensor as T
from theano import gof
from theano.gof.opt import copy_stack_trace
from theano.scan_module import scan_opt
from theano.tensor.elemwise import DimShuffle

from . import bn as fused_bn
from . import pool

__all__ = ['local_pow_to_sqr', 'skip_truncated_scans', 'register']


def _constant_value(var):
    """The data of `var` if it is a constant, possibly dimshuffled, else
    None."""
    while var.owner is not None and isinstance(var.owner.op, DimShuffle):
        var = var.owner.inputs[0]
    if isinstance(var, gof.Constant):
        return np.asarray(var.data)
    return None


@gof.local_optimizer([T.pow])
def local_pow_to_sqr(node):
    """Replace an elementwise ``pow(x, 2)`` whose exponent is a constant
    broadcast along every axis by ``sqr(x)``.

    The replacement has exactly the type of the original: the output shape
    is ``x``'s own (the exponent is broadcastable in every dimension), and
    it is only done for floating-point outputs, with ``x`` cast to the
    output dtype first (so an integer ``x`` is not squared in its own,
    overflowing dtype). Its values are the correctly rounded squares, as
    NumPy's ``x ** 2`` and Theano's own rule for a 0-d exponent give them;
    the C library's ``pow`` may differ from them in the last place (with
    glibc 2.36, for about one random input in a thousand).
    """
    if node.op != T.pow:
        return False
    x, exponent = node.inputs
    out = node.outputs[0]
    if out.dtype not in T.float_dtypes or not all(exponent.broadcastable):
        return False
    value = _constant_value(exponent)
    if value is None or not np.all(value == 2):
        return False
    result = T.sqr(T.cast(x, out.dtype))
    copy_stack_trace(out, result)
    return [result]


def skip_truncated_scans(process_node):
    """Wrap ``PushOutScanOutput.process_node``, a scan rewrite of Theano's,
    so that it leaves scans with truncated gradients alone.

    The rewrite moves computations at the end of a scan's inner graph out of
    the loop. In Theano 1.0.5 it builds wrongly shaped products for the
    gradient scan of a loop with ``truncate_gradient`` and two or more
    sequences (e.g. a recurrent layer with a mask and ``gradient_steps``):
    the compiled gradient fails with a shape mismatch. Such scans keep
    their computations inside the loop, as without the rewrite.
    """
    if getattr(process_node, 'skips_truncated_scans', False):
        return process_node

    @functools.wraps(process_node)
    def guarded(self, fgraph, node):
        if getattr(node.op, 'truncate_gradient', -1) != -1:
            return None
        return process_node(self, fgraph, node)
    guarded.skips_truncated_scans = True
    return guarded


#: The tag of the max pooling rewrites of :mod:`lasagne.theano_extensions.pool`
#: in Theano's optimizer: ``mode.excluding(POOL_TAG)`` keeps Theano's own
#: ``Pool`` and ``MaxPoolGrad``.
POOL_TAG = 'lasagne_fused_pool'


def register():
    """Register the rewrites of this module with Theano's optimizer:
    :func:`local_pow_to_sqr`, and
    :func:`~lasagne.theano_extensions.pool.local_max_pool_2d` and
    :func:`~lasagne.theano_extensions.pool.local_max_pool_2d_grad` (tagged
    :data:`POOL_TAG`), after Theano's device-specific lowering
    (``specialize_device``, after the move of ops to a GPU), for the
    ``fast_run`` and ``fast_compile`` modes, and
    :func:`skip_truncated_scans` around Theano's ``PushOutScanOutput``;
    and the fused batch normalization lowerings
    (:func:`lasagne.theano_extensions.bn.register`). Does nothing where
    this was done already."""
    db = theano.compile.optdb['specialize_device']
    for rewrite, tags in ((local_pow_to_sqr, ()),
                          (pool.local_max_pool_2d, (POOL_TAG,)),
                          (pool.local_max_pool_2d_grad, (POOL_TAG,))):
        if rewrite.__name__ not in db.__db__:
            db.register(rewrite.__name__, rewrite, 'fast_run',
                        'fast_compile', *tags)
    fused_bn.register()
    pushout = getattr(scan_opt, 'PushOutScanOutput', None)
    if pushout is not None:
        pushout.process_node = skip_truncated_scans(pushout.process_node)
