"""Survey weights and design-based estimates.

Weighting (poststratification, raking, calibration, trimming) works on the cross-tabulated
cells of the weighting variables — a few dozen cells, however many respondents — and maps the
cell factors back to respondents, so a million rows take a fraction of a second.

Design-based estimates (``svy_mean``, ``svy_proportion``) are in :mod:`csi.survey._design`.

Conventions (see docs/methods/weighting.md):

* Margins given as **shares** are scaled to the total of the base weights (the number of
  respondents when there are none); margins given as **counts** are population totals and the
  weights then sum to the population size. R survey's ``rake``/``postStratify``/``calibrate``
  with population totals ``share × sum(base weights)`` give the same weights.
* ``design_effect`` of a :class:`WeightingResult` is Kish's weighting design effect
  ``n Σw² / (Σw)²``, not the ratio of variances of any estimate.

Checked against R survey 4.1.1 on R 4.2.2 (``rake``, ``postStratify``, ``calibrate``, ``svymean``; ``trimWeights``);
the scripts and their output are in ``tests/reference/weighting.R``, ``tests/reference/trim.R`` and their CSVs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from csi._api import check_flag, check_int, check_number, check_option, parameter_error, public
from csi._data import case_weights, check_weights
from csi._display import Card, Display, Summary, listing
from csi._validation import rows_text, suggest
from csi.exceptions import ConvergenceError, DataError
from csi.io import read_csv_text

__all__ = [
    "WeightingResult", "calibrate", "effective_n", "kish_deff", "poststratify", "rake", "read_margins", "trim",
]

_SHARE_TOL = 1e-6  # shares of one variable must sum to 1 within this
CALIBRATION_METHODS = ("linear", "raking", "logit")  # calibrate(method=): R survey calfun linear, raking, logit


@dataclass(frozen=True, repr=False)
class WeightingResult(Display):
    """Weights and how well they reproduce their targets.

    Attributes
    ----------
    weights : pandas.Series
        One weight per respondent, aligned to the input ``data.index``.
    margins : pandas.DataFrame
        ``variable, level, target, achieved``: target and achieved shares of the total weight
        (for poststratification ``variable`` is ``"region:age_band"`` and ``level`` ``"urban:18-29"``).
    design_effect : float
        Kish's weighting design effect ``n Σw² / (Σw)²`` (Kish 1965).
    effective_n : float
        ``(Σw)² / Σw²``.
    iterations : int
        Raking cycles or Newton steps used (0 for closed-form poststratification).
    method : str
        ``"rake"``, ``"poststratify"``, ``"calibrate-linear"``, ``"calibrate-raking"``,
        ``"calibrate-logit"``, or one of these with ``"+trim"``.
    factors : tuple of tuple of str
        The calibration factors: each a tuple of columns whose interaction was calibrated.
        :func:`svy_mean` uses them to take calibration residuals.
    n_trimmed : int
        Respondents whose weight was at a trimming bound after :func:`trim`.
    base_weights : pandas.Series or None
        The starting (design) weights d; :func:`svy_mean` regresses on the calibration dummies
        with weights d, as the GREG variance does.
    calibrated_weights : pandas.Series or None
        After :func:`trim` without re-raking: the calibrated weights before trimming, with which
        :func:`svy_mean` takes the calibration residuals (as R survey does on ``trimWeights()`` of a
        calibrated design). None when the weights are calibrated as they stand.
    """

    weights: pd.Series
    margins: pd.DataFrame
    design_effect: float
    effective_n: float
    iterations: int
    method: str
    factors: tuple[tuple[str, ...], ...] = ()
    n_trimmed: int = 0
    base_weights: pd.Series | None = None
    calibrated_weights: pd.Series | None = None

    def _card(self) -> Card:
        w = self.weights
        spread = f"{w.min():.3g} to {w.max():.3g}, mean {w.mean():.3g}" if len(w) else "none"
        if len(w) and w.min() > 0:
            spread += f" (max/min {w.max() / w.min():.3g})"
        facts = [("weights", spread)]
        if self.factors:
            facts.append(("calibrated to", listing(" × ".join(f) for f in self.factors)))
        if len(self.margins):
            gap = (self.margins["achieved"] - self.margins["target"]).abs()
            worst = self.margins.loc[gap.idxmax()]
            facts.append(("margins", (f"{len(self.margins)} targets, largest |achieved − target| {gap.max():.2g} "
                                     f"({worst['variable']} = {worst['level']})")))
        facts.append(("iterations", f"converged in {self.iterations}" if self.iterations else "closed form"))
        if "trim" in self.method:
            facts.append(("trimmed", f"{self.n_trimmed:,} weights at a bound"))
        return Card("WeightingResult", f"{self.method}: n = {len(w):,}, Kish deff {self.design_effect:.3f}, "
                    f"effective n {self.effective_n:,.0f}", facts, [("margins", self.margins)],
                    (".weights", ".margins", ".summary()"))

    def summary(self) -> Summary:
        """The margins (target and achieved shares) and the distribution of the weights."""
        quantiles = self.weights.quantile([0, 0.05, 0.25, 0.5, 0.75, 0.95, 1]).to_numpy() if len(self.weights) else []
        spread = pd.DataFrame({"statistic": ["min", "p5", "p25", "median", "p75", "p95", "max"][: len(quantiles)],
                               "weight": quantiles})
        return self._card().summary({"margins": self.margins, "weights": spread})


@dataclass(frozen=True)
class _Factor:
    """One calibration factor: columns, declared levels (tuples), target totals."""

    columns: tuple[str, ...]
    levels: tuple[tuple[Any, ...], ...]
    targets: np.ndarray  # totals, scaled to the base-weight total when given as shares

    @property
    def name(self) -> str:
        return ":".join(self.columns)


# ----------------------------------------------------------------------------- Kish

@public(subjects=1)
def kish_deff(weights: Any) -> float:
    """Kish's weighting design effect ``n Σw² / (Σw)² = 1 + CV²(w)``.

    CV uses the population (1/n) variance of the weights. This is the weighting design effect
    (Kish 1965, *Survey Sampling*, §11.7), not a ratio of variances of an estimate.

    Parameters
    ----------
    weights : array-like
        Non-negative weights, not all zero.
    """
    w = _weight_array(weights, "kish_deff")
    return float(w.size * np.dot(w, w) / w.sum() ** 2)


@public(subjects=1)
def effective_n(weights: Any) -> float:
    """Kish's effective sample size ``(Σw)² / Σw² = n / deff`` (Kish 1965)."""
    w = _weight_array(weights, "effective_n")
    return float(w.sum() ** 2 / np.dot(w, w))


