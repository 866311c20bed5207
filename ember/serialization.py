"""Checkpoints in PyTorch's own file format: ``save`` and ``load``; safetensors.

A PyTorch checkpoint is a zip archive (records stored uncompressed)::

    archive/data.pkl              the object, pickled (protocol 2)
    archive/.format_version       b"1"
    archive/.storage_alignment    b"64": every storage record starts 64-byte aligned
    archive/byteorder             b"little"
    archive/data/0, data/1 ...    the raw bytes of each storage
    archive/version               b"3\\n"
    archive/.data/serialization_id

Inside data.pkl a tensor is ``torch._utils._rebuild_tensor_v2(storage, offset,
size, stride, requires_grad, OrderedDict())`` and a storage is a *persistent
id* ``('storage', torch.FloatStorage, key, 'cpu', numel)`` naming its record;
tensors viewing one storage name the same key, so memory is written once and
shared again after loading.  Ember writes these names without importing torch:
the pickler writes them as plain ``GLOBAL`` opcodes, and the loader maps them
back to Ember's functions.  The legacy format (``_use_new_zipfile_serialization
=False``: five pickles followed by the storages' bytes) is read and written too.

``load(..., weights_only=True)`` (the default, as in PyTorch 2.6+) never
imports anything named in the file: a small pickle interpreter, like PyTorch's
``_weights_only_unpickler``, accepts only an allow-list of globals (rebuild
functions, dtypes, storage types, ``OrderedDict`` ...) and refuses everything
else with PyTorch's message.  ``weights_only=False`` unpickles arbitrary objects
(trusted files only).

Where Ember differs: bfloat16 tensors are float32 arrays in Ember; a checkpoint
holds real 2-byte bfloat16 values, converted on the way in and out.  Tensors
loaded from one storage share memory as in PyTorch; a loaded tensor that does
not cover its whole storage is a view of a hidden 1-D base tensor over the
storage (so ``storage_offset()`` answers as in PyTorch), except a leaf that
requires grad, which never is a view in Ember (its storage_offset() reads 0).
Saving to a path writes a temporary file, fsyncs it and renames it over the
target, so an interrupted save never leaves a truncated checkpoint.
"""

import _compat_pickle
import collections
import io
import json
import os
import pickle
import struct
import sys
import tempfile
import threading
import warnings
import weakref
import zipfile
import zlib

import numpy as np

from . import _dtype as D
from ._device import device as _device_cls
from ._tensor import Size, Tensor
from .storage import (TypedStorage, UntypedStorage, _byte_view, _bytes_to_elements, _data_ptr,
                      _elements_to_bytes, _span, _to_host, _xp)

__all__ = ["save", "load"]

MAGIC_NUMBER = 0x1950A86A20F9469CFC6C
PROTOCOL_VERSION = 1001
STORAGE_ALIGNMENT = 64
DEFAULT_PROTOCOL = 2

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely "
    "succeed, but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source."
)
_DOCS_MESSAGE = (
    "\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
    "weights_only https://pytorch.org/docs/stable/generated/torch.load.html."
)

# dtypes with a legacy storage class (torch.FloatStorage ...); the others are saved as
# torch.storage.UntypedStorage plus the dtype (torch._utils._rebuild_tensor_v3)
_STORAGE_NAMES = {
    "float64": "DoubleStorage", "float32": "FloatStorage", "float16": "HalfStorage",
    "bfloat16": "BFloat16Storage", "int64": "LongStorage", "int32": "IntStorage",
    "int16": "ShortStorage", "int8": "CharStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
    "complex64": "ComplexFloatStorage", "complex128": "ComplexDoubleStorage",
}


# ============================================================================ names
class _Global:
    """A global of PyTorch's namespace, written into a pickle by name (torch is never imported)."""

    __slots__ = ("module", "name")
    _cache = {}

    def __new__(cls, module, name):
        g = cls._cache.get((module, name))
        if g is None:
            g = object.__new__(cls)
            g.module, g.name = module, name
            cls._cache[(module, name)] = g
        return g

    def __repr__(self):
        return f"{self.module}.{self.name}"

    def __call__(self, *args):   # pickle insists that a reduce function is callable
        raise TypeError(f"{self!r} only names a PyTorch function inside a checkpoint")


class _StorageType:
    """What ``torch.FloatStorage`` & co. unpickle to: a storage class reduced to its dtype."""

    __slots__ = ("dtype",)

    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self):
        return f"StorageType(dtype={self.dtype})"


_STORAGE_TYPES = {name: _StorageType(getattr(D, dt)) for dt, name in _STORAGE_NAMES.items()}


def _parameter_class():
    from .nn.parameter import Parameter
    return Parameter


# ============================================================================ rebuild functions
# The loader maps torch._utils._rebuild_* to these.

def _strided_view(storage, offset, size, stride):
    """A strided view of ``storage``'s elements, bounds-checked as PyTorch's ``set_`` does."""
    if not isinstance(storage, TypedStorage):
        raise pickle.UnpicklingError(f"expected a storage to rebuild a tensor from, got "
                                     f"{type(storage).__name__}")
    try:
        offset = int(offset)
        size = tuple(int(s) for s in size)
        stride = tuple(int(s) for s in stride)
    except (TypeError, ValueError):
        raise RuntimeError(f"invalid tensor geometry in checkpoint: size {size!r}, stride "
                           f"{stride!r}, offset {offset!r}") from None
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if offset < 0 or any(s < 0 for s in size) or any(s < 0 for s in stride):
        raise RuntimeError(f"invalid tensor geometry in checkpoint: size {list(size)}, stride "
                           f"{list(stride)}, storage offset {offset}")
    numel = storage._size()
    need = 0
    if all(n > 0 for n in size):
        need = offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if need > numel:
        item = storage.dtype.itemsize
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset "
                           f"{offset}, and itemsize {item} requiring a storage size of {need * item} "
                           f"are out of bounds for storage of size {numel * item}")
    arr = storage._array
    item = arr.itemsize
    byte_strides = tuple(s * item for s in stride)
    if isinstance(arr, np.ndarray):
        if need == 0:   # an empty tensor: its offset may point anywhere
            view = np.ndarray(size, dtype=arr.dtype, buffer=arr[:0].copy(), strides=byte_strides)
        else:
            view = np.ndarray(size, dtype=arr.dtype, buffer=arr, offset=offset * item,
                              strides=byte_strides)
    else:
        import cupy
        view = cupy.ndarray(size, dtype=arr.dtype, memptr=arr.data + offset * item,
                            strides=byte_strides)
    return view, offset, size, stride


def _rebuild_tensor(storage, storage_offset, size, stride):
    """``torch._utils._rebuild_tensor``: a tensor viewing ``storage``."""
    view, offset, size, stride = _strided_view(storage, storage_offset, size, stride)
    t = Tensor._make(view, storage.dtype)
    numel = storage._size()
    covers = offset == 0 and view.size == numel and (view.flags.c_contiguous or numel == 0)
    if not covers:
        # a view into the storage: its base is the storage's 1-D tensor, so storage_offset()
        # and memory sharing answer as in PyTorch
        base = storage._tensor()
        t._base = base
    t._vc = storage._vc
    return t


def _set_requires_grad(t, requires_grad):
    if requires_grad:
        t._base = None   # a leaf that requires grad is never a view (in-place checks rely on it)
        t.requires_grad = True
    return t


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    """``torch._utils._rebuild_tensor_v2``."""
    t = _rebuild_tensor(storage, storage_offset, size, stride)
    return _set_requires_grad(t, bool(requires_grad))


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       dtype, metadata=None):
    """``torch._utils._rebuild_tensor_v3``: an untyped (byte) storage plus the tensor's dtype."""
    if not isinstance(dtype, D.dtype):
        raise pickle.UnpicklingError(f"expected a dtype, got {type(dtype).__name__}")
    t = _rebuild_tensor(_retyped(storage, dtype), storage_offset, size, stride)
    return _set_requires_grad(t, bool(requires_grad))


