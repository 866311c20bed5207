"""Schedulers follow PyTorch's learning-rate (and momentum) trajectory step for step."""

import copy
import warnings

import pytest
import torch

import ember

CASES = [
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[10, 30, 30, 60], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.97)),
    ("CosineAnnealingLR", dict(T_max=25, eta_min=0.001)),
    ("CosineAnnealingWarmRestarts", dict(T_0=10, T_mult=2, eta_min=0.01)),
    ("LinearLR", dict(start_factor=0.2, total_iters=20)),
    ("ConstantLR", dict(factor=0.5, total_iters=13)),
    ("PolynomialLR", dict(total_iters=40, power=2.0)),
    ("LambdaLR", dict(lr_lambda=lambda e: 0.95 ** e)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.99)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=101)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], total_steps=101, three_phase=True,
                        anneal_strategy="linear")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.2, step_size_up=7, mode="triangular2")),
    ("CyclicLR", dict(base_lr=0.01, max_lr=0.2, step_size_up=5, step_size_down=9,
                      mode="exp_range", gamma=0.98)),
]


def make(lib, opt_name="SGD"):
    p1, p2 = lib.nn.Parameter(lib.zeros(2)), lib.nn.Parameter(lib.zeros(3))
    kw = dict(momentum=0.9) if opt_name == "SGD" else {}
    return getattr(lib.optim, opt_name)([{"params": [p1]}, {"params": [p2], "lr": 0.05}], lr=0.1, **kw)


def trajectory(lib, name, kw, steps=100, opt_name="SGD"):
    opt = make(lib, opt_name)
    sched = getattr(lib.optim.lr_scheduler, name)(opt, **kw)
    out = []
    for _ in range(steps):
        opt.step()
        sched.step()
        out.append((tuple(sched.get_last_lr()),
                    tuple(g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups)))
    return out, sched


@pytest.mark.parametrize("name,kw", CASES)
def test_trajectory_matches_torch(name, kw):
    for opt_name in ("SGD", "Adam") if name in ("OneCycleLR", "CyclicLR") else ("SGD",):
        e, _ = trajectory(ember, name, kw, opt_name=opt_name)
        t, _ = trajectory(torch, name, kw, opt_name=opt_name)
        assert e == t


def test_sequential_and_chained_match_torch():
    def run(lib, kind):
        opt = make(lib)
        S = lib.optim.lr_scheduler
        a = S.LinearLR(opt, start_factor=0.1, total_iters=5)
        b = S.ExponentialLR(opt, gamma=0.9)
        sched = S.SequentialLR(opt, [a, b], milestones=[5]) if kind == "seq" else \
            S.ChainedScheduler([a, b])
        lrs = []
        for _ in range(30):
            opt.step()
            sched.step()
            lrs.append(tuple(sched.get_last_lr()))
        return lrs
    for kind in ("seq", "chain"):
        assert run(ember, kind) == run(torch, kind)


def test_reduce_on_plateau_matches_torch():
    metrics = [1.0, 0.9, 0.9, 0.95, 0.91, 0.9, 0.89, 0.9, 0.9, 0.9, 0.9, 0.9, 0.5] * 3

    def run(lib):
        opt = make(lib)
        s = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=2, factor=0.5, cooldown=1,
                                                      min_lr=[0.01, 0.0])
        out = []
        for m in metrics:
            opt.step()
            s.step(m)
            out.append(tuple(s.get_last_lr()))
        return out
    assert run(ember) == run(torch)


def test_state_dict_round_trip_resumes_identically():
    kw = dict(T_max=25, eta_min=0.001)
    full, _ = trajectory(ember, "CosineAnnealingLR", kw, steps=40)
    opt = make(ember)
    sched = ember.optim.lr_scheduler.CosineAnnealingLR(opt, **kw)
    for _ in range(15):
        opt.step()
        sched.step()
    saved_opt, saved_sched = copy.deepcopy(opt.state_dict()), copy.deepcopy(sched.state_dict())
    opt2 = make(ember)
    opt2.load_state_dict(saved_opt)
    sched2 = ember.optim.lr_scheduler.CosineAnnealingLR(opt2, **kw)
    sched2.load_state_dict(saved_sched)
    rest = []
    for _ in range(25):
        opt2.step()
        sched2.step()
        rest.append(tuple(sched2.get_last_lr()))
    assert rest == [lrs for lrs, _ in full[15:]]


def test_order_warning_matches_torch():
    for lib in (ember, torch):
        opt = make(lib)
        s = lib.optim.lr_scheduler.StepLR(opt, 2)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            s.step()
        assert any("before `optimizer.step()`" in str(x.message) for x in w)
