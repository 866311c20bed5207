"""Pointwise operators: arithmetic, comparisons, unary math, bitwise and logical ops,
and their in-place forms.

Every operator is an ``Op``: a forward on raw arrays (NumPy or CuPy) and a backward
written with Ember ops, so second derivatives work.  Binary ops let the engine
promote tensor operands to PyTorch's result dtype (``promote = True``); a Python
number operand is turned into a 0-d array of that dtype here, wrapping integers
that do not fit as PyTorch does (``int8 tensor + 300`` wraps, NumPy 2 would raise).
Most unary functions are one line in a table made by ``_unary_op``.
"""

import math

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _scalar_type_name, tensor_method
from ..autograd import grad_mode
from ..autograd.function import Op, _check_cast, apply_inplace
from ._util import _loud, _quiet, broadcast_error, select, xp_of

__all__ = []

_state = grad_mode.state
_ndarray = np.ndarray
_np_add, _np_subtract, _np_multiply, _np_true_divide = np.add, np.subtract, np.multiply, np.true_divide
_FAST_FLOAT = frozenset((D.float32, D.float64))
_SCALARS = (int, float, bool, complex)


def _export(*names):
    __all__.extend(names)


# ---------------------------------------------------------------------- array helpers
_NUMBER_TYPES = (int, float, complex, np.generic)


def _is_array(x):
    return not isinstance(x, _NUMBER_TYPES)


def _lift(x, dtype, xp):
    """A Python number as a 0-d array of ``dtype``; out-of-range integers wrap like PyTorch."""
    if isinstance(x, np.generic):
        x = x.item()
    dtype = np.dtype(dtype)
    if xp is np and dtype.kind in "fc" and dtype.itemsize >= 4 and \
            (type(x) is float or type(x) is int) and -3e38 < x < 3e38:
        return dtype.type(x)    # the common case: a NumPy scalar of the tensor's dtype
    if dtype.kind in "iu" and type(x) is int:
        info = np.iinfo(dtype)
        if x < info.min or x > info.max:
            span = 1 << info.bits
            x = (x - info.min) % span + info.min
    elif dtype.kind in "iub" and isinstance(x, float):
        x = int(x) if math.isfinite(x) else 0
    elif dtype.kind == "b" and type(x) is int:
        x = bool(x)
    with np.errstate(over="ignore", invalid="ignore"):
        return xp.asarray(x, dtype=dtype)


def _pair(a, b):
    """Both operands as arrays of one dtype (a Python number takes the array's dtype)."""
    if _is_array(a):
        xp = xp_of(a)
        if not _is_array(b):
            b = _lift(b, a.dtype, xp)
    else:
        xp = xp_of(b)
        a = _lift(a, b.dtype, xp)
    return xp, a, b


_C_NAMES = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int",
            "int64": "int64_t", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
            "float32": "float", "float64": "double"}


def _check_scalar_fits(value, dtype):
    """PyTorch refuses a Python-number argument (an exponent, a clamp bound) that overflows
    the dtype it is converted to, where arithmetic operands would wrap."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or dtype._category > 2:
        return
    if dtype._category == 1 and isinstance(value, int):
        info = np.iinfo(dtype.np_dtype)
        # unsigned types accept negatives down to -max (c10's overflow rule)
        low = -info.max if info.min == 0 else info.min
        bad = value < low or value > info.max
    elif dtype._category == 2 and math.isfinite(value):
        bad = builtins_abs(value) > D.finfo(dtype).max
    else:
        return
    if bad:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES[dtype.name]} without "
                           "overflow")


builtins_abs = abs


def _invalid_combination(name, input):
    return TypeError(f"{name}() received an invalid combination of arguments - got "
                     f"({type(input).__name__}, Tensor), but expected one of:\n"
                     " * (Tensor input, Tensor other, *, Tensor out = None)\n"
                     " * (Tensor input, Number other, *, Tensor out = None)\n")


def _float_array(x):
    """Integer and bool arrays become the default float dtype (as PyTorch's float ops do)."""
    if x.dtype.kind in "biu":
        return x.astype(D.get_default_dtype().np_dtype)
    return x


def _type_name(np_dtype):
    return _scalar_type_name(D._FROM_NP[np.dtype(np_dtype)])


def _not_implemented(kernel, np_dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(np_dtype)}\'')


def _check_int_zero(xp, b):
    """PyTorch raises for integer division by zero (NumPy would warn and give 0)."""
    if b.dtype.kind in "iub" and bool((b == 0).any()):
        raise RuntimeError("ZeroDivisionError")


def _default_float():
    return D.get_default_dtype()


def _result_dtype(operands, float_result=False):
    dt = D.result_type_of([o for o in operands if o is not None])
    if float_result and dt._category < 2:
        dt = _default_float()
    return dt


def _ensure_tensor_or_number(x, fname, pos):
    if not isinstance(x, (Tensor,) + _SCALARS + (np.generic,)):
        raise TypeError(f"{fname}(): argument '{pos}' (position 2) must be Tensor, not "
                        f"{type(x).__name__}")


# ---------------------------------------------------------------------- where (for backward)
class _Where(Op):
    """``where(cond, x, y)`` used by backward formulas (masks without 0 * inf = nan)."""

    node_name = "WhereBackward0"

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_for_backward(cond)
        xp = xp_of(cond)
        fast = select(cond, x, y)
        if fast is not None:
            return fast
        if _is_array(x) and _is_array(y):
            return xp.where(cond, x, y)
        if _is_array(x):
            return xp.where(cond, x, _lift(y, x.dtype, xp))
        return xp.where(cond, _lift(x, y.dtype, xp), y)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        return (None,
                _where(cond, grad, 0) if ctx.needs_input_grad[1] else None,
                _where(cond, 0, grad) if ctx.needs_input_grad[2] else None)


def _where(cond, x, y):
    return _Where.apply(cond, x, y)


def _zeros_like(t):
    return Tensor._make(xp_of(t._data).zeros_like(t._data), t._dtype)


# ---------------------------------------------------------------------- binary op machinery
class _BinaryOp(Op):
    """A binary pointwise op.  Subclasses give ``compute(xp, a, b, **kw)`` and ``grads``.

    ``float_result``: integer/bool operands compute in the default float dtype.
    ``kernel`` and ``allowed``: dtype kinds the op accepts, with PyTorch's
    NotImplementedError naming the kernel otherwise.  ``save``: which of
    ``a``, ``b``, ``out`` backward needs.
    """

    promote = True
    float_result = False
    kernel = None
    allowed = "biufc"
    save = "ab"
    complex_error = None

    @classmethod
    def forward(cls, ctx, a, b, **kw):
        if a.__class__ is _ndarray and b.__class__ is _ndarray:
            xp = np     # the common case: two NumPy arrays (promotion already done)
        else:
            xp, a, b = _pair(a, b)
        kind = a.dtype.kind
        if kind not in cls.allowed:
            if kind == "c" and cls.complex_error:
                raise cls.complex_error[0](cls.complex_error[1])
            raise _not_implemented(cls.kernel, a.dtype)
        if cls.float_result and kind in "biu":
            a, b = _float_array(a), _float_array(b)
        token = _quiet()
        try:
            out = cls.compute(xp, a, b, **kw)
        except ValueError:
            raise broadcast_error(a.shape, b.shape) from None
        finally:
            _loud(token)
        if kw:
            for k, v in kw.items():
                setattr(ctx, k, v)
        save = cls.save
        if save == "ab":
            ctx.save_for_backward(a, b)
        elif save:
            ctx.save_for_backward(*[a if c == "a" else b if c == "b" else out for c in save])
        return out

    @classmethod
    def backward(cls, ctx, grad):
        save = cls.save
        if save == "ab":
            a, b = ctx.saved_tensors
            return cls.grads(ctx, grad, a, b, None, ctx.needs_input_grad)
        if not save:
            return cls.grads(ctx, grad, None, None, None, ctx.needs_input_grad)
        saved = dict(zip(save, ctx.saved_tensors))
        return cls.grads(ctx, grad, saved.get("a"), saved.get("b"), saved.get("o"),
                         ctx.needs_input_grad)

    @staticmethod
    def compute(xp, a, b):
        raise NotImplementedError

    @staticmethod
    def grads(ctx, grad, a, b, out, need):
        return None, None


def _op(name, compute, grads=None, base=_BinaryOp, **attrs):
    """A ``_BinaryOp`` subclass from a compute and a grads function."""
    ns = {"node_name": attrs.pop("node", None), "compute": staticmethod(compute),
          "__module__": __name__}
    if grads is not None:
        ns["grads"] = staticmethod(grads)
    ns.update(attrs)
    return type(name, (base,), ns)


class _NotDifferentiable(Op):
    """Base for ops PyTorch has no derivative for: the node is ``torch::autograd::NotImplemented``."""

    aten = None

    @classmethod
    def backward(cls, ctx, grad):
        raise RuntimeError(f"derivative for aten::{cls.aten} is not implemented")


# ---------------------------------------------------------------------- arithmetic
def _add_compute(xp, a, b, alpha=1):
    if alpha != 1:
        b = b * _lift(alpha, b.dtype, xp) if b.dtype.kind != "b" else b & bool(alpha)
    return a + b


def _add_grads(ctx, grad, a, b, out, need):
    alpha = getattr(ctx, "alpha", 1)
    return grad, (grad if alpha == 1 else grad * alpha) if need[1] else None


Add = _op("Add", _add_compute, _add_grads, node="AddBackward0", save="")


def _sub_compute(xp, a, b, alpha=1):
    if alpha != 1:
        b = b * _lift(alpha, b.dtype, xp)
    return a - b


def _sub_grads(ctx, grad, a, b, out, need):
    alpha = getattr(ctx, "alpha", 1)
    return grad, (-grad if alpha == 1 else grad * -alpha) if need[1] else None


Sub = _op("Sub", _sub_compute, _sub_grads, node="SubBackward0", save="")


def _rsub_compute(xp, a, b, alpha=1):
    # rsub(input, other) = other - alpha * input
    if alpha != 1:
        a = a * _lift(alpha, a.dtype, xp)
    return b - a


def _rsub_grads(ctx, grad, a, b, out, need):
    alpha = getattr(ctx, "alpha", 1)
    return (-grad if alpha == 1 else grad * -alpha) if need[0] else None, grad


RsubTensor = _op("RsubTensor", _rsub_compute, _rsub_grads, node="RsubBackward0", save="")
RsubScalar = _op("RsubScalar", _rsub_compute, _rsub_grads, node="RsubBackward1", save="")


def _mul_compute(xp, a, b):
    if a.dtype.kind == "b":
        return a & b
    return a * b


def _mul_grads(ctx, grad, a, b, out, need):
    if a._dtype._category < 3 and b._dtype._category < 3:   # real: conj() is the identity
        return (grad * b if need[0] else None, grad * a if need[1] else None)
    return (grad * b.conj() if need[0] else None, grad * a.conj() if need[1] else None)


Mul = _op("Mul", _mul_compute, _mul_grads, node="MulBackward0")


def _div_grads(ctx, grad, a, b, out, need):
    ga = grad / b.conj() if need[0] else None
    gb = -grad * (a / (b * b)).conj() if need[1] else None
    return ga, gb


Div = _op("Div", lambda xp, a, b: a / b, _div_grads, node="DivBackward0", float_result=True)


def _div_round_compute(xp, a, b, rounding_mode=None):
    if a.dtype.kind == "c":
        raise RuntimeError(f"div_{rounding_mode}_cpu not implemented for '{_type_name(a.dtype)}'")
    if a.dtype.kind in "iub":
        _check_int_zero(xp, b)
        if a.dtype.kind == "b":
            return a.copy()
        if rounding_mode == "floor":
            return xp.floor_divide(a, b)
        q = xp.floor_divide(a, b)
        # floor -> trunc: add one where the exact quotient was negative and not whole
        fix = (q < 0) & (q * b != a)
        return q + fix.astype(q.dtype)
    q = a / b
    if rounding_mode == "trunc":
        return xp.trunc(q)
    return xp.floor_divide(a, b)


