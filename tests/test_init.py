"""``csi init``: a starter study from a raw survey file (CSV, XLSX, SPSS .sav, Parquet).

What is detected (items and scales, missing codes, demographics, ids, constructs), what is never guessed
(reverse-worded items: flagged in the to-do list only), and that the files it writes load with csi.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.cli import main
from csi.exceptions import CSIError, StudyError

ROOT = Path(__file__).resolve().parents[1]


def survey(n: int = 150, seed: int = 3) -> pd.DataFrame:
    """A raw survey: SAT/LOY on 1–10 (99 = don't know, LOY2 reverse-worded), TRUST on 1–5 (9 = don't know),
    text and coded demographics, a free-text column and a numeric column that is none of these."""
    rng = np.random.default_rng(seed)
    latent = rng.standard_normal(n)

    def rating(lo, hi, loading=0.85):
        z = loading * latent + np.sqrt(1 - loading ** 2) * rng.standard_normal(n)
        return np.clip(np.rint((lo + hi) / 2 + z * (hi - lo) / 5), lo, hi)

    df = pd.DataFrame({
        "respondent_id": [f"R{k:03d}" for k in range(n)],
        "company": rng.choice(["A1", "B2", "C3"], n),
        "gender": rng.choice(["male", "female"], n),
        "region": rng.choice([1, 2, 3], n),
        "age": rng.integers(18, 80, n),
        "comment": [f"remark number {k}" if k % 3 else None for k in range(n)],
    })
    for item in ("SAT1", "SAT2", "SAT3", "LOY1"):
        df[item] = rating(1, 10)
    df["LOY2"] = 11 - rating(1, 10)
    df["TRUST1"], df["TRUST2"] = rating(1, 5), rating(1, 5)
    df.loc[::17, "SAT2"] = 99
    df.loc[::23, "TRUST1"] = 9
    df.loc[5::19, "SAT3"] = np.nan
    return df


def written(tmp_path: Path, df: pd.DataFrame, suffix: str) -> Path:
    path = tmp_path / f"survey{suffix}"
    if suffix == ".csv":
        df.to_csv(path, index=False)
    elif suffix == ".xlsx":
        df.to_excel(path, index=False)
    else:
        df.to_parquet(path, index=False)
    return path


def place_trust(study: Path) -> None:
    """The edit the to-do list asks for: give the unknown construct TRUST a path."""
    text = study.read_text(encoding="utf-8")
    study.write_text(text.replace("Loyalty      ~  Satisfaction", "Loyalty      ~  Satisfaction + TRUST"),
                     encoding="utf-8")


@pytest.mark.parametrize("suffix", [".csv", ".xlsx", ".parquet"])
def test_init_detects_items_scales_codes_demographics_and_ids(tmp_path, suffix):
    starter = csi.init_study(written(tmp_path, survey(), suffix))
    assert [p.name for p in starter.files] == ["study.toml", "questionnaire.toml", "enterprises.csv"]
    assert all(p.is_file() and p.parent == tmp_path for p in starter.files)

    q = csi.load_questionnaire(tmp_path / "questionnaire.toml")
    assert (q.id_column, q.enterprise_column) == ("respondent_id", "company")
    assert q.item_ids == ("SAT1", "SAT2", "SAT3", "LOY1", "LOY2", "TRUST1", "TRUST2")
    assert {i.id: i.construct for i in q.items} == {"SAT1": "Satisfaction", "SAT2": "Satisfaction",
                                                   "SAT3": "Satisfaction", "LOY1": "Loyalty", "LOY2": "Loyalty",
                                                   "TRUST1": "TRUST", "TRUST2": "TRUST"}
    assert q.item("SAT1").scale == (1, 10) and q.item("TRUST1").scale == (1, 5)
    assert q.item("SAT2").missing_codes == (99,)          # 9 lies inside 1–10: not a missing code there
    assert set(q.item("TRUST1").missing_codes) == {9, 99}
    assert q.missing_labels[99]["en"] == "Don't know"
    assert not any(i.reverse for i in q.items)            # never guessed …
    assert any("LOY2" in line and "reverse = true" in line for line in starter.todo)  # … only flagged
    assert "# reverse = true" in (tmp_path / "questionnaire.toml").read_text(encoding="utf-8")
    demographics = {v.id: set(v.levels) for v in q.demographics}
    assert demographics == {"gender": {"male", "female"}, "region": {"1", "2", "3"}}
    assert [v.id for v in q.open_ended] == ["comment"]
    assert any("Not used: age" in line for line in starter.todo)

    enterprises = pd.read_csv(tmp_path / "enterprises.csv", dtype=str, keep_default_na=False)
    assert list(enterprises["enterprise_id"]) == ["A1", "B2", "C3"]
    assert list(enterprises["name_en"]) == ["A1", "B2", "C3"]

    # The unknown construct has no path yet: loading the study names it, the to-do list says so …
    assert any("Place TRUST in the model" in line for line in starter.todo)
    with pytest.raises(CSIError, match="TRUST"):
        csi.load_study(starter.study)
    # … and once placed, the study loads and its responses read.
    place_trust(starter.study)
    study = csi.load_study(starter.study)
    assert study.model.target == "Satisfaction"
    assert ("Satisfaction", "Loyalty") in study.model.model.paths
    df = csi.read_responses(study.responses, study.questionnaire)
    assert len(df) == 150 and df["SAT2"].isna().sum() == 9 and df["TRUST1"].max() <= 5


def test_init_reads_spss_metadata(tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    df = survey()
    df["SAT1"] = df["SAT1"].clip(2, 9)        # answers 2–9 only: the scale comes from the value labels
    df.loc[::31, "SAT1"] = 98
    df["gender"] = df["gender"].map({"male": 1.0, "female": 2.0})
    df["company"] = df["company"].map({"A1": 1.0, "B2": 2.0, "C3": 3.0})
    df["comment"] = df["comment"].fillna("")
    path = tmp_path / "raw" / "survey.sav"
    path.parent.mkdir()
    pyreadstat.write_sav(
        df, str(path),
        column_labels={"SAT1": "Overall, how satisfied are you?", "gender": "Gender", "company": "Provider"},
        variable_value_labels={"SAT1": {1: "Very dissatisfied", 10: "Very satisfied", 98: "No opinion"},
                               "gender": {1: "Male", 2: "Female"},
                               "company": {1: "Alpha Water", 2: "Beta Water", 3: "Gamma Water"}},
        missing_ranges={"SAT2": [99], "TRUST1": [{"lo": 9, "hi": 9}]})

    starter = csi.init_study(path, out_dir=tmp_path / "study")
    assert starter.folder == tmp_path / "study"
    q = csi.load_questionnaire(starter.folder / "questionnaire.toml")
    sat1 = q.item("SAT1")
    assert sat1.text["en"] == "Overall, how satisfied are you?"
    assert sat1.scale == (1, 10) and 98 in sat1.missing_codes
    assert q.missing_labels[98]["en"] == "No opinion"      # a value label outside the scale
    assert 99 in q.item("SAT2").missing_codes and 9 in q.item("TRUST1").missing_codes  # user-missing values
    gender = next(v for v in q.demographics if v.id == "gender")
    assert gender.label["en"] == "Gender" and dict(gender.levels) == {"1": {"zh": "Male", "en": "Male"},
                                                                      "2": {"zh": "Female", "en": "Female"}}
    enterprises = pd.read_csv(starter.folder / "enterprises.csv", dtype=str)
    assert list(enterprises["enterprise_id"]) == ["1", "2", "3"]
    assert list(enterprises["name_en"]) == ["Alpha Water", "Beta Water", "Gamma Water"]
    assert any("text` in questionnaire.toml" in line for line in starter.todo)  # only SAT1 has a label

    place_trust(starter.study)
    study = csi.load_study(starter.study)
    assert study.responses == (path,)
    df_read = csi.read_responses(study.responses, study.questionnaire)
    assert len(df_read) == 150


def test_init_on_the_demo_responses_finds_the_demo_questionnaire(tmp_path):
    starter = csi.init_study(ROOT / "data" / "demo" / "responses_2026.csv", out_dir=tmp_path)
    q = csi.load_questionnaire(tmp_path / "questionnaire.toml")
    demo = csi.load_questionnaire(ROOT / "data" / "demo" / "questionnaire.toml")
    assert q.item_ids == demo.item_ids
    assert [i.construct for i in q.items] == [i.construct.replace("Complaint", "Complaints") for i in demo.items]
    assert {v.id for v in q.demographics} == {v.id for v in demo.demographics}
    assert [v.id for v in q.open_ended] == ["complaint_text"]
    flagged = next(line for line in starter.todo if "reverse = true" in line)
    assert {i.id for i in demo.items if i.reverse} <= set(re.findall(r"[A-Z]+\d", flagged))
    assert any("speeder_column" in line and "duration_seconds" in line for line in starter.todo)
    study = csi.load_study(starter.study)  # every prefix is a known construct: the study loads as proposed
    assert len(study.enterprises) == 24 and study.model.target == "Satisfaction"
    assert {e.industry for e in study.enterprises} == {"main"}


def test_study_file_has_every_section_commented(tmp_path):
    starter = csi.init_study(ROOT / "data" / "first-study" / "survey.csv", out_dir=tmp_path)
    text = starter.study.read_text(encoding="utf-8")
    table = tomllib.loads(text)
    for section in ("study", "data", "model", "screening", "weighting", "sampling", "fieldwork", "rules",
                    "benchmark", "report", "outputs"):
        assert f"\n[{section}]\n" in text and section in table
    assert (tmp_path / table["data"]["responses"][0]).resolve() == ROOT / "data" / "first-study" / "survey.csv"
    assert "# out_of_range = " in text and "# lower_is_better = " in text     # the rest commented out
    assert 'syntax = """\n' in text                                          # the model is edited in place
    assert "Satisfaction ~  Image + Expectation + Quality + Value" in table["model"]["syntax"]
    todo = [line for line in text.splitlines() if re.match(r"#\s+\d+\. ", line)]
    assert len(todo) == len(starter.todo)


