"""Matrix products and matrix-shaped ops (ember/ops/linalg.py) against PyTorch."""

import warnings
from functools import partial

import numpy as np
import pytest
import torch

import ember
from tests.conftest import assert_same, assert_same_error, pair

rng = np.random.default_rng(0)


def rand(*shape, dtype=np.float64):
    return rng.standard_normal(shape).astype(dtype)


def both(fe, ft, arrays, dtype=None, requires_grad=False):
    ps = [pair(a, dtype, requires_grad) for a in arrays]
    es, ts = [p[0] for p in ps], [p[1] for p in ps]
    return es, ts, fe(*es), ft(*ts)


def grad_fn_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def check(fe, ft, *arrays, dtype=ember.float64, grad=True, rtol=None, atol=None, names=True):
    """Values, dtypes, shapes, grad_fn names and (float64) gradients agree with PyTorch."""
    es, ts, re, rt = both(fe, ft, arrays, dtype, requires_grad=grad)
    outs_e = re if isinstance(re, tuple) else (re,)
    outs_t = rt if isinstance(rt, tuple) else (rt,)
    for oe, ot in zip(outs_e, outs_t):
        assert_same(oe, ot, rtol=rtol, atol=atol)
        if names:
            assert grad_fn_name(oe) == grad_fn_name(ot)
    if not grad:
        return re
    loss_e = loss_t = 0
    for oe, ot in zip(outs_e, outs_t):
        if not (ot.dtype.is_floating_point and ot.requires_grad):
            continue
        w = rand(*ot.shape)
        loss_e = loss_e + (oe * ember.tensor(w)).sum()
        loss_t = loss_t + (ot * torch.tensor(w)).sum()
    loss_t.backward()
    loss_e.backward()
    for e, t in zip(es, ts):
        assert (e.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same(e.grad, t.grad, rtol=1e-6 if rtol is None else rtol,
                        atol=1e-8 if atol is None else atol)
    return re


# ---------------------------------------------------------------------- matmul family
MATMUL_SHAPES = [
    ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
    ((5, 2, 3), (3,)), ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 4)),
    ((5, 1, 2, 3), (6, 3, 4)), ((1, 2, 3), (5, 3, 4)), ((5, 2, 3), (1, 3, 4)),
    ((1, 2, 3), (5, 3, 1)), ((2, 3), (5, 3, 1)), ((1, 3), (5, 3, 4)), ((5, 1, 3), (3,)),
    ((1, 1, 2, 3), (1, 5, 3, 4)), ((1, 2, 3), (1, 3, 4)), ((0, 3), (3, 4)), ((3, 0), (0, 4)),
    ((0, 2, 3), (3, 4)), ((2, 3), (0, 3, 4)), ((2, 0), (0,)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul_shapes_grads_names(sa, sb):
    check(ember.matmul, torch.matmul, rand(*sa), rand(*sb))
    check(lambda a, b: a @ b, lambda a, b: a @ b, rand(*sa), rand(*sb))


@pytest.mark.parametrize("dtype", [ember.float32, ember.float64, ember.int64, ember.int32,
                                   ember.complex64, ember.float16, ember.bfloat16])
@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((4, 2, 3), (3,)), ((3,), (3,)),
                                   ((2, 2, 3), (2, 3, 2))])
def test_matmul_dtypes(dtype, sa, sb):
    a, b = rand(*sa) * 3, rand(*sb) * 3
    if dtype.is_complex:
        a, b = a + 1j * rand(*sa), b + 1j * rand(*sb)
    tol = {"float16": 1e-2, "bfloat16": 5e-2}.get(dtype.name)
    check(ember.matmul, torch.matmul, a, b, dtype=dtype, grad=False, rtol=tol, atol=tol)


