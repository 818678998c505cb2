"""infalign.integrations.distill (numpy only): the weighted-SFT columns and the iterated importance weights against
a float64 brute force, the ESS threshold, and typed errors naming the prompt and sample."""

import warnings

import numpy as np
import pytest

import infalign
from infalign.integrations.distill import (LowESSError, LowESSWarning, iterated_tilt_weights, tilt_columns)


def _mid_rank(r, refs):
    """u = (#{refs < r} + ½·#{refs = r}) / M, by hand."""
    refs = np.asarray(refs, dtype=np.float64)
    return np.array([((refs < x).sum() + 0.5 * (refs == x).sum()) / refs.size for x in r])


def _brute_iterated(rewards, lp, lr, refs, phi, beta):
    """w_i = K·e^{a_i}/Σ_j e^{a_j}, a = log π_ref − log π_k + Φ(u)/β, per prompt, in float64 (shifted by the max)."""
    out = []
    for b in range(rewards.shape[0]):
        a = lr[b] - lp[b] + phi(_mid_rank(rewards[b], refs[b])) / beta
        e = np.exp(a - a.max())
        out.append(a.size * e / e.sum())
    return np.array(out)


def test_columns_match_tilt_weights_ragged_and_leave_one_out():
    prompts = ["q:1", "q:2"]
    completions = [["a", "b", "c"], ["d", "e", "f", "g"]]
    rewards = [[0.1, 0.7, 0.3], [2.0, -1.0, 0.5, 0.5]]
    columns, tilt = tilt_columns(prompts, completions, rewards, transform="exp:3", beta=0.5)
    assert columns["prompt"] == ["q:1"] * 3 + ["q:2"] * 4
    assert columns["completion"] == list("abcdefg")
    assert columns["prompt_index"] == [0, 0, 0, 1, 1, 1, 1]
    for b, (lo, hi) in enumerate([(0, 3), (3, 7)]):
        direct = infalign.tilt_weights(np.array(rewards[b]), transform="exp:3", beta=0.5)
        np.testing.assert_allclose(columns["weight"][lo:hi], direct.weights, rtol=1e-13)
        assert np.isclose(np.mean(columns["weight"][lo:hi]), 1.0)
        assert tilt.ess[b] == pytest.approx(direct.ess[0])


def test_columns_with_references_sequence_and_mapping():
    refs = {"q:1": [0.0, 0.2, 0.4, 0.6], "q:2": [-2.0, 0.0, 1.0]}
    rewards = [[0.1, 0.7], [2.0, -1.0, 0.5]]
    completions = [["a", "b"], ["c", "d", "e"]]
    by_map, _ = tilt_columns(["q:1", "q:2"], completions, rewards, refs, kl=0.3)
    by_seq, tilt = tilt_columns(["q:1", "q:2"], completions, rewards, [refs["q:1"], refs["q:2"]], kl=0.3)
    assert by_map["weight"] == by_seq["weight"]
    u = np.concatenate([_mid_rank(rewards[0], refs["q:1"]), _mid_rank(rewards[1], refs["q:2"])])
    np.testing.assert_allclose(by_seq["calibrated"], u, rtol=0, atol=1e-15)
    assert tilt.exact_kl == pytest.approx(0.3, rel=1e-6)


def test_columns_errors_are_typed_and_name_the_prompt():
    with pytest.raises(infalign.ShapeError, match="prompt 1: 2 completions but 3 rewards"):
        tilt_columns(["x", "y"], [["a", "b"], ["c", "d"]], [[0.0, 1.0], [0.0, 1.0, 2.0]], beta=1.0)
    with pytest.raises(infalign.ShapeError, match="2 prompts"):
        tilt_columns(["x", "y"], [["a", "b"]], [[0.0, 1.0]], beta=1.0)
    with pytest.raises(infalign.NonFiniteError, match="prompt 1"):
        tilt_columns(["x", "y"], [["a", "b"], ["c", "d"]], [[0.0, 1.0], [np.nan, 1.0]], beta=1.0)
    from infalign.integrations.trl import MissingReferenceError

    with pytest.raises(MissingReferenceError, match="prompt 1"):
        tilt_columns(["x", "y"], [["a"], ["b"]], [[0.0], [1.0]], {"x": [0.0, 1.0]}, beta=1.0)


@pytest.mark.parametrize("transform,phi", [("identity", lambda u: u), ("exp:4", lambda u: np.exp(4 * u)),
                                           ("negexp:2", lambda u: -np.exp(-2 * u))])
