from .logger import *  # noqa: F401,F403
from .visualization import *  # noqa: F401,F403