DivRounding = _op("DivRounding", _div_round_compute,
                  lambda ctx, grad, a, b, out, need: (_zeros_like(grad) if need[0] else None,
                                                      _zeros_like(grad) if need[1] else None),
                  node="DivBackward2", save="")


def _floor_divide_compute(xp, a, b):
    if a.dtype.kind in "iu":
        _check_int_zero(xp, b)
    return xp.floor_divide(a, b)


class _NDBinary(_NotDifferentiable, _BinaryOp):
    """A binary op without a derivative in PyTorch."""


FloorDivide = _op("FloorDivide", _floor_divide_compute, base=_NDBinary,
                  node="torch::autograd::NotImplemented", save="", aten="floor_divide",
                  kernel="div_floor_cpu", allowed="iuf")


def _mod_ops(name, ufunc, rounding):
    """``remainder`` (Python's sign rule, floor division) and ``fmod`` (C's, truncation): the
    compute function and the op classes for a number and for a tensor divisor.  d/db of
    ``a - b * div(a, b)`` is ``-div(a, b)`` with the family's rounding."""
    def compute(xp, a, b):
        if a.dtype.kind in "iu":
            _check_int_zero(xp, b)
        return getattr(xp, ufunc)(a, b)

    def grads(ctx, grad, a, b, out, need):
        return grad, (-grad * div(a, b, rounding_mode=rounding) if need[1] else None)

    kernel = f"{name.lower()}_cpu"
    scalar = _op(f"{name}Scalar", compute, lambda ctx, grad, a, b, o, n: (grad, None),
                 node=f"{name}Backward0", save="", kernel=kernel, allowed="iuf")
    tensor = _op(f"{name}Tensor", compute, grads, node=f"{name}Backward1", kernel=kernel,
                 allowed="iuf")
    return compute, scalar, tensor


_remainder_compute, RemainderScalar, RemainderTensor = _mod_ops("Remainder", "remainder", "floor")
_, FmodScalar, FmodTensor = _mod_ops("Fmod", "fmod", "trunc")
RemainderScalarSelf = _op("RemainderScalarSelf", _remainder_compute, base=_NDBinary,
                          node="torch::autograd::NotImplemented", save="", aten="remainder",
                          kernel="remainder_cpu", allowed="iuf")


# ---------------------------------------------------------------------- powers
def _int_pow(xp, a, b):
    """Integer power with PyTorch's rule for negative exponents (1, -1 or 0)."""
    if b.dtype.kind == "b" or not bool((b < 0).any()):
        return a ** b
    neg = b < 0
    r = a ** xp.where(neg, 0, b)
    odd = (b % 2) != 0
    one = xp.ones((), a.dtype)
    special = xp.where(a == 1, one, xp.where(a == -1, xp.where(odd, -one, one), 0 * one))
    return xp.where(neg, special, r)


def _pow_compute(xp, a, b):
    if a.dtype.kind in "iu":
        return _int_pow(xp, a, b)
    if a.dtype.kind == "b":
        return (a.astype(np.int8) ** b.astype(np.int8)).astype(bool)
    return a ** b


def _pow_tensor_grads(ctx, grad, a, b, out, need):
    ga = gb = None
    if need[0]:
        ga = _where(b == 0, 0, grad * (b * a.pow(b - 1)).conj())
    if need[1]:
        gb = _where((a == 0) & (b >= 0), 0, grad * (out * a.log()).conj())
    return ga, gb


PowTensor = _op("PowTensor", _pow_compute, _pow_tensor_grads, node="PowBackward1", save="abo",
                kernel="pow", allowed="iufc")


class PowScalarExp(Op):
    """``input ** exponent`` for a Python-number exponent: PowBackward0."""

    node_name = "PowBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, e):
        xp = xp_of(a)
        ctx.e = e = e.item() if isinstance(e, np.generic) else e
        ctx.save_for_backward(a)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if e == 2 and a.dtype.kind != "b":
                return a * a
            return _pow_compute(xp, a, _lift(e, a.dtype, xp))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        e = ctx.e
        if e == 0:
            return _zeros_like(grad), None
        if e == 2:
            return grad * (a * 2).conj(), None
        return grad * (a.pow(e - 1) * e).conj(), None


class PowScalarBase(Op):
    """``base ** input`` for a Python-number base: PowBackward2."""

    node_name = "PowBackward2"
    promote = True

    @staticmethod
    def forward(ctx, base, b):
        xp = xp_of(b)
        ctx.base = base = base.item() if isinstance(base, np.generic) else base
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = _pow_compute(xp, _lift(base, b.dtype, xp), b)
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        b, out = ctx.saved_tensors
        base = ctx.base
        if base == 0:
            g = _where(b >= 0, 0, grad * (out * float("-inf")).conj())
        else:
            g = grad * (out * _scalar_log(base)).conj()
        return None, g


def _scalar_log(x):
    if isinstance(x, complex) or x < 0:
        import cmath
        return cmath.log(x)
    return math.log(x)


def pow(input, exponent, *, out=None):
    """``torch.pow``: tensor or Python-number base and exponent, PyTorch's grad_fn names
    (PowBackward0 scalar exponent, PowBackward1 tensor exponent, PowBackward2 scalar base)."""
    if not isinstance(input, Tensor):
        r = PowScalarBase.apply(input, exponent)
    elif isinstance(exponent, Tensor):
        r = PowTensor.apply(input, exponent)
    else:
        if input._dtype._category <= 1 and isinstance(exponent, int) and \
                not isinstance(exponent, bool) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        _check_scalar_fits(exponent, D.result_type_of((input, exponent)))
        r = PowScalarExp.apply(input, exponent)
    return _finish(r, out, "pow")


def float_power(input, exponent, *, out=None):
    """``torch.float_power``: ``pow`` computed in double precision (complex128 for complex)."""
    cplx = any((isinstance(x, Tensor) and x._dtype.is_complex) or isinstance(x, complex)
               for x in (input, exponent))
    dt = D.complex128 if cplx else D.float64
    x = input.to(dt) if isinstance(input, Tensor) else (complex(input) if cplx else float(input))
    e = exponent.to(dt) if isinstance(exponent, Tensor) else \
        (complex(exponent) if cplx else float(exponent))
    return pow(x, e, out=out)


def square(input, *, out=None):
    """``torch.square``: ``input ** 2`` (PowBackward0; bool squares to int64 as in PyTorch)."""
    return pow(input, 2, out=out)


_export("pow", "float_power", "square")


# ---------------------------------------------------------------------- other binary math
def _atan2_grads(ctx, grad, a, b, out, need):
    denom = a * a + b * b
    return (grad * b / denom if need[0] else None, grad * -a / denom if need[1] else None)


Atan2 = _op("Atan2", lambda xp, a, b: xp.arctan2(a, b), _atan2_grads, node="Atan2Backward0",
            float_result=True, kernel="atan2_cpu", allowed="biuf")


def _maxmin_grads(cmp):
    def grads(ctx, grad, a, b, out, need):
        half = _where(a == b, grad / 2, grad)
        ga = _where(cmp(b, a), 0, half) if need[0] else None
        gb = _where(cmp(a, b), 0, half) if need[1] else None
        return ga, gb
    return grads


def _maximum_compute(xp, a, b):
    return xp.maximum(a, b)


Maximum = _op("Maximum", _maximum_compute, _maxmin_grads(lambda x, y: x > y),
              node="MaximumBackward0", allowed="biuf",
              complex_error=(RuntimeError, "maximum not implemented for complex tensors."))
Minimum = _op("Minimum", lambda xp, a, b: xp.minimum(a, b), _maxmin_grads(lambda x, y: x < y),
              node="MinimumBackward0", allowed="biuf",
              complex_error=(RuntimeError, "minimum not implemented for complex tensors."))


def _fmaxmin_grads(cmp):
    def grads(ctx, grad, a, b, out, need):
        keep_a = logical_or(cmp(a, b), isnan(b))
        return (_where(keep_a, grad, 0) if need[0] else None,
                _where(keep_a, 0, grad) if need[1] else None)
    return grads


Fmax = _op("Fmax", lambda xp, a, b: xp.fmax(a, b), _fmaxmin_grads(lambda x, y: x >= y),
           node="FmaxBackward0", allowed="biuf",
           complex_error=(RuntimeError, "fmax not implemented for complex tensors."))
Fmin = _op("Fmin", lambda xp, a, b: xp.fmin(a, b), _fmaxmin_grads(lambda x, y: x <= y),
           node="FminBackward0", allowed="biuf",
           complex_error=(RuntimeError, "fmin not implemented for complex tensors."))

Hypot = _op("Hypot", lambda xp, a, b: xp.hypot(a, b),
            lambda ctx, grad, a, b, out, need: (grad * a / out if need[0] else None,
                                                grad * b / out if need[1] else None),
            node="HypotBackward0", save="abo", kernel="hypot_cpu", allowed="f")


def _logaddexp_compute(xp, a, b):
    if a.dtype.kind == "c":
        m = xp.where(a.real >= b.real, a, b)
        n = xp.where(a.real >= b.real, b, a)
        return m + xp.log1p(xp.exp(n - m))
    return xp.logaddexp(a, b)


Logaddexp = _op("Logaddexp", _logaddexp_compute,
                lambda ctx, grad, a, b, out, need: (
                    grad / (1 + (b - a).exp()).conj() if need[0] else None,
                    grad / (1 + (a - b).exp()).conj() if need[1] else None),
                node="LogaddexpBackward0", kernel="logaddexp_cpu", allowed="fc")
Logaddexp2 = _op("Logaddexp2", lambda xp, a, b: xp.logaddexp2(a, b),
                 lambda ctx, grad, a, b, out, need: (
                     grad / (1 + pow(2, b - a)) if need[0] else None,
                     grad / (1 + pow(2, a - b)) if need[1] else None),
                 node="Logaddexp2Backward0", kernel="logaddexp2_cpu", allowed="f")


def _xlogy_compute(xp, a, b):
    out = a * xp.log(b)
    return xp.where((a == 0) & ~xp.isnan(b), xp.zeros((), out.dtype), out)


def _xlogy_grads(ctx, grad, a, b, out, need):
    ga = grad * xlogy(a != 0, b) if need[0] else None
    gb = grad * a / b if need[1] else None
    return ga, gb


Xlogy = _op("Xlogy", _xlogy_compute, _xlogy_grads, node="XlogyBackward0", float_result=True,
            kernel="xlogy_cpu", allowed="biuf")
XlogyScalarSelf = _op("XlogyScalarSelf", _xlogy_compute, _xlogy_grads, node="XlogyBackward1",
                      float_result=True, kernel="xlogy_cpu", allowed="biuf")
XlogyScalarOther = _op("XlogyScalarOther", _xlogy_compute, _xlogy_grads, node="XlogyBackward2",
                       float_result=True, kernel="xlogy_cpu", allowed="biuf")


def _copysign_grads(ctx, grad, a, b, out, need):
    if not need[0]:
        return None, (_zeros_like(grad) if need[1] else None)
    ratio = _where(a == 0, 0, out / a)
    return grad * ratio, (_zeros_like(grad) if need[1] else None)


CopysignTensor = _op("CopysignTensor", lambda xp, a, b: xp.copysign(a, b), _copysign_grads,
                     node="CopysignBackward0", save="ao", float_result=True, kernel="copysign_cpu",
                     allowed="biuf")
CopysignScalar = _op("CopysignScalar", lambda xp, a, b: xp.copysign(a, b), _copysign_grads,
                     node="CopysignBackward1", save="ao", float_result=True,
                     kernel="copysign_cpu", allowed="biuf")


