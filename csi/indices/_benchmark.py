"""Benchmarking: per-enterprise indices with standard errors, league tables, industry and overall
indices, change against the previous wave, and importance–performance quadrants.

Standard error of an enterprise index (linearization, conditional on the pooled outer weights).
With fixed normalized weights the index is linear in the item means m_i::

    index = Σ_i c_i (m_i − min_i),   c_i = 100 w~_i / Σ_j w~_j (max_j − min_j)
    z_r   = Σ_i c_i w_r (x_ri − m_i) / W_i   (over the items r answered; W_i = Σ weights of those answering i)
    SE²   = n/(n − 1) Σ_r z_r²

(Woodruff 1971 linearization, as R survey ``svymean`` for a with-replacement design; Lumley
2010 §2.4). With complete data and equal weights this is sd(respondent scores)/√n, checked in
the tests against :func:`csi.svy_mean` (itself pinned to R survey). Uncertainty of the pooled
weights is not included: they come from the whole industry pool.

Differences: enterprise vs the mean of its industry peers (leave-one-out, so the two are
independent): d = I_e − mean(I_peers), SE² = se_e² + Σ se_j²/(k−1)², z-test, Holm-adjusted
within the industry (Holm 1979). Change vs previous wave: independent samples,
SE² = se_now² + se_prev². Quadrants follow Martilla & James (1977) with importance = total
effect on the target construct and performance = its index (IPMA: Ringle & Sarstedt 2016).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse, stats

from csi._data import case_weights, item_matrix
from csi.exceptions import DataError
from csi.indices._index import csi_index
from csi.pls import PLSResult

__all__ = ["enterprise_indices", "holm", "importance_performance", "industry_indices", "league_table",
           "pairwise_differences"]


def _coefficients(fit: PLSResult, construct: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Items, c_i and min_i of a construct (the ACSI formula of csi.index, written out)."""
    items = [i for i in fit.model.items if fit.model.construct_of(i) == construct]
    outer = fit.outer.set_index("item").loc[items, "weight"].to_numpy(float)
    sd = fit.item_stats.set_index("item").loc[items, "sd"].to_numpy(float)
    lo, hi = np.array([fit.scales[i] for i in items], float).T
    wn = (outer / sd) / (outer / sd).sum()
    return items, 100.0 * wn / np.dot(wn, hi - lo), lo


def enterprise_indices(fit: PLSResult, data: pd.DataFrame, by: str = "enterprise_id",
                       constructs: Sequence[str] | None = None, weights: str | None = None,
                       level: float = 0.95) -> pd.DataFrame:
    """Index, linearization SE and CI of each group (enterprise) with the fit's weights.

    Returns ``enterprise_id, construct, index, std_error, ci_low, ci_high, n`` (groups in order of
    appearance, each with its constructs); ``index`` equals :func:`csi.csi_index` ``(fit, data=group)``.
    All groups are computed at once: a sum over each group's rows is one sparse product.
    """
    constructs = list(constructs or fit.model.constructs)
    q = stats.norm.ppf(0.5 + level / 2)
    codes, keys = data[by].factorize(sort=False)
    if (codes < 0).any():
        raise DataError(f"{int((codes < 0).sum())} row(s) have no {by!r}; assign or drop them first")
    w = case_weights(data, weights, what="index data")
    w = np.ones(len(data)) if w is None else w
    member = sparse.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(keys), len(codes)))
    frames = []
    for construct in constructs:
        items, c, lo = _coefficients(fit, construct)
        x = item_matrix(data, tuple(items), what="index data")
        seen = ~np.isnan(x)
        big_w = member @ (seen * w[:, None])  # groups × items: Σ weights of those answering
        empty = np.flatnonzero((big_w <= 0).any(axis=1))
        if len(empty):
            raise DataError(f"{construct}: an item has no observed answers in {by} "
                            f"{', '.join(map(str, keys[empty]))}; the index is undefined.")
        m = (member @ (np.where(seen, x, 0.0) * w[:, None])) / big_w
        z = (np.where(seen, x - m[codes], 0.0) * w[:, None] / big_w[codes] * c).sum(axis=1)
        n = member @ seen.any(axis=1).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            se = np.where(n > 1, np.sqrt(n / (n - 1) * (member @ z ** 2)), np.nan)
        index = (m - lo) @ c
        frames.append(pd.DataFrame({"enterprise_id": keys.tolist(), "construct": construct, "index": index, "std_error": se,
                                    "ci_low": index - q * se, "ci_high": index + q * se, "n": n.astype(int)}))
    by_group = np.arange(len(keys) * len(constructs)).reshape(len(constructs), len(keys)).T.ravel()
    return pd.concat(frames, ignore_index=True).iloc[by_group].reset_index(drop=True)


