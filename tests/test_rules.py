"""Rubric scoring and award eligibility: the shipped example files reproduced by hand-worked numbers.

There is no reference software for certification rubrics; each expected figure below is the
scheme's arithmetic written out (earned ÷ applicable × full points, proportional deductions,
bands, caps, thresholds).
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import pandas as pd
import pytest

import csi
from csi.rules import check_eligibility, load_award_rules, load_rubric, read_audit, score_rubric

ROOT = Path(__file__).resolve().parents[1]
AFTER_SALES = ROOT / "data" / "rules" / "after_sales_service.toml"
CUSTOMISED = ROOT / "data" / "rules" / "customised_service.toml"
AWARD = ROOT / "data" / "rules" / "service_star_award.toml"


def audit(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


AFTER_SALES_AUDIT = """item,earned,not_applicable,sampled,deficient,count,note
SS1,4,,,,,
SS2,6,,,,,
SS3,,,20,3,,3 of 20 staff files lack a certificate
SS4,5,,,,,
SS5,,,10,1,,
SS6,,yes,,,,no spare parts in this business
PS1,5,,,,,
PS2,7,,,,,
PS3,6,,,,,
PS4,,yes,,,,
PS5,,yes,,,,
PS6,4,,,,,
CS1,5,,,,,
CS2,,,20,2,,
CS3,3,,,,,
CS5,4,,,,,
D3,,,,,2,
B1,,,,,1,
"""


def test_after_sales_example_by_hand():
    rubric = load_rubric(AFTER_SALES)
    result = score_rubric(rubric, audit(AFTER_SALES_AUDIT), indices={"Satisfaction": 82.3})
    items = result.items.set_index("item")
    # proportional deductions: SS3 8 × (1 − 3/20) = 6.8; SS5 8 × (1 − 1/10) = 7.2; CS2 6 × (1 − 2/20) = 5.4
    assert items.loc["SS3", "earned"] == pytest.approx(6.8)
    assert items.loc["SS3", "deduction"] == pytest.approx(1.2)
    assert items.loc["SS5", "earned"] == pytest.approx(7.2)
    assert items.loc["CS2", "earned"] == pytest.approx(5.4)
    # CS4 from the survey index: 82.3 falls in the band min 80 → 4 of 5 points
    assert items.loc["CS4", "earned"] == 4
    # not applicable: SS6 (7), PS4 (6), PS5 (4) leave the applicable sum
    assert items.loc[["SS6", "PS4", "PS5"], "applicable"].tolist() == [0, 0, 0]
    sections = result.sections.set_index("section")
    # service system: 4 + 6 + 6.8 + 5 + 7.2 = 29.0 of 40 − 7 = 33 applicable
    assert sections.loc["service_system", ["earned", "applicable"]].tolist() == pytest.approx([29.0, 33.0])
    assert sections.loc["service_system", "score"] == pytest.approx(29.0 / 33.0 * 40)
    # product service: 5 + 7 + 6 + 4 = 22 of 35 − 6 − 4 = 25
    assert sections.loc["product_service", ["earned", "applicable"]].tolist() == pytest.approx([22.0, 25.0])
    # customer service: 5 + 5.4 + 3 + 4 + 4 = 21.4 of 25
    assert sections.loc["customer_service", ["earned", "applicable"]].tolist() == pytest.approx([21.4, 25.0])
    # base = (29 + 22 + 21.4) / (33 + 25 + 25) × 100 = 72.4 / 83 × 100 = 87.2289…
    assert result.base == pytest.approx(72.4 / 83 * 100)
    # bonus B1 1 × 2 = +2; special deduction D3 2 × 1 = −2  → total 87.2289… ≥ 80 → three stars
    assert (result.bonus, result.deduction) == (2.0, 2.0)
    assert result.total == pytest.approx(87.22891566)
    assert result.stars == 3 and result.verdict("zh") == "三星级" and result.verdict("en") == "Three stars"
    assert result.explanation("zh") == ("适用项目满分 83.00 分，实得 72.40 分，折合 100 分制 87.23 分；加分 2.00 分；"
                                        "特别扣分 2.00 分；总分 87.23 分，达到 80 分及以上，评定为“三星级”")
    assert result.explanation("en").endswith("total 87.23, at least 80: Three stars")
    for text in (result.explanation("zh"), result.explanation("en")):  # words, not programmer notation
        assert not any(mark in text for mark in ("÷", "→", ">=", "≥", "×"))


def test_after_sales_caps_and_veto():
    rubric = load_rubric(AFTER_SALES)
    text = AFTER_SALES_AUDIT.replace("D3,,,,,2,", "D2,,,,,3,").replace("B1,,,,,1,", "B1,,,,,3,\nB2,,,,,1,")
    result = score_rubric(rubric, audit(text), indices={"Satisfaction": 82.3})
    # B1 3 × 2 = 6 capped at its max 4, plus B2 3 → 7, capped at bonus_cap 5
    # D2 3 × 5 = 15 capped at its max 10  → 87.2289 + 5 − 10 = 82.2289 → still three stars
    assert result.bonus == 5 and result.deduction == 10
    assert result.total == pytest.approx(72.4 / 83 * 100 + 5 - 10)
    assert result.stars == 3
    assert any("capped at bonus_cap 5" in n for n in result.notes)
    vetoed = score_rubric(rubric, audit(text + "D1,,,,,1,\n"), indices={"Satisfaction": 82.3})
    assert vetoed.vetoed and vetoed.level is None and vetoed.verdict("en") == "Not certified"
    # linear fall-back of the bands: an index below the lowest band (60) earns nothing
    low = score_rubric(rubric, audit(AFTER_SALES_AUDIT), indices=55.0)
    assert low.items.set_index("item").loc["CS4", "earned"] == 0


def test_after_sales_demo_audit_w01_by_hand():
    rubric = load_rubric(AFTER_SALES)
    result = score_rubric(rubric, ROOT / "data" / "demo" / "audits" / "W01.csv", indices={"Satisfaction": 74.68})
    # service system: 4 + 5.5 + 8×(1 − 9/20) = 4.4 + 5 + 8×(1 − 4/30) = 6.9333 + 4.5 = 30.3333 of 40
    # product service: 5 + 6 + 8×(1 − 4/25) = 6.72 + (PS4 n/a) + 3.5 + 2.5 = 23.72 of 35 − 6 = 29
    # customer service: 4.5 + 6×(1 − 7/20) = 3.9 + 3.5 + CS4 (74.68 → band 70 → 3) + 3.5 = 18.4 of 25
    earned = 4 + 5.5 + 4.4 + 5 + 8 * 26 / 30 + 4.5 + 5 + 6 + 6.72 + 3.5 + 2.5 + 4.5 + 3.9 + 3.5 + 3 + 3.5
    assert result.earned == pytest.approx(earned)
    assert result.applicable == 94
    assert result.total == pytest.approx(earned / 94 * 100)   # 77.08; D3 count 0
    assert result.total == pytest.approx(77.0780, abs=1e-4)
    assert result.stars == 0 and result.verdict("en") == "Pass"   # ≥ 70, < 80


DEMO_AUDITS = sorted(p for p in (ROOT / "data" / "demo" / "audits").glob("*.csv") if p.stem not in ("operations", "teams"))


@pytest.mark.parametrize("path", DEMO_AUDITS, ids=lambda p: p.stem)
def test_audit_dataframe_from_read_csv_scores_as_the_path(path):
    """Issue 18: a DataFrame straight from pd.read_csv (floats with NaN, pandas 3 str columns with missing values)
    scores exactly as the file; so do the same table with None/pd.NA blanks and as nullable dtypes."""
    rubric = load_rubric(AFTER_SALES)
    by_path = score_rubric(rubric, path, indices={"Satisfaction": 74.68})
    frame = pd.read_csv(path)
    for table in (frame, frame.convert_dtypes(), frame.astype(object).where(frame.notna(), None)):
        got = score_rubric(rubric, table, indices={"Satisfaction": 74.68})
        assert got.total == by_path.total and got.level == by_path.level
        pd.testing.assert_frame_equal(got.items, by_path.items)
        pd.testing.assert_frame_equal(got.adjustments, by_path.adjustments)


CUSTOMISED_AUDIT = """item,earned,not_applicable,sampled,deficient,count
IM1,7,,,,
IM2,8,,,,
IM3,,,10,2,
IM4,9,,,,
IM5,5,,,,
MS1,9,,,,
MS2,8,,,,
MS3,,,8,1,
MS4,5,,,,
AS1,,yes,,,
AS2,7,,,,
AS3,,,25,5,
AS4,8,,,,
AS5,7,,,,
SI2,5,,,,
SI3,7,,,,
SI4,5,,,,
X1,,,,,1
"""


def test_customised_example_by_hand():
    rubric = load_rubric(CUSTOMISED)
    result = score_rubric(rubric, audit(CUSTOMISED_AUDIT), indices={"Satisfaction": 76.4})
    s = result.sections.set_index("section")
    # internal management: 7 + 8 + 8×(1 − 2/10) = 6.4 + 9 + 5 = 35.4 of 40
    assert s.loc["internal_management", "earned"] == pytest.approx(35.4)
    # market service: 9 + 8 + 10×(1 − 1/8) = 8.75 + 5 = 30.75 of 35
    assert s.loc["market_service", "earned"] == pytest.approx(30.75)
    # after-sales: AS1 n/a (10 points out), 7 + 10×(1 − 5/25) = 8 + 8 + 7 = 30 of 35
    assert s.loc["after_sales", ["earned", "applicable"]].tolist() == pytest.approx([30.0, 35.0])
    # supervision: SI1 = 76.4 / 100 × 10 = 7.64 (linear), + 5 + 7 + 5 = 24.64 of 30
    assert s.loc["supervision_improvement", "earned"] == pytest.approx(24.64)
    # base = 120.79 / 140 × 150 = 129.4179; X1 1 × 3 = −3 → 126.4179, rounded to 126.4 → ≥ 120 → three stars
    assert result.base == pytest.approx(120.79 / 140 * 150)
    assert result.total == 126.4
    assert result.stars == 3 and result.verdict("zh") == "三星级"


def test_customised_rounding_before_threshold():
    rubric = load_rubric(CUSTOMISED)
    # all audit points earned except 0.08 of IM1; SI1 from index 100 → base = 149.92/150 × 150 = 149.92
    text = CUSTOMISED_AUDIT
    for old, new in [("IM1,7", "IM1,7.92"), ("IM3,,,10,2", "IM3,8,,,"), ("IM4,9", "IM4,10"), ("IM5,5", "IM5,6"),
                     ("MS1,9", "MS1,10"), ("MS2,8", "MS2,10"), ("MS3,,,8,1", "MS3,10,,,"), ("AS1,,yes", "AS1,10,"),
                     ("AS2,7", "AS2,8"), ("AS3,,,25,5", "AS3,10,,,"), ("AS4,8", "AS4,9"), ("AS5,7", "AS5,8"),
                     ("SI2,5", "SI2,6"), ("SI3,7", "SI3,8"), ("SI4,5", "SI4,6"), ("X1,,,,,1", "X1,,,,,2")]:
        text = text.replace(old, new)
    result = score_rubric(rubric, audit(text), indices=100)
    # 149.92 − 2 × 3 = 143.92 → rounded 143.9 ≥ 142.5 → five stars
    assert result.total == 143.9 and result.stars == 5


# ------------------------------------------------------------------ errors


def write(tmp_path: Path, text: str, name: str = "rubric.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


MINIMAL = """
[rubric]
id = "mini"
title = "Mini"
points = 10

