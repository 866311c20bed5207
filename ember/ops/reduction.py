"""Reductions over ``dim`` (an int, a tuple, or all dims) with ``keepdim``, and scans.

Every reduction follows one pattern: the forward reduces the array with the
array module, the backward puts the reduced dims back (``_unreduce``) and
broadcasts the gradient over them, scaled as the reduction asks.  Reductions
that pick elements (max, min, median ...) route the gradient through a
constant 0/1 mask or through the private gather/scatter pair at the bottom,
so second derivatives keep working.
"""

import functools
import types
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _scalar_type_name, tensor_method, wrap_dim
from ..autograd import grad_mode
from ..autograd.function import NULL_CTX, Op, apply_inplace
from ._util import _loud, _quiet, dims_arg, xp_of

__all__ = ["sum", "nansum", "mean", "nanmean", "prod", "var", "std", "var_mean", "std_mean",
           "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "all", "any", "norm",
           "logsumexp", "cumsum", "cumprod", "cummax", "cummin", "count_nonzero",
           "return_types"]

_builtin_max, _builtin_min, _builtin_all, _builtin_any, _builtin_sum = max, min, all, any, sum


# ---------------------------------------------------------------------- named tuples
class _ReturnType(tuple):
    """A ``torch.return_types.*`` structseq: a tuple with named fields and PyTorch's repr."""

    __slots__ = ()
    _fields = ()

    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(cls._fields):
            raise TypeError(f"torch.return_types.{cls.__name__}() takes a {len(cls._fields)}-sequence "
                            f"({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    @property
    def n_fields(self):
        return len(self._fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"

    __str__ = __repr__

    def __reduce__(self):
        return type(self), (tuple(self),)


def _return_type(name, fields=("values", "indices")):
    ns = {"__slots__": (), "_fields": fields, "__module__": "torch.return_types",
          "__qualname__": name}
    for i, f in enumerate(fields):
        ns[f] = property(lambda self, i=i: tuple.__getitem__(self, i))
    return type(name, (_ReturnType,), ns)


return_types = types.ModuleType("torch.return_types",
                                "Named tuples returned by reductions (``torch.return_types``).")
for _name in ("max", "min", "cummax", "cummin", "median", "nanmedian", "mode", "sort", "topk",
              "kthvalue"):
    setattr(return_types, _name, _return_type(_name))
    setattr(return_types, _name + "_out", _return_type(_name + "_out"))
return_types.aminmax = _return_type("aminmax", ("min", "max"))
return_types.aminmax_out = _return_type("aminmax_out", ("min", "max"))


# ---------------------------------------------------------------------- helpers
_ndarray = np.ndarray
_add_reduce = np.add.reduce
_asarray = np.asarray
_grad_state = grad_mode.state
_FAST_SUM = frozenset((D.float32, D.float64))


def _reduce_dims(dim, ndim):
    """``dim`` as a sorted tuple, or None for all dims (None, (), [] and any dim of a 0-d tensor)."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        return None
    dims = dims_arg(dim, ndim)
    return None if ndim == 0 else dims


def _reduce_dims_seq(dim, ndim):
    """As ``_reduce_dims``, checking the dims one at a time (a repeated dim is reported before a
    later out-of-range one), the order of PyTorch's ``make_dim_mask`` path (var, std, norm ...)."""
    if isinstance(dim, (list, tuple)) and len(dim) > 1:
        seen = set()
        for d in dim:
            w = wrap_dim(d, ndim)
            if w in seen:
                raise RuntimeError(f"dim {w} appears multiple times in the list of dims")
            seen.add(w)
    return _reduce_dims(dim, ndim)


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


def _unreduce(grad, shape, dims, keepdim):
    """The gradient of a reduction broadcast back over the input's shape."""
    arr = grad._data
    if arr.ndim == 0:
        # a full reduction's 0-d gradient expands to any shape: skip the reshape and the size
        # checks of ``Tensor.expand`` (this is the backward of every ``loss.sum()``)
        shape = tuple(shape)
        if arr.__class__ is _ndarray and not _grad_state.grad_enabled:
            # no graph to record (backward without create_graph): the stride-0 view directly
            return Tensor._make(_ndarray(shape, arr.dtype, arr, 0, (0,) * len(shape)),
                                grad._dtype)
        return _expand_op().apply(grad, shape=shape)
    return _restore_dims(grad, shape, dims, keepdim).expand(shape)


def _expand_op():
    global _Expand
    if _Expand is None:
        from .shape import Expand as _Expand
    return _Expand


_Expand = None


def _keep_array(arr, shape, dims, keepdim):
    """A reduced array reshaped with its reduced dims kept (size 1)."""
    if keepdim:
        return arr
    if dims is None:
        return arr.reshape((1,) * len(shape))
    new_shape = list(arr.shape)
    for d in dims:
        new_shape.insert(d, 1)
    return arr.reshape(tuple(new_shape))


def _reduced_shape(shape, dims):
    if dims is None:
        return ()
    return tuple(n for i, n in enumerate(shape) if i not in dims)


def _count(shape, dims):
    n = 1
    for d in (range(len(shape)) if dims is None else dims):
        n *= shape[d]
    return n


def _const(arr):
    """A constant (non-differentiable) tensor over ``arr``."""
    return Tensor._make(arr)


def _out(out, result):
    """Write ``result`` into the ``out=`` tensor, resizing it as PyTorch does."""
    if tuple(out.shape) != tuple(result.shape):
        if out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0). (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/"
                "native/Resize.cpp:30.)", UserWarning, stacklevel=3)
        out.resize_(result.shape)
    out.copy_(result.detach())
    return out


def _check_dtype_arg(dtype):
    return None if dtype is None else dtype.np_dtype


def _nonempty_dim(input, dim, name, sep="(): "):
    """PyTorch's IndexError for a reduction over an empty dimension."""
    if input.ndim and input.shape[dim] == 0:
        raise IndexError(f"{name}{sep}Expected reduction dim {dim} to have non-zero size.")


def _nonempty_all(input, name):
    if input.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                           "Specify the reduction dim with the 'dim' argument.")


