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

import numpy as np

__all__ = [
    "dtype", "float16", "half", "bfloat16", "float32", "float", "float64", "double",
    "int8", "int16", "short", "int32", "int", "int64", "long", "uint8", "bool",
    "complex64", "cfloat", "complex128", "cdouble",
    "uint16", "uint32", "uint64",
    "get_default_dtype", "set_default_dtype", "promote_types", "result_type", "can_cast",
    "finfo", "iinfo",
]

# category ranks
_BOOL, _INT, _FLOAT, _COMPLEX = 0, 1, 2, 3


class dtype:
    """A PyTorch dtype: ``ember.float32`` prints as ``torch.float32``."""

    __slots__ = ("name", "np_dtype", "itemsize", "is_floating_point", "is_complex",
                 "is_signed", "_category", "_rank", "__weakref__")

    def __init__(self, name, np_dtype, itemsize, category, rank, is_signed):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.itemsize = itemsize
        self._category = category
        self._rank = rank
        self.is_floating_point = category == _FLOAT
        self.is_complex = category == _COMPLEX
        self.is_signed = is_signed

    def __repr__(self):
        return "torch." + self.name

    __str__ = __repr__

    def __reduce__(self):
        return _dtype_by_name, (self.name,)

    def to_real(self):
        return {complex64: float32, complex128: float64}.get(self, self)

    def to_complex(self):
        return {float32: complex64, float64: complex128, float16: complex64}.get(self, self)


bool = dtype("bool", np.bool_, 1, _BOOL, 0, False)  # noqa: A001
uint8 = dtype("uint8", np.uint8, 1, _INT, 1, False)
int8 = dtype("int8", np.int8, 1, _INT, 2, True)
int16 = dtype("int16", np.int16, 2, _INT, 3, True)
uint16 = dtype("uint16", np.uint16, 2, _INT, 3, False)
int32 = dtype("int32", np.int32, 4, _INT, 4, True)
uint32 = dtype("uint32", np.uint32, 4, _INT, 4, False)
int64 = dtype("int64", np.int64, 8, _INT, 5, True)
uint64 = dtype("uint64", np.uint64, 8, _INT, 5, False)
float16 = dtype("float16", np.float16, 2, _FLOAT, 1, True)
bfloat16 = dtype("bfloat16", np.float32, 2, _FLOAT, 1, True)
float32 = dtype("float32", np.float32, 4, _FLOAT, 2, True)
float64 = dtype("float64", np.float64, 8, _FLOAT, 3, True)
complex64 = dtype("complex64", np.complex64, 8, _COMPLEX, 2, True)
complex128 = dtype("complex128", np.complex128, 16, _COMPLEX, 3, True)

# PyTorch's aliases
half, float, double = float16, float32, float64  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001
cfloat, cdouble = complex64, complex128

ALL_DTYPES = (bool, uint8, int8, int16, int32, int64, uint16, uint32, uint64,
              float16, bfloat16, float32, float64, complex64, complex128)
_BY_NAME = {d.name: d for d in ALL_DTYPES}
_BY_NAME.update(half=float16, float=float32, double=float64, short=int16, int=int32,
                long=int64, cfloat=complex64, cdouble=complex128)


def _dtype_by_name(name):
    return _BY_NAME[name]


# NumPy dtype -> Ember dtype (bfloat16 never comes out of this map: see module doc)
_FROM_NP = {d.np_dtype: d for d in ALL_DTYPES if d is not bfloat16}
_FROM_NP_TYPE = {d.np_dtype.type: d for d in ALL_DTYPES if d is not bfloat16}


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
            f"can't convert np.ndarray of type {np.dtype(np_dtype)}. The only supported types "
            "are: float64, float32, float16, complex64, complex128, int64, int32, int16, "
            "int8, uint64, uint32, uint16, uint8, and bool.") from None


