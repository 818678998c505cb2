"""A hostile suite for the Python surface: odd layouts and dtypes, empty shapes, misused and aliased outputs,
moved buffers, threads, Ctrl-C and leaks. Every case ends in a result or a typed error (the package's
InfAlignError subclasses, ValueError, TypeError), never a signal or a hang. Cases that could crash the interpreter
run in a child (tests/hostile.py), so a crash fails one test, not the run. Known traps awaiting a fix elsewhere are
xfail(strict=False) with the issue that tracks them."""

import numpy as np
import pytest

from hostile import run_cases, run_snippet

CTRL_BATCH = "issue 18 CTRL batch"  # ctrl_step with zero tokens: a Swift precondition (SIGILL), fixed by the refactor


# ---- The step's output cache: buffers that moved under the same object ------------------------------------------


def test_a_resized_numpy_output_is_not_written_through_its_old_address():
    # numpy's a.resize(..., refcheck=False) keeps the object and reallocates its memory; the cached address of the
    # previous step must not be reused (a write into freed memory), and the new shape is refused.
    out = run_snippet("""
        import numpy as np, infalign
        rng = np.random.default_rng(0)
        r, lp, lr = (rng.normal(size=(4, 8)) for _ in range(3))
        result = infalign.ctrl_step(r, lp, lr)
        infalign.ctrl_step(r, lp, lr, out=result)  # bound: the next call with out=result reuses the addresses
        a = result.advantages
        a.resize((64, 64), refcheck=False)  # moves the memory
        try:
            infalign.ctrl_step(r, lp, lr, out=result)
            print("no error")
        except ValueError as e:
            print("refused:", e)
        a.resize((4, 8), refcheck=False)  # the right shape again, at a new address: bound anew, same bits
        again = infalign.ctrl_step(r, lp, lr, out=result)
        print(again.advantages is a, np.array_equal(a, infalign.ctrl_step(r, lp, lr).advantages))
    """)
    assert "refused: advantages has shape (64, 64)" in out and "True True" in out


def test_moved_torch_outputs_are_bound_anew():
    run_snippet("""
        import numpy as np, infalign
        try:
            import torch
        except ImportError:
            raise SystemExit(0)
        rng = np.random.default_rng(0)
        r, lp, lr = (torch.from_numpy(rng.normal(size=(4, 8))) for _ in range(3))
        expected = infalign.ctrl_step(r, lp, lr)
        result = infalign.ctrl_step(r, lp, lr)
        infalign.ctrl_step(r, lp, lr, out=result)
        g = result.loss_gradient
        g.set_(torch.zeros(4, 8, dtype=torch.float64))  # same object, same shape, new storage
        infalign.ctrl_step(r, lp, lr, out=result)
        assert torch.equal(g, expected.loss_gradient), "set_: the step wrote elsewhere"
        given = torch.zeros(4, 8, dtype=torch.float64)
        result = infalign.ctrl_step(r, lp, lr, out={"advantages": given})
        infalign.ctrl_step(r, lp, lr, out=result)
        given.resize_(2, 3)  # shrunk in place
        try:
            infalign.ctrl_step(r, lp, lr, out=result)
            raise AssertionError("a shrunk tensor was written")
        except ValueError as e:
            assert "advantages has shape (2, 3)" in str(e), e
    """)
