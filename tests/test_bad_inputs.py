"""The bad-input corpus (tests/bad_inputs/cases.toml): every malformed file gives a clear CSIError.

Each case names the csi function to call, the input file, the CSIError subclass expected and regexes its
message must contain. Beyond the listed class, the test insists on what a user needs: never a KeyError,
IndexError, LinAlgError, UnicodeDecodeError or other internal exception, and a message that names the
file and (through ``match``) the key path, column, line or row.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import cache
from pathlib import Path

import pytest

import csi
from csi import exceptions
from csi.io._study import ScreeningRules
from csi.survey import read_margins

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
COMMON = CORPUS / "common"
CASES = tomllib.loads((CORPUS / "cases.toml").read_text(encoding="utf-8"))["case"]
KINDS = ("study", "questionnaire", "responses", "margins", "rubric", "audit", "awards", "model")


@cache
def questionnaire() -> csi.Questionnaire:
    return csi.load_questionnaire(COMMON / "questionnaire.toml")


@cache
def rubric() -> csi.Rubric:
    return csi.load_rubric(COMMON / "rubric.toml")


def _rake(path: Path):
    data = csi.read_responses(COMMON / "responses_ok.csv", questionnaire())
    return csi.rake(data, read_margins(path))


def _screen(path: Path):
    """Read the responses and screen them with a speeder rule on their 'duration' column."""
    data = csi.read_responses(path, questionnaire(), invalid="flag")
    return csi.screen(data, questionnaire(), rules=ScreeningRules(speeder_column="duration", speeder_min_seconds=60))


CALLS = {
    "load_study": csi.load_study,
    "load_questionnaire": csi.load_questionnaire,
    "read_responses": lambda path: csi.read_responses(path, questionnaire()),
    "model_file": csi.Model.from_file,
    "load_rubric": csi.load_rubric,
    "read_audit": lambda path: csi.read_audit(path, rubric()),
    "load_award_rules": csi.load_award_rules,
    "rake": _rake,
    "screen": _screen,
}


def _param(case: dict):
    marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if "xfail" in case else []
    return pytest.param(case, id=f"{case['kind']}/{case['id']}", marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_gives_a_clear_error(case):
    path = CORPUS / case["input"]
    expected = getattr(exceptions, case["error"])
    try:
        CALLS[case["call"]](path)
    except exceptions.CSIError as exc:
        error = exc
    else:
        pytest.fail(f"{case['input']}: no error raised")
    # anything that is not a CSIError propagates and fails the test with its traceback
    assert isinstance(error, expected), f"{type(error).__name__} instead of {case['error']}: {error}"
    message = str(error)
    assert case.get("file", path.name) in message, f"the message does not name the file: {message}"
    for pattern in case["match"]:
        assert re.search(pattern, message), f"{pattern!r} not in: {message}"


def test_corpus_is_large_and_covers_every_kind_of_input():
    kinds = Counter(c["kind"] for c in CASES)
    assert len(CASES) >= 50 and set(kinds) == set(KINDS)
    assert len({c["id"] for c in CASES if c["kind"] == "responses"}) == kinds["responses"]
    names = {c["input"] for c in CASES}
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith(".sav") for n in names)
    assert all((CORPUS / c["input"]).exists() or "missing" in c["id"] for c in CASES if c["kind"] != "study")
    assert {c["call"] for c in CASES} <= set(CALLS)
