"""The study overview: league table, industry indices, certification stars, award eligibility with reasons."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pytest

import csi
from csi import report
from csi.analysis import analyse_study

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
SECTIONS = ("overview_cover", "overview_league", "overview_industries", "overview_distribution",
            "overview_certification", "overview_awards")


@pytest.fixture(scope="module")
def analysis():
    return analyse_study(csi.load_study(DEMO / "study.toml"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_overview_lists_every_enterprise_and_award_reasons(analysis, lang):
    o = report.overview_content(None, lang, analysis=analysis)
    html = "".join(getattr(report, s)(o).html for s in SECTIONS)
    for enterprise in analysis.study.enterprises:
        assert escape(enterprise.label(lang)) in html
    assert len(o.league) == 24 and list(o.league["rank"]) == sorted(o.league["rank"])
    assert o.industries["industry"].tolist()[-1] == "all"
    # award eligibility: one row per enterprise with the reasons, per failed criterion
    assert len(o.awards) == 24
    failed = o.awards[~o.awards["eligible"].astype(bool)].iloc[0]
    assert ("须不低于" if lang == "zh" else "must be at least") in failed["reasons"] and escape(failed["reasons"]) in html
    passed = o.awards[o.awards["eligible"].astype(bool)]
    assert (passed["reasons"] == ("全部条件均满足" if lang == "zh" else "all criteria met")).all()
    # stars from the rubric, one per enterprise with an audit
    assert len(o.certification) == 24 and o.certification["total"].between(0, 105).all()


def test_award_verdict_matches_the_rules_by_hand(analysis):
    o = report.overview_content(None, "en", analysis=analysis)
    ops = analysis.operations.set_index("enterprise_id")
    idx = analysis.indices.pivot(index="enterprise_id", columns="construct", values="index")
    for row in o.awards.itertuples():
        e = row.id
        expected = (bool(ops.loc[e, "third_party_survey"]) and idx.loc[e, "Satisfaction"] >= 80
                    and idx.loc[e, "Quality"] >= 80 and ops.loc[e, "complaint_rate"] < 0.01
                    and ops.loc[e, "handling_satisfaction"] > 0.98)
        assert bool(row.eligible) == expected, e


def test_overview_record_names_the_eligible(analysis):
    o = report.overview_content(None, "zh", analysis=analysis)
    data = report.overview_record(o).data
    assert data["enterprises"] == 24
    assert data["eligible"] == [str(x) for x in o.awards.loc[o.awards["eligible"].astype(bool), "id"]]


@pytest.mark.parametrize("weighting", [False, True])
def test_overview_names_the_unranked_and_the_left_out(tmp_path, weighting):
    """H04 (n = 2) is not ranked and has no interval; when it cannot be weighted it is not listed, and the
    overview says so either way (docs/methods/report.md, rule 2)."""
    import re

    from studies.second_study import make_study

    from csi import report

    analysis = csi.analyse_study(make_study(tmp_path, weighting=weighting))
    for lang, said in (("zh", ("不排名", "未列入本表")), ("en", ("Not ranked", "Not in this table"))):
        content = report.overview_content(None, lang, analysis=analysis)
        notes = " ".join(re.findall(r"<p>([^<]*)</p>", report.overview_league(content).html))
        name = analysis.study.enterprise("H04").label(lang)
        assert (said[1] if weighting else said[0]) in notes and name in notes
        if not weighting:
            row = content.league.set_index("enterprise_id").loc["H04"]
            assert row[["rank", "rank_in_group"]].isna().all()
