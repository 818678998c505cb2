"""Calibrated-space analysis, β for a KL budget, parametric tuning and the optimal transform."""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from typing import Literal, Optional, Tuple, cast

from ._arrays import Float64Array
from ._native import OptimalSummary, Point, check, lib, text_argument
from .transforms import Procedure, ProcedureLike, Transform, TransformLike, as_procedure, as_transform

#: The transform families :func:`tune` searches.
Family = Literal["exp", "negexp", "power"]
#: The solvers of :func:`optimal_transform`.
Method = Literal["fixed-point", "gradient", "polished"]


@dataclass(frozen=True)
class CalibratedPoint:
    """The aligned policy of a transform Φ at KL weight β, analyzed under an inference-time procedure."""

    beta: float
    log_z: float
    kl: float
    standard_win_rate: float
    win_rate: float

    @classmethod
    def _from(cls, p: Point) -> "CalibratedPoint":
        return cls(p.beta, p.log_z, p.kl, p.standard_win_rate, p.win_rate)


def _reference(reference: Optional[ProcedureLike]) -> Optional[Procedure]:
    return None if reference is None else as_procedure(reference)


def analyze(transform: TransformLike, procedure: ProcedureLike = "standard", *, beta: Optional[float] = None,
            kl: Optional[float] = None, reference: Optional[ProcedureLike] = None) -> CalibratedPoint:
    """The KL-RL optimum for reward Φ(calibrated reward) at weight ``beta`` (or at the β meeting the KL budget
    ``kl``), with its KL, standard and inference-time win rates.

    Args:
        transform: a :class:`Transform` or its text form (``"exp:2.5"``).
        procedure: the policy's inference-time procedure (``"bon:4"``, a :class:`Procedure`).
        beta, kl: exactly one of them.
        reference: the reference's procedure (default: the policy's).
    Raises:
        InvalidParameterError: β not positive, or a KL budget out of reach (the message gives the reachable range).
    """
    if (beta is None) == (kl is None):
        raise ValueError("give exactly one of beta and kl")
    t, p, r = as_transform(transform), as_procedure(procedure), _reference(reference)
    point = Point()
    if beta is not None:
        check(lib.infalign_analyze(t._handle, float(beta), p._handle, r and r._handle, ctypes.addressof(point)))
    else:
        check(lib.infalign_analyze_kl(t._handle, float(cast(float, kl)), p._handle, r and r._handle,
                                      ctypes.addressof(point)))
    return CalibratedPoint._from(point)


def beta_for_kl(transform: TransformLike, kl: float) -> float:
    """The KL weight β at which ``exp(Φ/β)/Z`` has KL ``kl`` (to 1e-10 relative).

    Raises:
        InvalidParameterError: ``kl`` not positive or out of reach for the transform.
    """
    beta = ctypes.c_double()
    check(lib.infalign_beta_for_kl(as_transform(transform)._handle, float(kl), ctypes.addressof(beta)))
    return float(beta.value)


@dataclass(frozen=True)
class TunedTransform:
    """The best member of a transform family at a KL budget."""

    family: str
    parameter: float
    point: CalibratedPoint

    @property
    def transform(self) -> Transform:
        return Transform(f"{self.family}:{self.parameter!r}")


def tune(family: Family, kl: float, procedure: ProcedureLike, *, reference: Optional[ProcedureLike] = None,
         range: Optional[Tuple[float, float]] = None) -> TunedTransform:
    """The parameter of ``family`` (``"exp"``, ``"negexp"`` or ``"power"``) maximizing the inference-time win rate,
    each member run at the β meeting the KL budget ``kl``.

    Args:
        range: ``(low, high)`` of the parameter search (default: the family's, e.g. 0.01…500 for exp).
    Raises:
        ParseError: an unknown family; InvalidParameterError: a budget out of reach or a bad range;
        ArgumentError: a family with a NUL character or without a UTF-8 form.
    """
    low, high = (math.nan, math.nan) if range is None else (float(range[0]), float(range[1]))
    p, r = as_procedure(procedure), _reference(reference)
    parameter, point = ctypes.c_double(), Point()
    name = text_argument(family, "family")
    check(lib.infalign_tune(name, float(kl), p._handle, r and r._handle, low, high,
                            ctypes.addressof(parameter), ctypes.addressof(point)))
    return TunedTransform(name.decode(), parameter.value, CalibratedPoint._from(point))


@dataclass(frozen=True)
class OptimalTransformResult:
    """The optimal transform R of a procedure, tabulated (``grid``, ``values``), with its figures."""

    transform: Transform
    grid: Float64Array
    values: Float64Array
    beta: float
    kl: float
    standard_win_rate: float
    win_rate: float
    objective: float
    residual: float
    iterations: int
    stationary_points: int


def optimal_transform(procedure: ProcedureLike, *, beta: Optional[float] = None, kl: Optional[float] = None,
                      reference: Optional[ProcedureLike] = None, grid: int = 1024,
                      method: Method = "fixed-point") -> OptimalTransformResult:
    """The transform R for which ``exp(R/β)/Z`` maximizes ``W_T − β·KL`` (at weight ``beta``, or with β located so
    the KL meets the budget ``kl``), on about ``grid`` cells.

    Args:
        method: ``"fixed-point"`` (fast), ``"gradient"`` (L-BFGS, independent check) or ``"polished"``.
    Returns:
        An :class:`OptimalTransformResult`; its ``transform`` can be passed to :func:`ctrl_step`.
    Raises:
        InvalidParameterError: β ≤ 0, a grid below 8 or above 65536 points, a budget out of reach.
        MathError: no start converged.
        ArgumentError: a method with a NUL character or without a UTF-8 form.
    """
    if (beta is None) == (kl is None):
        raise ValueError("give exactly one of beta and kl")
    p, r = as_procedure(procedure), _reference(reference)
    summary, handle = OptimalSummary(), ctypes.c_void_p()
    solve = lib.infalign_optimal_transform if beta is not None else lib.infalign_optimal_transform_kl
    target = float(beta if beta is not None else cast(float, kl))  # one of them is given (checked above)
    check(solve(p._handle, r and r._handle, target, int(grid), text_argument(method, "method"),
                ctypes.addressof(summary), ctypes.addressof(handle)))
    t = Transform._adopt(handle.value)
    g, v = cast("Tuple[Float64Array, Float64Array]", t.table)  # the library returns a table transform
    return OptimalTransformResult(t, g, v, summary.beta, summary.kl, summary.standard_win_rate, summary.win_rate,
                                  summary.objective, summary.residual, summary.iterations, summary.stationary_points)
