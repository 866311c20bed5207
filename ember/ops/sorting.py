"""Sorting and selection: sort, topk, kthvalue, median, mode, unique, counting and searching.

Values never depend on the algorithm, but the *indices* of equal values do:
PyTorch's CPU kernels run particular C++ algorithms (``std::nth_element``,
``std::partial_sort``, ``std::sort`` from libstdc++, and TH's quickselect)
whose tie order is an accident of the algorithm.  Where that order is
deterministic, Ember replays the same algorithm on the rows that have ties
(``_Cxx`` below) and takes NumPy's fast path everywhere else.  The one place
this is impossible is ``sort(stable=False)`` of int32/int64/float32/float64,
which PyTorch hands to x86-simd-sort (the tie order depends on the CPU's
vector width): Ember sorts stably there, a valid answer PyTorch may not give.
"""


import numpy as np

from .. import _dtype as D
from .._tensor import Tensor, _scalar_type_name, tensor_method, wrap_dim
from ..autograd.function import Op
from ._util import xp_of
from .reduction import (PutAlongAdd, _const, _evenly, _install_aliases, _nonempty_dim, _out,
                        _select_backward, return_types)

__all__ = ["sort", "argsort", "msort", "topk", "kthvalue", "median", "nanmedian", "mode",
           "unique", "unique_consecutive", "bincount", "histc", "searchsorted", "bucketize"]


# ---------------------------------------------------------------------- libstdc++ replays
class _Cxx:
    """libstdc++'s ``std::sort``, ``std::nth_element`` and ``std::partial_sort`` on a Python
    list, step for step, so that equal keys end up where PyTorch's kernels put them."""

    def __init__(self, a, less):
        self.a, self.less = a, less

    def swap(self, i, j):
        a = self.a
        a[i], a[j] = a[j], a[i]

    # --- insertion sorts
    def unguarded_linear_insert(self, last):
        a, less = self.a, self.less
        val = a[last]
        nxt = last - 1
        while less(val, a[nxt]):
            a[last] = a[nxt]
            last = nxt
            nxt -= 1
        a[last] = val

    def insertion_sort(self, first, last):
        a, less = self.a, self.less
        if first == last:
            return
        for i in range(first + 1, last):
            if less(a[i], a[first]):
                val = a[i]
                a[first + 1:i + 1] = a[first:i]
                a[first] = val
            else:
                self.unguarded_linear_insert(i)

    def final_insertion_sort(self, first, last):
        if last - first > 16:
            self.insertion_sort(first, first + 16)
            for i in range(first + 16, last):
                self.unguarded_linear_insert(i)
        else:
            self.insertion_sort(first, last)

    # --- quicksort partition
    def move_median_to_first(self, result, x, y, z):
        a, less = self.a, self.less
        if less(a[x], a[y]):
            if less(a[y], a[z]):
                self.swap(result, y)
            elif less(a[x], a[z]):
                self.swap(result, z)
            else:
                self.swap(result, x)
        elif less(a[x], a[z]):
            self.swap(result, x)
        elif less(a[y], a[z]):
            self.swap(result, z)
        else:
            self.swap(result, y)

    def unguarded_partition(self, first, last, pivot):
        a, less = self.a, self.less
        while True:
            while less(a[first], a[pivot]):
                first += 1
            last -= 1
            while less(a[pivot], a[last]):
                last -= 1
            if not first < last:
                return first
            self.swap(first, last)
            first += 1

    def unguarded_partition_pivot(self, first, last):
        mid = first + (last - first) // 2
        self.move_median_to_first(first, first + 1, mid, last - 1)
        return self.unguarded_partition(first + 1, last, first)

    # --- heaps
    def adjust_heap(self, f, hole, length, value):
        a, less = self.a, self.less
        top = hole
        child = hole
        while child < (length - 1) // 2:
            child = 2 * (child + 1)
            if less(a[f + child], a[f + child - 1]):
                child -= 1
            a[f + hole] = a[f + child]
            hole = child
        if (length & 1) == 0 and child == (length - 2) // 2:
            child = 2 * (child + 1)
            a[f + hole] = a[f + child - 1]
            hole = child - 1
        parent = (hole - 1) // 2
        while hole > top and less(a[f + parent], value):
            a[f + hole] = a[f + parent]
            hole = parent
            parent = (hole - 1) // 2
        a[f + hole] = value

    def make_heap(self, first, last):
        length = last - first
        if length < 2:
            return
        parent = (length - 2) // 2
        while True:
            self.adjust_heap(first, parent, length, self.a[first + parent])
            if parent == 0:
                return
            parent -= 1

    def pop_heap(self, first, last, result):
        a = self.a
        value = a[result]
        a[result] = a[first]
        self.adjust_heap(first, 0, last - first, value)

    def heap_select(self, first, middle, last):
        self.make_heap(first, middle)
        for i in range(middle, last):
            if self.less(self.a[i], self.a[first]):
                self.pop_heap(first, middle, i)

    def sort_heap(self, first, last):
        while last - first > 1:
            last -= 1
            self.pop_heap(first, last, last)

    # --- the algorithms
    def introsort_loop(self, first, last, depth):
        while last - first > 16:
            if depth == 0:
                self.heap_select(first, last, last)
                self.sort_heap(first, last)
                return
            depth -= 1
            cut = self.unguarded_partition_pivot(first, last)
            self.introsort_loop(cut, last, depth)
            last = cut

    def sort(self, first=0, last=None):
        last = len(self.a) if last is None else last
        if last - first > 1:
            self.introsort_loop(first, last, 2 * ((last - first).bit_length() - 1))
            self.final_insertion_sort(first, last)

    def nth_element(self, nth):
        first, last = 0, len(self.a)
        if first == last or nth == last:
            return
        depth = 2 * ((last - first).bit_length() - 1)
        while last - first > 3:
            if depth == 0:
                self.heap_select(first, nth + 1, last)
                self.swap(first, nth)
                return
            depth -= 1
            cut = self.unguarded_partition_pivot(first, last)
            if cut <= nth:
                first = cut
            else:
                last = cut
        self.insertion_sort(first, last)

    def partial_sort(self, middle):
        self.heap_select(0, middle, len(self.a))
        self.sort_heap(0, middle)


