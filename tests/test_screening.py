"""Screening rules: each reason on hand-made data, the ledger on the demo study, and rule errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.analysis import load_responses
from csi.exceptions import SchemaError, StudyError
from csi.io._study import ScreeningRules

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
ITEMS = [f"S{i}" for i in range(1, 11)]

QUESTIONNAIRE = "\n".join(
    ['scale = [1, 10]', 'missing_codes = { "99" = "DK" }', "[constructs.Sat]", 'label = "Satisfaction"']
    + [f'[[items]]\nid = "{i}"\nconstruct = "Sat"\ntext = "{i}"' + ("\nreverse = true" if i == "S10" else "")
       for i in ITEMS]
    + ['[[demographics]]\nid = "gender"\nlabel = "Gender"\nlevels = { m = "M", f = "F" }'])


def rows() -> list[list]:
    """Eight respondents of enterprise E1, one per case (answers as given, S10 reverse-coded)."""
    mixed = [7, 8, 6, 9, 7, 8, 6, 7, 8, 4]
    return [
        ["ok1", "E1", "m", 300, *mixed],
        ["dup", "E1", "m", 310, *mixed],                 # same answers and gender as ok1
        ["flat", "E1", "f", 300, *[10] * 10],            # straight-liner: raw 10 everywhere (S10 too)
        ["fast", "E1", "f", 40, *[6, 7, 8, 6, 7, 8, 6, 7, 8, 5]],
        ["few", "E1", "f", 300, 8, 7, *[""] * 8],        # 2 of 10 answered
        ["none", "E1", "m", 300, *[99] * 10],            # nothing but don't know
        ["odd", "E1", "m", 300, 11, *[7, 8, 6, 9, 7, 8, 6, 7, 5]],  # 11 is outside 1–10
        ["ok2", "E1", "f", 300, *[5, 6, 7, 8, 9, 5, 6, 7, 8, 3]],
    ]


@pytest.fixture()
def data(tmp_path):
    (tmp_path / "q.toml").write_text(QUESTIONNAIRE, encoding="utf-8")
    frame = pd.DataFrame(rows(), columns=["respondent_id", "enterprise_id", "gender", "seconds", *ITEMS])
    frame.to_csv(tmp_path / "r.csv", index=False)
    q = csi.load_questionnaire(tmp_path / "q.toml")
    return q, csi.read_responses(tmp_path / "r.csv", q, invalid="flag")


RULES = ScreeningRules(out_of_range="exclude", min_answered=0.5, speeder_column="seconds", speeder_min_seconds=90)


def test_every_rule_gives_its_reason_and_detail(data):
    q, df = data
    result = csi.screen(df, q, rules=RULES)
    got = result.excluded.set_index("respondent_id")
    assert got["reason"].to_dict() == {
        "dup": "duplicate", "flat": "straightlining", "fast": "speeder", "few": "too_few_answered",
        "none": "no_items_answered", "odd": "out_of_range"}
    assert got.loc["odd", "detail"] == "S1 = 11"
    assert got.loc["dup", "detail"] == "same answers as ok1"
    assert got.loc["flat", "detail"] == "all 10 answers = 10"
    assert got.loc["fast", "detail"] == "40 s < 90 s"
    assert got.loc["few", "detail"] == "2 of 10 < 50%"
    assert list(result.kept["respondent_id"]) == ["ok1", "ok2"]


def test_ledger_adds_up(data):
    q, df = data
    ledger = csi.screen(df, q, rules=RULES).ledger.set_index("enterprise_id").loc["E1"]
    assert ledger["read"] == 8 == ledger["analysed"] + ledger["excluded"]
    assert ledger["excluded"] == 6 and ledger["duplicate"] == 1 and ledger["out_of_range"] == 1


def test_set_missing_keeps_the_respondent_and_raise_stops(data):
    q, df = data
    kept = csi.screen(df, q, rules=ScreeningRules(out_of_range="set_missing")).kept.set_index("respondent_id")
    assert "odd" in kept.index and pd.isna(kept.loc["odd", "S1"])
    with pytest.raises(SchemaError, match=r"1 value\(s\) outside the declared scale \(first: S1 = 11"):
        csi.screen(df, q, rules=ScreeningRules(out_of_range="raise"))


def test_rules_can_be_switched_off(data):
    q, df = data
    result = csi.screen(df, q, rules=ScreeningRules(out_of_range="set_missing", straightlining=False, duplicates=False))
    assert set(result.excluded["reason"]) == {"no_items_answered"}


def test_item_missingness_counts_blank_and_dont_know(data):
    q, df = data
    table = csi.screen(df, q, rules=RULES).missingness.set_index("item")
    assert table.loc["S3", "dont_know"] == 1 and table.loc["S3", "blank"] == 1  # 'none' (99) and 'few' (blank)
    assert table.loc["S1", "answered"] == 6  # 'none' is 99 and 'odd' is out of range
    assert table.loc["S1", "missing_share"] == pytest.approx(2 / 8)


def test_speeder_column_must_exist(data):
    q, df = data
    with pytest.raises(SchemaError, match=r"speeder_column: column 'minutes' is not in the responses"):
        csi.screen(df, q, rules=ScreeningRules(out_of_range="set_missing", speeder_column="minutes",
                                          speeder_min_seconds=90))


def test_demo_ledger_accounts_for_every_respondent_and_catches_the_planted_problems():
    study = csi.load_study(DEMO / "study.toml")
    screening = load_responses(study)
    ledger = screening.ledger
    assert (ledger["read"] == ledger["analysed"] + ledger["excluded"]).all()
    assert ledger["read"].sum() == 4485 and len(screening.kept) == ledger["analysed"].sum()
    # data/demo/README.md: 45 speeders, 22 straight-liners, 13 duplicates, 4 empty in 2026
    counts = screening.excluded["reason"].value_counts().to_dict()
    assert counts == {"speeder": 45, "straightlining": 22, "duplicate": 13, "no_items_answered": 4}


def test_screening_settings_are_checked(tmp_path):
    for name in ("questionnaire.toml", "responses_2026.csv", "responses_2025.csv", "responses_2024.csv",
                 "enterprises.csv", "study.toml"):
        shutil.copy(DEMO / name, tmp_path / name)
    study = tmp_path / "study.toml"
    text = study.read_text(encoding="utf-8")
    study.write_text(text.replace("min_answered = 0.5", "min_answered = 50"), encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[screening\.min_answered\]: 50 is out of range: it must be at most 1\. min_answered: Minimum share"):
        csi.load_study(study)
    study.write_text(text.replace('speeder_column = "duration_seconds"\n', ""), encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[screening\.speeder_column\]: set both"):
        csi.load_study(study)
    study.write_text(text.replace('out_of_range = "exclude"', 'out_of_range = "drop"'), encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[screening\.out_of_range\]: 'drop' is not one of raise, exclude"):
        csi.load_study(study)


# --------------------------------------------------------------------------- durations

@pytest.mark.parametrize(("cell", "seconds"), [
    ("45", 45), ("45.5", 45.5), ("1,5", 1.5), ("45,25", 45.25), (" 300 ", 300), ("0:45", 45), ("12:30", 750),
    ("1:02:03", 3723), ("0:45.5", 45.5), ("45秒", 45), ("1分30秒", 90), ("2分钟", 120), ("1小时5分", 3900),
    ("30 s", 30), ("30s", 30), ("30 sec", 30), ("2 min", 120), ("1.5 min", 90), ("1 h 5 min", 3900), ("1h30m", 5400),
    ("２分３０秒", 150), ("０：４５", 45), (90, 90), (90.5, 90.5), ("", None), (None, None)])
def test_every_accepted_duration_form(cell, seconds):
    from csi.survey._durations import parse_duration
    got = parse_duration(cell)
    assert (np.isnan(got) if seconds is None else got == pytest.approx(seconds))


@pytest.mark.parametrize("cell", ["abc", "1,500", "1,5,0", "-5", "1:60", "1:5", "1:75:00", "45 秒钟 ago", "1分30",
                                  "5 hours ago", "TRUE", True, -3.0, float("inf")])
def test_what_is_not_a_duration(cell):
    from csi.survey._durations import parse_duration
    assert parse_duration(cell) is None


def test_duration_values_from_workbooks_and_parquet():
    import datetime as dt

    from csi.survey._durations import durations, parse_duration
    assert parse_duration(dt.time(0, 1, 30)) == 90 and parse_duration(dt.timedelta(minutes=2)) == 120
    assert durations(pd.Series(pd.to_timedelta([30, 90], unit="s")), "d").tolist() == [30, 90]


def test_durations_in_any_form_find_the_speeders(tmp_path):
    (tmp_path / "q.toml").write_text(QUESTIONNAIRE, encoding="utf-8")
    table = pd.DataFrame(rows(), columns=["respondent_id", "enterprise_id", "gender", "seconds", *ITEMS])
    table["seconds"] = ["5:00", "5分10秒", "300", "0:40", "300 s", "5 min", "1:00:00", "4:59"]
    table.to_csv(tmp_path / "r.csv", index=False)
    q = csi.load_questionnaire(tmp_path / "q.toml")
    result = csi.screen(csi.read_responses(tmp_path / "r.csv", q, invalid="flag"), q, rules=RULES)
    assert result.excluded.set_index("respondent_id").loc["fast", "detail"] == "40 s < 90 s"


def test_unreadable_durations_are_refused_naming_file_column_and_physical_lines(tmp_path):
    (tmp_path / "q.toml").write_text(QUESTIONNAIRE, encoding="utf-8")
    q = csi.load_questionnaire(tmp_path / "q.toml")
    header = "respondent_id,enterprise_id,gender,seconds," + ",".join(ITEMS)
    answers = ",".join(["7"] * 10)
    lines = [header, f'a1,E1,m,"1,500",{answers}', "", f"a2,E1,f,45,{answers}",
             *[f"b{k},E1,m,{k} minutes ago,{answers}" for k in range(25)]]
    text = "\n".join(lines).replace("a2,E1,f,45", 'a2,E1,"f",45').replace("b0,E1,m", 'b0,E1,"m"') + "\n"
    text = text.replace("b1,E1,m,1 minutes ago", 'b1,E1,m,"1\nminutes ago"')  # a quoted line break: 2 lines
    (tmp_path / "r.csv").write_text(text, encoding="utf-8")
    df = csi.read_responses(tmp_path / "r.csv", q)
    with pytest.raises(SchemaError) as err:
        csi.screen(df, q, rules=RULES)
    message = str(err.value)
    assert message.startswith(f"{tmp_path / 'r.csv'}: [screening].speeder_column: 26 values of column 'seconds' are "
                              "not a duration: line 2: '1,500', line 5: '0 minutes ago', line 6: '1\\nminutes ago', "
                              "line 8: '2 minutes ago'")
    assert "line 24: '18 minutes ago'; 6 more not shown. Durations are seconds (45, 45.5, or 1,5" in message
