"""0-100 satisfaction indices from a PLS fit (the ACSI index formula).

Fornell (1992), "A national customer satisfaction barometer: the Swedish experience",
Journal of Marketing 56(1), 6-21; Fornell, Johnson, Anderson, Cha & Bryant (1996),
"The American Customer Satisfaction Index", Journal of Marketing 60(4), 7-18.

For a construct with items x_i on declared scales [min_i, max_i], with standardized
outer weights w*_i and item SDs s_i::

    w_i   = w*_i / s_i                   (unstandardized weights)
    w~_i  = w_i / sum_j w_j              (normalized within the construct)
    index = 100 * (sum w~_i mean_i - sum w~_i min_i) / sum w~_i (max_i - min_i)

On the mobi data (ECSI model, path scheme, scale 1-10) this gives the Satisfaction
index 72.45 quoted as the reference figure (see ``tests/reference/mobi_reference.md``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from csi._data import case_weights, item_matrix, scale_bounds
from csi.exceptions import CSIWarning, DataError
from csi.pls import PLSResult
from csi.pls._bootstats import design_codes, draw_counts

__all__ = ["NegativeWeightWarning", "csi_index", "enterprise_indices", "index_difference", "ipma", "item_scores"]


class NegativeWeightWarning(CSIWarning):
    """A construct has a negative normalized outer weight, so its index is not a convex
    combination of its item scores and may fall outside 0-100."""


def _bounds(fit: PLSResult, scale: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    """Declared (min, max) per model item, from ``scale`` or ``fit.scales``."""
    return scale_bounds(fit.scales, fit.model.items, scale)


def _means(fit: PLSResult, data: pd.DataFrame | None, weights: Any) -> np.ndarray:
    """Item means: the fit's own, or the (weighted, NaN-skipping) means of ``data``."""
    if data is None:
        if weights is not None:
            raise DataError("weights= applies to data=; the fit's own means already use its case weights")
        return fit.item_stats.set_index("item")["mean"].reindex(list(fit.model.items)).to_numpy(dtype=float)
    items = fit.model.items
    x = item_matrix(data, items, what="index data")
    w = case_weights(data, weights, what="index data")
    w = np.ones(len(x)) if w is None else w
    seen = ~np.isnan(x)
    totals = (seen * w[:, None]).sum(axis=0)
    empty = ~(totals > 0)
    if empty.any():
        names = ", ".join(items[j] for j in np.flatnonzero(empty))
        raise DataError(f"index data has no observed (positively weighted) values for item(s) {names}")
    return (np.where(seen, x, 0.0) * w[:, None]).sum(axis=0) / totals


def _normalized_weights(fit: PLSResult) -> np.ndarray:
    """w~_i = (w*_i / s_i) / sum_j (w*_j / s_j) within each construct, in model item order."""
    items = list(fit.model.items)
    weight = fit.outer.set_index("item")["weight"].reindex(items).to_numpy(dtype=float)
    sd = fit.item_stats.set_index("item")["sd"].reindex(items).to_numpy(dtype=float)
    raw = weight / sd
    owner = np.array([fit.model.construct_of(i) for i in items])
    sums = pd.Series(raw).groupby(owner).transform("sum").to_numpy()
    if np.any(sums == 0):
        bad = sorted(set(owner[sums == 0]))
        raise DataError(f"unstandardized weights of {', '.join(bad)} sum to zero; the index is undefined")
    return raw / sums


def _item_frame(fit: PLSResult) -> pd.DataFrame:
    items = fit.model.items
    return pd.DataFrame({"construct": [fit.model.construct_of(i) for i in items], "item": list(items)})


