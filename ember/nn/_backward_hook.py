"""Full backward hooks on Modules (``register_full_backward_hook``).

The module's tensor inputs and outputs pass through an identity Function
(``BackwardHookFunctionBackward`` in the graph, as in PyTorch).  When the
gradients w.r.t. the outputs arrive, the pre-hooks run and they are kept; when
the gradients w.r.t. the inputs arrive, the hooks get ``(module, grad_input,
grad_output)`` and may replace ``grad_input``.
"""

from .._tensor import Tensor
from ..autograd.function import Function


class BackwardHookFunction(Function):
    node_name = "BackwardHookFunctionBackward"

    @staticmethod
    def forward(ctx, *args):
        ctx.mark_non_differentiable(*[a for a in args if isinstance(a, Tensor) and not a.requires_grad])
        return args

    @staticmethod
    def backward(ctx, *grads):
        return ctx.hook_fn(grads) if getattr(ctx, "hook_fn", None) else grads


class BackwardHook:
    def __init__(self, module, hooks, pre_hooks):
        self.module = module
        self.hooks = hooks
        self.pre_hooks = pre_hooks
        self.grad_outputs = None
        self.n_inputs = 0

    def setup_input_hook(self, args):
        idx = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not idx:
            return args
        outs = BackwardHookFunction.apply(*[args[i] for i in idx])
        outs = outs if isinstance(outs, tuple) else (outs,)
        outs[0].grad_fn.hook_fn = self._on_input_grads
        new = list(args)
        for i, o in zip(idx, outs):
            new[i] = o
        return tuple(new)

    def setup_output_hook(self, result):
        single = isinstance(result, Tensor)
        items = (result,) if single else result
        if not isinstance(items, tuple):
            return result
        idx = [i for i, a in enumerate(items) if isinstance(a, Tensor) and a.requires_grad]
        if not idx:
            return result
        outs = BackwardHookFunction.apply(*[items[i] for i in idx])
        outs = outs if isinstance(outs, tuple) else (outs,)
        outs[0].grad_fn.hook_fn = self._on_output_grads
        new = list(items)
        for i, o in zip(idx, outs):
            new[i] = o
        return new[0] if single else tuple(new)

    def _on_output_grads(self, grads):
        for h in self.pre_hooks:
            r = h(self.module, grads)
            if r is not None:
                grads = tuple(r)
        self.grad_outputs = grads
        return grads

    def _on_input_grads(self, grads):
        for h in self.hooks:
            r = h(self.module, grads, self.grad_outputs)
            if r is not None:
                grads = tuple(r)
        return grads