def _isnan(v):
    return v != v


def _less_asc(x, y):
    return (not _isnan(x[0]) and _isnan(y[0])) or x[0] < y[0]


def _less_desc(x, y):
    return (_isnan(x[0]) and not _isnan(y[0])) or x[0] > y[0]


def _to_host(a):
    """A NumPy copy of a (possibly CuPy) array, for the per-row Python replays."""
    return a if isinstance(a, np.ndarray) else a.get()


def _pairs(row):
    return [(v, i) for i, v in enumerate(row.tolist())]


def _rows_with_ties(xp, rows):
    """Indices of the rows (of a 2-D array) where some value occurs twice (NaN equals NaN)."""
    s = xp.sort(rows, axis=1)
    eq = s[:, 1:] == s[:, :-1]
    if s.dtype.kind in "fc":
        eq = eq | (xp.isnan(s[:, 1:]) & xp.isnan(s[:, :-1]))
    return [int(i) for i in xp.nonzero(eq.any(axis=1))[0]]


def _quick_select(pairs, k):
    """TH's quickselect as PyTorch's ``kthvalue`` runs it (NaN sorts as the largest)."""
    def gt(x, y):
        return (_isnan(x[0]) and not _isnan(y[0])) or x[0] > y[0]

    a = pairs
    L, R = 0, len(a) - 1
    while True:
        if R <= L:
            return a[k]
        if R == L + 1:
            if gt(a[L], a[R]):
                a[L], a[R] = a[R], a[L]
            return a[k]
        P = (L + R) >> 1
        a[P], a[L + 1] = a[L + 1], a[P]
        if gt(a[L + 1], a[R]):
            a[L + 1], a[R] = a[R], a[L + 1]
        if gt(a[L], a[R]):
            a[L], a[R] = a[R], a[L]
        if gt(a[L + 1], a[L]):
            a[L + 1], a[L] = a[L], a[L + 1]
        i, j = L + 1, R
        piv = a[L]
        while True:
            i += 1
            while gt(piv, a[i]):
                i += 1
            j -= 1
            while gt(a[j], piv):
                j -= 1
            if j < i:
                break
            a[i], a[j] = a[j], a[i]
        a[L], a[j] = a[j], a[L]
        if j <= k:
            L = i
        if j >= k:
            R = j - 1


