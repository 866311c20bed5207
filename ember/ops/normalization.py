"""Fused layer, group and batch norm: forward in a few passes of array code, backward in Ember ops.

Each normalises ``x`` over some axes: ``x_hat = (x - mean) / sqrt(var + eps)``
(biased variance), then scales and shifts per channel.  Each works in the shape where
its normalisation is a plain reduction over ``ctx.axes``: layer norm on (rows, features),
group norm on (N, groups, C / groups, spatial), batch norm on the input's own shape.  The
backward uses the standard closed form ``dx = (g - mean(g) - x_hat * mean(g * x_hat)) / std``
(with ``g`` the gradient after the affine scale).  When the gradient is itself recorded
(``create_graph=True``) it is written with tensor ops, with ``x_hat`` and ``std``
recomputed from ``x`` so that second derivatives reach ``x``; in the usual
``backward()`` the same formula runs as array code, its sums of products in one
BLAS call or einsum each.

As in PyTorch, the saved values are the input and private arrays, never the output, so
the output may be changed in place before ``backward()``.
"""

import math

import numpy as np

from ..autograd import grad_mode
from ..autograd.function import Op
from ._fast_special import _EINSUM_MAX_TERMS, sum_of_products
from ._util import xp_of

__all__ = []

_state = grad_mode.state


def _inv_count(shape, axes):
    """1 / (the number of values each mean over ``axes`` averages)."""
    return 1.0 / max(math.prod(shape[a] for a in axes), 1)


def _standardize(xp, calc, axes, eps):
    """``(x_hat, mean, var, 1/std)`` of ``calc`` over ``axes``; ``x_hat`` is a new array.

    Two passes (the mean, then the variance of the centred values) keep a float32 variance
    accurate for data far from zero; each sum is one BLAS call or einsum.
    """
    inv_n = _inv_count(calc.shape, axes)
    mean = sum_of_products(axes, calc, keepdims=True) * inv_n
    xhat = calc - mean
    var = sum_of_products(axes, xhat, xhat, keepdims=True) * inv_n
    rstd = 1.0 / xp.sqrt(var + eps)
    xhat *= rstd
    return xhat, mean, var, rstd


def _scale_shift(xhat, weight, bias, dtype):
    """``x_hat * weight + bias`` as a new array of ``dtype`` (``x_hat`` stays for backward)."""
    if weight is None and bias is None:
        return xhat.astype(dtype)                # a copy
    y = xhat * weight if weight is not None else xhat + bias
    if weight is not None and bias is not None:
        y += bias
    return y.astype(dtype, copy=False)


