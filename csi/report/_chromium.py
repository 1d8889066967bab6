"""PDF from the report's HTML with headless Chromium (the fast engine for large batches).

Each process keeps one browser and one page (started on first use, driven by Playwright from a private
thread with its own event loop, so any thread may ask for a PDF; scripts off, every request aborted) and
prints each report there. Chromium lays out ``print.css`` and the ``@page`` footer of
:func:`csi.report.pdf.page_css` ("第 N 页 / 共 M 页") and writes a named destination per contents link.
It has no ``target-counter()``, so the page numbers of the contents page are written afterwards: each
contents link's target page is read from the PDF's named destinations and its number drawn at the
right end of the link's row (pikepdf), and a bookmark per contents entry points at the same
destination.
"""

from __future__ import annotations

import asyncio
import atexit
import io
import os
import re
import shutil
import threading
import zlib
from collections.abc import Sequence

from csi.exceptions import ReportError

#: Looked up on PATH in this order unless CSI_CHROMIUM names the browser. The headless shell (Debian's
#: chromium-headless-shell) is the same Blink without the desktop browser around it: it prints the same
#: pages with 40% less CPU (benchmarks/RESULTS.md).
BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
LAUNCH_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-dev-shm-usage")
#: Chromium-only print rules: contents links span their row, so the row's right end is known.
PRINT_CSS = "nav.csi-toc a { display: block; } nav.csi-toc a::after { content: none; }"
#: Page margins where the page's CSS sets none (print.css sets these too); the footer lives in the bottom one.
DEFAULT_MARGIN = {"top": "20mm", "right": "16mm", "bottom": "18mm", "left": "16mm"}
NUMBER_FONT_SIZE = 11          # pt, as nav.csi-toc li in print.css
NUMBER_COLOUR = (0.122, 0.306, 0.475)  # #1f4e79, as the contents page numbers of the WeasyPrint PDF
HELVETICA_DIGIT = 0.556        # advance width of every digit in Helvetica, in em (its AFM metrics)
HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
FONT_REFERENCE = "/CsiHelveticaReference"  # stands in for the font object's reference while pikepdf writes the page


def browser_path() -> str:
    """The Chromium executable: ``CSI_CHROMIUM``, else the first of :data:`BROWSERS` on PATH."""
    named = os.environ.get("CSI_CHROMIUM")
    if named:
        found = shutil.which(named)
        if found is None:
            raise ReportError(f"PDF (chromium): CSI_CHROMIUM={named!r} is not an executable; point it at Chromium "
                              "or unset it.")
        return found  # a path: the browser is started by Playwright, which does not search PATH
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise ReportError("PDF (chromium): no Chromium found on PATH; install it (Debian: `apt-get install chromium`; "
                      "`make` does this), set CSI_CHROMIUM, or use pdf_engine = \"weasyprint\".")


class Browser:
    """One headless Chromium for this process, usable from any thread (calls run on its own loop)."""

    def __init__(self, executable: str):
        self.executable = executable
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="csi-chromium", daemon=True)
        self._thread.start()
        self._playwright = self._browser = self._page = None
        self._busy = asyncio.Lock()
        try:
            self._call(self._start())
        except BaseException:
            self._stop_loop()
            raise

    def _call(self, coroutine, timeout: float = 300):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    async def _start(self) -> None:
        try:
            from playwright.async_api import Error as PlaywrightError
            from playwright.async_api import async_playwright
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise ReportError(f"PDF (chromium) needs Playwright ({exc}): `pip install playwright`.") from None
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(executable_path=self.executable,
                                                                   args=list(LAUNCH_ARGS))
        except PlaywrightError as exc:
            await self._playwright.stop()
            raise ReportError(f"PDF (chromium): {self.executable} did not start: {str(exc).splitlines()[0]}") from None

    @property
    def alive(self) -> bool:
        return self._browser is not None and self._browser.is_connected()

    def print_pdf(self, html: str) -> bytes:
        """Lay out ``html`` for print (A4 from its ``@page`` rules) and return the PDF bytes."""
        return self._call(self._print(html))

    async def _print(self, html: str) -> bytes:
        async with self._busy:  # one page, one document at a time
            if self._page is None:
                context = await self._browser.new_context(java_script_enabled=False, offline=True)
                self._page = await context.new_page()
                await self._page.route("**/*", lambda route: route.abort())  # only data: URLs load
            await self._page.set_content(html, wait_until="load")
            # untagged: the structure tree cost a tenth of the print and a third of the file; the bookmarks
            # it gave are written by number_contents instead
            return await self._page.pdf(prefer_css_page_size=True, print_background=True, tagged=False,
                                        margin=DEFAULT_MARGIN)

    def close(self) -> None:
        if self._playwright is not None:
            try:
                self._call(self._stop(), timeout=30)
            except Exception:  # noqa: BLE001, S110 - a browser that already died has nothing left to close
                pass
        self._stop_loop()

    def _stop_loop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()

    async def _stop(self) -> None:
        if self._browser is not None:
            await self._browser.close()
        await self._playwright.stop()
        self._playwright = self._browser = self._page = None


