"""infalign.integrations.trl on the installed TRL: CTRLGRPOTrainer reproduces GRPOTrainer's own advantages with
``preset="trl-grpo"`` and no calibration, and the subclass with the reward wrapper trains a tiny model on CPU."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")

import infalign  # noqa: E402
from infalign.integrations.trl import CTRLReward, ReferenceTables  # noqa: E402

from _trl_tiny import float64_default, grpo_trainer, model_dir  # noqa: E402,F401


def ctrl_trainer_class():
    from infalign.integrations.trl import CTRLGRPOTrainer

    return CTRLGRPOTrainer


REWARDS = np.array([[0.5, 1.5, 1.5, -2.0], [0.25, 0.25, 0.25, 0.25], [3.0, -1.0, 4.0, 1.5],
                    [-0.7, 0.3, 2.9, -1.1]], dtype=np.float32)


def generate(trainer, rewards):
    inputs = [{"prompt": f"q:{b}", "target": float(r)} for b, row in enumerate(rewards) for r in row]
    trainer.model.train()
    return trainer._generate_and_score_completions(inputs)


@pytest.mark.parametrize("scale", ["group", "batch", "none"])
def test_subclass_reproduces_trl_advantages_in_float64(model_dir, tmp_path, scale):
    # TRL's reward stage and advantage arithmetic in float64 (the default dtype): the subclass's advantages (from
    # ctrl_step, preset trl-grpo, no calibration) equal TRL's own, computed in the same call, to 1e-12.
    trainer = grpo_trainer(model_dir, tmp_path, trainer_class=ctrl_trainer_class(), per_device_train_batch_size=16,
                           scale_rewards=scale,
                           trainer_kwargs=dict(ctrl_options=infalign.CTRLOptions(preset="trl-grpo", scale=scale)))
    with float64_default():
        out = generate(trainer, REWARDS)
    theirs = trainer.ctrl_last_trl_advantages.numpy()
    ours = out["advantages"].numpy()
    print(f"scale={scale}: max |CTRLGRPOTrainer - GRPOTrainer| advantages = {np.abs(ours - theirs).max():.3g}")
    assert out["advantages"].dtype == torch.float64
    assert np.abs(ours - theirs).max() <= 1e-12


def test_subclass_reproduces_trl_advantages_in_float32(model_dir, tmp_path):
    # As TRL trains (float32): the step runs in float64 on TRL's float32 rewards, so the two differ by TRL's float32
    # rounding only.
    trainer = grpo_trainer(model_dir, tmp_path, trainer_class=ctrl_trainer_class(), per_device_train_batch_size=16)
    out = generate(trainer, REWARDS)
    theirs = trainer.ctrl_last_trl_advantages.double().numpy()
    ours = out["advantages"].double().numpy()
    rel = np.abs(ours - theirs).max() / np.abs(theirs).max()
    print(f"float32: max relative difference {rel:.3g}")
    assert out["advantages"].dtype == torch.float32 and rel <= 1e-6


def letters(prompts, completions, prompt_id, **_):
    """Raw reward: the number of "a"s, on a per-prompt scale and offset (calibration removes them)."""
    return [(1.0 + 9.0 * (int(p) % 2)) * c.count("a") - 5.0 * int(p) for p, c in zip(prompt_id, completions)]


def reference_table(seed=0, prompts=4, m=16):
    rng = np.random.default_rng(seed)
    return {p: [(1.0 + 9.0 * (p % 2)) * k - 5.0 * p for k in rng.integers(0, 4, size=m)] for p in range(prompts)}


@pytest.mark.parametrize("mode", ["reward-wrapper", "advantage-stage"])
def test_two_optimizer_steps(model_dir, tmp_path, mode):
    """Two optimizer steps of CTRLGRPOTrainer on the tiny model: finite losses, moved parameters, and the
    advantages the loss used equal to ctrl_step recomputed from the rewards the reward function returned."""
    refs = reference_table()
    g = 4
    dataset = datasets.Dataset.from_dict({"prompt": [f"q:{p}" for p in range(4)] * 4, "prompt_id": list(range(4)) * 4})
    if mode == "reward-wrapper":
        reward = CTRLReward(letters, refs, "exp:2", key_column="prompt_id")
        options = infalign.CTRLOptions(preset="trl-grpo")
        kwargs = dict(ctrl_options=options)
    else:
        reward = letters
        options = infalign.CTRLOptions("exp:2", baseline="rloo", normalize_by_std=True)
        kwargs = dict(ctrl_options=options, ctrl_references=ReferenceTables(refs, key_column="prompt_id"))
    seen = []  # [rewards the reward function returned, their keys, advantages generated, advantages the loss used]

    def recorder(prompts, completions, prompt_id, **kw):
        out = reward(prompts=prompts, completions=completions, prompt_id=prompt_id, **kw)
        seen.append([np.asarray(out, dtype=np.float32).astype(np.float64), list(prompt_id), None, None])
        return out

    recorder.__name__ = "recorder"
    trainer = grpo_trainer(model_dir, tmp_path, trainer_class=ctrl_trainer_class(), reward_funcs=[recorder],
                           dataset=dataset, num_generations=g, per_device_train_batch_size=8, max_steps=2,
                           learning_rate=1e-2, beta=0.04, trainer_kwargs=kwargs)
    inner_generate, inner_loss = trainer._generate_and_score_completions, trainer._compute_loss

    def generate_and_score(inputs):
        out = inner_generate(inputs)
        seen[-1][2] = out["advantages"].detach().double().numpy().copy()
        return out

    def compute_loss(model, inputs):
        # TRL shuffles the generation batch before the optimizer steps: the loss sees the advantages reordered.
        seen[-1][3] = inputs["advantages"].detach().double().numpy().copy()
        return inner_loss(model, inputs)

    trainer._generate_and_score_completions, trainer._compute_loss = generate_and_score, compute_loss
    before = [p.detach().clone() for p in trainer.model.parameters()]
    trainer.train()
    losses = [h["loss"] for h in trainer.state.log_history if "loss" in h]
    moved = sum(float((p.detach() - b).abs().sum()) for p, b in zip(trainer.model.parameters(), before))
    print(f"{mode}: losses {losses}, parameters moved {moved:.4g} (L1)")
    assert trainer.state.global_step == 2 and len(losses) == 2 and all(math.isfinite(x) for x in losses)
    assert moved > 0
    assert len(seen) == 2
    for rewards, keys, generated, used in seen:
        rewards = rewards.reshape(-1, g)
        zeros = np.zeros_like(rewards)
        table = None
        if mode == "advantage-stage":
            table = ReferenceTables(refs).group_table(keys[::g])
        expected = infalign.ctrl_step(rewards, zeros, zeros, references=table, options=options).advantages
        expected = expected.reshape(-1).astype(np.float32)
        assert np.array_equal(generated, expected)
        assert np.array_equal(np.sort(used), np.sort(expected))
