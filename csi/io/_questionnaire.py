"""The questionnaire as data, and reading response files against it.

A questionnaire file (TOML) declares items (zh/en text, construct, scale, missing codes,
reverse-coding), constructs, demographic variables with their levels and open-ended fields.
:func:`read_responses` reads CSV, XLSX, SPSS .sav or Parquet and checks every value against it:
missing codes become NaN (counted), reverse-coded items are flipped on their own declared scale,
anything undeclared is an error naming the file, column and rows.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi._api import check_option, public
from csi._display import Card, Display, Summary, by_language, label, listing
from csi._display import number as fmt
from csi._validation import LANGUAGES, SHOWN_CELLS, regular_file, reserved_column_problem, rows_text, shown, suggest
from csi.exceptions import CSIError, SchemaError
from csi.io import _schema as schema

Text = Mapping[str, str]  # language code -> text


@dataclass(frozen=True, repr=False)
class Item(Display):
    """One questionnaire item: a rating on a declared scale."""

    id: str
    construct: str
    text: Text
    scale: tuple[float, float]
    missing_codes: tuple[float, ...] = ()
    reverse: bool = False

    def _card(self) -> Card:
        """One line (an item is shown in lists of items): id, construct, scale, missing codes, wording."""
        lo, hi = self.scale
        codes = f", missing {listing(fmt(c) for c in self.missing_codes)}" if self.missing_codes else ""
        return Card("Item", f"{self.id} ({self.construct}), scale {fmt(lo)}–{fmt(hi)}{codes}"
                    + (", reverse-coded" if self.reverse else "") + f": {label(self.text)}")

    def summary(self) -> Summary:
        """The item, its scale and missing codes, and its wording in each language."""
        return self._card().summary({"text": _per_language(self.text)})


@dataclass(frozen=True, repr=False)
class Variable(Display):
    """A categorical variable (demographic or channel) with its declared levels and labels."""

    id: str
    label: Text
    levels: Mapping[str, Text]

    def _card(self) -> Card:
        """One line (a variable is shown in lists of variables): id, label, its levels."""
        levels = f", {len(self.levels)} levels: {listing(self.levels)}" if self.levels else ""
        return Card("Variable", f"{self.id} ({label(self.label)}){levels}")

    def summary(self) -> Summary:
        """The variable and its levels with their labels."""
        levels = pd.DataFrame([{"level": code, **by_language(text, "label")} for code, text in self.levels.items()])
        return self._card().summary({"levels": levels})


def _per_language(text: Text) -> pd.DataFrame:
    return pd.DataFrame({"language": list(text), "text": list(text.values())})


@dataclass(frozen=True, repr=False)
class Questionnaire(Display):
    """The questionnaire: items by construct, demographic variables and open-ended fields."""

    title: Text
    items: tuple[Item, ...]
    constructs: Mapping[str, Text]
    demographics: tuple[Variable, ...] = ()
    open_ended: tuple[Variable, ...] = ()
    missing_labels: Mapping[float, Text] = field(default_factory=dict)
    id_column: str = "respondent_id"
    enterprise_column: str = "enterprise_id"
    source: str = "<memory>"

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def scales(self) -> dict[str, tuple[float, float]]:
        return {item.id: item.scale for item in self.items}

    def item(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise SchemaError(f"{self.source}: no item {item_id!r}{suggest(item_id, self.item_ids)}.")

    def construct_label(self, construct: str, lang: str = "zh") -> str:
        labels = self.constructs.get(construct, {})
        return labels.get(lang) or labels.get("en") or construct

    def _title(self) -> str:
        return f"{label(self.title)}: {len(self.items)} items in {len(self.constructs)} constructs"

    def _items(self) -> pd.DataFrame:
        return pd.DataFrame([{"item": it.id, "construct": it.construct, "scale_min": it.scale[0], "scale_max": it.scale[1],
                              "reverse": it.reverse, "missing_codes": ", ".join(fmt(c) for c in it.missing_codes),
                              **by_language(it.text, "text")} for it in self.items])

    def _card(self) -> Card:
        per = {c: sum(it.construct == c for it in self.items) for c in self.constructs}
        scales: dict[str, int] = {}
        for it in self.items:
            key = f"{fmt(it.scale[0])}–{fmt(it.scale[1])}"
            scales[key] = scales.get(key, 0) + 1
        facts = [("constructs", [f"{c} ({n})" for c, n in per.items()]),
                 ("scales", [f"{s} ({n} items)" for s, n in scales.items()])]
        reverse = [it.id for it in self.items if it.reverse]
        if reverse:
            facts.append(("reverse-coded", reverse))
        if self.demographics:
            facts.append(("demographics", [v.id for v in self.demographics]))
        if self.open_ended:
            facts.append(("open-ended", [v.id for v in self.open_ended]))
        if self.missing_labels:
            facts.append(("missing codes", [f"{fmt(c)} {label(t)}" for c, t in self.missing_labels.items()]))
        facts += [("columns", f"respondent {self.id_column}, enterprise {self.enterprise_column}"),
                  ("source", self.source)]
        return Card("Questionnaire", self._title(), facts, [("items", self._items())],
                    (".items", ".item(id)", ".constructs", ".demographics", ".summary()"))

    def summary(self) -> Summary:
        """Every item, construct, demographic variable (with its levels) and open-ended field."""
        constructs = pd.DataFrame([{"construct": c, "items": sum(it.construct == c for it in self.items),
                                    **by_language(text, "label")} for c, text in self.constructs.items()])
        variables = pd.DataFrame([{"variable": v.id, **by_language(v.label, "label"),
                                   "levels": ", ".join(v.levels)} for v in self.demographics])
        tables = {"items": self._items(), "constructs": constructs, "demographics": variables}
        if self.open_ended:
            tables["open_ended"] = pd.DataFrame([{"field": v.id, **by_language(v.label, "label")}
                                                 for v in self.open_ended])
        return self._card().summary(tables)


@public(subjects=1)
def load_questionnaire(path: str | Path) -> Questionnaire:
    """Read a questionnaire TOML file (keys and types by :class:`csi.io._schema.QuestionnaireFile`); errors name
    the file and the key path."""
    path = Path(path)
    spec = schema.validate(schema.QuestionnaireFile, _read_toml(path, SchemaError), path, SchemaError)
    codes = dict(spec.missing_codes)
    constructs = {name: c.label or dict.fromkeys(LANGUAGES, name) for name, c in spec.constructs.items()}
    items = tuple(_item(path, k, item, spec.scale, tuple(codes), constructs) for k, item in enumerate(spec.items))
    demographics = tuple(Variable(v.id, v.label or dict.fromkeys(LANGUAGES, v.id), dict(v.levels))
                         for v in spec.demographics)
    open_ended = tuple(Variable(v.id, v.label or dict.fromkeys(LANGUAGES, v.id), {}) for v in spec.open_ended)
    _check_unique([it.id for it in items], path, "items", "id")
    _check_unique([v.id for v in demographics + open_ended] + [it.id for it in items], path,
                  "items/demographics/open_ended", "id")
    _check_unique([spec.id_column, spec.enterprise_column, *(v.id for v in demographics + open_ended),
                   *(it.id for it in items)], path, "id_column/enterprise_column/items/demographics/open_ended",
                  "column name")
    for key, name in [("id_column", spec.id_column), ("enterprise_column", spec.enterprise_column),
                      *((f"items[{k}].id", it.id) for k, it in enumerate(items)),
                      *((f"demographics[{k}].id", v.id) for k, v in enumerate(demographics)),
                      *((f"open_ended[{k}].id", v.id) for k, v in enumerate(open_ended))]:
        problem = reserved_column_problem(name)  # csi's own columns would overwrite it (csi_weight, …)
        if problem:
            raise SchemaError(f"{path}: [{key}]: {problem}.")
    return Questionnaire(
        title=spec.title or dict.fromkeys(LANGUAGES, path.stem), items=items, constructs=constructs,
        demographics=demographics, open_ended=open_ended, missing_labels=codes, id_column=spec.id_column,
        enterprise_column=spec.enterprise_column, source=str(path),
    )


def _read_toml(path: Path, error: type) -> dict[str, Any]:
    regular_file(path, error)  # a named pipe would block for ever, a symbolic link loop fail with a traceback
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}.") from None
    except UnicodeDecodeError as exc:
        raise error(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{path}: not valid TOML: {exc}. Fix the syntax there.") from None


def _item(path: Path, index: int, spec, default_scale, default_codes, constructs) -> Item:
    where = f"{path}: [items[{index}] ({spec.id})"
    if constructs and spec.construct_ not in constructs:
        raise SchemaError(f"{where}.construct]: unknown construct {spec.construct_!r}"
                          f"{suggest(spec.construct_, constructs)}; declare it under [constructs.{spec.construct_}].")
    scale = spec.scale or default_scale
    codes = tuple(spec.missing_codes if spec.missing_codes is not None else default_codes)
    inside = [c for c in codes if scale[0] <= c <= scale[1]]
    if inside:
        raise SchemaError(f"{where}.missing_codes]: missing code(s) {', '.join(f'{c:g}' for c in inside)} lie inside "
                          f"the scale {scale[0]:g}–{scale[1]:g}, so real answers could not be told from missing ones; "
                          "use codes outside the scale (e.g. 99).")
    return Item(spec.id, spec.construct_, spec.text or dict.fromkeys(LANGUAGES, spec.id), scale, codes, spec.reverse)


def _check_unique(values: Sequence[str], path: Path, where: str, key: str) -> None:
    seen = pd.Series(values)
    dup = sorted(set(seen[seen.duplicated()]))
    if dup:
        raise SchemaError(f"{path}: [{where}]: duplicate {key} {', '.join(map(repr, dup))}; each must be unique.")


# --------------------------------------------------------------------------- responses

_READERS = {".csv": "csv", ".txt": "csv", ".xlsx": "excel", ".xlsm": "excel", ".sav": "spss",
            ".zsav": "spss", ".parquet": "parquet", ".pq": "parquet"}


@public(subjects=2)
def read_responses(path: str | Path | Sequence[str | Path], questionnaire: Questionnaire, *,
                   invalid: str = "raise", sheet: str | None = None) -> pd.DataFrame:
    """Read one or more response files and check them against the questionnaire.

    Returns one DataFrame: text columns as strings, items as floats with missing codes turned into
    NaN and reverse-coded items flipped (x' = min + max − x on the item's own declared scale).
    ``df.attrs`` carries ``scales`` (item → (min, max)), ``missing_codes`` (counts per item and code),
    ``reversed`` (item ids), ``sources`` (file names), ``out_of_range`` (see below) and ``rows``
    (:class:`RowOrigins`: the file and line of each row, for errors found after reading).

    Nothing is lost silently: a value that cannot be read as the questionnaire declares it is an error naming
    the file (and sheet), the column and the line (CSV: the physical line where the row starts) or row.

    Parameters
    ----------
    invalid : "raise" (default) makes a value outside its item's declared scale an error naming the
        file, column and lines; "flag" sets it to NaN and lists it in ``df.attrs["out_of_range"]``
        (row label, item, value) so that screening can exclude the respondent and count it.
    sheet : the sheet of XLSX files that holds the responses (study.toml ``[data] sheet``); other files ignore
        it. Without it a workbook is read when at most one of its sheets holds data, and refused, naming its
        sheets, when several do.
    """
    check_option("read_responses", "invalid", invalid, ("raise", "flag"))
    paths = [Path(p) for p in ([path] if isinstance(path, str | Path) else path)]
    if not paths:
        raise SchemaError("read_responses: no responses file given.")
    frames, origins = [], []
    for p in paths:
        raw, origin = _read_table(p, sheet)
        frames.append(_check_frame(raw, origin, questionnaire, invalid))
        origins.append(origin)
    offsets = np.cumsum([0] + [len(f) for f in frames[:-1]])
    flagged = [(int(row + offset), item, value) for frame, offset in zip(frames, offsets)
               for row, item, value in frame.attrs["out_of_range"]]
    df = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    _check_ids(df, questionnaire, ", ".join(str(p) for p in paths))
    counts: dict[str, dict[str, int]] = {item: {} for item in questionnaire.item_ids}
    for frame in frames:
        for item, by_code in frame.attrs["missing_codes"].items():
            for code, n in by_code.items():
                counts[item][code] = counts[item].get(code, 0) + n
    df.attrs = {"scales": Frozen(questionnaire.scales),
                "missing_codes": Frozen({item: Frozen(by_code) for item, by_code in counts.items()}),
                "reversed": [it.id for it in questionnaire.items if it.reverse],
                "sources": [str(p) for p in paths], "out_of_range": flagged,
                "rows": RowOrigins(origins, [len(f) for f in frames])}
    return df


class Frozen(Mapping):
    """A read-only mapping for ``DataFrame.attrs``, shared rather than copied.

    pandas deep-copies ``attrs`` into every frame an operation returns (each slice, column pick or
    ``take``); for a response file's item scales and missing-code counts that was a tenth of the time
    of a report's numbers.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Mapping = ()) -> None:
        self._items = dict(items)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return repr(self._items)

    def __deepcopy__(self, memo) -> Frozen:
        return self  # nothing in it can change

    def __reduce__(self):
        return Frozen, (self._items,)


