"""The study's comparisons, each defined once: the industry benchmark, every enterprise against it, and
every enterprise against its previous wave and each wave against the one before (formulas and sources in
docs/methods/analysis.md)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from csi import _stats
from csi._data import OVERALL
from csi._validation import INDUSTRY_COLUMN
from csi.exceptions import DataError
from csi.indices import enterprise_indices, fay_herriot, holm, league_table, rank_intervals
from csi.io import Model, Study
from csi.pls import MIResult, PLSResult

log = logging.getLogger("csi.analysis")
#: The league's rank intervals, overall and within the industry (ranks only: Int64, empty when unranked).
RANK_INTERVALS = ["rank_ci_low", "rank_ci_high", "rank_in_group_ci_low", "rank_in_group_ci_high"]


def survey_weight_totals(study: Study, data: pd.DataFrame, weights: str | None) -> pd.Series:
    """Each enterprise's total survey weight (its respondents, weighted): its share of a pooled benchmark."""
    column = study.questionnaire.enterprise_column
    w = data[weights] if weights else pd.Series(1.0, index=data.index)
    return w.groupby(data[column].astype(str)).sum()


def _benchmark_weights(study: Study, g: pd.DataFrame) -> np.ndarray:
    """π_j, each enterprise's weight in its industry's benchmark: its survey-weight share when pooled, else
    1/m over the m enterprises with at least ``[report] min_n`` respondents (all, if none has): an enterprise
    of two respondents would otherwise move an equally weighted benchmark as much as one of two hundred."""
    if study.benchmark == "pooled":
        shares = g["share"].to_numpy(dtype=float)
        return shares / shares.sum()
    counted = (g["n"] >= study.report.min_n).to_numpy()
    counted = counted if counted.any() else np.ones(len(g), dtype=bool)
    return counted / counted.sum()


def benchmark_table(indices: pd.DataFrame, shares: pd.Series, study: Study, data: pd.DataFrame,
                    fits: Mapping[str, PLSResult], members: Mapping[str, list[str]], weights: str | None
                    ) -> pd.DataFrame:
    """The industry benchmark of every construct, by the study's rule (``[benchmark] industry``).

    ``mean_of_enterprises``: B = Σ I_e / m over the industry's m enterprises with at least ``[report] min_n``
    respondents (``n_enterprises``), SE = √(Σ se_e²) / m.
    ``mean_of_peers``: each enterprise is compared with the mean of the *other* enterprises of its industry
    (:func:`compare`); the table holds the industry's mean of enterprises, for the overview.
    The CI uses Student's t on the Welch–Satterthwaite df of the enterprises' SEs (n − 1 when pooled).
    ``pooled``: the index of all the industry's respondents together, scored with their pool's weights
    (:func:`csi.enterprise_indices` with the industry as one group). Industry ``all`` is the whole study: the
    mean of all enterprises or, pooled, their mean weighted by survey weight (pools may differ in weights).
    """
    industry = {e.id: e.industry for e in study.enterprises}
    t = indices.assign(industry=indices["enterprise_id"].map(industry),
                       share=indices["enterprise_id"].map(shares).astype(float))
    groups = [*t.groupby(["industry", "construct"], sort=False),
              *(((OVERALL, c), g) for c, g in t.groupby("construct", sort=False))]
    rows = []
    for (group, construct), g in groups:
        pi = _benchmark_weights(study, g)
        parts = np.square(pi) * np.square(g["std_error"].to_numpy())
        df = _stats.satterthwaite_df(parts[pi > 0], _stats.estimate_df(g)[pi > 0])
        rows.append({"industry": group, "construct": construct, "index": float(np.dot(pi, g["index"])),
                     "std_error": float(np.sqrt(parts.sum())), "n_enterprises": int((pi > 0).sum()),
                     "definition": study.benchmark, "df": float(df)})
    out = pd.DataFrame(rows, columns=["industry", "construct", "index", "std_error", "n_enterprises", "definition",
                                      "df"])
    if study.benchmark == "pooled" and len(out):
        pooled = _pooled_industry_indices(study, data, fits, members, weights)
        pooled = pooled.assign(df=_stats.estimate_df(pooled)).set_index(["industry", "construct"])
        for i, key in enumerate(zip(out["industry"], out["construct"])):
            if key in pooled.index:
                out.loc[i, ["index", "std_error", "df"]] = pooled.loc[key, ["index", "std_error", "df"]].to_numpy(
                    dtype=float)
    q = _stats.t_quantile(0.95, out["df"].to_numpy(dtype=float))  # Welch–Satterthwaite df of the mean
    out["ci_low"], out["ci_high"] = out["index"] - q * out["std_error"], out["index"] + q * out["std_error"]
    return out[["industry", "construct", "index", "std_error", "ci_low", "ci_high", "n_enterprises", "definition"]]


