"""Pooling: max and average over sliding windows, adaptive average and max pooling.

Max and average pooling loop over kernel offsets, never over windows: offset ``o``
of every window is one strided view of the (padded) input.  Average pooling adds
those views up.  Max pooling first copies them into offset-major order (k, N, C,
*out), so that its several passes per offset (np.greater, np.isnan, np.maximum:
branch-free ufuncs) run over contiguous rows; on strided views NumPy's inner loop
would cover only one output row at a time.  The backward writes one strided slice
of the input per offset: average pooling g/div, max pooling g where that offset
held the max (a uint8 offset per output remembers which).  No window-shaped
gradient is ever built.
"""

import itertools

import numpy as np

from ..autograd.function import Op
from ._util import select, xp_of
from .conv import _crop, _offsets, _windows

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
    return x, outs


def _offset_views(a, kernel, stride, dilation, outs):
    """Per kernel offset, the strided view of ``a`` (N, C, *padded) holding it in every window."""
    return [a[(slice(None), slice(None)) + sl]
            for _, sl in _offsets(kernel, stride, dilation, outs)]


def _offset_major(xp, x, kernel, stride, dilation, outs):
    """The windows of padded ``x`` as (k, N, C, *outs): row ``o`` is kernel offset ``o``."""
    win, _ = _windows(xp, x, kernel, stride, dilation, outs)
    nd = len(kernel)
    perm = tuple(range(2 + nd, 2 + 2 * nd)) + tuple(range(2 + nd))
    return win.transpose(perm).reshape((-1,) + win.shape[:2 + nd])


def _max_and_offset(xp, rows, first):
    """Elementwise max over ``rows`` and the index of the row holding it.

    PyTorch's rule: start from -inf at the window's first offset inside the input
    (``first``; > 0 only where left padding covers it), and let a later element win
    only if it is greater or NaN: the first max wins ties and NaN propagates.  Padding
    never wins.  ``o`` exceeds every earlier winner, so ``max(arg, wins * o)`` sets
    ``arg = o`` exactly where ``wins``, without a branch.
    """
    vals = rows[0].copy()
    arg = xp.empty(vals.shape, dtype=np.uint8 if len(rows) <= 256 else np.int32)
    arg[...] = first
    for o in range(1, len(rows)):
        v = rows[o]
        wins = v > vals
        if v.dtype.kind == "f":
            wins |= xp.isnan(v)
        xp.maximum(vals, v, out=vals)
        xp.maximum(arg, wins * arg.dtype.type(o), out=arg)
    return vals, arg


