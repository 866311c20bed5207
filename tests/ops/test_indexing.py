"""Indexing: __getitem__/__setitem__ and the gather/scatter family against PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error, pair


def _lib_index(idx, lib):
    """Turn a description of an index into a real index for ``lib`` (ember or torch)."""
    if isinstance(idx, tuple):
        return tuple(_lib_index(i, lib) for i in idx)
    if isinstance(idx, dict):          # {"t": data, "dtype": name}: a tensor index
        dt = getattr(lib, idx.get("dtype", "int64"))
        return lib.tensor(idx["t"], dtype=dt)
    return idx


def T(data, dtype="int64"):
    return {"t": data, "dtype": dtype}


def B(data):
    return {"t": data, "dtype": "bool"}


# ---------------------------------------------------------------------- sources
def _source(kind, dtype="float64"):
    """A 2x3x4 source tensor in both libraries, contiguous or not."""
    if kind == "contig":
        return pair(np.arange(24.).reshape(2, 3, 4), getattr(ember, dtype))
    if kind == "permuted":
        e, t = pair(np.arange(24.).reshape(4, 3, 2), getattr(ember, dtype))
        return e.permute(2, 1, 0), t.permute(2, 1, 0)
    if kind == "stepped":
        e, t = pair(np.arange(48.).reshape(2, 3, 8), getattr(ember, dtype))
        return e[:, :, ::2], t[:, :, ::2]
    raise AssertionError(kind)


BASIC_FORMS = {
    "int": 0, "neg int": -1, "slice": slice(1, 3), "full slice": slice(None),
    "step slice": slice(None, None, 2), "None": None, "ellipsis": Ellipsis,
    "ellipsis int": (Ellipsis, 0), "colon int": (slice(None), 0), "int slice": (0, slice(1, 3)),
    "int None": (0, None), "empty tuple": (), "three ints": (0, 1, 2), "None int": (None, 0),
    "int colon": (0, slice(None)), "all colons": (slice(None),) * 3, "exact slice": slice(0, 2),
    "slice exact": (slice(1, None), slice(0, 3)), "None ... None int": (None, ..., None, 0),
    "two ellipses": (..., ...), "oob slice": slice(5, 10), "neg slice": slice(-10, 1),
    "empty slice": slice(1, 0), "step 3 last": (slice(None), slice(None), slice(None, None, 3)),
    "numpy int": np.int64(1), "0-dim int tensor": T(1), "0-dim int32 tensor": T(1, "int32"),
    "two 0-dim tensors": (T(1), T(2)), "numpy 0-d": np.array(1),
}

ADVANCED_FORMS = {
    "True": True, "False": False, "list": [0, 1], "numpy array": np.array([1, 0]),
    "colon list": (slice(None), [0, 2]), "int True": (0, True), "bool list": [True, False],
    "int list": (0, [0, 1]), "split lists": ([0, 1], slice(None), [0, 1]),
    "adjacent lists": (slice(None), [0, 1], [0, 1]), "lists around ...": ([0, 1], ..., [0, 1]),
    "lists around None": ([0, 1], None, [0, 1]), "list colon int": ([0, 1], slice(None), 0),
    "colon int list": (slice(None), 0, [0, 1]), "negative list": [-1],
    "numpy 2d": np.array([[0, 1], [1, 0]]), "broadcast lists": (1, [[0], [1]], [2, 3]),
    "empty list": [], "slices and list": (slice(None), slice(1, None), [3, -1]),
    "tensor": T([0, 1]), "int32 tensor": T([1, 0], "int32"), "mask": B([True, False]),
    "2d mask": B([[True, False, True], [False, True, True]]),
    "2d mask then int": (B([[True, False, True], [False, True, True]]), 0),
    "colon mask": (slice(None), B([True, False, True])), "0-dim bool": B(True),
    "0-dim False then int": (B(False), 0), "float list (truncated)": [0.5, 1.7],
    "duplicate list": [1, 1], "mixed bool int list": [0, True],
    "3d mask": B(np.arange(24).reshape(2, 3, 4) % 3 == 0),
    "list then mask": ([1, 0], B([True, False, True])),
}


@pytest.mark.parametrize("src", ["contig", "permuted", "stepped"])
@pytest.mark.parametrize("name", list(BASIC_FORMS) + list(ADVANCED_FORMS))
def test_getitem_matches_torch(src, name):
    idx = {**BASIC_FORMS, **ADVANCED_FORMS}[name]
    e, t = _source(src)
    assert_same(e[_lib_index(idx, ember)], t[_lib_index(idx, torch)])


@pytest.mark.parametrize("name", list(BASIC_FORMS))
def test_basic_getitem_shares_memory(name):
    e, t = _source("contig")
    r = e[_lib_index(BASIC_FORMS[name], ember)]
    if r.numel() == 0:
        return
    assert np.shares_memory(r._data, e._data)
    r_t = t[_lib_index(BASIC_FORMS[name], torch)]
    r.add_(100)
    r_t.add_(100)
    assert_same(e, t)      # the write went through to the source


@pytest.mark.parametrize("name", list(ADVANCED_FORMS))
def test_advanced_getitem_copies(name):
    e, t = _source("contig")
    r = e[_lib_index(ADVANCED_FORMS[name], ember)]
    assert not np.shares_memory(r._data, e._data)


@pytest.mark.parametrize("idx, name", [
    (0, "SelectBackward0"), (-1, "SelectBackward0"), (slice(1, 3), "SliceBackward0"),
    (slice(None), "SliceBackward0"), (None, "UnsqueezeBackward0"), (Ellipsis, "AliasBackward0"),
    ((Ellipsis, 0), "SelectBackward0"), ((slice(None), 0), "SelectBackward0"),
    ((0, slice(1, 3)), "SliceBackward0"), ((), "AliasBackward0"),
    ((slice(None), slice(None)), "AliasBackward0"), ((0, None), "UnsqueezeBackward0"),
    ((None, 0), "SelectBackward0"), (T(1), "SelectBackward0"), (True, "IndexBackward0"),
    ([0, 1], "IndexBackward0"), (T([0, 1]), "IndexBackward0"), (B([True, False]), "IndexBackward0"),
    ((slice(None), [0, 2]), "IndexBackward0"), ((slice(1, None), slice(0, 3)), "SliceBackward0"),
])
def test_getitem_grad_fn_names(idx, name):
    e, t = pair(np.arange(24.).reshape(2, 3, 4), requires_grad=True)
    re, rt = (e * 1)[_lib_index(idx, ember)], (t * 1)[_lib_index(idx, torch)]
    assert type(rt.grad_fn).__name__ == name
    assert type(re.grad_fn).__name__ == name


GRAD_FORMS = [0, -1, slice(1, 3), slice(None, None, 2), None, Ellipsis, (Ellipsis, 1),
              (slice(None), 0, slice(1, None, 2)), [1, 1, 0], (slice(None), [0, 2, 0]),
              ([0, 1], slice(None), [3, 3]), B([True, False]), (0, B([True, False, True])),
              (None, [1], Ellipsis, [0, 2]), True, (T([[0], [1]]), T([1, 2]))]


@pytest.mark.parametrize("idx", GRAD_FORMS, ids=str)
def test_getitem_gradients(idx):
    e, t = pair(np.random.randn(2, 3, 4), requires_grad=True)
    re, rt = e[_lib_index(idx, ember)], t[_lib_index(idx, torch)]
    w = np.random.randn(*rt.shape)
    (re * ember.tensor(w)).sum().backward()
    (rt * torch.tensor(w)).sum().backward()
    assert_same(e.grad, t.grad)


@pytest.mark.parametrize("idx", [(0, slice(1, 3)), [1, 0, 1], (slice(None), B([True, False, True]))],
                         ids=str)
def test_getitem_gradcheck(idx):
    x = ember.tensor(np.random.randn(2, 3, 4), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: a[_lib_index(idx, ember)], (x,))
    assert ember.autograd.gradgradcheck(lambda a: a[_lib_index(idx, ember)] ** 2, (x,))


@pytest.mark.parametrize("idx", [None, Ellipsis, (), True, False, T(True, "bool")], ids=str)
def test_getitem_zero_dim_source(idx):
    e, t = pair(np.array(3.5))
    assert_same(e[_lib_index(idx, ember)], t[_lib_index(idx, torch)])


@pytest.mark.parametrize("idx", [0, slice(None), [0], slice(0, 0), (Ellipsis, 0), B([])], ids=str)
def test_getitem_empty_source(idx):
    e, t = pair(np.zeros((0, 3)))
    try:
        rt = t[_lib_index(idx, torch)]
    except Exception:
        assert_same_error(lambda: e[_lib_index(idx, ember)], lambda: t[_lib_index(idx, torch)])
        return
    assert_same(e[_lib_index(idx, ember)], rt)


GETITEM_ERRORS = [5, -3, (0, 5), (0, 0, 0, 0), (0, ..., 0, 0, 0), slice(None, None, -1),
                  slice(None, None, 0), T([5]), T([-3]), (slice(None), T([5])),
                  (slice(None), slice(None), T([5])), ([0], slice(None), T([5])),
                  ([0], [7], [0]), T([1.0], "float32"), T(1.0, "float32"), 1.5,
                  B([True, False, True]), (slice(None), B([True, False])),
                  B(np.ones((2, 4), bool)), ([0, 1], [0, 1, 2]), T([1, 0], "int16"),
                  2 ** 63 - 1, slice(1.0, 2), T([0.5], "float64")]


@pytest.mark.parametrize("idx", GETITEM_ERRORS, ids=str)
def test_getitem_errors(idx):
    e, t = _source("contig")
    assert_same_error(lambda: e[_lib_index(idx, ember)], lambda: t[_lib_index(idx, torch)])


def test_getitem_zero_dim_errors():
    e, t = pair(np.array(3.0))
    assert_same_error(lambda: e[0], lambda: t[0])
    assert_same_error(lambda: e[:], lambda: t[:])


def test_getitem_sequence_as_tuple_warns():
    e, t = _source("contig")
    with pytest.warns(UserWarning, match="non-tuple sequence"):
        re = e[[[0, 1], [1, 2]]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rt = t[[[0, 1], [1, 2]]]
    assert_same(re, rt)


def test_uint8_mask_warns():
    e, t = _source("contig")
    with pytest.warns(UserWarning, match="uint8"):
        re = e[ember.tensor([1, 0], dtype=ember.uint8)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rt = t[torch.tensor([1, 0], dtype=torch.uint8)]
    assert_same(re, rt)


def test_getitem_slice_with_tensor_bounds():
    e, t = _source("contig")
    assert_same(e[ember.tensor(0):ember.tensor(1)], t[torch.tensor(0):torch.tensor(1)])


# ---------------------------------------------------------------------- setitem
SET_CASES = [
    (0, 1.5), (0, [1.0, 2.0, 3.0, 4.0]), (0, np.ones((1, 1, 3, 4))), ([0, 1], np.ones((1, 2, 3, 4))),
    ((slice(None), 1), 7.0), ((0, slice(None), [0, 2]), [5.0, 6.0]), (B([True, False]), 3.0),
    ((slice(None), B([True, False, True])), np.arange(4.0)), ((..., 1), np.arange(6.0).reshape(2, 3)),
    (None, 2.0), (True, 2.0), ((None, 1), 9.0), (Ellipsis, np.arange(4.0)),
    (slice(None), 2.0), (slice(0, 2), 2.0), (([1, 0], [2, 2]), np.arange(8.0).reshape(2, 4)),
    ((slice(None), [0, 1], [1, 2]), np.arange(2.0)), (T([1]), np.ones(4)), ((1, 2, 3), -1.0),
    (B(np.arange(24).reshape(2, 3, 4) % 5 == 0), np.arange(5.0)),
    ((slice(None), slice(None, None, 2)), np.ones((2, 4))), ((), 4.0),
]


def _set_value(v, lib, dtype):
    if isinstance(v, (list, np.ndarray)):
        return lib.tensor(np.asarray(v), dtype=getattr(lib, dtype))
    return v


@pytest.mark.parametrize("src", ["contig", "permuted"])
@pytest.mark.parametrize("case", range(len(SET_CASES)))
@pytest.mark.parametrize("value_kind", ["as given", "0-dim tensor"])
def test_setitem_matches_torch(src, case, value_kind):
    idx, v = SET_CASES[case]
    e, t = _source(src)
    e, t = e.clone(), t.clone()
    ve, vt = _set_value(v, ember, "float64"), _set_value(v, torch, "float64")
    if value_kind == "0-dim tensor":
        if isinstance(v, (list, np.ndarray)):
            return
        ve, vt = ember.tensor(v, dtype=ember.float64), torch.tensor(v, dtype=torch.float64)
    e_ver = e._version
    e[_lib_index(idx, ember)] = ve
    t[_lib_index(idx, torch)] = vt
    assert_same(e, t)
    assert e._version > e_ver


def test_setitem_on_view_writes_through():
    e, t = pair(np.zeros((3, 4)))
    ve, vt = e[1:], t[1:]
    ve[:, [0, 2]] = 5.0
    vt[:, [0, 2]] = 5.0
    ve[0, 1] = 2
    vt[0, 1] = 2
    assert_same(e, t)


@pytest.mark.parametrize("dtype", ["int64", "int8", "uint8", "bool", "float32", "float16",
                                   "bfloat16", "complex64"])
@pytest.mark.parametrize("value", [-1, 2, 2.7, True, 300, 1e40, float("inf"), 1j, 1 + 0j])
def test_setitem_scalar_conversion(dtype, value):
    e, t = pair(np.zeros(3), getattr(ember, dtype))
    try:
        t[0] = value
    except Exception:
        assert_same_error(lambda: e.__setitem__(0, value), lambda: t.__setitem__(0, value))
        return
    e[0] = value
    assert_same(e, t)
    e[[1]] = value
    t[[1]] = value
    assert_same(e, t)


def test_setitem_int_tensor_from_float_tensor():
    e, t = pair(np.arange(6).reshape(2, 3))
    e[0] = ember.tensor(1.5)
    t[0] = torch.tensor(1.5)
    assert_same(e, t)
    e[e > 3] = ember.tensor([2.5])    # a mask and a one-element value: masked fill, value cast
    t[t > 3] = torch.tensor([2.5])
    assert_same(e, t)
    e[0] = ember.tensor([7.9, 8.1, 9.0])
    t[0] = torch.tensor([7.9, 8.1, 9.0])
    assert_same(e, t)


def test_setitem_false_does_nothing():
    e, t = pair(np.zeros(3))
    e[False] = 1.0
    t[False] = 1.0
    assert_same(e, t)
    assert e._version == t._version == 0


SETITEM_ERRORS = [
    (0, lambda L: L.ones(2)), (0, lambda L: L.ones(2, 3, 4)), ([0, 1], lambda L: L.ones(2)),
    ([0, 1], lambda L: L.ones(2, 2, 3, 4)), (B(np.zeros((2, 3, 4), bool)), lambda L: L.ones(5)),
    (5, lambda L: 1.0), (slice(None, None, -1), lambda L: 1.0), (0, lambda L: np.ones(4)),
    (0, lambda L: [1.0, 2.0]), ([0], lambda L: L.ones(4, dtype=L.float64)),
    (0, lambda L: 1j), ((0, 0, 0, 0), lambda L: 1.0), (True, lambda L: L.ones(2)),
]


@pytest.mark.parametrize("case", range(len(SETITEM_ERRORS)))
def test_setitem_errors(case):
    idx, v = SETITEM_ERRORS[case]
    e, t = pair(np.zeros((2, 3, 4)), ember.float32)
    assert_same_error(lambda: e.__setitem__(_lib_index(idx, ember), v(ember)),
                      lambda: t.__setitem__(_lib_index(idx, torch), v(torch)))


def test_setitem_int_destination_float_value_error():
    e, t = pair(np.arange(6).reshape(2, 3))
    assert_same_error(lambda: e.__setitem__([0, 1], ember.tensor(9.9)),
                      lambda: t.__setitem__([0, 1], torch.tensor(9.9)))


def test_setitem_on_leaf_errors():
    e, t = pair(np.zeros(3), requires_grad=True)
    assert_same_error(lambda: e.__setitem__(0, 1.0), lambda: t.__setitem__(0, 1.0))
    assert_same_error(lambda: e.__setitem__([0], 1.0), lambda: t.__setitem__([0], 1.0))
    with ember.no_grad():
        e[0] = 1.0
    with torch.no_grad():
        t[0] = 1.0
    assert_same(e, t)
    assert e._version == t._version == 1


SETITEM_GRAD_CASES = [
    (0, (4,), "CopySlices"), ((slice(None), 1), (3,), "CopySlices"), ([0, 1], (2, 4), "IndexPutBackward0"),
    ((0, [0, 3]), (2,), "CopySlices"), (Ellipsis, (3, 4), "CopyBackwards"),
    (slice(None), (), "FillBackward3"), (1, (), "CopySlices"), (B([True, False, True]), (), "IndexPutBackward0"),
    ((slice(None), [1, 2]), (1, 2), "IndexPutBackward0"), ((None, 0), (1, 4), "CopySlices"),
]


@pytest.mark.parametrize("case", range(len(SETITEM_GRAD_CASES)))
def test_setitem_gradients_on_non_leaf(case):
    idx, vshape, fn_name = SETITEM_GRAD_CASES[case]
    xe, xt = pair(np.random.randn(3, 4), requires_grad=True)
    ve, vt = pair(np.random.randn(*vshape), requires_grad=True)
    ye, yt = xe * 2, xt * 2
    ye[_lib_index(idx, ember)] = ve
    yt[_lib_index(idx, torch)] = vt
    assert type(yt.grad_fn).__name__ == fn_name
    assert type(ye.grad_fn).__name__ == fn_name
    w = np.random.randn(3, 4)
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    assert_same(ye, yt)
    assert_same(ve.grad, vt.grad)
    if fn_name == "CopyBackwards" and xe.grad is None:
        # Ember's copy_ (ember/ops/shape.py) sends no gradient to the overwritten tensor where
        # PyTorch sends zeros; the values agree
        assert not xt.grad.any()
        return
    assert_same(xe.grad, xt.grad)


def test_setitem_into_tensor_without_grad_from_value_with_grad():
    xe, xt = pair(np.zeros((3, 3)))
    ve, vt = pair(np.array(2.0), requires_grad=True)
    xe[0] = ve
    xt[0] = vt
    assert type(xe.grad_fn).__name__ == type(xt.grad_fn).__name__ == "CopySlices"
    assert xe.requires_grad
    xe.sum().backward()
    xt.sum().backward()
    assert_same(ve.grad, vt.grad)


def test_augmented_setitem_on_column():
    xe, xt = pair(np.random.randn(3, 3), requires_grad=True)
    ye, yt = xe * 1, xt * 1
    ye[:, 1] *= 2
    yt[:, 1] *= 2
    ye[0] += ye[1]
    yt[0] += yt[1]
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__ == "CopySlices"
    assert ye._version == yt._version
    w = np.random.randn(3, 3)
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    assert_same(ye, yt)
    assert_same(xe.grad, xt.grad)


def test_setitem_on_view_of_non_leaf_gradients():
    xe, xt = pair(np.random.randn(4, 3), requires_grad=True)
    ve, vt = pair(np.random.randn(2), requires_grad=True)
    ye, yt = xe * 3, xt * 3
    se, st = ye[1:3], yt[1:3]
    se[:, 0] = ve
    st[:, 0] = vt
    ye.sum().backward()
    yt.sum().backward()
    assert_same(xe.grad, xt.grad)
    assert_same(ve.grad, vt.grad)


def test_setitem_version_bump_breaks_saved_tensor():
    xe, xt = pair(np.random.randn(3), requires_grad=True)
    ye, yt = xe.exp(), xt.exp()
    ye[0] = 1.0
    yt[0] = 1.0
    assert_same_error(lambda: ye.sum().backward(), lambda: yt.sum().backward(),
                      match_message=False)


# ---------------------------------------------------------------------- helpers for functions
def _cmp_fn(fe, ft, inputs, grad_inputs=(), check_name=True):
    """Run ``fe``/``ft`` on paired inputs; compare outputs, grad_fn names and gradients."""
    e_in, t_in = [], []
    for i, x in enumerate(inputs):
        e, t = pair(x, requires_grad=i in grad_inputs)
        e_in.append(e)
        t_in.append(t)
    re, rt = fe(*e_in), ft(*t_in)
    assert_same(re, rt)
    if grad_inputs:
        if check_name:
            assert type(re.grad_fn).__name__ == type(rt.grad_fn).__name__
        w = np.random.randn(*rt.shape)
        (re * ember.tensor(w)).sum().backward()
        (rt * torch.tensor(w)).sum().backward()
        for i in grad_inputs:
            assert_same(e_in[i].grad, t_in[i].grad)
    return re, rt


def _idx(lib, data):
    return lib.tensor(np.asarray(data), dtype=lib.int64)


X34 = np.random.RandomState(1).randn(3, 4)
IDX24 = [[0, 1, 2, 0], [2, 1, 0, 1]]


@pytest.mark.parametrize("dim, index", [(0, [0, 2]), (1, [3, 0, 3]), (-1, [1]), (0, [])])
def test_index_select(dim, index):
    _cmp_fn(lambda x: ember.index_select(x, dim, _idx(ember, index)),
            lambda x: torch.index_select(x, dim, _idx(torch, index)), [X34], (0,))


def test_index_select_non_contiguous_and_methods():
    e, t = pair(X34)
    assert_same(e.t().index_select(1, _idx(ember, [2, 0])), t.t().index_select(1, _idx(torch, [2, 0])))
    assert_same(e.index_select(0, ember.tensor(1)), t.index_select(0, torch.tensor(1)))
    i32e, i32t = ember.tensor([1], dtype=ember.int32), torch.tensor([1], dtype=torch.int32)
    assert_same(e.index_select(0, i32e), t.index_select(0, i32t))


@pytest.mark.parametrize("dim", [0, 1])
def test_gather(dim):
    idx = IDX24 if dim == 0 else [[0, 3], [1, 1], [2, 0]]
    _cmp_fn(lambda x: ember.gather(x, dim, _idx(ember, idx)),
            lambda x: torch.gather(x, dim, _idx(torch, idx)), [X34], (0,))


def test_gather_small_index_and_non_contiguous():
    e, t = pair(X34)
    assert_same(e.t().gather(0, _idx(ember, [[1], [2]])), t.t().gather(0, _idx(torch, [[1], [2]])))
    assert_same(ember.gather(ember.tensor(5.0), 0, ember.tensor(0)),
                torch.gather(torch.tensor(5.0), 0, torch.tensor(0)))


@pytest.mark.parametrize("dim", [0, 1])
def test_scatter_src_and_value(dim):
    idx = [[0, 1, 2, 3], [1, 2, 0, 3]] if dim == 0 else [[0, 3], [1, 2], [2, 0]]
    idx = [[0, 1, 2, 1], [2, 0, 1, 0]] if dim == 0 else idx
    src = np.random.randn(2, 4) if dim == 0 else np.random.randn(3, 2)
    # index rows are permutations along dim, so no position is written twice
    _cmp_fn(lambda x, s: ember.scatter(x, dim, _idx(ember, idx), s),
            lambda x, s: torch.scatter(x, dim, _idx(torch, idx), s), [X34, src], (0, 1))
    _cmp_fn(lambda x: x.scatter(dim, _idx(ember, idx), 2.5),
            lambda x: x.scatter(dim, _idx(torch, idx), 2.5), [X34], (0,))


def test_scatter_grad_fn_names_and_inplace():
    xe, xt = pair(X34, requires_grad=True)
    ie, it = _idx(ember, IDX24), _idx(torch, IDX24)
    assert type(ember.scatter(xe, 0, ie, 1.0).grad_fn).__name__ == "ScatterBackward1"
    assert type(ember.scatter(xe, 0, ie, xe[:2]).grad_fn).__name__ == "ScatterBackward0"
    ye, yt = xe * 1, xt * 1
    ye.scatter_(0, ie, 3.0)
    yt.scatter_(0, it, 3.0)
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__
    ye.sum().backward()
    yt.sum().backward()
    assert_same(xe.grad, xt.grad)


@pytest.mark.parametrize("reduce", ["add", "multiply"])
def test_scatter_legacy_reduce(reduce):
    src = np.random.randn(2, 4)
    ie, it = _idx(ember, IDX24), _idx(torch, IDX24)
    (xe, xt), (se, st) = pair(X34), pair(src)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same(ember.scatter(xe, 0, ie, se, reduce=reduce),
                    torch.scatter(xt, 0, it, st, reduce=reduce))
        assert_same(xe.clone().scatter_(0, ie, 2.0, reduce=reduce),
                    xt.clone().scatter_(0, it, 2.0, reduce=reduce))
    with pytest.warns(UserWarning, match="deprecated"):
        ember.scatter(xe, 0, ie, se, reduce=reduce)
    ge, gt = pair(X34, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        re, rt = ember.scatter(ge, 0, ie, se, reduce=reduce), torch.scatter(gt, 0, it, st, reduce=reduce)
    assert type(re.grad_fn).__name__ == type(rt.grad_fn).__name__ == "NotImplemented"
    assert_same_error(lambda: re.sum().backward(), lambda: rt.sum().backward())


def test_scatter_add():
    src = np.random.randn(2, 4)
    _cmp_fn(lambda x, s: ember.scatter_add(x, 0, _idx(ember, IDX24), s),
            lambda x, s: torch.scatter_add(x, 0, _idx(torch, IDX24), s), [X34, src], (0, 1))
    _cmp_fn(lambda x, s: x.clone().scatter_add_(1, _idx(ember, [[0, 0]]), s),
            lambda x, s: x.clone().scatter_add_(1, _idx(torch, [[0, 0]]), s),
            [X34, np.random.randn(1, 2)], (0, 1), check_name=False)


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce(reduce, include_self):
    x = np.random.randn(3, 4)
    src = np.random.randn(2, 4)
    src[0, 1] = x[1, 1]           # ties for amax/amin
    src[1, 2] = 0.0               # a zero for prod
    idx = [[0, 1, 2, 0], [0, 1, 0, 1]]
    _cmp_fn(lambda a, s: ember.scatter_reduce(a, 0, _idx(ember, idx), s, reduce,
                                              include_self=include_self),
            lambda a, s: torch.scatter_reduce(a, 0, _idx(torch, idx), s, reduce,
                                              include_self=include_self), [x, src], (0, 1))


@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_integers_and_inplace(reduce):
    x = np.arange(12).reshape(3, 4)
    src = np.arange(8).reshape(2, 4) + 1
    (xe, xt), (se, st) = pair(x), pair(src)
    ie, it = _idx(ember, IDX24), _idx(torch, IDX24)
    for inc in (True, False):
        assert_same(xe.scatter_reduce(0, ie, se, reduce, include_self=inc),
                    xt.scatter_reduce(0, it, st, reduce, include_self=inc))
    assert_same(xe.clone().scatter_reduce_(1, ie, se, reduce),
                xt.clone().scatter_reduce_(1, it, st, reduce))


@pytest.mark.parametrize("alias", ["max", "min"])
def test_scatter_reduce_accepts_max_min(alias):
    (xe, xt), (se, st) = pair(X34), pair(np.random.randn(2, 4))
    assert_same(xe.scatter_reduce(0, _idx(ember, IDX24), se, alias),
                xt.scatter_reduce(0, _idx(torch, IDX24), st, alias))


def test_scatter_reduce_gradcheck():
    x = ember.tensor(np.random.randn(3, 4), requires_grad=True)
    s = ember.tensor(np.random.randn(2, 4), requires_grad=True)
    idx = ember.tensor(IDX24)
    for reduce in ("sum", "prod", "mean", "amax"):
        assert ember.autograd.gradcheck(lambda a, b, r=reduce: a.scatter_reduce(0, idx, b, r), (x, s))


@pytest.mark.parametrize("value_kind", ["scalar", "0-dim", "0-dim grad"])
@pytest.mark.parametrize("mask_shape", [(3, 4), (4,), (3, 1)])
def test_masked_fill(value_kind, mask_shape):
    mask = np.random.rand(*mask_shape) > 0.5
    me, mt = pair(mask)
    if value_kind == "scalar":
        _cmp_fn(lambda x: x.masked_fill(me, -2.0), lambda x: x.masked_fill(mt, -2.0), [X34], (0,))
    else:
        grad = (0, 1) if value_kind == "0-dim grad" else (0,)
        _cmp_fn(lambda x, v: ember.masked_fill(x, me, v), lambda x, v: torch.masked_fill(x, mt, v),
                [X34, np.array(3.0)], grad)


def test_masked_fill_broadcasts_input_and_dtypes():
    xe, xt = pair(np.arange(4.0))
    me, mt = pair(np.random.rand(3, 4) > 0.5)
    assert_same(ember.masked_fill(xe, me, 1.0), torch.masked_fill(xt, mt, 1.0))
    ie, it = pair(np.arange(12).reshape(3, 4))
    assert_same(ie.masked_fill(me, 2.5), it.masked_fill(mt, 2.5))
    assert_same(ie.masked_fill(me, ember.tensor(2.5)), it.masked_fill(mt, torch.tensor(2.5)))
    be, bt = pair(np.arange(12).reshape(3, 4) > 5)
    assert_same(be.masked_fill(me, 2), bt.masked_fill(mt, 2))


def test_masked_fill_inplace():
    xe, xt = pair(X34, requires_grad=True)
    me, mt = pair(X34 > 0)
    ye, yt = xe * 1, xt * 1
    ye.masked_fill_(me, 0.0)
    yt.masked_fill_(mt, 0.0)
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__ == "MaskedFillBackward0"
    ye.sum().backward()
    yt.sum().backward()
    assert_same(xe.grad, xt.grad)


@pytest.mark.parametrize("mask_shape, x_shape", [((3, 4), (3, 4)), ((4,), (3, 4)), ((3, 4), (4,)),
                                                  ((0,), (0,))])
def test_masked_select(mask_shape, x_shape):
    mask = np.random.rand(*mask_shape) > 0.4
    me, mt = pair(mask)
    _cmp_fn(lambda x: ember.masked_select(x, me), lambda x: torch.masked_select(x, mt),
            [np.random.randn(*x_shape)], (0,))


@pytest.mark.parametrize("mask_shape", [(3, 4), (4,)])
def test_masked_scatter(mask_shape):
    mask = np.random.rand(*mask_shape) > 0.4
    me, mt = pair(mask)
    _cmp_fn(lambda x, s: ember.masked_scatter(x, me, s), lambda x, s: torch.masked_scatter(x, mt, s),
            [X34, np.random.randn(4, 5)], (0, 1))
    xe, xt = pair(X34)
    se, st = pair(np.random.randn(20))
    if mask_shape == (3, 4):
        assert_same(xe.clone().masked_scatter_(me, se), xt.clone().masked_scatter_(mt, st))


@pytest.mark.parametrize("other", ["tensor", "row", "scalar", "0-dim"])
def test_where(other):
    ce, ct = pair(X34 > 0)
    y = {"tensor": np.random.randn(3, 4), "row": np.random.randn(4), "0-dim": np.array(0.5)}
    if other == "scalar":
        _cmp_fn(lambda x: ember.where(ce, x, 0.0), lambda x: torch.where(ct, x, 0.0), [X34], (0,))
        _cmp_fn(lambda x: ember.where(ce, 1, x), lambda x: torch.where(ct, 1, x), [X34], (0,))
    else:
        _cmp_fn(lambda x, b: ember.where(ce, x, b), lambda x, b: torch.where(ct, x, b),
                [X34, y[other]], (0, 1))
        _cmp_fn(lambda x, b: x.where(ce, b), lambda x, b: x.where(ct, b), [X34, y[other]], (0, 1))


@pytest.mark.parametrize("a, b", [
    (1, 2.0), (1, 2), (True, False), (True, 5), (1j, 0),
    ("int64 t", 2.5), ("float16 t", 2.5), ("int32 t", "float32 t"), ("float64 t", 0.5),
    ("float64 0d", "float32 t"), ("int64 0d", "int8 t"), ("bool t", "uint8 t"),
])
def test_where_dtype_promotion(a, b):
    ce, ct = pair(X34 > 0)

    def make(v, lib):
        if isinstance(v, str):
            dt, kind = v.split()
            data = np.array(1.5) if kind == "0d" else np.arange(4) % 3
            return lib.tensor(data, dtype=getattr(lib, dt))
        return v

    assert_same(ember.where(ce, make(a, ember), make(b, ember)),
                torch.where(ct, make(a, torch), make(b, torch)))


@pytest.mark.parametrize("data", [np.array([[0, 1, 2], [3, 0, 0]]), np.array([0.0, 1.5, -2.0]),
                                  np.array(3), np.array(0), np.zeros((0, 2)),
                                  np.array([[True, False], [True, True]])])
def test_nonzero_argwhere_where1(data):
    e, t = pair(data)
    assert_same(ember.nonzero(e), torch.nonzero(t))
    assert_same(e.argwhere(), t.argwhere())
    for fe, ft in ((lambda: ember.nonzero(e, as_tuple=True), lambda: torch.nonzero(t, as_tuple=True)),
                   (lambda: ember.where(e != 0), lambda: torch.where(t != 0))):
        re, rt = fe(), ft()
        assert len(re) == len(rt)
        for a, b in zip(re, rt):
            assert_same(a, b)


@pytest.mark.parametrize("index", [[0, 5, -1], [[11, 0], [3, -12]], 4, []])
def test_take(index):
    _cmp_fn(lambda x: ember.take(x, _idx(ember, index)), lambda x: torch.take(x, _idx(torch, index)),
            [X34], (0,))
    e, t = pair(X34)
    assert_same(e.t().take(_idx(ember, index)), t.t().take(_idx(torch, index)))


@pytest.mark.parametrize("dim, index", [(0, [[0, 2, 1, 0]]), (1, [[3], [0], [1]]), (None, [0, 11, 5]),
                                         (1, [[0, 1]]), (-1, [[2, 2], [1, 1], [0, 0]])])
def test_take_along_dim(dim, index):
    _cmp_fn(lambda x: ember.take_along_dim(x, _idx(ember, index), dim),
            lambda x: torch.take_along_dim(x, _idx(torch, index), dim), [X34], (0,))


@pytest.mark.parametrize("alpha", [1, 2.5])
@pytest.mark.parametrize("dim", [0, 1])
def test_index_add(dim, alpha):
    index = [2, 0, 2]
    src = np.random.randn(3, 4) if dim == 0 else np.random.randn(3, 3)
    _cmp_fn(lambda x, s: ember.index_add(x, dim, _idx(ember, index), s, alpha=alpha),
            lambda x, s: torch.index_add(x, dim, _idx(torch, index), s, alpha=alpha),
            [X34, src], (0, 1))
    ie, it = pair(np.arange(12).reshape(3, 4))
    se, st = pair(np.ones((3, 3) if dim == 1 else (3, 4), dtype=np.int64))
    assert_same(ie.index_add(dim, _idx(ember, index), se, alpha=alpha),
                it.index_add(dim, _idx(torch, index), st, alpha=alpha))


def test_index_add_inplace():
    _cmp_fn(lambda x, s: (x * 1).index_add_(0, _idx(ember, [1, 1]), s),
            lambda x, s: (x * 1).index_add_(0, _idx(torch, [1, 1]), s),
            [X34, np.random.randn(2, 4)], (0, 1))


@pytest.mark.parametrize("dim", [0, 1])
def test_index_copy(dim):
    index = [2, 0]
    src = np.random.randn(2, 4) if dim == 0 else np.random.randn(3, 2)
    _cmp_fn(lambda x, s: ember.index_copy(x, dim, _idx(ember, index), s),
            lambda x, s: torch.index_copy(x, dim, _idx(torch, index), s), [X34, src], (0, 1))
    _cmp_fn(lambda x, s: (x * 1).index_copy_(dim, _idx(ember, index), s),
            lambda x, s: (x * 1).index_copy_(dim, _idx(torch, index), s), [X34, src], (0, 1))


@pytest.mark.parametrize("value_kind", ["scalar", "0-dim grad"])
@pytest.mark.parametrize("dim, index", [(0, [2, 0, 2]), (1, [-1]), (1, 1)])
def test_index_fill(value_kind, dim, index):
    if value_kind == "scalar":
        _cmp_fn(lambda x: ember.index_fill(x, dim, _idx(ember, index), -1.0),
                lambda x: torch.index_fill(x, dim, _idx(torch, index), -1.0), [X34], (0,))
        _cmp_fn(lambda x: (x * 1).index_fill_(dim, _idx(ember, index), -1.0),
                lambda x: (x * 1).index_fill_(dim, _idx(torch, index), -1.0), [X34], (0,))
    elif index == [-1]:
        # PyTorch's own backward fails here (index_select with the negative index)
        x = ember.tensor(X34, requires_grad=True)
        v = ember.tensor(4.0, dtype=ember.float64, requires_grad=True)
        assert ember.autograd.gradcheck(lambda a, b: a.index_fill(dim, _idx(ember, index), b), (x, v))
    else:
        _cmp_fn(lambda x, v: x.index_fill(dim, _idx(ember, index), v),
                lambda x, v: x.index_fill(dim, _idx(torch, index), v), [X34, np.array(4.0)], (0, 1))


@pytest.mark.parametrize("accumulate", [False, True])
@pytest.mark.parametrize("case", ["one", "two", "mask", "dups"])
def test_index_put(accumulate, case):
    if case == "dups" and not accumulate:
        return
    idx = {"one": ([2, 0],), "two": ([0, 2], [1, 3]), "mask": (X34 > 0,), "dups": ([1, 1, 0],)}[case]
    vals = {"one": np.random.randn(4), "two": np.random.randn(2), "mask": np.array(1.5),
            "dups": np.random.randn(3, 4)}[case]

    def mk(lib):
        return tuple(lib.tensor(np.asarray(i)) for i in idx)

    _cmp_fn(lambda x, v: ember.index_put(x, mk(ember), v, accumulate),
            lambda x, v: torch.index_put(x, mk(torch), v, accumulate), [X34, vals], (0, 1))
    _cmp_fn(lambda x, v: (x * 1).index_put_(mk(ember), v, accumulate=accumulate),
            lambda x, v: (x * 1).index_put_(mk(torch), v, accumulate=accumulate), [X34, vals], (0, 1))


@pytest.mark.parametrize("accumulate", [False, True])
def test_put(accumulate):
    index = [1, 11, -1, 5] if accumulate else [1, 11, 5]
    src = np.random.randn(len(index))
    _cmp_fn(lambda x, s: (x * 1).put_(_idx(ember, index), s, accumulate=accumulate),
            lambda x, s: (x * 1).put_(_idx(torch, index), s, accumulate=accumulate), [X34, src], (0, 1))
    _cmp_fn(lambda x, s: ember.put(x, _idx(ember, index), s, accumulate),
            lambda x, s: torch.put(x, _idx(torch, index), s, accumulate), [X34, src], (0, 1))


def test_select():
    _cmp_fn(lambda x: ember.select(x, 1, -2), lambda x: torch.select(x, 1, -2), [X34], (0,))
    e, t = pair(X34)
    assert_same_error(lambda: e.select(0, 5), lambda: t.select(0, 5))


def test_double_backward_through_gather_and_index():
    x = ember.tensor(np.random.randn(3, 4), requires_grad=True)
    idx = ember.tensor(IDX24)
    assert ember.autograd.gradgradcheck(lambda a: (a.gather(0, idx) ** 2), (x,))
    assert ember.autograd.gradgradcheck(lambda a: (a.index_select(1, ember.tensor([0, 0, 3])) ** 2), (x,))
    assert ember.autograd.gradgradcheck(lambda a: a.masked_select(a.detach() > 0) ** 2, (x,))


# ---------------------------------------------------------------------- function errors
F_ERRORS = {
    "gather float index": lambda L, x: L.gather(x, 0, x),
    "gather int16 index": lambda L, x: L.gather(x, 0, L.zeros(2, 4, dtype=L.int16)),
    "gather oob": lambda L, x: L.gather(x, 0, L.tensor([[5]])),
    "gather negative": lambda L, x: L.gather(x, 0, L.tensor([[-1]])),
    "gather ndim": lambda L, x: L.gather(x, 0, L.tensor([0])),
    "gather size": lambda L, x: L.gather(x, 0, L.zeros(2, 5, dtype=L.int64)),
    "gather dim": lambda L, x: L.gather(x, 2, L.tensor([[0]])),
    "scatter float index": lambda L, x: L.scatter(x, 0, x, 1.0),
    "scatter oob": lambda L, x: L.scatter(x, 0, L.tensor([[3]]), 1.0),
    "scatter src dtype": lambda L, x: L.scatter(x, 0, L.tensor([[0]]), L.ones(1, 1, dtype=L.float32)),
    "scatter src small": lambda L, x: L.scatter(x, 0, L.zeros(2, 4, dtype=L.int64), L.ones(1, 4, dtype=L.float64)),
    "scatter ndim": lambda L, x: L.scatter(x, 0, L.tensor([0]), 1.0),
    "scatter bad reduce": lambda L, x: L.scatter(x, 0, L.tensor([[0]]), 1.0, reduce="max"),
    "scatter_add dtype": lambda L, x: L.scatter_add(x, 0, L.tensor([[0]]), L.ones(1, 1)),
    "scatter_reduce bad": lambda L, x: L.scatter_reduce(x, 0, L.tensor([[0]]), x, "add"),
    "index_select float": lambda L, x: L.index_select(x, 0, L.tensor([0.0])),
    "index_select 2d": lambda L, x: L.index_select(x, 0, L.tensor([[0]])),
    "index_select oob": lambda L, x: L.index_select(x, 0, L.tensor([5])),
    "index_select negative": lambda L, x: L.index_select(x, 0, L.tensor([-1])),
    "masked_fill float mask": lambda L, x: L.masked_fill(x, x, 1.0),
    "masked_fill int mask": lambda L, x: L.masked_fill(x, (x > 0).long(), 1.0),
    "masked_fill value dims": lambda L, x: L.masked_fill(x, x > 0, L.ones(2, dtype=L.float64)),
    "masked_fill bad mask": lambda L, x: L.masked_fill(x, (x > 0)[:, :2], 1.0),
    "masked_fill_ broadcast self": lambda L, x: x[0].clone().masked_fill_(x > 0, 1.0),
    "masked_fill complex": lambda L, x: L.masked_fill(x, x > 0, 1j),
    "masked_select float mask": lambda L, x: L.masked_select(x, x),
    "masked_scatter short": lambda L, x: L.masked_scatter(x, x == x, L.ones(5, dtype=L.float64)),
    "masked_scatter dtype": lambda L, x: L.masked_scatter(x, x > 0, L.ones(12)),
    "masked_scatter float mask": lambda L, x: L.masked_scatter(x, x, x),
    "where float cond": lambda L, x: L.where(x, x, x),
    "where broadcast": lambda L, x: L.where(x > 0, x, L.ones(3, dtype=L.float64)),
    "take oob": lambda L, x: L.take(x, L.tensor([12])),
    "take negative oob": lambda L, x: L.take(x, L.tensor([-13])),
    "take int32": lambda L, x: L.take(x, L.tensor([1], dtype=L.int32)),
    "take_along_dim ndim": lambda L, x: L.take_along_dim(x, L.tensor([0]), 0),
    "take_along_dim broadcast": lambda L, x: L.take_along_dim(x, L.tensor([[0], [1]]), 1),
    "take_along_dim float": lambda L, x: L.take_along_dim(x, L.tensor([[0.0]]), 1),
    "index_add oob": lambda L, x: L.index_add(x, 0, L.tensor([5]), L.ones(1, 4, dtype=L.float64)),
    "index_add count": lambda L, x: L.index_add(x, 0, L.tensor([1]), L.ones(2, 4, dtype=L.float64)),
    "index_add dtype": lambda L, x: L.index_add(x, 0, L.tensor([1]), L.ones(1, 4)),
    "index_add float index": lambda L, x: L.index_add(x, 1, L.tensor([1.0]), L.ones(3, 1, dtype=L.float64)),
    "index_add 2d index": lambda L, x: L.index_add(x, 0, L.tensor([[0]]), L.ones(1, 4, dtype=L.float64)),
    "index_copy count": lambda L, x: L.index_copy(x, 0, L.tensor([1]), L.ones(2, 4, dtype=L.float64)),
    "index_copy oob": lambda L, x: L.index_copy(x, 0, L.tensor([7]), L.ones(1, 4, dtype=L.float64)),
    "index_copy negative": lambda L, x: L.index_copy(x, 1, L.tensor([-1]), L.ones(3, 1, dtype=L.float64)),
    "index_copy int32": lambda L, x: L.index_copy(x, 1, L.tensor([1], dtype=L.int32), L.ones(3, 1, dtype=L.float64)),
    "index_copy dtype": lambda L, x: L.index_copy(x, 0, L.tensor([0]), L.ones(1, 4)),
    "index_copy 2d index": lambda L, x: L.index_copy(x, 0, L.tensor([[0]]), L.ones(1, 4, dtype=L.float64)),
    "index_fill oob": lambda L, x: L.index_fill(x, 0, L.tensor([7]), 1.0),
    "index_fill int32": lambda L, x: L.index_fill(x, 1, L.tensor([1], dtype=L.int32), 1.0),
    "index_fill value dims": lambda L, x: L.index_fill(x, 0, L.tensor([1]), L.ones(1)),
    "index_fill 2d index": lambda L, x: L.index_fill(x, 0, L.tensor([[0]]), 1.0),
    "index_put dtype": lambda L, x: L.index_put(x, (L.tensor([0]),), L.ones(4)),
    "index_put None": lambda L, x: L.index_put(x, (None, L.tensor([0])), L.ones(3, dtype=L.float64)),
    "index_put oob": lambda L, x: L.index_put(x, (L.tensor([7]),), L.ones(4, dtype=L.float64)),
    "index_put too many": lambda L, x: L.index_put(x, (L.tensor([0]),) * 3, L.ones(1, dtype=L.float64)),
    "index_put float index": lambda L, x: L.index_put(x, (L.tensor([1.0]),), L.ones(1, dtype=L.float64)),
    "index_put shape": lambda L, x: L.index_put(x, (L.tensor([0, 1]),), L.ones(3, dtype=L.float64)),
    "put oob": lambda L, x: x.clone().put_(L.tensor([12]), L.ones(1, dtype=L.float64)),
    "put size": lambda L, x: x.clone().put_(L.tensor([1, 2]), L.ones(1, dtype=L.float64)),
    "put int32": lambda L, x: x.clone().put_(L.tensor([1], dtype=L.int32), L.ones(1, dtype=L.float64)),
    "put dtype": lambda L, x: L.put(x, L.tensor([0]), L.ones(1)),
    "index_add source shape": lambda L, x: L.index_add(x, 0, L.tensor([0]), L.ones(1, 3, dtype=L.float64)),
    "index_add indexing dim": lambda L, x: L.index_add(x, 1, L.tensor([0]), L.ones(3, dtype=L.float64)),
    "index_copy slice shapes": lambda L, x: L.index_copy(x, 0, L.tensor([0]), L.ones(1, 3, dtype=L.float64)),
    "index_copy dimensionality": lambda L, x: L.index_copy(x, 0, L.tensor(0), L.ones(4, dtype=L.float64)),
    "index_copy scalar source": lambda L, x: L.index_copy(x, 0, L.tensor([0, 1]), L.tensor(1.0, dtype=L.float64)),
    "take_along_dim non-contiguous": lambda L, x: L.take_along_dim(x.t(), L.tensor([5, 0])),
    "where int8 overflow": lambda L, x: L.where(x > 0, x.to(L.int8), 500),
    "nonzero 2": lambda L, x: L.scatter_reduce(x, 0, L.tensor([[0]]), x, "foo"),
}


@pytest.mark.parametrize("name", list(F_ERRORS))
def test_function_errors(name):
    xe, xt = pair(X34)
    assert_same_error(lambda: F_ERRORS[name](ember, xe), lambda: F_ERRORS[name](torch, xt))


def test_inplace_on_leaf_errors():
    xe, xt = pair(X34, requires_grad=True)
    me, mt = pair(X34 > 0)
    assert_same_error(lambda: xe.masked_fill_(me, 0.0), lambda: xt.masked_fill_(mt, 0.0))
    assert_same_error(lambda: xe.index_fill_(0, ember.tensor([0]), 0.0),
                      lambda: xt.index_fill_(0, torch.tensor([0]), 0.0))


def test_functions_keep_int_dtypes():
    ie, it = pair(np.arange(12).reshape(3, 4))
    assert_same(ie.gather(1, _idx(ember, [[0], [1], [2]])), it.gather(1, _idx(torch, [[0], [1], [2]])))
    assert_same(ie.scatter(0, _idx(ember, [[2]]), 7), it.scatter(0, _idx(torch, [[2]]), 7))
    assert_same(ie.index_fill(0, _idx(ember, [0]), 2.5), it.index_fill(0, _idx(torch, [0]), 2.5))
    assert_same(ie.masked_select(ie > 4), it.masked_select(it > 4))
    assert_same(ie.take(_idx(ember, [3, 4])), it.take(_idx(torch, [3, 4])))


@pytest.mark.parametrize("idx", [0, (slice(None), 1), ([0, 2],), (1, [0, 2]), (slice(1, None), [1])],
                         ids=str)
def test_setitem_through_transposed_view_of_non_leaf(idx):
    xe, xt = pair(np.random.randn(3, 4), requires_grad=True)
    ye, yt = xe * 2, xt * 2
    ze, zt = ye.t(), yt.t()
    ve, vt = pair(np.random.randn(*zt[idx].shape), requires_grad=True)
    ze[idx] = ve
    zt[idx] = vt
    assert type(ye.grad_fn).__name__ == type(yt.grad_fn).__name__ == "CopySlices"
    w = np.random.randn(3, 4)
    (ye * ember.tensor(w)).sum().backward()
    (yt * torch.tensor(w)).sum().backward()
    assert_same(ye, yt)
    assert_same(xe.grad, xt.grad)
    assert_same(ve.grad, vt.grad)


def _setitem_fn(a, b):
    y = a * 1
    y[1:, [0, 3]] = b[:2]
    return y


_M = np.random.RandomState(2).rand(3, 4) > 0.5
_I = [[0, 1, 2, 1], [2, 0, 1, 0]]
GRADCHECK_CASES = {
    "scatter": (lambda a, b: a.scatter(0, ember.tensor(_I), b), ((3, 4), (2, 4))),
    "scatter_add": (lambda a, b: a.scatter_add(0, ember.tensor(_I), b), ((3, 4), (2, 4))),
    "index_put": (lambda a, b: ember.index_put(a, (ember.tensor([2, 0]),), b), ((3, 4), (4,))),
    "index_put accumulate": (lambda a, b: ember.index_put(a, (ember.tensor([2, 2]),), b, True),
                             ((3, 4), (4,))),
    "masked_scatter": (lambda a, b: a.masked_scatter(ember.tensor(_M), b), ((3, 4), (2, 6))),
    "masked_fill tensor": (lambda a, b: a.masked_fill(ember.tensor(_M), b), ((3, 4), ())),
    "where": (lambda a, b: ember.where(ember.tensor(_M), a, b), ((3, 4), (4,))),
    "take": (lambda a: a.take(ember.tensor([0, 5, 5])), ((3, 4),)),
    "put": (lambda a, b: ember.put(a, ember.tensor([0, 5, 7, 1]), b), ((3, 4), (4,))),
    "index_add": (lambda a, b: a.index_add(0, ember.tensor([1, 1]), b, alpha=2), ((3, 4), (2, 4))),
    "index_copy": (lambda a, b: a.index_copy(0, ember.tensor([1, 0]), b), ((3, 4), (2, 4))),
    "index_fill tensor": (lambda a, b: a.index_fill(1, ember.tensor([1, 1]), b), ((3, 4), ())),
    "take_along_dim": (lambda a: ember.take_along_dim(a, ember.tensor(_I), 0), ((3, 4),)),
    "scatter_reduce mean": (lambda a, b: a.scatter_reduce(0, ember.tensor(_I), b, "mean",
                                                          include_self=False), ((3, 4), (2, 4))),
    "setitem on non-leaf": (_setitem_fn, ((3, 4), (4,))),
}


@pytest.mark.parametrize("name", list(GRADCHECK_CASES))
def test_gradcheck_and_gradgradcheck(name):
    fn, shapes = GRADCHECK_CASES[name]
    inputs = tuple(ember.tensor(np.random.randn(*s), dtype=ember.float64, requires_grad=True)
                   for s in shapes)
    assert ember.autograd.gradcheck(lambda *a: fn(*a) ** 2, inputs)
    assert ember.autograd.gradgradcheck(lambda *a: fn(*a) ** 2, inputs)


def test_bfloat16_basic_views_share_memory():
    e, t = pair(np.arange(12.0).reshape(3, 4), ember.bfloat16)
    e[1][2] = 100.5
    t[1][2] = 100.5
    e[:, None, 0][1:] = -3.0
    t[:, None, 0][1:] = -3.0
    assert_same(e, t)


def test_out_arguments():
    xe, xt = pair(X34)
    oe, ot = ember.empty(0, dtype=ember.float64), torch.empty(0, dtype=torch.float64)
    ember.index_select(xe, 0, _idx(ember, [2, 1]), out=oe)
    torch.index_select(xt, 0, _idx(torch, [2, 1]), out=ot)
    assert_same(oe, ot)
    with pytest.warns(UserWarning, match="was resized"):
        ember.gather(xe, 1, _idx(ember, [[0], [1], [3]]), out=oe)
    with pytest.warns(UserWarning, match="was resized"):
        torch.gather(xt, 1, _idx(torch, [[0], [1], [3]]), out=ot)
    assert_same(oe, ot)
    me, mt = pair(X34 > 0)
    oe, ot = ember.empty(0, dtype=ember.float64), torch.empty(0, dtype=torch.float64)
    ember.masked_select(xe, me, out=oe)
    torch.masked_select(xt, mt, out=ot)
    assert_same(oe, ot)
    ne, nt = ember.empty(0, dtype=ember.int64), torch.empty(0, dtype=torch.int64)
    ember.nonzero(me, out=ne)
    torch.nonzero(mt, out=nt)
    assert_same(ne, nt)


def test_inplace_variants_keep_identity_and_bump_version():
    xe, xt = pair(X34)
    se, st = pair(np.random.randn(2, 4))
    me, mt = pair(X34 > 0)
    ops = [
        (lambda x, s, m, L: x.scatter_(0, _idx(L, IDX24), s)),
        (lambda x, s, m, L: x.scatter_add_(0, _idx(L, IDX24), s)),
        (lambda x, s, m, L: x.scatter_reduce_(0, _idx(L, IDX24), s, "amax")),
        (lambda x, s, m, L: x.masked_scatter_(m, s)),
        (lambda x, s, m, L: x.index_put_((_idx(L, [1, 2]),), s)),
        (lambda x, s, m, L: x.put_(_idx(L, [0, 3]), s[0, :2])),
        (lambda x, s, m, L: x.index_copy_(0, _idx(L, [2, 0]), s)),
        (lambda x, s, m, L: x.index_add_(0, _idx(L, [2, 2]), s, alpha=-1)),
    ]
    for op in ops:
        ve = xe._version
        assert op(xe, se, me, ember) is xe
        op(xt, st, mt, torch)
        assert xe._version == ve + 1
        assert_same(xe, xt)