def _pooled_industry_indices(study: Study, data: pd.DataFrame, fits: Mapping[str, PLSResult],
                             members: Mapping[str, list[str]], weights: str | None) -> pd.DataFrame:
    """Each industry's respondents pooled, scored with the weights of the pool they were estimated in (only the
    pools that could be estimated: a failed pool's enterprises are in no benchmark)."""
    column = study.questionnaire.enterprise_column
    industry = {e.id: e.industry for e in study.enterprises}
    parts = []
    for key, fit in fits.items():
        rows = data[data[column].isin(members[key])]
        if not rows.empty:
            rows = rows.assign(**{INDUSTRY_COLUMN: rows[column].map(industry)})  # a name data cannot have
            parts.append(enterprise_indices(fit, rows, by=INDUSTRY_COLUMN, weights=weights))
    return pd.concat(parts, ignore_index=True).rename(columns={"enterprise_id": "industry", INDUSTRY_COLUMN: "industry"})


def compare(indices: pd.DataFrame, shares: pd.Series, benchmarks: pd.DataFrame, study: Study,
            alpha: float = 0.05) -> pd.DataFrame:
    """Each enterprise and construct against its industry benchmark.

    The gap d_e = I_e − B_e is a linear combination Σ_j c_ej I_j of the industry's enterprise indices: with
    π_j each enterprise's weight in the benchmark (:func:`_benchmark_weights`), c_ej = δ_ej − π_j; for
    ``mean_of_peers`` c_ee = 1 and c_ej = −1/m over the m counted other enterprises. Enterprises are independent samples, so
    SE² = Σ_j c_ej² se_j², tested with Student's t on the Welch–Satterthwaite df (for two enterprises this is
    Welch's t-test). For the mean of enterprises the test equals the leave-one-out test of I_e against the
    mean of its peers. p-values are Holm-adjusted over the tested enterprises of an industry, per construct
    (Holm 1979). An industry of one enterprise has no peers: no gap (verdict ``no peers``). An enterprise
    with fewer than ``[report] min_n`` respondents, or whose gap has no SE (a peer with one respondent), is
    not tested (``not tested``): its gap is shown, no inference is drawn. ``favourable_gap`` = gap ×
    direction (+1, or −1 for lower-is-better).
    """
    model = study.model.model
    industry = {e.id: e.industry for e in study.enterprises}
    own_df = _stats.estimate_df(indices)  # before the gap's df replaces a df column of the indices'
    t = indices.assign(industry=indices["enterprise_id"].map(industry),
                       share=indices["enterprise_id"].map(shares).astype(float), std_error_gap=np.nan, df=np.nan)
    peers = t.groupby(["industry", "construct"], sort=False)["enterprise_id"].transform("size") > 1
    bench = benchmarks.set_index(["industry", "construct"])["index"]
    t["benchmark"] = [bench.get((i, c), np.nan) for i, c in zip(t["industry"], t["construct"])]
    for _, g in t.groupby(["industry", "construct"], sort=False):
        k, index = len(g), g["index"].to_numpy()
        if k < 2:
            continue
        pi = _benchmark_weights(study, g)
        if study.benchmark == "mean_of_peers":  # each enterprise's own benchmark: the counted others
            others = np.where(np.eye(k, dtype=bool), 0.0, (pi > 0)[None, :].astype(float))
            with np.errstate(invalid="ignore", divide="ignore"):
                pi = others / others.sum(axis=1, keepdims=True)
            t.loc[g.index, "benchmark"] = pi @ index
        coef = np.eye(k) - np.broadcast_to(pi, (k, k))
        parts = coef**2 * np.square(g["std_error"].to_numpy())[None, :]
        used = np.abs(coef) > 0
        t.loc[g.index, "std_error_gap"] = np.sqrt(parts.sum(axis=1))
        dfs = own_df[t.index.get_indexer(g.index)]
        t.loc[g.index, "df"] = [float(_stats.satterthwaite_df(parts[e][used[e]], dfs[used[e]])) for e in range(k)]
    t["gap"] = (t["index"] - t["benchmark"]).where(peers)
    t["direction"] = [model.direction(c) for c in t["construct"]]
    t["favourable_gap"] = t["gap"] * t["direction"]
    testable = peers & (t["n"] >= study.report.min_n) & t["df"].notna() & (t["std_error_gap"] > 0)
    t["p_value"] = np.where(testable, _stats.t_test_p(t["gap"], t["std_error_gap"], t["df"]), np.nan)
    t["p_holm"] = np.nan
    for _, g in t[t["p_value"].notna()].groupby(["industry", "construct"], sort=False):
        t.loc[g.index, "p_holm"] = holm(g["p_value"].to_numpy())
    t["significant"] = t["p_holm"] < alpha
    t["verdict"] = np.select([~peers, t["p_holm"].isna(), t["significant"] & (t["favourable_gap"] > 0),
                              t["significant"]], ["no peers", "not tested", "better", "worse"], "not significant")
    return t[["enterprise_id", "industry", "construct", "direction", "index", "n", "benchmark", "gap",
              "favourable_gap", "std_error_gap", "df", "p_value", "p_holm", "significant", "verdict"]
             ].reset_index(drop=True)


