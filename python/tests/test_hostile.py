"""A hostile suite for the Python surface: odd layouts and dtypes, empty shapes, misused and aliased outputs,
moved buffers, threads, Ctrl-C and leaks. Every case ends in a result or a typed error (the package's
InfAlignError subclasses, ValueError, TypeError), never a signal or a hang. Cases that could crash the interpreter
run in a child (tests/hostile.py), so a crash fails one test, not the run. Known traps awaiting a fix elsewhere are
named by the issue that fixed them."""

import numpy as np
import pytest

from hostile import run_cases, run_snippet



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


def _needs_torch():
    import importlib.util

    if importlib.util.find_spec("torch") is None:
        pytest.skip("torch is not installed (make trl-example installs it)")


def test_moved_torch_outputs_are_bound_anew():
    _needs_torch()
    run_snippet("""
        import numpy as np, infalign, torch
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


# ---- Layouts and dtypes -----------------------------------------------------------------------------------------

SETUP = """
import warnings
warnings.simplefilter("error")  # a silent lossy conversion (ComplexWarning, ...) is a failure too
rng = np.random.default_rng(0)
R = rng.normal(size=(3, 5)); M = rng.normal(size=(3, 7)); LP = rng.normal(size=(3, 5)) - 2
T = infalign.CalibrationTable(M)
EXP = infalign.Transform("exp:2"); BON = infalign.Procedure("bon:2")
def same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
def step_same(*args, **kw):
    a = infalign.ctrl_step(*args, **kw)
    b = infalign.ctrl_step(*(None if x is None else np.ascontiguousarray(x, dtype=np.float64) for x in args), **kw)
    return all(getattr(a, n) is None or same(getattr(a, n), getattr(b, n)) for n in infalign.ctrl.OUTPUTS)
F16 = R.astype(np.float16); I = (R * 10).astype(np.int64); B = R > 0; O = R.astype(object)
"""


def test_any_layout_computes_the_contiguous_bits():
    layouts = {"fortran": "np.asfortranarray(R)", "reversed": "R[::-1, ::-1]", "strided": "np.repeat(R, 2, 1)[:, ::2]",
               "float16": "F16", "int": "I", "bool": "B", "object": "O", "list": "R.tolist()"}
    contiguous = {"fortran": "R", "reversed": "np.ascontiguousarray(R[::-1, ::-1])", "strided": "R",
                  "float16": "F16.astype(np.float64)", "int": "I.astype(np.float64)", "bool": "B.astype(np.float64)",
                  "object": "R", "list": "R"}
    cases = {}
    for name, x in layouts.items():
        c = contiguous[name]
        cases[f"calibrate-{name}"] = f"same(infalign.calibrate({x}, M), infalign.calibrate({c}, M))"
        cases[f"calibrate-refs-{name}"] = f"same(infalign.calibrate(M, {x}), infalign.calibrate(M, {c}))"
        cases[f"table-{name}"] = f"same(T.calibrate({x}), T.calibrate({c}))"
        cases[f"new-table-{name}"] = f"same(infalign.CalibrationTable({x}).calibrate(M), infalign.CalibrationTable({c}).calibrate(M))"
        cases[f"win-rates-{name}"] = f"same(infalign.win_rates({x}, M, 'bon:2'), infalign.win_rates({c}, M, 'bon:2'))"
        cases[f"transform-{name}"] = f"same(EXP({x}), EXP({c}))"
        cases[f"procedure-{name}"] = f"same(BON(np.clip({x}, 0, 1)), BON(np.clip({c}, 0, 1)))"
        cases[f"ctrl-{name}"] = f"step_same({x}, LP, LP * 0.5)"
        cases[f"ctrl-logprobs-{name}"] = f"step_same(R, {x}, LP)"
    verdicts = run_cases(SETUP, cases)
    assert {n: v for n, v in verdicts.items() if v != ["ok", True]} == {}


def test_values_that_are_not_real_numbers_are_refused():
    bad = {"complex": "R.astype(complex)", "text": "R.astype(str)", "bytes": "R.astype(bytes)",
           "datetime": "np.zeros((3, 5), 'datetime64[s]')", "timedelta": "np.zeros((3, 5), 'timedelta64[s]')",
           "object-text": "np.full((3, 5), 'a', dtype=object)", "none": "None", "record": "np.zeros((3, 5), 'V8')"}
    cases = {}
    for name, x in bad.items():
        cases[f"calibrate-{name}"] = f"infalign.calibrate({x}, M)"
        cases[f"references-{name}"] = f"infalign.calibrate(R, {x})"
        cases[f"table-{name}"] = f"infalign.CalibrationTable({x})"
        cases[f"table-calibrate-{name}"] = f"T.calibrate({x})"
        cases[f"win-rates-{name}"] = f"infalign.win_rates(R, {x})"
        cases[f"transform-{name}"] = f"EXP({x})"
        cases[f"ctrl-{name}"] = f"infalign.ctrl_step({x}, LP, LP)"
        cases[f"ctrl-logprobs-{name}"] = f"infalign.ctrl_step(R, LP, {x})"
    verdicts = run_cases(SETUP, cases)  # (every error run_cases lets through is typed)
    assert {n: v for n, v in verdicts.items() if v[0] != "error"} == {}
    assert verdicts["calibrate-complex"][1] == verdicts["ctrl-text"][1] == "TypeError"


def test_zero_dimensional_and_oddly_ranked_inputs():
    verdicts = run_cases(SETUP, {
        "calibrate-0d": "infalign.calibrate(np.array(0.5), M[:1])",
        "calibrate-0d-f32": "infalign.calibrate(np.float32(0.5), M[:1].astype(np.float32))",
        "calibrate-3d": "infalign.calibrate(np.zeros((2, 2, 2)), M[:2])",
        "table-0d": "infalign.CalibrationTable(np.array(1.0))",
        "table-3d": "infalign.CalibrationTable(np.zeros((2, 2, 2)))",
        "ctrl-0d": "infalign.ctrl_step(np.array(1.0), np.zeros(1), np.zeros(1))",
        "ctrl-3d": "infalign.ctrl_step(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))",
        "ctrl-logprobs-0d": "infalign.ctrl_step(R, np.array(0.0), R)",
        "ctrl-logprobs-4d": "infalign.ctrl_step(R, np.zeros((3, 5, 1, 1)), R)",
        "transform-0d": "EXP(np.array(0.5))",
        "procedure-0d": "BON(np.array(0.5))",
        "bootstrap-2d": "infalign.bootstrap(np.ones((2, 3)), resamples=10)",
    })
    assert all(v[0] in ("ok", "error") for v in verdicts.values())
    assert verdicts["ctrl-0d"][0] == verdicts["table-0d"][0] == "error"
    assert verdicts["transform-0d"] == ["ok", "()"]


# ---- Empty and zero-length shapes ---------------------------------------------------------------------------------

EMPTY = {
    # name: (expression, expected: "ok" or the error type)
    "calibrate-0-prompts": ("infalign.calibrate(np.zeros((0, 5)), np.zeros((0, 5)))", "ok"),
    "calibrate-0-rewards": ("infalign.calibrate(np.zeros((2, 0)), np.ones((2, 3)))", "ok"),
    "calibrate-0-references": ("infalign.calibrate(np.zeros((2, 3)), np.zeros((2, 0)))", "EmptyReferencesError"),
    "calibrate-1d-empty": ("infalign.calibrate(np.zeros(0), np.ones(3))", "ok"),
    "calibrate-loo-1": ("infalign.calibrate(np.ones((2, 1)), leave_one_out=True)", "EmptyReferencesError"),
    "calibrate-loo-0": ("infalign.calibrate(np.ones((2, 0)), leave_one_out=True)", "EmptyReferencesError"),
    "calibrate-ragged-0-prompts": ("infalign.calibrate(np.zeros(0), np.zeros(0), reward_offsets=[0], "
                                   "reference_offsets=[0])", "ok"),
    "calibrate-ragged-no-offsets": ("infalign.calibrate(np.zeros(0), np.zeros(0), reward_offsets=[], "
                                    "reference_offsets=[])", "ValueError"),
    "calibrate-ragged-empty-prompt": ("infalign.calibrate(np.ones(2), np.ones(2), reward_offsets=[0, 2, 2], "
                                      "reference_offsets=[0, 2, 2])", "EmptyReferencesError"),
    "table-0-prompts": ("infalign.CalibrationTable(np.zeros((0, 3)))", "ok"),
    "table-0-columns": ("infalign.CalibrationTable(np.zeros((2, 0)))", "EmptyReferencesError"),
    "table-ragged-0-prompts": ("infalign.CalibrationTable(np.zeros(0), offsets=[0])", "ok"),
    "table-0-calibrate": ("infalign.CalibrationTable(np.zeros((0, 3))).calibrate(np.zeros((0, 2)))", "ok"),
    "table-0-ragged-calibrate": ("infalign.CalibrationTable(np.zeros(0), offsets=[0]).calibrate(np.zeros(0), [0])",
                                 "ok"),
    "table-0-columns-calibrate": ("T.calibrate(np.zeros((3, 0)))", "ok"),
    "table-0-references": ("infalign.CalibrationTable(np.zeros((0, 3))).references()[1]", "ok"),
    "win-rates-0-prompts": ("infalign.win_rates(np.zeros((0, 3)), np.zeros((0, 3)))", "ok"),
    "win-rates-0-samples": ("infalign.win_rates(np.zeros((2, 0)), np.zeros((2, 3)))", "EmptyReferencesError"),
    "win-rate-0-prompts": ("infalign.win_rate(np.zeros((0, 3)), np.zeros((0, 3)))", "InvalidParameterError"),
    "win-rate-0-prompts-no-bootstrap": ("infalign.win_rate(np.zeros((0, 3)), np.zeros((0, 3)), resamples=0)",
                                        "ValueError"),
    "bootstrap-empty": ("infalign.bootstrap(np.zeros(0))", "InvalidParameterError"),
    "transform-empty": ("EXP(np.zeros(0))", "ok"),
    "transform-empty-2d": ("EXP(np.zeros((3, 0)))", "ok"),
    "procedure-empty": ("BON(np.zeros(0))", "ok"),
    "transform-table-empty": ("infalign.Transform.from_table([], [])", "InvalidParameterError"),
    "ctrl-0-groups": ("infalign.ctrl_step(np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 4)))", "ok"),
    "ctrl-0-groups-none": ("infalign.ctrl_step(np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 4)), "
                           "calibration='none')", "ok"),
    "ctrl-0-group-size": ("infalign.ctrl_step(np.zeros((2, 0)), np.zeros((2, 0)), np.zeros((2, 0)))",
                          "ok"),
    "ctrl-0-group-size-none": ("infalign.ctrl_step(np.zeros((2, 0)), np.zeros((2, 0)), np.zeros((2, 0)), "
                               "calibration='none')", "ok"),
    "ctrl-group-size-1": ("infalign.ctrl_step(np.zeros((2, 1)), np.zeros((2, 1)), np.zeros((2, 1)))",
                          "EmptyReferencesError"),
    "ctrl-0-groups-table": ("infalign.ctrl_step(np.zeros((0, 4)), np.zeros((0, 4)), np.zeros((0, 4)), "
                            "references=infalign.CalibrationTable(np.zeros((0, 3))))", "ok"),
    "ctrl-0-reference-columns": ("infalign.ctrl_step(np.zeros((2, 4)), np.zeros((2, 4)), np.zeros((2, 4)), "
                                 "references=np.zeros((2, 0)))", "EmptyReferencesError"),
    "ctrl-tokens-0-groups": ("infalign.ctrl_step(np.zeros((0, 4)), np.zeros((0, 4, 3)), np.zeros((0, 4, 3)))", "ok"),
    "ctrl-tokens-0-group-size": ("infalign.ctrl_step(np.zeros((2, 0)), np.zeros((2, 0, 3)), np.zeros((2, 0, 3)), "
                                 "calibration='none')", "ok"),
    "ctrl-tokens-all-masked": ("infalign.ctrl_step(R, np.zeros((3, 5, 2)), np.zeros((3, 5, 2)), "
                               "mask=np.zeros((3, 5, 2), bool), calibration='none')", "ok"),
}


def test_empty_shapes_of_every_entry_point():
    verdicts = run_cases(SETUP, {n: e for n, (e, _) in EMPTY.items()})
    got = {n: v[0] if v[0] == "ok" else v[1] for n, v in verdicts.items()}
    assert got == {n: want for n, (_, want) in EMPTY.items()}


@pytest.mark.parametrize("case", ["zero-tokens-none", "zero-tokens-group", "no-groups-10^12-tokens"])
def test_ctrl_step_former_traps(case):
    # Before CTRLBatch (issue 18): zero tokens reached a Swift precondition (SIGILL); no groups but 10^12 tokens
    # per sample (the log-prob arrays are empty) allocated scratch for G × T and aborted ("failed to allocate 16e12
    # bytes"). Both are empty batches now: a result.
    expr = {"zero-tokens-none": "infalign.ctrl_step(np.zeros((2, 4)), np.zeros((2, 4, 0)), np.zeros((2, 4, 0)), "
                                "calibration='none')",
            "zero-tokens-group": "infalign.ctrl_step(np.zeros((2, 4)), np.zeros((2, 4, 0)), np.zeros((2, 4, 0)))",
            "no-groups-10^12-tokens": "infalign.ctrl_step(np.zeros((0, 4)), np.zeros((0, 4, 10**12)), "
                                      "np.zeros((0, 4, 10**12)))"}[case]
    # An address-space limit, so that a machine that overcommits memory fails the allocation rather than paging.
    limit = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (16 << 30, 16 << 30))\n"
    verdicts = run_cases(limit + SETUP, {case: expr})
    assert verdicts[case][0] == "ok", verdicts[case]


# ---- Ragged offsets ------------------------------------------------------------------------------------------------


def test_hostile_offsets_are_refused():
    cal = "infalign.calibrate(np.zeros(3), np.zeros(3), reward_offsets={}, reference_offsets=[0, 1, 3])"
    offsets = {"decreasing": "[0, 5, 3]", "negative": "[0, -1, 3]", "not-from-0": "[1, 3]", "huge": "[0, 2**62, 3]",
               "beyond-int64": "np.array([0, 2**63, 3], dtype=np.uint64)", "2d": "[[0, 1, 3]]",
               "fractional": "[0, 1.5, 3]", "nan": "[0, float('nan'), 3]", "inf": "[0, float('inf'), 3]",
               "text": "['0', '1', '3']", "bool": "[False, True, True]", "past-the-end": "[0, 1, 4]",
               "prompt-count": "[0, 3]"}
    cases = {f"calibrate-{n}": cal.format(o) for n, o in offsets.items()}
    cases.update({f"table-{n}": f"infalign.CalibrationTable(np.zeros(3), offsets={o})" for n, o in offsets.items()
                  if n != "prompt-count"})
    cases.update({f"table-calibrate-{n}": f"infalign.CalibrationTable(np.ones(4), offsets=[0, 2, 4]).calibrate("
                                          f"np.zeros(3), {o})" for n, o in offsets.items() if n != "prompt-count"})
    cases.update({f"win-rates-{n}": f"infalign.win_rates(np.zeros(3), np.zeros(3), policy_offsets={o}, "
                                    f"reference_offsets=[0, 1, 3])" for n, o in offsets.items()})
    verdicts = run_cases(SETUP, cases)
    assert {n: v for n, v in verdicts.items() if v[0] != "error"} == {}
    assert verdicts["calibrate-fractional"][1:] == ["ValueError", "reward_offsets holds non-integer offsets"]
    assert verdicts["calibrate-text"][1] == "TypeError"


# ---- out= misuse and aliasing ------------------------------------------------------------------------------------

def test_misused_outputs_are_refused():
    bad_outs = {"read-only": "np.frombuffer(bytes(120)).reshape(3, 5)", "fortran": "np.asfortranarray(np.empty((3, 5)))",
                "strided": "np.empty((3, 10))[:, ::2]", "float32": "np.empty((3, 5), np.float32)",
                "transposed-shape": "np.empty((5, 3))", "flat": "np.empty(15)", "list": "[0.0] * 15",
                "int": "np.empty((3, 5), np.int64)"}
    cases = {}
    for name, o in bad_outs.items():
        cases[f"calibrate-{name}"] = f"infalign.calibrate(R, M, out={o})"
        cases[f"table-{name}"] = f"T.calibrate(R, out={o})"
        cases[f"transform-{name}"] = f"EXP(R, out={o})"
        cases[f"procedure-{name}"] = f"BON(np.clip(R, 0, 1), out={o})"
        cases[f"ctrl-{name}"] = f"infalign.ctrl_step(R, LP, LP, out={{'advantages': {o}}})"
        cases[f"ctrl-k1-{name}"] = f"infalign.ctrl_step(R, LP, LP, out={{'k1': {o}}})"
    cases.update({
        "win-rates-read-only": "infalign.win_rates(R, M, out=np.frombuffer(bytes(24)))",
        "win-rates-short": "infalign.win_rates(R, M, out=np.empty(2))",
        "ctrl-valid-float": "infalign.ctrl_step(R, LP, LP, out={'valid': np.empty((3, 5))})",
        "ctrl-unknown-output": "infalign.ctrl_step(R, LP, LP, out={'bogus': np.empty((3, 5))})",
        "ctrl-outputs-unknown": "infalign.ctrl_step(R, LP, LP, outputs=('bogus',))",
        "ctrl-outputs-string": "infalign.ctrl_step(R, LP, LP, outputs='k1')",
        "ctrl-out-list": "infalign.ctrl_step(R, LP, LP, out=[1, 2])",
        "ctrl-two-outputs-one-array": "(lambda a: infalign.ctrl_step(R, LP, LP, out={'advantages': a, 'k1': a}))"
                                      "(np.empty((3, 5)))",
        "ctrl-two-outputs-overlap": "(lambda a: infalign.ctrl_step(R, LP, LP, out={'k2': a[:15].reshape(3, 5), "
                                    "'k3': a[5:20].reshape(3, 5)}))(np.empty(20))",
        "ctrl-result-resized-out": "(lambda r: (r.k1.resize((2, 2), refcheck=False), "
                                   "infalign.ctrl_step(R, LP, LP, out=r)))(infalign.ctrl_step(R, LP, LP))",
    })
    verdicts = run_cases(SETUP, cases)
    assert {n: v for n, v in verdicts.items() if v[0] != "error"} == {}
    assert "share memory" in verdicts["ctrl-two-outputs-overlap"][2]


def test_outputs_aliasing_inputs_give_the_unaliased_bits():
    # "out may be rewards" (in place); out overlapping the references (or win-rate samples) is computed through a
    # scratch copy; the CTRL step refuses any output/input overlap (checked below for every pair).
    verdicts = run_cases(SETUP, {
        "calibrate-out-rewards": "(lambda r: same(infalign.calibrate(r, M, out=r), infalign.calibrate(R, M)))(R.copy())",
        "calibrate-out-references": "(lambda m: same(infalign.calibrate(R, m, out=m), "
                                    "infalign.calibrate(R, M[:, :5])))(M[:, :5].copy())",
        "calibrate-x-x-out-x": "(lambda x: same(infalign.calibrate(x, x, out=x), infalign.calibrate(R, R)))(R.copy())",
        "calibrate-loo-in-place": "(lambda x: same(infalign.calibrate(x, leave_one_out=True, out=x), "
                                  "infalign.calibrate(R, leave_one_out=True)))(R.copy())",
        "calibrate-ragged-out-references": "(lambda m: same(infalign.calibrate(R.ravel(), m, reward_offsets=[0, 5, 10, "
                                           "15], reference_offsets=[0, 5, 10, 15], out=m), infalign.calibrate(R, "
                                           "M[:, :5]).ravel()))(M[:, :5].ravel().copy())",
        "table-out-rewards": "(lambda r: same(T.calibrate(r, out=r), T.calibrate(R)))(R.copy())",
        "transform-in-place": "(lambda u: same(EXP(u, out=u), EXP(R)))(R.copy())",
        "win-rates-out-policy": "(lambda x: same(infalign.win_rates(x, x[::-1].copy(), policy_offsets=[0, 1, 2, 3], "
                                "reference_offsets=[0, 1, 2, 3], out=x), infalign.win_rates(R[:, 0].copy(), "
                                "R[::-1, 0].copy(), policy_offsets=[0, 1, 2, 3], reference_offsets=[0, 1, 2, 3])))"
                                "(R[:, 0].copy())",
    })
    assert {n: v for n, v in verdicts.items() if v != ["ok", True]} == {}
    # The step refuses an output that overlaps an input (CTRLBatch, issue 18): the fast group pass re-reads rewards
    # while it stores advantages, so an alias would change results silently.
    verdicts = run_cases(SETUP, {
        f"ctrl-{o}-aliases-{i}": f"(lambda a: infalign.ctrl_step(*a, out={{'{o}': a[{k}]}}))"
                                 f"([R.copy(), LP.copy(), LP * 0.5])"
        for o in ("advantages", "loss_gradient", "calibrated", "transformed", "k1", "k3")
        for k, i in enumerate(("rewards", "policy", "reference"))})
    assert {n: v[:2] for n, v in verdicts.items() if v[:2] != ["error", "ShapeError"] or "overlaps" not in v[2]} == {}


def test_hostile_torch_tensors():
    _needs_torch()
    verdicts = run_cases(SETUP + "import torch\nTR = torch.from_numpy(R.copy())\n", {
        "transposed": "same(infalign.calibrate(TR.T.contiguous().T, M).numpy(), infalign.calibrate(R, M))",
        "strided": "same(infalign.calibrate(torch.from_numpy(np.repeat(R, 2, 1))[:, ::2], M).numpy(), "
                   "infalign.calibrate(R, M))",
        "requires-grad": "infalign.ctrl_step(TR.clone().requires_grad_(), TR, TR).advantages.shape == (3, 5)",
        "bfloat16": "infalign.calibrate(TR.to(torch.bfloat16), M).dtype == torch.float32",  # converted once
        "complex": "infalign.calibrate(TR.to(torch.complex64), M)",
        "int": "infalign.calibrate(TR.to(torch.int64), M).dtype == torch.float64",
        "out-transposed": "infalign.calibrate(R, M, out=torch.empty(5, 3, dtype=torch.float64).T)",
        "out-float32": "infalign.calibrate(R, M, out=torch.empty(3, 5))",
        "out-requires-grad": "infalign.calibrate(R, M, out=torch.empty(3, 5, dtype=torch.float64, "
                             "requires_grad=True)).shape == (3, 5)",
        "out-meta": "infalign.calibrate(R, M, out=torch.empty(3, 5, dtype=torch.float64, device='meta'))",
        "input-meta": "infalign.calibrate(torch.empty(3, 5, dtype=torch.float64, device='meta'), M)",
        "ctrl-out-alias": "(lambda t: same(infalign.ctrl_step(t, TR, TR, out={'advantages': t}).advantages.numpy(), "
                          "infalign.ctrl_step(R, R, R).advantages))(TR.clone())",
    })
    assert {n: v for n, v in verdicts.items() if v[0] not in ("ok", "error")} == {}
    assert {n: v for n, v in verdicts.items() if v[0] == "ok" and v[1] is not True} == {}
    for name in ("complex", "out-transposed", "out-float32", "input-meta", "out-meta"):
        assert verdicts[name][0] == "error", (name, verdicts[name])
