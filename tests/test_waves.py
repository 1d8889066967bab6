"""Trends over several waves ([data] previous_wave as an ordered list of waves; issue 20): the demo's three
waves, the list-of-files form, bad forms, and the report's wave-on-wave table."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pandas as pd
import pytest
from conftest import edit

import csi
from csi import report
from csi.analysis._compare import CHANGE_COLUMNS, compare_waves, consecutive_changes
from csi.exceptions import StudyError
from csi.report import _body
from csi.report import _charts as charts
from csi.report._i18n import t

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
FILES = ("questionnaire.toml", "responses_2026.csv", "responses_2025.csv", "responses_2024.csv", "enterprises.csv",
         "study.toml")
WAVES = """previous_wave = [
  { wave = "2024", files = ["responses_2024.csv"] },
  { wave = "2025", files = ["responses_2025.csv"] },
]"""
KEYS = ["enterprise_id", "construct"]


def _rows(table: pd.DataFrame, **match) -> pd.DataFrame:
    for column, value in match.items():
        table = table[table[column] == value]
    return table.drop(columns=list(match)).sort_values(KEYS).reset_index(drop=True)


def _study(folder: Path, previous_wave: str) -> Path:
    for name in FILES:
        shutil.copy(DEMO / name, folder / name)
    return edit(folder, WAVES, previous_wave)


@pytest.fixture(scope="module")
def one_wave(tmp_path_factory):
    """The demo with its previous wave as a list of files, as before several waves were possible."""
    return csi.analyse_study(_study(tmp_path_factory.mktemp("list"), 'previous_wave = ["responses_2025.csv"]'))


# --------------------------------------------------------------------------- the demo's three waves

def test_the_demo_has_three_waves_oldest_first(demo_analysis):
    a = demo_analysis
    assert [w.label for w in a.study.waves] == ["2024", "2025"] and a.study.current_label == "2026"
    assert list(a.waves.columns) == ["wave", "enterprise_id", "construct", "index", "std_error", "ci_low", "ci_high",
                                     "n"]
    assert list(dict.fromkeys(a.waves["wave"])) == ["2024", "2025", "2026"]
    labels = a.waves.groupby(KEYS)["wave"].agg(list)
    assert len(labels) == 24 * 7 and (labels.map(tuple) == ("2024", "2025", "2026")).all()
    # the previous wave's rows are previous_indices, the current wave's are indices: one definition each
    pd.testing.assert_frame_equal(_rows(a.waves, wave="2025"), a.previous_indices.sort_values(KEYS)
                                  .reset_index(drop=True), check_exact=True)
    pd.testing.assert_frame_equal(_rows(a.waves, wave="2026"), a.indices.sort_values(KEYS).reset_index(drop=True),
                                  check_exact=True)
    assert {"waves", "wave_changes"} <= set(a.to_frames())


def test_wave_changes_are_compare_waves_of_consecutive_waves(demo_analysis):
    a = demo_analysis
    assert list(a.wave_changes.columns) == ["wave_from", "wave_to", *CHANGE_COLUMNS]
    assert set(zip(a.wave_changes["wave_from"], a.wave_changes["wave_to"])) == {("2024", "2025"), ("2025", "2026")}
    last = _rows(a.wave_changes, wave_from="2025", wave_to="2026")
    pd.testing.assert_frame_equal(last, a.changes.sort_values(KEYS).reset_index(drop=True), check_exact=True)
    by_hand = compare_waves(a.waves[a.waves["wave"] == "2025"], a.waves[a.waves["wave"] == "2024"],
                            a.study.model.model, min_n=a.study.report.min_n)
    first = _rows(a.wave_changes, wave_from="2024", wave_to="2025")
    pd.testing.assert_frame_equal(first, by_hand.sort_values(KEYS).reset_index(drop=True), check_exact=True)
    assert {"better", "worse"} & set(first["verdict"])  # the 2024 wave was drawn with a few enterprises moving


def test_an_earlier_wave_is_scored_as_the_previous_wave_is(demo_analysis, tmp_path):
    """2024 as the only previous wave (list form) gives the same indices as 2024 among three waves: the same
    reading, screening, weighting and current fits."""
    alone = csi.analyse_study(_study(tmp_path, 'previous_wave = ["responses_2024.csv"]'))
    pd.testing.assert_frame_equal(_rows(demo_analysis.waves, wave="2024"),
                                  alone.previous_indices.sort_values(KEYS).reset_index(drop=True), check_exact=True)


def test_the_list_of_files_form_gives_the_same_numbers(demo_analysis, one_wave):
    a, b = demo_analysis, one_wave
    assert [w.label for w in b.study.waves] == ["previous"]
    for name in ("indices", "previous_indices", "changes", "benchmarks", "comparisons", "league"):
        pd.testing.assert_frame_equal(getattr(b, name), getattr(a, name), check_exact=True, obj=name)
    assert list(dict.fromkeys(b.waves["wave"])) == ["previous", "2026"]
    pd.testing.assert_frame_equal(_rows(b.wave_changes, wave_from="previous", wave_to="2026"),
                                  b.changes.sort_values(KEYS).reset_index(drop=True), check_exact=True)


def test_a_study_without_a_previous_wave_has_one_wave(tmp_path):
    folder = tmp_path
    for name in FILES:
        shutil.copy(DEMO / name, folder / name)
    edit(folder, WAVES + "\n", "")
    edit(folder, 'period = "2026"\n', "")
    study = csi.load_study(folder / "study.toml")
    assert study.waves == () and study.previous is None and study.current_label == "current"


# --------------------------------------------------------------------------- the study file

@pytest.mark.parametrize(("waves", "pattern"), [
    ('previous_wave = [{ files = ["responses_2024.csv"] }]', r"\[data\.previous_wave\[0\]\.wave\]: required key"),
    (('previous_wave = [{ wave = "2025", files = ["responses_2024.csv"] }, { wave = "2025", files = '
      '["responses_2025.csv"] }]'), r"\[data\.previous_wave\[1\]\.wave\]: wave '2025' is listed twice"),
    ('previous_wave = [{ wave = "2026", files = ["responses_2025.csv"] }]',
     r"\[data\.previous_wave\[0\]\.wave\]: '2026' is the current wave's label \(\[study\] period\)"),
    ('previous_wave = [{ wave = " ", files = ["responses_2025.csv"] }]',
     r"\[data\.previous_wave\[0\]\.wave\]: the wave's label is blank"),
    ('previous_wave = { wave = "2025", files = ["responses_2025.csv"] }',
     r"\[data\.previous_wave\]: write the waves as a list, oldest first"),
    ('previous_wave = [{ wave = "2024", files = ["responses_2024.csv"] }, "responses_2025.csv"]',
     r"\[data\.previous_wave\[1\]\]: expected table, got str 'responses_2025\.csv'"),
    ('previous_wave = [{ wave = "2025", file = ["responses_2025.csv"] }]',
     r"\[data\.previous_wave\[0\]\.file\]: unknown key \(did you mean 'files'\?\); allowed keys: wave, files"),
    ('previous_wave = [{ wave = "2025", files = [] }]', r"\[data\.previous_wave\[0\]\.files\]: none given"),
    ('previous_wave = [{ wave = 2025, files = ["nowhere.csv"] }]',
     r"\[data\.previous_wave\[0\]\.files\]: file not found: .*nowhere\.csv"),
])
def test_bad_waves_are_refused_naming_the_key(study_dir, waves, pattern):
    edit(study_dir, WAVES, waves)
    with pytest.raises(StudyError, match=pattern) as error:
        csi.load_study(study_dir / "study.toml")
    assert str(error.value).startswith("study.toml: ")


def test_a_wave_label_may_be_a_number_and_one_file_a_string(study_dir):
    edit(study_dir, WAVES, 'previous_wave = [{ wave = 2024, files = "responses_2024.csv" }, '
                           '{ wave = 2025, files = ["responses_2025.csv"] }]')
    study = csi.load_study(study_dir / "study.toml")
    assert [(w.label, [p.name for p in w.files]) for w in study.waves] == [("2024", ["responses_2024.csv"]),
                                                                          ("2025", ["responses_2025.csv"])]
    assert study.previous == study.waves[-1] and study.previous.label == "2025"
    assert study_dir / "responses_2024.csv" in study.files  # hashed for provenance and the batch's resume


def test_validate_names_an_empty_earlier_wave(study_dir):
    empty = study_dir / "before.csv"
    empty.write_text((study_dir / "responses_2024.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
                     encoding="utf-8")
    edit(study_dir, 'files = ["responses_2024.csv"]', 'files = ["before.csv"]')
    check = csi.check_study(study_dir / "study.toml")
    assert any(e.startswith(f"study.toml: [data] previous_wave: {empty}: no respondents") for e in check.errors)


# --------------------------------------------------------------------------- the report

WORDS = {"zh": ("顾客满意度：历次测评间的变化", "测评期", "95% 置信区间", "显著变差", "无显著变化"),
         "en": ("Customer satisfaction: change from wave to wave", "Waves", "95% CI", "Significantly worse",
                "No significant change")}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_shows_every_wave_and_the_changes_between_them(demo_analysis, lang, no_chart_pixels):
    c = report.enterprise_content(None, "W06", lang, analysis=demo_analysis)
    assert list(dict.fromkeys(c.trend["wave"])) == ["2024", "2025", "2026"]
    html = report.results(c).html
    steps = ("2024 至 2025", "2025 至 2026") if lang == "zh" else ("2024 to 2025", "2025 to 2026")
    for text in (*WORDS[lang], *steps):
        assert text in html, text
    target = demo_analysis.wave_changes.query("enterprise_id == 'W06' and construct == 'Satisfaction'")
    for change in target["change"]:
        assert f"{change:+.1f}" in html
    assert charts.trend_chart(c).axes[0].get_legend_handles_labels()[1] == (
        ["2024", "2025（上期）", "2026（本期）"] if lang == "zh" else ["2024", "2025 (previous)", "2026 (current)"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_with_one_previous_wave_the_report_is_as_before(one_wave, lang, no_chart_pixels):
    c = report.enterprise_content(None, "W06", lang, analysis=one_wave)
    html = report.results(c).html
    assert WORDS[lang][0] not in html and _body._wave_changes(c) == ""
    legend = charts.trend_chart(c).axes[0].get_legend_handles_labels()[1]
    assert legend == (["上期指数", "本期"] if lang == "zh" else ["Previous wave", "Current wave"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_wave_below_min_n_is_not_tested_and_worded_so(demo_analysis, lang):
    """Rule 2 in the wave table: below [report] min_n in either wave, no interval, no p, "not tested"."""
    a = demo_analysis
    high = int(a.waves["n"].max()) + 1
    untested = consecutive_changes([(w, a.waves[a.waves["wave"] == w]) for w in ("2024", "2025", "2026")],
                                   a.study.model.model, min_n=high)
    assert (untested["verdict"] == "not tested").all()
    assert untested[["ci_low", "ci_high", "p_value"]].isna().all().all()
    mine = untested[untested["enterprise_id"] == "B08"].drop(columns="enterprise_id")
    c = dataclasses.replace(report.enterprise_content(None, "B08", lang, analysis=a), wave_changes=mine)
    html = _body._wave_changes(c)
    assert html.count(t("wave_not tested", lang)) == 2 and t("wave_better", lang) not in html
    assert t("wave_worse", lang) not in html and t("wave_no significant change", lang) not in html
    assert html.count(f'<td class="num">{t("na", lang)}</td>') == 4  # two rows: no interval, no p
