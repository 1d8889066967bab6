"""Helpers of :mod:`csi.bootstrap`: resample counts, jackknife weights, the statistic vector."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from csi._data import scale_bounds
from csi._stats import index_values, index_weights
from csi.exceptions import DataError
from csi.pls import _batch
from csi.pls._engine import layout
from csi.pls._estimate import PLSResult


# ---------------------------------------------------------------- resampling designs
def design_codes(values: Any, n: int, what: str, used: np.ndarray | None = None) -> np.ndarray | None:
    """Strata / cluster labels, one per row, as integer codes (None when not given).

    ``used`` marks the input rows a fit kept (listwise deletion): labels given per input row are
    then cut down to the rows used.
    """
    if values is None:
        return None
    arr = values.to_numpy() if isinstance(values, pd.Series) else np.asarray(values)
    if used is not None and arr.ndim == 1 and len(arr) == len(used) != n:
        arr = arr[used]
    if arr.ndim != 1 or len(arr) != n:
        if used is not None and arr.ndim == 1:
            raise DataError(f"{what} has {len(arr)} labels; give one per used row ({n}) or per input row ({len(used)})")
        raise DataError(f"{what}: give one label per row ({n}), got shape {arr.shape}")
    if pd.isna(arr).any():
        raise DataError(f"{what}: {int(pd.isna(arr).sum())} row(s) without a label; every row needs one")
    return pd.factorize(arr, sort=True)[0]


def design_vector(values: Any, fit: PLSResult, what: str) -> np.ndarray | None:
    """Strata / cluster labels of the fit's used rows, as integer codes."""
    used = None if fit.data is None else ~fit.data.isna().any(axis=1).to_numpy()
    return design_codes(values, fit.n, what, used)


def draw_counts(rng: np.random.Generator, n: int, b: int, strata, cluster, block: int = 500) -> np.ndarray:
    """B × n resample counts: multinomial within each stratum, over clusters when given.

    Drawn stratum by stratum in sorted label order, all before any estimation.
    """
    strata = np.zeros(n, int) if strata is None else strata
    units = np.arange(n) if cluster is None else cluster
    counts = np.zeros((b, n), dtype=np.uint16)  # compact: B × n can be large
    for h in range(strata.max() + 1):
        rows = np.flatnonzero(strata == h)
        members = np.unique(units[rows])
        if cluster is not None and len(np.unique(strata[np.isin(units, members)])) > 1:
            raise DataError("a cluster spans several strata; clusters must be nested in strata")
        m = len(members)  # m draws with replacement from m units = Multinomial(m, 1/m) counts
        col = np.searchsorted(members, units[rows])
        for start in range(0, b, block):  # blocks of one stream: same numbers as one big draw
            k = min(block, b - start)
            picks = rng.integers(0, m, size=(k, m)) + (np.arange(k) * m)[:, None]
            draws = np.bincount(picks.ravel(), minlength=k * m).reshape(k, m)
            counts[start : start + k, rows] = np.minimum(draws, 65535)[:, col]
    return counts


def jackknife_groups(n: int, cluster, max_groups: int = 1000) -> np.ndarray:
    """Jackknife unit of each row: the row, or its cluster; above ``max_groups`` units, units are
    pooled into ``max_groups`` delete-a-group sets (unit code mod max_groups), which keeps the BCa
    acceleration affordable for large samples (a grouped jackknife; Efron & Tibshirani 1993, §11.5)."""
    units = np.arange(n) if cluster is None else np.asarray(cluster)
    n_units = int(units.max()) + 1
    return units % max_groups if n_units > max_groups else units


def jackknife_weights(base: np.ndarray, groups: np.ndarray, start: int = 0, stop: int | None = None) -> np.ndarray:
    """Delete-one-group case weights for groups ``start``..``stop`` (one row per deleted group)."""
    ids = np.arange(start, int(groups.max()) + 1 if stop is None else stop)
    return np.where(groups[None, :] == ids[:, None], 0.0, base[None, :])


