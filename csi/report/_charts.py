"""Report charts (matplotlib/seaborn) with Chinese glyphs that render, never tofu boxes.

Every chart is drawn inside :func:`matplotlib.pyplot.rc_context` with the report style
(:func:`report_rc`), so a caller's rcParams are left as they were; :func:`style` still sets the style
globally for callers that want it. Text is drawn literally (``text.parse_math`` off): an enterprise
named ``A$\\B$`` is not a formula.
"""

from __future__ import annotations

import base64
import functools
import io
import os
import re
import textwrap
from html import escape
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib import font_manager
from matplotlib.backends.backend_agg import RendererAgg

from csi.exceptions import ReportError
from csi.report._i18n import t
from csi.report._render import Html

# Debian's fonts-noto-cjk (installed by `make` when missing); the first one found is used.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
#: The face the charts set Chinese in: the simplified-Chinese one. Noto's CJK files are collections whose
#: first face is the Japanese one (different forms of 骨, 直, 说, 户, full-width punctuation centred).
CJK_FAMILY = "Noto Sans CJK SC"


@functools.cache
def cjk_font_family() -> str | None:
    """Make the simplified-Chinese CJK face known to matplotlib and return its family name.

    matplotlib ≥ 3.10 registers every face of a ``.ttc`` collection (so :data:`CJK_FAMILY` is found
    among the system fonts or once the collection is added); older versions register only the first
    face, the Japanese one, so the SC face is then copied out of the collection once into the user
    cache (fontTools, about a second). Without a Noto CJK font, the first other CJK font found is used
    (None when there is none).
    """
    if _known(CJK_FAMILY):
        return CJK_FAMILY
    found = [path for path in CJK_FONT_FILES if Path(path).is_file()]
    for path in found:
        font_manager.fontManager.addfont(path)
    if _known(CJK_FAMILY):
        return CJK_FAMILY
    for path in found:
        for collection in (path, path.replace("-Regular.", "-Bold.")):
            face = _face_file(collection, CJK_FAMILY) if Path(collection).is_file() else None
            if face is not None:
                font_manager.fontManager.addfont(str(face))
    if _known(CJK_FAMILY):
        return CJK_FAMILY
    return font_manager.FontProperties(fname=found[0]).get_name() if found else None


def _known(family: str) -> bool:
    return any(entry.name == family for entry in font_manager.fontManager.ttflist)


def _face_file(collection: str, family: str) -> Path | None:
    """The face named ``family`` of a font collection as a font file of its own, in the user cache."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "csi" / "fonts"
    target = cache / f"{Path(collection).stem}-{family.replace(' ', '')}.otf"
    if target.is_file() and target.stat().st_size:
        return target
    try:
        from fontTools.ttLib import TTCollection

        with TTCollection(collection, lazy=True) as fonts:
            for font in fonts:
                if font["name"].getBestFamilyName() == family:
                    cache.mkdir(parents=True, exist_ok=True)
                    partial = target.with_suffix(f".{os.getpid()}.part")
                    font.save(str(partial))
                    os.replace(partial, target)  # concurrent workers each write whole files
                    return target
    except Exception:  # noqa: BLE001 - no cache, no fontTools, not a collection: the fallback font serves
        return None
    return None


@functools.cache
def _report_rc() -> dict:
    from cycler import cycler

    rc = {**sns.axes_style("whitegrid"), **sns.plotting_context("notebook"),
          "axes.prop_cycle": cycler(color=sns.color_palette("deep"))}
    cjk = cjk_font_family()
    # both families in font.family, so matplotlib falls back per glyph
    rc["font.family"] = ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]
    rc["axes.unicode_minus"] = False
    # Names and labels come from the study's files: drawn as written, never parsed as math text (a name with
    # two '$' would otherwise be set as a formula, or fail the chart and every report that draws the name).
    rc["text.parse_math"] = False
    # A fixed title position: matplotlib otherwise measures every tick label again to place each title.
    rc["axes.titley"] = 1.0
    return rc


def report_rc() -> dict:
    """The report style as rcParams (seaborn's whitegrid/notebook, DejaVu Sans with the CJK face)."""
    return dict(_report_rc())


def style() -> None:
    """Set the report style globally (the charts themselves only use it inside an ``rc_context``)."""
    plt.rcParams.update(report_rc())


def _styled(chart):
    """Draw ``chart`` with the report style, leaving the caller's rcParams untouched."""
    @functools.wraps(chart)
    def draw(*args, **kwargs):
        with plt.rc_context(report_rc()):
            return chart(*args, **kwargs)
    return draw


#: Margins in inches: a title above the axes, tick labels and an axis label below, the figure's edge.
TOP, BOTTOM, BOTTOM_TICKS_ONLY, EDGE = 0.4, 0.7, 0.45, 0.18
#: Left of the widest y tick label: the tick, its pad and the edge.
BESIDE_TICK_LABELS = 0.34
#: Tick label size (pt) of seaborn's "notebook" context, which :func:`style` sets.
TICK_SIZE = 11
#: A numeric y axis with its label: tick labels up to "100.0", the axis label, the edge.
NUMERIC_AXIS = 0.86


def place(fig: plt.Figure, *, left: float, right: float = EDGE, top: float = TOP, bottom: float = BOTTOM) -> None:
    """Set the axes' margins in inches.

    What ``tight_layout`` finds, without measuring every artist of the figure first: that took half
    of a report's chart time. Margins that depend on text use :func:`label_width`.
    """
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height)


