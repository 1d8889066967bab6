"""Tests of csi.fay_herriot: the Fay–Herriot EBLUP and its Prasad–Rao MSE.

Checks: the formulas by hand on four enterprises (exact fractions, written out below); REML equals the closed
form when the sampling variances are equal; the REML score is zero at Â; and R metafor 3.8-1 (random-effects
meta-regression with known variances, the same model; tests/reference/fay_herriot.R) on the demo's 24
Satisfaction indices, with industry means and with one mean, REML and the moment estimator.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.exceptions import DataError, ParameterError

REF = Path(__file__).resolve().parents[1] / "tests" / "reference"
INPUT = pd.read_csv(REF / "fay_herriot_input.csv")
METAFOR = pd.read_csv(REF / "fay_herriot_metafor.csv")


def _four(d=(2, 4, 6, 8)) -> pd.DataFrame:
    return pd.DataFrame({"enterprise_id": ["a", "b", "c", "d"], "industry": "water", "index": [70.0, 72.0, 76.0, 78.0],
                         "std_error": np.sqrt(d)})


def test_prasad_rao_by_hand():
    """y = 70, 72, 76, 78; D = 2, 4, 6, 8; one mean (x_i = 1), m = 4, p = 1.

    OLS mean 74, residuals −4, −2, 2, 4, Σr² = 40; leverages h_ii = 1/4, so Σ D_i (1 − h_ii) = 20 · 3/4 = 15;
    Â = (40 − 15) / (4 − 1) = 25/3 ≈ 8.3333.
    V_i = Â + D_i = 31/3, 37/3, 43/3, 49/3;  Σ 1/V_i = 3/31 + 3/37 + 3/43 + 3/49 ≈ 0.308847.
    β̂ = Σ (y_i/V_i) / Σ (1/V_i) = 913921/12440 ≈ 73.466318.
    γ_i = Â/V_i = 25/31, 25/37, 25/43, 25/49 ≈ 0.806452, 0.675676, 0.581395, 0.510204.
    θ̂_i = γ_i y_i + (1 − γ_i) β̂ ≈ 70.670900, 72.475563, 74.939389, 75.779421.
    g1_i = γ_i D_i = 50/31, 100/37, 150/43, 200/49 ≈ 1.612903, 2.702703, 3.488372, 4.081633.
    g2_i = (1 − γ_i)² / Σ 1/V_j ≈ 0.121293, 0.340577, 0.567367, 0.776760.
    V̄(Â) = 2 Σ V_j² / m² = 2 (31² + 37² + 43² + 49²)/9 / 16 = 3290/36 ≈ 91.388889.
    g3_i = D_i² / V_i³ · V̄(Â) ≈ 0.331308, 0.779421, 1.117260, 1.342298.
    mse_i = g1 + g2 + 2 g3 ≈ 2.396812, 4.602121, 6.290260, 7.542988.
    """
    y, d, m = [70, 72, 76, 78], [2, 4, 6, 8], 4
    a = Fraction(40 - 15, 3)
    v = [a + di for di in d]
    total = sum(1 / vi for vi in v)
    beta = sum(Fraction(yi) / vi for yi, vi in zip(y, v)) / total
    assert beta == Fraction(913921, 12440)
    gamma = [a / vi for vi in v]
    var_a = 2 * sum(vi * vi for vi in v) / m**2
    assert var_a == Fraction(3290, 36)
    g1 = [gi * di for gi, di in zip(gamma, d)]
    g2 = [(1 - gi) ** 2 / total for gi in gamma]
    g3 = [Fraction(di * di) / vi**3 * var_a for di, vi in zip(d, v)]
    out = csi.fay_herriot(_four(), by=None, method="prasad_rao")
    assert out.attrs["model_variance"] == pytest.approx(25 / 3, abs=1e-12)
    assert out.attrs["coefficients"] == {"all": pytest.approx(float(beta), abs=1e-12)}
    expected = {
        "synthetic_index": [float(beta)] * 4, "gamma": [float(g) for g in gamma],
        "fh_index": [float(g * yi + (1 - g) * beta) for g, yi in zip(gamma, y)],
        "g1": [float(x) for x in g1], "g2": [float(x) for x in g2], "g3": [float(x) for x in g3],
        "fh_mse": [float(a1 + a2 + 2 * a3) for a1, a2, a3 in zip(g1, g2, g3)],
    }
    for column, values in expected.items():
        assert np.allclose(out[column], values, rtol=0, atol=1e-10), column
    assert np.allclose(out["fh_index"], [70.670900, 72.475563, 74.939389, 75.779421], atol=1e-6)
    assert np.allclose(out["fh_mse"], [2.396812, 4.602121, 6.290260, 7.542988], atol=1e-6)
    assert np.allclose(out["fh_std_error"] ** 2, out["fh_mse"])


def test_equal_variances_give_the_closed_form():
    """With D_i = D for all i, REML and Prasad–Rao agree: Â = Σr²/(m − p) − D = 40/3 − 4 = 28/3, and
    β̂ is the plain mean 74; γ = (28/3)/(28/3 + 4) = 0.7 for everyone; the REML g3 uses V̄(Â) = 2/Σ V⁻² =
    2 (40/3)²/4 = 800/9, as Prasad–Rao's 2 Σ V² / m² does."""
    for method in ("reml", "prasad_rao"):
        out = csi.fay_herriot(_four((4, 4, 4, 4)), by="industry", method=method)
        assert out.attrs["model_variance"] == pytest.approx(28 / 3, abs=1e-9)
        assert np.allclose(out["synthetic_index"], 74.0) and np.allclose(out["gamma"], 0.7)
        assert np.allclose(out["fh_index"], 0.7 * out["index"] + 0.3 * 74.0)
        assert np.allclose(out["g3"], 16 / (40 / 3) ** 3 * 800 / 9)


