"""Pieces the optimizers share: per-parameter state creation and the ``step`` counter.

PyTorch keeps each parameter's step count as a float32 0-dim tensor; Ember
does the same so that state dicts match and load in either framework.
"""

from .. import _dtype as D
from ..ops.creation import tensor, zeros_like


def step_tensor():
    return tensor(0.0, dtype=D.float32)


def init_state(state, p, *names, fill=0.0):
    """Create the ``step`` counter and zero buffers ``names`` the first time ``p`` is seen."""
    if len(state) == 0:
        state["step"] = step_tensor()
        for name in names:
            buf = zeros_like(p)
            if fill:
                buf.fill_(fill)
            state[name] = buf
    return state


def advance(state):
    """``step += 1``; returns the new step as a Python float."""
    state["step"].add_(1)
    return state["step"].item()


def closure_loss(closure):
    if closure is None:
        return None
    from ..autograd.grad_mode import enable_grad
    with enable_grad():
        return closure()


def grad_of(p, maximize):
    return -p._grad if maximize else p._grad
