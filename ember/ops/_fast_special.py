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

``sum_of_products`` is the reduction of the norms and the softmax family,
``(a * b).sum(axes)``, as one BLAS call or einsum, which needs no temporary for the product.
"""

import functools
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
_BLAS_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
_VECDOT_MIN_TERMS = 256


def sum_of_products(axes, *arrays, keepdims=False):
    """The sum over ``axes`` (ascending) of the product of same-shape ``arrays`` (one or more).

    Row sums, column sums and row dot products of C-contiguous float arrays are BLAS calls
    (``rows @ ones``, ``ones @ rows``, ``vecdot``); anything else is one einsum.  Neither
    needs a temporary for the product, and both run 2-3x faster than ``(a * b).sum(axes)``.
    They add the terms in a few running sums, though, so their rounding error grows with the
    number of terms, where ``np.sum`` sums a contiguous axis pairwise: up to 4096 terms they
    are equally accurate (~1e-7 relative in float32); longer sums take ``np.sum``.
    """
    a = arrays[0]
    if isinstance(a, np.generic):              # a ufunc's 0-d result
        arrays = tuple(np.asarray(b) for b in arrays)
        a = arrays[0]
    kind, terms, out_shape, subscripts = _plan(a.shape, tuple(axes), len(arrays), keepdims)
    if kind == "sum":
        for b in arrays[1:]:
            a = a * b
        return a.sum(axis=axes, keepdims=keepdims)
    if kind != "einsum" and a.__class__ is np.ndarray and a.dtype in _BLAS_DTYPES and \
            a.flags.c_contiguous and _same_layout(a, arrays):
        if kind == "rows":
            out = a.reshape(-1, terms) @ _ones(terms, a.dtype)
        elif kind == "row_dots":
            out = np.vecdot(a.reshape(-1, terms), arrays[1].reshape(-1, terms))
        else:
            out = _ones(terms, a.dtype) @ a.reshape(terms, -1)
    else:
        out = xp_of(a).einsum(subscripts, *arrays)
    return out.reshape(out_shape)


@functools.lru_cache(maxsize=256)
def _plan(shape, axes, n_arrays, keepdims):
    """How ``sum_of_products`` sums: ``(kind, terms, out_shape, einsum subscripts)``.

    Trailing ``axes`` are the rows of a (rows, terms) matrix: its row sums are a
    matrix-vector product with ones ("rows") and the row sums of a product of two are
    ``vecdot`` ("row_dots": one BLAS dot per row, faster than einsum from 256 terms a row,
    slower below 128).  Leading ``axes`` of one array give column sums, ``ones @ matrix``
    ("columns").  Sums of more than 4096 terms are "sum" (``np.sum``); the rest "einsum".
    """
    ndim = len(shape)
    axes = axes if ndim else ()                # a 0-d array has no axis 0
    terms = math.prod([shape[i] for i in axes])
    out_shape = tuple([1 if i in axes else n for i, n in enumerate(shape)] if keepdims else
                      [n for i, n in enumerate(shape) if i not in axes])
    full = _LETTERS[:ndim]
    subscripts = ",".join([full] * n_arrays) + "->" + \
        "".join([c for i, c in enumerate(full) if i not in axes])
    kind = "einsum"
    if terms > _EINSUM_MAX_TERMS:
        kind = "sum"
    elif terms and axes == tuple(range(ndim - len(axes), ndim)):
        if n_arrays == 1:
            kind = "rows"
        elif n_arrays == 2 and terms >= _VECDOT_MIN_TERMS:
            kind = "row_dots"
    elif terms and n_arrays == 1 and axes == tuple(range(len(axes))):
        kind = "columns"
    return kind, terms, out_shape, subscripts


def _same_layout(a, arrays):
    """Whether the other ``arrays`` are C-contiguous NumPy arrays of ``a``'s shape and dtype."""
    for b in arrays[1:]:
        if b.__class__ is not np.ndarray or b.dtype != a.dtype or b.shape != a.shape or \
                not b.flags.c_contiguous:
            return False
    return True


@functools.lru_cache(maxsize=64)
def _ones(n, dtype):
    """A read-only vector of ``n`` ones (the summing vector of the BLAS sums), made once."""
    v = np.ones(n, dtype)
    v.flags.writeable = False
    return v
