"""dtypes and type promotion compared with PyTorch: attributes, ``promote_types`` for every pair,
``result_type`` over tensors / 0-dim tensors / Python numbers, ``can_cast``, ``finfo``/``iinfo``,
the default dtype, and bfloat16 values (stored as rounded float32)."""

import itertools
import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "uint16", "uint32", "uint64",
         "float16", "bfloat16", "float32", "float64", "complex32", "complex64", "complex128"]
ALIASES = ["half", "float", "double", "short", "int", "long", "cfloat", "cdouble", "chalf"]


def edt(name):
    return getattr(ember, name, None) or getattr(ember._dtype, name)


@pytest.fixture(autouse=True)
def _restore_default_dtype():
    yield
    ember.set_default_dtype(ember.float32)
    torch.set_default_dtype(torch.float32)


@pytest.mark.parametrize("name", NAMES + ALIASES)
def test_dtype_attributes(name):
    e, t = edt(name), getattr(torch, name)
    assert repr(e) == repr(t) and str(e) == str(t)
    for attr in ("is_floating_point", "is_complex", "is_signed", "itemsize"):
        assert getattr(e, attr) == getattr(t, attr), attr
    if hasattr(t, "abbr"):
        assert e.abbr == t.abbr
    assert str(e.to_real()) == str(t.to_real())
    if not (t.is_floating_point or t.is_complex):
        assert_same_error(lambda: e.to_complex(), lambda: t.to_complex())
    elif t is not torch.bfloat16:
        assert str(e.to_complex()) == str(t.to_complex())


def test_aliases_are_the_same_objects():
    assert ember.float is ember.float32 and ember.double is ember.float64
    assert ember.long is ember.int64 and ember.half is ember.float16
    assert ember.float32 == ember.float and hash(ember.float32) == hash(ember.float)


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_promote_types_every_pair(a, b):
    def run(m, get):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return str(m.promote_types(get(a), get(b)))
    try:
        expect = run(torch, lambda n: getattr(torch, n))
    except RuntimeError:
        assert_same_error(lambda: run(ember, edt), lambda: run(torch, lambda n: getattr(torch, n)))
        return
    assert run(ember, edt) == expect


@pytest.mark.parametrize("a,b", list(itertools.product(NAMES, NAMES)))
def test_can_cast_every_pair(a, b):
    assert ember.can_cast(edt(a), edt(b)) == torch.can_cast(getattr(torch, a), getattr(torch, b))


OPERAND_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "bfloat16",
                  "float32", "float64", "complex64", "complex128"]


def operands(m):
    out = {}
    for n in OPERAND_DTYPES:
        out["dim_" + n] = m.ones(2, dtype=getattr(m, n))
        out["zero_" + n] = m.ones((), dtype=getattr(m, n))
    out.update(py_bool=True, py_int=2, py_float=2.5, py_complex=1j, np_float64=np.float64(1.5))
    return out


E_OPS, T_OPS = operands(ember), operands(torch)


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("a", list(E_OPS))
def test_result_type_matrix(a, default):
    ember.set_default_dtype(getattr(ember, default))
    torch.set_default_dtype(getattr(torch, default))
    for b in E_OPS:
        if a == "np_float64" and b == "np_float64":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expect = str(torch.result_type(T_OPS[a], T_OPS[b]))
        assert str(ember.result_type(E_OPS[a], E_OPS[b])) == expect, (a, b)


@pytest.mark.parametrize("name", ["float16", "bfloat16", "float32", "float64", "complex64",
                                  "complex128", None])
def test_finfo(name):
    e = ember.finfo(edt(name)) if name else ember.finfo()
    t = torch.finfo(getattr(torch, name)) if name else torch.finfo()
    assert repr(e) == repr(t)
    for f in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(e, f) == getattr(t, f), f


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64", "uint16", "uint32",
                                  "uint64"])
def test_iinfo(name):
    e, t = ember.iinfo(edt(name)), torch.iinfo(getattr(torch, name))
    assert repr(e) == repr(t)
    for f in ("bits", "min", "max", "dtype"):
        assert getattr(e, f) == getattr(t, f), f


