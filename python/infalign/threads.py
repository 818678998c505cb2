"""The process-wide thread count of the library's row kernels."""

from __future__ import annotations

import contextlib
import ctypes
from typing import Iterator

from ._native import check, lib


def thread_count() -> int:
    """The number of threads calibration and win-rate kernels split prompts over (``INFALIGN_NUM_THREADS`` at
    start-up, else the available cores). Results are bit-identical for every count."""
    count = ctypes.c_int64()
    check(lib.infalign_thread_count(ctypes.addressof(count)))
    return int(count.value)


def set_thread_count(count: int) -> None:
    """Sets the thread count for the whole process (1 … 1024).

    Raises:
        InvalidParameterError: outside 1 … 1024.
    """
    check(lib.infalign_set_thread_count(int(count)))


@contextlib.contextmanager
def threads(count: int) -> Iterator[None]:
    """``with infalign.threads(1): ...`` runs the block at ``count`` threads, then restores the previous count
    (process-wide: other Python threads see it too)."""
    previous = thread_count()
    set_thread_count(count)
    try:
        yield
    finally:
        set_thread_count(previous)
