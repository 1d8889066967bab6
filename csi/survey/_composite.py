"""Multi-channel composite scores with fixed channel weights (e.g. online 40%, questionnaire 30%, on-site 30%).

Each channel c is rescaled to 0–100 — a mean on a declared scale ``(x̄ − min)/(max − min)·100`` or a
rate ``100·p`` — and combined as ``S = Σ λ_c θ_c`` with fixed weights λ. Each channel's estimate is
a design-based (Hájek) mean with linearization influence values from :func:`csi.design.influence`
(survey weights and raking/calibration residuals per channel). Where the same respondents answer
several channels, their influence values are stacked per respondent id, which gives the covariances:

``Var S = Σ λ_c² V_c + 2 Σ_{c<d} λ_c λ_d C_cd``,  ``V_c = a_c² Σ_i (z_ic − z̄_c)²``,
``C_cd = a_c a_d Σ_{i ∈ c∩d} (z_ic − z̄_c)(z_id − z̄_d)``,  ``a_c² = n_c/(n_c − 1)``

(Lumley 2010, *Complex Surveys*, §2.4 and appendix C: the variance of a linear combination of
estimates is the variance of the same combination of their influence values). When every channel
has the same respondents and weights this equals ``svy_mean`` of the combined variable exactly.
The composite CI uses t on Welch–Satterthwaite df ``ν = (Σ λ_c² V_c)² / Σ (λ_c² V_c)²/ν_c``
(Satterthwaite 1946; Welch 1947), with ``ν_c = n_c − 1``; covariances do not enter ν.

Published example reproduced (Jingmen water supply, 2019): questionnaire 70.85% × 0.3, online vote
94.35% × 0.4, on-site ballot 80.26% × 0.3 → 21 + 38 + 24 = 83 with per-channel rounding; 83.07 exact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from csi import _stats
from csi._api import check_int, check_level, check_option, parameter_error, public
from csi._display import Card, Display, number
from csi._validation import rows_text, suggest
from csi.exceptions import DataError
from csi.survey._design import influence

__all__ = ["DEFAULT_CHANNEL_WEIGHTS", "CompositeResult", "composite_score"]

DEFAULT_CHANNEL_WEIGHTS = {"online": 0.4, "questionnaire": 0.3, "onsite": 0.3}
_ROUNDING = ("per_channel", "total", "none")
KINDS = ("mean", "rate")  # a channel's score: a mean on a declared scale, or a rate
_WHERE = "composite_score"


@dataclass(frozen=True, repr=False)
class CompositeResult(Display):
    """A multi-channel composite (and, when asked, the matching dissatisfaction composite).

    Attributes
    ----------
    summary : pandas.DataFrame
        One row per measure (``"satisfaction"``, ``"dissatisfaction"``): ``measure, score,
        score_rounded, std_error, df, ci_low, ci_high``. ``score`` is exact ``Σ λ_c θ_c``;
        ``score_rounded`` follows the rounding policy.
    channels : pandas.DataFrame
        ``measure, channel, channel_weight, kind, n, n_missing, estimate, std_error, df, ci_low, ci_high,
        contribution, contribution_rounded, variance_share`` (estimates on 0–100; per-channel CIs
        use t on the design df, rows of the channel − 1 (R ``degf``; rows with a missing value stay
        in the design, as domain estimation); ``variance_share = λ_c Σ_d λ_d C_cd / Var S``, covariances split
        evenly between the two channels, so shares sum to 1).
    covariance : pandas.DataFrame
        ``measure, channel_a, channel_b, n_shared, covariance`` for every pair (a before b).
    rounding : str
        ``"per_channel"``, ``"total"`` or ``"none"``.
    level : float
        Confidence level of the intervals.
    """

    summary: pd.DataFrame
    channels: pd.DataFrame
    covariance: pd.DataFrame
    rounding: str
    level: float

    def _get(self, column: str, measure: str) -> float:
        row = self.summary[self.summary["measure"] == measure]
        if row.empty:
            raise DataError(f"{_WHERE}: no {measure} composite; pass dissatisfied_at= to compute it.")
        return float(row[column].iloc[0])

    @property
    def score(self) -> float:
        """Exact satisfaction composite ``Σ λ_c θ_c`` (0–100)."""
        return self._get("score", "satisfaction")

    @property
    def score_rounded(self) -> float:
        """Satisfaction composite under the rounding policy."""
        return self._get("score_rounded", "satisfaction")

    def _card(self) -> Card:
        """(``summary`` is the table of composites here, so the tables are the attributes themselves.)"""
        facts = []
        for row in self.summary.itertuples(index=False):
            facts.append((row.measure, (f"{row.score:.2f}, rounded {number(row.score_rounded)}, {self.level:.0%} CI "
                                       f"[{number(row.ci_low, 2)}, {number(row.ci_high, 2)}]")))
        sat = self.channels[self.channels["measure"] == "satisfaction"]
        facts.append(("channels", [f"{c} {number(w)} × {e:.2f}" for c, w, e
                                   in sat[["channel", "channel_weight", "estimate"]].itertuples(index=False)]))
        facts.append(("rounding", self.rounding))
        title = f"composite {self.score:.2f}" if len(sat) else "composite"
        return Card("CompositeResult", title, facts, [("summary", self.summary), ("channels", self.channels)],
                    (".summary", ".channels", ".covariance", ".score", ".score_rounded"))


@public(subjects=1, renamed={"survey_weights": "weights"})
def composite_score(channels: Any, *, channel_weights: Mapping[str, float] | None = None,
                    rounding: str = "per_channel", digits: int = 0, level: float = 0.95,
                    kind: str | Mapping[str, str] = "mean", scale: Any = None, satisfied_at: Any = None,
                    dissatisfied_at: Any = None, weights: Any = None,
                    respondent: str = "respondent_id") -> CompositeResult:
    """Combine channels with fixed weights into a 0–100 composite with a design-based CI.

    Parameters
    ----------
    channels : pandas.DataFrame or dict
        One of three input forms:

        * **responses, long**: a DataFrame with ``channel`` and ``value`` columns, one row per
          respondent and channel, optionally ``respondent_id`` (``respondent=``; rows of
          different channels with the same id are the same person, which gives overlap
          covariances; without the column channels are taken as disjoint samples) and a
          survey-weight column (``weights=`` its name);
        * **responses, per channel**: ``{channel: Series}``, each Series indexed by respondent id;
        * **pre-computed channel scores**: a DataFrame with ``channel`` and ``estimate`` (already
          0–100), optionally ``measure`` (``"satisfaction"``/``"dissatisfaction"``),
          ``std_error``, ``n`` and ``df``; channels are then taken as independent.
    channel_weights : mapping channel → λ
        Fixed channel weights, > 0, summing to 1; default online .4, questionnaire .3, onsite .3.
    rounding : {"per_channel", "total", "none"}
        ``per_channel``: round each weighted contribution λ_c θ_c to ``digits`` (half up) before
        adding, as published schemes do; ``total``: round the exact sum; ``none``: no rounding.
    digits : int
        Decimals kept by rounding.
    level : float
        Confidence level.
    kind : {"mean", "rate"} or mapping channel → kind
        ``mean``: θ = (x̄ − min)/(max − min)·100 on ``scale``; ``rate``: θ = 100·share of values
        ≥ ``satisfied_at``.
    scale : (min, max) or mapping channel → (min, max)
        Declared scale; required for ``mean`` channels; values outside it are an error.
    satisfied_at, dissatisfied_at : number or mapping channel → number
        Thresholds: satisfied if value ≥ ``satisfied_at`` (rate channels); dissatisfied if value ≤
        ``dissatisfied_at`` — when given, the dissatisfaction composite (100·dissatisfied rate per
        channel, same λ) is added.
    weights : str or mapping channel → WeightingResult/Series, optional
        Case (survey) weights of the respondents: a column of the long frame, or per channel a
        WeightingResult (weights and raking residuals, aligned to that channel's rows) or a Series of
        weights. Not the channel weights, which are ``channel_weights``.

    Returns
    -------
    CompositeResult

    Notes
    -----
    Channel SEs reproduce R survey ``svymean`` (via :func:`csi.design.influence`, checked in
    tests/test_weighting.py); the overlap covariance is checked exactly against ``svy_mean`` of the
    combined variable in tests/test_composite.py.
    """
    check_option(_WHERE, "rounding", rounding, _ROUNDING)
    check_int(_WHERE, "digits", digits, 0, what="decimals")
    check_level(_WHERE, level)
    if isinstance(weights, Mapping) and any(isinstance(v, int | float) and not isinstance(v, bool)
                                            for v in weights.values()):
        raise parameter_error(_WHERE, "weights", dict(weights), "weights= are the respondents' case weights (a column, "
                              "or per channel a WeightingResult or Series); give channel weights as channel_weights=")
    lam = _channel_weights(channel_weights)
    if isinstance(channels, pd.DataFrame) and "estimate" in channels.columns and "value" not in channels.columns:
        parts = _from_scores(channels, lam)
    else:
        frame = _long_frame(channels, respondent)
        opts = {"kind": kind, "scale": scale, "satisfied_at": satisfied_at, "dissatisfied_at": dissatisfied_at}
        parts = _from_responses(frame, lam, opts, weights, respondent)
    tables = [_combine(measure, *part, lam, rounding, digits, level) for measure, part in parts.items()]
    return CompositeResult(pd.DataFrame([t[0] for t in tables]),
                           pd.concat([t[1] for t in tables], ignore_index=True),
                           pd.concat([t[2] for t in tables], ignore_index=True), rounding, level)


# ----------------------------------------------------------------------------- inputs

def _channel_weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    lam = dict(DEFAULT_CHANNEL_WEIGHTS if weights is None else weights)
    if not lam:
        raise DataError(f"{_WHERE}: channel_weights is empty; give {{channel: weight}}.")
    bad = {c: v for c, v in lam.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise DataError(f"{_WHERE}: channel weights must be positive numbers; got {bad}.")
    total = float(sum(lam.values()))
    if abs(total - 1) > 1e-9:
        raise DataError(f"{_WHERE}: channel weights sum to {total:.10g}, not 1: {lam}. Fix the scheme's weights.")
    return {str(c): float(v) for c, v in lam.items()}


def _check_channels(found: list[str], lam: Mapping[str, float]) -> None:
    extra = [c for c in found if c not in lam]
    if extra:
        raise DataError(f"{_WHERE}: channel(s) {extra} have no weight{suggest(extra[0], lam)}; "
                        f"channel_weights are given for {list(lam)}.")
    absent = [c for c in lam if c not in found]
    if absent:
        raise DataError(f"{_WHERE}: channel(s) {absent} have a weight but no data; "
                        "drop them from the channel_weights or supply their responses.")


def _long_frame(channels: Any, respondent: str) -> pd.DataFrame:
    if isinstance(channels, Mapping):
        parts = []
        for name, series in channels.items():
            s = pd.Series(series)
            parts.append(pd.DataFrame({"channel": str(name), respondent: s.index, "value": s.to_numpy()}))
        return pd.concat(parts, ignore_index=True)
    if not isinstance(channels, pd.DataFrame):
        raise DataError(f"{_WHERE}: channels must be a DataFrame (channel, value[, {respondent}]), a dict "
                        f"{{channel: Series}} or a DataFrame of channel scores; got {type(channels).__name__}.")
    missing = [c for c in ("channel", "value") if c not in channels.columns]
    if missing:
        raise DataError(f"{_WHERE}: responses lack column(s) {missing}; expected channel, value[, {respondent}] "
                        "(or channel, estimate for pre-computed channel scores).")
    return channels.assign(channel=channels["channel"].astype(str))


def _option(value: Any, channel: str, name: str) -> Any:
    if isinstance(value, Mapping):
        if channel not in value:
            raise DataError(f"{_WHERE}: {name} has no entry for channel {channel!r}.")
        return value[channel]
    return value


# ----------------------------------------------------------------------------- responses → estimates

def _from_responses(frame, lam, opts, weights, respondent) -> dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]]:
    names = list(dict.fromkeys(frame["channel"]))
    _check_channels(names, lam)
    order = list(lam)
    has_ids = respondent in frame.columns
    measures = ["satisfaction"] + (["dissatisfaction"] if opts["dissatisfied_at"] is not None else [])
    rows = {m: [] for m in measures}
    z = {m: {} for m in measures}
    for c in order:
        part = frame[frame["channel"] == c]
        ids = _respondent_ids(part, respondent, c) if has_ids else pd.Index([(c, i) for i in range(len(part))])
        w = _channel_weights_of(part, weights, c)
        for m in measures:
            y, kind = _transform(part, c, m, opts)
            try:
                inf = influence(part, y, w)  # a WeightingResult brings its raking residuals
            except DataError as exc:  # name the channel: "a single PSU" alone does not say where
                raise DataError(f"{_WHERE}: channel {c!r} ({len(part)} row(s)): {exc}") from None
            rows[m].append({"channel": c, "kind": kind, "n": inf.n, "n_missing": inf.n_missing,
                            "estimate": inf.estimate, "std_error": inf.std_error, "df": inf.df})
            a = np.sqrt(inf.n_psu / (inf.n_psu - 1))
            centred = inf.values.to_numpy() - inf.values.mean()
            z[m][c] = pd.Series(a * centred, index=ids)
    shared = _shared_counts(z[measures[0]], order)
    return {m: (pd.DataFrame(rows[m]), _stacked_cov(z[m], order), shared) for m in measures}


def _respondent_ids(part: pd.DataFrame, respondent: str, channel: str) -> pd.Index:
    ids = part[respondent]
    if ids.isna().any():
        raise DataError(f"{_WHERE}: {respondent!r} is missing in channel {channel!r}, "
                        f"{rows_text(list(part.index[ids.isna().to_numpy()]))}.")
    dup = ids[ids.duplicated()]
    if len(dup):
        raise DataError(f"{_WHERE}: respondent(s) {dup.unique()[:10].tolist()} appear more than once in channel "
                        f"{channel!r}; keep one answer per respondent and channel.")
    return pd.Index(ids.to_numpy())


def _channel_weights_of(part: pd.DataFrame, weights: Any, channel: str) -> Any:
    """The case weights of one channel's respondents (None: equal weights)."""
    if weights is None:
        return None
    if isinstance(weights, str):
        if weights not in part.columns:
            raise DataError(f"{_WHERE}: survey weight column {weights!r} not in the responses"
                            f"{suggest(weights, part.columns)}.")
        return part[weights]
    return _option(weights, channel, "weights")


def _transform(part: pd.DataFrame, channel: str, measure: str, opts: Mapping[str, Any]) -> tuple[np.ndarray, str]:
    """Per-respondent values on 0–100 whose (weighted) mean is the channel score; NaN stays NaN."""
    x = pd.to_numeric(part["value"], errors="coerce")
    bad = part.index[x.isna() & part["value"].notna()]
    if len(bad):
        raise DataError(f"{_WHERE}: non-numeric values in channel {channel!r}, {rows_text(list(bad))}.")
    x = x.to_numpy(float)
    kind = _option(opts["kind"], channel, "kind")
    check_option(_WHERE, "kind" if isinstance(opts["kind"], str) else f"kind[{channel!r}]", kind, KINDS)
    scale = _option(opts["scale"], channel, "scale")
    if scale is not None:
        _check_scale(part, x, scale, channel)
    if measure == "dissatisfaction":
        cut = float(_option(opts["dissatisfied_at"], channel, "dissatisfied_at"))
        return np.where(np.isnan(x), np.nan, 100.0 * (x <= cut)), "rate"
    if kind == "rate":
        cut = _option(opts["satisfied_at"], channel, "satisfied_at")
        if cut is None:
            raise DataError(f"{_WHERE}: rate channel {channel!r} needs satisfied_at= (value >= it counts as satisfied).")
        return np.where(np.isnan(x), np.nan, 100.0 * (x >= float(cut))), "rate"
    if scale is None:
        raise DataError(f"{_WHERE}: mean channel {channel!r} needs scale=(min, max) to rescale to 0–100.")
    lo, hi = (float(v) for v in scale)
    return (x - lo) / (hi - lo) * 100.0, "mean"


def _check_scale(part: pd.DataFrame, x: np.ndarray, scale: Any, channel: str) -> None:
    lo, hi = (float(v) for v in scale)
    if not hi > lo:
        raise DataError(f"{_WHERE}: scale {scale} of channel {channel!r} needs min < max.")
    out = np.flatnonzero(~np.isnan(x) & ((x < lo) | (x > hi)))
    if out.size:
        raise DataError(f"{_WHERE}: values outside the scale {lo:g}–{hi:g} in channel {channel!r}, "
                        f"{rows_text(list(part.index[out]))}; recode them (or set them missing) first.")


def _shared_counts(z: Mapping[str, pd.Series], order: list[str]) -> np.ndarray:
    members = pd.concat([pd.Series(1.0, index=z[c].index, name=c) for c in order], axis=1).fillna(0.0).to_numpy()
    return members.T @ members


def _stacked_cov(z: Mapping[str, pd.Series], order: list[str]) -> np.ndarray:
    """``M'M`` with M the respondents × channels matrix of scaled, centred influence values (0 if absent)."""
    m = pd.concat([z[c].rename(c) for c in order], axis=1, join="outer").fillna(0.0).to_numpy(float)
    return m.T @ m


# ----------------------------------------------------------------------------- pre-computed scores

def _from_scores(scores: pd.DataFrame, lam) -> dict[str, tuple[pd.DataFrame, np.ndarray, np.ndarray]]:
    if "channel" not in scores.columns:
        raise DataError(f"{_WHERE}: channel scores lack the 'channel' column.")
    table = scores.assign(channel=scores["channel"].astype(str))
    if "measure" not in table.columns:
        table = table.assign(measure="satisfaction")
    out = {}
    for measure, part in table.groupby("measure", sort=False):
        dup = part["channel"][part["channel"].duplicated()].tolist()
        if dup:
            raise DataError(f"{_WHERE}: channel(s) {dup} listed twice for measure {measure!r}.")
        _check_channels(part["channel"].tolist(), lam)
        part = part.set_index("channel").loc[list(lam)].reset_index()
        est = pd.to_numeric(part["estimate"], errors="raise").to_numpy(float)
        if np.any((est < 0) | (est > 100)):
            raise DataError(f"{_WHERE}: channel scores must be on 0–100 (a rate of 70.85% is 70.85); got {est.tolist()}.")
        se = part["std_error"].to_numpy(float) if "std_error" in part else np.full(len(part), np.nan)
        n = part["n"].to_numpy(float) if "n" in part else np.full(len(part), np.nan)
        df = part["df"].to_numpy(float) if "df" in part else n - 1
        frame = pd.DataFrame({"channel": part["channel"], "kind": "score", "n": n, "n_missing": 0,
                              "estimate": est, "std_error": se, "df": df})
        # independent channels: no covariances known, no shared respondents
        out[str(measure)] = (frame, np.diag(se**2), np.diag(n))
    return out


# ----------------------------------------------------------------------------- combination

def _combine(measure, est: pd.DataFrame, cov: np.ndarray, shared: np.ndarray, lam, rounding, digits, level):
    order = est["channel"].tolist()
    lv = np.array([lam[c] for c in order])
    theta = est["estimate"].to_numpy(float)
    var_s = float(lv @ cov @ lv)
    dfs = est["df"].to_numpy(float)
    df = float(_stats.satterthwaite_df(lv**2 * np.diag(cov), np.where(np.isnan(dfs), np.inf, dfs)))  # unknown: ∞
    contribution = lv * theta
    rounded = [_round(v, digits) for v in contribution] if rounding == "per_channel" else list(contribution)
    exact = float(contribution.sum())
    score_rounded = {"per_channel": _round(sum(rounded), digits), "total": _round(exact, digits), "none": exact}
    se = float(np.sqrt(var_s)) if np.isfinite(var_s) else np.nan
    q = float(_stats.t_quantile(level, df))
    summary = {"measure": measure, "score": exact, "score_rounded": score_rounded[rounding], "std_error": se,
               "df": df, "ci_low": exact - q * se, "ci_high": exact + q * se}
    se_c = est["std_error"].to_numpy(float)
    q_c = _stats.t_quantile(level, dfs)
    share = lv * (cov @ lv) / var_s if var_s > 0 else np.full(len(order), np.nan)
    channels = est.assign(measure=measure, channel_weight=lv, ci_low=theta - q_c * se_c, ci_high=theta + q_c * se_c,
                          contribution=contribution, contribution_rounded=rounded, variance_share=share)
    channels = channels[["measure", "channel", "channel_weight", "kind", "n", "n_missing", "estimate", "std_error",
                         "df", "ci_low", "ci_high", "contribution", "contribution_rounded", "variance_share"]]
    return summary, channels, _cov_table(measure, order, cov, shared)


def _round(value: float, digits: int) -> float:
    # half up, as published tables do (Python's round() is half-to-even); repr avoids binary noise
    return float(Decimal(repr(round(float(value), 10))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP))


def _cov_table(measure, order, cov, shared) -> pd.DataFrame:
    rows = [{"measure": measure, "channel_a": a, "channel_b": order[j], "n_shared": int(shared[i, j]),
             "covariance": float(cov[i, j])}
            for i, a in enumerate(order) for j in range(i + 1, len(order))]
    return pd.DataFrame(rows, columns=["measure", "channel_a", "channel_b", "n_shared", "covariance"])
