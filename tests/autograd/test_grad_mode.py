"""Grad modes (no_grad, enable_grad, set_grad_enabled, inference_mode) and anomaly mode vs PyTorch."""

import threading
import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error


def both(fn):
    return fn(ember), fn(torch)


def test_context_managers_nest_and_restore():
    def run(mod):
        x = mod.ones(2, requires_grad=True)
        out = []
        with mod.no_grad():
            out.append((mod.is_grad_enabled(), (x * 2).requires_grad))
            with mod.enable_grad():
                out.append((mod.is_grad_enabled(), (x * 2).requires_grad))
            with mod.set_grad_enabled(True):
                out.append(mod.is_grad_enabled())
            out.append(mod.is_grad_enabled())
        with mod.set_grad_enabled(False):
            out.append((mod.is_grad_enabled(), (x * 2).grad_fn))
        out.append(mod.is_grad_enabled())
        mod.set_grad_enabled(False)
        out.append(mod.is_grad_enabled())
        mod.set_grad_enabled(True)
        with mod.inference_mode():
            out.append((mod.is_grad_enabled(), mod.is_inference_mode_enabled(),
                        (x * 2).requires_grad))
        with mod.inference_mode(False):
            out.append(mod.is_inference_mode_enabled())
        out.append((mod.is_grad_enabled(), mod.is_inference_mode_enabled()))
        return out
    e, t = both(run)
    assert e == t


def test_decorators_with_and_without_parentheses():
    def run(mod):
        @mod.no_grad()
        def f(x):
            return (x * 2).requires_grad, mod.is_grad_enabled()

        @mod.no_grad
        def g(x):
            return (x * 2).requires_grad

        @mod.enable_grad()
        def h(x):
            return (x * 2).requires_grad

        @mod.set_grad_enabled(False)
        def k(x):
            return (x * 2).requires_grad

        @mod.inference_mode()
        def m(x):
            return mod.is_inference_mode_enabled()

        @mod.no_grad()
        def gen(x):
            yield mod.is_grad_enabled()
            yield mod.is_grad_enabled()

        x = mod.ones(2, requires_grad=True)
        with mod.no_grad():
            inside = h(x)
        return f(x), g(x), inside, k(x), mod.is_grad_enabled(), m(x), list(gen(x)), \
            mod.is_grad_enabled(), f.__name__
    e, t = both(run)
    assert e == t


def test_grad_mode_is_thread_local():
    def run(mod):
        seen = []
        with mod.no_grad():
            th = threading.Thread(target=lambda: seen.append(mod.is_grad_enabled()))
            th.start()
            th.join()
            seen.append(mod.is_grad_enabled())
        return seen
    e, t = both(run)
    assert e == t == [True, False]


def test_autograd_namespace_exports():
    for name in ("no_grad", "enable_grad", "set_grad_enabled", "inference_mode"):
        assert getattr(ember, name) is getattr(ember.autograd, name)
        assert getattr(ember.autograd.grad_mode, name) is getattr(ember, name)


def test_backward_inside_no_grad_still_works():
    def run(mod):
        x = mod.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        with mod.no_grad():
            y.backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


# ---------------------------------------------------------------------- anomaly mode
def anomaly_enabled(mod):
    # torch.is_anomaly_enabled lives in torch/__init__; Ember's in autograd.anomaly_mode
    return mod.is_anomaly_enabled() if mod is torch else \
        ember.autograd.anomaly_mode.is_anomaly_enabled()


def test_set_detect_anomaly_state():
    def run(mod):
        out = [anomaly_enabled(mod)]
        with mod.autograd.set_detect_anomaly(True):
            out.append(anomaly_enabled(mod))
        out.append(anomaly_enabled(mod))
        mod.autograd.set_detect_anomaly(True)
        out.append(anomaly_enabled(mod))
        mod.autograd.set_detect_anomaly(False)
        out.append(anomaly_enabled(mod))
        return out
    e, t = both(run)
    assert e == t


def nan_run(mod):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            with mod.autograd.detect_anomaly():
                x = mod.tensor([0.0, 1.0], requires_grad=True)
                y = x.sqrt()
                (y * 0).sum().backward()
        except RuntimeError as exc:
            return str(exc), [str(m.message) for m in w]
    return None, []


def test_nan_in_backward_raises_with_forward_trace():
    (emsg, ew), (tmsg, tw) = both(nan_run)
    assert emsg == tmsg == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert ew[0] == tw[0]    # "Anomaly Detection has been enabled..."
    trace = [m for m in ew if m.startswith("Error detected in SqrtBackward0. Traceback of forward "
                                           "call that caused the error:\n")]
    assert len(trace) == 1
    assert "nan_run" in trace[0] and "y = x.sqrt()" in trace[0]
    assert "ember/" not in trace[0].split("y = x.sqrt()")[-1]


def test_nan_in_second_output_index():
    def run(mod):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with mod.autograd.detect_anomaly():
                x = mod.zeros(3, requires_grad=True)
                (x / x).sum().backward()
    assert_same_error(lambda: run(ember), lambda: run(torch))


def test_nan_without_anomaly_mode_passes_through():
    def run(mod):
        x = mod.tensor([0.0, 1.0], requires_grad=True)
        (x.sqrt() * 0).sum().backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


def test_forward_nan_with_finite_backward_is_fine():
    def run(mod):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with mod.autograd.detect_anomaly():
                x = mod.tensor([-1.0, 1.0], requires_grad=True)
                x.log().sum().backward()
        return x.grad
    e, t = both(run)
    assert_same(e, t)


def test_set_grad_enabled_type_error():
    assert ember.set_grad_enabled(True) is not None
    assert np.all(ember.ones(1).numpy() == 1)
    assert_same_error(lambda: ember.autograd.grad(1.0, ember.ones(1)),
                      lambda: torch.autograd.grad(1.0, torch.ones(1)), match_message=False)


@pytest.mark.parametrize("mode", [True, False])
def test_set_grad_enabled_as_context_restores(mode):
    def run(mod):
        prev = mod.is_grad_enabled()
        with mod.set_grad_enabled(mode):
            inside = mod.is_grad_enabled()
        return prev, inside, mod.is_grad_enabled()
    e, t = both(run)
    assert e == t
