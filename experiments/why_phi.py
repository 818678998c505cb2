"""Why did Φ not move the distilled policies toward their own exact tilt? (issue 24, part 4.)

Distillation arms (identity, and `exp:t` tuned for bon:4) trained on π_ref samples re-scored by a reward variant
(``experiments/why_phi_variants.py``: ``noiseless``, ``tie-free`` or the non-additive ``run``), evaluated on the
held-out prompts and on a quarter of the training prompts under the same reward, against the exact calibrated-space
curves of their transforms. ``--steps`` keeps several checkpoints of one run (more steps); ``--width``/``--layers``
train a larger π_ref first (capacity), with its own samples, under ``OUT/reference``. ``--rounds 2`` adds a second,
iterated round (coverage): 256 samples per training prompt from the round-1 policy, reweighted toward the same π* by
``iterated_tilt_weights`` (importance ratios to π_ref, u against π_ref's samples), and as many steps again.
``--samples 1024`` weights 1024 π_ref samples per training prompt instead of 256 (coverage: four times the ESS).

    python -m experiments.why_phi --variant run [--steps 200,800] [--width 256 --layers 4] [--targets 0.5,1]

Needs the π_ref and samples of a finished ``make experiment`` (``results/reference``) unless a size is given.
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

from .why_phi_variants import VARIANTS, dependence, run_length  # noqa: E402

TRAIN_FIT_STRIDE = 4  # every 4th training prompt is also evaluated (fit, against the tilt the model was given)


def _samples(reference, tokenizer, prompts, n, seed, rewards_of):
    from . import policy

    grouped, _, _ = policy.sample(reference, tokenizer, prompts, n, seed=seed)
    return grouped, rewards_of(prompts, grouped)


def run(job: dict) -> list[dict]:
    """One distillation run; one record per kept checkpoint."""
    import torch
    from infalign.integrations.distill import tilt_columns
    from transformers import AutoModelForCausalLM

    from . import distill, evaluate, policy, task

    torch.set_num_threads(1)
    VARIANTS[job["variant"]]()
    cfg = job["config"]
    ref_dir = job["reference_dir"]
    with open(os.path.join(ref_dir, "references.json")) as f:
        data = json.load(f)
    data["calibration_completions"] = [row[:cfg.distill_samples] for row in data["calibration_completions"]]
    data["calibration_references"] = policy.rewards_of(data["train"], data["calibration_completions"]).tolist()
    tokenizer = task.build_tokenizer()
    reference = AutoModelForCausalLM.from_pretrained(ref_dir)
    _, fresh = _samples(reference, tokenizer, data["held_out"], 32, 2002, policy.rewards_of)
    fit_prompts = tuple(data["train"][::TRAIN_FIT_STRIDE])
    _, fit_fresh = _samples(reference, tokenizer, fit_prompts, 32, 3003, policy.rewards_of)
    # The tilt the model is given, and how dependent its positions are (the same weights distill() trains on).
    columns, _ = tilt_columns(data["train"], data["calibration_completions"], data["calibration_references"], None,
                              distill.transform_of(job["transform"], job["target_kl"]), kl=job["target_kl"])
    k = cfg.distill_samples
    weights = np.asarray(columns["weight"]).reshape(len(data["train"]), k)
    target_dependence = dependence(data["train"], data["calibration_completions"], weights)
    reference_dependence = dependence(data["train"], data["calibration_completions"])
    steps = job["steps"]
    kept, seconds, diag = distill.distill(job, data, ref_dir, steps)
    held = evaluate.Evaluator(reference, tokenizer, tuple(data["held_out"]), fresh, tuple(data["train"][::4]), 32, 16)
    fit = evaluate.Evaluator(reference, tokenizer, fit_prompts, fit_fresh, fit_prompts[:2], 32, 4)
    os.makedirs(job["out"], exist_ok=True)
    if job["rounds"] == 2:
        model = AutoModelForCausalLM.from_pretrained(ref_dir)
        model.load_state_dict(kept[max(steps)])
        more, extra, diag["round2"] = second_round(job, data, model, reference, tokenizer)
        kept.update({max(steps) + s: state for s, state in more.items()})
        seconds += extra
        steps = steps + tuple(max(steps) + s for s in sorted(more))
    records = []
    for step in steps:
        model = AutoModelForCausalLM.from_pretrained(ref_dir)
        model.load_state_dict(kept[step])
        name = f"{job['arm']}-kl{job['target_kl']:g}-seed{job['seed']}-step{step}"
        grouped: list = []
        record = held.evaluate(model, seed=10_000 * job["seed"], path=os.path.join(job["out"], name + ".jsonl"),
                               samples=grouped)
        on_train = fit.evaluate(model, seed=20_000 * job["seed"], path=os.path.join(job["out"], name + "-train.jsonl"))
        record.update({key: job[key] for key in ("arm", "transform", "target_kl", "seed", "variant")}, step=step,
                      train_seconds=seconds * step / max(steps), **diag)
        record.update(fit_kl=on_train["kl"], fit_win_rates=on_train["win_rates"],
                      dependence=dependence(data["held_out"], grouped), target_dependence=target_dependence,
                      reference_dependence=reference_dependence,
                      mean_run=float(np.mean([run_length(p, c) for p, row in zip(data["held_out"], grouped)
                                              for c in row])))
        record["file"] = os.path.relpath(record["file"], job["out"])
        records.append(record)
    return records


def second_round(job, data, model, reference, tokenizer):
    """The iterated round: samples from the round-1 ``model``, weights toward the same π* (same Φ, same β from the
    same KL target) with importance ratios, and fits ``model`` further. Returns ``({step: state}, seconds, diag)``."""
    import torch
    from infalign.integrations.distill import iterated_tilt_weights

    from . import distill, policy

    cfg = job["config"]
    k = cfg.distill_samples
    model.eval()
    grouped, inputs, completion = policy.sample(model, tokenizer, data["train"], k, seed=4004 + job["seed"])
    shape = (len(data["train"]), k)
    policy_logps = policy.sequence_logprobs(model, inputs, completion, tokenizer).reshape(shape)
    reference_logps = policy.sequence_logprobs(reference, inputs, completion, tokenizer).reshape(shape)
    tilt = iterated_tilt_weights(policy.rewards_of(data["train"], grouped), policy_logps, reference_logps,
                                 np.asarray(data["calibration_references"]),
                                 distill.transform_of(job["transform"], job["target_kl"]), kl=job["target_kl"],
                                 min_ess=0.02, on_low_ess="ignore")
    prompts = [p for p in data["train"] for _ in range(k)]
    torch.manual_seed(100 + job["seed"])
    kept, seconds = distill.fit(model, tokenizer, prompts, [c for row in grouped for c in row],
                                np.asarray(tilt.weights).reshape(-1), steps=max(job["steps"]),
                                batch=cfg.distill_batch, lr=cfg.distill_lr, seed=100 + job["seed"])
    ess = np.asarray(tilt.ess)
    return kept, seconds, {"ess": float(ess.mean()), "low_ess_prompts": int(np.sum(np.asarray(tilt.low_ess)))}


def transform_label(transform: str) -> str:
    """A table's name for a transform: ``identity``, or ``exp:t`` with t to two decimals."""
    return transform if transform == "identity" else f"exp:{float(transform.split(':')[1]):.2f}"


