"""The 2025-26 loss conventions against the installed verl (0.9.1 checked): CISPO (`compute_policy_loss_cispo`) and
GSPO's token ratio (`compute_policy_loss_gspo`) through verl's policy-loss registry, with torch autograd through
verl's loss against ``loss_gradient``; float64 within 1e-12."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
core_algos = pytest.importorskip("verl.trainer.ppo.core_algos")
verl_config = pytest.importorskip("verl.workers.config")

import infalign  # noqa: E402

VERL_CHECKED = "0.9"


def test_verl_version_is_the_one_checked():
    import verl

    assert verl.__version__.startswith(VERL_CHECKED), verl.__version__


def _batch(seed, groups=5, size=4, tokens=7):
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=(groups, size))
    rewards[1] = 2.0  # a zero-variance group
    rewards[3, :2] = rewards[3, 2]  # ties
    lp = rng.normal(-2, 0.3, size=(groups, size, tokens))
    old = lp + rng.normal(0, 0.4, size=lp.shape)  # ratios outside the clip range
    old[0, 0, :] = lp[0, 0, :] - 25  # log-ratios past the clamps
    old[2, 1, :] = lp[2, 1, :] + 25
    lengths = rng.integers(0, tokens + 1, size=(groups, size))
    lengths[0, 0] = lengths[2, 1] = tokens
    mask = np.arange(tokens)[None, None, :] < lengths[:, :, None]
    return rewards, lp, lp - 0.1, old, mask


def _verl(mode, lp, old, advantages, mask, low, high, aggregation):
    config = verl_config.ActorConfig(strategy="fsdp", ppo_micro_batch_size_per_gpu=1, clip_ratio_low=low,
                                     clip_ratio_high=high, rollout_n=1)
    flat = lambda x: torch.tensor(x.reshape(-1, x.shape[-1]), dtype=torch.float64)  # noqa: E731
    log_prob = flat(lp).requires_grad_(True)
    adv = torch.tensor(np.broadcast_to(advantages[..., None], lp.shape).reshape(-1, lp.shape[-1]))
    loss, metrics = core_algos.get_policy_loss_fn(mode)(
        old_log_prob=flat(old), log_prob=log_prob, advantages=adv, response_mask=flat(mask.astype(float)),
        loss_agg_mode=aggregation, config=config)
    loss.backward()
    return loss.item(), log_prob.grad.numpy().reshape(lp.shape), metrics


OUR_AGGREGATION = {"token-mean": "token-mean", "seq-mean-token-mean": "seq-mean-token-mean:1e-8"}


@pytest.mark.parametrize("aggregation", ["token-mean", "seq-mean-token-mean"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cispo_equals_verls_installed_loss_and_gradient(seed, aggregation):
    rewards, lp, ref, old, mask = _batch(seed)
    low, high = 0.2, 0.28
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-grpo", policy_loss="cispo",
                              dual_clip=None, kl_loss=None, clip_low=low, clip_high=high,
                              aggregation=OUR_AGGREGATION[aggregation])
    loss, grad, metrics = _verl("cispo", lp, old, step.advantages, mask, low, high, aggregation)
    assert abs(step.summary.policy_loss - loss) <= 1e-12 * max(1.0, abs(loss))
    np.testing.assert_allclose(step.loss_gradient, grad, rtol=1e-12, atol=1e-15)
    # verl averages the clipped flags after `.float()`: float32, so its fraction is exact only to ~1e-7.
    assert step.summary.clipped_fraction == pytest.approx(metrics["actor/pg_clipfrac"], abs=1e-7)


@pytest.mark.parametrize("aggregation", ["token-mean", "seq-mean-token-mean"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_gspo_token_ratio_equals_verls_installed_loss_and_gradient(seed, aggregation):
    rewards, lp, ref, old, mask = _batch(seed)
    low, high = 3e-4, 4e-4  # verl's GSPO recipe
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-grpo", ratio_level="gspo-token",
                              dual_clip=None, kl_loss=None, clip_low=low, clip_high=high, log_ratio_clamp=10,
                              aggregation=OUR_AGGREGATION[aggregation])
    loss, grad, metrics = _verl("gspo", lp, old, step.advantages, mask, low, high, aggregation)
    assert abs(step.summary.policy_loss - loss) <= 1e-12 * max(1.0, abs(loss))
    np.testing.assert_allclose(step.loss_gradient, grad, rtol=1e-12, atol=1e-15)
    # verl averages the clipped flags after `.float()`: float32, so its fraction is exact only to ~1e-7.
    assert step.summary.clipped_fraction == pytest.approx(metrics["actor/pg_clipfrac"], abs=1e-7)


rollout_corr = pytest.importorskip("verl.trainer.ppo.rollout_corr_helper")


@pytest.mark.parametrize("level,threshold,ours", [
    ("token", 2.0, "token:2"), ("sequence", 2.0, "sequence:2"),
    ("token", "0.5_2.0", "token:0.5:2"), ("sequence", "0.8_1.25", "sequence:0.8:1.25")])
@pytest.mark.parametrize("seed", [1, 2])
def test_rollout_correction_equals_verls_installed_weights_and_loss(seed, level, threshold, ours):
    rewards, lp, ref, old, mask = _batch(seed)
    rng = np.random.default_rng(100 + seed)
    rollout = old + rng.normal(0, 0.3, size=lp.shape)
    rollout[1, 0] = old[1, 0] - 30  # past verl's ±20 safety bound
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-grpo", kl_loss=None,
                              rollout_logprobs=rollout, rollout_correction=ours)
    flat = lambda x: torch.tensor(x.reshape(-1, x.shape[-1]), dtype=torch.float64)  # noqa: E731
    weights, _ = rollout_corr.compute_rollout_correction_weights(
        log_ratio=flat(old) - flat(rollout), response_mask=flat(mask.astype(float)), rollout_is=level,
        rollout_is_threshold=threshold)
    config = verl_config.ActorConfig(strategy="fsdp", ppo_micro_batch_size_per_gpu=1, clip_ratio=0.2,
                                     clip_ratio_c=3.0, rollout_n=1)
    log_prob = flat(lp).requires_grad_(True)
    adv = torch.tensor(np.broadcast_to(step.advantages[..., None], lp.shape).reshape(-1, lp.shape[-1]))
    loss, _ = core_algos.get_policy_loss_fn("vanilla")(
        old_log_prob=flat(old), log_prob=log_prob, advantages=adv, response_mask=flat(mask.astype(float)),
        loss_agg_mode="token-mean", config=config, rollout_is_weights=weights)
    loss.backward()
    assert abs(step.summary.policy_loss - loss.item()) <= 1e-12 * max(1.0, abs(loss.item()))
    np.testing.assert_allclose(step.loss_gradient, log_prob.grad.numpy().reshape(lp.shape), rtol=1e-12, atol=1e-15)


def _verl_rollout_step(rewards, lp, ref, old, rollout, mask, rollout_is, is_threshold, normalize, rollout_rs,
                       rs_threshold, aggregation, kl_coefficient):
    """verl 0.9.1 as its trainer runs it (`ray_trainer.py`): `compute_rollout_correction_and_rejection_mask` on the
    batch (IS weights on the sampled mask, rejection multiplied into `response_mask`), then the actor's vanilla PPO
    loss with `rollout_is_weights` and the low-var-KL loss, both aggregated over the rejected mask; autograd."""
    flat = lambda x: torch.tensor(x.reshape(-1, x.shape[-1]), dtype=torch.float64)  # noqa: E731
    response_mask = flat(mask.astype(float))
    weights, modified_mask, _ = rollout_corr.compute_rollout_correction_and_rejection_mask(
        old_log_prob=flat(old), rollout_log_prob=flat(rollout), response_mask=response_mask, rollout_is=rollout_is,
        rollout_is_threshold=is_threshold, rollout_is_batch_normalize=normalize, rollout_rs=rollout_rs,
        rollout_rs_threshold=rs_threshold)
    scores = torch.tensor(rewards.reshape(-1), dtype=torch.float64)
    token_rewards = torch.zeros_like(response_mask)
    token_rewards[:, -1] = scores  # the outcome reward on the last token (verl sums token_level_rewards)
    index = np.repeat(np.arange(rewards.shape[0]), rewards.shape[1])
    advantages, _ = core_algos.compute_grpo_outcome_advantage(token_rewards, modified_mask, index)
    config = verl_config.ActorConfig(strategy="fsdp", ppo_micro_batch_size_per_gpu=1, clip_ratio=0.2,
                                     clip_ratio_c=3.0, rollout_n=1)
    log_prob = flat(lp).requires_grad_(True)
    pg_loss, _ = core_algos.get_policy_loss_fn("vanilla")(
        old_log_prob=flat(old), log_prob=log_prob, advantages=advantages, response_mask=modified_mask,
        loss_agg_mode=aggregation, config=config,
        rollout_is_weights=None if weights is None else weights.batch["rollout_is_weights"])
    kld = core_algos.kl_penalty(log_prob, flat(ref), kl_penalty="low_var_kl")
    kl_loss = core_algos.agg_loss(kld, modified_mask, aggregation)
    (pg_loss + kl_coefficient * kl_loss).backward()
    return (pg_loss.item(), kl_coefficient * kl_loss.item(), log_prob.grad.numpy().reshape(lp.shape),
            modified_mask.numpy().reshape(lp.shape))


ROLLOUT_CASES = [
    # (verl rollout_is, rollout_is_threshold, rollout_is_batch_normalize, rollout_rs, rollout_rs_threshold, ours)
    ("sequence", 2.0, False, "seq_sum_k1", "0.5_2.0", "sequence:2,reject:seq-sum-k1:0.5:2"),  # Seq-MIS
    (None, 2.0, False, "seq_mean_k1", "0.9_1.1", "reject:seq-mean-k1:0.9:1.1"),  # Geo-RS
    ("token", 2.0, False, "seq_mean_k3", 0.05, "token:2,reject:seq-mean-k3:0.05"),  # K3-RS + token TIS
    ("token", "0.5_2.0", False, "token_k1", 1.5, "token:0.5:2,reject:token-k1:1.5"),  # lower = 1/upper
    (None, 2.0, False, "token_k1", "0.7_1.05", "reject:token-k1:0.7:1.05"),  # asymmetric: k1 is -log r
    (None, 2.0, False, "token_k2,seq_max_k3", "0.1,0.12", "reject:token-k2:0.1,reject:seq-max-k3:0.12"),
    ("token", 2.0, False, "seq_sum_k2,token_k3", "0.5,0.1", "token:2,reject:seq-sum-k2:0.5,reject:token-k3:0.1"),
    ("sequence", 3.0, False, "seq_max_k2", 0.2, "sequence:3,reject:seq-max-k2:0.2"),
    ("token", 2.0, True, None, None, "token:2,normalize"),
    ("sequence", "0.2_5.0", True, None, None, "sequence:0.2:5,normalize"),
    ("sequence", 2.0, True, "seq_mean_k1", "0.8_1.25", "sequence:2,normalize,reject:seq-mean-k1:0.8:1.25"),
]


@pytest.mark.parametrize("aggregation", ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"])
@pytest.mark.parametrize("case", ROLLOUT_CASES, ids=[c[-1] for c in ROLLOUT_CASES])
@pytest.mark.parametrize("seed", [1, 2])
def test_rollout_rejection_equals_verls_installed_mask_weights_loss_and_gradient(seed, case, aggregation):
    rollout_is, is_threshold, normalize, rollout_rs, rs_threshold, ours = case
    rewards, lp, ref, old, mask = _batch(seed)
    rng = np.random.default_rng(200 + seed)
    rollout = old + rng.normal(0, 0.25, size=lp.shape)
    rollout[1, 0] = old[1, 0] - 30  # past verl's ±20 safety bound
    rollout[3, 2] = old[3, 2] + 0.01  # a response close to the rollout policy (kept by every criterion)
    beta = 0.01
    our_aggregation = {"seq-mean-token-mean": "seq-mean-token-mean:1e-8"}.get(aggregation, aggregation)
    step = infalign.ctrl_step(rewards, lp, ref, old, mask=mask, preset="verl-grpo", rollout_logprobs=rollout,
                              rollout_correction=ours, aggregation=our_aggregation,
                              kl_loss=f"{beta}:k3:10")
    pg, kl, grad, kept = _verl_rollout_step(rewards, lp, ref, old, rollout, mask, rollout_is, is_threshold, normalize,
                                            rollout_rs, rs_threshold, aggregation, beta)
    if rollout_rs is not None:  # the batch exercises rejection without rejecting everything
        assert 0 < kept.sum() < mask.sum(), (kept.sum(), mask.sum())
    assert abs(step.summary.policy_loss - pg) <= 1e-12 * max(1.0, abs(pg))
    assert abs(step.summary.kl_loss - kl) <= 1e-12 * max(1.0, abs(kl))
    np.testing.assert_allclose(step.loss_gradient, grad, rtol=1e-12, atol=1e-15)
    # A rejected token is out of the loss: its gradient and KL columns are 0, as for a masked token.
    rejected = mask & (kept == 0)
    assert np.all(step.loss_gradient[rejected] == 0) and np.all(step.k3[rejected] == 0)
