"""Questionnaire loading and response reading: formats, missing codes, reverse items, clear errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.exceptions import SchemaError

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"

SMALL_Q = """
title = { zh = "小问卷", en = "Small questionnaire" }
scale = [1, 10]
missing_codes = { "99" = { zh = "不知道", en = "Don't know" } }

[constructs.Sat]
label = { zh = "满意", en = "Satisfaction" }

[[items]]
id = "S1"
construct = "Sat"
text = { zh = "总体满意", en = "Overall" }

[[items]]
id = "S2"
construct = "Sat"
text = { zh = "不会换", en = "Would not switch" }
reverse = true

[[items]]
id = "S3"
construct = "Sat"
text = { zh = "五分制", en = "Five-point" }
scale = [1, 5]
missing_codes = [8, 9]

[[demographics]]
id = "gender"
label = { zh = "性别", en = "Gender" }
levels = { male = { zh = "男", en = "Male" }, female = { zh = "女", en = "Female" } }
"""

SMALL_CSV = """respondent_id,enterprise_id,gender,S1,S2,S3
r1,E1,male,10,1,5
r2,E1,female,99,10,9
r3,E2,,7,,1
"""


@pytest.fixture()
def small(tmp_path: Path) -> tuple[csi.Questionnaire, Path]:
    (tmp_path / "q.toml").write_text(SMALL_Q, encoding="utf-8")
    (tmp_path / "r.csv").write_text(SMALL_CSV, encoding="utf-8")
    return csi.load_questionnaire(tmp_path / "q.toml"), tmp_path


def test_questionnaire_declares_scales_codes_and_reverse(small):
    q, _ = small
    assert q.item_ids == ("S1", "S2", "S3")
    assert q.item("S3").scale == (1.0, 5.0) and q.item("S3").missing_codes == (8.0, 9.0)
    assert q.item("S1").missing_codes == (99.0,)
    assert q.item("S2").reverse and not q.item("S1").reverse
    assert q.construct_label("Sat", "en") == "Satisfaction"
    assert q.missing_labels[99.0]["en"] == "Don't know"


def test_missing_codes_become_nan_and_reverse_uses_the_items_own_scale(small):
    q, folder = small
    df = csi.read_responses(folder / "r.csv", q)
    assert df["S1"][0] == 10.0 and np.isnan(df["S1"][1]) and df["S1"][2] == 7.0
    # S2 is reverse-coded on 1–10: x' = 1 + 10 − x
    assert df["S2"][0] == 10.0 and df["S2"][1] == 1.0 and np.isnan(df["S2"][2])
    # S3 has its own missing codes (8, 9) on a 1–5 scale
    assert df["S3"][0] == 5.0 and np.isnan(df["S3"][1]) and df["S3"][2] == 1.0
    assert df.attrs["missing_codes"] == {"S1": {"99": 1}, "S2": {}, "S3": {"9": 1}}
    assert df.attrs["scales"]["S3"] == (1.0, 5.0)
    assert df.attrs["reversed"] == ["S2"]


@pytest.mark.parametrize("suffix", [".xlsx", ".sav", ".parquet"])
def test_every_format_reads_the_same(small, suffix):
    q, folder = small
    expected = csi.read_responses(folder / "r.csv", q)
    raw = pd.read_csv(folder / "r.csv", dtype={"respondent_id": str, "enterprise_id": str, "gender": str})
    target = folder / f"r{suffix}"
    if suffix == ".xlsx":
        raw.to_excel(target, index=False)
    elif suffix == ".sav":
        import pyreadstat
        pyreadstat.write_sav(raw, str(target))
    else:
        raw.to_parquet(target)
    got = csi.read_responses(target, q)
    pd.testing.assert_frame_equal(got[list(q.item_ids)], expected[list(q.item_ids)])
    assert got["respondent_id"].tolist() == ["r1", "r2", "r3"]


def test_gbk_csv_with_chinese_text_is_read(small):
    q, folder = small
    text = SMALL_CSV.replace("respondent_id,", "respondent_id,").replace("r1,E1", "甲1,E1")
    (folder / "gbk.csv").write_bytes(text.encode("gbk"))
    df = csi.read_responses(folder / "gbk.csv", q)
    assert df["respondent_id"][0] == "甲1"


def test_demo_responses_read_with_chinese_complaints():
    q = csi.load_questionnaire(DEMO / "questionnaire.toml")
    df = csi.read_responses(DEMO / "responses_2026.csv", q)
    assert len(df) > 4000 and set(q.item_ids) <= set(df.columns)
    items = df[list(q.item_ids)]
    assert items.min().min() >= 1 and items.max().max() <= 10
    assert 0.01 < items.isna().mean().mean() < 0.06
    assert df["complaint_text"].dropna().str.contains("[\u4e00-\u9fff]").any()


# --------------------------------------------------------------------------- errors, with their messages


def test_unknown_column_names_file_and_suggests(small):
    q, folder = small
    (folder / "bad.csv").write_text(SMALL_CSV.replace(",S2,", ",S_2,"), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        csi.read_responses(folder / "bad.csv", q)
    message = str(err.value)
    assert "bad.csv" in message and "'S2'" in message and "did you mean 'S_2'" in message


def test_out_of_scale_value_names_item_and_file_lines(small):
    q, folder = small
    (folder / "bad.csv").write_text(SMALL_CSV.replace("r3,E2,,7,", "r3,E2,,11,"), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        csi.read_responses(folder / "bad.csv", q)
    message = str(err.value)
    # r3 is data row 3 = file line 4 (after the header)
    assert "bad.csv: 1 value outside the declared scale (whole numbers 1–10) in 1 column: S1 line 4: 11." in message


def test_unknown_missing_code_is_an_error_that_says_how_to_declare_it(small):
    q, folder = small
    (folder / "bad.csv").write_text(SMALL_CSV.replace("r2,E1,female,99,", "r2,E1,female,98,"), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        csi.read_responses(folder / "bad.csv", q)
    message = str(err.value)
    assert "S1 line 3: 98" in message and "Missing codes declared: S1 99" in message
    assert "missing_codes of q.toml" in message


def test_missing_code_inside_the_scale_is_rejected(tmp_path):
    (tmp_path / "q.toml").write_text(SMALL_Q.replace('missing_codes = [8, 9]', 'missing_codes = [3]'),
                                     encoding="utf-8")
    with pytest.raises(SchemaError, match=r"q.toml: \[items\[2\] \(S3\)\.missing_codes\]: missing code\(s\) 3 "
                                          r"lie inside the scale 1–5"):
        csi.load_questionnaire(tmp_path / "q.toml")


def test_non_numeric_item_value_names_rows(small):
    q, folder = small
    (folder / "bad.csv").write_text(SMALL_CSV.replace("r1,E1,male,10,", "r1,E1,male,ten,"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"1 non-numeric value in 1 column: S1 line 2: 'ten'\. Item cells take numbers"):
        csi.read_responses(folder / "bad.csv", q)


def test_undeclared_demographic_level(small):
    q, folder = small
    (folder / "bad.csv").write_text(SMALL_CSV.replace(",male,", ",Male,"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"1 undeclared level in 1 column: gender line 2: 'Male'\. "
                                          r"Declared levels: gender: male, female"):
        csi.read_responses(folder / "bad.csv", q)


def test_every_bad_cell_of_every_column_is_listed_in_one_error(small):
    q, folder = small
    bad = SMALL_CSV.replace("r1,E1,male,10,1,5", "r1,E1,Male,0,1,7").replace("r3,E2,,7,,1", "r3,E2,,ten,12,1")
    (folder / "bad.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        csi.read_responses(folder / "bad.csv", q)
    message = str(err.value)
    assert "1 non-numeric value in 1 column: S1 line 4: 'ten'." in message
    # cells in file order, grouped by column; each item's own scale
    assert ("3 values outside the declared scale (whole numbers 1–10 for S1, S2; 1–5 for S3) in 3 columns: "
            "S1 line 2: 0; S3 line 2: 7; S2 line 4: 12.") in message
    assert "1 undeclared level in 1 column: gender line 2: 'Male'." in message


def test_many_bad_cells_are_counted_and_the_first_twenty_shown(small):
    q, folder = small
    rows = "".join(f"x{k},E1,male,{11 + k % 2},1,{6 + k % 2}\n" for k in range(30))
    (folder / "bad.csv").write_text(SMALL_CSV + rows, encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        csi.read_responses(folder / "bad.csv", q)
    message = str(err.value)
    assert "60 values outside the declared scale" in message and "in 2 columns: S1 line 5: 11, line 6: 12" in message
    assert "40 more not shown (per column: S1 30, S3 30)" in message
    assert message.count("line ") == 20


def test_duplicate_respondent_ids(small):
    q, folder = small
    (folder / "bad.csv").write_text(SMALL_CSV.replace("r2,", "r1,"), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"duplicates: r1 \(2 rows\)"):
        csi.read_responses(folder / "bad.csv", q)


def test_unsupported_and_missing_files(small):
    q, folder = small
    with pytest.raises(SchemaError, match=r"unsupported file type '\.json'"):
        csi.read_responses(folder / "r.json", q)
    with pytest.raises(SchemaError, match=r"nothere\.csv: file not found"):
        csi.read_responses(folder / "nothere.csv", q)


def test_malformed_questionnaire_toml_names_the_line(tmp_path):
    (tmp_path / "q.toml").write_text(SMALL_Q.replace('id = "S2"', 'id = "S2'), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"q\.toml: not valid TOML: .*line 15"):
        csi.load_questionnaire(tmp_path / "q.toml")


def test_questionnaire_item_with_unknown_construct(tmp_path):
    (tmp_path / "q.toml").write_text(SMALL_Q.replace('construct = "Sat"\ntext = { zh = "总体满意"',
                                                     'construct = "Sta"\ntext = { zh = "总体满意"'), encoding="utf-8")
    with pytest.raises(SchemaError, match=r"\[items\[0\] \(S1\)\.construct\]: unknown construct 'Sta' "
                                          r"\(did you mean 'Sat'\?\)"):
        csi.load_questionnaire(tmp_path / "q.toml")


def test_demo_questionnaire_copy_round_trips(tmp_path):
    shutil.copy(DEMO / "questionnaire.toml", tmp_path / "q.toml")
    q = csi.load_questionnaire(tmp_path / "q.toml")
    assert len(q.items) == 22 and {i.id for i in q.items if i.reverse} == {"QUAL5", "LOYA3"}


@pytest.mark.parametrize("column", [
    pd.Series(["1", "2", "", None, "98", "x", " 3", "3.5", "1e1", "-2"], dtype="string[pyarrow]"),
    pd.Series([1, 2.0, None, "a", "", 3], dtype=object),
    pd.Series([1.5, np.nan, 2.0]),
    pd.Series([], dtype="string[pyarrow]"),
    pd.Series([None, None], dtype=object),
], ids=["text", "mixed", "float", "empty", "all-missing"])
def test_item_values_convert_as_pandas_converts_each_cell(column):
    # converted once per distinct value, for speed; pandas' cell-by-cell conversion is the reference
    from csi.io._questionnaire import _numbers
    expected = pd.to_numeric(column.replace("", np.nan), errors="coerce").astype(float)
    got = _numbers(column)
    assert got.index.equals(expected.index)
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())
