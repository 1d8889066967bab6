"""The study-file schema (csi/io/_schema.py): one declaration from which come the checks, the reference page
and the JSON Schema editors use; and the messages a new user meets."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
import tomllib
from pathlib import Path

import jsonschema
import pytest
from conftest import edit

import csi
from csi.exceptions import SchemaError, StudyError
from csi.io import _reference as reference
from csi.io import _schema as schema
from csi.io._study import ReportSettings, SamplingPlan, ScreeningRules

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


# --------------------------------------------------------------------------- generated files are current

def test_reference_page_is_current():
    assert (ROOT / reference.REFERENCE).read_text(encoding="utf-8") == reference.reference(), (
        "docs/study-file.md is stale: run `python -m csi.io._reference`")


@pytest.mark.parametrize("file", list(reference.SCHEMAS))
def test_shipped_json_schema_is_current(file):
    model, name = reference.SCHEMAS[file]
    shipped = json.loads((reference.SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert shipped == reference.json_schema(model), f"csi/io/schema/{name} is stale: run `python -m csi.io._reference`"


def _key_paths(model: type[schema.Section], prefix: str = "") -> set[str]:
    out = set()
    for name, field in schema.keys_of(model).items():
        out.add(prefix + name)
        sub = schema._section_in(field.annotation)
        if sub is not None:
            out |= _key_paths(sub, f"{prefix}{name}.")
    return out


def _json_paths(node: dict, defs: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, prop in node.get("properties", {}).items():
        out.add(prefix + name)
        target = prop.get("items", prop.get("additionalProperties", prop)) if "$ref" not in prop else prop
        ref = target.get("$ref") if isinstance(target, dict) else None
        if ref:
            out |= _json_paths(defs[ref.rsplit("/", 1)[-1]], defs, f"{prefix}{name}.")
    return out


def _page_paths(page: str, file: str) -> set[str]:
    """Key paths of the reference page: each table's heading gives the section, each row a key."""
    part = page.split(f"## {file}", 1)[1].split("\n## ", 1)[0]
    out, section = set(), ""
    for line in part.splitlines():
        heading = re.match(r"### \[*([^\]]*?)\]*$", line)
        if heading:
            section = "" if "top level" in line else heading.group(1).replace(".<name>", "") + "."
            if section:
                out.add(section[:-1])
        row = re.match(r"\| `([^`]+)` \|", line)
        if row:
            out.add(section + row.group(1))
    return out


@pytest.mark.parametrize("file", list(reference.SCHEMAS))
def test_reference_page_and_json_schema_list_every_key_the_loader_accepts(file):
    model, name = reference.SCHEMAS[file]
    accepted = _key_paths(model)
    shipped = json.loads((reference.SCHEMA_DIR / name).read_text(encoding="utf-8"))
    assert _json_paths(shipped, shipped.get("$defs", {})) == accepted
    assert _page_paths((ROOT / reference.REFERENCE).read_text(encoding="utf-8"), file) == accepted
    assert {"report.signature.signatories.role", "weighting.margins", "outputs.languages"} <= _key_paths(
        schema.StudyFile)


def _json_ready(table):
    return json.loads(json.dumps(table, default=str))  # TOML dates as the strings editors see


@pytest.mark.parametrize(("file", "path"), [("study.toml", DEMO / "study.toml"),
                                            ("questionnaire.toml", DEMO / "questionnaire.toml")])
def test_json_schema_accepts_the_demo_and_refuses_a_misspelt_key(file, path):
    _model, name = reference.SCHEMAS[file]
    shipped = json.loads((reference.SCHEMA_DIR / name).read_text(encoding="utf-8"))
    table = _json_ready(tomllib.loads(path.read_text(encoding="utf-8")))
    jsonschema.validate(table, shipped)
    table["titel"] = "x"
    with pytest.raises(jsonschema.ValidationError, match="titel"):
        jsonschema.validate(table, shipped)


