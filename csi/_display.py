"""How csi's objects show themselves: a short text ``repr`` in a terminal, a compact card in Jupyter, and
``summary()``, the full report (plain text with ``str()``, every table as HTML in Jupyter).

A class mixes in :class:`Display` and describes itself in ``_card()``: a :class:`Card` with a title, a few key
numbers as label/value pairs, at most a few small table previews (HTML only) and a "more:" hint naming the
attributes and methods that hold the rest. Its ``summary()`` returns a :class:`Summary`: a ``str`` (so code that
reads a summary as text keeps working) of a title, a few lines and every table, with the tables kept in
``tables`` and an HTML rendering for Jupyter. No repr prints a whole table or a mapping's contents; every text
that comes from the data (enterprise names, labels) is escaped in HTML.

Report sections (``csi.report.Html``) carry the report's stylesheet in Jupyter, scoped to a wrapper
(:func:`styled`); the batch's export takes it off again (:func:`unstyled`): the report template has it once.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Card", "Display", "Summary", "by_language", "label", "listing", "number", "p_value", "pairs", "scoped_css",
           "styled", "unstyled"]

MAX_LINES = 15    # a repr fits a terminal screen ...
WIDTH = 120       # ... and each of its lines a terminal line
PREVIEW_ROWS = 5  # rows of a table preview in the Jupyter card
SHOWN = 8         # values of a list or mapping shown inline before "…"


# ------------------------------------------------------------------ values as text
def number(value: Any, digits: int | None = None) -> str:
    """A number as a person reads it: whole numbers with thousands separators, others to three significant
    digits (or ``digits`` decimals); None and NaN as "—", booleans as yes / no."""
    if value is None or value is pd.NA:
        return "—"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, Integral):
        return f"{int(value):,}"
    if not isinstance(value, Real):
        return str(value)
    v = float(value)
    if math.isnan(v):
        return "—"
    if math.isinf(v):
        return "∞" if v > 0 else "−∞"
    if digits is not None:
        return f"{v:,.{digits}f}"
    if abs(v) >= 1000 or (v == round(v) and abs(v) >= 1):
        return f"{v:,.0f}"
    return f"{v:.3g}"


def p_value(p: float) -> str:
    """``0.032``, ``< 0.001``."""
    return "—" if p is None or math.isnan(p) else "< 0.001" if p < 0.001 else f"{p:.3f}"


def label(text: Mapping[str, str] | str | None) -> str:
    """A text given per language ({"zh": …, "en": …}) as one string: its distinct non-empty versions."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    return " / ".join(dict.fromkeys(str(v) for v in text.values() if v))


def by_language(text: Mapping[str, str] | None, name: str) -> dict[str, str]:
    """A text given per language as table columns: ``{"text_zh": …, "text_en": …}``."""
    return {f"{name}_{lang}": value for lang, value in (text or {}).items()}


def listing(values: Iterable[Any], limit: int = SHOWN) -> str:
    """``a, b, c, … (12 in all)``: at most ``limit`` values."""
    shown = [label(v) if isinstance(v, Mapping) else str(v) for v in values]
    if len(shown) <= limit:
        return ", ".join(shown)
    return ", ".join(shown[:limit]) + f", … ({len(shown)} in all)"


def pairs(values: Mapping[Any, Any] | pd.Series, digits: int | None = None, limit: int = SHOWN) -> str:
    """``Quality 0.839, Value 0.336, …`` from a mapping (or Series) of numbers or short texts."""
    items = list(values.items())
    shown = [f"{k} {number(v, digits)}" for k, v in items[:limit]]
    if len(items) > limit:
        shown.append(f"… ({len(items)} in all)")
    return ", ".join(shown)


def _plain(value: Any) -> str:
    if isinstance(value, str):
        text = value
    elif isinstance(value, Mapping | pd.Series):
        text = pairs(value)
    elif isinstance(value, list | tuple | set | frozenset):
        text = listing(value)
    else:
        text = number(value)
    return " ".join(text.split())  # one line


