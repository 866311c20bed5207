"""Indexing: ``Tensor.__getitem__`` / ``__setitem__`` and the gather/scatter family.

``x[index]`` is taken apart the way PyTorch does it (python_variable_indexing.cpp):
the index becomes a tuple whose items are applied left to right.  Integers,
slices, ``None`` and ``...`` are *basic* indexing: each one is a view op
(``SelectBackward0``, ``SliceBackward0``, ``UnsqueezeBackward0``) sharing
memory with the source.  Integer tensors, lists, NumPy arrays and boolean masks
are *advanced* indexing: they are collected per dimension and applied at the
end in one copying ``IndexBackward0`` op, with NumPy's rule for where the
indexed dimensions go (in place when the advanced indices are adjacent, else
first).  Boolean masks become the integer indices of their true elements.

``x[index] = value`` takes the same basic view and then either copies the
value into it (``copy_`` / ``fill_``) or, with advanced indices, runs
``IndexPut`` in place on it; both go through ``apply_inplace`` so version
counters, leaf checks and ``CopySlices`` on the base work as in PyTorch.

Every differentiable op's backward is written with ops of this module
(``gather``'s is ``scatter_add``, ``index``'s is ``index_put`` with
accumulation, ...), so double backward works.
"""

import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _scalar_type_name, tensor_method, wrap_dim
from ..autograd import grad_mode
from ..autograd.function import NULL_CTX, Op, apply_inplace
from ._util import add_rows_at, broadcast_shapes_or_raise, xp_of

__all__ = ["index_select", "gather", "scatter", "scatter_add", "scatter_reduce",
           "masked_fill", "masked_select", "masked_scatter", "where", "nonzero", "argwhere",
           "take", "take_along_dim", "index_add", "index_copy", "index_fill", "index_put",
           "index_put_", "put"]

_state = grad_mode.state
_INT_INDEX = (D.int64, D.int32)

_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}
_OVERFLOW_NAMES = {"uint8": "uint8_t", "int8": "int8_t", "int16": "int16_t", "int32": "int",
                   "int64": "int64_t", "float32": "float", "float64": "double",
                   "float16": "double", "bfloat16": "double", "complex64": "c10::complex<float>",
                   "complex128": "c10::complex<double>"}
_SCALARS = (bool, int, float, complex, np.number, np.bool_)


# ---------------------------------------------------------------------- small helpers
def _sname(dt):
    return _scalar_type_name(dt)


def _on(xp, arr):
    """``arr`` on the array module ``xp`` (index tensors may live on another device)."""
    if xp_of(arr) is xp:
        return arr
    return xp.asarray(arr.get() if hasattr(arr, "get") else arr)


def _wrap_index(arr):
    return Tensor._make(arr)


def _check_scalar(value, dtype):
    """PyTorch's checked conversion of a Python number to ``dtype`` (``value cannot be ...``)."""
    if isinstance(value, np.generic):
        value = value.item()
    if dtype is D.bool:
        return bool(value)
    err = RuntimeError(f"value cannot be converted to type {_OVERFLOW_NAMES.get(dtype.name, dtype.name)} "
                       "without overflow")
    if isinstance(value, complex):
        if dtype.is_complex:
            return value
        if value.imag != 0:
            raise err
        value = value.real
    if dtype._category == D._INT:
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise err
        info = np.iinfo(dtype.np_dtype)
        lo = int(info.min) if dtype.is_signed else -int(info.max)
        if value < lo or value > int(info.max):
            raise err
    elif dtype in (D.float32, D.complex64) and isinstance(value, float) and value == value \
            and abs(value) != float("inf") and abs(value) > float(np.finfo(np.float32).max):
        raise err
    return value


def _scalar_array(xp, value, dtype):
    """A 0-d array of ``dtype`` holding Python number ``value`` (already checked)."""
    if isinstance(value, complex) and not dtype.is_complex:
        value = value.real
    with np.errstate(over="ignore", invalid="ignore"):
        a = xp.asarray(value).astype(dtype.np_dtype)
    if dtype is D.bfloat16:
        a = D.round_to_bfloat16(a)
    return a


def _scalar_value(value, dtype):
    """A checked Python number as a NumPy scalar of ``dtype`` (an op option; CuPy takes it too)."""
    return _scalar_array(np, _check_scalar(value, dtype), dtype)[()]


def _ufunc_at(name, out, key, values):
    """``out[key] op= values`` with repeated indices applied one after another."""
    idx = key[0] if key.__class__ is tuple and len(key) == 1 else None
    if name == "add" and idx.__class__ is np.ndarray and idx.dtype.kind in "iu" and \
            idx.ndim == 1 and out.dtype.kind in "iufc" and \
            getattr(values, "shape", None) == idx.shape + out.shape[1:]:
        add_rows_at(out, idx, values)       # rows of ``out`` picked by one index array: sorted sums
        return
    xp = xp_of(out)
    uf = getattr(xp, name)
    if hasattr(uf, "at"):
        uf.at(out, key, values)
        return
    import cupyx  # CuPy without ufunc.at
    getattr(cupyx, {"add": "scatter_add", "maximum": "scatter_max",
                    "minimum": "scatter_min"}[name])(out, key, values)


def _write_out(out, result):
    """Store ``result`` in the ``out=`` tensor, resizing it as PyTorch does."""
    if out.shape != result.shape:
        if out._data.size:
            warnings.warn(f"An output with one or more elements was resized since it had shape "
                          f"{list(out.shape)}, which does not match the required output shape "
                          f"{list(result.shape)}. This behavior is deprecated, and in a future "
                          "PyTorch release outputs will not be resized unless they have zero "
                          "elements. You can explicitly reuse an out tensor t by resizing it, "
                          "inplace, to zero elements with t.resize_(0).", UserWarning, stacklevel=3)
        xp = xp_of(out._data)
        out._data = xp.empty(result.shape, out._dtype.np_dtype)
    out.copy_(result)
    return out


def _scatter_key(index, dim):
    """The coordinates an index tensor of gather/scatter addresses: ``index`` along
    ``dim`` and the position itself along every other dim."""
    xp = xp_of(index)
    nd = index.ndim
    key = []
    for d in range(nd):
        if d == dim:
            key.append(index)
        else:
            shape = [1] * nd
            shape[d] = index.shape[d]
            key.append(xp.arange(index.shape[d]).reshape(shape))
    return tuple(key)


def _dim_key(dim, index):
    return (slice(None),) * dim + (index,)


# ---------------------------------------------------------------------- basic views
class _BasicView(Op):
    """A view ``x[key]`` with a basic (integer / slice) key."""

    is_view = True
    scatter = None

    @staticmethod
    def forward(ctx, x, key=None):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @classmethod
    def backward(cls, ctx, grad):
        return cls.scatter.apply(grad, shape=ctx.shape, key=ctx.key)


class _ViewScatter(Op):
    """The gradient of a basic view: zeros of the source shape with ``grad`` in the region."""

    view = None

    @staticmethod
    def forward(ctx, g, shape=None, key=None):
        ctx.key = key
        out = xp_of(g).zeros(shape, g.dtype)
        out[key] = g
        return out

    @classmethod
    def backward(cls, ctx, grad):
        return cls.view.apply(grad, key=ctx.key)


class Select(_BasicView):
    node_name = "SelectBackward0"


class Slice(_BasicView):
    node_name = "SliceBackward0"


class SelectScatter(_ViewScatter):
    node_name = "SelectBackwardBackward0"
    view = Select