# ---------------------------------------------------------------------- comparisons, logical, bitwise
def _bool_op(name, compute, kernel=None, allowed="biufc", promote=True):
    return _op(name, compute, node=name + "Backward0", save="", kernel=kernel, allowed=allowed,
               promote=promote)


EQ = _bool_op("Eq", lambda xp, a, b: a == b)
NE = _bool_op("Ne", lambda xp, a, b: a != b)
LT = _bool_op("Lt", lambda xp, a, b: a < b)
LE = _bool_op("Le", lambda xp, a, b: a <= b)
GT = _bool_op("Gt", lambda xp, a, b: a > b)
GE = _bool_op("Ge", lambda xp, a, b: a >= b)
LogicalAnd = _bool_op("LogicalAnd", lambda xp, a, b: (a != 0) & (b != 0))
LogicalOr = _bool_op("LogicalOr", lambda xp, a, b: (a != 0) | (b != 0))
LogicalXor = _bool_op("LogicalXor", lambda xp, a, b: (a != 0) ^ (b != 0))
BitwiseAnd = _bool_op("BitwiseAnd", lambda xp, a, b: a & b, "bitwise_and_cpu", "biu")
BitwiseOr = _bool_op("BitwiseOr", lambda xp, a, b: a | b, "bitwise_or_cpu", "biu")
BitwiseXor = _bool_op("BitwiseXor", lambda xp, a, b: a ^ b, "bitwise_xor_cpu", "biu")


def _shift(left):
    def compute(xp, a, b):
        bits = a.dtype.itemsize * 8
        out_of_range = (b < 0) | (b >= bits)
        s = xp.where(out_of_range, 0, b).astype(a.dtype, copy=False)
        if left:
            return xp.where(out_of_range, xp.zeros((), a.dtype), a << s)
        fill = xp.where(a < 0, -1, 0).astype(a.dtype) if a.dtype.kind == "i" else xp.zeros((), a.dtype)
        return xp.where(out_of_range, fill, a >> s)
    return compute


LeftShift = _bool_op("LeftShift", _shift(True), "lshift_cpu", "iu")
RightShift = _bool_op("RightShift", _shift(False), "rshift_cpu", "iu")


_TENSOR_ONLY = set()


def _compare_fn(cls, name, doc, tensor_only=False):
    if tensor_only:
        _TENSOR_ONLY.add(name)

    def function(input, other, *, out=None):
        if tensor_only:
            _require_tensors(name, input, other)
        _ensure_tensor_or_number(other, name, "other")
        return _finish(cls.apply(input, other), out, name)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


eq = _compare_fn(EQ, "eq", "``torch.eq``: elementwise ``==`` (bool result).")
ne = _compare_fn(NE, "ne", "``torch.ne``: elementwise ``!=`` (bool result).")
lt = _compare_fn(LT, "lt", "``torch.lt``: elementwise ``<`` (bool result).")
le = _compare_fn(LE, "le", "``torch.le``: elementwise ``<=`` (bool result).")
gt = _compare_fn(GT, "gt", "``torch.gt``: elementwise ``>`` (bool result).")
ge = _compare_fn(GE, "ge", "``torch.ge``: elementwise ``>=`` (bool result).")
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne
logical_and = _compare_fn(LogicalAnd, "logical_and", "``torch.logical_and`` (bool result).",
                           True)
logical_or = _compare_fn(LogicalOr, "logical_or", "``torch.logical_or`` (bool result).", True)
logical_xor = _compare_fn(LogicalXor, "logical_xor", "``torch.logical_xor`` (bool result).",
                          True)
bitwise_and = _compare_fn(BitwiseAnd, "bitwise_and", "``torch.bitwise_and`` (int/bool).")
bitwise_or = _compare_fn(BitwiseOr, "bitwise_or", "``torch.bitwise_or`` (int/bool).")
bitwise_xor = _compare_fn(BitwiseXor, "bitwise_xor", "``torch.bitwise_xor`` (int/bool).")
bitwise_left_shift = _compare_fn(LeftShift, "bitwise_left_shift",
                                 "``torch.bitwise_left_shift``: shifts past the width give 0.")
bitwise_right_shift = _compare_fn(RightShift, "bitwise_right_shift",
                                  "``torch.bitwise_right_shift``: arithmetic shift for signed ints.")
_export("eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal", "less_equal",
        "not_equal", "logical_and", "logical_or", "logical_xor", "bitwise_and", "bitwise_or",
        "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift")


# ---------------------------------------------------------------------- public binary functions
def _finish(result, out, name):
    """Return ``result``, or write it into ``out=`` as PyTorch does (cast check, resize)."""
    if out is None:
        return result
    if _state.grad_enabled and (result.requires_grad or out.requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    _check_cast(result._dtype, out._dtype)
    if out._data.shape != result._data.shape:
        if out._data.size:
            import warnings
            warnings.warn(
                f"An output with one or more elements was resized since it had shape "
                f"{list(out.shape)}, which does not match the required output shape "
                f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                "release outputs will not be resized unless they have zero elements. You can "
                "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
                "t.resize_(0).", UserWarning, stacklevel=3)
        out._data = xp_of(out._data).empty(result._data.shape, out._data.dtype)
    out._write(result._data)
    out._bump_version()
    return out


def _check_bool_sub(input, other):
    def is_bool(x):
        return (isinstance(x, Tensor) and x._dtype is D.bool) or isinstance(x, (bool, np.bool_))
    ba, bb = is_bool(input), is_bool(other)
    if ba and bb:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                           "Use the `^` or `logical_xor()` operator instead.")
    if ba or bb:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


def _check_alpha(input, other, alpha):
    if alpha == 1 and not isinstance(alpha, bool):
        return
    rt = _result_dtype((input, other))
    if rt._category == 1 and isinstance(alpha, float):
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")
    if isinstance(alpha, bool) and rt is not D.bool:
        raise RuntimeError("Boolean alpha only supported for Boolean results.")


def add(input, other, *, alpha=1, out=None):
    """``torch.add``: ``input + alpha * other`` with PyTorch's type promotion."""
    _ensure_tensor_or_number(other, "add", "other")
    _check_alpha(input, other, alpha)
    r = Add.apply(input, other, alpha=alpha) if alpha != 1 else Add.apply(input, other)
    return _finish(r, out, "add")


def sub(input, other, *, alpha=1, out=None):
    """``torch.sub``: ``input - alpha * other``; bool operands are rejected as in PyTorch."""
    _ensure_tensor_or_number(other, "sub", "other")
    _check_bool_sub(input, other)
    _check_alpha(input, other, alpha)
    r = Sub.apply(input, other, alpha=alpha) if alpha != 1 else Sub.apply(input, other)
    return _finish(r, out, "sub")


def rsub(input, other, *, alpha=1):
    """``torch.rsub``: ``other - alpha * input`` (RsubBackward0, or 1 for a Python number)."""
    _check_bool_sub(input, other)
    cls = RsubTensor if isinstance(other, Tensor) else RsubScalar
    return cls.apply(input, other, alpha=alpha) if alpha != 1 else cls.apply(input, other)


def mul(input, other, *, out=None):
    """``torch.mul``: elementwise product (bool * bool is logical and)."""
    _ensure_tensor_or_number(other, "mul", "other")
    return _finish(Mul.apply(input, other), out, "mul")


def div(input, other, *, rounding_mode=None, out=None):
    """``torch.div``: true division (integers give floats), or ``rounding_mode='trunc'``/``'floor'``."""
    _ensure_tensor_or_number(other, "div", "other")
    if rounding_mode is None:
        r = Div.apply(*_float_operands(input, other))
    elif rounding_mode in ("trunc", "floor"):
        r = DivRounding.apply(input, other, rounding_mode=rounding_mode)
    else:
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    return _finish(r, out, "div")


def true_divide(input, other, *, out=None):
    """``torch.true_divide``: ``div`` without rounding."""
    return div(input, other, out=out)


def floor_divide(input, other, *, out=None):
    """``torch.floor_divide``: Python's ``//`` (floors); no derivative, as in PyTorch."""
    return _finish(FloorDivide.apply(input, other), out, "floor_divide")


def remainder(input, other, *, out=None):
    """``torch.remainder``: Python's ``%`` (the result has the divisor's sign)."""
    if not isinstance(input, Tensor):
        cls = RemainderScalarSelf
    else:
        cls = RemainderTensor if isinstance(other, Tensor) else RemainderScalar
    return _finish(cls.apply(input, other), out, "remainder")


def fmod(input, other, *, out=None):
    """``torch.fmod``: C's ``fmod`` (the result has the dividend's sign)."""
    if not isinstance(input, Tensor):
        raise _invalid_combination("fmod", input)
    cls = FmodTensor if isinstance(other, Tensor) else FmodScalar
    return _finish(cls.apply(input, other), out, "fmod")


def _require_tensors(name, input, other, method=False):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position {1 if method else 2}) must be "
                        f"Tensor, not {type(other).__name__}")


def _float_operands(input, other):
    """For ops computing in floating point, integer tensors are cast to the result dtype up
    front, so that each keeps its own value (``uint8 / -1`` is ``-x``, not ``x / 255``)."""
    rt = _result_dtype((input, other), float_result=True)
    if rt._category >= 2:
        if isinstance(input, Tensor) and input._dtype._category < 2:
            input = input.to(rt)
        if isinstance(other, Tensor) and other._dtype._category < 2:
            other = other.to(rt)
    return input, other


def _binary_fn(cls, name, doc, tensor_only=True):
    if tensor_only:
        _TENSOR_ONLY.add(name)

    def function(input, other, *, out=None):
        if tensor_only:
            _require_tensors(name, input, other)
        if cls.float_result:
            input, other = _float_operands(input, other)
        return _finish(cls.apply(input, other), out, name)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = doc
    return function


atan2 = _binary_fn(Atan2, "atan2", "``torch.atan2``: the angle of ``(other, input)``.")
arctan2 = _binary_fn(Atan2, "arctan2", "``torch.arctan2``: alias of ``atan2``.")
maximum = _binary_fn(Maximum, "maximum", "``torch.maximum``: NaN-propagating elementwise max.")
minimum = _binary_fn(Minimum, "minimum", "``torch.minimum``: NaN-propagating elementwise min.")
fmax = _binary_fn(Fmax, "fmax", "``torch.fmax``: elementwise max ignoring NaN.")
fmin = _binary_fn(Fmin, "fmin", "``torch.fmin``: elementwise min ignoring NaN.")
hypot = _binary_fn(Hypot, "hypot", "``torch.hypot``: ``sqrt(input**2 + other**2)``.")
logaddexp = _binary_fn(Logaddexp, "logaddexp", "``torch.logaddexp``: ``log(exp(a) + exp(b))``.")
logaddexp2 = _binary_fn(Logaddexp2, "logaddexp2", "``torch.logaddexp2``: base-2 logaddexp.")


def xlogy(input, other, *, out=None):
    """``torch.xlogy``: ``input * log(other)``, 0 where ``input == 0`` (unless other is NaN)."""
    if not isinstance(input, Tensor):
        cls = XlogyScalarSelf
    elif not isinstance(other, Tensor):
        cls = XlogyScalarOther
    else:
        cls = Xlogy
    return _finish(cls.apply(*_float_operands(input, other)), out, "xlogy")


def copysign(input, other, *, out=None):
    """``torch.copysign``: ``|input|`` with the sign of ``other`` (float result)."""
    if not isinstance(input, Tensor):
        raise _invalid_combination("copysign", input)
    cls = CopysignTensor if isinstance(other, Tensor) else CopysignScalar
    return _finish(cls.apply(*_float_operands(input, other)), out, "copysign")


_export("add", "sub", "subtract", "rsub", "mul", "multiply", "div", "divide", "true_divide",
        "floor_divide", "remainder", "fmod", "atan2", "arctan2", "maximum", "minimum", "fmax",
        "fmin", "hypot", "logaddexp", "logaddexp2", "xlogy", "copysign")
