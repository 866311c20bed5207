"""``torch.linalg`` (ember/linalg.py) against PyTorch: values, dtypes, named tuples,
grad_fn names, gradients in float64 and error messages."""

import math
from functools import partial

import numpy as np
import pytest
import torch

import ember
from tests.conftest import assert_same, assert_same_error, pair
from tests.ops.test_linalg import check, grad_fn_name, rand

EL, TL = ember.linalg, torch.linalg


def spd(n, batch=()):
    a = rand(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


def well(n, batch=()):
    return rand(*batch, n, n) + 3 * np.eye(n)


def sym_distinct(n, batch=()):
    """Symmetric matrices with well-separated eigenvalues."""
    q = np.linalg.qr(rand(*batch, n, n))[0]
    w = np.arange(1, n + 1) * 1.5
    return q @ (w[:, None] * np.swapaxes(q, -1, -2))


BATCHES = [(), (2,), (2, 3)]


# ---------------------------------------------------------------------- det / inv / solve
@pytest.mark.parametrize("batch", BATCHES)
def test_det_slogdet_inv(batch):
    a = well(3, batch)
    check(EL.det, TL.det, a)
    check(EL.slogdet, TL.slogdet, a)
    check(EL.inv, TL.inv, a)
    r = check(EL.inv_ex, TL.inv_ex, a)
    assert r.info.dtype is ember.int32 and r.info.shape == batch
    check(EL.det, TL.det, a, dtype=ember.float32, grad=False, rtol=1e-4)


def test_inv_det_empty_and_repr():
    check(EL.inv, TL.inv, rand(0, 0), grad=False)
    check(EL.det, TL.det, rand(2, 0, 0), grad=False)
    e, t = pair(np.diag([2.0, -1.0]))
    assert repr(EL.slogdet(e)) == repr(TL.slogdet(t))
    assert repr(EL.inv_ex(e)) == repr(TL.inv_ex(t))


@pytest.mark.parametrize("mat", [np.zeros((3, 3)), np.array([[1.0, 2.0], [2.0, 4.0]]),
                                 np.stack([np.eye(2), np.zeros((2, 2))]), np.ones((2, 3)),
                                 np.ones((3, 3), np.int64), np.ones(3)])
def test_inv_errors(mat):
    dt = ember.int64 if mat.dtype == np.int64 else ember.float32
    e, t = pair(mat, dt)
    assert_same_error(lambda: EL.inv(e), lambda: TL.inv(t))
    assert_same_error(lambda: ember.inverse(e), lambda: torch.inverse(t))


def test_linalg_error_type_and_inv_ex_info():
    e, t = pair(np.array([[1.0, 2.0], [2.0, 4.0]]), ember.float32)
    with pytest.raises(ember.linalg.LinAlgError):
        EL.inv(e)
    assert issubclass(ember.linalg.LinAlgError, RuntimeError)
    assert EL.inv_ex(e).info.item() == TL.inv_ex(t).info.item()


@pytest.mark.parametrize("sa,sb", [((3, 3), (3,)), ((3, 3), (3, 2)), ((2, 3, 3), (2, 3)),
                                   ((2, 3, 3), (3, 4)), ((2, 3, 3), (2, 3, 1)), ((3, 3), (2, 3, 2)),
                                   ((2, 1, 3, 3), (4, 3, 2))])
def test_solve(sa, sb):
    check(EL.solve, TL.solve, well(sa[-1], sa[:-2]), rand(*sb))


def test_solve_left_false():
    check(lambda a, b: EL.solve(a, b, left=False), lambda a, b: TL.solve(a, b, left=False),
          well(3), rand(2, 3))


def test_solve_errors():
    cases = [(np.zeros((3, 3)), rand(3), ember.float32, ember.float32),
             (well(3), rand(4), ember.float32, ember.float32),
             (well(3), rand(3), ember.float32, ember.float64)]
    for a, b, da, db in cases:
        ea, ta = pair(a, da)
        eb, tb = pair(b, db)
        assert_same_error(partial(EL.solve, ea, eb), partial(TL.solve, ta, tb))


# ---------------------------------------------------------------------- cholesky
@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(batch, upper):
    check(lambda a: EL.cholesky(a, upper=upper), lambda a: TL.cholesky(a, upper=upper), spd(3, batch))
    check(lambda a: EL.cholesky_ex(a, upper=upper), lambda a: TL.cholesky_ex(a, upper=upper),
          spd(3, batch))


@pytest.mark.parametrize("mat", [-np.eye(3), np.stack([np.eye(3), -np.eye(3)]),
                                 np.array([[1.0, 2.0], [2.0, 1.0]]), np.ones((2, 3))])
def test_cholesky_errors(mat):
    e, t = pair(mat, ember.float32)
    assert_same_error(lambda: EL.cholesky(e), lambda: TL.cholesky(t))
    if mat.shape[-1] == mat.shape[-2]:
        assert EL.cholesky_ex(e).info.tolist() == TL.cholesky_ex(t).info.tolist()


# ---------------------------------------------------------------------- eigh / eig
def _fix_sign(V):
    """Eigen/singular vectors are defined up to sign: make each column's largest entry positive."""
    V = np.asarray(V)
    idx = np.abs(V).argmax(-2)
    s = np.sign(np.take_along_axis(V, idx[..., None, :], -2))
    return V * s


@pytest.mark.parametrize("batch", BATCHES)
@pytest.mark.parametrize("uplo", ["L", "U"])
def test_eigh(batch, uplo):
    a = sym_distinct(4, batch)
    ea, ta = pair(a)
    re, rt = EL.eigh(ea, UPLO=uplo), TL.eigh(ta, UPLO=uplo)
    assert_same(re.eigenvalues, rt.eigenvalues)
    np.testing.assert_allclose(_fix_sign(re.eigenvectors.numpy()),
                               _fix_sign(rt.eigenvectors.numpy()), atol=1e-10)
    assert type(re).__name__ == "linalg_eigh" and re.eigenvalues is re[0]
    check(lambda x: EL.eigvalsh(x, UPLO=uplo), lambda x: TL.eigvalsh(x, UPLO=uplo), a)


def _sign_free_loss(mod, outs, w1, w2):
    """A loss that does not depend on the eigen/singular vectors' signs."""
    vals, vecs = outs
    return (vals * mod.tensor(w1)).sum() + (vecs * vecs * mod.tensor(w2)).sum()


def _grad_compare(fe, ft, a, nvals, nvecs_shape):
    w1, w2 = rand(*nvals), rand(*nvecs_shape)
    ea, ta = pair(a, requires_grad=True)
    oe, ot = fe(ea), ft(ta)
    assert all(grad_fn_name(x) == grad_fn_name(y) for x, y in zip(oe, ot))
    _sign_free_loss(ember, oe, w1, w2).backward()
    _sign_free_loss(torch, ot, w1, w2).backward()
    assert_same(ea.grad, ta.grad, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("batch", [(), (2,)])
def test_eigh_grad(batch):
    a = sym_distinct(4, batch)
    _grad_compare(EL.eigh, TL.eigh, a, batch + (4,), batch + (4, 4))


def test_eigh_errors():
    e, t = pair(rand(2, 3))
    assert_same_error(lambda: EL.eigh(e), lambda: TL.eigh(t))
    e, t = pair(rand(3, 3))
    assert_same_error(lambda: EL.eigh(e, UPLO="X"), lambda: TL.eigh(t, UPLO="X"))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64])
