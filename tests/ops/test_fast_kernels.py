"""The fast array kernels of the GPT step against PyTorch: float32 GELU (ops/_fast_special.py),
the array-code backwards of softmax, log-softmax, GELU and layer/batch norm (used when the
gradient itself is not recorded), masked_fill's copy-and-store, and EmbeddingBag's row
accumulation.  Double backward keeps the tensor-op formulas; gradcheck covers them in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from scipy import special

import ember
import ember.nn.functional as EF
from conftest import assert_same, assert_same_error
from ember.ops._fast_special import _CHUNK, gelu_float32
from ember.ops._util import add_rows_at


def _pair(a, requires_grad=True):
    return (ember.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _grads(efn, tfn, a, g=None, requires_grad=True):
    """Outputs and input gradients of ``efn`` / ``tfn`` at ``a`` for the output gradient ``g``."""
    (e, t) = _pair(a, requires_grad)
    ey, ty = efn(e), tfn(t)
    if g is None:
        g = np.random.default_rng(1).standard_normal(ty.shape).astype(a.dtype)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    return ey, ty, e.grad, t.grad


# ---------------------------------------------------------------------- GELU
_EXTREMES = np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 1e-30, -1e-30, 1e-45, -1e-45, 1e30, -1e30,
                      3e38, -3e38, 5.656, -5.656, 9.0, -9.0], dtype=np.float32)


def _gelu_exact(x):
    x = x.astype(np.float64)
    cdf = 0.5 * (1 + special.erf(x / np.sqrt(2)))
    return x * cdf, cdf + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)


def test_gelu_float32_dense_grid_against_exact_and_torch():
    x = np.linspace(-10, 10, 2_000_001, dtype=np.float32)
    y, d = gelu_float32(x, True)
    y_ref, d_ref = _gelu_exact(x)
    # A&S 7.1.26 (|erf error| < 1.5e-7) plus float32 rounding; PyTorch's own kernel is as close
    np.testing.assert_allclose(y, y_ref, rtol=2e-7, atol=3e-7)
    np.testing.assert_allclose(d, d_ref, rtol=0, atol=4e-7)
    t = torch.tensor(x, requires_grad=True)
    ty = TF.gelu(t)
    ty.backward(torch.ones_like(ty))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=2e-7, atol=3e-7)
    np.testing.assert_allclose(d, t.grad.numpy(), rtol=0, atol=5e-7)


def test_gelu_float32_extremes_match_torch():
    with np.errstate(all="ignore"):
        y, d = gelu_float32(_EXTREMES, True)
    t = torch.tensor(_EXTREMES, requires_grad=True)
    ty = TF.gelu(t)
    ty.backward(torch.ones_like(ty))
    np.testing.assert_allclose(y, ty.detach().numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)
    np.testing.assert_allclose(d, t.grad.numpy(), rtol=1e-6, atol=1e-7, equal_nan=True)


@pytest.mark.parametrize("n", [7, _CHUNK, 3 * _CHUNK + 5])
def test_gelu_float32_chunks_equal_one_piece(n):
    x = np.random.default_rng(n).standard_normal(n).astype(np.float32) * 4
    y, d = gelu_float32(x, True)
    strided = np.repeat(x, 2)[::2]          # not contiguous: computed in one piece
    y1, d1 = gelu_float32(strided, True)
    y2, none = gelu_float32(x, False)
    np.testing.assert_array_equal(y, y1)
    np.testing.assert_array_equal(d, d1)
    np.testing.assert_array_equal(y, y2)
    assert none is None


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("shape,perm", [((32, 64, 96), None), ((6, 40, 700), (2, 0, 1))])
def test_gelu_layer_float32_against_torch(approximate, shape, perm):
    a = np.random.default_rng(0).standard_normal(shape).astype(np.float32) * 3
    e, t = _pair(a)
    ei, ti = (e.permute(*perm), t.permute(*perm)) if perm else (e, t)
    ey, ty = EF.gelu(ei, approximate=approximate), TF.gelu(ti, approximate=approximate)
    # NumPy's float32 tanh is off by an ulp or more near +-1, where 1 + tanh cancels
    atol = 1e-5 if approximate == "tanh" else None
    assert_same(ey, ty, atol=atol, check_stride=True)
    assert type(ey.grad_fn).__name__ == "GeluBackward0"
    g = np.random.default_rng(1).standard_normal(ty.shape).astype(np.float32)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    assert_same(e.grad, t.grad, atol=atol)


@pytest.mark.parametrize("dtype", [np.float64, np.float16])
@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_other_dtypes_against_torch(dtype, approximate):
    a = np.linspace(-6, 6, 301).astype(dtype)
    ey, ty, eg, tg = _grads(lambda x: EF.gelu(x, approximate=approximate),
                            lambda x: TF.gelu(x, approximate=approximate), a)
    assert_same(ey, ty)
    assert_same(eg, tg)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_gradcheck_and_double_backward(approximate):
    x = ember.tensor(np.random.default_rng(2).standard_normal((3, 5)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: EF.gelu(a, approximate=approximate), (x,))
    assert ember.autograd.gradgradcheck(lambda a: EF.gelu(a, approximate=approximate), (x,))
    a = np.random.default_rng(3).standard_normal((4, 6)).astype(np.float32)
    e, t = _pair(a)
    (eg,) = ember.autograd.grad(EF.gelu(e, approximate=approximate).sum(), e, create_graph=True)
    (tg,) = torch.autograd.grad(TF.gelu(t, approximate=approximate).sum(), t, create_graph=True)
    assert_same(eg, tg)
    (eg2,) = ember.autograd.grad((eg * eg).sum(), e)
    (tg2,) = torch.autograd.grad((tg * tg).sum(), t)
    assert_same(eg2, tg2, rtol=1e-5, atol=1e-5)


def test_gelu_without_grad_saves_nothing():
    x = ember.tensor(np.ones((2, 3), np.float32), requires_grad=True)
    with ember.no_grad():
        y = EF.gelu(x)
    assert y.grad_fn is None and not y.requires_grad


# ---------------------------------------------------------------------- softmax family
def _causal_scores(shape=(4, 2, 16, 16), dtype=np.float32):
    a = np.random.default_rng(4).standard_normal(shape).astype(dtype)
    mask = np.tril(np.ones(shape[-2:], bool)).reshape((1, 1) + shape[-2:])
    return a, mask


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [-1, 1])
def test_masked_softmax_forward_backward_against_torch(fn, dim):
    a, mask = _causal_scores()

    def run(lib, F, x):
        return getattr(F, fn)(x.masked_fill(lib.tensor(mask) == 0, float("-inf")), dim=dim)

    ey, ty, eg, tg = _grads(lambda x: run(ember, EF, x), lambda x: run(torch, TF, x), a,
                            g=np.where(np.broadcast_to(mask, a.shape), a[::-1], 0).astype(np.float32))
    assert_same(ey, ty, check_stride=True)
    assert_same(eg, tg)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_backward_of_broadcast_grad_and_strided_input(fn):
    a = np.random.default_rng(5).standard_normal((5, 7, 3)).astype(np.float32)
    e, t = _pair(a)
    ey = getattr(EF, fn)(e.permute(2, 0, 1), dim=1)
    ty = getattr(TF, fn)(t.permute(2, 0, 1), dim=1)
    assert_same(ey, ty, check_stride=True)
    ey.sum().backward()           # the gradient arrives as a broadcast (zero-stride) array
    ty.sum().backward()
    assert_same(e.grad, t.grad)


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_gradcheck_and_double_backward(fn):
    x = ember.tensor(np.random.default_rng(6).standard_normal((3, 4)), requires_grad=True)
    assert ember.autograd.gradcheck(lambda a: getattr(EF, fn)(a, dim=1), (x,))
    assert ember.autograd.gradgradcheck(lambda a: getattr(EF, fn)(a, dim=1), (x,))


# ---------------------------------------------------------------------- layer norm, batch norm
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape,normalized", [((8, 16, 32), (32,)), ((4, 6, 5), (6, 5)), ((7,), (7,))])
def test_layer_norm_against_torch(affine, shape, normalized):
    _check_norm(lambda F, x, w, b: F.layer_norm(x, normalized, w, b), shape, normalized, affine,
                np.random.default_rng(7), scale=3, shift=1, dx_atol=1e-5)


def _check_norm(norm, shape, wshape, affine, rng, scale, shift, dx_atol):
    """A float32 norm ``norm(F, x, weight, bias)``: output, strides, grad_fn and gradients
    equal PyTorch's."""
    a = rng.standard_normal(shape).astype(np.float32) * scale + shift
    w, b = (rng.standard_normal(wshape).astype(np.float32) for _ in range(2))
    (e, t), (ew, tw), (eb, tb) = _pair(a), _pair(w), _pair(b)
    ey = norm(EF, e, ew if affine else None, eb if affine else None)
    ty = norm(TF, t, tw if affine else None, tb if affine else None)
    assert_same(ey, ty, rtol=1e-5, atol=1e-5, check_stride=True)
    assert type(ey.grad_fn).__name__ == type(ty.grad_fn).__name__
    g = rng.standard_normal(shape).astype(np.float32)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    assert_same(e.grad, t.grad, rtol=1e-4, atol=dx_atol)
    if affine:
        assert_same(ew.grad, tw.grad, rtol=1e-4, atol=1e-4)
        assert_same(eb.grad, tb.grad, rtol=1e-4, atol=1e-4)


