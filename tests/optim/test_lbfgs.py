"""LBFGS follows PyTorch's trajectory step for step (fixed step and strong-Wolfe line search)."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same, assert_same_error


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def run_rosenbrock(lib, steps, **kw):
    x = lib.tensor([-1.5, 2.0], dtype=lib.float64, requires_grad=True)
    opt = lib.optim.LBFGS([x], **kw)

    def closure():
        opt.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        return loss

    traj = []
    for _ in range(steps):
        loss = opt.step(closure)
        traj.append((loss.item(), x.detach().numpy().copy()))
    return traj, opt, x


@pytest.mark.parametrize("kw", [dict(lr=0.1, max_iter=10, history_size=5),
                                dict(lr=1, max_iter=20, line_search_fn="strong_wolfe"),
                                dict(lr=0.5, max_iter=4, history_size=2,
                                     line_search_fn="strong_wolfe"),
                                dict(lr=1, max_iter=50, max_eval=30, tolerance_change=1e-5,
                                     tolerance_grad=1e-4, line_search_fn="strong_wolfe")])
def test_rosenbrock_trajectory(kw):
    e_traj, e_opt, ex = run_rosenbrock(ember, 6, **kw)
    t_traj, t_opt, tx = run_rosenbrock(torch, 6, **kw)
    for (el, ep), (tl, tp) in zip(e_traj, t_traj):
        np.testing.assert_allclose(el, tl, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(ep, tp, rtol=1e-7, atol=1e-10)
    es, ts = e_opt.state[ex], t_opt.state[tx]
    assert es["func_evals"] == ts["func_evals"] and es["n_iter"] == ts["n_iter"]
    assert len(es["old_dirs"]) == len(ts["old_dirs"])


def _least_squares(lib, seed=0):
    rng = np.random.default_rng(seed)
    A, b = rng.standard_normal((20, 5)), rng.standard_normal((20, 2))
    model = lib.nn.Linear(5, 2).double()
    with lib.no_grad():
        model.weight.copy_(lib.tensor(rng.standard_normal((2, 5))))
        model.bias.copy_(lib.tensor(rng.standard_normal(2)))
    return model, lib.tensor(A), lib.tensor(b)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_least_squares_model_parameters(line_search_fn):
    results = []
    for lib in (ember, torch):
        model, A, b = _least_squares(lib)
        opt = lib.optim.LBFGS(model.parameters(), lr=0.8, history_size=3, max_iter=5,
                              line_search_fn=line_search_fn)

        def closure(opt=opt, model=model, A=A, b=b):
            opt.zero_grad()
            loss = ((model(A) - b) ** 2).mean()
            loss.backward()
            return loss
        losses = [opt.step(closure).item() for _ in range(4)]
        results.append((losses, model.weight.detach().numpy().copy(),
                        model.bias.detach().numpy().copy()))
    for e, t in zip(*results):
        np.testing.assert_allclose(e, t, rtol=1e-7, atol=1e-10)


def test_converged_start_returns_immediately():
    for lib in (ember, torch):
        x = lib.tensor([1.0, 1.0], dtype=lib.float64, requires_grad=True)
        opt = lib.optim.LBFGS([x])

        def closure(opt=opt, x=x):
            opt.zero_grad()
            loss = rosenbrock(x)
            loss.backward()
            return loss
        assert opt.step(closure).item() == 0.0
        assert opt.state[x]["func_evals"] == 1 and opt.state[x]["n_iter"] == 0


def test_state_dict_round_trip_continues_the_same_trajectory():
    kw = dict(lr=1, max_iter=3, history_size=4, line_search_fn="strong_wolfe")
    _, e_opt, ex = run_rosenbrock(ember, 2, **kw)
    t_traj, t_opt, tx = run_rosenbrock(torch, 4, **kw)
    sd = e_opt.state_dict()
    assert sorted(sd["state"][0]) == sorted(t_opt.state_dict()["state"][0])
    assert sd["param_groups"][0].keys() == t_opt.state_dict()["param_groups"][0].keys()
    # a fresh optimizer over a copy of the parameters picks up where the first one stopped
    x2 = ember.tensor(ex.detach().numpy(), requires_grad=True)
    opt2 = ember.optim.LBFGS([x2], **kw)
    opt2.load_state_dict(sd)

    def closure():
        opt2.zero_grad()
        loss = rosenbrock(x2)
        loss.backward()
        return loss
    for i in range(2, 4):
        loss = opt2.step(closure)
        np.testing.assert_allclose(float(loss), t_traj[i][0], rtol=1e-7)
        np.testing.assert_allclose(x2.detach().numpy(), t_traj[i][1], rtol=1e-7)
    assert opt2.state[x2]["n_iter"] == t_opt.state[tx]["n_iter"]


def test_repr_defaults_and_errors():
    ep = ember.zeros(2, requires_grad=True)
    tp = torch.zeros(2, requires_grad=True)
    eo, to = ember.optim.LBFGS([ep]), torch.optim.LBFGS([tp])
    assert repr(eo) == repr(to)
    assert eo.defaults == to.defaults
    assert_same_error(lambda: ember.optim.LBFGS([ep], lr=-1), lambda: torch.optim.LBFGS([tp], lr=-1))
    assert_same_error(lambda: ember.optim.LBFGS([{"params": [ep]}, {"params": [ember.ones(1)]}]),
                      lambda: torch.optim.LBFGS([{"params": [tp]}, {"params": [torch.ones(1)]}]))
    eo = ember.optim.LBFGS([ep], line_search_fn="backtracking")
    to = torch.optim.LBFGS([tp], line_search_fn="backtracking")

    def closure(lib, p, o):
        def f():
            o.zero_grad()
            loss = ((p - 1) ** 2).sum()
            loss.backward()
            return loss
        return f
    assert_same_error(lambda: eo.step(closure(ember, ep, eo)),
                      lambda: to.step(closure(torch, tp, to)))


def test_complex_parameters_follow_torch():
    results = []
    for lib in (ember, torch):
        z = lib.tensor([1.0 + 2.0j, -0.5 + 0.3j], dtype=lib.complex128, requires_grad=True)
        opt = lib.optim.LBFGS([z], lr=0.5, max_iter=5)

        def closure(opt=opt, z=z):
            opt.zero_grad()
            loss = ((z - (0.2 - 0.1j)).abs() ** 2).sum()
            loss.backward()
            return loss
        opt.step(closure)
        results.append(z.detach())
    assert_same(results[0], results[1])
