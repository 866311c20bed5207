"""Small helpers: JSON config files, an endless data loader, device choice, running averages."""

import json
import random
from collections import OrderedDict
from itertools import repeat
from pathlib import Path

import numpy as np
import torch

__all__ = ["ensure_dir", "read_json", "write_json", "inf_loop", "prepare_device", "MetricTracker",
           "get_rng_states", "set_rng_states"]


def ensure_dir(dirname):
    dirname = Path(dirname)
    if not dirname.is_dir():
        dirname.mkdir(parents=True, exist_ok=False)


def read_json(fname):
    fname = Path(fname)
    with fname.open("rt") as handle:
        return json.load(handle, object_hook=OrderedDict)


def write_json(content, fname):
    fname = Path(fname)
    with fname.open("wt") as handle:
        json.dump(content, handle, indent=4, sort_keys=False)


def inf_loop(data_loader):
    """Wrapper function for endless data loader."""
    for loader in repeat(data_loader):
        yield from loader


def prepare_device(n_gpu_use):
    """The device to train on and the GPU ids for DataParallel (CPU when no GPU is available)."""
    n_gpu = torch.cuda.device_count()
    if n_gpu_use > 0 and n_gpu == 0:
        print("Warning: There's no GPU available on this machine, "
              "training will be performed on CPU.")
        n_gpu_use = 0
    if n_gpu_use > n_gpu:
        print(f"Warning: The number of GPU's configured to use is {n_gpu_use}, but only {n_gpu} "
              "are available on this machine.")
        n_gpu_use = n_gpu
    device = torch.device("cuda:0" if n_gpu_use > 0 else "cpu")
    list_ids = list(range(n_gpu_use))
    return device, list_ids


def get_rng_states(generator=None):
    """Every random state training uses, as plain data (loads with ``weights_only=True``).

    torch's default generator (dropout, initialisation), NumPy's and Python's global generators,
    and ``generator`` (the data loader's shuffling generator) when given.
    """
    np_state = np.random.get_state(legacy=False)
    py_version, py_internal, py_gauss = random.getstate()
    states = {
        "torch": torch.get_rng_state(),
        "numpy": {"bit_generator": np_state["bit_generator"],
                  "key": [int(k) for k in np_state["state"]["key"]],
                  "pos": int(np_state["state"]["pos"]),
                  "has_gauss": int(np_state["has_gauss"]),
                  "gauss": float(np_state["gauss"])},
        "python": [py_version, list(py_internal), py_gauss],
    }
    if generator is not None:
        states["generator"] = generator.get_state()
    return states


def set_rng_states(states, generator=None):
    """Restore the states saved by ``get_rng_states``."""
    torch.set_rng_state(states["torch"])
    np_state = states["numpy"]
    np.random.set_state({"bit_generator": np_state["bit_generator"],
                         "state": {"key": np.array(np_state["key"], dtype=np.uint32),
                                   "pos": np_state["pos"]},
                         "has_gauss": np_state["has_gauss"], "gauss": np_state["gauss"]})
    py_version, py_internal, py_gauss = states["python"]
    random.setstate((py_version, tuple(py_internal), py_gauss))
    if generator is not None and "generator" in states:
        generator.set_state(states["generator"])


class MetricTracker:
    """Running averages of named values (loss, metrics), also sent to TensorBoard when given."""

    def __init__(self, *keys, writer=None):
        self.writer = writer
        self._keys = list(keys)
        self.reset()

    def reset(self):
        self._total = {key: 0.0 for key in self._keys}
        self._counts = {key: 0 for key in self._keys}

    def update(self, key, value, n=1):
        value = float(value)
        if self.writer is not None:
            self.writer.add_scalar(key, value)
        self._total[key] += value * n
        self._counts[key] += n

    def avg(self, key):
        return self._total[key] / self._counts[key] if self._counts[key] else 0.0

    def result(self):
        return {key: self.avg(key) for key in self._keys}
