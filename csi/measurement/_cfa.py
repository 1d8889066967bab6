"""Confirmatory factor analysis: the model's measurement model (optionally with its paths) as a covariance-based
SEM fitted by maximum likelihood — the cross-check reviewers of a PLS-based CSI model ask for.

The model is estimated by semopy (ML, its "MLW" objective: F = tr(SΣ⁻¹) − p + log|Σ| − log|S| with the
covariance S divided by N). Everything reported is then computed here from S, the fitted Σ and the
parameters, with lavaan's definitions (its defaults: likelihood "normal", expected information), so that
csi's numbers are lavaan's:

* χ² = N·F, df = p(p + 1)/2 − free parameters; baseline (independence) χ²_b = N·(Σ log s_ii − log|S|),
  df_b = p(p − 1)/2;
* CFI = 1 − max(χ² − df, 0) / max(χ² − df, χ²_b − df_b, 0) (Bentler 1990);
* TLI = (χ²_b/df_b − χ²/df) / (χ²_b/df_b − 1) (Tucker & Lewis 1973);
* RMSEA = √max(χ²/(N·df) − 1/N, 0) (Steiger 1990), its 90% interval from the non-centrality λ where the
  non-central χ²(df, λ) distribution puts χ² at its 95th and 5th percentile: √(λ/(N·df)) (Browne & Cudeck 1993);
* SRMR (Bentler's): √ mean over i ≤ j of ((s_ij − σ̂_ij)/√(s_ii s_jj))²;
* standardized estimates ("std.all"): loading λ_if √Var(η_f)/√σ̂_ii, path b_ts √Var(η_s)/√Var(η_t), with
  Var(η) = (I − B)⁻¹Ψ(I − B)⁻ᵀ; their standard errors by the delta method (numerical Jacobian) on the inverse
  expected information of the free parameters, as lavaan's ``standardizedSolution()``.

Identification as lavaan's ``cfa()``/``sem()``: the first loading of each construct is fixed at 1; a single-item
construct has its error variance fixed at 0 (the item *is* the construct, as seminr and most CSI studies
treat it). Checked against lavaan 0.6.14 on the ECSI mobi data (``tests/reference/cfa.R``, ``tests/test_cfa.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from csi._api import check_flag, check_level, public
from csi._data import item_matrix
from csi._display import Card, Display, Summary, number, p_value
from csi.exceptions import ConvergenceError, DataError, ModelSpecError
from csi.io import Model

__all__ = ["CFAResult", "cfa"]

RMSEA_LEVEL = 0.90  # the RMSEA interval every SEM program reports (Browne & Cudeck 1993)
_FTOL = 1e-12  # SLSQP's tolerance: semopy's default (1e-6) stops ~0.003 short of the χ² minimum on mobi
_STEP = 1e-6  # relative step of the numerical Jacobian of the standardized estimates


@dataclass(frozen=True, eq=False, repr=False)
class CFAResult(Display):
    """A covariance-based (ML) fit of a model's measurement model (see :func:`cfa`).

    Attributes
    ----------
    fit : DataFrame, one row ``chi2, df, p_value, cfi, tli, rmsea, rmsea_ci_low, rmsea_ci_high, srmr,
        baseline_chi2, baseline_df, n`` (the RMSEA interval is 90%, whatever ``level``).
    loadings : DataFrame ``construct, item, estimate, std_error, z_value, p_value, ci_low, ci_high, uniqueness``
        Standardized loadings (lavaan's std.all) with delta-method SEs; ``uniqueness`` is the item's
        standardized error variance (0 for a single-item construct).
    correlations : DataFrame ``construct_a, construct_b, estimate, std_error, z_value, p_value, ci_low, ci_high``
        Model-implied correlations between the constructs (in the measurement model, the factor correlations).
    paths : DataFrame ``source, target, estimate, …`` (standardized paths; empty unless ``structural``).
    r_squared : DataFrame ``construct, r_squared`` of the endogenous constructs (empty unless ``structural``).
    structural : bool
    constructs : tuple of str — the constructs fitted (reflective ones; see ``left_out``).
    left_out : tuple of str — formative (``<~``) constructs, which a common-factor model does not represent.
    n, n_dropped : int — complete rows used, rows dropped for a missing item value (listwise deletion).
    notes : tuple of str — what a reader should know (a non-positive-definite construct correlation matrix …).
    """

    fit: pd.DataFrame
    loadings: pd.DataFrame
    correlations: pd.DataFrame
    paths: pd.DataFrame
    r_squared: pd.DataFrame
    structural: bool
    constructs: tuple[str, ...]
    left_out: tuple[str, ...]
    n: int
    n_dropped: int
    level: float
    notes: tuple[str, ...] = ()

    def fit_text(self) -> str:
        """``χ²(232) = 554.83, p < 0.001; CFI 0.881; TLI 0.858; RMSEA 0.075 [0.067, 0.083]; SRMR 0.055``."""
        f = self.fit.iloc[0]
        p = p_value(f["p_value"])
        return (f"χ²({int(f['df'])}) = {f['chi2']:.2f}, p {p if p.startswith('<') else '= ' + p}; "
                f"CFI {f['cfi']:.3f}; TLI {f['tli']:.3f}; RMSEA {f['rmsea']:.3f} "
                f"[{f['rmsea_ci_low']:.3f}, {f['rmsea_ci_high']:.3f}]; SRMR {f['srmr']:.3f}")

    def _card(self) -> Card:
        lo = self.loadings.sort_values("estimate")
        weak = int((lo["estimate"] < 0.7).sum())
        span = f"{number(lo['estimate'].min(), 3)} ({lo['item'].iloc[0]}) to {number(lo['estimate'].max(), 3)}"
        facts = [("fit", self.fit_text()), ("loadings", f"{span}; {weak} of {len(lo)} below 0.7")]
        if self.n_dropped:
            facts.append(("rows", f"{self.n:,} complete; {self.n_dropped:,} with a missing item value dropped"))
        if self.left_out:
            facts.append(("left out", f"formative construct(s) {', '.join(self.left_out)}"))
        facts += [("note", note) for note in self.notes]
        kind = "measurement and structural model" if self.structural else "measurement model"
        return Card("CFAResult", f"{kind} of {len(self.constructs)} constructs, {len(self.loadings)} items, ML, "
                    f"n = {self.n:,}", facts, [("fit", self.fit), ("loadings", self.loadings)],
                    (".fit", ".loadings", ".correlations", ".paths", ".r_squared", ".summary()"))

    def summary(self) -> Summary:
        """The fit indices, loadings, construct correlations and (structural) paths and R²."""
        tables = {"fit": self.fit, "loadings": self.loadings, "correlations": self.correlations}
        if self.structural:
            tables |= {"paths": self.paths, "r_squared": self.r_squared}
        return self._card().summary(tables)


@public(subjects=2)
def cfa(model: Model, data: pd.DataFrame, *, structural: bool = False, level: float = 0.95) -> CFAResult:
    """Confirmatory factor analysis of ``model``'s measurement model by maximum likelihood (semopy), with
    lavaan's fit indices and standardized loadings.

    Parameters
    ----------
    model : Model
        Its reflective (``=~``) constructs are common factors, each item loading on its own construct, every
        pair of constructs correlated. A single-item construct has its error variance fixed at 0. Formative
        (``<~``) constructs are composites, not factors: they are left out of the measurement model (named in
        ``left_out``) and a ``structural`` fit with one is a ModelSpecError.
    data : DataFrame
        The respondents; rows with a missing value on any item fitted are dropped (listwise, counted in
        ``n_dropped``). Unweighted: case weights are not used.
    structural : bool
        False (default): the measurement model alone (lavaan ``cfa()``). True: with the model's paths as
        regressions among the constructs (lavaan ``sem()``), exogenous constructs correlated.
    level : float
        Confidence level of the estimates' Wald intervals (estimate ± z·SE).

    Returns
    -------
    CFAResult
    """
    check_flag("cfa", "structural", structural)
    check_level("cfa", level)
    if not isinstance(model, Model):
        raise ModelSpecError(f"cfa: model must be a csi Model (csi.models.ecsi(), Model.from_syntax(…)), "
                             f"got {type(model).__name__}")
    constructs, left_out = _reflective(model, structural)
    items = tuple(i for c in constructs for i in model.blocks[c])
    x = item_matrix(data, items, what="cfa data")
    complete = ~np.isnan(x).any(axis=1)
    x = x[complete]
    _check_data(x, items)
    sem = _fit(model, constructs, items, x, structural)
    return _result(model, sem, constructs, items, structural, level, left_out, int((~complete).sum()))


def _reflective(model: Model, structural: bool) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The constructs a common-factor model can hold, and the formative ones left out."""
    formative = tuple(c for c in model.constructs if model.modes[c] == "B")
    if formative and structural:
        raise ModelSpecError(f"cfa: construct(s) {', '.join(formative)} are formative (<~): a covariance-based "
                             "SEM has no common factor for them, so the structural model cannot be fitted; use "
                             "structural=False (the reflective measurement model) or declare them reflective (=~)")
    kept = tuple(c for c in model.constructs if c not in formative)
    if not kept:
        raise ModelSpecError("cfa: every construct of the model is formative (<~); a CFA needs reflective (=~) ones")
    return kept, formative


def _check_data(x: np.ndarray, items: tuple[str, ...]) -> None:
    if len(x) <= len(items):
        raise DataError(f"cfa: {len(x)} complete row(s) for {len(items)} items; maximum likelihood needs more rows "
                        "than items (drop or impute missing values first)")
    sd = x.std(axis=0)
    flat = [i for i, s in zip(items, sd) if not s > 0]
    if flat:
        raise DataError(f"cfa: item(s) {', '.join(flat)} are constant in the complete rows")
    try:
        np.linalg.cholesky(np.cov(x, rowvar=False))
    except np.linalg.LinAlgError:
        raise DataError("cfa: the items' covariance matrix is singular (an item is a linear combination of "
                        "others); drop the redundant item") from None


def _syntax(model: Model, constructs: tuple[str, ...], items: tuple[str, ...], structural: bool) -> str:
    """semopy's model description, with neutral names (f0…, x0…): the user's names never meet its parser."""
    f = {c: f"f{j}" for j, c in enumerate(constructs)}
    v = {i: f"x{k}" for k, i in enumerate(items)}
    lines = [f"{f[c]} =~ {' + '.join(v[i] for i in model.blocks[c])}" for c in constructs]
    lines += [f"{v[model.blocks[c][0]]} ~~ 0*{v[model.blocks[c][0]]}" for c in constructs if len(model.blocks[c]) == 1]
    if structural:
        for target in constructs:
            sources = model.predecessors(target)
            if sources:
                lines.append(f"{f[target]} ~ {' + '.join(f[s] for s in sources)}")
    return "\n".join(lines)


def _fit(model: Model, constructs: tuple[str, ...], items: tuple[str, ...], x: np.ndarray, structural: bool):
    import semopy  # loaded on first use: `import csi` stays light (tests/test_layout.py)

    sem = semopy.Model(_syntax(model, constructs, items, structural))
    frame = pd.DataFrame(x, columns=[f"x{k}" for k in range(len(items))])
    with np.errstate(all="ignore"):  # trial steps outside the positive-definite region are rejected by semopy
        result = sem.fit(frame, obj="MLW", solver="SLSQP", options={"ftol": _FTOL, "maxiter": 10_000})
    if not result.success:
        raise ConvergenceError(f"cfa: the ML fit did not converge ({result.message}; {result.n_it} iterations)")
    return sem


# ---------------------------------------------------------------- what is reported
def _implied(sem, params: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Σ(θ), Var(η), B, Λ and Θ at the parameter vector ``params``."""
    sem.update_matrices(params)
    beta, lam, psi, theta = (np.array(m, dtype=float) for m in sem.matrices[:4])
    c = np.linalg.inv(np.eye(len(beta)) - beta)
    var_eta = c @ psi @ c.T
    return lam @ var_eta @ lam.T + theta, var_eta, beta, lam, theta


def _standardized(sem, params: np.ndarray, layout: dict) -> np.ndarray:
    """Every reported standardized estimate at ``params``: loadings, correlations, paths (in that order)."""
    sigma, var_eta, beta, lam, _ = _implied(sem, params)
    sd_eta, sd_x = np.sqrt(np.diag(var_eta)), np.sqrt(np.diag(sigma))
    rows, cols = layout["loadings"]
    loadings = lam[rows, cols] * sd_eta[cols] / sd_x[rows]
    a, b = layout["correlations"]
    correlations = var_eta[a, b] / (sd_eta[a] * sd_eta[b])
    t, s = layout["paths"]
    paths = beta[t, s] * sd_eta[s] / sd_eta[t]
    return np.concatenate([loadings, correlations, paths])


def _delta_se(sem, params: np.ndarray, layout: dict) -> np.ndarray:
    """SEs of :func:`_standardized` by the delta method on the inverse expected information (lavaan's)."""
    with np.errstate(all="ignore"):
        vcov = sem.calc_fim(inverse=True)[1]
    jac = np.empty((len(_standardized(sem, params, layout)), len(params)))
    for k in range(len(params)):
        h = _STEP * max(1.0, abs(params[k]))
        up, down = params.copy(), params.copy()
        up[k] += h
        down[k] -= h
        jac[:, k] = (_standardized(sem, up, layout) - _standardized(sem, down, layout)) / (2 * h)
    _standardized(sem, params, layout)  # leave the model at its estimates
    return np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, vcov, jac), 0.0, None))


