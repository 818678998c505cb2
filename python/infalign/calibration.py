"""Calibration of rewards against reference rewards per prompt: one-shot and with a reusable table."""

from __future__ import annotations

import ctypes
from typing import Any, Callable, Optional, Tuple, overload

import numpy as np
import numpy.typing as npt

from . import _arrays
from ._arrays import ArrayInput, FloatArray, Int64Array, NumpyInput, OutT
from ._native import HandleOwner, check, lib

LEAVE_ONE_OUT = 1
SMOOTHING = 2


def _flags(leave_one_out: bool, smoothing: bool) -> int:
    return (LEAVE_ONE_OUT if leave_one_out else 0) | (SMOOTHING if smoothing else 0)


def _dense(x: Any, dtype: np.dtype[Any], name: str) -> npt.NDArray[Any]:
    a = _arrays.inp(x, dtype, name)
    if a.ndim == 1:
        return a.reshape(1, -1)
    if a.ndim != 2:
        raise ValueError(f"{name} must be 1-D (one prompt) or 2-D (prompts × samples), got shape {a.shape}")
    return a


@overload
def calibrate(rewards: NumpyInput, references: Optional[ArrayInput] = None, *,
              reward_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
              leave_one_out: bool = False, smoothing: bool = False, out: None = None) -> FloatArray: ...
@overload
def calibrate(rewards: ArrayInput, references: Optional[ArrayInput] = None, *,
              reward_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
              leave_one_out: bool = False, smoothing: bool = False, out: OutT) -> OutT: ...
@overload
def calibrate(rewards: Any, references: Optional[ArrayInput] = None, *,
              reward_offsets: Optional[ArrayInput] = None, reference_offsets: Optional[ArrayInput] = None,
              leave_one_out: bool = False, smoothing: bool = False, out: None = None) -> Any: ...  # tensor: tensor


def calibrate(rewards: Any, references: Optional[ArrayInput] = None, *, reward_offsets: Optional[ArrayInput] = None,
              reference_offsets: Optional[ArrayInput] = None, leave_one_out: bool = False, smoothing: bool = False,
              out: Any = None) -> Any:
    """Calibrated rewards: the mid-rank of each reward among its prompt's reference rewards,
    ``(#{references < r} + ½·#{references = r}) / M`` in [0, 1].

    Dense: ``rewards`` is ``(B, K)`` and ``references`` ``(B, M)`` (1-D arrays are one prompt). Ragged: 1-D values
    with ``reward_offsets`` / ``reference_offsets`` of ``B + 1`` entries (prompt ``b`` owns
    ``values[offsets[b]:offsets[b+1]]``).

    Args:
        rewards: rewards to calibrate (numpy array or torch CPU tensor). Its precision (float32, else float64) is
            the precision of the computation; ``references`` is converted to it.
        references: reference rewards per prompt; None with ``leave_one_out`` means ``rewards`` themselves.
        leave_one_out: the rewards are the references: each is left out of its own calibration,
            ``(#less + ½·(#equal − 1)) / (M − 1)``.
        smoothing: ``(count + ½) / (M + 1)``, keeping values off 0 and 1.
        out: optional output of ``rewards``' shape and precision (may be ``rewards``: calibrated in place; an
            ``out`` overlapping ``references`` goes through a scratch copy).
    Returns:
        ``out``, or a new array (a tensor when ``rewards`` is one).
    Raises:
        NonFiniteError: a NaN/±inf reward or reference ("non-finite reward nan at prompt 3, index 1").
        EmptyReferencesError: a prompt without references (or with one, under leave-one-out).
        ShapeError, ValueError: shapes or offsets that do not describe the same prompts.
    """
    if references is None:
        if not leave_one_out:
            raise ValueError("references are required unless leave_one_out=True")
        references, reference_offsets = rewards, reward_offsets
    dtype = _arrays.element_type(rewards, "rewards")
    suffix = "f32" if dtype == np.float32 else "f64"
    flags = _flags(leave_one_out, smoothing)
    if reward_offsets is not None or reference_offsets is not None:
        if reward_offsets is None or reference_offsets is None:
            raise ValueError("ragged calibration needs both reward_offsets and reference_offsets")
        q = _arrays.inp(rewards, dtype, "rewards")
        r = _arrays.inp(references, dtype, "references")
        qo, ro = _arrays.offsets(reward_offsets, "reward_offsets"), _arrays.offsets(reference_offsets, "reference_offsets")
        prompts = qo.size - 1
        if ro.size != qo.size:
            raise ValueError(f"reward_offsets describe {prompts} prompts, reference_offsets {ro.size - 1}")
        _check_total(q, qo, "rewards", "reward_offsets")
        _check_total(r, ro, "references", "reference_offsets")
        dst, result = _arrays.out(out, q.shape, dtype, "out")
        target = _apart_from(dst, r, leave_one_out)
        check(getattr(lib, "infalign_calibrate_ragged_" + suffix)(
            _arrays.address(r), _arrays.address(ro), _arrays.address(q), _arrays.address(qo), prompts, flags,
            _arrays.address(target)))
        if target is not dst:
            np.copyto(dst, target)
        return _arrays.like(result, rewards) if out is None else result
    q = _arrays.inp(rewards, dtype, "rewards")
    q2 = _dense(q, dtype, "rewards")
    r = _dense(references, dtype, "references")
    if r.shape[0] != q2.shape[0]:
        raise ValueError(f"rewards cover {q2.shape[0]} prompts, references {r.shape[0]}")
    dst, result = _arrays.out(out, q.shape, dtype, "out")
    target = _apart_from(dst, r, leave_one_out)
    check(getattr(lib, "infalign_calibrate_" + suffix)(
        _arrays.address(r), r.shape[1], _arrays.address(q2), q2.shape[1], q2.shape[0], flags,
        _arrays.address(target)))
    if target is not dst:
        np.copyto(dst, target)
    return _arrays.like(result, rewards) if out is None else result


