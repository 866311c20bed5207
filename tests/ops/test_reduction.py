"""Reductions and scans compared with PyTorch: values, dtypes, shapes (0-d, empty,
non-contiguous, every dim, tuple dims, keepdim), gradients, grad_fn names, named tuples,
warnings and error messages."""

import warnings

import numpy as np
import pytest
import torch

import ember
from tests.conftest import assert_same, assert_same_error, pair

RNG = np.random.RandomState(0)
FLOAT_DATA = RNG.uniform(-2.5, 2.5, (2, 3, 4))
INT_DATA = RNG.randint(-6, 7, (2, 3, 4))

LAYOUTS = ["3d", "0d", "1d", "noncontig", "empty"]


def make(kind="float64", layout="3d", requires_grad=False):
    """The same tensor in Ember and PyTorch: dtype ``kind`` in one of several layouts."""
    if kind == "bool":
        data = INT_DATA > 0
    elif kind.startswith(("int", "uint")):
        data = np.abs(INT_DATA) if kind == "uint8" else INT_DATA
    else:
        data = FLOAT_DATA
    e, t = pair(data, getattr(ember, kind))
    if layout == "0d":
        e, t = e[1, 2, 3], t[1, 2, 3]
    elif layout == "1d":
        e, t = e[0, 1], t[0, 1]
    elif layout == "noncontig":
        e, t = e.transpose(0, 2)[:, ::2], t.transpose(0, 2)[:, ::2]
    elif layout == "empty":
        e, t = e[:, :0], t[:, :0]
    if requires_grad:
        e, t = e.detach().requires_grad_(), t.detach().requires_grad_()
    return e, t


def check_same(re, rt, **kw):
    """Results equal: tensors, tuples and named tuples (same repr type)."""
    if isinstance(rt, tuple):
        assert isinstance(re, tuple) and len(re) == len(rt)
        assert type(re).__name__ == type(rt).__name__ or type(rt) is tuple
        for a, b in zip(re, rt):
            check_same(a, b, **kw)
    elif isinstance(rt, torch.Tensor):
        assert_same(re, rt, **kw)
    else:
        assert re == rt


def compare(fn, e, t, **kw):
    """Run ``fn(module, x)`` on both; same results or the same error."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rt = fn(torch, t)
    except Exception:
        assert_same_error(lambda: fn(ember, e), lambda: fn(torch, t))
        return None, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        re = fn(ember, e)
    check_same(re, rt, **kw)
    return re, rt


def first(r):
    return r[0] if isinstance(r, tuple) else r


def compare_grad(fn, e, t, check_name=True):
    """Same values, grad_fn name and input gradient (weighted sum of the first output)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        re, rt = first(fn(ember, e)), first(fn(torch, t))
    assert_same(re, rt)
    if check_name:
        assert (re.grad_fn and re.grad_fn.name()) == (rt.grad_fn and rt.grad_fn.name())
    w = np.random.RandomState(1).uniform(0.5, 1.5, tuple(rt.shape))
    (re * ember.tensor(w)).sum().backward()
    (rt * torch.tensor(w)).sum().backward()
    if t.grad is None:
        assert e.grad is None or not e.grad.detach().numpy().any()
    else:
        assert_same(e.grad, t.grad)


