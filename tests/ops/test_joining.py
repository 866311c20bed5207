"""Joining and rearranging ops compared with PyTorch: values, dtypes, shapes, strides,
gradients, grad_fn names, warnings and error messages."""

import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error, pair


def make(shape, layout="contig", dtype=ember.float64, requires_grad=False):
    if layout == "contig":
        e, t = pair(np.random.randn(*shape), dtype)
    else:
        nd = len(shape)
        e, t = pair(np.random.randn(*reversed(shape)), dtype)
        dims = tuple(range(nd - 1, -1, -1))
        e, t = e.permute(dims), t.permute(dims)
    if requires_grad:
        e, t = e.detach().requires_grad_(), t.detach().requires_grad_()
    return e, t


def check_grads(out_e, out_t, inputs):
    w = np.random.randn(*out_t.shape)
    (out_e * ember.tensor(w)).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    for e, t in inputs:
        if t.grad is None:
            assert e.grad is None
        else:
            assert_same(e.grad, t.grad)


# ---------------------------------------------------------------------- cat family
# (name, shapes of the inputs, op applied identically with L = ember or torch)
JOIN_CASES = [
    ("cat0", [(2, 3), (4, 3)], lambda L, xs: L.cat(xs)),
    ("cat1", [(2, 3), (2, 1), (2, 0)], lambda L, xs: L.cat(xs, 1)),
    ("cat_neg", [(2, 3, 4), (2, 3, 2)], lambda L, xs: L.cat(xs, -1)),
    ("cat_tuple", [(3,), (2,)], lambda L, xs: L.cat(tuple(xs))),
    ("cat_legacy_empty", [(2, 3), (0,)], lambda L, xs: L.cat(xs, 1)),
    ("cat_legacy_first", [(0,), (2, 3)], lambda L, xs: L.cat(xs)),
    ("concat", [(2, 3), (2, 3)], lambda L, xs: L.concat(xs, 1)),
    ("concatenate", [(2, 3), (2, 3)], lambda L, xs: L.concatenate(xs, axis=0)),
    ("stack0", [(2, 3), (2, 3), (2, 3)], lambda L, xs: L.stack(xs)),
    ("stack_last", [(2, 3), (2, 3)], lambda L, xs: L.stack(xs, -1)),
    ("stack_0d", [(), ()], lambda L, xs: L.stack(xs)),
    ("hstack", [(2, 3), (2, 1)], lambda L, xs: L.hstack(xs)),
    ("hstack_1d", [(3,), (2,)], lambda L, xs: L.hstack(xs)),
    ("vstack", [(3,), (3,)], lambda L, xs: L.vstack(xs)),
    ("vstack_2d", [(1, 3), (2, 3)], lambda L, xs: L.vstack(xs)),
    ("row_stack", [(3,), (2, 3)], lambda L, xs: L.row_stack(xs)),
    ("dstack", [(2, 3), (2, 3)], lambda L, xs: L.dstack(xs)),
    ("dstack_1d", [(3,), (3,)], lambda L, xs: L.dstack(xs)),
    ("column_stack", [(3,), (3, 2), ()], lambda L, xs: L.column_stack(xs[:2])),
    ("column_stack_0d", [(), ()], lambda L, xs: L.column_stack(xs)),
]


@pytest.mark.parametrize("layout", ["contig", "permuted"])
@pytest.mark.parametrize("name,shapes,fn", JOIN_CASES, ids=[c[0] for c in JOIN_CASES])
def test_join(name, shapes, fn, layout):
    pairs = [make(s, layout, requires_grad=True) for s in shapes]
    es, ts = [p[0] for p in pairs], [p[1] for p in pairs]
    re, rt = fn(ember, es), fn(torch, ts)
    assert_same(re, rt)
    assert re.stride() == rt.stride()
    assert type(re.grad_fn).__name__ == type(rt.grad_fn).__name__
    assert re._base is None
    assert not any(np.shares_memory(re._data, e._data) for e in es)
    check_grads(re, rt, pairs)


@pytest.mark.parametrize("dtypes", [(ember.float32, ember.int64), (ember.int32, ember.bool),
                                    (ember.float16, ember.float64), (ember.complex64, ember.float64),
                                    (ember.uint8, ember.int8)])