subtract, multiply, divide = sub, mul, div


# ---------------------------------------------------------------------- erf, erfc, erfinv
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def _erf_series(xp, x):
    """erf(x) = 2/sqrt(pi) exp(-x^2) sum 2^n x^(2n+1) / (1*3*...*(2n+1)): positive terms only,
    so no cancellation; used for |x| < 2.5 (at most ~90 terms to reach double precision)."""
    x2 = x * x
    term = x.copy()
    total = x.copy()
    for n in range(1, 100):
        term = term * (2 * x2) / (2 * n + 1)
        total = total + term
        if not bool((xp.abs(term) > 1e-17 * xp.abs(total)).any()):
            break
    return _TWO_OVER_SQRT_PI * xp.exp(-x2) * total


def _erfc_cf(xp, x):
    """erfc(x) for x >= 2 by the continued fraction
    exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
    evaluated backwards from a fixed depth (converged to double precision for x >= 2)."""
    f = x.copy()
    for k in range(120, 0, -1):
        f = x + (k / 2.0) / f
    return xp.exp(-x * x) / (math.sqrt(math.pi) * f)


def _erf_parts(xp, x):
    """(erf(|x|), erfc(|x|)) in float64, each accurate where it is small."""
    a = xp.abs(x)
    small = a < 2.5
    lo = xp.where(small, a, 0.0)
    hi = xp.where(small, 2.5, xp.where(xp.isnan(a), 2.5, xp.minimum(a, 30.0)))
    erf_lo = _erf_series(xp, lo)
    erfc_hi = _erfc_cf(xp, hi)
    erfc_hi = xp.where(a > 27.3, 0.0, erfc_hi)
    erf_a = xp.where(small, erf_lo, 1.0 - erfc_hi)
    erfc_a = xp.where(small, 1.0 - erf_lo, erfc_hi)
    nan = xp.isnan(a)
    return xp.where(nan, xp.nan, erf_a), xp.where(nan, xp.nan, erfc_a)


_SPECIAL = []


def _scipy_special(xp):
    """scipy.special when SciPy is installed and the data is on the CPU, else None.

    SciPy is optional: its erf/erfc/erfinv are compiled ufuncs, ~100x faster than the
    pure-NumPy series below (GELU calls erf on every activation). Without SciPy, or on
    CuPy arrays, the NumPy implementation below is used.
    """
    if xp is not np:
        return None
    if not _SPECIAL:
        try:
            from scipy import special
        except ImportError:
            special = None
        _SPECIAL.append(special)
    return _SPECIAL[0]


def _special_call(name, x):
    sp = _scipy_special(xp_of(x))
    if sp is None or not x.size:
        return None
    dt = x.dtype
    calc = x if dt in (np.float32, np.float64) else x.astype(np.float32)
    return getattr(sp, name)(calc).astype(dt, copy=False)


def _erf(xp, x):
    fast = _special_call("erf", x)
    if fast is not None:
        return fast
    return _erf_numpy(xp, x)


def _erf_numpy(xp, x):
    dt = x.dtype
    x64 = x.astype(np.float64)
    e, _ = _erf_parts(xp, x64)
    return (xp.sign(x64) * e).astype(dt) if x64.size else x.copy()


def _erfc(xp, x):
    fast = _special_call("erfc", x)
    if fast is not None:
        return fast
    return _erfc_numpy(xp, x)


def _erfc_numpy(xp, x):
    dt = x.dtype
    x64 = x.astype(np.float64)
    if not x64.size:
        return x.copy()
    e, c = _erf_parts(xp, x64)
    return xp.where(x64 >= 0, c, 1.0 + e).astype(dt)


def _erfinv(xp, y):
    fast = _special_call("erfinv", y)
    if fast is not None:
        return fast
    return _erfinv_numpy(xp, y)


def _erfinv_numpy(xp, y):
    """Winitzki's closed-form start, then Halley steps on erf(x) - y (on erfc near |y| = 1)."""
    with np.errstate(all="ignore"):
        return _erfinv_steps(xp, y)


def _erfinv_steps(xp, y):
    dt = y.dtype
    y64 = y.astype(np.float64)
    if not y64.size:
        return y.copy()
    s = xp.sign(y64)
    a = xp.abs(y64)
    inside = a < 1
    ac = xp.where(inside, a, 0.5)
    k = 0.147
    ln = xp.log((1 - ac) * (1 + ac))
    t = 2 / (math.pi * k) + ln / 2
    x = xp.sqrt(xp.sqrt(t * t - ln / k) - t)
    for _ in range(4):
        e, c = _erf_parts(xp, x)
        f = xp.where(ac < 0.5, e - ac, (1 - ac) - c)
        d = _TWO_OVER_SQRT_PI * xp.exp(-x * x)
        step = f / (d + x * f)
        x = x - xp.where(d > 0, step, 0.0)
    out = s * x
    out = xp.where(a == 1, s * xp.inf, out)
    out = xp.where((a > 1) | xp.isnan(a), xp.nan, out)
    return out.astype(dt)


# ---------------------------------------------------------------------- unary table
class _UnaryOp(Op):
    """A unary pointwise op; subclasses come from ``_unary_op``."""

    float_only = True
    save = "input"
    kernel = None
    allowed = "biufc"
    messages = {}

    @classmethod
    def forward(cls, ctx, x, **kw):
        kind = x.dtype.kind
        if kind not in cls.allowed:
            msg = cls.messages.get(kind)
            if msg is not None:
                raise msg[0](msg[1])
            raise _not_implemented(cls.kernel or cls.__name__.lower() + "_cpu", x.dtype)
        if cls.float_only:
            x = _float_array(x)
        xp = xp_of(x)
        token = _quiet()
        try:
            y = cls.compute(xp, x, **kw)
        finally:
            _loud(token)
        if y.dtype != x.dtype and y.dtype.kind == x.dtype.kind:
            y = y.astype(x.dtype)
        for k, v in kw.items():
            setattr(ctx, k, v)
        if cls.save == "input":
            ctx.save_for_backward(x)
        elif cls.save == "output":
            ctx.save_for_backward(y)
        elif cls.save == "both":
            ctx.save_for_backward(x, y)
        return y

    @classmethod
    def backward(cls, ctx, grad):
        saved = ctx.saved_tensors if cls.save else ()
        d = cls.derivative(ctx, grad, *saved)
        return d


_UNARY_FUNCS = {}


def _unary_op(name, compute, derivative, save="input", float_only=True, node=None, kernel=None,
              allowed="biufc", messages=None, chain=True):
    """Make the Op class and the public function of a unary pointwise function.

    ``derivative(saved...)`` gives f'(x) as an Ember tensor; the gradient is
    ``grad * conj(f'(x))`` (PyTorch's convention for complex inputs).  With
    ``chain=False`` the function gets ``(ctx, grad, saved...)`` and returns the gradient.
    """
    node_name = node or (name[0].upper() + name[1:].replace("_", "") + "Backward0")
    if chain:
        def deriv(ctx, grad, *saved):
            return grad * derivative(*saved).conj()
    else:
        deriv = derivative
    cls = type(name.capitalize() + "Op", (_UnaryOp,), {
        "node_name": node_name, "compute": staticmethod(compute), "derivative": staticmethod(deriv),
        "save": save, "float_only": float_only, "kernel": kernel or f"{name}_cpu",
        "allowed": allowed, "messages": messages or {}, "__module__": __name__})

    fast = "f" in allowed

    def function(input, *, out=None):
        if fast and out is None and input.__class__ is Tensor and input._dtype in _FAST_FLOAT:
            x = input._data
            if x.__class__ is _ndarray:
                if input._requires_grad and _state.grad_enabled:
                    return cls.apply(input)
                # no graph, a float32/float64 NumPy array: the op's kernel, nothing around it
                token = _quiet()
                try:
                    y = compute(np, x)
                finally:
                    _loud(token)
                if y.dtype == x.dtype:
                    return Tensor._make(y, input._dtype)
        return _finish(cls.apply(input), out, name)

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}`` (elementwise; integer inputs give the default float dtype)." \
        if float_only else f"``torch.{name}`` (elementwise, keeps the input's dtype)."
    _UNARY_FUNCS[name] = (cls, function)
    _export(name)
    return cls, function


_LN2, _LN10 = math.log(2.0), math.log(10.0)


def _no_complex(msg, exc=NotImplementedError):
    return {"c": (exc, msg)}


Exp, exp = _unary_op("exp", lambda xp, x: xp.exp(x), lambda y: y, save="output")
Exp2, exp2 = _unary_op("exp2", lambda xp, x: xp.exp2(x), lambda y: y * _LN2, save="output")
Expm1, expm1 = _unary_op("expm1", lambda xp, x: xp.expm1(x), lambda y: y + 1, save="output")
Log, log = _unary_op("log", lambda xp, x: xp.log(x), lambda x: x.reciprocal())
Log2, log2 = _unary_op("log2", lambda xp, x: xp.log2(x), lambda x: (x * _LN2).reciprocal())
Log10, log10 = _unary_op("log10", lambda xp, x: xp.log10(x), lambda x: (x * _LN10).reciprocal())
Log1p, log1p = _unary_op("log1p", lambda xp, x: xp.log1p(x), lambda x: (x + 1).reciprocal(),
                         node="Log1PBackward0")
Sqrt, sqrt = _unary_op("sqrt", lambda xp, x: xp.sqrt(x), lambda y: (y * 2).reciprocal(),
                       save="output")
Rsqrt, rsqrt = _unary_op("rsqrt", lambda xp, x: 1 / xp.sqrt(x), lambda y: y.pow(3) * -0.5,
                         save="output")
Sin, sin = _unary_op("sin", lambda xp, x: xp.sin(x), lambda x: x.cos())
Cos, cos = _unary_op("cos", lambda xp, x: xp.cos(x), lambda x: -x.sin())
Tan, tan = _unary_op("tan", lambda xp, x: xp.tan(x), lambda y: y * y + 1, save="output")
Asin, asin = _unary_op("asin", lambda xp, x: xp.arcsin(x), lambda x: (1 - x * x).rsqrt())
Acos, acos = _unary_op("acos", lambda xp, x: xp.arccos(x), lambda x: -(1 - x * x).rsqrt())
Atan, atan = _unary_op("atan", lambda xp, x: xp.arctan(x), lambda x: (x * x + 1).reciprocal())
Sinh, sinh = _unary_op("sinh", lambda xp, x: xp.sinh(x), lambda x: x.cosh())
Cosh, cosh = _unary_op("cosh", lambda xp, x: xp.cosh(x), lambda x: x.sinh())
Tanh, tanh = _unary_op("tanh", lambda xp, x: xp.tanh(x), lambda y: 1 - y * y, save="output")
Asinh, asinh = _unary_op("asinh", lambda xp, x: xp.arcsinh(x), lambda x: (x * x + 1).rsqrt())
Acosh, acosh = _unary_op("acosh", lambda xp, x: xp.arccosh(x),
                         lambda x: ((x - 1) * (x + 1)).rsqrt())
Atanh, atanh = _unary_op("atanh", lambda xp, x: xp.arctanh(x), lambda x: (1 - x * x).reciprocal())


def _sigmoid(xp, x):
    if x.dtype.kind == "c":
        return 1 / (1 + xp.exp(-x))
    # exp of -|x| never overflows; the two branches give 1/(1+e^-x) and e^x/(1+e^x)
    e = xp.exp(-xp.abs(x))
    return xp.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)


Sigmoid, sigmoid = _unary_op("sigmoid", _sigmoid, lambda y: y * (1 - y), save="output")
Erf, erf = _unary_op("erf", _erf, lambda x: (-(x * x)).exp() * _TWO_OVER_SQRT_PI,
                     kernel="erf_vml_cpu", allowed="biuf")
