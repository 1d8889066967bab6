"""Report sections, front half: cover and statement, contents, summary, background, model and
indicator system, sampling and fieldwork. Every data-derived text is escaped (``html.escape``).
"""

from __future__ import annotations

from html import escape

import pandas as pd

from csi.report import _charts as charts
from csi.report import _formal as formal
from csi.report import _wording as wording
from csi.report._content import EnterpriseContent
from csi.report._headings import SECTIONS, chapter_title, h2
from csi.report._i18n import date_text, join, number, p_phrase, percent, pvalue, rule_name, t
from csi.report._render import Html, table


def cover(c: EnterpriseContent) -> Html:
    """Cover: study, enterprise, report number, commissioning party (when given), evaluator, period, fieldwork
    dates, report date, the independence statement; then the web contents list (in the same cell, so the hidden
    list leaves no blank page in the PDF)."""
    lang, study = c.lang, c.study
    meta = [  # (label, HTML)
        (t("report_number", lang), escape(c.report_number)),
        (t("enterprise", lang), escape(c.enterprise.label(lang))),
        (t("industry", lang), escape(study.industry_label(c.enterprise.industry, lang))),
        (t("commissioned_by", lang), formal.local(study.commissioned_by, lang)),
        (t("evaluator", lang), formal.local(study.evaluator, lang)),
        (t("period", lang), escape(formal.period_text(c))),
        (t("fieldwork_period", lang), escape(formal.fieldwork_dates(c))),
        (t("report_date", lang), escape(date_text(c.report_date, lang))),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in meta if v)
    statement = study.report.independence.get(lang, "")
    statement_html = (f'<div class="csi-statement"><h3>{escape(t("statement_title", lang))}</h3>'
                      f'<p>{escape(statement)}</p></div>') if statement else ""
    return Html(f'<section class="csi-cover"><p class="csi-study">{escape(study.title.get(lang, ""))}</p>'
                f'<h1>{escape(c.enterprise.label(lang))}</h1><h2>{escape(t("report_title", lang))}</h2>'
                f'<table class="csi-meta">{rows}</table>{statement_html}</section>{contents(c).html}')


def contents(c: EnterpriseContent) -> Html:
    """An anchor list for the web page; the PDF builds its own contents page with page numbers."""
    entries = "".join(f'<li><a href="#csi-{k.removeprefix("h_")}">{escape(chapter_title(k, c.lang))}</a></li>'
                      for k in SECTIONS)
    return Html(f'<nav class="csi-contents csi-no-toc" aria-label="{escape(t("contents", c.lang))}">'
                f'<h2>{escape(t("contents", c.lang))}</h2><ol>{entries}</ol></nav>')


def summary(c: EnterpriseContent) -> Html:
    """Headline tiles and the summary in words: index with CI and grade, rank, change, strengths, verdict."""
    lang = c.lang
    _se, lo, hi = c.index_ci
    grade = c.grade.label.get(lang, "") if c.grade else ""
    rank = c.league
    ci = f"{t('ci95', lang)} {number(lo, lang)}–{number(hi, lang)}" if wording.inferential(c) else \
        t("no_interval", lang, n=int(c.ledger["analysed"]))
    tiles = [
        (t("index_label", lang), number(c.index, lang), ci, "csi-headline"),
        (t("grade", lang), grade or t("na", lang), "", ""),
        (t("stars", lang), _stars_text(c), _points(c), ""),
        (t("rank", lang), t("na", lang) if rank is None else t("unranked", lang) if pd.isna(rank["rank_in_group"])
         else t("rank_value", lang, rank=int(rank["rank_in_group"]), of=int(c.peers["rank_in_group"].notna().sum())),
         t("unranked_note", lang, min_n=c.study.report.min_n) if rank is not None and pd.isna(rank["rank_in_group"])
         else c.study.industry_label(c.enterprise.industry, lang), ""),
        (t("change", lang), number(None if c.previous_index is None else c.index - c.previous_index, lang,
                                   signed=True), t("previous_wave", lang) + " " + number(c.previous_index, lang), ""),
        (t("respondents", lang), f"{int(c.ledger['analysed']):,}", "", ""),
    ]
    html = "".join(f'<div class="csi-tile {cls}"><div class="csi-value">{escape(v)}</div>'
                   f'<div class="csi-label">{escape(k)}</div><div class="csi-sub">{escape(sub)}</div></div>'
                   for k, v, sub, cls in tiles)
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in summary_sentences(c))
    sw = (f'<div class="csi-pair"><div><h3>{escape(t("strengths", lang))}</h3><ul>{_gaps(c, c.strengths, "no_strengths")}</ul></div>'
          f'<div><h3>{escape(t("weaknesses", lang))}</h3><ul>{_gaps(c, c.weaknesses, "no_weaknesses")}</ul></div></div>'
          f'<p class="csi-note">{escape(t("strengths_rule", lang))}</p>')
    verdict = "".join(f"<li>{escape(v)}</li>" for v in verdict_sentences(c))
    problems = "".join(f'<p class="csi-warning">{escape(t("rule_problem", lang, rule=rule_name(k, lang), message=m))}</p>'
                       for k, m in c.problems)
    return Html(f'{h2("h_summary", lang)}{problems}<div class="csi-tiles">{html}</div>{paragraphs}{sw}'
                f'<h3>{escape(t("verdict", lang))}</h3><ul>{verdict}</ul>')


