"""Calibration, transforms and empirical win rates over a reward dataset sharded across a Ray cluster, with Ray Data.

Prompts are independent: everything here is computed per prompt, from that prompt's own reference rewards, so a
dataset shards by prompt and each block is processed by ``map_batches`` on whichever worker holds it. What must
stay together is one prompt's samples: the prompt-per-row layout (the CLI's JSONL: ``{"id", "reference_rewards",
"rewards"}``) keeps them in one row; the long layout (one row per sample: ``id``, ``source`` = ``reference`` or
``policy``, ``reward``, like the CLI's CSV) is first grouped by ``id``. Results equal the single-process CLI
(``infalign calibrate``, ``infalign winrate``) on the same data to the last bit: the same library computes each
prompt, and the bootstrap over prompts runs once, on the driver, over the per-prompt estimates in dataset order
(``preserve_order`` is set for that).

Ray is an optional dependency (``pip install "ray[data]"``); importing this module without it raises ImportError.
"""

from __future__ import annotations

import time
from typing import Any, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt
import ray
import ray.data

from . import calibration, evaluation
from ._arrays import Float64Array, Int64Array
from .transforms import ProcedureLike, TransformLike, as_procedure, as_transform

# ray is not installed by `make test`, and mypy is told to see it as Any (python/pyproject.toml): ``ray.data.Dataset``
# in the signatures documents the type. A batch is what ``map_batches(batch_format="numpy")`` passes: column → array.
_Batch = Mapping[str, Any]

__all__ = ["read_rewards", "group_samples", "calibrate_dataset", "win_rates_dataset", "win_rate_dataset"]


def read_rewards(paths: Union[str, Sequence[str]], *, format: Optional[str] = None,
                 **read_args: Any) -> ray.data.Dataset:
    """Reads reward shards (JSONL or Parquet; ``format`` from the first path's extension when None) in order."""
    first = paths if isinstance(paths, str) else paths[0]
    kind = format or ("parquet" if str(first).endswith(".parquet") else "json")
    if kind == "parquet":
        return ray.data.read_parquet(paths, **read_args)
    return ray.data.read_json(paths, lines=True, **read_args)


def group_samples(ds: ray.data.Dataset) -> ray.data.Dataset:
    """Long layout (``id``, ``source``, ``reward`` per sample) → one row per prompt with ``reference_rewards`` and
    ``rewards`` lists (a prompt's samples in their original order)."""

    def one_prompt(group: _Batch) -> dict[str, npt.NDArray[Any]]:
        source = np.asarray(group["source"]).astype(str)
        reward = np.asarray(group["reward"], dtype=np.float64)
        return {"id": np.asarray(group["id"])[:1],
                "reference_rewards": np.array([reward[source == "reference"]], dtype=object),
                "rewards": np.array([reward[source == "policy"]], dtype=object)}

    return ds.groupby("id").map_groups(one_prompt, batch_format="numpy")


def _ragged(column: Sequence[Any]) -> Tuple[Float64Array, Int64Array]:
    """A column of per-prompt lists → (values, offsets)."""
    arrays = [np.asarray(x, dtype=np.float64) for x in column]
    offsets = np.zeros(len(arrays) + 1, dtype=np.int64)
    np.cumsum([a.size for a in arrays], out=offsets[1:])
    values = np.concatenate(arrays) if arrays else np.zeros(0)
    return values, offsets


def _split(values: npt.NDArray[Any], offsets: Int64Array) -> npt.NDArray[np.object_]:
    return np.array([values[offsets[i]:offsets[i + 1]] for i in range(offsets.size - 1)] + [None],
                    dtype=object)[:-1]


