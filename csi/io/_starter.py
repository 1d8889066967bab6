"""``csi init``: a starter study proposed from a raw survey file.

:func:`init_study` reads a survey file (CSV in UTF-8 or GBK, XLSX, SPSS .sav with its metadata, Parquet) and
writes questionnaire.toml, enterprises.csv and study.toml: the rating items with their scales and missing
codes, the demographics, the respondent-id and enterprise columns, constructs proposed from the item-name
prefixes (EXP1, EXP2 → Expectation) and an ACSI-like model over them. Everything is a proposal to check:
:attr:`StarterStudy.todo` lists what is left to decide. Reverse-worded items are flagged, never set: the
data cannot tell a reverse-worded item from a bad one.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi._api import public
from csi._display import Card, Display, Summary
from csi._validation import LANGUAGES, id_problem
from csi.exceptions import SchemaError, StudyError
from csi.io._questionnaire import _READERS, read_csv_text
from csi.io._schema import StudyFile, commented_toml, schema_line, toml_value
from csi.io._study import DEFAULT_INDUSTRY_LABEL

#: The files csi init writes, study file first.
STUDY_FILES = ("study.toml", "questionnaire.toml", "enterprises.csv")

#: Common rating scales, narrowest first: an item gets the first that holds its answers.
SCALES = ((1, 4), (1, 5), (1, 6), (1, 7), (1, 10), (0, 10))
#: Codes that usually mean "don't know" / "refused" / "not applicable" when they lie outside the scale.
DONT_KNOW_CODES = (9, 99, 98, 97, 96, 999, 998, 997, 88, 888, -1, -2, -3, -7, -8, -9, -97, -98, -99)
_NO_ANSWER_WORDS = re.compile(r"don.?t know|\bdk\b|refus|not applicable|\bn/?a\b|no answer|不知道|不清楚|说不清|"
                              r"拒答|拒绝|不适用|无法回答|无法评价", re.IGNORECASE)
_CODE_LABELS = (((9, 99, 999, -1, -9, -99), {"zh": "不知道", "en": "Don't know"}),
                ((98, 998, -2, -8, -98), {"zh": "拒绝回答", "en": "Refused"}),
                ((97, 997, -3, -7, -97), {"zh": "不适用", "en": "Not applicable"}))
MAX_LEVELS = 12  # more distinct values than this: not a demographic
#: The one industry of every enterprise until the user says otherwise, labelled as the loader's default. Written
#: out (rather than leaving the column out) so the user sees where industries go.
INDUSTRY, INDUSTRY_LABEL = "main", DEFAULT_INDUSTRY_LABEL

_ID_NAMES = {"respondentid", "respondent", "respid", "id", "caseid", "case", "recordid", "responseid", "interviewid",
             "serial", "serialno", "questionnaireid", "受访者编号", "编号", "问卷编号", "样本编号", "序号"}
_ENTERPRISE_NAMES = {"enterpriseid", "enterprise", "company", "companyid", "companycode", "firm", "firmid",
                     "provider", "providerid", "supplier", "operator", "brand", "unit", "unitid", "organisation",
                     "organization", "org", "orgid", "企业", "企业编号", "企业代码", "企业名称", "公司", "单位",
                     "被测评企业", "被测评单位"}
#: Construct → item-name prefixes that name it (upper case) and its labels.
CONSTRUCTS = {
    "Image": (("IMG", "IMAGE", "IMAG", "IM"), {"zh": "品牌形象", "en": "Brand image"}),
    "Expectation": (("EXP", "EXPE", "EXPECT", "CE", "CUEX"), {"zh": "顾客预期", "en": "Customer expectation"}),
    "Quality": (("QUAL", "QUA", "PQ", "PERQ"), {"zh": "感知质量", "en": "Perceived quality"}),
    "Value": (("VAL", "VALU", "VALUE", "PV", "PERV"), {"zh": "感知价值", "en": "Perceived value"}),
    "Satisfaction": (("SAT", "SATI", "CS", "CUSA"), {"zh": "顾客满意度", "en": "Customer satisfaction"}),
    "Complaints": (("COMP", "CC", "CPL", "CUSCO"), {"zh": "顾客抱怨", "en": "Customer complaints"}),
    "Loyalty": (("LOY", "LOYA", "CL", "CUSL"), {"zh": "顾客忠诚", "en": "Customer loyalty"}),
}
#: The proposed structural model: ACSI's paths (Fornell et al. 1996), with Image as in the ECSI.
PATHS = (("Expectation", ("Image",)),
         ("Quality", ("Expectation",)),
         ("Value", ("Expectation", "Quality")),
         ("Satisfaction", ("Image", "Expectation", "Quality", "Value")),
         ("Complaints", ("Satisfaction",)),
         ("Loyalty", ("Image", "Satisfaction", "Complaints")))
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.]*$")  # a name the model syntax accepts (csi.io._model)
_PREFIX = re.compile(r"^(.+?)[_.-]?\d+$")


@dataclass(frozen=True, repr=False)
class StarterStudy(Display):
    """What :func:`init_study` wrote and found, and what is left to decide (in order)."""

    folder: Path
    files: tuple[Path, ...]   # study.toml, questionnaire.toml, enterprises.csv
    found: tuple[str, ...]    # what was detected, one line each
    todo: tuple[str, ...]

    @property
    def study(self) -> Path:
        return self.files[0]

    def _card(self) -> Card:
        facts = [("wrote", [p.name for p in self.files]), ("found", f"{len(self.found)} findings"),
                 *((f"  {k}.", line) for k, line in enumerate(self.found[:3], 1)),
                 ("left to decide", f"{len(self.todo)} steps"),
                 *((f"  {k}.", line) for k, line in enumerate(self.todo[:3], 1))]
        return Card("StarterStudy", str(self.folder), facts, more=(".found", ".todo", ".summary()",
                                                                   f"csi validate {self.study}"))

    def summary(self) -> Summary:
        """Every finding and every step left to decide."""
        return Summary(f"StarterStudy: {self.folder}: wrote {', '.join(p.name for p in self.files)}", lines=[
            "Found:", *(f"  {line}" for line in self.found),
            "Left to decide:", *(f"  {k:>2}. {line}" for k, line in enumerate(self.todo, 1))])


@dataclass
class _Column:
    """One column of the survey file as csi would read it, with its SPSS metadata when there is any."""

    name: str
    text: pd.Series      # cells as text, NaN when blank
    numbers: pd.Series   # cells as numbers, NaN when blank or not a number
    label: str = ""
    value_labels: dict[float, str] = field(default_factory=dict)
    user_missing: set[float] = field(default_factory=set)


@dataclass
class _Item:
    id: str
    prefix: str
    text: str
    scale: tuple[int, int]
    codes: tuple[float, ...]       # no-answer codes found, outside the scale
    outside: tuple[float, ...]     # other values outside the scale
    words: tuple[str, ...]         # text cells in a numeric column


@public(subjects=1)
def init_study(datafile: str | Path, *, out_dir: str | Path | None = None, force: bool = False) -> StarterStudy:
    """Propose a study from a raw survey file: write study.toml, questionnaire.toml and enterprises.csv.

    Parameters
    ----------
    datafile : the survey file, one row per respondent: CSV (UTF-8 or GBK), XLSX, SPSS .sav (variable labels
        become item texts, value labels level labels, user-missing values missing codes) or Parquet.
    out_dir : where to write (created if needed); default: the data file's folder.
    force : overwrite existing study files; without it an existing one is a :class:`StudyError` naming it.

    Returns the files written, what was detected and the numbered list of what is left to decide; after it
    ``csi validate`` on the study file names whatever is still missing.
    """
    datafile = Path(datafile).resolve()
    folder = (Path(out_dir) if out_dir is not None else datafile.parent).resolve()
    targets = tuple(folder / name for name in STUDY_FILES)
    existing = [p for p in targets if p.exists()]
    if existing and not force:
        raise StudyError(f"{existing[0]}: already exists; csi init does not overwrite a study"
                         f"{' (nor ' + ', '.join(p.name for p in existing[1:]) + ')' if existing[1:] else ''}. "
                         "Write elsewhere (--out DIR), or pass --force to overwrite.")
    columns = _read(datafile)
    plan = _Plan(columns, datafile)
    folder.mkdir(parents=True, exist_ok=True)
    questionnaire = _questionnaire_toml(plan)
    responses = Path(os.path.relpath(datafile, folder)).as_posix()
    study = _study_toml(plan, responses, folder)
    targets[0].write_text(study, encoding="utf-8")
    targets[1].write_text(questionnaire, encoding="utf-8")
    _write_enterprises(targets[2], plan)
    return StarterStudy(folder, targets, tuple(plan.found), tuple(plan.todo))


# --------------------------------------------------------------------------- reading

def _read(path: Path) -> list[_Column]:
    kind = _READERS.get(path.suffix.lower())
    if kind is None:
        raise SchemaError(f"{path}: unsupported file type {path.suffix!r}; use one of {', '.join(sorted(_READERS))}.")
    if not path.is_file():
        raise SchemaError(f"{path}: file not found.")
    meta = None
    try:
        if kind == "csv":
            frame = read_csv_text(path, SchemaError, "a header row and one row per respondent")
        elif kind == "excel":
            frame = pd.read_excel(path, dtype=object)
        elif kind == "spss":
            import pyreadstat
            # user_missing: the codes stay in the data, so they can be declared
            frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
        else:
            frame = pd.read_parquet(path)
    except SchemaError:
        raise
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a clear error naming the file
        raise SchemaError(f"{path}: could not be read as {kind}: {exc}") from None
    if frame.empty:
        raise SchemaError(f"{path}: no respondents; expected a header row and one row per respondent.")
    out = []
    for name in frame.columns:
        codes, distinct = pd.factorize(frame[name])  # each distinct value converted once: files can be large
        text = pd.Series(np.array([_cell(v) for v in distinct] + [np.nan], dtype=object)[codes], index=frame.index)
        column = _Column(str(name).strip(), text, pd.to_numeric(text, errors="coerce"))
        if meta is not None:
            column.label = (meta.column_names_to_labels.get(name) or "").strip()
            column.value_labels = {float(k): str(v) for k, v in meta.variable_value_labels.get(name, {}).items()
                                   if isinstance(k, int | float)}
            column.user_missing = {float(r["lo"]) for r in meta.missing_ranges.get(name, [])
                                   if isinstance(r["lo"], int | float) and r["lo"] == r["hi"]}
            column.user_missing |= {v for r in meta.missing_ranges.get(name, []) if r["lo"] != r["hi"]
                                    for v in column.numbers.dropna().unique() if r["lo"] <= v <= r["hi"]}
        out.append(column)
    return out


def _cell(value: Any) -> Any:
    """A cell as csi reads it: stripped text, NaN when blank, 3.0 as '3' (SPSS and Excel store codes as floats)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return np.nan
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or np.nan


