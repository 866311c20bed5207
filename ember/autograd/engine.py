"""The backward engine: walks the graph from the outputs to the leaves.

The walk is iterative.  First a depth-first pass (an explicit stack, no
recursion) counts, for every node reachable from the roots, how many edges lead
into it.  Then nodes run once all their incoming gradients have arrived, taken
from a ready heap in decreasing creation order (as PyTorch's engine does), so a
100,000-op chain needs no Python recursion.

For every node the engine, not the op, does the shared work:
  * materialises zero gradients for unused outputs (unless the op opted out);
  * runs tensor hooks, node pre-hooks and post-hooks;
  * sums each input gradient back to the input's shape (``unbroadcast``) and
    casts it to the input's dtype;
  * adds gradients arriving at the same input;
  * frees saved tensors afterwards unless ``retain_graph``.
Leaves receive gradients through ``AccumulateGrad`` nodes; the first gradient of
a leaf is stored without a copy when no other tensor can see its memory.

In-place operations on views rewrite the graph here too: the base gets a
``CopySlices`` node and every graph view of it an ``AsStridedBackward0`` node,
the names PyTorch shows.
"""

import heapq
import sys
import weakref

import numpy as np

from . import grad_mode
from .anomaly_mode import anomaly_state, check_node_outputs, report_forward_trace
from .function import _FREED, RELEASED, Node, _function_backward, _Handle, _seq, delayed_error

_state = grad_mode.state
_getrefcount = sys.getrefcount
_ndarray = np.ndarray
_ONE_OUTPUT = Node._output_meta
_PLAIN_FLOATS = ()       # float32, float64 (set by _late_imports)
_LEAF_SEQ = 1 << 62     # AccumulateGrad nodes run as soon as they are ready (PyTorch: UINT64_MAX)


class AccumulateGrad(Node):
    """The node that adds an incoming gradient into a leaf's ``.grad``."""

    __slots__ = ("variable",)
    next_functions = ()
    needs_input_grad = ()
    _input_meta = ()

    def __init__(self, variable):
        self.variable = variable
        self._seq = _LEAF_SEQ + next(_seq)

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def apply(self, grad):
        accumulate_grad(self.variable, grad)
        return ()


def grad_accumulator(t):
    """The (cached) AccumulateGrad node of leaf ``t``."""
    ref = t._grad_acc
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._grad_acc = weakref.ref(acc)
    return acc


def accumulate_grad(t, grad):
    """``t.grad += grad`` as PyTorch does it: the first gradient is stored, later ones added.

    The first gradient is stolen (stored without a copy) when nothing else can
    see its memory, as PyTorch does when the gradient's use count allows it;
    otherwise a private copy is stored, so an in-place change of one leaf's
    ``.grad`` never shows in another tensor.
    """
    ex = t._extra
    if ex is not None and ex.get("hooks"):
        grad = _run_tensor_hooks(ex["hooks"], grad)
    _accumulate(t, grad)


def _accumulate(t, grad):
    if grad is None:
        return
    old = t._grad
    if old is None:
        if _state.grad_enabled:         # create_graph: keep the graph of the gradient
            t._grad = grad
        else:
            arr = grad._data
            # refs: the tensor's slot, the local ``arr``, getrefcount's argument
            if arr.__class__ is _ndarray and _getrefcount(arr) <= 3 \
                    and grad._dtype is t._dtype and arr.flags.c_contiguous \
                    and (arr.base is None or _sole_view(grad, arr)):
                g = Tensor._make(arr, grad._dtype)
            else:
                g = grad.detach().clone(memory_format="contiguous")
                g._base = None
            t._grad = g
    elif _state.grad_enabled or old._requires_grad:
        t._grad = old + grad
    else:
        try:
            old._data += grad._data
        except (TypeError, ValueError):
            t._grad = old + grad
            return _post_accumulate(t)
        old._bump_version()
    if t._extra is not None:
        _post_accumulate(t)


