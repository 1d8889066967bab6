"""Batched bootstrap of a PLS path model: SEs, t and p values, percentile and BCa intervals.

A resample is a vector of counts c ~ Multinomial(n, 1/n) (within strata; whole clusters when
a cluster variable is given). Used as case weights (count × survey weight), every resample
is a weighted PLS fit, and all of them run together on a stack of weighted item correlation
matrices (:mod:`csi._batch`), so the cost per resample is a few small matrix products
(METHODS.md §2). All counts are drawn from one seeded generator before any work is split,
so results do not depend on ``chunk`` or ``workers``.

Sources: Efron & Tibshirani (1993), *An Introduction to the Bootstrap*, ch. 13-14
(percentile and BCa intervals, jackknife acceleration); Efron (1987), "Better bootstrap
confidence intervals", JASA 82, 171-185. Checked against the seminr 0.2.1 port's
``bootstrap_model`` (standard errors within sampling error) and, exactly, against a loop
of :func:`csi.estimate` fits with the same count vectors as case weights.
"""

from __future__ import annotations

import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as sps

from csi._api import SEED, check_int, check_level, check_option, check_seed, public
from csi._display import Card, Display, number
from csi.exceptions import CSIWarning, DataError
from csi.pls import _batch
from csi.pls._bootstats import Stats, design_vector, draw_counts, jackknife_groups, jackknife_weights, stat_spec
from csi.pls._engine import layout
from csi.pls._estimate import PLSResult, PLSSummary

__all__ = ["CI_METHODS", "BootstrapResult", "MissingScaleWarning", "bootstrap", "replicate"]

CI_METHODS = ("percentile", "bca")
REASONS = {
    _batch.CONSTANT: "constant item in resample",
    _batch.MODE_B: "singular Mode B block",
    _batch.PATH: "singular path regression (or rho_A <= 0 under PLSc)",
    _batch.ZERO: "construct score became constant",
    _batch.NO_CONVERGENCE: "no convergence",
}


class MissingScaleWarning(CSIWarning):
    """Some items of a fit have declared scales and others not, so only part of the 0–100 index is bootstrapped."""


@dataclass(frozen=True, eq=False, repr=False)
class BootstrapResult(Display):
    """Result of :func:`bootstrap`; tables have ``estimate, std_error, t_value, p_value,
    ci_low, ci_high`` after their key columns.

    Attributes
    ----------
    paths : DataFrame ``source, target, …``
    outer : DataFrame ``construct, item, statistic`` (``weight`` / ``loading``) ``, …``
    r_squared : DataFrame ``construct, …``
    effects : DataFrame ``source, target, effect`` (``total`` / ``indirect``) ``, …``
    index : DataFrame ``construct, index, std_error, ci_low, ci_high`` or None
        0–100 index with bootstrap CI, for every construct whose items all have a declared scale
        (``scale=``, or the fit's ``data.attrs["scales"]``); None when no construct has; ``index_note``
        says which constructs are left out and why.
    n_resamples, n_failed : int
        Resamples drawn, and resamples whose fit failed (excluded from the statistics,
        listed by reason in ``failures``).
    failures : DataFrame ``stage, reason, n``
        Failed fits by stage (``resample``; ``jackknife`` for the BCa acceleration) and reason.
    ci, level, seed : the interval method, its level and the seed.
    replicates : DataFrame
        Successful resamples × statistics (columns as ``kind:key``), for further use.
    index_note : str
        Why ``index`` is None or lacks constructs (items without a declared scale, and how to give the
        scales); "" when every construct has its index. Also in ``repr`` and ``summary()``.
    """

    paths: pd.DataFrame
    outer: pd.DataFrame
    r_squared: pd.DataFrame
    effects: pd.DataFrame
    index: pd.DataFrame | None
    n_resamples: int
    n_failed: int
    failures: pd.DataFrame
    ci: str
    level: float
    seed: int | None
    replicates: pd.DataFrame
    index_note: str = ""

    def _card(self) -> Card:
        p = self.paths
        excluding = int(((p["ci_low"] > 0) | (p["ci_high"] < 0)).sum())
        facts = [("paths", f"{excluding} of {len(p)} with a {self.level:.0%} interval excluding 0")]
        if self.index is not None and len(self.index):
            facts.append(("index", [f"{c} {number(v, 1)} [{number(lo, 1)}, {number(hi, 1)}]" for c, v, lo, hi
                                    in self.index[["construct", "index", "ci_low", "ci_high"]].itertuples(index=False)]))
        if self.n_failed:
            facts.append(("failed", "; ".join(f"{stage} {reason}: {count}" for stage, reason, count
                                              in self.failures.itertuples(index=False))))
        if self.index_note:
            facts.append(("note", self.index_note))
        return Card("BootstrapResult", f"{self.n_resamples:,} resamples ({self.n_failed} failed), {self.ci} "
                    f"{self.level:.0%} intervals, seed {self.seed}", facts,
                    [("paths", p)] + ([("index", self.index)] if self.index is not None else []),
                    (".summary()", ".paths", ".effects", ".outer", ".r_squared", ".index", ".replicates"))

    def summary(self) -> PLSSummary:
        """The tables as a :class:`~csi.pls.PLSSummary` (text with ``str()``, HTML in Jupyter)."""
        title = (
            f"Bootstrap: {self.n_resamples} resamples ({self.n_failed} failed), {self.ci} "
            f"{self.level:.0%} intervals, seed {self.seed}" + (f"; {self.index_note}" if self.index_note else "")
        )
        tables = {"paths": self.paths, "r_squared": self.r_squared, "effects": self.effects, "outer": self.outer}
        if self.index is not None:
            tables["index"] = self.index
        if len(self.failures):
            tables["failures"] = self.failures
        return PLSSummary(title, tables)


