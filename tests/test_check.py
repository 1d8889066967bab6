"""`csi validate` / csi.check_study: every problem `csi run` would meet before rendering, at once, with the
run's own words — and never "ok" where the run fails."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import csi
from csi.cli import main

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture()
def demo(tmp_path) -> Path:
    """A copy of the demo study (with the rule files it reads from ../rules) to break."""
    for name in ("demo", "rules"):
        shutil.copytree(ROOT / "data" / name, tmp_path / "data" / name)
    return tmp_path / "data" / "demo"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _responses(folder: Path, rows, column: str, value: str) -> None:
    """Set ``column`` to ``value`` in the current wave's ``rows`` (a function of the table giving a mask)."""
    path = folder / "responses_2026.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)  # as text, as csi reads it
    table.loc[rows(table), column] = value
    table.to_csv(path, index=False)


def _validate(folder: Path, capsys) -> tuple[int, str, str]:
    code = main(["validate", str(folder / "study.toml")])
    out, err = capsys.readouterr()
    return code, out, err


def _run(folder: Path, tmp_path: Path, capsys) -> tuple[int, str]:
    code = main(["run", str(folder / "study.toml"), "--out", str(tmp_path / "out"), "--only", "W01",
                 "--workers", "1"])
    return code, capsys.readouterr().err


def test_the_demo_has_no_errors_and_shows_the_exclusions_by_reason(capsys):
    check = csi.check_study(DEMO / "study.toml")
    assert check.ok and check.errors == ()
    assert dict(check.reasons) == {r: int(check.ledger[r].sum()) for r in dict(check.reasons)}
    assert [n for _, n in check.reasons] == sorted((n for _, n in check.reasons), reverse=True)
    code, out, _ = _validate(DEMO, capsys)
    assert code == 0 and "error:" not in out
    excluded = int(check.ledger["excluded"].sum())
    assert f"study.toml: ok — 24 enterprises, {int(check.ledger['read'].sum())} respondents read" in out
    assert f"excluded {excluded}: speeder " in out and "straight-lining" in out and "duplicate" in out


def test_a_margin_level_no_respondent_has_is_named_and_fails_the_run_alike(demo, tmp_path, capsys):
    _responses(demo, lambda t: t["region"] == "rural", "region", "suburban")
    code, out, _ = _validate(demo, capsys)
    assert code == 2
    (error,) = [line[len("error: "):] for line in out.splitlines() if line.startswith("error: ")]
    assert "all 24 enterprises could not be weighted ([weighting])" in error
    assert ("study.toml: [weighting.margins]: no respondent has level 'rural' of 'region', so no enterprise can be "
            "raked to these margins.") in error
    code, err = _run(demo, tmp_path, capsys)
    assert code == 2 and error in err  # the run stops with the same words


def test_a_margin_level_one_enterprise_lacks_names_the_margins_and_the_enterprise(demo, monkeypatch):
    _responses(demo, lambda t: (t["enterprise_id"] == "W01") & (t["region"] == "rural"), "region", "suburban")
    check = csi.check_study(demo / "study.toml")
    reason = ("rake (study.toml: [weighting.margins]): margin region='rural' has no respondents (target share 0.25)")
    (error,) = check.errors
    assert "enterprise W01 could not be weighted ([weighting]): " + reason in error
    # W01's report fails with the same words (what its notebook calls, with a short bootstrap)
    from csi.analysis import _study
    from csi.report import enterprise_content
    monkeypatch.setattr(_study, "BOOTSTRAP_RESAMPLES", 20)
    analysis = csi.analyse_study(demo / "study.toml")
    with pytest.raises(csi.DataError) as failure:
        enterprise_content(analysis.study, "W01", analysis=analysis)
    assert error in str(failure.value)


@pytest.mark.parametrize("share", ["0", "-0.25"])
def test_a_zero_or_negative_share_in_the_margins_file_is_named(demo, capsys, share):
    text = (demo / "study.toml").read_text(encoding="utf-8")
    start, end = text.index("[weighting.margins]"), text.index("[sampling]")
    (demo / "study.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    _edit(demo / "study.toml", 'variables = ["region", "age_band", "gender"]',
          'variables = ["region", "age_band", "gender"]\nmargins = "margins.csv"')
    _edit(demo / "margins.csv", "region,suburban,0.25\nregion,rural,0.25", f"region,suburban,{share}\nregion,rural,0.5")
    code, out, err = _validate(demo, capsys)
    assert code == 2 and "margins.csv" in err + out and "'region'" in err + out and share in err + out


def test_an_enterprise_without_respondents_is_an_error_as_its_report_is(demo, capsys):
    with (demo / "enterprises.csv").open("a", encoding="utf-8") as handle:
        handle.write("X99,无样本公司,No Respondents Ltd.,water,100\n")
    code, out, _ = _validate(demo, capsys)
    assert code == 2
    # the words of the report's failure (tests/test_run.py)
    assert f"error: {demo / 'study.toml'}: enterprise X99 has no analysed respondents (0 read); nothing to report." in out
    assert "25 enterprises" in out


