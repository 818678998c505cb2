"""Tables and plots from ``summary.json``: the arm × KL table, the matched-KL comparisons, the gap to the exact
calibrated-space curves, the cost; written to ``results/report.md``, into docs/EXPERIMENTS.md between its
``<!-- results:begin -->`` / ``<!-- results:end -->`` markers, and as plots under docs/experiments/.

    python -m experiments.report [--results DIR] [--docs DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from . import ideal, matching, plots, task  # noqa: E402

ARMS = ("raw", "calibrated", "ctrl-bon", "ctrl-won")
PROCS = ("standard", "bon:4", "won:4")


def fmt(ci) -> str:
    est, lo, hi = ci
    return f"{est:.3f} [{lo:.3f}, {hi:.3f}]"


def signed(ci) -> str:
    est, lo, hi = ci
    return f"{est:+.3f} [{lo:+.3f}, {hi:+.3f}]"


def arm_table(results: str, summary: dict, setting: str) -> list[str]:
    """Per arm and KL target: the seed-mean held-out KL and win rates at each seed's checkpoint closest (by training
    KL) to the target; a CTRL arm uses its run tuned for that target."""
    grouped = matching.runs(summary)
    targets = sorted(set(summary["config"]["bon_targets"]) | set(summary["config"]["won_targets"]))
    lines = ["| arm | transform | target KL | held-out KL ± SE | standard | BoN-4 | WoN-4 | risky opening |",
             "|---|---|---|---|---|---|---|---|"]
    for arm in ARMS:
        for k in targets:
            key_target = None if arm in ("raw", "calibrated") else k
            picks = matching.at_kl(grouped, setting, arm, key_target, k)
            if not picks:
                continue
            kl = np.mean([p["kl"] for p in picks])
            se = np.sqrt(np.sum([p["kl_se"] ** 2 for p in picks])) / len(picks)
            cells = [fmt(matching.seed_mean_interval(results, picks, proc)) for proc in PROCS]
            transform = picks[0]["transform"] or "raw reward"
            if transform.startswith(("exp:", "negexp:")):
                name, t = transform.split(":")
                transform = f"{name}:{float(t):.2f}"
            risky = np.mean([p["risky_fraction"] for p in picks])
            lines.append(f"| {arm} | {transform} | {k:g} | {kl:.3f} ± {se:.3f} | " + " | ".join(cells)
                         + f" | {risky:.2f} |")
    return lines


def matched_table(rows: list[dict]) -> list[str]:
    lines = ["| CTRL arm | vs | target KL | KL (CTRL / baseline, ratio) | win rate | CTRL | baseline | difference "
             "(paired) | standard-win difference |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        p = r["procedure"]
        flag = "" if abs(r["kl_ratio"] - 1) <= 0.10 else " ⚠"
        lines.append(f"| {r['arm']} | {r['baseline']} | {r['target_kl']:g} | {r['kl']:.3f} / {r['baseline_kl']:.3f}"
                     f" ({r['kl_ratio']:.2f}){flag} | {p.replace(':', '-').upper()} | {fmt(r[p]['ours'])} | "
                     f"{fmt(r[p]['theirs'])} | {signed(r[p]['difference'])} | {signed(r['standard']['difference'])} |")
    return lines


def gap_table(rows: list[dict]) -> list[str]:
    """Achieved against the exact tilt of the same transform at the same (held-out) KL."""
    lines = ["| arm | transform | target KL | held-out KL | achieved | exact tilt at that KL | gap |",
             "|---|---|---|---|---|---|---|"]
    seen = set()
    for r in rows:
        key = (r["arm"], r["target_kl"])
        if key in seen:
            continue
        seen.add(key)
        p = r["procedure"]
        exact = ideal.at(r["transform"], p, r["kl"])
        got = r[p]["ours"][0]
        lines.append(f"| {r['arm']} | {r['transform'].split(':')[0]}:{float(r['transform'].split(':')[1]):.2f} | "
                     f"{r['target_kl']:g} | {r['kl']:.3f} | {got:.3f} | {exact:.3f} | {exact - got:+.3f} |")
    return lines


def distill_table(rows: list[dict]) -> list[str]:
    lines = ["| arm | transform | target KL | held-out KL | win rate | distilled | best RL arm (its KL) | difference "
             "(paired) | exact tilt | gap closed | mean ESS |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t = r["transform"]
        if t.startswith(("exp:", "negexp:")):
            name, v = t.split(":")
            t = f"{name}:{float(v):.2f}"
        best = r["best_rl"]
        closed = "–" if r["gap_closed"] is None else f"{r['gap_closed']:.2f}"
        lines.append(f"| {r['arm']} | {t} | {r['target_kl']:g} | {r['kl']:.3f} | "
                     f"{r['procedure'].replace(':', '-').upper()} | {fmt(r['ours'])} | {best} {fmt(r['rl'][best])} "
                     f"({r['rl_kl'][best]:.3f}) | {signed(r['difference'])} | {r['exact']:.3f} | {closed} | "
                     f"{r['ess']:.0f} |")
    return lines


STUDY_TITLES = {
    "none": "TRL's reward scaling off (`scale_rewards=\"none\"`, the paper's RLHF baseline), baselines in the same "
            "setting",
    "refs1024": "1,024 calibration references per prompt instead of 256, against the main raw and calibrated runs",
}


def steepness_table(results: str, summary: dict, setting: str) -> list[str]:
    """Each tuned transform's runs at one common KL (matched by training KL), with how often TRL saw a group with
    no reward spread."""
    lines = ["| arm | transform (tuned for KL) | at training KL | held-out KL | win rate | standard | groups with "
             "no reward spread |", "|---|---|---|---|---|---|---|"]
    for arm, proc, kls in (("ctrl-bon", "bon:4", (0.5, 1.0)), ("ctrl-won", "won:4", (0.25, 0.5))):
        for at_kl in kls:
            for r in matching.steepness(results, summary, setting, arm, proc, at_kl):
                name, t = r["transform"].split(":")
                lines.append(f"| {arm} | {name}:{float(t):.2f} ({r['target_kl']:g}) | {at_kl:g} | {r['kl']:.3f} | "
                             f"{proc.replace(':', '-').upper()} {fmt(r[proc])} | {fmt(r['standard'])} | "
                             f"{r['frac_reward_zero_std']:.3f} |")
    grouped = matching.runs(summary)
    for base in ("raw", "calibrated"):
        zs = [v[-1]["frac_reward_zero_std"] or 0 for k, v in grouped.items() if k[:2] == (setting, base)]
        if zs:
            lines.append(f"| {base} | – | – | – | – | – | {np.mean(zs):.3f} |")
    return lines


def cost_lines(summary: dict) -> list[str]:
    cfg = summary["config"]
    n_ckpt = len(summary["checkpoints"])
    grpo_runs = len({r["file"].rsplit("/", 1)[0] for r in summary["checkpoints"] if not r["arm"].startswith("distill")})
    distill_runs = summary["runs"] - grpo_runs
    train_samples = grpo_runs * cfg["steps"] * cfg["batch"]
    families = len(task.FAMILIES)
    held = cfg["held_out_per_family"] * families
    train_kl_prompts = -(-cfg["train_per_family"] * families // cfg["train_kl_stride"])
    eval_samples = n_ckpt * (held * cfg["policy_samples"] + train_kl_prompts * cfg["train_kl_samples"])
    return [f"- Wall time of `make experiment`'s run: {summary['wall_seconds'] / 60:.1f} min on this machine "
            f"({os.cpu_count()} cores, {summary.get('jobs', 2)} one-thread runs at a time).",
            f"- π_ref: {cfg['sft_steps']} SFT steps of batch {cfg['sft_batch']} in {summary['sft_seconds']:.0f} s "
            f"(final loss {summary['sft_loss']:.3f} nats per character).",
            f"- {grpo_runs} GRPO runs × {cfg['steps']} steps × {cfg['batch']} completions = {train_samples:,} "
            f"training samples; {distill_runs} distillation runs × {cfg.get('distill_steps', 0)} steps × "
            f"{cfg.get('distill_batch', 0)} weighted π_ref samples; training took "
            f"{summary['train_seconds_total'] / 60:.1f} min of run time in all.",
            f"- {n_ckpt} checkpoints evaluated: {eval_samples:,} policy samples, plus "
            f"{held * cfg['evaluation_references']:,} fresh π_ref samples shared by all, and "
            f"{cfg['train_per_family'] * families * cfg['calibration_references']:,} π_ref samples for the calibration "
            f"tables."]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--docs", default=os.path.join(HERE, "..", "docs"))
    parser.add_argument("--no-docs", action="store_true", help="write results/report.md only")
    args = parser.parse_args(argv)
    summary = matching.load(args.results)
    setting = summary["config"]["settings"][0]
    rows = matching.matched(args.results, summary, setting)
    studies = {}
    for name, *_ in summary["config"].get("studies", ()):
        studies[name] = matching.matched(args.results, summary, name,
                                         None if name == "none" else setting)
    distilled = matching.distilled(args.results, summary, setting)
    with open(os.path.join(args.results, "matched.json"), "w") as f:
        json.dump({"main": rows, "studies": studies, "distillation": distilled}, f, indent=1)
    out = ["### Arms by KL target", "", *arm_table(args.results, summary, setting), "",
           "### Matched KL: CTRL against the baselines", "", *matched_table(rows), "",
           "### Gap to the exact calibrated-space tilt", "", *gap_table(rows), "",
           "### Transform steepness at one KL", "", *steepness_table(args.results, summary, setting), ""]
    for name, study_rows in studies.items():
        out += [f"### Study `{name}`: {STUDY_TITLES.get(name, name)}", "", *matched_table(study_rows), ""]
    if distilled:
        out += ["### Distillation of the exact tilt against RL at matched KL", "", *distill_table(distilled), ""]
    out += ["### Cost", "", *cost_lines(summary), ""]
    text = "\n".join(out)
    with open(os.path.join(args.results, "report.md"), "w") as f:
        f.write(text)
    if not args.no_docs:
        figures = os.path.join(args.docs, "experiments")
        os.makedirs(figures, exist_ok=True)
        plots.draw(args.results, summary, rows, figures, setting)
        doc = os.path.join(args.docs, "EXPERIMENTS.md")
        if os.path.exists(doc):
            body = open(doc).read()
            begin, end = "<!-- results:begin -->", "<!-- results:end -->"
            if begin in body and end in body:
                head, rest = body.split(begin, 1)
                _, tail = rest.split(end, 1)
                with open(doc, "w") as f:
                    f.write(head + begin + "\n\n" + text + "\n" + end + tail)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
