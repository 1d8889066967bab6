"""The charts: from plain csi objects (fits, bootstraps, index tables, IPMA tables, weighting results) to
matplotlib figures. The reports draw the same charts (``csi.report`` passes its localised strings).

Every function returns a :class:`matplotlib.figure.Figure` drawn inside ``rc_context`` (the caller's
rcParams stay as they were), with English default titles and labels that ``title=``, ``labels=`` and the
other keyword options replace. Text is drawn literally: ``$`` and ``<b>`` are characters, not markup.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Collection, Mapping
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from csi.exceptions import DataError, ParameterError
from csi.indices import importance_performance
from csi.plot._style import (
    BESIDE_TICK_LABELS,
    BLUE,
    BOTTOM,
    BOTTOM_TICKS_ONLY,
    EDGE,
    GREY,
    NAME_WIDTH,
    NUMERIC_AXIS,
    ORANGE,
    PALE_BLUE,
    TICK_SIZE,
    TOP,
    label_width,
    place,
    row_height,
    styled,
    wrap,
)
from csi.pls import BootstrapResult, PLSResult
from csi.survey import WeightingResult

Labels = Mapping[Any, str] | Callable[[Any], str] | None

#: Value labels on the dimension bars (pt), and the gap (pt) between a label and the bar's end or a marker.
VALUE_SIZE, VALUE_PAD = 9, 3


def _labeller(labels: Labels) -> Callable[[Any], str]:
    """``labels`` as a function id → display text (the id itself where the mapping has no entry)."""
    if labels is None:
        return str
    if callable(labels):
        return lambda key: str(labels(key))
    if isinstance(labels, Mapping):
        return lambda key: str(labels.get(key, key))
    raise ParameterError(f"labels must be a mapping (id → label) or a function, not {type(labels).__name__}.")


def _need(table: Any, columns: list[str], function: str, what: str = "table") -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise ParameterError(f"{function}: {what} must be a DataFrame, not {type(table).__name__}.")
    absent = [c for c in columns if c not in table.columns]
    if absent:
        raise DataError(f"{function}: {what} lacks column(s) {', '.join(absent)}; it has {', '.join(map(str, table.columns))}.")
    return table


def _value_column(table: pd.DataFrame, function: str) -> str:
    """The column holding the index (``index`` in every csi table of indices: docs/glossary.md)."""
    _need(table, ["index"], function)
    return "index"


def _ids(table: pd.DataFrame, by: str | None, function: str) -> list:
    """What each row is: the ``by`` column, else the first of enterprise_id / construct / industry that names
    each row once, else the frame's index."""
    if by is not None:
        return _need(table, [by], function, "indices")[by].tolist()
    present = [c for c in ("enterprise_id", "construct", "industry") if c in table.columns]
    for column in present:
        if table[column].is_unique:
            return table[column].tolist()
    if present:
        raise DataError(f"{function}: one row per entity, please: no column of {', '.join(present)} names each row "
                        "once (filter the table to one construct, or one enterprise), or name the rows with by=.")
    return table.index.tolist()


def _as_set(values: Any) -> set:
    if values is None:
        return set()
    if isinstance(values, str | bytes) or not isinstance(values, Collection | pd.Series | np.ndarray):
        return {values}
    return set(values)


def _no_interval(table: pd.DataFrame, min_n: float | None) -> np.ndarray:
    """Rows drawn as a point only: fewer than ``min_n`` respondents (the reports' rule 2), or n unknown."""
    if min_n is None:
        return np.zeros(len(table), dtype=bool)
    if "n" not in table.columns:
        raise DataError(f"min_n={min_n} needs a column n (respondents) in the table.")
    return ~(table["n"] >= min_n).to_numpy(dtype=bool)


