"""The study-level work of a batch, done once: screening, weighting, pooled fits, benchmarks and rules.

Every enterprise report and the study overview read their numbers from one :class:`StudyAnalysis`,
so the league table, industry indices, stars and award verdicts are the same in every report.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import pickle
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from csi._api import public
from csi._display import Card, Display, Summary, pairs
from csi._validation import RESERVED_COLUMNS, WEIGHT_COLUMN, path_problem, reserved_column_problem, yes_no
from csi.analysis._compare import (
    WAVE_CHANGE_COLUMNS,
    benchmark_table,
    compare,
    compare_waves,
    consecutive_changes,
    league_of,
    league_uncertainty,
    survey_weight_totals,
)
from csi.analysis._excel import study_sheets, write_workbook
from csi.exceptions import CSIError, DataError, StudyError
from csi.indices import (
    TopicResult,
    complaint_topics,
    enterprise_indices,
    importance_performance,
    load_keywords,
    satisfaction_rates,
)
from csi.io import Enterprise, Study, load_study, read_responses
from csi.io._study import Wave
from csi.measurement import CFAResult, cfa, htmt, reliability
from csi.measurement._reliability import THRESHOLDS, flag_reliability
from csi.pls import BootstrapResult, MIResult, PLSResult, bootstrap, estimate, estimate_mi
from csi.pls._mi import mean_over_imputations
from csi.rules import AwardResult, RubricResult, check_eligibility, load_award_rules, load_rubric, score_rubric
from csi.survey import ScreeningResult, WeightingResult, rake, screen

if TYPE_CHECKING:
    from csi.indices._dissatisfaction import KeywordDictionary

#: Each step of a study analysis, at INFO (``csi run`` prints them; so does a notebook with logging on).
log = logging.getLogger("csi.analysis")

_LOADED: dict = {}           # the last analysis StudyAnalysis.load read, with its file's identity
WEIGHT = WEIGHT_COLUMN       # the column holding each respondent's survey weight (1 without weighting; reserved)
BOOTSTRAP_RESAMPLES = 1000   # pool-level path and index CIs; seeded with the study's seed
#: Satisfied from lo + 0.7·span, dissatisfied up to lo + 4/9·span of the item scale: 8–10 and 1–5 on 1–10.
RATE_BOUNDS = (0.7, 4 / 9)


@dataclass(frozen=True, repr=False)
class StudyAnalysis(Display):
    """Every study-level number, defined once; every report, the overview and the manifest read it.

    Tables (tidy DataFrames; :meth:`to_frames` lists them by name):

    - ``indices``: ``enterprise_id, construct, index, std_error, ci_low, ci_high, n`` — the one definition of
      an enterprise's index: its own (weighted) item means scored with its pool's outer weights (pooled, or
      per enterprise, as ``[model] estimation`` says), linearization SE; ``previous_indices`` the same for
      the previous wave, scored with the current weights;
    - ``benchmarks``: ``industry, construct, index, std_error, ci_low, ci_high, n_enterprises, definition`` —
      the one industry benchmark, by the rule ``[benchmark] industry`` (``definition``); industry ``all`` is
      the whole study;
    - ``comparisons``: each enterprise and construct against its industry benchmark: ``gap``, its SE, the
      Welch–Satterthwaite ``df``, Student's t p-value Holm-adjusted within the industry and construct,
      ``direction`` (+1 higher is better, −1 lower is better) and ``verdict`` (``better`` / ``worse`` /
      ``not significant`` / ``no peers`` / ``not tested``: fewer than ``[report] min_n`` respondents);
    - ``league``: the target construct's league table (ranks, the indices' CIs, the comparison, the change),
      with the ranks' 95 % bootstrap intervals (``rank_ci_low`` … ``rank_in_group_ci_high``) and each
      enterprise's Fay–Herriot index beside its direct one (``fh_index``, ``fh_std_error``, ``fh_gamma``);
    - ``changes``: each enterprise and construct against the previous wave (linearization, independent
      samples, Welch–Satterthwaite df), ``verdict`` read in the construct's direction (``not tested`` below
      ``[report] min_n`` respondents in either wave);
    - ``rates`` (computed when first asked for; :meth:`rates_of` for one enterprise): satisfied / acceptable /
      dissatisfied rates per enterprise, construct and item;
    - ``ipma``: each enterprise's importance–performance map of the target's antecedents (its pool's total
      effects, its own indices; :func:`csi.importance_performance`, direction-aware), by priority;
    - ``ledger`` (screening: read = analysed + excluded, by reason), ``exclusions`` (one row per excluded
      respondent) and ``weights`` (each analysed respondent's survey weight);
    - ``rubric`` and ``awards`` verdicts; ``problems`` lists rule files that could not be used, as
      ``(key, message)``, and ``enterprise_problems`` an enterprise's own files (its audit) that could not be
      (shown in its report only);
    - ``keywords`` (the complaint keyword dictionary) and ``remarks`` (the evaluator's remark files by name,
      ``W01.zh`` or ``W01``; a file that could not be read holds a :class:`~csi.exceptions.ReportError`
      message under ``remarks_errors``): read here, with the rule files, so that a report needs nothing from
      the study folder but this analysis (a batch's workers need not see it).

    ``topics``: the complaint texts' topics over the whole study (:func:`csi.complaint_topics`, TF-IDF + NMF, the
    study's seed; ``documents`` by respondent id), so every report names the same topics; None without texts.

    ``waves``: ``wave, enterprise_id, construct, index, std_error, ci_low, ci_high, n`` over every wave, oldest
    first (``[data] previous_wave``'s waves, then the current one, labelled by ``[study] period`` or "current"):
    each earlier wave read, screened and weighted as the previous wave and scored with the current fits, like
    ``previous_indices`` (which are its previous wave's rows). ``wave_changes``: ``wave_from, wave_to`` and the
    columns of ``changes`` for each pair of consecutive waves (:func:`compare_waves`; the last pair is ``changes``).

    ``mi`` (with ``[model] missing = "mi"``) maps a pool key to its model fitted on each of ``[model]
    imputations`` completed data sets (:func:`csi.estimate_mi`: chained equations on the items' scale points,
    each set bootstrapped with the study's resamples), pooled by Rubin's rules. Then ``fits`` holds each pool's
    pooled point estimates (:attr:`MIResult.fit`), ``boots`` nothing, ``reliability`` and ``htmt`` the means over
    the completed sets, and ``indices`` each enterprise's index pooled over them (:func:`csi.enterprise_indices`
    of the MIResult: ``df`` is each index's Rubin degrees of freedom, which the comparisons' and changes' tests
    take, ``fmi`` its fraction of missing information). The earlier waves are imputed the same way and completed
    set k scored with fit k (:meth:`MIResult.imputing`), so ``previous_indices`` and ``waves`` are pooled too
    (docs/methods/multiple-imputation.md §4).

    ``cfa`` (with ``[model] cfa = true``) maps a pool key to its measurement model fitted as a covariance-based
    CFA (:func:`csi.cfa`, ML, the pool's respondents unweighted), or to the reason it could not be fitted.

    ``weighting_errors`` (and ``previous_weighting_errors``) name the enterprises that could not be raked, with
    the reason: they are left out of every table (their reports fail with the reason). ``fits`` maps a pool key ("industry:water", "study" or "enterprise:W01") to its PLS fit, ``boots`` to
    its bootstrap; ``pools`` a pool key to the enterprises its model scores. ``pool_errors`` maps a pool whose
    model could not be estimated (or bootstrapped) to the reason, naming the pool: its enterprises are left out
    of every table (indices, benchmarks, comparisons, league) and their reports fail with the reason; the other
    pools' reports and the overview go on.
    """

    study: Study
    current: ScreeningResult
    previous: ScreeningResult | None
    data: pd.DataFrame
    previous_data: pd.DataFrame | None
    weighting: Mapping[str, WeightingResult]
    weighting_errors: Mapping[str, str]
    previous_weighting_errors: Mapping[str, str]
    fits: Mapping[str, PLSResult]
    boots: Mapping[str, BootstrapResult]
    reliability: Mapping[str, pd.DataFrame]
    htmt: Mapping[str, pd.DataFrame]
    indices: pd.DataFrame
    previous_indices: pd.DataFrame
    benchmarks: pd.DataFrame
    comparisons: pd.DataFrame
    league: pd.DataFrame
    changes: pd.DataFrame
    ipma: pd.DataFrame
    rubric: Mapping[str, RubricResult] = field(default_factory=dict)
    awards: AwardResult | None = None
    operations: pd.DataFrame | None = None
    problems: tuple[tuple[str, str], ...] = ()
    hashes: Mapping[str, str] = field(default_factory=dict)
    pools: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    pool_errors: Mapping[str, str] = field(default_factory=dict)
    keywords: KeywordDictionary | None = None
    remarks: Mapping[str, str] = field(default_factory=dict)
    remarks_errors: Mapping[str, str] = field(default_factory=dict)
    enterprise_problems: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    cfa: Mapping[str, CFAResult | str] = field(default_factory=dict)
    topics: TopicResult | None = None
    waves: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["wave", *INDEX_COLUMNS]))
    wave_changes: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=WAVE_CHANGE_COLUMNS))
    mi: Mapping[str, MIResult] = field(default_factory=dict)

    def save(self, path: str | Path) -> Path:
        """Pickle the analysis for the report notebooks of one batch (a cache, not an archive format)."""
        path = Path(path)
        path.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        return path

    @staticmethod
    @public(subjects=1)
    def load(path: str | Path) -> StudyAnalysis:
        """Read a saved analysis; the last one read is kept while its file is unchanged, since a warm
        kernel renders many enterprises from the same file (nothing downstream modifies it)."""
        stat = Path(path).stat()
        key = (str(Path(path).resolve()), stat.st_mtime_ns, stat.st_size)
        if _LOADED.get("key") != key:
            _LOADED.update(key=key, analysis=pickle.loads(Path(path).read_bytes()))
        return _LOADED["analysis"]

    @property
    def weighted(self) -> bool:
        return self.study.weighting.method != "none"

    @property
    def weight_column(self) -> str | None:
        """The column of ``data`` holding the survey weights, or None without weighting."""
        return _weight_column(self.study)

    @property
    def ledger(self) -> pd.DataFrame:
        """Per enterprise: respondents read, analysed, excluded, and excluded by reason."""
        return self.current.ledger

    @property
    def exclusions(self) -> pd.DataFrame:
        """One row per excluded respondent, with its reason and detail."""
        return self.current.excluded

    @property
    def weights(self) -> pd.DataFrame:
        """Each analysed respondent's survey weight (1 without weighting)."""
        q = self.study.questionnaire
        return self.data[[q.id_column, q.enterprise_column, WEIGHT]].rename(
            columns={q.enterprise_column: "enterprise_id", WEIGHT: "weight"}).reset_index(drop=True)

    def benchmark_of(self, enterprise_id: str, construct: str | None = None) -> float:
        """The industry benchmark an enterprise is compared with (the target construct by default)."""
        row = self.comparisons[(self.comparisons["enterprise_id"] == enterprise_id)
                               & (self.comparisons["construct"] == (construct or self.study.model.target))]
        return float(row["benchmark"].iloc[0]) if len(row) else float("nan")

    def strengths_weaknesses(self, enterprise_id: str, k: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The enterprise's strengths and weaknesses against its industry benchmark, target construct excluded.

        A strength is a construct whose gap is favourable in the construct's direction *and* significant
        (Holm-adjusted, within the industry: verdict ``better``); a weakness one whose gap is unfavourable and
        significant (``worse``). Every other construct has no significant difference and is neither. Largest
        favourable (unfavourable) gaps first; ``k`` keeps the first k of each (default all). Columns:
        ``construct, index, benchmark, gap, favourable_gap, significant, p_holm, direction``.
        """
        c = self.comparisons
        mine = c[(c["enterprise_id"] == enterprise_id) & (c["construct"] != self.study.model.target)]
        cols = ["construct", "index", "benchmark", "gap", "favourable_gap", "significant", "p_holm", "direction"]
        good = mine[mine["verdict"] == "better"].sort_values("favourable_gap", ascending=False, kind="mergesort")
        bad = mine[mine["verdict"] == "worse"].sort_values("favourable_gap", kind="mergesort")
        return good[cols].head(k).reset_index(drop=True), bad[cols].head(k).reset_index(drop=True)

    def pool_key(self, enterprise_id: str) -> str:
        """The pool whose model scores the enterprise ("industry:water", "study" or "enterprise:W01")."""
        return next(key for key, ids in self.pools.items() if enterprise_id in ids)

    def rates_of(self, enterprise_id: str) -> pd.DataFrame:
        """One enterprise's satisfied / acceptable / dissatisfied rates per construct and item
        (:func:`csi.satisfaction_rates` with its pool's model, the study's weights and :func:`rate_bounds`;
        a lower-is-better construct's classes mirrored)."""
        fit = self.fits[self.pool_key(enterprise_id)]
        own = self.data[self.data[self.study.questionnaire.enterprise_column] == enterprise_id]
        lo, hi, satisfied_min, dissatisfied_max = rate_bounds(fit)
        return satisfaction_rates(own, {c: list(fit.model.blocks[c]) for c in fit.model.constructs},
                                  satisfied_min=satisfied_min, dissatisfied_max=dissatisfied_max,
                                  weights=self.weight_column, lower_is_better=fit.model.lower_is_better,
                                  scale=(lo, hi))

    @functools.cached_property
    def rates(self) -> pd.DataFrame:
        """Every analysed enterprise's rates (:meth:`rates_of`), computed when first asked for: a report needs
        only its own enterprise's, so a batch does not compute them all."""
        ids = self.indices["enterprise_id"].unique()
        return pd.concat([self.rates_of(e).assign(enterprise_id=e) for e in ids], ignore_index=True) \
            .pipe(lambda t: t[["enterprise_id", *[c for c in t.columns if c != "enterprise_id"]]])

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every study-level table by name (e.g. for Excel or a statistician's own checks)."""
        frames = {"indices": self.indices, "previous_indices": self.previous_indices, "benchmarks": self.benchmarks,
                  "comparisons": self.comparisons, "league": self.league, "changes": self.changes, "ipma": self.ipma,
                  "rates": self.rates, "waves": self.waves, "wave_changes": self.wave_changes,
                  "ledger": self.ledger, "exclusions": self.exclusions, "weights": self.weights}
        if self.rubric:
            frames["rubric"] = pd.DataFrame([{"enterprise_id": k, "points": r.total, "applicable": r.applicable,
                                              "stars": r.stars} for k, r in self.rubric.items()])
        if self.awards is not None:
            frames["awards"] = self.awards.summary
        if self.topics is not None:
            frames["topics"] = self.topics.sizes
            frames["topic_terms"] = self.topics.topics
        return frames

    def to_excel(self, path: str | Path) -> Path:
        """Every table of :meth:`to_frames` (and the weighting summary) as a sheet of one .xlsx workbook, after a
        README sheet: the study, csi's version, the date and the SHA-256 of every input file (values only; a
        text starting with ``=`` stays text)."""
        s = self.study
        about = [("study", s.id), ("title", s.title.get(s.language) or s.id), ("period", s.period),
                 ("target", s.model.target), ("benchmark", s.benchmark), ("weighting", s.weighting.method)]
        return write_workbook(path, study_sheets(self.to_frames(), self.weighting, about, self.hashes))

    def summary(self) -> Summary:
        """A text account — sample, pools, benchmark rule, the league's top and bottom — then the league of the
        target construct, the industry benchmarks, each pool's fit and the screening ledger (a ``str``; every table
        in ``tables``, HTML in Jupyter)."""
        lines = self._account()
        t = self.study.model.target
        pools = pd.DataFrame([{"pool": key, "enterprises": len(self.pools.get(key, ())), "n": fit.n,
                               "iterations": fit.iterations,
                               f"r_squared_{t}": float(fit.r_squared.set_index("construct")["r_squared"].get(t, np.nan))}
                              for key, fit in self.fits.items()])
        tables = {"league": self.league, "benchmarks": self.benchmarks[self.benchmarks["construct"] == t],
                  "pools": pools, "ledger": self.ledger}
        return Summary(lines[0], tables, lines[1:])

    def _account(self) -> list[str]:
        s, league = self.study, self.league
        ledger = self.ledger
        read, kept, out = (int(ledger[c].sum()) for c in ("read", "analysed", "excluded"))
        lower = s.model.model.lower_is_better
        lines = [(f"Study analysis of {s.id}: {len(s.enterprises)} enterprises, {read:,} respondents read, "
                  f"{kept:,} analysed, {out:,} excluded"),
                 (f"model: {s.model.target} on {len(self.fits)} pool(s) ({', '.join(self.fits)}); weighting: "
                  f"{s.weighting.method}; industry benchmark: {s.benchmark}"
                  f"{'; lower is better: ' + ', '.join(lower) if lower else ''}")]
        for label, errors in (("", self.weighting_errors), (" in the previous wave", self.previous_weighting_errors)):
            if errors:
                lines.append(f"left out{label}, could not be weighted: {', '.join(sorted(errors))}")
        for key in self.pool_errors:
            lines.append(f"left out of the league and the benchmarks, the model of {pool_label(key)} could not be "
                         f"estimated: {', '.join(self.pools.get(key, ()))}")
        if len(league):
            top, bottom = league.iloc[0], league.iloc[-1]
            lines.append(f"{s.model.target} index: highest {top['enterprise_id']} {top['index']:.1f}, lowest "
                         f"{bottom['enterprise_id']} {bottom['index']:.1f}")
        lines.append("tables (to_frames): indices, previous_indices, benchmarks, comparisons, league, changes, ipma, "
                     "rates, waves, wave_changes, ledger, exclusions, weights" + (", rubric" if self.rubric else "")
                     + (", awards" if self.awards is not None else ""))
        return lines

    def _card(self) -> Card:
        s, t = self.study, self.study.model.target
        read, kept, out = (int(self.ledger[c].sum()) for c in ("read", "analysed", "excluded"))
        r2 = {key: fit.r_squared.set_index("construct")["r_squared"].get(t, np.nan) for key, fit in self.fits.items()}
        facts = [("model", f"{t} on {len(self.fits)} pool(s); R² {pairs(r2, 3)}"),
                 ("weighting", s.weighting.method), ("benchmark", s.benchmark)]
        if s.model.model.lower_is_better:
            facts.append(("lower is better", s.model.model.lower_is_better))
        left = sorted({*self.weighting_errors, *(e for key in self.pool_errors for e in self.pools.get(key, ()))})
        if left:
            facts.append(("left out", f"{len(left)}: {', '.join(left)} (see .summary())"))
        if len(self.league):
            top, bottom = self.league.iloc[0], self.league.iloc[-1]
            facts.append((f"{t} index", (f"highest {top['enterprise_id']} {top['index']:.1f}, lowest "
                                        f"{bottom['enterprise_id']} {bottom['index']:.1f}")))
            bench = self.benchmarks[self.benchmarks["construct"] == t].set_index("industry")["index"]
            facts.append(("industry benchmarks", pairs(bench, 1)))
        versus = self.comparisons[self.comparisons["construct"] == t]["verdict"].value_counts()
        facts.append(("versus industry", pairs(versus)))
        if len(self.changes):
            facts.append(("versus previous wave", pairs(self.changes[self.changes["construct"] == t]["verdict"]
                                                         .value_counts())))
        if self.rubric:
            facts.append(("certified", f"{sum(r.level is not None for r in self.rubric.values())} of {len(self.rubric)}"))
        if self.awards is not None:
            facts.append(("awarded", f"{int(self.awards.summary['awarded'].astype(bool).sum())}"))
        return Card("StudyAnalysis", f"{s.id}: {len(s.enterprises)} enterprises, {read:,} respondents read, {kept:,} "
                    f"analysed, {out:,} excluded", facts, [("league", self.league)],
                    (".league", ".indices", ".benchmarks", ".comparisons", ".changes", ".fits", ".to_frames()",
                     ".summary()"))


@public(subjects=1)
def analyse_study(study: Study | str | Path) -> StudyAnalysis:
    """Read, screen and weight every wave; estimate and bootstrap every pool; index every enterprise (in every
    wave, with the current fits); benchmark each against its industry; compare waves; apply the rules.

    ``study`` is a :class:`Study` or the path of its ``study.toml``. All pools are estimated: league tables
    and industry benchmarks need every enterprise. A pool whose model cannot be estimated is recorded in
    ``pool_errors`` (its enterprises' reports fail, naming it) instead of stopping the study; when no pool can
    be estimated the error is raised.
    """
    study = study if isinstance(study, Study) else load_study(study)
    current = load_responses(study)
    previous = load_responses(study, study.previous) if study.previous else None
    log.info("read and screened: %s responses, %s kept%s", f"{len(current.kept) + len(current.excluded):,}",
             f"{len(current.kept):,}", "" if previous is None else f" (previous wave: {len(previous.kept):,} kept)")
    data, weighting, errors = _weigh(study, current.kept)
    log.info("weighted: %d enterprises%s", len(weighting), f", {len(errors)} could not be weighted" if errors else "")
    if data.empty:  # nothing left to analyse: say why here, not with a failure on an empty table further on
        raise DataError(" ".join(weighting_failures(study, errors)) or f"{study.path}: no respondent is left to "
                        f"analyse: the screening ([screening]) excluded all {len(current.excluded)} read.")
    previous_data, _, previous_errors = _weigh(study, previous.kept) if previous is not None else (None, {}, {})
    weights = _weight_column(study)
    fits, boots, mis, pool_errors, failures = {}, {}, {}, {}, []
    pools, members = _pools(study, data)
    imputing = study.model.missing == "mi"  # then each pool's enterprises are scored by its MIResult
    for k, (key, rows) in enumerate(pools, 1):
        log.info("estimating %d/%d: %s (n = %s, %d bootstrap resamples%s)", k, len(pools), key, f"{len(rows):,}",
                 BOOTSTRAP_RESAMPLES, f" on each of {study.model.imputations} imputations" if imputing else "")
        try:  # one pool that cannot be estimated fails its own enterprises' reports, not the study
            if imputing:
                mis[key] = impute_pool(study, key, rows)
                fit = mis[key].fit
            else:
                fit = estimate_pool(study, key, rows)
                boots[key] = bootstrap(fit, n_resamples=BOOTSTRAP_RESAMPLES, seed=study.seed,
                                       **design_columns(study, rows))
        except CSIError as exc:
            pool_errors[key] = str(exc)
            failures.append(exc)
            continue
        fits[key] = fit
    if pools and not fits:  # nothing to report at all: the run stops, saying why (each reason once)
        raise type(failures[0])(" ".join(dict.fromkeys(pool_errors.values())))
    cfas = _cfas(fits, pools) if study.model.cfa else {}
    scorers = fits | mis  # what scores a pool's enterprises: its fit, or its imputations
    indices = _indices(study, data, scorers, members, weights)
    previous_indices = wave_indices(study, previous_data, study.previous.label, fits, mis, members, weights) \
        if previous_data is not None else indices.iloc[:0]
    shares = survey_weight_totals(study, data, weights)
    benchmarks = benchmark_table(indices, shares, study, data, scorers, members, weights)
    comparisons = compare(indices, shares, benchmarks, study)
    changes = compare_waves(indices, previous_indices, study.model.model, min_n=study.report.min_n)
    series = [*_earlier_indices(study, fits, mis, members, weights), *([(study.previous.label, previous_indices)]
                                                                 if previous_data is not None else []),
              (study.current_label, indices)]
    waves = pd.concat([table.assign(wave=label)[["wave", *INDEX_COLUMNS]] for label, table in series],
                      ignore_index=True)
    league = league_uncertainty(study, league_of(study, indices, comparisons, changes), indices, data, scorers,
                                members, weights, BOOTSTRAP_RESAMPLES)
    ipma = _ipma(study, indices, fits, members)
    problems: list[tuple[str, str]] = []
    own_problems: dict[str, list[tuple[str, str]]] = {}
    rubric = _rubric(study, indices, problems, own_problems)
    operations = _operations(study, problems)
    awards = _awards(study, indices, operations, problems)
    keywords = _keywords(study, problems)
    remarks, remarks_errors = _remarks(study, problems)
    return StudyAnalysis(study, current, previous, data, previous_data, weighting, errors, previous_errors, fits, boots,
                         *_measurement(fits, mis),
                         indices, previous_indices, benchmarks, comparisons, league, changes, ipma, rubric, awards,
                         operations, tuple(problems), _hashes(study), {key: tuple(ids) for key, ids in members.items()},
                         pool_errors, keywords, remarks, remarks_errors,
                         {eid: tuple(found) for eid, found in own_problems.items()}, cfas,
                         _topics(study, data, keywords), waves,
                         consecutive_changes(series, study.model.model, min_n=study.report.min_n), mis)


def _measurement(fits: Mapping[str, PLSResult], mis: Mapping[str, MIResult]
                 ) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """Every pool's reliability and HTMT tables; with multiple imputation the means over the completed sets
    (Rubin's point estimate), their flags set from the means."""
    reliabilities, htmts = {}, {}
    for key, fit in fits.items():
        completed = mis[key].fits if key in mis else (fit,)
        reliabilities[key] = flag_reliability(mean_over_imputations([reliability(f) for f in completed], ["construct"]))
        mean = mean_over_imputations([htmt(f) for f in completed], ["construct_a", "construct_b"])
        htmts[key] = mean.assign(htmt_ok=mean["htmt"] < THRESHOLDS["htmt"])
    return reliabilities, htmts


def wave_indices(study: Study, data: pd.DataFrame, label: str, fits: Mapping[str, PLSResult],
                 mis: Mapping[str, MIResult], members: Mapping[str, list[str]], weights: str | None,
                 m: int | None = None) -> pd.DataFrame:
    """An earlier wave's indices: scored with each pool's current fit; under multiple imputation with the pool's
    fits, the wave's own respondents imputed ``m`` times (``[model] imputations``) as the current wave's were
    (:meth:`MIResult.imputing`), so a change compares pooled indices with pooled indices. An error names the
    wave and the pool."""
    scorers: dict[str, PLSResult | MIResult] = dict(fits)
    column = study.questionnaire.enterprise_column
    for key, mi in mis.items():
        rows = data[data[column].isin(members[key])]
        if rows.empty:
            continue
        try:
            scorers[key] = mi.imputing(rows, m=m or study.model.imputations)
        except CSIError as exc:
            raise type(exc)(f"{study.path.name}: [model] missing = \"mi\": wave {label} of {pool_label(key)} "
                            f"({len(rows)} analysed respondents) cannot be imputed: {exc}") from None
    return _indices(study, data, scorers, members, weights)


def _earlier_indices(study: Study, fits: Mapping[str, PLSResult], mis: Mapping[str, MIResult],
                     members: Mapping[str, list[str]], weights: str | None) -> list[tuple[str, pd.DataFrame]]:
    """The waves before the previous one, oldest first: each read, screened and weighted as the previous wave is
    and scored with the current fits. An enterprise that cannot be raked in a wave is left out of that wave's
    indices, with the reason logged."""
    out = []
    for wave in study.waves[:-1]:
        screened = load_responses(study, wave)
        data, _, errors = _weigh(study, screened.kept)
        for message in weighting_failures(study, errors, f" in wave {wave.label} (left out of its trend)"):
            log.warning(message)
        log.info("wave %s: %s kept", wave.label, f"{len(screened.kept):,}")
        out.append((wave.label, wave_indices(study, data, wave.label, fits, mis, members, weights)))
    return out


def _topics(study: Study, data: pd.DataFrame, keywords: KeywordDictionary | None) -> TopicResult | None:
    """The complaint topics of every analysed respondent's text; None without an open-ended question or texts
    (or when none is left after anonymising and stop words: logged)."""
    q = study.questionnaire
    text = next((v.id for v in q.open_ended), None)
    if text is None or text not in data.columns or not data[text].fillna("").astype(str).str.strip().astype(bool).any():
        return None
    log.info("finding the complaint texts' topics")
    try:
        return complaint_topics(data.set_index(q.id_column)[text], lang=study.language, keywords=keywords,
                                seed=study.seed)
    except DataError as exc:
        log.warning("no complaint topics: %s", exc)
        return None


def _cfas(fits: Mapping[str, PLSResult], pools: list) -> dict[str, CFAResult | str]:
    """``[model] cfa``: each estimated pool's measurement model as a covariance-based CFA on the pool's
    respondents (ML is unweighted; survey weights do not enter); a pool whose CFA cannot be fitted keeps the
    reason, which its reports show."""
    out: dict[str, CFAResult | str] = {}
    for key, rows in pools:
        if key in fits:
            log.info("cross-checking %s by CFA (ML)", key)
            try:
                out[key] = cfa(fits[key].model, rows)
            except CSIError as exc:
                out[key] = str(exc)
    return out


def load_responses(study: Study, wave: Wave | None = None) -> ScreeningResult:
    """Read the study's responses (or those of ``wave``, one of :attr:`Study.waves`) and screen them."""
    files = study.responses if wave is None else wave.files
    invalid = "raise" if study.screening.out_of_range == "raise" else "flag"
    responses = read_responses(files, study.questionnaire, invalid=invalid, sheet=study.sheet)
    key = "responses" if wave is None else "previous_wave"
    for path in _without_rows(files, responses):
        raise StudyError(f"{study.path.name}: [data] {key}: {path}: no respondents, only a header (or nothing) "
                         f"where one row per respondent was expected; fill the file, or remove it from [data] {key}.")
    reserved = [str(c) for c in responses.columns if str(c) in RESERVED_COLUMNS]
    if reserved:
        raise StudyError(f"{study.path.name}: [data] {key}: {', '.join(map(str, files))}: "
                         f"{reserved_column_problem(reserved[0])} (csi computes the survey weights itself, by "
                         "[weighting]).")
    known = {e.id for e in study.enterprises}
    unknown = sorted(set(responses[study.questionnaire.enterprise_column]) - known)
    if unknown:
        raise StudyError(f"{', '.join(map(str, files))}: enterprise id(s) not in the study's enterprises file: "
                         f"{', '.join(unknown[:10])}; add them there or correct the responses.")
    return screen(responses, study.questionnaire, rules=study.screening)


def _without_rows(files: tuple[Path, ...], responses: pd.DataFrame) -> list[Path]:
    """The response files that hold no respondent (a header only): named, not silently read as nothing."""
    starts = getattr(responses.attrs.get("rows"), "starts", None)  # read_responses' rows per file
    if starts is not None and len(starts) == len(files) + 1:
        return [path for path, n in zip(files, np.diff(starts)) if n == 0]
    return list(files) if responses.empty else []


def pool_of(study: Study, enterprise: Enterprise, kept: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The pool key and the respondents the model is estimated on, by the study's estimation setting.

    With ``estimation = "enterprise"``, an enterprise below ``[model].min_n`` analysed respondents falls
    back to its pool (industry or study).
    """
    column = study.questionnaire.enterprise_column
    settings = study.model
    if settings.estimation == "enterprise":
        own = kept[kept[column] == enterprise.id]
        if len(own) >= settings.minimum_n:
            return f"enterprise:{enterprise.id}", own
        # too few respondents for a model of its own: the pooled model is used, and the report says so
    if settings.pool_by == "study":
        return "study", kept
    peers = [e.id for e in study.enterprises if e.industry == enterprise.industry]
    return f"industry:{enterprise.industry}", kept[kept[column].isin(peers)]


def estimate_pool(study: Study, key: str, rows: pd.DataFrame) -> PLSResult:
    """The PLS fit of one pool, by the study's ``[model]`` settings; an error names the pool and its respondents
    (estimate's own message names items, not which industry's respondents they are)."""
    settings = study.model
    try:
        return estimate(settings.model, rows, weights=_weight_column(study), scheme=settings.scheme,
                        missing=settings.missing)
    except CSIError as exc:
        raise type(exc)(f"{study.path.name}: [model] the model of {pool_label(key)} ({len(rows)} analysed "
                        f"respondents) cannot be estimated: {exc}") from None


def impute_pool(study: Study, key: str, rows: pd.DataFrame, n_resamples: int = BOOTSTRAP_RESAMPLES,
                m: int | None = None) -> MIResult:
    """``[model] missing = "mi"``: the pool's model on each of ``m`` (``[model] imputations``) completed data
    sets, each bootstrapped (the study's design and seed), pooled by Rubin's rules; errors name the pool."""
    settings = study.model
    try:
        return estimate_mi(settings.model, rows, m=m or settings.imputations, seed=study.seed,
                           n_resamples=n_resamples, weights=_weight_column(study), scheme=settings.scheme,
                           **design_columns(study, rows))
    except CSIError as exc:
        raise type(exc)(f"{study.path.name}: [model] the model of {pool_label(key)} ({len(rows)} analysed "
                        f"respondents) cannot be estimated by multiple imputation: {exc}") from None


def pool_label(key: str) -> str:
    """A pool key as a user reads it: "industry 'water'", "enterprise 'W01'" or "the whole study"."""
    kind, _, name = key.partition(":")
    return f"{kind} {name!r}" if name else "the whole study"


def design_columns(study: Study, rows: pd.DataFrame) -> dict[str, pd.Series]:
    """The declared ``[data] strata`` / ``cluster`` columns of ``rows`` for :func:`csi.bootstrap`.

    A column missing from the responses, or a respondent without a value, is an error naming the key,
    the file and the respondents (a bootstrap that silently ignored the design would understate SEs).
    """
    design = {}
    for key, column in (("strata", study.strata), ("cluster", study.cluster)):
        if column is None:
            continue
        where = f"{study.path.name}: [data.{key}]"
        if column in RESERVED_COLUMNS:  # csi's own column, not the responses'
            raise StudyError(f"{where}: {reserved_column_problem(column)}; name a column of the responses.")
        if column not in rows.columns:
            raise StudyError(f"{where}: no column {column!r} in the responses ({', '.join(map(str, study.responses))}"
                             f"); columns: {', '.join(map(str, rows.columns))}.")
        empty = rows[rows[column].isna() | (rows[column].astype(str).str.strip() == "")]
        if len(empty):
            ids = ", ".join(map(str, empty[study.questionnaire.id_column].head(10)))
            raise StudyError(f"{where}: column {column!r} is empty for {len(empty)} respondent(s) ({ids}"
                             f"{', …' if len(empty) > 10 else ''}); give every respondent its {key}.")
        design[key] = rows[column]
    return design


def _pools(study: Study, data: pd.DataFrame) -> tuple[list[tuple[str, pd.DataFrame]], dict[str, list[str]]]:
    """The pools to estimate (key, respondents) and each pool's members: the enterprises whose reports
    use its model (each enterprise is a member of one pool only)."""
    seen: dict[str, pd.DataFrame] = {}
    members: dict[str, list[str]] = {}
    for enterprise in study.enterprises:
        key, rows = pool_of(study, enterprise, data)
        members.setdefault(key, []).append(enterprise.id)
        if key not in seen and not rows.empty:
            seen[key] = rows
    return list(seen.items()), members


def _weigh(study: Study, kept: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, WeightingResult], dict[str, str]]:
    """Rake each enterprise to the margins. An enterprise that cannot be raked is left out of the analysis —
    its index would not be the study's (weighted) index, and an unweighted one must not move its peers'
    benchmark — and named with the reason (its report fails with it)."""
    data = kept.assign(**{WEIGHT: 1.0})
    settings = study.weighting
    if settings.method == "none":
        return data, {}, {}
    column = study.questionnaire.enterprise_column
    margins = settings.margins.copy()
    margins.attrs["source"] = settings.source  # rake's errors then name the margins file (or study.toml table)
    errors = _levels_nobody_has(study, kept)
    results = {}
    for enterprise_id, rows in kept.groupby(column, sort=False):
        if str(enterprise_id) in errors:
            continue
        try:
            result = rake(rows, margins)
        except CSIError as exc:
            errors[str(enterprise_id)] = str(exc)
            continue
        results[str(enterprise_id)] = result
        data.loc[rows.index, WEIGHT] = result.weights.to_numpy()
    return data[~data[column].astype(str).isin(errors)], results, errors


def weighting_failures(study: Study, failed: Mapping[str, str], wave: str = "") -> list[str]:
    """The enterprises that could not be weighted, one message per distinct reason."""
    by_reason: dict[str, list[str]] = {}
    for enterprise_id, reason in failed.items():
        by_reason.setdefault(reason, []).append(enterprise_id)
    return [f"{study.path}: {_enterprises(study, ids)} could not be weighted ([weighting]){wave}: {reason}"
            for reason, ids in by_reason.items()]


def _enterprises(study: Study, ids: list[str]) -> str:
    """'enterprise W01', 'enterprises W01, W02' or 'all 24 enterprises'."""
    if len(ids) == 1:
        return f"enterprise {ids[0]}"
    return f"all {len(ids)} enterprises" if len(ids) == len(study.enterprises) else f"enterprises {', '.join(ids)}"


def _levels_nobody_has(study: Study, kept: pd.DataFrame) -> dict[str, str]:
    """Margin levels no respondent of the study has: every enterprise fails alike, so each gets one message
    naming the margins, the variables and all their levels (rake, per enterprise, names the first it meets)."""
    settings = study.weighting
    absent = []
    for variable, part in settings.margins.groupby("variable", sort=False):
        if variable in kept.columns:  # else rake names the missing column
            found = set(kept[variable].dropna().astype(str))
            levels = [str(level) for level in part["level"] if str(level) not in found]
            if levels:
                absent.append(f"level{'s' if len(levels) > 1 else ''} {', '.join(map(repr, levels))} of {variable!r}")
    if not absent:
        return {}
    message = (f"{settings.source}: no respondent has {'; '.join(absent)}, so no enterprise can be raked to these "
               "margins. Check the responses (a recoding?), or merge the level with a neighbouring one in the "
               "questionnaire, the margins and the data.")
    return dict.fromkeys(kept[study.questionnaire.enterprise_column].astype(str).unique(), message)


def _weight_column(study: Study) -> str | None:
    return WEIGHT if study.weighting.method != "none" else None


def rate_bounds(fit: PLSResult) -> tuple[float, float, float, float]:
    """The item scale (lo, hi) and the class bounds of the rates: satisfied ≥ lo + 0.7·span, dissatisfied ≤
    lo + 4/9·span (:data:`RATE_BOUNDS`)."""
    lo, hi = next(iter(fit.scales.values()))
    return lo, hi, lo + RATE_BOUNDS[0] * (hi - lo), lo + RATE_BOUNDS[1] * (hi - lo)


def _ipma(study: Study, indices: pd.DataFrame, fits: Mapping[str, PLSResult], members: Mapping[str, list[str]]
          ) -> pd.DataFrame:
    """Every enterprise's IPMA: its pool's total effects on the target, its own indices as performance."""
    own = indices.set_index(["enterprise_id", "construct"])["index"]
    indexed = set(indices["enterprise_id"])
    parts = [importance_performance(fit, target=study.model.target, index=own.loc[e]).assign(enterprise_id=e)
             for key, fit in fits.items() for e in members[key] if e in indexed]
    if not parts:
        return pd.DataFrame(columns=["enterprise_id", "priority", "construct"])
    out = pd.concat(parts, ignore_index=True)
    return out[["enterprise_id", *[c for c in out.columns if c != "enterprise_id"]]]


INDEX_COLUMNS = ["enterprise_id", "construct", "index", "std_error", "ci_low", "ci_high", "n"]
#: What an index pooled over imputations adds: Rubin's degrees of freedom, the fraction of missing information.
POOLED_COLUMNS = ["df", "fmi"]


def _indices(study: Study, data: pd.DataFrame, fits: Mapping[str, PLSResult | MIResult],
             members: Mapping[str, list[str]], weights: str | None) -> pd.DataFrame:
    """Every enterprise's indices (all constructs) with linearization SEs, with the current fit of its pool
    (an MIResult pools them over its imputations: then with Rubin's ``df`` and the ``fmi``)."""
    column, parts = study.questionnaire.enterprise_column, []
    for key, fit in fits.items():
        rows = data[data[column].isin(members[key])]
        if not rows.empty:
            parts.append(enterprise_indices(fit, rows, by=column, weights=weights))
    if not parts:
        return pd.DataFrame(columns=INDEX_COLUMNS)
    out = pd.concat(parts, ignore_index=True).rename(columns={column: "enterprise_id"})
    return out[INDEX_COLUMNS + [c for c in POOLED_COLUMNS if c in out]]


def _rubric(study: Study, indices: pd.DataFrame, problems: list, own: dict[str, list]) -> dict[str, RubricResult]:
    """Each analysed enterprise's certification; a rule file that cannot be used is a study problem, an
    enterprise's own audit file that cannot be used that enterprise's problem (``own``): its report names it,
    the others do not."""
    rules = study.rules
    if rules.rubric is None:
        return {}
    try:
        rubric = load_rubric(rules.rubric)
    except (CSIError, OSError) as exc:
        problems.append(("rubric", str(exc)))
        rubric = None
    if rules.audits_dir is None:
        problems.append(("audits_dir", ("[rules].rubric is set but [rules].audits_dir is not: set it to the folder "
                                        "of the audit files, one <enterprise_id>.csv per enterprise")))
    if rubric is None or rules.audits_dir is None:
        return {}
    out = {}
    for enterprise in study.enterprises:
        mine = indices[indices["enterprise_id"] == enterprise.id].set_index("construct")["index"].to_dict()
        if not mine:
            continue  # not analysed (its report fails, saying why): nothing to certify, no problem for the others
        audit = rules.audits_dir / f"{enterprise.id}.csv"
        if not audit.is_file():
            own.setdefault(enterprise.id, []).append(("audits_dir", f"{audit}: no audit file for {enterprise.id}"))
            continue
        try:
            out[enterprise.id] = score_rubric(rubric, audit, indices=mine)
        except CSIError as exc:
            own.setdefault(enterprise.id, []).append(("audits_dir", str(exc)))
    return out


def _operations(study: Study, problems: list) -> pd.DataFrame | None:
    """Operational figures per enterprise, with complaint rate and handling satisfaction derived."""
    path = study.rules.operations
    if path is None:
        return None
    problem = path_problem(path)  # a named pipe would block the report for ever
    if problem:
        problems.append(("operations", f"file not found: {path}" if problem == "file not found" else
                         f"{path} {problem}"))
        return None
    try:
        table = pd.read_csv(path, dtype={"enterprise_id": str}, encoding="utf-8-sig")
    except OSError as exc:
        problems.append(("operations", f"{path}: cannot be read: {exc.strerror or exc}"))
        return None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        problems.append(("operations", f"{path}: could not be read as a UTF-8 CSV: {str(exc).strip()}"))
        return None
    if "enterprise_id" not in table.columns:
        problems.append(("operations", f"{path}: no column 'enterprise_id'; columns: {', '.join(table.columns)}."))
        return None
    served = pd.Series({e.id: e.served_customers for e in study.enterprises}, dtype="float")
    if {"complaints_received"} <= set(table.columns):
        table["complaint_rate"] = table["complaints_received"] / table["enterprise_id"].map(served)
    if {"callbacks", "callbacks_satisfied"} <= set(table.columns):
        table["handling_satisfaction"] = table["callbacks_satisfied"] / table["callbacks"].where(table["callbacks"] > 0)
    if "third_party_survey" in table.columns:
        table["third_party_survey"] = table["third_party_survey"].map(
            lambda v: v if isinstance(v, bool | np.bool_) else yes_no(v) is True)
    return table


def _awards(study: Study, indices: pd.DataFrame, operations: pd.DataFrame | None, problems: list
            ) -> AwardResult | None:
    path = study.rules.awards
    if path is None:
        return None
    try:
        rules = load_award_rules(path)
    except (CSIError, OSError) as exc:
        problems.append(("awards", str(exc)))
        return None
    wide = indices.pivot(index="enterprise_id", columns="construct", values="index")
    table = wide.rename(columns=lambda c: f"{c}_index").reset_index()
    for column, construct in study.rules.award_indices.items():
        table[column] = wide[construct].to_numpy()
    if operations is not None:
        table = table.merge(operations, on="enterprise_id", how="left")
    try:
        return check_eligibility(rules, table, category="enterprise")
    except CSIError as exc:
        problems.append(("awards", str(exc)))
        return None


def _keywords(study: Study, problems: list) -> KeywordDictionary | None:
    """The complaint keyword dictionary ([rules] complaint_keywords), when the questionnaire has an open-ended
    question to sort; a file that cannot be used is a problem the reports name, not a failure."""
    path = study.rules.complaint_keywords
    if path is None or not study.questionnaire.open_ended:
        return None
    if not path.is_file():
        problems.append(("complaint_keywords", f"file not found: {path}"))
        return None
    try:
        return load_keywords(path)
    except CSIError as exc:
        problems.append(("complaint_keywords", str(exc)))
        return None


def _remarks(study: Study, problems: list) -> tuple[dict[str, str], dict[str, str]]:
    """The evaluator's remarks ([report] remarks_dir): each ``<id>.<lang>.txt`` or ``<id>.txt`` by its name
    without ``.txt``; files that cannot be read as UTF-8 text by name, with the message their report fails with."""
    folder = study.report.remarks_dir
    if folder is None:
        return {}, {}
    if not folder.is_dir():
        problems.append(("remarks_dir", f"folder not found: {folder}"))
        return {}, {}
    texts, errors = {}, {}
    for path in sorted(folder.glob("*.txt")):
        try:
            texts[path.stem] = path.read_text(encoding="utf-8-sig").strip()
        except (OSError, UnicodeDecodeError) as exc:
            errors[path.stem] = (f"{path}: the evaluator's remarks could not be read ({exc}); save the file as "
                                 "UTF-8 text.")
    return texts, errors


def _hashes(study: Study) -> dict[str, str]:
    """SHA-256 of every file the study reads (provenance for the appendix)."""
    remarks = study.report.remarks_dir
    notes = sorted(remarks.glob("*.txt")) if remarks is not None and remarks.is_dir() else []
    files = dict.fromkeys([*study.files, *study.responses, *notes])
    base = study.path.parent
    out = {}
    for path in files:
        if path.is_file():
            try:
                name = str(path.relative_to(base))
            except ValueError:
                name = str(Path("..") / path.relative_to(base.parent)) if path.is_relative_to(base.parent) \
                    else path.name
            out[name] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def no_respondents(study: Study, enterprise_id: str, read: int) -> str:
    """Why an enterprise gets no report: nobody of it is left to analyse (the report's failure and validate's)."""
    return f"{study.path}: enterprise {enterprise_id} has no analysed respondents ({read} read); nothing to report."
