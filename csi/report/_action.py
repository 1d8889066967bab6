"""The action page, right after the summary: how far the index is from the next grade, the dimensions to
improve first (with the points they lack), the certification items that lost most points, and the
evaluator's remarks. Every figure comes from the content object; the rules are in :mod:`csi.report._wording`.
"""

from __future__ import annotations

from html import escape

import pandas as pd

from csi.report import _wording as wording
from csi.report._content import EnterpriseContent
from csi.report._headings import h2
from csi.report._i18n import number, t
from csi.report._render import Html, table

AUDIT_ITEMS = 5   # certification items listed, those that lost most points first


def action(c: EnterpriseContent) -> Html:
    """The action page (chapter ``h_action``)."""
    parts = [f"<p>{escape(goal_sentence(c))}</p>", _priorities(c), _audit(c), _remarks(c)]
    return Html(h2("h_action", c.lang) + "".join(parts))


def goal_sentence(c: EnterpriseContent) -> str:
    lang, name, index = c.lang, c.enterprise.label(c.lang), number(c.index, c.lang)
    if not c.study.report.grades:
        return t("action_goal_none", lang, name=name, index=index)
    goal = wording.goal(c)
    band = c.study.report.grade(goal) if goal < 100 else None
    if band is None:
        return t("action_goal_top", lang, name=name, index=index, grade=c.grade.label.get(lang, "") if c.grade else "")
    _se, lo, hi = c.index_ci
    return t("action_goal", lang, name=name, index=index, grade=band.label.get(lang, ""), goal=number(goal, lang, 0),
             shortfall=number(goal - c.index, lang), note=wording.threshold_note(c, c.index, lo, hi, goal))


def _priorities(c: EnterpriseContent) -> str:
    lang, goal = c.lang, wording.goal(c)
    top = wording.priorities(c)
    head = f'<h3>{escape(t("priorities_title", lang))}</h3>'
    if top.empty:
        return head + f'<p>{escape(t("priorities_none", lang, goal=number(goal, lang, 0)))}</p>'
    key = {c_: "to_goal_lower" if c.fit.model.direction(c_) < 0 else "to_goal_value" for c_ in top["construct"]}
    frame = top.assign(
        to_goal=[t(key[r.construct], lang, points=number(r.shortfall, lang)) for r in top.itertuples()],
        versus=[wording.verdict_word(c, v) for v in top["verdict"]])
    intro = t("priorities_intro", lang, goal=number(goal, lang, 0), k=len(top))
    html = table(frame, {"label": t("dimension", lang), "index": t("index", lang),
                         "benchmark": t("industry_average", lang), "versus": t("versus_peers", lang),
                         "to_goal": t("to_goal", lang, goal=number(goal, lang, 0)),
                         "importance": t("importance", lang)}, lang, {"importance": 3}, numeric=("to_goal",))
    return f'{head}<p class="csi-note">{escape(intro)}</p>{html}'


def audit_items(c: EnterpriseContent, k: int = AUDIT_ITEMS) -> pd.DataFrame:
    """The certification items that lost most points (deduction > 0), with their text and evidence."""
    if c.rubric is None:
        return pd.DataFrame()
    items = c.rubric.items[c.rubric.items["deduction"] > 1e-9]
    items = items.sort_values("deduction", ascending=False, kind="mergesort").head(k)
    texts = {i.id: i.text.get(c.lang) or i.text.get("en") or i.id for i in c.rubric.rubric.items}
    return items.assign(text=[f"{i} {texts.get(i, i)}" for i in items["item"]],
                        evidence=[wording.evidence(r, c.lang) for r in items.itertuples()]).reset_index(drop=True)



def _audit(c: EnterpriseContent) -> str:
    lang = c.lang
    items = audit_items(c)
    if c.rubric is None:
        return ""
    head = f'<h3>{escape(t("audit_title", lang))}</h3>'
    intro = t("audit_intro", lang, title=c.rubric.rubric.title.get(lang, c.rubric.rubric.id),
              explanation=c.rubric.explanation(lang), k=len(items))
    html = table(items, {"text": t("audit_item", lang), "applicable": t("full_points", lang),
                         "earned": t("earned", lang), "deduction": t("lost", lang),
                         "evidence": t("evidence", lang)}, lang, {"applicable": 1, "earned": 1, "deduction": 1})
    return f"{head}<p>{escape(intro)}</p>{html}" if len(items) else f"{head}<p>{escape(intro)}</p>"


def _remarks(c: EnterpriseContent) -> str:
    text, text_lang = c.remarks
    if not text:
        return ""
    paragraphs = "".join(f"<p>{escape(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
    marked = f' lang="{"zh-CN" if text_lang == "zh" else "en"}"' if text_lang != c.lang else ""
    return (f'<h3>{escape(t("remarks_title", c.lang))}</h3>'
            f'<div class="csi-remarks"{marked}>{paragraphs}</div>')
