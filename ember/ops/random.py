"""Random sampling: ``rand``, ``randn``, ``randint``, ``randperm``, ``normal``, ``bernoulli``,
``multinomial``, ``poisson``, the ``*_like`` forms and the in-place samplers (``uniform_`` ...).

Numbers come from the NumPy generator behind an Ember ``Generator`` (the default
one unless ``generator=`` is given), so a seed reproduces them; they are not
PyTorch's numbers for the same seed.  Shapes, dtypes, argument checks and error
messages follow PyTorch.  Sampling ops whose inputs require grad record a node
whose gradient is zero, as PyTorch's do (``NormalBackward1`` ...).
"""

import builtins
import math

import numpy as np

from .. import _dtype as D
from .._device import CPU, as_device
from .._tensor import Tensor, tensor_method
from ..autograd.function import Op, apply_inplace
from ..random import generator_or_default
from ._util import broadcast_shapes_or_raise, xp_of
from .creation import _C_NAMES, _set_requires_grad, make_tensor, size_args, zeros_like

__all__ = ["rand", "randn", "randint", "randperm", "normal", "bernoulli", "multinomial", "poisson",
           "rand_like", "randn_like", "randint_like"]

_C_TYPE = {"uint8": "unsigned char", "int8": "signed char", "int16": "short", "int32": "int",
           "int64": "long", "bool": "bool", "float32": "float", "float64": "double",
           "float16": "c10::Half", "bfloat16": "c10::BFloat16"}


def _fmt(v):
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _not_implemented(kernel, dtype):
    return NotImplementedError(f"\"{kernel}\" not implemented for '{dtype._scalar_name}'")


def _float_dtype(dtype, kernel):
    dtype = dtype or D.get_default_dtype()
    if not (dtype.is_floating_point or dtype.is_complex):
        raise _not_implemented(kernel, dtype)
    return dtype


def _work_dtype(dtype):
    """The NumPy float type samples are drawn in for ``dtype``."""
    return np.float64 if dtype.to_real() is D.float64 else np.float32


def _below_one(arr, dtype):
    """Uniform samples rounded to a narrow float type must stay below 1."""
    if dtype in (D.float16, D.bfloat16):
        top = np.float32(0.99951171875 if dtype is D.float16 else 0.99609375)
        arr = np.minimum(D.round_to_bfloat16(arr) if dtype is D.bfloat16 else arr, top)
    return arr


def _uniform(g, shape, dtype, low=0.0, high=1.0):
    wt = _work_dtype(dtype)
    if dtype.is_complex:
        out = np.empty(shape, dtype.np_dtype)
        out.real = g.random(shape, dtype=wt)
        out.imag = g.random(shape, dtype=wt)
        return out
    arr = _below_one(g.random(shape, dtype=wt), dtype)
    if low != 0.0 or high != 1.0:
        arr = (low + (high - low) * arr.astype(np.float64)).astype(wt)
    return arr


def _normal(g, shape, dtype):
    wt = _work_dtype(dtype)
    if dtype.is_complex:
        # PyTorch's complex normal: real and imaginary parts each with variance 1/2
        out = np.empty(shape, dtype.np_dtype)
        out.real = g.standard_normal(shape, dtype=wt) * wt(math.sqrt(0.5))
        out.imag = g.standard_normal(shape, dtype=wt) * wt(math.sqrt(0.5))
        return out
    return g.standard_normal(shape, dtype=wt)


def _finish(arr, dtype, device, requires_grad, out=None):
    t = make_tensor(np.asarray(arr).astype(dtype.np_dtype, copy=False), dtype,
                    as_device(device) or None, False)
    if requires_grad:
        _set_requires_grad(t)
    if out is not None:
        out.copy_(t) if out.shape == t.shape else out.resize_(t.shape).copy_(t)
        return out
    return t


def _shape(size, fname):
    try:
        return size_args(size, fname)
    except RuntimeError:
        shape = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        bad = next(s for s in shape if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: "
                           f"{list(shape)}") from None


def _check_generator(generator, fname, args):
    if generator is not None:
        from ..random import Generator
        if not isinstance(generator, Generator):
            raise TypeError(f"{fname}() received an invalid combination of arguments - got "
                            f"({', '.join(type(a).__name__ for a in args)}, generator="
                            f"{type(generator).__name__}), but expected one of:")


