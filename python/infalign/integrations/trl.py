"""CTRL inside TRL's ``GRPOTrainer``: a reward-function wrapper returning Φ(calibrated reward), and a trainer
subclass whose advantages are computed by :func:`infalign.ctrl_step`.

Checked against trl 1.16.0 (:data:`TESTED_TRL_VERSIONS`). TRL 1.16 has **no public advantage hook**: the
advantages are computed inline in the private ``GRPOTrainer._generate_and_score_completions`` from the rewards that
the private ``_calculate_rewards`` returns (gathered over processes). :class:`CTRLGRPOTrainer` extends exactly
these two methods (the same ones TRL's own experimental trainers extend) and warns when the installed trl is not a
tested version. The reward wrapper, :class:`CTRLReward`, uses only TRL's documented reward-function interface
(``f(prompts=..., completions=..., completion_ids=..., **dataset_columns_and_trainer_kwargs) -> list[float |
None]``) and works with any trl version.

Reference rewards (rewards of samples from the reference policy, per prompt) are keyed by the prompt text or by
the value of a dataset column (``key_column=``, e.g. a ``"prompt_id"`` column of the training dataset, which TRL
passes to reward functions as a keyword argument).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional, Union

import numpy as np
import numpy.typing as npt

from .._arrays import FloatArray
from ..calibration import CalibrationTable
from ..ctrl import CTRLOptions, CTRLResult, ctrl_step
from ..transforms import Transform, as_transform

if TYPE_CHECKING:
    #: A ``trl.GRPOTrainer`` subclass, built by the module's ``__getattr__`` on first use (trl is Any to mypy).
    CTRLGRPOTrainer: Any

#: trl versions whose private ``GRPOTrainer`` methods :class:`CTRLGRPOTrainer` was checked against.
TESTED_TRL_VERSIONS = ("1.16.0",)

__all__ = ["TESTED_TRL_VERSIONS", "MissingReferenceError", "ReferenceTables", "CTRLReward", "CTRLGRPOTrainer",
           "prompt_key"]


class MissingReferenceError(LookupError):
    """A prompt (or key-column value) without reference rewards in the :class:`ReferenceTables`."""

    def __str__(self) -> str:  # LookupError's default would quote the message as a repr
        return str(self.args[0]) if self.args else ""


def prompt_key(prompt: Any) -> Hashable:
    """The key of a TRL prompt in a reference mapping: a text prompt is itself; a conversational prompt (a list of
    ``{"role", "content"}`` messages) is the content of its last message."""
    if isinstance(prompt, str):
        return prompt
    if isinstance(prompt, (list, tuple)) and prompt and isinstance(prompt[-1], Mapping):
        content = prompt[-1].get("content")
        if isinstance(content, str):
            return content
    raise TypeError(f"cannot key a prompt of type {type(prompt).__name__}; pass key_column= (a dataset column whose "
                    "values key the reference rewards)")


class ReferenceTables:
    """Reference rewards per prompt, sorted once into one ragged :class:`~infalign.CalibrationTable`.

    Args:
        references: mapping from a key (prompt text, or a value of ``key_column``) to that prompt's reference
            rewards (a non-empty sequence of finite floats).
        key_column: the dataset column whose values are the keys (TRL passes every dataset column to reward
            functions); None keys by the prompt (:func:`prompt_key`).
        dtype: precision of the table (float64 by default).
    Raises:
        ValueError: an empty mapping. The library raises ``EmptyReferencesError`` for a key without rewards and
        ``NonFiniteError`` for a NaN/±inf reference.
    """

    def __init__(self, references: Mapping[Hashable, Sequence[float]], *, key_column: Optional[str] = None,
                 dtype: Union[type, np.dtype] = np.float64):
        if isinstance(references, ReferenceTables):
            raise TypeError("already a ReferenceTables")
        if not references:
            raise ValueError("references is empty: give at least one prompt's reference rewards")
        self.key_column = key_column
        self.dtype = np.dtype(dtype)
        self._keys = list(references.keys())
        self._row = {k: i for i, k in enumerate(self._keys)}
        self._values = [np.asarray(references[k], dtype=self.dtype).ravel() for k in self._keys]
        counts = np.array([v.size for v in self._values], dtype=np.int64)
        self._offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.table = CalibrationTable(np.concatenate(self._values), offsets=self._offsets)

    @classmethod
    def of(cls, references: Union["ReferenceTables", Mapping[Hashable, Sequence[float]]], *,
           key_column: Optional[str] = None) -> "ReferenceTables":
        """``references`` itself when it already is a :class:`ReferenceTables`, else a new one."""
        if isinstance(references, ReferenceTables):
            if key_column is not None and key_column != references.key_column:
                raise ValueError(f"key_column={key_column!r} but the tables are keyed by {references.key_column!r}")
            return references
        return cls(references, key_column=key_column)

    def __len__(self) -> int:
        return len(self._keys)

    def __repr__(self) -> str:
        return f"ReferenceTables(prompts={len(self)}, key_column={self.key_column!r}, dtype={self.dtype})"

    def keys_of(self, prompts: Sequence[Any], columns: Mapping[str, Sequence[Any]]) -> list[Hashable]:
        """The key of each sample: ``columns[key_column][i]``, or :func:`prompt_key` of ``prompts[i]``."""
        if self.key_column is None:
            return [prompt_key(p) for p in prompts]
        if self.key_column not in columns:
            raise KeyError(f"key_column {self.key_column!r} is not among the dataset columns TRL passed "
                           f"({sorted(columns)}); add it to the training dataset")
        keys = list(columns[self.key_column])
        if len(keys) != len(prompts):
            raise ValueError(f"column {self.key_column!r} has {len(keys)} values for {len(prompts)} prompts")
        return keys

    def rows(self, keys: Iterable[Hashable]) -> npt.NDArray[np.int64]:
        """The table row of each key. Raises :class:`MissingReferenceError` naming the first unknown key."""
        out = []
        for i, k in enumerate(keys):
            try:
                out.append(self._row[k])
            except (KeyError, TypeError):
                what = f"column {self.key_column!r} value" if self.key_column else "prompt"
                raise MissingReferenceError(
                    f"no reference rewards for {what} {k!r} (sample {i}); the reference tables hold {len(self)} "
                    f"{'keys' if self.key_column else 'prompts'}, e.g. {self._keys[0]!r}") from None
        return np.asarray(out, dtype=np.int64)

    def calibrate(self, rewards: npt.ArrayLike, keys: Sequence[Hashable], *, smoothing: bool = False) -> FloatArray:
        """Each reward's calibrated value (its mid-rank among its key's references), in the table's precision."""
        r = np.asarray(rewards, dtype=self.dtype).ravel()
        rows = self.rows(keys)
        if rows.size != r.size:
            raise ValueError(f"{r.size} rewards for {rows.size} keys")
        order = np.argsort(rows, kind="stable")
        offsets = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(self)))]).astype(np.int64)
        u = np.empty_like(r)
        u[order] = self.table.calibrate(np.ascontiguousarray(r[order]), offsets, smoothing=smoothing)
        return u

    def group_table(self, keys: Sequence[Hashable]) -> CalibrationTable:
        """A table with one row per key (the references of each group of a batch), for :func:`ctrl_step`."""
        rows = self.rows(keys)
        values = [self._values[i] for i in rows]
        offsets = np.concatenate([[0], np.cumsum([v.size for v in values])]).astype(np.int64)
        return CalibrationTable(np.concatenate(values), offsets=offsets)