def _stars_text(c: EnterpriseContent) -> str:
    if c.rubric is None:
        return t("na", c.lang)
    stars = c.rubric.stars
    return "★" * stars if stars else c.rubric.verdict(c.lang)


def _points(c: EnterpriseContent) -> str:
    if c.rubric is None:
        return ""
    return t("points_of", c.lang, points=number(c.rubric.total, c.lang), full=f"{c.rubric.rubric.points:g}")


def _gaps(c: EnterpriseContent, frame: pd.DataFrame, empty: str) -> str:
    if frame.empty:  # say so, rather than an empty list under the heading
        return f"<li>{escape(t(empty, c.lang))}</li>"
    return "".join(f"<li>{escape(t('gap_vs_industry', c.lang, label=r.label, index=number(r.index, c.lang), gap=number(r.gap, c.lang, signed=True), p=p_phrase(r.p_holm, c.lang)))}</li>"
                   for r in frame.itertuples())


def summary_sentences(c: EnterpriseContent) -> list[str]:
    """The summary in words, from the numbers, by the rules of :mod:`csi.report._wording`."""
    lang, n = c.lang, int(c.ledger["analysed"])
    _se, lo, hi = c.index_ci
    grade = t("grade_zh_en", lang, grade=c.grade.label.get(lang, "")) + wording.grade_note(c) if c.grade else ""
    if wording.inferential(c):
        first = t("summary_index", lang, name=c.enterprise.label(lang), index=number(c.index, lang),
                  lo=number(lo, lang), hi=number(hi, lang), n=f"{n:,}", grade=grade)
    else:
        first = t("summary_index_small", lang, name=c.enterprise.label(lang), index=number(c.index, lang),
                  n=f"{n:,}", grade=grade)
    out = [first]
    if not wording.inferential(c):
        out.append(t("small_n_statement", lang, n=f"{n:,}", min_n=c.study.report.min_n))
    census = wording.census_note(c)
    if census:
        out.append(census)
    if c.league is not None:
        r = c.league
        verdict = r["versus_industry"] if wording.inferential(c) or r["versus_industry"] == "no peers" else "small n"
        key = {"better": "versus_better", "worse": "versus_worse", "no peers": "versus_none", "small n": "versus_small_n",
               "not tested": "versus_untested"}.get(verdict, "versus_ns")
        diff = number(abs(r["gap"]), lang) if verdict in ("better", "worse") else number(r["gap"], lang, signed=True)
        versus = t(key, lang, benchmark=number(r["benchmark"], lang), diff=diff,
                   p=p_phrase(r["p_holm"], lang))
        industry = c.study.industry_label(c.enterprise.industry, lang)
        if pd.isna(r["rank_in_group"]):  # rule 2: no rank below [report] min_n
            out.append(t("summary_unranked", lang, min_n=c.study.report.min_n, industry=industry, versus=versus))
        else:
            interval = wording.rank_interval(r["rank_in_group_ci_low"], r["rank_in_group_ci_high"], lang, words=True)
            out.append(t("summary_rank", lang, rank=int(r["rank_in_group"]), interval=interval,
                         of=int(c.peers["rank_in_group"].notna().sum()), versus=versus, industry=industry))
    out.append(change_sentence(c))
    return out


