"""The output folder of a batch: one writer at a time, and a manifest and index page that are true after
every report.

A run takes the folder's lock first (a second run into the same folder stops with a message naming the
first). It starts from the last manifest: entries of enterprises this run does not render (``--only``) are
kept as they were, and each report this run finishes replaces its entry, written at once to
``manifest.json`` and ``index.html``. An interrupted run therefore leaves a manifest that lists exactly the
reports on disk, and the next run redoes only what is missing or changed.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from dataclasses import asdict, replace
from pathlib import Path
from typing import Self

import jinja2

from csi._version import __version__
from csi.batch._jobs import HTML_LANG, STUDY_WORKBOOK, TEMPLATES, ReportOutcome, atomic_write
from csi.exceptions import ReportError
from csi.io._study import LANGUAGES, Study

Key = tuple[str, str]  # (enterprise id or "overview", language)


class OutputFolder:
    """The folder's lock, its manifest and its index page (use as a context manager: the lock)."""

    def __init__(self, study: Study, out: Path, inputs: str, lang: str):
        self.study, self.out, self.inputs, self.lang = study, out, inputs, lang
        self.cache = out / ".csi"
        self._lock = None
        self.reports: dict[Key, ReportOutcome] = {}
        self.overview: dict[Key, ReportOutcome] = {}

    # ------------------------------------------------------------------ one writer
    def __enter__(self) -> Self:
        path = self.cache / "lock"
        handle = open(path, "a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise ReportError(f"{self.out}: another csi run is writing reports there ({holder}); wait until it "
                              "ends, or give this run another output folder (--out).") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, started {dt.datetime.now().isoformat(timespec='seconds')}")
        handle.flush()
        self._lock = handle
        return self

    def __exit__(self, *exc) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the lock (the file stays: removing it would race a second run)
            self._lock = None

    # ------------------------------------------------------------------ what the last run left
    def load_previous(self) -> None:
        """The last manifest's entries, for enterprises the study still has; an entry whose report files are
        gone is dropped (it would contradict the folder). No usable manifest: nothing (everything is redone)."""
        try:
            manifest = json.loads((self.out / "manifest.json").read_text(encoding="utf-8"))
            fields = ReportOutcome.__dataclass_fields__
            parts = [[ReportOutcome(**{k: v for k, v in r.items() if k in fields}) for r in manifest.get(part, [])]
                     for part in ("reports", "overview")]
        except (OSError, ValueError, KeyError, TypeError):
            return
        known = {e.id for e in self.study.enterprises}
        for table, outcomes, ids in ((self.reports, parts[0], known), (self.overview, parts[1], {"overview"})):
            for o in outcomes:
                files = tuple(o.files)
                if o.enterprise_id in ids and o.language in LANGUAGES and all((self.out / f).is_file() for f in files):
                    table[(o.enterprise_id, o.language)] = replace(o, files=files, skipped=False)

    def previous(self, key: Key) -> ReportOutcome | None:
        return (self.overview if key[0] == "overview" else self.reports).get(key)

    # ------------------------------------------------------------------ after every report
    def record(self, outcome: ReportOutcome, contents: dict[str, bytes], *, overview: bool = False) -> None:
        """Write a report's files a worker sent back (``contents``: name → bytes; empty when the worker wrote them),
        enter its outcome, and write the manifest and the index page at once."""
        if any(Path(name).name != name or name.startswith(".") for name in contents):  # never outside the folder
            raise ReportError(f"{self.out}: a worker sent report files with unexpected names: {sorted(contents)}")
        try:
            for name, data in contents.items():
                atomic_write(self.out / name, data)
        except OSError as exc:
            raise unwritable(self.out, exc, self.study) from None
        (self.overview if overview else self.reports)[(outcome.enterprise_id, outcome.language)] = outcome
        self.write()

    def write(self) -> None:
        try:
            self._write_manifest()
            self._write_index()
        except OSError as exc:  # a full disk, a folder made read-only meanwhile
            raise unwritable(self.out, exc, self.study) from None

    def ordered(self, table: dict[Key, ReportOutcome]) -> list[ReportOutcome]:
        rank = {e.id: k for k, e in enumerate(self.study.enterprises)}
        return sorted(table.values(), key=lambda o: (rank.get(o.enterprise_id, -1), LANGUAGES.index(o.language)))

    def _write_manifest(self) -> None:
        outcomes = self.ordered(self.reports)
        failures = [{"enterprise_id": o.enterprise_id, "language": o.language, "error": o.error}
                    for o in outcomes if o.status != "ok"]
        manifest = {
            "study": str(self.study.path), "study_id": self.study.id, "csi_version": __version__,
            "inputs_hash": self.inputs, "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "reports": [asdict(o) for o in outcomes], "failed": len(failures), "failures": failures,
            "overview": [asdict(o) for o in self.ordered(self.overview)],
            "study_workbook": STUDY_WORKBOOK if (self.out / STUDY_WORKBOOK).is_file() else None,
        }
        atomic_write(self.out / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8"))

    def _write_index(self) -> None:
        from csi.report import number, t  # the index page shares the report's strings

        lang, study = self.lang, self.study
        outcomes, overview = self.ordered(self.reports), self.ordered(self.overview)
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
        html = _templates().get_template("index.html.j2").render(
            lang=HTML_LANG[lang], title=study.title.get(lang, study.id), heading=t("index_page_title", lang),
            rows=rows, labels={k: t(k, lang) for k in ("enterprise", "industry", "index_label", "respondents",
                                                        "failed", "overview_link")},
            overview=[(f"{o.language} {Path(f).suffix[1:]}", f) for o in overview for f in o.files]
            + ([("xlsx", STUDY_WORKBOOK)] if (self.out / STUDY_WORKBOOK).is_file() else []),
            overview_errors=[f"{o.language}: {o.error}" for o in overview if o.status != "ok"],
            generated=f"{t('generated', lang)}: {dt.date.today().isoformat()}")
        atomic_write(self.out / "index.html", html.encode("utf-8"))


_ENVIRONMENT: jinja2.Environment | None = None


def _templates() -> jinja2.Environment:
    global _ENVIRONMENT
    if _ENVIRONMENT is None:
        _ENVIRONMENT = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True)
    return _ENVIRONMENT


def unwritable(out: Path, exc: OSError, study: Study) -> ReportError:
    """An output folder that cannot be written, as one line naming it (and the file), the reason and the fix."""
    other = f"give another output folder (--out, or [outputs] dir in {study.path.name})"
    file = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if file is not None:
        where = "it is" if file == out else f"{file} is"
        return ReportError(f"{out}: the reports cannot be written there: {where} a file, not a folder; {other}.")
    name = f" ({exc.filename})" if exc.filename and Path(exc.filename) != out else ""
    return ReportError(f"{out}: the reports cannot be written there: {exc.strerror or exc}{name}; check the free "
                       f"space and the permissions there, or {other}.")
