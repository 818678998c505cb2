import math

import numpy as np
import pytest

import infalign
from conftest import bits_equal


def test_text_forms_round_trip():
    for text in ("identity", "exp:2.5", "negexp:3.0", "log", "logit:none", "power:0.5"):
        assert str(infalign.Transform(text)) == text
    for text in ("standard", "bon:4", "won:8", "order:2:5", "mix:0.5*bon:4+0.5*standard"):
        assert str(infalign.Procedure(text)) == text
    assert repr(infalign.Transform("exp:2")) == "Transform('exp:2.0')"


def test_apply_matches_closed_forms_in_both_precisions(dtype):
    u = np.array([-0.5, 0.0, 0.25, 0.5, 1.0, 1.5], dtype=dtype)  # clamped into [0, 1]
    clamped = np.clip(u, 0, 1)
    np.testing.assert_allclose(infalign.Transform("exp:2").apply(u), np.exp(2 * clamped), rtol=4e-7)
    np.testing.assert_allclose(infalign.Transform("power:2")(u), clamped**2, rtol=4e-7)
    out = np.empty_like(u)
    assert infalign.Transform("negexp:1").apply(u, out=out) is out
    np.testing.assert_allclose(out, -np.exp(-clamped), rtol=4e-7)
    inplace = u.copy()
    infalign.Transform("identity").apply(inplace, out=inplace)
    assert bits_equal(inplace, clamped)


def test_procedure_values():
    p = infalign.Procedure("bon:4")
    np.testing.assert_array_equal(p(np.array([0.5, 1.0, 0.0])), [0.0625, 1.0, 0.0])
    won = infalign.Procedure("won:2")(np.array([0.5]))
    assert won[0] == 0.75


def test_tables():
    t = infalign.Transform.from_table([0, 0.5, 1], [0, 1, 4])
    grid, values = t.table
    assert list(grid) == [0, 0.5, 1] and list(values) == [0, 1, 4]
    assert t.apply(np.array([0.75]))[0] == 2.5
    assert infalign.Transform("exp:1").table is None
    assert str(t) == "table(3 points)"


def test_parse_errors_quote_the_text():
    with pytest.raises(infalign.ParseError, match=r'cannot parse transform "exp:-1": invalid rate t = -1'):
        infalign.Transform("exp:-1")
    with pytest.raises(infalign.ParseError, match=r"unknown transform \"cubic\""):
        infalign.Transform("cubic")
    with pytest.raises(infalign.ParseError, match=r'cannot parse procedure "bon:0": invalid N = 0'):
        infalign.Procedure("bon:0")
    with pytest.raises(infalign.ParseError, match=r"mixture weight"):
        infalign.Procedure("mix:a*bon:2")
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid grid\[2\] = 0.5: the grid must strictly"):
        infalign.Transform.from_table([0, 0.5, 0.5], [0, 1, 2])
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid values\[1\] = nan"):
        infalign.Transform.from_table([0, 1], [0, math.nan])