# ---------------------------------------------------------------------- helpers
def _rows(x, dim):
    """``x`` with ``dim`` moved last and the other dims flattened: (rows, n)."""
    xp = xp_of(x)
    m = xp.moveaxis(x, dim, -1)
    return m.reshape(-1, m.shape[-1]) if m.size else m.reshape(-1, m.shape[-1] if m.ndim else 1)


def _stable_argsort(xp, x, axis, descending):
    """Stable argsort with NaN last (first when descending), as PyTorch's stable sort orders."""
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    flipped = xp.flip(x, axis=axis)
    return (n - 1) - xp.flip(xp.argsort(flipped, axis=axis, kind="stable"), axis=axis)


def _check_sortable(input, name="Sort"):
    if input._dtype.is_complex:
        raise RuntimeError(f" {name} does not support complex dtypes on CPU")


def _tuple_out(name, vals, idx, out):
    if out is not None:
        _out(out[0], vals)
        _out(out[1], idx)
        return getattr(return_types, name + "_out")(out)
    return getattr(return_types, name)((vals, idx))


def _keep_bf16(input, t):
    if input._dtype is D.bfloat16:
        t._dtype = D.bfloat16
    return t


# ---------------------------------------------------------------------- sort
# dtypes PyTorch's CPU sort hands to std::sort (int32/int64/float32/float64 go to x86-simd-sort)
_STD_SORT_DTYPES = (np.dtype(np.int8), np.dtype(np.int16), np.dtype(np.uint8),
                    np.dtype(np.float16), np.dtype(np.bool_))


class Sort(Op):
    node_name = "SortBackward0"

    @staticmethod
    def forward(ctx, x, dim=-1, descending=False, stable=True):
        xp = xp_of(x)
        ctx.dim, ctx.shape = dim, x.shape
        if x.ndim == 0:
            idx = xp.zeros((), np.int64)
            ctx.idx = idx
            return x.copy(), idx
        idx = _stable_argsort(xp, x, dim, descending).astype(np.int64, copy=False)
        if not stable and x.dtype in _STD_SORT_DTYPES and x.shape[dim] > 16:
            # PyTorch runs std::sort on these dtypes: replay it where ties make it matter
            rows_x = _to_host(_rows(x, dim))
            rows_i = _to_host(_rows(idx, dim)).copy()
            less = _less_desc if descending else _less_asc
            for r in _rows_with_ties(np, rows_x):
                c = _Cxx(_pairs(rows_x[r]), less)
                c.sort()
                rows_i[r] = [p[1] for p in c.a]
            moved = xp.moveaxis(idx, dim, -1).shape
            idx = xp.moveaxis(xp.asarray(rows_i).reshape(moved), -1, dim)
        ctx.idx = idx
        return xp.take_along_axis(x, idx, axis=dim), idx

    @staticmethod
    def backward(ctx, grad, _gi=None):
        if not ctx.shape:
            return grad
        return PutAlongAdd.apply(grad, _const(ctx.idx), dim=ctx.dim, shape=ctx.shape)


class SortStable(Sort):
    node_name = "SortBackward1"


