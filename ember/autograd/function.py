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

Edges: ``next_functions[i]`` is ``(node, output_nr)`` for the i-th *tensor*
input ((None, 0) when it needs no gradient).  Built-in ops count every
positional operand as a tensor input (PyTorch wraps Python numbers as
tensors), user Functions only the real tensors, as PyTorch does.
"""

import functools
import itertools
import os
import re
import traceback
import weakref

from . import grad_mode
from .anomaly_mode import anomaly_state

__all__ = ["Function", "Op", "Node", "once_differentiable", "FunctionCtx", "InplaceFunction",
           "NestedIOFunction"]

_seq = itertools.count()
_state = grad_mode.state

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")

# ``_saved`` of a node whose saved tensors were freed by a backward without retain_graph
RELEASED = ("released",)


class Node:
    """A node of the backward graph, and the ``ctx`` of the op that made it.

    ``next_functions`` holds, for each tensor input of the forward, the node its
    gradient flows to and that node's output slot (``(None, 0)`` when the input
    needs no gradient).  Rarely used fields (hooks, flags) live as class-level
    defaults and are only written on the instances that use them, so building a
    node costs a handful of slot writes.
    """

    __slots__ = ("next_functions", "needs_input_grad", "_input_meta", "_seq", "__dict__",
                 "__weakref__")
    _fn = None            # the Function class whose backward this node runs
    _saved = None         # list of SavedTensor, or RELEASED after backward
    _output_meta = (None,)   # per output (shape, dtype, device); set for multi-output nodes
    _array_forward = False
    _edge_index = None    # user Functions: positional index of each tensor input
    _to_save = None
    _pre_hooks = None
    _hooks = None
    _tensor_hooks = None
    _retain_hooks = None
    _materialize = True
    _non_diff = None
    _dirty = None
    _trace = None

    # -------------------------------------------------------------- ctx API
    def save_for_backward(self, *tensors):
        self._to_save = tensors

    def save_for_forward(self, *tensors):
        pass

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        self._non_diff = tensors

    def set_materialize_grads(self, value):
        self._materialize = bool(value)

    @property
    def saved_tensors(self):
        saved = self._saved
        if saved is RELEASED:
            raise RuntimeError(_FREED)
        if not saved:
            to_save = self._to_save     # inside forward (before the node is finished)
            return tuple(to_save) if to_save else ()
        return tuple(s if s is None else s.unpack(self) for s in saved)

    saved_variables = saved_tensors

    @property
    def metadata(self):
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    # -------------------------------------------------------------- node API
    def name(self):
        return type(self).__name__

    def _sequence_nr(self):
        return self._seq

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
    reference cycle that only the garbage collector could free.
    """

    __slots__ = ("tensor", "array", "vc", "version", "output_nr", "dtype")

    def __init__(self, tensor=None, array=None, vc=None, output_nr=0, dtype=None):
        self.tensor = tensor
        self.array = array
        if tensor is not None:
            vc = tensor._vc
            if vc is None:
                vc = tensor._vc = [0]
        self.vc = vc
        self.version = vc[0]
        self.output_nr = output_nr
        self.dtype = dtype

    def unpack(self, node):
        vc = self.vc
        if vc[0] != self.version:
            raise RuntimeError(self._modified_message(node))
        t = self.tensor
        if t is not None:
            return t
        t = Tensor._make(self.array, self.dtype)
        t._vc = vc
        t.grad_fn = node
        t._requires_grad = True
        t._output_nr = self.output_nr
        return t

    def _modified_message(self, node):
        t = self.tensor
        if t is None:
            what = f", which is output {self.output_nr} of {_short_name(node)},"
        elif t.grad_fn is not None:
            what = f", which is output {t._output_nr} of {_short_name(t.grad_fn)},"
        else:
            what = ""
        shape = list(t.shape) if t is not None else list(self.array.shape)
        tname = _legacy_name(t._dtype if t is not None else self.dtype)
        if anomaly_state.enabled:
            hint = ("Hint: the backtrace further above shows the operation that failed to compute "
                    "its gradient. The variable in question was changed in there or anywhere "
                    "later. Good luck!")
        else:
            hint = ("Hint: enable anomaly detection to find the operation that failed to compute "
                    "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False).")
        return ("one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{tname} {shape}]{what} is at version {self.vc[0]}; "
                f"expected version {self.version} instead. {hint}")


