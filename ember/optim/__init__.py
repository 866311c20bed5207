"""``torch.optim``: optimizers and ``lr_scheduler``."""

from .adam import Adam, AdamW
from .adamax import Adamax, NAdam, RAdam
from .optimizer import Optimizer
from . import lr_scheduler
from .rmsprop import Adadelta, Adagrad, RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "lr_scheduler"]
from .lbfgs import LBFGS  # noqa: E402
__all__ += ["LBFGS"]
