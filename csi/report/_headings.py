"""The report's chapters in order, and their numbered headings (一、二、… / 1. 2. …).

Numbers come from the position in :data:`SECTIONS`, so adding a chapter renumbers the others; the
appendix is not numbered.
"""

from __future__ import annotations

from html import escape

from csi.report._i18n import t

#: Chapter keys in reading order (the i18n key of each chapter's title); the id is the key without "h_".
SECTIONS = ("h_summary", "h_action", "h_background", "h_model", "h_sampling", "h_reliability", "h_results",
            "h_drivers", "h_benchmark", "h_complaints", "h_conclusions", "h_limitations", "h_signature",
            "h_appendix")
UNNUMBERED = ("h_signature", "h_appendix")
ZH_NUMERALS = "一二三四五六七八九十"


def chapter_title(key: str, lang: str) -> str:
    """The chapter's title with its number: "六、测评结果" / "6. Results"."""
    title = t(key, lang)
    if key in UNNUMBERED or key not in SECTIONS:
        return title
    k = [s for s in SECTIONS if s not in UNNUMBERED].index(key) + 1
    if lang == "zh":
        numeral = ZH_NUMERALS[k - 1] if k <= 10 else "十" + ZH_NUMERALS[k - 11]
        return f"{numeral}、{title}"
    return f"{k}. {title}"


def h2(key: str, lang: str) -> str:
    return f'<h2 id="csi-{key.removeprefix("h_")}">{escape(chapter_title(key, lang))}</h2>'
