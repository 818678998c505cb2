"""Pickling and copying of the objects that hold a library handle: each is rebuilt by value (references, option
texts, transform text or points) and computes the same bits; a handle is never shared, so never freed twice.
Crash-prone cases run in a subprocess (hostile.run_snippet): a double free fails one test, not the run."""

import copy
import pickle

import numpy as np
import pytest

import infalign
from infalign._native import NativeHandle, lib
from conftest import bits_equal
from hostile import run_snippet

ROUND_TRIPS = {
    "pickle": lambda x: pickle.loads(pickle.dumps(x)),
    "pickle-protocol-0": lambda x: pickle.loads(pickle.dumps(x, protocol=0)),
    "copy": copy.copy,
    "deepcopy": copy.deepcopy,
}


@pytest.fixture(params=sorted(ROUND_TRIPS))
def round_trip(request):
    return ROUND_TRIPS[request.param]


def _batch(dtype, groups=3, size=6, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(groups, size)).astype(dtype) for _ in range(3)]


def test_dense_table_round_trips_to_the_same_bits(round_trip, dtype):
    rng = np.random.default_rng(1)
    refs = rng.normal(size=(4, 9)).astype(dtype)
    refs[0, :3] = refs[0, 3]  # ties
    table = infalign.CalibrationTable(refs)
    again = round_trip(table)
    assert again is not table and again._handle != table._handle
    assert again.prompts == 4 and again.dtype == dtype
    q = rng.normal(size=(4, 5)).astype(dtype)
    for flags in ({}, {"smoothing": True}):
        assert bits_equal(table.calibrate(q, **flags), again.calibrate(q, **flags))
    assert bits_equal(table.calibrate(refs, leave_one_out=True), again.calibrate(refs, leave_one_out=True))
    del table  # the copy owns its own handle
    assert again.calibrate(q).shape == (4, 5)


def test_ragged_table_round_trips_to_the_same_bits(round_trip, dtype):
    values = np.array([3.0, 1.0, 2.0, 7.0, -1.0, 0.5, 0.5, 9.0], dtype=dtype)
    offsets = np.array([0, 3, 4, 8])
    table = infalign.CalibrationTable(values, offsets=offsets)
    again = round_trip(table)
    got_values, got_offsets = again.references()
    assert got_offsets.tolist() == [0, 3, 4, 8] and got_values.dtype == dtype
    assert got_values.tolist() == [1.0, 2.0, 3.0, 7.0, -1.0, 0.5, 0.5, 9.0]  # each prompt's references sorted
    q = np.array([2.0, 0.0, 7.0, 0.5, 10.0], dtype=dtype)
    qo = np.array([0, 2, 3, 5])
    assert bits_equal(table.calibrate(q, qo), again.calibrate(q, qo))


def test_options_round_trip_to_the_same_step(round_trip, dtype):
    r, lp, lr = _batch(dtype)
    cases = [
        infalign.CTRLOptions(),
        infalign.CTRLOptions("exp:2.5", calibration="group", smoothing=True, kl_loss="0.001:k3:10"),
        infalign.CTRLOptions(preset="verl-grpo", clip_high=0.28),
        infalign.CTRLOptions(infalign.optimal_transform("bon:4", beta=0.5, grid=64).transform, smoothing=True),
    ]
    for options in cases:
        again = round_trip(options)
        assert again._values == options._values and again._handle != options._handle
        a = infalign.ctrl_step(r, lp, lr, options=options)
        b = infalign.ctrl_step(r, lp, lr, options=again)
        for name in infalign.ctrl.OUTPUTS:
            assert bits_equal(getattr(a, name), getattr(b, name)), name
        assert a.summary == b.summary or np.isnan(a.summary.loss)


