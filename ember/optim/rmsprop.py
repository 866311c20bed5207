"""``RMSprop`` (centered, momentum), ``Adagrad``, ``Adadelta``."""

from .. import _dtype as D
from ..ops.creation import tensor, zeros_like
from ._functional import advance, closure_loss, grad_of, init_state
from .optimizer import Optimizer, _use_grad

__all__ = ["RMSprop", "Adagrad", "Adadelta"]


def _check(lr=0.0, eps=0.0, weight_decay=0.0, **more):
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")
    if not 0.0 <= eps:
        raise ValueError(f"Invalid epsilon value: {eps}")
    if not 0.0 <= weight_decay:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    for name, (value, ok) in more.items():
        if not ok:
            raise ValueError(f"Invalid {name} value: {value}")


class RMSprop(Optimizer):
    r"""RMSprop: divide by a running RMS of gradients (optionally centered, with momentum).

    .. math:: v \leftarrow \alpha v + (1-\alpha) g^2,\quad
              \theta \leftarrow \theta - \gamma\, g / (\sqrt{v - \bar g^2} + \epsilon)
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check(lr, eps, weight_decay, momentum=(momentum, momentum >= 0), alpha=(alpha, alpha >= 0))
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps,
                                      centered=centered, weight_decay=weight_decay,
                                      capturable=capturable, foreach=foreach, maximize=maximize,
                                      differentiable=differentiable))

    @_use_grad
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group in self.param_groups:
            alpha, lr, eps, wd, mom = (group[k] for k in ("alpha", "lr", "eps", "weight_decay",
                                                          "momentum"))
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                state = self.state[p]
                names = ("square_avg",) + (("momentum_buffer",) if mom > 0 else ()) + \
                    (("grad_avg",) if group["centered"] else ())
                init_state(state, p, *names)
                advance(state)
                if wd != 0:
                    g = g.add(p, alpha=wd)
                sq = state["square_avg"]
                sq.mul_(alpha).addcmul_(g, g, value=1 - alpha)
                if group["centered"]:
                    ga = state["grad_avg"]
                    ga.lerp_(g, 1 - alpha)
                    avg = sq.addcmul(ga, ga, value=-1).sqrt_()
                else:
                    avg = sq.sqrt()
                avg = avg.add_(eps)
                if mom > 0:
                    buf = state["momentum_buffer"]
                    buf.mul_(mom).addcdiv_(g, avg)
                    p.add_(buf, alpha=-lr)
                else:
                    p.addcdiv_(g, avg, value=-lr)
        return loss


class Adagrad(Optimizer):
    r"""Adagrad: per-coordinate rates from the sum of squared gradients.

    .. math:: s \leftarrow s + g^2,\quad
              \theta \leftarrow \theta - \frac{\gamma}{1 + (t-1)\eta}\, g / (\sqrt{s} + \epsilon)
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check(lr, eps, weight_decay, lr_decay=(lr_decay, lr_decay >= 0),
               initial_accumulator_value=(initial_accumulator_value, initial_accumulator_value >= 0))
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, fused=fused))
        for group in self.param_groups:   # PyTorch creates Adagrad's state eagerly
            for p in group["params"]:
                state = self.state[p]
                state["step"] = tensor(0.0, dtype=D.float32)
                state["sum"] = zeros_like(p).fill_(group["initial_accumulator_value"])

    @_use_grad
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group in self.param_groups:
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                state = self.state[p]
                step = advance(state)
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
                state["sum"].addcmul_(g, g, value=1)
                std = state["sum"].sqrt().add_(group["eps"])
                p.addcdiv_(g, std, value=-clr)
        return loss


class Adadelta(Optimizer):
    r"""Adadelta: step sizes from running averages of squared gradients and squared updates."""

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check(lr, eps, weight_decay, rho=(rho, 0.0 <= rho <= 1.0))
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, capturable=capturable, foreach=foreach,
                                      differentiable=differentiable))

    @_use_grad
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group in self.param_groups:
            rho, eps = group["rho"], group["eps"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                state = init_state(self.state[p], p, "square_avg", "acc_delta")
                advance(state)
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                sq, acc = state["square_avg"], state["acc_delta"]
                sq.mul_(rho).addcmul_(g, g, value=1 - rho)
                std = sq.add(eps).sqrt_()
                delta = acc.add(eps).sqrt_().div_(std).mul_(g)
                acc.mul_(rho).addcmul_(delta, delta, value=1 - rho)
                p.add_(delta, alpha=-group["lr"])
        return loss
