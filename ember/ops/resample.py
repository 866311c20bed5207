"""Resampling: ``interpolate`` (nearest, linear, bilinear, bicubic-free), ``pixel_shuffle``,
``unfold``/``fold`` (im2col / col2im).

Interpolation is separable: along each spatial dim the output is a fixed
(out x in) matrix times the input, so forward is one matmul per dim and the
backward is the same with transposed matrices (itself differentiable).
"""

import math

import numpy as np

from ..autograd.function import Op
from ._util import xp_of

__all__ = []


def _axis_apply(xp, x, mats):
    """Contract dim ``2 + i`` of ``x`` with ``mats[i]`` (out_i x in_i) for every i."""
    for i, m in enumerate(mats):
        if m is None:
            continue
        ax = 2 + i
        x = xp.moveaxis(xp.moveaxis(x, ax, -1) @ m.T.astype(x.dtype, copy=False), -1, ax)
    return x


class AxisResample(Op):
    node_name = "UpsampleNearest2DBackward0"

    @staticmethod
    def forward(ctx, x, mats=None):
        xp = xp_of(x)
        mats = [None if m is None else xp.asarray(m) for m in mats]
        ctx.mats = mats
        return xp.ascontiguousarray(_axis_apply(xp, x, mats))

    @staticmethod
    def backward(ctx, grad):
        # the adjoint of resampling with M is resampling with M^T
        return AxisResampleBackward.apply(grad, mats=[None if m is None else m.T for m in ctx.mats])


class AxisResampleBackward(AxisResample):
    node_name = "UpsampleBackwardBackward0"


def interp_matrix(n_in, n_out, mode, align_corners, scale):
    """The (n_out x n_in) matrix that resamples one axis as PyTorch does."""
    m = np.zeros((n_out, n_in))
    dst = np.arange(n_out)
    if mode in ("nearest", "nearest-exact"):
        s = (1.0 / scale) if scale else n_in / n_out
        if mode == "nearest":
            src = np.minimum(np.floor(dst * s).astype(np.int64), n_in - 1)
        else:
            src = np.minimum(np.floor((dst + 0.5) * s).astype(np.int64), n_in - 1)
        m[dst, src] = 1.0
        return m
    if align_corners:
        s = (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
        src = dst * s
    else:
        s = (1.0 / scale) if scale else n_in / n_out
        src = np.maximum((dst + 0.5) * s - 0.5, 0.0)
    lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
    hi = np.minimum(lo + 1, n_in - 1)
    w = src - lo
    np.add.at(m, (dst, lo), 1.0 - w)
    np.add.at(m, (dst, hi), w)
    return m


_NAMES = {("nearest", 1): "UpsampleNearest1DBackward0", ("nearest", 2): "UpsampleNearest2DBackward0",
          ("nearest", 3): "UpsampleNearest3DBackward0",
          ("nearest-exact", 1): "UpsampleNearestExact1DBackward0",
          ("nearest-exact", 2): "UpsampleNearestExact2DBackward0",
          ("linear", 1): "UpsampleLinear1DBackward0", ("bilinear", 2): "UpsampleBilinear2DBackward0",
          ("trilinear", 3): "UpsampleTrilinear3DBackward0"}
_CLASSES = {}


def resample_class(mode, nd):
    name = _NAMES.get((mode, nd), "UpsampleBackward0")
    cls = _CLASSES.get(name)
    if cls is None:
        cls = _CLASSES[name] = type(name.replace("Backward0", ""), (AxisResample,),
                                    {"node_name": name})
    return cls


# ---------------------------------------------------------------------- pixel shuffle
class PixelShuffle(Op):
    node_name = "PixelShuffleBackward0"

    @staticmethod
    def forward(ctx, x, r=1):
        xp = xp_of(x)
        *lead, c, h, w = x.shape
        ctx.r = r
        y = x.reshape(*lead, c // (r * r), r, r, h, w)
        n = len(lead)
        y = y.transpose(*range(n), n, n + 3, n + 1, n + 4, n + 2)
        return xp.ascontiguousarray(y).reshape(*lead, c // (r * r), h * r, w * r)

    @staticmethod
    def backward(ctx, grad):
        return PixelUnshuffle.apply(grad, r=ctx.r)


class PixelUnshuffle(Op):
    node_name = "PixelUnshuffleBackward0"

    @staticmethod
    def forward(ctx, x, r=1):
        xp = xp_of(x)
        *lead, c, h, w = x.shape
        ctx.r = r
        n = len(lead)
        y = x.reshape(*lead, c, h // r, r, w // r, r)
        y = y.transpose(*range(n), n, n + 2, n + 4, n + 1, n + 3)
        return xp.ascontiguousarray(y).reshape(*lead, c * r * r, h // r, w // r)

    @staticmethod
    def backward(ctx, grad):
        return PixelShuffle.apply(grad, r=ctx.r)


# ---------------------------------------------------------------------- unfold / fold
def _geometry(spatial, kernel, dilation, padding, stride):
    return tuple((spatial[i] + 2 * padding[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                 for i in range(2))


class Im2Col(Op):
    """``F.unfold``: (N, C, H, W) -> (N, C*kh*kw, L) sliding blocks."""

    node_name = "Im2ColBackward0"

    @staticmethod
    def forward(ctx, x, kernel=None, dilation=None, padding=None, stride=None):
        from .conv import _pad, _windows
        xp = xp_of(x)
        n, c = x.shape[:2]
        win, out = _windows(xp, _pad(xp, x, padding), kernel, stride, dilation)
        # (N, C, oh, ow, kh, kw) -> (N, C, kh, kw, oh, ow)
        cols = win.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kernel[0] * kernel[1], out[0] * out[1])
        ctx.meta = (x.shape[2:], kernel, dilation, padding, stride)
        return xp.ascontiguousarray(cols)

    @staticmethod
    def backward(ctx, grad):
        spatial, kernel, dilation, padding, stride = ctx.meta
        return Col2Im.apply(grad, output_size=spatial, kernel=kernel, dilation=dilation,
                            padding=padding, stride=stride)


class Col2Im(Op):
    """``F.fold``: sums sliding blocks (N, C*kh*kw, L) back into (N, C, H, W)."""

    node_name = "Col2ImBackward0"

    @staticmethod
    def forward(ctx, cols, output_size=None, kernel=None, dilation=None, padding=None, stride=None):
        xp = xp_of(cols)
        n = cols.shape[0]
        k = kernel[0] * kernel[1]
        c = cols.shape[1] // k
        out = _geometry(output_size, kernel, dilation, padding, stride)
        blocks = cols.reshape(n, c, kernel[0], kernel[1], out[0], out[1])
        ph, pw = output_size[0] + 2 * padding[0], output_size[1] + 2 * padding[1]
        y = xp.zeros((n, c, ph, pw), dtype=cols.dtype)
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                r0, c0 = i * dilation[0], j * dilation[1]
                y[:, :, r0:r0 + stride[0] * (out[0] - 1) + 1:stride[0],
                  c0:c0 + stride[1] * (out[1] - 1) + 1:stride[1]] += blocks[:, :, i, j]
        ctx.meta = (kernel, dilation, padding, stride)
        return xp.ascontiguousarray(y[:, :, padding[0]:padding[0] + output_size[0],
                                      padding[1]:padding[1] + output_size[1]])

    @staticmethod
    def backward(ctx, grad):
        kernel, dilation, padding, stride = ctx.meta
        return Im2Col.apply(grad, kernel=kernel, dilation=dilation, padding=padding, stride=stride)


_ = math