def _sole_view(grad, arr):
    """Whether ``grad`` (array ``arr``) is a row-major view covering all of a fresh array that
    nothing else can reach, such as ``mm(...).t()``, the weight gradient of ``linear``: then
    it is stolen like an unshared gradient instead of copied."""
    owner = arr.base
    base = grad._base
    # refs to ``base``: grad._base, the local, getrefcount's argument; to ``owner``: arr.base,
    # base._data, the local, the argument
    return owner.__class__ is _ndarray and owner.base is None and owner.nbytes == arr.nbytes \
        and base is not None and base._data is owner and base._base is None \
        and _getrefcount(base) <= 3 and _getrefcount(owner) <= 4


def _post_accumulate(t):
    ex = t._extra
    if ex is not None and ex.get("post_acc_hooks"):
        for h in list(ex["post_acc_hooks"].values()):
            h(t)


def _run_tensor_hooks(hooks, grad):
    for h in list(hooks.values()):
        r = h(grad)
        if r is not None:
            grad = r
    return grad


def unbroadcast(grad, shape):
    """Sum ``grad`` over the dimensions that broadcasting added or expanded to reach it."""
    gshape = grad._data.shape
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)
    if lead < 0:
        raise ValueError("gradient has fewer dims than the input")
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gshape[i + lead] != 1)
    arr = grad._data
    if not _state.grad_enabled and arr.__class__ is _ndarray and grad._dtype in _PLAIN_FLOATS:
        # no graph being recorded (float32/float64): the sum on the array, nothing around it,
        # written into a fresh array of the input's shape (a gradient leaves can steal)
        out = np.empty(shape, arr.dtype)
        kept = tuple(n for i, n in enumerate(gshape) if i not in dims)
        np.add.reduce(arr, dims, out=out if kept == shape else out.reshape(kept))
        return Tensor._make(out, grad._dtype)
    if dims:
        grad = grad.sum(dims, keepdim=True)
    if grad._data.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _zeros_for(meta):
    from ..ops.creation import zeros
    shape, dt, dev = meta
    return zeros(shape, dtype=dt, device=dev)


def call_node(node, grads):
    """Run one node's backward with the engine's shared work around it; returns input grads."""
    if len(grads) > 1 and node._materialize:
        for g in grads:
            if g is None:
                grads = [g if g is not None or m is None else _zeros_for(m)
                         for g, m in zip(grads, node._output_meta)]
                break
    if node._pre_hooks:
        for h in list(node._pre_hooks.values()):
            r = h(tuple(grads))
            if r is not None:
                grads = list(_hook_result(h, r, len(grads)))
    if node._saved is RELEASED:
        raise RuntimeError(_FREED)
    fn = node._fn
    if fn._array_forward:
        result = fn.backward(node, *grads)
        if result.__class__ is not tuple:
            result = (result,)
        if _state.grad_enabled and getattr(fn, "once_differentiable", False) and \
                any(g is not None and g._requires_grad for g in grads):
            result = delayed_error(result, f"double backward through {node.name()} is not "
                                           "implemented in Ember (its backward is array code)")
    else:
        result = _function_backward(node, grads)
    metas = node._input_meta
    n_in = len(metas)
    if len(result) != n_in:
        if len(result) < n_in:
            result = tuple(result) + (None,) * (n_in - len(result))
        elif any(g is not None for g in result[n_in:]):
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(result)})")
        else:
            result = result[:n_in]
    out = []
    for g, m in zip(result, metas):
        if g is None or m is None:
            out.append(None)
            continue
        shape, dt = m
        if g._data.shape != shape:
            try:
                g = unbroadcast(g, shape)
            except Exception:
                raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index "
                                   f"{len(out)} - got {list(g.shape)} but expected shape "
                                   f"compatible with {list(shape)}") from None
        if g._dtype is not dt:
            g = g.to(dt)
        out.append(g)
    if node._hooks:
        for h in list(node._hooks.values()):
            r = h(tuple(out), tuple(grads))
            if r is not None:
                r = _hook_result(h, r, len(out))
                out = list(r)
    if anomaly_state.enabled:
        check_node_outputs(node, out)
    return out


