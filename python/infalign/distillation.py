"""Tilt weights: self-normalized weights toward the exact KL-RL optimum in calibrated space, for distillation
(weighted maximum likelihood on samples from π_ref)."""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from . import _arrays
from ._arrays import ArrayInput, Float64Array
from ._native import TiltSummary, check, lib
from .calibration import LEAVE_ONE_OUT, SMOOTHING
from .transforms import ProcedureLike, TransformLike, as_procedure, as_transform

TILT_BETA, TILT_SCALED_BETA, TILT_KL = 0, 1, 2


@dataclass(frozen=True)
class TiltWeights:
    """The result of :func:`tilt_weights`.

    Per sample (the rewards' shape: ``(B, K)`` dense, 1-D ragged): ``calibrated`` u, ``transformed`` Φ(u) (it
    overflows to inf for ``exp:t`` with large t; the weights never form it), ``weights`` w = exp(Φ(u)/β − log Z),
    mean 1 within each prompt. Per prompt (``(B,)``, float64): ``log_z`` = log of the **mean** of exp(Φ(u)/β),
    ``ess`` = (Σw)²/Σw² in [1, K], ``kl`` = Σ (w/K)·log w, the KL of the reweighted sample against the uniform one.
    For the batch: the ``beta`` used (inf where it exceeds float64: see ``log_beta``, ``scaled_beta``) and the
    exact tilt's ``exact_kl``, ``exact_log_z``, ``standard_win_rate`` and ``win_rates`` (procedure text → its
    win rate against the same procedure).
    """

    calibrated: Any  # per sample: FloatArray, or torch tensors when the rewards are a tensor
    transformed: Any
    weights: Any
    log_z: Float64Array
    ess: Float64Array
    kl: Float64Array
    beta: float
    log_beta: float
    scaled_beta: float
    exact_kl: float
    exact_log_z: float
    standard_win_rate: float
    win_rates: dict[str, float]


def _strength(kl: Optional[float], beta: Optional[float], scaled_beta: Optional[float]) -> Tuple[int, float]:
    given = [(TILT_KL, kl), (TILT_BETA, beta), (TILT_SCALED_BETA, scaled_beta)]
    chosen = [(k, float(v)) for k, v in given if v is not None]
    if len(chosen) != 1:
        raise ValueError("give exactly one of kl, beta and scaled_beta")
    return chosen[0]