def _isnan(xp, x):
    return xp.isnan(x) if x.dtype.kind in "fc" else xp.zeros(x.shape, bool)


# ---------------------------------------------------------------------- sum / mean
class Sum(Op):
    node_name = "SumBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64   # PyTorch sums integers (and bools) in int64
        if (dtype or x.dtype) == np.float16:    # ... and half in float32
            return x.sum(axis=dims, keepdims=keepdim, dtype=np.float32).astype(np.float16)
        token = _quiet()                # inf + -inf is NaN, silently (as PyTorch)
        try:
            if x.__class__ is _ndarray:     # ndarray.sum is a Python wrapper around this
                return _add_reduce(x, dims, dtype, None, keepdim)
            return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)
        finally:
            _loud(token)

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.shape, ctx.dims, ctx.keepdim)


class SumDim(Sum):
    node_name = "SumBackward1"


class _NoDim:
    """Default of ``dim`` where PyTorch tells "not given" (SumBackward0) from ``dim=None``."""

    __slots__ = ()

    def __repr__(self):
        return "None"


_NO_DIM = _NoDim()


@tensor_method()
def sum(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """``torch.sum``: over all elements, or over ``dim`` (int or tuple) keeping dims if asked.

    Integer and bool inputs sum in int64 unless ``dtype`` says otherwise.
    """
    if dim is _NO_DIM and input.__class__ is Tensor and input._dtype in _FAST_SUM and \
            dtype is None and out is None and not keepdim:
        x = input._data
        if x.__class__ is _ndarray and not (input._requires_grad and _grad_state.grad_enabled):
            # ``x.sum()`` of a float tensor with no graph to record: skip the op machinery
            token = _quiet()
            try:
                return Tensor._make(_asarray(_add_reduce(x, None)), input._dtype)
            finally:
                _loud(token)
    if isinstance(dim, D.dtype):
        dim, dtype = _NO_DIM, dim
    given = dim is not _NO_DIM
    dims = _reduce_dims(dim if given else None, input.ndim)
    npdt = _check_dtype_arg(dtype)
    if not given:
        r = Sum.apply(input, dtype=npdt) if npdt is not None else Sum.apply(input)
    else:
        r = SumDim.apply(input, dims=dims, keepdim=keepdim, dtype=npdt)
    if dtype is D.bfloat16 or (input._dtype is D.bfloat16 and dtype is None):
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


class Nansum(Op):
    node_name = "NansumBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        xp = xp_of(x)
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        if x.dtype.kind in "biu":
            return x.sum(axis=dims, keepdims=keepdim, dtype=dtype or np.int64)
        if ctx is not NULL_CTX:
            ctx.keep = ~xp.isnan(x)
        return xp.nansum(x, axis=dims, keepdims=keepdim, dtype=dtype).astype(dtype or x.dtype,
                                                                             copy=False)

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.shape, ctx.dims, ctx.keepdim) * _const(ctx.keep)