_BROWSER: Browser | None = None
_LOCK = threading.Lock()


def browser() -> Browser:
    """This process's browser, started on first use and replaced when it has died."""
    global _BROWSER
    with _LOCK:
        if _BROWSER is None or not _BROWSER.alive:
            if _BROWSER is not None:
                _BROWSER.close()
            _BROWSER = Browser(browser_path())
        return _BROWSER


@atexit.register
def close_browser() -> None:
    """Close this process's browser (also called when a batch ends)."""
    global _BROWSER
    with _LOCK:
        if _BROWSER is not None:
            _BROWSER.close()
            _BROWSER = None


def print_report(html: str, css: str = "", sections: Sequence[tuple[str, str]] = (), lang: str | None = None) -> bytes:
    """The PDF of a prepared report page (see :func:`csi.report.pdf.html_to_pdf`) with ``css`` added,
    contents page numbered, a bookmark per section (anchor, title) and the document language."""
    style = f"<style>{css}{PRINT_CSS}</style>"
    head_end = html.find("</head>")
    html = html[:head_end] + style + html[head_end:] if head_end >= 0 else style + html
    return number_contents(browser().print_pdf(html), sections, lang)


def number_contents(pdf: bytes, sections: Sequence[tuple[str, str]] = (), lang: str | None = None) -> bytes:
    """Write each contents link's target page number at the right end of its row, bookmarks and /Lang.

    The contents page is the first page with links to named destinations; a link whose name is not a
    destination (it cannot be, unless the page was changed by hand) is an error rather than a blank.
    ``sections`` (destination name, title) become the PDF's bookmarks, in order; ``lang`` (e.g.
    "zh-CN") the document language that screen readers and text extraction use. All of it goes in as an incremental update (ISO 32000-1 §7.5.6): only the contents page, its content
    stream, the catalog and the new bookmark objects are written, after the untouched original.
    Rewriting the whole file with pikepdf cost a quarter of a second per report (qpdf resolves every
    object first).
    """
    import pikepdf

    with pikepdf.open(io.BytesIO(pdf)) as document:
        targets = _destination_pages(document)
        trailer = document.trailer
        size = int(trailer.Size)  # the next free object number
        changed: dict[tuple[int, int], bytes] = {}
        found = _contents_links(document)
        if found is not None:
            page, links = found
            missing = [name for _, name in links if name not in targets]
            if missing:
                raise ReportError(f"PDF (chromium): contents links without a target heading: {', '.join(missing)}.")
            changed.update(_draw_numbers(page, [(rect, targets[name]) for rect, name in links], font=size))
            size += 1
        marks = [(name, title) for name, title in sections if name in targets]
        if marks and "/Outlines" in document.Root:
            marks = []  # the browser wrote bookmarks itself
        if marks or (lang and "/Lang" not in document.Root):
            changed.update(_catalog(document.Root, marks, size, lang))
            size += len(marks) + 1 if marks else 0
        if not changed:
            return pdf
        trailer.Size = size
        for key in ("/Prev", "/XRefStm"):  # the update's trailer points back to the latest section
            if key in trailer:
                del trailer[key]
        return _append_update(pdf, trailer.unparse(resolved=True), changed)


def _destination_pages(document) -> dict[str, int]:
    """Named destination (without "/") -> page number; Chromium writes the /Dests dictionary."""
    import pikepdf

    pages = {page.objgen: number for number, page in enumerate(document.pages, start=1)}
    named = dict(document.Root.Dests.items()) if "/Dests" in document.Root else {}
    if "/Names" in document.Root and "/Dests" in document.Root.Names:
        named.update(pikepdf.NameTree(document.Root.Names.Dests).items())
    targets = {}
    for name, dest in named.items():
        dest = dest.D if isinstance(dest, pikepdf.Dictionary) else dest
        targets[str(name).lstrip("/")] = pages[dest[0].objgen]
    return targets


def _contents_links(document):
    """The first page with links to named destinations and its links (rectangle, name), or None."""
    for page in document.pages:
        links = [(annot.Rect, str(annot.Dest).lstrip("/")) for annot in page.obj.get("/Annots", [])
                 if annot.get("/Subtype") == "/Link" and "/Dest" in annot]
        if links:
            return page, links
    return None