#: How a row is named in each kind of file, and (plural) a list of them.
_UNITS = {"line": "lines", "row": "sheet rows", "data row": "data rows"}


@dataclass(frozen=True, eq=False)
class Origin:
    """Where a response table's rows are, as the user finds them: the file (and the sheet of a workbook), and for
    each data row its ``unit`` and number — the physical line where it starts (CSV, counting blank lines and the
    line breaks inside quoted values), its row in the sheet (XLSX) or its 1-based data row (SPSS, Parquet)."""

    path: Path
    unit: str = "data row"
    numbers: Sequence[int] | None = None  # per data row; None: 1, 2, 3, …
    sheet: str | None = None

    @property
    def name(self) -> str:
        return str(self.path) if self.sheet is None else f"{self.path}, sheet {shown(self.sheet)}"

    def number(self, k: int) -> int:
        return int(self.numbers[k]) if self.numbers is not None else k + 1

    def row(self, k: int) -> str:
        """'line 7', 'row 5', 'data row 4'."""
        return f"{self.unit} {self.number(k)}"

    def rows(self, index: Sequence[int]) -> str:
        """'lines 2 rows: 4, 9'."""
        return f"{_UNITS[self.unit]} " + rows_text([self.number(k) for k in index])

    def __deepcopy__(self, memo) -> Origin:
        return self


