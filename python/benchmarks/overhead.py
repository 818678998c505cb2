"""What the Python layer adds to a library call: infalign.ctrl_step (and a small calibrate) timed from Python next
to the same C ABI call timed from C (python/benchmarks/ctrl_native.c), on the same inputs, interleaved rounds,
medians. Used for docs/PERFORMANCE.md ("Python and C ABI overhead").

Usage: python overhead.py [--library PATH] [--native PATH] [--rounds 5]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def inputs(groups, size):
    """The same pseudo-random inputs as ctrl_native.c (a 64-bit LCG)."""
    n = groups * size
    state = 42
    r = np.empty(n)
    for i in range(n):
        state = (state * 6364136223846793005 + 1442695040888963407) % 2**64
        r[i] = (state >> 11) / 9007199254740992.0
    r = r.reshape(groups, size)
    return r, -2 - r * 0.1, -2 + r * 0.1


def median_seconds(fn, repeats, batch):
    """Median thread CPU time per call (wall time on a shared machine measures the neighbours), over `repeats`
    batches of `batch` calls."""
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        for _ in range(batch):
            fn()
        times.append((time.thread_time() - start) / batch)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--native", default=str(HERE.parents[1] / ".build" / "ctrl_native"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    import infalign
    from infalign import _arrays
    from infalign._native import CTRLSummary, lib

    print(f"library {infalign.library_path}; threads {infalign.thread_count()}; numpy {np.__version__}")
    rows = []
    # (kernel, groups, size, repeats, all outputs, out= reused)
    cases = [("ctrl", 65536, 16, 21, False, True), ("ctrl", 65536, 16, 21, True, True),
             ("ctrl", 65536, 16, 21, False, False), ("ctrl", 1, 4, 201, False, True),
             ("ctrl", 4, 16, 201, False, True), ("ctrl", 1, 4, 201, False, False),
             ("calibrate", 1, 4, 201, False, True)]
    for what, groups, size, repeats, all_outputs, reuse in cases:
        r, lp, lr = inputs(groups, size)
        names = infalign.ctrl.OUTPUTS if all_outputs else ("advantages", "loss_gradient")
        if what == "ctrl":
            result = infalign.ctrl_step(r, lp, lr, outputs=names)  # buffers reused below (out=)
            options = infalign.ctrl._cached_options(None, ())
            summary = CTRLSummary()
            ptrs = [_arrays.address(a) for a in (r, lp, lr)]
            outs = [(_arrays.address(getattr(result, n)) if getattr(result, n) is not None else None)
                    for n in infalign.ctrl.OUTPUTS]
            sp = ctypes.addressof(summary)
            step = lib.infalign_ctrl_step_f64

            def python_call():
                if reuse:
                    infalign.ctrl_step(r, lp, lr, out=result)
                else:  # new output arrays every call (allocation and first-touch page faults included)
                    infalign.ctrl_step(r, lp, lr, outputs=names)

            def ctypes_call():
                step(options._handle, None, groups, size, ptrs[0], ptrs[1], ptrs[2], None, *outs, sp)
        else:
            out = np.empty_like(r)

            def python_call():
                infalign.calibrate(r, lr, out=out)

            ptrs = [_arrays.address(a) for a in (lr, r, out)]
            fn = lib.infalign_calibrate_f64

            def ctypes_call():
                fn(ptrs[0], size, ptrs[1], size, groups, 0, ptrs[2])

        native, py, raw = [], [], []
        for _ in range(args.rounds):
            cmd = [args.native, what, str(groups), str(size), str(repeats)] + (["all"] if all_outputs else [])
            native.append(float(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout))
            batch = 100 if groups * size < 4096 else 1
            py.append(median_seconds(python_call, repeats, batch))
            raw.append(median_seconds(ctypes_call, repeats, batch))
        n, p, c = statistics.median(native), statistics.median(py), statistics.median(raw)
        label = f"{what} {groups}×{size}" + (" all outputs" if all_outputs else "") + ("" if reuse else " new arrays")
        rows.append((label, n, c, p))
        print(f"{label:28s} C {n * 1e6:11.2f} µs  ctypes {c * 1e6:11.2f} µs  infalign {p * 1e6:11.2f} µs  "
              f"Python adds {(p - n) * 1e6:8.2f} µs ({(p / n - 1) * 100:+7.2f}%)", flush=True)


if __name__ == "__main__":
    main()
