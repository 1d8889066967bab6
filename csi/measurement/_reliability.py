"""Reliability of measurement blocks: alpha (with CIs and item table), omega, rho_A, rho_C, AVE.

Formulas follow ``docs/methods/reliability.md`` and the papers cited in each docstring:
Cronbach (1951); Feldt, Woodruff & Salih (1987); Duhachek & Iacobucci (2004); McDonald (1999);
Dijkstra & Henseler (2015); Fornell & Larcker (1981). Numbers were checked against R psych 2.2.9
(``tests/reference/reliability.R``) and the seminr 0.2.1 Python port (rho_A, rho_C, AVE); see
``tests/test_reliability.py``. Validity measures (HTMT, Fornell–Larcker, cross-loadings, VIF)
are in :mod:`csi.measurement._validity`, KMO/Bartlett and EFA in :mod:`csi.measurement._factor`.

Covariances are frequency-weighted when case weights are given: mean = Σwx/Σw and
cov = Σw(x − x̄)(y − ȳ)/(Σw − 1), so integer weights give the same estimates as repeated rows
(:func:`csi._stats.weighted_cov`, pairwise-complete, shared with the validity and factor modules).
The n of the confidence intervals is Kish's effective n of the rows used, (Σw)²/Σw², never Σw: survey
weights summing to the population size give the same intervals as the same weights summing to n.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csi._api import SEED, check_flag, check_int, check_level, check_option, check_seed, public
from csi._data import check_weights
from csi._display import Card, Display, Summary
from csi._stats import Cov, cov_to_corr, sample_sizes, weighted_cov
from csi.exceptions import ConvergenceError, DataError, SchemaError
from csi.pls import PLSResult

__all__ = [
    "THRESHOLDS",
    "AlphaResult",
    "cronbach_alpha",
    "omega_total",
    "reliability",
]

#: Conventional cut-offs reported as flags (sources in METHODS.md §4), not laws.
THRESHOLDS = {
    "alpha": 0.70,  # Nunnally (1978)
    "rho_c": 0.70,  # Nunnally (1978); Hair et al. PLS-SEM primer
    "ave": 0.50,  # Fornell & Larcker (1981)
    "htmt": 0.85,  # Henseler, Ringle & Sarstedt (2015); 0.90 for conceptually close constructs
    "kmo": 0.60,  # Kaiser (1974)
    "item_rest_r": 0.30,
}

CI_METHODS = ("feldt", "duhachek", "bootstrap")
MISSING = ("listwise", "pairwise")


# ---------------------------------------------------------------- input handling
def _as_items(items: Any) -> tuple[np.ndarray, list[str]]:
    """Items (DataFrame or 2-D array) as a float array and item names; errors name the column."""
    if isinstance(items, pd.DataFrame):
        names = [str(c) for c in items.columns]
        for name, col in items.items():
            if not pd.api.types.is_numeric_dtype(col.dtype) or pd.api.types.is_bool_dtype(col.dtype):
                raise SchemaError(
                    f"item {name!r} is not numeric (dtype {col.dtype}); recode it to numbers, e.g. with pd.to_numeric"
                )
        x = items.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            x = np.asarray(items, dtype=float)
        except (TypeError, ValueError):
            raise SchemaError("items must be a numeric DataFrame or a 2-D numeric array (rows × items)") from None
        if x.ndim != 2:
            raise SchemaError(f"items must be 2-D (rows × items), got an array of shape {x.shape}")
        names = [f"item{j + 1}" for j in range(x.shape[1])]
    if x.shape[1] < 2:
        raise DataError(f"reliability needs at least 2 items, got {x.shape[1]} ({', '.join(names) or 'none'})")
    if np.isinf(x).any():
        bad = [names[j] for j in np.flatnonzero(np.isinf(x).any(axis=0))]
        raise DataError(f"item(s) {', '.join(bad)} contain infinite values; recode them as numbers or NaN")
    empty = np.isnan(x).all(axis=0)
    if empty.any():
        raise DataError(f"item(s) {', '.join(names[j] for j in np.flatnonzero(empty))} have no observed values")
    return x, names


def _as_weights(weights: Any, items: Any, n: int) -> np.ndarray | None:
    """Case weights aligned with the rows of ``items``, checked by :func:`csi._data.check_weights`."""
    index = items.index if isinstance(items, pd.DataFrame) else None
    return None if weights is None else check_weights(weights, n, of="the items", index=index)


def _check_cov(cov: Cov, names: list[str]) -> None:
    """DataError for constant items or pairs observed together in fewer than two rows."""
    d = np.diag(cov.c)
    flat = ~(d > 1e-12 * (1.0 + np.abs(np.diag(cov.c)).max()))
    if flat.any():
        raise DataError(
            f"item(s) {', '.join(names[j] for j in np.flatnonzero(flat))} are constant (zero variance) in the "
            "rows used; drop them from the scale"
        )
    few = np.argwhere(np.triu(cov.total <= 1.0))
    if len(few):
        i, j = few[0]
        raise DataError(
            f"items {names[i]} and {names[j]} are observed together in too few rows (total weight "
            f"{cov.total[i, j]:g}); need more than one"
        )


# ---------------------------------------------------------------- alpha
def _alpha(c: np.ndarray) -> float:
    """Cronbach's alpha k/(k−1)(1 − tr C / ΣC) of a covariance (or correlation) matrix."""
    k = c.shape[0]
    return k / (k - 1.0) * (1.0 - np.trace(c) / c.sum())