# --------------------------------------------------------------------------- detection

class _Plan:
    """The roles of the columns (id, enterprise, items, demographics, open-ended), the constructs and the
    model proposed, and what is left to decide."""

    def __init__(self, columns: list[_Column], datafile: Path):
        self.datafile, self.found, self.todo = datafile, [], []
        self.n = len(columns[0].text)
        by_name = {c.name: c for c in columns}
        self.id_column = _named(columns, _ID_NAMES, unique=True)
        self.enterprise_column = _named(columns, _ENTERPRISE_NAMES)
        taken = {self.id_column, self.enterprise_column}
        self.items: list[_Item] = []
        rest: list[_Column] = []
        unnamed: list[str] = []
        for column in columns:
            if column.name in taken:
                continue
            item = _rating(column)
            if item is not None and not _NAME.match(column.name):
                unnamed.append(column.name)
            elif item is not None:
                self.items.append(item)
            else:
                rest.append(column)
        guessed_id = None
        if self.id_column is None:
            guessed_id = next((c.name for c in rest if c.text.notna().all() and c.text.is_unique), None)
            self.id_column = guessed_id
            rest = [c for c in rest if c.name != guessed_id]
        self.demographics = [c for c in rest if 2 <= _levels(c).size <= MAX_LEVELS]
        self.open_ended = [c for c in rest if c not in self.demographics and c.text.nunique() > MAX_LEVELS
                           and c.numbers.notna().sum() < 0.5 * c.text.notna().sum()]
        unused = [c for c in rest if c not in self.demographics and c not in self.open_ended]
        self.enterprises = self._enterprises(by_name.get(self.enterprise_column))
        self.scale = _most_common([it.scale for it in self.items]) if self.items else (1, 10)
        self.fitted: dict[str, tuple[float, int]] = {}  # item → (value taken for a code, answers with it)
        self.items = [self._fit_scale(it, by_name[it.id]) for it in self.items]
        self.constructs = _constructs(self.items)
        self.codes = sorted({c for it in self.items for c in it.codes})
        self.code_labels = {c: _code_label(c, [by_name[it.id] for it in self.items]) for c in self.codes}
        self.reverse = _negatively_correlated(self.items, by_name)
        self.syntax, self.unplaced = _syntax(self.constructs)
        self._describe()
        self._left_to_decide(guessed_id, unnamed, unused, by_name)

    def _fit_scale(self, item: _Item, column: _Column) -> _Item:
        """An item whose answers fit the other items' scale but for one rare value just above it (8 on 1–7,
        under 5 % of answers) gets that scale, the value proposed as a no-answer code (the to-do says so)."""
        lo, hi = self.scale
        if item.scale == self.scale or not item.scale[0] <= lo < hi <= item.scale[1]:
            return item
        answers = column.numbers.dropna()
        answers = answers[~answers.isin(item.codes)]
        beyond = answers[~answers.between(lo, hi)]
        if beyond.nunique() != 1 or len(beyond) > 0.05 * len(answers) or beyond.iloc[0] != hi + 1:
            return item
        self.fitted[item.id] = (float(beyond.iloc[0]), len(beyond))
        return replace(item, scale=self.scale, codes=tuple(sorted({*item.codes, float(beyond.iloc[0])})))

    def _enterprises(self, column: _Column | None) -> dict[str, str]:
        """Enterprise id → name (an SPSS value label, else the id)."""
        if column is None:
            return {}
        values = column.text.dropna().unique()
        numeric = pd.to_numeric(pd.Series(values), errors="coerce")
        order = sorted(values, key=float) if numeric.notna().all() else sorted(values)
        return {v: _label(column, v) for v in order}

    def _describe(self) -> None:
        scales = pd.Series([f"{it.scale[0]}–{it.scale[1]}" for it in self.items]).value_counts()
        self.found.append(f"{self.n} respondents in {self.datafile.name}")
        if self.id_column:
            self.found.append(f"respondent id: column {self.id_column!r}")
        if self.enterprise_column:
            self.found.append(f"enterprises: column {self.enterprise_column!r}, {len(self.enterprises)} "
                              f"({', '.join(list(self.enterprises)[:8])}{' …' if len(self.enterprises) > 8 else ''})")
        if self.items:
            self.found.append(f"{len(self.items)} rating items ("
                              + ", ".join(f"{n} on {s}" for s, n in scales.items()) + f") in {len(self.constructs)} "
                              "constructs: " + "; ".join(f"{c} ← {', '.join(it.id for it in items)}"
                                                         for c, items in self.constructs.items()))
        if self.codes:
            self.found.append("no-answer codes: " + ", ".join(f"{c:g} ({self.code_labels[c]['en']})"
                                                              for c in self.codes) + "; blank cells are missing too")
        if self.demographics:
            self.found.append("demographics: " + ", ".join(f"{c.name} ({_levels(c).size} levels)"
                                                           for c in self.demographics))
        if self.open_ended:
            self.found.append("open-ended text: " + ", ".join(c.name for c in self.open_ended))

    def _left_to_decide(self, guessed_id, unnamed, unused, by_name) -> None:
        todo = self.todo
        if not self.items:
            todo.append("No rating items were found (columns named like SAT1 or Q3_2 holding whole numbers on a "
                        f"{', '.join(f'{lo}–{hi}' for lo, hi in SCALES)} scale): declare them as [[items]] in "
                        "questionnaire.toml and write the model in study.toml [model] syntax.")
        elif self.reverse:
            todo.append(f"{_names(self.reverse)} {'correlates' if len(self.reverse) == 1 else 'correlate'} "
                        "negatively with the other items. If worded the other way round (a high answer is a bad "
                        f"rating), uncomment `reverse = true` under {'it' if len(self.reverse) == 1 else 'each'} "
                        "in questionnaire.toml; csi does not guess reverse-worded items.")
        else:
            todo.append("Mark any reverse-worded item (a high answer is a bad rating) with `reverse = true` in "
                        "questionnaire.toml; csi does not guess them (no item correlates negatively with the others).")
        todo.append("Check the construct of each item in questionnaire.toml (proposed from the item names) and "
                    "the construct labels.")
        if self.unplaced:
            todo.append(f"Place {_names(self.unplaced)} in the model: study.toml [model] syntax lists "
                        f"{'its' if len(self.unplaced) == 1 else 'their'} items but no path; give "
                        f"{'it' if len(self.unplaced) == 1 else 'each'} at least one path, e.g. `Satisfaction ~ {self.unplaced[0]} + …`, or merge the items into another "
                        "construct.")
        todo.append("Check the proposed model in study.toml [model] syntax (ACSI's paths among the constructs "
                    "found, with Image as in the ECSI) and edit the paths to your theory."
                    + ("" if "Satisfaction" in self.constructs else
                       " Set [model] target to the construct whose index is the headline."))
        if "Complaints" in self.constructs:
            todo.append("If the Complaints items count complaints or problems (higher is worse), uncomment "
                        "[model] lower_is_better = [\"Complaints\"] in study.toml.")
        if not all(by_name[it.id].label for it in self.items):
            todo.append("Write each item's question as its `text` in questionnaire.toml (now the column name); "
                        "the reports print it.")
        for it in self.items:
            if it.id in self.fitted:
                value, count = self.fitted[it.id]
                todo.append(f"{it.id}: {value:g} ({count} answers) lies just above the {it.scale[0]}–{it.scale[1]} "
                            f"scale of the other items and is proposed as a no-answer code; if it is a real answer, "
                            f"give {it.id} its own scale = [{it.scale[0]}, {value:g}] in questionnaire.toml.")
            if it.outside:
                todo.append(f"{it.id} has values {_names([f'{v:g}' for v in it.outside])} outside its proposed scale "
                            f"{it.scale[0]}–{it.scale[1]}: correct them in the data, declare them as missing codes, "
                            "or set [screening] out_of_range in study.toml.")
            if it.words:
                todo.append(f"{it.id} has text cells ({_names(it.words[:5])}): replace them in the data with a "
                            "number, a missing code or a blank.")
        if self.codes:
            todo.append(f"Check the no-answer codes proposed in questionnaire.toml [missing_codes] "
                        f"({', '.join(f'{c:g}' for c in self.codes)}) and their labels.")
        else:
            todo.append("No 'don't know' code was found (blank cells are read as missing): declare any other "
                        "no-answer code under missing_codes in questionnaire.toml.")
        if unnamed:
            todo.append(f"{_names(unnamed)} look like rating items but cannot be named in the model syntax: "
                        "rename them (letters, digits, '_'; e.g. SAT1) in the data and rerun csi init.")
        if guessed_id:
            todo.append(f"No respondent-id column was found by name; {guessed_id!r} has a unique value per row and "
                        "is proposed as id_column in questionnaire.toml: check it.")
        elif not self.id_column:
            todo.append("No respondent-id column was found (looked for respondent_id, id, resp_id, case_id, …): "
                        "add a column with a unique id per row to the data, or set id_column in questionnaire.toml.")
        if not self.enterprise_column:
            todo.append("No enterprise column was found (looked for enterprise_id, enterprise, company, unit, …): "
                        "set enterprise_column in questionnaire.toml to the column naming each respondent's "
                        "enterprise, and list its values in enterprises.csv.")
        bad = [e for e in self.enterprises if id_problem(e)]
        if bad:
            todo.append(f"Enterprise values {_names(bad[:5])} cannot be ids ({id_problem(bad[0])}): recode them in the data (e.g. E01) and in enterprises.csv, and "
                        "keep the names in name_zh / name_en.")
        todo.append("Fill in the enterprises' names (name_zh, name_en) in enterprises.csv"
                    + (", now their ids" if not any(n != e for e, n in self.enterprises.items()) else "")
                    + f"; if they belong to different industries, replace {INDUSTRY!r} in its industry column "
                    "(enterprises are pooled and ranked within their industry) and label the codes in study.toml "
                    "[study] industries.")
        if self.demographics:
            todo.append(f"Check the demographics ({', '.join(c.name for c in self.demographics)}) and their level "
                        "labels in questionnaire.toml.")
        if unused:
            speeder = [c.name for c in unused if re.search(r"duration|seconds|time|时长|用时", c.name, re.IGNORECASE)]
            todo.append(f"Not used: {_names([c.name for c in unused])}."
                        + (f" A duration in seconds ({speeder[0]}) can exclude speeders: [screening] speeder_column "
                           "and speeder_min_seconds in study.toml." if speeder else ""))
        todo.append("Write the study's title, evaluator and period in study.toml [study], and what the reports "
                    "say about the fieldwork ([fieldwork], [report]; docs/study-file.md).")
        todo.append("To weight each enterprise's respondents to population margins, set [weighting] method = "
                    "\"rake\" and margins in study.toml"
                    + (f" (e.g. of {', '.join(c.name for c in self.demographics)})" if self.demographics else "")
                    + "; without, every respondent counts the same.")
        todo.append("Optional: grade bands ([[report.grades]]) and evaluation rules ([rules]: certification rubric, "
                    "awards) in study.toml.")


