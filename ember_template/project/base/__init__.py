from .base_data_loader import *  # noqa: F401,F403
from .base_model import *  # noqa: F401,F403
from .base_trainer import *  # noqa: F401,F403