def _weight_array(weights: Any, where: str) -> np.ndarray:
    """Weights (a WeightingResult or values) checked by :func:`csi._data.check_weights`, not all zero."""
    w = check_weights(weights.weights if isinstance(weights, WeightingResult) else weights, name=f"{where}: weights",
                      of="the weights")
    if w.sum() <= 0:
        raise DataError(f"{where}: all weights are zero.")
    return w


# ----------------------------------------------------------------------------- inputs

def read_margins(path: str | Path) -> pd.DataFrame:
    """Read a margins CSV (``variable, level, share`` or ``count``) for :func:`rake`.

    UTF-8 (with or without BOM) or GBK. The rows are labelled by their file line (index ``line``) and
    ``attrs["source"]`` names the file, so every :func:`rake` error names the file and the lines.
    """
    path = Path(path)
    table = read_csv_text(path, DataError, "a header row variable, level, share (or count)")
    table.index = pd.RangeIndex(2, len(table) + 2, name="line")
    table.attrs["source"] = str(path)
    return table


def _where(name: str, data: Any, margins: Any) -> str:
    """Error prefix: the function, and the margins' file when ``margins.attrs["source"]`` names one."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{name}: data must be a pandas DataFrame (one row per respondent), "
                        f"got {type(data).__name__}.")
    if data.empty:
        raise DataError(f"{name}: data has no rows; there are no respondents to weight.")
    source = margins.attrs.get("source") if isinstance(margins, pd.DataFrame) else None
    return f"{name} ({source})" if source else name


def _base_weights(data: pd.DataFrame, base_weights: Any, where: str) -> np.ndarray:
    """Base weights as a float array aligned to ``data`` (ones when None); all must be > 0 (checked by
    :func:`csi._data.case_weights`: a column name, a Series aligned to ``data`` or values)."""
    if base_weights is None:
        return np.ones(len(data))
    if isinstance(base_weights, WeightingResult):
        base_weights = base_weights.weights
    return case_weights(data, base_weights, name=f"{where}: base weights", positive=True)


def _margin_table(margins: Any, where: str) -> pd.DataFrame:
    """Margins as a DataFrame ``variable, level, share|count``."""
    if isinstance(margins, Mapping):
        bad = [v for v, levels in margins.items() if not isinstance(levels, Mapping)]
        if bad:
            raise DataError(f"{where}: margins[{bad[0]!r}] must be a dict {{level: share}}, "
                            f"got {type(margins[bad[0]]).__name__}.")
        rows = [(v, lv, s) for v, levels in margins.items() for lv, s in dict(levels).items()]
        return pd.DataFrame(rows, columns=["variable", "level", "share"])
    if not isinstance(margins, pd.DataFrame):
        raise DataError(f"{where}: margins must be a DataFrame (variable, level, share|count) or "
                        f"a dict {{variable: {{level: share}}}}, got {type(margins).__name__}.")
    missing = {"variable", "level"} - set(margins.columns)
    if missing:
        raise DataError(f"{where}: margins lack column(s) {sorted(missing)}; expected variable, level, share|count.")
    if margins.empty:
        raise DataError(f"{where}: margins have no rows; give at least one variable with its levels.")
    blank = margins[["variable", "level"]].isna().any(axis=1).to_numpy()
    if blank.any():
        raise DataError(f"{where}: margins have no variable or level in {rows_text(list(margins.index[blank]))}; "
                        "fill them in or remove those rows.")
    return margins


def _value_column(table: pd.DataFrame, where: str) -> str:
    kinds = [c for c in ("share", "count") if c in table.columns]
    if len(kinds) != 1:
        raise DataError(f"{where}: give exactly one of the columns 'share' (proportions summing to 1 "
                        f"per variable) or 'count' (population totals); found {kinds or 'neither'}.")
    raw = table[kinds[0]]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    text = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
    if text.size:
        raise DataError(f"{where}: {kinds[0]} {raw.iloc[text[0]]!r} is not a number (margin "
                        f"{rows_text(list(table.index[text]))}); give shares as decimals, e.g. 0.25, not 25%.")
    bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
    if bad.size:
        raise DataError(f"{where}: {kinds[0]} must be a positive number; bad in margin rows "
                        f"{rows_text(list(table.index[bad]))}. Remove levels with no population.")
    return kinds[0]


def _scale_targets(values: np.ndarray, kind: str, name: str, total: float, where: str) -> np.ndarray:
    if kind == "share":
        if abs(values.sum() - 1) > _SHARE_TOL:
            raise DataError(f"{where}: shares of {name!r} sum to {values.sum():.8g}, not 1; "
                            "fix the margins (or give population counts in a 'count' column).")
        return values / values.sum() * total
    return values.astype(float)


def _rake_factors(data: pd.DataFrame, margins: Any, total: float, where: str) -> list[_Factor]:
    table = _margin_table(margins, where)
    kind = _value_column(table, where)
    factors = []
    for variable, part in table.groupby("variable", sort=False):
        dup = part["level"][part["level"].duplicated()].tolist()
        if dup:
            raise DataError(f"{where}: margins list level(s) {dup} of {variable!r} more than once.")
        values = pd.to_numeric(part[kind]).to_numpy(float)
        targets = _scale_targets(values, kind, str(variable), total, where)
        factors.append(_Factor((str(variable),), tuple((lv,) for lv in part["level"]), targets))
    if kind == "count":
        _check_same_total(factors, where)
    return factors


def _check_same_total(factors: Sequence[_Factor], where: str) -> None:
    sums = {f.name: float(f.targets.sum()) for f in factors}
    first = next(iter(sums.values()))
    if any(abs(s - first) > 1e-9 * first for s in sums.values()):
        raise DataError(f"{where}: population counts must have the same total for every variable; "
                        f"got {sums}. Make them consistent (or give shares).")


def _column_codes(data: pd.DataFrame, column: str, levels: Sequence[Any], where: str) -> np.ndarray:
    """Integer codes of ``data[column]`` against ``levels``; errors for NaN and undeclared values."""
    if column not in data.columns:
        raise DataError(f"{where}: weighting variable {column!r} is not a column of the data"
                        f"{suggest(column, data.columns)}.")
    series = data[column]
    if series.isna().any():
        rows = list(series.index[series.isna().to_numpy()])
        raise DataError(f"{where}: weighting variable {column!r} is missing in {rows_text(rows)}. "
                        "Give those respondents a level (e.g. 'unknown') with its own margin, or drop them.")
    levels = _coerce_levels(series, levels)
    codes = _level_codes(series, levels)
    if (codes < 0).any():
        unknown = series[codes < 0].value_counts()
        listed = ", ".join(f"{lv!r} ({n} row{'s' if n != 1 else ''})" for lv, n in unknown.items())
        raise DataError(f"{where}: {column!r} has level(s) not in the margins: {listed}. "
                        "Add them to the margins or recode them to a listed level.")
    return codes


def _level_codes(series: pd.Series, levels: list[Any]) -> np.ndarray:
    """Position of each value in ``levels`` (-1 if absent), in one hashing pass."""
    if isinstance(series.dtype, pd.StringDtype) and series.dtype.storage == "pyarrow":
        # Arrow strings: look values up in the few levels directly (faster than factorize + map)
        found = pc.index_in(pa.array(series), value_set=pa.array(levels, type=pa.string()))
        return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    raw, uniques = pd.factorize(series)
    return pd.Index(levels).get_indexer(uniques).astype(np.int64)[raw]


def _coerce_levels(series: pd.Series, levels: Sequence[Any]) -> list[Any]:
    """Levels in the type of the data column (margins read from CSV are strings)."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        converted = pd.to_numeric(pd.Series(list(levels)), errors="coerce")
        if converted.notna().all():
            return converted.astype(series.dtype).tolist()
    if pd.api.types.is_string_dtype(series) or series.dtype == object:
        return [str(lv) for lv in levels]
    return list(levels)