def test_matmul_non_contiguous_and_float32_stays():
    a, b = rand(4, 6).astype(np.float32), rand(5, 4).astype(np.float32)
    ea, ta = pair(a)
    eb, tb = pair(b)
    assert_same(ea.t() @ eb.t(), ta.t() @ tb.t())
    assert (ea.t() @ eb.t()).dtype is ember.float32
    e3, t3 = pair(rand(6, 3, 4).astype(np.float32))
    assert_same(e3.transpose(0, 1) @ ea, t3.transpose(0, 1) @ ta, rtol=1e-5)


MATMUL_ERRORS = [
    ((), (3,)), ((3,), ()), ((3,), (4,)), ((2, 3), (4,)), ((3,), (4, 5)), ((2, 3), (4, 5)),
    ((5, 2, 3), (4, 5)), ((5, 2, 3), (4,)), ((4,), (5, 3, 2)), ((2, 4), (5, 3, 2)),
    ((5, 2, 4), (5, 3, 2)), ((5, 2, 3), (4, 3, 2)), ((2, 5, 2, 3), (4, 3, 2)),
]


@pytest.mark.parametrize("sa,sb", MATMUL_ERRORS)
def test_matmul_errors(sa, sb):
    ea, ta = pair(rand(*sa).astype(np.float32))
    eb, tb = pair(rand(*sb).astype(np.float32))
    assert_same_error(lambda: ember.matmul(ea, eb), lambda: torch.matmul(ta, tb))


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                   ((2, 2, 3), (2, 3, 4)), ((2, 3), (2, 3, 5)), ((3,), (2, 3, 5))])
def test_matmul_dtype_mismatch(sa, sb):
    ea, ta = pair(rand(*sa), ember.float32)
    eb, tb = pair(rand(*sb), ember.float64)
    assert_same_error(lambda: ember.matmul(ea, eb), lambda: torch.matmul(ta, tb))


def test_matmul_bool_and_non_tensor():
    ea, ta = pair(np.ones((3, 3), bool))
    assert_same_error(lambda: ea @ ea, lambda: ta @ ta)
    ev, tv = pair(np.ones(3, bool))
    assert_same_error(lambda: ev @ ev, lambda: tv @ tv)
    e, t = pair(rand(2, 3))
    assert_same_error(lambda: e @ [1, 2, 3], lambda: t @ [1, 2, 3])
    assert_same_error(lambda: 2 @ e, lambda: 2 @ t)
    for fn in ("matmul", "mm", "dot", "mv", "bmm"):
        assert_same_error(partial(getattr(ember, fn), e, [1.0]), partial(getattr(torch, fn), t, [1.0]))
        assert_same_error(partial(getattr(ember, fn), [1.0], e), partial(getattr(torch, fn), [1.0], t))


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((0, 3), (3, 2)), ((3, 0), (0, 2))])
def test_mm(sa, sb):
    check(ember.mm, torch.mm, rand(*sa), rand(*sb))
    check(lambda a, b: a.mm(b), lambda a, b: a.mm(b), rand(*sa), rand(*sb))


@pytest.mark.parametrize("sa,sb,da,db", [((2, 2, 3), (3, 4), 32, 32), ((2, 3), (2, 3, 4), 32, 32),
                                         ((3,), (3, 4), 32, 32), ((2, 3), (4, 5), 32, 32),
                                         ((2, 3), (3, 4), 32, 64), ((2, 3), (4, 5), 32, 64),
                                         ((2, 3, 3), (4, 5), 32, 64)])
def test_mm_errors(sa, sb, da, db):
    ea, ta = pair(rand(*sa), ember.float32 if da == 32 else ember.float64)
    eb, tb = pair(rand(*sb), ember.float32 if db == 32 else ember.float64)
    assert_same_error(lambda: ember.mm(ea, eb), lambda: torch.mm(ta, tb))


def test_mm_int_and_bool():
    check(ember.mm, torch.mm, np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4),
          dtype=ember.int64, grad=False)
    ea, ta = pair(np.ones((2, 2), bool))
    assert_same_error(lambda: ember.mm(ea, ea), lambda: torch.mm(ta, ta))


