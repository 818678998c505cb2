"""The training experiment's smoke (experiments/, ``make experiment-smoke``): π_ref by SFT, four GRPO arms and one
distillation arm for a few steps, evaluation, the report with its plots, and every win rate recomputed by ``infalign winrate``. Skipped, saying
why, where torch, trl or matplotlib cannot be imported (``make test`` never installs them; ``make experiment-smoke``
runs this test in the examples' virtual environment)."""

import importlib.util
import json
import os
import subprocess
import sys

import pytest

from conftest import REPO, _cli

MISSING = [m for m in ("torch", "trl", "transformers", "datasets", "matplotlib") if importlib.util.find_spec(m) is None]


@pytest.mark.skipif(bool(MISSING), reason=f"the experiment needs {', '.join(MISSING)} (make experiment-smoke "
                                          "installs them into .venv-examples)")
def test_experiment_smoke(tmp_path):
    cli = _cli()
    if cli is None:
        pytest.skip("the infalign CLI is not built")
    env = dict(os.environ, PYTHONPATH=f"{REPO}{os.pathsep}{REPO / 'python'}", INFALIGN_CLI=str(cli))
    results, docs = tmp_path / "results", tmp_path / "docs"

    def run(*args):
        return subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, check=True, capture_output=True,
                              text=True, timeout=600).stdout

    run("experiments.run", "--smoke", "--results", str(results))
    summary = json.loads((results / "summary.json").read_text())
    arms = {r["arm"] for r in summary["checkpoints"]}
    assert arms == {"raw", "calibrated", "ctrl-bon", "ctrl-won", "distill-bon"}
    for r in summary["checkpoints"]:
        assert r["kl"] == r["kl"] and r["kl_se"] >= 0  # finite KL with a standard error
        rows = [json.loads(line) for line in (results / r["file"]).read_text().splitlines()]
        assert rows and all(len(x["rewards"]) == summary["config"]["policy_samples"] for x in rows)
        for w in r["win_rates"].values():
            assert w["lower"] <= w["estimate"] <= w["upper"]
    report = run("experiments.report", "--results", str(results), "--docs", str(docs))
    assert "Matched KL" in report and "Distillation of the exact tilt" in report
    for stem in ("kl_bon4", "kl_won4"):
        assert (docs / "experiments" / f"{stem}.svg").stat().st_size > 0
        assert (docs / "experiments" / f"{stem}.png").stat().st_size > 0
    matched = json.loads((results / "matched.json").read_text())
    assert {(m["arm"], m["baseline"]) for m in matched["main"]} >= {("ctrl-bon", "raw"), ("ctrl-won", "raw")}
    assert [m["arm"] for m in matched["distillation"]] == ["distill-bon"]
    assert "equal `infalign winrate`" in run("experiments.verify", "--results", str(results), "--cli", str(cli))
