"""Views and shape changes, and the copies ``clone``/``contiguous``/``to``/``copy_``.

A view op returns an array that aliases its input's memory, so it shares
memory and the version counter with its base exactly where PyTorch's views do.
Every view is built with PyTorch's own geometry rules (``computeStride`` for
``view``, ``inferExpandGeometry`` for ``expand``, the ``unsqueeze``, ``diagonal``
and ``unfold`` stride formulas), so ``stride()`` and ``storage_offset()`` come
out as PyTorch's, also in the size-1 dimensions where NumPy would choose
differently.

The backward of a view that picks part of its input (``select``, ``narrow``,
``diagonal``, ``unfold``, ``as_strided``) writes the gradient into zeros of the
input's shape through the same view; that "embed" is an op of its own whose
backward is the view again, so double backward works.
"""

import warnings

import numpy as np

from .. import _dtype as D
from .._device import CPU, array_module, as_device
from .._tensor import Tensor, tensor_method, wrap_dim
from ..autograd.function import NULL_CTX, Op, _make_view, apply_inplace, apply_op
from ._util import xp_of

__all__ = ["reshape", "view_as_real", "view_as_complex", "transpose", "swapaxes", "swapdims",
           "permute", "movedim", "moveaxis", "squeeze", "unsqueeze", "t", "adjoint", "as_strided",
           "clone", "flatten", "unflatten", "ravel", "broadcast_to", "narrow", "select", "unbind",
           "split", "tensor_split", "chunk", "unsafe_split", "unsafe_chunk", "hsplit", "vsplit", "dsplit", "diagonal", "real",
           "imag", "memory_format", "contiguous_format", "preserve_format", "channels_last",
           "channels_last_3d", "select_scatter", "slice_scatter", "diagonal_scatter", "as_strided_scatter"]


# ---------------------------------------------------------------------- geometry helpers
def _strides_of(a):
    item = a.itemsize
    return tuple(s // item for s in a.strides)


def _strided(a, shape, strides, offset=0):
    """A view of ``a``'s memory with element ``strides``, starting ``offset`` elements after ``a``'s start."""
    item = a.itemsize
    bstrides = tuple(s * item for s in strides)
    if a.__class__ is np.ndarray and a.flags.c_contiguous:
        try:    # the fast way (a few us): a new header over a's buffer, bounds checked by NumPy
            return np.ndarray(tuple(shape), a.dtype, a, offset * item, bstrides)
        except (ValueError, TypeError, BufferError):
            pass
    xp = xp_of(a)
    if offset:
        # a one-element window whose first element sits ``offset`` items further on
        a = xp.lib.stride_tricks.as_strided(a, (offset + 1,), (item,))[offset:]
    return xp.lib.stride_tricks.as_strided(a, tuple(shape), bstrides)


def _contiguous_strides(shape):
    st = []
    acc = 1
    for n in reversed(shape):
        st.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(st))


