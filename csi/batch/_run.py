"""Batch execution: the study-level work once, then one papermill task per enterprise, then an index page.

Tasks run in-process for one worker, or on dask.distributed (a LocalCluster by default, an existing
cluster with ``scheduler=``). A failing enterprise — bad data, a notebook error, a killed worker — is
recorded with its cause in ``manifest.json`` and on the index page and never stops the others. A rerun
skips reports whose inputs, parameters and csi code are unchanged (hash in the manifest). Outputs are
written atomically (temporary file, then rename). Nothing the output folder holds is run: the study analysis
the notebooks read is signed with a key drawn for the run and kept out of the folder (:mod:`csi.batch._cache`),
and the manifest a rerun reads is plain JSON whose report files must have the names this run would give them.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import hashlib
import io
import json
import logging
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
import time
import tokenize
import tomllib
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from csi._validation import check_id, resolve_path
from csi._version import __version__
from csi.batch._cache import new_key, save_analysis
from csi.batch._folder import OutputFolder, unwritable
from csi.batch._jobs import (
    NOTEBOOK,
    OVERVIEW,
    PROJECT,
    STUDY_WORKBOOK,
    TEMPLATES,
    Job,
    Rendered,
    ReportOutcome,
    first_line,
    report_files,
)
from csi.exceptions import StudyError
from csi.io._study import FORMATS, LANGUAGES, PDF_ENGINES, Study, load_study

if TYPE_CHECKING:  # the analysis is imported where it runs: workers need none of it
    from csi.analysis import StudyAnalysis

#: The run's steps at INFO (``csi run`` prints them); the line that starts the reports carries ``phase``,
#: ``done`` and ``total``, from which the progress bar measures its rate.
log = logging.getLogger("csi.batch")

#: A report whose worker dies is recorded as failed (the next run redoes it), not retried blindly. dask
#: fails every task a dying worker holds, so :func:`_hand_out` hands out no more reports than there are
#: worker threads: a dying worker takes no waiting report down with it. A batch needs none of dask's
#: live diagnostics: its profiler (every 10 ms), event-loop tick monitor (20 ms) and memory monitors
#: (100 ms) cost a 2-worker cluster a tenth of the machine.
DASK_SETTINGS = {"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0,
                 "distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                 "distributed.admin.system-monitor.interval": "2s", "distributed.worker.memory.monitor-interval": "1s",
                 "distributed.nanny.memory.monitor-interval": "1s"}
#: Seconds between checks that the workers rendering reports are still there (and that no Ctrl-C came).
WORKER_CHECK = 1.0
#: Seconds an interrupted run waits for the report being rendered in this process to end.
STOP_WAIT = 10
#: Seconds an interrupted run gives its own workers to stop their kernels and browsers before it closes them.
INTERRUPTED_RETIRE_WAIT = 2
#: Seconds to wait for an existing scheduler (``scheduler=``, ``--scheduler``) to answer before giving up.
CONNECT_TIMEOUT = 10


@dataclass(frozen=True)
class RunResult:
    """The outcome of a batch run: one entry per enterprise and language, plus the files written."""

    out_dir: Path
    outcomes: tuple[ReportOutcome, ...]
    manifest: Path
    index: Path
    overview: tuple[ReportOutcome, ...] = ()   # the study overview, one per language

    @property
    def failed(self) -> tuple[ReportOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status != "ok")


def run_study(study: str | Path, out_dir: str | Path | None = None, *, only: Iterable[str] | None = None,
              languages: Iterable[str] | None = None, formats: Iterable[str] | None = None, workers: int = 1,
              scheduler: str | None = None, force: bool = False, pdf_engine: str | None = None,
              progress: Callable[[ReportOutcome, int, int], None] | None = None, verbose: bool = False,
              shared_folder: bool = False) -> RunResult:
    """Render the reports of a study (or of the enterprises in ``only``) and an index page.

    Parameters
    ----------
    study : path to study.toml.
    out_dir : output folder (default: the study's ``[outputs].dir``).
    only : enterprise ids to render (default: all).
    languages, formats : default: the study's ``[outputs]`` settings.
    workers : parallel workers; 1 runs in this process, more start a dask LocalCluster.
    scheduler : address of an existing dask scheduler (then ``workers`` is ignored).
    force : redo every report, even those unchanged since the last run.
    pdf_engine : ``"weasyprint"`` or ``"chromium"`` (default: the study's ``[outputs].pdf_engine``).
    progress : called after each report with (outcome, done, total); the CLI draws its bar from it.
    verbose : let dask.distributed log and warn as it normally does (a batch keeps it quiet: csi reports
        every failure itself).
    shared_folder : with ``scheduler``, the workers see the output folder at the same path as this process: they
        read the study analysis there and write the reports themselves. By default the analysis travels to the
        workers through dask and the reports come back here to be written (docs/cluster.md): a worker needs
        neither the study folder nor the output folder. A local run's workers read the analysis in place and
        send the reports back too: only this process writes the folder, so the manifest lists exactly what an
        interrupted run left there.
    """
    spec = load_study(study)
    out = resolve_path(out_dir) if out_dir else spec.outputs.dir
    langs, fmts, targets = _languages(spec, languages), _formats(spec, formats), _enterprises(spec, only)
    engine = pdf_engine or spec.outputs.pdf_engine
    if engine not in PDF_ENGINES:
        raise StudyError(f"--pdf-engine {engine!r}: not one of {', '.join(PDF_ENGINES)}.")
    fmts_key = ",".join(fmts) + (f";{engine}" if "pdf" in fmts else "")
    try:
        (out / ".csi").mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # --out is a file, a read-only folder, …: one line naming it, not a traceback
        raise unwritable(out, exc, spec) from None
    inputs = inputs_hash(spec)
    with OutputFolder(spec, out, inputs, langs[0]) as folder, _stoppable():
        folder.load_previous()  # also with force: the reports this run does not redo stay listed
        return _render_all(spec, folder, targets, langs, fmts, fmts_key, engine, inputs, workers, scheduler,
                           progress, verbose, shared=scheduler is not None and shared_folder, force=force)


def _render_all(spec: Study, folder: OutputFolder, targets: list[str], langs: list[str], fmts: tuple[str, ...],
                fmts_key: str, engine: str, inputs: str, workers: int, scheduler: str | None, progress,
                verbose: bool, shared: bool, force: bool) -> RunResult:
    """The jobs of one run, rendered; the folder's manifest and index updated after each report."""
    out = folder.out
    # The analysis lives only while the run does: every run computes and signs its own (see _analysis), so any
    # other analysis file (an interrupted run's, an older csi's 9 MB copies) is stale: this run holds the lock.
    for stale in (out / ".csi").glob("analysis-*"):
        stale.unlink(missing_ok=True)
    analysis = out / ".csi" / f"analysis-{inputs[:16]}-{os.getpid()}.pkl"
    secret = new_key()  # this run's: the notebooks load only the analysis signed with it

    def unchanged(old: ReportOutcome | None, key: str) -> bool:
        # the manifest is read, never trusted: a report is kept only under the names this run would give it
        names = report_files(old.enterprise_id, old.language, fmts) if old else set()
        return not force and bool(old) and old.key == key and old.status == "ok" and set(old.files) == names \
            and all((out / f).is_file() for f in old.files)

    # the overview goes first, so that it runs beside the reports rather than after them
    jobs, skipped, skipped_overview = [], [], []
    for lang in langs:
        key, old = _hash(inputs, "overview", lang, fmts_key), folder.previous(("overview", lang))
        if unchanged(old, key):
            skipped_overview.append(replace(old, skipped=True))  # keeps the seconds it took when rendered
        else:
            jobs.append(Job(str(spec.path), str(analysis), "overview", lang, fmts, str(out) if shared else "", key,
                            engine, overview=True, analysis_key=secret))
    for enterprise_id in targets:
        for lang in langs:
            key = _hash(inputs, enterprise_id, lang, fmts_key)
            old = folder.previous((enterprise_id, lang))
            if unchanged(old, key):
                skipped.append(replace(old, skipped=True))
            else:
                jobs.append(Job(str(spec.path), str(analysis), enterprise_id, lang, fmts, str(out) if shared else "",
                                key, engine, analysis_key=secret))
    for outcome in skipped_overview:
        folder.overview[("overview", outcome.language)] = outcome
    for outcome in skipped:
        folder.reports[(outcome.enterprise_id, outcome.language)] = outcome
    reports = sum(not job.overview for job in jobs)

    def record(job: Job, outcome: ReportOutcome, contents: dict[str, bytes]) -> None:
        folder.record(outcome, contents, overview=job.overview)

    # the study workbook (--format xlsx) is written by a thread of this process while the reports render
    writer, workbook = ThreadPoolExecutor(1, thread_name_prefix="csi-study-workbook"), []

    def prepare() -> None:
        result = _analysis(spec, analysis, secret)
        if "xlsx" in fmts:
            workbook.append(writer.submit(result.to_excel, out / STUDY_WORKBOOK))

    try:
        done = _execute(jobs, workers, scheduler, progress, len(skipped), reports + len(skipped), record,
                        prepare=prepare, verbose=verbose)
    finally:
        writer.shutdown(wait=True)  # written before the manifest lists it
        with contextlib.suppress(OSError):
            analysis.unlink(missing_ok=True)
        folder.write()  # also when nothing ran, or when interrupted: the manifest lists what is on disk
    for written in workbook:
        written.result()  # a workbook that could not be written: its error, once the reports are safe
    overview = _in_order(skipped_overview + [outcome for job, outcome in done if job.overview], ["overview"], langs)
    outcomes = _in_order(skipped + [outcome for job, outcome in done if not job.overview], targets, langs)
    return RunResult(out, tuple(outcomes), out / "manifest.json", out / "index.html", tuple(overview))


#: Set by Ctrl-C or SIGTERM during a run: the loops that wait for reports stop at their next look, even when the
#: KeyboardInterrupt itself was raised where Python ignores it (a garbage-collector callback of distributed's).
_STOP = threading.Event()


@contextlib.contextmanager
def _stoppable():
    """Ctrl-C and SIGTERM stop a run (KeyboardInterrupt: every ``finally`` runs, workers and kernels are stopped,
    the manifest is written). Only the main thread can set handlers; elsewhere nothing changes."""
    _STOP.clear()
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        _STOP.set()
        raise KeyboardInterrupt

    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _raise_if_stopped() -> None:
    if _STOP.is_set():
        raise KeyboardInterrupt


def _analysis(spec: Study, path: Path, key: str) -> StudyAnalysis:
    """The study-level work, once: screened responses and pooled fits, saved for the notebooks, signed with
    this run's ``key``. Done anew by every run that renders something: a file an earlier run (or anyone who
    can write the output folder) left at ``path`` cannot be told from a forged one, so it is replaced."""
    from csi.analysis import analyse_study

    analysis = analyse_study(spec)
    save_analysis(analysis, path, key)
    return analysis


def _execute(jobs: list[Job], workers: int, scheduler: str | None, progress, already: int, total: int,
             keep: Callable[[Job, ReportOutcome, dict[str, bytes]], None], prepare: Callable[[], None],
             verbose: bool = False) -> list[tuple[Job, ReportOutcome]]:
    """Run ``prepare`` (the study-level analysis), then every job; ``keep`` each outcome as it comes, with the
    files a worker sent back (the folder writes them and its manifest), and feed ``progress`` with the enterprise
    reports.

    In this process a private thread renders (nbclient sets its own SIGINT and SIGTERM handlers in the main
    thread, which then stopped one report, not the run); with dask, the workers start their kernel and PDF
    browser while this process runs ``prepare``.
    """
    results: list[tuple[Job, ReportOutcome]] = []
    done = 0
    if not jobs:
        return results  # everything unchanged: no analysis, no workers

    def record(job: Job, rendered: Rendered) -> None:
        nonlocal done
        outcome, contents = rendered
        results.append((job, outcome))
        keep(job, outcome, contents)
        if progress and not job.overview:
            done += 1
            progress(outcome, already + done, total)

    def prepared() -> None:
        log.info("analysing the study (once, for every report)")
        prepare()
        _raise_if_stopped()
        log.info("rendering %d report(s), %d unchanged", total - already, already,
                 extra={"phase": "reports", "done": already, "total": total})

    if workers <= 1 and scheduler is None:
        renderer, future = _render_thread(), None
        try:
            prepared()
            for job in jobs:
                future = renderer.submit(render_job, job)
                while True:
                    try:
                        rendered = future.result(timeout=WORKER_CHECK)
                        break
                    except FutureTimeout:
                        _raise_if_stopped()
                record(job, rendered)
        except BaseException:
            _stop_rendering(renderer, future)
            raise
        renderer.submit(shutdown_renderers).result()  # where the kernel's client and event loop live
        return results
    _execute_dask(jobs, workers, scheduler, record, prepared, verbose)
    return results


def _stop_rendering(renderer: ThreadPoolExecutor, future) -> None:
    """An interrupted run in this process: the kernel is killed, so the report being rendered fails at once in
    the render thread, which then stops its renderers itself (its kernel client lives there)."""
    if _RENDER in sys.modules:
        from csi.batch._notebook import kill_kernels

        kill_kernels()
    with contextlib.suppress(Exception):
        if future is not None:
            future.result(timeout=STOP_WAIT)
        renderer.submit(shutdown_renderers).result(timeout=STOP_WAIT)


_RENDERER: ThreadPoolExecutor | None = None


def _render_thread() -> ThreadPoolExecutor:
    """This process's one render thread, kept for its lifetime: the kernel client's event loop lives there, and
    a thread that ended would leave it unclosed."""
    global _RENDERER
    if _RENDERER is None:
        _RENDERER = ThreadPoolExecutor(1, thread_name_prefix="csi-render")
    return _RENDERER


def _client(scheduler: str | None, cluster):
    """A client of the batch's own cluster, or of the scheduler at ``scheduler``: one that does not answer within
    :data:`CONNECT_TIMEOUT` seconds (or is not a dask scheduler) is an error naming the address."""
    from distributed import Client

    if scheduler is None:
        return Client(cluster)
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - refused, timed out, a bad address, or another service answering
        reason = first_line(str(exc)) or type(exc).__name__
        raise StudyError(f"--scheduler {scheduler}: no dask scheduler answered there within {CONNECT_TIMEOUT} s "
                         f"({type(exc).__name__}: {reason}); check the address (e.g. "
                         "tcp://10.0.0.5:8786) and that the scheduler runs, or leave --scheduler out to start local "
                         "workers.") from None


def _execute_dask(jobs: list[Job], workers: int, scheduler: str | None, record, prepare, verbose: bool) -> None:
    import dask
    from distributed import LocalCluster

    # The scheduler's, nannies' and workers' scratch space (dask's "dask-scratch-space" and its lock files, left
    # in the system temporary folder otherwise) and the workers' temporary folder: the run's own, removed with
    # the cluster.
    scratch = None if scheduler else tempfile.mkdtemp(prefix="csi-dask-")
    settings = DASK_SETTINGS if scheduler else {**DASK_SETTINGS, "temporary-directory": scratch}
    with dask.config.set(settings), contextlib.nullcontext() if verbose else _quiet_dask(), \
            contextlib.ExitStack() as cleanup:
        if scratch is not None:  # after the cluster has closed, or when it could not start
            cleanup.callback(shutil.rmtree, scratch, True)
        # No dashboard. The scheduler's HTTP server (health checks) starts anyway, on port 8787 unless given
        # another, and warns when another cluster holds 8787: any free port instead.
        with _sigint_ignored_by_children():
            cluster = None if scheduler else LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"}, local_directory=scratch,
                env={"TMPDIR": scratch},  # the workers' kernels' sockets and files too, even of a worker killed
                silence_logs=logging.WARNING if verbose else logging.ERROR)  # WARNING: LocalCluster's default
        try:
            with _client(scheduler, cluster) as client:
                if scheduler is not None:
                    _check_workers(client, scheduler)
                engine = jobs[0].pdf_engine  # futures kept until the end: a released future is cancelled
                warm = [client.submit(warm_up, engine, key=f"warm-up-{k}-{secrets.token_hex(4)}", workers=[address],
                                      pure=False)
                        for k, address in enumerate(client.scheduler_info()["workers"])]
                try:
                    prepare()
                    shipped = None
                    if scheduler is not None and not jobs[0].out_dir:  # workers that may not see this folder
                        shipped = Path(jobs[0].analysis_path).read_bytes()
                    _hand_out(client, jobs, record, shipped)
                    if shipped is not None:
                        with contextlib.suppress(Exception):
                            client.run(forget_analysis, jobs[0].analysis_key)
                finally:
                    del warm
                    if cluster is not None:  # a shared cluster's renderers serve other batches too: left running
                        # an interrupted run's workers are closed next anyway: their renderers get a moment only
                        _at_most(INTERRUPTED_RETIRE_WAIT if _STOP.is_set() else STOP_WAIT, client.run, retire_worker)
        finally:
            if cluster is not None:
                cluster.close()


def _at_most(seconds: float, call: Callable, *args) -> None:
    """``call(*args)``, waited for at most ``seconds``, its errors ignored (a worker that died has no kernel left
    to stop). An interrupted run's worker can be stuck in the report it was rendering and never answer; the
    cluster is closed next either way, and a run must not wait for it."""
    def quietly() -> None:
        with contextlib.suppress(Exception):
            call(*args)

    thread = threading.Thread(target=quietly, name="csi-retire-workers", daemon=True)
    thread.start()
    thread.join(seconds)


@contextlib.contextmanager
def _sigint_ignored_by_children():
    """Processes started meanwhile (the local cluster's nannies and workers, and their kernels) ignore SIGINT.

    Ctrl-C reaches every process of the terminal's foreground group: each worker printed a KeyboardInterrupt
    traceback. A process that starts with SIGINT ignored keeps it ignored (Python installs its handler only
    where the parent left the default); this process stops them itself, in order.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _quiet_dask():
    """This process's distributed log lines below ERROR (workers starting and stopping, slow event loops) and
    distributed's warnings, off for a batch: csi reports every failure itself. The workers: ``silence_logs``.

    Logger levels, not handler levels (``silence_logs``): distributed adds no handler of its own when the root
    logger has one (pytest, a user's logging setup), and ``distributed.client`` has a level of its own.
    """
    names = {"distributed", *(name for name in logging.root.manager.loggerDict if name.startswith("distributed."))}
    levels = {name: logging.getLogger(name).level for name in names}
    try:
        for name in names:
            logging.getLogger(name).setLevel(logging.ERROR)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"distributed(\.|$)")
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _hand_out(client, jobs: list[Job], record: Callable[[Job, Rendered], None], shipped: bytes | None = None) -> None:
    """Run ``jobs`` on the cluster, no more at a time than there are worker threads, and ``record`` each.

    dask fails every task a dying worker holds: jobs handed out only as threads free up wait here, not on
    a worker, so a dying worker takes no waiting report down with it. A report whose worker died while it ran
    is recorded as failed here, whatever the scheduler's allowed-failures (a shared cluster's scheduler would
    retry it elsewhere, silently): csi's fault policy holds on any scheduler. The scheduler's own count of the
    workers that died running a task tells which (where a report runs is the scheduler's to choose, and a
    worker may die before this client has seen it start there).

    ``shipped``: the signed analysis, for workers that do not see the output folder. It travels as the result of
    a task (:func:`_carried`), not as scattered data: the scheduler keeps that task, so if every worker holding
    the analysis dies it is computed again, where scattered data would be lost; and a worker that dies while a
    copy goes out to it takes only its own report down (a broadcast scatter that meets a dying worker fails
    inside the scheduler, which then drops this client's connection: a batch on a busy machine lost its run).
    """
    from distributed import wait
    from distributed.client import FuturesCancelledError

    analysis = None

    def analysis_future() -> list:
        nonlocal analysis
        if shipped is None:
            return []
        if analysis is None or analysis.cancelled():
            with warnings.catch_warnings():  # "Sending large graph": sent once for the whole run, by design
                warnings.filterwarnings("ignore", "Sending large graph", UserWarning)
                analysis = client.submit(_carried, shipped, pure=False, key=f"analysis-{secrets.token_hex(4)}")
        return [analysis]

    waiting, running = deque(jobs), {}
    placed: dict = {}  # future -> the worker it was sent to

    run = secrets.token_hex(4)  # in every task key: two batches of the same study on one cluster share no task

    def top_up() -> None:
        threads = client.nthreads()  # asked anew: workers may come and go
        ours, theirs = Counter(placed.values()), client.processing()  # theirs: every batch's, on a shared cluster
        busy = {w: max(ours[w], len(theirs.get(w, ()))) for w in threads}
        # each job goes to a worker with a free thread (the scheduler, left alone, may queue two on one worker,
        # and that worker's death would then fail both); if the worker is gone, any other may take it
        free = [w for w, n in threads.items() for _ in range(max(n - busy[w], 0))]
        while waiting and (free or not threads) and len(running) < max(sum(threads.values()), 1):
            job = waiting.popleft()
            kind = "overview" if job.overview else "report"
            worker = free.pop(0) if free else None
            future = client.submit(render_job, job, *analysis_future(), pure=False,
                                   key=f"{kind}-{job.enterprise_id}-{job.language}-{run}",
                                   workers=[worker] if worker else None, allow_other_workers=True)
            running[future] = job
            placed[future] = worker

    def died_running(keys: list, dask_scheduler=None) -> list:
        """Of ``keys``, the tasks a worker died while running (or holding). Run by the scheduler; a local function
        travels by value, so the scheduler needs nothing of csi for it."""
        return [key for key in keys if key in dask_scheduler.tasks and dask_scheduler.tasks[key].suspicious]

    def failed(job: Job, error: str) -> Rendered:
        return ReportOutcome(job.enterprise_id, job.language, "failed", (), 0.0, error, None, job.key), {}

    top_up()
    while running or waiting:
        if running:
            with contextlib.suppress(TimeoutError, FuturesCancelledError):
                wait(list(running), timeout=WORKER_CHECK, return_when="FIRST_COMPLETED")
        else:
            time.sleep(WORKER_CHECK)  # every thread busy with another batch's reports
        _raise_if_stopped()
        died = set(client.run_on_scheduler(died_running, [future.key for future in running])) if running else set()
        for future in list(running):
            job = running[future]
            if future.key in died:
                future.cancel()  # not retried elsewhere: the next run redoes it
                rendered = failed(job, "KilledWorker: the worker rendering it died (killed, or out of memory)")
            elif future.cancelled():  # cancelled by the scheduler (this client reconnected): it never finished
                del running[future], placed[future]
                waiting.appendleft(job)
                continue
            elif future.done():
                try:
                    rendered = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker fails its report, not the batch
                    rendered = failed(job, f"{type(exc).__name__}: {first_line(str(exc))}")
            else:
                continue
            del running[future], placed[future]
            record(job, rendered)
        top_up()


def warm_up(pdf_engine: str) -> None:
    """Start this worker's kernel (report modules imported) and PDF browser before its first report.

    Runs on each batch worker while the main process does the study-level analysis; a failure here is
    not an error (the first report starts what is missing and, if that fails too, records why).
    """
    _without_iri_grammar()
    from csi.batch._render import warm_up as start

    start(pdf_engine)


def _carried(analysis: bytes) -> bytes:
    """The run's signed analysis, as a task's result on a worker (see :func:`_hand_out`)."""
    return analysis


def render_job(job: Job, analysis: bytes | None = None) -> Rendered:
    """Execute the notebook of one enterprise (or the study overview) and make its reports (written, or sent
    back); any failure becomes an outcome. Runs on a worker (the rendering stack is imported there, not in the
    main process). ``analysis``: the run's signed study analysis, for a worker that does not see the output folder."""
    from csi.batch._render import render

    if analysis is not None:
        job = replace(job, analysis_path=str(_local_analysis(job.analysis_key, analysis)))
    return render(job)


_ANALYSES: dict[str, Path] = {}  # this worker's copies of the runs' analyses, by the run's key
_ANALYSES_LOCK = threading.Lock()


def _local_analysis(key: str, data: bytes) -> Path:
    """The run's analysis as a file of this worker's own (written once per run; removed by
    :func:`forget_analysis` when the run ends, or when the worker exits)."""
    with _ANALYSES_LOCK:
        path = _ANALYSES.get(key)
        if path is None or not path.is_file():
            folder = Path(tempfile.mkdtemp(prefix="csi-run-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / "analysis.pkl"
            path.write_bytes(data)
            _ANALYSES[key] = path
        return path


def forget_analysis(key: str) -> None:
    """Remove this worker's copy of a finished run's analysis (other runs' copies stay)."""
    with _ANALYSES_LOCK:
        path = _ANALYSES.pop(key, None)
    if path is not None:
        shutil.rmtree(path.parent, ignore_errors=True)


def worker_version() -> str:
    """The csi version a worker runs (checked against this process's when a batch connects)."""
    return __version__


def _check_workers(client, scheduler: str) -> None:
    """Every worker of an existing cluster runs this csi version: a worker without csi, or with another version,
    would fail every report (or render it differently); one message names them all."""
    try:
        versions = client.run(worker_version)
    except Exception as exc:  # noqa: BLE001 - the function cannot be unpickled where csi is not installed
        raise StudyError(f"--scheduler {scheduler}: the workers cannot run csi ({type(exc).__name__}: "
                         f"{first_line(str(exc))}); install csi {__version__} on every worker (docs/cluster.md).") \
            from None
    other = {worker: version for worker, version in versions.items() if version != __version__}
    if other:
        listed = ", ".join(f"{worker} has {version}" for worker, version in sorted(other.items()))
        raise StudyError(f"--scheduler {scheduler}: this is csi {__version__}, but {listed}; install csi {__version__} "
                         "on every worker (docs/cluster.md).")
    if not versions:
        raise StudyError(f"--scheduler {scheduler}: the scheduler has no workers; start some (docs/cluster.md).")


def shutdown_renderers() -> None:
    """Stop this process's warm kernel and PDF browser (when a batch ends; also at exit)."""
    if _RENDER in sys.modules:  # nothing was started in a process that never rendered
        from csi.batch._render import shutdown

        shutdown()


def retire_worker() -> None:
    """On a worker of the batch's own cluster, before it is closed: stop its renderers and freeze its heap.

    On exit the interpreter runs full garbage collections over the heap (the notebook stack makes it 200,000
    objects: ~1 s of CPU); on a busy machine that outlasted the 4 s a nanny waits, which then killed the
    worker with a warning. Frozen objects are left out of those collections.
    """
    shutdown_renderers()
    gc.freeze()


_RENDER = "csi.batch._render"  # the module name, checked without importing it


def _without_iri_grammar() -> None:
    """Keep jsonschema from importing rfc3987_syntax in a batch worker.

    That module builds some thirty Lark grammars on import (2 s of CPU in each process that imports
    nbformat; python-jsonschema/jsonschema#1428) for the ``iri`` formats, which notebook validation
    never checks. Only batch workers call this, before anything there has imported jsonschema.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: the import fails, jsonschema goes without


def inputs_hash(study: Study) -> str:
    """One hash of everything a report depends on, and of nothing else: the study's files (TOML files by their
    content, so a comment or a blank line changes nothing), both notebooks (their code cells), the templates
    and csi's code (by its tokens: comments and blank lines change nothing) and model presets."""
    package = PROJECT / "csi"
    files = [*study.files, *study.responses, NOTEBOOK, OVERVIEW,
             *sorted(p for p in TEMPLATES.rglob("*") if p.is_file()), *sorted(package.rglob("*.py")),
             *sorted(package.rglob("*.txt")), *sorted(package.rglob("*.json"))]
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        if path.is_file():
            digest.update(str(path.relative_to(PROJECT) if path.is_relative_to(PROJECT) else path.name).encode())
            digest.update(_content_digest(path))
    return digest.hexdigest()


def _content_digest(path: Path) -> bytes:
    """What in a file can change a report: a TOML file's values, a Python file's syntax tree, a notebook's code
    cells and their tags; any other file's bytes."""
    data = path.read_bytes()
    with contextlib.suppress(ValueError, SyntaxError, UnicodeDecodeError, tokenize.TokenError):
        if path.suffix == ".toml":
            data = json.dumps(tomllib.loads(data.decode("utf-8")), sort_keys=True, default=str).encode()
        elif path.suffix == ".py":
            data = "\x1f".join(f"{t.type}:{t.string}" for t in tokenize.tokenize(io.BytesIO(data).readline)
                                if t.type not in (tokenize.COMMENT, tokenize.NL)).encode()
        elif path.suffix == ".ipynb":
            cells = json.loads(data)["cells"]
            data = json.dumps([(c["cell_type"], c["source"], c.get("metadata", {}).get("tags", [])) for c in cells
                               if c["cell_type"] == "code"]).encode()
    return hashlib.sha256(data).digest()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _languages(study: Study, languages: Iterable[str] | None) -> list[str]:
    langs = list(languages) if languages else list(study.outputs.languages)
    for lang in langs:
        if lang not in LANGUAGES:
            raise StudyError(f"--lang {lang!r}: not one of {', '.join(LANGUAGES)}.")
    return langs


def _formats(study: Study, formats: Iterable[str] | None) -> tuple[str, ...]:
    fmts = tuple(formats) if formats else tuple(study.outputs.formats)
    for fmt in fmts:
        if fmt not in FORMATS:
            raise StudyError(f"--format {fmt!r}: not one of {', '.join(FORMATS)}.")
    return fmts


def _enterprises(study: Study, only: Iterable[str] | None) -> list[str]:
    if not only:
        return [e.id for e in study.enterprises]
    ids = list(dict.fromkeys(check_id(x, "--only", StudyError) for x in only))  # once each
    for enterprise_id in ids:
        study.enterprise(enterprise_id)  # raises, naming the known ids, when unknown
    return ids


def _in_order(outcomes: list[ReportOutcome], targets: list[str], langs: list[str]) -> list[ReportOutcome]:
    rank = {(e, lang): i for i, (e, lang) in enumerate((e, lang) for e in targets for lang in langs)}
    return sorted(outcomes, key=lambda o: rank[(o.enterprise_id, o.language)])
