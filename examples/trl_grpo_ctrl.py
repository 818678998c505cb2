"""CTRL inside TRL's GRPOTrainer: rewards calibrated against the reference model's samples and transformed for
best-of-N by infalign, for a few real optimizer steps of a tiny causal LM built from a config (nothing is
downloaded).

Two ways in, both from ``infalign.integrations.trl``:

- ``--mode reward``: ``CTRLReward`` wraps the raw reward function and returns Φ(calibrated reward), Φ = the exp
  transform tuned for bon:N at a KL budget; the stock ``GRPOTrainer`` then baselines it within each group as usual.
- ``--mode advantage``: ``CTRLGRPOTrainer``, a ``GRPOTrainer`` whose advantages are ``infalign.ctrl_step``'s
  (calibrate against the reference table, transform, RLOO baseline, std-normalized) on the raw rewards. TRL 1.16
  has no public advantage hook: the subclass extends its private ``_generate_and_score_completions`` and
  ``_calculate_rewards`` and warns on other trl versions.

The task: prompts are short strings; a completion's raw reward counts the letter "a" in it, on a scale and offset
that differ wildly per prompt (calibration removes them). References: before training, the initial model (the
reference policy) samples ``--references`` completions per prompt; their raw rewards form a calibration table.

Run with ``make trl-example`` (a virtual environment with torch 2.13.0+cpu, trl and transformers).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import infalign  # noqa: E402
from infalign.integrations.trl import CTRLReward, ReferenceTables  # noqa: E402

CHARS = list("abcdefghij ")
PROMPTS = [f"q{i}:" + "".join("abcdefghij"[(i * 7 + k * 3) % 10] for k in range(4)) for i in range(8)]


def build_tokenizer():
    """A character-level tokenizer built in code (no download)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    specials = ["<pad>", "<eos>", "<unk>"]
    alphabet = sorted(set("".join(PROMPTS)) | set(CHARS))
    vocab = {t: i for i, t in enumerate(specials + alphabet)}
    core = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(pattern="", behavior="isolated")
    tok = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", eos_token="<eos>", unk_token="<unk>")
    tok.padding_side = "left"
    return tok


def build_model(tokenizer, seed):
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=64,
                         pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                         bos_token_id=tokenizer.eos_token_id, tie_word_embeddings=True)
    return LlamaForCausalLM(config)


SCALES = np.array([10.0 ** ((i % 4) - 1) for i in range(len(PROMPTS))])  # 0.1, 1, 10, 100, ...
OFFSETS = np.array([(-1) ** i * 50.0 * i for i in range(len(PROMPTS))])


def raw_reward(prompt_id: int, completion: str) -> float:
    """The deterministic task reward: how many "a"s, on a per-prompt scale and offset."""
    return float(SCALES[prompt_id] * completion.count("a") + OFFSETS[prompt_id])


class TaskReward:
    """The raw reward as a TRL reward function (``prompt_id`` is a dataset column, passed by TRL as a keyword); it
    keeps the last batch's raw rewards and "a" counts for the log."""

    __name__ = "letters"

    def __init__(self):
        self.last_raw: np.ndarray | None = None
        self.last_a_count: float | None = None

    def __call__(self, prompts, completions, prompt_id, **_):
        raw = [raw_reward(int(p), c) for p, c in zip(prompt_id, completions)]
        self.last_raw = np.asarray(raw)
        self.last_a_count = float(np.mean([c.count("a") for c in completions]))
        return raw


