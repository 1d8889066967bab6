"""Benchmark: csi.fay_herriot (REML, Prasad–Rao MSE) against R metafor's rma() + blup(), in one run.

Synthetic direct indices (default 1,000 enterprises in 10 industries, sampling SEs 0.5–4). metafor fits the same
model (random-effects meta-regression with known variances, ``mods = ~ industry - 1``, REML); its time is
``rma()`` + ``blup()`` inside R (``system.time``, data through a temporary CSV, R start-up excluded), when
``Rscript`` with metafor is on PATH. Best of ``--repeat``.

Usage::

    python benchmarks/bench_small_area.py [--enterprises M] [--repeat R] [--no-r]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of, rscript

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import csi

R_SCRIPT = """
suppressPackageStartupMessages(library(metafor))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); repeats <- as.integer(args[2])
best <- Inf
for (k in seq_len(repeats)) {
  t <- system.time({
    f <- rma(yi = index, vi = std_error^2, mods = ~ industry - 1, data = d, method = "REML",
             control = list(threshold = 1e-10, maxiter = 1000))
    b <- blup(f)
  })[["elapsed"]]
  best <- min(best, t)
}
cat(best, format(f$tau2, digits = 15), "\\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args()
    rng = np.random.default_rng(2026)
    m = args.enterprises
    industry = np.array([f"industry{k % 10}" for k in range(m)])
    se = rng.uniform(0.5, 4.0, m)
    means = {f"industry{k}": 65 + 2 * k for k in range(10)}
    direct = pd.DataFrame({"enterprise_id": [f"E{k:04d}" for k in range(m)], "industry": industry,
                           "index": [means[i] for i in industry] + rng.normal(0, 3, m) + rng.normal(0, se),
                           "std_error": se})
    seconds, out = best_of(lambda: csi.fay_herriot(direct), args.repeat)
    a = out.attrs["model_variance"]
    print(f"data: {m} enterprises, 10 industries")
    print(f"csi.fay_herriot (REML)  {seconds:8.4f} s   A = {a:.10f}  ({out.attrs['iterations']} Fisher-scoring steps)")
    numbers, why = (None, "--no-r") if args.no_r else rscript(R_SCRIPT, direct, args.repeat)
    if numbers is None:
        print(f"metafor: not run ({why})")
        return
    t_r, tau2 = numbers
    print(f"metafor rma + blup      {t_r:8.4f} s   A = {tau2:.10f}  |difference| = {abs(a - tau2):.1e}; "
          f"metafor / csi = {t_r / seconds:.1f}x")


if __name__ == "__main__":
    main()
