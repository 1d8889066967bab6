"""Report sections, back half: results, drivers and priorities, benchmark, dissatisfaction and
complaints, conclusions and recommendations (rule-based, from the numbers), appendix.
Every data-derived text is escaped.
"""

from __future__ import annotations

import math
from html import escape

import pandas as pd

from csi.indices._dissatisfaction import text_language
from csi.report import _charts as charts
from csi.report import _facts as facts
from csi.report import _wording as wording
from csi.report._content import BOOTSTRAP, EnterpriseContent
from csi.report._facts import MIN_SEGMENT_N
from csi.report._front import change_sentence
from csi.report._headings import h2
from csi.report._i18n import join, join_sentences, lines, number, percent, pvalue, t
from csi.report._render import Html, table

CATEGORIES = ("satisfied", "acceptable", "dissatisfied")


def _pct(value, lang):
    return percent(value, lang)


def results(c: EnterpriseContent) -> Html:
    """Overall index, dimension and item scores, satisfaction rates, segments and the trend."""
    lang = c.lang
    columns = {"label": t("dimension", lang), "index": t("this_enterprise", lang),
               **({"ci_low": "CI −", "ci_high": "CI +"} if wording.inferential(c) else {}),
               "industry_index": t(f"benchmark_{c.study.benchmark}", lang), "gap": t("difference", lang),
               "versus": t("versus_peers", lang)}
    dims = table(c.dimensions.assign(versus=[wording.verdict_word(c, v) for v in c.dimensions["verdict"]]), columns,
                 lang, formats={"gap": lambda v, g: number(v, g, signed=True)})
    notes = "".join(f'<p class="csi-note">{escape(t("negative_weight", lang, construct=row.label))}</p>'
                    for row in c.dimensions.itertuples() if row.negative_weights)
    chart = charts.figure(charts.dimension_chart(c), alt=t("chart_title", lang)).html
    frame = c.items.assign(construct=[c.label(x) for x in c.items["construct"]])
    items = table(frame, {"construct": t("dimension", lang), "item": t("item", lang), "text": t("question", lang),
                          "mean": t("mean", lang), "score": t("score", lang)}, lang, {"mean": 2}, group="construct")
    return Html(f'{h2("h_results", lang)}<h3>{escape(t("overall_title", lang))}</h3>'
                f'<p>{escape(_overall(c))}</p><h3>{escape(t("dimensions", lang))}</h3>{dims}{notes}{chart}'
                f'<h3>{escape(t("items", lang))}</h3>{items}{_rates(c)}{_segments(c)}{_trend(c)}')


def _overall(c: EnterpriseContent) -> str:
    _se, lo, hi = c.index_ci
    lang = c.lang
    ci = f"{t('ci95', lang)} {number(lo, lang)}–{number(hi, lang)}"
    if lang == "zh":
        return (f"{t('index_label', lang)}：{number(c.index, lang)}（{ci}）；"
                f"{t(f'benchmark_{c.study.benchmark}', lang)}：{number(c.industry_index, lang)}")
    return f"{t('index_label', lang)}: {number(c.index, lang)} ({ci}); " \
           f"{t(f'benchmark_{c.study.benchmark}', lang)}: {number(c.industry_index, lang)}"


def _rates(c: EnterpriseContent) -> str:
    lang = c.lang
    d = c.rates[c.rates["level"] == "construct"]
    wide = d.pivot(index="construct", columns="category", values="rate").reindex(c.fit.model.constructs)
    wide = wide.reset_index().assign(label=lambda x: x["construct"].map(c.directed_label))
    method = t("rates_linearization" if c.weighted else "rates_wilson", lang)
    html = table(wide, {"label": t("dimension", lang), **{k: t(k, lang) for k in CATEGORIES}}, lang,
                 formats={k: _pct for k in CATEGORIES})
    classes = facts.class_ranges(c.fit)
    lower = [c.label(x) for x in c.fit.model.lower_is_better]
    reversed_ = t("rates_reversed", lang, labels=join(lower, lang), **facts.class_ranges(c.fit, mirrored=True)) \
        if lower else ""
    note = t("rates_note", lang, method=method, reversed=reversed_, **classes)
    return f'<h3>{escape(t("rates_title", lang))}</h3>{html}<p class="csi-note">{escape(note)}</p>'


