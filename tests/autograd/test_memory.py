"""Memory: saved arrays are freed by backward, no reference cycles, flat memory in a training loop."""

import gc
import tracemalloc
import weakref

import numpy as np

import ember


def step(w, b, x, target, lr=0.01):
    """One SGD step on a least-squares loss."""
    loss = ((x * w - target) ** 2).mean()
    loss.backward()
    with ember.no_grad():
        w.sub_(w.grad, alpha=lr)
    w.grad = None
    return loss


def make_params():
    rng = np.random.default_rng(0)
    w = ember.tensor(rng.normal(size=(8, 16)).astype(np.float32), requires_grad=True)
    b = ember.tensor(rng.normal(size=(16,)).astype(np.float32), requires_grad=True)
    x = ember.tensor(rng.normal(size=(8, 16)).astype(np.float32))
    t = ember.tensor(rng.normal(size=(8, 16)).astype(np.float32))
    return w, b, x, t


def test_backward_frees_saved_arrays_without_gc():
    gc.disable()
    try:
        a = ember.ones(4, requires_grad=True)
        h = a * 3
        y = h.exp()                   # ExpBackward0 saves its output's array
        z = (y * h).sum()             # MulBackward0 saves y and h
        saved = y.grad_fn._saved[0].array
        ref = weakref.ref(saved)
        del saved
        node_ref = weakref.ref(y.grad_fn)
        z.backward()
        assert y.grad_fn._saved is not None and not isinstance(y.grad_fn._saved, list)
        del y, z, h
        assert node_ref() is None, "graph nodes must die by reference counting"
        assert ref() is None, "saved arrays must be freed without the cycle collector"
    finally:
        gc.enable()


def test_retain_graph_keeps_saved_then_frees():
    a = ember.ones(3, requires_grad=True)
    y = (a * a).exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(a.grad.numpy(), 2 * 2 * np.exp(1.0) * np.ones(3), rtol=1e-6)


def test_training_loop_makes_no_reference_cycles():
    w, b, x, t = make_params()
    gc.collect()
    gc.disable()
    try:
        for _ in range(200):
            step(w, b, x, t)
        found = gc.collect()
    finally:
        gc.enable()
    assert found == 0, f"{found} objects were only collectable by the cycle collector"


def test_training_loop_memory_stays_flat():
    w, b, x, t = make_params()
    for _ in range(50):
        step(w, b, x, t)
    gc.collect()
    tracemalloc.start()
    try:
        for _ in range(100):
            step(w, b, x, t)
        gc.collect()
        start, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            loss = step(w, b, x, t)
        del loss
        gc.collect()
        end, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # one iteration's graph holds ~10 KB of arrays: growth must stay far below one per step
    assert end - start < 20_000, f"memory grew by {end - start} bytes over 1000 steps"
    assert w.grad is None and w.grad_fn is None
