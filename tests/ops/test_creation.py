"""Tensor creation compared with PyTorch: ``tensor`` (dtype inference, ragged data, overflow
checks), NumPy sharing, the factories, ranges, legacy constructors, ``complex``/``polar``."""

import warnings

import numpy as np
import pytest
import torch

import ember
from conftest import check_expr, describe_expr, assert_same, assert_same_error

describe, check = describe_expr, check_expr


TENSOR_CASES = [
    'm.tensor([1,2,3])',
    'm.tensor([1.,2,3])',
    'm.tensor([True,False])',
    'm.tensor([True,2])',
    'm.tensor([1,2.5j])',
    'm.tensor(3)',
    'm.tensor(3.5)',
    'm.tensor(True)',
    'm.tensor([])',
    'm.tensor([[]])',
    'm.tensor([[1,2],[3]])',
    'm.tensor([[1,2],3])',
    'm.tensor([1,[2,3]])',
    'm.tensor([m.tensor(1), m.tensor(2)])',
    'm.tensor([m.tensor(1.5), 2])',
    'm.tensor([m.tensor(1), 2.5])',
    'm.tensor([m.tensor([1,2]), m.tensor([3,4])])',
    'm.tensor([m.tensor([1,2]), [3,4]])',
    'm.tensor(np.array([1,2],dtype=np.int32))',
    'm.tensor(np.float64(2.5))',
    'm.tensor(np.int32(2))',
    'm.tensor([np.float32(1), np.float32(2)])',
    'm.tensor([np.float64(1), 2])',
    'm.tensor([np.int16(1), 2])',
    'm.tensor(np.array([[1,2],[3,4]]).T)',
    'm.tensor([1,2], dtype=m.float64)',
    'm.tensor([1.7,-2.7], dtype=m.int32)',
    'm.tensor([1,2], dtype=m.bfloat16)',
    'm.tensor([1.0001,2.3333], dtype=m.bfloat16)',
    'm.tensor(1.0001, dtype=m.bfloat16)',
    'm.tensor([1,2], requires_grad=True)',
    'm.tensor([1.,2], requires_grad=True)',
    'm.tensor()',
    'm.tensor("abc")',
    'm.tensor([1,"a"])',
    'm.tensor(None)',
    'm.tensor([None])',
    'm.tensor((1,2))',
    'm.tensor(((1,2),(3,4)))',
    'm.tensor([[1,2],[3,4]],dtype=m.complex64)',
    'm.tensor([2**63])',
    'm.tensor([2**64])',
    'm.tensor([-1], dtype=m.uint8)',
    'm.tensor(300, dtype=m.uint8)',
    'm.tensor(1e10, dtype=m.int32)',
    'm.tensor([1e40], dtype=m.float32)',
    'm.tensor(range(5))',
    'm.tensor(np.array(5))',
    'm.tensor(np.array([1.,2.],dtype=np.float16))',
    'm.tensor([m.tensor(1,dtype=m.int8), m.tensor(1, dtype=m.uint8)])',
    'm.tensor([m.tensor(1,dtype=m.int8), 3])',
    'm.tensor([m.tensor(1,dtype=m.float64), 3])',
    'm.tensor([m.tensor(1,dtype=m.float16), 3.5])',
    'm.tensor([m.tensor(1,dtype=m.int32), 3.5])',
    'm.tensor([m.tensor(1,dtype=m.bool), 3])',
    'm.tensor([m.tensor([1,2]), m.tensor([3])])',
    'm.tensor([[1,2],[m.tensor(1), m.tensor(2)]])',
    'm.tensor([m.tensor([1.,2.],requires_grad=True), m.tensor([3.,4.])])',
    'm.tensor([np.array([1,2]), np.array([3,4])])',
    'm.tensor([np.array([1,2],dtype=np.int32), np.array([3,4],dtype=np.int32)])',
    'm.tensor([1,2],device="cpu")',
    'm.tensor([1,2],device=m.device("cpu"))',
    'm.tensor([1,2],device="gpu")',
    'm.tensor(1j)',
    'm.tensor(np.complex64(1j))',
    'm.tensor([1, 2], dtype=m.bool)',
    'm.tensor([0.5, 0], dtype=m.bool)',
    'm.tensor(np.array([1,2]), dtype=m.float32)',
    'm.tensor(np.array(["a"]))',
    'm.tensor(np.array([1,2],dtype=np.uint16))',
    'm.tensor([[1],[2,3]])',
    'm.tensor([[[1,2]],[[3,4],[5,6]]])',
    'm.tensor([1,2], dtype=m.int16) + 1',
    'm.tensor([1,[2,3]])',
    'm.tensor([1.,[2,3]])',
    'm.tensor([True,[1]])',
    'm.tensor([1j,[1]])',
    "m.tensor([[1,2],'a'])",
    "m.tensor(['a'])",
    "m.tensor([1,'a'])",
    'm.tensor([[1],[None]])',
    'm.tensor([m.tensor([1.,2.])])',
    'm.tensor([1.5, m.tensor([1,2])])',
    'm.tensor([1, m.tensor([1,2])])',
    'm.tensor([True, m.tensor([True, False])])',
    'm.tensor([m.tensor([1j,2])])',
    'm.tensor(object())',
    'm.tensor({1:2})',
    'm.tensor({1,2})',
    'm.tensor([[], []])',
    'm.tensor([[], [1]])',
    'm.tensor([[1],[]])',
    'm.tensor([np.array([1,2]), np.array([3])])',
    'm.tensor([-2**63])',
    'm.tensor(2**63)',
    'm.tensor([2**63, 1.0])',
    'm.tensor(2**64)',
    'm.tensor(m.Size([2,3]))',
    'm.tensor([np.float32(1), 1.])',
    'm.tensor([np.float16(1), 1])',
    'm.tensor(np.bool_(True))',
    'm.tensor([np.bool_(True), 1])',
    'm.tensor([np.array(1.5), 1])',
    'm.tensor([[np.array([1,2])],[np.array([3,4])]])',
    'm.tensor([np.uint16(1), 1])',
    "m.tensor(b'ab')",
    'm.tensor([[1,2],(3,4)])',
    'm.tensor([m.tensor(2**40), 1.0])',
    'm.tensor([np.array([1,2],dtype=np.float32), [3,4]])',
    'm.tensor([[1,2],np.array([3,4],dtype=np.float32)])',
    'm.tensor([300], dtype=m.uint8)',
    'm.tensor([-256], dtype=m.uint8)',
    'm.tensor(-1, dtype=m.uint8)',
    'm.tensor([2**63], dtype=m.uint64)',
    'm.tensor([-1], dtype=m.uint64)',
    'm.tensor([m.tensor(1.5)], dtype=m.int64)',
    'm.tensor([m.tensor(1)], dtype=m.float32)',
    'm.tensor([1j], dtype=m.float32)',
    'm.tensor([1j], dtype=m.int64)',
    'm.tensor([1j, 0], dtype=m.bool)',
    "m.tensor([float('nan')], dtype=m.int32)",
    "m.tensor([float('inf')], dtype=m.int32)",
    'm.tensor([np.float32(1.5)], dtype=m.int32)',
    'm.tensor([True], dtype=m.int32)',
    'm.tensor([1.5, 2], dtype=m.bool)',
    'm.tensor([np.array([1.5])], dtype=m.int64)',
    'm.tensor(np.array([1.5]), dtype=m.int64)',
    'm.tensor(np.array([300]), dtype=m.uint8)',
    'm.tensor(1e300, dtype=m.float32)',
    'm.tensor([1e300], dtype=m.float16)',
    'm.tensor(np.array([-1]), dtype=m.uint8)',
    'm.tensor(3.7, dtype=m.int64)',
    'm.tensor(-3.7, dtype=m.int64)',
    'm.tensor(np.array([[1,2],[3,4]])[:, ::2])',
    'm.tensor(np.arange(6).reshape(2,3)[::-1])',
    'm.tensor(np.array([1+2j]), dtype=m.float32)',
    'm.tensor([1+2j], dtype=m.complex128)',
    'm.tensor([1, 2], dtype=m.complex64)',
    'm.tensor(1.0, requires_grad=True)',
    'm.tensor([[1.,2.]], dtype=m.float64, requires_grad=True)',
    'm.tensor([0.1, 0.7, 1e-3, 3.14159, 65504., 1e5], dtype=m.float16)',
    'm.tensor([0.1, 0.7, 1e-3, 3.14159, 65504., 1e38, 3.4e38, 1e-40], dtype=m.bfloat16)',
    'm.tensor(np.array([0.1, 0.7, 1e-3, 3.14159, 65504., 1e38, 3.4e38, 1e-40]), dtype=m.bfloat16)',
    "m.tensor([float('nan'), float('inf'), -float('inf')], dtype=m.bfloat16)",
    'm.tensor(np.array(1.5, dtype=np.float32))',
]

