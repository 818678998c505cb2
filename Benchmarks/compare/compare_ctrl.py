#!/usr/bin/env python3
"""The CTRL step against the peers' own advantage/KL/loss stages, side by side in one run, one thread.

- verl's GRPO stage ported to numpy (verl b178a3c, verl/trainer/ppo/core_algos.py: compute_grpo_outcome_advantage
  L267-330 vectorized per group, kl_penalty low_var_kl L1867-1902, compute_policy_loss_vanilla L1160-1250 with the
  dual clip c = 3, agg_loss token-mean), with the analytic gradient of the loss w.r.t. log pi (numpy has no
  autograd) - against `infalign bench ctrl-step --preset verl-grpo`.
- TRL's GRPO stage in torch on the CPU (TRL f2cd577, trl/trainer/grpo_trainer.py: advantages L2685-2730,
  _compute_loss L2990-3110 with the defaults: scale_rewards="group", epsilon 0.2, beta 0, loss_type "dapo"),
  gradient by autograd (loss.backward()) - against `infalign bench ctrl-step --preset trl-grpo`.

Every contender computes the same outputs from the same shapes (groups x G rewards, policy, reference and old
log-probs): advantages, the per-sample KL estimate (verl), the loss and its gradient. Throughput in GB/s counts
the bytes the step must touch: 4 inputs read and 3 outputs written per sample. The machine's bandwidth is
measured by a large numpy copy.

Run: .venv/bin/python Benchmarks/compare/compare_ctrl.py --binary .build/release/infalign
(the venv needs numpy and torch==2.13.0+cpu).
"""
import argparse
import json
import os
import statistics
import subprocess
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np  # noqa: E402

try:
    import torch  # noqa: E402

    torch.set_num_threads(1)
except ImportError:  # the torch column is skipped
    torch = None


def median_time(fn, repeats):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def verl_grpo_numpy(rewards, lp, ref, old, eps=1e-6, clip=0.2, c=3.0, kl_coef=0.001):
    """verl's GRPO stage: advantages, low_var_kl, the dual-clip PPO loss (token-mean) and d loss / d log pi."""
    mean = rewards.mean(axis=1, keepdims=True)
    std = rewards.std(axis=1, ddof=1, keepdims=True)
    adv = (rewards - mean) / (std + eps)
    # kl_penalty low_var_kl, with its gradient (clamps pass the gradient on their closed intervals).
    kl = np.clip(ref - lp, -20, 20)
    e = np.exp(kl)
    kld_raw = e - kl - 1
    kld = np.clip(kld_raw, -10, 10)
    dkld = np.where((np.abs(ref - lp) <= 20) & (np.abs(kld_raw) <= 10), 1 - e, 0.0)
    # compute_policy_loss_vanilla
    nak = lp - old
    nakc = np.clip(nak, -20, 20)
    ratio = np.exp(nakc)
    pg1 = -adv * ratio
    clipped_ratio = np.clip(ratio, 1 - clip, 1 + clip)
    pg2 = -adv * clipped_ratio
    clip1 = np.maximum(pg1, pg2)
    pg3 = -adv * c
    clip2 = np.minimum(pg3, clip1)
    pg = np.where(adv < 0, clip2, clip1)
    n = adv.size
    loss = pg.mean() + kl_coef * kld.mean()
    inside = (ratio >= 1 - clip) & (ratio <= 1 + clip)
    g1 = -adv * ratio
    g_clip1 = np.where(pg1 > pg2, g1, np.where(pg2 > pg1, np.where(inside, g1, 0.0), g1))
    g = np.where((adv < 0) & (pg3 < clip1), 0.0, g_clip1) * (np.abs(nak) <= 20)
    grad = (g + kl_coef * dkld) / n
    return adv, kld, loss, grad