def test_layer_norm_strided_and_half_input():
    a = np.random.default_rng(8).standard_normal((5, 3, 4)).astype(np.float32)
    e, t = _pair(a, requires_grad=False)
    assert_same(EF.layer_norm(e.permute(2, 0, 1), (3,)), TF.layer_norm(t.permute(2, 0, 1), (3,)),
                rtol=1e-5, atol=1e-5, check_stride=True)
    e16, t16 = e.half().permute(1, 2, 0), t.half().permute(1, 2, 0)
    assert_same(EF.layer_norm(e16, (5,)), TF.layer_norm(t16, (5,)), check_stride=True)


def test_norm_gradcheck_and_double_backward():
    rng = np.random.default_rng(9)
    x = ember.tensor(rng.standard_normal((3, 4, 5)), requires_grad=True)
    w = ember.tensor(rng.standard_normal(5), requires_grad=True)
    b = ember.tensor(rng.standard_normal(5), requires_grad=True)
    assert ember.autograd.gradcheck(lambda *a: EF.layer_norm(a[0], (5,), a[1], a[2]), (x, w, b))
    assert ember.autograd.gradgradcheck(lambda *a: EF.layer_norm(a[0], (5,), a[1], a[2]), (x, w, b))
    wc = ember.tensor(rng.standard_normal(4), requires_grad=True)
    assert ember.autograd.gradcheck(
        lambda a, c: EF.batch_norm(a, None, None, c, None, training=True), (x, wc))


