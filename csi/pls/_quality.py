"""Quality tables of a PLS fit: f² effect sizes, inner VIF and overall model fit (SRMR).

f² (Cohen 1988): (R²_incl − R²_excl) / (1 − R²_incl), with R²_excl from re-estimating the
model without the path (the seminr / R seminr convention; Hair et al. PLS-SEM primer,
ch. 6). Inner VIF of predecessor i of construct j = [R_pp⁻¹]_ii with R_pp the correlation
matrix of j's predecessors' scores (Hair et al., ch. 6). Checked against seminr 0.2.1
(``model_fsquares``, ``pls_antecedent_vifs``).

Model fit (Henseler et al. 2014, "Common beliefs and reality about PLS", Organizational
Research Methods 17(2); Henseler, Hubona & Ray 2016, IMDS 116(1); the ADANCO / cSEM
definition): the model-implied indicator correlation matrix Σ̂ is built from the estimates,
and SRMR = √(mean of (S − Σ̂)² over the lower triangle including the diagonal), S the
(weighted) item correlation matrix. Mode A blocks are common factors, Mode B blocks
composites:

- within a Mode A block Σ̂_kl = λ_k λ_l (k ≠ l), diagonal 1;
- within a Mode B block Σ̂_kl = S_kl (a composite leaves its items free to correlate);
- across blocks Σ̂_kl = λ_k P_ij λ_l, with λ the loadings of the fit (PLSc: consistent
  loadings of Mode A blocks) and P the construct correlation matrix.

"Saturated": P = the construct correlations as estimated (PLSc: disattenuated), i.e. the
structural model is ignored. "Estimated": P is the correlation matrix implied by the
structural model, exogenous block Φ as estimated, B / Γ the path coefficients,
Ψ = diag(1 − R²): P_exo,endo = Φ Γᵀ (I − B)⁻ᵀ, P_endo = (I − B)⁻¹ (Γ Φ Γᵀ + Ψ) (I − B)⁻ᵀ
with its diagonal set to 1 (cSEM ``fit()`` / ADANCO 2.2.1 convention). d_ULS = ½ Σ_kl (S − Σ̂)²
(Dijkstra & Henseler 2015, "Consistent and asymptotically normal PLS estimators", CSDA 81).
Checked against cSEM 0.6.1 (plain PLS, 1e-15) and the printed output of cSEM's README (PLSc)
on the ECSI ``satisfaction`` data; see ``tests/reference/srmr_reference.md``.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from csi._stats import weighted_crossprod, weighted_mean_sd
from csi.io import Model
from csi.pls._engine import estimate_arrays, layout


class Fit(Protocol):
    """What the quality tables read of a fit; :class:`csi.PLSResult` has it (and calls these functions)."""

    model: Model
    scheme: str
    paths: pd.DataFrame
    outer: pd.DataFrame
    r_squared: pd.DataFrame
    case_weights: pd.Series | None
    consistent: bool
    max_iter: int
    tol: float
    x: np.ndarray | None
    construct_corr: pd.DataFrame | None


def f_squared(fit: Fit) -> pd.DataFrame:
    """Cohen's f² of every structural path: ``source, target, f_squared``.

    The model without the path is re-estimated; a construct left without any path is dropped
    from that re-estimation (it no longer touches the target).
    """



    model = fit.model
    r2 = dict(zip(fit.r_squared["construct"], fit.r_squared["r_squared"], strict=True))
    weights = None if fit.case_weights is None else fit.case_weights.to_numpy(dtype=float)
    out = []
    for s, t in model.paths:
        paths = tuple(p for p in model.paths if p != (s, t))
        used = {c for p in paths for c in p}
        excl = 0.0
        if t in used and any(b == t for _, b in paths):
            cons = tuple(c for c in model.constructs if c in used)
            reduced = Model(cons, {c: model.blocks[c] for c in cons}, {c: model.modes[c] for c in cons}, paths)
            cols = [model.items.index(i) for i in reduced.items]
            sub = estimate_arrays(fit.x[:, cols], layout(reduced), weights, fit.scheme, fit.max_iter, fit.tol,
                                  fit.consistent)
            excl = float(sub.r_squared[cons.index(t)])
        out.append((s, t, (r2[t] - excl) / (1.0 - r2[t])))
    return pd.DataFrame(out, columns=["source", "target", "f_squared"])


def inner_vif(fit: Fit) -> pd.DataFrame:
    """VIF of each predecessor in each structural regression: ``source, target, vif``.

    VIF = [R_pp⁻¹]_ii from the construct correlations, not statsmodels ``variance_inflation_factor``
    (an OLS per column on the score matrix): the correlations are the fit's (PLSc: disattenuated),
    which the scores do not reproduce, and a p × p inverse needs no pass over the data."""
    corr = fit.construct_corr
    rows = []
    for t in fit.model.endogenous:
        preds = list(fit.model.predecessors(t))
        inv = np.linalg.inv(corr.loc[preds, preds].to_numpy())
        rows += [(s, t, float(inv[i, i])) for i, s in enumerate(preds)]
    return pd.DataFrame(rows, columns=["source", "target", "vif"])


def item_corr(fit: Fit) -> np.ndarray:
    """Item correlation matrix S of the rows used, with the fit's case weights (as in the engine)."""


    w = None if fit.case_weights is None else fit.case_weights.to_numpy(dtype=float)
    mean, sd = weighted_mean_sd(fit.x, w)
    z = (fit.x - mean) / sd
    return weighted_crossprod(z, z, w, (len(z) if w is None else w.sum()) - 1.0)


