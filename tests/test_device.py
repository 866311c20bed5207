"""``torch.device`` parsing, printing and equality, and CUDA availability without CuPy."""


import pytest
import torch

import ember
from conftest import check_expr, describe_expr

describe, check = describe_expr, check_expr


DEVICE_CASES = [
    'm.ones(2).is_cuda',
    "m.ones(2).to('cuda')",
    'm.ones(2).cuda()',
    "m.device('cpu')",
    "m.device('cuda:1')",
    "m.device('cuda', 1)",
    "m.device('cpu', 0)",
    'm.device(1)',
    "m.device('cuda:-1')",
    "m.device('cuda:x')",
    "m.device('tpu')",
    "m.device('cpu') == 'cpu'",
    "m.device('cpu') == m.device('cpu', 0)",
    "str(m.device('cuda:0'))",
    "m.device('cuda:0').type",
    "m.device('cuda:0').index",
    "m.device('cpu').index",
    "m.device(m.device('cpu'))",
    "m.device('cpu:0')",
    'm.device(None)',
    "m.device('CPU')",
    "m.device(' cpu')",
    'm.cuda.is_available()',
    'm.cuda.device_count()',
    'm.cuda.current_device()',
    "m.ones(2, device='cuda:0')",
]


@pytest.mark.parametrize("expr", DEVICE_CASES)
def test_device(expr):
    check(expr)


@pytest.mark.parametrize("expr", [
    "m.device('cpu', -1)", "m.device('cuda', -1)", "m.device('cuda:1', 1)", "m.device('cuda:01')",
    "m.device('cpu:0:1')", "m.device(1.5)", "m.device('cuda', 0)", "m.device(type='cuda', index=2)",
    "repr(m.device('cuda', 3))", "m.device('meta')", "m.device('cuda:0') != m.device('cuda:1')",
    "{m.device('cpu'): 1}[m.device('cpu')]", "m.ones(2).device == m.device('cpu')",
    "m.ones(2).cpu().device", "m.ones(2).to('cpu').device",
])
def test_device_more(expr):
    check(expr)


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the no-CUDA behaviour")
@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, device="cuda"), lambda m: m.zeros(2, device="cuda:0"),
    lambda m: m.tensor([1.0], device="cuda"), lambda m: m.ones(2).cuda(),
    lambda m: m.ones(2).to("cuda"), lambda m: m.arange(3, device="cuda"),
    lambda m: m.empty(2, device=m.device("cuda", 0)), lambda m: m.cuda.current_device(),
    lambda m: m.ones(2).type("torch.cuda.FloatTensor"),
])
def test_cuda_unavailable_errors(call):
    assert not ember.cuda.is_available()
    assert ember.cuda.device_count() == 0
    with pytest.raises(AssertionError) as exc:
        call(ember)
    assert str(exc.value) == "Torch not compiled with CUDA enabled"
    try:
        call(torch)
    except AssertionError as texc:  # the CPU build of PyTorch says the same
        assert str(texc) == str(exc.value)
    except RuntimeError as texc:    # .type('torch.cuda...') fails earlier in PyTorch's CPU build
        assert "CUDA" in str(texc)


def test_device_is_immutable_and_picklable():
    import pickle
    d = ember.device("cuda", 1)
    assert pickle.loads(pickle.dumps(d)) == d
    with pytest.raises(AttributeError):
        d.index = 2


@pytest.mark.skipif(ember.cuda.is_available(), reason="checks the no-CUDA behaviour")
@pytest.mark.parametrize("expr", [
    "m.cuda.is_initialized()", "m.cuda.initial_seed()", "m.cuda.seed()", "m.cuda.seed_all()",
    "m.cuda.manual_seed(1)", "m.cuda.manual_seed_all(1)", "m.cuda.empty_cache()",
    "m.cuda.get_device_name()", "m.cuda.device_count()", "m.cuda.synchronize()",
    "m.cuda.get_rng_state()", "m.cuda.is_bf16_supported()", "m.cuda.memory_allocated()",
    "m.cuda.is_available()",
])
def test_cuda_module_without_cuda(expr):
    check(expr)
