"""One report on a worker: execute its notebook on the warm kernel, export the HTML, print the PDF,
write the files.

Imported only where reports are rendered (batch workers; the main process when it renders itself): the
notebook stack it loads (nbformat, nbclient, nbconvert, papermill) takes seconds to import, which the
main process of a batch does not spend.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import time
from pathlib import Path

import nbformat
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets.config import Config

from csi._display import unstyled
from csi.batch._cache import load_cell
from csi.batch._jobs import (
    HTML_LANG,
    NOTEBOOK,
    OVERVIEW,
    SUMMARY_MIME,
    TEMPLATES,
    WORKBOOK_MIME,
    Job,
    Rendered,
    ReportOutcome,
    atomic_write,
    first_line,
    notebook_parameters,
    overview_parameters,
    report_file,
)
from csi.batch._notebook import CELL_TIMEOUT, prestart_kernel, run_notebook, shutdown_kernels
from csi.exceptions import CSIError


def render(job: Job) -> Rendered:
    """Execute the notebook of one enterprise (or the study overview) and write its reports into ``job.out_dir``;
    without one, return their contents for the main process to write. Any failure becomes an outcome."""
    if job.overview:
        return _execute_notebook(job, OVERVIEW, overview_parameters(job.study_path, job.language, job.analysis_path))
    parameters = notebook_parameters(job.study_path, job.enterprise_id, job.language, job.analysis_path,
                                     workbook="xlsx" in job.formats)
    return _execute_notebook(job, NOTEBOOK, parameters)


def _execute_notebook(job: Job, notebook_path: Path, parameters: dict) -> Rendered:
    """Run a report notebook and make its files; a failure (never raised) becomes a failed outcome.

    The notebook reads the run's study analysis only after checking it was signed with the run's key
    (:mod:`csi.batch._cache`): the key goes in a hidden cell, never in the notebook's parameters or output.
    """
    start = time.perf_counter()
    try:
        hidden = load_cell(job.analysis_key) if job.analysis_path else ""
        notebook = run_notebook(notebook_path, parameters, hidden=hidden)
        summary = _summary(notebook)
        contents = _reports(job, notebook, summary,
                            _workbook(notebook) if "xlsx" in job.formats and not job.overview else None)
        files = tuple(contents)
        if job.out_dir:  # a folder this process sees: written here; else the files go back to the main process
            for name, data in contents.items():
                atomic_write(Path(job.out_dir) / name, data)
            contents = {}
    except CellExecutionError as exc:
        error = f"{exc.ename}: {first_line(exc.evalue)}"
    except DeadKernelError:
        error = "DeadKernelError: the notebook's kernel died while rendering (killed, or out of memory)"
    except CellTimeoutError:
        error = f"CellTimeoutError: a cell ran longer than {CELL_TIMEOUT} s; the kernel was stopped"
    except Exception as exc:  # noqa: BLE001 - a report failure never stops the batch; it is recorded
        error = f"{type(exc).__name__}: {first_line(str(exc))}"
    else:
        return ReportOutcome(job.enterprise_id, job.language, "ok", files, time.perf_counter() - start, None, summary,
                             job.key), contents
    return ReportOutcome(job.enterprise_id, job.language, "failed", (), time.perf_counter() - start, error, None,
                         job.key), {}


def warm_up(pdf_engine: str) -> None:
    """Start this process's kernel (report modules imported) and, for Chromium, its browser."""
    with contextlib.suppress(Exception):
        prestart_kernel(NOTEBOOK.parent, "from csi import report\nimport csi.batch._cache")
        if pdf_engine == "chromium":
            from csi.report._chromium import browser

            browser()


def shutdown() -> None:
    """Stop this process's warm kernel and PDF browser."""
    shutdown_kernels()
    from csi.report._chromium import close_browser

    close_browser()


def _reports(job: Job, notebook: nbformat.NotebookNode, summary: dict, workbook: bytes | None) -> dict[str, bytes]:
    """The report's files by name, one per format (the overview has no workbook: the study's is written by the
    main process)."""
    title = f"{summary.get('enterprise', job.enterprise_id)} · {summary.get('title', '')}"
    html = export_html(notebook, job.language, title)
    files = {}
    if "html" in job.formats:
        files[report_file(job.enterprise_id, job.language, "html")] = html.encode("utf-8")
    if "pdf" in job.formats:
        from csi.report._pdf import html_to_pdf

        files[report_file(job.enterprise_id, job.language, "pdf")] = html_to_pdf(html, lang=job.language,
                                                                                 engine=job.pdf_engine)
    if "docx" in job.formats:
        from csi.report._docx import html_to_docx

        files[report_file(job.enterprise_id, job.language, "docx")] = html_to_docx(html, lang=job.language)
    if workbook is not None:
        files[report_file(job.enterprise_id, job.language, "xlsx")] = workbook
    return files


def export_html(notebook: nbformat.NotebookNode, lang: str, title: str) -> str:
    """Self-contained HTML without code cells, with the page language set (zh-CN / en).

    Report sections carry the report's stylesheet for JupyterLab (``csi.report.Html._repr_html_``); it is taken
    off each output here, as the report template includes it once for the page.
    """
    notebook.metadata["title"] = title
    for cell in notebook.cells:
        for output in cell.get("outputs", ()):
            html = output.get("data", {}).get("text/html")
            if html is not None:
                output["data"]["text/html"] = unstyled(html if isinstance(html, str) else "".join(html))
    body, _resources = _exporter(lang).from_notebook_node(notebook)
    return body


class ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter without its closing BeautifulSoup pass.

    That pass parses the finished page again only to give ``<img>`` tags without alt text a placeholder
    and code cells a ``tabindex``. Report charts carry their own alt text and a report shows no code, and
    the pass took 0.09 s of a 0.1 s export.
    """

    def from_notebook_node(self, nb, resources=None, **kw):
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(pygments_lexer="ipython3", parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata,
                                                                       parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


@functools.cache
def _exporter(lang: str) -> HTMLExporter:
    """One exporter per language and process: building one compiles its templates (~0.1 s)."""
    config = Config()
    config.HTMLExporter.exclude_input = True
    config.HTMLExporter.exclude_input_prompt = True
    config.HTMLExporter.exclude_output_prompt = True
    config.HTMLExporter.optimistic_validation = True  # validate once, not after each of its preprocessors
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    exporter = ReportExporter(config=config, template_name="report", extra_template_basedirs=[str(TEMPLATES)])
    exporter.language_code = HTML_LANG[lang]
    return exporter


def _workbook(notebook: nbformat.NotebookNode) -> bytes:
    """The enterprise workbook the notebook's hidden last cell published (``record(content, workbook=True)``)."""
    for cell in notebook.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {}).get(WORKBOOK_MIME)
                if data:
                    return base64.b64decode(data)
    raise CSIError(f"{NOTEBOOK}: the notebook published no workbook; its last cell must be "
                   "`report.record(content, workbook=workbook)` tagged remove-cell.")


def _summary(notebook: nbformat.NotebookNode) -> dict:
    """The headline numbers the notebook's hidden last cell published as JSON."""
    for cell in notebook.cells:
        if "remove-cell" in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                if SUMMARY_MIME in data:  # plain JSON types: nbformat's nodes would make the main process import it
                    return json.loads(json.dumps(data[SUMMARY_MIME]))
    raise CSIError(f"{NOTEBOOK}: the notebook published no summary; its last cell must be "
                   "`report.record(content)` tagged remove-cell.")
