"""Matrix products and matrix-shaped operators: ``mm``, ``matmul`` (``@``), ``bmm``,
the ``addmm`` family, ``dot``/``mv``/``outer``, ``einsum``, ``tensordot``, ``kron``,
``trace``, ``tril``/``triu``, ``diag``/``diag_embed``, ``cross``, ``cdist``, and the
top-level ``det``/``logdet``/``slogdet``/``inverse`` (decompositions live in
``ember/linalg.py``).

Products go to BLAS through ``xp.matmul`` in one call on the arrays as they are
(NumPy passes transposed layouts to BLAS without copying); a batch of matrices
times one matrix is folded into a single 2-D product when the batch is
contiguous, as PyTorch does.  float16 is multiplied in float32 and rounded back
(NumPy has no half-precision BLAS).  Backwards are written with these same
functions, so higher derivatives work.
"""

import math
import string
import warnings

import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, tensor_method, _scalar_type_name
from ..autograd import grad_mode
from ..autograd.function import Op, apply_inplace
from ._util import broadcast_error, wrap_dim, xp_of

__all__ = ["mm", "matmul", "bmm", "addmm", "addmv", "addr", "baddbmm", "addbmm", "dot", "vdot",
           "mv", "outer", "ger", "inner", "einsum", "tensordot", "kron", "trace", "tril", "triu",
           "diag", "diag_embed", "diagflat", "cross", "cdist", "chain_matmul", "det", "logdet",
           "slogdet", "inverse"]

# C++ type names PyTorch prints in "expected m1 and m2 to have the same dtype" errors
_CPP_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
              "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int",
              "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
              "bool": "bool", "complex64": "c10::complex<float>",
              "complex128": "c10::complex<double>"}


def _cpp(dt):
    return _CPP_NAMES.get(dt.name, dt.name)


def _sn(dt):
    return _scalar_type_name(dt)


def _prod(shape):
    n = 1
    for s in shape:
        n *= s
    return n


def _mT(t):
    return t.transpose(-1, -2)


def _mH(t):
    return t.transpose(-1, -2).conj()


def _const(arr, dtype=None):
    """A constant (no-grad) Ember tensor over ``arr``."""
    t = Tensor._make(arr)
    if dtype is not None and t._dtype is not dtype:
        t = t.to(dtype)
    return t


def _out(out, result):
    if out is None:
        return result
    from .pointwise import _out as write_out
    return write_out(out, result)


def _need_tensors(fname, *named):
    """PyTorch's TypeError for a non-tensor operand: ``(name, value)`` pairs in order."""
    for pos, (name, v) in enumerate(named, 1):
        if not isinstance(v, Tensor):
            raise TypeError(f"{fname}(): argument '{name}' (position {pos}) must be Tensor, not "
                            f"{type(v).__name__}")


def _no_bool(t, kernel):
    if t._dtype is D.bool:
        raise NotImplementedError(f"\"{kernel}\" not implemented for 'Bool'")


# ---------------------------------------------------------------------- array kernels
def _blas_ready(x):
    """Whether BLAS can read ``x``'s matrices in place: unit stride along the rows or along
    the columns.  Broadcast (stride-0) or step-sliced operands are not, and NumPy would fall
    back to its slow non-BLAS loop for them; those (only those) are copied first."""
    if x.ndim == 0 or x.size <= 1 or x.dtype.kind not in "fc":
        return True
    st, sh, item = x.strides, x.shape, x.itemsize
    if x.ndim == 1:
        return st[0] != 0
    if any(s == 0 and n > 1 for s, n in zip(st[:-2], sh[:-2])):
        return False
    rs, cs = st[-2], st[-1]
    return (cs == item or sh[-1] == 1) and rs >= sh[-1] * item or \
        (rs == item or sh[-2] == 1) and cs >= sh[-2] * item


def _amatmul(a, b):
    """``a @ b`` on arrays: one BLAS call, batch-of-matrices @ matrix folded into one GEMM."""
    if a.dtype == np.float16 or b.dtype == np.float16:
        return _amatmul(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
    if not _blas_ready(a):
        a = xp_of(a).ascontiguousarray(a)
    if not _blas_ready(b):
        b = xp_of(b).ascontiguousarray(b)
    if a.ndim >= 3 and b.ndim <= 2 and a.flags.c_contiguous:
        r = xp_of(a).matmul(a.reshape(-1, a.shape[-1]), b)
        return r.reshape(a.shape[:-1] + b.shape[1:])
    return xp_of(a).matmul(a, b)


def _scale(x, s):
    """``s * x`` keeping x's dtype (PyTorch's alpha/beta never promote)."""
    if s == 1:
        return x
    r = x * s
    return r.astype(x.dtype, copy=False) if hasattr(r, "astype") else r


# ---------------------------------------------------------------------- mm / bmm / matmul
class Mm(Op):
    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _amatmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need = ctx.needs_input_grad
        return (_mm_mat1_grad(grad, a, b) if need[0] else None,
                _mm_mat2_grad(grad, a, b) if need[1] else None)


def _column_major(t):
    """PyTorch's test for a column-major matrix (element strides ``(1, rows)``)."""
    x = t._data
    item = x.itemsize
    st = x.strides
    return x.ndim == 2 and st[0] == item and st[1] == x.shape[0] * item


# As PyTorch's mm_mat1_backward / mm_mat2_backward: the gradient of a column-major operand
# (``weight.t()`` in ``linear``) is computed column-major too, so that after the ``.t()``
# backward the weight's gradient is row-major and can be stored without a copy.
def _mm_mat1_grad(grad, a, b):
    """grad @ b^H, laid out like ``a`` (PyTorch computes it transposed for a column-major
    ``a``, so e.g. a weight used as ``W.t()`` gets a row-major gradient)."""
    if _plain_grads(grad, b):      # nothing recorded: one BLAS call on the arrays
        g, y = grad._data, b._data
        if _column_major(a):        # a view of a fresh row-major product, as PyTorch's
            return _mH(Tensor._make(_amatmul(y, g.T), grad._dtype))
        return Tensor._make(_amatmul(g, y.T), grad._dtype)
    if _column_major(a):
        return _mH(mm(b, _mH(grad)))
    return mm(grad, _mH(b))


def _mm_mat2_grad(grad, a, b):
    """a^H @ grad, laid out like ``b``."""
    if _plain_grads(grad, a):
        g, x = grad._data, a._data
        if _column_major(b):
            return _mH(Tensor._make(_amatmul(g.T, x), grad._dtype))
        return Tensor._make(_amatmul(x.T, g), grad._dtype)
    if _column_major(b):
        return _mH(mm(_mH(grad), a))
    return mm(_mH(a), grad)


def _plain_grads(grad, other):
    """Whether an mm gradient can skip the op machinery: no graph being recorded (no
    ``create_graph``), real float32/float64 NumPy arrays of one dtype."""
    return not _grad_state.grad_enabled and grad._dtype in _FAST_MM and \
        other._dtype is grad._dtype and grad._data.__class__ is _ndarray and \
        other._data.__class__ is _ndarray


def _check_mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} "
                           f"and {b.shape[0]}x{b.shape[1]})")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_cpp(a._dtype)} "
                           f"!= {_cpp(b._dtype)}")
    _no_bool(a, "addmm_impl_cpu_")