_RETYPED = weakref.WeakKeyDictionary()


def _retyped(storage, dtype):
    """``storage`` (bytes) seen as ``dtype`` elements; one object per pair so views share a base."""
    if not isinstance(storage, TypedStorage):
        raise pickle.UnpicklingError(f"expected a storage, got {type(storage).__name__}")
    if storage.dtype is dtype:
        return storage
    per = _RETYPED.setdefault(storage, {})
    s = per.get(dtype)
    if s is None:
        raw = storage._array.view(_xp(storage._array).uint8)
        if raw.size % dtype.itemsize:
            raise RuntimeError(f"storage of {raw.size} bytes cannot hold elements of {dtype}")
        s = per[dtype] = TypedStorage._wrap(_bytes_to_elements(raw, dtype), dtype)
        s._vc = storage._vc
    return s


def _rebuild_parameter(data, requires_grad, backward_hooks):
    """``torch._utils._rebuild_parameter``."""
    if not isinstance(data, Tensor):
        raise pickle.UnpicklingError(f"expected a tensor for a Parameter, got {type(data).__name__}")
    return _parameter_class()(data, bool(requires_grad))


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    """``torch._utils._rebuild_parameter_with_state``: a Parameter with Python attributes."""
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    _set_obj_state(p, state)
    return p


_TENSOR_SLOTS = frozenset(Tensor.__slots__)


def _set_obj_state(obj, state):
    if isinstance(state, tuple):
        if len(state) != 2:
            raise RuntimeError(f"Invalid serialized state: {state}")
        dict_state, slots_state = state
    else:
        dict_state, slots_state = state, None
    for src in (dict_state, slots_state):
        if src:
            if not isinstance(src, dict):
                raise pickle.UnpicklingError("object state must be a dict")
            for k, v in src.items():
                if isinstance(obj, Tensor) and k in _TENSOR_SLOTS:
                    raise pickle.UnpicklingError(f"refusing to set tensor field {k!r} from a "
                                                 "checkpoint")
                setattr(obj, k, v)
    return obj


def _rebuild_from_type_v2(func, new_type, args, state):
    """``torch._tensor._rebuild_from_type_v2``: a tensor (subclass) with Python attributes."""
    ret = func(*args)
    if new_type is _parameter_class() and not isinstance(ret, new_type):
        ret = new_type(ret, ret.requires_grad)
    if state:
        _set_obj_state(ret, state)
    return ret


def _get_layout(name):
    """``torch.serialization._get_layout``: Ember has only the strided layout."""
    if name != "torch.strided":
        raise RuntimeError(f"Ember supports only the strided layout, not {name}")
    return "torch.strided"


# ============================================================================ plain pickling
_PICKLED_BASES = weakref.WeakValueDictionary()
_PICKLED_LOCK = threading.Lock()


def _reduce_tensor(t):
    """``Tensor.__reduce_ex__`` for plain ``pickle`` (DataLoader queues, ``copy``, ...).

    The memory a tensor views (its base's array) is pickled as an array; pickle's memo writes
    it once per stream, so views of one tensor pickled together share memory again after
    unpickling, as in PyTorch.  ``requires_grad`` is kept; ``grad`` and the graph are not.
    """
    base = t._base if t._base is not None else t
    root = base._data
    arr = t._data
    if arr.size and root.size and type(root) is type(arr) and \
            (root.flags.c_contiguous or root.flags.f_contiguous):
        offset = _data_ptr(arr) - _data_ptr(root)
        return (_rebuild_pickled, (root, offset, arr.shape, arr.strides, arr.dtype.str,
                                   t._dtype.name, t.requires_grad))
    arr = _xp(arr).ascontiguousarray(arr)
    return (_rebuild_pickled, (arr, 0, arr.shape, arr.strides, arr.dtype.str, t._dtype.name,
                               t.requires_grad))


def _pickled_base(root, dtype):
    """One base tensor per unpickled array, so that views unpickled together share it."""
    if dtype is None:
        return None
    with _PICKLED_LOCK:
        base = _PICKLED_BASES.get(id(root))
        if base is None or base._data is not root:
            base = Tensor._make(root, dtype)
            base._vc = [0]
            _PICKLED_BASES[id(root)] = base
    return base


def _rebuild_pickled(root, offset, shape, strides, np_dtype, dtype_name, requires_grad):
    dtype = D._dtype_by_name(dtype_name)
    if isinstance(root, np.ndarray):
        flat = root.reshape(-1, order="A") if root.size else root
        view = np.ndarray(shape, dtype=np.dtype(np_dtype), buffer=flat, offset=offset,
                          strides=strides)
    else:
        import cupy
        view = cupy.ndarray(shape, dtype=np.dtype(np_dtype), memptr=root.data + offset,
                            strides=strides)
    t = Tensor._make(view, dtype)
    whole = offset == 0 and view.shape == root.shape and view.strides == root.strides and \
        view.dtype == root.dtype
    if not whole and not requires_grad:
        base = _pickled_base(root, dtype if root.dtype == view.dtype else D._FROM_NP.get(root.dtype))
        if base is not None:
            t._base = base
            t._vc = base._vc
    if requires_grad:
        t.requires_grad = True
    return t


# ============================================================================ saving
class _Record:
    """One storage to be written: a byte region of some array, seen as ``dtype`` elements."""

    __slots__ = ("key", "dtype", "arr", "lo", "nbytes", "location", "untyped")

    def __init__(self, dtype, arr, lo, nbytes, location, untyped=False):
        self.key = None
        self.dtype = dtype
        self.arr = arr          # any array whose memory holds the region (kept alive)
        self.lo = lo
        self.nbytes = nbytes    # bytes in Ember's layout (float32 per bfloat16 element)
        self.location = location
        self.untyped = untyped  # an UntypedStorage saved by the user

    @property
    def numel(self):
        if self.untyped:
            return self.nbytes
        return self.nbytes // self.arr.itemsize

    def v3(self):
        return not self.untyped and self.dtype.name not in _STORAGE_NAMES

    def storage_type(self):
        if self.untyped or self.v3():
            return _Global("torch.storage", "UntypedStorage")
        return _Global("torch", _STORAGE_NAMES[self.dtype.name])

    def pid_numel(self):
        """The numel PyTorch records: elements of a typed storage, bytes of an untyped one."""
        if self.untyped:
            return self.nbytes
        n = self.numel
        return n * self.dtype.itemsize if self.v3() else n

    def payload(self):
        """PyTorch's bytes of this storage, as a 1-D uint8 host array."""
        raw = _byte_view(self.arr, self.lo, self.nbytes) if self.nbytes else \
            _xp(self.arr).zeros(0, dtype=np.uint8)
        if not self.untyped and (self.dtype is D.bfloat16 or self.dtype is D.complex32):
            raw = _elements_to_bytes(raw.view(self.arr.dtype), self.dtype)
        return _to_host(raw)


def _location(arr):
    if isinstance(arr, np.ndarray):
        return "cpu"
    return f"cuda:{arr.device.id}"


def _root(arr):
    """The array owning ``arr``'s memory (NumPy and CuPy keep the owner as ``.base``)."""
    r = arr
    while True:
        b = getattr(r, "base", None)
        if b is not None and not hasattr(b, "strides"):
            b = getattr(b, "base", None)   # NumPy's as_strided wraps its source in a DummyArray
        if b is None or not hasattr(b, "strides") or not hasattr(b, "dtype"):
            return r
        r = b


class _Null:
    def write(self, b):
        return len(b)


class _Collector(pickle.Pickler):
    """First pass: find every tensor and storage in the object, in pickling order."""

    def __init__(self, protocol):
        super().__init__(_Null(), protocol=min(protocol, pickle.HIGHEST_PROTOCOL))
        self.found = []

    def reducer_override(self, obj):
        if isinstance(obj, (Tensor, UntypedStorage, TypedStorage)):
            self.found.append(obj)
            return (_Null, ())
        return NotImplemented


