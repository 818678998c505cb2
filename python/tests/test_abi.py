"""Every error path of the C ABI, called directly through ctypes: what the Python layer cannot produce
(NULL pointers, negative lengths, handles of the wrong kind) still comes back as a status and a message."""

import ctypes

import numpy as np
import pytest

import infalign
from infalign import _native
from infalign._native import lib

ARGUMENT, PARSE, INVALID, MATH, NON_FINITE, EMPTY, SHAPE = 7, 1, 2, 3, 4, 5, 6


def status(call, expected, fragment):
    got = call
    assert got == expected, f"status {got} ({_native.last_error()}), expected {expected}"
    assert fragment in _native.last_error(), _native.last_error()


def addr(a):
    return a.__array_interface__["data"][0]


def out_handle():
    return ctypes.c_void_p()


def test_abi_version_and_status_classes():
    assert lib.infalign_abi_version() == infalign.ABI_VERSION == 1
    classes = {infalign.ParseError: PARSE, infalign.InvalidParameterError: INVALID, infalign.MathError: MATH,
               infalign.NonFiniteError: NON_FINITE, infalign.EmptyReferencesError: EMPTY,
               infalign.ShapeError: SHAPE, infalign.ArgumentError: ARGUMENT}
    for cls, code in classes.items():
        assert cls.status == code and issubclass(cls, infalign.InfAlignError)
        with pytest.raises(cls, match="message"):
            _native.raise_for_status(code, "message")


