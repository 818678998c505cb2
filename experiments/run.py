"""The experiment end to end: π_ref by SFT, calibration references, tuned transforms, every (setting, arm, KL
target, seed) run trained with TRL's GRPOTrainer and evaluated per checkpoint, then ``summary.json``.

    python -m experiments.run [--smoke] [--results DIR] [--jobs 2]

Runs are independent one-thread processes (``--jobs`` at a time). See experiments/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing as mp
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from . import task  # noqa: E402
from .config import FULL, SMOKE, Config, jobs_of  # noqa: E402


def prepare(cfg: Config, results: str) -> dict:
    """Trains π_ref, samples the calibration references (training prompts) and the fresh evaluation references
    (held-out prompts), and saves them under ``results/reference``."""
    import torch

    from . import policy

    torch.set_num_threads(1)
    split = task.prompt_split(cfg.train_per_family, cfg.held_out_per_family)
    tokenizer = task.build_tokenizer()
    start = time.perf_counter()
    model, loss = policy.train_reference(tokenizer, seed=cfg.reference_seed, steps=cfg.sft_steps, batch=cfg.sft_batch,
                                         corpus_size=cfg.sft_corpus, prompts=list(split.train),
                                         width=cfg.model_width, layers=cfg.model_layers)
    sft_seconds = time.perf_counter() - start
    ref_dir = os.path.join(results, "reference")
    model.save_pretrained(ref_dir)
    tokenizer.save_pretrained(ref_dir)
    most = max([cfg.calibration_references] + [s[2] for s in cfg.studies])
    grouped, _, _ = policy.sample(model, tokenizer, split.train, most, seed=1001)
    calibration = policy.rewards_of(split.train, grouped)
    calibration_completions = grouped
    grouped, _, _ = policy.sample(model, tokenizer, split.held_out, cfg.evaluation_references, seed=2002)
    evaluation = policy.rewards_of(split.held_out, grouped)
    data = {"train": list(split.train), "held_out": list(split.held_out), "sft_loss": loss,
            "sft_seconds": sft_seconds, "calibration_references": calibration.tolist(),
            "calibration_completions": calibration_completions,
            "evaluation_references": evaluation.tolist(),
            "reference_risky_fraction": float(np.mean([task.is_risky(c) for row in grouped for c in row]))}
    with open(os.path.join(ref_dir, "references.json"), "w") as f:
        json.dump(data, f)
    return data


def run_job(job: dict) -> list[dict]:
    """One run in its own process: train, then evaluate every kept checkpoint."""
    import torch

    from . import evaluate, train
    from transformers import AutoModelForCausalLM

    torch.set_num_threads(1)
    cfg: Config = job["config"]
    results = job["results"]
    ref_dir = os.path.join(results, "reference")
    with open(os.path.join(ref_dir, "references.json")) as f:
        data = json.load(f)
    # The first `references` samples per prompt (a study may use more than the main arms' count).
    references = {p: np.asarray(r[:job["references"]]) for p, r in zip(data["train"], data["calibration_references"])}
    extra: dict = {}
    if job["arm"].startswith("distill"):
        from . import distill

        checkpoints = list(range(cfg.distill_checkpoint_every, cfg.distill_steps + 1, cfg.distill_checkpoint_every))
        kept, seconds, extra = distill.distill(job, data, ref_dir, checkpoints)
    else:
        arm = train.Arm(job["arm"], job["transform"], job["scale_rewards"])
        checkpoints = list(range(cfg.checkpoint_every, cfg.steps + 1, cfg.checkpoint_every))
        kept, seconds, log = train.train(arm, reference_dir=ref_dir, train_prompts=data["train"],
                                         references=references, seed=job["seed"], steps=cfg.steps,
                                         checkpoint_steps=checkpoints, lr=cfg.learning_rate, batch=cfg.batch,
                                         generations=cfg.generations,
                                         work_dir=os.path.join(results, "work", job["name"]))
        zero_std = [e["frac_reward_zero_std"] for e in log if "frac_reward_zero_std" in e]
        extra["frac_reward_zero_std"] = float(np.mean(zero_std)) if zero_std else None
    tokenizer = task.build_tokenizer()
    reference = AutoModelForCausalLM.from_pretrained(ref_dir)
    evaluator = evaluate.Evaluator(reference, tokenizer, tuple(data["held_out"]),
                                   np.asarray(data["evaluation_references"]), tuple(data["train"][::cfg.train_kl_stride]),
                                   cfg.policy_samples, cfg.train_kl_samples)
    out_dir = os.path.join(results, job["name"])
    os.makedirs(out_dir, exist_ok=True)
    records = []
    start = time.perf_counter()
    for step in checkpoints:
        model = AutoModelForCausalLM.from_pretrained(ref_dir)
        model.load_state_dict(kept[step])
        path = os.path.join(out_dir, f"step{step:04d}.jsonl")
        record = evaluator.evaluate(model, seed=10_000 * job["seed"] + step, path=path)
        record["file"] = os.path.relpath(path, results)
        record.update({k: job[k] for k in ("setting", "arm", "transform", "target_kl", "seed", "scale_rewards",
                                           "references")}, step=step)
        records.append(record)
    for r in records:
        r["train_seconds"] = seconds
        r.update(extra)
        r["evaluate_seconds"] = (time.perf_counter() - start) / len(records)
    return records


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--smoke", action="store_true", help="the tiny configuration (minutes)")
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="", help="comma-separated run-name prefixes to keep (e.g. group/raw)")
    parser.add_argument("--seeds", default="", help="comma-separated seeds instead of the configuration's")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    cfg = SMOKE if args.smoke else FULL
    if args.seeds:
        cfg = dataclasses.replace(cfg, seeds=tuple(int(s) for s in args.seeds.split(",")))
    os.makedirs(args.results, exist_ok=True)
    start = time.perf_counter()
    data = prepare(cfg, args.results)
    print(f"π_ref: SFT loss {data['sft_loss']:.3f} in {data['sft_seconds']:.0f} s", flush=True)
    jobs = jobs_of(cfg, args.results)
    if args.only:
        jobs = [j for j in jobs if any(j["name"].startswith(p) for p in args.only.split(","))]
    records: list[dict] = []
    with mp.get_context("spawn").Pool(args.jobs) as pool:
        for i, rs in enumerate(pool.imap_unordered(run_job, jobs), 1):
            records += rs
            r = rs[-1]
            print(f"[{i}/{len(jobs)}] {r['setting']}/{r['arm']} target {r['target_kl']} seed {r['seed']}: "
                  f"train {r['train_seconds']:.0f} s, last KL {r['kl']:.2f}, BoN-4 "
                  f"{r['win_rates']['bon:4']['estimate']:.3f}", flush=True)
    records.sort(key=lambda r: (r["setting"], r["arm"], r["target_kl"] or 0, r["seed"], r["step"]))
    wall = time.perf_counter() - start
    summary = {"config": cfg.describe(), "jobs": args.jobs, "wall_seconds": wall, "sft_seconds": data["sft_seconds"],
               "sft_loss": data["sft_loss"], "reference_risky_fraction": data["reference_risky_fraction"],
               "transforms": {j["name"]: j["transform"] for j in jobs}, "runs": len(jobs),
               "train_seconds_total": sum({r["file"].rsplit("/", 1)[0]: r["train_seconds"] for r in records}.values()),
               "checkpoints": records}
    with open(os.path.join(args.results, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(f"done: {len(jobs)} runs, {len(records)} checkpoints in {wall / 60:.1f} min", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