class _Norm(Op):
    """The shared backward.  A subclass's forward calls ``_save`` with the shape it normalised
    in (``view``), the normalised axes of that shape, the axes the parameter gradients sum over,
    the parameters' broadcast shape in the view (``wview``) and their own shape (``pshape``);
    ``x_hat`` and ``1/std`` are saved in the view's shape and ``x``'s dtype."""

    @staticmethod
    def _save(ctx, x, weight, xhat, rstd, view, axes, param_axes, wview, pshape, eps):
        ctx.view, ctx.axes, ctx.param_axes, ctx.wview = view, axes, param_axes, wview
        ctx.pshape, ctx.eps = pshape, eps
        ctx.save_for_backward(x, weight, xhat.astype(x.dtype, copy=False),
                              rstd.astype(x.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad, *unused):
        x, weight, xhat, rstd = ctx.saved_tensors
        n = ctx.needs_input_grad
        need = (n[0], len(n) > 1 and n[1], len(n) > 2 and n[2])
        if _state.grad_enabled:
            grads = _norm_backward_tensors(ctx, grad.reshape(ctx.view), x.reshape(ctx.view),
                                           None if weight is None else weight.reshape(ctx.wview),
                                           *need)
        else:
            from .._tensor import Tensor
            grads = _norm_backward_arrays(ctx, grad._data.reshape(ctx.view), xhat._data, rstd._data,
                                          None if weight is None else weight._data.reshape(ctx.wview),
                                          *need)
            grads = [None if g is None else Tensor._make(g) for g in grads]
        gx, gw, gb = grads
        return (None if gx is None else gx.reshape(x.shape),
                None if gw is None else gw.reshape(ctx.pshape),
                None if gb is None else gb.reshape(ctx.pshape))


def _norm_backward_tensors(ctx, grad, x, weight, need_x, need_w, need_b):
    """(dx, dweight, dbias) in tensor ops, in the normalised view, for a recorded gradient:
    x_hat and 1/std come again from x, so that the graph reaches x."""
    axes, param_axes = ctx.axes, ctx.param_axes
    centered = x - x.mean(axes, keepdim=True)
    rstd = ((centered * centered).mean(axes, keepdim=True) + ctx.eps).rsqrt()
    xhat = centered * rstd
    gw = gb = gx = None
    if need_w:
        gw = (grad * xhat).sum(param_axes)
    if need_b:
        gb = grad.sum(param_axes)
    if need_x:
        g = grad * weight if weight is not None else grad
        gx = (g - g.mean(axes, keepdim=True) - xhat * (g * xhat).mean(axes, keepdim=True)) * rstd
    return gx, gw, gb


def _norm_backward_arrays(ctx, g, xh, rstd, w, need_x, need_w, need_b):
    """The same formula on arrays, ``dx`` built in place.

    With the weight folded in, ``mean(g * w)`` and ``mean(g * w * x_hat)`` are sums of ``g``
    and of ``g * x_hat`` (also the weight's gradient) weighted by ``w``: one product pass
    serves both, and ``g * w`` is only made for ``dx`` itself.
    """
    axes, param_axes = ctx.axes, ctx.param_axes
    gw = gb = gx = None
    gxh = g * xh if need_w or (need_x and w is not None) else None
    if need_w:
        gw = sum_of_products(param_axes, gxh)
    if need_b:
        gb = sum_of_products(param_axes, g)
    if need_x:
        if w is None:
            proj = sum_of_products(axes, g, xh, keepdims=True)
            mean_g = sum_of_products(axes, g, keepdims=True)
            gx = g * rstd
        else:
            proj = _sum_weighted(axes, gxh, w)
            mean_g = _sum_weighted(axes, g, w)
            gx = g * w
            gx *= rstd
        scale = rstd * _inv_count(g.shape, axes)
        gx -= mean_g * scale
        gx -= xh * (proj * scale)
    return gx, gw, gb


def _sum_weighted(axes, a, w):
    """The sum over ``axes`` of ``a * w`` (``w`` broadcasts to ``a``), dims kept; for layer
    norm's (rows, features) with a 1-D weight, one matrix-vector product."""
    if w.ndim == 1 and a.shape[-1] <= _EINSUM_MAX_TERMS:
        return (a @ w)[:, None]
    return sum_of_products(axes, a, xp_of(a).broadcast_to(w, a.shape), keepdims=True)


class LayerNorm(_Norm):
    """Normalise each row of the last ``normalized_ndim`` dims, viewed as (rows, features)."""

    node_name = "NativeLayerNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, normalized_ndim=1, eps=1e-5):
        xp = xp_of(x)
        lead = x.shape[:x.ndim - normalized_ndim]
        view = (math.prod(lead), math.prod(x.shape[len(lead):]))
        # C-contiguous, as PyTorch's output; half precision is computed in float32
        calc = xp.ascontiguousarray(x, dtype=np.float32 if x.dtype == np.float16 else x.dtype)
        xhat, _, _, rstd = _standardize(xp, calc.reshape(view), (1,), eps)
        w = weight.reshape(-1) if weight is not None else None
        b = bias.reshape(-1) if bias is not None else None
        y = _scale_shift(xhat, w, b, x.dtype)
        _Norm._save(ctx, x, weight, xhat, rstd, view, (1,), (0,), (-1,), x.shape[len(lead):], eps)
        return y.reshape(x.shape)


class BatchNorm(_Norm):
    """Training-mode batch norm over (N, *spatial) per channel (dim 1)."""

    node_name = "NativeBatchNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, eps=1e-5):
        xp = xp_of(x)
        axes = (0,) + tuple(range(2, x.ndim))
        shape = (1, -1) + (1,) * (x.ndim - 2)
        calc = x.astype(np.float32) if x.dtype == np.float16 else x
        xhat, mean, var, rstd = _standardize(xp, calc, axes, eps)
        y = _scale_shift(xhat, None if weight is None else weight.reshape(shape),
                         None if bias is None else bias.reshape(shape), x.dtype)
        _Norm._save(ctx, x, weight, xhat, rstd, x.shape, axes, axes, shape, (x.shape[1],), eps)
        # the batch statistics are extra outputs (for the running averages), not differentiable
        mean, var = mean.reshape(-1).astype(x.dtype), var.reshape(-1).astype(x.dtype)
        ctx.mark_non_differentiable(mean, var)
        ctx.set_materialize_grads(False)
        return y, mean, var


class GroupNorm(_Norm):
    """Normalise each of ``groups`` channel groups over (C/groups, *spatial), per sample, in
    the view (N, groups, C/groups, spatial)."""

    node_name = "NativeGroupNormBackward0"

    @staticmethod
    def forward(ctx, x, weight=None, bias=None, groups=1, eps=1e-5):
        xp = xp_of(x)
        n, c = x.shape[:2]
        view = (n, groups, c // groups, math.prod(x.shape[2:]))
        wview = (1, groups, c // groups, 1)
        calc = xp.ascontiguousarray(x, dtype=np.float32 if x.dtype == np.float16 else x.dtype)
        xhat, _, _, rstd = _standardize(xp, calc.reshape(view), (2, 3), eps)
        y = _scale_shift(xhat, None if weight is None else weight.reshape(wview),
                         None if bias is None else bias.reshape(wview), x.dtype)
        _Norm._save(ctx, x, weight, xhat, rstd, view, (2, 3), (0, 3), wview, (c,), eps)
        return y.reshape(x.shape)
