"""The CTRL step's presets, estimators and token level through the C ABI (the Swift suite InfAlignCTests checks
each preset against CTRLStep.run bit for bit; these check the Python layer's shapes, values and errors)."""

import numpy as np
import pytest

import infalign


def _tokens(dtype, groups=3, size=4, tokens=5, seed=1):
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=(groups, size)).astype(dtype)
    lp = rng.normal(-2, 0.2, size=(groups, size, tokens)).astype(dtype)
    lr = (lp + rng.normal(0, 0.05, size=lp.shape)).astype(dtype)
    old = (lp + rng.normal(0, 0.05, size=lp.shape)).astype(dtype)
    lengths = rng.integers(1, tokens + 1, size=(groups, size))
    mask = np.arange(tokens)[None, None, :] < lengths[:, :, None]
    return rewards, lp, lr, old, mask


def test_token_level_shapes_and_mask(dtype):
    rewards, lp, lr, old, mask = _tokens(dtype)
    step = infalign.ctrl_step(rewards, lp, lr, old, mask=mask, kl_loss="0.01:k3")
    assert step.advantages.shape == rewards.shape and step.valid.shape == rewards.shape
    assert step.loss_gradient.shape == lp.shape and step.k3.shape == lp.shape
    assert np.all(step.loss_gradient[~mask] == 0) and np.all(step.k1[~mask] == 0)
    s = step.summary
    assert s.kl_loss > 0 and abs(s.loss - (s.policy_loss + s.kl_loss)) <= 1e-12 * max(1, abs(s.loss))
    # Tokens outside the mask do not matter: changing them leaves every output the same.
    lp2 = lp.copy()
    lp2[~mask] = 123
    again = infalign.ctrl_step(rewards, lp2, lr, old, mask=mask, kl_loss="0.01:k3")
    assert np.array_equal(again.loss_gradient, step.loss_gradient) and again.summary == step.summary


def test_sequence_level_equals_one_token_per_sample(dtype):
    rewards, lp, lr, old, _ = _tokens(dtype, tokens=1)
    seq = infalign.ctrl_step(rewards, lp[..., 0], lr[..., 0], old[..., 0], transform="exp:1.5")
    tok = infalign.ctrl_step(rewards, lp, lr, old, transform="exp:1.5")
    assert np.array_equal(seq.advantages, tok.advantages)
    assert np.array_equal(seq.loss_gradient, tok.loss_gradient[..., 0])


def test_trl_grpo_preset_is_the_group_normalized_raw_reward():
    rewards = np.array([[1.0, 2.0, 4.0, 7.0], [3.0, 3.0, 3.0, 3.0]])
    zeros = np.zeros_like(rewards)
    step = infalign.ctrl_step(rewards, zeros, zeros, preset="trl-grpo")
    row = rewards[0]
    expected = (row - row.mean()) / (row.std(ddof=1) + 1e-4)
    np.testing.assert_allclose(step.advantages[0], expected, rtol=1e-14)
    assert np.all(step.advantages[1] == 0)
    assert np.array_equal(step.calibrated, rewards)  # no calibration in a peer preset
    # A preset plus a single change, and every preset runs.
    for preset in infalign.ctrl.PRESETS:
        infalign.ctrl_step(rewards, zeros, zeros, preset=preset)
    rloo = infalign.ctrl_step(rewards, zeros, zeros, preset="trl-grpo", baseline="rloo", scale="none")
    np.testing.assert_allclose(rloo.advantages[0], row - (row.sum() - row) / 3, rtol=1e-14)


def test_estimators_and_calibration_modes():
    rng = np.random.default_rng(4)
    rewards = rng.normal(size=(4, 8))
    zeros = np.zeros_like(rewards)
    maxk = infalign.ctrl_step(rewards, zeros, zeros, estimator="max@k:4:marginal", calibration="none")
    assert np.all(maxk.advantages >= 0)  # marginal gains of the maximum are never negative
    binary = (rewards > 0).astype(float)
    passk = infalign.ctrl_step(binary, zeros, zeros, estimator="analytic-pass@k:2", calibration="none")
    assert np.isfinite(passk.advantages).all()
    distill = infalign.ctrl_step(rewards, zeros, zeros, estimator="bon-distill:4")
    assert np.isfinite(distill.advantages).all()
    with pytest.raises(infalign.InvalidParameterError, match="k"):
        infalign.ctrl_step(rewards, zeros, zeros, estimator="max@k:9", calibration="none")
    with pytest.raises(infalign.InvalidParameterError, match="transform"):
        infalign.ctrl_step(rewards, zeros, zeros, transform="exp:2", calibration="none")


