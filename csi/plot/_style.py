"""The charts' style: CJK fonts that render (never tofu boxes), the rcParams every chart is drawn with,
margins in inches, text measuring and wrapping, the colours.

Every chart is drawn inside :func:`matplotlib.pyplot.rc_context` with :func:`rc_params` (the
:func:`styled` decorator), so a caller's rcParams are left as they were. Text is drawn literally
(``text.parse_math`` off): an enterprise named ``A$\\B$`` is not a formula.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

# Debian's fonts-noto-cjk (installed by `make` when missing); the first one found is used.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
#: The face the charts set Chinese in: the simplified-Chinese one. Noto's CJK files are collections whose
#: first face is the Japanese one (different forms of 骨, 直, 说, 户, full-width punctuation centred).
CJK_FAMILY = "Noto Sans CJK SC"

BLUE, ORANGE, GREY = "#2b6cb0", "#d95f02", "#9aa5b1"
#: The boxes of the path diagram and the distribution chart.
PALE_BLUE = "#eaf2fb"


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
def _rc() -> dict:
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


def rc_params() -> dict:
    """The charts' style as rcParams: seaborn's whitegrid/notebook, DejaVu Sans with the CJK face, text
    drawn literally (no math text). Use it as ``with plt.rc_context(csi.plot.rc_params()): ...`` to draw
    more in the same style; the charts apply it themselves and never change the global rcParams."""
    return dict(_rc())


def styled(chart):
    """Draw ``chart`` with :func:`rc_params`, leaving the caller's rcParams untouched, and hand the figure over
    closed: pyplot forgets it, so Jupyter shows it once (as the cell's result, not again when the cell ends)
    and a loop drawing hundreds of charts keeps none of them."""
    @functools.wraps(chart)
    def draw(*args, **kwargs):
        with plt.rc_context(rc_params()):
            fig = chart(*args, **kwargs)
            # A first figure activates the backend, and Jupyter's turns interactive mode on: rc_context would
            # undo that with the style, and the user's own figures would stop showing.
            interactive = matplotlib.is_interactive()
        matplotlib.interactive(interactive)
        plt.close(fig)
        FigureCanvasAgg(fig)  # closing left it a bare canvas; Agg draws, measures and saves it like any figure
        return fig
    return draw


#: Margins in inches: a title above the axes, tick labels and an axis label below, the figure's edge.
TOP, BOTTOM, BOTTOM_TICKS_ONLY, EDGE = 0.4, 0.7, 0.45, 0.18
#: Left of the widest y tick label: the tick, its pad and the edge.
BESIDE_TICK_LABELS = 0.34
#: Tick label size (pt) of seaborn's "notebook" context, which :func:`rc_params` sets.
TICK_SIZE = 11
#: A numeric y axis with its label: tick labels up to "100.0", the axis label, the edge.
NUMERIC_AXIS = 0.86
#: Widest line (inches) of an enterprise name beside a chart; longer names wrap onto more lines.
NAME_WIDTH = 2.1


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


#: Characters that may end a line but not start one (closing punctuation stays with what it closes).
_NO_LINE_START = set("）)]】》」』，,、。.：:；;！!？?%％")
#: Chinese characters, punctuation and full-width forms (a chart's text, a Word run's East Asian font).
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def wrap(text: str, width: float, size: float, weight: str = "normal") -> str:
    """``text`` on as many lines as it needs to be at most ``width`` inches wide at ``size`` pt.

    Lines break between words, and between Chinese characters (but not before closing punctuation);
    a single word wider than ``width`` keeps a line of its own. Nothing is cut off.
    """
    tokens: list[str] = []
    for char in str(text):
        if char.isspace():
            tokens.append(" ")
        elif tokens and (char in _NO_LINE_START or not (CJK.match(char) or CJK.match(tokens[-1][-1]))) \
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