def reference_rewards(model, tokenizer, count, max_new_tokens, seed):
    """Raw rewards of `count` samples per prompt from the initial model: the calibration references."""
    import torch

    torch.manual_seed(seed)
    refs = np.empty((len(PROMPTS), count))
    model.eval()
    with torch.no_grad():
        for i, prompt in enumerate(PROMPTS):
            ids = tokenizer([prompt] * count, return_tensors="pt", padding=True)
            out = model.generate(**ids, do_sample=True, max_new_tokens=max_new_tokens, temperature=1.0, top_k=0,
                                 pad_token_id=tokenizer.pad_token_id)
            texts = tokenizer.batch_decode(out[:, ids["input_ids"].shape[1]:], skip_special_tokens=True)
            refs[i] = [raw_reward(i, t) for t in texts]
    model.train()
    return refs


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", choices=["reward", "advantage", "both"], default="both")
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--n", type=int, default=4, help="best-of-N the policy will be served with")
    parser.add_argument("--kl", type=float, default=1.0, help="KL budget the transform is tuned for")
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--references", type=int, default=32)
    parser.add_argument("--max-completion-length", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output-dir", default="/tmp/infalign-trl-example")
    args = parser.parse_args(argv)

    import torch
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    torch.set_num_threads(1)
    tuned = infalign.tune("exp", args.kl, f"bon:{args.n}")
    transform = tuned.transform
    print(f"infalign {infalign.__version__} ({infalign.library_path.name}); transform {transform} tuned for "
          f"bon:{args.n} at KL {args.kl}: calibrated-space win rate {tuned.point.win_rate:.4f}")

    wall_start = time.perf_counter()
    tokenizer = build_tokenizer()
    modes = ["reward", "advantage"] if args.mode == "both" else [args.mode]
    summary = {}
    for mode in modes:
        model = build_model(tokenizer, args.seed)
        refs = reference_rewards(model, tokenizer, args.references, args.max_completion_length, args.seed)
        # Reference rewards keyed by the dataset's prompt_id column (TRL passes it to reward functions).
        references = ReferenceTables({i: refs[i] for i in range(len(PROMPTS))}, key_column="prompt_id")
        task = TaskReward()
        dataset = Dataset.from_dict({"prompt": PROMPTS * 8, "prompt_id": list(range(len(PROMPTS))) * 8})
        config = GRPOConfig(
            output_dir=args.output_dir, max_steps=args.steps, per_device_train_batch_size=8,
            num_generations=args.generations, max_completion_length=args.max_completion_length, learning_rate=5e-3,
            logging_steps=1, report_to=[], save_strategy="no", use_cpu=True, bf16=False, seed=args.seed, beta=0.04,
            scale_rewards="group", temperature=1.0, disable_tqdm=True, log_level="warning")
        logs = []

        if mode == "reward":
            # The stock trainer; the reward function returns Φ(u), u calibrated against the prompt's references.
            reward = CTRLReward(task, references, transform)
            trainer_class, reward_funcs, extra = GRPOTrainer, [reward], {}
        else:
            # Raw rewards; the trainer's advantage stage calibrates, transforms and baselines them (ctrl_step).
            from infalign.integrations.trl import CTRLGRPOTrainer

            reward = None
            trainer_class, reward_funcs = CTRLGRPOTrainer, [task]
            extra = dict(ctrl_options=infalign.CTRLOptions(transform, baseline="rloo", normalize_by_std=True),
                         ctrl_references=references)

        def calibrated_mean(trainer):
            """Mean calibrated reward of the last batch (the quantity the transform is tuned on)."""
            if reward is not None:
                return float(np.nanmean(reward.last_calibrated))
            step = trainer.ctrl_last_step
            return float(step.calibrated[step.valid].mean())

        class Log(TrainerCallback):
            def on_log(self, _args, state, _control, logs=None, **_):
                if logs and "loss" in logs:
                    row = {"step": state.global_step, "loss": logs["loss"], "reward": logs.get("reward"),
                           "calibrated": calibrated_mean(trainer), "a_per_completion": task.last_a_count,
                           "kl": logs.get("kl"), "grad_norm": logs.get("grad_norm")}
                    logs_list.append(row)
                    print(f"[{mode}] step {row['step']}: loss {row['loss']:+.6f}  reward {row['reward']:.4g}  "
                          f"calibrated u {row['calibrated']:.4f}  'a' per completion {row['a_per_completion']:.3f}  "
                          f"kl {row['kl']:.5f}  grad_norm {row['grad_norm']:.4f}", flush=True)

        logs_list = logs
        # The trainer loads the policy and its frozen reference copy (for the KL term, beta > 0) from a local
        # directory: the randomly initialized model saved above, never a download.
        path = os.path.join(args.output_dir, f"initial-model-{mode}")
        model.save_pretrained(path)
        tokenizer.save_pretrained(path)
        trainer = trainer_class(model=path, reward_funcs=reward_funcs, args=config, train_dataset=dataset,
                                processing_class=tokenizer, callbacks=[Log()], **extra)
        model = trainer.model
        before = [p.detach().clone() for p in model.parameters()]
        start = time.perf_counter()
        trainer.train()
        elapsed = time.perf_counter() - start
        moved = sum(float((p.detach() - b).abs().sum()) for p, b in zip(model.parameters(), before))
        print(f"[{mode}] {trainer.state.global_step} optimizer steps in {elapsed:.1f} s; "
              f"parameters moved by {moved:.4f} (L1)", flush=True)
        if trainer.state.global_step != args.steps or not moved > 0 or not all(math.isfinite(r["loss"]) for r in logs):
            raise SystemExit(f"[{mode}] training did not take {args.steps} finite optimizer steps")
        summary[mode] = {"steps": trainer.state.global_step, "log": logs}
    print(f"wall time {time.perf_counter() - wall_start:.1f} s (both modes: references, trainer set-up, training)")
    print("RESULT " + json.dumps(summary))


if __name__ == "__main__":
    main()
