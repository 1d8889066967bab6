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


# --------------------------------------------------------------------------- readers that lose nothing silently

COMMON = Path(__file__).resolve().parent / "bad_inputs" / "common"


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def _rows(csv_text: str) -> list[list]:
    lines = [line.split(",") for line in csv_text.strip().splitlines()]
    return [lines[0], *[[int(v) if v.isdigit() else (v or None) for v in row] for row in lines[1:]]]


def test_workbook_with_several_sheets_is_refused_unless_the_sheet_is_named(small):
    q, folder = small
    rows = _rows(SMALL_CSV)
    path = _workbook(folder / "r.xlsx", {"说明": [], "E1": rows[:3], "E2": [rows[0], rows[3]], "empty": []})
    with pytest.raises(SchemaError, match=r"r\.xlsx: the workbook has 2 sheets with data \('E1', 'E2'\) and csi "
                                          r"reads one: say which .* \[data\] sheet = \"E1\""):
        csi.read_responses(path, q)
    assert csi.read_responses(path, q, sheet="E2")["respondent_id"].tolist() == ["r3"]
    with pytest.raises(SchemaError, match=r"r\.xlsx: no sheet 'e2' \(did you mean 'E2'\?\); the workbook's sheets: "
                                          r"'说明', 'E1', 'E2', 'empty'"):
        csi.read_responses(path, q, sheet="e2")
    # one sheet with data, not the first: it is read; empty sheets are ignored
    only = _workbook(folder / "only.xlsx", {"封面": [], "data": rows, "notes": []})
    df = csi.read_responses(only, q)
    assert df["respondent_id"].tolist() == ["r1", "r2", "r3"] and df.attrs["missing_codes"]["S1"] == {"99": 1}
    # other file types ignore the sheet
    assert len(csi.read_responses(folder / "r.csv", q, sheet="E2")) == 3


def test_study_names_the_sheet_and_the_analysis_reads_it(tmp_path):
    from csi.analysis import load_responses
    for name in ("questionnaire.toml", "enterprises.csv", "model.txt"):
        shutil.copy(COMMON / name, tmp_path / name)
    table = pd.read_csv(COMMON / "responses_ok.csv", dtype=str, keep_default_na=False)
    rows = [list(table.columns), *[[int(v) if v.isdigit() else v for v in r] for r in table.itertuples(index=False)]]
    _workbook(tmp_path / "responses.xlsx", {"E01": rows[:21], "E02": [rows[0], *rows[21:]]})
    study = (COMMON / "study.toml").read_text(encoding="utf-8").replace('"responses_ok.csv"]', '"responses.xlsx"]')
    (tmp_path / "study.toml").write_text(study, encoding="utf-8")
    with pytest.raises(SchemaError, match=r"2 sheets with data"):
        load_responses(csi.load_study(tmp_path / "study.toml"))
    (tmp_path / "study.toml").write_text(study.replace("[data]\n", '[data]\nsheet = "E02"\n'), encoding="utf-8")
    loaded = csi.load_study(tmp_path / "study.toml")
    assert loaded.sheet == "E02"
    assert set(load_responses(loaded).ledger["enterprise_id"]) == {"E02"}


