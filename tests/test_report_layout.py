"""Report layout and charts: CJK chart text in the simplified-Chinese face (matplotlib, SVG, WeasyPrint),
names wrapped rather than cut, dimension values on their own bars, headings kept with what follows,
no half-empty pages inside a chapter (both PDF engines), overview tables without duplicate columns."""

from __future__ import annotations

import ast
import base64
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib import font_manager, ft2font

from csi import report
from csi.io._study import ReportSettings
from csi.report import _charts as charts
from csi.report import _chromium as chromium
from csi.report._pdf import html_to_pdf, keep_headings, prepare_html, svg_font_lists

ROOT = Path(__file__).resolve().parents[1]
NOTO_CJK = Path(charts.CJK_FONT_FILES[0])
needs_noto = pytest.mark.skipif(not NOTO_CJK.is_file(), reason="Noto Sans CJK missing (`make` installs it)")
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
                                   reason="poppler-utils missing")
needs_chromium = pytest.mark.skipif(not any(shutil.which(b) for b in chromium.BROWSERS), reason="no Chromium on PATH")
LONG_NAME = "Tianlian Mobile Communications Company Limited, Jiangcheng Municipal Branch Office"


# --------------------------------------------------------------------------- CJK face


def _face(family: str, weight: str = "normal") -> str:
    path = font_manager.findfont(font_manager.FontProperties(family=family, weight=weight), fallback_to_default=False)
    return ft2font.FT2Font(str(path), face_index=getattr(path, "face_index", 0)).family_name


def _pixels(text: str, **font) -> np.ndarray:
    with plt.rc_context(charts.report_rc()):
        fig = plt.figure(figsize=(1.6, 0.6), dpi=60)
        fig.text(0.02, 0.2, text, fontsize=24, **font)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()
    plt.close(fig)
    return pixels


@needs_noto
def test_charts_draw_chinese_in_the_simplified_chinese_face():
    """Noto's CJK file is a collection whose first face is the Japanese one: 骨 直 户 and "：" differ."""
    assert charts.cjk_font_family() == "Noto Sans CJK SC"
    assert _face("Noto Sans CJK SC") == _face("Noto Sans CJK SC", "bold") == "Noto Sans CJK SC"
    drawn = _pixels("骨直户：")
    assert (drawn == _pixels("骨直户：", family="Noto Sans CJK SC")).all()
    assert not (drawn == _pixels("骨直户：", family="Noto Sans CJK JP")).all()


def test_charts_leave_the_callers_rcparams_alone():
    plt.close(plt.figure())  # the backend is resolved on the first figure
    before = dict(plt.rcParams)
    charts.dimension_chart(_dimension_content([70.0], [72.0]))
    plt.close("all")
    assert dict(plt.rcParams) == before


