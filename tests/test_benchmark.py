"""Benchmarking: index SEs (against csi.svy_mean, pinned to R survey), league tables by hand,
Holm against statsmodels, quadrants, and the demo study's overview with award eligibility."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

import csi
from csi.indices import (
    enterprise_indices,
    holm,
    importance_performance,
    industry_indices,
    league_table,
    pairwise_differences,
)

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "demo" / "study.toml"


@pytest.fixture(scope="module")
def water():
    study = csi.load_study(STUDY)
    df = csi.screen(csi.read_responses(study.responses, study.questionnaire), study.questionnaire).kept
    pool = df[df["enterprise_id"].str.startswith("W")]
    return csi.estimate(study.model.model, pool, missing="mean"), pool


def test_enterprise_index_equals_csi_index(water):
    fit, pool = water
    table = enterprise_indices(fit, pool, constructs=["Satisfaction", "Quality"])
    own = pool[pool["enterprise_id"] == "W03"]
    ref = csi.csi_index(fit, data=own).set_index("construct")["index"]
    got = table[table["enterprise_id"] == "W03"].set_index("construct")["index"]
    assert got.loc[["Satisfaction", "Quality"]].to_numpy() == pytest.approx(ref.loc[["Satisfaction", "Quality"]])


def test_linearized_se_matches_svy_mean_on_complete_data(water):
    fit, pool = water
    items = ["SATI1", "SATI2", "SATI3"]
    own = pool[pool["enterprise_id"] == "W01"].dropna(subset=items)
    table = enterprise_indices(fit, own, constructs=["Satisfaction"]).iloc[0]
    # with complete answers the index is the mean of respondent scores s_r = Σ c_i (x_ri − min_i);
    # rebuild c_i from the index formula by finite differences of csi_index and compare SEs with svy_mean
    base = csi.csi_index(fit, data=own).set_index("construct").loc["Satisfaction", "index"]
    c = []
    for item in items:
        bumped = own.assign(**{item: own[item] + 1.0})
        c.append(csi.csi_index(fit, data=bumped).set_index("construct").loc["Satisfaction", "index"] - base)
    scores = own.assign(s=(own[items].to_numpy() - 1.0) @ np.array(c))
    ref = csi.svy_mean(scores, "s", weights=np.ones(len(scores)))   # = R survey svymean (tests/test_weighting.py)
    assert table["index"] == pytest.approx(ref["estimate"].iloc[0], abs=1e-9)
    assert table["std_error"] == pytest.approx(ref["std_error"].iloc[0], rel=1e-9)


def test_every_group_is_computed_alone_and_empty_groups_are_named(water):
    fit, pool = water
    weights = pool.assign(wt=np.linspace(0.5, 2.0, len(pool)))
    together = enterprise_indices(fit, weights, constructs=["Satisfaction", "Loyalty"], weights="wt")
    assert together["enterprise_id"].tolist()[:4] == ["W01", "W01", "W02", "W02"]
    for key in ("W02", "W05"):  # all groups at once = each group alone
        alone = enterprise_indices(fit, weights[weights["enterprise_id"] == key], constructs=["Satisfaction", "Loyalty"],
                                   weights="wt")
        pd.testing.assert_frame_equal(together[together["enterprise_id"] == key].reset_index(drop=True), alone,
                                      rtol=1e-12)
    unanswered = pool.assign(SATI2=np.where(pool["enterprise_id"] == "W04", np.nan, pool["SATI2"]))
    with pytest.raises(csi.DataError, match="Satisfaction: an item has no observed answers in enterprise_id W04"):
        enterprise_indices(fit, unanswered, constructs=["Satisfaction"])
    with pytest.raises(csi.DataError, match="1 row"):
        enterprise_indices(fit, pool.assign(enterprise_id=[None] + pool["enterprise_id"].tolist()[1:]))


INDICES = pd.DataFrame({"enterprise_id": ["A", "B", "C", "D"], "industry": ["x", "x", "x", "y"],
                        "index": [80.0, 75.0, 70.0, 72.0], "std_error": [1.0, 2.0, 2.0, 1.5],
                        "served": [100, 300, 600, 50]})


def test_league_table_by_hand():
    prev = pd.DataFrame({"enterprise_id": ["A", "B"], "index": [78.0, 80.0], "std_error": [1.0, 1.0]})
    t = league_table(INDICES, previous=prev).set_index("enterprise_id")
    assert t["rank"].tolist() == [1, 2, 3, 4] and t.index.tolist() == ["A", "B", "D", "C"]
    # A vs peers B, C: mean 72.5, diff 7.5, SE = √(1² + (2² + 2²)/2²) = √3
    assert t.loc["A", "peer_mean"] == 72.5
    z = 7.5 / np.sqrt(3)
    assert t.loc["A", "p_value"] == pytest.approx(2 * stats.norm.sf(z))
    # C vs peers A, B: mean 77.5, diff −7.5, SE = √(4 + (1 + 4)/4) = √5.25
    assert t.loc["C", "p_value"] == pytest.approx(2 * stats.norm.sf(7.5 / np.sqrt(5.25)))
    assert t.loc["A", "versus_peers"] == "above" and t.loc["C", "versus_peers"] == "below"
    assert np.isnan(t.loc["D", "p_value"]) and t.loc["D", "versus_peers"] == "not significant"  # alone in y
    assert t.loc["A", "ci_low"] == pytest.approx(80 - 1.959964 * 1.0, abs=1e-6)
    # change: A 80 − 78 = 2, SE √2, p = 2·(1 − Φ(1.414)) = 0.157; B 75 − 80 = −5, SE √5 → p 0.0253 → down
    assert t.loc["A", "change"] == 2 and t.loc["A", "change_p_value"] == pytest.approx(0.1572992, abs=1e-6)
    assert t.loc["B", "change_direction"] == "down" and t.loc["C", "change_direction"] == "no previous wave"


def test_league_table_takes_a_df_column_in_place_of_n_minus_one():
    """Indices pooled over imputations carry Rubin's ν as ``df``: the CIs and both tests use it, not n − 1."""
    pooled = INDICES.assign(n=[200, 200, 200, 200], df=[9.0, 12.0, 30.0, 50.0])
    prev = pd.DataFrame({"enterprise_id": ["A", "B"], "index": [78.0, 80.0], "std_error": [1.0, 1.0], "n": [101, 101]})
    t = league_table(pooled, previous=prev).set_index("enterprise_id")
    half = stats.t.ppf(0.975, [9.0, 12.0, 30.0])
    assert (t.loc[["A", "B", "C"], "ci_high"] - t.loc[["A", "B", "C"], "index"]).to_numpy() == pytest.approx(
        half * t.loc[["A", "B", "C"], "std_error"].to_numpy())
    # A against B and C: parts 1, 1, 1 (SE² 3, as above) with ν 9, 12, 30 → Welch–Satterthwaite
    nu = 3**2 / (1 / 9 + 1 / 12 + 1 / 30)
    assert t.loc["A", "p_value"] == pytest.approx(2 * stats.t.sf(7.5 / np.sqrt(3), nu), rel=1e-12)
    # A's change: ν 9 now, 100 before (n − 1)
    nu = 2**2 / (1 / 9 + 1 / 100)
    assert t.loc["A", "change_p_value"] == pytest.approx(2 * stats.t.sf(2 / np.sqrt(2), nu), rel=1e-12)


