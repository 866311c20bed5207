"""Fused loss kernels: negative log-likelihood (the core of cross-entropy).

``cross_entropy`` is ``nll_loss(log_softmax(x))`` as in PyTorch, which is also
what its graph shows (``NllLossBackward0`` after ``LogSoftmaxBackward0``).  The
common case (no class weights, every target a valid class, none ignored) is a
plain sum of the picked log-probabilities, checked with one ``max``; anything else
builds per-row weights.  The other losses are compositions of Ember ops in
``nn.functional``.
"""

import numpy as np

from ..autograd.function import Op
from ._util import xp_of

__all__ = []


def _flatten_classes(x, target):
    """(N, C, d1, ...) -> (N*d1*..., C) and targets (N, d1, ...) -> (N*d1*...,)."""
    xp = xp_of(x)
    if x.ndim == 1:
        return x[None, :], target.reshape(1)
    if x.ndim == 2:
        return x, target
    c = x.shape[1]
    return xp.moveaxis(x, 1, -1).reshape(-1, c), target.reshape(-1)


def _all_valid(t, c, ignore_index):
    """Whether every target is a class index and none is ``ignore_index``.

    Seen as unsigned, a negative index is huge, so one ``max`` checks both bounds."""
    if not t.size or t.dtype.kind not in "iu":
        return False
    unsigned = t.view(t.dtype.str.replace("i", "u"))
    return int(unsigned.max()) < c and not (0 <= ignore_index < c and (t == ignore_index).any())


class NllLoss(Op):
    node_name = "NllLossBackward0"

    @staticmethod
    def forward(ctx, x, target, weight=None, reduction="mean", ignore_index=-100):
        xp = xp_of(x)
        x2, t = _flatten_classes(x, target)
        n, c = x2.shape
        ctx.meta = (x.shape, reduction)
        if weight is None and reduction != "none" and _all_valid(t, c, ignore_index):
            # the common case: every row counts with weight 1, so the loss is a plain sum
            loss = -x2[xp.arange(n), t].sum()
            total = x.dtype.type(n)
            ctx.saved = (t, None)
            ctx.total = total
            return xp.asarray(loss / total if reduction == "mean" else loss, dtype=x.dtype)
        valid = t != ignore_index
        safe_t = xp.where(valid, t, 0)
        if n and ((safe_t < 0) | (safe_t >= c)).any():
            bad = int(safe_t[(safe_t < 0) | (safe_t >= c)][0])
            raise IndexError(f"Target {bad} is out of bounds.")
        w = weight[safe_t] * valid if weight is not None else valid.astype(x.dtype)
        picked = x2[xp.arange(n), safe_t]
        losses = -picked * w
        ctx.saved = (safe_t, w)
        if reduction == "none":
            out_shape = target.shape if x.ndim != 1 else ()
            return losses.reshape(out_shape).astype(x.dtype, copy=False)
        if reduction == "sum":
            return xp.asarray(losses.sum(), dtype=x.dtype)
        total = w.sum()
        ctx.total = total
        return xp.asarray(losses.sum() / total, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad, *_):
        shape, reduction = ctx.meta
        t, w = ctx.saved
        if w is None:            # all weights 1: one scale for every row
            scale = 1 / ctx.total if reduction == "mean" else ctx.total.dtype.type(1)
        else:
            scale = w if reduction != "mean" else w / ctx.total
        return NllLossGrad.apply(grad, shape=shape, target=t, scale=scale, reduction=reduction), None


class NllLoss2d(NllLoss):
    node_name = "NllLoss2DBackward0"


class NllLossGrad(Op):
    """The gradient of nll_loss w.r.t. its input: ``-scale * grad`` at the target entries."""

    node_name = "NllLossBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, shape=None, target=None, scale=None, reduction="mean"):
        xp = xp_of(grad)
        n = target.shape[0]
        c = shape[1] if len(shape) > 1 else shape[0]
        g = grad.reshape(-1) if reduction == "none" else grad.reshape(())
        vals = -(scale * g).astype(grad.dtype, copy=False)
        out = xp.zeros((n, c), dtype=grad.dtype)
        out[xp.arange(n), target] = vals
        ctx.meta = (shape, target, scale, reduction)
        if len(shape) == 1:
            return out.reshape(shape)
        if len(shape) > 2:
            perm_shape = (shape[0],) + tuple(shape[2:]) + (shape[1],)
            return xp.ascontiguousarray(xp.moveaxis(out.reshape(perm_shape), -1, 1))
        return out

    @staticmethod
    def backward(ctx, gg):
        from .._tensor import Tensor
        shape, target, scale, reduction = ctx.meta
        a = gg._data
        x2, t = _flatten_classes(a, target.reshape(-1) if a.ndim > 2 else target)
        xp = xp_of(a)
        picked = -x2[xp.arange(x2.shape[0]), target] * scale
        if reduction == "none":
            out_shape = (shape[0],) + tuple(shape[2:]) if len(shape) > 1 else ()
            return Tensor._make(picked.reshape(out_shape).astype(a.dtype, copy=False))
        return Tensor._make(xp.asarray(picked.sum(), dtype=a.dtype))


_ = np
