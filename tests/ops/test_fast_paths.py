"""The fast paths taken for speed give the same results as the general paths and as PyTorch.

Each fast path (bit-mask select, unary ops without a graph, ReLU on big arrays, addmm's
in-place bias, reshape of contiguous tensors, integer-tensor indexing) is checked on the
inputs that could break it: NaN, inf, -0.0, every float dtype, errors that must keep
PyTorch's message.
"""

import numpy as np
import pytest
import torch

import ember
from ember.ops._util import select
from tests.conftest import assert_same, assert_same_error, pair

SPECIAL = np.array([np.nan, -np.nan, np.inf, -np.inf, 0.0, -0.0, 1.5, -2.5, 1e-40, -1e-40])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int32,
                                   np.int64, np.uint8])
def test_select_is_bit_exact_where(dtype):
    rng = np.random.default_rng(0)
    n = 4096
    if np.dtype(dtype).kind == "f":
        x = np.concatenate([SPECIAL, rng.standard_normal(n)]).astype(dtype)
        y = np.concatenate([SPECIAL[::-1], rng.standard_normal(n)]).astype(dtype)
    else:
        x = rng.integers(0, 100, n + 10).astype(dtype)
        y = rng.integers(0, 100, n + 10).astype(dtype)
    cond = rng.random(x.shape) < 0.5
    it = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}[x.itemsize]
    for a, b in ((x, 0), (0, x), (x, y)):
        got = select(cond, a, b)
        want = np.where(cond, a, b).astype(dtype)
        assert got.dtype == want.dtype
        assert np.array_equal(got.view(it), want.view(it))      # bits, so NaN and -0.0 count


def test_select_declines_what_it_cannot_do():
    cond = np.array([True, False])
    assert select(cond, np.ones(3), 0) is None                   # shapes differ
    assert select(cond, np.ones(2, complex), 0) is None          # complex
    assert select(cond, np.ones(2, bool), 0) is None             # bool
    assert select(cond, np.ones(2, np.float32), np.ones(2)) is None   # dtypes differ
    assert select(cond, np.ones(2), 0.0) is None                 # a non-zero-int scalar


@pytest.mark.parametrize("n", [6, 5000])            # below and above ReLU's bit-mask threshold
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_relu_special_values(n, dtype):
    data = np.resize(SPECIAL, n)
    e, t = pair(data, getattr(ember, dtype))
    for f in (lambda m, x: m.relu(x), lambda m, x: x.relu(), lambda m, x: m.nn.functional.relu(x)):
        r_e, r_t = f(ember, e), f(torch, t)
        assert_same(r_e, r_t)
        a, b = r_e.float().numpy(), r_t.float().numpy()
        ok = ~np.isnan(b)                 # (a NaN's sign may not survive the float16 input cast)
        assert np.array_equal(np.signbit(a[ok]), np.signbit(b[ok]))     # -0.0 stays -0.0


@pytest.mark.parametrize("n", [6, 5000])
def test_relu_backward_masks_exactly(n):
    data = np.resize(SPECIAL[np.isfinite(SPECIAL)], n)
    e, t = pair(data, ember.float32, requires_grad=True)
    g = np.resize(np.array([np.inf, np.nan, 1.0, -1.0], np.float32), n)
    e.relu().backward(ember.tensor(g))
    t.relu().backward(torch.tensor(g))
    assert_same(e.grad, t.grad)


