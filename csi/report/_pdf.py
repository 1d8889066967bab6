"""PDF from the report's HTML: A4, page numbers, a contents page, bookmarks, page language.

Two engines lay out the same HTML with ``templates/report/print.css``: WeasyPrint (the default; pip and
Pango only) and headless Chromium (``engine="chromium"``, several times faster, for large batches; see
:mod:`csi.report.chromium`). Before layout,
:func:`prepare_html` sets ``<html lang>`` (``zh-CN`` makes Chinese glyph forms win over Japanese ones in
Noto Sans CJK), gives every ``h2`` section heading an ``id`` and inserts a contents page before the first
one; the page numbers on it come from CSS ``target-counter()``. WeasyPrint turns ``h1``/``h2`` into PDF
bookmarks and writes ``/Lang`` from the ``lang`` attribute. Nothing is fetched from the network: only
``data:`` and ``file:`` URLs load. WeasyPrint never runs scripts, so text from the data stays text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape, unescape
from html.parser import HTMLParser

from csi.exceptions import ReportError
from csi.io._study import PDF_ENGINES as ENGINES

HTML_LANG = {"zh": "zh-CN", "en": "en"}
# Move to csi/report/i18n.py STRINGS when convenient; {page} and {pages} become CSS counters.
PAGE_LABEL = {"zh": "第 {page} 页 / 共 {pages} 页", "en": "Page {page} of {pages}"}
CONTENTS = {"zh": "目录", "en": "Contents"}
# Headings inside these containers (the cover's subtitle) are not sections.
NOT_SECTIONS = frozenset({"csi-cover", "csi-no-toc"})
ALLOWED_URLS = frozenset({"data", "file"})


def html_to_pdf(html: str, *, lang: str, base_url: str | None = None, engine: str = "weasyprint") -> bytes:
    """Lay out a report's HTML as an A4 PDF and return its bytes.

    Parameters
    ----------
    html : the report as written by ``csi.run.export_html`` (any HTML works).
    lang : ``"zh"`` or ``"en"``: the page language, the footer ("第 N 页 / 共 M 页" | "Page N of M")
        and the contents title.
    base_url : where relative URLs (if any) resolve; the reports embed their images, so None suffices
        (WeasyPrint only: Chromium loads nothing but ``data:`` URLs).
    engine : ``"weasyprint"`` or ``"chromium"``.

    Returns
    -------
    bytes : the PDF document.

    Notes
    -----
    Paged-media features used (CSS Paged Media Level 3, CSS GCPM Level 3): ``@page`` margin boxes with
    ``counter(page)`` / ``counter(pages)``, ``string-set``, ``target-counter()`` and ``leader()``, as
    implemented by WeasyPrint (checked against WeasyPrint 70 and poppler's pdftotext/pdffonts). Chromium
    (checked with 156) draws the same footer but has neither ``string-set`` nor ``target-counter()``:
    the running header is the enterprise name as a fixed string (no section name), and csi writes the
    contents page numbers, the bookmarks (one per section) and ``/Lang`` into the PDF afterwards.
    """
    _check_lang(lang)
    if engine not in ENGINES:
        raise ReportError(f"PDF: engine {engine!r} is not one of {', '.join(ENGINES)}.")
    if engine == "chromium":
        from csi.report._chromium import print_report

        page, sections = _prepare(html, lang)
        return print_report(page, page_css(lang) + running_header_css(page), sections, HTML_LANG[lang])
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ReportError(f"PDF needs WeasyPrint ({exc}): `pip install weasyprint` and Debian's Pango "
                          "(libpango-1.0-0, libpangoft2-1.0-0).") from None
    fetcher = URLFetcher(allowed_protocols=ALLOWED_URLS)
    document = weasyprint.HTML(string=prepare_html(html, lang), base_url=base_url, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[weasyprint.CSS(string=page_css(lang), url_fetcher=fetcher)])


def page_css(lang: str) -> str:
    """The footer rule: the language's page label with ``{page}``/``{pages}`` as CSS counters."""
    _check_lang(lang)
    parts = re.split(r"(\{page\}|\{pages\})", PAGE_LABEL[lang])
    tokens = [{"{page}": "counter(page)", "{pages}": "counter(pages)"}.get(p) or _css_string(p)
              for p in parts if p]
    return ("@page { @bottom-center { content: " + " ".join(tokens) + "; font-family: \"Noto Sans CJK SC\", "
            "\"DejaVu Sans\", sans-serif; font-size: 8pt; color: #5f6b76; vertical-align: top; "
            "padding-top: 4mm; } }")


def running_header_css(html: str) -> str:
    """The enterprise name in the top-left margin of every page but the first, as a fixed string.

    WeasyPrint takes it from the cover's ``h1`` with ``string-set``; Chromium has no ``string-set``,
    so the name is read here and written into the rule (empty when the page has no cover).
    """
    match = re.search(r'class="csi-cover".*?<h1[^>]*>(.*?)</h1>', html, flags=re.DOTALL)
    if match is None:
        return ""
    name = " ".join(unescape(re.sub(r"<[^>]+>", "", match.group(1))).split())
    return (f"@page {{ @top-left {{ content: {_css_string(name)}; font-size: 8pt; color: #5f6b76; "
            "vertical-align: bottom; padding-bottom: 3mm; } } @page :first { @top-left { content: none; } }")


def prepare_html(html: str, lang: str) -> str:
    """Set ``<html lang>``, give section headings ids and insert the contents page before the first.

    Sections are the ``h2`` headings outside the cover (``.csi-cover``, ``.csi-no-toc``). The page is
    left as it is when it has no sections or already has a ``nav.csi-toc``.
    """
    return _prepare(html, lang)[0]


def _prepare(html: str, lang: str) -> tuple[str, list[tuple[str, str]]]:
    """:func:`prepare_html`, and the contents entries it inserted: (anchor, title) per section."""
    _check_lang(lang)
    html = _set_lang(html, HTML_LANG[lang])
    scan = _Headings()
    scan.feed(html)
    scan.close()
    if not scan.sections or scan.has_toc:
        return html, []
    lines = [0]
    for match in re.finditer("\n", html):
        lines.append(match.end())
    edits: list[tuple[int, str]] = []
    sections = []
    for number, heading in enumerate(scan.sections, start=1):
        start = lines[heading.line - 1] + heading.column
        anchor = heading.id
        if anchor is None:
            anchor = f"csi-section-{number}"
            edits.append((start + len("<h2"), f' id="{anchor}"'))
        sections.append((anchor, heading.label))
    first = scan.sections[0]
    title = escape(CONTENTS[lang])
    entries = "".join(f'<li><a href="#{escape(anchor)}">{escape(label)}</a></li>' for anchor, label in sections)
    nav = f'<nav class="csi-toc" aria-label="{title}"><h2 class="csi-toc-title">{title}</h2><ol>{entries}</ol></nav>'
    edits.append((lines[first.line - 1] + first.column, nav))
    for offset, text in sorted(edits, key=lambda edit: edit[0], reverse=True):
        html = html[:offset] + text + html[offset:]
    return html, sections


@dataclass
class _Heading:
    line: int
    column: int
    id: str | None
    text: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return " ".join("".join(self.text).split())


class _Headings(HTMLParser):
    """Finds the section ``h2`` start tags (position, id, text) and an existing contents nav."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[_Heading] = []
        self.has_toc = False
        self._skip: tuple[str, int] | None = None   # (tag, depth) of an enclosing non-section container
        self._current: _Heading | None = None
        self._anchor_depth = 0                      # inside nbconvert's "¶" anchor links

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        if tag == "nav" and "csi-toc" in classes:
            self.has_toc = True
        if self._skip is not None:
            if tag == self._skip[0]:
                self._skip = (tag, self._skip[1] + 1)
        elif classes & NOT_SECTIONS:
            self._skip = (tag, 1)
        elif tag == "h2" and self._current is None:
            if not self.get_starttag_text().lower().startswith("<h2"):  # pragma: no cover - parser invariant
                raise ReportError("PDF: could not locate an <h2> tag in the report HTML.")
            line, column = self.getpos()
            self._current = _Heading(line, column, values.get("id") or None)
        if self._current is not None and tag == "a" and "anchor-link" in classes:
            self._anchor_depth += 1

    def handle_endtag(self, tag: str) -> None:
        if self._skip is not None and tag == self._skip[0]:
            depth = self._skip[1] - 1
            self._skip = (tag, depth) if depth else None
        if self._current is not None:
            if tag == "a" and self._anchor_depth:
                self._anchor_depth -= 1
            elif tag == "h2":
                self.sections.append(self._current)
                self._current = None

    def handle_data(self, data: str) -> None:
        if self._current is not None and not self._anchor_depth:
            self._current.text.append(data)


def _set_lang(html: str, code: str) -> str:
    """Replace (or add) the ``lang`` attribute of the ``<html>`` start tag."""
    match = re.search(r"<html\b[^>]*>", html, flags=re.IGNORECASE)
    if match is None:
        return f'<html lang="{code}">{html}</html>'
    tag = re.sub(r"""\s+lang\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", "", match.group(0), flags=re.IGNORECASE)
    tag = tag[:5] + f' lang="{code}"' + tag[5:]
    return html[:match.start()] + tag + html[match.end():]


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\a ") + '"'


def _check_lang(lang: str) -> None:
    if lang not in HTML_LANG:
        raise ReportError(f"PDF: language {lang!r} is not one of {', '.join(HTML_LANG)}.")
