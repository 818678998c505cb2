"""One CTRL training step (calibrate, transform, advantages, KL estimators, PPO loss and its gradient) on
caller-owned buffers."""

from __future__ import annotations

import ctypes
import functools
from dataclasses import dataclass

import numpy as np

from . import _arrays
from ._native import CTRLSummary as _Summary, check, lib
from .calibration import CalibrationTable
from .transforms import Transform, as_transform

#: The outputs a step can write, in the order of the C function's arguments.
OUTPUTS = ("advantages", "loss_gradient", "calibrated", "transformed", "k1", "k2", "k3", "valid")


class CTRLOptions:
    """Options of a CTRL step, validated by the library when created. Immutable; safe to share between threads.

    Args:
        transform: Φ applied to calibrated rewards (text form or :class:`Transform`, e.g. an optimal transform).
        smoothing: smoothed calibration.
        advantage: ``"rloo"`` (leave-one-out baseline) or ``"group-mean"``.
        normalize_by_std: divide advantages by the group's reward std, floored at ``std_floor``.
        kl_coefficient: β folded into the reward, ``R = Φ(C) − β·(log π − log π_ref)``.
        clip_epsilon: PPO clip range; log_ratio_clamp: log-ratios clamped to ±c before any exp.
        non_finite: ``"throw"`` (raise NonFiniteError naming array, group and sample) or ``"mask"``.
    Raises:
        ParseError, InvalidParameterError: naming the option.
    """

    def __init__(self, transform="identity", *, smoothing=False, advantage="rloo", normalize_by_std=False,
                 std_floor=1e-6, kl_coefficient=0.0, clip_epsilon=0.2, log_ratio_clamp=20.0, non_finite="throw"):
        handle = ctypes.c_void_p()
        check(lib.infalign_ctrl_options_create(ctypes.addressof(handle)))
        self._handle = handle.value
        self.transform = as_transform(transform)
        check(lib.infalign_ctrl_options_set_transform(self._handle, self.transform._handle))
        values = {
            "smoothing": _flag(smoothing), "advantage": str(advantage), "normalize_by_std": _flag(normalize_by_std),
            "std_floor": repr(float(std_floor)), "kl_coefficient": repr(float(kl_coefficient)),
            "clip_epsilon": repr(float(clip_epsilon)), "log_ratio_clamp": repr(float(log_ratio_clamp)),
            "non_finite": str(non_finite),
        }
        for key, value in values.items():
            check(lib.infalign_ctrl_options_set(self._handle, key.encode(), value.encode()))
        self._values = values

    def __del__(self):
        h, self._handle = getattr(self, "_handle", None), None
        if h:
            try:
                lib.infalign_ctrl_options_free(h)
            except Exception:  # interpreter shutdown
                pass

    def __repr__(self):
        return f"CTRLOptions(transform={str(self.transform)!r}, " + ", ".join(
            f"{k}={v}" for k, v in self._values.items()) + ")"


def _flag(x) -> str:
    return "true" if x else "false"


@functools.lru_cache(maxsize=64)
def _cached_options(transform, smoothing, advantage, normalize_by_std, std_floor, kl_coefficient, clip_epsilon,
                    log_ratio_clamp, non_finite) -> CTRLOptions:
    return CTRLOptions(transform, smoothing=smoothing, advantage=advantage, normalize_by_std=normalize_by_std,
                       std_floor=std_floor, kl_coefficient=kl_coefficient, clip_epsilon=clip_epsilon,
                       log_ratio_clamp=log_ratio_clamp, non_finite=non_finite)


@dataclass(frozen=True)
class CTRLStepSummary:
    """Batch-level results of a step: the PPO loss, KL estimator means over valid samples, the clipped fraction,
    the number of masked samples."""

    loss: float
    mean_k1: float
    mean_k2: float
    mean_k3: float
    clipped_fraction: float
    masked_count: int


class CTRLResult:
    """The outputs of :func:`ctrl_step` (``groups × group_size`` arrays; outputs not requested are None) and its
    ``summary``. Pass it back as ``out=`` to reuse its buffers."""

    __slots__ = OUTPUTS + ("summary",)

    def __init__(self, **arrays):
        for name in OUTPUTS:
            setattr(self, name, arrays.get(name))
        self.summary = None

    def __repr__(self):
        have = [n for n in OUTPUTS if getattr(self, n) is not None]
        return f"CTRLResult({', '.join(have)}; {self.summary})"