@tensor_method()
def mm(input, mat2, *, out=None):
    """``torch.mm``: product of two matrices (no broadcasting, no dtype promotion)."""
    _need_tensors("mm", ("input", input), ("mat2", mat2))
    _check_mm(input, mat2)
    return _out(out, Mm.apply(input, mat2))


class Bmm(Op):
    node_name = "BmmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _amatmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = bmm(grad, _mH(b)) if ctx.needs_input_grad[0] else None
        gb = bmm(_mH(a), grad) if ctx.needs_input_grad[1] else None
        return ga, gb


def _check_bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"expected scalar type {_sn(a._dtype)} but found {_sn(b._dtype)}")
    _no_bool(a, "bmm")


@tensor_method()
def bmm(input, mat2, *, out=None):
    """``torch.bmm``: batched matrix product of two 3-D tensors with the same batch size."""
    _need_tensors("bmm", ("input", input), ("mat2", mat2))
    _check_bmm(input, mat2)
    return _out(out, Bmm.apply(input, mat2))


class Matmul(Op):
    """``matmul`` for every shape pair past 2-D @ 2-D: NumPy's broadcasting matmul, with
    1-D operands promoted to matrices and the added dim dropped again, as PyTorch does."""

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _amatmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = matmul(g, _mH(b2))
            if a.ndim == 1:
                ga = ga.squeeze(-2)
        if ctx.needs_input_grad[1]:
            if a.ndim >= 3 and b.ndim <= 2:
                # batch @ matrix (a linear layer): the weight's gradient is one GEMM over the
                # folded batch, not a batch of products summed afterwards
                k = a.shape[-1]
                af = _mH(a.reshape(-1, k))
                gb = mv(af, grad.reshape(-1)) if b.ndim == 1 else \
                    mm(af, grad.reshape(-1, b.shape[-1]))
            else:
                gb = matmul(_mH(a2), g)
                if b.ndim == 1:
                    gb = gb.squeeze(-1)
        return ga, gb


class _MatmulClone(Matmul):
    node_name = "CloneBackward0"


class _MatmulTranspose(Matmul):
    node_name = "TransposeBackward0"


class _MatmulSqueeze(Matmul):
    node_name = "SqueezeBackward4"


def _matmul_class(ash, bsh, out_shape):
    """The node PyTorch's matmul decomposition ends in, for these shapes."""
    na, nb = len(ash), len(bsh)
    if nb >= 3 and na >= 2:
        # 2-D @ batch (and a lone 3-D matrix against a real batch) runs as the transposed
        # product, then transposes back (and copies when that is not contiguous)
        if na == 2 or (na == 3 and nb == 3 and ash[0] == 1 and bsh[0] != 1):
            n, m = ash[-2], bsh[-1]
            return _MatmulTranspose if n == 1 or m == 1 or _prod(out_shape) == 0 else _MatmulClone
    return Matmul


def _dot_checks(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a._dtype is not b._dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found "
                           f"{_sn(a._dtype)} and {_sn(b._dtype)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    _no_bool(a, "dot")


def _mv_checks(a, b, rows=None):
    if b._dtype is not a._dtype:
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{_sn(b._dtype)}, {_sn(a._dtype)}, and {_sn(b._dtype)}")
    n = a.shape[0] if rows is None else rows
    if a.shape[-1] != b.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{a.shape[-1]}), "
                           f"vec ({b.shape[0]})")
    _no_bool(a, "addmv_impl_cpu")


@tensor_method()
def matmul(input, other, *, out=None):
    """``torch.matmul``: dot, matrix-vector, matrix-matrix or broadcast batched product,
    chosen by the operands' dims exactly as PyTorch does (with its error messages)."""
    _need_tensors("matmul", ("input", input), ("other", other))
    na, nb = input.ndim, other.ndim
    if na == 0 or nb == 0:
        raise RuntimeError("both arguments to matmul need to be at least 1D, but they are "
                           f"{na}D and {nb}D")
    if na == 1 and nb == 1:
        return _out(out, dot(input, other))
    if na == 2 and nb == 1:
        return _out(out, mv(input, other))
    if na == 2 and nb == 2:
        return _out(out, mm(input, other))
    ash, bsh = input.shape, other.shape
    if na == 1 and nb == 2:
        _check_mm(_Shape((1, ash[0]), input._dtype), other)
        return _out(out, _MatmulSqueeze.apply(input, other))
    if na >= 3 and nb <= 2:
        rows = _prod(ash[:-1])
        if nb == 1:
            _mv_checks(input, other, rows)
        else:
            _check_mm(_Shape((rows, ash[-1]), input._dtype), other)
        out_shape = ash[:-1] + bsh[1:]
    else:
        batch_a = ash[:-2] if na >= 2 else ()
        batch_b = bsh[:-2]
        try:
            batch = np.broadcast_shapes(batch_a, batch_b)
        except ValueError:
            raise broadcast_error(batch_a, batch_b) from None
        k_a = ash[-1]
        k_b = bsh[-2]
        if k_a != k_b:
            raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{_prod(batch)}, {k_a}] but got: [{_prod(batch)}, {k_b}].")
        if input._dtype is not other._dtype:
            raise RuntimeError(f"expected scalar type {_sn(input._dtype)} but found "
                               f"{_sn(other._dtype)}")
        _no_bool(input, "bmm")
        out_shape = tuple(batch) + ((ash[-2],) if na >= 2 else ()) + ((bsh[-1],) if nb >= 2 else ())
    cls = _matmul_class(ash, bsh, out_shape)
    return _out(out, cls.apply(input, other))