def label_width(labels, size: float, weights=None) -> float:
    """Width in inches of the widest line of ``labels`` as the charts set them (``weights``: "bold"/"normal")."""
    family = tuple(plt.rcParams["font.family"])
    return max((_text_width(line, size, weight, family)
                for text, weight in zip(labels, weights or ["normal"] * len(labels))
                for line in str(text).split("\n")), default=0.0)


def row_height(labels, size: float, minimum: float) -> float:
    """Inches per row of a chart whose tick labels may have several lines: at least ``minimum``."""
    lines = max((str(label).count("\n") + 1 for label in labels), default=1)
    return max(minimum, lines * size * 1.2 / 72 + 0.1)


@functools.lru_cache(maxsize=4096)
def _text_width(text: str, size: float, weight: str, family: tuple[str, ...]) -> float:
    prop = font_manager.FontProperties(family=list(family), size=size, weight=weight)
    return _measuring_renderer().get_text_width_height_descent(text, prop, ismath=False)[0] / 72


@functools.cache
def _measuring_renderer() -> RendererAgg:
    return RendererAgg(1, 1, 72)  # 72 dpi: widths in points


#: Value labels on the dimension bars (pt), and the gap (pt) between a label and the bar's end or a marker.
VALUE_SIZE, VALUE_PAD = 9, 3


@_styled
def dimension_chart(content) -> plt.Figure:
    """Horizontal bars: the enterprise's index per dimension, with the industry benchmark as a marker.

    Each number is the enterprise's and sits inside its own bar, at the bar's end or, where the
    benchmark's diamond falls there, just left of the diamond; the benchmark's values are in the table
    above the chart, its definition in the legend.
    """
    lang, dims = content.lang, content.dimensions
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(dims) + 1.2), dpi=110)
    order = list(range(len(dims)))[::-1]
    ax.barh(order, dims["index"], color=sns.color_palette("Blues", 3)[2], height=0.6,
            label=t("this_enterprise", lang))
    diamonds = ax.scatter(dims["industry_index"], order, marker="D", color=ORANGE, zorder=3,
                          label=benchmark_label(content))
    ax.set_yticks(order, dims["label"])
    ax.set_xlim(0, 108)
    ax.set_xlabel(t("index", lang))
    ax.set_title(t("chart_title", lang), fontsize=11)
    # the legend goes 0.56 in under the axes, below the axis label: inside, it covered the last row's number
    bottom = BOTTOM + 0.35
    handles, labels = ax.get_legend_handles_labels()
    mine = labels.index(t("this_enterprise", lang))  # the enterprise first, then the benchmark
    first = [mine] + [k for k in range(len(labels)) if k != mine]
    ax.legend([handles[k] for k in first], [labels[k] for k in first], loc="upper center",
              bbox_to_anchor=(0.5, -0.56 / (fig.get_figheight() - TOP - bottom)), ncol=2, fontsize=8, frameon=False)
    place(fig, left=label_width(dims["label"].tolist(), TICK_SIZE) + BESIDE_TICK_LABELS, bottom=bottom)
    per_point = (ax.get_xlim()[1] - ax.get_xlim()[0]) / (ax.get_position().width * fig.get_figwidth() * 72)
    # the diamond's half width in data units: a square of side √s pt turned by 45°, and its edge
    half = (np.sqrt(diamonds.get_sizes()[0]) / np.sqrt(2) + diamonds.get_linewidths()[0] / 2) * per_point
    for y, value, industry in zip(order, dims["index"], dims["industry_index"]):
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


