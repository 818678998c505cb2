"""A tiny causal LM and character tokenizer built in code (nothing downloaded), and minimal TRL trainers over them,
for the TRL peer tests."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any, Optional

import pytest

ALPHABET = list("abcdefghij q:0123456789")


def build_tokenizer():
    """A character-level fast tokenizer (pad, eos, unk + ALPHABET), left padding as TRL expects."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<eos>", "<unk>"]
    vocab = {t: i for i, t in enumerate(specials + sorted(set(ALPHABET)))}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    tok.padding_side = "left"
    return tok


def save_tiny_model(path: Path, seed: int = 0) -> Path:
    """Saves a randomly initialized 2-layer Llama (hidden 32) and its tokenizer under ``path``."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    tokenizer = build_tokenizer()
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                         bos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True)
    LlamaForCausalLM(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


def target_reward(prompts, completions, target, **_: Any) -> list:
    """A reward function returning the dataset column ``target`` (the batch's designed rewards)."""
    return [float(t) for t in target]


def grpo_trainer(model_dir: Path, output_dir: Path, *, trainer_class=None, reward_funcs=None, dataset=None,
                 trainer_kwargs: Optional[dict] = None, **config: Any):
    """A GRPOTrainer (or ``trainer_class``) on the tiny model, CPU, float32, no logging or saving."""
    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    defaults = dict(output_dir=str(output_dir), per_device_train_batch_size=4, num_generations=4,
                    max_completion_length=6, report_to=[], save_strategy="no", use_cpu=True, bf16=False,
                    disable_tqdm=True, log_level="warning", logging_steps=1, seed=0)
    defaults.update(config)
    if dataset is None:
        dataset = Dataset.from_dict({"prompt": ["q:1", "q:2"] * 4, "target": [0.0] * 8})
    cls = trainer_class or GRPOTrainer
    return cls(model=str(model_dir), reward_funcs=reward_funcs or [target_reward], args=GRPOConfig(**defaults),
               train_dataset=dataset, processing_class=build_tokenizer(), **(trainer_kwargs or {}))


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    """The tiny model saved once per test module (import this fixture into a test module to use it)."""
    return save_tiny_model(tmp_path_factory.mktemp("tiny-llama"))


@contextlib.contextmanager
def float64_default():
    """torch's default dtype set to float64 inside the block."""
    import torch

    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        yield
    finally:
        torch.set_default_dtype(old)
