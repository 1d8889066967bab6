"""Tests of csi.estimate_mi and csi.rubin_pool: multiple imputation and Rubin's rules.

References: R mice 3.15.0 (R 4.2.2) ``pool.scalar``, ``pool()`` of ``lm`` fits on mice's nhanes data and
``pool.r.squared``; golden file tests/reference/mi_reference.json written by tests/reference/mi.R. The tests
read the file, never run R. The simulation (slow) checks the whole method against a known truth.
"""

from __future__ import annotations

import copy
import json
import math
import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import csi
from csi.exceptions import DataError, ModelSpecError, ParameterError, SchemaError
from csi.pls._mi import _pool_r_squared

ROOT = Path(__file__).resolve().parents[1]
REF = json.loads((ROOT / "tests" / "reference" / "mi_reference.json").read_text())  # tests/reference/mi.R
TOL = 1e-10  # relative; the reference is written with 15 significant digits


def close(ours, theirs, tol: float = TOL) -> None:
    np.testing.assert_allclose(np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=tol, atol=0)


# ----------------------------------------------------------------------------- Rubin's rules against mice
def test_the_reference_is_mice():
    assert REF["meta"]["mice_version"] == "3.15.0"


@pytest.mark.parametrize("case", range(len(REF["scalar"])))
def test_rubin_pool_equals_mice_pool_scalar(case):
    """mice::pool.scalar(Q, U, n, k): Barnard–Rubin df with ν_com = n − k (Rubin's df when n = Inf)."""
    ref = REF["scalar"][case]
    df_complete = math.inf if ref["n"] == "Inf" else ref["n"] - ref["k"]
    assert ref["lambda"] >= 1e-4  # mice floors λ at 1e-4; csi does not (the two agree above it)
    out = csi.rubin_pool(ref["Q"], ref["U"], df_complete=df_complete).iloc[0]
    close(out["estimate"], ref["qbar"])
    close(out["within"], ref["ubar"])
    close(out["between"], ref["b"])
    close(out["std_error"] ** 2, ref["t"])
    close(out["df"], ref["df"])
    close(out["riv"], ref["r"])
    close(out["fmi"], ref["fmi"])


def test_rubin_pool_equals_mice_pool_of_lm_fits():
    """mice::pool() of lm(chl ~ age + bmi) on 5 imputations of nhanes, dfcom = the fits' residual df."""
    fits = pd.DataFrame(REF["lm_fits"])
    terms = list(dict.fromkeys(fits["term"]))
    q = fits.pivot(index="imputation", columns="term", values="estimate")[terms]
    u = fits.pivot(index="imputation", columns="term", values="std_error")[terms] ** 2
    dfcom = fits["df_residual"].iloc[0]
    out = csi.rubin_pool(q, u, df_complete=dfcom, level=0.95)
    ref = pd.DataFrame(REF["lm_pooled"]).set_index("term").loc[terms]
    assert list(out.index) == terms and (ref["dfcom"] == dfcom).all()
    pairs = {"estimate": "estimate", "within": "ubar", "between": "b", "df": "df", "riv": "riv", "fmi": "fmi",
             "std_error": "std.error", "t_value": "statistic", "p_value": "p.value", "ci_low": "conf.low",
             "ci_high": "conf.high"}
    for ours, theirs in pairs.items():
        close(out[ours], ref[theirs])
    close(out["std_error"] ** 2, ref["t"])


def test_r_squared_pooling_equals_mice_pool_r_squared():
    """mice::pool.r.squared: Fisher's z of √R² averaged, back-transformed (Harel 2009)."""
    fits = pd.DataFrame(REF["lm_fits"]).drop_duplicates("imputation")
    close(_pool_r_squared(fits["r_squared"].to_numpy()[:, None])[0], REF["r_squared"]["est"])
    close(_pool_r_squared(fits["adj_r_squared"].to_numpy()[:, None])[0], REF["r_squared"]["adj_est"])


def test_no_between_variance_gives_the_complete_data_df():
    out = csi.rubin_pool([0.3, 0.3, 0.3], [0.01, 0.02, 0.03], df_complete=50).iloc[0]
    assert out["between"] == 0 and out["riv"] == 0
    assert out["df"] == pytest.approx(51 / 53 * 50, rel=1e-14)  # Barnard–Rubin ν_obs at λ = 0
    assert out["std_error"] == pytest.approx(math.sqrt(0.02), rel=1e-14)
    rubin = csi.rubin_pool([0.3, 0.3, 0.3], [0.01, 0.02, 0.03]).iloc[0]
    assert rubin["df"] == math.inf and rubin["fmi"] == 0
    assert rubin["ci_high"] - 0.3 == pytest.approx(stats.norm.ppf(0.975) * math.sqrt(0.02), rel=1e-12)


