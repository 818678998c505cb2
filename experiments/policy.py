"""π_ref by supervised learning, sampling, and sequence log-probs (torch, one thread per process)."""

from __future__ import annotations

import math

import numpy as np

from . import task

CHUNK = 8192  # sequences sampled per generate call


def encode(tokenizer, texts):
    """Token ids of equal-length texts (no padding is needed: every prompt is 5 characters)."""
    import torch

    return torch.tensor([tokenizer.convert_tokens_to_ids(list(t)) for t in texts], dtype=torch.long)


def train_reference(tokenizer, *, seed: int, steps: int, batch: int, corpus_size: int, prompts, lr: float = 2e-3,
                    width: int = 128, layers: int = 2):
    """Trains π_ref (a GPT-2 of ``layers`` blocks of width ``width``) from scratch on ``task.reference_corpus``:
    next-token loss on the completion characters only, AdamW with linear warm-up and cosine decay. Returns the model
    (eval mode) and the final mean loss."""
    import torch

    model = task.build_model(tokenizer, seed, width=width, layers=layers)
    ids = encode(tokenizer, task.reference_corpus(prompts, corpus_size, seed))
    prompt_len = len(prompts[0])
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    gen = torch.Generator().manual_seed(seed)
    model.train()
    losses = []
    for step in range(steps):
        warm = min(1.0, (step + 1) / 20)
        for g in opt.param_groups:
            g["lr"] = lr * warm * 0.5 * (1 + math.cos(math.pi * step / steps))
        rows = ids[torch.randint(len(ids), (batch,), generator=gen)]
        logits = model(rows).logits[:, prompt_len - 1:-1]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), rows[:, prompt_len:].reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    model.eval()
    return model, float(np.mean(losses[-20:]))


def sample(model, tokenizer, prompts, per_prompt: int, seed: int):
    """``per_prompt`` completions of each prompt, sampled at temperature 1 with no top-k/top-p (TRL's defaults).
    Returns (completion texts grouped by prompt, token ids [P·n, 12] with pad after an early EOS)."""
    import torch

    torch.manual_seed(seed)
    inputs = encode(tokenizer, [p for p in prompts for _ in range(per_prompt)])
    chunks = []
    with torch.no_grad():
        for start in range(0, len(inputs), CHUNK):  # bounded memory: the KV cache of at most CHUNK sequences
            part = inputs[start:start + CHUNK]
            out = model.generate(input_ids=part, attention_mask=torch.ones_like(part), do_sample=True,
                                 temperature=1.0, top_k=0, top_p=1.0, max_new_tokens=task.COMPLETION_LENGTH,
                                 min_new_tokens=0, pad_token_id=tokenizer.pad_token_id,
                                 eos_token_id=tokenizer.eos_token_id)
            completion = out[:, part.shape[1]:]
            if completion.shape[1] < task.COMPLETION_LENGTH:
                pad = torch.full((completion.shape[0], task.COMPLETION_LENGTH - completion.shape[1]),
                                 tokenizer.pad_token_id)
                completion = torch.cat([completion, pad], dim=1)
            chunks.append(completion)
    completion = torch.cat(chunks)
    texts = tokenizer.batch_decode(completion, skip_special_tokens=True)
    texts = [t.replace(" ", "") for t in texts]
    grouped = [texts[i * per_prompt:(i + 1) * per_prompt] for i in range(len(prompts))]
    return grouped, inputs, completion


def sequence_logprobs(model, inputs, completion, tokenizer):
    """log π(y|x) of each sampled sequence: the sum of its completion tokens' log-probs up to and including the
    first EOS (padding after it is masked)."""
    import torch

    with torch.no_grad():
        full = torch.cat([inputs, completion], dim=1)
        logits = model(full).logits[:, inputs.shape[1] - 1:-1].float()
        logp = torch.log_softmax(logits, dim=-1).gather(-1, completion.unsqueeze(-1)).squeeze(-1)
        is_eos = completion == tokenizer.eos_token_id
        after_eos = (torch.cumsum(is_eos.long(), dim=1) - is_eos.long()) > 0
        logp = logp.masked_fill(after_eos, 0.0)
    return logp.sum(dim=1).double().numpy()


def rewards_of(prompts, grouped):
    """Raw rewards, one row per prompt."""
    return np.array([[task.reward(p, c) for c in row] for p, row in zip(prompts, grouped)])
