"""Fused layer norm and batch norm: forward in one pass of array code, backward in Ember ops.

Both normalise ``x`` over some axes: ``x_hat = (x - mean) / sqrt(var + eps)``
(biased variance), then scale and shift.  The backward uses the standard closed
form ``dx = (g - mean(g) - x_hat * mean(g * x_hat)) / std`` (with ``g`` the
gradient after the affine scale), written with tensor ops so it can be
differentiated again.
"""

import numpy as np

from ..autograd.function import Op
from ._util import xp_of

__all__ = []


def _norm_backward(grad, xhat, rstd, weight, axes, need_x, need_w, need_b, param_axes):
    gw = gb = gx = None
    if need_w:
        gw = (grad * xhat).sum(param_axes) if param_axes else grad * xhat
    if need_b:
        gb = grad.sum(param_axes) if param_axes else grad
    if need_x:
        g = grad * weight if weight is not None else grad
        gx = (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * rstd
    return gx, gw, gb


class LayerNorm(Op):
    node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, normalized_ndim=1, eps=1e-5):
        xp = xp_of(x)
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        calc = x.astype(np.float32) if x.dtype == np.float16 else x
        mean = calc.mean(axis=axes, keepdims=True)
        centered = calc - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        rstd = 1.0 / xp.sqrt(var + eps)
        xhat = (centered * rstd).astype(x.dtype, copy=False)
        y = xhat
        if weight is not None:
            y = y * weight
        if bias is not None:
            y = y + bias
        ctx.axes = axes
        ctx.param_axes = tuple(range(x.ndim - normalized_ndim))
        ctx.save_for_backward(weight, xhat, rstd.astype(x.dtype, copy=False))
        return y

    @staticmethod
    def backward(ctx, grad):
        weight, xhat, rstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        return _norm_backward(grad, xhat, rstd, weight, ctx.axes, n[0], len(n) > 1 and n[1],
                              len(n) > 2 and n[2], ctx.param_axes)


class BatchNorm(Op):
    """Training-mode batch norm over (N, *spatial) per channel (dim 1)."""

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, eps=1e-5):
        xp = xp_of(x)
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        calc = x.astype(np.float32) if x.dtype == np.float16 else x
        mean = calc.mean(axis=axes, keepdims=True)
        centered = calc - mean
        var = (centered * centered).mean(axis=axes, keepdims=True)
        rstd = 1.0 / xp.sqrt(var + eps)
        xhat = (centered * rstd).astype(x.dtype, copy=False)
        y = xhat
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        ctx.axes = axes
        ctx.shape = shape
        ctx.save_for_backward(weight, xhat, rstd.astype(x.dtype, copy=False))
        # the batch statistics are extra outputs (for the running averages), not differentiable
        mean, var = mean.reshape(-1).astype(x.dtype), var.reshape(-1).astype(x.dtype)
        ctx.mark_non_differentiable(mean, var)
        ctx.set_materialize_grads(False)
        return y, mean, var

    @staticmethod
    def backward(ctx, grad, *unused):
        weight, xhat, rstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        w = weight.reshape(ctx.shape) if weight is not None else None
        gx, gw, gb = _norm_backward(grad, xhat, rstd, w, ctx.axes, n[0], len(n) > 1 and n[1],
                                    len(n) > 2 and n[2], ctx.axes)
        return gx, gw, gb


class GroupNorm(Op):
    """Normalise each of ``groups`` channel groups over (C/groups, *spatial), per sample."""

    node_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, groups=1, eps=1e-5):
        xp = xp_of(x)
        n, c = x.shape[:2]
        xg = x.reshape(n, groups, -1)
        calc = xg.astype(np.float32) if x.dtype == np.float16 else xg
        mean = calc.mean(axis=2, keepdims=True)
        centered = calc - mean
        var = (centered * centered).mean(axis=2, keepdims=True)
        rstd = 1.0 / xp.sqrt(var + eps)
        xhat = (centered * rstd).astype(x.dtype, copy=False).reshape(x.shape)
        shape = (1, c) + (1,) * (x.ndim - 2)
        y = xhat
        if weight is not None:
            y = y * weight.reshape(shape)
        if bias is not None:
            y = y + bias.reshape(shape)
        ctx.groups, ctx.shape = groups, shape
        ctx.save_for_backward(weight, xhat, rstd.astype(x.dtype, copy=False))
        return y

    @staticmethod
    def backward(ctx, grad):
        weight, xhat, rstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        shape = grad.shape
        param_axes = (0,) + tuple(range(2, grad.dim()))
        gw = (grad * xhat).sum(param_axes) if len(n) > 1 and n[1] else None
        gb = grad.sum(param_axes) if len(n) > 2 and n[2] else None
        gx = None
        if n[0]:
            g = grad * weight.reshape(ctx.shape) if weight is not None else grad
            g = g.reshape(shape[0], ctx.groups, -1)
            xh = xhat.reshape(shape[0], ctx.groups, -1)
            gx = ((g - g.mean(2, keepdim=True) - xh * (g * xh).mean(2, keepdim=True)) * rstd
                  ).reshape(shape)
        return gx, gw, gb
