"""Award eligibility rules as data: criteria per category, quotas filled by ranking.

An award file (TOML) lists categories (enterprises, teams, individuals, managers…). Each
category has criteria — a column compared with a threshold, or a survey-coverage rule
(census below a number of customers served, else a sample of a given size) — a quota and
the columns that rank eligible candidates. :func:`check_eligibility` returns, per candidate
and criterion, the value, the threshold, pass/fail and the reason in Chinese and English.

Quota and ties: eligible candidates are sorted by ``rank_by`` (descending; a leading ``-``
sorts ascending; later columns break ties, then the id). The first ``quota`` are awarded.
Candidates tied with the last one inside the quota on every ``rank_by`` column are all
awarded with ``ties = "include"`` (the quota is then exceeded and a note says so), or all
left out with ``ties = "exclude"``.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from csi._api import public
from csi._display import Card, Display, Summary, by_language, label, listing, pairs
from csi._validation import NO, YES, KeyReader, suggest, yes_no
from csi.exceptions import SchemaError, StudyError
from csi.io._questionnaire import _read_toml

__all__ = ["AwardResult", "AwardRules", "Category", "Criterion", "check_eligibility", "load_award_rules"]

#: How each comparison reads in a sentence (zh, en): "不低于 80.0" / "at least 80.0".
OP_WORDS = {">=": ("不低于", "at least"), ">": ("高于", "above"), "<=": ("不高于", "at most"), "<": ("低于", "below"),
            "==": ("为", "equal to"), "!=": ("不为", "other than")}
OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
       "!=": operator.ne}
FORMATS = ("number", "percent", "bool", "count")
TIES = ("include", "exclude")  # [award] ties: candidates tied at the quota's edge are all in, or all out


@dataclass(frozen=True)
class Criterion:
    """``column op value`` (kind "compare") or a survey-coverage rule (kind "coverage")."""

    id: str
    label: dict[str, str]
    kind: str = "compare"
    column: str = ""
    op: str = ">="
    value: Any = None
    format: str = "number"
    digits: int = 1
    served: str = "served_customers"       # coverage: customers served in the year
    respondents: str = "respondents"       # coverage: customers surveyed
    census_below: int = 50
    sample_min: int = 100
    sample_max: int | None = 200


@dataclass(frozen=True)
class Category:
    id: str
    name: dict[str, str]
    quota: int | None
    rank_by: tuple[str, ...]
    id_column: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True, repr=False)
class AwardRules(Display):
    id: str
    title: dict[str, str]
    source: str
    ties: str
    categories: tuple[Category, ...]
    path: str = ""

    def category(self, category_id: str) -> Category:
        for c in self.categories:
            if c.id == category_id:
                return c
        ids = [c.id for c in self.categories]
        raise StudyError(f"{self.path}: no category {category_id!r}{suggest(category_id, ids)}; "
                         f"categories: {', '.join(ids)}.")

    def _card(self) -> Card:
        facts = [(c.id, (f"{label(c.name)}: quota {c.quota if c.quota is not None else 'none'}, ranked by "
                        f"{listing(c.rank_by) or '—'}; criteria {listing(cr.id for cr in c.criteria)}"))
                 for c in self.categories]
        if self.source:
            facts.append(("source", self.source))
        return Card("AwardRules", f"{self.id}, {len(self.categories)} categories (ties: {self.ties}): "
                    f"{label(self.title)}", facts, more=(".categories", ".category(id)", ".summary()",
                                                         "csi.check_eligibility()"))

    def summary(self) -> Summary:
        """Every category and every criterion."""
        categories = pd.DataFrame([{"category": c.id, **by_language(c.name, "name"), "quota": c.quota,
                                    "rank_by": ", ".join(c.rank_by), "id_column": c.id_column,
                                    "criteria": len(c.criteria)} for c in self.categories])
        criteria = pd.DataFrame([{"category": c.id, "criterion": cr.id, **by_language(cr.label, "label"),
                                  "kind": cr.kind, "column": cr.column, "op": cr.op, "value": cr.value}
                                 for c in self.categories for cr in c.criteria])
        return self._card().summary({"categories": categories, "criteria": criteria},
                                    [f"file: {self.path}"] if self.path else [])


@public(subjects=1)
def load_award_rules(path: str | Path) -> AwardRules:
    """Read and check an award rule file; errors name the file and key path."""
    path = Path(path)
    top = KeyReader(_read_toml(path, StudyError), path.name, "", StudyError)
    top.reject_unknown(["award", "categories"])
    head = top.sub("award")
    head.reject_unknown(["id", "title", "source", "ties"])
    ties = head.get("ties", str, TIES[0])
    if ties not in TIES:
        raise head.fail("ties", f"{ties!r} is not one of {', '.join(TIES)}{suggest(ties, TIES)}.")
    tables = top.get("categories", list, required=True)
    categories = tuple(_category(top, k, t) for k, t in enumerate(tables))
    ids = [c.id for c in categories]
    if len(set(ids)) != len(ids) or not ids:
        raise top.fail("categories", f"give one or more categories with unique ids (got {ids}).")
    return AwardRules(head.get("id", str, required=True), head.text("title"), head.get("source", str, ""),
                      ties, categories, str(path))


def _category(top: KeyReader, k: int, table: Any) -> Category:
    if not isinstance(table, dict):
        raise top.fail("categories", "expected [[categories]] tables.")
    reader = KeyReader(table, top.file, f"categories[{k}]", StudyError)
    reader.reject_unknown(["id", "name", "quota", "rank_by", "id_column", "criteria"])
    cid = reader.get("id", str, required=True)
    reader.path = f"categories.{cid}"
    quota = reader.get("quota", int, None)
    if quota is not None and quota < 1:
        raise reader.fail("quota", f"a quota is a whole number ≥ 1 (or leave it out for no limit), got {quota}.")
    rank_by = reader.get("rank_by", list, [])
    if not all(isinstance(c, str) and c.lstrip("-") for c in rank_by):
        raise reader.fail("rank_by", f"expected column names (prefix '-' to rank ascending), got {rank_by!r}.")
    crit = reader.get("criteria", list, required=True)
    criteria = tuple(_criterion(reader, j, t) for j, t in enumerate(crit))
    if not criteria:
        raise reader.fail("criteria", "a category needs at least one criterion.")
    return Category(cid, reader.text("name", cid), quota, tuple(rank_by),
                    reader.get("id_column", str, "id"), criteria)


def _criterion(category: KeyReader, j: int, table: Any) -> Criterion:
    reader = KeyReader(table if isinstance(table, dict) else {}, category.file, f"{category.path}.criteria[{j}]",
                       StudyError)
    kind = reader.get("kind", str, "compare")
    common = ["id", "label", "kind"]
    if kind == "coverage":
        reader.reject_unknown(common + ["served", "respondents", "census_below", "sample_min", "sample_max"])
        crit = Criterion(reader.get("id", str, required=True), reader.text("label"), "coverage",
                         served=reader.get("served", str, "served_customers"),
                         respondents=reader.get("respondents", str, "respondents"),
                         census_below=reader.get("census_below", int, 50),
                         sample_min=reader.get("sample_min", int, 100),
                         sample_max=reader.get("sample_max", int, None))
        for key in ("census_below", "sample_min"):
            if getattr(crit, key) < 0:
                raise reader.fail(key, f"a number of customers ≥ 0, got {getattr(crit, key)}.")
        if crit.sample_max is not None and crit.sample_max < crit.sample_min:
            raise reader.fail("sample_max", f"sample_max {crit.sample_max} is below sample_min {crit.sample_min}.")
        return crit
    if kind != "compare":
        raise reader.fail("kind", f"{kind!r} is not 'compare' or 'coverage'{suggest(kind, ['compare', 'coverage'])}.")
    reader.reject_unknown(common + ["column", "op", "value", "format", "digits"])
    op = reader.get("op", str, required=True)
    if op not in OPS:
        raise reader.fail("op", f"{op!r} is not one of {', '.join(OPS)}.")
    fmt = reader.get("format", str, "number")
    if fmt not in FORMATS:
        raise reader.fail("format", f"{fmt!r} is not one of {', '.join(FORMATS)}{suggest(fmt, FORMATS)}.")
    value = reader.get("value", (int, float, bool, str), required=True)
    if isinstance(value, float) and not math.isfinite(value):
        raise reader.fail("value", f"a threshold must be a finite number, got {value!r}.")
    digits = reader.get("digits", int, 1)
    if not 0 <= digits <= 6:
        raise reader.fail("digits", f"decimals shown: a whole number from 0 to 6, got {digits}.")
    return Criterion(reader.get("id", str, required=True), reader.text("label"), "compare",
                     reader.get("column", str, required=True), op, value, fmt, digits)


# ------------------------------------------------------------------ checking


@dataclass(frozen=True, repr=False)
class AwardResult(Display):
    """``criteria``: category, id, criterion, label_zh, label_en, value, threshold, passed, reason_zh, reason_en.
    ``summary``: category, id, eligible, rank, awarded, failed, reason_zh, reason_en.
    ``notes``: quota and tie decisions, in words."""

    rules: AwardRules
    criteria: pd.DataFrame
    summary: pd.DataFrame
    notes: tuple[str, ...]

    def eligible(self, category: str | None = None) -> list[str]:
        s = self.summary if category is None else self.summary[self.summary["category"] == category]
        return list(s.loc[s["eligible"], "id"])

    def _card(self) -> Card:
        """(``summary`` is the table of candidates here, so the tables are the attributes themselves.)"""
        s = self.summary
        facts = []
        for category, group in s.groupby("category", sort=False):
            awarded = list(group.loc[group["awarded"].astype(bool), "id"])
            facts.append((str(category), (f"{int(group['eligible'].sum())} of {len(group)} eligible; awarded: "
                                         f"{listing(awarded) or 'none'}")))
        failed = self.criteria[~self.criteria["passed"].astype(bool)]
        if len(failed):
            facts.append(("failed most", pairs(failed["criterion"].value_counts(), limit=4)))
        if self.notes:
            facts.append(("notes", list(self.notes)))
        return Card("AwardResult", f"{self.rules.id}: {int(s['eligible'].sum())} of {len(s)} candidates eligible, "
                    f"{int(s['awarded'].astype(bool).sum())} awarded", facts, [("summary", s)],
                    (".summary", ".criteria", ".notes", ".eligible(category)"))


@public(subjects=2)
def check_eligibility(rules: AwardRules, table: pd.DataFrame | dict[str, pd.DataFrame], *,
                      category: str | None = None) -> AwardResult:
    """Check every candidate against its category's criteria and fill the quotas by ranking.

    Parameters
    ----------
    rules : AwardRules from :func:`load_award_rules`.
    table : one DataFrame of candidates (for ``category``, or the only category, or with a
        ``category`` column), or a dict ``category id -> DataFrame``. Candidates are
        identified by the category's ``id_column``.
    category : the category of a single table.

    A missing value fails its criterion with the reason "no data" (never assumed to pass).
    """
    tables = _split(rules, table, category)
    crit_rows, summary_rows, notes = [], [], []
    for cat_id, frame in tables.items():
        cat = rules.category(cat_id)
        _check_columns(cat, frame)
        ids = frame[cat.id_column].astype(str).tolist()
        if len(set(ids)) != len(ids):
            raise SchemaError(f"category {cat.id!r}: duplicate ids in column {cat.id_column!r}.")
        for cand, row in zip(ids, frame.to_dict("records")):
            results = [_evaluate(c, row) for c in cat.criteria]
            crit_rows += [{"category": cat.id, "id": cand, "criterion": c.id, "label_zh": c.label.get("zh", c.id),
                           "label_en": c.label.get("en", c.id), **res} for c, res in zip(cat.criteria, results)]
            failed = [r for r in results if not r["passed"]]
            summary_rows.append({
                "category": cat.id, "id": cand, "eligible": not failed, "failed": len(failed),
                "reason_zh": "；".join(r["reason_zh"] for r in failed) or "全部条件均满足",
                "reason_en": "; ".join(r["reason_en"] for r in failed) or "all criteria met"})
    summary = pd.DataFrame(summary_rows)
    summary["rank"], summary["awarded"] = pd.array([pd.NA] * len(summary), dtype="Int64"), False
    for cat_id, frame in tables.items():
        notes += _apply_quota(rules, rules.category(cat_id), frame, summary)
    criteria = pd.DataFrame(crit_rows)
    order = ["category", "id", "eligible", "rank", "awarded", "failed", "reason_zh", "reason_en"]
    return AwardResult(rules, criteria, summary[order], tuple(notes))


def _split(rules: AwardRules, table: Any, category: str | None) -> dict[str, pd.DataFrame]:
    if isinstance(table, dict):
        for key in table:
            rules.category(key)
        return dict(table)
    if category is not None:
        rules.category(category)
        return {category: table}
    if len(rules.categories) == 1:
        return {rules.categories[0].id: table}
    if "category" not in table.columns:
        raise SchemaError(f"{rules.path}: the rules have categories {', '.join(c.id for c in rules.categories)}; "
                          "pass category=…, a dict of tables, or a table with a 'category' column.")
    for key in table["category"].unique():
        rules.category(str(key))
    return {str(k): g for k, g in table.groupby("category", sort=False)}


def _check_columns(cat: Category, frame: pd.DataFrame) -> None:
    needed = [cat.id_column] + [c.lstrip("-") for c in cat.rank_by]
    for c in cat.criteria:
        needed += [c.served, c.respondents] if c.kind == "coverage" else [c.column]
    for column in needed:
        if column not in frame.columns:
            raise SchemaError(f"category {cat.id!r}: the candidate table has no column {column!r}"
                              f"{suggest(column, frame.columns)}; columns: {', '.join(map(str, frame.columns))}.")


def _show(value: Any, c: Criterion, lang: str = "en") -> str:
    if isinstance(value, bool) or c.format == "bool":
        words = {"zh": {True: "是", False: "否"}, "en": {True: "yes", False: "no"}}[lang]
        return words.get(bool(value), str(value))
    if c.format == "percent":
        return f"{100 * float(value):.{c.digits}f}%"
    if c.format == "count":
        return f"{float(value):.0f}"
    return f"{float(value):.{c.digits}f}" if isinstance(value, int | float) else str(value)


def requirement(c: Criterion, lang: str) -> str:
    """The criterion's requirement in words: "不低于 80.0" / "at least 80.0"; "须为“是”" / "must be yes"."""
    zh, en = OP_WORDS.get(c.op, (c.op, c.op))
    if isinstance(c.value, bool) or c.format == "bool":
        return f"须为“{_show(c.value, c, 'zh')}”" if lang == "zh" else f"must be {_show(c.value, c, 'en')}"
    return f"须{zh} {_show(c.value, c, lang)}" if lang == "zh" else f"must be {en} {_show(c.value, c, lang)}"


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _evaluate(c: Criterion, row: dict) -> dict:
    if c.kind == "coverage":
        return _coverage(c, row)
    value = row[c.column]
    threshold = _show(c.value, c)
    if _missing(value):
        return {"value": None, "threshold": f"{c.op} {threshold}", "passed": False,
                "reason_zh": f"{c.label.get('zh', c.id)}：无数据", "reason_en": f"{c.label.get('en', c.id)}: no data"}
    if isinstance(c.value, bool):
        value = _as_bool(value, c)
    try:
        passed = bool(OPS[c.op](value, c.value))
    except TypeError:
        raise SchemaError(f"criterion {c.id!r}: column {c.column!r} value {value!r} cannot be compared with "
                          f"{c.value!r}; give {'numbers' if isinstance(c.value, int | float) else 'text'} "
                          "in that column.") from None
    mark = "" if passed else "未"
    return {"value": value, "threshold": f"{c.op} {threshold}", "passed": passed,
            "reason_zh": f"{c.label.get('zh', c.id)} {_show(value, c, 'zh')}，{requirement(c, 'zh')}（{mark}达到）",
            "reason_en": f"{c.label.get('en', c.id)} {_show(value, c, 'en')}, {requirement(c, 'en')} "
                         f"({'met' if passed else 'not met'})"}


