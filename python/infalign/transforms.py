"""Transforms Φ of the calibrated reward and inference-time procedures, from their text forms."""

from __future__ import annotations

import ctypes
import functools
from typing import Any, Callable, Optional, Tuple, Union, overload

import numpy as np

from . import _arrays
from ._arrays import ArrayInput, FloatArray, Float64Array, NumpyInput, OutT
from ._native import HandleOwner, check, lib, text_argument


class _Handle(HandleOwner):
    """An immutable library object owned by Python: freed when garbage-collected (through its ``_owner``)."""

    def __init__(self, handle: Optional[int]) -> None:
        self._own(handle)

    @property
    def _as_parameter_(self) -> Optional[int]:
        return self._handle

    def _describe(self, describe: Callable[..., int]) -> str:
        length = ctypes.c_int64(0)
        check(describe(self._handle, None, 0, ctypes.addressof(length)))
        buffer = ctypes.create_string_buffer(length.value + 1)
        check(describe(self._handle, buffer, length.value + 1, None))
        return buffer.value.decode("utf-8")


class Transform(_Handle):
    """A transform Φ of the calibrated reward u ∈ [0, 1].

    ``Transform("exp:2.5")`` parses ``identity``, ``exp:T``, ``negexp:T``, ``log[:EPS|:none]``,
    ``logit[:EPS|:none]``, ``power:P``; ``Transform.from_table(grid, values)`` is piecewise linear (what
    :func:`infalign.optimal_transform` returns). Immutable; safe to share between threads.

    Raises:
        ParseError: for text that is not a transform (the message quotes it and says why).
        ArgumentError: text with a NUL character or without a UTF-8 form (bytes are accepted when UTF-8).
    """

    _free = lib.infalign_transform_free

    def __init__(self, text: Union[str, bytes]) -> None:
        handle = ctypes.c_void_p()
        check(lib.infalign_transform_parse(text_argument(text, "transform"), ctypes.addressof(handle)))
        super().__init__(handle.value)

    @classmethod
    def from_table(cls, grid: ArrayInput, values: ArrayInput) -> Transform:
        """Piecewise-linear interpolation of ``values`` on the strictly increasing ``grid`` in [0, 1]."""
        g = _arrays.inp(grid, np.dtype(np.float64), "grid").ravel()
        v = _arrays.inp(values, np.dtype(np.float64), "values").ravel()
        if g.size != v.size:
            raise ValueError(f"grid has {g.size} points, values {v.size}")
        handle = ctypes.c_void_p()
        check(lib.infalign_transform_table(_arrays.address(g), _arrays.address(v), g.size, ctypes.addressof(handle)))
        return cls._adopt(handle.value)

    @classmethod
    def _adopt(cls, handle: Optional[int]) -> Transform:
        self = cls.__new__(cls)
        _Handle.__init__(self, handle)
        return self

    def __str__(self) -> str:
        return self._describe(lib.infalign_transform_describe)

    def __repr__(self) -> str:
        return f"Transform({str(self)!r})"

    def __reduce__(self) -> Tuple[Callable[..., Transform], Tuple[Any, ...]]:
        # By value: a table transform by its points, any other by its text form (which parses back to it).
        table = self.table
        if table is not None:
            return Transform.from_table, table
        return Transform, (str(self),)

    @property
    def table(self) -> Optional[Tuple[Float64Array, Float64Array]]:
        """``(grid, values)`` arrays of a table transform, else None."""
        points = ctypes.c_int64(0)
        check(lib.infalign_transform_table_points(self._handle, ctypes.addressof(points)))
        if points.value == 0:
            return None
        grid: Float64Array = np.empty(points.value)
        values: Float64Array = np.empty(points.value)
        check(lib.infalign_transform_table_copy(self._handle, _arrays.address(grid), _arrays.address(values),
                                                points.value))
        return grid, values

    @overload
    def apply(self, u: NumpyInput, out: None = None) -> FloatArray: ...
    @overload
    def apply(self, u: ArrayInput, out: OutT) -> OutT: ...
    @overload
    def apply(self, u: Any, out: None = None) -> Any: ...  # a torch tensor: a tensor

    def apply(self, u: Any, out: Any = None) -> Any:
        """Φ(u) elementwise (u clamped into [0, 1]), in the precision of ``u`` (float32 or float64).

        Args:
            u: array-like or torch CPU tensor of calibrated rewards.
            out: optional array (or tensor) of u's shape and precision to write into; may be ``u`` itself.
        Returns:
            ``out`` (or a new array).
        """
        dtype = _arrays.element_type(u, "u")
        src = _arrays.inp(u, dtype, "u")
        dst, result = _arrays.out(out, src.shape, dtype, "out")
        if _arrays.address(src) != _arrays.address(dst):
            np.copyto(dst, src)
        apply = lib.infalign_transform_apply_f32 if dtype == np.float32 else lib.infalign_transform_apply_f64
        check(apply(self._handle, _arrays.address(dst), dst.size))
        return _arrays.like(result, u) if out is None else result

    __call__ = apply


class Procedure(_Handle):
    """An inference-time procedure as its CDF map g: ``standard``, ``bon:N``, ``won:N``, ``order:K:N``,
    ``mix:W*P+W*P+…``. Immutable; safe to share between threads.

    Raises:
        ParseError: for text that is not a procedure (e.g. ``bon:0``: "N = 0 ... must be in 1...1000000").
        ArgumentError: text with a NUL character or without a UTF-8 form (bytes are accepted when UTF-8).
    """

    _free = lib.infalign_procedure_free

    def __init__(self, text: Union[str, bytes]) -> None:
        handle = ctypes.c_void_p()
        check(lib.infalign_procedure_parse(text_argument(text, "procedure"), ctypes.addressof(handle)))
        super().__init__(handle.value)

    def __str__(self) -> str:
        return self._describe(lib.infalign_procedure_describe)

    def __repr__(self) -> str:
        return f"Procedure({str(self)!r})"

    def __reduce__(self) -> Tuple[Callable[..., Procedure], Tuple[Any, ...]]:
        return Procedure, (str(self),)  # by its text form, which parses back to it

    @overload
    def __call__(self, cdf: ArrayInput, out: None = None) -> Float64Array: ...
    @overload
    def __call__(self, cdf: ArrayInput, out: OutT) -> OutT: ...

    def __call__(self, cdf: ArrayInput, out: Any = None) -> Any:
        """g(F) elementwise, in float64."""
        src = _arrays.inp(cdf, np.dtype(np.float64), "cdf")
        dst, result = _arrays.out(out, src.shape, np.dtype(np.float64), "out")
        check(lib.infalign_procedure_value(self._handle, _arrays.address(src), _arrays.address(dst), src.size))
        return result


@functools.lru_cache(maxsize=256)
def _parsed_transform(text: str) -> Transform:
    return Transform(text)


@functools.lru_cache(maxsize=256)
def _parsed_procedure(text: str) -> Procedure:
    return Procedure(text)


#: A transform argument: a :class:`Transform` or its text form (``"exp:2.5"``).
TransformLike = Union[Transform, str]
#: A procedure argument: a :class:`Procedure` or its text form (``"bon:4"``).
ProcedureLike = Union[Procedure, str]


def as_transform(x: TransformLike) -> Transform:
    """A Transform from a Transform or its text form (parsed once per distinct text)."""
    return x if isinstance(x, Transform) else _parsed_transform(str(x))


def as_procedure(x: ProcedureLike) -> Procedure:
    """A Procedure from a Procedure or its text form (parsed once per distinct text)."""
    return x if isinstance(x, Procedure) else _parsed_procedure(str(x))
