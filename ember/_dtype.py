"""dtype objects and PyTorch's type-promotion rules.

An Ember dtype names a PyTorch dtype (``torch.float32`` prints as in PyTorch) and
knows the NumPy dtype that stores it.  NumPy has no bfloat16: Ember stores
bfloat16 tensors in float32 arrays and rounds every result to bfloat16's 8-bit
mantissa (round to nearest even), so values match PyTorch's while
``element_size()`` reports 2.

Promotion follows PyTorch, not NumPy: operands fall into three priority groups
(tensors with dimensions, zero-dim tensors, Python numbers).  The result takes
the promoted dtype of the highest-priority group, unless a lower group holds a
higher *category* (bool < integer < floating < complex), in which case that
group's dtype (or, for Python numbers, the default dtype of that category)
wins.  So ``int32 tensor + int64 0-dim tensor`` stays int32 and
``tensor([1, 2]) + 1.5`` is float32.
"""

import builtins as _builtins

import numpy as np

__all__ = [
    "dtype", "float16", "half", "bfloat16", "float32", "float", "float64", "double",
    "int8", "int16", "short", "int32", "int", "int64", "long", "uint8", "bool",
    "complex32", "chalf", "complex64", "cfloat", "complex128", "cdouble",
    "uint16", "uint32", "uint64",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast",
    "finfo", "iinfo",
]

builtins_bool, builtins_int, builtins_float = _builtins.bool, _builtins.int, _builtins.float

