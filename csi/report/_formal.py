"""The formal elements of a third-party evaluation report (GB/T 19038 style): evaluation criteria (grade
bands, certification star ladder), fieldwork and response rate (shown in the sampling chapter), limitations
and the statement on use, the signature and seal block, and the glossary.

What the study says comes from study.toml (``[study] commissioned_by``, ``[fieldwork]``, ``[report]
use_statement, limitations, signature``; see docs/study-file.md); what is missing is said plainly
("未说明" / "not stated") or left blank for a hand signature. Every data-derived text is escaped.
"""

from __future__ import annotations

import datetime as dt
import re
from html import escape

from csi.report import _wording as wording
from csi.report._content import EnterpriseContent
from csi.report._headings import h2
from csi.report._i18n import MONTHS_EN, date_text, percent, t
from csi.report._render import Html

#: The questionnaire variable that holds each respondent's survey channel (as in the report's segments).
CHANNEL = "channel"


# ------------------------------------------------------------------ helpers


def local(text: dict[str, str], lang: str) -> str:
    """A study-given text as HTML in the report's language; when only another language is given, that
    text marked with its language (so a reader and a screen reader know), else ""."""
    if text.get(lang):
        return escape(text[lang])
    for other, value in text.items():
        if value:
            return f'<span lang="{escape(other)}">{escape(value)}</span>'
    return ""


def not_stated(lang: str) -> str:
    return f'<span class="csi-not-stated">{escape(t("not_stated", lang))}</span>'


def date_range(start: str, end: str, lang: str) -> str:
    """2026年9月1日至10月31日 / 1 September to 31 October 2026 (the year once when both share it)."""
    a, b = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    if a == b:
        return date_text(start, lang)
    if a.year != b.year:
        return t("date_range", lang, start=date_text(start, lang), end=date_text(end, lang))
    if lang == "zh":
        return t("date_range", lang, start=date_text(start, lang), end=f"{b.month}月{b.day}日")
    return t("date_range", lang, start=f"{a.day} {MONTHS_EN[a.month - 1]}", end=date_text(end, lang))


def period_text(c: EnterpriseContent) -> str:
    """The study period as words: a bare year "2026" reads "2026年度" / "2026"; other text as written."""
    period = c.study.period.strip()
    return t("period_year", c.lang, year=period) if re.fullmatch(r"\d{4}", period) else period


def fieldwork_dates(c: EnterpriseContent) -> str:
    fw = c.study.fieldwork
    return date_range(fw.start, fw.end, c.lang) if fw.start and fw.end else ""


def response_rate(c: EnterpriseContent) -> float | None:
    """Interviews completed (respondents read, before the data checks) ÷ customers contacted; None when
    the number contacted is not given or is smaller than the number completed (then it is wrong)."""
    contacted, read = c.enterprise.contacted, int(c.ledger["read"])
    if contacted is None or contacted < read:
        return None
    return read / contacted


def _range(lo: float | None, hi: float | None, lang: str) -> str:
    """A band in words: "80 分及以上、低于 90 分" / "80 to under 90"; never a symbol like ">=".

    ("以下" would include 90 in Chinese legal usage, so the upper bound reads "低于".)"""
    if lo is None:
        return t("range_below", lang, hi=f"{hi:g}")
    if hi is None:
        return t("range_from", lang, lo=f"{lo:g}")
    return t("range_from_to", lang, lo=f"{lo:g}", hi=f"{hi:g}")