def _apart_from(dst: npt.NDArray[Any], references: npt.NDArray[Any], leave_one_out: bool) -> npt.NDArray[Any]:
    """Where the one-shot calibration writes: ``dst``, or a scratch array when ``dst`` overlaps the references
    (without leave-one-out the library reads a prompt's references while writing earlier prompts' results, so
    ``out=references`` would calibrate against half-overwritten references; leave-one-out copies them first)."""
    if leave_one_out or dst.size == 0 or not np.may_share_memory(dst, references):
        return dst
    return np.empty_like(dst)


def _check_total(values: npt.NDArray[Any], offsets: Int64Array, name: str, offsets_name: str) -> None:
    if values.ndim != 1:
        raise ValueError(f"ragged {name} must be 1-D, got shape {values.shape}")
    if offsets[-1] != values.size:
        raise ValueError(f"{offsets_name}[-1] = {offsets[-1]} but {name} has {values.size} values")


class CalibrationTable(HandleOwner):
    """Reference rewards sorted once per prompt; calibrating against it costs binary searches only.

    ``CalibrationTable(references)`` for a dense ``(B, M)`` array, ``CalibrationTable(values, offsets=...)`` for
    ragged references. The precision is ``references``' (float32, else float64); rewards calibrated against the
    table are converted to it. Immutable; safe to share between threads. Pickles (and copies) by value: its
    references, each prompt's sorted, rebuild a table that calibrates to the same bits (what a Ray task or actor
    receives).

    Raises:
        NonFiniteError: a NaN/±inf reference ("non-finite reference reward inf at prompt 0, index 1").
        EmptyReferencesError: a prompt without references.
    """

    _free = lib.infalign_table_free

    def __init__(self, references: ArrayInput, offsets: Optional[ArrayInput] = None) -> None:
        dtype = _arrays.element_type(references, "references")
        self.dtype = dtype
        self._suffix = "f32" if dtype == np.float32 else "f64"
        handle = ctypes.c_void_p()
        if offsets is None:
            r = _dense(references, dtype, "references")
            check(getattr(lib, "infalign_table_create_" + self._suffix)(
                _arrays.address(r), r.shape[0], r.shape[1], ctypes.addressof(handle)))
        else:
            r = _arrays.inp(references, dtype, "references")
            o = _arrays.offsets(offsets, "offsets")
            _check_total(r, o, "references", "offsets")
            check(getattr(lib, "infalign_table_create_ragged_" + self._suffix)(
                _arrays.address(r), _arrays.address(o), o.size - 1, ctypes.addressof(handle)))
        self._own(handle.value)
        count = ctypes.c_int64(0)
        check(lib.infalign_table_prompts(self._handle, ctypes.addressof(count)))
        self.prompts: int = count.value

    def references(self) -> Tuple[FloatArray, Int64Array]:
        """``(values, offsets)``: the table's references, each prompt's sorted ascending, prompt after prompt, and
        the ``prompts + 1`` offsets; ``CalibrationTable(values, offsets=offsets)`` calibrates to the same bits."""
        prompts, total, size = ctypes.c_int64(), ctypes.c_int64(), ctypes.c_int64()
        check(lib.infalign_table_shape(self._handle, ctypes.addressof(prompts), ctypes.addressof(total),
                                       ctypes.addressof(size)))
        values: FloatArray = np.empty(total.value, dtype=self.dtype)
        offsets: Int64Array = np.empty(prompts.value + 1, dtype=np.int64)
        check(getattr(lib, "infalign_table_references_copy_" + self._suffix)(
            self._handle, _arrays.address(values), values.size, _arrays.address(offsets)))
        return values, offsets

    def __reduce__(self) -> Tuple[Callable[..., CalibrationTable], Tuple[Any, ...]]:
        values, offsets = self.references()
        return _table_from_references, (values, offsets)

    def __repr__(self) -> str:
        return f"CalibrationTable(prompts={self.prompts}, dtype={self.dtype})"

    @overload
    def calibrate(self, rewards: NumpyInput, offsets: Optional[ArrayInput] = None, *, leave_one_out: bool = False,
                  smoothing: bool = False, out: None = None) -> FloatArray: ...
    @overload
    def calibrate(self, rewards: ArrayInput, offsets: Optional[ArrayInput] = None, *, leave_one_out: bool = False,
                  smoothing: bool = False, out: OutT) -> OutT: ...
    @overload
    def calibrate(self, rewards: Any, offsets: Optional[ArrayInput] = None, *, leave_one_out: bool = False,
                  smoothing: bool = False, out: None = None) -> Any: ...  # a torch tensor: a tensor

    def calibrate(self, rewards: Any, offsets: Optional[ArrayInput] = None, *, leave_one_out: bool = False,
                  smoothing: bool = False, out: Any = None) -> Any:
        """Calibrates ``(prompts, K)`` rewards (or ragged 1-D rewards with ``prompts + 1`` ``offsets``) against
        the table; arguments, result and errors as :func:`infalign.calibrate`."""
        dtype = self.dtype
        flags = _flags(leave_one_out, smoothing)
        q = _arrays.inp(rewards, dtype, "rewards")
        if offsets is not None:
            o = _arrays.offsets(offsets, "offsets")
            if o.size != self.prompts + 1:
                raise ValueError(f"offsets describe {o.size - 1} prompts, the table has {self.prompts}")
            _check_total(q, o, "rewards", "offsets")
            dst, result = _arrays.out(out, q.shape, dtype, "out")
            check(getattr(lib, "infalign_table_calibrate_ragged_" + self._suffix)(
                self._handle, _arrays.address(q), _arrays.address(o), flags, _arrays.address(dst)))
        else:
            q2 = _dense(q, dtype, "rewards")
            if q2.shape[0] != self.prompts:
                raise ValueError(f"rewards cover {q2.shape[0]} prompts, the table has {self.prompts}")
            dst, result = _arrays.out(out, q.shape, dtype, "out")
            check(getattr(lib, "infalign_table_calibrate_" + self._suffix)(
                self._handle, _arrays.address(q2), q2.shape[1], flags, _arrays.address(dst)))
        return _arrays.like(result, rewards) if out is None else result


def _table_from_references(values: FloatArray, offsets: Int64Array) -> CalibrationTable:
    """Unpickles a :class:`CalibrationTable` (see ``CalibrationTable.__reduce__``)."""
    return CalibrationTable(values, offsets=offsets)