def _width(text: str) -> int:
    """Terminal columns: a CJK character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(line: str, width: int = WIDTH) -> str:
    if _width(line) <= width:
        return line
    used, keep = 0, 0
    for keep, char in enumerate(line):  # keep: the characters that fit
        used += _width(char)
        if used > width - 1:
            break
    return line[:keep] + "…"


def _heading(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _float(v: float) -> str:
    return f"{v:.4f}"


def _table_text(table: pd.DataFrame) -> str:
    """Every row; texts left-aligned (labels read as a list), numbers right-aligned, floats to 4 decimals."""
    if not len(table):
        return "(none)"
    formatters, header = {}, [str(c) for c in table.columns]
    for k, column in enumerate(table.columns):
        values = table.iloc[:, k]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values)):
            width = max(_width(str(column)), int(values.map(lambda v: _width(str(v))).max()))
            formatters[column] = lambda v, w=width: f"{v!s}{' ' * (w - _width(str(v)))}"
            header[k] = header[k].ljust(width)
    with pd.option_context("display.unicode.east_asian_width", True):
        text = table.to_string(index=False, float_format=_float, formatters=formatters, header=header)
    return "\n".join(line.rstrip() for line in text.splitlines())


def _table_html(table: pd.DataFrame, **options: Any) -> str:
    """The table as pandas writes it, left-aligned on the page (JupyterLab centres tables), its text columns
    left-aligned (JupyterLab right-aligns every cell: names and reasons would read ragged)."""
    html = table.to_html(index=False, float_format=_float, escape=True, border=0, **options)
    text = [not (pd.api.types.is_numeric_dtype(table.iloc[:, k]) or pd.api.types.is_datetime64_any_dtype(table.iloc[:, k]))
            for k in range(table.shape[1])]
    lines, column = [], 0
    for line in html.splitlines():
        cell = line.lstrip()[:4]
        if cell[:3] == "<tr":
            column = 0
        elif cell in ("<td>", "<td ", "<th>", "<th "):  # pandas writes one cell per line
            cell = cell[:3]
            if column < len(text) and text[column]:
                line = line.replace(cell, f'{cell} style="text-align:left"', 1)
            column += 1
        lines.append(line)
    return "\n".join(lines).replace("<table ", '<table style="margin-left:0" ', 1)


# ------------------------------------------------------------------ the short display
@dataclass(frozen=True)
class Card:
    """What a result shows first: ``kind`` (its class), a title, key numbers as (label, value) pairs, table
    previews (Jupyter only) and the attributes and methods that hold the rest (``more``)."""

    kind: str
    title: str
    facts: Sequence[tuple[str, Any]] = ()
    previews: Sequence[tuple[str, pd.DataFrame]] = ()
    more: Sequence[str] = ()

    def text(self) -> str:
        """At most :data:`MAX_LINES` lines of at most :data:`WIDTH` characters."""
        width = max((len(name) for name, _ in self.facts), default=0)
        facts = [f"  {name:<{width}}  {_plain(value)}" for name, value in self.facts]
        room = MAX_LINES - 1 - bool(self.more)
        if len(facts) > room:
            facts = [*facts[: room - 1], f"  … {len(facts) - room + 1} more: see .summary()"]
        lines = [f"{self.kind}: {' '.join(self.title.split())}", *facts]
        if self.more:
            lines.append("  more: " + ", ".join(self.more))
        return "\n".join(_clip(line) for line in lines)

    def html(self) -> str:
        """A title, the key numbers as a two-column table, the previews' first rows and the "more" hint."""
        cell = 'style="text-align:left;vertical-align:top;padding:1px 1em 1px 0"'
        rows = "".join(f"<tr><th {cell}>{escape(name)}</th><td {cell}>{escape(_plain(value))}</td></tr>"
                       for name, value in self.facts)
        parts = [(f'<div class="csi-result"><p style="margin:0 0 .3em"><strong>{escape(self.kind)}</strong>: '
                  f"{escape(self.title)}</p>")]
        if rows:
            parts.append(f'<table style="margin:0"><tbody>{rows}</tbody></table>')
        for name, frame in self.previews:
            extra = f" (first {PREVIEW_ROWS} of {len(frame):,} rows)" if len(frame) > PREVIEW_ROWS else ""
            parts.append(f'<p style="margin:.5em 0 .2em"><em>{escape(name)}</em>{escape(extra)}</p>')
            parts.append(_table_html(frame.head(PREVIEW_ROWS), max_cols=10))
        if self.more:
            parts.append('<p style="margin:.3em 0 0;opacity:.7"><small>more: '
                         + ", ".join(f"<code>{escape(m)}</code>" for m in self.more) + "</small></p>")
        return "".join(parts) + "</div>"

    def summary(self, tables: Mapping[str, pd.DataFrame] | None = None, lines: Iterable[str] = ()) -> Summary:
        """The card as the head of a full report: its title, its key numbers as lines (then ``lines``), then
        every table of ``tables``."""
        facts = [f"{name}: {_plain(value)}" for name, value in self.facts]
        return Summary(f"{self.kind}: {' '.join(self.title.split())}", tables, [*facts, *lines])


