"""Random sampling compared with PyTorch where it can be: shapes, dtypes, grad_fn names and
argument errors (the numbers themselves come from NumPy's PCG64, not PyTorch's stream);
reproducibility from seeds and generator states; loose checks of the distributions."""

import numpy as np
import pytest
import torch

import ember
from conftest import assert_same_error


def describe(m, expr):
    """Type, shape, dtype and grad_fn of what ``expr`` gives, or its error."""
    env = {"torch": m, "x": m.zeros(3).requires_grad_()}
    try:
        r = eval(expr, env)
    except Exception as exc:  # noqa: BLE001 - the error is what is compared
        return ("error", type(exc).__name__, str(exc))
    if isinstance(r, m.Tensor):
        return ("tensor", str(r.dtype), tuple(r.shape), type(r.grad_fn).__name__, r.requires_grad)
    return ("value", type(r).__name__)


CASES = [
    'y.uniform_()',
    '(x*1).normal_()',
    '(x*1).bernoulli_()',
    '(x*1).bernoulli_(torch.ones(3)*0.5)',
    '(x*1).random_()',
    '(x*1).exponential_()',
    '(x*1).geometric_(0.5)',
    '(x*1).log_normal_()',
    '(x*1).cauchy_()',
    'torch.normal(x, 1.)',
    'torch.normal(1., x)',
    'torch.normal(x, x)',
    'torch.normal(x, -1.)',
    'torch.normal(0., -1., (2,))',
    'torch.normal(torch.zeros(3), torch.tensor([1.,-1,1]))',
    'torch.normal(0,1,(2,))',
    'torch.normal(0,1,size=(2,),dtype=torch.float64)',
    'torch.normal(torch.zeros(2,3), torch.ones(3))',
    'torch.normal(torch.zeros(2), torch.ones(3))',
    'torch.normal(torch.zeros(2,dtype=torch.int64), 1.)',
    'torch.normal(torch.zeros(2,dtype=torch.float64), torch.ones(2))',
    'torch.normal(0., 1.)',
    'torch.normal(torch.tensor(0.), torch.tensor(1.))',
    'torch.manual_seed(-1)',
    'torch.manual_seed(2**64)',
    'torch.manual_seed(2**64-1)',
    'torch.manual_seed(-2**63-1)',
    'torch.manual_seed(1.5)',
    'torch.manual_seed("a")',
    'torch.Generator().manual_seed(3)',
    'torch.Generator().device',
    'torch.Generator(device="cpu")',
    'torch.get_rng_state().dtype',
    'torch.set_rng_state(torch.zeros(3))',
    'torch.set_rng_state([1,2])',
    'torch.Generator().set_state(torch.zeros(5056))',
    'torch.default_generator',
    'torch.random.default_generator is torch.default_generator',
    'torch.manual_seed(3) is torch.default_generator',
    'torch.rand(2,3,dtype=torch.int64)',
    'torch.randn(2,dtype=torch.int32)',
    'torch.rand(2,dtype=torch.bool)',
    'torch.rand(2, dtype=torch.complex64)',
    'torch.randn(2, dtype=torch.complex128)',
    'torch.rand(2, requires_grad=True)',
    'torch.rand(-1)',
    'torch.rand((2,3))',
    'torch.randint(5, (3,))',
    'torch.randint(2, 5, (3,))',
    'torch.randint(5, 5, (3,))',
    'torch.randint(5, 2, (3,))',
    'torch.randint(5)',
    'torch.randint(5, 3)',
    'torch.randint(0, 10, (3,), dtype=torch.float32)',
    'torch.randint(0, 300, (3,), dtype=torch.uint8)',
    'torch.randint(-1, 3, (3,), dtype=torch.uint8)',
    'torch.randint(0, 2, (3,), dtype=torch.bool)',
    'torch.randint(0, 3, (3,), requires_grad=True)',
    'torch.randint(high=5, size=(2,))',
    'torch.randint(0, 10, size=(2,2))',
    'torch.randperm(5)',
    'torch.randperm(0)',
    'torch.randperm(-1)',
    'torch.randperm(5, dtype=torch.float32)',
    'torch.randperm(5, dtype=torch.int32)',
    'torch.randperm(300, dtype=torch.uint8)',
    'torch.randperm(5, requires_grad=True)',
    'torch.randperm(5., )',
    'torch.bernoulli(torch.full((3,),0.5))',
    'torch.bernoulli(torch.full((3,),1.5))',
    'torch.bernoulli(torch.full((3,),0.5), 0.3)',
    'torch.bernoulli(torch.ones(3, dtype=torch.int64))',
    'torch.bernoulli(torch.full((3,),0.5, requires_grad=True))',
    'torch.bernoulli(torch.full((3,),0.5,dtype=torch.float64))',
    'torch.ones(3).bernoulli_(1.5)',
    'torch.ones(3, dtype=torch.int64).bernoulli_(0.5)',
    'torch.multinomial(torch.tensor([1.,2,3]), 2)',
    'torch.multinomial(torch.tensor([1.,2,3]), 4)',
    'torch.multinomial(torch.tensor([1.,2,3]), 4, True)',
    'torch.multinomial(torch.tensor([1.,2,3]), 0)',
    'torch.multinomial(torch.tensor([0.,0,0]), 1)',
    'torch.multinomial(torch.tensor([1.,-2,3]), 1)',
    'torch.multinomial(torch.tensor([1.,float("nan"),3]), 1)',
    'torch.multinomial(torch.ones(2,3), 2)',
    'torch.multinomial(torch.ones(2,3,4), 2)',
    'torch.multinomial(torch.ones(3,dtype=torch.int64), 2)',
    'torch.multinomial(torch.tensor([1.,0,0]), 2)',
    'torch.multinomial(torch.tensor(1.), 1)',
    'torch.multinomial(torch.ones(3, requires_grad=True), 2)',
    'torch.poisson(torch.ones(3))',
    'torch.poisson(torch.ones(3, dtype=torch.float64))',
    'torch.poisson(torch.tensor([-1.]))',
    'torch.poisson(torch.ones(3, dtype=torch.int64))',
    'torch.poisson(torch.ones(3, requires_grad=True))',
    'torch.rand_like(torch.ones(2, dtype=torch.int64))',
    'torch.randn_like(torch.ones(2, dtype=torch.float64))',
    'torch.randint_like(torch.ones(2), 5)',
    'torch.randint_like(torch.ones(2), 3, 5)',
    'torch.randint_like(torch.ones(2, dtype=torch.int32), 5).dtype',
    'torch.rand_like(torch.ones(2), requires_grad=True)',
    'torch.ones(3).uniform_(2, 1)',
    'torch.ones(3, dtype=torch.int64).uniform_()',
    'torch.ones(3).normal_(0, -1)',
    'torch.ones(3, dtype=torch.int64).normal_()',
    'torch.ones(3).random_(5)',
    'torch.ones(3).random_(2, 5)',
    'torch.ones(3).random_(5, 2)',
    'torch.ones(3, dtype=torch.bool).random_()',
    'torch.ones(3).exponential_(-1)',
    'torch.ones(3).exponential_(0)',
    'torch.ones(3).geometric_(0)',
    'torch.ones(3).geometric_(1.5)',
    'torch.ones(3, dtype=torch.int64).geometric_(0.5)',
    'torch.ones(3).log_normal_(0, -1)',
    'torch.ones(3).cauchy_(0, -1)',
    'torch.ones(3, dtype=torch.int64).exponential_()',
    'torch.ones(3, dtype=torch.int64).random_(-3, 5)',
    'torch.ones(3, dtype=torch.uint8).random_(-1, 5)',
    'torch.ones(3,dtype=torch.int8).random_(0, 300)',
]


