"""The study analysis: one definition per quantity, read by every report, the overview and the manifest.

Checked on the demo and on a second, generated study unlike it (other industries, a 1–5 scale, n from 2 to
400, a lower-is-better Complaint construct, a single-industry variant): the numbers a report prints are the
analysis' numbers; every enterprise of an industry prints the same benchmark; strengths are favourable in
their construct's direction. The comparison's z-test is checked against the leave-one-out peer test of
:func:`csi.league_table` and the pooled benchmark against :func:`csi.csi_index` on the pooled respondents.
"""

from __future__ import annotations

import html
import json

import numpy as np
import pandas as pd
import pytest
from studies.second_study import LOWER_IS_BETTER, MOST_COMPLAINTS, make_study

import csi
from csi import report
from csi.batch import run_study
from csi.exceptions import ModelSpecError, StudyError


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    folder = tmp_path_factory.mktemp("second")
    return csi.analyse_study(make_study(folder, weighting=False))


@pytest.fixture(scope="module")
def single(tmp_path_factory):
    folder = tmp_path_factory.mktemp("single")
    return csi.analyse_study(make_study(folder, single_industry=True, weighting=True))


def _industry(analysis, enterprise_id):
    return analysis.study.enterprise(enterprise_id).industry


def _peer_test(analysis, without=()):
    """The leave-one-out peer test of csi.league_table on the target index (``without`` some enterprises),
    and the analysis' comparisons."""
    target = analysis.indices[(analysis.indices["construct"] == "Satisfaction")
                              & ~analysis.indices["enterprise_id"].isin(without)]
    industry = {e.id: e.industry for e in analysis.study.enterprises}
    loo = csi.league_table(target.assign(industry=target["enterprise_id"].map(industry))).set_index("enterprise_id")
    return loo, analysis.comparisons[analysis.comparisons["construct"] == "Satisfaction"].set_index("enterprise_id")


def test_tables_are_tidy_with_the_documented_columns(demo_analysis):
    a = demo_analysis
    assert list(a.indices.columns) == ["enterprise_id", "construct", "index", "std_error", "ci_low", "ci_high", "n"]
    assert list(a.benchmarks.columns) == ["industry", "construct", "index", "std_error", "ci_low", "ci_high",
                                          "n_enterprises", "definition"]
    assert not a.indices.duplicated(["enterprise_id", "construct"]).any()
    assert len(a.indices) == 24 * 7 and len(a.previous_indices) == 24 * 7
    assert set(a.benchmarks["industry"]) == {"water", "telecom", "bank", "all"}
    assert (a.benchmarks["definition"] == "mean_of_enterprises").all()
    frames = a.to_frames()
    assert {"indices", "benchmarks", "comparisons", "league", "changes", "ledger", "weights"} <= set(frames)
    assert all(isinstance(f, pd.DataFrame) for f in frames.values())
    assert int(a.ledger["analysed"].sum()) == len(a.weights)
    text = a.summary()
    assert "24 enterprises" in text and "mean_of_enterprises" in text and len(text.headline.splitlines()) <= 15
    assert {"league", "benchmarks", "pools", "ledger"} <= set(text.tables) and "\nLeague\n" in text
    assert repr(a).startswith("StudyAnalysis: demo-2026: 24 enterprises") and len(repr(a).splitlines()) <= 15


