"""Tensor creation: ``tensor``, ``as_tensor``, ``from_numpy``, ``zeros``/``ones``/``full``/``empty``
and their ``*_like``, ``arange``, the legacy constructors."""

import builtins
import numbers

import numpy as np

from .. import _dtype as D
from .._device import CPU, array_module, as_device, device_of_array
from .._tensor import Tensor, tensor_method

__all__ = ["tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full",
           "zeros_like", "ones_like", "empty_like", "full_like", "arange", "empty_strided",
           "scalar_tensor", "FloatTensor", "DoubleTensor", "LongTensor", "IntTensor",
           "BoolTensor", "HalfTensor", "ByteTensor", "CharTensor", "ShortTensor", "BFloat16Tensor"]


def make_tensor(arr, dtype=None, device=None, requires_grad=False):
    """Wrap array ``arr`` (already of ``dtype``'s storage type) as a tensor on ``device``."""
    if device is not None and device.type == "cuda":
        xp = array_module(device)
        with xp.cuda.Device(device.index):
            arr = xp.asarray(arr)
    t = Tensor._make(arr, dtype)
    if dtype is D.bfloat16:
        t._data = D.round_to_bfloat16(arr) if device is None or device.type == "cpu" else arr
    if requires_grad:
        t.requires_grad = True
    return t


def _infer_dtype(data):
    """PyTorch's dtype inference for nested Python data: bool < int64 < default float < complex."""
    cat = -1
    stack = [data]
    tensor_dt = None
    while stack:
        x = stack.pop()
        if isinstance(x, Tensor):
            tensor_dt = x._dtype if tensor_dt is None else D.promote_types(tensor_dt, x._dtype)
        elif isinstance(x, (list, tuple)):
            stack.extend(x)
        elif isinstance(x, np.ndarray):
            tensor_dt = D.from_numpy_dtype(x.dtype) if tensor_dt is None else \
                D.promote_types(tensor_dt, D.from_numpy_dtype(x.dtype))
        elif isinstance(x, (bool, np.bool_)):
            cat = max(cat, 0)
        elif isinstance(x, numbers.Integral):
            cat = max(cat, 1)
        elif isinstance(x, numbers.Real):
            cat = max(cat, 2)
        elif isinstance(x, numbers.Complex):
            cat = max(cat, 3)
        else:
            raise TypeError(f"new(): invalid data type '{type(x).__name__}'")
    by_cat = {-1: D.get_default_dtype(), 0: D.bool, 1: D.int64, 2: D.get_default_dtype(),
              3: D.default_complex_dtype()}
    if tensor_dt is not None:
        if cat <= tensor_dt._category:
            return tensor_dt
        return by_cat[cat] if cat < 2 or tensor_dt._category < 2 else D.promote_types(tensor_dt, by_cat[cat])
    return by_cat[cat]


def _nested_to_array(data, np_dtype):
    if isinstance(data, (list, tuple)):
        _check_ragged(data)
        if any(isinstance(x, Tensor) for x in data) or any(isinstance(x, (list, tuple)) for x in data):
            return np.array([_nested_to_array(x, np_dtype) for x in data], dtype=np_dtype) \
                if len(data) else np.array([], dtype=np_dtype)
        return np.array(data, dtype=np_dtype)
    if isinstance(data, Tensor):
        if data._data.size != 1 and data._data.ndim == 0:
            pass
        return np.asarray(data._data.get() if data.is_cuda else data._data).astype(np_dtype)
    return np.array(data, dtype=np_dtype)


def _check_ragged(data):
    lens = None
    for x in data:
        if isinstance(x, (list, tuple)):
            n = len(x)
        elif isinstance(x, Tensor):
            n = x.shape[0] if x.ndim else None
        else:
            n = None
        if lens is None:
            lens = ("seq", n) if n is not None else ("scalar", None)
        else:
            kind = "seq" if n is not None else "scalar"
            if kind != lens[0] or n != lens[1]:
                if kind == "seq" and lens[0] == "seq":
                    raise ValueError(f"expected sequence of length {lens[1]} at dim 1 (got {n})")
                raise TypeError("not a sequence" if lens[0] == "seq" else
                                f"expected Number but got {type(x).__name__}")


