"""Tables to an Excel workbook: one sheet per table, values only, for statisticians and client analysts.

Every sheet has a bold header row that stays in view (frozen pane) with a filter, column widths from
its contents and number formats with the report's decimals. Cells hold values, never formulas: a
text that begins with ``=``, ``+``, ``-`` or ``@`` (an enterprise named ``=HYPERLINK(…)``) is stored as
a string and marked with a quote prefix, so no spreadsheet evaluates it, not even after an edit.
The study workbook (:meth:`csi.StudyAnalysis.to_excel`) and the enterprise workbooks of
:mod:`csi.report` are both written here. openpyxl is imported when a workbook is written only.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from csi._version import __version__
from csi.exceptions import CSIError

#: p values as the report shows them: three decimals, "< 0.001" below (a conditional number format).
P_FORMAT = '[<0.001]"< 0.001";0.000'
PERCENT = "0.0%"
#: Number formats of the study tables by column (the glossary's vocabulary); other floats get 3 decimals.
FORMATS = {
    **dict.fromkeys(("index", "ci_low", "ci_high", "benchmark", "gap", "favourable_gap", "previous_index", "change",
                     "change_ci_low", "change_ci_high", "peer_mean", "difference", "performance", "index_a",
                     "index_b", "df", "n_eff", "points", "fh_index"), "0.0"),
    **dict.fromkeys(("std_error", "std_error_gap", "previous_std_error", "fh_std_error"), "0.00"),
    **dict.fromkeys(("p_value", "p_holm", "change_p_value"), P_FORMAT),
    **dict.fromkeys(("rate", "share", "missing_share", "share_of_complaints", "share_of_respondents", "target",
                     "achieved"), PERCENT),
}
#: Study tables whose columns differ from :data:`FORMATS`: rates' intervals are proportions too.
OWN_FORMATS = {"rates": {"ci_low": PERCENT, "ci_high": PERCENT}, "rubric": {"applicable": "0.0", "stars": "0"}}
#: The first character of a text a spreadsheet would read as a formula (OWASP's CSV-injection list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME = 31  # Excel's limit on a sheet name's length
WIDTH = (6, 60)  # column widths (characters), narrowest and widest
HEADER_FILL = "DCE6F0"


@dataclass(frozen=True)
class Sheet:
    """One table of a workbook: its sheet name, its rows, the header of each column shown (all columns, under
    their own names, when empty) and the number format of a column (else by :data:`FORMATS` and its type)."""

    name: str
    frame: pd.DataFrame
    headers: Mapping[str, str] = field(default_factory=dict)
    formats: Mapping[str, str] = field(default_factory=dict)


def readme_sheet(rows: list[tuple[str, str]], hashes: Mapping[str, str], *, name: str = "README",
                 headers: tuple[str, str] = ("field", "value")) -> Sheet:
    """The README sheet: ``rows`` (label, value), the csi version and the date written, then the SHA-256 of
    every input file."""
    rows = [*rows, ("csi", __version__), ("written", dt.date.today().isoformat()),
            *((f"sha256 {file}", digest) for file, digest in sorted(hashes.items()))]
    return Sheet(name, pd.DataFrame(rows, columns=["field", "value"]), dict(zip(("field", "value"), headers)))


def study_sheets(frames: Mapping[str, pd.DataFrame], weighting: Mapping, about: list[tuple[str, str]],
                 hashes: Mapping[str, str]) -> list[Sheet]:
    """The study workbook: README, every table of ``StudyAnalysis.to_frames()`` under its name and, when the
    study is weighted, each enterprise's weighting summary (respondents, design effect, effective n)."""
    sheets = [readme_sheet(about, hashes), *(Sheet(name, frame, formats=OWN_FORMATS.get(name, {}))
                                             for name, frame in frames.items())]
    if weighting:
        summary = pd.DataFrame([{"enterprise_id": e, "n": len(w.weights), "deff": w.design_effect,
                                 "n_eff": w.effective_n} for e, w in weighting.items()])
        sheets.append(Sheet("weighting", summary, formats={"deff": "0.000"}))
    return sheets


