"""Sorting, selection, unique, counting and searching compared with PyTorch: values, indices
(including PyTorch's choice among equal values), dtypes, shapes, gradients, grad_fn names,
named tuples and error messages."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.conftest import assert_same, assert_same_error, pair

RNG = np.random.RandomState(0)
FLOAT_DATA = RNG.permutation(24).reshape(2, 3, 4) / 4.0 - 2.0      # distinct values
TIED_DATA = RNG.randint(0, 3, (3, 40))                               # many ties per row
NAN = float("nan")

LAYOUTS = ["3d", "0d", "1d", "noncontig", "empty"]


def make(kind="float64", layout="3d", requires_grad=False, data=None):
    data = FLOAT_DATA if data is None else data
    if kind.startswith(("int", "uint")):
        data = (data * 4).astype(np.int64) % 7
    elif kind == "bool":
        data = data > 0
    e, t = pair(data, getattr(ember, kind))
    if layout == "0d":
        e, t = e[1, 2, 3], t[1, 2, 3]
    elif layout == "1d":
        e, t = e[0, 1], t[0, 1]
    elif layout == "noncontig":
        e, t = e.transpose(0, 2)[:, ::2], t.transpose(0, 2)[:, ::2]
    elif layout == "empty":
        e, t = e[:, :0], t[:, :0]
    if requires_grad:
        e, t = e.detach().requires_grad_(), t.detach().requires_grad_()
    return e, t


def check_same(re, rt):
    if isinstance(rt, tuple):
        assert isinstance(re, tuple) and len(re) == len(rt)
        assert type(re).__name__ == type(rt).__name__ or type(rt) is tuple
        for a, b in zip(re, rt):
            check_same(a, b)
    else:
        assert_same(re, rt)


def compare(fn, e, t):
    try:
        rt = fn(torch, t)
    except Exception:
        assert_same_error(lambda: fn(ember, e), lambda: fn(torch, t))
        return None, None
    re = fn(ember, e)
    check_same(re, rt)
    return re, rt


def compare_grad(fn, e, t):
    re, rt = fn(ember, e), fn(torch, t)
    re, rt = (re[0], rt[0]) if isinstance(rt, tuple) else (re, rt)
    assert_same(re, rt)
    assert re.grad_fn.name() == rt.grad_fn.name()
    w = np.random.RandomState(1).uniform(0.5, 1.5, tuple(rt.shape))
    (re * ember.tensor(w)).sum().backward()
    (rt * torch.tensor(w)).sum().backward()
    assert_same(e.grad, t.grad)


# ---------------------------------------------------------------------- sort family
SORT_CALLS = {
    "sort": lambda m, x, d: x.sort(d),
    "sort_desc": lambda m, x, d: m.sort(x, d, descending=True),
    "sort_stable": lambda m, x, d: x.sort(dim=d, stable=True),
    "sort_stable_desc": lambda m, x, d: m.sort(x, stable=True, dim=d, descending=True),
    "argsort": lambda m, x, d: x.argsort(d),
    "argsort_desc": lambda m, x, d: m.argsort(x, d, True),
    "topk": lambda m, x, d: x.topk(2, d),
    "topk_small": lambda m, x, d: m.topk(x, 1, d, largest=False),
    "topk_unsorted": lambda m, x, d: x.topk(3, d, sorted=False),
    "kthvalue": lambda m, x, d: x.kthvalue(2, d),
    "kthvalue_keep": lambda m, x, d: m.kthvalue(x, 1, d, True),
    "median": lambda m, x, d: x.median(d),
    "median_keep": lambda m, x, d: m.median(x, d, keepdim=True),
    "nanmedian": lambda m, x, d: x.nanmedian(d),
    "mode": lambda m, x, d: x.mode(d),
    "mode_keep": lambda m, x, d: m.mode(x, d, True),
}


@pytest.mark.parametrize("op", list(SORT_CALLS))
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", ["float64", "int32"])
def test_sort_family_values(op, layout, kind):
    e, t = make(kind, layout)
    for d in (0, 1, -1, 3):
        compare(lambda m, x, d=d: SORT_CALLS[op](m, x, d), e, t)


@pytest.mark.parametrize("op", [o for o in SORT_CALLS if not o.startswith("argsort")])
@pytest.mark.parametrize("layout", ["3d", "0d", "noncontig"])
def test_sort_family_grad(op, layout):
    for d in (0, -1):
        e, t = make("float64", layout, requires_grad=True)
        call = lambda m, x, d=d: SORT_CALLS[op](m, x, d)  # noqa: E731
        try:
            call(torch, t)
        except RuntimeError:
            assert_same_error(lambda e=e, c=call: c(ember, e), lambda t=t, c=call: c(torch, t))
            continue
        compare_grad(call, e, t)


def test_sort_gradcheck_float64():
    x = ember.tensor(FLOAT_DATA[0], requires_grad=True)
    for f in (lambda x: x.sort(1)[0], lambda x: x.topk(2, 0)[0], lambda x: x.kthvalue(2, 1)[0],
              lambda x: x.median(0)[0], lambda x: x.median(), lambda x: x.mode(1)[0],
              lambda x: ember.msort(x)):
        assert ember.autograd.gradcheck(f, (x,))
        assert ember.autograd.gradgradcheck(f, (x,))


@pytest.mark.parametrize("op", ["topk", "topk_small", "topk_unsorted", "kthvalue", "median",
                                "nanmedian", "mode", "sort_stable", "sort_stable_desc"])
@pytest.mark.parametrize("kind", ["int64", "float32", "int8"])
def test_index_choice_among_ties(op, kind):
    """PyTorch's CPU kernels pick a particular index among equal values: Ember gives the same."""
    e, t = pair(TIED_DATA, getattr(ember, kind))
    compare(lambda m, x: SORT_CALLS[op](m, x, 1), e, t)
    compare(lambda m, x: SORT_CALLS[op](m, x, 0), e, t)


