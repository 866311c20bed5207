"""Views and shape changes: ``view``, ``reshape``, ``expand``, ``as_strided``, ``transpose``,
``permute``, ``squeeze``/``unsqueeze``, and the copies ``clone``/``contiguous``/``to``/``copy_``.

A view op returns a NumPy view of its input's array (``is_view = True``), so it
shares memory and the version counter with its base, exactly where PyTorch's do.
"""

import numpy as np

from .. import _dtype as D
from .._device import CPU, array_module, as_device
from .._tensor import Tensor, tensor_method, wrap_dim
from ..autograd.function import Op, apply_inplace
from ._util import xp_of

__all__ = ["reshape", "transpose", "swapaxes", "swapdims", "permute", "squeeze", "unsqueeze",
           "t", "as_strided", "clone", "flatten", "broadcast_to"]


def _infer_shape(shape, numel):
    shape = list(shape)
    neg = [i for i, s in enumerate(shape) if s == -1]
    if len(neg) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape[neg[0]] = numel // known
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return tuple(shape)


def _shape_args(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(int(s) for s in shape)


def _view_array(x, shape):
    """``x`` reshaped without copying, or None when its strides do not allow it."""
    try:
        return x.reshape(shape, copy=False)
    except (ValueError, TypeError):
        if x.flags.c_contiguous:
            return x.reshape(shape)
        v = x.view()
        try:
            v.shape = shape
        except AttributeError:
            return None
        return v


class View(Op):
    node_name = "ViewBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=None):
        ctx.in_shape = x.shape
        v = _view_array(x, shape)
        if v is None:
            raise RuntimeError("view size is not compatible with input tensor's size and stride (at "
                               "least one dimension spans across two contiguous subspaces). Use "
                               ".reshape(...) instead.")
        return v

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class UnsafeView(Op):
    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, x, shape=None):
        ctx.in_shape = x.shape
        return xp_of(x).ascontiguousarray(x).reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


@tensor_method()
def view(self, *shape):
    """``Tensor.view``: same data, new shape (or ``view(dtype)``: reinterpret the bytes)."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        return _view_dtype(self, shape[0])
    shape = _infer_shape(_shape_args(shape), self._data.size)
    return View.apply(self, shape=shape)


def _view_dtype(self, dtype):
    if dtype.itemsize != self._dtype.itemsize:
        raise RuntimeError("Ember supports view(dtype) only between dtypes of the same size")
    t = Tensor._make(self._data.view(dtype.np_dtype), dtype)
    from ..autograd.function import _make_view
    _make_view(t, self)
    return t


@tensor_method()
def view_as(self, other):
    return view(self, other.shape)


def reshape(input, shape):
    """``torch.reshape``: a view when the strides allow, else a copy."""
    shape = _infer_shape(_shape_args((shape,)), input._data.size)
    if _view_array(input._data, shape) is not None:
        return View.apply(input, shape=shape)
    return UnsafeView.apply(input, shape=shape)


@tensor_method("reshape")
def _reshape_method(self, *shape):
    return reshape(self, _shape_args(shape))


@tensor_method()
def reshape_as(self, other):
    return reshape(self, other.shape)


class Expand(Op):
    node_name = "ExpandBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, shape=None):
        ctx.in_shape = x.shape
        return xp_of(x).broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        from ..autograd.engine import unbroadcast
        return unbroadcast(grad, ctx.in_shape)


@tensor_method()
def expand(self, *sizes):
    """``Tensor.expand``: a broadcast view; -1 keeps a dimension's size."""
    sizes = _shape_args(sizes)
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
                                   "non-existing dimension 0")
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
    out = tuple(out)
    if out == self._data.shape and not self._requires_grad:
        return self._alias()
    return Expand.apply(self, shape=out)


def _ltn(t):
    from .._tensor import _LEGACY_NAMES
    return _LEGACY_NAMES.get(t._dtype.name, "Tensor")