def _hook_result(hook, r, expected):
    if not isinstance(r, (tuple, list)):
        r = (r,)
    if len(r) != expected:
        name = getattr(hook, "__name__", type(hook).__name__)
        raise RuntimeError(f"hook '{name}' has returned an incorrect number of values (got "
                           f"{len(r)}, but expected {expected})")
    return r


def _collect_dependencies(roots):
    """Count the incoming edges of every node reachable from ``roots`` (iteratively)."""
    deps = {}
    stack = list(roots)
    seen = set(stack)
    add = seen.add
    push = stack.append
    pop = stack.pop
    get = deps.get
    while stack:
        for nxt, _ in pop().next_functions:
            if nxt is None:
                continue
            d = get(nxt)
            if d is None:
                deps[nxt] = 1
                if nxt not in seen:
                    add(nxt)
                    push(nxt)
            else:
                deps[nxt] = d + 1
    return deps


def _prune_to(roots, targets):
    """The nodes from which some target node is reachable (those worth running)."""
    useful = set()
    order = []
    seen = set()
    stack = [(r, False) for r in roots if r is not None]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for nxt, _ in node.next_functions:
            if nxt is not None and nxt not in seen:
                stack.append((nxt, False))
    for node in order:   # children come before parents in post-order
        if node in targets or any(n in useful for n, _ in node.next_functions if n is not None):
            useful.add(node)
    return useful


def run_backward(roots, grad_roots, retain_graph, create_graph, capture=None,
                 accumulate=True, only_leaves=None):
    """Propagate ``grad_roots`` backwards from the ``(node, output_nr)`` pairs in ``roots``.

    ``capture``: dict mapping ``(node, output_nr)`` -> slot index; gradients that
    arrive there are returned instead of (or besides) accumulated.
    ``only_leaves``: a set of nodes whose gradients may be accumulated
    (``backward(inputs=...)``); None means all.
    """
    if Tensor is None:
        _late_imports()
    root_nodes = [n for n, _ in roots if n is not None]
    deps = _collect_dependencies(root_nodes)
    useful = None
    if capture is not None or only_leaves is not None:
        targets = set(n for n, _ in capture) if capture else set()
        if only_leaves is not None:
            targets |= only_leaves
        useful = _prune_to(root_nodes, targets)
    buffers = {}
    for (node, nr), g in zip(roots, grad_roots):
        if node is None:
            continue
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * len(node._output_meta)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    captured = {}
    heap = [(-node._seq, node) for node in buffers if node not in deps]
    heapq.heapify(heap)
    push = heapq.heappush
    pop = heapq.heappop
    simple = capture is None and useful is None and accumulate
    prev = _state.grad_enabled
    _state.grad_enabled = bool(create_graph)
    node = None
    try:
        while heap:
            node = pop(heap)[1]
            grads = buffers.pop(node, None)
            if grads is None:           # no gradient reached this node: nothing to run
                in_grads = None
            elif simple and node._tensor_hooks is None and node._retain_hooks is None:
                if node.__class__ is AccumulateGrad:
                    var = node.variable
                    ex = var._extra
                    if ex is None:
                        _accumulate(var, grads[0])
                    else:
                        accumulate_grad(var, grads[0])
                    continue
                in_grads = call_node(node, grads)
                if not retain_graph:
                    if node._saved:
                        node._saved = RELEASED
                    elif node.__class__ is CopySlices:
                        _release(node)
            else:
                in_grads = _run_node(node, grads, capture, captured, useful, accumulate,
                                     only_leaves, retain_graph, create_graph)
            if in_grads is None:
                for nxt, _ in node.next_functions:
                    if nxt is not None:
                        d = deps[nxt] - 1
                        deps[nxt] = d
                        if d == 0:
                            push(heap, (-nxt._seq, nxt))
                continue
            for (nxt, nr), g in zip(node.next_functions, in_grads):
                if nxt is None:
                    continue
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        if nr == 0 and nxt._output_meta is _ONE_OUTPUT:
                            buffers[nxt] = [g]
                        else:
                            buf = buffers[nxt] = [None] * len(nxt._output_meta)
                            buf[nr] = g
                    elif buf[nr] is None:
                        buf[nr] = g
                    else:
                        buf[nr] = buf[nr] + g
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    push(heap, (-nxt._seq, nxt))
    except Exception:
        if anomaly_state.enabled and node is not None:
            report_forward_trace(node)
        raise
    finally:
        _state.grad_enabled = prev
    return captured


