"""Joining and rearranging copies: ``cat``/``stack`` and friends, ``repeat``/``tile``,
``repeat_interleave``, ``flip``/``roll``/``rot90``, ``meshgrid``, broadcasting helpers
and ``atleast_Nd``.

Unlike the views in ``shape.py`` these ops return new memory, as PyTorch's do
(``meshgrid``, ``broadcast_tensors`` and ``atleast_*`` are the exceptions: they
are made of views and say so).
"""

import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Size, Tensor, tensor_method, wrap_dim
from ..autograd.function import Op
from ._util import broadcast_error, dims_arg, xp_of
from .shape import expand, flatten, narrow, reshape, unsqueeze, view

__all__ = ["cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "column_stack",
           "row_stack", "tile", "repeat_interleave", "flip", "fliplr", "flipud", "roll", "rot90",
           "meshgrid", "broadcast_tensors", "broadcast_shapes", "atleast_1d", "atleast_2d",
           "atleast_3d"]


def _out(out, result):
    """Write ``result`` into the ``out=`` tensor (resizing it as PyTorch does)."""
    if out is None:
        return result
    if tuple(out.shape) != tuple(result.shape):
        if out.numel():
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch release "
                "outputs will not be resized unless they have zero elements. You can explicitly "
                "reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0). (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                "Resize.cpp:30.)", UserWarning, stacklevel=3)
        out.resize_(result.shape)
    out.copy_(result)
    return out


def _tensor_list(tensors, fname):
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
                        "Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")
    return tensors


# ---------------------------------------------------------------------- cat / stack
class Cat(Op):
    node_name = "CatBackward0"
    promote = True

    @staticmethod
    def forward(ctx, *arrays, dim=0, keep=None):
        ctx.dim = dim
        ctx.sizes = [a.shape[dim] if k else None for a, k in zip(arrays, keep)]
        xp = xp_of(arrays[0])
        parts = [a for a, k in zip(arrays, keep) if k]
        shape = list(parts[0].shape)
        shape[dim] = sum(p.shape[dim] for p in parts)
        out = xp.empty(shape, dtype=parts[0].dtype)     # row-major whatever the inputs' layout
        return xp.concatenate(parts, axis=dim, out=out)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for n in ctx.sizes:
            if n is None:      # a legacy empty 1-D input gets an empty gradient
                grads.append(grad.new_zeros(0))
                continue
            grads.append(narrow(grad, ctx.dim, start, n))
            start += n
        return tuple(grads)


def cat(tensors, dim=0, *, out=None):
    """``torch.cat``: join tensors along an existing dim, promoting dtypes.

    Mirrors PyTorch's legacy rule: 1-D tensors of shape ``(0,)`` are skipped
    whatever the other tensors' shapes are.
    """
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    keep = [not (t._data.ndim == 1 and t._data.shape[0] == 0) for t in tensors]
    ref_i = next((i for i, k in enumerate(keep) if k), None)
    if ref_i is None:
        d = wrap_dim(dim, 1)
        dt = tensors[0]._dtype
        for t in tensors[1:]:
            dt = D.promote_types(dt, t._dtype)
        keep[0] = True
        r = Cat.apply(*tensors, dim=d, keep=tuple(keep))
        return _out(out, r)
    ref = tensors[ref_i]
    nd = ref._data.ndim
    d = wrap_dim(dim, nd)
    for i, t in enumerate(tensors):
        if not keep[i]:
            continue
        if t._data.ndim != nd:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {nd} and "
                               f"{t._data.ndim}")
        for k in range(nd):
            if k != d and t._data.shape[k] != ref._data.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected "
                                   f"size {ref._data.shape[k]} but got size {t._data.shape[k]} for "
                                   f"tensor number {i} in the list.")
    r = Cat.apply(*tensors, dim=d, keep=tuple(keep))
    return _out(out, r)


def concat(tensors, dim=0, *, out=None):
    """``torch.concat``: alias of ``cat``."""
    return cat(tensors, dim, out=out)


def concatenate(tensors, axis=0, out=None):
    """``torch.concatenate``: alias of ``cat`` (NumPy's ``axis`` keyword)."""
    return cat(tensors, axis, out=out)


class Stack(Op):
    node_name = "StackBackward0"
    promote = True

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        ctx.dim = dim
        xp = xp_of(arrays[0])
        shape = list(arrays[0].shape)
        shape.insert(dim, len(arrays))
        return xp.stack(arrays, axis=dim, out=xp.empty(shape, dtype=arrays[0].dtype))

    @staticmethod
    def backward(ctx, grad):
        return grad.unbind(ctx.dim)


