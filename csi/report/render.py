"""HTML fragments of the enterprise report, shown by the notebook's cells.

Every text that comes from the data (enterprise names, item wording) is escaped here, so a name
like ``<script>`` appears as text. Each function returns an object Jupyter shows as HTML.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import pandas as pd

from .content import EnterpriseContent
from .i18n import number, t


@dataclass(frozen=True)
class Html:
    """A fragment of trusted HTML (built here from escaped parts)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


def _table(frame: pd.DataFrame, columns: dict[str, str], lang: str, digits: dict[str, int] | None = None) -> str:
    digits = digits or {}
    head = "".join(f"<th>{escape(label)}</th>" for label in columns.values())
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for key in columns:
            value = record[key]
            if isinstance(value, float):
                cells.append(f'<td class="num">{number(value, lang, digits.get(key, 1))}</td>')
            elif isinstance(value, int) and not isinstance(value, bool):
                cells.append(f'<td class="num">{value:,}</td>')
            else:
                cells.append(f"<td>{escape(str(value))}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="csi-table"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def cover(c: EnterpriseContent) -> Html:
    lang, study = c.lang, c.study
    meta = [
        (t("enterprise", lang), c.enterprise.label(lang)),
        (t("industry", lang), study.industry_label(c.enterprise.industry, lang)),
        (t("evaluator", lang), study.evaluator.get(lang, "")),
        (t("period", lang), study.period),
    ]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in meta if v)
    return Html(f'<section class="csi-cover"><p class="csi-study">{escape(study.title.get(lang, ""))}</p>'
                f'<h1>{escape(c.enterprise.label(lang))}</h1><h2>{escape(t("report_title", lang))}</h2>'
                f'<table class="csi-meta">{rows}</table></section>')


def summary(c: EnterpriseContent) -> Html:
    lang = c.lang
    change = None if c.previous_index is None else c.index - c.previous_index
    tiles = [
        (t("index_label", lang), number(c.index, lang), "csi-headline"),
        (t("industry_average", lang), number(c.industry_index, lang), ""),
        (t("previous_wave", lang), number(c.previous_index, lang), ""),
        (t("change", lang), number(change, lang, signed=True), ""),
        (t("respondents", lang), f"{int(c.ledger['analysed']):,}", ""),
    ]
    html = "".join(f'<div class="csi-tile {cls}"><div class="csi-value">{escape(v)}</div>'
                   f'<div class="csi-label">{escape(k)}</div></div>' for k, v, cls in tiles)
    return Html(f'<h2>{escape(t("summary", lang))}</h2><div class="csi-tiles">{html}</div>')


def dimensions(c: EnterpriseContent) -> Html:
    lang = c.lang
    table = _table(c.dimensions, {"label": t("dimension", lang), "index": t("this_enterprise", lang),
                                  "industry_index": t("industry_average", lang)}, lang)
    notes = "".join(f'<p class="csi-note">{escape(t("negative_weight", lang, construct=row.label))}</p>'
                    for row in c.dimensions.itertuples() if row.negative_weights)
    return Html(f'<h2>{escape(t("dimensions", lang))}</h2>{table}{notes}')


def items(c: EnterpriseContent) -> Html:
    lang = c.lang
    frame = c.items.assign(construct=[c.study.questionnaire.construct_label(x, lang) for x in c.items["construct"]])
    table = _table(frame, {"construct": t("dimension", lang), "item": t("item", lang), "text": t("question", lang),
                           "mean": t("mean", lang), "score": t("score", lang)}, lang, {"mean": 2})
    return Html(f'<h2>{escape(t("items", lang))}</h2>{table}')


def model(c: EnterpriseContent) -> Html:
    lang = c.lang
    note = t("model_note", lang, pool=t(f"pool_{c.pool}", lang), n=f"{c.fit.n:,}", iterations=c.fit.iterations)
    paths = _table(c.paths, {"source": t("source", lang), "target": t("target", lang),
                             "estimate": t("path_coefficient", lang)}, lang, {"estimate": 3})
    r2 = _table(c.r_squared, {"construct": t("dimension", lang), "r_squared": t("r_squared", lang)},
                lang, {"r_squared": 3})
    return Html(f'<h2>{escape(t("model", lang))}</h2><p>{escape(note)}</p>'
                f'<div class="csi-pair">{paths}{r2}</div>')


def reliability(c: EnterpriseContent) -> Html:
    lang = c.lang
    note = t("reliability_note", lang, pool=t(f"pool_{c.pool}", lang), n=f"{c.fit.n:,}")
    table = _table(c.reliability, {"label": t("dimension", lang), "k": t("items_k", lang), "alpha": t("alpha", lang),
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
    return Html(f'<h2>{escape(t("reliability", lang))}</h2><p>{escape(note)}</p>{table}{low_text}'
                f'<h3>{escape(t("htmt_title", lang))}</h3><p>{escape(htmt_text)}</p>')


def sample(c: EnterpriseContent) -> Html:
    lang, ledger = c.lang, c.ledger
    rows = [(t("read", lang), int(ledger["read"])), (t("analysed", lang), int(ledger["analysed"])),
            (t("excluded", lang), int(ledger["excluded"]))]
    served = c.enterprise.served_customers
    if served is not None:
        rows.insert(0, (t("served_customers", lang), served))
    rows.append((t("missing_values", lang), c.missing_values))
    body = "".join(f"<tr><th>{escape(k)}</th><td class='num'>{v:,}</td></tr>" for k, v in rows)
    reasons = "".join(f"<tr><td>{escape(t(r.reason, lang))}</td><td class='num'>{r.count:,}</td></tr>"
                      for r in c.exclusions.itertuples())
    census = f'<p class="csi-note">{escape(t("census", lang))}</p>' if served is not None and served < 50 else ""
    excluded = (f'<table class="csi-table"><thead><tr><th>{escape(t("reason", lang))}</th>'
                f'<th>{escape(t("count", lang))}</th></tr></thead><tbody>{reasons}</tbody></table>') if reasons else ""
    note = f'<p class="csi-note">{escape(t("missing_note", lang, n=f"{c.imputed_values:,}"))}</p>'
    return Html(f'<h2>{escape(t("sample", lang))}</h2><table class="csi-meta">{body}</table>{census}{excluded}{note}')


@dataclass(frozen=True)
class Record:
    """Headline numbers published as JSON by the notebook's hidden last cell, for the batch index page."""

    data: dict

    def _repr_json_(self) -> dict:
        return self.data


def record(c: EnterpriseContent) -> Record:
    return Record({"enterprise_id": c.enterprise.id, "enterprise": c.enterprise.label(c.lang),
                   "title": t("report_title", c.lang), "index": round(c.index, 4),
                   "industry_index": round(c.industry_index, 4), "n": int(c.ledger["analysed"]),
                   "read": int(c.ledger["read"]), "excluded": int(c.ledger["excluded"])})