def holm(p: Sequence[float]) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values (as R ``p.adjust(method = "holm")``)."""
    p = np.asarray(p, float)
    order = np.argsort(p, kind="mergesort")
    m = len(p)
    adjusted = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def league_table(indices: pd.DataFrame, previous: pd.DataFrame | None = None, *, by: str = "industry",
                 level: float = 0.95, alpha: float = 0.05) -> pd.DataFrame:
    """Rank enterprises with CIs, test each against its peers and against its previous wave.

    Parameters
    ----------
    indices : one row per enterprise: ``enterprise_id, index, std_error`` and the ``by`` column.
    previous : optional ``enterprise_id, index, std_error`` of the previous wave.

    Returns
    -------
    DataFrame sorted by index: ``rank, enterprise_id, <by>, index, std_error, ci_low, ci_high,
    rank_in_group, peer_mean, diff_vs_peers, p_value, p_holm, versus_peers`` ("above" / "below" /
    "not significant", Holm at ``alpha``) and, with ``previous``, ``previous_index, change,
    change_ci_low, change_ci_high, change_p_value, change_direction``. Ranks of equal indices
    share the best rank ("min" method).
    """
    need = ["enterprise_id", "index", "std_error", by]
    absent = [c for c in need if c not in indices.columns]
    if absent:
        raise DataError(f"league_table: missing column(s) {', '.join(absent)}; need {', '.join(need)}.")
    t = indices.copy().reset_index(drop=True)
    q = stats.norm.ppf(0.5 + level / 2)
    t["ci_low"], t["ci_high"] = t["index"] - q * t["std_error"], t["index"] + q * t["std_error"]
    t["rank"] = t["index"].rank(ascending=False, method="min").astype(int)
    t["rank_in_group"] = t.groupby(by)["index"].rank(ascending=False, method="min").astype(int)
    parts = [_versus_peers(g) for _, g in t.groupby(by, sort=False)]
    t = pd.concat(parts).sort_index()
    t["p_holm"] = t.groupby(by)["p_value"].transform(lambda p: pd.Series(holm(p.fillna(1.0)), index=p.index))
    t.loc[t["p_value"].isna(), "p_holm"] = np.nan
    t["versus_peers"] = np.where(t["p_holm"] < alpha, np.where(t["diff_vs_peers"] > 0, "above", "below"),
                                 "not significant")
    if previous is not None:
        t = _change(t, previous, q, alpha)
    first = ["rank", "enterprise_id", by, "index", "std_error", "ci_low", "ci_high", "rank_in_group"]
    return t[first + [c for c in t.columns if c not in first]].sort_values(["rank", "enterprise_id"]) \
        .reset_index(drop=True)


def _versus_peers(g: pd.DataFrame) -> pd.DataFrame:
    g = g.copy()
    k = len(g)
    if k < 2:
        g["peer_mean"] = g["diff_vs_peers"] = g["p_value"] = np.nan
        return g
    total, var_total = g["index"].sum(), (g["std_error"] ** 2).sum()
    g["peer_mean"] = (total - g["index"]) / (k - 1)
    g["diff_vs_peers"] = g["index"] - g["peer_mean"]
    se = np.sqrt(g["std_error"] ** 2 + (var_total - g["std_error"] ** 2) / (k - 1) ** 2)
    g["p_value"] = 2 * stats.norm.sf(np.abs(g["diff_vs_peers"] / se))
    return g


def _change(t: pd.DataFrame, previous: pd.DataFrame, q: float, alpha: float) -> pd.DataFrame:
    prev = previous[["enterprise_id", "index", "std_error"]].rename(
        columns={"index": "previous_index", "std_error": "previous_std_error"})
    t = t.merge(prev, on="enterprise_id", how="left")
    t["change"] = t["index"] - t["previous_index"]
    se = np.sqrt(t["std_error"] ** 2 + t["previous_std_error"] ** 2)
    t["change_ci_low"], t["change_ci_high"] = t["change"] - q * se, t["change"] + q * se
    t["change_p_value"] = 2 * stats.norm.sf(np.abs(t["change"] / se))
    t["change_direction"] = np.select(
        [t["change"].isna(), (t["change_p_value"] < alpha) & (t["change"] > 0), t["change_p_value"] < alpha],
        ["no previous wave", "up", "down"], "no significant change")
    return t


def pairwise_differences(indices: pd.DataFrame, *, by: str | None = "industry", level: float = 0.95) -> pd.DataFrame:
    """All pairwise differences (within ``by`` groups, or all pairs with ``by=None``) with z-tests and
    Holm-adjusted p-values over the pairs of each group: ``group, a, b, diff, std_error, ci_low,
    ci_high, p_value, p_holm``."""
    q = stats.norm.ppf(0.5 + level / 2)
    groups = [("all", indices)] if by is None else list(indices.groupby(by, sort=False))
    out = []
    for key, g in groups:
        rows = []
        recs = g[["enterprise_id", "index", "std_error"]].to_numpy()
        for i in range(len(recs)):
            for j in range(i + 1, len(recs)):
                d, se = recs[i][1] - recs[j][1], float(np.hypot(recs[i][2], recs[j][2]))
                rows.append({"group": key, "a": recs[i][0], "b": recs[j][0], "diff": d, "std_error": se,
                             "ci_low": d - q * se, "ci_high": d + q * se,
                             "p_value": float(2 * stats.norm.sf(abs(d / se)))})
        part = pd.DataFrame(rows, columns=["group", "a", "b", "diff", "std_error", "ci_low", "ci_high", "p_value"])
        part["p_holm"] = holm(part["p_value"]) if len(part) else []
        out.append(part)
    return pd.concat(out, ignore_index=True)


def industry_indices(indices: pd.DataFrame, *, by: str = "industry", weight: str | None = None,
                     level: float = 0.95) -> pd.DataFrame:
    """Industry and overall indices: the (weighted) mean of enterprise indices.

    I = Σ a_e I_e / Σ a_e with a_e = 1 or the ``weight`` column (e.g. served_customers);
    SE = √(Σ a_e² se_e²) / Σ a_e (enterprises independent, weights fixed). Last row ``all``.
    """
    q = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for key, g in [*indices.groupby(by, sort=False), ("all", indices)]:
        a = np.ones(len(g)) if weight is None else g[weight].to_numpy(float)
        index = float(np.dot(a, g["index"]) / a.sum())
        se = float(np.sqrt(np.dot(a**2, g["std_error"] ** 2)) / a.sum())
        rows.append({by: key, "n_enterprises": len(g), "index": index, "std_error": se, "ci_low": index - q * se,
                     "ci_high": index + q * se, "weighting": weight or "equal"})
    return pd.DataFrame(rows)


QUADRANTS = {  # (high importance, high performance) -> code, zh, en  (Martilla & James 1977)
    (True, False): ("concentrate", "重点改进区：重要但表现偏低，优先投入", "Concentrate here: important but underperforming"),
    (True, True): ("keep_up", "优势保持区：重要且表现好，继续保持", "Keep up the good work: important and performing well"),
    (False, False): ("low_priority", "次要改进区：重要性和表现均较低", "Low priority: less important, lower performance"),
    (False, True): ("possible_overkill", "过度投入区：表现好但重要性较低", "Possible overkill: performing well, less important"),
}


def importance_performance(fit: PLSResult, data: pd.DataFrame | None = None, target: str = "Satisfaction",
                           weights: Any = None) -> pd.DataFrame:
    """Importance–performance quadrant table for the target's antecedents, with priorities.

    importance = total effect on ``target``; performance = the construct index (of ``data``, e.g.
    one enterprise, with the fit's weights). Quadrants split at the mean importance and mean
    performance of the antecedents. ``priority`` ranks improvement needs: "concentrate" first,
    then "low_priority", "keep_up", "possible_overkill", within each by importance × (100 − performance).
    """
    effects = fit.effects()
    eff = effects[effects["target"] == target].set_index("source")["total"]
    if eff.empty:
        raise DataError(f"importance_performance: no construct has an effect on {target!r}.")
    perf = csi_index(fit, data=data, weights=weights).set_index("construct")["index"]
    t = pd.DataFrame({"construct": eff.index, "importance": eff.to_numpy(), "performance": perf.loc[eff.index].to_numpy()})
    hi_imp, hi_perf = t["importance"] >= t["importance"].mean(), t["performance"] >= t["performance"].mean()
    info = [QUADRANTS[(bool(i), bool(p))] for i, p in zip(hi_imp, hi_perf)]
    t["quadrant"], t["action_zh"], t["action_en"] = zip(*info)
    order = {"concentrate": 0, "low_priority": 1, "keep_up": 2, "possible_overkill": 3}
    t["gap_weight"] = t["importance"] * (100 - t["performance"])
    t = t.sort_values(by=["quadrant", "gap_weight"], key=lambda s: s.map(order) if s.name == "quadrant" else -s,
                      kind="mergesort").reset_index(drop=True)
    t.insert(0, "priority", np.arange(1, len(t) + 1))
    return t
