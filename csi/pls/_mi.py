"""Multiple imputation of missing item answers, and Rubin's rules for PLS fits and indices.

Each of m completed data sets is made by chained equations (van Buuren 2018, *Flexible Imputation of Missing
Data*, 2nd ed., ch. 4: fully conditional specification) with scikit-learn's ``IterativeImputer``: every item
with missing answers is regressed on all other items (Bayesian ridge), and its missing cells are drawn from
the posterior predictive distribution, rounded to the points of the item's declared scale and censored at its
bounds. Only missing cells change. Each completed set is fitted by :func:`csi.estimate` and bootstrapped by
:func:`csi.bootstrap` (the within-imputation variances); the m results are pooled by Rubin's rules (Rubin
1987, *Multiple Imputation for Nonresponse in Surveys*, §3.1) with the degrees of freedom of Barnard & Rubin
(1999), Biometrika 86(4), 948-955. The pooling formulas are checked against R mice 3.15 (``pool.scalar``,
``pool`` of ``lm`` fits, ``pool.r.squared``; ``tests/reference/mi.R``). docs/methods/multiple-imputation.md
has the formulas.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from csi import _stats
from csi._api import (
    SEED,
    check_flag,
    check_int,
    check_level,
    check_number,
    check_option,
    check_seed,
    parameter_error,
    public,
)
from csi._data import SCHEMES, declared_scales, item_matrix, row_labels, scale_bounds
from csi._display import Card, Display, Summary, number
from csi.exceptions import DataError, ModelSpecError, SchemaError
from csi.io import Model
from csi.pls._bootstats import _index_bounds
from csi.pls._bootstrap import MissingScaleWarning, bootstrap
from csi.pls._estimate import PLSResult, estimate

__all__ = ["MIResult", "estimate_mi", "mean_over_imputations", "rubin_pool"]

_POOLED = ["estimate", "std_error", "t_value", "p_value", "ci_low", "ci_high", "df", "within", "between", "riv",
           "fmi"]


# ---------------------------------------------------------------- Rubin's rules
def _pool(q: np.ndarray, u: np.ndarray, df_complete: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Rubin's rules for m × k estimates ``q`` and within variances ``u`` (columns pooled one by one)."""
    m = q.shape[0]
    qbar, ubar = q.mean(axis=0), u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1.0 + 1.0 / m) * b
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = (1.0 + 1.0 / m) * b / t
        riv = (1.0 + 1.0 / m) * b / ubar
        df_old = np.where(lam > 0, (m - 1) / lam**2, np.inf)  # Rubin (1987) eq. 3.1.6
        finite = np.isfinite(df_complete)
        dfc = np.where(finite, df_complete, 1.0)
        df_obs = (dfc + 1.0) / (dfc + 3.0) * dfc * (1.0 - lam)  # Barnard & Rubin (1999) eq. 3
        df = np.where(~finite, df_old, np.where(np.isinf(df_old), df_obs, df_old * df_obs / (df_old + df_obs)))
        fmi = (riv + 2.0 / (df + 3.0)) / (riv + 1.0)  # Rubin (1987) eq. 3.1.10, as mice
    return _interval(qbar, np.sqrt(t), df, level) | {"within": ubar, "between": b, "riv": riv, "fmi": fmi}


def _interval(estimate: np.ndarray, se: np.ndarray, df: np.ndarray, level: float) -> dict[str, np.ndarray]:
    half = _stats.t_quantile(level, df) * se
    with np.errstate(divide="ignore", invalid="ignore"):
        t = estimate / se
    return {"estimate": estimate, "std_error": se, "t_value": t, "p_value": _stats.t_test_p(estimate, se, df),
            "ci_low": estimate - half, "ci_high": estimate + half, "df": df}


def _matrix(values: Any, name: str) -> tuple[np.ndarray, pd.Index | None]:
    """``values`` as an m × k float array, and the column labels of a DataFrame."""
    labels = values.columns if isinstance(values, pd.DataFrame) else None
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"rubin_pool: {name} must be numbers (one per imputation, or imputations × "
                        f"estimates); got {type(values).__name__}") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise DataError(f"rubin_pool: {name} must be 1-d (one estimate per imputation) or 2-d (imputations × "
                        f"estimates); got shape {arr.shape}")
    return arr, labels


