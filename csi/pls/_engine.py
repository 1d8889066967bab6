"""The numeric core of PLS path modeling: Wold's algorithm on plain arrays, many case-weight vectors at once.

Formulas follow Lohmöller (1989) and Tenenhaus, Esposito Vinzi, Chatelin & Lauro (2005), "PLS path
modeling", CSDA 48, 159-205. :func:`estimate_arrays` works on numpy arrays so that a bootstrap can call it
many times; :func:`csi.estimate` adds the data checks, the missing-value policy and tidy result tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from csi._stats import weighted_crossprod, weighted_mean_sd
from csi.exceptions import ConvergenceError, DataError
from csi.io import Model
from csi.pls import _batch


# ---------------------------------------------------------------- model layout
@dataclass(frozen=True, eq=False)
class Layout:
    """A model as index arrays: what the numeric core needs, computed once."""

    constructs: tuple[str, ...]
    items: tuple[str, ...]
    mask: np.ndarray  # items × constructs, 1 where the item belongs to the construct
    blocks: tuple[np.ndarray, ...]  # item indices of each construct
    mode_b: tuple[bool, ...]
    path: np.ndarray  # constructs × constructs, 1 at [source, target]
    preds: tuple[np.ndarray, ...]  # predecessor indices of each construct


def layout(model: Model) -> Layout:
    """Translate ``model`` into the index arrays used by :func:`estimate_arrays`."""
    cons, items = model.constructs, model.items
    pos = {c: j for j, c in enumerate(cons)}
    mask = np.zeros((len(items), len(cons)))
    blocks = []
    start = 0
    for j, c in enumerate(cons):
        idx = np.arange(start, start + len(model.blocks[c]))
        mask[idx, j] = 1.0
        blocks.append(idx)
        start += len(idx)
    path = np.zeros((len(cons), len(cons)))
    for s, t in model.paths:
        path[pos[s], pos[t]] = 1.0
    preds = tuple(np.flatnonzero(path[:, j]) for j in range(len(cons)))
    mode_b = tuple(model.modes[c] == "B" for c in cons)
    return Layout(cons, items, mask, tuple(blocks), mode_b, path, preds)


# ---------------------------------------------------------------- numeric core
@dataclass(frozen=True, eq=False)
class ArrayFit:
    """Raw arrays of one PLS fit (see :func:`estimate_arrays`)."""

    weights: np.ndarray  # items × constructs, standardized outer weights (0 off-block)
    loadings: np.ndarray  # items × constructs (0 off-block)
    path: np.ndarray  # constructs × constructs, coefficient at [source, target]
    r_squared: np.ndarray  # per construct (NaN for exogenous)
    scores: np.ndarray  # rows × constructs, standardized
    mean: np.ndarray  # per item
    sd: np.ndarray  # per item
    iterations: int
    change: float  # last Σ|Δw|
    rho_a: np.ndarray | None = None  # per construct (1 for Mode B / single items)
    corr: np.ndarray | None = None  # construct correlations (PLSc: corrected)


def _raise_failure(batch: _batch.Batch, lay: Layout, max_iter: int, tol: float) -> None:
    """Turn the failure code of a single (B = 1) fit into the error a user can act on."""
    code, where = int(batch.code[0]), int(batch.where[0])
    if code == _batch.MODE_B:
        items = ", ".join(lay.items[i] for i in lay.blocks[where])
        raise DataError(
            f"Mode B block {lay.constructs[where]!r} has perfectly collinear items ({items}); "
            "drop an item or use Mode A ('=~')"
        )
    if code == _batch.PATH:
        names = ", ".join(lay.constructs[i] for i in lay.preds[where])
        raise DataError(
            f"the scores of the predecessors of {lay.constructs[where]!r} ({names}) are perfectly "
            "collinear (or PLSc found rho_A <= 0), so the path regression has no unique solution; "
            "use more cases or merge or drop a redundant construct"
        )
    if code == _batch.ZERO:
        raise ConvergenceError(
            f"construct score of {lay.constructs[where]!r} became constant (zero weights); check the data"
        )
    raise ConvergenceError(
        f"PLS did not converge in {max_iter} iterations (last change in outer weights "
        f"{float(batch.change[0]):.3g} >= tol {tol:g}); raise max_iter, loosen tol or check the model"
    )


def estimate_arrays(
    x: np.ndarray,
    lay: Layout,
    weights: np.ndarray | None = None,
    scheme: str = "path",
    max_iter: int = 300,
    tol: float = 1e-7,
    consistent: bool = False,
) -> ArrayFit:
    """Run the PLS algorithm on a complete numeric array ``x`` (rows × ``lay.items``).

    Steps (Tenenhaus et al. 2005, sec. 2): z-score items; start from unit outer
    weights; repeat {scores y = Z·W; inner proxies from the scheme; outer step; rescale
    to unit-variance scores} until Σ|Δw| < ``tol``. Then apply the sign rule (a construct
    whose loadings sum to a negative number is flipped), compute loadings, OLS paths and R².
    The iteration runs on the weighted item correlation matrix (see :mod:`csi._batch`),
    which is exactly equivalent and costs one pass over the data. ``consistent=True``
    applies PLSc (Dijkstra & Henseler 2015) to paths, R² and Mode A loadings.

    Raises
    ------
    DataError
        Constant item, too little weight, or collinearity making a regression singular.
    ConvergenceError
        No convergence within ``max_iter`` iterations.
    """
    w = None if weights is None else np.asarray(weights, dtype=float)
    d = (len(x) if w is None else w.sum()) - 1.0
    if d <= 0:
        raise DataError(
            f"need more than one case to estimate (total case weight {d + 1:g}); "
            "add data or rescale the weights (frequency weights, denominator sum(w) - 1)"
        )
    if np.isnan(x).any():
        raise DataError("estimate_arrays needs complete data; apply a missing-value policy first (see estimate)")
    mean, sd = weighted_mean_sd(x, w)
    flat = ~(sd > 1e-12 * (np.abs(mean) + 1.0))
    if flat.any():
        bad = ", ".join(lay.items[i] for i in np.flatnonzero(flat))
        raise DataError(f"item(s) {bad} are constant (zero variance) in the data used; drop them from the model")
    z = (x - mean) / sd
    s = weighted_crossprod(z, z, w, d)
    batch = _batch.iterate(s[None], lay, scheme, max_iter, tol)
    if consistent and batch.code[0] == _batch.OK:
        batch = _batch.consistent(batch, lay)
    if batch.code[0] != _batch.OK:
        _raise_failure(batch, lay, max_iter, tol)
    outer = lay.mask * batch.weights[0][:, None]
    return ArrayFit(
        weights=outer,
        loadings=lay.mask * batch.loadings[0][:, None],
        path=batch.path[0],
        r_squared=batch.r_squared[0],
        scores=z @ outer,
        mean=mean,
        sd=sd,
        iterations=int(batch.iterations[0]),
        change=float(batch.change[0]),
        rho_a=batch.rho_a[0],
        corr=batch.corr[0],
    )
