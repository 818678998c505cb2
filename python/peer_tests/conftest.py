"""Conformance of the CTRL step with the peers' installed code (``make peer-test``; never part of ``make test``).

Every module here starts with ``skip_unless_peers()``: it is skipped, with the reason, when torch, omegaconf,
tensordict or verl's ``core_algos`` does not import (a clean machine has none of them; the examples' venv does).
"""

import importlib

import pytest


def _missing() -> str:
    for module in ("torch", "omegaconf", "tensordict", "verl.trainer.ppo.core_algos"):
        try:
            importlib.import_module(module)
        except Exception as error:  # ImportError, or a broken install raising something else
            return f"{module} is not importable here ({type(error).__name__}: {error})"
    return ""


MISSING = _missing()


def skip_unless_peers() -> None:
    """Skips the calling test module (at import) when a peer package is missing, saying which."""
    if MISSING:
        pytest.skip(f"peer conformance tests skipped: {MISSING}", allow_module_level=True)


def pytest_report_header(config):
    if MISSING:
        return f"peers: {MISSING}"
    import torch
    import verl

    return f"peers: verl {verl.__version__}, torch {torch.__version__}"
