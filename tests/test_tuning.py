"""ember._tuning: OpenBLAS kernels only where the CPU's flags guarantee them; glibc malloc
thresholds raised so training steps reuse memory instead of faulting in fresh pages."""

import os
import subprocess
import sys

from ember._tuning import choose_coretype, cpu_flags

AVX512 = ["fpu", "sse2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq",
          "avx512vl"]
_CLEAN_ENV = {k: v for k, v in os.environ.items()
              if k not in ("OPENBLAS_CORETYPE", "EMBER_TUNE", "MALLOC_MMAP_THRESHOLD_",
                           "MALLOC_TRIM_THRESHOLD_")}


def _run(code, **env):
    out = subprocess.run([sys.executable, "-c", code], env={**_CLEAN_ENV, **env},
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_avx512_cpu_gets_skylakex():
    assert choose_coretype(AVX512, {}, False, "x86_64") == "SkylakeX"


def test_avx2_cpu_left_to_openblas():
    assert choose_coretype(["avx", "avx2", "fma"], {}, False, "x86_64") is None
    assert choose_coretype(AVX512[:-1], {}, False, "x86_64") is None     # no AVX-512 VL


def test_user_choice_and_late_import_respected():
    assert choose_coretype(AVX512, {"OPENBLAS_CORETYPE": "Haswell"}, False, "x86_64") is None
    assert choose_coretype(AVX512, {}, True, "x86_64") is None           # NumPy already loaded
    assert choose_coretype(AVX512, {}, False, "aarch64") is None


def test_cpu_flags_reads_cpuinfo(tmp_path):
    f = tmp_path / "cpuinfo"
    f.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512f\n\nprocessor\t: 1\nflags\t: x\n")
    assert cpu_flags(str(f)) == ["fpu", "avx2", "avx512f"]
    assert cpu_flags(str(tmp_path / "missing")) == []


def test_import_sets_coretype_as_chosen():
    code = ("import os, platform, ember, ember._tuning as t; "
            "want = t.choose_coretype(t.cpu_flags(), {}, False, platform.machine()); "
            "print(os.environ.get('OPENBLAS_CORETYPE') == want)")
    assert _run(code) == "True"
    assert _run("import numpy, os, ember; print(os.environ.get('OPENBLAS_CORETYPE'))") == "None"


# A loop that allocates and frees 8 MiB arrays: with glibc's defaults each one is a fresh
# mmap, faulted in page by page; with Ember's thresholds the heap block is reused.
_FAULTS = ("import resource, numpy as np{imp}\n"
           "for _ in range(3): (np.ones(1 << 21, np.float32) + 1).sum()\n"
           "f = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
           "for _ in range(50): (np.ones(1 << 21, np.float32) + 1).sum()\n"
           "print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f)")


def test_malloc_reuses_memory_after_import():
    if not sys.platform.startswith("linux"):
        return
    import platform
    if platform.libc_ver()[0] != "glibc":
        return
    tuned = int(_run(_FAULTS.format(imp="; import ember")))
    untuned = int(_run(_FAULTS.format(imp="; import ember"), EMBER_TUNE="0"))
    assert untuned > 50 * 500                 # fresh pages faulted in on every loop
    assert tuned < 500


def test_user_malloc_settings_win():
    code = "import ember._tuning as t; print(t.tune_malloc())"
    assert _run(code, MALLOC_TRIM_THRESHOLD_="131072") == "False"