# ----------------------------------------------------------------------------- cells

@dataclass(frozen=True)
class _Cells:
    """Respondents grouped into the cross-classification of all factors."""

    row_cell: np.ndarray           # cell index of each respondent
    weight: np.ndarray             # base-weight total per cell
    count: np.ndarray              # respondents per cell
    level: tuple[np.ndarray, ...]  # per factor: level code of each cell


def _build_cells(data: pd.DataFrame, factors: Sequence[_Factor], d: np.ndarray, where: str) -> _Cells:
    codes = [_factor_codes(data, f, where) for f in factors]
    sizes = [len(f.levels) for f in factors]
    combined = np.zeros(len(data), dtype=np.int64)
    for code, size in zip(codes, sizes):
        combined = combined * size + code
    if np.prod(sizes, dtype=float) <= 4e6:
        present = np.bincount(combined, minlength=int(np.prod(sizes))) > 0
        keys = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        row_cell = lookup[combined]
    else:
        keys, row_cell = np.unique(combined, return_inverse=True)
    level, rest = [], keys.copy()
    for size in reversed(sizes):
        level.append(rest % size)
        rest //= size
    cells = _Cells(row_cell, np.bincount(row_cell, weights=d, minlength=keys.size),
                   np.bincount(row_cell, minlength=keys.size), tuple(reversed(level)))
    _check_empty_levels(cells, factors, where)
    return cells