class Display:
    """Mixin: the text ``repr`` and the Jupyter card of :meth:`_card` (a dataclass using it says
    ``repr=False``, or it would write its own repr over this one)."""

    __slots__ = ()

    def _card(self) -> Card:
        raise NotImplementedError

    def __repr__(self) -> str:
        try:
            return self._card().text()
        except Exception as exc:  # noqa: BLE001 - a repr never raises: it is what a traceback shows
            return f"<{type(self).__name__}: not displayable ({type(exc).__name__}: {exc})>"

    def _repr_html_(self) -> str:
        try:
            return self._card().html()
        except Exception:  # noqa: BLE001 - as __repr__
            return f"<pre>{escape(repr(self))}</pre>"


# ------------------------------------------------------------------ the full report
class Summary(str):
    """The full report of a result: ``str()`` is plain text (the title, its lines, then every table in full,
    as statsmodels' summaries), ``_repr_html_`` the same in HTML, ``tables`` the tables by name and ``headline``
    the title and lines alone. A ``str``, so code that reads a summary as text keeps working."""

    title: str
    lines: tuple[str, ...]
    tables: dict[str, pd.DataFrame]

    def __new__(cls, title: str, tables: Mapping[str, pd.DataFrame] | None = None, lines: Iterable[str] = ()):
        tables, lines = dict(tables or {}), tuple(lines)
        parts = [title, *lines] + [f"\n{_heading(name)}\n{_table_text(t)}" for name, t in tables.items()]
        self = super().__new__(cls, "\n".join(parts) + "\n")
        self.title, self.lines, self.tables = title, lines, tables
        return self

    def __getnewargs__(self) -> tuple:  # pickle and copy build it again from its parts
        return self.title, self.tables, self.lines

    @property
    def headline(self) -> str:
        """The title and lines, without the tables."""
        return "\n".join([self.title, *self.lines])

    def __repr__(self) -> str:  # a terminal shows the report, not a quoted string
        return str(self)

    def _repr_html_(self) -> str:
        parts = [f"<p><strong>{escape(self.title)}</strong></p>"]
        if self.lines:
            parts.append("<p>" + "<br>".join(escape(line) for line in self.lines) + "</p>")
        for name, table in self.tables.items():
            parts.append(f"<h4>{escape(_heading(name))}</h4>")
            parts.append(_table_html(table))
        return "\n".join(parts)


# ------------------------------------------------------------------ report sections in Jupyter
_WRAPPER = '<div class="csi-report">'
_STYLE = '<style data-csi="notebook">'
#: Selectors of the report stylesheet that style the exported page itself (its body, prompts, cells), not a
#: section: left out in Jupyter, where they would restyle the whole notebook.
_PAGE = re.compile(r"^(html|body(?!\.jp-Notebook)|main\b|\.jp-(?!RenderedHTMLCommon))")


def scoped_css(css: str, scope: str = ".csi-report") -> str:
    """The report stylesheet for notebook output: every rule scoped to ``scope`` (``:root``, the page's body
    and ``.jp-RenderedHTMLCommon`` become the scope itself), the page's own rules left out."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)
    out = []
    for prelude, body in _blocks(css):
        if prelude.startswith("@"):
            inner = scoped_css(body, scope)
            if inner:
                out.append(f"{prelude} {{ {inner} }}")
            continue
        selectors = [s for s in (_scoped(sel.strip(), scope) for sel in prelude.split(",")) if s]
        if selectors:
            out.append(f"{', '.join(selectors)} {{ {' '.join(body.split())} }}")
    return "\n".join(out)


def _blocks(css: str) -> list[tuple[str, str]]:
    """Top-level ``prelude { body }`` pairs (bodies of at-rules keep their nested rules)."""
    blocks, depth, start, open_at = [], 0, 0, 0
    for k, char in enumerate(css):
        if char == "{":
            if depth == 0:
                open_at = k
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                blocks.append((" ".join(css[start:open_at].split()), css[open_at + 1:k]))
                start = k + 1
    return blocks


def _scoped(selector: str, scope: str) -> str:
    for own in (":root", "body.jp-Notebook", ".jp-RenderedHTMLCommon"):
        if selector == own or selector.startswith(own + " "):
            return scope + selector[len(own):]
    if _PAGE.match(selector):
        return ""
    return f"{scope} {selector}"


def styled(html: str, css: str) -> str:
    """A report section for notebook output: wrapped in ``<div class="csi-report">`` with the scoped
    stylesheet, so JupyterLab shows it as the report does."""
    return f"{_WRAPPER}{_STYLE}{css}</style>{html}</div>" if css else html


def unstyled(html: str) -> str:
    """A section as :func:`styled` gave it, without its wrapper and stylesheet (any other HTML unchanged)."""
    head = _WRAPPER + _STYLE
    if not (html.startswith(head) and html.endswith("</div>")):
        return html
    return html[html.index("</style>", len(head)) + len("</style>"): -len("</div>")]
