"""0-100 satisfaction indices from a PLS fit (the ACSI index formula), per construct, per enterprise
(with linearization SEs) and as differences between two groups (bootstrap).

Fornell (1992), "A national customer satisfaction barometer: the Swedish experience",
Journal of Marketing 56(1), 6-21; Fornell, Johnson, Anderson, Cha & Bryant (1996),
"The American Customer Satisfaction Index", Journal of Marketing 60(4), 7-18.

For a construct with items x_i on declared scales [min_i, max_i], with standardized
outer weights w*_i and item SDs s_i::

    w_i   = w*_i / s_i                   (unstandardized weights)
    w~_i  = w_i / sum_j w_j              (normalized within the construct: item_weights)
    index = 100 * (sum w~_i mean_i - sum w~_i min_i) / sum w~_i (max_i - min_i)

The formula is written once, in :mod:`csi._stats` (the bootstrap applies it to every resample);
this module adds the checks and the tables. On the mobi data (ECSI model, path scheme, scale 1-10)
it gives the Satisfaction index 72.45 quoted as the reference figure (see
``tests/reference/mobi_reference.md``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from csi import _stats
from csi._api import SEED, check_int, check_level, check_seed, public
from csi._data import case_weights, item_matrix, row_labels, scale_bounds
from csi._stats import weighted_means
from csi._validation import suggest
from csi.exceptions import CSIWarning, DataError, SchemaError
from csi.pls import MIResult, PLSResult
from csi.pls._bootstats import design_codes, draw_counts
from csi.pls._mi import pool_runs

__all__ = ["NegativeWeightWarning", "csi_index", "enterprise_indices", "index_difference", "item_scores",
           "item_weights"]


class NegativeWeightWarning(CSIWarning):
    """A construct has a negative normalized outer weight, so its index is not a convex
    combination of its item scores and may fall outside 0-100."""


def _bounds(fit: PLSResult, scale: tuple[float, float] | None) -> tuple[np.ndarray, np.ndarray]:
    """Declared (min, max) per model item, from ``scale`` or ``fit.scales``."""
    return scale_bounds(fit.scales, fit.model.items, scale)


def _owner(fit: PLSResult) -> np.ndarray:
    """The construct (its position in the model) of every model item."""
    pos = {c: j for j, c in enumerate(fit.model.constructs)}
    return np.array([pos[fit.model.construct_of(i)] for i in fit.model.items])


def _means(fit: PLSResult, data: pd.DataFrame | None, weights: Any) -> np.ndarray:
    """Item means: the fit's own, or the (weighted, NaN-skipping) means of ``data``."""
    if data is None:
        if weights is not None:
            raise DataError("weights= applies to data=; the fit's own means already use its case weights")
        return fit.item_stats.set_index("item")["mean"].reindex(list(fit.model.items)).to_numpy(dtype=float)
    items = fit.model.items
    x = item_matrix(data, items, what="index data")
    means, totals = weighted_means(x, case_weights(data, weights, what="index data"))
    empty = ~(totals > 0)
    if empty.any():
        names = ", ".join(items[j] for j in np.flatnonzero(empty))
        raise DataError(f"index data has no observed (positively weighted) values for item(s) {names}")
    return means


def _normalized_weights(fit: PLSResult) -> np.ndarray:
    """w~_i of every model item (model order), by :func:`csi._stats.index_weights`, with clear errors."""
    items = list(fit.model.items)
    outer = fit.outer.set_index("item")["weight"].reindex(items).to_numpy(dtype=float)
    sd = fit.item_stats.set_index("item")["sd"].reindex(items).to_numpy(dtype=float)
    absent = [i for i, a, b in zip(items, outer, sd) if np.isnan(a) or np.isnan(b)]
    if absent:
        raise SchemaError(f"the fit has no outer weight or item SD for item(s) {', '.join(absent)}; "
                          "pass the PLSResult that csi.estimate returned for this model")
    owner = _owner(fit)
    wn = _stats.index_weights(outer, sd, owner)
    bad = sorted({fit.model.constructs[j] for j in owner[~np.isfinite(wn)]})
    if bad:
        raise DataError(f"unstandardized weights of {', '.join(bad)} sum to zero; the index is undefined")
    return wn