class RowOrigins:
    """``df.attrs["rows"]`` of :func:`read_responses`: where each row of the frame is in its file, so that checks
    after reading (screening's durations) name the file and line too. ``where(label)`` → ('r.csv', 'line 7')."""

    def __init__(self, origins: Sequence[Origin], lengths: Sequence[int]) -> None:
        self.origins = tuple(origins)
        self.starts = np.cumsum([0, *lengths])

    def where(self, label: int) -> tuple[str, str]:
        k = int(np.searchsorted(self.starts, label, side="right")) - 1
        if label < 0 or k >= len(self.origins):
            return "", f"row {label}"
        return self.origins[k].name, self.origins[k].row(int(label - self.starts[k]))

    def __deepcopy__(self, memo) -> RowOrigins:
        return self  # nothing in it can change

    def __repr__(self) -> str:
        return f"RowOrigins({', '.join(o.name for o in self.origins)})"


def _read_table(path: Path, sheet: str | None = None) -> tuple[pd.DataFrame, Origin]:
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise SchemaError(f"{path}: unsupported file type {shown(path.suffix)}; use one of "
                          f"{', '.join(sorted(_READERS))}.")
    if not path.is_file():
        raise SchemaError(f"{path}: file not found.")
    try:
        if kind == "csv":
            raw = _read_csv(path)
            lines = raw.attrs.pop("lines", None)
            return raw, Origin(path, "line", lines) if lines is not None else Origin(path)
        if kind == "excel":
            return _read_workbook(path, sheet)
        if kind == "spss":
            import pyreadstat
            # user_missing: SPSS "user-missing" codes (98 = refused, …) come as their values, to be counted as
            # declared missing codes or refused — without it they silently became blanks
            df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
            df.attrs["value_labels"] = meta.variable_value_labels  # named in errors about coded levels
            df.attrs["user_missing"] = meta.missing_ranges          # column -> [{lo, hi}, …]
            return df, Origin(path)
        return pd.read_parquet(path), Origin(path)
    except SchemaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a clear error naming the file
        raise SchemaError(f"{path}: could not be read as {kind}: {shown(str(exc), 300, quote=False)}") from None


