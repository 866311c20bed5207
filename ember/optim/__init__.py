"""``torch.optim``: optimizers and ``lr_scheduler``."""

from .adam import Adam, AdamW
from .optimizer import Optimizer
from . import lr_scheduler
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
