"""Tensor creation: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros``/``ones``/``full``/``empty``
and their ``*_like``, ``arange``, the legacy constructors."""

import builtins
import collections.abc
import math
import numbers
import warnings

import numpy as np

from .. import _dtype as D
from .._device import CPU, array_module, as_device, device_of_array
from .._tensor import Tensor, tensor_method
from ..autograd.function import Op
from ._util import xp_of

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "arange", "empty_strided",
           "scalar_tensor", "linspace", "logspace", "eye", "complex", "polar", "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
           "BoolTensor", "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor", "BFloat16Tensor"]


def make_tensor(arr, dtype=None, device=None, requires_grad=False):
    """Wrap array ``arr`` (already of ``dtype``'s storage type) as a tensor on ``device``."""
    if dtype is D.bfloat16:
        arr = D.round_to_bfloat16(arr)
    if device is not None and device.type == "cuda":
        xp = array_module(device)
        with xp.cuda.Device(device.index):
            arr = xp.asarray(arr)
    t = Tensor._make(arr, dtype)
    if requires_grad:
        _set_requires_grad(t)
    return t


def _set_requires_grad(t):
    if not (t._dtype.is_floating_point or t._dtype.is_complex):
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    t._requires_grad = True


# ---------------------------------------------------------------------- torch.tensor from data
# How PyTorch reads nested Python data (torch/csrc/utils/tensor_new.cpp), step by step:
#   1. the shape comes from the chain of first elements (``compute_sizes``);
#   2. without ``dtype`` the dtype is the promotion of every leaf's dtype
#      (``infer_scalar_type``: bool, int64, the default float/complex, a tensor's
#      or NumPy value's own dtype);
#   3. every leaf is stored with a checked conversion to the target dtype, with
#      PyTorch's errors for ragged data and values that do not fit.
_pycomplex = builtins.complex  # this module defines torch.complex
_PY_SCALARS = (bool, int, float, _pycomplex)
_SEQ_TYPES = (list, tuple)


def _is_sequence(x):
    return isinstance(x, (list, tuple, range, np.ndarray)) or (
        isinstance(x, collections.abc.Sequence) and not isinstance(x, (str, bytes, Tensor)))


def _compute_sizes(data):
    sizes = []
    seq = data
    while True:
        if isinstance(seq, np.ndarray):
            if seq.ndim == 0 and sizes:
                raise TypeError("len() of unsized object")
            sizes.extend(seq.shape)
            break
        if isinstance(seq, (str, bytes)) and sizes:
            raise ValueError(f"too many dimensions '{type(seq).__name__}'")
        if not _is_sequence(seq):
            break
        n = len(seq)
        sizes.append(n)
        if n == 0:
            break
        first = seq[0]
        if isinstance(first, np.ndarray) and not isinstance(seq, np.ndarray) and first.ndim:
            warnings.warn("Creating a tensor from a list of numpy.ndarrays is extremely slow. "
                          "Please consider converting the list to a single numpy.ndarray with "
                          "numpy.array() before converting to a tensor.", UserWarning, stacklevel=4)
        seq = first
    return tuple(sizes)


def _scalar_dtype(x):
    """PyTorch's ``infer_scalar_type`` for one non-sequence value."""
    t = type(x)
    if t is float:
        return D.get_default_dtype()
    if t is int:
        return D.int64
    if t is bool:
        return D.bool
    if t is _pycomplex:
        return D.default_complex_dtype()
    if isinstance(x, Tensor):
        return x._dtype
    if isinstance(x, (np.ndarray, np.generic)):
        return D.from_numpy_dtype(x.dtype)
    if isinstance(x, (str, bytes)):
        raise TypeError(f"new(): invalid data type '{t.__name__}'")
    if isinstance(x, bool):
        return D.bool
    if isinstance(x, numbers.Integral):
        return D.int64
    if isinstance(x, numbers.Real):
        return D.get_default_dtype()
    if isinstance(x, numbers.Complex):
        return D.default_complex_dtype()
    raise RuntimeError(f"Could not infer dtype of {t.__name__}")


