"""Shared fixtures: the `infalign` CLI built from the same sources (for bit-for-bit comparisons with the Swift
library) and float32/float64 parametrization (a test body written once runs for both)."""

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]


def _cli():
    given = os.environ.get("INFALIGN_CLI")
    if given:
        return Path(given)
    for config in ("debug", "release"):
        path = REPO / ".build" / config / "infalign"
        if path.is_file():
            return path
    return None


@pytest.fixture(scope="session")
def cli():
    """Runs the CLI and returns its stdout; skips (saying why) when it has not been built."""
    path = _cli()
    if path is None:
        pytest.skip("the infalign CLI is not built (swift build --product infalign); make test builds it")

    def run(*args, parse_json=False):
        out = subprocess.run([str(path), *map(str, args)], check=True, capture_output=True, text=True).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()] if parse_json else out

    return run


@pytest.fixture(params=[np.float32, np.float64], ids=["float32", "float64"])
def dtype(request):
    return np.dtype(request.param)


def bits_equal(a, b):
    """Equal to the last bit (NaNs with the same payload count as equal)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    return a.tobytes() == b.tobytes()
