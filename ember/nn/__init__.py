"""``torch.nn``: Module, Parameter, layers, losses; ``nn.functional`` and ``nn.init``."""

from . import functional, init, utils
from .modules import *
from .parameter import Buffer, Parameter, UninitializedParameter