def _norm(name: str) -> str:
    return re.sub(r"[\s_.\-]", "", name).lower()


def _named(columns: list[_Column], names: set[str], unique: bool = False) -> str | None:
    """The first column whose name is one of ``names`` (ignoring case, spaces, '_', '-', '.'); an id column
    must also hold a value in every row, each once."""
    for column in columns:
        if _norm(column.name) in names and (not unique or (column.text.notna().all() and column.text.is_unique)):
            return column.name
    return None


def _rating(column: _Column) -> _Item | None:
    """The column as a rating item, or None: a name ending in a number (EXP1, Q3_2) and whole-number answers on
    a common scale (SCALES), apart from no-answer codes outside it."""
    match = _PREFIX.match(column.name)
    answered = column.text.dropna()
    numbers = column.numbers.dropna()
    if match is None or answered.empty or len(numbers) < 0.95 * len(answered) or (numbers % 1 != 0).any():
        return None
    labelled = set(column.value_labels)
    candidates = column.user_missing | {v for v in set(numbers) | labelled if v in DONT_KNOW_CODES
                                        or _NO_ANSWER_WORDS.search(column.value_labels.get(v, ""))}
    answers = numbers[~numbers.isin(candidates)]
    if answers.nunique() < 3:
        return None
    scale = _scale(pd.concat([answers, pd.Series(sorted(labelled - candidates), dtype=float)]))
    if scale is None:
        return None
    lo, hi = scale
    words = tuple(answered[column.numbers.reindex(answered.index).isna()].unique())
    return _Item(column.name, match.group(1), column.label or column.name, scale,
                 tuple(sorted(v for v in candidates if not lo <= v <= hi)),
                 tuple(sorted(v for v in set(answers) if not lo <= v <= hi)), words)