class SliceScatter(_ViewScatter):
    node_name = "SliceBackwardBackward0"
    view = Slice


Select.scatter = SelectScatter
Slice.scatter = SliceScatter


class Alias(Op):
    node_name = "AliasBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, x):
        return x.view()

    @staticmethod
    def backward(ctx, grad):
        return grad


def _view(cls, t, **kwargs):
    r = cls.apply(t, **kwargs)
    if t._dtype is D.bfloat16:
        # the engine rounds bfloat16 results into a new array: point the view back at t's memory
        r._data = cls.forward(NULL_CTX, t._data, **kwargs)
        r._dtype = D.bfloat16
    return r


def _select(t, dim, index):
    # the trailing Ellipsis keeps a 0-d result a view instead of a NumPy scalar
    return _view(Select, t, key=(slice(None),) * dim + (index, Ellipsis))


def _unsqueeze(t, dim):
    from .shape import Unsqueeze
    return _view(Unsqueeze, t, dim=dim)


# ---------------------------------------------------------------------- index parsing
_INDEX_TYPES_MSG = "tensors used as indices must be long, int, byte or bool tensors"
_SEQ_WARNING = ("Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
                "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this "
                "will be interpreted as tensor index, x[torch.tensor(seq)], which will result "
                "either in an error or a different result")


def _treat_as_tuple(seq):
    """NumPy's old heuristic, still used by PyTorch: a short list holding a slice, a
    sequence, a tensor, ``...`` or ``None`` is a tuple of indices."""
    if len(seq) >= 32:
        return False
    for obj in seq:
        if obj is None or obj is Ellipsis or isinstance(obj, (Tensor, slice, list, tuple,
                                                              range, np.ndarray, str)):
            return True
    return False


def _sequence_index(obj):
    """A list / NumPy array used as an index: bool and uint8 stay masks, anything else is int64."""
    if isinstance(obj, str):
        raise TypeError("new(): invalid data type 'str'")
    try:
        arr = np.asarray(obj)
    except ValueError as e:
        raise TypeError(str(e)) from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"new(): invalid data type '{type(obj).__name__}'")
    if arr.dtype != np.bool_ and arr.dtype != np.uint8:
        arr = arr.astype(np.int64)
    return Tensor._make(arr)


_ZERO_DIM_INDEX = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                   "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")

# item kinds
_INT, _SLICE, _ELLIPSIS, _NONE, _BOOL, _TENSOR = range(6)


def _classify(obj):
    if obj is None:
        return _NONE, None
    if obj is Ellipsis:
        return _ELLIPSIS, None
    t = type(obj)
    if t is int:
        return _INT, obj
    if t is slice:
        return _SLICE, obj
    if t is bool or t is np.bool_:
        return _BOOL, bool(obj)
    if isinstance(obj, Tensor):
        dt = obj._dtype
        if obj._data.ndim == 0 and (dt._category == D._INT or dt is D.bool):
            if dt is D.bool or dt is D.uint8:
                return _BOOL, bool(obj.item())
            return _INT, int(obj.item())
        return _TENSOR, obj
    if isinstance(obj, np.integer):
        return _INT, int(obj)
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0 and obj.dtype.kind in "iu":
            return _INT, int(obj)
        if obj.ndim == 0 and obj.dtype == np.bool_:
            return _BOOL, bool(obj)
        return _TENSOR, _sequence_index(obj)
    if isinstance(obj, (list, tuple, range)):
        return _TENSOR, _sequence_index(obj)
    if isinstance(obj, str):
        raise TypeError("new(): invalid data type 'str'")
    if hasattr(t, "__index__"):
        return _INT, obj.__index__()
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {t.__name__})")


def _parse(self, index, for_set):
    """Apply the basic part of ``index`` to ``self``; returns the view and the advanced
    indices as ``{dim_of_view: Tensor}`` (masks not expanded yet)."""
    single_slice = type(index) is slice and not for_set
    if not self._data.ndim and not isinstance(index, tuple):
        kind = _classify(index)[0]
        if kind == _INT:
            raise IndexError(_ZERO_DIM_INDEX)
        if kind == _SLICE:
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
    if not isinstance(index, tuple):
        if isinstance(index, list) and _treat_as_tuple(index):
            warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=3)
            index = tuple(index)
        else:
            index = (index,)
    items = [_classify(obj) for obj in index]
    ndim = self._data.ndim
    specified = 0
    for kind, val in items:
        if kind == _INT or kind == _SLICE:
            specified += 1
        elif kind == _TENSOR:
            specified += val._data.ndim if val._dtype in (D.bool, D.uint8) else 1
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    result = self
    dim = real_dim = 0
    adv = {}
    for kind, val in items:
        if kind == _INT:
            shape = result._data.shape
            if not shape:
                raise IndexError(_ZERO_DIM_INDEX)
            size = shape[dim]
            if val < -size or val >= size:
                raise IndexError(f"index {val} is out of bounds for dimension {real_dim} with "
                                 f"size {size}")
            result = _select(result, dim, val + size if val < 0 else val)
            real_dim += 1
        elif kind == _SLICE:
            shape = result._data.shape
            if not shape:
                raise IndexError("slice() cannot be applied to a 0-dim tensor.")
            step = 1 if val.step is None else val.step.__index__()
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
            size = shape[dim]
            start, stop, step = val.indices(size)
            stop = max(stop, start)
            if single_slice or not (start == 0 and stop == size and step == 1):
                key = (slice(None),) * dim + (slice(start, stop, step),)
                result = _view(Slice, result, key=key)
            dim += 1
            real_dim += 1
        elif kind == _ELLIPSIS:
            dim += ndim - specified
            real_dim += ndim - specified
        elif kind == _NONE:
            result = _unsqueeze(result, dim)
            dim += 1
        elif kind == _BOOL:
            result = _unsqueeze(result, dim)
            xp = xp_of(result._data)
            adv[dim] = Tensor._make(xp.zeros(1 if val else 0, np.int64))
            dim += 1
        else:
            n = val._data.ndim if val._dtype in (D.bool, D.uint8) else 1
            adv[dim] = val
            dim += n
            real_dim += n
    return result, adv


def _expand_advanced(view, adv):
    """The advanced indices as a NumPy key for ``view``: masks turned into integer
    arrays, dtypes, shapes and bounds checked with PyTorch's messages."""
    xp = xp_of(view._data)
    shape = view._data.shape
    parts = []        # (dim, array)
    for dim in sorted(adv):
        t = adv[dim]
        dt = t._dtype
        arr = _on(xp, t._data)
        if dt is D.bool or dt is D.uint8:
            if dt is D.uint8:
                warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a "
                              "dtype torch.bool instead.", UserWarning, stacklevel=4)
            for j, n in enumerate(arr.shape):
                if dim + j >= len(shape) or shape[dim + j] != n:
                    raise IndexError(f"The shape of the mask {list(arr.shape)} at index {j} does "
                                     f"not match the shape of the indexed tensor {list(shape)} at "
                                     f"index {dim + j}")
            if arr.ndim == 0:
                continue
            for j, a in enumerate(xp.nonzero(arr)):
                parts.append((dim + j, a.astype(np.int64, copy=False)))
        elif dt is D.int64 or dt is D.int32:
            parts.append((dim, arr))
        else:
            raise IndexError(_INDEX_TYPES_MSG)
    if not parts:
        return None
    if len(parts) > 1:
        try:
            np.broadcast_shapes(*(a.shape for _, a in parts))
        except ValueError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                             f"with shapes {', '.join(str(list(a.shape)) for _, a in parts)}") \
                from None
    for k, (d, a) in enumerate(parts):
        size = shape[d]
        if a.size and (a.min() < -size or a.max() >= size):
            bad = (a < -size) | (a >= size)
            if bad.any():
                if size == 0:
                    raise IndexError("index is out of bounds for dimension with size 0")
                v = int(a[bad].reshape(-1)[0])
                raise IndexError(f"index {v} is out of bounds for dimension {k} with size {size}")
    key = [slice(None)] * (parts[-1][0] + 1)
    for d, a in parts:
        key[d] = a
    return tuple(key)


