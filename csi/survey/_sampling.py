"""Sample-size planning: census rule, margin of error, finite population correction, allocation.

For a unit (enterprise, team, individual) serving N customers:

* census when ``N < census_below`` (e.g. the Jiangsu "service star" rule: survey everyone when
  fewer than 50 customers were served);
* else ``n₀ = (z·S/e)²`` (Cochran 1977, *Sampling Techniques*, §4.6), finite population
  correction ``n₁ = N·n₀/(N + n₀ − 1)`` (from ``e² = z²S²(N − n)/((N − 1)n)``), divided by the
  expected response rate and multiplied by the expected design effect, rounded up and clamped to
  the scheme's range (default 100–200), and never above N (then a census).

Allocation across strata: proportional ``n_h ∝ N_h`` or Neyman ``n_h ∝ N_h S_h`` (Cochran §5.5),
capped at ``N_h`` with the excess redistributed, integers by largest remainders.
Hand-checked against Cochran's formulas (tests/test_sampling.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from csi._api import check_int, check_level, check_number, check_option, parameter_error, public
from csi._display import Card, Display, Summary
from csi._validation import suggest
from csi.exceptions import DataError

__all__ = ["SamplePlan", "allocate", "plan_sample", "plan_samples"]

ALLOCATIONS = ("proportional", "neyman")  # allocate(method=): n_h ∝ N_h, or ∝ N_h·S_h (Neyman 1934)


@dataclass(frozen=True, repr=False)
class SamplePlan(Display):
    """A sample size with the steps that led to it.

    Attributes
    ----------
    population : int
        Served customers N.
    n : int
        Customers to invite (all N when ``census``).
    census : bool
        True when everyone is surveyed (N below the threshold, or the planned n reaches N).
    steps : pandas.DataFrame
        ``step, n``: the sample size after each step, ``n0``, ``fpc``, ``response_rate``, ``deff``,
        ``clamped`` (empty for a census below the threshold).
    expected_completes : float
        ``n × response_rate``.
    margin_achieved : float
        Half-width ``z·S·√(deff·(N − m)/((N − 1)m))`` expected with ``m`` completes (0 for a
        complete census).
    reasoning : Mapping[str, str]
        The decision in words, ``{"zh": …, "en": …}``, for the report.
    """

    population: int
    n: int
    census: bool
    steps: pd.DataFrame
    expected_completes: float
    margin_achieved: float
    reasoning: MappingProxyType

    def _card(self) -> Card:
        what = f"census of {self.population:,}" if self.census else f"invite {self.n:,} of {self.population:,}"
        facts = [("expected completes", f"{self.expected_completes:,.1f}"),
                 ("margin achieved", f"±{self.margin_achieved:.3g}"),
                 ("reasoning", self.reasoning.get("en") or next(iter(self.reasoning.values()), ""))]
        return Card("SamplePlan", what, facts, [("steps", self.steps)], (".steps", ".reasoning", ".summary()"))

    def summary(self) -> Summary:
        """The plan, the reasoning in each language and the steps (sample size after each)."""
        return self._card().summary({"steps": self.steps}, [f"reasoning ({lang}): {text}"
                                                             for lang, text in self.reasoning.items()])


@public(subjects=1, renamed={"confidence": "level"})
def plan_sample(population: int, *, margin: float, sd: float, level: float = 0.95, deff: float = 1.0,
                response_rate: float = 1.0, census_below: int = 50,
                bounds: tuple[int, int] | None = (100, 200)) -> SamplePlan:
    """Plan how many customers of one unit to survey (census or sample).

    Parameters
    ----------
    population : int
        Customers served N (≥ 1).
    margin : float
        Target half-width e of the CI of a mean, in the units of ``sd`` (e.g. 0.3 points on 1–10).
    sd : float
        Expected standard deviation S of the item (e.g. 2 on a 10-point scale).
    level : float
        Confidence level of the margin (z = Φ⁻¹(1/2 + level/2)).
    deff : float
        Expected design effect (≥ 1 for weighting/clustering losses).
    response_rate : float
        Expected share of invited customers who complete, in (0, 1].
    census_below : int
        Survey everyone when N is below this (default 50).
    bounds : (int, int) or None
        The scheme's range for n (default 100–200); None for no clamping.

    Returns
    -------
    SamplePlan
    """
    _check_inputs("plan_sample", population, margin, sd, level, deff, response_rate, census_below, bounds)
    big_n = int(population)
    z = float(stats.norm.ppf(0.5 + level / 2))
    args = {"N": big_n, "e": margin, "S": sd, "z": z, "conf": level, "deff": deff, "rr": response_rate,
            "below": census_below, "bounds": bounds}
    if big_n < census_below:
        return _plan(big_n, big_n, True, [], z, sd, deff, response_rate, _census_text(args))
    n0 = (z * sd / margin) ** 2
    n1 = big_n * n0 / (big_n + n0 - 1)
    n2 = n1 / response_rate
    n3 = n2 * deff
    n4 = math.ceil(n3 - 1e-9)  # guard: 150.0000000001 from float noise is 150
    if bounds is not None:
        n4 = min(max(n4, int(bounds[0])), int(bounds[1]))
    n = min(n4, big_n)
    steps = [("n0", n0), ("fpc", n1), ("response_rate", n2), ("deff", n3), ("clamped", float(n4))]
    args.update(n0=n0, n1=n1, n2=n2, n3=n3, n4=n4, n=n)
    return _plan(big_n, n, n >= big_n, steps, z, sd, deff, response_rate, _sample_text(args))


def _check_inputs(where, population, margin, sd, level, deff, response_rate, census_below, bounds) -> None:
    """ParameterError naming ``where`` for an option outside its range (``margin``, ``sd`` None: per-unit columns)."""
    check_int(where, "population", population, 1, what="customers served")
    check_number(where, "margin", margin, above=0, allow_none=where == "plan_samples")
    check_number(where, "sd", sd, above=0, allow_none=where == "plan_samples")
    check_level(where, level)
    check_number(where, "deff", deff, above=0)
    check_number(where, "response_rate", response_rate, above=0, at_most=1)
    check_number(where, "census_below", census_below)
    try:
        ok = bounds is None or 1 <= bounds[0] <= bounds[1]
    except (TypeError, IndexError):
        ok = False
    if not ok:
        raise parameter_error(where, "bounds", bounds, "give (low, high) with 1 ≤ low ≤ high, or None")


def _plan(big_n, n, census, steps, z, sd, deff, rr, texts) -> SamplePlan:
    m = n * rr
    if census and rr >= 1:
        achieved = 0.0
    else:
        achieved = z * sd * math.sqrt(deff * max(big_n - m, 0.0) / (max(big_n - 1, 1) * m))
    table = pd.DataFrame(steps, columns=["step", "n"])
    return SamplePlan(big_n, int(n), bool(census), table, float(m), float(achieved), MappingProxyType(texts))


def _census_text(a: dict[str, Any]) -> dict[str, str]:
    return {
        "en": f"{a['N']:,} customers were served, fewer than the census threshold of {a['below']}: "
              f"survey all {a['N']:,} (census).",
        "zh": f"服务客户 {a['N']:,} 户，少于 {a['below']} 户的普查界限：全部调查（普查），共 {a['N']:,} 户。",
    }


def _sample_text(a: dict[str, Any]) -> dict[str, str]:
    lo_hi = "" if a["bounds"] is None else f", kept within {a['bounds'][0]}–{a['bounds'][1]}"
    lo_hi_zh = "" if a["bounds"] is None else f"，按 {a['bounds'][0]}–{a['bounds'][1]} 的范围取值"
    census = a["n"] >= a["N"]
    end_en = f"survey all {a['N']:,} (census)." if census else f"sample {a['n']} of {a['N']:,}."
    end_zh = f"全部 {a['N']:,} 户都调查（普查）。" if census else f"从 {a['N']:,} 户中抽取 {a['n']} 户。"
    en = (f"{a['N']:,} customers served (census threshold {a['below']}). For a margin of ±{a['e']:g} at "
          f"{a['conf']:.0%} confidence with SD {a['S']:g}: n0 = (z·S/e)² = ({a['z']:.3f}×{a['S']:g}/{a['e']:g})² = "
          f"{a['n0']:.1f}; finite population correction N·n0/(N+n0−1) = {a['n1']:.1f}; ÷ response rate "
          f"{a['rr']:g} = {a['n2']:.1f}; × design effect {a['deff']:g} = {a['n3']:.1f}, rounded up{lo_hi}: "
          f"{a['n4']}; {end_en}")
    zh = (f"服务客户 {a['N']:,} 户（普查界限 {a['below']} 户）。置信水平 {a['conf']:.0%}、允许误差 ±{a['e']:g}、"
          f"预计标准差 {a['S']:g}：n0 = (z·S/e)² = ({a['z']:.3f}×{a['S']:g}/{a['e']:g})² = {a['n0']:.1f}；"
          f"有限总体校正 N·n0/(N+n0−1) = {a['n1']:.1f}；除以预计应答率 {a['rr']:g} 得 {a['n2']:.1f}；"
          f"乘以设计效应 {a['deff']:g} 得 {a['n3']:.1f}，向上取整{lo_hi_zh}：{a['n4']}；{end_zh}")
    return {"en": en, "zh": zh}


@public(subjects=1, renamed={"confidence": "level"})
def plan_samples(units: pd.DataFrame, *, population: str = "population", unit: str | None = None,
                 margin: float | None = None, sd: float | None = None, level: float = 0.95, deff: float = 1.0,
                 response_rate: float = 1.0, census_below: int = 50,
                 bounds: tuple[int, int] | None = (100, 200)) -> pd.DataFrame:
    """:func:`plan_sample` for many units (enterprises, teams): one row per unit.

    ``units`` holds a population column; ``sd``, ``deff``, ``response_rate`` and ``margin`` may be
    columns too (per-unit values) or keyword arguments (one value for all; ``margin`` and ``sd`` are
    needed one way or the other). The other options are :func:`plan_sample`'s. Returns ``units``'
    ``unit`` column (or index) with ``population, n, census, expected_completes,
    margin_achieved, reasoning_zh, reasoning_en``.
    """
    settings = {"margin": margin, "sd": sd, "level": level, "deff": deff, "response_rate": response_rate,
                "census_below": census_below, "bounds": bounds}
    _check_inputs("plan_samples", 1, margin, sd, level, deff, response_rate, census_below, bounds)
    for key in ("margin", "sd"):
        if settings[key] is None and key not in units.columns:
            raise parameter_error("plan_samples", key, None, f"give {key}= (one value for every unit) or a "
                                  f"{key!r} column in units")
    if population not in units.columns:
        raise DataError(f"plan_samples: population column {population!r} not in the table"
                        f"{suggest(population, units.columns)}.")
    per_unit = [k for k in ("margin", "sd", "deff", "response_rate") if k in units.columns]
    rows = []
    for label, row in units.iterrows():
        kw = dict(settings, **{k: float(row[k]) for k in per_unit})
        value = row[population]
        if pd.isna(value) or float(value) != int(value):
            raise DataError(f"plan_samples: population of {label!r} is {value!r}; give a whole number of customers.")
        plan = plan_sample(int(value), **kw)
        rows.append({"unit": row[unit] if unit else label, "population": plan.population, "n": plan.n,
                     "census": plan.census, "expected_completes": plan.expected_completes,
                     "margin_achieved": plan.margin_achieved, "reasoning_zh": plan.reasoning["zh"],
                     "reasoning_en": plan.reasoning["en"]})
    return pd.DataFrame(rows, columns=["unit", "population", "n", "census", "expected_completes",
                                       "margin_achieved", "reasoning_zh", "reasoning_en"])


@public(subjects=2)
def allocate(strata: pd.DataFrame, n: int, *, method: str = "proportional", stratum: str = "stratum",
             population: str = "population", sd: str = "sd") -> pd.DataFrame:
    """Allocate a total sample ``n`` across strata.

    ``proportional``: ``n_h ∝ N_h``; ``neyman``: ``n_h ∝ N_h S_h`` (Cochran 1977, §5.5). Any stratum
    whose share exceeds ``N_h`` is fixed at ``N_h`` (a census of it) and the rest re-allocated
    among the others, repeating until none exceeds (Cochran §5.9). Integers by largest remainders,
    never above ``N_h``, summing to ``n``.

    Returns
    -------
    pandas.DataFrame
        ``stratum, population[, sd], exact, n, capped``: ``exact`` the unrounded allocation.
    """
    table = _strata_table(strata, n, method, stratum, population, sd)
    big_n = table[population].to_numpy(float)
    size = big_n * (table[sd].to_numpy(float) if method == "neyman" else 1.0)
    exact = np.zeros(big_n.size)
    capped = np.zeros(big_n.size, dtype=bool)
    while True:
        free = ~capped
        exact[free] = (n - big_n[capped].sum()) * size[free] / size[free].sum() if size[free].sum() > 0 else 0.0
        over = free & (exact > big_n)
        if not over.any():
            break
        capped |= over
        exact[capped] = big_n[capped]
    columns = [stratum, population] + ([sd] if method == "neyman" else [])
    return table[columns].assign(exact=exact, n=_largest_remainder(exact, big_n, n), capped=capped) \
        .rename(columns={stratum: "stratum", population: "population", sd: "sd"}).reset_index(drop=True)


def _strata_table(strata, n, method, stratum, population, sd) -> pd.DataFrame:
    check_option("allocate", "method", method, ALLOCATIONS)
    need = [stratum, population] + ([sd] if method == "neyman" else [])
    missing = [c for c in need if c not in strata.columns]
    if missing:
        raise DataError(f"allocate: strata table lacks column(s) {missing}{suggest(missing[0], strata.columns)}.")
    for col in need[1:]:
        values = pd.to_numeric(strata[col], errors="coerce")
        bad = strata[stratum][values.isna() | (values < 0)].tolist()
        if bad:
            raise DataError(f"allocate: {col} must be a non-negative number; bad for stratum/strata {bad}.")
    total = float(strata[population].sum())
    if not (isinstance(n, int | np.integer) and 1 <= n <= total):
        raise DataError(f"allocate: n must be an integer between 1 and the total population {total:g}, got {n!r}.")
    return strata


def _largest_remainder(exact: np.ndarray, cap: np.ndarray, n: int) -> np.ndarray:
    base = np.floor(exact + 1e-9).astype(np.int64)
    short = n - int(base.sum())
    order = np.argsort(-(exact - base), kind="stable")
    for i in order:  # short < number of strata, so one pass suffices
        if short == 0:
            break
        if base[i] < cap[i]:
            base[i] += 1
            short -= 1
    return base
