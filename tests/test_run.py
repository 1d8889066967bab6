"""End to end, as a user meets it: papermill runs, real HTML, a headless-Chromium screenshot, the CLI."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest

import csi
import csi.batch
from csi.batch import _jobs as jobs
from csi.batch import _run as runner
from csi.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> runner.RunResult:
    """Two demo enterprises (a large one and a census one) plus one that must fail: no respondents."""
    root = tmp_path_factory.mktemp("study")
    shutil.copytree(ROOT / "data", root / "data")  # the study's rules live in data/rules and data/demo/audits
    folder = root / "data" / "demo"
    enterprises = (DEMO / "enterprises.csv").read_text(encoding="utf-8")
    enterprises += "X99,<script>alert(1)</script> 无样本公司,No Respondents Ltd.,water,100\n"
    (folder / "enterprises.csv").write_text(enterprises, encoding="utf-8")
    census = min(csi.load_study(DEMO / "study.toml").enterprises, key=lambda e: e.served_customers)
    out = tmp_path_factory.mktemp("reports")
    return runner.run_study(folder / "study.toml", out, only=["W01", census.id, "X99"])


def test_batch_writes_reports_index_and_manifest(batch):
    ok = [o for o in batch.outcomes if o.status == "ok"]
    assert len(ok) == 2 and all((batch.out_dir / o.path).is_file() for o in ok)
    manifest = json.loads(batch.manifest.read_text(encoding="utf-8"))
    assert manifest["failed"] == 1 and len(manifest["reports"]) == 3
    index = batch.index.read_text(encoding="utf-8")
    assert 'href="W01.zh.html"' in index and "江城市自来水有限公司" in index


def test_a_failing_enterprise_is_recorded_with_its_cause_and_escaped(batch):
    (failed,) = batch.failed
    assert failed.enterprise_id == "X99"
    assert failed.error.startswith("DataError") and "X99 has no analysed respondents" in failed.error
    index = batch.index.read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index and "<script>alert" not in index


def test_report_html_is_self_contained_without_code(batch):
    html = (batch.out_dir / "W01.zh.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in html
    assert "enterprise_content" not in html and "report.cover" not in html  # no code cells
    assert not re.search(r'<div[^>]*class="[^"]*jp-InputArea', html)
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html)  # no external requests
    assert "江城市自来水有限公司" in html and "客户满意度指数" in html
    summary = next(o.summary for o in batch.outcomes if o.enterprise_id == "W01")
    assert f"{summary['index']:.1f}" in html
    assert "data:image/svg+xml;base64," in html  # the chart is embedded


def test_overview_is_written_and_linked_with_award_reasons(batch):
    (overview,) = batch.overview
    assert overview.status == "ok", overview.error
    html = (batch.out_dir / "overview.zh.html").read_text(encoding="utf-8")
    assert "测评总报告" in html and "五、评选资格" in html and "须不低于 80.0（未达到）" in html
    assert "enterprise_content" not in html and "overview_content" not in html  # no code cells
    assert not re.search(r'(src|href)\s*=\s*["\']?(https?:)?//', html)
    assert 'href="overview.zh.html"' in batch.index.read_text(encoding="utf-8")
    manifest = json.loads(batch.manifest.read_text(encoding="utf-8"))
    assert manifest["overview"][0]["files"] == ["overview.zh.html"]


def test_report_has_every_section_and_the_cover_facts(batch):
    html = (batch.out_dir / "W01.zh.html").read_text(encoding="utf-8")
    for heading in ("一、测评结果摘要", "二、改进行动要点", "三、测评背景与依据", "四、测评模型与指标体系", "五、抽样与调查实施",
                    "六、信度与效度", "七、测评结果", "八、驱动因素与改进优先级", "九、行业对标", "十、不满意与投诉分析",
                    "十一、结论与建议", "十二、测评局限与使用说明", "签署", "附录"):
        assert heading in html
    assert "CSI-2026-W01" in html and "独立性声明" in html and "95% 置信区间" in html
    charts = re.findall(r'<img alt="([^"]*)" src="data:image/svg\+xml;base64,', html)
    assert charts == ["测评模型与路径系数", "各维度指数：本企业与行业", "各维度指数：历次测评（95% 置信区间）",  # the demo has three waves
                      "重要性—表现矩阵", "满意度指数及 95% 置信区间：本行业各企业"]


def test_census_enterprise_report_says_so(batch):
    census = next(o for o in batch.outcomes if o.status == "ok" and o.enterprise_id != "W01")
    html = (batch.out_dir / census.path).read_text(encoding="utf-8")
    assert "全部调查（普查）" in html


def test_ledger_in_the_manifest_adds_up_by_reason(batch):
    """Issue 9's conservation check: read = analysed + excluded, with the reasons, in manifest.json."""
    manifest = json.loads(batch.manifest.read_text(encoding="utf-8"))
    reports = [r for r in manifest["reports"] if r["status"] == "ok"]
    assert reports
    for report in reports:
        s = report["summary"]
        assert s["read"] == s["n"] + s["excluded"] == s["n"] + sum(s["excluded_by_reason"].values())
    w01 = next(r["summary"] for r in reports if r["enterprise_id"] == "W01")
    assert w01["excluded"] > 0 and set(w01["excluded_by_reason"]) <= {
        "out_of_range", "no_items_answered", "too_few_answered", "speeder", "straightlining", "duplicate"}


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed (make test installs it)")
def test_report_renders_in_headless_chromium(batch, tmp_path):
    shot = tmp_path / "W01.png"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
                    "--window-size=1000,1800", f"--screenshot={shot}", (batch.out_dir / "W01.zh.html").as_uri()],
                   check=True, capture_output=True, timeout=120)
    import matplotlib.image as mpimg
    pixels = mpimg.imread(shot)
    assert pixels.shape[0] >= 1000 and pixels.std() > 0.05  # a real page, not a blank one
    keep = ROOT / "reports" / "screenshots"
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, keep / "W01.png")  # kept for a person to look at (reports/ is not committed)


