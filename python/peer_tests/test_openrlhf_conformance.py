"""The ``openrlhf-group-norm`` and ``openrlhf-rloo`` presets against the installed OpenRLHF's importable functions
(float64, 1e-12): ``openrlhf/models/utils.py`` (compute_approx_kl, compute_reward, masked_mean) and
``openrlhf/models/loss.py`` (PolicyLoss), loaded from their files without running ``openrlhf/models/__init__.py``
(which imports flash_attn, not installable on CPU).

The advantage baselines and returns live in ``openrlhf/trainer/ppo_utils/experience_maker.py``, which cannot be
imported here (``test_experience_maker_is_not_importable`` records the error: ``No module named 'flash_attn'``, and
with flash_attn stubbed out, ``No module named 'vllm'``); they are transcribed below from the installed file, and ``test_transcription_matches_installed_source`` checks the installed file still has those lines.

Batches are dyadic (multiples of 2^-10): OpenRLHF's compute_approx_kl casts its inputs to float32
(``log_probs.float()``), which is lossless on them for k1 and k2 and leaves float64 arithmetic everywhere else.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("deepspeed")  # openrlhf/models/utils.py imports it
_spec = importlib.util.find_spec("openrlhf")
if _spec is None:
    pytest.skip("openrlhf is not installed", allow_module_level=True)

import infalign  # noqa: E402

OPENRLHF = Path(_spec.submodule_search_locations[0])
TOL = 1e-12


def _load_models_package():
    """openrlhf/models/{utils,loss}.py as modules of a stand-in package (its __init__ is not run)."""
    name = "_openrlhf_models_isolated"
    if name in sys.modules:
        return sys.modules[name + ".utils"], sys.modules[name + ".loss"]
    package = types.ModuleType(name)
    package.__path__ = [str(OPENRLHF / "models")]
    sys.modules[name] = package
    loaded = []
    for module in ("utils", "loss"):
        spec = importlib.util.spec_from_file_location(f"{name}.{module}", OPENRLHF / "models" / f"{module}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
        loaded.append(mod)
    return tuple(loaded)


utils, loss_module = _load_models_package()


def test_versions():
    from importlib.metadata import version

    print(f"openrlhf {version('openrlhf')}, torch {torch.__version__}")
    assert version("openrlhf") == "0.11.2", "the transcription below was checked against openrlhf 0.11.2"


def test_experience_maker_is_not_importable():
    with pytest.raises(ImportError) as error:
        importlib.import_module("openrlhf.trainer.ppo_utils.experience_maker")
    print(f"import openrlhf.trainer.ppo_utils.experience_maker: {type(error.value).__name__}: {error.value}")


# ---- transcription of experience_maker.py (openrlhf 0.11.2) -------------------------------------------------------

TRANSCRIBED = [
    "baseline = (rewards.sum(-1, keepdim=True) - rewards) / (args.rollout.n_samples_per_prompt - 1)",
    "rewards = rewards - baseline",
    "rewards = (rewards - rewards.mean(-1, keepdim=True)) / (rewards.std(-1, keepdim=True) + 1e-9)",
    "rewards = action_mask * rewards",
    "cumulative_return = rewards[:, t] + gamma * cumulative_return",
    "returns[:, t] = cumulative_return",
]


def test_transcription_matches_installed_source():
    text = (OPENRLHF / "trainer" / "ppo_utils" / "experience_maker.py").read_text()
    for line in TRANSCRIBED:
        assert line in text, line


def baselined(rewards: torch.Tensor, estimator: str) -> torch.Tensor:
    """compute_advantages_and_returns' baseline step (experience_maker.py L268–274)."""
    n = rewards.shape[-1]
    if estimator == "rloo":
        baseline = (rewards.sum(-1, keepdim=True) - rewards) / (n - 1)
        return rewards - baseline
    return (rewards - rewards.mean(-1, keepdim=True)) / (rewards.std(-1, keepdim=True) + 1e-9)


