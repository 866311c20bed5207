"""The backward engine, ``backward``/``autograd.grad`` and tensor-level autograd API vs PyTorch."""

import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error, pair
from ember.autograd.function import Op


def both(fn):
    return fn(ember), fn(torch)


def leaf(mod, data, dtype="float32"):
    return mod.tensor(np.array(data), dtype=getattr(mod, dtype), requires_grad=True)


def assert_all_same(e, t):
    assert len(e) == len(t)
    for a, b in zip(e, t):
        if b is None or isinstance(b, (bool, str, int, float, tuple)):
            assert a == b
        else:
            assert_same(a, b)


# ---------------------------------------------------------------------- graph structure
def test_requires_grad_leaf_and_names():
    def run(mod):
        a = leaf(mod, [1.0, 2.0, 3.0])
        c = mod.tensor([1.0, 1.0, 1.0])
        b = a * 2 + c
        d = c * 2
        edges = [(None if n is None else n.name(), nr) for n, nr in b.grad_fn.next_functions]
        inner = [(None if n is None else n.name(), nr)
                 for n, nr in b.grad_fn.next_functions[0][0].next_functions]
        return (a.is_leaf, b.is_leaf, d.is_leaf, b.requires_grad, d.requires_grad,
                b.grad_fn.name(), d.grad_fn, edges, inner)
    e, t = both(run)
    assert e == t
    assert e[8][0][0] == "torch::autograd::AccumulateGrad"


@pytest.mark.parametrize("expr", ["a * 2", "a.exp()", "a.t()", "(a * a).sum()", "a.view(3, 1)",
                                  "a ** 3", "a / a", "a - 1", "1 - a", "a.clone()", "a.double()",
                                  "a.expand(2, 3)", "a.unsqueeze(0)", "a.mean()", "a.sum(0)"])
def test_node_names(expr):
    def run(mod):
        return type(eval(expr, {"a": leaf(mod, [1.0, 2.0, 3.0])}).grad_fn).__name__
    e, t = both(run)
    assert e == t


def test_accumulation_across_backward_calls_and_zeroing():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        (a * 2).sum().backward()
        g1 = a.grad.clone()
        (a * a).sum().backward()
        g2 = a.grad.clone()
        a.grad = None
        (a * 3).sum().backward()
        return g1, g2, a.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_grad_is_not_shared_between_leaves():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        b = leaf(mod, [3.0, 4.0])
        (a + b).sum().backward()
        a.grad.mul_(10)
        return a.grad, b.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_user_gradient_is_not_aliased_by_grad():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        g = mod.tensor([1.0, 1.0])
        (a * 1).backward(g)
        a.grad.add_(5)
        return g, a.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_broadcast_gradients_are_summed_to_input_shape():
    def run(mod):
        a = leaf(mod, [[1.0, 2.0, 3.0]])
        b = leaf(mod, [[4.0], [5.0]])
        c = leaf(mod, 2.0)
        ((a * b + c) / (b - a * c)).sum().backward()
        return a.grad, b.grad, c.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_mixed_dtype_gradients_keep_input_dtypes():
    def run(mod):
        a = leaf(mod, [1.0, 2.0], "float32")
        b = leaf(mod, [3.0, 4.0], "float64")
        (a * b).sum().backward()
        return a.grad, b.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_non_leaf_grad_warning_text():
    def run(mod):
        a = leaf(mod, [1.0])
        b = a * 2
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            g = b.grad
        return g, [(x.category, str(x.message)) for x in w]
    e, t = both(run)
    assert e[0] is None and t[0] is None
    assert e[1] == t[1] and len(e[1]) == 1


def test_retain_grad():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        b = a * 2
        b.retain_grad()
        b.retain_grad()
        (b * b).sum().backward()
        return b.grad, b.retains_grad, a.retains_grad, a.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_retain_grad_errors_on_no_grad_tensor():
    assert_same_error(lambda: ember.ones(2).retain_grad(), lambda: torch.ones(2).retain_grad())


def test_detach_shares_data_and_version():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        d = a.detach()
        d.add_(1)
        b = a * 2
        b.detach_()
        return a.detach(), d.requires_grad, d.is_leaf, a._version, b.requires_grad, \
            b.grad_fn, b.is_leaf
    e, t = both(run)
    assert_same(e[0], t[0])
    assert e[1:] == t[1:]


# ---------------------------------------------------------------------- backward() arguments and errors
@pytest.mark.parametrize("case", ["non_scalar", "no_grad_output", "wrong_shape", "twice",
                                  "empty_inputs", "complex_implicit", "count"])