def test_rubin_pool_columns_and_labels():
    q = pd.DataFrame({"a": [1.0, 1.2, 0.9], "b": [2.0, 2.1, 2.2]})
    out = csi.rubin_pool(q, q * 0 + 0.04, df_complete=[30, 40])
    assert list(out.index) == ["a", "b"]
    assert list(out.columns) == ["estimate", "std_error", "t_value", "p_value", "ci_low", "ci_high", "df", "within",
                                 "between", "riv", "fmi"]
    one = csi.rubin_pool(q["a"], q["a"] * 0 + 0.04, df_complete=30)
    pd.testing.assert_series_equal(one.iloc[0], out.loc["a"], check_names=False)


@pytest.mark.parametrize(("estimates", "variances", "match"), [
    ([0.5], [0.01], "at least 2"),
    ([0.5, 0.6], [0.01], "same shape"),
    ([0.5, 0.6], [0.01, -0.01], r"finite and ≥ 0; bad value\(s\) at imputation\(s\) 1"),
    ([0.5, np.nan], [0.01, 0.01], "estimates must be finite"),
    ([["a", "b"]], [[0.1, 0.1]], "must be numbers"),
])
def test_rubin_pool_data_errors(estimates, variances, match):
    with pytest.raises(DataError, match=match):
        csi.rubin_pool(estimates, variances)


@pytest.mark.parametrize("options", [{"df_complete": 0}, {"df_complete": [10, 20]}, {"df_complete": "many"},
                                     {"level": 1.5}, {"df": 10}])
def test_rubin_pool_parameter_errors(options):
    with pytest.raises(ParameterError, match=r"^rubin_pool\(\)"):
        csi.rubin_pool([0.5, 0.6, 0.55], [0.01, 0.01, 0.01], **options)


# ----------------------------------------------------------------------------- estimate_mi on mobi
@pytest.fixture(scope="module")
def scaled(mobi) -> pd.DataFrame:
    data = mobi.copy()
    data.attrs["scales"] = {item: (1, 10) for item in csi.models.ecsi().items}
    return data


@pytest.fixture(scope="module")
def holes(scaled) -> pd.DataFrame:
    """mobi with 5% of the item cells blanked (MCAR), attrs kept."""
    items = list(csi.models.ecsi().items)
    values = scaled[items].to_numpy(dtype=float).copy()
    values[np.random.default_rng(11).random(values.shape) < 0.05] = np.nan
    data = scaled.copy()
    data[items] = values
    return data


@pytest.fixture(scope="module")
def pooled(holes) -> csi.MIResult:
    return csi.estimate_mi(csi.models.ecsi(), holes, m=5, n_resamples=200)


def test_no_missing_data_is_the_plain_fit_exactly(scaled):
    model = csi.models.ecsi()
    result = csi.estimate_mi(model, scaled, m=7, n_resamples=300, seed=4)
    fit = csi.estimate(model, scaled)
    boot = csi.bootstrap(fit, n_resamples=300, seed=4)
    assert result.m == 1 and result.n_missing == 0 and len(result.fits) == 1
    assert (result.paths["estimate"].to_numpy() == fit.paths["estimate"].to_numpy()).all()
    assert (result.index["index"].to_numpy() == csi.csi_index(fit)["index"].to_numpy()).all()
    assert (result.paths["std_error"].to_numpy() == boot.paths["std_error"].to_numpy()).all()
    assert (result.index["std_error"].to_numpy() == boot.index["std_error"].to_numpy()).all()
    assert (result.r_squared["r_squared"].to_numpy() == fit.r_squared["r_squared"].to_numpy()).all()
    for table in (result.paths, result.index):
        assert (table["between"] == 0).all() and (table["fmi"] == 0).all()
    npred = result.paths["target"].map(lambda t: len(model.predecessors(t)))
    assert (result.paths["df"] == 250 - npred - 1).all() and (result.index["df"] == 249).all()
    q = stats.t.ppf(0.975, result.index["df"])
    close(result.index["ci_high"] - result.index["index"], q * result.index["std_error"], 1e-12)


