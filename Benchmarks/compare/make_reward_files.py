#!/usr/bin/env python3
"""Synthetic reward files for `infalign calibrate` / `winrate` at scale (issue 13, files).

JSONL: one prompt per line, {"id": "p0000001", "reference_rewards": [M values], "rewards": [K values]}, values
with 6 decimals (~210 bytes a prompt at M=12, K=4: 1M prompts ~ 210 MB). CSV: long form id,source,reward, one
row per sample (~28 bytes a row: 1M prompts x 16 rows ~ 460 MB). --long-line writes one JSONL line holding a
single prompt with that many MB of reference rewards (the linear-time check).

    python3 make_reward_files.py --prompts 1000000 --jsonl big.jsonl --csv big.csv
    python3 make_reward_files.py --long-line 50 --jsonl long.jsonl
"""
import argparse
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prompts", type=int, default=100_000)
    ap.add_argument("--references", type=int, default=12)
    ap.add_argument("--rewards", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jsonl")
    ap.add_argument("--csv")
    ap.add_argument("--long-line", type=float, help="MB of one single-prompt JSONL line (writes --jsonl only)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    if args.long_line:
        target = int(args.long_line * 1e6)
        with open(args.jsonl, "w") as f:
            f.write('{"id": "long", "rewards": [0.5, 0.25], "reference_rewards": [')
            written, first = 0, True
            while written < target:
                chunk = ",".join(f"{rng.random():.6f}" for _ in range(10000))
                f.write(chunk if first else "," + chunk)
                first = False
                written += len(chunk) + 1
            f.write("]}\n")
        return
    jsonl = open(args.jsonl, "w") if args.jsonl else None
    csv = open(args.csv, "w") if args.csv else None
    if csv:
        csv.write("id,source,reward\n")
    for p in range(args.prompts):
        pid = f"p{p:07d}"
        refs = [f"{rng.gauss(0, 1):.6f}" for _ in range(args.references)]
        pols = [f"{rng.gauss(0.3, 1):.6f}" for _ in range(args.rewards)]
        if jsonl:
            jsonl.write(f'{{"id": "{pid}", "reference_rewards": [{", ".join(refs)}], "rewards": [{", ".join(pols)}]}}\n')
        if csv:
            csv.write("".join(f"{pid},reference,{r}\n" for r in refs))
            csv.write("".join(f"{pid},policy,{r}\n" for r in pols))
    for f in (jsonl, csv):
        if f:
            f.close()


if __name__ == "__main__":
    main()
