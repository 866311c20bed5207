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
Leaves receive gradients through ``AccumulateGrad`` nodes.
"""

import heapq
import weakref

from . import grad_mode
from .anomaly_mode import anomaly_state, check_node_outputs
from .function import Node, _Handle

_state = grad_mode.state


class AccumulateGrad(Node):
    """The node that adds an incoming gradient into a leaf's ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__()
        self.variable = variable
        self.next_functions = ()
        self.needs_input_grad = ()
        self._seq = 1 << 62   # leaves run as soon as they are ready
        self._input_meta = ()
        self._output_meta = [(variable._data.shape, variable._dtype)]

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
    """``t.grad += grad`` as PyTorch does it: the first gradient is stored, later ones added."""
    if t._extra is not None and t._extra.get("hooks"):
        grad = _run_tensor_hooks(t._extra["hooks"], grad)
    if grad is None:
        return
    if t._grad is None:
        if _state.grad_enabled:         # create_graph: keep the graph of the gradient
            t._grad = grad
        else:
            # The same gradient tensor may reach several leaves (AddBackward passes one
            # tensor to both inputs) or be a broadcast view: store a private copy, so an
            # in-place change of one leaf's .grad never shows in another's.
            t._grad = grad.detach().clone()
    elif _state.grad_enabled:
        t._grad = t._grad + grad
    else:
        t._grad._data += grad._data
    if t._extra is not None and t._extra.get("post_acc_hooks"):
        for h in list(t._extra["post_acc_hooks"].values()):
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
    dims = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape)
                                      if s == 1 and gshape[i + lead] != 1)
    if dims:
        grad = grad.sum(dims, keepdim=False) if not shape else grad.sum(dims, keepdim=True)
        if lead and shape:
            grad = grad.reshape(shape) if grad._data.shape != shape else grad
    if grad._data.shape != shape:
        grad = grad.reshape(shape)
    return grad


def _zeros_for(meta):
    from .._tensor import Tensor
    import numpy as np
    shape, dt = meta
    return Tensor._make(np.zeros(shape, dt.np_dtype), dt)


def call_node(node, grads):
    """Run one node's backward with the engine's shared work around it; returns input grads."""
    if node._materialize and node._output_meta is not None:
        grads = [g if g is not None or m is None else _zeros_for(m)
                 for g, m in zip(grads, node._output_meta)]
    if node._pre_hooks:
        for h in list(node._pre_hooks.values()):
            r = h(tuple(grads))
            if r is not None:
                grads = list(r)
    if isinstance(node, AccumulateGrad):
        node.apply(grads[0])
        return ()
    if node._released:
        raise RuntimeError(_freed_message())
    result = node._fn.backward(node, *grads)
    if type(result) is not tuple:
        result = (result,)
    metas = node._input_meta
    needs = node.needs_input_grad
    n_in = len(needs)
    if len(result) < n_in:
        if len(result) != n_in and node._fn._array_forward is False:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(result)})")
        result = tuple(result) + (None,) * (n_in - len(result))
    elif len(result) > n_in:
        extra = result[n_in:]
        if any(g is not None for g in extra):
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_in}, got {len(result)})")
        result = result[:n_in]
    out = []
    for i, g in enumerate(result):
        if g is None or not needs[i]:
            out.append(None)
            continue
        shape, dt = metas[i]
        if g._data.shape != shape:
            try:
                g = unbroadcast(g, shape)
            except Exception:
                raise RuntimeError(f"Function {node.name()} returned an invalid gradient at index "
                                   f"{i} - got {list(g.shape)} but expected shape compatible with "
                                   f"{list(shape)}") from None
        if g._dtype is not dt:
            g = g.to(dt)
        out.append(g)
    if node._hooks:
        for h in list(node._hooks.values()):
            r = h(tuple(out), tuple(grads))
            if r is not None:
                out = list(r)
    if anomaly_state.enabled:
        check_node_outputs(node, out)
    return out


def _freed_message():
    from .function import _FREED
    return _FREED


def _collect_dependencies(roots):
    """Count the incoming edges of every node reachable from ``roots`` (iteratively)."""
    deps = {}
    seen = set()
    stack = [r for r in roots if r is not None]
    for r in stack:
        seen.add(r)
    while stack:
        node = stack.pop()
        for nxt, _ in node.next_functions:
            if nxt is None:
                continue
            deps[nxt] = deps.get(nxt, 0) + 1
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return deps


