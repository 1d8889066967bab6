"""csi.plot: every chart from plain csi objects (the demo study's fit, bootstrap, indices, IPMA, league and
weighting), the artists each draws, text drawn literally, the caller's rcParams untouched, and the stage
loaded only on first use."""

from __future__ import annotations

import dataclasses
import io
import subprocess
import sys

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import LineCollection, PathCollection
from matplotlib.text import Annotation

import csi
import csi.plot
from csi.exceptions import DataError, ParameterError

HOSTILE = "A$x$ <b>y</b> & 100%"
POOL = "industry:water"


@pytest.fixture(autouse=True)
def user_style():
    """A user's own non-default style, set before every chart (and put back after the test)."""
    with mpl.rc_context():
        plt.style.use("ggplot")
        plt.close(plt.figure())  # the backend is resolved on the first figure
        yield
        plt.close("all")


@pytest.fixture(scope="module")
def demo(demo_analysis):
    a = demo_analysis
    target = a.study.model.target
    return dataclasses.make_dataclass("Demo", ["analysis", "fit", "boot", "target", "own", "weighting"])(
        a, a.fits[POOL], a.boots[POOL], target, a.data[a.data["enterprise_id"] == "W01"], a.weighting["W01"])


def draw(chart, *args, **kwargs) -> plt.Figure:
    """Draw a chart, checking it returns a Figure and leaves the caller's rcParams as they were."""
    before = dict(plt.rcParams)
    fig = chart(*args, **kwargs)
    assert isinstance(fig, mpl.figure.Figure)
    assert dict(plt.rcParams) == before, {k for k in before if plt.rcParams[k] != before[k]}
    return fig


