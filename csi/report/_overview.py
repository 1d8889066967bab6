"""The study overview report: league table, industry indices, distribution, certification stars and
award eligibility with reasons, all from the batch's one :class:`StudyAnalysis`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape
from pathlib import Path

import pandas as pd

from csi._data import OVERALL
from csi._display import Card, Display, Summary, pairs
from csi.analysis import StudyAnalysis, analyse_study
from csi.io import Study, load_study
from csi.report import _charts as charts
from csi.report import _wording as wording
from csi.report._i18n import date_text, join, number, pvalue, rule_name, t
from csi.report._render import Html, Record, table


@dataclass(frozen=True, repr=False)
class OverviewContent(Display):
    """Everything the overview shows, in one language."""

    study: Study
    lang: str
    league: pd.DataFrame          # league table + name, industry_label
    industries: pd.DataFrame      # industry indices + industry_label (last row: all)
    certification: pd.DataFrame   # enterprise_id, name, total, stars, verdict, explanation
    awards: pd.DataFrame | None   # id, name, eligible, awarded, rank, reasons
    award_title: str
    award_notes: tuple[str, ...]
    problems: tuple[tuple[str, str], ...]
    report_date: str

    def _card(self) -> Card:
        facts = []
        if len(self.league):
            top, bottom = self.league.iloc[0], self.league.iloc[-1]
            facts.append(("league", (f"{len(self.league)}; highest {top['enterprise_id']} {top['index']:.1f}, lowest "
                                    f"{bottom['enterprise_id']} {bottom['index']:.1f}")))
        if len(self.industries):
            target = self.study.model.target
            rows = self.industries[self.industries["construct"] == target]
            facts.append(("industries", pairs(rows.set_index("industry")["index"], 1)))
        if len(self.certification):
            facts.append(("certification", f"{len(self.certification)} scored"))
        if self.awards is not None:
            facts.append(("awards", f"{int(self.awards['awarded'].astype(bool).sum())} awarded"))
        if self.problems:
            facts.append(("problems", [key for key, _ in self.problems]))
        return Card("OverviewContent", f"{self.study.id} ({self.lang}), {self.report_date}", facts,
                    [("league", self.league)], (".league", ".industries", ".certification", ".awards", ".summary()"))

    def summary(self) -> Summary:
        """The overview's tables: league, industries, certification and awards."""
        tables = {"league": self.league, "industries": self.industries, "certification": self.certification}
        if self.awards is not None:
            tables["awards"] = self.awards
        return self._card().summary(tables)


def overview_content(study: Study | str | Path, lang: str | None = None,
                     analysis: StudyAnalysis | str | Path | None = None) -> OverviewContent:
    """Gather the overview's numbers (from the saved batch analysis when given)."""
    if isinstance(analysis, str | Path) and str(analysis):
        analysis = StudyAnalysis.load(analysis)
    if not isinstance(analysis, StudyAnalysis):
        analysis = analyse_study(study if isinstance(study, Study) else load_study(study))
    study = analysis.study
    lang = lang or study.language
    names = {e.id: e.label(lang) for e in study.enterprises}
    league = analysis.league.assign(name=lambda x: x["enterprise_id"].map(names),
                                    industry_label=lambda x: x["industry"].map(lambda i: study.industry_label(i, lang)))
    benchmarks = analysis.benchmarks
    industries = benchmarks[benchmarks["construct"] == study.model.target].assign(
        industry_label=lambda x: [t("overall_all", lang) if i == OVERALL else study.industry_label(i, lang)
                                  for i in x["industry"]])
    cert = pd.DataFrame([{"enterprise_id": e, "name": names[e], "total": r.total,
                          "stars": "★" * r.stars if r.stars else "", "verdict": r.verdict(lang),
                          "explanation": r.explanation(lang)} for e, r in analysis.rubric.items()])
    awards, title, notes = None, "", ()
    if analysis.awards is not None:
        s = analysis.awards.summary
        awards = s.assign(name=s["id"].map(names), reasons=s[f"reason_{lang}"])
        awards = awards.sort_values(["eligible", "rank", "id"], ascending=[False, True, True], na_position="last")
        title, notes = analysis.awards.rules.title.get(lang, ""), analysis.awards.notes
    return OverviewContent(study, lang, league, industries, cert, awards, title, notes, analysis.problems,
                           study.report.date or dt.date.today().isoformat())


def overview_cover(o: OverviewContent) -> Html:
    lang, study = o.lang, o.study
    meta = [(t("evaluator", lang), study.evaluator.get(lang, "")), (t("period", lang), study.period),
            (t("n_enterprises", lang), f"{len(study.enterprises):,}"),
            (t("report_date", lang), date_text(o.report_date, lang))]
    rows = "".join(f"<tr><th>{escape(k)}</th><td>{escape(str(v))}</td></tr>" for k, v in meta if v)
    problems = "".join(f'<p class="csi-warning">{escape(t("rule_problem", lang, rule=rule_name(k, lang), message=m))}</p>'
                       for k, m in o.problems)
    return Html(f'<section class="csi-cover"><p class="csi-study">{escape(study.title.get(lang, ""))}</p>'
                f'<h1>{escape(t("overview_title", lang))}</h1><table class="csi-meta">{rows}</table>{problems}</section>')


