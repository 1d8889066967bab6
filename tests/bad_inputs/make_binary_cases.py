"""Write the binary bad-input cases (XLSX, SPSS .sav, Parquet, CSV files with mixed encodings, NUL bytes or a
very long cell) of the corpus; their manifest entries are in cases.toml.

Run from anywhere: ``python tests/bad_inputs/make_binary_cases.py``. The output is committed (a few kB),
so the tests never need this script; it documents how each file was made and re-makes them.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
OUT = HERE / "responses"
ITEMS = ["Q1", "Q2", "Q3", "V1", "V2", "S1", "S2", "S3"]
GROUPS = [("基本信息", 4), ("感知质量", 3), ("感知价值", 2), ("顾客满意度", 3), ("意见", 1)]


def responses(n: int = 8) -> pd.DataFrame:
    """The first ``n`` rows of the shared valid responses (text cells, as a CSV gives them)."""
    return pd.read_csv(HERE / "common" / "responses_ok.csv", dtype=str, keep_default_na=False).head(n)


def _sheet(rows: list[list], path: Path, merges: list[str] = ()) -> None:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    for cells in merges:
        sheet.merge_cells(cells)
    book.save(path)


def _typed(frame: pd.DataFrame) -> list[list]:
    """Rows with numbers as numbers, as Excel stores them."""
    return [[int(v) if v.isdigit() else v for v in row] for row in frame.itertuples(index=False)]


def xlsx_cases() -> None:
    frame = responses()
    header = list(frame.columns)
    # merged group headers above the column names (a typical survey-platform export)
    top, merges, col = [], [], 1
    for label, width in GROUPS:
        top += [label] + [None] * (width - 1)
        if width > 1:
            merges.append(f"{_letter(col)}1:{_letter(col + width - 1)}1")
        col += width
    _sheet([top, header, *_typed(frame)], OUT / "xlsx_merged_headers.xlsx", merges)
    # a title and a blank line above the column names
    _sheet([["2026年度客户满意度调查 数据导出"], [None], header, *_typed(frame)], OUT / "xlsx_title_rows.xlsx")
    # stray text in a numeric column
    rows = _typed(frame)
    rows[3][header.index("Q2")] = "无"
    _sheet([header, *rows], OUT / "xlsx_stray_text.xlsx")
    # the same column name twice
    _sheet([header + ["S1"], *[r + [5] for r in _typed(frame)]], OUT / "xlsx_duplicate_header.xlsx")
    # not a workbook at all
    (OUT / "xlsx_not_a_workbook.xlsx").write_bytes("respondent_id,enterprise_id\n这不是 Excel 文件\n".encode())


def xlsx_lossless_cases() -> None:
    """Workbooks whose data pd.read_excel lost silently: other sheets, formulas never calculated, TRUE/FALSE."""
    frame = responses()
    header = list(frame.columns)
    rows = _typed(frame)
    # one sheet per enterprise, and an empty notes sheet: only the first sheet used to be read
    book = Workbook()
    book.active.title = "E01"
    for row in [header, *rows[:4]]:
        book.active.append(row)
    second = book.create_sheet("E02")
    for row in [header, *[[r[0].replace("E01", "E02"), "E02", *r[2:]] for r in rows[4:]]]:
        second.append(row)
    book.create_sheet("说明")
    book.save(OUT / "xlsx_several_sheets.xlsx")
    # S3 computed by a formula that no program ever calculated (openpyxl writes no cached values)
    s3 = _letter(header.index("S3") + 1)
    s1 = _letter(header.index("S1") + 1)
    formulas = [r[:header.index("S3")] + [f"=11-{s1}{k + 2}"] + r[header.index("S3") + 1:] if k in (1, 5) else r
                for k, r in enumerate(rows)]
    _sheet([header, *formulas], OUT / "xlsx_formula_without_value.xlsx")
    assert s3 == "L"
    # logical TRUE/FALSE cells in an item and a demographic
    logical = [list(r) for r in rows]
    logical[2][header.index("Q3")] = True
    logical[6][header.index("channel")] = False
    _sheet([header, *logical], OUT / "xlsx_boolean_cells.xlsx")


def parquet_cases() -> None:
    """A Parquet item column of booleans (it used to become 1.0 and 0.0)."""
    frame = responses()
    for item in ITEMS:
        frame[item] = frame[item].astype(int)
    frame["V2"] = frame["V2"] > 6
    frame.to_parquet(OUT / "parquet_boolean_item.parquet", index=False)


def csv_byte_cases() -> None:
    """CSV files that are bytes rather than text: two encodings, a NUL byte and an ANSI escape, a very long cell."""
    lines = (HERE / "common" / "responses_ok.csv").read_text(encoding="utf-8").splitlines()[:13]
    # a GBK export with two rows pasted in from a UTF-8 one (lines 5 and 8): they used to become mojibake
    data = b"".join((line.encode("utf-8") if k in (4, 7) else line.encode("gbk")) + b"\n"
                    for k, line in enumerate(lines))
    (OUT / "gbk_with_utf8_lines.csv").write_bytes(data)
    # a UTF-8 file with one GBK row (line 7)
    data = b"".join((line.encode("gbk") if k == 6 else line.encode("utf-8")) + b"\n" for k, line in enumerate(lines))
    (OUT / "utf8_with_gbk_line.csv").write_bytes(data)
    # a NUL byte and an ANSI colour escape in item cells: printed raw, they garble a terminal
    rows = [line.split(",") for line in lines[:6]]
    rows[2][4] = "8\x00"
    rows[4][5] = "\x1b[31m9\x1b[0m"
    (OUT / "control_characters.csv").write_bytes("".join(",".join(r) + "\n" for r in rows).encode("utf-8"))
    # a 5,000-character cell in an item (a pasted document): the message shows 60 characters and the length
    rows = [line.split(",") for line in lines[:6]]
    rows[3][6] = "很长" * 2500
    (OUT / "very_long_cell.csv").write_bytes("".join(",".join(r) + "\n" for r in rows).encode("utf-8"))


def _letter(col: int) -> str:
    return chr(ord("A") + col - 1)


def sav_cases() -> None:
    frame = responses()
    numeric = frame.copy()
    for item in ITEMS:
        numeric[item] = numeric[item].astype(float)
    labels = {item: {1.0: "非常不满意", 10.0: "非常满意", 99.0: "不知道"} for item in ITEMS}
    # demographics stored as numeric codes with value labels (1 = 城区, 2 = 农村): the codes are undeclared levels
    coded = numeric.assign(region=numeric["region"].map({"urban": 1.0, "rural": 2.0}))
    pyreadstat.write_sav(coded, OUT / "sav_coded_levels.sav",
                         variable_value_labels={**labels, "region": {1.0: "城区", 2.0: "农村"}})
    # a refusal code 0 labelled "拒答" that the questionnaire does not declare as missing
    refused = numeric.copy()
    refused.loc[2, "S1"] = 0.0
    pyreadstat.write_sav(refused, OUT / "sav_refusal_code.sav",
                         variable_value_labels={**labels, "S1": {0.0: "拒答", **labels["S1"]}})
    # an item stored as a string variable with Chinese text in it
    text = numeric.assign(Q1=frame["Q1"].where(frame.index != 4, "一般"))
    pyreadstat.write_sav(text, OUT / "sav_text_in_item.sav")
    # duplicated respondent ids
    pyreadstat.write_sav(numeric.assign(respondent_id=numeric["respondent_id"].where(numeric.index != 6, "E01-002")),
                         OUT / "sav_duplicate_ids.sav", variable_value_labels=labels)
    # user-missing values (SPSS "missing values" 97, 98) in S2, which the questionnaire does not declare; 99 is
    # declared there, and would be counted
    undeclared = numeric.copy()
    undeclared.loc[[1, 5], "S2"] = [98.0, 97.0]
    undeclared.loc[3, "S1"] = 99.0
    pyreadstat.write_sav(undeclared, OUT / "sav_user_missing.sav", variable_value_labels=labels,
                         missing_ranges={"S2": [{"lo": 97.0, "hi": 98.0}], "S1": [99.0]})
    # a truncated file
    pyreadstat.write_sav(numeric, OUT / "sav_truncated.sav")
    data = (OUT / "sav_truncated.sav").read_bytes()
    (OUT / "sav_truncated.sav").write_bytes(data[: len(data) // 3])


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    xlsx_cases()
    xlsx_lossless_cases()
    sav_cases()
    parquet_cases()
    csv_byte_cases()
