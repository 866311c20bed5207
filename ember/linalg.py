"""``torch.linalg``: decompositions, solvers, inverses, determinants and norms.

Forwards call the array module's ``linalg`` (NumPy/CuPy, LAPACK underneath), batched
over leading dims.  Backwards follow PyTorch's formulas (FunctionsManual.cpp) written
with Ember ops, so they differentiate again.  Results that PyTorch returns as named
tuples come back as ``torch.return_types.linalg_*`` named tuples here too.

Knowingly different: eigenvector and singular-vector signs are LAPACK's, as in
PyTorch, but NumPy may pick a different driver; ``lstsq`` runs LAPACK's gelsd for
every driver name (the solution is the same minimum-norm one).
"""

import collections
import math

import numpy as np

from . import _dtype as D
from ._tensor import Tensor, _scalar_type_name
from .autograd.function import Op
from .ops import linalg as _ops
from .ops._util import wrap_dim, xp_of
from .ops.linalg import _const, _mH, _mT, _out, diag_embed, matmul

__all__ = ["norm", "vector_norm", "matrix_norm", "inv", "inv_ex", "det", "slogdet", "solve",
           "solve_ex", "lstsq", "svd", "svdvals", "qr", "eigh", "eigvalsh", "cholesky",
           "cholesky_ex", "matrix_rank", "pinv", "matrix_power", "matrix_exp", "multi_dot",
           "cross", "vecdot", "eig", "eigvals", "LinAlgError", "matmul", "diagonal",
           "solve_triangular"]


class _LinAlgError(RuntimeError):
    """``torch.linalg.LinAlgError``: a decomposition failed (singular or not positive-definite)."""


_LinAlgError.__module__ = "torch._C"
LinAlgError = _LinAlgError


# ---------------------------------------------------------------------- return types
def _return_type(name, fields):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"torch.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__})
    cls.__module__ = "torch.return_types"
    return cls


linalg_svd = _return_type("linalg_svd", ["U", "S", "Vh"])
linalg_qr = _return_type("linalg_qr", ["Q", "R"])
linalg_eigh = _return_type("linalg_eigh", ["eigenvalues", "eigenvectors"])
linalg_eig = _return_type("linalg_eig", ["eigenvalues", "eigenvectors"])
linalg_slogdet = _return_type("linalg_slogdet", ["sign", "logabsdet"])
slogdet_type = _return_type("slogdet", ["sign", "logabsdet"])
linalg_inv_ex = _return_type("linalg_inv_ex", ["inverse", "info"])
linalg_cholesky_ex = _return_type("linalg_cholesky_ex", ["L", "info"])
linalg_solve_ex = _return_type("linalg_solve_ex", ["result", "info"])
svd_type = _return_type("svd", ["U", "S", "V"])
qr_type = _return_type("qr", ["Q", "R"])
linalg_lstsq = _return_type("linalg_lstsq", ["solution", "residuals", "rank", "singular_values"])


# ---------------------------------------------------------------------- checks
def _sn(dt):
    return _scalar_type_name(dt)


def _check_matrix(A, fname, arg="A"):
    if A.ndim < 2:
        raise RuntimeError(f"{fname}: The input tensor {arg} must have at least 2 dimensions.")


def _check_square(A, fname):
    _check_matrix(A, fname)
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"{fname}: A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {A.shape[-1]} matrices")


def _check_float(A, fname):
    if not (A._dtype.is_floating_point or A._dtype.is_complex):
        raise RuntimeError(f"{fname}: Expected a floating point or complex tensor as input. Got "
                           f"{_sn(A._dtype)}")


def _check_low(A, kernel=None, fname=None):
    """PyTorch's CPU errors for half-precision inputs to LAPACK-backed functions."""
    if A._dtype is D.float16 or A._dtype is D.bfloat16:
        if kernel is not None:
            raise NotImplementedError(f"\"{kernel}\" not implemented for '{_sn(A._dtype)}'")
        raise RuntimeError(f"{fname}: Low precision dtypes not supported. Got {_sn(A._dtype)}")


def _real_dtype(np_dtype):
    return np.dtype(np.float32) if np_dtype == np.complex64 else (
        np.dtype(np.float64) if np_dtype == np.complex128 else np.dtype(np_dtype))


def _host(a):
    """A NumPy array with ``a``'s values (a CuPy array is copied to the host)."""
    return a.get() if hasattr(a, "get") and not isinstance(a, np.ndarray) else a


def _batches(a):
    """(index, matrix) for every matrix of a batch (one pass, error paths only)."""
    batch = a.shape[:-2]
    for k, idx in enumerate(np.ndindex(*batch)):
        yield k, a[idx]


def _first_zero_pivot(m):
    """LAPACK getrf's ``info``: the 1-based index of the first exactly-zero pivot of the
    LU factorisation with partial pivoting (0 when there is none), in m's own precision."""
    a = np.array(m, copy=True)
    n = a.shape[0]
    for k in range(n):
        p = k + int(np.argmax(np.abs(a[k:, k])))
        if a[p, k] == 0:
            return k + 1
        if p != k:
            a[[k, p]] = a[[p, k]]
        a[k + 1:, k] /= a[k, k]
        a[k + 1:, k + 1:] -= np.outer(a[k + 1:, k], a[k, k + 1:])
    return 0


def _singular_infos(a):
    a = _host(a)
    infos = np.zeros(a.shape[:-2], np.int32)
    for k, m in _batches(a):
        infos.reshape(-1)[k] = _first_zero_pivot(m)
    return infos


def _batch_prefix(a, k):
    return f"(Batch element {k}): " if a.ndim > 2 else ""


def _raise_singular(a, fname):
    infos = _singular_infos(a)
    flat = infos.reshape(-1)
    for k in range(flat.size):
        if flat[k]:
            raise _LinAlgError(f"{fname}: {_batch_prefix(a, k)}The diagonal element {flat[k]} is "
                               "zero, the inversion could not be completed because the input "
                               "matrix is singular.")
    raise _LinAlgError(f"{fname}: The inversion could not be completed because the input matrix "
                       "is singular.")


def _chol_infos(a):
    """potrf's ``info``: the order of the first leading minor that is not positive-definite."""
    a = _host(a)
    infos = np.zeros(a.shape[:-2], np.int32)
    for k, m in _batches(a):
        for order in range(1, m.shape[0] + 1):
            try:
                ok = np.all(np.isfinite(np.linalg.cholesky(m[:order, :order])))
            except np.linalg.LinAlgError:
                ok = False
            if not ok:
                infos.reshape(-1)[k] = order
                break
    return infos


