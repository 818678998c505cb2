"""One CTRL training step (calibrate, transform, advantages, KL estimators, PPO loss and its gradient) on
caller-owned buffers, at the sequence or the token level, with InfAlign's defaults or a peer trainer's preset."""

from __future__ import annotations

import ctypes
import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Literal, Optional, Sequence, Tuple, Union, cast, get_args

import numpy as np
import numpy.typing as npt

from . import _arrays
from ._arrays import ArrayInput, Shape
from ._native import CTRLSummary as _Summary, HandleOwner, check, lib, text_argument
from .calibration import CalibrationTable
from .transforms import Transform, TransformLike, as_transform

#: An output's name (:data:`OUTPUTS`).
Output = Literal["advantages", "loss_gradient", "calibrated", "transformed", "k1", "k2", "k3", "valid"]
#: The outputs a step can write, in the order of the C function's arguments.
OUTPUTS: Tuple[Output, ...] = get_args(Output)
#: Outputs with one value per token at the token level (the others have one per sample).
TOKEN_OUTPUTS = ("loss_gradient", "k1", "k2", "k3")

#: Peer trainers' option sets (``preset=``): each reproduces that trainer's advantage, KL and loss stage.
Preset = Literal["infalign", "verl-grpo", "verl-rloo", "verl-drgrpo", "verl-grpo-passk", "trl-grpo", "trl-rloo",
                 "openrlhf-group-norm", "openrlhf-rloo", "verl-0.9-grpo", "verl-0.9-drgrpo", "trl-1.16-grpo",
                 "openrlhf-0.11-gspo"]
PRESETS: Tuple[Preset, ...] = get_args(Preset)

#: An option's value: its text form, a number or a bool (None means ``"none"``).
OptionValue = Union[str, float, np.number[Any], None]

#: Option names (as keyword arguments); see :class:`CTRLOptions`.
OPTION_NAMES = (
    "calibration", "smoothing", "estimator", "baseline", "advantage", "scale", "normalize_by_std", "bessel_std",
    "std_epsilon", "std_floor", "single_sample", "distillation_epsilon", "kl_reward", "kl_coefficient",
    "kl_reward_source", "kl_reward_placement", "kl_loss", "kl_loss_ratio_weight", "clip_epsilon", "clip_low",
    "clip_high", "dual_clip", "ratio_cap", "log_ratio_clamp", "ratio_level", "policy_loss", "rollout_correction", "k3_report_clamp",
    "aggregation", "non_finite",
)