def stack(tensors, dim=0, *, out=None):
    """``torch.stack``: join same-shaped tensors along a new dim."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    shape = tensors[0]._data.shape
    d = wrap_dim(dim, len(shape) + 1)
    for i, t in enumerate(tensors[1:], 1):
        if t._data.shape != shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(shape)} "
                               f"at entry 0 and {list(t._data.shape)} at entry {i}")
    return _out(out, Stack.apply(*tensors, dim=d))


def _nonempty(tensors, name):
    tensors = _tensor_list(tensors, name)
    if not tensors:
        raise RuntimeError(f"{name} expects a non-empty TensorList")
    return tensors


def hstack(tensors, *, out=None):
    """``torch.hstack``: ``cat`` along dim 1 (dim 0 for 1-D inputs) after ``atleast_1d``."""
    tensors = [atleast_1d(t) for t in _nonempty(tensors, "hstack")]
    return cat(tensors, 0 if tensors[0]._data.ndim == 1 else 1, out=out)


def vstack(tensors, *, out=None):
    """``torch.vstack``: ``cat`` along dim 0 after ``atleast_2d``."""
    tensors = [atleast_2d(t) for t in _nonempty(tensors, "vstack")]
    return cat(tensors, 0, out=out)


row_stack = vstack


def dstack(tensors, *, out=None):
    """``torch.dstack``: ``cat`` along dim 2 after ``atleast_3d``."""
    tensors = [atleast_3d(t) for t in _nonempty(tensors, "dstack")]
    return cat(tensors, 2, out=out)


def column_stack(tensors, *, out=None):
    """``torch.column_stack``: 0-D and 1-D inputs become columns, then ``hstack``."""
    tensors = _nonempty(tensors, "column_stack")
    cols = [reshape(t, (t.numel(), 1)) if t._data.ndim <= 1 else t for t in tensors]
    return cat(cols, 1, out=out)


# ---------------------------------------------------------------------- repeat / tile
class Repeat(Op):
    node_name = "RepeatBackward0"

    @staticmethod
    def forward(ctx, x, repeats=None):
        lead = len(repeats) - x.ndim
        padded = (1,) * lead + x.shape
        ctx.in_shape, ctx.padded, ctx.repeats = x.shape, padded, repeats
        return xp_of(x).ascontiguousarray(xp_of(x).tile(x.reshape(padded), repeats))

    @staticmethod
    def backward(ctx, grad):
        inter = []
        for r, s in zip(ctx.repeats, ctx.padded):
            inter += [r, s]
        g = grad.reshape(inter)
        g = g.sum(tuple(range(0, len(inter), 2))) if inter else g
        return g.reshape(ctx.in_shape)


@tensor_method()
def repeat(self, *sizes):
    """``Tensor.repeat``: tile the tensor ``sizes`` times along each dim (a copy)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < self._data.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    padded = (1,) * (len(sizes) - self._data.ndim) + self._data.shape
    target = [r * s for r, s in zip(sizes, padded)]
    if any(r < 0 for r in sizes):
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(t for t in target)}: {target}")
    return Repeat.apply(self, repeats=sizes)


def tile(input, dims):
    """``torch.tile``: ``repeat`` with missing leading repeats taken as 1."""
    dims = tuple(int(d) for d in dims)
    if len(dims) < input._data.ndim:
        dims = (1,) * (input._data.ndim - len(dims)) + dims
    return repeat(input, dims)


@tensor_method("tile")
def _tile_method(self, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    return tile(self, dims)


# ---------------------------------------------------------------------- repeat_interleave
class _IndexSelect(Op):
    """``index_select`` along a dim (the gather behind tensor ``repeat_interleave``)."""

    node_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, index=None):
        ctx.dim, ctx.index, ctx.in_shape = dim, index, x.shape
        return xp_of(x).take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return _IndexAddZeros.apply(grad, dim=ctx.dim, index=ctx.index, shape=ctx.in_shape)