def test_dataclass_defaults_are_the_schema_defaults():
    """The API's settings objects default to what an absent study key means (one definition each)."""
    for settings, section in ((ScreeningRules, schema.ScreeningSection), (SamplingPlan, schema.SamplingSection),
                              (ReportSettings, schema.ReportSection)):
        for f in dataclasses.fields(settings):
            field = schema.keys_of(section).get(f.name)
            if field is None or f.default is dataclasses.MISSING:
                continue
            default = field.default
            assert f.default == (tuple(default) if isinstance(default, list) else default), (settings, f.name)


def test_commented_starter_round_trips_the_demo():
    for path, model in ((DEMO / "study.toml", schema.StudyFile), (DEMO / "questionnaire.toml",
                                                                    schema.QuestionnaireFile)):
        table = tomllib.loads(path.read_text(encoding="utf-8"))
        text = schema.commented_toml(table, model)
        written = {k: v for k, v in tomllib.loads(text).items() if v != {}}
        assert written == table
        # every key of the schema is in the file, set or commented out with its description
        for key in schema.keys_of(model):
            assert re.search(rf"^(# )?{key} = |^(# )?\[+{key}", text, re.MULTILINE), key


def test_commented_starter_lists_the_allowed_values():
    text = schema.commented_toml({})
    assert "# PLS inner weighting scheme. One of: path, centroid, factorial." in text
    assert '# estimation = "pooled"' in text


# --------------------------------------------------------------------------- the messages

def test_every_problem_of_a_file_in_one_message(study_dir):
    edit(study_dir, 'seed = 20261121', 'seed = -1\nlanguag = "en"')
    edit(study_dir, 'scheme = "path"', 'scheme = "paths"')
    with pytest.raises(StudyError) as error:
        csi.load_study(study_dir / "study.toml")
    message = str(error.value)
    assert message.startswith("study.toml: 3 problems:")
    assert "[study.seed]: -1 is out of range: it must be at least 0." in message
    assert "[study.languag]: unknown key (did you mean 'language'?)" in message
    assert "[model.scheme]: 'paths' is not one of path, centroid, factorial (did you mean 'path'?)." in message


def test_a_wrong_type_is_named_not_converted(study_dir):
    edit(study_dir, "min_n = 10 ", 'min_n = "10" ')
    with pytest.raises(StudyError, match=r"\[report\.min_n\]: expected int, got str '10'"):
        csi.load_study(study_dir / "study.toml")


def test_questionnaire_errors_name_the_item_by_its_id(tmp_path):
    (tmp_path / "q.toml").write_text('[[items]]\nid = "SAT1"\nconstruct = "S"\nscal = [1, 5]\n\n'
                                     '[[items]]\nid = "SAT2"\nconstruct = "S"\nreverse = "yes"\n', encoding="utf-8")
    with pytest.raises(SchemaError) as error:
        csi.load_questionnaire(tmp_path / "q.toml")
    assert "[items[0] (SAT1).scal]: unknown key (did you mean 'scale'?)" in str(error.value)
    assert "[items[1] (SAT2).reverse]: expected bool, got str 'yes'" in str(error.value)


# --------------------------------------------------------------------------- margins

MARGINS = 'gender = { male = 0.5, female = 0.5 }'


def test_margins_as_counts_become_shares(study_dir):
    edit(study_dir, MARGINS, 'gender = { male = 4_900, female = 5_100 }')
    margins = csi.load_study(study_dir / "study.toml").weighting.margins
    gender = margins[margins["variable"] == "gender"].set_index("level")["share"]
    assert gender.to_dict() == pytest.approx({"male": 0.49, "female": 0.51})


def test_margins_file_with_a_count_column(study_dir):
    (study_dir / "margins.csv").write_text("variable,level,count\nregion,urban,500\nregion,suburban,250\n"
                                           "region,rural,250\n", encoding="utf-8")
    text = (study_dir / "study.toml").read_text(encoding="utf-8")
    start = text.index("[weighting.margins]")
    end = text.index("[sampling]")
    (study_dir / "study.toml").write_text(text[:start] + 'margins = "margins.csv"\n' + text[end:], encoding="utf-8")
    edit(study_dir, 'variables = ["region", "age_band", "gender"]', 'variables = ["region"]')
    margins = csi.load_study(study_dir / "study.toml").weighting.margins
    assert margins.set_index("level")["share"].to_dict() == {"urban": 0.5, "suburban": 0.25, "rural": 0.25}


