"""CTRL advantage estimators in verl's own registry (``verl.trainer.ppo.core_algos``).

Importing this module registers three estimators, so that ``algorithm.adv_estimator=<name>`` runs the CTRL step
inside verl's ``compute_advantage`` (``verl/trainer/ppo/ray_trainer.py``), which calls registered estimators as
``fn(token_level_rewards=, response_mask=, config=algorithm_config[, index=uid][, reward_baselines=])``:

- ``infalign_ctrl``: the CTRL step with the options of ``algorithm.infalign`` (default: InfAlign's CTRL, i.e. each
  sample calibrated against the rest of its group, identity transform, leave-one-out baseline);
- ``infalign_ctrl_bon``: as above with Φ = ``exp:t``, ``t`` tuned by :func:`infalign.tune` for best-of-``n``
  serving at the KL budget ``kl`` (unless ``transform`` is set), advantages divided by the group's std unless
  ``options`` sets ``scale`` or ``normalize_by_std``;
- ``infalign_ctrl_won``: Φ = ``negexp:t`` tuned for worst-of-``n``, likewise.

Each sequence's reward is the sum of its ``token_level_rewards`` (as verl's GRPO does), samples are grouped by
``index`` (verl's prompt ``uid``) in order of first appearance, groups of unequal size are stepped one size at a
time, and the advantage is broadcast over the response tokens times ``response_mask`` (returned twice, as
``advantages`` and ``returns``, like verl's outcome estimators). KL in the reward is verl's business
(``algorithm.use_kl_in_reward`` runs ``apply_kl_penalty`` before ``compute_advantage``), so the step's own
``kl_reward`` is turned off here; the PPO loss and the KL loss stay verl's actor's.

Settings, by priority: ``algorithm.infalign`` in verl's config (keys ``preset``, ``transform``, ``options`` (a
mapping of :class:`infalign.CTRLOptions` keywords), ``n``, ``kl``, ``reference_provider`` (``"module:function"``)),
then :func:`configure`. Reference rewards (reference calibration) come from :func:`set_reference_provider`, the
``reference_provider`` setting, or the table of :func:`set_reference_rewards`, keyed by uid.

Registration is idempotent (:func:`register`), touches only these names, and refuses to replace a function that
someone else registered under one of them.
"""

from __future__ import annotations

import functools
import importlib
import threading
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .._errors import EmptyReferencesError
from ..analysis import tune
from ..calibration import CalibrationTable
from ..analysis import Family
from ..ctrl import CTRLOptions, Preset, ctrl_step

if TYPE_CHECKING:
    import torch

#: The registered estimator names and the tuned transform family and procedure of each (None: the configured Φ).
ESTIMATORS: dict[str, Optional[tuple[Family, str]]] = {
    "infalign_ctrl": None,
    "infalign_ctrl_bon": ("exp", "bon"),
    "infalign_ctrl_won": ("negexp", "won"),
}
#: Defaults of the tuned estimators: served best/worst-of-``n`` at KL budget ``kl`` (nats), as examples/trl_grpo_ctrl.py.
DEFAULT_N = 4
DEFAULT_KL = 1.0

_SETTING_KEYS = ("preset", "transform", "options", "n", "kl", "reference_provider")
_lock = threading.Lock()
_defaults: dict[str, Any] = {}
_references: dict[Hashable, np.ndarray] = {}
_provider: Optional[Callable[[Sequence[Hashable]], Mapping[Hashable, Any]]] = None


def configure(**settings: Any) -> None:
    """Process-wide defaults for the estimators (``preset``, ``transform``, ``options``, ``n``, ``kl``,
    ``reference_provider``); ``algorithm.infalign`` in verl's config overrides them key by key. Call with no
    arguments to clear them.

    Raises:
        TypeError: an unknown key.
    """
    unknown = set(settings) - set(_SETTING_KEYS)
    if unknown:
        raise TypeError(f"configure() got unknown settings {sorted(unknown)}; known: {list(_SETTING_KEYS)}")
    with _lock:
        _defaults.clear()
        _defaults.update(settings)


def set_reference_rewards(table: Mapping[Hashable, Any], *, replace: bool = True) -> None:
    """Reference rewards per prompt uid (any length ≥ 1 per uid): samples of a uid in the table are calibrated
    against its references. With ``replace=False`` the entries are added to the current table.

    Note: verl's trainers give every prompt a fresh ``uuid4`` uid each step, so fill the table for the uids of the
    batch about to be stepped (or use :func:`set_reference_provider`).
    """
    arrays = {uid: np.asarray(values, dtype=np.float64).reshape(-1) for uid, values in table.items()}
    for uid, values in arrays.items():
        if values.size == 0:
            raise ValueError(f"no reference rewards for uid {uid!r}")
    with _lock:
        if replace:
            _references.clear()
        _references.update(arrays)


