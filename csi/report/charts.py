"""Report charts (matplotlib/seaborn) with Chinese glyphs that render, never tofu boxes."""

from __future__ import annotations

import base64
import functools
import io
from html import escape
from pathlib import Path

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib import font_manager

from .i18n import t
from .render import Html

# Debian's fonts-noto-cjk (installed by `make` when missing); the first one found is used.
CJK_FONT_FILES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)


@functools.cache
def cjk_font_family() -> str | None:
    """Register a CJK font with matplotlib and return its family name (None when none is installed)."""
    for candidate in CJK_FONT_FILES:
        if Path(candidate).is_file():
            font_manager.fontManager.addfont(candidate)
            return font_manager.FontProperties(fname=candidate).get_name()
    return None


def style() -> None:
    """Set the report style; both families go in font.family so matplotlib falls back per glyph."""
    sns.set_theme(style="whitegrid", context="notebook")
    cjk = cjk_font_family()
    plt.rcParams["font.family"] = ["DejaVu Sans", cjk] if cjk else ["DejaVu Sans"]
    plt.rcParams["axes.unicode_minus"] = False


def dimension_chart(content) -> plt.Figure:
    """Horizontal bars: the enterprise's index per dimension, with the industry index as a marker."""
    style()
    dims = content.dimensions
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(dims) + 1.2), dpi=110)
    order = list(range(len(dims)))[::-1]
    ax.barh(order, dims["index"], color=sns.color_palette("Blues", 3)[2], height=0.6,
            label=t("this_enterprise", content.lang))
    ax.scatter(dims["industry_index"], order, marker="D", color="#d95f02", zorder=3,
               label=t("industry_average", content.lang))
    for y, value in zip(order, dims["index"]):
        ax.text(value + 0.8, y, f"{value:.1f}", va="center", fontsize=9)
    ax.set_yticks(order, dims["label"])
    ax.set_xlim(0, 105)
    ax.set_xlabel(t("index", content.lang))
    ax.set_title(t("chart_title", content.lang), fontsize=11)
    ax.legend(loc="lower right", fontsize=8, frameon=True)
    fig.tight_layout()
    return fig


def figure(fig: plt.Figure, alt: str = "") -> Html:
    """Embed a figure as a PNG (base64) and close it: the HTML stays a single self-contained file."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return Html(f'<figure class="csi-figure"><img alt="{escape(alt)}" src="data:image/png;base64,{data}"></figure>')
