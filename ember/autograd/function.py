"""``Function``: one mechanism for every differentiable operation.

A differentiable operation is a ``Function`` subclass with a static ``forward``
and ``backward``.  ``Function.apply`` runs the forward and, when grad mode is on
and some input requires grad, records a *node* of the backward graph.  The node
is also the ``ctx`` that forward and backward share, and it is what a tensor's
``grad_fn`` shows: its class is named after the operation (``MulBackward0``).

Two flavours use the same machinery:

* ``Function`` (``torch.autograd.Function``): user code.  ``forward`` receives
  Ember tensors (with grad recording off) and returns tensors.
* ``Op``: Ember's built-in operators.  ``forward`` receives the raw arrays of its
  tensor inputs (NumPy or CuPy) and returns arrays; the engine promotes dtypes
  first when the op asks for it (``promote = True``).

In both, ``backward`` receives Ember tensors and is written with Ember's own
differentiable operations, so ``create_graph=True`` gives higher derivatives for
free.  What the engine does once for every op (un-broadcasting gradients to each
input's shape, casting them to its dtype, skipping inputs that need no grad,
checking saved tensors' versions) lives in ``engine.py``, not in the ops.
"""

import itertools
import traceback

from . import grad_mode
from .anomaly_mode import anomaly_state

__all__ = ["Function", "Op", "Node", "once_differentiable", "FunctionCtx"]

_seq = itertools.count()
_state = grad_mode.state

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


class Node:
    """A node of the backward graph, and the ``ctx`` of the op that made it.

    ``next_functions`` holds, for each positional input of the forward, the node
    its gradient flows to and that node's output slot (``(None, 0)`` when the
    input needs no gradient).
    """

    __slots__ = ("next_functions", "needs_input_grad", "_input_meta", "_output_meta",
                 "_to_save", "_saved", "_released", "_seq", "_pre_hooks", "_hooks",
                 "_tensor_hooks", "_retain_hooks", "_materialize", "_non_diff", "_dirty",
                 "_trace", "metadata", "__dict__", "__weakref__")
    _fn = None          # the Function class whose backward this node runs
    _array_forward = False

    def __init__(self):
        self._to_save = None
        self._saved = None
        self._released = False
        self._pre_hooks = None
        self._hooks = None
        self._tensor_hooks = None
        self._retain_hooks = None
        self._materialize = True
        self._non_diff = None
        self._dirty = None
        self._trace = None

    # -------------------------------------------------------------- ctx API
    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    @property
    def saved_tensors(self):
        if self._released:
            raise RuntimeError(_FREED)
        saved = self._saved
        if saved is None:
            return ()
        return tuple(s if s is None else s.unpack(self) for s in saved)

    # -------------------------------------------------------------- node API
    def name(self):
        return type(self).__name__

    def apply(self, *grads):
        """Run this node's backward on output gradients; returns one grad per input."""
        return self._fn.backward(self, *grads)

    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` runs after this node's backward; may return new grad_inputs."""
        if self._hooks is None:
            self._hooks = {}
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` runs before this node's backward; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        return _Handle(self._pre_hooks, fn)

    def __repr__(self):
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def __call__(self, *grads):
        return self.apply(*grads)


FunctionCtx = Node


class _Handle:
    """``RemovableHandle``: ``remove()`` takes the hook out again."""

    _ids = itertools.count()
    __slots__ = ("hooks_dict", "id")

    def __init__(self, hooks_dict, fn):
        self.hooks_dict = hooks_dict
        self.id = next(self._ids)
        hooks_dict[self.id] = fn

    def remove(self):
        self.hooks_dict.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