BLUE, ORANGE, GREY = "#2b6cb0", "#d95f02", "#9aa5b1"


@_styled
def index_ci_chart(content) -> plt.Figure:
    """The industry's enterprises: index with 95% CI bars, this enterprise highlighted."""
    peers = content.peers
    small = ~content.study.report.inferential(peers["n"])  # rule 2: no interval below min_n, the point only
    peers = peers.assign(ci_low=peers["ci_low"].mask(small, peers["index"]),
                         ci_high=peers["ci_high"].mask(small, peers["index"]))
    weights = ["bold" if own else "normal" for own in peers["self"]]
    names = [wrap(n, NAME_WIDTH, 8, w) for n, w in zip(peers["name"], weights)]
    fig, ax = plt.subplots(figsize=(7.5, row_height(names, 8, 0.36) * len(peers) + 1.6), dpi=110)
    y = list(range(len(peers)))[::-1]
    colors = [BLUE if s else GREY for s in peers["self"]]
    for own, color in ((False, GREY), (True, BLUE)):  # one artist per colour, not one per enterprise
        rows = peers["self"].to_numpy() == own
        ax.errorbar(peers["index"][rows], [yy for yy, r in zip(y, rows) if r], fmt="none", ecolor=color,
                    xerr=[(peers["index"] - peers["ci_low"])[rows], (peers["ci_high"] - peers["index"])[rows]],
                    elinewidth=2, capsize=3)
    ax.scatter(peers["index"], y, c=colors, zorder=3, s=28)
    ax.axvline(content.industry_index, color=ORANGE, linestyle="--", linewidth=1, label=benchmark_label(content))
    ax.set_yticks(y, names, fontsize=8)
    for tick, own in zip(ax.get_yticklabels(), peers["self"]):
        tick.set_fontweight("bold" if own else "normal")
    ax.set_xlabel(t("index", content.lang))
    ax.set_title(t("index_ci_chart", content.lang), fontsize=11)
    bottom = BOTTOM + 0.3  # the legend under the axis label: inside, it covered the lowest enterprise's interval
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.56 / (fig.get_figheight() - TOP - bottom)),
              fontsize=8, frameon=False)
    place(fig, left=label_width(names, 8, weights) + BESIDE_TICK_LABELS, bottom=bottom)
    return fig


@_styled
def trend_chart(content) -> plt.Figure:
    """Each dimension's index in the previous and the current wave, with 95% CIs."""
    lang, tr = content.lang, content.trend
    constructs = list(dict.fromkeys(tr["construct"]))
    fig, ax = plt.subplots(figsize=(7.5, 3.4), dpi=110)
    for offset, wave, color, key in ((-0.15, "previous", GREY, "previous_wave"), (0.15, "current", BLUE, "current_wave")):
        rows = tr[tr["wave"] == wave].set_index("construct").reindex(constructs)
        x = [i + offset for i in range(len(constructs))]
        ax.errorbar(x, rows["index"], yerr=[rows["index"] - rows["ci_low"], rows["ci_high"] - rows["index"]],
                    fmt="o", color=color, capsize=3, label=t(key, lang))
    labels = ["\n".join(textwrap.wrap(content.label(c), 14)) for c in constructs]  # English names would overlap
    ax.set_xticks(range(len(constructs)), labels, fontsize=8)
    ax.set_ylabel(t("index", lang))
    ax.set_title(t("trend_chart", lang), fontsize=11)
    ax.legend(fontsize=8, loc="lower left")
    lines = max(label.count("\n") + 1 for label in labels)
    place(fig, left=NUMERIC_AXIS, right=0.3, bottom=BOTTOM_TICKS_ONLY + 0.14 * (lines - 1))  # labels may overhang
    return fig