def change_sentence(c: EnterpriseContent) -> str:
    lang = c.lang
    if c.change is None:
        return t("summary_no_previous", lang)
    row = c.change.set_index("construct").loc[c.target]
    if row["verdict"] == "not tested":
        return t("change_untested", lang, change=number(row["change"], lang, signed=True))
    key = "summary_change_ns" if row["verdict"] == "no significant change" else \
        "summary_change_up" if row["change"] > 0 else "summary_change_down"
    value = abs(row["change"]) if key != "summary_change_ns" else row["change"]
    return t(key, lang, change=number(value, lang, signed=key == "summary_change_ns"),
             lo=number(row["ci_low"], lang, signed=True), hi=number(row["ci_high"], lang, signed=True),
             p=p_phrase(row["p_value"], lang))


def verdict_sentences(c: EnterpriseContent) -> list[str]:
    """The certification and award verdicts; each award criterion with its value, requirement and source,
    and, for a survey index near its threshold, the interval (wording rule 3)."""
    lang = c.lang
    out = []
    if c.rubric is not None:
        out.append(t("rubric_verdict", lang, title=c.rubric.rubric.title.get(lang, c.rubric.rubric.id),
                     explanation=c.rubric.explanation(lang)))
    else:
        out.append(t("no_rubric", lang))
    if c.award is not None:
        row, criteria = c.award
        if row["eligible"]:
            out.append(t("award_yes", lang, award=c.award_title))
        else:
            failed = [criterion_phrase(c, r) for r in criteria[~criteria["passed"]].itertuples()]
            out.append(t("award_no", lang, award=c.award_title, reasons=("；" if lang == "zh" else "; ").join(failed)))
    return out


def criterion_phrase(c: EnterpriseContent, r) -> str:
    """One award criterion in words: "综合满意度指数 79.5，须不低于 80.0（未达到；…无统计学差异）（本次调查）"."""
    lang = c.lang
    reason = getattr(r, f"reason_{lang}")
    note = wording.threshold_note(c, float(r.value), r.ci_low, r.ci_high, r.limit) \
        if r.source == "survey" and r.value is not None and not pd.isna(r.limit) else ""
    if note:
        reason = reason[:-1] + note + reason[-1]  # inside the closing bracket of "(not met)"
    source = wording.source_in_text(r.source, lang)
    return f"{reason}{t('source_tag', lang, source=source)}" if source else reason


def background(c: EnterpriseContent) -> Html:
    """Who evaluated whom, when and for whom (the commissioning party only when study.toml names one); the
    basis (standards, the model by name only when a preset is used, the rubric); the evaluation criteria."""
    lang, study = c.lang, c.study
    party = formal.local(study.commissioned_by, lang)
    dates, period = formal.fieldwork_dates(c), formal.period_text(c)
    when = t("when_dates", lang, when=escape(dates)) if dates else \
        t("when_text", lang, when=escape(period)) if period else ""
    text = t("background_text", lang, study=escape(study.title.get(lang) or study.id),
             evaluator=formal.local(study.evaluator, lang) or escape(t("evaluator_unnamed", lang)), when=when,
             commission=t("commissioned_text", lang, party=party) if party else "",
             name=escape(c.enterprise.label(lang)), industry=escape(study.industry_label(c.enterprise.industry, lang)))
    model = t(f"basis_model_{study.model.preset or 'custom'}", lang)
    rubric = t("basis_rubric", lang, title=c.rubric.rubric.title.get(lang) or c.rubric.rubric.id) \
        if c.rubric is not None else ""
    basis = [item.format(model=model, rubric=rubric) for item in t("basis_items", lang)]
    items = "".join(f"<li>{escape(item)}</li>" for item in basis if item)
    return Html(f'{h2("h_background", lang)}<p>{text}</p><h3>{escape(t("basis_title", lang))}</h3>'
                f'<ol class="csi-basis">{items}</ol>{formal.criteria(c)}')


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
    mi = c.imputation
    title = t("path_title_mi", lang, m=mi.m, n=f"{mi.n_resamples:,}") if mi is not None else \
        t("path_title", lang, n=f"{c.boot.n_resamples if c.boot is not None else 0:,}")
    note = t("model_note", lang, pool=t(f"pool_{c.pool}", lang), n=f"{c.fit.n:,}", iterations=_iterations(c))
    if c.study.model.estimation == "enterprise" and c.pool != "enterprise":
        note += t("pool_fallback", lang, n=f"{int(c.ledger['analysed']):,}", min_n=c.study.model.minimum_n,
                  pool=t(f"pool_{c.pool}", lang))
    return Html(f'{h2("h_model", lang)}<p>{escape(intro)}</p>{diagram}<p class="csi-note">{escape(note)}</p>'
                f'<h3>{escape(title)}</h3><div class="csi-pair">{paths}{r2}</div>'
                f'<h3>{escape(t("item_weight", lang))}</h3>{weights}')