def _draw_numbers(page, numbers, font: int) -> dict[tuple[int, int], bytes]:
    """The contents page and its content stream with each number drawn at the right end of its row, in
    Helvetica (a new object, number ``font``)."""
    import pikepdf

    ops = [f"{NUMBER_COLOUR[0]} {NUMBER_COLOUR[1]} {NUMBER_COLOUR[2]} rg BT /CsiHelv {NUMBER_FONT_SIZE} Tf"]
    for rect, number in numbers:
        _x0, y0, x1, y1 = (float(v) for v in rect)
        text = str(number)
        width = len(text) * HELVETICA_DIGIT * NUMBER_FONT_SIZE
        baseline = y0 + (y1 - y0 - 0.72 * NUMBER_FONT_SIZE) / 2  # the digits' cap height centred in the row
        ops.append(f"1 0 0 1 {x1 - width:.2f} {baseline:.2f} Tm ({text}) Tj")
    ops.append("ET")
    # the font is an object of the update (readers such as poppler expect fonts to be indirect); a name
    # stands in for its reference, since making the object with qpdf would resolve the whole file first
    fonts = page.resources.get("/Font") or pikepdf.Dictionary()
    fonts["/CsiHelv"] = pikepdf.Name(FONT_REFERENCE)
    page.resources["/Font"] = fonts
    streams = list(page.obj.Contents) if isinstance(page.obj.Contents, pikepdf.Array) else [page.obj.Contents]
    # the page's own drawing goes in q … Q, so no state it leaves behind can move the numbers
    drawing = b"q\n" + b"\n".join(stream.read_bytes() for stream in streams) + ("\nQ\n" + "\n".join(ops)).encode()
    page.obj.Contents = streams[0]  # one stream, written again under the first one's number
    reference = FONT_REFERENCE.encode(), b"%d 0 R" % font
    changed = {page.obj.objgen: page.obj.unparse(resolved=True).replace(*reference),
               streams[0].objgen: _flate_stream(drawing), (font, 0): HELVETICA}
    for part in (page.obj.Resources, fonts):  # either may be an object of its own
        if part.is_indirect:
            changed[part.objgen] = part.unparse(resolved=True).replace(*reference)
    return changed


def _catalog(root, marks: Sequence[tuple[str, str]], first: int, lang: str | None) -> dict[tuple[int, int], bytes]:
    """The catalog with /Lang and, for ``marks``, bookmarks: an /Outlines dictionary (object ``first``)
    with one item per (destination, title), shown when the PDF opens."""
    import pikepdf

    catalog = root.unparse(resolved=True).rstrip()[:-2]
    if lang and "/Lang" not in root:
        catalog += b" /Lang " + pikepdf.String(lang).unparse()
    if not marks:
        return {root.objgen: catalog + b" >>"}
    items = list(range(first + 1, first + 1 + len(marks)))
    out = {(first, 0): b"<< /Type /Outlines /First %d 0 R /Last %d 0 R /Count %d >>" % (items[0], items[-1], len(items)),
           root.objgen: catalog + b" /Outlines %d 0 R /PageMode /UseOutlines >>" % first}
    for k, (number, (name, title)) in enumerate(zip(items, marks)):
        links = (b" /Prev %d 0 R" % items[k - 1] if k else b"") + \
            (b" /Next %d 0 R" % items[k + 1] if k + 1 < len(items) else b"")
        out[(number, 0)] = b"<< /Title %s /Parent %d 0 R /Dest %s%s >>" % (
            pikepdf.String(title).unparse(), first, pikepdf.Name("/" + name).unparse(), links)
    return out


def _flate_stream(data: bytes) -> bytes:
    packed = zlib.compress(data)
    return b"<< /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream" % (len(packed), packed)


def _append_update(pdf: bytes, trailer: bytes, objects: dict[tuple[int, int], bytes]) -> bytes:
    """``pdf`` followed by an incremental update writing ``objects`` ((number, generation) -> body).

    The update has a classic cross-reference section, as Chromium's own file has; its trailer repeats
    the original's entries (``trailer``, without /Prev) and points back to the original section.
    """
    tail = pdf[-1024:]
    found = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
    if found is None or not pdf[int(found.group(1)):].startswith(b"xref"):
        raise ReportError("PDF (chromium): the browser's PDF has no classic cross-reference table; "
                          "csi cannot number its contents page (use pdf_engine = \"weasyprint\").")
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets = {}
    for (number, generation), body in sorted(objects.items()):
        offsets[number] = (len(out), generation)
        out += b"%d %d obj\n%s\nendobj\n" % (number, generation, body)
    xref = len(out)
    out += b"xref\n"
    for number, (offset, generation) in offsets.items():  # one subsection per object
        out += b"%d 1\n%010d %05d n\r\n" % (number, offset, generation)
    entries = trailer.strip()[2:-2]  # the dictionary's inside
    out += b"trailer\n<< %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (entries, int(found.group(1)), xref)
    return bytes(out)
