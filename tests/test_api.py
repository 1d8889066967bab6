"""The API convention (docs/api.md), on every public callable of ``csi.__all__`` (and the classes' public
class- and static-method constructors):

(a) the leading subject parameters are positional and have no default; every other parameter is keyword-only;
    one name and one default for a resample count, a seed, a confidence level and case weights;
(b) an unknown keyword, a missing argument or too many positional arguments raise ParameterError naming the
    function and the closest name;
(c) no function changes the DataFrames (or the fits' tables) it is given;
(d) every column of a returned DataFrame, and of a result object's tables, is in docs/glossary.md's vocabulary;
(e) an option outside its allowed values raises ParameterError naming the function, the parameter and the value.

Every function is run on the demo study (``CALLS``), so adding a public function without a call here fails.
"""

from __future__ import annotations

import copy
import dataclasses
import inspect
import re
import shutil
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import csi

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
RULES = ROOT / "data" / "rules"


def _public() -> dict[str, Callable]:
    out = {n: getattr(csi, n) for n in csi.__all__
           if callable(getattr(csi, n)) and not isinstance(getattr(csi, n), type)}
    for n in csi.__all__:  # the classes' public constructors: Model.from_syntax, StudyAnalysis.load, …
        cls = getattr(csi, n)
        if isinstance(cls, type) and not issubclass(cls, BaseException):
            for k, v in vars(cls).items():
                if isinstance(v, classmethod | staticmethod) and not k.startswith("_"):
                    out[f"{n}.{k}"] = getattr(cls, k)
    return out


PUBLIC = _public()
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
#: One name for one thing: these names are not parameters of any public function (docs/api.md §2).
FORBIDDEN = {"n": "n_resamples", "n_boot": "n_resamples", "n_perm": "n_resamples", "confidence": "level",
             "conf_level": "level", "survey_weights": "weights", "weight": "weights or a named column option",
             "random_state": "seed", "rng": "seed"}
#: The one default of these options, wherever they are.
DEFAULTS = {"seed": 1, "level": 0.95}


