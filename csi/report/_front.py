"""Report sections, front half: cover and statement, contents, summary, background, model and
indicator system, sampling and fieldwork. Every data-derived text is escaped (``html.escape``).
"""

from __future__ import annotations

from html import escape

import pandas as pd

from csi.report import _charts as charts
from csi.report._content import EnterpriseContent
from csi.report._i18n import date_text, join, number, p_phrase, percent, pvalue, t
from csi.report._render import Html, table

SECTIONS = ("summary", "h_background", "h_model", "h_sampling", "h_reliability", "h_results", "h_drivers",
            "h_benchmark", "h_complaints", "h_conclusions", "h_appendix")


def h2(key: str, lang: str) -> str:
    return f'<h2 id="csi-{key.removeprefix("h_")}">{escape(t(key, lang))}</h2>'


def cover(c: EnterpriseContent) -> Html:
    """Cover: study, enterprise, report number, evaluator, period, date, the independence statement; then the
    web contents list (in the same cell, so the hidden list leaves no blank page in the PDF)."""
    lang, study = c.lang, c.study
    meta = [
        (t("report_number", lang), c.report_number),
        (t("enterprise", lang), c.enterprise.label(lang)),
        (t("industry", lang), study.industry_label(c.enterprise.industry, lang)),
        (t("evaluator", lang), study.evaluator.get(lang, "")),
        (t("period", lang), study.period),
        (t("report_date", lang), date_text(c.report_date, lang)),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in meta if v)
    statement = study.report.independence.get(lang, "")
    statement_html = (f'<div class="csi-statement"><h3>{escape(t("statement_title", lang))}</h3>'
                      f'<p>{escape(statement)}</p></div>') if statement else ""
    return Html(f'<section class="csi-cover"><p class="csi-study">{escape(study.title.get(lang, ""))}</p>'
                f'<h1>{escape(c.enterprise.label(lang))}</h1><h2>{escape(t("report_title", lang))}</h2>'
                f'<table class="csi-meta">{rows}</table>{statement_html}</section>{contents(c).html}')


def contents(c: EnterpriseContent) -> Html:
    """An anchor list for the web page; the PDF builds its own contents page with page numbers."""
    entries = "".join(f'<li><a href="#csi-{k.removeprefix("h_")}">{escape(t(k, c.lang))}</a></li>' for k in SECTIONS)
    return Html(f'<nav class="csi-contents csi-no-toc" aria-label="{escape(t("contents", c.lang))}">'
                f'<h2>{escape(t("contents", c.lang))}</h2><ol>{entries}</ol></nav>')


def summary(c: EnterpriseContent) -> Html:
    """Headline tiles and the summary in words: index with CI and grade, rank, change, strengths, verdict."""
    lang = c.lang
    _se, lo, hi = c.index_ci
    grade = c.grade.label.get(lang, "") if c.grade else ""
    rank = c.league
    tiles = [
        (t("index_label", lang), number(c.index, lang), f"{t('ci95', lang)} {number(lo, lang)}–{number(hi, lang)}",
         "csi-headline"),
        (t("grade", lang), grade or t("na", lang), "", ""),
        (t("stars", lang), _stars_text(c), _points(c), ""),
        (t("rank", lang), t("rank_value", lang, rank=int(rank["rank_in_group"]), of=len(c.peers))
         if rank is not None else t("na", lang), c.study.industry_label(c.enterprise.industry, lang), ""),
        (t("change", lang), number(None if c.previous_index is None else c.index - c.previous_index, lang,
                                   signed=True), t("previous_wave", lang) + " " + number(c.previous_index, lang), ""),
        (t("respondents", lang), f"{int(c.ledger['analysed']):,}", "", ""),
    ]
    html = "".join(f'<div class="csi-tile {cls}"><div class="csi-value">{escape(v)}</div>'
                   f'<div class="csi-label">{escape(k)}</div><div class="csi-sub">{escape(sub)}</div></div>'
                   for k, v, sub, cls in tiles)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in summary_sentences(c))
    sw = (f'<div class="csi-pair"><div><h3>{escape(t("strengths", lang))}</h3><ul>{_gaps(c, c.strengths, "no_strengths")}</ul></div>'
          f'<div><h3>{escape(t("weaknesses", lang))}</h3><ul>{_gaps(c, c.weaknesses, "no_weaknesses")}</ul></div></div>')
    verdict = "".join(f"<li>{escape(v)}</li>" for v in verdict_sentences(c))
    problems = "".join(f'<p class="csi-warning">{escape(t("rule_problem", lang, rule=k, message=m))}</p>'
                       for k, m in c.problems)
    return Html(f'{h2("summary", lang)}{problems}<div class="csi-tiles">{html}</div>{paragraphs}{sw}'
                f'<h3>{escape(t("verdict", lang))}</h3><ul>{verdict}</ul>')


