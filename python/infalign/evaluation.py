"""Empirical inference-time win rates with a bootstrap interval over prompts."""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Any, Optional, Tuple, overload

import numpy as np
import numpy.typing as npt

from . import _arrays
from ._arrays import ArrayInput, Float64Array, Int64Array, OutT
from ._native import Interval, check, lib
from .transforms import ProcedureLike, as_procedure


@dataclass(frozen=True)
class BootstrapInterval:
    """A seeded percentile bootstrap interval of a mean over prompts."""

    estimate: float
    lower: float
    upper: float
    standard_error: float
    level: float
    resamples: int


@dataclass(frozen=True)
class WinRate:
    """The mean of per-prompt win-rate estimates, with its bootstrap interval (NaN bounds when not resampled)."""

    estimate: float
    lower: float
    upper: float
    standard_error: float
    level: float
    resamples: int
    per_prompt: Float64Array


def _ragged(values: ArrayInput, offsets: Optional[ArrayInput], dtype: np.dtype[Any],
            name: str) -> Tuple[npt.NDArray[Any], Int64Array]:
    """Values and offsets from a dense (B, n) array, or from 1-D values plus offsets."""
    a = _arrays.inp(values, dtype, name)
    if offsets is None:
        if a.ndim == 1:
            a = a.reshape(1, -1)
        if a.ndim != 2:
            raise ValueError(f"{name} must be 2-D (prompts × samples) or 1-D with offsets, got shape {a.shape}")
        return a, np.arange(a.shape[0] + 1, dtype=np.int64) * a.shape[1]
    o = _arrays.offsets(offsets, name + "_offsets")
    if a.ndim != 1 or o[-1] != a.size:
        raise ValueError(f"ragged {name} must be 1-D with {name}_offsets[-1] == its size")
    return a, o


@overload
def win_rates(policy: ArrayInput, reference: ArrayInput, procedure: ProcedureLike = "standard", *,
              policy_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
              out: None = None) -> Float64Array: ...
@overload
def win_rates(policy: ArrayInput, reference: ArrayInput, procedure: ProcedureLike = "standard", *,
              policy_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
              out: OutT) -> OutT: ...


def win_rates(policy: ArrayInput, reference: ArrayInput, procedure: ProcedureLike = "standard", *,
              policy_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
              out: Any = None) -> Any:
    """Per-prompt unbiased estimates of the win rate of policy samples over reference samples under
    ``procedure`` (``"standard"``, ``"bon:N"``, ``"won:N"``): exact over all N-subsets of each side, ties ½.

    ``policy`` and ``reference`` are ``(B, n)`` and ``(B, m)`` arrays, or 1-D values with ``B + 1`` offsets each.
    Returns a float64 array of B estimates (``out`` if given).

    Raises:
        InvalidParameterError: an unsupported procedure, or N above a prompt's sample counts.
        NonFiniteError: a NaN/±inf reward ("non-finite policy reward nan at prompt 2, index 0").
        EmptyReferencesError: a prompt with no samples on a side.
    """
    dtype = _arrays.element_type(policy, "policy")
    x, xo = _ragged(policy, policy_offsets, dtype, "policy")
    y, yo = _ragged(reference, reference_offsets, dtype, "reference")
    if xo.size != yo.size:
        raise ValueError(f"policy covers {xo.size - 1} prompts, reference {yo.size - 1}")
    dst, result = _arrays.out(out, (xo.size - 1,), np.dtype(np.float64), "out")
    # An out overlapping the samples would overwrite later prompts' samples before they are read: a scratch copy.
    target = np.empty_like(dst) if dst.size and (np.may_share_memory(dst, x) or np.may_share_memory(dst, y)) else dst
    fn = lib.infalign_win_rates_f32 if dtype == np.float32 else lib.infalign_win_rates_f64
    check(fn(_arrays.address(x), _arrays.address(xo), _arrays.address(y), _arrays.address(yo), xo.size - 1,
             as_procedure(procedure)._handle, _arrays.address(target)))
    if target is not dst:
        np.copyto(dst, target)
    return result


def bootstrap(values: ArrayInput, resamples: int = 1000, level: float = 0.95, seed: int = 0) -> BootstrapInterval:
    """The percentile interval of the mean of ``values`` from ``resamples`` seeded resamples (with replacement);
    the same numbers as ``infalign winrate --bootstrap R --seed S``.

    Raises:
        InvalidParameterError: no values, fewer than 2 resamples, a level outside (0, 1).
        NonFiniteError: a NaN/±inf value.
    """
    v = _arrays.inp(values, np.dtype(np.float64), "values").ravel()
    interval = Interval()
    check(lib.infalign_bootstrap(_arrays.address(v), v.size, int(resamples), float(level), int(seed) & (2**64 - 1),
                                 ctypes.addressof(interval)))
    return BootstrapInterval(interval.estimate, interval.lower, interval.upper, interval.standard_error,
                             interval.level, interval.resamples)


def win_rate(policy: ArrayInput, reference: ArrayInput, procedure: ProcedureLike = "standard", *,
             policy_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
             resamples: int = 1000, level: float = 0.95, seed: int = 0) -> WinRate:
    """The empirical win rate averaged over prompts, with a bootstrap interval over prompts (``resamples=0``: the
    mean only, NaN bounds). Arguments as :func:`win_rates` and :func:`bootstrap`; results equal
    ``infalign winrate`` on the same data to the last bit."""
    per_prompt = win_rates(policy, reference, procedure, policy_offsets=policy_offsets,
                           reference_offsets=reference_offsets)
    if resamples:
        ci = bootstrap(per_prompt, resamples, level, seed)
        return WinRate(ci.estimate, ci.lower, ci.upper, ci.standard_error, ci.level, ci.resamples, per_prompt)
    if per_prompt.size == 0:
        raise ValueError("no prompts")
    total = 0.0
    for v in per_prompt.tolist():  # left to right, as the library and the CLI sum
        total += v
    return WinRate(total / per_prompt.size, math.nan, math.nan, math.nan, float(level), 0, per_prompt)
