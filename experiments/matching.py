"""Matched-KL comparisons from ``summary.json``: which checkpoints are compared, and their paired differences.

Checkpoints are matched by the KL measured on *training* prompts (``train_kl``), never by anything measured on the
held-out prompts. A CTRL run tuned for a KL target contributes its checkpoint whose training KL is closest to the
target; a baseline (raw, calibrated) contributes, in the same seed, its checkpoint whose training KL is closest to
that CTRL checkpoint's. The held-out KLs of the pair are reported beside the comparison, with their ratio.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict

import numpy as np


def load(results: str) -> dict:
    with open(os.path.join(results, "summary.json")) as f:
        return json.load(f)


def runs(summary: dict) -> dict:
    """Checkpoints grouped by (setting, arm, target, seed), in step order."""
    grouped = defaultdict(list)
    for r in summary["checkpoints"]:
        grouped[(r["setting"], r["arm"], r["target_kl"], r["seed"])].append(r)
    for v in grouped.values():
        v.sort(key=lambda r: r["step"])
    return grouped


def closest(checkpoints, kl: float) -> dict:
    return min(checkpoints, key=lambda r: abs(r["train_kl"] - kl))


def at_kl(grouped, setting: str, arm: str, target, kl: float) -> list[dict]:
    """Per seed (in seed order), the checkpoint of the runs (setting, arm, target) whose training KL is closest to
    ``kl``."""
    return [closest(v, kl) for k, v in sorted(grouped.items(), key=lambda kv: kv[0][3])
            if k[:3] == (setting, arm, target)]


def partners(grouped, setting: str, arm: str, target, ours: list[dict]) -> list[dict]:
    """For each checkpoint in ``ours``, the same seed's checkpoint of the run (setting, arm, target) closest to it in
    training KL (seeds without such a run are skipped)."""
    return [closest(grouped[key], o["train_kl"]) for o in ours
            if (key := (setting, arm, target, o["seed"])) in grouped]


_PER_PROMPT: dict = {}


def per_prompt(results: str, record: dict, procedure: str) -> np.ndarray:
    """The per-prompt unbiased win rates of one checkpoint, recomputed from its JSONL file by the library (once per
    file and procedure: every table asks for the same checkpoints again)."""
    key = (os.path.join(results, record["file"]), procedure)
    if key not in _PER_PROMPT:
        _PER_PROMPT[key] = _read_per_prompt(*key)
    return _PER_PROMPT[key]


def _read_per_prompt(path: str, procedure: str) -> np.ndarray:
    import infalign

    policy, reference = [], []
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            policy.append(row["rewards"])
            reference.append(row["reference_rewards"])
    values = infalign.win_rates(np.asarray(policy), np.asarray(reference), procedure)
    values.setflags(write=False)  # shared by every caller
    return values


def seed_mean_interval(results: str, records: list, procedure: str, seed: int = 0):
    """Estimate and 95% bootstrap interval (over prompts) of the seed-averaged win rate: per prompt, the mean over
    seeds of the checkpoints' per-prompt win rates, then the library's bootstrap over prompts."""
    import infalign

    values = np.mean([per_prompt(results, r, procedure) for r in records], axis=0)
    ci = infalign.bootstrap(values, 1000, 0.95, seed)
    return ci.estimate, ci.lower, ci.upper


def paired(results: str, ours: list, theirs: list, procedure: str):
    """Paired difference ours − theirs: per prompt, the mean over seeds of the difference of per-prompt win rates
    (same prompts, same fresh π_ref samples), then the bootstrap over prompts."""
    import infalign

    diff = np.mean([per_prompt(results, a, procedure) - per_prompt(results, b, procedure)
                    for a, b in zip(ours, theirs)], axis=0)
    ci = infalign.bootstrap(diff, 1000, 0.95, 0)
    return ci.estimate, ci.lower, ci.upper


def matched(results: str, summary: dict, setting: str = "group", baseline_setting: str | None = None) -> list[dict]:
    """Every matched comparison in ``setting``: CTRL-BoN against raw and calibrated on BoN-4, CTRL-WoN against raw
    and calibrated on WoN-4 (each with the standard win rate too). Baselines come from ``baseline_setting`` (default:
    the same setting)."""
    grouped = runs(summary)
    base_setting = baseline_setting or setting
    rows = []
    for arm, proc in (("ctrl-bon", "bon:4"), ("ctrl-won", "won:4")):
        targets = sorted({k[2] for k in grouped if k[0] == setting and k[1] == arm})
        for target in targets:
            ours = at_kl(grouped, setting, arm, target, target)
            for base in ("raw", "calibrated"):
                theirs = partners(grouped, base_setting, base, None, ours)
                if not ours or len(theirs) != len(ours):
                    continue
                kl_ours = float(np.mean([o["kl"] for o in ours]))
                kl_theirs = float(np.mean([t["kl"] for t in theirs]))
                row = {"setting": setting, "baseline_setting": base_setting, "arm": arm, "baseline": base,
                       "procedure": proc, "target_kl": target, "transform": ours[0]["transform"], "kl": kl_ours,
                       "baseline_kl": kl_theirs, "kl_ratio": kl_ours / kl_theirs, "seeds": len(ours),
                       "files": [o["file"] for o in ours], "baseline_files": [t["file"] for t in theirs]}
                for p in (proc, "standard"):
                    row[p] = {"ours": seed_mean_interval(results, ours, p),
                              "theirs": seed_mean_interval(results, theirs, p),
                              "difference": paired(results, ours, theirs, p)}
                rows.append(row)
    return rows


def steepness(results: str, summary: dict, setting: str, arm: str, proc: str, kl: float) -> list[dict]:
    """Every ``arm`` run (one per tuned transform) at its checkpoint whose training KL is closest to ``kl``: how
    the transform's steepness does at one KL, seed-averaged."""
    grouped = runs(summary)
    out = []
    for target in sorted({k[2] for k in grouped if k[0] == setting and k[1] == arm}):
        picks = at_kl(grouped, setting, arm, target, kl)
        out.append({"transform": picks[0]["transform"], "target_kl": target,
                    "kl": float(np.mean([p["kl"] for p in picks])),
                    proc: seed_mean_interval(results, picks, proc),
                    "standard": seed_mean_interval(results, picks, "standard"),
                    "frac_reward_zero_std": float(np.mean([p["frac_reward_zero_std"] or 0 for p in picks]))})
    return out