@needs_noto
def test_older_matplotlib_gets_the_sc_face_copied_out_of_the_collection(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = charts._face_file(str(NOTO_CJK), "Noto Sans CJK SC")
    assert path is not None and path.parent == tmp_path / "csi" / "fonts"
    assert ft2font.FT2Font(str(path)).family_name == "Noto Sans CJK SC"
    assert charts._face_file(str(NOTO_CJK), "Noto Sans CJK SC") == path  # cached
    assert charts._face_file(str(NOTO_CJK), "No Such Face") is None


def test_weasyprint_gets_svg_font_lists_it_can_read():
    """WeasyPrint splits an SVG font list at commas without trimming: "'DejaVu Sans', 'Noto Sans CJK SC'"
    lost its second family and Chinese fell back to the collection's Japanese face."""
    style = "font-size: 9px; font-family: 'DejaVu Sans', 'Noto Sans CJK SC'; fill: #000"
    svg = f'<svg><text style="{style}">户</text></svg>'
    page = f'<p>font-family: a, b</p><img src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'
    fixed = svg_font_lists(page)
    assert fixed.startswith("<p>font-family: a, b</p>")  # only inside the images
    inside = base64.b64decode(re.search(r"base64,([^\"]+)", fixed).group(1)).decode()
    assert "font-family: 'DejaVu Sans','Noto Sans CJK SC';" in inside


@needs_noto
@needs_poppler
def test_weasyprint_sets_chart_chinese_in_the_sc_face(tmp_path):
    fig = charts.dimension_chart(_dimension_content([70.0, 60.0], [72.0, 58.0], labels=["顾客满意度", "骨直说户"]))
    html = f'<html><body>{charts.figure(fig, alt="x").html}</body></html>'
    (tmp_path / "chart.pdf").write_bytes(html_to_pdf(html, lang="zh"))
    fonts = subprocess.run(["pdffonts", str(tmp_path / "chart.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts and "CJK-JP" not in fonts


# --------------------------------------------------------------------------- charts


def _dimension_content(values, benchmarks, labels=None, lang="en"):
    labels = labels or [f"Dimension {k}" for k in range(len(values))]
    dims = pd.DataFrame({"label": labels, "index": values, "industry_index": benchmarks})
    return SimpleNamespace(lang=lang, dimensions=dims, study=SimpleNamespace(benchmark="mean_of_peers"))


def _extent(artist, fig):
    return artist.get_window_extent(fig.canvas.get_renderer())


def test_dimension_values_sit_on_their_own_bars_clear_of_the_benchmark():
    """75.5 beside the industry diamond read as the enterprise's value: each number is inside its bar."""
    values, benchmarks = [72.3, 80.0, 80.0, 64.0, 2.0, 1.0], [75.5, 79.0, 60.0, 80.0, 50.0, 3.0]
    fig = charts.dimension_chart(_dimension_content(values, benchmarks))
    ax = fig.axes[0]
    fig.canvas.draw()
    bars = sorted(ax.patches, key=lambda bar: -bar.get_y())  # the first dimension is at the top
    diamonds = ax.collections[0]
    centres = ax.transData.transform(diamonds.get_offsets())
    half = np.sqrt(diamonds.get_sizes()[0]) / np.sqrt(2) * fig.dpi / 72
    assert [t.get_text() for t in ax.texts] == [f"{v:.1f}" for v in values]  # one per bar, the enterprise's
    for k, (value, bar, number) in enumerate(zip(values, bars, ax.texts)):
        box, bar_box = _extent(number, fig), _extent(bar, fig)
        assert bar_box.y0 < (box.y0 + box.y1) / 2 < bar_box.y1  # on the bar's row
        if value > 20:  # inside the bar
            assert bar_box.x0 < box.x0 and box.x1 < bar_box.x1, value
        elif benchmarks[k] > 20:  # a bar too short to hold it: just right of the bar's end
            assert bar_box.x1 < box.x0 < bar_box.x1 + 10
        else:  # ... and of the diamond there
            assert centres[k][0] + half < box.x0 < centres[k][0] + half + 10
        x, y = centres[k]
        clear = box.x1 < x - half or box.x0 > x + half or box.y1 < y - half or box.y0 > y + half
        assert clear, (value, benchmarks[k])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["This enterprise", "Industry benchmark (mean of the industry's other enterprises)"]
    plt.close(fig)


def _tick_text(ax) -> list[str]:
    return [t.get_text() for t in ax.get_yticklabels()]


def test_long_enterprise_names_wrap_whole_in_the_charts():
    """en: chart names were cut with '…'."""
    zh_name = "江城市自来水有限公司城东营业部第二服务中心"
    table = pd.DataFrame({"enterprise_id": ["A", "B", "C"], "index": [70.0, 72.0, 74.0], "ci_low": [68.0, 70, 72],
                          "ci_high": [72.0, 74, 76], "industry_label": ["Water", "Water", "Bank"]})
    names = {"A": LONG_NAME, "B": "Short Co.", "C": zh_name}
    fig = charts.league_chart(names, table, "en")
    labels = _tick_text(fig.axes[0])
    assert "…" not in "".join(labels)
    assert " ".join(labels[0].split()) == LONG_NAME and labels[0].count("\n") >= 2  # lines, words whole
    assert labels[2].replace("\n", "") == zh_name and "\n" in labels[2]
    assert labels[1] == "Short Co."
    with plt.rc_context(charts.report_rc()):
        assert charts.label_width(labels, 7.5) <= charts.NAME_WIDTH + 1e-9
    plt.close(fig)
    peers = pd.DataFrame({"name": [LONG_NAME, "Other"], "index": [70.0, 71], "ci_low": [68.0, 69],
                          "ci_high": [72.0, 73], "self": [True, False], "n": [120, 80]})
    content = SimpleNamespace(lang="en", peers=peers, industry_index=70.5,
                              study=SimpleNamespace(benchmark="pooled", report=ReportSettings(min_n=10)))
    fig = charts.index_ci_chart(content)
    assert " ".join(_tick_text(fig.axes[0])[0].split()) == LONG_NAME
    legend = fig.axes[0].get_legend().get_texts()[0].get_text()
    assert legend == "Industry benchmark (all the industry's respondents pooled)"
    plt.close(fig)


def test_wrap_keeps_closing_punctuation_and_balances_lines():
    with plt.rc_context(charts.report_rc()):
        wrapped = charts.wrap("甲乙丙丁（戊己），庚辛壬癸子丑寅卯", 0.6, 10)
        assert not any(line[0] in "），" for line in wrapped.split("\n")[1:])
        assert charts.wrap("Tianlian Mobile Communications Co., Ltd.", 2.1, 8) == \
            "Tianlian Mobile\nCommunications Co., Ltd."


# --------------------------------------------------------------------------- keeping headings with what follows


def test_headings_are_wrapped_with_their_first_short_block():
    rows = "".join(f"<tr><td>{k}</td></tr>" for k in range(20))
    page = ('<html><body><section class="csi-cover"><h1>A</h1><h2>Title</h2><p>x</p></section>'
            '<div><h2 id="s1">1. One</h2><p>intro</p><figure><img alt="c" src="data:,"></figure><p>after</p>'
            f'<h3>Long</h3><div class="csi-scroll"><table>{rows}</table></div>'
            '<h2>2. Two</h2><h3>Sub</h3><p>text</p>'
            f'<h3>Pair</h3><div class="csi-pair"><table>{rows}</table><table>{rows}</table></div>'
            f'<h3>Intro</h3><p>of a table</p><div class="csi-scroll"><table>{rows}</table></div></div></body></html>')
    out = keep_headings(page)
    kept = re.findall(r'<div class="csi-keep[^"]*">(.*?)</div>', out.replace(rows, "ROWS"))
    assert '<h2 id="s1">1. One</h2><p>intro</p><figure><img alt="c" src="data:,"></figure>' in kept
    assert "<h2>2. Two</h2><h3>Sub</h3><p>text</p>" in kept
    assert '<div class="csi-keep csi-keep-next"><h3>Intro</h3><p>of a table</p></div>' in out  # with its first rows
    assert "<h3>Long</h3><div class=\"csi-scroll\">" in out  # a long table splits; its heading is not wrapped
    assert '<div class="csi-pair csi-split">' in out  # a long pair splits too
    assert '<section class="csi-cover"><h1>A</h1><h2>Title</h2><p>x</p></section>' in out  # the cover as it was
    assert re.sub(r'<div class="csi-keep[^"]*">|</div>| csi-split', "", out) == re.sub(r"</div>", "", page)
    assert keep_headings(out) == out  # once is enough
    assert keep_headings("<div><h2>x</h2><p>y</div>") == "<div><h2>x</h2><p>y</div>"  # tags that do not nest


# --------------------------------------------------------------------------- whole reports in both engines


def _report_html(analysis, enterprise_id: str, lang: str) -> str:
    """The enterprise report as `csi run` writes it: the notebook's cells run here (no kernel), exported with
    the report template."""
    import nbformat

    from csi.batch._render import export_html

    notebook = nbformat.read(ROOT / "notebooks" / "enterprise_report.ipynb", as_version=4)
    from csi.batch._jobs import notebook_parameters

    scope = {**notebook_parameters("", enterprise_id, lang), "study_path": None, "analysis_path": analysis}
    for cell in notebook.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type != "code" or "parameters" in tags:
            continue
        tree = ast.parse(cell.source)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(compile(tree, "cell", "exec"), scope)  # noqa: S102 - the project's own notebook
        value = eval(compile(ast.Expression(last.value), "cell", "eval"), scope) if last else None
        cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/html": value._repr_html_()},
                                               execution_count=1)] if hasattr(value, "_repr_html_") else []
    return export_html(notebook, lang, enterprise_id)


class _HeadingText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []
        self._tag, self._text, self._anchor = None, "", False

    def handle_starttag(self, tag, attrs):
        if tag in ("h1", "h2", "h3", "h4"):
            self._tag, self._text = tag, ""
        self._anchor = self._anchor or (tag == "a" and "anchor-link" in (dict(attrs).get("class") or ""))

    def handle_endtag(self, tag):
        if tag == "a":
            self._anchor = False
        elif tag == self._tag:
            self.found.append((tag, " ".join(self._text.split())))
            self._tag = None

    def handle_data(self, data):
        if self._tag and not self._anchor:
            self._text += data


FOOTER = re.compile(r"^(第\s*\d+\s*页\s*/\s*共\s*\d+\s*页|Page \d+ of \d+)$")
TOP, BOTTOM = 20 / 297, (297 - 18) / 297  # the page margins of print.css


def _layout_problems(html: str, pdf: Path, lang: str) -> list[str]:
    """Pages whose last line is a heading; pages more than 40 % blank that do not end a chapter (the next
    page starts with a section heading) or the report."""
    scan = _HeadingText()
    scan.feed(prepare_html(html, lang))
    headings = {text for _, text in scan.found}
    sections = {text for tag, text in scan.found if tag == "h2"}
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [[line.strip() for line in page.splitlines() if line.strip() and not FOOTER.match(line.strip())]
             for page in text.split("\f")[:-1]]
    pages = [lines if number == 0 else lines[1:] for number, lines in enumerate(pages)]  # the running header
    subprocess.run(["pdftoppm", "-r", "20", "-gray", str(pdf), str(pdf.with_suffix(""))], check=True)
    problems = []
    for number, (lines, image) in enumerate(zip(pages, sorted(pdf.parent.glob(f"{pdf.stem}-*.pgm"))), start=1):
        if lines and lines[-1] in headings:
            problems.append(f"page {number} ends with the heading {lines[-1]!r}")
        ink = np.asarray(plt.imread(image)) < 200
        top, bottom = int(TOP * ink.shape[0]), int(BOTTOM * ink.shape[0])
        rows = np.flatnonzero(ink[top:bottom].any(axis=1))
        blank = 1 - (rows[-1] if len(rows) else 0) / (bottom - top)
        chapter_end = number == len(pages) or any(pages[number][0].startswith(s) for s in sections if pages[number])
        if blank > 0.4 and not chapter_end:
            problems.append(f"page {number} is {blank:.0%} blank and ends no chapter")
    return problems


@pytest.fixture(scope="module")
def report_pages(demo_analysis) -> dict[str, str]:
    return {lang: _report_html(demo_analysis, "T08", lang) for lang in ("zh", "en")}


@pytest.mark.slow
@needs_poppler
@pytest.mark.parametrize("engine, lang", [("weasyprint", "zh"), pytest.param("chromium", "en", marks=needs_chromium)])
def test_no_heading_ends_a_page_and_no_page_is_half_empty_inside_a_chapter(report_pages, tmp_path, engine, lang):
    html = report_pages[lang]
    pdf = tmp_path / f"T08.{lang}.pdf"
    pdf.write_bytes(html_to_pdf(html, lang=lang, engine=engine))
    assert _layout_problems(html, pdf, lang) == []


@pytest.mark.slow
@needs_poppler
@needs_chromium
def test_chromium_keeps_a_section_heading_with_its_intro_and_figure(report_pages, tmp_path):
    """Chromium broke inside the intro paragraph kept with its figure, leaving "9. Benchmark" and a line at
    a page's foot. Pushed down the page by 0–80 mm, the heading stays on the page of its chart."""
    html = report_pages["en"]
    heading = re.search(r'<h2 id="csi-benchmark">(.*?)<', html)
    if heading is None:
        pytest.skip("no benchmark section")
    cell = html.rindex('<div id="cell-id', 0, heading.start())
    for space in (0, 40, 80):
        pdf = tmp_path / f"push{space}.pdf"
        pdf.write_bytes(html_to_pdf(html[:cell] + f'<div style="height:{space}mm"></div>' + html[cell:], lang="en",
                                    engine="chromium"))
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages = [[line.strip() for line in page.splitlines() if line.strip() and not FOOTER.match(line.strip())]
                 for page in text.split("\f")]
        lines = next(lines for lines in pages if heading.group(1) in lines)  # not the contents' entry
        after = lines[lines.index(heading.group(1)) + 1:]
        assert len(after) >= 5, (space, after)  # the intro (2–3 lines) and the chart below it
    chromium.close_browser()


# --------------------------------------------------------------------------- overview tables


def test_overview_tables_have_one_level_and_one_result_column(demo_analysis):
    o = report.overview_content(None, "zh", analysis=demo_analysis)
    certification = report.overview_certification(o).html
    heads = re.findall(r"<th(?: [^>]*)?>(.*?)</th>", certification)
    assert heads == ["企业", "总分", "等级", "原因"]  # the stars beside their level, not a column of their own
    assert re.search(r"<td>[^<]*星级 ★+</td>", certification)
    awards = report.overview_awards(o).html
    assert re.findall(r"<th(?: [^>]*)?>(.*?)</th>", awards) == ["企业", "评选结果", "原因"]
    results = set(re.findall(r"</td><td>(入选（第 \d+ 名）|符合条件，未入选|不符合条件)</td>", awards))
    assert "不符合条件" in results and any(r.startswith("入选") for r in results)
    assert 'class="csi-table csi-wide"' in awards  # csi.css: the short columns stay on one line
    css = (ROOT / "templates" / "report" / "csi.css").read_text(encoding="utf-8")
    assert "table.csi-wide td:not(:first-child):not(:last-child) { white-space: nowrap; }" in css


# --------------------------------------------------------------------------- small-n rule on charts


def test_the_trend_chart_draws_no_interval_below_min_n():
    """An enterprise's wave with fewer than ``min_n`` respondents shows its point only (the reports' rule 2)."""
    from matplotlib.collections import LineCollection

    trend = pd.DataFrame({"construct": ["Satisfaction"] * 2 + ["Loyalty"] * 2, "wave": ["previous", "current"] * 2,
                          "index": [70.0, 72.0, 68.0, 69.0], "std_error": [1.0] * 4, "ci_low": [68.0, 70.0, 66.0, 67.0],
                          "ci_high": [72.0, 74.0, 70.0, 71.0], "n": [12, 80, 12, 80]})
    content = SimpleNamespace(lang="en", trend=trend, label=lambda c: c,
                              study=SimpleNamespace(report=SimpleNamespace(min_n=30), current_label="current",
                                                    previous=SimpleNamespace(label="previous")))
    fig = charts.trend_chart(content)
    segments = [len(s) for c in fig.axes[0].collections if isinstance(c, LineCollection) for s in c.get_segments()]
    assert segments == [0, 0, 2, 2]  # previous wave (n = 12): points only; current wave (n = 80): intervals
    plt.close(fig)