@public(subjects=2)
def rubin_pool(estimates: Any, variances: Any, *, df_complete: Any = math.inf, level: float = 0.95) -> pd.DataFrame:
    """Pool m completed-data estimates and their variances by Rubin's rules (Rubin 1987, §3.1).

    Q̄ = mean of the estimates, Ū = mean of the within-imputation variances, B = their between-imputation
    variance (n − 1 divisor), T = Ū + (1 + 1/m) B, std_error = √T; λ = (1 + 1/m) B / T, riv = (1 + 1/m) B / Ū.
    Degrees of freedom: ν_old = (m − 1)/λ² (Rubin 1987) and, with a finite complete-data df ν_com, Barnard &
    Rubin's (1999) ν = ν_old ν_obs / (ν_old + ν_obs), ν_obs = (ν_com + 1)/(ν_com + 3) ν_com (1 − λ).
    fmi = (riv + 2/(ν + 3)) / (riv + 1). Intervals Q̄ ± t_ν √T; p two-sided from t_ν. Equal to R mice 3.15
    ``pool.scalar(Q, U, n, k)`` with ν_com = n − k and to ``pool()`` of ``lm`` fits (``tests/reference/mi.R``),
    except that mice floors λ at 1e-4 (its ν_old is at most (m − 1)·10⁸); csi does not.

    Parameters
    ----------
    estimates : array-like or DataFrame
        One estimate per imputation (length m), or imputations × estimates (m × k, pooled column by column);
        a DataFrame's columns label the result's rows.
    variances : array-like or DataFrame
        The squared standard errors, the same shape.
    df_complete : float or array-like
        Complete-data degrees of freedom (one, or one per column); ``math.inf`` (the default) gives Rubin's
        ν_old, as ``pool.scalar`` with ``n = Inf``.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    DataFrame
        ``estimate, std_error, t_value, p_value, ci_low, ci_high, df, within, between, riv, fmi``, one row per
        column of ``estimates``.
    """
    check_level("rubin_pool", level)
    q, labels = _matrix(estimates, "estimates")
    u, _ = _matrix(variances, "variances")
    if q.shape != u.shape:
        raise DataError(f"rubin_pool: estimates {q.shape} and variances {u.shape} must have the same shape")
    if q.shape[0] < 2:
        raise DataError(f"rubin_pool: {q.shape[0]} imputation(s); pooling needs at least 2 (the between variance)")
    for name, arr in (("estimates", q), ("variances", u)):
        bad = ~np.isfinite(arr) | ((arr < 0) if name == "variances" else False)
        if bad.any():
            rows, cols = np.nonzero(bad)
            rule = "finite and ≥ 0" if name == "variances" else "finite"
            raise DataError(f"rubin_pool: {name} must be {rule}; bad value(s) at imputation(s) "
                            f"{', '.join(map(str, sorted(set(rows.tolist()))[:10]))} (column(s) "
                            f"{', '.join(map(str, sorted(set(cols.tolist()))[:10]))})")
    dfc = _df_complete(df_complete, q.shape[1])
    out = pd.DataFrame(_pool(q, u, dfc, level))[_POOLED]
    if labels is not None:
        out.index = labels
    return out


def _df_complete(value: Any, k: int) -> np.ndarray:
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        check_number("rubin_pool", "df_complete", value, above=0)
        return np.full(k, float(value))
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        arr = np.array([np.nan])
    if arr.shape != (k,) or np.isnan(arr).any() or (arr <= 0).any():
        raise parameter_error("rubin_pool", "df_complete", value, f"give a number > 0 (math.inf for none) or "
                              f"{k} of them, one per column of estimates")
    return arr


def mean_over_imputations(tables: list[pd.DataFrame], keys: list[str]) -> pd.DataFrame:
    """Rubin's point estimate Q̄ of every float column: the mean over the completed sets' tables, row by row
    (rows matched on ``keys``, in the first table's order); the other columns are the first table's."""
    first = tables[0].reset_index(drop=True)
    if len(tables) == 1:
        return first
    floats = [c for c in first.columns if c not in keys and pd.api.types.is_float_dtype(first[c])]
    mean = pd.concat([t[keys + floats] for t in tables]).groupby(keys, sort=False)[floats].mean()
    values = mean.reindex(pd.MultiIndex.from_frame(first[keys]) if len(keys) > 1 else first[keys[0]])
    return first.assign(**{c: values[c].to_numpy() for c in floats})