def test_bmm():
    check(ember.bmm, torch.bmm, rand(4, 2, 3), rand(4, 3, 5))
    check(ember.bmm, torch.bmm, rand(0, 2, 3), rand(0, 3, 5))
    for sa, sb, dt in [((2, 3), (3, 4), 32), ((2, 2, 3), (3, 4), 32), ((2, 2, 3), (3, 3, 4), 32),
                       ((2, 2, 3), (2, 4, 4), 32), ((2, 2, 3), (2, 3, 4), 64)]:
        ea, ta = pair(rand(*sa), ember.float32)
        eb, tb = pair(rand(*sb), ember.float32 if dt == 32 else ember.float64)
        assert_same_error(partial(ember.bmm, ea, eb), partial(torch.bmm, ta, tb))


@pytest.mark.parametrize("beta,alpha", [(1, 1), (0.5, 2.0), (0, 1), (2, 0)])
def test_addmm_family(beta, alpha):
    kw = dict(beta=beta, alpha=alpha)
    check(lambda c, a, b: ember.addmm(c, a, b, **kw), lambda c, a, b: torch.addmm(c, a, b, **kw),
          rand(2, 4), rand(2, 3), rand(3, 4))
    check(lambda c, a, b: ember.addmm(c, a, b, **kw), lambda c, a, b: torch.addmm(c, a, b, **kw),
          rand(4), rand(2, 3), rand(3, 4))
    check(lambda c, a, b: ember.baddbmm(c, a, b, **kw),
          lambda c, a, b: torch.baddbmm(c, a, b, **kw), rand(2, 2, 4), rand(2, 2, 3), rand(2, 3, 4))
    check(lambda c, a, b: ember.addmv(c, a, b, **kw), lambda c, a, b: torch.addmv(c, a, b, **kw),
          rand(2), rand(2, 3), rand(3))
    check(lambda c, a, b: ember.addr(c, a, b, **kw), lambda c, a, b: torch.addr(c, a, b, **kw),
          rand(2, 3), rand(2), rand(3))
    check(lambda c, a, b: c.addmm(a, b, **kw), lambda c, a, b: c.addmm(a, b, **kw),
          rand(1, 4), rand(2, 3), rand(3, 4))


@pytest.mark.parametrize("name,shapes", [("addmm", [(2, 4), (2, 3), (3, 4)]),
                                         ("baddbmm", [(2, 2, 4), (2, 2, 3), (2, 3, 4)]),
                                         ("addmv", [(2,), (2, 3), (3,)]), ("addr", [(2, 3), (2,), (3,)])])
def test_add_product_inplace(name, shapes):
    arrays = [rand(*s) for s in shapes]
    (ec, tc), (ea, ta), (eb, tb) = (pair(x, requires_grad=True) for x in arrays)
    ye, yt = ec * 1, tc * 1
    getattr(ye, name + "_")(ea, eb, beta=0.5, alpha=2)
    getattr(yt, name + "_")(ta, tb, beta=0.5, alpha=2)
    assert_same(ye, yt)
    assert grad_fn_name(ye) == grad_fn_name(yt)
    w = rand(*shapes[0])
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    for e, t in ((ec, tc), (ea, ta), (eb, tb)):
        assert_same(e.grad, t.grad)


def test_addmm_beta_zero_ignores_nan():
    ec, tc = pair(np.full((2, 2), np.nan))
    ea, ta = pair(rand(2, 3))
    eb, tb = pair(rand(3, 2))
    assert_same(ember.addmm(ec, ea, eb, beta=0), torch.addmm(tc, ta, tb, beta=0))