def _release(node):
    """Free a node's saved tensors after a backward that does not retain the graph."""
    if node._saved:
        node._saved = RELEASED
    if node.__class__ is CopySlices:
        fn = node.fn
        if fn._saved:
            fn._saved = RELEASED


def _run_node(node, grads, capture, captured, useful, accumulate, only_leaves, retain_graph,
              create_graph):
    if useful is not None and node not in useful:
        return None     # PyTorch does not execute nodes that lead to no requested gradient
    is_acc = node.__class__ is AccumulateGrad
    if node._tensor_hooks:
        for nr, hooks in node._tensor_hooks.items():
            if grads[nr] is not None:
                grads[nr] = _run_tensor_hooks(hooks, grads[nr])
    if is_acc:
        ex = node.variable._extra
        if ex is not None and ex.get("hooks"):
            grads[0] = _run_tensor_hooks(ex["hooks"], grads[0])
    if node._retain_hooks:
        for nr, ref in node._retain_hooks.items():
            t = ref()
            g = grads[nr]
            if t is not None and g is not None:
                if t._grad is None:
                    t._grad = g if create_graph else g.detach().clone()
                else:
                    t._grad = t._grad + g
    if capture is not None:
        for nr in range(len(grads)):
            slot = capture.get((node, nr))
            if slot is not None:
                captured[slot] = grads[nr]
    if is_acc:
        if accumulate and (only_leaves is None or node in only_leaves):
            _accumulate(node.variable, grads[0])
        return None
    in_grads = call_node(node, grads)
    if not retain_graph:
        _release(node)
    return in_grads


# ---------------------------------------------------------------------- hooks on tensors
def register_tensor_hook(t, fn):
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t.grad_fn is None:
        hooks = t._extra_dict().setdefault("hooks", {})
        return _Handle(hooks, fn)
    node = t.grad_fn
    if node._tensor_hooks is None:
        node._tensor_hooks = {}
    hooks = node._tensor_hooks.setdefault(t._output_nr, {})
    return _Handle(hooks, fn)


def retain_grad(t):
    if not t.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t.grad_fn is None:
        return
    node = t.grad_fn
    if node._retain_hooks is None:
        node._retain_hooks = {}
    node._retain_hooks[t._output_nr] = weakref.ref(t)
    t._extra_dict()["retains_grad"] = True


