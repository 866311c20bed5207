"""nn.utils against torch.nn.utils."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same


def params_with_grads(lib, scale=1.0):
    rng = np.random.default_rng(0)
    ps = []
    for shape in [(3, 4), (4,), (2, 2, 2)]:
        p = lib.nn.Parameter(lib.tensor(rng.standard_normal(shape)))
        p.grad = lib.tensor(rng.standard_normal(shape) * scale)
        ps.append(p)
    return ps


@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf"), 3])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ep, tp = params_with_grads(ember), params_with_grads(torch)
    en = ember.nn.utils.clip_grad_norm_(ep, max_norm, norm_type)
    tn = torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type)
    assert_same(en, tn)
    for e, t in zip(ep, tp):
        assert_same(e.grad, t.grad)


def test_clip_grad_norm_nonfinite_error():
    for lib in (ember, torch):
        ps = params_with_grads(lib)
        ps[0].grad[0, 0] = float("inf")
        with pytest.raises(RuntimeError, match="is non-finite, so it cannot be clipped"):
            lib.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)


def test_clip_grad_value_and_vector_round_trip():
    ep, tp = params_with_grads(ember, 3.0), params_with_grads(torch, 3.0)
    ember.nn.utils.clip_grad_value_(ep, 0.7)
    torch.nn.utils.clip_grad_value_(tp, 0.7)
    for e, t in zip(ep, tp):
        assert_same(e.grad, t.grad)
    ev = ember.nn.utils.parameters_to_vector(ep)
    assert_same(ev, torch.nn.utils.parameters_to_vector(tp))
    ember.nn.utils.vector_to_parameters(ev * 2, ep)
    assert_same(ep[1], tp[1] * 2)