def overview_league(o: OverviewContent) -> Html:
    lang = o.lang
    names = dict(zip(o.league["enterprise_id"], o.league["name"]))
    small = ~o.study.report.inferential(o.league["n"])  # rule 2: the point only, no interval below min_n
    chart = charts.figure(charts.league_chart(names, o.league, lang, min_n=o.study.report.min_n),
                          alt=t("league_chart", lang)).html
    frame = o.league.assign(versus=[t(f"vs_{v}", lang) for v in o.league["versus_industry"]],
                            ci=["—" if no else f"{number(a, lang)}–{number(b, lang)}"
                                for a, b, no in zip(o.league["ci_low"], o.league["ci_high"], small)],
                            rank_ci=wording.rank_intervals(o.league, lang, within="all"))
    columns = {"rank": "#", "rank_ci": t("rank_ci", lang), "name": t("enterprise", lang),
               "industry_label": t("industry", lang), "index": t("index", lang), "ci": t("ci95", lang),
               "fh_index": t("fh_index", lang), "versus": t("versus_peers", lang)}
    if "change" in frame.columns:
        columns.update({"change": t("change", lang), "change_p_value": t("p_value", lang)})
    html = table(frame, columns, lang, formats={"change": lambda v, g: number(v, g, signed=True),
                                                "change_p_value": pvalue}, numeric=("ci", "rank_ci"))
    notes = [t("benchmark_note", lang, definition=t(f"benchmark_{o.study.benchmark}", lang)),
             t("o_uncertainty_note", lang)]
    unranked = frame.loc[frame["rank"].isna(), "name"]
    if len(unranked):
        notes.append(t("o_unranked", lang, min_n=o.study.report.min_n, names=join(list(unranked), lang)))
    listed = set(o.league["enterprise_id"])
    left_out = [e.label(lang) for e in o.study.enterprises if e.id not in listed]
    if left_out:
        notes.append(t("o_left_out", lang, names=join(left_out, lang)))
    paragraphs = "".join(f"<p>{escape(n)}</p>" for n in notes)
    return Html(f'<h2>{escape(t("o_league", lang))}</h2>{paragraphs}{chart}{html}')


def overview_industries(o: OverviewContent) -> Html:
    lang = o.lang
    html = table(o.industries, {"industry_label": t("industry", lang), "n_enterprises": t("n_enterprises", lang),
                                "index": t("index", lang), "ci_low": "CI −", "ci_high": "CI +"}, lang)
    return Html(f'<h2>{escape(t("o_industries", lang))}</h2>{html}')


def overview_distribution(o: OverviewContent) -> Html:
    lang = o.lang
    chart = charts.figure(charts.distribution_chart(o.league, lang), alt=t("distribution_chart", lang)).html
    return Html(f'<h2>{escape(t("o_distribution", lang))}</h2>{chart}')


def overview_certification(o: OverviewContent) -> Html:
    lang = o.lang
    if o.certification.empty:
        return Html(f'<h2>{escape(t("o_certification", lang))}</h2><p>{escape(t("no_rubric", lang))}</p>')
    # one level column: the stars beside the level they stand for ("三星级 ★★★"), not a column of each
    frame = o.certification.assign(level=[f"{v} {s}" if s else v for v, s in zip(o.certification["verdict"],
                                                                                    o.certification["stars"])])
    html = table(frame, {"name": t("enterprise", lang), "total": t("total_points", lang),
                         "level": t("level_label", lang), "explanation": t("reasons", lang)}, lang, css="csi-wide")
    return Html(f'<h2>{escape(t("o_certification", lang))}</h2>{html}')


def overview_awards(o: OverviewContent) -> Html:
    """Who qualifies, who does not and why, per enterprise (reasons name each failed criterion)."""
    lang = o.lang
    head = f'<h2>{escape(t("o_awards", lang))}</h2>'
    if o.awards is None:
        return Html(head)
    frame = o.awards.assign(result=[_award_result(e, a, r, lang) for e, a, r in
                                    zip(o.awards["eligible"], o.awards["awarded"], o.awards["rank"])])
    html = table(frame, {"name": t("enterprise", lang), "result": t("o_award_result", lang),
                         "reasons": t("reasons", lang)}, lang, css="csi-wide")
    notes = "".join(f"<li>{escape(n)}</li>" for n in o.award_notes)
    notes_html = f'<h3>{escape(t("o_notes", lang))}</h3><ul>{notes}</ul>' if notes else ""
    return Html(f'{head}<p>{escape(o.award_title)}</p>{html}{notes_html}')


def _award_result(eligible, awarded, rank, lang: str) -> str:
    """Eligibility and award in one cell: "入选（第 1 名）", "符合条件，未入选" or "不符合条件"."""
    if bool(awarded):
        return t("o_awarded_rank", lang, rank=int(rank)) if not pd.isna(rank) else t("o_awarded", lang)
    return t("o_eligible_not_awarded" if bool(eligible) else "o_not_eligible", lang)


def overview_record(o: OverviewContent) -> Record:
    """Headline numbers published by the overview notebook's hidden last cell."""
    eligible = [] if o.awards is None else [str(x) for x in o.awards.loc[o.awards["eligible"].astype(bool), "id"]]
    return Record({"enterprise_id": "overview", "enterprise": t("overview_title", o.lang),
                   "title": o.study.title.get(o.lang, ""), "enterprises": len(o.league),
                   "eligible": eligible})