# category ranks
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A PyTorch dtype: ``ember.float32`` prints as ``torch.float32``."""

    __slots__ = ("name", "np_dtype", "itemsize", "is_floating_point", "is_complex",
                 "is_signed", "abbr", "_category", "_rank", "_scalar_name", "__weakref__")

    def __init__(self, name, np_dtype, itemsize, category, rank, is_signed, abbr, scalar_name):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.itemsize = itemsize
        self._category = category
        self._rank = rank
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = is_signed
        self.abbr = abbr
        self._scalar_name = scalar_name

    def __repr__(self):
        return "torch." + self.name

    __str__ = __repr__

    def __reduce__(self):
        return _dtype_by_name, (self.name,)

    def to_real(self):
        """The real dtype of a complex one (``complex64.to_real()`` is float32)."""
        return _TO_REAL.get(self, self)

    def to_complex(self):
        """The complex dtype with this float dtype's precision (PyTorch's error for others)."""
        if self.is_complex:
            return self
        r = _TO_COMPLEX.get(self)
        if r is None:
            raise RuntimeError(f"Unknown Complex ScalarType for {self._scalar_name}")
        return r


bool = dtype("bool", np.bool_, 1, _BOOL, 0, False, "b8", "Bool")  # noqa: A001
uint8 = dtype("uint8", np.uint8, 1, _INT, 1, False, "u8", "Byte")
int8 = dtype("int8", np.int8, 1, _INT, 2, True, "i8", "Char")
int16 = dtype("int16", np.int16, 2, _INT, 3, True, "i16", "Short")
uint16 = dtype("uint16", np.uint16, 2, _INT, 3, False, "u16", "UInt16")
int32 = dtype("int32", np.int32, 4, _INT, 4, True, "i32", "Int")
uint32 = dtype("uint32", np.uint32, 4, _INT, 4, False, "u32", "UInt32")
int64 = dtype("int64", np.int64, 8, _INT, 5, True, "i64", "Long")
uint64 = dtype("uint64", np.uint64, 8, _INT, 5, False, "u64", "UInt64")
float16 = dtype("float16", np.float16, 2, _FLOAT, 1, True, "f16", "Half")
bfloat16 = dtype("bfloat16", np.float32, 2, _FLOAT, 1, True, "bf16", "BFloat16")
float32 = dtype("float32", np.float32, 4, _FLOAT, 2, True, "f32", "Float")
float64 = dtype("float64", np.float64, 8, _FLOAT, 3, True, "f64", "Double")
# complex32 (ComplexHalf) exists so that promotion answers as PyTorch's does
# (float16 with a complex number); like bfloat16 it is stored in a wider array.
complex32 = dtype("complex32", np.complex64, 4, _COMPLEX, 1, True, "c32", "ComplexHalf")
complex64 = dtype("complex64", np.complex64, 8, _COMPLEX, 2, True, "c64", "ComplexFloat")
complex128 = dtype("complex128", np.complex128, 16, _COMPLEX, 3, True, "c128", "ComplexDouble")

# PyTorch's aliases
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble, chalf = complex64, complex128, complex32

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64,
              float16, bfloat16, float32, float64, complex32, complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32,
                long=int64, cfloat=complex64, cdouble=complex128, chalf=complex32)
_TO_REAL = {complex32: float16, complex64: float32, complex128: float64}
_TO_COMPLEX = {float16: complex32, bfloat16: complex64, float32: complex64, float64: complex128}
# the unsigned types PyTorch only half supports: no promotion with other integer types
_BARE_UNSIGNED = (uint16, uint32, uint64)


def _dtype_by_name(name):
    return _BY_NAME[name]


# NumPy dtype -> Ember dtype (bfloat16 and complex32 never come out of this map: see module doc)
_FROM_NP = {d.np_dtype: d for d in ALL_DTYPES if d is not bfloat16 and d is not complex32}
_FROM_NP_TYPE = {d.np_dtype.type: d for d in ALL_DTYPES if d is not bfloat16 and d is not complex32}


def from_numpy_dtype(np_dtype):
    """The Ember dtype stored as ``np_dtype`` (TypeError for unsupported ones)."""
    try:
        return _FROM_NP[np_dtype]
    except KeyError:
        pass
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).type.__name__}. The only supported types "
            "are: float64, float32, float16, complex64, complex128, int64, int32, int16, "
            "int8, uint64, uint32, uint16, uint8, and bool.") from None


def round_to_bfloat16(arr):
    """Round a float32 array to the nearest bfloat16 value (ties to even), in float32."""
    xp = np if isinstance(arr, (np.ndarray, np.generic, builtins_float, builtins_int)) else \
        _xp_of(arr)
    a = xp.asarray(arr, dtype=np.float32)
    shape = a.shape
    a = xp.ascontiguousarray(a)
    bits = a.view(np.uint32)
    rounded = ((bits.astype(np.uint64) + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    out = rounded.view(np.float32)
    nan = xp.isnan(a)
    if nan.any():
        out = xp.where(nan, np.float32(np.nan), out)
    return out.reshape(shape)


def _xp_of(arr):
    mod = type(arr).__module__
    if mod.startswith("cupy"):
        import cupy
        return cupy
    return np


# ----------------------------------------------------------------- default dtype
_default = [float32]


def get_default_dtype():
    """The default floating point dtype (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the default floating point dtype (PyTorch accepts float16, float32 and float64)."""
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default[0] = d
    _PROMOTE_CACHE.clear()


def default_complex_dtype():
    """The complex dtype matching the default float dtype (``torch.complex64`` normally)."""
    d = _default[0]
    if d is bfloat16:
        raise RuntimeError("invalid default scalar type for complex")
    return _TO_COMPLEX[d]


# ----------------------------------------------------------------- promotion
def _promote_pair(a, b):
    if a is b:
        return a
    ca, cb = a._category, b._category
    if (a in _BARE_UNSIGNED or b in _BARE_UNSIGNED) and ca != _FLOAT and cb != _FLOAT:
        raise RuntimeError("Promotion for uint16, uint32, uint64 types is not supported, "
                           f"attempted to promote {a._scalar_name} and {b._scalar_name}")
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi._category == _COMPLEX and lo._category == _FLOAT:
            # complex with a float keeps the wider of the two precisions
            return _TO_COMPLEX[_promote_pair(lo, hi.to_real())]
        return hi
    if ca == _FLOAT:
        if a._rank == b._rank:  # float16 with bfloat16
            return float32
        return a if a._rank > b._rank else b
    if ca == _COMPLEX:
        return a if a._rank > b._rank else b
    if ca == _INT:
        ua, ub = not a.is_signed, not b.is_signed
        if ua == ub:
            return a if a._rank > b._rank else b
        # uint8 with a signed type: the signed type if it is wider, else int16
        s = b if ua else a
        return s if s.itemsize > 1 else int16
    return a


_PROMOTE_CACHE = {}


def promote_types(type1, type2):
    """``torch.promote_types``: the smallest dtype both can be cast to (PyTorch's table)."""
    key = (type1, type2)
    r = _PROMOTE_CACHE.get(key)
    if r is None:
        if not isinstance(type1, dtype) or not isinstance(type2, dtype):
            bad, pos = (type1, 1) if not isinstance(type1, dtype) else (type2, 2)
            raise TypeError(f"promote_types(): argument '{'type1' if pos == 1 else 'type2'}' "
                            f"(position {pos}) must be torch.dtype, not {type(bad).__name__}")
        r = _PROMOTE_CACHE[key] = _promote_pair(type1, type2)
    return r


def _scalar_category(x):
    t = type(x)
    if t is builtins_bool or isinstance(x, np.bool_):
        return _BOOL
    if isinstance(x, (builtins_int, np.integer)):
        return _INT
    if isinstance(x, (builtins_float, np.floating)):
        return _FLOAT
    if isinstance(x, (complex, np.complexfloating)):
        return _COMPLEX
    raise TypeError(f"unsupported scalar type {t.__name__}")


def _category_default(cat):
    if cat == _BOOL:
        return bool
    if cat == _INT:
        return int64
    if cat == _FLOAT:
        return _default[0]
    return default_complex_dtype()


def _combine(higher, lower):
    """PyTorch's ``combine_categories``: a lower-priority group wins only with a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    hc, lc = higher._category, lower._category
    if hc == _COMPLEX:
        return higher
    if lc == _COMPLEX:
        # a float tensor keeps its precision: float32 tensor * complex128 0-dim -> complex64
        return _TO_COMPLEX[higher] if hc == _FLOAT else lower
    if hc == _FLOAT:
        return higher
    if higher is bool or lc == _FLOAT:
        return promote_types(higher, lower)
    return higher


def result_type_of(operands):
    """PyTorch's result dtype of ``operands`` (tensors and Python numbers).

    Three priority groups: tensors with dimensions, zero-dim tensors, Python
    numbers (which count as int64 / the default float / default complex).
    """
    dim_t = zero_t = wrapped = None
    for x in operands:
        dt = getattr(x, "_dtype", None)
        if dt is not None:
            if x._data.ndim:
                dim_t = dt if dim_t is None else promote_types(dim_t, dt)
            else:
                zero_t = dt if zero_t is None else promote_types(zero_t, dt)
        else:
            dt = _category_default(_scalar_category(x))
            wrapped = dt if wrapped is None else promote_types(wrapped, dt)
    return _combine(dim_t, _combine(zero_t, wrapped))


def result_type(tensor1, tensor2):
    """``torch.result_type``: the dtype an arithmetic op on the two operands gives."""
    return result_type_of((tensor1, tensor2))


def can_cast(from_, to):
    """``torch.can_cast``: no float -> integer, complex -> real or non-bool -> bool casts."""
    return from_._category <= to._category


class finfo:
    """``torch.finfo``: machine limits of a floating point (or complex) dtype."""

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")

    def __init__(self, type=None):  # noqa: A002
        type = get_default_dtype() if type is None else type
        if not isinstance(type, dtype) or not (type.is_floating_point or type.is_complex):
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        real = type.to_real()
        if real is bfloat16:
            self.bits, self.eps = 16, 0.0078125
            self.max, self.min = 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            fi = np.finfo(real.np_dtype)
            self.bits = fi.bits
            self.eps, self.max = builtins_float(fi.eps), builtins_float(fi.max)
            self.min = builtins_float(fi.min)
            self.tiny = self.smallest_normal = builtins_float(fi.tiny)
            self.resolution = 10.0 ** -fi.precision
        self.dtype = real.name

    def __eq__(self, other):
        return isinstance(other, finfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """``torch.iinfo``: machine limits of an integer dtype."""

    __slots__ = ("bits", "min", "max", "dtype")

    def __init__(self, type):  # noqa: A002
        if not isinstance(type, dtype) or type._category != _INT:
            if type is bool:
                raise TypeError("torch.bool is not supported by torch.iinfo")
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        ii = np.iinfo(type.np_dtype)
        self.bits, self.min, self.max = ii.bits, builtins_int(ii.min), builtins_int(ii.max)
        self.dtype = type.name

    def __eq__(self, other):
        return isinstance(other, iinfo) and self.dtype == other.dtype

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
