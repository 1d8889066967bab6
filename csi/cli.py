"""Command line: ``csi validate STUDY``, ``csi run STUDY --out DIR``, ``csi demo``.

Thin: parses arguments, prints progress, maps errors to exit codes. The work is in csi.run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .exceptions import CSIError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="csi", description="Customer-satisfaction-index studies.")
    commands = parser.add_subparsers(dest="command", required=True)
    validate = commands.add_parser("validate", help="check a study file and its data without rendering")
    validate.add_argument("study", type=Path)
    run = commands.add_parser("run", help="render every enterprise's report of a study")
    run.add_argument("study", type=Path)
    run.add_argument("--out", type=Path, help="output folder (default: the study's [outputs].dir)")
    run.add_argument("--only", help="comma-separated enterprise ids")
    run.add_argument("--lang", help="comma-separated report languages (zh, en)")
    demo = commands.add_parser("demo", help="run the bundled demo study into reports/demo")
    demo.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "validate":
            return _validate(args.study)
        if args.command == "demo":
            from .run import DEMO_STUDY
            return _run(DEMO_STUDY, args.out, None, None)
        return _run(args.study, args.out, _split(args.only), _split(args.lang))
    except CSIError as exc:
        print(f"csi: error: {exc}", file=sys.stderr)
        return 2


def _split(text: str | None) -> list[str] | None:
    return [part.strip() for part in text.split(",") if part.strip()] if text else None


def _validate(path: Path) -> int:
    from .report.content import load_responses
    from .study import load_study

    study = load_study(path)
    screening = load_responses(study)
    ledger = screening.ledger
    print(f"{study.path}: ok — {len(study.enterprises)} enterprises, {int(ledger['read'].sum())} respondents read, "
          f"{int(ledger['analysed'].sum())} analysed, {int(ledger['excluded'].sum())} excluded.")
    return 0


def _run(study: Path, out: Path | None, only: list[str] | None, langs: list[str] | None) -> int:
    from .run import run_study

    def progress(outcome, done, total):
        mark = "ok" if outcome.status == "ok" else f"FAILED ({outcome.error})"
        print(f"[{done}/{total}] {outcome.enterprise_id} {outcome.language}: {mark} in {outcome.seconds:.1f} s",
              flush=True)

    result = run_study(study, out, only=only, languages=langs, progress=progress)
    ok = len(result.outcomes) - len(result.failed)
    print(f"csi: {ok} report(s) written, {len(result.failed)} failed; open {result.index}")
    for outcome in result.failed:
        print(f"csi: failed: {outcome.enterprise_id} ({outcome.language}): {outcome.error}", file=sys.stderr)
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
