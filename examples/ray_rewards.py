"""A reward dataset sharded across a local Ray cluster: calibrated, transformed and evaluated (empirical best-of-N
win rate with a bootstrap interval) with Ray Data's ``map_batches``, then checked against the single-process CLI
on the same data, value for value and bit for bit.

The data (synthetic, deterministic): ``--prompts`` prompts, each with ``--references`` reference rewards and
``--samples`` policy rewards on a per-prompt scale and offset, rounded so ties occur. Written as one JSONL file (for
the CLI), as JSONL shards and Parquet shards (prompt per row), and as long-layout Parquet shards (one row per
sample, grouped by prompt on the cluster).

Run with ``make ray-example`` (Ray in .venv-examples; the cluster is started here, on this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))

import infalign  # noqa: E402


def make_data(prompts, references, samples, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(prompts):
        scale, offset = 10.0 ** rng.uniform(-2, 3), rng.normal(0, 100)
        refs = np.round(offset + scale * rng.normal(size=references), 2)
        policy = np.round(offset + scale * rng.normal(0.4, 1.0, size=samples), 2)
        rows.append({"id": f"p{i:06d}", "reference_rewards": refs.tolist(), "rewards": policy.tolist()})
    return rows


def write_shards(rows, directory: Path, shards: int):
    import pyarrow as pa
    import pyarrow.parquet as pq

    (directory / "jsonl").mkdir(parents=True)
    (directory / "parquet").mkdir()
    (directory / "long").mkdir()
    with open(directory / "all.jsonl", "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    bounds = np.linspace(0, len(rows), shards + 1).astype(int)
    for s in range(shards):
        part = rows[bounds[s]:bounds[s + 1]]
        with open(directory / "jsonl" / f"part-{s:03d}.jsonl", "w") as f:
            for r in part:
                f.write(json.dumps(r) + "\n")
        pq.write_table(pa.Table.from_pylist(part), directory / "parquet" / f"part-{s:03d}.parquet")
        long = [{"id": r["id"], "source": source, "reward": x}
                for r in part for source, key in (("reference", "reference_rewards"), ("policy", "rewards"))
                for x in r[key]]
        pq.write_table(pa.Table.from_pylist(long), directory / "long" / f"part-{s:03d}.parquet")
    return [str(directory / "jsonl" / f"part-{s:03d}.jsonl") for s in range(shards)], \
        [str(directory / "parquet" / f"part-{s:03d}.parquet") for s in range(shards)], \
        [str(directory / "long" / f"part-{s:03d}.parquet") for s in range(shards)]


def cli_path():
    given = os.environ.get("INFALIGN_CLI")
    if given:
        return given
    for config in ("release", "debug"):
        path = REPO / ".build" / config / "infalign"
        if path.is_file():
            return str(path)
    raise SystemExit("the infalign CLI is not built: swift build -c release --product infalign")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=20000)
    parser.add_argument("--references", type=int, default=64)
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--shards", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="CPUs of the local Ray cluster")
    parser.add_argument("--transform", default="exp:4")
    parser.add_argument("--procedure", default="bon:4")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    import logging

    import ray

    import infalign.ray as iray

    logging.getLogger("ray").setLevel(logging.WARNING)
    logging.getLogger("ray.data").setLevel(logging.WARNING)

    cli = cli_path()
    result = {}
    with tempfile.TemporaryDirectory(prefix="infalign-ray-") as tmp:
        tmp = Path(tmp)
        rows = make_data(args.prompts, args.references, args.samples, args.seed)
        jsonl, parquet, long = write_shards(rows, tmp, args.shards)
        print(f"data: {args.prompts} prompts × ({args.references} references + {args.samples} samples) in "
              f"{args.shards} JSONL, Parquet and long-layout Parquet shards", flush=True)

        # The single-process CLI on the same data.
        start = time.perf_counter()
        subprocess.run([cli, "calibrate", "--input", tmp / "all.jsonl", "--output", tmp / "cli.jsonl", "--transform",
                        args.transform], check=True, capture_output=True)
        cli_calibrate_seconds = time.perf_counter() - start
        expected = {}
        with open(tmp / "cli.jsonl") as f:
            for line in f:
                r = json.loads(line)
                expected[r["id"]] = (np.array(r["calibrated"]), np.array(r["transformed"]))
        start = time.perf_counter()
        cli_win = json.loads(subprocess.run(
            [cli, "winrate", "--input", tmp / "all.jsonl", "--procedure", args.procedure, "--bootstrap",
             str(args.resamples), "--seed", str(args.seed), "--format", "json"],
            check=True, capture_output=True, text=True).stdout)
        cli_winrate_seconds = time.perf_counter() - start

        env = {k: os.environ[k] for k in ("INFALIGN_LIBRARY", "INFALIGN_NUM_THREADS") if k in os.environ}
        env["PYTHONPATH"] = str(REPO / "python") + os.pathsep + os.environ.get("PYTHONPATH", "")
        ray.init(num_cpus=args.workers, include_dashboard=False, log_to_driver=False,
                 runtime_env={"env_vars": env})
        ray.data.DataContext.get_current().enable_progress_bars = False
        try:
            print(f"ray {ray.__version__}: local cluster with {int(ray.cluster_resources().get('CPU', 0))} CPUs",
                  flush=True)
            for name, source in (("jsonl", jsonl), ("parquet", parquet), ("long parquet", long)):
                start = time.perf_counter()
                ds = iray.read_rewards(source)
                if name == "long parquet":
                    ds = iray.group_samples(ds)
                out = iray.calibrate_dataset(ds, transform=args.transform).take_all()
                wall = time.perf_counter() - start
                same = sum(1 for r in out if np.array_equal(np.asarray(r["calibrated"]), expected[r["id"]][0])
                           and np.array_equal(np.asarray(r["transformed"]), expected[r["id"]][1])
                           and np.asarray(r["calibrated"]).tobytes() == expected[r["id"]][0].tobytes()
                           and np.asarray(r["transformed"]).tobytes() == expected[r["id"]][1].tobytes())
                samples = int(sum(r["samples"] for r in out))
                compute = float(sum(r["compute_seconds"] for r in out))
                print(f"calibrate ({name} shards): {len(out)} prompts, {same} identical to the CLI bit for bit; "
                      f"per worker {len(out) / compute:,.0f} prompts/s = {samples / compute:,.0f} samples/s "
                      f"against {args.references} references each (library time {compute:.3f} s; wall {wall:.2f} s)",
                      flush=True)
                result[f"calibrate_{name.replace(' ', '_')}"] = {"prompts": len(out), "identical": same,
                                                                  "prompts_per_second_per_worker": len(out) / compute,
                                                                  "samples_per_second_per_worker": samples / compute,
                                                                  "wall_seconds": wall}
                if same != args.prompts:
                    raise SystemExit(f"{args.prompts - same} prompts differ from the CLI")

            start = time.perf_counter()
            win = iray.win_rate_dataset(iray.read_rewards(parquet), args.procedure, resamples=args.resamples,
                                        seed=args.seed)
            wall = time.perf_counter() - start
            ours = {"win_rate": win.estimate, "ci_low": win.lower, "ci_high": win.upper,
                    "standard_error": win.standard_error}
            theirs = {k: cli_win[k] for k in ours}
            print(f"win rate {args.procedure} (parquet shards): {win.estimate!r} [{win.lower!r}, {win.upper!r}] "
                  f"(level {win.level}, {win.resamples} resamples), wall {wall:.2f} s", flush=True)
            print(f"CLI winrate on all.jsonl:            {theirs['win_rate']!r} [{theirs['ci_low']!r}, "
                  f"{theirs['ci_high']!r}]; identical: {ours == theirs}", flush=True)
            print(f"single-process CLI: calibrate {cli_calibrate_seconds:.2f} s, winrate {cli_winrate_seconds:.2f} s "
                  "(including JSON parsing and writing)", flush=True)
            result["win_rate"] = {"ray": ours, "cli": theirs, "identical": ours == theirs}
            if ours != theirs:
                raise SystemExit("the win rate differs from the CLI")
        finally:
            ray.shutdown()
    print("RESULT " + json.dumps(result))


if __name__ == "__main__":
    main()