def write_workbook(path: str | Path, sheets: list[Sheet]) -> Path:
    """Write the sheets to ``path`` (.xlsx) through a temporary file, so a failed write leaves no half file."""
    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise CSIError(f"{path}: an Excel workbook is written as .xlsx; give a path ending in .xlsx.")
    data = workbook_bytes(sheets)
    partial = path.with_name(f".{path.name}.part")
    try:
        partial.write_bytes(data)
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CSIError(f"{path}: the workbook cannot be written: {exc.strerror or exc}") from None
    return path


def workbook_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets as an .xlsx file's bytes (openpyxl's write-only workbook: rows streamed out, not kept as
    cell objects, a third of the time for a study's 20,000 rows)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(book.create_sheet(_sheet_name(sheet.name, used)), sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(ws, sheet: Sheet) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    frame = sheet.frame
    headers = dict(sheet.headers) or {c: str(c) for c in frame.columns}
    columns = list(headers)
    rows = [[plain(value) for value in values] for values in frame[columns].itertuples(index=False, name=None)]
    floats = [sheet.formats.get(column) or FORMATS.get(column, "0.000") for column in columns]
    ints = [sheet.formats.get(column, "#,##0") for column in columns]
    widths = [_width(headers[column]) for column in columns]
    for values in rows[:200]:  # widths from the first 200 rows: long tables are uniform
        for k, value in enumerate(values):
            widths[k] = max(widths[k], _width(value, floats[k] if isinstance(value, float) else ""))
    for k, width in enumerate(widths, start=1):  # a write-only sheet takes its layout before its rows
        ws.column_dimensions[get_column_letter(k)].width = min(max(width + 2, WIDTH[0]), WIDTH[1])
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(len(frame), 1) + 1}"

    def cell(value, number_format: str | None = None) -> WriteOnlyCell:
        made = WriteOnlyCell(ws)
        put(made, value)
        if number_format is not None:
            made.number_format = number_format
        return made

    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    line, wrap = Border(bottom=Side(style="thin", color="7F8C99")), Alignment(vertical="top", wrap_text=True)
    header = []
    for column in columns:
        made = cell(plain(headers[column]))
        made.font, made.fill, made.border, made.alignment = bold, fill, line, wrap
        header.append(made)
    ws.append(header)
    for values in rows:
        ws.append([cell(value, floats[k]) if isinstance(value, float)
                   else cell(value, ints[k]) if isinstance(value, int) and not isinstance(value, bool)
                   else cell(value) if isinstance(value, str) and value.startswith(FORMULA_START)
                   else value  # text and empty cells as they are
                   for k, value in enumerate(values)])


def put(cell, value):
    """Store a plain value in a cell (None for a missing one) and return it; text that a spreadsheet would read
    as a formula stays text (type string, quote prefix)."""
    value = plain(value)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"  # openpyxl took the "=" for a formula
        cell.quotePrefix = True
    return value


def plain(value):
    """A cell value: numpy scalars as Python numbers, missing values (NaN, NA, NaT) as None, other objects as
    text, and control characters (not allowed in a worksheet's XML) taken out."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    text = value if isinstance(value, str) else str(value)
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


def _width(value, number_format: str = "") -> int:
    """A value's width in characters as displayed (a CJK character counts two)."""
    if value is None:
        return 0
    if isinstance(value, float):
        return 8 if number_format == P_FORMAT else len(f"{value:,.3f}")
    text = f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
    longest = max(text.split("\n"), key=len)
    return len(longest) + sum(1 for ch in longest if ord(ch) >= 0x2E80)


def _sheet_name(name: str, used: set[str]) -> str:
    """A valid, unique sheet name: none of ``[]:*?/\\``, at most 31 characters."""
    base = re.sub(r"[\[\]:*?/\\]", "_", name).strip("'") or "sheet"
    candidate, k = base[:SHEET_NAME], 2
    while candidate.lower() in used:
        suffix = f" {k}"
        candidate, k = base[:SHEET_NAME - len(suffix)] + suffix, k + 1
    used.add(candidate.lower())
    return candidate