def _compute_stride(oldshape, oldstride, newshape):
    """PyTorch's ``computeStride``: strides viewing ``oldshape`` as ``newshape``, or None."""
    numel = 1
    for n in oldshape:
        numel *= n
    if numel == 0:
        return tuple(oldstride) if tuple(oldshape) == tuple(newshape) else _contiguous_strides(newshape)
    if not oldshape:
        return _contiguous_strides(newshape)
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base_stride = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for tensor_d in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[tensor_d]
        if tensor_d == 0 or (oldshape[tensor_d - 1] != 1 and
                             oldstride[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base_stride
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = oldstride[tensor_d - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return tuple(newstride)


def _storage_extent(a):
    """How many elements of memory the array ``a`` reaches from its first element."""
    if a.size == 0:
        return 0
    return 1 + sum((n - 1) * s for n, s in zip(a.shape, _strides_of(a)) if s > 0)


def _storage_root(t):
    """The array at storage offset 0 of ``t``'s memory, and ``t``'s offset within it."""
    base = t._base if t._base is not None else t
    return base._data, t.storage_offset()


def _add_at(xp, target, idx, values):
    if xp is np:
        np.add.at(target, idx, values)
    else:
        import cupyx
        cupyx.scatter_add(target, idx, values)


# ---------------------------------------------------------------------- view op machinery
class ViewOp(Op):
    """An op whose single output aliases its first input's memory.

    ``take(x, **opts)`` builds the view from an array; ``forward`` records what
    backward needs and calls it.
    """

    is_view = True

    @classmethod
    def apply(cls, *args, **kwargs):
        out = apply_op(cls, args, kwargs)
        x = args[0]
        if x._dtype is D.bfloat16:
            # apply_op rounds bfloat16 results into a new array: keep the alias instead
            out._data = cls.take(x._data, **kwargs)
            out._dtype = D.bfloat16
        return out

    @staticmethod
    def take(x, **opts):
        raise NotImplementedError


class _Embed(Op):
    """Backward of a view that picks part of its input: zeros with the gradient written in.

    ``backward`` applies the view again, so second derivatives work.
    """

    view_cls = None

    @staticmethod
    def forward(ctx, g, view_cls=None, in_shape=None, opts=None):
        ctx.opts = opts
        return _embed_array(view_cls, g, in_shape, opts)

    @classmethod
    def apply(cls, g, in_shape, opts):
        out = apply_op(cls, (g,), {"view_cls": cls.view_cls, "in_shape": in_shape, "opts": opts})
        if g._dtype is D.bfloat16:
            out._dtype = D.bfloat16
        return out

    @staticmethod
    def backward(ctx, gg):
        return ctx._fn.view_cls.apply(gg, **ctx.opts)


def _embed_array(view_cls, g, in_shape, opts):
    xp = xp_of(g)
    z = xp.zeros(in_shape, dtype=g.dtype)
    v = view_cls.take(z, **opts)
    if view_cls.may_overlap(in_shape, opts):
        idx = view_cls.take(xp.arange(z.size).reshape(in_shape), **opts)
        _add_at(xp, z.reshape(-1), idx.reshape(-1), g.reshape(-1))
    else:
        v[...] = g
    return z


def _embed_class(view_cls):
    name = view_cls.node_name.replace("Backward0", "BackwardBackward0")
    return type(view_cls.__name__ + "Embed", (_Embed,), {"node_name": name, "view_cls": view_cls})


class _PartialView(ViewOp):
    """A view of part of the input; its gradient is embedded back into zeros."""

    embed = None

    @staticmethod
    def may_overlap(in_shape, opts):
        return False

    @classmethod
    def _backward(cls, ctx, grad):
        return cls.embed.apply(grad, ctx.in_shape, ctx.opts)


# ---------------------------------------------------------------------- view / reshape
def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _check_int_shape(shape, fname):
    for i, s in enumerate(shape):
        if isinstance(s, Tensor) and s.numel() == 1 and not s.is_floating_point():
            continue
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            return i, s
    return None


def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for i, s in enumerate(shape):
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape {list(shape)}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 and numel == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} "
                               "because the unspecified dimension size -1 can be any value and is "
                               "ambiguous")
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _view_array(x, shape):
    """``x`` viewed as ``shape`` with PyTorch's strides, or None when its strides do not allow it."""
    if x.flags.c_contiguous and x.size:
        v = x.reshape(shape)        # row-major strides: what computeStride gives here too
        if v.strides == tuple(s * x.itemsize for s in _contiguous_strides(shape)):
            return v
    st = _compute_stride(x.shape, _strides_of(x), shape)
    if st is None:
        return None
    return _strided(x, shape, st)


_VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
               "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


class View(ViewOp):
    node_name = "ViewBackward0"

    @staticmethod
    def take(x, shape=None):
        v = _view_array(x, shape)
        if v is None:
            raise RuntimeError(_VIEW_ERROR)
        return v

    @staticmethod
    def forward(ctx, x, shape=None):
        ctx.in_shape = x.shape
        return View.take(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class ReshapeAlias(View):
    """``reshape`` of a non-contiguous tensor whose strides still allow a view."""

    node_name = "ReshapeAliasBackward0"


class UnsafeView(Op):
    """The reshape of a fresh contiguous copy: not a view of the user's tensor."""

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, x, shape=None):
        ctx.in_shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


def _view_type_error(shape):
    types = ", ".join(type(s).__name__ for s in shape)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        inner = ", ".join(type(s).__name__ for s in shape[0])
        return TypeError("view() received an invalid combination of arguments - got (tuple), but "
                         "expected one of:\n * (torch.dtype dtype)\n      didn't match because some "
                         f"of the arguments have invalid types: (!tuple of ({inner})!)\n * (tuple of "
                         "ints size)\n      didn't match because some of the arguments have invalid "
                         f"types: (!tuple of ({inner})!)\n")
    return TypeError(f"view() received an invalid combination of arguments - got ({types}), but "
                     "expected one of:\n * (torch.dtype dtype)\n * (tuple of ints size)\n")


@tensor_method()
def view(self, *shape):
    """``Tensor.view``: same data, new shape; PyTorch's error when the strides do not allow it.

    ``view(dtype)`` reinterprets the bytes (same element size only).
    """
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    flat = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
    if _check_int_shape(flat, "view") is not None:
        raise _view_type_error(shape)
    shape = _infer_shape(_shape_args(shape), self._data.size)
    return View.apply(self, shape=shape)


def _view_dtype(self, dtype):
    if dtype.itemsize != self._dtype.itemsize:
        raise RuntimeError("Ember supports view(dtype) only between dtypes of the same size")
    t = Tensor._make(self._data.view(dtype.np_dtype), dtype)
    _make_view(t, self)
    return t


@tensor_method()
def view_as(self, other):
    """``Tensor.view_as``: ``self.view(other.size())``."""
    return view(self, other.shape)


def reshape(input, shape):
    """``torch.reshape``: a view when the strides allow (``ViewBackward0``), else a copy
    (``UnsafeViewBackward0`` on top of a contiguous clone), as PyTorch does."""
    x = input._data
    if x.flags.c_contiguous and all(s.__class__ is int for s in shape):
        # the common case, a contiguous input and plain ints: always a view
        return View.apply(input, shape=_infer_shape(shape, x.size))
    bad = _check_int_shape(shape, "reshape")
    if bad is not None:
        raise TypeError(f"reshape(): argument 'shape' (position 2) must be tuple of ints, but found "
                        f"element of type {type(bad[1]).__name__} at pos {bad[0]}")
    shape = _infer_shape(tuple(int(s) for s in shape), input._data.size)
    if _compute_stride(input._data.shape, _strides_of(input._data), shape) is not None:
        return (View if input.is_contiguous() else ReshapeAlias).apply(input, shape=shape)
    return UnsafeView.apply(clone(input, memory_format="contiguous"), shape=shape)


@tensor_method("reshape")
def _reshape_method(self, *shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return reshape(self, tuple(shape))


@tensor_method()
def reshape_as(self, other):
    return reshape(self, other.shape)


def flatten(input, start_dim=0, end_dim=-1):
    """``torch.flatten``: merge dims ``start_dim..end_dim`` (a view when possible; the input
    itself when there is nothing to merge)."""
    nd = input._data.ndim
    if nd == 0:
        return reshape(input, (1,))
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:
        return input
    shape = input._data.shape
    n = 1
    for d in shape[s:e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1:])


Tensor.flatten = flatten


def ravel(input):
    """``torch.ravel``: ``reshape(-1)``."""
    return reshape(input, (-1,))


Tensor.ravel = ravel


def unflatten(input, dim, sizes):
    """``torch.unflatten``: split dimension ``dim`` into ``sizes`` (one may be -1); a view."""
    shape = input._data.shape
    if input._data.ndim == 0:
        raise RuntimeError("unflatten got an unexpected error:\nDimension specified as 0 but tensor "
                           "has no dimensions")
    d = wrap_dim(dim, input._data.ndim)
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    try:
        inferred = _infer_shape(sizes, shape[d]) if -1 in sizes else sizes
    except RuntimeError as e:
        if "only one dimension" in str(e):
            raise RuntimeError("unflatten got an unexpected error:\nonly one dimension can be "
                               "inferred") from None
        inferred = None
    prod = 1
    for s in (inferred or sizes):
        prod *= s
    if inferred is None or prod != shape[d]:
        raise RuntimeError(f"unflatten: Provided sizes {list(sizes)} don't multiply up to the size "
                           f"of dim {d} ({shape[d]}) in the input tensor")
    return view(input, shape[:d] + tuple(inferred) + shape[d + 1:])


Tensor.unflatten = unflatten


# ---------------------------------------------------------------------- expand
class Expand(ViewOp):
    node_name = "ExpandBackward0"

    @staticmethod
    def take(x, shape=None):
        return _strided(x, shape, _expand_strides(x.shape, _strides_of(x), shape))

    @staticmethod
    def forward(ctx, x, shape=None):
        ctx.in_shape = x.shape
        return Expand.take(x, shape)

    @staticmethod
    def backward(ctx, grad):
        from ..autograd.engine import unbroadcast
        return unbroadcast(grad, ctx.in_shape)


def _expand_strides(shape, strides, target):
    """PyTorch's ``inferExpandGeometry`` strides (sizes already checked)."""
    nd, nt = len(shape), len(target)
    out = [0] * nt
    for i in range(nt - 1, -1, -1):
        d = i - (nt - nd)
        size = shape[d] if d >= 0 else 1
        stride = strides[d] if d >= 0 else (target[i + 1] * out[i + 1] if i + 1 < nt else 1)
        if size != target[i]:
            stride = 0
        out[i] = stride
    return tuple(out)


def _ltn(t):
    from .._tensor import _LEGACY_NAMES
    return _LEGACY_NAMES.get(t._dtype.name, "Tensor")


def _expand_shape(self, sizes):
    nd = self._data.ndim
    if len(sizes) < nd:
        raise RuntimeError(f"expand(torch.{_ltn(self)}{{{list(self.shape)}}}, size={list(sizes)}): "
                           "the number of sizes provided "
                           f"({len(sizes)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({nd})")
    lead = len(sizes) - nd
    out = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s < 0:
                raise RuntimeError(f"The expanded size of the tensor ({s}) isn't allowed in a leading, "
                                   f"non-existing dimension {i}")
            out.append(s)
            continue
        cur = self._data.shape[i - lead]
        if s == -1:
            out.append(cur)
        elif cur != s and cur != 1:
            raise RuntimeError(f"The expanded size of the tensor ({s}) must match the existing size "
                               f"({cur}) at non-singleton dimension {i}.  Target sizes: {list(sizes)}."
                               f"  Tensor sizes: {list(self.shape)}")
        else:
            out.append(s)
    return tuple(out)


@tensor_method()
def expand(self, *sizes):
    """``Tensor.expand``: a broadcast view (stride 0 on expanded dims); -1 keeps a size."""
    sizes = _shape_args(sizes)
    return Expand.apply(self, shape=_expand_shape(self, sizes))


@tensor_method()
def expand_as(self, other):
    return expand(self, other.shape)


def broadcast_to(input, size):
    """``torch.broadcast_to``: ``input.expand(size)``."""
    return expand(input, tuple(size))


@tensor_method("broadcast_to")
def _broadcast_to_method(self, *size):
    return expand(self, _shape_args(size))


# ---------------------------------------------------------------------- as_strided
class AsStrided(ViewOp):
    node_name = "AsStridedBackward0"

    @staticmethod
    def take(x, size=None, stride=None, offset=None, base=None):
        root, extent = base[0], base[3]
        xp = xp_of(root)
        flat = xp.lib.stride_tricks.as_strided(root, (max(extent, offset + 1),), (root.itemsize,))
        return xp.lib.stride_tricks.as_strided(flat[offset:], tuple(size),
                                               tuple(s * root.itemsize for s in stride))

    @staticmethod
    def forward(ctx, x, size=None, stride=None, offset=None, base=None):
        ctx.geom_in = (x.shape, base[1], base[2])
        ctx.geom_out = (size, stride, offset)
        return AsStrided.take(x, size, stride, offset, base)

    @staticmethod
    def backward(ctx, grad):
        return _AsStridedGrad.apply(grad, src=ctx.geom_out, dst=ctx.geom_in)

    @classmethod
    def _view_node(cls, base, view, size, stride, offset):
        """A node for ``view`` as an as_strided view of ``base`` (used after CopySlices)."""
        with _record():
            v = as_strided(base, size, stride, offset)
        return v.grad_fn


class _AsStridedGrad(Op):
    """Scatter-add a gradient laid out as geometry ``src`` into storage, read it back as ``dst``."""

    node_name = "AsStridedBackwardBackward0"

    @staticmethod
    def forward(ctx, g, src=None, dst=None):
        ctx.src, ctx.dst = src, dst
        xp = xp_of(g)
        span = max(_geom_extent(*src), _geom_extent(*dst), 1)
        storage = xp.zeros(span, dtype=g.dtype)
        pos = _strided(xp.arange(span), src[0], src[1], src[2])
        _add_at(xp, storage, pos.reshape(-1), g.reshape(-1))
        return _strided(storage, dst[0], dst[1], dst[2]).copy()

    @staticmethod
    def backward(ctx, gg):
        return _AsStridedGrad.apply(gg, src=ctx.dst, dst=ctx.src)


def _geom_extent(size, stride, offset):
    if any(n == 0 for n in size):
        return offset
    return offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))


