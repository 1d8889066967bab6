"""How the report words its findings (docs/methods/report.md): each rule of csi/report/_wording.py, on the
demo and on a second study the rules were not written for (other industries, a 1–5 scale, an enterprise of
n = 2, censuses, a lower-is-better construct).

Small-sample inference is pinned to scipy (Welch's t-test and Student's t interval; R's ``t.test(var.equal =
FALSE)`` and survey's ``confint(svymean(...), df = degf(design))`` give the same numbers).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from studies.second_study import make_study

import csi
from csi import _stats, report
from csi.analysis._compare import compare_waves
from csi.report import _body, _front
from csi.report import _wording as wording

SECTIONS = ("cover", "summary", "action", "background", "indicators", "sampling", "reliability", "results", "drivers",
            "benchmark", "complaints", "conclusions", "limitations", "signature", "appendix", "glossary")
CJK = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture(scope="module")
def second(tmp_path_factory):
    return csi.analyse_study(make_study(tmp_path_factory.mktemp("wording"), weighting=False))



def body(c) -> str:
    return "".join(getattr(report, s)(c).html for s in SECTIONS)


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


# ------------------------------------------------------------ small-sample inference (scipy references)

def test_welch_satterthwaite_matches_scipys_welch_test():
    rng = np.random.default_rng(3)
    a, b = rng.normal(70, 12, 9), rng.normal(60, 25, 23)
    se = np.array([a.std(ddof=1) / np.sqrt(len(a)), b.std(ddof=1) / np.sqrt(len(b))])
    df = _stats.satterthwaite_df(se**2, np.array([len(a), len(b)]) - 1)
    ref = stats.ttest_ind(a, b, equal_var=False)
    assert df == pytest.approx(ref.df, rel=1e-12)
    assert _stats.t_test_p(a.mean() - b.mean(), np.sqrt((se**2).sum()), df) == pytest.approx(ref.pvalue, rel=1e-12)
    # the wave comparison is that test: one enterprise, two waves of a single-item index
    now = pd.DataFrame({"enterprise_id": ["E"], "construct": ["S"], "index": [a.mean()], "std_error": [se[0]],
                        "n": [len(a)]})
    before = now.assign(index=b.mean(), std_error=se[1], n=len(b))
    model = csi.Model.from_syntax("S =~ x1\nT =~ x2\nT ~ S")
    row = compare_waves(now, before, model).iloc[0]
    low, high = ref.confidence_interval(0.95)
    assert row["p_value"] == pytest.approx(ref.pvalue, rel=1e-12)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-12)
    assert compare_waves(now, before, model, min_n=10).iloc[0]["verdict"] == "not tested"  # 9 respondents


def test_index_intervals_use_student_t_with_n_minus_1(demo_analysis):
    t = demo_analysis.indices
    q = stats.t.ppf(0.975, t["n"] - 1)
    assert (t["ci_high"] - t["index"]).to_numpy() == pytest.approx(np.minimum(q * t["std_error"], 100 - t["index"]),
                                                                   rel=1e-12)
    assert (t["ci_low"] >= 0).all() and (t["ci_high"] <= 100).all()
    league = demo_analysis.league  # the league shows the same intervals, not a second (normal) definition
    merged = league.merge(t[t["construct"] == "Satisfaction"], on="enterprise_id", suffixes=("", "_i"))
    assert merged["ci_low"].to_numpy() == pytest.approx(merged["ci_low_i"].to_numpy(), abs=1e-12)


# ------------------------------------------------------------ rule 1: strengths and weaknesses

def test_every_strength_is_favourable_and_significant_every_weakness_unfavourable(demo_analysis, second):
    for a in (demo_analysis, second):
        for e in a.study.enterprises:
            if e.id in a.weighting_errors:
                continue
            good, bad = a.strengths_weaknesses(e.id)
            assert ((good["favourable_gap"] > 0) & good["significant"]).all()
            assert ((bad["favourable_gap"] < 0) & bad["significant"]).all()
            mine = a.comparisons[(a.comparisons["enterprise_id"] == e.id) & (a.comparisons["construct"] != a.study.model.target)]
            assert set(good["construct"]) | set(bad["construct"]) == set(mine[mine["verdict"].isin(["better", "worse"])]["construct"])
            record = report.record(report.enterprise_content(None, e.id, "en", analysis=a)).data
            assert all(s["significant"] and s["gap"] * a.study.model.model.direction(s["construct"]) > 0
                       for s in record["strengths"])
            assert all(s["significant"] and s["gap"] * a.study.model.model.direction(s["construct"]) < 0
                       for s in record["weaknesses"])


def test_a_lower_is_better_weakness_has_a_higher_index(second):
    comp = second.comparisons.set_index(["enterprise_id", "construct"])
    _good, bad = second.strengths_weaknesses("H02")  # by far the most complaints
    assert "Complaint" in set(bad["construct"])
    assert comp.loc[("H02", "Complaint"), "gap"] > 0


# ------------------------------------------------------------ rule 2: no inference below min_n

def test_below_min_n_no_inferential_sentence(second, no_chart_pixels):
    h04 = second.comparisons[second.comparisons["enterprise_id"] == "H04"]
    assert (h04["verdict"] == "not tested").all() and h04["p_value"].isna().all()
    assert second.benchmarks.set_index(["industry", "construct"]).loc[("hospital", "Satisfaction"),
                                                                      "n_enterprises"] == 3  # H04 not counted
    for lang, words in (("en", ("significantly", "not significant", "Holm", "95% CI", "not distinguishable")),
                        ("zh", ("显著优于", "显著劣于", "无显著差异", "变化显著", "Holm", "置信区间", "无统计学差异"))):
        c = report.enterprise_content(None, "H04", lang, analysis=second)
        assert not wording.inferential(c)
        said = " ".join(_front.summary_sentences(c)[:1] + _front.summary_sentences(c)[2:])
        assert not any(w in said for w in words), said
        assert str(second.study.report.min_n) in _front.summary_sentences(c)[1]
        results = text_of(report.results(c).html)
        assert "CI −" not in results and "Significantly" not in results and "显著优于" not in results
        # no rank below min_n: the tile and the summary say why, the league lists it last without a rank
        summary = " ".join(_front.summary_sentences(c))
        assert {"en": "not ranked in", "zh": "不参与"}[lang] in summary and "排名第" not in summary
        assert {"en": "Not ranked", "zh": "不排名"}[lang] in text_of(_front.summary(c).html)
        benchmark = text_of(report.benchmark(c).html)
        assert "None" not in benchmark and "100.0" not in benchmark  # no rank, no interval for n = 2
    league = second.league.set_index("enterprise_id")
    assert league.loc["H04", ["rank", "rank_in_group"]].isna().all()
    hospitals = league[league["industry"] == "hospital"]["rank_in_group"].dropna()
    assert sorted(hospitals.astype(int)) == list(range(1, len(hospitals) + 1))


# ------------------------------------------------------------ rule 8: how sure a rank and an index are

def test_the_league_carries_rank_intervals_and_small_area_indices_as_the_library_computes_them(demo_analysis, second):
    from csi.analysis._study import BOOTSTRAP_RESAMPLES, _weight_column

    for analysis in (demo_analysis, second):
        study, league = analysis.study, analysis.league
        ranked = league[league["rank"].notna()]
        # every stated rank lies in its interval; the unranked (below min_n) have none
        assert (ranked["rank_ci_low"] <= ranked["rank"]).all() and (ranked["rank"] <= ranked["rank_ci_high"]).all()
        assert ((ranked["rank_in_group_ci_low"] <= ranked["rank_in_group"])
                & (ranked["rank_in_group"] <= ranked["rank_in_group_ci_high"])).all()
        assert league.loc[league["rank"].isna(), ["rank_ci_low", "fh_index"]].isna().all().all()
        # the same numbers as the public functions called by hand on the study's data
        column, industry = study.questionnaire.enterprise_column, {e.id: e.industry for e in study.enterprises}
        mine = set(ranked["enterprise_id"])
        pools = {k: [e for e in ids if e in mine] for k, ids in analysis.pools.items()}
        by_hand = csi.rank_intervals(analysis.fits, analysis.data[analysis.data[column].isin(mine)],
                                     construct=study.model.target, by=column, industry=industry,
                                     pools={k: v for k, v in pools.items() if v}, weights=_weight_column(study),
                                     n_resamples=BOOTSTRAP_RESAMPLES, seed=study.seed).set_index("enterprise_id")
        got = ranked.set_index("enterprise_id")
        for column_name in ("rank", "rank_ci_low", "rank_ci_high", "rank_in_group_ci_low", "rank_in_group_ci_high"):
            assert (got[column_name] == by_hand.loc[got.index, column_name]).all(), column_name
        direct = analysis.indices[(analysis.indices["construct"] == study.model.target)
                                  & analysis.indices["enterprise_id"].isin(mine)]
        fh = csi.fay_herriot(direct.assign(industry=direct["enterprise_id"].map(industry))).set_index("enterprise_id")
        np.testing.assert_allclose(got["fh_index"], fh.loc[got.index, "fh_index"], rtol=0, atol=1e-12)
        np.testing.assert_allclose(got["fh_gamma"], fh.loc[got.index, "gamma"], rtol=0, atol=1e-12)
        # shrinkage: toward the industry, more for a larger sampling variance
        assert ((got["fh_gamma"] > 0) & (got["fh_gamma"] < 1)).all()
        assert got["fh_gamma"].corr(got["std_error"], method="spearman") < 0


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_rank_is_stated_with_its_interval_and_the_small_area_index_beside_the_direct_one(
        demo_analysis, second, lang, no_chart_pixels):
    league = demo_analysis.league.set_index("enterprise_id")
    c = report.enterprise_content(None, "W07", lang, analysis=demo_analysis)
    r = league.loc["W07"]
    low, high = int(r["rank_in_group_ci_low"]), int(r["rank_in_group_ci_high"])
    assert low < high
    sentence = next(s for s in _front.summary_sentences(c) if str(int(r["rank_in_group"])) in s and str(low) in s)
    assert {"zh": f"95% 排名区间：第 {low}–{high} 名", "en": f"95% rank interval {low}–{high}"}[lang] in sentence
    benchmark = text_of(report.benchmark(c).html)
    assert {"zh": "95% 排名区间", "en": "95% rank interval"}[lang] in benchmark
    fh = f"{r['fh_index']:.1f}"
    assert {"zh": f"小域估计（Fay–Herriot）为 {fh}", "en": f"Small-area (Fay–Herriot) index: {fh}"}[lang] in benchmark
    assert f"γ = {r['fh_gamma']:.2f}" in benchmark
    assert c.index == pytest.approx(r["index"]) and f"{r['index']:.1f}" in text_of(_front.summary(c).html)  # direct
    # an interval of one rank is worded as one rank
    assert wording.rank_interval(1, 1, lang, words=True) == {"zh": "（95% 排名区间只含第 1 名）",
                                                              "en": " (the 95% rank interval holds rank 1 only)"}[lang]
    # below min_n: no rank, no interval, no small-area index (rule 2)
    small = report.enterprise_content(None, "H04", lang, analysis=second)
    assert "Fay" not in text_of(report.benchmark(small).html)
    assert "排名区间" not in " ".join(_front.summary_sentences(small)) and \
        "rank interval" not in " ".join(_front.summary_sentences(small))
    overview = text_of(report.overview_league(report.overview_content(None, lang, analysis=demo_analysis)).html)
    top = demo_analysis.league.iloc[0]
    assert {"zh": "小域估计", "en": "Small-area index"}[lang] in overview and f"{top['fh_index']:.1f}" in overview


def test_complaint_topics_are_the_studys_counted_in_each_report_small_ones_suppressed(demo_analysis, no_chart_pixels):
    study = demo_analysis.study
    q = study.questionnaire
    text = q.open_ended[0].id
    by_hand = csi.complaint_topics(demo_analysis.data.set_index(q.id_column)[text], lang=study.language,
                                   keywords=demo_analysis.keywords, seed=study.seed)
    pd.testing.assert_frame_equal(demo_analysis.topics.documents, by_hand.documents)
    for enterprise_id, lang in (("B01", "zh"), ("T03", "en")):
        c = report.enterprise_content(None, enterprise_id, lang, analysis=demo_analysis)
        ids = demo_analysis.data.loc[demo_analysis.data[q.enterprise_column] == enterprise_id, q.id_column]
        docs = by_hand.documents[by_hand.documents[q.id_column].isin(set(ids))]
        assert dict(zip(c.topics["topic"], c.topics["n"])) == docs["topic"].value_counts().to_dict()
        assert c.topics["share"].sum() == pytest.approx(1.0)
        html_text = report.complaints(c).html
        section = text_of(html_text[html_text.index({"zh": "投诉文本的主题", "en": "Topics of the complaint texts"}[lang]):])
        marker = {"zh": "—（n < 5）", "en": "— (n < 5)"}[lang]
        for row in c.topics.itertuples():  # rule 6: no count below min_cell
            assert (marker in section) if row.n < study.report.min_cell else (f" {row.n:,} " in section)
        if lang == "en":
            assert 'lang="zh-CN"' in html_text[html_text.index("Topics of the complaint texts"):]


# ------------------------------------------------------------ rule 3: thresholds, rule 4: census

def test_a_threshold_inside_the_interval_is_said(demo_analysis):
    seen = 0
    for e in demo_analysis.study.enterprises:
        c = report.enterprise_content(None, e.id, "en", analysis=demo_analysis)
        _row, criteria = c.award
        for r in criteria[criteria["source"] == "survey"].itertuples():
            phrase = _front.criterion_phrase(c, r)
            inside = r.ci_low <= r.limit <= r.ci_high
            assert ("not distinguishable from 80.0" in phrase) == inside, phrase
            seen += inside
        _se, lo, hi = c.index_ci
        spans = any(lo <= b <= hi for b in wording.grade_boundaries(c))
        assert ("spans the grade boundary" in _front.summary_sentences(c)[0]) == spans
    assert seen  # B08: 79.5 with an interval around 80


def test_a_census_says_it_has_no_sampling_error(demo_analysis):
    censuses = [e for e in demo_analysis.study.enterprises if e.served_customers < 50]
    assert censuses
    for e in censuses:
        for lang, words in (("en", "no sampling error"), ("zh", "不含抽样误差")):
            c = report.enterprise_content(None, e.id, lang, analysis=demo_analysis)
            assert any(words in s for s in _front.summary_sentences(c))
    c = report.enterprise_content(None, "W01", "en", analysis=demo_analysis)
    assert not any("no sampling error" in s for s in _front.summary_sentences(c))


# ------------------------------------------------------------ rule 5: priorities and drivers

def test_drivers_and_priorities_never_use_the_targets_own_items(demo_analysis, second):
    for a in (demo_analysis, second):
        target = a.study.model.target
        own = set(a.fits[next(iter(a.fits))].model.blocks[target])
        for e in a.study.enterprises[:4]:
            if e.id in a.weighting_errors:
                continue
            c = report.enterprise_content(None, e.id, "en", analysis=a)
            assert not own & set(c.drivers["item"])
            assert target not in set(wording.priorities(c)["construct"])
            # the named driver is the first by the documented order (dissatisfied × importance)
            order = c.drivers["dissatisfied"] * c.drivers["importance"]
            assert order.is_monotonic_decreasing


def test_priorities_rank_by_importance_times_shortfall(demo_analysis):
    c = report.enterprise_content(None, "W03", "en", analysis=demo_analysis)
    top = wording.priorities(c)
    goal = wording.goal(c)
    assert goal == 70  # 67.8 is in the 60–70 band
    assert top["shortfall"].to_numpy() == pytest.approx((goal - top["performance"]).to_numpy())
    assert top["score"].is_monotonic_decreasing and (top["importance"] > 0).all()
    page = text_of(report.action(c).html)
    assert "2.2 points short of the “Fairly satisfied” grade (70)" in page
    assert "14 of 30 records checked deficient" in page  # the audit items that lost the points
    assert "Evaluator's remarks" in page


# ------------------------------------------------------------ rule 6: small cells; rule 7: sources

def test_small_cells_are_suppressed_and_verbatims_kept_anonymous(demo_analysis, second, no_chart_pixels):
    for a, ids in ((demo_analysis, ["B08", "W03"]), (second, ["T02", "H03"])):
        min_cell = a.study.report.min_cell
        for e in ids:
            c = report.enterprise_content(None, e, "en", analysis=a)
            seg = c.segments
            rows = re.findall(r"<tr>(.*?)</tr>", report.results(c).html)
            for r in seg[seg["n"] < min_cell].itertuples():
                row = next(x for x in rows if f">{html.escape(r.level_label)}<" in x)
                assert f"n &lt; {min_cell}" in row and f">{r.n}<" not in row
            if c.verbatims is not None and len(c.verbatims):
                counts = c.complaints["categories"].set_index("category")["complaints"]
                assert (c.verbatims["category"].map(counts) >= min_cell).all()
            advice = " ".join(_body.recommendation_sentences(c))
            if c.complaints is not None:
                cats = c.complaints["categories"]
                for label in cats[cats["complaints"] < min_cell]["label_en"]:
                    assert f"“{label}”" not in advice


def test_records_and_survey_are_labelled_side_by_side(demo_analysis):
    c = report.enterprise_content(None, "W03", "zh", analysis=demo_analysis)
    section = text_of(report.complaints(c).html)
    assert "企业记录" in section and "本次调查" in section
    assert "94.5%（回访 400 户，满意 378 户）" in section and "11.4%" in section
    b08 = report.enterprise_content(None, "B08", "zh", analysis=demo_analysis)
    assert "无记录" in text_of(report.complaints(b08).html)
    # no recommendation rests on a source without data: B08 has no callback records and two complainants
    assert not any("投诉处理满意率为" in s for s in _body.recommendation_sentences(b08))


# ------------------------------------------------------------ language

class _LangCheck(HTMLParser):
    """Collects text outside any element marked lang="zh…"."""

    def __init__(self):
        super().__init__()
        self.stack, self.outside = [], []

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "img", "wbr", "meta", "hr", "input"):
            return
        self.stack.append(dict(attrs).get("lang", "").startswith("zh"))

    def handle_endtag(self, tag):
        if tag not in ("br", "img", "wbr", "meta", "hr", "input") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not any(self.stack):
            self.outside.append(data)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_programmer_notation_no_config_keys_and_en_marks_chinese(demo_analysis, second, lang, no_chart_pixels):
    keys = ("[rules]", "[report]", "[model]", "complaint_keywords", "handling_item", "number_prefix", "min_cell",
            "remarks_dir", "audits_dir", "pool_by", "missing = ", "scheme = ")
    for a, ids in ((demo_analysis, ["W03", "T05", "B08"]), (second, ["H01", "H04", "T02"])):
        for e in ids:
            if e in a.weighting_errors:
                continue
            c = report.enterprise_content(None, e, lang, analysis=a)
            page = body(c)
            # the model syntax and the provenance file names are code and file names, not prose
            prose = text_of(re.sub(r'<pre class="csi-syntax">.*?</pre>|<table class="csi-table csi-hashes">.*?</table>',
                                   "", page, flags=re.DOTALL))
            assert not re.search(r"\d\s*(>=|<=|->|→)\s*\d|>=|->|→", prose), re.findall(r".{30}(?:>=|->|→).{30}", prose)
            assert not [k for k in keys if k in prose], [k for k in keys if k in prose]
            if lang == "en":
                check = _LangCheck()
                check.feed(page)
                leaked = [s for s in check.outside if CJK.search(s)]
                assert not leaked, leaked[:5]


def test_provenance_lists_the_inputs_once_and_only_this_enterprises_own_files(demo_analysis):
    c = report.enterprise_content(None, "W03", "en", analysis=demo_analysis)
    names = list(c.hashes)
    assert "audits/W03.csv" in names and "audits/operations.csv" in names  # own audit, study-wide records
    assert not [n for n in names if n.startswith("audits/") and n.split("/")[-1].split(".")[0] in
                {e.id for e in demo_analysis.study.enterprises} - {"W03"}]
    assert "remarks/W03.zh.txt" in names and not any(n.startswith("remarks/T05") for n in names)
    assert len(names) == len(set(names))