def test_batch_norm_backward_against_torch():
    rng = np.random.default_rng(10)
    a = rng.standard_normal((6, 3, 5, 4)).astype(np.float32)
    w, b = rng.standard_normal(3).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    (e, t), (ew, tw), (eb, tb) = _pair(a), _pair(w), _pair(b)
    ey = EF.batch_norm(e, None, None, ew, eb, training=True)
    ty = TF.batch_norm(t, None, None, tw, tb, training=True)
    assert_same(ey, ty, rtol=1e-5, atol=1e-5)
    g = rng.standard_normal(a.shape).astype(np.float32)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    for x, y in ((e, t), (ew, tw), (eb, tb)):
        assert_same(x.grad, y.grad, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------- masked_fill
@pytest.mark.parametrize("xshape,mshape", [((3, 4, 5), (1, 4, 5)), ((3, 4, 5), (3, 4, 5)),
                                           ((4, 5), (3, 4, 5)), ((4, 1), (4, 5))])
def test_masked_fill_broadcast_and_layout(xshape, mshape):
    rng = np.random.default_rng(11)
    a = rng.standard_normal(xshape).astype(np.float32)
    m = rng.random(mshape) > 0.5
    ey, ty, eg, tg = _grads(lambda x: x.masked_fill(ember.tensor(m), float("-inf")),
                            lambda x: x.masked_fill(torch.tensor(m), float("-inf")), a,
                            g=rng.standard_normal(np.broadcast_shapes(xshape, mshape)).astype(np.float32))
    assert_same(ey, ty, check_stride=True)
    assert_same(eg, tg)
    e, t = _pair(np.ascontiguousarray(np.moveaxis(a, 0, -1)), requires_grad=False)
    e, t = e.movedim(-1, 0), t.movedim(-1, 0)      # a strided view with a's shape
    mt = rng.random(a.shape) > 0.5
    assert_same(e.masked_fill(ember.tensor(mt), 2.0), t.masked_fill(torch.tensor(mt), 2.0),
                check_stride=True)


# ---------------------------------------------------------------------- row accumulation
@pytest.mark.parametrize("n,rows", [(2048, 65), (5, 3), (1, 1), (0, 4)])
def test_add_rows_at_matches_add_at(n, rows):
    rng = np.random.default_rng(n)
    idx = rng.integers(0, rows, n)
    vals = rng.standard_normal((n, 6)).astype(np.float32)
    out = rng.standard_normal((rows, 6)).astype(np.float32)
    ref = out.copy()
    np.add.at(ref, idx, vals)
    add_rows_at(out, idx, vals)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_repeated_indices_against_torch(mode):
    rng = np.random.default_rng(12)
    w = rng.standard_normal((10, 4)).astype(np.float32)
    idx = rng.integers(0, 10, 40)
    offsets = np.array([0, 5, 5, 17, 30])
    (ew, tw) = _pair(w)
    ey = EF.embedding_bag(ember.tensor(idx), ew, ember.tensor(offsets), mode=mode)
    ty = TF.embedding_bag(torch.tensor(idx), tw, torch.tensor(offsets), mode=mode)
    assert_same(ey, ty)
    g = rng.standard_normal(tuple(ty.shape)).astype(np.float32)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    assert_same(ew.grad, tw.grad)


@pytest.mark.parametrize("shape", [(), (3, 0), (0,)])
@pytest.mark.parametrize("fn", ["gelu", "softmax", "log_softmax", "layer_norm"])
def test_scalar_and_empty_inputs(shape, fn):
    a = np.full(shape, 0.3, np.float32)
    if fn == "layer_norm" and not shape:        # an empty normalized_shape is an error
        assert_same_error(lambda: EF.layer_norm(ember.tensor(a), ()),
                          lambda: TF.layer_norm(torch.tensor(a), ()))
        return
    kw = {"dim": -1 if shape else 0} if "softmax" in fn else {}
    args = (shape[-1:],) if fn == "layer_norm" else ()
    ey, ty, eg, tg = _grads(lambda x: getattr(EF, fn)(x, *args, **kw),
                            lambda x: getattr(TF, fn)(x, *args, **kw), a)
    assert_same(ey, ty)
    assert_same(eg, tg)


@pytest.mark.parametrize("n", [100, 1 << 20])
def test_sum_of_products_accuracy_short_and_long(n):
    from ember.ops._fast_special import sum_of_products
    a = (1000 + np.random.default_rng(13).standard_normal((3, n))).astype(np.float32)
    ref = (a.astype(np.float64) ** 2).sum(1)
    np.testing.assert_allclose(sum_of_products((1,), a, a), ref, rtol=1e-6)
    np.testing.assert_allclose(sum_of_products((1,), a, keepdims=True)[:, 0],
                               a.astype(np.float64).sum(1), rtol=1e-6)


def test_layer_norm_over_a_long_offset_row_against_torch():
    a = (1000 + np.random.default_rng(14).standard_normal((2, 1 << 16))).astype(np.float32)
    ey, ty, eg, tg = _grads(lambda x: EF.layer_norm(x, (1 << 16,)),
                            lambda x: TF.layer_norm(x, (1 << 16,)), a)
    assert_same(ey, ty, rtol=1e-4, atol=1e-4)
    assert_same(eg, tg, rtol=1e-3, atol=1e-4)


# ---------------------------------------------------------------------- second derivatives of norms
def _second_derivatives(lib, fn, arrays, seed=20):
    """Second derivatives of ``fn``: grad of sum(r_i * dL/da_i) w.r.t. every input, where the
    first gradients (of L = sum(fn(*a) * g)) are taken with create_graph=True."""
    rng = np.random.default_rng(seed)
    inputs = [lib.tensor(a, requires_grad=True) for a in arrays]
    y = fn(*inputs)
    g = lib.tensor(rng.standard_normal(tuple(y.shape)))
    firsts = lib.autograd.grad((y * g).sum(), inputs, create_graph=True)
    scalar = sum((f * lib.tensor(rng.standard_normal(tuple(f.shape)))).sum() for f in firsts)
    return lib.autograd.grad(scalar, inputs, allow_unused=True)


_NORMS = {
    "group_norm_affine": (lambda F: lambda x, w, b: F.group_norm(x, 2, w, b), [(3, 4, 5), (4,), (4,)]),
    "group_norm_4d": (lambda F: lambda x, w, b: F.group_norm(x, 4, w, b), [(2, 4, 3, 2), (4,), (4,)]),
    "group_norm_one_group": (lambda F: lambda x: F.group_norm(x, 1), [(2, 6, 3)]),
    "group_norm_2d_input": (lambda F: lambda x, w: F.group_norm(x, 3, w), [(5, 6), (6,)]),
    "layer_norm": (lambda F: lambda x, w, b: F.layer_norm(x, (3, 4), w, b), [(2, 3, 4), (3, 4), (3, 4)]),
    "batch_norm": (lambda F: lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
                   [(4, 3, 5), (3,), (3,)]),
    "instance_norm": (lambda F: lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [(2, 3, 6), (3,), (3,)]),
    "instance_norm_plain": (lambda F: lambda x: F.instance_norm(x), [(2, 3, 4, 2)]),
    "rms_norm": (lambda F: lambda x, w: F.rms_norm(x, (5,), w, eps=1e-5), [(3, 4, 5), (5,)]),
    "local_response_norm_4d": (lambda F: lambda x: F.local_response_norm(x, 3, alpha=0.1), [(2, 5, 3, 2)]),
}


@pytest.mark.parametrize("name", list(_NORMS))
def test_norm_second_derivatives_against_torch(name):
    make, shapes = _NORMS[name]
    rng = np.random.default_rng(21)
    arrays = [rng.standard_normal(s) + (1.0 if i else 0.0) for i, s in enumerate(shapes)]
    eg = _second_derivatives(ember, make(EF), arrays)
    tg = _second_derivatives(torch, make(TF), arrays)
    for e, t in zip(eg, tg):
        if t is None:
            assert e is None or not np.any(e.numpy())
        else:
            assert_same(e, t, rtol=1e-6, atol=1e-8)
    assert np.abs(eg[0].numpy()).max() > 1e-3        # the part the constant x_hat used to drop


@pytest.mark.parametrize("name", list(_NORMS))
def test_norm_gradgradcheck(name):
    make, shapes = _NORMS[name]
    rng = np.random.default_rng(22)
    inputs = tuple(ember.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert ember.autograd.gradcheck(make(EF), inputs)
    assert ember.autograd.gradgradcheck(make(EF), inputs)


def test_local_response_norm_3d_second_derivatives():
    x = ember.tensor(np.random.default_rng(23).standard_normal((2, 5, 4)), requires_grad=True)
    assert ember.autograd.gradgradcheck(lambda a: EF.local_response_norm(a, 3, alpha=0.1), (x,),
                                        raise_exception=False)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape,groups", [((4, 6, 5, 3), 3), ((4, 6, 5, 3), 1), ((4, 6, 5, 3), 6),
                                          ((8, 4), 2), ((2, 8, 7), 4)])