def _text(value: object) -> str:
    """An option value in the C ABI's text form."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.floating, np.integer)):
        return repr(float(value))
    return str(value)


class CTRLOptions(HandleOwner):
    """Options of a CTRL step, checked by the library when created. Immutable; safe to share between threads.

    Args:
        transform: Φ applied to calibrated rewards (text form or :class:`Transform`, e.g. an optimal transform).
        preset: a peer trainer's option set (:data:`PRESETS`: ``"verl-grpo"``, ``"trl-grpo"``,
            ``"openrlhf-rloo"``, …; ``"verl-0.9-grpo"``, ``"trl-1.16-grpo"``, … for a release's recipe), applied
            first; other keywords then change single options.
        calibration: ``"group"`` (each sample against the rest of its group) or ``"none"`` (raw rewards) when no
            references are given to the step.
        smoothing, estimator, baseline, scale, normalize_by_std, bessel_std, std_epsilon, std_floor, single_sample,
        distillation_epsilon, kl_reward, kl_coefficient, kl_reward_source, kl_reward_placement, kl_loss,
        kl_loss_ratio_weight, clip_epsilon, clip_low, clip_high, dual_clip, ratio_cap, log_ratio_clamp, ratio_level, policy_loss,
        rollout_correction, k3_report_clamp, aggregation, non_finite: the options of ``include/infalign.h`` with their
            text forms, e.g. ``estimator="max@k:4:marginal"``, ``kl_loss="0.001:k3:10"``, ``aggregation="seq-mean-token-mean:1e-8"``,
            ``rollout_correction="token:2"``; bools and numbers are accepted as such, None means ``"none"``.
    Pickles (and copies) by value: its option texts and its transform, which rebuild the same options (what a Ray
    task or actor receives).

    Raises:
        ParseError: a value that does not parse, naming the option; InvalidParameterError: an option outside its
        domain (e.g. ``dual_clip=0.5``: "invalid dualClip = 0.5: the dual-clip constant c must be finite and > 1").
    """

    _free = lib.infalign_ctrl_options_free

    def __init__(self, transform: Optional[TransformLike] = None, *, preset: Optional[Preset] = None,
                 **options: OptionValue) -> None:
        unknown = set(options) - set(OPTION_NAMES)
        if unknown:
            raise TypeError(f"CTRLOptions() got unexpected keyword arguments {sorted(unknown)}")
        handle = ctypes.c_void_p()
        check(lib.infalign_ctrl_options_create(ctypes.addressof(handle)))
        self._own(handle.value)
        self._values: dict[str, str] = {}
        if preset is not None:
            self._set("preset", str(preset))
        if "calibration" in options:
            self._set("calibration", options.pop("calibration"))
        self.transform: Optional[Transform] = None
        if transform is not None:
            self.transform = as_transform(transform)
            check(lib.infalign_ctrl_options_set_transform(self._handle, self.transform._handle))
        for key, value in options.items():
            self._set(key, value)
        check(lib.infalign_ctrl_options_validate(self._handle))

    def _set(self, key: str, value: object) -> None:
        text = _text(value)
        check(lib.infalign_ctrl_options_set(self._handle, text_argument(key, "option"), text_argument(text, key)))
        self._values[key] = text

    def __reduce__(self) -> Tuple[Callable[..., CTRLOptions], Tuple[Any, ...]]:
        # The option texts in the order they were set (the preset first), then the transform (by value).
        return _options_from_texts, (self.transform, tuple(self._values.items()))

    def __repr__(self) -> str:
        items = ([f"transform={str(self.transform)!r}"] if self.transform is not None else []) + [
            f"{k}={v}" for k, v in self._values.items()]
        return "CTRLOptions(" + ", ".join(items) + ")"


def _options_from_texts(transform: Optional[Transform], items: Tuple[Tuple[str, str], ...]) -> CTRLOptions:
    """Unpickles :class:`CTRLOptions` (see ``CTRLOptions.__reduce__``)."""
    values = dict(items)
    preset = cast("Optional[Preset]", values.pop("preset", None))  # a preset's text, checked by the library
    return CTRLOptions(transform, preset=preset, **values)


@functools.lru_cache(maxsize=64)
def _cached_options(transform: Optional[TransformLike], items: Tuple[Tuple[str, str], ...]) -> CTRLOptions:
    options: dict[str, Any] = dict(items)  # never "preset" (that is _cached_preset)
    return CTRLOptions(transform, **options)


@dataclass(frozen=True)
class CTRLStepSummary:
    """Batch-level results of a step: the total loss (``policy_loss + kl_loss``), the KL estimator means over valid
    tokens, the clipped fraction and the number of masked samples."""

    loss: float
    mean_k1: float
    mean_k2: float
    mean_k3: float
    clipped_fraction: float
    masked_count: int
    policy_loss: float
    kl_loss: float


class CTRLResult:
    """The outputs of :func:`ctrl_step` (outputs not requested are None) and its ``summary``. Per-sample outputs
    are ``(groups, group_size)``; ``loss_gradient`` and ``k1``/``k2``/``k3`` are ``(groups, group_size,
    max_tokens)`` at the token level. Pass it back as ``out=`` to reuse its buffers."""

    __slots__ = OUTPUTS + ("summary", "_bound")

    # Each output: a numpy array of the step's precision (a torch tensor when the rewards are one, ``valid`` bool),
    # or None when not computed.
    advantages: Any
    loss_gradient: Any
    calibrated: Any
    transformed: Any
    k1: Any
    k2: Any
    k3: Any
    valid: Any
    summary: Optional[CTRLStepSummary]
    _bound: Optional[Tuple[Any, ...]]

    def __init__(self, **arrays: Any) -> None:
        for name in OUTPUTS:
            setattr(self, name, arrays.get(name))
        self.summary = None
        self._bound = None  # (shapes, the arrays, their addresses, their re-checks) of the step that last filled it

    def __reduce__(self) -> Tuple[Callable[..., CTRLResult], Tuple[Any, ...]]:
        # The arrays and the summary; never the bound addresses, which belong to this object's arrays.
        return _result_from_outputs, ({n: getattr(self, n) for n in OUTPUTS}, self.summary)

    def __repr__(self) -> str:
        have = [n for n in OUTPUTS if getattr(self, n) is not None]
        return f"CTRLResult({', '.join(have)}; {self.summary})"


#: numpy before 2.0 could swap an array's memory by assigning ``a.data``; from 2.0 only ``a.resize`` moves it, and
#: that changes the shape (a resize to the same size reshapes in place).
_NUMPY_ADDRESS = int(np.__version__.split(".")[0]) < 2


_BoundCheck = Tuple[Any, Shape, Optional[Callable[[], int]], Optional[int]]


def _still_bound(checks: Iterable[_BoundCheck]) -> bool:
    """Whether each bound buffer still has the shape and address it was bound with: ``a.resize(...)`` (numpy)
    and ``t.resize_()``/``t.set_()`` (torch) keep the object but move or shrink its memory, which the library must
    not write to. About 0.1 µs per numpy buffer (a shape compare) and 0.3 µs per tensor (plus ``data_ptr()``)."""
    for a, shape, where, address in checks:
        if a.shape != shape or (where is not None and where() != address):
            return False
    return True


def _bound_check(a: Any, address: Optional[int]) -> _BoundCheck:
    """``(buffer, its shape, a function giving its current address or None, the address)`` for _still_bound."""
    if _arrays._is_torch(a):
        return a, a.shape, a.data_ptr, a.data_ptr()
    if _NUMPY_ADDRESS:
        return a, a.shape, lambda: _arrays.address(a), address
    return a, a.shape, None, address


def _result_from_outputs(arrays: dict[str, Any], summary: Optional[CTRLStepSummary]) -> CTRLResult:
    """Unpickles a :class:`CTRLResult` (see ``CTRLResult.__reduce__``)."""
    result = CTRLResult(**arrays)
    result.summary = summary
    return result


def ctrl_step(rewards: ArrayInput, policy_logprobs: ArrayInput, reference_logprobs: ArrayInput,
              old_policy_logprobs: Optional[ArrayInput] = None, *, mask: Optional[ArrayInput] = None,
              rollout_logprobs: Optional[ArrayInput] = None,
              references: Union[CalibrationTable, ArrayInput, None] = None, options: Optional[CTRLOptions] = None,
              outputs: Optional[Sequence[Output]] = None, out: Union[CTRLResult, dict[str, Any], None] = None,
              transform: Optional[TransformLike] = None, preset: Optional[Preset] = None,
              **option_values: OptionValue) -> CTRLResult:
    """One CTRL step: calibrate each sample's reward (against ``references`` per group, against the rest of its
    group, or not at all), transform by Φ, estimate advantages (baseline, scaling), and compute the KL estimators
    and the PPO clipped surrogate loss (plus an optional KL loss) with its gradient ∂L/∂log π.

    Args:
        rewards: ``(groups, group_size)`` array or torch CPU tensor, one row per prompt group. Its precision
            (float32, else float64) is the step's; the other arrays are used in place when they already match it
            and are contiguous, else converted.
        policy_logprobs, reference_logprobs, old_policy_logprobs: ``(groups, group_size)`` sequence log-probs, or
            ``(groups, group_size, max_tokens)`` per-token log-probs (the token level). ``old_policy_logprobs``
            None means on-policy (ratio 1).
        mask: ``(groups, group_size, max_tokens)`` booleans, True for response tokens (token level; None: all).
        rollout_logprobs: the inference engine's log-probs of the same tokens (shaped as ``policy_logprobs``), for
            the ``rollout_correction`` option (TIS ``"token:2"``, IcePop ``"token:0.5:2"``), which needs them.
        references: a :class:`CalibrationTable` (one row per group, same precision) or a ``(groups, M)`` array of
            reference rewards (reference calibration).
        options: a :class:`CTRLOptions`; or give ``transform=``, ``preset=`` and option keywords (cached).
        outputs: names of the outputs to compute (``advantages`` and ``loss_gradient`` always are); default: all
            of them, or with ``out=`` the ones ``out`` holds.
        out: a :class:`CTRLResult` or a dict of output arrays to write into (shapes as in :class:`CTRLResult`,
            the step's precision, ``valid`` bool), e.g. the result of a previous step. Passing the previous result
            back skips re-checking its buffers when they are the same arrays (the cheapest call).
    Returns:
        A :class:`CTRLResult` (``out`` itself when it is one) with ``summary`` set.
    Raises:
        NonFiniteError: a NaN/±inf input (with ``non_finite="throw"``), a transform overflowing float32, or a
            log-ratio whose estimate overflows; EmptyReferencesError: a group with fewer than 2 valid samples under
            group calibration; ShapeError: a table with a different number of groups; InvalidParameterError: an
            option out of its domain, or an estimator's k above a group's valid samples.
    """
    if options is None and not option_values and transform is None and preset is None:
        options = _default_options()
    elif options is None:
        items = tuple(sorted((k, _text(v)) for k, v in option_values.items()))
        unknown = set(option_values) - set(OPTION_NAMES)
        if unknown:
            raise TypeError(f"ctrl_step() got unexpected keyword arguments {sorted(unknown)}")
        if preset is not None:
            items = (("preset", str(preset)),) + items
        t = transform if isinstance(transform, Transform) or transform is None else str(transform)
        options = _cached_options(t, items) if preset is None else _cached_preset(t, str(preset), items[1:])
    elif option_values or transform is not None or preset is not None:
        raise TypeError("give either options= or option keywords, not both")

    dtype = _arrays.element_type(rewards, "rewards")
    r = _arrays.inp(rewards, dtype, "rewards")
    if r.ndim == 1:
        r = r.reshape(1, -1)
    if r.ndim != 2:
        raise ValueError(f"rewards must be (groups, group_size), got shape {r.shape}")
    lp = _arrays.inp(policy_logprobs, dtype, "policy_logprobs")
    token_level = lp.ndim == 3 or mask is not None or rollout_logprobs is not None
    shape = r.shape
    token_shape = (shape[0], shape[1], lp.shape[-1] if lp.ndim == 3 else 1) if token_level else shape
    inputs: list[Optional[npt.NDArray[Any]]] = []
    for name, x in (("policy_logprobs", lp), ("reference_logprobs", reference_logprobs),
                    ("old_policy_logprobs", old_policy_logprobs), ("rollout_logprobs", rollout_logprobs)):
        if x is None:
            inputs.append(None)
            continue
        a = _arrays.inp(x, dtype, name)
        if a.size != token_shape[0] * token_shape[1] * (token_shape[2] if token_level else 1) or a.shape not in (
                token_shape, shape, (a.size,)):
            raise ValueError(f"{name} has shape {a.shape}, expected {token_shape}")
        inputs.append(a)
    m: Optional[npt.NDArray[np.bool_]] = None
    if mask is not None:
        m = np.ascontiguousarray(_arrays.to_numpy(mask, "mask"), dtype=np.bool_)
        if m.shape != token_shape:
            raise ValueError(f"mask has shape {m.shape}, expected {token_shape}")

    table: Optional[CalibrationTable] = None
    if references is not None:
        table = references if isinstance(references, CalibrationTable) else CalibrationTable(
            _arrays.inp(references, dtype, "references"))

    key = (shape, token_shape, dtype)
    if outputs is None:
        outputs = () if out is not None else OUTPUTS
    elif isinstance(outputs, str) or not set(outputs) <= set(OUTPUTS):
        raise ValueError(f"outputs must be a sequence of names from {OUTPUTS}, got {outputs!r}")
    pointers: list[Optional[int]]
    given: dict[str, Any]
    if isinstance(out, CTRLResult) and out._bound is not None and out._bound[0] == key and all(
            getattr(out, n) is a for n, a in zip(OUTPUTS, out._bound[1])) and all(
            getattr(out, n) is not None for n in outputs) and _still_bound(out._bound[3]):
        # The same buffers as the step that filled this result (checked then), still at the same addresses and of
        # the same shapes: their addresses are reused.
        result, pointers = out, out._bound[2]
    else:
        if isinstance(out, CTRLResult):
            result, given = out, {n: getattr(out, n) for n in OUTPUTS if getattr(out, n) is not None}
        else:
            if out is not None and not isinstance(out, dict):
                raise TypeError(f"out must be a CTRLResult or a dict of output arrays, got {type(out).__name__}")
            given = dict(out or {})
            if not set(given) <= set(OUTPUTS):
                raise ValueError(f"out has unknown outputs {sorted(set(given) - set(OUTPUTS))}; names: {OUTPUTS}")
            result = CTRLResult()
        wanted = set(outputs) | {"advantages", "loss_gradient"} | set(given)
        pointers = []
        for name in OUTPUTS:
            if name not in wanted:
                setattr(result, name, None)
                pointers.append(None)
                continue
            dt = np.dtype(np.bool_) if name == "valid" else dtype
            buffer, returned = _arrays.out(given.get(name), token_shape if name in TOKEN_OUTPUTS else shape, dt, name)
            setattr(result, name, returned if name in given else _arrays.like(buffer, rewards))
            pointers.append(_arrays.address(buffer))
        # Outputs sharing memory with each other or with an input are refused by the library (CTRLBatch), with a
        # ShapeError (a ValueError) naming both.
        arrays = tuple(getattr(result, n) for n in OUTPUTS)
        result._bound = (key, arrays, pointers, tuple(_bound_check(a, p) for a, p in zip(arrays, pointers)
                                                      if a is not None))

    summary = _Summary()
    data = [None if a is None else _arrays.address(a) for a in inputs]
    if rollout_logprobs is not None:
        step = lib.infalign_ctrl_step_rollout_f32 if dtype == np.float32 else lib.infalign_ctrl_step_rollout_f64
        check(step(options._handle, table and table._handle, shape[0], shape[1], token_shape[2], _arrays.address(r),
                   *data, None if m is None else _arrays.address(m), *pointers, ctypes.addressof(summary)))
    elif token_level:
        step = lib.infalign_ctrl_step_tokens_f32 if dtype == np.float32 else lib.infalign_ctrl_step_tokens_f64
        check(step(options._handle, table and table._handle, shape[0], shape[1], token_shape[2], _arrays.address(r),
                   *data[:3], None if m is None else _arrays.address(m), *pointers, ctypes.addressof(summary)))
    else:
        step = lib.infalign_ctrl_step_f32 if dtype == np.float32 else lib.infalign_ctrl_step_f64
        check(step(options._handle, table and table._handle, shape[0], shape[1], _arrays.address(r), *data[:3],
                   *pointers, ctypes.addressof(summary)))
    result.summary = CTRLStepSummary(summary.loss, summary.mean_k1, summary.mean_k2, summary.mean_k3,
                                     summary.clipped_fraction, summary.masked_count, summary.policy_loss,
                                     summary.kl_loss)
    return result


@functools.lru_cache(maxsize=1)
def _default_options() -> CTRLOptions:
    return CTRLOptions()


@functools.lru_cache(maxsize=64)
def _cached_preset(transform: Optional[TransformLike], preset: Preset,
                   items: Tuple[Tuple[str, str], ...]) -> CTRLOptions:
    return CTRLOptions(transform, preset=preset, **dict(items))