class Index(Op):
    node_name = "IndexBackward0"

    @staticmethod
    def forward(ctx, x, key=None):
        ctx.shape, ctx.key = x.shape, key
        return x[key]

    @staticmethod
    def backward(ctx, grad):
        return IndexPut.apply(grad.new_zeros(ctx.shape), grad, key=ctx.key, accumulate=True)


class IndexPut(Op):
    """``out = x.clone(); out[key] = values`` (or ``+=`` with ``accumulate``)."""

    node_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, values, key=None, accumulate=False):
        ctx.key, ctx.accumulate = key, accumulate
        out = x.copy()
        if accumulate:
            _ufunc_at("add", out, key, values)
        else:
            out[key] = values
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = grad if ctx.accumulate else IndexPut.apply(grad, 0, key=ctx.key)
        if ctx.needs_input_grad[1]:
            gv = Index.apply(grad, key=ctx.key)
        return gx, gv


def _getitem(self, index):
    """``Tensor.__getitem__`` with PyTorch's semantics (see the module docstring)."""
    if type(index) is int and self._data.ndim:      # the common case, without the parser
        size = self._data.shape[0]
        if -size <= index < size:
            return _select(self, 0, index + size if index < 0 else index)
    elif index.__class__ is Tensor and index._dtype in _INT_INDEX and index._data.ndim and \
            self._data.ndim and not (self._requires_grad and _state.grad_enabled):
        # ``a[idx]`` with an integer tensor and no graph: NumPy's fancy indexing is PyTorch's
        # (negative indices wrap); an out-of-range index takes the general path for its message
        x, i = self._data, index._data
        if x.__class__ is i.__class__:
            try:
                return Tensor._make(x[i], self._dtype)
            except IndexError:
                pass
    view, adv = _parse(self, index, False)
    if adv:
        key = _expand_advanced(view, adv)
        if key is None:
            return _view(Alias, view) if view is self else view
        return Index.apply(view, key=key)
    if view is self:
        return _view(Alias, self)
    return view


Tensor.__getitem__ = _getitem


# ---------------------------------------------------------------------- setitem
class Fill(Op):
    """``x.fill_(value)`` with a 0-dim tensor value (what ``x[...] = scalar`` runs)."""

    node_name = "FillBackward3"

    @staticmethod
    def forward(ctx, x, value):
        out = xp_of(x).empty_like(x)
        out[...] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.new_zeros(grad.shape), grad.sum()


def _value_tensor(self, value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _SCALARS):
        v = _check_scalar(value, self._dtype)
        return Tensor._make(_scalar_array(xp_of(self._data), v, self._dtype), self._dtype)
    t = type(value)
    name = t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
    raise TypeError(f"can't assign a {name} to a {self.type()}")


def _strip_leading_ones(v):
    shape = v._data.shape
    i = 0
    while i < len(shape) and shape[i] == 1:
        i += 1
    return v if i == 0 else v.reshape(shape[i:])


def _copy_to(dst, src):
    if dst._data.shape == src._data.shape:
        dst.copy_(src)
    elif src._data.ndim == 0:
        apply_inplace(Fill, dst, (src,), {})
    else:
        dst.copy_(_strip_leading_ones(src).expand(dst.shape))


def _index_put_(self, key, values, accumulate=False, masked=False):
    """``self[key] = values`` in place (``key`` a NumPy advanced key), with PyTorch's checks."""
    if values._dtype is not self._dtype:
        if masked and values._data.size == 1 and not accumulate:
            values = values.to(self._dtype)
        else:
            raise RuntimeError("Index put requires the source and destination dtypes match, got "
                               f"{_sname(self._dtype)} for the destination and "
                               f"{_sname(values._dtype)} for the source.")
    res_shape = _index_result_shape(self._data.shape, key)
    try:
        np.broadcast_shapes(values._data.shape, res_shape)
        ok = len(values._data.shape) <= len(res_shape)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(res_shape)}")
    return apply_inplace(IndexPut, self, (values,), {"key": key, "accumulate": accumulate})


def _index_result_shape(shape, key):
    """The shape of ``x[key]`` without computing it."""
    arrays = [(d, k) for d, k in enumerate(key) if not isinstance(k, slice)]
    bshape = np.broadcast_shapes(*(a.shape for _, a in arrays))
    dims = [d for d, _ in arrays]
    rest = list(shape[:len(key)]) + list(shape[len(key):])
    adjacent = dims == list(range(dims[0], dims[0] + len(dims)))
    others = [n for d, n in enumerate(rest) if d not in dims]
    if adjacent:
        before = [n for d, n in enumerate(rest) if d < dims[0]]
        after = [n for d, n in enumerate(rest) if d > dims[-1]]
        return tuple(before) + tuple(bshape) + tuple(after)
    return tuple(bshape) + tuple(others)


def _is_mask_only(adv):
    masks = [t for t in adv.values() if t._dtype in (D.bool, D.uint8)]
    return len(adv) == 1 and len(masks) == 1


def _setitem(self, index, value):
    """``Tensor.__setitem__``: basic indices copy into a view, advanced ones run index_put_."""
    if index is False:
        return
    if index is True:      # PyTorch copies into ``self.unsqueeze(0)`` here, no index_put
        index = None
    value = _value_tensor(self, value)
    view, adv = _parse(self, index, True)
    if _state.grad_enabled and view._requires_grad:
        base = view._base
        if base is not None and base.grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
    key = _expand_advanced(view, adv) if adv else None
    if key is None:
        if adv:      # only 0-dim masks: an index_put_ that writes nothing
            view._bump_version()
            return
        _copy_to(view, value)
        return
    _index_put_(view, key, _strip_leading_ones(value), masked=_is_mask_only(adv))


Tensor.__setitem__ = _setitem


# ---------------------------------------------------------------------- index_put / put
def _user_index_key(self, indices):
    if not isinstance(indices, (tuple, list)):
        raise TypeError("index_put(): argument 'indices' must be tuple of Tensors, not "
                        f"{type(indices).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(t).__name__}")
    nd = self._data.ndim
    n = sum(t._data.ndim if t._dtype in (D.bool, D.uint8) else 1 for t in indices)
    if n > nd:
        raise IndexError(f"too many indices for tensor of dimension {nd} (got {n})")
    adv = {}
    dim = 0
    for t in indices:
        if t._dtype in (D.bool, D.uint8):
            adv[dim] = t
            dim += t._data.ndim
        else:
            adv[dim] = t
            dim += 1
    mask_only = _is_mask_only(adv)
    return _expand_advanced(self, adv), mask_only


