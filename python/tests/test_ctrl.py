import json
import math

import numpy as np
import pytest

import infalign
from conftest import bits_equal


def _batch(dtype, groups=6, size=8, seed=0):
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=(groups, size)).astype(dtype)
    lp = rng.normal(-2, 0.3, size=(groups, size)).astype(dtype)
    lr = (lp + rng.normal(0, 0.1, size=(groups, size))).astype(dtype)
    return rewards, lp, lr


def test_equals_the_cli_to_the_last_bit(cli, tmp_path):
    rng = np.random.default_rng(11)
    records = []
    for i in range(12):
        k = int(rng.integers(2, 9))
        records.append({"id": i, "reference_rewards": rng.normal(size=int(rng.integers(1, 30))).tolist(),
                        "rewards": rng.normal(size=k).tolist(), "policy_logprobs": rng.normal(-3, 1, k).tolist(),
                        "reference_logprobs": rng.normal(-3, 1, k).tolist()})
    source = tmp_path / "batch.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    for transform, smooth in (("exp:2", False), ("logit", True)):
        args = ["--transform", transform] + (["--smooth"] if smooth else [])
        cli("calibrate", "--input", source, "--output", tmp_path / "out.jsonl", *args)
        lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
        for record, line in zip(records, lines):
            step = infalign.ctrl_step(
                np.array([record["rewards"]]), np.array([record["policy_logprobs"]]),
                np.array([record["reference_logprobs"]]), references=np.array([record["reference_rewards"]]),
                transform=transform, smoothing=smooth)
            assert bits_equal(step.advantages[0], np.array(line["advantages"]))
            assert bits_equal(step.calibrated[0], np.array(line["calibrated"]))


def test_group_calibration_values(dtype):
    rewards = np.array([[1, 2, 3]], dtype=dtype)
    zeros = np.zeros_like(rewards)
    step = infalign.ctrl_step(rewards, zeros, zeros, transform="exp:1", advantage="group-mean")
    np.testing.assert_array_equal(step.calibrated, np.array([[0, 0.5, 1]], dtype=dtype))
    phi = np.exp(np.array([0, 0.5, 1.0]))
    np.testing.assert_allclose(step.advantages[0], phi - phi.mean(), rtol=2e-6)
    assert step.valid.dtype == np.bool_ and step.valid.all()
    assert step.summary.masked_count == 0 and step.summary.mean_k1 == 0


def test_outputs_are_written_into_the_callers_buffers(dtype):
    rewards, lp, lr = _batch(dtype)
    first = infalign.ctrl_step(rewards, lp, lr, old_policy_logprobs=lp + 0.05, transform="exp:2",
                               kl_coefficient=0.1)
    buffers = {name: np.full(rewards.shape, 7, dtype=np.bool_ if name == "valid" else dtype)
               for name in ("advantages", "loss_gradient", "k3")}
    kept = {name: a for name, a in buffers.items()}
    again = infalign.ctrl_step(rewards, lp, lr, old_policy_logprobs=lp + 0.05, transform="exp:2",
                               kl_coefficient=0.1, outputs=(), out=buffers)
    for name, a in kept.items():
        assert getattr(again, name) is a
        assert bits_equal(a, getattr(first, name))
    assert again.calibrated is None and again.transformed is None
    assert again.summary == first.summary
    # A result passed back as out= is refilled in place.
    reused = infalign.ctrl_step(rewards * 2, lp, lr, out=first)
    assert reused is first and reused.advantages is not None


def test_table_and_array_references_agree(dtype):
    rewards, lp, lr = _batch(dtype)
    refs = np.random.default_rng(9).normal(size=(6, 32)).astype(dtype)
    table = infalign.CalibrationTable(refs)
    a = infalign.ctrl_step(rewards, lp, lr, references=table, transform="exp:1")
    b = infalign.ctrl_step(rewards, lp, lr, references=refs, transform="exp:1")
    assert bits_equal(a.advantages, b.advantages) and bits_equal(a.loss_gradient, b.loss_gradient)
    assert bits_equal(a.calibrated, infalign.calibrate(rewards, refs))


