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

import contextlib
import datetime as dt
import gc
import hashlib
import json
import logging
import sys
import warnings
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import jinja2

from csi._validation import check_id, resolve_path
from csi._version import __version__
from csi.batch._cache import new_key, save_analysis
from csi.batch._jobs import (
    HTML_LANG,
    NOTEBOOK,
    TEMPLATES,
    Job,
    ReportOutcome,
    atomic_write,
    first_line,
    report_file,
)
from csi.exceptions import ReportError, StudyError
from csi.io._study import FORMATS, LANGUAGES, PDF_ENGINES, Study, load_study

#: A report whose worker dies is recorded as failed (the next run redoes it), not retried blindly. dask
#: fails every task a dying worker holds, so :func:`_hand_out` hands out no more reports than there are
#: worker threads: a dying worker takes no waiting report down with it. A batch needs none of dask's
#: live diagnostics: its profiler (every 10 ms), event-loop tick monitor (20 ms) and memory monitors
#: (100 ms) cost a 2-worker cluster a tenth of the machine.
DASK_SETTINGS = {"distributed.scheduler.allowed-failures": 0, "distributed.scheduler.worker-saturation": 1.0,
                 "distributed.worker.profile.enabled": False, "distributed.admin.tick.interval": "1s",
                 "distributed.admin.system-monitor.interval": "2s", "distributed.worker.memory.monitor-interval": "1s",
                 "distributed.nanny.memory.monitor-interval": "1s"}
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
              progress: Callable[[ReportOutcome, int, int], None] | None = None, verbose: bool = False) -> RunResult:
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
    """
    spec = load_study(study)
    out = resolve_path(out_dir) if out_dir else spec.outputs.dir
    langs, fmts, targets = _languages(spec, languages), _formats(spec, formats), _enterprises(spec, only)
    engine = pdf_engine or spec.outputs.pdf_engine
    if engine not in PDF_ENGINES:
        raise StudyError(f"--pdf-engine {engine!r}: not one of {', '.join(PDF_ENGINES)}.")
    fmts_key = ",".join(fmts) + (f";{engine}" if "pdf" in fmts else "")
    cache = out / ".csi"
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as exc:  # --out is a file, a read-only folder, …: one line naming it, not a traceback
        raise _unwritable(out, exc, spec) from None
    inputs = inputs_hash(spec)
    previous, previous_overview = ({}, {}) if force else _previous_outcomes(out)
    analysis = str(cache / f"analysis-{inputs[:16]}.pkl")
    secret = new_key()  # this run's: the notebooks load only the analysis signed with it

    def unchanged(old: ReportOutcome | None, key: str) -> bool:
        # the manifest is read, never trusted: a report is kept only under the names this run would give it
        names = {report_file(old.enterprise_id, old.language, fmt) for fmt in fmts} if old else set()
        return bool(old) and old.key == key and old.status == "ok" and set(old.files) == names \
            and all((out / f).is_file() for f in old.files)

    # the overview goes first, so that it runs beside the reports rather than after them
    jobs, skipped, skipped_overview = [], [], []
    for lang in langs:
        key, old = _hash(inputs, "overview", lang, fmts_key), previous_overview.get(("overview", lang))
        if unchanged(old, key):
            skipped_overview.append(replace(old, skipped=True))  # keeps the seconds it took when rendered
        else:
            jobs.append(Job(str(spec.path), analysis, "overview", lang, fmts, str(out), key, engine, overview=True,
                            analysis_key=secret))
    for enterprise_id in targets:
        for lang in langs:
            key = _hash(inputs, enterprise_id, lang, fmts_key)
            old = previous.get((enterprise_id, lang))
            if unchanged(old, key):
                skipped.append(replace(old, skipped=True))
            else:
                jobs.append(Job(str(spec.path), analysis, enterprise_id, lang, fmts, str(out), key, engine,
                                analysis_key=secret))
    reports = sum(not job.overview for job in jobs)
    done = _execute(jobs, workers, scheduler, progress, len(skipped), reports + len(skipped),
                    prepare=lambda: _analysis(spec, Path(analysis), secret), verbose=verbose)
    overview = _in_order(skipped_overview + [outcome for job, outcome in done if job.overview], ["overview"], langs)
    outcomes = _in_order(skipped + [outcome for job, outcome in done if not job.overview], targets, langs)
    try:
        manifest = _write_manifest(spec, out, outcomes, inputs, overview)
        index = _write_index(spec, out, outcomes, langs[0], overview)
    except OSError as exc:  # a full disk, a folder made read-only meanwhile
        raise _unwritable(out, exc, spec) from None
    return RunResult(out, tuple(outcomes), manifest, index, tuple(overview))


def _analysis(spec: Study, path: Path, key: str) -> None:
    """The study-level work, once: screened responses and pooled fits, saved for the notebooks, signed with
    this run's ``key``. Done anew by every run that renders something: a file an earlier run (or anyone who
    can write the output folder) left at ``path`` cannot be told from a forged one, so it is replaced."""
    from csi.analysis import analyse_study

    save_analysis(analyse_study(spec), path, key)


def _execute(jobs: list[Job], workers: int, scheduler: str | None, progress, already: int, total: int,
             prepare: Callable[[], None], verbose: bool = False) -> list[tuple[Job, ReportOutcome]]:
    """Run ``prepare`` (the study-level analysis), then every job; enterprise reports feed ``progress``.

    With dask, the workers start their kernel and PDF browser while this process runs ``prepare``.
    """
    results: list[tuple[Job, ReportOutcome]] = []
    done = 0
    if not jobs:
        return results  # everything unchanged: no analysis, no workers

    def record(job: Job, outcome: ReportOutcome) -> None:
        nonlocal done
        results.append((job, outcome))
        if progress and not job.overview:
            done += 1
            progress(outcome, already + done, total)

    if workers <= 1 and scheduler is None:
        try:
            prepare()
            for job in jobs:
                record(job, render_job(job))
        finally:
            shutdown_renderers()
        return results
    _execute_dask(jobs, workers, scheduler, record, prepare, verbose)
    return results


def _unwritable(out: Path, exc: OSError, study: Study) -> ReportError:
    """An output folder that cannot be written, as one line naming it (and the file), the reason and the fix."""
    other = f"give another output folder (--out, or [outputs] dir in {study.path.name})"
    file = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if file is not None:
        where = "it is" if file == out else f"{file} is"
        return ReportError(f"{out}: the reports cannot be written there: {where} a file, not a folder; {other}.")
    name = f" ({exc.filename})" if exc.filename and Path(exc.filename) != out else ""
    return ReportError(f"{out}: the reports cannot be written there: {exc.strerror or exc}{name}; check the free "
                       f"space and the permissions there, or {other}.")


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

    with dask.config.set(DASK_SETTINGS), contextlib.nullcontext() if verbose else _quiet_dask():
        # No dashboard. The scheduler's HTTP server (health checks) starts anyway, on port 8787 unless given
        # another, and warns when another cluster holds 8787: any free port instead.
        cluster = None if scheduler else LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            silence_logs=logging.WARNING if verbose else logging.ERROR)  # WARNING: LocalCluster's default
        try:
            with _client(scheduler, cluster) as client:
                engine = jobs[0].pdf_engine  # futures kept until the end: a released future is cancelled
                warm = [client.submit(warm_up, engine, key=f"warm-up-{k}", workers=[address], pure=False)
                        for k, address in enumerate(client.scheduler_info()["workers"])]
                prepare()
                _hand_out(client, jobs, record)
                del warm
                with contextlib.suppress(Exception):  # workers that died have no kernel left to stop
                    client.run(shutdown_renderers if cluster is None else retire_worker)
        finally:
            if cluster is not None:
                cluster.close()


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


def _hand_out(client, jobs: list[Job], record: Callable[[Job, ReportOutcome], None]) -> None:
    """Run ``jobs`` on the cluster, no more at a time than there are worker threads, and ``record`` each.

    dask fails every task a dying worker holds: jobs handed out only as threads free up wait here, not on
    a worker, so a dying worker takes no waiting report down with it.
    """
    from distributed import as_completed

    waiting, running, finished = deque(jobs), {}, as_completed()
    placed: dict = {}  # future -> the worker it was sent to

    def top_up() -> None:
        threads = client.nthreads()  # asked anew: workers may come and go
        busy = Counter(placed.values())
        # each job goes to a worker with a free thread (the scheduler, left alone, may queue two on one worker,
        # and that worker's death would then fail both); if the worker is gone, any other may take it
        free = [w for w, n in threads.items() for _ in range(max(n - busy[w], 0))]
        while waiting and (free or not threads) and len(running) < max(sum(threads.values()), 1):
            job = waiting.popleft()
            kind = "overview" if job.overview else "report"
            worker = free.pop(0) if free else None
            future = client.submit(render_job, job, pure=False,
                                   key=f"{kind}-{job.enterprise_id}-{job.language}-{job.key[:12]}",
                                   workers=[worker] if worker else None, allow_other_workers=True)
            running[future] = job
            placed[future] = worker
            finished.add(future)

    top_up()
    for future in finished:
        job = running.pop(future)
        placed.pop(future, None)
        try:
            outcome = future.result()
        except Exception as exc:  # noqa: BLE001 - a lost worker fails its report, not the batch
            outcome = ReportOutcome(job.enterprise_id, job.language, "failed", (), 0.0,
                                    f"{type(exc).__name__}: {first_line(str(exc))}", None, job.key)
        record(job, outcome)
        top_up()


def warm_up(pdf_engine: str) -> None:
    """Start this worker's kernel (report modules imported) and PDF browser before its first report.

    Runs on each batch worker while the main process does the study-level analysis; a failure here is
    not an error (the first report starts what is missing and, if that fails too, records why).
    """
    _without_iri_grammar()
    from csi.batch._render import warm_up as start

    start(pdf_engine)


def render_job(job: Job) -> ReportOutcome:
    """Execute the notebook of one enterprise (or the study overview) and write its reports; any failure
    becomes an outcome. Runs on a worker (the rendering stack is imported there, not in the main process)."""
    from csi.batch._render import render

    return render(job)


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
    """One hash of everything a report depends on: study files, notebook, templates and csi's code."""
    files = [*study.files, *study.responses, *study.previous_wave, NOTEBOOK, *sorted(TEMPLATES.rglob("*")),
             *sorted(Path(__file__).parent.rglob("*.py"))]
    digest = hashlib.sha256(__version__.encode())
    for path in files:
        if path.is_file():
            digest.update(str(path.name).encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


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


def _previous_outcomes(out: Path) -> tuple[dict[tuple[str, str], ReportOutcome], ...]:
    """The last run's report and overview outcomes, each by (enterprise id, language)."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        fields = ReportOutcome.__dataclass_fields__
        parts = [[ReportOutcome(**{k: v for k, v in r.items() if k in fields}) for r in manifest.get(part, [])]
                 for part in ("reports", "overview")]
    except (OSError, ValueError, KeyError, TypeError):
        return {}, {}  # no usable manifest: everything is redone
    return tuple({(o.enterprise_id, o.language): replace(o, files=tuple(o.files)) for o in outcomes}
                 for outcomes in parts)


def _write_manifest(study: Study, out: Path, outcomes: list[ReportOutcome], inputs: str,
                    overview: list[ReportOutcome] = ()) -> Path:
    failures = [{"enterprise_id": o.enterprise_id, "language": o.language, "error": o.error}
                for o in outcomes if o.status != "ok"]
    manifest = {
        "study": str(study.path), "study_id": study.id, "csi_version": __version__, "inputs_hash": inputs,
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "reports": [asdict(o) for o in outcomes], "failed": len(failures), "failures": failures,
        "overview": [asdict(o) for o in overview],
    }
    path = out / "manifest.json"
    atomic_write(path, json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))
    return path


def _write_index(study: Study, out: Path, outcomes: list[ReportOutcome], lang: str,
                 overview: list[ReportOutcome] = ()) -> Path:
    from csi.report import number, t  # the index page shares the report's strings

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    rows = []
    for enterprise in study.enterprises:
        mine = [o for o in outcomes if o.enterprise_id == enterprise.id]
        if not mine:
            continue
        summary = next((o.summary for o in mine if o.summary), None) or {}
        rows.append({"id": enterprise.id, "name": enterprise.label(lang),
                     "industry": study.industry_label(enterprise.industry, lang),
                     "reports": [(f"{o.language} {Path(f).suffix[1:]}", f) for o in mine for f in o.files],
                     "index": number(summary.get("index"), lang), "n": summary.get("n", ""),
                     "errors": [f"{o.language}: {o.error}" for o in mine if o.status != "ok"]})
    html = env.get_template("index.html.j2").render(
        lang=HTML_LANG[lang], title=study.title.get(lang, study.id), heading=t("index_page_title", lang),
        rows=rows, labels={k: t(k, lang) for k in ("enterprise", "industry", "index_label", "respondents", "failed",
                                                    "overview_link")},
        overview=[(f"{o.language} {Path(f).suffix[1:]}", f) for o in overview for f in o.files],
        overview_errors=[f"{o.language}: {o.error}" for o in overview if o.status != "ok"],
        generated=f"{t('generated', lang)}: {dt.date.today().isoformat()}")
    path = out / "index.html"
    atomic_write(path, html.encode("utf-8"))
    return path
