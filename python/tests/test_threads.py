"""Many Python threads at once: results equal the serial ones, errors stay on their thread, and the GIL is
released while the library computes."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import infalign
from conftest import bits_equal


def test_concurrent_calls_equal_serial_ones():
    rng = np.random.default_rng(0)
    batches = [(rng.normal(size=(64, 16)), rng.normal(size=(64, 16)) - 2, rng.normal(size=(64, 16)) - 2,
                rng.normal(size=(64, 32))) for _ in range(16)]
    table = infalign.CalibrationTable(batches[0][3])  # one shared immutable table

    def work(i):
        r, lp, lr, refs = batches[i]
        step = infalign.ctrl_step(r, lp, lr, references=refs if i % 2 else table, transform="exp:2")
        return step.advantages, infalign.calibrate(r, refs), infalign.win_rates(r, refs, "bon:2")

    serial = [work(i) for i in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        for _ in range(3):
            parallel = list(pool.map(work, range(16)))
            for a, b in zip(serial, parallel):
                assert all(bits_equal(x, y) for x, y in zip(a, b))


def test_errors_stay_on_their_thread():
    barrier = threading.Barrier(8)

    def fail(i):
        barrier.wait()
        try:
            infalign.Procedure(f"bon:-{i + 1}")
        except infalign.ParseError as e:
            return str(e)

    with ThreadPoolExecutor(max_workers=8) as pool:
        messages = list(pool.map(fail, range(8)))
    for i, message in enumerate(messages):
        assert f'"bon:-{i + 1}"' in message


def test_the_gil_is_released_during_a_call():
    # A long library call on one thread while the main thread keeps running Python and timestamps its progress.
    # Were the GIL held for the call, no timestamp could fall strictly inside the call's interval.
    import time

    window = {}

    def long_call():
        rng = np.random.default_rng(0)
        refs, rewards = rng.normal(size=(512, 1024)), rng.normal(size=(512, 128))
        window["start"] = time.perf_counter()
        infalign.calibrate(rewards, refs)  # one call: the window holds no Python of this thread but the wrapper's
        window["end"] = time.perf_counter()

    worker = threading.Thread(target=long_call)
    stamps = []
    worker.start()
    while worker.is_alive():
        stamps.append(time.perf_counter())
        for _ in range(200):
            pass
    worker.join()
    start, end = window["start"], window["end"]
    margin = 0.2 * (end - start)
    inside = sum(start + margin < t < end - margin for t in stamps)
    assert inside > 10, f"the main thread ran {inside} times during a {end - start:.3f} s library call"


def test_thread_count_does_not_change_results():
    rng = np.random.default_rng(5)
    refs, rewards = rng.normal(size=(300, 40)), rng.normal(size=(300, 70))
    original = infalign.thread_count()
    assert original >= 1
    with infalign.threads(1):
        assert infalign.thread_count() == 1
        one = infalign.calibrate(rewards, refs), infalign.win_rates(rewards, refs, "bon:3")
    assert infalign.thread_count() == original
    with infalign.threads(4):
        four = infalign.calibrate(rewards, refs), infalign.win_rates(rewards, refs, "bon:3")
    assert all(bits_equal(a, b) for a, b in zip(one, four))
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid thread count = 0: must be in 1...1024"):
        infalign.set_thread_count(0)
    assert infalign.thread_count() == original
