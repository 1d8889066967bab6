"""The enterprise workbook: every table of one enterprise's report as a sheet of an .xlsx file.

The tables are the report's (:class:`EnterpriseContent`), with its column headings and sheet names in the
report's language (:mod:`csi.report._i18n`), its decimals as number formats, and its disclosure rules: no
interval or test below ``[report] min_n`` respondents, no count below ``[report] min_cell``. Values only;
the sheets are written by :mod:`csi.analysis._excel` (frozen header row, widths, text kept text).
"""

from __future__ import annotations

import pandas as pd

from csi.analysis._excel import P_FORMAT, PERCENT, Sheet, readme_sheet, workbook_bytes
from csi.report import _wording as wording
from csi.report._content import EnterpriseContent
from csi.report._i18n import t

CI = {"ci_low": "CI −", "ci_high": "CI +"}
CATEGORIES = ("satisfied", "acceptable", "dissatisfied")


def enterprise_workbook(c: EnterpriseContent) -> bytes:
    """The enterprise's workbook (.xlsx bytes): a README sheet (study, enterprise, report number and date,
    csi version, SHA-256 of the input files), then one sheet per table of the report."""
    return workbook_bytes([_readme(c), *_sheets(c)])


def _readme(c: EnterpriseContent) -> Sheet:
    lang, study = c.lang, c.study
    rows = [(t("study", lang), study.title.get(lang) or study.id), (t("enterprise", lang), c.enterprise.label(lang)),
            ("enterprise_id", c.enterprise.id), (t("industry", lang), study.industry_label(c.enterprise.industry, lang)),
            (t("report_number", lang), c.report_number), (t("report_date", lang), c.report_date),
            (t("language", lang), lang), (t("index_label", lang), round(c.index, 1))]
    sheet = readme_sheet(rows, c.hashes, headers=(t("parameter", lang), t("value", lang)))
    labels = {"csi": t("csi_version", lang), "written": t("written", lang)}
    frame = sheet.frame.assign(field=[labels.get(f, f.replace("sha256", t("sha256", lang), 1))
                                      for f in sheet.frame["field"]])
    return Sheet("README", frame, sheet.headers, {"value": "0.0"})