FACTORY_CASES = [
    'm.zeros(2,3)',
    'm.zeros((2,3))',
    'm.zeros([2,3])',
    'm.zeros(m.Size([2,3]))',
    'm.zeros(())',
    'm.zeros([])',
    'm.zeros(0)',
    'm.zeros(2, 3, dtype=m.int32)',
    'm.zeros(2, dtype=m.bfloat16)',
    'm.zeros(2, 3, requires_grad=True)',
    'm.zeros(2, 3, dtype=m.int64, requires_grad=True)',
    'm.zeros(-1)',
    'm.zeros(2, -3)',
    'm.zeros(2.5)',
    'm.zeros((2, 2.5))',
    'm.zeros("a")',
    'm.zeros(2, None)',
    'm.zeros(m.tensor(2))',
    'm.zeros(np.int64(3))',
    'm.ones(2, 3)',
    'm.ones(3, dtype=m.bool)',
    'm.ones(3, dtype=m.complex64)',
    'm.empty(2, 3).shape',
    'm.empty((0,))',
    'm.full((2, 3), 1.5)',
    'm.full((2, 3), 7)',
    'm.full((2, 3), True)',
    'm.full((2, 3), 1j)',
    'm.full((2,), 2.5, dtype=m.int32)',
    'm.full(2, 3)',
    'm.full([2], 3)',
    'm.full((), 3)',
    'm.full((2,), m.tensor(3.5))',
    'm.full((2,), np.float64(3.5))',
    'm.full((2,), np.int32(3))',
    'm.full((2,), 1.5, requires_grad=True)',
    'm.full((2,), 3, requires_grad=True)',
    'm.full((2,), 300, dtype=m.uint8)',
    'm.full((2,), 1.1, dtype=m.bfloat16)',
    'm.zeros_like(m.ones(2, 3, dtype=m.int32))',
    'm.ones_like(m.ones(2, 3), dtype=m.float64)',
    'm.full_like(m.ones(2, 3), 7)',
    'm.full_like(m.ones(2, 3, dtype=m.int64), 2.7)',
    'm.full_like(m.ones(2,3), 2, requires_grad=True)',
    'm.empty_like(m.ones(2, 3)).shape',
    'm.zeros_like(m.ones(2, 3).t())',
    'm.zeros_like(m.ones(2,3,requires_grad=True))',
    'm.zeros_like(3)',
    'm.arange(5)',
    'm.arange(1, 5)',
    'm.arange(1, 5, 2)',
    'm.arange(0, 1, 0.1)',
    'm.arange(0, 1, 0.3)',
    'm.arange(1, 2.5, 0.5)',
    'm.arange(5.0)',
    'm.arange(10, 0, -3)',
    'm.arange(-1.5, 1.5, 0.25, dtype=m.float64)',
    'm.arange(0, 10, 3, dtype=m.float32)',
    'm.arange(0, 1, 0.1, dtype=m.int64)',
    'm.arange(5, dtype=m.bfloat16)',
    'm.arange(0, 5, 0)',
    'm.arange(5, 0)',
    'm.arange(0, 5, -1)',
    'm.arange(m.tensor(3))',
    'm.arange(m.tensor(3.0))',
    'm.arange(np.int64(4))',
    'm.arange(np.float32(1.5))',
    'm.arange(0, 1, 1/3)',
    'm.arange(1, 4, requires_grad=True)',
    'm.arange(1., 4, requires_grad=True)',
    "m.arange(0, float('inf'))",
    'm.arange(True)',
    'm.arange(0.1, 0.5, 0.1)',
    'm.arange(-5, 5, 0.7)',
    'm.arange(0, 2**40, 2**38)',
    'm.arange(1, 10, 2.5, dtype=m.int32)',
    'm.arange(1.5, 10, 2, dtype=m.int32)',
    'm.linspace(0, 1, 5)',
    'm.linspace(0, 1, 1)',
    'm.linspace(0, 1, 0)',
    'm.linspace(-3, 7, 11)',
    'm.linspace(0, 1, 7)',
    'm.linspace(1, 10, 4, dtype=m.int64)',
    'm.linspace(0, 1, 7, dtype=m.float64)',
    'm.linspace(0, 10, 6, dtype=m.int32)',
    'm.linspace(-1, 1, 6, dtype=m.int32)',
    'm.linspace(0, 1, -1)',
    'm.linspace(0, 1j, 3)',
    'm.linspace(m.tensor(0.), m.tensor(1.), 3)',
    'm.linspace(0, 1, 3, requires_grad=True)',
    'm.linspace(0., 1., steps=5)',
    'm.linspace(3, 10, 5, dtype=m.bfloat16)',
    'm.logspace(0, 2, 3)',
    'm.logspace(0, 2, 3, base=2)',
    'm.logspace(-1, 1, 5, dtype=m.float64)',
    'm.logspace(0, 3, 4, dtype=m.int64)',
    'm.logspace(0, 1, 1)',
    'm.logspace(0, 2, 3, 2)',
    'm.eye(3)',
    'm.eye(2, 4)',
    'm.eye(3, dtype=m.int64)',
    'm.eye(0)',
    'm.eye(3, 0)',
    'm.eye(-1)',
    'm.eye(2, -1)',
    'm.eye(3, m=2)',
    'm.eye(3, requires_grad=True)',
    'm.eye(2, dtype=m.bool)',
    'm.empty_strided((2, 3), (1, 2)).stride()',
    'm.empty_strided((2, 3), (3, 1)).stride()',
    'm.empty_strided((2, 3), (1, 2)).is_contiguous()',
    'm.empty_strided((2, 3), (1, 2), dtype=m.float64).dtype',
    'm.complex(m.tensor([1., 2.]), m.tensor([3., 4.]))',
    'm.complex(m.tensor([1., 2.], dtype=m.float64), m.tensor([3., 4.], dtype=m.float64))',
    'm.complex(m.tensor([1, 2]), m.tensor([3, 4]))',
    'm.complex(m.tensor([1., 2.]), m.tensor([3., 4.], dtype=m.float64))',
    'm.complex(m.tensor([[1.], [2.]]), m.tensor([3., 4.]))',
    'm.polar(m.tensor([1., 2.]), m.tensor([0., 1.5707963267948966]))',
    'm.polar(m.tensor([1., 2.], dtype=m.float64), m.tensor([0., 3.], dtype=m.float64))',
    'm.scalar_tensor(3)',
    'm.scalar_tensor(3, dtype=m.int64)',
    'm.scalar_tensor(True)',
    'm.scalar_tensor(1.5, requires_grad=True)',
    'm.Tensor()',
    'm.Tensor(2, 3).shape',
    'm.Tensor([1, 2])',
    'm.Tensor([[1.5, 2]])',
    'm.Tensor((1,2))',
    'm.Tensor(m.Size([2,3])).shape',
    'm.Tensor(2.5)',
    'm.Tensor(np.array([1,2]))',
    'm.Tensor(m.tensor([1., 2.]))',
    'm.Tensor(m.tensor([1, 2]))',
    'm.Tensor([])',
    'm.Tensor(0)',
    'm.Tensor(-1)',
    'm.FloatTensor([1, 2])',
    'm.FloatTensor(2, 2).shape',
    'm.DoubleTensor([1, 2])',
    'm.LongTensor([1.7, 2])',
    'm.LongTensor(3).shape',
    'm.IntTensor([1, 2])',
    'm.BoolTensor([1, 0])',
    'm.ByteTensor([1, 2])',
    'm.HalfTensor([1, 2])',
    'm.CharTensor([1, 2])',
    'm.ShortTensor([1, 2])',
    'm.BFloat16Tensor([1, 2.3])',
    'm.FloatTensor()',
    'm.LongTensor([])',
    'm.FloatTensor(m.tensor([1., 2.]))',
    'm.FloatTensor(2.5)',
    'isinstance(m.ones(2), m.FloatTensor)',
    'isinstance(m.ones(2, dtype=m.int64), m.FloatTensor)',
    'isinstance(m.ones(2, dtype=m.int64), m.LongTensor)',
    'isinstance(m.ones(2, dtype=m.float64), m.DoubleTensor)',
    'isinstance(m.ones(2, dtype=m.bool), m.BoolTensor)',
    'isinstance(m.ones(2), m.Tensor)',
    'isinstance(m.FloatTensor(2), m.Tensor)',
    'type(m.FloatTensor(2)).__name__',
    'm.FloatTensor.__name__',
    'm.FloatTensor.dtype',
    'm.LongTensor.dtype',
    'issubclass(m.FloatTensor, m.Tensor)',
    'm.ones(2).new_tensor([1, 2])',
    'm.ones(2).new_tensor([1., 2])',
    'm.ones(2, dtype=m.int32).new_zeros(2, 3)',
    'm.ones(2, dtype=m.int32).new_zeros((2, 3))',
    'm.ones(2).new_ones(3, dtype=m.int64)',
    'm.ones(2).new_full((2,), 5)',
    'm.ones(2, dtype=m.int32).new_full((2,), 5.5)',
    'm.ones(2).new_empty(3).shape',
    'm.ones(2, dtype=m.float64).new_empty((2,)).dtype',
    'm.ones(2).new_zeros(2, requires_grad=True)',
    'm.ones(2, dtype=m.int32).new_tensor(m.tensor([1.5]))',
    'm.empty(2, 3, dtype=m.int16).dtype',
    'm.zeros(2, out=m.ones(3))',
    'm.ones(2, 2, out=m.zeros(2, 2, dtype=m.int64))',
    'm.arange(4, out=m.zeros(2))',
]


