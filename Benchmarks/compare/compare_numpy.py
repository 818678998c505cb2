#!/usr/bin/env python3
"""Side-by-side timing of InfAlign-Swift kernels against the same kernels written as a competent numpy user would.

Both sides run in this one process invocation on identical shapes and dtype (the Swift side through
`infalign bench`, which generates its own seeded data of the same shape and distribution). Prints a markdown table
of medians and ratios (numpy time / ours: > 1 means we are faster).

    OPENBLAS_NUM_THREADS=1 python3 Benchmarks/compare/compare_numpy.py --binary .build/release/infalign
"""
import argparse
import json
import os
import statistics
import subprocess
import time

import numpy as np
from scipy import optimize


def timeit(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def np_calibrate(refs, queries):
    # Sort each prompt's references, then one searchsorted over the flattened rows with a per-row offset so rows
    # do not mix (the "offset trick"); mid-rank = (left + right) / 2.
    b, m = refs.shape
    s = np.sort(refs, axis=1)
    span = (np.abs(s).max() + np.abs(queries).max()) * 2 + 1
    offsets = (np.arange(b) * span)[:, None]
    flat = (s + offsets).ravel()
    q = queries + offsets
    left = np.searchsorted(flat, q, side="left") - (np.arange(b) * m)[:, None]
    right = np.searchsorted(flat, q, side="right") - (np.arange(b) * m)[:, None]
    return (left + right) / (2.0 * m)


def np_logsumexp(x):
    m = x.max(axis=1, keepdims=True)
    return (m + np.log(np.exp(x - m).sum(axis=1, keepdims=True)))[:, 0]


def np_softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def np_ctrl_step(rewards, logp, logr, t=3.0, eps=0.2, clamp=20.0):
    g = rewards.shape[1]
    # Leave-one-out calibration within each group: mid-rank among the other samples.
    less = (rewards[:, None, :] < rewards[:, :, None]).sum(axis=2)
    equal = (rewards[:, None, :] == rewards[:, :, None]).sum(axis=2) - 1
    c = (less + 0.5 * equal) / (g - 1)
    r = np.exp(t * c)
    s = r.sum(axis=1, keepdims=True)
    adv = r - (s - r) / (g - 1)
    rho = logp - logr
    rc = np.clip(rho, -clamp, clamp)
    k3 = np.expm1(-rc) + rc
    ratio = np.ones_like(logp)
    unclipped = ratio * adv
    clipped = np.clip(ratio, 1 - eps, 1 + eps) * adv
    loss = -np.minimum(unclipped, clipped).mean()
    grad = np.where(unclipped <= clipped, -unclipped, 0.0) / adv.size
    return loss, grad, k3, rho


def scipy_optimal(n_best, beta, cells):
    """The best-of-N (vs best-of-N) optimal transform as a competent scipy user would solve it: maximize
    W - beta*KL over a piecewise-constant density on `cells` cells, log-parametrized (softmax), with L-BFGS-B and the
    analytic gradient. W = 1 - int g(F(u)) g_ref'(u) du with F piecewise linear, so Gauss-Legendre with N points per
    cell is exact. Returns (objective, win rate, KL)."""
    x, w = np.polynomial.legendre.leggauss(n_best)
    s, w = (x + 1) / 2, w / 2
    d = 1.0 / cells
    u = (np.arange(cells)[:, None] + s[None, :]) * d
    weighted_gref = n_best * u ** (n_best - 1) * w[None, :] * d

    def evaluate(h):
        e = np.exp(h - h.max())
        p = e / e.sum()
        c = np.concatenate(([0.0], np.cumsum(p)))
        f = c[:-1, None] + (c[1:, None] - c[:-1, None]) * s[None, :]
        win = 1 - (f ** n_best * weighted_gref).sum()
        dg = n_best * f ** (n_best - 1) * weighted_gref
        dc = np.zeros(cells + 1)
        dc[:-1] -= (dg * (1 - s)[None, :]).sum(axis=1)
        dc[1:] -= (dg * s[None, :]).sum(axis=1)
        dw_dp = np.cumsum(dc[::-1])[::-1][1:]
        logp = np.log(np.maximum(p, 1e-300))
        kl = (p * logp).sum() + np.log(cells)
        dj_dp = dw_dp - beta * (logp + 1)
        return win - beta * kl, p * (dj_dp - (p * dj_dp).sum()), win, kl

    res = optimize.minimize(lambda h: tuple(-v for v in evaluate(h)[:2]), np.zeros(cells), jac=True,
                            method="L-BFGS-B", options={"maxiter": 20000, "ftol": 1e-16, "gtol": 1e-12, "maxcor": 20})
    j, _, win, kl = evaluate(res.x)
    return j, win, kl


def run_optimal(binary, grid, n_best, beta):
    out = subprocess.run([binary, "optimal", "--procedure", f"bon:{n_best}", "--beta", str(beta), "--grid", str(grid),
                          "--format", "json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[0])


def compare_optimal(binary, repeats, n_best=4, beta=0.1):
    """Our optimal transform vs the scipy one, timed on the same grid sizes, with each side's error against a
    converged reference (ours on a 16384-point grid): the objective W - beta*KL, the win rate and the KL."""
    exact = run_optimal(binary, 16384, n_best, beta)
    rows = []
    # Equal grids, then equal accuracy. The objective is stationary at the optimum, so its error is second order
    # while the win rate's is first order: scipy on 4096 cells matches ours on 2048 in win-rate error, and scipy
    # on 16384 cells matches ours on 512 in objective error. The errors are printed beside each time.
    for scipy_grid, grid in ((512, 512), (2048, 2048), (4096, 2048), (16384, 512)):
        result = {}
        t_sp = timeit(lambda: result.update(zip(("j", "w", "kl"), scipy_optimal(n_best, beta, scipy_grid))),
                      max(3, repeats // 2) if scipy_grid <= 2048 else 1)
        ours_t = run_ours(binary, ["optimal", "--grid", str(grid), "--procedure", f"bon:{n_best}", "--beta", str(beta),
                                   "--repeats", str(repeats)])["median_s"]
        ours = run_optimal(binary, grid, n_best, beta)
        rows.append({"scipy_grid": scipy_grid, "grid": grid, "scipy_s": t_sp, "ours_s": ours_t, "ratio": t_sp / ours_t,
                     "scipy_err_w": abs(result["w"] - exact["win_rate"]), "ours_err_w": abs(ours["win_rate"] - exact["win_rate"]),
                     "scipy_err_j": abs(result["j"] - exact["objective"]),
                     "ours_err_j": abs(ours["objective"] - exact["objective"])})
    return rows


def run_ours(binary, args, isa=None):
    env = dict(os.environ, INFALIGN_SIMD=isa) if isa else None
    out = subprocess.run([binary, "bench", *args], check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/infalign")
    p.add_argument("--repeats", type=int, default=7)
    p.add_argument("--dtypes", default="double,float")
    p.add_argument("--json", action="store_true", help="print raw rows as JSON lines instead of a table")
    p.add_argument("--skip-optimal", action="store_true", help="skip the optimal-transform comparison with scipy")
    a = p.parse_args()
    rng = np.random.default_rng(1)
    rows = []
    for dtype in a.dtypes.split(","):
        npd = np.float64 if dtype == "double" else np.float32
        cases = []
        refs = rng.standard_normal((1024, 1024)).astype(npd)
        queries = rng.standard_normal((1024, 16)).astype(npd)
        cases.append(("calibrate B=1024 M=1024 K=16", lambda: np_calibrate(refs, queries),
                      ["calibrate", "--prompts", "1024", "--references", "1024", "--queries", "16"]))
        x = rng.standard_normal((4096, 1024)).astype(npd)
        cases.append(("logsumexp 4096x1024", lambda: np_logsumexp(x), ["logsumexp", "--rows", "4096", "--cols", "1024"]))
        cases.append(("softmax 4096x1024", lambda: np_softmax(x), ["softmax", "--rows", "4096", "--cols", "1024"]))
        ga = rng.standard_normal((1024, 1024)).astype(npd)
        gb = rng.standard_normal((1024, 1024)).astype(npd)
        cases.append(("gemm 1024^3", lambda: ga @ gb, ["gemm", "--m", "1024", "--n", "1024", "--k", "1024"]))
        rw = rng.standard_normal((65536, 16)).astype(npd)
        lp = (rng.standard_normal((65536, 16)) - 5).astype(npd)
        lr = (rng.standard_normal((65536, 16)) - 5).astype(npd)
        cases.append(("ctrl-step 65536x16", lambda: np_ctrl_step(rw, lp, lr),
                      ["ctrl-step", "--groups", "65536", "--group-size", "16"]))
        for name, fn, args in cases:
            t_np = timeit(fn, a.repeats)
            ours = run_ours(a.binary, args + ["--dtype", dtype, "--repeats", str(a.repeats)])
            # The same kernel held to the portable Swift SIMD path (SSE2 width), to show what the wide C kernels add.
            base = run_ours(a.binary, args + ["--dtype", dtype, "--repeats", str(a.repeats)], isa="baseline")
            rows.append({"kernel": name, "dtype": dtype, "numpy_s": t_np, "ours_s": ours["median_s"],
                         "ratio": t_np / ours["median_s"], "ours_baseline_s": base["median_s"]})
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    optimal_rows = [] if a.skip_optimal else compare_optimal(a.binary, a.repeats)
    if a.json:
        for r in rows + optimal_rows:
            print(json.dumps(r))
        return
    print(f"OPENBLAS_NUM_THREADS={threads}, numpy {np.__version__}, medians of {a.repeats}")
    print()
    print("| kernel | dtype | numpy (ms) | ours (ms) | numpy / ours | ours, baseline SSE2 path (ms) |")
    print("| --- | --- | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(f"| {r['kernel']} | {r['dtype']} | {r['numpy_s']*1e3:.2f} | {r['ours_s']*1e3:.2f} | {r['ratio']:.2f} "
              f"| {r['ours_baseline_s']*1e3:.2f} |")
    if optimal_rows:
        print()
        print("Optimal transform, bon:4 vs bon:4, beta = 0.1 (double). Errors against ours on a 16384-point grid;")
        print("scipy: L-BFGS-B on a piecewise-constant log-parametrized density with the analytic gradient.")
        print()
        print("| grid scipy | ours | scipy (ms) | ours (ms) | scipy / ours | win-rate error scipy | ours "
              "| objective error scipy | ours |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in optimal_rows:
            print(f"| {r['scipy_grid']} | {r['grid']} | {r['scipy_s']*1e3:.1f} | {r['ours_s']*1e3:.2f} | {r['ratio']:.1f} | "
                  f"{r['scipy_err_w']:.1e} | {r['ours_err_w']:.1e} | {r['scipy_err_j']:.1e} | {r['ours_err_j']:.1e} |")


if __name__ == "__main__":
    main()