def _sheets(c: EnterpriseContent) -> list[Sheet]:
    lang, report = c.lang, c.study.report
    h = lambda *keys: [t(k, lang) for k in keys]
    inferential = wording.inferential(c)
    sheets = []

    def add(key: str, frame: pd.DataFrame, headers: dict[str, str], formats: dict[str, str] | None = None) -> None:
        if frame is not None and len(frame):
            sheets.append(Sheet(t(f"sheet_{key}", lang), frame.reset_index(drop=True), headers, formats or {}))

    dims = c.dimensions.assign(versus=[wording.verdict_word(c, v) for v in c.dimensions["verdict"]])
    add("dimensions", dims, {"label": t("dimension", lang), "index": t("this_enterprise", lang),
                             **(CI if inferential else {}),
                             "industry_index": t(f"benchmark_{c.study.benchmark}", lang),
                             "gap": t("difference", lang), "versus": t("versus_peers", lang), "n": "n"},
        {"index": "0.0", "ci_low": "0.0", "ci_high": "0.0", "industry_index": "0.0", "gap": "+0.0;-0.0;0.0"})
    items = c.items.assign(construct=[c.label(x) for x in c.items["construct"]])
    add("items", items, dict(zip(["construct", "item", "text", "mean", "score", "item_weight", "loading"],
                                 h("dimension", "item", "question", "mean", "score", "item_weight", "loading"))),
        {"mean": "0.00", "score": "0.0", "item_weight": "0.000", "loading": "0.000"})
    add("paths", c.paths, {"source": t("source", lang), "target": t("target", lang),
                           "estimate": t("path_coefficient", lang), **CI, "p_value": t("p_value", lang)},
        {"estimate": "0.000", "ci_low": "0.000", "ci_high": "0.000", "p_value": P_FORMAT})
    add("r_squared", c.r_squared, {"construct": t("dimension", lang), "r_squared": t("r_squared", lang)},
        {"r_squared": "0.000"})
    add("reliability", c.reliability, dict(zip(["label", "k", "alpha", "rho_a", "rho_c", "ave"],
                                               h("dimension", "items_k", "alpha", "rho_a", "rho_c", "ave"))),
        dict.fromkeys(("alpha", "rho_a", "rho_c", "ave"), "0.000"))
    add("htmt", c.htmt, dict(zip(["construct_a", "construct_b", "htmt"], h("dimension_a", "dimension_b", "htmt"))),
        {"htmt": "0.000"})
    add("sample", _sample(c), {"measure": t("measure", lang), "value": t("value", lang)})
    add("exclusions", c.exclusions.assign(reason=[t(r, lang) for r in c.exclusions["reason"]]),
        {"reason": t("reason", lang), "count": t("count", lang)})
    if c.weighting is not None:
        add("margins", c.margins, dict(zip(["variable_label", "level_label", "target", "sample", "achieved"],
                                           h("variable", "level", "target_share", "sample_share", "weighted_share"))),
            dict.fromkeys(("target", "sample", "achieved"), PERCENT))
    add("rates", _rates(c), {"label": t("dimension", lang), **{k: t(k, lang) for k in CATEGORIES}},
        dict.fromkeys(CATEGORIES, PERCENT))
    add("segments", _segments(c), {"variable_label": t("variable", lang), "level_label": t("segment", lang),
                                   "index": t("index", lang), **(CI if inferential else {}), "n": "n"},
        {"index": "0.0", "ci_low": "0.0", "ci_high": "0.0"})
    if c.change is not None:
        tested = bool((c.change["verdict"] != "not tested").any())
        add("change", c.change.assign(label=c.change["construct"].map(c.label)),
            {"label": t("dimension", lang), "previous_index": t("previous_wave", lang), "index": t("current_wave", lang),
             "change": t("change", lang), **({**CI, "p_value": t("p_value", lang)} if tested else {})},
            {"previous_index": "0.0", "index": "0.0", "change": "+0.0;-0.0;0.0", "ci_low": "0.0", "ci_high": "0.0",
             "p_value": P_FORMAT})
    steps = c.wave_changes
    if len(steps) and steps["wave_from"].nunique() > 1:  # several waves: every construct's change, wave to wave
        untested = steps["verdict"] == "not tested"  # rule 2: no interval or p below min_n in either wave
        add("wave_changes", steps.assign(
                label=steps["construct"].map(c.label), word=[wording.change_word(c, v) for v in steps["verdict"]],
                ci_low=steps["ci_low"].mask(untested), ci_high=steps["ci_high"].mask(untested),
                p_value=steps["p_value"].mask(untested)),
            {"wave_from": t("wave_from", lang), "wave_to": t("wave_to", lang), "label": t("dimension", lang),
             "change": t("change", lang), **CI, "p_value": t("p_value", lang), "word": t("change_verdict", lang)},
            {"change": "+0.0;-0.0;0.0", "ci_low": "0.0", "ci_high": "0.0", "p_value": P_FORMAT})
    priorities = wording.priorities(c)
    add("priorities", priorities.assign(versus=[wording.verdict_word(c, v) for v in priorities["verdict"]]),
        dict(zip(["label", "index", "benchmark", "versus", "importance"],
                 h("dimension", "index", "industry_average", "versus_peers", "importance"))),
        {"index": "0.0", "benchmark": "0.0", "importance": "0.000"})
    add("ipma", c.ipma.assign(action=c.ipma[f"action_{lang}"]),
        dict(zip(["priority", "label", "importance", "performance", "action"],
                 h("priority", "dimension", "importance", "performance", "quadrant"))),
        {"importance": "0.000", "performance": "0.0"})
    drivers = c.drivers.assign(text=[c.study.questionnaire.item(i).text.get(lang, i) for i in c.drivers["item"]])
    add("drivers", drivers, dict(zip(["item", "text", "dissatisfied", "importance"],
                                     h("item", "question", "dissatisfied", "importance"))),
        {"dissatisfied": PERCENT, "importance": "0.000"})
    if len(c.peers):
        small = ~report.inferential(c.peers["n"])  # rule 2: no interval below min_n
        peers = c.peers.assign(ci_low=c.peers["ci_low"].mask(small), ci_high=c.peers["ci_high"].mask(small),
                               versus=[t(f"vs_{v}", lang) for v in c.peers["versus_industry"]],
                               name=[f"▶ {n}" if s else n for n, s in zip(c.peers["name"], c.peers["self"])])
        peers = peers.assign(rank_ci=wording.rank_intervals(peers, lang))
        add("peers", peers, {"rank_in_group": t("rank", lang), "rank_ci": t("rank_ci", lang),
                             "name": t("enterprise", lang), "index": t("index", lang),
                             **CI, "versus": t("versus_peers", lang), "p_holm": t("p_value", lang)},
            {"index": "0.0", "ci_low": "0.0", "ci_high": "0.0", "p_holm": P_FORMAT})
    if c.complaints is not None:
        add("complaints", _categories(c), {"label": t("category", lang), "complaints": t("count", lang),
                                           "share_of_complaints": t("share_complaints", lang)},
            {"share_of_complaints": PERCENT})
    if not c.topics.empty:  # rule 6: no count or share below min_cell, as in the report
        small = c.topics["n"].map(lambda n: wording.suppressed(n, c))
        add("topics", c.topics.assign(n=c.topics["n"].astype(object).mask(small), share=c.topics["share"].mask(small)),
            {"label": t("topic_terms", lang), "n": t("topic_own", lang), "share": t("topic_own_share", lang),
             "study_share": t("topic_study_share", lang)}, {"share": PERCENT, "study_share": PERCENT})
    if c.verbatims is not None:
        add("verbatims", c.verbatims, {"label": t("category", lang), "text": t("verbatim", lang)})
    if c.rubric is not None:
        add("rubric", _rubric(c), dict(zip(["text", "applicable", "earned", "deduction", "evidence"],
                                           h("audit_item", "full_points", "earned", "lost", "evidence"))),
            dict.fromkeys(("applicable", "earned", "deduction"), "0.0"))
    if c.award is not None:
        criteria = c.award[1]
        add("award", criteria.assign(source=[t(f"source_{s}", lang) if s in ("survey", "records") else s
                                             for s in criteria["source"]]),
            {f"label_{lang}": t("measure", lang), "value": t("value", lang), "threshold": t("requirement", lang),
             "passed": t("met", lang), f"reason_{lang}": t("note", lang), "source": t("data_source", lang)},
            {"value": "0.000"})
    return sheets