class _Shape:
    """Shape-and-dtype stand-in for error checks on folded operands."""

    __slots__ = ("shape", "_dtype")

    def __init__(self, shape, dtype):
        self.shape = shape
        self._dtype = dtype

    @property
    def ndim(self):
        return len(self.shape)


def _rmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    return matmul(other, self)


def _fmatmul(self, other):
    if not isinstance(other, Tensor):
        return NotImplemented
    x = self._data
    y = other._data
    dt = self._dtype
    # ``a @ b`` on two dense float matrices of one dtype (the common case): mm without the
    # general dispatch; with no graph to record, one NumPy (BLAS) call and a wrap
    if other._dtype is dt and dt in _FAST_MM and x.__class__ is _ndarray and \
            y.__class__ is _ndarray and x.ndim == 2 and y.ndim == 2 and x.shape[1] == y.shape[0]:
        if (self._requires_grad or other._requires_grad) and _grad_state.grad_enabled:
            return Mm.apply(self, other)
        if (x.flags.c_contiguous or x.flags.f_contiguous) and \
                (y.flags.c_contiguous or y.flags.f_contiguous):
            return Tensor._make(_np_matmul(x, y), dt)
    return matmul(self, other)


_FAST_MM = frozenset((D.float32, D.float64))
_ndarray = np.ndarray
_np_matmul = np.matmul
_grad_state = grad_mode.state


Tensor.__matmul__ = _fmatmul
Tensor.__rmatmul__ = _rmatmul


# ---------------------------------------------------------------------- vectors
class Dot(Op):
    node_name = "DotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        if a.dtype == np.float16:
            return xp_of(a).dot(a.astype(np.float32), b.astype(np.float32)).astype(np.float16)
        return xp_of(a).dot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad * b.conj() if ctx.needs_input_grad[0] else None
        gb = grad * a.conj() if ctx.needs_input_grad[1] else None
        return ga, gb


class Vdot(Op):
    node_name = "VdotBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return xp_of(a).vdot(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = b * grad.conj() if ctx.needs_input_grad[0] else None
        gb = a * grad if ctx.needs_input_grad[1] else None
        return ga, gb


@tensor_method()
def dot(input, tensor, *, out=None):
    """``torch.dot``: inner product of two 1-D tensors of the same dtype (no conjugation)."""
    _need_tensors("dot", ("input", input), ("tensor", tensor))
    _dot_checks(input, tensor)
    return _out(out, Dot.apply(input, tensor))


@tensor_method()
def vdot(input, other, *, out=None):
    """``torch.vdot``: ``sum(conj(input) * other)`` for 1-D tensors."""
    _dot_checks(input, other)
    return _out(out, Vdot.apply(input, other))


class Mv(Op):
    node_name = "MvBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _amatmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        ga = grad.unsqueeze(1) * b.conj() if ctx.needs_input_grad[0] else None
        gb = mv(_mH(a), grad) if ctx.needs_input_grad[1] else None
        return ga, gb


@tensor_method()
def mv(input, vec, *, out=None):
    """``torch.mv``: matrix times vector."""
    _need_tensors("mv", ("input", input), ("vec", vec))
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    _mv_checks(input, vec)
    return _out(out, Mv.apply(input, vec))