# ---------------------------------------------------------------------- dim-reductions
DIM_OPS = {
    "sum": lambda m, x, d, k: x.sum(d, keepdim=k),
    "nansum": lambda m, x, d, k: m.nansum(x, d, keepdim=k),
    "mean": lambda m, x, d, k: x.mean(d, keepdim=k),
    "nanmean": lambda m, x, d, k: m.nanmean(x, d, keepdim=k),
    "var": lambda m, x, d, k: x.var(d, keepdim=k),
    "std": lambda m, x, d, k: m.std(x, d, keepdim=k, correction=0),
    "var_mean": lambda m, x, d, k: m.var_mean(x, d, keepdim=k),
    "std_mean": lambda m, x, d, k: m.std_mean(x, d, unbiased=False, keepdim=k),
    "amax": lambda m, x, d, k: x.amax(d, keepdim=k),
    "amin": lambda m, x, d, k: m.amin(x, d, keepdim=k),
    "logsumexp": lambda m, x, d, k: x.logsumexp(d, keepdim=k),
    "norm": lambda m, x, d, k: x.norm(dim=d, keepdim=k),
    "norm1": lambda m, x, d, k: x.norm(1, d, k),
    "norm3": lambda m, x, d, k: m.norm(x, 3, d, k),
    "norminf": lambda m, x, d, k: x.norm(float("inf"), d, k),
    "all": lambda m, x, d, k: x.all(d, keepdim=k),
    "any": lambda m, x, d, k: m.any(x, d, keepdim=k),
    "count_nonzero": lambda m, x, d, k: m.count_nonzero(x, d),
}
DIFFERENTIABLE = ["sum", "nansum", "mean", "nanmean", "var", "std", "var_mean", "std_mean",
                  "amax", "amin", "logsumexp", "norm", "norm1", "norm3", "norminf"]
DIMS = [None, 1, -1, (0, 2), (-1, 0, 1)]


@pytest.mark.parametrize("op", list(DIM_OPS))
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", DIMS)
def test_dim_reductions_values(op, layout, dim):
    e, t = make("float64", layout)
    fn = DIM_OPS[op]
    if dim is None and op == "logsumexp":
        dim = ()
    for keepdim in (False, True):
        compare(lambda m, x, k=keepdim: fn(m, x, dim, k), e, t)


@pytest.mark.parametrize("op", DIFFERENTIABLE)
@pytest.mark.parametrize("layout", ["3d", "0d", "noncontig"])
@pytest.mark.parametrize("dim", [None, 1, (0, -1)])
def test_dim_reductions_grad(op, layout, dim):
    if op == "logsumexp" and dim is None:
        dim = ()
    fn = DIM_OPS[op]
    for keepdim in (False, True):
        e, t = make("float64", layout, requires_grad=True)
        call = lambda m, x, k=keepdim: fn(m, x, dim, k)  # noqa: E731
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call(torch, t)
        except (IndexError, RuntimeError):
            # a dim this layout does not have: the same error, and no gradient to compare
            assert_same_error(lambda e=e, c=call: c(ember, e), lambda t=t, c=call: c(torch, t))
            continue
        compare_grad(call, e, t)


@pytest.mark.parametrize("op", ["sum", "mean", "var", "std", "amax", "amin", "logsumexp", "norm",
                                "norm3", "prod", "cumsum", "cumprod", "var_mean", "norminf"])
def test_gradcheck_float64(op):
    x = ember.tensor(FLOAT_DATA[0], requires_grad=True)
    if op == "prod":
        f = lambda x: x.prod(1)  # noqa: E731
    elif op in ("cumsum", "cumprod"):
        f = lambda x: getattr(x, op)(1)  # noqa: E731
    elif op == "var_mean":
        f = lambda x: ember.var_mean(x, 0)  # noqa: E731
    else:
        f = lambda x: DIM_OPS[op](ember, x, 1, False)  # noqa: E731
    assert ember.autograd.gradcheck(f, (x,))
    assert ember.autograd.gradgradcheck(f, (x,))


@pytest.mark.parametrize("kind", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16",
                                  "bfloat16", "float32", "float64", "complex64"])
@pytest.mark.parametrize("op", ["sum", "nansum", "mean", "nanmean", "prod", "var", "amax", "all",
                                "any", "count_nonzero", "logsumexp", "norm", "cumsum", "cumprod",
                                "max", "argmax", "cummax"])
