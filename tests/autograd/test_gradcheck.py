"""``gradcheck``/``gradgradcheck``: numerical checks of Ember's ops, and the failure reports."""

import warnings

import numpy as np
import pytest
import torch

import ember
from ember.autograd import GradcheckError, gradcheck, gradgradcheck
from conftest import assert_same_error


def d(data, requires_grad=True):
    return ember.tensor(np.array(data, dtype=np.float64), requires_grad=requires_grad)


rng = np.random.default_rng(1)
A = rng.uniform(0.5, 2.0, size=(2, 3))
B = rng.uniform(0.5, 2.0, size=(2, 3))
ROW = rng.uniform(0.5, 2.0, size=(1, 3))

COMPOSITIONS = {
    "add_mul_broadcast": (lambda a, r: a * r + r, (A, ROW)),
    "div_pow": (lambda a, b: (a / b) ** 2.5 + a.pow(b), (A, B)),
    "exp_log": (lambda a, b: (a.exp() * b).log() - a.sqrt(), (A, B)),
    "sum_mean_dims": (lambda a: a.sum(0) * a.mean(1, keepdim=True) + a.mean(), (A,)),
    "view_transpose": (lambda a, b: (a.view(3, 2) * b.t()).t().reshape(6), (A, B)),
    "expand_unsqueeze": (lambda r: r.expand(3, 3) * r.squeeze(0).unsqueeze(1), (ROW,)),
    "matmul_like": (lambda a, b: (a.unsqueeze(2) * b.t().unsqueeze(0)).sum(1), (A, B)),
    "tanh_sigmoid": (lambda a: a.tanh() * a.sigmoid() - a.relu() / 3, (A - 1.2,)),
}


@pytest.mark.parametrize("name", list(COMPOSITIONS))
def test_gradcheck_and_gradgradcheck_on_compositions(name):
    fn, arrays = COMPOSITIONS[name]
    inputs = tuple(d(a) for a in arrays)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_gradcheck_agrees_with_torch_on_a_wrong_backward():
    def run(mod):
        class Bad(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 3

        x = mod.tensor([1.0, 2.0], dtype=mod.float64, requires_grad=True)
        return mod.autograd.gradcheck(Bad.apply, (x,), raise_exception=False), Bad, x
    (er, eb, ex), (tr, _, _) = run(ember), run(torch)
    assert er is False and tr is False
    with pytest.raises(GradcheckError) as info:
        gradcheck(eb.apply, (ex,))
    assert isinstance(info.value, RuntimeError)
    assert str(info.value).startswith("Jacobian mismatch for output 0 with respect to input 0,\n"
                                      "numerical:tensor([[2.0000, 0.0000],")
    assert "analytical:tensor([[3., 0.],\n        [0., 3.]], dtype=torch.float64)" in str(info.value)


def test_gradcheck_messages_match_torch():
    assert_same_error(
        lambda: gradcheck(lambda a: a * 2, (ember.ones(2, dtype=ember.float64),)),
        lambda: torch.autograd.gradcheck(lambda a: a * 2, (torch.ones(2, dtype=torch.float64),)))
    assert_same_error(
        lambda: gradcheck(lambda a: (a * 2).detach(), (d([1.0, 2.0]),)),
        lambda: torch.autograd.gradcheck(lambda a: (a * 2).detach(),
                                         (torch.ones(2, dtype=torch.float64, requires_grad=True),)))


def test_gradcheck_warns_for_single_precision():
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert gradcheck(lambda a: a * 2, (ember.ones(2, requires_grad=True),), atol=0.1)
    with warnings.catch_warnings(record=True) as tw:
        warnings.simplefilter("always")
        torch.autograd.gradcheck(lambda a: a * 2, (torch.ones(2, requires_grad=True),), atol=0.1)
    assert [str(m.message) for m in w] == [str(m.message) for m in tw]


def test_gradgradcheck_catches_wrong_double_backward():
    class BadDouble(ember.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            # right value, but built from a detached x: the second derivative is lost
            return g * 3 * x.detach() ** 2

    x = d([0.5, 1.5])
    assert gradcheck(BadDouble.apply, (x,))
    assert gradgradcheck(BadDouble.apply, (x,), raise_exception=False) is False


def test_gradcheck_non_tensor_args_and_multiple_outputs():
    def fn(a, k, b):
        return a * k, (a * b).sum(), (a > 0)
    assert gradcheck(fn, (d(A), 2.5, d(B, requires_grad=False)))
    assert gradgradcheck(fn, (d(A), 2.5, d(B)))