def test_league_table_never_mixes_waves_or_constructs():
    """Issue 18: a previous wave with several constructs used to duplicate enterprises (A ranked twice, changed by
    2 and by 20); another construct, the same wave label, several rows per enterprise or no common enterprise
    are now refused, and enterprises only in the previous wave are listed."""
    now = INDICES.assign(construct="Satisfaction", wave="2026")
    prev = pd.DataFrame({"enterprise_id": ["A", "A", "B", "B"], "construct": ["Satisfaction", "Loyalty"] * 2,
                         "index": [78.0, 60.0, 80.0, 61.0], "std_error": [1.0] * 4, "wave": "2025"})
    with pytest.raises(csi.DataError, match=r"previous holds several constructs \(Satisfaction, Loyalty\)"):
        league_table(now, previous=prev)
    with pytest.raises(csi.DataError, match="indices are 'Satisfaction' but previous is 'Loyalty'"):
        league_table(now, previous=prev[prev["construct"] == "Loyalty"])
    with pytest.raises(csi.DataError, match="both wave '2026'"):
        league_table(now, previous=prev[prev["construct"] == "Satisfaction"].assign(wave="2026"))
    with pytest.raises(csi.DataError, match="several rows for enterprise"):
        league_table(now, previous=prev[prev["construct"] == "Satisfaction"].drop(columns="construct")
                     .pipe(lambda p: pd.concat([p, p])))
    with pytest.raises(csi.DataError, match="no enterprise of previous is in indices"):
        league_table(now, previous=prev[prev["construct"] == "Satisfaction"].assign(enterprise_id=["a", "b"]))
    with pytest.raises(csi.DataError, match="indices holds several constructs"):
        league_table(pd.concat([now, now.assign(construct="Loyalty")]))
    same = prev[prev["construct"] == "Satisfaction"]
    t = league_table(now, previous=pd.concat([same, same.iloc[:1].assign(enterprise_id="Z")]))
    assert t["enterprise_id"].is_unique and t.attrs["previous_only"] == ["Z"]
    ref = league_table(INDICES, previous=same.drop(columns=["construct", "wave"]))  # same numbers as without the labels
    pd.testing.assert_frame_equal(t.drop(columns=["construct", "wave"]), ref)