def _scale(values: pd.Series) -> tuple[int, int] | None:
    """The narrowest common scale holding every value; else one holding 98 % of them (the rest are typos to fix)."""
    for share in (1.0, 0.98):
        for lo, hi in SCALES:
            if values.between(lo, hi).mean() >= share:
                return lo, hi
    return None


def _levels(column: _Column) -> pd.Index:
    """The values of a categorical column as written in the data (with SPSS-labelled codes), in order."""
    values = set(column.text.dropna()) | {f"{v:g}" for v in column.value_labels}
    numeric = pd.to_numeric(pd.Series(sorted(values), dtype=object), errors="coerce")
    return pd.Index(sorted(values, key=float) if numeric.notna().all() else sorted(values))


def _label(column: _Column, value: str) -> str:
    """A value's SPSS value label, else the value."""
    try:
        return column.value_labels.get(float(value), value)
    except ValueError:
        return value


def _constructs(items: list[_Item]) -> dict[str, list[_Item]]:
    """Items by construct: a known prefix names a CONSTRUCTS entry, any other becomes a construct of its own."""
    known = {prefix: name for name, (prefixes, _) in CONSTRUCTS.items() for prefix in prefixes}
    out: dict[str, list[_Item]] = {}
    for item in items:
        name = known.get(item.prefix.upper())
        if name is None:
            name = re.sub(r"[^A-Za-z0-9_]", "_", item.prefix)
            name = name if _NAME.match(name) else f"C{name}"
        out.setdefault(name, []).append(item)
    order = list(CONSTRUCTS)
    return dict(sorted(out.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))


