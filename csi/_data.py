"""Input preparation shared by estimation and indices: item matrices, case weights, missing values.

Turns a DataFrame into the float arrays the numeric code needs, with errors that name the
column and rows, and records what the missing-value policy did (nothing is dropped silently).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi._stats import weighted_means
from csi._validation import suggest
from csi.exceptions import DataError, SchemaError

#: The options of :func:`csi.estimate` (and of a study's [model] table), defined once.
MISSING_POLICIES = ("raise", "listwise", "mean")
SCHEMES = ("path", "centroid", "factorial")
#: The group of the whole study beside the industries (league, benchmarks); no industry code may be this.
OVERALL = "all"


def row_labels(index: pd.Index, mask: np.ndarray, limit: int = 10) -> str:
    labels = index[mask].tolist()
    more = f" and {len(labels) - limit} more" if len(labels) > limit else ""
    return ", ".join(map(repr, labels[:limit])) + more


def item_matrix(data: Any, items: tuple[str, ...], what: str = "data") -> np.ndarray:
    """The item columns of ``data`` as a float array (NaN kept); SchemaError if unusable."""
    if not isinstance(data, pd.DataFrame):
        raise SchemaError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise SchemaError(
            f"{what} lacks item column(s) {', '.join(absent)} required by the model; "
            f"columns available: {', '.join(map(str, data.columns))}; rename the columns or fix the model"
        )
    dup = [] if data.columns.is_unique else sorted(set(data.columns[data.columns.duplicated()]) & set(items))
    if dup:
        raise SchemaError(f"{what} has duplicated column(s) {', '.join(dup)}; make column names unique")
    sub = data[list(items)]
    for item, dtype in zip(items, sub.dtypes):
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_string_dtype(dtype):
            continue
        col = sub[item]
        bad = (col.notna() & pd.to_numeric(col, errors="coerce").isna()).to_numpy()
        if bad.any() or pd.api.types.is_string_dtype(col):
            detail = f"non-numeric values in row(s) {row_labels(data.index, bad)}" if bad.any() else "values stored as text"
            raise SchemaError(
                f"{what} column {item!r} is not numeric ({detail}, dtype {col.dtype}); "
                "recode it to numbers, e.g. with pd.to_numeric, or declare it in the questionnaire"
            )
    return sub.to_numpy(dtype=float, na_value=np.nan)


def check_weights(values: Any, n: int | None = None, *, name: str = "case weights", of: str = "data",
                  index: pd.Index | None = None, positive: bool = False) -> np.ndarray:
    """The one check of case, survey and base weights: one finite number ≥ 0 (> 0 with ``positive``) per row.

    ``values`` is array-like or a Series; a Series must carry ``index`` (the rows of ``of``) when one is
    given. ``n=None`` accepts any non-empty 1-d array. Errors are DataErrors naming ``name``, the rule and
    the bad rows (by the labels of ``index``, else by position).
    """
    if isinstance(values, pd.Series):
        if index is not None and not values.index.equals(index):
            raise DataError(f"{name}: the Series index does not match the {of} index; "
                            "align it first, e.g. weights.reindex(data.index)")
        values = values.to_numpy(dtype=float, na_value=np.nan)
    try:
        w = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name} must be numbers, one per row of {of}; got {type(values).__name__}") from None
    if n is not None and w.shape != (n,):
        raise DataError(f"{name} must have one value per row of {of} ({n}), got shape {w.shape}")
    if w.ndim != 1 or w.size == 0:
        raise DataError(f"{name} must be a non-empty 1-d array, one value per row of {of}; got shape {w.shape}")
    bad = ~np.isfinite(w) | ((w <= 0) if positive else (w < 0))
    if bad.any():
        labels = index if index is not None else pd.RangeIndex(len(w))
        rule = "> 0" if positive else "non-negative"
        raise DataError(f"{name} must be finite and {rule}; bad weight(s) in row(s) {row_labels(labels, bad)}")
    return w


def case_weights(data: pd.DataFrame, weights: Any, what: str = "data", *, name: str = "case weights",
                 positive: bool = False) -> np.ndarray | None:
    """Case weights (None, a column name of ``data`` or values aligned with its rows) as a float array,
    checked by :func:`check_weights`."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in data.columns:
            cols = ", ".join(map(str, data.columns))
            raise SchemaError(f"{name} column {weights!r} not in {what}; columns available: {cols}"
                              f"{suggest(weights, data.columns)}")
        weights = item_matrix(data, (weights,), what)[:, 0]
    return check_weights(weights, len(data), name=name, of=what, index=data.index, positive=positive)