@pytest.mark.parametrize("fn,shapes,dts", [
    ("addmm", ((2, 4), (2, 3), (4, 5)), (32, 32, 32)),
    ("addmm", ((3, 4), (2, 3), (3, 4)), (32, 32, 32)),
    ("addmm", ((2, 4), (2, 3), (3, 4)), (64, 32, 32)),
    ("addmm", ((2, 4), (2, 3), (3, 4)), (32, 64, 32)),
    ("addmm", ((2, 4), (2, 3), (3, 4)), (32, 64, 64)),
    ("addmm", ((2, 4), (2, 2, 3), (3, 4)), (32, 32, 32)),
    ("addmm", ((2, 4), (2, 3), (2, 3, 4)), (32, 32, 32)),
    ("addmv", ((3,), (2, 3), (3,)), (32, 32, 32)),
    ("addmv", ((2,), (2, 3), (3,)), (64, 32, 32)),
    ("baddbmm", ((2, 2, 5), (2, 2, 3), (2, 3, 4)), (32, 32, 32)),
    ("baddbmm", ((2, 2, 4), (2, 2, 3), (2, 3, 4)), (64, 32, 32)),
    ("addr", ((2, 3), (2, 2), (3,)), (32, 32, 32)),
    ("addr", ((3, 3), (2,), (3,)), (32, 32, 32)),
])
def test_add_product_errors(fn, shapes, dts):
    ps = [pair(rand(*s), ember.float32 if d == 32 else ember.float64) for s, d in zip(shapes, dts)]
    assert_same_error(lambda: getattr(ember, fn)(*[p[0] for p in ps]),
                      lambda: getattr(torch, fn)(*[p[1] for p in ps]))


def test_dot_vdot_mv_outer_inner():
    check(ember.dot, torch.dot, rand(3), rand(3))
    check(ember.vdot, torch.vdot, rand(3), rand(3))
    check(ember.mv, torch.mv, rand(2, 3), rand(3))
    check(ember.outer, torch.outer, rand(2), rand(3))
    check(ember.ger, torch.ger, rand(2), rand(3))
    check(ember.inner, torch.inner, rand(2, 3), rand(4, 3))
    check(ember.inner, torch.inner, rand(3), rand(3))
    check(ember.inner, torch.inner, rand(2, 5, 3), rand(4, 3))
    check(ember.inner, torch.inner, rand(), rand(2, 3))
    c = rand(3) + 1j * rand(3), rand(3) + 1j * rand(3)
    check(ember.vdot, torch.vdot, *c, dtype=ember.complex128, grad=False)
    check(ember.dot, torch.dot, *c, dtype=ember.complex128, grad=False)
    check(ember.dot, torch.dot, np.arange(3), np.arange(3), dtype=ember.int64, grad=False)
    check(ember.outer, torch.outer, np.arange(3), rand(2), grad=False, dtype=None)


@pytest.mark.parametrize("fn,sa,sb,da,db", [
    ("dot", (2, 3), (3,), 32, 32), ("dot", (3,), (4,), 32, 32), ("dot", (3,), (3,), 32, 64),
    ("dot", (3,), (4,), 32, 64), ("vdot", (3,), (4,), 32, 32), ("vdot", (2, 3), (3,), 32, 32),
    ("mv", (3,), (3,), 32, 32), ("mv", (2, 3), (3, 1), 32, 32), ("mv", (2, 3), (4,), 32, 32),
    ("mv", (2, 3), (3,), 32, 64), ("outer", (2, 3), (3,), 32, 32), ("outer", (3,), (2, 3), 32, 32),
    ("inner", (2, 3), (2, 4), 32, 32), ("inner", (2, 3), (2, 3), 32, 64),
])
def test_vector_errors(fn, sa, sb, da, db):
    ea, ta = pair(rand(*sa), ember.float32 if da == 32 else ember.float64)
    eb, tb = pair(rand(*sb), ember.float32 if db == 32 else ember.float64)
    assert_same_error(lambda: getattr(ember, fn)(ea, eb), lambda: getattr(torch, fn)(ta, tb))