@pytest.mark.parametrize("expr", CASES)
def test_matches_torch_metadata_and_errors(expr):
    assert describe(ember, expr) == describe(torch, expr)


SAMPLERS = [
    lambda m, g: m.rand(3, 4, generator=g),
    lambda m, g: m.randn(5, generator=g, dtype=m.float64),
    lambda m, g: m.randint(0, 10, (6,), generator=g),
    lambda m, g: m.randperm(7, generator=g),
    lambda m, g: m.normal(0.0, 2.0, (4,), generator=g),
    lambda m, g: m.normal(m.zeros(3), m.ones(3), generator=g),
    lambda m, g: m.bernoulli(m.full((5,), 0.3), generator=g),
    lambda m, g: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 2, generator=g),
    lambda m, g: m.multinomial(m.tensor([1.0, 2.0, 3.0]), 5, True, generator=g),
    lambda m, g: m.poisson(m.full((4,), 3.0), generator=g),
    lambda m, g: m.empty(4).uniform_(-1, 1, generator=g),
    lambda m, g: m.empty(4).normal_(generator=g),
    lambda m, g: m.empty(4).exponential_(generator=g),
    lambda m, g: m.empty(4).geometric_(0.3, generator=g),
    lambda m, g: m.empty(4).log_normal_(generator=g),
    lambda m, g: m.empty(4).cauchy_(generator=g),
    lambda m, g: m.empty(4, dtype=m.int64).random_(generator=g),
    lambda m, g: m.empty(4).bernoulli_(0.5, generator=g),
    lambda m, g: m.rand_like(m.ones(3), generator=g) if m is ember else m.rand(3, generator=g),
]


