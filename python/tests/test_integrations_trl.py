"""infalign.integrations.trl's reward wrapper and reference tables (no TRL needed: the wrapper only uses TRL's
reward-function calling convention; the trainer subclass is tested against installed TRL in python/peer_tests)."""

import numpy as np
import pytest

import infalign
from infalign.integrations.trl import CTRLReward, MissingReferenceError, ReferenceTables, prompt_key


def length_reward(prompts, completions, completion_ids=None, **_):
    return [None if c == "?" else float(len(c)) for c in completions]


def test_reward_is_the_transform_of_the_calibrated_reward():
    rng = np.random.default_rng(3)
    refs = {"p0": rng.integers(0, 6, size=9).astype(float), "p1": rng.normal(3, 1, size=5), "p2": [2.0]}
    prompts = ["p1", "p0", "p2", "p0", "p1", "p2"]
    completions = ["abc", "", "xy", "abcde", "a", "xx"]
    reward = CTRLReward(length_reward, refs, "exp:2.5", smoothing=True)
    got = reward(prompts=prompts, completions=completions, completion_ids=None, trainer_state=None)
    transform = infalign.Transform("exp:2.5")
    for p, c, value in zip(prompts, completions, got):
        u = infalign.calibrate(np.array([float(len(c))]), np.asarray(refs[p], dtype=float), smoothing=True)
        assert value == transform.apply(u)[0]
    assert reward.__name__ == "ctrl_length_reward"


def test_key_column_none_rewards_and_missing_prompts():
    refs = {7: [0.0, 1.0, 2.0, 3.0], 9: [10.0, 20.0]}
    reward = CTRLReward(length_reward, refs, key_column="pid")
    # TRL passes dataset columns as keywords; None (unscorable) passes through.
    assert reward(prompts=["x", "y", "z"], completions=["12", "?", ""], pid=[7, 9, 9]) == [0.625, None, 0.0]
    with pytest.raises(MissingReferenceError, match=r"no reference rewards for column 'pid' value 8 \(sample 1\)"):
        reward(prompts=["x", "y"], completions=["1", "2"], pid=[7, 8])
    with pytest.raises(KeyError, match="key_column 'pid' is not among the dataset columns"):
        reward(prompts=["x"], completions=["1"])
    by_prompt = CTRLReward(length_reward, {"hello": [1.0]})
    with pytest.raises(MissingReferenceError, match="no reference rewards for prompt 'bye'"):
        by_prompt(prompts=["bye"], completions=["1"])


def test_conversational_prompts_and_group_tables():
    assert prompt_key([{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]) == "q"
    tables = ReferenceTables({"a": [1.0, 2.0], "b": [5.0, 6.0, 7.0]})
    table = tables.group_table(["b", "a", "b"])
    u = table.calibrate(np.array([[6.0], [1.5], [8.0]]))
    assert u.ravel().tolist() == [0.5, 0.5, 1.0]
