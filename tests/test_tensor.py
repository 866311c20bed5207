"""The Tensor object's own API compared with PyTorch: metadata, conversions, NumPy interop,
Python protocols, ``torch.Size``."""


import numpy as np
import pytest
import torch

import ember
from conftest import check_expr, describe_expr, assert_same, assert_same_error

describe, check = describe_expr, check_expr


TENSOR_API_CASES = [
    'm.ones(2,3).shape',
    'm.ones(2,3).size()',
    'm.ones(2,3).size(1)',
    'm.ones(2,3).size(-1)',
    'm.ones(2,3).size(2)',
    'm.ones(2,3).dim()',
    'm.ones(2,3).ndim',
    'm.ones(()).dim()',
    'm.ones(2,3).numel()',
    'm.ones(2,3).stride()',
    'm.ones(2,3).t().stride()',
    'm.ones(2,3).t().is_contiguous()',
    'm.ones(2,3).stride(0)',
    'm.ones(2,3).storage_offset()',
    'm.ones(2,3,dtype=m.float64).element_size()',
    'm.ones(2,3,dtype=m.bfloat16).element_size()',
    'm.ones(2,3,dtype=m.bfloat16).nbytes',
    'm.ones(2,3,dtype=m.int16).itemsize',
    'm.ones(2).device',
    'm.ones(2).type()',
    'm.ones(2, dtype=m.int64).type()',
    'm.ones(2, dtype=m.bfloat16).type()',
    'm.ones(2, dtype=m.complex64).type()',
    'm.ones(2).type(m.int32)',
    "m.ones(2).type('torch.LongTensor')",
    "m.ones(2).type('torch.DoubleTensor')",
    "m.ones(2).type('foo')",
    'm.ones(2).type(m.DoubleTensor)',
    'm.ones(2).to(m.float64)',
    "m.ones(2).to('cpu')",
    "m.ones(2).to('cpu', m.int32)",
    'm.ones(2).to(m.ones(1, dtype=m.int64))',
    "m.ones(2).to(device='cpu', dtype=m.float16)",
    "m.ones(2).to(m.device('cpu'), dtype=m.int8)",
    "m.ones(2).to('cpu', copy=True)",
    'm.ones(2).to(m.float32) is None',
    'm.ones(2).float().dtype',
    'm.ones(2).double()',
    'm.ones(2).half()',
    'm.ones(2).bfloat16()',
    'm.ones(2).long()',
    'm.ones(2).int()',
    'm.ones(2).short()',
    'm.ones(2).char()',
    'm.ones(2).byte()',
    'm.ones(2).bool()',
    'm.ones(2).cfloat()',
    'm.ones(2).cpu()',
    'm.ones(2).numpy()',
    'm.ones(2, requires_grad=True).numpy()',
    'm.ones(2, dtype=m.bfloat16).numpy()',
    'm.ones(2, requires_grad=True).detach().numpy()',
    'm.ones(2,3).tolist()',
    'm.ones((), dtype=m.int64).tolist()',
    'm.ones(2).item()',
    'm.ones(()).item()',
    'm.ones(1, 1).item()',
    'm.tensor(2, dtype=m.int32).item()',
    'm.tensor(True).item()',
    'm.tensor(1.5, dtype=m.bfloat16).item()',
    'm.tensor(1.1, dtype=m.float16).item()',
    'm.tensor(1+2j).item()',
    'm.ones(0).item()',
    'np.asarray(m.ones(2))',
    'np.asarray(m.ones(2, requires_grad=True))',
    'np.asarray(m.ones(2), dtype=np.float64)',
    'len(m.ones(3, 2))',
    'len(m.ones(()))',
    'list(m.tensor([1, 2, 3]))',
    'list(m.ones(()))',
    'bool(m.tensor([1]))',
    'bool(m.tensor([0.0]))',
    'bool(m.tensor([1, 2]))',
    'bool(m.tensor([]))',
    'float(m.tensor([2]))',
    'float(m.tensor([2, 3]))',
    'float(m.tensor(2.5, requires_grad=True))',
    'int(m.tensor(2.7))',
    'int(m.tensor([2, 3]))',
    'int(m.tensor(-2.7))',
    'complex(m.tensor(2.5))',
    '[1, 2, 3][m.tensor(1)]',
    '[1, 2, 3][m.tensor(1.0)]',
    '[1, 2, 3][m.tensor([1])]',
    '[1, 2, 3][m.tensor([1, 2])]',
    'operator.index(m.tensor(True))',
    '2 in m.tensor([1, 2])',
    '5 in m.tensor([1, 2])',
    'm.tensor([1, 2]) in m.tensor([[1, 2], [3, 4]])',
    '"a" in m.tensor([1, 2])',
    'm.Size([2, 3])',
    'str(m.Size([2, 3]))',
    'm.Size([])',
    'm.Size([2, 3]) + (4,)',
    '(1,) + m.Size([2, 3])',
    'm.Size([2, 3])[1:]',
    'm.Size([2, 3])[0]',
    'm.Size([2, 3]).numel()',
    'm.Size([2, 3]) == (2, 3)',
    'm.Size([2, 3]) * 2',
    'isinstance(m.Size([2]), tuple)',
    'm.Size((m.tensor(2), 3))',
    'm.Size([2.5])',
    'm.is_tensor(m.ones(1))',
    'm.is_tensor([1])',
    'm.numel(m.ones(2, 3))',
    'm.is_floating_point(m.ones(2))',
    'm.is_complex(m.ones(2))',
    'm.ones(2).is_floating_point()',
    'm.ones(2, dtype=m.int64).is_signed()',
    'm.ones(2, dtype=m.uint8).is_signed()',
    'm.ones(2, requires_grad=True).data.requires_grad',
    'm.ones(2).get_device()',
    'm.ones(2).is_leaf',
    'm.ones(2).requires_grad_().requires_grad',
    'm.ones(2, dtype=m.int64).requires_grad_()',
    'm.ones(2).new_tensor([1])',
    'm.ones(2).dtype.is_floating_point',
    'm.float32.to_complex()',
    'm.int32.to_complex()',
    'm.complex64.to_real()',
    'm.float64.to_real()',
    'm.float32 == m.float',
    'str(m.float16)',
    'repr(m.bfloat16)',
    'm.float32.abbr',
    'm.get_default_dtype()',
    'm.finfo(m.float32).eps',
    'm.iinfo(m.int8).max',
    'm.finfo() == m.finfo(m.float32)',
    'm.finfo(m.int32)',
    'm.iinfo(m.float32)',
    'm.iinfo(m.bool)',
    'm.promote_types(m.int8, m.uint8)',
    'm.promote_types(m.int8, 1)',
    'm.result_type(1, 2.0)',
    'm.result_type(m.ones(2, dtype=m.int8), 300)',
    'm.can_cast(m.float32, m.int32)',
    'm.can_cast(m.int32, m.float16)',
    "hash(m.device('cpu')) == hash(m.device('cpu'))",
    'm.empty(2).is_cpu',
]