def _plan(found):
    """Group tensors by the memory they view: ``{id(tensor): (record, offset, size, stride)}``.

    Tensors over one block of memory with one dtype share a record; its region spans the
    storages (base arrays) of all of them, so offsets and strides are PyTorch's.
    """
    owner_dtype = {}
    groups = {}
    order = []
    plan = {}
    for t in found:
        if not isinstance(t, Tensor):
            continue
        base = t._base if t._base is not None else t
        prev = owner_dtype.setdefault(id(base), (t._dtype, base))[0]
        if prev is not t._dtype:
            raise RuntimeError("Cannot save multiple tensors or storages that view the same data "
                               "as different types")
        arr = t._data
        if arr.size == 0:
            continue
        key = (id(_root(arr)), t._dtype)
        g = groups.get(key)
        if g is None:
            g = groups[key] = {"members": [], "lo": None, "hi": None, "arr": arr}
            order.append(key)
        g["members"].append(t)
        for a in (base._data, arr):
            lo, n = _span(a)
            if n:
                g["lo"] = lo if g["lo"] is None else min(g["lo"], lo)
                g["hi"] = lo + n if g["hi"] is None else max(g["hi"], lo + n)
    for key in order:
        g = groups[key]
        arr0 = g["arr"]
        item = arr0.itemsize
        lo, hi = g["lo"], g["hi"]
        rec = None
        if (hi - lo) % item == 0:
            rec = _Record(key[1], arr0, lo, hi - lo, _location(arr0))
        for t in g["members"]:
            a = t._data
            off = _data_ptr(a) - lo
            ok = rec is not None and off % item == 0 and all(
                n <= 1 or (s >= 0 and s % item == 0) for n, s in zip(a.shape, a.strides))
            if ok:
                plan[id(t)] = (rec, off // item, tuple(a.shape), t.stride())
    for t in found:
        if isinstance(t, Tensor) and id(t) not in plan:
            # empty, negatively strided or oddly aligned: save a contiguous copy of its own
            plan[id(t)] = _own_copy(t)
    return plan


def _own_copy(t):
    a = _xp(t._data).ascontiguousarray(t._data)
    lo, n = _span(a)
    rec = _Record(t._dtype, a, lo, n, _location(a))
    return (rec, 0, tuple(a.shape), _contiguous_strides(a.shape))


def _contiguous_strides(shape):
    out, acc = [], 1
    for n in reversed(shape):
        out.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(out))


class _TensorData:
    """``param.data`` while pickling a Parameter: the tensor without requires_grad."""

    __slots__ = ("t",)

    def __init__(self, t):
        self.t = t


class _TorchPickler(pickle._Pickler):
    """Pickles like ``torch.save``: tensors as ``torch._utils`` rebuild calls, storages as
    persistent ids, Ember dtypes/devices/sizes as their ``torch.*`` names.

    The pure-Python pickler is used because it lets us write a ``GLOBAL`` for a name
    without importing it (the C pickler checks that the name resolves).
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def __init__(self, file, protocol, plan, legacy=False):
        super().__init__(file, protocol=protocol)
        self.plan = plan
        self.legacy = legacy
        self.records = []          # in order of first use
        self._keep = []
        self._rec_ids = set()
        self._storage_records = {}

    def _use(self, rec):
        if id(rec) not in self._rec_ids:
            self._rec_ids.add(id(rec))
            rec.key = str(len(self.records))
            self.records.append(rec)
        return rec

    def persistent_id(self, obj):
        cls = type(obj)
        if cls is _Record:
            rec = self._use(obj)
        elif cls is UntypedStorage or cls is TypedStorage:
            rec = self._use(self._storage_record(obj))
        else:
            return None
        pid = ("storage", rec.storage_type(), rec.key, rec.location, rec.pid_numel())
        return pid + (None,) if self.legacy else pid

    def reducer_override(self, obj):
        if isinstance(obj, Tensor):
            if type(obj) is not Tensor and isinstance(obj, _parameter_class()):
                return (_Global("torch._utils", "_rebuild_parameter"),
                        (_TensorData(obj), obj.requires_grad, collections.OrderedDict()))
            return self._reduce_tensor(obj, obj.requires_grad)
        cls = type(obj)
        if cls is _TensorData:
            return self._reduce_tensor(obj.t, False)
        if cls is Size:
            return (_Global("torch", "Size"), (tuple(obj),))
        if cls is _device_cls:
            return (_Global("torch", "device"),
                    (obj.type,) if obj.index is None else (obj.type, obj.index))
        return NotImplemented

    def _reduce_tensor(self, t, requires_grad):
        entry = self.plan.get(id(t))
        if entry is None:
            # made during pickling (a __reduce__ that builds tensors): not seen by the first
            # pass, so it gets storage of its own; ``plan`` keys stay valid because the first
            # pass's tensors are kept alive until the file is written
            entry = self.plan[id(t)] = _own_copy(t)
            self._keep.append(t)
        rec, offset, size, stride = entry
        args = (rec, offset, size, stride, requires_grad, collections.OrderedDict())
        if rec.v3():
            return (_Global("torch._utils", "_rebuild_tensor_v3"), args + (t._dtype,))
        return (_Global("torch._utils", "_rebuild_tensor_v2"), args)

    def _storage_record(self, s):
        entry = self._storage_records.get(id(s))
        if entry is None:
            if type(s) is UntypedStorage:
                raw = s._bytes
                rec = _Record(D.uint8, raw, _data_ptr(raw), raw.size, _location(raw), untyped=True)
            else:
                arr = s._array
                lo, n = _span(arr)
                rec = _Record(s.dtype, arr, lo, n, _location(arr))
            entry = self._storage_records[id(s)] = (rec, s)
        return entry[0]

    def save_torch_global(self, obj):
        module, name = obj.module, obj.name
        if self.proto >= 4:
            self.save(module)
            self.save(name)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + name.encode("utf-8") + b"\n")
        self.memoize(obj)

    dispatch[_Global] = save_torch_global

    def save_dtype(self, obj):
        self.save(_Global("torch", obj.name))

    dispatch[D.dtype] = save_dtype


class _ZipWriter:
    """Writes records as PyTorch's writer does: stored, each record's data 64-byte aligned."""

    def __init__(self, fileobj, archive_name):
        self.zf = zipfile.ZipFile(fileobj, "w", compression=zipfile.ZIP_STORED, allowZip64=True)
        self.prefix = archive_name

    def write_record(self, name, data):
        full = f"{self.prefix}/{name}"
        if isinstance(data, str):
            data = data.encode("utf-8")
        view = memoryview(data).cast("B") if not isinstance(data, np.ndarray) else \
            memoryview(np.ascontiguousarray(data).view(np.uint8)).cast("B")
        nbytes = view.nbytes
        zinfo = zipfile.ZipInfo(full, date_time=(1980, 1, 1, 0, 0, 0))
        zinfo.compress_type = zipfile.ZIP_STORED
        zinfo.file_size = nbytes
        zip64 = nbytes * 1.05 > zipfile.ZIP64_LIMIT
        start = self.zf.start_dir + 30 + len(full.encode("utf-8")) + (20 if zip64 else 0) + 4
        pad = (-start) % STORAGE_ALIGNMENT
        zinfo.extra = b"FB" + struct.pack("<H", pad) + b"Z" * pad
        with self.zf.open(zinfo, "w", force_zip64=zip64) as w:
            chunk = 1 << 26
            for i in range(0, nbytes, chunk):
                w.write(view[i:i + chunk])
        zinfo.extra = b""   # the padding lives in the local header only, as in PyTorch's files

    def close(self):
        self.zf.close()


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """``torch.save``: write ``obj`` to ``f`` (a path or a binary file object) in PyTorch's format.

    Files load in PyTorch with ``torch.load(f, weights_only=True)``.  Saving to a path is
    atomic: the checkpoint is written to a temporary file in the same folder and moved over
    the target only when complete, so a failure never leaves a truncated file behind.
    """
    if pickle_module is not pickle:
        # a pickler from another module cannot write torch's names without importing torch
        warnings.warn("ember.save always uses the standard pickle module", stacklevel=2)
    collector = _Collector(pickle_protocol)
    collector.dump(obj)
    found = collector.found   # kept alive while writing: ``plan`` is keyed by id()
    plan = _plan(found)

    def write(fh, archive_name):
        if _use_new_zipfile_serialization:
            _save_zip(obj, fh, archive_name, plan, pickle_protocol, _disable_byteorder_record)
        else:
            _save_legacy(obj, fh, plan, pickle_protocol)

    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(f)
        name = os.path.splitext(os.path.basename(path))[0] or "archive"
        if not name.isascii():
            name = "archive"
        _atomic_write(path, lambda fh: write(fh, name))
    else:
        if not hasattr(f, "write"):
            raise AttributeError("expected 'f' to be string, path, or a file-like object with a "
                                 "'write' attribute")
        write(f, "archive")
        if hasattr(f, "flush"):
            f.flush()
    del found


def _pickle_object(obj, plan, protocol, legacy):
    buf = io.BytesIO()
    pickler = _TorchPickler(buf, protocol, plan, legacy=legacy)
    pickler.dump(obj)
    return buf.getvalue(), pickler.records


def _save_zip(obj, fh, archive_name, plan, protocol, disable_byteorder):
    data, records = _pickle_object(obj, plan, protocol, legacy=False)
    zw = _ZipWriter(fh, archive_name)
    try:
        _write_records(zw, data, records, disable_byteorder)
    except BaseException:
        zw.zf.fp = None   # abandon the archive: no central directory is written on collection
        raise
    zw.close()


def _write_records(zw, data, records, disable_byteorder):
    zw.write_record("data.pkl", data)
    zw.write_record(".format_version", "1")
    zw.write_record(".storage_alignment", str(STORAGE_ALIGNMENT))
    if not disable_byteorder:
        zw.write_record("byteorder", sys.byteorder)
    for rec in records:
        zw.write_record(f"data/{rec.key}", rec.payload())
    zw.write_record("version", "3\n")
    serialization_id = str(int.from_bytes(os.urandom(16), "little")).rjust(40, "0")[:40]
    zw.write_record(".data/serialization_id", serialization_id)


def _save_legacy(obj, fh, plan, protocol):
    sys_info = {"protocol_version": PROTOCOL_VERSION, "little_endian": sys.byteorder == "little",
                "type_sizes": {"short": 2, "int": 4, "long": 4}}
    pickle.dump(MAGIC_NUMBER, fh, protocol=protocol)
    pickle.dump(PROTOCOL_VERSION, fh, protocol=protocol)
    pickle.dump(sys_info, fh, protocol=protocol)
    data, records = _pickle_object(obj, plan, protocol, legacy=True)
    fh.write(data)
    by_key = {r.key: r for r in records}
    keys = sorted(by_key)
    pickle.dump(keys, fh, protocol=protocol)
    for k in keys:
        rec = by_key[k]
        payload = rec.payload()
        fh.write(struct.pack("<q", rec.pid_numel()))
        fh.write(memoryview(payload).cast("B"))


def _atomic_write(path, write_fn):
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RuntimeError(f"Parent directory {os.path.dirname(path) or folder} does not exist.")
    mode = _file_mode(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            write_fn(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _file_mode(path):
    try:
        return os.stat(path).st_mode & 0o777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


# ============================================================================ loading: names
_SAFE_GLOBALS = {}


def add_safe_globals(safe_globals):
    """``torch.serialization.add_safe_globals``: allow more globals under ``weights_only=True``.

    Items are objects (named ``module.qualname``) or ``(object, "module.name")`` pairs.
    """
    for g in safe_globals:
        if isinstance(g, tuple):
            if len(g) != 2:
                raise ValueError(f"Expected tuple of length 2 (global, str of callable full path), "
                                 f"but got tuple of length: {len(g)}")
            obj, name = g
            if type(name) is not str:
                raise TypeError(f"Expected second item in tuple to be str of callable full path, "
                                f"but got: {type(name)}")
        else:
            obj, name = g, f"{g.__module__}.{g.__qualname__}"
        _SAFE_GLOBALS[name] = obj


def get_safe_globals():
    """``torch.serialization.get_safe_globals``."""
    return list(_SAFE_GLOBALS.values())


def clear_safe_globals():
    """``torch.serialization.clear_safe_globals``."""
    _SAFE_GLOBALS.clear()


class safe_globals:
    """``torch.serialization.safe_globals``: allow globals within a ``with`` block."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals
        self._added = []

    def __enter__(self):
        before = dict(_SAFE_GLOBALS)
        add_safe_globals(self.safe_globals)
        self._added = [k for k in _SAFE_GLOBALS if k not in before]

    def __exit__(self, *exc):
        for k in self._added:
            _SAFE_GLOBALS.pop(k, None)


