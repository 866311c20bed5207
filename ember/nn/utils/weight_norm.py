"""``torch.nn.utils.weight_norm``: the hook-based weight normalisation ``w = g * v / ||v||``.

``weight`` is replaced by parameters ``weight_g`` (magnitude) and ``weight_v``
(direction); a forward pre-hook recomputes ``weight`` before every forward.
"""

import warnings

from ...autograd.function import Op
from ...autograd.grad_mode import no_grad
from ...ops._util import xp_of
from ..parameter import Parameter, UninitializedParameter

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm", "norm_except_dim"]


def norm_except_dim(v, pow=2, dim=0):
    """The ``pow``-norm of ``v`` over every dim but ``dim``, kept as size-1 dims (``dim=-1``:
    the norm of the whole tensor, a 0-d tensor), as ``torch.norm_except_dim``."""
    if dim == -1:
        return v.norm(pow)
    dims = [d for d in range(v.dim()) if d != dim]
    return v.norm(pow, dim=dims, keepdim=True) if dims else v.abs() if pow == 1 else \
        (v.abs() ** pow) ** (1.0 / pow)


class WeightNormInterface(Op):
    """Fused ``v * (g / ||v||)`` for ``dim`` first or last, PyTorch's ``_weight_norm`` kernel."""
    node_name = "WeightNormInterfaceBackward0"
    promote = True

    @staticmethod
    def forward(ctx, v, g, dim=0):
        xp = xp_of(v)
        axes = tuple(d for d in range(v.ndim) if d != dim)
        norm = xp.sqrt((v * v).sum(axis=axes, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(v, g)
        return v * (g / norm)

    @staticmethod
    def backward(ctx, grad):
        v, g = ctx.saved_tensors
        dims = [d for d in range(v.dim()) if d != ctx.dim]
        norm = v.norm(2, dim=dims, keepdim=True)
        gv_dot = (grad * v).sum(dims, keepdim=True)
        grad_g = gv_dot / norm
        grad_v = (g / norm) * (grad - v * (gv_dot / (norm * norm)))
        return grad_v, grad_g


def _weight_norm(v, g, dim=0):
    """``v * (g / norm_except_dim(v, 2, dim))``; fused (WeightNormInterfaceBackward0) when ``dim``
    is the first or last dim, a composite otherwise, as ``torch._weight_norm``."""
    if v.dim() and dim in (0, v.dim() - 1):
        return WeightNormInterface.apply(v, g, dim=dim)
    return v * (g / norm_except_dim(v, 2, dim))


class WeightNorm:
    """The forward pre-hook that recomputes ``module.<name>`` from ``<name>_g`` and ``<name>_v``."""

    def __init__(self, name, dim):
        if dim is None:
            dim = -1
        self.name = name
        self.dim = dim

    def compute_weight(self, module):
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return _weight_norm(v, g, self.dim)

    @staticmethod
    def apply(module, name, dim):
        warnings.warn("`torch.nn.utils.weight_norm` is deprecated in favor of "
                      "`torch.nn.utils.parametrizations.weight_norm`.", FutureWarning, stacklevel=3)
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter "
                                   f"{name}")
        if dim is None:
            dim = -1
        fn = WeightNorm(name, dim)
        weight = getattr(module, name)
        if isinstance(weight, UninitializedParameter):
            raise ValueError("The module passed to `WeightNorm` can't have uninitialized "
                             "parameters. Make sure to run the dummy forward before applying "
                             "weight normalization")
        del module._parameters[name]
        with no_grad():
            module.register_parameter(name + "_g", Parameter(norm_except_dim(weight, 2, dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module):
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module, inputs):
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module, name="weight", dim=0):
    """Reparametrise ``module.<name>`` as ``g * v / ||v||`` (norm over all dims but ``dim``;
    ``dim=None``: over the whole tensor). Deprecated in PyTorch, which warns as here."""
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module, name="weight"):
    """Fold ``<name>_g``/``<name>_v`` back into a plain parameter ``<name>``."""
    for k, hook in module._forward_pre_hooks.items():
        if isinstance(hook, WeightNorm) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[k]
            return module
    raise ValueError(f"weight_norm of '{name}' not found in {module}")