def _short_name(node):
    """PyTorch's name of a node in messages: ``MulBackward0`` -> ``Mul``."""
    return re.sub(r"Backward\d*$", "", node.name())


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

    ``forward(ctx, *args)`` receives tensors (grad recording off) and returns a
    tensor or a tuple; ``backward(ctx, *grad_outputs)`` returns one gradient (or
    None) per forward argument.  Alternatively ``forward(*args)`` plus
    ``setup_context(ctx, inputs, output)``.  Call it through ``apply``; the
    graph node is named ``<ClassName>Backward`` as in PyTorch.
    """

    _array_forward = False
    promote = False
    is_view = False
    node_name = None

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, *args, **kwargs):
        raise RuntimeError("Legacy autograd function with non-static forward method is deprecated. "
                           "Please use new-style autograd function with static forward method. "
                           "(Example: https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    @staticmethod
    def forward(*args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your "
                                  "custom autograd.Function to use it with backward mode AD.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError("You must implement the jvp function for custom autograd.Function "
                                  "to use it with forward mode AD.")

    vjp = backward

    @classmethod
    def apply(cls, *args, **kwargs):
        return _apply_tensor_function(cls, args, kwargs)


_BASE_SETUP = Function.__dict__["setup_context"]
_BASE_BACKWARD = Function.__dict__["backward"]
_BASE_VJP = Function.__dict__["vjp"]

InplaceFunction = Function
NestedIOFunction = Function


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
    # the backward is array code that records no graph: with create_graph its results are
    # wrapped so that differentiating them raises instead of silently giving nothing
    once_differentiable = False

    @classmethod
    def apply(cls, *args, **kwargs):      # replaced below by _apply_op itself (one call less)
        return _apply_op(cls, *args, **kwargs)


# ---------------------------------------------------------------------- apply
def _late_imports():
    global Tensor, result_type_of, bfloat16, round_bf16, _engine
    from .._tensor import Tensor
    from .._dtype import result_type_of, bfloat16, round_to_bfloat16 as round_bf16
    from . import engine as _engine


Tensor = None
_NO_EDGE = (None, 0)


def apply_op(cls, args, kwargs):
    """Run a built-in op on ``args``: arrays in, arrays out, a node when needed."""
    return _apply_op(cls, *args, **kwargs)


def _apply_op(cls, *args, **kwargs):
    """``Op.apply``: the hot path of every operator, kept flat (no helper calls) on purpose."""
    if Tensor is None:
        _late_imports()
    requires = False
    first_dt = None
    mixed = False
    if len(args) == 2:
        a, b = args
        if isinstance(a, Tensor):
            x = a._data
            requires = a._requires_grad
            first_dt = a._dtype
            if isinstance(b, Tensor):
                y = b._data
                if b._requires_grad:
                    requires = True
                if b._dtype is not first_dt:
                    mixed = True
            else:
                y = b
                mixed = b is not None
        else:
            x = a
            mixed = a is not None
            if isinstance(b, Tensor):
                y = b._data
                requires = b._requires_grad
                first_dt = b._dtype
            else:
                y = b
        arrays = [x, y]
    else:
        arrays = []
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
            else:
                arrays.append(a)
                if a is not None:
                    mixed = True
    bf16 = first_dt is bfloat16
    if mixed and cls.promote:
        result_dtype = result_type_of([a for a in args if a is not None])
        np_dt = result_dtype.np_dtype
        for i, a in enumerate(args):
            if isinstance(a, Tensor) and arrays[i].dtype != np_dt:
                arrays[i] = arrays[i].astype(np_dt)
        bf16 = result_dtype is bfloat16
    if not requires or not _state.grad_enabled:
        out = cls.forward(NULL_CTX, *arrays, **kwargs)
        if out.__class__ is tuple:
            return tuple(_wrap(o, bf16) for o in out)
        result = Tensor._make(out)
        if bf16:
            _round_bf16(result)
        if cls.is_view:
            _make_view(result, args[0], False)
        return result
    # ---- record the node
    ctx = cls._node_class()
    out = cls.forward(ctx, *arrays, **kwargs)
    if out.__class__ is tuple:
        outs = tuple(_wrap(o, bf16) for o in out)
        results = outs
        ctx._output_meta = tuple((r._data.shape, r._dtype, r._device) for r in outs)
    else:
        outs = None
        result = Tensor._make(out)
        if bf16:
            _round_bf16(result)
        results = (result,)
        if cls.is_view:
            _make_view(result, args[0], True)
    ctx._seq = next(_seq)
    needs = []
    nexts = []
    meta = []
    for a in args:
        if (a.__class__ is Tensor or isinstance(a, Tensor)) and a._requires_grad:
            needs.append(True)
            fn = a.grad_fn
            if fn is not None:
                nexts.append((fn, a._output_nr))
            else:
                ref = a._grad_acc
                acc = ref() if ref is not None else None
                nexts.append((acc if acc is not None else _engine.grad_accumulator(a), 0))
            meta.append((a._data.shape, a._dtype))
        else:
            needs.append(False)
            nexts.append(_NO_EDGE)
            meta.append(None)
    ctx.needs_input_grad = tuple(needs)
    ctx.next_functions = tuple(nexts)
    ctx._input_meta = meta
    if anomaly_state.enabled:
        ctx._trace = _forward_trace()
    non_diff = ctx._non_diff
    i = 0
    for r in results:
        if r._dtype._category >= 2 and (non_diff is None or
                                        not any(r._data is nd for nd in non_diff)):
            r.grad_fn = ctx
            r._output_nr = i
            r._requires_grad = True
        i += 1
    to_save = ctx._to_save
    if to_save is not None:
        ctx._saved = _resolve_saved(to_save, args, arrays, results)
        ctx._to_save = None
    return result if outs is None else outs


Op.apply = classmethod(_apply_op)


_EMBER_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _forward_trace():
    """The formatted stack of the user code that called an op (Ember's own frames dropped)."""
    frames = traceback.extract_stack()
    while frames and frames[-1].filename.startswith(_EMBER_DIR):
        frames.pop()
    return traceback.format_list(frames)


def _round_bf16(t):
    """Store a float32 result as bfloat16 (rounded), as ops on bfloat16 inputs must."""
    arr = t._data
    if arr.dtype.kind == "f" and arr.dtype.itemsize == 4:
        t._data = round_bf16(arr)
        t._dtype = bfloat16


def _wrap(arr, bf16):
    t = Tensor._make(arr)
    if bf16:
        _round_bf16(t)
    return t


def _leaf_edge(t):
    """The AccumulateGrad node of leaf ``t`` (cached on the tensor while the graph lives)."""
    ref = t._grad_acc
    if ref is not None:
        acc = ref()
        if acc is not None:
            return acc
    return _engine.grad_accumulator(t)


def _edge(t):
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._output_nr)
    return (_leaf_edge(t), 0)