def _syntax(constructs: dict[str, list[_Item]]) -> tuple[str, list[str]]:
    """The proposed model syntax, and the constructs it could not place (no known path)."""
    width = max((len(c) for c in constructs), default=0)
    lines = ["# measurement model: one block per construct, from the item names"]
    lines += [f"{c:<{width}} =~ {' + '.join(it.id for it in items)}" for c, items in constructs.items()]
    lines += ["", "# structural model: ACSI's paths among the constructs found, Image as in the ECSI"]
    placed = set()
    for target, sources in PATHS:
        present = [s for s in sources if s in constructs]
        if target in constructs and present:
            lines.append(f"{target:<{width}} ~  {' + '.join(present)}")
            placed |= {target, *present}
    unplaced = [c for c in constructs if c not in placed]
    if unplaced:
        lines.append(f"# not placed yet: {', '.join(unplaced)} (add the paths they take part in)")
    return "\n".join(lines), unplaced


def _negatively_correlated(items: list[_Item], by_name: dict[str, _Column]) -> list[str]:
    """Items whose answers correlate negatively with the mean of all other items: reverse-worded candidates."""
    if len(items) < 3:
        return []
    answers = pd.DataFrame({it.id: by_name[it.id].numbers.where(by_name[it.id].numbers.between(*it.scale))
                            for it in items})
    out = []
    for item in answers:
        rest = answers.drop(columns=item).mean(axis=1)
        if answers[item].corr(rest) < 0:
            out.append(item)
    return out


