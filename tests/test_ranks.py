"""Tests of csi.rank_intervals: bootstrap intervals of each enterprise's rank (within its industry and overall).

Checks: the point ranks are league_table's and the indices enterprise_indices' (one definition each); a resample's
index is csi_index on the resampled rows (the respondents repeated as drawn); the interval always contains the
point rank (on the demo and as a hypothesis property); well-separated enterprises get one-rank intervals.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import csi
from csi.exceptions import DataError, ParameterError
from csi.indices._ranks import resampled_index

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"


@pytest.fixture(scope="module")
def demo():
    study = csi.load_study(DEMO / "study.toml")
    q = study.questionnaire
    kept = csi.screen(csi.read_responses(study.responses, q), q, rules=study.screening).kept
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = csi.estimate(csi.models.ccsi(), kept, missing="mean")
    industry = {e.id: e.industry for e in study.enterprises}
    ranks = csi.rank_intervals(fit, kept, industry=industry, n_resamples=400)
    return {"kept": kept, "fit": fit, "industry": industry, "ranks": ranks}


def test_point_ranks_and_indices_are_the_league_tables(demo):
    indices = csi.enterprise_indices(demo["fit"], demo["kept"], constructs=["Satisfaction"])
    league = csi.league_table(indices.assign(industry=indices["enterprise_id"].map(demo["industry"])))
    both = demo["ranks"].merge(league, on="enterprise_id", suffixes=("", "_league"))
    assert len(both) == len(league) == 24
    assert (both["rank"] == both["rank_league"]).all()
    assert (both["rank_in_group"] == both["rank_in_group_league"]).all()
    assert np.allclose(both["index"], both["index_league"], rtol=0, atol=1e-12)
    assert (both["n"] == both["n_league"]).all()


def test_intervals_contain_the_point_rank(demo):
    t = demo["ranks"]
    assert list(t.columns) == ["enterprise_id", "industry", "index", "rank", "rank_ci_low", "rank_ci_high",
                               "rank_in_group", "rank_in_group_ci_low", "rank_in_group_ci_high", "n", "n_failed"]
    assert ((t["rank_ci_low"] <= t["rank"]) & (t["rank"] <= t["rank_ci_high"])).all()
    assert ((t["rank_in_group_ci_low"] <= t["rank_in_group"]) & (t["rank_in_group"] <= t["rank_in_group_ci_high"])).all()
    assert t["rank_ci_low"].min() >= 1 and t["rank_ci_high"].max() <= len(t)
    size = t.groupby("industry")["enterprise_id"].transform("size")
    assert (t["rank_in_group_ci_high"] <= size).all()
    assert (t["rank_ci_high"] - t["rank_ci_low"]).max() > 3  # the demo's indices overlap: ranks are uncertain
    assert t["rank"].is_monotonic_increasing and (t["n_failed"] == 0).all()


def test_a_resample_is_csi_index_on_the_rows_drawn(demo):
    """The bootstrap applies the one index formula: with counts c, the index equals csi_index on the data with
    row r repeated c_r times (an independent path through csi_index's own means)."""
    fit, rows = demo["fit"], demo["kept"][demo["kept"]["enterprise_id"] == "W07"].reset_index(drop=True)
    rng = np.random.default_rng(7)
    counts = rng.multinomial(len(rows), np.full(len(rows), 1 / len(rows)), size=5)
    ours = resampled_index(fit, rows, np.ones(len(rows)), counts, "Quality")
    for c, value in zip(counts, ours):
        repeated = rows.loc[np.repeat(np.arange(len(rows)), c)]
        direct = csi.csi_index(fit, data=repeated).set_index("construct").loc["Quality", "index"]
        assert value == pytest.approx(direct, abs=1e-10)
    unit = resampled_index(fit, rows, np.ones(len(rows)), np.ones((1, len(rows))), "Satisfaction")[0]
    own = csi.enterprise_indices(fit, rows, constructs=["Satisfaction"])["index"].iloc[0]
    assert unit == pytest.approx(own, abs=1e-12)


def test_reproducible_with_a_seed(demo):
    again = csi.rank_intervals(demo["fit"], demo["kept"], industry=demo["industry"], n_resamples=400)
    pd.testing.assert_frame_equal(again, demo["ranks"])
    other = csi.rank_intervals(demo["fit"], demo["kept"], industry=demo["industry"], n_resamples=400, seed=2)
    assert (other["rank"] == demo["ranks"]["rank"]).all()


def test_industry_none_column_and_one_fit_per_pool(demo):
    kept = demo["kept"].assign(sector=lambda t: t["enterprise_id"].map(demo["industry"]))
    by_column = csi.rank_intervals(demo["fit"], kept, industry="sector", n_resamples=400)
    pd.testing.assert_frame_equal(by_column, demo["ranks"])
    overall = csi.rank_intervals(demo["fit"], demo["kept"], n_resamples=400)
    assert (overall["industry"] == "all").all() and (overall["rank_in_group"] == overall["rank"]).all()
    pools = {f"industry:{k}": [e for e, i in demo["industry"].items() if i == k] for k in ("water", "telecom", "bank")}
    pooled = csi.rank_intervals(dict.fromkeys(pools, demo["fit"]), demo["kept"], industry=demo["industry"],
                                pools=pools, n_resamples=400)
    pd.testing.assert_frame_equal(pooled, demo["ranks"])
    with pytest.raises(DataError, match="no fit scores enterprise"):
        csi.rank_intervals({"industry:water": demo["fit"]}, demo["kept"], pools={"industry:water": ["W01"]})
    with pytest.raises(DataError, match="pools="):
        csi.rank_intervals({"industry:water": demo["fit"]}, demo["kept"])


def test_bad_calls(demo):
    fit, kept = demo["fit"], demo["kept"]
    with pytest.raises(DataError, match="unknown construct 'Satisfactio'"):
        csi.rank_intervals(fit, kept, construct="Satisfactio")
    with pytest.raises(DataError, match="no enterprise column"):
        csi.rank_intervals(fit, kept, by="firm")
    with pytest.raises(DataError, match="no industry for enterprise"):
        csi.rank_intervals(fit, kept, industry={"W01": "water"})
    with pytest.raises(ParameterError, match=r"rank_intervals\(\): n_resamples=1"):
        csi.rank_intervals(fit, kept, n_resamples=1)


# ------------------------------------------------------------------ synthetic enterprises
MODEL = csi.Model.from_syntax("Quality =~ q1 + q2 + q3\nSatisfaction =~ s1 + s2\nSatisfaction ~ Quality")


def _respondents(levels: list[float], n: int, seed: int) -> pd.DataFrame:
    """Enterprises whose respondents answer around ``levels`` (1–10 scale)."""
    rng = np.random.default_rng(seed)
    parts = []
    for k, level in enumerate(levels):
        base = level + rng.normal(0, 1.2, size=(n, 1))
        items = np.clip(np.rint(base + rng.normal(0, 0.8, size=(n, 5))), 1, 10)
        parts.append(pd.DataFrame(items, columns=["q1", "q2", "q3", "s1", "s2"]).assign(enterprise_id=f"E{k}"))
    data = pd.concat(parts, ignore_index=True)
    data.attrs["scales"] = {i: (1, 10) for i in MODEL.items}
    return data


@pytest.fixture(scope="module")
def synthetic_fit():
    return csi.estimate(MODEL, _respondents([3, 5, 7, 9], 60, 0))


def test_well_separated_enterprises_have_certain_ranks(synthetic_fit):
    t = csi.rank_intervals(synthetic_fit, _respondents([2, 4.5, 7, 9.5], 80, 1), n_resamples=300)
    assert list(t["enterprise_id"]) == ["E3", "E2", "E1", "E0"]
    assert (t["rank_ci_low"] == t["rank"]).all() and (t["rank_ci_high"] == t["rank"]).all()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(levels=st.lists(st.floats(3, 8), min_size=2, max_size=6), n=st.integers(2, 25), seed=st.integers(0, 10**6),
       level=st.sampled_from([0.5, 0.8, 0.95]))
def test_property_the_interval_contains_the_point_rank(synthetic_fit, levels, n, seed, level):
    data = _respondents(levels, n, seed)
    industry = {f"E{k}": "ab"[k % 2] for k in range(len(levels))}
    t = csi.rank_intervals(synthetic_fit, data, industry=industry, n_resamples=40, seed=seed, level=level)
    assert ((t["rank_ci_low"] <= t["rank"]) & (t["rank"] <= t["rank_ci_high"])).all()
    assert ((t["rank_in_group_ci_low"] <= t["rank_in_group"]) & (t["rank_in_group"] <= t["rank_in_group_ci_high"])).all()
    assert t["rank_ci_low"].min() >= 1 and t["rank_ci_high"].max() <= len(levels)
