#!/usr/bin/env bash
# Every side-by-side comparison of docs/PERFORMANCE.md in one run, one after the other on the same machine, so
# the numbers in that file come from one sitting. Prints markdown-ready output; nothing here gates CI.
#
#   Benchmarks/compare/run_all.sh [PYTHON] [FILES_DIR]
#
# PYTHON: an interpreter with numpy and torch==2.13.0+cpu (default .venv/bin/python; with verl 0.9.1 importable,
# compare_verl.py runs against verl's own code, else it is skipped). FILES_DIR holds the reward
# files (made here when missing: 1M prompts of JSONL and CSV, and one 50 MB JSONL line; ~700 MB in all).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${1:-.venv/bin/python}
FILES=${2:-/tmp/infalign-files}
BIN=.build/release/infalign

swift build -c release --product infalign >/dev/null
mkdir -p "$FILES"
[ -s "$FILES/r.jsonl" ] && [ -s "$FILES/r.csv" ] || \
  "$PY" Benchmarks/compare/make_reward_files.py --prompts 1000000 --jsonl "$FILES/r.jsonl" --csv "$FILES/r.csv"
[ -s "$FILES/long.jsonl" ] || "$PY" Benchmarks/compare/make_reward_files.py --long-line 50 --jsonl "$FILES/long.jsonl"

section() { printf '\n## %s\n\n' "$1"; }

section "Machine"
date -u '+%Y-%m-%d %H:%M UTC'
uptime
"$BIN" doctor

section "CTRL step against verl (numpy port) and TRL (torch CPU), one thread"
"$PY" Benchmarks/compare/compare_ctrl.py --binary "$BIN"

section "CTRL step against the installed verl's own GRPO stage (torch CPU), one thread"
if "$PY" -c 'import torch, verl' 2>/dev/null; then
  swift build -c release --product InfAlignC >/dev/null
  PYTHONPATH=python "$PY" Benchmarks/compare/compare_verl.py --binary "$BIN" --json "$FILES/compare_verl.json"
else
  echo "skipped: $PY cannot import torch and verl (pip install torch==2.13.0+cpu and verl==0.9.1 --no-deps)"
fi

section "Threads: 1 against 2, and GEMM against numpy"
"$PY" Benchmarks/compare/compare_threads.py --binary "$BIN"

section "Reward files: infalign calibrate against a naive Python loop"
"$PY" Benchmarks/compare/compare_files.py --binary "$BIN" --jsonl "$FILES/r.jsonl" --csv "$FILES/r.csv" \
  --long-line "$FILES/long.jsonl"

section "Optimal transform: the tuning table (default grid 1024), CPU seconds"
TIMEFORMAT='tuning-table: %U s user, %R s wall'
time "$BIN" tuning-table >/dev/null

section "Kernels against numpy, one thread"
OPENBLAS_NUM_THREADS=1 "$PY" Benchmarks/compare/compare_numpy.py --binary "$BIN"