def _factor_codes(data: pd.DataFrame, factor: _Factor, where: str) -> np.ndarray:
    if len(factor.columns) == 1:
        return _column_codes(data, factor.columns[0], [lv[0] for lv in factor.levels], where)
    per_col = [_column_codes(data, c, list(dict.fromkeys(lv[j] for lv in factor.levels)), where)
               for j, c in enumerate(factor.columns)]
    key = pd.MultiIndex.from_arrays([pd.Categorical.from_codes(c, _distinct(factor, j))
                                     for j, c in enumerate(per_col)])
    codes = pd.MultiIndex.from_tuples(factor.levels).get_indexer(key)
    if (codes < 0).any():
        rows = list(data.index[codes < 0])
        combos = pd.Series(list(key[codes < 0])).value_counts()
        listed = ", ".join(f"{':'.join(map(str, k))} ({n})" for k, n in combos.items())
        raise DataError(f"{where}: cell(s) of {factor.name} not in the cells table: {listed}; "
                        f"{rows_text(rows)}. Add the cells or collapse levels.")
    return codes.astype(np.int64)


def _distinct(factor: _Factor, j: int) -> list[Any]:
    return list(dict.fromkeys(lv[j] for lv in factor.levels))


def _check_empty_levels(cells: _Cells, factors: Sequence[_Factor], where: str) -> None:
    for f, level in zip(factors, cells.level):
        n = np.bincount(level, weights=cells.count, minlength=len(f.levels))
        for j in np.flatnonzero(n == 0):
            share = f.targets[j] / f.targets.sum()
            raise DataError(f"{where}: margin {f.name}={':'.join(map(str, f.levels[j]))!r} has no "
                            f"respondents (target share {share:.4g}). It is not merged silently: "
                            "collapse it with a neighbouring level in both data and margins, or remove it.")


def _achieved_table(factors: Sequence[_Factor], cells: _Cells, cell_w: np.ndarray) -> pd.DataFrame:
    rows = []
    total = cell_w.sum()
    for f, level in zip(factors, cells.level):
        got = np.bincount(level, weights=cell_w, minlength=len(f.levels))
        for j, lv in enumerate(f.levels):
            rows.append((f.name, ":".join(map(str, lv)), f.targets[j] / f.targets.sum(), got[j] / total))
    return pd.DataFrame(rows, columns=["variable", "level", "target", "achieved"])


def _result(data, d, cells, cell_w, factors, iterations, method, n_trimmed=0) -> WeightingResult:
    ratio = cell_w / cells.weight
    w = pd.Series(d * ratio[cells.row_cell], index=data.index, name="weight")
    return WeightingResult(w, _achieved_table(factors, cells, cell_w), kish_deff(w), effective_n(w),
                           iterations, method, tuple(f.columns for f in factors), n_trimmed,
                           pd.Series(d, index=data.index, name="base_weight"))


# ----------------------------------------------------------------------------- raking