def test_null_pointers_and_negative_lengths():
    h = out_handle()
    status(lib.infalign_transform_parse(None, ctypes.addressof(h)), ARGUMENT, "infalign_transform_parse: text is NULL")
    status(lib.infalign_transform_parse(b"exp:1", None), ARGUMENT, "out is NULL")
    status(lib.infalign_procedure_parse(b"bon:2", None), ARGUMENT, "infalign_procedure_parse: out is NULL")
    x = np.zeros(4)
    t = infalign.Transform("exp:1")
    status(lib.infalign_transform_apply_f64(t._handle, None, 4), ARGUMENT, "values is NULL but should hold 4")
    status(lib.infalign_transform_apply_f32(t._handle, addr(x), -1), ARGUMENT, "count = -1 is negative")
    status(lib.infalign_transform_apply_f64(None, addr(x), 4), ARGUMENT, "transform is NULL")
    status(lib.infalign_transform_table(None, addr(x), 2, ctypes.addressof(h)), ARGUMENT, "grid is NULL")
    status(lib.infalign_transform_describe(t._handle, None, 8, None), ARGUMENT, "buffer is NULL but capacity is 8")
    status(lib.infalign_transform_describe(t._handle, None, -8, None), ARGUMENT, "capacity = -8")
    status(lib.infalign_transform_table_points(t._handle, None), ARGUMENT, "points is NULL")
    status(lib.infalign_transform_table_copy(t._handle, addr(x), addr(x), 2), ARGUMENT, "is not a table")
    table = infalign.Transform.from_table([0, 1], [0, 1])
    status(lib.infalign_transform_table_copy(table._handle, addr(x), addr(x), 3), ARGUMENT, "points = 3, the table has 2")
    p = infalign.Procedure("bon:2")
    status(lib.infalign_procedure_value(p._handle, None, addr(x), 4), ARGUMENT, "cdf is NULL")
    status(lib.infalign_procedure_describe(p._handle, None, 1, None), ARGUMENT, "buffer is NULL")
    status(lib.infalign_calibrate_f64(addr(x), 2, addr(x), 2, 2, 0, None), ARGUMENT, "out is NULL but should hold 4")
    status(lib.infalign_calibrate_f32(addr(x), -2, addr(x), 2, 1, 0, addr(x)), ARGUMENT, "reference_columns = -2")
    status(lib.infalign_calibrate_f64(addr(x), 2**62, addr(x), 2, 4, 0, addr(x)), ARGUMENT, "too large")
    status(lib.infalign_calibrate_f64(addr(x), 2, addr(x), 2, 1, 4, addr(x)), ARGUMENT, "flags = 4")
    offsets = np.array([0, 2, 1], dtype=np.int64)
    good = np.array([0, 1, 2], dtype=np.int64)
    status(lib.infalign_calibrate_ragged_f64(addr(x), addr(good), addr(x), addr(offsets), 2, 0, addr(x)), ARGUMENT,
           "reward_offsets decrease at prompt 1: 2 then 1")
    status(lib.infalign_calibrate_ragged_f32(addr(x), None, addr(x), addr(good), 2, 0, addr(x)), ARGUMENT,
           "reference_offsets is NULL")
    status(lib.infalign_calibrate_ragged_f64(addr(x), addr(good[1:]), addr(x), addr(good), 1, 0, addr(x)), ARGUMENT,
           "reference_offsets[0] = 1, must be 0")
    status(lib.infalign_table_create_f64(addr(x), 2, 2, None), ARGUMENT, "out is NULL")
    status(lib.infalign_table_create_ragged_f32(None, addr(good), 2, ctypes.addressof(h)), ARGUMENT, "references is NULL")
    status(lib.infalign_table_prompts(None, ctypes.addressof(h)), ARGUMENT, "table is NULL")
    tab = infalign.CalibrationTable(np.ones((2, 2)))
    status(lib.infalign_table_prompts(tab._handle, None), ARGUMENT, "prompts is NULL")
    status(lib.infalign_table_calibrate_f64(tab._handle, addr(x), -1, 0, addr(x)), ARGUMENT, "columns = -1")
    status(lib.infalign_table_calibrate_ragged_f64(tab._handle, addr(x), None, 0, addr(x)), ARGUMENT, "offsets is NULL")
    point = _native.Point()
    status(lib.infalign_analyze(t._handle, 1.0, None, None, ctypes.addressof(point)), ARGUMENT, "procedure is NULL")
    status(lib.infalign_analyze_kl(t._handle, 1.0, p._handle, None, None), ARGUMENT, "out is NULL")
    status(lib.infalign_beta_for_kl(t._handle, 1.0, None), ARGUMENT, "beta is NULL")
    status(lib.infalign_tune(None, 1.0, p._handle, None, 0.0, 0.0, ctypes.addressof(h), ctypes.addressof(point)),
           ARGUMENT, "family is NULL")
    status(lib.infalign_tune(b"exp", 1.0, p._handle, None, 0.0, 0.0, None, ctypes.addressof(point)), ARGUMENT,
           "parameter is NULL")
    summary = _native.OptimalSummary()
    status(lib.infalign_optimal_transform(p._handle, None, 0.1, 64, None, None, ctypes.addressof(h)), ARGUMENT,
           "summary is NULL")
    status(lib.infalign_optimal_transform_kl(p._handle, None, 0.1, 64, None, ctypes.addressof(summary), None),
           ARGUMENT, "transform is NULL")
    status(lib.infalign_optimal_transform(p._handle, None, 0.1, -64, None, ctypes.addressof(summary),
                                          ctypes.addressof(h)), ARGUMENT, "grid = -64")
    status(lib.infalign_win_rates_f64(addr(x), addr(good), addr(x), addr(good), 2, p._handle, None), ARGUMENT,
           "out is NULL")
    status(lib.infalign_win_rates_f32(addr(x), addr(good), addr(x), None, 2, p._handle, addr(x)), ARGUMENT,
           "reference_offsets is NULL")
    status(lib.infalign_bootstrap(None, 3, 10, 0.9, 0, ctypes.addressof(point)), ARGUMENT, "values is NULL")
    status(lib.infalign_bootstrap(addr(x), 3, 10, 0.9, 0, None), ARGUMENT, "out is NULL")
    status(lib.infalign_bootstrap(addr(x), 3, 10**9, 0.9, 0, ctypes.addressof(point)), INVALID, "at most 100000000")
    status(lib.infalign_ctrl_options_create(None), ARGUMENT, "out is NULL")
    options = infalign.CTRLOptions()
    status(lib.infalign_ctrl_options_set(options._handle, None, b"1"), ARGUMENT, "key is NULL")
    status(lib.infalign_ctrl_options_set(options._handle, b"smoothing", b"maybe"), PARSE,
           'cannot parse ctrl option smoothing "maybe": expected true or false')
    status(lib.infalign_ctrl_options_set(options._handle, b"clip", b"0.1"), PARSE, "unknown option; expected one of")
    status(lib.infalign_ctrl_options_set_transform(options._handle, None), ARGUMENT, "transform is NULL")
    ctrl_summary = _native.CTRLSummary()
    step = lib.infalign_ctrl_step_f64
    status(step(options._handle, None, 1, 2, addr(x), addr(x), addr(x), None, None, addr(x), None, None, None, None,
                None, None, ctypes.addressof(ctrl_summary)), ARGUMENT, "advantages is NULL but should hold 2")
    status(step(options._handle, None, 1, 2, addr(x), None, addr(x), None, addr(x), addr(x), None, None, None, None,
                None, None, None), ARGUMENT, "policy_logprobs is NULL")
    status(step(options._handle, None, -1, 2, addr(x), addr(x), addr(x), None, addr(x), addr(x), None, None, None,
                None, None, None, None), ARGUMENT, "groups = -1")
    status(step(None, None, 1, 2, addr(x), addr(x), addr(x), None, addr(x), addr(x), None, None, None, None, None,
                None, None), ARGUMENT, "options is NULL")
    tokens = lib.infalign_ctrl_step_tokens_f64
    mask = np.array([1, 3, 0, 1], dtype=np.uint8)
    status(tokens(options._handle, None, 1, 2, 2, addr(x), addr(x), addr(x), None, addr(mask), addr(x), addr(x),
                  None, None, None, None, None, None, None), ARGUMENT, "mask[1] = 3: mask bytes must be 0 or 1")
    status(tokens(options._handle, None, 1, 2, -2, addr(x), addr(x), addr(x), None, None, addr(x), addr(x), None,
                  None, None, None, None, None, None), ARGUMENT, "max_tokens = -2")
    status(tokens(options._handle, None, 1, 2, 2, addr(x), addr(x), addr(x), None, None, addr(x), None, None, None,
                  None, None, None, None, None), ARGUMENT, "loss_gradient is NULL but should hold 4")
    status(lib.infalign_ctrl_options_validate(None), ARGUMENT, "options is NULL")
    status(lib.infalign_ctrl_options_set(options._handle, b"preset", b"ppo"), PARSE, 'cannot parse preset "ppo"')