@tensor_method()
def index_put_(self, indices, values, accumulate=False):
    """``Tensor.index_put_``: ``self[indices] = values`` (``+=`` with ``accumulate``)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put_(): argument 'values' (position 2) must be Tensor, not "
                        f"{type(values).__name__}")
    key, mask_only = _user_index_key(self, indices)
    if key is None:
        self._bump_version()
        return self
    return _index_put_(self, key, values, accumulate, masked=mask_only)


def index_put(input, indices, values, accumulate=False):
    """``torch.index_put``: out-of-place ``index_put_``."""
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 3) must be Tensor, not "
                        f"{type(values).__name__}")
    key, mask_only = _user_index_key(input, indices)
    if key is None:
        return input.clone()
    if values._dtype is not input._dtype:
        if mask_only and values._data.size == 1 and not accumulate:
            values = values.to(input._dtype)
        else:
            raise RuntimeError("Index put requires the source and destination dtypes match, got "
                               f"{_sname(input._dtype)} for the destination and "
                               f"{_sname(values._dtype)} for the source.")
    res_shape = _index_result_shape(input._data.shape, key)
    try:
        ok = np.broadcast_shapes(values._data.shape, res_shape) == tuple(res_shape)
    except ValueError:
        ok = False
    if not ok:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be "
                           f"broadcast to indexing result of shape {list(res_shape)}")
    return IndexPut.apply(input, values, key=key, accumulate=accumulate)


Tensor.index_put = index_put


class Take(Op):
    node_name = "TakeBackward0"

    @staticmethod
    def forward(ctx, x, index=None):
        ctx.shape, ctx.index = x.shape, index
        return x.reshape(-1)[index]

    @staticmethod
    def backward(ctx, grad):
        z = grad.new_zeros(ctx.shape)
        return Put.apply(z, grad, index=ctx.index, accumulate=True)


class Put(Op):
    node_name = "PutBackward0"

    @staticmethod
    def forward(ctx, x, source, index=None, accumulate=False):
        ctx.index, ctx.accumulate = index, accumulate
        ctx.src_shape = getattr(source, "shape", ())
        out = x.copy()
        flat = out.reshape(-1)
        src = source.reshape(-1) if hasattr(source, "reshape") else source
        idx = index.reshape(-1)
        if accumulate:
            _ufunc_at("add", flat, idx, src)
        else:
            flat[idx] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gs = None
        if ctx.needs_input_grad[0]:
            gx = grad if ctx.accumulate else Put.apply(grad, 0, index=ctx.index)
        if ctx.needs_input_grad[1]:
            gs = Take.apply(grad, index=ctx.index).reshape(ctx.src_shape)
        return gx, gs


def _check_long_index(fname, index):
    if not isinstance(index, Tensor):
        raise TypeError(f"{fname}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._dtype is not D.int64:
        raise RuntimeError(f"{fname}(): Expected a long tensor for index, but got "
                           f"{_sname(index._dtype)}")


def _check_flat_bounds(index, numel):
    a = index._data
    if a.size:
        bad = (a < -numel) | (a >= numel)
        if bad.any():
            v = int(a[bad].reshape(-1)[0])
            raise IndexError(f"out of range: tried to access index {v} on a tensor of {numel} "
                             "elements.")


def take(input, index):
    """``torch.take``: ``input`` read as 1-D at ``index`` (negative indices count from the end)."""
    _check_long_index("take", index)
    _check_flat_bounds(index, input._data.size)
    return Take.apply(input, index=_on(xp_of(input._data), index._data))


Tensor.take = take


def _put_checks(self, index, source):
    _check_long_index("put_", index)
    if source._dtype is not self._dtype:
        raise RuntimeError("put_(): self and source expected to have the same dtype, but got "
                           f"self.dtype = {_sname(self._dtype)} and source.dtype = "
                           f"{_sname(source._dtype)}")
    if source._data.size != index._data.size:
        raise IndexError("put_(): Expected source and index to have the same number of elements, "
                         f"but got source.numel() = {source._data.size}, index.numel() = "
                         f"{index._data.size}")
    _check_flat_bounds(index, self._data.size)


@tensor_method()
def put_(self, index, source, accumulate=False):
    """``Tensor.put_``: write ``source`` at flat positions ``index`` (``+=`` with accumulate)."""
    _put_checks(self, index, source)
    return apply_inplace(Put, self, (source,), {"index": _on(xp_of(self._data), index._data),
                                                "accumulate": accumulate})


def put(input, index, source, accumulate=False):
    """``torch.put``: out-of-place ``put_``."""
    _put_checks(input, index, source)
    return Put.apply(input, source, index=_on(xp_of(input._data), index._data),
                     accumulate=accumulate)


Tensor.put = put


# ---------------------------------------------------------------------- index_select & co
def _vector_index(index):
    return index._data.reshape(-1) if index._data.ndim == 0 else index._data


class IndexSelect(Op):
    node_name = "IndexSelectBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, index=None):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        if x.ndim == 0:
            return x.copy()
        return xp_of(x).take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        if not ctx.shape:
            return grad.reshape(())
        z = grad.new_zeros(ctx.shape)
        return IndexAdd.apply(z, grad, dim=ctx.dim, index=ctx.index)


def index_select(input, dim, index, *, out=None):
    """``torch.index_select``: the slices at ``index`` (a vector) along ``dim``; a copy."""
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    nd = input._data.ndim
    dim = wrap_dim(dim, nd)
    idx = _on(xp_of(input._data), _vector_index(index))
    size = input._data.shape[dim] if nd else 1
    if idx.size and ((idx < 0) | (idx >= size)).any():
        raise IndexError("index out of range in self")
    r = IndexSelect.apply(input, dim=dim, index=idx)
    return r if out is None else _write_out(out, r)


Tensor.index_select = index_select


class IndexAdd(Op):
    node_name = "IndexAddBackward0"

    @staticmethod
    def forward(ctx, x, source, dim=0, index=None, alpha=1):
        ctx.dim, ctx.index, ctx.alpha = dim, index, alpha
        ctx.src_shape = source.shape
        out = x.copy()
        if out.ndim == 0:
            out = out.reshape(1)
            source = source.reshape(-1)
        src = source * alpha if alpha != 1 else source
        _ufunc_at("add", out, _dim_key(dim, index), src)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, grad):
        gs = None
        if ctx.needs_input_grad[1]:
            g = grad.reshape(1) if grad.ndim == 0 else grad
            gs = IndexSelect.apply(g, dim=ctx.dim, index=ctx.index).reshape(ctx.src_shape)
            if ctx.alpha != 1:
                gs = gs * ctx.alpha
        return grad, gs


def _index_bounds(fname, input, dim, index):
    size = input._data.shape[dim] if input._data.ndim else 1
    idx = _vector_index(index)
    if idx.size:
        bad = (idx < 0) | (idx >= size)
        if bad.any():
            v = int(idx[bad][0])
            if fname == "index_copy_":
                raise IndexError(f"index_copy_(): index {v} is out of bounds for dimension {dim} "
                                 f"with size {size}")
            raise RuntimeError(f"index {v} is out of bounds for dimension {dim} with size {size}")
    return dim, _on(xp_of(input._data), idx)


def _index_add_args(input, dim, index, source):
    """PyTorch's checks for index_add, in its order (index_func_meta_impl)."""
    dim = wrap_dim(dim, input._data.ndim)
    if index._data.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: "
                         f"{index._data.ndim} with type: {_sname(index._dtype)} and size: "
                         f"{list(index.shape)}")
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError("index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{_sname(index._dtype)}")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"index_add_(): self ({_sname(input._dtype)}) and source "
                           f"({_sname(source._dtype)}) must have the same scalar type")
    sn = source._data.ndim
    if not (dim == 0 or dim < sn):
        raise RuntimeError(f"index_add_(): Indexing dim {dim} is out of bounds of the source tensor "
                         f"with dim {sn}")
    n_src = source._data.shape[dim] if sn else 1
    if index._data.size != n_src:
        raise RuntimeError(f"index_add_(): Number of indices ({index._data.size}) should be equal "
                           f"to source.size(dim): ({n_src}), for dim: {dim}")
    xs, ss = list(input._data.shape), list(source._data.shape)
    if sn and xs:
        del xs[dim], ss[dim]
    if xs != ss:
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the "
                           f"specified dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")
    return _index_bounds("index_add_", input, dim, index)


