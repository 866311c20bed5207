"""``ember new NAME``: a ready-to-run training project in the layout of pytorch-template.

The project files live in the data package ``ember_template`` (installed with Ember, outside
the ``ember`` library so that the library never imports PyTorch): victoresque's
pytorch-template layout, set up for scikit-learn's digits.  They are ordinary PyTorch code:
the entry scripts bind ``torch`` to Ember with ``ember.install_as_torch()`` on their first
lines, and run on PyTorch once those lines are deleted.
"""

import shutil
import sys
from pathlib import Path

from ember_template import PROJECT_DIR as TEMPLATE_DIR

__all__ = ["TEMPLATE_DIR", "new_project", "template_files"]

_SKIP_DIRS = {"__pycache__", "saved", ".pytest_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


def template_files():
    """The template's files as paths relative to ``TEMPLATE_DIR``, sorted."""
    files = []
    for path in TEMPLATE_DIR.rglob("*"):
        rel = path.relative_to(TEMPLATE_DIR)
        if path.is_file() and not _SKIP_DIRS.intersection(rel.parts[:-1]) \
                and path.suffix not in _SKIP_SUFFIXES:
            files.append(rel)
    return sorted(files)


def new_project(name):
    """Create the training project in the new folder ``name``; returns the exit status."""
    dest = Path(name)
    if dest.exists():
        print(f"ember new: '{dest}' already exists", file=sys.stderr)
        return 1
    if not TEMPLATE_DIR.is_dir():
        print(f"ember new: the project template is missing ({TEMPLATE_DIR})", file=sys.stderr)
        return 1
    for rel in template_files():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(TEMPLATE_DIR / rel, target)
    print(f"Created the training project '{dest}' (pytorch-template layout, digits CNN).\n"
          f"Next:\n"
          f"  cd {dest}\n"
          f"  python train.py -c config.json          # train; prints checkpoint, log, plot paths\n"
          f"  python test.py -r saved/models/Digits_CNN/<run>/model_best.pth   # test accuracy\n"
          f"Needs scikit-learn (data); tqdm, tensorboardX and matplotlib are optional extras.")
    return 0
