"""Why did Φ not move the distilled policies toward their own exact tilt? Two candidates tested (issue 24, part 4).
``--variant noiseless``, *tilt mass on unlearnable noise*: the same π_ref and the same samples are re-scored with the
task's noise term h set to 0, so that every reward difference is learnable (the opening and the target-letter count),
but rewards take few distinct values (ties). ``--variant tie-free``, *ties*: h is replaced by a learnable term that
makes almost every reward distinct. Distillation
arms (identity and `exp:t` tuned for bon:4) then run at KL 0.5 and 1 and are evaluated on the held-out prompts under
the same noiseless reward, against the exact calibrated-space curves of their transforms.

    python -m experiments.why_phi [--results experiments/results] [--out experiments/results/why_phi]

Needs the π_ref and samples of a finished ``make experiment`` (``results/reference``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing as mp
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

TARGETS = (0.5, 1.0)
SEEDS = (1, 2)


def noiseless():
    """Turns the task's hashed noise off in this process (h = 0 for every completion)."""
    from . import task

    task.noise = lambda prompt, completion: 0.0


def learnable_term(prompt: str, completion: str) -> float:
    """A learnable, nearly tie-free stand-in for h: a fixed value per (character, position) summed over the
    completion and scaled to unit variance (a model that sees positions can learn it; distinct completions almost
    never tie)."""
    total = 0.0
    for i, c in enumerate(completion[1:12], start=1):
        total += 2.0 * ((ord(c) * 0.6180339887 + i * 0.4142135624) % 1.0) - 1.0
    return total / (11.0 / 3.0) ** 0.5


def tie_free():
    """Replaces the hashed noise by ``learnable_term`` in this process: every reward difference is learnable and u
    has no ties."""
    from . import task

    task.noise = learnable_term


VARIANTS = {"noiseless": noiseless, "tie-free": tie_free}


def run(job: dict) -> dict:
    import torch
    from transformers import AutoModelForCausalLM

    from . import distill, evaluate, policy, task

    torch.set_num_threads(1)
    VARIANTS[job["variant"]]()
    ref_dir = os.path.join(job["results"], "reference")
    with open(os.path.join(ref_dir, "references.json")) as f:
        data = json.load(f)
    data["calibration_references"] = policy.rewards_of(data["train"], data["calibration_completions"]).tolist()
    tokenizer = task.build_tokenizer()
    reference = AutoModelForCausalLM.from_pretrained(ref_dir)
    grouped, _, _ = policy.sample(reference, tokenizer, data["held_out"], 32, seed=2002)
    fresh = policy.rewards_of(data["held_out"], grouped)
    kept, seconds, diag = distill.distill(job, data, ref_dir, [job["config"].distill_steps])
    model = AutoModelForCausalLM.from_pretrained(ref_dir)
    model.load_state_dict(kept[job["config"].distill_steps])
    evaluator = evaluate.Evaluator(reference, tokenizer, tuple(data["held_out"]), fresh,
                                   tuple(data["train"][::4]), 32, 16)
    os.makedirs(job["out"], exist_ok=True)
    path = os.path.join(job["out"], f"{job['arm']}-kl{job['target_kl']:g}-seed{job['seed']}.jsonl")
    record = evaluator.evaluate(model, seed=10_000 * job["seed"], path=path)
    record.update({k: job[k] for k in ("arm", "transform", "target_kl", "seed")}, train_seconds=seconds, **diag)
    record["file"] = os.path.relpath(path, job["results"])
    return record


def main(argv=None) -> int:
    import infalign

    from .config import FULL

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="noiseless",
                        help="noiseless: h = 0; tie-free: h replaced by a learnable, nearly tie-free term")
    args = parser.parse_args(argv)
    out = args.out or os.path.join(args.results, "why_phi" if args.variant == "noiseless" else f"why_phi_{args.variant}")
    cfg = dataclasses.replace(FULL)
    jobs = []
    for k in TARGETS:
        for arm, transform in (("distill-identity", "identity"),
                               ("distill-bon", str(infalign.tune("exp", k, "bon:4").transform))):
            for seed in SEEDS:
                jobs.append({"config": cfg, "results": args.results, "out": out, "arm": arm, "transform": transform,
                             "target_kl": k, "seed": seed, "variant": args.variant})
    with mp.get_context("spawn").Pool(2) as pool:
        records = pool.map(run, jobs)
    rows = ["| arm | transform | target KL | held-out KL | BoN-4 | exact tilt (same transform, same KL) | exact "
            "identity at that KL | risky opening | q |", "|---|---|---|---|---|---|---|---|---|"]
    for k in TARGETS:
        for arm in ("distill-identity", "distill-bon"):
            rs = [r for r in records if r["arm"] == arm and r["target_kl"] == k]
            kl = float(np.mean([r["kl"] for r in rs]))
            bon = float(np.mean([r["win_rates"]["bon:4"]["estimate"] for r in rs]))
            lo = float(np.mean([r["win_rates"]["bon:4"]["lower"] for r in rs]))
            hi = float(np.mean([r["win_rates"]["bon:4"]["upper"] for r in rs]))
            exact = infalign.analyze(rs[0]["transform"], "bon:4", kl=kl).win_rate
            ident = infalign.analyze("identity", "bon:4", kl=kl).win_rate
            t = rs[0]["transform"]
            t = t if t == "identity" else f"exp:{float(t.split(':')[1]):.2f}"
            rows.append(f"| {arm} | {t} | {k:g} | {kl:.3f} | {bon:.3f} [{lo:.3f}, {hi:.3f}] | {exact:.3f} | "
                        f"{ident:.3f} | {np.mean([r['risky_fraction'] for r in rs]):.2f} | "
                        f"{np.mean([r['mean_quality'] for r in rs]):.2f} |")
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"records": records}, f, indent=1)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
