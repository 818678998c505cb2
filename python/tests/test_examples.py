"""The examples, run when their optional dependencies are importable (make trl-example / make ray-example install
them into .venv-examples); skipped, saying why, otherwise. CI installs none of them."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _result(stdout: str):
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, stdout[-2000:]
    return json.loads(lines[-1][len("RESULT "):])


def test_trl_grpo_example_takes_real_optimizer_steps(tmp_path):
    for module in ("torch", "trl", "transformers"):
        pytest.importorskip(module, reason=f"{module} is not installed (make trl-example installs it)")
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    run = subprocess.run([sys.executable, str(EXAMPLES / "trl_grpo_ctrl.py"), "--steps", "2", "--output-dir",
                          str(tmp_path)], capture_output=True, text=True, env=env, timeout=900)
    assert run.returncode == 0, run.stderr[-4000:]
    result = _result(run.stdout)
    for mode in ("reward", "advantage"):
        assert result[mode]["steps"] == 2
        assert all(abs(row["loss"]) < 1e6 and row["calibrated"] is not None for row in result[mode]["log"])


def test_ray_example_equals_the_cli():
    pytest.importorskip("ray", reason="ray is not installed (make ray-example installs it)")
    pytest.importorskip("pyarrow", reason="pyarrow is not installed (make ray-example installs it)")
    from conftest import _cli

    cli = _cli()
    if cli is None:
        pytest.skip("the infalign CLI is not built")
    env = dict(os.environ, INFALIGN_CLI=str(cli))
    run = subprocess.run([sys.executable, str(EXAMPLES / "ray_rewards.py"), "--prompts", "300", "--shards", "3",
                          "--workers", "1", "--resamples", "200"], capture_output=True, text=True, env=env,
                         timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    result = _result(run.stdout)
    assert result["win_rate"]["identical"]
    for layout in ("jsonl", "parquet", "long_parquet"):
        assert result[f"calibrate_{layout}"]["identical"] == 300
