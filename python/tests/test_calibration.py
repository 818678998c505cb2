import json

import numpy as np
import pytest

import infalign
from conftest import bits_equal


def test_dense_values_match_the_mid_rank_formula(dtype):
    refs = np.array([[1, 2, 3], [10, 20, 30]], dtype=dtype)
    rewards = np.array([[2, 5], [10, 35]], dtype=dtype)
    u = infalign.calibrate(rewards, refs)
    assert u.dtype == dtype
    np.testing.assert_array_equal(u, np.array([[1.5 / 3, 1.0], [0.5 / 3, 1.0]], dtype=dtype))
    smooth = infalign.calibrate(rewards, refs, smoothing=True)
    np.testing.assert_array_equal(smooth, np.array([[2 / 4, 3.5 / 4], [1 / 4, 3.5 / 4]], dtype=dtype))
    loo = infalign.calibrate(refs, leave_one_out=True)
    np.testing.assert_array_equal(loo, np.array([[0, 0.5, 1], [0, 0.5, 1]], dtype=dtype))


def test_output_is_written_into_the_callers_array(dtype):
    rng = np.random.default_rng(1)
    refs = rng.normal(size=(64, 32)).astype(dtype)
    rewards = rng.normal(size=(64, 16)).astype(dtype)
    out = np.full(rewards.shape, -1, dtype=dtype)
    result = infalign.calibrate(rewards, refs, out=out)
    assert result is out
    assert np.all((out >= 0) & (out <= 1))
    # In place: the rewards' own memory receives the calibrated values.
    expected = out.copy()
    address = rewards.__array_interface__["data"][0]
    same = infalign.calibrate(rewards, refs, out=rewards)
    assert same is rewards and rewards.__array_interface__["data"][0] == address
    assert bits_equal(rewards, expected)


def test_contiguous_inputs_are_not_copied(dtype, monkeypatch):
    from infalign import _arrays

    rng = np.random.default_rng(2)
    refs = rng.normal(size=(8, 4)).astype(dtype)
    rewards = rng.normal(size=(8, 3)).astype(dtype)
    seen = []
    original = _arrays.inp

    def spy(x, dt, name):
        a = original(x, dt, name)
        seen.append((x, a))
        return a

    monkeypatch.setattr(_arrays, "inp", spy)
    infalign.calibrate(rewards, refs)
    assert seen and all(a is x for x, a in seen)


def test_non_contiguous_and_other_dtypes_are_converted():
    refs = np.arange(12, dtype=np.float64).reshape(3, 4)
    rewards = np.asfortranarray(np.arange(6, dtype=np.int64).reshape(3, 2))
    u = infalign.calibrate(rewards, refs)
    assert u.dtype == np.float64
    np.testing.assert_array_equal(u, infalign.calibrate(np.ascontiguousarray(rewards, dtype=float), refs))


def test_ragged_equals_dense_and_table_equals_one_shot(dtype):
    rng = np.random.default_rng(3)
    refs = rng.normal(size=(10, 7)).astype(dtype)
    rewards = rng.normal(size=(10, 5)).astype(dtype)
    dense = infalign.calibrate(rewards, refs)
    ragged = infalign.calibrate(rewards.ravel(), refs.ravel(), reward_offsets=np.arange(11) * 5,
                                reference_offsets=np.arange(11) * 7)
    assert bits_equal(dense.ravel(), ragged)
    table = infalign.CalibrationTable(refs)
    assert table.prompts == 10 and table.dtype == dtype
    assert bits_equal(table.calibrate(rewards), dense)
    assert bits_equal(table.calibrate(rewards.ravel(), np.arange(11) * 5), ragged)
    ragged_table = infalign.CalibrationTable(refs.ravel(), offsets=np.arange(11) * 7)
    assert bits_equal(ragged_table.calibrate(rewards), dense)


