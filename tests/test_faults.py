"""Issue 18: faults of the environment and of one part of a study. Every environment error is one line naming
the path (or the option), exit 2, never a traceback or a hang; one bad pool or file never aborts what it does not
touch; csi's own columns cannot overwrite the data."""

from __future__ import annotations

import errno
import itertools
import os
import socket
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import edit

import csi
from csi.analysis import _study
from csi.batch import _run as runner
from csi.cli import main
from csi.exceptions import CSIError, ModelSpecError, ReportError, SchemaError, StudyError
from csi.io import _model, read_csv_text

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


def _one_line_error(capsys, *words: str) -> str:
    """The error csi printed: one line, 'csi: error: …', naming ``words``, without a traceback (after the steps
    ``csi run`` had announced, if any)."""
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    *steps, last = lines
    assert last.startswith("csi: error: ") and not [s for s in steps if "error" in s or not s.startswith("csi: ")], err
    assert "Traceback" not in err and all(word in last for word in words), err
    return last


@pytest.fixture
def fifo():
    """Make a named pipe. Should csi ever open one again, a timer opens its other end and closes it, so the read
    ends (and the test fails) instead of blocking the test run for ever."""
    made: list[Path] = []
    timers: list[threading.Timer] = []

    def release(path: Path) -> None:
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO when nobody reads: nothing to release
        except OSError:
            pass

    def make(path: Path) -> Path:
        path.unlink(missing_ok=True)
        os.mkfifo(path)
        made.append(path)
        for delay in (5, 10, 20):
            timer = threading.Timer(delay, release, (path,))
            timer.daemon = True
            timer.start()
            timers.append(timer)
        return path

    yield make
    for timer in timers:
        timer.cancel()


# --------------------------------------------------------------------------- what is not a regular file


@pytest.mark.parametrize(("key", "old", "name"), [
    ("data.questionnaire", 'questionnaire = "questionnaire.toml"', "questionnaire.toml"),
    ("data.responses", 'responses = ["responses_2026.csv"]', "responses_2026.csv"),
    ("data.enterprises", 'enterprises = "enterprises.csv"', "enterprises.csv"),
    ("model.file", 'preset = "ccsi"          # or syntax = """…""", or file = "model.txt"', None),
])
def test_a_named_pipe_is_refused_before_it_is_opened(study_dir, fifo, capsys, key, old, name):
    pipe = fifo(study_dir / "pipe")
    new = old.replace(name, "pipe") if name else 'file = "pipe"'
    edit(study_dir, old, new)
    assert main(["validate", str(study_dir / "study.toml")]) == 2
    _one_line_error(capsys, f"[{key}]", str(pipe), "named pipe (FIFO), not a regular file")


def test_a_named_pipe_is_refused_by_every_reader(tmp_path, fifo):
    pipe = fifo(tmp_path / "pipe.csv")
    with pytest.raises(ModelSpecError, match="named pipe"):
        csi.Model.from_file(pipe)
    with pytest.raises(SchemaError, match="named pipe"):
        csi.load_questionnaire(pipe)
    with pytest.raises(SchemaError, match="named pipe"):
        read_csv_text(pipe, SchemaError)
    with pytest.raises(StudyError, match="named pipe"):
        csi.load_study(pipe)


def test_a_symbolic_link_loop_is_named(study_dir, capsys):
    (study_dir / "loop.toml").symlink_to(study_dir / "loop.toml")
    assert main(["validate", str(study_dir / "loop.toml")]) == 2
    _one_line_error(capsys, "loop.toml", "symbolic link loop")
    (study_dir / "a.txt").symlink_to(study_dir / "b.txt")
    (study_dir / "b.txt").symlink_to(study_dir / "a.txt")
    edit(study_dir, 'preset = "ccsi"', 'file = "a.txt"\n# preset = "ccsi"')
    assert main(["validate", str(study_dir / "study.toml")]) == 2
    _one_line_error(capsys, "[model.file]", "a.txt", "symbolic link loop")
    with pytest.raises(ModelSpecError, match="symbolic link loop"):
        csi.Model.from_file(study_dir / "a.txt")