def test_a_constant_item_in_one_pool_names_the_pool_and_fails_its_reports_alike(demo, tmp_path, capsys,
                                                                                 monkeypatch):
    _responses(demo, lambda t: t["enterprise_id"].str.startswith("B"), "QUAL1", "7")
    check = csi.check_study(demo / "study.toml")
    (error,) = check.errors
    assert error.startswith("study.toml: [model] the model of industry 'bank' (")
    assert "cannot be estimated: item(s) QUAL1 are constant (zero variance)" in error
    code, out, _ = _validate(demo, capsys)
    assert code == 2 and f"error: {error}" in out
    # the run goes on (issue 18): the bank's report fails with the same words, the water company's is made
    from csi.analysis import _study
    monkeypatch.setattr(_study, "BOOTSTRAP_RESAMPLES", 20)
    code = main(["run", str(demo / "study.toml"), "--out", str(tmp_path / "out"), "--only", "W01,B01",
                 "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 1 and f"csi: failed: B01 (zh): DataError: {error}" in err and "failed: W01" not in err
    assert (tmp_path / "out" / "W01.zh.html").is_file()


def test_too_few_respondents_for_a_pool_is_a_warning_naming_the_pool(demo, capsys):
    _edit(demo / "study.toml", 'missing = "mean"', 'missing = "mean"\nmin_n = 1400')
    check = csi.check_study(demo / "study.toml")
    assert check.ok
    (warning,) = check.warnings  # water 1427, telecom 1602, bank 1372 analysed respondents
    assert warning.startswith("study.toml: [model] the model of industry 'bank' is estimated on 1372 analysed "
                              "respondents, fewer than the 1400 it needs ([model] min_n)")
    code, out, _ = _validate(demo, capsys)
    assert code == 0 and f"warning: {warning}" in out and "ok, 1 warning" in out


def test_few_analysed_respondents_in_an_enterprise_is_a_warning(demo):
    _edit(demo / "study.toml", "min_n = 10 ", "min_n = 100 ")
    check = csi.check_study(demo / "study.toml")
    (warning,) = check.warnings
    assert warning.startswith("study.toml: [report] min_n = 100: fewer analysed respondents in enterprise(s) ")
    assert "no significance tests" in warning


def test_rule_files_that_do_not_parse_are_each_named_with_their_key(demo, capsys):
    (demo.parent / "rules" / "after_sales_service.toml").write_text("this is [not toml", encoding="utf-8")
    (demo.parent / "rules" / "service_star_award.toml").write_text("[[criteria]]\nfoo = 1\n", encoding="utf-8")
    (demo / "complaint_keywords.toml").write_text("[categories.billing]\nlabel = 3\n", encoding="utf-8")
    (demo / "audits" / "operations.csv").write_text('enterprise_id,"callbacks\nW01,2\n', encoding="utf-8")
    code, out, _ = _validate(demo, capsys)
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert code == 2 and len(errors) == 4
    rubric, operations, awards, keywords = errors
    assert rubric.startswith("error: study.toml: [rules] rubric: ") and "after_sales_service.toml" in rubric
    assert "line 1" in rubric
    assert operations.startswith("error: study.toml: [rules] operations: ") and "operations.csv" in operations
    assert awards.startswith("error: study.toml: [rules] awards: ") and "service_star_award.toml" in awards
    assert "[criteria]" in awards
    assert keywords.startswith("error: study.toml: [rules] complaint_keywords: ")
    assert "complaint_keywords.toml: [categories.billing] needs label" in keywords


def test_a_rubric_without_audits_is_named_beside_its_own_syntax_error(demo, capsys):
    (demo.parent / "rules" / "after_sales_service.toml").write_text("this is [not toml", encoding="utf-8")
    _edit(demo / "study.toml", 'audits_dir = "audits"', "")
    code, out, _ = _validate(demo, capsys)
    errors = [line for line in out.splitlines() if line.startswith("error: ")]
    assert code == 2 and len(errors) == 2
    assert errors[0].startswith("error: study.toml: [rules] rubric: ") and "not valid TOML" in errors[0]
    assert "[rules].audits_dir is not: set it to the folder of the audit files" in errors[1]


def test_an_unlabelled_industry_code_is_a_warning(demo, capsys):
    _edit(demo / "study.toml", ', bank = { zh = "银行", en = "Banking" }', "")
    code, out, _ = _validate(demo, capsys)
    assert code == 0
    (warning,) = [line for line in out.splitlines() if line.startswith("warning: ")]
    assert "study.toml: [study] industries:" in warning and "'bank' (no zh/en label; enterprises B01, " in warning


def test_a_bad_seed_is_refused(demo, capsys):
    _edit(demo / "study.toml", "seed = 20261121", "seed = -3")
    code, _, err = _validate(demo, capsys)
    assert code == 2 and "study.toml" in err and "seed" in err
    check = csi.check_study(demo / "study.toml")
    assert not check.ok and "seed" in check.errors[0] and "could not be read" in check.summary()


def test_every_bad_cell_of_the_responses_is_listed(demo, capsys):
    _edit(demo / "study.toml", 'out_of_range = "exclude"', 'out_of_range = "raise"')
    for line, column, value in ((21, "EXPE1", "0"), (40, "EXPE1", "11"), (7, "QUAL2", "12"), (9, "gender", "F")):
        _responses(demo, lambda t, line=line: t.index == line - 2, column, value)
    code, out, _ = _validate(demo, capsys)
    assert code == 2
    assert ("responses_2026.csv: 3 values outside the declared scale (whole numbers 1–10) in 2 columns: "
            "QUAL2 line 7: 12; EXPE1 line 21: 0, line 40: 11.") in out
    assert "1 undeclared level in 1 column: gender line 9: 'F'." in out
    assert "the responses could not be read" in out
