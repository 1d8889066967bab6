"""Tests of the HTMT bootstrap CIs in csi.validity (point HTMT, Fornell–Larcker, cross-loadings and
VIF against seminr 0.2.1 are in test_reliability.py).

Reference: an independent slow bootstrap that repeats the rows by the same multinomial counts
(numpy ``np.repeat`` + ``np.corrcoef``) and evaluates HTMT from its definition (Henseler, Ringle
& Sarstedt 2015; geometric means for HTMT2, Roemer, Schuberth & Henseler 2021).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from csi.exceptions import ParameterError
from csi.io import models
from csi.measurement import (
    HTMT2Warning,
    _validity,
    htmt,
)
from csi.pls import estimate

ECSI = models.ecsi()
N_BOOT = 200


@pytest.fixture(scope="module")
def weights(mobi) -> np.ndarray:
    return np.random.default_rng(5).integers(1, 4, size=len(mobi))


def _slow_htmt(x: np.ndarray, geometric: bool) -> np.ndarray:
    """HTMT of each ECSI pair from its definition, on plain (repeated) rows."""
    r = np.abs(np.corrcoef(x, rowvar=False))
    pos = {item: j for j, item in enumerate(ECSI.items)}
    cons = list(ECSI.constructs)
    idx = {c: [pos[i] for i in ECSI.blocks[c]] for c in cons}

    def mean(v):
        return np.exp(np.log(v).mean()) if geometric else v.mean()

    def mono(c):
        sub = r[np.ix_(idx[c], idx[c])]
        return 1.0 if len(idx[c]) < 2 else mean(sub[np.triu_indices(len(idx[c]), 1)])

    return np.array(
        [mean(r[np.ix_(idx[a], idx[b])].ravel()) / np.sqrt(mono(a) * mono(b)) for i, a in enumerate(cons) for b in cons[i + 1 :]]
    )


def _slow_bootstrap(x: np.ndarray, w: np.ndarray | None, seed: int, n_boot: int, geometric: bool) -> np.ndarray:
    """Resample rows by repeating each row counts (× integer case weight) times, one resample at a time."""
    rng = np.random.default_rng(seed)
    n = len(x)
    reps = []
    for _ in range(n_boot):
        counts = rng.multinomial(n, np.full(n, 1.0 / n))
        reps.append(_slow_htmt(np.repeat(x, counts if w is None else counts * w, axis=0), geometric))
    return np.array(reps)


@pytest.mark.parametrize("kind", ["htmt", "htmt2"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bootstrap_equals_row_resampling_loop(mobi, weights, kind, weighted):
    w = weights if weighted else None
    fit = estimate(ECSI, mobi, weights=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", HTMT2Warning)  # mobi's HTMT2 has non-positive r (test_htmt2_undefined_is_said)
        got = htmt(fit, data=mobi, kind=kind, ci="percentile", n_resamples=N_BOOT, seed=42)
    reps = _slow_bootstrap(mobi[list(ECSI.items)].to_numpy(dtype=float), w, 42, N_BOOT, kind == "htmt2")
    np.testing.assert_allclose(got["std_error"], reps.std(axis=0, ddof=1), atol=1e-10)
    lo, hi = np.quantile(reps, [0.025, 0.975], axis=0)
    np.testing.assert_allclose(got["ci_low"], lo, atol=1e-10)
    np.testing.assert_allclose(got["ci_high"], hi, atol=1e-10)
    # the bootstrap distribution is centred near the estimate (bias small relative to the SE);
    # not asserted for HTMT2: geometric means of near-zero |r| (mobi Expectation) are heavy-tailed
    assert kind == "htmt2" or np.all(np.abs(reps.mean(axis=0) - got["htmt"]) < 0.5 * got["std_error"] + 0.01)


def test_integer_weights_bootstrap_uses_weighted_rows(mobi, weights):
    """With integer case weights, each resample equals the unweighted HTMT on rows repeated counts × w times."""
    fit = estimate(ECSI, mobi, weights=weights)
    x = mobi[list(ECSI.items)].to_numpy(dtype=float)
    got = _validity._htmt_bootstrap(
        x, weights.astype(float), [np.array([list(ECSI.items).index(i) for i in ECSI.blocks[c]]) for c in ECSI.constructs],
        False, 20, 3,
    )
    np.testing.assert_allclose(got, _slow_bootstrap(x, weights, 3, 20, False), atol=1e-12)
    point = htmt(fit, data=mobi)["htmt"].to_numpy()
    np.testing.assert_allclose(point, _slow_htmt(np.repeat(x, weights, axis=0), False), atol=1e-12)


def test_seeded_and_chunking_invariant(mobi, monkeypatch):
    fit = estimate(ECSI, mobi)
    a = htmt(fit, data=mobi, ci="percentile", n_resamples=N_BOOT, seed=7)
    b = htmt(fit, data=mobi, ci="percentile", n_resamples=N_BOOT, seed=7)
    pd.testing.assert_frame_equal(a, b)
    monkeypatch.setattr(_validity, "_BOOT_CELLS", 7 * len(mobi))  # 7 resamples per block
    monkeypatch.setattr(_validity, "_ROW_CELLS", 13 * len(ECSI.items) ** 2)  # 13 rows per block
    c = htmt(fit, data=mobi, ci="percentile", n_resamples=N_BOOT, seed=7)
    pd.testing.assert_frame_equal(a, c, atol=1e-12, rtol=0)
    assert not a.equals(htmt(fit, data=mobi, ci="percentile", n_resamples=N_BOOT, seed=8))


def test_flag_uses_upper_bound(mobi):
    fit = estimate(ECSI, mobi)
    got = htmt(fit, data=mobi, ci="percentile", n_resamples=N_BOOT, seed=1, level=0.9)
    assert list(got.columns) == ["construct_a", "construct_b", "htmt", "std_error", "ci_low", "ci_high", "htmt_ok"]
    assert (got["htmt_ok"] == (got["ci_high"] < 0.85)).all()
    assert (got["ci_low"] <= got["ci_high"]).all()
    assert ((got["htmt"] >= 0.85) != (got["ci_high"] >= 0.85)).any() or not got["htmt_ok"].all()
    assert got.attrs["n_resamples"] == N_BOOT and got.attrs["level"] == 0.9


def test_htmt_ci_arguments(mobi):
    fit = estimate(ECSI, mobi)
    for kwargs in ({"ci": "bca"}, {"ci": "percentile", "n_resamples": 1}, {"ci": "percentile", "level": 0.0}):
        with pytest.raises(ParameterError, match=f"htmt\\(\\): {list(kwargs)[-1]}="):
            htmt(fit, data=mobi, **kwargs)
    with pytest.raises(ParameterError, match=r"unknown argument n_boot=10 \(renamed 'n_resamples'\)"):
        htmt(fit, n_boot=10)
    assert list(htmt(fit, data=mobi).columns) == ["construct_a", "construct_b", "htmt", "htmt_ok"]


def test_htmt2_undefined_is_said(mobi):
    """Issue 18: HTMT2's geometric means need positive correlations (Roemer et al. 2021). mobi's CUEX2–CUEX3
    (r = 0.11) is ≤ 0 in some resamples, and the |r| near zero gave Expectation pairs bootstrap SEs of 2–9
    silently; now each pair counts its undefined resamples (checked by a loop over np.corrcoef) and a warning
    names the pairs. HTMT (arithmetic means) is defined with any sign: no column, no warning."""
    fit = estimate(ECSI, mobi)
    with pytest.warns(HTMT2Warning) as record:
        got = htmt(fit, data=mobi, kind="htmt2", ci="percentile", n_resamples=N_BOOT, seed=42)
    said = " ".join(str(r.message) for r in record)
    assert "≤ 0 in the sample" in said and f"in bootstrap resamples (of {N_BOOT})" in said
    assert "Image–Expectation" in said and "column n_undefined" in said
    x = mobi[list(ECSI.items)].to_numpy(dtype=float)
    pos = {item: j for j, item in enumerate(ECSI.items)}
    cons = list(ECSI.constructs)
    blocks = {c: [pos[i] for i in ECSI.blocks[c]] for c in cons}
    rng = np.random.default_rng(42)
    expected = np.zeros(len(got), dtype=int)
    for _ in range(N_BOOT):
        r = np.corrcoef(np.repeat(x, rng.multinomial(len(x), np.full(len(x), 1 / len(x))), axis=0), rowvar=False)
        bad = []
        for i, a in enumerate(cons):
            for b in cons[i + 1:]:
                entries = [r[np.ix_(blocks[a], blocks[b])].ravel()] + [
                    r[np.ix_(blocks[c], blocks[c])][np.triu_indices(len(blocks[c]), 1)] for c in (a, b)]
                bad.append(bool((np.concatenate(entries) <= 0).any()))
        expected += np.array(bad)
    np.testing.assert_array_equal(got["n_undefined"].to_numpy(), expected)
    worst = got.loc[got["construct_b"].eq("Expectation") | got["construct_a"].eq("Expectation")]
    assert (worst["n_undefined"] > 0).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = htmt(fit, data=mobi, kind="htmt", ci="percentile", n_resamples=N_BOOT, seed=42)
    assert "n_undefined" not in plain.columns
    # what the warning is about: the same resamples, HTMT2's SE of the Expectation pairs well above HTMT's
    assert worst["std_error"].max() > 1.5 * plain.loc[worst.index, "std_error"].max()
