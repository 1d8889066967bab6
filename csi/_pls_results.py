"""Structural-model quality tables of a PLS fit: f² effect sizes and inner VIF.

f² (Cohen 1988): (R²_incl − R²_excl) / (1 − R²_incl), with R²_excl from re-estimating the
model without the path (the seminr / R seminr convention; Hair et al. PLS-SEM primer,
ch. 6). Inner VIF of predecessor i of construct j = [R_pp⁻¹]_ii with R_pp the correlation
matrix of j's predecessors' scores (Hair et al., ch. 6). Checked against seminr 0.2.1
(``model_fsquares``, ``pls_antecedent_vifs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from csi.pls import PLSResult


def f_squared(fit: PLSResult) -> pd.DataFrame:
    """Cohen's f² of every structural path: ``source, target, f_squared``.

    The model without the path is re-estimated; a construct left without any path is dropped
    from that re-estimation (it no longer touches the target).
    """
    from csi.model import Model
    from csi.pls import estimate_arrays, layout

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


def inner_vif(fit: PLSResult) -> pd.DataFrame:
    """VIF of each predecessor in each structural regression: ``source, target, vif``."""
    corr = fit.construct_corr
    rows = []
    for t in fit.model.endogenous:
        preds = list(fit.model.predecessors(t))
        inv = np.linalg.inv(corr.loc[preds, preds].to_numpy())
        rows += [(s, t, float(inv[i, i])) for i, s in enumerate(preds)]
    return pd.DataFrame(rows, columns=["source", "target", "vif"])
