"""``infalign.integrations.verl``: the CTRL estimators in verl 0.9.1's registry, run by verl's own
``compute_advantage`` on a real ``DataProto`` (the closest verl code path that runs on this CPU machine: the
trainer needs a vLLM/SGLang/TensorRT-LLM rollout server), checked against independent formulas and against verl's
GRPO/RLOO on batches with unequal groups."""

from conftest import skip_unless_peers

skip_unless_peers()

import importlib  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from omegaconf import OmegaConf  # noqa: E402
from verl import DataProto  # noqa: E402
from verl.trainer.config import AlgoConfig  # noqa: E402
from verl.trainer.ppo import core_algos  # noqa: E402

import infalign  # noqa: E402
import infalign.integrations.verl as adapter  # noqa: E402
from verl_support import TOL, close, ray_trainer_functions, worst  # noqa: E402

NAMES = ("infalign_ctrl", "infalign_ctrl_bon", "infalign_ctrl_won")
SIZES = (1, 2, 3, 5, 5, 4, 1)  # unequal groups, two singletons


@pytest.fixture(autouse=True)
def clean_state():
    adapter.configure()
    adapter.clear_reference_rewards()
    adapter.set_reference_provider(None)
    yield
    adapter.configure()
    adapter.clear_reference_rewards()
    adapter.set_reference_provider(None)


def ragged_batch(seed: int, sizes=SIZES, tokens: int = 6):
    """verl-layout batch: token_level_rewards with the reward split over the valid tokens (so the sum matters),
    response_mask, uids in shuffled row order, and the per-group reward lists."""
    rng = np.random.default_rng(seed)
    uids, rewards = [], []
    for g, size in enumerate(sizes):
        r = np.round(rng.normal(size=size), 1)  # ties
        rewards.append(r)
        uids += [f"uid-{g}"] * size
    n = len(uids)
    lengths = rng.integers(1, tokens + 1, size=n)
    mask = (np.arange(tokens)[None, :] < lengths[:, None]).astype(np.float64)
    flat = np.concatenate(rewards)
    token_rewards = mask * (flat / lengths)[:, None]
    token_rewards[np.arange(n), lengths - 1] += flat - token_rewards.sum(axis=1)  # exact row sums
    perm = rng.permutation(n)
    return (torch.from_numpy(token_rewards[perm]), torch.from_numpy(mask[perm]),
            np.array(uids, dtype=object)[perm], perm, rewards)


def expected_default(scores: np.ndarray, references=None) -> np.ndarray:
    """InfAlign's default CTRL advantage, written out: u_i = (#{r_j < r_i} + ½ #{r_j = r_i}) / M over the others of
    the group (or over the references), identity Φ, A_i = u_i − mean of the other u_j; a lone sample without
    references gets 0."""
    g = scores.size
    if references is None:
        if g == 1:
            return np.zeros(1)
        u = np.array([(np.sum(np.delete(scores, i) < s) + 0.5 * np.sum(np.delete(scores, i) == s)) / (g - 1)
                      for i, s in enumerate(scores)])
    else:
        ref = np.asarray(references, dtype=np.float64)
        u = np.array([(np.sum(ref < s) + 0.5 * np.sum(ref == s)) / ref.size for s in scores])
    if g == 1:
        raise ValueError("a lone sample with references: compared with the step itself")
    return np.array([u[i] - np.delete(u, i).mean() for i in range(g)])


def rows_of(perm, rewards):
    """For each group, its rows in the shuffled batch."""
    position = np.empty_like(perm)
    position[perm] = np.arange(perm.size)
    out, start = [], 0
    for r in rewards:
        out.append(position[start:start + r.size])
        start += r.size
    return out


# ---- registration ----------------------------------------------------------------------------------------------


def test_registered_next_to_verl_own_estimators():
    registry = core_algos.ADV_ESTIMATOR_REGISTRY
    for name in NAMES:
        assert core_algos.get_adv_estimator_fn(name) is adapter._FUNCTIONS[name]
    for member in core_algos.AdvantageEstimator:  # verl's own, untouched
        fn = registry[member.value]
        assert fn.__module__ == core_algos.__name__, (member, fn)
    assert registry["grpo"] is core_algos.compute_grpo_outcome_advantage
    assert registry["rloo"] is core_algos.compute_rloo_outcome_advantage


