"""HTML fragments of the enterprise report, shown by the notebook's cells.

Every text that comes from the data (enterprise names, item wording) is escaped here, so a name
like ``<script>`` appears as text. Each function returns an object Jupyter shows as HTML.
"""

from __future__ import annotations

import base64
import functools
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

import pandas as pd

from csi._display import scoped_css, styled
from csi.report._content import EnterpriseContent
from csi.report._headings import h2
from csi.report._i18n import number, pvalue, t
from csi.report._xlsx import enterprise_workbook


@dataclass(frozen=True, repr=False)
class Html:
    """A fragment of trusted HTML (built here from escaped parts)."""

    html: str

    def _repr_html_(self) -> str:
        """The fragment with the report's stylesheet (scoped to a wrapper), so JupyterLab shows it as the report
        does; the batch's export takes the stylesheet off again (``csi._display.unstyled``): the report's page
        has it once."""
        return styled(self.html, notebook_css())

    def __repr__(self) -> str:  # the notebook's text/plain copy: short, not the page a second time
        return f"<csi report fragment, {len(self.html):,} characters of HTML>"


#: The report's stylesheet (the report template includes it once per page).
CSS = Path(__file__).resolve().parents[2] / "templates" / "report" / "csi.css"
#: What JupyterLab's own styles do to a report section and the report's page does not: centred tables in a
#: smaller font.
NOTEBOOK_RULES = ".csi-report table { margin-left: 0; margin-right: 0; font-size: inherit; table-layout: auto; }"


@functools.cache
def notebook_css() -> str:
    """The report's stylesheet for notebook output, scoped to ``.csi-report`` ("" without the templates)."""
    try:
        css = CSS.read_text(encoding="utf-8")
    except OSError:
        return ""
    return scoped_css(css) + "\n" + NOTEBOOK_RULES


