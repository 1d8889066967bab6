"""Numeric helpers shared by every stage: weighted moments and the ACSI index formula, written once.

Case weights are frequency-style throughout csi: mean = Σwx/Σw and (co)variance = Σw(x − x̄)(y − ȳ)/(Σw − 1),
so integer weights give the same numbers as repeated rows and ``w=None`` is the usual n − 1 estimate.
The weights are checked by :func:`csi._data.check_weights` before they get here. The *sample size* of
inference is never Σw (survey weights may sum to the population size): :func:`sample_sizes` gives the
respondents and Kish's effective n (docs/methods/weighting.md, "Case weights and n").

Three moment helpers, one per kind of input:

* :func:`weighted_means` — column means that skip missing values (NaN), for one weight vector or for many
  at once (``rows``: group membership or resample counts, one matrix product for all);
* :func:`weighted_mean_sd` — means and SDs of complete data (the PLS core: one BLAS pass, no masks);
* :func:`weighted_cov` — pairwise-complete covariances (R ``cov(use = "pairwise")``), chunked over rows.

The batched PLS kernels (:func:`csi.pls._batch.moments`, HTMT's bootstrap correlations) compute the same
moments for B weight vectors in one pass over the data; their docstrings say why they stay separate.

The index (Fornell 1992; Fornell, Johnson, Anderson, Cha & Bryant 1996), for a construct with items x_i on
declared scales [min_i, max_i], standardized outer weights w*_i and item SDs s_i::

    w~_i  = (w*_i / s_i) / Σ_j (w*_j / s_j)                       (index_weights)
    c_i   = 100 w~_i / Σ_j w~_j (max_j − min_j)                    (index_coefficients)
    index = Σ_i c_i (mean_i − min_i)                               (index_values)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    import pandas as pd

_CHUNK = 1 << 16  # rows per block in the chunked cross-products of weighted_cov (bounds memory)


# ---------------------------------------------------------------- weighted moments
def weighted_means(x: np.ndarray, w: np.ndarray | None = None, rows: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Column means Σwx/Σw over the observed (non-NaN) entries of ``x`` (n × p), and the Σw behind each.

    ``rows`` (G × n, a dense array or a scipy sparse matrix) multiplies the case weights row by row:
    group membership (0/1) or bootstrap resample counts. The result is then one mean vector per row of
    ``rows`` (G × p), all from two matrix products. A mean with no observed (positively weighted) value
    is NaN; its total is 0.
    """
    w = np.ones(len(x)) if w is None else w
    seen = ~np.isnan(x)
    sums = np.where(seen, x, 0.0) * w[:, None]
    totals = seen * w[:, None]
    if rows is None:
        sums, totals = sums.sum(axis=0), totals.sum(axis=0)
    else:
        sums, totals = rows @ sums, rows @ totals
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / totals, totals