def test_a_symbolic_link_loop_as_responses_and_as_a_rule_file(study_dir, capsys):
    (study_dir / "r.csv").symlink_to(study_dir / "r.csv")
    edit(study_dir, 'responses = ["responses_2026.csv"]', 'responses = ["r.csv"]')
    assert main(["validate", str(study_dir / "study.toml")]) == 2
    _one_line_error(capsys, "[data.responses]", "r.csv", "symbolic link loop")
    edit(study_dir, 'responses = ["r.csv"]', 'responses = ["responses_2026.csv"]')
    (study_dir / "rules.toml").symlink_to(study_dir / "rules.toml")
    edit(study_dir, 'rubric = "../rules/after_sales_service.toml"', 'rubric = "rules.toml"')
    check = csi.check_study(study_dir / "study.toml")  # a rule file: a problem named in the reports, as before
    assert any("[rules] rubric:" in e and "symbolic link loop" in e for e in check.errors), check.errors


@pytest.mark.parametrize(("column", "value"), [("served_customers", "12²"), ("served_customers", "１２"),
                                               ("contacted", "٣")])
def test_a_whole_number_is_ascii_digits(study_dir, column, value):
    path = study_dir / "enterprises.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[0, column] = value
    table.to_csv(path, index=False)
    with pytest.raises(StudyError, match=f"line 2, column '{column}': '{value}' is not a whole number"):
        csi.load_study(study_dir / "study.toml")


# --------------------------------------------------------------------------- the output folder


