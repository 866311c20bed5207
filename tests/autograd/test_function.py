"""``autograd.Function`` for user code and the graph nodes it makes, compared with PyTorch."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error


def both(fn):
    """Run ``fn(module)`` with Ember and with PyTorch."""
    return fn(ember), fn(torch)


def leaf(mod, data, dtype="float32"):
    return mod.tensor(np.array(data), dtype=getattr(mod, dtype), requires_grad=True)


def make_scale(mod):
    class Scale(mod.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(x)
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return g * ctx.k, None
    return Scale


def test_custom_function_gradient_name_and_edges():
    def run(mod):
        Scale = make_scale(mod)
        x = leaf(mod, [1.0, 2.0, 3.0])
        y = Scale.apply(x, 2.5)
        fn = y.grad_fn
        edges = [(type(n).__name__ if n is not None else None, nr) for n, nr in fn.next_functions]
        (y * y).sum().backward()
        return (fn.name(), type(fn).__name__, edges, fn.needs_input_grad, fn.k, x.grad,
                fn.next_functions[0][0].variable is x)
    e, t = both(run)
    assert e[:5] == t[:5]
    assert e[0] == "ScaleBackward"
    assert_same(e[5], t[5])
    assert e[6] and t[6]


def test_tensor_args_only_become_edges():
    def run(mod):
        Scale = make_scale(mod)
        x = leaf(mod, [1.0, 2.0])

        class Mix(mod.autograd.Function):
            @staticmethod
            def forward(ctx, a, k, b):
                return a * k + b

            @staticmethod
            def backward(ctx, g):
                return g, None, g * 2

        y = Mix.apply(Scale.apply(x, 2.0), 3, mod.ones(2))
        return [(None if n is None else n.name(), nr) for n, nr in y.grad_fn.next_functions], \
            y.grad_fn.needs_input_grad
    e, t = both(run)
    assert e == t


def test_setup_context_style_and_vjp_alias():
    def run(mod):
        class Cube(mod.autograd.Function):
            @staticmethod
            def forward(x):
                return x ** 3

            @staticmethod
            def setup_context(ctx, inputs, output):
                (x,) = inputs
                ctx.save_for_backward(x, output)

            @staticmethod
            def vjp(ctx, g):
                x, out = ctx.saved_tensors
                return g * 3 * out / x

        x = leaf(mod, [1.0, 2.0], "float64")
        Cube.apply(x).sum().backward()
        return x.grad, Cube.apply(x).grad_fn.name()
    e, t = both(run)
    assert_same(e[0], t[0])
    assert e[1] == t[1] == "CubeBackward"


def test_mark_dirty_and_non_differentiable():
    def run(mod):
        class AddOneInplace(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                x.add_(1)
                ctx.mark_dirty(x)
                return x

            @staticmethod
            def backward(ctx, g):
                return g

        class SortWithIdx(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                idx = (x > 1).to(x.dtype)
                ctx.mark_non_differentiable(idx)
                return x * 2, idx

            @staticmethod
            def backward(ctx, g, gidx):
                assert gidx is None or float(gidx.abs().sum()) == 0
                return g * 2

        x = leaf(mod, [1.0, 2.0])
        y = x * 1
        z = AddOneInplace.apply(y)
        same = z is y
        ver = y._version
        a, b = SortWithIdx.apply(x)
        (z.sum() + a.sum()).backward()
        return same, ver, z.grad_fn.name(), b.requires_grad, a.requires_grad, x.grad
    e, t = both(run)
    assert e[:5] == t[:5]
    assert_same(e[5], t[5])


def test_returning_an_input_gives_a_new_tensor():
    def run(mod):
        class Ident(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x

            @staticmethod
            def backward(ctx, g):
                return g * 3

        x = leaf(mod, [1.0, 2.0])
        y = Ident.apply(x)
        y.sum().backward()
        return y is x, y.grad_fn.name(), x.grad
    e, t = both(run)
    assert e[:2] == t[:2]
    assert_same(e[2], t[2])


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads(materialize):
    def run(mod):
        class Two(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                return x * 2, x * 3

            @staticmethod
            def backward(ctx, g1, g2):
                seen.append(g2 is None)
                return g1 * 2 if g2 is None else g1 * 2 + g2 * 3

        seen = []
        x = leaf(mod, [1.0, 2.0])
        a, _ = Two.apply(x)
        a.sum().backward()
        return seen, x.grad
    e, t = both(run)
    assert e[0] == t[0] == [not materialize]
    assert_same(e[1], t[1])


def test_once_differentiable_blocks_double_backward():
    def run(mod):
        class Sq(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            @mod.autograd.function.once_differentiable
            def backward(ctx, g):
                (x,) = ctx.saved_tensors
                return 2 * x * g

        x = leaf(mod, [1.0, 2.0])
        (g,) = mod.autograd.grad(Sq.apply(x).sum(), x, create_graph=True)
        first = g.detach().clone()
        try:
            g.sum().backward()
            err = None
        except RuntimeError as exc:
            err = str(exc)
        return first, err
    e, t = both(run)
    assert_same(e[0], t[0])
    assert e[1] == t[1]


@pytest.mark.parametrize("case", ["too_few", "grad_for_non_tensor", "bad_shape", "save_int"])
def test_function_errors_match_torch(case):
    def run(mod):
        class F(mod.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                if case == "save_int":
                    ctx.save_for_backward(3)
                return x * k

            @staticmethod
            def backward(ctx, g):
                if case == "too_few":
                    return g
                if case == "grad_for_non_tensor":
                    return g, g
                return g.sum(0, keepdim=True), None

        x = leaf(mod, [1.0, 2.0])
        F.apply(x, 2.0).sum().backward()
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_saved_tensors_after_backward_error():
    def run(mod):
        Scale = make_scale(mod)
        x = leaf(mod, [1.0, 2.0])
        y = Scale.apply(x, 2.0)
        y.sum().backward()
        return y.grad_fn.saved_tensors
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_node_hooks_order_and_replacement():
    def run(mod):
        order = []
        x = leaf(mod, [1.0, 2.0])
        z = x * 1
        w = z * 2
        z.grad_fn.register_prehook(lambda go: order.append("node_pre"))
        z.grad_fn.register_hook(lambda gi, go: order.append("node_post") or (gi[0] * 10, None))
        h = z.register_hook(lambda g: order.append("tensor") or g + 1)
        z.retain_grad()
        w.sum().backward(retain_graph=True)
        first = (x.grad.clone(), z.grad.clone())
        h.remove()
        w.sum().backward()
        return order, first, x.grad
    e, t = both(run)
    assert e[0] == t[0]
    for a, b in zip(e[1], t[1]):
        assert_same(a, b)
    assert_same(e[2], t[2])


def test_metadata_and_sequence_nr():
    x = ember.ones(2, requires_grad=True)
    a = x * 2
    b = a + 1
    a.grad_fn.metadata["tag"] = 1
    assert a.grad_fn.metadata == {"tag": 1}
    assert b.grad_fn._sequence_nr() > a.grad_fn._sequence_nr()
    assert repr(a.grad_fn).startswith("<MulBackward0 object at 0x")


def test_legacy_call_raises():
    def run(mod):
        Scale = make_scale(mod)
        Scale()(mod.ones(1))
    with pytest.raises(RuntimeError):
        run(ember)