def _as_bool(value: Any, c: Criterion) -> bool:
    flag = yes_no(value)
    if flag is None:
        raise SchemaError(f"criterion {c.id!r}: column {c.column!r} value {value!r} is not yes/no "
                          f"(use one of {', '.join(YES)} or {', '.join(NO)}).")
    return flag


def _coverage(c: Criterion, row: dict) -> dict:
    served, n = row[c.served], row[c.respondents]
    zh, en = c.label.get("zh", c.id), c.label.get("en", c.id)
    if _missing(served) or _missing(n):
        return {"value": None, "threshold": "", "passed": False, "reason_zh": f"{zh}：无数据",
                "reason_en": f"{en}: no data"}
    served, n = int(served), int(n)
    if served < c.census_below:
        passed = n >= served
        rule_zh, rule_en = f"服务 {served} 人，不足 {c.census_below} 人，须全数调查", \
            f"{served} served, fewer than {c.census_below}: census required"
    else:
        upper = c.sample_max if c.sample_max is not None else math.inf
        passed = c.sample_min <= n <= upper
        span_zh = f"{c.sample_min}–{c.sample_max}" if c.sample_max is not None else f"不少于 {c.sample_min}"
        span_en = f"{c.sample_min}–{c.sample_max}" if c.sample_max is not None else f"at least {c.sample_min}"
        rule_zh, rule_en = f"服务 {served} 人，须抽样 {span_zh} 人", f"{served} served: sample of {span_en} required"
    return {"value": n, "threshold": rule_en, "passed": passed,
            "reason_zh": f"{zh}：{rule_zh}，实际调查 {n} 人（{'' if passed else '未'}达到）",
            "reason_en": f"{en}: {rule_en}, surveyed {n} ({'met' if passed else 'not met'})"}


