"""study.toml loading: the demo study, and errors that name the file and key path."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import edit

import csi
from csi.exceptions import StudyError

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


def test_demo_study_loads():
    study = csi.load_study(DEMO / "study.toml")
    assert study.id == "demo-2026" and study.language == "zh"
    assert len(study.enterprises) == 24
    assert {e.industry for e in study.enterprises} == {"water", "telecom", "bank"}
    assert study.model.model.constructs[0] == "Image" and study.model.target == "Satisfaction"
    assert study.responses[0].name == "responses_2026.csv" and study.responses[0].is_absolute()
    assert study.industry_label("water", "en") == "Water supply"
    assert sum(e.served_customers < 50 for e in study.enterprises) >= 3  # census enterprises


def test_malformed_study_file_names_the_file(study_dir):
    path = edit(study_dir, 'id = "demo-2026"', 'id = "demo-2026')
    with pytest.raises(StudyError, match=r"study\.toml: not valid TOML: .*line \d+"):
        csi.load_study(path)


def test_unknown_key_names_key_path_and_suggests(study_dir):
    path = edit(study_dir, "scheme = ", "schema = ")
    with pytest.raises(StudyError, match=r"study\.toml: \[model\.schema\]: unknown key \(did you mean 'scheme'\?\)"):
        csi.load_study(path)


def test_missing_responses_file(study_dir):
    path = edit(study_dir, '"responses_2026.csv"', '"responses_2027.csv"')
    with pytest.raises(StudyError, match=r"\[data\.responses\]: file not found: .*responses_2027\.csv"):
        csi.load_study(path)


def test_unknown_preset_suggests(study_dir):
    path = edit(study_dir, 'preset = "ccsi"', 'preset = "ccs1"')
    with pytest.raises(StudyError, match=r"\[model\.preset\]: 'ccs1' is not one of acsi, ecsi, ccsi "
                                         r"\(did you mean 'ccsi'\?\)"):
        csi.load_study(path)


def test_model_item_not_in_questionnaire(study_dir):
    path = edit(study_dir, 'preset = "ccsi"', 'syntax = """\nSat =~ SATI1 + SATI9\nImg =~ IMAG1\nSat ~ Img\n"""')
    with pytest.raises(StudyError, match=r"\[model\.syntax\]: model item\(s\) not in the questionnaire: SATI9"):
        csi.load_study(path)


def test_model_syntax_error_keeps_its_line(study_dir):
    path = edit(study_dir, 'preset = "ccsi"', 'syntax = """\nSat =~ SATI1 + SATI2\nSat ~ Nope\n"""')
    with pytest.raises(StudyError, match=r"\[model\.syntax\]: .*Nope"):
        csi.load_study(path)


def test_wrong_type_names_key(study_dir):
    path = edit(study_dir, "seed = 20261121", 'seed = "x"')
    with pytest.raises(StudyError, match=r"\[study\.seed\]: expected int, got str 'x'"):
        csi.load_study(path)


def test_unsafe_enterprise_id_is_rejected(study_dir):
    edit(study_dir, "W01,", "../../etc/x,", name="enterprises.csv")
    with pytest.raises(StudyError, match=r"enterprises\.csv: line 2, column 'enterprise_id': id '\.\./\.\./etc/x' "
                                         r"is not allowed"):
        csi.load_study(study_dir / "study.toml")


def test_questionnaire_error_gains_the_study_key(study_dir):
    edit(study_dir, 'scale = [1, 10]', 'scale = [10, 1]', name="questionnaire.toml")
    with pytest.raises(StudyError, match=r"study\.toml: \[data\.questionnaire\]: .*questionnaire\.toml: \[scale\]: "
                                         r"a scale is \[min, max\]"):
        csi.load_study(study_dir / "study.toml")