def _infer_dtype(data):
    """The dtype ``torch.tensor(data)`` gives: the promotion of all leaves' dtypes."""
    if not _is_sequence(data) or isinstance(data, np.ndarray):
        return _scalar_dtype(data)
    result = None
    frontier = [data]
    while frontier:
        nxt = []
        for x in frontier:
            t = type(x)
            if t is list or t is tuple:
                if x:
                    nxt.extend(x)
                    continue
                dt = D.get_default_dtype()
            elif t is int:
                dt = D.int64
            elif t is float:
                dt = D.get_default_dtype()
            elif _is_sequence(x) and not isinstance(x, np.ndarray):
                if len(x):
                    nxt.extend(x)
                    continue
                dt = D.get_default_dtype()
            else:
                dt = _scalar_dtype(x)
            result = dt if result is None else D.promote_types(result, dt)
        frontier = nxt
    return result


def _flatten(data, sizes):
    """The leaves of ``data`` in order, checked against ``sizes`` as PyTorch checks them."""
    level = [data]
    for n in sizes:
        kinds = set(map(type, level))
        if not kinds <= {list, tuple} or set(map(len, level)) != {n}:
            out = []
            _flatten_slow(data, sizes, 0, out)
            return out
        level = [y for s in level for y in s]
    return level


def _flatten_slow(obj, sizes, dim, out):
    if dim == len(sizes):
        out.append(obj)
        return
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            raise TypeError("len() of unsized object")
        for i, (got, want) in enumerate(zip(obj.shape, sizes[dim:])):
            if got != want:
                raise ValueError(f"expected sequence of length {want} at dim {dim + i} (got {got})")
        rest = len(sizes) - dim
        if obj.ndim < rest:
            raise TypeError("not a sequence")
        out.extend(obj.reshape(-1).tolist() if obj.ndim == rest else
                   list(obj.reshape((-1,) + obj.shape[rest:])))
        return
    if not _is_sequence(obj):
        raise TypeError("not a sequence")
    n = len(obj)
    if n != sizes[dim]:
        raise ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {n})")
    for x in obj:
        _flatten_slow(x, sizes, dim + 1, out)


def _unpack_leaf(x, dtype):
    """One leaf as a Python number for ``dtype``, with PyTorch's errors for what cannot be."""
    integral = dtype._category <= 1
    if isinstance(x, Tensor):
        if integral and (x._dtype.is_floating_point or x._dtype.is_complex
                         or x._data.size != 1):
            raise TypeError("only integer tensors of a single element can be converted to an index")
        if x._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x.item()
    if isinstance(x, np.generic):
        if integral and dtype is not D.bool and not isinstance(x, (np.integer, np.float64)):
            raise TypeError(f"'numpy.{type(x).__name__}' object cannot be interpreted as an integer")
        return x.item()
    if isinstance(x, _PY_SCALARS):
        return x
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return float(x)
    if integral:
        raise TypeError(f"'{type(x).__name__}' object cannot be interpreted as an integer")
    raise TypeError(f"must be real number, not {type(x).__name__}")


def _overflow(dtype):
    return RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")


def _leaves_to_array(leaves, dtype, shape):
    """Store Python numbers as ``dtype`` with PyTorch's checked conversions."""
    kinds = set(map(type, leaves))
    if not kinds <= set(_PY_SCALARS):
        leaves = [_unpack_leaf(x, dtype) for x in leaves]
        kinds = set(map(type, leaves))
    cat = dtype._category
    np_dt = dtype.np_dtype
    if cat == D._BOOL:
        arr = np.array([x != 0 for x in leaves], dtype=np.bool_)
    elif cat == D._INT:
        if _pycomplex in kinds:
            raise TypeError("'complex' object cannot be interpreted as an integer")
        info = np.iinfo(np_dt)
        hi = builtins.int(info.max)
        lo = builtins.int(info.min) if dtype.is_signed else -hi
        if float in kinds:
            arr = np.array(leaves, dtype=np.float64)
            with np.errstate(invalid="ignore"):
                if not (np.isfinite(arr).all() and (arr >= lo).all() and (arr <= hi).all()):
                    raise _overflow(dtype)
            arr = np.trunc(arr)
        else:
            try:
                arr = np.array(leaves, dtype=np.int64)
            except OverflowError:
                if dtype is not D.uint64:
                    raise ValueError("Overflow when unpacking long long") from None
                if builtins.min(leaves) < 0:
                    raise OverflowError("can't convert negative int to unsigned") from None
                arr = np.array(leaves, dtype=np.uint64)
            if dtype is D.uint64 and arr.dtype == np.int64 and arr.size and arr.min() < 0:
                raise OverflowError("can't convert negative int to unsigned")
            if hi < 2 ** 63 - 1 and arr.size and (arr.min() < lo or arr.max() > hi):
                raise _overflow(dtype)
        arr = arr.astype(np_dt)
    elif cat == D._FLOAT:
        if _pycomplex in kinds:
            raise TypeError("must be real number, not complex")
        try:
            arr = np.array(leaves, dtype=np.float64)
        except OverflowError:
            arr = np.array([float(x) for x in leaves], dtype=np.float64)
        with np.errstate(over="ignore"):
            arr = arr.astype(np_dt)
    else:
        arr = np.array(leaves, dtype=np.complex128).astype(np_dt)
    return arr.reshape(shape)