Erfc, erfc = _unary_op("erfc", _erfc, lambda x: (-(x * x)).exp() * -_TWO_OVER_SQRT_PI,
                       kernel="erfc_vml_cpu", allowed="biuf")
Erfinv, erfinv = _unary_op("erfinv", _erfinv, lambda y: (y * y).exp() * (math.sqrt(math.pi) / 2),
                           save="output", kernel="erfinv_vml_cpu", allowed="biuf")
Reciprocal, reciprocal = _unary_op("reciprocal", lambda xp, x: 1 / x, lambda y: -(y * y),
                                   save="output")
Deg2rad, deg2rad = _unary_op(
    "deg2rad", lambda xp, x: x * (math.pi / 180), lambda g=None: math.pi / 180, save=None,
    node="Deg2RadBackward0", allowed="biuf",
    messages=_no_complex("deg2rad is not supported for complex tensors.", RuntimeError))
Rad2deg, rad2deg = _unary_op(
    "rad2deg", lambda xp, x: x * (180 / math.pi), lambda g=None: 180 / math.pi, save=None,
    node="Rad2DegBackward0", allowed="biuf",
    messages=_no_complex("rad2deg is not supported for complex tensors.", RuntimeError))
Deg2rad.derivative = staticmethod(lambda ctx, grad: grad * (math.pi / 180))
Rad2deg.derivative = staticmethod(lambda ctx, grad: grad * (180 / math.pi))


def _zero_grad(ctx, grad, *saved):
    return _zeros_like(grad)


def _keep_int(f):
    """Rounding functions return integer inputs unchanged (a copy)."""
    return lambda xp, x: x.copy() if x.dtype.kind in "iu" else f(xp, x)


Floor, floor = _unary_op("floor", _keep_int(lambda xp, x: xp.floor(x)), _zero_grad, save=None,
                         float_only=False, kernel="floor_vml_cpu", allowed="iuf", chain=False,
                         messages=_no_complex("floor is not supported for complex inputs"))
Ceil, ceil = _unary_op("ceil", _keep_int(lambda xp, x: xp.ceil(x)), _zero_grad, save=None,
                       float_only=False, kernel="ceil_vml_cpu", allowed="iuf", chain=False,
                       messages=_no_complex("ceil is not supported for complex inputs"))
Trunc, trunc = _unary_op("trunc", _keep_int(lambda xp, x: xp.trunc(x)), _zero_grad, save=None,
                         float_only=False, kernel="trunc_vml_cpu", allowed="iuf", chain=False,
                         messages=_no_complex("trunc is not supported for complex inputs"))
fix = trunc
Frac, frac = _unary_op("frac", lambda xp, x: x - xp.trunc(x), lambda ctx, grad: grad, save=None,
                       float_only=False, allowed="f", chain=False)


def _sign(xp, x):
    if x.dtype == np.bool_:
        return x.copy()
    s = xp.sign(x)
    return xp.where(xp.isnan(x), xp.zeros((), x.dtype), s) if x.dtype.kind == "f" else s


Sign, sign = _unary_op("sign", _sign, _zero_grad, save=None, float_only=False, allowed="biuf",
                       chain=False, messages=_no_complex(
                           "Unlike NumPy, torch.sign is not intended to support complex numbers. "
                           "Please use torch.sgn instead."))


def _sgn(xp, x):
    if x.dtype.kind == "c":
        a = xp.abs(x)
        return xp.where(a == 0, xp.zeros((), x.dtype), x / xp.where(a == 0, 1, a)).astype(x.dtype)
    return _sign(xp, x)


def _sgn_grad(ctx, grad, x, y):
    if not x.is_complex():
        return _zeros_like(grad)
    a = x.abs()
    g = (grad - (y.conj() * grad).real * y) / a
    return _where(a == 0, 0, g)


Sgn, sgn = _unary_op("sgn", _sgn, _sgn_grad, save="both", float_only=False, chain=False)


def _neg_compute(xp, x):
    if x.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If you "
                           "are trying to invert a mask, use the `~` or `logical_not()` operator "
                           "instead.")
    return -x


Neg, neg = _unary_op("neg", _neg_compute, lambda ctx, grad: -grad, save=None, float_only=False,
                     chain=False)
negative = neg
Abs, abs = _unary_op("abs", lambda xp, x: xp.abs(x), lambda ctx, grad, x: grad * x.sgn(),
                     float_only=False, allowed="iufc", chain=False)
absolute = abs


def _relu_compute(xp, x):
    if x.dtype == np.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    if x.dtype.kind == "f":
        # PyTorch zeroes where x < 0: NaN stays NaN and -0.0 stays -0.0.  On big arrays a bit
        # mask (``select``) is ~2x faster than NumPy's where/maximum; on small ones its extra
        # calls cost more than they save
        fast = select(x < 0, 0, x) if x.size >= 4096 else None
        return fast if fast is not None else xp.where(x < 0, xp.zeros((), x.dtype), x)
    return xp.maximum(x, xp.zeros((), x.dtype))


def _relu_grad(ctx, grad, y):
    """grad where the output is positive, else 0 (PyTorch's threshold_backward)."""
    if not _state.grad_enabled:             # nothing recorded: one bit-mask pass on the arrays
        g, out = grad._data, y._data
        if g.__class__ is _ndarray and out.__class__ is _ndarray and g.dtype == out.dtype:
            r = select(out > 0, g, 0)
            if r is not None:
                return Tensor._make(r, grad._dtype)
    return _where(y > 0, grad, 0)


Relu, relu = _unary_op("relu", _relu_compute, _relu_grad,
                       save="output", float_only=False, allowed="biuf", chain=False,
                       messages=_no_complex("clamp is not supported for complex types"))
_export("fix", "negative", "absolute")


def _round_compute(xp, x, decimals=0):
    if decimals == 0:
        return xp.round(x)
    if decimals > 0:
        p = 10.0 ** decimals
        return (xp.round(x * p) / p).astype(x.dtype, copy=False)
    p = 10.0 ** -decimals
    return (xp.round(x / p) * p).astype(x.dtype, copy=False)


class RoundOp(_UnaryOp):
    node_name = "RoundBackward0"
    float_only = False
    save = None
    allowed = "iuf"
    kernel = "round_vml_cpu"
    compute = staticmethod(lambda xp, x: x.copy() if x.dtype.kind in "iu" else xp.round(x))
    derivative = staticmethod(_zero_grad)


class RoundDecimals(RoundOp):
    node_name = "RoundBackward1"
    allowed = "f"
    kernel = "round_cpu"
    compute = staticmethod(_round_compute)


def round(input, *, decimals=None, out=None):
    """``torch.round``: half to even; ``decimals`` rounds to that many decimal places."""
    r = RoundOp.apply(input) if decimals is None else RoundDecimals.apply(input, decimals=decimals)
    return _finish(r, out, "round")


def _logit_compute(xp, x, eps=None):
    if eps is not None:
        x = xp.clip(x, eps, 1 - eps)
    return xp.log(x / (1 - x))


def _logit_grad(ctx, grad, x):
    eps = getattr(ctx, "eps", None)
    g = grad / (x * (1 - x))
    if eps is None:
        return _where((x < 0) | (x > 1), float("nan"), g)
    return _where((x < eps) | (x > 1 - eps), 0, g)


class LogitOp(_UnaryOp):
    node_name = "LogitBackward0"
    allowed = "biuf"
    kernel = "logit_cpu"
    compute = staticmethod(_logit_compute)
    derivative = staticmethod(_logit_grad)


def logit(input, eps=None, *, out=None):
    """``torch.logit``: ``log(p / (1 - p))``, with ``p`` clamped to ``[eps, 1 - eps]`` if given."""
    r = LogitOp.apply(input) if eps is None else LogitOp.apply(input, eps=eps)
    return _finish(r, out, "logit")


def _nan_to_num_compute(xp, x, nan=0.0, posinf=None, neginf=None):
    if x.dtype.kind not in "fc":
        return x.copy()
    fi = np.finfo(x.dtype)
    pos = fi.max if posinf is None else posinf
    ngt = fi.min if neginf is None else neginf
    return xp.nan_to_num(x, nan=nan, posinf=pos, neginf=ngt)


class NanToNumOp(_UnaryOp):
    node_name = "NanToNumBackward0"
    float_only = False
    compute = staticmethod(_nan_to_num_compute)
    derivative = staticmethod(lambda ctx, grad, x: _where(isfinite(x), grad, 0))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None, *, out=None):
    """``torch.nan_to_num``: NaN -> ``nan``, infinities -> the dtype's extremes (or the given values)."""
    if input._dtype is D.bfloat16:   # stored as float32: use bfloat16's own extremes
        big = 3.3895313892515355e38
        posinf = big if posinf is None else posinf
        neginf = -big if neginf is None else neginf
    r = NanToNumOp.apply(input, nan=nan, posinf=posinf, neginf=neginf)
    return _finish(r, out, "nan_to_num")


def positive(input):
    """``torch.positive``: returns ``input`` itself (bool tensors are rejected)."""
    if input._dtype is D.bool:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


_export("round", "logit", "nan_to_num", "positive")


# ---------------------------------------------------------------------- predicates
class _Predicate(_UnaryOp):
    float_only = False
    save = None
    derivative = staticmethod(lambda ctx, grad: None)


def _predicate(name, compute, real_only_msg=None):
    cls = type(name.capitalize() + "Op", (_Predicate,), {
        "node_name": name.capitalize() + "Backward0", "compute": staticmethod(compute),
        "messages": {"c": (RuntimeError, real_only_msg)} if real_only_msg else {},
        "allowed": "biuf" if real_only_msg else "biufc", "__module__": __name__})

    def function(input, *, out=None):
        return _finish(cls.apply(input), out, name)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``torch.{name}`` (bool result)."
    _export(name)
    return cls, function


def _float_test(test, default):
    def compute(xp, x):
        if x.dtype.kind in "fc":
            return test(xp, x)
        return xp.full(x.shape, default, dtype=bool)
    return compute


IsnanOp, isnan = _predicate("isnan", _float_test(lambda xp, x: xp.isnan(x), False))
IsinfOp, isinf = _predicate("isinf", _float_test(lambda xp, x: xp.isinf(x), False))
IsfiniteOp, isfinite = _predicate("isfinite", _float_test(lambda xp, x: xp.isfinite(x), True))
IsposinfOp, isposinf = _predicate("isposinf", _float_test(lambda xp, x: xp.isposinf(x), False),
                                  "isposinf does not support complex inputs.")
IsneginfOp, isneginf = _predicate("isneginf", _float_test(lambda xp, x: xp.isneginf(x), False),
                                  "isneginf does not support complex inputs.")
LogicalNotOp, logical_not = _predicate("logical_not", lambda xp, x: x == 0)


class BitwiseNotOp(_Predicate):
    node_name = "BitwiseNotBackward0"
    allowed = "biu"
    kernel = "bitwise_not_cpu"
    compute = staticmethod(lambda xp, x: ~x)


def bitwise_not(input, *, out=None):
    """``torch.bitwise_not``: ``~`` on integer and bool tensors."""
    return _finish(BitwiseNotOp.apply(input), out, "bitwise_not")


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``torch.isclose``: ``|input - other| <= atol + rtol * |other|`` (same dtypes required)."""
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{_scalar_type_name(input._dtype)} did not match "
                           f"{_scalar_type_name(other._dtype)}")
    a, b = input._data, other._data
    xp = xp_of(a)
    try:
        shape = np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error(a.shape, b.shape) from None
    if a.dtype == np.bool_:
        a, b = a.astype(np.int64), b.astype(np.int64)
    with np.errstate(invalid="ignore", over="ignore"):
        close = a == b
        if a.dtype.kind in "fc":
            if equal_nan:
                close = close | (xp.isnan(a) & xp.isnan(b))
            fa, fb = a, b
        else:
            fa, fb = a.astype(np.float64), b.astype(np.float64)
        diff = xp.abs(fa - fb)
        tol = atol + rtol * xp.abs(fb)
        close = close | (xp.isfinite(diff) & (diff <= tol))
    return Tensor._make(xp.broadcast_to(close, shape).copy())


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """``torch.allclose``: ``isclose(...).all()`` as a Python bool."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


