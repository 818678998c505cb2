"""The 2025-26 loss conventions against numpy ports of verl 0.9.1's formulas (offline; python/peer_tests checks
them against the installed verl with torch autograd): CISPO (`compute_policy_loss_cispo`) and GSPO's token ratio
(`compute_policy_loss_gspo`), values and gradients, float64 within 1e-12."""

import numpy as np
import pytest

import infalign


def _batch(seed=3, groups=4, size=4, tokens=6):
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=(groups, size))
    rewards[1] = 2.0  # a zero-variance group
    lp = rng.normal(-2, 0.3, size=(groups, size, tokens))
    old = lp + rng.normal(0, 0.4, size=lp.shape)  # ratios well outside the clip range
    old[0, 0, :] = lp[0, 0, :] - 25  # log-ratios past the clamps
    old[2, 1, :] = lp[2, 1, :] + 25
    lengths = rng.integers(0, tokens + 1, size=(groups, size))
    lengths[0, 0] = lengths[2, 1] = tokens
    mask = np.arange(tokens)[None, None, :] < lengths[:, :, None]
    return rewards, lp, lp - 0.1, old, mask


def _token_mean(x, mask):
    return (x * mask).sum() / mask.sum()


def _clip_weight(lp, old, low, high):
    ratio = np.exp(np.clip(lp - old, -20, 20))
    return np.clip(ratio, 1 - low, 1 + high)


def test_cispo_matches_verls_formula():
    rewards, lp, ref, old, mask = _batch()
    low, high = 0.2, 0.28
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-grpo", policy_loss="cispo",
                              dual_clip=None, kl_loss=None, clip_low=low, clip_high=high)
    a = step.advantages[..., None]
    w = _clip_weight(lp, old, low, high)
    loss = _token_mean(-w * a * lp, mask)
    grad = -w * a * mask / mask.sum()
    assert abs(step.summary.policy_loss - loss) <= 1e-12 * max(1, abs(loss))
    np.testing.assert_allclose(step.loss_gradient, grad, rtol=1e-12, atol=1e-15)
    ratio = np.exp(np.clip(lp - old, -20, 20))
    assert step.summary.clipped_fraction == pytest.approx(_token_mean(ratio != w, mask), abs=1e-15)


def test_cispo_refuses_the_dual_clip():
    rewards, lp, ref, old, mask = _batch()
    with pytest.raises(infalign.InvalidParameterError, match="CISPO"):
        infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-grpo", policy_loss="cispo")


def _gspo(lp, old, mask, a, low, high):
    """verl's GSPO loss per token and its gradient with respect to log pi (torch's clamp and maximum rules)."""
    lengths = np.maximum(mask.sum(-1), 1)
    seq = ((lp - old) * mask).sum(-1) / lengths
    log_s = np.minimum(seq, 10.0)[..., None] * np.ones_like(lp)
    d_log_s = (seq <= 10.0)[..., None] * np.ones_like(lp)
    s = np.exp(log_s)
    l1, l2 = -a * s, -a * np.clip(s, 1 - low, 1 + high)
    g1 = -a * s
    g2 = np.where((s >= 1 - low) & (s <= 1 + high), -a * s, 0.0)
    loss = np.maximum(l1, l2)
    grad = np.where(l1 > l2, g1, np.where(l2 > l1, g2, (g1 + g2) / 2)) * d_log_s
    return loss, grad


@pytest.mark.parametrize("aggregation", ["token-mean", "seq-mean-token-mean:0"])
def test_gspo_token_ratio_matches_verls_formula(aggregation):
    rewards, lp, ref, old, mask = _batch(seed=5)
    low, high = 3e-4, 4e-4
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-grpo", ratio_level="gspo-token",
                              dual_clip=None, kl_loss=None, clip_low=low, clip_high=high, log_ratio_clamp=10,
                              aggregation=aggregation)
    a = step.advantages[..., None]
    loss_t, grad_t = _gspo(lp, old, mask, a, low, high)
    if aggregation == "token-mean":
        weight = mask / mask.sum()
    else:
        lengths = mask.sum(-1)
        nonempty = (lengths > 0).sum()
        weight = mask / np.maximum(lengths, 1)[..., None] / nonempty
    loss = (loss_t * weight).sum()
    assert abs(step.summary.policy_loss - loss) <= 1e-12 * max(1, abs(loss))
    np.testing.assert_allclose(step.loss_gradient, grad_t * weight, rtol=1e-12, atol=1e-15)