def tensor(data=None, *args, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """``torch.tensor``: always copies ``data`` (nested lists, numbers, arrays, tensors)."""
    if data is None and not args:
        raise TypeError('tensor() missing 1 required positional arguments: "data"')
    if args:
        raise TypeError(f"tensor() takes 1 positional argument but {len(args) + 1} were given")
    device = as_device(device)
    if isinstance(data, Tensor):
        import warnings
        warnings.warn("To copy construct from a tensor, it is recommended to use "
                      "sourceTensor.detach().clone() or sourceTensor.detach().clone()."
                      "requires_grad_(True), rather than torch.tensor(sourceTensor).",
                      UserWarning, stacklevel=2)
        t = data.detach().to(dtype=dtype, device=device, copy=True)
        t._base = None
        t._vc = None
        if requires_grad:
            t.requires_grad = True
        return t
    if isinstance(data, np.ndarray) and dtype is None:
        dtype = D.from_numpy_dtype(data.dtype)
        arr = np.array(data, copy=True)
    else:
        if dtype is None:
            dtype = _infer_dtype(data)
        if isinstance(data, (str, bytes)):
            raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
        arr = _nested_to_array(data, dtype.np_dtype)
    if arr.dtype != dtype.np_dtype:
        arr = arr.astype(dtype.np_dtype)
    return make_tensor(np.asarray(arr, order="C"), dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """``torch.as_tensor``: shares memory with a tensor or NumPy array when dtype and device allow."""
    device = as_device(device)
    if isinstance(data, Tensor):
        return data.to(dtype=dtype, device=device) if (dtype or device) else data
    if isinstance(data, np.ndarray) and (device is None or device.type == "cpu"):
        t = from_numpy(data)
        return t if dtype is None or dtype is t._dtype else t.to(dtype)
    return tensor(data, dtype=dtype, device=device)


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """``torch.asarray``: like ``as_tensor``; ``copy=True`` forces a copy, False forbids one."""
    if copy:
        t = tensor(obj.detach() if isinstance(obj, Tensor) else obj, dtype=dtype, device=device) \
            if not isinstance(obj, Tensor) else obj.detach().to(dtype=dtype, device=device, copy=True)
    else:
        t = as_tensor(obj, dtype=dtype, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_numpy(ndarray):
    """``torch.from_numpy``: a tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    if not ndarray.flags.writeable:
        import warnings
        warnings.warn("The given NumPy array is not writable, and PyTorch does not support "
                      "non-writable tensors. This means writing to this tensor will result in "
                      "undefined behavior. You may want to copy the array to protect its data or "
                      "make it writable before converting it to a tensor. This type of warning will "
                      "be suppressed for the rest of this program.", UserWarning, stacklevel=2)
    if any(s < 0 for s in ndarray.strides):
        raise ValueError("At least one stride in the given numpy array is negative, and tensors "
                         "with negative strides are not currently supported. (You can probably "
                         "work around this by making a copy of your array  with array.copy().) ")
    dt = D.from_numpy_dtype(ndarray.dtype)
    if ndarray.dtype.byteorder not in "=|":
        raise ValueError("given numpy array has byte order different from the native byte order. "
                         "Conversion between byte orders is currently not supported.")
    return Tensor._make(ndarray, dt)


# ---------------------------------------------------------------------- filled tensors
def size_args(size, fname="zeros"):
    """Accept ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` and ``f(torch.Size(...))``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = int(s.item())
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(f"{fname}(): argument 'size' (position 1) must be tuple of ints, but "
                            f"found element of type {type(s).__name__} at pos {len(out)}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
        out.append(int(s))
    return tuple(out)


def _filled(fill, size, dtype, device, requires_grad, fname):
    shape = size_args(size, fname)
    dtype = dtype or D.get_default_dtype()
    device = as_device(device) or CPU
    xp = array_module(device)
    if fill is None:
        arr = xp.empty(shape, dtype.np_dtype)
    elif fill == 0:
        arr = xp.zeros(shape, dtype.np_dtype)
    elif fill == 1:
        arr = xp.ones(shape, dtype.np_dtype)
    else:
        arr = xp.full(shape, fill, dtype.np_dtype)
    t = Tensor._make(arr, dtype)
    if requires_grad:
        t.requires_grad = True
    return t


def zeros(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """``torch.zeros``"""
    return _maybe_out(_filled(0, size, dtype, device, requires_grad, "zeros"), out)


def ones(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    """``torch.ones``"""
    return _maybe_out(_filled(1, size, dtype, device, requires_grad, "ones"), out)


def empty(*size, out=None, dtype=None, layout=None, device=None, requires_grad=False,
          pin_memory=False, memory_format=None):
    """``torch.empty``: Ember fills with zeros (uninitialised memory is not needed in Python)."""
    return _maybe_out(_filled(0, size, dtype, device, requires_grad, "empty"), out)


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad=False):
    """``torch.full``: dtype inferred from ``fill_value`` when not given (bool, int64, float)."""
    if dtype is None:
        if isinstance(fill_value, Tensor):
            fill_value = fill_value.item()
        dtype = _infer_dtype(fill_value)
    return _maybe_out(_filled(fill_value, (size,) if isinstance(size, (tuple, list)) else size,
                              dtype, device, requires_grad, "full"), out)


def _maybe_out(t, out):
    if out is None:
        return t
    out.resize_(t.shape)
    out.copy_(t)
    return out


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """``torch.empty_strided``: a zero-filled tensor with the given strides."""
    dtype = dtype or D.get_default_dtype()
    device = as_device(device) or CPU
    xp = array_module(device)
    span = 1 + builtins.sum((n - 1) * s for n, s in zip(size, stride)) if all(size) else 0
    buf = xp.zeros(max(span, 0), dtype.np_dtype)
    item = buf.itemsize
    arr = xp.lib.stride_tricks.as_strided(buf, tuple(size), tuple(s * item for s in stride))
    t = Tensor._make(buf, dtype)
    from .shape import as_strided
    v = as_strided(t, size, stride)
    v._base = None
    v._vc = None
    if requires_grad:
        v.requires_grad = True
    del arr
    return v


def _like(fill, input, dtype, device, requires_grad, name):
    t = _filled(fill, input.shape, dtype or input._dtype, device or input._device, requires_grad, name)
    return t


def zeros_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(0, input, dtype, device, requires_grad, "zeros_like")


def ones_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(1, input, dtype, device, requires_grad, "ones_like")


def empty_like(input, *, dtype=None, layout=None, device=None, requires_grad=False, memory_format=None):
    return _like(0, input, dtype, device, requires_grad, "empty_like")


def full_like(input, fill_value, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None):
    return _like(fill_value, input, dtype, device, requires_grad, "full_like")


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad=False, pin_memory=False):
    return tensor(s, dtype=dtype or D.get_default_dtype(), device=device, requires_grad=requires_grad)


def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None,
           requires_grad=False):
    """``torch.arange``: int64 when all of start/end/step are ints, else the default float dtype."""
    if end is None:
        start, end = 0, start
    vals = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    start, end, step = vals
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    if dtype is None:
        dtype = D.int64 if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                               for v in vals) else D.get_default_dtype()
    device = as_device(device) or CPU
    xp = array_module(device)
    import math
    n = builtins.max(0, math.ceil((end - start) / step))
    if dtype.is_floating_point:
        arr = (start + xp.arange(n, dtype=np.float64) * step).astype(dtype.np_dtype)
    else:
        arr = xp.arange(start, start + n * step, step)[:n].astype(dtype.np_dtype)
    return _maybe_out(make_tensor(arr, dtype, None, requires_grad), out)


# ---------------------------------------------------------------------- legacy constructors
def legacy_new(cls, dtype, args, device):
    """``torch.Tensor(...)``/``FloatTensor(...)``: sizes make an uninitialised tensor, data copies."""
    device = as_device(device)
    if len(args) == 0:
        t = _filled(0, (0,), dtype, device, False, "Tensor")
    elif builtins.all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in args):
        t = _filled(0, args, dtype, device, False, "Tensor")
    elif len(args) == 1 and isinstance(args[0], D.Size if hasattr(D, "Size") else tuple) and \
            type(args[0]).__name__ == "Size":
        t = _filled(0, tuple(args[0]), dtype, device, False, "Tensor")
    elif len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if data._dtype is not dtype:
                raise TypeError(f"expected {dtype} (got {data._dtype})")
            return data._alias() if cls is Tensor else data
        t = tensor(data, dtype=dtype, device=device)
    else:
        raise TypeError("new(): invalid arguments")
    if cls is not Tensor:
        return cls._from_tensor(t) if hasattr(cls, "_from_tensor") else t
    return t


class _LegacyMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj._dtype is cls._dtype and obj.is_cpu

    def __call__(cls, *args, device=None):
        return legacy_new(Tensor, cls._dtype, args, device)


def _legacy(name, dt):
    return _LegacyMeta(name, (), {"_dtype": dt, "__module__": "torch"})


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
