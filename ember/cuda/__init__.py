"""``torch.cuda`` over CuPy.  CuPy is imported only when CUDA is first used."""

__all__ = ["is_available", "device_count", "current_device", "set_device", "synchronize",
           "manual_seed", "manual_seed_all"]

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
    if is_available():
        _state["cupy"].cuda.Device().synchronize()


def manual_seed(seed):
    """Seeds the CUDA generators (no-op without CUDA, as in PyTorch)."""


def manual_seed_all(seed):
    """Seeds all CUDA generators (no-op without CUDA, as in PyTorch)."""
