"""How the report words its findings: every rule that turns a number into a claim, in one place.

The rules (docs/methods/report.md, "How the report words its findings"; each tested in tests/test_wording.py):

1. **Strengths and weaknesses** are the analysis' significant gaps (:meth:`csi.StudyAnalysis.strengths_weaknesses`):
   favourable (unfavourable) in the construct's direction *and* Holm-significant; anything else is "no
   significant difference" and is never called a strength or a weakness.
2. **Minimum n.** With fewer than ``[report] min_n`` analysed respondents no inferential sentence is written:
   no interval, no significance, no "not distinguishable from" (:func:`inferential`).
3. **Thresholds.** A verdict against a threshold (a grade band's lower bound, an award's index threshold)
   whose 95 % interval contains the threshold says so (:func:`threshold_note`).
4. **Census.** An enterprise surveyed in full states that its index has no sampling error and what its
   interval then means (:func:`census_note`).
5. **Priorities** rank the target's antecedents by importance × the points their performance lacks to the
   goal (:func:`priorities`); drivers and priorities never include the target construct's own items.
6. **Small units.** Cells, segments, complaint categories and verbatims from fewer than ``[report]
   min_cell`` respondents are not shown (:func:`suppressed`), and nothing is recommended on them.
7. **Sources.** A figure from the enterprise's records and one from the survey are labelled with their
   source; a recommendation names the source it rests on and is not made where that source has no data.
8. **How sure a rank and an index are.** A rank is stated with its 95 % bootstrap rank interval
   (:func:`rank_interval`); a small-area (Fay–Herriot) index is shown beside the direct index, labelled as
   such, never in its place (:func:`small_area_note`).
"""

from __future__ import annotations

import math

import pandas as pd

from csi.report._content import EnterpriseContent
from csi.report._i18n import number, t


def inferential(c: EnterpriseContent) -> bool:
    """Rule 2: may the report draw an inference (interval, test) for this enterprise?"""
    return c.study.report.inferential(int(c.ledger["analysed"]))


def suppressed(n: float, c: EnterpriseContent) -> bool:
    """Rule 6: is a cell of ``n`` respondents too small to show?"""
    return not n >= c.study.report.min_cell


def contains(lo: float, hi: float, threshold: float) -> bool:
    return not (math.isnan(lo) or math.isnan(hi)) and lo <= threshold <= hi


def threshold_note(c: EnterpriseContent, value: float, lo: float, hi: float, threshold: float) -> str:
    """Rule 3: "; not distinguishable from 80 at 95 % (interval 74.9–84.1)" when the interval holds the
    threshold, else ""."""
    if not inferential(c) or not contains(lo, hi, threshold):
        return ""
    return t("threshold_indistinct", c.lang, threshold=number(threshold, c.lang), lo=number(lo, c.lang),
             hi=number(hi, c.lang))


def grade_boundaries(c: EnterpriseContent) -> list[float]:
    """The grade bands' inner boundaries (every band's lower bound but the lowest)."""
    return [g.min for g in c.study.report.grades[1:]]


def grade_note(c: EnterpriseContent) -> str:
    """Rule 3 for the grade: the boundary the interval spans, if any."""
    _se, lo, hi = c.index_ci
    spanned = [b for b in grade_boundaries(c) if contains(lo, hi, b)]
    if not spanned or not inferential(c):
        return ""
    return t("grade_indistinct", c.lang, boundary=number(spanned[0], c.lang, 0))


def census_note(c: EnterpriseContent) -> str:
    """Rule 4: a census has no sampling error; its interval is read as the spread of the customers' views."""
    if c.plan is None or not c.plan.census:
        return ""
    served, n = c.enterprise.served_customers, int(c.ledger["analysed"])
    if n >= served:
        return t("census_statement", c.lang, served=f"{served:,}", n=f"{n:,}")
    return t("census_statement_missing", c.lang, served=f"{served:,}", n=f"{n:,}", missing=f"{served - n:,}")


def goal(c: EnterpriseContent) -> float:
    """The goal of the action page: the next grade boundary above the target's index (100 without one)."""
    above = [b for b in grade_boundaries(c) if b > c.index]
    return above[0] if above else 100.0