@pytest.mark.parametrize("expr", TENSOR_CASES)
def test_tensor_from_data(expr):
    check(expr)


@pytest.mark.parametrize("expr", FACTORY_CASES)
def test_factories(expr):
    check(expr)


def test_tensor_without_data():
    assert_same_error(lambda: ember.tensor(), lambda: torch.tensor())
    assert str(pytest.raises(TypeError, ember.tensor).value) == \
        'tensor() missing 1 required positional arguments: "data"'


def test_tensor_copies_numpy_and_tensors():
    a = np.arange(4.0)
    t = ember.tensor(a)
    a[0] = 9
    assert t.tolist()[0] == 0.0
    src = ember.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        c = ember.tensor(src)
    assert not c.requires_grad and c.is_leaf
    c[0] = 5.0
    assert src.tolist() == [1.0, 1.0]


def test_list_of_arrays_warns_like_torch():
    with pytest.warns(UserWarning, match="Creating a tensor from a list of numpy.ndarrays"):
        ember.tensor([np.array([1, 2]), np.array([3, 4])])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "uint8", "bool",
                                   "complex64", "int16", "float16"])
def test_from_numpy_shares_memory(dtype):
    a = np.ones(5, dtype=dtype)
    e, t = ember.from_numpy(a), torch.from_numpy(a)
    assert str(e.dtype) == str(t.dtype)
    assert np.shares_memory(e.numpy(), a)
    for m, x in ((ember, e), (torch, t)):
        assert np.shares_memory(m.as_tensor(a).numpy(), a)
        assert np.shares_memory(m.asarray(a).numpy(), a)
        assert not np.shares_memory(m.tensor(a).numpy(), a)
        assert np.shares_memory(x.numpy(), a)


