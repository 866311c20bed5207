"""Ember vs PyTorch, same process, same work: medians, min-max and the Ember/PyTorch ratio.

Each workload is written once against the PyTorch API and receives the library
(`torch` or `ember`) as an argument.  Both frameworks run alternately after a
warm-up, from the same seeds and data; the table reports medians over repeats.

    python bench/run.py            # full run
    python bench/run.py --quick    # fewer repeats, smaller W4/W5
    python bench/run.py --only W1,W3
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

# PyTorch gets the machine's cores; NumPy's OpenBLAS (Ember's BLAS) one thread unless the
# environment says otherwise.  Both frameworks share this process, and their idle threads
# spin: on the 2-core box, OpenBLAS's two threads made PyTorch's MLP step 29 ms instead of
# 5.6 ms (CNN 102 ms instead of 36 ms), and PyTorch's spinning OpenMP workers slowed Ember
# as much (both 60-400 ms).  One OpenBLAS thread removes the interference; it costs Ember
# little here (Ember alone: MLP 7.0-7.5 ms with 2 threads, 8.3-11 ms with 1; CNN no gain).
# ``OMP_WAIT_POLICY=PASSIVE`` also removes it but slows PyTorch's small ops 10-20x.
_CORES = str(os.cpu_count() or 1)
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, _CORES)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import ember  # noqa: E402

torch.set_num_threads(int(_CORES))


from workloads import WORKLOADS, _gpt_step  # noqa: E402


def time_call(fn, number):
    t = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - t) / number


def calibrate(fn, target=0.02):
    n = 1
    while True:
        t = time_call(fn, n)
        if t * n >= target or n >= 1 << 16:
            return n
        n *= 4


def bench(name, make, repeats):
    fns = {"torch": make(torch), "ember": make(ember)}
    for f in fns.values():
        f()                                   # warm-up
    number = max(1, min(calibrate(fns["torch"]), calibrate(fns["ember"])))
    times = {"torch": [], "ember": []}
    for _ in range(repeats):
        for lib in ("torch", "ember"):        # alternate, so drifts hit both
            times[lib].append(time_call(fns[lib], number))
    return times


def matmul_gflops(repeats, n):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n)).astype(np.float32)
    b = rng.standard_normal((n, n)).astype(np.float32)
    ea, eb = ember.tensor(a), ember.tensor(b)
    ta, tb = torch.tensor(a), torch.tensor(b)
    flop = 2 * n ** 3
    res = {"numpy": [], "ember": [], "torch": []}
    for f in (lambda: a @ b, lambda: ea @ eb, lambda: ta @ tb):
        f()
    for _ in range(repeats):
        for f, key in ((lambda: a @ b, "numpy"), (lambda: ea @ eb, "ember"),
                       (lambda: ta @ tb, "torch")):
            res[key].append(flop / time_call(f, 1) / 1e9)
    return {k: statistics.median(v) for k, v in res.items()}


def peak_rss(lib_name, steps):
    """Peak RSS (MiB) of a fresh process running ``steps`` W4 steps on one framework."""
    here = os.path.dirname(os.path.abspath(__file__))
    code = (f"import sys; sys.path[:0] = [{here!r}, {os.path.dirname(here)!r}]; "
            f"import workloads, {lib_name} as lib; s = workloads._gpt_step(lib); "
            f"[s() for _ in range({steps})]; "
            # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork+exec from the parent
            "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')][0])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=900)
    if out.returncode:
        return float("nan")
    return int(out.stdout.strip().splitlines()[-1]) / 1024


def fmt(t):
    if t < 1e-3:
        return f"{t * 1e6:8.2f} us"
    if t < 1:
        return f"{t * 1e3:8.2f} ms"
    return f"{t:8.2f} s "


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default="")
    args = p.parse_args()
    repeats = 3 if args.quick else 7
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    print(f"cores={_CORES}  torch {torch.__version__}  numpy {np.__version__}  repeats={repeats}  "
          f"torch threads={torch.get_num_threads()}  "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}  "
          f"load={os.getloadavg()[0]:.1f}")
    print(f"{'workload':32s} {'torch median':>14s} {'ember median':>14s} {'ember min-max':>24s} {'ratio':>7s}")
    for name, make in WORKLOADS.items():
        if only and not any(name.startswith(o) for o in only):
            continue
        if args.quick and name.startswith("W4"):
            make = lambda lib: _gpt_step(lib, batch=8, ctx=32)  # noqa: E731
        try:
            times = bench(name, make, repeats)
        except Exception as e:     # a workload Ember cannot run yet is reported, not hidden
            print(f"{name:32s} {'ERROR: ' + type(e).__name__ + ': ' + str(e)[:60]}")
            continue
        tm, em = statistics.median(times["torch"]), statistics.median(times["ember"])
        print(f"{name:32s} {fmt(tm):>14s} {fmt(em):>14s} "
              f"{fmt(min(times['ember'])).strip() + ' - ' + fmt(max(times['ember'])).strip():>24s} "
              f"{em / tm:6.2f}x")
    if not only or any(o.startswith("W5") for o in only):
        n = 1024 if args.quick else 2048
        g = matmul_gflops(repeats, n)
        print(f"W5 matmul {n}^2 GFLOP/s: numpy {g['numpy']:.1f}, ember {g['ember']:.1f} "
              f"({g['ember'] / g['numpy']:.0%} of numpy), torch {g['torch']:.1f}")
    if not args.quick and (not only or any(o.startswith("W6") for o in only)):
        steps = 20
        t, e = peak_rss("torch", steps), peak_rss("ember", steps)
        print(f"W6 peak RSS over {steps} W4 steps: torch {t:.0f} MiB, ember {e:.0f} MiB, "
              f"ratio {e / t:.2f}x")
    _ = resource


if __name__ == "__main__":
    main()