def _code_label(code: float, columns: list[_Column]) -> dict[str, str]:
    """A no-answer code's label: its SPSS value label, else the usual meaning of the code."""
    for column in columns:
        if code in column.value_labels:
            return dict.fromkeys(LANGUAGES, column.value_labels[code])
    for codes, label in _CODE_LABELS:
        if code in codes:
            return label
    return {"zh": f"缺失（{code:g}）", "en": f"No answer ({code:g})"}


def _most_common(values: list) -> Any:
    return pd.Series(values).value_counts().index[0]


def _names(values) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} and {values[-1]}"


# --------------------------------------------------------------------------- writing

def _study_toml(plan: _Plan, responses: str, folder: Path) -> str:
    values = {
        "study": {"id": _study_id(folder, plan.datafile),
                  "title": {"zh": "客户满意度测评", "en": "Customer satisfaction evaluation"},
                  "period": str(dt.date.today().year), "language": "zh", "industries": {INDUSTRY: INDUSTRY_LABEL}},
        "data": {"questionnaire": "questionnaire.toml", "responses": [responses], "enterprises": "enterprises.csv"},
        "model": {"syntax": plan.syntax, **({"target": "Satisfaction"} if "Satisfaction" in plan.constructs else {})},
        "outputs": {"dir": "reports"},
    }
    head = [f"Study proposed by `csi init` from {plan.datafile.name}. Paths are relative to this file.",
            "Every section is here: the keys set are csi init's proposal, the commented ones show their default or",
            "an example (uncomment and edit to change it). Left to decide:"]
    for k, line in enumerate(plan.todo, 1):
        head += [f"{k:>3}. {part}" if j == 0 else f"     {part}" for j, part in enumerate(textwrap.wrap(line, 100))]
    text = schema_line("study.schema.json") + "\n" + commented_toml(values, StudyFile, header="\n".join(head))
    # The syntax as a multi-line string, to be edited in place (toml_value writes strings on one line).
    return text.replace(f"syntax = {toml_value(plan.syntax)}\n", f'syntax = """\n{plan.syntax}\n"""\n')


