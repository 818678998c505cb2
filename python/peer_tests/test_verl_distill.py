"""``infalign.integrations.verl_distill``: the ``infalign_tilt_sft`` policy loss in verl 0.9.1's registry equals the
weighted sequence NLL (by hand and through ``distill_trl.weighted_sequence_nll``) under verl's own ``agg_loss``."""

from conftest import skip_unless_peers

skip_unless_peers()

import types  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from verl.trainer.ppo import core_algos  # noqa: E402

import infalign  # noqa: E402
import infalign.integrations.verl_distill as loss_module  # noqa: E402
from infalign.integrations.distill_trl import weighted_sequence_nll  # noqa: E402

torch.set_num_threads(1)


def _batch(seed=0, bs=6, length=5, vocab=7):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(bs, length, vocab, generator=g, dtype=torch.float64)
    tokens = torch.randint(0, vocab, (bs, length), generator=g)
    mask = torch.ones(bs, length)
    for i in range(bs):
        mask[i, 1 + i % (length - 1):] = 0  # responses of different lengths
    log_prob = torch.log_softmax(logits, -1).gather(-1, tokens.unsqueeze(-1)).squeeze(-1)
    weights = torch.rand(bs, generator=g, dtype=torch.float64) * 2
    return logits, tokens, mask, log_prob, weights


def test_registered_and_idempotent():
    assert core_algos.get_policy_loss_fn("infalign_tilt_sft") is loss_module.tilt_sft_loss
    assert loss_module.register() == "infalign_tilt_sft"
    assert core_algos.get_policy_loss_fn("infalign_tilt_sft") is loss_module.tilt_sft_loss


def test_loss_is_the_weighted_sequence_nll():
    logits, tokens, mask, log_prob, weights = _batch()
    advantages = loss_module.tilt_advantages(weights.numpy(), mask).double()
    fn = core_algos.get_policy_loss_fn("infalign_tilt_sft")
    loss, _ = fn(old_log_prob=torch.zeros_like(log_prob), log_prob=log_prob, advantages=advantages,
                 response_mask=mask.bool(), loss_agg_mode="seq-mean-token-sum", config=None)
    by_hand = -(weights * (log_prob * mask).sum(-1)).sum() / 6
    assert float(loss) == pytest.approx(float(by_hand), rel=1e-6)  # advantages travel in float32
    # The same as the torch/TRL loss: labels are the tokens where the mask is 1 (already aligned: shift=False).
    labels = torch.where(mask.bool(), tokens, torch.full_like(tokens, -100))
    assert float(loss) == pytest.approx(float(weighted_sequence_nll(logits, labels, None, weights, shift=False)),
                                        rel=1e-6)
    # verl's global batch normalization: the divisor is the global batch size.
    config = types.SimpleNamespace(global_batch_info={"dp_size": 1, "global_batch_size": 12,
                                                      "batch_num_tokens": None, "loss_scale_factor": None})
    scaled, _ = fn(old_log_prob=log_prob, log_prob=log_prob, advantages=advantages, response_mask=mask.bool(),
                   loss_agg_mode="seq-mean-token-sum", config=config)
    assert float(scaled) == pytest.approx(float(by_hand) / 2, rel=1e-6)
    # Rollout-correction weights multiply the per-token loss, as in verl's gpg.
    half, _ = fn(old_log_prob=log_prob, log_prob=log_prob, advantages=advantages, response_mask=mask.bool(),
                 loss_agg_mode="seq-mean-token-sum", rollout_is_weights=torch.full_like(log_prob, 0.5))
    assert float(half) == pytest.approx(float(by_hand) / 2, rel=1e-6)


def test_token_mean_is_refused_and_advantages_are_checked():
    _, _, mask, log_prob, weights = _batch()
    with pytest.raises(ValueError, match="seq-mean-token-sum"):
        loss_module.tilt_sft_loss(log_prob, log_prob, log_prob, mask.bool(), loss_agg_mode="token-mean")
    bad = weights.numpy().copy()
    bad[3] = np.inf
    with pytest.raises(infalign.NonFiniteError, match="sequence 3"):
        loss_module.tilt_advantages(bad, mask)
    with pytest.raises(infalign.ShapeError, match="5 weights for 6"):
        loss_module.tilt_advantages(bad[:5], mask)