def test_dtypes(kind, op):
    e, t = make(kind)
    fns = {
        "sum": lambda m, x: x.sum(1), "nansum": lambda m, x: x.nansum(),
        "mean": lambda m, x: x.mean(), "nanmean": lambda m, x: x.nanmean(0),
        "prod": lambda m, x: x.prod(1), "var": lambda m, x: x.var(),
        "amax": lambda m, x: x.amax(-1), "all": lambda m, x: x.all(1),
        "any": lambda m, x: x.any(), "count_nonzero": lambda m, x: x.count_nonzero((0, 1)),
        "logsumexp": lambda m, x: x.logsumexp(2), "norm": lambda m, x: x.norm(),
        "cumsum": lambda m, x: x.cumsum(1), "cumprod": lambda m, x: x.cumprod(0),
        "max": lambda m, x: x.max(), "argmax": lambda m, x: x.argmax(1),
        "cummax": lambda m, x: x.cummax(1),
    }
    rtol = 2e-2 if kind in ("float16", "bfloat16") else None
    compare(fns[op], e, t, rtol=rtol, atol=rtol)


@pytest.mark.parametrize("dtype", [None, "float64", "int8", "float32"])
def test_sum_dtype_argument(dtype):
    e, t = make("int32")
    compare(lambda m, x: x.sum(dtype=None if dtype is None else getattr(m, dtype)), e, t)
    compare(lambda m, x: m.sum(x, (0, 2), dtype=None if dtype is None else getattr(m, dtype)),
            e, t)
    compare(lambda m, x: x.cumsum(-1, dtype=None if dtype is None else getattr(m, dtype)), e, t)


def test_sum_grad_fn_names():
    e, t = make(requires_grad=True)
    assert e.sum().grad_fn.name() == t.sum().grad_fn.name() == "SumBackward0"
    assert e.sum(0).grad_fn.name() == t.sum(0).grad_fn.name() == "SumBackward1"
    assert e.mean().grad_fn.name() == t.mean().grad_fn.name()
    assert e.mean(1).grad_fn.name() == t.mean(1).grad_fn.name()
    assert e.prod().grad_fn.name() == t.prod().grad_fn.name()
    assert e.prod(1).grad_fn.name() == t.prod(1).grad_fn.name()


# ---------------------------------------------------------------------- prod
@pytest.mark.parametrize("zeros", [0, 1, 2])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod_gradient_with_zeros(zeros, dim):
    data = np.arange(1.0, 13.0).reshape(3, 4) / 3
    if zeros >= 1:
        data[1, 2] = 0
    if zeros == 2:
        data[1, 0] = 0
    e, t = pair(data, ember.float64, requires_grad=True)
    compare_grad(lambda m, x: x.prod() if dim is None else x.prod(dim), e, t)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_prod_values(layout, dim, keepdim):
    e, t = make("float64", layout)
    compare(lambda m, x: x.prod() if dim is None else x.prod(dim, keepdim), e, t)
    ei, ti = make("int16", layout)
    compare(lambda m, x: x.prod() if dim is None else m.prod(x, dim, keepdim), ei, ti)


def test_prod_rejects_tuple_dim():
    e, t = make()
    with pytest.raises(TypeError):
        t.prod((0, 1))
    with pytest.raises(TypeError):
        e.prod((0, 1))


# ---------------------------------------------------------------------- var / std
@pytest.mark.parametrize("call", [
    lambda m, x: x.var(), lambda m, x: x.var(True), lambda m, x: x.var(False),
    lambda m, x: x.var(1, True), lambda m, x: x.var(1, False, True),
    lambda m, x: x.var(dim=(0, 2), unbiased=False), lambda m, x: x.var(correction=2),
    lambda m, x: x.var(0, correction=0, keepdim=True), lambda m, x: m.std(x, 1, correction=1.5),
    lambda m, x: m.std(x, unbiased=False), lambda m, x: m.var_mean(x, (1, 2), correction=0),
    lambda m, x: m.std_mean(x, 0, True, True), lambda m, x: m.std_mean(x),
])
def test_var_std_signatures(call):
    e, t = make(requires_grad=True)
    compare_grad(call, e, t)


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_dof_warning(name):
    e, t = pair([1.0])
    with pytest.warns(UserWarning) as wt:
        rt = getattr(t, name)()
    with pytest.warns(UserWarning) as we:
        re = getattr(e, name)()
    assert str(we[0].message) == str(wt[0].message)
    assert_same(re, rt)
    e, t = pair([1.0, 2.0])
    with pytest.warns(UserWarning):
        assert_same(e.var(correction=3), t.var(correction=3))