# ---------------------------------------------------------------------- det / slogdet
class LinalgDet(Op):
    node_name = "LinalgDetBackward0"

    @staticmethod
    def forward(ctx, A):
        d = xp_of(A).asarray(xp_of(A).linalg.det(A))
        ctx.save_for_backward(A, d)
        return d

    @staticmethod
    def backward(ctx, grad):
        A, d = ctx.saved_tensors
        if bool((d._data != 0).all()):
            g = (grad * d.conj()).unsqueeze(-1).unsqueeze(-1)
            return g * _mH(inv(A))
        # a singular matrix: the gradient is g * conj(cofactor matrix), from the SVD
        # A = U S Vh: conj(cof(A)) = conj(det(U) det(Vh)) U diag(prod_{j != i} s_j) Vh
        U, S, Vh = svd(A)
        prods = _prod_others(S, _eye_like(S.shape[-1], S))
        sign = (LinalgDet.apply(U) * LinalgDet.apply(Vh)).detach().conj()
        cof_conj = matmul(U * prods.unsqueeze(-2).to(U.dtype), Vh) * sign.unsqueeze(-1).unsqueeze(-1)
        return grad.unsqueeze(-1).unsqueeze(-1) * cof_conj


def _prod_others(S, eye):
    """``prod_{j != i} S[..., j]`` for every i, with no division (S may hold zeros)."""
    n = S.shape[-1]
    # row i of M is S with S[i] replaced by 1; the product of a row is then a product of
    # the other entries, taken as a chain of multiplications over the columns
    M = S.unsqueeze(-2) * (1 - eye) + eye
    out = None
    for j in range(n):
        col = matmul(M, _const(xp_of(S._data).eye(n, 1, -j, dtype=S._data.dtype))).squeeze(-1)
        out = col if out is None else out * col
    return out


def det(A, *, out=None):
    """``torch.linalg.det``: determinant of (a batch of) square matrices."""
    _check_square(A, "linalg.det")
    _check_float(A, "linalg.det")
    _check_low(A, "lu_cpu")
    return _out(out, LinalgDet.apply(A))


class LinalgSlogdet(Op):
    node_name = "LinalgSlogdetBackward0"

    @staticmethod
    def forward(ctx, A):
        sign, logabs = xp_of(A).linalg.slogdet(A)
        ctx.save_for_backward(A)
        return xp_of(A).asarray(sign), xp_of(A).asarray(logabs)

    @staticmethod
    def backward(ctx, gsign, glog):
        (A,) = ctx.saved_tensors
        return glog.unsqueeze(-1).unsqueeze(-1) * _mH(inv(A))


def _slogdet(A, kind, fname):
    _check_square(A, fname)
    _check_float(A, fname)
    _check_low(A, fname="linalg.slogdet")
    sign, logabs = LinalgSlogdet.apply(A)
    return (slogdet_type if kind == "slogdet" else linalg_slogdet)(sign, logabs)


def slogdet(A, *, out=None):
    """``torch.linalg.slogdet``: ``(sign, log|det|)``, with sign 0 and -inf for singular A."""
    return _slogdet(A, "linalg_slogdet", "linalg.slogdet")


class Logdet(Op):
    node_name = "WhereBackward0"    # PyTorch's logdet ends in where(sign < 0, nan, logabsdet)

    @staticmethod
    def forward(ctx, A):
        xp = xp_of(A)
        sign, logabs = xp.linalg.slogdet(A)
        ctx.save_for_backward(A)
        if A.dtype.kind == "c":
            return xp.asarray(xp.log(sign) + logabs)
        return xp.asarray(xp.where(sign < 0, xp.nan, logabs)).astype(A.dtype)

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        return grad.unsqueeze(-1).unsqueeze(-1) * _mH(inv(A))


def _logdet(A):
    _check_square(A, "linalg.det")
    _check_float(A, "logdet")
    return Logdet.apply(A)


# ---------------------------------------------------------------------- inverse / solve
class LinalgInvEx(Op):
    node_name = "LinalgInvExBackward0"

    @staticmethod
    def forward(ctx, A, check=True):
        xp = xp_of(A)
        try:
            r = xp.linalg.inv(A)
            info = xp.zeros(A.shape[:-2], np.int32)
        except np.linalg.LinAlgError:
            if check:
                _raise_singular(A, "linalg.inv")
            info = xp.asarray(_singular_infos(A))
            r = xp.full(A.shape, xp.nan, A.dtype)
        ctx.save_for_backward(r)
        ctx.mark_non_differentiable(info)
        return r, info

    @staticmethod
    def backward(ctx, grad, ginfo=None):
        (Ainv,) = ctx.saved_tensors
        Ah = _mH(Ainv)
        return -matmul(Ah, matmul(grad, Ah))


def inv_ex(A, *, check_errors=False, out=None):
    """``torch.linalg.inv_ex``: ``(inverse, info)``; info > 0 marks a singular matrix."""
    _check_square(A, "linalg.inv")
    _check_float(A, "linalg.inv")
    _check_low(A, fname="linalg.inv")
    r, info = LinalgInvEx.apply(A, check=check_errors)
    return linalg_inv_ex(r, info)


def inv(A, *, out=None):
    """``torch.linalg.inv``: inverse of (a batch of) square matrices; a singular one raises
    ``LinAlgError`` naming the zero diagonal element of its LU factorisation."""
    _check_square(A, "linalg.inv")
    _check_float(A, "linalg.inv")
    _check_low(A, fname="linalg.inv")
    return _out(out, LinalgInvEx.apply(A, check=True)[0])