def test_gspo_token_form_and_the_papers_form():
    # With one advantage per sequence and log-ratios inside the clamp, verl's token form and the paper's form
    # (ratio_level="sequence-mean", the sequence's terms spread as 1/|y|) give the same gradient; past the clamp
    # they differ (verl clamps log s from above only); with a KL return-to-go after the baseline (advantages that
    # vary over a sequence's tokens) each token keeps its own term.
    rewards, lp, ref, old, mask = _batch(seed=7)
    old = lp + np.clip(old - lp, -5, 5)
    kw = dict(mask=mask, preset="verl-grpo", dual_clip=None, kl_loss=None, clip_low=0.5, clip_high=0.5,
              log_ratio_clamp=10)
    token = infalign.ctrl_step(rewards, lp, ref, old, ratio_level="gspo-token", **kw)
    spread = infalign.ctrl_step(rewards, lp, ref, old, ratio_level="sequence-mean", **kw)
    np.testing.assert_allclose(spread.loss_gradient, token.loss_gradient, rtol=1e-12, atol=1e-15)
    kw.update(kl_reward="0.3:k1", kl_reward_placement="after-baseline")
    token = infalign.ctrl_step(rewards, lp, ref, old, ratio_level="gspo-token", **kw)
    spread = infalign.ctrl_step(rewards, lp, ref, old, ratio_level="sequence-mean", **kw)
    assert not np.allclose(spread.loss_gradient, token.loss_gradient)
    # The spread form's gradient is the mean of the token form's over each sequence's tokens.
    lengths = np.maximum(mask.sum(-1), 1)[..., None]
    mean = (token.loss_gradient * mask).sum(-1, keepdims=True) / lengths
    np.testing.assert_allclose(spread.loss_gradient, mean * mask, rtol=1e-12, atol=1e-15)


def test_seq_mean_token_sum_norm_is_verl_0_9s_dr_grpo_aggregation():
    # verl 0.9.1 agg_loss("seq-mean-token-sum-norm"): the token sums of the non-empty responses, averaged over them,
    # divided by the horizon (max tokens).
    rewards, lp, ref, old, mask = _batch(seed=11)
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-drgrpo",
                              aggregation="seq-mean-token-sum-norm")
    ppo = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-drgrpo", aggregation="token-mean")
    lengths = mask.sum(-1)
    # The same per-token terms under token-mean have weight 1/Σ mask; rescale to 1/(non-empty · horizon).
    scale = mask.sum() / ((lengths > 0).sum() * mask.shape[-1])
    np.testing.assert_allclose(step.loss_gradient, ppo.loss_gradient * scale, rtol=1e-12, atol=1e-16)
    assert step.summary.policy_loss == pytest.approx(ppo.summary.policy_loss * scale, rel=1e-12)


def _rollout_weights(lp, old, rollout, mask, level, upper, lower=None):
    """verl 0.9.1 compute_rollout_correction_weights: exp of the (token or masked-sum) log-ratio old - rollout,
    clamped to ±20, masked, truncated at `upper` (TIS) or zeroed outside [lower, upper] (IcePop)."""
    log_ratio = old - rollout
    if level == "sequence":
        log_ratio = (log_ratio * mask).sum(-1, keepdims=True) * np.ones_like(lp)
    raw = np.exp(np.clip(log_ratio, -20, 20)) * mask
    if lower is None:
        return np.minimum(raw, upper)
    return np.where((raw >= lower) & (raw <= upper), raw, 0.0)


@pytest.mark.parametrize("spec", ["token:2", "sequence:2", "token:0.5:2", "sequence:0.8:1.25"])
def test_rollout_correction_weights_the_policy_loss_as_verl(spec):
    rewards, lp, ref, old, mask = _batch(seed=13)
    rng = np.random.default_rng(14)
    rollout = old + rng.normal(0, 0.3, size=lp.shape)
    rollout[0, 0] = old[0, 0] - 30  # past the ±20 safety bound
    level, *bounds = spec.split(":")
    upper, lower = float(bounds[-1]), (float(bounds[0]) if len(bounds) == 2 else None)
    kw = dict(mask=mask, preset="verl-grpo", kl_loss=None, aggregation="token-mean")
    plain = infalign.ctrl_step(rewards, lp, ref, old, **kw)
    step = infalign.ctrl_step(rewards, lp, ref, old, rollout_logprobs=rollout, rollout_correction=spec, **kw)
    w = _rollout_weights(lp, old, rollout, mask, level, upper, lower)
    # The same per-token PPO terms, each weighted (verl: pg_losses * rollout_is_weights).
    np.testing.assert_allclose(step.loss_gradient, plain.loss_gradient * w, rtol=1e-12, atol=1e-16)
    np.testing.assert_array_equal(step.advantages, plain.advantages)
    assert step.summary.clipped_fraction == plain.summary.clipped_fraction