def _segments(c: EnterpriseContent) -> str:
    """The index by segment; a segment below ``[report] min_cell`` shows only the suppression marker."""
    lang, seg = c.lang, c.segments
    if seg.empty:
        return ""
    marker = t("suppressed", lang, min_cell=c.study.report.min_cell)
    inference = wording.inferential(c)

    def cell(r, key: str) -> str:
        if r.suppressed:
            return marker if key == "index" else ""
        if key == "n":
            return f"{int(r.n):,}"
        tested = inference and r.n >= c.study.report.min_n  # rule 2 holds for a segment too
        return number(getattr(r, key), lang) if key == "index" or tested else ""
    seg = seg.assign(level_label=[f"{r.level_label}{' *' if r.small and not r.suppressed else ''}"
                                  for r in seg.itertuples()],
                     **{k: [cell(r, k) for r in seg.itertuples()] for k in ("index", "ci_low", "ci_high", "n")})
    columns = {"variable_label": t("variable", lang), "level_label": t("segment", lang), "index": t("index", lang),
               **({"ci_low": "CI −", "ci_high": "CI +"} if inference else {}), "n": "n"}
    html = table(seg, columns, lang, group="variable_label", numeric=("index", "ci_low", "ci_high", "n"))
    notes = join_sentences([t("segments_note", lang, n=MIN_SEGMENT_N, min_n=c.study.report.min_n),
                            t("suppressed_note", lang, min_cell=c.study.report.min_cell)], lang)
    return f'<h3>{escape(t("segments_title", lang))}</h3>{html}<p class="csi-note">{escape(notes)}</p>'


def _trend(c: EnterpriseContent) -> str:
    lang = c.lang
    if c.change is None:
        return f'<h3>{escape(t("trend_title", lang))}</h3><p>{escape(t("summary_no_previous", lang))}</p>'
    frame = c.change.assign(label=c.change["construct"].map(c.label))
    tested = bool((frame["verdict"] != "not tested").any())  # rule 2: no interval or p below min_n
    html = table(frame, {"label": t("dimension", lang), "previous_index": t("previous_wave", lang),
                         "index": t("current_wave", lang), "change": t("change", lang),
                         **({"ci_low": "CI −", "ci_high": "CI +", "p_value": t("p_value", lang)} if tested else {})},
                 lang,
                 formats={"p_value": pvalue, "change": lambda v, g: number(v, g, signed=True)})
    several = c.trend["wave"].nunique() > 2
    chart = charts.figure(charts.trend_chart(c), alt=t("trend_chart_waves" if several else "trend_chart", lang)).html
    return (f'<h3>{escape(t("trend_title", lang))}</h3><p>{escape(change_sentence(c))}</p>{html}'
            f'<p class="csi-note">{escape(t("change_note", lang))}</p>{_wave_changes(c)}{chart}')


def _wave_changes(c: EnterpriseContent) -> str:
    """The target's change from each wave to the next, when there are more than two waves ("" otherwise: the
    table above is the one change)."""
    lang = c.lang
    rows = c.wave_changes[c.wave_changes["construct"] == c.target] if len(c.wave_changes) else c.wave_changes
    if len(rows) < 2:
        return ""
    tested = rows["verdict"] != "not tested"  # rule 2: no interval, p or verdict below min_n in either wave

    def interval(r) -> str:
        return t("ci_range", lang, lo=number(r.ci_low, lang, signed=True), hi=number(r.ci_high, lang, signed=True))
    frame = rows.assign(step=[t("wave_step", lang, start=a, end=b) for a, b in zip(rows["wave_from"], rows["wave_to"])],
                        ci=[interval(r) if ok else t("na", lang) for r, ok in zip(rows.itertuples(), tested)],
                        word=[wording.change_word(c, v) for v in rows["verdict"]])
    html = table(frame, {"step": t("waves", lang), "change": t("change", lang), "ci": t("ci95", lang),
                         "p_value": t("p_value", lang), "word": t("change_verdict", lang)}, lang,
                 formats={"p_value": pvalue, "change": lambda v, g: number(v, g, signed=True)}, numeric=("ci",))
    caption = t("wave_changes_caption", lang, label=c.label(c.target))
    note = t("wave_changes_note", lang, min_n=c.study.report.min_n)
    return f'<p class="csi-caption">{escape(caption)}</p>{html}<p class="csi-note">{escape(note)}</p>'