def cumulative_returns(rewards: torch.Tensor, action_mask: torch.Tensor, gamma: float = 1.0) -> torch.Tensor:
    """get_cumulative_returns (experience_maker.py L390–420)."""
    returns = torch.zeros_like(rewards)
    cumulative_return = torch.zeros(rewards.size(0), device=rewards.device)
    rewards = action_mask * rewards
    for t in reversed(range(rewards.size(1))):
        cumulative_return = rewards[:, t] + gamma * cumulative_return
        returns[:, t] = cumulative_return
    return returns


# ---- batches ------------------------------------------------------------------------------------------------------

def dyadic(x: np.ndarray) -> np.ndarray:
    return np.round(x * 1024) / 1024


def token_batch(seed: int, groups: int = 4, g: int = 4, t: int = 6):
    """Ties, a zero-variance group, ratios outside the clip range, policy log-ratios past the ±20 clamp (-24 on the
    best sample, unclipped: the clamp changes its value e^-24 → e^-20; -24 on the worst sample, clipped), a
    ratio e^2 on the worst sample (dual clip),
    old-vs-reference log-ratios past the ±10 KL clamp, masks of lengths 1..t."""
    rng = np.random.default_rng(seed)
    rewards = np.round(rng.normal(size=(groups, g)), 1)
    rewards[1] = 0.5
    rewards[2, :2] = rewards[2, 2]
    n = groups * g
    lp = dyadic(rng.normal(-2.0, 0.5, size=(n, t)))
    old = dyadic(lp + rng.normal(0, 0.3, size=(n, t)))
    ref = dyadic(old + rng.normal(0, 0.5, size=(n, t)))
    flat = rewards.reshape(-1)
    up, down = int(np.argmax(flat)), int(np.argmin(flat))
    old[up, 0], old[down, 0] = lp[up, 0] + 24.0, lp[down, 0] + 24.0
    old[down, 1] = lp[down, 1] - 2.0  # ratio e^2 > 3 on a negative advantage: the dual clip's case
    others = [i for i in range(n) if i not in (up, down)]
    ref[others[0], 0], ref[others[1], 2] = old[others[0], 0] - 13.0, old[others[1], 2] + 11.5  # k1 past ±10
    lengths = rng.integers(1, t + 1, size=n)
    lengths[[0, up, down] + others[:2]] = [1, t, t, t, t]
    mask = np.arange(t)[None, :] < lengths[:, None]
    return rewards, lp, old, ref, mask


def openrlhf_loss(rewards, lp, old, ref, mask, *, estimator, kl_coef=0.01, kl="k1", **policy_loss):
    """OpenRLHF's pipeline on the batch: baseline, compute_approx_kl (rollout vs reference), compute_reward,
    cumulative returns, PolicyLoss; the loss and its gradient w.r.t. the per-token log-probs."""
    m = torch.tensor(mask)
    old_t, ref_t = torch.tensor(old), torch.tensor(ref)
    base = baselined(torch.tensor(rewards), estimator).reshape(-1)
    kl_values = utils.compute_approx_kl(old_t, ref_t, kl_estimator=kl).double()
    token_rewards = utils.compute_reward(base, kl_coef, kl_values, action_mask=m)
    advantages = cumulative_returns(token_rewards, m)
    leaf = torch.tensor(lp, requires_grad=True)
    loss, *_ = loss_module.PolicyLoss(**policy_loss)(leaf, old_t, advantages, action_mask=m)
    loss.backward()
    return base.numpy().reshape(rewards.shape), float(loss), leaf.grad.numpy()


CASES = {
    "group-norm": (dict(estimator="group_norm"), "openrlhf-group-norm", dict()),
    "rloo": (dict(estimator="rloo"), "openrlhf-rloo", dict()),
    "group-norm-k2": (dict(estimator="group_norm", kl="k2", kl_coef=0.05), "openrlhf-group-norm",
                      dict(kl_reward="0.05:k2:10")),
    "dual-clip": (dict(estimator="group_norm", dual_clip=3.0), "openrlhf-group-norm", dict(dual_clip=3)),
    "clip-low-high": (dict(estimator="rloo", clip_eps_low=0.2, clip_eps_high=0.28), "openrlhf-rloo",
                      dict(clip_low=0.2, clip_high=0.28)),
    # OpenRLHF's per-sample mean divides by ``token_counts + 1e-8`` with integer/bool token counts (its action_mask),
    # which torch evaluates in float32, where 1e-8 vanishes: the effective epsilon is 0 (see the xfail below).
    "gspo": (dict(estimator="group_norm", policy_loss_type="gspo"), "openrlhf-group-norm",
             dict(ratio_level="sequence-mean", aggregation="seq-mean-token-mean:0")),
}


