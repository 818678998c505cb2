"""Running a snippet in a child interpreter, so that a crash (a signal: SIGSEGV, SIGILL from a Swift precondition,
SIGABRT) or a hang fails one test instead of killing the pytest run.

The child is ``sys.executable -c CODE`` with this process's environment (INFALIGN_LIBRARY, PYTHONPATH), so it loads
the same library and package. A snippet reports by printing; ``run_snippet`` returns its stdout.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import subprocess
import sys
import textwrap
import time

import pytest

_PRELUDE = "import faulthandler; faulthandler.enable()\n"


def _describe(code, rc, out, err):
    if rc is not None and rc < 0:
        try:
            what = f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            what = f"killed by signal {-rc}"
    else:
        what = f"exit status {rc}"
    tail = "\n".join((err or "").strip().splitlines()[-25:])
    return f"snippet {what}\n--- code ---\n{code}\n--- stdout ---\n{(out or '')[-2000:]}\n--- stderr (tail) ---\n{tail}"


def spawn(code: str, **popen) -> subprocess.Popen:
    """Starts the snippet (dedented) in a child interpreter; stdout and stderr are pipes of text."""
    code = _PRELUDE + textwrap.dedent(code)
    env = dict(os.environ)
    env.setdefault("PYTHONFAULTHANDLER", "1")
    env.setdefault("SWIFT_BACKTRACE", "enable=no")  # a crash reports at once (the backtracer takes seconds)
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env, **popen)


def finish(proc: subprocess.Popen, code: str, timeout: float, *, expect_exit=0):
    """Waits for ``proc``; a hang (past ``timeout``) or a signal fails the test; so does an exit status other than
    ``expect_exit`` (None: any status that is not a signal). Returns (stdout, stderr)."""
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"snippet hung for more than {timeout} s\n" + _describe(code, None, out, err), pytrace=False)
    if proc.returncode < 0:
        pytest.fail(_describe(code, proc.returncode, out, err), pytrace=False)
    if expect_exit is not None and proc.returncode != expect_exit:
        pytest.fail(_describe(code, proc.returncode, out, err), pytrace=False)
    return out, err


def run_snippet(code: str, *, timeout: float = 30, expect_exit=0) -> str:
    """Runs ``code`` in a child interpreter and returns its stdout; fails the test on a signal, a hang or an
    unexpected exit status (an uncaught exception exits with 1)."""
    return finish(spawn(code), code, timeout, expect_exit=expect_exit)[0]


# The verdict a batch of cases prints, one JSON line per case: ("ok", shape), ("error", type name, message).
_CASE_RUNNER = """
import json, sys, traceback
import numpy as np
import infalign
ALLOWED = (infalign.InfAlignError, ValueError, TypeError)

def report(name, fn):
    try:
        value = fn()
        if isinstance(value, (bool, np.bool_)):
            verdict = ["ok", bool(value)]
        else:
            verdict = ["ok", repr(getattr(value, "shape", type(value).__name__))]
    except ALLOWED as e:
        verdict = ["error", type(e).__name__, str(e)[:200]]
    except BaseException as e:
        verdict = ["unexpected", type(e).__name__, traceback.format_exc()[-800:]]
    print(json.dumps([name] + verdict), flush=True)
"""


def run_cases(setup: str, cases: dict, *, timeout: float = 60) -> dict:
    """Runs each case (name -> an expression, evaluated after ``setup``) in one child interpreter and returns
    ``{name: verdict}``: ``["ok", shape]`` (``["ok", True/False]`` for a bool result) or ``["error", exception
    type, message]`` for a typed error (the
    package's InfAlignError subclasses, ValueError, TypeError). Any other exception fails the test; a crash or a
    hang fails it naming the case that was running."""
    lines = [_CASE_RUNNER, textwrap.dedent(setup)]
    for name, expr in cases.items():
        lines.append(f"report({name!r}, lambda: ({expr}))")
    code = "\n".join(lines)
    proc = spawn(code)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
    verdicts = {}
    for line in out.splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        verdicts[row[0]] = row[1:]
    if proc.returncode != 0:
        running = next((n for n in cases if n not in verdicts), "?")
        rc = proc.returncode
        why = "hung" if rc == -signal.SIGKILL else (f"died ({signal.Signals(-rc).name})" if rc < 0 else f"exit {rc}")
        pytest.fail(f"case {running!r} {why}\n" + _describe(code, rc, out, err), pytrace=False)
    bad = {n: v for n, v in verdicts.items() if v[0] == "unexpected"}
    assert not bad, f"untyped exceptions: {json.dumps(bad, indent=1)}"
    return verdicts


class _MallInfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks",
                                                "uordblks", "fordblks", "keepcost")]


def heap_kib():
    """Bytes malloc has handed out and not had back (glibc mallinfo2: all arenas plus mmapped blocks), in KiB; None
    without glibc >= 2.33. Exact where RSS is noisy: a leaked handle (a Swift object, malloc'ed) shows up here."""
    try:
        fn = ctypes.CDLL(None).mallinfo2
    except (AttributeError, OSError):
        return None
    fn.restype = _MallInfo2
    info = fn()
    return (info.uordblks + info.hblkhd) // 1024


def rss_kib() -> int:
    """This process's resident set size in KiB (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)


def wait_for_line(proc: subprocess.Popen, marker: str, timeout: float) -> bool:
    """Reads the child's stdout until a line equal to ``marker`` (True) or EOF/timeout (False)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            return False
        line = proc.stdout.readline()
        if not line:
            return False
        if line.strip() == marker:
            return True
    return False
