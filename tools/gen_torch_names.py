"""Regenerate ember/_torch_names.json: the public names of PyTorch's namespaces.

Ember uses the list to tell "PyTorch has this but Ember does not yet"
(NotImplementedError naming it) apart from a plain typo (AttributeError).
Run with the test venv, which has the oracle installed:  .venv/bin/python tools/gen_torch_names.py
"""

import importlib
import json
import pathlib

import torch

MODULES = ["torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.nn.utils",
           "torch.nn.utils.rnn", "torch.optim", "torch.optim.lr_scheduler", "torch.utils",
           "torch.utils.data", "torch.autograd", "torch.autograd.functional", "torch.cuda",
           "torch.linalg", "torch.fft", "torch.special", "torch.random", "torch.distributions",
           "torch.amp", "torch.backends", "torch.jit", "torch.testing", "torch.hub", "torch.onnx",
           "torch.sparse", "torch.multiprocessing", "torch.distributed", "torch.profiler",
           "torch.nn.parallel", "torch.func", "torch.compiler", "torch.export", "torch.mps",
           "torch.masked", "torch.nested", "torch.overrides", "torch.quantization", "torch.ao"]


def main():
    names = {}
    for m in MODULES:
        try:
            mod = importlib.import_module(m)
        except Exception:
            continue
        names[m] = sorted(n for n in dir(mod) if not n.startswith("_"))
    names["torch.Tensor"] = sorted(n for n in dir(torch.Tensor) if not n.startswith("__"))
    out = pathlib.Path(__file__).resolve().parent.parent / "ember" / "_torch_names.json"
    out.write_text(json.dumps(names, indent=0, sort_keys=True))
    print(f"wrote {out} ({sum(map(len, names.values()))} names, torch {torch.__version__})")


if __name__ == "__main__":
    main()