def _with_cached_values(path: Path, values: dict[str, str]) -> None:
    """Give formula cells (by address) a cached value, as Excel writes it when it saves a workbook."""
    import re
    import zipfile
    with zipfile.ZipFile(path) as book:
        parts = {name: book.read(name) for name in book.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    for address, value in values.items():
        sheet = re.sub(rf'(<c r="{address}"[^>]*>)(<f>[^<]*</f>)(<v\s*/>|<v></v>)?', rf"\1\2<v>{value}</v>", sheet)
    parts["xl/worksheets/sheet1.xml"] = sheet.encode("utf-8")
    with zipfile.ZipFile(path, "w") as book:
        for name, data in parts.items():
            book.writestr(name, data)


def test_formula_cells_are_read_from_their_saved_values_and_refused_without(small):
    q, folder = small
    rows = _rows(SMALL_CSV)
    rows[1][3] = "=5+5"   # S1 of r1 (cell D2), and S3 of r3 (cell F4)
    rows[3][5] = "=0+1"
    path = _workbook(folder / "f.xlsx", {"data": rows})
    with pytest.raises(SchemaError, match=r"f\.xlsx, sheet 'data': 2 formula cells without a saved value: S1 cell D2 "
                                          r"\(=5\+5\), S3 cell F4 \(=0\+1\)\. .*open it in Excel or LibreOffice"):
        csi.read_responses(path, q)
    _with_cached_values(path, {"D2": "10", "F4": "1"})
    pd.testing.assert_frame_equal(csi.read_responses(path, q)[list(q.item_ids)],
                                  csi.read_responses(folder / "r.csv", q)[list(q.item_ids)])


def test_logical_cells_are_refused_not_read_as_numbers(small):
    q, folder = small
    rows = _rows(SMALL_CSV)
    rows[2][3], rows[3][2] = True, False   # S1 of r2, gender of r3
    with pytest.raises(SchemaError, match=r"2 TRUE/FALSE values in 2 columns: S1 row 3: TRUE; gender row 4: FALSE\. "
                                          r"Answers are numbers"):
        csi.read_responses(_workbook(folder / "b.xlsx", {"data": rows}), q)
    frame = pd.read_csv(folder / "r.csv", dtype={"respondent_id": str, "enterprise_id": str, "gender": str})
    frame.assign(S3=frame["S3"] > 3).to_parquet(folder / "b.parquet")
    with pytest.raises(SchemaError, match=r"b\.parquet: 3 TRUE/FALSE values in 1 column: S3 data row 1: TRUE, "
                                          r"data row 2: TRUE, data row 3: FALSE"):
        csi.read_responses(folder / "b.parquet", q)


def test_spss_user_missing_values_are_counted_when_declared_and_refused_when_not(small):
    import pyreadstat
    q, folder = small
    frame = pd.read_csv(folder / "r.csv", dtype={"respondent_id": str, "enterprise_id": str, "gender": str})
    # r2's S1 (99) and S3 (9) are SPSS user-missing; the questionnaire declares both
    pyreadstat.write_sav(frame, folder / "m.sav", missing_ranges={"S1": [99.0], "S3": [{"lo": 8.0, "hi": 9.0}]})
    df = csi.read_responses(folder / "m.sav", q)
    assert df.attrs["missing_codes"] == {"S1": {"99": 1}, "S2": {}, "S3": {"9": 1}}
    assert np.isnan(df["S1"][1]) and np.isnan(df["S3"][1])
    # 98 is user-missing in the SPSS file but not declared: it used to vanish as a blank
    pyreadstat.write_sav(frame.assign(S2=[1.0, 98.0, np.nan]), folder / "u.sav", missing_ranges={"S2": [98.0]})
    with pytest.raises(SchemaError, match=r"u\.sav: 1 SPSS user-missing value not declared as missing codes in q\.toml "
                                          r"in 1 column: S2 data row 2: 98\. .*declare it in missing_codes of q\.toml"):
        csi.read_responses(folder / "u.sav", q)


# a quoted comment spanning lines 3–4, blank lines 5 and 7, a whitespace-only line 8
LINES_CSV = ('respondent_id,enterprise_id,gender,S1,S2,S3,comment\n'
             'r1,E1,male,10,1,5,\n'
             'r2,E1,female,99,10,9,"排队太久\n还要再来"\n'
             '\n'
             'r3,E2,,7,,1,\n'
             '\n'
             '  \n'
             'r4,E2,Male,12,3,3,"a ""quoted"" word,\r\nand a comma"\n'
             'r5,,male,1,1,1,\n')


def test_every_line_named_is_the_physical_line_where_the_row_starts(small):
    q, folder = small
    (folder / "lines.csv").write_text(LINES_CSV, encoding="utf-8", newline="")
    with pytest.raises(SchemaError, match=r"lines\.csv: column 'enterprise_id' is empty in lines 1 row: 11;"):
        csi.read_responses(folder / "lines.csv", q)
    (folder / "lines.csv").write_text(LINES_CSV.replace("r5,,", "r5,E2,"), encoding="utf-8", newline="")
    with pytest.raises(SchemaError) as err:
        csi.read_responses(folder / "lines.csv", q)
    assert "S1 line 9: 12" in str(err.value) and "gender line 9: 'Male'" in str(err.value)
    (folder / "lines.csv").write_text(LINES_CSV.replace("r5,,male,1,1,1,", "r5,E2,male,1,1,1,,x"), encoding="utf-8",
                                      newline="")
    with pytest.raises(SchemaError, match=r"malformed CSV: 1 row with more fields than the header's 7 \(line 1\): "
                                          r"line 11 \(8 fields\)"):
        csi.read_responses(folder / "lines.csv", q)
    (folder / "lines.csv").write_text(LINES_CSV.replace('r5,,male,1,1,1,', 'r5,E2,male,1,1,1,"open'),
                                      encoding="utf-8", newline="")
    with pytest.raises(SchemaError, match=r"malformed CSV: the double quote opened in the row starting on line 11 is "
                                          r"never closed"):
        csi.read_responses(folder / "lines.csv", q)
    good = LINES_CSV.replace("Male,12", "male,2").replace("r5,,", "r5,E2,")
    (folder / "lines.csv").write_text(good, encoding="utf-8", newline="")
    df = csi.read_responses(folder / "lines.csv", q)
    assert df["comment"][1] == "排队太久\n还要再来" and df["comment"][3] == 'a "quoted" word,\r\nand a comma'
    assert [df.attrs["rows"].where(k)[1] for k in range(5)] == ["line 2", "line 3", "line 6", "line 9", "line 11"]


def test_cells_in_messages_are_cut_and_control_characters_escaped(small):
    q, folder = small
    huge = "x" * 10_000_000
    (folder / "bad.csv").write_text(SMALL_CSV.replace("r1,E1,male,10,", f"r1,E1,male,{huge},")
                                    .replace("r2,E1,female,", "r2,E1,\x1b[2J\x00,"), encoding="utf-8")
    with pytest.raises(SchemaError) as err:
        csi.read_responses(folder / "bad.csv", q)
    message = str(err.value)
    assert len(message) < 1000 and "\x00" not in message and "\x1b" not in message
    assert f"S1 line 2: '{'x' * 60}'… (10,000,000 characters)." in message
    assert r"gender line 3: '\x1b[2J\x00'" in message


def test_shown_cuts_and_escapes():
    from csi._validation import shown
    assert shown("很好") == "'很好'" and shown(7.5) == "7.5" and shown("E01", quote=False) == "E01"
    assert shown("a\x00b\x1b[0m\n\u202e") == r"'a\x00b\x1b[0m\n\u202e'"
    assert shown("y" * 61) == f"'{'y' * 60}'… (61 characters)"
    assert shown("\x00" * 100, 3, quote=False) == r"\x00\x00\x00… (100 characters)"