@tensor_method()
def sort(input, dim=-1, descending=False, *, stable=None, out=None):
    """``torch.sort``: the named tuple ``(values, indices)``; NaN sorts as the largest value.

    Ties keep their input order with ``stable=True``; otherwise they come in the order
    PyTorch's CPU kernel leaves them, except for int32/int64/float32/float64, where PyTorch's
    order depends on the CPU's vector unit and Ember sorts stably.
    """
    _check_sortable(input)
    d = wrap_dim(dim, input.ndim)
    op = Sort if stable is None else SortStable
    vals, idx = op.apply(input, dim=d, descending=bool(descending),
                         stable=bool(stable) or input._dtype is D.bfloat16)
    return _tuple_out("sort", _keep_bf16(input, vals), idx, out)


@tensor_method()
def argsort(input, dim=-1, descending=False, stable=False):
    """``torch.argsort``: the indices of ``sort``."""
    _check_sortable(input)
    d = wrap_dim(dim, input.ndim)
    from ..autograd.grad_mode import no_grad
    with no_grad():
        return Sort.apply(input, dim=d, descending=bool(descending),
                          stable=bool(stable) or input._dtype is D.bfloat16)[1]


@tensor_method()
def msort(input, *, out=None):
    """``torch.msort``: ``sort(input, dim=0).values``."""
    _check_sortable(input)
    vals, _ = Sort.apply(input, dim=0, descending=False, stable=input._dtype is D.bfloat16)
    r = _keep_bf16(input, vals)
    return r if out is None else _out(out, r)


# ---------------------------------------------------------------------- topk
class Topk(Op):
    node_name = "TopkBackward0"

    @staticmethod
    def forward(ctx, x, k=1, dim=-1, largest=True, sorted=True):
        xp = xp_of(x)
        ctx.dim, ctx.shape = dim, x.shape
        if x.ndim == 0:
            idx = xp.zeros((), np.int64)
            ctx.idx = idx
            return (x.copy(), idx) if k else (x.reshape(0)[:0], idx.reshape(0)[:0])
        idx = _stable_argsort(xp, x, dim, largest)
        idx = xp.take(idx, xp.arange(k), axis=dim).astype(np.int64)
        n = x.shape[dim]
        if k and (not sorted or n > 1):
            rows_x = _to_host(_rows(x, dim))
            rows_i = _to_host(_rows(idx, dim)).copy()
            less = _less_desc if largest else _less_asc
            # with distinct values a sorted answer does not depend on the algorithm
            todo = _rows_with_ties(np, rows_x) if sorted else range(rows_x.shape[0])
            for r in todo:
                row = rows_x[r]
                c = _Cxx(_pairs(row), less)
                if k * 64 <= n:
                    c.partial_sort(k)
                else:
                    c.nth_element(k - 1)
                    if sorted:
                        c.sort(0, k - 1)
                rows_i[r] = [p[1] for p in c.a[:k]]
            moved = xp.moveaxis(idx, dim, -1).shape
            idx = xp.moveaxis(xp.asarray(rows_i).reshape(moved), -1, dim)
        ctx.idx = idx
        return xp.take_along_axis(x, idx, axis=dim), idx

    @staticmethod
    def backward(ctx, grad, _gi=None):
        if not ctx.shape:
            return grad.reshape(())
        return PutAlongAdd.apply(grad, _const(ctx.idx), dim=ctx.dim, shape=ctx.shape)


@tensor_method()
def topk(input, k, dim=-1, largest=True, sorted=True, *, out=None):
    """``torch.topk``: the ``k`` largest (or smallest) values along ``dim`` and their indices,
    with the indices PyTorch's CPU kernel gives for ties."""
    _check_sortable(input, "topk")
    if input._dtype is D.bool:
        raise RuntimeError("topk does not support bool dtypes on CPU")
    d = wrap_dim(dim, input.ndim)
    n = input.shape[d] if input.ndim else 1
    if not 0 <= k <= n:
        raise RuntimeError("selected index k out of range")
    vals, idx = Topk.apply(input, k=int(k), dim=d, largest=bool(largest), sorted=bool(sorted))
    return _tuple_out("topk", _keep_bf16(input, vals), idx, out)