def test_option_errors_name_the_option():
    rewards = np.zeros((1, 4))
    cases = [
        (dict(estimator="max@k:0"), infalign.ParseError, 'ctrl option estimator "max@k:0"'),
        (dict(estimator="max@k:2:best"), infalign.ParseError, 'k-subset baseline "best"'),
        (dict(estimator="top2"), infalign.ParseError, "expected standard, max@k"),
        (dict(baseline="median"), infalign.ParseError, 'ctrl option baseline "median"'),
        (dict(scale="global"), infalign.ParseError, "expected none, group, batch or batch-whiten"),
        (dict(single_sample="one"), infalign.ParseError, "expected zero, mean-zero-std-one or raw"),
        (dict(kl_loss="0.1:k9"), infalign.ParseError, 'KL estimator "k9"'),
        (dict(kl_reward="x"), infalign.ParseError, 'ctrl option kl_reward "x"'),
        (dict(kl_reward="0.1:k1:10:sideways"), infalign.ParseError, "straight-through"),
        (dict(kl_reward_source="ref"), infalign.ParseError, "expected policy or old-policy"),
        (dict(kl_reward_placement="end"), infalign.ParseError, "expected before-baseline or after-baseline"),
        (dict(ratio_level="word"), infalign.ParseError, "expected token, sequence-mean, sequence-sum or gspo-token"),
        (dict(policy_loss="grpo"), infalign.ParseError, "expected ppo or cispo"),
        (dict(aggregation="median"), infalign.ParseError, "expected token-mean"),
        (dict(aggregation="token-sum-norm:per-token"), infalign.ParseError, "per-sequence"),
        (dict(calibration="table"), infalign.ParseError, "expected group or none"),
        (dict(smoothing="maybe"), infalign.ParseError, "expected true or false"),
        (dict(dual_clip=0.5), infalign.InvalidParameterError, "invalid dualClip = 0.5"),
        (dict(ratio_cap=1.0), infalign.InvalidParameterError, "invalid ratioCap = 1"),
        (dict(log_ratio_clamp=0.0), infalign.InvalidParameterError, "invalid logRatioClamp = 0"),
        (dict(clip_low=1.5), infalign.InvalidParameterError, "invalid clipLow = 1.5"),
        (dict(distillation_epsilon=0.0), infalign.InvalidParameterError, "invalid distillationEpsilon = 0"),
        (dict(scale="group", std_floor=0.0, std_epsilon=0.0), infalign.InvalidParameterError, "stdFloor"),
        (dict(std_epsilon=-1.0), infalign.InvalidParameterError, "invalid std_epsilon = -1"),
    ]
    for kwargs, error, fragment in cases:
        with pytest.raises(error, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            infalign.ctrl_step(rewards, rewards, rewards, **kwargs)
    with pytest.raises(infalign.ParseError, match=r'cannot parse preset "ppo"'):
        infalign.CTRLOptions(preset="ppo")
    with pytest.raises(TypeError, match="unexpected keyword"):
        infalign.CTRLOptions(temperature=1.0)


def test_token_level_input_errors(dtype):
    rewards, lp, lr, old, mask = _tokens(dtype)
    with pytest.raises(ValueError, match="mask has shape"):
        infalign.ctrl_step(rewards, lp, lr, mask=mask[:, :, :2])
    with pytest.raises(ValueError, match="reference_logprobs has shape"):
        infalign.ctrl_step(rewards, lp, lr[:, :, :2])
    bad = lp.copy()
    bad[1, 2, 0] = np.nan
    with pytest.raises(infalign.NonFiniteError, match=r"prompt 1"):
        infalign.ctrl_step(rewards, bad, lr, mask=mask)


def test_every_preset_equals_infalign_ctrl_to_the_last_bit(cli, tmp_path):
    import json

    rng = np.random.default_rng(12)
    groups, size = 7, 6
    rewards = np.round(rng.normal(size=(groups, size)), 1)  # ties
    rewards[3] = 0.5  # a zero-variance group
    # Multiples of 2^-10: their decimal forms are read exactly by any JSON parser. (The CLI's Foundation
    # JSONSerialization on Linux reads 17-digit doubles up to a few ulps off, e.g. -3.5881540072317857 as
    # -3.5881540072317852, so arbitrary doubles would test the parser rather than the step.)
    def dyadic(x):
        return np.round(x * 1024) / 1024

    lp = dyadic(rng.normal(-3, 0.5, size=(groups, size)))
    lr = dyadic(lp + rng.normal(0, 0.2, size=(groups, size)))
    old = dyadic(lp + rng.normal(0, 0.3, size=(groups, size)))  # ratios outside the clip range
    refs = dyadic(rng.normal(size=(groups, 20)))
    source = tmp_path / "batch.jsonl"
    source.write_text("".join(json.dumps({
        "id": b, "rewards": rewards[b].tolist(), "policy_logprobs": lp[b].tolist(),
        "reference_logprobs": lr[b].tolist(), "old_logprobs": old[b].tolist(),
        "reference_rewards": refs[b].tolist()}) + "\n" for b in range(groups)))
    cases = [(preset, [], {}) for preset in infalign.ctrl.PRESETS] + [
        ("infalign", ["--transform", "exp:2", "--calibration", "reference"], dict(transform="exp:2")),
        ("trl-grpo", ["--calibration", "group", "--transform", "exp:3"], dict(calibration="group", transform="exp:3")),
    ]
    for preset, flags, kwargs in cases:
        out = tmp_path / "out.jsonl"
        [summary] = cli("ctrl", "--input", source, "--output", out, "--preset", preset, *flags, "--format", "json",
                        parse_json=True)
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        references = refs if "reference" in flags else None
        step = infalign.ctrl_step(rewards, lp, lr, old, preset=preset, references=references, **kwargs)
        for name in ("advantages", "loss_gradient", "k1", "k2", "k3", "calibrated", "transformed"):
            cli_values = np.array([line[name] for line in lines])
            assert cli_values.tobytes() == getattr(step, name).tobytes(), (preset, flags, name)
        assert summary["loss"] == step.summary.loss, (preset, flags)
