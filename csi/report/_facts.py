"""Per-enterprise numbers beyond the core indices: uncertainty, benchmark, rates, segments, drivers,
complaints, sampling and weighting. Each helper calls the public library function that owns the method.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from csi.analysis._study import StudyAnalysis, rate_bounds
from csi.exceptions import CSIError, ReportError
from csi.indices import enterprise_indices
from csi.indices._dissatisfaction import (
    complaint_summary,
    dissatisfaction_drivers,
    example_verbatims,
    item_importance,
)
from csi.io import Enterprise, Study
from csi.pls import MIResult, PLSResult
from csi.survey import SamplePlan, plan_sample

MIN_SEGMENT_N = 30        # segments with fewer respondents are shown but flagged


def change(analysis: StudyAnalysis, enterprise: Enterprise) -> pd.DataFrame | None:
    """The enterprise's change against the previous wave per construct (``StudyAnalysis.changes``)."""
    rows = analysis.changes[analysis.changes["enterprise_id"] == enterprise.id]
    return None if rows.empty else rows.reset_index(drop=True)


def trend(analysis: StudyAnalysis, enterprise: Enterprise) -> pd.DataFrame:
    """Every wave's indices with linearization CIs, oldest first (``StudyAnalysis.waves``): construct, wave (its
    label), index, std_error, ci_low, ci_high, n."""
    rows = analysis.waves[analysis.waves["enterprise_id"] == enterprise.id]
    return rows[["construct", "wave", "index", "std_error", "ci_low", "ci_high", "n"]].reset_index(drop=True)


def wave_changes(analysis: StudyAnalysis, enterprise: Enterprise) -> pd.DataFrame:
    """The enterprise's wave-on-wave changes per construct, oldest first (``StudyAnalysis.wave_changes``)."""
    rows = analysis.wave_changes[analysis.wave_changes["enterprise_id"] == enterprise.id]
    return rows.drop(columns="enterprise_id").reset_index(drop=True)


def peers(analysis: StudyAnalysis, enterprise: Enterprise, lang: str) -> pd.DataFrame:
    """The league rows of the enterprise's industry, with names, best first."""
    league = analysis.league
    table = league[league["industry"] == enterprise.industry].copy()
    names = {e.id: e.label(lang) for e in analysis.study.enterprises}
    table["name"] = table["enterprise_id"].map(names)
    table["self"] = table["enterprise_id"] == enterprise.id
    return table.sort_values(["rank_in_group", "index"], ascending=[True, False]).reset_index(drop=True)


def sample_plan(study: Study, enterprise: Enterprise) -> SamplePlan | None:
    if enterprise.served_customers is None or enterprise.served_customers < 1:
        return None
    s = study.sampling
    return plan_sample(enterprise.served_customers, margin=s.margin, sd=s.sd, level=s.confidence, deff=s.deff,
                       response_rate=s.response_rate, census_below=s.census_below, bounds=s.bounds)


def sample_margins(study: Study, own: pd.DataFrame, lang: str, analysis: StudyAnalysis,
                   enterprise: Enterprise) -> pd.DataFrame:
    """Per weighting variable level: population target, unweighted sample share and weighted share."""
    result = analysis.weighting.get(enterprise.id)
    if result is None:
        return pd.DataFrame(columns=["variable", "level", "target", "sample", "achieved"])
    table = result.margins.copy()
    table["sample"] = [float((own[v].astype(str) == str(level)).mean()) for v, level in
                       zip(table["variable"], table["level"])]
    labels = {v.id: v for v in study.questionnaire.demographics}
    table["variable_label"] = [labels[v].label.get(lang, v) if v in labels else v for v in table["variable"]]
    table["level_label"] = [labels[v].levels.get(str(level), {}).get(lang, str(level)) if v in labels else str(level)
                            for v, level in zip(table["variable"], table["level"])]
    return table


def class_ranges(fit: PLSResult, mirrored: bool = False) -> dict[str, str]:
    """The whole scale points of each class as the report states them ("8–10", "6–7", "1–5" on 1–10);
    ``mirrored`` for a lower-is-better construct, whose answers x are classified as lo + hi − x."""
    lo, hi, satisfied_min, dissatisfied_max = rate_bounds(fit)
    top, bottom = int(np.ceil(satisfied_min - 1e-9)), int(np.floor(dissatisfied_max + 1e-9))
    sat, dis = (top, hi), (lo, bottom)
    if mirrored:
        sat, dis = (lo, lo + hi - top), (lo + hi - bottom, hi)
    acc = (min(sat[1], dis[1]) + 1, max(sat[0], dis[0]) - 1)

    def span(a: float, b: float) -> str:
        return "—" if a > b else f"{a:g}" if a == b else f"{a:g}–{b:g}"
    return {"satisfied": span(*sat), "acceptable": span(*acc), "dissatisfied": span(*dis)}