# ---------------------------------------------------------------------- einsum / tensordot / kron
EINSUMS = [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij,jk", [(2, 3), (3, 4)]), ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]), ("ii", [(3, 3)]), ("ij->ji", [(2, 3)]), ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]), ("...ij,...jk->...ik", [(5, 2, 3), (3, 4)]),
    ("...ij,...jk", [(2, 2, 3), (2, 3, 4)]), ("ij->", [(2, 3)]), ("ijk->kj", [(2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]), ("i...->...", [(2, 3, 4)]),
    ("ab,b->a", [(2, 3), (3,)]), ("iij->ij", [(3, 3, 2)]), ("ij,ij->i", [(2, 3), (2, 3)]),
    ("b i d, b j d -> b i j", [(2, 3, 4), (2, 5, 4)]), ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("bij,bjk->bik", [(2, 40, 60), (2, 60, 3)]),
    ("Ab->bA", [(2, 3)]), ("ii,j->j", [(3, 3), (2,)]), ("ij,k->i", [(2, 3), (4,)]),
    ("...ij,...jk", [(2, 1, 2, 3), (4, 3, 2)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUMS)
def test_einsum(eq, shapes):
    arrays = [rand(*s) for s in shapes]
    check(lambda *a: ember.einsum(eq, *a), lambda *a: torch.einsum(eq, *a), *arrays)
    check(lambda *a: ember.einsum(eq, list(a)), lambda *a: torch.einsum(eq, list(a)), *arrays,
          grad=False, names=False, dtype=ember.float32)


def test_einsum_name_and_int():
    check(lambda a, b: ember.einsum("ij,jk->ik", a, b), lambda a, b: torch.einsum("ij,jk->ik", a, b),
          rand(2, 3), rand(3, 4))
    check(lambda a, b: ember.einsum("ij,jk->ik", a, b), lambda a, b: torch.einsum("ij,jk->ik", a, b),
          np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4), dtype=ember.int32, grad=False)


@pytest.mark.parametrize("eq,shapes,dts", [
    ("ij,jk->ik", [(2, 3), (4, 5)], (32, 32)), ("ij,jk->ik", [(2, 3)], (32,)),
    ("ijk,jk->ik", [(2, 3), (3, 5)], (32, 32)), ("ij,jk->ik", [(2, 3), (3, 5)], (32, 64)),
])
def test_einsum_errors(eq, shapes, dts):
    ps = [pair(rand(*s), ember.float32 if d == 32 else ember.float64) for s, d in zip(shapes, dts)]
    assert_same_error(lambda: ember.einsum(eq, *[p[0] for p in ps]),
                      lambda: torch.einsum(eq, *[p[1] for p in ps]))


@pytest.mark.parametrize("sa,sb,dims", [((2, 3), (3, 4), 1), ((2, 3, 4), (3, 4, 5), 2),
                                        ((2, 3), (4, 5), 0), ((2, 3, 4), (4, 3), ([1, 2], [1, 0])),
                                        ((2, 3), (3, 2), ([0], [1]))])
def test_tensordot(sa, sb, dims):
    check(lambda a, b: ember.tensordot(a, b, dims=dims), lambda a, b: torch.tensordot(a, b, dims=dims),
          rand(*sa), rand(*sb))


def test_tensordot_errors():
    ea, ta = pair(rand(2, 3), ember.float32)
    eb, tb = pair(rand(4, 5), ember.float32)
    assert_same_error(lambda: ember.tensordot(ea, eb, dims=1), lambda: torch.tensordot(ta, tb, dims=1))
    ec, tc = pair(rand(3, 5), ember.float64)
    assert_same_error(lambda: ember.tensordot(ea, ec, dims=1), lambda: torch.tensordot(ta, tc, dims=1))


@pytest.mark.parametrize("sa,sb", [((2, 3), (3, 4)), ((2,), (3,)), ((2, 3), (4,)), ((2, 1, 2), (3, 2)),
                                   ((), (2,))])
def test_kron(sa, sb):
    check(ember.kron, torch.kron, rand(*sa), rand(*sb))


def test_kron_promotes():
    ea, ta = pair(rand(2, 2), ember.float32)
    eb, tb = pair(rand(2, 2), ember.float64)
    assert_same(ember.kron(ea, eb), torch.kron(ta, tb))


# ---------------------------------------------------------------------- trace / tril / diag
@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (4, 2), (0, 0)])
def test_trace(shape):
    check(ember.trace, torch.trace, rand(*shape))
    check(ember.trace, torch.trace, np.arange(_n(shape)).reshape(shape), dtype=ember.int32, grad=False)