def _is_vector_rhs(A, B):
    """PyTorch's rule: B is a (batch of) vector(s) if 1-D, or if it is A's batch shape + (n,)."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and tuple(B.shape) == tuple(A.shape[:-1]))


class LinalgSolveEx(Op):
    node_name = "LinalgSolveExBackward0"

    @staticmethod
    def forward(ctx, A, B, vector=False, left=True, check=True):
        xp = xp_of(A)
        ctx.vector, ctx.left = vector, left
        A_in = A
        if not left:        # X A = B  <=>  A^T X^T = B^T
            A = xp.swapaxes(A, -1, -2)
            Bm = B[..., None] if vector else xp.swapaxes(B, -1, -2)
        else:
            Bm = B[..., None] if vector else B
        batch = np.broadcast_shapes(A.shape[:-2], Bm.shape[:-2])
        try:
            X = xp.linalg.solve(xp.broadcast_to(A, batch + A.shape[-2:]),
                                xp.broadcast_to(Bm, batch + Bm.shape[-2:]))
        except np.linalg.LinAlgError:
            if check:
                raise _LinAlgError("torch.linalg.solve: The solver failed because the input "
                                   "matrix is singular.") from None
            X = xp.full(batch + Bm.shape[-2:], xp.nan, A.dtype)
        X = X[..., 0] if vector else (X if left else xp.swapaxes(X, -1, -2))
        ctx.save_for_backward(A_in, X)
        return X

    @staticmethod
    def backward(ctx, grad):
        A, X = ctx.saved_tensors
        left, vector = ctx.left, ctx.vector
        gB = solve(_mH(A), grad, left=left)
        gA = None
        if ctx.needs_input_grad[0]:
            if vector:
                a, b = (gB, X.conj()) if left else (X.conj(), gB)
                gA = -a.unsqueeze(-1) * b.unsqueeze(-2)
            elif left:
                gA = -matmul(gB, _mH(X))
            else:
                gA = -matmul(_mH(X), gB)
        return gA, gB


def solve(A, B, *, left=True, out=None):
    """``torch.linalg.solve``: X with ``A X = B`` (``X A = B`` if not ``left``); B is a
    vector right-hand side when PyTorch would treat it as one."""
    _check_square(A, "linalg.solve")
    _check_float(A, "linalg.solve")
    if A._dtype is not B._dtype:
        raise RuntimeError("linalg.solve: Expected A and B to have the same dtype, but found A of "
                           f"type {_sn(A._dtype)} and B of type {_sn(B._dtype)} instead")
    _check_low(A, "lu_cpu")
    vector = _is_vector_rhs(A, B)
    rows = B.shape[-1] if vector else B.shape[-2 if left else -1]
    if rows != A.shape[-1]:
        cols = 1 if vector else B.shape[-1]
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({A.shape[-2]}x{A.shape[-1]} and {rows}x{cols})")
    return _out(out, LinalgSolveEx.apply(A, B, vector=vector, left=left))


def solve_ex(A, B, *, left=True, check_errors=False, out=None):
    """``torch.linalg.solve_ex``: ``(result, info)``."""
    X = solve(A, B, left=left)
    info = Tensor._make(np.zeros(A.shape[:-2], np.int32))
    return linalg_solve_ex(X, info)


def _triangle(T, upper, unitriangular):
    T = _ops.triu(T) if upper else _ops.tril(T)
    if unitriangular:
        eye = _eye_like(T.shape[-1], T)
        T = T * (1 - eye) + eye
    return T


class LinalgSolveTriangular(Op):
    node_name = "LinalgSolveTriangularBackward0"

    @staticmethod
    def forward(ctx, A, B, upper=False, left=True, unitriangular=False):
        xp = xp_of(A)
        ctx.args = (upper, left, unitriangular)
        n = A.shape[-1]
        T = xp.triu(A) if upper else xp.tril(A)
        if unitriangular:
            T = T.copy()
            idx = xp.arange(n)
            T[..., idx, idx] = 1
        if left:
            batch = np.broadcast_shapes(T.shape[:-2], B.shape[:-2])
            X = xp.linalg.solve(xp.broadcast_to(T, batch + T.shape[-2:]),
                                xp.broadcast_to(B, batch + B.shape[-2:]))
        else:
            Tt, Bt = xp.swapaxes(T, -1, -2), xp.swapaxes(B, -1, -2)
            batch = np.broadcast_shapes(Tt.shape[:-2], Bt.shape[:-2])
            X = xp.swapaxes(xp.linalg.solve(xp.broadcast_to(Tt, batch + Tt.shape[-2:]),
                                            xp.broadcast_to(Bt, batch + Bt.shape[-2:])), -1, -2)
        ctx.save_for_backward(A, X)
        return X

    @staticmethod
    def backward(ctx, grad):
        A, X = ctx.saved_tensors
        upper, left, unit = ctx.args
        T = _triangle(A, upper, unit)
        gB = solve_triangular(_mH(T), grad, upper=not upper, left=left)
        gA = None
        if ctx.needs_input_grad[0]:
            gA = -matmul(gB, _mH(X)) if left else -matmul(_mH(X), gB)
            gA = _ops.triu(gA, 1 if unit else 0) if upper else _ops.tril(gA, -1 if unit else 0)
        return gA, gB


def solve_triangular(A, B, *, upper, left=True, unitriangular=False, out=None):
    """``torch.linalg.solve_triangular``: X with ``T X = B`` (``X T = B`` if not ``left``)
    for the triangle T of A (with a unit diagonal if ``unitriangular``)."""
    _check_square(A, "linalg.solve_triangular")
    if A._dtype is not B._dtype:
        raise RuntimeError("linalg.solve_triangular: Expected A and B to have the same dtype, but "
                           f"found A of type {_sn(A._dtype)} and B of type {_sn(B._dtype)} instead")
    return _out(out, LinalgSolveTriangular.apply(A, B, upper=upper, left=left,
                                                 unitriangular=unitriangular))


# ---------------------------------------------------------------------- cholesky
class LinalgCholeskyEx(Op):
    node_name = "LinalgCholeskyExBackward0"

    @staticmethod
    def forward(ctx, A, upper=False, check=True):
        xp = xp_of(A)
        ctx.upper = upper
        try:
            L = xp.linalg.cholesky(A)
            info = xp.zeros(A.shape[:-2], np.int32)
        except np.linalg.LinAlgError:
            infos = _chol_infos(A)
            if check:
                flat = infos.reshape(-1)
                k = int(np.nonzero(flat)[0][0])
                raise _LinAlgError(
                    f"linalg.cholesky: {_batch_prefix(A, k)}The factorization could not be "
                    "completed because the input is not positive-definite (the leading minor of "
                    f"order {flat[k]} is not positive-definite).") from None
            info = xp.asarray(infos)
            L = xp.tril(A)
        if upper:
            L = xp.ascontiguousarray(xp.swapaxes(L, -1, -2).conj())
        ctx.save_for_backward(L)
        ctx.mark_non_differentiable(info)
        return L, info

    @staticmethod
    def backward(ctx, gL, ginfo=None):
        (L,) = ctx.saved_tensors
        if ctx.upper:
            L, gL = _mH(L), _mH(gL)
        # Murray (2016): gA = L^-H Phi(L^H gL) L^-1, symmetrised
        gA = _ops.tril(matmul(_mH(L), gL))
        gA = 0.5 * (gA + _mH(_ops.tril(gA, -1)))
        gA = solve(_mH(L), gA)
        gA = _mH(solve(_mH(L), _mH(gA)))     # gA L^-1
        return gA


def cholesky_ex(A, *, upper=False, check_errors=False, out=None):
    """``torch.linalg.cholesky_ex``: ``(L, info)``; info is the order of the first leading
    minor that is not positive-definite (0 on success)."""
    _check_square(A, "linalg.cholesky")
    _check_float(A, "linalg.cholesky")
    _check_low(A, "cholesky_cpu")
    L, info = LinalgCholeskyEx.apply(A, upper=upper, check=check_errors)
    return linalg_cholesky_ex(L, info)


class _Cholesky(LinalgCholeskyEx):
    node_name = "CholeskyBackward0"


def _legacy_cholesky(A, upper=False):
    _check_square(A, "cholesky")
    _check_float(A, "cholesky")
    return _Cholesky.apply(A, upper=upper, check=True)[0]


def cholesky(A, *, upper=False, out=None):
    """``torch.linalg.cholesky``: lower (or ``upper``) Cholesky factor of Hermitian
    positive-definite matrices; raises ``LinAlgError`` otherwise."""
    _check_square(A, "linalg.cholesky")
    _check_float(A, "linalg.cholesky")
    _check_low(A, "cholesky_cpu")
    return _out(out, LinalgCholeskyEx.apply(A, upper=upper, check=True)[0])


# ---------------------------------------------------------------------- eigh / eig
def _eye_like(n, t):
    return _const(xp_of(t._data).eye(n, dtype=t._data.dtype))


class LinalgEigh(Op):
    node_name = "LinalgEighBackward0"

    @staticmethod
    def forward(ctx, A, UPLO="L"):
        w, V = xp_of(A).linalg.eigh(A, UPLO=UPLO)
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        n = L.shape[-1]
        eye = _eye_like(n, L)
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + eye
        VhgV = matmul(_mH(V), gV)
        VhgV = 0.5 * (VhgV - _mH(VhgV))
        ret = VhgV / E * (1 - eye) + diag_embed(gL).to(VhgV.dtype)
        return matmul(V, matmul(ret, _mH(V)))


def _check_uplo(UPLO):
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")


def eigh(A, UPLO="L", *, out=None):
    """``torch.linalg.eigh``: ascending eigenvalues and orthonormal eigenvectors of Hermitian
    matrices, from the ``UPLO`` triangle."""
    _check_square(A, "linalg.eigh")
    _check_float(A, "linalg.eigh")
    _check_low(A, "linalg_eigh_cpu")
    _check_uplo(UPLO)
    w, V = LinalgEigh.apply(A, UPLO=UPLO)
    return linalg_eigh(w, V)


def eigvalsh(A, UPLO="L", *, out=None):
    """``torch.linalg.eigvalsh``: the eigenvalues of ``eigh``."""
    _check_square(A, "linalg.eigvalsh")
    _check_float(A, "linalg.eigvalsh")
    _check_low(A, "linalg_eigh_cpu")
    _check_uplo(UPLO)
    return _out(out, LinalgEigh.apply(A, UPLO=UPLO)[0])


def _complex_of(np_dtype):
    return np.dtype(np.complex64) if np_dtype in (np.float32, np.complex64) else np.dtype(np.complex128)


class LinalgEig(Op):
    node_name = "LinalgEigBackward0"

    @staticmethod
    def forward(ctx, A):
        xp = xp_of(A)
        ct = _complex_of(A.dtype)
        w, V = np.linalg.eig(_host(A))      # CuPy has no general eigensolver: run it on the host
        w, V = xp.asarray(w.astype(ct, copy=False)), xp.asarray(V.astype(ct, copy=False))
        ctx.save_for_backward(w, V)
        return w, V

    @staticmethod
    def backward(ctx, gL, gV):
        L, V = ctx.saved_tensors
        n = L.shape[-1]
        eye = _eye_like(n, L)
        Lc = L.conj()
        E = Lc.unsqueeze(-2) - Lc.unsqueeze(-1) + eye
        Vh = _mH(V)
        VhgV = matmul(Vh, gV)
        diag_re = _ops._diagonal(VhgV, 0, -2, -1)
        diag_re = (diag_re + diag_re.conj()) * 0.5
        VhgV = VhgV - matmul(Vh, V * diag_re.unsqueeze(-2))
        ret = VhgV / E * (1 - eye) + diag_embed(gL)
        return solve(Vh, matmul(ret, Vh))


def eig(A, *, out=None):
    """``torch.linalg.eig``: complex eigenvalues and eigenvectors (complex dtype even for
    real input, as in PyTorch)."""
    _check_square(A, "linalg.eig")
    if not (A._dtype.is_floating_point or A._dtype.is_complex):
        raise RuntimeError(f"Unknown Complex ScalarType for {_sn(A._dtype)}")
    w, V = LinalgEig.apply(A)
    return linalg_eig(w, V)


def eigvals(A, *, out=None):
    """``torch.linalg.eigvals``: the eigenvalues of ``eig``."""
    return _out(out, eig(A)[0])


# ---------------------------------------------------------------------- svd / qr
class LinalgSvd(Op):
    node_name = "LinalgSvdBackward0"

    @staticmethod
    def forward(ctx, A, full_matrices=True):
        xp = xp_of(A)
        ctx.full = full_matrices
        U, S, Vh = xp.linalg.svd(A, full_matrices=full_matrices)
        ctx.save_for_backward(U, S, Vh)
        return U, S, Vh

    @staticmethod
    def backward(ctx, *grads):
        U, S, Vh = ctx.saved_tensors
        if len(grads) == 1:
            gU, gS, gVh = None, grads[0], None
        else:
            gU, gS, gVh = grads
        k = S.shape[-1]
        m, n = U.shape[-2], Vh.shape[-1]
        if ctx.full and gU is not None:
            # only the first k singular vectors take part (PyTorch narrows them)
            Pm = _const(xp_of(U._data).eye(U.shape[-1], k, dtype=U._data.dtype))
            Pn = _const(xp_of(U._data).eye(k, Vh.shape[-2], dtype=U._data.dtype))
            U, gU = matmul(U, Pm), matmul(gU, Pm)
            Vh, gVh = matmul(Pn, Vh), matmul(Pn, gVh)
        return _svd_backward(gU, gS, gVh, U, S, Vh, m, n)


def _svd_backward(gU, gS, gVh, U, S, Vh, m, n):
    """PyTorch's svd_backward for distinct singular values."""
    if gU is None and gVh is None:
        return matmul(U, gS.unsqueeze(-1).to(U.dtype) * Vh) if m >= n else \
            matmul(U * gS.unsqueeze(-2).to(U.dtype), Vh)
    eye = _eye_like(S.shape[-1], S)
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + eye
    UhgU = matmul(_mH(U), gU)
    UhgU = UhgU - _mH(UhgU)
    VhgV = matmul(Vh, _mH(gVh))
    VhgV = VhgV - _mH(VhgV)
    ret = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E * (1 - eye)
    if gS is not None:
        ret = ret + diag_embed(gS).to(ret.dtype)
    if m > n:
        gA = matmul(U, ret)
        gUSinv = gU / S.unsqueeze(-2)
        gA = gA + gUSinv - matmul(U, matmul(_mH(U), gUSinv))
        return matmul(gA, Vh)
    if m < n:
        gA = matmul(ret, Vh)
        SinvgVh = gVh / S.unsqueeze(-1)
        gA = gA + SinvgVh - matmul(matmul(SinvgVh, _mH(Vh)), Vh)
        return matmul(U, gA)
    return matmul(U, matmul(ret, Vh))


