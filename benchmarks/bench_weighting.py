"""Benchmark: csi.rake on 1,000,000 synthetic respondents × 3 margins, against Python peers and R survey.

Run from the repository root:

    .venv/bin/python benchmarks/bench_weighting.py [--n 1000000] [--repeat 3] [--no-r] [--no-peers]

Prints the best of ``--repeat`` wall-clock timings of ``rake`` (csi); of the Python peers that are
installed — ``weightipy`` (``weightipy.weight`` with a Rim scheme) and ``svy`` (Rust-backed;
``Sample.weighting.rake(shares=…)``, the Sample built outside the timing) — on the same pandas
data in the same run, each with its largest weight difference to csi and the ratio peer / csi;
and — when ``Rscript`` with the survey package is on PATH — the time of ``survey::rake`` (data
through a temporary CSV; inside R only the ``rake`` call is timed, with ``system.time``).
balance is not benchmarked: installing it would downgrade numpy, pandas, scipy and scikit-learn.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from csi.survey import rake

MARGINS = {
    "region": {"urban": 0.50, "suburban": 0.25, "rural": 0.25},
    "age_band": {"18-29": 0.18, "30-44": 0.28, "45-59": 0.29, "60+": 0.25},
    "gender": {"male": 0.50, "female": 0.50},
}
SAMPLE = {  # skewed against the margins, as online panels are
    "region": [0.60, 0.24, 0.16], "age_band": [0.26, 0.34, 0.24, 0.16], "gender": [0.48, 0.52],
}

R_SCRIPT = r"""
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
df <- read.csv(args[1], stringsAsFactors = TRUE)
n <- nrow(df)
d0 <- svydesign(ids = ~1, weights = ~rep(1, n), data = df)
pop <- list(
  data.frame(region = c("urban", "suburban", "rural"), Freq = c(0.50, 0.25, 0.25) * n),
  data.frame(age_band = c("18-29", "30-44", "45-59", "60+"), Freq = c(0.18, 0.28, 0.29, 0.25) * n),
  data.frame(gender = c("male", "female"), Freq = c(0.5, 0.5) * n))
tm <- system.time(rk <- rake(d0, list(~region, ~age_band, ~gender), pop,
                             control = list(maxit = 100, epsilon = 1e-6, verbose = FALSE)))
cat(sprintf("%.6f %.17g\n", tm[["elapsed"]], weights(rk)[1]))
"""


def synthetic(n: int, seed: int = 20261121) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({v: rng.choice(list(MARGINS[v]), size=n, p=SAMPLE[v]) for v in MARGINS})


def time_csi(data: pd.DataFrame, repeat: int) -> tuple[float, np.ndarray, int]:
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = rake(data, MARGINS)
        best = min(best, time.perf_counter() - start)
    return best, result.weights.to_numpy(), result.iterations


def _best(run, repeat: int) -> tuple[float, np.ndarray]:
    best, weights = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        weights = run()
        best = min(best, time.perf_counter() - start)
    return best, np.asarray(weights, dtype=float)


def time_weightipy(data: pd.DataFrame, repeat: int) -> tuple[float, np.ndarray] | None:
    try:
        import weightipy
    except ImportError:
        return None
    scheme = weightipy.scheme_from_dict({v: {k: 100 * s for k, s in m.items()} for v, m in MARGINS.items()})
    return _best(lambda: weightipy.weight(data, scheme).to_numpy(), repeat)


def time_svy(data: pd.DataFrame, repeat: int) -> tuple[float, np.ndarray] | None:
    try:
        import polars as pl
        import svy
    except ImportError:
        return None
    sample = svy.Sample(pl.from_pandas(data).with_columns(pl.lit(1.0).alias("w0")), svy.Design(wgt="w0"))
    return _best(lambda: sample.weighting.rake(shares=MARGINS, tol=1e-10).data["rk_wgt"].to_numpy(), repeat)


def time_r(data: pd.DataFrame) -> tuple[float, float] | None:
    if shutil.which("Rscript") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        csv, script = Path(tmp) / "data.csv", Path(tmp) / "rake.R"
        data.to_csv(csv, index=False)
        script.write_text(R_SCRIPT)
        done = subprocess.run(["Rscript", str(script), str(csv)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(f"R survey rake failed:\n{done.stderr}")
        return None
    seconds, first = done.stdout.split()
    return float(seconds), float(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true")
    parser.add_argument("--no-peers", action="store_true", help="skip the Python peers")
    args = parser.parse_args()
    data = synthetic(args.n)
    seconds, weights, iterations = time_csi(data, args.repeat)
    first = float(weights[0])
    print(f"csi.rake: {args.n:,} respondents x 3 margins: {seconds:.3f} s "
          f"(best of {args.repeat}, {iterations} cycles)")
    peers = {} if args.no_peers else {"weightipy": time_weightipy, "svy": time_svy}
    fastest = None
    for name, timer in peers.items():
        got = timer(data, args.repeat)
        if got is None:
            print(f"{name}: not installed, skipped")
            continue
        peer_seconds, peer_weights = got
        diff = float(np.max(np.abs(peer_weights - weights)))
        print(f"{name}: {peer_seconds:.3f} s (best of {args.repeat}); max |w - csi| {diff:.2e}; "
              f"ratio {name} / csi: {peer_seconds / seconds:.1f}x")
        fastest = min(fastest or (np.inf, ""), (peer_seconds, name))
    if fastest is not None:
        print(f"fastest Python peer: {fastest[1]} ({fastest[0]:.3f} s); csi is {fastest[0] / seconds:.1f}x faster")
    r = None if args.no_r else time_r(data)
    if r is None:
        print("R survey: not run (no Rscript or --no-r)")
        return
    r_seconds, r_first = r
    print(f"R survey rake (system.time, rake call only): {r_seconds:.3f} s")
    print(f"ratio R / csi: {r_seconds / seconds:.1f}x; first weight csi {first:.12g} vs R {r_first:.12g}")


if __name__ == "__main__":
    main()