def round_to_bfloat16(arr):
    """Round a float32 array to the nearest bfloat16 value (ties to even), in float32."""
    a = np.ascontiguousarray(arr, dtype=np.float32)
    bits = a.view(np.uint32)
    nan = np.isnan(a)
    rounded = ((bits.astype(np.uint64) + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000).astype(np.uint32)
    out = rounded.view(np.float32)
    if nan.any():
        out = np.where(nan, np.float32(np.nan), out)
    return out.reshape(np.shape(arr))


# ----------------------------------------------------------------- default dtype
_default = [float32]


def get_default_dtype():
    """The default floating point dtype (float32 unless changed)."""
    return _default[0]


def set_default_dtype(d):
    """Set the default floating point dtype; PyTorch accepts float32, float64 (and half types)."""
    if not isinstance(d, dtype) or not (d.is_floating_point):
        raise TypeError(f"only floating-point types are supported as the default type")
    _default[0] = d
    _PROMOTE_CACHE.clear()


def default_complex_dtype():
    return complex128 if _default[0] is float64 else complex64


# ----------------------------------------------------------------- promotion
def _promote_pair(a, b):
    if a is b:
        return a
    ca, cb = a._category, b._category
    if ca != cb:
        hi, lo = (a, b) if ca > cb else (b, a)
        if hi._category == _COMPLEX and lo._category == _FLOAT and lo._rank > hi._rank:
            return complex128
        return hi
    if ca == _FLOAT:
        if {a, b} == {float16, bfloat16}:
            return float32
        return a if a._rank > b._rank else b
    if ca == _COMPLEX:
        return a if a._rank > b._rank else b
    if ca == _INT:
        # unsigned with signed: uint8 + int8 -> int16, uint8 + int16 -> int16
        ua, ub = not a.is_signed, not b.is_signed
        if ua == ub:
            return a if a._rank > b._rank else b
        u, s = (a, b) if ua else (b, a)
        if u is uint8:
            return s if s.itemsize > 1 else int16
        if s.itemsize > u.itemsize:
            return s
        raise TypeError(f"Promotion for uint16, uint32, uint64 types is not supported, "
                        f"attempted to promote {u.name.capitalize()} and {s.name.capitalize()}")
    return a


_PROMOTE_CACHE = {}


def promote_types(type1, type2):
    """The smallest dtype both ``type1`` and ``type2`` can be cast to (PyTorch's table)."""
    key = (type1, type2)
    r = _PROMOTE_CACHE.get(key)
    if r is None:
        r = _PROMOTE_CACHE[key] = _promote_pair(type1, type2)
    return r


def _scalar_category(x):
    t = type(x)
    if t is builtins_bool or isinstance(x, (np.bool_,)):
        return _BOOL
    if isinstance(x, (builtins_int, np.integer)):
        return _INT
    if isinstance(x, (builtins_float, np.floating)):
        return _FLOAT
    if isinstance(x, (complex, np.complexfloating)):
        return _COMPLEX
    raise TypeError(f"unsupported scalar type {t.__name__}")


import builtins as _builtins  # noqa: E402

builtins_bool, builtins_int, builtins_float = _builtins.bool, _builtins.int, _builtins.float


def _category_default(cat):
    if cat == _BOOL:
        return bool
    if cat == _INT:
        return int64
    if cat == _FLOAT:
        return _default[0]
    return default_complex_dtype()


def result_type_of(operands):
    """PyTorch's result dtype of ``operands`` (tensors and Python numbers).

    Tensors are recognised by their ``dtype`` and ``ndim`` attributes; anything else
    must be a Python (or NumPy) number.
    """
    dim_t = zero_t = scal_cat = None
    for x in operands:
        dt = getattr(x, "_dtype", None)
        if dt is not None:
            if x._data.ndim:
                dim_t = dt if dim_t is None else promote_types(dim_t, dt)
            else:
                zero_t = dt if zero_t is None else promote_types(zero_t, dt)
        else:
            c = _scalar_category(x)
            scal_cat = c if scal_cat is None or c > scal_cat else scal_cat
    result = dim_t
    if zero_t is not None:
        if result is None:
            result = zero_t
        elif zero_t._category > result._category:
            # a higher category in a lower-priority group: that group's dtype
            result = promote_types(result, zero_t) if zero_t._category < _COMPLEX else \
                _complex_for(result, zero_t)
    if scal_cat is not None:
        if result is None:
            result = _category_default(scal_cat)
        elif scal_cat > result._category:
            if scal_cat == _COMPLEX and result._category == _FLOAT:
                result = result.to_complex() if result is not float16 else complex64
            elif scal_cat == _FLOAT and result._category < _FLOAT:
                result = _default[0]
            else:
                result = _category_default(scal_cat)
    return result


def _complex_for(a, b):
    if a._category == _FLOAT:
        return promote_types(a.to_complex() if a is not float16 else complex64, b)
    return b


def result_type(tensor1, tensor2):
    """``torch.result_type``: the dtype an arithmetic op on the two operands gives."""
    return result_type_of((tensor1, tensor2))


def can_cast(from_, to):
    """``torch.can_cast``: whether PyTorch's casting rules allow ``from_`` -> ``to``."""
    return from_._category <= to._category


class finfo:
    """``torch.finfo``: machine limits of a floating point dtype."""

    def __init__(self, type=None):  # noqa: A002
        type = type or get_default_dtype()
        if type is bfloat16:
            self.bits, self.eps, self.max, self.min = 16, 0.0078125, 3.3895313892515355e38, -3.3895313892515355e38
            self.tiny = self.smallest_normal = 1.1754943508222875e-38
            self.resolution = 0.01
        else:
            fi = np.finfo(type.to_real().np_dtype)
            self.bits = fi.bits
            self.eps, self.max, self.min = builtins_float(fi.eps), builtins_float(fi.max), builtins_float(fi.min)
            self.tiny = self.smallest_normal = builtins_float(fi.tiny)
            self.resolution = builtins_float(fi.resolution)
        self.dtype = type.to_real().name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """``torch.iinfo``: machine limits of an integer dtype."""

    def __init__(self, type):  # noqa: A002
        ii = np.iinfo(type.np_dtype)
        self.bits, self.min, self.max, self.dtype = ii.bits, builtins_int(ii.min), builtins_int(ii.max), type.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
