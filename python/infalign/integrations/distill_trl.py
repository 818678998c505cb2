"""Weighted SFT toward the exact tilt in torch, and for TRL's ``SFTTrainer`` (docs/DISTILLATION.md, "Training
recipes"). The weights come from :func:`infalign.integrations.distill.tilt_dataset` (one round, samples of π_ref)
or :func:`~infalign.integrations.distill.iterated_tilt_weights` (samples of the current policy).

The loss. Per prompt x with samples y_1..y_K and self-normalized weights w_i (mean 1), weighted maximum likelihood
maximizes ``Σ_i w_i·log π(y_i|x) / Σ_i w_i``. Over distributions on the sampled support its maximizer is
``π(y|x) ∝ Σ_{i: y_i = y} w_i``, the tilt π* ∝ π_ref·exp(Φ(u)/β) restricted to the sample, **only if log π(y_i|x) is
the sequence log-prob** (the sum over the completion tokens). A per-token mean would divide each sample's term by
its length L_i and move the fixed point to ∝ w_i/L_i (a length bias). So :func:`weighted_sequence_nll` is

    loss = Σ_{i in batch} w_i · NLL_i / n,    NLL_i = −Σ_{completion tokens t} log π(y_{i,t} | x_i, y_{i,<t}),

with n the number of sequences in the batch. Since the weights have mean 1 per prompt, Σ w_i over the whole
dataset is its number of rows N, and this is an unbiased minibatch estimate of ``(1/N)·Σ_i w_i·NLL_i``, the
mean over prompts of each prompt's self-normalized objective (up to a factor K). Dividing by the batch's Σ w_i
instead would be a ratio estimator: biased, and one heavy sample would shrink every other sample's gradient. The
loss is on the scale of a sequence NLL (tokens × nats), larger than TRL's per-token mean: lower the learning rate,
or pass a constant ``normalizer`` (any constant leaves the fixed point unchanged).

TRL 1.16's ``SFTTrainer`` has **no per-example weights**: its collator ``DataCollatorForLanguageModeling``
(``trl/trainer/sft_trainer.py`` lines 168-227) keeps only input ids, labels and masks, its loss is the token mean
``per_token_loss.sum() / num_tokens`` (line 1618) and unused dataset columns are dropped (signature columns
``input_ids, labels, seq_lengths``, line 1496). TRL's documented extension is to "subclass SFTTrainer and override
compute_loss" (its docstring, ``compute_loss_func``, line 583). :class:`TiltSFTTrainer` does that; the weight column
reaches the loss through a collator wrapper (:class:`WeightedCollator`, set on the public ``data_collator``) and by
adding the column to the kept signature columns (the only private hook it extends, ``_set_signature_columns_if_
needed``, which TRL itself overrides; with ``remove_unused_columns=False`` it is not needed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from .._errors import NonFiniteError, ShapeError

if TYPE_CHECKING:
    # torch and trl are imported on first use (not dependencies); mypy sees them as Any (python/pyproject.toml),
    # so "torch.Tensor" below documents the type.
    import torch

    #: A ``trl.SFTTrainer`` subclass, built by the module's ``__getattr__`` on first use.
    TiltSFTTrainer: Any

__all__ = ["sequence_log_probs", "weighted_sequence_nll", "WeightedCollator", "TiltSFTTrainer"]


def sequence_log_probs(logits: torch.Tensor, labels: torch.Tensor, mask: Optional[torch.Tensor] = None, *,
                       shift: bool = True) -> torch.Tensor:
    """Per-sequence log-probs ``Σ_t mask_t·log softmax(logits)[labels_t]`` (``(B,)``, float32 or wider).

    Args:
        logits: ``(B, T, V)`` causal-LM logits.
        labels: ``(B, T)`` token ids; ``-100`` marks tokens outside the loss (HF convention).
        mask: ``(B, T)`` 1 on the tokens to count (e.g. the completion); None: ``labels != -100``.
        shift: the HF convention, logits at t predict labels at t + 1 (True), or already aligned (False).
    """
    import torch
    import torch.nn.functional as F

    if logits.dim() != 3 or labels.shape != logits.shape[:2]:
        raise ShapeError(f"logits {tuple(logits.shape)} and labels {tuple(labels.shape)}: expected (B, T, V) and "
                         "(B, T)")
    keep = labels != -100 if mask is None else (mask.to(torch.bool) & (labels != -100))
    if shift:
        logits, labels, keep = logits[:, :-1], labels[:, 1:], keep[:, 1:]
    dtype = torch.promote_types(logits.dtype, torch.float32)
    targets = torch.where(keep, labels, torch.zeros_like(labels))
    nll = F.cross_entropy(logits.to(dtype).reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="none")
    return -(nll.view(labels.shape) * keep).sum(dim=-1)


def weighted_sequence_nll(logits: torch.Tensor, labels: torch.Tensor, mask: Optional[torch.Tensor], weights: Any, *,
                          normalizer: Optional[float] = None, shift: bool = True) -> torch.Tensor:
    """``Σ_i w_i·NLL_i / normalizer``: the weighted-MLE loss toward the tilt (module docstring says why sequence
    NLLs and why the default ``normalizer`` is the number of sequences B).

    Args:
        logits, labels, mask, shift: as :func:`sequence_log_probs` (mask may be None).
        weights: ``(B,)`` non-negative finite weights (tilt weights, mean 1 per prompt).
        normalizer: a constant divisor (None: B).
    Raises:
        ShapeError: weights not of shape (B,). NonFiniteError: a NaN/inf weight, naming the sample.
        ValueError: a negative weight, naming the sample.
    """
    import torch

    w = torch.as_tensor(weights, device=logits.device)
    if w.shape != (logits.shape[0],):
        raise ShapeError(f"weights have shape {tuple(w.shape)}, expected ({logits.shape[0]},): one per sequence")
    bad = torch.nonzero(~torch.isfinite(w))
    if bad.numel():
        i = int(bad[0])
        raise NonFiniteError(f"weights: {float(w[i])} at sample {i} of the batch")
    negative = torch.nonzero(w < 0)
    if negative.numel():
        i = int(negative[0])
        raise ValueError(f"weights: {float(w[i])} < 0 at sample {i} of the batch")
    logp = sequence_log_probs(logits, labels, mask, shift=shift)
    n = float(logits.shape[0]) if normalizer is None else float(normalizer)
    return -(w.to(logp.dtype) * logp).sum() / n


class WeightedCollator:
    """Wraps a collator: takes ``column`` out of each example, collates the rest with ``base`` and adds the column
    to the batch as a float32 tensor ``(B,)``.

    Raises (when called): KeyError naming the example without the column."""

    def __init__(self, base: Callable[[list[dict[str, Any]]], dict[str, Any]], column: str = "weight") -> None:
        self.base, self.column = base, column

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch

        weights = []
        for i, example in enumerate(examples):
            if self.column not in example:
                raise KeyError(f"example {i} of the batch has no {self.column!r} column (keys: {sorted(example)})")
            weights.append(float(example[self.column]))
        batch = self.base([{k: v for k, v in ex.items() if k != self.column} for ex in examples])
        batch[self.column] = torch.tensor(weights, dtype=torch.float32)
        return batch


def __getattr__(name: str) -> Any:
    # TiltSFTTrainer is built on first use, so importing this module imports neither torch nor trl.
    if name == "TiltSFTTrainer":
        cls = _make_trainer_class()
        globals()[name] = cls
        return cls
    raise AttributeError(name)


def _make_trainer_class() -> type[Any]:
    from trl import SFTTrainer

    class TiltSFTTrainer(SFTTrainer):  # type: ignore[misc]  # SFTTrainer is Any to mypy (trl is not typed here)
        """``trl.SFTTrainer`` whose loss is :func:`weighted_sequence_nll`: each example's completion-token NLL (a
        sum over its tokens) times the dataset column ``weight_column``, averaged over the batch's examples.

        Train on :func:`~infalign.integrations.distill.tilt_dataset`'s prompt-completion rows (TRL tokenizes them and
        masks the prompt: ``completion_only_loss`` defaults to True for that format; keep it so). Gradient
        accumulation: the loss is a per-micro-batch mean and the Trainer divides it by the accumulation steps
        (``loss_is_scaled_for_ga = False``); under data parallelism the gradients are averaged across ranks.

        Args (keywords, besides ``SFTTrainer``'s): ``weight_column`` (default ``"weight"``),
        ``loss_normalizer`` (a constant divisor instead of the batch's number of examples).
        Raises: ValueError for ``packing`` or ``padding_free`` (one flattened row mixes examples and weights) and
        for a training dataset without the weight column.
        """

        loss_is_scaled_for_ga = False
        # SFTTrainer's attributes that this class reads and sets.
        data_collator: Any
        _signature_columns: Optional[list[str]]

        def __init__(self, *args: Any, weight_column: str = "weight", loss_normalizer: Optional[float] = None,
                     **kwargs: Any) -> None:
            self.weight_column, self.loss_normalizer = weight_column, loss_normalizer
            config = kwargs.get("args", args[1] if len(args) > 1 else None)
            if config is not None and (getattr(config, "packing", False) or getattr(config, "padding_free", False)):
                raise ValueError("TiltSFTTrainer needs one example per row: packing and padding_free are not supported")
            dataset = kwargs.get("train_dataset", args[3] if len(args) > 3 else None)
            names = getattr(dataset, "column_names", None)
            if names is not None and weight_column not in names:
                raise ValueError(f"the training dataset has no {weight_column!r} column (columns: {names}); build it "
                                 "with infalign.integrations.distill.tilt_dataset")
            super().__init__(*args, **kwargs)
            self.data_collator = WeightedCollator(self.data_collator, weight_column)

        def _set_signature_columns_if_needed(self) -> None:
            super()._set_signature_columns_if_needed()
            if self._signature_columns is not None and self.weight_column not in self._signature_columns:
                self._signature_columns = [*self._signature_columns, self.weight_column]

        def compute_loss(self, model: Any, inputs: Mapping[str, Any], return_outputs: bool = False,
                         num_items_in_batch: Any = None) -> Any:
            import torch

            inputs = dict(inputs)
            weights = inputs.pop(self.weight_column)
            labels = inputs.pop("labels")
            inputs["use_cache"] = False
            outputs = model(**inputs)
            loss = weighted_sequence_nll(outputs.logits, labels, None, weights, normalizer=self.loss_normalizer)
            mode = "train" if self.model.training else "eval"
            with torch.no_grad():
                nll = -sequence_log_probs(outputs.logits.detach(), labels)
            self._metrics[mode]["tilt/sequence_nll"].append(float(nll.mean()))
            self._metrics[mode]["tilt/weight_max"].append(float(weights.max()))
            return (loss, outputs) if return_outputs else loss

    TiltSFTTrainer.__module__ = __name__
    return TiltSFTTrainer
