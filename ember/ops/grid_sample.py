"""Spatial sampling: ``grid_sampler`` (bilinear / nearest, 2-D and 3-D) and the affine grid.

Follows PyTorch's GridSampler kernels: a grid value in [-1, 1] is un-normalised
to a pixel coordinate (``align_corners`` decides whether -1 and 1 are the
corner pixels' centres or their outer edges), then mapped by the padding mode
(``zeros``: out-of-range taps read 0; ``border``: clamp; ``reflection``:
mirror at the edges, then clamp). Each step also yields the derivative of the
coordinate it produced, so the grid gradient is the kernel's own.
Both grids and inputs are handled channels-last internally so every tap is one
fancy-indexing gather over the whole batch.
"""

import itertools

import numpy as np

from ..autograd.function import Op
from ._util import xp_of

__all__ = []

MODES = ("bilinear", "nearest", "bicubic")
PADDING_MODES = ("zeros", "border", "reflection")


def _clip(xp, x, size):
    inside = (x > 0) & (x < size - 1)
    return xp.clip(x, 0, size - 1), inside.astype(x.dtype)


def _reflect(xp, x, twice_low, twice_high):
    if twice_low == twice_high:
        return xp.zeros_like(x), xp.zeros_like(x)
    lo = twice_low / 2
    span = (twice_high - twice_low) / 2
    x = x - lo
    sign = xp.where(x < 0, -1.0, 1.0).astype(x.dtype)
    x = xp.abs(x)
    extra = xp.fmod(x, span)
    flips = xp.floor(x / span)
    even = xp.fmod(flips, 2) == 0
    return xp.where(even, extra + lo, span - extra + lo), xp.where(even, sign, -sign)


def source_index(xp, coord, size, padding_mode, align_corners):
    """Pixel coordinate for normalised ``coord`` along a dim of ``size``, and d(pixel)/d(coord)."""
    if align_corners:
        x = ((coord + 1) / 2) * (size - 1)
        mult = (size - 1) / 2
    else:
        x = ((coord + 1) * size - 1) / 2
        mult = size / 2
    g = None
    if padding_mode == "border":
        x, g = _clip(xp, x, size)
    elif padding_mode == "reflection":
        if align_corners:
            x, g = _reflect(xp, x, 0, 2 * (size - 1))
        else:
            x, g = _reflect(xp, x, -1, 2 * size - 1)
        x, g2 = _clip(xp, x, size)
        g = g * g2
    return x, (mult if g is None else g * mult)


def _taps(xp, src, sizes, mode):
    """Yield ``(indices, in_bounds, factors)`` for each tap: per-dim integer index, validity mask
    and per-dim interpolation factor (so the weight is their product)."""
    if mode == "nearest":
        idx = [xp.rint(s).astype(np.int64) for s in src]
        yield idx, _in_bounds(idx, sizes), None
        return
    lo = [xp.floor(s) for s in src]
    for bits in itertools.product((0, 1), repeat=len(src)):
        idx, fac = [], []
        for s, f, b in zip(src, lo, bits):
            idx.append(f.astype(np.int64) + b)
            fac.append((f + 1) - s if b == 0 else s - f)
        yield idx, _in_bounds(idx, sizes), (fac, bits)


def _in_bounds(idx, sizes):
    ok = None
    for i, n in zip(idx, sizes):
        m = (i >= 0) & (i < n)
        ok = m if ok is None else ok & m
    return ok


def _gather(xp, x_cl, idx, ok, sizes):
    n = x_cl.shape[0]
    nb = xp.arange(n).reshape((n,) + (1,) * (idx[0].ndim - 1))
    safe = [xp.clip(i, 0, s - 1) for i, s in zip(idx, sizes)]
    return x_cl[(nb, *safe)] * ok[..., None], (nb, *safe)


def _prod(xs):
    out = xs[0]
    for x in xs[1:]:
        out = out * x
    return out


_A = -0.75     # the cubic convolution constant PyTorch uses


def _cubic_coefficients(t):
    """Weights of the taps at offsets -1, 0, 1, 2 for fractional position ``t``."""
    x1, x2 = t + 1.0, 1.0 - t
    return [((_A * x1 - 5 * _A) * x1 + 8 * _A) * x1 - 4 * _A,
            ((_A + 2) * t - (_A + 3)) * t * t + 1,
            ((_A + 2) * x2 - (_A + 3)) * x2 * x2 + 1,
            ((_A * (x2 + 1) - 5 * _A) * (x2 + 1) + 8 * _A) * (x2 + 1) - 4 * _A]