class _record:
    def __enter__(self):
        from ..autograd.grad_mode import state
        self.prev = state.grad_enabled
        state.grad_enabled = True

    def __exit__(self, *exc):
        from ..autograd.grad_mode import state
        state.grad_enabled = self.prev


def as_strided(input, size, stride, storage_offset=None):
    """``torch.as_strided``: a view with explicit sizes and strides over the input's storage."""
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got "
                           f"strides: {list(stride)}")
    root, own_offset = _storage_root(input)
    offset = own_offset if storage_offset is None else int(storage_offset)
    extent = root.size if root.flags.c_contiguous else _storage_extent(root)
    need = _geom_extent(size, stride, offset) if all(n > 0 for n in size) else 0
    if need > extent:
        item = input._dtype.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{offset}, and itemsize {item} requiring a storage size of {need * item} "
                           f"are out of bounds for storage of size {extent * item}")
    return AsStrided.apply(input, size=size, stride=stride, offset=offset,
                           base=(root, input.stride(), own_offset, extent))


Tensor.as_strided = as_strided


# ---------------------------------------------------------------------- transpose / permute
class Transpose(ViewOp):
    node_name = "TransposeBackward0"

    @staticmethod
    def take(x, dim0=0, dim1=1):
        return x.swapaxes(dim0, dim1)

    @staticmethod
    def forward(ctx, x, dim0=0, dim1=1):
        ctx.dims = (dim0, dim1)
        return x.swapaxes(dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.dims)


def transpose(input, dim0, dim1):
    """``torch.transpose`` (``swapaxes``/``swapdims``): a view with two dims swapped."""
    nd = input._data.ndim
    return Transpose.apply(input, dim0=wrap_dim(dim0, nd), dim1=wrap_dim(dim1, nd))


swapaxes = swapdims = transpose
Tensor.transpose = Tensor.swapaxes = Tensor.swapdims = transpose


class T(ViewOp):
    node_name = "TBackward0"

    @staticmethod
    def take(x):
        return x.T

    @staticmethod
    def forward(ctx, x):
        return x.T

    @staticmethod
    def backward(ctx, grad):
        return grad.t()


def t(input):
    """``torch.t``: transpose of a tensor with at most 2 dimensions."""
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return T.apply(input)


Tensor.t = t


class Permute(ViewOp):
    node_name = "PermuteBackward0"

    @staticmethod
    def take(x, dims=None):
        return x.transpose(dims)

    @staticmethod
    def forward(ctx, x, dims=None):
        ctx.dims = dims
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        inv = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inv[d] = i
        return grad.permute(inv)


def permute(input, dims):
    """``torch.permute``: a view with the dims reordered."""
    nd = input._data.ndim
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {nd} is not equal to len(dims) = {len(dims)}")
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims=dims)


@tensor_method("permute")
def _permute_method(self, *dims):
    return permute(self, _shape_args(dims))