@pytest.mark.parametrize("op", ["cat", "stack"])
def test_join_promotes(dtypes, op):
    a = pair(np.arange(6).reshape(2, 3) % 2, dtypes[0])
    b = pair(np.arange(6).reshape(2, 3) % 3, dtypes[1])
    assert_same(getattr(ember, op)([a[0], b[0]]), getattr(torch, op)([a[1], b[1]]))


def test_cat_mixed_grad_and_dtype():
    a = pair(np.random.randn(2, 3), ember.float32, requires_grad=True)
    b = pair(np.random.randn(1, 3), ember.float64, requires_grad=True)
    c = pair(np.arange(3).reshape(1, 3), ember.int64)
    re, rt = ember.cat([a[0], b[0], c[0]]), torch.cat([a[1], b[1], c[1]])
    assert_same(re, rt)
    check_grads(re, rt, [a, b])
    assert a[0].grad.dtype == ember.float32


def test_cat_out():
    a, b = pair(np.random.randn(2, 3)), pair(np.random.randn(1, 3))
    oe, ot = pair(np.zeros(9).reshape(3, 3))
    re, rt = ember.cat([a[0], b[0]], out=oe), torch.cat([a[1], b[1]], out=ot)
    assert re is oe and rt is ot
    assert_same(oe, ot)


def test_cat_out_resize_warns():
    a, b = pair(np.random.randn(2, 3)), pair(np.random.randn(1, 3))
    oe, ot = pair(np.zeros(2))
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter("always")
        ember.cat([a[0], b[0]], out=oe)
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        torch.cat([a[1], b[1]], out=ot)
    assert_same(oe, ot)
    assert [str(w.message) for w in we] == [str(w.message) for w in wt]


def test_cat_backward_double():
    a = pair(np.random.randn(2, 3), requires_grad=True)
    b = pair(np.random.randn(3, 3), requires_grad=True)
    (ga,) = ember.autograd.grad((ember.cat([a[0], b[0]]) ** 3).sum(), a[0], create_graph=True)
    (gt,) = torch.autograd.grad((torch.cat([a[1], b[1]]) ** 3).sum(), a[1], create_graph=True)
    assert_same(ga, gt)
    assert_same(ember.autograd.grad(ga.sum(), a[0])[0], torch.autograd.grad(gt.sum(), a[1])[0])


# ---------------------------------------------------------------------- repeat / tile / interleave
REARRANGE_CASES = [
    ("repeat", (2, 3), lambda L, x: x.repeat(2, 3)),
    ("repeat_lead", (2, 3), lambda L, x: x.repeat(2, 1, 2)),
    ("repeat_tuple", (3,), lambda L, x: x.repeat((2, 2))),
    ("repeat_zero", (2, 3), lambda L, x: x.repeat(0, 2)),
    ("repeat_0d", (), lambda L, x: x.repeat(3)),
    ("tile", (2, 3), lambda L, x: L.tile(x, (2,))),
    ("tile_more", (2, 3), lambda L, x: x.tile(2, 1, 2)),
    ("tile_empty", (2, 3), lambda L, x: L.tile(x, ())),
    ("repeat_interleave", (2, 3), lambda L, x: x.repeat_interleave(2)),
    ("repeat_interleave_dim", (2, 3, 4), lambda L, x: L.repeat_interleave(x, 3, dim=1)),
    ("repeat_interleave_neg", (2, 3), lambda L, x: x.repeat_interleave(2, -1)),
    ("repeat_interleave_t", (3, 2), lambda L, x: x.repeat_interleave(L.tensor([1, 0, 2]), dim=0)),
    ("repeat_interleave_t1", (3, 2), lambda L, x: x.repeat_interleave(L.tensor([2]), dim=1)),
    ("repeat_interleave_0d", (), lambda L, x: x.repeat_interleave(3)),
    ("flip", (2, 3, 4), lambda L, x: x.flip(0, 2)),
    ("flip_fn", (2, 3, 4), lambda L, x: L.flip(x, [-1])),
    ("flip_none", (2, 3), lambda L, x: L.flip(x, ())),
    ("fliplr", (2, 3), lambda L, x: L.fliplr(x)),
    ("flipud", (2, 3), lambda L, x: x.flipud()),
    ("roll", (3, 4), lambda L, x: x.roll(1, 0)),
    ("roll_multi", (3, 4, 2), lambda L, x: L.roll(x, (1, -3), (2, 1))),
    ("roll_flat", (3, 4), lambda L, x: x.roll(5)),
    ("roll_neg", (3, 4), lambda L, x: x.roll(-7, -1)),
    ("rot90", (3, 4), lambda L, x: x.rot90()),
    ("rot90_2", (3, 4), lambda L, x: L.rot90(x, 2)),
    ("rot90_3", (2, 3, 4), lambda L, x: x.rot90(3, (2, 0))),
    ("rot90_neg", (3, 4), lambda L, x: x.rot90(-1, [1, 0])),
    ("rot90_0", (3, 4), lambda L, x: x.rot90(4)),
]


