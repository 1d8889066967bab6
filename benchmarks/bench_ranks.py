"""Benchmark: csi.rank_intervals — bootstrap rank intervals of every enterprise, within its industry and overall.

Synthetic study (default 100 enterprises in 4 industries × 300 respondents, the CCSI model's 22 items on a 1–10
scale, 3% missing answers), one pooled fit, 2000 resamples. There is no peer that intervals ranks of ACSI-type
indices; the baseline is the plain approach — ``csi.csi_index`` on the resampled rows of each enterprise, one
call per enterprise and resample — timed on ``--naive`` resamples and extrapolated (labelled so).

Usage::

    python benchmarks/bench_ranks.py [--enterprises E] [--respondents R] [--resamples B] [--naive K]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import csi


def study(enterprises: int, respondents: int, seed: int = 2026) -> tuple[pd.DataFrame, dict[str, str]]:
    model = csi.models.ccsi()
    rng = np.random.default_rng(seed)
    parts, industry = [], {}
    for e in range(enterprises):
        level = rng.uniform(5.5, 8.5)
        base = level + rng.normal(0, 1.5, size=(respondents, 1))
        x = np.clip(np.rint(base + rng.normal(0, 1.0, size=(respondents, len(model.items)))), 1, 10)
        x[rng.random(x.shape) < 0.03] = np.nan
        parts.append(pd.DataFrame(x, columns=list(model.items)).assign(enterprise_id=f"E{e:03d}"))
        industry[f"E{e:03d}"] = f"industry{e % 4}"
    data = pd.concat(parts, ignore_index=True)
    data.attrs["scales"] = {i: (1, 10) for i in model.items}
    return data, industry


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100)
    parser.add_argument("--respondents", type=int, default=300)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--naive", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data, industry = study(args.enterprises, args.respondents)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = csi.estimate(csi.models.ccsi(), data, missing="mean")
    seconds, table = best_of(lambda: csi.rank_intervals(fit, data, industry=industry, n_resamples=args.resamples),
                             args.repeat)
    width = (table["rank_ci_high"] - table["rank_ci_low"]).median()
    print(f"data: {args.enterprises} enterprises x {args.respondents} respondents x 22 items, {args.resamples} resamples")
    print(f"csi.rank_intervals      {seconds:8.3f} s   median overall interval width {width:.0f} ranks")
    groups = [g.reset_index(drop=True) for _, g in data.groupby("enterprise_id", sort=False)]
    rng = np.random.default_rng(1)
    start = time.perf_counter()
    for _ in range(args.naive):
        for g in groups:
            csi.csi_index(fit, data=g.iloc[rng.integers(0, len(g), len(g))])
    naive = (time.perf_counter() - start) / args.naive * args.resamples
    print(f"csi_index per resample  {naive:8.1f} s   (extrapolated from {args.naive} resamples x "
          f"{args.enterprises} enterprises); ratio {naive / seconds:.0f}x")


if __name__ == "__main__":
    main()