def csi_index(
    fit: PLSResult,
    scale: tuple[float, float] | None = None,
    data: pd.DataFrame | None = None,
    weights: Any = None,
) -> pd.DataFrame:
    """0-100 index of every construct (Fornell 1992; Fornell et al. 1996).

    Parameters
    ----------
    fit : PLSResult
        The fit providing the outer weights and item SDs (e.g. a pooled industry model).
    scale : (min, max), optional
        Declared scale of every item; default: ``fit.scales`` (from the questionnaire).
    data : DataFrame, optional
        Compute the item means from this data instead (e.g. one enterprise's
        respondents), keeping the fit's weights. NaNs are skipped item by item.
    weights : None, str or array-like, optional
        Case weights for ``data`` (column name or values aligned with its rows).

    Returns
    -------
    DataFrame
        ``construct, index, negative_weights`` in model order. A construct with a negative
        normalized weight is still computed, flagged, and a
        :class:`NegativeWeightWarning` is emitted.

    Notes
    -----
    Checked against the reference Satisfaction index 72.45 on the mobi data (ECSI model,
    scale 1-10; ``tests/reference/mobi_reference.md``).
    """
    lo, hi = _bounds(fit, scale)
    mean = _means(fit, data, weights)
    wn = _normalized_weights(fit)
    frame = _item_frame(fit).assign(num=wn * (mean - lo), den=wn * (hi - lo), negative=wn < 0)
    rows = []
    for construct in fit.model.constructs:
        part = frame[frame["construct"] == construct]
        negative = bool(part["negative"].any())
        if negative:
            items = ", ".join(part.loc[part["negative"], "item"])
            warnings.warn(
                f"construct {construct!r} has negative normalized weight(s) for item(s) {items}; "
                "its index is not a weighted average of item scores and may leave 0-100; "
                "check the item coding or drop the item",
                NegativeWeightWarning,
                stacklevel=2,
            )
        rows.append((construct, 100.0 * part["num"].sum() / part["den"].sum(), negative))
    return pd.DataFrame(rows, columns=["construct", "index", "negative_weights"])


