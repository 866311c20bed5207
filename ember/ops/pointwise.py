"""Pointwise operators: arithmetic, comparisons, unary math, and their in-place forms.

Most unary functions are one line in the table at the bottom: a forward on the
array module and a derivative written with Ember ops (so second derivatives work).
Binary ops promote their operands with PyTorch's rules (``promote = True``)
before the forward runs; the engine sums gradients back over broadcast dims.
"""

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, tensor_method
from ..autograd.function import Op, apply_inplace
from ._util import broadcast_error, xp_of

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide", "neg",
           "negative", "pow", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "abs", "absolute",
           "eq", "ne", "lt", "le", "gt", "ge", "greater", "less", "greater_equal",
           "less_equal", "not_equal"]


def _binary(fn, a, b):
    """Apply ``fn``, turning NumPy's broadcasting ValueError into PyTorch's RuntimeError."""
    try:
        return fn(a, b)
    except ValueError:
        raise broadcast_error(np.shape(a), np.shape(b)) from None


def _float_array(x):
    """Integer and bool arrays become the default float dtype (as PyTorch's float ops do)."""
    if x.dtype.kind in "biu":
        return x.astype(D.get_default_dtype().np_dtype)
    return x


# ---------------------------------------------------------------------- arithmetic
class Add(Op):
    node_name = "AddBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if alpha != 1:
            return _binary(lambda x, y: x + y * alpha, a, b)
        return _binary(np.add if a.__class__ is np.ndarray else lambda x, y: x + y, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha)


class Sub(Op):
    node_name = "SubBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        if a.dtype == np.bool_ if hasattr(a, "dtype") else False:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        if alpha != 1:
            return _binary(lambda x, y: x - y * alpha, a, b)
        return _binary(lambda x, y: x - y, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha)


class RSub(Sub):
    node_name = "RsubBackward1"


class Mul(Op):
    node_name = "MulBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary(lambda x, y: x * y, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad * b.conj() if ctx.needs_input_grad[0] else None
        gb = grad * a.conj() if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Op):
    node_name = "DivBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, b, rounding_mode=None):
        ctx.save_for_backward(a, b)
        ctx.rounding_mode = rounding_mode
        if rounding_mode is None:
            if getattr(a, "dtype", np.float64).kind in "biu" and getattr(b, "dtype", np.float64).kind in "biu":
                a = _float_array(a)
            elif hasattr(b, "dtype") and b.dtype.kind in "biu" and not hasattr(a, "dtype") and \
                    isinstance(a, (int, bool)):
                b = _float_array(b)
            with np.errstate(divide="ignore", invalid="ignore"):
                return _binary(lambda x, y: x / y, a, b)
        with np.errstate(divide="ignore", invalid="ignore"):
            if rounding_mode == "trunc":
                q = _binary(lambda x, y: x / y, a, b)
                xp = xp_of(q)
                if q.dtype.kind in "fc":
                    q = xp.trunc(q)
                    out_kind = np.result_type(a, b).kind if hasattr(a, "dtype") and hasattr(b, "dtype") else q.dtype.kind
                    if out_kind in "iu":
                        return _int_trunc_div(a, b)
                return q
            if rounding_mode == "floor":
                xp = xp_of(a if hasattr(a, "dtype") else b)
                return _binary(lambda x, y: xp.floor_divide(x, y), a, b)
        raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but "
                           f"found '{rounding_mode}'")

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        if ctx.rounding_mode is not None:
            return (grad * 0 if ctx.needs_input_grad[0] else None,
                    grad * 0 if ctx.needs_input_grad[1] else None)
        ga = grad / b.conj() if ctx.needs_input_grad[0] else None
        gb = -grad * a.conj() / (b * b).conj() if ctx.needs_input_grad[1] else None
        return ga, gb


def _int_trunc_div(a, b):
    xp = xp_of(a)
    q = xp.abs(a) // xp.abs(b)
    return xp.where((a < 0) ^ (b < 0), -q, q)


