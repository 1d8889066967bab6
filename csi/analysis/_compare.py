"""The study's comparisons, each defined once: the industry benchmark, every enterprise against it, and
every enterprise against its previous wave (formulas and sources in docs/methods/analysis.md)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from csi.indices import enterprise_indices, holm, league_table
from csi.io import Model, Study
from csi.pls import PLSResult


def survey_weight_totals(study: Study, data: pd.DataFrame, weights: str | None) -> pd.Series:
    """Each enterprise's total survey weight (its respondents, weighted): its share of a pooled benchmark."""
    column = study.questionnaire.enterprise_column
    w = data[weights] if weights else pd.Series(1.0, index=data.index)
    return w.groupby(data[column].astype(str)).sum()


def _benchmark_weights(rule: str, shares: pd.Series) -> np.ndarray:
    """π_j, each enterprise's weight in its industry's benchmark: its survey-weight share when pooled, else 1/k."""
    shares = shares.to_numpy(dtype=float)
    return shares / shares.sum() if rule == "pooled" else np.full(len(shares), 1 / len(shares))


def benchmark_table(indices: pd.DataFrame, shares: pd.Series, study: Study, data: pd.DataFrame,
                    fits: Mapping[str, PLSResult], members: Mapping[str, list[str]], weights: str | None
                    ) -> pd.DataFrame:
    """The industry benchmark of every construct, by the study's rule (``[benchmark] industry``).

    ``mean_of_enterprises``: B = Σ I_e / k over the industry's k enterprises, SE = √(Σ se_e²) / k.
    ``mean_of_peers``: each enterprise is compared with the mean of the *other* enterprises of its industry
    (:func:`compare`); the table holds the industry's mean of enterprises, for the overview.
    ``pooled``: the index of all the industry's respondents together, scored with their pool's weights
    (:func:`csi.enterprise_indices` with the industry as one group). Industry ``all`` is the whole study: the
    mean of all enterprises or, pooled, their mean weighted by survey weight (pools may differ in weights).
    """
    industry = {e.id: e.industry for e in study.enterprises}
    t = indices.assign(industry=indices["enterprise_id"].map(industry),
                       share=indices["enterprise_id"].map(shares).astype(float))
    groups = [*t.groupby(["industry", "construct"], sort=False),
              *((("all", c), g) for c, g in t.groupby("construct", sort=False))]
    rows = []
    for (group, construct), g in groups:
        pi = _benchmark_weights(study.benchmark, g["share"])
        rows.append({"industry": group, "construct": construct, "index": float(np.dot(pi, g["index"])),
                     "std_error": float(np.sqrt(np.dot(np.square(pi), np.square(g["std_error"])))),
                     "n_enterprises": len(g), "definition": study.benchmark})
    out = pd.DataFrame(rows, columns=["industry", "construct", "index", "std_error", "n_enterprises", "definition"])
    if study.benchmark == "pooled" and len(out):
        pooled = _pooled_industry_indices(study, data, fits, members, weights).set_index(["industry", "construct"])
        for i, key in enumerate(zip(out["industry"], out["construct"])):
            if key in pooled.index:
                out.loc[i, ["index", "std_error"]] = pooled.loc[key, ["index", "std_error"]].to_numpy(dtype=float)
    q = stats.norm.ppf(0.975)
    out["ci_low"], out["ci_high"] = out["index"] - q * out["std_error"], out["index"] + q * out["std_error"]
    return out[["industry", "construct", "index", "std_error", "ci_low", "ci_high", "n_enterprises", "definition"]]


def _pooled_industry_indices(study: Study, data: pd.DataFrame, fits: Mapping[str, PLSResult],
                             members: Mapping[str, list[str]], weights: str | None) -> pd.DataFrame:
    """Each industry's respondents pooled, scored with the weights of the pool they were estimated in."""
    column = study.questionnaire.enterprise_column
    industry = {e.id: e.industry for e in study.enterprises}
    parts = []
    for key, fit in fits.items():
        rows = data[data[column].isin(members[key])]
        if not rows.empty:
            rows = rows.assign(_industry=rows[column].map(industry))
            parts.append(enterprise_indices(fit, rows, "_industry", weights=weights))
    return pd.concat(parts, ignore_index=True).rename(columns={"enterprise_id": "industry", "_industry": "industry"})


