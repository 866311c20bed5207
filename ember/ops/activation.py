"""Softmax family and the activations ``nn`` uses, each one pass over memory.

Forwards are array code, numerically stable: log-softmax subtracts the row max, softmax does
when its input could overflow ``exp`` (otherwise the shift changes nothing but the rounding,
and a per-row max and subtraction cost as much as the ``exp`` itself).
Backwards are Ember tensor ops when the gradient is itself recorded
(``create_graph=True``), so second derivatives work; in the usual backward, with
nothing recorded, softmax, log-softmax and GELU run the same formula as array
code, without an op (and its temporaries) per term.
"""

import math

import numpy as np

from .. import _dtype as D
from ..autograd import grad_mode
from ..autograd.function import NULL_CTX, Op
from ._fast_special import gelu_float32, sum_of_products
from ._util import _loud, _quiet, xp_of

__all__ = []

_state = grad_mode.state


def _tensor(arr):
    from .._tensor import Tensor
    return Tensor._make(arr)


def _float(x):
    if x.dtype.kind in "biu":
        return x.astype(D.get_default_dtype().np_dtype)
    return x


def _shifted(xp, x, dim):
    """``x - max(x, dim)`` as a new C-contiguous array (PyTorch's softmax outputs are).

    All -inf rows give nan, silently as in PyTorch: callers run it under ``_quiet()``."""
    x = _float(x)
    out = xp.empty(x.shape, x.dtype)
    if x.size:
        xp.subtract(x, x.max(axis=dim, keepdims=True), out=out)
    return out


# softmax(x) = exp(x) / sum(exp(x)) needs no shift by the row max when the largest value is at
# most 60 (exp(60) ~ 1e26: a trillion of them still fit float32) and every row's sum is at least
# 1e-7 (its max is then > -88 - log(row length), so the terms that matter are normal numbers):
# one flat max and a check of the sums replace a per-row max and a per-row subtraction (a nan
# fails both checks).  Log-softmax keeps the shift: x - log(sum) would lose the small values'
# precision next to a large one.
_UNSHIFTED_MAX = 60.0
_UNSHIFTED_MIN_SUM = 1e-7


def _softmax(xp, x, dim):
    """``softmax(x, dim)`` as a new C-contiguous array; exp unshifted when that is exact enough."""
    x = _float(x)
    if x.dtype.kind == "f" and x.dtype.itemsize >= 4 and x.size and x.max() <= _UNSHIFTED_MAX:
        y = xp.empty(x.shape, x.dtype)
        xp.exp(x, out=y)
        total = sum_of_products((dim,), y, keepdims=True)
        if total.min() >= _UNSHIFTED_MIN_SUM:
            y *= 1 / total
            return y
    token = _quiet()
    try:
        y = _shifted(xp, x, dim)
        xp.exp(y, out=y)                 # one buffer for shift, exp and normalisation
        y *= 1 / sum_of_products((dim,), y, keepdims=True)
    finally:
        _loud(token)
    return y


class Softmax(Op):
    node_name = "SoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim=-1):
        y = _softmax(xp_of(x), x, dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if not _state.grad_enabled:      # no graph of the gradient: two passes of array code
            g, ya = grad._data, y._data
            gx = g - sum_of_products((ctx.dim,), g, ya, keepdims=True)
            gx *= ya
            return _tensor(gx)
        gy = grad * y
        return gy - y * gy.sum(ctx.dim, keepdim=True)


class LogSoftmax(Op):
    node_name = "LogSoftmaxBackward0"

    @staticmethod
    def forward(ctx, x, dim=-1):
        xp = xp_of(x)
        token = _quiet()
        try:
            y = _shifted(xp, x, dim)
            y -= xp.log(sum_of_products((dim,), xp.exp(y), keepdims=True))
        finally:
            _loud(token)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        if not _state.grad_enabled:
            g = grad._data
            return _tensor(g - xp_of(g).exp(y._data) * sum_of_products((ctx.dim,), g, keepdims=True))
        return grad - y.exp() * grad.sum(ctx.dim, keepdim=True)


def _unary(name, fwd, bwd, node):
    """A one-input activation Op: ``fwd(xp, x, **kw)`` on arrays, ``bwd(grad, x, y, **kw)`` in tensors."""

    def forward(ctx, x, **kw):
        x = _float(x)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            y = fwd(xp_of(x), x, **kw)
        ctx.save_for_backward(x, y)
        ctx.kw = kw
        return y.astype(x.dtype, copy=False)

    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return bwd(grad, x, y, **ctx.kw)

    return type(name, (Op,), {"node_name": node, "forward": staticmethod(forward),
                              "backward": staticmethod(backward), "__module__": __name__})


_SQRT_2 = math.sqrt(2.0)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


def _tanh_inner(x):
    return _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)


def _gelu_tanh_grad(x, t):
    """d/dx of 0.5 x (1 + t), t = tanh(_tanh_inner(x)); for arrays and for tensors alike."""
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)


