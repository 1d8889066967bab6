"""Batch execution: one papermill run of the report notebook per enterprise, then HTML, then an index page.

A failing enterprise is recorded (cause and message) in ``manifest.json`` and on the index page and
never stops the others. Outputs are written atomically (temporary file, then rename), so no
half-written report is ever left where a user would open it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path

import jinja2
import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter
from traitlets import Unicode
from traitlets.config import Config

from ._validation import check_id
from .exceptions import CSIError, StudyError
from .study import LANGUAGES, Study, load_study

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOK = PROJECT / "notebooks" / "enterprise_report.ipynb"
TEMPLATES = PROJECT / "templates"
DEMO_STUDY = PROJECT / "data" / "demo" / "study.toml"
SUMMARY_MIME = "application/json"
HTML_LANG = {"zh": "zh-CN", "en": "en"}


class IPCKernelManager(AsyncKernelManager):
    """Kernels talk over local IPC sockets, not TCP ports: parallel kernels cannot collide on a port."""

    transport = Unicode("ipc")


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one enterprise's report in one language."""

    enterprise_id: str
    language: str
    status: str              # "ok" | "failed"
    path: str | None         # the report, relative to the output folder
    seconds: float
    error: str | None = None  # the cause, for failures
    summary: dict | None = None  # headline numbers for the index page


@dataclass(frozen=True)
class RunResult:
    """The outcome of a batch run: one entry per enterprise and language, plus the files written."""

    out_dir: Path
    outcomes: tuple[ReportOutcome, ...]
    manifest: Path
    index: Path

    @property
    def failed(self) -> tuple[ReportOutcome, ...]:
        return tuple(o for o in self.outcomes if o.status != "ok")


def run_study(study: str | Path, out_dir: str | Path | None = None, *, only: Iterable[str] | None = None,
              languages: Iterable[str] | None = None,
              progress: Callable[[ReportOutcome, int, int], None] | None = None) -> RunResult:
    """Render every enterprise's report of a study (or those in ``only``) and an index page.

    Parameters
    ----------
    study : path to study.toml.
    out_dir : output folder (default: the study's ``[outputs].dir``).
    only : enterprise ids to render (default: all).
    languages : report languages (default: the study's ``[outputs].languages``).
    progress : called after each report with (outcome, done, total); the CLI prints from it.
    """
    spec = load_study(study)
    out = Path(out_dir).resolve() if out_dir else spec.outputs.dir
    langs = _languages(spec, languages)
    targets = _enterprises(spec, only)
    out.mkdir(parents=True, exist_ok=True)
    outcomes = []
    total = len(targets) * len(langs)
    for enterprise_id in targets:
        for lang in langs:
            outcome = render_enterprise(spec, enterprise_id, lang, out, primary=lang == langs[0])
            outcomes.append(outcome)
            if progress:
                progress(outcome, len(outcomes), total)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    manifest = _write_manifest(spec, out, outcomes, started)
    index = _write_index(spec, out, outcomes, langs[0])
    return RunResult(out, tuple(outcomes), manifest, index)


def render_enterprise(study: Study, enterprise_id: str, lang: str, out: Path, primary: bool = True) -> ReportOutcome:
    """Execute the notebook for one enterprise and write its HTML report; failures become an outcome."""
    start = time.perf_counter()
    name = f"{enterprise_id}.html" if primary else f"{enterprise_id}.{lang}.html"
    try:
        with tempfile.TemporaryDirectory(prefix="csi-") as tmp:
            executed = Path(tmp) / f"{enterprise_id}.ipynb"
            papermill.execute_notebook(
                str(NOTEBOOK), str(executed), kernel_name="python3", progress_bar=False, log_output=False,
                kernel_manager_class=IPCKernelManager,
                cwd=str(NOTEBOOK.parent), parameters=notebook_parameters(study, enterprise_id, lang))
            notebook = nbformat.read(executed, as_version=4)
        summary = _summary(notebook)
        title = f"{summary.get('enterprise', enterprise_id)} · {summary.get('title', '')}"
        atomic_write(out / name, export_html(notebook, lang, title))
    except papermill.PapermillExecutionError as exc:
        return ReportOutcome(enterprise_id, lang, "failed", None, time.perf_counter() - start,
                             f"{exc.ename}: {_first_line(exc.evalue)}")
    except Exception as exc:  # noqa: BLE001 - a report failure never stops the batch; it is recorded
        return ReportOutcome(enterprise_id, lang, "failed", None, time.perf_counter() - start,
                             f"{type(exc).__name__}: {_first_line(str(exc))}")
    return ReportOutcome(enterprise_id, lang, "ok", name, time.perf_counter() - start, None, summary)