@pytest.mark.parametrize("sample", SAMPLERS)
def test_seeded_generator_reproduces(sample):
    a = sample(ember, ember.Generator().manual_seed(1234))
    b = sample(ember, ember.Generator().manual_seed(1234))
    c = sample(ember, ember.Generator().manual_seed(4321))
    assert a.tolist() == b.tolist()
    assert a.tolist() != c.tolist() or a.numel() <= 3   # tiny discrete samples may coincide
    t = sample(torch, torch.Generator().manual_seed(1234))
    assert str(a.dtype) == str(t.dtype) and a.shape == t.shape


def test_manual_seed_and_default_generator():
    g = ember.manual_seed(7)
    assert g is ember.default_generator and ember.random.default_generator is g
    assert ember.initial_seed() == 7
    a = ember.rand(5)
    ember.manual_seed(7)
    assert ember.rand(5).tolist() == a.tolist()
    ember.manual_seed(-1)
    assert ember.initial_seed() == torch.manual_seed(-1).initial_seed() == 2 ** 64 - 1
    ember.manual_seed(2.9)
    assert ember.initial_seed() == 2
    s = ember.seed()
    assert ember.initial_seed() == s


def test_rng_state_round_trip():
    ember.manual_seed(3)
    state = ember.get_rng_state()
    assert state.dtype is ember.uint8 and state.dim() == 1
    a = ember.randn(10)
    ember.set_rng_state(state)
    assert ember.randn(10).tolist() == a.tolist()
    g = ember.Generator()
    g.set_state(state)
    assert ember.randn(10, generator=g).tolist() == a.tolist()
    with ember.random.fork_rng():
        ember.rand(3)
    assert ember.randn(10).tolist() != a.tolist()


def test_generator_object():
    g, t = ember.Generator(), torch.Generator()
    assert g.initial_seed() == t.initial_seed()
    assert g.device == ember.device("cpu") and str(g.device) == str(t.device)
    assert g.manual_seed(5) is g
    assert ember.Generator("cpu").manual_seed(-5).initial_seed() == \
        torch.Generator("cpu").manual_seed(-5).initial_seed()
    assert_same_error(lambda: ember.manual_seed(2 ** 64), lambda: torch.manual_seed(2 ** 64))
    assert_same_error(lambda: ember.manual_seed("a"), lambda: torch.manual_seed("a"))
    assert_same_error(lambda: g.set_state(ember.zeros(3)), lambda: t.set_state(torch.zeros(3)))
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size"):
        g.set_state(ember.zeros(3, dtype=ember.uint8))


N = 200_000


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "bfloat16"])
def test_uniform_and_normal_moments(dtype):
    ember.manual_seed(0)
    u = ember.rand(N, dtype=getattr(ember, dtype))._data.astype(np.float64)
    assert 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.01
    n = ember.randn(N, dtype=getattr(ember, dtype))._data.astype(np.float64)
    assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.02


