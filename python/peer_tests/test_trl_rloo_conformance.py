"""The ``trl-rloo`` preset against the installed TRL's ``RLOOTrainer`` (float64, 1e-12).

Advantages: ``RLOOTrainer._generate_and_score_completions`` (TRL 1.16; no public hook) driven on a tiny model with
the batch's designed rewards as a dataset column, its two model forwards (old policy, reference) replaced by
designed per-token log-probs, and float64 as the default dtype; the KL penalty (k1 of old vs reference summed over
the completion mask, β = 0.05) enters the rewards before the leave-one-out baseline. Loss:
``RLOOTrainer._compute_loss`` on designed log-probs (a float64 leaf), with its autograd gradient.
"""

from __future__ import annotations


import numpy as np
import pytest

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")

import infalign  # noqa: E402

from _trl_tiny import build_tokenizer, float64_default, model_dir, target_reward  # noqa: E402,F401

TOL = 1e-12


def rloo_trainer(model_dir, output_dir, **config):
    from trl import RLOOConfig, RLOOTrainer

    defaults = dict(output_dir=str(output_dir), per_device_train_batch_size=16, num_generations=4,
                    max_completion_length=6, report_to=[], save_strategy="no", use_cpu=True, bf16=False,
                    disable_tqdm=True, log_level="warning", seed=0)
    defaults.update(config)
    dataset = datasets.Dataset.from_dict({"prompt": ["q:1"] * 16, "target": [0.0] * 16})
    return RLOOTrainer(model=str(model_dir), reward_funcs=[target_reward], args=RLOOConfig(**defaults),
                       train_dataset=dataset, processing_class=build_tokenizer())


REWARDS = np.array([[0.5, 1.5, 1.5, -2.0], [0.25, 0.25, 0.25, 0.25], [3.0, -1.0, 4.0, 1.5],
                    [-0.7, 0.3, 2.9, -1.1]], dtype=np.float32).astype(np.float64)


@pytest.mark.parametrize("normalize", [False, True])
def test_rloo_advantages_equal_trl(model_dir, tmp_path, normalize):
    trainer = rloo_trainer(model_dir, tmp_path, normalize_advantages=normalize)
    rng = np.random.default_rng(11)
    designed = {}

    def forward(model, input_ids, attention_mask, logits_to_keep, *args, **kwargs):
        which = "ref" if model is trainer.ref_model else "old"
        if which not in designed:
            base = designed.get("old")
            shape = (input_ids.shape[0], logits_to_keep)
            designed[which] = (rng.normal(-2.0, 0.5, size=shape) if base is None
                               else base + rng.normal(0, 0.4, size=shape))
        return torch.tensor(designed[which]), None, None

    trainer._get_per_token_logps_and_entropies = forward
    inputs = [{"prompt": f"q:{b}", "target": float(r)} for b, row in enumerate(REWARDS) for r in row]
    trainer.model.train()
    with float64_default():
        out = trainer._generate_and_score_completions(inputs)
    theirs = out["advantages"].numpy().reshape(REWARDS.shape)
    mask = out["completion_mask"].bool().numpy()
    shape = REWARDS.shape + (mask.shape[1],)
    old, ref = designed["old"].reshape(shape), designed["ref"].reshape(shape)
    options = dict(scale="batch-whiten") if normalize else {}
    ours = infalign.ctrl_step(REWARDS, old, ref, old, mask=mask.reshape(shape), preset="trl-rloo", **options)
    diff = np.abs(ours.advantages - theirs).max()
    print(f"normalize_advantages={normalize}: max |ctrl_step - RLOOTrainer| = {diff:.3g}; TRL's logged KL "
          f"{trainer._metrics['train']['kl'][-1]!r}")
    assert out["advantages"].dtype == torch.float64
    assert diff <= TOL * max(1.0, np.abs(theirs).max())
    # The KL TRL logs: mean k1 (old vs reference) over the completion tokens; the policy here is the old policy.
    kl = trainer._metrics["train"]["kl"][-1]
    assert abs(ours.summary.mean_k1 - kl) <= TOL * max(1.0, abs(kl))


def test_rloo_loss_and_gradient_equal_trl(model_dir, tmp_path):
    trainer = rloo_trainer(model_dir, tmp_path)
    rng = np.random.default_rng(12)
    n, t = REWARDS.size, 6
    lp = rng.normal(-2.0, 0.5, size=(n, t))
    old = lp + rng.normal(0, 0.2, size=(n, t))  # summed ratios outside [0.8, 1.2]
    ref = lp + rng.normal(0, 0.3, size=(n, t))
    lengths = rng.integers(1, t + 1, size=n)
    mask = np.arange(t)[None, :] < lengths[:, None]
    shape = REWARDS.shape + (t,)
    step = infalign.ctrl_step(REWARDS, lp.reshape(shape), ref.reshape(shape), old.reshape(shape),
                              mask=mask.reshape(shape), preset="trl-rloo")
    leaf = torch.tensor(lp, requires_grad=True)
    trainer._get_per_token_logps_and_entropies = lambda *a, **k: (leaf, torch.zeros_like(leaf), None)
    m = torch.tensor(mask, dtype=torch.long)
    inputs = {"prompt_ids": torch.zeros((n, 1), dtype=torch.long), "prompt_mask": torch.ones((n, 1), dtype=torch.long),
              "completion_ids": torch.zeros((n, t), dtype=torch.long), "completion_mask": m,
              "old_logps": (torch.tensor(old) * m).sum(1),
              "advantages": torch.tensor(step.advantages.reshape(-1))}
    trainer.model.train()
    loss = trainer._compute_loss(trainer.model, inputs)
    loss.backward()
    grad = leaf.grad.numpy()
    ours = step.loss_gradient.reshape(grad.shape)
    print(f"RLOO loss TRL {float(loss)!r} ctrl_step {step.summary.loss!r}; max |Δ gradient| "
          f"{np.abs(ours - grad).max():.3g}")
    assert abs(step.summary.loss - float(loss)) <= TOL * max(1.0, abs(float(loss)))
    assert np.abs(ours - grad).max() <= TOL * max(1.0, np.abs(grad).max())