def drivers(c: EnterpriseContent) -> Html:
    """Importance–performance map and priorities; items driving dissatisfaction."""
    lang = c.lang
    chart = charts.figure(charts.ipma_chart(c), alt=t("ipma_chart", lang)).html
    frame = c.ipma.assign(action=c.ipma[f"action_{lang}"])
    ipma = table(frame, {"priority": t("priority", lang), "label": t("dimension", lang),
                         "importance": t("importance", lang), "performance": t("performance", lang),
                         "action": t("quadrant", lang)}, lang, {"importance": 3})
    d = c.drivers.assign(text=[c.study.questionnaire.item(i).text.get(lang, i) for i in c.drivers["item"]])
    drv = table(d, {"item": t("item", lang), "text": t("question", lang), "dissatisfied": t("dissatisfied", lang),
                    "importance": t("importance", lang)}, lang, {"importance": 3}, formats={"dissatisfied": _pct}) \
        if len(d) else f'<p>{escape(t("no_drivers", lang))}</p>'

    lower = [c.label(x) for x in c.ipma["construct"] if c.fit.model.direction(x) < 0]
    note = f'<p class="csi-note">{escape(t("ipma_reversed", lang, labels=join(lower, lang)))}</p>' if lower else ""
    return Html(f'{h2("h_drivers", lang)}<p>{escape(t("ipma_intro", lang))}</p>{chart}{ipma}{note}'
                f'<h3>{escape(t("drivers_title", lang))}</h3>{drv}'
                f'<p class="csi-note">{escape(t("drivers_note", lang))}</p>')


def benchmark(c: EnterpriseContent) -> Html:
    """League position in the industry with CIs and the peer comparison."""
    lang = c.lang
    chart = charts.figure(charts.index_ci_chart(c), alt=t("index_ci_chart", lang)).html
    small = ~c.study.report.inferential(c.peers["n"])  # rule 2: no interval below min_n
    frame = c.peers.assign(ci_low=c.peers["ci_low"].mask(small), ci_high=c.peers["ci_high"].mask(small),
                           versus=[t(f"vs_{v}", lang) for v in c.peers["versus_industry"]],
                           name=[f"▶ {n}" if s else n for n, s in zip(c.peers["name"], c.peers["self"])],
                           rank_ci=wording.rank_intervals(c.peers, lang))
    html = table(frame, {"rank_in_group": t("rank", lang), "rank_ci": t("rank_ci", lang), "name": t("enterprise", lang),
                         "index": t("index", lang), "ci_low": "CI −", "ci_high": "CI +",
                         "versus": t("versus_peers", lang), "p_holm": t("p_value", lang)}, lang,
                 formats={"p_holm": pvalue}, numeric=("rank_ci",))
    note = t("benchmark_note", lang, definition=t(f"benchmark_{c.study.benchmark}", lang))
    small_area = wording.small_area_note(c)
    small_area = f'<p class="csi-note">{escape(small_area)}</p>' if small_area else ""
    return Html(f'{h2("h_benchmark", lang)}<p>{escape(note)}</p>{chart}{html}{small_area}')


def complaints(c: EnterpriseContent) -> Html:
    """Complaint incidence and handling from the survey beside the enterprise's records, categories (small
    ones suppressed) and anonymised verbatims in their original language."""
    lang = c.lang
    head = h2("h_complaints", lang)
    if c.complaints is None and c.records is None:
        return Html(f'{head}<p>{escape(t("no_keywords", lang))}</p>')
    parts = [_sources(c)]
    if c.complaints is None:
        return Html(head + "".join(parts) + f'<p>{escape(t("no_keywords", lang))}</p>' + _topics(c))
    min_cell = c.study.report.min_cell
    cats = c.complaints["categories"]
    cats = cats[cats["complaints"] > 0].assign(label=lambda x: x[f"label_{lang}"])
    marker = t("suppressed", lang, min_cell=min_cell)
    cats = cats.assign(complaints=[f"{n:,}" if n >= min_cell else marker for n in cats["complaints"]],
                       share_of_complaints=[percent(v, lang) if n >= min_cell else "" for n, v in
                                            zip(cats["complaints"], cats["share_of_complaints"])])
    html = table(cats, {"label": t("category", lang), "complaints": t("count", lang),
                        "share_of_complaints": t("share_complaints", lang)}, lang,
                 numeric=("complaints", "share_of_complaints")) if len(cats) else f'<p>{escape(t("no_complaints", lang))}</p>'
    parts.append(html)
    if len(cats):
        parts.append(f'<p class="csi-note">{escape(t("categories_note", lang, min_cell=min_cell))}</p>')
    parts.append(_topics(c))
    parts.append(_verbatims(c))
    return Html(head + "".join(parts))


