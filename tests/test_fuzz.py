"""Property-based robustness: arbitrary text or bytes given to the readers and the model parser give either
a valid result or a CSIError, never another exception.

Bounded in ``make test`` (profile "ci", 40 examples per test); ``make fuzz`` runs the "fuzz" profile
(HYPOTHESIS_PROFILE=fuzz, 2000 examples).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csi
from csi.exceptions import CSIError

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
PROFILE = settings.get_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

COMMON = Path(__file__).resolve().parent / "bad_inputs" / "common"
QUESTIONNAIRE = csi.load_questionnaire(COMMON / "questionnaire.toml")
HEADER = (COMMON / "responses_ok.csv").read_text(encoding="utf-8").splitlines()[0].split(",")

# Pieces of the real formats, so that random inputs often get past the first check.
MODEL_TOKENS = st.sampled_from(["Quality", "Value", "Satisfaction", "Q1", "Q2", "V1", "S1", "=~", "<~", "~", "~~",
                                "+", "*", "#", "\n", " ", "0.5", "满意", "\t", "=", "<", "-"])
CELLS = st.one_of(st.sampled_from(["", "1", "5", "10", "99", "11", "0", "7.5", "-1", "nan", "N/A", "不知道", "urban",
                                   "rural", "online", "E01", "E01-001", '"', ",", "\n", " "]),
                  st.text(max_size=6))
TOML_TOKENS = st.sampled_from(["[[items]]", "[constructs.Quality]", "[study]", "[data]", "[model]", "[[sections]]",
                               "[[levels]]", "[rubric]", "id = ", "construct = ", "points = ", "scale = ", "label = ",
                               '"Q1"', '"Quality"', "[1, 10]", "[10, 1]", "100", "nan", "{ zh = \"满意\" }", "true",
                               "\n", " ", "=", '"', "[", "]", "items = []", "missing_codes = [99]"])


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def _valid_or_csierror(call) -> None:
    try:
        call()
    except CSIError:
        pass


@pytest.fixture()
def folder():
    path = Path(tempfile.mkdtemp(prefix="csi-fuzz-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@PROFILE
@given(st.one_of(st.text(max_size=300), st.lists(MODEL_TOKENS, max_size=40).map(" ".join)))
def test_model_syntax_never_crashes(text):
    _valid_or_csierror(lambda: csi.Model.from_syntax(text))


@PROFILE
@given(rows=st.lists(st.lists(CELLS, min_size=0, max_size=len(HEADER) + 2), max_size=8),
       header=st.permutations(HEADER).map(list) | st.lists(st.sampled_from(HEADER), max_size=len(HEADER) + 2),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk"]))
def test_responses_csv_tables_never_crash(folder, rows, header, encoding):
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path = _write(folder, "responses.csv", text.encode(encoding, errors="replace"))
    _valid_or_csierror(lambda: csi.read_responses(path, QUESTIONNAIRE))


@PROFILE
@given(st.binary(max_size=400))
def test_responses_arbitrary_bytes_never_crash(folder, data):
    path = _write(folder, "responses.csv", data)
    _valid_or_csierror(lambda: csi.read_responses(path, QUESTIONNAIRE))


@PROFILE
@given(st.one_of(st.text(max_size=300), st.lists(TOML_TOKENS, max_size=40).map(" ".join)))
def test_questionnaire_files_never_crash(folder, text):
    path = _write(folder, "q.toml", text.encode("utf-8", errors="replace"))
    _valid_or_csierror(lambda: csi.load_questionnaire(path))


@PROFILE
@given(st.one_of(st.text(max_size=300), st.lists(TOML_TOKENS, max_size=40).map(" ".join)))
def test_rubric_files_never_crash(folder, text):
    path = _write(folder, "rubric.toml", text.encode("utf-8", errors="replace"))
    _valid_or_csierror(lambda: csi.load_rubric(path))


@PROFILE
@given(st.lists(TOML_TOKENS, max_size=30).map(" ".join))
def test_study_files_never_crash(folder, extra):
    for name in ("questionnaire.toml", "responses_ok.csv", "enterprises.csv", "model.txt"):
        shutil.copy(COMMON / name, folder / name)
    base = (COMMON / "study.toml").read_text(encoding="utf-8")
    cut = len(base) * len(extra) // 400 if extra else len(base)
    path = _write(folder, "study.toml", (base[:cut] + "\n" + extra).encode("utf-8"))
    _valid_or_csierror(lambda: csi.load_study(path))


@PROFILE
@given(rows=st.lists(st.lists(CELLS, max_size=8), max_size=6),
       header=st.lists(st.sampled_from(["item", "earned", "not_applicable", "sampled", "deficient", "count",
                                        "note", "x"]), max_size=8))
def test_audit_tables_never_crash(folder, rows, header):
    rubric = csi.load_rubric(COMMON / "rubric.toml")
    text = "\n".join(",".join(r) for r in [header, *rows]) + "\n"
    path = _write(folder, "audit.csv", text.encode("utf-8"))
    _valid_or_csierror(lambda: csi.read_audit(path, rubric))