def _pool_r_squared(r2: np.ndarray) -> np.ndarray:
    """R² pooled on Fisher's z of √R² (Harel 2009, J. Applied Statistics 36(10); mice ``pool.r.squared``)."""
    return np.tanh(np.arctanh(np.sqrt(r2)).mean(axis=0)) ** 2


# ---------------------------------------------------------------- the result
@dataclass(frozen=True, eq=False, repr=False)
class MIResult(Display):
    """Result of :func:`estimate_mi`: a PLS model and its indices pooled over m imputations.

    Attributes
    ----------
    model : Model
    paths : DataFrame ``source, target, estimate, std_error, t_value, p_value, ci_low, ci_high, df, within,
        between, riv, fmi, n`` (Rubin's rules; within = mean bootstrap variance, between = variance of the
        estimates over the imputations; df by Barnard & Rubin with ν_com = n − p − 1, p the target's predecessors)
    index : DataFrame ``construct, index, std_error, ci_low, ci_high, df, within, between, riv, fmi, n`` or None
        The 0–100 index pooled the same way (within = bootstrap variance of the index; ν_com = n − 1); None when
        no construct has declared scales (``index_note`` says why).
    r_squared : DataFrame ``construct, r_squared, r_squared_adj``
        Pooled on Fisher's z of √R² (Harel 2009), as mice ``pool.r.squared``.
    missing : DataFrame ``item, n_missing``
        Missing cells per item (the cells imputed).
    m, seed, n_resamples, level, n
        Imputations made (1 when nothing was missing), the seed, bootstrap resamples per completed set, the
        interval level and the respondents.
    n_missing, n_missing_rows : int
        Missing cells imputed (0: nothing imputed, one plain fit), and the rows they are in.
    fits : tuple of PLSResult
        The fit of each completed data set (one when nothing was missing).
    imputations : tuple of DataFrame
        Each completed data set's item columns (input index); observed cells as given.
    index_note : str
        Why ``index`` is None or lacks constructs ("" when every construct has its index).
    """

    model: Model
    paths: pd.DataFrame
    index: pd.DataFrame | None
    r_squared: pd.DataFrame
    missing: pd.DataFrame
    m: int
    seed: int | None
    n_resamples: int
    level: float
    n: int
    n_missing: int
    n_missing_rows: int
    fits: tuple[PLSResult, ...]
    imputations: tuple[pd.DataFrame, ...]
    index_note: str = ""

    def _how(self) -> str:
        if not self.n_missing:
            return "no missing answer: one fit, nothing imputed"
        cells = len(self.imputations[0]) * len(self.model.items)
        return (f"{self.n_missing:,} cells ({self.n_missing / cells:.1%}) in {self.n_missing_rows:,} of "
                f"{len(self.imputations[0]):,} rows, imputed "
                f"{self.m} times by chained equations on the items' scale points")

    def _card(self) -> Card:
        p = self.paths
        facts: list[tuple[str, Any]] = [("missing", self._how())]
        facts.append(("paths", [f"{s} → {t} {number(v, 3)} [{number(lo, 3)}, {number(hi, 3)}]" for s, t, v, lo, hi
                                in p[["source", "target", "estimate", "ci_low", "ci_high"]].itertuples(index=False)]))
        if self.index is not None and len(self.index):
            facts.append(("index", [f"{c} {number(v, 1)} [{number(lo, 1)}, {number(hi, 1)}]" for c, v, lo, hi
                                    in self.index[["construct", "index", "ci_low", "ci_high"]].itertuples(index=False)]))
        if self.n_missing:
            tables = [p] + ([self.index] if self.index is not None else [])
            fmi = pd.concat([t["fmi"] for t in tables])
            facts.append(("fmi", (f"{number(fmi.min(), 3)} to {number(fmi.max(), 3)} (fraction of missing "
                                 "information)")))
        facts.append(("inference", (f"{self.level:.0%} t intervals (Barnard–Rubin df); within-imputation variance "
                                   f"from {self.n_resamples:,} bootstrap resamples per completed set; seed {self.seed}")))
        if self.index_note:
            facts.append(("note", self.index_note))
        title = (f"PLS path model pooled over {self.m} imputation{'s' if self.m != 1 else ''} (Rubin's rules); "
                 f"{len(self.model.constructs)} constructs, {len(self.model.items)} items; n = {self.n:,}")
        return Card("MIResult", title, facts, [("paths", p)] + ([("index", self.index)] if self.index is not None
                                                               else []),
                    (".summary()", ".paths", ".index", ".r_squared", ".missing", ".fits", ".imputations"))

    @property
    def fit(self) -> PLSResult:
        """The pooled point estimates as one PLSResult, for what reads a fit's tables (index weights, IPMA,
        drivers): paths (``paths.estimate``), outer weights and loadings, item means and SDs and construct
        correlations are the means over the completed sets (Rubin's Q̄), R² is pooled as :attr:`r_squared`.
        Its rows (``scores``, ``data``, ``x``) are the first completed set's; the first fit when nothing was
        imputed."""
        first = self.fits[0]
        if len(self.fits) == 1:
            return first
        corr = first.construct_corr
        if corr is not None:
            corr = sum(f.construct_corr for f in self.fits) / len(self.fits)
        return replace(first, paths=first.paths.assign(estimate=self.paths["estimate"].to_numpy()),
                       outer=mean_over_imputations([f.outer for f in self.fits], ["construct", "item"]),
                       item_stats=mean_over_imputations([f.item_stats for f in self.fits], ["item"]),
                       r_squared=first.r_squared.assign(**{c: self.r_squared[c].to_numpy()
                                                           for c in ("r_squared", "r_squared_adj")}),
                       construct_corr=corr)

    def imputing(self, data: pd.DataFrame, *, m: int, cycles: int = 10) -> MIResult:
        """This result's fits with ``data`` (other respondents: an earlier wave) imputed ``m`` times as
        :func:`estimate_mi` imputes (the same seeds), completed set k scored by fit k mod (number of fits).

        Pass it to :func:`csi.enterprise_indices` with rows of ``data``: the indices of respondents who were not
        in the estimation, pooled by Rubin's rules like the estimation sample's. With nothing missing in
        ``data`` it is scored as it is by each fit (one fit: the plain indices, df = n − 1). The model's pooled
        tables (paths, index, R²) stay the estimation's; ``missing``, ``m``, ``n`` and the counts are ``data``'s."""
        items = self.model.items
        x = item_matrix(data, items)
        nan = np.isnan(x)
        lo, hi = _bounds(data, items, None, nan)
        _check_items(x, items, data.index, lo, hi)
        m = m if nan.any() else len(self.fits)  # nothing to impute: the data as they are, once per fit
        completed = tuple(pd.DataFrame(_impute(x, lo, hi, impute_seed, cycles) if nan.any() else x,
                                       index=data.index, columns=list(items))
                          for impute_seed, _ in _seeds(self.seed, m))
        return replace(self, fits=tuple(self.fits[k % len(self.fits)] for k in range(m)), imputations=completed,
                       m=m, n=len(data), n_missing=int(nan.sum()), n_missing_rows=int(nan.any(axis=1).sum()),
                       missing=_missing(items, nan))

    def summary(self) -> Summary:
        """The pooled paths, index and R², and the missing cells per item."""
        tables = {"paths": self.paths}
        if self.index is not None:
            tables["index"] = self.index
        tables |= {"r_squared": self.r_squared, "missing": self.missing[self.missing["n_missing"] > 0]}
        return self._card().summary(tables)