def _n(shape):
    return int(np.prod(shape))


def test_trace_errors():
    for s in [(3,), (2, 3, 3)]:
        e, t = pair(rand(*s))
        assert_same_error(partial(ember.trace, e), partial(torch.trace, t))


@pytest.mark.parametrize("shape", [(3, 3), (2, 4), (2, 3, 4), (0, 3)])
@pytest.mark.parametrize("k", [0, 1, -5])
def test_tril_triu(shape, k):
    check(lambda x: ember.tril(x, k), lambda x: torch.tril(x, k), rand(*shape))
    check(lambda x: ember.triu(x, diagonal=k), lambda x: torch.triu(x, diagonal=k), rand(*shape))
    check(lambda x: x.tril(k), lambda x: x.tril(k), np.arange(_n(shape)).reshape(shape),
          dtype=ember.int64, grad=False)


def test_tril_triu_inplace_and_errors():
    for name in ("tril_", "triu_"):
        e, t = pair(rand(3, 4))
        assert getattr(e, name)(1) is e
        getattr(t, name)(1)
        assert_same(e, t)
        assert e._version == t._version
        # through a non-leaf: the in-place node takes over the grad_fn
        ea, ta = pair(rand(3, 3), requires_grad=True)
        ye, yt = ea * 2, ta * 2
        getattr(ye, name)()
        getattr(yt, name)()
        assert grad_fn_name(ye) == grad_fn_name(yt)
        ye.sum().backward()
        yt.sum().backward()
        assert_same(ea.grad, ta.grad)
    e, t = pair(rand(3))
    assert_same_error(lambda: ember.tril(e), lambda: torch.tril(t))
    assert_same_error(lambda: ember.triu(e), lambda: torch.triu(t))


@pytest.mark.parametrize("shape,k", [((3,), 0), ((3,), 1), ((3,), -2), ((3, 3), 0), ((3, 4), 1),
                                     ((4, 3), -1), ((3, 3), 5), ((0,), 0)])
def test_diag(shape, k):
    check(lambda x: ember.diag(x, k), lambda x: torch.diag(x, k), rand(*shape))


def test_diag_errors():
    for s in [(), (2, 2, 2)]:
        e, t = pair(rand(*s))
        assert_same_error(partial(ember.diag, e), partial(torch.diag, t))


@pytest.mark.parametrize("shape,args", [((3,), ()), ((2, 3), ()), ((2, 3), (1,)), ((2, 3), (-1, 0, 2)),
                                        ((2, 3), (0, 0, 1)), ((2, 3, 4), (2, -1, 0))])
def test_diag_embed_diagflat(shape, args):
    check(lambda x: ember.diag_embed(x, *args), lambda x: torch.diag_embed(x, *args), rand(*shape))
    off = args[0] if args else 0
    check(lambda x: ember.diagflat(x, off), lambda x: torch.diagflat(x, off), rand(*shape))


def test_diag_embed_error():
    e, t = pair(rand())
    assert_same_error(lambda: ember.diag_embed(e), lambda: torch.diag_embed(t))


# ---------------------------------------------------------------------- cross / cdist
@pytest.mark.parametrize("sa,sb,dim", [((4, 3), (4, 3), -1), ((3, 4), (3, 4), 0), ((2, 3), (1, 3), 1),
                                       ((2, 3, 5), (2, 3, 5), 1)])
def test_cross(sa, sb, dim):
    check(lambda a, b: ember.cross(a, b, dim=dim), lambda a, b: torch.cross(a, b, dim=dim),
          rand(*sa), rand(*sb))
    check(lambda a, b: ember.linalg.cross(a, b, dim=dim),
          lambda a, b: torch.linalg.cross(a, b, dim=dim), rand(*sa), rand(*sb))


