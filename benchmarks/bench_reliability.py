"""Benchmark: the full csi reliability table vs pingouin.cronbach_alpha, in one run.

Synthetic one-factor data (default 1,000,000 rows × 40 items, 3% missing completely at
random). csi computes the full table in one call — raw and standardized alpha, the Feldt CI on
the rows actually used, and alpha-if-deleted plus item–rest r for all items — under pairwise
and listwise deletion. pingouin computes one alpha per call (no item table), so its time for
the same table is (k + 1) calls; that figure is extrapolated from the one measured call and
labelled so. The script prints seconds (best of ``--repeat``), the ratio and both alpha values
(they must agree under pairwise deletion: same pairwise covariance).

Usage::

    python benchmarks/bench_reliability.py [--rows N] [--items K] [--missing P] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from _common import best_of


def make_data(rows: int, items: int, missing: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 1)) + rng.standard_normal((rows, items))
    x[rng.random(x.shape) < missing] = np.nan
    return pd.DataFrame(x, columns=[f"Q{j + 1}" for j in range(items)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--missing", type=float, default=0.03)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    import pingouin

    from csi.measurement import cronbach_alpha

    data = make_data(args.rows, args.items, args.missing, args.seed)
    t_csi, ours = best_of(lambda: cronbach_alpha(data, missing="pairwise", ci="feldt"), args.repeat)
    t_list, listwise = best_of(lambda: cronbach_alpha(data, missing="listwise", ci="feldt"), args.repeat)
    t_pg, theirs = best_of(lambda: pingouin.cronbach_alpha(data, nan_policy="pairwise"), args.repeat)
    table = ours.item_stats
    assert len(table) == args.items and table[["alpha_if_deleted", "item_rest_r"]].notna().all().all()
    k = args.items
    print(f"data: {args.rows:,} rows x {k} items, {args.missing:.0%} missing")
    print(f"csi full table, pairwise  {t_csi:8.3f} s   alpha = {ours.alpha:.10f}  Feldt CI "
          f"{ours.ci_low:.6f}-{ours.ci_high:.6f}  n = {ours.n:,}  + {k} alpha-if-deleted / item-rest r")
    print(f"csi full table, listwise  {t_list:8.3f} s   alpha = {listwise.alpha:.10f}  n = {listwise.n:,}")
    print(f"pingouin alpha, pairwise  {t_pg:8.3f} s   alpha = {theirs[0]:.10f}  CI {theirs[1][0]:.3f}-{theirs[1][1]:.3f}"
          "  (headline only)")
    print(f"pingouin same table       {(k + 1) * t_pg:8.1f} s   (extrapolated: {k + 1} calls x the measured call)")
    print(f"ratio pingouin / csi      {t_pg / t_csi:8.1f} x headline alone; {(k + 1) * t_pg / t_csi:.0f} x for the table;"
          f"  |alpha difference| = {abs(ours.alpha - theirs[0]):.2e}")


if __name__ == "__main__":
    main()
