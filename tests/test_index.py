"""Tests of csi.index (ACSI 0-100 index, Fornell 1992 / Fornell et al. 1996)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csi.exceptions import CSIWarning, DataError, SchemaError
from csi.indices import NegativeWeightWarning, csi_index, item_scores
from csi.io import Model, models
from csi.pls import PLSResult, estimate

ECSI = models.ecsi()


@pytest.fixture(scope="module")
def fit(mobi) -> PLSResult:
    return estimate(ECSI, mobi)


def _fake_fit(weights: dict[str, float], sds: dict[str, float], means: dict[str, float], scales=None) -> PLSResult:
    """A PLSResult with hand-chosen outer weights, item SDs and means (model A =~ a1 + a2; B =~ b1)."""
    model = Model.from_syntax("A =~ a1 + a2\nB =~ b1\nB ~ A\n")
    items = list(model.items)
    empty = pd.DataFrame()
    return PLSResult(
        model=model,
        scheme="path",
        n=10,
        iterations=1,
        paths=pd.DataFrame({"source": ["A"], "target": ["B"], "estimate": [0.5]}),
        outer=pd.DataFrame(
            {"construct": ["A", "A", "B"], "item": items, "weight": [weights[i] for i in items], "loading": 0.8}
        ),
        r_squared=empty,
        scores=empty,
        missing=pd.DataFrame({"item": items, "n_missing": 0}),
        item_stats=pd.DataFrame({"item": items, "mean": [means[i] for i in items], "sd": [sds[i] for i in items]}),
        scales=scales or {},
    )


def test_mobi_satisfaction_index(fit):
    out = csi_index(fit, scale=(1, 10))
    assert list(out.columns) == ["construct", "index", "negative_weights"]
    assert tuple(out["construct"]) == ECSI.constructs
    sat = out.set_index("construct").loc["Satisfaction", "index"]
    assert sat == pytest.approx(72.45, abs=0.01)
    assert not out["negative_weights"].any()


def test_single_item_construct_is_rescaled_mean(fit, mobi):
    out = csi_index(fit, scale=(1, 10)).set_index("construct")
    assert out.loc["Complaints", "index"] == pytest.approx(100 * (mobi["CUSCO"].mean() - 1) / 9)


def test_scales_from_fit(mobi):
    df = mobi.copy()
    df.attrs["scales"] = {c: (1, 10) for c in df.columns}
    out = csi_index(estimate(ECSI, df)).set_index("construct")
    assert out.loc["Satisfaction", "index"] == pytest.approx(72.45, abs=0.01)


def test_hand_computed_example():
    # standardized weights 0.6, 0.4; SDs 2, 1 -> unstandardized 0.3, 0.4 -> normalized 3/7, 4/7
    fake = _fake_fit({"a1": 0.6, "a2": 0.4, "b1": 1.0}, {"a1": 2.0, "a2": 1.0, "b1": 1.5}, {"a1": 4.0, "a2": 3.0, "b1": 2.0})
    out = csi_index(fake, scale=(1, 5)).set_index("construct")["index"]
    expected_a = 100 * ((3 / 7) * 4 + (4 / 7) * 3 - 1) / (5 - 1)  # = 60.714...
    assert out["A"] == pytest.approx(expected_a)
    assert out["A"] == pytest.approx(100 * 17 / 28)
    assert out["B"] == pytest.approx(25.0)


def test_hand_example_with_item_specific_scales():
    scales = {"a1": (1.0, 5.0), "a2": (0.0, 10.0), "b1": (1.0, 7.0)}
    fake = _fake_fit({"a1": 0.5, "a2": 0.5, "b1": 1.0}, {"a1": 1.0, "a2": 1.0, "b1": 1.0}, {"a1": 4.0, "a2": 6.0, "b1": 4.0}, scales)
    out = csi_index(fake).set_index("construct")["index"]
    assert out["A"] == pytest.approx(100 * (0.5 * 4 + 0.5 * 6 - 0.5 * 1 - 0.5 * 0) / (0.5 * 4 + 0.5 * 10))
    assert out["B"] == pytest.approx(50.0)
    scores = item_scores(fake).set_index("item")["score"]
    assert scores.to_dict() == pytest.approx({"a1": 75.0, "a2": 60.0, "b1": 50.0})


def test_negative_weight_is_flagged_and_warned():
    fake = _fake_fit({"a1": 1.2, "a2": -0.3, "b1": 1.0}, {"a1": 1.0, "a2": 1.0, "b1": 1.0}, {"a1": 4.0, "a2": 2.0, "b1": 3.0})
    assert issubclass(NegativeWeightWarning, CSIWarning)
    with pytest.warns(NegativeWeightWarning, match=r"construct 'A' has negative normalized weight\(s\) for item\(s\) a2"):
        out = csi_index(fake, scale=(1, 5))
    row = out.set_index("construct").loc["A"]
    assert bool(row["negative_weights"]) is True
    assert row["index"] == pytest.approx(100 * ((4 / 3) * 4 - (1 / 3) * 2 - 1) / 4)
    assert not out.set_index("construct").loc["B", "negative_weights"]


def test_no_warning_without_negative_weights(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        csi_index(fit, scale=(1, 10))


def test_index_from_other_data_uses_pooled_weights(fit, mobi):
    subset = mobi.iloc[:60]
    out = csi_index(fit, scale=(1, 10), data=subset).set_index("construct")["index"]
    outer = fit.outer.merge(fit.item_stats, on="item")
    sat = outer[outer["construct"] == "Satisfaction"]
    raw = sat["weight"] / sat["sd"]
    w = raw / raw.sum()
    means = subset[list(sat["item"])].mean().to_numpy()
    assert out["Satisfaction"] == pytest.approx(100 * (np.sum(w * means) - 1) / 9)
    assert out["Satisfaction"] != pytest.approx(72.45, abs=0.01)
    # the full data gives back the fit's own index
    full = csi_index(fit, scale=(1, 10), data=mobi)
    pd.testing.assert_frame_equal(full, csi_index(fit, scale=(1, 10)))


def test_other_data_weights_and_missing(fit, mobi):
    subset = mobi.iloc[:40].copy()
    w = np.tile([1, 2, 3, 0], 10)
    weighted = csi_index(fit, scale=(1, 10), data=subset, weights=w)
    repeated = csi_index(fit, scale=(1, 10), data=subset.loc[subset.index.repeat(w)])
    pd.testing.assert_frame_equal(weighted, repeated, check_exact=False, atol=1e-10)
    by_column = csi_index(fit, scale=(1, 10), data=subset.assign(wt=w), weights="wt")
    pd.testing.assert_frame_equal(weighted, by_column)
    holes = subset.copy()
    holes.loc[holes.index[:5], "CUSA1"] = np.nan
    scores = item_scores(fit, data=holes, scale=(1, 10)).set_index("item")
    assert scores.loc["CUSA1", "mean"] == pytest.approx(subset["CUSA1"].iloc[5:].mean())
    assert np.isfinite(csi_index(fit, scale=(1, 10), data=holes)["index"]).all()


def test_item_scores(fit, mobi):
    out = item_scores(fit, scale=(1, 10))
    assert list(out.columns) == ["construct", "item", "mean", "score"]
    assert list(out["item"]) == list(ECSI.items)
    row = out.set_index("item").loc["IMAG1"]
    assert row["construct"] == "Image"
    assert row["mean"] == pytest.approx(mobi["IMAG1"].mean())
    assert row["score"] == pytest.approx(100 * (mobi["IMAG1"].mean() - 1) / 9)


def test_missing_scale_error(fit, mobi):
    with pytest.raises(SchemaError) as info:
        csi_index(fit)
    msg = str(info.value)
    assert "no declared scale for item(s) IMAG1, IMAG2" in msg and "pass scale=(min, max)" in msg
    assert "questionnaire" in msg
    df = mobi.copy()
    df.attrs["scales"] = {c: (1, 10) for c in df.columns if c != "CUSL2"}
    with pytest.raises(SchemaError, match=r"no declared scale for item\(s\) CUSL2; pass scale=\(min, max\)"):
        item_scores(estimate(ECSI, df))


def test_bad_arguments(fit, mobi):
    with pytest.raises(SchemaError, match=r"scale of item 'IMAG1' is \(10, 1\); max must exceed min"):
        csi_index(fit, scale=(10, 1))
    with pytest.raises(SchemaError, match="scale must be a \\(min, max\\) pair of numbers"):
        csi_index(fit, scale=10)  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match=r"index data lacks item column\(s\) CUSCO"):
        csi_index(fit, scale=(1, 10), data=mobi.drop(columns="CUSCO"))
    with pytest.raises(DataError, match="weights= applies to data="):
        csi_index(fit, scale=(1, 10), weights=np.ones(250))
    empty = mobi.iloc[:3].assign(CUSCO=np.nan)
    with pytest.raises(DataError, match=r"no observed \(positively weighted\) values for item\(s\) CUSCO"):
        csi_index(fit, scale=(1, 10), data=empty)


# ------------------------------------------------------------------ IPMA and differences
def _quiet_index(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeWeightWarning)  # CUSL2 has a negative weight on mobi
        return csi_index(*args, **kwargs)


def test_importance_performance_table(fit):
    from csi.indices import importance_performance

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeWeightWarning)
        table = importance_performance(fit, target="Loyalty", scale=(1, 10))
    assert list(table.columns) == ["priority", "construct", "importance", "performance", "quadrant", "action_zh",
                                   "action_en", "gap_weight", "total_effect", "index", "direction"]
    eff = fit.effects().query("target == 'Loyalty'").set_index("source")["total"]
    assert set(table["construct"]) == set(eff.index) == {"Image", "Expectation", "Quality", "Value",
                                                          "Satisfaction", "Complaints"}
    row = table.set_index("construct")
    np.testing.assert_allclose(row["importance"], eff.reindex(row.index))  # ECSI: every construct higher-is-better
    np.testing.assert_allclose(row["total_effect"], row["importance"])
    perf = _quiet_index(fit, scale=(1, 10)).set_index("construct")["index"]
    np.testing.assert_allclose(row["performance"], perf.reindex(row.index))
    np.testing.assert_allclose(row["index"], row["performance"])
    assert (row["direction"] == 1).all() and table["priority"].tolist() == list(range(1, 7))
    with pytest.raises(DataError, match="has no predecessors"):
        importance_performance(fit, target="Image", scale=(1, 10))
    with pytest.raises(DataError, match="unknown target construct 'Sat'"):
        importance_performance(fit, target="Sat", scale=(1, 10))


def test_item_weights_are_the_index_weights(fit):
    from csi.indices import item_weights

    table = item_weights(fit)
    assert list(table.columns) == ["construct", "item", "item_weight"] and list(table["item"]) == list(ECSI.items)
    assert table.groupby("construct")["item_weight"].sum().to_numpy() == pytest.approx(np.ones(7))
    outer = fit.outer.merge(fit.item_stats, on="item")
    raw = outer["weight"] / outer["sd"]
    np.testing.assert_allclose(table["item_weight"], raw / raw.groupby(outer["construct"]).transform("sum"))
    fake = _fake_fit({"a1": 0.6, "a2": 0.4, "b1": 1.0}, {"a1": 2.0, "a2": 1.0, "b1": 1.5}, {"a1": 4.0, "a2": 3.0, "b1": 2.0})
    assert item_weights(fake)["item_weight"].tolist() == pytest.approx([3 / 7, 4 / 7, 1.0])
    cancelling = _fake_fit({"a1": 0.5, "a2": -0.5, "b1": 1.0}, dict.fromkeys(("a1", "a2", "b1"), 1.0),
                           dict.fromkeys(("a1", "a2", "b1"), 3.0))
    with pytest.raises(DataError, match="unstandardized weights of A sum to zero"):
        item_weights(cancelling)


def test_index_difference(fit, mobi):
    from csi.indices import index_difference

    a, b = mobi.iloc[:125], mobi.iloc[125:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeWeightWarning)
        out = index_difference(fit, a, b, n_resamples=2000, seed=3, scale=(1, 10))
        same = index_difference(fit, a, a, n_resamples=200, seed=3, scale=(1, 10))
    ia = _quiet_index(fit, scale=(1, 10), data=a).set_index("construct")["index"]
    ib = _quiet_index(fit, scale=(1, 10), data=b).set_index("construct")["index"]
    res = out.set_index("construct")
    np.testing.assert_allclose(res["difference"], ia - ib)
    # fixed weights: the index is linear in item means, so SE = sqrt(Va/na + Vb/nb) (delta method, ddof=0)
    sat = list(ECSI.blocks["Satisfaction"])
    wn = fit.outer.set_index("item").loc[sat, "weight"] / fit.item_stats.set_index("item").loc[sat, "sd"]
    wn = wn / wn.sum()
    lin = lambda d: 100 * (d[sat] @ wn.to_numpy()) / 9
    se = np.sqrt(lin(a).var(ddof=0) / len(a) + lin(b).var(ddof=0) / len(b))
    assert res.loc["Satisfaction", "std_error"] == pytest.approx(se, rel=0.08)
    assert res.loc["Satisfaction", "ci_low"] < res.loc["Satisfaction", "difference"] < res.loc["Satisfaction", "ci_high"]
    assert (same["difference"] == 0).all() and (same["p_value"] > 0.5).all()  # independent resamples
    shifted = b.assign(**{c: b[c] - 2 for c in sat})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeWeightWarning)
        far = index_difference(fit, a, shifted, n_resamples=500, seed=3, scale=(1, 10)).set_index("construct")
    assert far.loc["Satisfaction", "p_value"] < 0.01 and far.loc["Satisfaction", "ci_low"] > 15
    assert list(out.columns) == ["construct", "index_a", "index_b", "difference", "std_error", "ci_low",
                                 "ci_high", "p_value", "n_failed"]


def test_index_difference_resamples_within_strata(fit, mobi):
    from csi.indices import index_difference

    a, b = mobi.iloc[:125], mobi.iloc[125:]
    sat = list(ECSI.blocks["Satisfaction"])
    wn = fit.outer.set_index("item").loc[sat, "weight"] / fit.item_stats.set_index("item").loc[sat, "sd"]
    lin = lambda d: 100 * (d[sat] @ (wn / wn.sum()).to_numpy()) / 9
    strata = np.where(lin(a) > lin(a).median(), "high", "low")  # strata that explain much of the variance
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeWeightWarning)
        out = index_difference(fit, a, b, n_resamples=3000, seed=5, scale=(1, 10),
                               strata_a=strata).set_index("construct")
        with pytest.raises(DataError, match="strata of data_a: give one label per row"):
            index_difference(fit, a, b, n_resamples=10, scale=(1, 10), strata_a=strata[:-1])
    # n_h fixed per stratum: Var = Σ_h (n_h/n)² s_h²/n_h for A (ddof 0), plus the simple-resampling term of B
    la, lb = lin(a), lin(b)
    var_a = sum((len(g) / len(a)) ** 2 * g.var(ddof=0) / len(g) for _, g in la.groupby(strata))
    se = np.sqrt(var_a + lb.var(ddof=0) / len(b))
    assert out.loc["Satisfaction", "std_error"] == pytest.approx(se, rel=0.08)
    assert se < 0.85 * np.sqrt(la.var(ddof=0) / len(a) + lb.var(ddof=0) / len(b))  # the design matters


def test_enterprise_indices_pooled_and_separate(fit, mobi):
    from csi.indices import enterprise_indices

    data = mobi.assign(ent=np.where(np.arange(len(mobi)) < 100, "E1", "E2"))
    e1 = data[data["ent"] == "E1"]
    own_fit = estimate(ECSI, e1)  # one model per enterprise: estimate it, then index its rows with it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NegativeWeightWarning)
        pooled = enterprise_indices(fit, data, by="ent", scale=(1, 10))
        separate = enterprise_indices(own_fit, e1, by="ent", scale=(1, 10))
        own = csi_index(own_fit, scale=(1, 10)).set_index("construct")["index"]
        shared = csi_index(fit, scale=(1, 10), data=e1).set_index("construct")["index"]
    assert list(pooled.columns) == ["enterprise_id", "construct", "index", "std_error", "ci_low", "ci_high", "n"]
    p1 = pooled[pooled["enterprise_id"] == "E1"].set_index("construct")
    s1 = separate.set_index("construct")
    np.testing.assert_allclose(p1["index"], shared.reindex(p1.index))
    np.testing.assert_allclose(s1["index"], own.reindex(s1.index))
    assert (p1["n"] == 100).all() and not np.allclose(p1["index"], s1["index"])
    with pytest.raises(DataError, match="grouping column 'firm' not in data"):
        enterprise_indices(fit, data, by="firm")
    with pytest.raises(DataError, match="unknown construct\\(s\\) 'Sat'"):
        enterprise_indices(fit, data, by="ent", constructs=["Sat"], scale=(1, 10))
    with pytest.raises(SchemaError, match=r"no declared scale for item\(s\) IMAG1"):  # not a bare KeyError
        enterprise_indices(fit, data, by="ent")
