"""repr/str of tensors compared character by character with PyTorch's."""

import math

import numpy as np
import pytest
import torch

import ember
from ember import _printing
from ember._printing import parameter_repr, tensor_repr

INF, NAN = math.inf, math.nan


@pytest.fixture(autouse=True)
def _restore_print_state():
    """Every test starts from and leaves behind the default options and default dtype."""
    ember.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    yield
    ember.set_printoptions(profile="default")
    torch.set_printoptions(profile="default")
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


def build(data, dtype):
    """The same tensor in both libraries; PyTorch's copy is made from Ember's stored values.

    Building the torch tensor from Ember's array means both hold identical values even
    for float16 and bfloat16, so a mismatch can only come from the printer.
    """
    arr = np.asarray(data)
    if dtype in ("float16", "bfloat16"):
        arr = arr.astype(np.float32)
    e = ember.tensor(arr, dtype=getattr(ember, dtype))
    t = torch.from_numpy(np.array(e._data, copy=True)).to(getattr(torch, dtype))
    return e, t


def check(e, t):
    assert repr(e) == repr(t), f"\nember:\n{e!r}\ntorch:\n{t!r}"
    assert str(e) == str(t)
    assert tensor_repr(e) == repr(t)


def rng(seed):
    return np.random.RandomState(seed)


# ----------------------------------------------------------------- float values
FLOAT_CASES = {
    "randn_1d": lambda: rng(1).randn(5),
    "randn_2d": lambda: rng(2).randn(3, 4),
    "randn_3d": lambda: rng(3).randn(2, 3, 4),
    "randn_4d": lambda: rng(4).randn(2, 2, 3, 2),
    "randn_5d": lambda: rng(5).randn(2, 1, 2, 1, 2),
    "tiny": lambda: rng(6).randn(4) * 1e-6,
    "tiny_1e-45": lambda: np.array([1e-40, -3e-39, 2e-38]),
    "huge": lambda: rng(7).randn(2, 3) * 1e12,
    "huge_1e30": lambda: np.array([1e30, -2.5e35, 7e37]),
    "mixed_magnitudes": lambda: np.array([1e-3, 1.0, 1e4, -5e2]),
    "ratio_1000": lambda: np.array([1.0, 1000.0, 2.5]),
    "ratio_above_1000": lambda: np.array([1.0, 1000.5]),
    "max_1e8": lambda: np.array([1e8, 1.5]),
    "max_above_1e8": lambda: np.array([1.0e8 + 16, 1.5e8 + 0.5]),
    "min_1e-4": lambda: np.array([1e-4, 2e-4]),
    "min_below_1e-4": lambda: np.array([9.99e-5, 2e-4]),
    "integers": lambda: np.array([1.0, 2.0, -3.0, 0.0]),
    "integers_big": lambda: np.array([100000.0, 2.0, -7.0]),
    "integers_above_1e8": lambda: np.array([1e9, 2.0, -3.0]),
    "integers_2d": lambda: np.arange(12.0).reshape(3, 4) - 5,
    "zeros": lambda: np.zeros((3, 3)),
    "neg_zero": lambda: np.array([-0.0, 0.0, -0.0]),
    "neg_zero_fraction": lambda: np.array([-0.0, 1.5, 0.25]),
    "neg_zero_sci": lambda: np.array([-0.0, 1e-7, 1.0]),
    "nan_inf": lambda: np.array([NAN, 1.0, INF, -INF]),
    "nan_inf_fraction": lambda: np.array([NAN, 1.5, -INF, 2.25]),
    "nan_inf_sci": lambda: np.array([NAN, 1e-9, INF, 5.0]),
    "only_nan": lambda: np.array([NAN, NAN]),
    "only_inf": lambda: np.array([INF, -INF, 0.0]),
    "rounding_up": lambda: np.array([0.99995, 9.99996, 0.00015]),
    "rounding_sci_exponent": lambda: np.array([9.99996e-5, 1.0]),
    "half_even": lambda: np.array([0.00005, 0.00015, 0.00025, 1.0]),
    "wrap_row": lambda: rng(8).randn(40),
    "wrap_row_ints": lambda: np.arange(100.0),
    "wrap_matrix": lambda: rng(9).randn(3, 30),
    "wrap_3d": lambda: rng(10).randn(2, 2, 25) * 100,
    "wrap_sci": lambda: rng(11).randn(20) * 1e-8,
    "summarized_1d": lambda: rng(12).randn(1001),
    "summarized_2d": lambda: rng(13).randn(40, 40),
    "summarized_3d": lambda: rng(14).randn(11, 11, 11),
    "summarized_4d": lambda: rng(15).randn(6, 7, 5, 6),
    "summarized_short_rows": lambda: rng(16).randn(1001, 1),
    "summarized_long_rows": lambda: rng(17).randn(2, 1000),
    "summarized_hidden_outlier": lambda: np.concatenate([np.ones(500), [1e-9], np.ones(500)]),
    "exactly_threshold": lambda: rng(18).randn(1000),
    "column": lambda: rng(19).randn(4, 1),
    "single": lambda: np.array([3.25]),
}