def _cubic_coefficients_grad(t):
    """PyTorch's ``get_cubic_coefficients_grad`` (the derivative, negated, as its kernel uses)."""
    x0, x1, x2, x3 = -1 - t, -t, 1 - t, 2 - t
    return [(-3 * _A * x0 - 10 * _A) * x0 - 8 * _A,
            (-3 * (_A + 2) * x1 - 2 * (_A + 3)) * x1,
            (3 * (_A + 2) * x2 - 2 * (_A + 3)) * x2,
            (3 * _A * x3 - 10 * _A) * x3 + 8 * _A]


def _bounded(xp, coord, size, padding_mode, align_corners):
    """A bicubic tap's integer index after the padding mode maps it (PyTorch's
    ``get_value_bounded``: the tap coordinate is mapped, then truncated)."""
    if padding_mode == "border":
        coord = xp.clip(coord, 0, size - 1)
    elif padding_mode == "reflection":
        if align_corners:
            coord = _reflect(xp, coord, 0, 2 * (size - 1))[0]
        else:
            coord = _reflect(xp, coord, -1, 2 * size - 1)[0]
        coord = xp.clip(coord, 0, size - 1)
    return coord.astype(np.int64)


def _bicubic_taps(xp, grid, sizes, padding_mode, align_corners):
    """Per tap (i along x, j along y): ``(iy, ix), in_bounds, wx_i, wy_j``; plus the fractional
    parts and un-normalisation multipliers the grid gradient needs."""
    H, W = sizes
    ix = source_index(xp, grid[..., 0], W, "zeros", align_corners)
    iy = source_index(xp, grid[..., 1], H, "zeros", align_corners)
    fx, fy = xp.floor(ix[0]), xp.floor(iy[0])
    tx, ty = ix[0] - fx, iy[0] - fy
    wx, wy = _cubic_coefficients(tx), _cubic_coefficients(ty)
    taps = []
    for j in range(4):
        y = _bounded(xp, fy - 1 + j, H, padding_mode, align_corners)
        for i in range(4):
            x = _bounded(xp, fx - 1 + i, W, padding_mode, align_corners)
            taps.append(((y, x), _in_bounds((y, x), sizes), i, j))
    return taps, wx, wy, (tx, ty), (ix[1], iy[1])