def test_var_errors():
    e, t = make("int64")
    assert_same_error(lambda: e.var(), lambda: t.var())
    assert_same_error(lambda: e.std(1), lambda: t.std(1))
    ef, tf = make()
    with pytest.raises(TypeError):
        tf.var(unbiased=True, correction=1)
    with pytest.raises(TypeError):
        ef.var(unbiased=True, correction=1)


def test_var_complex():
    e, t = pair(np.array([1 + 2j, 3, -1j]), ember.complex128)
    assert_same(e.var(), t.var())
    assert_same(e.std(), t.std())


# ---------------------------------------------------------------------- max / min
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [None, 0, -1, 3])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_values(name, layout, dim, keepdim):
    e, t = make("float64", layout)
    if dim is None:
        compare(lambda m, x: getattr(x, name)(), e, t)
    else:
        compare(lambda m, x: getattr(m, name)(x, dim, keepdim), e, t)
        compare(lambda m, x: getattr(x, name)(dim=dim, keepdim=keepdim), e, t)
    ei, ti = make("int32", layout)
    compare(lambda m, x: getattr(x, name)() if dim is None else getattr(x, name)(dim, keepdim),
            ei, ti)


@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("dim", [None, 0, 1])
def test_max_min_grad_with_ties(name, dim):
    data = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 0.0, 0.0], [3.0, -1.0, 3.0, 3.0]])
    e, t = pair(data, ember.float64, requires_grad=True)
    compare_grad(lambda m, x: getattr(x, name)() if dim is None else getattr(x, name)(dim), e, t)


@pytest.mark.parametrize("name", ["amax", "amin"])
@pytest.mark.parametrize("dim", [(), 0, 1, (0, 1)])
def test_amax_grad_split_between_ties(name, dim):
    data = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 0.0, 0.0], [3.0, -1.0, 3.0, 3.0]])
    e, t = pair(data, ember.float64, requires_grad=True)
    compare_grad(lambda m, x: getattr(x, name)(dim), e, t)


def test_max_binary_is_maximum():
    a, ta = pair([[1.0, 5.0, 2.0]], ember.float64, requires_grad=True)
    b, tb = pair([[3.0], [2.0]], ember.float64, requires_grad=True)
    re, rt = ember.max(a, b), torch.max(ta, tb)
    assert_same(re, rt)
    assert re.grad_fn.name() == rt.grad_fn.name()
    re.sum().backward()
    rt.sum().backward()
    assert_same(a.grad, ta.grad)
    assert_same(b.grad, tb.grad)
    assert_same(ember.min(a, b), torch.min(ta, tb))


def test_max_nan_propagates():
    nan = float("nan")
    e, t = pair([[1.0, nan, 2.0, nan], [0.0, 1.0, 5.0, 2.0]])
    for fn in (lambda m, x: x.max(), lambda m, x: x.max(1), lambda m, x: x.min(1, True),
               lambda m, x: x.argmax(1), lambda m, x: x.amax(1), lambda m, x: x.cummax(1),
               lambda m, x: x.cummin(1)):
        compare(fn, e, t)


