"""Optimizers fed the same gradients follow PyTorch's parameter trajectory."""

import copy
import numpy as np
import pytest
import torch

import ember

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=1e-2)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, maximize=True)),
    ("Adam", dict(lr=1e-2)),
    ("Adam", dict(lr=1e-2, betas=(0.8, 0.9), weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=1e-2, maximize=True, eps=1e-6)),
    ("AdamW", dict(lr=1e-2)),
    ("AdamW", dict(lr=1e-2, weight_decay=0.5, amsgrad=True)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=1e-3, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1, weight_decay=0.1)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adamax", dict()),
    ("Adamax", dict(lr=0.01, weight_decay=0.1)),
    ("NAdam", dict()),
    ("NAdam", dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)),
    ("RAdam", dict()),
    ("RAdam", dict(lr=0.01, weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kwargs", CASES)
def test_trajectory_matches_torch(name, kwargs):
    rng = np.random.default_rng(0)
    shapes = [(3, 4), (4,), ()]
    init = [rng.standard_normal(s) for s in shapes]
    ep = [ember.nn.Parameter(ember.tensor(a)) for a in init]
    tp = [torch.nn.Parameter(torch.tensor(a)) for a in init]
    eo = getattr(ember.optim, name)(ep, **kwargs)
    to = getattr(torch.optim, name)(tp, **kwargs)
    for step in range(100):
        for e, t, s in zip(ep, tp, shapes):
            g = rng.standard_normal(s)
            e.grad = ember.tensor(g)
            t.grad = torch.tensor(g)
        eo.step()
        to.step()
    for e, t in zip(ep, tp):
        np.testing.assert_allclose(e.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    es, ts = eo.state_dict(), to.state_dict()
    assert es["param_groups"] == ts["param_groups"]
    assert es["state"].keys() == ts["state"].keys()
    for k in ts["state"]:
        assert es["state"][k].keys() == ts["state"][k].keys()
        for key, tv in ts["state"][k].items():
            np.testing.assert_allclose(np.asarray(es["state"][k][key].numpy()), tv.numpy(), rtol=1e-10)


def test_state_dict_round_trip_continues_identically():
    rng = np.random.default_rng(1)
    a = rng.standard_normal((5,))
    p1, p2 = ember.nn.Parameter(ember.tensor(a)), ember.nn.Parameter(ember.tensor(a))
    o1 = ember.optim.Adam([p1], lr=0.1)
    grads = [rng.standard_normal(5) for _ in range(6)]
    for g in grads[:3]:
        p1.grad = ember.tensor(g)
        o1.step()
    p2.data = p1.detach().clone()
    o2 = ember.optim.Adam([p2], lr=0.1)
    # a checkpoint holds copies (PyTorch's load_state_dict shares the tensors it is given)
    o2.load_state_dict(copy.deepcopy(o1.state_dict()))
    for g in grads[3:]:
        p1.grad = ember.tensor(g)
        p2.grad = ember.tensor(g)
        o1.step()
        o2.step()
    np.testing.assert_array_equal(p1.detach().numpy(), p2.detach().numpy())


def test_steps_update_parameters_in_place():
    p = ember.nn.Parameter(ember.ones(3))
    arr = p._data
    opt = ember.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = ember.ones(3)
    opt.step()
    assert p._data is arr and np.allclose(arr, 0.9)


def test_param_groups_and_errors_match_torch():
    for lib in (ember, torch):
        a, b = lib.nn.Parameter(lib.ones(2)), lib.nn.Parameter(lib.ones(2))
        opt = lib.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
        assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
        with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
            opt.add_param_group({"params": [a]})
        with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
            lib.optim.SGD([], lr=0.1)
    assert repr(ember.optim.Adam([ember.nn.Parameter(ember.ones(1))])) == \
        repr(torch.optim.Adam([torch.nn.Parameter(torch.ones(1))]))


def test_zero_grad_and_hooks():
    p = ember.nn.Parameter(ember.ones(2))
    opt = ember.optim.SGD([p], lr=1.0)
    seen = []
    opt.register_step_pre_hook(lambda o, a, k: seen.append("pre"))
    opt.register_step_post_hook(lambda o, a, k: seen.append("post"))
    p.grad = ember.ones(2)
    opt.step()
    assert seen == ["pre", "post"]
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and float(p.grad.abs().sum()) == 0.0
    opt.zero_grad()
    assert p.grad is None


def test_closure_is_called_and_loss_returned():
    p = ember.nn.Parameter(ember.tensor([2.0]))
    opt = ember.optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 4.0 and float(p.detach()[0]) == 1.0
