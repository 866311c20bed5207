"""Convolution (1-D, 2-D, 3-D, grouped, strided, dilated, transposed) as im2col + GEMM.

The column matrix has Caffe's layout with the batch folded into the columns:
(C*k, N*P), a row per (input channel, kernel offset) and a column per (image,
output position), k = prod(kernel), P = prod(out).  It is one copy of a strided
view of the input whose last axis runs along an input row, so the copy moves whole
row segments (contiguous for stride 1) instead of gathering one channel value at a
time.  One GEMM per group, (O/G, C/G*k) @ (C/G*k, N*P), then gives every output,
and one transposing copy puts them in C-contiguous NCHW order, as PyTorch returns.

Backward: the weight gradient is one GEMM against the saved column matrix; the
input gradient is one GEMM W^T @ g followed by col2im, kh*kw strided adds that
again run along rows.  A transposed convolution is the same two pieces in the
other order.

The backward is written in array code for speed, so convolution is
once-differentiable in Ember (PyTorch supports double backward here).
"""

import itertools
import math

from ..autograd.function import Op
from ._util import xp_of

__all__ = []


def _windows(xp, x, kernel, stride, dilation, out=None):
    """View of ``x`` (N, C, *spatial, already padded) as (N, C, *out, *kernel) windows.

    ``out`` defaults to every window that fits; pass it to take only the first ones.
    """
    nd = len(kernel)
    if out is None:
        out = tuple((x.shape[2 + i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1
                    for i in range(nd))
    s = x.strides
    strides = s[:2] + tuple(s[2 + i] * stride[i] for i in range(nd)) + \
        tuple(s[2 + i] * dilation[i] for i in range(nd))
    shape = x.shape[:2] + tuple(out) + tuple(kernel)
    return xp.lib.stride_tricks.as_strided(x, shape, strides), out


def _pad(xp, x, padding):
    if not any(padding):
        return x
    return xp.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])


def _crop(x, start, size):
    """``x[:, :, start:start+size]`` in every spatial dim."""
    return x[(slice(None), slice(None)) + tuple(slice(a, a + n) for a, n in zip(start, size))]


def _offsets(kernel, stride, dilation, out):
    """Each kernel offset, with the strided slices of the padded input it meets in all windows."""
    for offs in itertools.product(*[range(k) for k in kernel]):
        yield offs, tuple(slice(o * d, o * d + s * (n - 1) + 1, s)
                          for o, s, d, n in zip(offs, stride, dilation, out))


def _im2col(xp, x, kernel, stride, dilation, out, groups):
    """Padded ``x`` (N, C, *spatial) -> columns (G, C/G*k, N*P): one copy of a strided view.

    The view is the windows reordered to (C, *kernel, N, *out); its last axis walks
    along an input row, so the copy reads and writes row segments.
    """
    win, _ = _windows(xp, x, kernel, stride, dilation, out)
    nd = len(kernel)
    perm = (1,) + tuple(range(2 + nd, 2 + 2 * nd)) + (0,) + tuple(range(2, 2 + nd))
    return win.transpose(perm).copy().reshape(groups, -1, x.shape[0] * math.prod(out))


def _col2im(xp, cols, shape, kernel, stride, dilation, out):
    """Columns (C*k, N*P), any grouping -> the padded input (N, C, *spatial) they sum to.

    One strided add per kernel offset, each over the whole batch and along rows:
    the adjoint of ``_im2col``.
    """
    n, c = shape[:2]
    blocks = cols.reshape((c,) + tuple(kernel) + (n,) + tuple(out))
    dx = xp.zeros(shape, dtype=cols.dtype)
    for offs, sl in _offsets(kernel, stride, dilation, out):
        view = dx[(slice(None), slice(None)) + sl]
        view += xp.moveaxis(blocks[(slice(None),) + offs], 0, 1)
    return dx


