"""Certification rubrics as data: sections and items with points → score → stars.

A rubric file (TOML) declares sections with points, items with points, optional
not-applicable items, items fed by the survey index, special deductions outside the score,
bonuses and star levels. An audit (CSV per enterprise) gives what each item earned.

Scoring (the "score rate" rule of service-certification schemes, e.g. GB/T 27922-2011 style)::

    base   = Σ earned / Σ applicable points × full points       (not-applicable items leave both sums)
    earned = points × (1 − deficient / sampled)                  (proportional deduction, sampled checks)
    earned = points × index / 100  or the band of the index      (survey-index items)
    total  = base + min(Σ bonuses, bonus_cap) − Σ special deductions
    level  = highest level whose ``min`` ≤ total (none below the lowest; any veto deduction → none)

Every figure is worked by hand in ``tests/test_rules.py``.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from csi._api import public
from csi._display import Card, Display, Summary, by_language, label, number
from csi._validation import KeyReader, suggest, yes_no
from csi.exceptions import DataError, SchemaError, StudyError
from csi.io._questionnaire import _read_toml, read_csv_text

__all__ = ["Adjustment", "Level", "Rubric", "RubricItem", "RubricResult", "Section", "load_rubric", "read_audit",
           "score_rubric"]

AUDIT_COLUMNS = ("item", "earned", "not_applicable", "sampled", "deficient", "count", "note")
ITEM_KINDS = ("audit", "survey_index")
_NOT_APPLICABLE = ("x", "na", "n/a")  # marks of the not_applicable column besides the yes words; blank is no


@dataclass(frozen=True)
class RubricItem:
    """One scored item; ``kind`` is "audit" (points given by the auditor) or "survey_index"."""

    id: str
    section: str
    text: dict[str, str]
    points: float
    kind: str = "audit"
    allow_na: bool = False
    construct: str | None = None                       # survey_index items: which index
    bands: tuple[tuple[float, float], ...] = ()          # (min index, points), ascending; empty = linear


@dataclass(frozen=True)
class Section:
    id: str
    name: dict[str, str]
    points: float
    items: tuple[RubricItem, ...]


@dataclass(frozen=True)
class Adjustment:
    """A special deduction or a bonus: ``points`` per occurrence, capped at ``max``; a veto fails the verdict."""

    id: str
    text: dict[str, str]
    points: float
    max: float | None = None
    veto: bool = False


@dataclass(frozen=True)
class Level:
    min: float
    stars: int
    label: dict[str, str]


@dataclass(frozen=True, repr=False)
class Rubric(Display):
    """A certification scheme, loaded by :func:`load_rubric` (frozen, checked when built)."""

    id: str
    title: dict[str, str]
    source: str
    points: float
    sections: tuple[Section, ...]
    levels: tuple[Level, ...]
    fail_label: dict[str, str]
    deductions: tuple[Adjustment, ...] = ()
    bonuses: tuple[Adjustment, ...] = ()
    bonus_cap: float | None = None
    round: int | None = None
    path: str = ""

    @property
    def items(self) -> tuple[RubricItem, ...]:
        return tuple(item for section in self.sections for item in section.items)

    def ids(self) -> list[str]:
        return [i.id for i in self.items] + [a.id for a in self.deductions + self.bonuses]

    def _card(self) -> Card:
        survey = sum(i.kind == "survey_index" for i in self.items)
        facts = [("sections", [f"{label(s.name)} {number(s.points)}" for s in self.sections]),
                 ("items", f"{len(self.items)}: {len(self.items) - survey} audited, {survey} from survey indices"),
                 ("levels", [f"{'★' * lv.stars} from {number(lv.min)} ({label(lv.label)})" for lv in self.levels])]
        if self.deductions:
            vetoes = sum(a.veto for a in self.deductions)
            facts.append(("deductions", f"{len(self.deductions)}" + (f", {vetoes} veto" if vetoes else "")))
        if self.bonuses:
            cap = f", capped at {number(self.bonus_cap)}" if self.bonus_cap is not None else ""
            facts.append(("bonuses", f"{len(self.bonuses)}{cap}"))
        if self.source:
            facts.append(("source", self.source))
        return Card("Rubric", f"{self.id}, {number(self.points)} points: {label(self.title)}", facts,
                    [("items", self._items())], (".sections", ".items", ".levels", ".summary()", "csi.score_rubric()"))

    def _items(self) -> pd.DataFrame:
        return pd.DataFrame([{"section": i.section, "item": i.id, "kind": i.kind, "points": i.points,
                              "allow_na": i.allow_na, "construct": i.construct, **by_language(i.text, "text")}
                             for i in self.items])

    def summary(self) -> Summary:
        """Every section, item, level, deduction and bonus."""
        sections = pd.DataFrame([{"section": s.id, **by_language(s.name, "name"), "points": s.points,
                                  "items": len(s.items)} for s in self.sections])
        levels = pd.DataFrame([{"min": lv.min, "stars": lv.stars, **by_language(lv.label, "label")}
                               for lv in self.levels])
        adjustments = pd.DataFrame([{"id": a.id, "type": kind, "points": a.points, "max": a.max, "veto": a.veto,
                                     **by_language(a.text, "text")}
                                    for kind, group in (("deduction", self.deductions), ("bonus", self.bonuses))
                                    for a in group])
        return self._card().summary({"sections": sections, "items": self._items(), "levels": levels,
                                     "adjustments": adjustments}, [f"file: {self.path}"] if self.path else [])


# ------------------------------------------------------------------ loading


@public(subjects=1)
def load_rubric(path: str | Path) -> Rubric:
    """Read and check a rubric file.

    Raises :class:`csi.StudyError` naming the file and key path on an unknown key (with a
    close match), a missing ``points``, section points that differ from their items' sum,
    rubric points that differ from the sections' sum, or levels out of order.
    """
    path = Path(path)
    top = KeyReader(_read_toml(path, StudyError), path.name, "", StudyError)
    top.reject_unknown(["rubric", "levels", "sections", "deductions", "bonuses"])
    head = top.sub("rubric")
    head.reject_unknown(["id", "title", "source", "points", "fail_label", "bonus_cap", "round"])
    sections = tuple(_section(top, k, s) for k, s in enumerate(_tables(top, "sections")))
    rubric = Rubric(
        id=head.get("id", str, required=True), title=head.text("title"), source=head.get("source", str, ""),
        points=_number(head, "points"), sections=sections, levels=_levels(top),
        fail_label=head.text("fail_label", {"zh": "未达标", "en": "Not certified"}),
        deductions=tuple(_adjustment(top, "deductions", k, t) for k, t in enumerate(_tables(top, "deductions"))),
        bonuses=tuple(_adjustment(top, "bonuses", k, t) for k, t in enumerate(_tables(top, "bonuses"))),
        bonus_cap=_number(head, "bonus_cap", None), round=_digits(head, "round"), path=str(path))
    total = sum(s.points for s in sections)
    if not math.isclose(total, rubric.points, abs_tol=1e-9):
        raise head.fail("points", f"the rubric has {rubric.points:g} points but its sections add up to {total:g} "
                        f"({' + '.join(f'{s.id} {s.points:g}' for s in sections)}); make them equal.")
    ids = rubric.ids()
    dup = sorted({i for i in ids if ids.count(i) > 1})
    if dup:
        raise StudyError(f"{path.name}: duplicate item/deduction/bonus id(s) {', '.join(dup)}; ids must be unique.")
    return rubric


def _digits(reader: KeyReader, key: str) -> int | None:
    value = reader.get(key, int, None)
    if value is not None and not 0 <= value <= 6:
        raise reader.fail(key, f"decimals to round to: a whole number from 0 to 6, got {value}.")
    return value


def _tables(reader: KeyReader, key: str) -> list[dict]:
    value = reader.get(key, list, [])
    if not all(isinstance(v, dict) for v in value):
        raise reader.fail(key, f"expected [[{key}]] tables.")
    return value


def _number(reader: KeyReader, key: str, default: Any = ...) -> Any:
    value = reader.get(key, (int, float), default, required=default is ...)
    if value is not None and (not math.isfinite(value) or value < 0):
        raise reader.fail(key, f"must be a finite number ≥ 0, got {value!r}.")
    return None if value is None else float(value)


def _section(top: KeyReader, k: int, table: dict) -> Section:
    reader = KeyReader(table, top.file, f"sections[{k}]", StudyError)
    reader.reject_unknown(["id", "name", "points", "items"])
    sid = reader.get("id", str, required=True)
    reader.path = f"sections.{sid}"
    items = tuple(_item(reader, sid, j, t) for j, t in enumerate(_tables(reader, "items")))
    points = _number(reader, "points")
    if not items:
        raise reader.fail("items", "a section needs at least one [[sections.items]].")
    total = sum(i.points for i in items)
    if not math.isclose(total, points, abs_tol=1e-9):
        raise reader.fail("points", f"section has {points:g} points but its items add up to {total:g} "
                          f"({' + '.join(f'{i.id} {i.points:g}' for i in items)}); make them equal.")
    return Section(sid, reader.text("name", sid), points, items)


def _item(section: KeyReader, sid: str, j: int, table: dict) -> RubricItem:
    reader = KeyReader(table, section.file, f"{section.path}.items[{j}]", StudyError)
    reader.reject_unknown(["id", "text", "points", "kind", "allow_na", "construct", "bands"])
    iid = reader.get("id", str, required=True)
    reader.path = f"{section.path}.items.{iid}"
    points = _number(reader, "points")
    kind = reader.get("kind", str, ITEM_KINDS[0])
    if kind not in ITEM_KINDS:
        raise reader.fail("kind", f"{kind!r} is not one of {', '.join(ITEM_KINDS)}{suggest(kind, ITEM_KINDS)}.")
    construct = reader.get("construct", str, None)
    if kind == "survey_index" and construct is None:
        raise reader.fail("construct", "a survey_index item names the index it takes, e.g. construct = \"Satisfaction\".")
    bands = _bands(reader, points) if "bands" in reader.table else ()
    return RubricItem(iid, sid, reader.text("text", iid), points, kind,
                      reader.get("allow_na", bool, False), construct, bands)


def _bands(reader: KeyReader, points: float) -> tuple[tuple[float, float], ...]:
    out = []
    for k, band in enumerate(_tables(reader, "bands")):
        sub = KeyReader(band, reader.file, f"{reader.path}.bands[{k}]", StudyError)
        sub.reject_unknown(["min", "points"])
        out.append((_number(sub, "min"), _number(sub, "points")))
        if out[-1][1] > points:
            raise sub.fail("points", f"band points {out[-1][1]:g} exceed the item's {points:g}.")
    if any(b[0] <= a[0] or b[1] < a[1] for a, b in itertools.pairwise(out)):
        raise reader.fail("bands", f"bands must ascend in min (strictly) and in points; got {out}.")
    return tuple(out)


def _levels(top: KeyReader) -> tuple[Level, ...]:
    levels = []
    for k, table in enumerate(_tables(top, "levels")):
        reader = KeyReader(table, top.file, f"levels[{k}]", StudyError)
        reader.reject_unknown(["min", "stars", "label"])
        levels.append(Level(_number(reader, "min"), reader.get("stars", int, required=True), reader.text("label")))
    if not levels:
        raise top.fail("levels", "give at least one [[levels]] with min, stars and label.")
    for a, b in itertools.pairwise(levels):
        if not (b.min > a.min and b.stars >= a.stars):
            raise top.fail("levels", f"levels must be listed in ascending order of min (and stars): "
                           f"{a.min:g} ({a.stars}★) is followed by {b.min:g} ({b.stars}★); reorder them.")
    return tuple(levels)


def _adjustment(top: KeyReader, key: str, k: int, table: dict) -> Adjustment:
    reader = KeyReader(table, top.file, f"{key}[{k}]", StudyError)
    reader.reject_unknown(["id", "text", "points", "max", "veto"])
    aid = reader.get("id", str, required=True)
    veto = reader.get("veto", bool, False)
    if veto and key == "bonuses":
        raise reader.fail("veto", "a bonus cannot be a veto.")
    return Adjustment(aid, reader.text("text", aid), _number(reader, "points"),
                      _number(reader, "max", None), veto)


# ------------------------------------------------------------------ audit


@public(subjects=2)
def read_audit(audit: str | Path | pd.DataFrame, rubric: Rubric) -> pd.DataFrame:
    """Read and check an audit table: one row per audit item, deduction or bonus.

    Columns: ``item`` (required), ``earned`` | ``not_applicable`` | ``sampled`` + ``deficient``
    for items, ``count`` (occurrences) for deductions and bonuses, ``note`` (free text).
    Errors name the file, the line and the column; an unknown item gets a "did you mean".
    """
    name = str(audit) if not isinstance(audit, pd.DataFrame) else "audit table"
    if isinstance(audit, pd.DataFrame):  # as the CSV reader gives it: text, a missing cell (NaN, None, NA) blank
        table = audit.astype(object).where(audit.notna(), "").astype(str)
    else:
        table = read_csv_text(Path(audit), SchemaError, "a header row (item, earned, …) and one row per item")
        table = table.fillna("")
    unknown = [c for c in table.columns if c not in AUDIT_COLUMNS]
    if unknown or "item" not in table.columns:
        bad = unknown[0] if unknown else "item"
        raise SchemaError(f"{name}: column {bad!r} {'is unknown' if unknown else 'is missing'}"
                          f"{suggest(bad, AUDIT_COLUMNS)}; audit columns are {', '.join(AUDIT_COLUMNS)}.")
    table = table.reindex(columns=list(AUDIT_COLUMNS), fill_value="")
    rows = [_audit_row(rubric, name, line, row) for line, row in zip(range(2, len(table) + 2),
                                                                      table.to_dict("records"))]
    out = pd.DataFrame(rows, columns=["item", "earned", "not_applicable", "sampled", "deficient", "count", "note",
                                      "line"])
    dup = out.loc[out["item"].duplicated(keep=False)]
    if not dup.empty:
        raise SchemaError(f"{name}: item {dup['item'].iloc[0]!r} appears on lines "
                          f"{', '.join(map(str, dup['line']))}; give each item once.")
    absent = [i.id for i in rubric.items if i.kind == "audit" and i.id not in set(out["item"])]
    if absent:
        raise SchemaError(f"{name}: no audit row for item(s) {', '.join(absent)}; give earned, not_applicable "
                          "or sampled + deficient for every audit item (nothing is assumed).")
    return out


def _audit_row(rubric: Rubric, name: str, line: int, row: dict) -> dict:
    item_id = row["item"].strip()
    where = f"{name}: line {line}"
    items = {i.id: i for i in rubric.items}
    adjust = {a.id: a for a in rubric.deductions + rubric.bonuses}
    if item_id not in items and item_id not in adjust:
        raise SchemaError(f"{where}, column 'item': unknown item {item_id!r}{suggest(item_id, rubric.ids())}; "
                          f"items of rubric {rubric.id!r}: {', '.join(rubric.ids())}.")
    num = {k: _cell(row[k], where, k) for k in ("earned", "sampled", "deficient", "count")}
    na = _flag(row["not_applicable"], where)
    out = {"item": item_id, **num, "not_applicable": na, "note": row["note"].strip(), "line": line}
    given = [k for k in ("earned", "sampled", "deficient", "count") if not math.isnan(num[k])] + (["not_applicable"]
                                                                                                    if na else [])
    if item_id in adjust:
        if given != ["count"] or num["count"] < 0 or num["count"] != int(num["count"]):
            raise SchemaError(f"{where}: {item_id!r} is a special deduction/bonus; give only 'count', a whole "
                              f"number ≥ 0 of occurrences (got {', '.join(given) or 'nothing'}).")
        return out
    item = items[item_id]
    if item.kind == "survey_index":
        raise SchemaError(f"{where}: item {item_id!r} is scored from the survey index ({item.construct}); "
                          "remove its row and pass indices= to score_rubric.")
    if sorted(given) not in (["earned"], ["not_applicable"], ["deficient", "sampled"]):
        raise SchemaError(f"{where}: item {item_id!r}: give exactly one of earned, not_applicable, or sampled + "
                          f"deficient (got {', '.join(given) or 'nothing'}).")
    if na and not item.allow_na:
        raise SchemaError(f"{where}: item {item_id!r} cannot be not applicable in rubric {rubric.id!r} "
                          "(allow_na = false); score it.")
    if given == ["earned"] and not 0 <= num["earned"] <= item.points:
        raise SchemaError(f"{where}, column 'earned': {num['earned']:g} is outside 0–{item.points:g} for {item_id!r}.")
    if "sampled" in given and not (num["sampled"] >= 1 and 0 <= num["deficient"] <= num["sampled"]):
        raise SchemaError(f"{where}: item {item_id!r}: need sampled ≥ 1 and 0 ≤ deficient ≤ sampled "
                          f"(got sampled {num['sampled']:g}, deficient {num['deficient']:g}).")
    return out


def _cell(text: str, where: str, column: str) -> float:
    text = str(text).strip()
    if not text:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        raise SchemaError(f"{where}, column {column!r}: {text!r} is not a number.") from None
    if not math.isfinite(value):
        raise SchemaError(f"{where}, column {column!r}: {text!r} is not a finite number.")
    return value


def _flag(text: str, where: str) -> bool:
    value = str(text).strip().lower()
    flag = True if value in _NOT_APPLICABLE else False if value == "" else yes_no(value)
    if flag is not None:
        return flag
    raise SchemaError(f"{where}, column 'not_applicable': {text!r} is not yes/no (use 1, yes, true or leave blank).")


# ------------------------------------------------------------------ scoring


@dataclass(frozen=True, repr=False)
class RubricResult(Display):
    """Result of :func:`score_rubric`.

    ``items``: section, item, kind, points, applicable, earned, deduction, method, note, sampled, deficient
    (the records checked and found deficient, for items audited by sampling; else NaN).
    ``sections``: section, name_zh, name_en, points, applicable, earned, rate, score.
    ``adjustments``: id, type (deduction/bonus), count (from the audit), points (each), max, applied (count ×
    points, at most max), veto.
    """

    rubric: Rubric
    items: pd.DataFrame
    sections: pd.DataFrame
    adjustments: pd.DataFrame
    earned: float
    applicable: float
    base: float
    bonus: float
    deduction: float
    total: float
    vetoed: bool
    level: Level | None
    notes: tuple[str, ...] = field(default=())

    @property
    def stars(self) -> int | None:
        return None if self.level is None else self.level.stars

    def verdict(self, lang: str = "zh") -> str:
        label = self.rubric.fail_label if self.level is None else self.level.label
        return label.get(lang) or label.get("en") or ""

    def _card(self) -> Card:
        verdict = label(self.rubric.fail_label if self.level is None else self.level.label)
        stars = f" {'★' * self.stars}" if self.stars else ""
        facts = [("points", f"earned {self.earned:.2f} of {self.applicable:.2f} applicable, {self.base:.2f} on the "
                            f"{number(self.rubric.points)}-point scale"
                            + (f", bonus {self.bonus:.2f}" if self.bonus else "")
                            + (f", deductions {self.deduction:.2f}" if self.deduction else "")),
                 ("sections", [f"{s} {number(r * 100, 0)}%" for s, r in self.sections[["section", "rate"]]
                               .itertuples(index=False)])]
        if self.vetoed:
            facts.append(("vetoed", "a veto deduction fails the verdict"))
        if self.notes:
            facts.append(("notes", list(self.notes)))
        return Card("RubricResult", f"{self.rubric.id}: {self.total:.2f} of {number(self.rubric.points)} points → "
                    f"{verdict}{stars}", facts, [("sections", self.sections)],
                    (".items", ".sections", ".adjustments", ".explanation(lang)", ".summary()"))

    def summary(self) -> Summary:
        """The verdict explained, and the items, sections and adjustments as scored."""
        return self._card().summary({"sections": self.sections, "items": self.items, "adjustments": self.adjustments},
                                    [f"explanation: {self.explanation('en')}"])

    def explanation(self, lang: str = "zh") -> str:
        """How the verdict follows from the points, in words (no formula notation)."""
        r, zh = self.rubric, lang == "zh"
        parts = [f"适用项目满分 {self.applicable:.2f} 分，实得 {self.earned:.2f} 分，折合 {r.points:g} 分制 {self.base:.2f} 分"
                 if zh else f"earned {self.earned:.2f} of {self.applicable:.2f} applicable points, {self.base:.2f} on a "
                 f"{r.points:g}-point scale"]
        if self.bonus:
            parts.append(f"加分 {self.bonus:.2f} 分" if zh else f"bonus {self.bonus:.2f}")
        if self.deduction:
            parts.append(f"特别扣分 {self.deduction:.2f} 分" if zh else f"special deductions {self.deduction:.2f}")
        verdict = self.verdict(lang)
        if self.vetoed:
            end = f"总分 {self.total:.2f} 分，但存在否决项，评定为“{verdict}”" if zh else \
                f"total {self.total:.2f}, but a veto deduction applies: {verdict}"
        elif self.level is None:
            end = f"总分 {self.total:.2f} 分，低于达标线 {r.levels[0].min:g} 分，评定为“{verdict}”" if zh else \
                f"total {self.total:.2f}, below the pass mark of {r.levels[0].min:g}: {verdict}"
        else:
            end = f"总分 {self.total:.2f} 分，达到 {self.level.min:g} 分及以上，评定为“{verdict}”" if zh else \
                f"total {self.total:.2f}, at least {self.level.min:g}: {verdict}"
        return ("；" if zh else "; ").join([*parts, end])


@public(subjects=2)
def score_rubric(rubric: Rubric, audit: str | Path | pd.DataFrame, *,
                 indices: float | dict[str, float] | None = None) -> RubricResult:
    """Score an audit against a rubric: points per item and section, total, level (stars).

    Parameters
    ----------
    rubric : Rubric from :func:`load_rubric`.
    audit : audit CSV path or DataFrame (see :func:`read_audit`).
    indices : survey indices (0–100) by construct for survey_index items, e.g.
        ``{"Satisfaction": 82.4}``; a bare number applies to every survey item.

    Notes
    -----
    The score-rate rule (earned ÷ applicable × full) follows the after-sales service
    certification practice in the style of GB/T 27922-2011; no reference software exists,
    so every shipped example is reproduced by hand in the tests.
    """
    table = read_audit(audit, rubric).set_index("item")
    rows = [_score_item(item, table, indices) for item in rubric.items]
    items = pd.DataFrame(rows).reindex(columns=["section", "item", "kind", "points", "applicable", "earned",
                                                "deduction", "method", "note", "sampled", "deficient"])
    earned, applicable = float(items["earned"].sum()), float(items["applicable"].sum())
    if applicable <= 0:
        raise DataError(f"rubric {rubric.id!r}: every item is not applicable; nothing can be scored.")
    base = earned / applicable * rubric.points
    adjustments, notes = _adjustments(rubric, table)
    raw_bonus = float(adjustments.loc[adjustments["type"] == "bonus", "applied"].sum())
    bonus = raw_bonus if rubric.bonus_cap is None else min(raw_bonus, rubric.bonus_cap)
    if bonus < raw_bonus:
        notes.append(f"bonuses {raw_bonus:g} capped at bonus_cap {rubric.bonus_cap:g}")
    deduction = float(adjustments.loc[adjustments["type"] == "deduction", "applied"].sum())
    total = base + bonus - deduction
    if rubric.round is not None:
        total = round(total, rubric.round)
    vetoed = bool((adjustments["veto"] & (adjustments["count"] > 0)).any())
    level = None if vetoed else next((lv for lv in reversed(rubric.levels) if total >= lv.min - 1e-9), None)
    return RubricResult(rubric, items, _section_table(rubric, items), adjustments, earned, applicable, base,
                        bonus, deduction, total, vetoed, level, tuple(notes))


def _score_item(item: RubricItem, table: pd.DataFrame, indices: Any) -> dict:
    row = {"section": item.section, "item": item.id, "kind": item.kind, "points": item.points,
           "applicable": item.points, "note": ""}
    if item.kind == "survey_index":
        value = _index_value(item, indices)
        earned = _banded(item, value)
        method = (f"index {value:.2f} → band" if item.bands else f"index {value:.2f} / 100 × {item.points:g}")
        return {**row, "earned": earned, "deduction": item.points - earned, "method": method}
    audit = table.loc[item.id]
    row["note"] = audit["note"]
    if audit["not_applicable"]:
        return {**row, "applicable": 0.0, "earned": 0.0, "deduction": 0.0, "method": "not applicable"}
    if not math.isnan(audit["sampled"]):
        share = audit["deficient"] / audit["sampled"]
        return {**row, "earned": item.points * (1 - share), "deduction": item.points * share,
                "method": f"{audit['deficient']:g} of {audit['sampled']:g} sampled deficient",
                "sampled": audit["sampled"], "deficient": audit["deficient"]}
    return {**row, "earned": float(audit["earned"]), "deduction": item.points - float(audit["earned"]),
            "method": "audited"}


def _index_value(item: RubricItem, indices: Any) -> float:
    if indices is None:
        raise DataError(f"item {item.id!r} takes the survey index of {item.construct!r}; pass "
                        f"indices={{'{item.construct}': …}} to score_rubric.")
    if isinstance(indices, dict):
        if item.construct not in indices:
            raise DataError(f"item {item.id!r}: no index for {item.construct!r} in indices "
                            f"{sorted(indices)}{suggest(item.construct, indices)}.")
        value = float(indices[item.construct])
    else:
        value = float(indices)
    if not 0 <= value <= 100:
        raise DataError(f"item {item.id!r}: index {value:g} of {item.construct!r} is outside 0–100.")
    return value


def _banded(item: RubricItem, value: float) -> float:
    if not item.bands:
        return item.points * value / 100.0
    return next((pts for low, pts in reversed(item.bands) if value >= low), 0.0)


def _adjustments(rubric: Rubric, table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    rows, notes = [], []
    for kind, group in (("deduction", rubric.deductions), ("bonus", rubric.bonuses)):
        for adj in group:
            count = float(table.loc[adj.id, "count"]) if adj.id in table.index else 0.0
            raw = count * adj.points
            value = raw if adj.max is None else min(raw, adj.max)
            if value < raw:
                notes.append(f"{kind} {adj.id}: {count:g} × {adj.points:g} = {raw:g} capped at {adj.max:g}")
            rows.append({"id": adj.id, "type": kind, "count": count, "points": adj.points, "max": adj.max,
                         "applied": value, "veto": adj.veto, "text_zh": adj.text.get("zh", ""),
                         "text_en": adj.text.get("en", "")})
    columns = ["id", "type", "count", "points", "max", "applied", "veto", "text_zh", "text_en"]
    return pd.DataFrame(rows, columns=columns).astype({"veto": bool, "count": float, "applied": float}), notes


def _section_table(rubric: Rubric, items: pd.DataFrame) -> pd.DataFrame:
    sums = items.groupby("section", sort=False)[["applicable", "earned"]].sum()
    rows = []
    for s in rubric.sections:
        applicable, earned = float(sums.loc[s.id, "applicable"]), float(sums.loc[s.id, "earned"])
        rate = earned / applicable if applicable > 0 else math.nan
        rows.append({"section": s.id, "name_zh": s.name.get("zh", s.id), "name_en": s.name.get("en", s.id),
                     "points": s.points, "applicable": applicable, "earned": earned, "rate": rate,
                     "score": rate * s.points})
    return pd.DataFrame(rows)