_ALLOWED = None


def _allowed_globals():
    """PyTorch's default ``weights_only`` allow-list, mapped to Ember's objects."""
    global _ALLOWED
    if _ALLOWED is None:
        import _codecs
        from .nn.parameter import Parameter
        rc = {
            "collections.OrderedDict": collections.OrderedDict,
            "collections.Counter": collections.Counter,
            "torch.nn.parameter.Parameter": Parameter,
            "torch.serialization._get_layout": _get_layout,
            "torch.Size": Size,
            "torch.Tensor": Tensor,
            "torch._tensor.Tensor": Tensor,
            "torch.device": _device_cls,
            "_codecs.encode": _codecs.encode,
            "builtins.bytearray": bytearray,
            "builtins.set": set,
            "builtins.complex": complex,
            "torch._utils._rebuild_tensor": _rebuild_tensor,
            "torch._utils._rebuild_tensor_v2": _rebuild_tensor_v2,
            "torch._utils._rebuild_tensor_v3": _rebuild_tensor_v3,
            "torch._utils._rebuild_parameter": _rebuild_parameter,
            "torch._utils._rebuild_parameter_with_state": _rebuild_parameter_with_state,
            "torch._tensor._rebuild_from_type_v2": _rebuild_from_type_v2,
            "torch.storage.UntypedStorage": UntypedStorage,
            "torch.UntypedStorage": UntypedStorage,
            "torch.storage.TypedStorage": TypedStorage,
        }
        for d in D.ALL_DTYPES:
            rc[f"torch.{d.name}"] = d
        for name, st in _STORAGE_TYPES.items():
            rc[f"torch.{name}"] = st
            rc[f"torch.cuda.{name}"] = st
        _ALLOWED = rc
    return _ALLOWED


def _torch_name(module, name):
    """The object an allowed torch name stands for, or None."""
    full = f"{module}.{name}"
    obj = _allowed_globals().get(full)
    if obj is None:
        obj = _SAFE_GLOBALS.get(full)
    return obj