def _stars_text(c: EnterpriseContent) -> str:
    if c.rubric is None:
        return t("na", c.lang)
    stars = c.rubric.stars
    return "★" * stars if stars else c.rubric.verdict(c.lang)


def _points(c: EnterpriseContent) -> str:
    if c.rubric is None:
        return ""
    return f"{number(c.rubric.total, c.lang)} / {c.rubric.rubric.points:g}"


def _gaps(c: EnterpriseContent, frame: pd.DataFrame, empty: str) -> str:
    if frame.empty:  # say so, rather than an empty list under the heading
        return f"<li>{escape(t(empty, c.lang))}</li>"
    return "".join(f"<li>{escape(t('gap_vs_industry', c.lang, label=r.label, index=number(r.index, c.lang), gap=number(r.gap, c.lang, signed=True)))}</li>"
                   for r in frame.itertuples())


def summary_sentences(c: EnterpriseContent) -> list[str]:
    """The summary in words, from the numbers (templates in i18n)."""
    lang = c.lang
    _se, lo, hi = c.index_ci
    grade = t("grade_zh_en", lang, grade=c.grade.label.get(lang, "")) if c.grade else ""
    out = [t("summary_index", lang, name=c.enterprise.label(lang), index=number(c.index, lang),
             lo=number(lo, lang), hi=number(hi, lang), n=f"{int(c.ledger['analysed']):,}", grade=grade)]
    if c.league is not None:
        r = c.league
        key = {"better": "versus_better", "worse": "versus_worse", "no peers": "versus_none",
               "not tested": "versus_untested"}.get(r["versus_industry"], "versus_ns")
        versus = t(key, lang, benchmark=number(r["benchmark"], lang), diff=number(r["gap"], lang, signed=True),
                   p=p_phrase(r["p_holm"], lang))
        out.append(t("summary_rank", lang, rank=int(r["rank_in_group"]), of=len(c.peers), versus=versus,
                     industry=c.study.industry_label(c.enterprise.industry, lang)))
    out.append(change_sentence(c))
    return out


def change_sentence(c: EnterpriseContent) -> str:
    lang = c.lang
    if c.change is None:
        return t("summary_no_previous", lang)
    row = c.change.set_index("construct").loc[c.target]
    key = "summary_change_ns" if row["p_value"] >= 0.05 else \
        "summary_change_up" if row["change"] > 0 else "summary_change_down"
    value = abs(row["change"]) if key != "summary_change_ns" else row["change"]
    return t(key, lang, change=number(value, lang, signed=key == "summary_change_ns"),
             lo=number(row["ci_low"], lang, signed=True), hi=number(row["ci_high"], lang, signed=True),
             p=p_phrase(row["p_value"], lang))


