"""The training project of the main job (ember/_scaffold/template, examples/digits, `ember new`).

Each run is a subprocess: the project's entry scripts bind ``torch`` to Ember for their whole
interpreter and import top-level packages (``model``, ``utils``) of their own folder.  Runs
use a few hundred images (the config's ``limit``) so the whole file takes seconds.
"""

import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ember._scaffold import TEMPLATE_DIR, new_project, template_files

pytest.importorskip("sklearn", reason="the digits data ship with scikit-learn")

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}


def _start(cwd, *args):
    return subprocess.Popen([sys.executable, *args], cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait(proc):
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, f"{proc.args} failed:\n{out}\n{err}"
    return out


def _run(cwd, *args):
    return _wait(_start(cwd, *args))


def _field(out, label):
    lines = [ln for ln in out.splitlines() if ln.startswith(label + ":")]
    assert lines, f"no '{label}:' line in:\n{out}"
    return lines[-1].split(":", 1)[1].strip()


def _quick_config(project, name="quick.json", **trainer):
    """The project's config.json with a small data subset, written as ``name``."""
    cfg = json.loads((project / "config.json").read_text())
    cfg["data_loader"]["args"].update(limit=160, batch_size=32, validation_split=32)
    cfg["lr_scheduler"]["args"]["step_size"] = 1   # the lr changes between epochs
    cfg["trainer"].update(trainer)
    (project / name).write_text(json.dumps(cfg))
    return name


def _load(path):
    return torch.load(path, weights_only=True)   # real PyTorch reads Ember's checkpoints


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project made by ``ember new`` (the command line, as a user runs it)."""
    where = tmp_path_factory.mktemp("new")
    out = _run(where, "-m", "ember", "new", "demo")
    assert "Created the training project 'demo'" in out
    return where / "demo"


def test_new_project_copies_the_whole_template(project):
    files = template_files()
    assert Path("train.py") in files and Path("logger/logger_config.json") in files
    assert all(filecmp.cmp(TEMPLATE_DIR / f, project / f, shallow=False) for f in files)
    assert not any("__pycache__" in f.parts for f in files)


def test_new_project_refuses_an_existing_folder(tmp_path, capsys):
    assert new_project(str(tmp_path)) == 1
    assert "already exists" in capsys.readouterr().err


def test_examples_digits_is_the_template():
    """examples/digits is a ready-made copy; regenerate it after editing the template:
    rm -rf examples/digits && .venv/bin/python -m ember new examples/digits"""
    example = ROOT / "examples" / "digits"
    assert template_files() == [p.relative_to(example) for p in sorted(example.rglob("*"))
                                if p.is_file() and "__pycache__" not in p.parts
                                and "saved" not in p.relative_to(example).parts]
    mismatch = [str(f) for f in template_files()
                if not filecmp.cmp(TEMPLATE_DIR / f, example / f, shallow=False)]
    assert mismatch == []


def test_train_then_test_in_a_new_project(project):
    cfg = _quick_config(project, epochs=1)
    out = _run(project, "train.py", "-c", cfg)
    assert "Trainable parameters: 13770" in out
    run_dir = project / _field(out, "Checkpoints")
    log_dir = (project / _field(out, "Log")).parent
    best = project / _field(out, "Best model")
    assert best == run_dir / "model_best.pth"
    assert (run_dir / "checkpoint-epoch1.pth").is_file()
    assert (run_dir / "config.json").is_file()
    assert "val_accuracy" in (log_dir / "info.log").read_text()
    assert list(log_dir.glob("events.out.tfevents.*"))
    plot = project / _field(out, "Plot")
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    ckpt = _load(best)
    assert ckpt["epoch"] == 1 and ckpt["arch"] == "DigitsModel"
    assert ckpt["config"]["trainer"]["epochs"] == 1 and type(ckpt["config"]) is dict
    assert set(ckpt["rng_states"]) == {"torch", "numpy", "python", "generator"}
    assert [h["epoch"] for h in ckpt["history"]] == [1]
    assert ckpt["monitor_best"] == ckpt["history"][0]["val_loss"]

    out = _run(project, "test.py", "-r", str(best))
    acc = float(_field(out, "Test accuracy").split("%")[0]) / 100
    assert 0.0 <= acc <= 1.0
    assert "'top_k_acc'" in out


def test_resume_continues_exactly(project):
    """2 epochs, stop, resume for epochs 3-4 == 4 epochs without stopping (weights, curves,
    optimizer, scheduler, random states)."""
    # the two runs side by side (two cores); TensorBoard off: its import is most of a short run
    whole = _start(project, "train.py", "-c",
                   _quick_config(project, "four.json", epochs=4, tensorboard=False))
    first = _start(project, "train.py", "-c",
                   _quick_config(project, "two.json", epochs=2, tensorboard=False))
    whole, first = _wait(whole), _wait(first)
    stop = project / _field(first, "Checkpoints") / "checkpoint-epoch2.pth"
    rest = _run(project, "train.py", "-r", str(stop), "--epochs", "4")
    assert "Resume training from epoch 3" in rest

    a = _load(project / _field(whole, "Checkpoints") / "checkpoint-epoch4.pth")
    b = _load(project / _field(rest, "Checkpoints") / "checkpoint-epoch4.pth")
    assert a["state_dict"].keys() == b["state_dict"].keys()
    for k in a["state_dict"]:
        assert torch.equal(a["state_dict"][k], b["state_dict"][k]), k
    assert a["history"] == b["history"] and len(a["history"]) == 4
    assert a["lr_scheduler"] == b["lr_scheduler"]
    for s, t in zip(a["optimizer"]["state"].values(), b["optimizer"]["state"].values()):
        assert all(torch.equal(s[k], t[k]) for k in s)
    assert all(torch.equal(a["rng_states"][k], b["rng_states"][k]) for k in ("torch", "generator"))
    assert a["rng_states"]["numpy"] == b["rng_states"]["numpy"]
    assert (a["monitor_best"], a["not_improved_count"]) == (b["monitor_best"],
                                                            b["not_improved_count"])
    # the stop really happened mid-way: epoch 2 differs from epoch 4
    assert first.count("Saving checkpoint") == 2
    assert not torch.equal(_load(stop)["state_dict"]["fc2.weight"], a["state_dict"]["fc2.weight"])


def test_the_project_runs_on_pytorch(project, tmp_path):
    """Deleting the two Ember lines runs the same project on real PyTorch."""
    pt = tmp_path / "on_torch"
    for f in template_files():
        (pt / f).parent.mkdir(parents=True, exist_ok=True)
        (pt / f).write_bytes((project / f).read_bytes())
    src = (pt / "train.py").read_text()
    lines = src.splitlines(keepends=True)
    assert lines[0] == "import ember\n" and lines[1].startswith("ember.install_as_torch()")
    (pt / "train.py").write_text("".join(lines[2:]))
    out = _run(pt, "train.py", "-c", _quick_config(pt, epochs=1, tensorboard=False))
    ckpt = _load(pt / _field(out, "Best model"))
    assert ckpt["rng_states"]["torch"].numel() == 5056   # PyTorch's own generator state
    assert ckpt["history"][0]["val_accuracy"] >= 0.0