@pytest.mark.parametrize("name", ["exp", "log", "sqrt", "rsqrt", "sin", "tanh", "sigmoid", "abs",
                                  "neg", "reciprocal", "erf", "log1p", "sign", "trunc"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_unary_without_graph(name, dtype):
    e, t = pair(SPECIAL, getattr(ember, dtype))
    assert_same(getattr(ember, name)(e), getattr(torch, name)(t), atol=1e-6)
    assert_same(getattr(e, name)(), getattr(t, name)(), atol=1e-6)


@pytest.mark.parametrize("name", ["exp", "sqrt", "tanh", "relu"])
def test_unary_with_graph_and_out(name):
    e, t = pair(np.array([0.5, 1.5, 2.0]), ember.float32, requires_grad=True)
    ye, yt = getattr(ember, name)(e), getattr(torch, name)(t)
    assert ye.grad_fn.name() == yt.grad_fn.name()
    ye.sum().backward()
    yt.sum().backward()
    assert_same(e.grad, t.grad)
    if name != "relu":
        oe, ot = ember.empty(3), torch.empty(3)
        getattr(ember, name)(e.detach(), out=oe)
        getattr(torch, name)(t.detach(), out=ot)
        assert_same(oe, ot)


@pytest.mark.parametrize("bias_shape", [(5,), (3, 5), (1, 5), ()])
def test_addmm_bias_shapes(bias_shape):
    rng = np.random.default_rng(1)
    be, bt = pair(rng.standard_normal(bias_shape).astype(np.float32), requires_grad=True)
    ae, at = pair(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    me, mt = pair(rng.standard_normal((4, 5)).astype(np.float32), requires_grad=True)
    ye, yt = ember.addmm(be, ae, me), torch.addmm(bt, at, mt)
    assert_same(ye, yt)
    assert ye.grad_fn.name() == yt.grad_fn.name()
    ye.sum().backward()
    yt.sum().backward()
    for x, y in ((be, bt), (ae, at), (me, mt)):
        assert_same(x.grad, y.grad)
    assert_same(ember.addmm(be, ae, me, beta=0.5, alpha=2), torch.addmm(bt, at, mt, beta=0.5, alpha=2))


def test_linear_does_not_touch_bias():
    w, b = ember.ones(5, 4), ember.arange(5.0)
    y = ember.nn.functional.linear(ember.ones(3, 4), w, b)
    assert b.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert y.tolist()[0] == [4.0, 5.0, 6.0, 7.0, 8.0]


@pytest.mark.parametrize("shape", [(6, 4), (-1, 4), (4, -1), (24,), (2, 3, -1), (1, 24, 1)])
def test_reshape_contiguous(shape):
    e, t = pair(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    re, rt = e.reshape(shape), t.reshape(shape)
    assert_same(re, rt, check_stride=True)
    assert re.grad_fn.name() == rt.grad_fn.name()
    assert re._base is e            # a view of the same memory
    re.sum().backward()
    rt.sum().backward()
    assert_same(e.grad, t.grad)


@pytest.mark.parametrize("shape", [(5, 5), (-1, -1), (7, -1), (-2, 12), (0, -1)])
def test_reshape_errors(shape):
    e, t = pair(np.arange(24.0))
    assert_same_error(lambda: e.reshape(shape), lambda: t.reshape(shape))
    e, t = pair(np.zeros((0, 3)))
    assert_same_error(lambda: e.reshape(0, -1), lambda: t.reshape(0, -1))


def test_index_with_integer_tensor():
    e, t = pair(np.arange(40.0).reshape(10, 4))
    for idx in ([1, 5, -1], [[0, 1], [2, 3]], [9]):
        for dt in (torch.int64, torch.int32):
            assert_same(e[ember.tensor(idx, dtype=getattr(ember, str(dt)[6:]))], t[torch.tensor(idx, dtype=dt)])
    for bad in ([10], [-11], [0, 12]):
        assert_same_error(lambda: e[ember.tensor(bad)], lambda: t[torch.tensor(bad)])
    r = e[ember.tensor([1, 2])]
    r[0, 0] = 100.0                 # a copy, not a view
    assert e[1, 0].item() == 4.0


def test_index_with_integer_tensor_records_graph():
    e, t = pair(np.arange(12.0).reshape(4, 3), requires_grad=True)
    ye, yt = e[ember.tensor([0, 0, 3])], t[torch.tensor([0, 0, 3])]
    assert ye.grad_fn.name() == yt.grad_fn.name()
    ye.sum().backward()
    yt.sum().backward()
    assert_same(e.grad, t.grad)


@pytest.mark.parametrize("case", ["1d", "2d", "3d", "4d", "3d-noncontig", "3d-bias2d", "3d-nobias",
                                  "empty"])
def test_linear_graph_matches_pytorch(case):
    """F.linear builds PyTorch's graph: addmm (+ a view) where at::linear uses it."""
    rng = np.random.default_rng(3)
    shapes = {"1d": (4,), "2d": (3, 4), "3d": (2, 3, 4), "4d": (2, 2, 3, 4), "3d-noncontig": (3, 2, 4),
              "3d-bias2d": (2, 3, 4), "3d-nobias": (2, 3, 4), "empty": (0, 3, 4)}
    xe, xt = pair(rng.standard_normal(shapes[case]).astype(np.float32), requires_grad=True)
    we, wt = pair(rng.standard_normal((5, 4)).astype(np.float32), requires_grad=True)
    bshape = (3, 5) if case == "3d-bias2d" else (5,)
    be, bt = pair(rng.standard_normal(bshape).astype(np.float32), requires_grad=True)
    if case == "3d-noncontig":
        xe, xt = xe.transpose(0, 1), xt.transpose(0, 1)
    if case == "3d-nobias":
        be = bt = None
    ye, yt = ember.nn.functional.linear(xe, we, be), torch.nn.functional.linear(xt, wt, bt)
    assert_same(ye, yt)

    def names(fn, depth):
        if fn is None:
            return None
        if depth == 1:
            return fn.name()
        return (fn.name(), [names(f, depth - 1) for f, _ in fn.next_functions])
    # the matmul cases compare one level: Ember's N-D @ 2-D matmul is one node named
    # UnsafeViewBackward0 where PyTorch has UnsafeViewBackward0 over MmBackward0
    depth = {"3d-noncontig": 1, "3d-bias2d": 1, "3d-nobias": 0}.get(case, 2)
    assert names(ye.grad_fn, depth + 1) == names(yt.grad_fn, depth + 1)
    ye.sum().backward()
    yt.sum().backward()
    for e, t in ((we, wt), (be, bt)):
        if e is not None:
            assert_same(e.grad, t.grad, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
def test_add_rows_at_equals_add_at(dtype):
    from ember.ops._util import add_rows_at
    rng = np.random.default_rng(4)
    idx = rng.integers(-7, 7, 300)
    rows = (rng.standard_normal((300, 5)) * 10).astype(dtype)
    want = np.zeros((7, 5), dtype)
    np.add.at(want, idx, rows)
    got = np.zeros((7, 5), dtype)
    add_rows_at(got, idx, rows)
    rtol = {np.float32: 1e-6, np.float64: 1e-14}.get(dtype, 0)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 100)


def test_index_put_accumulate_and_embedding_grad_repeated_rows():
    rng = np.random.default_rng(5)
    idx = rng.integers(-6, 6, 50)
    ve, vt = pair(rng.standard_normal((50, 3)).astype(np.float32))
    xe, xt = pair(np.zeros((6, 3), np.float32))
    assert_same(xe.index_put((ember.tensor(idx),), ve, accumulate=True),
                xt.index_put((torch.tensor(idx),), vt, accumulate=True))
    we, wt = pair(rng.standard_normal((6, 3)).astype(np.float32), requires_grad=True)
    pos = np.abs(idx) % 6
    ember.nn.functional.embedding(ember.tensor(pos), we).sum().backward()
    torch.nn.functional.embedding(torch.tensor(pos), wt).sum().backward()
    assert_same(we.grad, wt.grad)


def test_sum_of_inf_and_minus_inf_is_silent_nan():
    import warnings
    x = ember.tensor([[float("inf"), -float("inf")]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # PyTorch warns about nothing here
        assert np.isnan(x.sum().item())
        assert np.isnan(x.sum(1).item())
        assert np.isnan(x.requires_grad_().sum().item())


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_big_inplace_add_with_alpha_matches_pytorch(dtype):
    """add_/sub_ on big contiguous tensors (the in-place fast path) match PyTorch."""
    rng = np.random.default_rng(6)
    a, b = (rng.standard_normal((300, 100)).astype(dtype) for _ in range(2))
    (xe, xt), (ye, yt) = pair(a), pair(b)
    for f in (lambda x, y: x.add_(y, alpha=-0.37), lambda x, y: x.sub_(y, alpha=2.5),
              lambda x, y: x.add_(y), lambda x, y: x.add_(x, alpha=0.5)):
        ve = xe._vc[0] if xe._vc else 0
        assert f(xe, ye) is xe
        f(xt, yt)
        assert_same(xe, xt, rtol=1e-6 if dtype == "float32" else 1e-14)
        assert xe._vc[0] == ve + 1                      # the version counter moves
    assert_same(ye, yt)                                 # the other operand is untouched


def test_inplace_add_on_overlapping_or_strided_views():
    base_e, base_t = pair(np.arange(40000.0, dtype=np.float32))
    # overlapping views of one buffer: NumPy's buffered path, as PyTorch computes it
    base_e[1:20001].add_(base_e[0:20000], alpha=2.0)
    base_t[1:20001].add_(base_t[0:20000].clone(), alpha=2.0)
    assert_same(base_e, base_t)
    xe, xt = pair(np.ones((200, 200), np.float32))
    xe.t().add_(ember.ones(200, 200) * 3, alpha=0.5)
    xt.t().add_(torch.ones(200, 200) * 3, alpha=0.5)
    assert_same(xe, xt)


@pytest.mark.parametrize("a_t", [False, True])
@pytest.mark.parametrize("b_t", [False, True])
@pytest.mark.parametrize("create_graph", [False, True])
def test_mm_gradients_values_and_layout(a_t, b_t, create_graph):
    """mm's gradients (array path without create_graph, tensor ops with it) have PyTorch's
    values and strides for row- and column-major operands."""
    rng = np.random.default_rng(8)
    (ae, at), (be, bt) = pair(rng.standard_normal((5, 3)), requires_grad=True), \
        pair(rng.standard_normal((3, 4)), requires_grad=True)
    xe = ae.detach().t().contiguous().t().requires_grad_() if a_t else ae
    xt = at.detach().t().contiguous().t().requires_grad_() if a_t else at
    ye = be.detach().t().contiguous().t().requires_grad_() if b_t else be
    yt = bt.detach().t().contiguous().t().requires_grad_() if b_t else bt
    ge = ember.autograd.grad((xe @ ye).pow(2).sum(), (xe, ye), create_graph=create_graph)
    gt = torch.autograd.grad((xt @ yt).pow(2).sum(), (xt, yt), create_graph=create_graph)
    for e, t in zip(ge, gt):
        assert_same(e, t, check_stride=True)
        assert e.requires_grad == t.requires_grad


@pytest.mark.parametrize("shape,target", [((4, 3), (3,)), ((4, 3), (1, 3)), ((2, 4, 3), (4, 1)),
                                          ((2, 4, 3), (1, 1, 1)), ((5,), ())])
@pytest.mark.parametrize("dtype", ["float32", "float64", "bfloat16"])
def test_broadcast_gradients_sum_back(shape, target, dtype):
    """The engine sums a broadcast operand's gradient back to its shape (array path without
    create_graph, tensor ops with it)."""
    rng = np.random.default_rng(9)
    (xe, xt), (ye, yt) = (pair(rng.standard_normal(s), getattr(ember, dtype), requires_grad=True)
                          for s in (shape, target))
    g = rng.standard_normal(shape)
    for cg in (False, True):
        ge = ember.autograd.grad(xe * ye, ye, ember.tensor(g, dtype=getattr(ember, dtype)),
                                 create_graph=cg)[0]
        gt = torch.autograd.grad(xt * yt, yt, torch.tensor(g, dtype=getattr(torch, dtype)),
                                 create_graph=cg)[0]
        assert_same(ge, gt, rtol=1e-2 if dtype == "bfloat16" else 1e-5)