_FAST_KINDS = {int, float, bool}
_FLOAT_MAX = {np.dtype(t): float(np.finfo(t).max) for t in (np.float16, np.float32)}
_SEQ_KINDS = ({list}, {tuple}, {list, tuple})


def _fast_array(data, dtype=None):
    """Regular nested lists of plain ``int``/``float``/``bool``: ``(array, dtype)``, else None.

    With a ``dtype`` only float and complex targets take this path (integer targets
    need PyTorch's overflow checks, done by the general path).
    """
    sizes = []
    level = [data]
    while True:
        kinds = set(map(type, level))
        if kinds in _SEQ_KINDS:
            lens = set(map(len, level))
            if len(lens) != 1:
                return None
            n = lens.pop()
            if n == 0:
                return None
            sizes.append(n)
            level = [y for s in level for y in s] if len(level) > 1 else list(level[0])
            continue
        if not kinds <= _FAST_KINDS:
            return None
        if dtype is None:
            dtype = D.get_default_dtype() if float in kinds else D.int64 if int in kinds else D.bool
        try:
            np_dt = dtype.np_dtype
            big = _FLOAT_MAX.get(np_dt)
            if big is not None and not (max(level) < big and min(level) > -big):
                with np.errstate(over="ignore"):   # PyTorch silently gives inf
                    arr = np.array(level, dtype=np_dt)
            else:
                arr = np.array(level, dtype=np_dt)
        except OverflowError:
            return None
        return arr.reshape(sizes), dtype


def _array_from_data(data, dtype):
    """``(array, dtype)`` for Python data: nested sequences, numbers, NumPy scalars, 0-dim tensors."""
    if data.__class__ in (list, tuple) and (dtype is None or dtype._category >= D._FLOAT):
        fast = _fast_array(data, dtype)
        if fast is not None:
            return fast
    sizes = _compute_sizes(data)
    if dtype is None:
        dtype = _infer_dtype(data)
    numel = 1
    for n in sizes:
        numel *= n
    if numel == 0:
        return np.zeros(sizes, dtype.np_dtype), dtype
    leaves = _flatten(data, sizes) if sizes else [data]
    return _leaves_to_array(leaves, dtype, sizes), dtype


_MISSING = object()


