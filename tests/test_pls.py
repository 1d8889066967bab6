"""Tests of csi.pls on the mobi data (ECSI model).

References (see tests/reference/mobi_reference.md):
- SmartPLS 2 path coefficients and R² published for the mobi data (Tenenhaus et al. 2005).
- seminr 0.2.1 (Python port of the R package) run in the test as an oracle.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csi._stats import weighted_mean_sd
from csi.exceptions import ConvergenceError, DataError, ModelSpecError, ParameterError, SchemaError
from csi.io import Model, models
from csi.pls import PLSResult, estimate
from csi.pls._engine import estimate_arrays, layout

seminr = pytest.importorskip("seminr")
from seminr_oracle import assert_matches_seminr, seminr_pls

ECSI = models.ecsi()

# SmartPLS 2 (Tenenhaus et al. 2005, as quoted in the csi issue); seminr agrees.
SMARTPLS_PATHS = {
    ("Image", "Expectation"): 0.504914,
    ("Expectation", "Quality"): 0.556749,
    ("Quality", "Satisfaction"): 0.512024,
    ("Value", "Satisfaction"): 0.194765,
    ("Satisfaction", "Loyalty"): 0.485478,
    ("Complaints", "Loyalty"): 0.066926,
}
SMARTPLS_R2_SATISFACTION = 0.6811


@pytest.fixture(scope="module")
def fit(mobi) -> PLSResult:
    return estimate(ECSI, mobi)


# ------------------------------------------------------------------ seminr oracle
# ------------------------------------------------------------------ published numbers
def test_paths_match_smartpls(fit):
    got = {(s, t): e for s, t, e in fit.paths.itertuples(index=False)}
    for key, value in SMARTPLS_PATHS.items():
        assert got[key] == pytest.approx(value, abs=1e-5), key
    r2 = fit.r_squared.set_index("construct").loc["Satisfaction", "r_squared"]
    assert r2 == pytest.approx(SMARTPLS_R2_SATISFACTION, abs=1e-4)


@pytest.mark.parametrize("scheme", ["path", "factorial", "centroid"])
def test_matches_seminr(mobi, scheme):
    assert_matches_seminr(estimate(ECSI, mobi, scheme=scheme), seminr_pls(ECSI, mobi, scheme))


def test_mode_b_matches_seminr(mobi):
    text = models.preset_syntax("ecsi").replace("Image        =~", "Image <~").replace("Value        =~", "Value <~")
    model = Model.from_syntax(text)
    assert model.modes["Image"] == "B" and model.modes["Value"] == "B"
    ours = estimate(model, mobi)
    assert_matches_seminr(ours, seminr_pls(model, mobi))
    mode_a = estimate(ECSI, mobi).outer["weight"]
    image = (ours.outer["construct"] == "Image").to_numpy()
    assert not np.allclose(ours.outer["weight"][image], mode_a[image], atol=1e-3)


# ------------------------------------------------------------------ result tables
def test_result_tables(fit, mobi):
    assert list(fit.paths.columns) == ["source", "target", "estimate"]
    assert list(fit.outer.columns) == ["construct", "item", "weight", "loading"]
    assert list(fit.r_squared.columns) == ["construct", "r_squared", "r_squared_adj"]
    assert list(fit.item_stats.columns) == ["item", "mean", "sd"]
    assert tuple(fit.r_squared["construct"]) == ECSI.endogenous
    assert list(fit.outer["item"]) == list(ECSI.items)
    assert fit.n == 250 and fit.scheme == "path" and fit.iterations >= 2
    assert list(fit.scores.columns) == list(ECSI.constructs)
    assert fit.scores.index.equals(mobi.index)
    np.testing.assert_allclose(fit.scores.std(ddof=1), 1.0)
    np.testing.assert_allclose(fit.scores.mean(), 0.0, atol=1e-12)
    np.testing.assert_allclose(fit.item_stats["mean"], mobi[list(ECSI.items)].mean())
    np.testing.assert_allclose(fit.item_stats["sd"], mobi[list(ECSI.items)].std(ddof=1))
    r2 = fit.r_squared.set_index("construct").loc["Satisfaction"]
    assert r2["r_squared_adj"] == pytest.approx(1 - (1 - r2["r_squared"]) * 249 / (250 - 4 - 1))
    assert fit.case_weights is None and fit.scales == {}
    assert repr(fit).startswith("PLSResult: PLS path model of 7 constructs, 24 items; n = 250\n")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.n = 3  # type: ignore[misc]


def test_loadings_are_item_score_correlations(fit, mobi):
    for c, item, _, loading in fit.outer.itertuples(index=False):
        assert loading == pytest.approx(np.corrcoef(mobi[item], fit.scores[c])[0, 1], abs=1e-12)


def test_effects(fit, mobi):
    eff = fit.effects().set_index(["source", "target"])
    assert list(eff.columns) == ["direct", "indirect", "total"]
    np.testing.assert_allclose(eff["direct"] + eff["indirect"], eff["total"])
    p = {(s, t): e for s, t, e in fit.paths.itertuples(index=False)}
    assert eff.loc[("Image", "Quality"), "direct"] == 0.0
    assert eff.loc[("Image", "Quality"), "indirect"] == pytest.approx(p["Image", "Expectation"] * p["Expectation", "Quality"])
    assert ("Loyalty", "Image") not in eff.index and ("Image", "Image") not in eff.index
    total = seminr.total_effects(seminr_pls(ECSI, mobi).path_coef)
    for (s, t), row in eff.iterrows():
        assert row["total"] == pytest.approx(total.get(s, t), abs=1e-6)
    assert len(eff) == 21  # every ordered pair joined by a directed path


def test_summary_text_and_html(fit):
    summary = fit.summary()
    assert set(summary.tables) == {"paths", "r_squared", "outer", "effects", "f_squared", "inner_vif", "model_fit",
                                   "missing"}
    text = str(summary)
    assert "n = 250 of 250 rows" in text and "path scheme" in text
    assert "Satisfaction" in text and "0.5049" in text and "(none)" in text
    html = summary._repr_html_()
    assert html.count("<table") == 8 and "R squared" in html and "Model fit" in html


def test_sign_rule_flips_reversed_block(mobi):
    flipped = mobi.copy()
    image = list(ECSI.blocks["Image"])
    flipped[image] = 11 - flipped[image]  # reverse-coded Image items
    out = estimate(ECSI, flipped)
    image_loadings = out.outer.query("construct == 'Image'")["loading"]
    assert (image_loadings > 0).all()
    est = out.paths.set_index(["source", "target"])["estimate"]
    assert est["Image", "Expectation"] == pytest.approx(-0.504914, abs=1e-5)
    assert est["Quality", "Satisfaction"] == pytest.approx(0.512024, abs=1e-5)


# ------------------------------------------------------------------ case weights
def test_integer_weights_equal_repeated_rows(mobi):
    rng = np.random.default_rng(7)
    w = rng.integers(0, 4, size=len(mobi))
    weighted = estimate(ECSI, mobi, weights=w)
    repeated = estimate(ECSI, mobi.loc[mobi.index.repeat(w)])
    for name in ("paths", "outer", "r_squared", "item_stats"):
        a, b = getattr(weighted, name), getattr(repeated, name)
        if name == "r_squared":  # adjusted R² counts respondents (w > 0), not Σw: survey-weight semantics
            a, b = a.drop(columns="r_squared_adj"), b.drop(columns="r_squared_adj")
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=0, atol=1e-10)
    first = repeated.scores[~repeated.scores.index.duplicated()]
    np.testing.assert_allclose(weighted.scores.loc[first.index], first, atol=1e-10)
    assert weighted.n == 250 and repeated.n == int(w.sum())
    assert isinstance(weighted.case_weights, pd.Series)
    np.testing.assert_array_equal(weighted.case_weights.to_numpy(), w)


def test_adjusted_r_squared_counts_respondents_as_statsmodels_wls(mobi):
    """Issue 18: adjusted R² uses the respondents (rows with w > 0), not Σw. Reference: statsmodels WLS of each
    endogenous score on its predecessors' scores with the same weights (its nobs counts the non-zero weights, as
    R ``summary(lm(..., weights = w))``); weights summing to a population of 4 million give the same value."""
    sm = pytest.importorskip("statsmodels.api")
    w = np.random.default_rng(18).uniform(0.2, 3.0, len(mobi))
    w[:20] = 0.0  # zero weights are not respondents
    fit = estimate(ECSI, mobi, weights=w)
    big = estimate(ECSI, mobi, weights=w * 4e6 / w.sum())
    got = fit.r_squared.set_index("construct")
    keep = w > 0
    for target in ECSI.endogenous:
        preds = list(ECSI.predecessors(target))
        x = sm.add_constant(fit.scores.loc[keep, preds].to_numpy())
        ref = sm.WLS(fit.scores.loc[keep, target].to_numpy(), x, weights=w[keep]).fit()
        assert got.loc[target, "r_squared"] == pytest.approx(ref.rsquared, abs=1e-10)
        assert got.loc[target, "r_squared_adj"] == pytest.approx(ref.rsquared_adj, abs=1e-10)
    pd.testing.assert_frame_equal(fit.r_squared, big.r_squared, rtol=1e-10, atol=0)


def test_weights_as_column_and_series(mobi):
    w = np.linspace(0.5, 2.0, len(mobi))
    by_array = estimate(ECSI, mobi, weights=w)
    by_column = estimate(ECSI, mobi.assign(wt=w), weights="wt")
    by_series = estimate(ECSI, mobi, weights=pd.Series(w, index=mobi.index))
    pd.testing.assert_frame_equal(by_array.paths, by_column.paths)
    pd.testing.assert_frame_equal(by_array.paths, by_series.paths)
    unweighted = estimate(ECSI, mobi).paths["estimate"]
    assert not np.allclose(by_array.paths["estimate"], unweighted, atol=1e-4)


@pytest.mark.parametrize(
    ("weights", "error", "message"),
    [
        (-1.0, DataError, r"finite and non-negative; bad weight\(s\) in row\(s\) 3"),
        (np.nan, DataError, r"finite and non-negative; bad weight\(s\) in row\(s\) 3"),
    ],
)
def test_bad_weights(mobi, weights, error, message):
    w = np.ones(len(mobi))
    w[3] = weights
    with pytest.raises(error, match=message):
        estimate(ECSI, mobi, weights=w)


def test_weights_errors(mobi):
    with pytest.raises(SchemaError, match="weights column 'wt' not in data; columns available: CUEX1"):
        estimate(ECSI, mobi, weights="wt")
    with pytest.raises(DataError, match=r"one value per row of data \(250\)"):
        estimate(ECSI, mobi, weights=np.ones(3))
    with pytest.raises(DataError, match="index does not match"):
        estimate(ECSI, mobi, weights=pd.Series(1.0, index=mobi.index + 1))


# ------------------------------------------------------------------ missing values
@pytest.fixture
def holes(mobi) -> pd.DataFrame:
    df = mobi.copy()
    df.loc[[3, 7], "CUSA1"] = np.nan
    df.loc[7, "IMAG2"] = np.nan
    df.loc[10, "PERQ5"] = np.nan
    return df


def test_missing_raise_names_items_and_rows(holes):
    with pytest.raises(DataError) as info:
        estimate(ECSI, holes)
    msg = str(info.value)
    assert "IMAG2 (1)" in msg and "PERQ5 (1)" in msg and "CUSA1 (2)" in msg
    assert "rows 3, 7, 10" in msg and "missing='listwise'" in msg


def test_missing_raise_lists_at_most_ten_rows(mobi):
    df = mobi.copy()
    df.loc[range(0, 30, 2), "CUSL1"] = np.nan
    with pytest.raises(DataError, match=r"rows 0, 2, 4, 6, 8, 10, 12, 14, 16, 18 and 5 more;"):
        estimate(ECSI, df)


def test_missing_listwise(holes):
    out = estimate(ECSI, holes, missing="listwise")
    assert out.n == 247 and out.missing.attrs == {"n_read": 250, "n_used": 247, "missing_policy": "listwise"}
    counts = out.missing.set_index("item")["n_missing"]
    assert counts["CUSA1"] == 2 and counts["IMAG2"] == 1 and counts.sum() == 4
    assert list(out.missing.columns) == ["item", "n_missing"]
    assert not out.scores.index.isin([3, 7, 10]).any()
    assert_matches_seminr(out, seminr_pls(ECSI, holes, missing=seminr.na_omit))
    assert "n = 247 of 250 rows (missing: listwise)" in str(out.summary())


def test_missing_mean(holes):
    out = estimate(ECSI, holes, missing="mean")
    assert out.n == 250 and out.missing.attrs["n_used"] == 250 and out.missing.attrs["missing_policy"] == "mean"
    assert out.missing.set_index("item").loc["CUSA1", "n_missing"] == 2
    assert_matches_seminr(out, seminr_pls(ECSI, holes, missing=seminr.mean_replacement))
    assert list(out.summary().tables["missing"]["item"]) == ["IMAG2", "PERQ5", "CUSA1"]


def test_missing_mean_is_weighted(holes):
    w = np.where(np.arange(len(holes)) % 2, 3.0, 1.0)
    out = estimate(ECSI, holes, weights=w, missing="mean")
    col = holes["CUSA1"].to_numpy()
    seen = ~np.isnan(col)
    filled = np.where(seen, col, np.sum(col[seen] * w[seen]) / w[seen].sum())
    assert out.item_stats.set_index("item").loc["CUSA1", "mean"] == pytest.approx(np.sum(filled * w) / w.sum())


# ------------------------------------------------------------------ data and argument errors
def test_missing_columns(mobi):
    with pytest.raises(SchemaError, match=r"lacks item column\(s\) CUSA1, CUSL3 required by the model; columns available: CUEX1"):
        estimate(ECSI, mobi.drop(columns=["CUSA1", "CUSL3"]))


def test_non_numeric_column(mobi):
    df = mobi.astype({"CUSA2": object})
    df.loc[5, "CUSA2"] = "n/a"
    df.loc[9, "CUSA2"] = "seven"
    with pytest.raises(SchemaError, match=r"column 'CUSA2' is not numeric \(non-numeric values in row\(s\) 5, 9"):
        estimate(ECSI, df)
    with pytest.raises(SchemaError, match=r"column 'CUSA3' is not numeric \(values stored as text"):
        estimate(ECSI, mobi.astype({"CUSA3": str}))


def test_constant_item(mobi):
    with pytest.raises(DataError, match=r"item\(s\) CUSCO are constant"):
        estimate(ECSI, mobi.assign(CUSCO=5))


def test_extra_columns_and_custom_index(mobi):
    df = mobi.assign(region="north").set_axis([f"r{i}" for i in range(len(mobi))])
    df = df.iloc[:, ::-1]  # column order must not matter
    out = estimate(ECSI, df)
    assert out.scores.index[0] == "r0"
    pd.testing.assert_frame_equal(out.paths, estimate(ECSI, mobi).paths)


def test_scales_from_attrs(mobi):
    df = mobi.copy()
    df.attrs["scales"] = {c: (1, 10) for c in df.columns} | {"other": (0, 1)}
    out = estimate(ECSI, df)
    assert out.scales["CUSA1"] == (1.0, 10.0) and "other" not in out.scales
    df.attrs["scales"] = {"CUSA1": "1-10"}
    with pytest.raises(SchemaError, match=r"data.attrs\['scales'\]\['CUSA1'\] = '1-10' is not a \(min, max\) pair"):
        estimate(ECSI, df)


def test_non_convergence(mobi):
    with pytest.raises(ConvergenceError, match=r"did not converge in 1 iterations \(last change in outer weights \d"):
        estimate(ECSI, mobi, max_iter=1)


def test_argument_errors(mobi):
    with pytest.raises(ParameterError, match="estimate\\(\\): scheme='pth' is not allowed \\(did you mean 'path'\\?\\); "
                       "use one of 'path', 'centroid', 'factorial'"):
        estimate(ECSI, mobi, scheme="pth")
    with pytest.raises(ParameterError, match="missing='drop' is not allowed; use one of 'raise', 'listwise', 'mean'"):
        estimate(ECSI, mobi, missing="drop")
    with pytest.raises(ParameterError, match="estimate\\(\\): takes 2 positional arguments \\(model, data\\) but 3"):
        estimate(ECSI, mobi, None)  # type: ignore[misc]
    with pytest.raises(ModelSpecError, match="must be a csi Model"):
        estimate("Image =~ IMAG1", mobi)  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="must be a pandas DataFrame"):
        estimate(ECSI, mobi.to_numpy())  # type: ignore[arg-type]


# ------------------------------------------------------------------ numeric core
def test_weighted_mean_sd_matches_repetition():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(20, 3))
    w = rng.integers(1, 4, size=20).astype(float)
    mean, sd = weighted_mean_sd(x, w)
    rep = np.repeat(x, w.astype(int), axis=0)
    np.testing.assert_allclose(mean, rep.mean(axis=0))
    np.testing.assert_allclose(sd, rep.std(axis=0, ddof=1))


def test_estimate_arrays_core(mobi):
    lay = layout(ECSI)
    core = estimate_arrays(mobi[list(ECSI.items)].to_numpy(float), lay)
    j = lay.constructs.index
    assert core.path[j("Image"), j("Expectation")] == pytest.approx(0.504914, abs=1e-6)
    assert core.change < 1e-7


@settings(max_examples=15, deadline=None)
@given(
    scale=st.floats(min_value=0.1, max_value=50),
    shift=st.floats(min_value=-100, max_value=100),
    wscale=st.floats(min_value=1.5, max_value=20),
)
def test_invariance_property(mobi, scale, shift, wscale):
    """Positive affine item transforms and rescaled case weights leave the fit unchanged."""
    base = estimate(ECSI, mobi, weights=np.linspace(1, 2, len(mobi)))
    moved = mobi * scale + shift
    out = estimate(ECSI, moved, weights=np.linspace(1, 2, len(mobi)) * wscale)
    np.testing.assert_allclose(out.paths["estimate"], base.paths["estimate"], atol=1e-8)
    np.testing.assert_allclose(out.outer[["weight", "loading"]], base.outer[["weight", "loading"]], atol=1e-8)


def test_all_ones_weights_equal_unweighted(mobi, fit):
    ones = estimate(ECSI, mobi, weights=np.ones(len(mobi)))
    for name in ("paths", "outer", "r_squared", "item_stats"):
        pd.testing.assert_frame_equal(getattr(ones, name), getattr(fit, name), check_exact=False, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ones.scores, fit.scores, atol=1e-10)
