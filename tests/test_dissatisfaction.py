"""Dissatisfaction analysis: rates with CIs (Wilson pinned to statsmodels), drivers, complaints, verbatims."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import csi
from csi.indices._dissatisfaction import (
    anonymise,
    categorize_complaints,
    complaint_summary,
    dissatisfaction_drivers,
    example_verbatims,
    item_importance,
    load_keywords,
    satisfaction_rates,
    wilson_interval,
)

ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = ROOT / "data" / "demo" / "complaint_keywords.toml"


@pytest.mark.parametrize(("x", "n"), [(3, 7), (0, 12), (12, 12), (599, 4485)])
def test_wilson_matches_statsmodels(x, n):
    lo, hi = wilson_interval(x, n)
    ref = proportion_confint(x, n, alpha=0.05, method="wilson")  # statsmodels 0.14, independent implementation
    assert (float(lo), float(hi)) == pytest.approx(ref, abs=1e-12)


def test_rates_by_hand():
    data = pd.DataFrame({"A1": [10, 9, 8, 7, 6, 5, 3, np.nan], "A2": [8, 8, 4, 9, 5, 5, 6, 7]})
    rates = satisfaction_rates(data, {"A": ["A1", "A2"]})
    item = rates[(rates["item"] == "A1")].set_index("category")
    # A1 answered 7 times: ≥ 8 → 10, 9, 8 (3); ≤ 5 → 5, 3 (2); 7, 6 acceptable (2)
    assert item["rate"].tolist() == pytest.approx([3 / 7, 2 / 7, 2 / 7])
    assert item.loc["satisfied", "n_missing"] == 1 and item.loc["satisfied", "method"] == "wilson"
    lo, hi = proportion_confint(3, 7, method="wilson")
    assert (item.loc["satisfied", "ci_low"], item.loc["satisfied", "ci_high"]) == pytest.approx((lo, hi))
    # construct: respondent means (10+8)/2=9, 8.5, 6, 8, 5.5, 5, 4.5, 7 (A2 only)
    #   satisfied 9, 8.5, 8 → 3/8; dissatisfied 5, 4.5 → 2/8; acceptable 6, 5.5, 7 → 3/8
    con = rates[rates["level"] == "construct"].set_index("category")
    assert con["rate"].tolist() == pytest.approx([3 / 8, 3 / 8, 2 / 8])


def test_weighted_rates_use_linearization():
    data = pd.DataFrame({"A1": [9.0, 4.0, 7.0, 10.0], "w": [1.0, 3.0, 2.0, 2.0]})
    rates = satisfaction_rates(data, {"A": ["A1"]}, weights="w")
    item = rates[rates["level"] == "item"].set_index("category")
    # satisfied weight 1 + 2 = 3 of 8; dissatisfied 3 of 8; acceptable 2 of 8
    assert item["rate"].tolist() == pytest.approx([3 / 8, 2 / 8, 3 / 8])
    ref = csi.svy_proportion(data.assign(s=(data["A1"] >= 8).astype(float)), "s", weights="w")
    assert item.loc["satisfied", "ci_low"] == pytest.approx(ref["ci_low"].iloc[0])
    assert set(item["method"]) == {"linearization"}


def test_thresholds_configurable_and_checked():
    data = pd.DataFrame({"A1": [1, 2, 3, 4, 5]})
    rates = satisfaction_rates(data, {"A": ["A1"]}, satisfied_min=4, dissatisfied_max=2)
    item = rates[rates["level"] == "item"].set_index("category")
    # ≥ 4 → 4, 5; ≤ 2 → 1, 2; 3 acceptable
    assert item.loc[["satisfied", "acceptable", "dissatisfied"], "rate"].tolist() == pytest.approx([.4, .2, .4])
    with pytest.raises(csi.ParameterError, match="must be below satisfied_min"):
        satisfaction_rates(data, {"A": ["A1"]}, satisfied_min=5, dissatisfied_max=5)


def test_wilson_arrays_and_empty_samples():
    lo, hi = wilson_interval(np.array([3, 0, 12, 5]), np.array([7, 12, 12, 0]))
    ref_lo, ref_hi = proportion_confint(np.array([3, 0, 12]), np.array([7, 12, 12]), method="wilson")
    np.testing.assert_allclose(lo[:3], ref_lo, atol=1e-15)
    np.testing.assert_allclose(hi[:3], ref_hi, atol=1e-15)
    assert np.isnan(lo[3]) and np.isnan(hi[3])      # n = 0: no interval, no warning


def test_lower_is_better_classes_are_mirrored_on_the_item_scale():
    # C is a complaint-frequency block on 1–10: 10 = complains all the time. Mirrored, x → 11 − x.
    c = pd.DataFrame({"C1": [1, 2, 3, 4, 6, 7, 10, np.nan], "C2": [3, 3, 8, 7, 6, 5, 2, 4]})
    mirrored = (11 - c).rename(columns={"C1": "M1", "C2": "M2"})
    data = pd.concat([c, mirrored], axis=1)
    rates = satisfaction_rates(data, {"C": ["C1", "C2"], "M": ["M1", "M2"]}, lower_is_better=["C"], scale=(1, 10))
    cols = ["category", "rate", "ci_low", "ci_high", "n", "n_missing"]
    for level, (mine, twin) in (("item", ("C1", "M1")), ("item", ("C2", "M2")), ("construct", ("", ""))):
        part = rates[rates["level"] == level]
        got = part[(part["construct"] == "C") & (part["item"] == mine)][cols].reset_index(drop=True)
        ref = part[(part["construct"] == "M") & (part["item"] == twin)][cols].reset_index(drop=True)
        pd.testing.assert_frame_equal(got, ref)
    c1 = rates[rates["item"] == "C1"].set_index("category")["rate"]
    # satisfied: x ≤ 11 − 8 = 3 → 1, 2, 3 (3 of 7); dissatisfied: x ≥ 11 − 5 = 6 → 6, 7, 10 (3 of 7)
    assert c1[["satisfied", "acceptable", "dissatisfied"]].tolist() == pytest.approx([3 / 7, 1 / 7, 3 / 7])
    assert list(rates.columns) == ["level", "construct", "item", "category", "rate", "ci_low", "ci_high", "n",
                                   "n_missing", "method"]
    declared = c.copy()
    declared.attrs["scales"] = {"C1": (1, 10), "C2": (1, 10)}   # as read_responses declares them
    pd.testing.assert_frame_equal(satisfaction_rates(declared, {"C": ["C1", "C2"]}, lower_is_better=["C"]),
                                  rates[rates["construct"] == "C"].reset_index(drop=True))
    with pytest.raises(csi.SchemaError, match=r"no declared scale for item\(s\) C1, C2; pass scale="):
        satisfaction_rates(c, {"C": ["C1", "C2"]}, lower_is_better=["C"])
    with pytest.raises(csi.DataError, match="lower_is_better names 'D', not a construct"):
        satisfaction_rates(c, {"C": ["C1", "C2"]}, lower_is_better=["D"])


def test_item_importance_of_a_lower_is_better_block_counts_by_its_magnitude():
    model = csi.Model.from_syntax("A =~ a1 + a2\nC =~ c1\nY =~ y1\nY ~ A + C\n", lower_is_better=["C"])
    items = list(model.items)
    fit = csi.PLSResult(
        model=model, scheme="path", n=10, iterations=1,
        paths=pd.DataFrame({"source": ["A", "C"], "target": "Y", "estimate": [0.5, -0.4]}),
        outer=pd.DataFrame({"construct": ["A", "A", "C", "Y"], "item": items, "weight": [0.6, 0.4, 1.0, 1.0],
                            "loading": 1.0}),
        r_squared=pd.DataFrame(), scores=pd.DataFrame(), missing=pd.DataFrame({"item": items, "n_missing": 0}),
        item_stats=pd.DataFrame({"item": items, "mean": 5.0, "sd": [2.0, 1.0, 1.0, 1.0]}))
    imp = item_importance(fit, "Y").set_index("item")["importance"]
    # A: weights 0.6/2, 0.4/1 → 3/7, 4/7 of .5; C: −.4 read the favourable way → +.4; Y's own item: 1
    assert imp.to_dict() == pytest.approx({"a1": 0.5 * 3 / 7, "a2": 0.5 * 4 / 7, "c1": 0.4, "y1": 1.0})
    assert item_importance(fit, "Y", lower_is_better=())["importance"].tolist()[2] == pytest.approx(-0.4)


def test_drivers_by_hand():
    rates = pd.DataFrame({"level": "item", "construct": "Q", "item": ["Q1", "Q2", "Q3", "Q4"],
                          "category": "dissatisfied", "rate": [0.30, 0.10, 0.25, 0.05], "ci_low": 0.0, "ci_high": 1.0})
    importance = pd.DataFrame({"item": ["Q1", "Q2", "Q3", "Q4"], "importance": [0.10, 0.40, 0.20, 0.30]})
    drivers = dissatisfaction_drivers(rates, importance, top=None)
    # priority = rate × importance: Q1 .030, Q2 .040, Q3 .050, Q4 .015 → Q3, Q2, Q1, Q4
    assert drivers["item"].tolist() == ["Q3", "Q2", "Q1", "Q4"]
    assert drivers["priority"].tolist() == pytest.approx([0.05, 0.04, 0.03, 0.015])
    # driver: rate ≥ median .175 and importance ≥ median .25 → none has both except … Q3 (.25, .20) no; so none
    # medians: rate (0.10 + 0.25)/2 = 0.175, importance (0.20 + 0.30)/2 = 0.25
    assert not drivers["driver"].any()
    importance.loc[2, "importance"] = 0.35
    assert dissatisfaction_drivers(rates, importance, top=1)["driver"].tolist() == [True]


def test_item_importance_sums_to_total_effects():
    study = csi.load_study(ROOT / "data" / "demo" / "study.toml")
    df = csi.screen(csi.read_responses(study.responses, study.questionnaire), study.questionnaire).kept
    fit = csi.estimate(study.model.model, df[df["enterprise_id"].str.startswith("W")], missing="mean")
    imp = item_importance(fit, "Satisfaction")
    sums = imp.groupby("construct")["importance"].sum()
    total = fit.effects().query("target == 'Satisfaction'").set_index("source")["total"]
    # the normalized weights of a construct sum to 1, so its items' importances add up to its total effect
    assert sums.loc[total.index].to_numpy() == pytest.approx(total.to_numpy())
    assert sums.loc["Satisfaction"] == pytest.approx(1.0)


@pytest.fixture(scope="module")
def demo() -> pd.DataFrame:
    q = csi.load_questionnaire(ROOT / "data" / "demo" / "questionnaire.toml")
    return csi.read_responses(ROOT / "data" / "demo" / "responses_2026.csv", q)   # 99 = don't know → NaN


def test_demo_complaints(demo):
    kw = load_keywords(KEYWORDS)
    out = complaint_summary(demo, kw, handling_item="COMP1")
    inc = out["incidence"].iloc[0]
    has = demo["complaint_text"].notna()
    assert (inc["n"], inc["complaints"]) == (4485, int(has.sum())) == (4485, 599)
    cats = out["categories"].set_index("category")
    assert cats.loc["other", "complaints"] == 0           # the dictionary covers every demo phrase
    texts = demo.loc[has, "complaint_text"]
    hotline = texts.str.contains("打不通|热线|客服只说").sum()   # the hotline keywords, counted directly
    assert cats.loc["hotline", "complaints"] == hotline
    assert cats.loc["hotline", "share_of_complaints"] == pytest.approx(hotline / 599)
    handling = out["handling"].set_index("group")
    comp = demo.loc[has, "COMP1"].dropna()
    assert handling.loc["complainants", "n"] == len(comp)
    assert handling.loc["complainants", "rate"] == pytest.approx((comp >= 8).mean())
    # complainants are less satisfied with complaint handling than respondents overall
    assert handling.loc["complainants", "rate"] < handling.loc["all", "rate"]


def test_categories_multi_label_and_english():
    kw = load_keywords(KEYWORDS)
    texts = pd.Series(["账单金额有误，客服电话打不通", "The hotline is unreachable and fees are high", "", "好"])
    cats = categorize_complaints(texts, kw)
    assert cats.loc[0, ["billing", "hotline"]].tolist() == [1, 1]
    assert cats.loc[1, ["hotline", "fees"]].tolist() == [1, 1]
    assert cats.loc[2].sum() == 0                   # empty text: no category, not "other"
    assert cats.loc[3, "other"] == 1


def test_dictionary_extend(tmp_path):
    extra = tmp_path / "extra.toml"
    extra.write_text('[categories.hotline]\nlabel = { zh = "热线", en = "Hotline" }\nzh = ["占线"]\n'
                     '[categories.parking]\nlabel = { zh = "停车", en = "Parking" }\nzh = ["停车"]\n', encoding="utf-8")
    kw = load_keywords(KEYWORDS).extend(load_keywords(extra))
    cats = categorize_complaints(pd.Series(["电话一直占线", "停车难"]), kw)
    assert cats.loc[0, "hotline"] == 1 and cats.loc[1, "parking"] == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('[categories.x]\nlabel = { zh = "x" }\nzhh = ["y"]\n', encoding="utf-8")
    with pytest.raises(csi.StudyError, match="did you mean 'zh'"):
        load_keywords(bad)


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("我是张先生，电话13812345678", "zh", "我是某先生，电话【电话】"),
    ("身份证11010519491231002X，邮箱wang.li@example.com", "zh", "身份证【证件号】，邮箱【邮箱】"),
    ("座机025-83451234，工号 10086", "zh", "座机【电话】，工号【证件号】"),
    ("Mr. Smith gave +86 139 1234 5678, card 6222 0212 3456 7890 123", "en",
     "[name] gave [phone], card [ID]"),
    ("营业厅排队时间太长", "zh", "营业厅排队时间太长"),
])
def test_anonymise(text, lang, expected):
    assert anonymise(text, lang=lang) == expected


def test_example_verbatims(demo):
    kw = load_keywords(KEYWORDS)
    first = example_verbatims(demo, kw, per_category=2)
    assert first.groupby("category").size().max() == 2
    seeded = example_verbatims(demo, kw, per_category=2, seed=3)
    assert seeded.equals(example_verbatims(demo, kw, per_category=2, seed=3))
