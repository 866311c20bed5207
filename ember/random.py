"""Random number generation: ``torch.Generator`` and the default generator.

Each Ember ``Generator`` drives a NumPy ``Generator(PCG64)``.  A seed gives a
reproducible stream, but not PyTorch's stream: PyTorch uses a Mersenne Twister
with its own sampling algorithms, so the same seed gives different numbers in
Ember and PyTorch.  ``get_state`` returns the PCG64 state packed in a uint8
tensor (56 bytes, not PyTorch's 5056); ``set_state`` takes such a tensor back.
"""

import contextlib
import os

import numpy as np

from ._device import CPU, device as _device_cls

__all__ = ["Generator", "manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "default_generator", "fork_rng"]

_DEFAULT_SEED = 67280421310721   # what a fresh torch.Generator() reports
_MASK64 = (1 << 64) - 1
_STATE_BYTES = 56


def _seed_value(seed):
    """PyTorch's seed argument: anything ``int()`` takes, in [-2**63, 2**64), as unsigned 64 bits."""
    seed = int(seed)
    if not -(1 << 63) <= seed <= _MASK64:
        raise ValueError("Overflow when unpacking long long")
    return seed & _MASK64


class Generator:
    """``torch.Generator``: an independent random stream (``manual_seed``, ``get_state`` ...)."""

    __slots__ = ("_device", "_seed", "_np", "__weakref__")

    def __init__(self, device="cpu"):
        dev = _device_cls(device) if not isinstance(device, _device_cls) else device
        self._device = dev
        self._reseed(_DEFAULT_SEED)

    def _reseed(self, seed):
        self._seed = seed
        self._np = np.random.Generator(np.random.PCG64(seed))

    @property
    def device(self):
        return self._device

    def manual_seed(self, seed):
        """Seed this generator; returns it."""
        self._reseed(_seed_value(seed))
        return self

    def seed(self):
        """Seed from a non-deterministic source; returns the seed used."""
        s = int.from_bytes(os.urandom(8), "little") & ((1 << 63) - 1)
        self._reseed(s)
        return s

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The generator state as a uint8 tensor (restorable with ``set_state``)."""
        from .ops.creation import make_tensor
        from . import _dtype as D
        st = self._np.bit_generator.state
        words = [self._seed, st["state"]["state"] & _MASK64, st["state"]["state"] >> 64,
                 st["state"]["inc"] & _MASK64, st["state"]["inc"] >> 64, int(st["has_uint32"]),
                 int(st["uinteger"])]
        arr = np.array(words, dtype=np.uint64).view(np.uint8).copy()
        return make_tensor(arr, D.uint8)

    def set_state(self, new_state):
        """Restore a state from ``get_state``; returns this generator."""
        from ._tensor import Tensor
        from . import _dtype as D
        if not isinstance(new_state, Tensor) or new_state._dtype is not D.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        n = new_state.numel()
        if n != _STATE_BYTES:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_BYTES} but found "
                               f"the input RNG state size to be {n}")
        words = [int(w) for w in np.ascontiguousarray(new_state.detach().cpu()._data).view(np.uint64)]
        bitgen = np.random.PCG64()
        bitgen.state = {"bit_generator": "PCG64",
                        "state": {"state": words[1] | (words[2] << 64),
                                  "inc": words[3] | (words[4] << 64)},
                        "has_uint32": words[5], "uinteger": words[6]}
        self._seed = words[0]
        self._np = np.random.Generator(bitgen)
        return self

    def __repr__(self):
        return f"<torch._C.Generator object at {hex(id(self))}>"

    def __reduce__(self):
        return _restore_generator, (str(self._device), self.get_state()._data.tobytes())


def _restore_generator(dev, state):
    from ._tensor import Tensor
    g = Generator(dev)
    g.set_state(Tensor._make(np.frombuffer(state, dtype=np.uint8).copy()))
    return g


default_generator = Generator()
default_generator.seed()


def generator_or_default(generator):
    """The NumPy generator behind ``generator`` (the default one when None), type-checked."""
    if generator is None:
        return default_generator._np
    if not isinstance(generator, Generator):
        raise TypeError(f"expected a torch.Generator, but got {type(generator).__name__}")
    return generator._np


def manual_seed(seed):
    """Seed the default generator (and CUDA's); returns the default generator."""
    seed = _seed_value(seed)
    from . import cuda
    cuda.manual_seed_all(seed)
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from a non-deterministic source; returns the seed."""
    return default_generator.seed()


def initial_seed():
    """The default generator's initial seed."""
    return default_generator.initial_seed()


def get_rng_state():
    """The default generator's state as a uint8 tensor."""
    return default_generator.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state from ``get_rng_state``."""
    from ._tensor import Tensor
    if not isinstance(new_state, Tensor):
        raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Restore the default generator's state on exit (``torch.random.fork_rng``)."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


_ = CPU
