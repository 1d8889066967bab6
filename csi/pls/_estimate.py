"""PLS path modeling (Wold's algorithm, Lohmöller's schemes) with case weights.

Formulas follow Lohmöller (1989) and Tenenhaus, Esposito Vinzi, Chatelin & Lauro
(2005), "PLS path modeling", Computational Statistics & Data Analysis 48, 159-205.
Results were checked against SmartPLS 2 (as published by Tenenhaus et al. 2005 on the
mobi data) and the seminr 0.2.1 Python port; see ``tests/reference/mobi_reference.md``.

The numeric core (:func:`estimate_arrays`) works on plain numpy arrays so that a
bootstrap can call it many times; :func:`estimate` adds the data checks, the
missing-value policy and tidy result tables.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from csi._api import check_flag, check_int, check_number, check_option, public
from csi._data import MISSING_POLICIES, SCHEMES, Prepared, prepare
from csi._display import Card, Display, Summary, pairs
from csi.exceptions import ModelSpecError
from csi.io import Model
from csi.pls import _quality
from csi.pls._engine import ArrayFit, estimate_arrays, layout

__all__ = ["PLSResult", "PLSSummary", "estimate"]


# ---------------------------------------------------------------- results
class PLSSummary(Summary):
    """Tables of a fit or a bootstrap (``tables``, by name): ``str()`` and a terminal show them as text,
    Jupyter as HTML (:class:`csi._display.Summary`)."""


@dataclass(frozen=True, eq=False, repr=False)
class PLSResult(Display):
    """Result of :func:`estimate`; tables are long tidy DataFrames.

    Attributes
    ----------
    model, scheme, n, iterations
        The model, inner scheme, rows used, and outer iterations run.
    paths : DataFrame ``source, target, estimate``
    outer : DataFrame ``construct, item, weight, loading`` (standardized weights)
    r_squared : DataFrame ``construct, r_squared, r_squared_adj`` (endogenous only); adjusted
        R² = 1 − (1 − R²)(n − 1)/(n − p − 1) with n the respondents (rows used with a positive case
        weight, never Σw: as R ``summary(lm(..., weights = w))``) and p the construct's predecessors
    scores : DataFrame of standardized construct scores (index = used rows)
    missing : DataFrame ``item, n_missing``; ``attrs`` holds ``n_read``, ``n_used``,
        ``missing_policy``
    item_stats : DataFrame ``item, mean, sd`` (weighted, over used rows)
    case_weights : Series or None
        Case weights of the used rows.
    scales : dict
        Declared item scales ``item -> (min, max)`` from ``data.attrs["scales"]``.
    data : DataFrame
        The model's item columns of the input, as given (all rows read, NaN kept), so that
        reliability and validity statistics can be computed from the fit alone.
    consistent, max_iter, tol
        Estimation settings (PLSc on/off, iteration limit, stopping tolerance), reused by
        :func:`csi.bootstrap` so that every resample is fitted the same way.
    x : ndarray
        The item matrix actually used (rows × items, after the missing-value policy).
    construct_corr : DataFrame
        Construct score correlations (constructs × constructs; PLSc: disattenuated).
    """

    model: Model
    scheme: str
    n: int
    iterations: int
    paths: pd.DataFrame
    outer: pd.DataFrame
    r_squared: pd.DataFrame
    scores: pd.DataFrame
    missing: pd.DataFrame
    item_stats: pd.DataFrame
    case_weights: pd.Series | None = None
    scales: dict[str, tuple[float, float]] = field(default_factory=dict)
    last_change: float = 0.0
    data: pd.DataFrame | None = field(default=None, repr=False)
    consistent: bool = False
    max_iter: int = 300
    tol: float = 1e-7
    x: np.ndarray | None = field(default=None, repr=False)
    construct_corr: pd.DataFrame | None = field(default=None, repr=False)

    def _card(self) -> Card:
        miss = self.missing.attrs
        read = miss.get("n_read", self.n)
        r2 = self.r_squared.set_index("construct")["r_squared"]
        strongest = self.paths.loc[self.paths["estimate"].abs().idxmax()] if len(self.paths) else None
        how = (f"{self.scheme} scheme, converged in {self.iterations} iterations"
               + (", case-weighted" if self.case_weights is not None else "")
               + (", consistent PLS (PLSc)" if self.consistent else ""))
        facts = [("estimation", how), ("constructs", self.model.constructs), ("R²", pairs(r2, 3))]
        if strongest is not None:
            top = f"{strongest['source']} → {strongest['target']} {strongest['estimate']:.3f}"
            facts.append(("paths", f"{len(self.paths)}; strongest {top}"))
        if read != self.n:
            facts.append(("missing", f"{read - self.n:,} of {read:,} rows left out ({miss.get('missing_policy', '?')})"))
        return Card("PLSResult", f"PLS path model of {len(self.model.constructs)} constructs, "
                    f"{len(self.model.items)} items; n = {self.n:,}", facts,
                    [("paths", self.paths), ("R²", self.r_squared)],
                    (".summary()", ".paths", ".outer", ".r_squared", ".effects()", ".scores", ".srmr()"))

    def effects(self) -> pd.DataFrame:
        """Direct, indirect and total effects for every connected pair.

        total = (I − B)⁻¹ − I = B + B² + … (B nilpotent as the model is recursive),
        indirect = total − direct (Alwin & Hauser 1975).
        """
        cons = self.model.constructs
        pos = {c: j for j, c in enumerate(cons)}
        b = np.zeros((len(cons), len(cons)))
        for s, t, v in self.paths[["source", "target", "estimate"]].itertuples(index=False):
            b[pos[s], pos[t]] = v
        total, power = np.zeros_like(b), np.eye(len(cons))
        reach, step = np.zeros(b.shape, bool), np.eye(len(cons), dtype=bool)
        for _ in cons:
            power, step = power @ b, (step.astype(int) @ (b != 0).astype(int)) > 0
            total, reach = total + power, reach | step
        src, tgt = np.nonzero(reach)
        return pd.DataFrame(
            {
                "source": [cons[i] for i in src],
                "target": [cons[j] for j in tgt],
                "direct": b[src, tgt],
                "indirect": total[src, tgt] - b[src, tgt],
                "total": total[src, tgt],
            }
        )

    def f_squared(self) -> pd.DataFrame:
        """Cohen's f² per path, ``source, target, f_squared`` (see :mod:`csi._pls_results`)."""
        return _quality.f_squared(self)

    def inner_vif(self) -> pd.DataFrame:
        """Inner (structural) VIF per predecessor, ``source, target, vif``."""
        return _quality.inner_vif(self)

    def implied_corr(self, saturated: bool = False) -> pd.DataFrame:
        """Model-implied item correlation matrix (items × items; see :mod:`csi._pls_results`).

        Mode A blocks are common factors (λλᵀ within the block, diagonal 1), Mode B blocks
        composites (observed within-block correlations); across blocks λ_k·P_ij·λ_l with P the
        construct correlations as estimated (``saturated=True``) or as implied by the structural
        model (``saturated=False``, the default; ADANCO / cSEM convention).
        """
        return _quality.implied_corr(self, saturated)

    def srmr(self, saturated: bool = False) -> float:
        """Standardized root mean square residual between the (weighted) item correlations and
        :meth:`implied_corr`: √(mean of squared residuals over the lower triangle incl. the
        diagonal). ``saturated=False`` (default) is the estimated model, as cSEM's ``assess``
        reports it; SmartPLS and ADANCO report both. Checked against cSEM 0.6.1."""
        return _quality.srmr(self, saturated)

    def model_fit(self) -> pd.DataFrame:
        """SRMR and d_ULS of the saturated and the estimated model, ``measure, saturated, estimated``."""
        return _quality.model_fit(self)

    def summary(self) -> PLSSummary:
        """Paths, R², outer model, effects, f², inner VIF, model fit (SRMR) and missing-data tables."""
        miss = self.missing.attrs
        title = (
            f"PLS path model: {len(self.model.constructs)} constructs, {len(self.model.items)} items, "
            f"n = {self.n} of {miss.get('n_read', self.n)} rows (missing: {miss.get('missing_policy', '?')}), "
            f"{self.scheme} scheme, {self.iterations} iterations"
            + ("" if self.case_weights is None else ", case-weighted")
            + (", consistent PLS (PLSc)" if self.consistent else "")
        )
        tables = {
            "paths": self.paths,
            "r_squared": self.r_squared,
            "outer": self.outer,
            "effects": self.effects(),
            "f_squared": self.f_squared(),
            "inner_vif": self.inner_vif(),
            "model_fit": self.model_fit(),
            "missing": self.missing[self.missing["n_missing"] > 0],
        }
        return PLSSummary(title, tables)


