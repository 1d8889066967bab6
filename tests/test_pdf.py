"""PDF reports: WeasyPrint layout checked with poppler (pdftotext, pdffonts, pdfinfo) on real demo reports."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from csi import run as runner
from csi.exceptions import ReportError
from csi.report.pdf import html_to_pdf, page_css, prepare_html

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
SCRIPT = "<script>alert(1)</script>"
HEADINGS = {"zh": ("一、测评结果摘要", "二、测评背景与依据", "三、测评模型与指标体系", "四、抽样与调查实施",
                   "六、测评结果", "七、驱动因素与改进优先级", "八、行业对标", "九、不满意与投诉分析", "十、结论与建议",
                   "附录"),
            "en": ("1. Summary", "2. Background and basis", "6. Results", "10. Conclusions and recommendations",
                   "Appendix")}
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils (pdftotext) missing")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """W01 and B08 in zh and en, B08 renamed to carry a script tag; each with its HTML, PDF and summary."""
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
    found = {}
    for outcome in result.outcomes:
        html = (result.out_dir / outcome.path).read_text(encoding="utf-8")
        pdf = result.out_dir / f"{outcome.enterprise_id}.{outcome.language}.pdf"
        pdf.write_bytes(html_to_pdf(html, lang=outcome.language))
        found[outcome.enterprise_id, outcome.language] = {"html": html, "pdf": pdf, "summary": outcome.summary}
    return found


def _text(pdf: Path, first: int | None = None, last: int | None = None) -> str:
    pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, flags=re.MULTILINE).group(1))


def _objects(pdf: Path) -> bytes:
    """The PDF's bytes with every Flate stream inflated (WeasyPrint packs the catalog into object streams)."""
    data = pdf.read_bytes()
    parts = [data]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, flags=re.DOTALL):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue  # images and fonts that are not Flate-coded
    return b"\n".join(parts)


def _utf16_hex(text: str) -> bytes:
    return ("feff" + text.encode("utf-16-be").hex()).encode()


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


@needs_poppler
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_bookmarks_and_document_language(reports, lang):
    objects = _objects(reports["W01", lang]["pdf"]).lower()
    assert f"/lang ({runner.HTML_LANG[lang]})".lower().encode() in objects
    assert b"/outlines" in objects
    for heading in HEADINGS[lang]:
        assert _utf16_hex(heading) in objects or f"/title ({heading.lower()})".encode() in objects


@needs_poppler
@pytest.mark.parametrize("key", [("W01", "zh"), ("B08", "en")])
def test_fonts_are_embedded_noto_cjk_without_type3_fallbacks(reports, key):
    fonts = subprocess.run(["pdffonts", str(reports[key]["pdf"])], check=True, capture_output=True,
                           text=True).stdout.splitlines()[2:]
    assert fonts and any("Noto-Sans-CJK-SC" in line for line in fonts)
    assert not any("Type 3" in line for line in fonts)
    assert all(re.search(r"\s+yes\s+yes\s+yes\s+\d+\s+\d+$", line) for line in fonts)  # emb, sub, uni


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


def test_page_css_turns_the_label_into_counters():
    assert 'content: "第 " counter(page) " 页 / 共 " counter(pages) " 页";' in page_css("zh")
    assert 'content: "Page " counter(page) " of " counter(pages);' in page_css("en")


def test_unknown_language_is_an_error():
    with pytest.raises(ReportError, match="'fr' is not one of zh, en"):
        html_to_pdf("<p>x</p>", lang="fr")


@needs_poppler
def test_nothing_is_fetched_from_the_network(tmp_path, caplog):
    html = '<html><body><h2>A</h2><img src="http://127.0.0.1:9/x.png"><h2>B</h2></body></html>'
    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(html_to_pdf(html, lang="en"))
    assert "disallowed protocol" in caplog.text
    assert re.search(r"Page 1 of \d", _text(pdf))
