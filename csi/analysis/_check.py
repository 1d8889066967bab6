"""Checking a study without rendering it (``csi validate``): every problem ``csi run`` would meet, at once.

:func:`check_study` runs the run's own code up to the reports — :func:`csi.load_study`, :func:`load_responses`,
the weighting, each pool's estimation and design columns, the rule files with the loaders the reports use —
and collects each failure with the message the run would give, instead of stopping at the first. Errors are
what would fail the batch or a report, or what a report would print as a problem with the study's files;
warnings are what a report survives but a user should know (small samples, unlabelled industry codes).
The bootstrap is not run (its settings are checked): it is the slow part, and it fails only on what is checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from csi._api import public
from csi._display import Card, Display, Summary
from csi._validation import LANGUAGES
from csi.analysis._study import (
    _awards,
    _indices,
    _keywords,
    _operations,
    _pools,
    _remarks,
    _rubric,
    _weigh,
    _weight_column,
    design_columns,
    estimate_pool,
    impute_pool,
    load_responses,
    no_respondents,
    pool_label,
    wave_indices,
    weighting_failures,
)
from csi.exceptions import CSIError
from csi.io import Study, load_study
from csi.io._study import Wave
from csi.rules import load_award_rules, load_rubric
from csi.survey import ScreeningResult
from csi.survey._screening import REASONS

#: The screening reasons as the summary names them.
REASON_LABELS = {"out_of_range": "out of range", "no_items_answered": "no items answered",
                 "too_few_answered": "too few items answered", "speeder": "speeder",
                 "straightlining": "straight-lining", "duplicate": "duplicate"}


@dataclass(frozen=True, repr=False)
class StudyCheck(Display):
    """What :func:`check_study` found: ``errors`` (the run would fail, or a report would show a problem),
    ``warnings``, and, when the responses could be read, the screening ``ledger`` (per enterprise: read,
    analysed, excluded, by reason) and ``reasons`` (exclusion reason and respondents, most first)."""

    path: Path
    errors: tuple[str, ...]
    warnings: tuple[str, ...] = ()
    ledger: pd.DataFrame | None = None
    reasons: tuple[tuple[str, int], ...] = ()
    study: Study | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> Summary:
        """The verdict with the ledger's totals and the exclusions by reason (``headline``, what ``csi validate``
        prints), then every error, warning and the ledger (a ``str``; the tables in ``tables``)."""
        lines = self._verdict()
        tables = {"errors": pd.DataFrame({"error": self.errors}), "warnings": pd.DataFrame({"warning": self.warnings})}
        if self.ledger is not None:
            tables["ledger"] = self.ledger
        return Summary(lines[0], tables, lines[1:])

    def _verdict(self) -> list[str]:
        verdict = "ok" if self.ok else f"{len(self.errors)} error{'s' if len(self.errors) != 1 else ''}"
        if self.warnings:
            verdict += f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        if self.ledger is None:
            return [f"{self.path}: {verdict} — the {'responses' if self.study else 'study file'} could not be read."]
        read, analysed, excluded = (int(self.ledger[c].sum()) for c in ("read", "analysed", "excluded"))
        enterprises = len(self.study.enterprises) if self.study is not None else len(self.ledger)
        lines = [(f"{self.path}: {verdict} — {enterprises} enterprises, {read} respondents read, {analysed} analysed, "
                 f"{excluded} excluded.")]
        if self.reasons:
            lines.append(f"excluded {excluded}: " + ", ".join(f"{REASON_LABELS.get(r, r)} {n}" for r, n in self.reasons))
        return lines

    def _card(self) -> Card:
        lines = self._verdict()
        facts = [(line.partition(":")[0], line.partition(": ")[2]) for line in lines[1:]]
        facts += [(f"error {k}", e) for k, e in enumerate(self.errors[:4], 1)]
        facts += [(f"warning {k}", w) for k, w in enumerate(self.warnings[:3], 1)]
        shown = min(len(self.errors), 4) + min(len(self.warnings), 3)
        if len(self.errors) + len(self.warnings) > shown:
            facts.append(("…", f"{len(self.errors) + len(self.warnings) - shown} more in .errors / .warnings"))
        return Card("StudyCheck", lines[0], facts, [("ledger", self.ledger)] if self.ledger is not None else [],
                    (".ok", ".errors", ".warnings", ".ledger", ".summary()"))


@public(subjects=1)
def check_study(study: Study | str | Path) -> StudyCheck:
    """Check a study (a :class:`Study` or the path of its study.toml) as ``csi run`` would use it, without
    rendering: every error and warning, each naming the file and the key, column or lines, and how to fix it."""
    if not isinstance(study, Study):
        try:
            study = load_study(study)
        except CSIError as exc:  # nothing else can be checked without the study file
            return StudyCheck(Path(study), (str(exc),))
    errors: list[str] = []
    warnings: list[str] = []
    _check_industries(study, warnings)
    current = _responses(study, errors)
    waves = []
    for wave in study.waves:  # every earlier wave is read as the run reads it; the last is the previous one
        earlier = _responses(study, errors, wave)
        if earlier is not None:
            weighed, _, failed = _weigh(study, earlier.kept)
            where = " in the previous wave (its changes are not shown)" if wave == study.previous else \
                f" in wave {wave.label} (left out of its trend)"
            warnings += weighting_failures(study, failed, where)
            waves.append((wave.label, weighed))
    ledger, reasons, indices = None, (), None
    if current is not None:
        ledger, reasons = current.ledger, _reasons(current)
        data, _, failed = _weigh(study, current.kept)
        errors += weighting_failures(study, failed)
        _check_samples(study, current, data, failed, errors, warnings)
        indices = _check_pools(study, data, waves, errors, warnings)
    errors += _rule_problems(study, indices)
    # a problem met in several pools or waves is said once
    return StudyCheck(study.path, tuple(dict.fromkeys(errors)), tuple(dict.fromkeys(warnings)), ledger, reasons, study)


def _check_industries(study: Study, warnings: list[str]) -> None:
    """Industry codes of the enterprises file without a label in [study] industries: the reports would print
    the raw code (in each language lacking one)."""
    members: dict[str, list[str]] = defaultdict(list)
    for enterprise in study.enterprises:
        members[enterprise.industry].append(enterprise.id)
    missing = {code: [lang for lang in LANGUAGES if not study.industries.get(code, {}).get(lang)] for code in members}
    codes = [code for code in members if missing[code]]
    if codes:
        listed = "; ".join(f"{code!r} (no {'/'.join(missing[code])} label; enterprises {', '.join(members[code])})"
                           for code in codes)
        warnings.append(f"{study.path.name}: [study] industries: the reports would print the industry code(s) of the "
                        f"enterprises file as they are: {listed}. Label them, e.g. industries = {{ {codes[0]} = "
                        '{ zh = "…", en = "…" } }.')


def _responses(study: Study, errors: list[str], wave: Wave | None = None) -> ScreeningResult | None:
    try:
        return load_responses(study, wave)
    except CSIError as exc:  # the run stops here too; what depends on these responses cannot be checked
        errors.append(str(exc))
        return None


def _reasons(screening: ScreeningResult) -> tuple[tuple[str, int], ...]:
    counts = {r: int(screening.ledger[r].sum()) for r in REASONS}
    return tuple(sorted(((r, n) for r, n in counts.items() if n), key=lambda rn: -rn[1]))


def _check_samples(study: Study, current: ScreeningResult, data: pd.DataFrame, failed: dict[str, str],
                   errors: list[str], warnings: list[str]) -> None:
    """Enterprises without analysed respondents (their reports fail), or with fewer than ``[report] min_n``."""
    ledger = current.ledger.set_index("enterprise_id")
    analysed = data[study.questionnaire.enterprise_column].astype(str).value_counts()
    few = []
    for enterprise in study.enterprises:
        if enterprise.id in failed:
            continue  # named with the weighting errors, as its report names it
        n = int(analysed.get(enterprise.id, 0))
        read = ledger.loc[enterprise.id, "read"] if enterprise.id in ledger.index else 0
        if n == 0:  # the report's failure (csi.report enterprise_content)
            errors.append(no_respondents(study, enterprise.id, read))
        elif n < study.report.min_n:
            few.append(f"{enterprise.id} ({n})")
    if few:
        warnings.append(f"{study.path.name}: [report] min_n = {study.report.min_n}: fewer analysed respondents in "
                        f"enterprise(s) {', '.join(few)}; their reports show no significance tests or interval "
                        "verdicts.")


def _check_pools(study: Study, data: pd.DataFrame, waves: list[tuple[str, pd.DataFrame]], errors: list[str],
                 warnings: list[str]) -> pd.DataFrame | None:
    """Estimate every pool as the run does (constant or empty items, too few cases, design columns) and score the
    earlier ``waves`` with it; the indices of the enterprises of the pools that could be estimated (the run goes
    on without the others, whose reports fail: each such pool is an error here), or None when there are none."""
    pools, members = _pools(study, data)
    fits, mis, minimum = {}, {}, study.model.minimum_n
    for key, rows in pools:
        if len(rows) < minimum:
            rule = "[model] min_n" if study.model.min_n is not None else \
                "ten times the most arrows pointing at one construct, at least 30"
            hint = ' Pool the whole study ([model] pool_by = "study"), or' if study.model.pool_by == "industry" else ""
            warnings.append(f"{study.path.name}: [model] the model of {pool_label(key)} is estimated on {len(rows)} "
                            f"analysed respondents, fewer than the {minimum} it needs ({rule}): its estimates are "
                            f"unstable.{hint or ' Or'} survey more respondents.")
        try:  # multiple imputation: two cheap imputations meet what the run's would (scales, empty items)
            if study.model.missing == "mi":
                mis[key] = impute_pool(study, key, rows, n_resamples=2, m=2)
                fits[key] = mis[key].fit
            else:
                fits[key] = estimate_pool(study, key, rows)
        except CSIError as exc:
            errors.append(str(exc))
        try:  # the bootstrap's design columns (the bootstrap itself is not run)
            design_columns(study, rows)
        except CSIError as exc:
            errors.append(str(exc))
    if not fits:
        return None
    weights = _weight_column(study)
    for label, earlier in waves:  # scored as the run scores them (imputed twice under multiple imputation)
        try:
            wave_indices(study, earlier, label, fits, mis, members, weights, m=2)
        except CSIError as exc:
            errors.append(str(exc))
    try:
        indices = _indices(study, data, fits, members, weights)
    except CSIError as exc:
        errors.append(str(exc))
        return None
    return None if indices.empty else indices


def _rule_problems(study: Study, indices: pd.DataFrame | None) -> list[str]:
    """The rule files, read and scored by the run's own code; each problem as ``[rules] key: message``."""
    problems: list[tuple[str, str]] = []
    if indices is not None:
        own: dict[str, list[tuple[str, str]]] = {}
        _rubric(study, indices, problems, own)
        problems += [problem for found in own.values() for problem in found]
        _awards(study, indices, _operations(study, problems), problems)
    else:  # without every enterprise's indices nothing can be scored, but the files can still be read
        for key, load in (("rubric", load_rubric), ("awards", load_award_rules)):
            path = getattr(study.rules, key)
            try:
                if path is not None:
                    load(path)
            except (CSIError, OSError) as exc:
                problems.append((key, str(exc)))
        _operations(study, problems)
    _keywords(study, problems)
    _remarks_texts, unreadable = _remarks(study, problems)
    out = [f"{study.path.name}: [{'report' if key == 'remarks_dir' else 'rules'}] {key}: {message}"
           for key, message in dict.fromkeys(problems)]
    return out + list(unreadable.values())  # each fails its enterprise's report