def test_starter_files_name_the_shipped_schema_for_editors(tmp_path):
    """Their first line makes taplo (VS Code's Even Better TOML) complete and check them; taplo accepts them."""
    import shutil
    import subprocess

    from csi.io._schema import schema_line

    starter = csi.init_study(ROOT / "data" / "first-study" / "survey.csv", out_dir=tmp_path)
    questionnaire = tmp_path / "questionnaire.toml"
    assert starter.study.read_text(encoding="utf-8").splitlines()[0] == schema_line("study.schema.json")
    assert questionnaire.read_text(encoding="utf-8").splitlines()[0] == schema_line("questionnaire.schema.json")
    if shutil.which("taplo"):
        check = subprocess.run(["taplo", "check", str(starter.study), str(questionnaire)], capture_output=True,
                               text=True, check=False)
        assert check.returncode == 0, check.stderr


def test_typos_text_cells_and_missing_id_are_left_to_decide(tmp_path):
    df = survey().drop(columns=["respondent_id"]).rename(columns={"company": "site"})
    df[["SAT1", "TRUST2"]] = df[["SAT1", "TRUST2"]].astype(object)
    df.loc[4, "TRUST2"], df.loc[7, "SAT1"] = 55, "DK"
    df.insert(0, "ticket", [f"T{k}" for k in range(len(df))])
    starter = csi.init_study(written(tmp_path, df, ".csv"))
    q = csi.load_questionnaire(tmp_path / "questionnaire.toml")
    assert q.item("TRUST2").scale == (1, 5)               # one typo does not widen the scale
    todo = "\n".join(starter.todo)
    assert "TRUST2 has values 55 outside its proposed scale 1–5" in todo
    assert "SAT1 has text cells (DK)" in todo
    assert q.id_column == "ticket" and "'ticket' has a unique value per row" in todo
    assert "No enterprise column was found" in todo


