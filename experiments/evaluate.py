"""Evaluation of one checkpoint on the held-out prompts: KL to π_ref, rewards saved as JSONL for ``infalign
winrate``, and the standard / best-of-N / worst-of-N win rates with 95% bootstrap intervals."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

from . import policy, task

PROCEDURES = ("standard", "bon:4", "won:4")
RESAMPLES = 1000


@dataclass
class Evaluator:
    """Everything a checkpoint is compared with: π_ref, the held-out prompts with their fresh π_ref rewards, and a
    subset of training prompts on which the training-side KL is measured (checkpoints are matched by that KL, never
    by anything measured on held-out prompts)."""

    reference: object
    tokenizer: object
    held_out: tuple
    held_out_reference_rewards: np.ndarray  # [prompts, M]
    train_subset: tuple
    policy_samples: int
    train_samples: int

    def kl(self, model, prompts, per_prompt, seed):
        """Samples ``per_prompt`` completions per prompt from ``model``; returns (texts, per-sample log-ratios)."""
        grouped, inputs, completion = policy.sample(model, self.tokenizer, prompts, per_prompt, seed)
        log_ratio = (policy.sequence_logprobs(model, inputs, completion, self.tokenizer)
                     - policy.sequence_logprobs(self.reference, inputs, completion, self.tokenizer))
        return grouped, log_ratio.reshape(len(prompts), per_prompt)

    def evaluate(self, model, seed: int, path: str, samples: list | None = None) -> dict:
        """Evaluates ``model`` and writes its held-out rewards to ``path`` (one JSON line per prompt); ``samples``,
        when given, receives the policy's completions grouped by prompt."""
        import infalign

        model.eval()
        _, train_ratio = self.kl(model, self.train_subset, self.train_samples, seed + 1)
        grouped, ratio = self.kl(model, self.held_out, self.policy_samples, seed)
        rewards = policy.rewards_of(self.held_out, grouped)
        if samples is not None:
            samples.extend(grouped)
        with open(path, "w") as f:
            for prompt, pol, ref in zip(self.held_out, rewards, self.held_out_reference_rewards):
                f.write(json.dumps({"id": prompt, "rewards": pol.tolist(), "reference_rewards": ref.tolist()},
                                   separators=(",", ":")) + "\n")
        per_prompt_kl = ratio.mean(axis=1)
        record = {
            "file": path,
            "kl": float(ratio.mean()),
            # The prompts are the independent units: the standard error of the mean of per-prompt means.
            "kl_se": float(per_prompt_kl.std(ddof=1) / math.sqrt(len(per_prompt_kl))),
            "train_kl": float(train_ratio.mean()),
            "risky_fraction": float(np.mean([task.is_risky(c) for row in grouped for c in row])),
            "mean_quality": float(np.mean([task.quality(p, c) for p, row in zip(self.held_out, grouped)
                                           for c in row])),
            "win_rates": {},
        }
        for proc in PROCEDURES:
            w = infalign.win_rate(rewards, self.held_out_reference_rewards, proc, resamples=RESAMPLES, seed=0)
            record["win_rates"][proc] = {"estimate": w.estimate, "lower": w.lower, "upper": w.upper}
        return record