def _sample(c: EnterpriseContent) -> pd.DataFrame:
    """The sampling chapter's figures: served, planned, contacted, read, excluded, analysed, missing values."""
    lang, ledger, e = c.lang, c.ledger, c.enterprise
    rows = [(t("served_customers", lang), e.served_customers), (t("planned", lang), c.plan.n if c.plan else None),
            (t("contacted", lang), e.contacted), (t("completed", lang), int(ledger["read"])),
            (t("excluded", lang), int(ledger["excluded"])), (t("analysed", lang), int(ledger["analysed"])),
            (t("missing_values", lang), c.missing_values)]
    return pd.DataFrame([r for r in rows if r[1] is not None], columns=["measure", "value"])


def _rates(c: EnterpriseContent) -> pd.DataFrame:
    d = c.rates[c.rates["level"] == "construct"] if len(c.rates) else c.rates
    if not len(d):
        return d
    wide = d.pivot(index="construct", columns="category", values="rate").reindex(c.fit.model.constructs)
    return wide.reset_index().assign(label=lambda x: x["construct"].map(c.directed_label))


def _segments(c: EnterpriseContent) -> pd.DataFrame:
    """Segments as the report shows them: a suppressed one (below min_cell) without numbers, no interval below
    min_n."""
    seg, report = c.segments, c.study.report
    if seg.empty:
        return seg
    marker = t("suppressed", c.lang, min_cell=report.min_cell)
    hidden = seg["suppressed"].astype(bool)
    untested = hidden | ~(report.inferential(seg["n"]) & wording.inferential(c))
    return seg.assign(level_label=[f"{label} {marker}" if s else label for label, s in zip(seg["level_label"], hidden)],
                      index=seg["index"].mask(hidden), n=seg["n"].astype(object).mask(hidden),
                      ci_low=seg["ci_low"].mask(untested), ci_high=seg["ci_high"].mask(untested))


def _categories(c: EnterpriseContent) -> pd.DataFrame:
    """Complaint categories with complaints; counts below min_cell withheld (the category named, no number)."""
    min_cell = c.study.report.min_cell
    cats = c.complaints["categories"]
    cats = cats[cats["complaints"] > 0]
    small = cats["complaints"] < min_cell
    marker = t("suppressed", c.lang, min_cell=min_cell)
    return cats.assign(label=[f"{label} {marker}" if s else label for label, s in zip(cats[f"label_{c.lang}"], small)],
                       complaints=cats["complaints"].astype(object).mask(small),
                       share_of_complaints=cats["share_of_complaints"].mask(small))


def _rubric(c: EnterpriseContent) -> pd.DataFrame:
    """Every certification item with its points and, where it lost points, the evidence (the report lists the
    items that lost most)."""
    lang, items = c.lang, c.rubric.items
    texts = {i.id: i.text.get(lang) or i.text.get("en") or i.id for i in c.rubric.rubric.items}

    return items.assign(text=[f"{i} {texts.get(i, i)}" for i in items["item"]],
                        evidence=[wording.evidence(r, lang) if r.deduction > 1e-9 else None for r in items.itertuples()])
