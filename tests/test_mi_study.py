"""Multiple imputation in a study (``[model] missing = "mi"``; issue 20): the pools' fits, the enterprises'
indices pooled by Rubin's rules, what the report says, and the study file's checks.

The pooling formulas themselves are pinned to R mice in tests/test_mi.py; here the study's numbers are checked
against csi.rubin_pool applied by hand to each completed data set's csi.enterprise_indices.
"""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pandas as pd
import pytest
from conftest import edit
from studies.second_study import CURRENT_WAVE, ENTERPRISE_COLUMN, ITEM_IDS, MISSING_CODE, PREVIOUS_WAVE, make_study

import csi
from csi import report
from csi.exceptions import StudyError
from csi.report import _formal as formal
from csi.report import _front
from csi.report._i18n import STRINGS

M = 3  # imputations: enough for the between variance, cheap enough for make test
KEYS = ["enterprise_id", "construct"]


def _mi_study(folder, m: int = M):
    make_study(folder, single_industry=True)
    return edit(folder, 'missing = "mean"', f'missing = "mi"\nimputations = {m}')


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    return csi.analyse_study(_mi_study(tmp_path_factory.mktemp("mi")))


def test_each_pool_is_imputed_m_times_and_its_fit_holds_the_pooled_estimates(analysis):
    (key,) = analysis.fits
    mi = analysis.mi[key]
    assert mi.m == M and mi.n_missing > 0 and mi.n_resamples == 1000 and mi.seed == analysis.study.seed
    assert analysis.boots == {}  # the intervals are Rubin's, from a bootstrap of each completed set
    fit = analysis.fits[key]
    np.testing.assert_allclose(fit.paths["estimate"], np.mean([f.paths["estimate"] for f in mi.fits], axis=0),
                               rtol=1e-13)
    np.testing.assert_allclose(fit.outer["weight"], np.mean([f.outer["weight"] for f in mi.fits], axis=0), rtol=1e-13)
    assert fit.paths["estimate"].tolist() == mi.paths["estimate"].tolist()
    # reliability: the mean over the completed sets, its flags from the means
    means = np.mean([csi.reliability(f)["rho_c"] for f in mi.fits], axis=0)
    table = analysis.reliability[key]
    np.testing.assert_allclose(table["rho_c"], means, rtol=1e-13)
    assert table["rho_c_ok"].tolist() == (table["rho_c"] >= 0.7).tolist()
    htmt = analysis.htmt[key]
    np.testing.assert_allclose(htmt["htmt"], np.mean([csi.htmt(f)["htmt"] for f in mi.fits], axis=0), rtol=1e-13)


def _rubin_by_hand(fits, completed_sets, rows, weights):
    """Each completed set's rows scored with its fit by the public functions, pooled by csi.rubin_pool (ν_com = n − 1)."""
    runs = [csi.enterprise_indices(fit, rows.assign(**done.loc[rows.index]), by=ENTERPRISE_COLUMN, weights=weights)
            for fit, done in zip(fits, completed_sets)]
    pooled = csi.rubin_pool(pd.DataFrame([r["index"].to_numpy() for r in runs]),
                            pd.DataFrame([r["std_error"].to_numpy() ** 2 for r in runs]),
                            df_complete=runs[0]["n"].to_numpy() - 1.0)
    return runs, pooled


def test_enterprise_indices_are_rubins_rules_over_each_completed_sets_indices(analysis):
    """The one definition of an enterprise's index under imputation: each completed set scored with its own fit
    (linearization SE), pooled by Rubin's rules with ν_com = n − 1; checked with the public functions by hand."""
    (key,) = analysis.fits
    mi = analysis.mi[key]
    rows = analysis.data[analysis.data[ENTERPRISE_COLUMN].isin(analysis.pools[key])]
    runs, pooled = _rubin_by_hand(mi.fits, mi.imputations, rows, analysis.weight_column)
    assert not runs[0]["index"].equals(runs[1]["index"])  # the imputations differ
    got = analysis.indices.set_index(KEYS).loc[list(zip(runs[0]["enterprise_id"], runs[0]["construct"]))]
    np.testing.assert_allclose(got["index"], pooled["estimate"], rtol=1e-12)
    np.testing.assert_allclose(got["std_error"], pooled["std_error"], rtol=1e-12)
    np.testing.assert_allclose(got["ci_low"], pooled["ci_low"].clip(0, 100), rtol=1e-12)
    np.testing.assert_allclose(got["ci_high"], pooled["ci_high"].clip(0, 100), rtol=1e-12)
    assert (got["n"].to_numpy() == runs[0]["n"].to_numpy()).all()
    # everything downstream reads these indices: the league's index is the pooled one
    target = analysis.study.model.target
    league = analysis.league.set_index("enterprise_id")["index"]
    mine = analysis.indices[analysis.indices["construct"] == target].set_index("enterprise_id")["index"]
    pd.testing.assert_series_equal(league.sort_index(), mine.sort_index(), check_names=False)