def _layout(sem, model: Model, constructs: tuple[str, ...], items: tuple[str, ...], structural: bool) -> dict:
    """Matrix positions (semopy's order of variables) of every reported loading, correlation and path."""
    obs, inner = (list(names) for names in sem.names[1])
    f = {c: inner.index(f"f{j}") for j, c in enumerate(constructs)}
    loadings = ([obs.index(f"x{k}") for k in range(len(items))], [f[model.construct_of(i)] for i in items])
    pairs = [(a, b) for j, a in enumerate(constructs) for b in constructs[j + 1:]]
    correlations = ([f[a] for a, _ in pairs], [f[b] for _, b in pairs])
    edges = [(s, t) for s, t in model.paths if structural and s in f and t in f]
    paths = ([f[t] for _, t in edges], [f[s] for s, _ in edges])
    return {"loadings": loadings, "correlations": correlations, "paths": paths, "pairs": pairs, "edges": edges}


def _fit_indices(s: np.ndarray, sigma: np.ndarray, n: int, n_free: int) -> dict[str, float]:
    """χ², CFI, TLI, RMSEA (90% interval) and SRMR with lavaan's definitions (module docstring)."""
    p = len(s)
    f_ml = np.trace(s @ np.linalg.inv(sigma)) - p + np.linalg.slogdet(sigma)[1] - np.linalg.slogdet(s)[1]
    chi2, df = n * max(f_ml, 0.0), p * (p + 1) // 2 - n_free
    base = n * (np.log(np.diag(s)).sum() - np.linalg.slogdet(s)[1])
    df_base = p * (p - 1) // 2
    worst = max(chi2 - df, base - df_base, 0.0)
    cfi = 1.0 - max(chi2 - df, 0.0) / worst if worst > 0 else 1.0
    tli = (base / df_base - chi2 / df) / (base / df_base - 1.0) if df > 0 else np.nan
    rmsea = np.sqrt(max(chi2 / (n * df) - 1.0 / n, 0.0)) if df > 0 else np.nan
    low, high = _rmsea_interval(chi2, df, n) if df > 0 else (np.nan, np.nan)
    scale = np.sqrt(np.outer(np.diag(s), np.diag(s)))
    resid = ((s - sigma) / scale)[np.tril_indices(p)]
    return {"chi2": chi2, "df": df, "p_value": stats.chi2.sf(chi2, df) if df > 0 else np.nan, "cfi": cfi,
            "tli": tli, "rmsea": rmsea, "rmsea_ci_low": low, "rmsea_ci_high": high,
            "srmr": float(np.sqrt(np.mean(resid**2))), "baseline_chi2": base, "baseline_df": df_base, "n": n}