def _to_rows(xp, a, groups):
    """(N, C, *spatial) -> (G, C/G, N*P): channels as GEMM rows, images and positions as columns."""
    rows = xp.ascontiguousarray(xp.moveaxis(a, 1, 0))
    return rows.reshape(groups, a.shape[1] // groups, -1)


def _from_rows(xp, y, n, spatial, bias=None):
    """(G, O/G, N*P) -> C-contiguous (N, O, *spatial), adding ``bias`` in the same pass."""
    o = y.shape[0] * y.shape[1]
    src = y.reshape(o, n, -1).transpose(1, 0, 2)
    out = xp.empty((n, o) + tuple(spatial), dtype=y.dtype)
    if bias is None:
        out.reshape(src.shape)[...] = src
    else:
        xp.add(src, bias[:, None], out=out.reshape(src.shape))
    return out


class ConvNd(Op):
    """``conv{1,2,3}d`` forward; ``weight`` is (O, C/groups, *kernel)."""

    once_differentiable = True     # array backward (see Op)
    node_name = "ConvolutionBackward0"
    promote = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=None, padding=None, dilation=None, groups=1):
        xp = xp_of(x)
        kernel = weight.shape[2:]
        xpad = _pad(xp, x, padding)
        out = tuple((s - d * (k - 1) - 1) // st + 1
                    for s, k, st, d in zip(xpad.shape[2:], kernel, stride, dilation))
        cols = _im2col(xp, xpad, kernel, stride, dilation, out, groups)
        y = weight.reshape(groups, weight.shape[0] // groups, -1) @ cols
        ctx.save_for_backward(weight)
        ctx.cols = cols
        ctx.meta = (x.shape, xpad.shape, stride, padding, dilation, out, bias is not None)
        return _from_rows(xp, y, x.shape[0], out, bias)

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        (weight,) = ctx.saved_tensors
        w = weight._data
        xshape, pshape, stride, padding, dilation, out, has_bias = ctx.meta
        cols = ctx.cols
        groups = cols.shape[0]
        xp = xp_of(w)
        g = _to_rows(xp, grad._data, groups)                        # (G, O/G, N*P)
        gx = gw = gb = None
        if ctx.needs_input_grad[1]:
            gw = Tensor._make((g @ cols.swapaxes(1, 2)).reshape(w.shape))
        if has_bias and ctx.needs_input_grad[2]:
            gb = Tensor._make(g.reshape(w.shape[0], -1).sum(axis=1))
        if ctx.needs_input_grad[0]:
            dcols = w.reshape(groups, w.shape[0] // groups, -1).swapaxes(1, 2) @ g
            dx = _col2im(xp, dcols, pshape, w.shape[2:], stride, dilation, out)
            gx = Tensor._make(xp.ascontiguousarray(_crop(dx, padding, xshape[2:])))
        return gx, gw, gb


class ConvTransposeNd(Op):
    """``conv_transpose{1,2,3}d``: the input gradient of a convolution, used as a layer.

    ``weight`` is (C_in, C_out/groups, *kernel): forward is ``W^T @ x`` then col2im,
    backward is im2col of the gradient then the two GEMMs of a plain convolution.
    """

    once_differentiable = True     # array backward (see Op)
    node_name = "ConvolutionBackward0"
    promote = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=None, padding=None, output_padding=None,
                groups=1, dilation=None):
        xp = xp_of(x)
        kernel = weight.shape[2:]
        n, cin = x.shape[:2]
        ins = x.shape[2:]
        full = tuple((i - 1) * s + d * (k - 1) + 1 + op
                     for i, k, s, d, op in zip(ins, kernel, stride, dilation, output_padding))
        cols = weight.reshape(groups, cin // groups, -1).swapaxes(1, 2) @ _to_rows(xp, x, groups)
        y = _col2im(xp, cols, (n, weight.shape[1] * groups) + full, kernel, stride, dilation, ins)
        y = xp.ascontiguousarray(_crop(y, padding, [f - 2 * p for f, p in zip(full, padding)]))
        if bias is not None:
            y += bias.reshape((-1,) + (1,) * len(kernel))
        ctx.save_for_backward(x, weight)
        ctx.meta = (stride, padding, groups, dilation, bias is not None)
        return y

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        x, weight = ctx.saved_tensors
        stride, padding, groups, dilation, has_bias = ctx.meta
        xa, w, g = x._data, weight._data, grad._data
        xp = xp_of(g)
        ins = xa.shape[2:]
        gx = gw = gb = None
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            cols = _im2col(xp, _pad(xp, g, padding), w.shape[2:], stride, dilation, ins, groups)
            if ctx.needs_input_grad[0]:
                gx = Tensor._make(_from_rows(xp, w.reshape(groups, w.shape[0] // groups, -1) @ cols,
                                             xa.shape[0], ins))
            if ctx.needs_input_grad[1]:
                gw = Tensor._make((_to_rows(xp, xa, groups) @ cols.swapaxes(1, 2)).reshape(w.shape))
        if has_bias and ctx.needs_input_grad[2]:
            gb = Tensor._make(g.sum(axis=(0,) + tuple(range(2, g.ndim))))
        return gx, gw, gb