def clear_reference_rewards() -> None:
    """Empties the table of :func:`set_reference_rewards`."""
    with _lock:
        _references.clear()


def set_reference_provider(provider: Optional[Callable[[Sequence[Hashable]], Mapping[Hashable, Any]]]) -> None:
    """A callable that receives the batch's distinct uids (in order of first appearance) and returns their
    reference rewards (a mapping uid → 1-D array); it takes precedence over the table. None removes it."""
    global _provider
    with _lock:
        _provider = provider


def _plain(value: Any) -> Any:
    """A config value (DictConfig, dataclass config, mapping) as plain Python containers."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "ListConfig":
        return [_plain(v) for v in value]
    return value


def _settings(config: Any) -> dict[str, Any]:
    """The module defaults overridden by ``config.infalign`` (verl's AlgoConfig, a DictConfig or a dict)."""
    with _lock:
        settings = dict(_defaults)
    given = None
    if config is not None and hasattr(config, "get"):
        given = config.get("infalign", None)
    given = _plain(given) or {}
    unknown = set(given) - set(_SETTING_KEYS)
    if unknown:
        raise ValueError(f"algorithm.infalign has unknown keys {sorted(unknown)}; known: {list(_SETTING_KEYS)}")
    settings.update({k: v for k, v in given.items() if v is not None})
    return settings


@functools.lru_cache(maxsize=32)
def _tuned_transform(family: Family, kl: float, procedure: str) -> str:
    """The member of ``family`` with the best win rate under ``procedure`` at KL budget ``kl`` (text form)."""
    return str(tune(family, kl, procedure).transform)


@functools.lru_cache(maxsize=64)
def _options(transform: Optional[str], preset: Optional[Preset], items: tuple[tuple[str, Any], ...]) -> CTRLOptions:
    """Cached step options; the step's own in-reward KL is off (verl's ``apply_kl_penalty`` does that)."""
    options = dict(items)
    options["kl_reward"] = None
    return CTRLOptions(transform, preset=preset, **options)


def options_for(name: str, config: Any = None) -> CTRLOptions:
    """The :class:`infalign.CTRLOptions` estimator ``name`` runs with under ``config`` (verl's algorithm config)."""
    return _options_for(name, _settings(config))


def _options_for(name: str, settings: dict[str, Any]) -> CTRLOptions:
    if name not in ESTIMATORS:
        raise ValueError(f"unknown infalign estimator {name!r}; known: {list(ESTIMATORS)}")
    transform = settings.get("transform")
    tuned = ESTIMATORS[name]
    if tuned is not None and transform is None:
        family, procedure = tuned
        n = int(settings.get("n", DEFAULT_N))
        transform = _tuned_transform(family, float(settings.get("kl", DEFAULT_KL)), f"{procedure}:{n}")
    options = dict(settings.get("options") or {})
    if tuned is not None and "scale" not in options and "normalize_by_std" not in options:
        # exp/negexp transforms tuned for best/worst-of-n span many orders of magnitude; PPO's clip and verl's KL
        # coefficient expect advantages of order 1 (as examples/trl_grpo_ctrl.py: divided by the group's std).
        options["normalize_by_std"] = True
    items = tuple(sorted((str(k), v) for k, v in options.items()))
    return _options(None if transform is None else str(transform), settings.get("preset"), items)


def _resolve(path: str) -> Callable[..., Any]:
    """``"package.module:function"`` (or ``"package.module.function"``) imported."""
    module, _, attribute = path.partition(":") if ":" in path else path.rpartition(".")
    function: Callable[..., Any] = getattr(importlib.import_module(module), attribute)
    return function


def _reference_lookup(uids: list[Hashable], settings: dict[str, Any]) -> Optional[Mapping[Hashable, Any]]:
    """The references of the batch's uids, or None when no source is configured."""
    provider = _provider
    if settings.get("reference_provider"):
        provider = _resolve(str(settings["reference_provider"]))
    if provider is not None:
        return provider(uids)
    with _lock:
        return dict(_references) if _references else None


def ctrl_advantages(name: str, token_level_rewards: "torch.Tensor", response_mask: "torch.Tensor",
                    index: Optional[Sequence[Hashable]], config: Any = None) -> tuple["torch.Tensor", "torch.Tensor"]:
    """Estimator ``name``'s advantages for one verl batch: ``(advantages, returns)``, both ``(bs, response_len)``
    in the dtype and on the device of ``token_level_rewards`` (the step runs on CPU in float64 when the rewards are
    float64, else float32).

    Raises:
        ValueError: no ``index`` (verl passes the prompt uid when the batch has one); KeyError: a reference source
        is configured but has nothing for a uid of the batch; the step's errors (:class:`infalign.InfAlignError`).
    """
    import torch

    if index is None:
        raise ValueError(f"{name} needs the prompt uid of each sample (verl's non_tensor_batch['uid'])")
    settings = _settings(config)
    options = _options_for(name, settings)
    with torch.no_grad():
        scores = token_level_rewards.detach().sum(dim=-1)
    dtype = np.float64 if scores.dtype == torch.float64 else np.float32
    s = np.ascontiguousarray(scores.to("cpu", torch.float64).numpy(), dtype=dtype)
    uids = np.asarray(index, dtype=object).reshape(-1)
    if uids.size != s.size:
        raise ValueError(f"index has {uids.size} uids for {s.size} samples")

    groups: dict[Hashable, list[int]] = {}
    for row, uid in enumerate(uids.tolist()):
        groups.setdefault(uid, []).append(row)
    references = _reference_lookup(list(groups), settings)
    by_size: dict[int, list[Hashable]] = {}
    for uid, group_rows in groups.items():
        by_size.setdefault(len(group_rows), []).append(uid)

    advantages = np.zeros(s.size, dtype=dtype)
    for size, members in by_size.items():
        rows = np.array([groups[uid] for uid in members], dtype=np.int64)  # (groups of this size, size)
        rewards = np.ascontiguousarray(s[rows])
        table = None
        if references is not None:
            missing = [uid for uid in members if uid not in references]
            if missing:
                raise KeyError(f"no reference rewards for uid {missing[0]!r} ({len(missing)} uids of the batch)")
            values = [np.asarray(references[uid], dtype=dtype).reshape(-1) for uid in members]
            offsets = np.concatenate([[0], np.cumsum([v.size for v in values])]).astype(np.int64)
            table = CalibrationTable(np.concatenate(values).astype(dtype), offsets=offsets)
        zeros = np.zeros_like(rewards)
        try:
            step = ctrl_step(rewards, zeros, zeros, options=options, references=table, outputs=("advantages",))
        except EmptyReferencesError:
            if size != 1 or table is not None:
                raise
            # A lone sample under group calibration has nothing to be ranked against: advantage 0.
            continue
        advantages[rows.reshape(-1)] = step.advantages.reshape(-1)

    a = torch.from_numpy(advantages).to(device=token_level_rewards.device, dtype=token_level_rewards.dtype)
    a = a.unsqueeze(-1) * response_mask
    return a, a


def _estimator(name: str) -> Callable[..., tuple[torch.Tensor, torch.Tensor]]:
    """verl's estimator signature around :func:`ctrl_advantages` for ``name``."""

    def estimator(token_level_rewards: torch.Tensor, response_mask: torch.Tensor,
                  index: Optional[Sequence[Hashable]] = None, config: Any = None,
                  **kwargs: Any) -> tuple[torch.Tensor, torch.Tensor]:
        return ctrl_advantages(name, token_level_rewards, response_mask, index, config)

    estimator.__name__ = estimator.__qualname__ = name
    estimator.__doc__ = f"verl advantage estimator {name!r} (infalign.integrations.verl.ctrl_advantages)."
    setattr(estimator, "_infalign_estimator", name)  # marks our entries, so a re-import replaces only its own
    return estimator


_FUNCTIONS: dict[str, Callable[..., tuple[torch.Tensor, torch.Tensor]]] = {name: _estimator(name) for name in ESTIMATORS}


def register() -> tuple[str, ...]:
    """Registers the estimators in verl's registry (idempotent) and returns their names.

    Raises:
        ValueError: another function is registered under one of the names (left untouched).
    """
    from verl.trainer.ppo import core_algos

    registry = core_algos.ADV_ESTIMATOR_REGISTRY
    for name, fn in _FUNCTIONS.items():
        existing = registry.get(name)
        if existing is fn:
            continue
        if existing is not None and getattr(existing, "_infalign_estimator", None) == name:
            registry[name] = fn  # this module imported again (e.g. reloaded): replace our own entry
            continue
        core_algos.register_adv_est(name)(fn)
    return tuple(_FUNCTIONS)


register()
