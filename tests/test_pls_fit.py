"""Model fit of a PLS fit: model-implied item correlations, SRMR and d_ULS.

References (details in tests/reference/srmr_reference.md), ECSI ``satisfaction`` data
(plspm 0.4.9 / cSEM, tests/reference/satisfaction.csv) and cSEM's README model:
- cSEM 0.6.1, plain PLS, tolerance 1e-12, full precision: traderbhai/QuickPLS,
  validation/results/assessment_published_satisfaction_csem_0_6_1.csv (commit 3f9c734).
- cSEM README (github.com/FloSchuberth/cSEM, README.md, ``assess(res)``), PLSc defaults,
  printed to 7 significant digits: SRMR = 0.09396871, geodesic distance 0.6493432,
  squared Euclidean distance 2.23402.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi

REF = Path(__file__).parent / "reference"
SATISFACTION_SHA256 = "7472dc1222129c94ecb4b1f0fdab1e9d82bd15023b09eb55f527ba4c6bc9d5e9"

CSEM_README_MODEL = csi.Model.from_syntax("""
IMAG <~ imag1 + imag2 + imag3
EXPE <~ expe1 + expe2 + expe3
QUAL <~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  <~ val1  + val2  + val3
SAT  =~ sat1  + sat2  + sat3  + sat4
LOY  =~ loy1  + loy2  + loy3  + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
""")

# cSEM 0.6.1, .disattenuate = FALSE, .tolerance = 1e-12 (QuickPLS validation/results/
# assessment_published_satisfaction_csem_0_6_1.csv): full precision.
CSEM_PLS = {
    ("SRMR", "saturated"): 0.0630071602774017,
    ("SRMR", "estimated"): 0.102213608196111,
    ("d_ULS", "saturated"): 1.00438526829421,
    ("d_ULS", "estimated"): 2.64324829021844,
}
CSEM_PLS_R2 = {"EXPE": 0.222174387230446, "QUAL": 0.696304433755123, "VAL": 0.547443412530451,
               "SAT": 0.690044846287666, "LOY": 0.483917746960705}
# cSEM README, assess(res) with cSEM defaults (PLSc, stop at max|dw| < 1e-5), printed values:
CSEM_README_SRMR = 0.09396871  # 7 significant digits -> pinned to 5e-8 (csi: 0.0939687206)
CSEM_README_DG = 0.6493432  # "Geodesic distance", pinned to 5e-7
CSEM_README_DL = 2.23402  # "Squared Euclidean distance" (= d_ULS), 6 digits -> pinned to 1e-5


@pytest.fixture(scope="module")
def satisfaction() -> pd.DataFrame:
    path = REF / "satisfaction.csv"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == SATISFACTION_SHA256
    data = pd.read_csv(path, index_col=0)
    assert data.shape == (250, 28)
    return data


def _table(fit) -> dict:
    mf = fit.model_fit().set_index("measure")
    return {(m, kind): mf.loc[m, kind] for m in ("SRMR", "d_ULS") for kind in ("saturated", "estimated")}


# ------------------------------------------------------------------ references
def test_srmr_matches_csem_plain_pls_full_precision(satisfaction):
    fit = csi.estimate(CSEM_README_MODEL, satisfaction, tol=1e-12, max_iter=3000)  # as the cSEM run
    r2 = fit.r_squared.set_index("construct")["r_squared"]
    for c, value in CSEM_PLS_R2.items():
        assert r2[c] == pytest.approx(value, abs=1e-10), c
    got = _table(fit)
    for key, value in CSEM_PLS.items():
        assert got[key] == pytest.approx(value, abs=1e-12), key
    assert fit.srmr() == got["SRMR", "estimated"] and fit.srmr(saturated=True) == got["SRMR", "saturated"]
    # csi's default stopping rule (sum |dw| < 1e-7) moves SRMR by ~1e-11 only
    default = _table(csi.estimate(CSEM_README_MODEL, satisfaction))
    for key, value in CSEM_PLS.items():
        assert default[key] == pytest.approx(value, abs=1e-9), key


def test_srmr_matches_csem_readme_plsc(satisfaction):
    fit = csi.estimate(CSEM_README_MODEL, satisfaction, consistent=True)
    assert fit.srmr() == pytest.approx(CSEM_README_SRMR, abs=5e-8)
    assert _table(fit)["d_ULS", "estimated"] == pytest.approx(CSEM_README_DL, abs=1e-5)
    # geodesic distance of the same implied matrix (cSEM calculateDG: 1/2 sum log10(eig(S^-1 Sigma))^2)
    s = np.corrcoef(fit.x, rowvar=False)
    eig = np.linalg.eigvals(np.linalg.solve(s, fit.implied_corr().to_numpy())).real
    assert 0.5 * np.sum(np.log10(eig) ** 2) == pytest.approx(CSEM_README_DG, abs=5e-7)
    paths = fit.paths.set_index(["source", "target"])["estimate"]
    assert paths["VAL", "SAT"] == pytest.approx(0.5270, abs=5e-5)  # printed in the same README
    assert paths["SAT", "LOY"] == pytest.approx(0.6283, abs=5e-5)


# ------------------------------------------------------------------ properties
def test_implied_matrix_structure(satisfaction):
    fit = csi.estimate(CSEM_README_MODEL, satisfaction, consistent=True)
    items = list(CSEM_README_MODEL.items)
    s = pd.DataFrame(np.corrcoef(fit.x, rowvar=False), index=items, columns=items)
    lam = fit.outer.set_index("item")["loading"]
    corr = fit.construct_corr
    for saturated in (True, False):
        sigma = fit.implied_corr(saturated)
        assert list(sigma.index) == items and list(sigma.columns) == items
        np.testing.assert_allclose(np.diag(sigma), 1.0, atol=1e-15)
        np.testing.assert_allclose(sigma, sigma.T, atol=1e-15)
        assert np.linalg.eigvalsh(sigma.to_numpy()).min() > 0
        mode_b = list(CSEM_README_MODEL.blocks["QUAL"])  # composite: observed within-block correlations
        np.testing.assert_allclose(sigma.loc[mode_b, mode_b], s.loc[mode_b, mode_b], atol=1e-14)
        sat = list(CSEM_README_MODEL.blocks["SAT"])  # common factor: lambda_k lambda_l (consistent loadings)
        assert sigma.loc["sat1", "sat3"] == pytest.approx(lam["sat1"] * lam["sat3"], abs=1e-14)
        assert not np.allclose(sigma.loc[sat, sat], s.loc[sat, sat], atol=1e-3)
    # across blocks of exogenous IMAG and its direct successor EXPE: only the path, which
    # reproduces their correlation, so saturated and estimated agree there ...
    sat_m, est_m = fit.implied_corr(True), fit.implied_corr(False)
    expected = lam["imag2"] * corr.loc["IMAG", "EXPE"] * lam["expe1"]
    assert sat_m.loc["imag2", "expe1"] == pytest.approx(expected, abs=1e-14)
    assert est_m.loc["imag2", "expe1"] == pytest.approx(expected, abs=1e-12)
    # ... but not for IMAG and QUAL (no direct path): implied = r(IMAG,EXPE)·beta(EXPE->QUAL)
    assert est_m.loc["imag2", "qual1"] != pytest.approx(sat_m.loc["imag2", "qual1"], abs=1e-3)
    b = fit.paths.set_index(["source", "target"])["estimate"]
    implied_iq = corr.loc["IMAG", "EXPE"] * b["EXPE", "QUAL"]
    assert est_m.loc["imag2", "qual1"] == pytest.approx(lam["imag2"] * implied_iq * lam["qual1"], abs=1e-12)


def test_srmr_is_zero_when_the_model_reproduces_every_correlation(satisfaction):
    # single-item constructs: loadings 1, the saturated model is the observed matrix
    full = csi.Model.from_syntax("A =~ imag1\nB =~ expe1\nC =~ sat1\nD =~ loy1\nB ~ A\nC ~ A + B\nD ~ A + B + C")
    fit = csi.estimate(full, satisfaction)
    assert fit.srmr(saturated=True) == pytest.approx(0.0, abs=1e-14)
    # a complete recursive structural model is just-identified: estimated = saturated = S
    assert fit.srmr() == pytest.approx(0.0, abs=1e-14)
    # drop two paths: the saturated model still fits exactly, the estimated one no longer does
    reduced = csi.Model.from_syntax("A =~ imag1\nB =~ expe1\nC =~ sat1\nD =~ loy1\nB ~ A\nC ~ B\nD ~ C")
    fit = csi.estimate(reduced, satisfaction)
    assert fit.srmr(saturated=True) == pytest.approx(0.0, abs=1e-14)
    assert fit.srmr() > 0.05


def test_complete_structural_model_gives_estimated_equal_saturated(satisfaction):
    model = csi.Model.from_syntax("""
    IMAG <~ imag1 + imag2 + imag3
    EXPE =~ expe1 + expe2 + expe3
    SAT  =~ sat1  + sat2  + sat3  + sat4
    EXPE ~ IMAG
    SAT  ~ IMAG + EXPE
    """)
    for consistent in (False, True):
        fit = csi.estimate(model, satisfaction, consistent=consistent)
        np.testing.assert_allclose(fit.implied_corr(False), fit.implied_corr(True), atol=1e-12)
        assert fit.srmr() == pytest.approx(fit.srmr(saturated=True), abs=1e-12) and fit.srmr() > 0.01


def test_srmr_uses_the_weighted_correlations(satisfaction):
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 4, size=len(satisfaction))
    weighted = csi.estimate(CSEM_README_MODEL, satisfaction, weights=counts.astype(float), consistent=True)
    repeated = csi.estimate(CSEM_README_MODEL, satisfaction.loc[satisfaction.index.repeat(counts)], consistent=True)
    pd.testing.assert_frame_equal(weighted.model_fit(), repeated.model_fit(), atol=1e-10, rtol=0)
    pd.testing.assert_frame_equal(weighted.implied_corr(), repeated.implied_corr(), atol=1e-10, rtol=0)
    unweighted = csi.estimate(CSEM_README_MODEL, satisfaction, consistent=True)
    assert abs(weighted.srmr() - unweighted.srmr()) > 1e-4


def test_model_fit_in_summary(satisfaction):
    fit = csi.estimate(CSEM_README_MODEL, satisfaction)
    summary = fit.summary()
    table = summary.tables["model_fit"]
    assert list(table.columns) == ["measure", "saturated", "estimated"]
    assert list(table["measure"]) == ["SRMR", "d_ULS"]
    text = str(summary)
    assert "Model fit" in text and "0.1022" in text and "0.0630" in text
    assert "<h4>Model fit</h4>" in summary._repr_html_()
    d_uls = table.set_index("measure").loc["d_ULS"]
    p = len(CSEM_README_MODEL.items)  # d_ULS = SRMR² · p(p+1)/2 (unit diagonals: no diagonal residual)
    srmr = table.set_index("measure").loc["SRMR"]
    np.testing.assert_allclose(d_uls, srmr**2 * p * (p + 1) / 2, rtol=1e-12)