class _IndexAddZeros(Op):
    node_name = "IndexSelectBackwardBackward0"

    @staticmethod
    def forward(ctx, g, dim=0, index=None, shape=None):
        ctx.dim, ctx.index = dim, index
        xp = xp_of(g)
        z = xp.zeros(shape, dtype=g.dtype)
        moved = xp.moveaxis(z, dim, 0)
        if xp is np:
            np.add.at(moved, index, xp.moveaxis(g, dim, 0))
        else:
            import cupyx
            cupyx.scatter_add(moved, index, xp.moveaxis(g, dim, 0))
        return z

    @staticmethod
    def backward(ctx, gg):
        return _IndexSelect.apply(gg, dim=ctx.dim, index=ctx.index)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """``torch.repeat_interleave``: repeat each element (int or per-element tensor repeats).

    Int repeats are ``unsqueeze`` + ``expand`` + ``clone`` + ``flatten`` as in PyTorch
    (grad_fn ViewBackward0); tensor repeats gather with ``index_select``.  With one
    tensor argument, returns the indices ``repeat_interleave(arange(n), input)``.
    """
    if repeats is None:
        r = input
        if r._dtype.is_floating_point or r._dtype.is_complex:
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for '
                                      f"'{_sname(r._dtype)}'")
        xp = xp_of(r._data)
        reps = r._data.reshape(-1)
        return Tensor._make(xp.repeat(xp.arange(reps.shape[0]), reps))
    if dim is None:
        input = reshape(input, (-1,))
        d = 0
    else:
        d = wrap_dim(dim, input._data.ndim)
    if input._data.ndim == 0:
        input = reshape(input, (1,))
    if isinstance(repeats, Tensor):
        if repeats._dtype.is_floating_point or repeats._dtype.is_complex:
            raise NotImplementedError(f'"repeat_interleave_cpu" not implemented for '
                                      f"'{_sname(repeats._dtype)}'")
        if repeats._data.ndim > 1:
            raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
        n = input._data.shape[d]
        reps = repeats._data.reshape(-1)
        if reps.shape[0] == 1:
            reps = xp_of(reps).full(n, reps[0])
        if reps.shape[0] != n:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats._data.shape[0]} and input.size({d}) "
                               f"= {n}")
        if (reps < 0).any():
            raise RuntimeError("repeats can not be negative")
        xp = xp_of(reps)
        index = xp.repeat(xp.arange(n), reps)
        return _IndexSelect.apply(input, dim=d, index=index)
    repeats = int(repeats)
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    shape = list(input._data.shape)
    u = unsqueeze(input, d + 1)
    target = shape[:d + 1] + [repeats] + shape[d + 1:]
    e = expand(u, target).clone(memory_format="contiguous")
    return flatten(e, d, d + 1)


Tensor.repeat_interleave = repeat_interleave


def _sname(dt):
    from .._tensor import _scalar_type_name
    return _scalar_type_name(dt)


# ---------------------------------------------------------------------- flip / roll / rot90
class Flip(Op):
    node_name = "FlipBackward0"

    @staticmethod
    def forward(ctx, x, dims=()):
        ctx.dims = dims
        # PyTorch keeps the input's layout (TensorIterator); NumPy's "K" copy does the same
        return xp_of(x).flip(x, dims).copy(order="K") if dims else x.copy(order="K")

    @staticmethod
    def backward(ctx, grad):
        return Flip.apply(grad, dims=ctx.dims)


def flip(input, dims):
    """``torch.flip``: reverse the order along ``dims`` (a copy, unlike NumPy's view)."""
    if isinstance(dims, int):
        dims = (dims,)
    dims = dims_arg(tuple(dims), input._data.ndim) if len(dims) else ()
    return Flip.apply(input, dims=dims)


@tensor_method("flip")
def _flip_method(self, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = dims[0]
    return flip(self, dims)


def fliplr(input):
    """``torch.fliplr``: flip dim 1."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, (1,))


def flipud(input):
    """``torch.flipud``: flip dim 0."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, (0,))


Tensor.fliplr, Tensor.flipud = fliplr, flipud


class Roll(Op):
    node_name = "RollBackward0"

    @staticmethod
    def forward(ctx, x, shifts=(), dims=None):
        ctx.shifts, ctx.dims = shifts, dims
        xp = xp_of(x)
        if dims is None:
            return xp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
        return xp.ascontiguousarray(xp.roll(x, shifts, dims))

    @staticmethod
    def backward(ctx, grad):
        return Roll.apply(grad, shifts=tuple(-s for s in ctx.shifts), dims=ctx.dims)


def roll(input, shifts, dims=None):
    """``torch.roll``: shift elements circularly along ``dims`` (the flattened tensor if None)."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(int(s) for s in shifts)
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
    nd_dims = 0 if dims is None else len(dims)
    if dims is None and len(shifts) != 1 or dims is not None and len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{nd_dims}")
    if dims is not None:
        dims = tuple(wrap_dim(d, input._data.ndim) for d in dims)
    return Roll.apply(input, shifts=shifts, dims=dims)


Tensor.roll = roll


class Rot90(Op):
    node_name = "Rot90Backward0"

    @staticmethod
    def forward(ctx, x, k=1, dims=(0, 1)):
        ctx.k, ctx.dims = k, dims
        xp = xp_of(x)
        d0, d1 = dims
        # PyTorch's layouts: flip(d1).transpose / flip both / flip(d0).transpose / clone
        if k == 1:
            return xp.flip(x, d1).copy(order="K").swapaxes(d0, d1)
        if k == 2:
            return xp.flip(x, (d0, d1)).copy(order="K")
        if k == 3:
            return xp.flip(x, d0).copy(order="K").swapaxes(d0, d1)
        return x.copy(order="C")

    @staticmethod
    def backward(ctx, grad):
        return Rot90.apply(grad, k=(4 - ctx.k) % 4, dims=ctx.dims)


def rot90(input, k=1, dims=(0, 1)):
    """``torch.rot90``: rotate by 90 degrees ``k`` times in the plane ``dims``."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    nd = input._data.ndim
    if nd < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {nd}")
    d = (wrap_dim(dims[0], nd), wrap_dim(dims[1], nd))
    if d[0] == d[1]:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and "
                           f"dim1 = {dims[1]}")
    return Rot90.apply(input, k=k % 4, dims=d)