@pytest.mark.parametrize("layout", ["contig", "permuted"])
@pytest.mark.parametrize("name,shape,fn", REARRANGE_CASES, ids=[c[0] for c in REARRANGE_CASES])
def test_rearrange(name, shape, fn, layout):
    e, t = make(shape, layout, requires_grad=True)
    re, rt = fn(ember, e), fn(torch, t)
    assert_same(re, rt)
    assert re.stride() == rt.stride()
    assert type(re.grad_fn).__name__ == type(rt.grad_fn).__name__
    assert re.numel() == 0 or not np.shares_memory(re._data, e._data)
    check_grads(re, rt, [(e, t)])


@pytest.mark.parametrize("dtype", [ember.int64, ember.bool, ember.float32, ember.complex64])
def test_rearrange_dtypes(dtype):
    e, t = pair(np.arange(12).reshape(3, 4) % 3, dtype)
    for fn in (lambda L, x: x.repeat(2, 1), lambda L, x: x.flip(1), lambda L, x: x.roll(1, 1),
               lambda L, x: x.rot90(), lambda L, x: x.repeat_interleave(2, 0),
               lambda L, x: L.cat([x, x], 1), lambda L, x: L.stack([x, x], 1)):
        assert_same(fn(ember, e), fn(torch, t))


def test_repeat_interleave_indices_form():
    for reps in ([1, 2, 0, 3], [0], []):
        e, t = pair(np.array(reps, dtype=np.int64))
        assert_same(ember.repeat_interleave(e), torch.repeat_interleave(t))


@pytest.mark.parametrize("name", ["repeat_interleave_t", "rot90", "roll_multi", "flip", "repeat"])
def test_rearrange_double_backward(name):
    _, shape, fn = next(c for c in REARRANGE_CASES if c[0] == name)
    e, t = make(shape, requires_grad=True)
    (ge,) = ember.autograd.grad((fn(ember, e) ** 3).sum(), e, create_graph=True)
    (gt,) = torch.autograd.grad((fn(torch, t) ** 3).sum(), t, create_graph=True)
    assert_same(ge, gt)
    assert_same(ember.autograd.grad(ge.sum(), e)[0], torch.autograd.grad(gt.sum(), t)[0])


# ---------------------------------------------------------------------- meshgrid / broadcasting
@pytest.mark.parametrize("indexing", ["ij", "xy"])
@pytest.mark.parametrize("shapes", [[(3,), (4,)], [(2,), (3,), (4,)], [(3,), ()], [(5,)]])
def test_meshgrid(indexing, shapes):
    pairs = [make(s, requires_grad=True) for s in shapes]
    es = ember.meshgrid(*[p[0] for p in pairs], indexing=indexing)
    ts = torch.meshgrid(*[p[1] for p in pairs], indexing=indexing)
    assert len(es) == len(ts)
    for e, t, (src, _) in zip(es, ts, pairs):
        assert_same(e, t)
        assert e.stride() == t.stride() or any(n == 1 for n in t.shape)
        assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__
        assert np.shares_memory(e._data, src._data)
    ws = [np.random.randn(*t.shape) for t in ts]
    sum((e * ember.tensor(w)).sum() for e, w in zip(es, ws)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(ts, ws)).backward()
    for e, t in pairs:
        assert_same(e.grad, t.grad)


