"""Connectionist Temporal Classification loss (PyTorch's ``_ctc_loss`` and its backward).

The forward (alpha) and backward (beta) recursions run in log space over the
extended label sequence ``blank, l1, blank, l2, ..., blank``, vectorised over
the batch and the label positions; only time is a Python loop. Each sample's
own input and target lengths are honoured by masking.

The gradient is PyTorch's: with ``ab[t, s] = alpha[t, s] + beta[t, s]`` (beta
includes the emission at ``t``, so it is counted twice)::

    grad[t, n, c] = exp(lp[t, n, c]) - exp(logsumexp_{s: l'_s = c} ab[t, s] + nll[n] - lp[t, n, c])

for ``t < input_lengths[n]`` and 0 after. This is the gradient through a
log_softmax that produced ``log_probs``, which is what PyTorch returns.
"""

import numpy as np

from ..autograd.function import Op
from ._util import xp_of

__all__ = []


def _lse(xp, *terms):
    """Elementwise log(sum(exp(terms))) that stays -inf when every term is -inf."""
    stack = xp.stack(terms)
    m = stack.max(0)
    safe = xp.where(xp.isfinite(m), m, 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return xp.log(xp.exp(stack - safe).sum(0)) + safe


def _extended(xp, targets, target_lengths, blank):
    """``l'`` (N, 2*Smax+1) and whether the skip transition s-2 -> s is allowed."""
    n = targets.shape[0]
    s_max = targets.shape[1]
    ext = xp.full((n, 2 * s_max + 1), blank, dtype=np.int64)
    ext[:, 1::2] = targets
    pos = xp.arange(2 * s_max + 1)
    ext = xp.where(pos[None, :] < (2 * target_lengths[:, None] + 1), ext, blank)
    skip = xp.zeros(ext.shape, dtype=bool)
    skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
    return ext, skip


class CtcLoss(Op):
    once_differentiable = True     # array backward (see Op)
    node_name = "CtcLossBackward0"

    @staticmethod
    def forward(ctx, log_probs, targets=None, input_lengths=None, target_lengths=None, blank=0,
                zero_infinity=False):
        xp = xp_of(log_probs)
        lp = log_probs
        T, N, _ = lp.shape
        ext, skip = _extended(xp, targets, target_lengths, blank)
        L = ext.shape[1]
        n_ext = 2 * target_lengths + 1                    # (N,)
        pos = xp.arange(L)
        valid = pos[None, :] < n_ext[:, None]             # (N, L)
        batch = xp.arange(N)[:, None]
        emit = lp[:, batch, ext]                          # (T, N, L): lp[t, n, l'_s]
        neg_inf = xp.array(-xp.inf, dtype=lp.dtype)

        alpha = xp.full((T, N, L), -xp.inf, dtype=lp.dtype)
        if T:
            alpha[0, :, 0] = emit[0, :, 0]
            if L > 1:
                alpha[0, :, 1] = xp.where(n_ext > 1, emit[0, :, 1], neg_inf)
        for t in range(1, T):
            prev = alpha[t - 1]
            s1 = xp.concatenate([xp.full((N, 1), -xp.inf, dtype=lp.dtype), prev[:, :-1]], 1)
            s2 = xp.concatenate([xp.full((N, 2), -xp.inf, dtype=lp.dtype), prev[:, :-2]], 1)
            s2 = xp.where(skip, s2, neg_inf)
            alpha[t] = xp.where(valid, _lse(xp, prev, s1, s2) + emit[t], neg_inf)

        t_last = xp.maximum(input_lengths - 1, 0)
        end = alpha[t_last, xp.arange(N)]                  # (N, L)
        last = xp.take_along_axis(end, (n_ext - 1)[:, None], 1)[:, 0]
        before = xp.take_along_axis(end, xp.maximum(n_ext - 2, 0)[:, None], 1)[:, 0]
        before = xp.where(n_ext > 1, before, neg_inf)
        nll = -_lse(xp, last, before)

        ctx.meta = (ext, skip, valid, emit, alpha, nll, input_lengths, zero_infinity)
        ctx.save_for_backward(log_probs)
        return nll

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        ext, skip, valid, emit, alpha, nll, input_lengths, zero_infinity = ctx.meta
        lp = ctx.saved_tensors[0]._data
        xp = xp_of(lp)
        T, N, C = lp.shape
        L = ext.shape[1]
        neg_inf = xp.array(-xp.inf, dtype=lp.dtype)
        n_ext = valid.sum(1)
        pos = xp.arange(L)
        beta = xp.full((T, N, L), -xp.inf, dtype=lp.dtype)
        is_end = (pos[None, :] == (n_ext - 1)[:, None]) | (pos[None, :] == (n_ext - 2)[:, None])
        skip_next = xp.zeros_like(skip)
        skip_next[:, :-2] = skip[:, 2:]                   # transition s -> s+2 allowed
        for t in range(T - 1, -1, -1):
            start = (input_lengths - 1 == t)[:, None]     # this sample's last frame
            inside = (t < input_lengths - 1)[:, None]
            if t + 1 < T:
                nxt = beta[t + 1]
                s1 = xp.concatenate([nxt[:, 1:], xp.full((N, 1), -xp.inf, dtype=lp.dtype)], 1)
                s2 = xp.concatenate([nxt[:, 2:], xp.full((N, 2), -xp.inf, dtype=lp.dtype)], 1)
                s2 = xp.where(skip_next, s2, neg_inf)
                rec = _lse(xp, nxt, s1, s2) + emit[t]
            else:
                rec = xp.full((N, L), -xp.inf, dtype=lp.dtype)
            init = xp.where(is_end, emit[t], neg_inf)
            beta[t] = xp.where(valid & start, init, xp.where(valid & inside, rec, neg_inf))

        ab = alpha + beta                                  # (T, N, L)
        m = ab.max(2, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        acc = xp.zeros((T, N, C), dtype=lp.dtype)
        t_idx = xp.arange(T)[:, None, None]
        n_idx = xp.arange(N)[None, :, None]
        ext_b = xp.broadcast_to(ext[None], ab.shape)
        with np.errstate(over="ignore", invalid="ignore"):
            w = xp.exp(ab - m)
        if xp is np:
            np.add.at(acc, (xp.broadcast_to(t_idx, ab.shape), xp.broadcast_to(n_idx, ab.shape),
                            ext_b), w)
        else:
            xp.add.at(acc, (xp.broadcast_to(t_idx, ab.shape), xp.broadcast_to(n_idx, ab.shape),
                            ext_b), w)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lcab = xp.log(acc) + m
            g = xp.exp(lp) - xp.exp(lcab + nll[None, :, None] - lp)
        live = (xp.arange(T)[:, None] < input_lengths[None, :])[:, :, None]
        g = xp.where(live, g, xp.zeros((), dtype=lp.dtype))
        if zero_infinity:
            g = xp.where(xp.isinf(nll)[None, :, None], xp.zeros((), dtype=lp.dtype), g)
        g = g * grad._data[None, :, None]
        return Tensor._make(g)