# ---------------------------------------------------------------------- views rewritten in place
class CopySlices(Node):
    """The base's node after an in-place op on one of its views.

    Backward: the base's gradient outside the view passes through unchanged; the
    part inside the view goes through the in-place op's node, whose other input
    gradients flow on as usual.
    """

    __slots__ = ()

    def __init__(self, base_edge, base_meta, fn, size, stride, offset, perm):
        self.fn = fn
        self.size, self.stride, self.offset, self.perm = size, stride, offset, perm
        self.next_functions = (base_edge,) + tuple(fn.next_functions[1:])
        self.needs_input_grad = (base_edge[0] is not None,) + tuple(fn.needs_input_grad[1:])
        self._input_meta = [base_meta[:2]] + list(fn._input_meta[1:])
        self._output_meta = (base_meta,)
        self._seq = next(_seq)

    def name(self):
        return "torch::autograd::CopySlices"

    def apply(self, grad):
        return self._backward(grad)

    def _backward(self, grad):
        perm = self.perm
        if perm is not None:     # lay the gradient out in the base's memory order
            grad = grad.permute(perm)
        result = grad.clone(memory_format="contiguous")
        region = result.as_strided(self.size, self.stride, self.offset)
        res = call_node(self.fn, [region.clone()])
        if res and res[0] is not None:
            region.copy_(res[0])
        else:
            region.zero_()
        if perm is not None:
            inv = [0] * len(perm)
            for i, p in enumerate(perm):
                inv[p] = i
            result = result.permute(inv)
        return (result,) + tuple(res[1:])


class _CopySlicesFn:
    _array_forward = True

    @staticmethod
    def backward(node, grad):
        return node._backward(grad)


CopySlices._fn = _CopySlicesFn


def _memory_order(t):
    """A permutation that makes the dense tensor ``t`` C-contiguous, or None if it already is.

    Raises NotImplementedError for layouts with gaps or overlaps."""
    if t.is_contiguous():
        return None
    shape, strides = t.shape, t.stride()
    perm = sorted(range(len(shape)), key=lambda d: (-strides[d], -shape[d]))
    if not t.permute(perm).is_contiguous():
        raise NotImplementedError("in-place operations on views of tensors with gaps in memory are "
                                  "not differentiable in Ember yet")
    return perm


def _view_geometry(view, base, perm):
    size, stride = tuple(view.shape), view.stride()
    offset = view.storage_offset() - base.storage_offset()
    return size, stride, offset


def rebase_view(view, node):
    """After an in-place op (``node``) on ``view``, give its base a CopySlices node."""
    base = view._base
    if base.grad_fn is not None:
        base_edge = (base.grad_fn, base._output_nr)
    elif base.requires_grad:
        base_edge = (grad_accumulator(base), 0)
    else:
        base_edge = (None, 0)
    perm = _memory_order(base)
    size, stride, offset = _view_geometry(view, base, perm)
    cs = CopySlices(base_edge, (base._data.shape, base._dtype, base._device), node, size, stride,
                    offset, perm)
    base.grad_fn = cs
    base._output_nr = 0
    base._requires_grad = True
    refresh_views(base, view)
    view.grad_fn = _as_strided_node(base, size, stride, offset)
    view._output_nr = 0
    view._requires_grad = True


def refresh_views(base, skip):
    """Re-route the grad_fn of ``base``'s live graph views through its new grad_fn.

    PyTorch regenerates a view's grad_fn lazily when its base changed in place;
    Ember does it eagerly for the views it tracks."""
    ex = base._extra
    refs = ex.get("views") if ex is not None else None
    if not refs:
        return
    alive = []
    for r in refs:
        v = r()
        if v is None:
            continue
        alive.append(r)
        if v is skip or v.grad_fn is None:
            continue
        size, stride = tuple(v.shape), v.stride()
        offset = v.storage_offset() - base.storage_offset()
        v.grad_fn = _as_strided_node(base, size, stride, offset)
        v._output_nr = 0
    ex["views"] = alive


def _as_strided_node(base, size, stride, offset):
    from ..ops.shape import as_strided
    prev = _state.grad_enabled
    _state.grad_enabled = True
    try:
        v = as_strided(base, size, stride, offset)
    finally:
        _state.grad_enabled = prev
    return v.grad_fn


Tensor = None


def _late_imports():
    global Tensor, _PLAIN_FLOATS
    from .._tensor import Tensor
    from .._dtype import float32, float64
    _PLAIN_FLOATS = (float32, float64)
