"""Batch runs on dask.distributed: fault isolation (bad data, a killed worker), resume, determinism."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from csi.batch import _run as runner

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    """The demo study plus enterprise X99, which has no respondents: its report must fail, alone."""
    folder = tmp_path_factory.mktemp("study")
    for name in ("questionnaire.toml", "responses_2026.csv", "responses_2025.csv", "responses_2024.csv", "study.toml"):
        shutil.copy(DEMO / name, folder / name)
    text = (DEMO / "enterprises.csv").read_text(encoding="utf-8") + "X99,无样本公司,No Respondents Ltd.,bank,80\n"
    (folder / "enterprises.csv").write_text(text, encoding="utf-8")
    return folder / "study.toml"


def tables(path: Path) -> list[str]:
    """The report's tables as text: the numbers a reader sees, without the embedded chart."""
    return re.findall(r"<table.*?</table>", path.read_text(encoding="utf-8"), flags=re.DOTALL)


def plain(value) -> bool:
    if isinstance(value, dict | list):
        items = value.items() if isinstance(value, dict) else enumerate(value)
        return type(value) in (dict, list) and all(plain(v) for _, v in items)
    return value is None or type(value) in (str, int, float, bool)


def test_one_and_two_workers_give_identical_reports(study, tmp_path):
    one = runner.run_study(study, tmp_path / "one", only=["W01", "W07"], workers=1)
    two = runner.run_study(study, tmp_path / "two", only=["W01", "W07"], workers=2)
    assert not one.failed and not two.failed
    assert [o.summary for o in one.outcomes] == [o.summary for o in two.outcomes]
    # plain JSON types: a worker's nbformat node would make the main process import nbformat (seconds)
    assert all(plain(o.summary) for o in two.outcomes)
    for outcome in one.outcomes:  # byte for byte: same inputs, same page (no random cell ids, no dates of runs)
        assert (one.out_dir / outcome.path).read_bytes() == (two.out_dir / outcome.path).read_bytes()


def test_killed_worker_and_bad_enterprise_fail_alone_and_a_rerun_redoes_only_them(study, tmp_path):
    import dask
    from distributed import Client, LocalCluster
    from distributed.comm.core import CommClosedError

    out = tmp_path / "batch"
    ids = ["W01", "T01", "B01", "X99"]
    killed = []
    with dask.config.set(runner.DASK_SETTINGS), \
            LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None,
                         scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}) as cluster, \
            Client(cluster) as client:

        def kill_the_worker_given(enterprise_id: str) -> None:
            deadline = time.monotonic() + 300
            while not killed and time.monotonic() < deadline:
                for worker, keys in client.processing().items():
                    if any(str(key).startswith(f"report-{enterprise_id}-") for key in keys):
                        killed.append(worker)
                        with contextlib.suppress(CommClosedError):  # the worker dies before it can answer
                            client.run(os._exit, 1, workers=[worker])
                        return
                time.sleep(0.02)

        killer = threading.Thread(target=kill_the_worker_given, args=("T01",), daemon=True)
        killer.start()
        first = runner.run_study(study, out, only=ids, scheduler=cluster.scheduler_address)
        killer.join()
    assert killed, "T01's report was never seen on a worker: the test could not kill its worker"
    failed = {o.enterprise_id: o.error for o in first.failed}
    assert failed.pop("X99").startswith("DataError")
    # a worker holds one report at a time: its death fails that report alone, the others go on
    assert list(failed) == ["T01"] and "KilledWorker" in failed["T01"], failed
    manifest = json.loads(first.manifest.read_text(encoding="utf-8"))
    assert {f["enterprise_id"] for f in manifest["failures"]} == {"X99", "T01"}
    survivors = [o for o in first.outcomes if o.status == "ok"]
    assert {o.enterprise_id for o in survivors} == {"W01", "B01"} and all((out / o.path).is_file() for o in survivors)
    assert all(o.status == "ok" for o in first.overview)

    second = runner.run_study(study, out, only=ids, workers=1)
    redone = {o.enterprise_id for o in second.outcomes if not o.skipped}
    assert redone == {"X99", "T01"}
    assert {o.enterprise_id for o in second.failed} == {"X99"}