def _item_table(c: np.ndarray, names: list[str]) -> pd.DataFrame:
    """alpha if item deleted and item–rest r (psych's alpha.drop and r.drop) from C."""
    k = len(names)
    total, row = c.sum(), c.sum(axis=1)
    diag = np.diag(c)
    rest_var = total - 2.0 * row + diag
    rest_r = (row - diag) / np.sqrt(diag * rest_var)
    drop = np.full(k, np.nan)  # undefined for k = 2 (a single item left)
    if k > 2:
        drop = np.array([_alpha(np.delete(np.delete(c, j, 0), j, 1)) for j in range(k)])
    return pd.DataFrame({"item": names, "alpha_if_deleted": drop, "item_rest_r": rest_r})


def _duhachek_se(c: np.ndarray, n: float) -> float:
    """Duhachek & Iacobucci (2004) asymptotic SE of alpha: √(Q/n)."""
    k = c.shape[0]
    one = c.sum()
    c2 = c @ c
    q = 2 * k**2 / ((k - 1) ** 2 * one**3) * (one * (np.trace(c2) + np.trace(c) ** 2) - 2 * np.trace(c) * c2.sum())
    return float(np.sqrt(q / n))


def _feldt(alpha: float, n: float, k: int, level: float) -> tuple[float, float]:
    """Feldt, Woodruff & Salih (1987) CI from F(n − 1, (n − 1)(k − 1))."""
    g = 1.0 - level
    df1, df2 = n - 1.0, (n - 1.0) * (k - 1.0)
    return (
        float(1.0 - (1.0 - alpha) * stats.f.ppf(1.0 - g / 2.0, df1, df2)),
        float(1.0 - (1.0 - alpha) * stats.f.ppf(g / 2.0, df1, df2)),
    )


def _bootstrap(x, w, standardized, n_resamples, seed, level) -> tuple[float, float, float]:
    """Percentile CI (type-7 quantiles) and SE over multinomial-count resamples of the rows."""
    rng = np.random.default_rng(seed)
    n = len(x)
    reps = np.empty(n_resamples)
    for b in range(n_resamples):
        counts = rng.multinomial(n, np.full(n, 1.0 / n)).astype(float)
        c = weighted_cov(x, counts if w is None else counts * w).c
        with np.errstate(divide="ignore", invalid="ignore"):
            reps[b] = _alpha(cov_to_corr(c) if standardized else c)
    failed = int((~np.isfinite(reps)).sum())
    if failed:
        raise DataError(
            f"{failed} of {n_resamples} bootstrap resamples gave no alpha (an item constant in the resample); "
            "use ci='feldt' or 'duhachek', or more rows"
        )
    g = 1.0 - level
    lo, hi = np.quantile(reps, [g / 2.0, 1.0 - g / 2.0])
    return float(lo), float(hi), float(reps.std(ddof=1))