def _topics(c: EnterpriseContent) -> str:
    """The study's complaint topics among the enterprise's texts (labelled by their words, in the texts'
    language), beside their share of all the study's texts; a topic with fewer than ``[report] min_cell`` of its
    texts shows no count (rule 6)."""
    if c.topics.empty:
        return ""
    lang, min_cell = c.lang, c.study.report.min_cell
    rows = []
    for r in c.topics.itertuples():
        own = text_language(r.label)
        mark = f' lang="{"zh-CN" if own == "zh" else "en"}"' if own != lang else ""
        small = wording.suppressed(r.n, c)
        rows.append(f"<tr><td><span{mark}>{escape(r.label)}</span></td>"
                    f'<td class="num">{escape(t("suppressed", lang, min_cell=min_cell) if small else f"{r.n:,}")}</td>'
                    f'<td class="num">{"" if small else escape(percent(r.share, lang))}</td>'
                    f'<td class="num">{escape(percent(r.study_share, lang))}</td></tr>')
    head = "".join(f"<th{cls}>{escape(t(key, lang))}</th>" for key, cls in
                   (("topic_terms", ""), ("topic_own", " class='num'"), ("topic_own_share", " class='num'"),
                    ("topic_study_share", " class='num'")))
    result_note = t("topics_note", lang, min_cell=min_cell)
    return (f'<h3>{escape(t("topics_title", lang))}</h3><table class="csi-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table><p class="csi-note">{escape(result_note)}</p>')


def _sources(c: EnterpriseContent) -> str:
    """Complaint volume and handling satisfaction: the enterprise's records beside the survey (rule 7)."""
    lang, min_cell = c.lang, c.study.report.min_cell
    rec = c.records or {}
    rows = []
    survey_volume = t("na", lang)
    if c.complaints is not None:
        inc = c.complaints["incidence"].iloc[0]
        survey_volume = t("survey_complaints", lang, k=int(inc["complaints"]), n=int(inc["n"]),
                          rate=percent(inc["rate"], lang))
    records_volume = t("records_complaints", lang, count=f"{int(rec['complaints_received']):,}",
                       rate=percent(rec.get("complaint_rate"), lang, 2)) if "complaints_received" in rec \
        else t("no_records", lang)
    rows.append((t("complaint_volume", lang), records_volume, survey_volume))
    survey_handling = t("na", lang)
    if c.complaints is not None and "handling" in c.complaints:
        h = c.complaints["handling"].set_index("group").loc["complainants"]
        if h["n"] < min_cell:
            survey_handling = t("survey_handling_small", lang, n=int(h["n"]), min_cell=min_cell)
        else:
            survey_handling = t("survey_handling", lang, rate=percent(h["rate"], lang), n=int(h["n"]), item=h["item"],
                                min_score=f"{math.ceil(facts.handling_min(c.study) - 1e-9):g}",
                                lo=percent(h["ci_low"], lang), hi=percent(h["ci_high"], lang))
    records_handling = t("records_handling", lang, rate=percent(rec["handling_satisfaction"], lang),
                         callbacks=f"{int(rec['callbacks']):,}", satisfied=f"{int(rec['callbacks_satisfied']):,}") \
        if "handling_satisfaction" in rec else t("no_records", lang)
    rows.append((t("handling_rate", lang), records_handling, survey_handling))
    frame = pd.DataFrame(rows, columns=["measure", "records", "survey"])
    html = table(frame, {"measure": t("measure", lang), "records": t("source_records", lang),
                         "survey": t("source_survey", lang)}, lang)
    return f'{html}<p class="csi-note">{escape(t("sources_note", lang))}</p>'


def _verbatims(c: EnterpriseContent) -> str:
    lang, min_cell = c.lang, c.study.report.min_cell
    title = f'<h3>{escape(t("verbatims", lang))}</h3>'
    if c.verbatims is None or not len(c.verbatims):
        return title + f'<p>{escape(t("verbatims_withheld", lang, min_cell=min_cell))}</p>'
    items = []
    for r in c.verbatims.itertuples():
        own = text_language(r.text)
        mark = f' lang="{"zh-CN" if own == "zh" else "en"}"' if own != lang else ""
        original = f'<span class="csi-tag">{escape(t("original_language", lang))}</span> ' if own != lang else ""
        items.append(f"<li><span class='csi-tag'>{escape(r.label)}</span> {original}<q{mark}>{escape(r.text)}</q></li>")
    return (title + f'<ul class="csi-verbatims">{"".join(items)}</ul>'
            f'<p class="csi-note">{escape(t("verbatims_rule", lang, min_cell=min_cell))}</p>')


