"""Benchmark: csi.estimate_mi (chained-equations imputation, a PLS fit and a bootstrap per completed set, Rubin's
rules) against R mice (imputation + pooling) on the same data, in one run.

Data: mobi (ECSI, 250 × 24) with a share of the item cells blanked at random (default 5 %, MCAR, fixed seed).
csi's time is the whole ``estimate_mi(model, data, m=M, n_resamples=B)``: M imputations by scikit-learn's
IterativeImputer (Bayesian ridge, posterior draws, ``cycles`` chained-equations cycles), M PLS fits, M batched
bootstraps of B resamples, and the pooling; the imputation alone is timed too. mice's time (inside R, by
``system.time``; data through a temporary CSV, R start-up excluded) is ``mice(data, m = M, maxit = cycles,
method = "norm")`` — the same kind of imputation model (Bayesian linear regression draws) — followed by
``with(imp, lm(CUSA1 ~ PERQ1 + PERV1))`` and ``pool()``, and ``mice`` with its default (predictive mean matching)
for reference. mice has no PLS, so its time covers imputation and pooling of a regression, not the bootstraps.
Best of ``--repeat``.

With ``--study``: the cost in a study instead — ``csi.analyse_study`` of the bundled demo (three pools, 4,401
respondents, 3 % missing cells) with ``[model] missing = "mi"`` (``imputations = M``) against the same study with
``missing = "mean"``, in the same run (once each).

Usage::

    python benchmarks/bench_mi.py [--m M] [--resamples B] [--cycles C] [--share S] [--repeat R] [--no-r] [--study]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _common import best_of, mobi, rscript

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import csi
from csi.pls._mi import _impute

R_SCRIPT = """
suppressPackageStartupMessages(library(mice))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); settings <- as.integer(strsplit(readLines(args[2]), " ")[[1]]); repeats <- as.integer(args[3])
m <- settings[1]; maxit <- settings[2]
best <- c(Inf, Inf)
for (k in seq_len(repeats)) {
  t1 <- system.time({
    imp <- mice(d, m = m, maxit = maxit, method = "norm", seed = 1, printFlag = FALSE)
    p <- pool(with(imp, lm(CUSA1 ~ PERQ1 + PERV1)))
  })[["elapsed"]]
  t2 <- system.time({
    imp2 <- mice(d, m = m, maxit = maxit, seed = 1, printFlag = FALSE)
    p2 <- pool(with(imp2, lm(CUSA1 ~ PERQ1 + PERV1)))
  })[["elapsed"]]
  best <- pmin(best, c(t1, t2))
}
cat(best, "\\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--m", type=int, default=20)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--study", action="store_true", help="time the demo study's analysis with and without MI")
    args = parser.parse_args()
    if args.study:
        study_cost(args.m)
        return
    model = csi.models.ecsi()
    items = list(model.items)
    data = mobi()
    values = data[items].to_numpy(dtype=float).copy()
    values[np.random.default_rng(2026).random(values.shape) < args.share] = np.nan
    data[items] = values
    data.attrs["scales"] = dict.fromkeys(items, (1, 10))
    lo, hi = np.ones(len(items)), np.full(len(items), 10.0)
    print(f"mobi ECSI (250 × 24), {int(np.isnan(values).sum())} missing cells ({args.share:.0%}, MCAR); m = {args.m}, "
          f"{args.cycles} cycles, {args.resamples} bootstrap resamples per completed set")
    t_imp, _ = best_of(lambda: [_impute(values, lo, hi, s, args.cycles) for s in range(args.m)], args.repeat)
    t_csi, ours = best_of(lambda: csi.estimate_mi(model, data, m=args.m, n_resamples=args.resamples,
                                                  cycles=args.cycles), args.repeat)
    print(f"  csi imputation only   {t_imp:8.3f} s   ({args.m} × IterativeImputer)")
    print(f"  csi.estimate_mi       {t_csi:8.3f} s   (imputation + {args.m} PLS fits + {args.m} bootstraps + pooling; "
          f"fmi {ours.paths['fmi'].min():.3f}–{ours.paths['fmi'].max():.3f})")
    if args.no_r:
        return
    numbers, why = rscript(R_SCRIPT, data[items], args.repeat, f"{args.m} {args.cycles}")
    if numbers is None:
        print(f"  mice: not run ({why})")
        return
    t_norm, t_pmm = numbers
    print(f"  mice 'norm' (R)       {t_norm:8.3f} s   (imputation + lm + pool); csi imputation / mice = "
          f"{t_imp / t_norm:.1f}x")
    print(f"  mice default pmm (R)  {t_pmm:8.3f} s   (imputation + lm + pool)")


def study_cost(m: int) -> None:
    demo = Path(__file__).resolve().parents[1] / "data" / "demo"
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        shutil.copytree(demo, folder)
        toml = folder / "study.toml"
        text = toml.read_text(encoding="utf-8")
        times = {}
        for policy in ("mean", "mi"):
            line = 'missing = "mean"' if policy == "mean" else f'missing = "mi"\nimputations = {m}'
            toml.write_text(text.replace('missing = "mean"', line, 1), encoding="utf-8")
            start = time.perf_counter()
            analysis = csi.analyse_study(toml)
            times[policy] = time.perf_counter() - start
        cells = sum(mi.n_missing for mi in analysis.mi.values())
    print(f"demo study, {len(analysis.fits)} pools, {len(analysis.data):,} respondents, {cells:,} missing item cells")
    print(f"  analyse_study, missing = \"mean\"       {times['mean']:8.1f} s")
    print(f"  analyse_study, missing = \"mi\", m = {m:<3} {times['mi']:8.1f} s   ({times['mi'] / times['mean']:.1f}x)")


if __name__ == "__main__":
    main()