def test_named_tuple_behaviour():
    e, t = pair([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    re, rt = e.max(1), t.max(1)
    assert repr(re) == repr(rt)
    assert str(re) == str(rt)
    assert repr(ember.aminmax(e, dim=0)) == repr(torch.aminmax(t, dim=0))
    assert repr(e.cummin(0)) == repr(t.cummin(0))
    values, indices = re
    assert_same(values, rt.values)
    assert_same(re[1], rt[1])
    assert_same(re.indices, indices)
    assert isinstance(re, tuple) and len(re) == 2
    assert type(re).__module__ == "torch.return_types"
    assert ember.return_types.max is type(re)
    assert_same(ember.aminmax(e).min, torch.aminmax(t).min)


@pytest.mark.parametrize("call", [
    lambda m, x: x.max(), lambda m, x: x.min(), lambda m, x: x.amax(), lambda m, x: x.amin(),
    lambda m, x: x.argmax(), lambda m, x: x.argmin(), lambda m, x: m.aminmax(x),
    lambda m, x: x.max(1), lambda m, x: x.min(-1), lambda m, x: x.amax(1), lambda m, x: x.amin((0, 1)),
    lambda m, x: x.argmax(1), lambda m, x: m.aminmax(x, dim=1), lambda m, x: x.max(dim=5),
    lambda m, x: x.sum((0, 0)), lambda m, x: x.sum((0, -2)), lambda m, x: x.mean(-3),
    lambda m, x: x.norm(float("inf")), lambda m, x: x.norm(float("inf"), dim=1),
    lambda m, x: x.logsumexp(dim=None), lambda m, x: x.cumsum(2),
])
def test_empty_and_dim_errors(call):
    e, t = pair(np.zeros((2, 0)))
    assert_same_error(lambda: call(ember, e), lambda: call(torch, t))


@pytest.mark.parametrize("call", [
    lambda m, x: x.max(0), lambda m, x: x.sum(1), lambda m, x: x.prod(1), lambda m, x: x.mean(1),
    lambda m, x: x.mean(), lambda m, x: x.logsumexp(1), lambda m, x: x.std(1),
    lambda m, x: x.nansum(), lambda m, x: x.nanmean(), lambda m, x: x.cumsum(1),
    lambda m, x: x.cummax(1), lambda m, x: x.amax(0), lambda m, x: x.norm(dim=1),
    lambda m, x: x.all(1), lambda m, x: x.any(), lambda m, x: x.count_nonzero(1),
])
def test_empty_reductions_allowed(call):
    e, t = pair(np.zeros((2, 0)))
    compare(call, e, t)


def test_type_errors():
    e, t = make("int64")
    assert_same_error(lambda: e.mean(), lambda: t.mean())
    assert_same_error(lambda: e.mean(1), lambda: t.mean(1))
    assert_same_error(lambda: e.nanmean(), lambda: t.nanmean())
    assert_same_error(lambda: e.norm(), lambda: t.norm())
    eb, tb = make("bool")
    assert_same_error(lambda: eb.mean(), lambda: tb.mean())
    ec, tc = pair(np.array([1 + 2j, 3]), ember.complex64)
    assert_same_error(lambda: ec.nansum(), lambda: tc.nansum())
    assert_same_error(lambda: ec.max(), lambda: tc.max())


# ---------------------------------------------------------------------- argmax / aminmax / all / any
@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("layout", ["3d", "0d", "1d", "noncontig"])
@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_argmax_argmin(name, layout, dim, keepdim):
    for kind in ("float32", "int64", "bool"):
        e, t = make(kind, layout)
        compare(lambda m, x: getattr(m, name)(x, dim, keepdim), e, t)


@pytest.mark.parametrize("layout", ["3d", "0d", "noncontig"])
@pytest.mark.parametrize("dim", [None, 0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_aminmax(layout, dim, keepdim):
    e, t = make("float64", layout, requires_grad=True)
    compare(lambda m, x: m.aminmax(x, dim=dim, keepdim=keepdim), e, t)
    re, rt = ember.aminmax(e, dim=dim, keepdim=keepdim), torch.aminmax(t, dim=dim, keepdim=keepdim)
    assert re.min.grad_fn.name() == rt.min.grad_fn.name()
    (re.min * 2 + re.max * 3).sum().backward()
    (rt.min * 2 + rt.max * 3).sum().backward()
    assert_same(e.grad, t.grad)


@pytest.mark.parametrize("kind", ["bool", "uint8", "int32", "float32"])
@pytest.mark.parametrize("dim", [None, (), 0, (0, 2), -1])
def test_all_any(kind, dim):
    e, t = make(kind)
    compare(lambda m, x: x.all() if dim is None else x.all(dim), e, t)
    compare(lambda m, x: m.any(x) if dim is None else m.any(x, dim, keepdim=True), e, t)


# ---------------------------------------------------------------------- norm
@pytest.mark.parametrize("p", ["fro", 2, 1, 0, 0.5, 3, float("inf"), -float("inf")])
@pytest.mark.parametrize("dim", [None, 1, (0, 2)])
def test_norm_grad(p, dim):
    data = FLOAT_DATA.copy()
    data[0, 1, 2] = 0.0
    e, t = pair(data, ember.float64, requires_grad=True)
    compare_grad(lambda m, x: x.norm(p, dim), e, t)


def test_norm_nuclear_and_errors():
    e, t = pair(FLOAT_DATA[0], ember.float64, requires_grad=True)
    compare_grad(lambda m, x: x.norm("nuc"), e, t)
    e3, t3 = make(requires_grad=True)
    compare_grad(lambda m, x: m.norm(x, "nuc", dim=(0, 2), keepdim=True), e3, t3,
                 check_name=False)   # PyTorch's composite ends in a permute here
    compare(lambda m, x: x.norm("fro", dim=(0, 1)), e3, t3)
    for call in (lambda m, x: x.norm("nuc"), lambda m, x: x.norm("abc"),
                 lambda m, x: x.norm("fro", dim=(0, 1, 2)), lambda m, x: x.norm("nuc", dim=1)):
        assert_same_error(lambda c=call: c(ember, e3), lambda c=call: c(torch, t3))
    assert_same_error(lambda: e.norm(dtype=ember.float32), lambda: t.norm(dtype=torch.float32))
    ef, tf = pair(FLOAT_DATA[0], ember.float32)
    assert_same(ef.norm(dtype=ember.float64), tf.norm(dtype=torch.float64))
    ec, tc = pair(np.array([1 + 2j, 3, -1j]), ember.complex128)
    assert_same(ec.norm(), tc.norm())


# ---------------------------------------------------------------------- logsumexp
def test_logsumexp_stable():
    data = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [np.inf, 1.0, 0.0]])
    e, t = pair(data)
    compare(lambda m, x: x.logsumexp(1), e, t)
    ei, ti = make("int64")
    compare(lambda m, x: m.logsumexp(x, (0, 1), keepdim=True), ei, ti)
    e2, t2 = pair(np.array([[1000.0, 999.0], [-5.0, 2.0]]), ember.float64, requires_grad=True)
    compare_grad(lambda m, x: x.logsumexp(1), e2, t2)


# ---------------------------------------------------------------------- scans
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "cummax", "cummin"])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dim", [0, -1, 1])
def test_scans(op, layout, dim):
    e, t = make("float64", layout, requires_grad=True)
    try:
        getattr(t, op)(dim)
    except IndexError:
        assert_same_error(lambda: getattr(e, op)(dim), lambda: getattr(t, op)(dim))
        return
    if layout == "empty":
        compare(lambda m, x: getattr(x, op)(dim), e, t)
    else:
        compare_grad(lambda m, x: getattr(m, op)(x, dim), e, t)
    ei, ti = make("int16", layout)
    compare(lambda m, x: getattr(x, op)(dim), ei, ti)


