"""Devices and the array module behind each.

A ``device('cpu')`` tensor holds a NumPy array; a ``device('cuda', i)`` tensor a
CuPy array on GPU ``i``.  Operators never name NumPy: they ask the tensor's
device for its array module (``xp``), so the same operator code runs on both.
CuPy is imported only when a CUDA device is first used.
"""

import re

import numpy as np

__all__ = ["device"]


class device:
    """``torch.device``: a device type ('cpu' or 'cuda') and an optional index."""

    __slots__ = ("type", "index")

    def __new__(cls, type=None, index=None):  # noqa: A002
        if isinstance(type, device):
            if index is not None:
                raise TypeError("device(): argument 'type' must be str, not torch.device")
            return type
        if isinstance(type, int) and not isinstance(type, bool) and index is None:
            from . import cuda
            if not cuda.is_available():
                raise RuntimeError("Cannot access accelerator device when none is available.")
            type, index = "cuda", type
        if not isinstance(type, str):
            raise TypeError(f"device() received an invalid combination of arguments - got "
                            f"({_tn(type)}), but expected one of:\n * (torch.device device)\n"
                            "      didn't match because some of the arguments have invalid types: "
                            f"(!{_tn(type)}!)\n * (str type, int index = -1)\n")
        key = (type, index)
        cached = _CACHE.get(key)
        if cached is not None:
            return cached
        name, idx = type, index
        if ":" in name:
            if index is not None:
                raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {name}")
            if not _DEVICE_RE.fullmatch(name):
                raise RuntimeError(f"Invalid device string: '{type}'")
            name, _, s = name.partition(":")
            idx = int(s)
        elif not _DEVICE_RE.fullmatch(name):
            raise RuntimeError(f"Invalid device string: '{type}'")
        if name not in _KNOWN:
            raise RuntimeError(
                "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, opencl, ideep, hip, ve, fpga, "
                "maia, xla, lazy, vulkan, mps, meta, hpu, mtia, privateuseone device type at start "
                f"of device string: {type}")
        if idx is not None and idx < 0:
            raise RuntimeError("Device index must not be negative")
        self = object.__new__(cls)
        object.__setattr__(self, "type", name)
        object.__setattr__(self, "index", idx)
        _CACHE[key] = self
        return self

    def __setattr__(self, name, value):
        raise AttributeError(f"attribute '{name}' of 'torch.device' objects is not writable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        # PyTorch: a device never equals a string (device('cpu') == 'cpu' is False)
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return device, (str(self),)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _tn(x):
    return type(x).__name__


_KNOWN = {"cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone"}
_CACHE = {}
_DEVICE_RE = re.compile(r"[a-zA-Z_]+(:([1-9][0-9]*|0))?")

CPU = device("cpu")


def as_device(d):
    """Normalise a device argument (str, int, device or None) to a device (None stays None).

    ``'cuda'`` with no index means the current CUDA device, as in PyTorch.
    """
    if d is None or d.__class__ is device:
        dev = d
    else:
        dev = device(d)
    if dev is not None and dev.type == "cuda" and dev.index is None:
        from . import cuda
        dev = device("cuda", cuda.current_device())
    if dev is not None and dev.type not in ("cpu", "cuda"):
        raise RuntimeError(f"Ember supports the cpu and cuda devices, not {dev.type}")
    return dev


def array_module(dev):
    """NumPy for the CPU, CuPy for CUDA (imported only when first needed)."""
    if dev.type == "cpu":
        return np
    from .cuda import _cupy
    return _cupy()


def device_of_array(arr):
    """The device an array lives on."""
    if isinstance(arr, np.ndarray):
        return CPU
    dev = getattr(arr, "device", None)
    if dev is not None and hasattr(dev, "id"):
        return device("cuda", dev.id)
    return CPU