@tensor_method()
def outer(input, vec2, *, out=None):
    """``torch.outer``: ``input[:, None] * vec2`` (a MulBackward0 node, as in PyTorch)."""
    if input.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument self, but got {input.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"outer: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    return _out(out, input.reshape(-1, 1) * vec2)


ger = outer
Tensor.ger = outer


@tensor_method()
def inner(input, other, *, out=None):
    """``torch.inner``: sum over the last dims of both (a scalar operand multiplies)."""
    if input.ndim == 0 or other.ndim == 0:
        return _out(out, input * other)
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError("inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(input.shape)} and {list(other.shape)}")
    return _out(out, tensordot(input, other, dims=([-1], [-1])))


# ---------------------------------------------------------------------- add + product
def _expand_error(target, shape):
    n = len(target)
    if len(shape) > n:
        return RuntimeError(f"The expanded size of the tensor ({target[0] if target else 1}) must "
                            f"match the existing size ({shape[0]}) at non-singleton dimension 0.  "
                            f"Target sizes: {list(target)}.  Tensor sizes: {list(shape)}")
    for i in range(1, len(shape) + 1):
        s, t = shape[-i], target[-i]
        if s != t and s != 1:
            return RuntimeError(f"The expanded size of the tensor ({t}) must match the existing size "
                                f"({s}) at non-singleton dimension {n - i}.  Target sizes: "
                                f"{list(target)}.  Tensor sizes: {list(shape)}")
    return None


def _check_bias(input, target):
    err = _expand_error(tuple(target), input._data.shape)
    if err is not None:
        raise err


class _AddProduct(Op):
    """``beta * input + alpha * (a @ b)`` for the addmm family; ``beta == 0`` ignores input."""

    @classmethod
    def forward(cls, ctx, c, a, b, beta=1, alpha=1):
        ctx.beta, ctx.alpha = beta, alpha
        ctx.save_for_backward(a, b)
        p = cls._prod(a, b)
        if beta == 1 and alpha == 1 and p.__class__ is c.__class__ and p.dtype == c.dtype and \
                (c.shape == p.shape or c.shape == p.shape[-1:]):
            p += c          # a bias row or a full matrix: added into the fresh product in place
            return p
        r = _scale(p, alpha)
        if beta != 0:
            c = _scale(c, beta)
            xp = xp_of(p)
            if r.__class__ is xp.ndarray and r.dtype == getattr(c, "dtype", None) and \
                    xp.broadcast_shapes(r.shape, c.shape) == r.shape:
                xp.add(r, c, out=r)     # r is a fresh product: add the bias in place, no new array
            else:
                r = r + c
        return xp_of(p).asarray(r).astype(p.dtype, copy=False)

    @staticmethod
    def _prod(a, b):
        return _amatmul(a, b)

    @classmethod
    def backward(cls, ctx, grad):
        a, b = ctx.saved_tensors
        gc = ga = gb = None
        if ctx.needs_input_grad[0]:
            gc = grad * ctx.beta if ctx.beta != 1 else grad
        if ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            ga, gb = cls._grads(grad, a, b, ctx.needs_input_grad)
            if ctx.alpha != 1:
                ga = ga * ctx.alpha if ga is not None else None
                gb = gb * ctx.alpha if gb is not None else None
        return gc, ga, gb


class Addmm(_AddProduct):
    node_name = "AddmmBackward0"

    @staticmethod
    def _grads(grad, a, b, needs):
        return (_mm_mat1_grad(grad, a, b) if needs[1] else None,
                _mm_mat2_grad(grad, a, b) if needs[2] else None)


class Baddbmm(_AddProduct):
    node_name = "BaddbmmBackward0"

    @staticmethod
    def _grads(grad, a, b, needs):
        return (bmm(grad, _mH(b)) if needs[1] else None, bmm(_mH(a), grad) if needs[2] else None)


class Addmv(_AddProduct):
    node_name = "AddmvBackward0"

    @staticmethod
    def _grads(grad, a, b, needs):
        return (grad.unsqueeze(1) * b.conj() if needs[1] else None,
                mv(_mH(a), grad) if needs[2] else None)


class Addr(_AddProduct):
    node_name = "AddrBackward0"

    @staticmethod
    def _prod(a, b):
        return a[:, None] * b[None, :]

    @staticmethod
    def _grads(grad, a, b, needs):
        return (mv(grad, b.conj()) if needs[1] else None, mv(_mH(grad), a.conj()) if needs[2] else None)


def _ab(kwargs):
    return {k: v for k, v in kwargs.items() if v != 1}


@tensor_method()
def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``torch.addmm``: ``beta * input + alpha * (mat1 @ mat2)``; input broadcasts."""
    for name, m in (("mat1", mat1), ("mat2", mat2)):
        if m.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {m.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({mat1.shape[0]}x"
                           f"{mat1.shape[1]} and {mat2.shape[0]}x{mat2.shape[1]})")
    if mat1._dtype is not mat2._dtype:
        raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got {_sn(mat1._dtype)} "
                           f"and {_sn(mat2._dtype)}")
    if input._dtype is not mat2._dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_sn(input._dtype)} "
                           f"and {_sn(mat2._dtype)}")
    _check_bias(input, (mat1.shape[0], mat2.shape[1]))
    _no_bool(mat1, "addmm_impl_cpu_")
    if beta == 1 and alpha == 1:
        return _out(out, Addmm.apply(input, mat1, mat2))
    return _out(out, Addmm.apply(input, mat1, mat2, **_ab({"beta": beta, "alpha": alpha})))


@tensor_method()
def baddbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``torch.baddbmm``: ``beta * input + alpha * bmm(batch1, batch2)``."""
    _check_bmm_shapes(batch1, batch2)
    if not (input._dtype is batch1._dtype is batch2._dtype):
        raise RuntimeError(f"Input dtypes must be the same, got: input {_cpp(input._dtype)}, "
                           f"batch1: {_cpp(batch1._dtype)}, batch2: {_cpp(batch2._dtype)}")
    _check_bias(input, (batch1.shape[0], batch1.shape[1], batch2.shape[2]))
    _no_bool(batch1, "baddbmm")
    return _out(out, Baddbmm.apply(input, batch1, batch2, **_ab({"beta": beta, "alpha": alpha})))


def _check_bmm_shapes(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError("Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")


@tensor_method()
def addbmm(input, batch1, batch2, *, beta=1, alpha=1, out=None):
    """``torch.addbmm``: ``beta * input + alpha * sum_b batch1[b] @ batch2[b]``."""
    _check_bmm_shapes(batch1, batch2)
    r = bmm(batch1, batch2).sum(0)
    if alpha != 1:
        r = r * alpha
    if beta != 0:
        r = r + (input * beta if beta != 1 else input)
    return _out(out, r)


@tensor_method()
def addmv(input, mat, vec, *, beta=1, alpha=1, out=None):
    """``torch.addmv``: ``beta * input + alpha * (mat @ vec)``."""
    if mat.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {input.ndim}, {mat.ndim}, "
                           f"{vec.ndim}")
    if not (input._dtype is mat._dtype is vec._dtype):
        raise RuntimeError("addmv input tensors must have the same dtype, but got "
                           f"{_sn(input._dtype)}, {_sn(mat._dtype)}, and {_sn(vec._dtype)}")
    if mat.shape[1] != vec.shape[0] or (input.ndim >= 1 and input.shape[-1] not in (1, mat.shape[0])):
        raise RuntimeError(f"size mismatch, got input ({input.shape[0] if input.ndim else 1}), "
                           f"mat ({mat.shape[0]}x{mat.shape[1]}), vec ({vec.shape[0]})")
    _no_bool(mat, "addmv_impl_cpu")
    return _out(out, Addmv.apply(input, mat, vec, **_ab({"beta": beta, "alpha": alpha})))


@tensor_method()
def addr(input, vec1, vec2, *, beta=1, alpha=1, out=None):
    """``torch.addr``: ``beta * input + alpha * outer(vec1, vec2)`` (dtypes promote)."""
    if vec1.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec1, but got {vec1.ndim}-D")
    if vec2.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-D argument vec2, but got {vec2.ndim}-D")
    _check_bias(input, (vec1.shape[0], vec2.shape[0]))
    dt = D.result_type_of([input, vec1, vec2])
    input, vec1, vec2 = (t if t._dtype is dt else t.to(dt) for t in (input, vec1, vec2))
    return _out(out, Addr.apply(input, vec1, vec2, **_ab({"beta": beta, "alpha": alpha})))


def _inplace_add_product(name, fn):
    def method(self, a, b, *, beta=1, alpha=1):
        fn(self, a, b, beta=beta, alpha=alpha)          # shape and dtype checks
        cls = {"addmm": Addmm, "baddbmm": Baddbmm, "addmv": Addmv, "addr": Addr}[name]
        return apply_inplace(cls, self, (a, b), _ab({"beta": beta, "alpha": alpha}))
    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``Tensor.{name}_``."
    return method


# ---------------------------------------------------------------------- einsum / tensordot
_LETTERS = string.ascii_letters


def _parse_einsum(equation, shapes):
    """Equation -> (list of operand subscripts, output subscripts), ``...`` made explicit."""
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, rhs = eq.split("->")
    else:
        lhs, rhs = eq, None
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    used = set(c for c in eq if c.isalpha())
    free = [c for c in _LETTERS if c not in used]
    n_ell = 0
    for i, (t, s) in enumerate(zip(terms, shapes)):
        n_named = len(t.replace("...", ""))
        if "..." in t:
            n_ell = max(n_ell, len(s) - n_named)
        elif n_named != len(s):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({n_named}) does "
                               f"not match the number of dimensions ({len(s)}) for operand {i} and "
                               "no ellipsis was given")
    ell = "".join(free[:n_ell])
    subs = []
    for t, s in zip(terms, shapes):
        if "..." in t:
            k = len(s) - len(t.replace("...", ""))
            t = t.replace("...", ell[n_ell - k:] if k else "")
        subs.append(t)
    if rhs is None:
        counts = {}
        for t in subs:
            for c in t:
                counts[c] = counts.get(c, 0) + 1
        rhs = ell + "".join(sorted((c for c in counts if counts[c] == 1 and c not in ell),
                                   key=lambda c: (c.islower(), c)))
    else:
        rhs = rhs.replace("...", ell)
    sizes = {}
    for i, (t, s) in enumerate(zip(subs, shapes)):
        for c, n in zip(t, s):
            if c in sizes and sizes[c] != n and n != 1 and sizes[c] != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {i} which "
                                   f"does not broadcast with previously seen size {sizes[c]}")
            if c not in sizes or sizes[c] == 1:
                sizes[c] = n
    return subs, rhs, sizes