def _item_frame(fit: PLSResult) -> pd.DataFrame:
    items = fit.model.items
    return pd.DataFrame({"construct": [fit.model.construct_of(i) for i in items], "item": list(items)})


@public(subjects=1)
def item_weights(fit: PLSResult) -> pd.DataFrame:
    """The normalised index weights w~_i = (w*_i / s_i) / Σ_j (w*_j / s_j) of every item (ACSI formula).

    Returns
    -------
    DataFrame
        ``construct, item, item_weight`` in model order; the weights of a construct sum to 1. The one
        place they are computed: :func:`csi_index`, :func:`enterprise_indices`, :func:`index_difference`,
        IPMA item importance and the bootstrap index all use the same formula (:mod:`csi._stats`).
    """
    return _item_frame(fit).assign(item_weight=_normalized_weights(fit))


def _lower_set(lower_is_better: Any, constructs: Sequence[str], where: str) -> frozenset[str]:
    """The constructs read lower-is-better, checked against ``constructs`` (DataError naming ``where``)."""
    if isinstance(lower_is_better, str):
        raise DataError(f"{where}: lower_is_better takes a list of constructs, e.g. [{lower_is_better!r}]")
    lower = [str(c) for c in lower_is_better]
    unknown = [c for c in lower if c not in constructs]
    if unknown:
        raise DataError(f"{where}: lower_is_better names {', '.join(map(repr, unknown))}, not a construct"
                        f"{suggest(unknown[0], constructs)}; constructs: {', '.join(constructs)}")
    return frozenset(lower)


def _fit_lower_set(fit: PLSResult, lower_is_better: Sequence[str] | None, where: str) -> frozenset[str]:
    """``lower_is_better``, or (None) the model's declaration ``fit.model.lower_is_better``."""
    given = fit.model.lower_is_better if lower_is_better is None else lower_is_better
    return _lower_set(given, fit.model.constructs, where)


