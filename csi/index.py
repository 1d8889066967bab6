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

from csi._data import case_weights, item_matrix
from csi.exceptions import CSIWarning, DataError, SchemaError
from csi.pls import PLSResult

__all__ = ["NegativeWeightWarning", "csi_index", "item_scores"]


class NegativeWeightWarning(CSIWarning):
    """A construct has a negative normalized outer weight, so its index is not a convex
    combination of its item scores and may fall outside 0-100."""


def _bounds(fit: PLSResult, scale: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    """Declared (min, max) per model item, from ``scale`` or ``fit.scales``."""
    items = fit.model.items
    if scale is not None:
        try:
            lo, hi = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise SchemaError(f"scale must be a (min, max) pair of numbers, got {scale!r}") from None
        pairs = [(lo, hi)] * len(items)
    else:
        absent = [i for i in items if i not in fit.scales]
        if absent:
            raise SchemaError(
                f"no declared scale for item(s) {', '.join(absent)}; pass scale=(min, max), e.g. "
                "scale=(1, 10), or read the data with a questionnaire that declares the scales"
            )
        pairs = [fit.scales[i] for i in items]
    lo_arr, hi_arr = np.array(pairs, dtype=float).T
    bad = ~(hi_arr > lo_arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(f"scale of item {items[i]!r} is ({lo_arr[i]:g}, {hi_arr[i]:g}); max must exceed min")
    return lo_arr, hi_arr


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
