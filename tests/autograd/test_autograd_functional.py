"""``autograd.functional`` (jacobian, hessian, vjp, jvp, hvp, vhp) against PyTorch."""

import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import ember
import ember.autograd.functional as EF
from conftest import assert_same, assert_same_error


def run_both(fn):
    return fn(ember, EF), fn(torch, TF)


def assert_tree_same(e, t):
    if isinstance(t, tuple):
        assert isinstance(e, tuple) and len(e) == len(t)
        for a, b in zip(e, t):
            assert_tree_same(a, b)
    else:
        assert_same(e, t)


def x_of(mod, data=(0.5, -1.0, 2.0)):
    return mod.tensor(np.array(data), dtype=mod.float64)


def f_pointwise(x):
    return (x * x * 3).exp() / (x + 4)


def f_multi(a, b):
    return a * b + a.exp(), (a / (b + 5)).sum()


@pytest.mark.parametrize("case", ["single", "tuple_in_out", "tuple_out", "scalar_out",
                                  "matrix", "unused"])
def test_jacobian(case):
    def run(mod, F):
        x = x_of(mod)
        y = x_of(mod, (1.0, 2.0, 3.0))
        if case == "single":
            return F.jacobian(f_pointwise, x)
        if case == "tuple_in_out":
            return F.jacobian(f_multi, (x, y))
        if case == "tuple_out":
            return F.jacobian(lambda a: (a * 2, a.sum()), x)
        if case == "scalar_out":
            return F.jacobian(lambda a: (a ** 3).sum(), x)
        if case == "matrix":
            m = mod.tensor(np.arange(6.0).reshape(2, 3) / 4, dtype=mod.float64)
            return F.jacobian(lambda a: (a.t() * a.t()).sum(0), m)
        return F.jacobian(lambda a, b: a * 2, (x, y))
    e, t = run_both(run)
    assert_tree_same(e, t)


def test_jacobian_create_graph_and_strategy_error():
    def run(mod, F):
        x = x_of(mod).requires_grad_()
        j = F.jacobian(f_pointwise, x, create_graph=True)
        j.sum().backward()
        return type(j.grad_fn).__name__ if j.grad_fn is not None else None, x.grad
    e, t = run_both(run)
    assert e[0] == t[0]
    assert_same(e[1], t[1])
    assert_same_error(lambda: EF.jacobian(f_pointwise, x_of(ember), strategy="forward-mode"),
                      lambda: TF.jacobian(f_pointwise, x_of(torch), strategy="forward-mode"))


@pytest.mark.parametrize("case", ["single", "tuple"])
def test_hessian(case):
    def run(mod, F):
        x = x_of(mod)
        y = x_of(mod, (1.0, 2.0, 3.0))
        if case == "single":
            return F.hessian(lambda a: (a ** 3 * a.exp()).sum(), x)
        return F.hessian(lambda a, b: (a * a * b + b.exp() * a).sum(), (x, y))
    e, t = run_both(run)
    assert_tree_same(e, t)


@pytest.mark.parametrize("name", ["vjp", "jvp", "hvp", "vhp"])
def test_products(name):
    def run(mod, F):
        x = x_of(mod)
        v = x_of(mod, (1.0, -0.5, 0.25))
        fn = getattr(F, name)
        if name in ("hvp", "vhp"):
            return fn(lambda a: (a ** 3 * a.exp()).sum(), x, v)
        return fn(f_pointwise, x, v)
    e, t = run_both(run)
    assert_tree_same(e, t)


def test_products_with_tuples_and_create_graph():
    def run(mod, F):
        x = x_of(mod).requires_grad_()
        y = x_of(mod, (1.0, 2.0, 3.0))
        out, (va, vb) = F.vjp(f_multi, (x, y), (mod.ones(3, dtype=mod.float64),
                                               mod.tensor(2.0, dtype=mod.float64)),
                              create_graph=True)
        (va.sum() + vb.sum()).backward()
        o2, jv = F.jvp(lambda a: a * a, x, mod.ones(3, dtype=mod.float64), create_graph=True)
        return out, va, vb, x.grad, jv
    e, t = run_both(run)
    assert_tree_same(e, t)


@pytest.mark.parametrize("case", ["vjp_no_v", "jvp_no_v", "hessian_vector", "v_shape",
                                  "strict", "bad_input"])
def test_errors(case):
    def run(mod, F):
        x = x_of(mod)
        if case == "vjp_no_v":
            F.vjp(f_pointwise, x)
        elif case == "jvp_no_v":
            F.jvp(f_pointwise, x)
        elif case == "hessian_vector":
            F.hessian(f_pointwise, x)
        elif case == "v_shape":
            F.vjp(f_pointwise, x, mod.ones(2, dtype=mod.float64))
        elif case == "strict":
            F.jacobian(lambda a: a.detach(), x, strict=True)
        else:
            F.jacobian(f_pointwise, [x])
    assert_same_error(lambda: run(ember, EF), lambda: run(torch, TF))