class _Calibrate:
    """The per-batch work of :func:`calibrate_dataset`, run on the workers. ``compute_seconds`` is the batch's
    thread CPU time (robust to other jobs on the node), spread evenly over its rows."""

    def __init__(self, transform: TransformLike, leave_one_out: bool, smoothing: bool) -> None:
        self.transform_text, self.leave_one_out, self.smoothing = str(transform), leave_one_out, smoothing

    def __call__(self, batch: _Batch) -> dict[str, npt.NDArray[Any]]:
        start = time.thread_time()
        transform = as_transform(self.transform_text)
        refs, ref_offsets = _ragged(batch["reference_rewards"])
        if self.leave_one_out:
            rewards, offsets = refs, ref_offsets
        else:
            rewards, offsets = _ragged(batch["rewards"])
        u = calibration.calibrate(rewards, refs, reward_offsets=offsets, reference_offsets=ref_offsets,
                                  leave_one_out=self.leave_one_out, smoothing=self.smoothing)
        phi = transform.apply(u)
        elapsed = time.thread_time() - start
        n = offsets.size - 1
        return {"id": np.asarray(batch["id"]), "calibrated": _split(u, offsets), "transformed": _split(phi, offsets),
                "samples": np.diff(offsets), "compute_seconds": np.full(n, elapsed / max(n, 1))}


def calibrate_dataset(ds: ray.data.Dataset, *, transform: TransformLike = "identity", leave_one_out: bool = False,
                      smoothing: bool = False, batch_size: int = 512) -> ray.data.Dataset:
    """Calibrated and transformed rewards per prompt: rows ``{"id", "calibrated", "transformed", "samples",
    "compute_seconds"}`` (the last two for throughput accounting), the same values as ``infalign calibrate``.

    ``ds`` has one prompt per row (``id``, ``reference_rewards``, ``rewards``); see :func:`group_samples` for the
    long layout. Errors (a NaN reward, a prompt without references) surface as the library's InfAlignError, raised
    by Ray when the dataset is consumed.
    """
    as_transform(transform)  # fail on the driver, before any worker starts, for a transform that does not parse
    return ds.map_batches(_Calibrate(transform, leave_one_out, smoothing), batch_format="numpy",
                          batch_size=batch_size)


class _WinRates:
    def __init__(self, procedure: ProcedureLike) -> None:
        self.procedure = str(procedure)

    def __call__(self, batch: _Batch) -> dict[str, npt.NDArray[Any]]:
        start = time.thread_time()
        policy, po = _ragged(batch["rewards"])
        reference, ro = _ragged(batch["reference_rewards"])
        w = evaluation.win_rates(policy, reference, self.procedure, policy_offsets=po, reference_offsets=ro)
        n = po.size - 1
        return {"id": np.asarray(batch["id"]), "win_rate": w,
                "samples": np.diff(po) + np.diff(ro), "compute_seconds": np.full(n, (time.thread_time() - start) / max(n, 1))}


def win_rates_dataset(ds: ray.data.Dataset, procedure: ProcedureLike = "standard", *,
                      batch_size: int = 512) -> ray.data.Dataset:
    """Per-prompt unbiased win-rate estimates (``standard``, ``bon:N``, ``won:N``): rows ``{"id", "win_rate",
    "samples", "compute_seconds"}``."""
    as_procedure(procedure)
    return ds.map_batches(_WinRates(procedure), batch_format="numpy", batch_size=batch_size)


def win_rate_dataset(ds: ray.data.Dataset, procedure: ProcedureLike = "standard", *, resamples: int = 1000,
                     level: float = 0.95, seed: int = 0, batch_size: int = 512) -> evaluation.WinRate:
    """The dataset's win rate with its bootstrap interval over prompts, equal to ``infalign winrate --procedure P
    --bootstrap R --seed S --level L`` on the same prompts in the same order. Per-prompt estimates are computed
    on the workers; the B estimates (8 bytes each) come to the driver for the bootstrap."""
    estimates = win_rates_dataset(ds, procedure, batch_size=batch_size).select_columns(["win_rate"])
    # A dataset executes with the context it was created with (copied from its parent), so the order is pinned on
    # this one: blocks come back in input order, as the CLI reads the prompts.
    estimates.context.execution_options.preserve_order = True
    per_prompt = np.array([r["win_rate"] for r in estimates.take_all()], dtype=np.float64)
    if per_prompt.size == 0:
        raise ValueError("the dataset has no prompts")
    if resamples:
        ci = evaluation.bootstrap(per_prompt, resamples, level, seed)
        return evaluation.WinRate(ci.estimate, ci.lower, ci.upper, ci.standard_error, ci.level, ci.resamples,
                                  per_prompt)
    total = 0.0
    for v in per_prompt.tolist():
        total += v
    return evaluation.WinRate(total / per_prompt.size, float("nan"), float("nan"), float("nan"),
                              float(level), 0, per_prompt)