# ---------------------------------------------------------------------- fresh tensors
def rand(*size, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad=False, pin_memory=False):
    """``torch.rand``: uniform samples in ``[0, 1)`` (real and imaginary parts for complex)."""
    _check_generator(generator, "rand", size)
    shape = _shape(size, "rand")
    dtype = _float_dtype(dtype, "check_uniform_bounds")
    return _finish(_uniform(generator_or_default(generator), shape, dtype), dtype, device,
                   requires_grad, out)


def randn(*size, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad=False, pin_memory=False):
    """``torch.randn``: standard normal samples (complex: variance 1/2 per part)."""
    _check_generator(generator, "randn", size)
    shape = _shape(size, "randn")
    dtype = _float_dtype(dtype, "normal_kernel_cpu")
    return _finish(_normal(generator_or_default(generator), shape, dtype), dtype, device,
                   requires_grad, out)


def _int_bounds(low, high, dtype):
    """PyTorch's checks of a ``[low, high)`` range for ``random_``/``randint``."""
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    if dtype._category == D._INT:
        info = np.iinfo(dtype.np_dtype)
        cname = _C_TYPE.get(dtype.name, dtype.name)
        if low < info.min or low > info.max:
            raise RuntimeError(f"from is out of bounds for {cname}")
        if high - 1 < info.min or high - 1 > info.max:
            raise RuntimeError(f"to - 1 is out of bounds for {cname}")


def _sample_ints(g, low, high, shape):
    if high - low > 2 ** 63 - 1 or high > 2 ** 63 - 1:
        return np.array(g.integers(low, high, shape, dtype=np.uint64, endpoint=False))
    return g.integers(low, high, shape, dtype=np.int64)


def randint(*args, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad=False, pin_memory=False, low=None, high=None):
    """``torch.randint(low=0, high, size)``: integers in ``[low, high)``, int64 unless ``dtype``."""
    args = list(args)
    if size is None:
        if not args or (len(args) == 1 and high is None):
            raise TypeError(f"randint() received an invalid combination of arguments - got "
                            f"({', '.join(type(a).__name__ for a in args)}), but expected one of:\n"
                            + "".join(f" * ({sig}, tuple of ints size, *, {gen}Tensor out = None, "
                                      "torch.dtype dtype = None, torch.layout layout = None, "
                                      "torch.device device = None, bool pin_memory = False, bool "
                                      "requires_grad = False)\n"
                                      for sig in ("int high", "int low, int high")
                                      for gen in ("torch.Generator generator, ", "")))
        size = args.pop()
        if not isinstance(size, (tuple, list)):
            raise TypeError(f"randint(): argument 'size' (position {len(args) + 1}) must be tuple "
                            f"of ints, not {type(size).__name__}")
    if high is None:
        high = args.pop() if args else None
    if low is None:
        low = args.pop() if args else 0
    low, high = int(low), int(high)
    shape = _shape((size,), "randint")
    dtype = dtype or D.int64
    _int_bounds(low, high, dtype)
    vals = _sample_ints(generator_or_default(generator), low, high, shape)
    return _finish(vals, dtype, device, requires_grad, out)


def randperm(n, *, generator=None, out=None, dtype=None, layout=None, device=None,
             requires_grad=False, pin_memory=False):
    """``torch.randperm``: a random permutation of ``0 .. n-1`` (int64 unless ``dtype``)."""
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    dtype = dtype or D.int64
    if dtype._category == D._INT and n - 1 > np.iinfo(dtype.np_dtype).max:
        raise RuntimeError(f"value cannot be converted to type {_C_NAMES.get(dtype.name)} "
                           "without overflow")
    perm = generator_or_default(generator).permutation(n)
    return _finish(perm, dtype, device, requires_grad, out)


# ---------------------------------------------------------------------- samplers of tensors
def _zero_grads(ctx, grad):
    return tuple(zeros_like(grad) if need else None for need in ctx.needs_input_grad)


class _NormalTT(Op):
    node_name = "NormalBackward3"
    promote = True

    @staticmethod
    def forward(ctx, mean, std, g=None):
        xp = xp_of(mean)
        shape = xp.broadcast_shapes(mean.shape, std.shape)
        eps = xp.asarray(g.standard_normal(shape)).astype(mean.dtype)
        return mean + std * eps

    backward = staticmethod(_zero_grads)