class CTRLReward:
    """A TRL reward function returning Φ(calibrated reward): ``wrapped``'s raw reward of each completion, calibrated
    against its prompt's reference rewards (:class:`ReferenceTables`), transformed by ``transform``.

    Pass it in ``GRPOTrainer(reward_funcs=[CTRLReward(...)])``; GRPO then baselines Φ(u) within each group as usual.

    Args:
        reward_func: the raw reward function, called as TRL calls reward functions (``prompts=``, ``completions=``,
            ``completion_ids=`` and the dataset columns and trainer keywords); returns one float (or None) per
            completion.
        references: a :class:`ReferenceTables`, or a mapping key → reference rewards (keyed as ``key_column``).
        transform: Φ, a :class:`~infalign.Transform` or its text form (``"exp:2.5"``, ``"identity"``, …).
        key_column: dataset column keying ``references`` (None: the prompt text).
        smoothing: calibrate as ``(count + ½)/(M + 1)`` (values stay off 0 and 1; needed by ``log``/``logit``).
    Returns (when called):
        A list of floats, one per completion; None where ``reward_func`` returned None (TRL then treats the
        completion as unscorable).
    Raises (when called):
        MissingReferenceError: a prompt without references. NonFiniteError: a NaN/±inf raw reward.
    """

    def __init__(self, reward_func: Callable[..., Sequence[Optional[float]]],
                 references: Union[ReferenceTables, Mapping[Hashable, Sequence[float]]],
                 transform: Union[Transform, str] = "identity", *, key_column: Optional[str] = None,
                 smoothing: bool = False):
        self.reward_func = reward_func
        self.references = ReferenceTables.of(references, key_column=key_column)
        self.transform = as_transform(transform)
        self.smoothing = smoothing
        self.__name__ = "ctrl_" + getattr(reward_func, "__name__", type(reward_func).__name__)
        #: Raw rewards, calibrated and transformed values of the last call (diagnostics; NaN where unscorable).
        self.last_raw: Optional[FloatArray] = None
        self.last_calibrated: Optional[FloatArray] = None
        self.last_transformed: Optional[FloatArray] = None

    def __repr__(self) -> str:
        return f"CTRLReward({self.__name__}, {self.references!r}, transform={str(self.transform)!r})"

    def __call__(self, prompts: Sequence[Any], completions: Sequence[Any], completion_ids: Any = None,
                 **kwargs: Any) -> list[Optional[float]]:
        raw = list(self.reward_func(prompts=prompts, completions=completions, completion_ids=completion_ids,
                                    **kwargs))
        if len(raw) != len(prompts):
            raise ValueError(f"{self.__name__}: the wrapped reward function returned {len(raw)} rewards for "
                             f"{len(prompts)} completions")
        keys = self.references.keys_of(prompts, kwargs)
        scored = [i for i, r in enumerate(raw) if r is not None]
        values = np.full(len(raw), np.nan, dtype=self.references.dtype)
        u = np.full_like(values, np.nan)
        phi = np.full_like(values, np.nan)
        if scored:
            values[scored] = [raw[i] for i in scored]
            u[scored] = self.references.calibrate(values[scored], [keys[i] for i in scored],
                                                  smoothing=self.smoothing)
            phi[scored] = self.transform.apply(np.ascontiguousarray(u[scored]))
        self.last_raw, self.last_calibrated, self.last_transformed = values, u, phi
        return [float(phi[i]) if raw[i] is not None else None for i in range(len(raw))]


