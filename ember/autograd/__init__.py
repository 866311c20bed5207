"""``torch.autograd``: ``backward``, ``grad``, ``Function`` and the grad modes."""

import numpy as _np

from . import engine as _engine
from . import grad_mode  # noqa: F401  (torch.autograd.grad_mode)
from .anomaly_mode import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                        is_inference_mode_enabled, no_grad, set_grad_enabled)

__all__ = ["backward", "grad", "Function", "FunctionCtx", "once_differentiable", "no_grad",
           "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "detect_anomaly", "set_detect_anomaly",
           "is_anomaly_enabled", "Variable"]


def _as_tuple(x):
    if x is None:
        return ()
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _tensor_seq(x, what):
    """``x`` as a tuple: a tensor, a sequence of them, or None (PyTorch's TypeError otherwise)."""
    from .._tensor import Tensor
    if x is None:
        return ()
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (tuple, list)):
        return tuple(x)
    if isinstance(x, (int, float, bool, complex)):
        raise TypeError(f"'{type(x).__name__}' object is not iterable")
    return tuple(x)


def _root_grads(outputs, grad_outputs, create_graph):
    from .._tensor import Tensor
    from ..ops.creation import ones_like
    grads = []
    if len(grad_outputs) == 0:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"got {len(outputs)} tensors and {len(grad_outputs)} gradients")
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(out, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(out).__name__}")
        if g is None:
            if out.requires_grad:
                if out._data.size != 1:
                    raise RuntimeError("grad can be implicitly created only for scalar outputs")
                if not out._dtype.is_floating_point:
                    raise RuntimeError("grad can be implicitly created only for real scalar outputs "
                                       f"but got {out.dtype}")
                g = ones_like(out)
        elif not isinstance(g, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 1, but got "
                            f"{type(g).__name__}")
        else:
            if g._data.shape != out._data.shape:
                raise RuntimeError(f"Mismatch in shape: grad_output[{i}] has a shape of "
                                   f"{g.shape} and output[{i}] has a shape of {out.shape}.")
            if g._dtype.is_complex != out._dtype.is_complex:
                raise RuntimeError("For complex Tensors, both grad_output and output are required "
                                   "to have the same dtype. Mismatch in dtype: grad_output[{i}] has "
                                   f"a dtype of {g.dtype} and output[{i}] has a dtype of {out.dtype}.")
            if not create_graph:
                g = g.detach()
        grads.append(g)
    return grads


def _root_edge(t):
    from .engine import grad_accumulator
    if t.grad_fn is not None:
        return (t.grad_fn, t._output_nr)
    return (grad_accumulator(t), 0)


Tensor = None


def _scalar_backward(t, retain_graph):
    """``loss.backward()`` on a one-element tensor: the common case, without the general set-up."""
    data = t._data
    if data.__class__ is not _np.ndarray or not t._dtype.is_floating_point:
        return False
    fn = t.grad_fn
    root = (fn, t._output_nr) if fn is not None else (_engine.grad_accumulator(t), 0)
    _engine.run_backward((root,), (Tensor._make(_np.ones(data.shape, data.dtype), t._dtype),),
                 bool(retain_graph), False)
    return True


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, grad_variables=None,
             inputs=None):
    """Accumulate into the leaves' ``.grad`` the gradients of ``tensors`` (``torch.autograd.backward``).

    ``inputs`` restricts accumulation to those tensors (non-leaf ones get
    ``retain_grad()``, as in PyTorch)."""
    global Tensor
    if Tensor is None:
        from .._tensor import Tensor
    if grad_tensors is None and grad_variables is None and inputs is None and not create_graph \
            and isinstance(tensors, Tensor) and tensors._requires_grad \
            and tensors._data.size == 1 and _scalar_backward(tensors, retain_graph):
        return
    from .engine import grad_accumulator, run_backward
    tensors = _tensor_seq(tensors, "tensors")
    grad_tensors = _tensor_seq(grad_tensors if grad_tensors is not None else grad_variables,
                               "grad_tensors")
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        inputs = _tensor_seq(inputs, "inputs")
        if len(inputs) == 0:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        only = set()
        for t in inputs:
            if t.grad_fn is None:
                if not t.requires_grad:
                    raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
                only.add(grad_accumulator(t))
            else:
                t.retain_grad()
                only.add(t.grad_fn)
    for i, t in enumerate(tensors):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
    grads = _root_grads(tensors, grad_tensors, create_graph)
    roots = [_root_edge(t) for t in tensors]
    run_backward(roots, grads, retain_graph, create_graph, only_leaves=only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """Return the gradients of ``outputs`` w.r.t. ``inputs`` without touching ``.grad``
    (``torch.autograd.grad``)."""
    from ..ops.creation import zeros_like
    from .engine import grad_accumulator, run_backward
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, "
                         "but got: allow_unused=False.")
    if is_grads_batched:
        raise NotImplementedError("Ember does not support is_grads_batched=True")
    if allow_unused is None:
        allow_unused = materialize_grads
    outputs = _tensor_seq(outputs, "outputs")
    inputs = _tensor_seq(inputs, "inputs")
    if retain_graph is None:
        retain_graph = create_graph
    for i, t in enumerate(outputs):
        if not t.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a "
                               "grad_fn")
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    grads = _root_grads(outputs, _tensor_seq(grad_outputs, "grad_outputs"), create_graph)
    capture = {}
    keys = []
    for i, t in enumerate(inputs):
        key = (t.grad_fn, t._output_nr) if t.grad_fn is not None else (grad_accumulator(t), 0)
        keys.append(key)
        capture.setdefault(key, i)
    roots = [_root_edge(t) for t in outputs]
    got = run_backward(roots, grads, retain_graph, create_graph, capture=capture, accumulate=False)
    result = []
    for i, t in enumerate(inputs):
        g = got.get(capture[keys[i]])
        if g is None:
            if not allow_unused:
                raise RuntimeError(f"The differentiated Tensor at index {i} appears to not have "
                                   "been used in the graph. Set allow_unused=True if this is the "
                                   "desired behavior.")
            if materialize_grads:
                g = zeros_like(t)
        elif not create_graph:
            g = g.detach()
        result.append(g)
    return tuple(result)


def Variable(data, requires_grad=False, volatile=False):
    """The deprecated ``Variable`` wrapper: returns the tensor (with ``requires_grad``)."""
    if requires_grad:
        data.requires_grad_(True)
    return data


from . import functional, graph  # noqa: E402
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from .graph import draw_graph  # noqa: E402

__all__ += ["gradcheck", "gradgradcheck", "GradcheckError", "functional", "draw_graph", "graph"]
