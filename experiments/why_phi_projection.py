"""Does the *policy class* decide whether Φ matters? The tilt projected exactly onto small autoregressive families,
with no neural network and no optimizer (issue 24, part 4).

π_ref here is the corpus process itself (``task.reference_completion``: positions independent given the prompt).
For each training prompt, K reference samples are weighted toward π* ∝ π_ref·exp(Φ(u)/β) exactly as the
distillation arms weight them (leave-one-out u, β for the KL target). Weighted maximum likelihood is then solved in
closed form within a family whose next-character distribution depends on (position, state of the prefix):

- ``positions``: the state is empty. Every member is a per-token tilt of π_ref, so it can only multiply up a tilt
  that is a product over positions.
- ``run``: the state is "every character since the opening has been a target letter". This family contains the
  exact tilt of any function of the ``run`` variant's run length.
- ``count``: the state is how many target letters the prefix holds. This family contains the exact tilt of any
  function of the target-letter count q.

The fit is the weighted frequency of each next character within each (position, state) cell, with a pseudo-count
of 1e-3 toward π_ref's own probabilities. Its maximum likelihood over the class is exactly this: a minimizer of
KL(π*‖π) among the family's members on the sample. The fitted policy is sampled, its KL to π_ref is the Monte Carlo
mean of its exact log-ratio, and its BoN-4 win rate is measured against fresh π_ref samples. These are the same
estimators as the trained arms, so the gap between the two isolates the optimizer and the network.

    python -m experiments.why_phi_projection [--variants run,tie-free] [--samples 256] [--prompts 128]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "python"))

from . import task  # noqa: E402
from .why_phi import transform_label  # noqa: E402
from .why_phi_variants import VARIANTS  # noqa: E402

CHARS = task.COMPLETION_CHARS
L = task.COMPLETION_LENGTH
FAMILIES = ("positions", "run", "count")


def reference_probabilities(prompt: str) -> np.ndarray:
    """π_ref's next-character distribution per position, ``(L, len(CHARS))`` (positions are independent)."""
    p = np.zeros((L, len(CHARS)))
    p[0, CHARS.index(task.RISKY)] = task.P_RISKY_OPENING
    for c in task.LETTERS:
        p[0, CHARS.index(c)] += (1 - task.P_RISKY_OPENING) / len(task.LETTERS)
    for k in range(1, L):
        for c in task.LETTERS:
            p[k, CHARS.index(c)] += (1 - task.P_COPY) / len(task.LETTERS)
        for c in prompt[1:4]:
            p[k, CHARS.index(c)] += task.P_COPY / 3
    return p


def states(prompt: str, codes: np.ndarray, family: str) -> np.ndarray:
    """The prefix state before each position, ``(n, L)`` ints (0 at position 0)."""
    hits = np.isin(codes, [CHARS.index(c) for c in set(prompt[1:4])])
    hits[:, 0] = False
    state = np.zeros(codes.shape, dtype=np.int64)
    if family == "run":
        state[:, 1:] = np.cumprod(np.concatenate([np.ones((len(codes), 1), bool), hits[:, 1:-1]], axis=1), axis=1)
    elif family == "count":
        state[:, 1:] = np.cumsum(hits[:, :-1], axis=1)
    return state


def fit(prompt, codes, weights, family, ref):
    """Weighted next-character frequencies per (position, state) with a 1e-3 pseudo-count toward π_ref."""
    st = states(prompt, codes, family)
    table = np.zeros((L, L, len(CHARS)))
    for k in range(L):
        np.add.at(table[k], (st[:, k], codes[:, k]), weights)
    table += 1e-3 * ref[:, None, :]
    return table / table.sum(axis=2, keepdims=True)