class Einsum(Op):
    node_name = "ViewBackward0"

    @staticmethod
    def forward(ctx, *ops, subs=None, rhs=None, sizes=None):
        ctx.subs, ctx.rhs, ctx.sizes = subs, rhs, sizes
        ctx.save_for_backward(*ops)
        xp = xp_of(ops[0])
        eq = ",".join(subs) + "->" + rhs
        # optimize: pairwise contractions through tensordot/BLAS; worth its planning cost
        # only for chains and for operands of some size
        opt = len(ops) > 2 or max(o.size for o in ops) > 4096
        if ops[0].dtype == np.float16:
            r = xp.einsum(eq, *(o.astype(np.float32) for o in ops), optimize=opt)
            return r.astype(np.float16)
        return xp.asarray(xp.einsum(eq, *ops, optimize=opt))

    @staticmethod
    def backward(ctx, grad):
        ops = ctx.saved_tensors
        subs, rhs, sizes = ctx.subs, ctx.rhs, ctx.sizes
        grads = []
        for i, s in enumerate(subs):
            if not ctx.needs_input_grad[i]:
                grads.append(None)
                continue
            # d out / d op_i: contract grad with the other operands onto op_i's subscripts; a
            # repeated subscript (a diagonal) goes through a Kronecker delta, a subscript only
            # op_i has is broadcast back afterwards
            others = [(subs[j], ops[j].conj()) for j in range(len(ops)) if j != i]
            target, deltas, seen = [], [], {}
            spare = [c for c in _LETTERS if c not in set("".join(subs)) | set(rhs)]
            for c in s:
                if c in seen:
                    n = spare.pop(0)
                    deltas.append((seen[c] + n, _const(xp_of(grad._data).eye(
                        sizes[c], dtype=grad._data.dtype))))
                    target.append(n)
                else:
                    seen[c] = c
                    target.append(c)
            avail = set(rhs) | set("".join(t for t, _ in others)) | set("".join(
                d[0] for d in deltas))
            kept = [c for c in target if c in avail]
            missing = [k for k, c in enumerate(target) if c not in kept]
            out_sub = "".join(c for c in target if c in kept)
            terms = [rhs] + [t for t, _ in others] + [d[0] for d in deltas]
            tensors = [grad] + [t for _, t in others] + [d[1] for d in deltas]
            g = einsum(",".join(terms) + "->" + out_sub, *tensors)
            if missing:
                shape = list(g.shape)
                for k in missing:
                    shape.insert(k, 1)
                g = g.reshape(shape).expand(tuple(ops[i].shape))
            grads.append(g)
        return tuple(grads)


def einsum(equation, *operands):
    """``torch.einsum``: NumPy's einsum (optimised contraction order) on the operands,
    ``...`` broadcasting and implicit output as in PyTorch; the backward is einsum too."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    subs, rhs, sizes = _parse_einsum(equation, [o.shape for o in operands])
    dt = operands[0]._dtype
    for o in operands[1:]:
        if o._dtype is not dt:
            raise RuntimeError(f"expected scalar type {_sn(dt)} but found {_sn(o._dtype)}")
    # the node PyTorch's einsum decomposition ends in: a permute or a sum for one operand,
    # a product when nothing is contracted, else the view after the batched matmul
    summed = set("".join(subs)) - set(rhs)
    if len(operands) == 1:
        cls = _EinsumSum if summed else _EinsumPermute
    else:
        cls = Einsum if summed else _EinsumMul
    return cls.apply(*operands, subs=subs, rhs=rhs, sizes=sizes)


class _EinsumPermute(Einsum):
    node_name = "PermuteBackward0"


class _EinsumSum(Einsum):
    node_name = "SumBackward1"


class _EinsumMul(Einsum):
    node_name = "MulBackward0"


def tensordot(a, b, dims=2, out=None):
    """``torch.tensordot``: contract ``dims`` (an int: the last/first n dims, or a pair of
    lists) by permuting, reshaping to matrices and one ``mm``."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = list(range(a.ndim - dims, a.ndim))
        db = list(range(dims))
    else:
        da, db = dims
        da = [da] if isinstance(da, int) else list(da)
        db = [db] if isinstance(db, int) else list(db)
    if len(da) != len(db):
        raise RuntimeError("both dimension lists should have same length")
    if a._dtype is not b._dtype:
        raise RuntimeError("both inputs should have same dtype")
    da = [wrap_dim(d, a.ndim) for d in da]
    db = [wrap_dim(d, b.ndim) for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            shown = x - a.ndim if isinstance(dims, int) else x
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{a.shape[x]} in dim {shown} and second has size {b.shape[y]} "
                               f"in dim {y}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = _prod(a.shape[d] for d in da)
    am = a.permute(fa + da).reshape(_prod(a.shape[d] for d in fa), k)
    bm = b.permute(db + fb).reshape(k, _prod(b.shape[d] for d in fb))
    r = mm(am, bm).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])
    return _out(out, r)