def replicate(
    fit: PLSResult, wts: np.ndarray, spec: Stats, chunk: int = 1000, workers: int = 1, base: np.ndarray | None = None
) -> tuple:
    """Fit every row of ``wts`` (B × n case weights, times ``base`` if given) → (stats B × m, codes B).

    Rows are processed in fixed chunks of ``chunk``; ``workers`` threads share the chunks.
    """
    lay = layout(fit.model)
    x = fit.x
    full_sd = fit.item_stats["sd"].to_numpy(dtype=float)
    parts = [wts[i : i + chunk] for i in range(0, len(wts), chunk)]

    def run(w: np.ndarray):
        w = w.astype(float) if base is None else w * base
        mean, cov = _batch.moments(x, w)
        sd = np.sqrt(np.clip(np.diagonal(cov, axis1=1, axis2=2), 0.0, None))
        # constant in this resample; the moment formula leaves rounding noise ~1e-8·sd, not 0
        flat = ~(sd > 1e-6 * full_sd)
        code = np.where(flat.any(axis=1), _batch.CONSTANT, _batch.OK)
        safe = np.where(flat, 1.0, sd)
        s = cov / (safe[:, :, None] * safe[:, None, :])
        batch = _batch.iterate(s, lay, fit.scheme, fit.max_iter, fit.tol, code)
        if fit.consistent:
            batch = _batch.consistent(batch, lay)
        return spec.values(batch, mean, safe), batch.code

    if workers > 1 and len(parts) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            out = list(pool.map(run, parts))
    else:
        out = [run(p) for p in parts]
    return np.concatenate([o[0] for o in out]), np.concatenate([o[1] for o in out])