def test_reml_score_is_zero_at_the_estimate():
    d = INPUT["std_error"].to_numpy() ** 2
    y = INPUT["index"].to_numpy()
    out = csi.fay_herriot(INPUT, method="reml")
    a = out.attrs["model_variance"]
    x = pd.get_dummies(INPUT["industry"]).to_numpy(dtype=float)
    v_inv = np.diag(1 / (a + d))
    p = v_inv - v_inv @ x @ np.linalg.inv(x.T @ v_inv @ x) @ x.T @ v_inv
    assert -0.5 * np.trace(p) + 0.5 * y @ p @ p @ y == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("design", ["industry", "overall"])
@pytest.mark.parametrize("method", ["reml", "prasad_rao"])
def test_equals_metafor(design, method):
    meta = json.loads((REF / "fay_herriot_meta.json").read_text())
    assert meta["metafor_version"] == "3.8.1"
    ref = METAFOR[(METAFOR["design"] == design) & (METAFOR["method"] == method)].reset_index(drop=True)
    out = csi.fay_herriot(INPUT, by="industry" if design == "industry" else None, method=method)
    assert (out["enterprise_id"] == ref["enterprise_id"]).all()
    assert out.attrs["model_variance"] == pytest.approx(ref["model_variance"].iloc[0], abs=1e-8)
    for column in ("synthetic_index", "fh_index"):
        assert np.abs(out[column] - ref[column]).max() < 1e-8, column
    # metafor's BLUP SE is √(g1 + g2): it leaves out the uncertainty of Â (g3), which the MSE adds
    assert np.abs(np.sqrt(out["g1"] + out["g2"]) - ref["blup_std_error"]).max() < 1e-8
    assert (out["fh_mse"] > out["g1"] + out["g2"]).all()


def test_shrinkage_is_toward_the_industry_and_by_the_variance():
    out = csi.fay_herriot(INPUT)
    lo, hi = np.minimum(out["index"], out["synthetic_index"]), np.maximum(out["index"], out["synthetic_index"])
    assert ((out["fh_index"] >= lo - 1e-12) & (out["fh_index"] <= hi + 1e-12)).all()
    assert out["gamma"].between(0, 1).all()
    # a larger sampling variance, a smaller weight on the direct index
    assert (np.argsort(out["gamma"].to_numpy()) == np.argsort(-out["std_error"].to_numpy())).all()
    means = INPUT.groupby("industry")["index"].mean()
    assert set(out.attrs["coefficients"]) == set(means.index)
    assert list(out.columns[: len(INPUT.columns)]) == list(INPUT.columns)  # the input's columns first, unchanged


def test_no_between_enterprise_variance_gives_the_industry_mean():
    flat = _four().assign(index=74.0)
    out = csi.fay_herriot(flat, method="reml")
    assert out.attrs["model_variance"] == 0.0
    assert np.allclose(out["gamma"], 0.0) and np.allclose(out["fh_index"], 74.0)


def test_bad_input():
    with pytest.raises(ParameterError, match=r"fay_herriot\(\): method='eb'"):
        csi.fay_herriot(INPUT, method="eb")
    with pytest.raises(DataError, match="missing column"):
        csi.fay_herriot(INPUT.drop(columns="std_error"))
    with pytest.raises(DataError, match="positive std_error"):
        csi.fay_herriot(INPUT.assign(std_error=INPUT["std_error"].where(INPUT.index != 3)))
    with pytest.raises(DataError, match="several rows"):
        csi.fay_herriot(pd.concat([INPUT, INPUT.head(1)]))
    with pytest.raises(DataError, match="more enterprises than industries"):
        csi.fay_herriot(INPUT.head(3).assign(industry=["a", "b", "c"]))
    with pytest.raises(DataError, match="several constructs"):
        csi.fay_herriot(INPUT.assign(construct=["A", "B"] * 12))
