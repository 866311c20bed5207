"""In-place safety: version counters, saved-tensor checks, leaf errors, in-place ops on views."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error


def both(fn):
    return fn(ember), fn(torch)


def leaf(mod, data, dtype="float32"):
    return mod.tensor(np.array(data), dtype=getattr(mod, dtype), requires_grad=True)


def test_version_counter_shared_by_views():
    def run(mod):
        a = mod.zeros(2, 3)
        v = a.t()
        w = a.view(6)
        d = a.detach()
        v.add_(1)
        w.mul_(2)
        d.sub_(1)
        return a._version, v._version, w._version, d._version, a
    e, t = both(run)
    assert e[:4] == t[:4]
    assert_same(e[4], t[4])


@pytest.mark.parametrize("expr", ["y * y", "y.pow(3)", "y / 2 * y", "y.log()"])
def test_modified_saved_input_raises_at_backward(expr):
    def run(mod):
        x = leaf(mod, [1.0, 2.0, 3.0])
        y = x * 1
        z = eval(expr)
        y.add_(1)
        z.sum().backward()
    assert_same_error(lambda: run(ember), lambda: run(torch))


@pytest.mark.parametrize("op", ["exp", "sigmoid", "tanh", "sqrt"])
def test_modified_saved_output_raises_at_backward(op):
    def run(mod):
        x = leaf(mod, [1.0, 2.0, 3.0], "float64")
        z = getattr(x * 1, op)()
        z.add_(1)
        z.sum().backward()
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_modified_leaf_saved_under_no_grad_raises():
    def run(mod):
        x = leaf(mod, [1.0, 2.0])
        y = x * x
        with mod.no_grad():
            x.add_(1)
        y.sum().backward()
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_modified_saved_tensor_message_in_anomaly_mode():
    def run(mod):
        with mod.autograd.set_detect_anomaly(True):
            x = leaf(mod, [1.0, 2.0])
            y = x * 1
            z = y * y
            y.mul_(2)
            z.sum().backward()
    with pytest.warns(UserWarning):
        assert_same_error(lambda: run(ember), lambda: run(torch))


@pytest.mark.parametrize("case", ["leaf", "view_of_leaf"])
def test_inplace_on_leaf_requiring_grad_errors(case):
    def run(mod):
        x = leaf(mod, [[1.0, 2.0], [3.0, 4.0]])
        (x if case == "leaf" else x.t()).mul_(2)
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_inplace_on_leaf_allowed_under_no_grad():
    def run(mod):
        x = leaf(mod, [1.0, 2.0])
        with mod.no_grad():
            x.mul_(3)
        (x * x).sum().backward()
        return x.detach(), x.grad, x.is_leaf
    e, t = both(run)
    assert_same(e[0], t[0])
    assert_same(e[1], t[1])
    assert e[2] == t[2]


def test_inplace_on_non_leaf_gives_correct_gradients():
    def run(mod):
        x = leaf(mod, [1.0, 2.0, 3.0], "float64")
        w = leaf(mod, [0.5, -1.0, 2.0], "float64")
        y = x * 2
        y.mul_(w)
        y.add_(x)
        y.exp_()
        y.sum().backward()
        return x.grad, w.grad, y.grad_fn.name(), y._version
    e, t = both(run)
    assert_same(e[0], t[0])
    assert_same(e[1], t[1])
    assert e[2:] == t[2:]


def test_inplace_through_transposed_view():
    def run(mod):
        x = mod.arange(6.0).reshape(2, 3).requires_grad_()
        z = x * 1
        v = z.t()
        v.mul_(2)
        names = (z.grad_fn.name(), type(z.grad_fn).__name__, v.grad_fn.name(), z._version,
                 v._version)
        (z * z).sum().backward()
        return names, x.grad
    e, t = both(run)
    assert e[0] == t[0]
    assert_same(e[1], t[1])


def test_inplace_on_view_with_other_operand_requiring_grad():
    def run(mod):
        x = mod.arange(4.0).requires_grad_()
        y = mod.tensor(3.0, requires_grad=True)
        z = x * 1
        z.view(2, 2).t().mul_(y)
        (z * z).sum().backward()
        return x.grad, y.grad, z.grad_fn.name()
    e, t = both(run)
    assert_same(e[0], t[0])
    assert_same(e[1], t[1])
    assert e[2] == t[2]


def test_view_created_before_base_modified_is_rerouted():
    def run(mod):
        x = mod.arange(4.0).requires_grad_()
        z = x * 1
        v = z.view(2, 2)
        z.mul_(3)
        names = (v.grad_fn.name(), z.grad_fn.name())
        (v * v).sum().backward()
        return names, x.grad
    e, t = both(run)
    assert e[0] == t[0]
    assert_same(e[1], t[1])


def test_other_views_rerouted_after_inplace_on_sibling_view():
    def run(mod):
        x = mod.arange(6.0).reshape(2, 3).requires_grad_()
        z = x * 1
        a = z.view(3, 2)
        b = z.t()
        b.mul_(2)
        names = (a.grad_fn.name(), b.grad_fn.name(), z.grad_fn.name())
        (a * a).sum().backward()
        return names, x.grad
    e, t = both(run)
    assert e[0] == t[0]
    assert_same(e[1], t[1])


def test_inplace_on_view_of_non_contiguous_base():
    def run(mod):
        x = mod.arange(6.0).reshape(3, 2).requires_grad_()
        z = x.t() * 1          # may come out in Fortran order from NumPy
        z.view(6) if z.is_contiguous() else None
        v = z.t()
        v.mul_(3)
        (z * mod.arange(6.0).reshape(2, 3)).sum().backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


def test_copy_into_view_of_buffer():
    def run(mod):
        x = leaf(mod, [1.0, 2.0, 3.0, 4.0])
        buf = mod.zeros(2, 2)
        buf.t().copy_(x.view(2, 2) * 2)
        (buf * mod.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
        return x.grad, buf.grad_fn.name()
    e, t = both(run)
    assert_same(e[0], t[0])
    assert e[1] == t[1]


def test_setitem_and_slice_ops():
    def run(mod):
        x = mod.arange(6.0).reshape(2, 3).requires_grad_()
        y = mod.tensor(5.0, requires_grad=True)
        z = x * 1
        z[0, 0] = y * 2
        z[:, 1] *= 2
        v = z[1:]
        v.mul_(2)
        (z * z).sum().backward()
        return x.grad, y.grad, z.grad_fn.name(), v.grad_fn.name()
    e, t = both(run)
    assert_same(e[0], t[0])
    assert_same(e[1], t[1])
    assert e[2:] == t[2:]
