"""Pooling: max and average over sliding windows, adaptive average and max pooling.

Windows are strided views of the (padded) input, as in ``conv.py``; the backward
spreads gradients back with one strided add per kernel offset, so no Python loop
runs over pixels or batch items.
"""

import itertools
import math

import numpy as np

from ..autograd.function import Op
from ._util import xp_of
from .conv import _windows

__all__ = []


def _out_size(size, k, s, p, d, ceil_mode):
    num = size + 2 * p - d * (k - 1) - 1
    if ceil_mode:
        o = -(-num // s) + 1
        if (o - 1) * s >= size + p:       # the last window must start inside the input or left pad
            o -= 1
    else:
        o = num // s + 1
    return o


def _padded(xp, x, kernel, stride, padding, dilation, ceil_mode, fill):
    """Pad spatial dims (left ``padding``, right enough for ceil_mode) with ``fill``."""
    nd = len(kernel)
    spatial = x.shape[2:]
    outs = tuple(_out_size(spatial[i], kernel[i], stride[i], padding[i], dilation[i], ceil_mode)
                 for i in range(nd))
    pads = []
    for i in range(nd):
        need = (outs[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1
        right = max(need - spatial[i] - padding[i], 0)
        pads.append((padding[i], right))
    if any(a or b for a, b in pads):
        x = xp.pad(x, [(0, 0), (0, 0)] + pads, constant_values=fill)
    return x, outs, pads


def _scatter_windows(xp, dwin, pshape, kernel, stride, dilation, out, dtype):
    """Sum window-shaped gradients (N, C, *out, *kernel) back onto the padded input."""
    nd = len(kernel)
    dx = xp.zeros(pshape, dtype=dtype)
    for offs in itertools.product(*[range(k) for k in kernel]):
        sl = tuple(slice(offs[i] * dilation[i], offs[i] * dilation[i] + stride[i] * (out[i] - 1) + 1,
                         stride[i]) for i in range(nd))
        dx[(slice(None), slice(None)) + sl] += dwin[(Ellipsis,) + offs]
    return dx


def _unpad(dx, pads, shape):
    return dx[(slice(None), slice(None)) + tuple(slice(a, a + shape[2 + i]) for i, (a, _) in
                                                 enumerate(pads))]


class MaxPoolNd(Op):
    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, kernel=None, stride=None, padding=None, dilation=None, ceil_mode=False):
        xp = xp_of(x)
        nd = len(kernel)
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xpad, outs, pads = _padded(xp, x, kernel, stride, padding, dilation, ceil_mode, fill)
        win, _ = _windows(xp, xpad, kernel, stride, dilation)
        win = win[(slice(None), slice(None)) + tuple(slice(0, o) for o in outs)]
        k = int(np.prod(kernel))
        flat = win.reshape(win.shape[:2 + nd] + (k,))
        arg = flat.argmax(axis=-1)
        vals = xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]
        # flat index into the unpadded input plane, as PyTorch reports it
        offs = np.unravel_index(np.arange(k), kernel)
        idx = None
        spatial = x.shape[2:]
        for i in range(nd):
            pos = (xp.arange(outs[i]) * stride[i] - padding[i]).reshape((-1,) + (1,) * (nd - 1 - i))
            coord = pos + xp.asarray(offs[i] * dilation[i])[arg]
            idx = coord if idx is None else idx * spatial[i] + coord
        ctx.meta = (x.shape, xpad.shape, kernel, stride, dilation, outs, pads)
        ctx.arg = arg
        ctx.mark_non_differentiable(idx)
        return vals, idx.astype(np.int64)

    @staticmethod
    def backward(ctx, grad, grad_idx=None):
        from .._tensor import Tensor
        shape, pshape, kernel, stride, dilation, outs, pads = ctx.meta
        g = grad._data
        xp = xp_of(g)
        k = int(np.prod(kernel))
        onehot = (ctx.arg[..., None] == xp.arange(k)) * g[..., None]
        dwin = onehot.reshape(onehot.shape[:-1] + tuple(kernel)).astype(g.dtype, copy=False)
        dx = _scatter_windows(xp, dwin, pshape, kernel, stride, dilation, outs, g.dtype)
        return Tensor._make(xp.ascontiguousarray(_unpad(dx, pads, shape)))


class AvgPoolNd(Op):
    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, kernel=None, stride=None, padding=None, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
        xp = xp_of(x)
        nd = len(kernel)
        ones = (1,) * nd
        xpad, outs, pads = _padded(xp, x, kernel, stride, padding, ones, ceil_mode, 0)
        win, _ = _windows(xp, xpad, kernel, stride, ones)
        win = win[(slice(None), slice(None)) + tuple(slice(0, o) for o in outs)]
        axes = tuple(range(-nd, 0))
        total = win.sum(axis=axes)
        div = _divisor(xp, x.shape[2:], kernel, stride, padding, outs, count_include_pad,
                       divisor_override)
        ctx.meta = (x.shape, xpad.shape, kernel, stride, outs, pads)
        ctx.div = div
        return (total / div).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        shape, pshape, kernel, stride, outs, pads = ctx.meta
        g = grad._data
        xp = xp_of(g)
        per = (g / ctx.div).astype(g.dtype, copy=False)
        dwin = xp.broadcast_to(per.reshape(per.shape + (1,) * len(kernel)), per.shape + tuple(kernel))
        dx = _scatter_windows(xp, dwin, pshape, kernel, stride, (1,) * len(kernel), outs, g.dtype)
        return Tensor._make(xp.ascontiguousarray(_unpad(dx, pads, shape)))


def _divisor(xp, spatial, kernel, stride, padding, outs, count_include_pad, divisor_override):
    """Per-output-position divisor of average pooling, broadcastable to (*outs)."""
    if divisor_override:
        return divisor_override
    div = None
    for i in range(len(kernel)):
        start = np.arange(outs[i]) * stride[i] - padding[i]
        end = np.minimum(start + kernel[i], spatial[i] + padding[i])
        size = end - start
        if not count_include_pad:
            size = np.minimum(end, spatial[i]) - np.maximum(start, 0)
        size = size.reshape((-1,) + (1,) * (len(kernel) - 1 - i))
        div = size if div is None else div * size
    return xp.asarray(div)


class AdaptiveAvgPoolNd(Op):
    """Average over PyTorch's adaptive windows: start = floor(i*in/out), end = ceil((i+1)*in/out)."""

    node_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, output_size=None):
        xp = xp_of(x)
        nd = len(output_size)
        spatial = x.shape[-nd:]
        # integral image: box sums in O(1) per output, all positions at once
        # float64 accumulation: differences of large prefix sums lose float32 precision
        cs = x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)
        for i in range(nd):
            ax = x.ndim - nd + i
            cs = xp.cumsum(cs, axis=ax)
            pad = [(0, 0)] * x.ndim
            pad[ax] = (1, 0)
            cs = xp.pad(cs, pad)
        starts = [np.array([(j * spatial[i]) // output_size[i] for j in range(output_size[i])])
                  for i in range(nd)]
        ends = [np.array([-(-((j + 1) * spatial[i]) // output_size[i]) for j in range(output_size[i])])
                for i in range(nd)]
        total = 0
        for corner in itertools.product((0, 1), repeat=nd):
            idx = []
            sign = 1
            for i, c in enumerate(corner):
                idx.append(ends[i] if c == 0 else starts[i])
                if c:
                    sign = -sign
            sel = cs[(Ellipsis,) + tuple(np.ix_(*idx))] if nd > 1 else cs[..., idx[0]]
            total = total + sign * sel
        area = None
        for i in range(nd):
            a = (ends[i] - starts[i]).reshape((-1,) + (1,) * (nd - 1 - i))
            area = a if area is None else area * a
        ctx.meta = (x.shape, starts, ends)
        return (total / xp.asarray(area)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        shape, starts, ends = ctx.meta
        g = grad._data
        xp = xp_of(g)
        nd = len(starts)
        # each input position receives g/area from every window that covers it: build the
        # (in x out) averaging matrix per dim and contract (windows overlap in general)
        out = g
        for i in range(nd):
            pos = np.arange(shape[-nd + i])[:, None]
            m = ((pos >= starts[i]) & (pos < ends[i])) / (ends[i] - starts[i])
            m = xp.asarray(m.astype(g.dtype))
            ax = g.ndim - nd + i
            out = xp.moveaxis(xp.moveaxis(out, ax, -1) @ m.T, -1, ax)
        return Tensor._make(xp.ascontiguousarray(out))


def adaptive_windows(size, out):
    return [((j * size) // out, -(-((j + 1) * size) // out)) for j in range(out)]


_ = math


class AdaptiveMaxPool2d(Op):
    """Max over PyTorch's adaptive windows; max is separable, so one dim at a time."""

    node_name = "AdaptiveMaxPool2DBackward0"

    @staticmethod
    def forward(ctx, x, output_size=None):
        xp = xp_of(x)
        h, w = x.shape[-2:]
        oh, ow = output_size
        # along W: per output column, max and argmax over its window
        cols, cidx = [], []
        for s, e in adaptive_windows(w, ow):
            seg = x[..., s:e]
            a = seg.argmax(axis=-1)
            cols.append(xp.take_along_axis(seg, a[..., None], -1)[..., 0])
            cidx.append(a + s)
        cv, ci = xp.stack(cols, -1), xp.stack(cidx, -1)          # (..., H, ow)
        vals, idx = [], []
        for s, e in adaptive_windows(h, oh):
            seg = cv[..., s:e, :]
            a = seg.argmax(axis=-2)                                   # (..., ow)
            vals.append(xp.take_along_axis(seg, a[..., None, :], -2)[..., 0, :])
            rows = a + s
            idx.append(rows * w + xp.take_along_axis(ci, rows[..., None, :], -2)[..., 0, :])
        out, flat = xp.stack(vals, -2), xp.stack(idx, -2).astype(np.int64)
        ctx.meta = x.shape
        ctx.flat = flat
        ctx.mark_non_differentiable(flat)
        return out, flat

    @staticmethod
    def backward(ctx, grad, grad_idx=None):
        from .._tensor import Tensor
        return Tensor._make(_scatter_max(ctx.meta, ctx.flat, grad._data))


def _scatter_max(shape, flat_idx, g):
    """Add ``g`` into a zero tensor of ``shape`` at per-plane flat spatial indices."""
    xp = xp_of(g)
    plane = shape[-2] * shape[-1]
    lead = int(np.prod(shape[:-2]))
    out = xp.zeros((lead, plane), dtype=g.dtype)
    rows = xp.arange(lead)[:, None]
    xp.add.at(out, (xp.broadcast_to(rows, (lead, flat_idx.size // max(lead, 1))),
                    flat_idx.reshape(lead, -1)), g.reshape(lead, -1))
    return out.reshape(shape)


class MaxUnpool2d(Op):
    node_name = "MaxUnpool2DBackward0"

    @staticmethod
    def forward(ctx, x, indices=None, output_size=None):
        shape = x.shape[:-2] + tuple(output_size)
        ctx.indices = indices
        return _scatter_max(shape, indices, x)

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        g = grad._data
        xp = xp_of(g)
        lead = g.shape[:-2]
        flat = g.reshape(lead + (-1,))
        idx = ctx.indices.reshape(lead + (-1,))
        return Tensor._make(xp.take_along_axis(flat, idx, -1).reshape(ctx.indices.shape))