def test_group_norm_float32_against_torch(affine, shape, groups):
    # two values a group: dx is a float32 cancellation of O(1) terms to ~1e-2 (atol 1e-4)
    _check_norm(lambda F, x, w, b: F.group_norm(x, groups, w, b), shape, shape[1], affine,
                np.random.default_rng(24), scale=2, shift=3, dx_atol=1e-4)


@pytest.mark.parametrize("fn", ["layer_norm", "group_norm", "batch_norm", "instance_norm"])
@pytest.mark.parametrize("affine", [True, False])
def test_norm_output_may_change_in_place_before_backward(fn, affine):
    """PyTorch saves the input and the statistics, not the output: changing the output in
    place (an in-place activation after the norm) must not break backward."""
    a = np.random.default_rng(25).standard_normal((3, 4, 5)).astype(np.float32)
    results = []
    for lib, F in ((ember, EF), (torch, TF)):
        x = lib.tensor(a, requires_grad=True)
        w = lib.tensor(np.linspace(0.5, 2, 4 if fn != "layer_norm" else 5, dtype=np.float32),
                       requires_grad=True) if affine else None
        y = {"layer_norm": lambda: F.layer_norm(x, (5,), w, w),
             "group_norm": lambda: F.group_norm(x, 2, w, w),
             "batch_norm": lambda: F.batch_norm(x, None, None, w, w, training=True),
             "instance_norm": lambda: F.instance_norm(x, weight=w, bias=w)}[fn]()
        y.mul_(3).relu_()
        (y * y).sum().backward()
        results.append((y, x.grad, None if w is None else w.grad))
    for e, t in zip(*results):
        if t is not None:
            assert_same(e, t, rtol=1e-4, atol=1e-4)


