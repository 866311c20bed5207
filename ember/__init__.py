"""Ember: the PyTorch programming model in plain Python on NumPy (CPU) and CuPy (GPU).

``import ember as torch`` gives the ``torch`` namespace: this module only
re-exports; every name lives in the module that owns it.
"""

from . import _tuning

_tuning.tune()      # before NumPy loads: OpenBLAS reads its kernel choice once (see _tuning.py)

from . import _dtype
from ._device import device
from ._dtype import (bfloat16, bool, can_cast, cdouble, cfloat, chalf, complex32, complex64, complex128, double,
                     dtype, finfo, float, float16, float32, float64, get_default_dtype, half,
                     iinfo, int, int8, int16, int32, int64, long, promote_types, result_type,
                     set_default_dtype, short, uint8, uint16, uint32, uint64)
from ._tensor import Size, Tensor
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from .ops.creation import *
from .ops.pointwise import *
from .ops.reduction import *
from .ops.shape import *
from . import autograd, cuda
from .autograd.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly

__version__ = "0.1.0"


def is_tensor(obj):
    """True if ``obj`` is an Ember tensor."""
    return isinstance(obj, Tensor)


def is_floating_point(input):
    return input.is_floating_point()


def is_complex(input):
    return input.is_complex()


def numel(input):
    return input.numel()
from .ops.indexing import *
from .ops.joining import *
from .ops.linalg import *
from .ops.random import *
from .ops.sorting import *
from . import linalg, random
from .random import (Generator, get_rng_state, initial_seed, manual_seed, seed,
                     set_rng_state, default_generator)
from ._printing import set_printoptions
from . import nn, serialization, storage
from .serialization import load, save
from .storage import TypedStorage, UntypedStorage
from . import optim
from . import utils
from ._dropin import install_as_torch


def __getattr__(name):
    # A name PyTorch has but Ember does not: say so plainly (still an AttributeError for hasattr).
    from ._dropin import missing_attribute, standin_submodule
    mod = standin_submodule("torch", name)
    if mod is not None:
        return mod
    raise missing_attribute("torch", name)
