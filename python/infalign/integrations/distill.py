"""Training recipes that distill the exact tilt π*(y|x) ∝ π_ref(y|x)·exp(Φ(u(x,y))/β) (docs/MATH.md §8,
docs/DISTILLATION.md "Training recipes"). numpy only; the torch loss and the TRL trainer are in
:mod:`infalign.integrations.distill_trl`, the verl policy loss in :mod:`infalign.integrations.verl`.

- :func:`tilt_columns` / :func:`tilt_dataset`: one round. K completions per prompt sampled from π_ref, their raw
  rewards and (optionally) reference rewards → rows ``prompt, completion, weight`` for weighted SFT, with weights
  from :func:`infalign.tilt_weights` (mean 1 per prompt).
- :func:`iterated_tilt_weights`: later rounds. Completions sampled from the current policy π_k, with their sequence
  log-probs under π_k and π_ref → self-normalized importance weights toward the **same** π*:
  ``w_i ∝ exp(log π_ref(y_i|x) − log π_k(y_i|x) + Φ(u_i)/β)``, with the effective sample size per prompt.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Optional

import numpy as np
import numpy.typing as npt

from .._errors import NonFiniteError, ShapeError
from ..distillation import TiltWeights, tilt_weights

if TYPE_CHECKING:  # not a dependency; mypy sees it as Any (python/pyproject.toml)
    import datasets

__all__ = ["tilt_columns", "tilt_dataset", "iterated_tilt_weights", "IteratedTiltWeights", "LowESSWarning",
           "LowESSError"]


class LowESSWarning(RuntimeWarning):
    """Some prompts' effective sample size fell below ``min_ess``·K (:func:`iterated_tilt_weights`)."""


class LowESSError(ValueError):
    """``on_low_ess="raise"`` and some prompts' effective sample size fell below ``min_ess``·K. ``prompts``: their
    indices; ``ess``: their effective sample sizes."""

    def __init__(self, message: str, prompts: npt.NDArray[np.intp], ess: npt.NDArray[np.float64]) -> None:
        super().__init__(message)
        self.prompts, self.ess = prompts, ess


def _references_list(references: Any, prompts: Sequence[Any]) -> Optional[list[Any]]:
    """None, a sequence of one reference array per prompt, or a mapping keyed by :func:`prompt_key` of the prompt."""
    if references is None:
        return None
    if isinstance(references, Mapping):
        from .trl import MissingReferenceError, prompt_key

        out = []
        for b, p in enumerate(prompts):
            key = prompt_key(p)
            if key not in references:
                raise MissingReferenceError(f"no reference rewards for prompt {b} ({key!r})")
            out.append(references[key])
        return out
    out = list(references)
    if len(out) != len(prompts):
        raise ShapeError(f"{len(out)} reference rows for {len(prompts)} prompts")
    return out


def tilt_columns(prompts: Sequence[Any], completions: Sequence[Sequence[Any]], rewards: Sequence[Sequence[float]],
                 references: Any = None, transform: Any = "identity", *, kl: Optional[float] = None,
                 beta: Optional[float] = None, scaled_beta: Optional[float] = None, smoothing: bool = False,
                 weight_column: str = "weight", **tilt_options: Any) -> tuple[dict[str, list[Any]], TiltWeights]:
    """Columns for weighted SFT toward the tilt, one row per completion, and the :class:`~infalign.TiltWeights`.

    Args:
        prompts: B prompts (text, or TRL conversational message lists).
        completions: per prompt, its K_b completions sampled from π_ref (K_b may differ between prompts).
        rewards: per prompt, the K_b raw rewards of its completions.
        references: None (each reward calibrated against the rest of its group: leave-one-out, K_b ≥ 2), one
            sequence of reference rewards per prompt, or a mapping from the prompt key
            (:func:`infalign.integrations.trl.prompt_key`) to them.
        transform, kl, beta, scaled_beta, smoothing, tilt_options: as :func:`infalign.tilt_weights` (exactly one
            of kl/beta/scaled_beta; ``kl`` solves β by the exact calibrated-space solve).
    Returns:
        ``(columns, tilt)``: ``columns`` maps ``"prompt"``, ``"completion"``, ``weight_column`` (float64, mean 1
        per prompt), ``"prompt_index"``, ``"reward"``, ``"calibrated"`` to lists of equal length Σ K_b;
        ``tilt`` is the :class:`~infalign.TiltWeights` (per-prompt ``log_z``, ``ess``, ``kl``; ``beta``; the exact
        tilt's KL and win rates).
    Raises:
        ShapeError: prompts, completions and rewards of different lengths (naming the prompt). The library's
        NonFiniteError (a NaN/inf reward, naming prompt and sample) and EmptyReferencesError.
    """
    prompts = list(prompts)
    completions = [list(c) for c in completions]
    rows = [np.asarray(r, dtype=np.float64).reshape(-1) for r in rewards]
    if len(completions) != len(prompts) or len(rows) != len(prompts):
        raise ShapeError(f"{len(prompts)} prompts, {len(completions)} completion groups and {len(rows)} reward "
                         "groups: give one group per prompt")
    for b, (c, r) in enumerate(zip(completions, rows)):
        if len(c) != r.size:
            raise ShapeError(f"prompt {b}: {len(c)} completions but {r.size} rewards")
    offsets = np.concatenate([[0], np.cumsum([r.size for r in rows])]).astype(np.int64)
    flat = np.concatenate(rows) if rows else np.zeros(0)
    refs = _references_list(references, prompts)
    ref_flat = ref_offsets = None
    if refs is not None:
        ref_rows = [np.asarray(x, dtype=np.float64).reshape(-1) for x in refs]
        ref_offsets = np.concatenate([[0], np.cumsum([x.size for x in ref_rows])]).astype(np.int64)
        ref_flat = np.concatenate(ref_rows)
    tilt = tilt_weights(flat, ref_flat, transform, kl=kl, beta=beta, scaled_beta=scaled_beta, smoothing=smoothing,
                        reward_offsets=offsets, reference_offsets=ref_offsets, **tilt_options)
    index = np.repeat(np.arange(len(prompts)), np.diff(offsets))
    columns = {"prompt": [prompts[b] for b in index], "completion": [x for c in completions for x in c],
               weight_column: tilt.weights.tolist(), "prompt_index": index.tolist(), "reward": flat.tolist(),
               "calibrated": tilt.calibrated.tolist()}
    return columns, tilt