# ---------------------------------------------------------------------- one value per row
class _SelectOne(Op):
    """Base of kthvalue/median/mode along a dim: ``(values, indices)``, grad to the index."""

    node_name = None

    @classmethod
    def forward(cls, ctx, x, dim=0, keepdim=False, **kw):
        xp = xp_of(x)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        if x.ndim == 0:
            ctx.idx = xp.zeros((), np.int64)
            return x.copy(), xp.zeros((), np.int64)
        idx = cls.pick(xp, x, dim, **kw)           # indices with dim kept
        ctx.idx = idx
        vals = xp.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            vals, idx = vals.squeeze(dim), idx.squeeze(dim)
        return vals, idx

    @staticmethod
    def backward(ctx, grad, _gi=None):
        return _select_backward(grad, ctx.shape, ctx.dim, ctx.keepdim, ctx.idx)


def _per_row(xp, x, dim, fn):
    """Apply ``fn(row) -> index`` to every row along ``dim``; indices with ``dim`` kept."""
    rows = _to_host(_rows(x, dim))
    out = np.array([fn(rows[r]) for r in range(rows.shape[0])], dtype=np.int64)
    shape = list(x.shape)
    shape[dim] = 1
    return xp.asarray(xp.moveaxis(xp.asarray(out).reshape(
        [s for i, s in enumerate(shape) if i != dim] + [1]), -1, dim))


class Kthvalue(_SelectOne):
    node_name = "KthvalueBackward0"

    @staticmethod
    def pick(xp, x, dim, k=1):
        order = xp.argsort(x, axis=dim, kind="stable")
        idx = xp.take(order, xp.asarray([k - 1]), axis=dim)
        kth = xp.take_along_axis(x, idx, axis=dim)
        eq = (x == kth) | (_nan(xp, x) & _nan(xp, kth))
        if not (eq.sum(axis=dim) > 1).any():
            return idx.astype(np.int64)

        def row_pick(row):
            return _quick_select(_pairs(row), k - 1)[1]
        return _per_row(xp, x, dim, row_pick)


def _nan(xp, x):
    return xp.isnan(x) if x.dtype.kind in "fc" else xp.zeros(x.shape, bool)


@tensor_method()
def kthvalue(input, k, dim=-1, keepdim=False, *, out=None):
    """``torch.kthvalue``: the k-th smallest value along ``dim`` (NaN is the largest) and its
    index, with PyTorch's choice among equal values."""
    if input._dtype is D.bool or input._dtype.is_complex:
        raise NotImplementedError(f"\"kthvalue_cpu\" not implemented for "
                                  f"'{_scalar_type_name(input._dtype)}'")
    d = wrap_dim(dim, input.ndim)
    _nonempty_dim(input, d, "kthvalue")
    n = input.shape[d] if input.ndim else 1
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    vals, idx = Kthvalue.apply(input, dim=d, keepdim=keepdim, k=int(k))
    return _tuple_out("kthvalue", _keep_bf16(input, vals), idx, out)