@pytest.mark.parametrize("name", list(FLOAT_CASES))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_float_values(name, dtype):
    check(*build(FLOAT_CASES[name](), dtype))


@pytest.mark.parametrize("name", ["randn_2d", "tiny", "integers", "nan_inf", "neg_zero",
                                  "mixed_magnitudes", "wrap_row", "summarized_2d", "single"])
@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_values(name, dtype):
    check(*build(FLOAT_CASES[name](), dtype))


def test_float16_limits():
    check(*build([65504.0, -65504.0, 6e-8, INF], "float16"))


# ----------------------------------------------------------------- 0-dim
@pytest.mark.parametrize("value,dtype", [
    (3.5, "float32"), (2.0, "float32"), (-0.0, "float32"), (NAN, "float32"), (-INF, "float64"),
    (1e-10, "float32"), (123456789.0, "float64"), (0.1, "float64"), (1.0, "float16"),
    (3.140625, "bfloat16"), (5, "int64"), (-7, "int32"), (200, "uint8"), (True, "bool"),
    (False, "bool"), (1 + 2j, "complex64"), (-1.5 - 0.25j, "complex128"), (0j, "complex64"),
])
def test_zero_dim(value, dtype):
    check(*build(np.array(value), dtype))


# ----------------------------------------------------------------- integer, bool, complex
INT_CASES = {
    "small": lambda: np.array([1, 2, 3]),
    "negative": lambda: np.array([-1, 20, -300]),
    "matrix": lambda: rng(20).randint(-50, 50, size=(4, 5)),
    "3d": lambda: rng(21).randint(0, 9, size=(2, 3, 4)),
    "wrap": lambda: rng(22).randint(-1000, 1000, size=60),
    "summarized": lambda: np.arange(2000),
    "summarized_2d": lambda: rng(23).randint(0, 100, size=(50, 50)),
    "zeros": lambda: np.zeros(4, dtype=np.int64),
}


@pytest.mark.parametrize("name", list(INT_CASES))
@pytest.mark.parametrize("dtype", ["int64", "int32", "int16", "int8", "uint8"])
def test_integer_values(name, dtype):
    data = INT_CASES[name]()
    info = np.iinfo(getattr(np, dtype))
    data = np.clip(data, info.min, info.max)
    check(*build(data, dtype))


@pytest.mark.parametrize("data,dtype", [
    ([2 ** 62, -(2 ** 63)], "int64"), ([2 ** 31 - 1, -(2 ** 31)], "int32"),
    ([255, 0, 17], "uint8"), ([-128, 127], "int8"),
])
def test_integer_extremes(data, dtype):
    check(*build(np.array(data), dtype))