class _NormalTF(_NormalTT):
    node_name = "NormalBackward1"
    promote = False

    @staticmethod
    def forward(ctx, mean, std=1.0, g=None):
        eps = xp_of(mean).asarray(g.standard_normal(mean.shape)).astype(mean.dtype)
        return mean + mean.dtype.type(std) * eps


class _NormalFT(_NormalTT):
    node_name = "NormalBackward2"
    promote = False

    @staticmethod
    def forward(ctx, std, mean=0.0, g=None):
        eps = xp_of(std).asarray(g.standard_normal(std.shape)).astype(std.dtype)
        return std.dtype.type(mean) + std * eps

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad) if ctx.needs_input_grad[0] else None


def _std_check(std):
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_fmt(std)}")


def normal(mean, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None,
           device=None, requires_grad=False, pin_memory=False):
    """``torch.normal``: every overload (tensor/float mean, tensor/float std, or floats and ``size``)."""
    g = generator_or_default(generator)
    mt, st = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not mt and not st:
        if size is None:
            raise TypeError(f"normal() received an invalid combination of arguments - got "
                            f"({type(mean).__name__}, {type(std).__name__}), but expected one of:\n"
                            " * (Tensor mean, Tensor std, *, torch.Generator generator = None, "
                            "Tensor out = None)\n * (Tensor mean, float std = 1, *, "
                            "torch.Generator generator = None, Tensor out = None)\n * (float mean, "
                            "Tensor std, *, torch.Generator generator = None, Tensor out = None)\n"
                            " * (float mean, float std, tuple of ints size, *, torch.Generator "
                            "generator = None, Tensor out = None, torch.dtype dtype = None, "
                            "torch.layout layout = None, torch.device device = None, bool "
                            "pin_memory = False, bool requires_grad = False)\n")
        _std_check(std)
        shape = _shape((size,), "normal")
        dtype = _float_dtype(dtype, "normal_kernel_cpu")
        vals = mean + std * _normal(g, shape, dtype).astype(np.float64)
        return _finish(vals, dtype, device, requires_grad, out)
    for t in (mean, std):
        if isinstance(t, Tensor) and not (t._dtype.is_floating_point or t._dtype.is_complex):
            raise _not_implemented("normal_kernel_cpu", t._dtype)
    if mt and st:
        broadcast_shapes_or_raise(mean._data.shape, std._data.shape)
        if (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        r = _NormalTT.apply(mean, std, g=g)
    elif mt:
        _std_check(std)
        r = _NormalTF.apply(mean, std=float(std), g=g)
    else:
        if (std._data < 0).any():
            raise RuntimeError("normal expects all elements of std >= 0.0")
        r = _NormalFT.apply(std, mean=float(mean), g=g)
    if out is not None:
        out.copy_(r.detach())
        return out
    return r


_BERNOULLI_P = ("Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                "message be improved?  If so, please report an enhancement request to PyTorch.)")


class _Bernoulli(Op):
    node_name = "BernoulliBackward0"

    @staticmethod
    def forward(ctx, p, g=None, const_p=None):
        xp = xp_of(p)
        u = xp.asarray(g.random(p.shape))
        prob = p if const_p is None else const_p
        return (u < prob).astype(p.dtype)

    backward = staticmethod(_zero_grads)


def bernoulli(input, p=None, *, generator=None, out=None):
    """``torch.bernoulli``: 1 with probability ``input`` (or ``p``), else 0; input's dtype."""
    dt = input._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise _not_implemented("bernoulli_tensor_cpu_p_" if p is None else "bernoulli_scalar_cpu_",
                               dt)
    g = generator_or_default(generator)
    if p is None:
        a = input._data
        if a.size and not ((a >= 0) & (a <= 1)).all():
            raise RuntimeError(_BERNOULLI_P)
        r = _Bernoulli.apply(input, g=g)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
        r = _Bernoulli.apply(input, g=g, const_p=float(p))
    if out is not None:
        out.copy_(r.detach())
        return out
    return r


def multinomial(input, num_samples, replacement=False, *, generator=None, out=None):
    """``torch.multinomial``: indices sampled from the rows of ``input`` (weights, need not sum to 1)."""
    if input._data.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input._dtype.is_floating_point:
        raise RuntimeError("multinomial only supports floating-point dtypes for input, got: "
                           f"{input._dtype._scalar_name}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    n = input._data.shape[-1]
    if not replacement and num_samples > n:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    p = np.asarray(input.detach().cpu()._data, dtype=np.float64)
    rows = p.reshape(-1, n)
    if not (np.isfinite(rows).all() and (rows >= 0).all()):
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    sums = rows.sum(axis=1)
    if (sums <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    g = generator_or_default(generator)
    if replacement:
        cdf = np.cumsum(rows, axis=1) / sums[:, None]
        u = g.random((rows.shape[0], num_samples))
        idx = np.stack([np.searchsorted(c, r, side="right") for c, r in zip(cdf, u)])
        idx = np.minimum(idx, n - 1)
    else:
        # weighted sampling without replacement: the smallest Exp(1) / p keys
        with np.errstate(divide="ignore"):
            keys = g.standard_exponential(rows.shape) / rows
        idx = np.argsort(keys, axis=1, kind="stable")[:, :num_samples]
    idx = idx.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64)
    return _finish(idx, D.int64, input._device if input._device.type != "cpu" else None, False,
                   out)


class _Poisson(Op):
    node_name = "PoissonBackward0"

    @staticmethod
    def forward(ctx, rate, g=None):
        xp = xp_of(rate)
        return xp.asarray(g.poisson(np.asarray(rate, dtype=np.float64))).astype(rate.dtype)

    backward = staticmethod(_zero_grads)


def poisson(input, generator=None):
    """``torch.poisson``: a Poisson sample for each rate in ``input``."""
    if not input._dtype.is_floating_point:
        raise _not_implemented("poisson_cpu", input._dtype)
    if input._data.size and (input._data < 0).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _Poisson.apply(input, g=generator_or_default(generator))


def _like_args(input, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
    return tuple(input._data.shape), dtype or input._dtype, device or input._device


def rand_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
              memory_format=None, generator=None):
    """``torch.rand_like``"""
    shape, dtype, device = _like_args(input, dtype, device)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad, generator=generator)


def randn_like(input, *, dtype=None, layout=None, device=None, requires_grad=False,
               memory_format=None, generator=None):
    """``torch.randn_like``"""
    shape, dtype, device = _like_args(input, dtype, device)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad, generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, layout=None, device=None,
                 requires_grad=False, memory_format=None, generator=None):
    """``torch.randint_like(input, high)`` or ``(input, low, high)``: the input's dtype."""
    if high is None:
        low, high = 0, low
    shape, dtype, device = _like_args(input, dtype, device)
    return randint(low, high, shape, dtype=dtype, device=device, requires_grad=requires_grad,
                   generator=generator)