def _first_inside(xp, kernel, stride, padding, dilation, outs):
    """Per output position (broadcastable to *outs), its window's first offset past the left pad."""
    first = 0
    for i in range(len(kernel)):
        start = np.arange(outs[i]) * stride[i] - padding[i]
        skip = -(-np.maximum(-start, 0) // dilation[i])
        first = np.add.outer(first * kernel[i], skip) if i else skip
    return xp.asarray(first)


def _flat_index(xp, arg, spatial, kernel, stride, padding, dilation, outs):
    """PyTorch's max-pool indices: flat positions in the unpadded input plane, as int64."""
    plane = [int(np.prod(spatial[i + 1:])) for i in range(len(spatial))]
    delta = [sum(o * d * m for o, d, m in zip(offs, dilation, plane))
             for offs in itertools.product(*[range(k) for k in kernel])]
    base = 0
    for i, m in enumerate(plane):
        pos = (np.arange(outs[i]) * stride[i] - padding[i]) * m
        base = np.add.outer(base, pos) if i else pos
    return xp.take(xp.asarray(delta, dtype=np.int64), arg) + xp.asarray(base)


def _spread(xp, g, pshape, kernel, stride, dilation, outs, arg=None):
    """Sum ``g`` (N, C, *outs) into a zero (N, C, *padded) at every kernel offset's slice.

    With ``arg`` (max pooling) offset ``o`` gets ``g`` only where ``arg == o``, exactly
    (a bit mask, so an inf or NaN gradient stays where it belongs and zeros stay zeros).
    Windows that cannot overlap (stride >= extent in every dim) are written straight into
    their slice, which costs a third of a strided add.
    """
    dx = xp.zeros(pshape, dtype=g.dtype)
    disjoint = all(s > d * (k - 1) for k, s, d in zip(kernel, stride, dilation))
    for o, view in enumerate(_offset_views(dx, kernel, stride, dilation, outs)):
        piece = g
        if arg is not None:
            mask = arg == o
            piece = select(mask, g, 0)
            if piece is None:
                piece = xp.where(mask, g, xp.zeros((), g.dtype))
        if disjoint:
            view[...] = piece
        else:
            view += piece
    return dx


class MaxPoolNd(Op):
    """Max pooling; returns (values, indices), or values alone with ``return_indices=False``."""

    once_differentiable = True     # array backward (see Op)
    node_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, kernel=None, stride=None, padding=None, dilation=None, ceil_mode=False,
                return_indices=True):
        xp = xp_of(x)
        fill = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xpad, outs = _padded(xp, x, kernel, stride, padding, dilation, ceil_mode, fill)
        rows = _offset_major(xp, xpad, kernel, stride, dilation, outs)
        first = _first_inside(xp, kernel, stride, padding, dilation, outs)
        vals, arg = _max_and_offset(xp, rows, first)
        ctx.meta = (x.shape, xpad.shape, kernel, stride, padding, dilation, outs)
        ctx.arg = arg
        if not return_indices:
            return vals
        idx = _flat_index(xp, arg, x.shape[2:], kernel, stride, padding, dilation, outs)
        ctx.mark_non_differentiable(idx)
        return vals, idx

    @staticmethod
    def backward(ctx, grad, grad_idx=None):
        from .._tensor import Tensor
        shape, pshape, kernel, stride, padding, dilation, outs = ctx.meta
        g = grad._data
        xp = xp_of(g)
        dx = _spread(xp, g, pshape, kernel, stride, dilation, outs, ctx.arg)
        return Tensor._make(xp.ascontiguousarray(_crop(dx, padding, shape[2:])))


class AvgPoolNd(Op):
    once_differentiable = True     # array backward (see Op)
    node_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, kernel=None, stride=None, padding=None, ceil_mode=False,
                count_include_pad=True, divisor_override=None):
        xp = xp_of(x)
        ones = (1,) * len(kernel)
        xpad, outs = _padded(xp, x, kernel, stride, padding, ones, ceil_mode, 0)
        # one strided add per offset: as fast here as an offset-major copy, without its memory
        views = _offset_views(xpad, kernel, stride, ones, outs)
        total = views[0].astype(x.dtype if x.dtype.kind == "f" else np.int64)
        for v in views[1:]:
            total += v
        div = _divisor(xp, x.shape[2:], kernel, stride, padding, outs, count_include_pad,
                       divisor_override, x.dtype)
        ctx.meta = (x.shape, xpad.shape, kernel, stride, padding, outs)
        ctx.div = div
        return (total / div).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        shape, pshape, kernel, stride, padding, outs = ctx.meta
        g = grad._data
        xp = xp_of(g)
        per = (g / ctx.div).astype(g.dtype, copy=False)
        dx = _spread(xp, per, pshape, kernel, stride, (1,) * len(kernel), outs)
        return Tensor._make(xp.ascontiguousarray(_crop(dx, padding, shape[2:])))


def _divisor(xp, spatial, kernel, stride, padding, outs, count_include_pad, divisor_override,
             dtype):
    """Per-output-position divisor of average pooling, broadcastable to (*outs).

    Floating inputs get it in their own dtype, so float32 never goes through float64.
    """
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
    return xp.asarray(div, dtype=dtype if dtype.kind == "f" else None)


class AdaptiveAvgPoolNd(Op):
    """Average over PyTorch's adaptive windows: start = floor(i*in/out), end = ceil((i+1)*in/out)."""

    once_differentiable = True     # array backward (see Op)
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


class AdaptiveMaxPool2d(Op):
    """Max over PyTorch's adaptive windows; max is separable, so one dim at a time."""

    once_differentiable = True     # array backward (see Op)
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
    once_differentiable = True     # array backward (see Op)
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