def conclusions(c: EnterpriseContent) -> Html:
    lang = c.lang
    found = "".join(f"<li>{escape(s)}</li>" for s in conclusion_sentences(c))
    advice = "".join(f"<li>{escape(s)}</li>" for s in recommendation_sentences(c))
    return Html(f'{h2("h_conclusions", lang)}<h3>{escape(t("conclusions", lang))}</h3><ol>{found}</ol>'
                f'<h3>{escape(t("recommendations", lang))}</h3><ol>{advice}</ol>')


def conclusion_sentences(c: EnterpriseContent) -> list[str]:
    """Findings in words, each from a number in the report, by the rules of :mod:`csi.report._wording`."""
    from csi.report._front import summary_sentences, verdict_sentences

    lang = c.lang
    out = summary_sentences(c)

    def listed(frame: pd.DataFrame) -> str:
        return join([f"{r.label}（{number(r.gap, lang, signed=True)}）" if lang == "zh" else
                     f"{r.label} ({number(r.gap, lang, signed=True)})" for r in frame.itertuples()], lang)
    if len(c.strengths):
        out.append(t("c_strengths", lang, items=listed(c.strengths)))
    if len(c.weaknesses):
        out.append(t("c_weaknesses", lang, items=listed(c.weaknesses)))
    if not len(c.strengths) and not len(c.weaknesses) and wording.inferential(c) and len(c.peers) > 1:
        out.append(t("c_no_difference", lang))
    if len(c.drivers):
        top = c.drivers.iloc[0]
        out.append(t("c_driver", lang, item=top["item"], rate=percent(top["dissatisfied"], lang),
                     importance=number(top["importance"], lang, 3),
                     text=c.study.questionnaire.item(top["item"]).text.get(lang, top["item"])))
    cats = _named_categories(c)
    if len(cats):
        out.append(t("c_complaints", lang, cats=join([f"“{x}”" for x in cats[f"label_{lang}"].head(3)], lang)))
    return out + verdict_sentences(c)


def _named_categories(c: EnterpriseContent) -> pd.DataFrame:
    """Complaint categories a sentence may name: not "other", at least ``[report] min_cell`` complaints."""
    if c.complaints is None:
        return pd.DataFrame(columns=["category", "complaints", "label_zh", "label_en", "share_of_complaints"])
    cats = c.complaints["categories"]
    return cats[(cats["complaints"] >= c.study.report.min_cell) & (cats["category"] != "other")]


def recommendation_sentences(c: EnterpriseContent) -> list[str]:
    """Recommendations by rule: the action page's priorities, the other weaknesses, a significant decline, complaint categories
    and handling (each naming its source, only where the source has data), award criteria, strengths."""
    lang, out = c.lang, []
    priorities = wording.priorities(c)
    for row in priorities.itertuples():
        items = c.items[c.items["construct"] == row.construct]
        low = items.loc[(items["score"] * c.fit.model.direction(row.construct)).idxmin()]  # the least favourable
        key = "r_priority_lower" if c.fit.model.direction(row.construct) < 0 else "r_priority"
        out.append(t(key, lang, label=row.label, index=number(row.index, lang), points=number(row.shortfall, lang),
                     goal=number(wording.goal(c), lang, 0), importance=number(row.importance, lang, 3),
                     item=low["text"], score=number(low["score"], lang)))
    for row in c.weaknesses[~c.weaknesses["construct"].isin(priorities["construct"])].itertuples():
        out.append(t("r_weakness", lang, label=row.label, index=number(row.index, lang),
                     gap=number(row.gap, lang, signed=True)))  # a weakness outside the priorities is still named
    if c.change is not None:
        row = c.change.set_index("construct").loc[c.target]
        if row["verdict"] == "worse":
            out.append(t("r_decline", lang, change=number(abs(row["change"]), lang)))
    cats = _named_categories(c)
    if len(cats):
        top = cats.iloc[0]
        out.append(t("r_complaint", lang, category=top[f"label_{lang}"], count=int(top["complaints"]),
                     share=percent(top["share_of_complaints"], lang)))
    out += _handling_advice(c)
    if c.award is not None and not c.award[0]["eligible"]:
        failed = c.award[1][~c.award[1]["passed"]]
        measured = failed[failed["value"].notna()]
        missing = failed[failed["value"].isna()]
        if len(measured):
            out.append(t("r_award", lang, award=c.award_title, reasons=join(list(measured[f"label_{lang}"]), lang)))
        if len(missing):
            out.append(t("r_award_data", lang, award=c.award_title, items=join(list(missing[f"label_{lang}"]), lang)))
    for row in c.strengths.itertuples():
        declined = c.change is not None and \
            (c.change.set_index("construct")["verdict"].get(row.construct) == "worse")
        if not declined:
            out.append(t("r_keep", lang, label=row.label, index=number(row.index, lang),
                         gap=number(row.gap, lang, signed=True)))
    return out


