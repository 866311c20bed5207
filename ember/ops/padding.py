"""``F.pad``: constant, reflect, replicate and circular padding (one array op each)."""

import numpy as np

from ..autograd.function import Op
from ._util import xp_of

__all__ = []


class ConstantPad(Op):
    node_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, widths=None, value=0):
        xp = xp_of(x)
        crop = tuple(slice(max(-a, 0), x.shape[i] - max(-b, 0)) for i, (a, b) in enumerate(widths))
        x = x[crop]
        pos = [(max(a, 0), max(b, 0)) for a, b in widths]
        ctx.widths = widths
        return xp.pad(x, pos, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        sl = []
        need_pad = False
        for i, (a, b) in enumerate(ctx.widths):
            n = grad.shape[i]
            sl.append(slice(max(a, 0), n - max(b, 0)))
            need_pad |= a < 0 or b < 0
        g = grad[tuple(sl)]
        if need_pad:
            return ConstantPad.apply(g, widths=[(-min(a, 0), -min(b, 0)) for a, b in ctx.widths])
        return g


class ModePad(Op):
    """reflect / replicate / circular padding; backward folds the padded borders back in."""

    once_differentiable = True     # array backward (see Op)
    node_name = "ReflectionPad2DBackward0"

    @staticmethod
    def forward(ctx, x, widths=None, mode="reflect"):
        xp = xp_of(x)
        np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]
        ctx.meta = (x.shape, widths, np_mode)
        return xp.pad(x, widths, mode=np_mode)

    @staticmethod
    def backward(ctx, grad):
        from .._tensor import Tensor
        shape, widths, np_mode = ctx.meta
        g = grad._data
        xp = xp_of(g)
        # the padded output's element i came from input index src[i]: fold with one add.at per dim
        for d, (a, b) in enumerate(widths):
            if a == 0 and b == 0:
                continue
            n = shape[d]
            src = np.pad(np.arange(n), (a, b), mode=np_mode)
            out = xp.zeros(g.shape[:d] + (n,) + g.shape[d + 1:], dtype=g.dtype)
            moved = xp.moveaxis(out, d, 0)
            xp.add.at(moved, xp.asarray(src), xp.moveaxis(g, d, 0))
            g = out
        return Tensor._make(g)


def pad(input, pad, mode="constant", value=None):
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.dim():
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           "dimension but got padding length " + str(len(pad)) + " and input of "
                           f"dimension {input.dim()}")
    widths = [(0, 0)] * input.dim()
    for i in range(len(pad) // 2):
        widths[input.dim() - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode == "constant":
        return ConstantPad.apply(input, widths=widths, value=0 if value is None else value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    k = len(pad) // 2
    name = {"reflect": "Reflection", "replicate": "Replication", "circular": "Circular"}[mode]
    cls = type(f"{name}Pad", (ModePad,), {"node_name": f"{name}Pad{k}DBackward0"})
    return cls.apply(input, widths=widths, mode=mode)
