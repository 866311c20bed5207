"""``torch.UntypedStorage`` and ``torch.TypedStorage``: the flat memory under tensors.

A tensor in Ember is an array view; its *storage* is the memory of its base
tensor's array (``t._base`` or ``t`` itself), from the lowest address that
array reaches to the highest.  ``UntypedStorage`` shows that memory as bytes
(a 1-D ``uint8`` array viewing it, no copy), so writing through a storage
changes every tensor on it, as in PyTorch.  ``TypedStorage`` is the same
memory seen as elements of one dtype; checkpoints load into typed storages and
tensors are rebuilt as strided views of them.

Where Ember differs: bfloat16 (and complex32) tensors live in float32
(complex64) arrays, so their untyped storage shows those wider bytes; a
checkpoint still holds PyTorch's 2-byte (4-byte) elements (ember/serialization.py
converts).
"""

import numpy as np

from . import _dtype as D
from ._device import CPU, as_device, device_of_array

__all__ = ["UntypedStorage", "TypedStorage"]


def _data_ptr(a):
    if isinstance(a, np.ndarray):
        return a.__array_interface__["data"][0]
    return a.data.ptr


def _span(arr):
    """``(lowest address, number of bytes)`` of the memory an array reaches."""
    ptr = _data_ptr(arr)
    if arr.size == 0:
        return ptr, 0
    lo = hi = 0
    for n, s in zip(arr.shape, arr.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return ptr + lo, hi - lo + arr.itemsize


class _Interface:
    """Lends NumPy a raw memory region; keeps the array that owns it alive."""

    def __init__(self, ptr, nbytes, owner, readonly):
        self.__array_interface__ = {"data": (ptr, readonly), "shape": (nbytes,),
                                    "typestr": "|u1", "version": 3}
        self.owner = owner


def _byte_view(arr, lo, nbytes):
    """A 1-D uint8 array over ``[lo, lo + nbytes)`` of ``arr``'s memory (no copy)."""
    if isinstance(arr, np.ndarray):
        return np.asarray(_Interface(lo, nbytes, arr, not arr.flags.writeable))
    import cupy
    return cupy.ndarray((nbytes,), dtype=cupy.uint8, memptr=arr.data + (lo - arr.data.ptr))


def _xp(arr):
    if isinstance(arr, np.ndarray):
        return np
    import cupy
    return cupy


def _bytes_to_elements(raw, dtype):
    """The 1-D array of ``dtype`` elements stored in the bytes ``raw`` (PyTorch's layout)."""
    xp = _xp(raw)
    if dtype is D.bfloat16:
        return (raw.view(xp.uint16).astype(xp.uint32) << 16).view(xp.float32)
    if dtype is D.complex32:
        return raw.view(xp.float16).astype(xp.float32).view(xp.complex64)
    return raw.view(dtype.np_dtype)


def _elements_to_bytes(arr, dtype):
    """PyTorch's bytes for the contiguous 1-D array ``arr`` of ``dtype`` (inverse of above)."""
    xp = _xp(arr)
    if dtype is D.bfloat16:
        bits = D.round_to_bfloat16(xp.ascontiguousarray(arr, dtype=xp.float32)).view(xp.uint32)
        return (bits >> 16).astype(xp.uint16).view(xp.uint8)
    if dtype is D.complex32:
        return xp.ascontiguousarray(arr).view(xp.float32).astype(xp.float16).view(xp.uint8)
    return xp.ascontiguousarray(arr).view(xp.uint8)


class UntypedStorage:
    """``torch.UntypedStorage``: a flat block of bytes on one device.

    ``UntypedStorage(n)`` allocates ``n`` zero bytes; ``t.untyped_storage()``
    views the memory of tensor ``t`` (no copy).
    """

    __slots__ = ("_bytes", "__weakref__")

    def __init__(self, size=0, *, device=None):
        dev = as_device(device) or CPU
        if dev.type == "cpu":
            self._bytes = np.zeros(int(size), dtype=np.uint8)
        else:
            from .cuda import _cupy
            cp = _cupy()
            with cp.cuda.Device(dev.index):
                self._bytes = cp.zeros(int(size), dtype=cp.uint8)

    @classmethod
    def _wrap(cls, raw):
        s = object.__new__(cls)
        s._bytes = raw
        return s

    @classmethod
    def _of(cls, t):
        """The storage of tensor ``t``: its base array's memory, as bytes."""
        base = t._base if t._base is not None else t
        arr = base._data
        lo, nbytes = _span(arr)
        return cls._wrap(_byte_view(arr, lo, nbytes))

    @property
    def device(self):
        return device_of_array(self._bytes)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    dtype = D.uint8

    def nbytes(self):
        return int(self._bytes.size)

    def size(self):
        return int(self._bytes.size)

    def __len__(self):
        return int(self._bytes.size)

    def element_size(self):
        return 1

    def data_ptr(self):
        return _data_ptr(self._bytes) if self._bytes.size else 0

    def tolist(self):
        return self._bytes.tolist()

    def __getitem__(self, i):
        if isinstance(i, slice):
            return UntypedStorage._wrap(self._bytes[i])
        return int(self._bytes[i])

    def __setitem__(self, i, value):
        self._bytes[i] = value

    def __iter__(self):
        return iter(self.tolist())

    def fill_(self, value):
        self._bytes.fill(value)
        return self

    def copy_(self, src, non_blocking=None):
        if src.nbytes() != self.nbytes():
            raise RuntimeError(f"size mismatch, got {self.nbytes()}, {src.nbytes()}")
        xp = _xp(self._bytes)
        self._bytes[...] = xp.asarray(src._bytes) if xp is not np else _to_host(src._bytes)
        return self

    def clone(self):
        return UntypedStorage._wrap(self._bytes.copy())

    def cpu(self):
        if self.device.type == "cpu":
            return self
        return UntypedStorage._wrap(_to_host(self._bytes))

    def cuda(self, device=None, non_blocking=False):
        dev = as_device("cuda" if device is None else
                        (device if not isinstance(device, int) else f"cuda:{device}"))
        return self.to(device=dev)

    def to(self, *, device=None, non_blocking=False):
        dev = as_device(device) or CPU
        if dev == self.device:
            return self
        if dev.type == "cpu":
            return self.cpu()
        from .cuda import _cupy
        cp = _cupy()
        with cp.cuda.Device(dev.index):
            return UntypedStorage._wrap(cp.asarray(_to_host(self._bytes)))

    def is_shared(self):
        return False

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self.tolist())
        head = body + "\n" if body else ""
        return f"{head}[torch.storage.UntypedStorage(device={self.device}) of size {self.nbytes()}]"

    def __reduce__(self):
        return UntypedStorage._wrap, (_to_host(self._bytes).copy(),)


