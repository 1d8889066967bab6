"""Ids name output files (issue 18): no id can make two outputs share a name, on any file system.

A report is ``<id>.<lang>.<ext>``; an id is 1–64 letters, digits, '_' and '-' (no '.'), not ``overview``,
``index`` or ``manifest`` nor a Windows device name, in any case, and no two enterprise ids differ only in
case. The part of an output's name before its first '.' is then its id (or a reserved word), so names are
distinct even where case is ignored. Checked where enterprises.csv and study.toml are read.
"""

from __future__ import annotations

import re

import pytest
from conftest import edit
from hypothesis import given
from hypothesis import strategies as st

import csi
from csi._validation import RESERVED_DEVICE_NAMES, RESERVED_OUTPUT_NAMES, check_id, id_problem
from csi.batch import run_study
from csi.batch._jobs import DEMO_STUDY, report_file
from csi.exceptions import StudyError
from csi.io._study import FORMATS, LANGUAGES

DEVICES = ["CON", "PRN", "AUX", "NUL", *(f"COM{k}" for k in range(10)), *(f"LPT{k}" for k in range(10))]
#: Every device name as written, in lower case, and with an extension (Windows ignores it: CON.txt is CON).
RESERVED = [*DEVICES, *(d.lower() for d in DEVICES), *(f"{d.capitalize()}.txt" for d in DEVICES),
            *RESERVED_OUTPUT_NAMES, *(n.upper() for n in RESERVED_OUTPUT_NAMES), "Index"]
#: The files of a batch that are not reports.
FIXED = ("index.html", "manifest.json", ".csi", *(f"overview.{lang}.{fmt}" for lang in LANGUAGES for fmt in FORMATS))


def why(name: str) -> str:
    """What the error says about ``name``."""
    return "reserved device name on Windows" if name.split(".")[0].upper() in DEVICES else "names a batch's own output"


def test_the_reserved_lists_are_complete():
    assert sorted(RESERVED_DEVICE_NAMES) == sorted(DEVICES)
    assert set(RESERVED_OUTPUT_NAMES) == {"overview", "index", "manifest"}


@pytest.mark.parametrize("name", RESERVED)
def test_a_reserved_enterprise_id_is_refused_naming_file_line_id_and_why(study_dir, name):
    path = edit(study_dir, "\nW03,", f"\n{name},", name="enterprises.csv")
    with pytest.raises(StudyError, match=rf"enterprises\.csv: line 4, column 'enterprise_id': id '{re.escape(name)}' "
                                         rf"is not allowed; .*{why(name)}"):
        csi.load_study(path)


@pytest.mark.parametrize("name", ["CON", "nul", "Com1.txt", "lpt9", "overview", "Index", "MANIFEST"])
def test_a_reserved_study_id_is_refused(study_dir, name):
    path = edit(study_dir, 'id = "demo-2026"', f'id = "{name}"')
    with pytest.raises(StudyError, match=rf"study\.toml: \[study\.id\]: id '{re.escape(name)}' is not allowed; "
                                         rf".*{why(name)}"):
        csi.load_study(path)


def test_ids_that_differ_only_in_case_are_refused(study_dir):
    path = edit(study_dir, "\nW03,", "\nw01,", name="enterprises.csv")
    with pytest.raises(StudyError, match=r"enterprises\.csv: line 4, column 'enterprise_id': id 'w01' differs from "
                                         r"'W01' \(line 2\) only in case; .*Windows and macOS"):
        csi.load_study(path)


def test_an_exact_duplicate_is_still_named_a_duplicate(study_dir):
    path = edit(study_dir, "\nW03,", "\nW01,", name="enterprises.csv")
    with pytest.raises(StudyError, match=r"duplicate enterprise_id \['W01'\]"):
        csi.load_study(path)


@pytest.mark.parametrize("name", ["W01.zh", "W01.en", "a.b", "W01.", "W01\n", "E 01", "../x", "-x", "x" * 65, "é1"])
def test_an_id_with_a_dot_or_outside_the_alphabet_is_refused(study_dir, name):
    with pytest.raises(StudyError, match=r"where: id .* is not allowed; ids become file names .*no '\.'"):
        check_id(name, "where", StudyError)


def test_ids_that_merely_contain_a_reserved_word_are_fine():
    for name in ("CONX", "COM10", "LPT10", "icon", "con-1", "index2", "overviews", "my_manifest", "NUL_", "W01"):
        assert check_id(name, "where", StudyError) == name


def test_run_only_refuses_a_reserved_id(tmp_path):
    with pytest.raises(StudyError, match=r"--only: id 'index' is not allowed; .*names a batch's own output"):
        run_study(DEMO_STUDY, tmp_path, only=["index"])


@given(st.lists(st.text(alphabet="abcCOoNnLlPpTtUuXxIiDdEeMmVvRrWwAaSs019._-", min_size=1, max_size=9), max_size=12))
def test_accepted_ids_never_give_two_outputs_one_name_even_ignoring_case(candidates):
    ids = list({c.lower(): c for c in candidates if id_problem(c) is None}.values())  # what load_study lets through
    names = [report_file(e, lang, fmt) for e in ids for lang in LANGUAGES for fmt in FORMATS] + list(FIXED)
    folded = [n.lower() for n in names]
    assert len(set(folded)) == len(folded)
    for name in names:  # and no name is a Windows device, whatever its extension
        assert name.split(".")[0].upper() not in RESERVED_DEVICE_NAMES
