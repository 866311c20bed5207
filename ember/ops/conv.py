"""Convolution (1-D, 2-D, 3-D, grouped, strided, dilated) as im2col + one GEMM per group.

The input's sliding windows are a strided *view* (no Python loop over pixels or
batch items); one copy lays them out as a matrix and a single matmul per group
multiplies them with the filters.  The backward reuses that matrix for the
weight gradient and scatters the input gradient back with one strided add per
kernel offset (kh*kw adds, each over the whole batch).

The backward is written in array code for speed, so convolution is
once-differentiable in Ember (PyTorch supports double backward here).
"""

import itertools

import numpy as np

from ..autograd.function import Op
from ._util import xp_of

__all__ = []


def _windows(xp, x, kernel, stride, dilation):
    """View of ``x`` (N, C, *spatial, already padded) as (N, C, *out, *kernel) windows."""
    nd = len(kernel)
    spatial = x.shape[2:]
    out = tuple((spatial[i] - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(nd))
    s = x.strides
    strides = s[:2] + tuple(s[2 + i] * stride[i] for i in range(nd)) + \
        tuple(s[2 + i] * dilation[i] for i in range(nd))
    return xp.lib.stride_tricks.as_strided(x, x.shape[:2] + out + tuple(kernel), strides), out


def _pad(xp, x, padding):
    if not any(padding):
        return x
    return xp.pad(x, [(0, 0), (0, 0)] + [(p, p) for p in padding])


class ConvNd(Op):
    """``conv{1,2,3}d`` forward; ``weight`` is (O, C/groups, *kernel)."""

    node_name = "ConvolutionBackward0"
    promote = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=None, padding=None, dilation=None, groups=1):
        xp = xp_of(x)
        nd = weight.ndim - 2
        kernel = weight.shape[2:]
        xpad = _pad(xp, x, padding)
        win, out = _windows(xp, xpad, kernel, stride, dilation)
        n, c = x.shape[:2]
        o = weight.shape[0]
        cg, og = c // groups, o // groups
        k = int(np.prod(kernel))
        # (N, *out, C, *kernel): a row per output position, its window in C-major order
        perm = (0,) + tuple(range(2, 2 + nd)) + (1,) + tuple(range(2 + nd, 2 + 2 * nd))
        cols = win.transpose(perm).reshape(n * int(np.prod(out)), c * k)
        w2 = weight.reshape(o, cg * k)
        if groups == 1:
            y = cols @ w2.T
        else:
            y = xp.empty((cols.shape[0], o), dtype=cols.dtype)
            for g in range(groups):
                y[:, g * og:(g + 1) * og] = cols[:, g * cg * k:(g + 1) * cg * k] @ w2[g * og:(g + 1) * og].T
        if bias is not None:
            y += bias
        y = y.reshape((n,) + out + (o,))
        y = xp.moveaxis(y, -1, 1)
        ctx.save_for_backward(weight)
        ctx.cols = cols
        ctx.meta = (x.shape, xpad.shape, stride, padding, dilation, groups, out, bias is not None)
        return y

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        (weight,) = ctx.saved_tensors
        w = weight._data
        xshape, pshape, stride, padding, dilation, groups, out, has_bias = ctx.meta
        g = grad._data
        xp = xp_of(g)
        nd = len(out)
        n, c = xshape[:2]
        o = w.shape[0]
        kernel = w.shape[2:]
        k = int(np.prod(kernel))
        cg, og = c // groups, o // groups
        g2 = xp.moveaxis(g, 1, -1).reshape(-1, o)          # (N*out, O)
        gx = gw = gb = None
        if ctx.needs_input_grad[1]:
            cols = ctx.cols
            if groups == 1:
                gw = (g2.T @ cols).reshape(w.shape)
            else:
                gw = xp.empty_like(w)
                for gi in range(groups):
                    gw[gi * og:(gi + 1) * og] = (g2[:, gi * og:(gi + 1) * og].T @
                                                 cols[:, gi * cg * k:(gi + 1) * cg * k]).reshape(
                        (og, cg) + tuple(kernel))
            gw = Tensor._make(gw.astype(w.dtype, copy=False))
        if has_bias and ctx.needs_input_grad[2]:
            gb = Tensor._make(g2.sum(axis=0))
        if ctx.needs_input_grad[0]:
            w2 = w.reshape(o, cg * k)
            if groups == 1:
                dcols = g2 @ w2
            else:
                dcols = xp.empty((g2.shape[0], c * k), dtype=g2.dtype)
                for gi in range(groups):
                    dcols[:, gi * cg * k:(gi + 1) * cg * k] = g2[:, gi * og:(gi + 1) * og] @ w2[gi * og:(gi + 1) * og]
            dcols = dcols.reshape((n,) + tuple(out) + (c,) + tuple(kernel))
            dx = xp.zeros(pshape, dtype=g.dtype)
            for offs in itertools.product(*[range(kk) for kk in kernel]):
                sl = tuple(slice(offs[i] * dilation[i], offs[i] * dilation[i] + stride[i] * (out[i] - 1) + 1,
                                 stride[i]) for i in range(nd))
                piece = dcols[(slice(None),) * (nd + 2) + offs]      # (N, *out, C)
                dx[(slice(None), slice(None)) + sl] += xp.moveaxis(piece, -1, 1)
            if any(padding):
                dx = dx[(slice(None), slice(None)) + tuple(slice(p, p + xshape[2 + i])
                                                           for i, p in enumerate(padding))]
            gx = Tensor._make(xp.ascontiguousarray(dx))
        return gx, gw, gb