RemovableHandle = _Handle


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved.

    An op's own output is saved as its array and version counter (not the tensor
    object) and rebuilt on unpack: a node holding its own output would form a
    reference cycle.
    """

    __slots__ = ("tensor", "array", "vc", "version", "output_nr", "dtype")

    def __init__(self, tensor=None, array=None, vc=None, output_nr=0, dtype=None):
        self.tensor = tensor
        self.array = array
        if tensor is not None:
            if tensor._vc is None:
                tensor._vc = [0]
            vc = tensor._vc
        self.vc = vc
        self.version = vc[0] if vc is not None else 0
        self.output_nr = output_nr
        self.dtype = dtype

    def unpack(self, node):
        vc = self.vc
        if vc is not None and vc[0] != self.version:
            t = self.tensor
            if t is not None and t.grad_fn is not None:
                what = f", which is output {t._output_nr} of {t.grad_fn.name()},"
            elif t is None:
                what = f", which is output {self.output_nr} of {node.name()},"
            else:
                what = ""
            shape = list(t.shape) if t is not None else list(self.array.shape)
            tname = _legacy_name(t._dtype if t is not None else self.dtype)
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{tname} {shape}]{what} is at version {vc[0]}; expected "
                f"version {self.version} instead. Hint: enable anomaly detection to find the "
                "operation that failed to compute its gradient, with "
                "torch.autograd.set_detect_anomaly(True).")
        if self.tensor is not None:
            return self.tensor
        from .._tensor import Tensor
        t = Tensor._make(self.array, self.dtype)
        t._vc = vc
        t.grad_fn = node
        t._requires_grad = True
        t._output_nr = self.output_nr
        return t


def _legacy_name(dt):
    from .._tensor import _LEGACY_NAMES
    return "torch." + _LEGACY_NAMES.get(dt.name, "FloatTensor")


class _FunctionMeta(type):
    """Gives every Function subclass its own node class, named as PyTorch names it."""

    def __init__(cls, name, bases, ns):
        super().__init__(name, bases, ns)
        node_name = ns.get("node_name") or (name + "Backward")
        cls._node_class = type(node_name, (Node,), {"__slots__": (), "_fn": cls,
                                                     "__module__": "torch.autograd.function"})


class Function(metaclass=_FunctionMeta):
    """``torch.autograd.Function``: subclass it with static ``forward`` and ``backward``.

    ``forward(ctx, *args)`` receives tensors and returns a tensor or a tuple;
    ``backward(ctx, *grad_outputs)`` returns one gradient (or None) per forward
    argument.  Alternatively ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``.  Call it through ``apply``.
    """

    _array_forward = False
    promote = False
    is_view = False
    node_name = None

    def __init__(self, *args, **kwargs):
        pass

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        return _NOT_OVERRIDDEN

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        return _apply_tensor_function(cls, args, kwargs)


_NOT_OVERRIDDEN = object()


class _NullCtx:
    """The ctx an op's forward gets when no graph is recorded: it keeps nothing."""

    __slots__ = ()
    needs_input_grad = ()

    def save_for_backward(self, *a):
        pass

    def mark_dirty(self, *a):
        pass

    def mark_non_differentiable(self, *a):
        pass

    def set_materialize_grads(self, v):
        pass

    def __setattr__(self, name, value):
        pass


NULL_CTX = _NullCtx()


class Op(Function):
    """Base of Ember's built-in operators: ``forward`` works on arrays.

    Class attributes an op may set:
      ``node_name``  the grad_fn name (``"MulBackward0"``);
      ``promote``    cast tensor inputs to PyTorch's result dtype before forward;
      ``is_view``    the (single) output is a view of the first input.
    Positional arguments of ``apply`` are the op's operands (tensors or Python
    numbers); keyword arguments are its options, passed to ``forward`` as given.
    """

    _array_forward = True

    @classmethod
    def apply(cls, *args, **kwargs):
        return apply_op(cls, args, kwargs)


# ---------------------------------------------------------------------- apply
def _late_imports():
    global Tensor, result_type_of, from_np, bfloat16, round_bf16, _engine
    from .._tensor import Tensor
    from .._dtype import result_type_of, _FROM_NP as from_np, bfloat16, round_to_bfloat16 as round_bf16
    from . import engine as _engine


Tensor = None