BFLOAT16_CASES = [
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16) + m.tensor([0.013, 1.7, 3.3], dtype=m.bfloat16)',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16) * 3.3',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16) / 7',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16) + m.tensor([1.1, 2.3, -0.7])',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16) + m.tensor([1.1, 2.3, -0.7], dtype=m.float16)',
    'm.tensor([1, 2, 3]) * m.tensor(1.7, dtype=m.bfloat16)',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16).exp()',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16).sum()',
    'm.tensor([1.1, 2.3, -0.7]).to(m.bfloat16)',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16).double()',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16).half()',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16).long()',
    'm.tensor([100, 2000, 30001]).to(m.bfloat16)',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.float64).bfloat16()',
    'm.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16) > 1',
    'm.ones(3, dtype=m.bfloat16) * 1e39',
    'm.full((2,), 3.3, dtype=m.bfloat16)',
    'm.arange(0, 2, 0.3, dtype=m.bfloat16)',
    'm.linspace(0, 1, 7, dtype=m.bfloat16)',
    'm.zeros(2, dtype=m.bfloat16) + 0.1',
    'm.tensor([1.001, 1.003, 1.005], dtype=m.bfloat16).cumsum(0)',
    'm.tensor([1.1, 2.3], dtype=m.bfloat16).item() if False else m.tensor(1.1, dtype=m.bfloat16).item()',
    'm.tensor([1.1, 2.3], dtype=m.bfloat16).tolist()',
]


STRIDE_CASES = [
    'm.ones(2,3)[:, None].stride()',
    'm.ones(2,3)[None].stride()',
    'm.ones(2,3)[..., None].stride()',
    'm.ones(2,3).unsqueeze(1).stride()',
    'm.ones(2,3).unsqueeze(0).stride()',
    'm.ones(2,3).unsqueeze(-1).stride()',
    'm.ones(2,3).t().unsqueeze(1).stride()',
    'm.ones(1,3).expand(4,3).stride()',
    'm.ones(3,1).expand(3,4).stride()',
    'm.ones(2,1,3).squeeze(1).stride()',
    'm.ones(2,3)[1:2].stride()',
    'm.ones(2,3)[:, 1:2].stride()',
    'm.ones(2,3)[:, 1:2].is_contiguous()',
    'm.ones(2,3,4)[:, 1:2, ::2].stride()',
    'm.ones(2,3).reshape(1,6).stride()',
    'm.ones(2,3).view(2,1,3).stride()',
    'm.ones(1,1).stride()',
    'm.ones(()).stride()',
    'm.ones(2,3).t()[None].stride()',
    'm.ones(2,3)[None, :, None].stride()',
    'm.ones(4).expand(2, 1, 4).stride()',
]