def _make_view(view, src, track=False):
    """Make ``view`` share ``src``'s base and version counter.

    ``track``: the view is part of a graph; remember it on its base so that an
    in-place change of the base (or of another view) can re-route its grad_fn.
    """
    base = src._base
    if base is None:
        base = src
    vc = base._vc
    if vc is None:
        vc = base._vc = [0]
    view._base = base
    view._vc = vc
    if track and base.grad_fn is not None:
        ex = base._extra
        if ex is None:
            ex = base._extra = {}
        views = ex.get("views")
        if views is None:
            views = ex["views"] = []
        elif len(views) > 64:
            views[:] = [r for r in views if r() is not None]
        views.append(weakref.ref(view))


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
                    if r.grad_fn is not None:
                        vc = r._vc
                        if vc is None:
                            vc = r._vc = [0]
                        saved.append(SavedTensor(array=x, vc=vc, output_nr=i, dtype=r._dtype))
                    else:
                        saved.append(SavedTensor(r))
                    break
            else:
                if isinstance(x, Tensor):
                    saved.append(SavedTensor(x))
                else:
                    # an intermediate array (e.g. a promoted copy of an input)
                    saved.append(SavedTensor(Tensor._make(x)))
    return saved


def _apply_tensor_function(cls, args, kwargs):
    """``Function.apply`` for user functions: forward on tensors under no_grad."""
    if Tensor is None:
        _late_imports()
    tensor_pos = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
    record = _state.grad_enabled and any(args[i]._requires_grad for i in tensor_pos)
    ctx = cls._node_class()
    ctx._saved = None
    ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad and record for a in args)
    custom_setup = _has_custom_setup(cls)
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
    non_diff = ctx._non_diff or ()
    inputs = [args[i] for i in tensor_pos]
    for i, o in enumerate(outs):
        if isinstance(o, Tensor) and any(o is a for a in inputs) and not any(o is d for d in dirty):
            outs[i] = o._alias()     # returning an input as-is gives a new tensor (a view), as in PyTorch
    for d in dirty:
        if not any(d is o for o in outs):
            raise RuntimeError("Some elements marked as dirty during the forward method were not "
                               "returned as output. The inputs that are modified inplace must all "
                               "be outputs of the Function.")
    if record:
        ctx._seq = next(_seq)
        ctx._edge_index = tuple(tensor_pos)
        nexts = []
        meta = []
        for i in tensor_pos:
            a = args[i]
            if a._requires_grad:
                nexts.append(_edge(a))
                meta.append((a._data.shape, a._dtype))
            else:
                nexts.append(_NO_EDGE)
                meta.append(None)
        ctx.next_functions = tuple(nexts)
        ctx._input_meta = meta
        if anomaly_state.enabled:
            ctx._trace = _forward_trace()
        ometa = []
        for i, o in enumerate(outs):
            if not isinstance(o, Tensor):
                ometa.append(None)
                continue
            ometa.append((o._data.shape, o._dtype, o._device))
            if any(o is d for d in dirty):
                o._check_inplace()
                if o._base is not None and o._base.grad_fn is not None:
                    raise NotImplementedError("Ember does not support mark_dirty on a view of a "
                                              "tensor that is part of a graph")
            if any(o is nd for nd in non_diff) or not (o._dtype.is_floating_point or
                                                       o._dtype.is_complex):
                o._requires_grad = False
                continue
            o.grad_fn = ctx
            o._output_nr = i
            o._requires_grad = True
        ctx._output_meta = ometa
        to_save = ctx._to_save
        if to_save is not None:
            saved = []
            for k, x in enumerate(to_save):
                if x is None:
                    saved.append(None)
                elif not isinstance(x, Tensor):
                    raise TypeError("save_for_backward can only save variables, but argument "
                                    f"{k} is of type {type(x).__name__}")
                elif x.grad_fn is ctx and any(x is o for o in outs):
                    vc = x._vc
                    if vc is None:
                        vc = x._vc = [0]
                    saved.append(SavedTensor(array=x._data, vc=vc, output_nr=x._output_nr,
                                             dtype=x._dtype))
                else:
                    saved.append(SavedTensor(x))
            ctx._saved = saved
            ctx._to_save = None
    for o in outs:
        if isinstance(o, Tensor) and any(o is d for d in dirty):
            o._bump_version()
    return tuple(outs) if is_tuple else outs[0]