# ---------------------------------------------------------------- public entry point
@public(subjects=2)
def estimate(
    model: Model,
    data: pd.DataFrame,
    *,
    weights: Any = None,
    scheme: str = "path",
    missing: str = "raise",
    max_iter: int = 300,
    tol: float = 1e-7,
    consistent: bool = False,
) -> PLSResult:
    """Estimate a PLS path model (Wold's PLS algorithm, Mode A/B, Lohmöller's schemes).

    Parameters
    ----------
    model : Model
    data : DataFrame
        Must contain the model's items (numeric); other columns are ignored.
        ``data.attrs["scales"]`` (item -> (min, max)), when present, is kept for the index.
    weights : None, str, array-like or Series, optional
        Non-negative case weights: a column name of ``data`` or values aligned with its
        rows. Treated as frequency weights (denominator Σw − 1).
    scheme : {"path", "centroid", "factorial"}
        Inner weighting scheme: path weighting (regression on predecessors, correlation
        with successors), centroid (sign of correlations), factorial (correlations).
    missing : {"raise", "listwise", "mean"}
        Missing values in items: raise a DataError, drop incomplete rows, or replace
        by the item's (weighted) mean. Counts are recorded in ``PLSResult.missing``.
    max_iter : int
        Maximum outer iterations.
    tol : float
        Stop when the summed absolute change in outer weights is below ``tol``.
    consistent : bool
        Consistent PLS (PLSc; Dijkstra & Henseler 2015): treat every Mode A block as
        reflective, divide construct correlations by √(ρ_A,i·ρ_A,j), re-estimate paths and
        R² from the corrected correlations, and report loadings w·√ρ_A/(wᵀw). Mode B and
        single-item constructs have ρ_A = 1. Weights and scores are unchanged. Checked
        against seminr's ``estimate_pls`` with ``reflective()`` constructs (PLSc).

    Returns
    -------
    PLSResult

    Notes
    -----
    Items are z-scored with the n − 1 (weighted: Σw − 1) SD; initial outer weights are 1;
    after each outer step weights are rescaled to unit-variance scores; Mode A weights are
    item/proxy covariances, Mode B weights R⁻¹ times them. Sign rule: after convergence a
    construct whose loadings sum to a negative number has its weights and scores flipped.
    Paths are OLS on standardized scores; adjusted R² = 1 − (1 − R²)(N − 1)/(N − p − 1)
    with N = rows used (Σw when case-weighted). Checked against SmartPLS 2 (Tenenhaus et al.
    2005) and seminr 0.2.1 on the mobi data.

    Raises
    ------
    ParameterError
        An unknown argument, or an option outside its allowed values (``scheme``, ``missing``,
        ``max_iter``, ``tol``, ``consistent``).
    SchemaError
        Missing or non-numeric item columns, unknown weights column.
    DataError
        Missing values under ``missing="raise"``, constant items, bad weights.
    ConvergenceError
        No convergence within ``max_iter`` iterations.
    """
    if not isinstance(model, Model):
        raise ModelSpecError(
            f"model must be a csi Model, got {type(model).__name__}; build one with Model.from_syntax(...)"
        )
    check_option("estimate", "scheme", scheme, SCHEMES)
    check_option("estimate", "missing", missing, MISSING_POLICIES)
    check_int("estimate", "max_iter", max_iter, 1, what="outer iterations")
    check_number("estimate", "tol", tol, above=0)
    check_flag("estimate", "consistent", consistent)
    prep = prepare(data, model.items, weights, missing)
    fit = estimate_arrays(prep.x, layout(model), prep.weights, scheme, max_iter, tol, bool(consistent))
    settings = {"consistent": bool(consistent), "max_iter": max_iter, "tol": tol}
    return _result(model, scheme, fit, prep, data, settings)