def apply_op(cls, args, kwargs):
    """Run a built-in op on ``args``: arrays in, arrays out, a node when needed."""
    if Tensor is None:
        _late_imports()
    arrays = []
    requires = False
    first_dt = None
    mixed = False
    bf16 = False
    for a in args:
        if isinstance(a, Tensor):
            arrays.append(a._data)
            if a._requires_grad:
                requires = True
            dt = a._dtype
            if first_dt is None:
                first_dt = dt
            elif dt is not first_dt:
                mixed = True
            if dt is bfloat16:
                bf16 = True
        else:
            arrays.append(a)
            if a is not None:
                mixed = True
    result_dtype = None
    if cls.promote and mixed:
        result_dtype = result_type_of([a for a in args if a is not None])
        np_dt = result_dtype.np_dtype
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and arrays[i].dtype != np_dt:
                arrays[i] = arrays[i].astype(np_dt)
        bf16 = result_dtype is bfloat16
    record = requires and _state.grad_enabled
    ctx = cls._node_class() if record else NULL_CTX
    out = cls.forward(ctx, *arrays, **kwargs)
    if type(out) is tuple:
        outs = tuple(_wrap(o, bf16) for o in out)
    else:
        outs = None
        result = _wrap(out, bf16)
        if cls.is_view:
            _make_view(result, args[0])
    if not record:
        return result if outs is None else outs
    # ---- build the node
    ctx._seq = next(_seq)
    needs, nexts, meta = [], [], []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            needs.append(True)
            nexts.append(_edge(a))
            meta.append((a._data.shape, a._dtype))
        else:
            needs.append(False)
            nexts.append(_NO_EDGE)
            meta.append(None)
    ctx.needs_input_grad = tuple(needs)
    ctx.next_functions = tuple(nexts)
    ctx._input_meta = meta
    if anomaly_state.enabled:
        ctx._trace = traceback.format_stack()[:-2]
    results = (result,) if outs is None else outs
    ctx._output_meta = [(r._data.shape, r._dtype) for r in results]
    non_diff = ctx._non_diff
    for i, r in enumerate(results):
        if non_diff is not None and any(r._data is nd for nd in non_diff):
            continue
        if r._dtype.is_floating_point or r._dtype.is_complex:
            r.grad_fn = ctx
            r._output_nr = i
            r._requires_grad = True
    if ctx._to_save is not None:
        ctx._saved = _resolve_saved(ctx._to_save, args, arrays, results)
        ctx._to_save = None
    return result if outs is None else outs


_NO_EDGE = (None, 0)


def _wrap(arr, bf16):
    t = Tensor._make(arr)
    if bf16 and t._dtype.np_dtype.kind == "f" and arr.dtype.itemsize == 4:
        t._data = round_bf16(t._data)
        t._dtype = bfloat16
    return t


def _edge(t):
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (_engine.grad_accumulator(t), 0)


def _make_view(view, src):
    base = src._base if src._base is not None else src
    if base._vc is None:
        base._vc = [0]
    view._base = base
    view._vc = base._vc


def _resolve_saved(to_save, args, arrays, results):
    saved = []
    for x in to_save:
        if x is None:
            saved.append(None)
            continue
        for i, a in enumerate(arrays):
            if x is a and isinstance(args[i], Tensor):
                saved.append(SavedTensor(args[i]))
                break
        else:
            for i, r in enumerate(results):
                if x is r._data:
                    if r._vc is None:
                        r._vc = [0]
                    saved.append(SavedTensor(array=r._data, vc=r._vc, output_nr=i, dtype=r._dtype)
                                 if r.grad_fn is not None else SavedTensor(r))
                    break
            else:
                if isinstance(x, Tensor):
                    saved.append(SavedTensor(x))
                else:
                    saved.append(SavedTensor(Tensor._make(x)))
    return saved