def sample(prompt, table, family, ref, n, rng):
    """n completions from the fitted family, with log π and log π_ref of each."""
    codes = np.zeros((n, L), dtype=np.int64)
    log_ratio = np.zeros(n)
    targets = [CHARS.index(c) for c in set(prompt[1:4])]
    state = np.zeros(n, dtype=np.int64)
    in_run = np.ones(n, dtype=bool)
    count = np.zeros(n, dtype=np.int64)
    for k in range(L):
        p = table[k, state]
        c = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
        codes[:, k] = c
        log_ratio += np.log(p[np.arange(n), c]) - np.log(ref[k, c])
        if k >= 1:
            hit = np.isin(c, targets)
            in_run &= hit
            count += hit
        state = in_run.astype(np.int64) if family == "run" else count if family == "count" else state
    return codes, log_ratio


def text(codes) -> list[str]:
    return ["".join(CHARS[i] for i in row) for row in codes]


def main(argv=None) -> int:
    import infalign
    from infalign.integrations.distill import tilt_columns

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variants", default="run,tie-free")
    parser.add_argument("--samples", type=int, default=256, help="weighted π_ref samples per prompt (K)")
    parser.add_argument("--prompts", type=int, default=128, help="the first N training prompts (all 128 by default)")
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    out = args.out or os.path.join(HERE, "results", f"why_phi_projection_k{args.samples}")
    prompts = task.prompt_split().train[::max(1, 128 // args.prompts)][:args.prompts]
    draw = np.random.default_rng(11)
    import random

    corpus = random.Random(5)
    refs = {p: [task.reference_completion(p, corpus) for _ in range(args.samples)] for p in prompts}
    fresh = {p: [task.reference_completion(p, corpus) for _ in range(args.samples)] for p in prompts}
    records = []
    for variant in args.variants.split(","):
        VARIANTS[variant]()
        rewards = [[task.reward(p, c) for c in refs[p]] for p in prompts]
        fresh_rewards = np.array([[task.reward(p, c) for c in fresh[p]] for p in prompts])
        for kl in (0.5, 1.0):
            for transform in ("identity", str(infalign.tune("exp", kl, "bon:4").transform)):
                columns, tilt = tilt_columns(list(prompts), [refs[p] for p in prompts], rewards, None, transform,
                                             kl=kl)
                weights = np.asarray(columns["weight"]).reshape(len(prompts), args.samples)
                for family in FAMILIES:
                    policy_rewards, ratios = [], []
                    for b, p in enumerate(prompts):
                        ref = reference_probabilities(p)
                        codes = np.array([[CHARS.index(c) for c in y] for y in refs[p]])
                        table = fit(p, codes, weights[b], family, ref)
                        drawn, log_ratio = sample(p, table, family, ref, args.samples, draw)
                        policy_rewards.append([task.reward(p, y) for y in text(drawn)])
                        ratios.append(log_ratio.mean())
                    policy_kl = float(np.mean(ratios))
                    w = infalign.win_rate(np.array(policy_rewards), fresh_rewards, "bon:4")
                    records.append({"variant": variant, "target_kl": kl, "transform": transform, "family": family,
                                    "kl": policy_kl, "bon4": w.estimate, "lower": w.lower, "upper": w.upper,
                                    "sample_kl": float(np.mean(tilt.kl)),
                                    "exact_own": infalign.analyze(transform, "bon:4", kl=policy_kl).win_rate,
                                    "exact_identity": infalign.analyze("identity", "bon:4", kl=policy_kl).win_rate})
                    print(json.dumps(records[-1]), flush=True)
    os.makedirs(out, exist_ok=True)
    rows = ["| reward | family | transform | target KL | policy KL | BoN-4 | exact, own Φ | exact, identity |",
            "|---|---|---|---|---|---|---|---|"]
    for r in records:
        rows.append(f"| {r['variant']} | {r['family']} | {transform_label(r['transform'])} | {r['target_kl']:g} | {r['kl']:.3f} | "
                    f"{r['bon4']:.3f} [{r['lower']:.3f}, {r['upper']:.3f}] | {r['exact_own']:.3f} | "
                    f"{r['exact_identity']:.3f} |")
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump({"records": records}, f, indent=1)
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(rows) + "\n")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
