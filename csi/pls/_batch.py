"""Batched weighted PLS-PM: many fits of one model iterated together.

Every step of Wold's PLS algorithm on z-scored items depends on the data only through the
(weighted) item correlation matrix S: score covariances are WᵀSW, Mode A outer weights are
S·W·E, Mode B weights S_bb⁻¹ times them, loadings are S·W. A bootstrap resample is a vector
of case weights (counts × survey weights), so B resamples are B correlation matrices and the
whole algorithm runs on a B × p × p stack with a few batched matrix products per iteration
(METHODS.md §2). A single fit is the case B = 1.

Each fit stops at its own first iteration with Σ|Δw| < tol and is frozen there, so a
batched fit gives the same numbers as fitting each weight vector alone. Fits that fail
(constant item, singular Mode B block or path regression, non-convergence) are recorded
with a reason code, never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

OK, CONSTANT, MODE_B, PATH, ZERO, NO_CONVERGENCE = range(6)


@dataclass(frozen=True, eq=False)
class Batch:
    """Arrays of B fits (p items in block order, k constructs). Failed fits hold NaN."""

    weights: np.ndarray  # B × p standardized outer weights (item on its own construct)
    loadings: np.ndarray  # B × p
    path: np.ndarray  # B × k × k, coefficient at [source, target]
    r_squared: np.ndarray  # B × k (NaN for exogenous)
    corr: np.ndarray  # B × k × k construct correlations (PLSc: corrected)
    rho_a: np.ndarray  # B × k (1 for Mode B and single items)
    iterations: np.ndarray  # B
    change: np.ndarray  # B, last Σ|Δw|
    code: np.ndarray  # B, failure reason (OK = 0)
    where: np.ndarray  # B, item / construct index the failure refers to (-1 if none)


def moments(x: np.ndarray, wts: np.ndarray, dense_limit: float = 3e7) -> tuple[np.ndarray, np.ndarray]:
    """Weighted means (B × p) and covariances (B × p × p, denominator Σw − 1) for B weight rows.

    The moments of :func:`csi._stats.weighted_mean_sd` (same frequency-weight convention), kept as a
    batched kernel: a bootstrap or permutation needs them for thousands of weight vectors, and one
    matrix product C·[xᵢxⱼ] over all resamples (small data; large data loop per row) is what makes
    the batched PLS fast. Complete data only, as the PLS core.
    """
    n, p = x.shape
    base = x.mean(axis=0)
    xc = x - base  # centring first keeps Σw·xxᵀ − Σw·mmᵀ accurate
    tot = wts.sum(axis=1)
    m = (wts @ xc) / tot[:, None]
    if n * p * p <= dense_limit:
        iu, ju = np.triu_indices(p)  # symmetric: compute the upper triangle only
        tri = wts @ (xc[:, iu] * xc[:, ju])
        cross = np.empty((len(wts), p, p))
        cross[:, iu, ju] = tri
        cross[:, ju, iu] = tri
    else:
        cross = np.stack([(xc * c[:, None]).T @ xc for c in wts])
    cov = (cross - tot[:, None, None] * m[:, :, None] * m[:, None, :]) / (tot - 1.0)[:, None, None]
    return m + base, cov


def _starts(lay) -> np.ndarray:
    return np.array([b[0] for b in lay.blocks])


def _by_block(values: np.ndarray, lay) -> np.ndarray:
    """Sum the item axis (axis 1) within blocks (items are stored block by block)."""
    return np.add.reduceat(values, _starts(lay), axis=1)


def _solve(a: np.ndarray, b: np.ndarray, bad: np.ndarray) -> np.ndarray:
    """Batched solve a·x = b; singular systems flag ``bad`` and give NaN."""
    if a.shape[1] == 1:  # one predecessor: a division (a is a correlation, 1 for unit scores)
        zero = a[:, 0, 0] == 0
        bad |= zero
        return b / np.where(zero, np.nan, a[:, 0, 0])[:, None]
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for i in range(len(a)):
            try:
                out[i] = np.linalg.solve(a[i], b[i])
            except np.linalg.LinAlgError:
                bad[i] = True
        return out


def _regressions(r: np.ndarray, lay, code: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Path coefficients B × k × k from construct correlations r (OLS on predecessors)."""
    out = np.zeros_like(r)
    for j, p in enumerate(lay.preds):
        if len(p):
            bad = np.zeros(len(r), bool)
            out[:, p, j] = _solve(r[:, p][:, :, p], r[:, p, j], bad)
            newly = bad & (code == OK)
            code[newly], where[newly] = PATH, j
    return out