def verdict_sentences(c: EnterpriseContent) -> list[str]:
    lang = c.lang
    out = []
    if c.rubric is not None:
        out.append(t("rubric_verdict", lang, title=c.rubric.rubric.title.get(lang, c.rubric.rubric.id),
                     explanation=c.rubric.explanation(lang)))
    else:
        out.append(t("no_rubric", lang))
    if c.award is not None:
        row, _criteria = c.award
        award = c.award_title
        out.append(t("award_yes", lang, award=award) if row["eligible"] else
                   t("award_no", lang, award=award, reasons=row[f"reason_{lang}"]))
    return out


def background(c: EnterpriseContent) -> Html:
    lang, study = c.lang, c.study
    text = t("background_text", lang, study=study.title.get(lang, study.id), evaluator=study.evaluator.get(lang, ""),
             period=study.period, name=c.enterprise.label(lang),
             industry=study.industry_label(c.enterprise.industry, lang))
    return Html(f'{h2("h_background", lang)}<p>{escape(text)}</p><h3>{escape(t("basis_title", lang))}</h3>'
                f'<p>{escape(t("basis_items", lang))}</p>')


def indicators(c: EnterpriseContent) -> Html:
    """The model: path diagram, path coefficients with bootstrap CIs, R², and the weighted indicator system."""
    lang = c.lang
    scales = sorted({(f"{lo:g}", f"{hi:g}") for lo, hi in (c.fit.scales[i] for i in c.fit.model.items)})
    scale = " / ".join(f"{lo}–{hi}" for lo, hi in scales)  # the items' declared scales, not a fixed 1–10
    intro = t("model_intro", lang, k=len(c.fit.model.constructs), items=len(c.fit.model.items), scale=scale)
    diagram = _path_diagram(c)
    paths = table(c.paths, {"source": t("source", lang), "target": t("target", lang),
                            "estimate": t("path_coefficient", lang), "ci_low": "CI −", "ci_high": "CI +",
                            "p_value": t("p_value", lang)}, lang, {"estimate": 3, "ci_low": 3, "ci_high": 3},
                  formats={"p_value": pvalue})
    r2 = table(c.r_squared, {"construct": t("dimension", lang), "r_squared": t("r_squared", lang)}, lang,
               {"r_squared": 3})
    frame = c.items.assign(construct=[c.label(x) for x in c.items["construct"]])
    weights = table(frame, {"construct": t("dimension", lang), "item": t("item", lang), "text": t("question", lang),
                            "item_weight": t("item_weight", lang), "loading": t("loading", lang)}, lang,
                    {"item_weight": 3, "loading": 3}, group="construct")
    n = c.boot.n_resamples if c.boot is not None else 0
    note = t("model_note", lang, pool=t(f"pool_{c.pool}", lang), n=f"{c.fit.n:,}", iterations=c.fit.iterations)
    if c.study.model.estimation == "enterprise" and c.pool != "enterprise":
        note += t("pool_fallback", lang, n=f"{int(c.ledger['analysed']):,}", min_n=c.study.model.minimum_n,
                  pool=t(f"pool_{c.pool}", lang))
    return Html(f'{h2("h_model", lang)}<p>{escape(intro)}</p>{diagram}<p class="csi-note">{escape(note)}</p>'
                f'<h3>{escape(t("path_title", lang, n=f"{n:,}"))}</h3><div class="csi-pair">{paths}{r2}</div>'
                f'<h3>{escape(t("item_weight", lang))}</h3>{weights}')


