"""Tests of csi.sampling: hand-worked numbers from Cochran (1977), *Sampling Techniques*, §4.6
(n₀ = (zS/e)², finite population correction) and §5.5 (proportional and Neyman allocation)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from csi.exceptions import DataError, ParameterError
from csi.survey import allocate, plan_sample, plan_samples

Z95 = 1.959963984540054


def test_n0_without_fpc_or_bounds():
    plan = plan_sample(10**9, margin=0.3, sd=2, bounds=None)
    n0 = (Z95 * 2 / 0.3) ** 2  # 170.73
    assert plan.steps.set_index("step").loc["n0", "n"] == pytest.approx(n0)
    assert plan.n == 171 and not plan.census


def test_fpc_response_rate_and_deff_steps():
    plan = plan_sample(500, margin=0.3, sd=2, response_rate=0.8, deff=1.2, bounds=None)
    n0 = (Z95 * 2 / 0.3) ** 2
    n1 = 500 * n0 / (500 + n0 - 1)  # 127.46
    steps = plan.steps.set_index("step")["n"]
    assert steps["fpc"] == pytest.approx(n1)
    assert steps["response_rate"] == pytest.approx(n1 / 0.8)
    assert steps["deff"] == pytest.approx(n1 / 0.8 * 1.2)
    assert plan.n == math.ceil(n1 / 0.8 * 1.2) == 192
    assert plan.expected_completes == pytest.approx(192 * 0.8)


def test_clamped_to_scheme_range():
    assert plan_sample(10_000, margin=0.1, sd=2).n == 200      # n0 = 1537 → 200
    assert plan_sample(10_000, margin=1.0, sd=2).n == 100      # n0 = 15.4 → 100
    assert plan_sample(10_000, margin=0.3, sd=2).n == 168      # n1 = 167.9 inside the range


def test_census_threshold_and_population_below_range():
    small = plan_sample(49, margin=0.3, sd=2)
    assert small.census and small.n == 49 and small.steps.empty and small.margin_achieved == 0
    assert "49" in small.reasoning["en"] and "普查" in small.reasoning["zh"]
    at = plan_sample(50, margin=0.3, sd=2)  # not below the threshold: planned, clamped to 100 > 50 → all
    assert at.census and at.n == 50 and not at.steps.empty
    assert "survey all 50 (census)" in at.reasoning["en"]


@pytest.mark.parametrize("n,margin", [(150, 0.320), (200, 0.277)])
def test_margin_at_s2_on_10_point_scale(n, margin):
    # METHODS.md §7: S = 2, n = 150–200; at 95% the half-width is 1.96·2/√n = 0.32 (n=150) … 0.28 (n=200)
    plan = plan_sample(10**9, margin=0.3, sd=2, bounds=(n, n))
    assert plan.n == n
    assert plan.margin_achieved == pytest.approx(Z95 * 2 / math.sqrt(n), rel=1e-6)
    assert plan.margin_achieved == pytest.approx(margin, abs=5e-4)


def test_margin_achieved_inverts_the_fpc_formula():
    plan = plan_sample(400, margin=0.25, sd=2, bounds=None)
    n = plan.n
    assert plan.margin_achieved <= 0.25 + 1e-12  # rounding up can only narrow it
    assert plan.margin_achieved == pytest.approx(Z95 * 2 * math.sqrt((400 - n) / (399 * n)))


def test_reasoning_names_every_step():
    plan = plan_sample(1000, margin=0.3, sd=2, response_rate=0.8, deff=1.2)
    en, zh = plan.reasoning["en"], plan.reasoning["zh"]
    for text in ("170.7", "146.0", "182.4", "218.9", "100–200", "sample 200 of 1,000"):
        assert text in en
    for text in ("170.7", "146.0", "182.4", "218.9", "应答率", "设计效应", "抽取 200 户"):
        assert text in zh
    with pytest.raises(TypeError):
        plan.reasoning["en"] = "x"  # read-only mapping


def test_plan_samples_table_matches_single_plans():
    units = pd.DataFrame({"enterprise_id": ["W01", "W02", "T01"], "population": [30, 400, 5000],
                          "sd": [2.0, 1.5, 2.5]})
    table = plan_samples(units, unit="enterprise_id", margin=0.3, response_rate=0.9)
    assert table["unit"].tolist() == ["W01", "W02", "T01"]
    for row, (_, u) in zip(table.itertuples(), units.iterrows()):
        single = plan_sample(int(u["population"]), margin=0.3, sd=u["sd"], response_rate=0.9)
        assert row.n == single.n and row.census == single.census
        assert row.reasoning_zh == single.reasoning["zh"]
    assert table.loc[0, "census"] and table.loc[0, "n"] == 30


def test_plan_input_errors():
    with pytest.raises(ParameterError, match=r"plan_sample\(\): response_rate=0 is not allowed; give a number > 0 and ≤ 1"):
        plan_sample(100, margin=0.3, sd=2, response_rate=0)
    with pytest.raises(ParameterError, match="population=10.5 is not allowed; give a whole number of at least 1"):
        plan_sample(10.5, margin=0.3, sd=2)
    with pytest.raises(ParameterError, match="margin=0 is not allowed; give a number > 0"):
        plan_sample(100, margin=0, sd=2)
    with pytest.raises(ParameterError, match=r"unknown argument confidence=0.9 \(renamed 'level'\)"):
        plan_sample(100, margin=0.3, sd=2, confidence=0.9)
    with pytest.raises(ParameterError, match=r"plan_samples\(\): sd=None is not allowed; give sd="):
        plan_samples(pd.DataFrame({"population": [100]}), margin=0.3)
    with pytest.raises(DataError, match=r"population column 'populaton' not in the table \(did you mean 'population'"):
        plan_samples(pd.DataFrame({"population": [1]}), population="populaton", margin=0.3, sd=2)


# ----------------------------------------------------------------------------- allocation

def test_proportional_allocation():
    strata = pd.DataFrame({"stratum": ["a", "b", "c"], "population": [100, 300, 600]})
    out = allocate(strata, 100)
    assert out["n"].tolist() == [10, 30, 60] and out["exact"].tolist() == pytest.approx([10, 30, 60])
    rem = allocate(pd.DataFrame({"stratum": ["a", "b", "c"], "population": [10, 10, 10]}), 20)
    assert rem["n"].sum() == 20 and sorted(rem["n"]) == [6, 7, 7]


def test_neyman_allocation_hand_worked():
    # n_h ∝ N_h S_h: 100·5 = 500, 1000·1 = 1000, 200·2 = 400 → 200·(500, 1000, 400)/1900
    strata = pd.DataFrame({"stratum": ["a", "b", "c"], "population": [100, 1000, 200], "sd": [5.0, 1.0, 2.0]})
    out = allocate(strata, 200, method="neyman")
    assert out["exact"].to_numpy() == pytest.approx(200 * np.array([500, 1000, 400]) / 1900)
    assert out["n"].tolist() == [53, 105, 42] and out["n"].sum() == 200


def test_neyman_cap_redistributes():
    # a: N=10, S=100 would get 100·1000/2000 = 50 > 10 → capped at 10; b gets the remaining 90
    strata = pd.DataFrame({"stratum": ["a", "b"], "population": [10, 1000], "sd": [100.0, 1.0]})
    out = allocate(strata, 100, method="neyman")
    assert out["n"].tolist() == [10, 90] and out["capped"].tolist() == [True, False]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 500), st.floats(0.1, 10)), min_size=1, max_size=8), st.data())
def test_allocation_sums_and_caps(rows, data):
    strata = pd.DataFrame({"stratum": [f"s{i}" for i in range(len(rows))], "population": [r[0] for r in rows],
                           "sd": [r[1] for r in rows]})
    n = data.draw(st.integers(1, int(strata["population"].sum())))
    for method in ("proportional", "neyman"):
        out = allocate(strata, n, method=method)
        assert out["n"].sum() == n
        assert (out["n"] <= out["population"]).all() and (out["n"] >= 0).all()
        assert (np.abs(out["n"] - out["exact"]) < 1 + 1e-9).all()


def test_allocation_errors():
    strata = pd.DataFrame({"stratum": ["a", "b"], "population": [10, 20]})
    with pytest.raises(DataError, match="between 1 and the total population 30"):
        allocate(strata, 31)
    with pytest.raises(DataError, match=r"lacks column\(s\) \['sd'\]"):
        allocate(strata, 10, method="neyman")
    with pytest.raises(ParameterError, match="method='optimal' is not allowed.*; use one of 'proportional', 'neyman'"):
        allocate(strata, 10, method="optimal")
