"""``Parameter`` and ``Buffer``: tensors a Module registers when they are assigned to it."""

from .. import _dtype as D
from .._tensor import Tensor

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "is_lazy"]


def _share(cls, data, requires_grad):
    """A ``cls`` instance over ``data``'s memory (no copy), detached from any graph."""
    t = object.__new__(cls)
    t._data = data._data
    t._dtype = data._dtype
    t._device = data._device
    t._requires_grad = False
    t.grad_fn = None
    t._grad = None
    t._vc = data._vc
    t._base = None
    t._output_nr = 0
    t._grad_acc = None
    t._extra = None
    if requires_grad:
        if not (t._dtype.is_floating_point or t._dtype.is_complex):
            # PyTorch's Parameter constructor capitalises this message (requires_grad_ does not)
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        t._requires_grad = True
    return t


class Parameter(Tensor):
    """``torch.nn.Parameter``: a tensor that a Module lists in ``parameters()``.

    Shares memory with ``data``; requires grad by default even under ``no_grad``.
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        return _share(cls, data, requires_grad)

    def __init__(self, data=None, requires_grad=True):
        pass

    @classmethod
    def _from_tensor(cls, new, old):
        return _share(cls, new, old.requires_grad)

    def __repr__(self):
        from .._printing import tensor_repr
        return "Parameter containing:\n" + tensor_repr(self)

    def __reduce_ex__(self, proto):
        from collections import OrderedDict
        return (_rebuild_parameter, (self.detach(), self.requires_grad, OrderedDict()))

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result


def _rebuild_parameter(data, requires_grad, backward_hooks):
    return Parameter(data, requires_grad)


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet (used by Lazy modules)."""

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        from ..ops.creation import empty
        p = _share(cls, empty(0, dtype=dtype or D.get_default_dtype(), device=device), requires_grad)
        return p

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def materialize(self, shape, device=None, dtype=None):
        from ..ops.creation import empty
        t = empty(*shape, dtype=dtype or self._dtype, device=device or self._device)
        self._data, self._dtype = t._data, t._dtype
        self.__class__ = Parameter

    def __repr__(self):
        return "<UninitializedParameter>"


def is_lazy(param):
    return isinstance(param, UninitializedParameter)


class _BufferMeta(type):
    def __instancecheck__(cls, instance):
        return isinstance(instance, Tensor) and bool(instance._extra and
                                                     instance._extra.get("is_buffer"))


class Buffer(metaclass=_BufferMeta):
    """``torch.nn.Buffer``: marks a tensor to be registered as a buffer on assignment."""

    def __new__(cls, data=None, *, persistent=True):
        from ..ops.creation import empty
        if data is None:
            data = empty(0)
        t = data.detach()
        t._base = None
        t._extra_dict().update(is_buffer=True, buffer_persistent=persistent)
        return t