def equal(input, other):
    """``torch.equal``: same shape and same values (dtypes may differ)."""
    if input._data.shape != other._data.shape:
        return False
    return bool((input._data == other._data).all())


_export("bitwise_not", "isclose", "allclose", "equal")


# ---------------------------------------------------------------------- clamp
def _clamp_scalar_compute(xp, x, min=None, max=None):
    if min is not None:
        x = xp.maximum(x, _lift(min, x.dtype, xp))
    if max is not None:
        x = xp.minimum(x, _lift(max, x.dtype, xp))
    return x


def _clamp_mask(x, lo, hi):
    m = None
    if lo is not None:
        m = x >= lo
    if hi is not None:
        m = (x <= hi) if m is None else m & (x <= hi)
    return m


class ClampScalar(_UnaryOp):
    """``clamp`` with Python-number bounds: ClampBackward1."""

    node_name = "ClampBackward1"
    promote = True
    float_only = False
    allowed = "iuf"
    messages = _no_complex("clamp is not supported for complex types")

    @classmethod
    def forward(cls, ctx, x, min=None, max=None):
        if x.dtype.kind == "b":
            x = x.astype(np.int64)
        return super().forward.__func__(cls, ctx, x, min=min, max=max)

    compute = staticmethod(_clamp_scalar_compute)

    @staticmethod
    def derivative(ctx, grad, x):
        return _where(_clamp_mask(x, ctx.min, ctx.max), grad, 0)


class ClampMinScalar(ClampScalar):
    node_name = "ClampMinBackward0"


class ClampMaxScalar(ClampScalar):
    node_name = "ClampMaxBackward0"


class ClampTensor(Op):
    """``clamp`` with tensor bounds (either may be absent): ClampBackward0."""

    node_name = "ClampBackward0"
    promote = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        xp = xp_of(x)
        if x.dtype.kind == "c":
            raise NotImplementedError("clamp is not supported for complex types")
        if x.dtype.kind == "b":
            x = x.astype(np.int64)
            lo = None if lo is None else lo.astype(np.int64)
            hi = None if hi is None else hi.astype(np.int64)
        out = x
        with np.errstate(invalid="ignore"):
            try:
                if lo is not None:
                    out = xp.maximum(out, lo)
                if hi is not None:
                    out = xp.minimum(out, hi)
            except ValueError:
                raise broadcast_error(x.shape, (lo if lo is not None else hi).shape) from None
        ctx.save_for_backward(x, lo, hi)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = _where(_clamp_mask(x, lo, hi), grad, 0) if need[0] else None
        glo = ghi = None
        if lo is not None and need[1]:
            m = x < lo if hi is None else (x < lo) & (lo < hi)
            glo = _where(m, grad, 0)
        if hi is not None and need[2]:
            m = x > hi if lo is None else (x > hi) | (hi < lo)
            ghi = _where(m, grad, 0)
        return gx, glo, ghi


class ClampMinTensor(ClampTensor):
    node_name = "ClampMinBackward1"


class ClampMaxTensor(ClampTensor):
    node_name = "ClampMaxBackward1"


def _clamp_apply(input, min, max, scalar_cls, tensor_cls):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    tmin, tmax = isinstance(min, Tensor), isinstance(max, Tensor)
    if tmin or tmax:
        if (min is not None and not tmin) or (max is not None and not tmax):
            got = ", ".join("Tensor" if isinstance(v, Tensor) else type(v).__name__
                            for v in (input, min, max) if v is not None)
            raise TypeError(f"clamp() received an invalid combination of arguments - got "
                            f"({got}), but expected one of:\n"
                            " * (Tensor input, Tensor min = None, Tensor max = None, *, "
                            "Tensor out = None)\n * (Tensor input, Number min = None, Number max = "
                            "None, *, Tensor out = None)\n")
        return tensor_cls.apply(input, min, max)
    kw = {}
    if min is not None:
        kw["min"] = min
    if max is not None:
        kw["max"] = max
    # the bounds take part in type promotion (int tensor clamped by 0.5 is float)
    dt = D.result_type_of([input] + [v for v in (min, max) if v is not None])
    for v in (min, max):
        _check_scalar_fits(v, dt)
    x = input if dt is input._dtype else input.to(dt)
    return scalar_cls.apply(x, **kw)


def clamp(input, min=None, max=None, *, out=None):
    """``torch.clamp``: Python-number bounds (ClampBackward1) or tensor bounds (ClampBackward0)."""
    return _finish(_clamp_apply(input, min, max, ClampScalar, ClampTensor), out, "clamp")


clip = clamp


def clamp_min(input, min, *, out=None):
    """``torch.clamp_min``: ClampMinBackward0 (number) / ClampMinBackward1 (tensor)."""
    return _finish(_clamp_apply(input, min, None, ClampMinScalar, ClampMinTensor), out, "clamp_min")


def clamp_max(input, max, *, out=None):
    """``torch.clamp_max``: ClampMaxBackward0 (number) / ClampMaxBackward1 (tensor)."""
    return _finish(_clamp_apply(input, None, max, ClampMaxScalar, ClampMaxTensor), out, "clamp_max")


_export("clamp", "clip", "clamp_min", "clamp_max")


# ---------------------------------------------------------------------- ternary ops
class LerpScalar(Op):
    node_name = "LerpBackward0"

    @staticmethod
    def forward(ctx, a, b, weight=0.5):
        ctx.weight = weight
        xp = xp_of(a)
        with np.errstate(invalid="ignore", over="ignore"):
            try:
                return a + _lift(weight, a.dtype, xp) * (b - a)
            except ValueError:
                raise broadcast_error(a.shape, b.shape) from None

    @staticmethod
    def backward(ctx, grad):
        w = ctx.weight
        need = ctx.needs_input_grad
        return (grad * (1 - w) if need[0] else None, grad * w if need[1] else None)


class LerpTensor(Op):
    node_name = "LerpBackward1"

    @staticmethod
    def forward(ctx, a, b, w):
        ctx.save_for_backward(a, b, w)
        with np.errstate(invalid="ignore", over="ignore"):
            try:
                return a + w * (b - a)
            except ValueError:
                raise broadcast_error(np.broadcast_shapes(a.shape, b.shape)
                                      if _broadcasts(a.shape, b.shape) else a.shape,
                                      w.shape if _broadcasts(a.shape, b.shape) else b.shape) from None

    @staticmethod
    def backward(ctx, grad):
        a, b, w = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (grad * (1 - w).conj() if need[0] else None,
                grad * w.conj() if need[1] else None,
                grad * (b - a).conj() if need[2] else None)


def _broadcasts(*shapes):
    try:
        np.broadcast_shapes(*shapes)
        return True
    except ValueError:
        return False


def lerp(input, end, weight, *, out=None):
    """``torch.lerp``: ``input + weight * (end - input)``; no type promotion, as in PyTorch."""
    for name, t in (("end", end),) + ((("weight", weight),) if isinstance(weight, Tensor) else ()):
        if t._dtype is not input._dtype:
            raise RuntimeError(f"expected dtype {input._dtype.name.replace('float64', 'double').replace('float32', 'float')} "
                               f"for `{name}` but got dtype "
                               f"{t._dtype.name.replace('float64', 'double').replace('float32', 'float')}")
    if not (input._dtype.is_floating_point or input._dtype.is_complex):
        kernel = "lerp_kernel_tensor" if isinstance(weight, Tensor) else "lerp_kernel_scalar"
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{_scalar_type_name(input._dtype)}'")
    if isinstance(weight, Tensor):
        r = LerpTensor.apply(input, end, weight)
    else:
        r = LerpScalar.apply(input, end, weight=weight)
    return _finish(r, out, "lerp")


class Addcmul(Op):
    node_name = "AddcmulBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        xp = xp_of(a)
        ctx.value = value
        ctx.save_for_backward(t1, t2)
        v = _lift(value, a.dtype, xp)
        with np.errstate(invalid="ignore", over="ignore"):
            try:
                prod = t1 * t2 if a.dtype.kind != "b" else t1 & t2
                return a + v * prod if a.dtype.kind != "b" else a | (v & prod)
            except ValueError:
                raise _ternary_broadcast_error(a.shape, t1.shape, t2.shape) from None

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        need = ctx.needs_input_grad
        return (grad if need[0] else None,
                grad * (t2 * v).conj() if need[1] else None,
                grad * (t1 * v).conj() if need[2] else None)


class Addcdiv(Op):
    node_name = "AddcdivBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, t1, t2, value=1):
        xp = xp_of(a)
        ctx.value = value
        ctx.save_for_backward(t1, t2)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            try:
                return a + _lift(value, a.dtype, xp) * (t1 / t2)
            except ValueError:
                raise _ternary_broadcast_error(a.shape, t1.shape, t2.shape) from None

    @staticmethod
    def backward(ctx, grad):
        t1, t2 = ctx.saved_tensors
        v = ctx.value
        need = ctx.needs_input_grad
        return (grad if need[0] else None,
                grad * (v / t2).conj() if need[1] else None,
                -grad * (v * t1 / (t2 * t2)).conj() if need[2] else None)


def _ternary_broadcast_error(*shapes):
    s = shapes[0]
    for t in shapes[1:]:
        if not _broadcasts(s, t):
            return broadcast_error(s, t)
        s = np.broadcast_shapes(s, t)
    return RuntimeError("shapes cannot be broadcast")


def addcmul(input, tensor1, tensor2, *, value=1, out=None):
    """``torch.addcmul``: ``input + value * tensor1 * tensor2``."""
    if isinstance(value, complex) and not any(t._dtype.is_complex for t in (input, tensor1, tensor2)):
        raise RuntimeError(f"value cannot be converted to type "
                           f"{'double' if input._dtype is D.float64 else 'float'} without overflow")
    return _finish(Addcmul.apply(input, tensor1, tensor2, value=value), out, "addcmul")


def addcdiv(input, tensor1, tensor2, *, value=1, out=None):
    """``torch.addcdiv``: ``input + value * tensor1 / tensor2`` (integer division is rejected)."""
    if tensor1._dtype._category < 2 and tensor2._dtype._category < 2:
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
            "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
            "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
            "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
            "addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
            "tensor2), for all dtypes.")
    return _finish(Addcdiv.apply(input, tensor1, tensor2, value=value), out, "addcdiv")


_export("lerp", "addcmul", "addcdiv")


# ---------------------------------------------------------------------- conj
class Conj(Op):
    node_name = "ConjBackward0"

    @staticmethod
    def forward(ctx, x):
        return x.conj()

    @staticmethod
    def backward(ctx, grad):
        return grad.conj()


def conj(input):
    """``torch.conj``: the input itself for real tensors, the conjugate for complex ones."""
    if not input._dtype.is_complex:
        return input
    return Conj.apply(input)


_export("conj")