def _prune_to(roots, targets):
    """The nodes from which some target node is reachable (those worth running)."""
    # reverse reachability: iterate post-order without recursion
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
    ``only_leaves``: a set of AccumulateGrad nodes allowed to accumulate
    (``backward(inputs=...)``); None means all.
    """
    root_nodes = [n for n, _ in roots]
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
            buf = buffers[node] = [None] * max(1, len(node._output_meta or ()) or 1)
        buf[nr] = g if buf[nr] is None else buf[nr] + g
    captured = {}
    heap = []
    for node in buffers:
        if deps.get(node, 0) == 0:
            heapq.heappush(heap, (-node._seq, id(node), node))
    prev = _state.grad_enabled
    _state.grad_enabled = bool(create_graph)
    try:
        while heap:
            _, _, node = heapq.heappop(heap)
            grads = buffers.pop(node, None)
            if grads is None:           # no gradient reached this node: nothing to run
                in_grads = ()
            else:
                in_grads = _run_node(node, grads, capture, captured, useful, accumulate,
                                     only_leaves, retain_graph, create_graph)
            for i, (nxt, nr) in enumerate(node.next_functions):
                if nxt is None:
                    continue
                g = in_grads[i] if i < len(in_grads) else None
                if g is not None:
                    buf = buffers.get(nxt)
                    if buf is None:
                        buf = buffers[nxt] = [None] * max(1, len(nxt._output_meta or ()))
                    buf[nr] = g if buf[nr] is None else buf[nr] + g
                d = deps[nxt] - 1
                deps[nxt] = d
                if d == 0:
                    heapq.heappush(heap, (-nxt._seq, id(nxt), nxt))
    finally:
        _state.grad_enabled = prev
    return captured


def _run_node(node, grads, capture, captured, useful, accumulate, only_leaves, retain_graph,
              create_graph):
    if node._tensor_hooks:
        for nr, hooks in node._tensor_hooks.items():
            if grads[nr] is not None:
                grads[nr] = _run_tensor_hooks(hooks, grads[nr])
    if node._retain_hooks:
        for nr, ref in node._retain_hooks.items():
            t = ref()
            g = grads[nr]
            if t is not None and g is not None:
                g = g if create_graph else g.detach().clone()
                t._grad = g if t._grad is None else t._grad + g
    if capture is not None:
        for nr in range(len(grads)):
            slot = capture.get((node, nr))
            if slot is not None:
                captured[slot] = grads[nr]
    is_acc = type(node) is AccumulateGrad
    if useful is not None and node not in useful:
        return ()
    if is_acc and (not accumulate or (only_leaves is not None and node not in only_leaves)):
        return ()
    in_grads = call_node(node, grads)
    if not retain_graph and not is_acc:
        node._saved = None
        node._released = True
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

    __slots__ = ("fn", "size", "stride", "offset")

    def __init__(self, base_edge, base_meta, fn, size, stride, offset):
        super().__init__()
        self.fn = fn
        self.size, self.stride, self.offset = size, stride, offset
        self.next_functions = (base_edge,) + tuple(fn.next_functions[1:])
        self.needs_input_grad = (base_edge[0] is not None,) + tuple(fn.needs_input_grad[1:])
        self._input_meta = [base_meta] + list(fn._input_meta[1:])
        self._output_meta = [base_meta]
        from .function import _seq
        self._seq = next(_seq)

    def apply(self, grad):
        return self._backward(grad)

    def _backward(self, grad):
        result = grad.clone(memory_format="contiguous")
        region = result.as_strided(self.size, self.stride, self.offset)
        res = call_node(self.fn, [region.clone()])
        if res and res[0] is not None:
            region.copy_(res[0])
        else:
            region.zero_()
        return (result,) + tuple(res[1:])


class _CopySlicesFn:
    _array_forward = True

    @staticmethod
    def backward(node, grad):
        return node._backward(grad)


CopySlices._fn = _CopySlicesFn


def rebase_view(view, node):
    """After an in-place op (``node``) on ``view``, give its base a CopySlices node."""
    base = view._base
    if base.grad_fn is not None:
        base_edge = (base.grad_fn, base._output_nr)
    elif base.requires_grad:
        base_edge = (grad_accumulator(base), 0)
    else:
        base_edge = (None, 0)
    size, stride, offset = view.shape, view.stride(), view.storage_offset() - base.storage_offset()
    if not base.is_contiguous():
        raise NotImplementedError("in-place operations on views of non-contiguous tensors are "
                                  "not differentiable in Ember yet")
    cs = CopySlices(base_edge, (base._data.shape, base._dtype), node, tuple(size), stride, offset)
    base.grad_fn = cs
    base._output_nr = 0
    base._requires_grad = True
    from ..ops.shape import AsStrided
    view.grad_fn = AsStrided._view_node(base, view, tuple(size), stride, offset)
    view._output_nr = 0
    view._requires_grad = True
