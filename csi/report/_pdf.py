"""PDF from the report's HTML: A4, page numbers, a contents page, bookmarks, page language.

Two engines lay out the same HTML with ``templates/report/print.css``: WeasyPrint (the default; pip and
Pango only) and headless Chromium (``engine="chromium"``, several times faster, for large batches; see
:mod:`csi.report.chromium`). Before layout,
:func:`prepare_html` sets ``<html lang>`` (``zh-CN`` makes Chinese glyph forms win over Japanese ones in
Noto Sans CJK), gives every ``h2`` section heading an ``id``, inserts a contents page before the first
one (the page numbers on it come from CSS ``target-counter()``) and keeps each heading on a page with
what follows it (:func:`keep_headings`). For WeasyPrint, the font lists in the charts' SVG are written
so that it reads them (:func:`svg_font_lists`). WeasyPrint turns ``h1``/``h2`` into PDF
bookmarks and writes ``/Lang`` from the ``lang`` attribute. Nothing is fetched from the network: only
``data:`` and ``file:`` URLs load. WeasyPrint never runs scripts, so text from the data stays text.
"""

from __future__ import annotations

import base64
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
    document = weasyprint.HTML(string=svg_font_lists(prepare_html(html, lang)), base_url=base_url, url_fetcher=fetcher)
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
    left as it is when it has no sections or already has a ``nav.csi-toc``. Each heading is kept on a
    page with what follows it (:func:`keep_headings`).
    """
    return _prepare(html, lang)[0]


def _prepare(html: str, lang: str) -> tuple[str, list[tuple[str, str]]]:
    """:func:`prepare_html`, and the contents entries it inserted: (anchor, title) per section."""
    _check_lang(lang)
    html = keep_headings(_set_lang(html, HTML_LANG[lang]))
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


#: Headings kept on a page with the block after them (and further headings straight after them).
KEPT_HEADINGS = frozenset({"h2", "h3", "h4"})
#: Blocks short enough to move to the next page whole with their heading; longer tables and lists split,
#: and print.css keeps their heading with their first rows (``break-after: avoid``).
KEPT_ROWS, KEPT_ITEMS = 12, 8
#: ... and a list of at most this many lines of text: a line holds about 95 Latin letters or half as many
#: Chinese characters (10 pt on A4).
KEPT_LINES, LINE = 10, 95
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
                   "wbr"})


def keep_headings(html: str) -> str:
    """Wrap each heading, with the headings and the first short block straight after it, in a
    ``div.csi-keep`` (``break-inside: avoid`` in print.css), so no page ends with a heading.

    ``break-after: avoid`` on the heading alone is not enough: Chromium breaks inside an intro paragraph
    that is kept with its figure, leaving the heading and a line at the page's foot. A first block is
    short when it is a paragraph (with the figure it introduces), a figure, tiles, a pair of tables, a
    table of at most :data:`KEPT_ROWS` rows or a list of at most :data:`KEPT_ITEMS` items and
    :data:`KEPT_LINES` lines. Headings in
    the cover and contents (``.csi-cover``, ``.csi-no-toc``, ``nav``) are left alone, as is a page
    whose tags do not nest. A heading and intro paragraph followed by a table that is not kept with
    them get ``csi-keep-next`` (``break-after: avoid``): they stay with the table's first rows. A pair
    of tables longer than :data:`KEPT_ROWS` rows gets ``csi-split``: print.css sets its tables one after
    the other, each splitting between rows, rather than moving the whole pair to the next page.
    """
    tree = _Tree(html)
    if tree.broken:
        return html
    edits: list[tuple[int, int, str]] = []  # (offset, 1 for an opening tag, text): inserted back to front
    for node in tree.nodes:
        if node.skipped or "csi-keep" in node.classes:  # (a page prepared before stays as it is)
            continue
        if "csi-pair" in node.classes and node.rows > KEPT_ROWS and "csi-split" not in node.classes:
            found = re.search(r"""\bclass\s*=\s*(["'])(.*?)\1""", html[node.start:node.content])
            if found:
                edits.append((node.start + found.end(2), 1, " csi-split"))
        children, i = node.children, 0
        while i < len(children):
            if children[i].tag not in KEPT_HEADINGS:
                i += 1
                continue
            j = i
            while j + 1 < len(children) and children[j + 1].tag in KEPT_HEADINGS:
                j += 1
            if j + 1 < len(children) and _short(children[j + 1]) and "csi-split" not in children[j + 1].classes:
                j += 1
                if children[j].tag == "p" and j + 1 < len(children) and children[j + 1].tag == "figure":
                    j += 1  # an intro paragraph stays with its figure
            if j > i:
                table = j + 1 < len(children) and _table(children[j + 1]) and children[j].tag == "p"
                edits.append((children[i].start, 1, '<div class="csi-keep csi-keep-next">' if table
                              else '<div class="csi-keep">'))
                edits.append((children[j].end, 0, "</div>"))
            i = j + 1
    # back to front, so each offset still points where it did; at one offset a group's end comes
    # before the next group's start
    for offset, _, text in sorted(edits, reverse=True):
        html = html[:offset] + text + html[offset:]
    return html


def _table(node: _Node) -> bool:
    return node.tag == "table" or bool({"csi-scroll", "csi-pair"} & node.classes)


def _short(node: _Node) -> bool:
    if node.tag in ("p", "figure", "pre") or "csi-tiles" in node.classes:
        return True
    if "csi-pair" in node.classes:
        return node.rows <= KEPT_ROWS
    if node.tag in ("ul", "ol"):
        items = [child for child in node.children if child.tag == "li"]
        lines = sum(-(-item.width // LINE) for item in items)
        return len(items) <= KEPT_ITEMS and lines <= KEPT_LINES
    if node.tag == "table" or "csi-scroll" in node.classes:
        return 0 < node.rows <= KEPT_ROWS
    return False


@dataclass(eq=False)
class _Node:
    tag: str
    classes: frozenset[str]
    start: int
    content: int                  # where the start tag ends
    parent: _Node | None
    skipped: bool                 # in the cover or a contents list
    end: int = -1
    rows: int = 0                 # table rows inside
    width: int = 0                # its text's width in half ems (a Chinese character is two)
    children: list[_Node] = field(default_factory=list)


class _Tree(HTMLParser):
    """The page's elements with their offsets (start of the start tag, end of the end tag)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.lines = [0] + [match.end() for match in re.finditer("\n", html)]
        self.html = html
        self.nodes: list[_Node] = []
        self.stack: list[_Node] = []
        self.broken = False
        self.feed(html)
        self.close()
        self.broken = self.broken or bool(self.stack) or any(node.end < 0 for node in self.nodes)

    def _offset(self) -> int:
        line, column = self.getpos()
        return self.lines[line - 1] + column

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID:
            return
        classes = frozenset((dict(attrs).get("class") or "").split())
        parent = self.stack[-1] if self.stack else None
        skipped = (parent is not None and parent.skipped) or tag == "nav" or bool(classes & NOT_SECTIONS)
        start = self._offset()
        node = _Node(tag, classes, start, start + len(self.get_starttag_text() or ""), parent, skipped)
        if parent is not None:
            parent.children.append(node)
        if tag == "tr":
            for above in self.stack:
                above.rows += 1
        self.nodes.append(node)
        self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if not self.stack or self.stack[-1].tag != tag:
            self.broken = True  # an end tag that closes nothing, or one left out: no wrapping on guesswork
            return
        node = self.stack.pop()
        node.end = self.html.index(">", self._offset()) + 1

    def handle_data(self, data: str) -> None:
        width = len(data) + len(_WIDE.findall(data))
        for node in self.stack:
            node.width += width


_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def svg_font_lists(html: str) -> str:
    """Font lists in the page's SVG images written without spaces (``'DejaVu Sans','Noto Sans CJK SC'``).

    WeasyPrint (checked with 70) splits an SVG ``font-family`` at the commas without trimming the
    spaces, so a second, quoted family is not found and Chinese chart labels fall back to the first
    face of the Noto CJK collection, the Japanese one. Browsers read either form.
    """
    def fix(match: re.Match) -> str:
        svg = base64.b64decode(match.group(1)).decode("utf-8")
        fixed = _FONT_LIST.sub(lambda m: "font-family: " + ",".join(f.strip() for f in m.group(1).split(",")), svg)
        return match.group(0) if fixed == svg else _SVG_URL + base64.b64encode(fixed.encode("utf-8")).decode("ascii")
    return re.sub(re.escape(_SVG_URL) + r"([A-Za-z0-9+/=]+)", fix, html)


_SVG_URL = "data:image/svg+xml;base64,"
_FONT_LIST = re.compile(r"font-family:\s*([^;\"'<>]*'[^;\"<>]*?)(?=;|\"|$)")


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