def test_eig_eigvals_complex_results(dtype):
    a = np.array([[2.0, -1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.3, 1.0]])
    ea, ta = pair(a, dtype)
    we, wt = EL.eigvals(ea), TL.eigvals(ta)
    assert str(we.dtype) == str(wt.dtype)
    key = np.lexsort
    se, st = we.numpy(), wt.numpy()
    np.testing.assert_allclose(se[key((se.imag, se.real))], st[key((st.imag, st.real))], rtol=1e-5)
    re = EL.eig(ea)
    assert type(re).__name__ == "linalg_eig" and str(re.eigenvectors.dtype) == str(wt.dtype)
    # A V = V diag(w)
    V, w = re.eigenvectors.numpy(), re.eigenvalues.numpy()
    np.testing.assert_allclose(a @ V, V * w, atol=1e-5)
    ei, ti = pair(np.ones((3, 3), np.int64))
    assert_same_error(lambda: EL.eig(ei), lambda: TL.eig(ti))


# ---------------------------------------------------------------------- svd / qr
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 4, 3), (2, 3, 5)])
@pytest.mark.parametrize("full", [False, True])
def test_svd(shape, full):
    a = rand(*shape)
    ea, ta = pair(a)
    re, rt = EL.svd(ea, full_matrices=full), TL.svd(ta, full_matrices=full)
    assert type(re).__name__ == "linalg_svd"
    for x, y in zip(re, rt):
        assert tuple(x.shape) == tuple(y.shape) and x.dtype is ember.float64
    assert_same(re.S, rt.S)
    k = min(shape[-2:])
    U, Vh = re.U.numpy()[..., :k], re.Vh.numpy()[..., :k, :]
    np.testing.assert_allclose((U * re.S.numpy()[..., None, :]) @ Vh, a, atol=1e-10)
    np.testing.assert_allclose(_fix_sign(U), _fix_sign(rt.U.numpy()[..., :k]), atol=1e-10)
    check(EL.svdvals, TL.svdvals, a)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 4, 3)])