def test_rank_intervals_rank_the_pooled_indices_over_the_completed_sets(analysis):
    """The league's rank (of the pooled indices) is inside its interval; rank_intervals with the MIResult has the
    pooled indices as its points (with nothing imputed it is the plain call: test_no_missing_answer_…)."""
    (key,) = analysis.fits
    mi = analysis.mi[key]
    league = analysis.league.dropna(subset=["rank"])
    assert ((league["rank_ci_low"] <= league["rank"]) & (league["rank"] <= league["rank_ci_high"])).all()
    rows = analysis.data[analysis.data[ENTERPRISE_COLUMN].isin(league["enterprise_id"])]
    target = analysis.study.model.target
    got = csi.rank_intervals(mi, rows, construct=target, by=ENTERPRISE_COLUMN, weights=analysis.weight_column,
                             n_resamples=300, seed=3)
    pooled = csi.enterprise_indices(mi, rows, by=ENTERPRISE_COLUMN, constructs=[target],
                                    weights=analysis.weight_column).set_index("enterprise_id")["index"]
    np.testing.assert_allclose(got.set_index("enterprise_id")["index"], pooled.loc[got["enterprise_id"]], rtol=1e-13)
    assert ((got["rank_ci_low"] <= got["rank"]) & (got["rank"] <= got["rank_ci_high"])).all()


def test_indices_of_an_mi_result_need_the_rows_it_imputed(analysis):
    (key,) = analysis.fits
    stranger = analysis.data.head(3).set_axis([10**9, 10**9 + 1, 10**9 + 2])
    with pytest.raises(csi.DataError, match="rows of the data given to estimate_mi"):
        csi.enterprise_indices(analysis.mi[key], stranger, by=ENTERPRISE_COLUMN)


def test_the_tests_on_pooled_indices_take_their_pooled_degrees_of_freedom(analysis):
    """An index pooled over imputations has Rubin's ν (below n − 1 where answers were imputed): the gap to the
    industry benchmark and the change since the previous wave take the Welch–Satterthwaite df of the ν's."""
    idx = analysis.indices
    assert (idx["df"] < idx["n"] - 1).any()
    comp = analysis.comparisons.dropna(subset=["p_value"]).iloc[0]
    industry = {e.id: e.industry for e in analysis.study.enterprises}
    peers = idx[(idx["construct"] == comp["construct"])
                & (idx["enterprise_id"].map(industry) == comp["industry"])].reset_index(drop=True)
    counted = (peers["n"] >= analysis.study.report.min_n).to_numpy()
    pi = counted / counted.sum()  # mean of enterprises: the counted enterprises' equal shares
    coef = (peers["enterprise_id"] == comp["enterprise_id"]).to_numpy(float) - pi
    parts = (coef**2 * peers["std_error"] ** 2).to_numpy()
    used = coef != 0
    nu = parts[used].sum() ** 2 / np.sum(parts[used] ** 2 / peers["df"].to_numpy()[used])
    assert comp["df"] == pytest.approx(nu, rel=1e-12)
    assert comp["df"] < parts[used].sum() ** 2 / np.sum(parts[used] ** 2 / (peers["n"].to_numpy()[used] - 1))
    change = analysis.changes.dropna(subset=["p_value"]).iloc[0]
    now = idx.set_index(KEYS).loc[(change["enterprise_id"], change["construct"])]
    before = analysis.previous_indices.set_index(KEYS).loc[(change["enterprise_id"], change["construct"])]
    a, b = now["std_error"] ** 2, before["std_error"] ** 2  # the previous wave is imputed too: its own ν
    assert change["df"] == pytest.approx((a + b) ** 2 / (a**2 / now["df"] + b**2 / before["df"]), rel=1e-12)