def test_complex_samples():
    z = ember.randn(N, dtype=ember.complex64).numpy()
    assert abs((np.abs(z) ** 2).mean() - 1) < 0.02 and abs(z.real.var() - 0.5) < 0.02
    w = ember.rand(N, dtype=ember.complex128).numpy()
    assert 0 <= w.real.min() and w.imag.max() < 1


def test_distribution_moments():
    ember.manual_seed(1)
    e = ember.empty(N)
    assert abs(e.uniform_(2, 5).numpy().mean() - 3.5) < 0.02
    assert abs(e.normal_(1, 2).numpy().std() - 2) < 0.03
    assert abs(e.exponential_(2).numpy().mean() - 0.5) < 0.01
    assert abs(np.log(e.log_normal_(0, 0.5).numpy()).std() - 0.5) < 0.01
    assert abs(np.median(e.cauchy_(1, 2).numpy()) - 1) < 0.05
    g = ember.empty(N, dtype=ember.int64).geometric_(0.25).numpy()
    assert g.min() >= 1 and abs(g.mean() - 4) < 0.1
    assert abs(ember.normal(3.0, 0.5, (N,)).numpy().mean() - 3) < 0.01
    b = ember.bernoulli(ember.full((N,), 0.3)).numpy()
    assert set(np.unique(b)) <= {0.0, 1.0} and abs(b.mean() - 0.3) < 0.01
    p = ember.poisson(ember.full((N,), 4.0)).numpy()
    assert abs(p.mean() - 4) < 0.05 and abs(p.var() - 4) < 0.1
    r = ember.randint(-3, 5, (N,)).numpy()
    assert r.min() == -3 and r.max() == 4
    i = ember.empty(N, dtype=ember.int8).random_().numpy()
    assert i.min() >= 0 and i.max() == 127
    f = ember.empty(N).random_(10).numpy()
    assert f.min() == 0 and f.max() == 9 and (f == np.round(f)).all()


def test_randperm_is_a_permutation():
    for n in (0, 1, 10, 1000):
        assert sorted(ember.randperm(n).tolist()) == list(range(n))


def test_multinomial():
    ember.manual_seed(2)
    probs = ember.tensor([[0.1, 0.0, 0.9], [0.5, 0.5, 0.0]])
    s = ember.multinomial(probs, 2).numpy()
    assert s.shape == (2, 2)
    assert all(len(set(row)) == 2 for row in s)       # no repeats without replacement
    assert 1 not in s[0] and 2 not in s[1]             # zero-probability classes never drawn
    w = ember.multinomial(ember.tensor([1.0, 3.0]), N, replacement=True).numpy()
    assert abs(w.mean() - 0.75) < 0.01
    first = ember.multinomial(ember.tensor([1.0, 3.0]).expand(N, 2), 1).numpy() \
        if hasattr(ember.Tensor, "expand") else w[:, None]
    assert abs(first.mean() - 0.75) < 0.01


def test_sampling_ops_are_recorded_with_zero_gradient():
    for m in (ember, torch):
        x = m.ones(3, requires_grad=True)
        y = m.normal(x * 2, 1.0)
        (y * 3).sum().backward()
        assert x.grad.tolist() == [0.0, 0.0, 0.0]
        z = (x * 1).uniform_()
        assert type(z.grad_fn).__name__ == "UniformBackward0"


def test_inplace_sampling_on_leaf_requiring_grad_raises():
    assert_same_error(lambda: ember.ones(3, requires_grad=True).uniform_(),
                      lambda: torch.ones(3, requires_grad=True).uniform_())
    x = ember.ones(3)
    v = x._version
    x.normal_()
    assert x._version == v + 1


def test_requires_grad_and_device_arguments():
    for fn in (lambda m: m.rand(2, requires_grad=True), lambda m: m.randn(2, requires_grad=True),
               lambda m: m.rand(2, device="cpu"), lambda m: m.randn_like(m.ones(2), dtype=m.float64)):
        e, t = fn(ember), fn(torch)
        assert (e.requires_grad, e.is_leaf, str(e.dtype), str(e.device)) == \
            (t.requires_grad, t.is_leaf, str(t.dtype), str(t.device))
