"""Array plumbing: numpy arrays and torch CPU tensors in and out, without copies when they are contiguous
float32/float64 already."""

from __future__ import annotations

from typing import Any, Sequence, Tuple, TypeVar, Union

import numpy as np
import numpy.typing as npt

FLOAT_TYPES = (np.dtype(np.float32), np.dtype(np.float64))

# Types of the public signatures (``Union``/``Tuple`` rather than ``X | Y``/``tuple[...]``: these aliases are
# evaluated at import, and Python 3.9 is supported).

#: An array argument: a numpy array, a torch CPU tensor (it has ``__array__``), or anything ``np.asarray`` takes.
ArrayInput = npt.ArrayLike
#: Arrays that numpy users pass (no torch tensor): with them a result is a numpy array of the call's precision.
NumpyInput = Union[npt.NDArray[Any], Sequence[Any], float]
#: A result in the call's precision, float32 or float64 (numpy types float32 against float64 loosely, so the
#: signatures do not try to tell them apart).
FloatArray = npt.NDArray[np.floating[Any]]
Float64Array = npt.NDArray[np.float64]
Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
#: A caller's ``out=`` buffer (numpy array or torch tensor): the function returns it as it was given.
OutT = TypeVar("OutT")
#: A shape.
Shape = Tuple[int, ...]


def _is_torch(x: object) -> bool:
    return type(x).__module__.startswith("torch")


def to_numpy(x: Any, name: str) -> npt.NDArray[Any]:
    """A numpy view of ``x`` (numpy array, torch CPU tensor, any DLPack producer), else ``np.asarray(x)``.

    Torch tensors are shared through ``.detach().numpy()`` (the same memory; DLPack refuses tensors that require
    grad); other DLPack producers through ``np.from_dlpack``.
    """
    if isinstance(x, np.ndarray):
        return x
    if x is None:
        raise TypeError(f"{name} is None; expected an array")
    if _is_torch(x):
        if x.device.type != "cpu":
            raise TypeError(f"{name}: infalign works on CPU tensors, got one on {x.device}; call .cpu() first")
        t = x.detach()
        if str(t.dtype) in ("torch.bfloat16", "torch.float16"):
            t = t.float()  # numpy has no bfloat16: one conversion copy
        array: npt.NDArray[Any] = t.numpy()
        return array
    if hasattr(x, "__dlpack__"):
        return np.from_dlpack(x)
    return np.asarray(x)


def element_type(x: Any, name: str = "input") -> np.dtype[Any]:
    """float32 when ``x`` is float32 (numpy or torch), else float64: the precision a call runs in."""
    a = x if isinstance(x, np.ndarray) else to_numpy(x, name)
    return np.dtype(np.float32) if a.dtype == np.float32 else np.dtype(np.float64)


def inp(x: Any, dtype: np.dtype[Any], name: str) -> npt.NDArray[Any]:
    """``x`` as a C-contiguous array of ``dtype``: the caller's memory when it already is one, else a copy."""
    a = to_numpy(x, name)
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    _check_real(a, name)
    return np.ascontiguousarray(a, dtype=dtype)


#: dtype kinds that numpy would convert to float silently or lossily: complex (drops the imaginary part), text
#: and bytes (parsed as numbers), datetimes and timedeltas (their tick counts), raw void records.
_NOT_REAL = frozenset("cSUMmV")


def _check_real(a: npt.NDArray[Any], name: str) -> None:
    if a.dtype.kind in _NOT_REAL:
        raise TypeError(f"{name} has dtype {a.dtype}; infalign takes real numbers (float32 or float64; integers, "
                        f"bools and float16 are converted to float64)")


def offsets(x: Any, name: str) -> Int64Array:
    """Ragged offsets as contiguous int64 (``prompts + 1`` entries)."""
    a = to_numpy(x, name)
    if a.dtype.kind not in "iuO":  # integers (object arrays of them convert below, or raise)
        if a.dtype.kind != "f":
            raise TypeError(f"{name} has dtype {a.dtype}; offsets are integers")
        if not (np.isfinite(a).all() and np.array_equal(a, np.trunc(a))):
            raise ValueError(f"{name} holds non-integer offsets")  # rather than truncating them silently
    a = np.ascontiguousarray(a, dtype=np.int64)
    if a.ndim != 1 or a.size < 1:
        raise ValueError(f"{name} must be a 1-D array of prompts + 1 offsets, got shape {a.shape}")
    return a


def out(x: Any, shape: Shape, dtype: np.dtype[Any], name: str) -> Tuple[npt.NDArray[Any], Any]:
    """An output buffer: a new array when ``x`` is None, else ``x`` itself (numpy array or torch CPU tensor),
    which must be C-contiguous, writable, of ``dtype`` and ``shape``. Returns ``(array, object to return)``."""
    if x is None:
        a = np.empty(shape, dtype=dtype)
        return a, a
    a = to_numpy(x, name)
    if a.dtype != dtype:
        raise TypeError(f"{name} has dtype {a.dtype}, the result is {dtype}")
    if tuple(a.shape) != tuple(shape):
        raise ValueError(f"{name} has shape {tuple(a.shape)}, the result has shape {tuple(shape)}")
    if not a.flags.c_contiguous:
        raise ValueError(f"{name} must be C-contiguous")
    if not a.flags.writeable:
        raise ValueError(f"{name} is read-only")
    return a, x


def address(a: npt.NDArray[Any]) -> int:
    """The address of an array's first element (0 for an empty array is fine: lengths are 0 then)."""
    data: int = a.__array_interface__["data"][0]
    return data


def like(result: npt.NDArray[Any], prototype: Any) -> Any:
    """``result`` as a torch tensor (sharing memory) when ``prototype`` is one, else unchanged."""
    if _is_torch(prototype) and isinstance(result, np.ndarray):
        import torch

        return torch.from_numpy(result)
    return result
