"""Text at the boundary (docs/RELIABILITY.md, "Text at the boundary"): every text argument goes through one helper
(``_native.text_argument``) that refuses a NUL inside (C text would end there: ``"exp:2\\x00junk"`` used to run as
``exp:2``) and text without a UTF-8 form, naming the argument; the library itself refuses bytes that are not UTF-8
(what a caller bypassing the helper meets)."""

import ctypes

import numpy as np
import pytest

import infalign
from infalign import _native
from infalign._native import lib, text_argument

NUL = "exp:2\x00junk"
SURROGATE = "exp:\udcff"  # what os.fsdecode gives for the byte 0xff: no UTF-8 form
BAD_BYTES = b"exp:\xff"


def _batch():
    rng = np.random.default_rng(0)
    rewards = rng.normal(size=(2, 4))
    lp = rng.normal(-2, 0.3, size=(2, 4))
    return rewards, lp, lp + 0.05


def test_the_helper():
    assert text_argument("exp:2", "t") == b"exp:2"
    assert text_argument("power:0.5é", "t") == "power:0.5é".encode()
    assert text_argument(b"exp:2", "t") == b"exp:2"
    assert text_argument(bytearray(b"bon:4"), "t") == b"bon:4"
    assert text_argument(2.5, "t") == b"2.5"  # anything else: str()
    with pytest.raises(ValueError, match=r"^t: text contains a NUL character at position 5 "):
        text_argument(NUL, "t")
    with pytest.raises(infalign.ArgumentError, match="at position 3"):
        text_argument(b"exp\x00", "t")
    with pytest.raises(infalign.ArgumentError, match=r"t: text is not valid UTF-8 at byte 4 \(0xFF\)"):
        text_argument(BAD_BYTES, "t")
    with pytest.raises(infalign.ArgumentError, match=r"at byte 4 \(0xED\)"):
        text_argument(b"exp:\xed\xa0\x80", "t")  # an encoded surrogate
    with pytest.raises(infalign.ArgumentError, match="no UTF-8 form at position 4"):
        text_argument(SURROGATE, "t")


@pytest.mark.parametrize("bad, fragment", [(NUL, "NUL character at position 5"), (SURROGATE, "no UTF-8 form"),
                                           (BAD_BYTES, "not valid UTF-8 at byte 4")])
def test_parsers(bad, fragment):
    with pytest.raises(infalign.ArgumentError, match="transform: .*" + fragment):
        infalign.Transform(bad)
    with pytest.raises(infalign.ArgumentError, match="procedure: .*" + fragment):
        infalign.Procedure(bad)
    assert str(infalign.Transform(b"exp:2")) == "exp:2.0"  # UTF-8 bytes are text
    assert str(infalign.Procedure(b"bon:4")) == "bon:4"


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_text_forms_taken_by_the_functions(bad):
    p = infalign.Procedure("bon:4")
    with pytest.raises(infalign.ArgumentError, match="transform: "):
        infalign.analyze(bad, "standard", beta=1.0)
    with pytest.raises(infalign.ArgumentError, match="procedure: "):
        infalign.analyze("exp:1", bad.replace("exp:2", "bon:4"), beta=1.0)
    with pytest.raises(infalign.ArgumentError, match="transform: "):
        infalign.beta_for_kl(bad, 0.1)
    with pytest.raises(infalign.ArgumentError, match="procedure: "):
        infalign.win_rates(np.ones((1, 4)), np.ones((1, 4)), bad.replace("exp:2", "bon:2"))
    with pytest.raises(infalign.ArgumentError, match="family: "):
        infalign.tune(bad.replace("exp:2", "exp"), 0.5, p)
    with pytest.raises(infalign.ArgumentError, match="method: "):
        infalign.optimal_transform(p, beta=1.0, grid=64, method=bad.replace("exp:2", "fixed-point"))


def test_tune_and_optimal_transform_accept_utf8_bytes():
    p = infalign.Procedure("bon:4")
    assert infalign.tune(b"exp", 0.5, p).family == "exp"
    with pytest.raises(infalign.ArgumentError, match=r"family: text is not valid UTF-8 at byte 3"):
        infalign.tune(b"exp\xff", 0.5, p)
    with pytest.raises(infalign.ArgumentError, match=r"method: text is not valid UTF-8 at byte 5"):
        infalign.optimal_transform(p, beta=1.0, grid=64, method=b"fixed\xff")


@pytest.mark.parametrize("bad", [NUL, SURROGATE])
def test_ctrl_options_and_step(bad):
    with pytest.raises(infalign.ArgumentError, match="transform: "):
        infalign.CTRLOptions(transform=bad)
    with pytest.raises(infalign.ArgumentError, match="aggregation: "):
        infalign.CTRLOptions(aggregation=bad.replace("exp:2", "token-mean"))
    with pytest.raises(infalign.ArgumentError, match="preset: "):
        infalign.CTRLOptions(preset=bad.replace("exp:2", "trl-grpo"))
    rewards, lp, lr = _batch()
    # The reported bug: the NUL cut the text and the step ran with exp:2.
    with pytest.raises(infalign.ArgumentError, match="transform: "):
        infalign.ctrl_step(rewards, lp, lr, transform=bad)
    with pytest.raises(infalign.ArgumentError, match="estimator: "):
        infalign.ctrl_step(rewards, lp, lr, estimator=bad.replace("exp:2", "k3"))
    with pytest.raises(infalign.ArgumentError, match="preset: "):
        infalign.ctrl_step(rewards, lp, lr, preset=bad.replace("exp:2", "verl-grpo"))
    assert infalign.ctrl_step(rewards, lp, lr, transform="exp:2").advantages.shape == (2, 4)


def test_the_library_refuses_invalid_utf8_itself():
    """What a caller that skips the helper (raw ctypes, another binding) gets: an argument error naming the
    function, the argument and the byte, never a parse of repaired text."""
    handle = ctypes.c_void_p()
    assert lib.infalign_transform_parse(b"exp:\xc3\xa9\xe2\x82", ctypes.addressof(handle)) == 7
    assert _native.last_error() == "infalign_transform_parse: text is not valid UTF-8 at byte 6 (0xE2)"
    assert lib.infalign_procedure_parse(b"bon:\x80", ctypes.addressof(handle)) == 7
    assert "procedure_parse: text is not valid UTF-8 at byte 4 (0x80)" in _native.last_error()
    options = infalign.CTRLOptions()
    assert lib.infalign_ctrl_options_set(options._handle, b"transform", b"exp:\xff") == 7
    assert "value of transform is not valid UTF-8 at byte 4" in _native.last_error()
    assert lib.infalign_ctrl_options_set(options._handle, b"k\xffey", b"1") == 7
    assert "key is not valid UTF-8 at byte 1" in _native.last_error()
    assert handle.value is None