def test_handles_of_the_wrong_kind_are_refused():
    t, p = infalign.Transform("exp:1"), infalign.Procedure("bon:2")
    table = infalign.CalibrationTable(np.ones((1, 2)))
    options = infalign.CTRLOptions()
    point = _native.Point()
    x = np.zeros(2)
    status(lib.infalign_analyze(p._handle, 1.0, t._handle, None, ctypes.addressof(point)), ARGUMENT,
           "transform is a procedure handle, not a transform")
    status(lib.infalign_analyze(t._handle, 1.0, p._handle, t._handle, ctypes.addressof(point)), ARGUMENT,
           "reference is a transform handle, not a procedure")
    status(lib.infalign_table_prompts(options._handle, ctypes.addressof(point)), ARGUMENT,
           "table is a ctrl options handle, not a calibration table")
    status(lib.infalign_ctrl_options_set(table._handle, b"smoothing", b"true"), ARGUMENT,
           "options is a calibration table handle, not a ctrl options")
    status(lib.infalign_procedure_free(t._handle), ARGUMENT, "not a procedure")
    status(lib.infalign_transform_free(p._handle), ARGUMENT, "not a transform")
    status(lib.infalign_table_free(p._handle), ARGUMENT, "not a calibration table")
    status(lib.infalign_ctrl_options_free(t._handle), ARGUMENT, "not a ctrl options")
    status(lib.infalign_table_calibrate_f32(table._handle, addr(x), 2, 0, addr(x)), ARGUMENT,
           "the table holds double references; this function takes float")
    for free in (lib.infalign_transform_free, lib.infalign_procedure_free, lib.infalign_table_free,
                 lib.infalign_ctrl_options_free):
        assert free(None) == 0


def test_describe_truncates_and_reports_the_length():
    t = infalign.Transform("negexp:12.5")
    length = ctypes.c_int64()
    buffer = ctypes.create_string_buffer(4)
    assert lib.infalign_transform_describe(t._handle, buffer, 4, ctypes.addressof(length)) == 0
    assert buffer.value == b"neg" and length.value == len("negexp:12.5")


def test_empty_batches_need_no_buffers():
    assert lib.infalign_calibrate_f64(None, 3, None, 2, 0, 0, None) == 0
    assert lib.infalign_ctrl_step_f64(infalign.CTRLOptions()._handle, None, 0, 4, *([None] * 13)) == 0
    assert infalign.calibrate(np.zeros((0, 3)), np.zeros((0, 5))).shape == (0, 3)
