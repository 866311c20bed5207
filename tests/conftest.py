"""Shared test helpers: every test compares Ember with real PyTorch (the oracle)."""

import operator
import warnings

import numpy as np
import pytest
import torch

import ember

DTYPE_PAIRS = [(getattr(ember, n), getattr(torch, n)) for n in
               ("float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
                "uint8", "bool", "complex64", "complex128")]


def to_torch_dtype(dt):
    return getattr(torch, dt.name)


def to_ember_dtype(dt):
    return getattr(ember, str(dt).split(".")[-1])


def pair(data, dtype=None, requires_grad=False):
    """The same tensor in Ember and in PyTorch, built from a NumPy array or nested list."""
    arr = np.array(data) if not isinstance(data, np.ndarray) else data
    tt = torch.tensor(arr, dtype=to_torch_dtype(dtype) if dtype is not None else None)
    et = ember.tensor(arr, dtype=dtype if dtype is not None else to_ember_dtype(tt.dtype))
    if requires_grad:
        tt.requires_grad_(True)
        et.requires_grad_(True)
    return et, tt


def to_numpy(t):
    if isinstance(t, torch.Tensor):
        t = t.detach()
        if t.dtype == torch.bfloat16:
            t = t.float()
        return t.numpy()
    t = t.detach()
    if t.dtype is ember.bfloat16:
        return t._data
    return t.numpy()


def assert_same(e, t, rtol=None, atol=None, check_dtype=True, check_stride=False):
    """Ember tensor ``e`` equals PyTorch tensor ``t``: shape, dtype and values (within tolerance)."""
    assert isinstance(e, ember.Tensor), f"expected an Ember tensor, got {type(e)}"
    assert tuple(e.shape) == tuple(t.shape), f"shape {tuple(e.shape)} != {tuple(t.shape)}"
    if check_dtype:
        assert str(e.dtype) == str(t.dtype), f"dtype {e.dtype} != {t.dtype}"
    if check_stride:
        assert e.stride() == t.stride(), f"stride {e.stride()} != {t.stride()}"
    a, b = to_numpy(e), to_numpy(t)
    if rtol is None:
        rtol = {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-5, "complex64": 1e-5}.get(
            str(t.dtype).split(".")[-1], 1e-7)
    if atol is None:
        atol = {"float16": 1e-3, "bfloat16": 1e-2, "float32": 1e-6, "complex64": 1e-6}.get(
            str(t.dtype).split(".")[-1], 1e-9)
    if a.dtype.kind in "fc":
        np.testing.assert_allclose(a.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                                   b.astype(np.complex128 if b.dtype.kind == "c" else np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True)
    else:
        np.testing.assert_array_equal(a, b)


def assert_same_error(fn_ember, fn_torch, match_message=True):
    """Both calls raise; same exception type and (by default) the same message."""
    with pytest.raises(Exception) as te:
        fn_torch()
    with pytest.raises(Exception) as ee:
        fn_ember()
    assert type(ee.value).__name__ == type(te.value).__name__ or \
        isinstance(ee.value, type(te.value)), f"{type(ee.value)} != {type(te.value)}: {ee.value}"
    if match_message:
        assert str(ee.value) == str(te.value), f"\nember: {ee.value}\ntorch: {te.value}"


def describe_expr(m, expr, env=None):
    """What evaluating ``expr`` with ``m`` bound to torch or ember gives, in comparable form."""
    scope = {"m": m, "np": np, "operator": operator}
    scope.update(env or {})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = eval(expr, scope)
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc).__name__, str(exc))
    if isinstance(r, (torch.Tensor, ember.Tensor)):
        return ("tensor", tuple(r.shape), str(r.dtype), r.requires_grad, r.stride(), to_numpy(r))
    return ("value", repr(r))


def check_expr(expr, env_torch=None, env_ember=None, rtol=1e-6):
    t = describe_expr(torch, expr, env_torch)
    e = describe_expr(ember, expr, env_ember)
    assert e[:-1] == t[:-1], f"\nember: {e}\ntorch: {t}"
    if t[0] == "tensor":
        a, b = e[-1], t[-1]
        if a.dtype.kind in "fc":
            np.testing.assert_allclose(a, b, rtol=rtol, atol=0, equal_nan=True)
        else:
            np.testing.assert_array_equal(a, b)
    else:
        assert e[-1] == t[-1], f"\nember: {e}\ntorch: {t}"


@pytest.fixture(autouse=True)
def _seed():
    np.random.seed(0)
    torch.manual_seed(0)
    yield