@pytest.mark.parametrize("n", [1, 5, 17, 40, 130])
@pytest.mark.parametrize("k", [1, 2, 7])
def test_topk_and_kthvalue_ties_many_sizes(n, k):
    data = np.random.RandomState(n).randint(0, 4, (2, n))
    e, t = pair(data)
    k = min(k, n)
    for largest in (True, False):
        for srt in (True, False):
            compare(lambda m, x, lg=largest, s=srt: x.topk(k, largest=lg, sorted=s), e, t)
    compare(lambda m, x: x.kthvalue(k), e, t)
    compare(lambda m, x: x.mode(), e, t)
    compare(lambda m, x: x.median(1), e, t)


def test_nan_ordering():
    data = np.array([[1.0, NAN, 2.0, NAN, 0.5], [NAN, NAN, NAN, NAN, NAN], [3.0, 1.0, 1.0, 2.0, NAN]])
    e, t = pair(data)
    for op in ("sort", "sort_desc", "sort_stable", "sort_stable_desc", "topk", "topk_small",
               "kthvalue", "median", "nanmedian", "argsort", "argsort_desc"):
        compare(lambda m, x, op=op: SORT_CALLS[op](m, x, 1), e, t)
    for fn in (lambda m, x: x.median(), lambda m, x: x.nanmedian(), lambda m, x: x[2].median(),
               lambda m, x: x[2].nanmedian(), lambda m, x: x[1].nanmedian()):
        compare(fn, e, t)
    allnan = np.full((1, 30), NAN)
    compare(lambda m, x: x.nanmedian(1), *pair(allnan))


def test_whole_median_gradient_split_between_ties():
    data = np.array([[1.0, 2.0, 2.0], [3.0, 2.0, 0.0]])
    for name in ("median", "nanmedian"):
        e, t = pair(data, ember.float64, requires_grad=True)
        compare_grad(lambda m, x, name=name: getattr(x, name)(), e, t)


def test_median_whole_and_empty():
    for kind in ("float32", "int64", "int16"):
        e, t = make(kind)
        compare(lambda m, x: x.median(), e, t)
        compare(lambda m, x: m.nanmedian(x), e, t)
    e, t = make("float32", "empty")
    compare(lambda m, x: x.median(), e, t)
    compare(lambda m, x: x.nanmedian(), e, t)


def test_msort():
    e, t = make(requires_grad=True)
    compare_grad(lambda m, x: m.msort(x), e, t)
    compare(lambda m, x: m.msort(x), *make("int16"))


def test_named_tuples():
    e, t = make()
    for fn in (lambda m, x: x.sort(1), lambda m, x: x.topk(2), lambda m, x: x.kthvalue(1),
               lambda m, x: x.median(0), lambda m, x: x.nanmedian(0), lambda m, x: x.mode(),
               lambda m, x: m.sort(x[0, 0], stable=True)):
        re, rt = fn(ember, e), fn(torch, t)
        assert repr(re) == repr(rt)
        values, indices = re
        assert_same(values, rt.values)
        assert_same(re.indices, rt.indices)
        assert_same(re[0], rt[0])