def test_gbk_csv_with_chinese_headers(tmp_path):
    df = survey().rename(columns={"respondent_id": "问卷编号", "company": "单位", "gender": "性别"})
    df["单位"] = df["单位"].map({"A1": "江城水务", "B2": "澜川水务", "C3": "C3"})
    df["性别"] = df["性别"].map({"male": "男", "female": "女"})
    path = tmp_path / "调查.csv"
    df.to_csv(path, index=False, encoding="gbk")
    starter = csi.init_study(path)
    q = csi.load_questionnaire(tmp_path / "questionnaire.toml")
    assert (q.id_column, q.enterprise_column) == ("问卷编号", "单位")
    assert dict(next(v for v in q.demographics if v.id == "性别").levels) == {"女": {"zh": "女", "en": "女"},
                                                                            "男": {"zh": "男", "en": "男"}}
    assert any("江城水务" in line and "cannot be ids" in line for line in starter.todo)


def test_init_refuses_to_overwrite_unless_forced(tmp_path, capsys):
    data = written(tmp_path, survey(), ".csv")
    assert main(["init", str(data)]) == 0
    out = capsys.readouterr().out
    assert "Left to decide:" in out and re.search(r"^\s+1\. ", out, flags=re.MULTILINE)
    assert "csi validate" in out
    before = (tmp_path / "questionnaire.toml").read_text(encoding="utf-8")
    (tmp_path / "questionnaire.toml").write_text(before + "# my edits\n", encoding="utf-8")

    with pytest.raises(StudyError, match=r"study\.toml: already exists.*--force"):
        csi.init_study(data)
    assert main(["init", str(data)]) == 2
    assert "study.toml: already exists" in capsys.readouterr().err
    assert (tmp_path / "questionnaire.toml").read_text(encoding="utf-8").endswith("# my edits\n")

    assert main(["init", str(data), "--force"]) == 0
    assert (tmp_path / "questionnaire.toml").read_text(encoding="utf-8") == before