def tilt_dataset(*args: Any, **kwargs: Any) -> tuple[datasets.Dataset, TiltWeights]:
    """:func:`tilt_columns` as a ``datasets.Dataset`` (prompt-completion format, TRL's ``SFTTrainer`` reads it):
    returns ``(dataset, tilt)``. Same arguments and errors."""
    from datasets import Dataset

    columns, tilt = tilt_columns(*args, **kwargs)
    return Dataset.from_dict(columns), tilt


@dataclass(frozen=True)
class IteratedTiltWeights:
    """The result of :func:`iterated_tilt_weights`. Per sample (the rewards' shape): ``weights`` (mean 1 within
    each prompt), ``log_weights`` (their logs; −inf where a weight is 0), ``calibrated`` u (against π_ref's
    reference rewards). Per prompt (``(B,)``, float64): ``ess`` = (Σw)²/Σw², ``ess_fraction`` = ESS/K,
    ``low_ess`` (ESS < ``min_ess``·K), ``kl`` = Σ (w/K)·log w, ``log_z`` = the importance-sampling estimate of
    log E_{π_ref}[exp(Φ(u)/β)] (compare ``tilt.exact_log_z``). ``tilt``: the underlying
    :class:`~infalign.TiltWeights` (β, the exact tilt's KL and win rates; its own weights ignore the ratios)."""

    weights: npt.NDArray[np.float64]
    log_weights: npt.NDArray[np.float64]
    calibrated: Any  # TiltWeights.calibrated: the rewards' precision (a torch tensor when they are one)
    ess: npt.NDArray[np.float64]
    ess_fraction: npt.NDArray[np.float64]
    low_ess: npt.NDArray[np.bool_]
    kl: npt.NDArray[np.float64]
    log_z: npt.NDArray[np.float64]
    tilt: TiltWeights