def test_svd_grad(shape):
    a = rand(*shape)
    k = min(shape[-2:])
    batch = shape[:-2]

    def loss(mod, r, w):
        return ((r.S * mod.tensor(w[0])).sum() + (r.U * r.U * mod.tensor(w[1])).sum()
                + (r.Vh * r.Vh * mod.tensor(w[2])).sum())
    w = (rand(*batch, k), rand(*batch, shape[-2], k), rand(*batch, k, shape[-1]))
    ea, ta = pair(a, requires_grad=True)
    re, rt = EL.svd(ea, full_matrices=False), TL.svd(ta, full_matrices=False)
    assert grad_fn_name(re.S) == grad_fn_name(rt.S) == "LinalgSvdBackward0"
    loss(ember, re, w).backward()
    loss(torch, rt, w).backward()
    assert_same(ea.grad, ta.grad, rtol=1e-6, atol=1e-8)


def test_svd_full_matrices_grad_square():
    a = rand(3, 3)
    w = (rand(3), rand(3, 3), rand(3, 3))
    ea, ta = pair(a, requires_grad=True)
    re, rt = EL.svd(ea), TL.svd(ta)
    for mod, r in ((ember, re), (torch, rt)):
        ((r.S * mod.tensor(w[0])).sum() + (r.U * r.U * mod.tensor(w[1])).sum()).backward()
    assert_same(ea.grad, ta.grad, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("shape", [(4, 3), (3, 3), (2, 5, 3), (3, 4)])
@pytest.mark.parametrize("mode", ["reduced", "complete", "r"])
def test_qr(shape, mode):
    a = rand(*shape)
    grad = mode == "reduced" or (mode == "complete" and shape[-2] <= shape[-1])
    r = check(lambda x: EL.qr(x, mode=mode), lambda x: TL.qr(x, mode=mode), a, grad=grad)
    assert type(r).__name__ == "linalg_qr"


def test_qr_errors():
    e, t = pair(rand(3, 3))
    assert_same_error(lambda: EL.qr(e, mode="bad"), lambda: TL.qr(t, mode="bad"))
    e, t = pair(rand(3))
    assert_same_error(lambda: EL.qr(e), lambda: TL.qr(t))
    assert_same_error(lambda: EL.svd(e), lambda: TL.svd(t))


# ---------------------------------------------------------------------- pinv / rank / lstsq
@pytest.mark.parametrize("shape", [(4, 3), (3, 4), (3, 3), (2, 4, 3)])
def test_pinv(shape):
    check(EL.pinv, TL.pinv, rand(*shape))


def test_pinv_hermitian_and_rank_deficient():
    check(lambda a: EL.pinv(a, hermitian=True), lambda a: TL.pinv(a, hermitian=True), spd(3),
          grad=False)
    low = rand(4, 2) @ rand(2, 4)
    check(EL.pinv, TL.pinv, low, grad=False)
    e, t = pair(rand(3), ember.float32)
    assert_same_error(lambda: EL.pinv(e), lambda: TL.pinv(t))


@pytest.mark.parametrize("mat,kw", [(rand(4, 4), {}), (rand(4, 2) @ rand(2, 4), {}),
                                    (np.zeros((3, 3)), {}), (rand(2, 5, 3), {}),
                                    (np.diag([1.0, 1e-3, 1e-9]), {"atol": 1e-4}),
                                    (np.diag([1.0, 1e-3, 1e-9]), {"rtol": 1e-2}),
                                    (spd(3), {"hermitian": True})])
def test_matrix_rank(mat, kw):
    check(lambda a: EL.matrix_rank(a, **kw), lambda a: TL.matrix_rank(a, **kw), mat, grad=False)
    e, t = pair(rand(3))
    assert_same_error(lambda: EL.matrix_rank(e), lambda: TL.matrix_rank(t))


@pytest.mark.parametrize("sa,sb", [((4, 3), (4, 2)), ((3, 3), (3, 1)), ((2, 5, 3), (2, 5, 2))])
def test_lstsq(sa, sb):
    a, b = rand(*sa), rand(*sb)
    r = check(lambda x, y: EL.lstsq(x, y), lambda x, y: TL.lstsq(x, y), a, b)
    assert type(r).__name__ == "linalg_lstsq"
    check(lambda x, y: EL.lstsq(x, y, driver="gelsd"), lambda x, y: TL.lstsq(x, y, driver="gelsd"),
          a, b, grad=False)


def test_lstsq_error():
    ea, ta = pair(rand(4, 3))
    eb, tb = pair(rand(3, 2))
    assert_same_error(lambda: EL.lstsq(ea, eb), lambda: TL.lstsq(ta, tb))


# ---------------------------------------------------------------------- powers, exp, multi_dot
@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -1, -2])
@pytest.mark.parametrize("batch", [(), (2,)])
def test_matrix_power(n, batch):
    a = well(3, batch) / 3
    check(lambda x: EL.matrix_power(x, n), lambda x: TL.matrix_power(x, n), a, names=not batch)
    check(lambda x: x.matrix_power(n), lambda x: x.matrix_power(n), a, grad=False)