def test_holm_matches_statsmodels():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.2])
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1])
    # by hand (R p.adjust(p, "holm")): sorted .005 .01 .03 .04 .2 × 5 4 3 2 1 = .025 .04 .09 .08 .2, running max
    assert holm(p) == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.2])
    assert holm([]).shape == (0,)


def test_industry_indices_by_hand():
    t = industry_indices(INDICES).set_index("industry")
    # x: (80 + 75 + 70)/3 = 75, SE = √(1 + 4 + 4)/3 = 1
    assert t.loc["x", ["index", "std_error"]].tolist() == pytest.approx([75.0, 1.0])
    assert t.loc["all", "index"] == pytest.approx(74.25)
    w = industry_indices(INDICES, average_by="served").set_index("industry")
    # x weighted by served 100, 300, 600: (8000 + 22500 + 42000)/1000 = 72.5; SE = √(100²·1 + 300²·4 + 600²·4)/1000
    assert w.loc["x", "index"] == pytest.approx(72.5)
    assert w.loc["x", "std_error"] == pytest.approx(np.sqrt(100**2 + 300**2 * 4 + 600**2 * 4) / 1000)


def test_pairwise_by_hand():
    t = pairwise_differences(INDICES)
    ab = t[(t["a"] == "A") & (t["b"] == "B")].iloc[0]
    assert ab["difference"] == 5 and ab["std_error"] == pytest.approx(np.sqrt(5))
    assert len(t) == 3     # pairs within x only


def test_importance_performance(water):
    fit, pool = water
    own = pool[pool["enterprise_id"] == "W06"]
    t = importance_performance(fit, data=own)
    eff = fit.effects().query("target == 'Satisfaction'").set_index("source")["total"]
    assert set(t["construct"]) == set(eff.index)
    perf = csi.csi_index(fit, data=own).set_index("construct")["index"]
    row = t.set_index("construct")
    for c in eff.index:
        high_imp = eff[c] >= eff.mean()
        high_perf = perf[c] >= perf[eff.index].mean()
        expected = {(True, False): "concentrate", (True, True): "keep_up", (False, False): "low_priority",
                    (False, True): "possible_overkill"}[(high_imp, high_perf)]
        assert row.loc[c, "quadrant"] == expected
    assert t["priority"].tolist() == list(range(1, len(t) + 1))
    order = {"concentrate": 0, "low_priority": 1, "keep_up": 2, "possible_overkill": 3}
    assert t["quadrant"].map(order).is_monotonic_increasing


def _driver_fit(lower_is_better=()) -> csi.PLSResult:
    """A hand-made fit: Y ~ A + B + C with total effects .5, .2, −.4 and single-item indices (scale 1–10)
    A 77.8, B 33.3, C 80 (means 8, 4, 8.2). C is a complaint-frequency block: more is worse."""
    model = csi.Model.from_syntax("A =~ a1\nB =~ b1\nC =~ c1\nY =~ y1\nY ~ A + B + C\n",
                                  lower_is_better=lower_is_better)
    items = list(model.items)
    return csi.PLSResult(
        model=model, scheme="path", n=10, iterations=1,
        paths=pd.DataFrame({"source": ["A", "B", "C"], "target": "Y", "estimate": [0.5, 0.2, -0.4]}),
        outer=pd.DataFrame({"construct": ["A", "B", "C", "Y"], "item": items, "weight": 1.0, "loading": 1.0}),
        r_squared=pd.DataFrame(), scores=pd.DataFrame(), missing=pd.DataFrame({"item": items, "n_missing": 0}),
        item_stats=pd.DataFrame({"item": items, "mean": [8.0, 4.0, 8.2, 5.0], "sd": 1.0}),
        scales=dict.fromkeys(items, (1.0, 10.0)))