class MedianDim(_SelectOne):
    node_name = "MedianBackward1"

    @staticmethod
    def pick(xp, x, dim):
        # PyTorch orders by (value, index), so the lower median among equal values is the
        # one a stable sort puts at position (n - 1) // 2; a NaN anywhere is the median itself.
        n = x.shape[dim]
        order = xp.argsort(x, axis=dim, kind="stable")
        idx = xp.take(order, xp.asarray([(n - 1) // 2]), axis=dim)
        nan = _nan(xp, x)
        if nan.any():
            has = nan.any(axis=dim, keepdims=True)
            first_nan = xp.argmax(nan, axis=dim, keepdims=True)
            idx = xp.where(has, first_nan, idx)
        return idx.astype(np.int64)


class NanmedianDim(_SelectOne):
    node_name = "NanmedianBackward1"

    @staticmethod
    def pick(xp, x, dim):
        n = x.shape[dim]
        order = xp.argsort(x, axis=dim, kind="stable")      # NaNs last
        n_nan = _nan(xp, x).sum(axis=dim, keepdims=True)
        k = xp.maximum((n - n_nan - 1) // 2, 0)
        k = xp.where(n - n_nan - 1 < 0, 0, k)
        idx = xp.take_along_axis(order, k, axis=dim).astype(np.int64)
        if (n_nan == n).any():
            # all-NaN rows: every element is "equal", so the index is where std::nth_element
            # leaves element 0
            c = _Cxx(list(range(n)), lambda a, b: False)
            c.nth_element(0)
            idx = xp.where(n_nan == n, c.a[0], idx)
        return idx


class MedianAll(Op):
    node_name = "MedianBackward0"
    ignore_nan = False

    @classmethod
    def forward(cls, ctx, x):
        xp = xp_of(x)
        flat = xp.sort(x.reshape(-1))
        n = flat.size
        if n == 0:
            r = xp.asarray(np.nan, dtype=x.dtype)
        else:
            nan = _nan(xp, flat)
            if cls.ignore_nan:
                r = flat[_builtin_max_int(((n - 1) - int(nan.sum())) // 2)]
            else:
                r = flat[-1] if bool(nan[-1]) else flat[(n - 1) // 2]
        r = xp.asarray(r, dtype=x.dtype)
        ctx.save_for_backward(x, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, r = ctx.saved_tensors
        xp = xp_of(x._data)
        xa, ra = x._data, r._data
        mask = (xa == ra) | (_nan(xp, xa) & bool(_nan(xp, ra)))
        return _evenly(grad.expand(x.shape), x, r, mask)


def _builtin_max_int(v):
    return v if v > 0 else 0


class NanmedianAll(MedianAll):
    node_name = "NanmedianBackward0"
    ignore_nan = True


def _median(name, all_op, dim_op, input, dim, keepdim, out):
    if input._dtype is D.bool or input._dtype.is_complex:
        what = "median_cpu" if dim is None else "median_out"
        raise NotImplementedError(f"\"{what}\" not implemented for "
                                  f"'{_scalar_type_name(input._dtype)}'")
    if dim is None:
        r = _keep_bf16(input, all_op.apply(input))
        return r if out is None else _out(out, r)
    d = wrap_dim(dim, input.ndim)
    _nonempty_dim(input, d, "median")     # nanmedian reports it as median() too
    vals, idx = dim_op.apply(input, dim=d, keepdim=keepdim)
    return _tuple_out(name, _keep_bf16(input, vals), idx, out)


@tensor_method()
def median(input, dim=None, keepdim=False, *, out=None):
    """``torch.median``: the lower median (NaN if there is one); along ``dim`` the named
    tuple with the index PyTorch picks among equal values."""
    return _median("median", MedianAll, MedianDim, input, dim, keepdim, out)


@tensor_method()
def nanmedian(input, dim=None, keepdim=False, *, out=None):
    """``torch.nanmedian``: ``median`` ignoring NaNs (NaN only when a row is all NaN)."""
    return _median("nanmedian", NanmedianAll, NanmedianDim, input, dim, keepdim, out)


class Mode(_SelectOne):
    node_name = "ModeBackward0"

    @staticmethod
    def pick(xp, x, dim):
        def row_pick(row):
            n = row.shape[0]
            s = np.sort(row, kind="stable")
            vals, starts, counts = np.unique(s, return_index=True, return_counts=True)
            best = int(np.argmax(counts))     # the smallest of the most frequent values
            value = vals[best]
            if n <= 16 or counts[best] == 1:
                # std::sort is an insertion sort here (stable): the run ends at the last one
                hits = np.nonzero(row == value)[0]
                return int(hits[-1])
            c = _Cxx(_pairs(row), lambda a, b: a[0] < b[0])
            c.sort()
            last = max(i for i, p in enumerate(c.a) if p[0] == value)
            return c.a[last][1]
        return _per_row(xp, x, dim, row_pick)


@tensor_method()
def mode(input, dim=-1, keepdim=False, *, out=None):
    """``torch.mode``: the most frequent value along ``dim`` (the smallest of equally frequent
    ones) and the index PyTorch's CPU kernel reports for it."""
    if input._dtype.is_complex:
        raise NotImplementedError(f"\"mode_cpu\" not implemented for "
                                  f"'{_scalar_type_name(input._dtype)}'")
    d = wrap_dim(dim, input.ndim)
    _nonempty_dim(input, d, "mode")
    vals, idx = Mode.apply(input, dim=d, keepdim=keepdim)
    return _tuple_out("mode", _keep_bf16(input, vals), idx, out)


# ---------------------------------------------------------------------- unique
def _unique_flat(x, return_inverse, return_counts):
    xp = xp_of(x)
    flat = x.reshape(-1)
    if x.dtype.kind in "fc":
        u, inv, cnt = np.unique(_to_host(flat), return_inverse=True, return_counts=True,
                                equal_nan=False)
        u, inv, cnt = xp.asarray(u), xp.asarray(inv), xp.asarray(cnt)
    else:
        u, inv, cnt = xp.unique(flat, return_inverse=True, return_counts=True)
    return u, inv.reshape(x.shape), cnt


def _assemble(u, inv, cnt, return_inverse, return_counts, dtype):
    res = [Tensor._make(u, dtype)]
    if return_inverse:
        res.append(Tensor._make(inv.astype(np.int64)))
    if return_counts:
        res.append(Tensor._make(cnt.astype(np.int64)))
    return res[0] if len(res) == 1 else tuple(res)


@tensor_method()
def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """``torch.unique``: the distinct values, sorted (PyTorch's CPU result is sorted even with
    ``sorted=False``); NaNs are never merged; ``dim`` gives the distinct slices."""
    x = input._data
    xp = xp_of(x)
    if dim is None:
        u, inv, cnt = _unique_flat(x, return_inverse, return_counts)
    else:
        d = wrap_dim(dim, x.ndim)
        u, inv, cnt = xp.unique(x, axis=d, return_inverse=True, return_counts=True)
        inv = inv.reshape(-1)
    return _assemble(u, inv, cnt, return_inverse, return_counts, input._dtype)


@tensor_method()
def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):
    """``torch.unique_consecutive``: collapse runs of equal values (or slices along ``dim``)."""
    x = input._data
    xp = xp_of(x)
    if dim is None:
        flat = x.reshape(-1)
        if flat.size == 0:
            u, inv, cnt = flat, xp.zeros(x.shape, np.int64), xp.zeros(0, np.int64)
        else:
            new = xp.concatenate([xp.ones(1, bool), flat[1:] != flat[:-1]])
            u = flat[new]
            inv = (xp.cumsum(new) - 1).reshape(x.shape)
            starts = xp.nonzero(new)[0]
            cnt = xp.diff(xp.concatenate([starts, xp.asarray([flat.size])]))
    else:
        d = wrap_dim(dim, x.ndim)
        m = xp.moveaxis(x, d, 0)
        n = m.shape[0]
        if n == 0:
            u, inv, cnt = x, xp.zeros(0, np.int64), xp.zeros(0, np.int64)
        else:
            diff = (m[1:] != m[:-1]).reshape(n - 1, -1).any(axis=1)
            new = xp.concatenate([xp.ones(1, bool), diff])
            u = xp.moveaxis(m[new], 0, d)
            inv = xp.cumsum(new) - 1
            starts = xp.nonzero(new)[0]
            cnt = xp.diff(xp.concatenate([starts, xp.asarray([n])]))
    return _assemble(u, inv, cnt, return_inverse, return_counts, input._dtype)


# ---------------------------------------------------------------------- counting
@tensor_method()
def bincount(input, weights=None, minlength=0):
    """``torch.bincount``: counts (int64) or summed ``weights`` (float32 weights stay float32,
    any other weights give float64) of non-negative integers."""
    x = input._data
    xp = xp_of(x)
    if input._dtype.is_floating_point or input._dtype.is_complex or input._dtype is D.bool:
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for "
                                  f"'{_scalar_type_name(input._dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    w = None
    if weights is not None:
        w = weights._data
        if w.ndim != 1 or w.shape[0] != x.shape[0]:
            raise RuntimeError("weights should be 1-d and have the same length as input")
    if w is None or x.size == 0:     # (PyTorch gives int64 zeros for empty input even with weights)
        r = xp.bincount(x, minlength=minlength).astype(np.int64)
    else:
        dt = np.float32 if weights._dtype is D.float32 else np.float64
        r = xp.bincount(x, weights=w.astype(np.float64), minlength=minlength).astype(dt)
    return Tensor._make(r)


@tensor_method()
def histc(input, bins=100, min=0, max=0, *, out=None):
    """``torch.histc``: equal-width histogram over ``[min, max]`` (the data's range when both
    are 0); values outside are ignored; same dtype as the input."""
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for "
                                  f"'{_scalar_type_name(input._dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    x = input._data
    xp = xp_of(x)
    lo, hi = float(min), float(max)
    if lo > hi:
        raise RuntimeError("torch.histc: max must be larger than min")
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    flat = x.reshape(-1).astype(np.float64)
    keep = (flat >= lo) & (flat <= hi)
    v = flat[keep]
    pos = ((v - lo) * bins / (hi - lo)).astype(np.int64)
    pos = xp.minimum(pos, bins - 1)
    r = xp.bincount(pos, minlength=bins).astype(x.dtype)
    r = _keep_bf16(input, Tensor._make(r))
    return r if out is None else _out(out, r)


# ---------------------------------------------------------------------- searching
def _side(right, side):
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        return side
    return "right" if right else "left"


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None, out=None):
    """``torch.searchsorted``: insertion points of ``input`` in the innermost dim of
    ``sorted_sequence`` (1-D, or matching ``input`` in the leading dims)."""
    side = _side(right, side)
    seq = sorted_sequence._data
    xp = xp_of(seq)
    scalar = not isinstance(input, Tensor)
    vals = xp.asarray(input) if scalar else input._data
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter._data, axis=-1)
    if seq.ndim > 1 and (scalar or seq.shape[:-1] != vals.shape[:-1]):
        raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the "
                           "first N-1 dimensions of boundaries tensor and input value tensor must "
                           f"match, but we got boundaries tensor {list(seq.shape)} and input "
                           f"value tensor {list(vals.shape)}")
    if seq.ndim <= 1:
        r = xp.searchsorted(seq.reshape(-1), vals, side=side)
    else:
        s2 = seq.reshape(-1, seq.shape[-1])
        v2 = vals.reshape(-1, vals.shape[-1])
        r = xp.stack([xp.searchsorted(s2[i], v2[i], side=side) for i in range(s2.shape[0])]) \
            if s2.shape[0] else xp.zeros(v2.shape, np.int64)
        r = r.reshape(vals.shape)
    r = Tensor._make(xp.asarray(r).astype(np.int32 if out_int32 else np.int64))
    return r if out is None else _out(out, r)


def bucketize(input, boundaries, *, out_int32=False, right=False, out=None):
    """``torch.bucketize``: the bucket of each value in 1-D ``boundaries`` (``right`` puts a
    value equal to a boundary in the bucket above)."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


_install_aliases(globals(), ["sort", "argsort", "topk", "kthvalue", "median", "nanmedian", "mode"])
