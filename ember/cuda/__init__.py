"""``torch.cuda`` over CuPy.  CuPy is imported only when CUDA is first used."""

__all__ = ["is_available", "is_initialized", "device_count", "current_device", "set_device",
           "synchronize", "manual_seed", "manual_seed_all", "seed", "seed_all", "initial_seed",
           "empty_cache", "get_device_name", "is_bf16_supported", "memory_allocated",
           "get_rng_state", "set_rng_state"]

_state = {"cupy": None, "checked": False, "current": 0}


def _cupy():
    """The cupy module, or PyTorch's error when CUDA cannot be used."""
    if not is_available():
        _lazy_init()
    return _state["cupy"]


def is_available():
    """True when CuPy imports and sees at least one GPU."""
    if not _state["checked"]:
        _state["checked"] = True
        try:
            import cupy
            if cupy.cuda.runtime.getDeviceCount() > 0:
                _state["cupy"] = cupy
        except Exception:
            _state["cupy"] = None
    return _state["cupy"] is not None


def _lazy_init():
    if not is_available():
        raise AssertionError("Torch not compiled with CUDA enabled")


def device_count():
    return _state["cupy"].cuda.runtime.getDeviceCount() if is_available() else 0


def current_device():
    _lazy_init()
    return _state["current"]


def set_device(device):
    from .._device import device as _dev
    d = _dev(device) if not isinstance(device, int) else _dev("cuda", device)
    _lazy_init()
    _state["current"] = d.index or 0
    _state["cupy"].cuda.Device(_state["current"]).use()


def synchronize(device=None):
    """Wait for the GPU (PyTorch's AssertionError without CUDA)."""
    _lazy_init()
    _state["cupy"].cuda.Device().synchronize()


def is_initialized():
    """Whether CUDA has been set up (CuPy found a GPU and was used)."""
    return _state["cupy"] is not None


def empty_cache():
    """Return CuPy's cached GPU memory to the driver (no-op without CUDA)."""
    if is_available():
        _state["cupy"].get_default_memory_pool().free_all_blocks()


def memory_allocated(device=None):
    """Bytes held by CuPy's memory pool (0 without CUDA)."""
    if not is_available():
        return 0
    return int(_state["cupy"].get_default_memory_pool().used_bytes())


def get_device_name(device=None):
    _lazy_init()
    idx = current_device() if device is None else getattr(device, "index", device) or 0
    props = _state["cupy"].cuda.runtime.getDeviceProperties(idx)
    name = props["name"]
    return name.decode() if isinstance(name, bytes) else name


def is_bf16_supported(including_emulation=True):
    return is_available()


def seed():
    """Seeds the CUDA generator non-deterministically (no-op without CUDA, as in PyTorch)."""


def seed_all():
    """Seeds all CUDA generators non-deterministically (no-op without CUDA)."""


def initial_seed():
    _lazy_init()
    from ..random import default_generator
    return default_generator.initial_seed()


def get_rng_state(device="cuda"):
    """Ember draws CUDA random numbers from the CPU generator: its state."""
    _lazy_init()
    from ..random import get_rng_state as _get
    return _get()


def set_rng_state(new_state, device="cuda"):
    _lazy_init()
    from ..random import set_rng_state as _set
    _set(new_state)


def manual_seed(seed):
    """Seeds the CUDA generators (no-op without CUDA, as in PyTorch)."""


def manual_seed_all(seed):
    """Seeds all CUDA generators (no-op without CUDA, as in PyTorch)."""
