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
from conftest import assert_same
from ember.ops._fast_special import _CHUNK, gelu_float32
from ember.ops.embedding_bag import add_rows_at


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
    rng = np.random.default_rng(7)
    a = rng.standard_normal(shape).astype(np.float32) * 3 + 1
    w, b = (rng.standard_normal(normalized).astype(np.float32) for _ in range(2))
    (e, t), (ew, tw), (eb, tb) = _pair(a), _pair(w), _pair(b)
    ey = EF.layer_norm(e, normalized, ew if affine else None, eb if affine else None)
    ty = TF.layer_norm(t, normalized, tw if affine else None, tb if affine else None)
    assert_same(ey, ty, rtol=1e-5, atol=1e-5, check_stride=True)
    assert type(ey.grad_fn).__name__ == type(ty.grad_fn).__name__
    g = rng.standard_normal(shape).astype(np.float32)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    assert_same(e.grad, t.grad, rtol=1e-4, atol=1e-5)
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
    if fn == "layer_norm" and not shape:
        pytest.skip("layer_norm needs a normalized dimension")
    a = np.full(shape, 0.3, np.float32)
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
