"""A first end-to-end check: a small graph's values and gradients match PyTorch."""

import torch

import ember
from conftest import assert_same, pair


def test_chain_backward_matches_torch():
    ea, ta = pair([[1.0, 2.0, 3.0]], requires_grad=True)
    eb, tb = pair([[4.0], [5.0]], requires_grad=True)
    ey = ((ea * eb + ea) / 2 - eb.exp()).mean()
    ty = ((ta * tb + ta) / 2 - tb.exp()).mean()
    ey.backward()
    ty.backward()
    assert_same(ey, ty)
    assert_same(ea.grad, ta.grad)
    assert_same(eb.grad, tb.grad)
    assert type(ey.grad_fn).__name__ == type(ty.grad_fn).__name__ == "MeanBackward0"


def test_second_derivative_of_cube():
    ex = ember.tensor(2.0, requires_grad=True)
    tx = torch.tensor(2.0, requires_grad=True)
    (eg,) = ember.autograd.grad(ex ** 3, ex, create_graph=True)
    (tg,) = torch.autograd.grad(tx ** 3, tx, create_graph=True)
    assert_same(eg, tg)
    assert_same(ember.autograd.grad(eg, ex)[0], torch.autograd.grad(tg, tx)[0])
