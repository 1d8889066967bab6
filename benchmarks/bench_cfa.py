"""Benchmark: csi.cfa (ML measurement model, fit indices, standardized loadings with delta-method SEs) against
semopy called directly and lavaan (R), in one run.

Data: the ECSI model on mobi (250 × 24), and a synthetic CCSI-shaped study (7 factors, 22 items, default
20,000 respondents). csi's time includes the checks, the fit (semopy, SLSQP with ftol 1e-12), the fit indices
and the SEs of the standardized estimates. "semopy direct" is ``semopy.Model(desc).fit(data)`` with its
defaults (its SLSQP tolerance, no standardized SEs) followed by ``semopy.calc_stats``; lavaan's time is
``cfa()`` + ``fitMeasures()`` + ``standardizedSolution()`` inside R (``system.time``, data through a temporary
CSV, R start-up excluded), when ``Rscript`` with lavaan is on PATH. Best of ``--repeat``.

Usage::

    python benchmarks/bench_cfa.py [--rows N] [--repeat R] [--no-r]
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of, mobi, rscript

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import csi

R_SCRIPT = """
suppressPackageStartupMessages(library(lavaan))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); model <- readLines(args[2]); repeats <- as.integer(args[3])
best <- Inf
for (k in seq_len(repeats)) {
  t <- system.time({
    f <- suppressWarnings(cfa(model, data = d))
    m <- fitMeasures(f, c("chisq", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper", "srmr"))
    s <- standardizedSolution(f)
  })[["elapsed"]]
  best <- min(best, t)
}
cat(best, format(m[["chisq"]], digits = 15), "\\n")
"""


def synthetic(model: csi.Model, rows: int, seed: int = 2026) -> pd.DataFrame:
    """Items of ``model`` from correlated factors (loadings 0.6–0.9), rounded to a 1–10 scale."""
    rng = np.random.default_rng(seed)
    k = len(model.constructs)
    corr = 0.5 * np.ones((k, k)) + 0.5 * np.eye(k)
    factors = rng.multivariate_normal(np.zeros(k), corr, size=rows)
    columns = {}
    for j, c in enumerate(model.constructs):
        for item in model.blocks[c]:
            lam = rng.uniform(0.6, 0.9)
            columns[item] = np.clip(np.rint(7 + 1.5 * (lam * factors[:, j] + np.sqrt(1 - lam**2)
                                                       * rng.standard_normal(rows))), 1, 10)
    return pd.DataFrame(columns)


def semopy_direct(model: csi.Model, data: pd.DataFrame):
    import semopy

    lines = [f"{c} =~ {' + '.join(model.blocks[c])}" for c in model.constructs]
    lines += [f"{b[0]} ~~ 0*{b[0]}" for b in model.blocks.values() if len(b) == 1]
    sem = semopy.Model("\n".join(lines))
    with np.errstate(all="ignore"):  # calc_stats divides by its failed baseline's infinite χ²
        sem.fit(data[list(model.items)])
        return semopy.calc_stats(sem)


def lavaan(model: csi.Model, data: pd.DataFrame, repeat: int) -> tuple[float, float] | None:
    lines = [f"{c} =~ {' + '.join(model.blocks[c])}" for c in model.constructs]
    lines += [f"{b[0]} ~~ 0*{b[0]}" for b in model.blocks.values() if len(b) == 1]
    numbers, why = rscript(R_SCRIPT, data[list(model.items)], repeat, "\n".join(lines))
    if numbers is None:
        print(f"lavaan: not run ({why})")
        return None
    seconds, chi2 = numbers
    return seconds, chi2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.ERROR)  # semopy logs its baseline model's convergence as a warning
    csi.cfa(csi.models.ecsi(), mobi())  # loads semopy once, outside the timings
    for name, model, data in (("mobi ECSI (250 × 24)", csi.models.ecsi(), mobi()),
                              (f"synthetic CCSI ({args.rows:,} × 22)", csi.models.ccsi(),
                               synthetic(csi.models.ccsi(), args.rows))):
        t_csi, ours = best_of(lambda m=model, d=data: csi.cfa(m, d), args.repeat)
        t_sem, stats = best_of(lambda m=model, d=data: semopy_direct(m, d), args.repeat)
        chi2 = ours.fit["chi2"].iloc[0]
        print(f"{name}")
        print(f"  csi.cfa            {t_csi:8.3f} s   chi2 = {chi2:.6f}  (fit indices + standardized loadings with SEs)")
        print(f"  semopy direct      {t_sem:8.3f} s   chi2 = {stats.loc['Value', 'chi2']:.6f}  (default tolerance; "
              "calc_stats, no standardized SEs)")
        peer = None if args.no_r else lavaan(model, data, args.repeat)
        if peer is not None:
            print(f"  lavaan 0.6 (R)     {peer[0]:8.3f} s   chi2 = {peer[1]:.6f}  |chi2 difference| = "
                  f"{abs(peer[1] - chi2):.2e}; csi / lavaan = {t_csi / peer[0]:.1f}x")


if __name__ == "__main__":
    main()