def distilled(results: str, summary: dict, setting: str = "group") -> list[dict]:
    """Each distillation arm at each KL target (per seed, its checkpoint closest by training KL to the target)
    against the RL arms at matched training KL in the same seeds: raw, calibrated, and the CTRL arm tuned for the
    same procedure and target. Gives the best RL arm and the paired difference to it."""
    from . import distill, ideal

    grouped = runs(summary)
    rows = []
    arms = sorted({k[1] for k in grouped if k[0] == setting and k[1].startswith("distill")})
    for arm in arms:
        proc = "won:4" if arm == "distill-won" else "bon:4"
        ctrl = "ctrl-won" if proc == "won:4" else "ctrl-bon"
        for target in sorted({k[2] for k in grouped if k[:2] == (setting, arm)}):
            ours = at_kl(grouped, setting, arm, target, target)
            rivals = {}
            for base, base_target in (("raw", None), ("calibrated", None), (ctrl, target)):
                picks = partners(grouped, setting, base, base_target, ours)
                if len(picks) == len(ours):
                    rivals[base] = picks
            if not ours or not rivals:
                continue
            est = {b: seed_mean_interval(results, p, proc) for b, p in rivals.items()}
            best = max(est, key=lambda b: est[b][0])
            mine = seed_mean_interval(results, ours, proc)
            kl = float(np.mean([o["kl"] for o in ours]))
            exact = ideal.at(distill.transform_of(ours[0]["transform"], target), proc, kl)
            gap = exact - est[best][0]
            rows.append({"arm": arm, "procedure": proc, "target_kl": target, "transform": ours[0]["transform"],
                         "kl": kl, "rl_kl": {b: float(np.mean([p["kl"] for p in v])) for b, v in rivals.items()},
                         "ours": mine, "rl": est, "best_rl": best,
                         "difference": paired(results, ours, rivals[best], proc),
                         "standard": seed_mean_interval(results, ours, "standard"),
                         "exact": exact, "gap_closed": (mine[0] - est[best][0]) / gap if gap > 0 else None,
                         "ess": float(np.mean([o.get("tilt_ess", np.nan) for o in ours])),
                         "seeds": len(ours), "files": [o["file"] for o in ours]})
    return rows