def test_registration_is_idempotent_and_survives_a_reload():
    before = dict(core_algos.ADV_ESTIMATOR_REGISTRY)
    assert adapter.register() == NAMES
    assert adapter.register() == NAMES
    assert core_algos.ADV_ESTIMATOR_REGISTRY == before
    reloaded = importlib.reload(adapter)
    try:
        for name in NAMES:
            assert core_algos.ADV_ESTIMATOR_REGISTRY[name] is reloaded._FUNCTIONS[name]
        others = {k: v for k, v in before.items() if k not in NAMES}
        assert {k: v for k, v in core_algos.ADV_ESTIMATOR_REGISTRY.items() if k not in NAMES} == others
    finally:
        globals()["adapter"] = reloaded


def test_a_foreign_estimator_under_our_name_is_not_replaced():
    registry = core_algos.ADV_ESTIMATOR_REGISTRY
    ours = registry["infalign_ctrl"]

    def foreign(**kwargs):
        raise AssertionError("not called")

    registry["infalign_ctrl"] = foreign
    try:
        with pytest.raises(ValueError, match="already been registered"):
            adapter.register()
        assert registry["infalign_ctrl"] is foreign
    finally:
        registry["infalign_ctrl"] = ours


def test_verl_external_modules_registers_in_a_fresh_process():
    """How a Ray actor gets the estimators: VERL_USE_EXTERNAL_MODULES (verl/__init__.py imports it), forwarded
    through ray_kwargs.ray_init.runtime_env.env_vars."""
    env = dict(os.environ, VERL_USE_EXTERNAL_MODULES="infalign.integrations.verl")
    code = ("import verl.trainer.ppo.core_algos as c; "
            "print(sorted(k for k in c.ADV_ESTIMATOR_REGISTRY if k.startswith('infalign')))")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == str(sorted(NAMES))


# ---- advantages ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_estimator_on_unequal_groups(seed):
    tlr, mask, uids, perm, rewards = ragged_batch(seed)
    adv, returns = core_algos.get_adv_estimator_fn("infalign_ctrl")(
        token_level_rewards=tlr, response_mask=mask, index=uids, config=AlgoConfig())
    assert adv is returns and adv.shape == tlr.shape and adv.dtype == torch.float64
    a = adv.numpy()
    assert np.all(a[mask.numpy() == 0] == 0)
    for rows, r in zip(rows_of(perm, rewards), rewards):
        want = expected_default(r)
        assert close(a[rows], want[:, None] * mask.numpy()[rows]), (r, a[rows][:, 0], want)


@pytest.mark.parametrize("preset, verl_fn", [
    ("verl-grpo", core_algos.compute_grpo_outcome_advantage),
    ("verl-rloo", core_algos.compute_rloo_outcome_advantage)])
def test_peer_preset_through_the_adapter_equals_verl_on_unequal_groups(preset, verl_fn):
    tlr, mask, uids, perm, rewards = ragged_batch(3, sizes=(2, 3, 5, 5, 4, 7))
    config = OmegaConf.create({"adv_estimator": "infalign_ctrl", "infalign": {"preset": preset}})
    mine, _ = core_algos.get_adv_estimator_fn("infalign_ctrl")(
        token_level_rewards=tlr, response_mask=mask, index=uids, config=config)
    theirs, _ = verl_fn(token_level_rewards=tlr, response_mask=mask, index=uids, config=AlgoConfig())
    assert close(mine.numpy(), theirs), worst(mine.numpy(), theirs)


def test_float32_rewards_step_in_float32():
    """float32 rewards give a float32 step. (The reward sits on one token here: a reward split over tokens sums
    to different float32 values, which can break ties and change the calibration by 1/(2(G − 1)).)"""
    tlr, mask, uids, perm, rewards = ragged_batch(4)
    lengths = mask.sum(dim=1).long()
    one_token = torch.zeros_like(tlr)
    one_token[torch.arange(tlr.shape[0]), lengths - 1] = tlr.sum(dim=1)
    adv, _ = adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=one_token.float(), response_mask=mask.float(),
                                                 index=uids)
    assert adv.dtype == torch.float32
    ref, _ = adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=one_token.float().double(), response_mask=mask,
                                                 index=uids)
    assert np.max(np.abs(adv.numpy() - ref.numpy())) < 1e-6