def test_ipma_table_equals_the_ipma_of_the_enterprises_own_respondents(demo_analysis):
    a = demo_analysis
    own = a.data[a.data["enterprise_id"] == "W01"]
    direct = csi.importance_performance(a.fits["industry:water"], data=own, target="Satisfaction", weights="csi_weight")
    table = a.ipma[a.ipma["enterprise_id"] == "W01"].drop(columns="enterprise_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(table, direct, check_exact=False, rtol=1e-10)
    assert set(a.ipma["enterprise_id"]) == {e.id for e in a.study.enterprises}


def test_rates_are_the_analysis_rates_and_the_report_reads_them(second):
    a = second
    c = report.enterprise_content(None, "T01", "en", analysis=a)
    pd.testing.assert_frame_equal(c.rates, a.rates_of("T01"))
    mine = a.rates[a.rates["enterprise_id"] == "T01"].drop(columns="enterprise_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(mine, a.rates_of("T01"))
    sums = a.rates[a.rates["level"] == "construct"].groupby(["enterprise_id", "construct"])["rate"].sum()
    assert sums.to_numpy() == pytest.approx(1.0)
    assert "rates" in a.to_frames()


def test_the_benchmark_is_the_mean_of_the_industrys_enterprises(demo_analysis):
    a = demo_analysis
    industry = {e.id: e.industry for e in a.study.enterprises}
    by_hand = a.indices.assign(industry=a.indices["enterprise_id"].map(industry)) \
        .groupby(["industry", "construct"])["index"].mean()
    bench = a.benchmarks[a.benchmarks["industry"] != "all"].set_index(["industry", "construct"])["index"]
    assert bench.sort_index().to_numpy() == pytest.approx(by_hand.sort_index().to_numpy(), abs=1e-12)
    assert a.benchmarks.set_index(["industry", "construct"]).loc[("all", "Satisfaction"), "index"] == \
        pytest.approx(a.indices[a.indices["construct"] == "Satisfaction"]["index"].mean(), abs=1e-12)


def test_the_comparison_equals_the_leave_one_out_peer_test(demo_analysis):
    # I_e − mean(all) = (k−1)/k (I_e − mean(others)) and its SE scales alike: the same z, the same p
    a = demo_analysis
    loo, mine = _peer_test(a)
    assert mine["p_value"].to_numpy() == pytest.approx(loo.loc[mine.index, "p_value"].to_numpy(), rel=1e-10)
    assert mine["p_holm"].to_numpy() == pytest.approx(loo.loc[mine.index, "p_holm"].to_numpy(), rel=1e-10)
    k = mine.groupby("industry")["index"].transform("size")
    assert mine["gap"].to_numpy() == pytest.approx(((k - 1) / k * loo.loc[mine.index, "difference"]).to_numpy())


def test_every_report_prints_the_analysis_numbers_and_one_benchmark_per_industry(demo_analysis):
    a = demo_analysis
    bench = a.benchmarks.set_index(["industry", "construct"])["index"]
    indices = a.indices.set_index(["enterprise_id", "construct"])
    for enterprise in a.study.enterprises:
        c = report.enterprise_content(None, enterprise.id, "en", analysis=a)
        target = (enterprise.id, "Satisfaction")
        assert c.index == pytest.approx(indices.loc[target, "index"], abs=1e-4)
        assert c.industry_index == pytest.approx(bench.loc[(enterprise.industry, "Satisfaction")], abs=1e-12)
        dims = c.dimensions.set_index("construct")
        for construct in dims.index:
            assert dims.loc[construct, "index"] == pytest.approx(indices.loc[(enterprise.id, construct), "index"])
            assert dims.loc[construct, "industry_index"] == pytest.approx(bench.loc[(enterprise.industry, construct)])
        assert c.league["benchmark"] == pytest.approx(c.industry_index)
        record = report.record(c).data
        assert record["index"] == pytest.approx(indices.loc[target, "index"], abs=1e-4)
        assert record["industry_index"] == pytest.approx(bench.loc[(enterprise.industry, "Satisfaction")], abs=1e-4)
        gaps = a.comparisons.set_index(["enterprise_id", "construct"])
        for entry in record["strengths"] + record["weaknesses"]:
            assert entry["gap"] == pytest.approx(gaps.loc[(enterprise.id, entry["construct"]), "gap"], abs=1e-4)
        for entry in record["strengths"]:
            assert entry["gap"] > 0
        for entry in record["weaknesses"]:
            assert entry["gap"] < 0
    overview = report.overview_content(None, "en", analysis=a)
    shown = overview.industries.set_index("industry")["index"]
    assert shown.loc["water"] == pytest.approx(bench.loc[("water", "Satisfaction")])


def test_lower_is_better_reverses_what_is_favourable(second):
    a = second
    assert a.study.model.model.lower_is_better == LOWER_IS_BETTER
    comp = a.comparisons[a.comparisons["construct"] == "Complaint"].set_index("enterprise_id")
    assert (comp["direction"] == -1).all()
    assert comp.loc[MOST_COMPLAINTS, "gap"] > 0 and comp.loc[MOST_COMPLAINTS, "verdict"] == "worse"
    for enterprise in a.study.enterprises:
        strengths, weaknesses = a.strengths_weaknesses(enterprise.id)
        assert (strengths["favourable_gap"] > 0).all() and (weaknesses["favourable_gap"] < 0).all()
        signs = strengths["gap"] * strengths["direction"]
        assert (signs > 0).all(), enterprise.id
    strengths, weaknesses = a.strengths_weaknesses(MOST_COMPLAINTS)
    assert "Complaint" not in set(strengths["construct"])
    assert "Complaint" in set(weaknesses["construct"])


def test_direction_survives_the_saved_analysis_the_notebooks_read(second, tmp_path):
    loaded = csi.StudyAnalysis.load(second.save(tmp_path / "analysis.pkl"))
    assert loaded.study.model.model.lower_is_better == LOWER_IS_BETTER
    c = report.enterprise_content(None, MOST_COMPLAINTS, "en", analysis=loaded)
    assert "Complaint" in set(c.weaknesses["construct"])
    assert c.weaknesses.set_index("construct").loc["Complaint", "label"].endswith("(lower is better)")
    assert "rated items (1–5)" in report.indicators(c).html  # the declared scale, not the demo's
    results = report.results(c).html
    assert "Satisfied = 4–5, acceptable = 3, dissatisfied = 1–2" in results
    assert "(Problems and complaints) are read the other way: satisfied = 1–2, acceptable = 3, dissatisfied = 4–5" \
        in results
    rates = c.rates[(c.rates["level"] == "construct") & (c.rates["construct"] == "Complaint")].set_index("category")
    own = loaded.data[loaded.data[loaded.study.questionnaire.enterprise_column] == MOST_COMPLAINTS]
    mean = own[["CPL1", "CPL2"]].mean(axis=1).dropna()
    assert rates.loc["satisfied", "rate"] == pytest.approx((mean <= 6 - 3.8).mean())    # mirrored: low is good
    assert rates.loc["dissatisfied", "rate"] == pytest.approx((mean >= 6 - 1 - 4 / 9 * 4).mean())


def test_lower_is_better_changes_read_in_the_constructs_direction(second):
    changes = second.changes
    complaint = changes[changes["construct"] == "Complaint"]
    for row in complaint.itertuples():
        if row.p_value < 0.05:
            assert row.verdict == ("worse" if row.change > 0 else "better")


def test_an_industry_of_one_has_no_peers_and_the_study_benchmark_is_all(single):
    a = single
    assert set(a.benchmarks["industry"]) == {"hospital", "all"}
    small = a.comparisons[a.comparisons["enterprise_id"] == "H04"]
    assert small.empty or small["verdict"].isin(["no peers", "not significant", "better", "worse"]).all()
    assert "H04" in a.weighting_errors  # n = 2 cannot be raked: named, and left out of every table
    assert "H04" not in set(a.indices["enterprise_id"]) | set(a.league["enterprise_id"])
    assert a.benchmarks.set_index(["industry", "construct"]).loc[("hospital", "Satisfaction"), "n_enterprises"] == 3
    assert "could not be weighted: H04" in a.summary()
    with pytest.raises(csi.DataError, match="H04 could not be weighted"):
        report.enterprise_content(None, "H04", "en", analysis=a)


def test_one_respondent_leaves_the_industry_untested_not_without_peers(tmp_path):
    path = make_study(tmp_path, weighting=False)
    responses = tmp_path / "responses_2027.csv"
    frame = pd.read_csv(responses, dtype=str, keep_default_na=False)
    column = "unit_id"
    first = frame.index[frame[column] == "H04"][0]
    frame.drop(index=first).to_csv(responses, index=False)
    a = csi.analyse_study(path)
    hospital = a.comparisons[a.comparisons["industry"] == "hospital"]
    assert a.indices.set_index(["enterprise_id", "construct"]).loc[("H04", "Satisfaction"), "n"] == 1
    assert (hospital["verdict"] == "not tested").all() and hospital["gap"].notna().all()
    transit = a.comparisons[a.comparisons["industry"] == "transit"]
    assert transit["p_holm"].notna().all()
    c = report.enterprise_content(None, "H01", "en", analysis=a)
    assert "not tested" in report.benchmark(c).html.lower()
    assert "not tested: an enterprise has too few respondents" in report.summary(c).html


def test_pooled_benchmark_is_the_index_of_the_pooled_respondents(tmp_path):
    path = make_study(tmp_path, weighting=False)
    text = path.read_text(encoding="utf-8") + '\n[benchmark]\nindustry = "pooled"\n'
    path.write_text(text, encoding="utf-8")
    a = csi.analyse_study(path)
    column = a.study.questionnaire.enterprise_column
    for industry in ("hospital", "transit"):
        fit = a.fits[f"industry:{industry}"]
        rows = a.data[a.data[column].map(lambda e: a.study.enterprise(e).industry) == industry]
        expected = csi.csi_index(fit, data=rows).set_index("construct")["index"]
        got = a.benchmarks[a.benchmarks["industry"] == industry].set_index("construct")["index"]
        assert got.to_numpy() == pytest.approx(expected.loc[got.index].to_numpy(), abs=1e-10)
    assert (a.benchmarks["definition"] == "pooled").all()


def test_mean_of_peers_compares_each_enterprise_with_the_others(tmp_path):
    path = make_study(tmp_path, weighting=False)
    path.write_text(path.read_text(encoding="utf-8") + '\n[benchmark]\nindustry = "mean_of_peers"\n', encoding="utf-8")
    a = csi.analyse_study(path)
    # H04 (n = 2 < [report] min_n = 10) is compared with the others but counts in nobody's benchmark:
    # for every other enterprise the benchmark is league_table's peer mean over the enterprises without H04
    loo, mine = _peer_test(a, without=["H04"])
    counted = mine.drop(index="H04")
    assert counted["benchmark"].to_numpy() == pytest.approx(loo.loc[counted.index, "peer_mean"].to_numpy(), abs=1e-12)
    assert counted["p_value"].to_numpy() == pytest.approx(loo.loc[counted.index, "p_value"].to_numpy(), rel=1e-10)
    hospitals = a.indices[(a.indices["construct"] == "Satisfaction") & a.indices["enterprise_id"].isin(["H01", "H02", "H03"])]
    assert mine.loc["H04", "benchmark"] == pytest.approx(hospitals["index"].mean(), abs=1e-12)
    assert mine.loc["H04", "verdict"] == "not tested" and np.isnan(mine.loc["H04", "p_value"])
    c = report.enterprise_content(None, "H01", "en", analysis=a)
    assert c.industry_index == pytest.approx(mine.loc["H01", "benchmark"])
    assert "mean of the industry's other enterprises" in html.unescape(report.results(c).html)


def test_benchmark_and_direction_errors_name_the_key(tmp_path):
    path = make_study(tmp_path, weighting=False)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n[benchmark]\nindustry = "median"\n', encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[benchmark.industry\].*median.*mean_of_enterprises"):
        csi.load_study(path)
    path.write_text(text.replace('lower_is_better = ["Complaint"]', 'lower_is_better = ["Complaints"]'),
                    encoding="utf-8")
    with pytest.raises(StudyError, match=r"lower_is_better.*'Complaints'.*Complaint"):
        csi.load_study(path)
    with pytest.raises(ModelSpecError, match="not a construct"):
        csi.Model.from_syntax("A =~ x1 + x2\nB =~ x3\nB ~ A", lower_is_better=["C"])
    assert csi.models.acsi().lower_is_better == ("Complaints",)
    assert csi.models.ccsi().lower_is_better == ()


@pytest.mark.slow
def test_the_batch_manifest_equals_the_analysis_on_an_unseen_study(second, tmp_path):
    out = tmp_path / "out"
    result = run_study(second.study.path, out, workers=1, languages=["zh", "en"])
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    indices = second.indices.set_index(["enterprise_id", "construct"])["index"]
    bench = second.benchmarks.set_index(["industry", "construct"])["index"]
    seen = 0
    for entry in manifest["reports"]:
        if entry["status"] != "ok":
            continue
        s, e = entry["summary"], entry["enterprise_id"]
        assert s["index"] == pytest.approx(indices.loc[(e, "Satisfaction")], abs=1e-4)
        assert s["industry_index"] == pytest.approx(bench.loc[(_industry(second, e), "Satisfaction")], abs=1e-4)
        assert all("Complaint" != x["construct"] or x["gap"] < 0 for x in s["strengths"])
        if e == MOST_COMPLAINTS:
            assert "Complaint" not in [x["construct"] for x in s["strengths"]]
        html = (out / entry["files"][0]).read_text(encoding="utf-8")
        assert f"{s['industry_index']:.1f}" in html
        seen += 1
    assert seen == 14  # 7 enterprises × 2 languages
    assert np.isfinite(list(indices)).all()
