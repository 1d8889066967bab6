"""Excel workbooks: the enterprise workbook (csi.report.enterprise_workbook, published by the notebook's last cell)
and the study workbook (StudyAnalysis.to_excel), read back with openpyxl (and LibreOffice when installed)."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import edit

import csi
from csi import report
from csi.analysis._excel import P_FORMAT, Sheet, workbook_bytes
from csi.report._i18n import t

HOSTILE_ZH = "=1+2"
HOSTILE_EN = '=HYPERLINK("http://example.org","click")'


@pytest.fixture(scope="module")
def contents(demo_analysis):
    return {lang: report.enterprise_content(demo_analysis.study, "W01", lang, analysis=demo_analysis)
            for lang in ("zh", "en")}


def _book(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def _check_sheets(book: openpyxl.Workbook) -> None:
    """Every sheet: a header row of texts, frozen below it, and at least one row of values."""
    for ws in book.worksheets:
        header = [c.value for c in ws[1]]
        assert header and all(isinstance(v, str) and v for v in header), (ws.title, header)
        assert ws.freeze_panes == "A2", ws.title
        assert ws.max_row >= 2, ws.title
        assert ws.column_dimensions["A"].width >= 6, ws.title
        assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row), f"{ws.title}: a formula"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_enterprise_workbook_has_every_table_in_the_report_language(contents, lang):
    c = contents[lang]
    book = _book(report.enterprise_workbook(c))
    _check_sheets(book)
    names = book.sheetnames
    assert names[0] == "README"
    for key in ("dimensions", "items", "paths", "r_squared", "reliability", "htmt", "sample", "exclusions", "rates",
                "change", "wave_changes", "ipma", "drivers", "peers", "complaints", "topics", "rubric", "award"):
        assert t(f"sheet_{key}", lang) in names, key
    dims = book[t("sheet_dimensions", lang)]
    assert [v.value for v in dims[1]][:2] == [t("dimension", lang), t("this_enterprise", lang)]
    target = c.dimensions.set_index("construct").loc[c.target]
    row = next(r for r in dims.iter_rows(min_row=2) if r[0].value == target["label"])
    # the headline number: the manifest's (record) and the report's, with the report's one decimal
    assert row[1].value == pytest.approx(report.record(c).data["index"], abs=1e-4)
    assert row[1].number_format == "0.0"
    paths = book[t("sheet_paths", lang)]
    assert paths["C2"].number_format == "0.000" and paths["F2"].number_format == P_FORMAT


def test_readme_names_the_study_version_and_input_hashes(contents):
    c = contents["en"]
    readme = {r[0].value: r[1].value for r in _book(report.enterprise_workbook(c))["README"].iter_rows(min_row=2)}
    assert readme["Study"] == c.study.title["en"]
    assert readme["Report number"] == c.report_number
    assert readme["csi version"] == csi.__version__
    assert readme["SHA-256 study.toml"] == c.hashes["study.toml"]
    assert len(readme["SHA-256 study.toml"]) == 64


def test_disclosure_rules_hold_in_the_workbook(contents):
    """No count below min_cell: a complaint category with fewer complaints is named without its number."""
    c = contents["zh"]
    ws = _book(report.enterprise_workbook(c))[t("sheet_complaints", "zh")]
    cats = c.complaints["categories"]
    small = cats[(cats["complaints"] > 0) & (cats["complaints"] < c.study.report.min_cell)]
    assert len(small), "the demo has small categories"
    rows = {r[0].value: r[1].value for r in ws.iter_rows(min_row=2)}
    for label in small["label_zh"]:
        (name,) = [k for k in rows if k.startswith(label)]
        assert rows[name] is None


def test_record_publishes_the_workbook_only_when_asked(contents):
    c = contents["zh"]
    assert report.record(c)._repr_mimebundle_() == {}
    bundle = report.record(c, workbook=True)._repr_mimebundle_()
    data = base64.b64decode(bundle[report.WORKBOOK_MIME])
    assert zipfile.is_zipfile(io.BytesIO(data))
    assert t("sheet_dimensions", "zh") in _book(data).sheetnames


def test_study_workbook_has_every_study_table(demo_analysis, tmp_path):
    path = demo_analysis.to_excel(tmp_path / "study.xlsx")
    book = openpyxl.load_workbook(path)
    _check_sheets(book)
    assert book.sheetnames[:2] == ["README", "indices"]
    assert set(demo_analysis.to_frames()) <= set(book.sheetnames)
    indices = book["indices"]
    assert [c.value for c in indices[1]] == list(demo_analysis.indices.columns)
    assert indices.max_row == len(demo_analysis.indices) + 1
    assert indices["C2"].value == pytest.approx(demo_analysis.indices["index"].iloc[0])
    readme = {r[0].value: r[1].value for r in book["README"].iter_rows(min_row=2)}
    assert readme["sha256 study.toml"] == demo_analysis.hashes["study.toml"]
    with pytest.raises(csi.CSIError, match=r"\.xlsx"):
        demo_analysis.to_excel(tmp_path / "study.csv")


@pytest.mark.parametrize("text", ["=1+2", "+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"])
def test_text_that_looks_like_a_formula_stays_text(text):
    book = _book(workbook_bytes([Sheet("t", pd.DataFrame({"name": [text], "value": [-1.5]}))]))
    cell = book["t"]["A2"]
    assert cell.value == text and cell.data_type == "s" and cell.quotePrefix
    assert book["t"]["B2"].value == -1.5 and not book["t"]["B2"].quotePrefix  # numbers stay numbers


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """The demo study with W01 named like formulas in both languages."""
    from conftest import DEMO

    folder = tmp_path_factory.mktemp("hostile")
    for name in ("questionnaire.toml", "responses_2026.csv", "responses_2025.csv", "responses_2024.csv",
                 "enterprises.csv", "study.toml"):
        shutil.copy(DEMO / name, folder / name)
    study = edit(folder, '江城市自来水有限公司,"Jiangcheng Water Supply Co., Ltd."',
                 f'{HOSTILE_ZH},"{HOSTILE_EN.replace(chr(34), chr(34) * 2)}"', "enterprises.csv")
    analysis = csi.analyse_study(study)
    return {lang: report.enterprise_content(analysis.study, "W01", lang, analysis=analysis) for lang in ("zh", "en")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_hostile_enterprise_name_stays_text(hostile, lang, tmp_path):
    name = HOSTILE_ZH if lang == "zh" else HOSTILE_EN
    data = report.enterprise_workbook(hostile[lang])
    book = _book(data)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and name in c.value]
    assert len(cells) >= 2, "the name is in the README and the benchmark sheet"
    for cell in cells:
        assert cell.data_type == "s"
        if cell.value.startswith("="):
            assert cell.quotePrefix
    if shutil.which("libreoffice") is None:
        return
    # a spreadsheet opening the file shows the name, not a formula's result
    (tmp_path / "w.xlsx").write_bytes(data)
    subprocess.run(["libreoffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path),
                    str(tmp_path / "w.xlsx")], check=True, capture_output=True, timeout=120)
    shown = (tmp_path / "w.csv").read_text(encoding="utf-8", errors="replace")
    assert name.replace('"', '""') in shown  # the README's enterprise row, as written (CSV doubles quotes)


@pytest.mark.slow
def test_libreoffice_opens_the_study_workbook(demo_analysis, tmp_path):
    if shutil.which("libreoffice") is None:
        pytest.skip("LibreOffice is not installed")
    path = demo_analysis.to_excel(tmp_path / "study.xlsx")
    subprocess.run(["libreoffice", "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(path)],
                   check=True, capture_output=True, timeout=180)
    first = (tmp_path / "study.csv").read_text(encoding="utf-8").splitlines()  # the first sheet: README
    assert first[0] == "field,value" and any(line.startswith("sha256 study.toml,") for line in first)
    assert Path(path).stat().st_size > 10_000