@tensor_method()
def nansum(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.nansum``: ``sum`` treating NaN as zero (no complex inputs, as on PyTorch's CPU)."""
    if input._dtype.is_complex:
        raise RuntimeError("nansum on CPU does not support complex inputs")
    dims = _reduce_dims_seq(dim, input.ndim)
    r = Nansum.apply(input, dims=dims, keepdim=keepdim, dtype=_check_dtype_arg(dtype))
    if input._dtype is D.bfloat16 and dtype is None:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


class Mean(Op):
    node_name = "MeanBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.n = _count(x.shape, dims)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = x.mean(axis=dims, keepdims=keepdim, dtype=dtype)
        return r.astype(x.dtype if dtype is None else dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return _unreduce(grad, ctx.shape, ctx.dims, ctx.keepdim) / ctx.n


class MeanDim(Mean):
    node_name = "MeanBackward1"


@tensor_method()
def mean(input, dim=_NO_DIM, keepdim=False, *, dtype=None, out=None):
    """``torch.mean``: floating and complex inputs only, as in PyTorch."""
    dt = dtype or input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be either a "
                           f"floating point or complex dtype. Got: {_scalar_type_name(dt)}")
    given = dim is not _NO_DIM
    dims = _reduce_dims(dim if given else None, input.ndim)
    npdt = _check_dtype_arg(dtype)
    if not given:
        r = Mean.apply(input, dtype=npdt) if npdt is not None else Mean.apply(input)
    else:
        r = MeanDim.apply(input, dims=dims, keepdim=keepdim, dtype=npdt)
    if dt is D.bfloat16:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


@tensor_method()
def nanmean(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.nanmean``: ``nansum / count of non-NaN`` (so its grad_fn is ``DivBackward0``)."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but "
                           f"got {_scalar_type_name(input._dtype)}")
    dims = _reduce_dims(dim, input.ndim)
    xp = xp_of(input._data)
    count = (~xp.isnan(input._data)).sum(axis=dims, keepdims=keepdim)
    r = nansum(input, dim, keepdim, dtype=dtype) / _const(count)
    return r if out is None else _out(out, r)


@tensor_method()
def sum_to_size(self, *size):
    """Sum ``self`` down to ``size`` (the inverse of broadcasting)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    from ..autograd.engine import unbroadcast
    return unbroadcast(self, tuple(size))


# ---------------------------------------------------------------------- prod
def _prod_of_others(xp, x, axis):
    """For each element, the product of the other elements along ``axis`` (exact with zeros)."""
    x = xp.moveaxis(x, axis, -1)
    ones = xp.ones(x.shape[:-1] + (1,), x.dtype)
    left = xp.concatenate([ones, xp.cumprod(x[..., :-1], axis=-1)], axis=-1)
    rev = x[..., ::-1]
    right = xp.concatenate([ones, xp.cumprod(rev[..., :-1], axis=-1)], axis=-1)[..., ::-1]
    return xp.moveaxis(left * right, -1, axis)


class Prod(Op):
    node_name = "ProdBackward0"

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        r = x.prod(axis=dim, keepdims=keepdim, dtype=dtype)
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, result = ctx.saved_tensors
        dims = None if ctx.dim is None else (ctx.dim,)
        g = _unreduce(grad, ctx.shape, dims, ctx.keepdim)
        if not (x._data == 0).any():
            r = _unreduce(result, ctx.shape, dims, ctx.keepdim)
            return g * (r / x).conj()
        # With zeros ``result / x`` is 0/0: multiply the other elements directly instead.
        return g * ProdOfOthers.apply(x, dim=ctx.dim).conj()


class ProdOfOthers(Op):
    """For each element the product of all the others (along ``dim``), exact with zeros."""

    node_name = "ProdBackward0"

    @staticmethod
    def forward(ctx, x, dim=None):
        xp = xp_of(x)
        if dim is None:
            return _prod_of_others(xp, x.reshape(-1), 0).reshape(x.shape)
        return _prod_of_others(xp, x, dim)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("Ember: the double backward of prod through zeros is not supported")


class ProdDim(Prod):
    node_name = "ProdBackward1"


@tensor_method()
def prod(input, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.prod``: of all elements, or along one ``dim`` (an int; PyTorch takes no tuple).

    Integer and bool inputs multiply in int64.
    """
    if isinstance(dim, D.dtype):
        dim, dtype = None, dim
    if isinstance(dim, (tuple, list)):
        raise TypeError("prod() received an invalid combination of arguments - got (tuple), but "
                        "expected one of:\n * (*, torch.dtype dtype = None)\n * (int dim, bool "
                        "keepdim = False, *, torch.dtype dtype = None)\n")
    npdt = _check_dtype_arg(dtype)
    if dim is None:
        r = Prod.apply(input, dtype=npdt)
    else:
        d = wrap_dim(dim, input.ndim)
        r = ProdDim.apply(input, dim=d if input.ndim else None, keepdim=keepdim, dtype=npdt)
    if input._dtype is D.bfloat16 and dtype is None:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


# ---------------------------------------------------------------------- var / std
_DOF_WARNING = ("{}(): degrees of freedom is <= 0. Correction should be strictly less than the "
                "reduction factor (input numel divided by output numel). (Triggered internally at "
                "/__w/pytorch/pytorch/aten/src/ATen/native/ReduceOps.cpp:1861.)")


def _var_args(name, input, dim, unbiased, keepdim, correction):
    if isinstance(dim, bool):
        if unbiased is not None:
            raise TypeError(f"{name}() received an invalid combination of arguments")
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got "
                        "(correction=int, unbiased=bool, ), but expected one of:\n"
                        " * (tuple of ints dim, bool unbiased = True, bool keepdim = False)\n"
                        " * (tuple of ints dim = None, *, Number correction = None, "
                        "bool keepdim = False)\n * (bool unbiased = True)\n")
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    dims = _reduce_dims_seq(dim, input.ndim)
    n = _count(input.shape, dims)
    dof = _builtin_max(0, n - correction)
    if dof <= 0:
        warnings.warn(_DOF_WARNING.format(name), UserWarning, stacklevel=3)
    return dims, keepdim, dof


def _var_forward(x, dims, keepdim, dof):
    xp = xp_of(x)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = x.mean(axis=dims, keepdims=True)
        d = x - m
        sq = (d * d.conj()).real if x.dtype.kind == "c" else d * d
        v = sq.sum(axis=dims, keepdims=keepdim) / xp.asarray(dof, dtype=sq.dtype)
    return v.astype(sq.dtype, copy=False), (m if keepdim else m.reshape(v.shape))


def _var_backward(grad_var, x, dims, keepdim, dof):
    g = _restore_dims(grad_var, x.shape, dims, keepdim)
    centered = x - x.mean(dims, keepdim=True) if dims is not None else x - x.mean()
    return g * centered * (2.0 / dof if dof else float("inf"))


def _std_to_var_grad(grad, std):
    """d std = d var / (2 std), with zero where std is zero (as PyTorch masks it)."""
    return grad / ((std + (std == 0)) * 2) * (std != 0)


class Var(Op):
    node_name = "VarBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dof=1):
        ctx.dims, ctx.keepdim, ctx.dof = dims, keepdim, dof
        ctx.save_for_backward(x)
        return _var_forward(x, dims, keepdim, dof)[0]

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return _var_backward(grad, x, ctx.dims, ctx.keepdim, ctx.dof)


class Std(Op):
    node_name = "StdBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dof=1):
        ctx.dims, ctx.keepdim, ctx.dof = dims, keepdim, dof
        xp = xp_of(x)
        r = xp.sqrt(_var_forward(x, dims, keepdim, dof)[0])
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, r = ctx.saved_tensors
        return _var_backward(_std_to_var_grad(grad, r), x, ctx.dims, ctx.keepdim, ctx.dof)


class VarMean(Op):
    node_name = "VarMeanBackward0"
    take_sqrt = False

    @classmethod
    def forward(cls, ctx, x, dims=None, keepdim=False, dof=1):
        ctx.dims, ctx.keepdim, ctx.dof = dims, keepdim, dof
        ctx.shape, ctx.n = x.shape, _count(x.shape, dims)
        v, m = _var_forward(x, dims, keepdim, dof)
        if cls.take_sqrt:
            v = xp_of(x).sqrt(v)
        ctx.save_for_backward(x, v)
        return v, m

    @classmethod
    def backward(cls, ctx, grad_v, grad_m):
        x, v = ctx.saved_tensors
        gv = _std_to_var_grad(grad_v, v) if cls.take_sqrt else grad_v
        g = _var_backward(gv, x, ctx.dims, ctx.keepdim, ctx.dof)
        return g + _unreduce(grad_m, ctx.shape, ctx.dims, ctx.keepdim) / ctx.n


class StdMean(VarMean):
    node_name = "StdMeanBackward0"
    take_sqrt = True


def _variance(op, name, input, dim, unbiased, keepdim, correction, out):
    dims, keepdim, dof = _var_args(name, input, dim, unbiased, keepdim, correction)
    r = op.apply(input, dims=dims, keepdim=keepdim, dof=dof)
    if input._dtype is D.bfloat16:
        for t in (r if isinstance(r, tuple) else (r,)):
            t._dtype = D.bfloat16
    return r if out is None else _out(out, r)


@tensor_method()
def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``torch.var``: ``sum((x - mean)**2) / max(0, N - correction)``; ``unbiased`` is
    ``correction=1`` (the default) or ``0``; warns when the degrees of freedom are <= 0."""
    return _variance(Var, "var", input, dim, unbiased, keepdim, correction, out)


@tensor_method()
def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``torch.std``: the square root of ``var`` with the same arguments."""
    return _variance(Std, "std", input, dim, unbiased, keepdim, correction, out)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``torch.var_mean``: the tuple ``(var, mean)``, one node for both."""
    return _variance(VarMean, "var_mean", input, dim, unbiased, keepdim, correction, out)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None, out=None):
    """``torch.std_mean``: the tuple ``(std, mean)``, one node for both."""
    return _variance(StdMean, "std_mean", input, dim, unbiased, keepdim, correction, out)


# ---------------------------------------------------------------------- max / min
def _onehot(xp, idx_keep, shape, dim):
    """Bool mask of ``shape`` that is True at ``idx_keep`` (indices with ``dim`` kept) along ``dim``."""
    view = [1] * len(shape)
    view[dim] = shape[dim]
    return xp.arange(shape[dim]).reshape(view) == idx_keep


def _evenly(grad, x, result, mask_arr):
    """Split ``grad`` evenly between the elements selected by ``mask_arr``."""
    mask = _const(mask_arr)
    count = int(mask_arr.sum())
    return (grad * mask) / count if count else grad * mask


def _ties_mask(xp, x, value):
    m = x == value
    if x.dtype.kind in "fc":
        m = m | (xp.isnan(x) & xp.isnan(value))
    return m


class MaxAll(Op):
    node_name = "MaxBackward1"
    reducer = "max"

    @classmethod
    def forward(cls, ctx, x):
        xp = xp_of(x)
        r = getattr(xp, cls.reducer)(x)
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, r = ctx.saved_tensors
        xp = xp_of(x._data)
        mask = _ties_mask(xp, x._data, r._data)
        return _evenly(grad.expand(x.shape), x, r, mask)


class MinAll(MaxAll):
    node_name = "MinBackward1"
    reducer = "min"


class MaxDim(Op):
    """max/min along one dim: ``(values, indices)``, the gradient goes to the chosen index."""

    node_name = "MaxBackward0"
    arg = "argmax"

    @classmethod
    def forward(cls, ctx, x, dim=0, keepdim=False):
        xp = xp_of(x)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        if x.ndim == 0:
            return x.copy(), xp.zeros((), np.int64)
        idx = getattr(xp, cls.arg)(x, axis=dim, keepdims=True).astype(np.int64, copy=False)
        vals = xp.take_along_axis(x, idx, axis=dim)
        ctx.idx = idx
        if not keepdim:
            idx, vals = idx.squeeze(dim), vals.squeeze(dim)
        return vals, idx

    @staticmethod
    def backward(ctx, grad, _gi=None):
        return _select_backward(grad, ctx.shape, ctx.dim, ctx.keepdim, ctx.idx)


class MinDim(MaxDim):
    node_name = "MinBackward0"
    arg = "argmin"


def _select_backward(grad, shape, dim, keepdim, idx_keep):
    """Gradient of a selection along ``dim`` at ``idx_keep``: ``grad`` there, zero elsewhere."""
    if not shape:
        return grad
    g = grad if keepdim else grad.unsqueeze(dim)
    mask = _onehot(xp_of(idx_keep), idx_keep, shape, dim)
    return g.expand(shape) * _const(mask)


def _binary_extreme(name, input, other, out):
    from .pointwise import maximum, minimum
    r = (maximum if name == "max" else minimum)(input, other)
    return r if out is None else _out(out, r)


def _extreme(name, input, dim, keepdim, out, whole_op, dim_op):
    if isinstance(dim, Tensor):
        return _binary_extreme(name, input, dim, out)
    if dim is None:
        if input._dtype.is_complex:
            raise NotImplementedError(f'"{name}_all" not implemented for '
                                      f"'{_scalar_type_name(input._dtype)}'")
        _nonempty_all(input, name)
        r = whole_op.apply(input)
        if input._dtype is D.bfloat16:
            r._dtype = D.bfloat16
        return r if out is None else _out(out, r)
    if input._dtype.is_complex:
        raise RuntimeError(f"{name}(): does not support complex input")
    d = wrap_dim(dim, input.ndim)
    _nonempty_dim(input, d, name)
    vals, idx = dim_op.apply(input, dim=d, keepdim=keepdim)
    if input._dtype is D.bfloat16:
        vals._dtype = D.bfloat16
    r = getattr(return_types, name)((vals, idx))
    if out is not None:
        _out(out[0], vals)
        _out(out[1], idx)
        return getattr(return_types, name + "_out")(out)
    return r


@tensor_method()
def max(input, dim=None, keepdim=False, *, out=None):
    """``torch.max``: of all elements; along ``dim`` the named tuple ``(values, indices)``;
    with a tensor second argument the elementwise ``maximum``."""
    return _extreme("max", input, dim, keepdim, out, MaxAll, MaxDim)


@tensor_method()
def min(input, dim=None, keepdim=False, *, out=None):
    """``torch.min``: as ``max``, for the smallest element."""
    return _extreme("min", input, dim, keepdim, out, MinAll, MinDim)


class Amax(Op):
    node_name = "AmaxBackward0"
    reducer = "max"

    @classmethod
    def forward(cls, ctx, x, dims=None, keepdim=False):
        xp = xp_of(x)
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        r = getattr(xp, cls.reducer)(x, axis=dims, keepdims=keepdim)
        if ctx is not NULL_CTX:
            ctx.mask = x == _keep_array(r, x.shape, dims, keepdim)
        return r

    @staticmethod
    def backward(ctx, grad):
        return _scale_by_count(grad, ctx.shape, ctx.dims, ctx.keepdim, ctx.mask)


class Amin(Amax):
    node_name = "AminBackward0"
    reducer = "min"


def _scale_by_count(grad, shape, dims, keepdim, mask_arr):
    """PyTorch's ``scale_grad_by_count``: the gradient split evenly between the ties."""
    count = mask_arr.sum(axis=dims, keepdims=True)
    g = _restore_dims(grad, shape, dims, keepdim)
    return (g / _const(count)).expand(shape) * _const(mask_arr)


def _amax_like(name, op, input, dim, keepdim, out):
    if input._dtype.is_complex:
        raise NotImplementedError(f'"{name[1:]}_values_cpu" not implemented for '
                                  f"'{_scalar_type_name(input._dtype)}'")
    dims = _reduce_dims(dim, input.ndim)
    if dims is None:
        _nonempty_all(input, name)
    else:
        for d in dims:
            _nonempty_dim(input, d, name)
    r = op.apply(input, dims=dims, keepdim=keepdim)
    if input._dtype is D.bfloat16:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


@tensor_method()
def amax(input, dim=(), keepdim=False, *, out=None):
    """``torch.amax``: the largest value over ``dim`` (all dims by default); the gradient is
    split evenly between ties."""
    return _amax_like("amax", Amax, input, dim, keepdim, out)


@tensor_method()
def amin(input, dim=(), keepdim=False, *, out=None):
    """``torch.amin``: the smallest value over ``dim``; gradient split between ties."""
    return _amax_like("amin", Amin, input, dim, keepdim, out)


class Aminmax(Op):
    node_name = "AminmaxBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        xp = xp_of(x)
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        lo = xp.min(x, axis=dims, keepdims=keepdim)
        hi = xp.max(x, axis=dims, keepdims=keepdim)
        if ctx is not NULL_CTX:
            ctx.mask_lo = x == _keep_array(lo, x.shape, dims, keepdim)
            ctx.mask_hi = x == _keep_array(hi, x.shape, dims, keepdim)
        return lo, hi

    @staticmethod
    def backward(ctx, g_lo, g_hi):
        return (_scale_by_count(g_lo, ctx.shape, ctx.dims, ctx.keepdim, ctx.mask_lo)
                + _scale_by_count(g_hi, ctx.shape, ctx.dims, ctx.keepdim, ctx.mask_hi))


@tensor_method()
def aminmax(input, *, dim=None, keepdim=False, out=None):
    """``torch.aminmax``: the named tuple ``(min, max)`` over ``dim`` (an int) or everything."""
    if input._dtype.is_complex:
        raise _not_implemented("aminmax_cpu", input)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                               "operation has no identity.")
        dims = None
    else:
        d = wrap_dim(dim, input.ndim)
        _nonempty_dim(input, d, "aminmax", sep=": ")
        dims = (d,) if input.ndim else None
    lo, hi = Aminmax.apply(input, dims=dims, keepdim=keepdim)
    if input._dtype is D.bfloat16:
        lo._dtype = hi._dtype = D.bfloat16
    if out is not None:
        _out(out[0], lo)
        _out(out[1], hi)
        return return_types.aminmax_out(out)
    return return_types.aminmax((lo, hi))