def _gelu_arrays(xp, x, approximate, need_grad):
    """(gelu(x), d gelu / dx or None) in array code, for any floating dtype."""
    if x.dtype == np.float16:            # PyTorch computes half-precision GELU in float32
        y, d = _gelu_arrays(xp, x.astype(np.float32), approximate, need_grad)
        return y.astype(x.dtype), None if d is None else d.astype(x.dtype)
    if approximate == "tanh":
        t = xp.tanh(_tanh_inner(x))
        return 0.5 * x * (1 + t), _gelu_tanh_grad(x, t) if need_grad else None
    if x.dtype == np.float32:
        return gelu_float32(x, need_grad)
    from .pointwise import _erf
    cdf = 0.5 * (1 + _erf(xp, x / _SQRT_2))
    y = x * cdf
    if not need_grad:
        return y, None
    return y, cdf + x * xp.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _gelu_bwd(g, x, approximate):
    """The GELU gradient in differentiable tensor ops (used when the gradient gets a graph)."""
    if approximate == "tanh":
        return g * _gelu_tanh_grad(x, _tanh_inner(x).tanh())
    cdf = 0.5 * (1 + (x / _SQRT_2).erf())
    pdf = (-0.5 * x * x).exp() / math.sqrt(2 * math.pi)
    return g * (cdf + x * pdf)


class GELU(Op):
    """GELU; the forward also computes the derivative (it shares exp and erf work with the
    value), so the usual backward is one multiply."""

    node_name = "GeluBackward0"

    @staticmethod
    def forward(ctx, x, approximate="none"):
        x = _float(x)
        with np.errstate(over="ignore", invalid="ignore"):
            y, d = _gelu_arrays(xp_of(x), x, approximate, ctx is not NULL_CTX)
        ctx.approximate = approximate
        ctx.save_for_backward(x, d)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, d = ctx.saved_tensors
        if not _state.grad_enabled:
            return _tensor(grad._data * d._data)
        return _gelu_bwd(grad, x, ctx.approximate)


def _sig(xp, x):
    return 1 / (1 + xp.exp(-x))


SiLU = _unary("SiLU", lambda xp, x: x * _sig(xp, x),
              lambda g, x, y: g * (x.sigmoid() * (1 + x * (1 - x.sigmoid()))), "SiluBackward0")
LeakyReLU = _unary("LeakyReLU", lambda xp, x, negative_slope=0.01: xp.where(x > 0, x, x * negative_slope),
                   lambda g, x, y, negative_slope=0.01: g * ((x > 0) + (x <= 0) * negative_slope),
                   "LeakyReluBackward0")
ELU = _unary("ELU", lambda xp, x, alpha=1.0, scale=1.0, input_scale=1.0:
             scale * xp.where(x > 0, x, alpha * (xp.exp(x * input_scale) - 1)),
             lambda g, x, y, alpha=1.0, scale=1.0, input_scale=1.0:
             g * ((x > 0) * scale + (x <= 0) * (y + alpha * scale) * input_scale),
             "EluBackward0")
Softplus = _unary("Softplus", lambda xp, x, beta=1.0, threshold=20.0:
                  xp.where(x * beta > threshold, x, xp.log1p(xp.exp(x * beta)) / beta),
                  lambda g, x, y, beta=1.0, threshold=20.0:
                  g * ((x * beta > threshold) + (x * beta <= threshold) * (x * beta).sigmoid()),
                  "SoftplusBackward0")
Hardtanh = _unary("Hardtanh", lambda xp, x, min_val=-1.0, max_val=1.0: xp.clip(x, min_val, max_val),
                  lambda g, x, y, min_val=-1.0, max_val=1.0: g * ((x > min_val) & (x < max_val)),
                  "HardtanhBackward0")
Mish = _unary("Mish", lambda xp, x: x * xp.tanh(xp.logaddexp(0, x)),
              lambda g, x, y: g * ((x.exp().log1p()).tanh() + x * x.sigmoid() *
                                   (1 - (x.exp().log1p()).tanh() ** 2)), "MishBackward0")
LogSigmoid = _unary("LogSigmoid", lambda xp, x: -xp.logaddexp(0, -x),
                    lambda g, x, y: g * (1 - x.sigmoid()), "LogSigmoidBackward0")
Hardsigmoid = _unary("Hardsigmoid", lambda xp, x: xp.clip(x / 6 + 0.5, 0, 1),
                     lambda g, x, y: g * ((x > -3) & (x < 3)) / 6, "HardsigmoidBackward0")
Hardswish = _unary("Hardswish", lambda xp, x: x * xp.clip(x + 3, 0, 6) / 6,
                   lambda g, x, y: g * ((x > 3) + ((x >= -3) & (x <= 3)) * (2 * x + 3) / 6),
                   "HardswishBackward0")
Softsign = _unary("Softsign", lambda xp, x: x / (1 + xp.abs(x)),
                  lambda g, x, y: g / (1 + x.abs()) ** 2, "DivBackward0")
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
CELU = _unary("CELU", lambda xp, x, alpha=1.0: xp.where(x > 0, x, alpha * (xp.exp(x / alpha) - 1)),
              lambda g, x, y, alpha=1.0: g * ((x > 0) + (x <= 0) * (x / alpha).exp()),
              "CeluBackward0")
Threshold = _unary("Threshold", lambda xp, x, threshold=0.0, value=0.0: xp.where(x > threshold, x, value),
                   lambda g, x, y, threshold=0.0, value=0.0: g * (x > threshold), "ThresholdBackward0")
ReLU6 = _unary("ReLU6", lambda xp, x: xp.clip(x, 0, 6),
               lambda g, x, y: g * ((x > 0) & (x < 6)), "HardtanhBackward0")