def _alpha_for(dtype, alpha):
    if dtype._category <= D._INT and not isinstance(alpha, bool):
        return int(alpha)
    return alpha


def index_add(input, dim, index, source, *, alpha=1, out=None):
    """``torch.index_add``: ``input`` with ``alpha * source`` added at ``index`` along ``dim``."""
    dim, idx = _index_add_args(input, dim, index, source)
    r = IndexAdd.apply(input, source, dim=dim, index=idx, alpha=_alpha_for(input._dtype, alpha))
    return r if out is None else _write_out(out, r)


Tensor.index_add = index_add


@tensor_method()
def index_add_(self, dim, index, source, *, alpha=1):
    dim, idx = _index_add_args(self, dim, index, source)
    return apply_inplace(IndexAdd, self, (source,), {"dim": dim, "index": idx,
                                                     "alpha": _alpha_for(self._dtype, alpha)})


class IndexCopy(Op):
    node_name = "IndexCopyBackward0"

    @staticmethod
    def forward(ctx, x, source, dim=0, index=None):
        ctx.dim, ctx.index, ctx.src_shape = dim, index, source.shape
        out = x.copy()
        o = out.reshape(1) if out.ndim == 0 else out
        o[_dim_key(dim, index)] = source.reshape(-1) if x.ndim == 0 else source
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gs = None
        g = grad.reshape(1) if grad.ndim == 0 else grad
        if ctx.needs_input_grad[0]:
            gx = IndexFill.apply(g, dim=ctx.dim, index=ctx.index, value=0).reshape(grad.shape)
        if ctx.needs_input_grad[1]:
            gs = IndexSelect.apply(g, dim=ctx.dim, index=ctx.index).reshape(ctx.src_shape)
        return gx, gs


def _index_copy_args(input, dim, index, source):
    """PyTorch's checks for index_copy, in its order."""
    nd, sn = input._data.ndim, source._data.ndim
    dim = wrap_dim(dim, nd)
    if index._data.ndim > 1:
        raise IndexError(f"index_copy_(): Index should have dimension 1 or 0 (got "
                         f"{index._data.ndim})")
    n = index._data.size
    if sn == 0 and n != 1:
        raise IndexError(f"index_copy_(): When source is scalar, index should have one element "
                         f"(got {n})")
    if sn != nd and sn and nd:
        raise IndexError("index_copy_(): When source and destination are not scalars, their "
                         f"dimensionality must match. Source dimensionality ({sn}), destination "
                         f"dimensionality ({nd})")
    if index._dtype is not D.int64:
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                           f"{_sname(index._dtype)}")
    if source._dtype is not input._dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but "
                           f"got (self) {_sname(input._dtype)} and (source) {_sname(source._dtype)}")
    xs, ss = list(input._data.shape), list(source._data.shape)
    if xs:
        del xs[dim]
    if ss:
        del ss[dim]
    if xs != ss:
        raise RuntimeError("index_copy_(): Source/destination tensor must have same slice shapes. "
                           f"Destination slice shape: {' '.join(map(str, xs))} at dimension {dim} "
                           f"and source slice shape: {' '.join(map(str, ss))} at dimension 0.")
    n_src = source._data.shape[dim] if sn else 1
    if n != n_src:
        raise IndexError(f"index_copy_(): Number of indices ({n}) should be equal to "
                         f"source.size(dim) ({n_src})")
    return _index_bounds("index_copy_", input, dim, index)


def index_copy(input, dim, index, source, *, out=None):
    """``torch.index_copy``: ``input`` with the slices at ``index`` along ``dim`` replaced."""
    dim, idx = _index_copy_args(input, dim, index, source)
    r = IndexCopy.apply(input, source, dim=dim, index=idx)
    return r if out is None else _write_out(out, r)


Tensor.index_copy = index_copy


@tensor_method()
def index_copy_(self, dim, index, source):
    dim, idx = _index_copy_args(self, dim, index, source)
    return apply_inplace(IndexCopy, self, (source,), {"dim": dim, "index": idx})


class IndexFill(Op):
    node_name = "IndexFillBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, index=None, value=0):
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        o = out.reshape(1) if out.ndim == 0 else out
        o[_dim_key(dim, index)] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        g = grad.reshape(1) if grad.ndim == 0 else grad
        return IndexFill.apply(g, dim=ctx.dim, index=ctx.index, value=0).reshape(grad.shape)


class IndexFillTensor(Op):
    node_name = "IndexFillBackward1"

    @staticmethod
    def forward(ctx, x, value, dim=0, index=None):
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        o = out.reshape(1) if out.ndim == 0 else out
        o[_dim_key(dim, index)] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        g = grad.reshape(1) if grad.ndim == 0 else grad
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = IndexFill.apply(g, dim=ctx.dim, index=ctx.index, value=0).reshape(grad.shape)
        if ctx.needs_input_grad[1]:
            uniq = xp_of(ctx.index).unique(ctx.index)
            gv = IndexSelect.apply(g, dim=ctx.dim, index=uniq).sum()
        return gx, gv


def _index_fill_args(input, dim, index, value):
    if index._dtype is not D.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar")
    nd = input._data.ndim
    dim = wrap_dim(dim, nd)
    size = input._data.shape[dim] if nd else 1
    idx = _vector_index(index)
    if idx.size:
        bad = (idx < -size) | (idx >= size)
        if bad.any():
            raise IndexError(f"index {int(idx[bad][0])} is out of bounds for dimension {dim} with "
                             f"size {size}")
        idx = idx % size
    idx = _on(xp_of(input._data), idx)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
    else:
        value = _scalar_value(value, input._dtype)
    return dim, idx, value


def index_fill(input, dim, index, value):
    """``torch.index_fill``: ``input`` with the slices at ``index`` along ``dim`` set to ``value``."""
    dim, idx, value = _index_fill_args(input, dim, index, value)
    if isinstance(value, Tensor):
        return IndexFillTensor.apply(input, value, dim=dim, index=idx)
    return IndexFill.apply(input, dim=dim, index=idx, value=value)


Tensor.index_fill = index_fill


@tensor_method()
def index_fill_(self, dim, index, value):
    dim, idx, value = _index_fill_args(self, dim, index, value)
    if isinstance(value, Tensor):
        return apply_inplace(IndexFillTensor, self, (value,), {"dim": dim, "index": idx})
    return apply_inplace(IndexFill, self, (), {"dim": dim, "index": idx, "value": value})


# ---------------------------------------------------------------------- gather / scatter
class Gather(Op):
    node_name = "GatherBackward0"

    @staticmethod
    def forward(ctx, x, dim=0, index=None):
        ctx.shape, ctx.dim, ctx.index = x.shape, dim, index
        if x.ndim == 0:
            return x.reshape(1)[index.reshape(-1)].reshape(index.shape)
        return x[_scatter_key(index, dim)]

    @staticmethod
    def backward(ctx, grad):
        z = grad.new_zeros(ctx.shape)
        return ScatterAdd.apply(z, grad, dim=ctx.dim, index=ctx.index)


