"""The fast convolution and pooling kernels (ember/ops/conv.py, ember/ops/pooling.py) against
PyTorch: float32 in and out, C-contiguous NCHW outputs with PyTorch's strides, gradients,
ties and NaN in max pooling, overlapping and padded windows, non-contiguous inputs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import ember
import ember.nn.functional as EF
from conftest import assert_same
from ember.ops import conv as C
from ember.ops import pooling as P


def _pair(shape, seed, dtype=np.float32, requires_grad=True, data=None):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype) if data is None else data
    return (ember.tensor(a, requires_grad=requires_grad),
            torch.tensor(a, requires_grad=requires_grad))


def _check(efn, tfn, inputs, rtol=1e-5, atol=1e-5):
    """Values, dtype, strides and grad_fn of the output, then every input's gradient."""
    ey, ty = efn(*[e for e, _ in inputs]), tfn(*[t for _, t in inputs])
    assert_same(ey, ty, rtol=rtol, atol=atol, check_stride=True)
    assert ey.is_contiguous()
    assert type(ey.grad_fn).__name__ == type(ty.grad_fn).__name__
    g = np.random.default_rng(99).standard_normal(tuple(ty.shape)).astype(np.float32)
    ey.backward(ember.tensor(g))
    ty.backward(torch.tensor(g))
    for e, t in inputs:
        if t.requires_grad:
            assert_same(e.grad, t.grad, rtol=rtol, atol=atol, check_stride=True)


CONV = [
    (1, dict()),
    (2, dict(padding=1)),
    (2, dict(stride=2, padding=(1, 2))),
    (2, dict(stride=(1, 2), dilation=(2, 1))),
    (2, dict(groups=2, padding=1)),
    (2, dict(groups=4, stride=2, dilation=2)),
    (1, dict(stride=3, padding=2, dilation=2, groups=3)),
    (3, dict(stride=(1, 2, 1), padding=1, groups=2)),
]


@pytest.mark.parametrize("nd,kw", CONV)
@pytest.mark.parametrize("bias", [True, False])
def test_conv_float32_matches_torch(nd, kw, bias):
    groups = kw.get("groups", 1)
    cin, cout = (12, 12) if nd != 3 else (4, 4)
    spatial = {1: (17,), 2: (9, 8), 3: (5, 6, 4)}[nd]
    kernel = {1: (3,), 2: (3, 2), 3: (2, 3, 2)}[nd]
    inputs = [_pair((3, cin) + spatial, 0), _pair((cout, cin // groups) + kernel, 1)]
    if bias:
        inputs.append(_pair((cout,), 2))
    ef, tf = getattr(EF, f"conv{nd}d"), getattr(TF, f"conv{nd}d")
    _check(lambda *a: ef(*a, **kw), lambda *a: tf(*a, **kw), inputs)


@pytest.mark.parametrize("nd,kw", [
    (1, dict(stride=3)),
    (2, dict(stride=2, padding=1, output_padding=1)),
    (2, dict(stride=(2, 1), dilation=(1, 2), groups=2)),
    (2, dict(stride=3, padding=2, output_padding=(2, 0), groups=3)),
    (3, dict(stride=2, padding=(1, 0, 1), output_padding=(1, 0, 0))),
])
def test_conv_transpose_float32_matches_torch(nd, kw):
    groups = kw.get("groups", 1)
    spatial = {1: (7,), 2: (5, 4), 3: (3, 4, 3)}[nd]
    kernel = {1: (4,), 2: (3, 3), 3: (2, 3, 3)}[nd]
    inputs = [_pair((2, 6) + spatial, 0), _pair((6, 3) + kernel, 1), _pair((3 * groups,), 2)]
    tf = getattr(TF, f"conv_transpose{nd}d")
    if nd < 3:
        ef = getattr(EF, f"conv_transpose{nd}d")
        _check(lambda *a: ef(*a, **kw), lambda *a: tf(*a, **kw), inputs)
        return
    opts = {k: (v,) * 3 if isinstance(v, int) else v for k, v in kw.items()}
    opts = dict(dict(padding=(0,) * 3, output_padding=(0,) * 3, dilation=(1,) * 3), **opts)
    # no F.conv_transpose3d in Ember yet: the op itself
    _check(lambda *a: C.ConvTransposeNd.apply(*a, **opts), lambda *a: tf(*a, **kw), inputs)


def test_conv_non_contiguous_input_and_broadcast_grad():
    """A channels-last view as input, and the expanded gradient of ``.sum()``.

    PyTorch keeps channels-last memory format here; Ember's output is NCHW-contiguous
    (values equal, strides not compared)."""
    data = np.random.default_rng(0).standard_normal((2, 7, 6, 5)).astype(np.float32)
    (x, tx), (w, tw) = _pair(None, 0, data=data), _pair((4, 5, 3, 3), 1)
    ex, txx = x.permute(0, 3, 1, 2), tx.permute(0, 3, 1, 2)
    ey, ty = EF.conv2d(ex, w, padding=1), TF.conv2d(txx, tw, padding=1)
    assert_same(ey, ty, rtol=1e-5, atol=1e-5)
    ey.sum().backward()
    ty.sum().backward()
    assert_same(x.grad, tx.grad, rtol=1e-5, atol=1e-5)
    assert_same(w.grad, tw.grad, rtol=1e-4, atol=1e-4)


def test_conv_weight_only_and_input_only_grads():
    (x, tx), (w, tw) = _pair((2, 3, 6, 6), 0), _pair((4, 3, 3, 3), 1, requires_grad=False)
    EF.conv2d(x, w, stride=2).sum().backward()
    TF.conv2d(tx, tw, stride=2).sum().backward()
    assert_same(x.grad, tx.grad, rtol=1e-5, atol=1e-5)
    assert w.grad is None
    (x, tx), (w, tw) = _pair((2, 3, 6, 6), 0, requires_grad=False), _pair((4, 3, 3, 3), 1)
    EF.conv2d(x, w, padding=2).sum().backward()
    TF.conv2d(tx, tw, padding=2).sum().backward()
    assert_same(w.grad, tw.grad, rtol=1e-4, atol=1e-4)
    assert x.grad is None


MAXPOOL = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),                          # overlapping windows
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=2, stride=1, dilation=2, padding=1),
    dict(kernel_size=3, stride=3, ceil_mode=True),
]


