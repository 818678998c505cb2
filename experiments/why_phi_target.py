"""Two checks behind docs/DISTILLATION.md's why-Φ section (issue 24, part 4).

1. **Is the distillation target on its own curve?** For each training prompt, its 256 π_ref samples weighted toward
   π* (leave-one-out u, β for the KL target, exactly as the distillation arms weight them) are compared with the
   unweighted sample by the exact discrete BoN-4 win rate: P(max of 4 weighted draws beats max of 4 uniform draws),
   ties counted half. It is set against the exact calibrated-space curves at the weighted sample's KL.
2. **Where does a trained policy put its mass?** The histogram of u (each policy sample's mid-rank among its
   prompt's 32 fresh π_ref samples, held-out prompts) of a why-Φ study's checkpoints, against the exact tilt's
   density of u for its own transform and for identity at the policy's KL.

    python -m experiments.why_phi_target [--variant run] [--study why_phi_run]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from . import policy  # noqa: E402
from .distill import transform_of  # noqa: E402
from .why_phi import exact_density, held_out_rows, transform_label  # noqa: E402
from .why_phi_variants import VARIANTS  # noqa: E402

BINS = (0.0, 0.5, 0.75, 0.9, 0.97, 1.0 + 1e-9)


def discrete_bon(rewards: np.ndarray, p: np.ndarray, n: int = 4) -> float:
    """Exact P(best of n draws from p beats best of n uniform draws over the same rewards), ties half."""
    values, index = np.unique(rewards, return_inverse=True)
    mass_p = np.bincount(index, weights=p, minlength=len(values))
    mass_q = np.bincount(index, minlength=len(values)) / len(rewards)
    cdf_p, cdf_q = np.cumsum(mass_p), np.cumsum(mass_q)
    below_p, below_q = cdf_p - mass_p, cdf_q - mass_q
    top_p, top_q = cdf_p ** n - below_p ** n, cdf_q ** n - below_q ** n
    return float(np.sum(top_p * below_q ** n) + 0.5 * np.sum(top_p * top_q))


def exact_histogram(transform: str, kl: float) -> np.ndarray:
    """The exact tilt's mass of u in each bin (``why_phi.exact_density``)."""
    u, mass = exact_density(transform, kl)
    return np.histogram(u, bins=BINS, weights=mass)[0]


def policy_histogram(path: str) -> np.ndarray:
    """The share of a held-out file's policy samples whose u (``infalign.calibrate``: the mid-rank among the
    prompt's fresh π_ref samples) falls in each bin."""
    import infalign

    us = np.concatenate([infalign.calibrate(rewards, references) for rewards, references in held_out_rows(path)])
    return np.histogram(us, bins=BINS)[0] / len(us)


def main(argv=None) -> int:
    import infalign
    from infalign.integrations.distill import tilt_columns

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--variant", default="run", choices=sorted(VARIANTS))
    parser.add_argument("--study", default="why_phi_run", help="the why-Φ study whose checkpoints are histogrammed")
    args = parser.parse_args(argv)
    VARIANTS[args.variant]()
    with open(os.path.join(args.results, "reference", "references.json")) as f:
        data = json.load(f)
    completions = [row[:256] for row in data["calibration_completions"]]
    rewards = policy.rewards_of(data["train"], completions)
    lines = [f"## The target ({args.variant} reward, 256 π_ref samples per training prompt)", "",
             "| transform | target KL | weighted sample's KL | its discrete BoN-4 | exact, own Φ | exact, identity | "
             "mean ESS |", "|---|---|---|---|---|---|---|"]
    for kl in (0.5, 1.0):
        for t in ("identity", str(infalign.tune("exp", kl, "bon:4").transform)):
            columns, tilt = tilt_columns(data["train"], completions, rewards.tolist(), None, transform_of(t, kl), kl=kl)
            w = np.asarray(columns["weight"]).reshape(rewards.shape)
            bon = np.mean([discrete_bon(rewards[b], w[b] / w.shape[1]) for b in range(len(w))])
            sample_kl = float(np.mean(tilt.kl))
            lines.append(f"| {transform_label(t)} | {kl:g} | "
                         f"{sample_kl:.3f} | {bon:.3f} | {infalign.analyze(t, 'bon:4', kl=sample_kl).win_rate:.3f} | "
                         f"{infalign.analyze('identity', 'bon:4', kl=sample_kl).win_rate:.3f} | "
                         f"{float(np.mean(tilt.ess)):.1f} |")
    study = os.path.join(args.results, args.study)
    with open(os.path.join(study, "summary.json")) as f:
        records = json.load(f)["records"]
    edges = " | ".join(f"[{a:g}, {min(b, 1.0):g}{']' if b > 1 else ')'}" for a, b in zip(BINS, BINS[1:]))
    lines += ["", f"## Mass of u per bin, trained policies of `{args.study}` (held-out, seed means)", "",
              f"| arm | target KL | steps | held-out KL | which | {edges} |", "|---|---|---|---|---|" + "---|" * 5]
    for key in sorted({(r["arm"], r["target_kl"], r["step"]) for r in records}):
        rs = [r for r in records if (r["arm"], r["target_kl"], r["step"]) == key]
        kl = float(np.mean([r["kl"] for r in rs]))
        rows = {"policy": np.mean([policy_histogram(os.path.join(study, r["file"])) for r in rs], axis=0),
                "exact, own Φ": exact_histogram(rs[0]["transform"], kl),
                "exact, identity": exact_histogram("identity", kl)}
        for which, h in rows.items():
            lines.append(f"| {key[0]} | {key[1]:g} | {key[2]} | {kl:.3f} | {which} | "
                         + " | ".join(f"{v:.3f}" for v in h) + " |")
    out = os.path.join(args.results, "why_phi_target")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