@public(subjects=2)
def rake(data: pd.DataFrame, margins: Any, *, base_weights: Any = None, tol: float = 1e-10,
         max_iter: int = 100) -> WeightingResult:
    """Rake (iterative proportional fitting) weights to marginal distributions.

    Cycles ``w ← w · T_{m,c} / Σ_{i∈c} w_i`` over the margins m and their levels c (Deming &
    Stephan 1940; Lumley 2010, *Complex Surveys*, §7.3) on the cross-tabulated cells, then maps the
    cell factors back to respondents. Stops when every margin is within relative error ``tol``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per respondent; must contain every raking variable, without missing values.
    margins : pandas.DataFrame or dict
        ``variable, level, share`` (shares of each variable sum to 1; scaled to the total of the
        base weights) or ``variable, level, count`` (population totals), or
        ``{variable: {level: share}}``.
    base_weights : array-like, pandas.Series, str or None
        Starting (design) weights, > 0; a column name of ``data``; None for ones.
    tol : float
        Convergence: max over margins of ``|achieved − target| / target``.
    max_iter : int
        Maximum raking cycles.

    Returns
    -------
    WeightingResult

    Raises
    ------
    DataError
        A raking variable is missing or has NaN (rows named), a data level has no margin (level
        and row count named), a margin level has no respondents (variable and level named), or
        shares do not sum to 1.
    ConvergenceError
        Not converged within ``max_iter`` cycles (count and last relative error given).

    Notes
    -----
    Checked against R survey ``rake()`` with population totals ``share × Σ base weights``:
    weights agree to 1e-8 on the demo data (tests/reference/weighting.R).
    """
    check_number("rake", "tol", tol, above=0)
    check_int("rake", "max_iter", max_iter, 1, what="raking cycles")
    where = _where("rake", data, margins)
    d = _base_weights(data, base_weights, where)
    factors = _rake_factors(data, margins, float(d.sum()), where)
    cells = _build_cells(data, factors, d, where)
    cell_w, iterations = _rake_cells(cells, factors, cells.weight, tol, max_iter, where)
    return _result(data, d, cells, cell_w, factors, iterations, "rake")


def _rake_cells(cells: _Cells, factors: Sequence[_Factor], start: np.ndarray, tol: float,
                max_iter: int, where: str) -> tuple[np.ndarray, int]:
    w = start.astype(float).copy()
    change = np.inf
    for iteration in range(1, max_iter + 1):
        for f, level in zip(factors, cells.level):
            w *= (f.targets / np.bincount(level, weights=w, minlength=len(f.levels)))[level]
        change = _margin_error(cells, factors, w)
        if change < tol:
            return w, iteration
    raise ConvergenceError(f"{where}: raking did not converge in {max_iter} cycles; last max relative "
                           f"margin error {change:.3g} (tol {tol:g}). Check that the margins are "
                           "consistent and attainable, collapse sparse levels, or raise max_iter.")


def _margin_error(cells: _Cells, factors: Sequence[_Factor], w: np.ndarray) -> float:
    return max(float(np.max(np.abs(np.bincount(lv, weights=w, minlength=len(f.levels)) / f.targets - 1)))
               for f, lv in zip(factors, cells.level))


# ----------------------------------------------------------------------------- poststratification

@public(subjects=2)
def poststratify(data: pd.DataFrame, cells: pd.DataFrame, *, base_weights: Any = None) -> WeightingResult:
    """Poststratify: ``w_i = d_i · T_c / Σ_{j∈c} d_j`` within each cell c.

    Lumley 2010, *Complex Surveys*, §7.2; checked against R survey ``postStratify()`` (weights to
    1e-10, SE of the mean to 1e-6, tests/reference/weighting.R).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents, containing the stratum variables without missing values.
    cells : pandas.DataFrame
        One row per cell: the stratum variables and ``share`` (summing to 1; scaled to the base
        weight total) or ``count`` (population totals).
    base_weights : array-like, pandas.Series, str or None
        Starting weights (> 0); None for ones.

    Raises
    ------
    DataError
        A cell of the table has no respondents (cell named); a respondent's cell is not in the
        table (cells and rows named); NaN in a stratum variable (rows named).
    """
    where = "poststratify"
    d = _base_weights(data, base_weights, where)
    if not isinstance(cells, pd.DataFrame):
        raise DataError(f"{where}: cells must be a DataFrame of stratum columns plus share or count.")
    kind = _value_column(cells, where)
    columns = tuple(str(c) for c in cells.columns if c not in ("share", "count"))
    levels = tuple(tuple(row) for row in cells[list(columns)].itertuples(index=False))
    if len(set(levels)) != len(levels):
        raise DataError(f"{where}: the cells table lists some cells more than once.")
    targets = _scale_targets(cells[kind].to_numpy(float), kind, ":".join(columns), float(d.sum()), where)
    factor = _Factor(columns, levels, targets)
    grouped = _build_cells(data, [factor], d, where)
    cell_w = grouped.weight * (targets / np.bincount(grouped.level[0], weights=grouped.weight,
                                                     minlength=len(levels)))[grouped.level[0]]
    return _result(data, d, grouped, cell_w, [factor], 0, "poststratify")