def held_out_rows(path: str):
    """The (policy rewards, fresh π_ref rewards) of each prompt of a held-out JSONL file, as float64 arrays."""
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            yield np.asarray(row["rewards"], dtype=np.float64), np.asarray(row["reference_rewards"], dtype=np.float64)


def top_mass(path: str) -> float:
    """The fraction of policy samples that beat every fresh π_ref sample of their prompt (32 each), from a held-out
    JSONL file; ties with the best reference count half."""
    beats = []
    for rewards, references in held_out_rows(path):
        best = references.max()
        beats += [1.0 if x > best else 0.5 if x == best else 0.0 for x in rewards]
    return float(np.mean(beats))


def exact_density(transform: str, kl: float, grid: int = 20_000):
    """The exact tilt at that KL on a fine grid of u: ``(u, mass)`` with the masses summing to 1, from
    ``tilt_weights`` leave-one-out over ``grid`` distinct rewards (which puts u on k/(grid − 1)). Its KL and moments
    differ from the continuous tilt's by O(1/grid) (docs/MATH.md §8): 5e-5 in KL at KL 1 with the default grid."""
    import infalign

    tilt = infalign.tilt_weights(np.arange(grid, dtype=np.float64)[None, :], None, transform, kl=kl)
    return np.asarray(tilt.calibrated)[0], np.asarray(tilt.weights)[0] / grid


def exact_top_mass(transform: str, kl: float, m: int = 32) -> float:
    """The same under the exact tilt at that KL: E_f[u^m] = ∫ f(u)·u^m du (``exact_density``)."""
    u, mass = exact_density(transform, kl)
    return float(np.sum(mass * u ** m))


def _mean(rs, key, sub=None):
    return float(np.mean([r[key] if sub is None else r[key][sub[0]][sub[1]] for r in rs]))


