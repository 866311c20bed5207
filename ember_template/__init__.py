"""The training project that ``ember new`` copies (data, not part of the ``ember`` library).

``project/`` is ordinary PyTorch code in the layout of victoresque's pytorch-template. It
imports ``torch``; its entry scripts bind that name to Ember with ``ember.install_as_torch()``.
It lives outside ``ember/`` so that the library itself never imports PyTorch.
"""

from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent / "project"
