"""Running PyTorch code on Ember: ``install_as_torch()`` and ``ember run script.py``.

``install_as_torch`` binds ``torch`` and every Ember submodule that mirrors a
PyTorch one (``torch.nn``, ``torch.nn.functional``, ``torch.optim`` ...) in
``sys.modules``, and installs an import hook: a PyTorch submodule Ember lacks
imports as a stand-in module.  Touching a name that PyTorch has and Ember does
not raises ``NotImplementedError`` naming it (``torch.fft.rfft is not implemented
in Ember``), instead of an AttributeError deep inside the user's code.
"""

import importlib
import importlib.abc
import importlib.machinery
import json
import os
import runpy
import sys
import types

__all__ = ["install_as_torch", "run_script", "EmberNotImplementedError"]

_NAMES = None
_STANDINS = {}


class EmberNotImplementedError(NotImplementedError, AttributeError):
    """A PyTorch name Ember does not provide (also an AttributeError, so ``hasattr`` is False)."""


def torch_names(module_name):
    """The public names PyTorch 2.13 has in ``module_name`` (from the bundled list)."""
    global _NAMES
    if _NAMES is None:
        path = os.path.join(os.path.dirname(__file__), "_torch_names.json")
        try:
            with open(path) as f:
                _NAMES = json.load(f)
        except OSError:
            _NAMES = {}
    return _NAMES.get(module_name, ())


def standin_submodule(torch_module_name, name):
    """A stand-in for a PyTorch submodule Ember lacks (``torch.fft``), or None if not one."""
    full = f"{torch_module_name}.{name}"
    torch_names(torch_module_name)
    if full not in _NAMES:
        return None
    mod = _STANDINS.get(full)
    if mod is None:
        mod = _STANDINS[full] = _StandIn(full)
    return mod


def missing_attribute(torch_module_name, name):
    """The exception for ``torch_module_name.name`` missing in Ember."""
    if name in torch_names(torch_module_name):
        return EmberNotImplementedError(f"{torch_module_name}.{name} is not implemented in Ember")
    return AttributeError(f"module '{torch_module_name}' has no attribute '{name}'")


class _StandIn(types.ModuleType):
    """A PyTorch submodule Ember does not have: every public name raises NotImplementedError."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        raise missing_attribute(self.__name__, name)


class _TorchFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Maps ``import torch.X`` to ``ember.X`` (or to a stand-in when Ember has no X)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "torch" and not fullname.startswith("torch."):
            return None
        return importlib.machinery.ModuleSpec(fullname, self)

    def create_module(self, spec):
        ember_name = "ember" + spec.name[len("torch"):]
        try:
            return importlib.import_module(ember_name)
        except ImportError:
            parent, _, leaf = spec.name.rpartition(".")
            mod = standin_submodule(parent, leaf) if parent else None
            if mod is None:
                raise ModuleNotFoundError(f"No module named '{spec.name}'") from None
            return mod

    def exec_module(self, module):
        pass


_finder = _TorchFinder()


def install_as_torch():
    """Make ``import torch`` (and its submodules) give Ember, in this interpreter."""
    import ember
    sys.modules["torch"] = ember
    for name, mod in list(sys.modules.items()):
        if name.startswith("ember.") and isinstance(mod, types.ModuleType):
            sys.modules.setdefault("torch" + name[len("ember"):], mod)
    if _finder not in sys.meta_path:
        sys.meta_path.insert(0, _finder)
    return ember


def run_script(path, args):
    """Run ``path`` as ``__main__`` with ``sys.argv = [path, *args]`` and torch bound to Ember."""
    install_as_torch()
    sys.argv = [path] + list(args)
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    runpy.run_path(path, run_name="__main__")
