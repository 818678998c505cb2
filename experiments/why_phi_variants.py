"""The reward variants of the why-Φ study (``experiments/why_phi.py``) and its dependence index.

Each variant re-scores the same π_ref samples with a different reward, in the process that installs it:

- ``noiseless``: the task's hashed noise h set to 0. Every reward difference is learnable (the opening and the
  target-letter count q), but rewards take few distinct values (ties).
- ``tie-free``: h replaced by a learnable, nearly tie-free sum of per-(character, position) values. The reward is
  still a *sum over tokens* (given the opening).
- ``run``: *not additive over tokens*. The reward is the length L of the run of target letters that starts right
  after the opening, plus a small tie-free learnable term (sd 0.25): a completion gains nothing from target letters
  after its first miss. A policy that tracks one bit of state ("still in the run") and its position can realize any
  monotone tilt of L, so the tilts of different Φ are different *and* equally easy to express.

Why the last one matters: for an additive reward R = Σ_t r_t, a per-token tilt π_ref(y_t)·e^{c·r_t} multiplies up to
e^{c·R}, the exponential tilt of R, whatever Φ was asked for. Weighted maximum likelihood within such a family matches
the target's expected features (a moment projection), so every Φ lands on the e^{c·R} curve at the KL that the
projection keeps. Realizing e^{Φ(F(R))/β} for a convex Φ instead needs the tokens to be *dependent* (after a lucky
start, push harder). ``dependence`` measures exactly that.
"""

from __future__ import annotations

import numpy as np

from . import task


_ORIGINAL = {"noise": task.noise, "latent_reward": task.latent_reward}


def _reset():
    """Undoes any variant installed earlier in this process (variants do not stack)."""
    task.noise = _ORIGINAL["noise"]
    task.latent_reward = _ORIGINAL["latent_reward"]


def noiseless():
    """Turns the task's hashed noise off in this process (h = 0 for every completion)."""
    _reset()
    task.noise = lambda prompt, completion: 0.0


def learnable_term(prompt: str, completion: str) -> float:
    """A learnable, nearly tie-free stand-in for h: a fixed value per (character, position) summed over the
    completion and scaled to unit variance (a model that sees positions can learn it; distinct completions almost
    never tie)."""
    total = 0.0
    for i, c in enumerate(completion[1:12], start=1):
        total += 2.0 * ((ord(c) * 0.6180339887 + i * 0.4142135624) % 1.0) - 1.0
    return total / (11.0 / 3.0) ** 0.5


def tie_free():
    """Replaces the hashed noise by ``learnable_term`` in this process: every reward difference is learnable and u
    has no ties."""
    _reset()
    task.noise = learnable_term


def run_length(prompt: str, completion: str) -> int:
    """L: how many characters after the opening are target letters before the first one that is not."""
    targets = set(prompt[1:4])
    length = 0
    for c in completion[1:task.COMPLETION_LENGTH]:
        if c not in targets:
            break
        length += 1
    return length


def run_latent(prompt: str, completion: str) -> float:
    """The ``run`` variant's f(x, y): L plus 0.25 × the learnable tie-breaker (the opening plays no part)."""
    return run_length(prompt, completion) + 0.25 * learnable_term(prompt, completion)


def run():
    """Makes the reward the non-additive ``run_latent`` in this process (scale and offset per family as before)."""
    _reset()
    task.latent_reward = run_latent


VARIANTS = {"noiseless": noiseless, "tie-free": tie_free, "run": run}


def dependence(prompts, grouped, weights=None) -> float:
    """How dependent the target-letter indicators of positions 2-12 are, averaged over prompts:
    Var(q) / Σ_t Var(1[y_t ∈ targets]) − 1 (q their sum), under the sample or under its weights. 0 when positions
    are independent (π_ref's corpus draws them so); > 0 when hits cluster in the same completions, which is how a tilt
    by a convex function of q shows. Prompts whose indicators do not vary are skipped; ValueError when all are."""
    values = []
    for b, (prompt, row) in enumerate(zip(prompts, grouped)):
        targets = set(prompt[1:4])
        hits = np.array([[c in targets for c in (y[1:task.COMPLETION_LENGTH] + " " * task.COMPLETION_LENGTH)[:11]]
                         for y in row], dtype=np.float64)
        w = np.full(len(row), 1.0 / len(row)) if weights is None else np.asarray(weights[b], dtype=np.float64)
        w = w / w.sum()
        mean = w @ hits
        per_position = float(np.sum(w @ (hits - mean) ** 2))
        total = hits.sum(axis=1)
        var_total = float(w @ (total - w @ total) ** 2)
        if per_position > 1e-12:
            values.append(var_total / per_position - 1.0)
    if not values:
        raise ValueError("dependence: no prompt has target-letter indicators that vary under its weights")
    return float(np.mean(values))