def test_reference_tables_by_uid_are_ragged():
    tlr, mask, uids, perm, rewards = ragged_batch(5)
    rng = np.random.default_rng(9)
    refs = {f"uid-{g}": np.round(rng.normal(size=3 + 4 * g), 1) for g in range(len(rewards))}
    adapter.set_reference_rewards(refs)
    adv, _ = adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=tlr, response_mask=mask, index=uids)
    a, m = adv.numpy(), mask.numpy()
    for g, (rows, r) in enumerate(zip(rows_of(perm, rewards), rewards)):
        if r.size == 1:
            # A lone sample under reference calibration: the step's RLOO baseline of one sample.
            step = infalign.ctrl_step(r[None, :], np.zeros((1, 1)), np.zeros((1, 1)),
                                      references=refs[f"uid-{g}"][None, :], kl_reward=None)
            want = step.advantages[0]
        else:
            want = expected_default(r, refs[f"uid-{g}"])
        assert close(a[rows], want[:, None] * m[rows]), (g, a[rows][:, 0], want)
    adapter.set_reference_rewards({"uid-0": refs["uid-0"]})
    with pytest.raises(KeyError, match="no reference rewards for uid 'uid-[1-6]'"):
        adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=tlr, response_mask=mask, index=uids)


def provide_references(uids):
    """A reference provider named in the config (``verl_support``-style ``module:function``)."""
    return {uid: np.linspace(-2.0, 2.0, 9) for uid in uids}


def test_reference_provider_from_the_config_and_from_python():
    tlr, mask, uids, perm, rewards = ragged_batch(6)
    config = OmegaConf.create({"infalign": {"reference_provider": "test_verl_adapter:provide_references"}})
    by_config, _ = adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=tlr, response_mask=mask, index=uids,
                                                       config=config)
    seen = []
    adapter.set_reference_provider(lambda batch_uids: seen.append(list(batch_uids)) or provide_references(batch_uids))
    by_python, _ = adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=tlr, response_mask=mask, index=uids)
    assert torch.equal(by_config, by_python)
    assert seen == [list(dict.fromkeys(uids.tolist()))]  # distinct uids, in order of first appearance
    for rows, r in zip(rows_of(perm, rewards), rewards):
        if r.size > 1:
            want = expected_default(r, np.linspace(-2.0, 2.0, 9))
            assert close(by_config.numpy()[rows], want[:, None] * mask.numpy()[rows])


@pytest.mark.parametrize("name, family, procedure", [
    ("infalign_ctrl_bon", "exp", "bon"), ("infalign_ctrl_won", "negexp", "won")])
def test_inference_aware_estimators_use_the_tuned_transform(name, family, procedure):
    n, kl = 8, 0.5
    config = OmegaConf.create({"infalign": {"n": n, "kl": kl}})
    tuned = infalign.tune(family, kl, f"{procedure}:{n}")
    options = adapter.options_for(name, config)
    assert str(options.transform) == str(tuned.transform)
    tlr, mask, uids, perm, rewards = ragged_batch(7)
    adv, _ = adapter._FUNCTIONS[name](token_level_rewards=tlr, response_mask=mask, index=uids, config=config)
    for rows, r in zip(rows_of(perm, rewards), rewards):
        if r.size == 1:
            assert np.all(adv.numpy()[rows] == 0)
            continue
        step = infalign.ctrl_step(r[None, :], np.zeros((1, r.size)), np.zeros((1, r.size)),
                                  transform=tuned.transform, normalize_by_std=True)
        assert close(adv.numpy()[rows], step.advantages[0][:, None] * mask.numpy()[rows])


def test_unknown_settings_and_missing_uid_are_errors():
    tlr, mask, uids, _, _ = ragged_batch(8)
    with pytest.raises(ValueError, match="unknown keys"):
        adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=tlr, response_mask=mask, index=uids,
                                            config={"infalign": {"temperature": 1}})
    with pytest.raises(ValueError, match="uid"):
        adapter._FUNCTIONS["infalign_ctrl"](token_level_rewards=tlr, response_mask=mask)