def test_imputed_values_are_on_the_scale_points_and_observed_cells_unchanged(holes, pooled):
    items = list(csi.models.ecsi().items)
    given = holes[items]
    hole = given.isna().to_numpy()
    assert pooled.n_missing == hole.sum() > 0 and pooled.n_missing_rows == hole.any(axis=1).sum()
    assert pooled.missing.set_index("item")["n_missing"].equals(given.isna().sum().astype(int))
    for completed in pooled.imputations:
        values = completed.to_numpy()
        assert completed.index.equals(holes.index) and list(completed.columns) == items
        assert not np.isnan(values).any()
        assert (values[~hole] == given.to_numpy()[~hole]).all()
        drawn = values[hole]
        assert (drawn == np.rint(drawn)).all() and drawn.min() >= 1 and drawn.max() <= 10
    first, second = (c.to_numpy()[hole] for c in pooled.imputations[:2])
    assert (first != second).any()  # draws, not one deterministic fill


def test_each_item_keeps_its_own_declared_scale(holes):
    data = holes.copy()
    data["CUSCO"] = np.where(data["CUSCO"].isna(), np.nan, np.ceil(data["CUSCO"] / 2))  # now on 1–5
    data.attrs["scales"] = {**holes.attrs["scales"], "CUSCO": (1, 5)}
    result = csi.estimate_mi(csi.models.ecsi(), data, m=2, n_resamples=50)
    hole = data["CUSCO"].isna().to_numpy()
    assert hole.any()
    for completed in result.imputations:
        drawn = completed["CUSCO"].to_numpy()[hole]
        assert set(np.unique(drawn)) <= {1.0, 2.0, 3.0, 4.0, 5.0}


def test_a_complete_item_needs_no_declared_scale(holes, scaled):
    data = holes.assign(CUSCO=scaled["CUSCO"])
    data.attrs["scales"] = {k: v for k, v in holes.attrs["scales"].items() if k != "CUSCO"}
    with pytest.warns(csi.pls.MissingScaleWarning):
        result = csi.estimate_mi(csi.models.ecsi(), data, m=2, n_resamples=20)
    assert "Complaints" not in set(result.index["construct"]) and "CUSCO" in result.index_note
    assert all((c["CUSCO"] == scaled["CUSCO"]).all() for c in result.imputations)


def test_the_input_is_not_changed(holes):
    before = copy.deepcopy(holes)
    csi.estimate_mi(csi.models.ecsi(), holes, m=2, n_resamples=20)
    pd.testing.assert_frame_equal(holes, before)
    assert holes.attrs == before.attrs