[[levels]]
min = 6
stars = 1
label = "one"

[[levels]]
min = 8
stars = 2
label = "two"

[[sections]]
id = "a"
points = 10

[[sections.items]]
id = "A1"
points = 4

[[sections.items]]
id = "A2"
points = 6
"""


def test_minimal_rubric_loads(tmp_path):
    rubric = load_rubric(write(tmp_path, MINIMAL))
    assert [i.id for i in rubric.items] == ["A1", "A2"]


@pytest.mark.parametrize(("change", "message"), [
    (("id = \"A2\"\npoints = 6", "id = \"A2\"\npionts = 6"), "unknown key (did you mean 'points'?)"),
    (("id = \"A2\"\npoints = 6", "id = \"A2\""), "[sections.a.items.A2.points]: required key is missing"),
    (("id = \"A2\"\npoints = 6", "id = \"A2\"\npoints = 5"), "section has 10 points but its items add up to 9"),
    (("min = 8", "min = 5"), "levels must be listed in ascending order of min"),
    (("points = 10\n\n[[levels]]", "points = 12\n\n[[levels]]"),
     "the rubric has 12 points but its sections add up to 10"),
])
def test_rubric_errors(tmp_path, change, message):
    with pytest.raises(csi.StudyError) as err:
        load_rubric(write(tmp_path, MINIMAL.replace(*change)))
    assert message in str(err.value)
    assert "rubric.toml" in str(err.value)


@pytest.mark.parametrize(("text", "message"), [
    ("item,earned\nA1,4\nA22,6\n", "line 3, column 'item': unknown item 'A22' (did you mean 'A2'?)"),
    ("item,earned\nA1,4\n", "no audit row for item(s) A2"),
    ("item,earned\nA1,5\nA2,6\n", "line 2, column 'earned': 5 is outside 0–4 for 'A1'"),
    ("item,earned,not_applicable\nA1,4,\nA2,,yes\n", "'A2' cannot be not applicable"),
    ("item,earned,sampled,deficient\nA1,4,,\nA2,,5,6\n", "need sampled ≥ 1 and 0 ≤ deficient ≤ sampled"),
    ("item,earned,sampled\nA1,4,\nA2,3,10\n", "give exactly one of earned, not_applicable, or sampled + deficient"),
    ("item,earnd\nA1,4\n", "column 'earnd' is unknown (did you mean 'earned'?)"),
    ("item,earned\nA1,4\nA1,3\nA2,6\n", "item 'A1' appears on lines 2, 3"),
])
def test_audit_errors(tmp_path, text, message):
    rubric = load_rubric(write(tmp_path, MINIMAL))
    path = write(tmp_path, text, "audit.csv")
    with pytest.raises(csi.SchemaError) as err:
        read_audit(path, rubric)
    assert message in str(err.value)
    assert "audit.csv" in str(err.value)


def test_survey_item_needs_index():
    rubric = load_rubric(AFTER_SALES)
    with pytest.raises(csi.DataError, match="pass indices="):
        score_rubric(rubric, audit(AFTER_SALES_AUDIT))


# ------------------------------------------------------------------ awards


ENTERPRISES = pd.DataFrame({
    "enterprise_id": ["E1", "E2", "E3", "E4", "E5"],
    "third_party_survey": [True, True, True, False, True],
    "overall_index": [86.0, 81.5, 79.9, 90.0, 84.0],
    "service_index": [84.0, 80.0, 83.0, 88.0, 82.0],
    "complaint_rate": [0.004, 0.0099, 0.002, 0.001, 0.010],
    "handling_satisfaction": [0.99, 0.981, 0.995, 0.999, float("nan")],
})


def test_award_enterprises_by_hand():
    result = check_eligibility(load_award_rules(AWARD), ENTERPRISES, category="enterprise")
    s = result.summary.set_index("id")
    # E1: 86 ≥ 80, 84 ≥ 80, 0.40 % < 1 %, 99 % > 98 % → eligible
    # E2: 81.5, 80.0 (≥ 80 holds at equality), 0.99 % < 1 %, 98.1 % > 98 % → eligible
    assert s.loc["E1", "eligible"] and s.loc["E2", "eligible"]
    # E3: overall 79.9 < 80 → not eligible, one failed criterion
    assert not s.loc["E3", "eligible"] and s.loc["E3", "failed"] == 1
    assert s.loc["E3", "reason_zh"] == "综合满意度指数 79.9，须不低于 80.0（未达到）"
    assert s.loc["E3", "reason_en"] == "Overall satisfaction index 79.9, must be at least 80.0 (not met)"
    # E4: no third-party survey report
    assert s.loc["E4", "reason_en"].startswith("Third-party satisfaction survey report no, must be yes")
    # E5: complaint rate 1.00 % is not < 1 %, and handling satisfaction missing → "no data"
    assert s.loc["E5", "failed"] == 2
    assert "Complaint rate 1.00%, must be below 1.00% (not met)" in s.loc["E5", "reason_en"]
    assert "Complaint-handling satisfaction: no data" in s.loc["E5", "reason_en"]
    # ranking of the eligible by overall index: E1 (86) before E2 (81.5); quota 20 not binding
    assert s.loc["E1", "rank"] == 1 and s.loc["E2", "rank"] == 2
    assert s["awarded"].sum() == 2
    crit = result.criteria.set_index(["id", "criterion"])
    assert crit.loc[("E2", "handling_satisfaction"), "passed"]
    assert crit.loc[("E2", "handling_satisfaction"), "threshold"] == "> 98.0%"


def test_award_coverage_rule_for_teams():
    teams = pd.DataFrame({
        "team_id": ["t1", "t2", "t3", "t4", "t5"],
        "served_customers": [30, 30, 500, 500, 500],
        "respondents": [30, 25, 150, 80, 250],
        "satisfaction_index": [90.0, 90.0, 90.0, 90.0, 90.0],
    })
    result = check_eligibility(load_award_rules(AWARD), {"team": teams})
    s = result.summary.set_index("id")
    # 30 served < 50 → census: 30 surveyed passes, 25 fails; 500 served → 100–200 sampled: 150 passes,
    # 80 and 250 fail
    assert s["eligible"].tolist() == [True, False, True, False, False]
    assert s.loc["t2", "reason_en"] == "Survey coverage: 30 served, fewer than 50: census required, surveyed 25 (not met)"
    assert s.loc["t4", "reason_zh"] == "调查覆盖：服务 500 人，须抽样 100–200 人，实际调查 80 人（未达到）"
    # equal indices: t1 and t3 share the first place, ordered by id
    assert s.loc[["t1", "t3"], "rank"].tolist() == [1, 2]


def test_award_quota_ties(tmp_path):
    text = AWARD.read_text(encoding="utf-8").replace("quota = 100\nid_column = \"team_id\"",
                                                     "quota = 2\nid_column = \"team_id\"")
    teams = pd.DataFrame({"team_id": ["a", "b", "c", "d"], "served_customers": [40] * 4, "respondents": [40] * 4,
                          "satisfaction_index": [95.0, 90.0, 90.0, 88.0]})
    include = check_eligibility(load_award_rules(write(tmp_path, text, "a.toml")), {"team": teams})
    # quota 2: a (95) is first; b and c tie at 90 on the boundary → "include" awards both (3 for a quota of 2)
    assert include.summary.set_index("id")["awarded"].tolist() == [True, True, True, False]
    assert any("tied at the quota boundary (b, c)" in n for n in include.notes)
    exclude_text = text.replace('ties = "include"', 'ties = "exclude"')
    exclude = check_eligibility(load_award_rules(write(tmp_path, exclude_text, "b.toml")), {"team": teams})
    assert exclude.summary.set_index("id")["awarded"].tolist() == [True, False, False, False]
    assert exclude.summary.set_index("id").loc["d", "reason_en"] == "all criteria met, but ranked outside the quota"


def test_award_rule_errors(tmp_path):
    text = AWARD.read_text(encoding="utf-8")
    with pytest.raises(csi.StudyError, match=r"\[categories.enterprise.criteria\[1\].op\]: '=>' is not one of"):
        load_award_rules(write(tmp_path, text.replace('op = ">="', 'op = "=>"', 1), "a.toml"))
    with pytest.raises(csi.StudyError, match="unknown key \\(did you mean 'quota'\\?\\)"):
        load_award_rules(write(tmp_path, text.replace("quota = 20", "qouta = 20"), "b.toml"))
    rules = load_award_rules(AWARD)
    with pytest.raises(csi.SchemaError, match="no column 'overall_index' \\(did you mean 'overal_index'\\?\\)"):
        check_eligibility(rules, ENTERPRISES.rename(columns={"overall_index": "overal_index"}), category="enterprise")
    with pytest.raises(csi.StudyError, match="no category 'enterprize' \\(did you mean 'enterprise'\\?\\)"):
        check_eligibility(rules, ENTERPRISES, category="enterprize")


def test_rules_facade_exports():
    from csi import rules
    assert rules.score_rubric is score_rubric and rules.check_eligibility is check_eligibility
    assert math.isclose(load_rubric(AFTER_SALES).points, 100)
