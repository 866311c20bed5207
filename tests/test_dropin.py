"""``ember run`` and ``install_as_torch``: unmodified PyTorch scripts run on Ember."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent('''
    import sys
    import torch
    import torch.nn as nn
    from torch.autograd import grad
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    (g,) = grad((x * x).sum(), x)
    print(type(torch.zeros(1)).__module__.split(".")[0], nn.Module.__module__.split(".")[0])
    print(g.tolist(), sys.argv[1:], __name__)
    try:
        torch.fft.rfft(x)
    except NotImplementedError as e:
        print("NotImplementedError:", e)
    try:
        torch.no_such_name
    except AttributeError as e:
        print("AttributeError:", e)
    raise SystemExit(3)
''')


def test_ember_run_binds_torch_and_reports_missing_names(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    r = subprocess.run([sys.executable, "-m", "ember", "run", str(script), "--lr", "0.1"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 3, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "ember ember"
    assert lines[1] == "[2.0, 4.0] ['--lr', '0.1'] __main__"
    assert lines[2] == "NotImplementedError: torch.fft.rfft is not implemented in Ember"
    assert lines[3] == "AttributeError: module 'torch' has no attribute 'no_such_name'"


def test_traceback_points_into_the_script(tmp_path):
    script = tmp_path / "bad.py"
    script.write_text("import torch\n\n\ndef f():\n    raise ValueError('boom')\n\n\nf()\n")
    r = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 1
    assert f'File "{script}", line 5, in f' in r.stderr and "ValueError: boom" in r.stderr


def test_install_as_torch_in_process():
    code = ("import ember; ember.install_as_torch(); import torch, torch.nn.functional as F; "
            "import torch.optim.sgd; print(torch is ember, F.__name__)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "True ember.nn.functional", r.stderr


def test_missing_names_are_attribute_errors_too():
    import ember
    assert not hasattr(ember.fft, "rfft")
    assert hasattr(ember, "tensor")