def tilt_weights(rewards: ArrayInput, references: Optional[ArrayInput] = None, transform: TransformLike = "identity",
                 *, kl: Optional[float] = None, beta: Optional[float] = None, scaled_beta: Optional[float] = None,
                 leave_one_out: Optional[bool] = None, smoothing: bool = False,
                 reward_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
                 procedures: Sequence[ProcedureLike] = ("bon:4", "won:4"),
                 threads: Optional[int] = None) -> TiltWeights:
    """Weights toward π*(y|x) ∝ π_ref(y|x)·exp(Φ(u(x,y))/β) for groups of samples drawn from π_ref (docs/MATH.md §8).

    Dense: ``rewards`` is ``(B, K)`` (1-D: one prompt) and ``references`` ``(B, M)``. Ragged: 1-D values with
    ``reward_offsets`` (and ``reference_offsets``) of ``B + 1`` entries. Contiguous float32/float64 inputs are read
    in place (no copy); float32 rewards give float32 per-sample outputs.

    Args:
        references: reference rewards per prompt, or None: each reward calibrated against the rest of its group
            (leave-one-out).
        transform: Φ, a :class:`Transform` or its text form (``"exp:12.6"``, ``"negexp:4"``, a table).
        kl, beta, scaled_beta: exactly one. ``kl`` solves β for that exact calibrated-space KL (as
            :func:`beta_for_kl`); ``scaled_beta`` is β·e^{−t} for ``exp:t`` (any t).
        leave_one_out: default: True without references, False with them (True with references: the rewards are
            among them).
        smoothing: calibrate as (count + ½)/(M + 1).
        procedures: procedures whose exact-tilt win rates are predicted (``"bon:4"``, ``"won:4"``, ``"standard"``).
        threads: threads for this call (None: the process-wide count); results are identical for every count.
    Raises:
        NonFiniteError: a NaN/inf reward or reference, naming the prompt and sample; or Φ(u)/β = +inf
            (``logit`` without smoothing at u = 1).
        EmptyReferencesError: a prompt without references (leave-one-out: with one sample).
        ShapeError: a prompt with no samples, offsets that do not describe the data.
        InvalidParameterError: β, a budget or threads outside their domain; a budget out of reach.
    """
    loo = (references is None) if leave_one_out is None else bool(leave_one_out)
    if references is None and not loo:
        raise ValueError("references are required unless leave_one_out=True")
    kind, value = _strength(kl, beta, scaled_beta)
    dtype = _arrays.element_type(rewards, "rewards")
    suffix = "f32" if dtype == np.float32 else "f64"
    q = _arrays.inp(rewards, dtype, "rewards")
    if reward_offsets is not None:
        if q.ndim != 1:
            raise ValueError(f"ragged rewards must be 1-D, got shape {q.shape}")
        qo = _arrays.offsets(reward_offsets, "reward_offsets")
        if qo[-1] != q.size:
            raise ValueError(f"reward_offsets[-1] = {qo[-1]} but rewards has {q.size} values")
        r = ro = None
        if references is not None:
            if reference_offsets is None:
                raise ValueError("ragged rewards with references need reference_offsets")
            r = _arrays.inp(references, dtype, "references")
            ro = _arrays.offsets(reference_offsets, "reference_offsets")
            if r.ndim != 1 or ro.size != qo.size or ro[-1] != r.size:
                raise ValueError("references and reference_offsets do not describe the rewards' prompts")
    else:
        if q.ndim not in (1, 2):
            raise ValueError(f"rewards must be 1-D (one prompt) or 2-D (prompts × samples), got shape {q.shape}")
        b, k = (1, q.size) if q.ndim == 1 else q.shape
        qo = np.arange(b + 1, dtype=np.int64) * k
        r = ro = None
        if references is not None:
            r = _arrays.inp(references, dtype, "references")
            if r.ndim == 1:
                r = r.reshape(1, -1)
            if r.ndim != 2 or r.shape[0] != b:
                raise ValueError(f"references must be ({b}, M) for rewards of shape {q.shape}, got {r.shape}")
            ro = np.arange(b + 1, dtype=np.int64) * r.shape[1]
    prompts = qo.size - 1
    parsed = [as_procedure(p) for p in procedures]
    handles = (ctypes.c_void_p * max(1, len(parsed)))(*[p._handle for p in parsed])
    t = as_transform(transform)
    u, phi, w = (np.empty(q.shape, dtype=dtype) for _ in range(3))
    log_z, ess, kls = (np.empty(prompts, dtype=np.float64) for _ in range(3))
    win = np.empty(max(1, len(parsed)), dtype=np.float64)
    summary = TiltSummary()
    flags = (LEAVE_ONE_OUT if loo else 0) | (SMOOTHING if smoothing else 0)
    addr = _arrays.address
    check(getattr(lib, "infalign_tilt_weights_" + suffix)(
        addr(q), addr(qo), None if r is None else addr(r), None if ro is None else addr(ro), prompts, flags,
        t._handle, kind, value, ctypes.addressof(handles), len(parsed), 0 if threads is None else int(threads),
        addr(u), addr(phi), addr(w), addr(log_z), addr(ess), addr(kls), addr(win), ctypes.addressof(summary)))
    return TiltWeights(
        _arrays.like(u, rewards), _arrays.like(phi, rewards), _arrays.like(w, rewards), log_z, ess, kls,
        summary.beta, summary.log_beta, summary.scaled_beta, summary.kl, summary.log_z, summary.standard_win_rate,
        {str(p): float(win[i]) for i, p in enumerate(parsed)})
