"""Backwards written as array code record no graph: differentiating their results must fail
loudly (PyTorch's DelayedError), never drop the term silently."""

import numpy as np
import pytest
import torch

import ember
import ember.nn.functional as EF

_OPS = {
    "conv2d": lambda F, x: F.conv2d(x, x.new_ones(2, 1, 2, 2) * 0.5),
    "max_pool2d": lambda F, x: F.max_pool2d(x, 2),
    "avg_pool2d": lambda F, x: F.avg_pool2d(x, 2),
    "adaptive_avg_pool2d": lambda F, x: F.adaptive_avg_pool2d(x, 3),
    "reflect_pad": lambda F, x: F.pad(x, (1, 1, 1, 1), mode="reflect"),
}


@pytest.mark.parametrize("name", list(_OPS))
def test_double_backward_through_array_backward_raises(name):
    x = ember.tensor(np.random.default_rng(0).standard_normal((1, 1, 6, 6)), requires_grad=True)
    y = _OPS[name](EF, x).pow(2).sum()
    (g,) = ember.autograd.grad(y, x, create_graph=True)
    assert g.requires_grad                     # the first derivative is still usable ...
    with pytest.raises(RuntimeError, match="double backward through .* is not implemented"):
        g.pow(2).sum().backward()              # ... differentiating it again fails loudly


@pytest.mark.parametrize("name", list(_OPS))
def test_first_derivative_unchanged(name):
    a = np.random.default_rng(1).standard_normal((1, 1, 6, 6))
    grads = []
    for lib in (ember, torch):
        x = lib.tensor(a, requires_grad=True)
        (g,) = lib.autograd.grad(_OPS[name](lib.nn.functional, x).pow(2).sum(), x,
                                 create_graph=True)
        grads.append(g.detach().numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-10)


def test_embedding_double_backward_raises():
    w = ember.randn(5, 3, requires_grad=True)
    y = EF.embedding(ember.tensor([0, 2, 2]), w).pow(2).sum()
    (g,) = ember.autograd.grad(y, w, create_graph=True)
    with pytest.raises(RuntimeError, match="EmbeddingBackward0"):
        g.sum().backward()


def test_user_once_differentiable_matches_pytorch():
    """Like PyTorch: autograd.grad to the inputs skips the error node; backward() runs it."""
    results = []
    for lib in (ember, torch):
        class Sq(lib.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @lib.autograd.function.once_differentiable
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        a = lib.tensor([1.0, 2.0], requires_grad=True)
        (g,) = lib.autograd.grad((Sq.apply(a) * a).sum(), a, create_graph=True)
        results.append(lib.autograd.grad(g.sum(), a, retain_graph=True)[0].tolist())
        with pytest.raises(RuntimeError, match="once_differentiable"):
            g.sum().backward()
    assert results[0] == results[1]
