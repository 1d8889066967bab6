"""Design-based estimates: weighted means and proportions with linearization standard errors.

Taylor linearization of the Hájek mean, with strata, one-stage clusters and finite-population
corrections, and — for weights from :func:`csi.rake`, :func:`csi.poststratify` or
:func:`csi.calibrate` — the calibration residuals of the influence values (Lumley 2010,
*Complex Surveys*, ch. 7; Deville & Särndal 1992). :func:`influence` exposes the per-respondent
influence values so that other estimators (e.g. multi-channel composites) can combine them.

Checked against R survey 4.1.1 on R 4.2.2 (``svymean`` on simple, stratified with fpc, clustered,
stratified-clustered, raked, poststratified and calibrated designs); the script and its output
are in ``tests/reference/weighting.R`` and ``tests/reference/weighting_*``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csi._api import check_flag, check_level, public
from csi._stats import weighted_means
from csi._validation import rows_text, suggest
from csi.exceptions import DataError
from csi.survey._weighting import WeightingResult, _base_weights, _build_cells, _calibration_matrix, _Factor

__all__ = ["Influence", "influence", "svy_mean", "svy_proportion"]


@public(subjects=2)
def svy_mean(data: pd.DataFrame, y: str | Sequence[str], *, weights: Any = None, strata: str | None = None,
             cluster: str | None = None, fpc: Any = None, calibration: WeightingResult | bool | None = None,
             level: float = 0.95, deff: bool = False) -> pd.DataFrame:
    """Design-based weighted (Hájek) mean with a linearization standard error.

    ``ȳ = Σwy/Σw``; influence ``z_i = w_i (y_i − ȳ)/Σw``; with strata h and PSUs (clusters, or
    respondents) ``V = Σ_h (1 − f_h) n_h/(n_h − 1) Σ_j (z_hj − z̄_h)²`` over PSU totals ``z_hj``
    (Lumley 2010, *Complex Surveys*, §2.4 and appendix; Wolter 2007). For calibrated weights
    (``calibration=`` a WeightingResult) ``z`` is replaced by ``w_i e_i`` with ``e_i`` the residual
    of ``z_i/w_i`` on the calibration dummies (Deville & Särndal 1992), as R survey does for
    raked, poststratified and calibrated designs. Rows with missing ``y`` stay in the design with
    ``z_i = 0`` (domain estimation, like R ``svymean(..., na.rm=TRUE)``) and are counted.

    Parameters
    ----------
    data : pandas.DataFrame
    y : str or list of str
        Outcome column(s); NaN excluded and counted in ``n_missing``.
    weights : WeightingResult, array-like, pandas.Series, str or None
        Case weights (None: equal weights); a WeightingResult also sets ``calibration`` unless
        ``calibration=False``.
    strata, cluster : str, optional
        Column names; clusters are one-stage PSUs, nested within strata.
    fpc : str, float or mapping, optional
        Population size N_h (number of PSUs) per stratum: a column of ``data`` (constant within
        strata), a mapping stratum → N_h, or a number when unstratified. ``f_h = n_h/N_h``.
    calibration : WeightingResult, bool or None
        Whose calibration variables to take residuals on; default: ``weights`` when it is a
        WeightingResult with calibration variables (weights from :func:`csi.trim` of plain weights
        have none and are used as they stand). Weights trimmed from a calibrated result without
        re-raking keep its variables and calibrated weights, as R's ``trimWeights()`` designs do.
    level : float
        Confidence level; normal-quantile CIs (R ``confint`` on ``svymean``).
    deff : bool
        Add ``deff`` = V / (s²/n), the with-replacement variance ratio (R ``deff="replace"``).

    Returns
    -------
    pandas.DataFrame
        ``variable, estimate, std_error, ci_low, ci_high, n, n_missing[, deff]``.

    Notes
    -----
    Checked against R survey ``svymean`` (simple weighted, stratified with fpc, clustered,
    stratified-clustered, raked, poststratified, calibrated designs) to 1e-6 in SE.
    """
    columns = [y] if isinstance(y, str) else list(y)
    values = {}
    for col in columns:
        if col not in data.columns:
            raise DataError(f"svy_mean: outcome {col!r} is not a column{suggest(col, data.columns)}.")
        values[col] = pd.to_numeric(data[col], errors="raise").to_numpy(float)
    return _estimate(data, values, weights, strata, cluster, fpc, calibration, level, deff, "svy_mean")


_CONDITION = re.compile(r"^\s*([^\s<>=!]+)\s*(>=|<=|==|!=|>|<)\s*(-?[0-9.]+(?:[eE]-?\d+)?)\s*$")
_OPS = {">=": np.greater_equal, "<=": np.less_equal, "==": np.equal, "!=": np.not_equal,
        ">": np.greater, "<": np.less}


@public(subjects=2)
def svy_proportion(data: pd.DataFrame, condition: str | Sequence[str], *, weights: Any = None,
                   strata: str | None = None, cluster: str | None = None, fpc: Any = None,
                   calibration: WeightingResult | bool | None = None, level: float = 0.95,
                   deff: bool = False) -> pd.DataFrame:
    """Design-based proportion, e.g. the top-2-box rate ``svy_proportion(df, "SATI1 >= 9", weights=w)``.

    ``condition`` is either a comparison ``"COLUMN op number"`` (op one of >=, <=, ==, !=, >, <),
    where a missing value of the column gives a missing indicator (excluded and counted, never
    counted as "no"), or the name of a 0/1 or boolean column (NaN allowed). The estimate is the
    weighted mean of the indicator, with :func:`svy_mean`'s linearization SE (R survey
    ``svymean(~I(SATI1 >= 9), design, na.rm=TRUE)``); CIs are Wald intervals.

    Parameters
    ----------
    data, weights, strata, cluster, fpc, calibration, level, deff
        As :func:`svy_mean`.
    """
    conditions = [condition] if isinstance(condition, str) else list(condition)
    values = {c: _indicator(data, c) for c in conditions}
    return _estimate(data, values, weights, strata, cluster, fpc, calibration, level, deff, "svy_proportion")


def _indicator(data: pd.DataFrame, condition: str) -> np.ndarray:
    match = _CONDITION.match(condition)
    column = match.group(1) if match else condition
    if column not in data.columns:
        raise DataError(f"svy_proportion: {condition!r}: column {column!r} not in data"
                        f"{suggest(column, data.columns)}; write e.g. 'SATI1 >= 9' or name a 0/1 column.")
    x = pd.to_numeric(data[column], errors="raise").to_numpy(float)
    if match:
        return np.where(np.isnan(x), np.nan, _OPS[match.group(2)](x, float(match.group(3))).astype(float))
    bad = np.flatnonzero(~np.isnan(x) & (x != 0) & (x != 1))
    if bad.size:
        raise DataError(f"svy_proportion: column {column!r} is not 0/1 in {rows_text(list(data.index[bad]))}; "
                        "give a condition such as 'SATI1 >= 9'.")
    return x


def _estimate(data, values, weights, strata, cluster, fpc, calibration, level, deff, where):
    check_level(where, level)
    check_flag(where, "deff", deff)
    w, psu, resid = _design_arrays(data, weights, strata, cluster, fpc, calibration, where)
    q = stats.norm.ppf(0.5 + level / 2)
    rows = []
    for name, y in values.items():
        mean, z, ok = _mean_influence(y, w, resid, name, where)
        se = float(np.sqrt(_variance(z, psu)))
        row = {"variable": name, "estimate": mean, "std_error": se, "ci_low": mean - q * se,
               "ci_high": mean + q * se, "n": int(ok.sum()), "n_missing": int((~ok).sum())}
        if deff:  # s² as R svyvar: Σw(y − ȳ)²/Σw · n/(n − 1), a design-based variance, not a frequency-weight one
            n, wy, y0 = ok.sum(), np.where(ok, w, 0.0), np.where(ok, y, 0.0)
            s2 = np.dot(wy, (y0 - mean) ** 2) / wy.sum() * n / (n - 1)
            row["deff"] = se**2 / (s2 / n) if s2 > 0 else np.nan
        rows.append(row)
    return pd.DataFrame(rows)


def _design_arrays(data, weights, strata, cluster, fpc, calibration, where):
    """Weights, PSU layout and (for calibrated weights) the residualizer of a design."""
    if isinstance(weights, WeightingResult) and calibration is None and weights.factors:
        calibration = weights  # weights trimmed without margins have no calibration variables: plain weights
    w = _base_weights(data, weights, where)
    psu = _psu_layout(data, strata, cluster, fpc, where)
    resid = _Residualizer(data, w, calibration, where) if isinstance(calibration, WeightingResult) else None
    return w, psu, resid


def _mean_influence(y: np.ndarray, w: np.ndarray, resid, name: str, where: str):
    """Hájek mean, its influence values ``z_i = w_i (y_i − ȳ)/Σw`` (0 where y is missing), and ok-mask."""
    ok = ~np.isnan(y)
    if not ok.any():
        raise DataError(f"{where}: {name!r} is missing for every respondent.")
    means, totals = weighted_means(y[:, None], w)
    mean, total = float(means[0]), totals[0]
    z = np.where(ok, w * (np.where(ok, y, 0.0) - mean) / total, 0.0)
    return mean, (resid(z) if resid is not None else z), ok


@dataclass(frozen=True)
class Influence:
    """A design-based mean with its per-respondent influence values.

    Attributes
    ----------
    estimate : float
        The Hájek mean ``Σwy/Σw``.
    values : pandas.Series
        Influence values ``z_i`` aligned to ``data.index`` (after calibration residuals; 0 for
        rows with missing y). The linearization variance is :meth:`variance`.
    std_error : float
    df : int
        Design degrees of freedom: number of PSUs minus number of strata (R ``degf``).
    n, n_missing : int
        Respondents with and without a value of y.
    n_psu : int
        Number of PSUs (respondents when unclustered), the ``n`` of ``n/(n−1)``.
    """

    estimate: float
    values: pd.Series
    std_error: float
    df: int
    n: int
    n_missing: int
    n_psu: int


def influence(data: pd.DataFrame, y: str | np.ndarray | pd.Series, weights: Any = None, *,
              strata: str | None = None, cluster: str | None = None, fpc: Any = None,
              calibration: WeightingResult | bool | None = None) -> Influence:
    """Influence values of a design-based mean, for combining estimates (Lumley 2010, §2.4, app. C).

    Same design arguments and formulas as :func:`svy_mean` (whose ``std_error`` this reproduces);
    ``y`` may be a column name or values aligned to ``data``. Sums of ``λ_c z_c`` over estimates
    that share respondents give the linearization variance of ``Σ λ_c θ_c``.
    """
    where = "influence"
    if isinstance(y, str):
        if y not in data.columns:
            raise DataError(f"{where}: outcome {y!r} is not a column{suggest(y, data.columns)}.")
        y = data[y]
    values = pd.to_numeric(pd.Series(np.asarray(y)), errors="raise").to_numpy(float)
    if values.shape != (len(data),):
        raise DataError(f"{where}: y has {values.size} values for {len(data)} rows of data.")
    w, psu, resid = _design_arrays(data, np.ones(len(data)) if weights is None else weights, strata, cluster,
                            fpc, calibration, where)
    mean, z, ok = _mean_influence(values, w, resid, "y", where)
    return Influence(mean, pd.Series(z, index=data.index, name="influence"),
                     float(np.sqrt(_variance(z, psu))), int(psu.n_h.sum() - psu.n_h.size),
                     int(ok.sum()), int((~ok).sum()), int(psu.n_h.sum()))


class _Residualizer:
    """Replace influence values z by ``w · (e − x'B)``, ``e = z/w``, B the d-weighted LS fit.

    The residual of the calibration estimator: weighted least squares of ``e`` on the dummies of
    all calibration factors with the base weights d as regression weights, solved on the cells
    (Deville & Särndal 1992; Lumley 2010 §7.3 — R survey ``calibrate``/``rake``/``postStratify``).
    """

    def __init__(self, data: pd.DataFrame, w: np.ndarray, calibration: WeightingResult, where: str):
        if not calibration.factors:
            raise DataError(f"{where}: calibration result has no calibration variables to take residuals on.")
        if not calibration.weights.index.equals(data.index):
            raise DataError(f"{where}: calibration weights are not aligned to data.index.")
        base = calibration.base_weights
        self.d = np.ones(len(data)) if base is None else base.to_numpy(float)
        factors = _factors_from_result(calibration)
        self.cells = _build_cells(data, factors, self.d, where)
        self.x, _ = _calibration_matrix(self.cells, factors)
        # R survey keeps the weights of the calibration step: after trimWeights() the residuals are still
        # taken of z / w_calibrated and scaled back by them (svyrecvar's psw, greg_calibration$w)
        kept = calibration.calibrated_weights
        self.w = w if kept is None else _aligned(kept, data, where)
        self.xtdx = (self.x * self.cells.weight[:, None]).T @ self.x

    def __call__(self, z: np.ndarray) -> np.ndarray:
        e = z / self.w
        xte = self.x.T @ np.bincount(self.cells.row_cell, weights=self.d * e, minlength=self.x.shape[0])
        beta = np.linalg.lstsq(self.xtdx, xte, rcond=None)[0]
        return self.w * (e - (self.x @ beta)[self.cells.row_cell])


def _aligned(weights: pd.Series, data: pd.DataFrame, where: str) -> np.ndarray:
    if not weights.index.equals(data.index):
        raise DataError(f"{where}: calibrated weights are not aligned to data.index.")
    return weights.to_numpy(float)


def _factors_from_result(result: WeightingResult) -> list[_Factor]:
    factors = []
    for columns in result.factors:
        name = ":".join(columns)
        part = result.margins[result.margins["variable"] == name]
        if len(columns) == 1:
            levels = tuple((lv,) for lv in part["level"])
        else:
            levels = tuple(tuple(str(lv).split(":")) for lv in part["level"])
        factors.append(_Factor(columns, levels, part["target"].to_numpy(float)))
    return factors


@dataclass(frozen=True)
class _PSULayout:
    psu: np.ndarray          # PSU index of each respondent
    psu_stratum: np.ndarray  # stratum index of each PSU
    n_h: np.ndarray          # PSUs per stratum
    f_h: np.ndarray          # sampling fraction per stratum (0 without fpc)


def _psu_layout(data: pd.DataFrame, strata, cluster, fpc, where: str) -> _PSULayout:
    h = _group_codes(data, strata, where) if strata is not None else np.zeros(len(data), dtype=np.int64)
    unit = _group_codes(data, cluster, where) if cluster is not None else np.arange(len(data))
    psu_key, psu = np.unique(np.column_stack([h, unit]), axis=0, return_inverse=True)
    psu_stratum = psu_key[:, 0]
    n_h = np.bincount(psu_stratum)
    f_h = _sampling_fractions(data, strata, h, n_h, fpc, where)
    lonely = np.flatnonzero((n_h == 1) & (f_h < 1))
    if lonely.size:
        names = _stratum_names(data, strata, h, lonely)
        raise DataError(f"{where}: stratum/strata {names} have a single PSU, so their variance cannot be "
                        "estimated; collapse them with similar strata.")
    return _PSULayout(psu.ravel(), psu_stratum, n_h, f_h)


def _group_codes(data: pd.DataFrame, column: str, where: str) -> np.ndarray:
    if column not in data.columns:
        raise DataError(f"{where}: design column {column!r} not in data{suggest(column, data.columns)}.")
    codes, _ = pd.factorize(data[column], sort=True)
    if (codes < 0).any():
        raise DataError(f"{where}: design column {column!r} is missing in "
                        f"{rows_text(list(data.index[codes < 0]))}; fill it before estimating.")
    return codes.astype(np.int64)


def _stratum_names(data, strata, h, which) -> list[str]:
    if strata is None:
        return ["(all)"]
    labels = pd.factorize(data[strata], sort=True)[1]
    return [str(labels[i]) for i in which]


def _sampling_fractions(data, strata, h, n_h, fpc, where) -> np.ndarray:
    if fpc is None:
        return np.zeros(n_h.size)
    if isinstance(fpc, str):
        if fpc not in data.columns:
            raise DataError(f"{where}: fpc column {fpc!r} not in data{suggest(fpc, data.columns)}.")
        pop = pd.to_numeric(data[fpc]).groupby(h).agg(["min", "max"])
        varying = np.flatnonzero(pop["min"].to_numpy() != pop["max"].to_numpy())
        if varying.size:
            raise DataError(f"{where}: fpc {fpc!r} varies within stratum/strata "
                            f"{_stratum_names(data, strata, h, varying)}; it must be the population size per stratum.")
        big_n = pop["min"].to_numpy(float)
    elif isinstance(fpc, Mapping | pd.Series):
        labels = pd.factorize(data[strata], sort=True)[1] if strata is not None else ["(all)"]
        missing = [lab for lab in labels if lab not in fpc]
        if missing:
            raise DataError(f"{where}: fpc has no population size for stratum/strata {missing[:10]}.")
        big_n = np.array([float(fpc[lab]) for lab in labels])
    else:
        big_n = np.full(n_h.size, float(fpc))
    short = np.flatnonzero(big_n < n_h)
    if short.size:
        names = _stratum_names(data, strata, h, short)
        raise DataError(f"{where}: fpc population size is smaller than the PSUs sampled in {names} "
                        f"(N_h {big_n[short].tolist()} < n_h {n_h[short].tolist()}); fpc must be N_h, not a fraction.")
    return n_h / big_n


def _variance(z: np.ndarray, layout: _PSULayout) -> float:
    totals = np.bincount(layout.psu, weights=z)
    h = layout.psu_stratum
    means = np.bincount(h, weights=totals, minlength=layout.n_h.size) / layout.n_h
    ss = np.bincount(h, weights=(totals - means[h]) ** 2, minlength=layout.n_h.size)
    n_h = layout.n_h.astype(float)
    scale = np.divide(n_h, n_h - 1, out=np.zeros_like(n_h), where=n_h > 1)
    return float(np.sum((1 - layout.f_h) * scale * ss))