def _not_implemented(kernel, input):
    return NotImplementedError(f'"{kernel}" not implemented for '
                               f"'{_scalar_type_name(input._dtype)}'")


def _arg_extreme(name, input, dim, keepdim, out):
    if input._dtype is D.bool or input._dtype.is_complex:
        what = "bool" if input._dtype is D.bool else "complex"
        raise RuntimeError(f"{name}(): does not support {what} input")
    xp = xp_of(input._data)
    x = input._data
    if dim is None:
        if x.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for "
                             "input.numel() == 0.")
        r = getattr(xp, name)(x.reshape(-1))
        r = xp.asarray(r, dtype=np.int64)
        if keepdim:
            r = r.reshape((1,) * x.ndim)
    else:
        d = wrap_dim(dim, x.ndim)
        if x.ndim == 0:
            r = xp.zeros((), np.int64)
        else:
            _nonempty_dim(input, d, name)
            r = getattr(xp, name)(x, axis=d, keepdims=keepdim).astype(np.int64, copy=False)
    r = Tensor._make(r)
    return r if out is None else _out(out, r)


@tensor_method()
def argmax(input, dim=None, keepdim=False, *, out=None):
    """``torch.argmax``: index of the (first) largest value; NaN counts as the largest."""
    return _arg_extreme("argmax", input, dim, keepdim, out)