def priorities(c: EnterpriseContent, top: int = 3) -> pd.DataFrame:
    """Rule 5: the target's antecedents with a favourable effect, ranked by importance × shortfall; a strength
    (significantly better than the industry, rule 1) is not a priority.

    ``shortfall`` = goal − performance (points in the construct's favourable direction; 0 once reached),
    ``score`` = importance × shortfall: the construct whose improvement moves the target most per point
    still missing comes first. Columns: construct, label, index, performance, importance, shortfall, score,
    benchmark, gap, verdict (the comparison with the industry).
    """
    if c.ipma.empty:
        return pd.DataFrame(columns=["construct", "label", "index", "performance", "importance", "shortfall", "score",
                                     "benchmark", "gap", "verdict"])
    target = goal(c)
    p = c.ipma[c.ipma["importance"] > 0].copy()
    p["shortfall"] = (target - p["performance"]).clip(lower=0)
    p["score"] = p["importance"] * p["shortfall"]
    dims = c.dimensions.set_index("construct")
    p["benchmark"] = p["construct"].map(dims["industry_index"])
    p["gap"] = p["construct"].map(dims["gap"])
    p["verdict"] = p["construct"].map(dims["verdict"])
    p = p[(p["score"] > 0) & (p["verdict"] != "better")]  # a strength is maintained, not a first priority
    p = p.sort_values("score", ascending=False, kind="mergesort").head(top)
    return p[["construct", "label", "index", "performance", "importance", "shortfall", "score", "benchmark", "gap",
              "verdict"]].reset_index(drop=True)


def rank_interval(low, high, lang: str, *, words: bool = False) -> str:
    """Rule 8: a rank's 95 % interval, "2–5" in a table (``words``: as a clause of a sentence); empty where it
    has none (unranked, or the intervals could not be estimated)."""
    if pd.isna(low) or pd.isna(high):
        return ""
    low, high = int(low), int(high)
    if not words:
        return f"{low}–{high}" if low != high else str(low)
    return t("rank_interval" if low != high else "rank_interval_one", lang, low=low, high=high)


def rank_intervals(table: pd.DataFrame, lang: str, *, within: str = "group") -> list[str]:
    """Rule 8 for a league's rows: each rank's interval as a table cell, within the industry (``within="group"``,
    the ``rank_in_group_ci_*`` columns) or overall (``"all"``, ``rank_ci_*``)."""
    prefix = "rank_in_group_ci" if within == "group" else "rank_ci"
    return [rank_interval(low, high, lang) for low, high in zip(table[f"{prefix}_low"], table[f"{prefix}_high"])]


def small_area_note(c: EnterpriseContent) -> str:
    """Rule 8: the enterprise's Fay–Herriot index beside its direct index, and how far it was shrunk; empty
    where there is none."""
    r = c.league
    if r is None or pd.isna(r.get("fh_index")) or not inferential(c):
        return ""
    lang = c.lang
    return t("fh_note", lang, fh=number(r["fh_index"], lang), se=number(r["fh_std_error"], lang, digits=2),
             index=number(r["index"], lang), gamma=f"{r['fh_gamma']:.2f}",
             industry=c.study.industry_label(c.enterprise.industry, lang))


def source_in_text(kind: str, lang: str) -> str:
    """Rule 7: a source ("survey" or "records") as named inside a sentence ("this survey", "本次调查");
    "" for another kind."""
    if kind not in ("survey", "records"):
        return ""
    name = t(f"source_{kind}", lang)
    return name if lang == "zh" else name[0].lower() + name[1:]


def verdict_word(c: EnterpriseContent, verdict: str) -> str:
    """A comparison verdict as a table cell; no significance word below min_n."""
    if not inferential(c) and verdict in ("better", "worse", "not significant"):
        verdict = "not tested"
    return t(f"vs_{verdict}", c.lang)


def change_word(c: EnterpriseContent, verdict: str) -> str:
    """A change verdict as a table cell (:func:`csi.analysis._compare.compare_waves`): better / worse read in the
    construct's direction (rule 1's "favourable") and significant, else no significant change; ``not tested``
    where either wave has fewer than ``[report] min_n`` respondents (rule 2)."""
    return t(f"wave_{verdict}", c.lang)


def evidence(row, lang: str) -> str:
    """Where a rubric item's deduction comes from: the survey index, a sample of cases, or the audit."""
    if row.kind == "survey_index":
        return t("evidence_index", lang)
    if pd.notna(row.sampled):
        return t("evidence_sampled", lang, sampled=f"{row.sampled:g}", deficient=f"{row.deficient:g}")
    return t("evidence_audited", lang)
