"""What an enterprise report says: the numbers, gathered from the pipeline into one frozen object.

The notebook only calls :func:`enterprise_content` and hands the result to the renderers, so every
figure in the report is gathered here (and in :mod:`csi.report._facts`), by the same public
functions a statistician uses. Study-level numbers (indices, benchmarks, comparisons, changes) are
read from :class:`csi.StudyAnalysis`, never recomputed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from csi._display import Card, Display, Summary
from csi._version import __version__
from csi.analysis._study import BOOTSTRAP_RESAMPLES, StudyAnalysis, analyse_study, load_responses, no_respondents
from csi.exceptions import DataError
from csi.indices import item_scores, item_weights
from csi.io._study import Enterprise, Grade, Study, load_study
from csi.pls import BootstrapResult, MIResult, PLSResult
from csi.report import _facts as facts
from csi.report._i18n import t
from csi.rules import RubricResult
from csi.survey import SamplePlan, ScreeningResult, WeightingResult

__all__ = ["EnterpriseContent", "StudyAnalysis", "analyse_study", "enterprise_content", "load_responses"]


@dataclass(frozen=True, repr=False)
class EnterpriseContent(Display):
    """All numbers and labels of one enterprise's report, in one language."""

    study: Study
    enterprise: Enterprise
    lang: str
    pool: str                    # "industry" | "study" | "enterprise": which respondents the model saw
    fit: PLSResult
    target: str
    index: float                 # the enterprise's index on the target construct
    industry_index: float        # the industry benchmark of the target construct (StudyAnalysis.benchmarks)
    previous_index: float | None
    dimensions: pd.DataFrame     # construct, label, index, industry_index (the benchmark), gap, direction, verdict, …
    items: pd.DataFrame          # construct, item, text, mean, score, item_weight, loading
    paths: pd.DataFrame          # source, target, estimate, ci_low, ci_high, p_value (labels)
    r_squared: pd.DataFrame      # construct, r_squared
    reliability: pd.DataFrame    # construct, label, k, alpha, rho_a, rho_c, ave, *_ok (on the pool)
    htmt: pd.DataFrame           # construct_a, construct_b, htmt, htmt_ok (labels)
    ledger: pd.Series            # read, analysed, excluded, reasons…
    exclusions: pd.DataFrame     # reason, count
    missing_values: int          # item values missing among the enterprise's analysed respondents
    imputed_values: int          # values mean-imputed in the pooled estimation
    report_number: str = ""
    report_date: str = ""
    index_ci: tuple[float, float, float] = (float("nan"),) * 3   # std_error, ci_low, ci_high (linearization)
    grade: Grade | None = None
    league: pd.Series | None = None          # the enterprise's league-table row
    peers: pd.DataFrame = field(default_factory=pd.DataFrame)  # industry league rows with names
    change: pd.DataFrame | None = None       # csi.index_difference: now − previous wave per construct
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)  # every wave's indices, oldest first (wave labels)
    rubric: RubricResult | None = None
    award: tuple[Any, pd.DataFrame] | None = None
    award_title: str = ""
    plan: SamplePlan | None = None
    weighting: WeightingResult | None = None
    weighting_error: str | None = None
    margins: pd.DataFrame = field(default_factory=pd.DataFrame)
    rates: pd.DataFrame = field(default_factory=pd.DataFrame)
    segments: pd.DataFrame = field(default_factory=pd.DataFrame)
    cfa: Any = None  # [model] cfa: the pool's CFAResult, or the reason it could not be fitted (str)
    topics: pd.DataFrame = field(default_factory=pd.DataFrame)  # the study's complaint topics in its own texts
    ipma: pd.DataFrame = field(default_factory=pd.DataFrame)
    drivers: pd.DataFrame = field(default_factory=pd.DataFrame)
    complaints: dict | None = None
    verbatims: pd.DataFrame | None = None
    strengths: pd.DataFrame = field(default_factory=pd.DataFrame)
    weaknesses: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: tuple[tuple[str, str], ...] = ()
    boot: BootstrapResult | None = None
    imputation: MIResult | None = None  # [model] missing = "mi": the pool's fits pooled over its imputations
    hashes: dict[str, str] = field(default_factory=dict)
    csi_version: str = ""
    weighted: bool = False
    records: dict | None = None              # the enterprise's own operating records ([rules] operations)
    remarks: tuple[str, str] = ("", "")      # the evaluator's remarks and their language
    wave_changes: pd.DataFrame = field(default_factory=pd.DataFrame)  # StudyAnalysis.wave_changes: its rows

    def label(self, construct: str) -> str:
        return self.study.questionnaire.construct_label(construct, self.lang)

    def _card(self) -> Card:
        e, grade = self.enterprise, self.grade.label.get(self.lang, "") if self.grade else ""
        facts = [("sample", (f"{int(self.ledger['analysed']):,} analysed of {int(self.ledger['read']):,} read; model "
                            f"of its {self.pool}, n = {self.fit.n:,}")),
                 ("strengths", list(self.strengths["construct"]) or "none"),
                 ("weaknesses", list(self.weaknesses["construct"]) or "none")]
        if self.previous_index is not None:
            facts.append(("previous wave", f"{self.previous_index:.1f}"))
        if self.rubric is not None:
            facts.append(("rubric", f"{self.rubric.total:.2f} points, {self.rubric.verdict(self.lang)}"))
        if self.problems:
            facts.append(("problems", [key for key, _ in self.problems]))
        return Card("EnterpriseContent", f"{e.id} {e.label(self.lang)} ({self.lang}): {self.target} index "
                    f"{self.index:.1f}" + (f" ({grade})" if grade else "") + f", industry {self.industry_index:.1f}",
                    facts, [("dimensions", self.dimensions)],
                    (".dimensions", ".items", ".paths", ".reliability", ".strengths", ".weaknesses", ".summary()"))

    def summary(self) -> Summary:
        """The report's main tables: dimensions against the industry, items, paths, reliability, HTMT,
        strengths and weaknesses."""
        return self._card().summary({"dimensions": self.dimensions, "items": self.items, "paths": self.paths,
                                     "reliability": self.reliability, "htmt": self.htmt,
                                     "strengths": self.strengths, "weaknesses": self.weaknesses})

    def directed_label(self, construct: str) -> str:
        """The label, marked "(lower is better)" for a lower-is-better construct (tables, strengths, IPMA)."""
        return directed_label(self.study, construct, self.lang)