#: The columns of :func:`compare_waves`, and of :func:`consecutive_changes` after ``wave_from, wave_to``.
CHANGE_COLUMNS = ["enterprise_id", "construct", "previous_index", "index", "change", "std_error", "df", "ci_low",
                  "ci_high", "p_value", "verdict", "n", "previous_n"]
WAVE_CHANGE_COLUMNS = ["wave_from", "wave_to", *CHANGE_COLUMNS]


def compare_waves(now: pd.DataFrame, before: pd.DataFrame, model: Model, alpha: float = 0.05,
                  min_n: int = 2) -> pd.DataFrame:
    """Each enterprise and construct against the previous wave: change = I_now − I_before, SE² = se_now² +
    se_before² (independent samples, both waves scored with the current weights), Student's t on the
    Welch–Satterthwaite df; ``verdict`` ``better`` / ``worse`` in the construct's direction when p < alpha,
    ``no significant change`` otherwise, ``not tested`` (no p, no interval) when either wave has fewer than
    ``min_n`` respondents."""
    cols = CHANGE_COLUMNS
    if before.empty:
        return pd.DataFrame(columns=cols)
    keep = ["enterprise_id", "construct", "index", "std_error", "n"]
    old = before[keep].assign(own_df=_stats.estimate_df(before)).rename(
        columns={"index": "previous_index", "std_error": "previous_std_error", "n": "previous_n", "own_df": "previous_df"})
    t = now[keep].assign(own_df=_stats.estimate_df(now)).merge(old, on=["enterprise_id", "construct"])
    t["change"] = t["index"] - t["previous_index"]
    parts = np.column_stack([t["std_error"] ** 2, t["previous_std_error"] ** 2])
    t["df"] = _stats.satterthwaite_df(parts, t[["own_df", "previous_df"]].to_numpy(dtype=float))
    tested = (t[["n", "previous_n"]].min(axis=1) >= min_n) & t["df"].notna()
    se = np.sqrt(parts.sum(axis=1))
    q = np.where(tested, _stats.t_quantile(0.95, t["df"]), np.nan)
    t["std_error"], t["ci_low"], t["ci_high"] = se, t["change"] - q * se, t["change"] + q * se
    t["p_value"] = np.where(tested, _stats.t_test_p(t["change"], se, t["df"]), np.nan)
    favourable = t["change"] * np.array([model.direction(c) for c in t["construct"]])
    t["verdict"] = np.select([~tested, (t["p_value"] < alpha) & (favourable > 0), t["p_value"] < alpha],
                             ["not tested", "better", "worse"], "no significant change")
    return t[cols]


def consecutive_changes(waves: list[tuple[str, pd.DataFrame]], model: Model, min_n: int = 2) -> pd.DataFrame:
    """Wave-on-wave changes: :func:`compare_waves` of each wave (label, indices; oldest first) against the one
    before it, labelled ``wave_from``, ``wave_to``."""
    parts = [compare_waves(now, before, model, min_n=min_n).assign(wave_from=old, wave_to=new)
             for (old, before), (new, now) in itertools.pairwise(waves)]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=WAVE_CHANGE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[WAVE_CHANGE_COLUMNS]


