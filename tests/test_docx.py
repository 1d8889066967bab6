"""The Word report (csi.report.html_to_docx): built from the report's HTML, read back with python-docx (and
converted by LibreOffice when installed)."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import docx
import pytest
from docx.oxml.ns import qn

from csi import report
from csi.exceptions import ReportError
from csi.report._docx import CJK, EAST_ASIAN_FONT
from csi.report._headings import SECTIONS, chapter_title
from csi.report._i18n import number, t

#: The notebook's cells, in order (notebooks/enterprise_report.ipynb).
CELLS = ("cover", "summary", "action", "background", "indicators", "sampling", "reliability", "results", "drivers",
         "benchmark", "complaints", "conclusions", "limitations", "signature", "appendix", "glossary")


def page(c) -> str:
    """The report page as the notebook's sections make it (the batch exports the same sections)."""
    title = f"{c.enterprise.label(c.lang)} · {t('report_title', c.lang)}"
    body = "".join(f'<div data-mime-type="text/html">{getattr(report, cell)(c).html}</div>' for cell in CELLS)
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body><main>{body}</main></body></html>"


@pytest.fixture(scope="module")
def built(demo_analysis):
    out = {}
    for lang in ("zh", "en"):
        c = report.enterprise_content(demo_analysis.study, "W01", lang, analysis=demo_analysis)
        out[lang] = (c, report.html_to_docx(page(c), lang=lang))
    return out


def _text(document) -> str:
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_headline_numbers_and_chapters(built, lang):
    c, data = built[lang]
    document = docx.Document(io.BytesIO(data))
    text = _text(document)
    index = number(report.record(c).data["index"], lang)  # the manifest's number, as the report shows it
    assert index in text
    assert f"{number(c.index_ci[1], lang)}–{number(c.index_ci[2], lang)}" in text
    assert c.enterprise.label(lang) in text and c.report_number in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [chapter_title(key, lang) for key in SECTIONS]
    assert any(p.style.name == "Heading 2" for p in document.paragraphs)
    assert [p.text for p in document.paragraphs if p.style.name == "Title"] == [c.enterprise.label(lang)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_chinese_runs_carry_an_east_asian_font(built, lang):
    _c, data = built[lang]
    document = docx.Document(io.BytesIO(data))
    runs = [r for p in document.paragraphs for r in p.runs] + \
        [r for table in document.tables for row in table.rows for cell in row.cells for p in cell.paragraphs
         for r in p.runs]
    chinese = [r for r in runs if CJK.search(r.text)]
    assert chinese, "the demo has Chinese text in both languages (names in zh, verbatims in en)"
    for run in chinese:
        fonts = run._r.rPr.rFonts
        assert fonts is not None and fonts.get(qn("w:eastAsia")) == EAST_ASIAN_FONT, run.text
    normal = document.styles["Normal"].element.rPr
    assert normal.rFonts.get(qn("w:eastAsia")) == EAST_ASIAN_FONT
    assert normal.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"


def test_contents_page_numbers_tables_and_charts(built):
    _c, data = built["zh"]
    document = docx.Document(io.BytesIO(data))
    body = document.element.body.xml
    assert 'TOC \\o "1-2"' in body  # Word's updatable table of contents
    assert document.settings.element.find(qn("w:updateFields")) is not None
    footer = document.sections[0].footer.paragraphs[0]._p.xml
    assert 'w:instr="PAGE"' in footer
    assert document.sections[0].different_first_page_header_footer
    assert len(document.tables) >= 20
    header_rows = [tb.rows[0]._tr.trPr for tb in document.tables if tb.style.name == "Light Grid Accent 1"]
    assert header_rows and all(tr is not None and tr.find(qn("w:tblHeader")) is not None for tr in header_rows)
    pictures = document.inline_shapes
    alts = [shape._inline.docPr.get("descr") for shape in pictures]
    assert len(pictures) == 5 and t("chart_title", "zh") in alts
    assert all(shape.width <= docx.shared.Mm(178) for shape in pictures)


def test_bad_input_is_a_report_error():
    with pytest.raises(ReportError, match="lang"):
        report.html_to_docx("<html><body><h2>x</h2></body></html>", lang="fr")
    with pytest.raises(ReportError, match="no report sections"):
        report.html_to_docx("<html><body><p>nothing</p></body></html>", lang="en")


def test_text_from_the_data_stays_text():
    html = ('<html><body><div data-mime-type="text/html"><h2>1. X</h2><p>=HYPERLINK("http://x","y") '
            "&lt;script&gt;</p></div></body></html>")
    document = docx.Document(io.BytesIO(report.html_to_docx(html, lang="en")))
    assert '=HYPERLINK("http://x","y") <script>' in _text(document)
    assert "fldSimple" not in document.element.body.xml.split("HYPERLINK")[0][-200:]


@pytest.mark.slow
def test_libreoffice_converts_the_word_report(built, tmp_path):
    if shutil.which("libreoffice") is None or shutil.which("pdftotext") is None:
        pytest.skip("LibreOffice (or poppler) is not installed")
    c, data = built["zh"]
    (tmp_path / "r.docx").write_bytes(data)
    subprocess.run(["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path),
                    str(tmp_path / "r.docx")], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", str(tmp_path / "r.pdf"), "-"], check=True, capture_output=True,
                          text=True).stdout
    assert number(c.index, "zh") in text and chapter_title("h_results", "zh") in text
    assert len(re.findall(r"第 ?\d+ ?页", text)) >= 10  # the footer's page numbers


@pytest.mark.slow
def test_a_batch_writes_word_and_workbooks_listed_in_the_manifest_with_its_numbers(tmp_path):
    """csi run --format html,docx,xlsx: a Word report and a workbook per enterprise and language beside the HTML,
    the study workbook, all in the manifest; the index the manifest holds is the one each document shows; a rerun
    resumes them."""
    import json

    import openpyxl

    from csi.batch import run_study
    from csi.batch._jobs import DEMO_STUDY

    out = tmp_path / "out"
    result = run_study(DEMO_STUDY, out, only=["W01", "B02"], languages=["zh", "en"],
                       formats=["html", "docx", "xlsx"])
    assert not result.failed and all(o.status == "ok" for o in result.overview)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["study_workbook"] == "study.xlsx" and (out / "study.xlsx").is_file()
    for entry in manifest["reports"]:
        name, lang = f"{entry['enterprise_id']}.{entry['language']}", entry["language"]
        assert entry["files"] == [f"{name}.html", f"{name}.docx", f"{name}.xlsx"]
        shown = number(entry["summary"]["index"], lang)
        assert shown in _text(docx.Document(out / f"{name}.docx"))
        book = openpyxl.load_workbook(out / f"{name}.xlsx")
        values = [cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
        assert any(isinstance(v, float) and round(v, 1) == round(entry["summary"]["index"], 1) for v in values)
    assert [o.files for o in result.overview] == [(f"overview.{lang}.html", f"overview.{lang}.docx")
                                                  for lang in ("zh", "en")]
    again = run_study(DEMO_STUDY, out, only=["W01", "B02"], languages=["zh", "en"], formats=["html", "docx", "xlsx"])
    assert all(o.skipped for o in again.outcomes + again.overview)