class _GridSampler(Op):
    once_differentiable = True     # array backward (see Op)
    @staticmethod
    def forward(ctx, input, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
        xp = xp_of(input)
        d = grid.shape[-1]
        sizes = input.shape[2:]
        src, mults = [], []
        for k in range(d):
            s, m = source_index(xp, grid[..., d - 1 - k], sizes[k], padding_mode, align_corners)
            src.append(s)
            mults.append(m)
        x_cl = xp.moveaxis(input, 1, -1)
        out = xp.zeros(grid.shape[:-1] + (input.shape[1],), dtype=input.dtype)
        ctx.save_for_backward(input, grid)
        if mode == "bicubic":
            taps, wx, wy, _, _ = _bicubic_taps(xp, grid, sizes, padding_mode, align_corners)
            for idx, ok, i, j in taps:
                vals, _ = _gather(xp, x_cl, idx, ok, sizes)
                out += vals * (wx[i] * wy[j])[..., None]
            ctx.meta = (None, None, mode, sizes, padding_mode, align_corners)
            return xp.ascontiguousarray(xp.moveaxis(out, -1, 1))
        for idx, ok, fw in _taps(xp, src, sizes, mode):
            vals, _ = _gather(xp, x_cl, idx, ok, sizes)
            out += vals if fw is None else vals * _prod(fw[0])[..., None]
        ctx.meta = (src, mults, mode, sizes, padding_mode, align_corners)
        return xp.ascontiguousarray(xp.moveaxis(out, -1, 1))

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        src, mults, mode, sizes, padding_mode, align_corners = ctx.meta
        inp, grid = (t._data for t in ctx.saved_tensors)
        g = grad._data
        xp = xp_of(g)
        go = xp.moveaxis(g, 1, -1)                       # (N, *out, C)
        x_cl = xp.moveaxis(inp, 1, -1)
        gin = xp.zeros(x_cl.shape, dtype=g.dtype) if ctx.needs_input_grad[0] else None
        if mode == "bicubic":
            return _bicubic_backward(ctx, xp, go, x_cl, gin, grid, sizes, padding_mode,
                                     align_corners)
        d = len(src)
        ggrid = [xp.zeros(src[0].shape, dtype=g.dtype) for _ in range(d)]
        for idx, ok, fw in _taps(xp, src, sizes, mode):
            w = ok.astype(g.dtype) if fw is None else _prod(fw[0]) * ok
            vals, where = _gather(xp, x_cl, idx, ok, sizes)
            if gin is not None:
                contrib = go * w[..., None]
                _scatter_add(xp, gin, where, contrib)
            if fw is not None and ctx.needs_input_grad[1]:
                vdot = (vals * go).sum(-1)
                fac, bits = fw
                for k in range(d):
                    others = [fac[j] for j in range(d) if j != k]
                    term = vdot * _prod(others) if others else vdot
                    ggrid[k] = ggrid[k] - term if bits[k] == 0 else ggrid[k] + term
        gi = Tensor._make(xp.ascontiguousarray(xp.moveaxis(gin, -1, 1))) if gin is not None else None
        gg = None
        if ctx.needs_input_grad[1]:
            gg = xp.stack([ggrid[d - 1 - j] * mults[d - 1 - j] for j in range(d)], -1)
            gg = Tensor._make(gg.astype(g.dtype, copy=False))
        return gi, gg


def _scatter_add(xp, out, where, vals):
    if xp is np:
        np.add.at(out, where, vals)
    else:
        xp.add.at(out, where, vals)


def _bicubic_backward(ctx, xp, go, x_cl, gin, grid, sizes, padding_mode, align_corners):
    from .._tensor import Tensor
    taps, wx, wy, (tx, ty), (mx, my) = _bicubic_taps(xp, grid, sizes, padding_mode, align_corners)
    gwx, gwy = _cubic_coefficients_grad(tx), _cubic_coefficients_grad(ty)
    gx = xp.zeros(grid.shape[:-1], dtype=go.dtype)
    gy = xp.zeros(grid.shape[:-1], dtype=go.dtype)
    for idx, ok, i, j in taps:
        vals, where = _gather(xp, x_cl, idx, ok, sizes)
        if gin is not None:
            _scatter_add(xp, gin, where, go * ((wx[i] * wy[j]) * ok)[..., None])
        if ctx.needs_input_grad[1]:
            vdot = (vals * go).sum(-1)
            gx -= vdot * gwx[i] * wy[j]
            gy -= vdot * gwy[j] * wx[i]
    gi = Tensor._make(xp.ascontiguousarray(xp.moveaxis(gin, -1, 1))) if gin is not None else None
    gg = Tensor._make(xp.stack([gx * mx, gy * my], -1)) if ctx.needs_input_grad[1] else None
    return gi, gg


class GridSampler2D(_GridSampler):
    node_name = "GridSampler2DBackward0"


class GridSampler3D(_GridSampler):
    node_name = "GridSampler3DBackward0"


def _linspace_from_neg_one(xp, n, align_corners, dtype):
    if n <= 1:
        return xp.zeros(1, dtype=dtype)
    r = xp.linspace(-1, 1, n, dtype=dtype)
    if not align_corners:
        r = r * (n - 1) / n
    return r


def base_grid(xp, spatial, align_corners, dtype):
    """``(prod(spatial), d+1)`` rows ``(x, y[, z], 1)`` in PyTorch's affine_grid order."""
    axes = [_linspace_from_neg_one(xp, n, align_corners, dtype) for n in spatial]
    mesh = xp.meshgrid(*axes, indexing="ij")           # each (*spatial)
    cols = [mesh[k] for k in range(len(spatial) - 1, -1, -1)] + [xp.ones(tuple(spatial), dtype)]
    return xp.stack(cols, -1).reshape(-1, len(spatial) + 1)


class AffineGridGenerator(Op):
    node_name = "AffineGridGeneratorBackward0"

    @staticmethod
    def forward(ctx, theta, size=None, align_corners=False):
        xp = xp_of(theta)
        spatial = tuple(size[2:])
        base = base_grid(xp, spatial, align_corners, theta.dtype)
        ctx.base = base
        out = xp.matmul(base[None], xp.swapaxes(theta, 1, 2))       # (N, P, d)
        return out.reshape((theta.shape[0],) + spatial + (len(spatial),))

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        base = Tensor._make(ctx.base)
        g = grad.reshape(grad.shape[0], -1, grad.shape[-1])          # (N, P, d)
        return g.transpose(1, 2).matmul(base)