def ctrl_step(rewards, policy_logprobs, reference_logprobs, old_policy_logprobs=None, *, references=None,
              options=None, outputs=OUTPUTS, out=None, **option_values) -> CTRLResult:
    """One CTRL step: calibrate each sample's reward (against ``references`` per group, or leave-one-out within its
    group), transform by Φ, baseline into advantages, and compute the KL estimators and the PPO clipped surrogate
    loss with its gradient ∂L/∂log π.

    Args:
        rewards, policy_logprobs, reference_logprobs: ``(groups, group_size)`` arrays or torch CPU tensors, one row
            per prompt group. The precision of ``rewards`` (float32, else float64) is the step's; the others are
            used in place when they already match it and are contiguous, else converted.
        old_policy_logprobs: ``log π_old`` for the PPO ratio; None means on-policy (ratio 1).
        references: a :class:`CalibrationTable` (one row per group, same precision) or a ``(groups, M)`` array of
            reference rewards; None calibrates each sample against the rest of its group.
        options: a :class:`CTRLOptions`; or give its arguments as keywords (``transform="exp:2"``, ...), cached.
        outputs: names of the outputs to compute (``advantages`` and ``loss_gradient`` always are).
        out: a :class:`CTRLResult` or a dict of output arrays to write into (each ``(groups, group_size)``, the
            step's precision, ``valid`` bool), e.g. the result of a previous step.
    Returns:
        A :class:`CTRLResult` (``out`` itself when it is one) with ``summary`` set.
    Raises:
        NonFiniteError: a NaN/±inf input (with ``non_finite="throw"``) or a transform overflowing float32.
        EmptyReferencesError: a group with fewer than 2 valid samples under group calibration.
        ShapeError: a table with a different number of groups.
    """
    if options is None:
        transform = option_values.pop("transform", "identity")
        if not isinstance(transform, Transform):
            transform = str(transform)
        defaults = dict(smoothing=False, advantage="rloo", normalize_by_std=False, std_floor=1e-6,
                        kl_coefficient=0.0, clip_epsilon=0.2, log_ratio_clamp=20.0, non_finite="throw")
        unknown = set(option_values) - set(defaults)
        if unknown:
            raise TypeError(f"ctrl_step() got unexpected keyword arguments {sorted(unknown)}")
        defaults.update(option_values)
        options = _cached_options(transform, **defaults)
    elif option_values:
        raise TypeError("give either options= or option keywords, not both")

    dtype = _arrays.element_type(rewards)
    r = _arrays.inp(rewards, dtype, "rewards")
    if r.ndim == 1:
        r = r.reshape(1, -1)
    if r.ndim != 2:
        raise ValueError(f"rewards must be (groups, group_size), got shape {r.shape}")
    shape = r.shape
    inputs = [r]
    for name, x in (("policy_logprobs", policy_logprobs), ("reference_logprobs", reference_logprobs),
                    ("old_policy_logprobs", old_policy_logprobs)):
        if x is None:
            inputs.append(None)
            continue
        a = _arrays.inp(x, dtype, name)
        if a.size != r.size or (a.ndim == 2 and a.shape != shape):
            raise ValueError(f"{name} has shape {a.shape}, rewards {shape}")
        inputs.append(a)

    table = None
    if references is not None:
        table = references if isinstance(references, CalibrationTable) else CalibrationTable(
            _arrays.inp(references, dtype, "references"))

    if isinstance(out, CTRLResult):
        result, given = out, {n: getattr(out, n) for n in OUTPUTS if getattr(out, n) is not None}
    else:
        given = dict(out or {})
        result = CTRLResult()
    wanted = set(outputs) | {"advantages", "loss_gradient"} | set(given)
    pointers = []
    for name in OUTPUTS:
        if name not in wanted:
            setattr(result, name, None)
            pointers.append(None)
            continue
        dt = np.dtype(np.bool_) if name == "valid" else dtype
        buffer, returned = _arrays.out(given.get(name), shape, dt, name)
        setattr(result, name, returned if name in given else _arrays.like(buffer, rewards))
        pointers.append(_arrays.address(buffer))

    summary = _Summary()
    step = lib.infalign_ctrl_step_f32 if dtype == np.float32 else lib.infalign_ctrl_step_f64
    check(step(options._handle, table and table._handle, shape[0], shape[1],
               *[None if a is None else _arrays.address(a) for a in inputs], *pointers, ctypes.addressof(summary)))
    result.summary = CTRLStepSummary(summary.loss, summary.mean_k1, summary.mean_k2, summary.mean_k3,
                                     summary.clipped_fraction, summary.masked_count)
    return result
