"""One training run: TRL's GRPOTrainer on π_ref with one arm's reward, its parameters kept at checkpoint steps."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from . import task


@dataclass(frozen=True)
class Arm:
    """A training arm: its reward (``raw``, or the transform applied to the calibrated reward) and TRL's reward
    scaling (``group``: TRL's default z-scoring within each group; ``none``: the group mean subtracted only)."""

    name: str
    transform: str | None  # None: the raw reward
    scale_rewards: str = "group"


class RawReward:
    """The task's raw reward as a TRL reward function."""

    __name__ = "raw"

    def __call__(self, prompts, completions, **_):
        return [task.reward(p, c.replace(" ", "")) for p, c in zip(prompts, completions)]


def reward_function(arm: Arm, references: dict):
    """The arm's TRL reward function: the raw reward, or ``CTRLReward`` (calibrate against π_ref's samples of the
    same prompt, then Φ) around it."""
    if arm.transform is None:
        return RawReward()
    from infalign.integrations.trl import CTRLReward, ReferenceTables

    return CTRLReward(RawReward(), ReferenceTables(references), arm.transform)


def grpo_config(output_dir: str, *, steps: int, seed: int, lr: float, scale_rewards: str, batch: int,
                generations: int):
    """The trainer settings every arm shares (CPU, float32, β = 0, constant learning rate)."""
    from trl import GRPOConfig

    return GRPOConfig(
        output_dir=output_dir, max_steps=steps, per_device_train_batch_size=batch, num_generations=generations,
        max_completion_length=task.COMPLETION_LENGTH, learning_rate=lr, lr_scheduler_type="constant",
        beta=0.0, scale_rewards=scale_rewards, temperature=1.0, top_k=0, top_p=1.0,
        use_cpu=True, bf16=False, gradient_checkpointing=False, mask_truncated_completions=False,
        report_to=[], save_strategy="no", logging_steps=max(1, steps // 10), disable_tqdm=True,
        log_level="warning", seed=seed, data_seed=seed, dataloader_num_workers=0)


def train(arm: Arm, *, reference_dir: str, train_prompts, references: dict, seed: int, steps: int,
          checkpoint_steps, lr: float, batch: int, generations: int, work_dir: str):
    """Runs GRPO for ``steps`` steps from π_ref (loaded from ``reference_dir``) and returns
    ``({step: state_dict}, seconds, log)`` for every step in ``checkpoint_steps``; ``log`` is the trainer's log
    history (its ``frac_reward_zero_std`` is the fraction of groups whose rewards have no spread)."""
    import torch
    from datasets import Dataset
    from transformers import AutoModelForCausalLM, TrainerCallback
    from trl import GRPOTrainer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    torch.set_num_threads(1)
    kept: dict[int, dict] = {}
    wanted = set(checkpoint_steps)

    class Keep(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **_):
            if state.global_step in wanted:
                kept[state.global_step] = {k: v.detach().clone() for k, v in model.state_dict().items()}

    repeats = max(1, (steps * batch // generations) // len(train_prompts) + 1)
    dataset = Dataset.from_dict({"prompt": list(train_prompts) * repeats})
    model = AutoModelForCausalLM.from_pretrained(reference_dir)
    trainer = GRPOTrainer(model=model, reward_funcs=[reward_function(arm, references)],
                          args=grpo_config(work_dir, steps=steps, seed=seed, lr=lr, scale_rewards=arm.scale_rewards,
                                           batch=batch, generations=generations),
                          train_dataset=dataset, processing_class=task.build_tokenizer(), callbacks=[Keep()])
    start = time.perf_counter()
    trainer.train()
    return kept, time.perf_counter() - start, trainer.state.log_history
