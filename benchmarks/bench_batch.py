"""Batch reports: 100 enterprises, HTML + PDF, timed; per-report breakdown; papermill CLI peer.

Run: python benchmarks/bench_batch.py [--enterprises 100] [--workers 2] [--peer 4] [--pdf-engine both]
     python benchmarks/bench_batch.py --editable [--repeat 3]   (what --format docx,xlsx adds)

The study is the demo study enlarged to ``--enterprises`` enterprises (each a copy of a demo enterprise's
respondents under a new id, in a temporary folder). Printed:
- the whole ``csi run`` (study-level analysis once, reports on a dask LocalCluster, HTML + PDF), once per
  PDF engine (WeasyPrint, Chromium);
- one report's cost split into kernel start, notebook execution, HTML export and PDF;
- the peer: one ``papermill`` CLI call plus one ``jupyter nbconvert`` call per enterprise, serially
  (HTML only), per report, and the ratio to csi's per-report cost.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from csi.analysis import analyse_study
from csi.batch import _jobs as jobs
from csi.batch import _notebook, _render
from csi.batch import _run as run
from csi.io import load_study
from csi.report._pdf import html_to_pdf

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
BIN = Path(sys.executable).parent


def enlarged_study(folder: Path, n: int) -> Path:
    """The demo study with ``n`` enterprises: copies of demo enterprises' respondents under new ids."""
    for name in ("questionnaire.toml", "study.toml"):
        shutil.copy(DEMO / name, folder / name)
    enterprises = pd.read_csv(DEMO / "enterprises.csv", dtype=str)
    waves = {w: pd.read_csv(DEMO / f"responses_{w}.csv", dtype=str) for w in (2026, 2025, 2024)}
    rows, copies = [], {w: [] for w in waves}
    for k in range(n):
        base = enterprises.iloc[k % len(enterprises)]
        new_id = f"{base['enterprise_id']}x{k // len(enterprises)}"
        rows.append({**base.to_dict(), "enterprise_id": new_id})
        for w, frame in waves.items():
            own = frame[frame["enterprise_id"] == base["enterprise_id"]].copy()
            own["respondent_id"] = own["respondent_id"].str.replace(base["enterprise_id"], new_id, regex=False)
            own["enterprise_id"] = new_id
            copies[w].append(own)
    pd.DataFrame(rows).to_csv(folder / "enterprises.csv", index=False)
    for w, parts in copies.items():
        pd.concat(parts).to_csv(folder / f"responses_{w}.csv", index=False)
    return folder / "study.toml"


def breakdown(study_path: Path, folder: Path, engine: str) -> dict[str, float]:
    """One report's phases, on a warm kernel after a first report (what a batch worker sees)."""
    study = load_study(study_path)
    analysis = analyse_study(study).save(folder / "a.pkl")
    start = time.perf_counter()
    kernel = _notebook.WarmKernel(jobs.NOTEBOOK.parent)
    kernel._start()
    kernel.shutdown()
    kernel_start = time.perf_counter() - start
    params = jobs.notebook_parameters(study.path, study.enterprises[0].id, "zh", str(analysis))
    _render.export_html(_notebook.run_notebook(jobs.NOTEBOOK, params), "zh", "warm-up")  # imports, templates
    params = jobs.notebook_parameters(study.path, study.enterprises[1].id, "zh", str(analysis))
    t0 = time.perf_counter()
    notebook = _notebook.run_notebook(jobs.NOTEBOOK, params)
    t1 = time.perf_counter()
    html = _render.export_html(notebook, "zh", "benchmark")
    t2 = time.perf_counter()
    html_to_pdf(html, lang="zh", engine=engine)  # a first PDF: Chromium starts here
    t3 = time.perf_counter()
    html_to_pdf(html, lang="zh", engine=engine)
    t4 = time.perf_counter()
    run.shutdown_renderers()
    return {"kernel start (once per worker)": kernel_start, "execution": t1 - t0, "HTML": t2 - t1,
            f"PDF ({engine})": t4 - t3}


def peer(study_path: Path, folder: Path, count: int) -> float:
    """Seconds per report for one papermill CLI + one nbconvert CLI call per enterprise, serially."""
    study = load_study(study_path)
    analysis = analyse_study(study).save(folder / "peer.pkl")
    start = time.perf_counter()
    for enterprise in study.enterprises[:count]:
        out = folder / f"{enterprise.id}.ipynb"
        subprocess.run([str(BIN / "papermill"), str(jobs.NOTEBOOK), str(out), "--cwd", str(jobs.NOTEBOOK.parent),
                        "-p", "study_path", str(study.path), "-p", "enterprise_id", enterprise.id,
                        "-p", "language", "zh", "-p", "analysis_path", str(analysis)],
                       check=True, capture_output=True)
        subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(out)],
                       check=True, capture_output=True)
    return (time.perf_counter() - start) / count


def busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy since boot (all processes: main, workers, kernels, browsers),
    from /proc/stat; a run's difference is its CPU cost, which scatters far less than its wall time."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def editable(enterprises: int, workers: int, engines: tuple[str, ...], repeat: int) -> None:
    """What --format docx,xlsx adds to a batch of HTML + PDF, per PDF engine: ``repeat`` pairs of runs from
    scratch in one process, the order alternating (HTML + PDF first, then last), medians of wall and CPU."""
    plain, full = ("html", "pdf"), ("html", "pdf", "docx", "xlsx")
    with tempfile.TemporaryDirectory(prefix="csi-bench-") as tmp:
        folder = Path(tmp)
        study = enlarged_study(folder, enterprises)
        for engine in engines:
            wall, cpu = {plain: [], full: []}, {plain: [], full: []}
            for k in range(repeat):
                for formats in ((plain, full) if k % 2 == 0 else (full, plain)):
                    out = folder / f"{engine}-{'-'.join(formats)}"
                    shutil.rmtree(out, ignore_errors=True)
                    busy, start = busy_seconds(), time.perf_counter()
                    result = run.run_study(study, out, formats=formats, workers=workers, force=True,
                                           pdf_engine=engine)
                    wall[formats].append(time.perf_counter() - start)
                    cpu[formats].append(busy_seconds() - busy)
                    ok = len(result.outcomes) - len(result.failed)
                    print(f"csi run: {ok} of {len(result.outcomes)} enterprise reports ({', '.join(formats)}; "
                          f"{engine}) with {workers} workers: {wall[formats][-1]:.1f} s wall, "
                          f"{cpu[formats][-1]:.1f} CPU-s", flush=True)
            for name, measure in (("wall", wall), ("CPU", cpu)):
                base, more = statistics.median(measure[plain]), statistics.median(measure[full])
                print(f"{engine}, median {name} of {repeat}: HTML + PDF {base:.1f} s, + Word + workbooks {more:.1f} s: "
                      f"{100 * (more - base) / base:+.0f} %", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enterprises", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--peer", type=int, default=4, help="enterprises rendered by the papermill CLI peer")
    parser.add_argument("--pdf-engine", default="both", choices=("both", "weasyprint", "chromium"))
    parser.add_argument("--editable", action="store_true",
                        help="only: HTML + PDF, then HTML + PDF + Word + workbooks, and the added cost (per engine)")
    parser.add_argument("--repeat", type=int, default=3, help="with --editable: pairs of runs, order alternating")
    args = parser.parse_args()
    engines = ("weasyprint", "chromium") if args.pdf_engine == "both" else (args.pdf_engine,)
    if args.editable:
        editable(args.enterprises, args.workers, engines, args.repeat)
        return
    with tempfile.TemporaryDirectory(prefix="csi-bench-") as tmp:
        folder = Path(tmp)
        study = enlarged_study(folder, args.enterprises)
        for engine in engines:
            start = time.perf_counter()
            result = run.run_study(study, folder / f"out-{engine}", formats=("html", "pdf"), workers=args.workers,
                                   force=True, pdf_engine=engine)
            total = time.perf_counter() - start
            ok = len(result.outcomes) - len(result.failed)
            print(f"csi run: {ok} of {len(result.outcomes)} enterprise reports (HTML + PDF, {engine}) with "
                  f"{args.workers} workers in {total:.1f} s = {total / len(result.outcomes):.2f} s per report wall",
                  flush=True)
            phases = breakdown(study, folder, engine)
            steady = sum(v for k, v in phases.items() if not k.startswith("kernel"))
            for name, seconds in phases.items():
                print(f"  {name:32} {seconds:6.2f} s")
            print(f"  {'per report on a warm kernel':32} {steady:6.2f} s", flush=True)
        if args.peer:
            per_peer = peer(study, folder, args.peer)
            print(f"peer: papermill CLI + nbconvert CLI per enterprise, serial, HTML only: {per_peer:.2f} s per report")
            print(f"ratio peer / csi (one worker, HTML only: execution + HTML): "
                  f"{per_peer / (phases['execution'] + phases['HTML']):.1f}x")

if __name__ == "__main__":
    main()