@pytest.mark.parametrize("name, content", [("broken.xlsx", b"not a spreadsheet"), ("broken.sav", b"\x00\x01"),
                                           ("broken.parquet", b"nope"), ("survey.json", b"{}"),
                                           ("empty.csv", b"")])
def test_unreadable_file_is_an_error_naming_it(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CSIError, match=re.escape(str(path))):
        csi.init_study(path)
    assert not (tmp_path / "study.toml").exists()


def test_missing_file_is_an_error_naming_it(tmp_path):
    with pytest.raises(CSIError, match=r"nowhere\.csv: file not found"):
        csi.init_study(tmp_path / "nowhere.csv")


def test_a_rare_value_just_above_the_common_scale_is_proposed_as_a_code(tmp_path):
    """8 in 3 % of one item's answers on a 1–7 questionnaire is a no-answer code, not a 1–10 scale; the
    to-do says so and how to undo it."""
    rng = np.random.default_rng(5)
    df = pd.DataFrame({"respondent_id": [f"R{k}" for k in range(300)], "company": rng.choice(["A", "B"], 300)})
    latent = rng.standard_normal(300)
    for item in ("SAT1", "SAT2", "SAT3", "LOY1"):
        df[item] = np.clip(np.rint(4 + 1.2 * latent + 0.6 * rng.standard_normal(300)), 1, 7)
    df.loc[::33, "SAT2"] = 8
    starter = csi.init_study(written(tmp_path, df, ".csv"), out_dir=tmp_path)
    questionnaire = csi.load_questionnaire(tmp_path / "questionnaire.toml")
    assert questionnaire.item("SAT2").scale == (1, 7) and 8 in questionnaire.item("SAT2").missing_codes
    assert any("SAT2: 8 (10 answers) lies just above the 1–7 scale" in line for line in starter.todo)