# --------------------------------------------------------------------------- text from the data stays text

#: Names a report must print as written: markup (HTML, Markdown) and '$' pairs that matplotlib would set as
#: math text — ``A$\B$`` even fails it, which failed every report drawing the name and the overview.
MARKUP = {"H01": "Acme $5 <b>x</b> **x** [x](y)", "H02": "A$\\B$ x"}


def _svg_texts(page: str) -> str:
    """The embedded charts' SVG, decoded (their text is text: svg.fonttype none)."""
    import base64

    return "\n".join(base64.b64decode(data).decode("utf-8")
                     for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page))


def test_names_with_markup_and_dollars_print_literally_in_charts_html_and_pdf(tmp_path):
    from html import escape

    import pandas as pd
    from studies.second_study import make_study

    study = make_study(tmp_path / "study", single_industry=True)
    names = pd.read_csv(study.parent / "enterprises.csv", dtype=str, keep_default_na=False)
    for enterprise_id, name in MARKUP.items():
        names.loc[names["enterprise_id"] == enterprise_id, ["name_en", "name_zh"]] = name
    names.to_csv(study.parent / "enterprises.csv", index=False)
    out = tmp_path / "out"
    result = runner.run_study(study, out, only=["H01"], languages=["en"], formats=["html", "pdf"], workers=1)
    assert not result.failed and all(o.status == "ok" for o in result.overview), result.outcomes + result.overview
    for page in ((out / "H01.en.html").read_text(encoding="utf-8"), (out / "overview.en.html").read_text(encoding="utf-8")):
        assert not any(tag in page for tag in ("<b>x</b>", "<strong>x</strong>", 'href="y"'))
        charts = _svg_texts(page)
        for name in MARKUP.values():  # H02 is H01's peer: in its tables and charts too
            assert escape(name) in page and escape(name, quote=False) in charts
    index = result.index.read_text(encoding="utf-8")
    assert escape(MARKUP["H01"]) in index and "<b>x</b>" not in index
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(out / "H01.en.pdf"), "-"], check=True, capture_output=True,
                              text=True).stdout
        assert all(name in text for name in MARKUP.values())


# --------------------------------------------------------------------------- the notebook stays thin


def test_notebook_has_no_logic_and_its_parameters_match_the_runner():
    notebook = nbformat.read(jobs.NOTEBOOK, as_version=4)
    for cell in notebook.cells:
        assert not cell.get("outputs"), "notebooks are committed without outputs"
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda) for n in ast.walk(tree))
    parameters = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    names = {t.id for n in ast.parse(parameters[0].source).body for t in n.targets}
    assert names == set(jobs.notebook_parameters(DEMO / "study.toml", "W01", "zh", "analysis.pkl"))