def svd(A, full_matrices=True, *, driver=None, out=None):
    """``torch.linalg.svd``: ``(U, S, Vh)`` with ``A = U diag(S) Vh``, S descending."""
    _check_matrix(A, "linalg.svd")
    _check_float(A, "linalg.svd")
    _check_low(A, "linalg_svd_cpu")
    U, S, Vh = LinalgSvd.apply(A, full_matrices=full_matrices)
    return linalg_svd(U, S, Vh)


def svdvals(A, *, driver=None, out=None):
    """``torch.linalg.svdvals``: the singular values, descending."""
    _check_matrix(A, "linalg.svdvals")
    _check_float(A, "linalg.svdvals")
    _check_low(A, "linalg_svd_cpu")
    return _out(out, LinalgSvd.apply(A, full_matrices=False)[1])


class LinalgQr(Op):
    node_name = "LinalgQrBackward0"

    @staticmethod
    def forward(ctx, A, mode="reduced"):
        xp = xp_of(A)
        ctx.mode = mode
        if mode == "r":
            R = xp.linalg.qr(A, mode="r")
            return xp.zeros((0,), A.dtype), R
        Q, R = xp.linalg.qr(A, mode=mode)
        ctx.save_for_backward(Q, R)
        return Q, R

    @staticmethod
    def backward(ctx, gQ, gR):
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you are "
                               "going to differentiate through linalg.qr.")
        Q, R = ctx.saved_tensors
        m, n = Q.shape[-2], R.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if m < n:
            # A = Q [R1 | R2]: the square part X = Q R1 is a QR of its own and Y = Q R2, so
            # gY = Q gR2 and X sees gQ + Y gR2^H (PyTorch's wide-matrix reduction)
            xp = xp_of(R._data)
            P1 = _const(xp.eye(n, m, dtype=R._data.dtype))
            P2 = _const(xp.eye(n, n - m, -m, dtype=R._data.dtype))
            R1, R2 = matmul(R, P1), matmul(R, P2)
            gR1, gR2 = matmul(gR, P1), matmul(gR, P2)
            Y = matmul(Q, R2)
            gX = _qr_backward_tall(gQ + matmul(Y, _mH(gR2)), gR1, Q, R1)
            return matmul(gX, _mT(P1)) + matmul(matmul(Q, gR2), _mT(P2))
        return _qr_backward_tall(gQ, gR, Q, R)