def notebook_parameters(study: Study, enterprise_id: str, lang: str) -> dict[str, str]:
    """What ``csi run`` passes to the notebook's ``parameters`` cell (a test checks they match)."""
    return {"study_path": str(study.path), "enterprise_id": enterprise_id, "language": lang}


def export_html(notebook: nbformat.NotebookNode, lang: str, title: str) -> str:
    """Self-contained HTML without code cells, with the page language set (zh-CN / en)."""
    config = Config()
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    exporter = HTMLExporter(config=config, template_name="report", extra_template_basedirs=[str(TEMPLATES)])
    exporter.language_code = HTML_LANG[lang]
    notebook.metadata["title"] = title
    body, _resources = exporter.from_notebook_node(notebook)
    return body


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder, then rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _languages(study: Study, languages: Iterable[str] | None) -> list[str]:
    langs = list(languages) if languages else list(study.outputs.languages)
    for lang in langs:
        if lang not in LANGUAGES:
            raise StudyError(f"--lang {lang!r}: not one of {', '.join(LANGUAGES)}.")
    return langs


def _enterprises(study: Study, only: Iterable[str] | None) -> list[str]:
    if not only:
        return [e.id for e in study.enterprises]
    ids = [check_id(x, "--only", StudyError) for x in only]
    for enterprise_id in ids:
        study.enterprise(enterprise_id)  # raises, naming the known ids, when unknown
    return ids


def _summary(notebook: nbformat.NotebookNode) -> dict:
    """The headline numbers the notebook's hidden last cell published as JSON."""
    for cell in notebook.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if SUMMARY_MIME in data:
                    return dict(data[SUMMARY_MIME])
    raise CSIError(f"{NOTEBOOK}: the notebook published no summary; its last cell must be "
                   "`report.record(content)` tagged remove-cell.")


def _first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def _version() -> str:
    try:
        return metadata.version("csi")
    except metadata.PackageNotFoundError:
        return "unknown"


def _write_manifest(study: Study, out: Path, outcomes: list[ReportOutcome], started: str) -> Path:
    manifest = {
        "study": str(study.path), "study_id": study.id, "csi_version": _version(), "finished": started,
        "reports": [asdict(o) for o in outcomes],
        "failed": sum(o.status != "ok" for o in outcomes),
    }
    path = out / "manifest.json"
    atomic_write(path, json.dumps(manifest, ensure_ascii=False, indent=2))
    return path


def _write_index(study: Study, out: Path, outcomes: list[ReportOutcome], lang: str) -> Path:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    from .report.i18n import number, t  # the index page shares the report's strings

    rows = []
    for enterprise in study.enterprises:
        mine = [o for o in outcomes if o.enterprise_id == enterprise.id]
        if not mine:
            continue
        first = mine[0]
        rows.append({"id": enterprise.id, "name": enterprise.label(lang),
                     "industry": study.industry_label(enterprise.industry, lang),
                     "reports": [(o.language, o.path) for o in mine if o.status == "ok"],
                     "index": number((first.summary or {}).get("index"), lang),
                     "n": (first.summary or {}).get("n", ""),
                     "errors": [f"{o.language}: {o.error}" for o in mine if o.status != "ok"]})
    html = env.get_template("index.html.j2").render(
        lang=HTML_LANG[lang], title=study.title.get(lang, study.id), heading=t("index_page_title", lang),
        rows=rows, labels={k: t(k, lang) for k in ("enterprise", "industry", "index_label", "respondents", "failed")},
        generated=f"{t('generated', lang)}: {dt.date.today().isoformat()}")
    path = out / "index.html"
    atomic_write(path, html)
    return path