def test_equals_the_cli_to_the_last_bit(cli, tmp_path):
    rng = np.random.default_rng(4)
    prompts = [(rng.normal(size=rng.integers(1, 40)), rng.normal(size=rng.integers(0, 9))) for _ in range(30)]
    source = tmp_path / "rewards.jsonl"
    with source.open("w") as f:
        for i, (refs, rewards) in enumerate(prompts):
            f.write(json.dumps({"id": i, "reference_rewards": refs.tolist(), "rewards": rewards.tolist()}) + "\n")
    for transform, smooth in (("identity", False), ("exp:3", True), ("logit", True)):
        args = ["calibrate", "--input", source, "--output", tmp_path / "out.jsonl", "--transform", transform]
        cli(*args, *(["--smooth"] if smooth else []))
        lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
        values = np.concatenate([p[0] for p in prompts])
        queries = np.concatenate([p[1] for p in prompts])
        ro = np.cumsum([0] + [len(p[0]) for p in prompts])
        qo = np.cumsum([0] + [len(p[1]) for p in prompts])
        u = infalign.calibrate(queries, values, reward_offsets=qo, reference_offsets=ro, smoothing=smooth)
        phi = infalign.Transform(transform).apply(u)
        assert bits_equal(u, np.array([x for line in lines for x in line["calibrated"]], dtype=np.float64))
        assert bits_equal(phi, np.array([x for line in lines for x in line["transformed"]], dtype=np.float64))


def test_torch_tensors_in_and_out_share_memory():
    torch = pytest.importorskip("torch", reason="torch is not installed (make trl-example installs it)")
    refs = torch.randn(16, 8, dtype=torch.float32)
    rewards = torch.randn(16, 4, dtype=torch.float32)
    out = torch.empty(16, 4, dtype=torch.float32)
    result = infalign.calibrate(rewards, refs, out=out)
    assert result is out
    assert np.array_equal(out.numpy(), infalign.calibrate(rewards.numpy(), refs.numpy()))
    fresh = infalign.calibrate(rewards, refs)
    assert isinstance(fresh, torch.Tensor) and torch.equal(fresh, out)
    grad = rewards.clone().requires_grad_(True)
    assert torch.equal(infalign.calibrate(grad, refs), out)
    # The tensor's own storage is what the library reads: a view, not a copy.
    from infalign import _arrays

    assert _arrays.address(_arrays.inp(rewards, np.dtype(np.float32), "r")) == rewards.data_ptr()


def test_errors_carry_the_librarys_message(dtype):
    refs = np.array([[1, 2, 3]], dtype=dtype)
    with pytest.raises(infalign.NonFiniteError, match=r"non-finite reward nan at prompt 0, index 1"):
        infalign.calibrate(np.array([[0, np.nan]], dtype=dtype), refs)
    with pytest.raises(infalign.NonFiniteError, match=r"non-finite reference reward inf at prompt 0, index 2"):
        infalign.calibrate(np.array([[0]], dtype=dtype), np.array([[1, 2, np.inf]], dtype=dtype))
    with pytest.raises(infalign.EmptyReferencesError, match=r"prompt 0 has no reference rewards"):
        infalign.calibrate(np.zeros((1, 2), dtype=dtype), np.zeros((1, 0), dtype=dtype))
    with pytest.raises(infalign.EmptyReferencesError, match=r"leave-one-out calibration needs at least 2"):
        infalign.calibrate(np.zeros((1, 1), dtype=dtype), leave_one_out=True)
    with pytest.raises(infalign.ShapeError, match=r"query 0 of prompt 0 \(value 2.5\) is not one of"):
        infalign.CalibrationTable(refs).calibrate(np.array([[2.5]], dtype=dtype), leave_one_out=True)
    with pytest.raises(infalign.EmptyReferencesError, match=r"prompt 1 has no reference rewards"):
        infalign.CalibrationTable(np.ones(3, dtype=dtype), offsets=[0, 3, 3])
    with pytest.raises(infalign.InfAlignError) as info:
        infalign.calibrate(np.array([[np.inf]], dtype=dtype), refs)
    assert isinstance(info.value, ValueError) and info.value.status == 4
    with pytest.raises(ValueError, match="rewards cover 2 prompts, references 1"):
        infalign.calibrate(np.zeros((2, 1), dtype=dtype), refs)
    with pytest.raises(TypeError, match="out has dtype"):
        infalign.calibrate(np.zeros((1, 1), dtype=np.float64), refs, out=np.zeros((1, 1), dtype=np.float32))
    with pytest.raises(ValueError, match="read-only"):
        frozen = np.zeros((1, 1), dtype=dtype)
        frozen.flags.writeable = False
        infalign.calibrate(np.zeros((1, 1), dtype=dtype), refs, out=frozen)