def compare(indices: pd.DataFrame, shares: pd.Series, benchmarks: pd.DataFrame, study: Study,
            alpha: float = 0.05) -> pd.DataFrame:
    """Each enterprise and construct against its industry benchmark.

    With π_j each enterprise's weight in the benchmark, the gap d = I_e − B has SE² = (1 − π_e)² se_e² +
    Σ_(j≠e) π_j² se_j² (enterprises independent; the benchmark contains the enterprise). For the mean of
    enterprises the z-test equals the leave-one-out test of I_e against the mean of its peers. p-values are
    Holm-adjusted over the enterprises of an industry, per construct (Holm 1979). An industry of one
    enterprise has no peers: no gap (verdict ``no peers``). Where an SE is undefined (an enterprise of the
    industry has one respondent), the gap is shown but not tested (``not tested``). ``favourable_gap`` =
    gap × direction (+1, or −1 for lower-is-better).
    """
    model = study.model.model
    industry = {e.id: e.industry for e in study.enterprises}
    t = indices.assign(industry=indices["enterprise_id"].map(industry),
                       share=indices["enterprise_id"].map(shares).astype(float), std_error_gap=np.nan)
    peers = t.groupby(["industry", "construct"], sort=False)["enterprise_id"].transform("size") > 1
    bench = benchmarks.set_index(["industry", "construct"])["index"]
    t["benchmark"] = [bench.get((i, c), np.nan) for i, c in zip(t["industry"], t["construct"])]
    for _, g in t.groupby(["industry", "construct"], sort=False):
        k, index, se2 = len(g), g["index"].to_numpy(), np.square(g["std_error"].to_numpy())
        if k < 2:
            continue
        if study.benchmark == "mean_of_peers":
            t.loc[g.index, "benchmark"] = (index.sum() - index) / (k - 1)
            t.loc[g.index, "std_error_gap"] = np.sqrt(se2 + (se2.sum() - se2) / (k - 1) ** 2)
        else:
            pi = _benchmark_weights(study.benchmark, g["share"])
            t.loc[g.index, "std_error_gap"] = np.sqrt((1 - pi) ** 2 * se2 + (np.dot(pi**2, se2) - pi**2 * se2))
    t["gap"] = (t["index"] - t["benchmark"]).where(peers)
    t["direction"] = [model.direction(c) for c in t["construct"]]
    t["favourable_gap"] = t["gap"] * t["direction"]
    t["p_value"] = 2 * stats.norm.sf(np.abs(t["gap"] / t["std_error_gap"]))
    t["p_holm"] = np.nan
    for _, g in t[t["p_value"].notna()].groupby(["industry", "construct"], sort=False):
        t.loc[g.index, "p_holm"] = holm(g["p_value"].to_numpy())
    t["significant"] = t["p_holm"] < alpha
    t["verdict"] = np.select([~peers, t["p_holm"].isna(), t["significant"] & (t["favourable_gap"] > 0),
                              t["significant"]], ["no peers", "not tested", "better", "worse"], "not significant")
    return t[["enterprise_id", "industry", "construct", "direction", "index", "benchmark", "gap", "favourable_gap",
              "std_error_gap", "p_value", "p_holm", "significant", "verdict"]].reset_index(drop=True)


def compare_waves(now: pd.DataFrame, before: pd.DataFrame, model: Model, alpha: float = 0.05) -> pd.DataFrame:
    """Each enterprise and construct against the previous wave: change = I_now − I_before, SE² = se_now² +
    se_before² (independent samples, both waves scored with the current weights), z-test; ``verdict``
    ``better`` / ``worse`` in the construct's direction when p < alpha, else ``no significant change``."""
    cols = ["enterprise_id", "construct", "previous_index", "index", "change", "std_error", "ci_low", "ci_high",
            "p_value", "verdict"]
    if before.empty:
        return pd.DataFrame(columns=cols)
    old = before[["enterprise_id", "construct", "index", "std_error"]].rename(
        columns={"index": "previous_index", "std_error": "previous_std_error"})
    t = now[["enterprise_id", "construct", "index", "std_error"]].merge(old, on=["enterprise_id", "construct"])
    t["change"] = t["index"] - t["previous_index"]
    se = np.sqrt(t["std_error"] ** 2 + t["previous_std_error"] ** 2)
    q = stats.norm.ppf(0.975)
    t["std_error"], t["ci_low"], t["ci_high"] = se, t["change"] - q * se, t["change"] + q * se
    t["p_value"] = 2 * stats.norm.sf(np.abs(t["change"] / se))
    favourable = t["change"] * np.array([model.direction(c) for c in t["construct"]])
    t["verdict"] = np.select([(t["p_value"] < alpha) & (favourable > 0), t["p_value"] < alpha],
                             ["better", "worse"], "no significant change")
    return t[cols]


def league_of(study: Study, indices: pd.DataFrame, previous: pd.DataFrame, comparisons: pd.DataFrame) -> pd.DataFrame:
    """The target construct's league table, its comparison with the industry taken from ``comparisons``."""
    target = study.model.target
    industry = {e.id: e.industry for e in study.enterprises}
    now = indices[indices["construct"] == target].assign(industry=lambda t: t["enterprise_id"].map(industry))
    old = previous[previous["construct"] == target]
    league = league_table(now.reset_index(drop=True), old if not old.empty else None)
    mine = comparisons[comparisons["construct"] == target][["enterprise_id", "benchmark", "gap", "p_value", "p_holm",
                                                            "verdict"]]
    return league.drop(columns=["peer_mean", "diff_vs_peers", "p_value", "p_holm", "versus_peers"]) \
        .merge(mine.rename(columns={"verdict": "versus_industry"}), on="enterprise_id", how="left")