def test_matrix_power_errors():
    e, t = pair(rand(2, 3))
    assert_same_error(lambda: EL.matrix_power(e, 2), lambda: TL.matrix_power(t, 2))
    e, t = pair(np.ones((2, 2), np.int64))
    assert_same_error(lambda: EL.matrix_power(e, -1), lambda: TL.matrix_power(t, -1))
    check(lambda x: EL.matrix_power(x, 3), lambda x: TL.matrix_power(x, 3),
          np.arange(4).reshape(2, 2), dtype=ember.int64, grad=False)


@pytest.mark.parametrize("scale", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("batch", [(), (2,)])
def test_matrix_exp(scale, batch):
    a = rand(*batch, 3, 3) * scale
    check(EL.matrix_exp, TL.matrix_exp, a, rtol=1e-9, atol=1e-9)
    check(lambda x: x.matrix_exp(), lambda x: x.matrix_exp(), a, dtype=ember.float32,
          grad=False, rtol=1e-4)


def test_matrix_exp_error():
    e, t = pair(rand(2, 3))
    assert_same_error(lambda: EL.matrix_exp(e), lambda: TL.matrix_exp(t))


@pytest.mark.parametrize("shapes", [[(2, 3), (3, 4)], [(2, 3), (3, 4), (4, 5)], [(3,), (3, 4), (4,)],
                                    [(3,), (3, 4), (4, 2)], [(5, 2), (2, 30), (30, 2), (2, 6)]])
def test_multi_dot(shapes):
    arrays = [rand(*s) for s in shapes]
    check(lambda *a: EL.multi_dot(list(a)), lambda *a: TL.multi_dot(list(a)), *arrays)


@pytest.mark.parametrize("shapes,dts", [([(2, 3)], (32,)), ([(2, 3), (4, 5)], (32, 32)),
                                        ([(2, 3), (2, 3, 4)], (32, 32)),
                                        ([(2, 3), (3, 4)], (32, 64))])
def test_multi_dot_errors(shapes, dts):
    ps = [pair(rand(*s), ember.float32 if d == 32 else ember.float64) for s, d in zip(shapes, dts)]
    assert_same_error(lambda: EL.multi_dot([p[0] for p in ps]), lambda: TL.multi_dot([p[1] for p in ps]))


def test_vecdot_cross():
    check(EL.vecdot, TL.vecdot, rand(2, 3), rand(2, 3))
    check(lambda a, b: EL.vecdot(a, b, dim=0), lambda a, b: TL.vecdot(a, b, dim=0), rand(2, 3), rand(1, 3))
    ea, ta = pair(rand(2, 3))
    eb, tb = pair(rand(2, 4))
    assert_same_error(lambda: EL.vecdot(ea, eb), lambda: TL.vecdot(ta, tb))
    check(EL.cross, TL.cross, rand(4, 3), rand(4, 3))
    check(EL.matmul, TL.matmul, rand(2, 3), rand(3, 2))


# ---------------------------------------------------------------------- norms
VEC_ORDS = [2, 1, 0, 3, 0.5, math.inf, -math.inf, -1]


@pytest.mark.parametrize("ord", VEC_ORDS)
@pytest.mark.parametrize("dim,keepdim", [(None, False), ((0, 2), True), (-1, False)])
def test_vector_norm(ord, dim, keepdim):
    a = rand(2, 3, 4)
    check(lambda x: EL.vector_norm(x, ord, dim, keepdim), lambda x: TL.vector_norm(x, ord, dim, keepdim), a)


def test_vector_norm_dtypes_and_zero():
    check(EL.vector_norm, TL.vector_norm, rand(3, 4), dtype=ember.float32, grad=False)
    check(EL.vector_norm, TL.vector_norm, rand(3, 4) + 1j * rand(3, 4), dtype=ember.complex64,
          grad=False)
    check(lambda x: EL.vector_norm(x, dtype=ember.float64), lambda x: TL.vector_norm(x, dtype=torch.float64),
          rand(3, 4), dtype=ember.float32, grad=False)
    check(EL.vector_norm, TL.vector_norm, np.zeros((2, 3)))      # gradient at zero is 0
    check(lambda x: EL.vector_norm(x, 3), lambda x: TL.vector_norm(x, 3), np.zeros((2, 3)))
    check(EL.vector_norm, TL.vector_norm, rand(0), grad=False)
    check(lambda x: EL.vector_norm(x, 2, ()), lambda x: TL.vector_norm(x, 2, ()), rand(2, 3))
    check(lambda x: EL.vector_norm(x, 1, 1, True), lambda x: TL.vector_norm(x, 1, 1, True), rand(2, 3))


def test_vector_norm_errors():
    e, t = pair(np.ones(3, np.int64))
    assert_same_error(lambda: EL.vector_norm(e), lambda: TL.vector_norm(t))
    assert_same_error(lambda: EL.norm(e), lambda: TL.norm(t))
    e, t = pair(rand(3))
    assert_same_error(lambda: EL.vector_norm(e, dtype=ember.int64), lambda: TL.vector_norm(t, dtype=torch.int64))
    e, t = pair(rand(0))
    for o in (math.inf, -1):
        assert_same_error(partial(EL.vector_norm, e, o), partial(TL.vector_norm, t, o))


MAT_ORDS = ["fro", "nuc", math.inf, -math.inf, 1, -1, 2, -2]


@pytest.mark.parametrize("ord", MAT_ORDS)
@pytest.mark.parametrize("shape,dim,keepdim", [((3, 4), (-2, -1), False), ((2, 3, 4), (-2, -1), True),
                                               ((3, 2, 4), (0, 2), False), ((3, 2, 4), (2, 0), True)])
def test_matrix_norm(ord, shape, dim, keepdim):
    a = rand(*shape)
    check(lambda x: EL.matrix_norm(x, ord, dim, keepdim), lambda x: TL.matrix_norm(x, ord, dim, keepdim), a)


@pytest.mark.parametrize("ord,dim", [(None, None), ("fro", None), ("nuc", None), (2, None), (1, None),
                                     (math.inf, None), (None, 1), (3, 0), (None, (0, 1)), (-2, (0, 1))])
def test_norm(ord, dim):
    check(lambda x: EL.norm(x, ord, dim), lambda x: TL.norm(x, ord, dim), rand(3, 4))
    if not isinstance(ord, str) and dim in (None, 0):
        check(lambda x: EL.norm(x, ord, dim), lambda x: TL.norm(x, ord, dim), rand(5))


def test_norm_errors():
    cases = [(lambda m, x: m.linalg.matrix_norm(x), (3,)), (lambda m, x: m.linalg.matrix_norm(x, ord=3), (3, 3)),
             (lambda m, x: m.linalg.matrix_norm(x, ord="bad"), (3, 3)),
             (lambda m, x: m.linalg.norm(x, ord=2), (3, 3, 3)),
             (lambda m, x: m.linalg.norm(x, ord="fro"), (3,))]
    for call, shape in cases:
        e, t = pair(rand(*shape), ember.float32)
        assert_same_error(partial(call, ember, e), partial(call, torch, t))


def test_double_backward_inv_det():
    a = well(3)
    ea, ta = pair(a, requires_grad=True)
    ge, = ember.autograd.grad(EL.det(ea), ea, create_graph=True)
    gt, = torch.autograd.grad(TL.det(ta), ta, create_graph=True)
    assert_same(ge, gt)
    ge.sum().backward()
    gt.sum().backward()
    assert_same(ea.grad, ta.grad, rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------- numerical gradients
def _sym(f):
    return lambda a: f(a + a.transpose(-1, -2))


GRADCHECKS = [
    ("mm", ember.mm, [(2, 3), (3, 2)]),
    ("matmul_bcast", ember.matmul, [(2, 1, 2, 3), (3, 3, 2)]),
    ("matmul_1d", ember.matmul, [(3,), (2, 3, 2)]),
    ("addmm", lambda c, a, b: ember.addmm(c, a, b, beta=0.5, alpha=2), [(2,), (2, 3), (3, 2)]),
    ("baddbmm", ember.baddbmm, [(2, 2, 2), (2, 2, 3), (2, 3, 2)]),
    ("einsum_diag", lambda a, b: ember.einsum("iij,jk->ik", a, b), [(3, 3, 2), (2, 2)]),
    ("tensordot", lambda a, b: ember.tensordot(a, b, dims=([0, 2], [1, 0])), [(2, 3, 4), (4, 2)]),
    ("kron", ember.kron, [(2, 2), (2, 3)]),
    ("trace_tril_diag", lambda a: ember.trace(a) + ember.tril(a, -1).sum() + ember.diag(a).sum(),
     [(3, 3)]),
    ("diag_embed", lambda a: ember.diag_embed(a, 1, 0, 2), [(2, 3)]),
    ("cross", lambda a, b: ember.linalg.cross(a, b), [(2, 3), (2, 3)]),
    ("cdist", ember.cdist, [(3, 2), (4, 2)]),
    ("cdist_p3", lambda a, b: ember.cdist(a, b, p=3), [(3, 2), (4, 2)]),
    ("det", EL.det, "well"), ("det_singular", EL.det, "singular"), ("inv", EL.inv, "well"), ("slogdet", lambda a: EL.slogdet(a)[1], "well"),
    ("solve", EL.solve, "well+rhs"),
    ("cholesky", _sym(lambda a: EL.cholesky(a + 8 * ember.eye(3))), "spd"),
    ("eigh", _sym(lambda a: EL.eigh(a)[0].sum() + (EL.eigh(a)[1] ** 2)[0].sum()), "sym"),
    ("svd", lambda a: EL.svdvals(a), [(4, 3)]),
    ("svd_u", lambda a: (EL.svd(a, full_matrices=False).U ** 2)[:, 0].sum(), [(3, 2)]),
    ("qr", lambda a: EL.qr(a), [(4, 3)]),
    ("qr_wide", lambda a: EL.qr(a), [(2, 4)]),
    ("pinv", EL.pinv, [(3, 4)]),
    ("matrix_exp", EL.matrix_exp, [(3, 3)]),
    ("matrix_power", lambda a: EL.matrix_power(a, -2), "well"),
    ("vector_norm", lambda a: EL.vector_norm(a, 3, dim=1), [(2, 3)]),
    ("matrix_norm_nuc", lambda a: EL.matrix_norm(a, "nuc"), [(3, 2)]),
    ("matrix_norm_2", lambda a: EL.matrix_norm(a, 2), [(3, 2)]),
    ("lstsq", lambda a, b: EL.lstsq(a, b).solution, [(4, 3), (4, 2)]),
]


@pytest.mark.parametrize("name,fn,spec", GRADCHECKS, ids=[g[0] for g in GRADCHECKS])
def test_gradcheck(name, fn, spec):
    if spec == "well":
        arrays = [well(3)]
    elif spec == "well+rhs":
        arrays = [well(3), rand(3, 2)]
    elif spec == "singular":
        arrays = [rand(3, 3)]
        arrays[0][2] = arrays[0][0] - 2 * arrays[0][1]
    elif spec == "spd":
        arrays = [spd(3) / 2]
    elif spec == "sym":
        arrays = [sym_distinct(3) / 2]
    else:
        arrays = [rand(*s) for s in spec]
    inputs = tuple(ember.tensor(a, requires_grad=True) for a in arrays)
    assert ember.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)
    if name in ("mm", "matmul_bcast", "det", "inv", "solve", "einsum_diag", "kron", "cdist",
                "vector_norm", "cholesky", "eigh", "qr", "matrix_exp", "trace_tril_diag"):
        assert ember.autograd.gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


# ---------------------------------------------------------------------- triangular solve, legacy
@pytest.mark.parametrize("upper", [False, True])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular(upper, left, unit):
    kw = dict(upper=upper, left=left, unitriangular=unit)
    b = rand(3, 2) if left else rand(2, 3)
    check(lambda a, x: EL.solve_triangular(a, x, **kw), lambda a, x: TL.solve_triangular(a, x, **kw),
          well(3), b)


@pytest.mark.parametrize("shape", [(4, 3), (3, 4)])
@pytest.mark.parametrize("some", [True, False])
def test_legacy_svd_qr_cholesky(shape, some):
    a = rand(*shape)
    ea, ta = pair(a)
    re, rt = ember.svd(ea, some=some), torch.svd(ta, some=some)
    assert type(re).__name__ == "svd"
    for x, y in zip(re, rt):
        assert tuple(x.shape) == tuple(y.shape)
    assert_same(re.S, rt.S)
    k = min(shape)
    np.testing.assert_allclose((re.U.numpy()[:, :k] * re.S.numpy()) @ re.V.numpy()[:, :k].T, a,
                               atol=1e-10)
    assert repr(ember.svd(ea, compute_uv=False)) == repr(torch.svd(ta, compute_uv=False))
    with pytest.warns(UserWarning, match="torch.qr is deprecated"):
        r = check(lambda x: ember.qr(x, some), lambda x: torch.qr(x, some), a,
                  grad=some or shape[0] <= shape[1])
    assert type(r).__name__ == "qr"
    with pytest.warns(UserWarning, match="torch.cholesky is deprecated"):
        check(ember.cholesky, torch.cholesky, spd(3))


@pytest.mark.parametrize("name", ["inv", "det", "slogdet", "cholesky", "eigh", "svd", "qr", "pinv",
                                  "solve", "eigvalsh", "svdvals"])
@pytest.mark.parametrize("dtype", [ember.float16, ember.bfloat16])
def test_low_precision_errors(name, dtype):
    e, t = pair(np.eye(3), dtype)
    args_e, args_t = ((e, e), (t, t)) if name == "solve" else ((e,), (t,))
    assert_same_error(partial(getattr(EL, name), *args_e), partial(getattr(TL, name), *args_t))


def test_low_precision_supported():
    check(EL.vector_norm, TL.vector_norm, rand(3, 3), dtype=ember.float16, grad=False, rtol=1e-2,
          atol=1e-2)
    check(ember.trace, torch.trace, rand(3, 3), dtype=ember.bfloat16, grad=False)
    ea, ta = pair(np.eye(3), ember.float16)
    assert_same_error(partial(ember.cdist, ea, ea), partial(torch.cdist, ta, ta))