def declared_scales(declared: Any, items: tuple[str, ...]) -> dict[str, tuple[float, float]]:
    """Declared (min, max) of the model's items from ``data.attrs["scales"]``."""
    out = {}
    for item in items:
        if item in declared:
            try:
                lo, hi = (float(v) for v in declared[item])
            except (TypeError, ValueError):
                raise SchemaError(
                    f"data.attrs['scales'][{item!r}] = {declared[item]!r} is not a (min, max) pair of numbers"
                ) from None
            out[item] = (lo, hi)
    return out


def scale_bounds(
    scales: dict[str, tuple[float, float]], items: tuple[str, ...], scale: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Declared (min, max) arrays of ``items``: ``scale`` for all items, else each item's declared scale."""
    if scale is not None:
        try:
            lo, hi = (float(v) for v in scale)
        except (TypeError, ValueError):
            raise SchemaError(f"scale must be a (min, max) pair of numbers, got {scale!r}") from None
        pairs = [(lo, hi)] * len(items)
    else:
        absent = [i for i in items if i not in scales]
        if absent:
            raise SchemaError(
                f"no declared scale for item(s) {', '.join(absent)}; pass scale=(min, max), e.g. "
                "scale=(1, 10), or read the data with a questionnaire that declares the scales"
            )
        pairs = [scales[i] for i in items]
    lo_arr, hi_arr = np.array(pairs, dtype=float).T
    bad = ~(hi_arr > lo_arr)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise SchemaError(f"scale of item {items[i]!r} is ({lo_arr[i]:g}, {hi_arr[i]:g}); max must exceed min")
    return lo_arr, hi_arr


@dataclass(frozen=True, eq=False)
class Prepared:
    x: np.ndarray
    weights: np.ndarray | None
    index: pd.Index
    missing: pd.DataFrame
    scales: dict[str, tuple[float, float]]

    @property
    def n(self) -> int:
        return len(self.index)


def prepare(data: Any, items: tuple[str, ...], weights: Any, policy: str) -> Prepared:
    """Check data and weights, apply the missing-value policy, record what happened."""
    if policy not in MISSING_POLICIES:
        raise DataError(f"unknown missing policy {policy!r}; use one of {', '.join(MISSING_POLICIES)}")
    x = item_matrix(data, items)
    w = case_weights(data, weights)
    nan = np.isnan(x)
    counts = nan.sum(axis=0)
    keep = np.ones(len(x), bool)
    if nan.any() and policy == "raise":
        cols = [f"{items[j]} ({counts[j]})" for j in np.flatnonzero(counts)]
        raise DataError(
            f"missing values in item(s) {', '.join(cols)}; rows {row_labels(data.index, nan.any(axis=1))}; "
            "pass missing='listwise' to drop these rows or missing='mean' to impute item means"
        )
    if policy == "listwise":
        keep = ~nan.any(axis=1)
        x, w = x[keep], None if w is None else w[keep]
    elif policy == "mean" and nan.any():
        means, totals = weighted_means(x, w)
        empty = totals <= 0
        if empty.any():
            names = ", ".join(items[j] for j in np.flatnonzero(empty))
            raise DataError(f"item(s) {names} have no observed values; drop them from the model")
        x = np.where(nan, means, x)
    table = pd.DataFrame({"item": list(items), "n_missing": counts.astype(int)})
    table.attrs.update(n_read=len(data), n_used=int(keep.sum()), missing_policy=policy)
    scales = declared_scales(data.attrs.get("scales") or {}, items)
    return Prepared(x, w, data.index[keep], table, scales)
