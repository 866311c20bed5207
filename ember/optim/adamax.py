"""``Adamax``, ``NAdam`` and ``RAdam``: the Adam variants."""

import math

from .. import _dtype as D
from ..ops.creation import tensor
from ._functional import advance, closure_loss, grad_of, init_state
from .optimizer import Optimizer, _use_grad
from .rmsprop import _check

__all__ = ["Adamax", "NAdam", "RAdam"]


def _check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


class Adamax(Optimizer):
    r"""Adam with the infinity norm: ``u = max(beta2 * u, |g| + eps)``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check(lr, eps, weight_decay)
        _check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      foreach=foreach, maximize=maximize,
                                      differentiable=differentiable, capturable=capturable))

    @_use_grad
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                state = init_state(self.state[p], p, "exp_avg", "exp_inf")
                step = advance(state)
                if group["weight_decay"] != 0:
                    g = g.add(p, alpha=group["weight_decay"])
                state["exp_avg"].lerp_(g, 1 - beta1)
                exp_inf = state["exp_inf"]
                exp_inf.copy_(exp_inf.mul_(beta2).maximum(g.abs().add_(group["eps"])))
                clr = group["lr"] / (1 - beta1 ** step)
                p.addcdiv_(state["exp_avg"], exp_inf, value=-clr)
        return loss


class NAdam(Optimizer):
    r"""Adam with Nesterov momentum and the momentum-decay schedule ``mu_t``."""

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check(lr, eps, weight_decay, momentum_decay=(momentum_decay, momentum_decay >= 0))
        _check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      differentiable=differentiable))

    @_use_grad
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd, md = group["lr"], group["weight_decay"], group["momentum_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                state = self.state[p]
                if len(state) == 0:
                    # PyTorch's key order: step, mu_product, exp_avg, exp_avg_sq
                    init_state(state, p)
                    state["mu_product"] = tensor(1.0, dtype=D.float32)
                    init_state_buffers(state, p, "exp_avg", "exp_avg_sq")
                step = advance(state)
                bias_correction2 = 1 - beta2 ** step
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g.add(p, alpha=wd)
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * md)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * md)))
                state["mu_product"].mul_(mu)         # a float32 product, as in PyTorch
                mu_product = state["mu_product"].item()
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(g, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                denom = exp_avg_sq.div(bias_correction2).sqrt().add_(group["eps"])
                mu_product_next = mu_product * mu_next
                p.addcdiv_(g, denom, value=(-lr * (1.0 - mu) / (1.0 - mu_product)))
                p.addcdiv_(exp_avg, denom, value=(-lr * mu_next) / (1.0 - mu_product_next))
        return loss


def init_state_buffers(state, p, *names):
    from ..ops.creation import zeros_like
    for n in names:
        state[n] = zeros_like(p)


class RAdam(Optimizer):
    r"""Rectified Adam: plain momentum SGD until the variance estimate is reliable (rho_t > 5)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check(lr, eps, weight_decay)
        _check_betas(betas)
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize, foreach=foreach, capturable=capturable,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      differentiable=differentiable))

    @_use_grad
    def step(self, closure=None):
        loss = closure_loss(closure)
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, wd = group["lr"], group["weight_decay"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = grad_of(p, group["maximize"])
                state = init_state(self.state[p], p, "exp_avg", "exp_avg_sq")
                step = advance(state)
                if wd != 0:
                    if group["decoupled_weight_decay"]:
                        p.mul_(1 - lr * wd)
                    else:
                        g = g.add(p, alpha=wd)
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                exp_avg.lerp_(g, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                corrected = exp_avg / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                     ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                    adaptive = (bias_correction2 ** 0.5) / exp_avg_sq.sqrt().add_(group["eps"])
                    p.add_(corrected * lr * adaptive * rect, alpha=-1.0)
                else:
                    p.add_(corrected * lr, alpha=-1.0)
        return loss