@pytest.mark.parametrize("zeros", [[2], [0], [3], [1, 3]])
def test_cumprod_gradient_with_zeros(zeros):
    data = np.array([[0.5, 2.0, -1.5, 3.0, 1.2], [1.0, -2.0, 0.7, 1.1, 0.9]])
    for z in zeros:
        data[0, z] = 0.0
    e, t = pair(data, ember.float64, requires_grad=True)
    compare_grad(lambda m, x: x.cumprod(1), e, t)
    e, t = pair(data.T.copy(), ember.float64, requires_grad=True)
    compare_grad(lambda m, x: x.cumprod(0), e, t)


def test_cummax_ties_pick_last_index():
    data = [[1, 3, 3, 2, 3], [2, 2, 0, 0, 5]]
    for kind in ("int64", "float32", "bool", "uint8"):
        e, t = pair(data, getattr(ember, kind))
        compare(lambda m, x: x.cummax(1), e, t)
        compare(lambda m, x: x.cummin(1), e, t)
    e, t = pair(np.array(data, dtype=float), ember.float64, requires_grad=True)
    compare_grad(lambda m, x: x.cummax(1), e, t)


def test_double_backward_through_reductions():
    data = FLOAT_DATA[0]
    e, t = pair(data, ember.float64, requires_grad=True)
    for fn in (lambda x: (x.cumsum(1) ** 2).sum(), lambda x: x.var(1).pow(2).sum(),
               lambda x: (x.max(1)[0] ** 3).sum(), lambda x: x.logsumexp(0).sum() ** 2,
               lambda x: (x.prod(1) ** 2).sum()):
        ge, = ember.autograd.grad(fn(e), e, create_graph=True)
        gt, = torch.autograd.grad(fn(t), t, create_graph=True)
        assert_same(ge, gt)
        gge, = ember.autograd.grad(ge.sum(), e)
        ggt, = torch.autograd.grad(gt.sum(), t)
        assert_same(gge, ggt)


