"""nn layers with identical weights: outputs, gradients, reprs and state_dict keys match PyTorch."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same

LAYERS = [
    ("Linear(5, 3)", (4, 5)),
    ("Linear(5, 3, bias=False)", (2, 7, 5)),
    ("Bilinear(5, 4, 3)", None),
    ("Conv1d(3, 4, 3, stride=2, padding=1)", (2, 3, 9)),
    ("Conv2d(3, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=3)", (2, 3, 8, 7)),
    ("Conv2d(2, 4, 3, padding=1, padding_mode='reflect')", (2, 2, 5, 5)),
    ("Conv2d(2, 4, 3, padding=2, padding_mode='circular', bias=False)", (2, 2, 5, 5)),
    ("Conv2d(2, 4, 3, padding='same', padding_mode='replicate')", (2, 2, 5, 5)),
    ("Conv3d(2, 3, 2)", (1, 2, 4, 4, 4)),
    ("ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1)", (2, 3, 4, 4)),
    ("ConvTranspose1d(3, 2, 4, stride=3)", (2, 3, 5)),
    ("MaxPool2d(3, stride=2, padding=1, ceil_mode=True)", (2, 3, 8, 7)),
    ("MaxPool1d(2)", (2, 3, 8)),
    ("AvgPool2d(2, count_include_pad=False, padding=1)", (2, 3, 6, 6)),
    ("AdaptiveAvgPool2d((3, 2))", (2, 3, 7, 5)),
    ("BatchNorm1d(4)", (6, 4)),
    ("BatchNorm1d(4, affine=False, momentum=None)", (6, 4, 3)),
    ("BatchNorm2d(3)", (4, 3, 5, 5)),
    ("LayerNorm(6)", (3, 4, 6)),
    ("LayerNorm([4, 6], elementwise_affine=False)", (3, 4, 6)),
    ("LayerNorm(6, bias=False)", (3, 6)),
    ("GroupNorm(2, 4)", (3, 4, 5, 2)),
    ("GroupNorm(4, 4, affine=False)", (3, 4, 5)),
    ("InstanceNorm2d(3)", (2, 3, 4, 5)),
    ("InstanceNorm1d(3, affine=True, track_running_stats=True)", (2, 3, 6)),
    ("RMSNorm(6)", (3, 4, 6)),
    ("RMSNorm([4, 6], eps=1e-3, elementwise_affine=False)", (3, 4, 6)),
    ("LocalResponseNorm(3)", (2, 5, 4, 4)),
    ("LocalResponseNorm(2)", (2, 5, 7)),
    ("ReLU()", (3, 4)), ("ReLU6()", (3, 4)), ("LeakyReLU(0.1)", (3, 4)), ("PReLU(4)", (3, 4, 2)),
    ("ELU(alpha=0.7)", (3, 4)), ("SELU()", (3, 4)), ("CELU()", (3, 4)), ("GELU('tanh')", (3, 4)),
    ("SiLU()", (3, 4)), ("Mish()", (3, 4)), ("Sigmoid()", (3, 4)), ("Tanh()", (3, 4)),
    ("Softplus(beta=2)", (3, 4)), ("Softsign()", (3, 4)), ("Hardtanh(-2, 2)", (3, 4)),
    ("Hardsigmoid()", (3, 4)), ("Hardswish()", (3, 4)), ("LogSigmoid()", (3, 4)),
    ("Softmax(dim=1)", (3, 4)), ("LogSoftmax(dim=-1)", (3, 4)), ("Softmin(0)", (3, 4)),
    ("GLU()", (3, 4)), ("Threshold(0.1, 20.0)", (3, 4)), ("Flatten()", (2, 3, 4)),
    ("Unflatten(1, (2, 2))", (3, 4)), ("Identity(54, unused=3)", (3, 4)),
    ("Dropout(0.3)", (3, 4)), ("Dropout2d()", (2, 3, 4, 4)),
    ("Upsample(scale_factor=2, mode='bilinear')", (1, 2, 3, 4)), ("Upsample(size=5)", (1, 2, 3)),
    ("UpsamplingBilinear2d(scale_factor=2)", (1, 2, 3, 3)), ("PixelShuffle(2)", (1, 8, 2, 3)),
    ("PixelUnshuffle(2)", (1, 2, 4, 6)), ("Unfold(2, padding=1)", (1, 2, 4, 4)),
    ("Fold((4, 5), 2)", (1, 8, 12)), ("AdaptiveMaxPool2d((2, 3))", (1, 2, 5, 7)),
    ("AdaptiveMaxPool1d(3)", (1, 2, 7)),
]


def make(lib, expr):
    return eval("lib.nn." + expr, {"lib": lib})


@pytest.mark.parametrize("expr,shape", LAYERS)
def test_layer_matches_torch(expr, shape):
    tm, em = make(torch, expr).double(), make(ember, expr).double()
    assert repr(em) == repr(tm)
    assert list(em.state_dict()) == list(tm.state_dict())
    em.load_state_dict({k: ember.tensor(v.numpy()) for k, v in tm.state_dict().items()})
    rng = np.random.default_rng(0)
    shapes = [(4, 5), (4, 4)] if shape is None else [shape]
    arrays = [rng.standard_normal(s) for s in shapes]
    for mode in ("train", "eval"):
        getattr(tm, mode)()
        getattr(em, mode)()
        if "Dropout" in expr and mode == "train":
            continue        # random masks differ between the frameworks; tested in test_functional
        ex = [ember.tensor(a, requires_grad=True) for a in arrays]
        tx = [torch.tensor(a, requires_grad=True) for a in arrays]
        ey, ty = em(*ex), tm(*tx)
        assert_same(ey, ty)
        g = rng.standard_normal(tuple(ty.shape))
        ey.backward(ember.tensor(g))
        ty.backward(torch.tensor(g))
        for e, t in zip(ex, tx):
            assert_same(e.grad, t.grad)
        for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
            assert_same(ep.grad, tp.grad), n
            ep.grad, tp.grad = None, None
        for (n, eb), (_, tb) in zip(em.named_buffers(), tm.named_buffers()):
            assert_same(eb, tb), n


def test_default_init_distributions_match_torch():
    """Same bounds as PyTorch's kaiming-uniform(a=sqrt(5)) defaults."""
    for expr, fan_in in [("Linear(400, 50)", 400), ("Conv2d(16, 8, 5)", 16 * 25)]:
        m = make(ember, expr)
        bound = 1 / np.sqrt(fan_in)
        w = m.weight.detach().numpy()
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.95 * bound
        assert abs(w.mean()) < 0.1 * bound
        b = m.bias.detach().numpy()
        assert np.abs(b).max() <= bound


def test_embedding_module_and_from_pretrained():
    tm = torch.nn.Embedding(10, 3, padding_idx=1)
    em = ember.nn.Embedding(10, 3, padding_idx=1)
    assert repr(em) == repr(tm)
    assert float(em.weight[1].abs().sum()) == 0.0
    w = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    e = ember.nn.Embedding.from_pretrained(ember.tensor(w))
    assert not e.weight.requires_grad
    assert_same(e(ember.tensor([[0, 3]])), torch.nn.Embedding.from_pretrained(torch.tensor(w))(
        torch.tensor([[0, 3]])))


def test_cross_entropy_loss_module():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    y = rng.integers(0, 4, 5)
    w = rng.random(4)
    el = ember.nn.CrossEntropyLoss(weight=ember.tensor(w), label_smoothing=0.1)
    tl = torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1)
    assert_same(el(ember.tensor(x), ember.tensor(y)), tl(torch.tensor(x), torch.tensor(y)))
    assert repr(el) == repr(tl)