def directed_label(study: Study, construct: str, lang: str) -> str:
    label = study.questionnaire.construct_label(construct, lang)
    return label + t("lower_is_better_mark", lang) if study.model.model.direction(construct) < 0 else label


def enterprise_content(study: Study | str | Path, enterprise_id: str, lang: str | None = None,
                       analysis: StudyAnalysis | str | Path | None = None) -> EnterpriseContent:
    """Compute everything the report of ``enterprise_id`` shows.

    ``analysis`` is the study-level work from :func:`analyse_study` (or the path of its saved copy);
    without it, the study is read and analysed here.
    """
    if isinstance(analysis, str | Path) and str(analysis):
        analysis = StudyAnalysis.load(analysis)
    if not isinstance(analysis, StudyAnalysis):
        study = study if isinstance(study, Study) else load_study(study)
        analysis = analyse_study(study)
    study = analysis.study
    enterprise = study.enterprise(enterprise_id)
    lang = lang or study.language
    q, settings = study.questionnaire, study.model
    column = q.enterprise_column
    own = analysis.data[analysis.data[column] == enterprise.id]
    if enterprise.id in analysis.weighting_errors:
        raise DataError(f"{study.path}: enterprise {enterprise.id} could not be weighted "
                        f"([weighting]): {analysis.weighting_errors[enterprise.id]}")
    if own.empty:
        raise DataError(no_respondents(study, enterprise.id, _ledger_row(analysis.current, enterprise.id)["read"]))
    pool_key = analysis.pool_key(enterprise.id)
    if pool_key in analysis.pool_errors:  # its pool's model could not be estimated: this report fails, naming it
        raise DataError(analysis.pool_errors[pool_key])
    fit, weights = analysis.fits[pool_key], analysis.weight_column
    labels = {c: q.construct_label(c, lang) for c in settings.model.constructs}
    directed = {c: directed_label(study, c, lang) for c in settings.model.constructs}
    dims = _dimensions(analysis, fit, enterprise, directed)
    items = item_scores(fit, data=own, weights=weights)
    items.insert(2, "text", [q.item(i).text.get(lang, i) for i in items["item"]])
    items = items.merge(item_weights(fit), on=["construct", "item"], how="left") \
        .merge(fit.outer[["item", "loading"]], on="item", how="left")
    trend = facts.trend(analysis, enterprise)
    target_row = dims.set_index("construct").loc[settings.target]
    before = analysis.previous_indices
    previous = before[(before["enterprise_id"] == enterprise.id) & (before["construct"] == settings.target)]["index"]
    league = analysis.league.set_index("enterprise_id")
    item_rates = analysis.rates_of(enterprise.id)
    complaints, verbatims = facts.complaints(analysis, own, lang)
    strengths, weaknesses = (frame.assign(label=frame["construct"].map(directed))
                             for frame in analysis.strengths_weaknesses(enterprise.id))
    problems = analysis.problems + analysis.enterprise_problems.get(enterprise.id, ())
    boot, imputation = analysis.boots.get(pool_key), analysis.mi.get(pool_key)
    return EnterpriseContent(
        study=study, enterprise=enterprise, lang=lang, pool=pool_key.split(":")[0], fit=fit, target=settings.target,
        index=float(target_row["index"]), industry_index=float(target_row["industry_index"]),
        previous_index=float(previous.iloc[0]) if len(previous) else None,
        dimensions=dims, items=items, paths=_paths(fit, imputation or boot, labels),
        r_squared=fit.r_squared.assign(construct=fit.r_squared["construct"].map(labels)),
        reliability=analysis.reliability[pool_key].assign(
            label=lambda frame: frame["construct"].map(labels)),
        htmt=analysis.htmt[pool_key].assign(construct_a=lambda frame: frame["construct_a"].map(labels),
                                            construct_b=lambda frame: frame["construct_b"].map(labels)),
        ledger=_ledger_row(analysis.current, enterprise.id), exclusions=_exclusions(analysis.current, enterprise.id),
        missing_values=int(own[list(fit.model.items)].isna().sum().sum()),
        imputed_values=int(fit.missing["n_missing"].sum()) if settings.missing == "mean" else 0,
        report_number=f"{study.report.number_prefix}{enterprise.id}",
        report_date=study.report.date or dt.date.today().isoformat(),
        index_ci=(float(target_row["std_error"]), float(target_row["ci_low"]), float(target_row["ci_high"])),
        grade=study.report.grade(float(target_row["index"])),
        league=league.loc[enterprise.id] if enterprise.id in league.index else None,
        peers=facts.peers(analysis, enterprise, lang),
        change=facts.change(analysis, enterprise), trend=trend, wave_changes=facts.wave_changes(analysis, enterprise),
        rubric=analysis.rubric.get(enterprise.id), award=facts.award_rows(analysis, enterprise),
        award_title=analysis.awards.rules.title.get(lang, "") if analysis.awards is not None else "",
        plan=facts.sample_plan(study, enterprise), weighting=analysis.weighting.get(enterprise.id),
        margins=facts.sample_margins(study, own, lang, analysis, enterprise),
        rates=item_rates, segments=facts.segments(imputation or fit, own, study, analysis, lang),
        ipma=facts.ipma(analysis, enterprise).assign(label=lambda frame: frame["construct"].map(directed)),
        drivers=facts.drivers(fit, item_rates, study), complaints=complaints, verbatims=verbatims,
        strengths=strengths, weaknesses=weaknesses, problems=problems, boot=boot, imputation=imputation,
        hashes=facts.own_files(analysis, enterprise), csi_version=__version__, weighted=analysis.weighted,
        records=facts.records(analysis, enterprise), remarks=facts.remarks(analysis, enterprise, lang),
        cfa=analysis.cfa.get(pool_key), topics=facts.topics(analysis, enterprise),
    )