# ---------------------------------------------------------------- statistic vector
@dataclass(frozen=True, eq=False)
class Stats:
    """Which statistics a bootstrap keeps, and how to turn replicates back into tables."""

    fit: PLSResult
    pairs: list  # path (source index, target index)
    effects: list  # effect (source index, target index)
    endo: list
    lo: np.ndarray | None
    hi: np.ndarray | None
    labels: list
    index_cols: tuple[int, ...] = ()  # constructs (positions) whose index is bootstrapped
    index_note: str = ""  # why some or every construct has no index ("" when all have one)

    def values(self, batch: _batch.Batch, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
        lay = layout(self.fit.model)
        s, t = (np.array(v, int) for v in zip(*self.pairs, strict=True))
        es = np.array([e[0] for e in self.effects], int)
        et = np.array([e[1] for e in self.effects], int)
        total = _batch.total_effects(np.nan_to_num(batch.path))[:, es, et]
        direct = batch.path[:, es, et]
        parts = [batch.path[:, s, t], batch.weights, batch.loadings, batch.r_squared[:, self.endo], total, total - direct]
        if self.lo is not None:
            parts.append(_index(batch.weights, mean, sd, self.lo, self.hi, lay)[:, list(self.index_cols)])
        out = np.concatenate(parts, axis=1)
        out[batch.code != _batch.OK] = np.nan
        return out

    def tables(self, table: pd.DataFrame):
        """Split the summary (one row per statistic) into the result tables."""
        model = self.fit.model
        cons, items = model.constructs, model.items
        k = len(self.pairs)
        p, e, f = len(items), len(self.endo), len(self.effects)
        cuts = np.cumsum([0, k, p, p, e, f, f, len(table)])
        chunks = [table.iloc[a:b] for a, b in itertools.pairwise(cuts)]
        paths = _keyed(chunks[0], source=[cons[i] for i, _ in self.pairs], target=[cons[j] for _, j in self.pairs])
        owner = [model.construct_of(i) for i in items]
        outer = pd.concat(
            [_keyed(chunks[1], construct=owner, item=list(items), statistic=["weight"] * p),
             _keyed(chunks[2], construct=owner, item=list(items), statistic=["loading"] * p)],
            ignore_index=True,
        )
        r2 = _keyed(chunks[3], construct=[cons[j] for j in self.endo])
        src, tgt = [cons[a] for a, _ in self.effects], [cons[b] for _, b in self.effects]
        effects = pd.concat(
            [_keyed(chunks[4], source=src, target=tgt, effect=["total"] * f),
             _keyed(chunks[5], source=src, target=tgt, effect=["indirect"] * f)],
            ignore_index=True,
        )
        index = None
        if self.lo is not None:
            index = _keyed(chunks[6], construct=[cons[j] for j in self.index_cols]).drop(
                columns=["t_value", "p_value"]).rename(columns={"estimate": "index"})
        return paths, outer, r2, effects, index


def _keyed(chunk: pd.DataFrame, **keys) -> pd.DataFrame:
    return pd.concat([pd.DataFrame(keys), chunk.reset_index(drop=True)], axis=1)


def _index(w, mean, sd, lo, hi, lay) -> np.ndarray:
    """0–100 index per construct and resample (Fornell 1992), by the one index formula of :mod:`csi._stats`
    applied to the B resamples' weights, means and SDs at once."""
    owner = lay.mask.argmax(axis=1)
    return index_values(index_weights(w, sd, owner), mean, lo, hi, owner)


def stat_spec(fit: PLSResult, scale) -> Stats:
    """The statistic vector of a fit: paths, weights, loadings, R², total and indirect effects, index."""
    model = fit.model
    pos = {c: j for j, c in enumerate(model.constructs)}
    pairs = [(pos[s], pos[t]) for s, t in model.paths]
    eff = fit.effects()
    effects = [(pos[s], pos[t]) for s, t in zip(eff["source"], eff["target"], strict=True)]
    endo = [pos[c] for c in model.endogenous]
    lo, hi, index_cols, note = _index_bounds(fit, scale)
    labels = [f"path:{s}->{t}" for s, t in model.paths]
    labels += [f"weight:{i}" for i in model.items] + [f"loading:{i}" for i in model.items]
    labels += [f"r_squared:{c}" for c in model.endogenous]
    labels += [f"total:{s}->{t}" for s, t in zip(eff["source"], eff["target"], strict=True)]
    labels += [f"indirect:{s}->{t}" for s, t in zip(eff["source"], eff["target"], strict=True)]
    labels += [f"index:{model.constructs[j]}" for j in index_cols]
    return Stats(fit, pairs, effects, endo, lo, hi, labels, index_cols, note)


def _index_bounds(fit: PLSResult, scale) -> tuple:
    """Item bounds, the constructs whose index can be bootstrapped, and a note naming those that cannot.

    The index needs each item's declared scale (never the observed range): ``scale=`` for every item, else
    ``fit.scales`` (``data.attrs["scales"]`` from :func:`csi.read_responses`). A construct is left out when one
    of its items has no declared scale; the note says which and how to give them.
    """
    model = fit.model
    if scale is not None or all(i in fit.scales for i in model.items):
        lo, hi = scale_bounds(fit.scales, model.items, scale)
        return lo, hi, tuple(range(len(model.constructs))), ""
    absent = [i for i in model.items if i not in fit.scales]
    known = tuple(j for j, c in enumerate(model.constructs) if not set(model.blocks[c]) & set(absent))
    hint = ("pass scale=(min, max) to bootstrap, or read the data with csi.read_responses and a questionnaire "
            "that declares the scales (data.attrs['scales'])")
    if not known:
        what = "no item has a declared scale" if len(absent) == len(model.items) else \
            f"item(s) {', '.join(absent)} have no declared scale"
        return None, None, (), f"no index: {what}; {hint}"
    stand_in = {**{i: (0.0, 1.0) for i in absent}, **fit.scales}  # never used: their constructs are left out
    lo, hi = scale_bounds(stand_in, model.items)
    left = [c for j, c in enumerate(model.constructs) if j not in known]
    return lo, hi, known, (f"no index for {', '.join(left)}: item(s) {', '.join(absent)} have no declared scale; "
                           f"{hint}")