def test_the_previous_wave_is_imputed_and_scored_with_each_completed_sets_fit(analysis):
    """A change compares pooled indices with pooled indices: the previous wave's respondents are imputed m times
    (the same seeds) and completed set k is scored with fit k, then pooled by Rubin's rules."""
    (key,) = analysis.fits
    mi, column = analysis.mi[key], analysis.study.questionnaire.enterprise_column
    rows = analysis.previous_data[analysis.previous_data[column].isin(analysis.pools[key])]
    items = list(mi.model.items)
    assert rows[items].isna().to_numpy().any()  # the previous wave has missing answers too
    scorer = mi.imputing(rows, m=M)
    assert len(scorer.imputations) == M and scorer.fits == mi.fits
    for completed in scorer.imputations:  # observed answers untouched, every hole filled on the scale
        observed = rows[items].notna().to_numpy()
        np.testing.assert_array_equal(completed.to_numpy()[observed], rows[items].to_numpy(dtype=float)[observed])
        assert not completed.isna().to_numpy().any()
    runs, pooled = _rubin_by_hand(scorer.fits, scorer.imputations, rows, analysis.weight_column)
    mine = analysis.previous_indices.set_index(KEYS).loc[list(zip(runs[0]["enterprise_id"], runs[0]["construct"]))]
    np.testing.assert_allclose(mine["index"], pooled["estimate"], rtol=1e-12)
    np.testing.assert_allclose(mine["std_error"], pooled["std_error"], rtol=1e-12)
    np.testing.assert_allclose(mine["df"], pooled["df"], rtol=1e-12)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_report_says_how_the_missing_answers_were_imputed_and_pools_its_paths(analysis, lang,
                                                                                 no_chart_pixels):
    (key,) = analysis.fits
    mi = analysis.mi[key]
    enterprise = analysis.pools[key][0]
    c = report.enterprise_content(None, enterprise, lang, analysis=analysis)
    assert c.imputation is mi and c.boot is None
    note = _front.missing_note(c)
    assert f"{mi.n_missing:,}" in note and str(M) in note and "Rubin" in note
    text = unescape(re.sub(r"<[^>]+>", " ", report.sampling(c).html))
    assert note.split("（")[0].split("(")[0] in text
    model = unescape(re.sub(r"<[^>]+>", " ", report.indicators(c).html))
    assert {"zh": f"{M} 次插补按 Rubin 规则合并", "en": f"pooled over {M} imputations by Rubin's rules"}[lang] in model
    counts = sorted({fit.iterations for fit in mi.fits})  # each completed set's fit converged on its own
    span = str(counts[0]) if len(counts) == 1 else f"{counts[0]}–{counts[-1]}"
    assert {"zh": f"{span} 次迭代收敛", "en": f"converged in {span} iterations"}[lang] in model
    reliability = unescape(re.sub(r"<[^>]+>", " ", report.reliability(c).html))
    formulas = unescape(re.sub(r"<[^>]+>", " ", report.appendix(c).html))
    assert "Barnard & Rubin" in formulas and "Q̄ ± t₀.₉₇₅(ν)·√T" in formulas
    assert {"zh": f"{M} 个插补完整数据集", "en": f"mean over the {M} completed data sets"}[lang] in reliability
    # the path table's intervals are Rubin's
    shown = c.paths.set_index(["source_id", "target_id"])
    pooled = mi.paths.set_index(["source", "target"])
    np.testing.assert_allclose(shown["ci_low"], pooled.loc[shown.index, "ci_low"], rtol=1e-13)
    np.testing.assert_allclose(shown["p_value"], pooled.loc[shown.index, "p_value"], rtol=1e-13)
    assert "imputation" in formal.glossary_terms(c)
    # the indices by channel and demographic group are pooled as the enterprise's own
    seg = c.segments
    variable = seg["variable"].iloc[0]
    own = analysis.data[analysis.data[ENTERPRISE_COLUMN] == enterprise]
    by_hand = csi.enterprise_indices(mi, own[own[variable].notna()], by=variable, weights=analysis.weight_column,
                                     constructs=[analysis.study.model.target])
    mine = seg[seg["variable"] == variable].set_index("level")["index"]
    np.testing.assert_allclose(mine.loc[by_hand["enterprise_id"]], by_hand["index"], rtol=1e-12)
    glossary = unescape(report.glossary(c).html)
    assert STRINGS["glossary"][lang]["imputation"][0] in glossary