def _qr_backward_tall(gQ, gR, Q, R):
    """QR backward for m >= n (reduced), Liao et al. (2019):
    gA = (gQ + Q copyltu(M)) R^-H with M = R gR^H - gQ^H Q."""
    M = matmul(R, _mH(gR)) - matmul(_mH(gQ), Q)
    C = _ops.tril(M) + _mH(_ops.tril(M, -1))
    gA = gQ + matmul(Q, C)
    return _mH(solve(R, _mH(gA)))      # gA R^-H


def qr(A, mode="reduced", *, out=None):
    """``torch.linalg.qr``: ``(Q, R)``; ``mode`` is 'reduced', 'complete' or 'r' (Q empty)."""
    _check_matrix(A, "linalg.qr")
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' "
                           "(default), 'r', or 'complete'")
    _check_low(A, "geqrf_cpu")
    Q, R = LinalgQr.apply(A, mode=mode)
    return linalg_qr(Q, R)


# ---------------------------------------------------------------------- pinv / rank / lstsq
def _default_rtol(A, atol, rtol):
    if rtol is None:
        eps = np.finfo(_real_dtype(A._data.dtype)).eps
        return 0.0 if atol is not None and atol > 0 else eps * max(A.shape[-2], A.shape[-1])
    return rtol


def _tol(S, atol, rtol):
    """``max(atol, rtol * largest singular value)`` per matrix (S is sorted descending)."""
    smax = S[..., :1] if S.shape[-1] else S.sum(-1, keepdims=True)
    return xp_of(S).maximum(atol or 0.0, rtol * smax)


class LinalgPinv(Op):
    node_name = "LinalgPinvBackward0"

    @staticmethod
    def forward(ctx, A, atol=None, rtol=0.0, hermitian=False):
        xp = xp_of(A)
        if hermitian:
            w, V = xp.linalg.eigh(A)
            aw = xp.abs(w)
            tol = xp.maximum(atol or 0.0, rtol * aw.max(-1, keepdims=True, initial=0))
            winv = xp.where(aw > tol, 1 / xp.where(aw > tol, w, 1), 0).astype(w.dtype)
            P = xp.matmul(V * winv[..., None, :], xp.swapaxes(V, -1, -2).conj())
        else:
            U, S, Vh = xp.linalg.svd(A, full_matrices=False)
            tol = _tol(S, atol, rtol)
            sinv = xp.where(S > tol, 1 / xp.where(S > tol, S, 1), 0).astype(S.dtype)
            P = xp.matmul(xp.swapaxes(Vh, -1, -2).conj() * sinv[..., None, :],
                          xp.swapaxes(U, -1, -2).conj())
        P = P.astype(A.dtype, copy=False)
        ctx.save_for_backward(A, P)
        return P

    @staticmethod
    def backward(ctx, grad):
        A, P = ctx.saved_tensors
        return _pinv_backward(grad, P, A)