# ---------------------------------------------------------------------- in-place samplers
def _sampler_op(node_name):
    """An op that overwrites its input with samples; its gradient is zero, as in PyTorch."""
    def forward(ctx, x, draw=None):
        return xp_of(x).asarray(draw(x.shape)).astype(x.dtype, copy=False)
    return type(node_name.replace("Backward", "_"), (Op,), {
        "node_name": node_name, "forward": staticmethod(forward),
        "backward": staticmethod(_zero_grads)})


_UniformOp = _sampler_op("UniformBackward0")
_NormalOp = _sampler_op("NormalBackward0")
_BernoulliTOp = _sampler_op("BernoulliBackward1")
_BernoulliFOp = _sampler_op("BernoulliBackward2")
_RandomOp = _sampler_op("RandomBackward2")
_RandomToOp = _sampler_op("RandomBackward1")
_RandomFromToOp = _sampler_op("RandomBackward0")
_ExponentialOp = _sampler_op("ExponentialBackward0")
_GeometricOp = _sampler_op("GeometricBackward0")
_LogNormalOp = _sampler_op("LogNormalBackward0")
_CauchyOp = _sampler_op("CauchyBackward0")


def _fill(self, op, draw):
    return apply_inplace(op, self, (), {"draw": draw})


@tensor_method()
def uniform_(self, from_=0.0, to=1.0, *, generator=None, **kw):
    """``Tensor.uniform_(from=0, to=1)``: uniform samples in ``[from, to)``."""
    from_ = kw.pop("from", from_)
    dt = self._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise _not_implemented("check_uniform_bounds", dt)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_fmt(from_)} > to={_fmt(to)}")
    g = generator_or_default(generator)
    return _fill(self, _UniformOp, lambda shape: _uniform(g, shape, dt, from_, to))