def test_importance_performance_reads_a_lower_is_better_construct_the_favourable_way():
    fit = _driver_fit(lower_is_better=("C",))   # declared on the model: the default
    t = csi.importance_performance(fit, target="Y").set_index("construct")
    # C: index 80 (frequent complaints) → performance 100 − 80 = 20; effect −.4 → importance +.4 (by magnitude)
    assert t.loc["C", ["index", "performance", "total_effect", "importance", "direction"]].tolist() == \
        pytest.approx([80.0, 20.0, -0.4, 0.4, -1])
    assert t.loc["A", "performance"] == pytest.approx(700 / 9) and t.loc["A", "importance"] == 0.5
    # split at mean importance (.5 + .2 + .4)/3 = .367 and mean performance (77.8 + 33.3 + 20)/3 = 43.7
    assert t["quadrant"].to_dict() == {"C": "concentrate", "B": "low_priority", "A": "keep_up"}
    assert t.loc["C", "priority"] == 1 and t.loc["C", "gap_weight"] == pytest.approx(0.4 * 80)
    # read without the direction, C would look like a strength with a negative importance: "possible overkill"
    naive = csi.importance_performance(fit, target="Y", lower_is_better=()).set_index("construct")
    assert naive.loc["C", "quadrant"] == "possible_overkill" and naive.loc["C", "importance"] == -0.4
    assert naive.loc["C", "performance"] == pytest.approx(80.0)
    # the keyword overrides the model; a lower-is-better target flips every effect into it
    assert csi.importance_performance(_driver_fit(), target="Y", lower_is_better=["C"]).equals(
        csi.importance_performance(fit, target="Y"))
    flipped = csi.importance_performance(fit, target="Y", lower_is_better=["C", "Y"]).set_index("construct")
    assert flipped["importance"].to_dict() == pytest.approx({"A": -0.5, "B": -0.2, "C": -0.4})
    with pytest.raises(csi.DataError, match="lower_is_better names 'Z', not a construct"):
        csi.importance_performance(fit, target="Y", lower_is_better=["Z"])
    with pytest.raises(csi.DataError, match="takes a list of constructs"):
        csi.importance_performance(fit, target="Y", lower_is_better="C")


def test_league_table_stays_about_the_index_value():
    t = league_table(INDICES).set_index("enterprise_id")
    assert t.loc["A", "rank"] == 1 and t.loc["A", "versus_peers"] == "above"   # the highest index, whatever it measures


def test_demo_overview_ranks_and_awards(demo_analysis):
    overview = demo_analysis
    league = overview.league
    assert len(league) == 24 and league["index"].is_monotonic_decreasing
    assert league.iloc[0]["enterprise_id"] == "B03"            # true index 83.1, the highest
    moved = league.set_index("enterprise_id")["change_verdict"]
    assert moved["W03"] == "better" and moved["T05"] == "worse"  # the generator's clear improver and decliner
    assert set(overview.benchmarks["industry"]) == {"water", "telecom", "bank", "all"}
    s = overview.awards.summary.set_index("id")
    assert overview.awards.eligible() == ["B03"]
    # B03 by hand: complaints 1522 / 287400 served = 0.53 % < 1 %; callbacks 394 / 400 = 98.5 % > 98 %
    crit = overview.awards.criteria.set_index(["id", "criterion"])
    assert crit.loc[("B03", "complaint_rate"), "value"] == pytest.approx(1522 / 287400)
    assert crit.loc[("B03", "handling_satisfaction"), "value"] == pytest.approx(394 / 400)
    # B08 (census, no complaints recorded): overall index below 80 and no callback data → two reasons
    assert s.loc["B08", "failed"] == 2
    assert "Complaint-handling satisfaction: no data" in s.loc["B08", "reason_en"]
    t05 = league.set_index("enterprise_id").loc["T05", "index"]  # the award reads the league's (weighted) index
    assert s.loc["T05", "reason_zh"].startswith(f"综合满意度指数 {t05:.1f}，须不低于 80.0（未达到）")