class ConvTransposeNd(Op):
    """``conv_transpose{1,2}d``: the gradient of a convolution w.r.t. its input, as a layer."""

    node_name = "ConvolutionBackward0"
    promote = True

    @staticmethod
    def forward(ctx, x, weight, bias=None, stride=None, padding=None, output_padding=None,
                groups=1, dilation=None):
        # weight: (C_in, C_out/groups, *kernel); y = scatter of x through the kernel
        xp = xp_of(x)
        nd = weight.ndim - 2
        kernel = weight.shape[2:]
        n, cin = x.shape[:2]
        cout_g = weight.shape[1]
        cin_g = cin // groups
        ins = x.shape[2:]
        full = tuple((ins[i] - 1) * stride[i] + dilation[i] * (kernel[i] - 1) + 1 + output_padding[i]
                     for i in range(nd))
        y = xp.zeros((n, cout_g * groups) + full, dtype=np.result_type(x.dtype, weight.dtype))
        for gi in range(groups):
            xs = x[:, gi * cin_g:(gi + 1) * cin_g]                       # (N, Cg, *in)
            ws = weight[gi * cin_g:(gi + 1) * cin_g]                     # (Cg, Og, *k)
            # (N, *in, Cg) @ (Cg, Og*k) -> (N, *in, Og, *k)
            t = xp.moveaxis(xs, 1, -1) @ ws.reshape(cin_g, -1)
            t = t.reshape((n,) + ins + (cout_g,) + tuple(kernel))
            for offs in itertools.product(*[range(kk) for kk in kernel]):
                sl = tuple(slice(offs[i] * dilation[i], offs[i] * dilation[i] + stride[i] * (ins[i] - 1) + 1,
                                 stride[i]) for i in range(nd))
                piece = t[(slice(None),) * (nd + 2) + offs]
                y[(slice(None), slice(gi * cout_g, (gi + 1) * cout_g)) + sl] += xp.moveaxis(piece, -1, 1)
        y = y[(slice(None), slice(None)) + tuple(slice(padding[i], full[i] - padding[i] + 0)
                                                 for i in range(nd))]
        if bias is not None:
            y = y + bias.reshape((1, -1) + (1,) * nd)
        ctx.save_for_backward(x, weight)
        ctx.meta = (stride, padding, output_padding, groups, dilation, bias is not None)
        return xp.ascontiguousarray(y)

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        x, weight = ctx.saved_tensors
        stride, padding, output_padding, groups, dilation, has_bias = ctx.meta
        nd = weight.ndim - 2
        g = grad._data
        xp = xp_of(g)
        gx = gw = gb = None
        # d/dx of a transposed conv is a plain conv of the gradient with the same weight
        gpad_extra = g
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            full_pad = tuple(padding)
            gfull = xp.pad(gpad_extra, [(0, 0), (0, 0)] + [(p, p) for p in full_pad]) if any(full_pad) else g
            # convolution of gfull with weight (C_in, C_out/groups, k) viewed as (O=C_in, C=C_out)
            kernel = weight.shape[2:]
            win, out = _windows(xp, gfull, kernel, stride, dilation)
            out = tuple(min(out[i], x.shape[2 + i]) for i in range(nd))
            win = win[(slice(None), slice(None)) + tuple(slice(0, o) for o in out)]
            n = g.shape[0]
            cin = x.shape[1]
            cin_g = cin // groups
            cout_g = weight.shape[1]
            k = int(np.prod(kernel))
            perm = (0,) + tuple(range(2, 2 + nd)) + (1,) + tuple(range(2 + nd, 2 + 2 * nd))
            cols = win.transpose(perm).reshape(n * int(np.prod(out)), cout_g * groups * k)
            if ctx.needs_input_grad[0]:
                gxa = xp.empty((cols.shape[0], cin), dtype=g.dtype)
                w = weight._data
                for gi in range(groups):
                    gxa[:, gi * cin_g:(gi + 1) * cin_g] = cols[:, gi * cout_g * k:(gi + 1) * cout_g * k] @ \
                        w[gi * cin_g:(gi + 1) * cin_g].reshape(cin_g, -1).T
                gx = Tensor._make(xp.ascontiguousarray(xp.moveaxis(gxa.reshape((n,) + out + (cin,)), -1, 1)))
            if ctx.needs_input_grad[1]:
                xa = x._data
                gwa = xp.empty_like(weight._data)
                xr = xp.moveaxis(xa, 1, -1).reshape(-1, cin)
                for gi in range(groups):
                    gwa[gi * cin_g:(gi + 1) * cin_g] = (xr[:, gi * cin_g:(gi + 1) * cin_g].T @
                                                        cols[:, gi * cout_g * k:(gi + 1) * cout_g * k]
                                                        ).reshape(gwa[gi * cin_g:(gi + 1) * cin_g].shape)
                gw = Tensor._make(gwa)
        if has_bias and ctx.needs_input_grad[2]:
            gb = Tensor._make(g.sum(axis=(0,) + tuple(range(2, 2 + nd))))
        return gx, gw, gb
