"""Smoke test of an installed infalign wheel, run by scripts/wheel_test.sh (make wheel-test) in a fresh virtual
environment, from a folder outside the checkout, in a mount namespace where the Swift toolchain is hidden.

It checks where things come from (the package and its library from site-packages, OpenBLAS/LAPACKE/gfortran from
the wheel's own infalign.libs/, no Swift runtime anywhere) and that the library computes: calibrate, analyze, tune,
the optimal transform, ctrl_step at sequence and at token level, and win_rate, against closed forms, numpy
formulas and values the checkout's tests pin against the CLI.

Usage: python -I smoke.py HIDDEN_DIR  (HIDDEN_DIR: the toolchain folder the caller mounted an empty tmpfs over)
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import numpy as np

FAILURES: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("ok    " if condition else "FAIL  ") + what)
    if not condition:
        FAILURES.append(what)


def close(got: float, want: float, what: str, rel: float = 1e-12, abs_: float = 0.0) -> None:
    check(math.isclose(got, want, rel_tol=rel, abs_tol=abs_), f"{what}: {got!r} (want {want!r})")


def isolation(hidden: Path) -> None:
    for name in ("INFALIGN_LIBRARY", "INFALIGN_CLI", "PYTHONPATH"):
        check(name not in os.environ, f"{name} is not set")
    check(hidden.is_dir() and not any(hidden.iterdir()), f"{hidden} (the Swift toolchain) is hidden: empty")
    check(shutil.which("swift") is None, "no swift on PATH")


def provenance(hidden: Path) -> None:
    import infalign

    site = Path(sysconfig.get_paths()["platlib"]).resolve()
    package = Path(infalign.__file__).resolve()
    check(package.is_relative_to(site), f"infalign imported from site-packages ({package})")
    library = Path(infalign.library_path).resolve()
    check(library == site / "infalign" / library.name, f"libInfAlignC loaded from the package ({library})")
    check(infalign.__version__ == infalign._native.library_version,
          f"package {infalign.__version__} == library {infalign._native.library_version}")

    maps = Path("/proc/self/maps").read_text().splitlines()
    mapped = sorted({Path(line.split(None, 5)[5]) for line in maps if len(line.split(None, 5)) == 6
                     and line.split(None, 5)[5].startswith("/")})
    libs = site / "infalign.libs"
    ours = [p for p in mapped if p.parent == libs]
    print("mapped from infalign.libs: " + ", ".join(p.name for p in ours))
    for stem in ("libopenblas", "liblapacke", "libgfortran"):
        check(any(p.name.startswith(stem) for p in ours), f"{stem} mapped from {libs}")
    system = [str(p) for p in mapped if not p.is_relative_to(site)
              and any(k in p.name for k in ("blas", "lapack", "gfortran", "quadmath", "tmglib"))]
    check(not system, f"no BLAS/LAPACK/Fortran library mapped from outside site-packages {system}")
    swift = [str(p) for p in mapped if "swift" in p.name.lower() or p.is_relative_to(hidden)]
    check(not swift, f"no Swift runtime mapped {swift}")


def computations() -> None:
    import infalign

    # calibrate: mid-ranks against the references, the smoothed form and leave-one-out (test_calibration.py).
    refs = np.array([[1, 2, 3], [10, 20, 30]], dtype=np.float64)
    rewards = np.array([[2, 5], [10, 35]], dtype=np.float64)
    u = infalign.calibrate(rewards, refs)
    check(np.array_equal(u, [[1.5 / 3, 1.0], [0.5 / 3, 1.0]]), f"calibrate mid-ranks {u.tolist()}")
    smooth = infalign.calibrate(rewards.astype(np.float32), refs.astype(np.float32), smoothing=True)
    check(smooth.dtype == np.float32 and np.array_equal(smooth, np.array([[2 / 4, 3.5 / 4], [1 / 4, 3.5 / 4]],
                                                                          dtype=np.float32)),
          f"calibrate float32 smoothed {smooth.tolist()}")
    check(np.array_equal(infalign.calibrate(refs, leave_one_out=True), [[0, 0.5, 1], [0, 0.5, 1]]),
          "calibrate leave-one-out")

    # analyze: identity transform, standard sampling, beta = 1: log Z = log(e - 1), win rate 1/(e - 1).
    point = infalign.analyze("identity", "standard", beta=1.0)
    close(point.log_z, math.log(math.e - 1), "analyze log_z", abs_=1e-12)
    close(point.standard_win_rate, 1 / (math.e - 1), "analyze standard win rate", abs_=1e-12)
    close(infalign.beta_for_kl("identity", point.kl), 1.0, "beta_for_kl inverts analyze", abs_=1e-8)

    # tune: exp:t for best-of-4 at KL 0.5. Its point is the analysis of the tuned transform, and the value is the
    # one `infalign tuning-table --n 4 --kl 0.5` prints (test_analysis.py compares the two to the last bit).
    tuned = infalign.tune("exp", 0.5, "bon:4")
    close(tuned.parameter, 12.633825062355582, "tune exp for bon:4 at KL 0.5", rel=1e-9)
    close(tuned.point.kl, 0.5, "tuned KL on budget", rel=1e-9)
    again = infalign.analyze(str(tuned.transform), "bon:4", beta=tuned.point.beta)
    close(again.win_rate, tuned.point.win_rate, "tuned point = analyze at its beta", rel=1e-12)
    close(tuned.point.win_rate, 0.87270888811699, "tuned bon:4 win rate", rel=1e-9)

    # The optimal transform (LAPACK underneath): no transform beats it at its own beta.
    best = infalign.optimal_transform("bon:4", beta=0.1, grid=128)
    rival = infalign.analyze("exp:3", "bon:4", beta=0.1)
    check(best.objective >= rival.win_rate - 0.1 * rival.kl - 1e-9,
          f"optimal objective {best.objective:.6f} >= exp:3's {rival.win_rate - 0.1 * rival.kl:.6f}")
    close(best.objective, best.win_rate - 0.1 * best.kl, "objective = W - beta KL", rel=1e-9)

    # ctrl_step, sequence level: group calibration then exp:1 with the group-mean baseline (test_ctrl.py).
    seq = np.array([[1, 2, 3]], dtype=np.float64)
    zeros = np.zeros_like(seq)
    step = infalign.ctrl_step(seq, zeros, zeros, transform="exp:1", advantage="group-mean")
    phi = np.exp([0.0, 0.5, 1.0])
    check(np.array_equal(step.calibrated, [[0, 0.5, 1]]), f"ctrl_step group calibration {step.calibrated.tolist()}")
    check(np.allclose(step.advantages[0], phi - phi.mean(), rtol=1e-12, atol=1e-15),
          f"ctrl_step advantages exp(u) - mean {step.advantages.tolist()}")
    check(bool(step.valid.all()) and step.summary.masked_count == 0, "ctrl_step all samples valid")
    # ... and against references: the calibrated column is calibrate()'s.
    rng = np.random.default_rng(0)
    r = rng.normal(size=(6, 8))
    lp = rng.normal(-2, 0.3, size=(6, 8))
    references = rng.normal(size=(6, 32))
    step = infalign.ctrl_step(r, lp, lp - 0.05, references=references, transform="exp:2", kl_coefficient=0.1)
    check(np.array_equal(step.calibrated, infalign.calibrate(r, references)), "ctrl_step calibrated = calibrate")
    check(bool(np.isfinite(step.loss_gradient).all()) and math.isfinite(step.summary.loss), "ctrl_step finite")

    # ctrl_step, token level: verl's CISPO policy loss (test_ctrl_conventions.py's numpy port), float64 to 1e-12.
    groups, size, tokens = 4, 4, 6
    rng = np.random.default_rng(3)
    r = rng.normal(size=(groups, size))
    r[1] = 2.0
    lp = rng.normal(-2, 0.3, size=(groups, size, tokens))
    old = lp + rng.normal(0, 0.4, size=lp.shape)
    lengths = rng.integers(0, tokens + 1, size=(groups, size))
    mask = np.arange(tokens)[None, None, :] < lengths[:, :, None]
    low, high = 0.2, 0.28
    step = infalign.ctrl_step(r, lp, lp - 0.1, old, mask=mask, preset="verl-grpo", policy_loss="cispo",
                              dual_clip=None, kl_loss=None, clip_low=low, clip_high=high)
    weight = np.clip(np.exp(np.clip(lp - old, -20, 20)), 1 - low, 1 + high)
    a = step.advantages[..., None]
    loss = (-weight * a * lp * mask).sum() / mask.sum()
    close(step.summary.policy_loss, float(loss), "token-level CISPO policy loss", rel=1e-12, abs_=1e-12)
    check(np.allclose(step.loss_gradient, -weight * a * mask / mask.sum(), rtol=1e-12, atol=1e-15),
          "token-level CISPO gradient")
    check(np.allclose(step.advantages[1], 0.0), "zero-variance group has zero advantages")

    # win_rate: the standard win rate is the mean over pairs of [p > r] + [p = r]/2, averaged over prompts.
    dense = infalign.win_rates(np.array([[1, 3], [5, 5]], dtype=np.float64), np.array([[2, 2], [5, 5]], dtype=np.float64),
                               "bon:2")
    check(np.array_equal(dense, [1.0, 0.5]), f"win_rates bon:2 closed form {dense.tolist()}")
    rng = np.random.default_rng(5)
    prompts = [(rng.normal(size=int(rng.integers(4, 20))).round(1), rng.normal(0.3, size=int(rng.integers(4, 20))).round(1))
               for _ in range(40)]
    policy = np.concatenate([p for _, p in prompts])
    reference = np.concatenate([q for q, _ in prompts])
    po = np.cumsum([0] + [len(p) for _, p in prompts])
    ro = np.cumsum([0] + [len(q) for q, _ in prompts])
    result = infalign.win_rate(policy, reference, "standard", policy_offsets=po, reference_offsets=ro,
                               resamples=500, seed=9)
    brute = np.array([((p[:, None] > q[None, :]) + 0.5 * (p[:, None] == q[None, :])).mean() for q, p in prompts])
    check(np.allclose(result.per_prompt, brute, rtol=0, atol=1e-15), "win_rate per prompt = pairwise brute force")
    close(result.estimate, float(brute.mean()), "win_rate estimate", rel=1e-14)
    check(result.lower <= result.estimate <= result.upper and result.upper - result.lower < 0.3,
          f"win_rate bootstrap interval [{result.lower:.4f}, {result.upper:.4f}]")


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    hidden = Path(sys.argv[1])
    isolation(hidden)
    provenance(hidden)
    computations()
    if FAILURES:
        print(f"wheel smoke: {len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("wheel smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