def test_cross_default_dim_warns():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        check(ember.cross, torch.cross, rand(3, 4), rand(3, 4))
    assert any("torch.cross without specifying the dim" in str(x.message) for x in w)


@pytest.mark.parametrize("call", [
    lambda m, a, b: m.linalg.cross(a(3, 4), b(3, 4)),
    lambda m, a, b: m.cross(a(3, 4), b(3, 4), dim=1),
    lambda m, a, b: m.linalg.cross(a(2, 3), b(3, 3)),
    lambda m, a, b: m.linalg.cross(a(2, 3), b(2, 3).double()),
])
def test_cross_errors(call):
    data = {}

    def mk(mod):
        def make(*s):
            arr = data.setdefault((s, len(data)), rand(*s).astype(np.float32))
            return mod.tensor(arr)
        return make
    data_e = mk(ember)
    assert_same_error(lambda: call(ember, data_e, data_e), lambda: call(torch, mk(torch), mk(torch)))


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, 0.5, 0.0, float("inf")])
@pytest.mark.parametrize("sa,sb", [((4, 3), (5, 3)), ((2, 4, 3), (2, 5, 3)), ((30, 3), (2, 3))])
def test_cdist(p, sa, sb):
    check(lambda a, b: ember.cdist(a, b, p=p), lambda a, b: torch.cdist(a, b, p=p),
          rand(*sa), rand(*sb), grad=True)


def test_cdist_errors():
    cases = [((2, 3), (4, 4), {}), ((3,), (4, 3), {}), ((2, 3), (4, 3), {"p": -1})]
    for sa, sb, kw in cases:
        ea, ta = pair(rand(*sa), ember.float32)
        eb, tb = pair(rand(*sb), ember.float32)
        assert_same_error(partial(ember.cdist, ea, eb, **kw), partial(torch.cdist, ta, tb, **kw))
    ea, ta = pair(np.ones((2, 3), np.int64))
    assert_same_error(lambda: ember.cdist(ea, ea), lambda: torch.cdist(ta, ta))
    eb, tb = pair(rand(4, 3), ember.float64)
    ec, tc = pair(rand(2, 3), ember.float32)
    assert_same_error(lambda: ember.cdist(ec, eb), lambda: torch.cdist(tc, tb))


def test_chain_matmul():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(lambda a, b, c: ember.chain_matmul(a, b, c), lambda a, b, c: torch.chain_matmul(a, b, c),
              rand(2, 3), rand(3, 4), rand(4, 5))


# ---------------------------------------------------------------------- det / inverse (top level)
def _spd(n, batch=()):
    a = rand(*batch, n, n)
    return a @ np.swapaxes(a, -1, -2) + n * np.eye(n)


@pytest.mark.parametrize("batch", [(), (2,), (2, 3)])
def test_det_logdet_slogdet_inverse(batch):
    a = _spd(3, batch)
    check(ember.det, torch.det, a)
    check(ember.logdet, torch.logdet, a)
    check(ember.slogdet, torch.slogdet, a)
    check(ember.inverse, torch.inverse, a)
    check(lambda x: x.det(), lambda x: x.det(), rand(*batch, 3, 3))
    check(lambda x: x.inverse(), lambda x: x.inverse(), rand(*batch, 3, 3) + 3 * np.eye(3))


def test_logdet_negative_and_slogdet_repr():
    e, t = pair(-np.eye(3))
    assert_same(ember.logdet(e), torch.logdet(t))
    e, t = pair(np.diag([1.0, -2.0, 3.0]))
    assert repr(ember.slogdet(e)) == repr(torch.slogdet(t))
    assert_same(ember.slogdet(e).logabsdet, torch.slogdet(t).logabsdet)


def test_det_errors():
    for s, dt in [((2, 3), ember.float32), ((3,), ember.float32), ((3, 3), ember.int64)]:
        e, t = pair(np.ones(s), dt)
        assert_same_error(partial(ember.det, e), partial(torch.det, t))