def _has_custom_setup(cls):
    """True when ``cls`` (or a base below Function) overrides ``setup_context``."""
    for k in cls.__mro__:
        if k is Function:
            return False
        if "setup_context" in k.__dict__:
            return k.__dict__["setup_context"] is not _BASE_SETUP
    return False


def _function_backward(node, grads):
    """Call a user Function's backward; map its per-argument results to tensor inputs."""
    fn = node._fn
    back = fn.backward
    if fn.__dict__.get("backward") is None and fn.vjp is not _BASE_VJP:
        back = fn.vjp
    result = back(node, *grads)
    if type(result) is not tuple:
        result = (result,)
    n_args = len(node.needs_input_grad)
    if len(result) != n_args:
        if len(result) > n_args and all(g is None for g in result[n_args:]):
            result = result[:n_args]
        else:
            raise RuntimeError(f"function {node.name()} returned an incorrect number of gradients "
                               f"(expected {n_args}, got {len(result)})")
    index = node._edge_index
    pos = set(index)
    for i, g in enumerate(result):
        if g is not None and i not in pos:
            raise RuntimeError(f"function {node.name()} returned a gradient different than None at "
                               f"position {i + 1}, but the corresponding forward input was not a "
                               "Variable")
    return tuple(result[i] for i in index)