@public(subjects=1)
def csi_index(
    fit: PLSResult,
    *,
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
    wn, owner = _normalized_weights(fit), _owner(fit)
    index = _stats.index_values(wn, mean, lo, hi, owner)
    items = np.array(fit.model.items)
    negative = []
    for j, construct in enumerate(fit.model.constructs):
        flagged = items[(owner == j) & (wn < 0)]
        negative.append(len(flagged) > 0)
        if len(flagged):
            warnings.warn(
                f"construct {construct!r} has negative normalized weight(s) for item(s) {', '.join(flagged)}; "
                "its index is not a weighted average of item scores and may leave 0-100; "
                "check the item coding or drop the item",
                NegativeWeightWarning,
                stacklevel=2,
            )
    return pd.DataFrame({"construct": list(fit.model.constructs), "index": index, "negative_weights": negative})


@public(subjects=1)
def item_scores(
    fit: PLSResult,
    *,
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


@public(subjects=3, renamed={"n": "n_resamples"})
def index_difference(
    fit: PLSResult,
    data_a: pd.DataFrame,
    data_b: pd.DataFrame,
    *,
    n_resamples: int = 2000,
    seed: int | None = SEED,
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
    each group independently (``n_resamples`` times, all counts drawn first from ``default_rng(seed)``), the weighted item
    means recomputed, and the difference re-evaluated. The CI is the percentile (type 7) interval;
    p = min(1, 2·min(P*(d ≤ 0), P*(d ≥ 0))). The pooled weights are held fixed: their sampling
    error, shared by both groups, is not part of the interval. ``strata_*`` / ``cluster_*`` (one label
    per row of that group) make the resampling follow the design: within strata, whole clusters.

    Returns
    -------
    DataFrame
        ``construct, index_a, index_b, difference, std_error, ci_low, ci_high, p_value, n_failed``
        (``n_failed``: resamples left out because an item had no answer in them).
    """
    check_int("index_difference", "n_resamples", n_resamples, 2, what="resamples")
    check_seed("index_difference", seed)
    check_level("index_difference", level)
    lo, hi = _bounds(fit, scale)
    wn, owner = _normalized_weights(fit), _owner(fit)
    cons = list(fit.model.constructs)
    rng = np.random.default_rng(seed)
    sides = []
    for data, weights, name, strata, cluster in ((data_a, weights_a, "data_a", strata_a, cluster_a),
                                                 (data_b, weights_b, "data_b", strata_b, cluster_b)):
        x = item_matrix(data, fit.model.items, what=name)
        w = case_weights(data, weights, what=name)
        w = np.ones(len(x)) if w is None else w
        st, cl = (design_codes(v, len(x), f"{what} of {name}") for v, what in ((strata, "strata"), (cluster, "cluster")))
        counts = draw_counts(rng, len(x), n_resamples, st, cl).astype(float)
        means = np.vstack([_means(fit, data, weights)[None, :], weighted_means(x, w, rows=counts)[0]])
        sides.append(_stats.index_values(wn, means, lo, hi, owner))
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


@public(subjects=2)
def enterprise_indices(fit: PLSResult | MIResult, data: pd.DataFrame, *, by: str = "enterprise_id",
                       constructs: Sequence[str] | None = None, weights: Any = None, level: float = 0.95,
                       scale: tuple[float, float] | None = None) -> pd.DataFrame:
    """Index, linearization SE and CI of each group (enterprise) with the fit's weights.

    Each group's index is :func:`csi_index` ``(fit, data=group)``: the fit's normalised weights (e.g. a
    pooled industry model: the ACSI practice, Fornell et al. 1996) and the group's own weighted item
    means. For one model per enterprise, estimate each enterprise's model and call this on its rows.

    Standard error (linearization, conditional on the fit's outer weights). With fixed normalised weights
    the index is linear in the item means m_i::

        index = Σ_i c_i (m_i − min_i),   c_i = 100 w~_i / Σ_j w~_j (max_j − min_j)
        z_r   = Σ_i c_i w_r (x_ri − m_i) / W_i   (over the items r answered; W_i = Σ weights of those answering i)
        SE²   = n/(n − 1) Σ_r z_r²

    (Woodruff 1971 linearization, as R survey ``svymean`` for a with-replacement design; Lumley 2010
    §2.4). With complete data and equal weights this is sd(respondent scores)/√n, checked in the tests
    against :func:`csi.svy_mean` (itself pinned to R survey). Uncertainty of the weights is not included.

    Parameters
    ----------
    fit : PLSResult or MIResult
        With an :class:`MIResult` (:func:`csi.estimate_mi`), each completed data set is scored with its own fit
        and the groups' indices are pooled by Rubin's rules (ν_com = n − 1 per group; ``df`` and ``fmi`` are
        added): ``data`` must be rows of the data given to :func:`csi.estimate_mi`, whose imputed cells replace
        its missing ones.
    data : DataFrame
        The respondents, with the grouping column ``by``.
    by : str
        Grouping column (enterprise id, or any segment such as a channel).
    constructs : list of str, optional
        Default: every construct of the model.
    weights : None, str or array-like
        Case weights (a column of ``data`` or values aligned with its rows).
    level : float
        Confidence level of the CI: index ± t(n − 1) · SE (Student's t with n − 1 degrees of freedom, as
        R survey's ``confint(svymean(…), df = degf(design))`` for a sample without strata or clusters; the
        normal 1.96 understates the width for small enterprises). The index lies in [0, 100], so an interval
        end beyond the scale is cut at 0 or 100 (a small enterprise near the top of the scale).
    scale : (min, max), optional
        Declared scale of every item; default ``fit.scales``.

    Returns
    -------
    DataFrame
        ``enterprise_id, construct, index, std_error, ci_low, ci_high, n`` (the group's label is in
        ``enterprise_id`` whatever ``by`` is; groups in order of appearance, each with its constructs;
        ``n`` = respondents with an answer to the construct). All groups are computed at once: a sum over
        each group's rows is one sparse product.
    """
    check_level("enterprise_indices", level)
    if isinstance(fit, MIResult):
        return _pooled_indices(fit, data, by=by, constructs=constructs, weights=weights, level=level, scale=scale)
    if by not in data.columns:
        raise DataError(f"grouping column {by!r} not in data{suggest(by, data.columns)}; "
                        f"columns available: {', '.join(map(str, data.columns))}")
    model = fit.model
    constructs = list(constructs or model.constructs)
    unknown = [c for c in constructs if c not in model.constructs]
    if unknown:
        raise DataError(f"unknown construct(s) {', '.join(map(repr, unknown))}{suggest(unknown[0], model.constructs)}; "
                        f"constructs: {', '.join(model.constructs)}")
    codes, keys = data[by].factorize(sort=False)
    if (codes < 0).any():
        raise DataError(f"{int((codes < 0).sum())} row(s) have no {by!r}; assign or drop them first")
    w = case_weights(data, weights, what="index data")
    w = np.ones(len(data)) if w is None else w
    member = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(keys), len(codes)))
    lo, hi = _bounds(fit, scale)
    owner = _owner(fit)
    coef = _stats.index_coefficients(_normalized_weights(fit), lo, hi, owner)
    frames = []
    for construct in constructs:
        j = np.flatnonzero(owner == model.constructs.index(construct))
        c = coef[j]
        x = item_matrix(data, tuple(model.items[i] for i in j), what="index data")
        m, big_w = weighted_means(x, w, rows=member)  # groups × items; big_w = Σ weights of those answering
        empty = np.flatnonzero((big_w <= 0).any(axis=1))
        if len(empty):
            raise DataError(f"{construct}: an item has no observed answers in {by} "
                            f"{', '.join(map(str, keys[empty]))}; the index is undefined.")
        seen = ~np.isnan(x)
        z = (np.where(seen, x - m[codes], 0.0) * w[:, None] / big_w[codes] * c).sum(axis=1)
        n = member @ seen.any(axis=1).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.where(n > 1, np.sqrt(n / (n - 1) * (member @ z ** 2)), np.nan)
        index = (m - lo[j]) @ c  # Σ c_i (m_i − min_i): the index formula of csi._stats.index_values
        q = _stats.t_quantile(level, n - 1)  # Student's t with n − 1 df: R survey confint(df = degf(design))
        # the index lies in [0, 100]: an interval end beyond it is cut there (coverage is unchanged)
        low, high = np.clip(index - q * se, 0, 100), np.clip(index + q * se, 0, 100)
        frames.append(pd.DataFrame({"enterprise_id": keys.tolist(), "construct": construct, "index": index,
                                    "std_error": se, "ci_low": low, "ci_high": high,
                                    "n": n.astype(int)}))
    by_group = np.arange(len(keys) * len(constructs)).reshape(len(constructs), len(keys)).T.ravel()
    return pd.concat(frames, ignore_index=True).iloc[by_group].reset_index(drop=True)


def _pooled_indices(mi: MIResult, data: pd.DataFrame, *, level: float, **options: Any) -> pd.DataFrame:
    """Rubin's rules over the completed sets, each scored with its own fit; the CI cut at [0, 100] as above."""
    items = list(mi.model.items)
    outside = ~data.index.isin(mi.imputations[0].index)
    if outside.any() or not data.index.is_unique:
        raise DataError(f"enterprise_indices: with an MIResult, data must be rows of the data given to estimate_mi "
                        f"(matched by index, unique); {int(outside.sum())} row(s) are not: "
                        f"{row_labels(data.index, outside) if outside.any() else 'the index repeats labels'}")
    runs = [enterprise_indices(fit, data.assign(**completed.loc[data.index, items]), level=level, **options)
            for fit, completed in zip(mi.fits, mi.imputations)]
    first = runs[0]
    q = np.array([run["index"].to_numpy(dtype=float) for run in runs])
    u = np.array([run["std_error"].to_numpy(dtype=float) ** 2 for run in runs])
    pooled = pool_runs(q, u, first["n"].to_numpy(dtype=float) - 1.0, level)
    low, high = np.clip(pooled["ci_low"], 0, 100), np.clip(pooled["ci_high"], 0, 100)
    return first.assign(index=pooled["estimate"], std_error=pooled["std_error"], ci_low=low, ci_high=high,
                        df=pooled["df"], fmi=pooled["fmi"])