def _to_host(arr):
    if isinstance(arr, np.ndarray):
        return arr
    return arr.get()


class TypedStorage:
    """``torch.TypedStorage``: a storage seen as elements of one dtype.

    ``_array`` holds the elements as Ember stores them (float32 for bfloat16),
    and tensors rebuilt from a checkpoint are views of it.
    """

    __slots__ = ("_array", "dtype", "_base_tensor", "_vc", "__weakref__")

    def __init__(self, *args, dtype=None, device=None, wrap_storage=None, _internal=False):
        dtype = dtype or D.get_default_dtype()
        if wrap_storage is not None:
            arr = _bytes_to_elements(wrap_storage._bytes, dtype)
        else:
            data = args[0] if args else 0
            n = data if isinstance(data, int) else len(data)
            arr = UntypedStorage(0, device=device)._bytes
            arr = _xp(arr).zeros(n, dtype=dtype.np_dtype)
            if not isinstance(data, int):
                arr[...] = _xp(arr).asarray(data, dtype=dtype.np_dtype)
                if dtype is D.bfloat16:
                    arr = D.round_to_bfloat16(arr)
        self._array = arr
        self.dtype = dtype
        self._base_tensor = None
        self._vc = [0]

    @classmethod
    def _wrap(cls, arr, dtype):
        s = object.__new__(cls)
        s._array = arr
        s.dtype = dtype
        s._base_tensor = None
        s._vc = [0]
        return s

    @classmethod
    def _of(cls, t):
        base = t._base if t._base is not None else t
        arr = base._data
        lo, nbytes = _span(arr)
        raw = _byte_view(arr, lo, nbytes)
        return cls._wrap(raw.view(arr.dtype), t._dtype)

    @property
    def device(self):
        return device_of_array(self._array)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    @property
    def _untyped_storage(self):
        return self.untyped()

    def untyped(self):
        """The bytes of this storage in PyTorch's layout (a copy for bfloat16 / complex32)."""
        if self.dtype is D.bfloat16 or self.dtype is D.complex32:
            return UntypedStorage._wrap(_elements_to_bytes(self._array, self.dtype))
        return UntypedStorage._wrap(self._array.view(_xp(self._array).uint8))

    def _size(self):
        return int(self._array.size)

    size = _size

    def __len__(self):
        return int(self._array.size)

    def element_size(self):
        return self.dtype.itemsize

    def nbytes(self):
        return self._size() * self.dtype.itemsize

    def data_ptr(self):
        return _data_ptr(self._array) if self._array.size else 0

    _data_ptr = data_ptr

    def tolist(self):
        return self._array.tolist()

    def __getitem__(self, i):
        if isinstance(i, slice):
            return TypedStorage._wrap(self._array[i], self.dtype)
        return self._array[i].item()

    def __setitem__(self, i, value):
        self._array[i] = value
        if self.dtype is D.bfloat16:
            self._array[i] = D.round_to_bfloat16(self._array[i])

    def __iter__(self):
        return iter(self.tolist())

    def cpu(self):
        if self.device.type == "cpu":
            return self
        return TypedStorage._wrap(_to_host(self._array), self.dtype)

    def __repr__(self):
        body = "\n".join(f" {v}" for v in self.tolist())
        head = body + "\n" if body else ""
        return (f"{head}[torch.storage.TypedStorage(dtype={self.dtype}, device={self.device}) "
                f"of size {self._size()}]")

    def _tensor(self):
        """A 1-D tensor over the whole storage: the base that rebuilt views point at."""
        t = self._base_tensor
        if t is None:
            from ._tensor import Tensor
            t = self._base_tensor = Tensor._make(self._array, self.dtype)
            t._vc = self._vc
        return t

    def __reduce__(self):
        return TypedStorage._wrap, (_to_host(self._array).copy(), self.dtype)