def weighted_mean_sd(x: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Column means and SDs of complete data ``x`` (n × p) with frequency-style case weights.

    mean = Σwx/Σw and var = Σw(x − mean)²/(Σw − 1); ``w=None`` is the usual n − 1 SD. Complete data only
    (the PLS core, after the missing-value policy): one BLAS product per moment, no NaN masks, which
    :func:`weighted_means` needs and which cost several n × p temporaries on large data.
    """
    if w is None:
        return x.mean(axis=0), x.std(axis=0, ddof=1)
    total = w.sum()
    mean = (w @ x) / total
    var = (w @ (x - mean) ** 2) / (total - 1.0)
    return mean, np.sqrt(var)


def weighted_crossprod(a: np.ndarray, b: np.ndarray, w: np.ndarray | None, denom: float) -> np.ndarray:
    """Weighted cross-product aᵀ·diag(w)·b / denom (covariances of centred columns, denom = Σw − 1)."""
    return (a.T @ b if w is None else (a * w[:, None]).T @ b) / denom


@dataclass(frozen=True, eq=False)
class Cov:
    """A pairwise-complete covariance matrix and what is behind each entry (see :func:`weighted_cov`)."""

    c: np.ndarray  # k × k covariance (pairwise-complete when missing values are present)
    total: np.ndarray  # k × k Σw of the rows behind each entry (row count when unweighted)
    rows: np.ndarray  # k × k number of rows behind each entry


def weighted_cov(x: np.ndarray, w: np.ndarray | None = None) -> Cov:
    """Pairwise-complete, frequency-weighted covariance of the columns of ``x`` (NaN = missing).

    For each pair (i, j) the rows where both are observed are used with their own means,
    as R's ``cov(use = "pairwise")``; with complete data this is the ordinary covariance.
    Computed from chunked cross-products so that 10⁶ × 40 needs no n × k² memory.
    """
    k = x.shape[1]
    shift = np.nanmean(x, axis=0)  # any shift gives the same covariance; centring aids precision
    tot, rows, sx, sxy = (np.zeros((k, k)) for _ in range(4))
    for start in range(0, len(x), _CHUNK):
        block = x[start : start + _CHUNK] - shift
        seen = ~np.isnan(block)
        z = np.where(seen, block, 0.0)
        m = seen.astype(float)
        wz, wm = (z, m) if w is None else (z * w[start : start + _CHUNK, None], m * w[start : start + _CHUNK, None])
        tot += wm.T @ m
        rows += m.T @ m if w is not None else 0.0
        sx += wz.T @ m
        sxy += wz.T @ z
    rows = tot if w is None else rows
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (sxy - sx * sx.T / tot) / (tot - 1.0)
    return Cov(c, tot, rows)


def cov_to_corr(c: np.ndarray) -> np.ndarray:
    """The correlation matrix of a covariance matrix."""
    d = np.sqrt(np.diag(c))
    return c / np.outer(d, d)


def sample_sizes(x: np.ndarray, w: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Respondents and Kish's effective n behind each pair of columns of ``x`` (NaN = missing), k × k each.

    Respondents are the rows observed on both columns with a positive weight; the effective n is
    ``(Σw)² / Σw²`` over the same rows (Kish 1965, §11.7), the respondent count when unweighted. Neither
    changes when the weights are multiplied by a constant (survey weights summing to the population size
    or to the sample size give the same n), unlike the Σw of the frequency-style covariances.
    """
    k = x.shape[1]
    rows, s1, s2 = (np.zeros((k, k)) for _ in range(3))
    for start in range(0, len(x), _CHUNK):
        m = (~np.isnan(x[start : start + _CHUNK])).astype(float)
        if w is None:
            rows += m.T @ m
            continue
        wb = w[start : start + _CHUNK, None]
        rows += (m * (wb > 0)).T @ m
        s1 += (m * wb).T @ m
        s2 += (m * wb**2).T @ m
    if w is None:
        return rows, rows.copy()
    with np.errstate(divide="ignore", invalid="ignore"):
        return rows, np.where(s2 > 0, s1**2 / s2, 0.0)


# ---------------------------------------------------------------- the index formula
def _block_sum(values: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Sum the last axis (items) within blocks: (..., p) → (..., k); ``owner`` = block code of each item."""
    return values @ (owner[:, None] == np.arange(int(owner.max()) + 1)[None, :]).astype(float)


def index_weights(outer: np.ndarray, sd: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """Normalised index weights w~_i = (w*_i / s_i) / Σ_{j in i's block} (w*_j / s_j), over the last axis.

    ``outer`` and ``sd`` are (..., p): one fit or B bootstrap fits; ``owner`` (p,) is each item's block code.
    A block whose unstandardized weights sum to 0 gives inf/NaN: callers that can say which construct check it.
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = outer / sd
        return raw / _block_sum(raw, owner)[..., owner]


def index_coefficients(wn: np.ndarray, lo: np.ndarray, hi: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """c_i = 100 w~_i / Σ_{j in i's block} w~_j (max_j − min_j): the index is Σ_i c_i (mean_i − min_i)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return 100.0 * wn / _block_sum(wn * (hi - lo), owner)[..., owner]


def index_values(wn: np.ndarray, mean: np.ndarray, lo: np.ndarray, hi: np.ndarray, owner: np.ndarray) -> np.ndarray:
    """0–100 index of every block, (..., p) → (..., k): 100 Σ w~(mean − min) / Σ w~(max − min)."""
    return _block_sum(index_coefficients(wn, lo, hi, owner) * (mean - lo), owner)


# ---------------------------------------------------------------- small-sample inference
def satterthwaite_df(parts: np.ndarray, df: np.ndarray) -> np.ndarray:
    """Welch–Satterthwaite degrees of freedom of a sum of independent variance parts.

    ``parts[..., j]`` = c_j² se_j², the j-th independent estimate's share of Var(Σ c_j I_j), whose variance
    has ``df[..., j]`` degrees of freedom (:func:`estimate_df`): ν = (Σ_j parts_j)² / Σ_j parts_j² / df_j
    (Satterthwaite 1946; Welch 1947). For one estimate it is its own df; a part with df ≤ 0 (no variance
    estimate) makes ν NaN; an infinite df_j adds nothing to the denominator.
    """
    parts, df = np.asarray(parts, dtype=float), np.asarray(df, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(parts > 0, parts**2 / df, 0.0)
        nu = parts.sum(axis=-1) ** 2 / terms.sum(axis=-1)
    return np.where((df <= 0).any(axis=-1), np.nan, nu)


def estimate_df(frame: pd.DataFrame) -> np.ndarray:
    """The degrees of freedom of each row's estimate: its ``df`` column where there is one (Rubin's ν of an
    index pooled over imputations, :func:`csi.enterprise_indices` of an ``MIResult``), else n − 1 (a weighted
    mean of n respondents; also where a pooled table's row has no ``df``: a pool scored without imputation),
    else infinite (no sample size given: the normal distribution)."""
    own = frame["n"].to_numpy(dtype=float) - 1 if "n" in frame.columns else np.full(len(frame), np.inf)
    if "df" not in frame.columns:
        return own
    df = frame["df"].to_numpy(dtype=float)
    return np.where(np.isnan(df), own, df)


def t_quantile(level: float, df: Any) -> np.ndarray:
    """The two-sided ``level`` quantile of Student's t with ``df`` degrees of freedom (normal where df is
    infinite); NaN where df is undefined."""
    df = np.asarray(df, dtype=float)
    return np.where(np.isinf(df), stats.norm.ppf(0.5 + level / 2), stats.t.ppf(0.5 + level / 2, df))


def t_test_p(estimate: Any, std_error: Any, df: Any) -> np.ndarray:
    """Two-sided p of estimate / std_error against Student's t with ``df`` (normal where df is infinite)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(np.asarray(estimate, dtype=float) / np.asarray(std_error, dtype=float))
        df = np.asarray(df, dtype=float)
        return np.where(np.isinf(df), 2 * stats.norm.sf(z), 2 * stats.t.sf(z, df))