def svg(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    with plt.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg")
    plt.close(fig)
    return buffer.getvalue()


def texts(fig: plt.Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(mpl.text.Text)]


def interval_segments(ax) -> list[int]:
    """Points of each error-bar segment drawn (0 for a row without an interval)."""
    return [len(s) for c in ax.collections if isinstance(c, LineCollection) for s in c.get_segments()]


# --------------------------------------------------------------------------- the model


def test_path_diagram_draws_one_arrow_per_path_with_its_coefficient(demo):
    fit = demo.fit
    fig = draw(csi.plot.path_diagram, fit)
    ax = fig.axes[0]
    arrows = [a for a in ax.texts if isinstance(a, Annotation) and a.arrow_patch is not None]
    assert len(arrows) == len(fit.paths)
    labels = [t.get_text() for t in ax.texts if not isinstance(t, Annotation)]
    assert sorted(t for t in labels if "\n" not in t and t not in fit.model.constructs) == \
        sorted(f"{e:.2f}" for e in fit.paths["estimate"])
    r2 = fit.r_squared.set_index("construct")["r_squared"]
    assert f"Satisfaction\nR² {r2['Satisfaction']:.2f}" in labels and "Image" in labels  # exogenous: no R²
    assert ax.get_title() == "Estimated model and path coefficients"
    plt.close(fig)


def test_path_diagram_marks_significance_from_the_bootstrap(demo):
    p = demo.boot.paths["p_value"].to_numpy().copy()
    p[3] = 0.3  # one path not significant
    boot = dataclasses.replace(demo.boot, paths=demo.boot.paths.assign(p_value=p))
    fig = draw(csi.plot.path_diagram, demo.fit, bootstrap=boot, labels={"Satisfaction": "满意度"}, title="Model")
    ax = fig.axes[0]
    arrows = [a for a in ax.texts if isinstance(a, Annotation)]
    dashed = [a.arrow_patch.get_linestyle() != "solid" for a in arrows]
    assert dashed == [k == 3 for k in range(len(arrows))]
    estimates = demo.fit.paths["estimate"]
    shown = texts(fig)
    assert f"{estimates[3]:.2f}" in shown and f"{estimates[0]:.2f}*" in shown
    assert any(t.startswith("满意度\nR²") for t in shown) and "Model" in shown
    assert any(t.startswith("* significant (p < 0.05") for t in shown)
    plt.close(fig)
    alone = draw(csi.plot.path_diagram, demo.boot)  # a bootstrap alone: its estimates, every path starred
    assert sum(t.endswith("*") for t in texts(alone)) == len(demo.boot.paths)
    plt.close(alone)


# --------------------------------------------------------------------------- IPMA


def test_ipma_map_draws_one_point_per_row_from_a_table_or_a_fit(demo):
    a = demo.analysis
    table = csi.importance_performance(demo.fit, data=demo.own, target=demo.target, weights=a.weight_column)
    fig = draw(csi.plot.ipma_map, table, labels={"Quality": "Service quality"})
    ax = fig.axes[0]
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert np.allclose(points.get_offsets(), table[["importance", "performance"]].to_numpy())
    names = [t.get_text() for t in ax.texts]
    assert len(names) == len(table) and "Service quality" in names and "Value" in names
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Importance", "Performance")
    plt.close(fig)
    from_fit = draw(csi.plot.ipma_map, demo.fit, data=demo.own, target=demo.target, weights=a.weight_column)
    assert np.allclose(from_fit.axes[0].collections[0].get_offsets(), points.get_offsets())
    plt.close(from_fit)


# --------------------------------------------------------------------------- indices


def test_index_chart_draws_intervals_only_from_min_n(demo):
    a = demo.analysis
    table = a.indices[a.indices["construct"] == demo.target].sort_values("index", ascending=False)
    min_n = float(table["n"].median())
    fig = draw(csi.plot.index_chart, table, highlight="W01", benchmark=70.0, min_n=min_n,
               labels={"W01": HOSTILE}, title="Satisfaction")
    ax = fig.axes[0]
    segments = interval_segments(ax)  # grey rows first, then the highlighted one
    order = np.r_[np.flatnonzero(table["enterprise_id"] != "W01"), np.flatnonzero(table["enterprise_id"] == "W01")]
    assert segments == [2 if n >= min_n else 0 for n in table["n"].to_numpy()[order]]
    assert 0 < segments.count(2) < len(table)
    assert len(ax.collections[-1].get_offsets()) == len(table)  # every row's point
    ticks = {t.get_text(): t.get_fontweight() for t in ax.get_yticklabels()}
    assert ticks[HOSTILE] == "bold" and ticks["B03"] == "normal"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Benchmark"]
    assert HOSTILE.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in svg(fig)


def test_index_chart_names_rows_by_construct_and_refuses_a_mixed_table(demo):
    a = demo.analysis
    own = a.indices[a.indices["enterprise_id"] == "W01"]
    fig = draw(csi.plot.index_chart, own)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(own["construct"])
    assert interval_segments(ax) == [2] * len(own) and ax.get_legend() is None
    plt.close(fig)
    with pytest.raises(DataError, match="one row per entity"):
        csi.plot.index_chart(a.indices)
    with pytest.raises(DataError, match="ci_low"):
        csi.plot.index_chart(own.drop(columns="ci_low"))
    with pytest.raises(DataError, match="needs a column n"):
        csi.plot.index_chart(own.drop(columns="n"), min_n=30)


def test_dimension_bars_one_bar_and_number_per_construct_benchmark_as_diamonds(demo):
    a = demo.analysis
    own = a.indices[a.indices["enterprise_id"] == "W01"]
    bench = a.benchmarks[a.benchmarks["industry"] == "water"]
    fig = draw(csi.plot.dimension_bars, own, bench, labels={"Loyalty": HOSTILE})
    ax = fig.axes[0]
    assert [round(b.get_width(), 6) for b in ax.patches] == [round(v, 6) for v in own["index"]]
    diamonds = ax.collections[0].get_offsets()
    assert np.allclose(diamonds[:, 0], bench.set_index("construct")["index"].reindex(own["construct"]))
    assert [t.get_text() for t in ax.texts] == [f"{v:.1f}" for v in own["index"]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["This enterprise", "Benchmark"]
    assert HOSTILE in [t.get_text() for t in ax.get_yticklabels()]
    plt.close(fig)
    alone = draw(csi.plot.dimension_bars, own.set_index("construct")["index"])  # a Series, no benchmark
    assert alone.axes[0].get_legend() is None and len(alone.axes[0].patches) == len(own)
    plt.close(alone)


def test_trend_chart_draws_each_wave_side_by_side(demo):
    a = demo.analysis
    rows = pd.concat([a.indices.assign(wave="current"), a.previous_indices.assign(wave="previous")])
    rows = rows[rows["enterprise_id"] == "W01"]
    fig = draw(csi.plot.trend_chart, rows, wave_labels={"current": "2026", "previous": "2025"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["2025", "2026"]  # previous first
    assert len(ax.containers) == 2
    x = [c.lines[0].get_xdata() for c in ax.containers]
    assert np.allclose(np.asarray(x[1]) - np.asarray(x[0]), 0.3)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(dict.fromkeys(rows["construct"]))
    plt.close(fig)


def test_league_and_distribution_charts(demo):
    a = demo.analysis
    league = a.league
    fig = draw(csi.plot.league_chart, league, min_n=50, group_labels={"water": "Water"})
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        [{"water": "Water"}.get(i, i) for i in dict.fromkeys(league.sort_values("index")["industry"])]
    assert sum(len(c.lines[0].get_xdata()) for c in ax.containers) == len(league)
    assert sum(interval_segments(ax)) // 2 == int((league["n"] >= 50).sum())
    assert [t.get_text() for t in ax.get_yticklabels()][-1] == league.sort_values("index")["enterprise_id"].iloc[-1]
    plt.close(fig)
    fig = draw(csi.plot.distribution_chart, league)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(dict.fromkeys(league["industry"]))
    assert sum(len(c.get_offsets()) for c in ax.collections) == len(league)
    plt.close(fig)


# --------------------------------------------------------------------------- weighting


def test_weight_distribution_with_kish_deff_and_effective_n(demo):
    w = demo.weighting
    fig = draw(csi.plot.weight_distribution, w, bins=20)
    ax = fig.axes[0]
    assert len(ax.patches) == 20 and sum(p.get_height() for p in ax.patches) == len(w.weights)
    (note,) = ax.texts
    assert f"Kish deff {w.design_effect:.2f}" in note.get_text()
    assert f"effective n {w.effective_n:,.0f}" in note.get_text()
    plt.close(fig)


def test_weighting_margins_sample_weighted_and_target_per_variable(demo):
    w, own = demo.weighting, demo.own
    fig = draw(csi.plot.weighting_margins, w, data=demo.analysis.data, labels={"region": "Region"})
    variables = list(dict.fromkeys(w.margins["variable"]))
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["Region", *variables[1:]]
    region = w.margins[w.margins["variable"] == "region"]
    bars = fig.axes[0].containers  # sample, weighted, target
    assert len(bars) == 3 and all(len(b) == len(region) for b in bars)
    sample = own.loc[w.weights.index, "region"].value_counts(normalize=True).reindex(region["level"])
    assert np.allclose([b.get_width() for b in bars[0]], 100 * sample.to_numpy())
    assert np.allclose([b.get_width() for b in bars[1]], 100 * region["achieved"])
    assert np.allclose([b.get_width() for b in bars[2]], 100 * region["target"])
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["Sample (before weighting)", "Weighted", "Target"]
    plt.close(fig)
    without = draw(csi.plot.weighting_margins, w)  # no data: weighted and target only
    assert all(len(ax.containers) == 2 for ax in without.axes)
    plt.close(without)
    with pytest.raises(DataError, match="lacks"):
        csi.plot.weighting_margins(w, data=own.iloc[:10])


# --------------------------------------------------------------------------- text, style, errors, the stage


def test_labels_and_titles_are_drawn_literally(demo):
    labels = {c: HOSTILE for c in demo.fit.model.constructs}
    fig = draw(csi.plot.path_diagram, demo.fit, labels=labels, title="$T$ <i>t</i>")
    page = svg(fig)
    assert "$T$ &lt;i&gt;t&lt;/i&gt;" in page
    assert page.count("A$x$ &lt;b&gt;y&lt;/b&gt; &amp; 100%") == len(labels)


def test_bad_inputs_are_named(demo):
    with pytest.raises(ParameterError, match="PLSResult"):
        csi.plot.path_diagram(demo.fit.paths)
    with pytest.raises(ParameterError, match="WeightingResult"):
        csi.plot.weight_distribution(demo.weighting.weights)
    with pytest.raises(ParameterError, match="for a fit"):
        csi.plot.ipma_map(demo.analysis.ipma, target="Satisfaction")
    with pytest.raises(ParameterError, match="labels"):
        csi.plot.league_chart(demo.analysis.league, labels=["a"])


def test_the_stage_loads_on_first_use_and_stays_out_of_csi_all():
    assert "plot" not in csi.__all__ and "plot" in dir(csi)
    namespace: dict = {}
    exec("from csi.plot import *", namespace)  # noqa: S102 - a fixed import statement
    assert sorted(csi.plot.__all__) == sorted(set(csi.plot.__all__))
    assert [n for n in csi.plot.__all__ if n not in namespace] == []
    code = ("import sys, csi; assert 'matplotlib' not in sys.modules; p = csi.plot; "
            "assert 'matplotlib' in sys.modules and p is sys.modules['csi.plot']; print(p.path_diagram.__name__)")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    assert done.stdout.strip() == "path_diagram"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        csi.nope  # noqa: B018


def test_the_plots_page_runs_as_written(demo_analysis, monkeypatch):
    """docs/plots.md: every example draws (on the session's demo analysis, not a second one)."""
    import re
    from pathlib import Path

    page = (Path(__file__).resolve().parents[1] / "docs" / "plots.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```python\n(.*?)```", page, flags=re.DOTALL))
    monkeypatch.setattr(csi, "analyse_study", lambda study: demo_analysis)
    namespace: dict = {}
    handed_over = []
    close = plt.close
    monkeypatch.setattr(plt, "close", lambda fig=None: (handed_over.append(fig), close(fig)))
    exec(compile(code, "docs/plots.md", "exec"), namespace)  # noqa: S102 - the page is ours
    assert code.count("fig = csi.plot.") == 11  # the page's examples
    assert len(handed_over) == 11 and all(isinstance(fig, plt.Figure) for fig in handed_over)  # one figure each
    assert plt.get_fignums() == []  # handed over closed: pyplot keeps none of them