def segments(fit: PLSResult | MIResult, own: pd.DataFrame, study: Study, analysis: StudyAnalysis, lang: str
             ) -> pd.DataFrame:
    """The target index by channel and demographic level, with linearization CIs (pooled over the imputations
    under ``[model] missing = "mi"``, as the enterprise's own index)."""
    parts = []
    for variable in study.questionnaire.demographics:
        if variable.id not in own.columns or own[variable.id].isna().all():
            continue
        rows = own[own[variable.id].notna()]
        try:
            table = enterprise_indices(fit, rows, by=variable.id, constructs=[study.model.target],
                                       weights=analysis.weight_column)
        except CSIError:
            continue  # a level with no answers to an item has no index; the level is left out of the table
        table = table.rename(columns={"enterprise_id": "level"})
        table["variable"] = variable.id
        table["variable_label"] = variable.label.get(lang, variable.id)
        table["level_label"] = [variable.levels.get(str(x), {}).get(lang, str(x)) for x in table["level"]]
        order = {k: i for i, k in enumerate(variable.levels)}
        parts.append(table.sort_values("level", key=lambda s: s.astype(str).map(order)))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    out["small"] = out["n"] < MIN_SEGMENT_N
    out["suppressed"] = out["n"] < study.report.min_cell
    return out


def ipma(analysis: StudyAnalysis, enterprise: Enterprise) -> pd.DataFrame:
    """The enterprise's importance–performance map (``StudyAnalysis.ipma``), by priority."""
    rows = analysis.ipma[analysis.ipma["enterprise_id"] == enterprise.id]
    return rows.drop(columns="enterprise_id").reset_index(drop=True)


