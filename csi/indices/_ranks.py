"""How sure is a league table's rank: bootstrap intervals for each enterprise's rank, within its industry and
overall.

Each enterprise's index is the one of :func:`csi.enterprise_indices` (its pool's normalised index weights, its
own weighted item means). A resample draws each enterprise's respondents with replacement, n_e of n_e, within
the enterprise (the enterprises are independent samples), recomputes every enterprise's item means and its index
with the *same* index weights (the ACSI formula of :mod:`csi._stats`, as the bootstrap and
:func:`csi.index_difference` do), and ranks the enterprises again (rank 1 = highest index, ties share the best
rank, as :func:`csi.league_table`). The rank interval is the percentile interval of the resampled ranks
(type-1 quantiles, so its ends are ranks that occurred), widened where needed to contain the point rank: a
rank's bootstrap distribution is discrete and skewed near the ends of the table, and an interval that left out
the rank printed beside it would only confuse (Goldstein & Spiegelhalter 1996, "League tables and their
limitations", JRSS A 159(3), 385–443, who also resample to interval ranks; Hall & Miller 2009, "Using the
bootstrap to quantify the authority of an empirical ranking", Annals of Statistics 37(6B), 3929–3959).

The weights' own sampling error (shared by the enterprises of a pool) is held fixed, as in
:func:`csi.index_difference`.

With multiple imputation (an :class:`MIResult` as a pool's fit) the point index is the pooled one of
:func:`csi.enterprise_indices`, and the resamples are shared out among the completed data sets (resample k uses
set k mod m, scored with that set's fit): the pooled-sample bootstrap of Schomaker & Heumann (2018), "Bootstrap
inference when using multiple imputation", Statistics in Medicine 37(14), 2252–2266.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csi import _stats
from csi._api import SEED, check_int, check_level, check_seed, public
from csi._data import OVERALL, case_weights, item_matrix
from csi._stats import weighted_means
from csi._validation import suggest
from csi.exceptions import DataError
from csi.indices._index import _bounds, _normalized_weights, _owner, enterprise_indices
from csi.pls import MIResult, PLSResult
from csi.pls._bootstats import draw_counts

__all__ = ["rank_intervals"]


@public(subjects=2)
def rank_intervals(fit: PLSResult | MIResult | Mapping[str, PLSResult | MIResult], data: pd.DataFrame, *,
                   construct: str = "Satisfaction",
                   by: str = "enterprise_id", industry: str | Mapping[str, str] | None = None,
                   pools: Mapping[str, Sequence[str]] | None = None, weights: Any = None, n_resamples: int = 2000,
                   seed: int | None = SEED, level: float = 0.95,
                   scale: tuple[float, float] | None = None) -> pd.DataFrame:
    """Each enterprise's rank by ``construct``'s index, within its industry and overall, with bootstrap intervals.

    Parameters
    ----------
    fit : PLSResult or MIResult, or a mapping pool key → either
        The fit whose index weights score the enterprises (a pooled model); or one fit per pool, e.g.
        ``StudyAnalysis.fits``, with ``pools`` saying which enterprises each scores. An :class:`MIResult` scores
        its pool's enterprises on each completed data set (``data`` must be rows of the data it imputed).
    data : DataFrame
        The respondents, with the enterprise column ``by``.
    construct : str
        The construct ranked (default the target, Satisfaction).
    by : str
        The enterprise column of ``data``.
    industry : column name, mapping enterprise → industry, or None
        Each enterprise's industry (a column of ``data`` or e.g. ``{e.id: e.industry for e in study.enterprises}``);
        None: one group, ``all``, so ``rank_in_group`` is the overall rank.
    pools : mapping pool key → enterprise ids, optional
        With a mapping ``fit``: the enterprises each fit scores (``StudyAnalysis.pools``). Every enterprise of
        ``data`` must be scored by exactly one fit.
    weights : None, str or array-like
        Case weights (a column of ``data`` or values aligned with its rows); a resample's weights are
        count × weight.
    n_resamples, seed, level :
        Resamples (all counts drawn first, enterprise by enterprise, from ``default_rng(seed)``), and the
        interval's level.
    scale : (min, max), optional
        Declared scale of every item; default the fit's.

    Returns
    -------
    DataFrame
        ``enterprise_id, industry, index, rank, rank_ci_low, rank_ci_high, rank_in_group, rank_in_group_ci_low,
        rank_in_group_ci_high, n, n_failed`` sorted by rank: ``index`` and ``n`` are
        :func:`csi.enterprise_indices`'; ``n_failed`` counts resamples left out because an enterprise had no answer
        to an item in them (its index undefined).
    """
    check_int("rank_intervals", "n_resamples", n_resamples, 2, what="resamples")
    check_seed("rank_intervals", seed)
    check_level("rank_intervals", level)
    if by not in data.columns:
        raise DataError(f"rank_intervals: no enterprise column {by!r} in data{suggest(by, data.columns)}")
    if data[by].isna().any():
        raise DataError(f"rank_intervals: {int(data[by].isna().sum())} row(s) have no {by!r}; assign or drop them")
    scorers = _scorers(fit, pools, data[by])
    w = case_weights(data, weights, what="rank data")
    w = np.ones(len(data)) if w is None else w
    rng = np.random.default_rng(seed)
    codes, ids = pd.factorize(data[by])
    ids = ids.tolist()
    fits = {id(f): f for f in scorers.values()}
    owner = np.array([id(scorers[e]) for e in ids])[codes]  # the fit that scores each row
    own, parts = {}, {}  # enterprise → (index, n) by enterprise_indices, one call per fit; fit → parts per set
    for key, model_fit in fits.items():
        completed = model_fit.fits if isinstance(model_fit, MIResult) else (model_fit,)
        _check_construct(completed[0], construct)
        mine = owner == key
        table = enterprise_indices(model_fit, data[mine], by=by, constructs=[construct], weights=w[mine], scale=scale)
        own |= {e: (i, k) for e, i, k in table[["enterprise_id", "index", "n"]].itertuples(index=False)}
        parts[key] = [_index_parts(f, construct, scale) for f in completed]
    point = [float(own[e][0]) for e in ids]
    n = [int(own[e][1]) for e in ids]
    boot = np.empty((n_resamples, len(ids)))  # resamples × enterprises
    for code, enterprise in enumerate(ids):
        rows = np.flatnonzero(codes == code)
        counts = draw_counts(rng, len(rows), n_resamples, None, None)
        scorer, own_rows = scorers[enterprise], data.iloc[rows]
        sets = scorer.imputations if isinstance(scorer, MIResult) else (None,)
        for k, (set_parts, completed) in enumerate(zip(parts[id(scorer)], sets)):
            frame = own_rows
            if completed is not None:  # the k-th completed set's answers in the missing cells
                frame = own_rows.assign(**completed.loc[own_rows.index, list(scorer.model.items)])
            boot[k::len(sets), code] = _resampled(set_parts, frame, w[rows], counts[k::len(sets)])
    ok = np.isfinite(boot).all(axis=1)
    if ok.sum() < 2:
        raise DataError(f"rank_intervals: only {int(ok.sum())} of {n_resamples} resamples give every enterprise an "
                        f"index of {construct} (an item without answers in a resample)")
    groups = _industries(industry, data, by, ids)
    table = pd.DataFrame({"enterprise_id": ids, "industry": groups, "index": point})
    alpha = 1.0 - level
    table["rank"], table["rank_ci_low"], table["rank_ci_high"] = _ranked(np.array(point), boot[ok], alpha)
    for cols, values in _by_group(groups, np.array(point), boot[ok], alpha):
        table.loc[cols, ["rank_in_group", "rank_in_group_ci_low", "rank_in_group_ci_high"]] = np.column_stack(values)
    table = table.astype({c: int for c in ("rank_in_group", "rank_in_group_ci_low", "rank_in_group_ci_high")})
    table["n"], table["n_failed"] = n, int((~ok).sum())
    return table.sort_values(["rank", "enterprise_id"], kind="mergesort").reset_index(drop=True)


def resampled_index(fit: PLSResult, data: pd.DataFrame, w: np.ndarray, counts: np.ndarray, construct: str,
                    scale: tuple[float, float] | None = None) -> np.ndarray:
    """``construct``'s index in each resample (a row of ``counts``: how often each row of ``data`` is drawn),
    with the fit's normalised weights: the index formula of :mod:`csi._stats`, on count × weight item means of
    the construct's own items (the other constructs' items do not enter its index)."""
    return _resampled(_index_parts(fit, construct, scale), data, w, counts)


def _index_parts(fit: PLSResult, construct: str, scale: tuple[float, float] | None) -> tuple:
    """The construct's items, their normalised index weights and declared bounds."""
    lo, hi = _bounds(fit, scale)
    own = np.flatnonzero(_owner(fit) == fit.model.constructs.index(construct))
    return tuple(fit.model.items[i] for i in own), _normalized_weights(fit)[own], lo[own], hi[own]


