"""Statistical edge cases with defined behaviour: each gives a clear CSIError or a documented result,
never a NaN in a result table without a flag. Also one test per robustness fix made for the corpus."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.exceptions import CSIError, DataError, ModelSpecError, SchemaError
from csi.io._study import ScreeningRules
from csi.survey import read_margins

COMMON = Path(__file__).resolve().parent / "bad_inputs" / "common"


@pytest.fixture(scope="module")
def q() -> csi.Questionnaire:
    return csi.load_questionnaire(COMMON / "questionnaire.toml")


@pytest.fixture(scope="module")
def df(q) -> pd.DataFrame:
    return csi.read_responses(COMMON / "responses_ok.csv", q)


@pytest.fixture(scope="module")
def model() -> csi.Model:
    return csi.Model.from_file(COMMON / "model.txt")


def _finite(table: pd.DataFrame, columns) -> bool:
    return bool(np.isfinite(table[list(columns)].to_numpy(float)).all())


# --------------------------------------------------------------------------- estimation


def test_fewer_respondents_than_items_gives_finite_numbers_and_reports_n(df, model):
    fit = csi.estimate(model, df.iloc[:5])  # 5 respondents, 8 items: estimable, and n says how few
    assert fit.n == 5 < len(model.items)
    assert _finite(fit.paths, ["estimate"]) and _finite(fit.outer, ["weight", "loading"])


@pytest.mark.parametrize("rows", [0, 1])
def test_too_few_respondents_to_estimate_is_a_data_error(df, model, rows):
    with pytest.raises(DataError, match="need more than one case"):
        csi.estimate(model, df.iloc[:rows])


def test_constant_item_is_named(df, model):
    with pytest.raises(DataError, match=r"item\(s\) Q2 are constant"):
        csi.estimate(model, df.assign(Q2=5.0))


def test_perfectly_collinear_items(df, model):
    mode_a = csi.estimate(model, df.assign(Q2=df["Q1"]))  # Mode A: correlation weights are defined
    assert _finite(mode_a.outer, ["weight", "loading"])
    mode_b = csi.Model.from_syntax(model.to_syntax().replace("Quality      =~", "Quality      <~"))
    with pytest.raises(DataError, match=r"Mode B block 'Quality' has perfectly collinear items"):
        csi.estimate(mode_b, df.assign(Q2=df["Q1"]))


def test_equal_weights_change_nothing(df, model):
    plain, weighted = csi.estimate(model, df), csi.estimate(model, df, weights=np.full(len(df), 3.0))
    np.testing.assert_allclose(weighted.paths["estimate"], plain.paths["estimate"], atol=1e-12)
    np.testing.assert_allclose(csi.csi_index(weighted)["index"], csi.csi_index(plain)["index"], atol=1e-10)


def test_equal_raking_targets_give_equal_weights(df):
    shares = df["region"].value_counts(normalize=True).to_dict()
    result = csi.rake(df, {"region": shares})
    np.testing.assert_allclose(result.weights, 1.0)
    assert result.design_effect == pytest.approx(1.0)


def test_enterprise_index_from_three_respondents_is_finite(df, model):
    fit = csi.estimate(model, df)
    table = csi.csi_index(fit, data=df.iloc[:3])
    assert _finite(table, ["index"]) and table["index"].between(0, 100).all()


def test_index_of_an_enterprise_without_answers_is_an_error_not_nan(df, model):
    fit = csi.estimate(model, df)
    with pytest.raises(DataError, match="no observed"):
        csi.csi_index(fit, data=df.iloc[:0])
    with pytest.raises(DataError, match=r"Q1"):
        csi.csi_index(fit, data=df.iloc[:3].assign(Q1=np.nan))


# --------------------------------------------------------------------------- screening, weighting, composites


def test_all_respondents_excluded_are_all_in_the_ledger(df, q):
    result = csi.screen(df.assign(Q1=np.nan), q, rules=ScreeningRules(min_answered=1.0))
    ledger = result.ledger
    assert result.kept.empty and len(result.excluded) == len(df)
    assert (ledger["read"] == ledger["analysed"] + ledger["excluded"]).all() and ledger["analysed"].sum() == 0
    assert ledger["too_few_answered"].sum() == len(df)


def test_margin_category_with_zero_respondents_is_named(df):
    with pytest.raises(DataError, match=r"region='suburban' has no respondents"):
        csi.rake(df, {"region": {"urban": 0.5, "rural": 0.3, "suburban": 0.2}})


def test_empty_channel_in_composite_is_named():
    ch = pd.DataFrame({"channel": ["online"] * 5 + ["onsite"] * 5, "value": [3, 5, 7, 9, 10] * 2})
    with pytest.raises(DataError, match=r"\['questionnaire'\] have a weight but no data"):
        csi.composite_score(ch, channel_weights={"online": .4, "questionnaire": .3, "onsite": .3}, scale=(1, 10))


def test_a_channel_without_answers_is_named():
    ch = pd.DataFrame({"channel": ["online"] * 5 + ["onsite"] * 5, "value": [3, 5, 7, 9, 10] + [np.nan] * 5})
    with pytest.raises(DataError, match=r"channel 'onsite'.*missing for every respondent"):
        csi.composite_score(ch, channel_weights={"online": .5, "onsite": .5}, scale=(1, 10))


# --------------------------------------------------------------------------- a single-enterprise study


def test_single_enterprise_study_loads_reads_and_estimates(tmp_path, df):
    for name in ("questionnaire.toml", "model.txt"):
        (tmp_path / name).write_bytes((COMMON / name).read_bytes())
    (tmp_path / "enterprises.csv").write_text("enterprise_id,industry\nE01,water\n", encoding="utf-8")
    raw = (COMMON / "responses_ok.csv").read_text(encoding="utf-8")
    (tmp_path / "r.csv").write_text(raw.replace(",E02,", ",E01,"), encoding="utf-8")
    (tmp_path / "study.toml").write_text((COMMON / "study.toml").read_text(encoding="utf-8")
                                         .replace("responses_ok.csv", "r.csv"), encoding="utf-8")
    study = csi.load_study(tmp_path / "study.toml")
    assert [e.id for e in study.enterprises] == ["E01"]
    data = csi.read_responses(study.responses, study.questionnaire)
    fit = csi.estimate(study.model.model, data)
    assert fit.n == 40 and _finite(csi.csi_index(fit), ["index"])


@pytest.mark.filterwarnings("ignore::csi.indices.NegativeWeightWarning")  # the tiny corpus data flag S3
def test_enterprise_below_minimum_n_falls_back_to_the_pooled_model(tmp_path, df):
    from csi.analysis import analyse_study
    from csi.report import enterprise_content
    for name in ("questionnaire.toml", "model.txt", "enterprises.csv"):
        (tmp_path / name).write_bytes((COMMON / name).read_bytes())
    small = pd.concat([df[df["enterprise_id"] == "E01"], df[df["enterprise_id"] == "E02"].head(3)])
    small.to_csv(tmp_path / "r.csv", index=False)
    text = (COMMON / "study.toml").read_text(encoding="utf-8").replace("responses_ok.csv", "r.csv")
    (tmp_path / "study.toml").write_text(text + 'estimation = "enterprise"\nmin_n = 15\n', encoding="utf-8")
    content = enterprise_content(tmp_path / "study.toml", "E02")
    assert content.pool != "enterprise"  # 3 respondents < min_n
    # E01 has a model of its own: its indices come from that model only, never also from E02's pool
    analysis = analyse_study(csi.load_study(tmp_path / "study.toml"))
    fallback = next(key for key in analysis.fits if key.startswith(content.pool))
    assert sorted(analysis.fits) == ["enterprise:E01", fallback]
    assert not analysis.indices.duplicated(["enterprise_id", "construct"]).any()
    assert {e: key for key, ids in analysis.pools.items() for e in ids} == {"E01": "enterprise:E01", "E02": fallback}
    assert analysis.league["enterprise_id"].is_unique
    assert content.dimensions["construct"].tolist() == list(content.fit.model.constructs)
    from csi.report import _front as front
    assert "fewer than the 15 needed for a model of its own" in front.indicators(
        dataclasses.replace(content, lang="en")).html


# --------------------------------------------------------------------------- fixes made for the corpus


def test_model_syntax_must_be_text():
    for value in (None, b"A =~ a1", 5):
        with pytest.raises(ModelSpecError, match="expected the model as text"):
            csi.Model.from_syntax(value)


def test_award_criterion_on_text_values_is_a_schema_error(tmp_path):
    (tmp_path / "a.toml").write_text('[award]\nid = "a"\ntitle = "t"\n[[categories]]\nid = "e"\n'
                                     'id_column = "id"\n[[categories.criteria]]\nid = "c"\nlabel = "x"\n'
                                     'column = "score"\nop = ">="\nvalue = 80\n', encoding="utf-8")
    rules = csi.load_award_rules(tmp_path / "a.toml")
    with pytest.raises(SchemaError, match=r"column 'score' value 'high' cannot be compared with 80"):
        csi.check_eligibility(rules, pd.DataFrame({"id": ["E1", "E2"], "score": ["high", 82]}))


@pytest.mark.parametrize("data, margins, kwargs, message", [
    ("not a frame", {"region": {"urban": 1.0}}, {}, "data must be a pandas DataFrame"),
    (pd.DataFrame({"region": []}), {"region": {"urban": 1.0}}, {}, "data has no rows"),
    (None, {"region": 0.5}, {}, r"margins\['region'\] must be a dict"),
    (None, pd.DataFrame({"variable": [], "level": [], "share": []}), {}, "margins have no rows"),
    (None, pd.DataFrame({"variable": [np.nan, "region"], "level": ["a", "urban"], "share": [.5, .5]}), {},
     "no variable or level in 1 row: 0"),
])
def test_rake_rejects_unusable_inputs(df, data, margins, kwargs, message):
    with pytest.raises(DataError, match=message):
        csi.rake(df if data is None else data, margins, **kwargs)


def test_rake_rejects_a_bad_option(df):
    with pytest.raises(csi.ParameterError, match=r"rake\(\): tol=-1.0 is not allowed; give a number > 0"):
        csi.rake(df, {"region": {"urban": 0.6, "rural": 0.4}}, tol=-1.0)


def test_read_margins_names_file_and_lines_in_rake_errors(tmp_path, df):
    path = tmp_path / "margins.csv"
    path.write_text("variable,level,share\nregion,urban,0.5\nregion,rural,0.4\n", encoding="gbk")
    margins = read_margins(path)
    assert list(margins.index) == [2, 3] and margins.attrs["source"] == str(path)
    with pytest.raises(DataError, match=r"rake \(.*margins\.csv\): shares of 'region' sum to 0\.9"):
        csi.rake(df, margins)


def test_text_defaults_are_not_validated(tmp_path):
    from csi._validation import KeyReader
    reader = KeyReader({}, "x.toml", "report", CSIError)
    assert reader.text("independence", {}) == {} and reader.text("label", "Q1") == {"zh": "Q1", "en": "Q1"}
    with pytest.raises(CSIError, match=r"\[report\.independence\]"):
        KeyReader({"independence": {}}, "x.toml", "report", CSIError).text("independence", {})


def test_suggest_finds_a_different_case():
    from csi._validation import suggest
    assert suggest("q1", ["Q1", "Q2"]) == " (did you mean 'Q1'?)"