def test_backward_errors(case):
    def run(mod):
        a = leaf(mod, [1.0, 2.0, 3.0])
        if case == "non_scalar":
            (a * 2).backward()
        elif case == "no_grad_output":
            mod.ones(2).sum().backward()
        elif case == "wrong_shape":
            (a * 2).backward(mod.ones(2))
        elif case == "twice":
            y = (a * a).sum()
            y.backward()
            y.backward()
        elif case == "empty_inputs":
            (a * 2).sum().backward(inputs=[])
        elif case == "complex_implicit":
            mod.autograd.grad((a * 1j).sum(), a)
        elif case == "count":
            mod.autograd.grad([a * 2, a * 3], a, [mod.ones(3)])
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_second_backward_allowed_without_saved_tensors():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        y = (a + a).sum()
        y.backward()
        y.backward()
        return a.grad
    e, t = both(run)
    assert_same(e, t)


def test_retain_graph_allows_second_backward():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        y = (a * a).exp().sum()
        y.backward(retain_graph=True)
        y.backward()
        return a.grad
    e, t = both(run)
    assert_same(e, t)


def test_backward_with_gradient_and_inputs():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        b = leaf(mod, [3.0, 4.0])
        y = a * b
        y.backward(mod.tensor([1.0, 0.5]), inputs=[a])
        z = a * 2
        w = (z * b).sum()
        w.backward(inputs=[z])
        return a.grad, b.grad, z.grad, z.retains_grad
    e, t = both(run)
    assert_all_same(e, t)


def test_autograd_backward_multiple_roots():
    def run(mod):
        a = leaf(mod, [1.0, 2.0, 3.0])
        mod.autograd.backward([(a * 2), (a * 3).sum()], [mod.ones(3), None])
        return a.grad
    e, t = both(run)
    assert_same(e, t)


# ---------------------------------------------------------------------- autograd.grad
def test_grad_basic_and_non_leaf_inputs():
    def run(mod):
        x = leaf(mod, [1.0, 2.0, 3.0])
        y = x * 2
        (gx,) = mod.autograd.grad((y * y).sum(), x, retain_graph=True)
        (gy,) = mod.autograd.grad((y * y).sum(), y)
        return gx, gy, x.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_grad_unused_and_materialize():
    def run(mod):
        x = leaf(mod, [1.0, 2.0])
        u = leaf(mod, [1.0, 2.0, 3.0])
        r1 = mod.autograd.grad((x * 2).sum(), [x, u], allow_unused=True)
        r2 = mod.autograd.grad((x * 2).sum(), [x, u], materialize_grads=True)
        return r1[0], r1[1], r2[0], r2[1]
    e, t = both(run)
    assert_all_same(e, t)


@pytest.mark.parametrize("case", ["unused", "unused_first", "materialize_conflict",
                                  "input_no_grad", "output_no_grad", "shape", "float_grad_out"])
def test_grad_errors(case):
    def run(mod):
        x = leaf(mod, [1.0, 2.0])
        u = leaf(mod, [1.0, 2.0, 3.0])
        if case == "unused":
            mod.autograd.grad((x * 2).sum(), [x, u])
        elif case == "unused_first":
            mod.autograd.grad((x * 2).sum(), [u, x])
        elif case == "materialize_conflict":
            mod.autograd.grad((x * 2).sum(), x, materialize_grads=True, allow_unused=False)
        elif case == "input_no_grad":
            mod.autograd.grad((x * 2).sum(), mod.ones(2))
        elif case == "output_no_grad":
            mod.autograd.grad(mod.ones(2).sum(), x)
        elif case == "shape":
            mod.autograd.grad(x * 2, x, mod.ones(3))
        elif case == "float_grad_out":
            mod.autograd.grad((x * 2).sum(), x, 3.0)
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_grad_runs_hooks_and_retain_grad_like_torch():
    def run(mod):
        x = leaf(mod, [1.0, 2.0])
        x.register_hook(lambda g: g * 10)
        (gx,) = mod.autograd.grad((x * 2).sum(), x)
        y = x * 1
        y.register_hook(lambda g: g * 3)
        y.retain_grad()
        (gy,) = mod.autograd.grad((y * 2).sum(), y)
        return gx, gy, y.grad, x.grad
    e, t = both(run)
    assert_all_same(e, t)


# ---------------------------------------------------------------------- higher order
def test_second_and_third_derivative_of_cube():
    def run(mod):
        x = leaf(mod, [0.5, 2.0], "float64")
        (g,) = mod.autograd.grad((x ** 3).sum(), x, create_graph=True)
        (h,) = mod.autograd.grad(g.sum(), x, create_graph=True)
        (k,) = mod.autograd.grad(h.sum(), x)
        return g, h, k, g.grad_fn is not None
    e, t = both(run)
    assert_all_same(e, t)


def test_hessian_vector_product():
    def run(mod):
        x = leaf(mod, [0.3, -1.2, 2.0], "float64")
        v = mod.tensor([1.0, 0.5, -2.0], dtype=mod.float64)
        y = (x.exp() * x * x).sum() + (x * x).sum() ** 2
        (g,) = mod.autograd.grad(y, x, create_graph=True)
        (hv,) = mod.autograd.grad(g, x, grad_outputs=v)
        return g, hv
    e, t = both(run)
    assert_all_same(e, t)