def once_differentiable(fn):
    """Mark a backward as not differentiable again: it runs with grad recording off, and
    differentiating its results (``create_graph=True``) raises when that is attempted."""

    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not _state.grad_enabled:
            return outputs
        requires = any(isinstance(a, Tensor) and a._requires_grad for a in args)
        if not requires:
            return outputs
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        wrapped = delayed_error(outs, _ONCE_MESSAGE)
        return wrapped[0] if single else wrapped
    return wrapper


_ONCE_MESSAGE = "trying to differentiate twice a function that was marked with @once_differentiable"


def delayed_error(outputs, message):
    """``outputs`` behind a node that raises ``RuntimeError(message)`` when backward reaches
    it (PyTorch's DelayedError).  As in PyTorch, each output is a detached copy made a leaf
    that requires grad, so the node is recorded; a backward that runs it fails loudly where
    it would otherwise drop the term."""
    out = []
    for o in outputs:
        if isinstance(o, Tensor) and (o._dtype.is_floating_point or o._dtype.is_complex):
            leaf = o.detach()
            leaf._requires_grad = True
            o = _DelayedError.apply(leaf, message=message)
        out.append(o)
    return tuple(out)


class _DelayedError(Op):
    """Stands in the graph for a backward that is not differentiable: differentiating it raises."""

    node_name = "DelayedError"

    @staticmethod
    def forward(ctx, x, message=""):
        ctx.message = message
        return x

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(ctx.message)


# ---------------------------------------------------------------------- in-place
def apply_inplace(cls, self, args, kwargs):
    """Run op ``cls`` on ``(self, *args)`` and write the result into ``self``.

    The graph is rewritten as PyTorch does: ``self`` gets the op's node as its
    ``grad_fn``; when ``self`` is a view, its base gets a ``CopySlices`` node
    that routes the gradient of the viewed region through the op, and the
    view becomes an ``AsStridedBackward0`` of the base.  Other views of the same
    base that are part of a graph are re-routed through the base the same way.
    """
    if Tensor is None:
        _late_imports()
    operands = (self,) + args
    record = _state.grad_enabled and any(isinstance(a, Tensor) and a._requires_grad for a in operands)
    if record:
        self._check_inplace()
        base = self._base
        if base is not None and base.grad_fn is None and base._requires_grad:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
    else:
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
    if node is not None and node._saved:
        for s in node._saved:   # the op saved self's array: keep a copy, self is overwritten next
            if s is not None and s.tensor is old:
                s.tensor = old.clone()
                s.vc = s.tensor._vc = [0]
                s.version = 0
    self._write(result._data)
    self._bump_version()
    if node is None:
        return self
    if self._base is not None:
        _engine.rebase_view(self, node)
    else:
        self.grad_fn = node
        self._output_nr = 0
        self._requires_grad = True
        ex = self._extra
        if ex is not None and ex.get("views"):
            _engine.refresh_views(self, None)
    return self


def _check_cast(result, out_dtype):
    if result._category > out_dtype._category:
        from .._tensor import _scalar_type_name
        raise RuntimeError(f"result type {_scalar_type_name(result)} can't be cast to the desired "
                           f"output type {_scalar_type_name(out_dtype)}")