def _inner(r: np.ndarray, lay, scheme: str, code, where) -> np.ndarray:
    adjacent = lay.path + lay.path.T
    if scheme == "centroid":
        return np.sign(r) * adjacent
    if scheme == "factorial":
        return r * adjacent
    e = r * lay.path.T  # successors of j: correlations
    coef = _regressions(r, lay, code, where)
    for j, p in enumerate(lay.preds):
        if len(p):
            e[:, p, j] = coef[:, p, j]  # predecessors of j: regression coefficients
    return e


def _mode_b_inverses(s: np.ndarray, lay, code, where) -> dict[int, np.ndarray]:
    """Inverse item correlation matrices of Mode B blocks; (near-)singular blocks fail."""
    out = {}
    for j, is_b in enumerate(lay.mode_b):
        if not is_b:
            continue
        idx = lay.blocks[j]
        sb = s[:, idx][:, :, idx]
        eig = np.linalg.eigvalsh(sb)
        bad = (eig[:, 0] <= 1e-10 * eig[:, -1]) & (code == OK)
        code[bad], where[bad] = MODE_B, j
        sb = np.where(bad[:, None, None], np.eye(len(idx)), sb)  # placeholder for failed fits only
        out[j] = np.linalg.inv(sb)
    return out


def _normalise(s, w, lay, owner, code, where):
    """Rescale outer weights to unit-variance scores; also return S·W (item/score covariances)."""
    sw = (s * w[:, None, :]) @ lay.mask
    var = _by_block(w * sw[:, np.arange(len(owner)), owner], lay)
    bad = ~(var > 0) & (code == OK)[:, None]
    if bad.any():
        rows = bad.any(axis=1)
        code[rows], where[rows] = ZERO, bad[rows].argmax(axis=1)
    sd = np.sqrt(np.where(var > 0, var, 1.0))  # failed fits: placeholder, results discarded
    return w / sd[:, owner], sw / sd[:, None, :]


def _step(s, w, sw, rinv, lay, owner, scheme, code, where):
    """One outer iteration: inner proxies, Mode A/B outer weights, unit-variance rescaling."""
    r = _by_block(w[:, :, None] * sw, lay)
    e = _inner(r, lay, scheme, code, where)
    g = np.take_along_axis(sw @ e, owner[None, :, None], axis=2)[:, :, 0]
    for j, inv in rinv.items():
        idx = lay.blocks[j]
        g[:, idx] = np.einsum("bij,bj->bi", inv, g[:, idx])
    return _normalise(s, g, lay, owner, code, where)


def iterate(s: np.ndarray, lay, scheme: str, max_iter: int, tol: float, code: np.ndarray | None = None) -> Batch:
    """Run PLS on a stack of item correlation matrices ``s`` (B × p × p).

    ``code`` may pre-mark fits as failed (e.g. a constant item in a resample).
    """
    nb, p = s.shape[0], s.shape[1]
    owner = lay.mask.argmax(axis=1)
    code = np.zeros(nb, int) if code is None else code.copy()
    where = np.full(nb, -1)
    rinv = _mode_b_inverses(s, lay, code, where)
    w, sw = _normalise(s, np.ones((nb, p)), lay, owner, code, where)
    iters, change = np.zeros(nb, int), np.full(nb, np.inf)
    act = np.flatnonzero(code == OK)
    sa, wa, swa, ra = s[act], w[act], sw[act], {j: v[act] for j, v in rinv.items()}
    for it in range(1, max_iter + 1):
        if not len(act):
            break
        ca, wha = code[act], where[act]
        new_w, new_sw = _step(sa, wa, swa, ra, lay, owner, scheme, ca, wha)
        code[act], where[act] = ca, wha
        delta = np.abs(new_w - wa).sum(axis=1)
        iters[act], change[act] = it, delta
        w[act], sw[act] = new_w, new_sw
        keep = (delta >= tol) & (ca == OK)
        if not keep.all():
            act = act[keep]
            sa, swa, ra = sa[keep], new_sw[keep], {j: v[keep] for j, v in ra.items()}
            wa = new_w[keep]
        else:
            wa, swa = new_w, new_sw
    code[act] = NO_CONVERGENCE
    return _finish(s, w, sw, lay, owner, iters, change, code, where)