def _interval(table: pd.DataFrame, value: str, hide: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Error-bar lengths below and above each value; NaN (no bar) where ``hide``."""
    low = (table[value] - table["ci_low"]).to_numpy(dtype=float)
    high = (table["ci_high"] - table[value]).to_numpy(dtype=float)
    return np.where(hide, np.nan, low), np.where(hide, np.nan, high)


# --------------------------------------------------------------------------- one entity's dimensions


def _by_construct(values: Any, function: str, what: str) -> pd.Series:
    """Construct → index from a Series, a mapping or a table (``construct`` and ``index``)."""
    if isinstance(values, pd.DataFrame):
        value = _value_column(values, function)
        _need(values, ["construct"], function, what)
        if values["construct"].duplicated().any():
            raise DataError(f"{function}: {what} has several rows per construct; filter it to one enterprise "
                            "(or industry) first.")
        return values.set_index("construct")[value].astype(float)
    if isinstance(values, pd.Series):
        return values.astype(float)
    if isinstance(values, Mapping):
        return pd.Series(values, dtype=float)
    raise ParameterError(f"{function}: {what} must be a DataFrame (construct, index), a Series or a mapping, "
                         f"not {type(values).__name__}.")


@styled
def dimension_bars(indices: pd.DataFrame | pd.Series | Mapping, benchmark: Any = None, *, labels: Labels = None,
                   title: str = "Index by dimension", xlabel: str = "Index", entity_label: str = "This enterprise",
                   benchmark_label: str = "Benchmark") -> plt.Figure:
    """One entity's index per construct as horizontal bars, the benchmark as diamonds.

    Each number is the entity's and sits inside its own bar, at the bar's end or, where the benchmark's
    diamond falls there, just left of the diamond (right of a bar too short to hold it).

    Parameters
    ----------
    indices : DataFrame ``construct, index`` (one enterprise's rows of :func:`csi.enterprise_indices`), or a
        Series / mapping construct → index. Drawn top to bottom in this order.
    benchmark : the same shapes (e.g. ``StudyAnalysis.benchmarks`` filtered to one industry), or None.
    labels : construct → display label.
    entity_label, benchmark_label : the legend's two entries.
    """
    values = _by_construct(indices, "dimension_bars", "indices")
    constructs = list(values.index)
    bench = (_by_construct(benchmark, "dimension_bars", "benchmark").reindex(constructs)
             if benchmark is not None else None)
    name = _labeller(labels)
    ticks = [name(c) for c in constructs]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(constructs) + 1.2), dpi=110)
    order = list(range(len(constructs)))[::-1]
    bars = ax.barh(order, values.to_numpy(), color=sns.color_palette("Blues", 3)[2], height=0.6, label=entity_label)
    diamonds = None
    if bench is not None:
        diamonds = ax.scatter(bench.to_numpy(), order, marker="D", color=ORANGE, zorder=3, label=benchmark_label)
    ax.set_yticks(order, ticks)
    ax.set_xlim(0, 108)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11)
    bottom = BOTTOM
    if diamonds is not None:
        # the legend goes 0.56 in under the axes, below the axis label: inside, it covered the last row's number
        bottom = BOTTOM + 0.35
        ax.legend([bars, diamonds], [entity_label, benchmark_label], loc="upper center",
                  bbox_to_anchor=(0.5, -0.56 / (fig.get_figheight() - TOP - bottom)), ncol=2, fontsize=8,
                  frameon=False)
    place(fig, left=label_width(ticks, TICK_SIZE) + BESIDE_TICK_LABELS, bottom=bottom)
    per_point = (ax.get_xlim()[1] - ax.get_xlim()[0]) / (ax.get_position().width * fig.get_figwidth() * 72)
    # the diamond's half width in data units: a square of side √s pt turned by 45°, and its edge
    half = 0.0 if diamonds is None else \
        (np.sqrt(diamonds.get_sizes()[0]) / np.sqrt(2) + diamonds.get_linewidths()[0] / 2) * per_point
    marks = bench.to_numpy() if bench is not None else np.full(len(constructs), np.nan)
    for y, value, industry in zip(order, values.to_numpy(), marks):
        if np.isnan(value):  # no index: no bar, no number
            continue
        text = f"{value:.1f}"
        width = label_width([text], VALUE_SIZE, ["bold"]) * 72 * per_point
        pad = VALUE_PAD * per_point
        end = value - pad
        if not np.isnan(industry) and end - width < industry + half + pad and industry - half - pad < end:
            end = industry - half - pad  # the diamond sits on the bar's end: the number goes left of it
        if end - width >= pad:
            ax.text(end, y, text, ha="right", va="center", fontsize=VALUE_SIZE, fontweight="bold", color="white",
                    zorder=4)
        else:  # a bar too short to hold its number: right of its end (and of the diamond there), in the bar's blue
            start = value + pad
            if not np.isnan(industry) and start < industry + half + pad and industry - half - pad < start + width:
                start = industry + half + pad
            ax.text(start, y, text, ha="left", va="center", fontsize=VALUE_SIZE, fontweight="bold", color=BLUE,
                    zorder=4)
    return fig


# --------------------------------------------------------------------------- indices with intervals


@styled
def index_chart(indices: pd.DataFrame, *, by: str | None = None, highlight: Any = None,
                benchmark: float | None = None, min_n: float | None = None, labels: Labels = None,
                title: str = "Index with 95% CI", xlabel: str = "Index",
                benchmark_label: str = "Benchmark") -> plt.Figure:
    """Indices with their confidence intervals, one row per enterprise (or construct, industry …).

    Parameters
    ----------
    indices : DataFrame ``index, ci_low, ci_high`` (and ``n`` for ``min_n``), one row per entity, drawn top to
        bottom in the table's order: e.g. :func:`csi.enterprise_indices` or ``StudyAnalysis.indices`` filtered
        to one construct and sorted (``.sort_values("index", ascending=False)``), or a league table.
    by : the column naming the rows; default the first of ``enterprise_id``, ``construct``, ``industry`` that
        names each row once, else the frame's index.
    highlight : an id (or several) to draw in blue and bold; the others are grey. None: all blue.
    benchmark : a value drawn as a dashed line (with ``benchmark_label`` in a legend below the chart).
    min_n : rows with fewer respondents (column ``n``) show the point only, no interval (the reports' rule).
    labels : id → display label (long labels wrap).
    """
    table = _need(indices, ["ci_low", "ci_high"], "index_chart", "indices")
    value = _value_column(table, "index_chart")
    ids = _ids(table, by, "index_chart")
    chosen = _as_set(highlight)
    own = np.array([i in chosen for i in ids], dtype=bool)
    low, high = _interval(table, value, _no_interval(table, min_n))
    name = _labeller(labels)
    weights = ["bold" if o else "normal" for o in own]
    names = [wrap(name(i), NAME_WIDTH, 8, w) for i, w in zip(ids, weights)]
    fig, ax = plt.subplots(figsize=(7.5, row_height(names, 8, 0.36) * len(table) + 1.6), dpi=110)
    y = np.arange(len(table))[::-1]
    others = GREY if chosen else BLUE
    x = table[value].to_numpy(dtype=float)
    for group, color in ((False, others), (True, BLUE)):  # one artist per colour, not one per row
        rows = own == group
        ax.errorbar(x[rows], y[rows], fmt="none", ecolor=color, xerr=[low[rows], high[rows]], elinewidth=2,
                    capsize=3)
    ax.scatter(x, y, c=[BLUE if o else others for o in own], zorder=3, s=28)
    if benchmark is not None:
        ax.axvline(benchmark, color=ORANGE, linestyle="--", linewidth=1, label=benchmark_label)
    ax.set_yticks(list(y), names, fontsize=8)
    for tick, weight in zip(ax.get_yticklabels(), weights):
        tick.set_fontweight(weight)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11)
    bottom = BOTTOM
    if benchmark is not None:
        bottom = BOTTOM + 0.3  # the legend under the axis label: inside, it covered the lowest row's interval
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.56 / (fig.get_figheight() - TOP - bottom)),
                  fontsize=8, frameon=False)
    place(fig, left=label_width(names, 8, weights) + BESIDE_TICK_LABELS, bottom=bottom)
    return fig


@styled
def trend_chart(indices: pd.DataFrame, *, waves: list | None = None, wave_labels: Labels = None,
                min_n: float | None = None, labels: Labels = None,
                title: str = "Index by dimension and wave (95% CI)", ylabel: str = "Index") -> plt.Figure:
    """Each construct's index in two (or more) waves side by side, with confidence intervals.

    Parameters
    ----------
    indices : DataFrame ``construct, wave, index, ci_low, ci_high`` (and ``n`` for ``min_n``) of one entity: e.g.
        one enterprise's rows of ``StudyAnalysis.previous_indices`` and ``.indices`` with
        ``wave="previous"`` / ``"current"``.
    waves : the waves in drawing order (left to right within a construct); default "previous" then "current"
        when those are the waves, else the order of the table. The last is blue, earlier ones grey.
    wave_labels : wave → legend entry ("Previous wave", "Current wave" by default).
    min_n : rows with fewer respondents show the point only.
    labels : construct → display label.
    """
    table = _need(indices, ["construct", "wave", "ci_low", "ci_high"], "trend_chart", "indices")
    value = _value_column(table, "trend_chart")
    present = list(dict.fromkeys(table["wave"]))
    if waves is None:
        waves = ["previous", "current"] if set(present) == {"previous", "current"} else present
    default = {"previous": "Previous wave", "current": "Current wave"}
    legend = _labeller(wave_labels if wave_labels is not None else (lambda w: default.get(w, w)))
    colors = [BLUE] if len(waves) == 1 else [GREY, BLUE] if len(waves) == 2 else \
        sns.color_palette("Blues", len(waves) + 1)[1:]
    offsets = np.linspace(-0.15, 0.15, len(waves)) if len(waves) > 1 else [0.0]
    constructs = list(dict.fromkeys(table["construct"]))
    name = _labeller(labels)
    fig, ax = plt.subplots(figsize=(7.5, 3.4), dpi=110)
    for offset, wave, color in zip(offsets, waves, colors):
        rows = table[table["wave"] == wave].set_index("construct").reindex(constructs)
        low, high = _interval(rows, value, _no_interval(rows, min_n))
        x = [i + offset for i in range(len(constructs))]
        ax.errorbar(x, rows[value], yerr=[low, high], fmt="o", color=color, capsize=3, label=legend(wave))
    ticks = ["\n".join(textwrap.wrap(name(c), 14)) for c in constructs]  # English names would overlap
    ax.set_xticks(range(len(constructs)), ticks, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.legend(fontsize=8, loc="lower left")
    lines = max((tick.count("\n") + 1 for tick in ticks), default=1)
    place(fig, left=NUMERIC_AXIS, right=0.3, bottom=BOTTOM_TICKS_ONLY + 0.14 * (lines - 1))  # labels may overhang
    return fig


# --------------------------------------------------------------------------- drivers and the model


@styled
def ipma_map(ipma: pd.DataFrame | PLSResult, *, data: pd.DataFrame | None = None, target: str | None = None,
             weights: Any = None, labels: Labels = None, title: str = "Importance–performance map",
             xlabel: str = "Importance", ylabel: str = "Performance") -> plt.Figure:
    """Importance–performance map: one point per construct, split at the mean importance and performance;
    the "concentrate" quadrant (important, underperforming) in orange.

    Parameters
    ----------
    ipma : the table of :func:`csi.importance_performance` (``construct, importance, performance, quadrant``),
        or a :class:`csi.PLSResult`, for which it is computed here from ``data``, ``target`` and ``weights``.
    labels : construct → display label (default: a ``label`` column when the table has one, else the
        construct).
    """
    if isinstance(ipma, PLSResult):
        options = {"weights": weights} if target is None else {"target": target, "weights": weights}
        ipma = importance_performance(ipma, data=data, **options)
    elif data is not None or target is not None or weights is not None:
        raise ParameterError("ipma_map: data, target and weights are for a fit; this is already an IPMA table.")
    table = _need(ipma, ["construct", "importance", "performance", "quadrant"], "ipma_map", "ipma")
    if labels is None and "label" in table.columns:
        labels = dict(zip(table["construct"], table["label"]))
    name = _labeller(labels)
    fig, ax = plt.subplots(figsize=(6.5, 4.2), dpi=110)
    colors = [ORANGE if q == "concentrate" else BLUE for q in table["quadrant"]]
    ax.scatter(table["importance"], table["performance"], c=colors, s=60, zorder=3)
    middle = (table["importance"].min() + table["importance"].max()) / 2
    for construct, importance, performance in zip(table["construct"], table["importance"], table["performance"]):
        right = importance > middle  # labels point inwards, so none leaves the axes
        ax.annotate(name(construct), (importance, performance), textcoords="offset points",
                    xytext=(-6 if right else 6, 4), ha="right" if right else "left", fontsize=9)
    ax.axvline(table["importance"].mean(), color=GREY, linestyle="--", linewidth=1)
    ax.axhline(table["performance"].mean(), color=GREY, linestyle="--", linewidth=1)
    pad_x = (table["importance"].max() - table["importance"].min()) * 0.25 + 0.02
    pad_y = (table["performance"].max() - table["performance"].min()) * 0.25 + 1
    ax.set_xlim(table["importance"].min() - pad_x, table["importance"].max() + pad_x)
    ax.set_ylim(table["performance"].min() - pad_y, table["performance"].max() + pad_y)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    place(fig, left=NUMERIC_AXIS)
    return fig


def _structure(fit: PLSResult | BootstrapResult) -> tuple[list[str], list[tuple[str, str]], pd.DataFrame, dict]:
    """Constructs, paths, the path table (source, target, estimate …) and R² by construct of a fit or bootstrap."""
    if isinstance(fit, PLSResult):
        r2 = fit.r_squared.set_index("construct")["r_squared"].to_dict()
        return list(fit.model.constructs), list(fit.model.paths), fit.paths, r2
    if isinstance(fit, BootstrapResult):
        r2 = fit.r_squared.set_index("construct")["estimate"].to_dict()  # a bootstrap's R² table: estimate, CIs
        paths = list(zip(fit.paths["source"], fit.paths["target"]))
        constructs = list(dict.fromkeys([c for pair in paths for c in pair]))
        return constructs, paths, fit.paths, r2
    raise ParameterError(f"path_diagram: fit must be a PLSResult (csi.estimate) or a BootstrapResult "
                         f"(csi.bootstrap), not {type(fit).__name__}.")


def _layers(constructs: list[str], paths: list[tuple[str, str]]) -> list[list[str]]:
    """Constructs by causal depth (longest path from an exogenous construct)."""
    targets = {target for _, target in paths}
    depth = {c: 0 for c in constructs if c not in targets}
    for _ in constructs:
        for source, target in paths:
            if source in depth:
                depth[target] = max(depth.get(target, 0), depth[source] + 1)
    layers: dict[int, list[str]] = {}
    for construct in constructs:
        layers.setdefault(depth.get(construct, 0), []).append(construct)
    return [layers[k] for k in sorted(layers)]


def _significant(paths: pd.DataFrame, alpha: float) -> pd.Series:
    if "p_value" in paths.columns:
        return paths["p_value"] < alpha
    if {"ci_low", "ci_high"} <= set(paths.columns):
        return (paths["ci_low"] > 0) | (paths["ci_high"] < 0)
    raise DataError("path_diagram: the bootstrap's paths have neither p_value nor ci_low/ci_high.")


@styled
def path_diagram(fit: PLSResult | BootstrapResult, *, bootstrap: BootstrapResult | None = None,
                 labels: Labels = None, title: str = "Estimated model and path coefficients", alpha: float = 0.05,
                 note: str | None = None) -> plt.Figure:
    """The inner model: a box per construct (with R²), an arrow per path with its coefficient.

    Constructs are placed by causal depth from left to right; within a depth they stack, and successive
    depths alternate up and down so that arrows skipping a depth pass beside the boxes. Arrow width
    follows the coefficient's size; negative paths are orange.

    Parameters
    ----------
    fit : a :class:`csi.PLSResult`, or a :class:`csi.BootstrapResult` alone (its estimates are drawn, the
        significance marked).
    bootstrap : the fit's bootstrap: significant paths (p < ``alpha``, else a CI without 0) get a "*",
        the others a dashed arrow, explained by ``note`` under the diagram.
    labels : construct → display label.
    """
    constructs, structure, table, r2 = _structure(fit)
    if bootstrap is None and isinstance(fit, BootstrapResult):
        bootstrap = fit
    significant = None
    if bootstrap is not None:
        if not isinstance(bootstrap, BootstrapResult):
            raise ParameterError(f"path_diagram: bootstrap must be a BootstrapResult, not {type(bootstrap).__name__}.")
        tested = bootstrap.paths.set_index(["source", "target"])
        keys = pd.MultiIndex.from_arrays([table["source"], table["target"]])
        significant = _significant(tested, alpha).reindex(keys).fillna(False).to_numpy(dtype=bool)
        if note is None:
            what = f"p < {alpha:g}" if "p_value" in tested.columns else "CI excludes 0"
            note = f"* significant ({what}, bootstrap); dashed: not significant"
    name = _labeller(labels)
    pos = {}
    for x, layer in enumerate(_layers(constructs, structure)):
        shift = 0.9 if x % 2 else -0.9
        for k, construct in enumerate(layer):
            pos[construct] = (x * 1.9, shift + ((len(layer) - 1) / 2 - k) * 1.4)
    fig, ax = plt.subplots(figsize=(8.5, 4.2), dpi=110)
    arrows = []
    for k, (source, target, estimate) in enumerate(zip(table["source"], table["target"], table["estimate"])):
        (x0, y0), (x1, y1) = pos[source], pos[target]
        rad = 0.12 if abs(x1 - x0) > 2 else 0.0
        style = {"arrowstyle": "-|>", "color": BLUE if estimate >= 0 else ORANGE,
                 "lw": 0.6 + 2.5 * min(abs(estimate), 1), "shrinkA": 24, "shrinkB": 24,
                 "connectionstyle": f"arc3,rad={rad}"}
        text = f"{estimate:.2f}"
        if significant is not None:
            if significant[k]:
                text += "*"
            else:
                style["linestyle"] = "--"
        arrow = ax.annotate("", xy=(x1, y1), xytext=(x0, y0), arrowprops=style).arrow_patch
        arrows.append(((x0, y0), (x1, y1), rad, text, arrow, source, target))
    half = {}  # each box's half width and height in points (text, then the box's padding)
    for construct, (x, y) in pos.items():
        extra = f"\nR² {r2[construct]:.2f}" if construct in r2 and r2[construct] == r2[construct] else ""
        ax.text(x, y, name(construct) + extra, ha="center", va="center", fontsize=8.5, zorder=4,
                bbox={"boxstyle": "round,pad=0.35", "fc": PALE_BLUE, "ec": BLUE})
        box = name(construct) + extra
        half[construct] = (label_width([box], 8.5) * 36 + 0.35 * 8.5, (box.count("\n") + 1) * 8.5 * 0.6 + 0.35 * 8.5)
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axis("off")
    ax.set_title(title, fontsize=11)
    bottom = EDGE
    if significant is not None and note:
        bottom = EDGE + 0.25
        fig.text(EDGE / fig.get_figwidth(), 0.3 * EDGE / fig.get_figheight(), note, fontsize=7.5, color="#4a5568")
    place(fig, left=EDGE, right=0.3, bottom=bottom)  # boxes at the edges may reach past the axes
    # Each label sits on its curve. arc3 bends in display space (control point = midpoint + rad·(dy, −dx)
    # in pixels), so the label is placed there too, after the layout is final: the point of a quadratic
    # Bézier at t = ½ is ¼·start + ½·control + ¼·end.
    to_display, to_data = ax.transData.transform, ax.transData.inverted().transform
    for start, end, rad, text, arrow, source, target in arrows:
        p0, p1 = to_display([start, end])
        control = (p0 + p1) / 2 + rad * np.array([p1[1] - p0[1], p0[0] - p1[0]])
        # Each end stops at its box's edge, in the direction the curve leaves or enters it: a fixed shrink
        # hid the head of a shallow arrow under a wide box.
        arrow.shrinkA = _to_edge(control - p0, half[source]) + 2
        arrow.shrinkB = _to_edge(p1 - control, half[target]) + 3
        x, y = to_data(0.25 * p0 + 0.5 * control + 0.25 * p1)
        ax.text(x, y, text, fontsize=7.5, ha="center", va="center", zorder=3,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none"})
    return fig


def _to_edge(direction: np.ndarray, half: tuple[float, float]) -> float:
    """Points from a box's centre to its edge along ``direction`` (a box ``half`` = half width, half height)."""
    dx, dy = np.abs(direction) / max(np.hypot(*direction), 1e-9)
    return min(half[0] / dx if dx else np.inf, half[1] / dy if dy else np.inf)


# --------------------------------------------------------------------------- a study's enterprises


def _group_names(table: pd.DataFrame, group: str | None, group_labels: Labels, function: str) -> list[str]:
    if group is None:
        return [""] * len(table)
    _need(table, [group], function, "league")
    name = _labeller(group_labels)
    return [name(g) for g in table[group]]


@styled
def league_chart(league: pd.DataFrame, *, labels: Labels = None, group: str | None = "industry",
                 group_labels: Labels = None, min_n: float | None = None,
                 title: str = "Enterprise indices with 95% CI", xlabel: str = "Index") -> plt.Figure:
    """Every enterprise's index with its interval, best at the top, coloured by ``group``.

    Parameters
    ----------
    league : DataFrame ``enterprise_id, index, ci_low, ci_high`` and the ``group`` column (and ``n`` for
        ``min_n``): :func:`csi.league_table` or ``StudyAnalysis.league``.
    labels : enterprise id → name (long names wrap). group_labels : group → legend entry.
    group : the column that colours the points (None: one colour, no legend).
    min_n : enterprises with fewer respondents show the point only.
    """
    _need(league, ["enterprise_id", "ci_low", "ci_high"], "league_chart", "league")
    value = _value_column(league, "league_chart")
    table = league.sort_values(value)
    groups = _group_names(table, group, group_labels, "league_chart")
    low, high = _interval(table, value, _no_interval(table, min_n))
    name = _labeller(labels)
    ticks = [wrap(name(e), NAME_WIDTH, 7.5) for e in table["enterprise_id"]]
    fig, ax = plt.subplots(figsize=(7.5, row_height(ticks, 7.5, 0.3) * len(table) + 1.3), dpi=110)
    names = list(dict.fromkeys(groups))
    palette = dict(zip(names, sns.color_palette("deep", len(names))))
    y = np.arange(len(table))
    x = table[value].to_numpy(dtype=float)
    for label in names:
        rows = np.array([g == label for g in groups], dtype=bool)
        ax.errorbar(x[rows], y[rows], xerr=[low[rows], high[rows]], fmt="o", color=palette[label], capsize=2,
                    label=label, markersize=4)
    ax.set_yticks(list(y), ticks, fontsize=7.5)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11)
    if group is not None:
        ax.legend(fontsize=8, loc="lower right")
    place(fig, left=label_width(ticks, 7.5) + BESIDE_TICK_LABELS)
    return fig


@styled
def distribution_chart(league: pd.DataFrame, *, group: str = "industry", group_labels: Labels = None,
                       title: str = "Enterprise indices by industry", xlabel: str = "Index") -> plt.Figure:
    """Enterprise indices per group (industry): a box per group with the enterprises as points.

    ``league``: one row per enterprise with ``index`` and the ``group`` column (``StudyAnalysis.league``,
    or ``StudyAnalysis.indices`` of one construct with an industry column).
    """
    value = _value_column(league, "distribution_chart")
    groups = _group_names(league, group, group_labels, "distribution_chart")
    names = list(dict.fromkeys(groups))
    values = league[value].to_numpy(dtype=float)
    members = [values[[g == label for g in groups]] for label in names]
    fig, ax = plt.subplots(figsize=(7, 0.8 * len(names) + 1.2), dpi=110)
    ax.boxplot(members, orientation="horizontal", widths=0.5, showfliers=False, patch_artist=True,
               boxprops={"facecolor": PALE_BLUE, "edgecolor": BLUE}, medianprops={"color": ORANGE})
    for k, points in enumerate(members, start=1):
        ax.scatter(points, [k] * len(points), color=BLUE, s=22, zorder=3, alpha=0.8)
    ax.set_yticks(range(1, len(names) + 1), names)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=11)
    place(fig, left=label_width(names, TICK_SIZE) + BESIDE_TICK_LABELS)
    return fig


# --------------------------------------------------------------------------- weighting diagnostics


def _weighting(weighting: Any, function: str) -> WeightingResult:
    if not isinstance(weighting, WeightingResult):
        raise ParameterError(f"{function}: weighting must be a WeightingResult (csi.rake, csi.poststratify, "
                             f"csi.calibrate, csi.trim), not {type(weighting).__name__}.")
    return weighting


@styled
def weight_distribution(weighting: WeightingResult, *, bins: int = 30, title: str = "Distribution of the weights",
                        xlabel: str = "Weight", ylabel: str = "Respondents", note: str | None = None) -> plt.Figure:
    """Histogram of the weights, with the mean weight dashed and Kish's design effect and effective n
    in a note (``note=`` replaces it)."""
    result = _weighting(weighting, "weight_distribution")
    w = result.weights.to_numpy(dtype=float)
    if note is None:
        note = (f"n = {len(w):,} · Kish deff {result.design_effect:.2f} · effective n {result.effective_n:,.0f}\n"
                f"{result.method}" + (f", {result.n_trimmed:,} trimmed" if result.n_trimmed else "")
                + f" · weights {np.nanmin(w):.2f}–{np.nanmax(w):.2f}")
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=110)
    ax.hist(w[~np.isnan(w)], bins=bins, color=BLUE, edgecolor="white", linewidth=0.5)
    ax.axvline(np.nanmean(w), color=ORANGE, linestyle="--", linewidth=1)
    ax.text(0.98, 0.96, note, transform=ax.transAxes, ha="right", va="top", fontsize=8,
            bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": GREY})
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    place(fig, left=NUMERIC_AXIS)
    return fig


def _before(result: WeightingResult, data: pd.DataFrame) -> list[float]:
    """Each margin's share before weighting: under the base (design) weights, equal when there are none."""
    if not isinstance(data, pd.DataFrame):
        raise ParameterError(f"weighting_margins: data must be the DataFrame that was weighted, not {type(data).__name__}.")
    missing = result.weights.index.difference(data.index)
    if len(missing):
        raise DataError(f"weighting_margins: data lacks {len(missing)} of the weighted rows (index "
                        f"{', '.join(map(str, missing[:5]))}…); pass the DataFrame that was weighted.")
    rows = data.loc[result.weights.index]
    base = (result.base_weights.reindex(rows.index).to_numpy(dtype=float) if result.base_weights is not None
            else np.ones(len(rows)))
    shares, keys = [], {}
    for variable, level in zip(result.margins["variable"], result.margins["level"]):
        if variable not in keys:
            columns = str(variable).split(":")
            _need(rows, columns, "weighting_margins", "data")
            keys[variable] = rows[columns].astype(str).agg(":".join, axis=1).to_numpy()
        shares.append(float(base[keys[variable] == str(level)].sum() / base.sum()))
    return shares


@styled
def weighting_margins(weighting: WeightingResult, *, data: pd.DataFrame | None = None, labels: Labels = None,
                      level_labels: Labels = None, title: str = "Weighting margins: sample, weighted and target",
                      series_labels: tuple[str, str, str] = ("Sample (before weighting)", "Weighted", "Target")
                      ) -> plt.Figure:
    """For each margin variable, each level's share: in the sample before weighting (needs ``data``, the
    DataFrame that was weighted; under its base weights when there are any), after weighting, and the target —
    grouped horizontal bars, one panel per variable.

    ``labels``: variable → label; ``level_labels``: ``(variable, level)`` → label. Without ``data`` the
    panels show the weighted shares and the targets only.
    """
    result = _weighting(weighting, "weighting_margins")
    margins = _need(result.margins, ["variable", "level", "target", "achieved"], "weighting_margins", "margins")
    margins = margins.assign(sample=_before(result, data) if data is not None else np.nan)
    series = ([("sample", GREY, series_labels[0])] if data is not None else []) + \
        [("achieved", BLUE, series_labels[1]), ("target", ORANGE, series_labels[2])]
    variable_name = _labeller(labels)
    level_name = _labeller(level_labels if level_labels is not None else (lambda key: key[1]))
    variables = list(dict.fromkeys(margins["variable"]))
    panels = [margins[margins["variable"] == v] for v in variables]
    ticks = [level_name((v, level)) for v, level in zip(margins["variable"], margins["level"])]
    bar, gap, header = 0.17, 0.14, 0.36  # inches: one bar, between levels, above a panel (its title)
    heights = [len(p) * (bar * len(series) + gap) for p in panels]
    top, bottom = TOP + 0.35, 0.55  # the legend under the title; the shares' axis labels
    height = top + sum(heights) + header * (len(panels) - 1) + bottom
    fig = plt.figure(figsize=(7.5, height), dpi=110)
    left = label_width(ticks, 9) + BESIDE_TICK_LABELS
    width = 7.5 - left - EDGE - 0.1
    highest = float(np.nanmax(margins[[s for s, _, _ in series]].to_numpy(dtype=float))) if len(margins) else 1.0
    y_top = height - top
    for k, (variable, panel, panel_height) in enumerate(zip(variables, panels, heights)):
        ax = fig.add_axes((left / 7.5, (y_top - panel_height) / height, width / 7.5, panel_height / height))
        y_top -= panel_height + header
        rows = np.arange(len(panel))[::-1]
        for j, (column, color, label) in enumerate(series):
            offset = (j - (len(series) - 1) / 2) * bar / (bar * len(series) + gap)
            ax.barh(rows - offset, panel[column].to_numpy(dtype=float) * 100, height=bar / (bar * len(series) + gap),
                    color=color, label=label)
        ax.set_yticks(rows, [level_name((variable, level)) for level in panel["level"]], fontsize=9)
        ax.set_ylim(-0.5, len(panel) - 0.5)
        ax.set_xlim(0, highest * 100 * 1.1)
        ax.tick_params(axis="x", labelsize=8, labelbottom=k == len(panels) - 1)  # one share axis, under the last
        ax.grid(axis="y", visible=False)
        whole = callable(labels) or (isinstance(labels, Mapping) and variable in labels)
        ax.set_title(variable_name(variable) if whole else " × ".join(variable_name(v) for v in str(variable).split(":")),
                     fontsize=9.5, loc="left")
        ax.xaxis.set_major_formatter(lambda value, _: f"{value:.0f}%")
    if panels:
        handles, names = fig.axes[0].get_legend_handles_labels()
        fig.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, 1 - (TOP + 0.02) / height), ncol=len(series),
                   fontsize=8, frameon=False)
    fig.suptitle(title, fontsize=11, y=1 - 0.12 / height, va="top")
    return fig
