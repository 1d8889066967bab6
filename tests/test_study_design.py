"""The study's sampling design ([data] strata / cluster) reaches every bootstrap of a batch and its report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from csi import report
from csi.analysis._study import BOOTSTRAP_RESAMPLES, _pools, analyse_study, design_columns
from csi.exceptions import StudyError
from csi.io import load_study
from csi.pls import bootstrap

ROOT = Path(__file__).resolve().parents[1]


def _study(tmp_path: Path, extra: str) -> Path:
    shutil.copytree(ROOT / "data", tmp_path / "data")  # the demo's rules live in data/rules
    path = tmp_path / "data" / "demo" / "study.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('enterprises = "enterprises.csv"\n', f'enterprises = "enterprises.csv"\n{extra}\n'),
                    encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def stratified(tmp_path_factory):
    study = load_study(_study(tmp_path_factory.mktemp("design"), 'strata = "region"'))
    return study, analyse_study(study)


def test_strata_are_read_from_the_study(stratified):
    study, _ = stratified
    assert (study.strata, study.cluster) == ("region", None)


def test_pool_bootstraps_resample_within_the_declared_strata(stratified):
    study, analysis = stratified
    pools, _members = _pools(study, analysis.data)
    key, rows = pools[0]
    fit = analysis.fits[key]
    within = bootstrap(fit, n_resamples=BOOTSTRAP_RESAMPLES, seed=study.seed, strata=rows["region"])
    simple = bootstrap(fit, n_resamples=BOOTSTRAP_RESAMPLES, seed=study.seed)
    pdt.assert_frame_equal(analysis.boots[key].paths, within.paths)
    assert not analysis.boots[key].paths["std_error"].equals(simple.paths["std_error"])


def test_report_change_and_appendix_follow_the_design(stratified):
    study, analysis = stratified
    content = report.enterprise_content(study.path, "W01", "en", analysis=analysis)
    assert "within strata: region" in report.appendix(content).html
    assert content.change is not None and content.change["std_error"].gt(0).all()


def test_a_design_column_missing_or_empty_is_named(tmp_path):
    study = load_study(_study(tmp_path, 'strata = "district"\ncluster = "region"'))
    rows = pd.DataFrame({"respondent_id": ["r1", "r2", "r3"], "region": ["a", None, " "]})
    with pytest.raises(StudyError, match=r"study.toml: \[data\.strata\]: no column 'district' in the responses .*"
                                         r"columns: respondent_id, region"):
        design_columns(study, rows)
    study = load_study(_study(tmp_path / "b", 'cluster = "region"'))
    with pytest.raises(StudyError, match=r"\[data\.cluster\]: column 'region' is empty for 2 respondent\(s\) \(r2, r3\)"):
        design_columns(study, rows)


def test_a_design_key_of_the_wrong_type_is_an_error(tmp_path):
    with pytest.raises(StudyError, match=r"\[data\.strata\]: expected str"):
        load_study(_study(tmp_path, "strata = 3"))