def test_a_rerun_skips_unchanged_reports_keeping_their_seconds_and_force_redoes_them(study, tmp_path):
    out = tmp_path / "force"
    first = runner.run_study(study, out, only=["W07"], workers=1)
    again = runner.run_study(study, out, only=["W07"], workers=1)
    assert all(o.skipped for o in again.outcomes) and all(o.skipped for o in again.overview)
    assert again.overview[0].files == ("overview.zh.html",) and (out / "overview.zh.html").is_file()
    # a skipped report's manifest entry keeps the seconds it took in the run that rendered it
    manifest = json.loads(again.manifest.read_text(encoding="utf-8"))
    for part, rendered in (("reports", first.outcomes), ("overview", first.overview)):
        assert [(r["skipped"], r["seconds"]) for r in manifest[part]] == [(True, o.seconds) for o in rendered]
        assert all(o.seconds > 0 for o in rendered)
    third = runner.run_study(study, out, only=["W07"], workers=1)  # skipped twice: still the first run's seconds
    assert [o.seconds for o in third.outcomes] == [o.seconds for o in first.outcomes]
    forced = runner.run_study(study, out, only=["W07"], workers=1, force=True)
    assert not any(o.skipped for o in forced.outcomes) and not any(o.skipped for o in forced.overview)


def test_report_names_do_not_depend_on_the_languages(study, tmp_path):
    out = tmp_path / "names"
    runner.run_study(study, out, only=["W07"], languages=["zh"], workers=1)
    both = runner.run_study(study, out, only=["W07"], languages=["en", "zh"], workers=1)
    assert [(o.language, o.files, o.skipped) for o in both.outcomes] == [
        ("en", ("W07.en.html",), False), ("zh", ("W07.zh.html",), True)]  # zh kept its name: not redone
    assert [o.files for o in both.overview] == [("overview.en.html",), ("overview.zh.html",)]
    assert sorted(p.name for p in out.glob("*.html")) == ["W07.en.html", "W07.zh.html", "index.html",
                                                          "overview.en.html", "overview.zh.html"]
    index = both.index.read_text(encoding="utf-8")
    assert all(f'href="{name}"' in index for name in ("W07.en.html", "W07.zh.html", "overview.en.html",
                                                       "overview.zh.html"))


def test_no_temporary_files_are_left_behind(study, tmp_path):
    out = tmp_path / "clean"
    runner.run_study(study, out, only=["W07"], workers=1)
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp") or p.name.startswith(".W07")]