def test_group_and_batch_norm_half_inputs():
    rng = np.random.default_rng(26)
    a = rng.standard_normal((3, 4, 5)).astype(np.float16)
    w = rng.standard_normal(4).astype(np.float16)
    (e, t), (ew, tw) = _pair(a), _pair(w)
    assert_same(EF.group_norm(e, 2, ew, ew), TF.group_norm(t, 2, tw, tw), rtol=2e-3, atol=2e-3)
    assert_same(EF.batch_norm(e, None, None, ew, ew, training=True),
                TF.batch_norm(t, None, None, tw, tw, training=True), rtol=2e-3, atol=2e-3)


# ---------------------------------------------------------------------- unshifted softmax
@pytest.mark.parametrize("case", ["large", "tiny_rows", "nan", "inf", "all_masked_row", "float64",
                                  "dim0", "strided"])
def test_softmax_unshifted_path_and_its_fallbacks_against_torch(case):
    rng = np.random.default_rng(27)
    a = rng.standard_normal((6, 40)).astype(np.float32) * 3
    dim = 1
    if case == "large":
        a[2, 5] = 100.0                  # exp(100) overflows float32: the shifted path
    elif case == "tiny_rows":
        a[3] -= 120.0                    # this row's exp sums to ~0: the shifted path
    elif case == "nan":
        a[1, 1] = np.nan
    elif case == "inf":
        a[4, 0] = np.inf
    elif case == "all_masked_row":
        a[0] = -np.inf
    elif case == "float64":
        a = a.astype(np.float64) + 50.0
    elif case == "dim0":
        dim = 0
    e, t = _pair(a)
    ei, ti = (e.t(), t.t()) if case == "strided" else (e, t)
    ey, ty = EF.softmax(ei, dim), TF.softmax(ti, dim)
    assert_same(ey, ty, check_stride=True)
    g = rng.standard_normal(tuple(ty.shape)).astype(a.dtype)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    assert_same(e.grad, t.grad, atol=1e-5)


