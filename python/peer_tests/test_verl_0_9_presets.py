"""The verl 0.9 presets (``verl-0.9-grpo``, ``verl-0.9-drgrpo``) against the installed verl 0.9.1's own functions,
in float64, within |ours − verl| ≤ 1e-12 · max(1, |verl|): advantages through verl's ``compute_advantage``, the k3
column as verl's ``kl_penalty(..., "low_var_kl")`` reports it (clamped ±10), the actor loss
(``compute_policy_loss_vanilla`` plus the KL loss of ``kl_penalty`` aggregated by ``agg_loss``) and its autograd
gradient, on the batches of ``test_verl_conformance.py`` (ties, a zero-variance group, ratios outside the clip,
log-ratios past the clamps, ragged masks, an empty response). The old presets' xfails there stay: they document the
pinned commit b178a3c."""

from conftest import skip_unless_peers

skip_unless_peers()

import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
import verl  # noqa: E402
from verl.trainer.ppo import core_algos  # noqa: E402

from test_verl_conformance import _assert_loss, ours, verl_advantages, verl_loss  # noqa: E402
from verl_support import CHECKED_VERL, close, make_batch, worst  # noqa: E402

#: verl 0.9.1's settings of each preset (trainer/config/actor/actor.yaml, trainer/config/algorithm.py).
PRESETS_0_9 = {
    "verl-0.9-grpo": dict(estimator="grpo", norm=True, kl_loss=("low_var_kl", 0.001), agg="token-mean"),
    "verl-0.9-drgrpo": dict(estimator="grpo", norm=False, kl_loss=None, agg="seq-mean-token-sum-norm"),
}
SEEDS = (0, 1, 2)


def test_installed_verl_is_0_9():
    assert verl.__version__.startswith(CHECKED_VERL) and CHECKED_VERL.startswith("0.9.")
    from verl.trainer.config.algorithm import AlgoConfig

    assert AlgoConfig().norm_adv_by_std_in_grpo is True


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("empty", [False, True], ids=["full", "empty-response"])
@pytest.mark.parametrize("preset", list(PRESETS_0_9))
def test_advantages_match_verl_0_9(preset, empty, seed):
    batch = make_batch(seed, empty_sequence=empty)
    p = PRESETS_0_9[preset]
    theirs = verl_advantages(batch, p["estimator"], p["norm"], None)
    mine = ours(batch, preset).advantages[..., None] * batch.mask
    assert close(mine, batch.unrows(theirs)), f"{preset}: worst relative difference {worst(mine, batch.unrows(theirs))}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("empty", [False, True], ids=["full", "empty-response"])
@pytest.mark.parametrize("preset", list(PRESETS_0_9))
def test_loss_and_gradient_match_verl_0_9(preset, empty, seed):
    batch = make_batch(seed, empty_sequence=empty)
    p = PRESETS_0_9[preset]
    advantages = verl_advantages(batch, p["estimator"], p["norm"], None)
    pg, kl, total, grad, metrics = verl_loss(batch, advantages, p["agg"], p["kl_loss"])
    step = ours(batch, preset)
    _assert_loss(step, pg, kl, total, grad, batch, preset)
    if kl is not None:
        assert close(step.summary.kl_loss, (kl * p["kl_loss"][1]).item())
    n = int(batch.mask.sum())
    assert close(step.summary.clipped_fraction * n / (n + 1e-8), metrics["actor/pg_clipfrac"])


@pytest.mark.parametrize("seed", SEEDS)
def test_drgrpo_0_9_differs_from_the_pinned_port(seed):
    """The b178a3c form (verl-drgrpo) divides by the horizon only: 30× verl 0.9.1's loss on these 5×6 batches."""
    batch = make_batch(seed)
    old, new = ours(batch, "verl-drgrpo"), ours(batch, "verl-0.9-drgrpo")
    assert abs(old.summary.policy_loss / new.summary.policy_loss - 30.0) <= 1e-12 * 30


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("preset", list(PRESETS_0_9))
def test_k3_column_is_verl_0_9_low_var_kl(preset, seed):
    """The k3 column and mean k3 are verl's kl_penalty(low_var_kl), its ±10 clamp included (core_algos.py 2245)."""
    batch = make_batch(seed)
    step = ours(batch, preset)
    m = batch.mask
    theirs = batch.unrows(core_algos.kl_penalty(batch.rows(batch.lp), batch.rows(batch.ref), "low_var_kl"))
    assert np.sum(m & (np.abs(theirs) == 10)) >= 2  # the clamp is exercised
    assert close(step.k3[m], theirs[m]), worst(step.k3[m], theirs[m])
    assert np.all(step.k3[~m] == 0)
    mean = float(torch.from_numpy(theirs[m]).mean())
    assert close(step.summary.mean_k3, mean)