# ---------------------------------------------------------------- imputation
def _bounds(data: pd.DataFrame, items: tuple[str, ...], scale: Any, nan: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(min, max) per item: ``scale`` for all, else the declared ones; ±inf for complete items without one."""
    declared = declared_scales(data.attrs.get("scales") or {}, items)
    absent = [i for j, i in enumerate(items) if nan[:, j].any() and i not in declared]
    if scale is None and absent:
        raise SchemaError(f"estimate_mi: no declared scale for item(s) {', '.join(absent)}, which have missing answers "
                          "to impute on the scale's points; pass scale=(min, max), e.g. scale=(1, 10), or read the data "
                          "with a questionnaire that declares the scales")
    return scale_bounds({**dict.fromkeys(items, (-np.inf, np.inf)), **declared}, items, scale)


def _check_items(x: np.ndarray, items: tuple[str, ...], index: pd.Index, lo: np.ndarray, hi: np.ndarray) -> None:
    """DataErrors naming columns and rows: an item never answered, a row with no answer, a value off the scale."""
    nan = np.isnan(x)
    empty = [items[j] for j in np.flatnonzero(nan.all(axis=0))]
    if empty:
        raise DataError(f"estimate_mi: item(s) {', '.join(empty)} have no observed answer; nothing to impute them "
                        "from: drop them from the model")
    blank = nan.all(axis=1)
    if blank.any():
        raise DataError(f"estimate_mi: {int(blank.sum())} row(s) answer no item of the model ({row_labels(index, blank)}"
                        "); imputing a whole respondent invents one: screen them out first (csi.screen, "
                        "no_items_answered) or drop them")
    with np.errstate(invalid="ignore"):
        off = ~nan & ((x < lo) | (x > hi))
    bad = np.flatnonzero(off.any(axis=0))
    if len(bad):
        parts = [f"{items[j]} ({int(off[:, j].sum())} rows: {row_labels(index, off[:, j])})" for j in bad]
        raise DataError(f"estimate_mi: items out of their scale: {'; '.join(parts)}; fix the values or the scale "
                        "(the imputations are drawn on it)")


def _seeds(seed: int | None, m: int) -> list[tuple[int, int]]:
    """Imputation k's imputer and bootstrap seeds: the k-th child of ``SeedSequence(seed)``."""
    return [tuple(int(s) for s in child.generate_state(2)) for child in np.random.SeedSequence(seed).spawn(m)]


def _missing(items: tuple[str, ...], nan: np.ndarray) -> pd.DataFrame:
    """Missing cells per item (the cells imputed)."""
    return pd.DataFrame({"item": list(items), "n_missing": nan.sum(axis=0).astype(int)})


def _impute(x: np.ndarray, lo: np.ndarray, hi: np.ndarray, seed: int, cycles: int) -> np.ndarray:
    """One completed item matrix: posterior predictive draws in the missing cells, rounded to the scale's points
    and censored at its bounds; observed cells untouched."""
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401 - registers IterativeImputer
    from sklearn.impute import IterativeImputer  # loaded on first use: `import csi` stays light

    imputer = IterativeImputer(sample_posterior=True, random_state=seed, max_iter=cycles, skip_complete=True,
                               keep_empty_features=True)
    drawn = imputer.fit_transform(x.copy())  # sklearn writes into its input
    # a draw beyond the scale becomes its end point, as an answer above the top is the top (censoring); truncating
    # the draw instead moves that mass inside the scale and lowers imputed means where answers pile at the top
    hole = np.isnan(x)
    cols = hole.any(axis=0)  # only these have bounds for sure (complete items may have none: ±inf)
    points = np.clip(lo[cols] + np.rint(drawn[:, cols] - lo[cols]), lo[cols], hi[cols])  # min, min + 1, …, max
    out = x.copy()
    out[:, cols] = np.where(hole[:, cols], points, x[:, cols])
    return out


# ---------------------------------------------------------------- estimation and pooling
@public(subjects=2)
def estimate_mi(
    model: Model,
    data: pd.DataFrame,
    *,
    m: int = 20,
    seed: int | None = SEED,
    n_resamples: int = 1000,
    weights: Any = None,
    scale: tuple[float, float] | None = None,
    level: float = 0.95,
    scheme: str = "path",
    consistent: bool = False,
    max_iter: int = 300,
    tol: float = 1e-7,
    cycles: int = 10,
    strata: Any = None,
    cluster: Any = None,
) -> MIResult:
    """Estimate a PLS path model and its 0–100 indices by multiple imputation of the missing item answers.

    Parameters
    ----------
    model : Model
    data : DataFrame
        The respondents; the model's items may have missing values (NaN). ``data.attrs["scales"]`` (from
        :func:`csi.read_responses`) gives each item's declared scale.
    m : int
        Imputations (completed data sets); at least 2. Irrelevant when nothing is missing.
    seed : int or None
        Seed of everything random: imputation l uses the l-th child of ``numpy.random.SeedSequence(seed)`` for
        its imputer and its bootstrap (default 1, reproducible; None draws fresh entropy). With no missing
        answer, the bootstrap uses ``seed`` itself, as :func:`csi.bootstrap` would.
    n_resamples : int
        Bootstrap resamples per completed data set (the within-imputation variance).
    weights : None, str, array-like or Series
        Case weights, as :func:`csi.estimate` (used in every fit, not in the imputation model).
    scale : (min, max), optional
        Declared scale of every item; default: the declared scales of ``data.attrs["scales"]``. Imputed values
        lie on its points (min, min + 1, …, max); the index needs it too.
    level : float
        Confidence level of the intervals.
    scheme, consistent, max_iter, tol
        As :func:`csi.estimate`, for every completed data set.
    cycles : int
        Chained-equations cycles per imputation (mice's ``maxit``, IterativeImputer's ``max_iter``).
    strata, cluster : array-like or Series, optional
        The sampling design of the bootstrap, one label per row (as :func:`csi.bootstrap`).

    Returns
    -------
    MIResult

    Notes
    -----
    Each imputation runs scikit-learn's ``IterativeImputer(sample_posterior=True)``: items with missing cells
    are imputed in turn (fewest missing first) from Bayesian ridge regressions on all other items, their missing
    cells drawn from the posterior predictive, rounded to the nearest scale point and censored at [min, max] (a
    draw above the top point becomes the top point).
    Every completed set is fitted by :func:`csi.estimate` (``missing="raise"``) and bootstrapped by
    :func:`csi.bootstrap`; paths and indices are pooled by :func:`rubin_pool`. With no missing answer nothing
    is imputed: the result is the plain fit (its paths and :func:`csi.csi_index` exactly), its bootstrap
    variance, between variance 0, df = ν_com and fmi 0. Only the model's items enter the imputation model.

    Raises
    ------
    ParameterError
        An unknown argument, or an option outside its allowed values.
    SchemaError
        Missing or non-numeric item columns; no declared scale for an item with missing answers.
    DataError
        An item with no observed answer, a row with no answer, an observed value outside its scale (each named
        with its rows), bad weights, or what :func:`csi.estimate` and :func:`csi.bootstrap` reject.
    """
    _check_options(m, seed, n_resamples, level, scheme, consistent, max_iter, tol, cycles)
    if not isinstance(model, Model):
        raise ModelSpecError(f"estimate_mi: model must be a csi Model, got {type(model).__name__}; build one with "
                             "Model.from_syntax(...)")
    items = model.items
    x = item_matrix(data, items)
    nan = np.isnan(x)
    fit_options = {"weights": weights, "scheme": scheme, "max_iter": max_iter, "tol": tol, "consistent": consistent}
    boot_options = {"n_resamples": n_resamples, "level": level, "strata": strata, "cluster": cluster, "scale": scale}
    if not nan.any():
        fit = estimate(model, data, **fit_options)
        runs = [(fit, bootstrap(fit, seed=seed, **boot_options))]
        imputations = (data[list(items)],)
    else:
        lo, hi = _bounds(data, items, scale, nan)
        _check_items(x, items, data.index, lo, hi)
        runs, completed = [], []
        for k, (impute_seed, boot_seed) in enumerate(_seeds(seed, m)):
            filled = data.copy()
            filled[list(items)] = _impute(x, lo, hi, impute_seed, cycles)
            fit = estimate(model, filled, **fit_options)
            with warnings.catch_warnings():
                if k:  # the same note for every completed set: said once
                    warnings.simplefilter("ignore", MissingScaleWarning)
                runs.append((fit, bootstrap(fit, seed=boot_seed, **boot_options)))
            completed.append(filled[list(items)])
        imputations = tuple(completed)
    return _result(model, runs, imputations, nan, seed, n_resamples, level, scale)


def _check_options(m, seed, n_resamples, level, scheme, consistent, max_iter, tol, cycles) -> None:
    check_int("estimate_mi", "m", m, 2, what="imputations")
    check_seed("estimate_mi", seed)
    check_int("estimate_mi", "n_resamples", n_resamples, 2, what="bootstrap resamples per completed data set")
    check_level("estimate_mi", level)
    check_option("estimate_mi", "scheme", scheme, SCHEMES)
    check_flag("estimate_mi", "consistent", consistent)
    check_int("estimate_mi", "max_iter", max_iter, 1, what="outer iterations")
    check_number("estimate_mi", "tol", tol, above=0)
    check_int("estimate_mi", "cycles", cycles, 1, what="chained-equations cycles")


def _respondents(fit: PLSResult) -> int:
    """Respondents behind the fit: rows with a positive case weight (never Σw)."""
    return fit.n if fit.case_weights is None else int((fit.case_weights > 0).sum())


def _index_point(fit: PLSResult, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The fit's 0–100 index per construct, from the same inputs and formula as :func:`csi.csi_index`."""
    items = list(fit.model.items)
    outer = fit.outer.set_index("item")["weight"].reindex(items).to_numpy(dtype=float)
    stats = fit.item_stats.set_index("item").reindex(items)
    pos = {c: j for j, c in enumerate(fit.model.constructs)}
    owner = np.array([pos[fit.model.construct_of(i)] for i in items])
    wn = _stats.index_weights(outer, stats["sd"].to_numpy(dtype=float), owner)
    return _stats.index_values(wn, stats["mean"].to_numpy(dtype=float), lo, hi, owner)


def pool_runs(q: np.ndarray, u: np.ndarray, dfc: np.ndarray, level: float) -> dict[str, np.ndarray]:
    """Rubin's rules over the runs (m × k estimates and variances, ν_com per column); one run (nothing
    imputed): the complete-data inference itself. Undefined variances (NaN) give NaN, never an error."""
    if len(q) > 1:
        return _pool(q, u, dfc, level)
    zero = np.zeros(q.shape[1])
    return _interval(q[0], np.sqrt(u[0]), dfc, level) | {"within": u[0], "between": zero, "riv": zero, "fmi": zero}


def _result(model: Model, runs: list, imputations: tuple, nan: np.ndarray, seed: int | None, n_resamples: int,
            level: float, scale: Any) -> MIResult:
    fits = [fit for fit, _ in runs]
    first = fits[0]
    n = _respondents(first)
    q = np.array([f.paths["estimate"].to_numpy() for f in fits])
    u = np.array([b.paths["std_error"].to_numpy() ** 2 for _, b in runs])
    npred = np.array([len(model.predecessors(t)) for t in first.paths["target"]])
    pooled = pd.DataFrame(pool_runs(q, u, n - npred - 1.0, level))[_POOLED]
    paths = pd.concat([first.paths[["source", "target"]].reset_index(drop=True), pooled], axis=1).assign(n=n)
    lo, hi, cols, note = _index_bounds(first, scale)
    index = None
    if cols:
        q = np.array([_index_point(f, lo, hi)[list(cols)] for f in fits])
        u = np.array([b.index["std_error"].to_numpy() ** 2 for _, b in runs])
        pooled = pd.DataFrame(pool_runs(q, u, np.full(len(cols), n - 1.0), level))
        index = pd.concat([pd.DataFrame({"construct": [model.constructs[j] for j in cols]}),
                           pooled.rename(columns={"estimate": "index"})], axis=1)
        index = index[["construct", "index", "std_error", "ci_low", "ci_high", "df", "within", "between", "riv",
                       "fmi"]].assign(n=n)
    r2 = first.r_squared[["construct", "r_squared", "r_squared_adj"]]
    if len(fits) > 1:
        for column in ("r_squared", "r_squared_adj"):
            values = np.array([f.r_squared[column].to_numpy() for f in fits])
            r2 = r2.assign(**{column: _pool_r_squared(np.clip(values, 0.0, None))})
    missing = _missing(model.items, nan)
    return MIResult(model, paths, index, r2.reset_index(drop=True), missing, len(fits), seed, n_resamples, level, n,
                    int(nan.sum()), int(nan.any(axis=1).sum()), tuple(fits), imputations, note)
