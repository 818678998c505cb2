"""Weighted SFT toward the exact tilt as a verl 0.9.1 policy loss: importing this module registers
``infalign_tilt_sft`` in ``verl.trainer.ppo.core_algos.POLICY_LOSS_REGISTRY`` (``register_policy_loss``,
core_algos.py line 53), selected by ``actor.policy_loss.loss_mode=infalign_tilt_sft``.

How it fits. verl's actor calls the registered loss as ``fn(old_log_prob=, log_prob=, advantages=, response_mask=,
loss_agg_mode=, config=, rollout_is_weights=)`` (``verl/workers/utils/losses.py`` lines 103-112) with per-token
log-probs ``(bs, response_len)``. The loss here is ``−log_prob·advantages`` with **no ratio and no clipping**
(the shape of verl's ``gpg`` loss, core_algos.py line 1707), where the advantages carry each sequence's tilt weight
broadcast over its response tokens, aggregated by ``seq-mean-token-sum``: per sequence the sum over its tokens
(the sequence NLL times w_i), then the mean over the global batch's sequences. That is exactly
:func:`infalign.integrations.distill_trl.weighted_sequence_nll` (whose docstring says why sequence NLLs and a mean
over sequences), with verl's own data-parallel normalization (``agg_loss``, core_algos.py line 1140).
``seq-mean-token-sum-norm`` (a constant divisor) is accepted; token means change the fixed point and are refused.
verl's rollout-correction weights (``rollout_is_weights``), when present, multiply the per-token loss as in ``gpg``.

What does not fit, read in verl 0.9.1. The weights must be in ``data.batch["advantages"]`` before the actor update,
and verl computes that field in ``compute_advantage`` (``verl/trainer/ppo/ray_trainer.py`` lines 249-280), which
gives a registered estimator only ``token_level_rewards``, ``response_mask``, ``config``, ``index`` (uid) and
``reward_baselines``; old and reference log-probs go only to the built-in optimal-token-baseline estimators (lines
264-276). So the **iterated** weights (which need log π_k and log π_ref per sequence,
:func:`~infalign.integrations.distill.iterated_tilt_weights`) cannot be formed inside a registered estimator, and
the loss itself sees only micro-batches (a prompt's group may be split), so it cannot self-normalize per prompt.
Fill the advantages with :func:`tilt_advantages` in your own driver (after verl computed ``old_log_probs`` and
``ref_log_prob``), or, for one round on samples of π_ref, from :func:`infalign.tilt_weights` of the group's rewards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

if TYPE_CHECKING:  # imported on first use (not a dependency); Any to mypy (python/pyproject.toml)
    import torch

#: The loss name in verl's policy-loss registry, and the aggregation modes it accepts.
LOSS_NAME = "infalign_tilt_sft"
SEQUENCE_AGG_MODES = ("seq-mean-token-sum", "seq-mean-token-sum-norm")


def tilt_sft_loss(old_log_prob: torch.Tensor, log_prob: torch.Tensor, advantages: torch.Tensor,
                  response_mask: torch.Tensor, loss_agg_mode: str = "seq-mean-token-sum", config: Any = None,
                  rollout_is_weights: Optional[torch.Tensor] = None) -> tuple[torch.Tensor, dict[str, Any]]:
    """verl policy loss ``infalign_tilt_sft``: ``agg(−log_prob·advantages [·rollout_is_weights])`` with
    ``advantages`` the tilt weights broadcast over the response tokens. ``old_log_prob`` is not used (no ratio).

    Returns ``(loss, metrics)`` as verl's losses do. Raises ValueError for an aggregation mode that is not a
    sequence sum (the fixed point would not be the tilt)."""
    from verl.trainer.ppo.core_algos import agg_loss

    if loss_agg_mode not in SEQUENCE_AGG_MODES:
        raise ValueError(f"{LOSS_NAME} needs actor.loss_agg_mode in {SEQUENCE_AGG_MODES} (a sum over each "
                         f"sequence's tokens, whose weighted-MLE fixed point is the tilt), got {loss_agg_mode!r}")
    losses = -log_prob * advantages
    if rollout_is_weights is not None:
        losses = losses * rollout_is_weights
    info = getattr(config, "global_batch_info", None) if config is not None else None
    loss = agg_loss(loss_mat=losses, loss_mask=response_mask, loss_agg_mode=loss_agg_mode, **(info or {}))
    return loss, {}


def tilt_advantages(weights: Any, response_mask: torch.Tensor) -> torch.Tensor:
    """Tilt weights ``(bs,)`` (one per sequence, e.g. ``iterated_tilt_weights(...).weights`` in batch order) as
    verl advantages ``(bs, response_len)``: each weight times its response mask, in the mask's device and float32.

    Raises: infalign.ShapeError (wrong count), infalign.NonFiniteError (a NaN/inf weight, naming the sequence)."""
    import torch

    from .._errors import NonFiniteError, ShapeError

    w = np.asarray(weights, dtype=np.float64).reshape(-1)
    if w.size != response_mask.shape[0]:
        raise ShapeError(f"{w.size} weights for {response_mask.shape[0]} sequences")
    bad = np.flatnonzero(~np.isfinite(w))
    if bad.size:
        raise NonFiniteError(f"weights: {w[bad[0]]} at sequence {int(bad[0])}")
    t = torch.as_tensor(w, dtype=torch.float32, device=response_mask.device)
    return t.unsqueeze(-1) * response_mask.to(torch.float32)


def register() -> Optional[str]:
    """Registers :func:`tilt_sft_loss` as ``infalign_tilt_sft`` (idempotent) and returns the name.

    Raises: ValueError when another function is registered under that name (left untouched)."""
    from verl.trainer.ppo import core_algos

    existing = core_algos.POLICY_LOSS_REGISTRY.get(LOSS_NAME)
    if existing is not None and existing is not tilt_sft_loss and \
            getattr(existing, "__qualname__", None) != tilt_sft_loss.__qualname__:
        raise ValueError(f"verl already has a policy loss {LOSS_NAME!r}: {existing!r}")
    core_algos.register_policy_loss(LOSS_NAME)(tilt_sft_loss)
    return LOSS_NAME


register()