def movedim(input, source, destination):
    """``torch.movedim``: move dims ``source`` to positions ``destination`` (a permute view)."""
    nd = input._data.ndim
    src = [source] if isinstance(source, int) else list(source)
    dst = [destination] if isinstance(destination, int) else list(destination)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) should "
                           f"contain the same number of dims as destination ({dst} dims)")
    src = [wrap_dim(d, nd) for d in src]
    dst = [wrap_dim(d, nd) for d in dst]
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({src})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` ({dst})")
    order = [-1] * nd
    for s, d in zip(src, dst):
        order[d] = s
    rest = iter(d for d in range(nd) if d not in src)
    order = [o if o != -1 else next(rest) for o in order]
    return Permute.apply(input, dims=tuple(order))


moveaxis = movedim
Tensor.movedim = Tensor.moveaxis = movedim


def _mT(self):
    if self._data.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got "
                           f"{self._data.ndim}-D tensor.")
    return transpose(self, -2, -1)


def _mH(self):
    if self._data.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got "
                           f"{self._data.ndim}-D tensor.")
    return adjoint(self)


def adjoint(input):
    """``torch.adjoint``: conjugate transpose of the last two dims (Ember's conj is a copy)."""
    r = transpose(input, -2, -1)
    return r.conj() if input._dtype.is_complex else r


Tensor.adjoint = adjoint


_WARNED = set()


def _warn_once(key, msg):
    """PyTorch's TORCH_WARN_ONCE: the first time in the process only."""
    if key not in _WARNED:
        _WARNED.add(key)
        warnings.warn(msg, UserWarning, stacklevel=3)


def _T(self):
    nd = self._data.ndim
    if nd == 0:
        _warn_once("T0", "Tensor.T is deprecated on 0-D tensors. This function is the identity in these "
                      "cases. (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                      "TensorShape.cpp:4321.)")
        return Permute.apply(self, dims=())
    if nd != 2:
        _warn_once("T", "The use of `x.T` on tensors of dimension other than 2 to reverse their shape "
                      "is deprecated and it will throw an error in a future release. Consider `x.mT` "
                      "to transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, "
                      "-1))` to reverse the dimensions of a tensor. (Triggered internally at "
                      "/__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4314.)")
    return Permute.apply(self, dims=tuple(range(nd - 1, -1, -1)))


def _H(self):
    nd = self._data.ndim
    if nd == 0:
        _warn_once("H0", "Tensor.H is deprecated on 0-D tensors. Consider using x.conj(). (Triggered "
                      "internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4335.)")
        return self.conj()
    if nd != 2:
        raise RuntimeError(f"tensor.H is only supported on matrices (2-D tensors). Got {nd}-D tensor."
                           + (" For batches of matrices, consider using tensor.mH" if nd > 2 else ""))
    return adjoint(self)


Tensor.T = property(_T)
Tensor.mT = property(_mT)
Tensor.H = property(_H)
Tensor.mH = property(_mH)