def _iterations(c: EnterpriseContent) -> str:
    """The PLS algorithm's iterations to convergence: under imputation the range over the completed data sets
    (the pooled fit is their mean, not a fit of its own)."""
    counts = sorted({fit.iterations for fit in c.imputation.fits}) if c.imputation is not None else [c.fit.iterations]
    return str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"


def sampling(c: EnterpriseContent) -> Html:
    """Fieldwork (period, frame, selection, mode per channel), the sample plan with the census rule, contacts,
    completed interviews and the response rate (completed ÷ contacted), plan completion (analysed ÷ planned),
    quality control, exclusions by reason, weighting summary."""
    lang, ledger = c.lang, c.ledger
    read, analysed = int(ledger["read"]), int(ledger["analysed"])
    rows = []
    served = c.enterprise.served_customers
    if served is not None:
        rows.append((t("served_customers", lang), f"{served:,}"))
    if c.plan is not None:
        rows.append((t("planned", lang), f"{c.plan.n:,}"))
    contacted = c.enterprise.contacted
    if contacted is not None:
        rows.append((t("contacted", lang), f"{contacted:,}"))
    rows.append((t("completed", lang), f"{read:,}"))
    rate = formal.response_rate(c)
    rows.append((t("response_rate", lang), percent(rate, lang) if rate is not None else
                 t("response_rate_unknown", lang) if contacted is None else t("na", lang)))
    rows += [(t("excluded", lang), f"{int(ledger['excluded']):,}"), (t("analysed", lang), f"{analysed:,}")]
    if c.plan is not None and c.plan.n:
        rows.append((t("achieved_rate", lang), percent(analysed / c.plan.n, lang)))
    rows.append((t("missing_values", lang), f"{c.missing_values:,}"))
    body = "".join(f"<tr><th>{escape(k)}</th><td class='num'>{escape(v)}</td></tr>" for k, v in rows)
    invalid = f'<p class="csi-warning">{escape(t("response_rate_invalid", lang, contacted=f"{contacted:,}", read=f"{read:,}"))}</p>' \
        if contacted is not None and rate is None else ""
    plan = f'<p>{escape(c.plan.reasoning[lang])}</p>' if c.plan is not None else ""
    census = f'<p class="csi-note">{escape(t("census", lang, n=c.study.sampling.census_below))}</p>' \
        if c.plan is not None and c.plan.census else ""
    reasons = c.exclusions.assign(reason=[t(r, lang) for r in c.exclusions["reason"]]) if len(c.exclusions) else None
    excluded = table(reasons, {"reason": t("reason", lang), "count": t("count", lang)}, lang) if reasons is not None \
        else f'<p>{escape(t("no_exclusions", lang))}</p>'
    note = f'<p class="csi-note">{escape(missing_note(c))}</p>'
    return Html(f'{h2("h_sampling", lang)}{formal.fieldwork(c)}<h3>{escape(t("sample_plan", lang))}</h3>{plan}{census}'
                f'<table class="csi-meta">{body}</table>{invalid}'
                f'{formal.quality_control(c)}'
                f'<h3>{escape(t("exclusions_title", lang))}</h3>{excluded}{note}'
                f'<h3>{escape(t("weighting_title", lang))}</h3>{_weighting(c)}')


def missing_note(c: EnterpriseContent) -> str:
    """What the ``[model] missing`` policy did to the pool's missing answers (rule 9 of docs/methods/report.md)."""
    lang, policy, pool = c.lang, c.study.model.missing, t(f"pool_{c.pool}", c.lang)
    if policy == "mean":
        return t("missing_note", lang, n=f"{c.imputed_values:,}")
    if policy == "listwise":
        attrs = c.fit.missing.attrs
        return t("missing_note_listwise", lang, pool=pool, n=f"{attrs['n_read'] - attrs['n_used']:,}")
    if policy == "raise":
        return t("missing_note_raise", lang)
    mi = c.imputation
    if mi is None or not mi.n_missing:
        return t("missing_note_mi_none", lang, pool=pool)
    fmi = pd.concat([mi.paths["fmi"], *([mi.index["fmi"]] if mi.index is not None else [])])
    return t("missing_note_mi", lang, pool=pool, n=f"{mi.n_missing:,}", m=mi.m,
             share=percent(mi.n_missing / (mi.n * len(mi.model.items)), lang),
             fmi_low=number(fmi.min(), lang, 3), fmi_high=number(fmi.max(), lang, 3))


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