def test_sort_grad_fn_names():
    e, t = make(requires_grad=True)
    assert e.sort()[0].grad_fn.name() == t.sort()[0].grad_fn.name() == "SortBackward0"
    assert e.sort(stable=False)[0].grad_fn.name() == t.sort(stable=False)[0].grad_fn.name()
    assert e.median().grad_fn.name() == t.median().grad_fn.name()
    assert e.nanmedian().grad_fn.name() == t.nanmedian().grad_fn.name()
    assert e.sort()[1].grad_fn is None and not e.sort()[1].requires_grad


@pytest.mark.parametrize("call", [
    lambda m, x: x.sort(), lambda m, x: x.argsort(), lambda m, x: x.topk(1), lambda m, x: x.msort(),
    lambda m, x: x.kthvalue(1), lambda m, x: x.median(), lambda m, x: x.median(0), lambda m, x: x.mode(),
])
def test_complex_and_bool_errors(call):
    e, t = pair(np.array([1 + 2j, 3]), ember.complex64)
    assert_same_error(lambda: call(ember, e), lambda: call(torch, t))
    eb, tb = pair([True, False, True])
    compare(call, eb, tb)


@pytest.mark.parametrize("call", [
    lambda m, x: x.topk(3), lambda m, x: x.topk(-1), lambda m, x: x.kthvalue(0),
    lambda m, x: x.kthvalue(3), lambda m, x: x.topk(1, dim=3), lambda m, x: x.sort(5),
])
def test_k_and_dim_errors(call):
    e, t = pair([1.0, 2.0])
    assert_same_error(lambda: call(ember, e), lambda: call(torch, t))


@pytest.mark.parametrize("call", [
    lambda m, x: x.sort(1), lambda m, x: x.topk(0), lambda m, x: x.median(1), lambda m, x: x.mode(1),
    lambda m, x: x.kthvalue(1, 1), lambda m, x: x.nanmedian(), lambda m, x: x.argsort(0),
    lambda m, x: x.topk(0, 0),
])
def test_empty_inputs(call):
    e, t = pair(np.zeros((2, 0)))
    compare(call, e, t)


def test_out_argument():
    e, t = make()
    ve, ie = ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.int64)
    vt, it = torch.empty(0, dtype=torch.float64), torch.empty(0, dtype=torch.int64)
    re, rt = ember.sort(e, 1, out=(ve, ie)), torch.sort(t, 1, out=(vt, it))
    assert repr(re) == repr(rt)
    assert_same(ve, vt)


# ---------------------------------------------------------------------- unique
@pytest.mark.parametrize("data", [
    [3, 1, 2, 1, 3], [[1, 2], [1, 2], [0, 5]], [], [[2, 2, 2], [2, 1, 1]], [1.0, NAN, NAN, 1.0],
    [True, False, True], 5,
])
@pytest.mark.parametrize("flags", [(False, False), (True, False), (False, True), (True, True)])
def test_unique(data, flags):
    inv, cnt = flags
    e, t = pair(data)
    compare(lambda m, x: m.unique(x, return_inverse=inv, return_counts=cnt), e, t)
    compare(lambda m, x: x.unique(sorted=False, return_inverse=inv, return_counts=cnt), e, t)
    compare(lambda m, x: m.unique_consecutive(x, return_inverse=inv, return_counts=cnt), e, t)
    if np.ndim(data) == 2:
        for d in (0, 1, -1):
            compare(lambda m, x, d=d: x.unique(dim=d, return_inverse=inv, return_counts=cnt), e, t)
            compare(lambda m, x, d=d: x.unique_consecutive(return_inverse=inv, return_counts=cnt,
                                                           dim=d), e, t)


def test_unique_consecutive_runs():
    e, t = pair([1, 1, 2, 2, 3, 1, 1, 2])
    compare(lambda m, x: x.unique_consecutive(return_inverse=True, return_counts=True), e, t)
    e, t = pair(np.array([[1, 1, 2], [1, 1, 2], [0, 0, 5], [1, 1, 2]]))
    compare(lambda m, x: x.unique_consecutive(return_inverse=True, return_counts=True, dim=0), e, t)


# ---------------------------------------------------------------------- counting
@pytest.mark.parametrize("data", [[1, 1, 3], [], [0], [4, 0, 4, 2, 2, 2]])
@pytest.mark.parametrize("weights", [None, "float32", "float64", "int64", "float16"])
@pytest.mark.parametrize("minlength", [0, 2, 7])
def test_bincount(data, weights, minlength):
    e, t = pair(np.array(data, dtype=np.int64))
    if weights is None:
        compare(lambda m, x: m.bincount(x, minlength=minlength), e, t)
    else:
        we, wt = pair(np.arange(len(data)) + 0.5, getattr(ember, weights))
        re = ember.bincount(e, we, minlength)
        rt = torch.bincount(t, wt, minlength)
        assert_same(re, rt)