def _finish(s, w, sw, lay, owner, iters, change, code, where) -> Batch:
    """Sign rule, loadings, construct correlations, paths, R²; ρ_A for PLSc."""
    load = sw[:, np.arange(len(owner)), owner]
    sign = np.where(_by_block(load, lay) < 0, -1.0, 1.0)  # sign rule: loadings sum >= 0
    w, load, sw = w * sign[:, owner], load * sign[:, owner], sw * sign[:, None, :]
    r = _by_block(w[:, :, None] * sw, lay)
    rho = _rho_a(s, w, lay)
    failed = code != OK
    r[failed] = np.eye(r.shape[1])  # keeps the batched solves finite; results set to NaN below
    path = _regressions(r, lay, code, where)
    r2 = np.full(rho.shape, np.nan)
    for j, p in enumerate(lay.preds):
        if len(p):
            r2[:, j] = np.einsum("bi,bi->b", path[:, p, j], r[:, p, j])
    failed = code != OK
    for arr in (w, load, path, r2, r, rho):
        arr[failed] = np.nan
    return Batch(w, load, path, r2, r, rho, iters, change, code, where)


def _rho_a(s: np.ndarray, w: np.ndarray, lay) -> np.ndarray:
    """Dijkstra–Henseler ρ_A = (wᵀw)²·wᵀ(S − I)w / ((wᵀw)² − Σw⁴); 1 for Mode B / single items."""
    rho = np.ones((len(s), len(lay.blocks)))
    for j, idx in enumerate(lay.blocks):
        if lay.mode_b[j] or len(idx) < 2:
            continue
        wb = w[:, idx]
        sb = s[:, idx][:, :, idx] - np.eye(len(idx))
        wtw = (wb * wb).sum(axis=1)
        num = wtw**2 * np.einsum("bi,bij,bj->b", wb, sb, wb)
        with np.errstate(divide="ignore", invalid="ignore"):
            rho[:, j] = num / (wtw**2 - (wb**4).sum(axis=1))
    return rho


def consistent(batch: Batch, lay) -> Batch:
    """PLSc (Dijkstra & Henseler 2015): correct Mode A construct correlations by √(ρ_A,i ρ_A,j),
    re-estimate paths and R² from them, loadings λ = w·√ρ_A / (wᵀw)."""
    rho = batch.rho_a
    k = rho.shape[1]
    code, where = batch.code.copy(), batch.where.copy()
    bad = ~(rho > 0).all(axis=1) & (code == OK)  # ρ_A ≤ 0 or undefined: PLSc impossible
    code[bad], where[bad] = PATH, np.argmin(np.where(rho > 0, 1.0, 0.0), axis=1)[bad]
    safe = np.where(rho > 0, rho, 1.0)
    adj = np.sqrt(safe[:, :, None] * safe[:, None, :])
    adj[:, np.arange(k), np.arange(k)] = 1.0
    rc = np.where((code != OK)[:, None, None], np.eye(k), batch.corr / adj)
    path = _regressions(rc, lay, code, where)
    r2 = np.full(rho.shape, np.nan)
    for j, p in enumerate(lay.preds):
        if len(p):
            r2[:, j] = np.einsum("bi,bi->b", path[:, p, j], rc[:, p, j])
    load = batch.loadings.copy()
    for j, idx in enumerate(lay.blocks):
        if not lay.mode_b[j]:
            wb = batch.weights[:, idx]
            load[:, idx] = wb * (np.sqrt(rho[:, j]) / (wb * wb).sum(axis=1))[:, None]
    failed = code != OK
    for arr in (path, r2, rc, load):
        arr[failed] = np.nan
    return Batch(batch.weights, load, path, r2, rc, rho, batch.iterations, batch.change, code, where)


def total_effects(path: np.ndarray) -> np.ndarray:
    """Total effects B + B² + … of a stack of (nilpotent) path matrices (B × k × k)."""
    total, power = np.zeros_like(path), path.copy()
    for _ in range(path.shape[1]):
        total += power
        power = power @ path
    return total