def test_no_missing_answer_gives_the_plain_analysis_exactly(tmp_path):
    """With nothing to impute, "mi" is the plain analysis: the same indices, paths and league."""
    toml = _mi_study(tmp_path)
    for path in tmp_path.glob("responses_*.csv"):
        data = pd.read_csv(path, dtype=str, keep_default_na=False)
        for item in ITEM_IDS:
            data[item] = data[item].replace({"": "3", str(MISSING_CODE): "3"})
        data.to_csv(path, index=False)
    imputed = csi.analyse_study(toml)
    plain = csi.analyse_study(edit(tmp_path, f'missing = "mi"\nimputations = {M}', 'missing = "raise"'))
    (key,) = plain.fits
    assert imputed.mi[key].n_missing == 0 and imputed.mi[key].m == 1
    pd.testing.assert_frame_equal(imputed.indices[plain.indices.columns], plain.indices, rtol=1e-12)
    assert (imputed.indices["df"] == imputed.indices["n"] - 1).all() and (imputed.indices["fmi"] == 0).all()
    pd.testing.assert_frame_equal(imputed.fits[key].paths, plain.fits[key].paths, rtol=1e-12)
    np.testing.assert_allclose(imputed.mi[key].paths["std_error"], plain.boots[key].paths["std_error"], rtol=1e-12)
    pd.testing.assert_frame_equal(imputed.league, plain.league, rtol=1e-12)


def test_imputations_without_multiple_imputation_is_an_error_naming_the_key(tmp_path):
    toml = make_study(tmp_path, single_industry=True)
    edit(tmp_path, 'missing = "mean"', 'missing = "mean"\nimputations = 5')
    with pytest.raises(StudyError, match=r"\[model\.imputations\].*set missing = \"mi\""):
        csi.load_study(toml)
    edit(tmp_path, 'imputations = 5', 'imputations = 1')
    edit(tmp_path, 'missing = "mean"', 'missing = "mi"')
    with pytest.raises(StudyError, match="imputations"):
        csi.load_study(toml)


def test_a_previous_wave_that_cannot_be_imputed_is_an_error_naming_the_wave_and_the_item(tmp_path):
    """The previous wave is imputed like the current one: an item nobody answered in it stops the analysis with
    a message naming the wave, the pool and the item (scoring it without imputation would fail on it too)."""
    toml = _mi_study(tmp_path)
    path = tmp_path / f"responses_{PREVIOUS_WAVE}.csv"
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    data[ITEM_IDS[0]] = ""
    data.to_csv(path, index=False)
    with pytest.raises(csi.DataError, match=rf"wave previous of industry .* cannot be imputed: .*{ITEM_IDS[0]}"):
        csi.analyse_study(toml)
    found = csi.check_study(toml)  # csi validate meets it first
    assert any("wave previous" in e and ITEM_IDS[0] in e for e in found.errors), found.errors


def test_validate_runs_the_imputation(tmp_path):
    """csi validate meets what the run's imputation would: here an item one industry never answered."""
    toml = _mi_study(tmp_path)
    assert not [e for e in csi.check_study(toml).errors if "imputation" in e]
    path = tmp_path / f"responses_{CURRENT_WAVE}.csv"
    data = pd.read_csv(path, dtype=str, keep_default_na=False)
    data[ITEM_IDS[0]] = ""
    data.to_csv(path, index=False)
    found = csi.check_study(toml)
    assert any("multiple imputation" in e and ITEM_IDS[0] in e for e in found.errors), found.errors