def test_a_fixed_seed_gives_identical_results(holes, pooled):
    again = csi.estimate_mi(csi.models.ecsi(), holes, m=5, n_resamples=200)
    pd.testing.assert_frame_equal(again.paths, pooled.paths, check_exact=True)
    pd.testing.assert_frame_equal(again.index, pooled.index, check_exact=True)
    for a, b in zip(again.imputations, pooled.imputations, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    other = csi.estimate_mi(csi.models.ecsi(), holes, m=5, n_resamples=200, seed=2)
    assert not np.array_equal(other.paths["estimate"], pooled.paths["estimate"])


def test_pooled_tables_follow_rubins_rules(pooled):
    """The tables are rubin_pool of the completed-data fits (estimates) and their bootstrap variances."""
    assert pooled.m == 5 and len(pooled.fits) == 5
    q = np.array([f.paths["estimate"] for f in pooled.fits])
    close(pooled.paths["estimate"], q.mean(axis=0), 1e-14)
    close(pooled.paths["between"], q.var(axis=0, ddof=1), 1e-12)
    assert (pooled.paths["between"] > 0).all() and (pooled.paths["fmi"] > 0).all()
    assert (pooled.paths["df"] < 250).all()
    t = pooled.paths["within"] + 1.2 * pooled.paths["between"]
    close(pooled.paths["std_error"], np.sqrt(t), 1e-12)
    assert list(pooled.index.columns) == ["construct", "index", "std_error", "ci_low", "ci_high", "df", "within",
                                          "between", "riv", "fmi", "n"]
    assert ((pooled.index["ci_low"] < pooled.index["index"]) & (pooled.index["index"] < pooled.index["ci_high"])).all()
    r2 = np.array([f.r_squared["r_squared"] for f in pooled.fits])
    close(pooled.r_squared["r_squared"], np.tanh(np.arctanh(np.sqrt(r2)).mean(axis=0)) ** 2, 1e-12)


def test_case_weights_are_used_in_every_fit(holes):
    data = holes.assign(w=1.0 + np.arange(len(holes)) % 3)
    result = csi.estimate_mi(csi.models.ecsi(), data, m=2, n_resamples=20, weights="w")
    assert all(f.case_weights is not None for f in result.fits)
    unweighted = csi.estimate_mi(csi.models.ecsi(), holes, m=2, n_resamples=20)
    assert not np.allclose(result.paths["estimate"], unweighted.paths["estimate"])


def test_display(pooled):
    text = repr(pooled)
    assert text.startswith("MIResult: PLS path model pooled over 5 imputations") and len(text.splitlines()) <= 15
    assert "fraction of missing information" in text
    assert "<strong>MIResult</strong>" in pooled._repr_html_()
    summary = pooled.summary()
    assert set(summary.tables) == {"paths", "index", "r_squared", "missing"}
    assert "Paths" in str(summary) and "<h4>Index</h4>" in summary._repr_html_()


# ----------------------------------------------------------------------------- wrong calls and data
@pytest.mark.parametrize(("options", "name"), [({"m": 1}, "m"), ({"seed": -1}, "seed"), ({"cycles": 0}, "cycles"),
                                               ({"n_resamples": 1}, "n_resamples"), ({"level": 95}, "level"),
                                               ({"scheme": "pathh"}, "scheme"), ({"n_boot": 10}, "n_boot")])
def test_wrong_options_are_parameter_errors(holes, options, name):
    with pytest.raises(ParameterError, match=rf"^estimate_mi\(\): (unknown argument )?{name}="):
        csi.estimate_mi(csi.models.ecsi(), holes, **options)


def test_data_problems_name_columns_and_rows(holes):
    model = csi.models.ecsi()
    with pytest.raises(DataError, match=r"item\(s\) CUSCO have no observed answer"):
        csi.estimate_mi(model, holes.assign(CUSCO=np.nan))
    blank = holes.copy()
    blank.loc[[3, 7], list(model.items)] = np.nan
    with pytest.raises(DataError, match=r"2 row\(s\) answer no item of the model \(3, 7\)"):
        csi.estimate_mi(model, blank)
    off = holes.copy()
    off.loc[[5, 9], "CUSA2"] = 11.0
    with pytest.raises(DataError, match=r"items out of their scale: CUSA2 \(2 rows: 5, 9\)"):
        csi.estimate_mi(model, off)
    bare = holes.copy()
    bare.attrs = {}
    with pytest.raises(SchemaError, match=r"no declared scale for item\(s\) IMAG1, .*pass scale=\(min, max\)"):
        csi.estimate_mi(model, bare)
    assert csi.estimate_mi(model, bare, scale=(1, 10), m=2, n_resamples=20).n_missing > 0
    with pytest.raises(ModelSpecError):
        csi.estimate_mi("Image =~ IMAG1", holes)


# ----------------------------------------------------------------------------- simulation with known truth
SIM_MODEL = "X =~ X1 + X2\nY =~ Y1 + Y2\nZ =~ Z1 + Z2\nY ~ X\nZ ~ X + Y"
SIM_N, SIM_REPS, SIM_M = 200, 100, 5
SIM_SEED = 20  # chosen before the first run, not tuned
FAMILY_ALPHA = 0.01  # false-alarm rate of the whole simulation test (Bonferroni over its checks)


def _generate(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """X → Y (0.5), X → Z (0.3), Y → Z (0.4), standardized; two items per construct (loading 0.85), on 1–10."""
    x = rng.standard_normal(n)
    y = 0.5 * x + math.sqrt(0.75) * rng.standard_normal(n)
    z = 0.3 * x + 0.4 * y + math.sqrt(1 - (0.09 + 0.16 + 2 * 0.3 * 0.4 * 0.5)) * rng.standard_normal(n)
    columns = {}
    for name, eta in (("X", x), ("Y", y), ("Z", z)):
        for k in (1, 2):
            item = 0.85 * eta + math.sqrt(1 - 0.85**2) * rng.standard_normal(n)
            columns[f"{name}{k}"] = np.clip(np.rint(6 + 1.8 * item), 1, 10)
    data = pd.DataFrame(columns)
    data.attrs["scales"] = dict.fromkeys(columns, (1, 10))
    return data


def _amputate(rng: np.random.Generator, data: pd.DataFrame, mechanism: str) -> pd.DataFrame:
    """Y1 and Z1 missing: MCAR with probability 0.25, or MAR on the (always observed) X1 and X2."""
    data = data.copy()
    for target, driver in (("Y1", "X1"), ("Z1", "X2")):
        if mechanism == "MCAR":
            p = np.full(len(data), 0.25)
        else:
            z = (data[driver] - data[driver].mean()) / data[driver].std()
            p = 1 / (1 + np.exp(1.3 - 1.5 * z))
        data.loc[rng.random(len(data)) < p, target] = np.nan
    return data


def _statistics(fit_or_mi) -> tuple[np.ndarray, ...]:
    if isinstance(fit_or_mi, csi.MIResult):
        p, i = fit_or_mi.paths, fit_or_mi.index
        return (np.concatenate([p["estimate"], i["index"]]), np.concatenate([p["ci_low"], i["ci_low"]]),
                np.concatenate([p["ci_high"], i["ci_high"]]))
    return (np.concatenate([fit_or_mi.paths["estimate"], csi.csi_index(fit_or_mi)["index"]]),)


def _simulate(mechanism: str) -> dict[str, np.ndarray]:
    """Truth from one complete sample of 400,000, then SIM_REPS samples of SIM_N, amputated and pooled."""
    warnings.simplefilter("error")  # as pytest's filterwarnings, in this worker process
    model = csi.Model.from_syntax(SIM_MODEL)
    big = _generate(np.random.default_rng([SIM_SEED, 0]), 400_000)
    truth = _statistics(csi.estimate(model, big))[0]
    rng = np.random.default_rng([SIM_SEED, 1 if mechanism == "MCAR" else 2])
    est, low, high, complete = [], [], [], []
    for rep in range(SIM_REPS):
        full = _generate(rng, SIM_N)
        data = _amputate(rng, full, mechanism)
        q, lo, hi = _statistics(csi.estimate_mi(model, data, m=SIM_M, n_resamples=100, cycles=5, seed=rep))
        est.append(q)
        low.append(lo)
        high.append(hi)
        complete.append(_statistics(csi.estimate(model, full))[0])
    return {"truth": truth, "estimate": np.array(est), "ci_low": np.array(low), "ci_high": np.array(high),
            "complete": np.array(complete)}


@pytest.fixture(scope="module")
def simulation() -> dict[str, dict[str, np.ndarray]]:
    """Both mechanisms at once, one process each (two cores)."""
    mechanisms = ("MCAR", "MAR")
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        return dict(zip(mechanisms, pool.map(_simulate, mechanisms), strict=True))


#: checks in the simulation: 6 statistics' bias + 6 statistics' coverage + overall coverage, per mechanism
SIM_CHECKS = 2 * (6 + 6 + 1)
Z_SIM = stats.norm.ppf(1 - FAMILY_ALPHA / (2 * SIM_CHECKS))


@pytest.mark.slow
@pytest.mark.parametrize("mechanism", ["MCAR", "MAR"])
def test_simulation_pooled_estimates_are_unbiased(simulation, mechanism):
    """Imputation adds no bias: the pooled estimate minus the complete-data estimate of the same data set (before
    its cells were deleted) averages 0 within Z_SIM Monte-Carlo standard errors of that paired difference. Paired,
    because the replications' own sampling error (shared by both estimates) is not the imputation's: against the
    known truth, the MAR X → Y mean was 3.6 MCSE off for the complete data sets themselves (seed 20)."""
    run = simulation[mechanism]
    diff = run["estimate"] - run["complete"]
    mcse = diff.std(axis=0, ddof=1) / math.sqrt(SIM_REPS)
    assert (np.abs(diff.mean(axis=0)) <= Z_SIM * mcse).all(), (diff.mean(axis=0), Z_SIM * mcse)


@pytest.mark.slow
@pytest.mark.parametrize("mechanism", ["MCAR", "MAR"])
def test_simulation_intervals_cover_at_their_level(simulation, mechanism):
    """95% intervals cover the truth at 93–97%, up to Z_SIM Monte-Carlo standard errors of the coverage (overall:
    from the replications' own coverage shares, so the correlation of a replication's intervals counts)."""
    run = simulation[mechanism]
    covered = (run["ci_low"] <= run["truth"]) & (run["truth"] <= run["ci_high"])
    per_rep = covered.mean(axis=1)
    overall, mcse = per_rep.mean(), per_rep.std(ddof=1) / math.sqrt(SIM_REPS)
    assert 0.93 - Z_SIM * mcse <= overall <= 0.97 + Z_SIM * mcse, (overall, mcse)
    each, binomial = covered.mean(axis=0), math.sqrt(0.95 * 0.05 / SIM_REPS)
    assert ((0.93 - Z_SIM * binomial <= each) & (each <= 0.97 + Z_SIM * binomial)).all(), (each, binomial)
