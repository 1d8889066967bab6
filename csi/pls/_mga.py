"""Permutation multi-group analysis (MGA) of PLS path coefficients.

Chin & Dibbern (2010), "An introduction to a permutation based procedure for multi-group PLS
analysis", in *Handbook of Partial Least Squares*, 171-193; Henseler, Ringle & Sarstedt (2016),
"Testing measurement invariance of composites using partial least squares", IMR 33(3), 405-431
(step 2, permutation). Each group's fit is a case-weighted fit of the pooled data (weight = survey
weight inside the group, 0 outside), so all permutations run batched (:mod:`csi._batch`).

p value of a path difference: (1 + #{|d*| ≥ |d|}) / (1 + P) over P permutations of the group labels
(group sizes kept); the +1 keeps the p value valid (Phipson & Smyth 2010). Checked against a
loop of :func:`csi.estimate` fits of each group with the same permutations.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi._api import SEED, check_flag, check_int, check_option, check_seed, public
from csi._data import MISSING_POLICIES, SCHEMES, case_weights
from csi._display import Card, Display, Summary
from csi.exceptions import DataError
from csi.io import Model
from csi.pls import _batch
from csi.pls._bootstats import design_vector, stat_spec
from csi.pls._bootstrap import replicate
from csi.pls._estimate import estimate

__all__ = ["MGAResult", "mga"]


@dataclass(frozen=True, eq=False, repr=False)
class MGAResult(Display):
    """Result of :func:`mga`.

    Attributes
    ----------
    paths : DataFrame ``source, target, estimate_a, estimate_b, difference, p_value``
    groups : (label_a, label_b) and ``sizes`` (rows used in each group)
    n_permutations, n_failed : permutations drawn, and those whose group fits failed (excluded).
    """

    paths: pd.DataFrame
    groups: tuple
    sizes: tuple[int, int]
    n_permutations: int
    n_failed: int

    def _title(self) -> str:
        (a, b), (n_a, n_b) = self.groups, self.sizes
        return (f"{a} (n = {n_a:,}) vs {b} (n = {n_b:,}), {self.n_permutations:,} permutations "
                f"({self.n_failed} failed)")

    def _card(self) -> Card:
        p = self.paths
        low = p[p["p_value"] < 0.05].sort_values("p_value")
        largest = p.loc[p["difference"].abs().idxmax()] if len(p) else None
        differing = [f"{s} → {t} {d:+.3f} (p {v:.3f})" for s, t, d, v
                     in low[["source", "target", "difference", "p_value"]].itertuples(index=False)]
        facts = [("paths", f"{len(p)} compared, {len(low)} differ at p < 0.05")]
        if differing:
            facts.append(("differ", differing))
        if largest is not None:
            a, b = largest["estimate_a"], largest["estimate_b"]
            path = f"{largest['source']} → {largest['target']}"
            facts.append(("largest", f"{path}: {a:.3f} vs {b:.3f} (p {largest['p_value']:.3f})"))
        return Card("MGAResult", self._title(), facts, [("paths", p)], (".summary()", ".paths"))

    def summary(self) -> Summary:
        """The path comparison (text with ``str()``, HTML in Jupyter)."""
        return Summary(f"Multi-group analysis: {self._title()}", {"paths": self.paths},
                       ["p value: (1 + #{|d*| ≥ |d|}) / (1 + P) over P permutations of the group labels"])


def _labels(group: Any, data: pd.DataFrame) -> np.ndarray:
    if isinstance(group, str):
        if group not in data.columns:
            raise DataError(f"group column {group!r} not in data; columns available: {', '.join(map(str, data.columns))}")
        return data[group].to_numpy()
    arr = group.to_numpy() if isinstance(group, pd.Series) else np.asarray(group)
    if arr.shape != (len(data),):
        raise DataError(f"group must have one label per row of data ({len(data)}), got shape {arr.shape}")
    return arr


@public(subjects=3, renamed={"n": "n_resamples"})
def mga(
    model: Model,
    data: pd.DataFrame,
    group: Any,
    *,
    n_resamples: int = 1000,
    seed: int | None = SEED,
    groups: tuple | None = None,
    weights: Any = None,
    scheme: str = "path",
    missing: str = "raise",
    consistent: bool = False,
) -> MGAResult:
    """Compare the path coefficients of two groups by permutation.

    Parameters
    ----------
    model, data, weights, scheme, missing, consistent
        As for :func:`csi.estimate` (the missing-value policy is applied to the pooled data).
    group : str or array-like
        Column name of ``data`` or one label per row.
    n_resamples : int
        Number of permutations, all drawn first from ``default_rng(seed)`` (seed 1 by default; None draws
        fresh entropy).
    groups : (a, b), optional
        The two labels to compare when ``group`` has more than two; rows of other groups are
        left out. Default: the two labels present, in sorted order.
    """
    check_int("mga", "n_resamples", n_resamples, 1, what="permutations")
    check_seed("mga", seed)
    check_option("mga", "scheme", scheme, SCHEMES)
    check_option("mga", "missing", missing, MISSING_POLICIES)
    check_flag("mga", "consistent", consistent)
    labels = _labels(group, data)
    present = sorted(pd.unique(labels[~pd.isna(labels)]).tolist())
    if groups is None:
        if len(present) != 2:
            raise DataError(f"group has {len(present)} labels ({present}); pass groups=(a, b) to pick two")
        groups = tuple(present)
    absent = [g for g in groups if g not in present]
    if len(groups) != 2 or absent:
        raise DataError(f"groups must be two labels present in group; got {groups!r}, labels: {present}")
    keep = np.isin(labels, list(groups))
    sub = data.loc[keep] if data.index.is_unique else data[keep]
    w = weights if weights is None or isinstance(weights, str) else case_weights(data, weights)[keep]
    pooled = estimate(model, sub, weights=w, scheme=scheme, missing=missing, consistent=consistent)
    lab = design_vector(labels[keep], pooled, "group")  # codes 0/1 in sorted order of the two labels
    is_a = lab == (0 if groups[0] == min(groups) else 1)
    if is_a.sum() < 3 or (~is_a).sum() < 3:
        raise DataError(f"each group needs at least 3 usable rows; got {int(is_a.sum())} and {int((~is_a).sum())}")
    rng = np.random.default_rng(seed)
    perms = np.vstack([is_a[None, :], np.array([rng.permutation(is_a) for _ in range(n_resamples)])])
    base = np.ones(pooled.n) if pooled.case_weights is None else pooled.case_weights.to_numpy(dtype=float)
    wts = np.empty((2 * len(perms), pooled.n))
    wts[0::2], wts[1::2] = perms * base, ~perms * base
    spec = stat_spec(pooled, None)
    reps, codes = replicate(pooled, wts, spec)
    npath = len(model.paths)
    paths_a, paths_b = reps[0::2, :npath], reps[1::2, :npath]
    ok = (codes[0::2] == _batch.OK) & (codes[1::2] == _batch.OK)
    if not ok[0]:
        raise DataError("fitting a group on its own failed (constant item or collinearity within the group)")
    diff = paths_a - paths_b
    d0, dp = diff[0], diff[1:][ok[1:]]
    p = (1.0 + (np.abs(dp) >= np.abs(d0) - 1e-12).sum(axis=0)) / (1.0 + len(dp))
    table = pd.DataFrame(
        {"source": [s for s, _ in model.paths], "target": [t for _, t in model.paths],
         "estimate_a": paths_a[0], "estimate_b": paths_b[0], "difference": d0, "p_value": p}
    )
    return MGAResult(table, tuple(groups), (int(is_a.sum()), int((~is_a).sum())), n_resamples, int((~ok[1:]).sum()))