@_styled
def ipma_chart(content) -> plt.Figure:
    """Importance–performance map of the target's antecedents, split at the means."""
    lang, table = content.lang, content.ipma
    fig, ax = plt.subplots(figsize=(6.5, 4.2), dpi=110)
    colors = [ORANGE if q == "concentrate" else BLUE for q in table["quadrant"]]
    ax.scatter(table["importance"], table["performance"], c=colors, s=60, zorder=3)
    middle = (table["importance"].min() + table["importance"].max()) / 2
    for row in table.itertuples():  # labels point inwards, so none leaves the axes
        right = row.importance > middle
        ax.annotate(f"{row.label}", (row.importance, row.performance), textcoords="offset points",
                    xytext=(-6 if right else 6, 4), ha="right" if right else "left", fontsize=9)
    ax.axvline(table["importance"].mean(), color=GREY, linestyle="--", linewidth=1)
    ax.axhline(table["performance"].mean(), color=GREY, linestyle="--", linewidth=1)
    pad_x = (table["importance"].max() - table["importance"].min()) * 0.25 + 0.02
    pad_y = (table["performance"].max() - table["performance"].min()) * 0.25 + 1
    ax.set_xlim(table["importance"].min() - pad_x, table["importance"].max() + pad_x)
    ax.set_ylim(table["performance"].min() - pad_y, table["performance"].max() + pad_y)
    ax.set_xlabel(t("importance", lang))
    ax.set_ylabel(t("performance", lang))
    ax.set_title(t("ipma_chart", lang), fontsize=11)
    place(fig, left=NUMERIC_AXIS)
    return fig


@_styled
def path_diagram(content) -> plt.Figure:
    """The estimated inner model: boxes per construct (with R²), arrows with path coefficients.

    Constructs are placed by causal depth from left to right; within a depth they stack, and
    successive depths alternate up and down so that arrows skipping a depth pass beside the boxes.
    """
    model, lang = content.fit.model, content.lang
    pos = {}
    for x, layer in enumerate(_layers(model)):
        shift = 0.9 if x % 2 else -0.9
        for k, construct in enumerate(layer):
            pos[construct] = (x * 1.9, shift + ((len(layer) - 1) / 2 - k) * 1.4)
    r2 = content.fit.r_squared.set_index("construct")["r_squared"].to_dict()
    fig, ax = plt.subplots(figsize=(8.5, 4.2), dpi=110)
    arrows = []
    for row in content.paths.itertuples():
        (x0, y0), (x1, y1) = pos[row.source_id], pos[row.target_id]
        rad = 0.12 if abs(x1 - x0) > 2 else 0.0
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops={"arrowstyle": "-|>", "color": BLUE if row.estimate >= 0 else ORANGE,
                                "lw": 0.6 + 2.5 * min(abs(row.estimate), 1), "shrinkA": 24, "shrinkB": 24,
                                "connectionstyle": f"arc3,rad={rad}"})
        arrows.append(((x0, y0), (x1, y1), rad, row.estimate))
    for construct, (x, y) in pos.items():
        extra = f"\nR² {r2[construct]:.2f}" if construct in r2 and r2[construct] == r2[construct] else ""
        ax.text(x, y, content.label(construct) + extra, ha="center", va="center", fontsize=8.5, zorder=4,
                bbox={"boxstyle": "round,pad=0.35", "fc": "#eaf2fb", "ec": BLUE})
    xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.axis("off")
    ax.set_title(t("path_chart_title", lang), fontsize=11)
    place(fig, left=EDGE, right=0.3, bottom=EDGE)  # boxes at the edges may reach past the axes
    # Each label sits on its curve. arc3 bends in display space (control point = midpoint + rad·(dy, −dx)
    # in pixels), so the label is placed there too, after the layout is final: the point of a quadratic
    # Bézier at t = ½ is ¼·start + ½·control + ¼·end.
    to_display, to_data = ax.transData.transform, ax.transData.inverted().transform
    for start, end, rad, estimate in arrows:
        p0, p1 = to_display([start, end])
        control = (p0 + p1) / 2 + rad * np.array([p1[1] - p0[1], p0[0] - p1[0]])
        x, y = to_data(0.25 * p0 + 0.5 * control + 0.25 * p1)
        ax.text(x, y, f"{estimate:.2f}", fontsize=7.5, ha="center", va="center", zorder=3,
                bbox={"boxstyle": "round,pad=0.12", "fc": "white", "ec": "none"})
    return fig


def _layers(model) -> list[list[str]]:
    """Constructs by causal depth (longest path from an exogenous construct)."""
    depth = {c: 0 for c in model.exogenous}
    for _ in model.constructs:
        for source, target in model.paths:
            if source in depth:
                depth[target] = max(depth.get(target, 0), depth[source] + 1)
    layers: dict[int, list[str]] = {}
    for construct in model.constructs:
        layers.setdefault(depth.get(construct, 0), []).append(construct)
    return [layers[k] for k in sorted(layers)]