def test_meshgrid_list_and_warning():
    a, b = make((3,)), make((2,))
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter("always")
        es = ember.meshgrid([a[0], b[0]])
    with warnings.catch_warnings(record=True) as wt:
        warnings.simplefilter("always")
        ts = torch.meshgrid([a[1], b[1]])
    for e, t in zip(es, ts):
        assert_same(e, t)
    assert [str(w.message) for w in we] == [str(w.message) for w in wt]
    assert [w.category for w in we] == [w.category for w in wt]
    with warnings.catch_warnings(record=True) as we:
        warnings.simplefilter("always")
        ember.meshgrid(a[0], b[0], indexing="ij")
    assert we == []


@pytest.mark.parametrize("shapes", [[(3, 1), (4,)], [(2, 1, 3), (5, 1), ()], [(3,), (3,)],
                                    [(0, 1), (1, 4)]])
def test_broadcast_tensors(shapes):
    pairs = [make(s, requires_grad=True) for s in shapes]
    es = ember.broadcast_tensors(*[p[0] for p in pairs])
    ts = torch.broadcast_tensors(*[p[1] for p in pairs])
    for e, t, (se, st) in zip(es, ts, pairs):
        assert_same(e, t)
        assert (e is se) == (t is st)
        assert type(e.grad_fn).__name__ == type(t.grad_fn).__name__
        assert e.numel() == 0 or np.shares_memory(e._data, se._data)
    ws = [np.random.randn(*t.shape) for t in ts]
    sum((e * ember.tensor(w)).sum() for e, w in zip(es, ws)).backward()
    sum((t * torch.tensor(w)).sum() for t, w in zip(ts, ws)).backward()
    for e, t in pairs:
        assert_same(e.grad, t.grad)


@pytest.mark.parametrize("shapes", [[(2,), (3, 1), (1, 1, 1)], [(), (4,)], [5, (2, 1)], [],
                                    [(0,), (1,)], [ember.Size([2, 1]), (3,)]])
def test_broadcast_shapes(shapes):
    te = [torch.Size(s) if isinstance(s, ember.Size) else s for s in shapes]
    r = ember.broadcast_shapes(*shapes)
    assert isinstance(r, ember.Size)
    assert tuple(r) == tuple(torch.broadcast_shapes(*te))


