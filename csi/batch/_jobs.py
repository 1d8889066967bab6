"""What a batch hands a worker and gets back: the job, its outcome, the notebooks' parameters and the
project files they live in; shared by the batch's main process (:mod:`csi.batch._run`) and its workers
(:mod:`csi.batch._render`)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
NOTEBOOK = PROJECT / "notebooks" / "enterprise_report.ipynb"
OVERVIEW = PROJECT / "notebooks" / "study_overview.ipynb"
TEMPLATES = PROJECT / "templates"
DEMO_STUDY = PROJECT / "data" / "demo" / "study.toml"
SUMMARY_MIME = "application/json"
WORKBOOK_MIME = "application/vnd.csi.workbook+base64"  # csi.report.WORKBOOK_MIME (not imported: workers only)
HTML_LANG = {"zh": "zh-CN", "en": "en"}

@dataclass(frozen=True)
class Job:
    """One report to render: an enterprise in a language, with everything a worker needs."""

    study_path: str
    analysis_path: str
    enterprise_id: str
    language: str
    formats: tuple[str, ...]
    out_dir: str  # where the worker writes the reports; "" sends their contents back to the main process
    key: str  # hash of inputs, parameters and code: a rerun skips a job whose key is unchanged
    pdf_engine: str = "weasyprint"
    overview: bool = False  # the study overview (enterprise_id is then "overview")
    analysis_key: str = field(default="", repr=False)  # this run's secret: analysis_path is signed with it


@dataclass(frozen=True)
class ReportOutcome:
    """What happened to one enterprise's report in one language."""

    enterprise_id: str
    language: str
    status: str                      # "ok" | "failed"
    files: tuple[str, ...]           # written reports, relative to the output folder: report_file()
    seconds: float                   # time to render; a skipped report keeps the time of the run that rendered it
    error: str | None = None         # the cause, for failures
    summary: dict | None = None      # headline numbers for the index page
    key: str = ""
    skipped: bool = False            # unchanged since the last run: not redone

    @property
    def path(self) -> str | None:
        return self.files[0] if self.files else None


#: A report's outcome and, when the worker does not write the folder itself, its files' contents by name.
Rendered = tuple[ReportOutcome, dict[str, bytes]]


def report_file(enterprise_id: str, lang: str, fmt: str) -> str:
    """A report's file name, ``W03.zh.html``: the same whatever other languages a run renders."""
    return f"{enterprise_id}.{lang}.{fmt}"


def report_files(enterprise_id: str, lang: str, formats: tuple[str, ...]) -> set[str]:
    """The files a job writes: one per format; the overview has no workbook (the study's is ``study.xlsx``)."""
    return {report_file(enterprise_id, lang, fmt) for fmt in formats
            if not (enterprise_id == "overview" and fmt == "xlsx")}


#: The study workbook ``--format xlsx`` writes beside the reports (:meth:`csi.StudyAnalysis.to_excel`).
STUDY_WORKBOOK = "study.xlsx"


def overview_parameters(study_path: str | Path, lang: str, analysis_path: str = "") -> dict:
    """What ``csi run`` passes to the overview notebook's ``parameters`` cell (a test checks they match)."""
    return {"study_path": str(study_path), "language": lang, "analysis_path": str(analysis_path)}


def notebook_parameters(study_path: str | Path, enterprise_id: str, lang: str, analysis_path: str = "",
                        workbook: bool = False) -> dict:
    """What ``csi run`` passes to the notebook's ``parameters`` cell (a test checks they match); ``workbook``:
    publish the enterprise's Excel workbook too (``--format xlsx``)."""
    return {"study_path": str(study_path), "enterprise_id": enterprise_id, "language": lang,
            "analysis_path": str(analysis_path), "workbook": workbook}


_UMASK = os.umask(0o022)
os.umask(_UMASK)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, then rename."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; reports are for sharing, as any new file would be
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def first_line(text: str) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""