def test_transforms_and_procedures_round_trip(round_trip):
    u = np.linspace(0, 1, 257)
    optimal = infalign.optimal_transform("bon:4", beta=0.5, grid=64)
    for t in [infalign.Transform(x) for x in ("identity", "exp:0.30000000000000004", "negexp:3", "log:1e-9",
                                               "logit:none", "power:0.7")] + [optimal.transform]:
        again = round_trip(t)
        assert bits_equal(t(u), again(u)) and bits_equal(t(u.astype(np.float32)), again(u.astype(np.float32)))
        if t.table is None:
            assert str(again) == str(t)
        else:  # a table transform is rebuilt from its points (its label, "optimal(...)", is not kept)
            assert all(bits_equal(a, b) for a, b in zip(t.table, again.table))
    for p in (infalign.Procedure(x) for x in ("standard", "bon:4", "won:8", "order:3:7", "mix:0.3*bon:4+0.7*standard")):
        again = round_trip(p)
        assert str(again) == str(p) and bits_equal(p(u), again(u))
    again = round_trip(optimal)
    assert bits_equal(again.grid, optimal.grid) and bits_equal(again.transform(u), optimal.transform(u))


def test_a_step_result_round_trips_without_its_bound_addresses(round_trip):
    r, lp, lr = _batch(np.float64)
    result = infalign.ctrl_step(r, lp, lr)
    infalign.ctrl_step(r, lp, lr, out=result)
    again = round_trip(result)
    assert again._bound is None and again.summary == result.summary
    before = result.advantages.copy()
    r2 = r + 1.5 * np.arange(r.shape[1])
    infalign.ctrl_step(r2, lp, lr, out=again)  # writes into the copy's own arrays ...
    if again.advantages is not result.advantages:  # (copy.copy shares them)
        assert bits_equal(result.advantages, before)  # ... never into the original's
    assert bits_equal(again.advantages, infalign.ctrl_step(r2, lp, lr).advantages)


def test_the_handle_owner_refuses_to_be_copied():
    table = infalign.CalibrationTable(np.arange(6.0).reshape(2, 3))
    for op in (pickle.dumps, copy.copy, copy.deepcopy):
        with pytest.raises(TypeError, match="cannot be pickled or copied"):
            op(table._owner)
    owner = NativeHandle(None, lib.infalign_table_free)
    owner.free()
    owner.free()  # idempotent, as __del__ is


def test_copies_then_frees_never_free_a_handle_twice():
    # Before objects pickled by value, unpickling a table or options copied the raw address and the second
    # __del__ crashed the interpreter (SIGSEGV in infalign_table_free).
    run_snippet("""
import copy, gc, pickle
import numpy as np, infalign
table = infalign.CalibrationTable(np.arange(12.0).reshape(3, 4))
options = infalign.CTRLOptions("exp:2", calibration="none")
transform = infalign.Transform("power:0.5")
for _ in range(200):
    for x in (table, options, transform, infalign.Procedure("bon:4")):
        a, b, c = pickle.loads(pickle.dumps(x)), copy.copy(x), copy.deepcopy(x)
        del a, b, c
gc.collect()
print(table.calibrate(np.ones((3, 2))).sum())
del table, options, transform
gc.collect()
""", timeout=60)


def test_ray_task_and_actor_compute_the_driver_bits():
    ray = pytest.importorskip("ray", reason="ray is not installed (make ray-example installs it)")

    def _ray_work(table, options, rewards, lp, lr):  # defined here: Ray ships it by value (workers lack tests/)
        u = table.calibrate(rewards)
        step = infalign.ctrl_step(rewards, lp, lr, options=options, references=table)
        return u, step.advantages, step.loss_gradient

    rng = np.random.default_rng(5)
    rewards, lp, lr = (rng.normal(size=(3, 6)) for _ in range(3))
    table = infalign.CalibrationTable(rng.normal(size=(3, 10)))
    options = infalign.CTRLOptions("exp:2.5", kl_loss="0.01:k3")
    expected = _ray_work(table, options, rewards, lp, lr)
    ray.init(num_cpus=1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        task = ray.remote(_ray_work)

        @ray.remote
        class Worker:
            def __init__(self, table, options):
                self.table, self.options = table, options

            def run(self, rewards, lp, lr):
                return _ray_work(self.table, self.options, rewards, lp, lr)

        from_task = ray.get(task.remote(table, options, rewards, lp, lr), timeout=120)
        actor = Worker.remote(table, options)
        from_actor = ray.get(actor.run.remote(rewards, lp, lr), timeout=120)
    finally:
        ray.shutdown()
    for got in (from_task, from_actor):
        for a, b in zip(expected, got):
            assert bits_equal(a, b)