@tensor_method()
def argmin(input, dim=None, keepdim=False, *, out=None):
    """``torch.argmin``: index of the (first) smallest value."""
    return _arg_extreme("argmin", input, dim, keepdim, out)


# ---------------------------------------------------------------------- all / any / count_nonzero
def _logical_reduction(name, input, dim, keepdim, out):
    x = input._data
    xp = xp_of(x)
    if isinstance(dim, (list, tuple)) and len(dim) == 0:
        dims = ()     # PyTorch reduces nothing for an empty dim list here
    else:
        dims = dims_arg(dim, x.ndim) if dim is not None else None
        if x.ndim == 0:
            dims = None
    r = getattr(xp, name)(x != 0, axis=dims, keepdims=keepdim)
    r = xp.asarray(r)
    if x.dtype == np.uint8:
        r = r.astype(np.uint8)     # PyTorch keeps uint8 for all/any of uint8
    r = Tensor._make(r)
    return r if out is None else _out(out, r)


@tensor_method()
def all(input, dim=None, keepdim=False, *, out=None):
    """``torch.all``: bool result (uint8 for uint8 input); ``dim`` an int or a tuple."""
    return _logical_reduction("all", input, dim, keepdim, out)


@tensor_method()
def any(input, dim=None, keepdim=False, *, out=None):
    """``torch.any``: bool result (uint8 for uint8 input); ``dim`` an int or a tuple."""
    return _logical_reduction("any", input, dim, keepdim, out)