# ---------------------------------------------------------------------- squeeze / unsqueeze
class Unsqueeze(ViewOp):
    node_name = "UnsqueezeBackward0"

    @staticmethod
    def take(x, dim=0):
        shape, st = list(x.shape), list(_strides_of(x))
        new_stride = 1 if dim >= x.ndim else shape[dim] * st[dim]
        shape.insert(dim, 1)
        st.insert(dim, new_stride)
        return _strided(x, shape, st)

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        return Unsqueeze.take(x, dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.squeeze(ctx.dim)


def unsqueeze(input, dim):
    """``torch.unsqueeze``: a view with a size-1 dim inserted at ``dim``."""
    return Unsqueeze.apply(input, dim=wrap_dim(dim, input._data.ndim + 1))


Tensor.unsqueeze = unsqueeze


class Squeeze(ViewOp):
    node_name = "SqueezeBackward0"

    @staticmethod
    def take(x, dims=None):
        return x.squeeze(dims)

    @staticmethod
    def forward(ctx, x, dims=None):
        ctx.in_shape = x.shape
        return x.squeeze(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    node_name = "SqueezeBackward2"


def squeeze(input, dim=None):
    """``torch.squeeze``: drop size-1 dims (all, one, or a tuple of them); always a view."""
    shape = input._data.shape
    if dim is None:
        return Squeeze.apply(input)
    nd = input._data.ndim
    if isinstance(dim, (tuple, list)):
        dims = tuple(sorted(set(d for d in (wrap_dim(d, nd) for d in dim) if nd and shape[d] == 1)))
        return SqueezeDims.apply(input, dims=dims)
    d = wrap_dim(dim, nd)
    dims = (d,) if nd and shape[d] == 1 else ()
    return SqueezeDim.apply(input, dims=dims)


@tensor_method("squeeze")
def _squeeze_method(self, *dim):
    if not dim:
        return squeeze(self)
    if len(dim) == 1:
        return squeeze(self, dim[0])
    return squeeze(self, dim)


# ---------------------------------------------------------------------- select / narrow / diagonal
class Select(_PartialView):
    node_name = "SelectBackward0"

    @staticmethod
    def take(x, dim=0, index=0):
        # the trailing Ellipsis keeps a 0-d result an array view instead of a NumPy scalar
        return x[(slice(None),) * dim + (index, Ellipsis)]

    @staticmethod
    def forward(ctx, x, dim=0, index=0):
        ctx.in_shape, ctx.opts = x.shape, {"dim": dim, "index": index}
        return Select.take(x, dim, index)

    @staticmethod
    def backward(ctx, grad):
        return Select._backward(ctx, grad)


Select.embed = _embed_class(Select)


def select(input, dim, index):
    """``torch.select``: the slice at ``index`` along ``dim``, without that dim (a view)."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    index = int(index)
    if index < -n or index >= n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    return Select.apply(input, dim=d, index=index + n if index < 0 else index)


Tensor.select = select


class Slice(_PartialView):
    node_name = "SliceBackward0"

    @staticmethod
    def take(x, dim=0, start=0, end=0, step=1):
        # built explicitly: NumPy moves the data pointer of an empty slice back to the start
        shape, st = list(x.shape), list(_strides_of(x))
        shape[dim] = max(0, (end - start + step - 1) // step)
        offset = start * st[dim] if x.size else 0
        st[dim] *= step
        return _strided(x, shape, st, offset)

    @staticmethod
    def forward(ctx, x, dim=0, start=0, end=0, step=1):
        ctx.in_shape, ctx.opts = x.shape, {"dim": dim, "start": start, "end": end, "step": step}
        return Slice.take(x, dim, start, end, step)

    @staticmethod
    def backward(ctx, grad):
        return Slice._backward(ctx, grad)


Slice.embed = _embed_class(Slice)


def _slice(input, dim, start, end, step=1):
    """``aten::slice``: the view ``input[..., start:end:step]`` along ``dim`` (bounds clamped)."""
    n = input._data.shape[dim]
    start, end, _ = slice(start, end, step).indices(n)
    end = max(end, start)
    return Slice.apply(input, dim=dim, start=start, end=end, step=step)


def narrow(input, dim, start, length):
    """``torch.narrow``: ``length`` elements from ``start`` along ``dim`` (a view, SliceBackward0)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    start = int(start)
    if start < -n or start > n:
        raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but got "
                         f"{start})")
    if start < 0:
        start += n
    if start + length > n:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({n}).")
    return Slice.apply(input, dim=d, start=start, end=start + length, step=1)


Tensor.narrow = narrow


class Diagonal(_PartialView):
    node_name = "DiagonalBackward0"

    @staticmethod
    def take(x, offset=0, dim1=0, dim2=1):
        shape, st = list(x.shape), list(_strides_of(x))
        if offset >= 0:
            n = max(min(shape[dim1], shape[dim2] - offset), 0)
            start = offset * st[dim2] if n else 0
        else:
            n = max(min(shape[dim1] + offset, shape[dim2]), 0)
            start = -offset * st[dim1] if n else 0
        new_st = st[dim1] + st[dim2]
        keep = [i for i in range(x.ndim) if i not in (dim1, dim2)]
        return _strided(x, [shape[i] for i in keep] + [n], [st[i] for i in keep] + [new_st], start)

    @staticmethod
    def forward(ctx, x, offset=0, dim1=0, dim2=1):
        ctx.in_shape, ctx.opts = x.shape, {"offset": offset, "dim1": dim1, "dim2": dim2}
        return Diagonal.take(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return Diagonal._backward(ctx, grad)


Diagonal.embed = _embed_class(Diagonal)


def diagonal(input, offset=0, dim1=0, dim2=1):
    """``torch.diagonal``: the diagonal of dims ``dim1``/``dim2`` as the last dim (a view)."""
    nd = input._data.ndim
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(input, offset=int(offset), dim1=d1, dim2=d2)


Tensor.diagonal = diagonal


class Unfold(_PartialView):
    node_name = "UnfoldBackward0"

    @staticmethod
    def take(x, dimension=0, size=1, step=1):
        shape, st = list(x.shape), list(_strides_of(x))
        if x.ndim == 0:
            return _strided(x, [size], [1])
        shape.append(size)
        st.append(st[dimension])
        shape[dimension] = (shape[dimension] - size) // step + 1
        st[dimension] *= step
        return _strided(x, shape, st)

    @staticmethod
    def may_overlap(in_shape, opts):
        return opts["step"] < opts["size"]

    @staticmethod
    def forward(ctx, x, dimension=0, size=1, step=1):
        ctx.in_shape, ctx.opts = x.shape, {"dimension": dimension, "size": size, "step": step}
        return Unfold.take(x, dimension, size, step)

    @staticmethod
    def backward(ctx, grad):
        return Unfold._backward(ctx, grad)


Unfold.embed = _embed_class(Unfold)


@tensor_method()
def unfold(self, dimension, size, step):
    """``Tensor.unfold``: all windows of ``size`` along ``dimension`` every ``step`` (a view)."""
    nd = self._data.ndim
    d = wrap_dim(dimension, nd)
    n = self._data.shape[d] if nd else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > n:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {n} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    return Unfold.apply(self, dimension=d, size=int(size), step=int(step))


# ---------------------------------------------------------------------- multi-output views
def _multi_view(cls, input, **opts):
    """Apply a multi-output view op and make every output a view of ``input``."""
    outs = cls.apply(input, **opts)
    bf16 = input._dtype is D.bfloat16
    arrays = cls.forward(NULL_CTX, input._data, **opts) if bf16 else None
    for i, o in enumerate(outs):
        if bf16:
            o._data, o._dtype = arrays[i], D.bfloat16
        _make_view(o, input)
        # PyTorch forbids in-place ops on these views (CreationMeta::MULTI_OUTPUT_NODE)
        o._extra_dict()["multi_output_view"] = True
    return outs


class SplitOp(Op):
    node_name = "SplitBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, sizes=()):
        ctx.dim = dim
        outs, start = [], 0
        for s in sizes:
            outs.append(Slice.take(x, dim, start, start + s))
            start += s
        return tuple(outs)

    @staticmethod
    def backward(ctx, *grads):
        from .joining import cat
        return cat(grads, ctx.dim)


class SplitWithSizes(SplitOp):
    node_name = "SplitWithSizesBackward0"


def _split_apply(cls, input, dim, sizes):
    return _multi_view(cls, input, dim=dim, sizes=tuple(sizes))


def split(tensor, split_size_or_sections, dim=0):
    """``torch.split``: views of ``split_size`` (last one smaller) or of the listed sizes."""
    nd = tensor._data.ndim
    if nd == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, nd)
    n = tensor._data.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                               f"tensor's size at dimension {d}), but got split_sizes={sizes}")
        return _split_apply(SplitWithSizes, tensor, d, sizes)
    s = int(split_size_or_sections)
    if s < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={s}")
    if s == 0 and n != 0:
        raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size "
                           f"of {n}")
    num = max((n + s - 1) // s, 1) if s else 1
    sizes = [s] * num
    sizes[-1] = s - (s * num - n)
    return _split_apply(SplitOp, tensor, d, sizes)


@tensor_method("split")
def _split_method(self, split_size, dim=0):
    return split(self, split_size, dim)


class UnsafeSplit(SplitOp):
    node_name = "UnsafeSplitBackward0"


def unsafe_split(tensor, split_size, dim=0):
    """``torch.unsafe_split``: ``split`` whose pieces PyTorch does not track as views
    (no ``_base``; they still share memory)."""
    pieces = split(tensor, split_size, dim)
    sizes = [p._data.shape[wrap_dim(dim, tensor.ndim)] for p in pieces]
    outs = UnsafeSplit.apply(tensor, dim=wrap_dim(dim, tensor.ndim), sizes=tuple(sizes))
    if tensor._dtype is D.bfloat16:
        for o, p in zip(outs, pieces):
            o._data, o._dtype = p._data, D.bfloat16
    return outs


def unsafe_chunk(input, chunks, dim=0):
    """``torch.unsafe_chunk``: ``chunk`` with ``unsafe_split``'s pieces."""
    sizes = [p._data.shape[wrap_dim(dim, input.ndim)] for p in chunk(input.detach(), chunks, dim)]
    return unsafe_split(input, sizes[0] if sizes else 0, dim) if len(set(sizes[:-1])) <= 1 \
        else unsafe_split(input, sizes, dim)


Tensor.unsafe_split, Tensor.unsafe_chunk = unsafe_split, unsafe_chunk


def chunk(input, chunks, dim=0):
    """``torch.chunk``: ``split`` into pieces of ``ceil(size / chunks)`` (maybe fewer pieces)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    s = (n + chunks - 1) // chunks
    if s == 0 and n == 0:
        return split(input, [0] * chunks, d)
    return split(input, s, d)


Tensor.chunk = chunk


def tensor_split(input, indices_or_sections, dim=0):
    """``torch.tensor_split``: ``sections`` near-equal pieces or cuts at ``indices``; each a
    slice view (SliceBackward0)."""
    nd = input._data.ndim
    if nd == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor "
                           "with 0 dims")
    d = wrap_dim(dim, nd)
    n = input._data.shape[d]
    ios = indices_or_sections
    if isinstance(ios, Tensor):
        if ios._dtype.is_floating_point or ios._dtype.is_complex or ios._dtype is D.bool:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have an integral "
                               f"type, but got {_sname(ios._dtype)}")
        if ios.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional "
                               f"or one-dimensional tensor, but got a tensor with {ios.ndim} dims")
        ios = int(ios.item()) if ios.ndim == 0 else [int(v) for v in ios.tolist()]
    if isinstance(ios, (list, tuple)):
        cuts = [0] + [int(i) for i in ios] + [n]
        return tuple(_slice(input, d, a, b) for a, b in zip(cuts[:-1], cuts[1:]))
    if isinstance(ios, bool) or not isinstance(ios, (int, np.integer)):
        raise TypeError(f"tensor_split() received an invalid combination of arguments - got "
                        f"({type(ios).__name__}, int), but expected one of:\n * (tuple of ints indices, "
                        f"int dim = 0)\n      didn't match because some of the arguments have invalid "
                        f"types: (!{type(ios).__name__}!, !int!)\n * (Tensor tensor_indices_or_sections, "
                        f"int dim = 0)\n      didn't match because some of the arguments have invalid "
                        f"types: (!{type(ios).__name__}!, !int!)\n * (int sections, int dim = 0)\n      "
                        f"didn't match because some of the arguments have invalid types: "
                        f"(!{type(ios).__name__}!, !int!)\n")
    if ios <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {ios}")
    base, extra = divmod(n, ios)
    out, start = [], 0
    for i in range(ios):
        size = base + (1 if i < extra else 0)
        out.append(Slice.apply(input, dim=d, start=start, end=start + size, step=1))
        start += size
    return tuple(out)


Tensor.tensor_split = tensor_split


def _sname(dt):
    from .._tensor import _scalar_type_name
    return _scalar_type_name(dt)


def _dir_split(input, ios, dim, name, min_dims):
    if input._data.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but "
                           f"got a tensor with {input._data.ndim} dimensions!")
    if isinstance(ios, int):
        n = input._data.shape[dim]
        if ios != 0 and n % ios:
            raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size "
                               f"of the dimension {n} is not divisible by the split_size {ios}!")
    return tensor_split(input, ios, dim)


def hsplit(input, indices_or_sections):
    """``torch.hsplit``: ``tensor_split`` along dim 1 (dim 0 for 1-D), sections must divide."""
    return _dir_split(input, indices_or_sections, 0 if input._data.ndim == 1 else 1, "hsplit", 1)


def vsplit(input, indices_or_sections):
    """``torch.vsplit``: ``tensor_split`` along dim 0 of an at least 2-D tensor."""
    return _dir_split(input, indices_or_sections, 0, "vsplit", 2)


def dsplit(input, indices_or_sections):
    """``torch.dsplit``: ``tensor_split`` along dim 2 of an at least 3-D tensor."""
    return _dir_split(input, indices_or_sections, 2, "dsplit", 3)


Tensor.hsplit, Tensor.vsplit, Tensor.dsplit = hsplit, vsplit, dsplit


class Unbind(Op):
    node_name = "UnbindBackward0"

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        return tuple(Select.take(x, dim, i) for i in range(x.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        from .joining import stack
        return stack(grads, ctx.dim)


def unbind(input, dim=0):
    """``torch.unbind``: the slices along ``dim`` as a tuple of views."""
    nd = input._data.ndim
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, nd)
    if input._data.shape[d] == 0:
        return ()
    return _multi_view(Unbind, input, dim=d)


Tensor.unbind = unbind


# ---------------------------------------------------------------------- complex views
_REAL_OF = {"complex64": D.float32, "complex128": D.float64}
_COMPLEX_OF = {"float32": D.complex64, "float64": D.complex128}


class ViewAsReal(ViewOp):
    node_name = "ViewAsRealBackward0"

    @staticmethod
    def take(x):
        r = x.real
        half = r.itemsize
        return xp_of(x).lib.stride_tricks.as_strided(r, x.shape + (2,), x.strides + (half,))

    @staticmethod
    def forward(ctx, x):
        return ViewAsReal.take(x)

    @staticmethod
    def backward(ctx, grad):
        return view_as_complex(grad.contiguous() if grad.stride(-1) != 1 else grad)


def view_as_real(input):
    """``torch.view_as_real``: a complex tensor as a real one with a last dim of 2 (a view)."""
    if not input._dtype.is_complex:
        raise RuntimeError("view_as_real is only supported for complex tensors")
    return ViewAsReal.apply(input)


class ViewAsComplex(ViewOp):
    node_name = "ViewAsComplexBackward0"

    @staticmethod
    def take(x):
        cdt = np.complex64 if x.dtype == np.float32 else np.complex128
        return x.view(cdt)[..., 0]

    @staticmethod
    def forward(ctx, x):
        return ViewAsComplex.take(x)

    @staticmethod
    def backward(ctx, grad):
        return view_as_real(grad)


def view_as_complex(input):
    """``torch.view_as_complex``: a real tensor with a last dim of 2 as a complex one (a view)."""
    if input._dtype.name not in _COMPLEX_OF:
        if input._dtype is D.float16:
            raise RuntimeError("Ember has no complex32: view_as_complex needs float32 or float64")
        raise RuntimeError("view_as_complex is only supported for half, float and double tensors, "
                           f"but got a tensor of scalar type: {_sname(input._dtype)}")
    if input._data.ndim == 0 or input._data.shape[-1] != 2:
        raise RuntimeError("Tensor must have a last dimension of size 2")
    st = _strides_of(input._data)
    if st[-1] != 1:
        raise RuntimeError("Tensor must have a last dimension with stride 1")
    if any(s % 2 for s in st[:-1]):
        raise RuntimeError("Tensor must have a stride divisible by 2 for all but last dimension")
    if input.storage_offset() % 2:
        raise RuntimeError("Tensor must have a storage_offset divisible by 2")
    return ViewAsComplex.apply(input)


def real(input):
    """``torch.real``: the input itself for real dtypes, else a view of the real parts
    (``select(view_as_real(x), -1, 0)``, so grad_fn is SelectBackward0 as in PyTorch)."""
    if not input._dtype.is_complex:
        return input
    return select(view_as_real(input), -1, 0)


def imag(input):
    """``torch.imag``: a view of the imaginary parts of a complex tensor."""
    if not input._dtype.is_complex:
        raise RuntimeError("imag is not implemented for tensors with non-complex dtypes.")
    return select(view_as_real(input), -1, 1)


def _set_real(self, value):
    real(self).copy_(value)


def _set_imag(self, value):
    imag(self).copy_(value)


Tensor.real = property(real, _set_real)
Tensor.imag = property(imag, _set_imag)


# ---------------------------------------------------------------------- *_scatter (copies)
class _ScatterInto(Op):
    """``input`` with ``src`` written into the region a view op picks (``*_scatter``)."""

    view_cls = None

    @staticmethod
    def forward(ctx, x, src, view_cls=None, opts=None):
        ctx.opts = opts
        out = x.copy()
        view_cls.take(out, **opts)[...] = src
        return out

    @classmethod
    def apply(cls, x, src, opts):
        return apply_op(cls, (x, src), {"view_cls": cls.view_cls, "opts": opts})

    @staticmethod
    def backward(ctx, grad):
        cls = ctx._fn
        g_in = g_src = None
        if ctx.needs_input_grad[0]:
            g_in = cls.apply(grad, _zeros_view(grad, cls.view_cls, ctx.opts), ctx.opts)
        if ctx.needs_input_grad[1]:
            g_src = cls.view_cls.apply(grad, **ctx.opts)
        return g_in, g_src


def _zeros_view(t, view_cls, opts):
    arr = view_cls.take(t._data, **opts)
    return Tensor._make(xp_of(arr).zeros(arr.shape, dtype=arr.dtype), t._dtype)


def _scatter_class(view_cls, name):
    return type(name, (_ScatterInto,), {"node_name": name + "Backward0", "view_cls": view_cls})


_SelectScatter = _scatter_class(Select, "SelectScatter")
_SliceScatter = _scatter_class(Slice, "SliceScatter")
_DiagonalScatter = _scatter_class(Diagonal, "DiagonalScatter")


def _check_src(src, expected, name):
    if tuple(src.shape) != tuple(expected):
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(expected)}")


def select_scatter(input, src, dim, index):
    """``torch.select_scatter``: a copy of ``input`` with ``src`` written at ``select(dim, index)``."""
    region = select(input.detach(), dim, index)
    _check_src(src, region.shape, "select_scatter")
    d = wrap_dim(dim, input.ndim)
    idx = int(index) % input._data.shape[d]
    return _SelectScatter.apply(input, src, {"dim": d, "index": idx})


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):
    """``torch.slice_scatter``: a copy of ``input`` with ``src`` written at ``[start:end:step]``."""
    d = wrap_dim(dim, input.ndim)
    n = input._data.shape[d]
    a, b, _ = slice(start, end, step).indices(n)
    b = max(a, b)
    region = Slice.take(input._data, d, a, b, step)
    _check_src(src, region.shape, "slice_scatter")
    return _SliceScatter.apply(input, src, {"dim": d, "start": a, "end": b, "step": step})


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):
    """``torch.diagonal_scatter``: a copy of ``input`` with ``src`` written on its diagonal."""
    region = diagonal(input.detach(), offset, dim1, dim2)
    _check_src(src, region.shape, "diagonal_scatter")
    nd = input.ndim
    return _DiagonalScatter.apply(input, src, {"offset": int(offset), "dim1": wrap_dim(dim1, nd),
                                               "dim2": wrap_dim(dim2, nd)})


def as_strided_scatter(input, src, size, stride, storage_offset=None):
    """``torch.as_strided_scatter``: a copy of ``input`` with ``src`` written through the
    strided geometry (computed as ``clone`` + ``as_strided(...).copy_``)."""
    out = clone(input, memory_format="contiguous")
    as_strided(out, size, stride, storage_offset or 0).copy_(src)
    return out


for _fn in (select_scatter, slice_scatter, diagonal_scatter, as_strided_scatter):
    setattr(Tensor, _fn.__name__, _fn)


# ---------------------------------------------------------------------- copies
class memory_format:
    """``torch.memory_format``: the layout a copy should get (``torch.contiguous_format`` ...)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return "torch." + self.name

    __str__ = __repr__

    def __reduce__(self):
        return _memory_format_by_name, (self.name,)


def _memory_format_by_name(name):
    return globals()[name]


contiguous_format = memory_format("contiguous_format")
preserve_format = memory_format("preserve_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


class Clone(Op):
    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x, order="K"):
        return x.copy(order=order)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _is_contiguous_format(mf):
    if mf is channels_last or mf is channels_last_3d:
        raise NotImplementedError("Ember keeps row-major layouts only: channels_last is not supported")
    return mf is not None and str(mf) in ("contiguous", "torch.contiguous_format")


def clone(input, *, memory_format=None):
    """``torch.clone``: a copy that keeps the graph; ``preserve_format`` keeps dense strides,
    ``torch.contiguous_format`` gives row-major ones."""
    order = "C" if _is_contiguous_format(memory_format) else "K"
    a = input._data
    if order == "K" and not _is_dense(a.shape, _strides_of(a)):
        order = "C"    # PyTorch preserves strides only for non-overlapping, dense inputs
    t = Clone.apply(input, order=order)
    if input._dtype is D.bfloat16:
        t._dtype = D.bfloat16
    return t


def _is_dense(shape, strides):
    pairs = sorted((abs(s), n) for n, s in zip(shape, strides) if n != 1)
    expected = 1
    for s, n in pairs:
        if s != expected:
            return False
        expected *= n
    return True


Tensor.clone = clone


@tensor_method()
def contiguous(self, memory_format=None):
    """``Tensor.contiguous``: ``self`` when already contiguous, else a row-major clone."""
    if self.is_contiguous():
        return self
    return clone(self, memory_format="contiguous")


@tensor_method()
def resize_(self, *sizes, memory_format=None):
    """``Tensor.resize_``: change the shape in place; new elements are uninitialised.

    Keeps the memory when it is large enough (the tensor becomes a contiguous
    window of it), else allocates new memory holding the old values first.
    """
    sizes = _shape_args(sizes)
    for s in sizes:
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(sizes)}")
    if self._requires_grad and self.grad_fn is None:
        raise RuntimeError("cannot resize variables that require grad")
    if tuple(sizes) == self._data.shape:
        return self
    n = 1
    for s in sizes:
        n *= s
    root, offset = _storage_root(self)
    xp = xp_of(root)
    extent = root.size if root.flags.c_contiguous else 0
    if offset + n <= extent:
        self._data = _strided(root, sizes, _contiguous_strides(sizes), offset)
    else:
        new = xp.zeros(n, dtype=self._data.dtype)
        old = self._data.reshape(-1)
        k = min(n, old.size)
        new[:k] = old[:k]
        self._data = new.reshape(sizes)
        self._base = None
    self._bump_version()
    return self