def test_softmax_unshifted_keeps_small_probabilities_precise():
    # a row whose max is -40 and a tail at -100: exp(-100) is far below float32's normal range,
    # so this row must take the shifted path to keep its small probabilities
    a = np.array([[-40.0, -45.0, -100.0, -60.0], [1.0, 2.0, 3.0, -80.0]], np.float32)
    e, t = _pair(a, requires_grad=False)
    ey, ty = EF.softmax(e, 1).numpy(), TF.softmax(t, 1).numpy()
    np.testing.assert_allclose(ey, ty, rtol=1e-5, atol=0)


# ---------------------------------------------------------------------- cross-entropy fast path
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("targets", ["all_valid", "ignored_present", "ignore_in_range_absent",
                                     "ignore_in_range_present"])
def test_cross_entropy_common_case_against_torch(reduction, targets):
    rng = np.random.default_rng(28)
    a = rng.standard_normal((128, 10)).astype(np.float32)
    t = rng.integers(0, 10, 128)
    ignore = -100
    if targets == "ignored_present":
        t[[3, 50]] = -100
    elif targets == "ignore_in_range_absent":
        ignore, t = 9, t % 9
    elif targets == "ignore_in_range_present":
        ignore = int(t[0])
    e, tt = _pair(a)
    ey = EF.cross_entropy(e, ember.tensor(t), ignore_index=ignore, reduction=reduction)
    ty = TF.cross_entropy(tt, torch.tensor(t), ignore_index=ignore, reduction=reduction)
    assert_same(ey, ty)
    assert type(ey.grad_fn).__name__ == type(ty.grad_fn).__name__
    ey.sum().backward()
    ty.sum().backward()
    assert_same(e.grad, tt.grad)


