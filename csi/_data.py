"""Input preparation shared by estimation and indices: item matrices, case weights, missing values.

Turns a DataFrame into the float arrays the numeric code needs, with errors that name the
column and rows, and records what the missing-value policy did (nothing is dropped silently).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi.exceptions import DataError, SchemaError

MISSING_POLICIES = ("raise", "listwise", "mean")


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


def case_weights(data: pd.DataFrame, weights: Any, what: str = "data") -> np.ndarray | None:
    """Case weights as a float array aligned with ``data`` rows; checked non-negative."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in data.columns:
            cols = ", ".join(map(str, data.columns))
            raise SchemaError(f"weights column {weights!r} not in {what}; columns available: {cols}")
        weights = item_matrix(data, (weights,), what)[:, 0]
    elif isinstance(weights, pd.Series):
        if not weights.index.equals(data.index):
            raise DataError(
                f"weights Series index does not match the {what} index; "
                "align it first, e.g. weights.reindex(data.index)"
            )
        weights = weights.to_numpy(dtype=float, na_value=np.nan)
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(data),):
        raise DataError(f"weights must have one value per row of {what} ({len(data)}), got shape {w.shape}")
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        rows = row_labels(data.index, bad)
        raise DataError(f"case weights must be finite and non-negative; bad weight(s) in row(s) {rows}")
    return w


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
        ww = np.ones(len(x)) if w is None else w
        sums = (np.where(nan, 0.0, x) * ww[:, None]).sum(axis=0)
        totals = (~nan * ww[:, None]).sum(axis=0)
        empty = totals <= 0
        if empty.any():
            names = ", ".join(items[j] for j in np.flatnonzero(empty))
            raise DataError(f"item(s) {names} have no observed values; drop them from the model")
        x = np.where(nan, sums / totals, x)
    table = pd.DataFrame({"item": list(items), "n_missing": counts.astype(int)})
    table.attrs.update(n_read=len(data), n_used=int(keep.sum()), missing_policy=policy)
    scales = declared_scales(data.attrs.get("scales") or {}, items)
    return Prepared(x, w, data.index[keep], table, scales)