def _check_index_dtype(fname, index):
    if index._dtype not in (D.int64, D.int32):
        raise RuntimeError(f"{fname}(): Expected dtype int32/int64 for index")


def _check_bounds(index, size, dim):
    if index.size:
        bad = (index < 0) | (index >= size)
        if bad.any():
            v = int(index[bad].reshape(-1)[0])
            raise RuntimeError(f"index {v} is out of bounds for dimension {dim} with size {size}")


def gather(input, dim, index, *, sparse_grad=False, out=None):
    """``torch.gather``: ``out[i][j] = input[index[i][j]][j]`` (for ``dim=0``)."""
    _check_index_dtype("gather", index)
    nd = input._data.ndim
    dim = wrap_dim(dim, nd)
    ishape, xshape = index._data.shape, input._data.shape
    if max(len(ishape), 1) != max(nd, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for d in range(len(ishape)):
        if d != dim and ishape[d] > xshape[d]:
            raise RuntimeError(f"Size does not match at dimension {d} expected index "
                               f"{list(ishape)} to be no larger than self {list(xshape)} apart "
                               f"from dimension {dim}")
    idx = _on(xp_of(input._data), index._data)
    _check_bounds(idx, xshape[dim] if nd else 1, dim)
    r = Gather.apply(input, dim=dim, index=idx)
    return r if out is None else _write_out(out, r)


Tensor.gather = gather


class Scatter(Op):
    node_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, src, dim=0, index=None):
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        o = out.reshape(1) if out.ndim == 0 else out
        i = index.reshape(-1) if index.ndim == 0 else index
        s = src.reshape(-1) if src.ndim == 0 else src
        o[_scatter_key(i, dim)] = s[tuple(slice(0, n) for n in i.shape)]
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gs = None
        if ctx.needs_input_grad[0]:
            gx = ScatterValue.apply(grad, dim=ctx.dim, index=ctx.index, value=0)
        if ctx.needs_input_grad[1]:
            gs = Gather.apply(grad, dim=ctx.dim, index=ctx.index)
        return gx, gs


class ScatterValue(Op):
    node_name = "ScatterBackward1"

    @staticmethod
    def forward(ctx, x, dim=0, index=None, value=0):
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        o = out.reshape(1) if out.ndim == 0 else out
        i = index.reshape(-1) if index.ndim == 0 else index
        o[_scatter_key(i, dim)] = value
        return out

    @staticmethod
    def backward(ctx, grad):
        return ScatterValue.apply(grad, dim=ctx.dim, index=ctx.index, value=0)


class ScatterLegacyReduce(Op):
    """``scatter(..., reduce='add' | 'multiply')``: PyTorch has no derivative for it."""

    node_name = "NotImplemented"

    @staticmethod
    def forward(ctx, x, src=None, dim=0, index=None, reduce=None):
        out = x.copy()
        key = _scatter_key(index, dim)
        if hasattr(src, "shape") and src.ndim:
            src = src[tuple(slice(0, n) for n in index.shape)]
        _ufunc_at("add" if reduce == "add" else "multiply", out, key, src)
        return out

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


class ScatterAdd(Op):
    node_name = "ScatterAddBackward0"

    @staticmethod
    def forward(ctx, x, src, dim=0, index=None):
        ctx.dim, ctx.index = dim, index
        out = x.copy()
        o = out.reshape(1) if out.ndim == 0 else out
        i = index.reshape(-1) if index.ndim == 0 else index
        s = src.reshape(-1) if src.ndim == 0 else src
        _ufunc_at("add", o, _scatter_key(i, dim), s[tuple(slice(0, n) for n in i.shape)])
        return out

    @staticmethod
    def backward(ctx, grad):
        gs = None
        if ctx.needs_input_grad[1]:
            gs = Gather.apply(grad, dim=ctx.dim, index=ctx.index)
        return grad, gs


def _scatter_checks(self, dim, index, src, fname="scatter"):
    _check_index_dtype("scatter", index)
    nd = self._data.ndim
    dim = wrap_dim(dim, nd)
    ishape, xshape = index._data.shape, self._data.shape
    if max(len(ishape), 1) != max(nd, 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    if isinstance(src, Tensor):
        if src._dtype is not self._dtype:
            raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
        sshape = src._data.shape
        if max(len(sshape), 1) != max(nd, 1):
            raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
        for d in range(len(ishape)):
            if (d != dim and ishape[d] > xshape[d]) or ishape[d] > sshape[d]:
                raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self "
                                   f"{list(xshape)} apart from dimension {dim} and to be no "
                                   f"larger size than src {list(sshape)}")
    else:
        for d in range(len(ishape)):
            if d != dim and ishape[d] > xshape[d]:
                raise RuntimeError(f"Expected index {list(ishape)} to be no larger than self "
                                   f"{list(xshape)} apart from dimension {dim}")
    idx = _on(xp_of(self._data), index._data)
    _check_bounds(idx, xshape[dim] if nd else 1, dim)
    return dim, idx


def _scatter_impl(self, dim, index, src, value, reduce, inplace):
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing required argument 'src' or 'value'")
    dim, idx = _scatter_checks(self, dim, index, src)
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise RuntimeError("reduce argument must be either add or multiply.")
        if isinstance(src, Tensor):
            warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and "
                          "will be removed in a future PyTorch release. Use torch.scatter_reduce "
                          "instead for more reduction options.", UserWarning, stacklevel=3)
            ops = (src,)
            kw = {"dim": dim, "index": idx, "reduce": reduce}
        else:
            ops = ()
            kw = {"dim": dim, "index": idx, "reduce": reduce,
                  "src": _scalar_value(src, self._dtype)}
        if inplace:
            return apply_inplace(ScatterLegacyReduce, self, ops, kw)
        return ScatterLegacyReduce.apply(self, *ops, **kw)
    if isinstance(src, Tensor):
        if inplace:
            return apply_inplace(Scatter, self, (src,), {"dim": dim, "index": idx})
        return Scatter.apply(self, src, dim=dim, index=idx)
    v = _scalar_value(src, self._dtype)
    if inplace:
        return apply_inplace(ScatterValue, self, (), {"dim": dim, "index": idx, "value": v})
    return ScatterValue.apply(self, dim=dim, index=idx, value=v)


def scatter(input, dim, index, src=None, value=None, *, reduce=None, out=None):
    """``torch.scatter``: ``input`` with ``src`` (a tensor or a number) written at ``index``
    along ``dim``; ``reduce='add'|'multiply'`` combines instead (no gradient, as in PyTorch)."""
    r = _scatter_impl(input, dim, index, src, value, reduce, False)
    return r if out is None else _write_out(out, r)


Tensor.scatter = scatter


@tensor_method()
def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    return _scatter_impl(self, dim, index, src, value, reduce, True)


def scatter_add(input, dim, index, src, *, out=None):
    """``torch.scatter_add``: ``input`` with ``src`` summed into the positions ``index`` names."""
    dim, idx = _scatter_checks(input, dim, index, src)
    r = ScatterAdd.apply(input, src, dim=dim, index=idx)
    return r if out is None else _write_out(out, r)


Tensor.scatter_add = scatter_add


@tensor_method()
def scatter_add_(self, dim, index, src):
    dim, idx = _scatter_checks(self, dim, index, src)
    return apply_inplace(ScatterAdd, self, (src,), {"dim": dim, "index": idx})


_REDUCE_UFUNC = {"sum": "add", "mean": "add", "prod": "multiply", "amax": "maximum",
                 "amin": "minimum"}