# ----------------------------------------------------------------------------- calibration

@public(subjects=2)
def calibrate(data: pd.DataFrame, totals: Any, *, base_weights: Any = None, method: str = "linear",
              bounds: tuple[float, float] | None = None, tol: float = 1e-10,
              max_iter: int = 100) -> WeightingResult:
    """Calibrate weights to categorical margins: ``w_i = d_i F(x_iᵀλ)`` with ``Σ w_i x_i = T``.

    Deville & Särndal (1992): linear ``F(u) = 1 + u`` (GREG), raking ``F(u) = eᵘ``, logit (bounded,
    needs ``bounds``). ``bounds=(L, U)`` bound ``g = w/d`` (the ratio to the base weight, not the
    final weight). For ``"linear"`` and ``"raking"`` the bounds are imposed by **truncation**,
    ``g = min(max(F(u), L), U)``, solved by Newton steps with zero derivative at the bounds — the
    same method as R survey ``calibrate(..., calfun="linear"|"raking", bounds=c(L, U))``.
    ``"logit"`` is Deville–Särndal's smooth bounded function (R survey ``calfun="logit"``).

    Parameters
    ----------
    data : pandas.DataFrame
        Respondents.
    totals : pandas.DataFrame or dict
        Categorical margins, as for :func:`rake` (shares scaled to the base-weight total, or counts).
    base_weights : array-like, pandas.Series, str or None
        Design weights d (> 0); None for ones.
    method : {"linear", "raking", "logit"}
    bounds : (float, float), optional
        ``L < 1 < U`` on g.
    tol, max_iter
        Newton convergence: max relative error of the calibrated totals, and step limit.

    Raises
    ------
    ParameterError
        Bad ``method``, ``bounds``, ``tol`` or ``max_iter``.
    DataError
        As :func:`rake`.
    ConvergenceError
        The calibration equations were not solved (e.g. bounds too tight).

    Notes
    -----
    Checked against R survey ``calibrate()`` (linear, raking, each with and without bounds) on the
    demo data: weights to 1e-8 (tests/reference/weighting.R).
    """
    where = f"calibrate(method={method!r})"
    check_number("calibrate", "tol", tol, above=0)
    check_int("calibrate", "max_iter", max_iter, 1, what="Newton steps")
    calfun = _calfun(method, bounds, where)
    d = _base_weights(data, base_weights, where)
    factors = _rake_factors(data, totals, float(d.sum()), where)
    cells = _build_cells(data, factors, d, where)
    x, t = _calibration_matrix(cells, factors)
    g, iterations = _solve_calibration(x, t, cells.weight, calfun, tol, max_iter, where)
    return _result(data, d, cells, cells.weight * g, factors, iterations, f"calibrate-{method}")


def _calfun(method: str, bounds: tuple[float, float] | None, where: str):
    """``F(u) -> (g, dg/du)`` for the method, truncated to bounds for linear/raking."""
    check_option("calibrate", "method", method, CALIBRATION_METHODS)
    if bounds is not None:
        try:
            lo, hi = (float(b) for b in bounds)
        except (TypeError, ValueError):
            lo, hi = math.nan, math.nan
        if not (0 <= lo < 1 < hi):
            raise parameter_error("calibrate", "bounds", bounds, "give (L, U) with 0 <= L < 1 < U, e.g. (0.5, 2)")
    if method == "logit":
        if bounds is None:
            raise parameter_error("calibrate", "bounds", bounds, "the logit method needs bounds=(L, U), e.g. (0.5, 2)")
        a = (hi - lo) / ((1 - lo) * (hi - 1))

        def logit(u):
            e = np.exp(np.clip(a * u, -700, 700))
            den = (hi - 1) + (1 - lo) * e
            return (lo * (hi - 1) + hi * (1 - lo) * e) / den, (hi - lo) * (1 - lo) * (hi - 1) * a * e / den**2
        return logit
    base = {"linear": lambda u: (1 + u, np.ones_like(u)),
            "raking": lambda u: (np.exp(u), np.exp(u))}[method]
    if bounds is None:
        return base

    def truncated(u):
        g, dg = base(u)
        inside = (g > lo) & (g < hi)
        return np.clip(g, lo, hi), np.where(inside, dg, 0.0)
    return truncated


def _calibration_matrix(cells: _Cells, factors: Sequence[_Factor]) -> tuple[np.ndarray, np.ndarray]:
    """Full-rank cell design (intercept + treatment dummies) and its population totals."""
    cols, totals = [np.ones(cells.weight.size)], [float(factors[0].targets.sum())]
    for f, level in zip(factors, cells.level):
        for j in range(1, len(f.levels)):
            cols.append((level == j).astype(float))
            totals.append(float(f.targets[j]))
    return np.column_stack(cols), np.asarray(totals)