# ---------------------------------------------------------------------- kron / trace / tri
class Kron(Op):
    node_name = "UnsafeViewBackward0"
    promote = True

    @staticmethod
    def forward(ctx, a, b):
        n = max(a.ndim, b.ndim)
        ctx.save_for_backward(a, b)     # the inputs themselves, so double backward sees them
        ctx.n = n
        a = a.reshape((1,) * (n - a.ndim) + a.shape)
        b = b.reshape((1,) * (n - b.ndim) + b.shape)
        xp = xp_of(a)
        ai = a.reshape(sum(((s, 1) for s in a.shape), ()))
        bi = b.reshape(sum(((1, s) for s in b.shape), ()))
        return xp.ascontiguousarray(ai * bi).reshape(tuple(x * y for x, y in zip(a.shape, b.shape)))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        n = ctx.n
        a = a.reshape((1,) * (n - a.ndim) + tuple(a.shape))
        b = b.reshape((1,) * (n - b.ndim) + tuple(b.shape))
        g = grad.reshape(sum(((x, y) for x, y in zip(a.shape, b.shape)), ()))
        ga = gb = None
        if ctx.needs_input_grad[0]:
            bi = b.conj().reshape(sum(((1, s) for s in b.shape), ()))
            ga = (g * bi).sum(tuple(range(1, 2 * n, 2))) if n else g * bi
        if ctx.needs_input_grad[1]:
            ai = a.conj().reshape(sum(((s, 1) for s in a.shape), ()))
            gb = (g * ai).sum(tuple(range(0, 2 * n, 2))) if n else g * ai
        return ga, gb


@tensor_method()
def kron(input, other, *, out=None):
    """``torch.kron``: Kronecker product (dims padded on the left to the larger rank)."""
    return _out(out, Kron.apply(input, other))


class Trace(Op):
    node_name = "TraceBackward0"

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.trace(dtype=np.int64 if x.dtype.kind in "biu" else None)

    @staticmethod
    def backward(ctx, grad):
        n, m = ctx.shape
        return grad * _const(xp_of(grad._data).eye(n, m, dtype=grad._data.dtype))