def _rows_table(headers: list[str], rows: list[list[str]], css: str = "", numeric: int | None = None) -> str:
    """A small table of already-escaped cells; column ``numeric`` (an index) holds numbers, right-aligned."""
    def cell(tag: str, k: int, value: str) -> str:
        return f'<{tag} class="num" style="white-space:nowrap">{value}</{tag}>' if k == numeric else \
            f"<{tag}>{value}</{tag}>"
    head = "".join(cell("th", k, h) for k, h in enumerate(headers))
    body = "".join("<tr>" + "".join(cell("td", k, value) for k, value in enumerate(row)) + "</tr>" for row in rows)
    return (f'<div class="csi-scroll"><table class="csi-table {css}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


# ------------------------------------------------------------------ evaluation criteria (background chapter)


def criteria(c: EnterpriseContent) -> str:
    """The grade bands of the index and the certification star ladder, as tables in words ("" when the
    study has neither)."""
    lang, parts = c.lang, []
    grades = c.study.report.grades
    if grades:
        rows = []
        for k, grade in enumerate(grades):
            hi = grades[k + 1].min if k + 1 < len(grades) else None
            lo = None if k == 0 and grade.min <= 0 and hi is not None else grade.min
            rows.append([local(grade.label, lang), escape(_range(lo, hi, lang))])
        parts.append(f'<p class="csi-caption">{escape(t("grades_caption", lang))}</p>'
                     + _rows_table([escape(t("grade", lang)), escape(t("index_range", lang))], rows, "csi-criteria"))
    if c.rubric is not None:
        rubric = c.rubric.rubric
        levels = rubric.levels
        rows = [[local(rubric.fail_label, lang), escape(t("no_stars", lang)),
                 escape(_range(None, levels[0].min, lang))]]
        for k, level in enumerate(levels):
            hi = levels[k + 1].min if k + 1 < len(levels) else None
            stars = "★" * level.stars if level.stars else t("no_stars", lang)
            rows.append([local(level.label, lang), escape(stars), escape(_range(level.min, hi, lang))])
        title = rubric.title.get(lang) or rubric.id
        note = ""
        if any(d.veto for d in rubric.deductions):
            note = f'<p class="csi-note">{escape(t("veto_note", lang, fail=rubric.fail_label.get(lang, "")))}</p>'
        caption = t("stars_caption", lang, title=title, points=f"{rubric.points:g}")
        headers = [escape(t(k, lang)) for k in ("certification_level", "stars_col", "score_range")]
        parts.append(f'<p class="csi-caption">{escape(caption)}</p>' + _rows_table(headers, rows, "csi-criteria")
                     + note)
    if not parts:
        return ""
    return f'<h3>{escape(t("criteria_title", lang))}</h3>' + "".join(parts)


# ------------------------------------------------------------------ fieldwork (sampling chapter)


def fieldwork(c: EnterpriseContent) -> str:
    """When, from which frame, how respondents were selected, and how each channel was run."""
    lang, fw = c.lang, c.study.fieldwork
    dates = fieldwork_dates(c)
    rows = [(t("fieldwork_period", lang), escape(dates) if dates else not_stated(lang)),
            (t("sampling_frame", lang), local(fw.frame, lang) or not_stated(lang)),
            (t("selection", lang), local(fw.selection, lang) or not_stated(lang))]
    meta = "".join(f'<tr><th style="white-space:nowrap;vertical-align:top">{escape(k)}</th><td>{v}</td></tr>'
                   for k, v in rows)
    return (f'<h3>{escape(t("fieldwork_title", lang))}</h3><table class="csi-meta csi-fieldwork">{meta}</table>'
            f"{_modes(c)}")


def _modes(c: EnterpriseContent) -> str:
    """Per survey channel: how it was run ([fieldwork.modes]) and the respondents analysed."""
    lang, modes = c.lang, c.study.fieldwork.modes
    variable = next((v for v in c.study.questionnaire.demographics if v.id == CHANNEL), None)
    seg = c.segments
    counts = {} if seg.empty or CHANNEL not in set(seg["variable"]) else \
        {str(r.level): int(r.n) for r in seg[seg["variable"] == CHANNEL].itertuples()}
    if variable is None or not (counts or modes):
        return ""
    levels = [lv for lv in variable.levels if counts.get(lv) or lv in modes]
    header = [escape(variable.label.get(lang) or t("channel", lang))]
    if modes:
        header.append(escape(t("mode_description", lang)))
    header.append(escape(t("analysed", lang)))
    rows = []
    for level in levels:
        row = [local(variable.levels[level], lang) or escape(level)]
        if modes:
            row.append(local(modes.get(level, {}), lang) or not_stated(lang))
        n = counts.get(level)
        small = n is not None and 0 < n < c.study.report.min_cell  # a count below min_cell is suppressed too
        row.append(escape(t("suppressed", lang, min_cell=c.study.report.min_cell)) if small else
                   f"{n:,}" if n is not None else "0" if counts else escape(t("na", lang)))
        rows.append(row)
    return _rows_table(header, rows, "csi-modes", numeric=len(header) - 1)


def quality_control(c: EnterpriseContent) -> str:
    """The study's quality-control measures, then the data checks csi applied (from [screening])."""
    lang, screening = c.lang, c.study.screening
    items = [local(text, lang) for text in c.study.fieldwork.quality_control]
    rules = []
    if screening.speeder_column and screening.speeder_min_seconds is not None:
        rules.append(t("qc_speeder", lang, s=f"{screening.speeder_min_seconds:g}"))
    rules.append(t("qc_min_answered", lang, share=percent(screening.min_answered, lang, 0))
                 if screening.min_answered > 0 else t("qc_none_answered", lang))
    if screening.straightlining:
        rules.append(t("qc_straightlining", lang, k=screening.straightlining_min_items))
    if screening.duplicates:
        rules.append(t("qc_duplicates", lang))
    if screening.out_of_range == "exclude":
        rules.append(t("qc_out_of_range", lang))
    items.append(escape(t("qc_checks", lang, rules=("；" if lang == "zh" else "; ").join(rules))))
    return (f'<h3>{escape(t("qc_title", lang))}</h3><ol class="csi-qc">'
            + "".join(f"<li>{item}</li>" for item in items) + "</ol>")


# ------------------------------------------------------------------ limitations and use


def automatic_limitations(c: EnterpriseContent) -> list[str]:
    """Limitations that follow from the numbers and are certain (plain text, in the report's language); the
    census and small-sample ones in the words of the summary (:mod:`csi.report._wording`)."""
    lang, out = c.lang, []
    if not wording.inferential(c):
        out.append(t("small_n_statement", lang, n=f"{int(c.ledger['analysed']):,}", min_n=c.study.report.min_n))
    if wording.census_note(c):
        out.append(wording.census_note(c))
    if c.weighting is None:
        out.append(t("limit_unweighted", lang))
    if c.enterprise.contacted is None:
        out.append(t("limit_no_contacted", lang))
    return out


def limitations(c: EnterpriseContent) -> Html:
    """The study's limitations, those that follow from the numbers, and the statement on use (声明)."""
    lang, settings = c.lang, c.study.report
    items = [local(text, lang) for text in settings.limitations] + [escape(x) for x in automatic_limitations(c)]
    listed = ("<ol class=\"csi-limitations\">" + "".join(f"<li>{x}</li>" for x in items) + "</ol>") if items \
        else f'<p>{escape(t("limit_none", lang))}</p>'
    use = local(settings.use_statement, lang) or escape(t("use_none", lang))
    return Html(f'{h2("h_limitations", lang)}<h3>{escape(t("limitations_title", lang))}</h3>{listed}'
                f'<h3>{escape(t("use_title", lang))}</h3><div class="csi-statement csi-use"><p>{use}</p></div>')


# ------------------------------------------------------------------ signature and seal


def signature(c: EnterpriseContent) -> Html:
    """The evaluator, its qualification, one line per signatory (role, name, signature, date) and the seal box.
    Without [report.signature] the block is still printed, with the usual three roles, for signing by hand."""
    lang, sig = c.lang, c.study.report.signature
    organisation = local(sig.organisation, lang) or local(c.study.evaluator, lang) or not_stated(lang)
    th = '<th style="white-space:nowrap;vertical-align:top">'
    qualification = local(sig.qualification, lang) or not_stated(lang)
    meta = (f'<tr>{th}{escape(t("evaluator", lang))}</th><td>{organisation}</td></tr>'
            f'<tr>{th}{escape(t("qualification", lang))}</th><td>{qualification}</td></tr>'
            f'<tr>{th}{escape(t("report_number", lang))}</th><td>{escape(c.report_number)}</td></tr>')
    people = [(local(s.role, lang), local(s.name, lang)) for s in sig.signatories] or \
        [(escape(role), "") for role in t("default_roles", lang)]
    blank = '<span class="csi-sign-line" style="display:inline-block;min-width:7em;border-bottom:1px solid #555">' \
            '&#8203;</span>'
    date_blank = escape(t("date_blank", lang)) or blank
    rows = [[role, name or blank, blank, date_blank] for role, name in people]
    signers = _rows_table([escape(t(k, lang)) for k in ("sig_role", "sig_name", "sig_sign", "sig_date")], rows,
                          "csi-signatories")
    seal_text = local(sig.seal, lang) or escape(t("seal_default", lang))
    seal = (f'<div class="csi-seal" style="margin:1.5em 0 0 auto;width:15em;text-align:center">'
            f'<div class="csi-seal-box" style="border:1px dashed #888;border-radius:50%;width:10.5em;height:10.5em;'
            f'margin:0 auto .5em;display:flex;align-items:center;justify-content:center;text-align:center;'
            f'color:#666;font-size:.9em;padding:.4em;box-sizing:border-box">{seal_text}</div>'
            f'<div>{escape(date_text(c.report_date, lang))}</div></div>')
    return Html(f'<div class="csi-signature" style="break-inside:avoid;page-break-inside:avoid">'
                f'{h2("h_signature", lang)}<table class="csi-meta">{meta}</table>{signers}{seal}</div>')


# ------------------------------------------------------------------ glossary (appendix D)


def glossary_terms(c: EnterpriseContent) -> list[str]:
    """The glossary entries this report uses, in a fixed order."""
    used = {
        "index": True, "dimension": True, "item_weight": True, "ci": True, "significant": True, "p_value": True,
        "holm": c.league is not None, "benchmark": c.league is not None, "pls": True, "path": True,
        "r_squared": True, "reliability": True, "ave": True, "htmt": True,
        "bootstrap": c.boot is not None or c.imputation is not None, "imputation": c.imputation is not None,
        "ipma": not c.ipma.empty, "satisfied_rate": not c.rates.empty, "grade": bool(c.study.report.grades),
        "stars": c.rubric is not None, "frame": True, "census": c.plan is not None, "response_rate": True,
        "plan_completion": c.plan is not None, "weighting": c.weighting is not None,
        "design_effect": c.weighting is not None, "effective_n": c.weighting is not None,
    }
    return [key for key, use in used.items() if use]


def glossary(c: EnterpriseContent) -> Html:
    """Appendix D: the terms the report uses, each with a one-line plain definition (docs/glossary.md has
    the same wording in English)."""
    lang, entries = c.lang, t("glossary", c.lang)
    rows = [[escape(entries[key][0]), escape(entries[key][1])] for key in glossary_terms(c)]
    return Html(f'<h3 id="csi-glossary">{escape(t("glossary_title", lang))}</h3>'
                + _rows_table([escape(t("term", lang)), escape(t("meaning", lang))], rows, "csi-glossary"))


__all__ = ["criteria", "date_range", "fieldwork", "glossary", "limitations", "local", "period_text",
           "quality_control", "response_rate", "signature"]