@public(subjects=1, renamed={"n": "n_resamples"})
def bootstrap(
    fit: PLSResult,
    *,
    n_resamples: int = 5000,
    seed: int | None = SEED,
    ci: str = "percentile",
    level: float = 0.95,
    strata: Any = None,
    cluster: Any = None,
    scale: tuple[float, float] | None = None,
    chunk: int = 1000,
    workers: int = 1,
) -> BootstrapResult:
    """Bootstrap a PLS fit: every resample is re-estimated exactly as the fit was.

    Parameters
    ----------
    fit : PLSResult
        From :func:`csi.estimate`; its scheme, PLSc setting, tolerance and case weights are reused
        (a resample's case weights are count × survey weight).
    n_resamples : int
        Number of resamples.
    seed : int or None
        Seed of the one ``numpy.random.default_rng`` that draws all count vectors up front (default 1,
        reproducible; None draws fresh entropy).
    ci : {"percentile", "bca"}
        Percentile interval (type-7 quantiles) or bias-corrected and accelerated interval with
        jackknife acceleration (Efron 1987; Efron & Tibshirani 1993, eq. 14.14-14.15).
    level : float
        Confidence level.
    strata, cluster : array-like or Series, optional
        Stratum / cluster (PSU) of each used row (length ``fit.n``, or the length of the input
        data). Resampling draws n_h units with replacement within each stratum; with clusters,
        whole clusters are drawn (and the BCa jackknife deletes one cluster at a time).
    scale : (min, max), optional
        Declared scale of every item, for the index. Default: the fit's declared scales
        (``data.attrs["scales"]``, set by :func:`csi.read_responses` from the questionnaire). The index
        needs declared bounds, never the observed range (Fornell et al. 1996): without them for any
        item there is no index (``index`` None, ``index_note`` says why — e.g. a bare DataFrame read
        by ``pd.read_csv``); when only some items have them, the constructs whose items all have
        them get their index, the others are named in ``index_note`` and a
        :class:`MissingScaleWarning` is emitted.
    chunk, workers : int
        Resamples per batched block and threads; they change speed only, never the numbers.

    Returns
    -------
    BootstrapResult

    Notes
    -----
    SE = standard deviation (n − 1) of the successful replicates; t = estimate / SE; p two-sided
    from Student's t with (cases − 1) degrees of freedom. The sign rule of the main fit (loadings
    of each construct sum to ≥ 0) is applied to every resample. Failed resamples are counted in
    ``n_failed`` and listed by reason, never silently replaced. With ``missing="mean"`` the
    imputed values of the fit are resampled as they are (imputation is not redone per resample).
    """
    _check_args(fit, n_resamples, seed, ci, level, chunk, workers)
    rng = np.random.default_rng(seed)
    st = design_vector(strata, fit, "strata")
    cl = design_vector(cluster, fit, "cluster")
    counts = draw_counts(rng, fit.n, n_resamples, st, cl)
    base = np.ones(fit.n) if fit.case_weights is None else fit.case_weights.to_numpy(dtype=float)
    spec = stat_spec(fit, scale)
    if spec.index_note and spec.index_cols:
        warnings.warn(spec.index_note, MissingScaleWarning, stacklevel=2)
    reps, codes = replicate(fit, counts, spec, chunk, workers, base)
    theta, theta_code = replicate(fit, base[None, :], spec)
    if theta_code[0] != _batch.OK:  # the fit itself succeeded, so this is a bug guard
        raise DataError("re-fitting the original data failed; the fit object is inconsistent with fit.x")
    ok = codes == _batch.OK
    if ok.sum() < 2:
        reasons = "; ".join(f"{r} ({c})" for r, c in _failures(codes, "resample")[["reason", "n"]].itertuples(index=False))
        raise DataError(f"only {int(ok.sum())} of {n_resamples} resamples could be fitted; failures: {reasons}")
    good = reps[ok]
    jack, failures = None, _failures(codes, "resample")
    if ci == "bca":
        jack, jcodes = _jackknife(fit, base, jackknife_groups(fit.n, cl), spec, chunk, workers)
        failures = pd.concat([failures, _failures(jcodes, "jackknife")], ignore_index=True)
    table = _summarise(theta[0], good, jack, ci, level, fit.n)
    return BootstrapResult(
        *spec.tables(table),
        n_resamples=n_resamples,
        n_failed=int((~ok).sum()),
        failures=failures,
        ci=ci,
        level=level,
        seed=seed,
        replicates=pd.DataFrame(good, columns=spec.labels),
        index_note=spec.index_note,
    )


