"""Tests of csi.reliability.

References:
- R psych 2.2.9 (R 4.2.2): golden files tests/reference/reliability_*.csv written by
  tests/reference/reliability.R (alpha, std.alpha, Feldt CI, Duhachek ase, alpha.drop, r.drop,
  one-factor minres omega via psych::fa, KMO, Bartlett). The tests read the files, never run R.
- seminr 0.2.1 Python port, run live: rho_A, rho_C, AVE, (standardized) alpha, HTMT, item VIFs,
  Fornell–Larcker table and cross-loadings on mobi with the ECSI model.
- pingouin 0.7.0, run live: pairwise-deletion alpha point estimate.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import csi
from csi.exceptions import DataError, ParameterError
from csi.io import Model, models
from csi.measurement import (
    AlphaResult,
    HTMT2Warning,
    cronbach_alpha,
    cross_loadings,
    fornell_larcker,
    htmt,
    kmo_bartlett,
    omega_total,
    outer_vif,
    reliability,
)
from csi.pls import estimate

seminr = pytest.importorskip("seminr")
from seminr_oracle import seminr_pls

ROOT = Path(__file__).resolve().parents[1]
REF = ROOT / "tests" / "reference"
ECSI = models.ecsi()
MOBI_BLOCKS = {c: list(ECSI.blocks[c]) for c in ECSI.constructs if len(ECSI.blocks[c]) >= 2}
DEMO_QUALITY = [f"QUAL{i}" for i in range(1, 6)]
TOL = 1e-6


# ------------------------------------------------------------------ data
@pytest.fixture(scope="module")
def demo_quality() -> pd.DataFrame:
    """Demo Quality items as csi reads them (99 → NaN, QUAL5 reversed), complete rows only."""
    q = csi.load_questionnaire(ROOT / "data/demo/questionnaire.toml")
    df = csi.read_responses(ROOT / "data/demo/responses_2026.csv", q)
    return df[DEMO_QUALITY].dropna()


@pytest.fixture(scope="module")
def scales(mobi, demo_quality) -> dict[str, pd.DataFrame]:
    out = {f"mobi:{c}": mobi[items] for c, items in MOBI_BLOCKS.items()}
    out["demo:Quality"] = demo_quality
    return out


@pytest.fixture(scope="module")
def fit(mobi):
    return estimate(ECSI, mobi)


@pytest.fixture(scope="module")
def seminr_fit(mobi):
    return seminr_pls(ECSI, mobi)  # every ECSI block is Mode A


def _golden(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"reliability_{name}.csv")


ALPHA_REF = _golden("alpha").set_index("scale")
SCALES = list(ALPHA_REF.index)


# ------------------------------------------------------------------ golden: R psych
@pytest.mark.parametrize("scale", SCALES)
def test_alpha_matches_psych(scales, scale):
    ref = ALPHA_REF.loc[scale]
    x = scales[scale]
    feldt = cronbach_alpha(x, ci="feldt")
    duh = cronbach_alpha(x, ci="duhachek")
    assert (feldt.n, feldt.k) == (ref["n"], ref["k"])
    assert feldt.alpha == pytest.approx(ref["raw_alpha"], abs=TOL)
    assert feldt.alpha_std == pytest.approx(ref["std_alpha"], abs=TOL)
    assert feldt.ci_low == pytest.approx(ref["feldt_low"], abs=TOL)  # psych alpha()$feldt
    assert feldt.ci_high == pytest.approx(ref["feldt_high"], abs=TOL)
    assert duh.std_error == pytest.approx(ref["ase"], abs=1e-9)  # psych alpha()$total$ase
    assert duh.ci_low == pytest.approx(ref["duhachek_low"], abs=TOL)
    assert duh.ci_high == pytest.approx(ref["duhachek_high"], abs=TOL)


@pytest.mark.parametrize("scale", SCALES)
def test_item_stats_match_psych(scales, scale):
    ref = _golden("items").query("scale == @scale").set_index("item")
    raw = cronbach_alpha(scales[scale], ci=None).item_stats.set_index("item")
    std = cronbach_alpha(scales[scale], ci=None, standardized=True).item_stats.set_index("item")
    assert list(raw.index) == list(ref.index)
    np.testing.assert_allclose(raw["item_rest_r"], ref["r_drop"], atol=TOL)  # psych item.stats$r.drop
    if len(ref) > 2:  # alpha of a single remaining item is undefined (csi: NaN)
        np.testing.assert_allclose(raw["alpha_if_deleted"], ref["alpha_drop_raw"], atol=TOL)
        np.testing.assert_allclose(std["alpha_if_deleted"], ref["alpha_drop_std"], atol=TOL)
    else:
        assert raw["alpha_if_deleted"].isna().all()


@pytest.mark.parametrize("scale", [s for s in SCALES if ALPHA_REF.loc[s, "k"] >= 3])
def test_omega_matches_psych_fa(scales, scale):
    """omega = (Σλ)²/((Σλ)² + Σθ) of a one-factor minres (ULS) solution, θ = 1 − λ².

    Reference 1: psych::fa(fm = "pa", min.err = 1e-14) — iterated principal axes run to
    convergence; its fixed point is the minres optimum. Agreement 1e-6 (in practice ~1e-12).
    Reference 2: psych::fa(fm = "minres") — psych's optim() stops a little early (its minres
    objective is ~2e-10 above csi's on mobi Image), so agreement is 1e-5.
    mobi Loyalty is a Heywood case: csi, like psych minres, bounds uniquenesses at 0.005 (psych pa
    does not), and psych's optim is further from the bounded optimum: 1e-4 against minres there.
    """
    ref = ALPHA_REF.loc[scale]
    got = omega_total(np.corrcoef(scales[scale].to_numpy(dtype=float), rowvar=False))
    if scale == "mobi:Loyalty":
        assert got == pytest.approx(ref["omega_fa_minres"], abs=1e-4)
        return
    assert got == pytest.approx(ref["omega_fa_pa"], abs=TOL)
    assert got == pytest.approx(ref["omega_fa_minres"], abs=1e-5)


@pytest.mark.parametrize("scale", SCALES)
def test_kmo_bartlett_match_psych(scales, scale):
    ref = _golden("kmo").set_index("scale").loc[scale]
    items = _golden("kmo_items").query("scale == @scale")
    got = kmo_bartlett(scales[scale])
    assert got.kmo == pytest.approx(ref["kmo"], abs=TOL)  # psych::KMO()$MSA
    np.testing.assert_allclose(got.item_kmo["kmo"], items["kmo"], atol=TOL)  # $MSAi
    assert got.chi2 == pytest.approx(ref["chi2"], rel=1e-9)  # psych::cortest.bartlett
    assert got.df == ref["df"]
    assert got.p_value == pytest.approx(ref["p_value"], rel=1e-6, abs=1e-300)


# ------------------------------------------------------------------ live oracle: seminr
def test_reliability_matches_seminr(fit, mobi, seminr_fit):
    from seminr.evaluate.reliability import reliability_table

    ref = reliability_table(seminr_fit)
    got = reliability(fit, data=mobi).set_index("construct")
    assert list(got.index) == [c for c in ECSI.constructs if len(ECSI.blocks[c]) >= 2]
    for c, row in got.iterrows():
        assert row["rho_a"] == pytest.approx(ref.get(c, "rhoA"), abs=TOL), c
        assert row["rho_c"] == pytest.approx(ref.get(c, "rhoC"), abs=TOL), c
        assert row["ave"] == pytest.approx(ref.get(c, "AVE"), abs=TOL), c
        assert row["alpha_std"] == pytest.approx(ref.get(c, "alpha"), abs=TOL), c  # seminr alpha is standardized
        assert row["alpha"] == pytest.approx(ALPHA_REF.loc[f"mobi:{c}", "raw_alpha"], abs=TOL), c  # psych
    assert got["alpha_ok"].dtype == bool and not got.loc["Expectation", "alpha_ok"]
    assert got.loc["Quality", ["alpha_ok", "rho_c_ok", "ave_ok"]].all()


def test_reliability_omega_matches_psych(fit, mobi):
    got = reliability(fit, data=mobi).set_index("construct")
    for c in ("Image", "Expectation", "Quality", "Satisfaction"):
        assert got.loc[c, "omega"] == pytest.approx(ALPHA_REF.loc[f"mobi:{c}", "omega_fa_pa"], abs=TOL), c


def test_htmt_matches_seminr(fit, mobi, seminr_fit):
    from seminr.evaluate.validity import htmt as seminr_htmt

    ref = seminr_htmt(seminr_fit)
    got = htmt(fit, data=mobi)
    n = len(ECSI.constructs)
    assert len(got) == n * (n - 1) // 2
    for a, b, value, _ok in got.itertuples(index=False):
        assert value == pytest.approx(ref.get(a, b), abs=TOL), (a, b)
    assert list(got.columns) == ["construct_a", "construct_b", "htmt", "htmt_ok"]


def test_htmt2_is_geometric(fit, mobi):
    with pytest.warns(HTMT2Warning, match="undefined for Quality–Loyalty: .* ≤ 0 in the sample"):
        got = htmt(fit, data=mobi, kind="htmt2").set_index(["construct_a", "construct_b"])["htmt"]
    x = mobi.to_numpy(dtype=float)
    cols = {c: i for i, c in enumerate(mobi.columns)}
    r = np.corrcoef(x, rowvar=False)

    def gmean(items_a, items_b, same):
        sub = np.abs(r[np.ix_([cols[i] for i in items_a], [cols[i] for i in items_b])])
        vals = sub[np.triu_indices(len(items_a), 1)] if same else sub.ravel()
        return np.exp(np.log(vals).mean())

    qa, sa = ECSI.blocks["Quality"], ECSI.blocks["Satisfaction"]
    expect = gmean(qa, sa, False) / np.sqrt(gmean(qa, qa, True) * gmean(sa, sa, True))
    assert got[("Quality", "Satisfaction")] == pytest.approx(expect, rel=1e-12)


def test_outer_vif_matches_seminr(fit, mobi, seminr_fit):
    from seminr.evaluate.constructs_in_model import constructs_in_model
    from seminr.evaluate.validity import item_vifs

    ref = item_vifs(seminr_fit, constructs_in_model(seminr_fit))
    for item, c, vif in outer_vif(fit, data=mobi).itertuples(index=False):
        assert vif == pytest.approx(ref[c][item], abs=TOL), item


def test_fornell_larcker_and_cross_loadings_match_seminr(fit, mobi, seminr_fit):
    from seminr.evaluate.constructs_in_model import constructs_in_model
    from seminr.evaluate.validity import cross_loadings as seminr_cross
    from seminr.evaluate.validity import fl_criteria_table

    mc = constructs_in_model(seminr_fit)
    fl = fl_criteria_table(seminr_fit, mc)
    for a, b, value, _ok in fornell_larcker(fit).itertuples(index=False):
        ref = fl.get(a, b) if not np.isnan(fl.get(a, b)) else fl.get(b, a)
        assert value == pytest.approx(ref, abs=TOL), (a, b)
    cl = seminr_cross(seminr_fit, mc)
    got = cross_loadings(fit, data=mobi)
    for item, _own_c, c, loading, _own, _ok in got.itertuples(index=False):
        assert loading == pytest.approx(cl.get(item, c), abs=TOL), (item, c)
    assert got.loc[got["own"], "loading"].to_numpy() == pytest.approx(fit.outer["loading"].to_numpy(), abs=1e-12)


def test_fornell_larcker_flags(fit):
    fl = fornell_larcker(fit)
    diag = fl[fl["construct_a"] == fl["construct_b"]].set_index("construct_a")
    r = np.corrcoef(fit.scores.to_numpy(), rowvar=False)
    cons = list(ECSI.constructs)
    for c, row in diag.iterrows():
        others = np.abs(np.delete(r[cons.index(c)], cons.index(c)))
        assert row["ok"] == (row["estimate"] > others.max())


# ------------------------------------------------------------------ live oracle: pingouin
def test_pairwise_alpha_matches_pingouin_and_pandas():
    pingouin = pytest.importorskip("pingouin")
    rng = np.random.default_rng(3)
    f = rng.normal(size=(400, 1))
    x = pd.DataFrame(f + rng.normal(size=(400, 6)), columns=[f"i{j}" for j in range(6)])
    x = x.mask(rng.random(x.shape) < 0.1)
    got = cronbach_alpha(x, missing="pairwise", ci=None)
    c = x.cov().to_numpy()  # pandas: pairwise-complete covariances
    k = c.shape[0]
    assert got.alpha == pytest.approx(k / (k - 1) * (1 - np.trace(c) / c.sum()), abs=1e-12)
    assert got.alpha == pytest.approx(pingouin.cronbach_alpha(x, nan_policy="pairwise")[0], abs=TOL)
    assert got.n == int((x.notna().astype(int).T @ x.notna().astype(int)).to_numpy().min())


# ------------------------------------------------------------------ behaviour
def test_pairwise_equals_listwise_on_complete_data(mobi):
    x = mobi[MOBI_BLOCKS["Image"]]
    a, b = cronbach_alpha(x, missing="pairwise"), cronbach_alpha(x)
    assert (a.alpha, a.ci_low, a.n) == pytest.approx((b.alpha, b.ci_low, b.n), abs=1e-12)


def test_listwise_n_and_feldt_use_rows_used(demo_quality):
    q = csi.load_questionnaire(ROOT / "data/demo/questionnaire.toml")
    raw = csi.read_responses(ROOT / "data/demo/responses_2026.csv", q)[DEMO_QUALITY]
    got = cronbach_alpha(raw)
    assert got.n == len(demo_quality) < len(raw)
    assert got.ci_low == pytest.approx(ALPHA_REF.loc["demo:Quality", "feldt_low"], abs=TOL)


def test_bootstrap_is_seeded_and_sensible(mobi):
    x = mobi[MOBI_BLOCKS["Quality"]]
    a = cronbach_alpha(x, ci="bootstrap", n_resamples=300, seed=7)
    b = cronbach_alpha(x, ci="bootstrap", n_resamples=300, seed=7)
    assert (a.ci_low, a.ci_high, a.std_error) == (b.ci_low, b.ci_high, b.std_error)
    assert a.ci_low < a.alpha < a.ci_high
    # an independent index-resampling bootstrap (np.cov on resampled rows): same SE up to MC error
    v, rng, k = x.to_numpy(dtype=float), np.random.default_rng(1), x.shape[1]
    reps = []
    for _ in range(1000):
        c = np.cov(v[rng.integers(0, len(v), len(v))], rowvar=False)
        reps.append(k / (k - 1) * (1 - np.trace(c) / c.sum()))
    assert a.std_error == pytest.approx(np.std(reps, ddof=1), rel=0.2)


def test_standardized_estimator_and_result_shape(mobi):
    got = cronbach_alpha(mobi[MOBI_BLOCKS["Image"]], standardized=True, ci="duhachek", level=0.9)
    assert isinstance(got, AlphaResult) and got.estimator == "standardized"
    assert got.estimate == got.alpha_std and got.ci_low < got.alpha_std < got.ci_high
    assert list(got.item_stats.columns) == ["item", "alpha_if_deleted", "item_rest_r"]
    assert list(got.to_frame().columns)[:4] == ["alpha", "alpha_std", "ci_low", "ci_high"]
    assert all(isinstance(v, float) for v in (got.alpha, got.alpha_std, got.ci_low, got.ci_high, got.std_error))


# ------------------------------------------------------------------ weights
def test_integer_weights_equal_repeated_rows_alpha(mobi):
    """Estimates equal repeated rows; the interval's n is Kish's effective n of the respondents, not Σw."""
    rng = np.random.default_rng(11)
    x = mobi[MOBI_BLOCKS["Quality"]].copy()
    x = x.mask(rng.random(x.shape) < 0.05)
    w = rng.integers(0, 4, size=len(x))
    rep = x.loc[x.index.repeat(w)].reset_index(drop=True)
    for missing in ("listwise", "pairwise"):
        for ci in ("feldt", "duhachek"):
            a = cronbach_alpha(x, weights=w, missing=missing, ci=ci)
            b = cronbach_alpha(rep, missing=missing, ci=ci)
            assert (a.alpha, a.alpha_std) == pytest.approx((b.alpha, b.alpha_std), abs=1e-10), (missing, ci)
            pd.testing.assert_frame_equal(a.item_stats, b.item_stats, atol=1e-10)
    a = cronbach_alpha(x, weights=w)
    used = ~x.isna().any(axis=1).to_numpy()
    wu = w[used].astype(float)
    assert a.n == int((wu > 0).sum()) and a.n_eff == pytest.approx(wu.sum() ** 2 / (wu**2).sum(), rel=1e-12)
    df1, df2 = a.n_eff - 1, (a.n_eff - 1) * (a.k - 1)  # Feldt on the effective n, by hand with scipy
    assert a.ci_low == pytest.approx(1 - (1 - a.alpha) * stats.f.ppf(0.975, df1, df2), abs=1e-12)
    assert a.ci_high == pytest.approx(1 - (1 - a.alpha) * stats.f.ppf(0.025, df1, df2), abs=1e-12)


def test_population_total_weights_give_the_same_inference(mobi):
    """Issue 18: the same survey weights summing to n or to a population of 4 million (margins as counts)
    give the same alpha intervals, Bartlett test and adjusted R² — n is never Σw."""
    w = np.random.default_rng(18).uniform(0.3, 3.0, len(mobi))
    w *= len(mobi) / w.sum()
    big = w * 4e6 / len(mobi)
    x = mobi[MOBI_BLOCKS["Quality"]].mask(np.random.default_rng(2).random((len(mobi), 7)) < 0.05)
    for missing in ("listwise", "pairwise"):
        # pairwise: each entry of C has its own Σw − 1 denominator (frequency-style), so alpha itself moves by O(1/n)
        tol = 1e-10 if missing == "listwise" else 1e-4
        for ci in ("feldt", "duhachek"):
            a, b = (cronbach_alpha(x, weights=v, ci=ci, missing=missing) for v in (w, big))
            assert (a.n, a.n_eff) == pytest.approx((b.n, b.n_eff), rel=1e-12)
            assert (a.alpha, a.ci_low, a.ci_high) == pytest.approx((b.alpha, b.ci_low, b.ci_high), abs=tol), (missing, ci)
            assert a.n_eff < a.n <= len(mobi)  # unequal weights: fewer effective respondents
    ka, kb = (kmo_bartlett(mobi[MOBI_BLOCKS["Quality"]], weights=v) for v in (w, big))
    assert (ka.chi2, ka.p_value, ka.n) == pytest.approx((kb.chi2, kb.p_value, kb.n), rel=1e-10)
    fa, fb = (estimate(ECSI, mobi, weights=v) for v in (w, big))
    pd.testing.assert_frame_equal(fa.r_squared, fb.r_squared, rtol=1e-10, atol=0)


def test_integer_weights_equal_repeated_rows_fit(mobi):
    w = np.random.default_rng(5).integers(1, 4, size=len(mobi))
    rep = mobi.loc[mobi.index.repeat(w)].reset_index(drop=True)
    fw, fr = estimate(ECSI, mobi, weights=w), estimate(ECSI, rep)
    for fn in (reliability, htmt, outer_vif, cross_loadings):
        pd.testing.assert_frame_equal(fn(fw, data=mobi), fn(fr, data=rep), atol=1e-8)
    pd.testing.assert_frame_equal(fornell_larcker(fw), fornell_larcker(fr), atol=1e-8)


def test_fit_with_mean_imputation_and_listwise(mobi):
    holes = mobi.copy()
    holes.iloc[[3, 10, 50], [2, 5, 7]] = np.nan
    for policy in ("mean", "listwise"):
        f = estimate(ECSI, holes, missing=policy)
        got = reliability(f, data=holes)
        assert np.isfinite(got.drop(columns="construct").to_numpy(dtype=float)).all()
    f = estimate(ECSI, holes, missing="listwise")
    complete = holes[list(ECSI.items)].notna().all(axis=1)  # the fit drops rows missing any model item
    expect = cronbach_alpha(holes.loc[complete, MOBI_BLOCKS["Image"]]).alpha
    assert reliability(f, data=holes).set_index("construct").loc["Image", "alpha"] == pytest.approx(expect, abs=1e-12)


# ------------------------------------------------------------------ errors
def test_errors_name_the_item(mobi):
    x = mobi[MOBI_BLOCKS["Image"]].copy()
    x["IMAG3"] = 5.0
    with pytest.raises(DataError, match="IMAG3"):
        cronbach_alpha(x)
    x["IMAG3"] = np.nan
    with pytest.raises(DataError, match="IMAG3"):
        cronbach_alpha(x, missing="pairwise")
    with pytest.raises(DataError, match="at least 2 items"):
        cronbach_alpha(mobi[["IMAG1"]])
    with pytest.raises(DataError, match="IMAG3"):
        kmo_bartlett(x.fillna(1.0))


def test_bad_arguments(mobi, fit):
    x = mobi[MOBI_BLOCKS["Image"]]
    for kwargs in ({"ci": "wald"}, {"missing": "mean"}, {"level": 1.5}, {"ci": "bootstrap", "n_resamples": 1}):
        with pytest.raises(ParameterError, match=f"cronbach_alpha\\(\\): {list(kwargs)[-1]}="):
            cronbach_alpha(x, **kwargs)
    with pytest.raises(ParameterError, match="kind='htmt3' is not allowed"):
        htmt(fit, data=mobi, kind="htmt3")
    # the fit carries its data, so the DataFrame may be left out
    pd.testing.assert_frame_equal(reliability(fit), reliability(fit, data=mobi))
    with pytest.raises(DataError, match="does not match"):
        reliability(fit, data=mobi.iloc[:-1])
    with pytest.raises(DataError, match="weights"):
        cronbach_alpha(x, weights=np.ones(3))


# ------------------------------------------------------------------ properties
_mats = st.tuples(st.integers(0, 2**32 - 1), st.integers(3, 8), st.integers(2, 6))


def _one_factor(seed: int, n: int, k: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 1)) + rng.normal(size=(n, k))


@settings(max_examples=30, deadline=None)
@given(_mats, st.floats(0.01, 100.0), st.floats(-1e3, 1e3))
def test_alpha_invariant_under_common_affine_map(spec, a, b):
    seed, k, _ = spec
    x = _one_factor(seed, 60, k)
    base, moved = cronbach_alpha(x, ci="feldt"), cronbach_alpha(a * x + b, ci="feldt")
    assert moved.alpha == pytest.approx(base.alpha, abs=1e-9)
    assert moved.alpha_std == pytest.approx(base.alpha_std, abs=1e-9)
    assert moved.ci_low == pytest.approx(base.ci_low, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.sampled_from(["htmt", "htmt2"]))
def test_htmt_symmetric(seed, kind):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(120, 1))
    g = 0.5 * f + rng.normal(size=(120, 1))
    data = pd.DataFrame(
        np.hstack([f + rng.normal(size=(120, 3)), g + rng.normal(size=(120, 3))]),
        columns=["A1", "A2", "A3", "B1", "B2", "B3"],
    )
    ab = Model.from_syntax("A =~ A1 + A2 + A3\nB =~ B1 + B2 + B3\nB ~ A")
    ba = Model.from_syntax("B =~ B1 + B2 + B3\nA =~ A1 + A2 + A3\nA ~ B")
    with warnings.catch_warnings():  # a heterotrait r ≤ 0 in random data: HTMT2Warning, the same for both orders
        warnings.simplefilter("ignore", HTMT2Warning)
        h1 = htmt(estimate(ab, data), data=data, kind=kind)
        h2 = htmt(estimate(ba, data), data=data, kind=kind)
    assert (h1["construct_a"].iloc[0], h2["construct_a"].iloc[0]) == ("A", "B")
    assert h1["htmt"].iloc[0] == pytest.approx(h2["htmt"].iloc[0], rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(_mats, st.integers(0, 7), st.floats(-50, 50), st.booleans())
def test_constant_or_empty_item_is_a_data_error(spec, col, value, empty):
    seed, k, _ = spec
    x = pd.DataFrame(_one_factor(seed, 30, k), columns=[f"Q{j}" for j in range(k)])
    col %= k
    x[f"Q{col}"] = np.nan if empty else value
    for missing in ("listwise", "pairwise"):
        with pytest.raises(DataError, match=f"Q{col}"):
            cronbach_alpha(x, missing=missing)


# ------------------------------------------------------------------ the demo study (CCSI) vs seminr
@pytest.fixture(scope="module")
def demo_complete() -> pd.DataFrame:
    root = Path(__file__).resolve().parents[1] / "data" / "demo"
    q = csi.load_questionnaire(root / "questionnaire.toml")
    df = csi.read_responses(root / "responses_2026.csv", q)
    return df[list(csi.models.ccsi().items)].dropna().reset_index(drop=True)


def test_demo_reliability_and_htmt_match_seminr(demo_complete):
    from seminr.evaluate.reliability import reliability_table
    from seminr.evaluate.validity import htmt as seminr_htmt

    model = csi.models.ccsi()
    mm = seminr.constructs(*[seminr.composite(c, list(model.blocks[c]), weights=seminr.mode_A)
                             for c in model.constructs])
    sm = seminr.relationships(*[seminr.paths(s, t) for s, t in model.paths])
    theirs = seminr.estimate_pls(demo_complete, mm, sm)
    fit = csi.estimate(model, demo_complete)
    ref = reliability_table(theirs)
    for c, row in reliability(fit).set_index("construct").iterrows():
        assert row["rho_a"] == pytest.approx(ref.get(c, "rhoA"), abs=TOL), c
        assert row["rho_c"] == pytest.approx(ref.get(c, "rhoC"), abs=TOL), c
        assert row["ave"] == pytest.approx(ref.get(c, "AVE"), abs=TOL), c
        assert row["alpha_std"] == pytest.approx(ref.get(c, "alpha"), abs=TOL), c
    ref_htmt = seminr_htmt(theirs)
    for a, b, value, _ok in htmt(fit).itertuples(index=False):
        assert value == pytest.approx(ref_htmt.get(a, b), abs=TOL), (a, b)
