"""Report content and sections without a kernel: every demo enterprise in zh and en, and the rules behind the words."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pandas as pd
import pytest

import csi
from csi import report
from csi.analysis import analyse_study
from csi.report import _body
from csi.report import _charts as charts
from csi.report import _wording as wording

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
SECTIONS = ("cover", "summary", "action", "background", "indicators", "sampling", "reliability", "results",
            "drivers", "benchmark", "complaints", "conclusions", "limitations", "signature", "appendix", "glossary")
HEADINGS = {"zh": ("一、测评结果摘要", "二、改进行动要点", "三、测评背景与依据", "四、测评模型与指标体系", "五、抽样与调查实施",
                   "六、信度与效度", "七、测评结果", "八、驱动因素与改进优先级", "九、行业对标", "十、不满意与投诉分析",
                   "十一、结论与建议", "十二、测评局限与使用说明", "签署", "附录"),
            "en": ("1. Summary", "2. Action points", "3. Background and basis", "4. Model and indicator system",
                   "5. Sampling and fieldwork", "6. Reliability and validity", "7. Results",
                   "8. Drivers and improvement priorities", "9. Benchmark", "10. Dissatisfaction and complaints",
                   "11. Conclusions and recommendations", "12. Limitations and use of this report", "Signatures",
                   "Appendix")}


@pytest.fixture(scope="module")
def analysis():
    return analyse_study(csi.load_study(DEMO / "study.toml"))


def render(content) -> str:
    return "".join(getattr(report, s)(content).html for s in SECTIONS)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_demo_enterprise_renders_with_every_section(analysis, lang, no_chart_pixels):
    league = analysis.league.set_index("enterprise_id")
    for enterprise in analysis.study.enterprises:
        c = report.enterprise_content(None, enterprise.id, lang, analysis=analysis)
        html = render(c)
        for heading in HEADINGS[lang]:
            assert heading in html, (enterprise.id, heading)
        assert f"{c.index:.1f}" in html and enterprise.label(lang) in html
        # the headline matches the league table, and its CI brackets it
        assert c.index == pytest.approx(league.loc[enterprise.id, "index"])
        assert c.index_ci[1] < c.index < c.index_ci[2]
        assert c.report_number == f"CSI-2026-{enterprise.id}"
        assert "nan" not in re.sub(r"<[^>]+>", " ", html).lower().split()
        assert not re.search(r"\{[a-z_]+\}", html)  # every template field filled


def test_numbers_come_from_the_library(analysis):
    c = report.enterprise_content(None, "W01", "zh", analysis=analysis)
    fit = c.fit
    # the index equals csi_index on the enterprise's weighted respondents
    own = analysis.data[analysis.data["enterprise_id"] == "W01"]
    expected = csi.csi_index(fit, data=own, weights="csi_weight").set_index("construct").loc["Satisfaction", "index"]
    assert c.index == pytest.approx(expected)
    # normalised item weights sum to 1 within each dimension
    assert c.items.groupby("construct")["item_weight"].sum().to_numpy() == pytest.approx(1.0)
    # the grade band follows the study's bands: 75.5 is in [70, 80)
    assert c.grade.label["zh"] == {True: "比较满意", False: c.grade.label["zh"]}[70 <= c.index < 80]
    # the rank in industry is the position among the peers, best first
    assert list(c.peers["rank_in_group"]) == sorted(c.peers["rank_in_group"])
    assert int(c.league["rank_in_group"]) == 1 + int((c.peers["index"] > c.index + 1e-9).sum())
    # change vs the previous wave: now − previous with the same weights, the analysis' linearization CI
    row = c.change.set_index("construct").loc["Satisfaction"]
    assert row["change"] == pytest.approx(c.index - c.previous_index)
    assert row["ci_low"] < row["change"] < row["ci_high"]
    ours = analysis.changes.set_index(["enterprise_id", "construct"]).loc[("W01", "Satisfaction")]
    assert row["ci_low"] == ours["ci_low"] and row["p_value"] == ours["p_value"]
    # weighting reproduces its margins; deff and effective n agree with Kish
    assert c.margins["achieved"].to_numpy() == pytest.approx(c.margins["target"].to_numpy(), abs=1e-8)
    w = own["csi_weight"].to_numpy()
    assert c.weighting.design_effect == pytest.approx(len(w) * (w**2).sum() / w.sum() ** 2)
    # the sample plan: 612,400 served -> (1.96·2/0.3)² = 170.7 -> 171 (inside 100–200)
    assert c.plan.n == 171 and not c.plan.census
    # satisfied + acceptable + dissatisfied = 1 for each dimension
    dims = c.rates[c.rates["level"] == "construct"].groupby("construct")["rate"].sum()
    assert dims.to_numpy() == pytest.approx(1.0)


def test_census_enterprise_states_the_census_rule(analysis, no_chart_pixels):
    small = min(analysis.study.enterprises, key=lambda e: e.served_customers)
    assert small.served_customers < 50
    c = report.enterprise_content(None, small.id, "zh", analysis=analysis)
    assert c.plan.census and c.plan.n == small.served_customers
    html = report.sampling(c).html
    assert "普查" in html and f"{small.served_customers}" in html


def test_conclusions_follow_the_numbers(analysis):
    c = report.enterprise_content(None, "W01", "en", analysis=analysis)
    found = _body.conclusion_sentences(c)
    advice = _body.recommendation_sentences(c)
    assert found[0].startswith(f"{c.enterprise.label('en')} has a customer satisfaction index of {c.index:.1f}")
    assert any("not significant" in s for s in found) == (c.change.set_index("construct").loc[c.target, "p_value"] >= .05)
    for label in wording.priorities(c)["label"]:  # the action page's priorities, in its order
        assert any(s.startswith(f"Improve “{label}” first") for s in advice)
    assert any(s.startswith("Criteria of") for s in advice) == (not c.award[0]["eligible"])
    top = c.complaints["categories"].iloc[0]
    assert any(f"“{top['label_en']}”" in s for s in advice)


def test_verbatims_are_anonymised_and_escaped(analysis):
    c = report.enterprise_content(None, "W01", "zh", analysis=analysis)
    assert len(c.verbatims) > 0
    assert not any(re.search(r"1[3-9]\d{9}", x) for x in c.verbatims["text"])
    hacked = c.verbatims.assign(text="<img src=x onerror=alert(1)>")
    from dataclasses import replace
    html = report.complaints(replace(c, verbatims=hacked)).html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html


def test_charts_are_svg_with_chinese_text_in_the_simplified_chinese_face(analysis):
    c = report.enterprise_content(None, "B01", "zh", analysis=analysis)
    assert charts.cjk_font_family() is not None
    for build, title in ((charts.path_diagram, "测评模型与路径系数"), (charts.ipma_chart, "重要性—表现矩阵"),
                         (charts.trend_chart, "历次测评"), (charts.index_ci_chart, "满意度指数及"),
                         (charts.dimension_chart, "各维度指数")):
        html = report.figure(build(c), alt="x").html
        prefix = '<figure class="csi-figure"><img alt="x" src="data:image/svg+xml;base64,'
        assert html.startswith(prefix)
        svg = base64.b64decode(html[len(prefix):html.index('"', len(prefix))]).decode("utf-8")
        assert svg.lstrip().startswith("<?xml") and "<svg" in svg and title in svg  # text stays text
        assert "font-family: 'DejaVu Sans', 'Noto Sans CJK SC'" in svg and "CJK JP" not in svg
        assert "<dc:date>" not in svg
        assert report.figure(build(c), alt="x").html == html  # same numbers, same bytes


def test_a_missing_rule_file_is_named_in_the_report_not_fatal(tmp_path, no_chart_pixels):
    import shutil
    for name in ("questionnaire.toml", "responses_2026.csv", "responses_2025.csv", "responses_2024.csv",
                 "enterprises.csv", "study.toml"):
        shutil.copy(DEMO / name, tmp_path / name)
    c = report.enterprise_content(tmp_path / "study.toml", "W02", "en")
    keys = {k for k, _ in c.problems}
    assert {"rubric", "awards", "operations", "complaint_keywords"} <= keys
    assert "Evaluation rule not used (certification rubric)" in report.summary(c).html
    assert c.rubric is None and c.award is None


def test_table_breaks_long_codes_only_between_chunks_and_escapes_each():
    from csi.report._render import table

    frame = pd.DataFrame({"file": ["a<b>.csv"], "sha": ["0123456789abcdef<&>"]})
    html = table(frame, {"file": "File", "sha": "SHA-256"}, "en", breaks={"sha": 8})
    assert "<td>a&lt;b&gt;.csv</td>" in html  # no breaks asked for: one piece
    assert "<td>01234567<wbr>89abcdef<wbr>&lt;&amp;&gt;</td>" in html


@pytest.mark.parametrize("package", ["csi", "csi.io", "csi.survey", "csi.measurement", "csi.pls", "csi.indices",
                                     "csi.rules", "csi.analysis", "csi.report", "csi.batch"])
def test_star_import_gives_every_public_name(package):
    """Issue 18: ``from csi.report import *`` raised (``__all__`` named a function that no longer existed). Every
    public package's ``__all__`` must name only what the package has, without duplicates."""
    import importlib

    module = importlib.import_module(package)
    namespace: dict = {}
    exec(f"from {package} import *", namespace)  # noqa: S102 - a fixed import statement
    assert sorted(set(module.__all__)) == sorted(module.__all__), f"{package}.__all__ lists a name twice"
    assert [n for n in module.__all__ if n not in namespace] == []