@pytest.mark.parametrize("expr", STRIDE_CASES)
def test_view_strides(expr):
    check(expr)


def test_bfloat16_to_float32_dtype():
    check("m.tensor([1.1, 2.3, -0.7], dtype=m.bfloat16).float()")


@pytest.mark.parametrize("expr", TENSOR_API_CASES)
def test_tensor_api(expr):
    check(expr)


@pytest.mark.parametrize("expr", BFLOAT16_CASES)
def test_bfloat16_tensor_values(expr):
    check(expr, rtol=0)


def test_numpy_shares_memory_both_ways():
    e = ember.zeros(3)
    a = e.numpy()
    a[1] = 5.0
    assert e.tolist() == [0.0, 5.0, 0.0]
    e[2] = 7.0
    assert a[2] == 7.0
    assert np.shares_memory(np.asarray(e), a)


def test_numpy_requires_grad_error_text():
    e = ember.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as exc:
        e.numpy()
    assert str(exc.value) == ("Can't call numpy() on Tensor that requires grad. Use "
                              "tensor.detach().numpy() instead.")
    assert e.numpy(force=True).tolist() == [1.0, 1.0]


@pytest.mark.parametrize("shape", [(), (0,), (3,), (2, 3), (2, 1, 3), (0, 4), (2, 0, 3)])
@pytest.mark.parametrize("dtype", ["float32", "int64", "bool", "float16", "complex128"])
def test_metadata(shape, dtype):
    e = ember.zeros(shape, dtype=getattr(ember, dtype))
    t = torch.zeros(shape, dtype=getattr(torch, dtype))
    assert e.shape == t.shape and repr(e.shape) == repr(t.shape)
    assert e.dim() == t.dim() and e.ndim == t.ndim and e.numel() == t.numel()
    assert e.stride() == t.stride() and e.is_contiguous() == t.is_contiguous()
    assert e.element_size() == t.element_size() and e.nbytes == t.nbytes
    assert e.itemsize == t.itemsize and e.storage_offset() == t.storage_offset()
    assert e.tolist() == t.tolist()
    # (NumPy gives empty arrays all-zero strides, so an empty tensor's transpose reports the
    # contiguous strides of its new shape where PyTorch keeps the swapped ones.)
    if len(shape) >= 2 and 0 not in shape:
        assert e.transpose(0, -1).stride() == t.transpose(0, -1).stride()
        assert e.transpose(0, -1).is_contiguous() == t.transpose(0, -1).is_contiguous()


def test_views_stride_and_offset():
    e, t = ember.arange(24).reshape(4, 6), torch.arange(24).reshape(4, 6)
    for idx in ((slice(None), slice(None, None, 2)), (slice(1, 3),), (slice(None), 2),
                (slice(2, None), slice(1, 4))):
        ev, tv = e[idx], t[idx]
        assert ev.stride() == tv.stride(), idx
        assert ev.storage_offset() == tv.storage_offset(), idx
        assert ev.is_contiguous() == tv.is_contiguous(), idx


def test_iteration_and_len():
    e, t = ember.arange(6).reshape(3, 2), torch.arange(6).reshape(3, 2)
    assert len(e) == len(t) == 3
    for a, b in zip(e, t):
        assert_same(a, b)
    assert_same_error(lambda: iter(ember.tensor(1.0)), lambda: iter(torch.tensor(1.0)))


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2).item(), lambda m: bool(m.ones(2)), lambda m: float(m.ones(2)),
    lambda m: int(m.ones(2)), lambda m: [1, 2][m.tensor(1.0)], lambda m: len(m.tensor(1)),
    lambda m: m.ones(2).size(3), lambda m: m.ones(2).stride(-2),
])
def test_conversion_errors(call):
    assert_same_error(lambda: call(ember), lambda: call(torch))


def test_data_attribute_is_detached_view():
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        d = x.data
        assert not d.requires_grad and d.is_leaf
        d[0] = 4.0
        assert x.tolist()[0] == 4.0
        x.data = m.zeros(2, dtype=m.float64)
        assert x.shape == (2,) and x.dtype == m.float64 and x.requires_grad
