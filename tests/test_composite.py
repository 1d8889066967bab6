"""Tests of csi.composite.composite_score.

References: the published Jingmen water-supply composite (2019; METHODS.md §6): questionnaire
70.85% × 0.3, online vote 94.35% × 0.4, on-site ballot 80.26% × 0.3 → 21 + 38 + 24 = 83 with
per-channel rounding, 83.07 exact. Variances are hand-worked from the linearization formulas
(Lumley 2010, §2.4) and the Welch–Satterthwaite df (Satterthwaite 1946); the overlap covariance is
checked exactly against csi.design.svy_mean of the combined variable (itself pinned to R survey in
tests/test_weighting.py) and by simulation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from csi.exceptions import CSIError, DataError, ParameterError
from csi.survey import composite_score, rake, svy_mean, svy_proportion

JINGMEN = {"questionnaire": 0.3, "online": 0.4, "onsite": 0.3}


def _jingmen_scores() -> pd.DataFrame:
    return pd.DataFrame({"channel": ["questionnaire", "online", "onsite"], "estimate": [70.85, 94.35, 80.26]})


def _jingmen_responses() -> pd.DataFrame:
    # 1417/2000 = 70.85%, 1887/2000 = 94.35%, 4013/5000 = 80.26%; distinct respondents per channel
    parts = []
    for channel, yes, n in [("questionnaire", 1417, 2000), ("online", 1887, 2000), ("onsite", 4013, 5000)]:
        parts.append(pd.DataFrame({"channel": channel, "respondent_id": [f"{channel}-{i}" for i in range(n)],
                                   "value": [1] * yes + [0] * (n - yes)}))
    return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------------- published example

def test_jingmen_precomputed_scores_reproduce_published_83():
    res = composite_score(_jingmen_scores(), channel_weights=JINGMEN)
    assert res.score == pytest.approx(83.073, abs=1e-12)
    assert round(res.score, 2) == 83.07
    assert res.score_rounded == 83.0
    ch = res.channels.set_index("channel")
    assert ch.loc[["questionnaire", "online", "onsite"], "contribution_rounded"].tolist() == [21.0, 38.0, 24.0]
    assert ch.loc["questionnaire", "contribution"] == pytest.approx(21.255)
    assert np.isnan(res.summary.loc[0, "std_error"])  # no SEs given, none invented


def test_jingmen_rounding_policies():
    assert composite_score(_jingmen_scores(), channel_weights=JINGMEN, rounding="none").score_rounded == pytest.approx(83.073)
    assert composite_score(_jingmen_scores(), channel_weights=JINGMEN, rounding="total").score_rounded == 83.0
    assert composite_score(_jingmen_scores(), channel_weights=JINGMEN, rounding="total", digits=2).score_rounded == 83.07


def test_jingmen_from_responses_with_hand_worked_errors():
    res = composite_score(_jingmen_responses(), channel_weights=JINGMEN, kind="rate", satisfied_at=1, scale=(0, 1))
    ch = res.channels.set_index("channel").loc[["questionnaire", "online", "onsite"]]
    assert ch["estimate"].tolist() == pytest.approx([70.85, 94.35, 80.26], abs=1e-10)
    assert res.score == pytest.approx(83.073, abs=1e-10) and res.score_rounded == 83.0
    p, n = np.array([0.7085, 0.9435, 0.8026]), np.array([2000, 2000, 5000])
    se = 100 * np.sqrt(p * (1 - p) / (n - 1))  # V = n/(n-1) Σ z², z = (y - p)/n  →  p(1-p)/(n-1)
    assert ch["std_error"].to_numpy() == pytest.approx(se, rel=1e-12)
    parts = np.array([0.3, 0.4, 0.3]) ** 2 * se**2
    assert res.summary.loc[0, "std_error"] == pytest.approx(np.sqrt(parts.sum()), rel=1e-12)
    nu = parts.sum() ** 2 / np.sum(parts**2 / (n - 1))
    assert res.summary.loc[0, "df"] == pytest.approx(nu, rel=1e-12)
    q = stats.t.ppf(0.975, nu)
    assert res.summary.loc[0, "ci_high"] == pytest.approx(83.073 + q * np.sqrt(parts.sum()), rel=1e-12)
    assert ch["variance_share"].to_numpy() == pytest.approx(parts / parts.sum(), rel=1e-12)
    assert (res.covariance["n_shared"] == 0).all() and (res.covariance["covariance"] == 0).all()


def test_half_up_rounding_not_bankers():
    scores = pd.DataFrame({"channel": ["a", "b"], "estimate": [41.0, 59.0]})  # 20.5 and 29.5
    res = composite_score(scores, channel_weights={"a": 0.5, "b": 0.5})
    assert res.channels["contribution_rounded"].tolist() == [21.0, 30.0]
    assert res.score_rounded == 51.0 and res.score == pytest.approx(50.0)


# ----------------------------------------------------------------------------- hand-worked overlap

def _small_overlap() -> pd.DataFrame:
    return pd.DataFrame({"channel": ["A"] * 4 + ["B"] * 3, "respondent_id": [1, 2, 3, 4, 3, 4, 5],
                         "value": [1, 3, 5, 5, 2, 4, 4]})


def test_hand_worked_variance_covariance_and_df():
    res = composite_score(_small_overlap(), channel_weights={"A": 0.5, "B": 0.5}, scale=(1, 5))
    # A on 0-100: 0, 50, 100, 100 → mean 62.5, z = (y - 62.5)/4; B: 25, 75, 75 → 58.33, z = (y - m)/3
    z_a = np.array([-62.5, -12.5, 37.5, 37.5]) / 4
    m_b = 175 / 3
    z_b = (np.array([25, 75, 75]) - m_b) / 3
    v_a, v_b = 4 / 3 * np.sum(z_a**2), 3 / 2 * np.sum(z_b**2)
    cov = np.sqrt(4 / 3 * 3 / 2) * (z_a[2] * z_b[0] + z_a[3] * z_b[1])  # ids 3 and 4 answer both
    ch = res.channels.set_index("channel")
    assert ch.loc["A", "estimate"] == pytest.approx(62.5) and ch.loc["B", "estimate"] == pytest.approx(m_b)
    assert ch.loc["A", "std_error"] ** 2 == pytest.approx(v_a) and ch.loc["B", "std_error"] ** 2 == pytest.approx(v_b)
    assert res.covariance.loc[0, "covariance"] == pytest.approx(cov) and res.covariance.loc[0, "n_shared"] == 2
    var_s = 0.25 * v_a + 0.25 * v_b + 2 * 0.25 * cov
    assert res.summary.loc[0, "std_error"] ** 2 == pytest.approx(var_s)
    nu = (0.25 * v_a + 0.25 * v_b) ** 2 / ((0.25 * v_a) ** 2 / 3 + (0.25 * v_b) ** 2 / 2)
    assert res.summary.loc[0, "df"] == pytest.approx(nu)
    share_a = (0.25 * v_a + 0.25 * cov) / var_s
    assert ch.loc["A", "variance_share"] == pytest.approx(share_a)
    assert ch["variance_share"].sum() == pytest.approx(1.0)
    assert ch.loc["A", "ci_low"] == pytest.approx(62.5 - stats.t.ppf(0.975, 3) * np.sqrt(v_a))


def test_dict_input_form_equals_long_form():
    long = _small_overlap()
    as_dict = {c: part.set_index("respondent_id")["value"] for c, part in long.groupby("channel")}
    a = composite_score(long, channel_weights={"A": 0.5, "B": 0.5}, scale=(1, 5))
    b = composite_score(as_dict, channel_weights={"A": 0.5, "B": 0.5}, scale=(1, 5))
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_without_ids_channels_are_disjoint():
    res = composite_score(_small_overlap().drop(columns="respondent_id"), channel_weights={"A": 0.5, "B": 0.5}, scale=(1, 5))
    assert res.covariance.loc[0, "covariance"] == 0 and res.covariance.loc[0, "n_shared"] == 0


# ----------------------------------------------------------------------------- exact check of the covariance

@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 300
    x = rng.normal(size=n)
    frame = pd.DataFrame({"respondent_id": np.arange(n), "region": rng.choice(["u", "r"], n, p=[0.7, 0.3]),
                          "sex": rng.choice(["m", "f"], n),
                          "q": np.clip(np.round(6 + 2 * x + rng.normal(size=n)), 1, 10),
                          "v": np.clip(np.round(3 + x + rng.normal(size=n)), 1, 5),
                          "w": rng.uniform(0.5, 3, n)})
    frame.loc[[5, 17], "v"] = np.nan  # missing in one channel only: domain, stays in the design
    return frame


def _stack(panel: pd.DataFrame) -> pd.DataFrame:
    a = panel.assign(channel="questionnaire", value=panel["q"])
    b = panel.assign(channel="online", value=panel["v"])
    return pd.concat([a, b], ignore_index=True)


def test_full_overlap_equals_svy_mean_of_combined_variable(panel):
    lam = {"questionnaire": 0.6, "online": 0.4}
    complete = panel.dropna(subset=["v"])
    res = composite_score(_stack(complete), channel_weights=lam, scale={"questionnaire": (1, 10), "online": (1, 5)},
                          weights="w")
    combined = complete.assign(s=0.6 * (complete["q"] - 1) / 9 * 100 + 0.4 * (complete["v"] - 1) / 4 * 100)
    ref = svy_mean(combined, "s", weights=complete["w"])
    assert res.score == pytest.approx(ref.loc[0, "estimate"], rel=1e-12)
    assert res.summary.loc[0, "std_error"] == pytest.approx(ref.loc[0, "std_error"], rel=1e-10)
    # ignoring the overlap would be wrong here: the channels are strongly correlated
    ch = res.channels.set_index("channel")
    indep = np.sqrt(0.36 * ch.loc["questionnaire", "std_error"] ** 2 + 0.16 * ch.loc["online", "std_error"] ** 2)
    assert res.summary.loc[0, "std_error"] > 1.1 * indep


def test_raked_channels_equal_svy_mean_on_raked_design(panel):
    complete = panel.dropna(subset=["v"]).reset_index(drop=True)
    margins = {"region": {"u": 0.6, "r": 0.4}, "sex": {"m": 0.5, "f": 0.5}}
    long = _stack(complete)
    per_channel = {c: rake(long[long["channel"] == c], margins) for c in ("questionnaire", "online")}
    lam = {"questionnaire": 0.5, "online": 0.5}
    res = composite_score(long, channel_weights=lam, scale={"questionnaire": (1, 10), "online": (1, 5)}, weights=per_channel)
    combined = complete.assign(s=0.5 * (complete["q"] - 1) / 9 * 100 + 0.5 * (complete["v"] - 1) / 4 * 100)
    ref = svy_mean(combined, "s", weights=rake(complete, margins))
    assert res.score == pytest.approx(ref.loc[0, "estimate"], rel=1e-12)
    assert res.summary.loc[0, "std_error"] == pytest.approx(ref.loc[0, "std_error"], rel=1e-9)
    one = per_channel["online"]
    single = svy_mean(long[long["channel"] == "online"], "value", weights=one)
    assert res.channels.set_index("channel").loc["online", "std_error"] == pytest.approx(
        single.loc[0, "std_error"] * 25, rel=1e-12)  # 100/(5-1) rescaling


def test_channel_with_missing_values_counts_them(panel):
    res = composite_score(_stack(panel), channel_weights={"questionnaire": 0.5, "online": 0.5},
                          scale={"questionnaire": (1, 10), "online": (1, 5)}, weights="w")
    ch = res.channels.set_index("channel")
    assert ch.loc["online", "n_missing"] == 2 and ch.loc["online", "n"] == len(panel) - 2
    ref = svy_mean(panel, "v", weights=panel["w"])
    assert ch.loc["online", "estimate"] == pytest.approx((ref.loc[0, "estimate"] - 1) / 4 * 100)
    assert ch.loc["online", "std_error"] == pytest.approx(ref.loc[0, "std_error"] * 25, rel=1e-12)


def test_dissatisfaction_composite_matches_svy_proportion(panel):
    res = composite_score(_stack(panel), channel_weights={"questionnaire": 0.5, "online": 0.5},
                          scale={"questionnaire": (1, 10), "online": (1, 5)},
                          dissatisfied_at={"questionnaire": 4, "online": 2}, weights="w")
    dis = res.channels[res.channels["measure"] == "dissatisfaction"].set_index("channel")
    q = svy_proportion(panel, "q <= 4", weights=panel["w"])
    v = svy_proportion(panel, "v <= 2", weights=panel["w"])
    assert dis.loc["questionnaire", "estimate"] == pytest.approx(100 * q.loc[0, "estimate"])
    assert dis.loc["online", "std_error"] == pytest.approx(100 * v.loc[0, "std_error"], rel=1e-12)
    row = res.summary.set_index("measure").loc["dissatisfaction"]
    assert row["score"] == pytest.approx(50 * q.loc[0, "estimate"] + 50 * v.loc[0, "estimate"])


def test_simulated_partial_overlap_variance_is_unbiased():
    # respondents 0-199 answer A, 100-349 answer B (100 shared), corr(y_A, y_B) = 0.7
    rng = np.random.default_rng(11)
    ids_a, ids_b = np.arange(0, 200), np.arange(100, 350)
    scores, variances = [], []
    for _ in range(300):
        common = rng.normal(size=350)
        ya = 0.7**0.5 * common + 0.3**0.5 * rng.normal(size=350)
        yb = 0.7**0.5 * common + 0.3**0.5 * rng.normal(size=350)
        long = pd.DataFrame({"channel": ["A"] * 200 + ["B"] * 250,
                             "respondent_id": np.r_[ids_a, ids_b], "value": np.r_[ya[ids_a], yb[ids_b]]})
        res = composite_score(long, channel_weights={"A": 0.5, "B": 0.5}, scale=(-100, 100))
        scores.append(res.score)
        variances.append(res.summary.loc[0, "std_error"] ** 2)
    # θ = 50 + ȳ/2 on 0-100, so Var θ_A = 0.25/200, Var θ_B = 0.25/250, Cov = 0.25·0.7·100/(200·250)
    truth = 0.25 * 0.25 * (1 / 200 + 1 / 250 + 2 * 0.7 * 100 / (200 * 250))
    without_cov = 0.25 * 0.25 * (1 / 200 + 1 / 250)  # 24% lower: the check can tell them apart
    assert abs(np.mean(variances) / without_cov - 1) > 0.2
    assert np.mean(variances) == pytest.approx(truth, rel=0.03)
    assert np.var(scores, ddof=1) == pytest.approx(truth, rel=0.2)


# ----------------------------------------------------------------------------- errors

@pytest.mark.parametrize("weights,match", [
    ({"A": 0.5, "B": 0.4}, r"sum to 0.9"),
    ({"A": 1.0}, r"channel\(s\) \['B'\] have no weight"),
    ({"A": 0.4, "B": 0.3, "C": 0.3}, r"\['C'\] have a weight but no data"),
    ({"A": 1.2, "B": -0.2}, r"must be positive"),
])
def test_bad_channel_weights(weights, match):
    with pytest.raises(DataError, match=match):
        composite_score(_small_overlap(), channel_weights=weights, scale=(1, 5))


def test_input_errors():
    lam = {"A": 0.5, "B": 0.5}
    with pytest.raises(DataError, match=r"outside the scale 1–4 in channel 'A', 2 rows"):
        composite_score(_small_overlap(), channel_weights=lam, scale=(1, 4))
    with pytest.raises(DataError, match=r"needs scale=\(min, max\)"):
        composite_score(_small_overlap(), channel_weights=lam)
    with pytest.raises(DataError, match=r"needs satisfied_at="):
        composite_score(_small_overlap(), channel_weights=lam, kind="rate")
    dup = _small_overlap().assign(respondent_id=[1, 1, 3, 4, 3, 4, 5])
    with pytest.raises(DataError, match=r"respondent\(s\) \[1\] appear more than once in channel 'A'"):
        composite_score(dup, channel_weights=lam, scale=(1, 5))
    with pytest.raises(ParameterError, match=r"composite_score\(\): rounding='floor' is not allowed"):
        composite_score(_small_overlap(), channel_weights=lam, scale=(1, 5), rounding="floor")
    with pytest.raises(CSIError, match=r"lack column\(s\) \['value'\]"):
        composite_score(pd.DataFrame({"channel": ["A"]}), channel_weights={"A": 1.0})
    with pytest.raises(DataError, match=r"must be on 0–100"):
        composite_score(pd.DataFrame({"channel": ["A"], "estimate": [0.83]}).assign(estimate=[-1]), channel_weights={"A": 1.0})