def _rmsea_interval(chi2: float, df: int, n: int) -> tuple[float, float]:
    """The 90% RMSEA interval: λ with P(χ²(df, λ) ≤ χ²) = 0.95 and 0.05 (0 where even λ = 0 is beyond)."""
    def cdf(lam: float) -> float:
        return stats.chi2.cdf(chi2, df) if lam == 0 else stats.ncx2.cdf(chi2, df, lam)

    bounds = []
    for prob in (0.5 + RMSEA_LEVEL / 2, 0.5 - RMSEA_LEVEL / 2):
        if cdf(0.0) < prob:
            bounds.append(0.0)
            continue
        top = max(float(n), 4.0 * chi2)  # lavaan's search range; the cdf falls to ~0 well before
        lam = optimize.brentq(lambda v, q=prob: cdf(v) - q, 0.0, top, xtol=1e-10, rtol=1e-12)
        bounds.append(np.sqrt(lam / (n * df)))
    return bounds[0], bounds[1]


def _table(keys: dict, estimate: np.ndarray, se: np.ndarray, level: float) -> pd.DataFrame:
    q = stats.norm.ppf(0.5 + level / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(se > 1e-9, estimate / se, np.nan)  # a fixed estimate (single item: 1) has no test
    return pd.DataFrame({**keys, "estimate": estimate, "std_error": se, "z_value": z,
                         "p_value": 2 * stats.norm.sf(np.abs(z)), "ci_low": estimate - q * se,
                         "ci_high": estimate + q * se})


def _result(model: Model, sem, constructs: tuple[str, ...], items: tuple[str, ...], structural: bool, level: float,
            left_out: tuple[str, ...], n_dropped: int) -> CFAResult:
    params = np.array(sem.param_vals, dtype=float)
    layout = _layout(sem, model, constructs, items, structural)
    est, se = _standardized(sem, params, layout), _delta_se(sem, params, layout)
    sigma, var_eta, _, _, theta = _implied(sem, params)
    obs = [str(o) for o in sem.names[1][0]]
    k, m = len(items), len(layout["pairs"])
    row = [obs.index(f"x{j}") for j in range(k)]
    loadings = _table({"construct": [model.construct_of(i) for i in items], "item": list(items)}, est[:k], se[:k],
                      level).assign(uniqueness=np.diag(theta)[row] / np.diag(sigma)[row])
    correlations = _table({"construct_a": [a for a, _ in layout["pairs"]], "construct_b": [b for _, b in layout["pairs"]]},
                          est[k:k + m], se[k:k + m], level)
    paths = _table({"source": [s for s, _ in layout["edges"]], "target": [t for _, t in layout["edges"]]},
                   est[k + m:], se[k + m:], level)
    inner = [str(v) for v in sem.names[1][1]]
    endogenous = [c for c in constructs if structural and model.predecessors(c)]
    psi = np.asarray(sem.matrices[2], dtype=float)
    pos = [inner.index(f"f{constructs.index(c)}") for c in endogenous]
    r2 = pd.DataFrame({"construct": endogenous, "r_squared": 1.0 - np.diag(psi)[pos] / np.diag(var_eta)[pos]})
    fit = pd.DataFrame([_fit_indices(np.asarray(sem.mx_cov, dtype=float)[np.ix_(row, row)],
                                     sigma[np.ix_(row, row)], int(sem.n_samples), len(params))])
    notes = []
    if np.linalg.eigvalsh(var_eta).min() < 0:
        notes.append("the constructs' correlation matrix is not positive definite: some constructs are (nearly) "
                     "linear combinations of others, so their discriminant validity is in doubt")
    heywood = loadings.loc[loadings["uniqueness"] < 0, "item"].tolist()
    if heywood:
        notes.append(f"negative error variance (Heywood case) for {', '.join(heywood)}")
    return CFAResult(fit, loadings, correlations, paths, r2, structural, constructs, left_out, int(sem.n_samples),
                     n_dropped, level, tuple(notes))