def _apply_tensor_function(cls, args, kwargs):
    """``Function.apply`` for user functions: forward on tensors under no_grad."""
    if Tensor is None:
        _late_imports()
    tensor_args = [a for a in args if isinstance(a, Tensor)]
    record = _state.grad_enabled and any(t.requires_grad for t in tensor_args)
    ctx = cls._node_class()
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad and record for a in args)
    custom_setup = cls.setup_context is not Function.setup_context
    prev = _state.grad_enabled
    _state.grad_enabled = False
    try:
        if custom_setup:
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
        else:
            output = cls.forward(ctx, *args, **kwargs)
    finally:
        _state.grad_enabled = prev
    is_tuple = isinstance(output, tuple)
    outs = list(output) if is_tuple else [output]
    dirty = ctx._dirty or ()
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and any(o is a for a in tensor_args) and not any(o is d for d in dirty):
            outs[i] = o._alias()     # returning an input as-is gives a new tensor, as in PyTorch
    if record:
        ctx._seq = next(_seq)
        ctx.next_functions = tuple(
            _edge(a) if isinstance(a, Tensor) and a._requires_grad else _NO_EDGE for a in args)
        ctx._input_meta = [(a._data.shape, a._dtype) if isinstance(a, Tensor) else None
                           for a in args]
        ctx._output_meta = [(o._data.shape, o._dtype) if isinstance(o, Tensor) else None
                            for o in outs]
        if anomaly_state.enabled:
            ctx._trace = traceback.format_stack()[:-2]
        non_diff = ctx._non_diff or ()
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                continue
            if any(o is d for d in dirty):
                o._check_inplace()
            if any(o is nd for nd in non_diff):
                o._requires_grad = False
                continue
            o.grad_fn = ctx
            o._output_nr = i
            o._requires_grad = True
        if ctx._to_save is not None:
            saved = []
            for x in ctx._to_save:
                if x is None:
                    saved.append(None)
                elif any(x is o for o in outs) and x.grad_fn is ctx:
                    if x._vc is None:
                        x._vc = [0]
                    saved.append(SavedTensor(array=x._data, vc=x._vc, output_nr=x._output_nr,
                                             dtype=x._dtype))
                else:
                    saved.append(SavedTensor(x))
            ctx._saved = saved
            ctx._to_save = None
    else:
        if ctx._to_save is not None:
            ctx._saved = [None if x is None else SavedTensor(x) for x in ctx._to_save]
    for o in outs:
        if isinstance(o, Tensor) and any(o is d for d in dirty):
            o._bump_version()
    return tuple(outs) if is_tuple else outs[0]


def once_differentiable(fn):
    """Mark a backward as not differentiable again: it runs with grad recording off."""
    import functools

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper


# ---------------------------------------------------------------------- in-place
def apply_inplace(cls, self, args, kwargs):
    """Run op ``cls`` on ``(self, *args)`` and write the result into ``self``.

    The graph is rewritten as PyTorch does: ``self`` gets the op's node as its
    ``grad_fn``; when ``self`` is a view, its base gets a ``CopySlices`` node
    that routes the gradient of the viewed region through the op.
    """
    if Tensor is None:
        _late_imports()
    operands = (self,) + args
    record = _state.grad_enabled and any(isinstance(a, Tensor) and a._requires_grad for a in operands)
    if record:
        self._check_inplace()
    if not record:
        arrays = [a._data if isinstance(a, Tensor) else a for a in operands]
        if cls.promote:
            rt = result_type_of([a for a in operands if a is not None])
            _check_cast(rt, self._dtype)
            np_dt = rt.np_dtype
            arrays = [x.astype(np_dt) if isinstance(a, Tensor) and x.dtype != np_dt else x
                      for a, x in zip(operands, arrays)]
        out = cls.forward(NULL_CTX, *arrays, **kwargs)
        self._write(out)
        self._bump_version()
        return self
    # Out of place first (the node saves what it needs), then copy into self.
    old = self._shallow_for_inplace()
    if cls.promote:
        _check_cast(result_type_of([a for a in operands if a is not None]), self._dtype)
    result = apply_op(cls, (old,) + args, kwargs)
    node = result.grad_fn
    if node is not None and node._saved is not None:
        for s in node._saved:   # the op saved self's array: keep a copy, self is overwritten next
            if s is not None and s.tensor is old:
                s.tensor = old.clone()
    self._write(result._data)
    self._bump_version()
    if self._base is not None and node is not None:
        _engine.rebase_view(self, node)
    elif node is not None:
        self.grad_fn = node
        self._output_nr = 0
        self._requires_grad = True
    return self


def _check_cast(result, out_dtype):
    if result._category > out_dtype._category:
        from .._tensor import _scalar_type_name
        raise RuntimeError(f"result type {_scalar_type_name(result)} can't be cast to the desired "
                           f"output type {_scalar_type_name(out_dtype)}")