@tensor_method()
def expand_as(self, other):
    return expand(self, other.shape)


def broadcast_to(input, size):
    return expand(input, tuple(size))


Tensor.broadcast_to = broadcast_to


class AsStrided(Op):
    node_name = "AsStridedBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, size=None, stride=None, offset=None, base=None):
        ctx.in_shape, ctx.in_stride, ctx.in_offset = x.shape, base[1], base[2]
        ctx.size, ctx.stride, ctx.offset = size, stride, offset
        return _strided_array(base[0], size, stride, offset)

    @staticmethod
    def backward(ctx, grad):
        # scatter-add the gradient back through the same geometry onto the input's storage
        xp_grad = grad.new_zeros(_storage_span(ctx.in_shape, ctx.in_stride, ctx.in_offset,
                                               ctx.size, ctx.stride, ctx.offset))
        g_view = xp_grad.as_strided(ctx.size, ctx.stride, ctx.offset)
        if _overlaps(ctx.size, ctx.stride):
            idx = np.arange(xp_grad.numel()).reshape(-1)
            pos = np.lib.stride_tricks.as_strided(idx[ctx.offset:], ctx.size,
                                                  tuple(s * idx.itemsize for s in ctx.stride))
            from .. import tensor as _tensor
            xp_grad = xp_grad.index_add(0, _tensor(pos.reshape(-1).copy()), grad.reshape(-1))
        else:
            g_view.copy_(grad)
        return xp_grad.as_strided(ctx.in_shape, ctx.in_stride, ctx.in_offset)

    @classmethod
    def _view_node(cls, base, view, size, stride, offset):
        """A node for ``view`` as an as_strided view of ``base`` (used after CopySlices)."""
        with _record():
            v = as_strided(base, size, stride, offset)
        return v.grad_fn


class _record:
    def __enter__(self):
        from ..autograd.grad_mode import state
        self.prev = state.grad_enabled
        state.grad_enabled = True

    def __exit__(self, *exc):
        from ..autograd.grad_mode import state
        state.grad_enabled = self.prev


def _overlaps(size, stride):
    pairs = sorted((abs(st), n) for n, st in zip(size, stride) if n > 1)
    span = 1
    for st, n in pairs:
        if st < span:
            return True
        span = st * (n - 1) + 1 if span == 1 else span + st * (n - 1)
    return False


def _storage_span(in_shape, in_stride, in_offset, size, stride, offset):
    a = in_offset + sum((n - 1) * s for n, s in zip(in_shape, in_stride) if n > 0) + 1
    b = offset + sum((n - 1) * s for n, s in zip(size, stride) if n > 0) + 1
    return (max(a, b),)


def _storage_root(t):
    """The array at storage offset 0 of ``t``'s memory, and ``t``'s offset within it."""
    base = t._base if t._base is not None else t
    return base._data, t.storage_offset()


def _strided_array(root, size, stride, offset):
    xp = xp_of(root)
    item = root.itemsize
    flat_start = root.reshape(-1) if root.flags.c_contiguous else None
    if flat_start is not None and (flat_start.base is root or flat_start is root or
                                   np.shares_memory(flat_start, root) if xp is np else True):
        return xp.lib.stride_tricks.as_strided(flat_start[offset:] if offset else flat_start,
                                               tuple(size), tuple(s * item for s in stride))
    return xp.lib.stride_tricks.as_strided(root, tuple(size), tuple(s * item for s in stride))


def as_strided(input, size, stride, storage_offset=None):
    """``torch.as_strided``: a view with explicit sizes and strides over the input's storage."""
    root, own_offset = _storage_root(input)
    offset = own_offset if storage_offset is None else storage_offset
    return AsStrided.apply(input, size=tuple(size), stride=tuple(stride), offset=offset,
                           base=(root, input.stride(), own_offset))


Tensor.as_strided = as_strided


