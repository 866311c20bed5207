"""Small pieces every ops module uses: the array module of an array, PyTorch's
broadcasting error, and dim normalisation."""

import numpy as np

from .._tensor import wrap_dim

__all__ = ["xp_of", "broadcast_shapes_or_raise", "broadcast_error", "wrap_dim", "dims_arg"]


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
