"""Small pieces every ops module uses: the array module of an array, PyTorch's
broadcasting error, and dim normalisation."""

import numpy as np

from .._tensor import wrap_dim

__all__ = ["xp_of", "broadcast_shapes_or_raise", "broadcast_error", "wrap_dim", "dims_arg",
           "select", "add_rows_at"]


# ``np.errstate(...)`` costs about 1 us per op (an object, a new error-mode object, two
# context-variable calls): more than adding two small arrays.  The hot binary ops instead
# swap in a prebuilt all-"ignore" error state through the context variable np.errstate
# itself uses (NumPy >= 2); ``_quiet()`` / ``_loud(token)`` bracket the computation.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _ERR_CV
    with np.errstate(all="ignore"):
        _QUIET_STATE = _ERR_CV.get()
    _quiet_set = _ERR_CV.set
    _loud = _ERR_CV.reset

    def _quiet():
        return _quiet_set(_QUIET_STATE)
except (ImportError, AttributeError):     # another NumPy layout: the public (slower) way
    def _quiet():
        e = np.errstate(all="ignore")
        e.__enter__()
        return e

    def _loud(e):
        e.__exit__(None, None, None)


def xp_of(arr):
    """The array module (numpy or cupy) that ``arr`` belongs to."""
    if arr.__class__ is np.ndarray or not hasattr(arr, "device"):
        return np
    import cupy
    return cupy


def broadcast_error(a_shape, b_shape):
    """PyTorch's RuntimeError for shapes that do not broadcast."""
    na, nb = len(a_shape), len(b_shape)
    n = max(na, nb)
    for i in range(1, n + 1):
        sa = a_shape[-i] if i <= na else 1
        sb = b_shape[-i] if i <= nb else 1
        if sa != sb and sa != 1 and sb != 1:
            return RuntimeError(f"The size of tensor a ({sa}) must match the size of tensor b ({sb}) "
                                f"at non-singleton dimension {n - i}")
    return RuntimeError(f"shapes {list(a_shape)} and {list(b_shape)} cannot be broadcast")


def broadcast_shapes_or_raise(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        for i in range(1, len(shapes)):
            try:
                np.broadcast_shapes(*shapes[: i + 1])
            except ValueError:
                raise broadcast_error(np.broadcast_shapes(*shapes[:i]) if i > 1 else shapes[0],
                                      shapes[i]) from None
        raise


def dims_arg(dim, ndim):
    """Normalise a ``dim`` argument (None, int, or sequence of ints) to a sorted tuple or None."""
    if dim is None:
        return None
    if isinstance(dim, (list, tuple)):
        out = tuple(wrap_dim(d, ndim) for d in dim)
        if len(set(out)) != len(out):
            for d in out:
                if out.count(d) > 1:
                    raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        return tuple(sorted(out))
    return (wrap_dim(dim, ndim),)


_INT_VIEW = {1: np.int8, 2: np.int16, 4: np.int32, 8: np.int64}


def select(cond, x, y):
    """``where(cond, x, y)`` on NumPy arrays, by bit masks instead of NumPy's ``where``.

    NumPy's ``where`` (and every ``where=`` loop) branches per element: with an unpredictable
    mask, like the sign pattern of activations, it is ~10x slower than arithmetic (~250 us
    against ~20 us for 65,536 float32 values here).  Here the mask becomes an integer array of
    all-ones/all-zeros bits, ANDed with the operands' bits: exact for every value, inf and NaN
    included (``x * mask`` is not: ``inf * 0`` is NaN).  ``x`` or ``y`` may be the number 0.
    Returns None when the fast path does not apply (other shapes, dtypes or array types); the
    caller then uses ``where``.
    """
    x_zero = x.__class__ is int and x == 0
    y_zero = y.__class__ is int and y == 0
    arr = x if y_zero else y
    if cond.__class__ is not np.ndarray or arr.__class__ is not np.ndarray or \
            cond.shape != arr.shape or arr.dtype.kind not in "fiu":
        return None
    it = _INT_VIEW[arr.itemsize]
    m = cond.astype(it)                        # 0 / 1
    if y_zero:                                 # keep x where cond: 0 -> 0, 1 -> -1 (all bits)
        np.negative(m, out=m)
        return np.bitwise_and(x.view(it), m, out=m).view(arr.dtype)
    if x_zero:                                 # keep y where not cond: 0 -> -1, 1 -> 0
        np.subtract(m, 1, out=m)
        return np.bitwise_and(y.view(it), m, out=m).view(arr.dtype)
    if x.__class__ is not np.ndarray or x.shape != y.shape or x.dtype != y.dtype:
        return None
    np.negative(m, out=m)
    xb, yb = x.view(it), y.view(it)
    # y ^ ((x ^ y) & m): x's bits where m is all ones, y's where it is zero
    t = np.bitwise_xor(xb, yb)
    np.bitwise_and(t, m, out=t)
    return np.bitwise_xor(t, yb, out=t).view(arr.dtype)


def add_rows_at(out, idx, rows):
    """``out[idx[i]] += rows[i]`` for every ``i``, repeated indices accumulating (``add.at``).

    ``np.add.at`` walks the rows one at a time (~2.5 us a row of 128).  For a 1-D index into
    ``out``'s first axis the indices are sorted instead: equal indices become runs, one
    ``add.reduceat`` sums every run and one fancy-indexed add stores the sums, whose indices
    are now distinct.  The sums' rounding can differ from ``add.at``'s one-by-one order in the
    last bit (PyTorch's CPU kernels do not promise an order either).  Indices must be in range
    (the callers have checked); negative ones count from the end.
    """
    xp = xp_of(out)
    if xp is not np or isinstance(idx, tuple) or idx.ndim != 1 or rows.ndim < 2 or not idx.size:
        xp.add.at(out, idx, rows)
        return
    if idx.min() < 0:
        idx = np.where(idx < 0, idx + out.shape[0], idx)
    order = np.argsort(idx, kind="stable")
    idx = idx[order]
    starts = np.flatnonzero(np.concatenate(([True], idx[1:] != idx[:-1])))
    out[idx[starts]] += np.add.reduceat(rows[order], starts, axis=0)