def _handling_advice(c: EnterpriseContent) -> list[str]:
    """Complaint handling below 80 % satisfied, from the survey (enough complainants) or the records."""
    lang, out = c.lang, []
    rec = c.records or {}
    if "handling_satisfaction" in rec and rec["handling_satisfaction"] < 0.8:
        out.append(t("r_handling", lang, rate=percent(rec["handling_satisfaction"], lang),
                     source=wording.source_in_text("records", lang)))
    handling = c.complaints.get("handling") if c.complaints is not None else None
    if handling is not None:
        h = handling.set_index("group").loc["complainants"]
        if h["n"] >= c.study.report.min_n and pd.notna(h["rate"]) and h["ci_high"] < 0.8:
            out.append(t("r_handling", lang, rate=percent(h["rate"], lang),
                         source=wording.source_in_text("survey", lang)))
    return out


def appendix(c: EnterpriseContent) -> Html:
    """Questionnaire items, method with formulas, and provenance (hashes, version, parameters, seed)."""
    lang, q = c.lang, c.study.questionnaire
    items = pd.DataFrame([{"construct": q.construct_label(i.construct, lang), "item": i.id,
                           "text": i.text.get(lang, i.id) + (f" ({t('reverse', lang)})" if i.reverse else ""),
                           "scale": f"{i.scale[0]:g}–{i.scale[1]:g}"} for i in q.items])
    qtable = table(items, {"construct": t("dimension", lang), "item": t("item", lang), "text": t("question", lang),
                           "scale": t("scale", lang)}, lang,
                   group="construct")
    steps = list(lines("formulas", lang))
    if c.imputation is not None and c.imputation.n_missing:  # the indices' CIs and tests are Rubin's, not n − 1's
        steps.insert(4, t("formula_mi", lang, m=c.imputation.m))
    formulas = "".join(f"<li>{escape(x)}</li>" for x in steps)
    settings, study = c.study.model, c.study
    labels = {v.id: v.label.get(lang, v.id) for v in q.demographics}
    weighting = t("weighting_none_short", lang) if study.weighting.method == "none" else \
        t("weighting_rake_short", lang, variables=join([labels.get(v, v) for v in study.weighting.variables], lang))
    params = [(t("csi_version", lang), c.csi_version), (t("seed", lang), str(study.seed)),
              (t("model_spec", lang), t("model_spec_value", lang, target=c.label(settings.target),
                                        scheme=t(f"scheme_{settings.scheme}", lang),
                                        missing=t(f"missing_{settings.missing}", lang,
                                                  m=settings.imputations))),
              (t("estimation", lang), t(f"estimation_{settings.estimation}", lang, pool=t(f"pool_{c.pool}", lang),
                                        n=f"{c.fit.n:,}")),
              (t("weighting_method", lang), weighting),
              (t("bootstrap_n", lang), f"{BOOTSTRAP:,}"),
              (t("bootstrap_design", lang), "; ".join(
                  [t(f"design_{k}", lang, column=v) for k, v in (("strata", study.strata), ("cluster", study.cluster))
                   if v] or [t("design_simple", lang)])),
              (t("report_number", lang), c.report_number)]
    ptable = table(pd.DataFrame(params, columns=["k", "v"]), {"k": t("parameter", lang), "v": t("value", lang)}, lang)
    hashes = table(pd.DataFrame(sorted(c.hashes.items()), columns=["file", "sha"]),
                   {"file": t("file", lang), "sha": t("sha256", lang)}, lang, css="csi-hashes", breaks={"sha": 16})
    syntax = escape(settings.model.to_syntax())
    return Html(f'{h2("h_appendix", lang)}<h3>{escape(t("questionnaire_title", lang))}</h3>{qtable}'
                f'<h3>{escape(t("method_title", lang))}</h3><ol class="csi-formulas">{formulas}</ol>'
                f'<p class="csi-note">{escape(t("syntax_caption", lang))}</p><pre class="csi-syntax">{syntax}</pre>'
                f'<h3>{escape(t("provenance_title", lang))}</h3>{ptable}{hashes}')
