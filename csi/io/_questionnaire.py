"""The questionnaire as data, and reading response files against it.

A questionnaire file (TOML) declares items (zh/en text, construct, scale, missing codes,
reverse-coding), constructs, demographic variables with their levels and open-ended fields.
:func:`read_responses` reads CSV, XLSX, SPSS .sav or Parquet and checks every value against it:
missing codes become NaN (counted), reverse-coded items are flipped on their own declared scale,
anything undeclared is an error naming the file, column and rows.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi._validation import LANGUAGES, rows_text, suggest
from csi.exceptions import CSIError, SchemaError
from csi.io import _schema as schema

Text = Mapping[str, str]  # language code -> text


@dataclass(frozen=True)
class Item:
    """One questionnaire item: a rating on a declared scale."""

    id: str
    construct: str
    text: Text
    scale: tuple[float, float]
    missing_codes: tuple[float, ...] = ()
    reverse: bool = False


@dataclass(frozen=True)
class Variable:
    """A categorical variable (demographic or channel) with its declared levels and labels."""

    id: str
    label: Text
    levels: Mapping[str, Text]


@dataclass(frozen=True)
class Questionnaire:
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
    return Questionnaire(
        title=spec.title or dict.fromkeys(LANGUAGES, path.stem), items=items, constructs=constructs,
        demographics=demographics, open_ended=open_ended, missing_labels=codes, id_column=spec.id_column,
        enterprise_column=spec.enterprise_column, source=str(path),
    )


def _read_toml(path: Path, error: type) -> dict[str, Any]:
    if not path.is_file():
        raise error(f"{path}: file not found.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8-sig"))
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


def read_responses(path: str | Path | Sequence[str | Path], questionnaire: Questionnaire, *,
                   invalid: str = "raise") -> pd.DataFrame:
    """Read one or more response files and check them against the questionnaire.

    Returns one DataFrame: text columns as strings, items as floats with missing codes turned into
    NaN and reverse-coded items flipped (x' = min + max − x on the item's own declared scale).
    ``df.attrs`` carries ``scales`` (item → (min, max)), ``missing_codes`` (counts per item and code),
    ``reversed`` (item ids), ``sources`` (file names) and ``out_of_range`` (see below).

    Parameters
    ----------
    invalid : "raise" (default) makes a value outside its item's declared scale an error naming the
        file, column and lines; "flag" sets it to NaN and lists it in ``df.attrs["out_of_range"]``
        (row label, item, value) so that screening can exclude the respondent and count it.
    """
    if invalid not in ("raise", "flag"):
        raise SchemaError(f"read_responses: invalid={invalid!r}; use 'raise' or 'flag'.")
    paths = [Path(p) for p in ([path] if isinstance(path, str | Path) else path)]
    if not paths:
        raise SchemaError("read_responses: no responses file given.")
    frames = [_check_frame(_read_table(p), p, questionnaire, invalid) for p in paths]
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
                "sources": [str(p) for p in paths], "out_of_range": flagged}
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


def _read_table(path: Path) -> pd.DataFrame:
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise SchemaError(f"{path}: unsupported file type {path.suffix!r}; use one of "
                          f"{', '.join(sorted(_READERS))}.")
    if not path.is_file():
        raise SchemaError(f"{path}: file not found.")
    try:
        if kind == "csv":
            return _read_csv(path)
        if kind == "excel":
            return _with_header(pd.read_excel(path, dtype=object, header=None), path, SchemaError)
        if kind == "spss":
            import pyreadstat
            df, meta = pyreadstat.read_sav(str(path), apply_value_formats=False)
            df.attrs["value_labels"] = meta.variable_value_labels  # named in errors about coded levels
            return df
        return pd.read_parquet(path)
    except SchemaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a clear error naming the file
        raise SchemaError(f"{path}: could not be read as {kind}: {exc}") from None


def _read_csv(path: Path) -> pd.DataFrame:
    return read_csv_text(path, SchemaError, "a header row and one row per respondent")


def read_csv_text(path: Path, error: type[CSIError], expected: str = "a header row") -> pd.DataFrame:
    """A CSV file as text cells (blank → NaN), UTF-8 with or without BOM, else GB18030 (a superset of GBK).

    The header is read as a row of its own, so a data row with more fields than the header is an error
    naming its line (pandas would silently turn the first fields into an index), and duplicated
    column names are an error (pandas would silently rename them 'X.1').
    """
    if not path.is_file():
        raise error(f"{path}: file not found.")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            raw = pd.read_csv(path, header=None, dtype=str, keep_default_na=False, na_values=[""],
                              encoding=encoding)
        except UnicodeDecodeError:
            continue
        except pd.errors.ParserError as exc:
            raise error(f"{path}: malformed CSV: {str(exc).strip()}; every line needs as many fields as the "
                        "header.") from None
        except pd.errors.EmptyDataError:
            raise error(f"{path}: the file is empty; expected {expected}.") from None
        return _with_header(raw, path, error)
    raise error(f"{path}: text encoding not recognised; save it as UTF-8 (or GBK).")


def _with_header(raw: pd.DataFrame, path: Path, error: type[CSIError]) -> pd.DataFrame:
    """Take the first row as column names; blank names become 'Unnamed: k', duplicates are an error."""
    if raw.empty:
        raise error(f"{path}: the file is empty; expected a header row.")
    names = [_header_name(v, k) for k, v in enumerate(raw.iloc[0])]
    seen = pd.Series(names)
    dup = seen[seen.duplicated(keep=False)]
    if len(dup):
        name = dup.iloc[0]
        where = ", ".join(str(k + 1) for k in dup.index[dup == name])
        raise error(f"{path}: column {name!r} appears more than once in the header (columns {where}); "
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


def _check_frame(raw: pd.DataFrame, path: Path, q: Questionnaire, invalid: str = "raise") -> pd.DataFrame:
    raw.columns = [str(c).strip() for c in raw.columns]
    required = [q.id_column, q.enterprise_column, *q.item_ids]
    missing = [c for c in required if c not in raw.columns]
    if missing:
        hints = "; ".join(f"{c!r}{suggest(c, raw.columns)}" for c in missing[:10])
        raise SchemaError(f"{path}: column(s) declared in {q.source} but not in the file: {hints}. "
                          f"Columns in the file: {', '.join(map(str, raw.columns[:30]))}.{_header_hint(raw, required)}")
    df = raw.copy()
    labels = pd.RangeIndex(2, len(df) + 2) if path.suffix.lower() in (".csv", ".txt") else None
    for key in (q.id_column, q.enterprise_column):
        df[key] = _as_text(df[key])
        empty = df.index[df[key].isna()]
        if len(empty):
            raise SchemaError(f"{path}: column {key!r} is empty in {_rows(empty, labels)}; every row needs a value.")
    codes: dict[str, dict[str, int]] = {}
    flagged: list[tuple[int, str, float]] = []
    cells = BadCells()  # every bad cell of every column, reported together: one fix-and-rerun, not one per column
    for item in q.items:
        df[item.id], codes[item.id], bad = _check_item(df[item.id], item, invalid, cells)
        flagged += [(int(row), item.id, float(value)) for row, value in bad.items()]
    for var in q.demographics:
        if var.id in df.columns:
            df[var.id] = _check_levels(_as_text(df[var.id]), var, cells, raw.attrs.get("value_labels", {}).get(var.id))
    for var in q.open_ended:
        if var.id in df.columns:
            df[var.id] = _as_text(df[var.id])
    if cells:
        raise SchemaError(cells.message(path, labels, q))
    df.attrs = {"missing_codes": codes, "out_of_range": flagged}
    return df


def _header_hint(raw: pd.DataFrame, required: list[str]) -> str:
    """Why declared columns may be absent: column names further down (title or merged group-header rows
    above them), or another separator than the comma."""
    for k, row in enumerate(raw.head(10).itertuples(index=False), start=2):
        if set(required) <= {_header_name(v, 0) for v in row}:
            return (f" The column names are on row {k}: delete the {k - 1} row(s) above them (a title or merged "
                    "group headers) so that the column names are the first row.")
    if len(raw.columns) == 1:
        for sep, name in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if sep in str(raw.columns[0]):
                return f" The file seems to be separated by {name}; save it as comma-separated CSV."
    return ""


def _rows(index: pd.Index, labels: pd.Index | None) -> str:
    """Rows as the user finds them: file line numbers for CSV, 1-based data rows otherwise."""
    if labels is not None:
        return "lines " + rows_text(list(labels[index]))
    return "data " + rows_text([i + 1 for i in index])


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
    cells.add("text", item.id, values.index[bad], [repr(v) for v in text[bad]])
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
        cells.add("level", var.id, column.index[unknown], [repr(v) for v in column[unknown]], var, coded)
    return column


#: How many bad cells an error lists (besides their count): enough to see the pattern, short enough to read.
SHOWN_CELLS = 20


class BadCells:
    """Bad cells of a response file by kind — ``text`` (not a number in an item), ``scale`` (outside the item's
    scale), ``level`` (an undeclared level) — with what the message needs to say how to fix them."""

    def __init__(self) -> None:
        self.cells: dict[str, list[tuple[int, str, str]]] = {"text": [], "scale": [], "level": []}
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

    def message(self, path: Path, labels: pd.Index | None, q: Questionnaire) -> str:
        """One error for all of them: per kind the count, the first cells (file order) grouped by column,
        and how to fix them."""
        source = Path(q.source).name
        parts = []
        if self.cells["text"]:
            parts.append(f"{self._listing('text', 'non-numeric value', labels)}. Item cells take numbers, a blank, "
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
            parts.append(f"{self._listing('scale', 'value', labels, what)}. Missing codes declared: {codes}. Declare "
                         f"'don't know'/refusal codes in missing_codes of {source}, or correct the data.")
        if self.cells["level"]:
            columns = self._columns("level")
            declared = "; ".join(f"{c}: {', '.join(self.declared[c].levels)}" for c in columns)
            coded = "".join(f" The SPSS file stores {c!r} as codes with value labels ({self.coded[c]}): recode them "
                            "to the declared levels." for c in columns if c in self.coded)
            parts.append(f"{self._listing('level', 'undeclared level', labels)}. Declared levels: {declared}. Recode "
                         f"them to a declared level, or declare them in {source}.{coded}")
        return f"{path}: " + " ".join(parts)

    def _columns(self, kind: str) -> list[str]:
        return list(dict.fromkeys(column for _, column, _ in self.cells[kind]))

    def _listing(self, kind: str, noun: str, labels, what: str = "") -> str:
        """'3 values … in 2 columns: EXP1 line 21: 0, line 40: 11; QUAL2 line 7: 12'."""
        cells = sorted(self.cells[kind], key=lambda cell: cell[0])  # file order; columns in file order per row
        columns = self._columns(kind)
        shown: dict[str, list[str]] = {}
        for row, column, value in cells[:SHOWN_CELLS]:
            shown.setdefault(column, []).append(f"{_row(row, labels)}: {value}")
        listing = "; ".join(f"{column} {', '.join(found)}" for column, found in shown.items())
        more = ""
        if len(cells) > SHOWN_CELLS:
            per_column = ", ".join(f"{c} {sum(cell[1] == c for cell in cells)}" for c in columns)
            more = f"; {len(cells) - SHOWN_CELLS} more not shown (per column: {per_column})"
        return (f"{len(cells)} {noun}{'s' if len(cells) != 1 else ''}{what} in {len(columns)} "
                f"column{'s' if len(columns) != 1 else ''}: {listing}{more}")


def _row(row: int, labels: pd.Index | None) -> str:
    """One row as the user finds it: its file line for CSV, its 1-based data row otherwise."""
    return f"line {labels[row]}" if labels is not None else f"data row {row + 1}"


def _check_ids(df: pd.DataFrame, q: Questionnaire, source: str) -> None:
    dup = df[q.id_column].duplicated(keep=False)
    if dup.any():
        ids = sorted(df.loc[dup, q.id_column].unique())
        raise SchemaError(f"{source}: respondent id column {q.id_column!r} has duplicates: "
                          f"{', '.join(ids[:10])}{' …' if len(ids) > 10 else ''} ({int(dup.sum())} rows); "
                          "each respondent needs a unique id.")