class Neg(Op):
    node_name = "NegBackward0"

    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. If "
                               "you are trying to invert a mask, use the `~` or `logical_not()` "
                               "operator instead.")
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Op):
    node_name = "PowBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if not hasattr(b, "dtype") and hasattr(a, "dtype") and a.dtype.kind in "iu" and \
                isinstance(b, int) and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _binary(lambda x, y: x ** y, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # d/da a**b = b * a**(b-1); where b == 0 the gradient is 0 (PyTorch's masked form)
            ga = grad * b * a.pow(b - 1)
            ga = ga.masked_fill(b == 0, 0) if ctx.needs_input_grad[0] else ga
        if ctx.needs_input_grad[1]:
            out = a.pow(b)
            gb = grad * out * a.log()
            gb = gb.masked_fill((a == 0) & (b >= 0), 0)
        return ga, gb


def _scalar_exponent_pow(ctx_name):
    """``x ** c`` for a Python number ``c`` is PowBackward0 with a scalar exponent."""


class PowScalarExp(Op):
    node_name = "PowBackward0"

    @staticmethod
    def forward(ctx, a, exponent=None):
        ctx.save_for_backward(a)
        ctx.exponent = exponent
        if a.dtype.kind in "biu" and isinstance(exponent, int) and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if exponent == 2:
                return a * a
            return a ** exponent

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        e = ctx.exponent
        if e == 0:
            return grad * 0
        if e == 1:
            return grad.clone()
        if e == 2:
            return grad * (a * 2)
        return grad * (a.pow(e - 1) * e)


class PowScalarBase(Op):
    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, base, b):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = base ** b
        ctx.save_for_backward(out)
        ctx.base = base
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        import math
        return None, grad * out * math.log(ctx.base) if ctx.base > 0 else grad * out * float("nan")


# ---------------------------------------------------------------------- public functions
def add(input, other, *, alpha=1, out=None):
    """``torch.add``: ``input + alpha * other``."""
    if out is not None:
        return _out(out, Add.apply(input, other, alpha=alpha) if alpha != 1 else Add.apply(input, other))
    if alpha != 1:
        return Add.apply(input, other, alpha=alpha)
    return Add.apply(input, other)


def sub(input, other, *, alpha=1, out=None):
    """``torch.sub``: ``input - alpha * other``."""
    r = Sub.apply(input, other, alpha=alpha) if alpha != 1 else Sub.apply(input, other)
    return r if out is None else _out(out, r)


subtract = sub


def mul(input, other, *, out=None):
    r = Mul.apply(input, other)
    return r if out is None else _out(out, r)


multiply = mul


def div(input, other, *, rounding_mode=None, out=None):
    """``torch.div``: true division, or ``rounding_mode='trunc'``/``'floor'``."""
    r = Div.apply(input, other) if rounding_mode is None else \
        Div.apply(input, other, rounding_mode=rounding_mode)
    return r if out is None else _out(out, r)


divide = div


def true_divide(input, other, *, out=None):
    return div(input, other, out=out)


def neg(input, *, out=None):
    r = Neg.apply(input)
    return r if out is None else _out(out, r)


negative = neg


def pow(input, exponent, *, out=None):
    """``torch.pow``: tensor or Python-number base and exponent."""
    if not isinstance(input, Tensor):
        r = PowScalarBase.apply(input, exponent)
    elif isinstance(exponent, Tensor):
        r = Pow.apply(input, exponent)
    else:
        dt = D.result_type_of((input, exponent))
        x = input if dt is input._dtype else input.to(dt)
        r = PowScalarExp.apply(x, exponent=exponent)
    return r if out is None else _out(out, r)


def _out(out, result):
    """Write ``result`` into the ``out=`` tensor (resizing it as PyTorch does)."""
    if out.shape != result.shape:
        out.resize_(result.shape)
    out.copy_(result)
    return out


# ---------------------------------------------------------------------- unary table
def _unary_op(name, forward, backward, save="input", float_only=True, node=None, dtype_keep=False):
    """Make the Op class and public function of a unary pointwise function.

    ``backward(grad, saved)`` gets the saved input (``save='input'``) or output
    (``save='output'``) as an Ember tensor.
    """
    node_name = node or (name[0].upper() + name[1:].replace("_", "") + "Backward0")

    def fwd(ctx, x):
        if float_only:
            x = _float_array(x)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = forward(xp_of(x), x)
        if save == "input":
            ctx.save_for_backward(x)
        elif save == "output":
            ctx.save_for_backward(y)
        return y

    def bwd(ctx, grad):
        if save is None:
            return backward(grad, None)
        (s,) = ctx.saved_tensors
        return backward(grad, s)

    cls = type(name.capitalize(), (Op,), {"node_name": node_name, "forward": staticmethod(fwd),
                                          "backward": staticmethod(bwd),
                                          "__module__": __name__})

    def function(input, *, out=None):
        r = cls.apply(input)
        return r if out is None else _out(out, r)

    function.__name__ = name
    function.__qualname__ = name
    function.__doc__ = f"``torch.{name}`` (elementwise)."
    return cls, function