def test_overview_notebook_has_no_logic_and_its_parameters_match_the_runner():
    notebook = nbformat.read(jobs.OVERVIEW, as_version=4)
    for cell in notebook.cells:
        assert not cell.get("outputs")
        tree = ast.parse(cell.source)
        assert not any(isinstance(n, ast.FunctionDef | ast.ClassDef | ast.Lambda) for n in ast.walk(tree))
    (parameters,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    names = {t.id for n in ast.parse(parameters.source).body for t in n.targets}
    assert names == set(jobs.overview_parameters(DEMO / "study.toml", "zh", "analysis.pkl"))


# --------------------------------------------------------------------------- the command line


def test_cli_validate_demo(capsys):
    assert main(["validate", str(DEMO / "study.toml")]) == 0
    assert "ok — 24 enterprises" in capsys.readouterr().out


def test_cli_reports_a_bad_study_as_an_error_not_a_traceback(tmp_path, capsys):
    (tmp_path / "study.toml").write_text("[study\nid = 1", encoding="utf-8")
    assert main(["validate", str(tmp_path / "study.toml")]) == 2
    assert "csi: error:" in capsys.readouterr().err


def test_cli_rejects_an_unsafe_enterprise_id(capsys):
    assert main(["run", str(DEMO / "study.toml"), "--only", "../../etc/x"]) == 2
    assert "id '../../etc/x' is not allowed" in capsys.readouterr().err


@pytest.mark.skipif(not any(shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")),
                    reason="no Chromium on PATH (`make` installs it)")
def test_cli_run_with_the_chromium_pdf_engine_then_weasyprint_redoes_the_pdf(tmp_path, capsys):
    out = tmp_path / "out"
    args = ["run", str(DEMO / "study.toml"), "--only", "T03", "--format", "html,pdf", "--workers", "1",
            "--out", str(out)]
    assert main([*args, "--pdf-engine", "chromium"]) == 0
    first = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["reports"][0]
    assert first["files"] == ["T03.zh.html", "T03.zh.pdf"] and (out / "T03.zh.pdf").read_bytes()[:5] == b"%PDF-"
    assert main([*args, "--pdf-engine", "chromium"]) == 0
    assert "1 unchanged" in capsys.readouterr().out  # same engine: skipped
    assert main([*args, "--pdf-engine", "weasyprint"]) == 0
    assert "0 unchanged" in capsys.readouterr().out  # another engine: redone


def test_cli_demo_runs_the_bundled_demo_study(monkeypatch, tmp_path, capsys):
    # `csi demo` is `csi run data/demo/study.toml`: the command resolves the demo study and runs it
    seen = {}

    def fake_run_study(study, out, **options):
        seen.update(study=Path(study), out=out, **options)
        return runner.RunResult(tmp_path, (), tmp_path / "manifest.json", tmp_path / "index.html")

    monkeypatch.setattr(csi.batch, "run_study", fake_run_study)
    assert main(["demo", "--out", str(tmp_path), "--workers", "1"]) == 0
    assert seen["study"] == DEMO / "study.toml" and seen["study"].is_file() and seen["workers"] == 1
    assert seen["verbose"] is False  # dask's log lines and warnings only when asked for
    assert "0 report(s) ready" in capsys.readouterr().out
    for command in (["demo"], ["run", str(DEMO / "study.toml")]):
        assert main([*command, "--out", str(tmp_path), "--verbose"]) == 0 and seen["verbose"] is True


def test_shutdown_renderers_stops_this_process_renderers(monkeypatch):
    # the check names the rendering module by its real path: a batch's end stops the warm kernel and browser
    from csi.batch import _render

    stopped = []
    monkeypatch.setattr(_render, "shutdown", lambda: stopped.append(True))
    runner.shutdown_renderers()
    assert stopped == [True]


# --------------------------------------------------------------------------- one bad part never aborts the batch


def test_a_bad_pool_and_a_malformed_operations_file_fail_only_what_they_touch(tmp_path, monkeypatch):
    """Issue 18: the bank's model cannot be estimated (QUAL1 constant there) and the operations CSV does not parse.
    The bank's report fails naming its pool; every other report and the overview are made, each naming the
    operations problem."""
    import pandas as pd

    from csi.analysis import _study

    shutil.copytree(ROOT / "data", tmp_path / "data")
    folder = tmp_path / "data" / "demo"
    responses = pd.read_csv(folder / "responses_2026.csv", dtype=str, keep_default_na=False)
    responses.loc[responses["enterprise_id"].str.startswith("B"), "QUAL1"] = "7"
    responses.to_csv(folder / "responses_2026.csv", index=False)
    (folder / "audits" / "operations.csv").write_text('enterprise_id,"callbacks\nW01,2\n', encoding="utf-8")
    monkeypatch.setattr(_study, "BOOTSTRAP_RESAMPLES", 20)
    result = runner.run_study(folder / "study.toml", tmp_path / "out", only=["W01", "T01", "B01"])
    (failed,) = result.failed
    assert failed.enterprise_id == "B01" and "the model of industry 'bank'" in failed.error
    assert "cannot be estimated" in failed.error
    problem = "operations.csv: could not be read as a UTF-8 CSV"
    for outcome in (*[o for o in result.outcomes if o.status == "ok"], *result.overview):
        assert outcome.status == "ok", outcome.error
        page = (result.out_dir / outcome.files[0]).read_text(encoding="utf-8")
        assert problem in page, outcome.files[0]
    assert {o.enterprise_id for o in result.outcomes if o.status == "ok"} == {"W01", "T01"}
    overview = (result.out_dir / "overview.zh.html").read_text(encoding="utf-8")
    assert "江城市自来水有限公司" in overview  # the league leaves the bank out and says so, once
    assert overview.count("江城商业银行") == 1 and "未列入本表（无法加权或模型无法估计，其报告说明原因）：江城商业银行" in overview
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    assert manifest["failed"] == 1 and "industry 'bank'" in manifest["failures"][0]["error"]