def _study_id(folder: Path, datafile: Path) -> str:
    for name in (folder.name, datafile.stem):
        candidate = re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-")[:64]
        if candidate and not id_problem(candidate):
            return candidate
    return "study"


def _questionnaire_toml(plan: _Plan) -> str:
    lines = [schema_line("questionnaire.schema.json"),
             f"# Questionnaire proposed by `csi init` from {plan.datafile.name}: check it against the questionnaire",
             "# as asked (the list csi init printed is at the top of study.toml).",
             "# Keys: id_column / enterprise_column name response columns; scale is every item's [min, max] unless the",
             "# item gives its own; missing_codes are the codes meaning 'no answer' (blank cells are missing anyway);",
             "# each [[items]] table is one column: construct, text (the question as printed), reverse = true for a",
             "# reverse-worded item (csi never guesses it); [[demographics]] levels are the values as written in the",
             "# data, with their labels; [[open_ended]] columns are free text.",
             "",
             f"title = {toml_value({'zh': '客户满意度调查问卷', 'en': 'Customer satisfaction questionnaire'})}",
             f"id_column = {toml_value(plan.id_column or 'respondent_id')}",
             f"enterprise_column = {toml_value(plan.enterprise_column or 'enterprise_id')}",
             f"scale = {toml_value(list(plan.scale))}",
             f"missing_codes = {toml_value({f'{c:g}': plan.code_labels[c] for c in plan.codes})}"]
    for name, items in plan.constructs.items():
        label = CONSTRUCTS[name][1] if name in CONSTRUCTS else {"zh": name, "en": name}
        lines += ["", f"[constructs.{name}]" + ("" if name in CONSTRUCTS else "   # name and label it"),
                  f"label = {toml_value(label)}"]
    for name, items in plan.constructs.items():
        for item in items:
            lines += ["", "[[items]]", f"id = {toml_value(item.id)}", f"construct = {toml_value(name)}",
                      f"text = {toml_value(item.text)}"]
            if item.scale != plan.scale:
                lines.append(f"scale = {toml_value(list(item.scale))}")
            codes = [c for c in plan.codes if not item.scale[0] <= c <= item.scale[1]]
            if codes != plan.codes:
                lines.append(f"missing_codes = {toml_value(codes)}")
            if item.id in plan.reverse:
                lines.append("# reverse = true   # correlates negatively with the other items: reverse-worded?")
    for column in plan.demographics:
        levels = {level: _label(column, level) for level in _levels(column)}
        lines += ["", "[[demographics]]", f"id = {toml_value(column.name)}",
                  f"label = {toml_value(column.label or column.name)}", f"levels = {toml_value(levels)}"]
    for column in plan.open_ended:
        lines += ["", "[[open_ended]]", f"id = {toml_value(column.name)}",
                  f"label = {toml_value(column.label or column.name)}"]
    return "\n".join(lines) + "\n"


def _write_enterprises(path: Path, plan: _Plan) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["enterprise_id", "name_zh", "name_en", "industry", "served_customers", "contacted"])
        for enterprise, name in plan.enterprises.items():
            writer.writerow([enterprise, name, name, INDUSTRY, "", ""])
