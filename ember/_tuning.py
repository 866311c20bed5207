"""Process-level settings that make NumPy fast for Ember's work, applied once at import.

``ember/__init__.py`` calls ``tune()`` before anything imports NumPy.  Two settings, each
measured, each skipped when ``EMBER_TUNE=0``:

1. OpenBLAS kernels (Ember's matmuls are NumPy's OpenBLAS).  OpenBLAS chooses its kernels
from the CPU's model number.  In virtual machines, and on CPUs newer than the OpenBLAS build,
the model can be one it does not know, and it falls back to older kernels: on AVX-512 machines ``OPENBLAS_CORETYPE=SkylakeX`` has been measured to nearly
double float32 matmul speed (249 -> 470 GFLOP/s).  The choice must be made before NumPy is
imported, through the environment, so ``ember/__init__.py`` calls ``tune()`` first.

Only what the CPU's flags guarantee is chosen: the SkylakeX kernels need AVX-512 F, CD, BW, DQ
and VL (every later AVX-512 CPU, Intel or AMD, has them; the newer OpenBLAS targets differ
only in bfloat16 routines NumPy does not call).  Nothing is changed when the user set
``OPENBLAS_CORETYPE``, when NumPy is already loaded (too late), or off Linux/x86-64.

2. glibc's malloc keeps freed memory for reuse.  A training step allocates and frees the same
large arrays every time.  By default glibc serves blocks over 128 KiB with fresh ``mmap``s and
gives freed heap tops back to the OS, so every step touches new pages: 14,000-16,000 page
faults per W4 (GPT) step here, ~25% of its time (238 ms -> 182 ms per step without them).
``mallopt`` raises both limits (blocks up to 64 MiB come from the heap; up to 256 MiB of free
heap top is kept), the in-process form of the usual advice to run PyTorch on the CPU with
jemalloc or tcmalloc.  Memory freed by the program is then kept by the process for reuse
instead of returned to the OS.  glibc only; the user's own ``MALLOC_MMAP_THRESHOLD_`` /
``MALLOC_TRIM_THRESHOLD_`` environment settings win.
"""

import os
import platform
import sys

_SKYLAKEX_FLAGS = frozenset(("avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"))
MMAP_THRESHOLD = 64 << 20
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3        # glibc's mallopt parameter numbers


def choose_coretype(flags, environ, numpy_loaded, machine):
    """The OPENBLAS_CORETYPE to set, or None.  ``flags``: the CPU's flag names."""
    if numpy_loaded or "OPENBLAS_CORETYPE" in environ:
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


def tune_blas():
    """Set OPENBLAS_CORETYPE when ``choose_coretype`` picks one; returns the choice."""
    choice = choose_coretype(cpu_flags(), os.environ, "numpy" in sys.modules, platform.machine())
    if choice is not None:
        os.environ["OPENBLAS_CORETYPE"] = choice
    return choice


def tune_malloc():
    """Raise glibc's mmap and trim thresholds; True when set."""
    if not sys.platform.startswith("linux") or "MALLOC_MMAP_THRESHOLD_" in os.environ or \
            "MALLOC_TRIM_THRESHOLD_" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    import ctypes
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and \
        bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def tune():
    """Apply both settings (unless ``EMBER_TUNE=0``); returns what was done."""
    if os.environ.get("EMBER_TUNE") == "0":
        return {"blas": None, "malloc": False}
    return {"blas": tune_blas(), "malloc": tune_malloc()}