# --------------------------------------------------------------------------- XLSX

def _read_workbook(path: Path, sheet: str | None) -> tuple[pd.DataFrame, Origin]:
    """The sheet that holds the responses, cell by cell, with the row of each in the sheet.

    Read with openpyxl rather than ``pd.read_excel``, which reads the first sheet only, gives NaN for a formula
    that was never calculated and for an error cell (#N/A), and turns TRUE into a number later on.
    """
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        worksheet = _worksheet(book, path, sheet)
        title = worksheet.title
        rows, formulas = _cells(worksheet)
    finally:
        book.close()
    if formulas:  # their results are the cached values, which only the data_only view shows
        book = load_workbook(path, read_only=True, data_only=True)
        try:
            cached, _ = _cells(book[title])
        finally:
            book.close()
        lost = []
        for r, c, formula in formulas:
            value = cached[r][c] if r < len(cached) and c < len(cached[r]) else None
            if value is None:
                lost.append((r, c, formula))
            else:
                rows[r][c] = value
        if lost:
            raise SchemaError(_formula_message(path, title, rows, lost))
    for row in rows:
        while row and row[-1] is None:
            row.pop()  # trailing empty cells (formatting only)
    while rows and not rows[-1]:
        rows.pop()  # trailing empty rows
    width = max((len(row) for row in rows), default=0)
    raw = pd.DataFrame([row + [None] * (width - len(row)) for row in rows], dtype=object)
    raw = raw.where(raw.notna(), np.nan)
    origin = Origin(path, "row", range(2, len(rows) + 1), title)  # the first row is the header
    return _with_header(raw, origin.name, SchemaError), origin


def _worksheet(book, path: Path, sheet: str | None):
    """The named sheet, else the only sheet with data (or the first, when none has any); several sheets with data
    and no name: an error listing them."""
    sheets = list(book.worksheets)  # chart sheets hold no cells
    names = [ws.title for ws in sheets]
    if sheet is not None:
        if sheet not in names:
            raise SchemaError(f"{path}: no sheet {shown(sheet)}{suggest(sheet, names)}; the workbook's sheets: "
                              f"{', '.join(shown(n) for n in names)}. Set [data] sheet in the study file to the one "
                              "that holds the responses.")
        return book[sheet]
    with_data = [ws for ws in sheets if _has_data(ws)]
    if len(with_data) > 1:
        listed = ", ".join(shown(ws.title) for ws in with_data)
        raise SchemaError(f"{path}: the workbook has {len(with_data)} sheets with data ({listed}) and csi reads one: "
                          f"say which holds the responses with [data] sheet = {_toml_string(with_data[0].title)} in "
                          "the study file (read_responses(..., sheet=...)). If respondents are on several sheets "
                          "(one per enterprise), put them on one sheet, or save each sheet as a file of its own and "
                          "list the files in [data] responses. Empty sheets are ignored.")
    return with_data[0] if with_data else sheets[0]


def _toml_string(text: str) -> str:
    return '"' + shown(text, quote=False).replace('"', '\\"') + '"'


def _has_data(worksheet) -> bool:
    worksheet.reset_dimensions()  # the stored dimensions may be wrong (some writers): look at every cell
    return any(v is not None and v != "" for row in worksheet.iter_rows(values_only=True) for v in row)


def _cells(worksheet) -> tuple[list[list[Any]], list[tuple[int, int, str]]]:
    """The sheet's values by row (index r is the sheet's row r + 1, so blank rows keep the numbering) and its
    formula cells (row, column, formula), whose values are left None."""
    worksheet.reset_dimensions()
    rows: list[list[Any]] = []
    formulas: list[tuple[int, int, str]] = []
    for r, cells in enumerate(worksheet.iter_rows()):
        values = []
        for c, cell in enumerate(cells):
            value = cell.value
            if cell.data_type == "f":
                formulas.append((r, c, str(getattr(value, "text", value))))
                value = None
            elif isinstance(value, float) and value.is_integer():
                value = int(value)  # Excel stores 3 as 3.0
            elif value == "":
                value = None
            values.append(value)
        rows.append(values)
    return rows, formulas


def _formula_message(path: Path, title: str, rows: list[list[Any]], lost: list[tuple[int, int, str]]) -> str:
    from openpyxl.utils import get_column_letter

    header = rows[0] if rows else []

    def cell(r: int, c: int, formula: str) -> str:
        column = "header" if r == 0 else _header_name(header[c] if c < len(header) else None, c)
        return f"{column} cell {get_column_letter(c + 1)}{r + 1} ({shown(formula, quote=False)})"

    listing = ", ".join(cell(*f) for f in lost[:SHOWN_CELLS])
    more = f", {len(lost) - SHOWN_CELLS} more not shown" if len(lost) > SHOWN_CELLS else ""
    return (f"{path}, sheet {shown(title)}: {len(lost)} formula cell{'s' if len(lost) != 1 else ''} without a saved "
            f"value: {listing}{more}. The workbook was written by a program that does not calculate formulas (and "
            "never opened and saved in Excel), so the results are not in the file and would be read as missing "
            "answers: open it in Excel or LibreOffice and save it, or write values instead of formulas.")


