"""Tensor: an array, a dtype, a device, and the fields autograd needs.

The array (``_data``) is a NumPy array on the CPU or a CuPy array on a GPU.
Views are array views, so writing through a view changes its base as in
PyTorch; ``_base`` points at the tensor owning the memory and ``_vc`` is the
version counter shared by a tensor and all its views (bumped by every in-place
op, checked by saved tensors at backward).

This file holds what a tensor *is* (metadata, conversion, the autograd fields
and the Python protocols).  What a tensor can *do* (add, sum, view, index ...)
lives in ``ember/ops``; each ops module attaches its methods to ``Tensor`` with
``tensor_method``, so ``x.add(y)`` and ``ember.add(x, y)`` are one function.
"""

import numpy as np

from . import _dtype as D
from ._device import CPU, array_module, device_of_array
from .autograd import grad_mode

_state = grad_mode.state
_FROM_NP = D._FROM_NP
_ARRAY_TYPES = {np.ndarray}

_LEGACY_NAMES = {
    "float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
    "bfloat16": "BFloat16Tensor", "int64": "LongTensor", "int32": "IntTensor",
    "int16": "ShortTensor", "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor",
    "complex64": "ComplexFloatTensor", "complex128": "ComplexDoubleTensor",
}
_SCALAR_NAMES = {
    "float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
    "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
    "bool": "Bool", "complex64": "ComplexFloat", "complex128": "ComplexDouble",
    "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
}


def _scalar_type_name(dt):
    return _SCALAR_NAMES[dt.name]