def _reduce_identity(reduce, dtype):
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    if dtype.kind == "f" or dtype.kind == "c":
        return -np.inf if reduce == "amax" else np.inf
    if dtype.kind == "b":
        return reduce == "amin"
    info = np.iinfo(dtype)
    return info.min if reduce == "amax" else info.max


class ScatterReduce(Op):
    node_name = "ScatterReduceBackward0"

    @staticmethod
    def forward(ctx, x, src, dim=0, index=None, reduce="sum", include_self=True):
        xp = xp_of(x)
        ctx.dim, ctx.index, ctx.reduce, ctx.include_self = dim, index, reduce, include_self
        out = x.copy()
        o = out.reshape(1) if out.ndim == 0 else out
        i = index.reshape(-1) if index.ndim == 0 else index
        s = src.reshape(-1) if src.ndim == 0 else src
        key = _scatter_key(i, dim)
        s = s[tuple(slice(0, n) for n in i.shape)]
        if not include_self:
            o[key] = _reduce_identity(reduce, x.dtype)
        _ufunc_at(_REDUCE_UFUNC[reduce], o, key, s)
        if reduce == "mean":
            count = xp.full(o.shape, 1 if include_self else 0, np.int64)
            _ufunc_at("add", count, key, 1)
            count = xp.maximum(count, 1)
            if o.dtype.kind in "biu":
                o[...] = o // count.astype(o.dtype)
            else:
                o[...] = o / count
        ctx.save_for_backward(x, src, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, src, result = ctx.saved_tensors
        dim, index, reduce = ctx.dim, ctx.index, ctx.reduce
        idx = _wrap_index(index)
        gx = gs = None
        if reduce == "sum":
            gx = grad
            gs = grad.gather(dim, idx)
        elif reduce == "mean":
            n = grad.new_ones(grad.shape) if ctx.include_self else grad.new_zeros(grad.shape)
            n = n.scatter_add(dim, idx, src.new_ones(src.shape).to(grad.dtype)
                              if src.dtype is not grad.dtype else src.new_ones(src.shape))
            n = n.masked_fill(n == 0, 1)
            gx = grad / n
            gs = grad.gather(dim, idx) / n.gather(dim, idx)
        elif reduce == "prod":
            masked_self = x.masked_fill(x == 0, 1)
            masked_self_result = masked_self.scatter_reduce(dim, idx, src, reduce,
                                                            include_self=ctx.include_self)
            gx = grad * masked_self_result / masked_self
            src_zero = src == 0
            nz = x.new_zeros(x.shape).scatter_add(dim, idx, src_zero.to(x.dtype)).gather(dim, idx)
            single_zero = Tensor._make(src_zero._data & (nz._data == 1))
            masked_src = src.masked_fill(single_zero, 1)
            masked_src_result = x.scatter_reduce(dim, idx, masked_src, reduce,
                                                 include_self=ctx.include_self)
            gs = where(single_zero, (grad * masked_src_result).gather(dim, idx),
                       (grad * result).gather(dim, idx) / src.masked_fill(src_zero, 1))
        else:
            value = result.gather(dim, idx)
            self_is_result = (x == result).to(x.dtype)
            src_is_result = (src == value).to(x.dtype)
            n = self_is_result.scatter_add(dim, idx, src_is_result)
            g_dist = grad / n
            gx = self_is_result * g_dist
            gs = src_is_result * g_dist.gather(dim, idx)
        if not ctx.include_self:
            gx = gx.scatter(dim, idx, 0)
        return gx, gs


_REDUCE_ALIASES = {"max": "amax", "min": "amin"}


def _scatter_reduce_args(input, dim, index, src, reduce):
    reduce = _REDUCE_ALIASES.get(reduce, reduce)
    if reduce not in _REDUCE_UFUNC:
        raise RuntimeError("reduce argument must be either sum, prod, mean, amax or amin, got "
                           f"{reduce}")
    dim, idx = _scatter_checks(input, dim, index, src)
    return dim, idx, reduce


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True, out=None):
    """``torch.scatter_reduce``: reduce ``src`` into ``input`` at ``index`` with sum, prod,
    mean, amax or amin (``include_self=False`` leaves the old values out)."""
    dim, idx, reduce = _scatter_reduce_args(input, dim, index, src, reduce)
    r = ScatterReduce.apply(input, src, dim=dim, index=idx, reduce=reduce,
                            include_self=include_self)
    return r if out is None else _write_out(out, r)


Tensor.scatter_reduce = scatter_reduce


@tensor_method()
def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
    dim, idx, reduce = _scatter_reduce_args(self, dim, index, src, reduce)
    return apply_inplace(ScatterReduce, self, (src,), {"dim": dim, "index": idx, "reduce": reduce,
                                                       "include_self": include_self})


def take_along_dim(input, indices, dim=None, *, out=None):
    """``torch.take_along_dim``: ``gather`` after broadcasting ``input`` and ``indices`` over
    every dim but ``dim`` (over the flattened input when ``dim`` is None)."""
    if indices._dtype is not D.int64:
        raise RuntimeError("torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{_sname(indices._dtype)}")
    if dim is None:
        r = gather(input.view(-1), 0, indices.view(-1))
        return r if out is None else _write_out(out, r)
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same number "
                           f"of dimensions, but got {input._data.ndim} dimensions for input, and "
                           f"{indices._data.ndim} dimensions for indices")
    dim = wrap_dim(dim, input._data.ndim)
    xs, ids = list(input._data.shape), list(indices._data.shape)
    s = list(xs)
    s[dim] = ids[dim]
    ishape = tuple(broadcast_shapes_or_raise(tuple(s), tuple(ids)))
    t = list(ids)
    t[dim] = xs[dim]
    xshape = tuple(broadcast_shapes_or_raise(tuple(t), tuple(xs)))
    x = input if tuple(xs) == xshape else input.expand(xshape)
    i = indices if tuple(ids) == ishape else indices.expand(ishape)
    r = gather(x, dim, i)
    return r if out is None else _write_out(out, r)


Tensor.take_along_dim = take_along_dim


# ---------------------------------------------------------------------- masks
def _mask_dtype_error(fname, mask):
    return RuntimeError(f"{fname} only supports boolean masks, but got mask with dtype "
                        f"{_CPP_NAMES.get(mask._dtype.name, mask._dtype.name)}")


class MaskedFill(Op):
    node_name = "MaskedFillBackward0"

    @staticmethod
    def forward(ctx, x, mask=None, value=0):
        ctx.mask = mask
        xp = xp_of(x)
        # a contiguous copy (as PyTorch's) and a masked store: half the time of ``where``
        out = xp.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape)).copy()
        xp.copyto(out, value, where=mask)
        return out

    @staticmethod
    def backward(ctx, grad):
        return MaskedFill.apply(grad, mask=ctx.mask, value=grad._data.dtype.type(0))


