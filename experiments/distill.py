"""Distillation arms (issue 24): weighted SFT of π_ref toward the exact calibrated-space tilt
π* ∝ π_ref·exp(Φ(u)/β), with the library's recipe (``infalign.integrations.distill.tilt_columns`` for the weights,
``infalign.integrations.distill_trl.weighted_sequence_nll`` for the loss).

Data: the π_ref samples of each training prompt that the RL arms calibrate against (256 per prompt), each weighted
by its self-normalized tilt weight with u by leave-one-out within the prompt's samples and β solved for the KL
target in calibrated space. Training: AdamW from π_ref on minibatches drawn uniformly from all (prompt, completion)
rows, loss Σ w_i·NLL_i / n with NLL_i the completion's sequence NLL.
"""

from __future__ import annotations

import time

import numpy as np

from . import task


def transform_of(text: str, target: float):
    """The arm's transform: a text form, or ``optimal:PROC`` for the optimal transform's table for PROC at the KL
    target."""
    import infalign

    if text.startswith("optimal:"):
        return infalign.optimal_transform(text.split(":", 1)[1], kl=target).transform
    return infalign.Transform(text)


def encode_rows(tokenizer, prompts, completions):
    """Token ids and labels of prompt+completion rows: a completion that ended early (sampled EOS) gets its EOS back
    and padding after it; labels are -100 on the prompt and the padding (the loss is on the completion only)."""
    import torch

    width = len(prompts[0]) + task.COMPLETION_LENGTH
    ids = torch.full((len(prompts), width), tokenizer.pad_token_id, dtype=torch.long)
    labels = torch.full((len(prompts), width), -100, dtype=torch.long)
    for i, (p, c) in enumerate(zip(prompts, completions)):
        row = tokenizer.convert_tokens_to_ids(list(p + c))
        if len(c) < task.COMPLETION_LENGTH:
            row.append(tokenizer.eos_token_id)
        ids[i, :len(row)] = torch.tensor(row)
        labels[i, len(p):len(row)] = ids[i, len(p):len(row)]
    return ids, labels


def fit(model, tokenizer, prompts, completions, weights, *, steps, batch: int, lr: float, seed: int,
        checkpoint_steps=()):
    """Weighted SFT of ``model`` (trained in place) on (prompt, completion, weight) rows: AdamW, minibatches of
    ``batch`` rows drawn uniformly (a generator seeded by ``seed``), loss Σ w_i·NLL_i / n. Dropout draws from
    torch's global generator, which the caller seeds. Returns ``({step: state_dict}, seconds)``."""
    import torch
    from infalign.integrations.distill_trl import weighted_sequence_nll

    ids, labels = encode_rows(tokenizer, prompts, completions)
    weights = torch.tensor(np.asarray(weights), dtype=torch.float32)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(seed)
    kept, wanted = {}, set(checkpoint_steps) | {steps}
    start = time.perf_counter()
    for step in range(1, steps + 1):
        rows = torch.randint(len(ids), (batch,), generator=gen)
        loss = weighted_sequence_nll(model(ids[rows]).logits, labels[rows], None, weights[rows])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step in wanted:
            kept[step] = {n: v.detach().clone() for n, v in model.state_dict().items()}
    model.eval()
    return kept, time.perf_counter() - start


def distill(job: dict, data: dict, reference_dir: str, checkpoint_steps):
    """Runs one distillation; returns ``({step: state_dict}, seconds, diagnostics)``."""
    import torch
    from infalign.integrations.distill import tilt_columns
    from transformers import AutoModelForCausalLM

    cfg = job["config"]
    k = cfg.distill_samples
    prompts = list(data["train"])
    completions = [row[:k] for row in data["calibration_completions"]]
    rewards = [row[:k] for row in data["calibration_references"]]
    columns, tilt = tilt_columns(prompts, completions, rewards, None, transform_of(job["transform"], job["target_kl"]),
                                 kl=job["target_kl"], procedures=("bon:4", "won:4"))
    torch.manual_seed(job["seed"])
    model = AutoModelForCausalLM.from_pretrained(reference_dir)
    kept, seconds = fit(model, task.build_tokenizer(), columns["prompt"], columns["completion"], columns["weight"],
                        steps=max(checkpoint_steps), batch=cfg.distill_batch, lr=cfg.distill_lr, seed=job["seed"],
                        checkpoint_steps=checkpoint_steps)
    diagnostics = {"tilt_beta": float(tilt.beta), "tilt_exact_kl": float(tilt.exact_kl),
                   "tilt_sample_kl": float(np.mean(tilt.kl)), "tilt_ess": float(np.mean(tilt.ess)),
                   "tilt_exact_win_rates": {p: float(v) for p, v in tilt.win_rates.items()},
                   "tilt_exact_standard_win_rate": float(tilt.standard_win_rate)}
    return kept, seconds, diagnostics
