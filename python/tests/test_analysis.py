import numpy as np
import pytest

import infalign


def test_analyze_equals_the_cli_to_the_last_bit(cli):
    for procedure, transform, target in (("bon:4", "exp:2", ("--kl", 0.5)), ("won:8", "negexp:5", ("--beta", 0.3)),
                                         ("bon:16", "identity", ("--kl", 2))):
        [row] = cli("analyze", "--procedure", procedure, "--transform", transform, *target, "--format", "json",
                    parse_json=True)
        kwargs = {"kl" if target[0] == "--kl" else "beta": float(target[1])}
        point = infalign.analyze(transform, procedure, **kwargs)
        assert (point.beta, point.kl, point.win_rate, point.standard_win_rate, point.log_z) == (
            row["beta"], row["kl"], row["win_rate"], row["standard_win_rate"], row["log_z"])


def test_analyze_closed_form_and_beta_for_kl():
    point = infalign.analyze("identity", "standard", beta=1.0)
    e = np.e
    assert abs(point.log_z - np.log(e - 1)) < 1e-12
    assert abs(point.standard_win_rate - 1 / (e - 1)) < 1e-12
    assert abs(infalign.beta_for_kl("identity", point.kl) - 1.0) < 1e-8
    vs_standard = infalign.analyze("exp:3", "bon:4", beta=0.5, reference="standard")
    assert vs_standard.win_rate != infalign.analyze("exp:3", "bon:4", beta=0.5).win_rate


def test_tune_equals_the_cli(cli):
    rows = cli("tuning-table", "--n", 4, "--kl", 0.5, "--grid", 64, "--format", "json", parse_json=True)
    bon = next(r for r in rows if r["procedure"] == "bon:4")
    tuned = infalign.tune("exp", 0.5, "bon:4")
    assert (tuned.parameter, tuned.point.beta, tuned.point.win_rate) == (bon["parameter"], bon["beta"],
                                                                         bon["win_rate"])
    assert str(tuned.transform).startswith("exp:")


def test_optimal_transform_equals_the_cli(cli, tmp_path):
    [row] = cli("optimal", "--procedure", "bon:4", "--beta", 0.1, "--grid", 128, "--format", "json", "--output",
                tmp_path / "r.csv", parse_json=True)
    result = infalign.optimal_transform("bon:4", beta=0.1, grid=128)
    assert (result.kl, result.win_rate, result.objective, result.iterations, result.residual) == (
        row["kl"], row["win_rate"], row["objective"], row["iterations"], row["residual"])
    table = np.loadtxt(tmp_path / "r.csv", delimiter=",", skiprows=1)
    assert np.array_equal(table[:, 0], result.grid) and np.array_equal(table[:, 1], result.values)
    at_kl = infalign.optimal_transform("bon:4", kl=0.5, grid=128)
    assert abs(at_kl.kl - 0.5) <= 1e-6 * 0.5
    # The optimal transform is a table transform usable everywhere a transform is.
    assert infalign.analyze(result.transform, "bon:4", beta=0.1).win_rate > 0.9


def test_analysis_errors():
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid beta = -1: the KL weight"):
        infalign.analyze("exp:1", "bon:2", beta=-1)
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid KL budget = 0"):
        infalign.beta_for_kl("exp:1", 0)
    with pytest.raises(infalign.InvalidParameterError, match=r"out of reach"):
        infalign.analyze("exp:1", "bon:2", kl=1e6)
    with pytest.raises(infalign.ParseError, match=r'cannot parse transform family "cubic"'):
        infalign.tune("cubic", 0.5, "bon:4")
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid range_high = 1"):
        infalign.tune("exp", 0.5, "bon:4", range=(5, 1))
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid range_low = -1"):
        infalign.tune("exp", 0.5, "bon:4", range=(-1, 1))
    with pytest.raises(infalign.ParseError, match=r'cannot parse optimal transform method "newton"'):
        infalign.optimal_transform("bon:4", beta=0.1, method="newton")
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid grid = 4: need at least 8"):
        infalign.optimal_transform("bon:4", beta=0.1, grid=4)
    with pytest.raises(infalign.InvalidParameterError, match=r"invalid grid = 100000: at most 65536"):
        infalign.optimal_transform("bon:4", beta=0.1, grid=100000)
    with pytest.raises(ValueError, match="exactly one of beta and kl"):
        infalign.analyze("exp:1", "bon:2")
