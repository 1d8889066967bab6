"""Factor-analytic views of an item set: KMO and Bartlett's test, exploratory factor analysis.

Sources: Kaiser (1970, 1974) KMO; Bartlett (1950) sphericity test; Kaiser (1960) eigenvalue-one
rule; Horn (1965) parallel analysis with Glorfeld's (1995) 95th percentile; Harman (1976) and
Jöreskog (1977) minres/ULS; Jöreskog (1967) and Lawley & Maxwell (1971) maximum likelihood;
Kaiser (1958) varimax with Kaiser normalization. Checked against R psych 2.2.9 ``KMO``,
``cortest.bartlett`` and ``fa`` (``tests/reference/efa.R``, ``tests/test_factor.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from csi._api import SEED, check_flag, check_int, check_number, check_option, check_seed, public
from csi._display import Card, Display, Summary, number, p_value, pairs
from csi._stats import cov_to_corr, sample_sizes, weighted_cov
from csi.exceptions import ConvergenceError, DataError
from csi.measurement._reliability import THRESHOLDS, _as_items, _as_weights, _check_cov

__all__ = ["EFAResult", "KMOResult", "efa", "kmo_bartlett", "varimax"]

EFA_METHODS = ("minres", "ml")
ROTATIONS = ("varimax", None)
_PSI_MIN = 0.005  # lower bound of uniquenesses (Heywood cases), as psych and R factanal


# ---------------------------------------------------------------- sampling adequacy
def _p(p: float) -> str:
    shown = p_value(p)
    return shown if shown.startswith("<") else f"= {shown}"


#: Kaiser's (1974) words for KMO values: from the first bound reached.
KMO_WORDS = ((0.9, "marvelous"), (0.8, "meritorious"), (0.7, "middling"), (0.6, "mediocre"), (0.5, "miserable"),
             (float("-inf"), "unacceptable"))


@dataclass(frozen=True, eq=False, repr=False)
class KMOResult(Display):
    """Kaiser–Meyer–Olkin measure and Bartlett's sphericity test (see :func:`kmo_bartlett`)."""

    kmo: float
    item_kmo: pd.DataFrame  # item, kmo
    chi2: float
    df: int
    p_value: float
    n: float  # the n of χ²: rows used, or with case weights Kish's effective n (Σw)²/Σw² of them

    @property
    def kmo_ok(self) -> bool:
        """KMO ≥ 0.60 (Kaiser 1974), a flag, not a law."""
        return self.kmo >= THRESHOLDS["kmo"]

    def _card(self) -> Card:
        word = next(w for bound, w in KMO_WORDS if self.kmo >= bound)
        facts = [("Bartlett", f"χ²({self.df}) = {self.chi2:,.1f}, p {_p(self.p_value)}, n = {number(self.n)}")]
        if len(self.item_kmo):
            low = self.item_kmo.loc[self.item_kmo["kmo"].idxmin()]
            facts.append(("items", f"{len(self.item_kmo)}; lowest KMO {low['item']} {low['kmo']:.3f}"))
        return Card("KMOResult", f"KMO = {self.kmo:.3f} ({word}; {'≥' if self.kmo_ok else '<'} "
                    f"{THRESHOLDS['kmo']:.2f})", facts, [("item_kmo", self.item_kmo)], (".item_kmo", ".summary()"))

    def summary(self) -> Summary:
        """KMO, Bartlett's test and every item's KMO."""
        return self._card().summary({"item_kmo": self.item_kmo})


