"""EmbeddingBag: sums, means or maxima of bags of embedding rows, without materialising the rows'
per-index gradient graph (PyTorch's fused ``embedding_bag`` kernel)."""

import numpy as np

from ..autograd.function import Op
from ._util import add_rows_at, xp_of

__all__ = []

MODES = {"sum": 0, "mean": 1, "max": 2}


def bag_layout(xp, indices, offsets, include_last_offset):
    """``(bag_of, n_bags)``: the bag each index belongs to. As in PyTorch's CPU kernel, indices
    past ``offsets[-1]`` with ``include_last_offset`` fall into the last bag."""
    n = indices.shape[0]
    n_bags = offsets.shape[0] - 1 if include_last_offset else offsets.shape[0]
    starts = offsets[:n_bags] if include_last_offset else offsets
    pos = xp.arange(n)
    bag_of = xp.searchsorted(starts, pos, side="right") - 1
    return bag_of, max(n_bags, 0)


def _freq_scale(xp, indices, num_weights):
    """Per-row gradient scale for ``scale_grad_by_freq`` in sum/mean mode.

    PyTorch's CPU kernel divides the gradient of the r-th distinct index (in sorted order) by the
    count of ``sorted_indices[r]`` rather than of that index itself; mirrored here so gradients
    match PyTorch exactly (they agree with 1/count whenever each index occurs once)."""
    counts = xp.bincount(indices, minlength=num_weights)
    uniq = xp.unique(indices)
    sorted_idx = xp.sort(indices)
    scale = xp.zeros(num_weights, dtype=np.float64)
    scale[uniq] = 1.0 / counts[sorted_idx[: uniq.shape[0]]]
    return scale


class EmbeddingBag(Op):
    """``out[b] = reduce_{i in bag b} weight[indices[i]] (* per_sample_weights[i])``."""
    once_differentiable = True     # array backward (see Op)
    node_name = "EmbeddingBagBackward0"

    @staticmethod
    def forward(ctx, weight, per_sample_weights=None, indices=None, offsets=None, mode="mean",
                include_last_offset=False, padding_idx=None, scale_grad_by_freq=False):
        xp = xp_of(weight)
        bag_of, n_bags = bag_layout(xp, indices, offsets, include_last_offset)
        keep = bag_of >= 0
        if padding_idx is not None:
            keep &= indices != padding_idx
        idx, bag = indices[keep], bag_of[keep]
        dim = weight.shape[1]
        rows = weight[idx]
        counts = xp.bincount(bag, minlength=n_bags)[:n_bags] if bag.size else \
            xp.zeros(n_bags, dtype=np.int64)
        argmax = None
        if mode == "max":
            out = xp.full((n_bags, dim), -xp.inf, dtype=weight.dtype)
            if idx.size:
                xp.maximum.at(out, bag, rows)
            # the first row reaching the maximum gets the gradient, as in PyTorch's kernel
            first = xp.full((n_bags, dim), idx.size, dtype=np.int64)
            hit = rows == out[bag]
            pos_b, pos_d = xp.nonzero(hit)
            xp.minimum.at(first, (bag[pos_b], pos_d), pos_b)
            out[counts == 0] = 0
            argmax = (first, idx)
        else:
            if per_sample_weights is not None:
                rows = rows * per_sample_weights[keep][:, None]
            out = xp.zeros((n_bags, dim), dtype=weight.dtype)
            add_rows_at(out, bag, rows)
            if mode == "mean":
                out /= xp.maximum(counts, 1)[:, None].astype(weight.dtype)
        ctx.meta = (weight.shape, mode, idx, bag, counts, argmax, keep, scale_grad_by_freq,
                    indices)
        if per_sample_weights is not None:
            ctx.save_for_backward(weight, per_sample_weights)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        shape, mode, idx, bag, counts, argmax, keep, by_freq, indices = ctx.meta
        g = grad._data
        xp = xp_of(g)
        gw = gp = None
        if ctx.needs_input_grad[0]:
            gw = xp.zeros(shape, dtype=g.dtype)
            if mode == "max":
                first, idx_kept = argmax
                b, d = xp.nonzero(first < idx_kept.size)
                rows_idx = idx_kept[first[b, d]]
                scale = 1.0
                if by_freq:
                    scale = 1.0 / xp.bincount(indices, minlength=shape[0])[rows_idx]
                add_rows_at(gw, (rows_idx, d), g[b, d] * scale)
            else:
                rows = g[bag]
                if mode == "mean":
                    rows = rows / xp.maximum(counts, 1)[bag][:, None].astype(g.dtype)
                if len(ctx.needs_input_grad) > 1:
                    psw = ctx.saved_tensors[1]._data
                    rows = rows * psw[keep][:, None]
                if by_freq:
                    rows = rows * _freq_scale(xp, indices, shape[0])[idx][:, None].astype(g.dtype)
                add_rows_at(gw, idx, rows)
            gw = Tensor._make(gw)
        if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]:
            weight = ctx.saved_tensors[0]._data
            gp = xp.zeros(keep.shape[0], dtype=g.dtype)
            gp[keep] = (g[bag] * weight[idx]).sum(1)
            gp = Tensor._make(gp)
            return gw, gp
        return (gw, None) if len(ctx.needs_input_grad) > 1 else gw