@pytest.mark.parametrize("kw", MAXPOOL)
def test_max_pool2d_float32_values_indices_grads(kw):
    (x, tx), = [_pair((3, 4, 9, 8), 0)]
    ev, ei = EF.max_pool2d(x, return_indices=True, **kw)
    tv, ti = TF.max_pool2d(tx, return_indices=True, **kw)
    assert_same(ev, tv, check_stride=True)
    assert_same(ei, ti, check_stride=True)
    _check(lambda a: EF.max_pool2d(a, **kw), lambda a: TF.max_pool2d(a, **kw),
           [_pair((3, 4, 9, 8), 0)])


@pytest.mark.parametrize("kw", MAXPOOL)
def test_max_pool2d_ties_first_max_wins(kw):
    """Few distinct values: most windows hold their max more than once."""
    _check_max_pool_with_indices(np.random.default_rng(3).integers(0, 3, (2, 3, 9, 8)), kw)


def _check_max_pool_with_indices(data, kw):
    """Values, indices and the input gradient of max_pool2d equal PyTorch's."""
    (x, tx), = [_pair(None, 0, data=data.astype(np.float32))]
    ev, ei = EF.max_pool2d(x, return_indices=True, **kw)
    tv, ti = TF.max_pool2d(tx, return_indices=True, **kw)
    assert_same(ev, tv)
    assert_same(ei, ti)
    ev.backward(ember.ones_like(ev))
    tv.backward(torch.ones_like(tv))
    assert_same(x.grad, tx.grad)


@pytest.mark.parametrize("kw", MAXPOOL)
def test_max_pool2d_nan_and_inf(kw):
    """NaN propagates (PyTorch: a later element wins if greater or NaN); windows of -inf
    report their first position inside the input, never the padding."""
    data = np.random.default_rng(4).standard_normal((2, 2, 9, 8)).astype(np.float32)
    data[0, 0, 1:3, 2:5] = np.nan
    data[0, 1, 4, ::3] = np.nan
    data[1, 0] = -np.inf
    data[1, 1, :4] = np.inf
    _check_max_pool_with_indices(data, kw)


