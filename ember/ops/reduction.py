"""Reductions over ``dim`` (an int, a tuple, or all dims) with ``keepdim``."""

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, tensor_method
from ..autograd.function import Op
from ._util import dims_arg

__all__ = ["sum", "mean"]


def _restore_dims(grad, shape, dims, keepdim):
    """Re-insert reduced dims (size 1) into ``grad`` so it broadcasts against ``shape``."""
    if keepdim or dims is None and grad.ndim == 0 and not shape:
        return grad
    if dims is None:
        return grad.reshape((1,) * len(shape)) if shape else grad
    new_shape = list(grad.shape)
    for d in dims:
        new_shape.insert(d, 1)
    return grad.reshape(tuple(new_shape))


class Sum(Op):
    node_name = "SumBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64   # PyTorch sums integers (and bools) in int64
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return _restore_dims(grad, ctx.shape, ctx.dims, ctx.keepdim).expand(ctx.shape)


class SumDim(Sum):
    node_name = "SumBackward1"


class Mean(Op):
    node_name = "MeanBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = 1
        for d in (range(x.ndim) if dims is None else dims):
            n *= x.shape[d]
        ctx.n = n
        with np.errstate(invalid="ignore", divide="ignore"):
            r = x.mean(axis=dims, keepdims=keepdim, dtype=dtype)
        return r.astype(x.dtype if dtype is None else dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return _restore_dims(grad, ctx.shape, ctx.dims, ctx.keepdim).expand(ctx.shape) / ctx.n


class MeanDim(Mean):
    node_name = "MeanBackward1"


@tensor_method()
def sum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.sum``: over all elements, or over ``dim`` (int or tuple) keeping dims if asked."""
    if isinstance(dim, D.dtype):
        dim, dtype = None, dim
    dims = dims_arg(dim, input.ndim)
    npdt = dtype.np_dtype if dtype is not None else None
    if dims is None:
        r = Sum.apply(input, dtype=npdt) if npdt is not None else Sum.apply(input)
    else:
        r = SumDim.apply(input, dims=dims, keepdim=keepdim, dtype=npdt)
    if dtype is D.bfloat16 or (input._dtype is D.bfloat16 and dtype is None):
        r._dtype = D.bfloat16
    if out is not None:
        from .pointwise import _out
        return _out(out, r)
    return r


@tensor_method()
def mean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.mean``: floating and complex inputs only, as in PyTorch."""
    dt = dtype or input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {D._SCALAR_NAME(input._dtype) if hasattr(D, '_SCALAR_NAME') else _sname(input._dtype)}")
    dims = dims_arg(dim, input.ndim)
    npdt = dtype.np_dtype if dtype is not None else None
    if dims is None:
        r = Mean.apply(input, dtype=npdt) if npdt is not None else Mean.apply(input)
    else:
        r = MeanDim.apply(input, dims=dims, keepdim=keepdim, dtype=npdt)
    if out is not None:
        from .pointwise import _out
        return _out(out, r)
    return r


def _sname(dt):
    from .._tensor import _scalar_type_name
    return _scalar_type_name(dt)


@tensor_method()
def sum_to_size(self, *size):
    """Sum ``self`` down to ``size`` (the inverse of broadcasting)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    from ..autograd.engine import unbroadcast
    return unbroadcast(self, tuple(size))


_ = Tensor