def drivers(fit: PLSResult, item_rates: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Items driving dissatisfaction with the target: its antecedents' items, never the target's own (which
    measure the satisfaction being explained), by dissatisfied rate × importance."""
    importance = item_importance(fit, study.model.target)
    drivers = dissatisfaction_drivers(item_rates, importance[importance["construct"] != study.model.target], top=None)
    return drivers[drivers["dissatisfied"] > 0].head(5).reset_index(drop=True)  # an item nobody rated low drives nothing


def complaints(analysis: StudyAnalysis, own: pd.DataFrame, lang: str) -> tuple[dict | None, pd.DataFrame | None]:
    """Complaint incidence, handling satisfaction, categories and anonymised verbatims, by the keyword dictionary
    the analysis read (a dictionary that could not be used is one of ``analysis.problems``)."""
    study, dictionary = analysis.study, analysis.keywords
    text = next((v.id for v in study.questionnaire.open_ended), None)
    if dictionary is None or text is None or text not in own.columns:
        return None, None
    summary = complaint_summary(own, dictionary, text=text, handling_item=study.rules.handling_item,
                                satisfied_min=handling_min(study))
    verbatims = example_verbatims(quotable(own, study), dictionary, text=text, per_category=2, lang=lang,
                                  seed=study.seed)
    counts = summary["categories"].set_index("category")["complaints"]
    verbatims = verbatims[verbatims["category"].map(counts).fillna(0) >= study.report.min_cell] \
        .drop_duplicates("text")  # one text quoted once, under its first category
    return summary, verbatims.reset_index(drop=True)


TOPIC_COLUMNS = ["topic", "label", "n", "share", "study_share"]


def topics(analysis: StudyAnalysis, enterprise: Enterprise) -> pd.DataFrame:
    """The study's complaint topics among the enterprise's own texts, most frequent first: ``topic, label, n``
    (its texts in the topic), ``share`` (of its texts) and ``study_share`` (of all the study's texts); empty
    without topics or without texts of its own."""
    result, q = analysis.topics, analysis.study.questionnaire
    if result is None or q.id_column not in result.documents.columns:
        return pd.DataFrame(columns=TOPIC_COLUMNS)
    ids = analysis.data.loc[analysis.data[q.enterprise_column] == enterprise.id, q.id_column]
    mine = result.documents[result.documents[q.id_column].isin(set(ids))]
    if mine.empty:
        return pd.DataFrame(columns=TOPIC_COLUMNS)
    counts = mine["topic"].value_counts()
    table = result.sizes.rename(columns={"share": "study_share"}).assign(n=lambda x: x["topic"].map(counts))
    table = table[table["n"].notna()].astype({"n": int}).assign(share=lambda x: x["n"] / len(mine))
    return table.sort_values(["n", "topic"], ascending=[False, True])[TOPIC_COLUMNS].reset_index(drop=True)


def handling_min(study: Study) -> float:
    """The lowest handling-item score counted as satisfied: 70 % of the scale (8 on 1–10, 3.8 on 1–5)."""
    lo, hi = study.questionnaire.item(study.rules.handling_item).scale if study.rules.handling_item else (1, 10)
    return lo + 0.7 * (hi - lo)


def quotable(own: pd.DataFrame, study: Study) -> pd.DataFrame:
    """Respondents whose verbatims may be quoted: every demographic level they belong to has at least
    ``[report] min_cell`` respondents in the enterprise, so that no segment singles them out."""
    keep = pd.Series(True, index=own.index)
    for variable in study.questionnaire.demographics:
        if variable.id in own.columns:
            sizes = own[variable.id].map(own[variable.id].value_counts(dropna=True))
            keep &= sizes.isna() | (sizes >= study.report.min_cell)
    return own[keep]


def records(analysis: StudyAnalysis, enterprise: Enterprise) -> dict | None:
    """The enterprise's own operating records ([rules] operations), or None when it has none."""
    table = analysis.operations
    if table is None or "enterprise_id" not in table.columns:
        return None
    mine = table[table["enterprise_id"].astype(str) == enterprise.id]
    return None if mine.empty else {k: v for k, v in mine.iloc[0].items() if not _missing(v)}


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def own_files(analysis: StudyAnalysis, enterprise: Enterprise) -> dict[str, str]:
    """The provenance hashes of the study's inputs and of this enterprise's own files: other enterprises'
    audit files and remarks are left out (each report lists what it rests on, once)."""
    study = analysis.study
    folders = [p.resolve() for p in (study.rules.audits_dir, study.report.remarks_dir) if p is not None]
    others = {e.id for e in study.enterprises} - {enterprise.id}
    base = study.path.parent
    out = {}
    for name, sha in analysis.hashes.items():
        path = (base / name).resolve()
        per_enterprise = any(path.is_relative_to(folder) for folder in folders)
        if not (per_enterprise and path.name.split(".")[0] in others):  # another enterprise's audit or remarks
            out[name] = sha
    return out


def remarks(analysis: StudyAnalysis, enterprise: Enterprise, lang: str) -> tuple[str, str]:
    """The evaluator's remarks for the enterprise and their language: ``<id>.<lang>.txt``, else ``<id>.txt``
    (in the study's language), as the analysis read them; ("", lang) without a file."""
    for name, text_lang in ((f"{enterprise.id}.{lang}", lang), (enterprise.id, analysis.study.language)):
        if name in analysis.remarks_errors:
            raise ReportError(analysis.remarks_errors[name])
        if name in analysis.remarks:
            return analysis.remarks[name], text_lang
    return "", lang


def award_rows(analysis: StudyAnalysis, enterprise: Enterprise) -> tuple[Any, pd.DataFrame] | None:
    """The enterprise's award summary row and its per-criterion results."""
    if analysis.awards is None:
        return None
    s = analysis.awards.summary
    mine = s[s["id"] == enterprise.id]
    if mine.empty:
        return None
    c = analysis.awards.criteria
    criteria = c[c["id"] == enterprise.id].reset_index(drop=True)
    return mine.iloc[0], criteria.assign(**criterion_sources(analysis, enterprise, criteria))


def criterion_sources(analysis: StudyAnalysis, enterprise: Enterprise, criteria: pd.DataFrame) -> dict[str, list]:
    """Where each award criterion's value comes from: ``source`` survey (an index, with its CI ``ci_low``,
    ``ci_high`` and numeric ``limit``), records (the operations file) or other; the rule's ``op``."""
    study = analysis.study
    rules = {cr.id: cr for cat in analysis.awards.rules.categories if cat.id == "enterprise" for cr in cat.criteria}
    indices = analysis.indices[analysis.indices["enterprise_id"] == enterprise.id].set_index("construct")
    operations = set(analysis.operations.columns) if analysis.operations is not None else set()
    out: dict[str, list] = {"source": [], "op": [], "limit": [], "ci_low": [], "ci_high": []}
    for criterion in criteria["criterion"]:
        rule = rules.get(criterion)
        column = rule.column if rule is not None else criterion
        construct = study.rules.award_indices.get(column) or (column.removesuffix("_index")
                                                              if column.endswith("_index") else None)
        survey = construct in indices.index
        out["source"].append("survey" if survey else "records" if column in operations else "other")
        out["op"].append(rule.op if rule is not None else "")
        out["limit"].append(float(rule.value) if rule is not None and isinstance(rule.value, int | float)
                            and not isinstance(rule.value, bool) else np.nan)
        out["ci_low"].append(float(indices.loc[construct, "ci_low"]) if survey else np.nan)
        out["ci_high"].append(float(indices.loc[construct, "ci_high"]) if survey else np.nan)
    return out


def significant(p: float | None, alpha: float = 0.05) -> bool:
    return p is not None and not np.isnan(p) and p < alpha
