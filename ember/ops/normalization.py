"""Fused layer norm and batch norm: forward in one pass of array code, backward in Ember ops.

Both normalise ``x`` over some axes: ``x_hat = (x - mean) / sqrt(var + eps)``
(biased variance), then scale and shift.  The backward uses the standard closed
form ``dx = (g - mean(g) - x_hat * mean(g * x_hat)) / std`` (with ``g`` the
gradient after the affine scale).  When the gradient is itself recorded
(``create_graph=True``) it is written with tensor ops, with ``x_hat`` and ``std``
recomputed from ``x`` so that second derivatives reach ``x``; in the usual
``backward()`` the same formula runs as array code, its sums of products in one
einsum each.
"""

import math

import numpy as np

from ..autograd import grad_mode
from ..autograd.function import Op
from ._fast_special import sum_of_products
from ._util import xp_of

__all__ = []

_state = grad_mode.state


def _norm_backward(ctx, grad, x, xhat, rstd, weight, param_axes):
    """(dx, dweight, dbias) of a normalisation over ``ctx.axes``; ``weight`` broadcasts to x."""
    n = ctx.needs_input_grad
    need_x, need_w, need_b = n[0], len(n) > 1 and n[1], len(n) > 2 and n[2]
    axes = ctx.axes
    if not _state.grad_enabled:
        return _norm_backward_arrays(grad._data, xhat._data, rstd._data,
                                     None if weight is None else weight._data, axes, param_axes,
                                     need_x, need_w, need_b)
    # the gradient gets a graph: x_hat and 1/std again from x, so that the graph reaches x
    centered = x - x.mean(axes, keepdim=True)
    rstd = ((centered * centered).mean(axes, keepdim=True) + ctx.eps).rsqrt()
    xhat = centered * rstd
    gw = gb = gx = None
    if need_w:
        gw = (grad * xhat).sum(param_axes) if param_axes else grad * xhat
    if need_b:
        gb = grad.sum(param_axes) if param_axes else grad
    if need_x:
        g = grad * weight if weight is not None else grad
        gx = (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * rstd
    return gx, gw, gb


def _norm_backward_arrays(g, xh, rstd, w, axes, param_axes, need_x, need_w, need_b):
    """The same formula on arrays, ``dx`` built in place; returns tensors."""
    from .._tensor import Tensor
    gw = gb = gx = None
    if need_w:
        gw = Tensor._make(sum_of_products(param_axes, g, xh) if param_axes else g * xh)
    if need_b:
        gb = Tensor._make(sum_of_products(param_axes, g) if param_axes else g.copy())
    if need_x:
        gx = g * w if w is not None else g.copy()
        inv_n = _inv_count(g.shape, axes)
        proj = sum_of_products(axes, gx, xh, keepdims=True) * inv_n
        gx -= sum_of_products(axes, gx, keepdims=True) * inv_n
        gx -= xh * proj
        gx *= rstd
        gx = Tensor._make(gx)
    return gx, gw, gb


def _inv_count(shape, axes):
    """1 / (the number of values each mean over ``axes`` averages)."""
    return 1.0 / max(math.prod(shape[a] for a in axes), 1)


class LayerNorm(Op):
    node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, normalized_ndim=1, eps=1e-5):
        xp = xp_of(x)
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        # C-contiguous, as PyTorch's output; half precision is computed in float32
        calc = xp.ascontiguousarray(x, dtype=np.float32 if x.dtype == np.float16 else x.dtype)
        inv_n = _inv_count(x.shape, axes)
        centered = calc - sum_of_products(axes, calc, keepdims=True) * inv_n
        var = sum_of_products(axes, centered, centered, keepdims=True) * inv_n
        rstd = 1.0 / xp.sqrt(var + eps)
        centered *= rstd
        xhat = centered.astype(x.dtype, copy=False)
        y = xhat
        if weight is not None:
            y = xhat * weight
        if bias is not None:
            y = y + bias if y is xhat else xp.add(y, bias, out=y)
        ctx.axes, ctx.eps = axes, eps
        ctx.param_axes = tuple(range(x.ndim - normalized_ndim))
        ctx.save_for_backward(x, weight, xhat, rstd.astype(x.dtype, copy=False))
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, xhat, rstd = ctx.saved_tensors
        return _norm_backward(ctx, grad, x, xhat, rstd, weight, ctx.param_axes)


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
        ctx.axes, ctx.eps = axes, eps
        ctx.shape = shape
        ctx.save_for_backward(x, weight, xhat, rstd.astype(x.dtype, copy=False))
        # the batch statistics are extra outputs (for the running averages), not differentiable
        mean, var = mean.reshape(-1).astype(x.dtype), var.reshape(-1).astype(x.dtype)
        ctx.mark_non_differentiable(mean, var)
        ctx.set_materialize_grads(False)
        return y, mean, var

    @staticmethod
    def backward(ctx, grad, *unused):
        x, weight, xhat, rstd = ctx.saved_tensors
        w = weight.reshape(ctx.shape) if weight is not None else None
        return _norm_backward(ctx, grad, x, xhat, rstd, w, ctx.axes)


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
