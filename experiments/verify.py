"""Recomputes every win rate in ``summary.json`` from its JSONL file with the ``infalign winrate`` command and checks
that estimate and interval agree to the last bit; then checks that the matched comparisons' files exist.

    python -m experiments.verify [--results DIR] [--cli PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))


def recompute(cli: str, path: str, procedure: str) -> dict:
    out = subprocess.run([cli, "winrate", "--input", path, "--procedure", procedure, "--format", "json"],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--results", default=os.path.join(HERE, "results"))
    parser.add_argument("--cli", default=os.environ.get("INFALIGN_CLI", os.path.join(HERE, "..", ".build", "release",
                                                                                    "infalign")))
    args = parser.parse_args(argv)
    with open(os.path.join(args.results, "summary.json")) as f:
        summary = json.load(f)
    tasks = [(r, proc) for r in summary["checkpoints"] for proc in r["win_rates"]]

    def check(task):
        r, proc = task
        got = recompute(args.cli, os.path.join(args.results, r["file"]), proc)
        want = r["win_rates"][proc]
        same = (got["win_rate"], got["ci_low"], got["ci_high"]) == (want["estimate"], want["lower"], want["upper"])
        return None if same else f"{r['file']} {proc}: summary {want}, infalign winrate {got}"

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        failures = [m for m in pool.map(check, tasks) if m]
    for m in failures[:20]:
        print("MISMATCH", m)
    print(f"verify: {len(tasks) - len(failures)} of {len(tasks)} win rates (estimate and 95% interval) equal "
          f"`infalign winrate` on the saved files")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