def _result(model: Model, scheme: str, fit: ArrayFit, prep: Prepared, data: pd.DataFrame, settings: dict) -> PLSResult:
    cons, items = model.constructs, model.items
    pos = {c: j for j, c in enumerate(cons)}
    owner = np.array([pos[model.construct_of(i)] for i in items])
    rows = np.arange(len(items))
    paths = pd.DataFrame(
        {
            "source": [s for s, _ in model.paths],
            "target": [t for _, t in model.paths],
            "estimate": [fit.path[pos[s], pos[t]] for s, t in model.paths],
        }
    )
    outer = pd.DataFrame(
        {
            "construct": [cons[j] for j in owner],
            "item": list(items),
            "weight": fit.weights[rows, owner],
            "loading": fit.loadings[rows, owner],
        }
    )
    endo = [pos[c] for c in model.endogenous]
    # n = respondents, never Σw: survey weights summing to the population size must not shrink the correction
    n_resp = prep.n if prep.weights is None else float(np.count_nonzero(prep.weights > 0))
    r2 = fit.r_squared[endo]
    npred = np.array([len(model.predecessors(cons[j])) for j in endo])
    dof = n_resp - npred - 1.0
    adj = np.full(len(endo), np.nan)
    ok = dof > 0
    adj[ok] = 1.0 - (1.0 - r2[ok]) * (n_resp - 1.0) / dof[ok]
    r_squared = pd.DataFrame({"construct": list(model.endogenous), "r_squared": r2, "r_squared_adj": adj})
    stats = pd.DataFrame({"item": list(items), "mean": fit.mean, "sd": fit.sd})
    case_w = None if prep.weights is None else pd.Series(prep.weights, index=prep.index, name="weight")
    return PLSResult(
        model=model,
        scheme=scheme,
        n=prep.n,
        iterations=fit.iterations,
        paths=paths,
        outer=outer,
        r_squared=r_squared,
        scores=pd.DataFrame(fit.scores, index=prep.index, columns=list(cons)),
        missing=prep.missing,
        item_stats=stats,
        case_weights=case_w,
        scales=prep.scales,
        data=data[list(model.items)],
        last_change=fit.change,
        x=prep.x,
        construct_corr=pd.DataFrame(fit.corr, index=list(cons), columns=list(cons)),
        **settings,
    )
