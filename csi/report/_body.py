"""Report sections, back half: results, drivers and priorities, benchmark, dissatisfaction and
complaints, conclusions and recommendations (rule-based, from the numbers), appendix.
Every data-derived text is escaped.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from csi.report import _charts as charts
from csi.report import _facts as facts
from csi.report._content import BOOTSTRAP, EnterpriseContent
from csi.report._facts import MIN_SEGMENT_N
from csi.report._front import change_sentence, h2
from csi.report._i18n import join, lines, number, percent, pvalue, t
from csi.report._render import Html, table

CATEGORIES = ("satisfied", "acceptable", "dissatisfied")


def _pct(value, lang):
    return percent(value, lang)


def results(c: EnterpriseContent) -> Html:
    """Overall index, dimension and item scores, satisfaction rates, segments and the trend."""
    lang = c.lang
    dims = table(c.dimensions, {"label": t("dimension", lang), "index": t("this_enterprise", lang),
                                "ci_low": "CI −", "ci_high": "CI +",
                                "industry_index": t(f"benchmark_{c.study.benchmark}", lang)},
                 lang)
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
    lang, seg = c.lang, c.segments
    if seg.empty:
        return ""
    seg = seg.assign(level_label=[f"{r.level_label}{' *' if r.small else ''}" for r in seg.itertuples()])
    html = table(seg, {"variable_label": t("variable", lang), "level_label": t("segment", lang),
                       "index": t("index", lang), "ci_low": "CI −", "ci_high": "CI +", "n": "n"}, lang,
                 group="variable_label")
    return (f'<h3>{escape(t("segments_title", lang))}</h3>{html}'
            f'<p class="csi-note">{escape(t("segments_note", lang, n=MIN_SEGMENT_N))}</p>')


def _trend(c: EnterpriseContent) -> str:
    lang = c.lang
    if c.change is None:
        return f'<h3>{escape(t("trend_title", lang))}</h3><p>{escape(t("summary_no_previous", lang))}</p>'
    frame = c.change.assign(label=c.change["construct"].map(c.label))
    html = table(frame, {"label": t("dimension", lang), "previous_index": t("previous_wave", lang),
                         "index": t("current_wave", lang), "change": t("change", lang), "ci_low": "CI −",
                         "ci_high": "CI +", "p_value": t("p_value", lang)}, lang,
                 formats={"p_value": pvalue, "change": lambda v, g: number(v, g, signed=True)})
    chart = charts.figure(charts.trend_chart(c), alt=t("trend_chart", lang)).html
    return (f'<h3>{escape(t("trend_title", lang))}</h3><p>{escape(change_sentence(c))}</p>{html}'
            f'<p class="csi-note">{escape(t("change_note", lang))}</p>{chart}')


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
                    "importance": t("importance", lang)}, lang, {"importance": 3}, formats={"dissatisfied": _pct})
    lower = [c.label(x) for x in c.ipma["construct"] if c.fit.model.direction(x) < 0]
    note = f'<p class="csi-note">{escape(t("ipma_reversed", lang, labels=join(lower, lang)))}</p>' if lower else ""
    return Html(f'{h2("h_drivers", lang)}<p>{escape(t("ipma_intro", lang))}</p>{chart}{ipma}{note}'
                f'<h3>{escape(t("drivers_title", lang))}</h3>{drv}'
                f'<p class="csi-note">{escape(t("drivers_note", lang))}</p>')


def benchmark(c: EnterpriseContent) -> Html:
    """League position in the industry with CIs and the peer comparison."""
    lang = c.lang
    chart = charts.figure(charts.index_ci_chart(c), alt=t("index_ci_chart", lang)).html
    frame = c.peers.assign(versus=[t(f"vs_{v}", lang) for v in c.peers["versus_industry"]],
                           name=[f"▶ {n}" if s else n for n, s in zip(c.peers["name"], c.peers["self"])])
    html = table(frame, {"rank_in_group": t("rank", lang), "name": t("enterprise", lang), "index": t("index", lang),
                         "ci_low": "CI −", "ci_high": "CI +", "versus": t("versus_peers", lang),
                         "p_holm": t("p_value", lang)}, lang, formats={"p_holm": pvalue})
    note = t("benchmark_note", lang, definition=t(f"benchmark_{c.study.benchmark}", lang))
    return Html(f'{h2("h_benchmark", lang)}<p>{escape(note)}</p>{chart}{html}')


def complaints(c: EnterpriseContent) -> Html:
    """Complaint incidence, handling satisfaction, categories and anonymised verbatims."""
    lang = c.lang
    head = h2("h_complaints", lang)
    if c.complaints is None:
        return Html(f'{head}<p>{escape(t("no_keywords", lang))}</p>')
    inc = c.complaints["incidence"].iloc[0]
    parts = [t("incidence", lang, k=int(inc["complaints"]), n=int(inc["n"]), rate=percent(inc["rate"], lang),
               lo=percent(inc["ci_low"], lang), hi=percent(inc["ci_high"], lang))]
    if "handling" in c.complaints:
        h = c.complaints["handling"].set_index("group")
        parts.append(t("handling", lang, item=h.loc["complainants", "item"], rate=percent(h.loc["complainants", "rate"], lang),
                       n=int(h.loc["complainants", "n"]), lo=percent(h.loc["complainants", "ci_low"], lang),
                       hi=percent(h.loc["complainants", "ci_high"], lang), all_rate=percent(h.loc["all", "rate"], lang)))
    cats = c.complaints["categories"]
    cats = cats[cats["count"] > 0].assign(label=lambda x: x[f"label_{lang}"])
    html = table(cats, {"label": t("category", lang), "count": t("count", lang),
                        "share_of_complaints": t("share_complaints", lang)}, lang,
                 formats={"share_of_complaints": _pct}) if len(cats) else f'<p>{escape(t("no_complaints", lang))}</p>'
    verb = ""
    if c.verbatims is not None and len(c.verbatims):
        items = "".join(f"<li><span class='csi-tag'>{escape(r.label)}</span> {escape(r.text)}</li>"
                        for r in c.verbatims.itertuples())
        verb = f'<h3>{escape(t("verbatims", lang))}</h3><ul class="csi-verbatims">{items}</ul>'
    return Html(head + "".join(f"<p>{escape(p)}</p>" for p in parts) + html + verb)


def conclusions(c: EnterpriseContent) -> Html:
    lang = c.lang
    found = "".join(f"<li>{escape(s)}</li>" for s in conclusion_sentences(c))
    advice = "".join(f"<li>{escape(s)}</li>" for s in recommendation_sentences(c))
    return Html(f'{h2("h_conclusions", lang)}<h3>{escape(t("conclusions", lang))}</h3><ol>{found}</ol>'
                f'<h3>{escape(t("recommendations", lang))}</h3><ol>{advice}</ol>')


def conclusion_sentences(c: EnterpriseContent) -> list[str]:
    """Findings in words, each from a number in the report."""
    from csi.report._front import summary_sentences, verdict_sentences

    lang = c.lang
    out = summary_sentences(c)
    gaps = [f"{r.label}（{number(r.gap, lang, signed=True)}）" if lang == "zh" else
            f"{r.label} ({number(r.gap, lang, signed=True)})" for r in c.strengths.itertuples()]
    if gaps:
        out.append(t("c_strengths", lang, items=join(gaps, lang)))
    weak = [f"{r.label}（{number(r.gap, lang, signed=True)}）" if lang == "zh" else
            f"{r.label} ({number(r.gap, lang, signed=True)})" for r in c.weaknesses.itertuples()]
    if weak:
        out.append(t("c_weaknesses", lang, items=join(weak, lang)))
    if len(c.drivers):
        top = c.drivers.iloc[0]
        out.append(t("c_driver", lang, item=top["item"], rate=percent(top["dissatisfied"], lang),
                     text=c.study.questionnaire.item(top["item"]).text.get(lang, top["item"])))
    if c.complaints is not None:
        cats = c.complaints["categories"]
        cats = cats[(cats["count"] > 0) & (cats["category"] != "other")].head(3)
        if len(cats):
            out.append(t("c_complaints", lang, cats=join([f"“{x}”" for x in cats[f"label_{lang}"]], lang)))
    return out + verdict_sentences(c)


def recommendation_sentences(c: EnterpriseContent) -> list[str]:
    """Recommendations by rule: IPMA quadrants, complaint categories and handling, decline, award gaps."""
    lang, out = c.lang, []
    for row in c.ipma.itertuples():
        if row.quadrant == "concentrate":
            items = c.items[c.items["construct"] == row.construct]
            low = items.loc[(items["score"] * c.fit.model.direction(row.construct)).idxmin()]  # the least favourable
            out.append(t("r_concentrate", lang, label=row.label, importance=number(row.importance, lang, 3),
                         performance=number(row.performance, lang), item=low["text"], score=number(low["score"], lang)))
    if c.change is not None:
        row = c.change.set_index("construct").loc[c.target]
        if row["verdict"] == "worse":
            out.append(t("r_decline", lang, change=number(row["change"], lang, signed=True)))
    if c.complaints is not None:
        cats = c.complaints["categories"]
        cats = cats[(cats["count"] > 0) & (cats["category"] != "other")]
        if len(cats):
            top = cats.iloc[0]
            out.append(t("r_complaint", lang, category=top[f"label_{lang}"], share=percent(top["share_of_complaints"], lang)))
        handling = c.complaints.get("handling")
        if handling is not None:
            rate = handling.set_index("group").loc["complainants", "rate"]
            if pd.notna(rate) and rate < 0.8:
                out.append(t("r_handling", lang, rate=percent(rate, lang)))
    if c.award is not None and not c.award[0]["eligible"]:
        failed = c.award[1][~c.award[1]["passed"]]
        out.append(t("r_award", lang, award=c.award_title, reasons=join(list(failed[f"label_{lang}"]), lang)))
    for row in c.ipma.itertuples():
        if row.quadrant == "low_priority":
            out.append(t("r_low_priority", lang, label=row.label, performance=number(row.performance, lang)))
    keep = c.ipma[c.ipma["quadrant"] == "keep_up"]
    if len(keep):
        best = keep.sort_values("performance", ascending=False).iloc[0]
        out.append(t("r_keep", lang, label=best["label"], index=number(best["performance"], lang)))
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
    formulas = "".join(f"<li>{escape(x)}</li>" for x in lines("formulas", lang))
    settings, study = c.study.model, c.study
    weighting = study.weighting.method if study.weighting.method == "none" else \
        f"rake ({', '.join(study.weighting.variables)}; {study.weighting.source})"
    params = [(t("csi_version", lang), c.csi_version), (t("seed", lang), str(study.seed)),
              (t("model_spec", lang), f"{settings.target}; scheme = {settings.scheme}; missing = {settings.missing}"),
              (t("estimation", lang), f"{settings.estimation} ({settings.pool_by}), n = {c.fit.n:,}"),
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
                f'<pre class="csi-syntax">{syntax}</pre>'
                f'<h3>{escape(t("provenance_title", lang))}</h3>{ptable}{hashes}')