def test_options_object_and_optimal_table_transform():
    rewards, lp, lr = _batch(np.float64)
    optimal = infalign.optimal_transform("bon:4", beta=0.1, grid=64)
    options = infalign.CTRLOptions(optimal.transform, normalize_by_std=True, clip_epsilon=0.1)
    step = infalign.ctrl_step(rewards, lp, lr, options=options)
    assert np.isfinite(step.advantages).all() and "normalize_by_std=true" in repr(options)
    with pytest.raises(TypeError, match="either options= or option keywords"):
        infalign.ctrl_step(rewards, lp, lr, options=options, transform="exp:1")


def test_masking_and_errors(dtype):
    rewards, lp, lr = _batch(dtype, groups=2, size=4)
    bad = rewards.copy()
    bad[1, 2] = np.nan
    with pytest.raises(infalign.NonFiniteError, match=r"non-finite reward nan at prompt 1, index 2"):
        infalign.ctrl_step(bad, lp, lr)
    lp_bad = lp.copy()
    lp_bad[0, 3] = -np.inf
    with pytest.raises(infalign.NonFiniteError, match=r"non-finite policy log-prob -inf at prompt 0, index 3"):
        infalign.ctrl_step(rewards, lp_bad, lr)
    masked = infalign.ctrl_step(bad, lp, lr, non_finite="mask")
    assert masked.summary.masked_count == 1 and not masked.valid[1, 2] and masked.advantages[1, 2] == 0
    with pytest.raises(infalign.EmptyReferencesError, match=r"prompt 0 has 1 reference reward\(s\)"):
        infalign.ctrl_step(rewards[:, :1], lp[:, :1], lr[:, :1])
    with pytest.raises(infalign.ShapeError, match=r"the calibration table has 3 prompts, the batch has 2 groups"):
        infalign.ctrl_step(rewards, lp, lr, references=np.ones((3, 4), dtype=dtype))
    with pytest.raises(infalign.ParseError, match=r'cannot parse ctrl option advantage "best"'):
        infalign.ctrl_step(rewards, lp, lr, advantage="best")
    with pytest.raises(infalign.ParseError, match=r'cannot parse ctrl option non_finite "ignore"'):
        infalign.ctrl_step(rewards, lp, lr, non_finite="ignore")
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid clip_epsilon = -0.5"):
        infalign.ctrl_step(rewards, lp, lr, clip_epsilon=-0.5)
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid std_floor = inf"):
        infalign.ctrl_step(rewards, lp, lr, std_floor=math.inf)
    with pytest.raises(TypeError, match="unexpected keyword"):
        infalign.ctrl_step(rewards, lp, lr, temperature=1.0)
    with pytest.raises(ValueError, match="policy_logprobs has shape"):
        infalign.ctrl_step(rewards, lp[:, :2], lr)
    if dtype == np.float32:
        with pytest.raises(infalign.NonFiniteError, match=r"transformed reward \(Φ overflows"):
            infalign.ctrl_step(rewards, lp, lr, transform="exp:100")
        with pytest.raises(infalign.ArgumentError, match=r"holds double references; this function takes float"):
            infalign.ctrl_step(rewards, lp, lr, references=infalign.CalibrationTable(np.ones((2, 3))))


@pytest.mark.parametrize("field", [0, 1, 2])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_token_level_non_finite_log_probs_are_named_and_masked(field, value):
    # The token kernel reads the log-prob rows once and checks them as it goes; a non-finite one makes the step
    # start over with every check in place: the same error (the first in sample order) and the same masking.
    rng = np.random.default_rng(0)
    r = rng.normal(size=(8, 4))
    arrays = [rng.normal(-2, 0.3, size=(8, 4, 6)) for _ in range(3)]
    mask = np.ones((8, 4, 6), bool)
    mask[..., -1] = False
    arrays[field][3, 2, 1] = value
    arrays[(field + 1) % 3][1, 0, -1] = np.nan  # masked out: ignored
    names = ["policy log-prob", "reference log-prob", "old policy log-prob"]
    with pytest.raises(infalign.NonFiniteError, match=rf"{names[field]} \(token 1\).*prompt 3, index 2"):
        infalign.ctrl_step(r, *arrays, mask=mask, preset="verl-grpo")
    masked = infalign.ctrl_step(r, *arrays, mask=mask, preset="verl-grpo", non_finite="mask")
    assert masked.summary.masked_count == 1 and not masked.valid[3, 2]
    assert np.isfinite(masked.loss_gradient).all() and np.all(masked.loss_gradient[3, 2] == 0)