@pytest.mark.parametrize(("margins", "pattern"), [
    ("gender = { male = 0.5, female = 0 }", r"\[weighting\.margins\.gender\.female\]: 0 is out of range"),
    ("gender = { male = 1.5, female = -0.5 }", r"\[weighting\.margins\.gender\.female\]: -0\.5 is out of range"),
    ("gender = { male = 0.5, female = 0.4 }", r"\[weighting\.margins\.gender\]: shares of 'gender' sum to 0\.9"),
    ("gender = { male = 0.5, femal = 0.5 }", r"level 'femal' of 'gender' .* \(did you mean 'female'\?\)"),
    ("gender = { male = 1.0 }", r"\[weighting\.margins\.gender\]: 'gender' has no margin for level\(s\) 'female'"),
    ('gender = { male = "half", female = 0.5 }', r"\[weighting\.margins\.gender\.male\]: 'half' is not a number"),
])
def test_bad_margins_are_refused_with_the_key(study_dir, margins, pattern):
    edit(study_dir, MARGINS, margins)
    with pytest.raises(StudyError, match=pattern):
        csi.load_study(study_dir / "study.toml")


# --------------------------------------------------------------------------- enterprises.csv

def test_industry_column_is_optional(study_dir):
    (study_dir / "enterprises.csv").write_text("enterprise_id,name_zh,name_en\nW01,甲,A\nW02,乙,B\n",
                                               encoding="utf-8")
    study = csi.load_study(study_dir / "study.toml")
    assert {e.industry for e in study.enterprises} == {"study"}
    assert study.industry_label("study", "zh") == "同类"
    assert study.industry_label("study", "en") == "the study's enterprises"


def test_industry_code_of_the_whole_study_is_reserved(study_dir):
    (study_dir / "enterprises.csv").write_text("enterprise_id,industry\nW01,water\nW02,all\n", encoding="utf-8")
    with pytest.raises(StudyError, match=r"enterprises\.csv: line 3, column 'industry': 'all' is reserved"):
        csi.load_study(study_dir / "study.toml")


def test_missing_enterprise_column_names_the_optional_ones(study_dir):
    (study_dir / "enterprises.csv").write_text("id,industry\nW01,water\n", encoding="utf-8")
    with pytest.raises(StudyError, match=r"missing column\(s\) enterprise_id; columns: enterprise_id, name_zh "
                                         r"\(optional\), name_en \(optional\), industry \(optional\)"):
        csi.load_study(study_dir / "study.toml")


@pytest.mark.skipif(shutil.which("taplo") is None, reason="taplo (npm @taplo/cli) is not installed")
def test_taplo_checks_a_study_file_against_the_shipped_schema(tmp_path):
    """As VS Code with Even Better TOML does: the `#:schema` line csi init writes makes taplo check the file."""
    import subprocess

    study = tmp_path / "study.toml"
    directive = f"#:schema {reference.SCHEMA_DIR / 'study.schema.json'}\n"
    study.write_text(directive + (DEMO / "study.toml").read_text(encoding="utf-8"), encoding="utf-8")
    ok = subprocess.run(["taplo", "check", str(study)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert ok.returncode == 0, ok.stderr
    edit(tmp_path, 'scheme = "path"', 'schem = "path"')
    bad = subprocess.run(["taplo", "check", str(study)], capture_output=True, text=True, cwd=tmp_path, check=False)
    assert bad.returncode != 0 and "'schem' was unexpected" in bad.stderr


def test_a_study_of_one_industry_needs_no_industry_column(tmp_path):
    import pandas as pd
    from studies.second_study import make_study

    path = make_study(tmp_path, single_industry=True, weighting=False)
    table = pd.read_csv(tmp_path / "enterprises.csv", dtype=str)
    table.drop(columns="industry").to_csv(tmp_path / "enterprises.csv", index=False)
    analysis = csi.analyse_study(path)
    assert {e.industry for e in analysis.study.enterprises} == {"study"}
    assert "study" in set(analysis.benchmarks["industry"]) and len(analysis.league) == 4
