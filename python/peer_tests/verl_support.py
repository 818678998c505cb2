"""Batches in both layouts (the CTRL step's ``groups × G × T`` and verl's ``(bs, T)`` with uids) and verl's own
trainer-level functions, for the conformance tests."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

#: The verl version these tests were checked against (verl 0.9.1 from PyPI, --no-deps; PEERS-ON-CPU.md).
CHECKED_VERL = "0.9.1"
#: The tolerance of every comparison: |ours − verl| ≤ TOL · max(1, |verl|), in float64.
TOL = 1e-12


def close(ours, theirs, tol: float = TOL) -> bool:
    """Elementwise |ours − theirs| ≤ tol · max(1, |theirs|) (NaN nowhere)."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs, dtype=np.float64)
    return a.shape == b.shape and bool(np.all(np.abs(a - b) <= tol * np.maximum(1.0, np.abs(b))))


def worst(ours, theirs) -> float:
    """The largest |ours − theirs| / max(1, |theirs|), for messages."""
    a = np.asarray(ours, dtype=np.float64)
    b = np.asarray(theirs.detach().numpy() if isinstance(theirs, torch.Tensor) else theirs, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1.0, np.abs(b))))


@dataclass
class Batch:
    """One batch: ``rewards (B, G)``; ``lp``, ``ref``, ``old`` and ``mask`` ``(B, G, T)``; and verl's row order
    ``perm`` (verl row ``i`` is sample ``perm[i]`` of the flattened ``B × G``), so grouping by uid is exercised."""

    rewards: np.ndarray
    lp: np.ndarray
    ref: np.ndarray
    old: np.ndarray
    mask: np.ndarray
    perm: np.ndarray

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.lp.shape

    def rows(self, x: np.ndarray) -> torch.Tensor:
        """A per-token ``(B, G, T)`` array as verl's ``(bs, T)`` float64 tensor in verl's row order."""
        b, g, t = self.shape
        return torch.from_numpy(np.ascontiguousarray(x.reshape(b * g, t)[self.perm]))

    def samples(self, x: np.ndarray) -> np.ndarray:
        """A per-sample ``(B, G)`` array in verl's row order."""
        return x.reshape(-1)[self.perm]

    def unrows(self, x: torch.Tensor) -> np.ndarray:
        """verl's ``(bs, …)`` tensor back in the ``(B, G, …)`` layout."""
        b, g, _ = self.shape
        a = x.detach().numpy()
        out = np.empty_like(a)
        out[self.perm] = a
        return out.reshape((b, g) + a.shape[1:])

    @property
    def uid(self) -> np.ndarray:
        b, g, _ = self.shape
        return np.array([f"prompt-{i // g}" for i in range(b * g)], dtype=object)[self.perm]

    @property
    def token_level_scores(self) -> torch.Tensor:
        """The reward on each response's last valid token, as verl's reward managers place it (index
        ``length − 1``, which is the last column for an empty response)."""
        b, g, t = self.shape
        scores = np.zeros((b * g, t))
        lengths = self.mask.reshape(b * g, t).sum(axis=1)
        scores[np.arange(b * g), lengths - 1] = self.rewards.reshape(-1)
        return torch.from_numpy(scores[self.perm])

    @property
    def response_mask(self) -> torch.Tensor:
        return self.rows(self.mask.astype(np.float64))


