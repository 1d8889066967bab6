"""Weights, stated once (docs/methods/weighting.md, "Case weights and n"): survey weights that sum to a
population of 4 million give the same estimates, intervals, tests, adjusted R² and n as the same weights
normalised to the sample, in every public function that takes case weights. n is never Σw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import csi
from csi.io import models

SCALE = (1.0, 10.0)
MOBI_BLOCKS = {"Quality": [f"PERQ{i}" for i in range(1, 8)], "Satisfaction": ["CUSA1", "CUSA2", "CUSA3"]}


@pytest.fixture(scope="module")
def survey(mobi):
    """mobi with two 'enterprises' and unequal weights summing to n (w) and to 4 million (big)."""
    data = mobi.assign(enterprise_id=np.where(np.arange(len(mobi)) % 3 == 0, "A", "B"),
                       channel=np.where(np.arange(len(mobi)) % 2 == 0, "web", "phone"))
    w = np.random.default_rng(18).uniform(0.3, 3.0, len(data))
    w *= len(data) / w.sum()
    return data, w, w * 4e6 / len(data)


@pytest.fixture(scope="module")
def fits(survey):
    data, w, big = survey
    return tuple(csi.estimate(models.ecsi(), data, weights=v) for v in (w, big))


def same_frames(a: pd.DataFrame, b: pd.DataFrame, rtol: float = 1e-9) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), rtol=rtol, atol=1e-9)


def test_fit_estimates_r_squared_and_n(fits):
    a, b = fits
    same_frames(a.paths, b.paths)
    same_frames(a.outer, b.outer)
    same_frames(a.r_squared, b.r_squared)  # adjusted R² counts respondents
    assert a.n == b.n == 250


def test_bootstrap_intervals(fits):
    a, b = (csi.bootstrap(f, n_resamples=60, seed=3, scale=SCALE) for f in fits)
    same_frames(a.paths, b.paths, rtol=1e-8)
    same_frames(a.index, b.index, rtol=1e-8)


def test_index_and_enterprise_intervals(fits, survey):
    data, w, big = survey
    fa, fb = fits
    same_frames(csi.csi_index(fa, scale=SCALE, data=data, weights=w),
                csi.csi_index(fb, scale=SCALE, data=data, weights=big))
    ea, eb = (csi.enterprise_indices(f, data, weights=v, scale=SCALE) for f, v in ((fa, w), (fb, big)))
    same_frames(ea, eb)
    ia, ib = (csi.item_scores(f, data=data, weights=v, scale=SCALE) for f, v in ((fa, w), (fb, big)))
    same_frames(ia, ib)
    pa, pb = (csi.importance_performance(f, data=data, weights=v, scale=SCALE) for f, v in ((fa, w), (fb, big)))
    same_frames(pa, pb)


def test_index_difference(fits, survey):
    data, w, big = survey
    a_rows = (data["enterprise_id"] == "A").to_numpy()
    out = [csi.index_difference(f, data[a_rows], data[~a_rows], n_resamples=80, seed=4, scale=SCALE,
                                weights_a=v[a_rows], weights_b=v[~a_rows]) for f, v in zip(fits, (w, big))]
    same_frames(*out, rtol=1e-8)


def test_design_based_means_and_rates(survey):
    data, w, big = survey
    same_frames(*(csi.svy_mean(data, MOBI_BLOCKS["Quality"], weights=v) for v in (w, big)))
    same_frames(*(csi.svy_proportion(data, "CUSA1 >= 8", weights=v) for v in (w, big)))
    same_frames(*(csi.satisfaction_rates(data, MOBI_BLOCKS and {"Satisfaction": MOBI_BLOCKS["Satisfaction"]},
                                         weights=v) for v in (w, big)))


def test_reliability_validity_and_factors(fits, survey):
    data, w, big = survey
    items = data[MOBI_BLOCKS["Quality"]]
    a, b = (csi.cronbach_alpha(items, weights=v) for v in (w, big))
    assert (a.alpha, a.ci_low, a.ci_high, a.n, a.n_eff) == pytest.approx((b.alpha, b.ci_low, b.ci_high, b.n, b.n_eff),
                                                                         rel=1e-10)
    ka, kb = (csi.kmo_bartlett(items, weights=v) for v in (w, big))
    assert (ka.kmo, ka.chi2, ka.p_value, ka.n) == pytest.approx((kb.kmo, kb.chi2, kb.p_value, kb.n), rel=1e-10)
    ea, eb = (csi.efa(items, n_factors=1, weights=v) for v in (w, big))
    same_frames(ea.loadings, eb.loadings, rtol=1e-6)
    fa, fb = fits
    same_frames(csi.reliability(fa, data=data), csi.reliability(fb, data=data))
    same_frames(csi.htmt(fa, data=data), csi.htmt(fb, data=data))


def test_composite_with_survey_weights(survey):
    data, w, big = survey
    channels = {ch: data[data["channel"] == ch]["CUSA1"].to_numpy() for ch in ("web", "phone")}
    sw = {ch: v[(data["channel"] == ch).to_numpy()] for ch, v in (("web", w), ("phone", w))}
    swb = {ch: v[(data["channel"] == ch).to_numpy()] for ch, v in (("web", big), ("phone", big))}
    a = csi.composite_score(channels, channel_weights={"web": 0.6, "phone": 0.4}, scale=SCALE, weights=sw)
    b = csi.composite_score(channels, channel_weights={"web": 0.6, "phone": 0.4}, scale=SCALE, weights=swb)
    same_frames(a.summary, b.summary, rtol=1e-10)
    same_frames(a.channels, b.channels, rtol=1e-10)