def _solve_calibration(x, t, d, calfun, tol, max_iter, where) -> tuple[np.ndarray, int]:
    lam = np.zeros(x.shape[1])
    err = np.inf
    for iteration in range(max_iter + 1):
        g, dg = calfun(x @ lam)
        gap = t - x.T @ (d * g)
        err = float(np.max(np.abs(gap) / np.abs(t)))
        if err < tol:
            return g, iteration
        if iteration == max_iter:
            break
        jac = (x * (d * dg)[:, None]).T @ x
        lam = lam + np.linalg.lstsq(jac, gap, rcond=None)[0]
    raise ConvergenceError(f"{where}: calibration did not converge in {max_iter} Newton steps; last max "
                           f"relative error of the totals {err:.3g} (tol {tol:g}). The bounds may be too "
                           "tight for the margins: widen them, collapse sparse levels, or raise max_iter.")


# ----------------------------------------------------------------------------- trimming

@public(subjects=1)
def trim(weights: WeightingResult | Any, *, upper: float, lower: float | None = None,
         data: pd.DataFrame | None = None, margins: Any = None, relative: bool = False, strict: bool = True,
         tol: float = 1e-10, max_iter: int = 1000) -> WeightingResult:
    """Trim weights to ``[lower, upper]``: R survey's rule, or capping and re-raking to margins.

    **Without margins** (no ``data``, or weights with no margins) this is R survey
    ``trimWeights(design, upper, lower, strict=TRUE)`` (Lumley 2010, §7.4): each pass sets the weights
    outside the bounds to the bound and adds the trimmed amount, in **equal shares**, to every weight that
    was not outside (``w_i += Σ trimmings / #inside``), so the total is kept; with ``strict=True`` passes
    repeat until no weight is outside the bounds (``strict=False``: one pass, R's default). The weights
    are then no longer calibrated: a :class:`WeightingResult` input keeps its calibration variables and
    its calibrated weights (``calibrated_weights``), and :func:`csi.svy_mean` takes the calibration
    residuals as R's ``svymean`` does on ``trimWeights()`` of a raked/calibrated design.

    **With margins** (``data`` given, and ``margins=`` or the margins of a :class:`WeightingResult`)
    each pass caps the weights at the bounds and rakes the capped weights back to the margins; passes
    repeat until no weight exceeds a bound by more than ``tol`` (relative) and every margin is within
    ``tol`` (Kish 1965, §11.7). The result is calibrated to the margins again.

    Parameters
    ----------
    weights : WeightingResult or array-like/Series
        Weights to trim. A :class:`WeightingResult` from :func:`rake` (or poststratify/calibrate)
        keeps its margins when ``data`` is given.
    upper, lower : float
        Bounds on the weights; with ``relative=True`` they are multiples of the mean weight.
    data : pandas.DataFrame, optional
        The respondents, needed to re-rake to margins.
    margins : optional
        Margins as for :func:`rake`; default: the margins of ``weights`` (a WeightingResult).
    strict : bool
        Without margins: repeat R's pass until no weight is outside the bounds (R ``strict=TRUE``).
    tol, max_iter
        Re-raking tolerance, and the limit on passes.

    Raises
    ------
    DataError
        The bounds exclude the mean weight (no trimmed weights keep the total), or every weight is outside
        them.
    ConvergenceError
        The bounds and the margins cannot be met together, or the passes did not settle in ``max_iter``.

    Notes
    -----
    Checked against R survey 4.1.1 ``trimWeights(strict=TRUE)`` and ``svymean`` on the trimmed designs
    (plain and raked): weights to 1e-10, SE of a mean to 1e-6 (tests/reference/trim.R).
    """
    check_number("trim", "upper", upper, above=0)
    check_number("trim", "lower", lower, at_least=0, allow_none=True)
    check_flag("trim", "relative", relative)
    check_flag("trim", "strict", strict)
    check_number("trim", "tol", tol, above=0)
    check_int("trim", "max_iter", max_iter, 1, what="passes")
    w0 = _trim_input(weights, data)
    mean = float(w0.mean())
    hi = upper * mean if relative else float(upper)
    lo = (0.0 if lower is None else lower * mean if relative else float(lower))
    if not lo <= mean <= hi:
        raise DataError(f"trim: bounds [{lo:g}, {hi:g}] exclude the mean weight {mean:g}; "
                        "no trimmed weights can keep the total.")
    margins = _trim_margins(weights, data, margins)
    if margins is None:
        w, passes = _trim_equal_shares(w0.to_numpy(float), lo, hi, strict, max_iter)
        return _trim_shares_result(w0.index, w, weights, passes, lo, hi)
    factors = _rake_factors(data, margins, float(w0.sum()), "trim")
    cells = _build_cells(data, factors, np.ones(len(data)), "trim")
    w = w0.to_numpy(float).copy()
    for iteration in range(1, max_iter + 1):
        w = np.clip(w, lo, hi)
        w = w * _rerake_ratio(cells, factors, w, tol, max_iter)
        if w.max() <= hi * (1 + tol) and w.min() >= lo * (1 - tol):
            return _trim_result(data, w, cells, factors, weights, iteration, lo, hi)
    raise ConvergenceError(f"trim: weights bounded to [{lo:g}, {hi:g}] could not also meet the margins in "
                           f"{max_iter} passes (largest weight {w.max():.6g}). Loosen the bounds.")