def _jackknife(fit, base, groups, spec, chunk, workers) -> tuple[np.ndarray, np.ndarray]:
    """Delete-one-group fits, built and run block by block (never an n × n weight matrix at once)."""
    n_groups = int(groups.max()) + 1
    parts, codes = [], []
    for start in range(0, n_groups, chunk):
        w = jackknife_weights(base, groups, start, min(start + chunk, n_groups))
        reps, code = replicate(fit, w, spec, chunk, workers)
        parts.append(reps[code == _batch.OK])
        codes.append(code)
    return np.concatenate(parts), np.concatenate(codes)  # failed fits: counted in ``failures``


def _check_args(fit, n_resamples, seed, ci, level, chunk, workers) -> None:
    if not isinstance(fit, PLSResult) or fit.x is None:
        raise DataError("bootstrap needs a PLSResult from csi.estimate (with its item matrix fit.x)")
    check_int("bootstrap", "n_resamples", n_resamples, 2, what="resamples")
    check_seed("bootstrap", seed)
    check_option("bootstrap", "ci", ci, CI_METHODS)
    check_level("bootstrap", level)
    check_int("bootstrap", "chunk", chunk, 1, what="resamples per block")
    check_int("bootstrap", "workers", workers, 1, what="threads")


def _failures(codes: np.ndarray, stage: str) -> pd.DataFrame:
    kinds = [c for c in REASONS if (codes == c).any()]
    return pd.DataFrame(
        {"stage": [stage] * len(kinds), "reason": [REASONS[c] for c in kinds],
         "n": [int((codes == c).sum()) for c in kinds]}
    )


def quantile7(sorted_reps: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Type-7 (linear) quantile of each column of a sorted array at its own probability q.

    numpy's ``quantile`` (type 7 too) takes one set of probabilities for every column; BCa needs a
    different probability per statistic, so the interpolation is written out."""
    b = len(sorted_reps)
    h = (b - 1) * np.clip(q, 0.0, 1.0)
    lo = np.floor(h).astype(int)
    hi = np.minimum(lo + 1, b - 1)
    cols = np.arange(sorted_reps.shape[1])
    return sorted_reps[lo, cols] + (h - lo) * (sorted_reps[hi, cols] - sorted_reps[lo, cols])


def bca_levels(theta: np.ndarray, reps: np.ndarray, jack: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """BCa quantile levels: z0 = Φ⁻¹(#{θ* < θ̂}/B), a = Σd³ / (6 (Σd²)^1.5) with jackknife d."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z0 = sps.norm.ppf((reps < theta).mean(axis=0))
        d = jack.mean(axis=0) - jack
        a = (d**3).sum(axis=0) / (6.0 * ((d**2).sum(axis=0)) ** 1.5)
        a = np.where(np.isfinite(a), a, 0.0)  # constant statistic: no acceleration
        out = []
        for z in (sps.norm.ppf(alpha / 2), sps.norm.ppf(1 - alpha / 2)):
            out.append(sps.norm.cdf(z0 + (z0 + z) / (1 - a * (z0 + z))))
    return out[0], out[1]


def _summarise(theta, reps, jack, ci, level, n_cases) -> pd.DataFrame:
    se = reps.std(axis=0, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = theta / se
    p = 2.0 * sps.t.sf(np.abs(t), df=n_cases - 1)
    alpha = 1.0 - level
    srt = np.sort(reps, axis=0)
    if ci == "bca":
        q_lo, q_hi = bca_levels(theta, reps, jack, alpha)
    else:
        q_lo, q_hi = np.full(len(theta), alpha / 2), np.full(len(theta), 1 - alpha / 2)
    low = np.where(np.isfinite(q_lo), quantile7(srt, np.nan_to_num(q_lo)), np.nan)
    high = np.where(np.isfinite(q_hi), quantile7(srt, np.nan_to_num(q_hi)), np.nan)
    return pd.DataFrame(
        {"estimate": theta, "std_error": se, "t_value": t, "p_value": p, "ci_low": low, "ci_high": high}
    )
