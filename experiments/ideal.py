"""The exact calibrated-space curves (the ideal tilt π ∝ π_ref·exp(Φ(u)/β)) that the trained arms are drawn
against: ``infalign.analyze`` (the library function behind ``infalign analyze``) over a KL grid."""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

KL_GRID = tuple(float(k) for k in np.round(np.concatenate([np.linspace(0.02, 0.2, 10), np.linspace(0.25, 3.0, 23)]), 4))


def probit(points: int = 2049, eps: float = 1e-4):
    """Φ⁻¹(u) as a table transform, clipped to [Φ⁻¹(eps), Φ⁻¹(1−eps)] at the ends: the transform that GRPO's group
    z-scoring of a roughly Gaussian reward approximates in calibrated space."""
    import infalign

    grid = np.linspace(0.0, 1.0, points)
    values = [NormalDist().inv_cdf(min(max(u, eps), 1 - eps)) for u in grid]
    return infalign.Transform.from_table(grid, np.asarray(values))


def curve(transform, procedure: str, grid=KL_GRID) -> list[tuple[float, float, float]]:
    """(KL, inference-time win rate, standard win rate) of the exact tilt of ``transform`` at each KL."""
    import infalign

    out = []
    for kl in grid:
        p = infalign.analyze(transform, procedure, kl=kl)
        out.append((kl, p.win_rate, p.standard_win_rate))
    return out


def tuned_envelope(family: str, procedure: str, grid=KL_GRID) -> list[tuple[float, float, float]]:
    """At each KL, the exact tilt of ``family`` tuned for ``procedure`` at that KL (what a CTRL arm targets)."""
    import infalign

    out = []
    for kl in grid:
        t = infalign.tune(family, kl, procedure)
        out.append((kl, t.point.win_rate, t.point.standard_win_rate))
    return out


def at(transform, procedure: str, kl: float) -> float:
    """The exact tilt's ``procedure`` win rate at one KL."""
    import infalign

    return infalign.analyze(transform, procedure, kl=kl).win_rate


def reference_curves() -> dict:
    """Every curve the plots draw, keyed ``(name, procedure)``."""
    curves, table = {}, probit()
    for proc in ("bon:4", "won:4"):
        curves[("identity", proc)] = curve("identity", proc)
        curves[("probit", proc)] = curve(table, proc)
    curves[("exp tuned for bon:4", "bon:4")] = tuned_envelope("exp", "bon:4")
    curves[("negexp tuned for won:4", "won:4")] = tuned_envelope("negexp", "won:4")
    return curves