def test_gradient_penalty_backpropagates():
    def run(mod):
        w = leaf(mod, [[0.5, -1.0], [2.0, 0.25]], "float64")
        inp = leaf(mod, [[1.0, 2.0], [3.0, -1.0]], "float64")
        out = ((inp / w).exp() * w).sum()
        (gi,) = mod.autograd.grad(out, inp, create_graph=True)
        loss = out + ((gi * gi).sum() - 1) ** 2
        loss.backward()
        return w.grad, inp.grad
    e, t = both(run)
    assert_all_same(e, t)


def test_create_graph_backward_keeps_grad_graph():
    def run(mod):
        x = leaf(mod, [1.0, 2.0], "float64")
        (x ** 3).sum().backward(create_graph=True)
        g = x.grad
        has = g.grad_fn is not None
        x.grad = None
        g.sum().backward()
        return has, x.grad
    e, t = both(run)
    assert e[0] == t[0]
    assert_same(e[1], t[1])


# ---------------------------------------------------------------------- tensor hooks
def test_tensor_hooks_replace_and_remove():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        calls = []
        h = a.register_hook(lambda g: calls.append(1) or g * 10)
        a.register_hook(lambda g: g + 1)
        (a * 2).sum().backward()
        first = a.grad.clone()
        h.remove()
        (a * 2).sum().backward()
        b = a * 3
        b.register_hook(lambda g: g * 0.5)
        b.sum().backward()
        return first, a.grad, len(calls)
    e, t = both(run)
    assert_all_same(e, t)


def test_hook_errors():
    assert_same_error(lambda: ember.ones(2).register_hook(lambda g: g),
                      lambda: torch.ones(2).register_hook(lambda g: g))


def test_post_accumulate_grad_hook():
    def run(mod):
        a = leaf(mod, [1.0, 2.0])
        seen = []
        h = a.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
        (a * 2).sum().backward()
        (a * 3).sum().backward()
        h.remove()
        (a * 3).sum().backward()
        return seen, a.grad
    e, t = both(run)
    assert len(e[0]) == len(t[0]) == 2
    assert_all_same(e[0], t[0])
    assert_same(e[1], t[1])


def test_post_accumulate_hook_on_non_leaf_errors():
    def run(mod):
        (leaf(mod, [1.0]) * 2).register_post_accumulate_grad_hook(lambda t: None)
    assert_same_error(lambda: run(ember), lambda: run(torch))


# ---------------------------------------------------------------------- graph walk
def test_diamond_and_shared_subgraphs():
    def run(mod):
        x = leaf(mod, [0.5, 1.5], "float64")
        a = x.exp()
        b = a * x
        c = a / (x + 1)
        d = (b * c + a).sum() + b.sum()
        d.backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


def test_multiple_outputs_of_one_node_partly_used():
    def run(mod):
        class Split(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                return g1 * 2 + g2 * 3

        x = leaf(mod, [1.0, 2.0])
        a, b = Split.apply(x)
        (a.sum() * 2).backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


class Negate(Op):
    """A minimal op (no promotion, no saved tensors): the cheapest link for a long chain."""

    node_name = "NegateBackward0"

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return Negate.apply(grad)


def test_long_chain_has_no_recursion_limit():
    x = ember.tensor([3.0], requires_grad=True)
    y = x
    for _ in range(100_001):
        y = Negate.apply(y)
    (y * 2).sum().backward()
    assert y.tolist() == [-3.0]
    assert x.grad.tolist() == [-2.0]
    del y                      # freeing a 100,000-node graph must not overflow the C stack


def test_threads_have_their_own_grad_mode():
    import threading
    seen = []
    with ember.no_grad():
        th = threading.Thread(target=lambda: seen.append(ember.is_grad_enabled()))
        th.start()
        th.join()
        assert not ember.is_grad_enabled()
    assert seen == [True]


def test_pair_helper_gradients():
    ea, ta = pair([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    ((ea.t() * ea).sum(1).mean()).backward()
    ((ta.t() * ta).sum(1).mean()).backward()
    assert_same(ea.grad, ta.grad)


def test_hooks_run_only_on_needed_branches():
    def run(mod):
        calls = []
        a = leaf(mod, [1.0, 2.0])
        b = leaf(mod, [3.0, 4.0])
        b.register_hook(lambda g: calls.append("b"))
        a.register_hook(lambda g: calls.append("a"))
        (a * b).sum().backward(inputs=[a])
        z = a * 2
        z.register_hook(lambda g: calls.append("z"))
        mod.autograd.grad((z * b).sum(), b)
        return calls, a.grad, b.grad
    e, t = both(run)
    assert e[0] == t[0]
    assert_same(e[1], t[1])
    assert e[2] is None and t[2] is None