def _flat(x: Any, name: str, shape: tuple[int, ...], offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    a = np.asarray(x, dtype=np.float64)
    if a.shape != shape:
        raise ShapeError(f"{name} has shape {a.shape}, the rewards {shape}")
    a = a.reshape(-1)
    bad = np.flatnonzero(~np.isfinite(a))
    if bad.size:
        i = int(bad[0])
        b = int(np.searchsorted(offsets, i, side="right") - 1)
        raise NonFiniteError(f"{name}: {a[i]} at prompt {b}, sample {i - offsets[b]} ({bad.size} non-finite)")
    return a


def iterated_tilt_weights(rewards: Any, policy_logps: Any, reference_logps: Any, references: Any,
                          transform: Any = "identity", *, kl: Optional[float] = None, beta: Optional[float] = None,
                          scaled_beta: Optional[float] = None, smoothing: bool = False, reward_offsets: Any = None,
                          reference_offsets: Any = None, min_ess: Optional[float] = None, on_low_ess: str = "warn",
                          **tilt_options: Any) -> IteratedTiltWeights:
    """Self-normalized importance weights toward π* ∝ π_ref·exp(Φ(u)/β) for samples drawn from the current policy
    π_k (iterated distillation, docs/DISTILLATION.md).

    ``w_i = K·exp(a_i − logsumexp_j a_j)`` within each prompt, ``a_i = log π_ref(y_i|x) − log π_k(y_i|x) + Φ(u_i)/β``.
    The target does not move between rounds: u is the calibrated reward against **π_ref's** reference rewards
    (a reference table; never leave-one-out against the policy's own samples, whose reward distribution is not
    π_ref's), and β is the same (given, or solved from ``kl`` by the exact calibrated-space solve, which does not
    depend on the samples). Φ(u)/β enters as the log of :func:`infalign.tilt_weights`' weights (already normalized
    in log space, so ``exp:t`` with any t is safe); the ratios are added in log space and each prompt is normalized
    by log-sum-exp. With π_k = π_ref (equal log-probs) the weights are ``tilt_weights``' own.

    Args:
        rewards: raw rewards, ``(B, K)`` dense or 1-D ragged with ``reward_offsets``.
        policy_logps, reference_logps: sequence log-probs (sums over the completion tokens) of each sample under
            π_k (the policy that sampled it) and π_ref; the rewards' shape, finite.
        references: π_ref's reference rewards per prompt (``(B, M)``, or ragged with ``reference_offsets``).
        transform, kl, beta, scaled_beta, smoothing, tilt_options: as :func:`infalign.tilt_weights`.
        min_ess: a fraction of K in (0, 1]: prompts whose ESS falls below ``min_ess``·K are flagged (``low_ess``)
            and reported per ``on_low_ess``: ``"warn"`` (:class:`LowESSWarning`), ``"raise"``
            (:class:`LowESSError`) or ``"ignore"``. A low ESS means π_k has drifted from where π* puts its mass
            (or the sample misses it): sample more, or take the round from a policy closer to π*.
    Raises:
        ShapeError: log-probs not of the rewards' shape. NonFiniteError: a NaN/inf log-prob or reward, naming
        prompt and sample. ValueError: ``references`` None, ``min_ess`` outside (0, 1], an unknown ``on_low_ess``.
        LowESSError: as above. The library's errors of :func:`infalign.tilt_weights`.
    """
    if references is None:
        raise ValueError("iterated_tilt_weights needs π_ref's reference rewards: u must be calibrated against π_ref, "
                         "not leave-one-out against the current policy's samples")
    if on_low_ess not in ("warn", "raise", "ignore"):
        raise ValueError(f"on_low_ess must be 'warn', 'raise' or 'ignore', got {on_low_ess!r}")
    if min_ess is not None and not 0.0 < float(min_ess) <= 1.0:
        raise ValueError(f"min_ess is a fraction of K in (0, 1], got {min_ess}")
    tilt = tilt_weights(rewards, references, transform, kl=kl, beta=beta, scaled_beta=scaled_beta,
                        leave_one_out=False, smoothing=smoothing, reward_offsets=reward_offsets,
                        reference_offsets=reference_offsets, **tilt_options)
    shape = tilt.weights.shape
    if reward_offsets is not None:
        offsets = np.asarray(reward_offsets, dtype=np.int64)
    else:
        k = shape[-1]
        offsets = np.arange(1 + (1 if len(shape) == 1 else shape[0]), dtype=np.int64) * k
    lp = _flat(policy_logps, "policy_logps", shape, offsets)
    lr = _flat(reference_logps, "reference_logps", shape, offsets)
    starts, counts = offsets[:-1], np.diff(offsets)
    with np.errstate(divide="ignore"):
        a = np.log(tilt.weights.reshape(-1).astype(np.float64)) + (lr - lp)  # Φ(u)/β − log Z0 + log ratio
    m = np.maximum.reduceat(a, starts)  # finite: tilt weights sum to K > 0 and the ratios are finite
    lse = m + np.log(np.add.reduceat(np.exp(a - np.repeat(m, counts)), starts))
    log_k = np.log(counts.astype(np.float64))
    log_w = a - np.repeat(lse - log_k, counts)
    w = np.exp(log_w)
    ess = counts.astype(np.float64) ** 2 / np.add.reduceat(w * w, starts)
    kl_sample = np.add.reduceat(np.where(w > 0, w * log_w, 0.0), starts) / counts
    log_z = tilt.log_z + lse - log_k
    fraction = ess / counts
    low = fraction < float(min_ess) if min_ess is not None else np.zeros(counts.size, dtype=bool)
    if low.any() and on_low_ess != "ignore":
        which = np.flatnonzero(low)
        listed = ", ".join(f"prompt {b} (ESS {ess[b]:.3g} of K={counts[b]})" for b in which[:5])
        message = (f"{which.size} of {counts.size} prompts have ESS below {min_ess}·K: {listed}"
                   f"{', …' if which.size > 5 else ''}")
        if on_low_ess == "raise":
            raise LowESSError(message, which, ess[which])
        warnings.warn(message, LowESSWarning, stacklevel=2)
    return IteratedTiltWeights(w.reshape(shape), log_w.reshape(shape), tilt.calibrated, ess, fraction, low,
                               kl_sample, log_z, tilt)
