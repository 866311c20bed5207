"""Pick OpenBLAS's best kernels before NumPy loads (Ember's matmuls are NumPy's OpenBLAS).

OpenBLAS chooses its kernels from the CPU's model number.  In virtual machines, and on CPUs
newer than the OpenBLAS build, the model can be one it does not know, and it falls back to
older kernels: on AVX-512 machines ``OPENBLAS_CORETYPE=SkylakeX`` has been measured to nearly
double float32 matmul speed (249 -> 470 GFLOP/s).  The choice must be made before NumPy is
imported, through the environment, so ``ember/__init__.py`` calls ``tune()`` first.

Only what the CPU's flags guarantee is chosen: the SkylakeX kernels need AVX-512 F, CD, BW, DQ
and VL (every later AVX-512 CPU, Intel or AMD, has them; the newer OpenBLAS targets differ
only in bfloat16 routines NumPy does not call).  Nothing is changed when the user set
``OPENBLAS_CORETYPE``, when NumPy is already loaded (too late), off Linux/x86-64, or when
``EMBER_BLAS_TUNE=0``.
"""

import os
import platform
import sys

_SKYLAKEX_FLAGS = frozenset(("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"))


def choose_coretype(flags, environ, numpy_loaded, machine):
    """The OPENBLAS_CORETYPE to set, or None.  ``flags``: the CPU's flag names."""
    if numpy_loaded or "OPENBLAS_CORETYPE" in environ or environ.get("EMBER_BLAS_TUNE") == "0":
        return None
    if machine not in ("x86_64", "AMD64"):
        return None
    if _SKYLAKEX_FLAGS <= set(flags):
        return "SkylakeX"
    return None      # AVX2 CPUs: OpenBLAS's own Haswell/Zen choice is already its best


def cpu_flags(path="/proc/cpuinfo"):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith("flags"):
                    return line.split(":", 1)[1].split()
    except OSError:
        pass
    return []


def tune():
    numpy_loaded = "numpy" in sys.modules
    if numpy_loaded or "OPENBLAS_CORETYPE" in os.environ:
        return None
    choice = choose_coretype(cpu_flags(), os.environ, numpy_loaded, platform.machine())
    if choice is not None:
        os.environ["OPENBLAS_CORETYPE"] = choice
    return choice