def sampling(c: EnterpriseContent) -> Html:
    """Sample plan with the census rule, achieved n, completion, exclusions by reason, weighting summary."""
    lang, ledger = c.lang, c.ledger
    rows = []
    served = c.enterprise.served_customers
    if served is not None:
        rows.append((t("served_customers", lang), f"{served:,}"))
    if c.plan is not None:
        rows.append((t("planned", lang), f"{c.plan.n:,}"))
    rows += [(t("read", lang), f"{int(ledger['read']):,}"), (t("analysed", lang), f"{int(ledger['analysed']):,}"),
             (t("excluded", lang), f"{int(ledger['excluded']):,}")]
    if c.plan is not None and c.plan.n:
        rows.append((t("achieved_rate", lang), percent(int(ledger["analysed"]) / c.plan.n, lang)))
    rows.append((t("missing_values", lang), f"{c.missing_values:,}"))
    body = "".join(f"<tr><th>{escape(k)}</th><td class='num'>{escape(v)}</td></tr>" for k, v in rows)
    plan = f'<p>{escape(c.plan.reasoning[lang])}</p>' if c.plan is not None else ""
    census = f'<p class="csi-note">{escape(t("census", lang))}</p>' if c.plan is not None and c.plan.census else ""
    channels = _channels(c)
    reasons = c.exclusions.assign(reason=[t(r, lang) for r in c.exclusions["reason"]]) if len(c.exclusions) else None
    excluded = table(reasons, {"reason": t("reason", lang), "count": t("count", lang)}, lang) if reasons is not None \
        else f'<p>{escape(t("no_exclusions", lang))}</p>'
    note = f'<p class="csi-note">{escape(t("missing_note", lang, n=f"{c.imputed_values:,}"))}</p>'
    return Html(f'{h2("h_sampling", lang)}<h3>{escape(t("sample_plan", lang))}</h3>{plan}{census}'
                f'<table class="csi-meta">{body}</table><p>{escape(channels)}</p>'
                f'<h3>{escape(t("exclusions_title", lang))}</h3>{excluded}{note}'
                f'<h3>{escape(t("weighting_title", lang))}</h3>{_weighting(c)}')


def _channels(c: EnterpriseContent) -> str:
    seg = c.segments
    if seg.empty or "channel" not in set(seg["variable"]):
        return ""
    rows = seg[seg["variable"] == "channel"]
    return t("fieldwork", c.lang, channels=join([f"{r.level_label} {r.n:,}" for r in rows.itertuples()], c.lang))


def _weighting(c: EnterpriseContent) -> str:
    lang = c.lang
    if c.weighting is None:
        return f"<p>{escape(t('weighting_none', lang))}</p>"
    w = c.weighting
    labels = list(dict.fromkeys(c.margins["variable_label"]))
    text = t("weighting_rake", lang, variables=join(labels, lang), iterations=w.iterations,
             deff=number(w.design_effect, lang, 3), neff=number(w.effective_n, lang, 1))
    margins = table(c.margins.assign(target=c.margins["target"].map(lambda v: percent(v, lang)),
                                     sample=c.margins["sample"].map(lambda v: percent(v, lang)),
                                     achieved=c.margins["achieved"].map(lambda v: percent(v, lang))),
                    {"variable_label": t("variable", lang), "level_label": t("level", lang),
                     "target": t("target_share", lang), "sample": t("sample_share", lang),
                     "achieved": t("weighted_share", lang)}, lang, group="variable_label", numeric=("target", "sample",
                                                                                                   "achieved"))
    return f"<p>{escape(text)}</p>{margins}"


_DIAGRAMS: dict[tuple, str] = {}


def _path_diagram(c) -> str:
    """The path diagram's HTML. Every enterprise of a pool shows the same one, so a warm kernel draws it
    once per pool and language (the key is everything the drawing shows)."""
    key = (c.lang, tuple(c.paths[["source_id", "target_id", "estimate"]].itertuples(index=False, name=None)),
           tuple(c.fit.r_squared[["construct", "r_squared"]].itertuples(index=False, name=None)),
           tuple(c.label(construct) for construct in c.fit.model.constructs))
    if key not in _DIAGRAMS:
        if len(_DIAGRAMS) >= 64:
            _DIAGRAMS.clear()
        _DIAGRAMS[key] = charts.figure(charts.path_diagram(c), alt=t("path_chart_title", c.lang)).html
    return _DIAGRAMS[key]