def tensor(data=_MISSING, *args, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """``torch.tensor``: a new tensor that copies ``data``.

    ``data`` may be a number, a (nested) list or tuple of numbers and 0-dim
    tensors, a NumPy array or scalar, or a tensor.  The dtype is inferred as
    PyTorch infers it (promotion over all values; NumPy values keep their
    dtype) and ragged data raises PyTorch's errors.
    """
    if data is _MISSING:
        raise TypeError('tensor() missing 1 required positional arguments: "data"')
    if args:
        raise TypeError(f"tensor() takes 1 positional argument but {len(args) + 1} were given")
    device = as_device(device)
    if isinstance(data, Tensor):
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        t = data.detach().to(dtype=dtype, device=device, copy=True)
        t._base = None
        t._vc = None
        if requires_grad:
            _set_requires_grad(t)
        return t
    if isinstance(data, np.ndarray):
        src = _check_numpy(data)
        arr = np.array(data, copy=True, order="K")
        if dtype is None:
            dtype = src
        elif dtype.np_dtype != arr.dtype:
            with np.errstate(invalid="ignore", over="ignore"):
                arr = arr.astype(dtype.np_dtype) if dtype.is_complex or arr.dtype.kind != "c" \
                    else arr.real.astype(dtype.np_dtype)
    else:
        arr, dtype = _array_from_data(data, dtype)
    return make_tensor(arr, dtype, device, requires_grad)


def _check_numpy(arr):
    """The Ember dtype of a NumPy array PyTorch can take, or PyTorch's error."""
    if any(s < 0 for s in arr.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    if arr.dtype.byteorder not in "=|":
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return D.from_numpy_dtype(arr.dtype)


_warned_readonly = [False]


def from_numpy(ndarray):
    """``torch.from_numpy``: a tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    dt = _check_numpy(ndarray)
    if not ndarray.flags.writeable and not _warned_readonly[0]:
        _warned_readonly[0] = True
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support "
                      "non-writable tensors. This means writing to this tensor will result in "
                      "undefined behavior. You may want to copy the array to protect its data or "
                      "make it writable before converting it to a tensor. This type of warning will "
                      "be suppressed for the rest of this program.", UserWarning, stacklevel=2)
    return Tensor._make(ndarray, dt)


def as_tensor(data, dtype=None, device=None):
    """``torch.as_tensor``: shares memory with a tensor or NumPy array when dtype and device allow.

    A tensor is returned as is (or converted with ``.to``, keeping the graph);
    a NumPy array is wrapped without a copy; anything else is copied as by
    ``torch.tensor``.
    """
    device = as_device(device)
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device) if (dtype or device) else data
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        if dtype is not None and dtype is not t._dtype:
            t = t.to(dtype)
        if device is not None and device != t._device:
            t = t.to(device)
        return t
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``torch.asarray``: shares memory with tensors, NumPy arrays and buffers when possible.

    ``copy=True`` always copies; ``copy=False`` raises PyTorch's ValueError when
    sharing is impossible (another dtype or device, or a Python sequence).
    """
    device = as_device(device)
    if isinstance(obj, (Tensor, np.ndarray)):
        t = obj if isinstance(obj, Tensor) else from_numpy(obj)
        same = (dtype is None or dtype is t._dtype) and (device is None or device == t._device)
        if copy is False and not same:
            if dtype is not None and dtype is not t._dtype:
                raise ValueError(f"can't alias tensor with dtype '{t._dtype._scalar_name}' into "
                                 f"dtype '{dtype._scalar_name}'.")
            raise ValueError(f"can't alias tensor on device '{t._device}' into device '{device}'.")
        if copy:
            t = t.detach().to(dtype=dtype, device=device, copy=True)
            t._base = None
            t._vc = None
        elif not same:
            t = t.detach().to(dtype=dtype, device=device)
    else:
        if copy is False:
            raise ValueError("can't alias arbitrary sequence into a tensor.")
        t = tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t = t.detach() if t is obj else t
        _set_requires_grad(t)
    return t


# ---------------------------------------------------------------------- filled tensors
def size_args(size, fname="zeros"):
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(torch.Size(...))``."""
    if len(size) == 1 and not isinstance(size[0], (builtins.int, np.integer, Tensor)):
        if not isinstance(size[0], (tuple, list)):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, not "
                            f"{type(size[0]).__name__}")
        size = size[0]
    out = []
    for i, s in enumerate(size):
        if isinstance(s, Tensor) and s._data.size == 1 and not s._dtype.is_floating_point:
            s = s.item()
        if not isinstance(s, (builtins.int, np.integer)) or isinstance(s, builtins.bool):
            raise TypeError(f"{fname}(): argument 'size' failed to unpack the object at pos "
                            f"{i + 1} with error \"type must be tuple of ints,but got "
                            f"{type(s).__name__}\"")
        out.append(builtins.int(s))
    for s in out:
        if s < 0:
            raise RuntimeError(f"{fname}: Dimension size must be non-negative.")
    return tuple(out)


def _check_dtype(dtype, fname):
    if dtype is not None and not isinstance(dtype, D.dtype):
        raise TypeError(f"{fname}(): argument 'dtype' must be torch.dtype, not {type(dtype).__name__}")


def _filled(fill, size, dtype, device, requires_grad, fname):
    shape = size_args(size, fname)
    _check_dtype(dtype, fname)
    dtype = dtype or D.get_default_dtype()
    device = as_device(device) or CPU
    xp = array_module(device)
    if fill is None or fill == 0:
        arr = xp.zeros(shape, dtype.np_dtype)
    elif fill == 1:
        arr = xp.ones(shape, dtype.np_dtype)
    else:
        arr = xp.full(shape, _checked_fill(fill, dtype), dtype.np_dtype)
        if dtype is D.bfloat16:
            arr = D.round_to_bfloat16(arr)
    t = Tensor._make(arr, dtype)
    if requires_grad:
        _set_requires_grad(t)
    return t


_C_NAMES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "bool": "bool"}


def _checked_fill(value, dtype):
    """A fill value converted as PyTorch's ``Scalar.to<T>()`` does, overflow checked."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    cat = dtype._category
    err = RuntimeError(f"value cannot be converted to type {_C_NAMES.get(dtype.name, dtype.name)} "
                       "without overflow")
    if cat == D._COMPLEX:
        return value
    if isinstance(value, _pycomplex):
        if value.imag != 0:
            raise err
        value = value.real
    if cat == D._BOOL:
        return builtins.bool(value)
    if cat == D._INT:
        info = np.iinfo(dtype.np_dtype)
        hi = builtins.int(info.max)
        lo = builtins.int(info.min) if dtype.is_signed else -hi
        if isinstance(value, float) and not math.isfinite(value):
            raise err
        if not lo <= value <= hi:
            raise err
        value = builtins.int(value)
        return value % (hi + 1) if value < 0 and not dtype.is_signed else value
    return value


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False):
    """``torch.zeros``: ``zeros(2, 3)`` and ``zeros((2, 3))`` alike."""
    return _maybe_out(_filled(0, size, dtype, device, requires_grad, "zeros"), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
         pin_memory=False):
    """``torch.ones``: ``ones(2, 3)`` and ``ones((2, 3))`` alike."""
    return _maybe_out(_filled(1, size, dtype, device, requires_grad, "ones"), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """``torch.empty``: Ember fills with zeros (uninitialised memory buys nothing in Python)."""
    return _maybe_out(_filled(0, size, dtype, device, requires_grad, "empty"), out)


def _fill_dtype(fill_value, fname):
    if isinstance(fill_value, Tensor):
        return fill_value._dtype
    if isinstance(fill_value, builtins.bool) or isinstance(fill_value, np.bool_):
        return D.bool
    if isinstance(fill_value, (builtins.int, np.integer)):
        return D.int64
    if isinstance(fill_value, (float, np.floating)):
        return D.get_default_dtype()
    if isinstance(fill_value, (_pycomplex, np.complexfloating)):
        return D.default_complex_dtype()
    raise TypeError(f"{fname}(): argument 'fill_value' (position 2) must be Number, not "
                    f"{type(fill_value).__name__}")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``torch.full``: the dtype follows ``fill_value`` when not given (bool, int64, default float)."""
    fdt = _fill_dtype(fill_value, "full")
    if isinstance(fill_value, builtins.int) and not -2 ** 63 <= fill_value < 2 ** 63:
        raise OverflowError("int too big to convert")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): argument 'size' (position 1) must be tuple of ints, not "
                        f"{type(size).__name__}")
    return _maybe_out(_filled(fill_value, (size,), dtype or fdt, device, requires_grad, "full"), out)


def _maybe_out(t, out):
    if out is None:
        return t
    if out.shape != t.shape:
        out.resize_(t.shape)
    out.copy_(t)
    return out


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """``torch.empty_strided``: a zero-filled tensor with the given strides."""
    size, stride = size_args((size,), "empty_strided"), tuple(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    dtype = dtype or D.get_default_dtype()
    device = as_device(device) or CPU
    xp = array_module(device)
    span = 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    buf = xp.zeros(builtins.max(span, 0), dtype.np_dtype)
    arr = xp.lib.stride_tricks.as_strided(buf, size, tuple(s * buf.itemsize for s in stride))
    t = Tensor._make(arr, dtype)
    if requires_grad:
        _set_requires_grad(t)
    return t


def _like(fill, input, dtype, device, requires_grad, name, memory_format=None):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    t = _filled(fill, (input._data.shape,), dtype or input._dtype, device or input._device,
                requires_grad, name)
    a = input._data
    # preserve_format: a dense non-contiguous input (a transpose) gives its layout
    if memory_format is None and a.ndim > 1 and not a.flags.c_contiguous and a.flags.f_contiguous:
        t._data = array_module(t._device).asfortranarray(t._data)
    return t


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """``torch.zeros_like``"""
    return _like(0, input, dtype, device, requires_grad, "zeros_like", memory_format)


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``torch.ones_like``"""
    return _like(1, input, dtype, device, requires_grad, "ones_like", memory_format)


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None):
    """``torch.empty_like`` (zero-filled)"""
    return _like(0, input, dtype, device, requires_grad, "empty_like", memory_format)


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    """``torch.full_like``: the input's dtype unless ``dtype`` is given."""
    return _like(fill_value, input, dtype, device, requires_grad, "full_like", memory_format)


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """``torch.scalar_tensor``: a 0-dim tensor of the default float dtype unless ``dtype``."""
    return tensor(s, dtype=dtype or D.get_default_dtype(), device=device,
                  requires_grad=requires_grad)


def _num(v):
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _fmt_scalar(v):
    if isinstance(v, float) and v.is_integer():
        return str(builtins.int(v))
    return str(v)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """``torch.arange``: int64 when start, end and step are all integers, else the default dtype.

    The length is ``ceil((end - start) / step)`` computed in double (for an int64
    result on the truncated bounds), and value ``i`` is ``start + i * step``
    computed in double for float results, in integers for integer results.
    """
    if end is None:
        start, end = 0, start
    start, end, step = _num(start), _num(end), _num(step)
    _check_dtype(dtype, "arange")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, builtins.int) for v in (start, end, step)) \
            else D.get_default_dtype()
    if dtype is D.bool:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    if not (math.isfinite(start) and math.isfinite(end)):
        raise RuntimeError(f"unsupported range: {_fmt_scalar(start)} -> {_fmt_scalar(end)}")
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if not ((step > 0 and end >= start) or (step < 0 and end <= start)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    integral = dtype._category == D._INT
    if integral:
        if not all(-2 ** 63 <= v < 2 ** 63 for v in (start, end, step)):
            raise RuntimeError("value cannot be converted to type int64_t without overflow")
        istart, iend, istep = builtins.int(start), builtins.int(end), builtins.int(step)
        if dtype is D.int64:
            if istep == 0:
                raise ValueError("step must be nonzero")
            n = math.ceil((iend - istart) / istep)
        else:
            n = math.ceil((float(end) - float(start)) / float(step))
    else:
        n = math.ceil((float(end) - float(start)) / float(step))
    n = builtins.max(n, 0)
    device = as_device(device) or CPU
    if integral:
        arr = (istart + np.arange(n, dtype=np.int64) * istep).astype(dtype.np_dtype)
    elif dtype in (D.float16, D.bfloat16):
        arr = np.float32(start) + np.arange(n, dtype=np.float32) * np.float32(step)
        arr = arr.astype(dtype.np_dtype)
    else:
        arr = (start + np.arange(n, dtype=np.float64) * step).astype(dtype.np_dtype)
    return _maybe_out(make_tensor(arr, dtype, device, requires_grad), out)


def _linspace_dtype(start, end, dtype):
    if dtype is not None:
        return dtype
    if isinstance(start, _pycomplex) or isinstance(end, _pycomplex):
        return D.default_complex_dtype()
    return D.get_default_dtype()


def _ranged(start, end, steps, dtype, fname):
    """PyTorch's linspace values: the first half counts up from start, the second down from end."""
    if not isinstance(steps, (builtins.int, np.integer)) or isinstance(steps, builtins.bool):
        raise TypeError(f"{fname}(): argument 'steps' (position 3) must be int, not "
                        f"{type(steps).__name__}")
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    idx = np.arange(steps)
    half = steps // 2
    if dtype._category == D._INT or dtype is D.bool:
        # the bounds are converted to the integer type first, the step is computed in double
        s, e = float(builtins.int(start)), float(builtins.int(end))
        ct = np.float64
    elif dtype.is_complex:
        ct = dtype.np_dtype
        s, e = np.dtype(ct).type(start), np.dtype(ct).type(end)
    else:
        ct = np.float32 if dtype is D.bfloat16 else dtype.np_dtype
        s, e = np.dtype(ct).type(start), np.dtype(ct).type(end)
        if dtype is D.bfloat16:
            s, e = D.round_to_bfloat16(s), D.round_to_bfloat16(e)
    if steps == 1:
        return np.full(1, s, dtype=ct)
    step = (e - s) / np.dtype(ct).type(steps - 1) if ct is not np.float64 else (e - s) / (steps - 1)
    step = np.asarray(step, dtype=ct)
    if dtype is D.bfloat16:
        step = D.round_to_bfloat16(step)
        rb = D.round_to_bfloat16
        up = rb(s + rb(step * idx.astype(ct)))
        down = rb(e - rb(step * (steps - idx - 1).astype(ct)))
    else:
        up = s + step * idx.astype(ct)
        down = e - step * (steps - idx - 1).astype(ct)
    return np.where(idx < half, up, down).astype(ct)


def linspace(start, end, steps, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``torch.linspace``: ``steps`` evenly spaced values, computed as PyTorch's CPU kernel does."""
    start, end = _num(start), _num(end)
    _check_dtype(dtype, "linspace")
    dtype = _linspace_dtype(start, end, dtype)
    vals = _ranged(start, end, steps, dtype, "linspace")
    with np.errstate(invalid="ignore"):
        arr = vals.astype(dtype.np_dtype)
    return _maybe_out(make_tensor(arr, dtype, as_device(device), requires_grad), out)


def logspace(start, end, steps, base=10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``torch.logspace``: ``base ** linspace(start, end, steps)``."""
    start, end = _num(start), _num(end)
    _check_dtype(dtype, "logspace")
    dtype = _linspace_dtype(start, end, dtype)
    exps = _ranged(start, end, steps, dtype, "logspace")
    with np.errstate(over="ignore", invalid="ignore"):
        vals = np.power(exps.dtype.type(base), exps)
        arr = vals.astype(dtype.np_dtype)
    return _maybe_out(make_tensor(arr, dtype, as_device(device), requires_grad), out)


def eye(n, m=None, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``torch.eye``: an ``n x m`` identity matrix (``m`` defaults to ``n``)."""
    if m is None:
        m = n
    if n < 0:
        raise RuntimeError(f"n must be greater or equal to 0, got {n}")
    if m < 0:
        raise RuntimeError(f"m must be greater or equal to 0, got {m}")
    _check_dtype(dtype, "eye")
    dtype = dtype or D.get_default_dtype()
    device = as_device(device) or CPU
    arr = array_module(device).eye(n, m, dtype=dtype.np_dtype)
    t = Tensor._make(arr, dtype)
    if requires_grad:
        _set_requires_grad(t)
    return _maybe_out(t, out)


class Complex(Op):
    node_name = "ComplexBackward0"

    @staticmethod
    def forward(ctx, real, imag):
        xp = xp_of(real)
        out = xp.empty(xp.broadcast_shapes(real.shape, imag.shape),
                       np.complex64 if real.dtype != np.float64 else np.complex128)
        out.real = real
        out.imag = imag
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.real, grad.imag


class Polar(Op):
    node_name = "PolarBackward0"

    @staticmethod
    def forward(ctx, abs, angle):  # noqa: A002
        ctx.save_for_backward(abs, angle)
        xp = xp_of(abs)
        out = xp.empty(xp.broadcast_shapes(abs.shape, angle.shape),
                       np.complex64 if abs.dtype != np.float64 else np.complex128)
        out.real = abs * xp.cos(angle)
        out.imag = abs * xp.sin(angle)
        return out

    @staticmethod
    def backward(ctx, grad):
        abs, angle = ctx.saved_tensors  # noqa: A001
        c, s = angle.cos(), angle.sin()
        gr, gi = grad.real, grad.imag
        # PyTorch differentiates through sgn(result): a negative abs flips, a zero one gives 0
        return (gr * c + gi * s) * abs.sign(), abs * (gi * c - gr * s)


def _check_complex_parts(a, b):
    for t in (a, b):
        if not isinstance(t, Tensor):
            raise TypeError(f"complex(): argument 'real' (position 1) must be Tensor, not "
                            f"{type(t).__name__}")
    ok = (D.float16, D.float32, D.float64)
    if a._dtype not in ok or b._dtype not in ok:
        raise RuntimeError(f"Expected both inputs to be Half, Float or Double tensors but got "
                           f"{a._dtype._scalar_name} and {b._dtype._scalar_name}")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"Expected object of scalar type {a._dtype._scalar_name} but got scalar "
                           f"type {b._dtype._scalar_name} for second argument")


def complex(real, imag, *, out=None):  # noqa: A001
    """``torch.complex``: ``real + i * imag`` for two float tensors of one dtype (broadcasting)."""
    _check_complex_parts(real, imag)
    return _maybe_out(Complex.apply(real, imag), out)


def polar(abs, angle, *, out=None):  # noqa: A002
    """``torch.polar``: ``abs * (cos(angle) + i * sin(angle))``."""
    _check_complex_parts(abs, angle)
    return _maybe_out(Polar.apply(abs, angle), out)


# ---------------------------------------------------------------------- legacy constructors
def legacy_new(cls, dtype, args, device, kwargs=None):
    """``torch.Tensor(...)``/``FloatTensor(...)``: sizes make an uninitialised tensor, data copies."""
    if kwargs:
        got = ", ".join([type(a).__name__ for a in args] +
                        [f"{k}=torch.{type(v).__name__}"
                         if type(v).__module__.startswith("ember") else f"{k}={type(v).__name__}"
                         for k, v in kwargs.items()])
        raise TypeError(f"new() received an invalid combination of arguments - got ({got}), but "
                        "expected one of:\n * (*, torch.device device = None)\n * (torch.Storage "
                        "storage)\n * (Tensor other)\n * (tuple of ints size, *, torch.device "
                        "device = None)\n * (object data, *, torch.device device = None)\n")
    device = as_device(device)
    if len(args) == 0:
        return _filled(0, (0,), dtype, device, False, "Tensor")
    if builtins.all(isinstance(a, (builtins.int, np.integer)) and not isinstance(a, builtins.bool)
                    for a in args) or (len(args) == 1 and args[0].__class__.__name__ == "Size"):
        shape = tuple(args[0]) if len(args) == 1 and not isinstance(args[0], (builtins.int, np.integer)) \
            else tuple(builtins.int(a) for a in args)
        for s in shape:
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(shape)}")
        return _filled(0, (shape,), dtype, device, False, "Tensor")
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if cls is Tensor and dtype is D.get_default_dtype():
                return data._alias()
            if data._dtype is not dtype:
                raise TypeError(f"expected {_options(dtype)} (got {_options(data._dtype)})")
            return data._alias()
        if not _is_sequence(data):
            raise TypeError(f"new(): data must be a sequence (got {type(data).__name__})")
        return tensor(data, dtype=dtype, device=device)
    raise TypeError(f"new() received an invalid combination of arguments - got "
                    f"({', '.join(type(a).__name__ for a in args)})")


_C_TYPE_NAMES = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
                 "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
                 "bool": "bool", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


def _options(dt):
    return (f"TensorOptions(dtype={_C_TYPE_NAMES.get(dt.name, dt.name)}, device=cpu, layout=Strided, "
            "requires_grad=false (default), pinned_memory=false (default), "
            "memory_format=(nullopt))")


class _LegacyMeta(type):
    """``torch.FloatTensor`` and friends: callable constructors that ``isinstance`` understands."""

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._dtype is cls.dtype and obj._device.type == "cpu"

    def __subclasscheck__(cls, sub):
        return sub is cls

    def __call__(cls, *args, device=None, **kwargs):
        return legacy_new(cls, cls.dtype, args, device, kwargs)

    def __repr__(cls):
        return f"<class 'torch.{cls.__name__}'>"


def _legacy(name, dt):
    return _LegacyMeta(name, (), {"dtype": dt, "__module__": "torch", "is_cuda": False})


FloatTensor = _legacy("FloatTensor", D.float32)
DoubleTensor = _legacy("DoubleTensor", D.float64)
HalfTensor = _legacy("HalfTensor", D.float16)
BFloat16Tensor = _legacy("BFloat16Tensor", D.bfloat16)
LongTensor = _legacy("LongTensor", D.int64)
IntTensor = _legacy("IntTensor", D.int32)
ShortTensor = _legacy("ShortTensor", D.int16)
CharTensor = _legacy("CharTensor", D.int8)
ByteTensor = _legacy("ByteTensor", D.uint8)
BoolTensor = _legacy("BoolTensor", D.bool)


# ---------------------------------------------------------------------- Tensor.new_*
@tensor_method()
def new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    return tensor(data, dtype=dtype or self._dtype, device=device or self._device,
                  requires_grad=requires_grad)


@tensor_method()
def new_zeros(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _filled(0, size, dtype or self._dtype, device or self._device, requires_grad, "new_zeros")


@tensor_method()
def new_ones(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _filled(1, size, dtype or self._dtype, device or self._device, requires_grad, "new_ones")


@tensor_method()
def new_empty(self, *size, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    return _filled(0, size, dtype or self._dtype, device or self._device, requires_grad, "new_empty")


@tensor_method()
def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False, layout=None,
             pin_memory=False):
    return _filled(fill_value, size, dtype or self._dtype, device or self._device, requires_grad,
                   "new_full")


def device_array_module(device):
    return array_module(as_device(device) or CPU)


_ = (device_of_array,)