@_styled
def league_chart(names, table, lang: str) -> plt.Figure:
    """Every enterprise's index with its 95% CI, best first, coloured by industry."""
    table = table.sort_values("index")
    labels = [wrap(names[e], NAME_WIDTH, 7.5) for e in table["enterprise_id"]]
    fig, ax = plt.subplots(figsize=(7.5, row_height(labels, 7.5, 0.3) * len(table) + 1.3), dpi=110)
    industries = list(dict.fromkeys(table["industry_label"]))
    palette = dict(zip(industries, sns.color_palette("deep", len(industries))))
    y = range(len(table))
    for industry in industries:
        rows = [(i, r) for i, r in zip(y, table.itertuples()) if r.industry_label == industry]
        ax.errorbar([r.index for _, r in rows], [i for i, _ in rows],
                    xerr=[[r.index - r.ci_low for _, r in rows], [r.ci_high - r.index for _, r in rows]],
                    fmt="o", color=palette[industry], capsize=2, label=industry, markersize=4)
    ax.set_yticks(list(y), labels, fontsize=7.5)
    ax.set_xlabel(t("index", lang))
    ax.set_title(t("league_chart", lang), fontsize=11)
    ax.legend(fontsize=8, loc="lower right")
    place(fig, left=label_width(labels, 7.5) + BESIDE_TICK_LABELS)
    return fig


@_styled
def distribution_chart(table, lang: str) -> plt.Figure:
    """Enterprise indices per industry: a box per industry with the enterprises as points."""
    industries = list(dict.fromkeys(table["industry_label"]))
    groups = [table.loc[table["industry_label"] == i, "index"].to_numpy() for i in industries]
    fig, ax = plt.subplots(figsize=(7, 0.8 * len(industries) + 1.2), dpi=110)
    ax.boxplot(groups, orientation="horizontal", widths=0.5, showfliers=False, patch_artist=True,
               boxprops={"facecolor": "#eaf2fb", "edgecolor": BLUE}, medianprops={"color": ORANGE})
    for k, values in enumerate(groups, start=1):
        ax.scatter(values, [k] * len(values), color=BLUE, s=22, zorder=3, alpha=0.8)
    ax.set_yticks(range(1, len(industries) + 1), industries)
    ax.set_xlabel(t("index", lang))
    ax.set_title(t("distribution_chart", lang), fontsize=11)
    place(fig, left=label_width(industries, TICK_SIZE) + BESIDE_TICK_LABELS)
    return fig


#: Widest line (inches) of an enterprise name beside a chart; longer names wrap onto more lines.
NAME_WIDTH = 2.1
#: Characters that may end a line but not start one (closing punctuation stays with what it closes).
_NO_LINE_START = set("）)]】》」』，,、。.：:；;！!？?%％")
_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def wrap(text: str, width: float, size: float, weight: str = "normal") -> str:
    """``text`` on as many lines as it needs to be at most ``width`` inches wide at ``size`` pt.

    Lines break between words, and between Chinese characters (but not before closing punctuation);
    a single word wider than ``width`` keeps a line of its own. Nothing is cut off.
    """
    tokens: list[str] = []
    for char in str(text):
        if char.isspace():
            tokens.append(" ")
        elif tokens and (char in _NO_LINE_START or not (_CJK.match(char) or _CJK.match(tokens[-1][-1]))) \
                and tokens[-1] != " ":
            tokens[-1] += char
        else:
            tokens.append(char)
    lines = _fill(tokens, width, size, weight)
    if len(lines) > 1:  # as narrow as the same number of lines allows: "Tianlian Mobile / Communications Co., Ltd."
        low, high = 0.0, width
        for _ in range(8):
            middle = (low + high) / 2
            low, high = (low, middle) if len(_fill(tokens, middle, size, weight)) <= len(lines) else (middle, high)
        lines = _fill(tokens, high, size, weight)
    return "\n".join(lines)


def _fill(tokens: list[str], width: float, size: float, weight: str) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in tokens:
        candidate = (line + token) if line else token.lstrip()
        if line and label_width([candidate.rstrip()], size, [weight]) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
    if line.strip() or not lines:
        lines.append(line.rstrip())
    return lines
