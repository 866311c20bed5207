"""Invariants the speed work relies on (checked structurally, never by timing).

* a float32 training step creates no float64 array (no silent double-precision detours);
* nothing is recorded under ``no_grad`` (no ``Node`` objects, ``grad_fn`` None);
* optimizer steps update parameters in place (the same arrays before and after);
* matmul / linear on contiguous float32 inputs allocate only their output (no copies).
"""

import gc
import tracemalloc

import numpy as np
import pytest

import ember
from ember import nn
from ember.autograd.function import Node


def _mlp():
    ember.manual_seed(0)
    return nn.Sequential(nn.Linear(20, 16), nn.ReLU(), nn.Linear(16, 5))


def _cnn():
    ember.manual_seed(0)
    return nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                         nn.Linear(4 * 3 * 3, 5))


def _data(kind):
    rng = np.random.default_rng(0)
    shape = (8, 20) if kind == "mlp" else (8, 1, 8, 8)
    x = ember.tensor(rng.standard_normal(shape).astype(np.float32))
    y = ember.tensor(rng.integers(0, 5, 8))
    return x, y


class _DtypeRecorder:
    """Wraps ``Tensor._make`` (every op's output and gradient goes through it)."""

    def __init__(self, monkeypatch):
        self.dtypes = []
        orig = ember.Tensor._make

        def make(arr, dtype=None, device=None):
            t = orig(arr, dtype, device)
            self.dtypes.append(t._data.dtype)
            return t
        monkeypatch.setattr(ember.Tensor, "_make", staticmethod(make))


def _walk_graph(root):
    """Every node reachable from ``root.grad_fn``."""
    seen, stack = set(), [root.grad_fn]
    while stack:
        n = stack.pop()
        if n is None or n in seen:
            continue
        seen.add(n)
        stack.extend(f for f, _ in n.next_functions)
    return seen


@pytest.mark.parametrize("kind,opt", [("mlp", "SGD"), ("mlp", "Adam"), ("cnn", "Adam"),
                                      ("cnn", "AdamW")])
def test_float32_training_step_creates_no_float64(monkeypatch, kind, opt):
    model = _mlp() if kind == "mlp" else _cnn()
    kw = {"momentum": 0.9} if opt == "SGD" else {}
    optimizer = getattr(ember.optim, opt)(model.parameters(), lr=0.01, **kw)
    x, y = _data(kind)
    rec = _DtypeRecorder(monkeypatch)
    for _ in range(2):     # the second step also exercises existing optimizer state
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        # saved tensors of every node stay float32 (the int64 targets are the only non-float)
        for node in _walk_graph(loss):
            for s in node._saved or ():
                if s is not None:
                    dt = s.tensor._dtype if s.tensor is not None else s.dtype
                    assert dt in (ember.float32, ember.int64), (node.name(), dt)
        loss.backward()
        optimizer.step()
    assert rec.dtypes, "the recorder saw no tensors"
    assert np.dtype(np.float64) not in rec.dtypes
    assert loss.dtype == ember.float32
    for p in model.parameters():
        assert p.dtype == ember.float32 and p.grad.dtype == ember.float32
    for st in optimizer.state.values():
        for v in st.values():
            if isinstance(v, ember.Tensor) and v.is_floating_point() and v.dim() > 0:
                assert v.dtype == ember.float32


def _live_nodes():
    gc.collect()
    return sum(1 for o in gc.get_objects() if issubclass(type(o), Node))


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_no_graph_under_no_grad(kind):
    model = _mlp() if kind == "mlp" else _cnn()
    x, _ = _data(kind)
    a = ember.ones(32, requires_grad=True)
    before = _live_nodes()
    with ember.no_grad():
        out = model(x)
        chain = (a * a + a).sum() * 2.0 - a.mean()
        fast = a + a, a * 3.0, a / 2, a - a
    assert out.grad_fn is None and not out.requires_grad
    assert chain.grad_fn is None and not chain.requires_grad
    assert all(t.grad_fn is None and not t.requires_grad for t in fast)
    assert _live_nodes() == before
    del out, chain, fast


def test_graph_still_recorded_by_fast_operators():
    a = ember.ones(4, requires_grad=True)
    b = ember.ones(4)
    names = [(a + b).grad_fn.name(), (a - b).grad_fn.name(), (a * b).grad_fn.name(),
             (a / b).grad_fn.name(), (a * 2.0).grad_fn.name(), (a + 1).grad_fn.name()]
    assert names == ["AddBackward0", "SubBackward0", "MulBackward0", "DivBackward0",
                     "MulBackward0", "AddBackward0"]


