"""HTML → PDF for one enterprise report: csi's two engines vs plain WeasyPrint, same HTML, same run.

Run: python benchmarks/bench_pdf.py [--enterprise W01] [--lang zh] [--repeat 3] [--html report.html]
The report HTML is rendered once (``csi run``, not timed) unless --html names one. The peer is WeasyPrint
on the unprepared HTML (no contents page, no footer). csi's Chromium engine keeps one browser per process;
its first PDF (browser start) is not counted, as in a batch.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import weasyprint
from _common import best_of

from csi.batch import _run as runner
from csi.report._chromium import close_browser
from csi.report._pdf import html_to_pdf

ROOT = Path(__file__).resolve().parents[1]


def report_html(study: Path, enterprise: str, lang: str) -> str:
    with tempfile.TemporaryDirectory(prefix="bench-pdf-") as tmp:
        result = runner.run_study(study, tmp, only=[enterprise], languages=[lang], formats=["html"])
        outcome = result.outcomes[0]
        if outcome.status != "ok":
            raise SystemExit(f"rendering {enterprise} ({lang}) failed: {outcome.error}")
        return (Path(tmp) / outcome.path).read_text(encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=ROOT / "data" / "demo" / "study.toml")
    parser.add_argument("--enterprise", default="W01")
    parser.add_argument("--lang", default="zh", choices=["zh", "en"])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--html", type=Path, help="an already rendered report (skips the notebook run)")
    args = parser.parse_args()
    html = args.html.read_text(encoding="utf-8") if args.html else report_html(args.study, args.enterprise, args.lang)
    ours, pdf = best_of(lambda: html_to_pdf(html, lang=args.lang), args.repeat)
    html_to_pdf(html, lang=args.lang, engine="chromium")  # starts this process's browser
    fast, fast_pdf = best_of(lambda: html_to_pdf(html, lang=args.lang, engine="chromium"), args.repeat)
    close_browser()
    peer, plain = best_of(lambda: weasyprint.HTML(string=html).write_pdf(), args.repeat)
    print(f"HTML → PDF, {args.enterprise} ({args.lang}), {len(html) / 1024:.0f} KiB HTML, best of {args.repeat}")
    print(f"  csi, WeasyPrint engine  {ours:7.2f} s   {len(pdf) / 1024:6.0f} KiB PDF")
    print(f"  csi, Chromium engine    {fast:7.2f} s   {len(fast_pdf) / 1024:6.0f} KiB PDF")
    print(f"  WeasyPrint (plain)      {peer:7.2f} s   {len(plain) / 1024:6.0f} KiB PDF")
    print(f"  ratio plain WeasyPrint / csi: WeasyPrint engine {peer / ours:5.2f}x, Chromium engine {peer / fast:5.2f}x")


if __name__ == "__main__":
    main()
