"""Array kernels that make few passes over memory: float32 GELU and summed products.

``gelu(x) = x * Phi(x)`` needs the normal CDF ``Phi(x) = (1 + erf(x / sqrt 2)) / 2`` of every
activation.  SciPy's erf works in float64 (~20 ns a value), and the backward used to compute it
again.  Here ``Phi`` comes from the formula PyTorch's own CPU kernel uses (Abramowitz & Stegun
7.1.26), so values agree with PyTorch to about an ulp::

    erfc(z) ~= t * P(t) * exp(-z^2),  t = 1 / (1 + p * z),  z >= 0,  |error| < 1.5e-7

``P`` is a degree-4 polynomial.  With ``z = |x| / sqrt 2`` this gives ``Phi(-|x|) =
erfc(z) / 2``, and ``Phi(x) = 1/2 + copysign(1/2 - Phi(-|x|), x)``.  The derivative ``Phi(x) +
x * phi(x)`` reuses ``exp(-x^2 / 2)``, so the forward hands it to the backward for one more
multiply instead of a second erf.  Each step is one ufunc writing into a preallocated buffer,
and the array is walked in chunks of 32K values, so the ~20 passes run over the L2 cache, not
main memory.

``sum_of_products`` is the reduction of layer norm and the softmax backward,
``(a * b).sum(axes)``, as a single einsum, which needs no temporary for the product.
"""

import math

import numpy as np

from ._util import xp_of

__all__ = []

_CHUNK = 1 << 15
_F = np.float32
# t = 1 / (1 + k |x|) with k = p / sqrt(2) is s / k for s = 1 / (1/k + |x|), one op less; the
# polynomial a1 t + ... + a5 t^5 is evaluated in s (coefficients a_i / k^i), halved so that the
# product below is Phi(-|x|) = erfc(z) / 2.
_K = 0.3275911 / math.sqrt(2.0)
_INV_K = _F(1.0 / _K)
_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)     # a5 .. a1
_HALF_P = [_F(0.5 * a / _K ** (5 - i)) for i, a in enumerate(_A)]           # Horner order
_INV_SQRT_2PI = _F(1.0 / math.sqrt(2.0 * math.pi))
_HALF, _ONE = _F(0.5), _F(1.0)
_SIGN_BIT = np.uint32(0x80000000)


def _gelu_chunk(xp, x, y, dy, s, r, e):
    """y = x * Phi(x) and, when ``dy`` is given, dy = Phi(x) + x * phi(x); s, r, e are scratch."""
    xp.abs(x, out=s)
    s += _INV_K
    xp.divide(_ONE, s, out=s)
    xp.multiply(s, _HALF_P[0], out=r)
    for a in _HALF_P[1:]:
        r += a
        r *= s
    xp.multiply(x, _F(-0.5), out=e)
    e *= x
    xp.exp(e, out=e)                     # exp(-x^2 / 2)
    r *= e                               # Phi(-|x|)
    # Phi(x) = 1/2 + copysign(1/2 - Phi(-|x|), x).  The first argument is >= 0, so copysign is
    # an OR with x's sign bit: two SIMD integer passes (np.copysign is a scalar loop, ~5 passes)
    xp.subtract(_HALF, r, out=r)
    sign = s.view(xp.uint32)
    xp.bitwise_and(x.view(xp.uint32), _SIGN_BIT, out=sign)
    xp.bitwise_or(r.view(xp.uint32), sign, out=r.view(xp.uint32))
    r += _HALF                           # Phi(x)
    xp.multiply(x, r, out=y)
    if dy is not None:
        e *= x
        e *= _INV_SQRT_2PI               # x * phi(x)
        xp.add(r, e, out=dy)


def gelu_float32(x, need_grad):
    """``(gelu(x), d gelu / dx)`` of a float32 array (the second is None unless ``need_grad``).

    Outputs have ``x``'s shape and memory layout.  A C-contiguous ``x`` on the CPU is walked in
    chunks; anything else (CuPy, strided views) is computed in one piece.
    """
    xp = xp_of(x)
    y = xp.empty_like(x)
    dy = xp.empty_like(x) if need_grad else None
    with np.errstate(over="ignore", invalid="ignore"):
        if xp is not np or not x.flags.c_contiguous or x.size <= _CHUNK:
            _gelu_chunk(xp, x, y, dy, *(xp.empty_like(x) for _ in range(3)))
            return y, dy
        xs, ys = x.reshape(-1), y.reshape(-1)
        ds = dy.reshape(-1) if need_grad else None
        scratch = [np.empty(_CHUNK, _F) for _ in range(3)]
        for i in range(0, xs.size, _CHUNK):
            part = slice(i, i + _CHUNK)
            n = min(_CHUNK, xs.size - i)
            _gelu_chunk(np, xs[part], ys[part], ds[part] if need_grad else None,
                        *(s[:n] for s in scratch))
    return y, dy


_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_EINSUM_MAX_TERMS = 4096


def sum_of_products(axes, *arrays, keepdims=False):
    """The sum over ``axes`` of the product of same-shape ``arrays`` (one or more).

    As one einsum it needs no temporary for the product and runs 2-3x faster than
    ``(a * b).sum(axes)``.  einsum adds the terms one after another, though, so its rounding
    error grows with their number, where ``np.sum`` sums a contiguous axis pairwise: up to
    4096 terms the two are equally accurate (~1e-7 relative in float32); longer sums take
    ``np.sum``.
    """
    a = arrays[0]
    if math.prod(a.shape[i] for i in axes if i < a.ndim) > _EINSUM_MAX_TERMS:   # 0-d: axis 0
        for b in arrays[1:]:
            a = a * b
        return a.sum(axis=axes, keepdims=keepdims)
    full = _LETTERS[:a.ndim]
    kept = "".join(c for i, c in enumerate(full) if i not in axes)
    out = xp_of(a).einsum(",".join([full] * len(arrays)) + "->" + kept, *arrays)
    if keepdims:
        out = out.reshape(tuple(1 if i in axes else n for i, n in enumerate(a.shape)))
    return out