def report(records, out: str) -> str:
    """The study's table: per arm, KL target and checkpoint, the held-out KL and BoN-4 (seed means, the interval
    the seeds' mean bounds), the exact tilt of the same transform and of identity at that KL, each seed's distance
    to both curves at its own KL (then averaged: the curves bend, so this is not the distance of the means), the
    same on the training prompts the model was fitted on, and the dependence index of the policy against its
    target's."""
    import infalign

    def curve(t, kl):
        return infalign.analyze(t, "bon:4", kl=kl).win_rate

    rows = ["| arm | transform | target KL | steps | held-out KL | BoN-4 | exact, own Φ | exact, identity | "
            "− own curve | − identity curve | beats all 32 refs: policy / exact own / exact identity | fit prompts: KL, BoN-4 − own, − identity | dependence: policy / "
            "target / π_ref | risky | q | run L |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    keys = sorted({(r["target_kl"], r["arm"], r["step"]) for r in records})
    for target, arm, step in keys:
        rs = [r for r in records if (r["target_kl"], r["arm"], r["step"]) == (target, arm, step)]
        t = rs[0]["transform"]
        kl, fit_kl = _mean(rs, "kl"), _mean(rs, "fit_kl")
        bon = [_mean(rs, "win_rates", ("bon:4", b)) for b in ("estimate", "lower", "upper")]
        own = np.mean([r["win_rates"]["bon:4"]["estimate"] - curve(t, r["kl"]) for r in rs])
        ident = np.mean([r["win_rates"]["bon:4"]["estimate"] - curve("identity", r["kl"]) for r in rs])
        fit_own = np.mean([r["fit_win_rates"]["bon:4"]["estimate"] - curve(t, r["fit_kl"]) for r in rs])
        fit_ident = np.mean([r["fit_win_rates"]["bon:4"]["estimate"] - curve("identity", r["fit_kl"]) for r in rs])
        label = transform_label(t)
        top = np.mean([top_mass(os.path.join(out, r["file"])) for r in rs])
        rows.append(f"| {arm} | {label} | {target:g} | {step} | {kl:.3f} | {bon[0]:.3f} [{bon[1]:.3f}, {bon[2]:.3f}] "
                    f"| {curve(t, kl):.3f} | {curve('identity', kl):.3f} | {own:+.3f} | {ident:+.3f} | "
                    f"{top:.3f} / {exact_top_mass(t, kl):.3f} / {exact_top_mass('identity', kl):.3f} | "
                    f"{fit_kl:.3f}, {fit_own:+.3f}, {fit_ident:+.3f} | "
                    f"{_mean(rs, 'dependence'):.3f} / {_mean(rs, 'target_dependence'):.3f} / "
                    f"{_mean(rs, 'reference_dependence'):.3f} | {_mean(rs, 'risky_fraction'):.2f} | "
                    f"{_mean(rs, 'mean_quality'):.2f} | {_mean(rs, 'mean_run'):.2f} |")
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"records": records}, f, indent=1)
    text = "\n".join(rows) + "\n"
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write(text)
    return text


def main(argv=None) -> int:
    import infalign

    from .config import FULL

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--out", default=None)
    parser.add_argument("--variant", choices=sorted(VARIANTS), default="noiseless")
    parser.add_argument("--steps", default="200", help="checkpoints kept, comma-separated (the run has the largest)")
    parser.add_argument("--targets", default="0.5,1", help="KL targets, comma-separated")
    parser.add_argument("--seeds", default="1,2")
    parser.add_argument("--width", type=int, default=FULL.model_width)
    parser.add_argument("--layers", type=int, default=FULL.model_layers)
    parser.add_argument("--rounds", type=int, choices=(1, 2), default=1)
    parser.add_argument("--samples", type=int, default=FULL.distill_samples,
                        help="π_ref samples per training prompt that are weighted (coverage; at most 1024)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--report-only", action="store_true", help="rewrite OUT/report.md from OUT/summary.json")
    args = parser.parse_args(argv)
    sized = (args.width, args.layers) != (FULL.model_width, FULL.model_layers)
    out = args.out or os.path.join(args.results, "why_phi" if args.variant == "noiseless" else f"why_phi_{args.variant}")
    if sized and args.out is None:
        out += f"_{args.width}x{args.layers}"
    if args.rounds == 2 and args.out is None:
        out += "_iterated"
    if args.samples != FULL.distill_samples and args.out is None:
        out += f"_k{args.samples}"
    if args.report_only:
        with open(os.path.join(out, "summary.json")) as f:
            print(report(json.load(f)["records"], out))
        return 0
    cfg = dataclasses.replace(FULL, model_width=args.width, model_layers=args.layers, studies=(),
                              distill_samples=args.samples)
    ref_dir = os.path.join(args.results, "reference")
    if sized:
        ref_dir = os.path.join(out, "reference")
        if not os.path.exists(os.path.join(ref_dir, "references.json")):
            from .run import prepare

            prepare(cfg, out)  # trains the larger π_ref and samples its references into OUT/reference
    steps = tuple(int(s) for s in args.steps.split(","))
    jobs = []
    for k in (float(t) for t in args.targets.split(",")):
        for arm, transform in (("distill-identity", "identity"),
                               ("distill-bon", str(infalign.tune("exp", k, "bon:4").transform))):
            for seed in (int(s) for s in args.seeds.split(",")):
                jobs.append({"config": cfg, "reference_dir": ref_dir, "out": out, "arm": arm, "transform": transform,
                             "target_kl": k, "seed": seed, "variant": args.variant, "steps": steps,
                             "rounds": args.rounds})
    os.makedirs(out, exist_ok=True)
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        records = [r for rs in pool.map(run, jobs) for r in rs]
    print(report(records, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
