"""The experiment's sizes (full and smoke) and its list of runs."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Config:
    """Sizes of one experiment. Every arm shares the step budget, batch, learning rate and trainer settings."""

    seeds: tuple = (1, 2, 3)
    settings: tuple = ("group",)  # TRL's scale_rewards: "group" (its default z-scoring) or "none"
    bon_targets: tuple = (0.25, 0.5, 1.0, 2.0)  # KL targets of the transform tuned for bon:4
    won_targets: tuple = (0.125, 0.25, 0.5, 1.0)  # KL targets of the transform tuned for won:4
    steps: int = 200
    checkpoint_every: int = 10
    learning_rate: float = 2e-5
    batch: int = 64  # completions per step
    generations: int = 8  # completions per prompt (GRPO group)
    train_per_family: int = 16
    held_out_per_family: int = 8
    calibration_references: int = 256  # π_ref samples per training prompt (the calibration tables)
    evaluation_references: int = 32  # fresh π_ref samples per held-out prompt
    policy_samples: int = 32  # policy samples per held-out prompt and checkpoint
    train_kl_stride: int = 4  # every 4th training prompt measures the training-side KL ...
    train_kl_samples: int = 16  # ... with this many samples
    reference_seed: int = 0
    sft_steps: int = 400
    sft_batch: int = 256
    sft_corpus: int = 50_000
    model_width: int = 128  # π_ref's GPT-2 (0.4M parameters at 128 × 2)
    model_layers: int = 2
    arms: tuple = field(default=("raw", "calibrated", "ctrl-bon", "ctrl-won"))
    # Follow-up studies of why the arms do or do not separate, on fewer seeds: each names a setting, TRL's reward
    # scaling, the calibration references per prompt, and the arms (arm, KL target) it runs.
    studies: tuple = (
        ("none", "none", 256, (("raw", None), ("calibrated", None), ("ctrl-bon", 1.0), ("ctrl-won", 0.25))),
        ("refs1024", "group", 1024, (("ctrl-bon", 1.0), ("ctrl-won", 0.25))),
    )
    study_seeds: tuple = (1, 2)
    # Distillation arms (experiments/distill.py): (arm, transform or optimal:PROC, which targets: bon or won).
    distill_arms: tuple = (("distill-identity", "identity", "bon"), ("distill-bon", "exp", "bon"),
                           ("distill-won", "negexp", "won"), ("distill-optimal", "optimal:bon:4", "bon"))
    distill_seeds: tuple = (1, 2)
    distill_samples: int = 256  # π_ref samples per training prompt that are weighted
    distill_steps: int = 200
    distill_checkpoint_every: int = 50
    distill_batch: int = 256
    distill_lr: float = 1e-3

    def describe(self) -> dict:
        return asdict(self)


FULL = Config()
SMOKE = Config(seeds=(1,), settings=("group",), bon_targets=(0.5,), won_targets=(0.25,), steps=16, checkpoint_every=8,
               batch=32, train_per_family=2, held_out_per_family=2, calibration_references=32,
               evaluation_references=16, policy_samples=16, train_kl_stride=2, train_kl_samples=8, sft_steps=60,
               sft_batch=128, sft_corpus=5_000, studies=(), study_seeds=(),
               distill_arms=(("distill-bon", "exp", "bon"),), distill_seeds=(1,), distill_samples=32, distill_steps=8,
               distill_checkpoint_every=4, distill_batch=64)


def jobs_of(cfg: Config, results: str) -> list[dict]:
    """Every run: per setting and seed, one *raw* and one *calibrated* run (their checkpoints give every KL point),
    and per KL target one *ctrl-bon* run (``exp:t`` tuned by ``infalign.tune`` for bon:4 at that KL) and one
    *ctrl-won* run (``negexp:t`` tuned for won:4). Tuning uses calibrated space only, never evaluation data."""
    import infalign

    tuned = {("bon", k): str(infalign.tune("exp", k, "bon:4").transform) for k in cfg.bon_targets}
    tuned.update({("won", k): str(infalign.tune("negexp", k, "won:4").transform) for k in cfg.won_targets})
    jobs = []
    for setting in cfg.settings:
        for seed in cfg.seeds:
            arms = []
            if "raw" in cfg.arms:
                arms.append(("raw", None, None))
            if "calibrated" in cfg.arms:
                arms.append(("calibrated", "identity", None))
            if "ctrl-bon" in cfg.arms:
                arms += [("ctrl-bon", tuned[("bon", k)], k) for k in cfg.bon_targets]
            if "ctrl-won" in cfg.arms:
                arms += [("ctrl-won", tuned[("won", k)], k) for k in cfg.won_targets]
            for arm, transform, target in arms:
                jobs.append(_job(cfg, results, setting, setting, cfg.calibration_references, arm, transform, target,
                                 seed))
    for arm, family, which in cfg.distill_arms:
        for target in (cfg.bon_targets if which == "bon" else cfg.won_targets):
            if family in ("exp", "negexp"):
                transform = tuned[(which, target)]
            else:
                transform = family
            for seed in cfg.distill_seeds:
                jobs.append(_job(cfg, results, "group", "group", cfg.calibration_references, arm, transform, target,
                                 seed))
    for setting, scale, references, study_arms in cfg.studies:
        for seed in cfg.study_seeds:
            for arm, target in study_arms:
                transform = {"raw": None, "calibrated": "identity"}.get(arm)
                if transform is None and arm != "raw":
                    transform = str(infalign.tune("exp" if arm == "ctrl-bon" else "negexp", target,
                                                  "bon:4" if arm == "ctrl-bon" else "won:4").transform)
                jobs.append(_job(cfg, results, setting, scale, references, arm, transform, target, seed))
    return jobs


def _job(cfg, results, setting, scale, references, arm, transform, target, seed) -> dict:
    label = arm if target is None else f"{arm}-kl{target:g}"
    return {"config": cfg, "results": results, "setting": setting, "arm": arm, "transform": transform,
            "target_kl": target, "seed": seed, "scale_rewards": scale, "references": references,
            "name": os.path.join(setting, label, f"seed{seed}")}