class Size(tuple):
    """``torch.Size``: a tuple of ints that prints as ``torch.Size([2, 3])``."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        out = []
        for i, s in enumerate(sizes):
            if isinstance(s, (int, np.integer)):
                out.append(int(s))
            elif hasattr(s, "__index__") and not isinstance(s, float):
                out.append(s.__index__())
            else:
                raise TypeError(f"torch.Size() takes an iterable of 'int' (item {i} is "
                                f"'{type(s).__name__}')")
        return _tuple_new(cls, out)

    def __mul__(self, n):
        return _tuple_new(Size, tuple.__mul__(self, n))

    __rmul__ = __mul__

    def __repr__(self):
        return f"torch.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return _tuple_new(Size, r) if isinstance(i, slice) else r

    def __add__(self, other):
        return _tuple_new(Size, tuple.__add__(self, tuple(other)))

    def __radd__(self, other):
        return _tuple_new(Size, tuple(other) + tuple(self))

    def __reduce__(self):
        return Size, (tuple(self),)


_tuple_new = tuple.__new__


def tensor_method(*names):
    """Decorator: also make the function a Tensor method (under its name or ``names``)."""
    def deco(fn):
        for n in names or (fn.__name__,):
            setattr(Tensor, n, fn)
        return fn
    return deco


class Tensor:
    """``torch.Tensor``: n-dimensional array with autograd.

    Called directly it is the legacy constructor: ``Tensor(2, 3)`` is an
    uninitialised float tensor of that shape, ``Tensor([1, 2])`` copies data.
    """

    __slots__ = ("_data", "_dtype", "_device", "_requires_grad", "grad_fn", "_grad", "_vc",
                 "_base", "_output_nr", "_grad_acc", "_extra", "__weakref__")

    # ------------------------------------------------------------------ creation
    def __new__(cls, *args, device=None, **kwargs):
        from .ops.creation import legacy_new
        return legacy_new(cls, D.get_default_dtype(), args, device, kwargs)

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def _make(arr, dtype=None, device=None):
        """Wrap an array without copying (the hot path of every op)."""
        if arr.__class__ not in _ARRAY_TYPES:
            arr = _to_array(arr)
        t = object.__new__(Tensor)
        t._data = arr
        t._dtype = dtype if dtype is not None else _FROM_NP[arr.dtype]
        t._device = CPU if arr.__class__ is np.ndarray else device_of_array(arr)
        t._requires_grad = False
        t.grad_fn = None
        t._grad = None
        t._vc = None
        t._base = None
        t._output_nr = 0
        t._grad_acc = None
        t._extra = None
        return t

    def _extra_dict(self):
        if self._extra is None:
            self._extra = {}
        return self._extra

    # ------------------------------------------------------------------ metadata
    @property
    def dtype(self):
        return self._dtype

    @property
    def device(self):
        return self._device

    @property
    def shape(self):
        return _tuple_new(Size, self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return _tuple_new(Size, self._data.shape)
        return self._data.shape[self._wrap_dim(dim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def _wrap_dim(self, dim):
        return wrap_dim(dim, self._data.ndim)

    def stride(self, dim=None):
        a = self._data
        if a.size == 0 and a.flags.c_contiguous:
            # NumPy's strides of an empty array are arbitrary; PyTorch's are the contiguous ones
            st = _contiguous_strides(a.shape)
        else:
            itemsize = a.itemsize
            st = tuple(s // itemsize for s in a.strides)
            if 1 in a.shape and 0 in st:
                st = _normalize_strides(a.shape, st)
        if dim is None:
            return st
        return st[self._wrap_dim(dim)]

    def storage_offset(self):
        if self._base is None:
            return 0
        base = self._base._data
        return int((_data_ptr(self._data) - _data_ptr(base)) // self._data.itemsize) \
            + self._base.storage_offset()

    def is_contiguous(self, memory_format=None):
        a = self._data
        if a.flags.c_contiguous:
            return True
        return _is_contiguous(a.shape, self.stride())

    def element_size(self):
        return self._dtype.itemsize

    @property
    def itemsize(self):
        return self._dtype.itemsize

    @property
    def nbytes(self):
        return self._dtype.itemsize * int(self._data.size)

    @property
    def is_cuda(self):
        return self._device.type == "cuda"

    @property
    def is_cpu(self):
        return self._device.type == "cpu"

    is_sparse = False
    is_quantized = False
    is_meta = False
    is_mkldnn = False
    is_nested = False
    layout = "torch.strided"

    def is_floating_point(self):
        return self._dtype.is_floating_point

    def is_complex(self):
        return self._dtype.is_complex

    def is_signed(self):
        return self._dtype.is_signed

    def get_device(self):
        return -1 if self._device.type == "cpu" else self._device.index

    def data_ptr(self):
        return _data_ptr(self._data)

    def untyped_storage(self):
        from .storage import UntypedStorage
        return UntypedStorage._of(self)

    # ------------------------------------------------------------------ autograd fields
    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and self._grad is None and not (
                self._extra and self._extra.get("retains_grad")):
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its "
                ".grad attribute won't be populated during autograd.backward(). If you indeed want "
                "the .grad field to be populated for a non-leaf Tensor, use .retain_grad() on the "
                "non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you access "
                "the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
                "information. (Triggered internally at "
                "/__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)", UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type {type(value).__name__}")
            if value._dtype is not self._dtype:
                raise RuntimeError("attempting to assign a gradient with dtype "
                                   f"'{value._dtype.name.capitalize() if False else _scalar_type_name(value._dtype)}' to a tensor "
                                   f"with dtype '{_scalar_type_name(self._dtype)}'. Please ensure "
                                   "that the gradient and the tensor have the same dtype")
            if value._data.shape != self._data.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def retains_grad(self):
        return bool(self._extra and self._extra.get("retains_grad"))

    @property
    def _version(self):
        return 0 if self._vc is None else self._vc[0]

    def _bump_version(self):
        if self._vc is None:
            self._vc = [1]
        else:
            self._vc[0] += 1

    def requires_grad_(self, requires_grad=True):
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        if requires_grad and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = bool(requires_grad)
        return self

    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if value and not (self._dtype.is_floating_point or self._dtype.is_complex):
            raise RuntimeError("only Tensors of floating point and complex dtype can require gradients")
        if not value and self.grad_fn is not None:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you "
                               "want to use a computed variable in a subgraph that doesn't require "
                               "differentiation use var_no_grad = var.detach().")
        self._requires_grad = bool(value)

    def detach(self):
        """A new tensor sharing this one's data, cut from the graph (PyTorch: a view)."""
        t = Tensor._make(self._data, self._dtype)
        base = self._base if self._base is not None else self
        if base._vc is None:
            base._vc = [0]
        t._vc = base._vc
        t._base = base
        return t

    def detach_(self):
        if self._base is not None and self._base.requires_grad:
            raise RuntimeError("Can't detach views in-place. Use detach() instead. If you are using "
                               "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view "
                               "is set as True, gradients are views of DDP buckets, and hence detach_() "
                               "cannot be called on these gradients. To fix this error, please refer "
                               "to the Optimizer.zero_grad() function in torch/optim/optimizer.py as "
                               "the solution.")
        self.grad_fn = None
        self._requires_grad = False
        return self

    def _alias(self):
        """A new tensor object over the same data and version counter (no graph)."""
        t = Tensor._make(self._data, self._dtype)
        if self._vc is None:
            self._vc = [0]
        t._vc = self._vc
        t._base = self._base if self._base is not None else self
        return t

    def _shallow_for_inplace(self):
        """A stand-in for this tensor's value before an in-place op: same data, same graph spot."""
        t = Tensor._make(self._data, self._dtype)
        t.grad_fn = self.grad_fn
        t._output_nr = self._output_nr
        t._grad_acc = self._grad_acc
        t._requires_grad = self._requires_grad
        if self.grad_fn is None and self.requires_grad:
            from .autograd.engine import grad_accumulator
            grad_accumulator(self)
            t._grad_acc = self._grad_acc
        return t

    def _check_inplace(self):
        """PyTorch's errors for in-place ops on leaves that require grad (and their views)."""
        if not _state.grad_enabled:
            return
        if self.grad_fn is None and self.requires_grad and self._base is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = self._base
        if base is not None and base.grad_fn is None and base._requires_grad and self._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")

    def _write(self, arr):
        """Copy ``arr`` into this tensor's memory (casting to its dtype, broadcasting)."""
        xp = array_module(self._device)
        if self._dtype is D.bfloat16:
            arr = D.round_to_bfloat16(xp.asarray(arr, dtype=np.float32))
        xp.copyto(self._data, arr, casting="unsafe")

    def register_hook(self, hook):
        """Run ``hook(grad)`` when the gradient for this tensor is computed; it may return a new one."""
        from .autograd.engine import register_tensor_hook
        return register_tensor_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        if self.grad_fn is not None:
            raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
        from .autograd.function import _Handle
        return _Handle(self._extra_dict().setdefault("post_acc_hooks", {}), hook)

    def retain_grad(self):
        from .autograd.engine import retain_grad
        retain_grad(self)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves (``torch.Tensor.backward``)."""
        _autograd_backward()(self, gradient, retain_graph, create_graph, inputs=inputs)

    @property
    def data(self):
        return self.detach()

    @data.setter
    def data(self, value):
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    # ------------------------------------------------------------------ conversion
    def numpy(self, *, force=False):
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use "
                               "tensor.detach().numpy() instead.")
        if self._device.type != "cpu":
            if force:
                return self.cpu().numpy()
            raise TypeError(f"can't convert {self._device.type}:{self._device.index} device type "
                            "tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first.")
        if self._dtype is D.bfloat16:
            raise TypeError("Got unsupported ScalarType BFloat16")
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self.numpy()
        return a if dtype is None else a.astype(dtype)

    def tolist(self):
        if self._device.type != "cpu":
            return self.cpu().tolist()
        return self._data.tolist()

    def item(self):
        if self._data.size != 1:
            raise RuntimeError(f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return self._data.reshape(()).item() if self._device.type == "cpu" else self._data.item()

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self):
        if self._data.size == 0:
            raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
        if self._data.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return float(self.item())

    def __int__(self):
        if self._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __index__(self):
        if self._dtype.is_floating_point or self._dtype.is_complex or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __contains__(self, element):
        if isinstance(element, (Tensor, int, float, bool, complex)):
            return bool((self == element).any().item())
        raise RuntimeError(f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element)}.")

    def __hash__(self):
        return id(self)

    def __reduce_ex__(self, proto):
        from .serialization import _reduce_tensor
        return _reduce_tensor(self)

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError("Only Tensors created explicitly by the user (graph leaves) support "
                               "the deepcopy protocol at the moment.  If you were attempting to "
                               "deepcopy a module, this may be because of a torch.nn.utils.weight_norm "
                               "usage, see https://github.com/pytorch/pytorch/pull/103001")
        if id(self) in memo:
            return memo[id(self)]
        new = self.detach().clone()
        new._base = None
        if type(self) is not Tensor:
            new = type(self).__new__(type(self), new, self.requires_grad) \
                if hasattr(type(self), "_from_tensor") is False else type(self)._from_tensor(new, self)
        new._requires_grad = self._requires_grad
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def __repr__(self, *, tensor_contents=None):
        from ._printing import tensor_repr
        return tensor_repr(self, tensor_contents=tensor_contents)

    def storage(self):
        """The tensor's storage as a ``TypedStorage`` (PyTorch's legacy API)."""
        from .storage import TypedStorage
        return TypedStorage._of(self)

    def __str__(self):
        return self.__repr__()

    def __format__(self, spec):
        if self._data.ndim == 0 and spec:
            return format(self.item(), spec)
        return object.__format__(repr(self), spec) if not spec else format(repr(self), spec)

    def type(self, dtype=None, non_blocking=False, **kwargs):
        if dtype is None:
            return "torch." + _LEGACY_NAMES.get(self._dtype.name, "Tensor") if self.is_cpu else \
                "torch.cuda." + _LEGACY_NAMES.get(self._dtype.name, "Tensor")
        if isinstance(dtype, str):
            if dtype.startswith("torch.cuda."):
                return self.to(dtype=_dtype_from_type_string(dtype), device="cuda")
            dtype = _dtype_from_type_string(dtype)
        elif not isinstance(dtype, D.dtype) and isinstance(getattr(dtype, "dtype", None), D.dtype):
            dtype = dtype.dtype   # a legacy class: x.type(torch.DoubleTensor)
        return self.to(dtype)

    def _legacy_type_name(self):
        return self.type()


def _dtype_from_type_string(s):
    name = s.split(".")[-1]
    for k, v in _LEGACY_NAMES.items():
        if v == name:
            return getattr(D, k)
    raise ValueError(f"invalid type: '{s}'")


_BACKWARD = []


def _autograd_backward():
    """``ember.autograd.backward``, imported once (Tensor.backward is on every training step)."""
    if not _BACKWARD:
        from .autograd import backward
        _BACKWARD.append(backward)
    return _BACKWARD[0]


def wrap_dim(dim, ndim):
    """A dim in ``[-ndim, ndim)`` made non-negative, with PyTorch's IndexError otherwise."""
    n = ndim if ndim > 0 else 1
    if dim < -n or dim >= n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def _data_ptr(a):
    if isinstance(a, np.ndarray):
        return a.__array_interface__["data"][0]
    return a.data.ptr