# ---- inside verl's compute_advantage ---------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", NAMES)
def test_verl_compute_advantage_runs_the_adapter_on_a_dataproto(estimator):
    """verl's ray_trainer.compute_advantage (its code, unchanged) with adv_estimator=<ours> on a DataProto built
    on tensordict, with KL in the reward from verl's apply_kl_penalty first, as the trainer does."""
    fns = ray_trainer_functions()
    tlr, mask, uids, perm, rewards = ragged_batch(10)
    rng = np.random.default_rng(10)
    old = torch.from_numpy(rng.normal(-2, 0.3, size=tlr.shape))
    ref = old + torch.from_numpy(rng.normal(0, 0.1, size=tlr.shape))
    data = DataProto.from_dict(
        tensors={"token_level_scores": tlr, "response_mask": mask, "old_log_probs": old, "ref_log_prob": ref},
        non_tensors={"uid": uids})
    data, metrics = fns["apply_kl_penalty"](data, core_algos.FixedKLController(0.01), kl_penalty="kl")
    algorithm = OmegaConf.create({"adv_estimator": estimator, "norm_adv_by_std_in_grpo": True,
                                  "infalign": {"n": 4, "kl": 1.0}})
    out = fns["compute_advantage"](data, adv_estimator=estimator, config=algorithm)
    assert isinstance(out.batch["advantages"], torch.Tensor) and out.batch["advantages"].shape == tlr.shape
    direct, _ = adapter._FUNCTIONS[estimator](token_level_rewards=data.batch["token_level_rewards"],
                                             response_mask=mask, index=uids, config=algorithm)
    assert torch.equal(out.batch["advantages"], direct) and torch.equal(out.batch["returns"], direct)
    assert torch.all(out.batch["advantages"][mask == 0] == 0)
    # The KL penalty changed the rewards the estimator saw.
    assert not torch.equal(data.batch["token_level_rewards"], tlr)
    print(f"{estimator}: compute_advantage ok, reward KL {metrics['actor/reward_kl_penalty']:.4g}, "
          f"|A| max {out.batch['advantages'].abs().max().item():.4g}")


def test_tolerance_is_the_documented_one():
    assert TOL == 1e-12


def test_installed_package_registers_through_the_verl_plugin_entry_point(tmp_path):
    """``pip install ./python`` declares the ``verl.plugins`` entry point; verl's __init__ loads it, so every verl
    process (Ray actors included) has the estimators; VERL_USE_EXTERNAL_PLUGINS=none turns that off. Installed
    here into a scratch target from this checkout, offline (--no-index, no build isolation)."""
    pytest.importorskip("setuptools")
    library = os.environ.get("INFALIGN_LIBRARY")
    if not library:
        pytest.skip("INFALIGN_LIBRARY is not set (make peer-test sets it)")
    import shutil

    python_dir = os.path.dirname(os.path.dirname(os.path.abspath(infalign.__file__)))
    source, target = tmp_path / "src", tmp_path / "site"  # a copy: the build writes build/ and *.egg-info there
    shutil.copytree(os.path.join(python_dir, "infalign"), source / "infalign",
                    ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy2(os.path.join(python_dir, name), source / name)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index", "--no-build-isolation",
                    "--target", str(target), str(source)], check=True, capture_output=True, text=True,
                   env=dict(os.environ, INFALIGN_LIBRARY=library), cwd=str(tmp_path))
    code = ("import verl.trainer.ppo.core_algos as c; "
            "print(sorted(k for k in c.ADV_ESTIMATOR_REGISTRY if k.startswith('infalign')))")
    base = {k: v for k, v in os.environ.items() if k not in ("INFALIGN_LIBRARY", "VERL_USE_EXTERNAL_MODULES")}
    for policy, want in (("auto", sorted(NAMES)), ("none", [])):
        env = dict(base, PYTHONPATH=str(target), VERL_USE_EXTERNAL_PLUGINS=policy)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                             cwd=str(tmp_path))
        assert out.stdout.strip().splitlines()[-1] == str(want), (policy, out.stdout, out.stderr[-2000:])
