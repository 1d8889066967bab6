"""Write the binary bad-input cases (XLSX, SPSS .sav) of the corpus; their manifest entries are in cases.toml.

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
    # a truncated file
    pyreadstat.write_sav(numeric, OUT / "sav_truncated.sav")
    data = (OUT / "sav_truncated.sav").read_bytes()
    (OUT / "sav_truncated.sav").write_bytes(data[: len(data) // 3])


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    xlsx_cases()
    sav_cases()
