"""The why-Φ study's own formulas (experiments/why_phi_*.py), against brute force: the discrete best-of-4 win rate
of a weighted sample, the run length and the dependence index, and the closed-form family fit. numpy only (the
studies' torch parts are not imported)."""

import itertools
import os
import random
import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))

task = pytest.importorskip("experiments.task")
variants = pytest.importorskip("experiments.why_phi_variants")
target = pytest.importorskip("experiments.why_phi_target")
projection = pytest.importorskip("experiments.why_phi_projection")


def brute_bon(rewards, p, n):
    """P(best of n draws from p beats best of n uniform draws), ties half, by enumerating every draw."""
    k = len(rewards)
    total = 0.0
    for a in itertools.product(range(k), repeat=n):
        pa = np.prod([p[i] for i in a])
        best_a = max(rewards[i] for i in a)
        for b in itertools.product(range(k), repeat=n):
            best_b = max(rewards[i] for i in b)
            total += pa * (1.0 if best_a > best_b else 0.5 if best_a == best_b else 0.0) / k ** n
    return total


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_discrete_bon_matches_enumeration(seed):
    rng = np.random.default_rng(seed)
    rewards = rng.integers(0, 3, size=4).astype(float)  # ties on purpose
    p = rng.random(4)
    p /= p.sum()
    assert target.discrete_bon(rewards, p, n=2) == pytest.approx(brute_bon(rewards, p, 2), abs=1e-12)


def test_discrete_bon_edge_cases():
    rewards = np.arange(8.0)
    assert target.discrete_bon(rewards, np.full(8, 1 / 8)) == pytest.approx(0.5, abs=1e-12)
    top = np.zeros(8)
    top[-1] = 1.0  # always the best sample: wins unless the uniform best-of-4 also draws it (then half)
    tie = 1 - (7 / 8) ** 4
    assert target.discrete_bon(rewards, top) == pytest.approx(1 - tie / 2, abs=1e-12)


def test_run_length():
    prompt = "Abce>"
    assert variants.run_length(prompt, "xbcebbxaaaaa") == 5
    assert variants.run_length(prompt, "adbbbbbbbbbb") == 0
    assert variants.run_length(prompt, "a" + "e" * 11) == 11


def test_dependence_index():
    prompt = "Abce>"
    rng = random.Random(3)
    independent = [task.reference_completion(prompt, rng) for _ in range(20000)]
    assert abs(variants.dependence([prompt], [independent])) < 0.05
    # all hits or none: q is 0 or 11, the 11 positions move together, Var(q)/Σ Var = 11
    clustered = ["a" + "b" * 11, "a" + "d" * 11] * 50
    assert variants.dependence([prompt], [clustered]) == pytest.approx(10.0, abs=1e-9)
    # weights that keep one completion leave nothing varying: the prompt is skipped, and with none left it says so
    with pytest.raises(ValueError, match="no prompt"):
        variants.dependence([prompt], [clustered], [[1.0] + [0.0] * 99])


@pytest.mark.parametrize("family", projection.FAMILIES)
def test_projection_fit_with_uniform_weights_recovers_the_reference(family):
    """Uniform weights on many π_ref samples: the fitted family is π_ref (positions are independent in π_ref)."""
    prompt = "Cbeh>"
    rng = random.Random(9)
    ref = projection.reference_probabilities(prompt)
    assert np.allclose(ref.sum(axis=1), 1.0)
    samples = [task.reference_completion(prompt, rng) for _ in range(40000)]
    codes = np.array([[projection.CHARS.index(c) for c in y] for y in samples])
    table = projection.fit(prompt, codes, np.ones(len(codes)), family, ref)
    visited = projection.states(prompt, codes, family)
    for k in range(projection.L):
        for s in np.unique(visited[:, k]):
            if (visited[:, k] == s).sum() > 3000:
                assert np.abs(table[k, s] - ref[k]).max() < 0.03


def test_projection_sample_log_ratio_is_exact():
    """The fitted policy's log-ratio is log π − log π_ref of the drawn sequence, both computed independently."""
    prompt = "Dacf>"
    ref = projection.reference_probabilities(prompt)
    rng = np.random.default_rng(4)
    table = rng.random((projection.L, projection.L, len(projection.CHARS))) * (ref[:, None, :] > 0)
    table /= table.sum(axis=2, keepdims=True)  # the family's support is π_ref's, as fit() keeps it
    for family in projection.FAMILIES:
        codes, log_ratio = projection.sample(prompt, table, family, ref, 64, rng)
        state = projection.states(prompt, codes, family)
        direct = sum(np.log(table[k, state[:, k], codes[:, k]]) - np.log(ref[k, codes[:, k]])
                     for k in range(projection.L))
        assert np.allclose(log_ratio, direct, atol=1e-12)


why_phi = pytest.importorskip("experiments.why_phi")


@pytest.mark.parametrize("kl", [0.25, 1.0])
def test_exact_density_against_the_closed_form_of_the_identity_tilt(kl):
    """f(u) = e^{u/β}/Z for identity: its KL is the budget, and E_f[u] = 1/(1 − e^{−1/β}) − β, up to the grid's
    O(1/K) discretization (K = 20000: 5e-5 in KL at KL 1)."""
    import math

    import infalign

    beta = infalign.analyze("identity", "bon:4", kl=kl).beta
    u, mass = why_phi.exact_density("identity", kl)
    assert mass.sum() == pytest.approx(1.0, abs=1e-12)
    assert float(np.sum(mass * np.log(mass * len(mass)))) == pytest.approx(kl, abs=1e-4)
    mean = 1.0 / -math.expm1(-1.0 / beta) - beta
    assert why_phi.exact_top_mass("identity", kl, m=1) == pytest.approx(mean, abs=1e-4)