Tensor.rot90 = rot90


# ---------------------------------------------------------------------- meshgrid / broadcasting
def meshgrid(*tensors, indexing=None):
    """``torch.meshgrid``: coordinate grids as broadcast views of 0-D/1-D inputs.

    Warns, as PyTorch does, when ``indexing`` is not given (then ``'ij'``).
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument. (Triggered internally at /__w/pytorch/pytorch/aten/src/"
                      "ATen/native/TensorShape.cpp:4215.)", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: '
                           f"{indexing}")
    if not tensors:
        return ()
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError("torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got: "
                               f"{t}")
    n = len(tensors)
    sizes = [t.numel() for t in tensors]
    swap = indexing == "xy" and n >= 2
    if swap:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, t in enumerate(tensors):
        pos = i
        if swap and i < 2:
            pos = 1 - i
        shape = [1] * n
        shape[pos] = -1
        out.append(expand(view(t, shape), sizes))
    return tuple(out)


def broadcast_shapes(*shapes):
    """``torch.broadcast_shapes``: the shape all ``shapes`` broadcast to, with PyTorch's error."""
    norm = []
    for s in shapes:
        if isinstance(s, (int, np.integer)):
            s = (int(s),)
        norm.append(tuple(int(v) for v in s))
    ndim = max((len(s) for s in norm), default=0)
    result = [1] * ndim
    for idx, s in enumerate(norm):
        for i in range(-1, -1 - len(s), -1):
            if s[i] < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension ({s[i]}): "
                                   f"({s[i]})")
            if s[i] == 1 or s[i] == result[i]:
                continue
            if result[i] != 1:
                raise RuntimeError(f"Attempting to broadcast a dimension of length {s[i]} at {i}! "
                                   f"Mismatching argument at index {idx} had {s}; but expected shape "
                                   f"should be broadcastable to {result}")
            result[i] = s[i]
    return Size(result)


def broadcast_tensors(*tensors):
    """``torch.broadcast_tensors``: expand views to the common shape (inputs already of that
    shape are returned as they are, as in PyTorch)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = ()
    for t in tensors:
        try:
            shape = np.broadcast_shapes(shape, t._data.shape)
        except ValueError:
            raise broadcast_error(shape, t._data.shape) from None
    return tuple(t if t._data.shape == shape else expand(t, shape) for t in tensors)


# ---------------------------------------------------------------------- atleast_Nd
def _atleast(fn, tensors):
    if len(tensors) == 1:
        t = tensors[0]
        if isinstance(t, (list, tuple)):
            return tuple(fn(x) for x in t)
        return fn(t)
    return tuple(fn(x) for x in tensors)


def _one_1d(t):
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _one_2d(t):
    if t._data.ndim == 0:
        return reshape(t, (1, 1))
    if t._data.ndim == 1:
        return unsqueeze(t, 0)
    return t


def _one_3d(t):
    nd = t._data.ndim
    if nd == 0:
        return reshape(t, (1, 1, 1))
    if nd == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    if nd == 2:
        return unsqueeze(t, -1)
    return t


def atleast_1d(*tensors):
    """``torch.atleast_1d``: 0-D inputs become shape ``(1,)`` views; others are returned as is."""
    return _atleast(_one_1d, tensors)


def atleast_2d(*tensors):
    """``torch.atleast_2d``: views with at least two dims (new dims in front)."""
    return _atleast(_one_2d, tensors)


def atleast_3d(*tensors):
    """``torch.atleast_3d``: views with at least three dims (as NumPy: ``(1, N, 1)`` for 1-D)."""
    return _atleast(_one_3d, tensors)