@pytest.mark.parametrize("data", [
    [True, False, True], [True, True], [[False, True], [True, True]], [False] * 1200,
    (np.arange(50) % 3 == 0).tolist(),
])
def test_bool_values(data):
    check(*build(np.array(data), "bool"))


COMPLEX_CASES = {
    "simple": lambda: np.array([1 + 2j, -3.5 + 0j, 0.25 - 1j]),
    "neg_zero_imag": lambda: np.array([complex(1.0, -0.0), complex(-0.0, 0.0)]),
    "integers": lambda: np.array([1 + 1j, 2 - 3j]),
    "random": lambda: rng(24).randn(3, 4) + 1j * rng(25).randn(3, 4),
    "sci_imag": lambda: np.array([1 + 1e-6j, 2 + 3e5j]),
    "sci_real_only": lambda: np.array([1e-8 + 1j, 2 + 3j]),
    "nan_inf": lambda: np.array([complex(NAN, 1.0), complex(1.0, INF), complex(-INF, -NAN)]),
    "wrap": lambda: rng(26).randn(20) + 1j * rng(27).randn(20),
    "summarized": lambda: rng(28).randn(1200) - 1j * rng(29).randn(1200),
    "summarized_2d": lambda: (rng(30).randn(40, 30) + 1j) * 100,
}


@pytest.mark.parametrize("name", list(COMPLEX_CASES))
@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
def test_complex_values(name, dtype):
    check(*build(COMPLEX_CASES[name](), dtype))


# ----------------------------------------------------------------- empty tensors
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 4), (3, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32",
                                   "uint8", "bool", "complex64", "complex128"])
def test_empty(shape, dtype):
    check(*build(np.zeros(shape), dtype))


# ----------------------------------------------------------------- dtype suffixes
ALL_DTYPES = ["float32", "float64", "float16", "bfloat16", "int8", "int16", "int32", "int64",
              "uint8", "bool", "complex64", "complex128"]


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_every_dtype(dtype):
    data = rng(31).randn(2, 3) * 4
    if dtype.startswith("complex"):
        data = data + 1j * rng(32).randn(2, 3)
    elif dtype == "uint8":
        data = np.abs(data)
    elif dtype == "bool":
        data = data > 0
    if dtype.startswith(("int", "uint")):
        data = data.astype(np.int64)
    check(*build(data, dtype))


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_default_dtype_float64(dtype):
    ember.set_default_dtype(ember.float64)
    torch.set_default_dtype(torch.float64)
    data = np.array([[1.5, 2.0], [3.0, 4.25]])
    if dtype.startswith("complex"):
        data = data + 1j
    elif dtype == "bool":
        data = data > 2
    check(*build(data, dtype))
    check(*build(np.zeros((0, 2)), dtype))


@pytest.mark.parametrize("n", [9, 10, 11, 12, 13])
def test_dtype_suffix_wraps_to_new_line(n):
    # rows long enough that ", dtype=torch.float64" no longer fits on the last line
    check(*build(rng(33).randn(n) * 10, "float64"))
    check(*build(rng(34).randn(2, n) * 10, "float16"))


