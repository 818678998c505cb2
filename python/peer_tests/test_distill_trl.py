"""infalign.integrations.distill_trl on the installed torch and TRL: the weighted sequence NLL against a hand
computation, TiltSFTTrainer's loss on a batch against the formula, and weighted SFT on a tiny model moving the
log-probs the way the weights say."""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
trl = pytest.importorskip("trl")
datasets = pytest.importorskip("datasets")

import infalign  # noqa: E402
from infalign.integrations.distill import tilt_dataset  # noqa: E402
from infalign.integrations.distill_trl import (WeightedCollator, sequence_log_probs,  # noqa: E402
                                               weighted_sequence_nll)

from _trl_tiny import build_tokenizer, model_dir  # noqa: E402,F401

torch.set_num_threads(1)


def _hand_nll(logits, labels):
    """−Σ_{t ≥ 1, labels_t ≠ −100} log softmax(logits_{t−1})[labels_t] per row, in float64 loops."""
    out = []
    for row_logits, row_labels in zip(logits.double(), labels):
        total = 0.0
        for t in range(1, row_labels.numel()):
            if int(row_labels[t]) != -100:
                total -= float(torch.log_softmax(row_logits[t - 1], dim=-1)[int(row_labels[t])])
        out.append(total)
    return np.array(out)


def test_weighted_sequence_nll_matches_hand_computation():
    g = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, 7, generator=g, dtype=torch.float64)
    labels = torch.tensor([[-100, -100, 2, 3, 4], [-100, 1, 1, -100, -100], [-100, -100, -100, 6, 0]])
    weights = torch.tensor([1.5, 0.25, 1.25], dtype=torch.float64)
    nll = _hand_nll(logits, labels)
    np.testing.assert_allclose(-sequence_log_probs(logits, labels).numpy(), nll, rtol=1e-12)
    loss = weighted_sequence_nll(logits, labels, None, weights)
    assert float(loss) == pytest.approx(float((weights.numpy() * nll).sum() / 3), rel=1e-12)
    assert float(weighted_sequence_nll(logits, labels, None, weights, normalizer=10.0)) == \
        pytest.approx(float((weights.numpy() * nll).sum() / 10), rel=1e-12)
    # An explicit mask counts only its tokens (here: the last one of each row).
    mask = torch.zeros(3, 5, dtype=torch.long)
    mask[:, -1] = 1
    last = [-float(torch.log_softmax(logits[b, 3], -1)[int(labels[b, 4])]) if labels[b, 4] != -100 else 0.0
            for b in range(3)]
    np.testing.assert_allclose(-sequence_log_probs(logits, labels, mask).numpy(), last, rtol=1e-12)


def test_weighted_sequence_nll_errors_name_the_sample():
    logits, labels = torch.zeros(2, 3, 4), torch.zeros(2, 3, dtype=torch.long)
    with pytest.raises(infalign.NonFiniteError, match="at sample 1"):
        weighted_sequence_nll(logits, labels, None, torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match="< 0 at sample 0"):
        weighted_sequence_nll(logits, labels, None, torch.tensor([-1.0, 1.0]))
    with pytest.raises(infalign.ShapeError, match="one per sequence"):
        weighted_sequence_nll(logits, labels, None, torch.tensor([1.0, 1.0, 1.0]))
    with pytest.raises(KeyError, match="example 1"):
        WeightedCollator(lambda xs: {})([{"weight": 1.0}, {"input_ids": [1]}])


def _trainer(model_dir, tmp_path, dataset, **config):
    from trl import SFTConfig

    from infalign.integrations.distill_trl import TiltSFTTrainer

    defaults = dict(output_dir=str(tmp_path), per_device_train_batch_size=8, max_steps=1, learning_rate=1e-2,
                    report_to=[], save_strategy="no", use_cpu=True, bf16=False, disable_tqdm=True,
                    log_level="warning", logging_steps=1000, seed=0, max_length=16, lr_scheduler_type="constant",
                    dataloader_num_workers=0)
    defaults.update(config)
    return TiltSFTTrainer(model=str(model_dir), args=SFTConfig(**defaults), train_dataset=dataset,
                          processing_class=build_tokenizer())


def _two_completion_dataset():
    # Four prompts, completions "a" (reward 1) and "b" (reward 0): leave-one-out u = 1, 0; identity, β = ½ → the
    # tilt's odds a:b = e².
    prompts = [f"q:{i}" for i in range(4)]
    return tilt_dataset(prompts, [["a", "b"]] * 4, [[1.0, 0.0]] * 4, beta=0.5)


def test_trainer_loss_on_a_batch_equals_the_formula(model_dir, tmp_path):
    dataset, tilt = _two_completion_dataset()
    assert np.allclose(tilt.weights[:2], [2 * math.e ** 2 / (1 + math.e ** 2), 2 / (1 + math.e ** 2)])
    trainer = _trainer(model_dir, tmp_path, dataset)
    batch = next(iter(trainer.get_train_dataloader()))
    assert batch["weight"].shape == (8,)
    model = trainer.model
    with torch.no_grad():
        loss = trainer.compute_loss(model, dict(batch))
        logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    nll = _hand_nll(logits, batch["labels"])
    want = float((batch["weight"].double().numpy() * nll).sum() / 8)
    assert float(loss) == pytest.approx(want, rel=1e-5)
    assert sorted(np.round(batch["weight"].numpy(), 6).tolist()) == \
        sorted(np.round(np.float32(dataset["weight"]), 6).tolist())


def _completion_logps(model, tokenizer, prompt, completions):
    ids = [tokenizer(prompt + c)["input_ids"] + [tokenizer.eos_token_id] for c in completions]
    prompt_len = len(tokenizer(prompt)["input_ids"])
    input_ids = torch.tensor(ids)
    labels = input_ids.clone()
    labels[:, :prompt_len] = -100
    with torch.no_grad():
        return sequence_log_probs(model(input_ids=input_ids).logits, labels).numpy()


def test_weighted_sft_moves_log_probs_toward_the_tilt(model_dir, tmp_path):
    dataset, _ = _two_completion_dataset()
    trainer = _trainer(model_dir, tmp_path, dataset, max_steps=40)
    tokenizer = build_tokenizer()
    before = _completion_logps(trainer.model, tokenizer, "q:0", ["a", "b"])
    trainer.train()
    trainer.model.eval()
    after = _completion_logps(trainer.model, tokenizer, "q:0", ["a", "b"])
    gap_before, gap_after = before[0] - before[1], after[0] - after[1]
    print(f"log π(a) − log π(b): {gap_before:.3f} → {gap_after:.3f} (tilt: 2); mass on {{a, b}}: "
          f"{np.exp(before).sum():.3f} → {np.exp(after).sum():.3f}")
    assert gap_after > gap_before + 0.5  # the heavier completion gained relative to the lighter one
    # At the fixed point of weighted sequence-level MLE the odds are the weights' (e² here); 40 steps reach 1.99.
    assert abs(gap_after - 2.0) < 0.5
    assert np.exp(after).sum() > np.exp(before).sum()  # and the sampled support gained mass


def test_trainer_refuses_packing_and_a_dataset_without_weights(model_dir, tmp_path):
    dataset, _ = _two_completion_dataset()
    with pytest.raises(ValueError, match="packing"):
        _trainer(model_dir, tmp_path, dataset, packing=True)
    with pytest.raises(ValueError, match="no 'weight' column"):
        _trainer(model_dir, tmp_path, dataset.remove_columns("weight"))
