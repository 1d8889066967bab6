"""The Word report: the exported report HTML turned into an editable .docx (python-docx).

The HTML the batch exports is the one text of a report, so the Word document is built from it and says
exactly what the HTML and the PDF say: every heading, sentence, table and chart, in the same order. What
HTML and Word do differently is mapped here: the report's chapters (``h2``) become Word's Heading 1 and
its sections (``h3``) Heading 2, so the navigation pane and the table of contents work; the cover's titles
become Title and Subtitle; tables get a table style with a repeated header row; charts (inline SVG) are
rasterised to PNG at :data:`DPI` with their alt text; the footer numbers the pages. Every run is set in
:data:`LATIN_FONT` with the East Asian font :data:`EAST_ASIAN_FONT` (``w:eastAsia``) and Chinese marked
zh-CN, so Word shows simplified-Chinese glyphs in Chinese and English documents alike.
"""

from __future__ import annotations

import base64
import copy
import functools
import io
import re

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from lxml import etree
from lxml import html as lxml_html

from csi.exceptions import ReportError
from csi.plot._style import CJK, CJK_FAMILY
from csi.report._i18n import t

#: Latin text: a sans-serif every Word has (LibreOffice uses its metric twin, Liberation Sans).
LATIN_FONT = "Arial"
#: Chinese text: the face of the charts and the PDF; a Word without it substitutes another simplified-Chinese
#: font, since the text is marked zh-CN.
EAST_ASIAN_FONT = CJK_FAMILY
MONO_FONT = "Courier New"
#: Chart resolution in the document (the charts are 6–8.5 in wide, shown at most 178 mm).
DPI = 150
#: A4 with the PDF's margins (templates/report/print.css).
PAGE, MARGINS = (Mm(210), Mm(297)), (Mm(20), Mm(16), Mm(18), Mm(16))  # top, right, bottom, left
TEXT_WIDTH = Mm(210 - 32)
TABLE_STYLE, META_STYLE = "Light Grid Accent 1", "Table Grid"
BLOCKS = {"section", "div", "main", "body", "article", "nav", "figure", "h1", "h2", "h3", "h4", "p", "ul", "ol",
          "table", "pre", "img", "style", "script", "hr"}
GREY, RED = RGBColor(0x5F, 0x6B, 0x76), RGBColor(0xB0, 0x3A, 0x2E)
W_R, W_T = qn("w:r"), qn("w:t")


def html_to_docx(html: str, *, lang: str) -> bytes:
    """The report page ``html`` (an exported enterprise report: nbconvert's page, or the sections' HTML
    joined) as a Word document's bytes, in ``lang`` ("zh" or "en") for the contents and page-number texts."""
    if lang not in ("zh", "en"):
        raise ReportError(f"html_to_docx(): lang must be 'zh' or 'en', not {lang!r}.")
    try:
        root = lxml_html.document_fromstring(html)
    except (etree.ParserError, ValueError) as exc:
        raise ReportError(f"html_to_docx(): the report HTML cannot be read: {exc}") from None
    outputs = root.xpath('//div[@data-mime-type="text/html"]') or root.xpath("//body") or [root]
    writer = _Writer(lang, (root.findtext(".//title") or "").strip())
    for output in outputs:
        writer.container(output, writer.doc)
    if not writer.headings:
        raise ReportError("html_to_docx(): the HTML has no report sections (no headings); pass the exported "
                          "report page.")
    buffer = io.BytesIO()
    writer.doc.save(buffer)
    return buffer.getvalue()