@public(subjects=1)
def kmo_bartlett(items: Any, *, weights: Any = None) -> KMOResult:
    """KMO (overall and per item) and Bartlett's test of sphericity on complete rows.

    KMO = Σr²/(Σr² + Σp²) over i ≠ j with p the partial correlations −R⁻¹_ij/√(R⁻¹_ii R⁻¹_jj)
    (Kaiser 1970); Bartlett (1950) χ² = −(n − 1 − (2p + 5)/6) ln|R|, df = p(p − 1)/2.
    Rows with a missing value are dropped (listwise). With case ``weights`` the correlations are
    weighted and n in χ² is Kish's effective n (Σw)²/Σw² of the rows used (Kish 1965), never Σw, so
    weights scaled to population totals give the same test as the same weights normalised to the sample.
    Checked against R ``psych::KMO`` and ``psych::cortest.bartlett`` to 1e-6.
    """
    x, names = _as_items(items)
    w = _as_weights(weights, items, len(x))
    keep = ~np.isnan(x).any(axis=1)
    x, w = x[keep], None if w is None else w[keep]
    cov = weighted_cov(x, w)
    _check_cov(cov, names)
    r = cov_to_corr(cov.c)
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0 or not np.isfinite(logdet):
        raise DataError(f"the correlation matrix of {', '.join(names)} is singular (collinear items); drop an item")
    inv = np.linalg.inv(r)
    d = np.sqrt(np.diag(inv))
    partial = -inv / np.outer(d, d)
    off = ~np.eye(len(names), dtype=bool)
    r2, p2 = np.where(off, r**2, 0.0), np.where(off, partial**2, 0.0)
    per_item = r2.sum(axis=0) / (r2.sum(axis=0) + p2.sum(axis=0))
    n, p = (len(x) if w is None else float(sample_sizes(x, w)[1][0, 0])), len(names)
    chi2 = -(n - 1.0 - (2.0 * p + 5.0) / 6.0) * logdet
    df = p * (p - 1) // 2
    return KMOResult(
        kmo=float(r2.sum() / (r2.sum() + p2.sum())),
        item_kmo=pd.DataFrame({"item": names, "kmo": per_item}),
        chi2=float(chi2),
        df=df,
        p_value=float(stats.chi2.sf(chi2, df)),
        n=n,
    )


# ---------------------------------------------------------------- EFA: extraction
def _top(m: np.ndarray, n_factors: int) -> tuple[np.ndarray, np.ndarray]:
    """Largest ``n_factors`` eigenvalues (descending) and their eigenvectors."""
    vals, vecs = np.linalg.eigh(m)
    return vals[::-1][:n_factors], vecs[:, ::-1][:, :n_factors]