@pytest.mark.xfail(strict=True, reason="the GSPO mapping ported at 3c3be62 (seq-mean-token-mean, lengthEpsilon 1e-8; "
                   "docs/MIGRATING.md) differs: openrlhf 0.11.2 aggregate_loss adds 1e-8 to integer token counts in float32, where it "
                   "vanishes: measured |Δ loss| 2.65e-10 (seed 1) and 2.78e-10 (seed 2), max |Δ gradient| 6.8e-11 and "
                   "8.3e-11; with epsilon 0 both agree to 3e-17")
@pytest.mark.parametrize("seed", [1, 2])
def test_gspo_with_the_documented_epsilon(seed):
    rewards, lp, old, ref, mask = token_batch(seed)
    _, loss, grad = openrlhf_loss(rewards, lp, old, ref, mask, estimator="group_norm", policy_loss_type="gspo")
    shape = rewards.shape + (lp.shape[1],)
    step = infalign.ctrl_step(rewards, lp.reshape(shape), ref.reshape(shape), old.reshape(shape),
                              mask=mask.reshape(shape), preset="openrlhf-group-norm", ratio_level="sequence-mean",
                              aggregation="seq-mean-token-mean:1e-8")
    print(f"seed {seed}: |Δ loss| {abs(step.summary.loss - loss):.3g}, max |Δ gradient| "
          f"{np.abs(step.loss_gradient.reshape(grad.shape) - grad).max():.3g}")
    assert abs(step.summary.loss - loss) <= TOL * max(1.0, abs(loss))


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("case", list(CASES))
def test_loss_and_gradient_equal_openrlhf(case, seed):
    theirs_kwargs, preset, options = CASES[case]
    rewards, lp, old, ref, mask = token_batch(seed)
    base, loss, grad = openrlhf_loss(rewards, lp, old, ref, mask, **theirs_kwargs)
    shape = rewards.shape + (lp.shape[1],)
    step = infalign.ctrl_step(rewards, lp.reshape(shape), ref.reshape(shape), old.reshape(shape),
                              mask=mask.reshape(shape), preset=preset, **options)
    ours_grad = step.loss_gradient.reshape(grad.shape)
    print(f"{case} seed {seed}: loss OpenRLHF {loss!r} ctrl_step {step.summary.loss!r}; max |Δ baselined| "
          f"{np.abs(step.advantages - base).max():.3g}; max |Δ gradient| {np.abs(ours_grad - grad).max():.3g}")
    assert np.abs(step.advantages - base).max() <= TOL * max(1.0, np.abs(base).max())
    assert abs(step.summary.loss - loss) <= TOL * max(1.0, abs(loss))
    assert np.abs(ours_grad - grad).max() <= TOL * max(1.0, np.abs(grad).max())
    assert np.all(ours_grad[~mask] == 0)


