"""Slow and obvious NumPy references for the convolution and pooling tests.

Every function loops over output positions and computes each output element
from its definition; nothing here shares code with the layers under test.
"""
import itertools

import numpy as np


def flip(W, n):
    """`W` flipped along its last `n` axes."""
    return W[(Ellipsis,) + (slice(None, None, -1),) * n]


def correlate(x, W, stride=None, pad=None, dilation=None, groups=1):
    """Cross-correlation of `x` (batch, channels, *spatial) with `W`
    (filters, channels // groups, *filter_size).

    `pad` gives a (before, after) pair of zero padding per spatial axis;
    filter element k meets input position ``o * stride + k * dilation`` of
    the padded input for output position o."""
    n = x.ndim - 2
    stride = stride or (1,) * n
    pad = pad or [(0, 0)] * n
    dilation = dilation or (1,) * n
    x = np.pad(x, [(0, 0), (0, 0)] + list(pad), mode='constant')
    spans = [(k - 1) * d + 1 for k, d in zip(W.shape[2:], dilation)]
    out_size = [(length - span) // s + 1
                for length, span, s in zip(x.shape[2:], spans, stride)]
    channels = W.shape[1]
    per_group = W.shape[0] // groups
    out = np.zeros((x.shape[0], W.shape[0]) + tuple(out_size))
    for pos in itertools.product(*[range(size) for size in out_size]):
        window = x[(slice(None), slice(None)) +
                   tuple(slice(p * s, p * s + span, d) for p, s, span, d
                         in zip(pos, stride, spans, dilation))]
        for f in range(W.shape[0]):
            g = f // per_group
            part = window[:, g * channels:(g + 1) * channels]
            out[(slice(None), f) + pos] = (part * W[f]).reshape(
                x.shape[0], -1).sum(axis=1)
    return out


def transposed_conv(x, W, stride, crop, output_size=None, groups=1):
    """The transpose of the cross-correlation with `W` (in_channels,
    out_channels // groups, *filter_size), computed by scattering: input
    element ``(c, p)`` adds ``x[c, p] * W[c, o, k]`` to output position
    ``p * stride + k - crop`` of output channel o (of c's group)."""
    filter_size = W.shape[2:]
    full = [(length - 1) * s + k
            for length, s, k in zip(x.shape[2:], stride, filter_size)]
    if output_size is None:
        output_size = [f - 2 * c for f, c in zip(full, crop)]
    size = [max(f, c + o) for f, c, o in zip(full, crop, output_size)]
    per_group = W.shape[1]
    in_per_group = x.shape[1] // groups
    out = np.zeros((x.shape[0], per_group * groups) + tuple(size))
    for c in range(x.shape[1]):
        g = c // in_per_group
        for p in itertools.product(*[range(length)
                                     for length in x.shape[2:]]):
            for k in itertools.product(*[range(s) for s in filter_size]):
                target = tuple(pi * s + ki for pi, s, ki in zip(p, stride, k))
                for o in range(per_group):
                    out[(slice(None), g * per_group + o) + target] += \
                        x[(slice(None), c) + p] * W[(c, o) + k]
    return out[(slice(None), slice(None)) +
               tuple(slice(c, c + o) for c, o in zip(crop, output_size))]


def locally_connected(x, W, stride, pad, groups=1):
    """Unshared cross-correlation with `W` (filters, channels // groups,
    *filter_size, *output_size): output position o has filters of its
    own, W[..., o]."""
    n = x.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0)] + list(pad), mode='constant')
    filter_size = W.shape[2:2 + n]
    out_size = W.shape[2 + n:]
    channels = W.shape[1]
    per_group = W.shape[0] // groups
    out = np.zeros((x.shape[0], W.shape[0]) + out_size)
    for pos in itertools.product(*[range(size) for size in out_size]):
        window = x[(slice(None), slice(None)) +
                   tuple(slice(p * s, p * s + k) for p, s, k
                         in zip(pos, stride, filter_size))]
        for f in range(W.shape[0]):
            g = f // per_group
            part = window[:, g * channels:(g + 1) * channels]
            weights = W[(f, Ellipsis) + pos]
            out[(slice(None), f) + pos] = (part * weights).reshape(
                x.shape[0], -1).sum(axis=1)
    return out


def pool_windows(length, size, stride, pad, ignore_border):
    """(start, stop) of each pooling window along an axis of the input
    padded by `pad` at both ends (length + 2 * pad)."""
    padded = length + 2 * pad
    windows = []
    start = 0
    while start < padded:
        stop = start + size
        if stop > padded and (ignore_border or windows and
                              windows[-1][1] >= padded):
            break
        windows.append((start, min(stop, padded)))
        start += stride
    return windows


def pool(x, size, stride, pad, ignore_border, mode):
    """Pooling of the trailing len(size) axes of `x`, as Theano defines
    it: windows start every `stride` positions of the padded input; without
    `ignore_border`, a partial window at the end counts until one reaches
    the end. Padded positions count only for 'average_inc_pad'."""
    n = len(size)
    lead = x.ndim - n
    windows = [pool_windows(length, s, st, p, ignore_border)
               for length, s, st, p in zip(x.shape[lead:], size, stride, pad)]
    padded = np.pad(x, [(0, 0)] * lead + [(p, p) for p in pad],
                    mode='constant')
    out = np.zeros(x.shape[:lead] + tuple(len(w) for w in windows))
    for index in itertools.product(*[range(len(w)) for w in windows]):
        bounds = [w[i] for w, i in zip(windows, index)]
        if mode != 'average_inc_pad':
            # only the positions of the input itself
            bounds = [(max(start, p), min(stop, p + length))
                      for (start, stop), p, length
                      in zip(bounds, pad, x.shape[lead:])]
        region = padded[(Ellipsis,) + tuple(slice(a, b) for a, b in bounds)]
        region = region.reshape(x.shape[:lead] + (-1,))
        if mode == 'max':
            value = region.max(axis=-1)
        elif mode == 'sum':
            value = region.sum(axis=-1)
        else:
            value = region.mean(axis=-1)
        out[(Ellipsis,) + index] = value
    return out


def spatial_pyramid(x, pool_dims, mode, bins):
    """Spatial pyramid pooling of a 4-D `x`: for each d in `pool_dims`,
    `bins(length, d)` gives the (start, stop) of the d bins along an axis;
    each bin of each channel is reduced and the levels are concatenated."""
    reduce = {'max': np.max, 'sum': np.sum}.get(mode, np.mean)
    levels = []
    for d in pool_dims:
        rows, cols = bins(x.shape[2], d), bins(x.shape[3], d)
        level = np.zeros(x.shape[:2] + (d * d,))
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                level[:, :, i * d + j] = reduce(x[:, :, r0:r1, c0:c1],
                                                axis=(2, 3))
        levels.append(level)
    return np.concatenate(levels, axis=2)


def even_bins(length, d):
    """Bin i spans [floor(i * length / d), ceil((i + 1) * length / d))."""
    return [(int(np.floor(i * length / d)),
             int(np.ceil((i + 1) * length / d))) for i in range(d)]


def kaiming_bins(length, d):
    """Windows of ceil(length / d) starting every floor(length / d)
    positions, the first d of them (He et al., 2014)."""
    size, step = int(np.ceil(length / d)), length // d
    return [(i * step, i * step + size) for i in range(d)]
