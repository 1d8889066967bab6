"""Batches under real faults: a second run into the same folder, SIGTERM and Ctrl-C of the client, a kernel
killed with -9, an external dask cluster (separate scheduler and worker processes) shared by two batches,
one of its workers killed. Every report ends either done or listed as failed with its cause; the manifest
never contradicts the folder; a rerun redoes only what is missing."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest

from csi.batch import _run as runner
from csi.batch._folder import OutputFolder
from csi.exceptions import ReportError
from csi.io._study import load_study

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
CSI = Path(sys.executable).with_name("csi")
IDS = ["W01", "W02", "T01", "T02", "B01", "B02"]
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::ResourceWarning")


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    for name in ("questionnaire.toml", "responses_2026.csv", "responses_2025.csv", "responses_2024.csv",
                 "study.toml", "enterprises.csv"):
        shutil.copy(DEMO / name, folder / name)
    return folder / "study.toml"


def reports_on_disk(out: Path) -> set[str]:
    return {p.name for p in out.glob("*.*.html") if not p.name.startswith("overview.")}


def manifest(out: Path) -> dict:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


def assert_manifest_true_to_the_folder(out: Path) -> dict:
    """Every file the manifest lists exists, and every report on disk is listed."""
    m = manifest(out)
    listed = {f for r in m["reports"] for f in r["files"]}
    assert all((out / f).is_file() for f in listed), listed
    assert reports_on_disk(out) <= listed, (reports_on_disk(out), listed)
    return m


def wait_for_reports(out: Path, n: int, process: subprocess.Popen | None = None, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError, KeyError):
            if sum(r["status"] == "ok" for r in manifest(out)["reports"]) >= n:
                return
        assert process is None or process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.1)
    pytest.fail(f"fewer than {n} reports in {out} after {timeout} s")


def test_a_second_run_into_the_same_folder_is_refused_naming_the_first(study, tmp_path):
    out = tmp_path / "out"
    (out / ".csi").mkdir(parents=True)
    with OutputFolder(load_study(study), out, "", "zh"), \
            pytest.raises(ReportError, match=rf"another csi run is writing reports there \(pid {os.getpid()}, "):
        runner.run_study(study, out, only=["W01"])
    assert not (out / "manifest.json").exists()


@pytest.mark.slow
# both signals and both worker counts, in two runs (both signals take one path; 18–23 s a case)
@pytest.mark.parametrize(("workers", "signum"), [(1, signal.SIGINT), (2, signal.SIGTERM)])
def test_a_signal_stops_the_run_promptly_in_one_line_and_a_rerun_redoes_only_what_is_missing(
        study, tmp_path, workers, signum):
    out = tmp_path / "out"
    scratch = Path(tempfile.mkdtemp(prefix="t", dir="/tmp"))  # the run's TMPDIR; short: kernels' sockets live there
    # Ctrl-C in a terminal reaches the whole process group: the signal goes to the group here too
    process = subprocess.Popen([str(CSI), "run", str(study), "--out", str(out), "--only", ",".join(IDS),
                                "--lang", "zh", "--format", "html", "--workers", str(workers)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               env={**os.environ, "TMPDIR": str(scratch)}, start_new_session=True)
    wait_for_reports(out, 1, process)
    start = time.monotonic()
    os.killpg(process.pid, signum)
    process.wait(timeout=60)
    stopped = time.monotonic() - start
    stderr = process.stderr.read()
    assert process.returncode == 130, stderr
    assert stopped < 20, stopped
    assert stderr.strip().splitlines()[-1] == "csi: interrupted" and "Traceback" not in stderr, stderr
    deadline = time.monotonic() + 10
    while (left := _left_in_session(process.pid)) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not left, left  # no worker, nanny, kernel or browser outlives the run
    assert not list(scratch.iterdir()), list(scratch.iterdir())  # no kernel sockets or files left behind
    scratch.rmdir()
    first = assert_manifest_true_to_the_folder(out)
    done = {r["enterprise_id"] for r in first["reports"] if r["status"] == "ok"}
    assert done and done < set(IDS)

    rerun = runner.run_study(study, out, only=IDS, languages=["zh"], formats=["html"])
    assert {o.enterprise_id for o in rerun.outcomes if not o.skipped} == set(IDS) - done
    assert all(o.status == "ok" for o in rerun.outcomes)
    assert_manifest_true_to_the_folder(out)
    if workers == 1 and signum == signal.SIGTERM:  # --only redoes one report and keeps the others listed
        runner.run_study(study, out, only=["W01"], languages=["zh"], formats=["html"], force=True)
        listed = assert_manifest_true_to_the_folder(out)["reports"]
        assert sorted(r["enterprise_id"] for r in listed) == sorted(IDS) and all(r["status"] == "ok" for r in listed)


def _left_in_session(session: int) -> list[dict]:
    """Live processes of the run's session (a zombie has ended: only its exit status waits to be collected)."""
    left = []
    for p in psutil.process_iter(["pid", "cmdline", "status"]):
        with contextlib.suppress(OSError, psutil.Error):
            if os.getsid(p.pid) == session and p.info["status"] != psutil.STATUS_ZOMBIE:
                left.append(p.info)
    return left


