#!/usr/bin/env python3
"""The CTRL step against the installed verl's own GRPO stage (verl 0.9.1, torch on the CPU), side by side, one thread.

verl's stage, called as its trainer and actor call it (python/peer_tests/test_verl_conformance.py):
``compute_grpo_vectorized_outcome_advantage`` (verl 0.9.1's vectorized GRPO estimator; the per-sample loop
``compute_grpo_outcome_advantage`` is timed once too, with --loop-estimator), ``kl_penalty(..., "low_var_kl")``
aggregated by ``agg_loss`` token-mean times 0.001, the ``vanilla`` policy loss from verl's registry (dual clip
c = 3, clip 0.2/0.2, ``ActorConfig``), ``agg_loss`` token-mean, then ``loss.backward()`` for d loss / d log pi.
The group ids are int64 (verl's fast path of ``as_torch_index``; a trainer's uuid strings would add np.unique).

Against it: ``infalign.ctrl_step(..., preset="verl-grpo")`` from Python with ``out=`` reuse, requesting only
advantages and loss_gradient, and ``infalign bench ctrl-step --preset verl-grpo`` (no Python; writes k3 too).
Sequence level: groups x G sequences of one token. Token level: groups x G x T tokens with random lengths (mask).
Both sides are checked to agree on one batch of each shape before timing. The bandwidth bound is the bytes the
step must read and write (rewards, log pi, log ref, log old, mask in; advantages and the gradient out) over the
machine's copy bandwidth (a 256 MiB numpy copy, read + write counted).

Run: OMP_NUM_THREADS=1 .venv-examples/bin/python Benchmarks/compare/compare_verl.py --json /tmp/verl.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "INFALIGN_NUM_THREADS"):
    os.environ[_v] = "1"
import numpy as np  # noqa: E402

import infalign  # noqa: E402
from compare_ctrl import median_time  # noqa: E402  (one warm-up call, then the median of `repeats`)

infalign.set_thread_count(1)
OURS = ("advantages", "loss_gradient")



def make_batch(groups, g, tokens, np_type, seed=1):
    """rewards (groups, g); lp, ref, old (groups, g, tokens); mask (lengths 1..tokens; all ones at tokens = 1)."""
    rng = np.random.default_rng(seed)
    shape = (groups, g, tokens)
    rewards = rng.standard_normal((groups, g)).astype(np_type)
    lp = (rng.standard_normal(shape) - 5).astype(np_type)
    ref = (lp + 0.3 * rng.standard_normal(shape)).astype(np_type)
    old = (lp - 0.3 * rng.standard_normal(shape)).astype(np_type)
    lengths = rng.integers(1, tokens + 1, size=(groups, g))
    mask = np.arange(tokens)[None, None, :] < lengths[:, :, None]
    return rewards, lp, ref, old, mask


class Verl:
    """verl's GRPO stage on (bs, T) tensors in verl's layout, the inputs made once."""

    def __init__(self, rewards, lp, ref, old, mask, loop=False):
        import torch
        from verl.trainer.ppo import core_algos
        from verl.workers import config as verl_config

        torch.set_num_threads(1)
        self.torch, self.core = torch, core_algos
        groups, g, t = lp.shape
        rows = lambda x: torch.from_numpy(np.ascontiguousarray(x.reshape(groups * g, t)))  # noqa: E731
        self.lp, self.ref, self.old = rows(lp), rows(ref), rows(old)
        self.mask = rows(mask.astype(lp.dtype))
        lengths = mask.reshape(groups * g, t).sum(axis=1)
        scores = np.zeros((groups * g, t), dtype=lp.dtype)
        scores[np.arange(groups * g), lengths - 1] = rewards.reshape(-1)  # the reward on the last valid token
        self.scores = torch.from_numpy(scores)
        self.index = np.repeat(np.arange(groups, dtype=np.int64), g)
        self.config = verl_config.ActorConfig(strategy="fsdp", ppo_micro_batch_size_per_gpu=1, clip_ratio_low=0.2,
                                              clip_ratio_high=0.2, rollout_n=1)
        self.policy_loss = core_algos.get_policy_loss_fn("vanilla")
        self.estimator = (core_algos.compute_grpo_outcome_advantage if loop
                          else core_algos.compute_grpo_vectorized_outcome_advantage)

    def step(self):
        c = self.core
        adv, _ = self.estimator(token_level_rewards=self.scores, response_mask=self.mask, index=self.index,
                                epsilon=1e-6, norm_adv_by_std_in_grpo=True)
        lp = self.lp.detach().requires_grad_(True)
        pg, _ = self.policy_loss(old_log_prob=self.old, log_prob=lp, advantages=adv, response_mask=self.mask,
                                 loss_agg_mode="token-mean", config=self.config, rollout_is_weights=None)
        kld = c.kl_penalty(logprob=lp, ref_logprob=self.ref, kl_penalty="low_var_kl")
        kl = c.agg_loss(loss_mat=kld, loss_mask=self.mask, loss_agg_mode="token-mean", **self.config.global_batch_info)
        loss = pg + kl * 0.001
        loss.backward()
        return adv, loss, lp.grad


class Ours:
    """ctrl_step from Python with out= reuse (sequence level when tokens = 1, else the token level with the mask)."""

    def __init__(self, rewards, lp, ref, old, mask):
        self.tokens = lp.shape[-1] > 1
        if self.tokens:
            self.args, self.mask = (rewards, lp, ref, old), mask
        else:
            self.args, self.mask = (rewards, lp[..., 0].copy(), ref[..., 0].copy(), old[..., 0].copy()), None
        self.out = infalign.ctrl_step(*self.args, mask=self.mask, preset="verl-grpo", outputs=OURS)

    def step(self):
        return infalign.ctrl_step(*self.args, mask=self.mask, preset="verl-grpo", outputs=OURS, out=self.out)


def check_same(verl, ours, mask, dtype):
    """Advantages, loss and gradient of both sides on this batch; verl's vectorized estimator keeps its group
    statistics in float32, hence the tolerance in float64 (the loop estimator agrees to 1e-12, see the tests)."""
    adv, loss, grad = verl.step()
    r = ours.step()
    tol = 2e-6 if dtype == "double" else 2e-4
    shape = mask.shape
    a_ours = r.advantages[..., None] * mask
    g_ours = r.loss_gradient.reshape(shape)
    a_verl, g_verl = adv.detach().numpy().reshape(shape), grad.numpy().reshape(shape)
    g_diff = np.abs(g_ours - g_verl) / np.max(np.abs(g_verl))
    # In float32 a ratio within rounding of a clip edge (1 - 0.2, 1 + 0.2) may be clipped on one side and not on the
    # other (2 of 4.2M tokens here, at r = 0.79999998): their gradients differ by the whole term. Such tokens are
    # set aside, the rest must agree.
    lp, old = (verl.lp.numpy().astype(np.float64).reshape(shape), verl.old.numpy().astype(np.float64).reshape(shape))
    ratio = np.exp(lp - old)
    edge = (np.abs(ratio - 0.8) < 1e-6) | (np.abs(ratio - 1.2) < 1e-6)
    diffs = {"advantages": float(np.max(np.abs(a_ours - a_verl)) / max(1.0, np.max(np.abs(a_verl)))),
             "gradient": float(np.max(np.where(edge, 0.0, g_diff))),
             "loss": abs(r.summary.loss - loss.item()) / max(1.0, abs(loss.item())),
             }
    flipped = int((edge & (g_diff > tol)).sum())
    assert all(v <= tol for v in diffs.values()) and flipped <= 1e-5 * mask.sum(), \
        f"{dtype}: ours and verl differ: {diffs}, {flipped} clip-edge tokens (tolerance {tol})"
    diffs["clip-edge tokens"] = flipped
    return diffs


def cli(binary, dtype, groups, g, repeats, env=None):
    out = subprocess.run([binary, "bench", "ctrl-step", "--preset", "verl-grpo", "--dtype", dtype, "--groups",
                          str(groups), "--group-size", str(g), "--threads", "1", "--repeats", str(repeats)],
                         check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(out)


def bandwidth():
    big = np.ones(32 * 1024 * 1024)
    dst = np.empty_like(big)
    return 2 * big.nbytes / median_time(lambda: np.copyto(dst, big), 7) / 1e9


def step_bytes(groups, g, tokens, size):
    """Read: rewards, lp, ref, old (+ the bool mask at the token level); written: advantages and the gradient."""
    n, nt = groups * g, groups * g * tokens
    return 2 * n * size + 4 * nt * size + (nt if tokens > 1 else 0)


def ours_only(args):
    """Python ctrl_step medians only (for a run under INFALIGN_SIMD=...)."""
    res = {}
    for dtype, np_type in (("double", np.float64), ("float", np.float32)):
        for level, (b, t) in (("seq", (args.groups, 1)), ("tok", (args.token_groups, args.tokens))):
            o = Ours(*make_batch(b, args.group_size, t, np_type))
            res[f"{level}-{dtype}"] = median_time(o.step, args.repeats)
            del o
    return res


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--binary", default=".build/release/infalign")
    p.add_argument("--groups", type=int, default=65536)
    p.add_argument("--group-size", type=int, default=16)
    p.add_argument("--token-groups", type=int, default=4096)
    p.add_argument("--tokens", type=int, default=128)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--rounds", type=int, default=2, help="interleaved rounds of every contender")
    p.add_argument("--simd", default="avx2", help="also time our side capped at this INFALIGN_SIMD level ('' skips)")
    p.add_argument("--loop-estimator", action="store_true", help="also time verl's per-sample GRPO loop (once)")
    p.add_argument("--json")
    p.add_argument("--ours-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.ours_only:
        print(json.dumps(ours_only(args)))
        return
    import torch
    import verl

    g, bw = args.group_size, bandwidth()
    isa = cli(args.binary, "double", 64, g, 1)["isa"]
    print(f"verl {verl.__version__}, torch {torch.__version__}, one thread; copy bandwidth {bw:.1f} GB/s; isa {isa}")
    shapes = {"seq": (args.groups, 1), "tok": (args.token_groups, args.tokens)}
    rounds = {}
    checks = {}
    for rnd in range(args.rounds):
        for dtype, np_type in (("double", np.float64), ("float", np.float32)):
            for level, (b, t) in shapes.items():
                batch = make_batch(b, g, t, np_type)
                verl_side, ours = Verl(*batch), Ours(*batch)
                if rnd == 0:
                    checks[f"{level}-{dtype}"] = check_same(verl_side, ours, batch[4], dtype)
                key = f"{level}-{dtype}"
                r = rounds.setdefault(key, {"verl": [], "python": [], "cli": []})
                r["verl"].append(median_time(verl_side.step, args.repeats))
                r["python"].append(median_time(ours.step, args.repeats))
                if level == "seq":
                    r["cli"].append(cli(args.binary, dtype, b, g, args.repeats)["median_s"])
                del verl_side, ours, batch
    extra = {}
    if args.loop_estimator:  # one call: it loops over every sample in Python
        v = Verl(*make_batch(args.groups, g, 1, np.float64), loop=True)
        t = time.perf_counter()
        v.step()
        extra["verl loop estimator seq-double (1 call)"] = time.perf_counter() - t
    if args.simd:
        env = dict(os.environ, INFALIGN_SIMD=args.simd)
        cmd = [sys.executable, __file__, "--ours-only", "--groups", str(args.groups), "--group-size", str(g),
               "--token-groups", str(args.token_groups), "--tokens", str(args.tokens), "--repeats", str(args.repeats)]
        capped = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
        for k, v in capped.items():
            extra[f"python {k} at {args.simd}"] = v
        for dtype in ("double", "float"):
            capped_cli = cli(args.binary, dtype, args.groups, g, args.repeats, env)
            extra[f"cli seq-{dtype} at {args.simd}"] = capped_cli["median_s"]

    rows = []
    print("\n| step | dtype | verl 0.9.1 (ms) | ctrl_step Python (ms) | CLI bench (ms) | verl / Python | verl / CLI "
          "| bandwidth bound (ms) | Python / bound | rounds (verl; Python) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
    for key, r in rounds.items():
        level, dtype = key.split("-")
        b, t = shapes[level]
        size = 8 if dtype == "double" else 4
        bound = step_bytes(b, g, t, size) / (bw * 1e9)
        med = {k: statistics.median(v) if v else None for k, v in r.items()}
        row = dict(step=key, shape=[b, g, t], **{f"{k}_s": v for k, v in med.items()}, rounds=r, bound_s=bound,
                   bytes=step_bytes(b, g, t, size), speedup_python=med["verl"] / med["python"],
                   speedup_cli=med["verl"] / med["cli"] if med["cli"] else None, over_bound=med["python"] / bound,
                   check=checks[key])
        rows.append(row)
        name = f"{b} x {g}" + (f" x {t} tokens, masked" if t > 1 else " sequences")
        cli_ms = f"{med['cli'] * 1e3:.2f}" if med["cli"] else "-"
        cli_x = f"{row['speedup_cli']:.1f}x" if med["cli"] else "-"
        per_round = "; ".join(f"{a * 1e3:.1f} / {c * 1e3:.1f}" for a, c in zip(r["verl"], r["python"]))
        print(f"| {name} | {dtype} | {med['verl'] * 1e3:.1f} | {med['python'] * 1e3:.2f} | {cli_ms} | "
              f"{row['speedup_python']:.1f}x | {cli_x} | {bound * 1e3:.2f} | {row['over_bound']:.2f}x | {per_round} |")
    for k, v in extra.items():
        print(f"{k}: {v * 1e3:.2f} ms")
    print("agreement (max relative difference, on one batch):",
          json.dumps({k: {n: f"{x:.1e}" for n, x in v.items()} for k, v in checks.items()}))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(verl=verl.__version__, torch=torch.__version__, isa=isa, bandwidth_gbs=bw,
                           repeats=args.repeats, rows=rows, extra_s=extra), f, indent=1)


if __name__ == "__main__":
    main()