# ----------------------------------------------------------------- autograd suffixes
@pytest.mark.parametrize("name", ["randn_1d", "randn_2d", "wrap_row", "summarized_2d", "single"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_requires_grad_leaf(name, dtype):
    e, t = build(FLOAT_CASES[name](), dtype)
    e.requires_grad_(True)
    t.requires_grad_(True)
    check(e, t)


def test_requires_grad_zero_dim_and_complex():
    e, t = build(np.array(2.5), "float32")
    check(e.requires_grad_(), t.requires_grad_())
    e, t = build(np.array([1 + 1j, 2 - 1j]), "complex64")
    check(e.requires_grad_(), t.requires_grad_())


GRAD_FN_OPS = {
    "mul": lambda x: x * 2,
    "add": lambda x: x + 1,
    "sub": lambda x: x - x,
    "div": lambda x: x / 3,
    "neg": lambda x: -x,
    "exp": lambda x: x.exp(),
    "tanh": lambda x: x.tanh(),
    "sum": lambda x: x.sum(),
    "mean": lambda x: x.mean(),
}


@pytest.mark.parametrize("op", list(GRAD_FN_OPS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_grad_fn(op, dtype):
    e, t = build(rng(35).randn(3, 4), dtype)
    e.requires_grad_(True)
    t.requires_grad_(True)
    ey, ty = GRAD_FN_OPS[op](e), GRAD_FN_OPS[op](t)
    assert type(ey.grad_fn).__name__ == type(ty.grad_fn).__name__
    check(ey, ty)


@pytest.mark.parametrize("n", [8, 10, 12, 14])
def test_grad_fn_suffix_wraps(n):
    e, t = build(rng(36).randn(n) * 100, "float64")
    check(e.requires_grad_() * 2, t.requires_grad_() * 2)


def test_detached_and_no_grad_results_have_no_suffix():
    e, t = build([1.0, 2.0], "float32")
    e.requires_grad_()
    t.requires_grad_()
    check(e.detach(), t.detach())
    with ember.no_grad(), torch.no_grad():
        check(e * 2, t * 2)


# ----------------------------------------------------------------- print options
def test_get_printoptions_matches_torch():
    assert ember._printing.get_printoptions() == torch._tensor_str.get_printoptions()
    for kwargs in [dict(precision=2), dict(threshold=10, sci_mode=True), dict(profile="full"),
                   dict(profile="short", linewidth=120), dict(profile="default")]:
        ember.set_printoptions(**kwargs)
        torch.set_printoptions(**kwargs)
        assert ember._printing.get_printoptions() == torch._tensor_str.get_printoptions()


OPTION_SETS = [
    dict(precision=2),
    dict(precision=8),
    dict(precision=0),
    dict(precision=1, sci_mode=True),
    dict(threshold=5),
    dict(threshold=5, edgeitems=1),
    dict(threshold=5, edgeitems=0),
    dict(threshold=20, edgeitems=5),
    dict(linewidth=40),
    dict(linewidth=120),
    dict(linewidth=10),
    dict(sci_mode=True),
    dict(sci_mode=False),
    dict(profile="short"),
    dict(profile="full"),
    dict(profile="short", precision=6),
    dict(profile="nonexistent"),
]
OPTION_DATA = {
    "float": lambda: (rng(37).randn(8), "float32"),
    "float_2d": lambda: (rng(38).randn(7, 9) * 50, "float64"),
    "float_3d": lambda: (rng(39).randn(3, 4, 5), "float32"),
    "float_ints": lambda: (np.arange(-5.0, 30.0), "float32"),
    "tiny": lambda: (rng(40).randn(6) * 1e-6, "float32"),
    "nan_inf": lambda: (np.array([NAN, 1.5, INF, -2.0]), "float32"),
    "int": lambda: (np.arange(25).reshape(5, 5), "int64"),
    "complex": lambda: (rng(41).randn(9) + 1j * rng(42).randn(9), "complex64"),
    "big": lambda: (rng(43).randn(2000), "float32"),
    "scalar": lambda: (np.array(3.14159265), "float64"),
}


@pytest.mark.parametrize("opts", OPTION_SETS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
@pytest.mark.parametrize("name", list(OPTION_DATA))
def test_set_printoptions(opts, name):
    ember.set_printoptions(**opts)
    torch.set_printoptions(**opts)
    data, dtype = OPTION_DATA[name]()
    check(*build(data, dtype))


def test_edgeitems_zero_with_grad_and_dtype():
    ember.set_printoptions(threshold=3, edgeitems=0)
    torch.set_printoptions(threshold=3, edgeitems=0)
    e, t = build(rng(44).randn(4, 5), "float64")
    check(e.requires_grad_(), t.requires_grad_())


def test_threshold_full_profile_large():
    ember.set_printoptions(profile="full")
    torch.set_printoptions(profile="full")
    check(*build(rng(45).randn(60, 30), "float32"))


def test_printoptions_context_manager_restores():
    before = ember._printing.get_printoptions()
    with _printing.printoptions(precision=1, linewidth=30):
        with torch._tensor_str.printoptions(precision=1, linewidth=30):
            check(*build(rng(46).randn(10), "float32"))
    assert ember._printing.get_printoptions() == before


# ----------------------------------------------------------------- views and layouts
def test_non_contiguous_views():
    e, t = build(rng(47).randn(4, 6), "float32")
    check(e.t(), t.t())
    check(e.permute(1, 0), t.permute(1, 0))
    check(e.reshape(2, 12), t.reshape(2, 12))


# ----------------------------------------------------------------- device and parameters
def test_device_suffix_when_not_default(monkeypatch):
    # with CUDA as the default device a CPU tensor names its device, as a CUDA
    # tensor does under the usual CPU default
    monkeypatch.setattr(torch._C, "_get_default_device", lambda: "cuda")
    monkeypatch.setattr(ember._device, "get_default_device", lambda: ember.device("cuda"),
                        raising=False)
    for data, dtype in [([1.0, 2.0], "float32"), (rng(48).randn(12) * 100, "float64"),
                        (np.zeros((0, 2)), "int32")]:
        check(*build(data, dtype))
    e, t = build([1.5, 2.5], "float32")
    check(e.requires_grad_() * 2, t.requires_grad_() * 2)


def test_parameter_repr():
    e, t = build(rng(49).randn(3, 4), "float32")
    e.requires_grad_()
    assert parameter_repr(e) == repr(torch.nn.Parameter(t))
    e, t = build(rng(50).randn(2), "float64")
    e.requires_grad_()
    assert parameter_repr(e) == repr(torch.nn.Parameter(t))


def test_tensor_contents_override():
    e, t = build([1.0, 2.0], "float64")
    assert tensor_repr(e, tensor_contents="[...]") == t.__repr__(tensor_contents="[...]")


def _as_subclass(e, cls):
    """``e``'s data and autograd fields in an instance of the Tensor subclass ``cls``."""
    out = object.__new__(cls)
    for slot in ember.Tensor.__slots__:
        if slot != "__weakref__":
            setattr(out, slot, getattr(e, slot))
    return out


def test_subclass_prefix_and_parameter_subclass():
    class MyTensor(ember.Tensor):
        pass

    class TorchMyTensor(torch.Tensor):
        pass

    # stand-in for ember.nn.Parameter (the nn package marks it by name and module)
    EmberParameter = type("Parameter", (ember.Tensor,), {"__module__": "ember.nn.parameter"})

    class MyParam(EmberParameter):
        pass

    class TorchMyParam(torch.nn.Parameter):
        pass

    TorchMyTensor.__name__ = MyTensor.__name__ = "MyTensor"
    TorchMyParam.__name__ = MyParam.__name__ = "MyParam"
    e, t = build(rng(51).randn(2, 12) * 10, "float32")
    assert tensor_repr(_as_subclass(e, MyTensor)) == repr(t.as_subclass(TorchMyTensor))
    assert tensor_repr(_as_subclass(e, EmberParameter)) == repr(t)
    e.requires_grad_()
    tp = TorchMyParam(t)
    assert parameter_repr(_as_subclass(e, MyParam)) == repr(tp)


def test_nn_parameter_prints_like_torch():
    e, t = build(rng(52).randn(3, 5), "float64")
    ep, tp = ember.nn.Parameter(e), torch.nn.Parameter(t)
    assert repr(ep) == repr(tp)
    assert str(ep) == str(tp)