def _pinv_backward(grad, pinvA, A):
    m, n = A.shape[-2], A.shape[-1]
    pinvAh = _mH(pinvA)
    gradh = _mH(grad)
    if m <= n:
        K = matmul(gradh, pinvA)
        KpinvAh = matmul(K, pinvAh)
        return (-_mH(matmul(pinvA, K)) + KpinvAh - matmul(matmul(A, pinvA), KpinvAh)
                + matmul(matmul(pinvAh, pinvA), gradh - matmul(K, A)))
    K = matmul(pinvA, gradh)
    pinvAhK = matmul(pinvAh, K)
    return (-_mH(matmul(K, pinvA)) + matmul(matmul(gradh - matmul(A, K), pinvA), pinvAh)
            + pinvAhK - matmul(matmul(pinvAhK, pinvA), A))


def pinv(A, *, atol=None, rtol=None, hermitian=False, out=None):
    """``torch.linalg.pinv``: Moore-Penrose pseudo-inverse through the SVD (or ``eigh`` when
    ``hermitian``); singular values below ``max(atol, rtol * max(S))`` are dropped."""
    if A.ndim < 2 or not (A._dtype.is_floating_point or A._dtype.is_complex) or \
            A._dtype in (D.float16, D.bfloat16):
        raise RuntimeError(f"linalg.pinv({_sn(A._dtype)}{{{list(A.shape)}}}): expected a tensor "
                           "with 2 or more dimensions of float, double, cfloat or cdouble types")
    rtol = _default_rtol(A, atol, rtol)
    return _out(out, LinalgPinv.apply(A, atol=atol, rtol=float(rtol), hermitian=hermitian))


def matrix_rank(A, tol=None, hermitian=False, *, atol=None, rtol=None, out=None):
    """``torch.linalg.matrix_rank``: number of singular values above
    ``max(atol, rtol * max(S))`` (int64)."""
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.matrix_rank: The input tensor input must have at least 2 "
                           "dimensions.")
    _check_float(A, "torch.linalg.matrix_rank")
    if tol is not None:
        atol, rtol = tol, 0.0
    rtol = _default_rtol(A, atol, rtol)
    xp = xp_of(A._data)
    if hermitian:
        S = xp.abs(xp.linalg.eigvalsh(A._data))
        S = xp.sort(S, -1)[..., ::-1]
    else:
        S = xp.linalg.svd(A._data, compute_uv=False)
    tol_ = _tol(S, atol, rtol)
    return _out(out, Tensor._make((S > tol_).sum(-1).astype(np.int64)))


class LinalgLstsq(Op):
    node_name = "LinalgLstsqBackward0"

    @staticmethod
    def forward(ctx, A, B, vector=False, rcond=None, driver="gelsy"):
        xp = xp_of(A)
        ctx.vector = vector
        ctx.save_for_backward(A, B)
        A, B = _host(A), _host(B)       # LAPACK's gelsd per matrix, on the host
        Bm = B[..., None] if vector else B
        batch = np.broadcast_shapes(A.shape[:-2], Bm.shape[:-2])
        Ab = np.broadcast_to(A, batch + A.shape[-2:])
        Bb = np.broadcast_to(Bm, batch + Bm.shape[-2:])
        m, n = A.shape[-2], A.shape[-1]
        k = Bm.shape[-1]
        X = np.empty(batch + (n, k), np.result_type(A.dtype, B.dtype))
        ranks = np.empty(batch, np.int64)
        svals = np.empty(batch + (min(m, n),), _real_dtype(A.dtype))
        res = np.empty(batch + (k,), _real_dtype(A.dtype))
        full = True
        for idx in np.ndindex(*batch):
            x, r, rk, sv = np.linalg.lstsq(Ab[idx], Bb[idx], rcond=rcond)
            X[idx], ranks[idx], svals[idx] = x, rk, sv
            if rk < n or m <= n:
                full = False
            elif r.size:
                res[idx] = r
        if vector:
            X = X[..., 0]
            res = res[..., 0]
        empty = np.zeros((0,), _real_dtype(A.dtype))
        residuals = res if full and driver != "gelsy" else empty
        ranks = ranks if driver != "gels" else np.zeros((0,), np.int64)
        svals = svals if driver in ("gelsd", "gelss") else empty.copy()
        X, residuals, ranks, svals = (xp.asarray(v) for v in (X, residuals, ranks, svals))
        ctx.mark_non_differentiable(svals)
        return X, residuals, ranks, svals

    @staticmethod
    def backward(ctx, gX, gres=None, grank=None, gsv=None):
        A, B = ctx.saved_tensors
        P = pinv(A)
        Bm = B.unsqueeze(-1) if ctx.vector else B
        G = gX.unsqueeze(-1) if ctx.vector else gX
        gA = gB = None
        if ctx.needs_input_grad[0]:
            gA = _pinv_backward(matmul(G, _mH(Bm)), P, A)
        if ctx.needs_input_grad[1]:
            gB = matmul(_mH(P), G)
            if ctx.vector:
                gB = gB.squeeze(-1)
        return gA, gB


def lstsq(A, B, rcond=None, *, driver=None):
    """``torch.linalg.lstsq``: least-squares solution of ``A X = B`` as
    ``(solution, residuals, rank, singular_values)``; which extras are filled depends on the
    driver as in PyTorch on the CPU (default 'gelsy': rank only)."""
    if A.ndim < 2:
        raise RuntimeError("torch.linalg.lstsq: input must have at least 2 dimensions.")
    if A._dtype is not B._dtype:
        raise RuntimeError("torch.linalg.lstsq: Expected input and other to have the same dtype, "
                           f"but got input's dtype {A._dtype} and other's dtype {B._dtype}")
    vector = B.ndim == A.ndim - 1
    if (B.shape[-1] if vector else B.shape[-2]) != A.shape[-2]:
        raise RuntimeError("torch.linalg.lstsq: input.size(-2) should match other.size(-2)")
    if rcond is None:
        rcond = np.finfo(_real_dtype(A._data.dtype)).eps * max(A.shape[-2], A.shape[-1])
    X, res, rank, sv = LinalgLstsq.apply(A, B, vector=vector, rcond=rcond,
                                         driver=driver or "gelsy")
    return linalg_lstsq(X, res, rank, sv)


# ---------------------------------------------------------------------- products, powers, exp
class _IdentityPower(Op):
    """``A^0``: PyTorch builds it by copying an identity into a new tensor."""

    node_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(ctx, A):
        xp = xp_of(A)
        return xp.ascontiguousarray(xp.broadcast_to(xp.eye(A.shape[-1], dtype=A.dtype), A.shape))

    @staticmethod
    def backward(ctx, grad):
        return grad * 0