# ----------------------------------------------------------------------------- (a) signatures
@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_subjects_first_then_keyword_only_options(name):
    func = PUBLIC[name]
    subjects = getattr(func, "__csi_subjects__", None)
    assert subjects is not None, f"{name} is not marked @csi._api.public(subjects=…)"
    params = list(inspect.signature(func).parameters.values())
    positional = [p.name for p in params if p.kind in _POSITIONAL]
    assert len(positional) == subjects, (
        f"{name}: {len(positional)} positional parameters {positional}, but {subjects} subject(s) declared; "
        "options after the subjects must be keyword-only (put '*' before them)")
    with_default = [p.name for p in params if p.kind in _POSITIONAL and p.default is not p.empty]
    assert not with_default, f"{name}: subject(s) {with_default} have a default; an optional argument is an option"
    variadic = [p.name for p in params if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    assert not variadic, f"{name}: *{variadic}: every argument is named in the signature"


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_one_name_and_one_default(name):
    params = inspect.signature(PUBLIC[name]).parameters
    options = {k for k, p in params.items() if p.kind is p.KEYWORD_ONLY}
    for old, new in FORBIDDEN.items():
        assert old not in options, f"{name}({old}=): the convention's name is {new}"
    for option, default in DEFAULTS.items():
        if option in params:
            assert params[option].default == default, f"{name}({option}=) defaults to {params[option].default!r}"
            assert params[option].kind is inspect.Parameter.KEYWORD_ONLY


# ----------------------------------------------------------------------------- (b) wrong calls
def _typo(name: str) -> tuple[str, str]:
    """An unknown keyword close to one of the function's parameters, and that parameter."""
    params = inspect.signature(PUBLIC[name]).parameters
    if "n_resamples" in params:
        return "n_resample", "n_resamples"
    last = list(params)[-1]
    return f"{last}x", last


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_unknown_keyword_names_the_function_and_the_close_name(name):
    func, typo = PUBLIC[name], _typo(name)
    with pytest.raises(csi.ParameterError) as info:
        func(*[None] * func.__csi_subjects__, **{typo[0]: 1})
    message = str(info.value)
    assert message.startswith(f"{name}(): unknown argument {typo[0]}=1 (did you mean {typo[1]!r}?)"), message
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_missing_and_extra_positional_arguments(name):
    func = PUBLIC[name]
    with pytest.raises(csi.ParameterError, match=re.escape(f"{name}(): missing argument")):
        func()
    with pytest.raises(csi.ParameterError, match=re.escape(f"{name}(): takes {func.__csi_subjects__} positional")):
        func(*[None] * (func.__csi_subjects__ + 1))


@pytest.mark.parametrize(("name", "old", "new"), [
    ("bootstrap", "n", "n_resamples"), ("mga", "n", "n_resamples"), ("index_difference", "n", "n_resamples"),
    ("htmt", "n_boot", "n_resamples"), ("cronbach_alpha", "n_boot", "n_resamples"),
    ("plan_sample", "confidence", "level"), ("industry_indices", "weight", "average_by"),
    ("composite_score", "survey_weights", "weights"),
])
def test_a_renamed_parameter_names_its_new_name(name, old, new):
    func = PUBLIC[name]
    with pytest.raises(csi.ParameterError, match=re.escape(f"{name}(): unknown argument {old}=1 (renamed {new!r})")):
        func(*[None] * func.__csi_subjects__, **{old: 1})


# ----------------------------------------------------------------------------- the demo study
@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    study = csi.load_study(DEMO / "study.toml")
    q = study.questionnaire
    responses = csi.read_responses(study.responses, q)
    kept = csi.screen(responses, q, rules=study.screening).kept
    model = csi.models.ccsi()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = csi.estimate(model, kept, missing="mean")
    quality = [i for i in model.items if model.construct_of(i) == "Quality"]
    w01, w02 = (kept[kept["enterprise_id"] == e].assign(w=lambda t: 1.0 + np.arange(len(t)) % 3)
                for e in ("W01", "W02"))
    indices = csi.enterprise_indices(fit, kept)
    league = indices[indices["construct"] == "Satisfaction"].assign(
        industry=lambda t: t["enterprise_id"].str[0].map({"W": "water", "T": "telecom", "B": "bank"}),
        served=lambda t: np.arange(len(t)) + 100.0)
    channels = pd.DataFrame({"channel": np.repeat(["online", "questionnaire", "onsite"], 40),
                             "value": np.tile(np.arange(1, 11), 12).astype(float)})
    teams = pd.DataFrame({"team_id": ["t1", "t2", "t3"], "served_customers": [30, 500, 500],
                          "respondents": [30, 150, 80], "satisfaction_index": [90.0, 90.0, 80.0]})
    return {
        "study": study, "q": q, "responses": responses, "kept": kept, "model": model, "fit": fit,
        "items": kept[quality], "w01": w01, "w02": w02, "indices": indices, "league": league,
        "previous": league.assign(index=league["index"] - 1.0), "channels": channels, "teams": teams,
        "cells": pd.DataFrame({"region": ["urban", "suburban", "rural"], "share": [0.5, 0.25, 0.25]}),
        "margins": {"region": {"urban": 0.5, "suburban": 0.25, "rural": 0.25}},
        "rubric": csi.load_rubric(RULES / "after_sales_service.toml"),
        "audit": pd.read_csv(DEMO / "audits" / "W01.csv"),
        "awards": csi.load_award_rules(RULES / "service_star_award.toml"),
        "keywords": csi.load_keywords(DEMO / "complaint_keywords.toml"),
        "units": pd.DataFrame({"enterprise_id": ["a", "b"], "population": [30, 800], "sd": [2.0, 2.5]}),
        "strata": pd.DataFrame({"stratum": ["a", "b"], "population": [100, 300], "sd": [1.0, 2.0]}),
    }


#: A valid call of every public callable on the demo study: name -> demo -> (args, kwargs).
CALLS: dict[str, Callable[[dict], tuple[tuple, dict]]] = {
    "init_study": lambda d: ((d["survey_copy"],), {"out_dir": d["tmp"] / "starter"}),
    "load_questionnaire": lambda d: ((DEMO / "questionnaire.toml",), {}),
    "load_study": lambda d: ((DEMO / "study.toml",), {}),
    "read_responses": lambda d: ((DEMO / "responses_2026.csv", d["q"]), {}),
    "allocate": lambda d: ((d["strata"], 50), {"method": "neyman"}),
    "calibrate": lambda d: ((d["w01"], d["margins"]), {"method": "raking"}),
    "composite_score": lambda d: ((d["channels"],), {"scale": (1, 10), "dissatisfied_at": 4}),
    "effective_n": lambda d: ((d["w01"]["IMAG1"].notna().astype(float) + 1.0,), {}),
    "kish_deff": lambda d: ((d["w01"]["IMAG1"].notna().astype(float) + 1.0,), {}),
    "plan_sample": lambda d: ((500,), {"margin": 0.3, "sd": 2.0}),
    "plan_samples": lambda d: ((d["units"],), {"unit": "enterprise_id", "margin": 0.3}),
    "poststratify": lambda d: ((d["w01"], d["cells"]), {}),
    "rake": lambda d: ((d["w01"], d["margins"]), {}),
    "screen": lambda d: ((d["responses"], d["q"]), {"rules": d["study"].screening}),
    "svy_mean": lambda d: ((d["w01"], ["SATI1", "SATI2"]), {"weights": "w", "deff": True}),
    "svy_proportion": lambda d: ((d["w01"], "SATI1 >= 9"), {}),
    "trim": lambda d: ((csi.rake(d["w01"], d["margins"]),), {"upper": 1.2, "relative": True}),
    "cfa": lambda d: ((d["model"], d["kept"]), {}),
    "cronbach_alpha": lambda d: ((d["items"],), {"ci": "bootstrap", "n_resamples": 50}),
    "cross_loadings": lambda d: ((d["fit"],), {"data": d["kept"]}),
    "efa": lambda d: ((d["items"],), {"n_factors": 2}),
    "fornell_larcker": lambda d: ((d["fit"],), {}),
    "htmt": lambda d: ((d["fit"],), {"ci": "percentile", "n_resamples": 30}),
    "kmo_bartlett": lambda d: ((d["items"],), {}),
    "omega_total": lambda d: ((d["items"].corr().to_numpy(),), {}),
    "outer_vif": lambda d: ((d["fit"],), {}),
    "reliability": lambda d: ((d["fit"],), {}),
    "varimax": lambda d: ((np.array([[0.8, 0.3], [0.7, 0.4], [0.2, 0.9], [0.3, 0.8]]),), {}),
    "bootstrap": lambda d: ((d["fit"],), {"n_resamples": 30}),
    "estimate": lambda d: ((d["model"], d["w01"]), {"missing": "mean"}),
    "complaint_topics": lambda d: ((d["kept"].set_index("respondent_id")["complaint_text"],),
                                   {"keywords": d["keywords"], "n_topics": 5}),
    "estimate_mi": lambda d: ((d["model"], d["w01"]), {"m": 2, "n_resamples": 20}),
    "rubin_pool": lambda d: ((np.array([0.50, 0.52, 0.47]), np.array([0.010, 0.012, 0.011])), {"df_complete": 100}),
    "mga": lambda d: ((d["model"], d["kept"][d["kept"]["enterprise_id"].str.startswith("W")], "region"),
                      {"groups": ("urban", "rural"), "n_resamples": 10, "missing": "mean"}),
    "csi_index": lambda d: ((d["fit"],), {"data": d["w01"]}),
    "enterprise_indices": lambda d: ((d["fit"], d["kept"]), {"level": 0.9}),
    "index_difference": lambda d: ((d["fit"], d["w01"], d["w02"]), {"n_resamples": 30}),
    "item_scores": lambda d: ((d["fit"],), {"data": d["w01"]}),
    "item_weights": lambda d: ((d["fit"],), {}),
    "rank_intervals": lambda d: ((d["fit"], d["kept"]),
                                 {"industry": dict(zip(d["league"]["enterprise_id"], d["league"]["industry"])),
                                  "n_resamples": 50}),
    "fay_herriot": lambda d: ((d["league"],), {}),
    "anonymise": lambda d: (("张先生的电话 13812345678",), {}),
    "check_eligibility": lambda d: ((d["awards"], d["teams"]), {"category": "team"}),
    "complaint_summary": lambda d: ((d["kept"], d["keywords"]), {"handling_item": "COMP1"}),
    "importance_performance": lambda d: ((d["fit"],), {"data": d["w01"]}),
    "industry_indices": lambda d: ((d["league"],), {"average_by": "served"}),
    "league_table": lambda d: ((d["league"],), {"previous": d["previous"]}),
    "load_award_rules": lambda d: ((RULES / "service_star_award.toml",), {}),
    "load_keywords": lambda d: ((DEMO / "complaint_keywords.toml",), {}),
    "load_rubric": lambda d: ((RULES / "after_sales_service.toml",), {}),
    "read_audit": lambda d: ((d["audit"], d["rubric"]), {}),
    "satisfaction_rates": lambda d: ((d["w01"], {"Quality": list(d["items"].columns)}), {"weights": "w"}),
    "score_rubric": lambda d: ((d["rubric"], d["audit"]), {"indices": {"Satisfaction": 80.0}}),
    "analyse_study": lambda d: ((d["study"],), {}),
    "check_study": lambda d: ((d["study"],), {}),
    "Model.from_syntax": lambda d: (("Image =~ IMAG1 + IMAG2\nQuality =~ QUAL1 + QUAL2\nQuality ~ Image",), {}),
    "Model.from_file": lambda d: ((d["model_file"],), {}),
    "StudyAnalysis.load": lambda d: ((d["saved_analysis"],), {}),
}


def test_every_public_callable_has_a_demo_call():
    assert set(CALLS) == set(PUBLIC), set(CALLS) ^ set(PUBLIC)


def _frames(obj: Any, where: str, depth: int = 0) -> list[tuple[str, pd.DataFrame]]:
    """The DataFrames in ``obj``: itself, a dict's values, a dataclass's fields (results, fits, inputs)."""
    if isinstance(obj, pd.DataFrame):
        return [(where, obj)]
    if depth > 2:
        return []
    if isinstance(obj, Mapping):
        return [f for k, v in obj.items() for f in _frames(v, f"{where}[{k!r}]", depth + 1)]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [f for field in dataclasses.fields(obj) for f in _frames(getattr(obj, field.name),
                                                                          f"{where}.{field.name}", depth + 1)]
    return []


@pytest.fixture(scope="module")
def runs(demo, tmp_path_factory) -> dict[str, tuple[tuple, dict, Any, list]]:
    """Every CALLS entry run once: name -> (args, kwargs, result, [(where, input frame, its copy before)]); a call
    that raised has its exception as the result (the tests using it fail, naming it)."""
    tmp = tmp_path_factory.mktemp("api")
    demo = dict(demo, tmp=tmp, survey_copy=Path(shutil.copy(DEMO / "responses_2026.csv", tmp / "survey.csv")))
    (tmp / "model.txt").write_text(demo["model"].to_syntax(), encoding="utf-8")
    demo["model_file"] = tmp / "model.txt"
    out = {}
    for name, call in CALLS.items():
        if name == "StudyAnalysis.load":
            demo["saved_analysis"] = csi.analyse_study(demo["study"]).save(tmp / "analysis.pkl")
        args, kwargs = copy.deepcopy(call(demo))  # the call's own inputs: a change cannot leak into the next call
        inputs = _frames({"args": dict(enumerate(args)), "kwargs": kwargs}, name)
        before = [(where, frame, copy.deepcopy(frame)) for where, frame in inputs]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = PUBLIC[name](*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - reported by the tests that use the run
                result = exc
        out[name] = (args, kwargs, result, before)
    return out


def _result(runs, name: str) -> Any:
    result = runs[name][2]
    if isinstance(result, Exception):
        pytest.fail(f"the demo call of {name} raised {type(result).__name__}: {result}")
    return result


# ----------------------------------------------------------------------------- (c) inputs unchanged
@pytest.mark.parametrize("name", sorted(CALLS))
def test_inputs_are_not_changed(runs, name):
    _result(runs, name)
    for where, frame, before in runs[name][3]:
        pd.testing.assert_frame_equal(frame, before, obj=where)
        assert frame.attrs.keys() == before.attrs.keys(), where


# ----------------------------------------------------------------------------- (d) column vocabulary
def glossary_columns() -> set[str]:
    """The names in docs/glossary.md's "Column names" table (first cell of each row, in backticks)."""
    text = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    section = text.split("## Column names", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([^`]+)`", row.split("|")[1])}


#: Tables whose columns are the data's own names (items, constructs, replicate labels, a user's file).
DATA_NAMED = {"scores", "construct_corr", "data", "previous_data", "replicates", "kept", "operations", "read_responses"}


def _result_columns(name: str, result: Any) -> dict[str, list[str]]:
    frames = _frames(result, name)
    if hasattr(result, "to_frames"):
        frames += _frames(result.to_frames(), f"{name}.to_frames()")
    if hasattr(result, "to_frame"):
        frames += _frames(result.to_frame(), f"{name}.to_frame()")
    return {where: [str(c) for c in frame.columns] for where, frame in frames
            if where.rsplit(".", 1)[-1] not in DATA_NAMED and ".study" not in where}


def test_glossary_lists_the_vocabulary():
    vocabulary = glossary_columns()
    assert {"construct", "item", "estimate", "index", "std_error", "ci_low", "ci_high", "n"} <= vocabulary
    assert not {"se", "lower", "upper", "lo", "hi", "ci_lower", "ci_upper", "value_estimate"} & vocabulary


@pytest.mark.parametrize("name", sorted(CALLS))
def test_returned_columns_are_in_the_glossary(runs, name):
    """Columns a function passes through from the tables it is given are the caller's, not csi's."""
    vocabulary = glossary_columns() | {str(c) for _, frame, _ in runs[name][3] for c in frame.columns}
    tables = _result_columns(name, _result(runs, name))
    unknown = {where: sorted(set(columns) - vocabulary) for where, columns in tables.items()}
    unknown = {where: cols for where, cols in unknown.items() if cols}
    assert not unknown, f"columns not in docs/glossary.md's 'Column names': {unknown}"
    for where, columns in tables.items():
        if "index" in where.rsplit(".", 1)[-1] or "indices" in where.rsplit(".", 1)[-1]:
            assert "estimate" not in columns, f"{where}: a 0–100 index is 'index', not 'estimate'"


def test_the_vocabulary_check_can_fail(runs):
    """The check above sees result tables (here a synonym planted in one of them)."""
    columns = _result_columns("bootstrap", dataclasses.replace(
        runs["bootstrap"][2], paths=runs["bootstrap"][2].paths.rename(columns={"std_error": "se"})))
    assert "se" in set(columns["bootstrap.paths"]) - glossary_columns()


# ----------------------------------------------------------------------------- (e) bad options
#: A value outside what each option allows, tried on every public function that has the option.
BAD = {"level": 1.5, "alpha": 2.0, "seed": -1, "n_resamples": 0, "parallel_iter": 1, "n_factors": 0,
       "ci": "bogus", "missing": "bogus", "scheme": "bogus", "method": "bogus", "kind": "bogus", "rounding": "bogus",
       "rotation": "bogus", "invalid": "bogus", "lang": "bogus", "max_iter": 0, "tol": 0.0, "workers": 0,
       "chunk": 0, "digits": -1, "standardized": "yes", "consistent": "yes", "normalize": "yes", "relative": "yes",
       "strict": "yes", "deff": "yes", "margin": -1.0, "sd": -1.0, "response_rate": 2.0, "upper": -1.0,
       "satisfied_min": "high", "dissatisfied_max": "low", "bounds": (0, 1)}
#: Options of these names that are column names of a table there (a missing column is a DataError).
COLUMN_OPTIONS = {("allocate", "sd")}
CASES = [(name, option) for name in sorted(CALLS) for option in BAD
         if option in inspect.signature(PUBLIC[name]).parameters and (name, option) not in COLUMN_OPTIONS]


@pytest.mark.parametrize(("name", "option"), CASES, ids=[f"{n}-{o}" for n, o in CASES])
def test_an_option_outside_its_values_is_a_parameter_error(demo, runs, name, option):
    args, kwargs = runs[name][0], dict(runs[name][1], **{option: BAD[option]})
    with pytest.raises(csi.ParameterError) as info:
        PUBLIC[name](*args, **kwargs)
    assert str(info.value).startswith(f"{name}(): {option}="), str(info.value)


def test_choices_suggest_the_close_value(demo):
    fit = csi.estimate(demo["model"], demo["w01"], missing="mean")
    with pytest.raises(csi.ParameterError, match=r"bootstrap\(\): ci='percentil' is not allowed \(did you mean "
                                                  r"'percentile'\?\); use one of 'percentile', 'bca'"):
        csi.bootstrap(fit, ci="percentil")
    with pytest.raises(csi.ParameterError, match=r"missing='x' is not allowed; use one of 'raise', 'listwise'"):
        csi.estimate(demo["model"], demo["w01"], missing="x")


def test_data_problems_stay_data_errors(demo):
    with pytest.raises(csi.DataError, match=r"svy_mean: outcome 'SATI9' is not a column \(did you mean"):
        csi.svy_mean(demo["w01"], "SATI9")
    with pytest.raises(csi.DataError):
        csi.enterprise_indices(demo["fit"], demo["w01"], by="no_such_column")


def test_the_api_page_runs_as_written(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    text = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(compile(code, "docs/api.md", "exec"), {})  # noqa: S102 - the page is ours
    assert "bootstrap(): unknown argument n_resample=200 (did you mean 'n_resamples'?)" in capsys.readouterr().out
