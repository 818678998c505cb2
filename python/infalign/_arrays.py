"""Array plumbing: numpy arrays and torch CPU tensors in and out, without copies when they are contiguous
float32/float64 already."""

from __future__ import annotations

import numpy as np

FLOAT_TYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _is_torch(x) -> bool:
    return type(x).__module__.startswith("torch")


def to_numpy(x, name: str):
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
        return t.numpy()
    if hasattr(x, "__dlpack__"):
        return np.from_dlpack(x)
    return np.asarray(x)


def element_type(x, name: str = "input") -> np.dtype:
    """float32 when ``x`` is float32 (numpy or torch), else float64: the precision a call runs in."""
    a = x if isinstance(x, np.ndarray) else to_numpy(x, name)
    return np.dtype(np.float32) if a.dtype == np.float32 else np.dtype(np.float64)


def inp(x, dtype: np.dtype, name: str) -> np.ndarray:
    """``x`` as a C-contiguous array of ``dtype``: the caller's memory when it already is one, else a copy."""
    a = to_numpy(x, name)
    if a.dtype == dtype and a.flags.c_contiguous:
        return a
    _check_real(a, name)
    return np.ascontiguousarray(a, dtype=dtype)


#: dtype kinds that numpy would convert to float silently or lossily: complex (drops the imaginary part), text
#: and bytes (parsed as numbers), datetimes and timedeltas (their tick counts), raw void records.
_NOT_REAL = frozenset("cSUMmV")


def _check_real(a: np.ndarray, name: str) -> None:
    if a.dtype.kind in _NOT_REAL:
        raise TypeError(f"{name} has dtype {a.dtype}; infalign takes real numbers (float32 or float64; integers, "
                        f"bools and float16 are converted to float64)")


def offsets(x, name: str) -> np.ndarray:
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


def out(x, shape, dtype: np.dtype, name: str):
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


def address(a: np.ndarray) -> int:
    """The address of an array's first element (0 for an empty array is fine: lengths are 0 then)."""
    return a.__array_interface__["data"][0]


def like(result: np.ndarray, prototype):
    """``result`` as a torch tensor (sharing memory) when ``prototype`` is one, else unchanged."""
    if _is_torch(prototype) and isinstance(result, np.ndarray):
        import torch

        return torch.from_numpy(result)
    return result