def test_iterated_equals_tilt_weights_when_policy_is_reference(transform, phi):
    rng = np.random.default_rng(0)
    rewards, refs = rng.normal(size=(5, 8)), rng.normal(size=(5, 20))
    logps = rng.normal(-20, 5, size=(5, 8))
    it = iterated_tilt_weights(rewards, logps, logps, refs, transform, beta=0.3)
    direct = infalign.tilt_weights(rewards, refs, transform, beta=0.3)
    np.testing.assert_allclose(it.weights, direct.weights, rtol=1e-12)
    np.testing.assert_allclose(it.ess, direct.ess, rtol=1e-12)
    np.testing.assert_allclose(it.kl, direct.kl, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(it.log_z, direct.log_z, rtol=1e-12)


@pytest.mark.parametrize("transform,phi", [("identity", lambda u: u), ("exp:4", lambda u: np.exp(4 * u))])
def test_iterated_matches_the_brute_force(transform, phi):
    rng = np.random.default_rng(1)
    rewards, refs = rng.normal(size=(6, 10)), rng.normal(size=(6, 15))
    lp, lr = rng.normal(-30, 3, size=(6, 10)), rng.normal(-30, 3, size=(6, 10))
    it = iterated_tilt_weights(rewards, lp, lr, refs, transform, beta=0.7)
    want = _brute_iterated(rewards, lp, lr, refs, phi, 0.7)
    np.testing.assert_allclose(it.weights, want, rtol=1e-11)
    np.testing.assert_allclose(it.log_weights, np.log(want), rtol=0, atol=1e-11)
    np.testing.assert_allclose(it.ess, want.sum(1) ** 2 / (want ** 2).sum(1), rtol=1e-11)
    np.testing.assert_allclose(it.kl, (want / 10 * np.log(want)).sum(1), rtol=1e-10, atol=1e-14)
    # log Z: the importance-sampling estimate log mean(e^{Φ(u)/β}·π_ref/π_k).
    for b in range(6):
        a = phi(_mid_rank(rewards[b], refs[b])) / 0.7 + lr[b] - lp[b]
        assert it.log_z[b] == pytest.approx(a.max() + np.log(np.mean(np.exp(a - a.max()))), rel=1e-12)


def test_iterated_is_log_space_safe_and_ragged():
    # Log-ratios of ±800 nats and exp:700 would overflow any direct exponentiation.
    rewards = np.array([0.0, 1.0, 2.0, 5.0, 6.0])
    offsets, ref_offsets = [0, 3, 5], [0, 4, 7]
    refs = np.array([0.5, 1.5, 2.5, 3.5, 5.5, 6.5, 7.5])
    lp = np.array([-900.0, -100.0, -50.0, -10.0, -20.0])
    lr = np.array([-100.0, -900.0, -50.0, -15.0, -20.0])
    it = iterated_tilt_weights(rewards, lp, lr, refs, "exp:700", scaled_beta=0.5, reward_offsets=offsets,
                               reference_offsets=ref_offsets)
    assert np.all(np.isfinite(it.weights)) and it.weights.shape == (5,)
    # Log-ratios of 800 nats carry ulp(800) ≈ 1e-13 of rounding into the normalized weights.
    np.testing.assert_allclose([it.weights[:3].mean(), it.weights[3:].mean()], 1.0, rtol=1e-12)
    assert it.weights[0] == pytest.approx(3.0)  # +800 nats of ratio dominate prompt 0


def test_ess_threshold_warns_raises_or_flags():
    rewards, refs = np.array([[0.0, 1.0, 2.0, 3.0]] * 2), np.array([[0.5, 1.5, 2.5]] * 2)
    lp = np.zeros((2, 4))
    lr = np.array([[0.0, 0.0, 0.0, 0.0], [20.0, 0.0, 0.0, 0.0]])  # prompt 1: one sample carries the weight
    with pytest.warns(LowESSWarning, match=r"1 of 2 prompts .*prompt 1 \(ESS 1"):
        it = iterated_tilt_weights(rewards, lp, lr, refs, beta=1.0, min_ess=0.5)
    assert it.low_ess.tolist() == [False, True] and it.ess_fraction[0] > 0.5
    with pytest.raises(LowESSError) as error:
        iterated_tilt_weights(rewards, lp, lr, refs, beta=1.0, min_ess=0.5, on_low_ess="raise")
    assert error.value.prompts.tolist() == [1] and error.value.ess[0] < 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = iterated_tilt_weights(rewards, lp, lr, refs, beta=1.0, min_ess=0.5, on_low_ess="ignore")
        none = iterated_tilt_weights(rewards, lp, lr, refs, beta=1.0)
    assert quiet.low_ess.tolist() == [False, True] and not none.low_ess.any()


def test_iterated_errors_are_typed_and_named():
    rewards, refs = np.zeros((2, 3)), np.ones((2, 4))
    good = np.zeros((2, 3))
    with pytest.raises(infalign.ShapeError, match="policy_logps has shape"):
        iterated_tilt_weights(rewards, np.zeros((2, 2)), good, refs, beta=1.0)
    bad = good.copy()
    bad[1, 2] = np.nan
    with pytest.raises(infalign.NonFiniteError, match="reference_logps: nan at prompt 1, sample 2"):
        iterated_tilt_weights(rewards, good, bad, refs, beta=1.0)
    nan_rewards = rewards.copy()
    nan_rewards[1, 0] = np.nan
    with pytest.raises(infalign.NonFiniteError, match="prompt 1"):
        iterated_tilt_weights(nan_rewards, good, good, refs, beta=1.0)
    with pytest.raises(ValueError, match="reference rewards"):
        iterated_tilt_weights(rewards, good, good, None, beta=1.0)
    with pytest.raises(ValueError, match="min_ess"):
        iterated_tilt_weights(rewards, good, good, refs, beta=1.0, min_ess=1.5)