@pytest.mark.parametrize("fname", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_atleast(fname, shape):
    e, t = make(shape, requires_grad=True)
    re, rt = getattr(ember, fname)(e), getattr(torch, fname)(t)
    assert_same(re, rt)
    assert (re is e) == (rt is t)
    assert re.stride() == rt.stride() or any(n == 1 for n in rt.shape)
    if rt is not t:
        assert type(re.grad_fn).__name__ == type(rt.grad_fn).__name__
        assert re._base is (e._base if e._base is not None else e)
        assert np.shares_memory(re._data, e._data)
    multi_e = getattr(ember, fname)(e, e)
    multi_t = getattr(torch, fname)(t, t)
    assert isinstance(multi_e, tuple) and len(multi_e) == len(multi_t)
    listed = getattr(ember, fname)([e])
    assert isinstance(listed, tuple) and len(listed) == 1


# ---------------------------------------------------------------------- errors
X = np.random.randn(3, 4, 5)
ERROR_CASES = {
    "cat_empty": lambda L, x: L.cat([]),
    "cat_dims": lambda L, x: L.cat([x, x.select(0, 0)]),
    "cat_sizes": lambda L, x: L.cat([x, x.narrow(1, 0, 2)], 2),
    "cat_sizes_dim0": lambda L, x: L.cat([x, x.narrow(2, 0, 2)]),
    "cat_oob": lambda L, x: L.cat([x, x], 3),
    "cat_0d": lambda L, x: L.cat([x.sum(), x.sum()]),
    "cat_0d_second": lambda L, x: L.cat([x.flatten(), x.sum()]),
    "cat_tensor": lambda L, x: L.cat(x),
    "cat_empty2d_bad": lambda L, x: L.cat([x, x.narrow(0, 0, 0).select(2, 0)]),
    "stack_sizes": lambda L, x: L.stack([x, x.narrow(1, 0, 2)]),
    "stack_empty": lambda L, x: L.stack([]),
    "stack_oob": lambda L, x: L.stack([x, x], 5),
    "hstack_empty": lambda L, x: L.hstack([]),
    "vstack_empty": lambda L, x: L.vstack([]),
    "dstack_empty": lambda L, x: L.dstack([]),
    "column_stack_empty": lambda L, x: L.column_stack([]),
    "repeat_fewer": lambda L, x: x.repeat(2, 2),
    "repeat_neg": lambda L, x: x.repeat(2, 2, -1),
    "roll_shape": lambda L, x: x.roll((1, 2), (0,)),
    "roll_nodim": lambda L, x: x.roll((1, 2)),
    "roll_oob": lambda L, x: x.roll(1, 3),
    "rot90_same": lambda L, x: x.rot90(1, (0, 0)),
    "rot90_len": lambda L, x: x.rot90(1, (0,)),
    "rot90_1d": lambda L, x: x.flatten().rot90(),
    "rot90_oob": lambda L, x: x.rot90(1, (0, 3)),
    "flip_dup": lambda L, x: x.flip(0, 0),
    "flip_oob": lambda L, x: x.flip(3),
    "fliplr_1d": lambda L, x: x.flatten().fliplr(),
    "flipud_0d": lambda L, x: x.sum().flipud(),
    "meshgrid_bad": lambda L, x: L.meshgrid(x.flatten(), x.flatten(), indexing="foo"),
    "broadcast_shapes": lambda L, x: L.broadcast_shapes((2, 3), (4,)),
    "broadcast_tensors": lambda L, x: L.broadcast_tensors(x, x.select(0, 0).narrow(1, 0, 2)),
    "broadcast_to": lambda L, x: L.broadcast_to(x, (3, 4)),
    "ri_neg": lambda L, x: x.repeat_interleave(-1),
    "ri_len": lambda L, x: x.repeat_interleave(L.tensor([1, 2]), dim=0),
    "ri_float": lambda L, x: x.repeat_interleave(L.tensor([1.0, 2.0, 3.0]), dim=0),
    "ri_2d": lambda L, x: x.repeat_interleave(L.ones(3, 1, dtype=L.int64), dim=0),
    "ri_oob": lambda L, x: x.repeat_interleave(2, dim=3),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors(name):
    fn = ERROR_CASES[name]
    e, t = pair(X)
    assert_same_error(lambda: fn(ember, e), lambda: fn(torch, t))


@pytest.mark.parametrize("fn", [
    lambda a, b: ember.cat([a, b.narrow(1, 0, 3)], 0),
    lambda a, b: ember.stack([a, b.narrow(1, 1, 3)], 1),
    lambda a, b: ember.hstack([a, b]),
    lambda a, b: a.repeat(2, 1, 2) * b.sum(),
    lambda a, b: a.repeat_interleave(ember.tensor([2, 0]), dim=0) + b.sum(),
    lambda a, b: a.repeat_interleave(3, dim=1) * b.sum(),
    lambda a, b: a.flip(0, 1) * b.narrow(1, 0, 3),
    lambda a, b: a.roll((1, 2), (0, 1)) * b.narrow(1, 0, 3),
    lambda a, b: a.rot90(3) * b.t().narrow(0, 0, 3),
    lambda a, b: ember.meshgrid(a.select(0, 0), b.select(1, 0), indexing="xy")[0],
], ids=["cat", "stack", "hstack", "repeat", "repeat_interleave_t", "repeat_interleave",
        "flip", "roll", "rot90", "meshgrid"])
def test_gradcheck(fn):
    a, _ = make((2, 3), "permuted", requires_grad=True)
    b, _ = make((2, 4), requires_grad=True)
    assert ember.autograd.gradcheck(fn, (a, b))
    assert ember.autograd.gradgradcheck(lambda x, y: fn(x, y) ** 2, (a, b))
