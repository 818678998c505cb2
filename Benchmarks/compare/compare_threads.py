#!/usr/bin/env python3
"""Side by side: the row kernels at one thread and at N threads, and GEMM 1024^3 against numpy's, in one run.

Each kernel is timed by `infalign bench KERNEL --threads T`, alternating thread counts for `--rounds` rounds so that
both see the same machine load; each round reports a median over `--repeats` calls. The table gives the median of
the round medians and the best round (the machine's capacity when nothing else ran). GEMM runs with
OPENBLAS_NUM_THREADS set to the same counts, for ours (the process's OpenBLAS, core as `infalign doctor` reports)
and for numpy (its bundled OpenBLAS), and once with OPENBLAS_CORETYPE=Prescott (the generic core an old OpenBLAS
falls back to on a CPU it does not know).

    python3 Benchmarks/compare/compare_threads.py --binary .build/release/infalign
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np

CASES = [
    ("logsumexp 4096x1024", ["logsumexp", "--rows", "4096", "--cols", "1024"]),
    ("softmax 4096x1024", ["softmax", "--rows", "4096", "--cols", "1024"]),
    ("calibrate one-shot B=1024 M=1024 K=16", ["calibrate", "--prompts", "1024", "--references", "1024", "--queries", "16"]),
    ("calibrate table B=1024 M=1024 K=16", ["calibrate-table", "--prompts", "1024", "--references", "1024", "--queries", "16"]),
    ("win rate bon:8 4096 prompts x 64", ["winrate", "--prompts", "4096", "--samples", "64", "--procedure", "bon:8"]),
    ("CTRL step verl-grpo 65536 groups x 16", ["ctrl-step", "--groups", "65536", "--group-size", "16", "--preset", "verl-grpo"]),
    ("CTRL step infalign (group calibration) 65536 x 16", ["ctrl-step", "--groups", "65536", "--group-size", "16"]),
]


def bench(binary, args, env=None):
    out = subprocess.run([binary, "bench", *args], check=True, capture_output=True, text=True,
                         env=dict(os.environ, **(env or {}))).stdout
    return json.loads(out)


def numpy_gemm(threads, repeats):
    code = (
        "import numpy as np, time, statistics\n"
        "rng = np.random.default_rng(1)\n"
        "a = rng.standard_normal((1024, 1024)); b = rng.standard_normal((1024, 1024)); a @ b\n"
        f"ts = []\nfor _ in range({repeats}):\n t = time.perf_counter(); a @ b; ts.append(time.perf_counter() - t)\n"
        "print(statistics.median(ts))\n")
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_CORETYPE", None)
    return float(subprocess.run(["python3", "-c", code], check=True, capture_output=True, text=True, env=env).stdout)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/infalign")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=20)
    a = p.parse_args()
    doctor = json.loads(subprocess.run([a.binary, "doctor", "--format", "json"], check=True, capture_output=True,
                                       text=True).stdout)
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    print(f"threads 1 vs {a.threads}; {a.rounds} alternating rounds, medians of {a.repeats}; load average at start "
          f"{load}; cpu {doctor['cpu']} ({doctor['available_cores']} cores); OpenBLAS {doctor['blas_version']} "
          f"core {doctor['blas_core']}; numpy {np.__version__}")
    print()
    print(f"| kernel | 1 thread (ms) | {a.threads} threads (ms) | speed-up, median round | best round 1 | "
          f"best round {a.threads} | speed-up, best rounds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, args in CASES:
        runs = {1: [], a.threads: []}
        for _ in range(a.rounds):
            for t in (1, a.threads):
                runs[t].append(bench(a.binary, args + ["--threads", str(t), "--repeats", str(a.repeats)])["median_s"])
        m1, mt = statistics.median(runs[1]), statistics.median(runs[a.threads])
        b1, bt = min(runs[1]), min(runs[a.threads])
        print(f"| {name} | {m1*1e3:.2f} | {mt*1e3:.2f} | {m1/mt:.2f} | {b1*1e3:.2f} | {bt*1e3:.2f} | {b1/bt:.2f} |")
    print()
    print("| GEMM 1024^3 double | OpenBLAS threads | numpy (ms) | ours (ms) | numpy / ours | ours, core Prescott (ms) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    gemm = ["gemm", "--m", "1024", "--n", "1024", "--k", "1024", "--repeats", str(a.repeats)]
    for t in (1, a.threads):
        ours, theirs, generic = [], [], []
        for _ in range(a.rounds):
            theirs.append(numpy_gemm(t, a.repeats))
            ours.append(bench(a.binary, gemm, {"OPENBLAS_NUM_THREADS": str(t)})["median_s"])
            generic.append(bench(a.binary, gemm, {"OPENBLAS_NUM_THREADS": str(t),
                                                  "OPENBLAS_CORETYPE": "Prescott"})["median_s"])
        n, o, g = min(theirs), min(ours), min(generic)
        print(f"| best of {a.rounds} rounds | {t} | {n*1e3:.2f} | {o*1e3:.2f} | {n/o:.2f} | {g*1e3:.2f} |")


if __name__ == "__main__":
    main()
