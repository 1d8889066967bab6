"""PDF reports from both engines (WeasyPrint, Chromium) checked with poppler and pikepdf on real demo reports."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pikepdf
import pytest

from csi.batch import _run as runner
from csi.batch._jobs import HTML_LANG
from csi.exceptions import ReportError
from csi.report import _chromium as chromium
from csi.report._pdf import html_to_pdf, page_css, prepare_html, running_header_css

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
SCRIPT = "<script>alert(1)</script>"
HEADINGS = {"zh": ("一、测评结果摘要", "二、改进行动要点", "三、测评背景与依据", "四、测评模型与指标体系",
                   "五、抽样与调查实施", "七、测评结果", "八、驱动因素与改进优先级", "九、行业对标", "十、不满意与投诉分析",
                   "十一、结论与建议", "附录"),
            "en": ("1. Summary", "2. Action points", "3. Background and basis", "7. Results",
                   "11. Conclusions and recommendations", "Appendix")}
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")
ENGINES = ["weasyprint", pytest.param("chromium", marks=pytest.mark.skipif(
    not any(shutil.which(b) for b in chromium.BROWSERS), reason="no Chromium on PATH (`make` installs it)"))]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """W01 and B08 in zh and en, B08 renamed to carry a script tag; each with its HTML and summary."""
    root = tmp_path_factory.mktemp("study")
    shutil.copytree(ROOT / "data", root / "data")  # the study's rules live in data/rules and data/demo/audits
    folder = root / "data" / "demo"
    rows = list(csv.DictReader(io.StringIO((DEMO / "enterprises.csv").read_text(encoding="utf-8"))))
    for row in rows:
        if row["enterprise_id"] == "B08":
            row["name_zh"] = f"{SCRIPT} {row['name_zh']}"
            row["name_en"] = f"{SCRIPT} {row['name_en']}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    (folder / "enterprises.csv").write_text(out.getvalue(), encoding="utf-8")
    result = runner.run_study(folder / "study.toml", tmp_path_factory.mktemp("reports"), only=["W01", "B08"],
                              languages=["zh", "en"])
    assert not result.failed, result.failed
    return {(o.enterprise_id, o.language): {"html": (result.out_dir / o.path).read_text(encoding="utf-8"),
                                            "summary": o.summary} for o in result.outcomes}


@pytest.fixture(scope="module", params=ENGINES)
def reports(request, rendered, tmp_path_factory) -> dict[tuple[str, str], dict]:
    """The same reports as PDFs from one engine (each test runs with both)."""
    folder = tmp_path_factory.mktemp(request.param)
    found = {}
    for (enterprise_id, lang), report in rendered.items():
        pdf = folder / f"{enterprise_id}.{lang}.pdf"
        pdf.write_bytes(html_to_pdf(report["html"], lang=lang, engine=request.param))
        found[enterprise_id, lang] = {**report, "pdf": pdf, "engine": request.param}
    yield found
    chromium.close_browser()


def _text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, flags=re.MULTILINE).group(1))


@needs_poppler
@pytest.mark.parametrize("key", [("W01", "zh"), ("W01", "en"), ("B08", "zh"), ("B08", "en")])
def test_pdf_has_headings_index_and_page_footer(reports, key):
    report = reports[key]
    lang, pdf = key[1], report["pdf"]
    pages = _pages(pdf)
    assert pages >= 2
    text = _text(pdf)
    for heading in HEADINGS[lang]:
        assert heading in text
    assert f"{report['summary']['index']:.1f}" in text
    first = _text(pdf, 1, 1)
    footer = rf"第\s*1\s*页\s*/\s*共\s*{pages}\s*页" if lang == "zh" else rf"Page 1 of {pages}\b"
    assert re.search(footer, first)
    name = "江城市自来水有限公司" if key == ("W01", "zh") else None
    if name:  # the running header: the enterprise on every page but the cover
        assert _text(pdf, 3, 3).lstrip().startswith(name) and not _text(pdf, 1, 1).lstrip().startswith(name)
    last = _text(pdf, pages, pages)
    assert re.search(rf"第\s*{pages}\s*页" if lang == "zh" else rf"Page {pages} of {pages}\b", last)


@needs_poppler
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_contents_page_lists_each_section_with_the_page_it_starts_on(reports, lang):
    pdf = reports["W01", lang]["pdf"]
    contents = _text(pdf, 2, 2)
    assert ("目录" if lang == "zh" else "Contents") in contents
    entries = dict(re.findall(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", contents, flags=re.MULTILINE))
    for heading in HEADINGS[lang]:
        listed = int(entries[heading])
        starts = min(p for p in range(3, _pages(pdf) + 1) if heading in _text(pdf, p, p))
        assert listed == starts, (heading, listed, starts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bookmarks_and_document_language(reports, lang):
    with pikepdf.open(reports["W01", lang]["pdf"]) as pdf:
        assert str(pdf.Root.Lang) == HTML_LANG[lang]
        with pdf.open_outline() as outline:
            titles, stack = [], list(outline.root)
            while stack:
                item = stack.pop()
                titles.append(" ".join(item.title.split()))
                stack += list(item.children)
    for heading in HEADINGS[lang]:
        assert heading in titles, (heading, titles)
    assert len(titles) == len(set(titles))  # each section once


@needs_poppler
@pytest.mark.parametrize("key", [("W01", "zh"), ("B08", "en")])
def test_fonts_are_noto_cjk_with_unicode_maps(reports, key):
    """WeasyPrint embeds Noto Sans CJK SC subsets; Chromium (Skia) draws that CFF font as Type 3 glyph
    outlines. Either way every font maps its glyphs to Unicode, so the text can be searched and copied."""
    fonts = subprocess.run(["pdffonts", str(reports[key]["pdf"])], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts
    if reports[key]["engine"] == "weasyprint":
        assert any("Noto-Sans-CJK-SC" in line for line in fonts)
        assert not any("Type 3" in line for line in fonts)
        assert all(re.search(r"\s+yes\s+yes\s+yes\s+\d+\s+\d+$", line) for line in fonts)  # emb, sub, uni
    else:
        body = [line for line in fonts if "Helvetica" not in line]  # the contents page numbers
        assert body and all(re.search(r"\s+yes\s+\S+\s+yes\s+\d+\s+\d+$", line) for line in body)  # emb, uni


@needs_poppler
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_script_in_an_enterprise_name_is_text(reports, lang):
    report = reports["B08", lang]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in report["html"] and "<script>alert" not in report["html"]
    prepared = prepare_html(report["html"], lang)
    assert "<script" not in prepared.lower()
    assert SCRIPT in _text(report["pdf"])


# --------------------------------------------------------------------------- prepare_html, page_css


PAGE = """<!DOCTYPE html>
<html lang="en"><head><title>t</title><style>h2::before { content: "<h2>"; }</style></head><body>
<section class="csi-cover"><h1>Acme</h1><h2>Report title</h2></section>
<div><h2>一、摘要<a class="anchor-link" href="#x">¶</a></h2><p>a</p>
<h2 id="own" class="x">&lt;script&gt;b&lt;/script&gt; &amp; c</h2></div></body></html>"""


def test_prepare_html_sets_language_ids_and_contents():
    out = prepare_html(PAGE, "zh")
    assert '<html lang="zh-CN">' in out and 'lang="en"' not in out
    assert out.count('<nav class="csi-toc"') == 1
    assert out.index('<nav class="csi-toc"') < out.index('<h2 id="csi-section-1">一、摘要')
    assert out.index("</section>") < out.index('<nav class="csi-toc"')  # after the cover
    assert '<a href="#csi-section-1">一、摘要</a>' in out  # no "¶"
    assert '<a href="#own">&lt;script&gt;b&lt;/script&gt; &amp; c</a>' in out  # its own id, escaped
    assert '<h2 id="own" class="x">' in out
    assert "Report title</a>" not in out  # the cover's subtitle is no section
    assert prepare_html(out, "zh") == out  # a page with contents is left alone


def test_prepare_html_without_sections_only_sets_the_language():
    assert prepare_html("<p>x</p>", "en") == '<html lang="en"><p>x</p></html>'
    assert prepare_html("<HTML class='a' LANG='de'><p>x</p></HTML>", "zh") == \
        "<HTML lang=\"zh-CN\" class='a'><p>x</p></HTML>"


def test_running_header_names_the_cover_enterprise_as_a_css_string():
    css = running_header_css('<section class="csi-cover"><h1>A "B" &amp; <b>C</b></h1></section>')
    assert 'content: "A \\"B\\" & C";' in css and "@page :first { @top-left { content: none; } }" in css
    assert running_header_css("<h1>no cover</h1>") == ""


def test_page_css_turns_the_label_into_counters():
    assert 'content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";' in page_css("zh")
    assert 'content: "Page " counter(page) " of " counter(pages);' in page_css("en")


def test_unknown_language_is_an_error():
    with pytest.raises(ReportError, match="'fr' is not one of zh, en"):
        html_to_pdf("<p>x</p>", lang="fr")


@needs_poppler
@pytest.mark.parametrize("engine", ENGINES)
def test_nothing_is_fetched_from_the_network(tmp_path, engine):
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            requests.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    html = (f'<html><head><link rel="stylesheet" href="{url}/a.css"></head><body><h2>A</h2>'
            f'<img src="{url}/x.png"><h2>B</h2></body></html>')
    pdf = tmp_path / "x.pdf"
    try:
        pdf.write_bytes(html_to_pdf(html, lang="en", engine=engine))
    finally:
        server.shutdown()
        server.server_close()
        chromium.close_browser()
    assert requests == []
    assert re.search(r"Page 1 of \d", _text(pdf))


def test_unknown_engine_and_missing_browser_are_clear_errors(monkeypatch):
    with pytest.raises(ReportError, match="engine 'prince' is not one of weasyprint, chromium"):
        html_to_pdf("<p>x</p>", lang="en", engine="prince")
    monkeypatch.setenv("CSI_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(ReportError, match="CSI_CHROMIUM='/nonexistent/chromium' is not an executable"):
        chromium.browser_path()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed (make test installs it)")
def test_a_browser_named_by_csi_chromium_is_found_on_path(monkeypatch):
    monkeypatch.setenv("CSI_CHROMIUM", "chromium")  # Playwright needs the path; it does not search PATH
    assert chromium.browser_path() == shutil.which("chromium")
    monkeypatch.delenv("CSI_CHROMIUM")
    assert chromium.browser_path() == shutil.which(next(b for b in chromium.BROWSERS if shutil.which(b)))


def _linked_pdf(path: Path) -> bytes:
    """Two pages: page 1 links to a destination on page 2, has two content streams and shared resources
    (resources and fonts are objects of their own, which Chromium's are not: both cases are covered)."""
    pdf = pikepdf.new()
    resources = pdf.make_indirect(pikepdf.Dictionary(Font=pdf.make_indirect(pikepdf.Dictionary())))
    for _ in range(2):
        pdf.add_blank_page(page_size=(595, 842))
    first, second = pdf.pages[0], pdf.pages[1]
    first.obj.Resources = resources
    first.obj.Contents = pikepdf.Array([pdf.make_stream(b"1 0 0 -1 0 842 cm"), pdf.make_stream(b"0 0 1 rg")])
    pdf.Root.Dests = pikepdf.Dictionary(s2=pikepdf.Array([second.obj, pikepdf.Name.XYZ, 0, 842, 0]))
    first.obj.Annots = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[50, 700, 500, 720], Dest=pikepdf.Name("/s2")))])
    pdf.save(path, object_stream_mode=pikepdf.ObjectStreamMode.disable)  # a classic xref table, like Chromium's
    return path.read_bytes()