@pytest.mark.slow
def test_a_killed_kernel_fails_its_report_alone_within_seconds(study, tmp_path):
    out = tmp_path / "out"
    killed: list[int] = []

    def kill_the_kernel() -> None:
        wait_for_reports(out, 2)
        for child in psutil.Process().children(recursive=True):
            if any("ipykernel" in part for part in child.cmdline()):
                killed.append(child.pid)
                child.kill()

    killer = threading.Thread(target=kill_the_kernel, daemon=True)
    killer.start()
    start = time.monotonic()
    result = runner.run_study(study, out, only=IDS, languages=["zh"], formats=["html"])
    killer.join()
    assert killed, "no kernel was found to kill"
    failed = {o.enterprise_id: o.error for o in result.failed}
    assert len(failed) == 1 and "kernel died" in next(iter(failed.values())), failed
    assert sum(o.status == "ok" for o in result.outcomes) == len(IDS) - 1  # the next report got a new kernel
    assert time.monotonic() - start < 240
    assert_manifest_true_to_the_folder(out)


def _hidden(folder: Path) -> list[str]:
    """A command prefix that runs a program with ``folder`` hidden (an empty file system mounted over it, in a
    mount namespace of its own): root's ``unshare``, where the machine allows it; else nothing is hidden."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or \
            subprocess.run(["unshare", "-m", "true"], check=False, capture_output=True).returncode != 0:
        return []
    return ["unshare", "-m", "--propagation", "private", "sh", "-c", f'mount -t tmpfs none "{folder}" && exec "$0" "$@"']


@pytest.fixture(scope="module")
def external_cluster(tmp_path_factory):
    """A dask scheduler and a worker process with two single-threaded nannied workers, started as a user
    starts them (``dask scheduler``, ``dask worker``), with the scheduler's own default settings. The workers
    see none of the test's folders (the study, the outputs): they run with pytest's temporary folder hidden."""
    folder = tmp_path_factory.mktemp("cluster")
    address_file = folder / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__LOGGING__DISTRIBUTED": "error"}
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", "0", "--dashboard-address", "127.0.0.1:0",
                                  "--scheduler-file", str(address_file)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=folder)
    workers = None
    scratch = Path(tempfile.mkdtemp(prefix="csi-w", dir="/var/tmp" if os.path.isdir("/var/tmp") else None))
    try:
        deadline = time.monotonic() + 60
        while not address_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.2)
        address = json.loads(address_file.read_text())["address"]
        hide = _hidden(tmp_path_factory.getbasetemp())
        workers = subprocess.Popen([*hide, sys.executable, "-m",
                                    "distributed.cli.dask_worker", address, "--nworkers", "2", "--nthreads", "1",
                                    "--host", "127.0.0.1", "--dashboard-address", "127.0.0.1:0"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**env, "TMPDIR": str(scratch)}, cwd=scratch)
        from distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address, bool(hide)
    finally:
        for process in (workers, scheduler):
            if process is None:
                continue
            process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            if process.poll() is None:
                process.kill()
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.mark.slow
def test_two_batches_share_an_external_cluster_and_a_killed_worker_fails_its_report_unretried(
        study, tmp_path, external_cluster):
    from distributed import Client

    external_cluster, hidden = external_cluster
    if hidden:  # the workers see neither the study nor any output folder
        with Client(external_cluster) as client:
            assert not any(client.run(os.path.exists, str(study)).values())
            assert not any(client.run(os.path.exists, str(tmp_path)).values())
    outs = [tmp_path / "a", tmp_path / "b"]
    results: dict[int, runner.RunResult] = {}
    killed: list[str] = []

    errors: list[BaseException] = []

    def batch(k: int) -> None:
        try:
            results[k] = runner.run_study(study, outs[k], only=IDS, languages=["zh"], formats=["html"],
                                          scheduler=external_cluster)
        except BaseException as exc:  # noqa: BLE001 - shown by this test, not as a thread's warning in a later one
            errors.append(exc)

    def kill_the_worker_rendering(enterprise_id: str) -> None:
        with Client(external_cluster) as client:
            pids = client.run(os.getpid)  # known before: the kill follows the sighting within milliseconds
            deadline = time.monotonic() + 300
            while not killed and time.monotonic() < deadline:
                for worker, keys in client.processing().items():
                    if any(str(key).startswith(f"report-{enterprise_id}-") for key in keys):
                        os.kill(pids[worker], signal.SIGKILL)  # the nanny starts a new worker; the scheduler would retry
                        killed.append(worker)
                        return
                time.sleep(0.01)

    threads = [threading.Thread(target=batch, args=(k,)) for k in range(2)]
    killer = threading.Thread(target=kill_the_worker_rendering, args=("T02",), daemon=True)
    for thread in (*threads, killer):
        thread.start()
    for thread in (*threads, killer):
        thread.join(timeout=600)
    assert not errors, errors
    assert killed, "T02's report was never seen on a worker"
    failures = [(k, o.enterprise_id, o.error) for k, r in results.items() for o in r.failed]
    # the report on the killed worker failed, recorded as such (not retried elsewhere and marked ok) …
    assert len(failures) == 1 and failures[0][1] == "T02" and "KilledWorker" in failures[0][2], failures
    # … and nothing else failed: neither batch stopped the other's renderers
    for k, result in results.items():
        assert len(result.outcomes) == len(IDS) and all(o.status == "ok" for o in result.overview)
        assert_manifest_true_to_the_folder(outs[k])
    both = [name for name in reports_on_disk(outs[0]) & reports_on_disk(outs[1])]
    assert len(both) >= len(IDS) - 1
    local = runner.run_study(study, tmp_path / "local", only=IDS, languages=["zh"], formats=["html"], workers=2)
    assert not local.failed
    for name in both:  # the same page, byte for byte, from either batch and from csi's own local cluster
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes() == (local.out_dir / name).read_bytes()



@pytest.mark.slow
def test_one_enterprises_missing_audit_and_remarks_stay_in_its_own_report(tmp_path):
    """What concerns one enterprise (its audit file, its remarks) shows in its report only; the others' text is
    the same as without the fault. The study folder is not read while rendering: every text comes from the
    analysis (so a cluster's workers need not see the folder)."""
    import csi
    from csi import report

    folder = tmp_path / "demo"
    shutil.copytree(DEMO, folder)
    shutil.copytree(DEMO.parent / "rules", tmp_path / "rules")
    (folder / "audits" / "W02.csv").unlink()
    (folder / "remarks" / "B01.zh.txt").write_bytes(b"\xff\xfe not utf-8 \xff")
    analysis = csi.analyse_study(folder / "study.toml")
    assert [k for k, _ in analysis.enterprise_problems["W02"]] == ["audits_dir"]
    assert not any("W02" in message for _, message in analysis.problems)
    shutil.rmtree(folder)  # the reports need nothing from the study folder now
    w01 = report.enterprise_content(None, "W01", "zh", analysis=analysis)
    w02 = report.enterprise_content(None, "W02", "zh", analysis=analysis)
    assert not any("W02" in message for _, message in w01.problems)
    assert any("W02.csv" in message for _, message in w02.problems)
    assert "W02" not in report.summary(w01).html and "W02.csv" in report.summary(w02).html  # the warning shown
    with pytest.raises(ReportError, match=r"B01\.zh\.txt: the evaluator's remarks could not be read"):
        report.enterprise_content(None, "B01", "zh", analysis=analysis)
    assert w01.complaints is not None  # the complaint categories, from the keywords the analysis read


def test_the_resume_key_ignores_comments_and_blank_lines_but_not_values(tmp_path, monkeypatch):
    digest = runner._content_digest
    toml, code = tmp_path / "study.toml", tmp_path / "module.py"
    toml.write_text('[report]\nmin_n = 30\n', encoding="utf-8")
    code.write_text("x = 1\n", encoding="utf-8")
    before = digest(toml), digest(code)
    toml.write_text('# a note for the team\n[report]\n\nmin_n = 30   # the inference threshold\n', encoding="utf-8")
    code.write_text("# why x\n\nx = 1  # one\n", encoding="utf-8")
    assert (digest(toml), digest(code)) == before
    toml.write_text('[report]\nmin_n = 31\n', encoding="utf-8")
    code.write_text("x = 2\n", encoding="utf-8")
    assert digest(toml) != before[0] and digest(code) != before[1]
    # everything a report depends on is in the key: presets, both notebooks, templates
    from csi.batch._jobs import NOTEBOOK, OVERVIEW, PROJECT

    covered = []
    monkeypatch.setattr(runner, "_content_digest", lambda path: covered.append(path) or digest(path))
    runner.inputs_hash(load_study(DEMO / "study.toml"))
    assert {NOTEBOOK, OVERVIEW} <= set(covered)
    assert any(p.parent.name == "models" and p.suffix == ".txt" for p in covered)
    assert any(p.name == "csi.css" for p in covered) and PROJECT / "csi" / "report" / "_body.py" in covered


def test_workers_without_csi_or_with_another_version_are_named_before_anything_runs():
    from csi._version import __version__
    from csi.exceptions import StudyError

    class Cluster:
        def __init__(self, versions=None, error=None):
            self.versions, self.error = versions, error

        def run(self, function):
            if self.error:
                raise self.error
            return self.versions

    runner._check_workers(Cluster({"tcp://a:1": __version__}), "tcp://s:8786")
    with pytest.raises(StudyError, match=rf"this is csi {__version__}, but tcp://b:2 has 0\.0\.1; install csi"):
        runner._check_workers(Cluster({"tcp://a:1": __version__, "tcp://b:2": "0.0.1"}), "tcp://s:8786")
    with pytest.raises(StudyError, match=r"the workers cannot run csi \(ModuleNotFoundError: No module named 'csi'\)"):
        runner._check_workers(Cluster(error=ModuleNotFoundError("No module named 'csi'")), "tcp://s:8786")
    with pytest.raises(StudyError, match="the scheduler has no workers"):
        runner._check_workers(Cluster({}), "tcp://s:8786")