def _fix_name(module, name):
    """Python 2 names (``__builtin__.set``) to Python 3 ones, as pickle's fix_imports does."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        return _compat_pickle.NAME_MAPPING[(module, name)]
    return _compat_pickle.IMPORT_MAPPING.get(module, module), name


_BLOCKED_MODULES = ("sys", "os", "posix", "nt")


# ============================================================================ the weights-only unpickler
class _WeightsUnpickler:
    """A pickle interpreter that builds only allow-listed objects (PyTorch's weights_only rules).

    GLOBAL resolves only names from the allow-list (never imports); REDUCE/NEWOBJ call only
    those; BUILD sets state only on OrderedDict, Parameter and allow-listed classes; APPEND
    and SETITEM only touch lists and dicts.  Anything else is an ``UnpicklingError``.
    """

    def __init__(self, file, *, encoding="bytes", persistent_load=None):
        self.read = file.read
        self.readline = file.readline
        self.encoding = encoding
        self.persistent_load = persistent_load
        self.memo = {}

    def _read(self, n):
        data = self.read(n)
        if len(data) < n:
            raise pickle.UnpicklingError("pickle data was truncated")
        return data

    def _readline(self):
        line = self.readline()
        if not line.endswith(b"\n"):
            raise pickle.UnpicklingError("pickle data was truncated")
        return line[:-1]

    def _global(self, module, name):
        module, name = _fix_name(module, name)
        full = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise pickle.UnpicklingError(f"Trying to load unsupported GLOBAL {full} whose module "
                                         f"{module} is blocked.")
        obj = _torch_name(module, name)
        if obj is not None:
            return obj
        shown = full[len("builtins."):] if full.startswith("builtins.") else full
        raise pickle.UnpicklingError(
            f"Unsupported global: GLOBAL {shown} was not an allowed global by default. Please use "
            f"`torch.serialization.add_safe_globals([{shown}])` or the "
            f"`torch.serialization.safe_globals([{shown}])` context manager to allowlist this "
            "global if you trust this class/function.")

    @staticmethod
    def _is_allowed(obj):
        return any(obj is v for v in _allowed_globals().values()) or \
            any(obj is v for v in _SAFE_GLOBALS.values())

    def load(self):
        try:
            return self._load()
        except (pickle.UnpicklingError, RuntimeError, MemoryError):
            raise
        except EOFError:
            raise pickle.UnpicklingError("pickle data was truncated") from None
        except Exception as e:
            raise pickle.UnpicklingError(f"malformed pickle data ({type(e).__name__}: {e})") from None

    def _load(self):
        stack = []
        metastack = []
        memo = self.memo
        read = self._read
        P = pickle
        Parameter = _parameter_class()
        while True:
            key = self.read(1)
            if not key:
                raise EOFError
            op = key[0]
            if op == P.PROTO[0]:
                read(1)
            elif op == P.FRAME[0]:
                read(8)
            elif op == P.STOP[0]:
                return stack.pop()
            elif op == P.GLOBAL[0]:
                module = self._readline().decode("utf-8")
                name = self._readline().decode("utf-8")
                stack.append(self._global(module, name))
            elif op == P.STACK_GLOBAL[0]:
                name = stack.pop()
                module = stack.pop()
                if type(name) is not str or type(module) is not str:
                    raise P.UnpicklingError("STACK_GLOBAL requires str")
                stack.append(self._global(module, name))
            elif op == P.REDUCE[0]:
                args = stack.pop()
                func = stack[-1]
                if not self._is_allowed(func) or type(args) is not tuple:
                    raise P.UnpicklingError(f"Trying to call reduce for unrecognized function {func}")
                stack[-1] = func(*args)
            elif op == P.NEWOBJ[0]:
                args = stack.pop()
                cls = stack.pop()
                if type(args) is not tuple:
                    raise P.UnpicklingError("NEWOBJ expected an argument tuple")
                if cls is Parameter:
                    stack.append(Parameter(*args))
                elif isinstance(cls, type) and self._is_allowed(cls) and cls not in (Tensor,):
                    stack.append(cls.__new__(cls, *args))
                else:
                    raise P.UnpicklingError("Can only create new object for nn.Parameter or classes "
                                            f"allowlisted via `add_safe_globals` but got {cls}")
            elif op == P.BUILD[0]:
                state = stack.pop()
                inst = stack[-1]
                if type(inst) is collections.OrderedDict or type(inst) is Parameter:
                    if state is not None:
                        _set_obj_state(inst, state)
                elif any(type(inst) is v for v in _SAFE_GLOBALS.values()):
                    if hasattr(inst, "__setstate__"):
                        inst.__setstate__(state)
                    elif state is not None:
                        _set_obj_state(inst, state)
                else:
                    raise P.UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types "
                                            f"allowlisted via `add_safe_globals`, but got {type(inst)}")
            elif op == P.BINPERSID[0]:
                pid = stack.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise P.UnpicklingError(f"persistent_load id must be tuple or int, but got "
                                            f"{type(pid)}")
                if type(pid) is tuple and len(pid) > 0 and _ascii(pid[0]) != "storage":
                    raise P.UnpicklingError(f"Only persistent_load of storage is allowed, but got "
                                            f"{type(pid[0])}")
                if self.persistent_load is None:
                    raise P.UnpicklingError("unsupported persistent id encountered")
                stack.append(self.persistent_load(pid))
            # containers
            elif op == P.EMPTY_LIST[0]:
                stack.append([])
            elif op == P.EMPTY_DICT[0]:
                stack.append({})
            elif op == P.EMPTY_TUPLE[0]:
                stack.append(())
            elif op == P.EMPTY_SET[0]:
                stack.append(set())
            elif op == P.MARK[0]:
                metastack.append(stack)
                stack = []
            elif op == P.TUPLE[0]:
                items = stack
                stack = metastack.pop()
                stack.append(tuple(items))
            elif op == P.TUPLE1[0]:
                stack[-1] = (stack[-1],)
            elif op == P.TUPLE2[0]:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif op == P.TUPLE3[0]:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif op == P.LIST[0]:
                items = stack
                stack = metastack.pop()
                stack.append(list(items))
            elif op == P.DICT[0]:
                items = stack
                stack = metastack.pop()
                stack.append({items[i]: items[i + 1] for i in range(0, len(items), 2)})
            elif op == P.FROZENSET[0]:
                items = stack
                stack = metastack.pop()
                stack.append(frozenset(items))
            elif op == P.APPEND[0]:
                item = stack.pop()
                if type(stack[-1]) is not list:
                    raise P.UnpicklingError(f"Can only append to lists, but got {type(stack[-1])}")
                stack[-1].append(item)
            elif op == P.APPENDS[0]:
                items = stack
                stack = metastack.pop()
                if type(stack[-1]) is not list:
                    raise P.UnpicklingError(f"Can only extend lists, but got {type(stack[-1])}")
                stack[-1].extend(items)
            elif op == P.SETITEM[0]:
                v = stack.pop()
                k = stack.pop()
                self._check_dict(stack[-1], "SETITEM")
                stack[-1][k] = v
            elif op == P.SETITEMS[0]:
                items = stack
                stack = metastack.pop()
                self._check_dict(stack[-1], "SETITEMS")
                for i in range(0, len(items), 2):
                    stack[-1][items[i]] = items[i + 1]
            elif op == P.ADDITEMS[0]:
                items = stack
                stack = metastack.pop()
                if type(stack[-1]) is not set:
                    raise P.UnpicklingError(f"Can only add items to sets, but got {type(stack[-1])}")
                stack[-1].update(items)
            elif op == P.POP[0]:
                if stack:
                    stack.pop()
                else:
                    stack = metastack.pop()
            elif op == P.POP_MARK[0]:
                stack = metastack.pop()
            elif op == P.DUP[0]:
                stack.append(stack[-1])
            # atoms
            elif op == P.NONE[0]:
                stack.append(None)
            elif op == P.NEWTRUE[0]:
                stack.append(True)
            elif op == P.NEWFALSE[0]:
                stack.append(False)
            elif op == P.BININT[0]:
                stack.append(struct.unpack("<i", read(4))[0])
            elif op == P.BININT1[0]:
                stack.append(read(1)[0])
            elif op == P.BININT2[0]:
                stack.append(struct.unpack("<H", read(2))[0])
            elif op == P.LONG1[0]:
                n = read(1)[0]
                stack.append(pickle.decode_long(read(n)))
            elif op == P.LONG4[0]:
                n = struct.unpack("<i", read(4))[0]
                if n < 0 or n > 1 << 20:
                    raise P.UnpicklingError("LONG4 pickle has a bad byte count")
                stack.append(pickle.decode_long(read(n)))
            elif op == P.BINFLOAT[0]:
                stack.append(struct.unpack(">d", read(8))[0])
            elif op == P.BINUNICODE[0]:
                n = struct.unpack("<I", read(4))[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif op == P.SHORT_BINUNICODE[0]:
                n = read(1)[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif op == P.BINUNICODE8[0]:
                n = struct.unpack("<Q", read(8))[0]
                stack.append(str(read(n), "utf-8", "surrogatepass"))
            elif op == P.SHORT_BINSTRING[0]:
                n = read(1)[0]
                stack.append(self._decode_string(read(n)))
            elif op == P.BINSTRING[0]:
                n = struct.unpack("<i", read(4))[0]
                if n < 0:
                    raise P.UnpicklingError("BINSTRING pickle has negative byte count")
                stack.append(self._decode_string(read(n)))
            elif op == P.SHORT_BINBYTES[0]:
                stack.append(read(read(1)[0]))
            elif op == P.BINBYTES[0]:
                stack.append(read(struct.unpack("<I", read(4))[0]))
            elif op == P.BINBYTES8[0]:
                stack.append(read(struct.unpack("<Q", read(8))[0]))
            elif op == P.BYTEARRAY8[0]:
                stack.append(bytearray(read(struct.unpack("<Q", read(8))[0])))
            # memo
            elif op == P.BINPUT[0]:
                memo[read(1)[0]] = stack[-1]
            elif op == P.LONG_BINPUT[0]:
                memo[struct.unpack("<I", read(4))[0]] = stack[-1]
            elif op == P.MEMOIZE[0]:
                memo[len(memo)] = stack[-1]
            elif op in (P.BINGET[0], P.LONG_BINGET[0]):
                i = read(1)[0] if op == P.BINGET[0] else struct.unpack("<I", read(4))[0]
                if i not in memo:
                    raise P.UnpicklingError(f"Memo value not found at index {i}")
                stack.append(memo[i])
            else:
                raise P.UnpicklingError(f"Unsupported operand {op}")

    def _decode_string(self, data):
        if self.encoding == "bytes":
            return data
        return data.decode(self.encoding, "strict")

    @staticmethod
    def _check_dict(target, opcode):
        if type(target) not in (dict, collections.OrderedDict, collections.Counter):
            raise pickle.UnpicklingError(f"Can only {opcode} for dict, collections.OrderedDict, "
                                         f"collections.Counter, but got {type(target)}")


def _ascii(x):
    return x.decode("ascii") if isinstance(x, bytes) else x


def _wo_message(message):
    """PyTorch's wrapping of a weights-only failure (``torch.load``'s ``_get_wo_message``)."""
    import re
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        updated = (
            "Weights only load failed. This file can still be loaded, to do so you have two "
            "options, \033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
            f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` "
            "please check the recommended steps in the following error message.\n\tWeightsUnpickler "
            "error: " + message)
    else:
        updated = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
        if not re.search(r"whose module (\S+) is blocked", message):
            updated += ("Please file an issue with the following so that we can make "
                        "`weights_only=True` compatible with your use case: WeightsUnpickler error: ")
        updated += "\n\n" + message
    return updated + _DOCS_MESSAGE


def _unpickler_factory(weights_only, pickle_module, pickle_load_args):
    """``make(file, persistent_load)`` -> an object with ``load()``."""
    if weights_only:
        encoding = pickle_load_args.get("encoding", "utf-8")

        def make(file, persistent_load=None):
            return _WeightsUnpickler(file, encoding=encoding, persistent_load=persistent_load)
        return make

    class _Unpickler(pickle_module.Unpickler):
        def find_class(self, module, name):
            if type(name) is str and "Storage" in name and module in ("torch", "torch.cuda"):
                st = _STORAGE_TYPES.get(name)
                if st is not None:
                    return st
            m, n = _fix_name(module, name)
            obj = _torch_name(m, n) if m.startswith("torch") or m == "collections" else None
            if obj is not None:
                return obj
            if m == "torch" or m.startswith("torch."):
                # a drop-in load: torch.nn.Linear -> ember.nn.Linear when Ember has it
                try:
                    return super().find_class("ember" + m[len("torch"):], n)
                except (ImportError, AttributeError):
                    pass
            return super().find_class(module, name)

    def make(file, persistent_load=None):
        u = _Unpickler(file, **pickle_load_args)
        if persistent_load is not None:
            u.persistent_load = persistent_load
        return u
    return make


# ============================================================================ loading: devices
def _cuda_restore(storage, location):
    from . import cuda
    if not cuda.is_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but "
                           "torch.cuda.is_available() is False. If you are running on a CPU-only "
                           "machine, please use torch.load with map_location=torch.device('cpu') "
                           "to map your storages to the CPU.")
    index = 0
    if ":" in location:
        index = int(location.split(":", 1)[1])
        count = cuda.device_count()
        if index >= count:
            raise RuntimeError(f"Attempting to deserialize object on CUDA device {index} but "
                               f"torch.cuda.device_count() is {count}. Please use torch.load with "
                               "map_location to map your storages to an existing device.")
    return storage.cuda(index)


def default_restore_location(storage, location):
    """``torch.serialization.default_restore_location``: 'cpu' or 'cuda[:i]'."""
    location = str(location)
    if location == "cpu":
        return storage.cpu()
    if location == "cuda" or location.startswith("cuda:"):
        return _cuda_restore(storage, location)
    raise RuntimeError(f"don't know how to restore data location of torch.storage.UntypedStorage "
                       f"(tagged with {location})")


def _restore_location_fn(map_location):
    if map_location is None:
        return default_restore_location
    if isinstance(map_location, dict):
        def restore(storage, location):
            loc = map_location.get(location, location)
            return default_restore_location(storage, str(loc))
        return restore
    if isinstance(map_location, (str, bytes)):
        target = _ascii(map_location)
        return lambda storage, location: default_restore_location(storage, target)
    if isinstance(map_location, _device_cls) or not callable(map_location):
        target = str(map_location)   # an Ember or a real torch.device
        return lambda storage, location: default_restore_location(storage, target)

    def restore(storage, location):
        result = map_location(storage, location)
        if result is None:
            result = default_restore_location(storage, location)
        return result
    return restore


def _typed(untyped, dtype, byteswap):
    if not isinstance(untyped, (UntypedStorage, TypedStorage)):
        raise RuntimeError(f"map_location should return a storage, not {type(untyped).__name__}")
    if isinstance(untyped, TypedStorage):
        untyped = untyped._untyped_storage
    raw = untyped._bytes
    if raw.size % dtype.itemsize:
        raise RuntimeError(f"storage of {raw.size} bytes cannot hold elements of {dtype}")
    if byteswap and dtype.itemsize > 1:
        xp = _xp(raw)
        swap_t = xp.uint16 if dtype is D.bfloat16 else \
            (dtype.np_dtype if not dtype.is_complex else
             (xp.float16 if dtype is D.complex32 else dtype.to_real().np_dtype))
        raw = raw.view(swap_t).byteswap().view(xp.uint8)
    return TypedStorage._wrap(_bytes_to_elements(raw, dtype), dtype)


def _storage_dtype(storage_type):
    if storage_type is UntypedStorage:
        return D.uint8
    if isinstance(storage_type, _StorageType):
        return storage_type.dtype
    raise pickle.UnpicklingError(f"unknown storage type {storage_type!r} in persistent id")


def _check_pid(pid, length):
    if type(pid) is not tuple or len(pid) != length or _ascii(pid[0]) != "storage":
        raise RuntimeError(f"Unknown saved id type: {pid!r}")
    _, storage_type, key, location, numel = pid[:5]
    if type(numel) is not int or numel < 0:
        raise RuntimeError(f"invalid storage size {numel!r} in checkpoint")
    if not isinstance(_ascii(key), str) or not isinstance(_ascii(location), str):
        raise RuntimeError(f"invalid storage id {pid!r} in checkpoint")
    return _storage_dtype(storage_type), _ascii(key), _ascii(location), numel


# ============================================================================ loading: zip
def _stream_error(what):
    return RuntimeError(
        f"PytorchStreamReader failed {what}. This is an internal miniz error. If you are seeing "
        "this error, there is a high likelihood that your checkpoint file is corrupted. This can "
        "happen if the checkpoint was not saved properly, was transferred incorrectly, or the file "
        "was modified after saving.")


def _read_into(readinto, out):
    view = memoryview(out)
    got = 0
    while got < out.size:
        n = readinto(view[got:])
        if not n:
            break
        got += n
    return got


class _ZipReader:
    def __init__(self, fh, path=None, mmap=False):
        start = fh.tell()
        fh.seek(0, 2)
        if fh.tell() - start < 22:   # shorter than a zip's end record (miniz's wording)
            raise _stream_error("reading zip archive: not a ZIP archive")
        fh.seek(start)
        try:
            self.zf = zipfile.ZipFile(fh)
        except Exception:   # BadZipFile, EOFError, NotImplementedError, OverflowError ...
            raise _stream_error("reading zip archive: failed finding central directory") from None
        self.fh = fh
        infos = self.zf.infolist()
        prefix = infos[0].filename.split("/", 1)[0] + "/" if infos else ""
        self.records = {i.filename[len(prefix):]: i for i in infos if i.filename.startswith(prefix)}
        fh.seek(0, 2)
        self.size = fh.tell()
        self.mm = None
        if mmap and self.size:
            self.mm = np.memmap(path, dtype=np.uint8, mode="c")

    def has_record(self, name):
        return name in self.records

    def _info(self, name):
        info = self.records.get(name)
        if info is None:
            raise _stream_error(f"locating file {name}: file not found")
        if info.file_size > self.size:
            raise _stream_error(f"reading file {name}: record larger than the archive")
        return info

    def get_record(self, name):
        info = self._info(name)
        return self._read(info, name).tobytes()

    def get_bytes(self, name, nbytes):
        """A record as a writable 1-D uint8 array (a copy-on-write map with ``mmap``)."""
        info = self._info(name)
        if info.file_size != nbytes:
            raise RuntimeError(f"storage {name} holds {info.file_size} bytes but the checkpoint "
                               f"expects {nbytes}")
        if self.mm is not None and info.compress_type == zipfile.ZIP_STORED and \
                not info.flag_bits & 0x1:
            start = self._data_offset(info)
            if start + nbytes <= self.mm.size:
                return self.mm[start:start + nbytes]
        return self._read(info, name)

    def _read(self, info, name):
        nbytes = info.file_size
        out = np.empty(nbytes, dtype=np.uint8)
        try:
            if info.compress_type == zipfile.ZIP_STORED and not info.flag_bits & 0x1:
                # stored (as PyTorch writes): read straight into the array.  The CRC is checked
                # unless the writer left it 0 (torch.serialization.set_crc32_options(False))
                self.fh.seek(self._data_offset(info))
                readinto = getattr(self.fh, "readinto", None)
                if readinto is None:
                    data = self.fh.read(nbytes)
                    out[:len(data)] = np.frombuffer(data, dtype=np.uint8)
                    got = len(data)
                else:
                    got = _read_into(readinto, out)
                if got == nbytes and info.CRC != 0 and zlib.crc32(out) != info.CRC:
                    raise zipfile.BadZipFile("CRC-32 mismatch")
            else:
                with self.zf.open(info) as r:
                    got = _read_into(r.readinto, out)
            if got != nbytes:
                raise EOFError("record truncated")
        except MemoryError:
            raise
        except Exception as e:
            raise _stream_error(f"reading file {name}: {e}") from None
        return out

    def _data_offset(self, info):
        try:
            self.fh.seek(info.header_offset)
            head = self.fh.read(30)
        except (OSError, ValueError, OverflowError):
            head = b""
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise _stream_error(f"reading file {info.filename}: bad local header")
        n, m = struct.unpack("<HH", head[26:30])
        return info.header_offset + 30 + n + m


def _load_zip(reader, map_location, make_unpickler, weights_only):
    if reader.has_record("constants.pkl"):
        if weights_only:
            raise RuntimeError("Cannot use ``weights_only=True`` with TorchScript archives passed to "
                               "``torch.load``. " + UNSAFE_MESSAGE)
        raise RuntimeError("Ember cannot load TorchScript archives (torch.jit.save files)")
    byteswap = False
    if reader.has_record("byteorder"):
        order = reader.get_record("byteorder")
        if order not in (b"little", b"big"):
            raise ValueError("Unknown endianness type: " + order.decode(errors="replace"))
        byteswap = order.decode() != sys.byteorder
    restore = _restore_location_fn(map_location)
    loaded = {}

    def persistent_load(pid):
        dtype, key, location, numel = _check_pid(pid, 5)
        ts = loaded.get(key)
        if ts is None:
            nbytes = numel * dtype.itemsize
            raw = reader.get_bytes(f"data/{key}", nbytes)
            storage = restore(UntypedStorage._wrap(raw), location)
            ts = loaded[key] = _typed(storage, dtype, byteswap)
        elif ts.dtype is not dtype:
            ts = _retyped(ts, dtype) if ts.dtype is D.uint8 else ts
        return ts

    data = reader.get_record("data.pkl")
    return make_unpickler(io.BytesIO(data), persistent_load).load()


# ============================================================================ loading: legacy
def _load_legacy(fh, map_location, make_unpickler, weights_only):
    restore = _restore_location_fn(map_location)
    start = fh.tell()
    fh.seek(0, 2)
    file_size = fh.tell() - start
    fh.seek(start)
    head = fh.read(6)
    fh.seek(start)
    if len(head) > 5 and head[:1] != b"\x80" and _looks_like_tar(fh):
        raise RuntimeError("Cannot use ``weights_only=True`` with files saved in the legacy .tar "
                           "format. " + UNSAFE_MESSAGE if weights_only else
                           "Ember cannot load checkpoints in the legacy .tar format")
    magic = make_unpickler(fh).load()
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    version = make_unpickler(fh).load()
    if version != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {version}")
    sys_info = make_unpickler(fh).load()
    little = sys_info.get("little_endian", True) if isinstance(sys_info, dict) else True
    byteswap = bool(little) != (sys.byteorder == "little")

    storages = {}   # key -> (typed storage, dtype, numel)

    def persistent_load(pid):
        if type(pid) is tuple and len(pid) > 0 and _ascii(pid[0]) == "module":
            if weights_only:
                raise pickle.UnpicklingError("Only persistent_load of storage is allowed")
            return pid[1]
        dtype, key, location, numel = _check_pid(pid, 6)
        view = pid[5]
        entry = storages.get(key)
        if entry is None:
            if numel * dtype.itemsize > file_size:
                raise RuntimeError(f"corrupt checkpoint: storage {key} is larger than the file")
            raw = UntypedStorage._wrap(np.empty(numel * dtype.itemsize, dtype=np.uint8))
            entry = storages[key] = (_typed(restore(raw, location), dtype, False), dtype, numel)
        ts = entry[0]
        if view is not None:
            view_key, offset, size = view
            if offset < 0 or size < 0 or offset + size > ts._size():
                raise RuntimeError(f"invalid storage view {view!r} in checkpoint")
            ts = TypedStorage._wrap(ts._array[offset:offset + size], dtype)
        return ts

    result = make_unpickler(fh, persistent_load).load()
    keys = make_unpickler(fh).load()
    if type(keys) is not list:
        raise RuntimeError("corrupt checkpoint: expected the list of storage keys")
    for key in keys:
        entry = storages.get(_ascii(key))
        if entry is None:
            raise RuntimeError(f"corrupt checkpoint: storage {key!r} is not used by the object")
        ts, dtype, numel = entry
        head = fh.read(8)
        if len(head) != 8:
            raise RuntimeError(f"corrupt checkpoint: storage {key} is truncated")
        (n,) = struct.unpack("<q", head)
        if n != numel:
            raise RuntimeError(f"corrupt checkpoint: storage {key} holds {n} elements, "
                               f"expected {numel}")
        nbytes = numel * dtype.itemsize
        data = fh.read(nbytes)
        if len(data) != nbytes:
            raise RuntimeError(f"corrupt checkpoint: storage {key} is truncated")
        raw = np.frombuffer(data, dtype=np.uint8)
        if byteswap and dtype.itemsize > 1:
            raw = _typed(UntypedStorage._wrap(raw), dtype, True)._array
        else:
            raw = _bytes_to_elements(raw, dtype)
        arr = ts._array
        if isinstance(arr, np.ndarray):
            arr[...] = raw
        else:
            arr.set(np.ascontiguousarray(raw))
    return result


def _looks_like_tar(fh):
    import tarfile
    pos = fh.tell()
    try:
        block = fh.read(512)
        return len(block) == 512 and block[257:262] == b"ustar" and bool(tarfile.nti(block[124:136]) >= 0)
    except Exception:
        return False
    finally:
        fh.seek(pos)


# ============================================================================ load
def _is_zipfile(fh):
    pos = fh.tell()
    head = fh.read(4)
    fh.seek(pos)
    return head == b"PK\x03\x04"


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """``torch.load``: read an object saved by ``torch.save`` or ``ember.save``.

    ``f`` is a path or a binary file object.  ``map_location`` (None, 'cpu', a device, a dict
    of location tags, or ``fn(storage, location)``) says where storages go.  With
    ``weights_only=True`` (the default, unless a ``pickle_module`` is given, as in PyTorch) only
    tensors, containers, primitive types and the names PyTorch allows are built; refused names
    raise ``pickle.UnpicklingError``.  ``mmap=True``
    maps the file's uncompressed storage records (copy-on-write) instead of reading them.
    """
    if weights_only is None:
        weights_only = pickle_module is None
    if weights_only:
        if pickle_module is not None:
            raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
        if pickle_load_args and set(pickle_load_args) != {"encoding"}:
            warnings.warn("pickle_load_args only works if `weights_only=False`.", stacklevel=2)
    elif pickle_module is None:
        pickle_module = pickle
    pickle_load_args.setdefault("encoding", "utf-8")

    is_path = isinstance(f, (str, bytes, os.PathLike))
    path = os.fsdecode(f) if is_path else None
    if is_path and path.endswith(".safetensors"):
        if isinstance(map_location, dict) or (callable(map_location) and
                                              not isinstance(map_location, _device_cls)):
            kind = "dict" if isinstance(map_location, dict) else "callable"
            raise RuntimeError(f"Loading safetensors file with {kind} map_location is not "
                               "supported. Use a device string or torch.device instead.")
        return load_safetensors(path, device=str(map_location) if map_location is not None else "cpu")

    make = _unpickler_factory(weights_only, pickle_module, pickle_load_args)
    fh = open(path, "rb") if is_path else f
    try:
        try:
            if _is_zipfile(fh):
                if mmap and not is_path:
                    raise ValueError("f must be a file path in order to use the mmap argument")
                reader = _ZipReader(fh, path, bool(mmap))
                return _load_zip(reader, map_location, make, weights_only)
            if mmap:
                name = f"{f}, " if isinstance(f, str) else ""
                raise RuntimeError("mmap can only be used with files saved with "
                                   f"`torch.save({name}_use_new_zipfile_serialization=True), "
                                   "please torch.save your checkpoint with this option in order "
                                   "to use mmap.")
            return _load_legacy(fh, map_location, make, weights_only)
        except pickle.UnpicklingError as e:
            if weights_only:
                raise pickle.UnpicklingError(_wo_message(str(e))) from None
            raise
    finally:
        if is_path:
            fh.close()


# ============================================================================ safetensors
_ST_NAMES = {"float64": "F64", "float32": "F32", "float16": "F16", "bfloat16": "BF16",
             "int64": "I64", "int32": "I32", "int16": "I16", "int8": "I8", "uint8": "U8",
             "bool": "BOOL", "uint16": "U16", "uint32": "U32", "uint64": "U64",
             "complex64": "C64"}
_ST_DTYPES = {v: getattr(D, k) for k, v in _ST_NAMES.items()}


def save_safetensors(tensors, path, metadata=None):
    """Write a ``{name: tensor}`` dict as a safetensors file (``safetensors.torch.save_file``).

    Layout: 8-byte little-endian header length, a JSON header ``{name: {"dtype", "shape",
    "data_offsets"}}`` (padded with spaces to 8 bytes), then the tensors' raw little-endian
    bytes.  Tensors are written contiguously; memory shared between them is written twice.
    The file is replaced atomically.
    """
    if not isinstance(tensors, dict):
        raise ValueError(f"expected a dict of tensors, got {type(tensors).__name__}")
    entries = []
    for name, t in tensors.items():
        if not isinstance(name, str):
            raise ValueError(f"tensor names must be str, got {name!r}")
        if not isinstance(t, Tensor):
            raise ValueError(f"Key `{name}` is invalid, expected torch.Tensor but received "
                             f"{type(t)}")
        st = _ST_NAMES.get(t._dtype.name)
        if st is None:
            raise ValueError(f"safetensors cannot store dtype {t._dtype}")
        entries.append((name, t, st))
    # as safetensors does: larger dtypes first keeps every tensor aligned
    entries.sort(key=lambda e: (-e[1]._dtype.itemsize, e[0]))
    header = {}
    if metadata is not None:
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
            raise ValueError("safetensors metadata must map str to str")
        header["__metadata__"] = dict(metadata)
    payloads = []
    offset = 0
    for name, t, st in entries:
        arr = _to_host(t._data)
        raw = _elements_to_bytes(arr.reshape(-1), t._dtype)
        header[name] = {"dtype": st, "shape": list(arr.shape),
                        "data_offsets": [offset, offset + raw.size]}
        offset += raw.size
        payloads.append(raw)
    hbytes = json.dumps(header, separators=(",", ":")).encode("utf-8")
    hbytes += b" " * (-len(hbytes) % 8)

    def write(fh):
        fh.write(struct.pack("<Q", len(hbytes)))
        fh.write(hbytes)
        for raw in payloads:
            fh.write(memoryview(np.ascontiguousarray(raw)).cast("B"))

    _atomic_write(os.fsdecode(path), write)


def load_safetensors(path, device="cpu"):
    """Read a safetensors file into ``{name: tensor}`` (``safetensors.torch.load_file``)."""
    with open(path, "rb") as fh:
        data = fh.read()
    if len(data) < 8:
        raise RuntimeError("invalid safetensors file: header too small")
    (n,) = struct.unpack("<Q", data[:8])
    if n > len(data) - 8 or n > 100 << 20:
        raise RuntimeError("invalid safetensors file: header too large")
    try:
        header = json.loads(data[8:8 + n].decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise RuntimeError(f"invalid safetensors file: invalid JSON in header ({e})") from None
    if not isinstance(header, dict):
        raise RuntimeError("invalid safetensors file: header is not a JSON object")
    body = memoryview(data)[8 + n:]
    out = {}
    spans = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            dtype = _ST_DTYPES[info["dtype"]]
            shape = tuple(int(s) for s in info["shape"])
            begin, end = (int(x) for x in info["data_offsets"])
        except (KeyError, TypeError, ValueError):
            raise RuntimeError(f"invalid safetensors file: bad entry for tensor {name!r}") from None
        numel = 1
        for s in shape:
            if s < 0:
                raise RuntimeError(f"invalid safetensors file: negative size in {name!r}")
            numel *= s
        if not 0 <= begin <= end <= len(body) or end - begin != numel * dtype.itemsize:
            raise RuntimeError(f"invalid safetensors file: data offsets of {name!r} do not match "
                               f"its dtype and shape")
        spans.append((begin, end))
        raw = np.frombuffer(body[begin:end], dtype=np.uint8).copy()
        arr = _bytes_to_elements(raw, dtype).reshape(shape)
        out[name] = Tensor._make(arr, dtype)
    spans.sort()
    for (_, e0), (b1, _) in zip(spans, spans[1:]):
        if b1 < e0:
            raise RuntimeError("invalid safetensors file: tensors overlap")
    if device is not None and str(device) != "cpu":
        out = {k: v.to(str(device)) for k, v in out.items()}
    return out
