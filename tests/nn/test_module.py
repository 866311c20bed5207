"""nn.Module against torch.nn.Module: registration, orders, state_dict, printing, hooks."""

from collections import OrderedDict

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same


def build(nn, shared=True):
    """The same nested model in either framework (``nn`` is torch.nn or ember.nn)."""

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 3)
            self.register_buffer("running", (nn.Linear(1, 1).weight.detach() * 0 + 1).reshape(1))
            self.register_buffer("scratch", (nn.Linear(1, 1).weight.detach() * 0).reshape(1),
                                 persistent=False)

        def forward(self, x):
            return self.fc(x) * self.running

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.first = Block()
            self.seq = nn.Sequential(OrderedDict([("lin", nn.Linear(3, 5)), ("id", nn.Identity())]))
            self.blocks = nn.ModuleList([Block(), Block()])
            self.heads = nn.ModuleDict({"a": nn.Linear(5, 2, bias=False), "b": nn.Flatten()})
            self.scale = nn.Parameter(self.first.fc.weight.detach()[0, :1].clone() * 0 + 2)
            if shared:
                self.alias = self.seq.lin   # the same module twice: de-duplicated

        def forward(self, x):
            return self.heads["a"](self.seq(self.first(x))) * self.scale

    return Net()


def copy_weights(em, tm):
    with torch.no_grad():
        for (en, ep), (tn, tp) in zip(em.state_dict().items(), tm.state_dict().items()):
            assert en == tn
            tp.copy_(torch.tensor(np.random.randn(*tp.shape), dtype=tp.dtype))
            ep.copy_(ember.tensor(tp.numpy()))


def test_names_orders_and_repr_match_torch():
    em, tm = build(ember.nn), build(torch.nn)
    assert [n for n, _ in em.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert [n for n, _ in em.named_buffers()] == [n for n, _ in tm.named_buffers()]
    assert [n for n, _ in em.named_modules()] == [n for n, _ in tm.named_modules()]
    assert [n for n, _ in em.named_children()] == [n for n, _ in tm.named_children()]
    assert list(em.state_dict().keys()) == list(tm.state_dict().keys())
    assert [n for n, _ in em.named_parameters(remove_duplicate=False)] == \
        [n for n, _ in tm.named_parameters(remove_duplicate=False)]
    assert repr(em).replace("ember", "torch") == repr(tm)


def test_forward_backward_and_state_dict_round_trip():
    em, tm = build(ember.nn), build(torch.nn)
    copy_weights(em, tm)
    x = np.random.randn(6, 4)
    ey = em(ember.tensor(x, dtype=ember.float32))
    ty = tm(torch.tensor(x, dtype=torch.float32))
    assert_same(ey, ty, rtol=1e-4, atol=1e-5)
    ey.sum().backward()
    ty.sum().backward()
    for (n, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
        if tp.grad is None:          # the ModuleList blocks are not used in forward
            assert ep.grad is None, n
        else:
            assert_same(ep.grad, tp.grad, rtol=1e-4, atol=1e-5)
    em2 = build(ember.nn)
    result = em2.load_state_dict(em.state_dict())
    assert repr(result) == "<All keys matched successfully>"
    for (_, a), (_, b) in zip(em.state_dict().items(), em2.state_dict().items()):
        assert np.array_equal(a.numpy(), b.numpy())


def test_load_state_dict_errors_match_torch():
    em, tm = build(ember.nn), build(torch.nn)
    esd, tsd = em.state_dict(), tm.state_dict()
    del esd["seq.lin.bias"], tsd["seq.lin.bias"]
    esd["extra.weight"] = ember.zeros(1)
    tsd["extra.weight"] = torch.zeros(1)
    esd["first.fc.weight"] = ember.zeros(2, 2)
    tsd["first.fc.weight"] = torch.zeros(2, 2)
    with pytest.raises(RuntimeError) as te:
        tm.load_state_dict(tsd)
    with pytest.raises(RuntimeError) as ee:
        em.load_state_dict(esd)
    assert str(ee.value) == str(te.value)


def test_non_strict_load_reports_keys():
    em, tm = build(ember.nn), build(torch.nn)
    esd, tsd = em.state_dict(), tm.state_dict()
    del esd["heads.a.weight"], tsd["heads.a.weight"]
    esd["bogus"] = ember.zeros(1)
    tsd["bogus"] = torch.zeros(1)
    er, tr = em.load_state_dict(esd, strict=False), tm.load_state_dict(tsd, strict=False)
    assert er.missing_keys == tr.missing_keys and er.unexpected_keys == tr.unexpected_keys


def test_setattr_errors_match_torch():
    for nn in (ember.nn, torch.nn):
        m = nn.Linear(2, 2)
        with pytest.raises(TypeError) as e:
            m.weight = nn.Linear(1, 1).weight.detach()
        assert "cannot assign" in str(e.value) and "as parameter 'weight'" in str(e.value)


def test_train_eval_zero_grad_requires_grad():
    em = build(ember.nn)
    em.eval()
    assert not any(m.training for m in em.modules())
    em.train()
    assert all(m.training for m in em.modules())
    em(ember.ones(2, 4)).sum().backward()
    used = [p for n, p in em.named_parameters() if not n.startswith("blocks.")]
    assert all(p.grad is not None for p in used)
    em.zero_grad()
    assert all(p.grad is None for p in em.parameters())
    em.requires_grad_(False)
    assert not any(p.requires_grad for p in em.parameters())


def test_hooks_run_like_torch():
    for nn, lib in ((ember.nn, ember), (torch.nn, torch)):
        calls = []
        m = nn.Linear(3, 2)
        h1 = m.register_forward_pre_hook(lambda mod, args: calls.append("pre"))
        h2 = m.register_forward_hook(lambda mod, args, out: out * 2)
        m.register_full_backward_hook(
            lambda mod, gin, gout: calls.append(("bw", tuple(gin[0].shape), tuple(gout[0].shape))))
        x = lib.ones(4, 3, requires_grad=True)
        y = m(x)
        y.sum().backward()
        assert calls == ["pre", ("bw", (4, 3), (4, 2))], calls
        # the forward hook doubled the output, so the input gradient is doubled too
        expected = 2 * m.weight.detach().numpy().sum(0)
        assert np.allclose(x.grad.numpy(), np.broadcast_to(expected, (4, 3)), rtol=1e-5)
        h1.remove()
        h2.remove()
        calls.clear()
        m(x)
        assert calls == []


def test_module_to_dtype_keeps_parameter_identity():
    m = ember.nn.Linear(3, 2)
    w = m.weight
    m.double()
    assert m.weight is w and w.dtype is ember.float64
    assert m(ember.ones(1, 3, dtype=ember.float64)).dtype is ember.float64


def test_parameter_repr_matches_torch():
    p = ember.nn.Parameter(ember.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))


def test_parameter_container_reprs_match_torch():
    for build in (lambda lib: lib.nn.ParameterList([lib.nn.Parameter(lib.ones(2, 3)), lib.ones(1),
                                                    lib.nn.Parameter(lib.zeros(4, dtype=lib.float64))]),
                  lambda lib: lib.nn.ParameterDict({"a": lib.nn.Parameter(lib.ones(2)),
                                                    "b": lib.zeros(3, dtype=lib.float16)})):
        assert repr(build(ember)) == repr(build(torch))
    for lib in (ember, torch):     # integer tensors cannot become Parameters
        with pytest.raises(RuntimeError, match="^Only Tensors of floating point and complex dtype"):
            lib.nn.ParameterDict({"b": lib.zeros(3, dtype=lib.int64)})