def _structural_corr(fit: Fit) -> np.ndarray:
    """Construct correlations implied by the structural model (see the module docstring)."""
    cons = list(fit.model.constructs)
    pos = {c: j for j, c in enumerate(cons)}
    corr = fit.construct_corr.loc[cons, cons].to_numpy()
    beta = np.zeros((len(cons), len(cons)))  # [target, source]
    for s, t, v in fit.paths[["source", "target", "estimate"]].itertuples(index=False):
        beta[pos[t], pos[s]] = v
    endo = [pos[c] for c in cons if fit.model.predecessors(c)]
    exo = [pos[c] for c in cons if not fit.model.predecessors(c)]
    b, g = beta[np.ix_(endo, endo)], beta[np.ix_(endo, exo)]
    phi = corr[np.ix_(exo, exo)]
    psi = np.diag(1.0 - (beta * corr).sum(axis=1)[endo])  # 1 − R² of each structural equation
    inv = np.linalg.inv(np.eye(len(endo)) - b)
    endo_corr = inv @ (g @ phi @ g.T + psi) @ inv.T
    np.fill_diagonal(endo_corr, 1.0)
    out = np.empty_like(corr)
    out[np.ix_(exo, exo)] = phi
    out[np.ix_(exo, endo)] = phi @ g.T @ inv.T
    out[np.ix_(endo, exo)] = out[np.ix_(exo, endo)].T
    out[np.ix_(endo, endo)] = endo_corr
    return out


def implied_corr(fit: Fit, saturated: bool = False, s: np.ndarray | None = None) -> pd.DataFrame:
    """Model-implied item correlation matrix Σ̂ (items × items; see the module docstring).

    ``s`` is :func:`item_corr` of the fit when the caller has it already (one pass over the data less).
    """
    model, items, cons = fit.model, list(fit.model.items), list(fit.model.constructs)
    owner = [cons.index(model.construct_of(i)) for i in items]
    loading = fit.outer.set_index("item").loc[items, "loading"].to_numpy()
    lam = np.zeros((len(items), len(cons)))
    lam[np.arange(len(items)), owner] = loading
    corr = fit.construct_corr.loc[cons, cons].to_numpy() if saturated else _structural_corr(fit)
    sigma = lam @ corr @ lam.T
    np.fill_diagonal(sigma, 1.0)  # Θ = diag(1 − λ²): every item has unit implied variance
    s = item_corr(fit) if s is None else s
    for c in cons:
        if model.modes[c] == "B":
            idx = [items.index(i) for i in model.blocks[c]]
            sigma[np.ix_(idx, idx)] = s[np.ix_(idx, idx)]
    return pd.DataFrame(sigma, index=items, columns=items)


def _srmr(resid: np.ndarray) -> float:
    return float(np.sqrt(np.mean(resid[np.tril_indices(len(resid))] ** 2)))


def srmr(fit: Fit, saturated: bool = False) -> float:
    """SRMR = √(mean of (S − Σ̂)² over the p(p + 1)/2 entries of the lower triangle with diagonal)."""
    s = item_corr(fit)
    return _srmr(s - implied_corr(fit, saturated, s).to_numpy())


def model_fit(fit: Fit) -> pd.DataFrame:
    """SRMR and d_ULS = ½ Σ (S − Σ̂)² of the saturated and the estimated model:
    ``measure, saturated, estimated``."""
    s = item_corr(fit)
    resid = [s - implied_corr(fit, sat, s).to_numpy() for sat in (True, False)]
    return pd.DataFrame(
        {
            "measure": ["SRMR", "d_ULS"],
            "saturated": [_srmr(resid[0]), 0.5 * float(np.sum(resid[0] ** 2))],
            "estimated": [_srmr(resid[1]), 0.5 * float(np.sum(resid[1] ** 2))],
        }
    )