def make_batch(seed: int, groups: int = 5, size: int = 6, tokens: int = 7, *, empty_sequence: bool = False,
               inexact_flat_group: bool = False) -> Batch:
    """Random batch with ties (rewards rounded to 0.1; group 2 has a shared maximum), a zero-variance group (all 0.5, or all 0.1 whose sum is
    inexact with ``inexact_flat_group``), ratios outside the clip range, log-ratios past verl's clamps (±20 on the
    PPO and k3 exponents, ±10 on k3's value), random lengths, and optionally one empty response."""
    rng = np.random.default_rng(seed)
    rewards = np.round(rng.normal(size=(groups, size)), 1)
    if groups > 1:
        rewards[1] = 0.1 if inexact_flat_group else 0.5
    if groups > 2 and size > 3:
        rewards[2, 0] = rewards[2, 3] = rewards[2].max()  # a shared maximum (pass@k: every advantage 0)
    lp = rng.normal(-2.0, 0.5, size=(groups, size, tokens))
    ref = lp + rng.normal(0.0, 0.3, size=lp.shape)
    old = lp + rng.normal(0.0, 0.3, size=lp.shape)  # |log-ratio| ~ 0.3: many ratios outside [0.8, 1.2]
    if size > 1 and tokens > 2:
        last = groups - 1
        old[0, 0, 0] = lp[0, 0, 0] - 25.0  # PPO log-ratio past +20
        old[last, 1, 0] = lp[last, 1, 0] + 23.0  # past -20
        ref[0, 1, 0] = lp[0, 1, 0] + 4.0  # k3 = e^4 − 5 ≈ 49.6: clamped to 10
        ref[0, 1, 1] = lp[0, 1, 1] - 12.0  # k3 = 11 + e^-12: clamped to 10
        ref[last, 0, 0] = lp[last, 0, 0] + 25.0  # k3 exponent past +20
        ref[last, 0, 1] = lp[last, 0, 1] - 30.0  # k3 exponent past -20
        ref[0, 0, 2] = lp[0, 0, 2] - 7.0  # k3 ≈ 6: inside the clamp
    lengths = rng.integers(1, tokens + 1, size=(groups, size))
    lengths[0, :2] = tokens  # the extreme tokens above are valid
    lengths[groups - 1, :2] = tokens
    if empty_sequence:
        lengths[groups - 1, size - 1] = 0
    mask = np.arange(tokens)[None, None, :] < lengths[:, :, None]
    perm = rng.permutation(groups * size)
    return Batch(rewards, lp, ref, old, mask, perm)


def verl_source_functions(module, names: tuple[str, ...], namespace: dict) -> dict[str, Callable]:
    """Functions ``names`` of an installed verl module whose import fails here, compiled unchanged from that
    module's installed source file (found through the import system, not executed) in ``namespace``.

    verl 0.9.1's ``verl.trainer.ppo.ray_trainer`` imports its rollout server (uvicorn, fastapi, vLLM/SGLang),
    which does not install on this CPU machine, so ``compute_advantage`` and ``apply_kl_penalty`` are taken from
    its text and bound to verl's real ``core_algos``, ``DataProto`` and ``masked_mean``.
    """
    import importlib.util

    spec = importlib.util.find_spec(module)
    with open(spec.origin) as f:
        tree = ast.parse(f.read(), filename=spec.origin)
    chosen = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in names]
    for node in chosen:
        node.decorator_list = []
    missing = set(names) - {node.name for node in chosen}
    if missing:
        raise LookupError(f"{module} ({spec.origin}) has no function {sorted(missing)}")
    code = compile(ast.Module(body=chosen, type_ignores=[]), spec.origin, "exec")
    exec(code, namespace)
    return {name: namespace[name] for name in names}


def ray_trainer_functions() -> dict[str, Callable]:
    """verl's ``compute_advantage``, ``apply_kl_penalty`` and ``compute_response_mask`` (ray_trainer.py)."""
    from typing import Optional

    from verl import DataProto
    from verl.trainer.config import AlgoConfig
    from verl.trainer.ppo import core_algos
    from verl.trainer.ppo.core_algos import AdvantageEstimator, agg_loss
    from verl.utils.torch_functional import masked_mean

    namespace = dict(DataProto=DataProto, AlgoConfig=AlgoConfig, core_algos=core_algos, Optional=Optional,
                     AdvantageEstimator=AdvantageEstimator, agg_loss=agg_loss, masked_mean=masked_mean, torch=torch,
                     np=np)
    return verl_source_functions("verl.trainer.ppo.ray_trainer",
                                 ("compute_advantage", "apply_kl_penalty", "compute_response_mask"), namespace)