def test_the_main_process_loads_no_notebook_stack_and_workers_skip_the_iri_grammar():
    # the batch's main process imports csi.batch only; the notebook stack (seconds of imports) is the workers'
    code = ("import sys, csi.batch; print(sorted(m for m in ('nbformat', 'nbconvert', 'papermill', 'jsonschema') "
            "if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout == "[]\n"
    # a worker's warm-up keeps jsonschema from importing rfc3987_syntax; notebooks still validate
    code = ("import sys, nbformat; print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is not None)"
            "; nbformat.validate(nbformat.v4.new_notebook())")
    worker = "import csi.batch._run as run; run._without_iri_grammar(); " + code
    assert subprocess.run([sys.executable, "-c", worker], check=True, capture_output=True, text=True).stdout == "False\n"


@pytest.mark.slow  # ~20 s: a cluster, two kernels, two notebooks
def test_a_run_on_two_workers_prints_no_dask_log_lines_or_warnings(tmp_path):
    """`csi run` as a user types it: its summary on stdout, nothing from dask.distributed on stderr, even with
    port 8787 (the default of distributed's HTTP server) taken."""
    import socket

    from studies.second_study import make_study

    study = make_study(tmp_path / "study", weighting=False)
    command = [str(Path(sys.executable).with_name("csi")), "run", str(study), "--out", str(tmp_path / "out"),
               "--only", "H01", "--lang", "zh", "--workers", "2"]
    with socket.socket() as port_8787:
        with contextlib.suppress(OSError):  # already taken by another program: just as good
            port_8787.bind(("127.0.0.1", 8787))
            port_8787.listen()
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("csi: 1 report(s) ready"), done.stdout
    noise = [line for line in done.stderr.splitlines()
             if any(word in line for word in ("distributed.", "Port", "Warning", "Traceback"))]
    assert noise == [], done.stderr


def test_quiet_dask_silences_distributed_only_while_it_lasts():
    import logging
    import warnings

    import distributed  # noqa: F401 - sets up distributed's loggers

    loggers = [logging.getLogger(name) for name in ("distributed", "distributed.nanny", "distributed.client")]
    before = [logger.getEffectiveLevel() for logger in loggers]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with runner._quiet_dask():
            assert not any(logger.isEnabledFor(logging.WARNING) for logger in loggers)
            assert all(logger.isEnabledFor(logging.ERROR) for logger in loggers)
            warnings.warn_explicit("Port 8787 is already in use.", UserWarning, "node.py", 1, module="distributed.node")
            warnings.warn_explicit("a study warning", UserWarning, "_index.py", 1, module="csi.indices._index")
    assert [str(w.message) for w in caught] == ["a study warning"]  # csi's own warnings still show
    assert [logger.getEffectiveLevel() for logger in loggers] == before


# --------------------------------------------------------------------------- no code runs from the output folder


class _Payload:
    """A pickle whose loading creates ``marker``: what someone who can write the output folder might plant."""

    def __init__(self, marker: Path):
        self.marker = str(marker)

    def __reduce__(self):
        return open, (self.marker, "w")


def _analysis_file(study: Path, out: Path) -> Path:
    return out / ".csi" / f"analysis-{runner.inputs_hash(runner.load_study(study))[:16]}-{os.getpid()}.pkl"


def test_the_analysis_file_is_loaded_only_when_signed_with_the_runs_key(tmp_path):
    import pickle

    from csi.batch import _cache
    from csi.exceptions import ReportError

    path, key, marker = tmp_path / "analysis.pkl", _cache.new_key(), tmp_path / "marker"
    _cache.save_analysis({"numbers": [1, 2]}, path, key)
    assert _cache.load_analysis(path, key) == {"numbers": [1, 2]}
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    signed = path.read_bytes()
    forged = signed[:len(_cache.MAGIC) + 32] + pickle.dumps(_Payload(marker))  # someone else's payload, old tag
    for data in (pickle.dumps(_Payload(marker)), forged, signed[:-1], b""):
        path.write_bytes(data)
        with pytest.raises(ReportError, match=rf"{re.escape(str(path))}: not written by this run; delete it"):
            _cache.load_analysis(path, key)
    path.write_bytes(signed)
    with pytest.raises(ReportError, match="not written by this run"):
        _cache.load_analysis(path, _cache.new_key())  # another run's key
    with pytest.raises(ReportError, match="needs this run's key"):
        _cache.load_analysis(path, "")
    assert not marker.exists()


def test_a_planted_pickle_is_replaced_never_run_and_a_rerun_still_resumes(tmp_path, monkeypatch):
    import pickle

    from studies.second_study import make_study

    study, out, marker = make_study(tmp_path / "study", single_industry=True), tmp_path / "out", tmp_path / "marker"
    planted = _analysis_file(study, out)
    planted.parent.mkdir(parents=True)
    planted.write_bytes(pickle.dumps(_Payload(marker)))
    keys, new_key = [], runner.new_key

    def recorded() -> str:
        keys.append(new_key())
        return keys[-1]

    monkeypatch.setattr(runner, "new_key", recorded)
    first = runner.run_study(study, out, only=["H01"], languages=["en"], workers=1)
    assert not first.failed and all(o.status == "ok" for o in first.overview)
    assert not marker.exists()
    # the key never reaches the output folder: not in a report, the manifest, the index or the analysis file
    assert all(keys[0].encode() not in p.read_bytes() and bytes.fromhex(keys[0]) not in p.read_bytes()
               for p in out.rglob("*") if p.is_file())
    again = runner.run_study(study, out, only=["H01"], languages=["en"], workers=1)
    assert all(o.skipped for o in again.outcomes + again.overview)
    # the manifest is read, not trusted: a report listed under a file of someone else's is rendered again
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    manifest["reports"][0]["files"] = ["study.html"]
    (out / "study.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    planted.write_bytes(pickle.dumps(_Payload(marker)))
    third = runner.run_study(study, out, only=["H01"], languages=["en"], workers=1)  # renders: a new analysis
    assert [(o.skipped, o.files) for o in third.outcomes] == [(False, ("H01.en.html",))] and not third.failed
    assert third.overview[0].skipped and 'href="study.html"' not in third.index.read_text(encoding="utf-8")
    assert not marker.exists() and len(set(keys)) == 3  # one per run


def test_an_analysis_file_swapped_during_the_run_fails_its_reports_unloaded(tmp_path, monkeypatch):
    import pickle

    from studies.second_study import make_study

    study, out, marker = make_study(tmp_path / "study", single_industry=True), tmp_path / "out", tmp_path / "marker"
    analyse = runner._analysis

    def swapped(spec, path, key, *workbook):
        analyse(spec, path, key, *workbook)
        path.write_bytes(pickle.dumps(_Payload(marker)))  # replaced after the run wrote it

    monkeypatch.setattr(runner, "_analysis", swapped)
    result = runner.run_study(study, out, only=["H01"], languages=["en"], workers=1)
    path = _analysis_file(study, out)
    for outcome in result.outcomes + result.overview:
        assert outcome.status == "failed"
        assert outcome.error == (f"ReportError: {path}: not written by this run; delete it (it was not loaded: csi run "
                                 "loads only the study analysis it wrote itself, signed with its own key).")
    assert not marker.exists()