@tensor_method()
def trace(input):
    """``torch.trace``: sum of the main diagonal of a matrix (integers sum in int64)."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input.ndim}")
    return Trace.apply(input)


def _tri_mask(xp, n, m, k, lower):
    return xp.tri(n, m, k, dtype=bool) if lower else ~xp.tri(n, m, k - 1, dtype=bool)


class Tril(Op):
    node_name = "TrilBackward0"
    lower = True

    @classmethod
    def forward(cls, ctx, x, diagonal=0):
        ctx.diagonal = diagonal
        xp = xp_of(x)
        mask = _tri_mask(xp, x.shape[-2], x.shape[-1], diagonal, cls.lower)
        return xp.where(mask, x, xp.zeros((), x.dtype))

    @classmethod
    def backward(cls, ctx, grad):
        return (tril if cls.lower else triu)(grad, ctx.diagonal)


class Triu(Tril):
    node_name = "TriuBackward0"
    lower = False


def _tri(input, diagonal, cls, name, out):
    if input.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    r = cls.apply(input, diagonal=diagonal) if diagonal else cls.apply(input)
    if input._dtype is D.bfloat16:
        r._dtype = D.bfloat16
    return _out(out, r)


@tensor_method()
def tril(input, diagonal=0, *, out=None):
    """``torch.tril``: lower triangle of the last two dims (``diagonal`` shifts it)."""
    return _tri(input, diagonal, Tril, "tril", out)


@tensor_method()
def triu(input, diagonal=0, *, out=None):
    """``torch.triu``: upper triangle of the last two dims (``diagonal`` shifts it)."""
    return _tri(input, diagonal, Triu, "triu", out)


@tensor_method()
def tril_(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError("tril: input tensor must have at least 2 dimensions")
    return apply_inplace(Tril, self, (), {"diagonal": diagonal} if diagonal else {})


@tensor_method()
def triu_(self, diagonal=0):
    if self.ndim < 2:
        raise RuntimeError("triu: input tensor must have at least 2 dimensions")
    return apply_inplace(Triu, self, (), {"diagonal": diagonal} if diagonal else {})


# ---------------------------------------------------------------------- diagonals
def _diag_index(xp, n, m, offset):
    """Row and column indices of diagonal ``offset`` of an ``n x m`` matrix."""
    if offset >= 0:
        length = max(min(n, m - offset), 0)
        rows = xp.arange(length)
        return rows, rows + offset
    length = max(min(n + offset, m), 0)
    cols = xp.arange(length)
    return cols - offset, cols


class DiagonalCopy(Op):
    """A diagonal taken out (dim1, dim2 removed, the diagonal appended last), as a copy."""

    node_name = "DiagonalBackward0"

    @staticmethod
    def forward(ctx, x, offset=0, dim1=0, dim2=1):
        ctx.shape, ctx.args = x.shape, (offset, dim1, dim2)
        return xp_of(x).diagonal(x, offset, dim1, dim2).copy()

    @staticmethod
    def backward(ctx, grad):
        return _diag_scatter(grad, ctx.shape, *ctx.args)


class _DiagDiagonal(DiagonalCopy):
    node_name = "DiagonalBackward0_copy"


class DiagScatter(Op):
    """The adjoint of a diagonal: zeros of ``shape`` with ``g`` written on the diagonal."""

    node_name = "DiagEmbedBackward0"

    @staticmethod
    def forward(ctx, g, shape=None, offset=0, dim1=0, dim2=1):
        ctx.args = (offset, dim1, dim2)
        xp = xp_of(g)
        z = xp.zeros(shape, g.dtype)
        zm = xp.moveaxis(z, (dim1, dim2), (-2, -1))
        r, c = _diag_index(xp, shape[dim1], shape[dim2], offset)
        zm[..., r, c] = g
        return z

    @staticmethod
    def backward(ctx, grad):
        offset, d1, d2 = ctx.args
        return DiagonalCopy.apply(grad, offset=offset, dim1=d1, dim2=d2)


def _diag_scatter(g, shape, offset, dim1, dim2):
    return DiagScatter.apply(g, shape=tuple(shape), offset=offset, dim1=dim1, dim2=dim2)


def _diagonal(input, offset=0, dim1=0, dim2=1):
    """The diagonal as a differentiable copy (used by backwards here)."""
    nd = input.ndim
    return DiagonalCopy.apply(input, offset=offset, dim1=wrap_dim(dim1, nd), dim2=wrap_dim(dim2, nd))


@tensor_method()
def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    """``torch.diag_embed``: the last dim of ``input`` placed on diagonal ``offset`` of the
    (dim1, dim2) planes of a new tensor with one more dim."""
    nd = input.ndim + 1
    d1, d2 = wrap_dim(dim1, nd), wrap_dim(dim2, nd)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = input.shape[-1] + abs(offset)
    rest = list(input.shape[:-1])
    shape = []
    for i in range(nd):
        shape.append(n if i in (d1, d2) else rest.pop(0))
    return _diag_scatter(input, shape, offset, d1, d2)


@tensor_method()
def diag(input, diagonal=0, *, out=None):
    """``torch.diag``: a 1-D tensor becomes a square matrix with it on diagonal ``diagonal``;
    a matrix gives that diagonal as a 1-D tensor."""
    if input.ndim == 1:
        return _out(out, diag_embed(input, diagonal, 0, 1))
    if input.ndim == 2:
        return _out(out, _DiagDiagonal.apply(input, offset=diagonal, dim1=0, dim2=1))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@tensor_method()
def diagflat(input, offset=0):
    """``torch.diagflat``: the flattened input on diagonal ``offset`` of a square matrix."""
    return diag_embed(input.reshape(-1), offset, 0, 1)


# ---------------------------------------------------------------------- cross / cdist
class LinalgCross(Op):
    node_name = "LinalgCrossBackward0"

    @staticmethod
    def forward(ctx, a, b, dim=-1):
        ctx.dim = dim
        ctx.save_for_backward(a, b)
        xp = xp_of(a)
        a, b = xp.broadcast_arrays(a, b)
        return xp.cross(a, b, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        d = ctx.dim
        ga = _cross(b.conj(), grad, d) if ctx.needs_input_grad[0] else None
        gb = _cross(grad, a.conj(), d) if ctx.needs_input_grad[1] else None
        return ga, gb


def _cross(a, b, dim):
    return LinalgCross.apply(a, b, dim=dim)


def _linalg_cross(input, other, dim=-1):
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    try:
        shape = np.broadcast_shapes(input.shape, other.shape)
    except ValueError:
        raise broadcast_error(input.shape, other.shape) from None
    d = wrap_dim(dim, len(shape))
    if input.shape[d] != 3 or other.shape[d] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got "
                           f"{input.shape[d]} and {other.shape[d]}")
    if input._dtype is not other._dtype:
        raise RuntimeError(f"expected scalar type {_sn(input._dtype)} but found {_sn(other._dtype)}")
    return LinalgCross.apply(input, other, dim=d)


@tensor_method()
def cross(input, other, dim=None, *, out=None):
    """``torch.cross``: with no ``dim``, the first dim of size 3 (deprecated in PyTorch,
    which warns); else ``torch.linalg.cross`` along ``dim``."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release. (Triggered internally at /__w/pytorch/pytorch/aten/src/"
                      "ATen/native/Cross.cpp:63.)", UserWarning, stacklevel=2)
        try:
            shape = np.broadcast_shapes(input.shape, other.shape)
        except ValueError:
            raise broadcast_error(input.shape, other.shape) from None
        for i, s in enumerate(shape):
            if s == 3:
                dim = i
                break
        else:
            raise RuntimeError("no dimension of size 3 in input")
    return _out(out, _linalg_cross(input, other, dim))