def _abs_forward(xp, x):
    if x.dtype == np.bool_:
        return x.copy()
    return xp.abs(x)


Exp, exp = _unary_op("exp", lambda xp, x: xp.exp(x), lambda g, y: g * y.conj(), save="output")
Log, log = _unary_op("log", lambda xp, x: xp.log(x), lambda g, x: g / x.conj())
Sqrt, sqrt = _unary_op("sqrt", lambda xp, x: xp.sqrt(x), lambda g, y: g / (y.conj() * 2), save="output")
Tanh, tanh = _unary_op("tanh", lambda xp, x: xp.tanh(x), lambda g, y: g * (1 - y * y).conj(), save="output")
Sigmoid, sigmoid = _unary_op("sigmoid", lambda xp, x: _sigmoid(xp, x),
                             lambda g, y: g * (y * (1 - y)).conj(), save="output")
Relu, relu = _unary_op("relu", lambda xp, x: xp.maximum(x, 0).astype(x.dtype, copy=False) if x.dtype != np.bool_ else x.copy(),
                       lambda g, y: g * (y > 0), save="output", float_only=False)
Abs, abs = _unary_op("abs", _abs_forward, lambda g, x: g * x.sgn(), float_only=False)
absolute = abs


def _sigmoid(xp, x):
    # 1 / (1 + exp(-x)) without overflow warnings for large |x|
    return (1 / (1 + xp.exp(-x))).astype(x.dtype, copy=False)


# ---------------------------------------------------------------------- comparisons
class _Compare(Op):
    """Comparison ops: bool result, no gradient."""

    promote = True
    ufunc = None

    @classmethod
    def forward(cls, ctx, a, b):
        return _binary(cls.ufunc, a, b)


def _compare(name, ufunc):
    cls = type(name.upper(), (_Compare,), {"ufunc": staticmethod(ufunc), "forward": classmethod(
        lambda cls, ctx, a, b: _binary(ufunc, a, b)), "__module__": __name__})

    def function(input, other, *, out=None):
        with _no_record():
            r = cls.apply(input, other)
        return r if out is None else _out(out, r)

    function.__name__ = name
    return cls, function


class _no_record:
    __slots__ = ("prev",)

    def __enter__(self):
        from ..autograd.grad_mode import state
        self.prev = state.grad_enabled
        state.grad_enabled = False

    def __exit__(self, *exc):
        from ..autograd.grad_mode import state
        state.grad_enabled = self.prev


EQ, eq = _compare("eq", np.equal)
NE, ne = _compare("ne", np.not_equal)
LT, lt = _compare("lt", np.less)
LE, le = _compare("le", np.less_equal)
GT, gt = _compare("gt", np.greater)
GE, ge = _compare("ge", np.greater_equal)
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


# ---------------------------------------------------------------------- methods and operators
def _reflected(fn):
    def r(self, other):
        if not isinstance(other, (Tensor, int, float, bool, complex, np.number, np.bool_)):
            return NotImplemented
        return fn(other, self)
    return r


def _forward_op(fn):
    def f(self, other):
        if not isinstance(other, (Tensor, int, float, bool, complex, np.number, np.bool_)):
            return NotImplemented
        return fn(self, other)
    return f


def _rsub(self, other):
    if not isinstance(other, (Tensor, int, float, bool, complex, np.number)):
        return NotImplemented
    return RSub.apply(other, self)


def _inplace_method(cls, name):
    def method(self, other, **kwargs):
        return apply_inplace(cls, self, (other,), kwargs)
    method.__name__ = name
    return method


def _unary_inplace(cls, name):
    def method(self):
        return apply_inplace(cls, self, (), {})
    method.__name__ = name
    return method