def _normalize_strides(shape, strides):
    """PyTorch's stride for a size-1 dim that NumPy gave stride 0 (``x[:, None]``).

    NumPy keeps the strides PyTorch would have for size-1 dims made by
    creation, reshape, slicing and transposition; only a new axis gets 0, where
    PyTorch's ``unsqueeze`` gives ``size * stride`` of the next dim.
    """
    out = list(strides)
    n = len(shape)
    for i in range(n - 1, -1, -1):
        if shape[i] == 1 and out[i] == 0:
            out[i] = out[i + 1] * max(shape[i + 1], 1) if i + 1 < n else 1
    return tuple(out)


def _contiguous_strides(shape):
    out = []
    n = 1
    for s in reversed(shape):
        out.append(n)
        n *= s if s > 1 else 1
    return tuple(reversed(out))


def _is_contiguous(shape, strides):
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n == 1:
            continue
        if n == 0:
            return True
        if s != expected:
            return False
        expected *= n
    return True


def _to_array(x):
    """Turn an op result into an array (NumPy returns scalars for 0-d results)."""
    if isinstance(x, np.generic):
        return np.asarray(x)
    mod = type(x).__module__
    if mod.startswith("cupy"):
        _ARRAY_TYPES.add(type(x))
        return x
    return np.asarray(x)
