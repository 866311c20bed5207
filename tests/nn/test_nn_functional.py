"""nn.functional against torch.nn.functional: outputs and gradients (float64), grad_fn names."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF
from conftest import assert_same


def both(*shapes, requires_grad=True, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    out = []
    for s in shapes:
        a = rng.standard_normal(s).astype(dtype)
        out.append((ember.tensor(a, requires_grad=requires_grad),
                    torch.tensor(a, requires_grad=requires_grad)))
    return out


def check(efn, tfn, inputs, rtol=1e-7, atol=1e-9, name=True):
    ey, ty = efn(*[e for e, _ in inputs]), tfn(*[t for _, t in inputs])
    assert_same(ey, ty, rtol=rtol, atol=atol)
    if name and ty.grad_fn is not None:
        assert type(ey.grad_fn).__name__ == type(ty.grad_fn).__name__
    rng = np.random.default_rng(1)
    g = rng.standard_normal(tuple(ty.shape))
    ey.backward(ember.tensor(g, dtype=ey.dtype))
    ty.backward(torch.tensor(g, dtype=ty.dtype))
    for e, t in inputs:
        if t.requires_grad:
            assert_same(e.grad, t.grad, rtol=rtol * 10, atol=atol * 10)


CONV2D = [
    dict(),
    dict(stride=2),
    dict(padding=1),
    dict(padding=(2, 1), stride=(2, 1)),
    dict(dilation=2, padding=2),
    dict(groups=2),
    dict(groups=4, stride=2, padding=1),
    dict(padding="same"),
    dict(padding="same", dilation=2),
    dict(padding="valid"),
]


@pytest.mark.parametrize("kw", CONV2D)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d(kw, bias):
    groups = kw.get("groups", 1)
    shapes = [(2, 4, 7, 6), (8, 4 // groups, 3, 2)] + ([(8,)] if bias else [])
    check(lambda *a: EF.conv2d(*a, **kw), lambda *a: TF.conv2d(*a, **kw), both(*shapes))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2, padding=1), dict(dilation=3), dict(groups=3)])
def test_conv1d_and_unbatched(kw):
    groups = kw.get("groups", 1)
    check(lambda *a: EF.conv1d(*a, **kw), lambda *a: TF.conv1d(*a, **kw),
          both((2, 3, 11), (6, 3 // groups, 3), (6,)))
    check(lambda *a: EF.conv1d(*a, **kw), lambda *a: TF.conv1d(*a, **kw),
          both((3, 11), (6, 3 // groups, 3)))


def test_conv3d():
    check(lambda *a: EF.conv3d(*a, padding=1), lambda *a: TF.conv3d(*a, padding=1),
          both((1, 2, 4, 5, 3), (3, 2, 2, 3, 2), (3,)))


@pytest.mark.parametrize("kw", [dict(), dict(stride=2), dict(stride=2, padding=1, output_padding=1),
                                dict(groups=2), dict(dilation=2)])
def test_conv_transpose2d(kw):
    groups = kw.get("groups", 1)
    check(lambda *a: EF.conv_transpose2d(*a, **kw), lambda *a: TF.conv_transpose2d(*a, **kw),
          both((2, 4, 5, 4), (4, 6 // groups, 3, 3), (6,)))


def test_conv_errors_match_torch():
    (x, tx), (w, tw) = both((2, 3, 5, 5), (4, 2, 3, 3))
    with pytest.raises(RuntimeError) as te:
        TF.conv2d(tx, tw)
    with pytest.raises(RuntimeError) as ee:
        EF.conv2d(x, w)
    assert str(ee.value) == str(te.value)


POOL = [dict(kernel_size=2), dict(kernel_size=3, stride=2), dict(kernel_size=3, stride=2, padding=1),
        dict(kernel_size=2, ceil_mode=True), dict(kernel_size=3, stride=2, ceil_mode=True, padding=1),
        dict(kernel_size=(3, 2), stride=(1, 2)), dict(kernel_size=2, stride=1, dilation=2)]


@pytest.mark.parametrize("kw", POOL)
def test_max_pool2d_values_indices_grads(kw):
    (x, tx), = both((2, 3, 7, 6))
    ey, ei = EF.max_pool2d(x, return_indices=True, **kw)
    ty, ti = TF.max_pool2d(tx, return_indices=True, **kw)
    assert_same(ey, ty)
    assert_same(ei, ti)
    check(lambda a: EF.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw), both((2, 3, 7, 6)))


@pytest.mark.parametrize("kw", [k for k in POOL if "dilation" not in k] +
                         [dict(kernel_size=3, padding=1, count_include_pad=False),
                          dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                               count_include_pad=False),
                          dict(kernel_size=2, divisor_override=3)])
def test_avg_pool2d(kw):
    check(lambda a: EF.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw), both((2, 3, 7, 6)))


def test_pool1d():
    check(lambda a: EF.max_pool1d(a, 3, 2, 1), lambda a: TF.max_pool1d(a, 3, 2, 1), both((2, 3, 9)))
    check(lambda a: EF.avg_pool1d(a, 3, 2, 1), lambda a: TF.avg_pool1d(a, 3, 2, 1), both((2, 3, 9)))


@pytest.mark.parametrize("size", [1, 3, (2, 5), (4, 4), (None, 2)])
def test_adaptive_avg_pool2d(size):
    check(lambda a: EF.adaptive_avg_pool2d(a, size), lambda a: TF.adaptive_avg_pool2d(a, size),
          both((2, 3, 7, 9)))


ACTS = [("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.2}), ("elu", {}),
        ("selu", {}), ("celu", {"alpha": 0.5}), ("gelu", {}), ("gelu", {"approximate": "tanh"}),
        ("silu", {}), ("mish", {}), ("softplus", {"beta": 2.0}), ("softsign", {}),
        ("hardtanh", {}), ("hardsigmoid", {}), ("hardswish", {}), ("logsigmoid", {}),
        ("glu", {}), ("softmax", {"dim": 1}), ("log_softmax", {"dim": -1}), ("softmin", {"dim": 0}),
        ("threshold", {"threshold": 0.1, "value": 2.0})]


@pytest.mark.parametrize("name,kw", ACTS)
def test_activations(name, kw):
    check(lambda a: getattr(EF, name)(a, **kw), lambda a: getattr(TF, name)(a, **kw),
          both((4, 6)), name=name not in ("relu6", "selu", "softsign", "glu"))


def test_softmax_is_stable_and_float32():
    x = ember.tensor([[1000.0, 0.0, -1000.0]])
    t = torch.tensor([[1000.0, 0.0, -1000.0]])
    assert_same(EF.softmax(x, 1), TF.softmax(t, 1))
    assert_same(EF.log_softmax(x, 1), TF.log_softmax(t, 1))


@pytest.mark.parametrize("kw", [dict(), dict(reduction="sum"), dict(reduction="none"),
                                dict(ignore_index=2), dict(weight=True), dict(label_smoothing=0.1),
                                dict(weight=True, label_smoothing=0.2, ignore_index=1)])
def test_cross_entropy_class_indices(kw):
    kw = dict(kw)
    rng = np.random.default_rng(3)
    target = rng.integers(0, 5, size=(6,))
    extra_e, extra_t = {}, {}
    if kw.pop("weight", False):
        w = rng.random(5)
        extra_e["weight"], extra_t["weight"] = ember.tensor(w), torch.tensor(w)
    check(lambda a: EF.cross_entropy(a, ember.tensor(target), **kw, **extra_e),
          lambda a: TF.cross_entropy(a, torch.tensor(target), **kw, **extra_t), both((6, 5)),
          name=not kw.get("label_smoothing"))


def test_cross_entropy_k_dimensional_and_probabilities():
    rng = np.random.default_rng(4)
    target = rng.integers(0, 3, size=(2, 4, 5))
    check(lambda a: EF.cross_entropy(a, ember.tensor(target)),
          lambda a: TF.cross_entropy(a, torch.tensor(target)), both((2, 3, 4, 5)))
    probs = rng.random((4, 3))
    probs /= probs.sum(1, keepdims=True)
    check(lambda a: EF.cross_entropy(a, ember.tensor(probs), label_smoothing=0.1),
          lambda a: TF.cross_entropy(a, torch.tensor(probs), label_smoothing=0.1), both((4, 3)),
          name=False)


def test_nll_loss_double_backward():
    (x, tx), = both((3, 4))
    t = np.array([0, 3, 1])
    el = EF.nll_loss(EF.log_softmax(x, 1), ember.tensor(t))
    tl = TF.nll_loss(TF.log_softmax(tx, 1), torch.tensor(t))
    (eg,) = ember.autograd.grad(el, x, create_graph=True)
    (tg,) = torch.autograd.grad(tl, tx, create_graph=True)
    assert_same(eg, tg)
    (eg * eg).sum().backward()
    (tg * tg).sum().backward()
    assert_same(x.grad, tx.grad)


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(name, reduction):
    check(lambda a, b: getattr(EF, name)(a, b, reduction=reduction),
          lambda a, b: getattr(TF, name)(a, b, reduction=reduction), both((3, 4), (3, 4)),
          name=False)


def test_binary_cross_entropy_losses():
    rng = np.random.default_rng(5)
    p = rng.random((4, 3)) * 0.98 + 0.01
    y = (rng.random((4, 3)) > 0.5).astype(np.float64)
    ep, tp = ember.tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    check(lambda a: EF.binary_cross_entropy(a, ember.tensor(y)),
          lambda a: TF.binary_cross_entropy(a, torch.tensor(y)), [(ep, tp)], name=False)
    pw = rng.random(3) + 0.5
    check(lambda a: EF.binary_cross_entropy_with_logits(a, ember.tensor(y), pos_weight=ember.tensor(pw)),
          lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(y), pos_weight=torch.tensor(pw)),
          both((4, 3)), name=False)


@pytest.mark.parametrize("shape,normalized", [((4, 6), (6,)), ((2, 3, 4, 5), (4, 5))])
def test_layer_norm(shape, normalized):
    check(lambda a, w, b: EF.layer_norm(a, normalized, w, b),
          lambda a, w, b: TF.layer_norm(a, normalized, w, b), both(shape, normalized, normalized))
    check(lambda a: EF.layer_norm(a, normalized), lambda a: TF.layer_norm(a, normalized), both(shape))


@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (2, 3, 4, 4)])
def test_batch_norm_training_updates_running_stats(shape):
    (x, tx), (w, tw), (b, tb) = both(shape, (3,), (3,))
    erm, erv = ember.zeros(3, dtype=ember.float64), ember.ones(3, dtype=ember.float64)
    trm, trv = torch.zeros(3, dtype=torch.float64), torch.ones(3, dtype=torch.float64)
    check(lambda a, c, d: EF.batch_norm(a, erm, erv, c, d, training=True, momentum=0.3),
          lambda a, c, d: TF.batch_norm(a, trm, trv, c, d, training=True, momentum=0.3),
          [(x, tx), (w, tw), (b, tb)])
    assert_same(erm, trm)
    assert_same(erv, trv)
    check(lambda a: EF.batch_norm(a, erm, erv, training=False),
          lambda a: TF.batch_norm(a, trm, trv, training=False), both(shape, seed=9), name=False)


def test_embedding_and_padding_idx():
    rng = np.random.default_rng(6)
    idx = rng.integers(0, 7, size=(3, 4))
    check(lambda w: EF.embedding(ember.tensor(idx), w, padding_idx=2),
          lambda w: TF.embedding(torch.tensor(idx), w, padding_idx=2), both((7, 5)))


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad(mode):
    # PyTorch builds circular padding from slice copies (CopySlices); Ember uses one kernel
    check(lambda a: EF.pad(a, (1, 2, 2, 1), mode=mode), lambda a: TF.pad(a, (1, 2, 2, 1), mode=mode),
          both((2, 3, 4, 5)), name=mode != "circular")


def test_pad_negative_crops():
    check(lambda a: EF.pad(a, (-1, 2)), lambda a: TF.pad(a, (-1, 2)), both((3, 4)))


def test_dropout_train_and_eval():
    x = ember.ones(1000)
    assert EF.dropout(x, 0.3, training=False) is x
    y = EF.dropout(x, 0.3)
    kept = (y != 0).float().mean().item()
    assert 0.6 < kept < 0.8
    vals = np.unique(y.numpy())
    assert len(vals) == 2 and vals[0] == 0 and np.isclose(vals[1], 1 / 0.7)


def test_scaled_dot_product_attention():
    check(lambda q, k, v: EF.scaled_dot_product_attention(q, k, v, is_causal=True),
          lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True),
          both((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4)), name=False)


INTERP = [((1, 2, 5), dict(scale_factor=2)), ((1, 2, 5), dict(size=8, mode="linear")),
          ((1, 2, 5), dict(size=3, mode="linear", align_corners=True)),
          ((2, 2, 4, 5), dict(scale_factor=2)), ((2, 2, 4, 5), dict(size=(7, 3))),
          ((2, 2, 4, 5), dict(size=(7, 9), mode="bilinear")),
          ((2, 2, 4, 5), dict(scale_factor=1.5, mode="bilinear", align_corners=True)),
          ((2, 2, 4, 5), dict(size=(3, 3), mode="nearest-exact")),
          ((1, 1, 3, 4, 5), dict(scale_factor=2, mode="trilinear"))]


@pytest.mark.parametrize("shape,kw", INTERP)
def test_interpolate(shape, kw):
    check(lambda a: EF.interpolate(a, **kw), lambda a: TF.interpolate(a, **kw), both(shape))


def test_pixel_shuffle_unfold_fold():
    check(lambda a: EF.pixel_shuffle(a, 2), lambda a: TF.pixel_shuffle(a, 2), both((2, 8, 3, 4)))
    check(lambda a: EF.pixel_unshuffle(a, 2), lambda a: TF.pixel_unshuffle(a, 2), both((2, 2, 4, 6)))
    for kw in (dict(kernel_size=2), dict(kernel_size=(3, 2), stride=2, padding=1, dilation=(1, 2))):
        check(lambda a: EF.unfold(a, **kw), lambda a: TF.unfold(a, **kw), both((2, 3, 6, 7)))
    check(lambda a: EF.fold(a, (5, 6), 2, stride=1), lambda a: TF.fold(a, (5, 6), 2, stride=1),
          both((2, 12, 20)))


@pytest.mark.parametrize("size", [2, (3, 2), (5, 7), (None, 3)])
def test_adaptive_max_pool2d_and_unpool(size):
    (x, tx), = both((2, 3, 7, 9))
    ev, ei = EF.adaptive_max_pool2d(x, size, return_indices=True)
    tv, ti = TF.adaptive_max_pool2d(tx, size, return_indices=True)
    assert_same(ev, tv)
    assert_same(ei, ti)
    check(lambda a: EF.adaptive_max_pool2d(a, size), lambda a: TF.adaptive_max_pool2d(a, size),
          both((2, 3, 7, 9)))
    (p, tp), = both((1, 2, 6, 6))
    ev, ei = EF.max_pool2d(p, 2, return_indices=True)
    tv, ti = TF.max_pool2d(tp, 2, return_indices=True)
    check(lambda a: EF.max_unpool2d(a, ei, 2), lambda a: TF.max_unpool2d(a, ti, 2),
          [(ev.detach().requires_grad_(), tv.detach().requires_grad_())])


def test_more_losses():
    rng = np.random.default_rng(7)
    y = ember.tensor(np.sign(rng.standard_normal(5))), torch.tensor(np.sign(rng.standard_normal(5)))
    sign = np.where(rng.random(5) > 0.5, 1.0, -1.0)
    es, ts = ember.tensor(sign), torch.tensor(sign)
    check(lambda a, b: EF.cosine_embedding_loss(a, b, es, margin=0.2),
          lambda a, b: TF.cosine_embedding_loss(a, b, ts, margin=0.2), both((5, 4), (5, 4)), name=False)
    check(lambda a, b: EF.margin_ranking_loss(a, b, es, margin=0.1),
          lambda a, b: TF.margin_ranking_loss(a, b, ts, margin=0.1), both((5,), (5,)), name=False)
    check(lambda a: EF.hinge_embedding_loss(a, es), lambda a: TF.hinge_embedding_loss(a, ts),
          both((5,)), name=False)
    check(lambda a: EF.soft_margin_loss(a, es), lambda a: TF.soft_margin_loss(a, ts), both((5,)),
          name=False)
    multi = (rng.random((5, 3)) > 0.5).astype(np.float64)
    check(lambda a: EF.multilabel_soft_margin_loss(a, ember.tensor(multi)),
          lambda a: TF.multilabel_soft_margin_loss(a, torch.tensor(multi)), both((5, 3)), name=False)
    check(lambda a, b, c: EF.triplet_margin_loss(a, b, c, swap=True),
          lambda a, b, c: TF.triplet_margin_loss(a, b, c, swap=True), both((5, 4), (5, 4), (5, 4)),
          name=False)
    counts = rng.poisson(2.0, (5, 3)).astype(np.float64)
    check(lambda a: EF.poisson_nll_loss(a, ember.tensor(counts), full=True),
          lambda a: TF.poisson_nll_loss(a, torch.tensor(counts), full=True), both((5, 3)), name=False)
    var = rng.random((5, 3)) + 0.1
    check(lambda a, b: EF.gaussian_nll_loss(a, b, ember.tensor(var), full=True),
          lambda a, b: TF.gaussian_nll_loss(a, b, torch.tensor(var), full=True),
          both((5, 3), (5, 3)), name=False)
    del y


def test_gumbel_softmax_shapes_and_hard_one_hot():
    x = ember.randn(4, 6)
    y = EF.gumbel_softmax(x, tau=0.5)
    assert np.allclose(y.sum(-1).numpy(), 1.0, atol=1e-6)
    h = EF.gumbel_softmax(x, hard=True)
    assert set(np.unique(h.detach().numpy())) <= {0.0, 1.0}
    assert np.allclose(h.sum(-1).numpy(), 1.0)