for _name, _fn in {"add": add, "sub": sub, "subtract": sub, "mul": mul, "multiply": mul,
                   "div": div, "divide": div, "true_divide": true_divide, "neg": neg,
                   "negative": neg, "pow": pow, "exp": exp, "log": log, "sqrt": sqrt,
                   "tanh": tanh, "sigmoid": sigmoid, "relu": relu, "abs": abs,
                   "absolute": abs, "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt,
                   "ge": ge, "greater": gt, "less": lt, "greater_equal": ge,
                   "less_equal": le, "not_equal": ne}.items():
    setattr(Tensor, _name, _fn)

Tensor.__add__ = _forward_op(add)
Tensor.__radd__ = _reflected(add)
Tensor.__sub__ = _forward_op(sub)
Tensor.__rsub__ = _rsub
Tensor.__mul__ = _forward_op(mul)
Tensor.__rmul__ = _reflected(mul)
Tensor.__truediv__ = _forward_op(div)
Tensor.__rtruediv__ = _reflected(div)
Tensor.__pow__ = _forward_op(pow)
Tensor.__rpow__ = _reflected(pow)
Tensor.__neg__ = neg
Tensor.__abs__ = abs
Tensor.__pos__ = lambda self: self
Tensor.__eq__ = _forward_op(eq)
Tensor.__ne__ = _forward_op(ne)
Tensor.__lt__ = _forward_op(lt)
Tensor.__le__ = _forward_op(le)
Tensor.__gt__ = _forward_op(gt)
Tensor.__ge__ = _forward_op(ge)
Tensor.__hash__ = lambda self: id(self)


@tensor_method("add_")
def add_(self, other, *, alpha=1):
    return apply_inplace(Add, self, (other,), {"alpha": alpha} if alpha != 1 else {})


@tensor_method("sub_", "subtract_")
def sub_(self, other, *, alpha=1):
    return apply_inplace(Sub, self, (other,), {"alpha": alpha} if alpha != 1 else {})


@tensor_method("mul_", "multiply_")
def mul_(self, other):
    return apply_inplace(Mul, self, (other,), {})


@tensor_method("div_", "divide_", "true_divide_")
def div_(self, other, *, rounding_mode=None):
    if self._dtype._category < 2 and rounding_mode is None:
        from ..autograd.function import _check_cast
        _check_cast(D.get_default_dtype(), self._dtype)
    return apply_inplace(Div, self, (other,), {} if rounding_mode is None else
                         {"rounding_mode": rounding_mode})


@tensor_method("pow_")
def pow_(self, exponent):
    if isinstance(exponent, Tensor):
        return apply_inplace(Pow, self, (exponent,), {})
    return apply_inplace(PowScalarExp, self, (), {"exponent": exponent})


@tensor_method("neg_", "negative_")
def neg_(self):
    return apply_inplace(Neg, self, (), {})


for _cls, _name in ((Exp, "exp_"), (Log, "log_"), (Sqrt, "sqrt_"), (Tanh, "tanh_"),
                    (Sigmoid, "sigmoid_"), (Relu, "relu_"), (Abs, "abs_"), (Abs, "absolute_")):
    setattr(Tensor, _name, _unary_inplace(_cls, _name))

Tensor.__iadd__ = lambda self, other: add_(self, other)
Tensor.__isub__ = lambda self, other: sub_(self, other)
Tensor.__imul__ = lambda self, other: mul_(self, other)
Tensor.__itruediv__ = lambda self, other: div_(self, other)
Tensor.__ipow__ = lambda self, other: pow_(self, other)


class Conj(Op):
    node_name = "ConjBackward0"

    @staticmethod
    def forward(ctx, x):
        return x.conj()

    @staticmethod
    def backward(ctx, grad):
        return grad.conj()


@tensor_method()
def conj(input):
    """``torch.conj``: the input itself for real tensors, the conjugate for complex ones."""
    if not input._dtype.is_complex:
        return input
    return Conj.apply(input)


class Sgn(Op):
    node_name = "SgnBackward0"

    @staticmethod
    def forward(ctx, x):
        xp = xp_of(x)
        if x.dtype.kind == "c":
            a = xp.abs(x)
            with np.errstate(invalid="ignore", divide="ignore"):
                return xp.where(a == 0, 0, x / a).astype(x.dtype)
        if x.dtype == np.bool_:
            return x.copy()
        return xp.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


@tensor_method()
def sgn(input):
    """``torch.sgn``: sign for real tensors, ``x / |x|`` for complex."""
    return Sgn.apply(input)


__all__ += ["conj", "sgn"]
