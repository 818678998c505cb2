#!/usr/bin/env python3
"""`infalign calibrate` end to end against a naive Python loop on the same files, side by side in one run.

The Python loop is what a user writes without this tool: per line `json.loads`, `np.sort` + `np.searchsorted` for
mid-rank calibration, `json.dumps` of the result (same output fields as `infalign calibrate` with the identity
transform). Its output is checked against ours (calibrated values equal). Wall-clock medians of --repeats runs.

    python3 Benchmarks/compare/make_reward_files.py --prompts 1000000 --jsonl /tmp/r.jsonl --csv /tmp/r.csv
    python3 Benchmarks/compare/compare_files.py --binary .build/release/infalign --jsonl /tmp/r.jsonl --csv /tmp/r.csv
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time

import numpy as np


def python_loop(path, out_path):
    with open(path) as f, open(out_path, "w") as out:
        for line in f:
            if not line.strip():
                continue
            rec = json.loads(line)
            ref = np.sort(np.asarray(rec["reference_rewards"], dtype=np.float64))
            q = np.asarray(rec["rewards"], dtype=np.float64)
            lo = np.searchsorted(ref, q, "left")
            hi = np.searchsorted(ref, q, "right")
            cal = ((lo + hi) / 2 / len(ref)).tolist()
            out.write(json.dumps({"id": rec["id"], "calibrated": cal, "transformed": cal}) + "\n")


def cpu_seconds():
    """User + system CPU time of this process and its finished children (the machine may be shared: wall time
    then measures the neighbours too, CPU time does not)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn, repeats):
    times, cpus = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), cpu_seconds()
        fn()
        times.append(time.perf_counter() - t)
        cpus.append(cpu_seconds() - c)
    return statistics.median(times), times, statistics.median(cpus)


def first_lines(path, n=1000):
    rows = []
    with open(path) as f:
        for line in f:
            rows.append(json.loads(line))
            if len(rows) == n:
                break
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/infalign")
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--csv")
    ap.add_argument("--long-line", help="a JSONL file of one long line (time only)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--python-repeats", type=int, default=1)
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="infalign-files-")
    ours_out, py_out = os.path.join(tmp, "ours.jsonl"), os.path.join(tmp, "python.jsonl")

    def ours(inp, out):
        subprocess.run([args.binary, "calibrate", "--input", inp, "--output", out], check=True,
                       stdout=subprocess.DEVNULL)

    size = os.path.getsize(args.jsonl) / 1e6
    t_ours, all_ours, c_ours = timed(lambda: ours(args.jsonl, ours_out), args.repeats)
    t_py, all_py, c_py = timed(lambda: python_loop(args.jsonl, py_out), args.python_repeats)
    a, b = first_lines(ours_out), first_lines(py_out)
    assert [r["calibrated"] for r in a] == [r["calibrated"] for r in b], "outputs differ"
    print(f"jsonl {size:.0f} MB: infalign {t_ours:.2f} s ({size / t_ours:.0f} MB/s), python loop {t_py:.2f} s, "
          f"ratio {t_py / t_ours:.1f}x  (runs: ours {['%.2f' % t for t in all_ours]}, "
          f"python {['%.2f' % t for t in all_py]})")
    print(f"jsonl CPU time: infalign {c_ours:.2f} s, python loop {c_py:.2f} s, ratio {c_py / c_ours:.1f}x")
    if args.csv:
        size = os.path.getsize(args.csv) / 1e6
        t, runs, c = timed(lambda: ours(args.csv, os.path.join(tmp, "ours.csv")), args.repeats)
        print(f"csv {size:.0f} MB: infalign {t:.2f} s ({size / t:.0f} MB/s), CPU {c:.2f} s  "
              f"(runs {['%.2f' % x for x in runs]})")
    if args.long_line:
        size = os.path.getsize(args.long_line) / 1e6
        t, runs, c = timed(lambda: ours(args.long_line, os.path.join(tmp, "long.out.jsonl")), args.repeats)
        print(f"one {size:.0f} MB line: infalign {t:.2f} s ({size / t:.0f} MB/s), CPU {c:.2f} s")


if __name__ == "__main__":
    main()