@needs_poppler
def test_contents_numbers_are_an_incremental_update_of_the_browser_pdf(tmp_path):
    original = _linked_pdf(tmp_path / "in.pdf")
    numbered = chromium.number_contents(original, [("s2", "第二节 Results"), ("gone", "no destination")], "zh-CN")
    assert numbered.startswith(original)  # the browser's bytes are kept; only an update is appended
    (tmp_path / "out.pdf").write_bytes(numbered)
    assert re.search(r"^\s*2\s*$", _text(tmp_path / "out.pdf", 1, 1), flags=re.MULTILINE)
    fonts = subprocess.run(["pdffonts", tmp_path / "out.pdf"], capture_output=True, text=True, check=True)
    assert "Helvetica" in fonts.stdout and fonts.stderr == ""
    with pikepdf.open(tmp_path / "out.pdf") as pdf:
        assert pdf.check_pdf_syntax() == [] and len(pdf.pages) == 2
        page = pdf.pages[0]
        drawing = page.obj.Contents.read_bytes()  # both streams, wrapped in q … Q, then the number
        assert drawing.startswith(b"q\n1 0 0 -1 0 842 cm\n0 0 1 rg\nQ\n") and b"(2) Tj" in drawing
        assert str(page.obj.Resources.Font.CsiHelv.BaseFont) == "/Helvetica"
        assert page.obj.Resources.Font.CsiHelv.is_indirect  # poppler's pdffonts fails on a direct font
        assert str(pdf.Root.Lang) == "zh-CN" and str(pdf.Root.PageMode) == "/UseOutlines"
        with pdf.open_outline() as outline:  # a bookmark per section with a destination, pointing at its page
            assert [item.title for item in outline.root] == ["第二节 Results"]
            assert outline.root[0].destination == pikepdf.Name("/s2")
    cross_reference_stream = original[:original.rindex(b"startxref")] + b"startxref\n0\n%%EOF\n"  # not "xref"
    with pytest.raises(ReportError, match="no classic cross-reference table"):
        chromium.number_contents(cross_reference_stream)