def test_numpy_sharing_rules_match_torch():
    a = np.arange(6.0).reshape(2, 3)
    for m in (ember, torch):
        assert not np.shares_memory(m.as_tensor(a, dtype=m.float32).numpy(), a)
        assert not np.shares_memory(m.asarray(a, dtype=m.float32).numpy(), a)
        assert not np.shares_memory(m.asarray(a, copy=True).numpy(), a)
        t = m.from_numpy(a)
        t[0, 0] = 7.0
        assert a[0, 0] == 7.0
        a[0, 0] = 0.0
    e, t = ember.from_numpy(a.T), torch.from_numpy(a.T)
    assert e.stride() == t.stride() and e.is_contiguous() == t.is_contiguous()


def test_as_tensor_and_asarray_of_tensors():
    for m in (ember, torch):
        x = m.ones(3)
        assert m.as_tensor(x) is x
        assert m.asarray(x) is x
        assert m.as_tensor(x, dtype=m.float64).dtype == m.float64
        y = m.asarray(x, copy=True)
        assert y is not x and y.data_ptr() != x.data_ptr()
        r = m.ones(2, requires_grad=True)
        assert type(m.as_tensor(r, dtype=m.float64).grad_fn).__name__ == "ToCopyBackward0"


@pytest.mark.parametrize("expr", [
    "m.asarray(np.arange(3.0), dtype=m.float32, copy=False)",
    "m.asarray([1, 2], copy=False)",
    "m.asarray(m.ones(2), dtype=m.int64, copy=False)",
    "m.from_numpy([1])",
    "m.from_numpy(np.arange(6).reshape(2, 3)[::-1])",
    "m.as_tensor(np.arange(6).reshape(2, 3)[::-1])",
    "m.from_numpy(np.arange(3).astype('>i4'))",
    "m.from_numpy(np.array(['a']))",
    "m.from_numpy(np.array(5.0))",
    "m.asarray(3.5)",
    "m.asarray([1, 2])",
    "m.asarray(np.float32(2))",
    "m.as_tensor([1, 2], dtype=m.float32)",
    "m.as_tensor(np.arange(3), dtype=m.float32)",
    "m.as_tensor((1.5, 2))",
])
def test_sharing_constructors(expr):
    check(expr)