def _check_trl_version() -> str:
    import trl

    version = getattr(trl, "__version__", "unknown")
    if version not in TESTED_TRL_VERSIONS:
        warnings.warn(f"infalign.integrations.trl.CTRLGRPOTrainer extends GRPOTrainer's private "
                      f"_generate_and_score_completions and _calculate_rewards (TRL has no public advantage hook); it "
                      f"was checked against trl {', '.join(TESTED_TRL_VERSIONS)}, installed is {version}",
                      RuntimeWarning, stacklevel=3)
    return version


def _grpo_trainer_base() -> Any:  # trl.GRPOTrainer (Any to mypy)
    from trl import GRPOTrainer

    for name in ("_generate_and_score_completions", "_calculate_rewards"):
        if not callable(getattr(GRPOTrainer, name, None)):
            raise ImportError(f"trl.GRPOTrainer has no {name}: CTRLGRPOTrainer needs trl "
                              f"{', '.join(TESTED_TRL_VERSIONS)}")
    return GRPOTrainer


def __getattr__(name: str) -> Any:
    # CTRLGRPOTrainer is built on first use, so importing this module does not import trl.
    if name == "CTRLGRPOTrainer":
        cls = _make_trainer_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


def _make_trainer_class() -> type[Any]:
    import torch
    from accelerate.utils import gather, gather_object

    GRPOTrainer: Any = _grpo_trainer_base()

    class CTRLGRPOTrainer(GRPOTrainer):  # type: ignore[misc]  # GRPOTrainer is Any to mypy (trl is not typed here)
        """``trl.GRPOTrainer`` whose advantages are :func:`infalign.ctrl_step`'s: the rewards (the weighted sum of
        the reward functions, as TRL sums them) are calibrated (against ``ctrl_references`` per prompt, against
        the rest of the group with ``calibration="group"``, or not at all), transformed and baselined by the step's
        options; TRL's loss then uses them unchanged.

        With ``ctrl_options=CTRLOptions(preset="trl-grpo")`` and no references the advantages are TRL's own (the
        peer tests check it to 1e-12 in float64); ``scale_rewards="batch"``/``"none"`` correspond to
        ``scale="batch"``/``"none"``.

        Args (keywords, besides ``GRPOTrainer``'s):
            ctrl_options: the step's :class:`~infalign.CTRLOptions` (default: ``preset="trl-grpo"``).
            ctrl_references: reference rewards per prompt (:class:`ReferenceTables` or a mapping); None: the
                options' own calibration (none for a peer preset, ``"group"`` if set).
            ctrl_key_column: the dataset column keying ``ctrl_references`` (None: the prompt text).

        The step sees sequence log-probs (the sum over the completion mask) of the old policy and the reference
        when TRL computed them (``beta != 0`` computes the reference; off-policy iterations the old policy), else
        zeros: only options with a KL term in the reward read them. The KL and the clipped loss stay TRL's.

        Attributes after each generation: ``ctrl_last_step`` (the :class:`~infalign.CTRLResult`, all processes'
        groups), ``ctrl_last_trl_advantages`` (TRL's own advantages of this process's samples, before they were
        replaced). Metrics ``ctrl/calibrated_mean`` and ``ctrl/transformed_mean`` are logged.

        Uses TRL's private ``_calculate_rewards`` and ``_generate_and_score_completions`` (no public hook exists
        in trl 1.16); warns on other trl versions. Only ``multi_objective_aggregation="sum_then_normalize"``.
        """

        def __init__(self, *args: Any, ctrl_options: Optional[CTRLOptions] = None,
                     ctrl_references: Union[ReferenceTables, Mapping[Hashable, Sequence[float]], None] = None,
                     ctrl_key_column: Optional[str] = None, **kwargs: Any):
            self.trl_version = _check_trl_version()
            super().__init__(*args, **kwargs)
            if self.multi_objective_aggregation != "sum_then_normalize":
                raise ValueError("CTRLGRPOTrainer supports multi_objective_aggregation='sum_then_normalize' only, "
                                 f"got {self.multi_objective_aggregation!r}")
            self.ctrl_options = ctrl_options if ctrl_options is not None else CTRLOptions(preset="trl-grpo")
            self.ctrl_references = (None if ctrl_references is None
                                    else ReferenceTables.of(ctrl_references, key_column=ctrl_key_column))
            self.ctrl_last_step: Optional[CTRLResult] = None
            self.ctrl_last_trl_advantages: Optional[torch.Tensor] = None
            self._ctrl_captured: Optional[tuple[torch.Tensor, Optional[list[Hashable]], int]] = None

        def _calculate_rewards(self, inputs: list[dict[str, Any]], prompts: list[Any], completions: list[Any],
                               completion_ids_list: list[Any]) -> torch.Tensor:
            rewards_per_func = super()._calculate_rewards(inputs, prompts, completions, completion_ids_list)
            keys = None
            if self.ctrl_references is not None:
                columns = {k: [x.get(k) for x in inputs] for k in inputs[0]} if inputs else {}
                keys = gather_object(self.ctrl_references.keys_of(prompts, columns))
            self._ctrl_captured = (rewards_per_func, keys, len(prompts))
            return rewards_per_func

        def _generate_and_score_completions(self, inputs: list[dict[str, Any]]) -> dict[str, Any]:
            self._ctrl_captured = None
            out = super()._generate_and_score_completions(inputs)
            if self._ctrl_captured is None:
                raise RuntimeError("GRPOTrainer._generate_and_score_completions did not call _calculate_rewards: "
                                   f"trl {self.trl_version} is not supported by CTRLGRPOTrainer")
            rewards_per_func, keys, local = self._ctrl_captured
            self._ctrl_captured = None
            mode = "train" if self.model.training else "eval"
            g = self.num_generations if mode == "train" else self.num_generations_eval
            # The reward TRL baselines: the weighted sum of the reward functions (NaN where all returned None).
            weights = self.reward_weights.to(rewards_per_func.device, rewards_per_func.dtype)
            rewards = (rewards_per_func * weights.unsqueeze(0)).nansum(dim=1)
            rewards[torch.isnan(rewards_per_func).all(dim=1)] = torch.nan
            rewards = rewards.detach().to("cpu", torch.float64).numpy().reshape(-1, g)

            mask = out["completion_mask"] if "tool_mask" not in out else out["completion_mask"] * out["tool_mask"]

            def sequence(name: str) -> Optional[npt.NDArray[np.float64]]:
                x = out.get(name)
                if x is None:
                    return None
                return gather((x.detach() * mask).sum(dim=1)).to("cpu", torch.float64).numpy().reshape(-1, g)

            old, ref = sequence("old_per_token_logps"), sequence("ref_per_token_logps")
            policy = old if old is not None else (ref if ref is not None else np.zeros_like(rewards))
            reference = ref if ref is not None else policy
            table = None
            if keys is not None:
                group_keys = keys[::g]
                for b in range(rewards.shape[0]):
                    if any(k != group_keys[b] for k in keys[b * g:(b + 1) * g]):
                        raise ValueError(f"group {b} mixes keys {keys[b * g:(b + 1) * g]}: a group must be one "
                                         "prompt's completions")
                table = self.ctrl_references.group_table(group_keys)
            step = ctrl_step(rewards, policy, reference, references=table, options=self.ctrl_options,
                             outputs=("advantages", "calibrated", "transformed", "valid"))
            self.ctrl_last_step = step
            start = self.accelerator.process_index * local
            advantages = step.advantages.reshape(-1)[start:start + local]
            self.ctrl_last_trl_advantages = out["advantages"]
            out["advantages"] = torch.as_tensor(advantages).to(out["advantages"].device, out["advantages"].dtype)
            # The completions table logs advantages: replace TRL's with the step's.
            logged = self._logs["advantages"]
            for _ in range(min(rewards.size, len(logged))):
                logged.pop()
            logged.extend(step.advantages.reshape(-1).tolist())
            valid = step.valid
            self._metrics[mode]["ctrl/calibrated_mean"].append(float(step.calibrated[valid].mean()))
            self._metrics[mode]["ctrl/transformed_mean"].append(float(step.transformed[valid].mean()))
            return out

    CTRLGRPOTrainer.__module__ = __name__
    return CTRLGRPOTrainer