@pytest.mark.parametrize("call", [
    lambda m: m.bincount(m.tensor([1, -1])), lambda m: m.bincount(m.tensor([[1]])),
    lambda m: m.bincount(m.tensor([1.0])), lambda m: m.bincount(m.tensor([1, 2]), minlength=-1),
    lambda m: m.bincount(m.tensor([1, 2]), weights=m.tensor([1.0])),
    lambda m: m.histc(m.tensor([1, 2])), lambda m: m.histc(m.tensor([1.0]), bins=0),
    lambda m: m.histc(m.tensor([1.0]), min=3, max=0),
    lambda m: m.searchsorted(m.tensor([[1, 3], [2, 4]]), m.tensor([3])),
    lambda m: m.searchsorted(m.tensor([1, 3]), m.tensor([3]), side="left", right=True),
    lambda m: m.bucketize(m.tensor([3]), m.tensor([[1, 3, 5]])),
])
def test_counting_and_search_errors(call):
    assert_same_error(lambda: call(ember), lambda: call(torch))


@pytest.mark.parametrize("args", [dict(bins=4, min=0, max=3), dict(bins=4), dict(bins=3, min=-1, max=1),
                                  dict(), dict(bins=5, min=2, max=2)])
@pytest.mark.parametrize("kind", ["float32", "float64"])
def test_histc(args, kind):
    for data in ([1.0, 2.0, 1.0, 5.0, -1.0], [1.0, 1.0, 1.0], FLOAT_DATA, []):
        e, t = pair(np.array(data, dtype=float), getattr(ember, kind))
        compare(lambda m, x: m.histc(x, **args), e, t)
        compare(lambda m, x: x.histc(**args), e, t)


# ---------------------------------------------------------------------- searching
@pytest.mark.parametrize("right", [False, True])
@pytest.mark.parametrize("out_int32", [False, True])
def test_searchsorted_and_bucketize(right, out_int32):
    seq1, tseq1 = pair([1, 3, 5, 7])
    seq2, tseq2 = pair([[1, 3, 5, 7], [2, 4, 6, 8]])
    vals, tvals = pair([[3, 6, 9], [3, 0, 8]])
    fvals, tfvals = pair([[3.5, 7.0, NAN], [1.0, -2.0, 8.0]])
    kw = dict(right=right, out_int32=out_int32)
    for (s, ts), (v, tv) in (((seq1, tseq1), (vals, tvals)), ((seq2, tseq2), (vals, tvals)),
                             ((seq1, tseq1), (fvals, tfvals)), ((seq1, tseq1), (vals[0, 0], tvals[0, 0]))):
        assert_same(ember.searchsorted(s, v, **kw), torch.searchsorted(ts, tv, **kw))
    assert_same(ember.searchsorted(seq1, 3, **kw), torch.searchsorted(tseq1, 3, **kw))
    assert_same(ember.bucketize(vals, seq1, **kw), torch.bucketize(tvals, tseq1, **kw))
    assert_same(ember.bucketize(fvals, seq1, **kw), torch.bucketize(tfvals, tseq1, **kw))
    assert_same(ember.bucketize(5, seq1, **kw), torch.bucketize(5, tseq1, **kw))
    side = "right" if right else "left"
    assert_same(ember.searchsorted(seq2, vals, side=side), torch.searchsorted(tseq2, tvals, side=side))
    unsorted, tunsorted = pair([3, 1, 7, 5])
    sorter, tsorter = pair([1, 0, 3, 2])
    assert_same(ember.searchsorted(unsorted, fvals, sorter=sorter, right=right),
                torch.searchsorted(tunsorted, tfvals, sorter=tsorter, right=right))


def test_count_nonzero():
    e, t = make("int64")
    for d in (None, 0, (0, 2), -1):
        compare(lambda m, x, d=d: m.count_nonzero(x, d), e, t)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare(lambda m, x: x.count_nonzero(), *make("bool", "empty"))


@pytest.mark.parametrize("kind", ["int8", "int16", "uint8", "float16", "bool"])
@pytest.mark.parametrize("n", [10, 17, 64])
def test_unstable_sort_tie_order_of_std_sort_dtypes(kind, n):
    """PyTorch sorts these dtypes with std::sort: the order of equal values is replayed."""
    data = np.random.RandomState(n).randint(0, 3, (2, n))
    e, t = pair(data, getattr(ember, kind))
    for desc in (False, True):
        compare(lambda m, x, desc=desc: x.sort(descending=desc), e, t)
        compare(lambda m, x, desc=desc: x.argsort(1, desc), e, t)
    compare(lambda m, x: m.msort(x.t()), e, t)