@pytest.mark.parametrize("dtype", [np.float64, np.float16, np.int32, np.int64])
def test_max_pool2d_other_dtypes(dtype):
    data = np.random.default_rng(5).integers(-50, 50, (2, 3, 7, 6)).astype(dtype)
    (x, tx), = [_pair(None, 0, data=data, requires_grad=False)]
    for kw in MAXPOOL:
        ev, ei = EF.max_pool2d(x, return_indices=True, **kw)
        tv, ti = TF.max_pool2d(tx, return_indices=True, **kw)
        assert_same(ev, tv, check_stride=True)
        assert_same(ei, ti)


def test_max_pool1d_and_non_contiguous_input():
    _check(lambda a: EF.max_pool1d(a, 3, 2, 1), lambda a: TF.max_pool1d(a, 3, 2, 1),
           [_pair((2, 3, 11), 0)])
    # a channels-last view: PyTorch keeps that memory format, Ember returns NCHW (strides differ)
    data = np.random.default_rng(6).standard_normal((2, 8, 9, 3)).astype(np.float32)
    (x, tx), = [_pair(None, 0, data=data)]
    ev, tv = EF.max_pool2d(x.permute(0, 3, 1, 2), 2), TF.max_pool2d(tx.permute(0, 3, 1, 2), 2)
    assert_same(ev, tv)
    ev.sum().backward()
    tv.sum().backward()
    assert_same(x.grad, tx.grad)


def test_max_pool_values_only_option():
    """``return_indices=False`` skips the int64 indices; values and gradients are the same."""
    (x, tx), = [_pair((2, 3, 8, 7), 0)]
    kw = dict(kernel=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(1, 1), ceil_mode=True)
    ev = P.MaxPoolNd.apply(x, return_indices=False, **kw)
    tv = TF.max_pool2d(tx, 3, 2, 1, ceil_mode=True)
    assert isinstance(ev, ember.Tensor)
    assert type(ev.grad_fn).__name__ == type(tv.grad_fn).__name__
    assert_same(ev, tv, check_stride=True)
    ev.backward(ember.ones_like(ev))
    tv.backward(torch.ones_like(tv))
    assert_same(x.grad, tx.grad)


AVGPOOL = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=2, stride=1, divisor_override=3),
]


@pytest.mark.parametrize("kw", AVGPOOL)
def test_avg_pool2d_float32(kw):
    _check(lambda a: EF.avg_pool2d(a, **kw), lambda a: TF.avg_pool2d(a, **kw),
           [_pair((3, 4, 9, 8), 0)])


def test_avg_pool1d_float32():
    _check(lambda a: EF.avg_pool1d(a, 3, 2, 1), lambda a: TF.avg_pool1d(a, 3, 2, 1),
           [_pair((2, 3, 11), 0)])


def test_lenet_step_float32_matches_torch():
    """The W3 benchmark model, one step: every gradient float32 and equal to PyTorch's."""
    def build(lib):
        nn = lib.nn
        lib.manual_seed(0)
        return nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(8, 16, 3),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 10))
    em, tm = build(ember), build(torch)
    tm.load_state_dict({k: torch.tensor(v.detach().numpy()) for k, v in em.state_dict().items()})
    data = np.random.default_rng(0).standard_normal((4, 1, 28, 28)).astype(np.float32)
    y = np.array([1, 2, 3, 4])
    EF.cross_entropy(em(ember.tensor(data)), ember.tensor(y)).backward()
    TF.cross_entropy(tm(torch.tensor(data)), torch.tensor(y)).backward()
    for (name, ep), tp in zip(em.named_parameters(), tm.parameters()):
        assert ep.grad.dtype == ember.float32, name
        assert_same(ep.grad, tp.grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("stride", [2, 1])          # disjoint windows and overlapping ones
def test_max_pool_backward_keeps_inf_and_nan_gradients_in_place(stride):
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    out = (6 - 2) // stride + 1
    g = rng.standard_normal((2, 3, out, out)).astype(np.float32)
    g[0, 0, 0, 0], g[1, 2, 1, 1], g[0, 1, 2, 0] = np.inf, np.nan, -np.inf
    grads = []
    for lib in (torch, ember):
        t = lib.tensor(x, requires_grad=True)
        lib.nn.functional.max_pool2d(t, 2, stride).backward(lib.tensor(g))
        grads.append(t.grad)
    # NaN and inf exactly where torch has them (allclose treats them as values to match)
    np.testing.assert_allclose(grads[1].numpy(), grads[0].numpy(), rtol=1e-6)