class MaskedFillTensor(Op):
    node_name = "MaskedFillBackward1"

    @staticmethod
    def forward(ctx, x, value, mask=None):
        ctx.mask = mask
        return xp_of(x).where(mask, value.astype(x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        zero = grad._data.dtype.type(0)
        gx = gv = None
        if ctx.needs_input_grad[0]:
            gx = MaskedFill.apply(grad, mask=ctx.mask, value=zero)
        if ctx.needs_input_grad[1]:
            gv = Where.apply(grad, 0, cond=ctx.mask, np_dtype=grad._data.dtype).sum()
        return gx, gv


def _masked_fill_args(input, mask, value, inplace):
    if mask._dtype is not D.bool:
        raise _mask_dtype_error("masked_fill_", mask)
    shape = tuple(broadcast_shapes_or_raise(mask._data.shape, input._data.shape))
    if inplace and shape != input._data.shape:
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    m = _on(xp_of(input._data), mask._data)
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got "
                               f"tensor with {value._data.ndim} dimension(s).")
        return m, value
    v = _scalar_value(value, input._dtype)
    return m, v


def masked_fill(input, mask, value):
    """``torch.masked_fill``: ``value`` where ``mask`` (bool, broadcast) is True."""
    m, v = _masked_fill_args(input, mask, value, False)
    if isinstance(v, Tensor):
        return MaskedFillTensor.apply(input, v, mask=m)
    return MaskedFill.apply(input, mask=m, value=v)


Tensor.masked_fill = masked_fill


@tensor_method()
def masked_fill_(self, mask, value):
    m, v = _masked_fill_args(self, mask, value, True)
    if isinstance(v, Tensor):
        return apply_inplace(MaskedFillTensor, self, (v,), {"mask": m})
    return apply_inplace(MaskedFill, self, (), {"mask": m, "value": v})


class MaskedSelect(Op):
    node_name = "MaskedSelectBackward0"

    @staticmethod
    def forward(ctx, x, mask=None):
        xp = xp_of(x)
        xb, mb = xp.broadcast_arrays(x, mask)
        ctx.mask, ctx.shape = mb, xb.shape
        return xb[mb]

    @staticmethod
    def backward(ctx, grad):
        return MaskedScatter.apply(grad.new_zeros(ctx.shape), grad, mask=ctx.mask)


def masked_select(input, mask, *, out=None):
    """``torch.masked_select``: the elements where ``mask`` is True, as a 1-D copy."""
    if mask._dtype is not D.bool:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    broadcast_shapes_or_raise(input._data.shape, mask._data.shape)
    r = MaskedSelect.apply(input, mask=_on(xp_of(input._data), mask._data))
    return r if out is None else _write_out(out, r)


Tensor.masked_select = masked_select


class MaskedScatter(Op):
    node_name = "MaskedScatterBackward0"

    @staticmethod
    def forward(ctx, x, source, mask=None):
        xp = xp_of(x)
        shape = np.broadcast_shapes(x.shape, mask.shape)
        mb = xp.broadcast_to(mask, shape)
        ctx.mask, ctx.src_shape = mb, source.shape
        out = xp.broadcast_to(x, shape).copy()
        n = int(mb.sum())
        out[mb] = source.reshape(-1)[:n]
        return out

    @staticmethod
    def backward(ctx, grad):
        gx = gs = None
        if ctx.needs_input_grad[0]:
            gx = MaskedFill.apply(grad, mask=ctx.mask, value=grad._data.dtype.type(0))
        if ctx.needs_input_grad[1]:
            sel = MaskedSelect.apply(grad, mask=ctx.mask)
            numel = int(np.prod(ctx.src_shape))
            xp = xp_of(grad._data)
            pos = xp.arange(sel._data.shape[0])
            gs = IndexPut.apply(grad.new_zeros((numel,)), sel, key=(pos,)).reshape(ctx.src_shape)
        return gx, gs


def _masked_scatter_args(input, mask, source, inplace):
    if mask._dtype is D.uint8:
        warnings.warn("masked_scatter_ received a mask with dtype torch.uint8, this behavior is "
                      "now deprecated,please use a mask with dtype torch.bool instead.",
                      UserWarning, stacklevel=3)
    if mask._dtype is not D.bool:
        raise RuntimeError("masked_scatter_ only supports boolean masks, but got mask with dtype "
                           f"{_sname(mask._dtype)}")
    if source._dtype is not input._dtype:
        raise RuntimeError("masked_scatter: expected self and source to have same dtypes but got"
                           f"{_sname(input._dtype)} and {_sname(source._dtype)}")
    shape = tuple(broadcast_shapes_or_raise(input._data.shape, mask._data.shape))
    if inplace and shape != input._data.shape:
        raise RuntimeError(f"output with shape {list(input.shape)} doesn't match the broadcast "
                           f"shape {list(shape)}")
    m = _on(xp_of(input._data), mask._data)
    if int(xp_of(m).broadcast_to(m, shape).sum()) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return m


def masked_scatter(input, mask, source):
    """``torch.masked_scatter``: ``source``'s elements, in order, where ``mask`` is True."""
    m = _masked_scatter_args(input, mask, source, False)
    return MaskedScatter.apply(input, source, mask=m)


Tensor.masked_scatter = masked_scatter


@tensor_method()
def masked_scatter_(self, mask, source):
    m = _masked_scatter_args(self, mask, source, True)
    return apply_inplace(MaskedScatter, self, (source,), {"mask": m})


# ---------------------------------------------------------------------- where / nonzero
class Where(Op):
    node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, x, y, cond=None, np_dtype=None):
        ctx.cond = cond
        r = xp_of(cond).where(cond, x, y)
        return r.astype(np_dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        dt = grad._data.dtype
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = Where.apply(grad, 0, cond=ctx.cond, np_dtype=dt)
        if ctx.needs_input_grad[1]:
            gy = Where.apply(0, grad, cond=ctx.cond, np_dtype=dt)
        return gx, gy


def where(condition, input=None, other=None, *, out=None):
    """``torch.where(cond, x, y)``: elementwise choice with broadcasting and PyTorch's dtype
    promotion (Python numbers included); ``torch.where(cond)`` is ``nonzero(as_tuple=True)``."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    if condition._dtype is D.uint8:
        warnings.warn("where received a uint8 condition tensor. This behavior is deprecated and "
                      "will be removed in a future version of PyTorch. Use a boolean condition "
                      "instead.", UserWarning, stacklevel=2)
    elif condition._dtype is not D.bool:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_sname(condition._dtype)}")
    dt = D.result_type_of([input, other])
    xp = xp_of(condition._data)
    ops = []
    for a in (input, other):
        if isinstance(a, Tensor):
            if a._dtype is not dt:
                a = a.to(dt)
            xp = xp_of(a._data)
        else:
            a = _scalar_value(a, dt)
        ops.append(a)
    cond = _on(xp, condition._data)
    shape = broadcast_shapes_or_raise(cond.shape, *(getattr(a, "shape", ()) for a in ops))
    del shape
    r = Where.apply(ops[0], ops[1], cond=cond.astype(bool, copy=False), np_dtype=dt.np_dtype)
    if dt is D.bfloat16:
        r._dtype = D.bfloat16
        r._data = D.round_to_bfloat16(r._data)
    return r if out is None else _write_out(out, r)


@tensor_method("where")
def _where_method(self, condition, y):
    return where(condition, self, y)


def nonzero(input, *, out=None, as_tuple=False):
    """``torch.nonzero``: the indices of non-zero elements, (N, ndim) int64, or one 1-D
    tensor per dim with ``as_tuple=True`` (a 0-dim input counts as 1-D there)."""
    a = input._data
    xp = xp_of(a)
    if as_tuple:
        if a.ndim == 0:
            a = a.reshape(1)
        return tuple(Tensor._make(i.astype(np.int64, copy=False)) for i in xp.nonzero(a))
    r = Tensor._make(xp.ascontiguousarray(xp.argwhere(a).astype(np.int64, copy=False)))
    return r if out is None else _write_out(out, r)


Tensor.nonzero = nonzero


def argwhere(input):
    """``torch.argwhere``: ``nonzero(input)``."""
    return nonzero(input)


Tensor.argwhere = argwhere
