"""Fork safety (docs/RELIABILITY.md, "Fork"): after the parent's threaded calls have started the library's worker
threads, processes forked from it (a ``multiprocessing`` fork pool, torch ``DataLoader`` workers) run threaded calls
on threads of their own, with the parent's bits, and the parent keeps working. Each scenario runs in a subprocess
with a timeout, so a hang (a child waiting on workers it does not have) fails that test instead of stalling the
run. POSIX only (``fork``)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import infalign

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork() on this platform")

TIMEOUT = 240  # seconds per scenario: generous for a debug build on a loaded machine

# The data and the threaded calls, shared by the scenarios. Sizes make every call split over the pool at 4 threads
# (calibrate: 4096 prompts of 64 + 64 values; win rates: 4096 prompts of 16 + 16; the CTRL step: 2048 groups).
PRELUDE = """
import os, threading
import numpy as np
import infalign

infalign.set_thread_count(4)
rng = np.random.default_rng(7)
rewards, references = rng.random((4096, 64)), rng.random((4096, 64))
policy, reference = rng.random((4096, 16)), rng.random((4096, 16))
group_rewards = rng.normal(size=(2048, 8))
lp = rng.normal(-2, 0.3, size=(2048, 8))
lr = lp + rng.normal(0, 0.1, size=(2048, 8))

def threads_now():
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return None

def work(_=None):
    step = infalign.ctrl_step(group_rewards, lp, lr, transform="exp:2")
    bits = (infalign.calibrate(rewards, references, smoothing=True).tobytes(),
            infalign.CalibrationTable(references).calibrate(rewards).tobytes(),
            infalign.win_rates(policy, reference, "bon:4").tobytes(),
            step.advantages.tobytes(), step.loss_gradient.tobytes())
    return bits, threads_now()

expected, _ = work()  # starts the worker pool in the parent
"""


def _run(body: str):
    """Runs PRELUDE + body in a fresh interpreter; fails on a non-zero exit or a timeout, showing its output."""
    env = dict(os.environ)
    package = str(Path(infalign.__file__).resolve().parents[1])
    env["PYTHONPATH"] = package + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("INFALIGN_LIBRARY", str(infalign.library_path))
    script = PRELUDE + textwrap.dedent(body) + "\nprint('fork scenario: ok')\n"
    try:
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                              timeout=TIMEOUT)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"hung: no result in {TIMEOUT} s (output so far: {e.stdout!r} {e.stderr!r})")
    assert done.returncode == 0 and "fork scenario: ok" in done.stdout, done.stdout + done.stderr


def test_fork_pool_after_threaded_calls():
    _run("""
    import multiprocessing as mp
    with mp.get_context("fork").Pool(2) as pool:
        results = pool.map(work, range(4))
    for bits, threads in results:
        assert bits == expected, "a forked worker's results differ from the parent's"
        assert threads is None or threads >= 2, f"the child ran inline ({threads} thread): its pool did not restart"
    assert work()[0] == expected, "the parent's results changed after the fork"
    """)


def test_fork_while_another_thread_runs_pooled_jobs():
    """Forks taken while a thread of the parent is inside pooled jobs: the pool's state is copied mid-job."""
    _run("""
    import multiprocessing as mp
    stop, bad = threading.Event(), []
    def loop():
        while not stop.is_set():
            if work()[0] != expected:
                bad.append(1)
    thread = threading.Thread(target=loop)
    thread.start()
    try:
        for _ in range(3):
            with mp.get_context("fork").Pool(2) as pool:
                results = pool.map(work, range(4))
            assert all(bits == expected for bits, _ in results), "a forked worker's results differ"
            assert all(t is None or t >= 2 for _, t in results), "a child ran inline: its pool did not restart"
    finally:
        stop.set()
        thread.join()
    assert not bad, "the parent's background results changed"
    """)


def test_torch_dataloader_fork_workers():
    pytest.importorskip("torch", reason="torch is not installed (make trl-example installs it)")
    _run("""
    import torch
    from torch.utils.data import DataLoader, Dataset

    class Calibrated(Dataset):
        # Each item calibrates a slice of prompts on the library's threads, in a DataLoader worker.
        def __len__(self):
            return 8
        def __getitem__(self, i):
            rows = slice(512 * i, 512 * (i + 1))
            u = infalign.calibrate(rewards[rows], references[rows], smoothing=True)
            return torch.from_numpy(u), threads_now()

    loader = DataLoader(Calibrated(), batch_size=None, num_workers=2, multiprocessing_context="fork")
    items = list(loader)
    got = torch.cat([u for u, _ in items]).numpy()
    assert got.tobytes() == expected[0], "DataLoader workers' calibration differs from the parent's"
    assert all(t is None or t >= 2 for _, t in items), "a DataLoader worker ran inline: its pool did not restart"
    assert work()[0] == expected
    """)