# ---------------------------------------------------------------------- fill_ and zero_
class FillScalar(Op):
    node_name = "FillBackward2"

    @staticmethod
    def forward(ctx, x, value=0):
        xp = xp_of(x)
        return xp.full(x.shape, _lift(value, x.dtype, xp), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like(grad)


class FillTensor(Op):
    node_name = "FillBackward3"

    @staticmethod
    def forward(ctx, x, v):
        xp = xp_of(x)
        return xp.full(x.shape, v.astype(x.dtype) if hasattr(v, "astype") else v, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        need = ctx.needs_input_grad
        return (_zeros_like(grad) if need[0] else None, grad.sum() if need[1] else None)


class Zero(Op):
    node_name = "ZeroBackward0"

    @staticmethod
    def forward(ctx, x):
        return xp_of(x).zeros_like(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like(grad)


@tensor_method()
def fill_(self, value):
    """``Tensor.fill_``: a Python number (FillBackward2) or a 0-dim tensor (FillBackward3)."""
    if isinstance(value, Tensor):
        if value._data.ndim != 0:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{value._data.ndim} dimensions.")
        return apply_inplace(FillTensor, self, (value,), {})
    return apply_inplace(FillScalar, self, (), {"value": value})


@tensor_method()
def zero_(self):
    """``Tensor.zero_``: fill with zeros in place (ZeroBackward0)."""
    return apply_inplace(Zero, self, (), {})


_export("fill_", "zero_")


# ---------------------------------------------------------------------- in-place forms
def _broadcast_check(self, operands):
    shapes = [self._data.shape] + [o._data.shape for o in operands if isinstance(o, Tensor)]
    if len(shapes) == 1:
        return
    s = shapes[0]
    for t in shapes[1:]:
        if not _broadcasts(s, t):
            raise broadcast_error(s, t)
        s = np.broadcast_shapes(s, t)
    if s != self._data.shape:
        raise RuntimeError(f"output with shape {list(self._data.shape)} doesn't match the "
                           f"broadcast shape {list(s)}")


def _inplace(self, cls, operands=(), kwargs=None, float_result=False, check=True):
    """Run ``cls`` on ``self`` and ``operands`` and write the result into ``self``, with
    PyTorch's checks: the result dtype must cast to self's, and the broadcast shape be self's."""
    if check:
        _check_cast(_result_dtype((self,) + tuple(operands), float_result), self._dtype)
    _broadcast_check(self, operands)
    return apply_inplace(cls, self, tuple(operands), kwargs or {})


def _fast_inplace(self, other, ufunc, alpha=1):
    """``self.op_(other)`` computed straight into ``self``'s memory, or None when the general
    path is needed.  Taken for a dense float32/float64 NumPy tensor and a same-dtype tensor or a
    Python number, with no graph to record (optimizer updates): NumPy's ``out=`` gives the
    general path's values (it buffers overlapping operands) without the temporary result and
    the copy back.  ``alpha`` scales ``other`` first, rounded, as the general path does."""
    x = self._data
    dt = self._dtype
    if dt not in _FAST_FLOAT or x.__class__ is not _ndarray or not x.flags.writeable or \
            not (x.flags.c_contiguous or x.flags.f_contiguous):
        return None
    oc = other.__class__
    if oc is Tensor or isinstance(other, Tensor):
        if other._dtype is not dt or other._data.__class__ is not _ndarray:
            return None
        if _state.grad_enabled and (self._requires_grad or other._requires_grad):
            return None
        y = other._data
    elif (oc is float or oc is int) and -3e38 < other < 3e38:
        if _state.grad_enabled and self._requires_grad:
            return None
        y = x.dtype.type(other)
    else:
        return None
    if alpha.__class__ is not int and alpha.__class__ is not float:
        return None
    token = _quiet()
    try:
        if alpha != 1:
            y = y * x.dtype.type(alpha)
        ufunc(x, y, out=x)
    except ValueError:      # not broadcastable to self's shape: the general path says why
        return None
    finally:
        _loud(token)
    self._bump_version()
    return self


def add_(self, other, *, alpha=1):
    if _fast_inplace(self, other, _np_add, alpha) is not None:
        return self
    _check_alpha(self, other, alpha)
    return _inplace(self, Add, (other,), {"alpha": alpha} if alpha != 1 else {})


def sub_(self, other, *, alpha=1):
    if _fast_inplace(self, other, _np_subtract, alpha) is not None:
        return self
    _check_bool_sub(self, other)
    _check_alpha(self, other, alpha)
    return _inplace(self, Sub, (other,), {"alpha": alpha} if alpha != 1 else {})


def mul_(self, other):
    if _fast_inplace(self, other, _np_multiply) is not None:
        return self
    return _inplace(self, Mul, (other,))


def div_(self, other, *, rounding_mode=None):
    if rounding_mode is None and _fast_inplace(self, other, _np_true_divide) is not None:
        return self
    if rounding_mode is None:
        return _inplace(self, Div, (other,), float_result=True)
    if rounding_mode not in ("trunc", "floor"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")
    return _inplace(self, DivRounding, (other,), {"rounding_mode": rounding_mode})


def true_divide_(self, other):
    return div_(self, other)


def floor_divide_(self, other):
    return _inplace(self, FloorDivide, (other,))


def remainder_(self, other):
    return _inplace(self, RemainderTensor if isinstance(other, Tensor) else RemainderScalar, (other,))


def fmod_(self, other):
    return _inplace(self, FmodTensor if isinstance(other, Tensor) else FmodScalar, (other,))


def pow_(self, exponent):
    if isinstance(exponent, Tensor):
        return _inplace(self, PowTensor, (exponent,))
    if self._dtype._category <= 1 and isinstance(exponent, int) and \
            not isinstance(exponent, bool) and exponent < 0:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return _inplace(self, PowScalarExp, (exponent,))


def float_power_(self, exponent):
    cplx = (isinstance(exponent, Tensor) and exponent._dtype.is_complex) or \
        isinstance(exponent, complex) or self._dtype.is_complex
    want = D.complex128 if cplx else D.float64
    if self._dtype is not want:
        raise RuntimeError(f"the base given to float_power_ has dtype {_scalar_type_name(self._dtype)}"
                           f" but the operation's result requires dtype {_scalar_type_name(want)}")
    e = exponent.to(want) if isinstance(exponent, Tensor) else exponent
    return pow_(self, e)


def square_(self):
    return pow_(self, 2)


def _binary_inplace(cls_for, float_result=False, tensor_only=None):
    def method(self, other):
        if tensor_only:
            _require_tensors(tensor_only, self, other, method=True)
        return _inplace(self, cls_for(other), (other,), float_result=float_result)
    return method


def _unary_inplace(cls, name):
    def method(self):
        if cls.float_only:
            _check_cast(_result_dtype((self,), True), self._dtype)
        return _inplace(self, cls, check=False)
    method.__name__ = method.__qualname__ = name
    return method


def round_(self, *, decimals=None):
    if decimals is None:
        return _inplace(self, RoundOp, check=False)
    return _inplace(self, RoundDecimals, (), {"decimals": decimals}, check=False)


def logit_(self, eps=None):
    _check_cast(_result_dtype((self,), True), self._dtype)
    return _inplace(self, LogitOp, (), {} if eps is None else {"eps": eps}, check=False)


def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
    if self._dtype is D.bfloat16:
        big = 3.3895313892515355e38
        posinf = big if posinf is None else posinf
        neginf = -big if neginf is None else neginf
    return _inplace(self, NanToNumOp, (), {"nan": nan, "posinf": posinf, "neginf": neginf},
                    check=False)


_C_TYPE = {"int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
           "uint8": "unsigned char", "bool": "bool"}


def _clamp_inplace(scalar_cls, tensor_cls):
    def method(self, min=None, max=None):
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        if isinstance(min, Tensor) or isinstance(max, Tensor):
            _check_cast(_result_dtype((self, min, max)), self._dtype)
            _broadcast_check(self, (min, max))
            return apply_inplace(tensor_cls, self, (min, max), {})
        rt = _result_dtype((self, min, max))
        if rt._category > self._dtype._category:
            raise RuntimeError(f"result type {_scalar_type_name(rt)} can't be cast to the desired "
                               f"output type {_C_TYPE.get(self._dtype.name, _scalar_type_name(self._dtype))}")
        kw = {k: v for k, v in (("min", min), ("max", max)) if v is not None}
        return apply_inplace(scalar_cls, self, (), kw)
    return method


def _fast_ternary(self, t1, t2, scalar, kind):
    """``lerp_`` / ``addcmul_`` / ``addcdiv_`` with a Python-number weight or value, computed
    with the general path's operations and roundings but written straight into ``self`` (the
    Adam update), or None when the general path is needed (same conditions as
    ``_fast_inplace``)."""
    x = self._data
    dt = self._dtype
    if dt not in _FAST_FLOAT or x.__class__ is not _ndarray or not x.flags.writeable or \
            not (x.flags.c_contiguous or x.flags.f_contiguous):
        return None
    if scalar.__class__ is not float and scalar.__class__ is not int:
        return None
    grad_on = _state.grad_enabled
    if grad_on and self._requires_grad:
        return None
    for o in (t1, t2) if t2 is not None else (t1,):
        if not isinstance(o, Tensor) or o._dtype is not dt or o._data.__class__ is not _ndarray \
                or (grad_on and o._requires_grad):
            return None
    if not -3e38 < scalar < 3e38:
        return None
    v = x.dtype.type(scalar)
    token = _quiet()
    try:
        if kind == "lerp":      # self + weight * (end - self)
            d = t1._data - x
        elif kind == "addcmul":     # self + value * (t1 * t2)
            d = t1._data * t2._data
        else:                       # self + value * (t1 / t2)
            d = t1._data / t2._data
        if d.shape != x.shape and np.broadcast_shapes(d.shape, x.shape) != x.shape:
            return None
        d = _np_multiply(v, d, out=d) if d.__class__ is _ndarray and d.ndim else v * d
        _np_add(x, d, out=x)
    except ValueError:
        return None
    finally:
        _loud(token)
    self._bump_version()
    return self


def lerp_(self, end, weight):
    if _fast_ternary(self, end, None, weight, "lerp") is not None:
        return self
    if not isinstance(weight, Tensor):
        lerp(self, end, weight)    # dtype checks
        _broadcast_check(self, (end,))
        return apply_inplace(LerpScalar, self, (end,), {"weight": weight})
    lerp(self, end, weight)
    _broadcast_check(self, (end, weight))
    return apply_inplace(LerpTensor, self, (end, weight), {})


def addcmul_(self, tensor1, tensor2, *, value=1):
    if _fast_ternary(self, tensor1, tensor2, value, "addcmul") is not None:
        return self
    return _inplace(self, Addcmul, (tensor1, tensor2), {"value": value})


def addcdiv_(self, tensor1, tensor2, *, value=1):
    if _fast_ternary(self, tensor1, tensor2, value, "addcdiv") is not None:
        return self
    if tensor1._dtype._category < 2 and tensor2._dtype._category < 2:
        addcdiv(self, tensor1, tensor2)
    return _inplace(self, Addcdiv, (tensor1, tensor2), {"value": value})


def _comparison_inplace_op(base, suffix):
    """``self.eq_(other)``: the comparison written back in self's dtype.  PyTorch records it
    (EqBackward0 for a number, EqBackward1 for a tensor) with a zero gradient."""
    def forward(ctx, a, b, dtype=None):
        a2 = a.astype(dtype) if a.dtype != dtype else a
        if _is_array(b) and b.dtype != dtype:
            b = b.astype(dtype)
        xp, a2, b = _pair(a2, b)
        return base.compute(xp, a2, b).astype(a.dtype)

    def backward(ctx, grad):
        need = ctx.needs_input_grad
        return (_zeros_like(grad) if need[0] else None,
                None if len(need) < 2 or not need[1] else _zeros_like(grad))

    return type(base.__name__ + "Inplace" + suffix, (Op,), {
        "node_name": base.__name__ + "Backward" + suffix, "forward": staticmethod(forward),
        "backward": staticmethod(backward), "__module__": __name__})


def _bool_inplace(cls, name, tensor_only=False):
    by_scalar, by_tensor = _comparison_inplace_op(cls, "0"), _comparison_inplace_op(cls, "1")

    def method(self, other):
        if tensor_only:
            _require_tensors(name, self, other, method=True)
        _broadcast_check(self, (other,))
        dt = _result_dtype((self, other)).np_dtype
        op = by_tensor if isinstance(other, Tensor) else by_scalar
        return apply_inplace(op, self, (other,), {"dtype": dt})
    method.__name__ = method.__qualname__ = name
    return method


# ---------------------------------------------------------------------- Tensor methods
for _name in __all__:
    if _name not in ("fill_", "zero_", "isclose", "allclose", "equal", "positive", "rsub"):
        setattr(Tensor, _name, globals()[_name])
Tensor.isclose, Tensor.allclose, Tensor.equal = isclose, allclose, equal


def _tensor_only_method(fn, name):
    def method(self, other, *, out=None):
        _require_tensors(name, self, other, method=True)
        return fn(self, other, out=out)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = fn.__doc__
    return method


for _name in _TENSOR_ONLY:
    setattr(Tensor, _name, _tensor_only_method(globals()[_name], _name))
Tensor.positive = positive
Tensor.sgn = sgn
for _alias, _target in (("arcsin", asin), ("arccos", acos), ("arctan", atan), ("arcsinh", asinh),
                        ("arccosh", acosh), ("arctanh", atanh)):
    globals()[_alias] = _target
    setattr(Tensor, _alias, _target)
    _export(_alias)

_INPLACE = {
    "add_": add_, "sub_": sub_, "subtract_": sub_, "mul_": mul_, "multiply_": mul_, "div_": div_,
    "divide_": div_, "true_divide_": true_divide_, "floor_divide_": floor_divide_,
    "remainder_": remainder_, "fmod_": fmod_, "pow_": pow_, "float_power_": float_power_,
    "square_": square_, "round_": round_, "logit_": logit_, "nan_to_num_": nan_to_num_,
    "clamp_": _clamp_inplace(ClampScalar, ClampTensor),
    "clamp_min_": _clamp_inplace(ClampMinScalar, ClampMinTensor),
    "lerp_": lerp_, "addcmul_": addcmul_, "addcdiv_": addcdiv_,
    "atan2_": _binary_inplace(lambda o: Atan2, True, "atan2_"),
    "hypot_": _binary_inplace(lambda o: Hypot, False, "hypot_"),
    "xlogy_": _binary_inplace(lambda o: Xlogy if isinstance(o, Tensor) else XlogyScalarOther, True),
    "copysign_": _binary_inplace(lambda o: CopysignTensor if isinstance(o, Tensor) else
                                 CopysignScalar, True),
}
_clamp_max_inplace = _clamp_inplace(ClampMaxScalar, ClampMaxTensor)
_INPLACE["clamp_max_"] = lambda self, max: _clamp_max_inplace(self, None, max)
_clamp_min_inplace = _INPLACE["clamp_min_"]
_INPLACE["clamp_min_"] = lambda self, min: _clamp_min_inplace(self, min, None)
_INPLACE["clip_"] = _INPLACE["clamp_"]
_INPLACE["arctan2_"] = _INPLACE["atan2_"]
for _name, _cls in (("eq_", EQ), ("ne_", NE), ("lt_", LT), ("le_", LE), ("gt_", GT), ("ge_", GE),
                    ("greater_", GT), ("less_", LT), ("greater_equal_", GE), ("less_equal_", LE),
                    ("not_equal_", NE)):
    _INPLACE[_name] = _bool_inplace(_cls, _name)
for _name, _cls in (("logical_and_", LogicalAnd), ("logical_or_", LogicalOr),
                    ("logical_xor_", LogicalXor)):
    _INPLACE[_name] = _bool_inplace(_cls, _name, tensor_only=True)
for _name, _cls in (("bitwise_and_", BitwiseAnd), ("bitwise_or_", BitwiseOr),
                    ("bitwise_xor_", BitwiseXor), ("bitwise_left_shift_", LeftShift),
                    ("bitwise_right_shift_", RightShift)):
    _INPLACE[_name] = _binary_inplace(lambda o, c=_cls: c)
for _name, (_cls, _fn) in _UNARY_FUNCS.items():
    if _name in ("asinh", "acosh", "atanh"):
        # PyTorch has no derivative for these in-place forms (the node is ...Backward1)
        def _no_derivative(ctx, grad, *saved, _n=_name):
            raise NotImplementedError(f"the derivative for 'inplace version of {_n}' is not "
                                      "implemented.")
        _cls = type(_cls.__name__ + "Inplace", (_cls,), {
            "node_name": _cls.node_name[:-1] + "1", "derivative": staticmethod(_no_derivative),
            "__module__": __name__})
    _INPLACE[_name + "_"] = _unary_inplace(_cls, _name + "_")
_INPLACE["logical_not_"] = lambda self: self.copy_(logical_not(self))
_INPLACE["bitwise_not_"] = lambda self: apply_inplace(BitwiseNotOp, self, (), {})
for _alias, _target in (("arcsin_", "asin_"), ("arccos_", "acos_"), ("arctan_", "atan_"),
                        ("arcsinh_", "asinh_"), ("arccosh_", "acosh_"), ("arctanh_", "atanh_"),
                        ("fix_", "trunc_"), ("negative_", "neg_"), ("absolute_", "abs_")):
    _INPLACE[_alias] = _INPLACE[_target]
for _name, _fn in _INPLACE.items():
    if not getattr(_fn, "__name__", "").endswith("_"):
        try:
            _fn.__name__ = _fn.__qualname__ = _name
        except AttributeError:
            pass
    setattr(Tensor, _name, _fn)

# PyTorch also has most unary in-place forms as ``torch.<name>_``
for _name in ("exp_", "exp2_", "expm1_", "log_", "log2_", "log10_", "log1p_", "sqrt_", "rsqrt_",
              "sin_", "cos_", "tan_", "asin_", "acos_", "atan_", "sinh_", "cosh_", "tanh_",
              "asinh_", "acosh_", "atanh_", "arcsin_", "arccos_", "arctan_", "arcsinh_",
              "arccosh_", "arctanh_", "sigmoid_", "erf_", "erfc_", "erfinv_", "floor_", "ceil_",
              "trunc_", "fix_", "frac_", "round_", "reciprocal_", "neg_", "negative_", "abs_",
              "absolute_", "relu_", "deg2rad_", "rad2deg_", "square_", "logit_", "clamp_",
              "clip_", "clamp_min_", "clamp_max_", "nan_to_num_", "xlogy_"):
    globals()[_name] = _INPLACE[_name]
    _export(_name)


# ---------------------------------------------------------------------- Python operators
_OPERAND_TYPES = (Tensor, int, float, bool, complex, np.number, np.bool_)


def _forward_op(fn):
    def method(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return fn(self, other)
    return method


def _reflected(fn):
    def method(self, other):
        if not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return fn(other, self)
    return method


def _rsub_operator(self, other):
    if not isinstance(other, _OPERAND_TYPES):
        return NotImplemented
    return rsub(self, other)


def _rtruediv_operator(self, other):
    # PyTorch computes ``number / tensor`` as ``tensor.reciprocal() * number`` (MulBackward0)
    if not isinstance(other, _OPERAND_TYPES):
        return NotImplemented
    return mul(reciprocal(self), other)


def _pos_operator(self):
    return positive(self)


def _ipow(self, other):
    return pow_(self, other)


# Fast operators.  ``a + b`` on two tensors of one common dtype (or a float tensor and a Python
# number) is most of what model code does; the general path (argument checks, promotion,
# ``Op.apply``, ``out=``) costs several times the NumPy add itself on small tensors.  For these
# dtypes NumPy's same-dtype result is PyTorch's, so with no graph to record the operator
# computes directly; with a graph it goes straight to ``Op.apply``.
_FAST_DTYPES = frozenset((D.float32, D.float64, D.int64, D.int32))


def _fast_operator(ufunc, cls, slow, float_only=False):
    ok = _FAST_FLOAT if float_only else _FAST_DTYPES

    def method(self, other):
        oc = other.__class__
        dt = self._dtype
        if oc is Tensor or isinstance(other, Tensor):
            if other._dtype is dt and dt in ok:
                x = self._data
                y = other._data
                if x.__class__ is _ndarray and y.__class__ is _ndarray:
                    if (self._requires_grad or other._requires_grad) and _state.grad_enabled:
                        return slow(self, other) if cls is None else cls.apply(self, other)
                    token = _quiet()
                    try:
                        out = ufunc(x, y)
                    except ValueError:
                        raise broadcast_error(x.shape, y.shape) from None
                    finally:
                        _loud(token)
                    return Tensor._make(out, dt)
        elif (oc is float or oc is int) and dt in _FAST_FLOAT and -3e38 < other < 3e38:
            x = self._data
            if x.__class__ is _ndarray and not (self._requires_grad and _state.grad_enabled):
                token = _quiet()
                try:
                    out = ufunc(x, x.dtype.type(other))
                finally:
                    _loud(token)
                return Tensor._make(out, dt)
        elif not isinstance(other, _OPERAND_TYPES):
            return NotImplemented
        return slow(self, other)
    method.__name__ = slow.__name__
    return method


# NumPy scalars and arrays on the left defer to the tensor's reflected operators
Tensor.__array_priority__ = 1000
Tensor.__add__ = _fast_operator(np.add, Add, add)
Tensor.__radd__ = _reflected(add)
Tensor.__sub__ = _fast_operator(np.subtract, Sub, sub)
Tensor.__rsub__ = _rsub_operator
Tensor.__mul__ = _fast_operator(np.multiply, Mul, mul)
Tensor.__rmul__ = _reflected(mul)
Tensor.__truediv__ = _fast_operator(np.true_divide, None, div, float_only=True)
Tensor.__rtruediv__ = _rtruediv_operator
Tensor.__floordiv__ = _forward_op(floor_divide)
Tensor.__rfloordiv__ = _reflected(floor_divide)
Tensor.__mod__ = _forward_op(remainder)
Tensor.__rmod__ = _reflected(remainder)
Tensor.__pow__ = _forward_op(pow)
Tensor.__rpow__ = _reflected(pow)
Tensor.__and__ = _forward_op(bitwise_and)
Tensor.__rand__ = _reflected(bitwise_and)
Tensor.__or__ = _forward_op(bitwise_or)
Tensor.__ror__ = _reflected(bitwise_or)
Tensor.__xor__ = _forward_op(bitwise_xor)
Tensor.__rxor__ = _reflected(bitwise_xor)
Tensor.__lshift__ = _forward_op(bitwise_left_shift)
Tensor.__rlshift__ = _reflected(bitwise_left_shift)
Tensor.__rshift__ = _forward_op(bitwise_right_shift)
Tensor.__rrshift__ = _reflected(bitwise_right_shift)
Tensor.__neg__ = neg
Tensor.__abs__ = abs
Tensor.__pos__ = _pos_operator
def _invert_operator(self):
    if self._dtype._category >= 2:
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type "
                        "tensors")
    return bitwise_not(self)


Tensor.__invert__ = _invert_operator
Tensor.__eq__ = _forward_op(eq)
Tensor.__ne__ = _forward_op(ne)
Tensor.__lt__ = _forward_op(lt)
Tensor.__le__ = _forward_op(le)
Tensor.__gt__ = _forward_op(gt)
Tensor.__ge__ = _forward_op(ge)
Tensor.__hash__ = lambda self: id(self)
Tensor.__iadd__ = add_
Tensor.__isub__ = sub_
Tensor.__imul__ = mul_
Tensor.__itruediv__ = div_
Tensor.__ifloordiv__ = floor_divide_
Tensor.__imod__ = remainder_
Tensor.__ipow__ = _ipow
Tensor.__iand__ = _INPLACE["bitwise_and_"]
Tensor.__ior__ = _INPLACE["bitwise_or_"]
Tensor.__ixor__ = _INPLACE["bitwise_xor_"]
Tensor.__ilshift__ = _INPLACE["bitwise_left_shift_"]
Tensor.__irshift__ = _INPLACE["bitwise_right_shift_"]
# PyTorch keeps the Python 2 names too
Tensor.__div__, Tensor.__rdiv__, Tensor.__idiv__ = (Tensor.__truediv__, Tensor.__rtruediv__,
                                                    Tensor.__itruediv__)
