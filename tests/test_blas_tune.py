"""ember._blas picks OpenBLAS kernels only when the CPU's flags guarantee them."""

import os
import subprocess
import sys

from ember._blas import choose_coretype, cpu_flags

AVX512 = ["fpu", "sse2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq",
          "avx512vl"]


def test_avx512_cpu_gets_skylakex():
    assert choose_coretype(AVX512, {}, False, "x86_64") == "SkylakeX"


def test_avx2_cpu_left_to_openblas():
    assert choose_coretype(["avx", "avx2", "fma"], {}, False, "x86_64") is None
    assert choose_coretype(AVX512[:-1], {}, False, "x86_64") is None     # no AVX-512 VL


def test_user_choice_and_late_import_respected():
    assert choose_coretype(AVX512, {"OPENBLAS_CORETYPE": "Haswell"}, False, "x86_64") is None
    assert choose_coretype(AVX512, {"EMBER_BLAS_TUNE": "0"}, False, "x86_64") is None
    assert choose_coretype(AVX512, {}, True, "x86_64") is None           # NumPy already loaded
    assert choose_coretype(AVX512, {}, False, "aarch64") is None


def test_cpu_flags_reads_cpuinfo(tmp_path):
    f = tmp_path / "cpuinfo"
    f.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f\n\nprocessor\t: 1\nflags\t: x\n")
    assert cpu_flags(str(f)) == ["fpu", "avx2", "avx512f"]
    assert cpu_flags(str(tmp_path / "missing")) == []


def test_import_sets_environment_as_chosen():
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "EMBER_BLAS_TUNE")}
    code = ("import os, platform, ember, ember._blas as b; "
            "want = b.choose_coretype(b.cpu_flags(), {}, False, platform.machine()); "
            "print(os.environ.get('OPENBLAS_CORETYPE') == want)")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "True", out.stderr
    code = "import numpy, os, ember; print(os.environ.get('OPENBLAS_CORETYPE'))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "None", out.stderr