def test_kl_estimators_equal_compute_approx_kl():
    """compute_approx_kl(policy, reference) vs the step's per-token k1/k2/k3 (the step's are unclamped; compared
    where OpenRLHF's ±10 clamp is inactive). k1 and k2 are exact in float32 on dyadic inputs (1e-12); k3 needs exp,
    which OpenRLHF evaluates in float32 (its ``.float()`` cast), so it is compared at float32's resolution."""
    rewards, lp, old, ref, mask = token_batch(5)
    shape = rewards.shape + (lp.shape[1],)
    step = infalign.ctrl_step(rewards, lp.reshape(shape), ref.reshape(shape), old.reshape(shape),
                              mask=mask.reshape(shape), preset="openrlhf-group-norm")
    lp_t, ref_t = torch.tensor(lp), torch.tensor(ref)
    for name, tol in (("k1", TOL), ("k2", TOL), ("k3", 2.0 ** -23)):
        theirs = utils.compute_approx_kl(lp_t, ref_t, kl_estimator=name).double().numpy()
        ours = getattr(step, name).reshape(theirs.shape)
        inside = mask & (np.abs(theirs) < 10)
        rel = np.abs(ours[inside] - theirs[inside]) / np.maximum(1.0, np.abs(theirs[inside]))
        print(f"{name}: max relative |Δ| {rel.max():.3g} over {inside.sum()} tokens")
        assert rel.max() <= tol
    # masked_mean, as OpenRLHF's loss and logging use it, of k1 over the response tokens inside the clamp.
    k1 = utils.compute_approx_kl(lp_t, ref_t, kl_estimator="k1").double()
    inside = mask & (np.abs(k1.numpy()) < 10)
    mean_k1 = float(utils.masked_mean(k1, torch.tensor(inside), dim=None))
    ours = step.k1.reshape(k1.shape)[inside]
    assert abs(mean_k1 - ours.mean()) <= TOL * max(1.0, abs(mean_k1))


# ---- openrlhf-0.11-gspo: openrlhf 0.11.2's --actor.policy_loss_type gspo -------------------------------------------


def _past_the_clamp(rewards, lp, old, mask):
    """The batch with one full-length response of negative advantage whose every token has log-ratio 21: its GSPO
    ratio e^21 is unclamped in OpenRLHF (loss.py 195), and it is not clipped on a negative advantage."""
    flat = rewards.reshape(-1)
    j = int(np.argsort(flat)[1])  # the second-lowest reward: negative advantage under group_norm
    old = old.copy()
    old[j] = lp[j] - 21.0
    mask = mask.copy()
    mask[j] = True
    return old, mask


@pytest.mark.parametrize("past_clamp", [False, True], ids=["batch", "log-ratio-21"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_openrlhf_0_11_gspo_equals_openrlhf(seed, past_clamp):
    """The openrlhf-0.11-gspo preset against PolicyLoss(policy_loss_type="gspo") after group_norm and the k1
    KL-in-reward returns (openrlhf 0.11.2, float64 inputs): baselined rewards, loss, elementwise gradient."""
    rewards, lp, old, ref, mask = token_batch(seed)
    if past_clamp:
        old, mask = _past_the_clamp(rewards, lp, old, mask)
    base, loss, grad = openrlhf_loss(rewards, lp, old, ref, mask, estimator="group_norm", policy_loss_type="gspo")
    shape = rewards.shape + (lp.shape[1],)
    step = infalign.ctrl_step(rewards, lp.reshape(shape), ref.reshape(shape), old.reshape(shape),
                              mask=mask.reshape(shape), preset="openrlhf-0.11-gspo")
    ours_grad = step.loss_gradient.reshape(grad.shape)
    print(f"seed {seed}: loss OpenRLHF {loss!r} ctrl_step {step.summary.loss!r}; max |Δ gradient| "
          f"{np.abs(ours_grad - grad).max():.3g}")
    assert np.abs(step.advantages - base).max() <= TOL * max(1.0, np.abs(base).max())
    assert abs(step.summary.loss - loss) <= TOL * max(1.0, abs(loss))
    assert np.all(np.abs(ours_grad - grad) <= TOL * np.maximum(1.0, np.abs(grad))), "elementwise"
    assert np.all(ours_grad[~mask] == 0)
    if past_clamp:  # the ported mapping clamps the sequence log-ratio at 20: it differs here
        mapped = infalign.ctrl_step(rewards, lp.reshape(shape), ref.reshape(shape), old.reshape(shape),
                                    mask=mask.reshape(shape), preset="openrlhf-group-norm",
                                    ratio_level="sequence-mean", aggregation="seq-mean-token-mean:0")
        assert abs(mapped.summary.loss - loss) > 1e-3 * abs(loss)