def _apply_quota(rules: AwardRules, cat: Category, frame: pd.DataFrame, summary: pd.DataFrame) -> list[str]:
    mask = (summary["category"] == cat.id) & summary["eligible"]
    ok = frame[frame[cat.id_column].astype(str).isin(summary.loc[mask, "id"])].copy()
    ok["_id"] = ok[cat.id_column].astype(str)
    keys = [c.lstrip("-") for c in cat.rank_by]
    ok = ok.sort_values(keys + ["_id"], ascending=[c.startswith("-") for c in cat.rank_by] + [True],
                        kind="mergesort")
    ranked = ok["_id"].tolist()
    pos = {cand: r + 1 for r, cand in enumerate(ranked)}
    summary.loc[mask, "rank"] = summary.loc[mask, "id"].map(pos).astype("Int64")
    awarded, notes = set(ranked), []
    if cat.quota is not None and len(ranked) > cat.quota:
        cut = tuple(ok.iloc[cat.quota - 1][keys]) if keys else None
        tied = [cand for cand, key in zip(ranked, ok[keys].itertuples(index=False, name=None))
                if keys and tuple(key) == cut]
        inside = set(ranked[:cat.quota])
        if len(tied) > 1 and not set(tied) <= inside:
            inside = inside | set(tied) if rules.ties == "include" else inside - set(tied)
            notes.append(f"{cat.id}: {len(tied)} candidates tied at the quota boundary ({', '.join(tied)}); "
                         f"ties = {rules.ties!r} → {len(inside)} awarded for a quota of {cat.quota}.")
        awarded = inside
        notes.append(f"{cat.id}: {len(ranked)} eligible, quota {cat.quota}: {len(ranked) - len(awarded)} "
                     "eligible candidate(s) not awarded (outside the quota).")
    outside = mask & ~summary["id"].isin(awarded)
    summary.loc[mask & summary["id"].isin(awarded), "awarded"] = True
    summary.loc[outside, "reason_zh"] = "条件均满足，但排名在名额之外"
    summary.loc[outside, "reason_en"] = "all criteria met, but ranked outside the quota"
    return notes
