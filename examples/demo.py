"""The main job: train a small CNN on scikit-learn's handwritten digits with Ember, then test it.

One command (``make demo`` or ``python examples/demo.py``) creates the training project in
examples/digits with ``ember new`` (once) and runs it: a pytorch-template style project
(train.py, test.py, config.json, base/, model/, trainer/ ...) written as ordinary PyTorch code,
with ``import torch`` bound to Ember by ``ember.install_as_torch()``.

1. ``python train.py -c config.json`` trains for a few epochs (about a minute on two cores),
   with progress bars, a log file, TensorBoard event files, checkpoints and a plot of the curves;
2. ``python test.py -r <best checkpoint>`` measures the accuracy on the 20% of the digits held
   out for testing (at least 97% expected).

Extra arguments go to train.py (``python examples/demo.py --epochs 3 --lr 0.001``).
Outputs land in examples/digits/saved/.
"""

import re
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent / "digits"
TARGET = 0.97


def _run(args):
    """Run a project script, echoing its output live; returns the output lines."""
    proc = subprocess.Popen([sys.executable, *args], cwd=PROJECT, stdout=subprocess.PIPE, text=True,
                            bufsize=1)
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line.rstrip("\n"))
    if proc.wait() != 0:
        sys.exit(f"demo: {' '.join(args)} failed (exit status {proc.returncode})")
    return lines


def _field(lines, label):
    """The value of the last ``label: value`` line a script printed."""
    for line in reversed(lines):
        if line.startswith(label + ":"):
            return line.split(":", 1)[1].strip()
    return None


def main(argv=()):
    if not PROJECT.exists():
        from ember._scaffold import new_project
        if new_project(str(PROJECT)) != 0:
            sys.exit("demo: could not create the project")
    train = _run(["train.py", "-c", "config.json", *argv])
    best = _field(train, "Best model")
    if best is None:
        sys.exit("demo: training saved no best model")
    test = _run(["test.py", "-r", best])
    acc = float(re.search(r"([\d.]+)%", _field(test, "Test accuracy")).group(1)) / 100
    print("\n== digits CNN on Ember ==")
    print(f"test accuracy   {acc:.2%} (target {TARGET:.0%})")
    print(f"best checkpoint {PROJECT / best}")
    print(f"training log    {PROJECT / _field(train, 'Log')}")
    plot = _field(train, "Plot")
    if plot:
        print(f"curves plot     {PROJECT / plot}")
    return acc


if __name__ == "__main__":
    sys.exit(0 if main(sys.argv[1:]) >= TARGET else 1)