def _trim_input(weights: Any, data: pd.DataFrame | None) -> pd.Series:
    """The weights to trim as a Series: aligned to ``data`` when given (one per row, a Series by its index)."""
    w = weights.weights if isinstance(weights, WeightingResult) else weights
    index = data.index if data is not None else w.index if isinstance(w, pd.Series) else None
    values = check_weights(w, None if data is None else len(data), name="trim: weights", index=index)
    if values.sum() <= 0:
        raise DataError("trim: all weights are zero.")
    return pd.Series(values, index=index)


def _trim_margins(weights, data, margins) -> Any:
    """The margins to re-rake to, or None for R's equal-shares rule (no data, or no margins known)."""
    if data is None:
        return None
    if margins is None and isinstance(weights, WeightingResult) and weights.factors:
        if weights.method.startswith("poststratify"):
            raise DataError("trim: re-raking poststratified weights needs the cells; pass margins=.")
        margins = weights.margins.rename(columns={"target": "share"})[["variable", "level", "share"]]
    return margins


def _trim_equal_shares(w: np.ndarray, lo: float, hi: float, strict: bool, max_iter: int) -> tuple[np.ndarray, int]:
    """R survey ``trimWeights``: cap, and add the trimmed total in equal shares to the weights not outside."""
    for passes in range(max_iter + 1):
        outside = (w < lo) | (w > hi)
        if not outside.any() or (passes == 1 and not strict):
            return w, passes
        if passes == max_iter:
            break
        if outside.all():
            raise DataError(f"trim: every weight is outside [{lo:g}, {hi:g}]; none is left to take the trimmed "
                            "amount. Widen the bounds.")
        capped = np.clip(w, lo, hi)
        capped[~outside] += math.fsum(w - capped) / int((~outside).sum())
        w = capped
    raise ConvergenceError(f"trim: weights still outside [{lo:g}, {hi:g}] after {max_iter} passes "
                           f"(largest {w.max():.17g}); raise max_iter or widen the bounds.")


def _at_bound(w: np.ndarray, lo: float, hi: float) -> int:
    return int(np.sum((w >= hi * (1 - 1e-9)) | ((lo > 0) & (w <= lo * (1 + 1e-9)))))


def _trim_shares_result(index, w, weights, passes, lo, hi) -> WeightingResult:
    series = pd.Series(w, index=index, name="weight")
    if isinstance(weights, WeightingResult):
        margins = weights.margins.assign(achieved=np.nan)  # not re-computed without data; trimming moved them
        calibrated = weights.calibrated_weights if weights.calibrated_weights is not None else weights.weights
        return WeightingResult(series, margins, kish_deff(w), effective_n(w), passes, weights.method + "+trim",
                               weights.factors, _at_bound(w, lo, hi), weights.base_weights,
                               calibrated if weights.factors else None)
    margins = pd.DataFrame(columns=["variable", "level", "target", "achieved"])
    return WeightingResult(series, margins, kish_deff(w), effective_n(w), passes, "weights+trim", (),
                           _at_bound(w, lo, hi))


def _rerake_ratio(cells, factors, w, tol, max_iter) -> np.ndarray:
    cell_w = np.bincount(cells.row_cell, weights=w, minlength=cells.weight.size)
    raked, _ = _rake_cells(cells, factors, cell_w, tol, max_iter, "trim (re-rake)")
    return (raked / cell_w)[cells.row_cell]


def _trim_result(frame, w, cells, factors, weights, iterations, lo, hi) -> WeightingResult:
    cell_w = np.bincount(cells.row_cell, weights=w, minlength=cells.weight.size)
    series = pd.Series(w, index=frame.index, name="weight")
    method = (weights.method if isinstance(weights, WeightingResult) else "weights") + "+trim"
    base = weights.base_weights if isinstance(weights, WeightingResult) else None
    return WeightingResult(series, _achieved_table(factors, cells, cell_w), kish_deff(w), effective_n(w),
                           iterations, method, tuple(f.columns for f in factors), _at_bound(w, lo, hi), base)
