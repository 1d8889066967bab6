"""study.toml → a frozen :class:`Study`: questionnaire, responses, model, weighting, enterprises, outputs.

Paths in study.toml are relative to the study file. Every error names the file and the key path
(``study.toml: [model].preset: unknown preset 'cssi' (did you mean 'ccsi'?)``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from csi._data import MISSING_POLICIES, SCHEMES
from csi._validation import LANGUAGES, KeyReader, check_id, suggest
from csi.exceptions import CSIError, StudyError
from csi.io import models
from csi.io._model import Model
from csi.io._questionnaire import Questionnaire, _read_toml, load_questionnaire, read_csv_text

PDF_ENGINES = ("weasyprint", "chromium")  # csi.report._pdf; chromium is the fast one for large batches
FORMATS = ("html", "pdf")
OUT_OF_RANGE = ("raise", "exclude", "set_missing")  # [screening] out_of_range
ESTIMATION = ("pooled", "enterprise")
POOL_BY = ("industry", "study")
#: How "the industry" an enterprise is compared with is defined ([benchmark] industry; docs/methods/analysis.md):
#: the unweighted mean of its enterprises' indices, the mean of the other enterprises (leave-one-out), or the
#: index of all its respondents pooled.
BENCHMARKS = ("mean_of_enterprises", "mean_of_peers", "pooled")


@dataclass(frozen=True)
class Enterprise:
    """An evaluated enterprise: id (safe as a file name), names, industry, customers served in the year,
    customers contacted in fieldwork (the denominator of the response rate)."""

    id: str
    name: dict[str, str]
    industry: str
    served_customers: int | None = None
    contacted: int | None = None

    def label(self, lang: str = "zh") -> str:
        return self.name.get(lang) or self.name.get("en") or self.id


@dataclass(frozen=True)
class ModelSettings:
    """How the structural model is estimated: the model, its target construct, scheme and pooling."""

    model: Model
    target: str
    scheme: str = "path"
    estimation: str = "pooled"
    pool_by: str = "industry"
    missing: str = "mean"
    min_n: int | None = None  # with estimation = "enterprise": below this n, the pooled model is used
    preset: str | None = None  # "ccsi" | "ecsi" | "acsi" when [model] preset names one (the report names it)

    @property
    def minimum_n(self) -> int:
        """``min_n``, or the 10-times rule (Hair et al. 2011): ten times the largest number of arrows
        pointing at one construct (structural paths, or formative indicators), and at least 30."""
        if self.min_n is not None:
            return self.min_n
        arrows = [len(self.model.predecessors(c)) for c in self.model.constructs]
        arrows += [len(self.model.blocks[c]) for c in self.model.constructs if self.model.modes[c] == "B"]
        return max(30, 10 * max(arrows, default=1))


@dataclass(frozen=True)
class ScreeningRules:
    """Data-quality rules (study.toml ``[screening]``); each excluded respondent is counted by reason.

    out_of_range : "raise" (a value outside its declared scale stops the run, naming file, column,
        lines), "exclude" (the respondent is excluded) or "set_missing" (the value counts as missing).
    min_answered : minimum share of rating items answered; respondents answering none are always excluded.
    straightlining : exclude respondents whose raw answers are all identical over at least
        ``straightlining_min_items`` answered items.
    speeder_column, speeder_min_seconds : exclude interviews shorter than this (when both are set).
    duplicates : exclude a respondent whose answers and demographics repeat an earlier one of the
        same enterprise (the first is kept).
    """

    out_of_range: str = "raise"
    min_answered: float = 0.0
    straightlining: bool = True
    straightlining_min_items: int = 10
    speeder_column: str | None = None
    speeder_min_seconds: float | None = None
    duplicates: bool = True


@dataclass(frozen=True)
class Weighting:
    """Survey weighting settings (study.toml ``[weighting]``).

    method : "none" (equal weights) or "rake": each enterprise's analysed respondents are raked
        (:func:`csi.rake`) to the population margins of ``variables``; the weights then enter the
        pooled estimation (``csi.estimate(weights=)``), the item means and the indices.
    margins : ``variable, level, share`` rows, from a CSV file (``margins = "margins.csv"``) or
        written inline (``[weighting.margins] region = { urban = 0.5, … }``).
    variables : the raking variables (default: every variable in ``margins``).
    """

    method: str = "none"
    margins: pd.DataFrame | None = None
    variables: tuple[str, ...] = ()
    source: str = ""           # the margins file, or "study.toml [weighting.margins]"


@dataclass(frozen=True)
class Rules:
    """Evaluation rules of the study (study.toml ``[rules]``); every path optional.

    Paths are resolved against the study folder but only read by the report stage, which names a
    missing file (and its key) in the report instead of failing the whole batch.
    """

    rubric: Path | None = None              # certification rubric TOML (csi.load_rubric)
    audits_dir: Path | None = None          # one audit CSV per enterprise: <enterprise_id>.csv
    awards: Path | None = None              # award eligibility rules TOML (csi.load_award_rules)
    operations: Path | None = None          # enterprise_id, third_party_survey, complaints_received, callbacks, …
    complaint_keywords: Path | None = None  # complaint categories (csi.load_keywords)
    handling_item: str | None = None        # the item rating complaint handling
    award_indices: dict[str, str] = field(default_factory=dict)  # award column -> construct

    def keys(self) -> dict[str, Path]:
        """The configured files by key (for provenance and for naming a missing one)."""
        names = ("rubric", "audits_dir", "awards", "operations", "complaint_keywords")
        return {k: getattr(self, k) for k in names if getattr(self, k) is not None}


@dataclass(frozen=True)
class SamplingPlan:
    """Sample-planning assumptions (study.toml ``[sampling]``) for :func:`csi.plan_sample` in the report."""

    margin: float = 0.3          # target CI half-width of an item mean, scale points
    sd: float = 2.0              # expected item SD
    confidence: float = 0.95
    deff: float = 1.0
    response_rate: float = 1.0
    census_below: int = 50
    bounds: tuple[int, int] | None = (100, 200)


@dataclass(frozen=True)
class Grade:
    """A grade band of the index (study.toml ``[[report.grades]]``): index ≥ ``min`` earns ``label``."""

    min: float
    label: dict[str, str]


@dataclass(frozen=True)
class Signatory:
    """A signature line of the report (study.toml ``[[report.signature.signatories]]``)."""

    role: dict[str, str]                               # 项目负责人 / Project lead, 审核 / Reviewed by, …
    name: dict[str, str] = field(default_factory=dict)  # printed name; empty: a blank line to sign by hand


@dataclass(frozen=True)
class Signature:
    """The signature and seal block (study.toml ``[report.signature]``), all optional."""

    organisation: dict[str, str] = field(default_factory=dict)   # default: [study] evaluator
    qualification: dict[str, str] = field(default_factory=dict)  # the evaluator's qualification / accreditation
    signatories: tuple[Signatory, ...] = ()                      # default: lead, reviewer, approver, unnamed
    seal: dict[str, str] = field(default_factory=dict)           # text in the seal box


@dataclass(frozen=True)
class Fieldwork:
    """How the survey was carried out (study.toml ``[fieldwork]``), all optional; the sampling chapter prints it.

    start, end : ISO dates of the fieldwork period (both or neither).
    frame : the sampling frame, e.g. the enterprise's register of customers served in the year.
    selection : how respondents were selected from the frame.
    quality_control : the quality-control measures, one text each.
    modes : per level of the questionnaire's ``channel`` variable, how that channel was run.
    """

    start: str = ""
    end: str = ""
    frame: dict[str, str] = field(default_factory=dict)
    selection: dict[str, str] = field(default_factory=dict)
    quality_control: tuple[dict[str, str], ...] = ()
    modes: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ReportSettings:
    """Report wording and numbering (study.toml ``[report]``), all optional."""

    number_prefix: str = ""
    date: str = ""                                     # report date as printed (default: the run date)
    independence: dict[str, str] = field(default_factory=dict)
    grades: tuple[Grade, ...] = ()                     # ascending by min
    min_n: int = 10           # below this many respondents no inferential sentence (test, interval verdict)
    min_cell: int = 5         # segments, cells and verbatims with fewer respondents are suppressed
    remarks_dir: Path | None = None   # evaluator's remarks: <enterprise_id>.<lang>.txt or <enterprise_id>.txt
    use_statement: dict[str, str] = field(default_factory=dict)   # 声明: how the report may be used and quoted
    limitations: tuple[dict[str, str], ...] = ()                  # the study's own limitations, one text each
    signature: Signature = field(default_factory=Signature)

    def grade(self, index: float) -> Grade | None:
        return next((g for g in reversed(self.grades) if index >= g.min), None)


@dataclass(frozen=True)
class Outputs:
    """Where reports go and in which languages and formats."""

    dir: Path
    languages: tuple[str, ...] = ("zh",)
    formats: tuple[str, ...] = ("html",)
    pdf_engine: str = "weasyprint"


@dataclass(frozen=True)
class Study:
    """A whole CSI study as declared in study.toml (all paths resolved)."""

    path: Path
    id: str
    title: dict[str, str]
    evaluator: dict[str, str]
    period: str
    language: str
    seed: int
    questionnaire: Questionnaire
    responses: tuple[Path, ...]
    previous_wave: tuple[Path, ...]
    enterprises: tuple[Enterprise, ...]
    model: ModelSettings
    weighting: Weighting
    outputs: Outputs
    screening: ScreeningRules = field(default_factory=ScreeningRules)
    files: tuple[Path, ...] = ()  # every file the study reads (for provenance and change detection)
    industries: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> label by language
    rules: Rules = field(default_factory=Rules)
    report: ReportSettings = field(default_factory=ReportSettings)
    sampling: SamplingPlan = field(default_factory=SamplingPlan)
    strata: str | None = None    # response column of the sampling strata: bootstrap resamples within them
    cluster: str | None = None   # response column of the clusters (PSUs): bootstrap draws whole clusters
    benchmark: str = "mean_of_enterprises"   # [benchmark] industry: one of BENCHMARKS
    commissioned_by: dict[str, str] = field(default_factory=dict)  # [study] commissioned_by: who commissioned it
    fieldwork: Fieldwork = field(default_factory=Fieldwork)

    def enterprise(self, enterprise_id: str) -> Enterprise:
        for enterprise in self.enterprises:
            if enterprise.id == enterprise_id:
                return enterprise
        ids = [e.id for e in self.enterprises]
        raise StudyError(f"{self.path}: no enterprise {enterprise_id!r}{suggest(enterprise_id, ids)}; "
                         f"enterprises: {', '.join(ids)}.")

    def industry_label(self, code: str, lang: str = "zh") -> str:
        return self.industries.get(code, {}).get(lang) or code


def load_study(path: str | Path) -> Study:
    """Read and check a study file.

    Parameters
    ----------
    path : path to study.toml. Relative paths inside it are resolved against its folder.
    """
    path = Path(path).resolve()
    top = KeyReader(_read_toml(path, StudyError), path.name, "", StudyError)
    top.reject_unknown(["study", "data", "model", "screening", "weighting", "rules", "report", "sampling",
                      "outputs", "benchmark", "fieldwork"])
    base = path.parent
    meta, data = top.sub("study"), top.sub("data")
    meta.reject_unknown(["id", "title", "evaluator", "period", "language", "seed", "industries", "commissioned_by"])
    data.reject_unknown(["questionnaire", "responses", "previous_wave", "enterprises", "strata", "cluster"])
    questionnaire = _wrap(lambda: load_questionnaire(data.path_value("questionnaire", base)), data, "questionnaire")
    language = _choice(meta, "language", LANGUAGES, "zh")
    weighting = _weighting(top.sub("weighting"), base, questionnaire)
    rules = _rules(top.sub("rules"), base, questionnaire)
    return Study(
        path=path,
        id=check_id(meta.get("id", str, required=True), meta.where("id"), StudyError),
        title=meta.text("title"),
        evaluator=meta.text("evaluator", {"zh": "", "en": ""}),
        period=str(meta.get("period", (str, int), "")),
        language=language,
        seed=meta.get("seed", int, 1),
        industries={k: meta.sub("industries").text(k) for k in meta.get("industries", dict, {})},
        questionnaire=questionnaire,
        responses=_paths(data, "responses", base, required=True),
        previous_wave=_paths(data, "previous_wave", base),
        enterprises=_enterprises(data, base),
        model=_model_settings(top.sub("model"), base, questionnaire),
        weighting=weighting,
        outputs=_outputs(top.sub("outputs"), base, language),
        screening=_screening(top.sub("screening")),
        files=(path, Path(questionnaire.source).resolve(), data.path_value("enterprises", base),
               *([Path(weighting.source)] if weighting.source.endswith(".csv") else []), *_rule_files(rules)),
        rules=rules,
        report=_report(top.sub("report"), base),
        sampling=_sampling(top.sub("sampling")),
        strata=data.get("strata", str, None),
        cluster=data.get("cluster", str, None),
        benchmark=_benchmark(top.sub("benchmark"), top.sub("model")),
        commissioned_by=_text(meta, "commissioned_by"),
        fieldwork=_fieldwork(top.sub("fieldwork"), questionnaire, top.sub("report")),
    )


def _wrap(load, reader: KeyReader, key: str):
    """Run a loader for a referenced file; its error keeps its own detail and gains the study key path."""
    try:
        return load()
    except StudyError:
        raise
    except CSIError as exc:
        raise StudyError(f"{reader.where(key)}: {exc}") from None


def _choice(reader: KeyReader, key: str, allowed: tuple[str, ...], default: str) -> str:
    value = reader.get(key, str, default)
    if value not in allowed:
        raise reader.fail(key, f"{value!r} is not one of {', '.join(allowed)}{suggest(value, allowed)}.")
    return value


def _paths(reader: KeyReader, key: str, base: Path, required: bool = False) -> tuple[Path, ...]:
    value = reader.get(key, (str, list), ... if required else [])
    names = [value] if isinstance(value, str) else value
    if required and not names:
        raise reader.fail(key, "give at least one responses file.")
    out = []
    for name in names:
        if not isinstance(name, str):
            raise reader.fail(key, f"expected file names, got {name!r}.")
        resolved = (base / name).resolve()
        if not resolved.is_file():
            raise reader.fail(key, f"file not found: {resolved} (paths are relative to {base}).")
        out.append(resolved)
    return tuple(out)


def _enterprises(reader: KeyReader, base: Path) -> tuple[Enterprise, ...]:
    path = reader.path_value("enterprises", base)
    table = _wrap(lambda: read_csv_text(path, StudyError, "enterprise_id, name_zh, name_en, industry, "
                                        "served_customers, contacted"), reader, "enterprises").fillna("")
    needed = ["enterprise_id", "industry"]
    absent = [c for c in needed if c not in table.columns]
    if absent:
        raise reader.fail("enterprises", f"{path}: missing column(s) {', '.join(absent)}; expected "
                          "enterprise_id, name_zh, name_en, industry, served_customers.")
    out = []
    for line, row in zip(range(2, len(table) + 2), table.to_dict("records")):
        where = f"{path}: line {line}, column 'enterprise_id'"
        served = row.get("served_customers", "").strip()
        if served and not served.isdigit():
            raise StudyError(f"{path}: line {line}, column 'served_customers': {served!r} is not a whole number.")
        contacted = str(row.get("contacted", "")).strip()
        if contacted and (not contacted.isdigit() or int(contacted) < 1):
            raise StudyError(f"{path}: line {line}, column 'contacted': {contacted!r} is not a whole number of 1 or "
                             "more (customers contacted in fieldwork; leave it empty when unknown).")
        if not row["industry"].strip():
            raise StudyError(f"{path}: line {line}, column 'industry' is empty; every enterprise needs an industry "
                             "(enterprises are pooled and ranked within it).")
        out.append(Enterprise(
            id=check_id(row["enterprise_id"].strip(), where, StudyError),
            name={lang: row.get(f"name_{lang}", "").strip() for lang in LANGUAGES},
            industry=row["industry"].strip(), served_customers=int(served) if served else None,
            contacted=int(contacted) if contacted else None))
    ids = pd.Series([e.id for e in out])
    if ids.duplicated().any():
        raise reader.fail("enterprises", f"{path}: duplicate enterprise_id {sorted(set(ids[ids.duplicated()]))}.")
    if not out:
        raise reader.fail("enterprises", f"{path}: no enterprises listed.")
    return tuple(out)


def _model_settings(reader: KeyReader, base: Path, questionnaire: Questionnaire) -> ModelSettings:
    reader.reject_unknown(["preset", "syntax", "file", "target", "scheme", "estimation", "pool_by", "missing",
                           "min_n", "lower_is_better"])
    sources = [k for k in ("preset", "syntax", "file") if k in reader.table]
    if len(sources) != 1:
        raise reader.fail(None, "give exactly one of preset = \"ccsi\" | \"ecsi\" | \"acsi\", syntax = \"\"\"…\"\"\" "
                          f"or file = \"model.txt\" (found: {', '.join(sources) or 'none'}).")
    name = None
    if "preset" in reader.table:
        name = _choice(reader, "preset", ("acsi", "ecsi", "ccsi"), "ccsi")
        model = getattr(models, name)()
    elif "syntax" in reader.table:
        model = _wrap(lambda: Model.from_syntax(reader.get("syntax", str)), reader, "syntax")
    else:
        model = _wrap(lambda: Model.from_file(reader.path_value("file", base)), reader, "file")
    unknown = [i for i in model.items if i not in questionnaire.item_ids]
    if unknown:
        raise reader.fail(sources[0], f"model item(s) not in the questionnaire: {', '.join(unknown)}"
                          f"{suggest(unknown[0], questionnaire.item_ids)}.")
    if "lower_is_better" in reader.table:  # replaces the preset's declaration
        lower = reader.get("lower_is_better", list)
        bad = [c for c in lower if not isinstance(c, str) or c not in model.constructs]
        if bad:
            raise reader.fail("lower_is_better", f"{', '.join(map(repr, bad))} is not a construct of the model"
                              f"{suggest(str(bad[0]), model.constructs)}; constructs: {', '.join(model.constructs)}.")
        model = replace(model, lower_is_better=tuple(lower))
    target = reader.get("target", str, "Satisfaction")
    if target not in model.constructs:
        raise reader.fail("target", f"{target!r} is not a construct of the model{suggest(target, model.constructs)}; "
                          f"constructs: {', '.join(model.constructs)}.")
    return ModelSettings(model, target, _choice(reader, "scheme", SCHEMES, "path"),
                         _choice(reader, "estimation", ESTIMATION, "pooled"),
                         _choice(reader, "pool_by", POOL_BY, "industry"),
                         _choice(reader, "missing", MISSING_POLICIES, "mean"), _min_n(reader),
                         preset=name)


def _benchmark(reader: KeyReader, model: KeyReader) -> str:
    reader.reject_unknown(["industry"])
    rule = _choice(reader, "industry", BENCHMARKS, BENCHMARKS[0])
    if rule == "pooled" and model.get("estimation", str, "pooled") != "pooled":
        raise reader.fail("industry", "a pooled industry benchmark needs one model per pool: set [model] estimation = "
                          "\"pooled\", or use industry = \"mean_of_enterprises\".")
    return rule


def _min_n(reader: KeyReader) -> int | None:
    value = reader.get("min_n", int, None)
    if value is not None and value < 3:
        raise reader.fail("min_n", f"{value} is too small to estimate a model: use at least 3.")
    return value


def _screening(reader: KeyReader) -> ScreeningRules:
    defaults = ScreeningRules()
    reader.reject_unknown(["out_of_range", "min_answered", "straightlining", "straightlining_min_items",
                           "speeder_column", "speeder_min_seconds", "duplicates"])
    min_answered = float(reader.get("min_answered", (int, float), defaults.min_answered))
    if not 0 <= min_answered <= 1:
        raise reader.fail("min_answered", f"{min_answered} is a share of items: give a number from 0 to 1.")
    column = reader.get("speeder_column", str, None)
    seconds = reader.get("speeder_min_seconds", (int, float), None)
    if (column is None) != (seconds is None):
        raise reader.fail("speeder_column" if column is None else "speeder_min_seconds",
                          "set both speeder_column and speeder_min_seconds, or neither.")
    minimum = reader.get("straightlining_min_items", int, defaults.straightlining_min_items)
    if minimum < 2:
        raise reader.fail("straightlining_min_items", f"{minimum} is too small: use at least 2.")
    return ScreeningRules(
        out_of_range=_choice(reader, "out_of_range", OUT_OF_RANGE, "raise"),
        min_answered=min_answered, straightlining=reader.get("straightlining", bool, True),
        straightlining_min_items=minimum, speeder_column=column,
        speeder_min_seconds=None if seconds is None else float(seconds),
        duplicates=reader.get("duplicates", bool, True))


def _weighting(reader: KeyReader, base: Path, questionnaire: Questionnaire) -> Weighting:
    reader.reject_unknown(["method", "margins", "variables"])
    method = _choice(reader, "method", ("none", "rake"), "none")
    if method == "none":
        return Weighting()
    if "margins" not in reader.table:
        raise reader.fail("margins", 'method = "rake" needs margins: a file (margins = "margins.csv" with columns '
                          "variable, level, share) or a table ([weighting.margins] region = { urban = 0.5, … }).")
    if isinstance(reader.table["margins"], dict):
        rows = [{"variable": v, "level": str(level), "share": share}
                for v, levels in reader.get("margins", dict).items()
                for level, share in (levels.items() if isinstance(levels, dict) else [(None, levels)])]
        if any(r["level"] == "None" or not isinstance(r["share"], int | float) for r in rows):
            raise reader.fail("margins", "give each variable a table of level = share, e.g. "
                              "region = { urban = 0.5, rural = 0.5 }.")
        margins, source = pd.DataFrame(rows), f"{reader.where('margins')}"
    else:
        path = reader.path_value("margins", base)
        margins, source = _margins_file(reader, path), str(path)
    known = {v.id for v in questionnaire.demographics}
    variables = tuple(reader.get("variables", list, sorted(set(margins["variable"]), key=list(margins["variable"]).index)))
    for variable in variables:
        if variable not in known:
            raise reader.fail("variables", f"{variable!r} is not a questionnaire variable{suggest(variable, known)}; "
                              f"variables: {', '.join(sorted(known))}.")
        if variable not in set(margins["variable"]):
            raise reader.fail("variables", f"{variable!r} has no margins in {source}.")
    for variable, group in margins.groupby("variable"):
        if variable in variables and abs(group["share"].sum() - 1) > 1e-6:
            raise reader.fail("margins", f"shares of {variable!r} sum to {group['share'].sum():.6g}, not 1 ({source}).")
    return Weighting(method, margins[margins["variable"].isin(variables)].reset_index(drop=True), variables, source)


def _margins_file(reader: KeyReader, path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype={"variable": str, "level": str}, encoding="utf-8-sig")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise reader.fail("margins", f"{path} could not be read as a UTF-8 CSV: {exc}") from None
    absent = [c for c in ("variable", "level", "share") if c not in table.columns]
    if absent:
        raise reader.fail("margins", f"{path}: missing column(s) {', '.join(absent)}; expected variable, level, share.")
    if not pd.api.types.is_numeric_dtype(table["share"]):
        raise reader.fail("margins", f"{path}: column 'share' must hold numbers.")
    return table[["variable", "level", "share"]]


def _rules(reader: KeyReader, base: Path, questionnaire: Questionnaire) -> Rules:
    files = ("rubric", "audits_dir", "awards", "operations", "complaint_keywords")
    reader.reject_unknown([*files, "handling_item", "award_indices"])
    paths = {k: reader.path_value(k, base, None, must_exist=False) for k in files}
    item = reader.get("handling_item", str, None)
    if item is not None and item not in questionnaire.item_ids:
        raise reader.fail("handling_item", f"{item!r} is not a questionnaire item{suggest(item, questionnaire.item_ids)}.")
    award_indices = reader.get("award_indices", dict, {})
    constructs = list(questionnaire.constructs)
    for column, construct in award_indices.items():
        if construct not in constructs:
            raise reader.fail(f"award_indices.{column}", f"{construct!r} is not a construct"
                              f"{suggest(str(construct), constructs)}; constructs: {', '.join(constructs)}.")
    return Rules(**paths, handling_item=item, award_indices=dict(award_indices))


def _sampling(reader: KeyReader) -> SamplingPlan:
    d = SamplingPlan()
    reader.reject_unknown(["margin", "sd", "confidence", "deff", "response_rate", "census_below", "bounds"])
    values = {k: float(reader.get(k, (int, float), getattr(d, k))) for k in ("margin", "sd", "confidence", "deff",
                                                                             "response_rate")}
    for key in ("margin", "sd"):
        if values[key] <= 0:
            raise reader.fail(key, f"{values[key]:g} must be positive.")
    if not 0 < values["confidence"] < 1 or not 0 < values["response_rate"] <= 1:
        raise reader.fail("confidence" if not 0 < values["confidence"] < 1 else "response_rate",
                          "give a share: confidence in (0, 1), response_rate in (0, 1].")
    if values["deff"] < 1:
        raise reader.fail("deff", f"{values['deff']:g}: a design effect is at least 1.")
    bounds = reader.get("bounds", list, list(d.bounds))
    if len(bounds) != 2 or not all(isinstance(b, int) for b in bounds) or not 0 < bounds[0] <= bounds[1]:
        raise reader.fail("bounds", f"{bounds!r}: give [min, max] whole numbers with 0 < min ≤ max.")
    return SamplingPlan(**values, census_below=reader.get("census_below", int, d.census_below),
                        bounds=(bounds[0], bounds[1]))


def _rule_files(rules: Rules) -> list[Path]:
    """The rule files that exist (an audits folder contributes its CSVs), for provenance and change detection."""
    out: list[Path] = []
    for path in rules.keys().values():
        out += sorted(path.glob("*.csv")) if path.is_dir() else [path] if path.is_file() else []
    return list(dict.fromkeys(out))


def _report(reader: KeyReader, base: Path) -> ReportSettings:
    reader.reject_unknown(["number_prefix", "date", "independence", "grades", "min_n", "min_cell", "remarks_dir",
                           "use_statement", "limitations", "signature"])
    grades = []
    for k, table in enumerate(reader.get("grades", list, [])):
        if not isinstance(table, dict):
            raise reader.fail("grades", "give grades as [[report.grades]] tables with min and label.")
        sub = KeyReader(table, reader.file, f"{reader.path}.grades[{k}]", StudyError)
        sub.reject_unknown(["min", "label"])
        grades.append(Grade(float(sub.get("min", (int, float), required=True)), sub.text("label")))
    if [g.min for g in grades] != sorted(g.min for g in grades) or len({g.min for g in grades}) != len(grades):
        raise reader.fail("grades", "grade bands must be listed with strictly increasing min, lowest first.")
    minimum = {key: reader.get(key, int, default) for key, default in (("min_n", 10), ("min_cell", 5))}
    for key, value in minimum.items():
        if value < 1:
            raise reader.fail(key, f"{key} must be a whole number of respondents, 1 or more (got {value}).")
    remarks = reader.get("remarks_dir", str, None)  # a missing folder is named in the reports, like a rule file
    return ReportSettings(str(reader.get("number_prefix", str, "")), str(reader.get("date", (str, object), "")),
                          reader.text("independence", {}), tuple(grades), **minimum,
                          remarks_dir=(base / remarks).resolve() if remarks is not None else None,
                          use_statement=_text(reader, "use_statement"), limitations=_texts(reader, "limitations"),
                          signature=_signature(reader.sub("signature")))


def _signature(reader: KeyReader) -> Signature:
    reader.reject_unknown(["organisation", "qualification", "signatories", "seal"])
    people = []
    for k, table in enumerate(reader.get("signatories", list, [])):
        if not isinstance(table, dict):
            raise reader.fail("signatories", "give each signatory as a table, e.g. signatories = [ { role = { zh = "
                              "\"项目负责人\", en = \"Project lead\" }, name = { zh = \"…\", en = \"…\" } } ].")
        sub = KeyReader(table, reader.file, f"{reader.path}.signatories[{k}]", StudyError)
        sub.reject_unknown(["role", "name"])
        sub.get("role", (str, dict), required=True)
        people.append(Signatory(_text(sub, "role"), _text(sub, "name")))
    return Signature(_text(reader, "organisation"), _text(reader, "qualification"), tuple(people),
                     _text(reader, "seal"))


def _text(reader: KeyReader, key: str) -> dict[str, str]:
    """An optional translatable text ({} when absent): a string, or a table { zh = "…", en = "…" }."""
    value = reader.text(key, {})
    for lang in value:
        if lang not in LANGUAGES:
            raise reader.fail(f"{key}.{lang}", f"unknown language{suggest(lang, LANGUAGES)}; give the text as a "
                              'string or as { zh = "…", en = "…" }.')
    if value and not any(v.strip() for v in value.values()):
        raise reader.fail(key, "the text is empty; write it, or remove the key.")
    return {lang: v.strip() for lang, v in value.items() if v.strip()}


def _texts(reader: KeyReader, key: str) -> tuple[dict[str, str], ...]:
    """An optional list of translatable texts; an error names the entry, e.g. [report.limitations[2]]."""
    values = reader.get(key, list, [])
    entries = KeyReader({f"{key}[{k}]": value for k, value in enumerate(values)}, reader.file, reader.path,
                        reader.error)
    return tuple(_text(entries, f"{key}[{k}]") for k in range(len(values)))


def _date(reader: KeyReader, key: str) -> dt.date | None:
    value = reader.get(key, (str, dt.date), None)
    if value is None or isinstance(value, dt.date):
        return value.date() if isinstance(value, dt.datetime) else value
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise reader.fail(key, f"{value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01.") from None


def _fieldwork(reader: KeyReader, questionnaire: Questionnaire, report: KeyReader) -> Fieldwork:
    reader.reject_unknown(["start", "end", "frame", "selection", "quality_control", "modes"])
    start, end = _date(reader, "start"), _date(reader, "end")
    if (start is None) != (end is None):
        raise reader.fail("end" if end is None else "start", "give both start and end of the fieldwork, or neither.")
    if start is not None and end < start:
        raise reader.fail("end", f"the fieldwork ends ({end}) before it starts ({start}).")
    if end is not None and "date" in report.table:
        try:
            report_date = dt.date.fromisoformat(str(report.table["date"])[:10])
        except ValueError:
            report_date = None
        if report_date is not None and report_date < end:
            raise report.fail("date", f"the report date {report_date} is before the end of the fieldwork ({end}, "
                              "[fieldwork] end).")
    modes = reader.sub("modes")
    channel = next((v for v in questionnaire.demographics if v.id == "channel"), None)
    if modes.table and channel is None:
        raise reader.fail("modes", "the questionnaire has no 'channel' variable to describe; declare one in its "
                          "demographics (the survey channel of each respondent), or describe the mode in "
                          "[fieldwork] selection.")
    for level in modes.table:
        if level not in channel.levels:
            raise modes.fail(level, f"not a level of the questionnaire's channel variable"
                             f"{suggest(level, channel.levels)}; levels: {', '.join(channel.levels)}.")
    return Fieldwork(start=start.isoformat() if start else "", end=end.isoformat() if end else "",
                     frame=_text(reader, "frame"), selection=_text(reader, "selection"),
                     quality_control=_texts(reader, "quality_control"),
                     modes={level: _text(modes, level) for level in modes.table})


def _outputs(reader: KeyReader, base: Path, language: str) -> Outputs:
    reader.reject_unknown(["dir", "languages", "formats", "pdf_engine"])
    languages = tuple(reader.get("languages", list, [language]))
    for lang in languages:
        if lang not in LANGUAGES:
            raise reader.fail("languages", f"{lang!r} is not one of {', '.join(LANGUAGES)}.")
    formats = tuple(reader.get("formats", list, ["html"]))
    for fmt in formats:
        if fmt not in FORMATS:
            raise reader.fail("formats", f"{fmt!r} is not supported yet; supported: {', '.join(FORMATS)}.")
    engine = _choice(reader, "pdf_engine", PDF_ENGINES, "weasyprint")
    return Outputs((base / reader.get("dir", str, "reports")).resolve(), languages, formats, engine)