def _resampled(parts: tuple, data: pd.DataFrame, w: np.ndarray, counts: np.ndarray) -> np.ndarray:
    items, wn, lo, hi = parts
    means = weighted_means(item_matrix(data, items, what="rank data"), w, rows=counts.astype(float))[0]
    return _stats.index_values(wn, means, lo, hi, np.zeros(len(items), dtype=int))[:, 0]  # one block


def _ranked(point: np.ndarray, boot: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Point rank (1 = highest, ties "min") and the percentile interval of the resampled ranks, containing it."""
    rank = stats.rankdata(-point, method="min").astype(int)
    ranks = stats.rankdata(-boot, method="min", axis=1)
    low = np.quantile(ranks, alpha / 2, axis=0, method="inverted_cdf").astype(int)
    high = np.quantile(ranks, 1 - alpha / 2, axis=0, method="inverted_cdf").astype(int)
    return rank, np.minimum(low, rank), np.maximum(high, rank)


def _by_group(groups: list[str], point: np.ndarray, boot: np.ndarray, alpha: float):
    """(row positions, (rank, low, high)) of each industry, ranked among its own enterprises."""
    labels = np.array(groups, dtype=object)
    for group in dict.fromkeys(groups):
        cols = np.flatnonzero(labels == group)
        yield cols, _ranked(point[cols], boot[:, cols], alpha)


def _scorers(fit: Any, pools: Mapping[str, Sequence[str]] | None, enterprises: pd.Series
             ) -> dict[Any, PLSResult | MIResult]:
    """The fit that scores each enterprise of the data."""
    present = list(dict.fromkeys(enterprises))
    if isinstance(fit, PLSResult | MIResult):
        if pools is not None:
            raise DataError("rank_intervals: pools= goes with one fit per pool (a mapping pool key → PLSResult); "
                            "with a single fit, leave it out")
        return dict.fromkeys(present, fit)
    if not isinstance(fit, Mapping) or not all(isinstance(f, PLSResult | MIResult) for f in fit.values()):
        raise DataError(f"rank_intervals: fit must be a PLSResult (or MIResult) or a mapping pool key → PLSResult "
                        f"(StudyAnalysis.fits), got {type(fit).__name__}")
    if pools is None:
        raise DataError("rank_intervals: with one fit per pool, pools= must say which enterprises each scores "
                        "(StudyAnalysis.pools)")
    scorer: dict[Any, PLSResult | MIResult] = {}
    for key, members in pools.items():
        for enterprise in members:
            if key in fit:
                scorer.setdefault(enterprise, fit[key])
    missing = [str(e) for e in present if e not in scorer]
    if missing:
        raise DataError(f"rank_intervals: no fit scores enterprise(s) {', '.join(missing[:10])}: they are in no pool "
                        "of pools= with a fit; leave their rows out or add their pool")
    return scorer


def _check_construct(fit: PLSResult, construct: str) -> None:
    if construct not in fit.model.constructs:
        raise DataError(f"rank_intervals: unknown construct {construct!r}{suggest(construct, fit.model.constructs)}; "
                        f"constructs: {', '.join(fit.model.constructs)}")


def _industries(industry: Any, data: pd.DataFrame, by: str, ids: list) -> list[str]:
    """Each enterprise's industry: one group when None, from a mapping, or from a column of ``data``."""
    if industry is None:
        return [OVERALL] * len(ids)
    if isinstance(industry, str):
        if industry not in data.columns:
            raise DataError(f"rank_intervals: no industry column {industry!r} in data{suggest(industry, data.columns)}"
                            "; give the column, or a mapping enterprise → industry")
        per = data.groupby(by, sort=False)[industry].nunique(dropna=False)
        if (per > 1).any():
            raise DataError(f"rank_intervals: enterprise(s) {', '.join(map(str, per.index[per > 1][:5]))} have several "
                            f"values of {industry!r}; an enterprise belongs to one industry")
        mapping = data.groupby(by, sort=False)[industry].first().to_dict()
    elif isinstance(industry, Mapping):
        mapping = dict(industry)
    else:
        raise DataError(f"rank_intervals: industry must be a column name, a mapping enterprise → industry or None, "
                        f"got {type(industry).__name__}")
    missing = [str(e) for e in ids if pd.isna(mapping.get(e))]
    if missing:
        raise DataError(f"rank_intervals: no industry for enterprise(s) {', '.join(missing[:10])}")
    return [str(mapping[e]) for e in ids]