@pytest.mark.parametrize("opt,kw", [("SGD", {}), ("SGD", {"momentum": 0.9, "nesterov": True}),
                                    ("Adam", {}), ("AdamW", {"weight_decay": 0.1}),
                                    ("RMSprop", {})])
def test_optimizer_updates_parameters_in_place(opt, kw):
    model = _mlp()
    optimizer = getattr(ember.optim, opt)(model.parameters(), lr=0.01, **kw)
    x, y = _data("mlp")
    params = list(model.parameters())
    arrays = [p._data for p in params]
    values = [a.copy() for a in arrays]
    for _ in range(2):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    assert all(p._data is a for p, a in zip(params, arrays))
    assert any(not np.array_equal(a, v) for a, v in zip(arrays, values))


def _peak_bytes(fn):
    fn()    # warm-up: caches, lazy imports
    tracemalloc.start()
    try:
        r = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return r, peak


@pytest.mark.parametrize("case", ["matmul", "mm_transposed", "linear", "batched"])
def test_matmul_adds_no_copy_for_contiguous_float32(case):
    g = ember.Generator().manual_seed(0)
    a = ember.randn(256, 256, generator=g)
    b = ember.randn(256, 256, generator=g)
    bias = ember.randn(256, generator=g)
    x3 = ember.randn(4, 64, 256, generator=g)
    fn = {"matmul": lambda: a @ b, "mm_transposed": lambda: ember.mm(a.t(), b),
          "linear": lambda: nn.functional.linear(a, b, bias),
          "batched": lambda: x3 @ b}[case]
    r, peak = _peak_bytes(fn)
    assert r.dtype == ember.float32
    # an input copy would add a whole 256 KiB (or 256 KiB for x3) on top of the output
    assert peak < r._data.nbytes + 128 * 1024, (peak, r._data.nbytes)


def test_first_gradients_are_stored_without_a_copy(monkeypatch):
    """Leaf gradients of an MLP (weights behind ``.t()``, biases behind a broadcast) are stolen,
    not cloned: the weight gradient is computed column-major as PyTorch's mm backward does."""
    from ember.ops import shape
    copies = []
    orig = shape.Clone.forward

    def counting(ctx, x, *a, **k):
        copies.append(x.shape)
        return orig(ctx, x, *a, **k)
    monkeypatch.setattr(shape.Clone, "forward", staticmethod(counting))
    model = _mlp()
    x, y = _data("mlp")
    nn.functional.cross_entropy(model(x), y).backward()
    assert copies == []
    for p in model.parameters():
        assert p.grad._data.flags.c_contiguous and p.grad.shape == p.shape


def test_fast_paths_agree_with_torch():
    import torch
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 5)).astype(np.float32)
    y = rng.standard_normal((4, 5)).astype(np.float32)
    for lib in (ember, torch):
        a, b = lib.tensor(x), lib.tensor(y)
        res = [a.sum(), a[:, ::2].sum(), a.transpose(0, 2).sum(), a + b, a - b, a * b, a / b,
               a * 2.5, a + 1, a / 0, a - 3]
        if lib is ember:
            got = res
        else:
            want = res
    for g, w in zip(got, want):
        assert g.dtype == ember.float32 and tuple(g.shape) == tuple(w.shape)
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)
    d = ember.tensor([1.0, 2.0], dtype=ember.float64)
    assert (d * d).dtype == ember.float64 and d.sum().dtype == ember.float64
    i = ember.tensor([1, 2])
    assert (i / i).dtype == ember.float32 and (i * i).dtype == ember.int64
    assert i.sum().dtype == ember.int64


@pytest.mark.parametrize("opt,kw,limit", [("SGD", {"momentum": 0.9}, 1.1), ("Adam", {}, 2.1),
                                          ("AdamW", {}, 2.1)])
def test_optimizer_step_temporaries(opt, kw, limit):
    """An optimizer step allocates at most ``limit`` parameter-sized temporaries: updates are
    written into parameters and state in place, not computed out of place and copied back."""
    p = nn.Parameter(ember.randn(256, 256))
    optimizer = getattr(ember.optim, opt)([p], lr=0.01, **kw)
    p.grad = ember.randn(256, 256)
    optimizer.step()       # creates the state
    _, peak = _peak_bytes(optimizer.step)
    assert peak < limit * p._data.nbytes, peak / p._data.nbytes