def test_rollout_log_probs_and_correction_come_together():
    rewards, lp, ref, old, mask = _batch(seed=13)
    with pytest.raises(infalign.InvalidParameterError, match="rollout"):
        infalign.ctrl_step(rewards, lp, ref, old, mask=mask, rollout_correction="token:2")
    with pytest.raises(infalign.InvalidParameterError, match="rollout"):
        infalign.ctrl_step(rewards, lp, ref, old, mask=mask, rollout_logprobs=old)
    with pytest.raises(infalign.InvalidParameterError, match="lower"):
        infalign.ctrl_step(rewards, lp, ref, old, mask=mask, rollout_logprobs=old, rollout_correction="token:3:2")
    bad = old.copy()
    bad[1, 2, 0] = np.nan
    mask[1, 2, 0] = True
    with pytest.raises(infalign.NonFiniteError, match="rollout log-prob"):
        infalign.ctrl_step(rewards, lp, ref, old, mask=mask, rollout_logprobs=bad, rollout_correction="token:2")


def _rejection_mask(old, rollout, mask):
    """verl 0.9.1 compute_rollout_rejection_mask for token_k2 <= 0.1 and seq_mean_k1 in [log 0.9, log 1.1], k1 being
    -clamp(old - rollout, ±20): the response mask with the rejected tokens cleared."""
    lr = np.clip(old - rollout, -20, 20)
    keep = mask & (0.5 * lr**2 <= 0.1)
    seq = (-lr * mask).sum(-1) / (mask.sum(-1) + 1e-8)
    return keep & ((seq >= np.log(0.9)) & (seq <= np.log(1.1)))[..., None]


@pytest.mark.parametrize("aggregation", ["token-mean", "seq-mean-token-mean:1e-8", "seq-mean-token-sum-norm"])
def test_rollout_rejection_is_the_mask_less_the_rejected_tokens(aggregation):
    rewards, lp, ref, old, mask = _batch(seed=21)
    rng = np.random.default_rng(22)
    rollout = old + rng.normal(0, 0.2, size=lp.shape)
    kept = _rejection_mask(old, rollout, mask)
    assert 0 < kept.sum() < mask.sum()
    kw = dict(preset="verl-grpo", aggregation=aggregation, kl_loss="0.01:k3:10")
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, rollout_logprobs=rollout,
                              rollout_correction="reject:token-k2:0.1,reject:seq-mean-k1:0.9:1.1", **kw)
    # Without a KL-in-reward the advantages do not read the mask, so rejection is a step on the kept tokens.
    masked = infalign.ctrl_step(rewards, lp, ref, old, mask=kept, **kw)
    np.testing.assert_array_equal(step.advantages, masked.advantages)
    np.testing.assert_allclose(step.loss_gradient, masked.loss_gradient, rtol=1e-13, atol=0)
    np.testing.assert_array_equal(step.k3, masked.k3)
    assert step.summary.loss == pytest.approx(masked.summary.loss, rel=1e-13)
    assert step.summary.mean_k3 == pytest.approx(masked.summary.mean_k3, rel=1e-13)
    assert step.summary.clipped_fraction == masked.summary.clipped_fraction


def test_rollout_batch_normalize_divides_the_weights_by_their_batch_mean():
    rewards, lp, ref, old, mask = _batch(seed=23)
    rng = np.random.default_rng(24)
    rollout = old + rng.normal(0, 0.3, size=lp.shape)
    kw = dict(mask=mask, preset="verl-grpo", kl_loss=None, aggregation="token-mean", rollout_logprobs=rollout)
    plain = infalign.ctrl_step(rewards, lp, ref, old, rollout_correction="token:2", **kw)
    normalized = infalign.ctrl_step(rewards, lp, ref, old, rollout_correction="token:2,normalize", **kw)
    w = _rollout_weights(lp, old, rollout, mask, "token", 2.0)
    mean = w[mask].sum() / (mask.sum() + 1e-8)
    np.testing.assert_allclose(normalized.loss_gradient, plain.loss_gradient / mean, rtol=1e-13, atol=1e-18)


@pytest.mark.parametrize("spec", ["normalize", "token:2,token:3", "reject:seq-max-k1:2", "reject:token-k2:0.5:2",
                                  "token:2,,normalize", "reject:seq_sum_k1:2", "token:2,normalize,normalize"])
def test_rollout_correction_refuses_malformed_terms(spec):
    rewards, lp, ref, old, mask = _batch(seed=13)
    with pytest.raises((infalign.ParseError, infalign.InvalidParameterError)):
        infalign.ctrl_step(rewards, lp, ref, old, mask=mask, rollout_logprobs=old, rollout_correction=spec)