def test_readonly_array_warns_once():
    ember.ops.creation._warned_readonly[0] = False
    b = np.arange(3)
    b.flags.writeable = False
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        ember.from_numpy(b)
        ember.as_tensor(b)
    assert len(w) == 1 and "not writable" in str(w[0].message)


@pytest.mark.parametrize("start,end,steps", [(0, 1, 7), (-3.5, 2.25, 13), (10, -10, 21),
                                              (0, 1e-3, 5), (1, 100, 1000), (5, 5, 3)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16", "int64", "int32",
                                   "complex64"])
def test_linspace_values(start, end, steps, dtype):
    e = ember.linspace(start, end, steps, dtype=getattr(ember, dtype))
    t = torch.linspace(start, end, steps, dtype=getattr(torch, dtype))
    assert_same(e, t, rtol=1e-6 if dtype in ("float32", "complex64") else None)


@pytest.mark.parametrize("start,end,steps,base", [(0, 3, 4, 10.0), (-2, 2, 9, 2.0),
                                                   (0.5, 1.5, 5, 3.0), (0, 10, 11, 2)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64"])
def test_logspace_values(start, end, steps, base, dtype):
    e = ember.logspace(start, end, steps, base, dtype=getattr(ember, dtype))
    t = torch.logspace(start, end, steps, base, dtype=getattr(torch, dtype))
    assert_same(e, t, rtol=1e-6)


@pytest.mark.parametrize("args", [(0, 1, 0.1), (-1, 1, 0.07), (0, 10, 3.3), (1, 2.5, 0.5),
                                  (10, 0, -3), (0.1, 0.5, 0.1), (-5, 5, 0.7), (0, 1e-8, 1e-9),
                                  (1e20, 1e20 + 1, 1), (0, 2 ** 40, 2 ** 38), (3,), (2.5,)])
@pytest.mark.parametrize("dtype", [None, "float32", "float64", "int64", "int32", "float16",
                                   "bfloat16"])
def test_arange_length_and_values(args, dtype):
    check(f"m.arange(*{args!r}{', dtype=m.' + dtype if dtype else ''})")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_complex_and_polar_gradients(dtype):
    data = [[0.5, -1.5, 2.0], [1.0, 0.25, -3.0]]
    er, tr = ember.tensor(data[0], dtype=getattr(ember, dtype), requires_grad=True), \
        torch.tensor(data[0], dtype=getattr(torch, dtype), requires_grad=True)
    ei, ti = ember.tensor(data[1], dtype=getattr(ember, dtype), requires_grad=True), \
        torch.tensor(data[1], dtype=getattr(torch, dtype), requires_grad=True)
    for name in ("complex", "polar"):
        eo, to = getattr(ember, name)(er, ei), getattr(torch, name)(tr, ti)
        assert_same(eo, to)
        assert type(eo.grad_fn).__name__ == type(to.grad_fn).__name__
        w = [1 + 2j, -0.5 + 1j, 3 - 1j]
        ew = ember.tensor(w, dtype=eo.dtype)
        tw = torch.tensor(w, dtype=to.dtype)
        eg = ember.autograd.grad((eo * ew).real.sum(), (er, ei))
        tg = torch.autograd.grad((to * tw).real.sum(), (tr, ti))
        for a, b in zip(eg, tg):
            assert_same(a, b)


def test_legacy_classes():
    for name in ("FloatTensor", "DoubleTensor", "LongTensor", "IntTensor", "BoolTensor",
                 "ByteTensor", "HalfTensor", "CharTensor", "ShortTensor"):
        ec, tc = getattr(ember, name), getattr(torch, name)
        assert str(ec.dtype) == str(tc.dtype)
        for dt in ("float32", "float64", "int64", "int32", "bool", "uint8"):
            assert isinstance(ember.ones(2, dtype=getattr(ember, dt)), ec) == \
                isinstance(torch.ones(2, dtype=getattr(torch, dt)), tc)
        assert isinstance(ec(2), ember.Tensor)
        assert_same(ec([1, 0, 1]), tc([1, 0, 1]))


def test_tensor_subclass_isinstance():
    assert isinstance(ember.Tensor([1.0]), ember.Tensor)
    assert not isinstance([1.0], ember.Tensor)
    assert ember.is_tensor(ember.tensor(1)) and not ember.is_tensor(1)