# --------------------------------------------------------------------------- CSV

def _read_csv(path: Path) -> pd.DataFrame:
    return read_csv_text(path, SchemaError, "a header row and one row per respondent")


class _Lines(tuple):
    """``attrs["lines"]`` of :func:`read_csv_text`: shared, not deep-copied, by every frame pandas derives."""

    __slots__ = ()

    def __deepcopy__(self, memo) -> _Lines:
        return self


def read_csv_text(path: Path, error: type[CSIError], expected: str = "a header row") -> pd.DataFrame:
    """A CSV file as text cells (blank → NaN), UTF-8 with or without BOM, else GB18030 (a superset of GBK).

    The header is read as a row of its own, so a data row with more fields than the header is an error
    naming its line (pandas would silently turn the first fields into an index), and duplicated
    column names are an error (pandas would silently rename them 'X.1'). A file mixing encodings (a GBK file
    with UTF-8 lines pasted in, or the other way round) is an error naming the lines, not mojibake.
    ``attrs["lines"]`` holds the physical line of the file where each row starts (blank lines are skipped,
    a quoted value with line breaks spans several), or None when that could not be worked out.
    """
    regular_file(path, error)  # a named pipe would block for ever, a symbolic link loop fail with a traceback
    try:
        text = _decoded(path, error)
    except OSError as exc:
        raise error(f"{path}: cannot be read: {exc.strerror or exc}.") from None
    starts, widths = _records(text)
    if widths and max(widths) > widths[0]:
        wide = [(line, n) for line, n in zip(starts, widths) if n > widths[0]]
        listed = ", ".join(f"line {line} ({n} fields)" for line, n in wide[:SHOWN_CELLS])
        more = f", … ({len(wide)} rows in all)" if len(wide) > SHOWN_CELLS else ""
        raise error(f"{path}: malformed CSV: {len(wide)} row{'s' if len(wide) != 1 else ''} with more fields than "
                    f"the header's {widths[0]} (line {starts[0]}): {listed}{more}; every line needs as many fields as "
                    "the header (a value holding a comma needs double quotes around it).")
    try:
        raw = pd.read_csv(io.StringIO(text), header=None, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.ParserError as exc:
        if "EOF inside string" in str(exc) and starts:
            raise error(f"{path}: malformed CSV: the double quote opened in the row starting on line {starts[-1]} is "
                        "never closed, so the rest of the file would be one value; close it, or remove the stray "
                        "quote.") from None
        raise error(f"{path}: malformed CSV: {str(exc).strip()}; every line needs as many fields as the "
                    "header.") from None
    except pd.errors.EmptyDataError:
        raise error(f"{path}: the file is empty; expected {expected}.") from None
    frame = _with_header(raw, path, error)
    frame.attrs["lines"] = _Lines(starts[1:]) if starts is not None and len(starts) == len(raw) else None
    return frame


def _records(text: str) -> tuple[list[int] | None, list[int]]:
    """The physical line where each record starts and its number of fields, skipping blank (or blank-looking)
    lines as pandas does; (None, []) when Python's csv module cannot read it (pandas then says why)."""
    limit = csv.field_size_limit()
    csv.field_size_limit(2**31 - 1)  # a 10 MB cell is read (and its line counted), not refused here
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        starts, widths, end = [], [], 0
        for record in reader:
            start, end = end + 1, reader.line_num
            if not record or (len(record) == 1 and record[0] and not record[0].strip(" \t")):
                continue
            starts.append(start)
            widths.append(len(record))
        return starts, widths
    except csv.Error:
        return None, []
    finally:
        csv.field_size_limit(limit)


_LINE_BREAK = re.compile(rb"\r\n|\r|\n")


def _decoded(path: Path, error: type[CSIError]) -> str:
    """The file's text: UTF-8 (a BOM is dropped) else GB18030; a file mixing the two is an error naming its lines."""
    data = path.read_bytes()
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or data[:1000].count(0) > len(data[:1000]) // 4:
        raise error(f"{path}: text encoding not recognised (it looks like UTF-16); save it as UTF-8 (or GBK).")
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    utf8, other = _cells_by_encoding(data)
    if not utf8:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise error(f"{path}: text encoding not recognised (line {line} is neither UTF-8 nor GBK); save it as "
                        "UTF-8 (or GBK).") from None
    fix = ("Save the whole file in one encoding (UTF-8 is best) — rows pasted together from two exports are the "
           "usual cause: re-export them, or convert one part before joining them — and run again.")
    if bom or len(utf8) >= len(other) or not _all_gbk(other.values()):
        first, cell = next(iter(other.items()))
        gbk = _all_gbk(other.values())
        example = cell.decode("gb18030") if gbk else cell.decode("utf-8", errors="backslashreplace")
        raise error(f"{path}: mixed text encodings: the file is UTF-8{' (it starts with a byte-order mark)' * bom} "
                    f"but {_lines_text(list(other))} {'is' if len(other) == 1 else 'are'} not"
                    f"{(' — it looks' if len(other) == 1 else ' — they look') + ' like GBK' if gbk else ''} "
                    f"(line {first}: {shown(example)}"
                    f"{' read as GBK' if gbk else ''}). {fix}")
    first, cell = next(iter(utf8.items()))
    raise error(f"{path}: mixed text encodings: the file is GBK (GB18030) but {_lines_text(list(utf8))} "
                f"{'holds' if len(utf8) == 1 else 'hold'} UTF-8 text (line {first}: {shown(cell.decode('utf-8'))}), "
                f"which would be read as garbled characters. {fix}")


def _cells_by_encoding(data: bytes) -> tuple[dict[int, bytes], dict[int, bytes]]:
    """Lines (number → first such cell) with a cell in UTF-8, and with a cell that is not UTF-8.

    Cells are split at commas, which no GBK or UTF-8 multi-byte character contains. Valid UTF-8 is counted as
    UTF-8 only when it reads as such (see :func:`_reads_as_utf8`): a short GBK text can be valid UTF-8 by chance.
    """
    utf8: dict[int, bytes] = {}
    other: dict[int, bytes] = {}
    for number, line in enumerate(_LINE_BREAK.split(data), start=1):
        if line.isascii():
            continue
        for cell in line.split(b","):
            if cell.isascii():
                continue
            try:
                text = cell.decode("utf-8")
            except UnicodeDecodeError:
                other.setdefault(number, cell)
                continue
            if _reads_as_utf8(text, cell):
                utf8.setdefault(number, cell)
    return utf8, other


def _reads_as_utf8(text: str, cell: bytes) -> bool:
    """Valid UTF-8 that is UTF-8 text rather than GBK by chance: at least one character beyond U+07FF (every
    Chinese character is), none of the C1 controls and U+0250–U+07FF (IPA … NKo) that GBK bytes read as UTF-8
    give, and as GBK not mostly common characters (real GBK text is; UTF-8 read as GBK is not)."""
    if not any(ord(ch) >= 0x800 for ch in text) or any(0x80 <= ord(ch) < 0xA0 or 0x250 <= ord(ch) < 0x800
                                                      for ch in text):
        return False
    try:
        as_gbk = cell.decode("gb18030")
    except UnicodeDecodeError:
        return True
    wide = [ch for ch in as_gbk if not ch.isascii()]
    return sum(map(_common, wide)) < len(wide) / 2


def _common(ch: str) -> bool:
    """A character of GB2312's punctuation rows or its 3,755 common hanzi (level 1)."""
    try:
        code = ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return 0xA1 <= code[0] <= 0xA3 or 0xB0 <= code[0] <= 0xD7


def _all_gbk(cells) -> bool:
    try:
        for cell in cells:
            cell.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return True


def _lines_text(numbers: Sequence[int]) -> str:
    """'line 7', 'lines 4, 7, 9', 'lines 1, 2, …, 20, … (25 lines in all)'."""
    listed = ", ".join(map(str, numbers[:SHOWN_CELLS]))
    more = f", … ({len(numbers)} lines in all)" if len(numbers) > SHOWN_CELLS else ""
    return f"line{'s' if len(numbers) != 1 else ''} {listed}{more}"


def _with_header(raw: pd.DataFrame, path: Path | str, error: type[CSIError]) -> pd.DataFrame:
    """Take the first row as column names; blank names become 'Unnamed: k', duplicates are an error."""
    if raw.empty:
        raise error(f"{path}: the file is empty; expected a header row.")
    names = [_header_name(v, k) for k, v in enumerate(raw.iloc[0])]
    seen = pd.Series(names)
    dup = seen[seen.duplicated(keep=False)]
    if len(dup):
        name = dup.iloc[0]
        where = ", ".join(str(k + 1) for k in dup.index[dup == name])
        raise error(f"{path}: column {shown(name)} appears more than once in the header (columns {where}); "
                    "give each column a unique name.")
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = names
    return frame


def _header_name(value: Any, k: int) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"Unnamed: {k}"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip() or f"Unnamed: {k}"


# --------------------------------------------------------------------------- checking the cells

def _check_frame(raw: pd.DataFrame, origin: Origin, q: Questionnaire, invalid: str = "raise") -> pd.DataFrame:
    raw.columns = [str(c).strip() for c in raw.columns]
    required = [q.id_column, q.enterprise_column, *q.item_ids]
    missing = [c for c in required if c not in raw.columns]
    if missing:
        hints = "; ".join(f"{c!r}{suggest(c, raw.columns)}" for c in missing[:10])
        raise SchemaError(f"{origin.name}: column(s) declared in {q.source} but not in the file: {hints}. Columns in "
                          f"the file: {', '.join(shown(c, quote=False) for c in raw.columns[:30])}."
                          f"{_header_hint(raw, required, origin)}")
    df = raw.copy()
    for key in (q.id_column, q.enterprise_column):
        df[key] = _as_text(df[key])
        empty = df.index[df[key].isna()]
        if len(empty):
            raise SchemaError(f"{origin.name}: column {key!r} is empty in {origin.rows(empty)}; every row needs a "
                              "value.")
    codes: dict[str, dict[str, int]] = {}
    flagged: list[tuple[int, str, float]] = []
    user_missing = raw.attrs.get("user_missing") or {}
    cells = BadCells()  # every bad cell of every column, reported together: one fix-and-rerun, not one per column
    for item in q.items:
        column = _without_user_missing(_without_bools(df[item.id], item.id, cells), item,
                                       user_missing.get(item.id), cells)
        df[item.id], codes[item.id], bad = _check_item(column, item, invalid, cells)
        flagged += [(int(row), item.id, float(value)) for row, value in bad.items()]
    for var in q.demographics:
        if var.id in df.columns:
            column = _as_text(_without_bools(df[var.id], var.id, cells))
            df[var.id] = _check_levels(column, var, cells, raw.attrs.get("value_labels", {}).get(var.id))
    for var in q.open_ended:
        if var.id in df.columns:
            df[var.id] = _as_text(df[var.id])
    if cells:
        raise SchemaError(cells.message(origin, q))
    df.attrs = {"missing_codes": codes, "out_of_range": flagged}
    return df


def _header_hint(raw: pd.DataFrame, required: list[str], origin: Origin) -> str:
    """Why declared columns may be absent: column names further down (title or merged group-header rows
    above them), or another separator than the comma."""
    for k, row in enumerate(raw.head(10).itertuples(index=False)):
        if set(required) <= {_header_name(v, 0) for v in row}:
            return (f" The column names are on {origin.row(k)}: delete the {k + 1} row(s) above them (a title or "
                    "merged group headers) so that the column names are the first row.")
    if len(raw.columns) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in str(raw.columns[0]):
                return f" The file seems to be separated by {name}; save it as comma-separated CSV."
    return ""


def _is_text(column: pd.Series) -> bool:
    """A column of pandas' text dtype (as CSV reads them): strings and NaN only, so vectorized string
    methods apply; SPSS and Excel give object columns that mix numbers and strings."""
    return pd.api.types.is_string_dtype(column) and not pd.api.types.is_object_dtype(column)


def _as_text(column: pd.Series) -> pd.Series:
    if _is_text(column):
        text = column.str.strip()
        return text.where(text.notna() & (text != ""), np.nan).astype(object)

    def clean(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return np.nan
        if isinstance(v, float) and v.is_integer():
            v = int(v)  # SPSS/Excel store codes like 3 as 3.0
        text = str(v).strip()
        return text if text else np.nan
    return column.map(clean).astype(object)


def _without_bools(column: pd.Series, name: str, cells: BadCells) -> pd.Series:
    """The column with its TRUE/FALSE cells (XLSX logical cells, a Parquet bool column) added to ``cells`` and
    blanked: a number would silently take their place (TRUE → 1.0)."""
    if pd.api.types.is_bool_dtype(column):
        mask = column.notna().to_numpy(dtype=bool)
    elif pd.api.types.is_object_dtype(column):
        mask = np.fromiter((isinstance(v, bool | np.bool_) for v in column), dtype=bool, count=len(column))
    else:
        return column
    if not mask.any():
        return column
    cells.add("bool", name, column.index[mask], ["TRUE" if v else "FALSE" for v in column[mask]])
    return column.astype(object).where(~mask, np.nan)


def _without_user_missing(column: pd.Series, item: Item, ranges, cells: BadCells) -> pd.Series:
    """The item with its SPSS user-missing values that the questionnaire does not declare as missing codes added
    to ``cells`` and blanked; declared ones stay, to be counted as missing codes."""
    if not ranges:
        return column
    values = pd.to_numeric(column, errors="coerce")
    hit = np.zeros(len(column), dtype=bool)
    for span in ranges:
        lo, hi = span.get("lo"), span.get("hi")
        if isinstance(lo, int | float) and isinstance(hi, int | float):
            hit |= ((values >= lo) & (values <= hi)).to_numpy(dtype=bool)
    hit &= ~values.isin(item.missing_codes).to_numpy(dtype=bool)
    if not hit.any():
        return column
    cells.add("user_missing", item.id, column.index[hit], [f"{v:g}" for v in values[hit]])
    return column.where(~hit)


def _numbers(text: pd.Series) -> pd.Series:
    """Each value as a number, NaN where it is blank or not a number (``pd.to_numeric``, coerced).

    Converted once per distinct value: an item column holds a handful among thousands of cells, and
    converting each cell of a text column was most of the time spent reading the responses.
    """
    codes, distinct = pd.factorize(text)
    numbers = pd.to_numeric(pd.Series(distinct, dtype=object).replace("", np.nan), errors="coerce").to_numpy(float)
    numbers = np.append(numbers, np.nan)  # code -1, a missing value, takes the last
    return pd.Series(numbers[codes], index=text.index)


def _check_item(column: pd.Series, item: Item, invalid: str, cells: BadCells
                ) -> tuple[pd.Series, dict[str, int], pd.Series]:
    """The item as numbers on its own scale; its non-numeric and (``invalid="raise"``) out-of-scale cells are
    added to ``cells``."""
    if _is_text(column):
        text = column.str.strip()
    else:
        text = column.map(lambda v: v.strip() if isinstance(v, str) else v)
    values = _numbers(text)
    bad = values.isna() & text.notna() & (text != "")
    cells.add("text", item.id, values.index[bad], [shown(v) for v in text[bad]])
    counts = {}
    for code in item.missing_codes:
        hit = values == code
        if hit.any():
            counts[f"{code:g}"] = int(hit.sum())
            values[hit] = np.nan
    lo, hi = item.scale
    out = values.notna() & ((values < lo) | (values > hi) | (values % 1 != 0))
    flagged = values[out]
    if out.any() and invalid == "flag":
        values = values.mask(out)
    elif out.any():
        cells.add("scale", item.id, values.index[out], [f"{v:g}" for v in values[out]], item)
    if item.reverse:
        values = lo + hi - values
    return values, counts, flagged


def _check_levels(column: pd.Series, var: Variable, cells: BadCells, value_labels=None) -> pd.Series:
    """The column; its undeclared levels are added to ``cells``."""
    unknown = column.notna() & ~column.isin(list(var.levels))
    if unknown.any():
        coded = "; ".join(f"{code:g} = {label}" for code, label in (value_labels or {}).items()
                          if isinstance(code, int | float))
        cells.add("level", var.id, column.index[unknown], [shown(v) for v in column[unknown]], var, coded)
    return column


class BadCells:
    """Bad cells of a response file by kind — ``bool`` (TRUE/FALSE in an item or demographic), ``user_missing``
    (an SPSS user-missing value the questionnaire does not declare), ``text`` (not a number in an item),
    ``scale`` (outside the item's scale), ``level`` (an undeclared level) — with what the message needs to say
    how to fix them."""

    def __init__(self) -> None:
        self.cells: dict[str, list[tuple[int, str, str]]] = {
            "bool": [], "user_missing": [], "text": [], "scale": [], "level": []}
        self.declared: dict[str, Item | Variable] = {}  # column -> its item or variable
        self.coded: dict[str, str] = {}                # column -> SPSS value labels, when it has any

    def __bool__(self) -> bool:
        return any(self.cells.values())

    def add(self, kind: str, column: str, rows: pd.Index, values: list[str], declared=None, coded: str = "") -> None:
        self.cells[kind] += [(int(row), column, value) for row, value in zip(rows, values)]
        if declared is not None:
            self.declared[column] = declared
        if coded:
            self.coded[column] = coded

    def message(self, origin: Origin, q: Questionnaire) -> str:
        """One error for all of them: per kind the count, the first cells (file order) grouped by column,
        and how to fix them."""
        source = Path(q.source).name
        parts = []
        if self.cells["bool"]:
            parts.append(f"{self._listing('bool', 'TRUE/FALSE value', origin)}. Answers are numbers (items) or "
                         "declared levels (demographics), not logical TRUE/FALSE cells, which would be read as 1 and "
                         "0: store them as numbers or as text.")
        if self.cells["user_missing"]:
            what = f" not declared as missing codes in {source}"
            parts.append(f"{self._listing('user_missing', 'SPSS user-missing value', origin, what)}. The SPSS file "
                         "marks these codes as missing answers, not ratings: declare it in missing_codes of "
                         f"{source} (the value is then counted as a missing code), or recode it in the SPSS file.")
        if self.cells["text"]:
            parts.append(f"{self._listing('text', 'non-numeric value', origin)}. Item cells take numbers, a blank, "
                         f"or a missing code declared in {source}.")
        if self.cells["scale"]:
            columns = self._columns("scale")
            scales: dict[str, list[str]] = {}
            for c in columns:
                scales.setdefault(f"{self.declared[c].scale[0]:g}–{self.declared[c].scale[1]:g}", []).append(c)
            scale = next(iter(scales)) if len(scales) == 1 else "; ".join(
                f"{span} for {', '.join(cs)}" for span, cs in scales.items())
            codes = "; ".join(f"{c} {', '.join(f'{m:g}' for m in self.declared[c].missing_codes) or 'none'}"
                              for c in columns)
            what = f" outside the declared scale (whole numbers {scale})"
            parts.append(f"{self._listing('scale', 'value', origin, what)}. Missing codes declared: {codes}. Declare "
                         f"'don't know'/refusal codes in missing_codes of {source}, or correct the data.")
        if self.cells["level"]:
            columns = self._columns("level")
            declared = "; ".join(f"{c}: {', '.join(self.declared[c].levels)}" for c in columns)
            coded = "".join(f" The SPSS file stores {c!r} as codes with value labels ({self.coded[c]}): recode them "
                            "to the declared levels." for c in columns if c in self.coded)
            parts.append(f"{self._listing('level', 'undeclared level', origin)}. Declared levels: {declared}. Recode "
                         f"them to a declared level, or declare them in {source}.{coded}")
        return f"{origin.name}: " + " ".join(parts)

    def _columns(self, kind: str) -> list[str]:
        return list(dict.fromkeys(column for _, column, _ in self.cells[kind]))

    def _listing(self, kind: str, noun: str, origin: Origin, what: str = "") -> str:
        """'3 values … in 2 columns: EXP1 line 21: 0, line 40: 11; QUAL2 line 7: 12'."""
        cells = sorted(self.cells[kind], key=lambda cell: cell[0])  # file order; columns in file order per row
        columns = self._columns(kind)
        by_column: dict[str, list[str]] = {}
        for row, column, value in cells[:SHOWN_CELLS]:
            by_column.setdefault(column, []).append(f"{origin.row(row)}: {value}")
        listing = "; ".join(f"{column} {', '.join(found)}" for column, found in by_column.items())
        more = ""
        if len(cells) > SHOWN_CELLS:
            per_column = ", ".join(f"{c} {sum(cell[1] == c for cell in cells)}" for c in columns)
            more = f"; {len(cells) - SHOWN_CELLS} more not shown (per column: {per_column})"
        return (f"{len(cells)} {noun}{'s' if len(cells) != 1 else ''}{what} in {len(columns)} "
                f"column{'s' if len(columns) != 1 else ''}: {listing}{more}")


def _check_ids(df: pd.DataFrame, q: Questionnaire, source: str) -> None:
    dup = df[q.id_column].duplicated(keep=False)
    if dup.any():
        ids = sorted(df.loc[dup, q.id_column].unique())
        raise SchemaError(f"{source}: respondent id column {q.id_column!r} has duplicates: "
                          f"{', '.join(shown(i, quote=False) for i in ids[:10])}{' …' if len(ids) > 10 else ''} "
                          f"({int(dup.sum())} rows); each respondent needs a unique id.")