def trl_grpo_torch(rewards, lp, old, g, eps=0.2):
    """TRL's GRPO stage on one process: group advantages (Bessel std + 1e-4), the clipped surrogate per token
    (one token per sample here), the dapo loss, and the gradient by autograd."""
    grouped = rewards.view(-1, g)
    mean = grouped.mean(dim=1).repeat_interleave(g)
    std = grouped.std(dim=1).repeat_interleave(g)
    advantages = ((rewards - mean) / (std + 1e-4)).unsqueeze(1)
    logps = lp.detach().clone().requires_grad_(True)
    coef_1 = torch.exp(logps - old)
    coef_2 = torch.clamp(coef_1, 1 - eps, 1 + eps)
    per_token_loss = -torch.min(coef_1 * advantages, coef_2 * advantages)
    mask = torch.ones_like(per_token_loss)
    loss = (per_token_loss * mask).sum() / mask.sum().clamp(min=1.0)
    loss.backward()
    return advantages, loss, logps.grad


def swift(binary, preset, dtype, groups, g, repeats):
    out = subprocess.run(
        [binary, "bench", "ctrl-step", "--preset", preset, "--dtype", dtype, "--groups", str(groups), "--group-size",
         str(g), "--threads", "1", "--repeats", str(repeats)],
        check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=".build/release/infalign")
    parser.add_argument("--groups", type=int, default=65536)
    parser.add_argument("--group-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    b, g = args.groups, args.group_size
    n = b * g
    rng = np.random.default_rng(1)
    big = np.ones(32 * 1024 * 1024)
    dst = np.empty_like(big)
    copy = median_time(lambda: np.copyto(dst, big), 5)
    bandwidth = 2 * big.nbytes / copy / 1e9
    print(f"memory bandwidth (numpy copy, read + write): {bandwidth:.1f} GB/s; {b} groups x {g}, one thread")
    print(f"{'stage':<34}{'dtype':<8}{'ms':>9}{'GB/s':>8}{'ours ms':>10}{'GB/s':>8}{'speed-up':>10}  isa")
    for dtype, np_type, size in [("double", np.float64, 8), ("float", np.float32, 4)]:
        bytes_touched = 7 * n * size
        rewards = rng.integers(0, 2, size=(b, g)).astype(np_type)
        lp = (rng.standard_normal((b, g)) - 5).astype(np_type)
        ref = (rng.standard_normal((b, g)) - 5).astype(np_type)
        old = (lp - 0.3 * rng.standard_normal((b, g))).astype(np_type)
        t_np = median_time(lambda: verl_grpo_numpy(rewards, lp, ref, old), args.repeats)
        ours = swift(args.binary, "verl-grpo", dtype, b, g, args.repeats)
        t_ours = ours["median_s"]
        print(f"{'verl GRPO stage (numpy port)':<34}{dtype:<8}{t_np * 1e3:9.2f}{bytes_touched / t_np / 1e9:8.2f}"
              f"{t_ours * 1e3:10.2f}{bytes_touched / t_ours / 1e9:8.2f}{t_np / t_ours:9.2f}x  {ours['isa']}")
        if torch is not None:
            tt = torch.float64 if dtype == "double" else torch.float32
            r_t = torch.from_numpy(rewards.reshape(-1)).to(tt)
            lp_t = torch.from_numpy(lp.reshape(-1, 1)).to(tt)
            old_t = torch.from_numpy(old.reshape(-1, 1)).to(tt)
            t_torch = median_time(lambda: trl_grpo_torch(r_t, lp_t, old_t, g), args.repeats)
            ours = swift(args.binary, "trl-grpo", dtype, b, g, args.repeats)
            t_ours = ours["median_s"]
            print(f"{'TRL GRPO stage (torch CPU)':<34}{dtype:<8}{t_torch * 1e3:9.2f}"
                  f"{bytes_touched / t_torch / 1e9:8.2f}{t_ours * 1e3:10.2f}{bytes_touched / t_ours / 1e9:8.2f}"
                  f"{t_torch / t_ours:9.2f}x  {ours['isa']}")


if __name__ == "__main__":
    main()