@dataclass(frozen=True, eq=False, repr=False)
class AlphaResult(Display):
    """Cronbach's alpha of one scale (see :func:`cronbach_alpha`).

    Attributes
    ----------
    alpha : float
        Raw alpha k/(k−1)(1 − tr C/ΣC) (the SPSS / psych ``raw_alpha`` headline).
    alpha_std : float
        Standardized alpha k r̄/(1 + (k−1) r̄) (psych ``std.alpha``; seminr's "alpha").
    ci_low, ci_high : float or None
        Confidence bounds for the estimator named by ``estimator`` (None when ``ci=None``).
    n : int
        Respondents used (rows with a positive weight): after listwise deletion, or (pairwise) the
        fewest behind any entry of C.
    k : int
        Number of items.
    method : str or None
        CI method: "feldt", "duhachek", "bootstrap" or None.
    item_stats : DataFrame ``item, alpha_if_deleted, item_rest_r``
        On the same estimator as the CI (raw or standardized).
    estimator : {"raw", "standardized"}
    level : float
    std_error : float or None
        Standard error (Duhachek–Iacobucci, or bootstrap SD); None for Feldt / no CI.
    missing : {"listwise", "pairwise"}
    n_eff : float or None
        The n of the Feldt and Duhachek intervals: Kish's effective n (Σw)²/Σw² of the respondents used
        (pairwise: the smallest over the entries of C); ``n`` when unweighted.
    """

    alpha: float
    alpha_std: float
    ci_low: float | None
    ci_high: float | None
    n: int
    k: int
    method: str | None
    item_stats: pd.DataFrame
    estimator: str = "raw"
    level: float = 0.95
    std_error: float | None = None
    missing: str = "listwise"
    n_eff: float | None = None

    @property
    def estimate(self) -> float:
        """The alpha the CI and item table refer to (raw or standardized)."""
        return self.alpha_std if self.estimator == "standardized" else self.alpha

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table of the headline numbers."""
        keys = ("alpha", "alpha_std", "ci_low", "ci_high", "std_error", "n", "n_eff", "k", "method", "estimator", "level",
                "missing")
        return pd.DataFrame([{key: getattr(self, key) for key in keys}])

    def _card(self) -> Card:
        ci = (f", {self.level:.0%} CI [{self.ci_low:.3f}, {self.ci_high:.3f}] ({self.method})"
              if self.ci_low is not None and self.ci_high is not None else "")
        n = f"{self.n:,} ({self.missing})"
        if self.n_eff is not None and abs(self.n_eff - self.n) > 1e-9:
            n += f", effective n {self.n_eff:,.1f}"
        side = "≥" if self.estimate >= THRESHOLDS["alpha"] else "<"
        both = f"{self.alpha:.3f} / {self.alpha_std:.3f}"
        facts = [("raw / standardized", (f"{both} (CI and items on the {self.estimator} α; {side} the conventional "
                                        f"{THRESHOLDS['alpha']:.2f})")),
                 ("n", n)]
        if self.std_error is not None:
            facts.append(("std. error", f"{self.std_error:.4f}"))
        stats_ = self.item_stats
        if len(stats_):
            facts.append(("items", list(stats_["item"])))
            weak = stats_.loc[stats_["item_rest_r"].idxmin()]
            facts.append(("weakest item", (f"{weak['item']}: item–rest r {weak['item_rest_r']:.3f}, α if deleted "
                                          f"{weak['alpha_if_deleted']:.3f}")))
        return Card("AlphaResult", f"Cronbach's α = {self.estimate:.3f}{ci}; {self.k} items, n = {self.n:,}", facts,
                    [("item_stats", stats_)], (".item_stats", ".to_frame()", ".summary()"))

    def summary(self) -> Summary:
        """The headline numbers and the item statistics (α if deleted, item–rest r)."""
        return self._card().summary({"alpha": self.to_frame(), "item_stats": self.item_stats})


def _check_alpha_args(ci, level, missing, standardized, n_resamples, seed) -> None:
    check_option("cronbach_alpha", "ci", ci, (*CI_METHODS, None))
    check_option("cronbach_alpha", "missing", missing, MISSING)
    check_level("cronbach_alpha", level)
    check_flag("cronbach_alpha", "standardized", standardized)
    check_int("cronbach_alpha", "n_resamples", n_resamples, 2, what="bootstrap resamples")
    check_seed("cronbach_alpha", seed)


@public(subjects=1, renamed={"n_boot": "n_resamples"})
def cronbach_alpha(
    items: Any,
    *,
    weights: Any = None,
    ci: str | None = "feldt",
    level: float = 0.95,
    missing: str = "listwise",
    standardized: bool = False,
    n_resamples: int = 1000,
    seed: int | None = SEED,
) -> AlphaResult:
    """Cronbach's alpha (raw and standardized) with a confidence interval and item table.

    Parameters
    ----------
    items : DataFrame or 2-D array
        Rows × items, reverse-coded items already flipped; NaN marks missing values.
    weights : array-like or Series, optional
        Non-negative case weights (survey weights): covariances frequency-style (denominator Σw − 1);
        the intervals use Kish's effective n, so the scale of the weights does not matter.
    ci : {"feldt", "duhachek", "bootstrap", None}
        Feldt, Woodruff & Salih (1987) F-based CI; Duhachek & Iacobucci (2004) normal CI
        α ± z·√(Q/n); or a percentile bootstrap over multinomial row counts.
    level : float
        Confidence level.
    missing : {"listwise", "pairwise"}
        Drop incomplete rows, or use pairwise-complete covariances (R ``use = "pairwise"``).
    standardized : bool
        Base the CI and ``item_stats`` on standardized alpha (correlation matrix).
    n_resamples, seed : int, int or None
        Bootstrap resamples and the seed of ``numpy.random.default_rng`` (``ci="bootstrap"`` only; seed 1 by
        default, None for fresh entropy).

    Returns
    -------
    AlphaResult

    Notes
    -----
    Raw α = k/(k−1)(1 − tr C/ΣC); standardized α = k r̄/(1 + (k−1) r̄) (Cronbach 1951).
    Feldt bounds 1 − (1−α)F_{1−γ/2} and 1 − (1−α)F_{γ/2} on (n−1, (n−1)(k−1)) df with n the
    rows actually used; under pairwise deletion n is the smallest pairwise count. With case weights
    n is Kish's effective n (Σw)²/Σw² of those rows (Kish 1965), for Feldt and Duhachek alike: weights
    scaled to population totals give the same intervals as the same weights normalised to the sample.
    Checked against R psych ``alpha()`` (raw_alpha, std.alpha, Feldt, Duhachek, alpha.drop,
    r.drop) on the mobi blocks and the demo Quality scale, to 1e-6. csi keeps its own alpha rather than
    calling pingouin ``cronbach_alpha``: pingouin has no case weights, no item table and no Duhachek CI,
    its Feldt CI uses the row count before listwise deletion, and on 10⁶ rows it is several times slower
    (``benchmarks/RESULTS.md``); its pairwise alpha is a test oracle (``tests/test_reliability.py``).

    Raises
    ------
    DataError
        Fewer than two items, an empty or constant item, too few rows, bad weights, or a
        non-positive total-score variance.
    """
    _check_alpha_args(ci, level, missing, standardized, n_resamples, seed)
    x, names = _as_items(items)
    w = _as_weights(weights, items, len(x))
    if missing == "listwise":
        keep = ~np.isnan(x).any(axis=1)
        x, w = x[keep], None if w is None else w[keep]
    cov = weighted_cov(x, w)
    _check_cov(cov, names)
    c = cov.c
    r = cov_to_corr(c)
    if not c.sum() > 0:
        raise DataError(
            f"the total score of {', '.join(names)} has no positive variance (items negatively related?); "
            "check reverse-coded items"
        )
    raw, std = _alpha(c), _alpha(r)
    respondents, n_eff = sample_sizes(x, w)
    n_ci, n_rows = float(n_eff.min()), int(respondents.min())
    if ci in ("feldt", "duhachek") and not n_ci > 1.0:
        raise DataError(f"the effective n of the rows used is {n_ci:.3g} (one weight dominates); a {ci} interval "
                        "needs more than one; use ci=None or 'bootstrap'")
    use, est = (r, std) if standardized else (c, raw)
    lo = hi = se = None
    if ci == "feldt":
        lo, hi = _feldt(est, n_ci, len(names), level)
    elif ci == "duhachek":
        se = _duhachek_se(use, n_ci)
        z = stats.norm.ppf(0.5 + level / 2.0)
        lo, hi = float(est - z * se), float(est + z * se)
    elif ci == "bootstrap":
        lo, hi, se = _bootstrap(x, w, standardized, n_resamples, seed, level)
    return AlphaResult(
        alpha=float(raw),
        alpha_std=float(std),
        ci_low=lo,
        ci_high=hi,
        n=n_rows,
        k=len(names),
        method=ci,
        item_stats=_item_table(use, names),
        estimator="standardized" if standardized else "raw",
        level=level,
        std_error=se,
        missing=missing,
        n_eff=n_ci,
    )


# ---------------------------------------------------------------- omega (one factor)
def _minres_one_factor(r: np.ndarray, tol: float = 1e-13, max_iter: int = 100_000) -> np.ndarray:
    """One-factor minres (= ULS) loadings of a correlation matrix by iterated principal axes.

    The fixed point of iterated principal-axis factoring minimises the off-diagonal
    residuals Σ_{i≠j}(r_ij − λ_iλ_j)², the minres criterion (Harman 1976). Communalities
    are kept in [0, 0.995] (uniquenesses ≥ 0.005, psych's bound) for Heywood cases.
    """
    h2 = 1.0 - 1.0 / np.diag(np.linalg.inv(r)) if np.linalg.cond(r) < 1e12 else np.full(len(r), 0.5)
    for _ in range(max_iter):
        reduced = r.copy()
        np.fill_diagonal(reduced, h2)
        vals, vecs = np.linalg.eigh(reduced)
        lam = vecs[:, -1] * np.sqrt(max(vals[-1], 0.0))
        new = np.clip(lam**2, 0.0, 0.995)
        if np.abs(new - h2).max() < tol:
            return lam if lam.sum() >= 0 else -lam
        h2 = new
    raise ConvergenceError(f"one-factor minres did not converge in {max_iter} iterations")


@public(subjects=1)
def omega_total(r: np.ndarray) -> float:
    """McDonald's omega total of a one-factor model: (Σλ)²/((Σλ)² + Σθ), θ = 1 − λ².

    Loadings from a one-factor minres factor analysis of the correlation matrix ``r``.
    Checked against R ``psych::fa(r, nfactors = 1, fm = "minres")`` loadings and
    uniquenesses plugged into the same formula (not psych ``omega()$omega.tot``, which
    divides by ΣR instead of the model-implied total).
    """
    r = np.asarray(r, dtype=float)
    try:
        lam = _minres_one_factor(r)
    except np.linalg.LinAlgError:
        raise DataError("the item correlation matrix is not usable for a factor analysis (non-finite?)") from None
    s = lam.sum()
    return float(s**2 / (s**2 + (1.0 - lam**2).sum()))


# ---------------------------------------------------------------- fits
def _fit_items(fit: PLSResult, data: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """The item matrix the fit was estimated on (rows × model.items) and its case weights."""
    if not isinstance(fit, PLSResult):
        raise DataError(f"expected a PLSResult from csi.estimate, got {type(fit).__name__}")
    data = getattr(fit, "data", None) if data is None else data
    if not isinstance(data, pd.DataFrame):
        raise DataError("pass the DataFrame the model was estimated on: e.g. reliability(fit, data=data)")
    items = list(fit.model.items)
    absent = [i for i in items if i not in data.columns]
    if absent:
        raise SchemaError(f"data lacks item column(s) {', '.join(absent)} of the fitted model")
    x, _ = _as_items(data[items])
    policy = fit.missing.attrs.get("missing_policy", "raise")
    nan = np.isnan(x)
    keep = ~nan.any(axis=1) if policy == "listwise" else np.ones(len(x), bool)
    if len(data) != fit.missing.attrs.get("n_read", len(data)) or not data.index[keep].equals(fit.scores.index):
        raise DataError("data does not match the fit (different rows); pass the DataFrame given to csi.estimate")
    x = x[keep]
    if policy == "mean":
        means = fit.item_stats.set_index("item").loc[items, "mean"].to_numpy()
        x = np.where(np.isnan(x), means, x)
    w = None if fit.case_weights is None else fit.case_weights.to_numpy(dtype=float)
    return x, w


def _item_corr(fit: PLSResult, data: Any) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Weighted item correlation matrix of the fit's data and item positions per construct."""
    x, w = _fit_items(fit, data)
    cov = weighted_cov(x, w)
    _check_cov(cov, list(fit.model.items))
    pos = {item: j for j, item in enumerate(fit.model.items)}
    blocks = {c: np.array([pos[i] for i in fit.model.blocks[c]]) for c in fit.model.constructs}
    return cov_to_corr(cov.c), blocks


def _loadings(fit: PLSResult) -> dict[str, np.ndarray]:
    out = fit.outer
    return {c: out.loc[out["construct"] == c, "loading"].to_numpy() for c in fit.model.constructs}


def _reflective(fit: PLSResult, min_items: int = 2) -> list[str]:
    m = fit.model
    return [c for c in m.constructs if m.modes[c] == "A" and len(m.blocks[c]) >= min_items]


def _rho_a(r: np.ndarray, w: np.ndarray) -> float:
    """Dijkstra & Henseler (2015) ρ_A = (ŵᵀŵ)² ŵᵀ(S − diag S)ŵ / ŵᵀ(ŵŵᵀ − diag ŵŵᵀ)ŵ."""
    ww = np.outer(w, w)
    off_s = w @ (r - np.diag(np.diag(r))) @ w
    off_w = w @ (ww - np.diag(np.diag(ww))) @ w
    return float((w @ w) ** 2 * off_s / off_w)


@public(subjects=1)
def reliability(fit: PLSResult, *, data: Any = None) -> pd.DataFrame:
    """Construct reliability and convergent validity of the Mode A blocks (≥ 2 items).

    Parameters
    ----------
    fit : PLSResult
    data : DataFrame
        The data given to :func:`csi.estimate` (the fit keeps no item data); the fit's
        missing-value policy and case weights are applied again.

    Returns
    -------
    DataFrame ``construct, k, alpha, alpha_std, omega, rho_a, rho_c, ave, alpha_ok, rho_c_ok, ave_ok``
        alpha raw (psych convention; seminr reports ``alpha_std``); omega one-factor minres
        (see :func:`omega_total`); ρ_A Dijkstra & Henseler (2015) with the fit's standardized
        outer weights (unit-variance composite, as seminr); ρ_C = (Σλ)²/((Σλ)² + Σ(1 − λ²)) and
        AVE = Σλ²/k from the PLS loadings (Fornell & Larcker 1981). Flags: alpha, ρ_C ≥ 0.70,
        AVE ≥ 0.50. Checked against seminr 0.2.1 (ρ_A, ρ_C, AVE, alpha_std) and R psych (alpha,
        omega) to 1e-6.
    """
    r, blocks = _item_corr(fit, data)
    x, w = _fit_items(fit, data)
    loads = _loadings(fit)
    outer = fit.outer.set_index("item")["weight"]
    rows = []
    for c in _reflective(fit):
        idx, lam = blocks[c], loads[c]
        sub = r[np.ix_(idx, idx)]
        s = lam.sum()
        rows.append(
            {
                "construct": c,
                "k": len(idx),
                "alpha": _alpha(weighted_cov(x[:, idx], w).c),
                "alpha_std": _alpha(sub),
                "omega": omega_total(sub),
                "rho_a": _rho_a(sub, outer.loc[list(fit.model.blocks[c])].to_numpy()),
                "rho_c": s**2 / (s**2 + (1.0 - lam**2).sum()),
                "ave": float((lam**2).mean()),
            }
        )
    return flag_reliability(pd.DataFrame(rows, columns=["construct", "k", "alpha", "alpha_std", "omega", "rho_a",
                                                        "rho_c", "ave"]))


def flag_reliability(out: pd.DataFrame) -> pd.DataFrame:
    """The table with its threshold flags: alpha, ρ_C ≥ 0.70, AVE ≥ 0.50."""
    out = out.assign(alpha_ok=out["alpha"] >= THRESHOLDS["alpha"], rho_c_ok=out["rho_c"] >= THRESHOLDS["rho_c"],
                     ave_ok=out["ave"] >= THRESHOLDS["ave"])
    out.attrs["thresholds"] = {k: THRESHOLDS[k] for k in ("alpha", "rho_c", "ave")}
    return out