@tensor_method()
def resize_as_(self, the_template, memory_format=None):
    return resize_(self, the_template.shape)


class ToCopy(Op):
    node_name = "ToCopyBackward0"

    @staticmethod
    def forward(ctx, x, np_dtype=None, device=None, src=None):
        ctx.src_dtype, ctx.src_device = src
        if device is not None and device != ctx.src_device:
            if device.type == "cpu":
                x = x.get()
            else:
                xp = array_module(device)
                with xp.cuda.Device(device.index):
                    x = xp.asarray(x)
        if np_dtype is not None and x.dtype != np_dtype:
            if x.dtype.kind == "c" and np.dtype(np_dtype).kind != "c":
                warnings.warn("Casting complex values to real discards the imaginary part",
                              UserWarning, stacklevel=4)
                x = x.real
            with np.errstate(invalid="ignore", over="ignore"):
                return x.astype(np_dtype)
        return x.copy() if device is None or device == ctx.src_device else x

    @staticmethod
    def backward(ctx, grad):
        return grad.to(dtype=ctx.src_dtype, device=ctx.src_device)


def _parse_to(args, kwargs):
    dtype = kwargs.pop("dtype", None)
    device = kwargs.pop("device", None)
    copy = kwargs.pop("copy", False)
    kwargs.pop("non_blocking", None)
    kwargs.pop("memory_format", None)
    for a in args:
        if isinstance(a, D.dtype):
            dtype = a
        elif isinstance(a, Tensor):
            dtype, device = a._dtype, a._device
        elif isinstance(a, bool):
            pass
        elif isinstance(a, (str, int)) or type(a).__name__ == "device":
            device = a
    if kwargs:
        raise TypeError(f"to() received an invalid combination of arguments - got {list(kwargs)}")
    return dtype, as_device(device), copy