class Transpose(Op):
    node_name = "TransposeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dim0=0, dim1=1):
        ctx.dims = (dim0, dim1)
        return x.swapaxes(dim0, dim1)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(*ctx.dims)


def transpose(input, dim0, dim1):
    nd = input._data.ndim
    return Transpose.apply(input, dim0=wrap_dim(dim0, nd), dim1=wrap_dim(dim1, nd))


swapaxes = swapdims = transpose
Tensor.transpose = Tensor.swapaxes = Tensor.swapdims = transpose


class T(Op):
    node_name = "TBackward0"
    is_view = True

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


class Permute(Op):
    node_name = "PermuteBackward0"
    is_view = True

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
    nd = input._data.ndim
    dims = tuple(wrap_dim(d, nd) for d in dims)
    if len(dims) != nd:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not "
                           f"match the length of the desired ordering of dimensions i.e. input.dim() "
                           f"= {nd} is not equal to len(dims) = {len(dims)}")
    if len(set(dims)) != nd:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(input, dims=dims)


@tensor_method("permute")
def _permute_method(self, *dims):
    return permute(self, _shape_args(dims))


class Unsqueeze(Op):
    node_name = "UnsqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dim=0):
        ctx.dim = dim
        return xp_of(x).expand_dims(x, dim)

    @staticmethod
    def backward(ctx, grad):
        return grad.squeeze(ctx.dim)


def unsqueeze(input, dim):
    return Unsqueeze.apply(input, dim=wrap_dim(dim, input._data.ndim + 1))


Tensor.unsqueeze = unsqueeze


class Squeeze(Op):
    node_name = "SqueezeBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x, dims=None):
        ctx.in_shape = x.shape
        return x.squeeze(dims) if dims is None else x.squeeze(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.in_shape)


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    node_name = "SqueezeBackward2"


def squeeze(input, dim=None):
    """``torch.squeeze``: drop size-1 dims (all, one, or a tuple of them)."""
    shape = input._data.shape
    if dim is None:
        return Squeeze.apply(input)
    nd = input._data.ndim
    if isinstance(dim, (tuple, list)):
        dims = tuple(d for d in (wrap_dim(d, nd) for d in dim) if nd and shape[d] == 1)
        return SqueezeDims.apply(input, dims=dims)
    d = wrap_dim(dim, nd)
    dims = (d,) if nd and shape[d] == 1 else ()
    return SqueezeDim.apply(input, dims=dims)


Tensor.squeeze = squeeze


# ---------------------------------------------------------------------- copies
class Clone(Op):
    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x, order="K"):
        return x.copy(order=order)

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(input, *, memory_format=None):
    """``torch.clone``: a copy that keeps the graph; strides preserved like ``preserve_format``."""
    order = "C" if memory_format in ("contiguous", "torch.contiguous_format") or \
        str(memory_format) == "torch.contiguous_format" else "K"
    t = Clone.apply(input, order=order)
    if input._dtype is D.bfloat16:
        t._dtype = D.bfloat16
    return t


Tensor.clone = clone


@tensor_method()
def contiguous(self, memory_format=None):
    if self.is_contiguous():
        return self
    return clone(self, memory_format="contiguous")


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
                import warnings
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
        elif isinstance(a, (str, int)) or type(a).__name__ == "device":
            device = a
        elif isinstance(a, bool):
            pass
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
        t._dtype = D.bfloat16
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
        ctx.src_meta = None
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
        return None, grad


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
        import warnings
        warnings.warn("Casting complex values to real discards the imaginary part", UserWarning,
                      stacklevel=2)
        src = Tensor._make(src._data.real)
    if src._requires_grad and src._dtype is not self._dtype and self._dtype.is_floating_point:
        src = src.to(self._dtype)
    return apply_inplace(Copy, self, (src,), {})


def flatten(input, start_dim=0, end_dim=-1):
    """``torch.flatten``: merge dims ``start_dim..end_dim`` (a view when possible)."""
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