def table(frame: pd.DataFrame, columns: dict[str, str], lang: str, digits: dict[str, int] | None = None, *,
          formats: dict | None = None, group: str | None = None, numeric: tuple[str, ...] = (),
          css: str = "", breaks: dict[str, int] | None = None) -> str:
    """An HTML table of ``frame``'s ``columns`` (key -> header); every cell is escaped.

    Floats are formatted for ``lang`` with ``digits[key]`` decimals (default 1); ``formats`` maps a
    column to a function ``(value, lang) -> str``; ``group`` shows a repeated value only on its
    first row; ``numeric`` right-aligns text columns that hold numbers; ``breaks`` maps a column
    of long codes (hashes) to a chunk length: a line may break (``<wbr>``) between chunks only, which
    lays out far faster than ``word-break: break-all`` and copies without extra characters.
    """
    digits, formats = digits or {}, formats or {}
    first = frame.iloc[0].to_dict() if len(frame) else {}
    right = {k for k in columns if k in formats or k in numeric or
             (isinstance(first.get(k), int | float) and not isinstance(first.get(k), bool))}
    head = "".join(("<th class='num'>" if k in right else "<th>") + f"{escape(label)}</th>" for k, label in columns.items())
    rows, previous = [], object()
    for record in frame.to_dict("records"):
        cells = []
        for key in columns:
            value = record[key]
            if key == group:
                value, previous = ("" if value == previous else value), value
            if value is None or value is pd.NA:  # e.g. a rank withheld below [report] min_n
                cells.append('<td class="num">—</td>')
            elif key in formats:
                cells.append(f'<td class="num">{escape(formats[key](value, lang))}</td>')
            elif isinstance(value, float):
                cells.append(f'<td class="num">{number(value, lang, digits.get(key, 1))}</td>')
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cls = ' class="num"' if key in numeric else ""
                text, step = str(value), (breaks or {}).get(key)
                chunks = [text[i:i + step] for i in range(0, len(text), step)] if step else [text]
                cells.append(f"<td{cls}>{'<wbr>'.join(escape(chunk) for chunk in chunks)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<div class="csi-scroll"><table class="csi-table {css}"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')



def reliability(c: EnterpriseContent) -> Html:
    lang = c.lang
    note = t("reliability_note", lang, pool=t(f"pool_{c.pool}", lang), n=f"{c.fit.n:,}")
    if c.imputation is not None and c.imputation.n_missing:  # the tables are means over the completed sets
        note += ("" if lang == "zh" else " ") + t("reliability_mi", lang, m=c.imputation.m)
    table_html = table(c.reliability, {"label": t("dimension", lang), "k": t("items_k", lang), "alpha": t("alpha", lang),
                                   "rho_a": t("rho_a", lang), "rho_c": t("rho_c", lang), "ave": t("ave", lang)},
                   lang, {"alpha": 3, "rho_a": 3, "rho_c": 3, "ave": 3})
    flagged = c.htmt[~c.htmt["htmt_ok"]]
    pairs = "; ".join(f"{a} – {b}: {number(v, lang, 3)}" for a, b, v in
                      flagged[["construct_a", "construct_b", "htmt"]].itertuples(index=False))
    htmt_text = t("htmt_flags", lang) + pairs if pairs else t("htmt_ok", lang)
    low = [f"{row.label}: {name}" for row in c.reliability.itertuples()
           for name, ok in (("α", row.alpha_ok), ("ρC", row.rho_c_ok), ("AVE", row.ave_ok)) if not ok]
    low_text = (f'<p class="csi-note">{escape(t("below_threshold", lang))}: '
                f'{escape("; ".join(low))}</p>') if low else ""
    return Html(f'{h2("h_reliability", lang)}<p>{escape(note)}</p>{table_html}{low_text}'
                f'<h3>{escape(t("htmt_title", lang))}</h3><p>{escape(htmt_text)}</p>{_cfa(c)}')


def _cfa(c: EnterpriseContent) -> str:
    """``[model] cfa``: the covariance-based fit of the pool's measurement model beside the PLS loadings."""
    lang, result = c.lang, c.cfa
    if result is None:
        return ""
    head = f'<h3>{escape(t("cfa_title", lang))}</h3>'
    if isinstance(result, str):
        reason = f'<span lang="en">{escape(result)}</span>' if lang != "en" else escape(result)
        return f'{head}<p class="csi-warning">{escape(t("cfa_failed", lang, reason=""))}{reason}</p>'
    f = result.fit.iloc[0]
    p = pvalue(f["p_value"], lang)
    dropped = t("cfa_dropped", lang, k=f"{result.n_dropped:,}") if result.n_dropped else ""
    text = t("cfa_fit", lang, n=f"{result.n:,}", dropped=dropped, df=int(f["df"]), chi2=number(f["chi2"], lang, 2),
             p=p if p.startswith("<") else f"= {p}", cfi=number(f["cfi"], lang, 3), tli=number(f["tli"], lang, 3),
             rmsea=number(f["rmsea"], lang, 3), lo=number(f["rmsea_ci_low"], lang, 3),
             hi=number(f["rmsea_ci_high"], lang, 3), srmr=number(f["srmr"], lang, 3))
    labels = dict(zip(c.reliability["construct"], c.reliability["label"]))
    loadings = c.items[["construct", "item", "loading"]].merge(
        result.loadings[["item", "estimate", "ci_low", "ci_high"]], on="item", how="inner")
    loadings = loadings.assign(label=loadings["construct"].map(labels).fillna(loadings["construct"]))
    rows = table(loadings, {"label": t("dimension", lang), "item": t("item", lang), "loading": t("pls_loading", lang),
                            "estimate": t("cfa_loading", lang), "ci_low": "CI −", "ci_high": "CI +"}, lang,
                 {"loading": 3, "estimate": 3, "ci_low": 3, "ci_high": 3}, group="label")
    return f"{head}<p>{escape(text)}</p>{rows}"


#: The mime type under which the notebook's hidden last cell publishes the enterprise workbook (.xlsx bytes,
#: base64) beside the JSON summary, when the notebook's parameter ``workbook`` is True (``csi run --format xlsx``).
WORKBOOK_MIME = "application/vnd.csi.workbook+base64"


@dataclass(frozen=True)
class Record:
    """Headline numbers published as JSON by the notebook's hidden last cell, for the batch index page; with
    the enterprise workbook's bytes when asked for (:data:`WORKBOOK_MIME`)."""

    data: dict
    workbook: bytes | None = field(default=None, repr=False)

    def _repr_json_(self) -> dict:
        return self.data

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        """The workbook (IPython adds the JSON and text copies from the other ``_repr_*_`` methods)."""
        if self.workbook is None:
            return {}
        return {WORKBOOK_MIME: base64.b64encode(self.workbook).decode("ascii")}


def record(c: EnterpriseContent, *, workbook: bool = False) -> Record:
    """The report's headline numbers (the manifest's and the index page's); with ``workbook``, the enterprise
    workbook too (:func:`csi.report.enterprise_workbook`), built in the kernel that holds the content."""
    _se, lo, hi = c.index_ci
    return Record({"enterprise_id": c.enterprise.id, "enterprise": c.enterprise.label(c.lang),
                   "title": t("report_title", c.lang), "index": round(c.index, 4), "ci_low": round(lo, 4),
                   "ci_high": round(hi, 4), "industry_index": round(c.industry_index, 4),
                   "grade": c.grade.label.get(c.lang, "") if c.grade else "",
                   "stars": None if c.rubric is None else c.rubric.stars, "n": int(c.ledger["analysed"]),
                   "read": int(c.ledger["read"]), "excluded": int(c.ledger["excluded"]),
                   "excluded_by_reason": {r: int(n) for r, n in zip(c.exclusions["reason"], c.exclusions["count"])},
                   "strengths": _gap_list(c.strengths), "weaknesses": _gap_list(c.weaknesses)},
                  enterprise_workbook(c) if workbook else None)


def _gap_list(frame) -> list[dict]:
    """Strengths or weaknesses as plain JSON: construct, gap against the industry benchmark, significance."""
    return [{"construct": r.construct, "gap": round(float(r.gap), 4), "significant": bool(r.significant)}
            for r in frame.itertuples()]