def item_scores(
    fit: PLSResult,
    data: pd.DataFrame | None = None,
    weights: Any = None,
    scale: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Item means and their 0-100 rescaling on the declared scale.

    score = 100 · (mean − min) / (max − min), with means and scales as in :func:`csi_index`.

    Returns
    -------
    DataFrame
        ``construct, item, mean, score`` in model order.
    """
    lo, hi = _bounds(fit, scale)
    mean = _means(fit, data, weights)
    return _item_frame(fit).assign(mean=mean, score=100.0 * (mean - lo) / (hi - lo))


def ipma(fit: PLSResult, target: str, scale: tuple[float, float] | None = None) -> pd.DataFrame:
    """Importance-performance map (IPMA) table of the constructs driving ``target``.

    importance = total effect on ``target`` (unstandardized paths are not used: csi reports the
    standardized total effect, as the effects table); performance = 0–100 index of the construct
    (:func:`csi_index`, declared scales). Ringle & Sarstedt (2016), "Gain more insight from your
    PLS-SEM results: the importance-performance map analysis", IMDS 116(9), 1865-1886.

    Returns
    -------
    DataFrame
        ``construct, importance, performance`` for every construct with a directed path to
        ``target``, sorted by importance (largest first).
    """
    if target not in fit.model.constructs:
        raise DataError(f"unknown target construct {target!r}; constructs: {', '.join(fit.model.constructs)}")
    eff = fit.effects()
    eff = eff[eff["target"] == target]
    if eff.empty:
        raise DataError(f"construct {target!r} has no predecessors, so there is nothing to map; pick an endogenous target")
    perf = csi_index(fit, scale=scale).set_index("construct")["index"]
    out = pd.DataFrame(
        {"construct": eff["source"].to_numpy(), "importance": eff["total"].to_numpy(),
         "performance": perf.reindex(eff["source"]).to_numpy()}
    )
    return out.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _group_means(x: np.ndarray, w: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Weighted NaN-skipping item means (B × p) for B resample count vectors (B × n)."""
    seen = ~np.isnan(x)
    sums = counts @ (np.where(seen, x, 0.0) * w[:, None])
    totals = counts @ (seen * w[:, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals


def index_difference(
    fit: PLSResult,
    data_a: pd.DataFrame,
    data_b: pd.DataFrame,
    n: int = 2000,
    seed: int | None = 1,
    weights_a: Any = None,
    weights_b: Any = None,
    scale: tuple[float, float] | None = None,
    level: float = 0.95,
    strata_a: Any = None,
    cluster_a: Any = None,
    strata_b: Any = None,
    cluster_b: Any = None,
) -> pd.DataFrame:
    """Index of group A minus group B per construct, with bootstrap CI and p value.

    The groups (two enterprises, or two waves) are scored with the same fit's normalised weights
    (pooled estimation, Fornell et al. 1996); respondents are resampled with replacement within
    each group independently (all counts drawn first from ``default_rng(seed)``), the weighted item
    means recomputed, and the difference re-evaluated. The CI is the percentile (type 7) interval;
    p = min(1, 2·min(P*(d ≤ 0), P*(d ≥ 0))). The pooled weights are held fixed: their sampling
    error, shared by both groups, is not part of the interval. ``strata_*`` / ``cluster_*`` (one label
    per row of that group) make the resampling follow the design: within strata, whole clusters.

    Returns
    -------
    DataFrame
        ``construct, index_a, index_b, difference, std_error, ci_low, ci_high, p_value``.
    """
    if not (isinstance(n, int) and n >= 2) or not 0 < level < 1:
        raise DataError(f"n must be an integer >= 2 and 0 < level < 1 (got {n!r}, {level!r})")
    lo, hi = _bounds(fit, scale)
    wn = _normalized_weights(fit)
    owner = np.array([fit.model.construct_of(i) for i in fit.model.items])
    cons = list(fit.model.constructs)
    onehot = (owner[:, None] == np.array(cons)[None, :]).astype(float)
    rng = np.random.default_rng(seed)
    sides = []
    for data, weights, name, strata, cluster in ((data_a, weights_a, "data_a", strata_a, cluster_a),
                                                 (data_b, weights_b, "data_b", strata_b, cluster_b)):
        x = item_matrix(data, fit.model.items, what=name)
        w = case_weights(data, weights, what=name)
        w = np.ones(len(x)) if w is None else w
        st, cl = (design_codes(v, len(x), f"{what} of {name}") for v, what in ((strata, "strata"), (cluster, "cluster")))
        counts = draw_counts(rng, len(x), n, st, cl).astype(float)
        means = np.vstack([_means(fit, data, weights)[None, :], _group_means(x, w, counts)])
        sides.append(100.0 * ((means - lo) * wn) @ onehot / ((hi - lo) * wn @ onehot))
    d = sides[0] - sides[1]
    boot = d[1:]
    ok = np.isfinite(boot).all(axis=1)
    boot = boot[ok]
    alpha = 1.0 - level
    p = np.minimum(1.0, 2.0 * np.minimum((boot <= 0).mean(axis=0), (boot >= 0).mean(axis=0)))
    return pd.DataFrame(
        {"construct": cons, "index_a": sides[0][0], "index_b": sides[1][0], "difference": d[0],
         "std_error": boot.std(axis=0, ddof=1),
         "ci_low": np.quantile(boot, alpha / 2, axis=0), "ci_high": np.quantile(boot, 1 - alpha / 2, axis=0),
         "p_value": p}
    ).assign(n_failed=int((~ok).sum()))


def enterprise_indices(
    fit: PLSResult,
    data: pd.DataFrame,
    by: str,
    mode: str = "pooled",
    weights: str | None = None,
    scale: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """0-100 indices per enterprise (or any grouping column), pooled or per-enterprise estimation.

    ``mode="pooled"``: one model for the industry (``fit``, estimated on all enterprises); each
    enterprise's index uses the pooled normalised weights and its own weighted item means — the
    ACSI practice (Fornell et al. 1996). ``mode="separate"``: the model is re-estimated on each
    enterprise's rows with the fit's settings (scheme, missing policy, PLSc), then indexed.

    Returns
    -------
    DataFrame
        ``<by>, construct, index, negative_weights, n`` (n = rows of the enterprise).
    """
    from csi.pls import estimate

    if mode not in ("pooled", "separate"):
        raise DataError(f"unknown mode {mode!r}; use 'pooled' (industry model) or 'separate' (one model per {by})")
    if by not in data.columns:
        raise DataError(f"grouping column {by!r} not in data; columns available: {', '.join(map(str, data.columns))}")
    if data[by].isna().any():
        raise DataError(f"{int(data[by].isna().sum())} row(s) have no {by!r}; assign or drop them first")
    parts = []
    policy = fit.missing.attrs.get("missing_policy", "raise")
    for key, rows in data.groupby(by, sort=True):
        use = fit
        if mode == "separate":
            use = estimate(fit.model, rows, weights=weights, scheme=fit.scheme, missing=policy,
                           max_iter=fit.max_iter, tol=fit.tol, consistent=fit.consistent)
        idx = csi_index(use, scale=scale, data=rows, weights=weights)
        parts.append(idx.assign(**{by: key, "n": len(rows)}))
    out = pd.concat(parts, ignore_index=True)
    return out[[by, "construct", "index", "negative_weights", "n"]]