def _dimensions(analysis: StudyAnalysis, fit: PLSResult, enterprise: Enterprise, labels: dict[str, str]
                ) -> pd.DataFrame:
    """The enterprise's index per construct with its linearization CI beside its industry benchmark and the
    comparison (all from :func:`analyse_study`); a construct with a negative index weight is flagged."""
    mine = analysis.comparisons[analysis.comparisons["enterprise_id"] == enterprise.id]
    own = analysis.indices[analysis.indices["enterprise_id"] == enterprise.id]
    flags = item_weights(fit).groupby("construct", sort=False)["item_weight"].min().lt(0) \
        .rename("negative_weights").reset_index()
    dims = flags.merge(own[["construct", "index", "std_error", "ci_low", "ci_high", "n"]], on="construct", how="left") \
        .merge(mine[["construct", "benchmark", "gap", "direction", "p_holm", "verdict"]], on="construct", how="left") \
        .rename(columns={"benchmark": "industry_index"})
    dims["label"] = dims["construct"].map(labels)
    return dims[["construct", "label", "index", "negative_weights", "industry_index", "gap", "direction", "p_holm",
                 "verdict", "std_error", "ci_low", "ci_high", "n"]]


def _paths(fit: PLSResult, boot: BootstrapResult | MIResult | None, labels: dict[str, str]) -> pd.DataFrame:
    """The paths with their intervals and p-values: the bootstrap's, or Rubin's rules' under imputation."""
    paths = fit.paths.copy()
    if boot is not None:
        paths = paths.merge(boot.paths[["source", "target", "ci_low", "ci_high", "p_value"]], on=["source", "target"],
                            how="left")
    paths["source_id"], paths["target_id"] = paths["source"], paths["target"]
    return paths.assign(source=paths["source"].map(labels), target=paths["target"].map(labels))


def _ledger_row(screening: ScreeningResult, enterprise_id: str) -> pd.Series:
    ledger = screening.ledger.set_index("enterprise_id")
    if enterprise_id not in ledger.index:
        return pd.Series({"read": 0, "analysed": 0, "excluded": 0})
    return ledger.loc[enterprise_id]


def _exclusions(screening: ScreeningResult, enterprise_id: str) -> pd.DataFrame:
    own = screening.excluded[screening.excluded["enterprise_id"] == enterprise_id]
    return own.groupby("reason").size().rename("count").reset_index()


BOOTSTRAP = BOOTSTRAP_RESAMPLES  # shown in the appendix