@tensor_method()
def normal_(self, mean=0.0, std=1.0, *, generator=None):
    """``Tensor.normal_(mean=0, std=1)``"""
    dt = self._dtype
    if not (dt.is_floating_point or dt.is_complex):
        raise _not_implemented("normal_kernel_cpu", dt)
    _std_check(std)
    g = generator_or_default(generator)
    return _fill(self, _NormalOp, lambda shape: mean + std * _normal(g, shape, dt))


@tensor_method()
def bernoulli_(self, p=0.5, *, generator=None):
    """``Tensor.bernoulli_(p=0.5)``: ``p`` a number or a tensor of probabilities."""
    g = generator_or_default(generator)
    if isinstance(p, Tensor):
        probs = p.detach().cpu()._data
        if probs.size and not ((probs >= 0) & (probs <= 1)).all():
            raise RuntimeError(_BERNOULLI_P)
        return _fill(self, _BernoulliTOp,
                     lambda shape: g.random(shape) < np.broadcast_to(probs, shape))
    if not 0 <= p <= 1:
        raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_fmt(p)}")
    return _fill(self, _BernoulliFOp, lambda shape: g.random(shape) < p)


def _default_random_range(dtype):
    if dtype is D.bool:
        return 0, 2
    if dtype._category == D._INT:
        return 0, int(np.iinfo(dtype.np_dtype).max) + 1
    digits = {D.float16: 11, D.bfloat16: 8, D.float32: 24, D.float64: 53}[dtype]
    return 0, 2 ** digits + 1


@tensor_method()
def random_(self, from_=None, to=None, *, generator=None, **kw):
    """``Tensor.random_()``, ``random_(to)``, ``random_(from, to)``: integers in the range."""
    from_ = kw.pop("from", from_)
    dt = self._dtype
    if dt.is_complex:
        raise _not_implemented("random_from_to_range_calc", dt)
    if from_ is None and to is None:
        low, high = _default_random_range(dt)
        op = _RandomOp
    elif to is None:
        low, high = 0, int(from_)
        op = _RandomToOp
    else:
        low, high = int(from_), int(to)
        op = _RandomFromToOp
    _int_bounds(low, high, dt)
    g = generator_or_default(generator)
    return _fill(self, op, lambda shape: _sample_ints(g, low, high, shape))


def _continuous(self, name):
    if not self._dtype.is_floating_point:
        raise RuntimeError(f"{name} distribution is a continuous probability distribution. dtype "
                           f"must be a floating point but you specified {self._dtype._scalar_name}")


@tensor_method()
def exponential_(self, lambd=1.0, *, generator=None):
    """``Tensor.exponential_(lambd=1)``: samples of density ``lambd * exp(-lambd x)``."""
    _continuous(self, "Exponential")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_fmt(lambd)}")
    g = generator_or_default(generator)
    return _fill(self, _ExponentialOp, lambda shape: g.standard_exponential(shape) / lambd)


@tensor_method()
def geometric_(self, p, *, generator=None):
    """``Tensor.geometric_(p)``: number of trials up to the first success (>= 1)."""
    if not 0 < p < 1:
        raise RuntimeError(f"geometric_ expects p to be in (0, 1), but got p={_fmt(p)}")
    g = generator_or_default(generator)
    return _fill(self, _GeometricOp, lambda shape: g.geometric(p, shape))


@tensor_method()
def log_normal_(self, mean=1.0, std=2.0, *, generator=None):
    """``Tensor.log_normal_(mean=1, std=2)``: ``exp`` of normal samples."""
    _continuous(self, "LogNormal")
    if not std > 0:
        raise RuntimeError(f"log_normal_ expects std > 0.0, but found std={_fmt(std)}")
    g = generator_or_default(generator)
    return _fill(self, _LogNormalOp, lambda shape: g.lognormal(mean, std, shape))


@tensor_method()
def cauchy_(self, median=0.0, sigma=1.0, *, generator=None):
    """``Tensor.cauchy_(median=0, sigma=1)``"""
    _continuous(self, "Cauchy")
    if not sigma > 0:
        raise RuntimeError(f"cauchy_ expects sigma > 0.0, but found sigma={_fmt(sigma)}")
    g = generator_or_default(generator)
    return _fill(self, _CauchyOp, lambda shape: median + sigma * g.standard_cauchy(shape))


Tensor.bernoulli = bernoulli
Tensor.multinomial = multinomial


_ = (builtins, CPU)
