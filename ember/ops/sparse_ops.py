"""Embedding lookup: rows of a weight matrix gathered by index; gradients summed back per row."""


from ..autograd.function import Op
from ._util import add_rows_at, xp_of

__all__ = []


class Embedding(Op):
    once_differentiable = True     # array backward (see Op)
    node_name = "EmbeddingBackward0"

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        n = weight.shape[0]
        if indices.dtype.kind not in "iu":
            raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the "
                               "following scalar types: Long, Int; but got torch.FloatTensor "
                               "instead (while checking arguments for embedding)")
        if indices.size and (indices.min() < -n or indices.max() >= n or indices.min() < 0):
            raise IndexError("index out of range in self")
        ctx.meta = (weight.shape, padding_idx)
        ctx.indices = indices
        return weight[indices]

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        shape, padding_idx = ctx.meta
        g = grad._data
        xp = xp_of(g)
        idx = ctx.indices.reshape(-1)
        rows = g.reshape(-1, shape[1])
        if padding_idx is not None:
            keep = idx != padding_idx
            idx, rows = idx[keep], rows[keep]
        out = xp.zeros(shape, dtype=g.dtype)
        add_rows_at(out, idx, rows)
        return Tensor._make(out), None