def _uls(psi: np.ndarray, r: np.ndarray, m: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Loadings, ULS objective ½‖R − Ψ − ΛΛᵀ‖² (Λ best for Ψ) and its gradient −diag(residual)."""
    reduced = r - np.diag(psi)
    vals, vecs = _top(reduced, m)
    lam = vecs * np.sqrt(np.clip(vals, 0.0, None))
    resid = reduced - lam @ lam.T
    return lam, 0.5 * float((resid**2).sum()), -np.diag(resid).copy()


def _ml(psi: np.ndarray, r: np.ndarray, m: int) -> tuple[np.ndarray, float, np.ndarray]:
    """Loadings, concentrated ML discrepancy Σ_{k>m}(θ_k − ln θ_k − 1) and its gradient (Jöreskog 1967).

    θ are the eigenvalues of Ψ^{-1/2} R Ψ^{-1/2}; Λ = Ψ^{1/2} V_m (Θ_m − I)^{1/2}; gradient
    diag(ΛΛᵀ + Ψ − R)/ψ².
    """
    s = 1.0 / np.sqrt(psi)
    vals, vecs = np.linalg.eigh(r * np.outer(s, s))
    vals, vecs = vals[::-1], vecs[:, ::-1]
    rest = vals[m:]
    lam = (vecs[:, :m] * np.sqrt(np.clip(vals[:m] - 1.0, 0.0, None))) / s[:, None]
    grad = (np.einsum("ij,ij->i", lam, lam) + psi - np.diag(r)) / psi**2
    return lam, float((rest - np.log(rest) - 1.0).sum()), grad


def _extract(r: np.ndarray, m: int, method: str) -> tuple[np.ndarray, float]:
    """Unrotated loadings and objective: uniquenesses ψ ∈ [0.005, 1] optimised by L-BFGS-B."""
    crit = _uls if method == "minres" else _ml
    try:
        start = np.clip(1.0 / np.diag(np.linalg.inv(r)), _PSI_MIN, 1.0)  # 1 − squared multiple correlation
    except np.linalg.LinAlgError:
        start = np.full(len(r), 0.5)
    res = optimize.minimize(
        lambda psi: crit(psi, r, m)[1:], start, jac=True, method="L-BFGS-B",
        bounds=[(_PSI_MIN, 1.0)] * len(r), options={"maxiter": 20_000, "ftol": 1e-15, "gtol": 1e-12},
    )
    lam, obj, grad = crit(res.x, r, m)
    free = ~(((res.x <= _PSI_MIN) & (grad > 0)) | ((res.x >= 1.0) & (grad < 0)))  # bounds may hold
    if np.abs(grad[free]).max(initial=0.0) > 1e-6:
        raise ConvergenceError(f"{method} factor extraction with {m} factor(s) did not converge ({res.message})")
    return lam, obj


# ---------------------------------------------------------------- EFA: rotation
@public(subjects=1)
def varimax(loadings: Any, *, normalize: bool = True, tol: float = 1e-12, max_iter: int = 20_000) -> np.ndarray:
    """Varimax rotation (Kaiser 1958) of a p × m loading matrix; returns the rotated loadings.

    Maximises Σ_factors var(λ²) by the SVD update T ← UVᵀ of Aᵀ(Z³ − Z·diag(ΣZ²)/p), Z = AT.
    ``normalize`` divides rows by √communality first and restores them after (Kaiser
    normalization, the default of R ``stats::varimax``, psych and GPArotation).
    """
    check_flag("varimax", "normalize", normalize)
    check_number("varimax", "tol", tol, above=0)
    check_int("varimax", "max_iter", max_iter, 1, what="iterations")
    a = np.asarray(loadings, dtype=float)
    p, m = a.shape
    if m < 2:
        return a.copy()
    h = np.sqrt((a**2).sum(axis=1)) if normalize else np.ones(p)
    if not (h > 0).all():
        raise DataError("varimax with Kaiser normalization needs every item to have a non-zero communality")
    a = a / h[:, None]
    t, crit = np.eye(m), 0.0
    for _ in range(max_iter):
        z = a @ t
        u, sv, vt = np.linalg.svd(a.T @ (z**3 - z * (z**2).sum(axis=0) / p))
        t = u @ vt
        if sv.sum() <= crit * (1.0 + tol):
            return (a @ t) * h[:, None]
        crit = sv.sum()
    raise ConvergenceError(f"varimax did not converge in {max_iter} iterations")


def _orient(lam: np.ndarray) -> np.ndarray:
    """Factors ordered by sum of squared loadings (descending), each with a positive column sum."""
    lam = lam[:, np.argsort(-(lam**2).sum(axis=0), kind="stable")]
    return lam * np.where(lam.sum(axis=0) < 0, -1.0, 1.0)


# ---------------------------------------------------------------- EFA: number of factors
def _parallel(n: int, p: int, n_iter: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """Mean and 95th percentile of the correlation-matrix eigenvalues of n × p normal noise.

    The sample covariance of n independent N(0, I) rows is Wishart(n − 1, I)/(n − 1), so each
    replicate draws one Wishart matrix (scipy, Bartlett decomposition) instead of n rows.
    """
    draws = stats.wishart(df=n - 1, scale=np.eye(p)).rvs(size=n_iter, random_state=np.random.default_rng(seed))
    draws = draws.reshape(n_iter, p, p)
    d = np.sqrt(np.diagonal(draws, axis1=1, axis2=2))
    vals = np.linalg.eigvalsh(draws / (d[:, :, None] * d[:, None, :]))[:, ::-1]
    return vals.mean(axis=0), np.quantile(vals, 0.95, axis=0)


def _leading(observed: np.ndarray, bound: np.ndarray) -> int:
    """Number of leading eigenvalues above ``bound`` (stops at the first that is not)."""
    above = observed > bound
    return int(len(above) if above.all() else np.argmin(above))


# ---------------------------------------------------------------- EFA
@dataclass(frozen=True, eq=False, repr=False)
class EFAResult(Display):
    """Exploratory factor analysis of an item set (see :func:`efa`).

    Attributes
    ----------
    eigenvalues : DataFrame ``factor, eigenvalue, share, cumulative, parallel_mean, parallel_q95``
        Eigenvalues of the item correlation matrix (share of p), with the mean and 95th
        percentile of the same eigenvalue under parallel analysis.
    loadings : DataFrame ``item, factor, loading``
        Rotated loadings (factors F1… ordered by sum of squared loadings, positive column sums).
    communalities : DataFrame ``item, communality, uniqueness``
        h² = Σ_f λ² (unchanged by an orthogonal rotation) and u² = 1 − h².
    variance : DataFrame ``factor, ss_loadings, share, cumulative``
        Sum of squared rotated loadings per factor and its share of p.
    n_factors : int
        Factors extracted.
    n_kaiser, n_parallel : int
        Suggestions: eigenvalues > 1 (Kaiser 1960), and eigenvalues above the 95th percentile of
        parallel analysis (Horn 1965; Glorfeld 1995). The default ``n_factors`` is ``n_parallel``.
    method, rotation : str, str or None
    n, n_dropped : int
        Complete rows used and rows dropped for a missing value.
    objective : float
        Minimised criterion (ULS ½‖R − Ψ − ΛΛᵀ‖², or the ML discrepancy).
    """

    eigenvalues: pd.DataFrame
    loadings: pd.DataFrame
    communalities: pd.DataFrame
    variance: pd.DataFrame
    n_factors: int
    n_kaiser: int
    n_parallel: int
    method: str
    rotation: str | None
    n: int
    n_dropped: int
    objective: float

    def loading_matrix(self) -> pd.DataFrame:
        """Loadings as an items × factors table (item order kept)."""
        wide = self.loadings.pivot(index="item", columns="factor", values="loading")
        return wide.loc[self.communalities["item"], [f"F{j + 1}" for j in range(self.n_factors)]]

    def _card(self) -> Card:
        eig = self.eigenvalues.set_index("factor")["eigenvalue"]
        facts = [("suggested", f"{self.n_parallel} by parallel analysis, {self.n_kaiser} by Kaiser (eigenvalue > 1)"),
                 ("eigenvalues", pairs(eig, 2, limit=6))]
        if len(self.variance):
            facts.append(("variance", (f"{self.variance['cumulative'].iloc[-1]:.1%} of {len(self.communalities)} items' "
                                      f"variance by {self.n_factors} factors")))
        if self.n_dropped:
            facts.append(("dropped", f"{self.n_dropped:,} rows with a missing value"))
        matrix = self.loading_matrix().reset_index()
        return Card("EFAResult", f"{self.n_factors} factors ({self.method}, {self.rotation or 'unrotated'}), "
                    f"{len(self.communalities)} items, n = {self.n:,}", facts, [("loadings", matrix)],
                    (".loading_matrix()", ".loadings", ".eigenvalues", ".communalities", ".variance", ".summary()"))

    def summary(self) -> Summary:
        """Eigenvalues (with parallel analysis), the loading matrix, communalities and variance explained."""
        return self._card().summary({"eigenvalues": self.eigenvalues, "loadings": self.loading_matrix().reset_index(),
                                     "communalities": self.communalities, "variance": self.variance})


def _check_efa_args(n_factors, rotation, method, p, parallel_iter, seed) -> None:
    check_option("efa", "method", method, EFA_METHODS)
    check_option("efa", "rotation", rotation, ROTATIONS)
    check_int("efa", "n_factors", n_factors, 1, maximum=p - 1, allow_none=True, what="items − 1 at most")
    check_int("efa", "parallel_iter", parallel_iter, 2, what="parallel-analysis replicates")
    check_seed("efa", seed)


def _eigen_table(eig: np.ndarray, mean: np.ndarray, q95: np.ndarray) -> pd.DataFrame:
    p = len(eig)
    return pd.DataFrame(
        {
            "factor": np.arange(1, p + 1),
            "eigenvalue": eig,
            "share": eig / p,
            "cumulative": np.cumsum(eig) / p,
            "parallel_mean": mean,
            "parallel_q95": q95,
        }
    )


@public(subjects=1)
def efa(
    items: Any,
    *,
    n_factors: int | None = None,
    rotation: str | None = "varimax",
    method: str = "minres",
    weights: Any = None,
    parallel_iter: int = 100,
    seed: int | None = SEED,
) -> EFAResult:
    """Exploratory factor analysis: eigenvalues, suggested number of factors, rotated loadings.

    Parameters
    ----------
    items : DataFrame or 2-D array
        Rows × items; rows with a missing value are dropped (counted in ``n_dropped``).
    n_factors : int, optional
        Factors to extract; default the parallel-analysis suggestion (at least 1).
    rotation : {"varimax", None}
        Varimax with Kaiser normalization (Kaiser 1958), or the unrotated solution.
    method : {"minres", "ml"}
        Minimum residual / unweighted least squares (Harman 1976; the fixed point of iterated
        principal axes), or maximum likelihood (Jöreskog 1967). Uniquenesses are bounded to
        [0.005, 1] as in psych and R ``factanal``.
    weights : array-like, optional
        Frequency-style case weights for the correlation matrix.
    parallel_iter, seed : int, int or None
        Replicates of parallel analysis (random normal data, not resamples) and the seed of its
        ``numpy.random.default_rng`` (1 by default; None for fresh entropy).

    Returns
    -------
    EFAResult

    Notes
    -----
    Parallel analysis compares each eigenvalue of R with the 95th percentile of eigenvalues of
    correlation matrices of normal noise with the same number of rows and items (rows used, not
    Σw, when weighted). Checked against R psych 2.2.9 ``fa(r, nfactors, rotate, fm)`` on the mobi
    24 items and the demo 22 items: loadings and communalities to 1e-4 after aligning factor
    order and signs (``tests/test_factor.py``). scikit-learn's ``FactorAnalysis`` is not used: it has
    no minres, no case weights and no bounds on the uniquenesses, so it does not reproduce psych.

    Raises
    ------
    ParameterError
        An option outside its allowed values.
    DataError
        Fewer rows than items + 2, a constant or empty item.
    ConvergenceError
        The extraction or rotation did not converge.
    """
    x, names = _as_items(items)
    _check_efa_args(n_factors, rotation, method, len(names), parallel_iter, seed)
    w = _as_weights(weights, items, len(x))
    keep = ~np.isnan(x).any(axis=1)
    x, w = x[keep], None if w is None else w[keep]
    n, p = x.shape
    if n < p + 2:
        raise DataError(f"factor analysis of {p} items needs at least {p + 2} complete rows, got {n}")
    cov = weighted_cov(x, w)
    _check_cov(cov, names)
    r = cov_to_corr(cov.c)
    eig = np.linalg.eigvalsh(r)[::-1]
    mean, q95 = _parallel(n, p, parallel_iter, seed)
    n_kaiser, n_parallel = int((eig > 1.0).sum()), _leading(eig, q95)
    m = int(n_factors) if n_factors is not None else max(1, min(n_parallel, p - 1))
    lam, obj = _extract(r, m, method)
    h2 = (lam**2).sum(axis=1)
    lam = _orient(varimax(lam) if rotation == "varimax" else lam)
    factors = [f"F{j + 1}" for j in range(m)]
    ss = (lam**2).sum(axis=0)
    return EFAResult(
        eigenvalues=_eigen_table(eig, mean, q95),
        loadings=pd.DataFrame(
            {"item": np.repeat(names, m), "factor": np.tile(factors, p), "loading": lam.ravel()}
        ),
        communalities=pd.DataFrame({"item": names, "communality": h2, "uniqueness": 1.0 - h2}),
        variance=pd.DataFrame(
            {"factor": factors, "ss_loadings": ss, "share": ss / p, "cumulative": np.cumsum(ss) / p}
        ),
        n_factors=m,
        n_kaiser=n_kaiser,
        n_parallel=n_parallel,
        method=method,
        rotation=rotation,
        n=int(n),
        n_dropped=int((~keep).sum()),
        objective=obj,
    )