def matrix_power(A, n, *, out=None):
    """``torch.linalg.matrix_power``: ``A^n`` by repeated squaring (``inv`` first for n < 0)."""
    _check_square(A, "linalg.matrix_power")
    if n == 0:
        return _out(out, _IdentityPower.apply(A))
    if n == 1:
        return _out(out, A.clone())
    if n < 0:
        A = inv(A)
        n = -n
        if n == 1:
            return _out(out, A)
    result = None
    z = A
    while True:
        if n & 1:
            result = z if result is None else matmul(result, z)
        n >>= 1
        if not n:
            break
        z = matmul(z, z)
    return _out(out, result)


# Higham (2005) Pade [13/13] coefficients and scaling thresholds
_PADE = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
         129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
         40840800., 960960., 16380., 182., 1.)
_THETA13 = 5.371920351148152


def _expm_array(A):
    xp = xp_of(A)
    dt = A.dtype
    work = A.astype(np.complex128 if dt.kind == "c" else np.float64)
    n = A.shape[-1]
    norms = xp.abs(work).sum(-2).max(-1) if n else xp.zeros(A.shape[:-2])
    s = int(max(0, math.ceil(math.log2(float(norms.max()) / _THETA13)))) if norms.size and \
        float(norms.max()) > _THETA13 else 0
    X = work / (2.0 ** s)
    b = _PADE
    eye = xp.broadcast_to(xp.eye(n, dtype=X.dtype), X.shape)
    X2 = X @ X
    X4 = X2 @ X2
    X6 = X4 @ X2
    U = X @ (X6 @ (b[13] * X6 + b[11] * X4 + b[9] * X2) + b[7] * X6 + b[5] * X4 + b[3] * X2
             + b[1] * eye)
    V = X6 @ (b[12] * X6 + b[10] * X4 + b[8] * X2) + b[6] * X6 + b[4] * X4 + b[2] * X2 + b[0] * eye
    R = xp.linalg.solve(V - U, V + U)
    for _ in range(s):
        R = R @ R
    return R.astype(dt)


class LinalgMatrixExp(Op):
    node_name = "LinalgMatrixExpBackward0"

    @staticmethod
    def forward(ctx, A):
        ctx.save_for_backward(A)
        return _expm_array(A)

    @staticmethod
    def backward(ctx, grad):
        (A,) = ctx.saved_tensors
        # d exp(A)^H-adjoint: the top-right block of exp([[A^H, G], [0, A^H]])
        n = A.shape[-1]
        xp = xp_of(A._data)
        dt = A._data.dtype
        P1 = _const(xp.eye(2 * n, n, dtype=dt))
        P2 = _const(xp.eye(2 * n, n, -n, dtype=dt))
        Ah = _mH(A)
        big = (matmul(matmul(P1, Ah), _mT(P1)) + matmul(matmul(P1, grad), _mT(P2))
               + matmul(matmul(P2, Ah), _mT(P2)))
        return matmul(matmul(_mT(P1), matrix_exp(big)), P2)


def matrix_exp(A):
    """``torch.linalg.matrix_exp``: scaling-and-squaring Pade [13/13] (Higham 2005)."""
    _check_square(A, "linalg.matrix_exp")
    return LinalgMatrixExp.apply(A)


def _multi_dot_order(shapes):
    """Cheapest parenthesisation (the classic dynamic programme); returns the split table."""
    n = len(shapes)
    p = [shapes[0][0]] + [s[1] for s in shapes]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = math.inf
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(tensors, *, out=None):
    """``torch.linalg.multi_dot``: the chain product in the cheapest order; the first and
    last tensor may be 1-D."""
    if not isinstance(tensors, (list, tuple)):
        raise TypeError("linalg_multi_dot(): argument 'tensors' (position 1) must be tuple of "
                        f"Tensors, not {type(tensors).__name__}")
    tensors = list(tensors)
    n = len(tensors)
    if n < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {n}")
    first, last = tensors[0], tensors[-1]
    if first.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {first.ndim}D")
    if last.ndim not in (1, 2):
        raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {last.ndim}D")
    for i in range(1, n - 1):
        if tensors[i].ndim != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {tensors[i].ndim}D")
    dt = first._dtype
    for i, t in enumerate(tensors):
        if t._dtype is not dt:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but tensor 0 "
                               f"is {_ops._cpp(dt)} and tensor {i} {_ops._cpp(t._dtype)}")
    mats = list(tensors)
    if first.ndim == 1:
        mats[0] = first.unsqueeze(0)
    if last.ndim == 1:
        mats[-1] = last.unsqueeze(1)
    for i in range(n - 1):
        if mats[i].shape[1] != mats[i + 1].shape[0]:
            raise RuntimeError(f"multi_dot(): tensors {i} and {i + 1} with shapes "
                               f"{list(tensors[i].shape)} and {list(tensors[i + 1].shape)} cannot "
                               "be multiplied")
    out_shape = ([first.shape[0]] if first.ndim == 2 else []) + \
        ([last.shape[1]] if last.ndim == 2 else [])
    if n == 2:
        r = _ops.mm(mats[0], mats[1])
    else:
        split = _multi_dot_order([tuple(m.shape) for m in mats])

        def chain(i, j):
            if i == j:
                return mats[i]
            k = split[i][j]
            return _ops.mm(chain(i, k), chain(k + 1, j))
        r = chain(0, n - 1)
    return _out(out, r.view(out_shape))


def cross(input, other, *, dim=-1, out=None):
    """``torch.linalg.cross``: cross product of 3-vectors along ``dim`` (broadcasting)."""
    return _out(out, _ops._linalg_cross(input, other, dim))


def vecdot(x, y, *, dim=-1, out=None):
    """``torch.linalg.vecdot``: ``sum(conj(x) * y, dim)``."""
    return _out(out, (x.conj() * y).sum(dim))


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """``torch.linalg.diagonal``: the diagonal of the (dim1, dim2) planes (a copy here)."""
    return _ops._diagonal(A, offset, dim1, dim2)