@tensor_method()
def to(self, *args, **kwargs):
    """``Tensor.to(dtype)``, ``to(device)``, ``to(other)``, ``to(device, dtype)``; same tensor when nothing changes."""
    dtype, device, copy = _parse_to(args, dict(kwargs))
    same_dtype = dtype is None or dtype is self._dtype
    same_device = device is None or device == self._device
    if same_dtype and same_device and not copy:
        return self
    target = dtype or self._dtype
    t = ToCopy.apply(self, np_dtype=target.np_dtype, device=None if same_device else device,
                     src=(self._dtype, self._device))
    if target is D.bfloat16:
        t._data = D.round_to_bfloat16(t._data) if t._device.type == "cpu" else t._data
    t._dtype = target      # the engine tags all-bfloat16 inputs' results bfloat16: be explicit
    return t


def _conv(dtype):
    def method(self, memory_format=None):
        return to(self, dtype)
    method.__name__ = dtype.name
    return method


for _n, _d in (("float", D.float32), ("double", D.float64), ("half", D.float16),
               ("bfloat16", D.bfloat16), ("long", D.int64), ("int", D.int32), ("short", D.int16),
               ("char", D.int8), ("byte", D.uint8), ("bool", D.bool), ("cfloat", D.complex64),
               ("cdouble", D.complex128)):
    setattr(Tensor, _n, _conv(_d))