class _Writer:
    """Walks the report HTML and writes a document: blocks to paragraphs, tables and pictures; inline
    elements to runs."""

    def __init__(self, lang: str, title: str):
        self.lang, self.headings, self.in_cover = lang, 0, False
        self.doc = Document()
        self._setup(title)
        self.style_ids = {style.name: style.style_id for style in self.doc.styles}
        self.cell_style = self.style_ids["CSI Table"]
        self.cell_paragraphs: dict[tuple[bool, bool, bool, bool], object] = {}  # see _cell

    # ---------------------------------------------------------------- document, styles, page
    def _setup(self, title: str) -> None:
        doc, lang = self.doc, self.lang
        doc.core_properties.title = title
        doc.core_properties.language = "zh-CN" if lang == "zh" else "en-GB"
        section = doc.sections[0]
        section.page_width, section.page_height = PAGE
        section.top_margin, section.right_margin, section.bottom_margin, section.left_margin = MARGINS
        section.different_first_page_header_footer = True  # the cover has neither
        styles = doc.styles
        normal = styles["Normal"]
        normal.font.size = Pt(10)
        normal.paragraph_format.space_after = Pt(4)
        normal.paragraph_format.line_spacing = 1.3
        for name in ("Normal", "Title", "Subtitle", "Heading 1", "Heading 2", "Heading 3", "Caption", "TOC Heading",
                     "List Bullet", "Header", "Footer"):
            _fonts(styles[name], lang)
        sizes = {"Title": 24, "Subtitle": 16, "Heading 1": 14, "Heading 2": 11.5, "Heading 3": 10.5}
        for name, size in sizes.items():
            styles[name].font.size = Pt(size)
        for name, color, size, italic in (("CSI Note", GREY, 9, False), ("CSI Warning", RED, 10, False),
                                          ("CSI Code", None, 8.5, False)):
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = normal
            style.font.size, style.font.italic = Pt(size), italic
            if color is not None:
                style.font.color.rgb = color
            _fonts(style, lang)
        styles["CSI Code"].font.name = MONO_FONT
        cell = styles.add_style("CSI Table", WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = normal
        cell.font.size = Pt(9)
        cell.paragraph_format.space_after, cell.paragraph_format.line_spacing = Pt(0), 1.15
        toc = styles.add_style("TOC 1", WD_STYLE_TYPE.PARAGRAPH)
        toc.base_style = normal
        toc.paragraph_format.space_after = Pt(3)
        header = section.header.paragraphs[0]
        header.text = title
        header.style = styles["Header"]
        header.runs[0].font.size, header.runs[0].font.color.rgb = Pt(8), GREY
        _east_asian(header.runs[0], title)
        footer = section.footer.paragraphs[0]
        footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
        before, _, after = t("page", lang).partition("{page}")
        footer.add_run(before)
        _field(footer, "PAGE", "1")
        footer.add_run(after)
        for run in footer.runs:
            run.font.size = Pt(8)

    # ---------------------------------------------------------------- blocks
    def container(self, element, target) -> None:
        """Write an element's children: blocks one by one, runs of inline content as paragraphs."""
        pending: list = [element.text] if element.text else []
        for child in element:
            if not isinstance(child.tag, str):  # a comment
                pending.append(child.tail or "")
                continue
            if child.tag in BLOCKS:
                self._paragraph_of(pending, target)
                pending = []
                self.block(child, target)
            else:
                pending.append(child)
            if child.tail:
                pending.append(child.tail)
        self._paragraph_of(pending, target)

    def _add(self, target, style: str | None = None):
        """A paragraph with ``style`` set by its id: python-docx finds a style by name, and checks it is not
        the default, at about a millisecond each."""
        paragraph = target.add_paragraph()
        if style is not None:
            paragraph._p.style = self.style_ids[style]
        return paragraph

    def _paragraph_of(self, nodes: list, target, style: str | None = None):
        """A paragraph of inline nodes (text and inline elements); none when they are only whitespace."""
        if not "".join(n if isinstance(n, str) else n.text_content() for n in nodes).strip() and \
                not any(not isinstance(n, str) and n.tag == "span" for n in nodes):
            return None
        paragraph = self._add(target, style)
        for node in nodes:
            if isinstance(node, str):
                self._text(paragraph, node, {})
            else:
                self.inline(node, paragraph, {})
        return paragraph

    def block(self, el, target) -> None:
        tag, classes = el.tag, set((el.get("class") or "").split())
        if tag in ("style", "script", "hr"):
            return
        if tag == "section" and "csi-cover" in classes:
            self.in_cover = True
            self.container(el, target)
            self.in_cover = False
            target.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif tag == "nav":
            self._contents(el)
        elif "csi-tiles" in classes:
            self._tiles(el, target)
        elif "csi-seal" in classes:
            self._seal(el, target)
        elif tag in ("h1", "h2", "h3", "h4"):
            self._heading(el, target)
        elif tag == "p":
            style = "CSI Note" if "csi-note" in classes else "CSI Warning" if "csi-warning" in classes else \
                "Caption" if "csi-caption" in classes else None
            paragraph = self._paragraph_of([el], target, style)
            if paragraph is not None and "csi-study" in classes:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif tag in ("ul", "ol"):
            self._list(el, target, ordered=tag == "ol")
        elif tag == "table":
            self._table(el, target)
        elif tag == "img":
            self._picture(el, target)
        elif tag == "pre":
            paragraph = self._add(target, "CSI Code")
            for k, line in enumerate((el.text_content() or "").rstrip("\n").split("\n")):
                run = paragraph.add_run()
                if k:
                    run.add_break()
                run.add_text(line)
        else:  # section, div, figure, main …: their content
            self.container(el, target)

    def _heading(self, el, target) -> None:
        text = " ".join(el.text_content().split())
        if self.in_cover:  # the cover's enterprise name and report title; its statement's title
            style = {"h1": "Title", "h2": "Subtitle"}.get(el.tag)
            paragraph = self._add(target, style)
            run = paragraph.add_run(text)
            run.bold = style is None or None
            _east_asian(run, text)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if style else None
            return
        level = {"h1": 1, "h2": 1, "h3": 2, "h4": 3}[el.tag]  # chapters are the document's first level
        heading = self._add(target, f"Heading {level}")
        run = heading.add_run(text)
        _east_asian(run, text)
        self.headings += 1

    def _contents(self, nav) -> None:
        """The contents page: Word's table-of-contents field (updated by Word with page numbers), its first
        text the chapter titles of the HTML's list."""
        title = nav.find(".//h2")
        heading = self._add(self.doc, "TOC Heading")
        run = heading.add_run(" ".join(title.text_content().split()) if title is not None else t("contents", self.lang))
        _east_asian(run, run.text)
        entries = [" ".join(a.text_content().split()) for a in nav.iter("a")]
        paragraphs = [self._add(self.doc, "TOC 1") for _ in entries or [""]]
        _begin_field(paragraphs[0], 'TOC \\o "1-2" \\h \\z \\u')
        for paragraph, text in zip(paragraphs, entries):
            _east_asian(paragraph.add_run(text), text)
        _end_field(paragraphs[-1])
        note = self._add(self.doc, "CSI Note")
        _east_asian(note.add_run(t("toc_placeholder", self.lang)), t("toc_placeholder", self.lang))
        note.add_run().add_break(WD_BREAK.PAGE)
        self.doc.settings.element.append(_updating_fields())

    def _list(self, el, target, ordered: bool) -> None:
        """List items as paragraphs; numbered lists carry their numbers as text, so each list starts at 1
        (python-docx's one "List Number" numbering would run on through the document)."""
        for k, item in enumerate(el.findall("li"), start=1):
            paragraph = self._add(target, None if ordered else "List Bullet")
            if ordered:
                paragraph.paragraph_format.left_indent = Mm(7)
                paragraph.paragraph_format.first_line_indent = Mm(-7)
                paragraph.add_run(f"{k}.\t")
            self._text(paragraph, item.text or "", {})
            for child in item:
                self.inline(child, paragraph, {})
                if child.tail:
                    self._text(paragraph, child.tail, {})

    def _tiles(self, el, target) -> None:
        """The summary's headline tiles as a table of three columns: value (large), label, note."""
        tiles = [tile for tile in el if "csi-tile" in (tile.get("class") or "")]
        columns = 3
        table = target.add_table(rows=(len(tiles) + columns - 1) // columns, cols=columns)
        table.style = META_STYLE
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for k, tile in enumerate(tiles):
            cell = table.rows[k // columns].cells[k % columns]
            parts = {cls: " ".join(div.text_content().split()) for div in tile
                     for cls in (div.get("class") or "").split()}
            value = cell.paragraphs[0]
            value.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = value.add_run(parts.get("csi-value", ""))
            run.bold, run.font.size = True, Pt(18 if "csi-headline" in (tile.get("class") or "") else 14)
            _east_asian(run, run.text)
            for key, size in (("csi-label", 9), ("csi-sub", 8)):
                if parts.get(key):
                    paragraph = cell.add_paragraph()
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                    run = paragraph.add_run(parts[key])
                    run.font.size = Pt(size)
                    _east_asian(run, run.text)
        target.add_paragraph()

    def _seal(self, el, target) -> None:
        """The seal box's text and the report date, at the right, with room above for the stamp."""
        for k, div in enumerate(d for d in el if isinstance(d.tag, str)):
            text = " ".join(div.text_content().split())
            paragraph = target.add_paragraph()
            paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if k == 0:
                paragraph.paragraph_format.space_before = Pt(24)
            _east_asian(paragraph.add_run(text), text)

    def _table(self, el, target) -> None:
        rows = [tr for tr in el.iter("tr")]
        if not rows:
            return
        width = max(len(tr.findall("th")) + len(tr.findall("td")) for tr in rows)
        head = el.find("thead") is not None
        classes = set((el.get("class") or "").split())
        table = target.add_table(rows=len(rows), cols=width)
        table._tbl.tblStyle_val = self.style_ids[TABLE_STYLE if "csi-table" in classes else META_STYLE]  # by id
        # the cells once: python-docx's row.cells and column.cells each rebuild the whole table's cells
        grid = [[_Cell(tc, table) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]
        texts = []
        for tr, cells in zip(rows, grid):
            row_texts = []
            for cell, td in zip(cells, (c for c in tr if c.tag in ("td", "th"))):
                self._cell(td, cell)
                row_texts.append(td.text_content())
            texts.append(row_texts)
        if head:
            _repeat_header(table.rows[0])
        _plain_first_column(table)
        _column_widths(table, grid, texts, width)
        target.add_paragraph().paragraph_format.space_after = Pt(0)

    def _cell(self, td, cell) -> None:
        """A table cell's content in the table's paragraph style; numbers right-aligned.

        A cell of plain text (nearly all of them) gets a copy of a paragraph made once per kind (header or
        not, number or not, Chinese or not, empty or not) by the same calls, with its text put in: made call by
        call, a report's ~700 cells took a third of the Word document's time."""
        bold, right = td.tag == "th", "num" in (td.get("class") or "").split()
        if len(td) or set((td.get("class") or "").split()) - {"num"}:  # inline elements, or a class of its own
            paragraph = cell.paragraphs[0]
            paragraph._p.style = self.cell_style
            self.inline(td, paragraph, {"bold": True} if bold else {}, top=True)
            if right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            return
        text = " ".join((td.text or "").split())
        kind = (bold, right, bool(CJK.search(text)), not text)
        if kind not in self.cell_paragraphs:
            paragraph = self._add(self.doc, "CSI Table")
            self.doc.element.body.remove(paragraph._p)
            if not kind[3]:
                self._text(paragraph, "中" if kind[2] else "0", {"bold": bold})
            if right:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            self.cell_paragraphs[kind] = paragraph._p
        made = copy.deepcopy(self.cell_paragraphs[kind])
        if text:
            made.find(f"{W_R}/{W_T}").text = text
        cell._tc.replace(cell._tc.p_lst[0], made)

    def _picture(self, img, target) -> None:
        """A chart: its SVG rasterised to PNG (CJK text set in the CJK face), as wide as the text at most,
        centred, with the HTML's alt text as the picture's description."""
        source = img.get("src") or ""
        prefix = "data:image/svg+xml;base64,"
        if not source.startswith(prefix):
            return  # not a chart csi drew (an empty placeholder in tests without pixels)
        svg = base64.b64decode(source[len(prefix):])
        png, width_pt = svg_to_png(svg)
        paragraph = target.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        picture = paragraph.add_run().add_picture(io.BytesIO(png), width=min(Pt(width_pt), TEXT_WIDTH))
        picture._inline.docPr.set("descr", img.get("alt") or "")  # alt text: python-docx has no API for it

    # ---------------------------------------------------------------- inline content
    def inline(self, el, paragraph, fmt: dict, top: bool = False) -> None:
        """An inline element's text and children as runs (bold for th/strong/b, italic for em/i, …)."""
        tag, classes = el.tag, set((el.get("class") or "").split())
        if not isinstance(tag, str):
            return
        fmt = dict(fmt)
        if tag in ("b", "strong", "th"):
            fmt["bold"] = True
        if tag in ("i", "em") or "csi-not-stated" in classes:
            fmt["italic"] = True
        if "csi-tag" in classes:
            fmt["bold"], fmt["grey"] = True, True
        if "csi-sign-line" in classes:
            run = paragraph.add_run("\u00a0" * 18)
            run.underline = True
            return
        if tag == "br":
            paragraph.add_run().add_break()
            return
        quote = ("“", "”") if tag == "q" else ("", "")
        if el.tag in BLOCKS and not top and paragraph._p.find(W_R) is not None:  # a block in a table cell: own line
            paragraph.add_run().add_break()
        self._text(paragraph, quote[0] + (el.text or ""), fmt)
        for child in el:
            self.inline(child, paragraph, fmt)
            if child.tail:
                self._text(paragraph, child.tail, fmt)
        if quote[1]:
            self._text(paragraph, quote[1], fmt)

    def _text(self, paragraph, text: str, fmt: dict) -> None:
        text = re.sub(r"\s+", " ", text)
        first = paragraph._p.find(W_R) is None  # paragraph.runs would wrap every run (an XPath each time)
        if not text or (text == " " and first):
            return
        if first:
            text = text.lstrip()
        run = paragraph.add_run()
        run._r.add_t(text)  # the text has no tabs or line breaks left, which run.text would look for
        if fmt.get("bold"):
            run.bold = True
        if fmt.get("italic"):
            run.italic = True
        if fmt.get("grey"):
            run.font.color.rgb = GREY
        _east_asian(run, text)


# -------------------------------------------------------------------- charts
@functools.lru_cache(maxsize=32)  # the path diagram is the same in every report of a pool and language
def svg_to_png(svg: bytes) -> tuple[bytes, float]:
    """A chart's SVG as PNG at :data:`DPI` as placed in the document, and its width in points.

    A chart wider than the text is shown at the text's width, so it is rasterised at that width (more pixels
    would not be printed: rasterising is most of a Word report's cost). CairoSVG sets a text in the first family
    of its list only (no fallback per glyph), so a text with Chinese characters gets the CJK face first (it has
    Latin letters too)."""
    import cairosvg

    text = svg.decode("utf-8")
    text = re.sub(r"(<text\b[^>]*?font-family: )([^;\"]*)([^>]*>)([^<]*)", _cjk_first, text)
    match = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', text)
    width = float(match.group(1)) if match else 432.0
    try:
        png = cairosvg.svg2png(bytestring=text.encode("utf-8"), dpi=DPI * min(1.0, TEXT_WIDTH.pt / width))
    except Exception as exc:  # noqa: BLE001 - cairosvg raises many kinds; the report names the chart
        raise ReportError(f"a chart could not be converted to PNG for the Word report: {exc}") from None
    return png, width


def _cjk_first(match: re.Match) -> str:
    start, families, rest, content = match.groups()
    if CJK.search(content):
        names = [f.strip() for f in families.split(",")]
        cjk = [f for f in names if "CJK" in f or EAST_ASIAN_FONT in f]
        families = ", ".join(cjk + [f for f in names if f not in cjk])
    return f"{start}{families}{rest}{content}"


# -------------------------------------------------------------------- fonts and fields (python-docx has no API)
def _fonts(style, lang: str) -> None:
    """A style's fonts: Latin, East Asian (w:eastAsia) in place of the template's theme fonts, Chinese marked
    zh-CN."""
    style.font.name = LATIN_FONT
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)  # a theme font would win over the named ones
    fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
    language = style.element.get_or_add_rPr().find(qn("w:lang"))
    if language is None:
        language = OxmlElement("w:lang")
        style.element.get_or_add_rPr().append(language)
    language.set(qn("w:val"), "zh-CN" if lang == "zh" else "en-GB")
    language.set(qn("w:eastAsia"), "zh-CN")


def _east_asian(run, text: str) -> None:
    """A run with Chinese characters: the East Asian font on the run itself (so it holds when the text is
    pasted elsewhere) and the hint that its punctuation is East Asian."""
    if CJK.search(text):
        fonts = run._r.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), EAST_ASIAN_FONT)
        fonts.set(qn("w:hint"), "eastAsia")


def _field(paragraph, instruction: str, shown: str) -> None:
    """A simple field (PAGE) in a paragraph."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _begin_field(paragraph, instruction: str) -> None:
    """The start of a field whose result spans paragraphs (the TOC): begin, instruction, separate."""
    for kind, value in (("begin", None), ("instr", instruction), ("separate", None)):
        run = paragraph.add_run()
        if kind == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = value
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        run._r.append(element)


def _end_field(paragraph) -> None:
    element = OxmlElement("w:fldChar")
    element.set(qn("w:fldCharType"), "end")
    paragraph.add_run()._r.append(element)


def _updating_fields():
    """Word refreshes the fields (the contents' page numbers) when the document is opened."""
    element = OxmlElement("w:updateFields")
    element.set(qn("w:val"), "true")
    return element


def _repeat_header(row) -> None:
    """The header row repeats on every page a table runs over."""
    header = OxmlElement("w:tblHeader")
    row._tr.get_or_add_trPr().append(header)


def _plain_first_column(table) -> None:
    """Only the header row emphasised: the table style's bold first column would make a label column shout."""
    look = table._tbl.tblPr.find(qn("w:tblLook"))
    if look is not None:
        look.set(qn("w:firstColumn"), "0")
        look.set(qn("w:val"), "0420")


#: The width of one character of table text (9 pt, capitals and digits; a CJK character takes two), and a
#: cell's margins in characters.
CHAR, PADDING = Mm(2.0), 3
#: Longer texts wrap: a column needs no more characters than this.
LONGEST = 60


def _column_widths(table, grid: list[list[_Cell]], texts: list[list[str]], width: int) -> None:
    """Column widths from their text, spanning the text width as in the PDF: each column as wide as its
    longest text; when they do not fit, the widest are cut to one width (so codes and numbers never wrap,
    and questions and sentences share the rest)."""
    def size(text: str) -> int:
        text = " ".join(text.split())
        return min(len(text) + len(CJK.findall(text)), LONGEST)
    natural = [(max((size(row[k]) for row in texts if k < len(row)), default=1) + PADDING) * CHAR
               for k in range(width)]
    if sum(natural) <= TEXT_WIDTH:
        widths = [n * TEXT_WIDTH / sum(natural) for n in natural]
    else:  # the largest cut C with sum(min(n, C)) = the text width
        cut, rest, left = TEXT_WIDTH / len(natural), TEXT_WIDTH, len(natural)
        for n in sorted(natural):
            if n * left > rest:
                cut = rest / left
                break
            rest, left = rest - n, left - 1
        widths = [min(n, cut) for n in natural]
    table.autofit = False
    for column, w in zip(table.columns, widths):
        column.width = int(w)
    for cells in grid:
        for cell, w in zip(cells, widths):
            cell.width = int(w)
