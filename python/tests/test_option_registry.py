"""Python's option names and presets are the library's registry (``CTRLOptionKey``, ``CTRLPreset``): read back
from the library's own messages, so a key added in Swift and not here (or the reverse) fails this test."""

import ctypes
import re

from infalign import ctrl
from infalign._native import last_error, lib


def _message_of_set(key: bytes, value: bytes) -> str:
    handle = ctypes.c_void_p()
    assert lib.infalign_ctrl_options_create(ctypes.addressof(handle)) == 0
    try:
        assert lib.infalign_ctrl_options_set(handle.value, key, value) != 0
        return last_error()
    finally:
        lib.infalign_ctrl_options_free(handle.value)


def test_option_names_are_the_registry():
    message = _message_of_set(b"no_such_option", b"1")
    listed = re.search(r"expected one of (.*)$", message)
    assert listed, message
    keys = {k.strip() for k in listed.group(1).split(",")}
    # preset and transform are keywords of their own in Python (CTRLOptions(transform, preset=...)).
    assert set(ctrl.OPTION_NAMES) | {"preset", "transform"} == keys


def test_presets_are_the_registry():
    message = _message_of_set(b"preset", b"no-such-preset")
    listed = re.search(r"expected (.*)$", message)
    assert listed, message
    words = re.split(r", | or ", listed.group(1).strip().rstrip(")"))
    assert set(ctrl.PRESETS) == set(words), message