@tensor_method()
def cpu(self, memory_format=None):
    return to(self, CPU)


@tensor_method()
def cuda(self, device=None, non_blocking=False, memory_format=None):
    from .. import cuda as _cuda
    if not _cuda.is_available():
        _cuda._lazy_init()
    return to(self, as_device(device if device is not None else "cuda"))


@tensor_method("type_as")
def type_as(self, other):
    return to(self, other._dtype)


class Copy(Op):
    """``dst.copy_(src)``: the gradient flows to ``src`` (summed back over broadcasting)."""

    node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, dst, src):
        ctx.dst_shape = dst.shape
        xp = xp_of(dst)
        out = xp.empty_like(dst)
        if src.__class__ is not dst.__class__ and hasattr(src, "get") and xp is np:
            src = src.get()
        elif src.__class__ is not dst.__class__ and xp is not np:
            src = xp.asarray(src)
        try:
            xp.copyto(out, src, casting="unsafe")
        except ValueError:
            raise RuntimeError(f"output with shape {list(dst.shape)} doesn't match the broadcast "
                               f"shape {list(np.broadcast_shapes(dst.shape, src.shape)) if _bc(dst.shape, src.shape) else list(src.shape)}") from None
        return out

    @staticmethod
    def backward(ctx, grad):
        # dst's old values were overwritten: PyTorch gives them a zero gradient, not None
        return grad.new_zeros(ctx.dst_shape) if ctx.needs_input_grad[0] else None, grad


def _bc(a, b):
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


@tensor_method()
def copy_(self, src, non_blocking=False):
    """Copy ``src`` into ``self`` (broadcasting, casting, across devices); keeps the graph."""
    if not isinstance(src, Tensor):
        from .creation import tensor
        src = tensor(src)
    if src._dtype.is_complex and not self._dtype.is_complex:
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=2)
        src = Tensor._make(src._data.real)
    if src._requires_grad and src._dtype is not self._dtype and self._dtype.is_floating_point:
        src = src.to(self._dtype)
    return apply_inplace(Copy, self, (src,), {})


# ---------------------------------------------------------------------- in-place metadata views
class _T1(T):
    node_name = "TBackward1"


class _Transpose1(Transpose):
    node_name = "TransposeBackward1"


class _Unsqueeze1(Unsqueeze):
    node_name = "UnsqueezeBackward1"


class _Squeeze3(Squeeze):
    node_name = "SqueezeBackward3"


class _Squeeze4(Squeeze):
    node_name = "SqueezeBackward4"


class _Squeeze5(Squeeze):
    node_name = "SqueezeBackward5"


class _AsStrided1(AsStrided):
    node_name = "AsStridedBackward1"


def _restride_(self, cls, **opts):
    """Give ``self`` the geometry of a view op in place (``t_``, ``squeeze_`` ...): same
    memory, new sizes and strides, a ``...Backward1`` node when it is in the graph."""
    self._check_inplace()
    r = cls.apply(self, **opts)
    self._data = r._data
    if r.grad_fn is not None:
        self.grad_fn = r.grad_fn
        self._output_nr = 0
    self._bump_version()
    return self


@tensor_method()
def t_(self):
    if self._data.ndim > 2:
        raise RuntimeError(f"t_() expects a tensor with <= 2 dimensions, but self is {self.ndim}D")
    return _restride_(self, _T1)


@tensor_method("transpose_", "swapaxes_", "swapdims_")
def transpose_(self, dim0, dim1):
    nd = self._data.ndim
    return _restride_(self, _Transpose1, dim0=wrap_dim(dim0, nd), dim1=wrap_dim(dim1, nd))


@tensor_method()
def unsqueeze_(self, dim):
    return _restride_(self, _Unsqueeze1, dim=wrap_dim(dim, self._data.ndim + 1))


@tensor_method()
def squeeze_(self, dim=None):
    shape, nd = self._data.shape, self._data.ndim
    if dim is None:
        return _restride_(self, _Squeeze3, dims=None)
    if isinstance(dim, (tuple, list)):
        dims = tuple(sorted(set(d for d in (wrap_dim(d, nd) for d in dim) if nd and shape[d] == 1)))
        return _restride_(self, _Squeeze5, dims=dims)
    d = wrap_dim(dim, nd)
    return _restride_(self, _Squeeze4, dims=(d,) if nd and shape[d] == 1 else ())


@tensor_method()
def as_strided_(self, size, stride, storage_offset=None):
    v = as_strided(self.detach(), size, stride, storage_offset)    # checks and geometry
    root, own_offset = _storage_root(self)
    extent = root.size if root.flags.c_contiguous else _storage_extent(root)
    offset = v.storage_offset()
    return _restride_(self, _AsStrided1, size=tuple(v.shape), stride=tuple(v.stride()),
                      offset=offset, base=(root, self.stride(), own_offset, extent))