class Cdist(Op):
    node_name = "CdistBackward0"

    @staticmethod
    def forward(ctx, x1, x2, p=2.0, mm=False):
        ctx.p = p
        xp = xp_of(x1)
        if mm:
            # PyTorch's "use_mm_for_euclid_dist_if_necessary": |a|^2 + |b|^2 - 2 a.b via GEMM
            s1 = (x1 * x1).sum(-1)[..., :, None]
            s2 = (x2 * x2).sum(-1)[..., None, :]
            d2 = s1 + s2 - 2 * xp.matmul(x1, xp.swapaxes(x2, -1, -2))
            r = xp.sqrt(xp.maximum(d2, 0))
        else:
            diff = xp.abs(x1[..., :, None, :] - x2[..., None, :, :])
            if p == 0:
                r = (diff != 0).sum(-1).astype(x1.dtype)
            elif p == math.inf:
                r = diff.max(-1, initial=0)
            elif p == 1:
                r = diff.sum(-1)
            elif p == 2:
                r = xp.sqrt((diff * diff).sum(-1))
            else:
                r = (diff ** p).sum(-1) ** (1.0 / p)
        r = r.astype(x1.dtype, copy=False)
        ctx.save_for_backward(x1, x2, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x1, x2, dist = ctx.saved_tensors
        p = ctx.p
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        g = grad.unsqueeze(-1)
        if p == 0:
            gd = diff * 0
        elif p == 1:
            gd = g * diff.sgn()
        elif p == math.inf:
            a = diff.abs()
            hit = (a == dist.unsqueeze(-1)).to(grad.dtype)
            gd = g * diff.sgn() * hit
        else:
            d = dist.unsqueeze(-1)
            safe = d + (d == 0).to(d.dtype)
            if p == 2:
                gd = g * diff / safe
            else:
                gd = g * diff.sgn() * diff.abs().pow(p - 1) / safe.pow(p - 1)
            gd = gd * (d != 0).to(d.dtype)
        g1 = gd.sum(-2) if ctx.needs_input_grad[0] else None
        g2 = -gd.sum(-3) if ctx.needs_input_grad[1] else None
        return g1, g2


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """``torch.cdist``: p-norm distances between the rows of ``x1`` and ``x2`` (batched)."""
    if x1.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X1 got: {x1.ndim}D")
    if x2.ndim < 2:
        raise RuntimeError(f"cdist only supports at least 2D tensors, X2 got: {x2.ndim}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} "
                           f"X2: {x2.shape[-1]}")
    if not x1._dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X1 got: {_sn(x1._dtype)}")
    if not x2._dtype.is_floating_point:
        raise RuntimeError(f"cdist only supports floating-point dtypes, X2 got: {_sn(x2._dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1._dtype is not x2._dtype:
        raise RuntimeError(f"expected scalar type {_sn(x1._dtype)} but found {_sn(x2._dtype)}")
    if x1._dtype in (D.float16, D.bfloat16):
        raise NotImplementedError(f"\"cdist\" not implemented for '{_sn(x1._dtype)}'")
    if compute_mode not in ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist", None):
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    mm_path = p == 2 and (compute_mode == "use_mm_for_euclid_dist" or (
        compute_mode != "donot_use_mm_for_euclid_dist" and (x1.shape[-2] > 25 or x2.shape[-2] > 25)))
    return (_CdistMm if mm_path else Cdist).apply(x1, x2, p=float(p), mm=mm_path)


class _CdistMm(Cdist):
    node_name = "ViewBackward0"    # PyTorch's matmul-based euclidean path is a composite


def chain_matmul(*matrices, out=None):
    """``torch.chain_matmul`` (deprecated in PyTorch): ``linalg.multi_dot`` of 2-D tensors."""
    warnings.warn("torch.chain_matmul is deprecated and will be removed in a future PyTorch "
                  "release. Use torch.linalg.multi_dot instead, which accepts a list of two or "
                  "more tensors rather than multiple parameters. (Triggered internally at "
                  "/__w/pytorch/pytorch/aten/src/ATen/native/LinearAlgebra.cpp:1102.)",
                  UserWarning, stacklevel=2)
    if len(matrices) == 1 and isinstance(matrices[0], (list, tuple)):
        matrices = tuple(matrices[0])
    if len(matrices) == 1:
        return _out(out, matrices[0].clone())
    from ..linalg import multi_dot
    return _out(out, multi_dot(matrices))


# ---------------------------------------------------------------------- determinants / inverse
@tensor_method()
def det(input):
    """``torch.det``: ``torch.linalg.det``."""
    from ..linalg import det as _det
    return _det(input)


@tensor_method()
def logdet(input):
    """``torch.logdet``: log of the determinant (nan for a negative one, -inf for zero)."""
    from ..linalg import _logdet
    return _logdet(input)


@tensor_method()
def slogdet(input):
    """``torch.slogdet``: ``(sign, logabsdet)`` as ``torch.return_types.slogdet``."""
    from ..linalg import _slogdet
    return _slogdet(input, "slogdet", "linalg.slogdet")


@tensor_method()
def inverse(input, *, out=None):
    """``torch.inverse``: ``torch.linalg.inv``."""
    from ..linalg import inv
    return inv(input, out=out)


@tensor_method()
def matrix_power(self, n):
    """``Tensor.matrix_power``: ``torch.linalg.matrix_power``."""
    from ..linalg import matrix_power as _mp
    return _mp(self, n)


@tensor_method()
def matrix_exp(self):
    """``Tensor.matrix_exp``: ``torch.linalg.matrix_exp``."""
    from ..linalg import matrix_exp as _me
    return _me(self)


@tensor_method()
def pinverse(self, rcond=1e-15):
    """``torch.pinverse``: ``torch.linalg.pinv`` with ``rtol=rcond``."""
    from ..linalg import pinv
    return pinv(self, rtol=rcond)


@tensor_method()
def svd(input, some=True, compute_uv=True, *, out=None):
    """``torch.svd`` (legacy): ``(U, S, V)`` with V (not Vh); ``some`` picks the reduced form;
    without ``compute_uv`` U and V are zero-filled, as in PyTorch."""
    from .. import linalg as L
    if not compute_uv:
        S = L.svdvals(input)
        xp = xp_of(input._data)
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        return L.svd_type(_const(xp.zeros(batch + (m, m), input._data.dtype)), S,
                          _const(xp.zeros(batch + (n, n), input._data.dtype)))
    U, S, Vh = L.svd(input, full_matrices=not some)
    return L.svd_type(U, S, Vh.transpose(-2, -1).conj())


@tensor_method()
def qr(input, some=True, *, out=None):
    """``torch.qr`` (deprecated in PyTorch, which warns): ``linalg.qr`` with ``some``."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.\nThe boolean parameter 'some' has been replaced with a "
                  "string parameter 'mode'.\nQ, R = torch.qr(A, some)\nshould be replaced with\n"
                  "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete') (Triggered "
                  "internally at /__w/pytorch/pytorch/aten/src/ATen/native/"
                  "BatchLinearAlgebra.cpp:2505.)", UserWarning, stacklevel=2)
    from .. import linalg as L
    Q, R = L.qr(input, "reduced" if some else "complete")
    return L.qr_type(Q, R)


@tensor_method()
def cholesky(input, upper=False, *, out=None):
    """``torch.cholesky`` (deprecated in PyTorch, which warns): ``linalg.cholesky``."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.\nL = torch.cholesky(A)\nshould be "
                  "replaced with\nL = torch.linalg.cholesky(A)\nand\nU = torch.cholesky(A, "
                  "upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\nThis "
                  "transform will produce equivalent results for all valid (symmetric positive "
                  "definite) inputs. (Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/"
                  "native/BatchLinearAlgebra.cpp:1765.)", UserWarning, stacklevel=2)
    from .. import linalg as L
    return _out(out, L._legacy_cholesky(input, upper))


__all__ += ["matrix_power", "matrix_exp", "pinverse", "svd", "qr", "cholesky"]


for _name, _fn in (("addmm", addmm), ("baddbmm", baddbmm), ("addmv", addmv), ("addr", addr)):
    setattr(Tensor, _name + "_", _inplace_add_product(_name, _fn))