@tensor_method()
def count_nonzero(input, dim=None):
    """``torch.count_nonzero``: int64 count over ``dim`` (an int, a tuple, or everything)."""
    x = input._data
    dims = _reduce_dims(dim, x.ndim)
    r = (x != 0).sum(axis=dims, dtype=np.int64)
    return Tensor._make(xp_of(x).asarray(r))


# ---------------------------------------------------------------------- norm
class VectorNorm(Op):
    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, ord=2.0, dims=None, keepdim=False, dtype=None):
        xp = xp_of(x)
        if dtype is not None:
            x = x.astype(dtype)
        ctx.ord, ctx.shape, ctx.dims, ctx.keepdim = ord, x.shape, dims, keepdim
        a = xp.abs(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if ord == 2:
                r = xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
            elif ord == 1:
                r = a.sum(axis=dims, keepdims=keepdim)
            elif ord == float("inf"):
                r = a.max(axis=dims, keepdims=keepdim)
            elif ord == -float("inf"):
                r = a.min(axis=dims, keepdims=keepdim)
            elif ord == 0:
                r = (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
            else:
                r = (a ** ord).sum(axis=dims, keepdims=keepdim) ** (1.0 / ord)
        r = xp.asarray(r, dtype=a.dtype)
        ctx.save_for_backward(x, r)
        if ord in (float("inf"), -float("inf")) and ctx is not NULL_CTX:
            ctx.mask = a == _keep_array(r, x.shape, dims, keepdim)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, r = ctx.saved_tensors
        p, dims, keepdim, shape = ctx.ord, ctx.dims, ctx.keepdim, ctx.shape
        g = _restore_dims(grad, shape, dims, keepdim)
        rk = _restore_dims(r, shape, dims, keepdim)
        if p == 0:
            return x * 0
        if p == 1:
            return g * x.sgn()
        if p in (float("inf"), -float("inf")):
            return x.sgn() * _scale_by_count(grad, shape, dims, keepdim, ctx.mask)
        nz = rk != 0
        safe = rk + (rk == 0)
        if p == 2:
            return g * x / safe * nz
        if p < 1:     # |x|**(p-1) is infinite at 0, where PyTorch takes the gradient as 0
            zero = _const(x._data == 0)
            scaled = x.sgn() * (x.abs() + zero) ** (p - 1) * _const(x._data != 0)
            return g * scaled * rk ** (1 - p)
        scaled = x.sgn() * x.abs() ** (p - 1)
        return g * scaled / safe ** (p - 1) * nz


class NuclearNorm(Op):
    node_name = "SumBackward1"   # PyTorch computes it as svdvals(...).sum(-1)

    @staticmethod
    def forward(ctx, x, dims=(0, 1), keepdim=False):
        xp = xp_of(x)
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        m = xp.moveaxis(x, dims, (-2, -1))
        u, s, vh = xp.linalg.svd(m, full_matrices=False)
        ctx.uvh = xp.moveaxis(u @ vh, (-2, -1), dims)
        r = s.sum(-1).astype(s.dtype)
        return _keep_array(r, x.shape, dims, False) if keepdim else r

    @staticmethod
    def backward(ctx, grad):
        g = _restore_dims(grad, ctx.shape, ctx.dims, ctx.keepdim)
        return g * _const(ctx.uvh)


@tensor_method()
def norm(input, p="fro", dim=None, keepdim=False, out=None, dtype=None):
    """``torch.norm``: vector p-norms (``p`` a number, ``inf``/``-inf``, ``'fro'``) over
    ``dim`` or everything, and the nuclear norm ``'nuc'`` of a matrix."""
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_scalar_type_name(input._dtype)}")
    if isinstance(dim, int):
        dim = (dim,)
    if dtype is not None and D.promote_types(input._dtype, dtype) is not dtype:
        raise RuntimeError("linalg.vector_norm: the dtype of the input "
                           f"({_scalar_type_name(input._dtype)}) should be convertible without "
                           f"narrowing to the specified dtype ({_scalar_type_name(dtype)})")
    if isinstance(p, str):
        if p not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
        if p == "nuc" or (dim is not None and len(dim) > 2):
            if input.ndim < 2:
                raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 "
                                   "dimensions.")
            mdims = tuple(range(input.ndim)) if dim is None else tuple(dim)
            if len(mdims) != 2:
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                                   + " ".join(str(d) for d in mdims))
            if p == "fro":
                return norm(input, 2, mdims, keepdim, out, dtype)
            mdims = tuple(wrap_dim(d, input.ndim) for d in mdims)
            r = NuclearNorm.apply(input, dims=mdims, keepdim=keepdim)
            return r if out is None else _out(out, r)
        p = 2
    p = float(p)
    dims = _reduce_dims_seq(dim, input.ndim)
    if p in (float("inf"), -float("inf")):
        if dims is None and input.numel() == 0:
            raise RuntimeError("linalg.vector_norm cannot compute the inf norm on an empty tensor "
                               "because the operation does not have an identity")
        for d in dims or ():
            if input.shape[d] == 0:
                raise RuntimeError(f"linalg.vector_norm cannot compute the inf norm on the "
                                   f"dimension {d}because this dimension is empty and the "
                                   "operation does not have an identity")
    r = VectorNorm.apply(input, ord=p, dims=dims, keepdim=keepdim, dtype=_check_dtype_arg(dtype))
    if input._dtype is D.bfloat16 and dtype is None:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