def test_out_argument():
    e, t = make()
    oe, ot = ember.empty(0, dtype=ember.float64), torch.empty(0, dtype=torch.float64)
    assert_same(ember.sum(e, 1, out=oe), torch.sum(t, 1, out=ot))
    assert_same(oe, ot)
    ve, ie = ember.empty(0, dtype=ember.float64), ember.empty(0, dtype=ember.int64)
    vt, it = torch.empty(0, dtype=torch.float64), torch.empty(0, dtype=torch.int64)
    re, rt = ember.max(e, 1, out=(ve, ie)), torch.max(t, 1, out=(vt, it))
    assert repr(re) == repr(rt)
    assert_same(ie, it)


def test_numpy_keyword_aliases():
    e, t = make()
    for fn in (lambda m, x: x.sum(axis=1, keepdims=True), lambda m, x: m.mean(x, axis=(0, 2)),
               lambda m, x: x.max(axis=1), lambda m, x: x.std(axis=-1, keepdims=True),
               lambda m, x: x.amax(axis=0), lambda m, x: x.cumsum(axis=2),
               lambda m, x: x.sort(axis=1), lambda m, x: x.median(axis=0, keepdims=True)):
        compare(fn, e, t)


def test_inplace_scans():
    for kind in ("float64", "int32"):
        e, t = make(kind)
        e, t = e.clone(), t.clone()
        assert_same(e.cumsum_(1), t.cumsum_(1))
        assert_same(e.cumprod_(-1), t.cumprod_(-1))
    a, ta = pair(FLOAT_DATA[0], ember.float64, requires_grad=True)
    e, t = a * 1, ta * 1
    e.cumprod_(1)
    t.cumprod_(1)
    assert e.grad_fn.name() == t.grad_fn.name()
    e.sum().backward()
    t.sum().backward()
    assert_same(a.grad, ta.grad)


@pytest.mark.parametrize("seed", range(4))
def test_cummax_cummin_random_ties_and_nan(seed):
    data = np.random.RandomState(seed).randint(0, 4, (3, 30)).astype(float)
    data[data == 3] = np.nan
    e, t = pair(data)
    for d in (0, 1):
        compare(lambda m, x, d=d: x.cummax(d), e, t)
        compare(lambda m, x, d=d: x.cummin(d), e, t)


def test_half_accumulates_in_float32():
    e, t = pair(np.linspace(0, 1, 5000), ember.float16)
    assert_same(e.sum(), t.sum())
    assert_same(e.cumsum(0), t.cumsum(0))
    assert_same(e.mean(), t.mean())
