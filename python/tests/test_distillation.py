"""infalign.tilt_weights against a numpy brute force, closed forms and the exact analysis."""

import numpy as np
import pytest

import infalign


def _brute(u, phi, beta):
    """Direct formulas in float64: e = exp(Φ(u)/β), Z = mean e, w = e/Z, ESS, KL = Σ (w/K) log w."""
    e = np.exp(phi(u.astype(np.float64)) / beta)
    z = e.mean()
    w = e / z
    return w, np.log(z), w.sum() ** 2 / (w * w).sum(), np.sum(w / w.size * np.log(w))


def test_dense_matches_the_brute_force(dtype):
    rng = np.random.default_rng(3)
    rewards = rng.integers(0, 20, size=(12, 16)).astype(dtype)
    refs = rng.normal(5, 4, size=(12, 30)).astype(dtype)
    tol = 2e-5 if dtype == np.float32 else 1e-12
    for text, phi in [("identity", lambda u: u), ("exp:3", lambda u: np.exp(3 * u)),
                      ("negexp:2", lambda u: -np.exp(-2 * u))]:
        for references in (None, refs):
            result = infalign.tilt_weights(rewards, references, text, beta=0.4)
            u = infalign.calibrate(rewards, refs) if references is not None else \
                infalign.calibrate(rewards, leave_one_out=True)
            assert result.weights.dtype == dtype and result.weights.shape == rewards.shape
            np.testing.assert_array_equal(result.calibrated, u)
            assert result.beta == 0.4
            for b in range(rewards.shape[0]):
                w, log_z, ess, kl = _brute(u[b], phi, 0.4)
                np.testing.assert_allclose(result.weights[b], w, rtol=tol)
                np.testing.assert_allclose(result.log_z[b], log_z, rtol=1e-12)
                np.testing.assert_allclose(result.ess[b], ess, rtol=1e-12)
                np.testing.assert_allclose(result.kl[b], kl, rtol=1e-10, atol=1e-15)


def test_ragged_and_kl_budget_match_the_analysis():
    rewards = np.array([0.0, 1, 2, 3, 5, 5, 9], dtype=np.float64)
    offsets = np.array([0, 4, 7])
    result = infalign.tilt_weights(rewards, transform="exp:5", kl=0.5, reward_offsets=offsets,
                                   procedures=("bon:4", "won:4", "standard"))
    assert result.beta == infalign.beta_for_kl("exp:5", 0.5)
    bon = infalign.analyze("exp:5", "bon:4", kl=0.5)
    assert result.win_rates["bon:4"] == bon.win_rate
    assert result.win_rates["won:4"] == infalign.analyze("exp:5", "won:4", kl=0.5).win_rate
    assert result.standard_win_rate == bon.standard_win_rate == result.win_rates["standard"]
    assert abs(result.exact_kl - 0.5) < 1e-8 and result.exact_log_z == bon.log_z
    for b in range(2):
        w = result.weights[offsets[b]:offsets[b + 1]]
        assert abs(w.mean() - 1) < 1e-14
    # ragged references
    refs = np.array([0.0, 2, 4, 1, 3])
    ragged = infalign.tilt_weights(rewards, refs, beta=1, reward_offsets=offsets, reference_offsets=[0, 3, 5])
    dense_first = infalign.tilt_weights(rewards[:4], refs[:3], beta=1)
    np.testing.assert_array_equal(ragged.weights[:4], dense_first.weights)


def test_equal_rewards_and_large_exponential(dtype):
    same = infalign.tilt_weights(np.full((2, 5), 3, dtype=dtype), transform="exp:8", beta=0.01)
    assert np.all(same.weights == 1) and np.all(same.ess == 5) and np.all(same.kl == 0)
    rng = np.random.default_rng(4)
    rewards = rng.normal(size=(2, 300)).astype(dtype)
    big = infalign.tilt_weights(rewards, transform="exp:3000", scaled_beta=0.05)
    assert big.beta == np.inf and np.isinf(big.transformed).any() and np.isfinite(big.weights).all()
    for b in range(2):
        h = np.exp(3000 * (big.calibrated[b].astype(np.float64) - 1)) / 0.05  # Φ/β in the scaled form
        log_mean = np.logaddexp.reduce(h) - np.log(h.size)
        np.testing.assert_allclose(big.log_z[b], log_mean, rtol=1e-12)
        np.testing.assert_allclose(big.weights[b], np.exp(h - log_mean), rtol=2e-5 if dtype == np.float32 else 1e-11)


def test_inputs_are_not_copied_and_threads_agree(monkeypatch):
    from infalign import _arrays

    rng = np.random.default_rng(5)
    rewards, refs = rng.normal(size=(500, 8)), rng.normal(size=(500, 20))
    seen = []
    original = _arrays.inp

    def spy(x, dt, name):
        a = original(x, dt, name)
        seen.append((x, a))
        return a

    monkeypatch.setattr(_arrays, "inp", spy)
    one = infalign.tilt_weights(rewards, refs, "exp:4", kl=1, threads=1)
    assert seen and all(a is x for x, a in seen)
    many = infalign.tilt_weights(rewards, refs, "exp:4", kl=1, threads=4)
    assert np.array_equal(one.weights, many.weights) and np.array_equal(one.kl, many.kl)


def test_errors_name_the_prompt():
    rewards = np.array([[1.0, 2, 3], [4, np.nan, 6]])
    with pytest.raises(infalign.NonFiniteError, match="non-finite reward nan at prompt 1, index 1"):
        infalign.tilt_weights(rewards, beta=1)
    with pytest.raises(infalign.ShapeError, match="prompt 1 has no samples"):
        infalign.tilt_weights(np.array([1.0, 2, 3]), beta=1, reward_offsets=[0, 3, 3])
    with pytest.raises(infalign.EmptyReferencesError, match="prompt 0"):
        infalign.tilt_weights(np.array([[1.0]]), beta=1)
    with pytest.raises(infalign.InvalidParameterError, match="beta"):
        infalign.tilt_weights(np.ones((1, 3)), beta=-1)
    with pytest.raises(infalign.InvalidParameterError, match="threads"):
        infalign.tilt_weights(np.ones((1, 3)), beta=1, threads=5000)
    with pytest.raises(ValueError, match="exactly one"):
        infalign.tilt_weights(np.ones((1, 3)), beta=1, kl=1)
    with pytest.raises(ValueError, match="references are required"):
        infalign.tilt_weights(np.ones((1, 3)), beta=1, leave_one_out=False)