# ---------------------------------------------------------------------- logsumexp
class Logsumexp(Op):
    node_name = "LogsumexpBackward0"

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        xp = xp_of(x)
        if x.dtype.kind in "biu":
            x = x.astype(D.get_default_dtype().np_dtype)
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            if x.size == 0:
                r = xp.log(xp.exp(x).sum(axis=dims, keepdims=keepdim))
            else:
                m = xp.max(x, axis=dims, keepdims=True)
                m = xp.where(xp.isfinite(m), m, 0)   # rows of -inf (or inf): shift by 0
                r = xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m
                if not keepdim:
                    r = r.reshape(_reduced_shape(x.shape, dims))
        r = xp.asarray(r, dtype=x.dtype)
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, r = ctx.saved_tensors
        g = _restore_dims(grad, ctx.shape, ctx.dims, ctx.keepdim)
        rk = _restore_dims(r, ctx.shape, ctx.dims, ctx.keepdim)
        return g * (x - rk).exp()


@tensor_method()
def logsumexp(input, dim, keepdim=False, *, out=None):
    """``torch.logsumexp``: ``log(sum(exp(x)))`` computed stably (shifted by the max);
    integer inputs give the default float dtype."""
    if dim is None:
        raise TypeError("logsumexp(): argument 'dim' must be tuple of ints, not NoneType")
    dims = _reduce_dims(dim, input.ndim)
    if dims is None and not keepdim and input.ndim and input.numel():
        # PyTorch's own kernel fails here (an empty dim list without keepdim): same error
        raise RuntimeError("output with shape [] doesn't match the broadcast shape "
                           f"{[1] * input.ndim}")
    r = Logsumexp.apply(input, dims=dims, keepdim=keepdim)
    if input._dtype is D.bfloat16:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


# ---------------------------------------------------------------------- scans
def _flip(x, axis):
    idx = [slice(None)] * x.ndim
    idx[axis] = slice(None, None, -1)
    return x[tuple(idx)]


class Cumsum(Op):
    node_name = "CumsumBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        xp = xp_of(x)
        ctx.dim = dim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        if x.ndim == 0:
            return x.astype(dtype or x.dtype)
        if (dtype or x.dtype) == np.float16:    # PyTorch accumulates half in float32
            return xp.cumsum(x, axis=dim, dtype=np.float32).astype(np.float16)
        return xp.cumsum(x, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        return RevCumsum.apply(grad, dim=ctx.dim) if grad.ndim else grad


class RevCumsum(Op):
    """Sum from the end: the adjoint of ``cumsum`` (so cumsum's double backward works)."""

    node_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        return _flip(xp_of(x).cumsum(_flip(x, dim), axis=dim), dim)

    @staticmethod
    def backward(ctx, grad):
        return Cumsum.apply(grad, dim=ctx.dim)


@tensor_method()
def cumsum(input, dim, *, dtype=None, out=None):
    """``torch.cumsum``: running sum along ``dim``; int and bool inputs give int64."""
    d = wrap_dim(dim, input.ndim)
    r = Cumsum.apply(input, dim=d, dtype=_check_dtype_arg(dtype))
    if input._dtype is D.bfloat16 and dtype is None:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


class Cumprod(Op):
    node_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, dtype=None):
        xp = xp_of(x)
        ctx.dim = dim
        if dtype is None and x.dtype.kind in "biu":
            dtype = np.int64
        if x.ndim == 0:
            r = x.astype(dtype or x.dtype)
        elif (dtype or x.dtype) == np.float16:  # PyTorch accumulates half in float32
            r = xp.cumprod(x, axis=dim, dtype=np.float32).astype(np.float16)
        else:
            r = xp.cumprod(x, axis=dim, dtype=dtype)
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, r = ctx.saved_tensors
        if not grad.ndim:
            return grad
        if not (x._data == 0).any():
            return RevCumsum.apply(grad * r.conj(), dim=ctx.dim) / x.conj()
        return CumprodGradWithZeros.apply(grad, _const(x._data), dim=ctx.dim)


class CumprodGradWithZeros(Op):
    """cumprod's input gradient when the input has zeros (dividing by the input would give NaN):
    ``dx_k = sum_{j>=k} g_j * prod_{i<=j, i!=k} x_i``, computed one k at a time."""

    node_name = "CumprodBackward0"

    @staticmethod
    def forward(ctx, g, x, dim=0):
        xp = xp_of(x)
        g, x = xp.moveaxis(g, dim, -1), xp.moveaxis(x.conj(), dim, -1)
        n = x.shape[-1]
        out = xp.zeros(xp.broadcast_shapes(g.shape, x.shape), xp.result_type(g, x))
        left = xp.ones(x.shape[:-1], x.dtype)       # prod_{i<k} x_i
        for k in range(n):
            tail = xp.cumprod(x[..., k + 1:], axis=-1)    # prod_{k<i<=j} x_i for j > k
            s = g[..., k] + (g[..., k + 1:] * tail).sum(-1)
            out[..., k] = left * s
            left = left * x[..., k]
        return xp.moveaxis(out, -1, dim)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("Ember: the double backward of cumprod through zeros is not supported")


@tensor_method()
def cumprod(input, dim, *, dtype=None, out=None):
    """``torch.cumprod``: running product along ``dim``; its gradient is exact with zeros."""
    d = wrap_dim(dim, input.ndim)
    r = Cumprod.apply(input, dim=d, dtype=_check_dtype_arg(dtype))
    if input._dtype is D.bfloat16 and dtype is None:
        r._dtype = D.bfloat16
    return r if out is None else _out(out, r)