@pytest.mark.parametrize("call", [
    lambda m: m.finfo(m.int32), lambda m: m.finfo(m.bool), lambda m: m.iinfo(m.float32),
    lambda m: m.iinfo(m.bool), lambda m: m.set_default_dtype(m.int32),
    lambda m: m.set_default_dtype(m.complex64), lambda m: m.set_default_dtype("float32"),
    lambda m: (m.set_default_dtype(m.bfloat16), m.tensor([1j]))[1],
])
def test_dtype_errors(call):
    assert_same_error(lambda: call(ember), lambda: call(torch))


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "bfloat16"])
def test_default_dtype_drives_inference(name):
    ember.set_default_dtype(getattr(ember, name))
    torch.set_default_dtype(getattr(torch, name))
    assert str(ember.get_default_dtype()) == str(torch.get_default_dtype())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for expr in ("m.tensor([1.5])", "m.ones(2)", "m.arange(1.0)",
                     "m.linspace(0, 1, 3)", "m.full((2,), 1.5)", "m.tensor([1]) * 1.5",
                     "m.tensor(1) / 2"):
            e, t = eval(expr, {"m": ember}), eval(expr, {"m": torch})
            assert str(e.dtype) == str(t.dtype), expr
        if name != "bfloat16":
            assert str(ember.tensor([1j]).dtype) == str(torch.tensor([1j]).dtype)


BF16_VALUES = [0.1, 0.7, 1e-3, 3.14159, 65504.0, 1e38, 3.38e38, 1e-40, -2.5e-5, 1.00390625,
               1.01171875, 255.5, 1 / 3]


def test_bfloat16_creation_and_conversion_values():
    assert_same(ember.tensor(BF16_VALUES, dtype=ember.bfloat16),
                torch.tensor(BF16_VALUES, dtype=torch.bfloat16), rtol=0, atol=0)
    assert_same(ember.tensor(np.array(BF16_VALUES), dtype=ember.bfloat16),
                torch.tensor(np.array(BF16_VALUES), dtype=torch.bfloat16), rtol=0, atol=0)
    assert_same(ember.tensor(BF16_VALUES).bfloat16(), torch.tensor(BF16_VALUES).bfloat16(),
                rtol=0, atol=0)
    assert_same(ember.tensor(BF16_VALUES, dtype=ember.float64).to(ember.bfloat16),
                torch.tensor(BF16_VALUES, dtype=torch.float64).to(torch.bfloat16), rtol=0, atol=0)
    e = ember.tensor(BF16_VALUES, dtype=ember.bfloat16)
    t = torch.tensor(BF16_VALUES, dtype=torch.bfloat16)
    assert e.tolist() == t.tolist()
    assert e.element_size() == t.element_size() == 2
    assert_same(e.double(), t.double(), rtol=0, atol=0)
    assert_same(e.half(), t.half(), rtol=0, atol=0)
    nonfinite = [float("nan"), float("inf"), -float("inf")]
    assert_same(ember.tensor(nonfinite, dtype=ember.bfloat16),
                torch.tensor(nonfinite, dtype=torch.bfloat16))


@pytest.mark.parametrize("expr", [
    "a + b", "a * b", "a - b", "a / b", "a * 3.3", "a / 7", "a + 1", "a * c", "a + c16",
    "i * s", "a.exp()", "a.sum()", "a > 1", "(a * b).sum()",
])
def test_bfloat16_arithmetic_matches_torch(expr):
    def env(m):
        return {"a": m.tensor([1.1, 2.3, -0.7, 100.5], dtype=m.bfloat16),
                "b": m.tensor([0.013, 1.7, 3.3, -7.1], dtype=m.bfloat16),
                "c": m.tensor([1.1, 2.3, -0.7, 3.0]),
                "c16": m.tensor([1.1, 2.3, -0.7, 3.0], dtype=m.float16),
                "i": m.tensor([1, 2, 3, 4]), "s": m.tensor(1.7, dtype=m.bfloat16)}
    e, t = eval(expr, env(ember)), eval(expr, env(torch))
    assert_same(e, t, rtol=0, atol=0)
