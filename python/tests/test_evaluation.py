import json
import math

import numpy as np
import pytest

import infalign


def _prompts(seed, count=40):
    rng = np.random.default_rng(seed)
    return [(rng.normal(size=rng.integers(4, 20)).round(1), rng.normal(0.3, size=rng.integers(4, 20)).round(1))
            for _ in range(count)]


def test_win_rate_equals_the_cli_to_the_last_bit(cli, tmp_path, dtype):
    prompts = _prompts(5)
    source = tmp_path / "samples.jsonl"
    source.write_text("".join(json.dumps({"id": i, "reference_rewards": r.tolist(), "rewards": p.tolist()}) + "\n"
                              for i, (r, p) in enumerate(prompts)))
    policy = np.concatenate([p for _, p in prompts]).astype(dtype)
    reference = np.concatenate([r for r, _ in prompts]).astype(dtype)
    po = np.cumsum([0] + [len(p) for _, p in prompts])
    ro = np.cumsum([0] + [len(r) for r, _ in prompts])
    for procedure in ("standard", "bon:4", "won:3"):
        [row] = cli("winrate", "--input", source, "--procedure", procedure, "--bootstrap", 500, "--seed", 9,
                    "--format", "json", parse_json=True)
        result = infalign.win_rate(policy, reference, procedure, policy_offsets=po, reference_offsets=ro,
                                   resamples=500, seed=9)
        if dtype == np.float64:  # the CLI reads doubles; rounded to 1 decimal, float32 ties may differ
            assert (result.estimate, result.lower, result.upper, result.standard_error) == (
                row["win_rate"], row["ci_low"], row["ci_high"], row["standard_error"])
        assert result.per_prompt.shape == (40,)
        [plain] = cli("winrate", "--input", source, "--procedure", procedure, "--bootstrap", 0, "--format", "json",
                      parse_json=True)
        mean_only = infalign.win_rate(policy, reference, procedure, policy_offsets=po, reference_offsets=ro,
                                      resamples=0)
        if dtype == np.float64:
            assert mean_only.estimate == plain["win_rate"] and math.isnan(mean_only.lower)


def test_dense_win_rates_and_closed_forms(dtype):
    policy = np.array([[1, 3], [5, 5]], dtype=dtype)
    reference = np.array([[2, 2], [5, 5]], dtype=dtype)
    np.testing.assert_array_equal(infalign.win_rates(policy, reference), [0.5, 0.5])
    out = np.empty(2)
    assert infalign.win_rates(policy, reference, "bon:2", out=out) is out
    np.testing.assert_array_equal(out, [1.0, 0.5])


def test_bootstrap_and_errors():
    ci = infalign.bootstrap([0.2, 0.4, 0.6, 0.8], resamples=200, level=0.9, seed=7)
    assert ci.estimate == 0.5 and ci.lower <= 0.5 <= ci.upper and ci.resamples == 200
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid resamples = 1: need at least 2"):
        infalign.bootstrap([0.5], resamples=1)
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid level = 1.5"):
        infalign.bootstrap([0.5], level=1.5)
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid values = 0: need at least one value"):
        infalign.bootstrap([])
    with pytest.raises(infalign.NonFiniteError, match=r"non-finite value nan at prompt 1"):
        infalign.bootstrap([0.5, math.nan])
    with pytest.raises(infalign.InvalidParameterError, match=r"prompt 0 has 2 policy and 2 reference samples"):
        infalign.win_rates(np.ones((1, 2)), np.ones((1, 2)), "bon:3")
    with pytest.raises(infalign.InvalidParameterError, match=r"supports standard, bon:N and won:N, not order:1:2"):
        infalign.win_rates(np.ones((1, 2)), np.ones((1, 2)), "order:1:2")
    with pytest.raises(infalign.NonFiniteError, match=r"non-finite policy reward nan at prompt 0, index 1"):
        infalign.win_rates(np.array([[1, math.nan]]), np.ones((1, 2)))
    with pytest.raises(infalign.EmptyReferencesError, match=r"prompt 0"):
        infalign.win_rates(np.ones(0), np.ones(2), policy_offsets=[0, 0], reference_offsets=[0, 2])
