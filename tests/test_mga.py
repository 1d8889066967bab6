"""Tests of csi.mga (permutation multi-group analysis, Chin & Dibbern 2010).

Reference: a slow loop of csi.estimate fits of each group (estimate itself is checked against
SmartPLS and seminr in test_pls.py), with the same permutations drawn from the same seed.
"""

from __future__ import annotations

import numpy as np
import pytest

import csi
from csi.exceptions import DataError
from csi.pls import MGAResult, mga

ECSI = csi.models.ecsi()


def test_matches_loop_of_group_fits(mobi):
    group = np.where(np.arange(len(mobi)) % 3 == 0, "north", "south")
    out = mga(ECSI, mobi, group=group, n_resamples=15, seed=4)
    assert isinstance(out, MGAResult) and out.groups == ("north", "south") and out.sizes == (84, 166)
    is_a = group == "north"
    fa, fb = csi.estimate(ECSI, mobi[is_a]), csi.estimate(ECSI, mobi[~is_a])
    np.testing.assert_allclose(out.paths["estimate_a"], fa.paths["estimate"], atol=1e-8)
    np.testing.assert_allclose(out.paths["estimate_b"], fb.paths["estimate"], atol=1e-8)
    d0 = fa.paths["estimate"].to_numpy() - fb.paths["estimate"].to_numpy()
    rng = np.random.default_rng(4)
    exceed = np.zeros(len(d0))
    for _ in range(15):
        perm = rng.permutation(is_a)
        d = csi.estimate(ECSI, mobi[perm]).paths["estimate"].to_numpy() - csi.estimate(
            ECSI, mobi[~perm]).paths["estimate"].to_numpy()
        exceed += np.abs(d) >= np.abs(d0) - 1e-12
    np.testing.assert_allclose(out.paths["p_value"], (1 + exceed) / 16)
    assert out.n_failed == 0 and out.n_permutations == 15


def test_detects_a_real_difference(mobi):
    data = mobi.copy()
    rng = np.random.default_rng(0)
    b = np.arange(len(data)) >= 125
    sat = list(ECSI.blocks["Satisfaction"])
    data.loc[b, sat] = rng.integers(1, 11, size=(int(b.sum()), 3))  # group b: satisfaction unrelated to quality
    out = mga(ECSI, data.assign(g=np.where(b, "b", "a")), group="g", n_resamples=199, seed=1).paths.set_index(["source", "target"])
    for key in [("Satisfaction", "Loyalty"), ("Satisfaction", "Complaints")]:
        assert out.loc[key, "difference"] > 0.3 and out.loc[key, "p_value"] <= 0.01, key
    assert out.loc[("Complaints", "Loyalty"), "p_value"] > 0.2  # untouched path


def test_errors(mobi):
    three = np.arange(len(mobi)) % 3
    with pytest.raises(DataError, match=r"group has 3 labels .* pass groups=\(a, b\)"):
        mga(ECSI, mobi, group=three, n_resamples=5)
    out = mga(ECSI, mobi, group=three, groups=(0, 2), n_resamples=5)
    assert out.sizes == (84, 83)
    with pytest.raises(DataError, match="groups must be two labels present"):
        mga(ECSI, mobi, group=three, groups=(0, 7), n_resamples=5)
    with pytest.raises(DataError, match="group column 'g' not in data"):
        mga(ECSI, mobi, group="g", n_resamples=5)


def test_weights_are_checked_before_the_groups_are_cut(mobi):
    group = np.where(np.arange(len(mobi)) % 2 == 0, "a", "b")
    with pytest.raises(DataError, match=r"one value per row of data \(250\)"):   # was a bare IndexError
        mga(ECSI, mobi, group=group, n_resamples=5, weights=np.ones(3))
    w = np.ones(len(mobi))
    w[7] = -1.0
    with pytest.raises(DataError, match=r"finite and non-negative; bad weight\(s\) in row\(s\) 7"):
        mga(ECSI, mobi, group=group, n_resamples=5, weights=w)