def league_of(study: Study, indices: pd.DataFrame, comparisons: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    """The target construct's league table: ranks (:func:`csi.league_table`), the indices' own CIs, the
    comparison with the industry from ``comparisons`` and the change from ``changes`` (each defined once)."""
    target = study.model.target
    industry = {e.id: e.industry for e in study.enterprises}
    now = indices[indices["construct"] == target].assign(industry=lambda t: t["enterprise_id"].map(industry))
    ranked = now[study.report.inferential(now["n"])]  # rule 2 of docs/methods/report.md: no rank below min_n
    ranks = league_table(ranked.reset_index(drop=True))[["rank", "enterprise_id", "rank_in_group"]] \
        if len(ranked) else pd.DataFrame(columns=["rank", "enterprise_id", "rank_in_group"])
    league = now[["enterprise_id", "industry", "index", "std_error", "ci_low", "ci_high", "n"]] \
        .merge(ranks, on="enterprise_id", how="left").astype({"rank": "Int64", "rank_in_group": "Int64"})
    mine = comparisons[comparisons["construct"] == target][["enterprise_id", "benchmark", "gap", "p_value", "p_holm",
                                                            "verdict"]]
    league = league.merge(mine.rename(columns={"verdict": "versus_industry"}), on="enterprise_id", how="left")
    moved = changes[changes["construct"] == target][["enterprise_id", "previous_index", "change", "ci_low", "ci_high",
                                                     "p_value", "verdict"]]
    if len(moved):
        league = league.merge(moved.rename(columns={"ci_low": "change_ci_low", "ci_high": "change_ci_high",
                                                    "p_value": "change_p_value", "verdict": "change_verdict"}),
                              on="enterprise_id", how="left")
    first = ["rank", "enterprise_id", "industry", "index", "std_error", "ci_low", "ci_high", "n", "rank_in_group"]
    return league[first + [c for c in league.columns if c not in first]] \
        .sort_values(["rank", "index"], ascending=[True, False], na_position="last").reset_index(drop=True)


def league_uncertainty(study: Study, league: pd.DataFrame, indices: pd.DataFrame, data: pd.DataFrame,
                       fits: Mapping[str, PLSResult | MIResult], members: Mapping[str, list[str]], weights: str | None,
                       n_resamples: int) -> pd.DataFrame:
    """The league with how sure its ranks and indices are (docs/methods/report.md, rule 8):

    - each ranked enterprise's 95 % rank intervals, overall and in its industry (:func:`csi.rank_intervals`:
      every enterprise's respondents resampled, its pool's index weights held; the ranked enterprises only,
      as the league ranks them; the study's seed; a pool fitted by multiple imputation resamples its completed
      data sets in turn, each with its own fit);
    - every enterprise's (with at least ``[report] min_n`` respondents) Fay–Herriot index of the target, ``fh_index`` with ``fh_std_error`` (√MSE) and
      ``fh_gamma``, the weight of its own direct index (:func:`csi.fay_herriot`, shrunk toward its
      industry's mean by its sampling variance). Shown beside the direct index, never instead of it.

    Either stays empty, with the reason logged, where it cannot be estimated (a resample without an answer to
    an item; fewer enterprises than industries + 1)."""
    target, column = study.model.target, study.questionnaire.enterprise_column
    industry = {e.id: e.industry for e in study.enterprises}
    out = league.copy()
    ranked = set(league.loc[league["rank"].notna(), "enterprise_id"])
    pools = {key: [e for e in ids if e in ranked] for key, ids in members.items() if key in fits}
    pools = {key: ids for key, ids in pools.items() if ids}
    intervals = pd.DataFrame(columns=["enterprise_id", *RANK_INTERVALS])
    if ranked:
        try:
            intervals = rank_intervals({key: fits[key] for key in pools}, data[data[column].isin(ranked)],
                                       construct=target, by=column, industry=industry, pools=pools, weights=weights,
                                       n_resamples=n_resamples, seed=study.seed)[["enterprise_id", *RANK_INTERVALS]]
        except DataError as exc:
            log.warning("no rank intervals: %s", exc)
    out = out.merge(intervals, on="enterprise_id", how="left").astype(dict.fromkeys(RANK_INTERVALS, "Int64"))
    direct = indices[(indices["construct"] == target) & indices["enterprise_id"].isin(league["enterprise_id"])]
    # below [report] min_n a sampling variance is too unstable to say how far to shrink (rule 2): no estimate
    direct = direct[study.report.inferential(direct["n"]) & np.isfinite(direct["std_error"]) & (direct["std_error"] > 0)]
    shrunk = pd.DataFrame(columns=["enterprise_id", "fh_index", "fh_std_error", "fh_gamma"])
    try:
        shrunk = fay_herriot(direct.assign(industry=direct["enterprise_id"].map(industry))[
            ["enterprise_id", "industry", "index", "std_error"]]).rename(columns={"gamma": "fh_gamma"})[
            ["enterprise_id", "fh_index", "fh_std_error", "fh_gamma"]]
    except DataError as exc:
        log.warning("no small-area (Fay–Herriot) indices: %s", exc)
    return out.merge(shrunk, on="enterprise_id", how="left").astype(
        {"fh_index": float, "fh_std_error": float, "fh_gamma": float})
