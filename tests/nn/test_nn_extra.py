"""EmbeddingBag, CTCLoss, grid_sample/affine_grid, weight/spectral norm, parametrize, and a few
layers (Bilinear, LazyLinear, ConvTranspose2d(output_size)) against PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error

EF, TF = ember.nn.functional, torch.nn.functional
RNG = np.random.default_rng(0)


def both(arr, requires_grad=False, dtype=None):
    arr = np.asarray(arr)
    t = torch.tensor(arr)
    e = ember.tensor(arr)
    if dtype is not None:
        t, e = t.to(getattr(torch, dtype)), e.to(getattr(ember, dtype))
    if requires_grad:
        t.requires_grad_(True)
        e.requires_grad_(True)
    return e, t


def backward_with_weights(e, t):
    g = np.arange(t.numel(), dtype=np.float64).reshape(tuple(t.shape)) / 7.0 - 1.0
    e.backward(ember.tensor(g).to(e.dtype))
    t.backward(torch.tensor(g).to(t.dtype))


# ---------------------------------------------------------------------- EmbeddingBag
BAG_INDICES = [1, 2, 4, 5, 4, 3, 2, 9, 2, 0]
BAG_OFFSETS = [0, 4, 4, 6]


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("include_last_offset", [False, True])
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_bag_1d_offsets(mode, include_last_offset, padding_idx):
    (ew, tw) = both(RNG.standard_normal((10, 3)), requires_grad=True)
    ei, ti = both(BAG_INDICES)
    eo, to = both(BAG_OFFSETS)
    ey = EF.embedding_bag(ei, ew, eo, mode=mode, include_last_offset=include_last_offset,
                          padding_idx=padding_idx)
    ty = TF.embedding_bag(ti, tw, to, mode=mode, include_last_offset=include_last_offset,
                          padding_idx=padding_idx)
    assert_same(ey, ty)
    assert ey.grad_fn.name() == ty.grad_fn.name() == "EmbeddingBagBackward0"
    backward_with_weights(ey, ty)
    assert_same(ew.grad, tw.grad)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_2d_input_float32(mode):
    ew, tw = both(RNG.standard_normal((6, 4)).astype(np.float32), requires_grad=True)
    ei, ti = both([[0, 1, 1], [5, 2, 0]])
    ey, ty = EF.embedding_bag(ei, ew, mode=mode), TF.embedding_bag(ti, tw, mode=mode)
    assert_same(ey, ty)
    backward_with_weights(ey, ty)
    assert_same(ew.grad, tw.grad)


def test_embedding_bag_per_sample_weights_and_freq():
    ew, tw = both(RNG.standard_normal((10, 3)), requires_grad=True)
    ep, tp = both(RNG.standard_normal(len(BAG_INDICES)), requires_grad=True)
    ei, ti = both(BAG_INDICES)
    eo, to = both(BAG_OFFSETS)
    ey = EF.embedding_bag(ei, ew, eo, mode="sum", per_sample_weights=ep, padding_idx=4)
    ty = TF.embedding_bag(ti, tw, to, mode="sum", per_sample_weights=tp, padding_idx=4)
    assert_same(ey, ty)
    backward_with_weights(ey, ty)
    assert_same(ew.grad, tw.grad)
    assert_same(ep.grad, tp.grad)
    for mode in ("sum", "mean"):
        ew.grad, tw.grad = None, None
        ey = EF.embedding_bag(ei, ew, eo, mode=mode, scale_grad_by_freq=True)
        ty = TF.embedding_bag(ti, tw, to, mode=mode, scale_grad_by_freq=True)
        backward_with_weights(ey, ty)
        assert_same(ew.grad, tw.grad)


def test_embedding_bag_gradcheck():
    w = ember.tensor(RNG.standard_normal((5, 2)), requires_grad=True)
    p = ember.tensor(RNG.standard_normal(6), requires_grad=True)
    idx, offs = ember.tensor([0, 2, 2, 4, 1, 3]), ember.tensor([0, 2, 5])
    assert ember.autograd.gradcheck(
        lambda w, p: EF.embedding_bag(idx, w, offs, mode="sum", per_sample_weights=p), (w, p))
    assert ember.autograd.gradcheck(lambda w: EF.embedding_bag(idx, w, offs, mode="mean"), (w,))


def test_embedding_bag_errors():
    ew, tw = both(RNG.standard_normal((10, 3)))
    ei, ti = both(BAG_INDICES)
    eo, to = both(BAG_OFFSETS)
    cases = [
        (dict(offsets=None), {}),
        (dict(mode="foo"), {}),
        (dict(mode="mean", per_sample_weights="ones"), {}),
        (dict(per_sample_weights="short"), {}),
        (dict(offsets="2d"), {}),
        (dict(offsets="bad_start"), {}),
        (dict(offsets="too_far"), {}),
        (dict(mode="max", scale_grad_by_freq=True), {}),
    ]
    for kw, _ in cases:
        def call(lib, F, i, w, o, kw=kw):
            kw = dict(kw)
            psw = kw.pop("per_sample_weights", None)
            if psw == "ones":
                kw["per_sample_weights"] = lib.ones(len(BAG_INDICES), dtype=lib.float64)
            elif psw == "short":
                kw["per_sample_weights"] = lib.ones(3, dtype=lib.float64)
            off = kw.pop("offsets", o)
            if isinstance(off, str):
                off = {"2d": o.view(2, 2), "bad_start": lib.tensor([1, 4]),
                       "too_far": lib.tensor([0, 11])}[off]
            return F.embedding_bag(i, w, off, **kw)
        assert_same_error(lambda: call(ember, EF, ei, ew, eo), lambda: call(torch, TF, ti, tw, to))
    assert_same_error(lambda: EF.embedding_bag(ei.view(2, 5), ew, eo),
                      lambda: TF.embedding_bag(ti.view(2, 5), tw, to))
    assert_same_error(lambda: EF.embedding_bag(ei.double(), ew, eo),
                      lambda: TF.embedding_bag(ti.double(), tw, to))


def test_embedding_bag_module():
    for kw in [{}, dict(mode="max", padding_idx=2, include_last_offset=True, max_norm=1.0),
               dict(mode="sum", scale_grad_by_freq=True, norm_type=1.0)]:
        tm, em = torch.nn.EmbeddingBag(10, 3, **kw).double(), ember.nn.EmbeddingBag(10, 3, **kw)
        em = em.double()
        assert repr(em) == repr(tm)
        assert list(em.state_dict()) == list(tm.state_dict())
        em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
        ei, ti = both(BAG_INDICES)
        eo, to = both(BAG_OFFSETS)
        ey, ty = em(ei, eo), tm(ti, to)
        assert_same(ey, ty)
        assert_same(em.weight.detach(), tm.weight.detach())     # max_norm renormalised in place
    w = RNG.standard_normal((4, 2))
    eb = ember.nn.EmbeddingBag.from_pretrained(ember.tensor(w), mode="sum")
    tb = torch.nn.EmbeddingBag.from_pretrained(torch.tensor(w), mode="sum")
    assert not eb.weight.requires_grad
    assert_same(eb(ember.tensor([[0, 3], [1, 1]])), tb(torch.tensor([[0, 3], [1, 1]])))
    assert em.padding_idx == tm.padding_idx


# ---------------------------------------------------------------------- CTC loss
def _ctc_inputs(T=7, N=4, C=5, S=3, dtype="float64"):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((T, N, C))
    tg = rng.integers(1, C, (N, S))
    tg[1, 1] = tg[1, 0]                 # a repeated label needs a blank in between
    return both(x, True, dtype), both(tg), [7, 5, 2, 6][:N], [3, 2, 3, 0][:N]


@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_ctc_loss_padded_targets(reduction, zero_infinity):
    (ex, tx), (et, tt), il, tl = _ctc_inputs()
    elp, tlp = EF.log_softmax(ex, 2), TF.log_softmax(tx, 2)
    elp.retain_grad()
    tlp.retain_grad()
    ey = EF.ctc_loss(elp, et, ember.tensor(il), ember.tensor(tl), reduction=reduction,
                     zero_infinity=zero_infinity)
    ty = TF.ctc_loss(tlp, tt, torch.tensor(il), torch.tensor(tl), reduction=reduction,
                     zero_infinity=zero_infinity)
    assert_same(ey, ty)
    assert ey.grad_fn.name() == ty.grad_fn.name()
    (ey.sum() if reduction == "none" else ey).backward()
    (ty.sum() if reduction == "none" else ty).backward()
    assert_same(elp.grad, tlp.grad)      # NaN where the loss is infinite, as PyTorch
    assert_same(ex.grad, tx.grad)


def test_ctc_loss_concatenated_targets_tuple_lengths_blank():
    (ex, tx), _, il, tl = _ctc_inputs(N=3, C=6, dtype="float32")
    tl = [2, 1, 3]
    flat = np.random.default_rng(3).integers(0, 5, sum(tl))     # labels 0..4, blank = 5
    et, tt = both(flat)
    ey = EF.ctc_loss(EF.log_softmax(ex, 2), et, tuple(il), tuple(tl), blank=5, reduction="none")
    ty = TF.ctc_loss(TF.log_softmax(tx, 2), tt, tuple(il), tuple(tl), blank=5, reduction="none")
    assert_same(ey, ty, rtol=1e-5, atol=1e-5)
    ey.sum().backward()
    ty.sum().backward()
    assert_same(ex.grad, tx.grad, rtol=1e-4, atol=1e-5)


def test_ctc_loss_unbatched_and_module():
    (ex, tx), (et, tt), il, tl = _ctc_inputs()
    ey = EF.ctc_loss(EF.log_softmax(ex[:, 0], 1), et[0], ember.tensor(il[0]), ember.tensor(tl[0]),
                     reduction="none")
    ty = TF.ctc_loss(TF.log_softmax(tx[:, 0], 1), tt[0], torch.tensor(il[0]), torch.tensor(tl[0]),
                     reduction="none")
    assert_same(ey, ty)
    for kw in [{}, dict(blank=1, reduction="sum", zero_infinity=True)]:
        em, tm = ember.nn.CTCLoss(**kw), torch.nn.CTCLoss(**kw)
        assert repr(em) == repr(tm)
        tg = np.where(tt.numpy() == 1, 2, tt.numpy())
        assert_same(em(EF.log_softmax(ex, 2), ember.tensor(tg), ember.tensor(il), ember.tensor(tl)),
                    tm(TF.log_softmax(tx, 2), torch.tensor(tg), torch.tensor(il), torch.tensor(tl)))


def test_ctc_loss_gradcheck():
    (ex, _), (et, _), il, tl = _ctc_inputs(T=5, N=2, C=4, S=2)
    x = ex.detach()[:, :, :4].requires_grad_(True)
    fn = lambda x: EF.ctc_loss(EF.log_softmax(x, 2), et[:2, :2], [5, 4], [2, 1])  # noqa: E731
    assert ember.autograd.gradcheck(fn, (x,))


def test_ctc_loss_errors():
    (ex, tx), (et, tt), il, tl = _ctc_inputs()
    calls = [
        lambda F, x, t, lib: F.ctc_loss(x, t, lib.tensor(il), lib.tensor(tl), blank=7),
        lambda F, x, t, lib: F.ctc_loss(x, t, lib.tensor(il[:2]), lib.tensor(tl)),
        lambda F, x, t, lib: F.ctc_loss(x, t, lib.tensor(il) + 1, lib.tensor(tl)),
        lambda F, x, t, lib: F.ctc_loss(x, t, lib.tensor(il), lib.tensor(tl) + 5),
    ]
    for c in calls:
        assert_same_error(lambda c=c: c(EF, ex, et, ember), lambda c=c: c(TF, tx, tt, torch))


# ---------------------------------------------------------------------- grid_sample / affine_grid
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("nd", [2, 3])
def test_grid_sample(mode, padding_mode, align_corners, nd):
    if mode == "bicubic" and nd == 3:
        ex, tx = both(np.zeros((1, 1, 2, 2, 2)))
        eg, tg = both(np.zeros((1, 1, 1, 1, 3)))
        assert_same_error(lambda: EF.grid_sample(ex, eg, mode=mode, align_corners=align_corners),
                          lambda: TF.grid_sample(tx, tg, mode=mode, align_corners=align_corners))
        return
    rng = np.random.default_rng(nd)
    x = rng.standard_normal((2, 3, 5, 6) if nd == 2 else (2, 2, 4, 5, 3))
    grid = rng.uniform(-1.4, 1.4, (2, 4, 3, 2) if nd == 2 else (2, 3, 2, 4, 3))
    grid[0, 0, 0] = 0.0
    grid[1, 0, 1] = 1.0          # exactly on the edge
    ex, tx = both(x, True)
    eg, tg = both(grid, True)
    kw = dict(mode=mode, padding_mode=padding_mode, align_corners=align_corners)
    ey, ty = EF.grid_sample(ex, eg, **kw), TF.grid_sample(tx, tg, **kw)
    assert_same(ey, ty)
    assert ey.grad_fn.name() == ty.grad_fn.name()
    backward_with_weights(ey, ty)
    assert_same(ex.grad, tx.grad)
    assert_same(eg.grad, tg.grad)


def test_grid_sample_float32_noncontiguous_and_gradcheck():
    x = RNG.standard_normal((1, 2, 6, 4)).astype(np.float32)
    grid = RNG.uniform(-1, 1, (1, 3, 5, 2)).astype(np.float32)
    ex, tx = both(x)
    eg, tg = both(grid)
    ey = EF.grid_sample(ex.transpose(2, 3), eg, align_corners=False)
    ty = TF.grid_sample(tx.transpose(2, 3), tg, align_corners=False)
    assert_same(ey, ty)
    xi = ember.tensor(RNG.standard_normal((1, 2, 4, 3)), requires_grad=True)
    gi = ember.tensor(RNG.uniform(-0.9, 0.9, (1, 2, 3, 2)), requires_grad=True)
    for pm, mode in (("zeros", "bilinear"), ("reflection", "bilinear"), ("border", "bicubic")):
        assert ember.autograd.gradcheck(
            lambda a, b, pm=pm, mode=mode: EF.grid_sample(a, b, mode=mode, padding_mode=pm,
                                                          align_corners=True), (xi, gi))


def test_grid_sample_warnings_and_errors():
    ex, tx = both(RNG.standard_normal((1, 1, 3, 3)))
    eg, tg = both(RNG.uniform(-1, 1, (1, 2, 2, 2)))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        EF.grid_sample(ex, eg)
    assert_same_error(lambda: EF.grid_sample(ex, eg, mode="area"),
                      lambda: TF.grid_sample(tx, tg, mode="area"))
    assert_same_error(lambda: EF.grid_sample(ex, eg, padding_mode="wrap"),
                      lambda: TF.grid_sample(tx, tg, padding_mode="wrap"))
    assert_same_error(lambda: EF.affine_grid(ember.zeros(1, 2, 3), [1, 1, 3], align_corners=False),
                      lambda: TF.affine_grid(torch.zeros(1, 2, 3), [1, 1, 3], align_corners=False))
    assert_same_error(lambda: EF.affine_grid(ember.zeros(1, 3, 3), [1, 1, 3, 3], False),
                      lambda: TF.affine_grid(torch.zeros(1, 3, 3), [1, 1, 3, 3], False))


@pytest.mark.parametrize("size,theta_shape", [((2, 3, 4, 5), (2, 2, 3)), ((2, 3, 1, 5), (2, 2, 3)),
                                              ((2, 1, 3, 4, 5), (2, 3, 4))])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(size, theta_shape, align_corners):
    et, tt = both(RNG.standard_normal(theta_shape), True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ey = EF.affine_grid(et, size, align_corners=align_corners)
        ty = TF.affine_grid(tt, size, align_corners=align_corners)
    assert_same(ey, ty)
    assert ey.grad_fn.name() == ty.grad_fn.name()
    backward_with_weights(ey, ty)
    assert_same(et.grad, tt.grad)


def test_affine_grid_then_grid_sample_rotation():
    ang = 0.3
    theta = np.array([[[np.cos(ang), -np.sin(ang), 0.1], [np.sin(ang), np.cos(ang), -0.2]]])
    et, tt = both(theta, True)
    ex, tx = both(RNG.standard_normal((1, 2, 5, 5)))
    ey = EF.grid_sample(ex, EF.affine_grid(et, (1, 2, 4, 4), align_corners=False),
                        align_corners=False, padding_mode="border")
    ty = TF.grid_sample(tx, TF.affine_grid(tt, (1, 2, 4, 4), align_corners=False),
                        align_corners=False, padding_mode="border")
    assert_same(ey, ty)
    ey.sum().backward()
    ty.sum().backward()
    assert_same(et.grad, tt.grad)


# ---------------------------------------------------------------------- weight_norm / spectral_norm
def _pair_modules(expr):
    tm = eval("torch.nn." + expr).double()
    em = eval("ember.nn." + expr).double()
    return em, tm


def _copy_state(em, tm):
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})


@pytest.mark.parametrize("expr,shape,dim", [("Linear(3, 4)", (5, 3), 0),
                                            ("Conv2d(2, 3, 2)", (2, 2, 4, 4), 0),
                                            ("Conv2d(2, 3, 2)", (2, 2, 4, 4), None),
                                            ("Conv2d(2, 3, 2)", (2, 2, 4, 4), 2),
                                            ("Conv2d(2, 3, 2)", (2, 2, 4, 4), 3)])
def test_weight_norm_hook_api(expr, shape, dim):
    em, tm = _pair_modules(expr)
    with pytest.warns(FutureWarning):
        ember.nn.utils.weight_norm(em, dim=dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.nn.utils.weight_norm(tm, dim=dim)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert em.weight_g.shape == tm.weight_g.shape
    assert repr(em) == repr(tm)
    _copy_state(em, tm)
    ex, tx = both(RNG.standard_normal(shape))
    ey, ty = em(ex), tm(tx)
    assert_same(ey, ty)
    assert em.weight.grad_fn.name() == tm.weight.grad_fn.name()
    ey.pow(2).sum().backward()
    ty.pow(2).sum().backward()
    assert_same(em.weight_g.grad, tm.weight_g.grad)
    assert_same(em.weight_v.grad, tm.weight_v.grad)
    ember.nn.utils.remove_weight_norm(em)
    torch.nn.utils.remove_weight_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert_same(em.weight.detach(), tm.weight.detach())
    assert_same_error(lambda: ember.nn.utils.remove_weight_norm(em),
                      lambda: torch.nn.utils.remove_weight_norm(tm), match_message=False)


def test_weight_norm_twice_is_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        em = ember.nn.utils.weight_norm(ember.nn.Linear(2, 2))
        tm = torch.nn.utils.weight_norm(torch.nn.Linear(2, 2))
        assert_same_error(lambda: ember.nn.utils.weight_norm(em),
                          lambda: torch.nn.utils.weight_norm(tm))


@pytest.mark.parametrize("expr,shape,kw", [("Linear(3, 4)", (5, 3), {}),
                                           ("Conv2d(2, 3, 2)", (2, 2, 4, 4),
                                            dict(n_power_iterations=3)),
                                           ("ConvTranspose2d(2, 3, 2)", (2, 2, 4, 4), {})])
def test_spectral_norm_hook_api(expr, shape, kw):
    em, tm = _pair_modules(expr)
    ember.nn.utils.spectral_norm(em, **kw)
    torch.nn.utils.spectral_norm(tm, **kw)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert em.weight_u.shape == tm.weight_u.shape and em.weight_v.shape == tm.weight_v.shape
    assert em.state_dict()._metadata[""] == tm.state_dict()._metadata[""]
    _copy_state(em, tm)          # u and v are random: copy them to follow the same iteration
    for mode in ("train", "train", "eval"):
        getattr(em, mode)()
        getattr(tm, mode)()
        em.zero_grad()
        tm.zero_grad()
        ex, tx = both(RNG.standard_normal(shape))
        ey, ty = em(ex), tm(tx)
        assert_same(ey, ty)
        ey.pow(2).sum().backward()
        ty.pow(2).sum().backward()
        assert_same(em.weight_orig.grad, tm.weight_orig.grad)
        assert_same(em.weight_u, tm.weight_u)
        assert_same(em.weight_v, tm.weight_v)
    ember.nn.utils.remove_spectral_norm(em)
    torch.nn.utils.remove_spectral_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert_same(em.weight.detach(), tm.weight.detach())


def test_spectral_norm_loads_version0_state_dict():
    em, tm = _pair_modules("Linear(3, 4)")
    ember.nn.utils.spectral_norm(em)
    torch.nn.utils.spectral_norm(tm)
    tm(torch.ones(1, 3, dtype=torch.float64))
    old = {"bias": tm.bias.detach(), "weight_orig": tm.weight_orig.detach(),
           "weight_u": tm.weight_u, "weight": tm.weight.detach()}
    from collections import OrderedDict
    t_sd, e_sd = OrderedDict(old), OrderedDict((k, ember.tensor(v.numpy())) for k, v in old.items())
    t_sd._metadata = {"": {"version": 1}}
    e_sd._metadata = {"": {"version": 1}}
    tm.load_state_dict(t_sd)
    em.load_state_dict(e_sd)
    assert_same(em.weight_v, tm.weight_v)


# ---------------------------------------------------------------------- parametrize
def _symmetric(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric()


def test_register_parametrization_basics():
    em, tm = _pair_modules("Linear(3, 3)")
    ember.nn.utils.parametrize.register_parametrization(em, "weight", _symmetric(ember))
    torch.nn.utils.parametrize.register_parametrization(tm, "weight", _symmetric(torch))
    assert repr(em) == repr(tm)
    assert type(em).__name__ == "ParametrizedLinear"
    assert list(em.state_dict()) == list(tm.state_dict())
    _copy_state(em, tm)
    assert_same(em.weight, tm.weight)
    assert ember.nn.utils.parametrize.is_parametrized(em)
    assert ember.nn.utils.parametrize.is_parametrized(em, "weight")
    assert not ember.nn.utils.parametrize.is_parametrized(em, "bias")
    assert ember.nn.utils.parametrize.type_before_parametrizations(em) is ember.nn.Linear
    ex, tx = both(RNG.standard_normal((2, 3)))
    ey, ty = em(ex), tm(tx)
    assert_same(ey, ty)
    ey.sum().backward()
    ty.sum().backward()
    assert_same(em.parametrizations.weight.original.grad, tm.parametrizations.weight.original.grad)
    # assignment goes through right_inverse
    a = RNG.standard_normal((3, 3))
    em.weight = ember.tensor(a)
    tm.weight = torch.tensor(a)
    assert_same(em.parametrizations.weight.original.detach(),
                tm.parametrizations.weight.original.detach())
    with ember.nn.utils.parametrize.cached():
        assert em.weight is em.weight
    assert em.weight is not em.weight
    ember.nn.utils.parametrize.remove_parametrizations(em, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(tm, "weight")
    assert type(em) is ember.nn.Linear
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert_same(em.weight.detach(), tm.weight.detach())


def test_parametrization_shape_change_needs_unsafe():
    class Drop(ember.nn.Module):
        def forward(self, X):
            return X[:1]

    class TDrop(torch.nn.Module):
        def forward(self, X):
            return X[:1]
    assert_same_error(
        lambda: ember.nn.utils.parametrize.register_parametrization(ember.nn.Linear(2, 3),
                                                                    "weight", Drop()),
        lambda: torch.nn.utils.parametrize.register_parametrization(torch.nn.Linear(2, 3),
                                                                    "weight", TDrop()),
        match_message=False)
    m = ember.nn.utils.parametrize.register_parametrization(ember.nn.Linear(2, 3), "weight",
                                                            Drop(), unsafe=True)
    assert tuple(m.weight.shape) == (1, 2)
    m = ember.nn.Linear(2, 2)
    ember.nn.utils.parametrize.register_parametrization(m, "bias", _symmetric(ember)
                                                        if False else Drop(), unsafe=True)
    ember.nn.utils.parametrize.remove_parametrizations(m, "bias", leave_parametrized=False)
    assert tuple(m.bias.shape) == (2,)


def test_parametrizations_weight_norm_and_spectral_norm():
    em, tm = _pair_modules("Conv2d(2, 3, 2)")
    ember.nn.utils.parametrizations.weight_norm(em)
    torch.nn.utils.parametrizations.weight_norm(tm)
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    _copy_state(em, tm)
    ex, tx = both(RNG.standard_normal((1, 2, 4, 4)))
    ey, ty = em(ex), tm(tx)
    assert_same(ey, ty)
    assert em.weight.grad_fn.name() == tm.weight.grad_fn.name()
    ey.sum().backward()
    ty.sum().backward()
    for k in ("original0", "original1"):
        assert_same(getattr(em.parametrizations.weight, k).grad,
                    getattr(tm.parametrizations.weight, k).grad)

    em, tm = _pair_modules("Linear(4, 3)")
    ember.nn.utils.parametrizations.spectral_norm(em)
    torch.nn.utils.parametrizations.spectral_norm(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    _copy_state(em, tm)
    for mode in ("train", "eval"):
        getattr(em, mode)()
        getattr(tm, mode)()
        assert_same(em.weight.detach(), tm.weight.detach())
        assert_same(em.parametrizations.weight[0]._u, tm.parametrizations.weight[0]._u)
    # the warm-up power iteration gives the largest singular value
    w = em.parametrizations.weight.original.detach().numpy()
    np.testing.assert_allclose(np.linalg.svd(em.weight.detach().numpy(), compute_uv=False)[0],
                               1.0, rtol=1e-3)
    assert w.shape == (3, 4)


def test_parametrizations_weight_norm_loads_old_state_dict():
    em = ember.nn.utils.parametrizations.weight_norm(ember.nn.Conv2d(2, 3, 2).double())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        old = torch.nn.utils.weight_norm(torch.nn.Conv2d(2, 3, 2).double())
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in old.state_dict().items()})
    assert_same(em.weight.detach(), old.weight.detach())


# ---------------------------------------------------------------------- other layers
def test_bilinear_module():
    em, tm = _pair_modules("Bilinear(4, 3, 2)")
    assert repr(em) == repr(tm)
    _copy_state(em, tm)
    (e1, t1), (e2, t2) = both(RNG.standard_normal((5, 4)), True), both(RNG.standard_normal((5, 3)), True)
    ey, ty = em(e1, e2), tm(t1, t2)
    assert_same(ey, ty)
    backward_with_weights(ey, ty)
    assert_same(e1.grad, t1.grad)
    assert_same(e2.grad, t2.grad)
    assert_same(em.weight.grad, tm.weight.grad)
    assert_same(em.bias.grad, tm.bias.grad)
    em, tm = _pair_modules("Bilinear(4, 3, 2, bias=False)")
    assert repr(em) == repr(tm) and list(em.state_dict()) == list(tm.state_dict())


def test_lazy_linear_materialises_on_first_call():
    em, tm = ember.nn.LazyLinear(3), torch.nn.LazyLinear(3)
    assert repr(em) == repr(tm)
    ex, tx = both(RNG.standard_normal((2, 5)).astype(np.float32))
    ey, ty = em(ex), tm(tx)
    assert type(em) is ember.nn.Linear
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    assert tuple(em.weight.shape) == tuple(tm.weight.shape)
    assert ey.shape == ty.shape and ey.dtype is ember.float32
    _copy_state(em, tm)
    assert_same(em(ex), tm(tx))


def test_transposed_output_padding_helper_matches_torch_output_size():
    from ember.nn.modules.conv_output_size import transposed_output_padding
    em, tm = _pair_modules("ConvTranspose2d(2, 3, 3, stride=2, padding=1)")
    _copy_state(em, tm)
    ex, tx = both(RNG.standard_normal((1, 2, 4, 4)))

    def ember_forward(x, output_size):
        op = transposed_output_padding(x, output_size, em.stride, em.padding, em.kernel_size, 2,
                                       em.dilation, em.output_padding)
        return EF.conv_transpose2d(x, em.weight, em.bias, em.stride, em.padding, op, em.groups,
                                   em.dilation)
    for size in ([8, 8], (7, 8), [1, 3, 7, 7], None):
        assert_same(ember_forward(ex, size), tm(tx, output_size=size))
    for bad in ([12, 12], [3, 7, 7]):
        assert_same_error(lambda bad=bad: ember_forward(ex, bad),
                          lambda bad=bad: tm(tx, output_size=bad))


def test_conv_transpose2d_output_size():
    em, tm = _pair_modules("ConvTranspose2d(2, 3, 3, stride=2, padding=1)")
    _copy_state(em, tm)
    ex, tx = both(RNG.standard_normal((1, 2, 4, 4)), True)
    for size in ([8, 8], (7, 8), [1, 3, 7, 7]):
        ey, ty = em(ex, output_size=size), tm(tx, output_size=size)
        assert_same(ey, ty)