def test_an_out_that_is_a_file_is_named(tmp_path, capsys):
    (tmp_path / "out").write_text("not a folder", encoding="utf-8")
    assert main(["run", str(DEMO / "study.toml"), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    _one_line_error(capsys, str(tmp_path / "out"), "it is a file, not a folder", "--out")
    assert main(["run", str(DEMO / "study.toml"), "--out", str(tmp_path / "out" / "sub"), "--workers", "1"]) == 2
    _one_line_error(capsys, str(tmp_path / "out"), "is a file, not a folder")


def test_a_read_only_output_folder_is_named(tmp_path, monkeypatch, capsys):
    def refuse(self, *args, **kwargs):  # what a read-only folder does (the tests run as root: chmod would not)
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    assert main(["run", str(DEMO / "study.toml"), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    _one_line_error(capsys, str(tmp_path / "out"), "Permission denied", "--out")


@pytest.mark.parametrize("failure", [OSError(errno.ENOSPC, "No space left on device"),
                                     PermissionError(errno.EACCES, "Permission denied")])
def test_a_full_disk_while_writing_the_manifest_or_index_is_named(tmp_path, monkeypatch, capsys, failure):
    def write(path, data):
        raise type(failure)(failure.errno, failure.strerror, str(path))

    from csi.batch import _folder

    monkeypatch.setattr(runner, "_execute", lambda jobs, *args, **kwargs: [])  # no reports: straight to the index
    monkeypatch.setattr(_folder, "atomic_write", write)
    assert main(["run", str(DEMO / "study.toml"), "--out", str(tmp_path / "out"), "--workers", "1"]) == 2
    line = _one_line_error(capsys, str(tmp_path / "out"), failure.strerror)
    assert "manifest.json" in line
    with pytest.raises(ReportError, match=failure.strerror):
        runner.run_study(DEMO / "study.toml", tmp_path / "out")


def test_an_unreachable_scheduler_is_named_after_a_short_wait(tmp_path, monkeypatch, capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setattr(runner, "CONNECT_TIMEOUT", 1)
    address = f"tcp://127.0.0.1:{port}"
    assert main(["run", str(DEMO / "study.toml"), "--out", str(tmp_path / "out"), "--only", "W01",
                 "--scheduler", address]) == 2
    _one_line_error(capsys, f"--scheduler {address}", "within 1 s")  # 10 s in a real run


def test_an_unknown_scheduler_address_is_named(tmp_path, capsys):
    assert main(["run", str(DEMO / "study.toml"), "--out", str(tmp_path / "out"), "--only", "W01",
                 "--scheduler", "foo://nowhere:1"]) == 2
    _one_line_error(capsys, "--scheduler foo://nowhere:1")


# --------------------------------------------------------------------------- the command line's last resort


def test_an_os_error_is_one_line_with_the_path(monkeypatch, capsys):
    import csi.analysis

    def refuse(study):
        raise PermissionError(errno.EACCES, "Permission denied", "/data/responses.csv")

    monkeypatch.setattr(csi.analysis, "check_study", refuse)
    assert main(["validate", str(DEMO / "study.toml")]) == 2
    assert _one_line_error(capsys) == "csi: error: /data/responses.csv: Permission denied"


def test_an_interrupt_is_one_line_and_exit_130(monkeypatch, capsys):
    import csi.analysis

    def interrupt(study):
        raise KeyboardInterrupt

    monkeypatch.setattr(csi.analysis, "check_study", interrupt)
    assert main(["validate", str(DEMO / "study.toml")]) == 130
    assert capsys.readouterr().err.strip().splitlines()[-1] == "csi: interrupted"


# --------------------------------------------------------------------------- a long chain of constructs


def _chain(n: int) -> str:
    return "\n".join([f"C{k} =~ x{k}" for k in range(n)] + [f"C{k} ~ C{k - 1}" for k in range(1, n)])


def test_a_1200_construct_chain_is_refused_with_the_limit():
    with pytest.raises(ModelSpecError, match=r"1,200 constructs; csi estimates models of at most 100"):
        csi.Model.from_syntax(_chain(1200))


def test_the_cycle_check_is_iterative():
    # depth far beyond Python's recursion limit (1000): the check itself has no size limit
    names = tuple(f"C{k}" for k in range(5000))
    chain = tuple(itertools.pairwise(names))
    _model._check_acyclic(names, chain, _model._default_where)
    with pytest.raises(ModelSpecError, match=r"cycle C0 -> C1 -> .* -> C4999 -> C0"):
        _model._check_acyclic(names, (*chain, ("C4999", "C0")), _model._default_where)


def test_a_chain_at_the_limit_estimates():
    n = _model.MAX_CONSTRUCTS
    model = csi.Model.from_syntax(_chain(n))
    rng = np.random.default_rng(18)
    z = rng.normal(size=(80, 1)) + 0.5 * rng.normal(size=(80, n))
    fit = csi.estimate(model, pd.DataFrame(np.clip(np.round(5 + z), 1, 10), columns=[f"x{k}" for k in range(n)]))
    assert len(fit.paths) == n - 1


# --------------------------------------------------------------------------- responses without respondents


def _header_only(folder: Path, name: str = "empty.csv") -> Path:
    path = folder / name
    path.write_text((folder / "responses_2026.csv").read_text(encoding="utf-8").splitlines()[0] + "\n",
                    encoding="utf-8")
    return path


def test_a_header_only_responses_file_among_several_is_named(study_dir, capsys):
    empty = _header_only(study_dir)
    edit(study_dir, 'responses = ["responses_2026.csv"]', 'responses = ["responses_2026.csv", "empty.csv"]')
    check = csi.check_study(study_dir / "study.toml")
    (error,) = [e for e in check.errors if "empty.csv" in e]
    assert error == (f"study.toml: [data] responses: {empty}: no respondents, only a header (or nothing) where one "
                     "row per respondent was expected; fill the file, or remove it from [data] responses.")
    assert main(["run", str(study_dir / "study.toml"), "--out", str(study_dir / "out"), "--workers", "1"]) == 2
    _one_line_error(capsys, str(empty), "no respondents")


def test_a_header_only_responses_file_alone_is_named(study_dir, capsys):
    empty = _header_only(study_dir)
    edit(study_dir, 'responses = ["responses_2026.csv"]', 'responses = ["empty.csv"]')
    check = csi.check_study(study_dir / "study.toml")
    assert check.errors[0].startswith(f"study.toml: [data] responses: {empty}: no respondents")
    assert not any("has no analysed respondents" in e for e in check.errors)  # one error, not one per enterprise
    assert main(["validate", str(study_dir / "study.toml")]) == 2
    assert "no respondents, only a header" in capsys.readouterr().out


def test_a_header_only_previous_wave_is_named(study_dir):
    empty = _header_only(study_dir, "before.csv")
    edit(study_dir, 'files = ["responses_2025.csv"]', 'files = ["before.csv"]')
    check = csi.check_study(study_dir / "study.toml")
    assert any(e.startswith(f"study.toml: [data] previous_wave: {empty}: no respondents") for e in check.errors)


# --------------------------------------------------------------------------- one pool that cannot be estimated


@pytest.fixture
def one_bad_pool(study_dir, monkeypatch):
    """The demo with QUAL1 constant among the bank's respondents: the bank's model cannot be estimated."""
    path = study_dir / "responses_2026.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table.loc[table["enterprise_id"].str.startswith("B"), "QUAL1"] = "7"
    table.to_csv(path, index=False)
    monkeypatch.setattr(_study, "BOOTSTRAP_RESAMPLES", 20)
    return csi.analyse_study(study_dir / "study.toml")


def test_a_pool_that_cannot_be_estimated_fails_only_its_own_enterprises(one_bad_pool):
    a = one_bad_pool
    (reason,) = a.pool_errors.values()
    assert list(a.pool_errors) == ["industry:bank"]
    assert reason.startswith("study.toml: [model] the model of industry 'bank' (")
    assert "QUAL1 are constant" in reason
    banks = {e.id for e in a.study.enterprises if e.industry == "bank"}
    for table in (a.indices, a.comparisons, a.league, a.ipma):
        assert not banks & set(table["enterprise_id"]) and len(table)
    assert set(a.benchmarks["industry"]) == {"water", "telecom", "all"}
    assert (a.benchmarks.query("industry == 'all'")["n_enterprises"] == 16).all()
    assert "left out of the league and the benchmarks, the model of industry 'bank' could not be estimated" \
        in a.summary()
    from csi.report import enterprise_content
    with pytest.raises(csi.DataError) as failure:
        enterprise_content(a.study, "B01", analysis=a)
    assert str(failure.value) == reason
    assert enterprise_content(a.study, "W01", analysis=a).index > 0  # its neighbours are not touched


def test_no_pool_that_can_be_estimated_stops_the_study(study_dir, monkeypatch):
    path = study_dir / "responses_2026.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    table["QUAL1"] = "7"
    table.to_csv(path, index=False)
    with pytest.raises(CSIError, match="industry 'water'.*industry 'telecom'.*industry 'bank'"):
        csi.analyse_study(study_dir / "study.toml")


# --------------------------------------------------------------------------- csi's own columns


def test_a_questionnaire_column_named_like_csi_s_own_is_refused(study_dir):
    edit(study_dir, 'id = "IMAG1"', 'id = "csi_weight"', "questionnaire.toml")
    with pytest.raises(SchemaError) as failure:
        csi.load_questionnaire(study_dir / "questionnaire.toml")
    assert "[items[0].id]: column name 'csi_weight' is reserved for a column csi adds to the data (reserved: " \
        "csi_weight, csi_industry)" in str(failure.value)
    with pytest.raises(StudyError, match=r"\[data.questionnaire\].*'csi_weight' is reserved"):
        csi.load_study(study_dir / "study.toml")


def test_a_demographic_named_like_csi_s_own_is_refused(study_dir):
    edit(study_dir, 'id = "gender"', 'id = "csi_industry"', "questionnaire.toml")
    with pytest.raises(SchemaError, match=r"\[demographics\[\d+\].id\]: column name 'csi_industry' is reserved"):
        csi.load_questionnaire(study_dir / "questionnaire.toml")


def test_a_responses_column_named_like_csi_s_own_is_refused(study_dir):
    path = study_dir / "responses_2026.csv"
    table = pd.read_csv(path, dtype=str, keep_default_na=False).assign(csi_weight="2")
    table.to_csv(path, index=False)
    check = csi.check_study(study_dir / "study.toml")
    assert any("[data] responses" in e and "'csi_weight' is reserved" in e and "computes the survey weights" in e
               for e in check.errors), check.errors


def test_a_design_column_cannot_be_csi_s_own(study_dir):
    edit(study_dir, 'enterprises = "enterprises.csv"', 'enterprises = "enterprises.csv"\nstrata = "csi_weight"')
    check = csi.check_study(study_dir / "study.toml")
    assert any(e.startswith("study.toml: [data.strata]: column name 'csi_weight' is reserved") for e in check.errors)
