"""KL against the BoN-4 and WoN-4 win rates per arm, with the exact calibrated-space curves (SVG and PNG)."""

from __future__ import annotations

import os
from collections import defaultdict

import numpy as np

from . import ideal, matching

COLORS = {"raw": "#d62728", "calibrated": "#1f77b4", "ctrl-bon": "#2ca02c", "ctrl-won": "#9467bd",
          "distill-identity": "#17becf", "distill-bon": "#bcbd22", "distill-won": "#e377c2", "distill-optimal": "#8c564b"}
DISTILL = {"bon:4": ("distill-identity", "distill-bon", "distill-optimal"), "won:4": ("distill-won",)}


def trajectory(grouped, setting, arm, target, proc):
    """Seed-mean (held-out KL, win rate) per checkpoint step of one arm (and target)."""
    by_step = defaultdict(list)
    for (s, a, t, _), recs in grouped.items():
        if (s, a, t) == (setting, arm, target):
            for r in recs:
                by_step[r["step"]].append(r)
    steps = sorted(by_step)
    return ([np.mean([r["kl"] for r in by_step[k]]) for k in steps],
            [np.mean([r["win_rates"][proc]["estimate"] for r in by_step[k]]) for k in steps])


def draw(results: str, summary: dict, rows: list, out_dir: str, setting: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams["svg.hashsalt"] = "infalign-experiment"  # the same SVG from the same data, run after run
    import matplotlib.pyplot as plt

    grouped = matching.runs(summary)
    curves = ideal.reference_curves()
    for proc, arm, envelope in (("bon:4", "ctrl-bon", "exp tuned for bon:4"),
                                ("won:4", "ctrl-won", "negexp tuned for won:4")):
        fig, ax = plt.subplots(figsize=(7.5, 6.6))
        for name, style in ((envelope, "-"), ("identity", "--"), ("probit", ":")):
            c = curves[(name, proc)]
            ax.plot([p[0] for p in c], [p[1] for p in c], style, color="black", lw=1.2,
                    label=f"exact tilt: {name}")
        for base in ("raw", "calibrated"):
            x, y = trajectory(grouped, setting, base, None, proc)
            ax.plot(x, y, "o-", ms=3, lw=1, color=COLORS[base], label=f"{base} (GRPO, checkpoints, mean of seeds)")
        targets = summary["config"]["bon_targets" if arm == "ctrl-bon" else "won_targets"]
        for t in targets:
            x, y = trajectory(grouped, setting, arm, t, proc)
            ax.plot(x, y, "-", lw=0.8, alpha=0.35, color=COLORS[arm])
        pts = [r for r in rows if r["arm"] == arm and r["baseline"] == "raw"]
        ax.errorbar([r["kl"] for r in pts], [r[proc]["ours"][0] for r in pts],
                    yerr=[[r[proc]["ours"][0] - r[proc]["ours"][1] for r in pts],
                          [r[proc]["ours"][2] - r[proc]["ours"][0] for r in pts]],
                    fmt="s", ms=6, color=COLORS[arm], capsize=3,
                    label=f"{arm} (GRPO, at its tuned KL; faint: its runs' checkpoints)")
        for d in DISTILL[proc]:
            pts = []
            for target in sorted({k[2] for k in grouped if k[:2] == (setting, d)}):
                picks = matching.at_kl(grouped, setting, d, target, target)
                pts.append((np.mean([p["kl"] for p in picks]),
                            matching.seed_mean_interval(results, picks, proc)))
            if pts:
                ax.errorbar([p[0] for p in pts], [p[1][0] for p in pts],
                            yerr=[[p[1][0] - p[1][1] for p in pts], [p[1][2] - p[1][0] for p in pts]],
                            fmt="D", ms=5, color=COLORS[d], capsize=3, label=f"{d} (weighted SFT, at its KL target)")
        ax.set_xlim(0, 2.6)
        ax.set_ylim(0.5, 1.0)
        ax.set_xlabel("KL(π ‖ π_ref), held-out prompts (nats per sequence)")
        ax.set_ylabel(f"{proc.replace(':', '-').upper()} win rate against π_ref")
        ax.set_title(f"{proc.replace(':', '-').upper()}: trained policies against the exact calibrated-space tilt",
                     fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.11), ncol=2, frameon=False)
        fig.tight_layout()
        stem = os.path.join(out_dir, f"kl_{proc.replace(':', '')}")
        fig.savefig(stem + ".svg", metadata={"Date": None})
        fig.savefig(stem + ".png", dpi=120, metadata={"Software": None})
        plt.close(fig)
