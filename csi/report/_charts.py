"""Report charts: the enterprise content and the overview turned into :mod:`csi.plot`'s inputs and the
report's localised strings, and figures embedded as SVG.

The drawing is :mod:`csi.plot`'s (the same charts a statistician draws for any fit): every chart is drawn
inside :func:`matplotlib.pyplot.rc_context` with the report style (:func:`report_rc`), so a caller's rcParams
are left as they were; :func:`style` still sets the style globally for callers that want it. Text is drawn
literally (``text.parse_math`` off): an enterprise named ``A$\\B$`` is not a formula.
"""

from __future__ import annotations

import base64
import io
from html import escape

import matplotlib.pyplot as plt

from csi import plot
from csi.exceptions import ReportError
from csi.plot._style import (  # noqa: F401 - the report's font helpers, as the tests and callers know them
    CJK_FAMILY,
    CJK_FONT_FILES,
    NAME_WIDTH,
    _face_file,
    cjk_font_family,
    label_width,
    rc_params,
    wrap,
)
from csi.report._i18n import t
from csi.report._render import Html


def report_rc() -> dict:
    """The report style as rcParams (seaborn's whitegrid/notebook, DejaVu Sans with the CJK face)."""
    return rc_params()


def style() -> None:
    """Set the report style globally (the charts themselves only use it inside an ``rc_context``)."""
    plt.rcParams.update(report_rc())


def dimension_chart(content) -> plt.Figure:
    """Horizontal bars: the enterprise's index per dimension, with the industry benchmark as a marker
    (:func:`csi.plot.dimension_bars`)."""
    lang, dims = content.lang, content.dimensions
    constructs = dims["construct"] if "construct" in dims.columns else dims["label"]
    return plot.dimension_bars(dims.assign(construct=constructs)[["construct", "index"]],
                               dict(zip(constructs, dims["industry_index"])), labels=dict(zip(constructs, dims["label"])),
                               title=t("chart_title", lang), xlabel=t("index", lang),
                               entity_label=t("this_enterprise", lang), benchmark_label=benchmark_label(content))


def benchmark_label(content) -> str:
    """The industry benchmark as the study defines it ("行业基准（同业各企业指数的平均）")."""
    key = f"benchmark_{getattr(content.study, 'benchmark', '')}"
    try:
        return t(key, content.lang)
    except ReportError:  # a definition without a name: the plain word
        return t("industry_average", content.lang)


#: The CSS family the charts' CJK text asks for: the simplified-Chinese face of the Noto CJK collection
#: (should matplotlib know the collection only by its first face's name, the Japanese one).
CJK_CSS_FAMILY = CJK_FAMILY
#: Charts taller than this (inches) may take more of a printed page than the others.
TALL = 6.0
#: Vector charts with real text; fixed ids and no date, so the same numbers give the same bytes.
SVG_SETTINGS = {"svg.fonttype": "none", "svg.hashsalt": "csi"}


def figure(fig: plt.Figure, alt: str = "") -> Html:
    """Embed a figure as SVG (base64) and close it: the HTML stays a single self-contained file.

    Text stays text (the browser or WeasyPrint sets it in the page's fonts; matplotlib placed it with
    the same fonts' metrics), so the charts are sharp in print, small, and cheaper to make than PNGs.
    """
    buffer = io.BytesIO()
    height = fig.get_figheight()
    with plt.rc_context({**report_rc(), **SVG_SETTINGS}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})  # every chart has placed its axes
    plt.close(fig)
    svg = buffer.getvalue().decode("utf-8")
    cjk = cjk_font_family()
    if cjk and cjk != CJK_CSS_FAMILY and cjk.startswith("Noto Sans CJK"):
        svg = svg.replace(f"'{cjk}'", f"'{CJK_CSS_FAMILY}'")
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    css = "csi-figure csi-figure-tall" if height > TALL else "csi-figure"  # print.css gives tall charts more room
    return Html(f'<figure class="{css}"><img alt="{escape(alt)}" src="data:image/svg+xml;base64,{data}">'
                "</figure>")


def index_ci_chart(content) -> plt.Figure:
    """The industry's enterprises: index with 95% CI bars (the point only below ``min_n``), this enterprise
    highlighted (:func:`csi.plot.index_chart`)."""
    peers = content.peers.reset_index(drop=True)
    rows = peers[["index", "ci_low", "ci_high", "n"]]  # rows named by position: names need not be unique
    return plot.index_chart(rows, highlight=list(peers.index[peers["self"].to_numpy(dtype=bool)]),
                            benchmark=content.industry_index, min_n=content.study.report.min_n,
                            labels=dict(enumerate(peers["name"])), title=t("index_ci_chart", content.lang),
                            xlabel=t("index", content.lang), benchmark_label=benchmark_label(content))


def trend_chart(content) -> plt.Figure:
    """Each dimension's index in every wave, oldest first, with 95% CIs (the point only below ``min_n``;
    :func:`csi.plot.trend_chart`). With one previous wave: "previous" and "current"; with more, each wave by its
    label, the previous and the current one marked."""
    lang, study = content.lang, content.study
    waves = list(dict.fromkeys(content.trend["wave"]))  # oldest first, as StudyAnalysis.waves
    previous, current = (study.previous.label if study.previous else None), study.current_label
    if len(waves) <= 2:
        names, title = {previous: t("previous_wave", lang), current: t("current_wave", lang)}, t("trend_chart", lang)
    else:
        names = {w: t("wave_current_label", lang, wave=w) if w == current else
                 t("wave_previous_label", lang, wave=w) if w == previous else w for w in waves}
        title = t("trend_chart_waves", lang)
    return plot.trend_chart(content.trend, waves=waves, min_n=study.report.min_n, wave_labels=names,
                            labels=content.label, title=title, ylabel=t("index", lang))


def ipma_chart(content) -> plt.Figure:
    """Importance–performance map of the target's antecedents, split at the means (:func:`csi.plot.ipma_map`)."""
    lang, table = content.lang, content.ipma
    return plot.ipma_map(table, labels=dict(zip(table["construct"], table["label"])), title=t("ipma_chart", lang),
                         xlabel=t("importance", lang), ylabel=t("performance", lang))


def path_diagram(content) -> plt.Figure:
    """The estimated inner model: boxes per construct (with R²), arrows with path coefficients
    (:func:`csi.plot.path_diagram`)."""
    return plot.path_diagram(content.fit, labels=content.label, title=t("path_chart_title", content.lang))


def league_chart(names, table, lang: str, *, min_n: float | None = None) -> plt.Figure:
    """Every enterprise's index with its 95% CI (the point only below ``min_n``), best first, coloured by
    industry (:func:`csi.plot.league_chart`)."""
    return plot.league_chart(table, labels=names, group="industry_label", min_n=min_n, title=t("league_chart", lang),
                             xlabel=t("index", lang))


def distribution_chart(table, lang: str) -> plt.Figure:
    """Enterprise indices per industry: a box per industry with the enterprises as points
    (:func:`csi.plot.distribution_chart`)."""
    return plot.distribution_chart(table, group="industry_label", title=t("distribution_chart", lang),
                                   xlabel=t("index", lang))
