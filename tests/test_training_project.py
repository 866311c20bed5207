"""The training project of the main job (ember_template/project, examples/digits, `ember new`).

Each run is a subprocess, as a user runs it: the project's entry scripts bind ``torch`` to
Ember for their whole interpreter and import top-level packages (``model``, ``utils``) of their
own folder.  Runs use a few hundred images (the config's ``limit``) and start side by side
(``_runs``), so the whole file takes seconds.
"""

import filecmp
import json
import os
import subprocess
import sys
from pathlib import Path

import torch

from ember._scaffold import TEMPLATE_DIR, new_project, template_files


ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "0"}


def _start(cwd, *args):
    return subprocess.Popen([sys.executable, *args], cwd=cwd, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _wait(proc):
    out, err = proc.communicate(timeout=240)
    assert proc.returncode == 0, f"{proc.args} failed:\n{out}\n{err}"
    return out


def _field(out, label):
    lines = [ln for ln in out.splitlines() if ln.startswith(label + ":")]
    assert lines, f"no '{label}:' line in:\n{out}"
    return lines[-1].split(":", 1)[1].strip()


def _quick_config(project, name, **trainer):
    """The project's config.json with a small data subset, written as ``name``."""
    cfg = json.loads((project / "config.json").read_text())
    cfg["data_loader"]["args"].update(limit=160, batch_size=32, validation_split=32)
    cfg["lr_scheduler"]["args"]["step_size"] = 1   # the lr changes between epochs
    cfg["trainer"].update(trainer)
    (project / name).write_text(json.dumps(cfg))
    return name


def _load(path):
    return torch.load(path, weights_only=True)   # real PyTorch reads Ember's checkpoints


def _runs(where):
    """All the training runs, started side by side in ``where``; their outputs by name."""
    new = _wait(_start(where, "-m", "ember", "new", "demo"))   # `ember new demo`
    project = where / "demo"

    # the same project on real PyTorch: the two Ember lines of train.py deleted
    on_torch = where / "on_torch"
    for f in template_files():
        (on_torch / f).parent.mkdir(parents=True, exist_ok=True)
        (on_torch / f).write_bytes((project / f).read_bytes())
    lines = (on_torch / "train.py").read_text().splitlines(keepends=True)
    assert lines[0] == "import ember\n" and lines[1].startswith("ember.install_as_torch()")
    (on_torch / "train.py").write_text("".join(lines[2:]))

    # TensorBoard off where not checked: tensorboardX imports PyTorch when it is installed
    procs = {
        "train": _start(project, "train.py", "-c", _quick_config(project, "one.json", epochs=1),
                        "--lr", "0.002", "--bs", "16"),
        "whole": _start(project, "train.py", "-c",
                        _quick_config(project, "four.json", epochs=4, tensorboard=False)),
        "first": _start(project, "train.py", "-c",
                        _quick_config(project, "two.json", epochs=2, tensorboard=False)),
        "torch": _start(on_torch, "train.py", "-c",
                        _quick_config(on_torch, "one.json", epochs=1, tensorboard=False)),
    }
    out = {"new": new, "project": project, "on_torch": on_torch}
    out["first"] = _wait(procs.pop("first"))
    out["stop"] = project / _field(out["first"], "Checkpoints") / "checkpoint-epoch2.pth"
    procs["rest"] = _start(project, "train.py", "-r", str(out["stop"]), "--epochs", "4")
    out["train"] = _wait(procs.pop("train"))
    procs["test"] = _start(project, "test.py", "-r",
                           str(project / _field(out["train"], "Best model")))
    out.update({name: _wait(p) for name, p in procs.items()})
    return out


def _check_new_project_copies_the_whole_template(runs):
    assert "Created the training project 'demo'" in runs["new"]
    files = template_files()
    assert Path("train.py") in files and Path("logger/logger_config.json") in files
    assert all(filecmp.cmp(TEMPLATE_DIR / f, runs["project"] / f, shallow=False) for f in files)
    assert not any("__pycache__" in f.parts for f in files)


def test_new_project_refuses_an_existing_folder(tmp_path, capsys):
    assert new_project(str(tmp_path)) == 1
    assert "already exists" in capsys.readouterr().err


def _check_train_then_test_in_a_new_project(runs):
    project, out = runs["project"], runs["train"]
    assert "Trainable parameters: 13770" in out
    run_dir = project / _field(out, "Checkpoints")
    log_dir = (project / _field(out, "Log")).parent
    best = project / _field(out, "Best model")
    assert best == run_dir / "model_best.pth"
    assert (run_dir / "checkpoint-epoch1.pth").is_file()
    saved_cfg = json.loads((run_dir / "config.json").read_text())
    assert saved_cfg["optimizer"]["args"]["lr"] == 0.002    # --lr and --bs overrides
    assert saved_cfg["data_loader"]["args"]["batch_size"] == 16
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
    assert ckpt["optimizer"]["param_groups"][0]["initial_lr"] == 0.002

    test = runs["test"]
    acc = float(_field(test, "Test accuracy").split("%")[0]) / 100
    assert 0.0 <= acc <= 1.0 and "on 160 held-out images" in test   # the limit
    assert "'top_k_acc'" in test


def _check_resume_continues_exactly(runs):
    """2 epochs, stop, resume for epochs 3-4 == 4 epochs without stopping (weights, curves,
    optimizer, scheduler, random states)."""
    project, whole, first, rest = runs["project"], runs["whole"], runs["first"], runs["rest"]
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
    stopped = _load(runs["stop"])
    assert stopped["epoch"] == 2 and stopped["history"] == a["history"][:2]
    assert not torch.equal(stopped["state_dict"]["fc2.weight"], a["state_dict"]["fc2.weight"])


def _check_the_project_runs_on_pytorch(runs):
    """Deleting the two Ember lines runs the same project on real PyTorch."""
    ckpt = _load(runs["on_torch"] / _field(runs["torch"], "Best model"))
    assert ckpt["rng_states"]["torch"].numel() == 5056   # PyTorch's own generator state
    assert ckpt["epoch"] == 1 and 0.0 <= ckpt["history"][0]["val_accuracy"] <= 1.0


def test_training_project(tmp_path):
    """``ember new``, train, test, resume and PyTorch runs, checked from one set of runs.

    One test, not one per check sharing a fixture: under pytest-xdist the checks could land on
    different workers and each worker would train everything again.
    """
    runs = _runs(tmp_path)
    _check_new_project_copies_the_whole_template(runs)
    _check_train_then_test_in_a_new_project(runs)
    _check_resume_continues_exactly(runs)
    _check_the_project_runs_on_pytorch(runs)