# ---------------------------------------------------------------------- norms
class LinalgVectorNorm(Op):
    node_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, ord=2.0, dims=None, keepdim=False, dtype=None):
        xp = xp_of(x)
        ctx.ord, ctx.dims, ctx.keepdim, ctx.shape = ord, dims, keepdim, x.shape
        if dtype is not None:
            x = x.astype(dtype)
        a = xp.abs(x)
        if a.dtype == np.float16:
            a = a.astype(np.float32)
        with np.errstate(all="ignore"):
            if ord == 2:
                r = xp.sqrt((a * a).sum(dims, keepdims=keepdim))
            elif ord == math.inf:
                r = a.max(dims, keepdims=keepdim, initial=0) if a.size else a.sum(dims, keepdims=keepdim)
            elif ord == -math.inf:
                r = a.min(dims, keepdims=keepdim)
            elif ord == 0:
                r = (a != 0).sum(dims, keepdims=keepdim)
            elif ord == 1:
                r = a.sum(dims, keepdims=keepdim)
            else:
                r = (a ** ord).sum(dims, keepdims=keepdim) ** (1.0 / ord)
        r = xp.asarray(r).astype(_real_dtype(x.dtype))
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, norm = ctx.saved_tensors
        p = ctx.ord
        if not ctx.keepdim and ctx.dims is not None:
            shape = list(ctx.shape)
            for d in ctx.dims:
                shape[d] = 1
            grad, norm = grad.reshape(shape), norm.reshape(shape)
        elif not ctx.keepdim:
            shape = [1] * len(ctx.shape)
            grad, norm = grad.reshape(shape), norm.reshape(shape)
        if p == 0:
            return None       # PyTorch leaves the gradient of the 0-"norm" undefined
        if p == 1:
            return x.sgn() * grad
        if p in (math.inf, -math.inf):
            hit = (x.abs() == norm).to(grad.dtype)
            count = hit.sum(ctx.dims, keepdim=True) if ctx.dims is not None else hit.sum()
            return x.sgn() * (grad * hit / count)
        safe = norm + (norm == 0).to(norm.dtype)
        nz = (norm != 0).to(norm.dtype)
        if p == 2:
            return x * (grad / safe * nz)
        return x.sgn() * x.abs().pow(p - 1) * (grad / safe.pow(p - 1) * nz)


def _dims(dim, ndim):
    if dim is None:
        return None
    if isinstance(dim, int):
        dim = (dim,)
    return tuple(sorted(wrap_dim(d, ndim) for d in dim))


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.linalg.vector_norm``: the ``ord``-norm of the entries over ``dim`` (all by
    default); ``inf``/``-inf`` are max/min of abs, 0 counts non-zeros."""
    if not (x._dtype.is_floating_point or x._dtype.is_complex):
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_sn(x._dtype)}")
    if dtype is not None and not (dtype.is_floating_point or dtype.is_complex):
        raise RuntimeError("linalg.vector_norm: dtype should be floating point or complex, but "
                           f"got {_sn(dtype)}")
    dims = _dims(dim, x.ndim)
    ord = float(ord)
    if ord < 0 or ord == math.inf:
        red = range(x.ndim) if dims is None else dims
        if any(x.shape[d] == 0 for d in red) if x.ndim else False:
            shown = "inf" if ord == math.inf else ("-inf" if ord == -math.inf else f"{ord:g}")
            raise RuntimeError(f"linalg.vector_norm cannot compute the {shown} norm on an empty "
                               "tensor because the operation does not have an identity")
    if dims == ():
        dims = None
    r = LinalgVectorNorm.apply(x, ord=ord, dims=dims, keepdim=keepdim,
                               dtype=dtype.np_dtype if dtype is not None else None)
    return _out(out, r)


class _Amax(Op):
    node_name = "AmaxBackward0"
    fn = "max"

    @classmethod
    def forward(cls, ctx, x, dim=-1, keepdim=False):
        r = xp_of(x).asarray(getattr(x, cls.fn)(axis=dim, keepdims=keepdim))
        ctx.dim, ctx.keepdim = dim, keepdim
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, r = ctx.saved_tensors
        if not ctx.keepdim:
            grad, r = grad.unsqueeze(ctx.dim), r.unsqueeze(ctx.dim)
        hit = (x == r).to(grad.dtype)
        return grad * hit / hit.sum(ctx.dim, keepdim=True)


class _Amin(_Amax):
    node_name = "AminBackward0"
    fn = "min"


_MATRIX_ORDS = ("fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None, out=None):
    """``torch.linalg.matrix_norm``: Frobenius, nuclear, max/min column or row sums
    (1/-1, inf/-inf) or largest/smallest singular value (2/-2) over ``dim``."""
    _check_matrix(A, "linalg.matrix_norm")
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
    _check_float(A, "linalg.matrix_norm")
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = (wrap_dim(d, A.ndim) for d in dim)
    if ord == "fro":
        return _out(out, vector_norm(A, 2, (d0, d1), keepdim))
    if ord in ("nuc", 2, -2):
        perm = [d for d in range(A.ndim) if d not in (d0, d1)] + [d0, d1]
        S = svdvals(A.permute(perm))
        if ord == "nuc":
            r = S.sum(-1, keepdim=keepdim)
        else:
            r = (_Amax if ord == 2 else _Amin).apply(S, dim=S.ndim - 1, keepdim=keepdim)
        if keepdim:
            inverse = [0] * A.ndim
            for i, d in enumerate(perm):
                inverse[d] = i
            r = r.unsqueeze(-1).permute(inverse)
        return _out(out, r)
    # 1 / -1: max / min over columns of the column sums; inf / -inf: over rows
    sum_dim, red_dim = (d0, d1) if ord in (1, -1) else (d1, d0)
    s = vector_norm(A, 1, sum_dim, keepdim)
    if not keepdim and red_dim > sum_dim:
        red_dim -= 1
    cls = _Amax if ord in (1, math.inf) else _Amin
    return _out(out, cls.apply(s, dim=red_dim, keepdim=keepdim))


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None, out=None):
    """``torch.linalg.norm``: a vector norm, or a matrix norm when ``ord`` is a string or
    ``dim`` names two dims (or A is 2-D and ``ord`` is given without ``dim``)."""
    if dim is not None and isinstance(dim, int):
        dim = (dim,)
    if isinstance(ord, str) or (dim is not None and len(dim) == 2):
        return matrix_norm(A, "fro" if ord is None else ord, (-2, -1) if dim is None else dim,
                           keepdim, dtype=dtype, out=out)
    if dim is None and ord is not None:
        if A.ndim not in (1, 2):
            raise RuntimeError("linalg.norm: If dim is not specified but ord is, the input must be "
                               f"1D or 2D. Got {A.ndim}D.")
        if A.ndim == 2:
            return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype, out=out)
    return vector_norm(A, 2 if ord is None else ord, dim, keepdim, dtype=dtype, out=out)