@pytest.mark.parametrize("bad", [10, -1, -100])
def test_cross_entropy_out_of_bounds_targets_raise_as_torch(bad):
    from conftest import assert_same_error
    a = np.zeros((4, 10), np.float32)
    t = np.array([1, bad, 3, 2])
    ignore = 5 if bad == -100 else -100
    assert_same_error(lambda: EF.cross_entropy(ember.tensor(a), ember.tensor(t), ignore_index=ignore),
                      lambda: TF.cross_entropy(torch.tensor(a), torch.tensor(t), ignore_index=ignore))


def test_cross_entropy_common_case_double_backward():
    rng = np.random.default_rng(29)
    x = ember.tensor(rng.standard_normal((5, 4)), requires_grad=True)
    t = ember.tensor(rng.integers(0, 4, 5))
    for reduction in ("mean", "sum"):
        assert ember.autograd.gradgradcheck(lambda a: EF.cross_entropy(a, t, reduction=reduction), (x,))


def test_cross_entropy_half_and_single_sample_against_torch():
    rng = np.random.default_rng(30)
    a = rng.standard_normal((6, 5)).astype(np.float16)
    t = rng.integers(0, 5, 6)
    ey, ty, eg, tg = _grads(lambda x: EF.nll_loss(x, ember.tensor(t)),
                            lambda x: TF.nll_loss(x, torch.tensor(t)), a, g=np.float16(1.0))
    assert_same(ey, ty)
    assert_same(eg, tg)
    v = rng.standard_normal(5).astype(np.float32)
    ey, ty, eg, tg = _grads(lambda x: EF.cross_entropy(x, ember.tensor(3)),
                            lambda x: TF.cross_entropy(x, torch.tensor(3)), v, g=np.float32(1.0))
    assert_same(ey, ty)
    assert_same(eg, tg)


# ---------------------------------------------------------------------- BLAS sums
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,axes,n", [((64, 300), (1,), 2), ((64, 300), (1,), 1), ((7, 5, 30), (1, 2), 1),
                                          ((7, 5, 30), (1, 2), 2), ((50, 6, 7), (0,), 1),
                                          ((50, 6, 7), (0, 1), 1), ((50, 6, 7), (0,), 2),
                                          ((6, 7, 8), (0, 2), 1), ((0, 5), (1,), 1), ((4, 0), (0,), 1)])
def test_sum_of_products_blas_and_einsum_kinds(dtype, shape, axes, n):
    from ember.ops._fast_special import _plan, sum_of_products
    rng = np.random.default_rng(31)
    arrays = [rng.standard_normal(shape).astype(dtype) for _ in range(n)]
    ref = np.prod(np.stack(arrays).astype(np.float64), axis=0).sum(axis=axes, keepdims=True)
    tol = 1e-5 if dtype == np.float32 else 1e-12
    for arrs in (arrays, [np.asfortranarray(a) for a in arrays]):      # BLAS, then einsum
        out = sum_of_products(axes, *arrs, keepdims=True)
        assert out.shape == ref.shape and out.dtype == dtype
        np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)
        np.testing.assert_allclose(sum_of_products(axes, *arrs), ref.reshape(out.shape).squeeze(axes),
                                   rtol=tol, atol=tol)
    kind = _plan(shape, axes, n, True)[0]
    if 0 not in shape:
        assert kind == {((1,), 2): "row_dots", ((1,), 1): "rows", ((1, 2), 1): "rows",
                        ((0,), 1): "columns", ((0, 1), 1): "columns"}.get((axes, n), "einsum")