class Cummax(Op):
    node_name = "CummaxBackward0"
    ufunc = "maximum"
    better = staticmethod(lambda xp, a, b: a >= b)

    @classmethod
    def forward(cls, ctx, x, dim=0):
        xp = xp_of(x)
        ctx.shape, ctx.dim = x.shape, dim
        if x.ndim == 0:
            idx = xp.zeros((), np.int64)
            ctx.idx = idx
            return x.copy(), idx
        if xp is np and x.size:
            vals = getattr(np, cls.ufunc).accumulate(x, axis=dim)
            # the index moves on wherever the new element is the running extreme (ties and
            # NaN included), so it is a running max of "k where x[k] == running value"
            hit = (x == vals) | (_isnan(np, x) & _isnan(np, vals))
            view = [1] * x.ndim
            view[dim] = x.shape[dim]
            ks = np.where(hit, np.arange(x.shape[dim]).reshape(view), 0)
            idx = np.maximum.accumulate(ks, axis=dim).astype(np.int64, copy=False)
            ctx.idx = idx
            return vals, idx
        xm = xp.moveaxis(x, dim, -1)
        vals = xp.empty_like(xm)
        idx = xp.empty(xm.shape, np.int64)
        n = xm.shape[-1]
        if n:
            cur, cur_i = xm[..., 0].copy(), xp.zeros(xm.shape[:-1], np.int64)
            for k in range(n):
                v = xm[..., k]
                upd = cls.better(xp, v, cur) | _isnan(xp, v)   # ties and NaN move the index on
                cur = xp.where(upd, v, cur)
                cur_i = xp.where(upd, k, cur_i)
                vals[..., k], idx[..., k] = cur, cur_i
        vals, idx = xp.moveaxis(vals, -1, dim), xp.moveaxis(idx, -1, dim)
        ctx.idx = idx
        return vals, idx

    @staticmethod
    def backward(ctx, grad, _gi=None):
        if not ctx.shape:
            return grad
        return PutAlongAdd.apply(grad, _const(ctx.idx), dim=ctx.dim, shape=ctx.shape)


class Cummin(Cummax):
    node_name = "CumminBackward0"
    ufunc = "minimum"
    better = staticmethod(lambda xp, a, b: a <= b)


def _cumext(name, op, input, dim, out):
    if input._dtype.is_complex:
        raise _not_implemented(f"{name}_cpu", input)
    if input.ndim == 0 and dim not in (0, -1):
        raise IndexError(f"{name}(): Expected reduction dim -1 or 0 for scalar but got {dim}")
    d = wrap_dim(dim, input.ndim)
    vals, idx = op.apply(input, dim=d)
    if input._dtype is D.bfloat16:
        vals._dtype = D.bfloat16
    if out is not None:
        _out(out[0], vals)
        _out(out[1], idx)
        return getattr(return_types, name + "_out")(out)
    return getattr(return_types, name)((vals, idx))


@tensor_method()
def cummax(input, dim, *, out=None):
    """``torch.cummax``: running maximum and the index where it was (the last of equal values)."""
    return _cumext("cummax", Cummax, input, dim, out)


@tensor_method()
def cummin(input, dim, *, out=None):
    """``torch.cummin``: running minimum and its index (the last of equal values)."""
    return _cumext("cummin", Cummin, input, dim, out)


@tensor_method()
def cumsum_(self, dim, *, dtype=None):
    """``Tensor.cumsum_``: the running sum written into ``self``."""
    return apply_inplace(Cumsum, self, (), {"dim": wrap_dim(dim, self.ndim),
                                            "dtype": _check_dtype_arg(dtype) or self._data.dtype})


@tensor_method()
def cumprod_(self, dim, *, dtype=None):
    """``Tensor.cumprod_``: the running product written into ``self``."""
    return apply_inplace(Cumprod, self, (), {"dim": wrap_dim(dim, self.ndim),
                                             "dtype": _check_dtype_arg(dtype) or self._data.dtype})


# ---------------------------------------------------------------------- gather / scatter pair
class TakeAlong(Op):
    """``x`` gathered at ``idx`` along ``dim`` (the backward of selections and sorts)."""

    node_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, x, idx, dim=0):
        ctx.dim, ctx.shape = dim, x.shape
        ctx.idx = idx
        if x.ndim == 0:
            return x.copy()
        return xp_of(x).take_along_axis(x, idx, axis=dim)

    @staticmethod
    def backward(ctx, grad, *_):
        return PutAlongAdd.apply(grad, _const(ctx.idx), dim=ctx.dim, shape=ctx.shape), None


class PutAlongAdd(Op):
    """Zeros of ``shape`` with ``src`` added at ``idx`` along ``dim`` (repeated indices add)."""

    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, src, idx, dim=0, shape=()):
        xp = xp_of(src)
        ctx.dim, ctx.idx = dim, idx
        out = xp.zeros(shape, src.dtype)
        if not shape:
            return out + src
        grids = list(xp.indices(idx.shape, sparse=True))
        grids[dim] = idx
        if xp is np:
            np.add.at(out, tuple(grids), src)
        else:
            import cupyx
            cupyx.scatter_add(out, tuple(grids), src)
        return out

    @staticmethod
    def backward(ctx, grad, *_):
        return TakeAlong.apply(grad, _const(ctx.idx), dim=ctx.dim), None


# ---------------------------------------------------------------------- NumPy-style keywords
def numpy_keyword_aliases(fn):
    """Accept ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``, as PyTorch's argument
    parser does for its reductions."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if kwargs:
            if "axis" in kwargs:
                kwargs["dim"] = kwargs.pop("axis")
            if "keepdims" in kwargs:
                kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)
    return wrapper


def _install_aliases(namespace, names):
    for n in names:
        fn = namespace[n]
        wrapped = numpy_keyword_aliases(fn)
        namespace[n] = wrapped
        if getattr(Tensor, n, None) is fn:
            setattr(Tensor, n, wrapped)


_install_aliases(globals(), ["sum", "nansum", "mean", "nanmean", "prod", "var", "std", "var_mean",
                             "std_mean", "max", "min", "amax", "amin", "aminmax", "argmax",
                             "argmin", "all", "any", "count_nonzero", "norm", "logsumexp",
                             "cumsum", "cumprod", "cummax", "cummin"])
