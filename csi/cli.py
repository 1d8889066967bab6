"""Command line: ``csi init DATAFILE``, ``csi validate STUDY``, ``csi run STUDY --out DIR``, ``csi demo``.

Thin: parses arguments, draws the progress bar, maps errors to exit codes (2 for a study or data error, or a file
or folder the system refuses — one line naming it, never a traceback; 1 when any report failed; 130 when
interrupted). The work is in csi.run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from csi.exceptions import CSIError
from csi.io._study import PDF_ENGINES


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.study)
        if args.command == "init":
            return _init(args)
        if args.command == "demo":
            from csi.batch._jobs import DEMO_STUDY
            args.study, args.only, args.lang, args.format, args.scheduler = DEMO_STUDY, None, None, None, None
            args.shared_folder = False
        return _run(args)
    except CSIError as exc:
        print(f"csi: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # the file system refused something csi did not check first: one line, not a traceback
        print(f"csi: error: {os_error_text(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("csi: interrupted", file=sys.stderr)
        return 130


def os_error_text(exc: OSError) -> str:
    """'<path>: <reason>' (both paths of a rename), on one line."""
    reason = exc.strerror or str(exc) or type(exc).__name__
    names = f"{exc.filename} -> {exc.filename2}" if exc.filename2 is not None else str(exc.filename)
    text = reason if exc.filename is None else f"{names}: {reason}"
    return text.replace("\r", " ").replace("\n", " ")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="csi", description="Customer-satisfaction-index studies.")
    commands = parser.add_subparsers(dest="command", required=True)
    init = commands.add_parser("init", help="propose a study (study.toml, questionnaire.toml, enterprises.csv) from "
                               "a survey file")
    init.add_argument("datafile", type=Path, help="the survey file: CSV, XLSX, SPSS .sav or Parquet")
    init.add_argument("--out", type=Path, help="folder to write to (default: the survey file's folder)")
    init.add_argument("--force", action="store_true", help="overwrite existing study files")
    validate = commands.add_parser("validate", help="check a study file and its data without rendering")
    validate.add_argument("study", type=Path)
    run = commands.add_parser("run", help="render every enterprise's report of a study")
    run.add_argument("study", type=Path)
    run.add_argument("--only", help="comma-separated enterprise ids")
    run.add_argument("--lang", help="comma-separated report languages (zh, en)")
    run.add_argument("--format", help="comma-separated formats (html, pdf, docx, xlsx)")
    run.add_argument("--scheduler", help="address of an existing dask scheduler, e.g. tcp://10.0.0.5:8786; its "
                                         "workers need csi, not the study or output folders (docs/cluster.md)")
    run.add_argument("--shared-folder", action="store_true",
                     help="with --scheduler: the workers see the output folder at the same path, and write the "
                          "reports there themselves")
    demo = commands.add_parser("demo", help="run the bundled demo study into reports/demo")
    for sub in (run, demo):
        sub.add_argument("--out", type=Path, help="output folder (default: the study's [outputs].dir)")
        sub.add_argument("--workers", type=int, default=2, help="parallel workers (default 2; 1 = in-process)")
        sub.add_argument("--force", action="store_true", help="redo every report, even unchanged ones")
        sub.add_argument("--pdf-engine", choices=PDF_ENGINES,
                         help="PDF engine (default: the study's [outputs].pdf_engine, else weasyprint); "
                              "chromium is several times faster for large batches")
        sub.add_argument("--verbose", action="store_true", help="show dask.distributed's log lines and warnings")
    return parser


def _split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _init(args: argparse.Namespace) -> int:
    import os
    import textwrap

    from csi.io import init_study

    starter = init_study(args.datafile, out_dir=args.out, force=args.force)
    print(f"csi: wrote {', '.join(p.name for p in starter.files)} in {os.path.relpath(starter.folder)}")
    print("Found:")
    for line in starter.found:
        print(textwrap.fill(line, 100, initial_indent="  ", subsequent_indent="    "))
    print("Left to decide:")
    for k, line in enumerate(starter.todo, 1):
        print(textwrap.fill(line, 100, initial_indent=f"  {k:>2}. ", subsequent_indent="      "))
    print(f"Then: csi validate {os.path.relpath(starter.study)}")
    return 0


def _validate(path: Path) -> int:
    """Every error and warning `csi run` would meet before rendering (errors first), then the ledger and the
    exclusions by reason; exit 2 on any error. A study file that does not load fails as any command does."""
    from csi.analysis import check_study
    from csi.io import load_study

    check = check_study(load_study(path))
    for kind, messages in (("error", check.errors), ("warning", check.warnings)):
        for message in messages:
            print(f"{kind}: {message}")
    print(check.summary().headline)
    return 2 if check.errors else 0


class _Progress(logging.Handler):
    """What ``csi run`` shows while it works, on stderr: each step of the analysis as a line, then the reports.
    On a terminal the reports are a bar whose rate and ETA count reports only (it starts when they do); in a log
    (CI, nohup, a pipe) each report is one line."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.terminal = sys.stderr.isatty()
        self.bar = None
        self.failed = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.say(f"csi: {record.getMessage()}")
        if getattr(record, "phase", None) == "reports" and self.terminal:
            from tqdm import tqdm

            self.bar = tqdm(total=record.total, initial=record.done, unit="report", dynamic_ncols=True, file=sys.stderr)

    def say(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=sys.stderr)
        else:
            print(line, file=sys.stderr, flush=True)

    def report(self, outcome, done: int, total: int) -> None:
        self.failed += outcome.status != "ok"
        what = f"{outcome.enterprise_id} ({outcome.language})"
        if outcome.status != "ok":
            self.say(f"csi: failed: {what}: {outcome.error}")
        elif self.bar is None:
            self.say(f"csi: [{done}/{total}] {what} ok, {outcome.seconds:.1f} s")
        if self.bar is not None:
            self.bar.n = done
            self.bar.set_postfix_str(f"failed {self.failed}", refresh=False)
            self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        super().close()


def _run(args: argparse.Namespace) -> int:
    from csi.batch import run_study

    shown = _Progress()
    loggers = [logging.getLogger(name) for name in ("csi.analysis", "csi.batch")]
    for logger in loggers:
        logger.addHandler(shown)
        logger.setLevel(logging.INFO)
    try:
        result = run_study(args.study, args.out, only=_split(args.only), languages=_split(args.lang),
                           formats=_split(args.format), workers=args.workers, scheduler=args.scheduler,
                           force=args.force, pdf_engine=args.pdf_engine, progress=shown.report, verbose=args.verbose,
                           shared_folder=args.shared_folder)
    finally:
        for logger in loggers:
            logger.removeHandler(shown)
        shown.close()
    for outcome in result.overview:
        if outcome.status != "ok":
            print(f"csi: failed: the study overview ({outcome.language}): {outcome.error}", file=sys.stderr)
    skipped = sum(o.skipped for o in result.outcomes)
    ok = len(result.outcomes) - len(result.failed)
    print(f"csi: {ok} report(s) ready ({skipped} unchanged, skipped), {len(result.failed)} failed; "
          f"open {result.index}")
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
