"""Discriminant and indicator validity of a PLS fit: HTMT/HTMT2 (with bootstrap CIs),
Fornell–Larcker, cross-loadings and outer VIF.

Sources: Henseler, Ringle & Sarstedt (2015) for HTMT and its bootstrap inference; Roemer,
Schuberth & Henseler (2021) for HTMT2; Fornell & Larcker (1981). Point values were checked
against the seminr 0.2.1 Python port (``tests/test_validity.py``). Item correlations are
frequency-weighted when the fit has case weights (see :mod:`csi.reliability`).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from csi._api import SEED, check_int, check_level, check_option, check_seed, public
from csi._stats import cov_to_corr, weighted_cov
from csi.exceptions import CSIWarning, DataError
from csi.measurement._reliability import THRESHOLDS, _fit_items, _item_corr, _loadings
from csi.pls import PLSResult

__all__ = ["HTMT2Warning", "cross_loadings", "fornell_larcker", "htmt", "outer_vif"]

HTMT_KINDS = ("htmt", "htmt2")
HTMT_CI = ("percentile",)
_BOOT_CELLS = 1 << 22  # resamples × rows per block of multinomial counts (bounds memory)
_ROW_CELLS = 1 << 20  # rows × items² per block of the cross-product table


class HTMT2Warning(CSIWarning):
    """HTMT2 of a pair rests on a non-positive item correlation (in the sample or in bootstrap resamples).

    The geometric mean of correlations is defined for positive correlations only (Roemer, Schuberth &
    Henseler 2021); csi takes |r|, and an |r| near zero sends HTMT2 towards infinity, so the bootstrap
    SE and interval of such a pair are not usable (SEs of 2–9 on mobi's Expectation pairs, 0.1 for HTMT).
    """


# ---------------------------------------------------------------- HTMT
def _mean_abs(v: np.ndarray, geometric: bool) -> np.ndarray:
    """Arithmetic or geometric mean of |v| over the last axis (a zero makes the geometric mean 0)."""
    a = np.abs(v)
    if not geometric:
        return a.mean(axis=-1)
    with np.errstate(divide="ignore"):
        return np.exp(np.log(a).mean(axis=-1))


def _htmt_values(r: np.ndarray, blocks: list[np.ndarray], geometric: bool) -> np.ndarray:
    """HTMT of every construct pair (upper triangle, model order) from correlations ``r`` (..., p, p)."""
    mono = []
    for idx in blocks:
        if len(idx) < 2:  # a single-item block has monotrait mean 1 by convention
            mono.append(np.ones(r.shape[:-2]))
            continue
        iu = np.triu_indices(len(idx), 1)
        mono.append(_mean_abs(r[..., idx[iu[0]], idx[iu[1]]], geometric))
    out = []
    for i, a in enumerate(blocks):
        for j in range(i + 1, len(blocks)):
            b = blocks[j]
            hetero = r[..., a[:, None], b[None, :]].reshape(*r.shape[:-2], -1)
            with np.errstate(divide="ignore", invalid="ignore"):
                out.append(_mean_abs(hetero, geometric) / np.sqrt(mono[i] * mono[j]))
    return np.stack(out, axis=-1)


def _nonpositive(r: np.ndarray, blocks: list[np.ndarray]) -> np.ndarray:
    """For every pair (as :func:`_htmt_values`): does any correlation entering its HTMT2 fail to be > 0?"""
    mono = []
    for idx in blocks:
        iu = np.triu_indices(len(idx), 1)
        mono.append(~(r[..., idx[iu[0]], idx[iu[1]]] > 0).all(axis=-1))
    out = []
    for i, a in enumerate(blocks):
        for j in range(i + 1, len(blocks)):
            hetero = r[..., a[:, None], blocks[j][None, :]].reshape(*r.shape[:-2], -1)
            out.append(~(hetero > 0).all(axis=-1) | mono[i] | mono[j])
    return np.stack(out, axis=-1)


def _boot_corrs(xc: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted correlation matrices (B, p, p) of complete data ``xc`` for each row of weights ``w`` (B, n).

    One matrix product per block of rows: Σw, Σwx and Σw·xxᵀ for all resamples at once. The batched
    kernel of :func:`csi._stats.weighted_cov` for the HTMT bootstrap: thousands of weight vectors in one
    pass over the data, rows taken in blocks so that memory stays bounded (``_ROW_CELLS``).
    """
    n, p = xc.shape
    s0, s1 = w.sum(axis=1), w @ xc
    s2 = np.zeros((len(w), p * p))
    step = max(1, _ROW_CELLS // (p * p))
    for start in range(0, n, step):
        block = xc[start : start + step]
        s2 += w[:, start : start + step] @ (block[:, :, None] * block[:, None, :]).reshape(len(block), -1)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = s2.reshape(-1, p, p) - s1[:, :, None] * s1[:, None, :] / s0[:, None, None]
        d = np.sqrt(np.diagonal(c, axis1=1, axis2=2))
        return c / (d[:, :, None] * d[:, None, :])


def _htmt_bootstrap(x, w, blocks, geometric, n_resamples, seed, flags: bool = False):
    """HTMT of ``n_resamples`` resamples (n_resamples, pairs); counts drawn one resample after another.

    With ``flags``, also (n_resamples, pairs) booleans: the resample has a non-positive correlation in the pair's HTMT2.
    """
    rng = np.random.default_rng(seed)
    n = len(x)
    xc = x - x.mean(axis=0)  # any shift leaves correlations unchanged; centring aids precision
    prob = np.full(n, 1.0 / n)
    step = max(1, _BOOT_CELLS // n)
    reps, undefined = [], []
    for start in range(0, n_resamples, step):
        counts = rng.multinomial(n, prob, size=min(step, n_resamples - start)).astype(float)
        r = _boot_corrs(xc, counts if w is None else counts * w)
        reps.append(_htmt_values(r, blocks, geometric))
        if flags:
            undefined.append(_nonpositive(r, blocks))
    return (np.concatenate(reps), np.concatenate(undefined)) if flags else np.concatenate(reps)


def _check_htmt_args(kind, ci, n_resamples, seed, level) -> None:
    check_option("htmt", "kind", kind, HTMT_KINDS)
    check_option("htmt", "ci", ci, (*HTMT_CI, None))
    check_int("htmt", "n_resamples", n_resamples, 2, what="bootstrap resamples")
    check_seed("htmt", seed)
    check_level("htmt", level)


@public(subjects=1, renamed={"n_boot": "n_resamples"})
def htmt(
    fit: PLSResult,
    *,
    data: Any = None,
    kind: str = "htmt",
    ci: str | None = None,
    n_resamples: int = 2000,
    seed: int | None = SEED,
    level: float = 0.95,
) -> pd.DataFrame:
    """Heterotrait–monotrait ratio for every pair of constructs, optionally with bootstrap CIs.

    Parameters
    ----------
    fit : PLSResult
    data : DataFrame, optional
        The data given to :func:`csi.estimate` (default: the data the fit keeps).
    kind : {"htmt", "htmt2"}
        HTMT_ij = mean |r| between the blocks of i and j / √(mean |r| within i · within j)
        with arithmetic means (Henseler, Ringle & Sarstedt 2015) or geometric means (HTMT2,
        Roemer, Schuberth & Henseler 2021). Single-item blocks have monotrait mean 1.
    ci : {None, "percentile"}
        Percentile bootstrap interval (type-7 quantiles) over ``n_resamples`` resamples of the rows.
    n_resamples, seed, level : int, int or None, float
        Resamples, seed of ``numpy.random.default_rng`` (1 by default; None for fresh entropy) and
        confidence level.

    Returns
    -------
    DataFrame ``construct_a, construct_b, htmt, [std_error, ci_low, ci_high, [n_undefined,]] htmt_ok``
        Upper triangle in model order. Without a CI ``htmt_ok`` is HTMT < 0.85; with a CI it is
        ``ci_high`` < 0.85 — the inference approach of Henseler et al. (2015), who judge
        discriminant validity by the upper bound of the bootstrap interval rather than the point
        value (they test against 1; testing against the 0.85 threshold follows Franke &
        Sarstedt 2019). ``std_error`` is the SD of the bootstrap replicates. ``n_undefined``
        (HTMT2 with a CI): resamples in which a correlation entering the pair's HTMT2 was ≤ 0.

    Warns
    -----
    HTMT2Warning
        ``kind="htmt2"`` and a correlation entering a pair's HTMT2 is ≤ 0 in the sample or in any
        resample. HTMT2's geometric means are defined for positive correlations only (Roemer et al.
        2021); csi takes |r| (so integer weights still equal repeated rows), and resamples in which an
        |r| is near zero give huge replicates: on mobi, CUEX2–CUEX3 (r = 0.11) is ≤ 0 in about 4% of
        resamples and the Expectation pairs get SEs of 2–9 against 0.1 for HTMT. The numbers are kept
        (nothing is dropped) and the pairs are named; use ``kind="htmt"`` for those constructs.

    Notes
    -----
    The bootstrap draws, for each resample in turn, multinomial counts
    ``rng.multinomial(n, [1/n]*n)`` over the n rows the fit used and applies them as case weights
    multiplied by the fit's own case weights; HTMT needs only item correlations, so the PLS model
    is not re-estimated. Correlation matrices of many resamples are formed together from one
    matrix product, in blocks that bound memory; results agree with a row-repeating loop over
    the same counts to rounding (``tests/test_validity.py``). Under ``missing="mean"`` the
    imputed item matrix is resampled (means are not re-imputed per resample). Point values
    checked against seminr 0.2.1 ``htmt`` to 1e-6.

    Raises
    ------
    ParameterError
        Unknown ``kind``/``ci``, bad ``n_resamples``/``seed``/``level``.
    DataError
        A block with uncorrelated items, or resamples in which an item is constant.
    """
    _check_htmt_args(kind, ci, n_resamples, seed, level)
    r, pos = _item_corr(fit, data)
    cons = list(fit.model.constructs)
    blocks = [pos[c] for c in cons]
    geometric = kind == "htmt2"
    for c, idx in zip(cons, blocks):
        iu = np.triu_indices(len(idx), 1)
        if len(idx) >= 2 and not _mean_abs(r[idx[iu[0]], idx[iu[1]]], geometric) > 0:
            raise DataError(f"the items of {c!r} are uncorrelated (monotrait mean 0); HTMT is undefined")
    pairs = [(a, b) for i, a in enumerate(cons) for b in cons[i + 1 :]]
    out = pd.DataFrame(pairs, columns=["construct_a", "construct_b"])
    out["htmt"] = _htmt_values(r, blocks, geometric)
    bound = out["htmt"]
    if geometric:
        _warn_nonpositive(out, _nonpositive(r, blocks), "in the sample")
    if ci is not None:
        x, w = _fit_items(fit, data)
        reps, undefined = _htmt_bootstrap(x, w, blocks, geometric, n_resamples, seed, flags=True)
        failed = int((~np.isfinite(reps).all(axis=1)).sum())
        if failed:
            raise DataError(
                f"{failed} of {n_resamples} bootstrap resamples gave no HTMT (an item constant in the resample, or a "
                "block with uncorrelated items); use more rows or ci=None"
            )
        g = 1.0 - level
        lo, hi = np.quantile(reps, [g / 2.0, 1.0 - g / 2.0], axis=0)
        out["std_error"], out["ci_low"], out["ci_high"] = reps.std(axis=0, ddof=1), lo, hi
        if geometric:
            out["n_undefined"] = undefined.sum(axis=0)
            _warn_nonpositive(out, out["n_undefined"].to_numpy() > 0, f"in bootstrap resamples (of {n_resamples})")
        bound = out["ci_high"]
    out["htmt_ok"] = bound < THRESHOLDS["htmt"]
    out.attrs.update(kind=kind, threshold=THRESHOLDS["htmt"], ci=ci, level=level,
                     n_resamples=n_resamples if ci else None, seed=seed if ci else None)
    return out


def _warn_nonpositive(out: pd.DataFrame, bad: np.ndarray, where: str) -> None:
    """HTMT2Warning naming the pairs whose HTMT2 rests on a non-positive correlation ``where``."""
    if not bad.any():
        return
    rows = out[bad]
    counts = rows["n_undefined"].tolist() if "n_undefined" in rows else [None] * len(rows)
    named = [f"{a}–{b}" + ("" if k is None else f" ({k})")
             for a, b, k in zip(rows["construct_a"], rows["construct_b"], counts)]
    pairs = ", ".join(named[:6]) + (f" and {len(named) - 6} more pair(s)" if len(named) > 6 else "")
    if counts[0] is not None:
        pairs += " (resamples per pair in column n_undefined)"
    warnings.warn(
        f"HTMT2 is undefined for {pairs}: a correlation entering it is ≤ 0 {where}. The geometric mean needs "
        "positive correlations (Roemer, Schuberth & Henseler 2021); csi takes |r|, and an |r| near zero makes HTMT2 "
        "explode, so the standard error and interval of these pairs are not usable. Check reverse-coded items, "
        "or use kind='htmt' (arithmetic means).",
        HTMT2Warning,
        stacklevel=3,
    )


# ---------------------------------------------------------------- Fornell–Larcker, cross-loadings, VIF
def _score_corr(fit: PLSResult) -> np.ndarray:
    s = fit.scores.to_numpy(dtype=float)
    w = None if fit.case_weights is None else fit.case_weights.to_numpy(dtype=float)
    return cov_to_corr(weighted_cov(s, w).c)


@public(subjects=1)
def fornell_larcker(fit: PLSResult) -> pd.DataFrame:
    """Fornell & Larcker (1981) criterion: √AVE_i > |r_ij| for all j ≠ i (Mode A constructs).

    Returns
    -------
    DataFrame ``construct_a, construct_b, estimate, ok``
        All ordered pairs; ``estimate`` is √AVE on the diagonal (a == b) and the construct-score
        correlation elsewhere. ``ok``: off-diagonal |r| < min(√AVE_a, √AVE_b); diagonal
        √AVE_a > every |r_aj|. Score correlations weighted when the fit is.
    """
    cons = list(fit.model.constructs)
    keep = [c for c in cons if fit.model.modes[c] == "A"]
    pos = [cons.index(c) for c in keep]
    r = _score_corr(fit)[np.ix_(pos, pos)]
    loads = _loadings(fit)
    root = np.array([np.sqrt((loads[c] ** 2).mean()) for c in keep])
    off = np.abs(r - np.diag(np.diag(r)))
    rows = []
    for i, a in enumerate(keep):
        for j, b in enumerate(keep):
            if i == j:
                rows.append((a, b, root[i], bool(root[i] > off[i].max(initial=0.0))))
            else:
                rows.append((a, b, r[i, j], bool(off[i, j] < min(root[i], root[j]))))
    return pd.DataFrame(rows, columns=["construct_a", "construct_b", "estimate", "ok"])


@public(subjects=1)
def cross_loadings(fit: PLSResult, *, data: Any = None) -> pd.DataFrame:
    """Correlation of every item with every construct score (weighted when the fit is).

    Returns
    -------
    DataFrame ``item, item_construct, construct, loading, own, ok``
        ``own`` marks the item's own construct; ``ok`` (on every row of an item) says the own
        loading exceeds every cross-loading in absolute value.
    """
    x, w = _fit_items(fit, data)
    s = fit.scores.to_numpy(dtype=float)
    c = weighted_cov(np.column_stack([x, s]), w).c
    p = x.shape[1]
    r = cov_to_corr(c)[:p, p:]
    items, cons = list(fit.model.items), list(fit.model.constructs)
    owner = np.array([cons.index(fit.model.construct_of(i)) for i in items])
    own = np.abs(r[np.arange(p), owner])
    others = np.abs(np.where(np.eye(len(cons), dtype=bool)[owner], 0.0, r)).max(axis=1)
    return pd.DataFrame(
        {
            "item": np.repeat(items, len(cons)),
            "item_construct": np.repeat([cons[j] for j in owner], len(cons)),
            "construct": np.tile(cons, p),
            "loading": r.ravel(),
            "own": (owner[:, None] == np.arange(len(cons))[None, :]).ravel(),
            "ok": np.repeat(own > others, len(cons)),
        }
    )


@public(subjects=1)
def outer_vif(fit: PLSResult, *, data: Any = None) -> pd.DataFrame:
    """Variance inflation factor of each item on the other items of its block: diag(R⁻¹).

    Single-item blocks get 1. Checked against seminr 0.2.1 ``item_vifs``. csi inverts the (case-weighted)
    item correlation matrix rather than calling statsmodels ``variance_inflation_factor``, which fits an
    unweighted OLS per item and so cannot use the fit's case weights or missing-value policy.

    Returns
    -------
    DataFrame ``item, construct, vif``
    """
    r, blocks = _item_corr(fit, data)
    rows = []
    for c in fit.model.constructs:
        idx = blocks[c]
        try:
            vif = np.diag(np.linalg.inv(r[np.ix_(idx, idx)])) if len(idx) > 1 else np.ones(1)
        except np.linalg.LinAlgError:
            raise DataError(f"the items of {c!r} are perfectly collinear; VIF is infinite, drop an item") from None
        rows += [(item, c, float(v)) for item, v in zip(fit.model.blocks[c], vif)]
    return pd.DataFrame(rows, columns=["item", "construct", "vif"])

