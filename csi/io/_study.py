"""study.toml → a frozen :class:`Study`: questionnaire, responses, model, weighting, enterprises, outputs.

Paths in study.toml are relative to the study file. Every error names the file and the key path
(``study.toml: [model].preset: unknown preset 'cssi' (did you mean 'ccsi'?)``).
"""

from __future__ import annotations

import datetime as dt
import typing
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from csi._api import public
from csi._data import OVERALL
from csi._display import Card, Display, Summary, by_language, label, pairs
from csi._validation import LANGUAGES, check_id, is_ascii_whole_number, path_problem, resolve_path, suggest
from csi.exceptions import CSIError, StudyError
from csi.io import _schema as schema
from csi.io import models
from csi.io._model import Model
from csi.io._questionnaire import Questionnaire, _read_toml, load_questionnaire, read_csv_text

PDF_ENGINES = typing.get_args(schema.PdfEngine)
FORMATS = typing.get_args(schema.Format)
BENCHMARKS = typing.get_args(schema.Benchmark)

#: The industry of every enterprise when enterprises.csv has no industry column, with its labels.
DEFAULT_INDUSTRY = "study"
DEFAULT_INDUSTRY_LABEL = {"zh": "同类", "en": "the study's enterprises"}
#: The columns of enterprises.csv: name → (required, description). The reference page and errors use it.
ENTERPRISE_COLUMNS = {
    "enterprise_id": (True, ("The enterprise's id (as in the responses' enterprise column); it names its report "
                            "files (E01.zh.html), so 1–64 letters, digits, '_' and '-', starting with a letter or "
                            "digit (no '.'); not overview, index or manifest (the batch's own outputs) nor a Windows "
                            "device name (CON, PRN, AUX, NUL, COM0–COM9, LPT0–LPT9), in any case; no two ids may "
                            "differ only in case (E01, e01: one file on Windows and macOS).")),
    "name_zh": (False, "Its name in Chinese; default: the English name, else the id."),
    "name_en": (False, "Its name in English; default: the Chinese name, else the id."),
    "industry": (False, ("Its industry code (label it in [study] industries); enterprises are pooled and ranked "
                        f"within their industry. Without this column every enterprise is in one industry, "
                        f"{DEFAULT_INDUSTRY!r}.")),
    "served_customers": (False, ("Customers served in the year, a whole number (the sample plan; census below "
                                "[sampling] census_below).")),
    "contacted": (False, "Customers contacted in fieldwork, a whole number ≥ 1 (the response rate's denominator)."),
}
#: The columns of a margins CSV: variable, level, and share or count.
MARGIN_COLUMNS = {
    "variable": "A raking variable: a demographic of the questionnaire.",
    "level": "One of its levels, as declared in the questionnaire.",
    "share": "The population share of the level (each variable's shares sum to 1), or",
    "count": "the population count of the level (whole numbers; turned into shares per variable).",
}


@dataclass(frozen=True, repr=False)
class Enterprise(Display):
    """An evaluated enterprise: id (safe as a file name), names, industry, customers served in the year,
    customers contacted in fieldwork (the denominator of the response rate)."""

    id: str
    name: dict[str, str]
    industry: str
    served_customers: int | None = None
    contacted: int | None = None

    def label(self, lang: str = "zh") -> str:
        return self.name.get(lang) or self.name.get("en") or self.id

    def _card(self) -> Card:
        """One line (an enterprise is shown in lists of enterprises): id, names, industry, customer counts."""
        counts = [f"{n:,} {what}" for n, what in ((self.served_customers, "served"), (self.contacted, "contacted"))
                  if n is not None]
        return Card("Enterprise", f"{self.id} {label(self.name)} ({self.industry})"
                    + (f", {', '.join(counts)}" if counts else ""))

    def summary(self) -> Summary:
        """The enterprise's names, industry and customer counts."""
        return self._card().summary({"name": pd.DataFrame({"language": list(self.name),
                                                           "name": list(self.name.values())})})


@dataclass(frozen=True, repr=False)
class ModelSettings(Display):
    """How the structural model is estimated: the model, its target construct, scheme and pooling."""

    model: Model
    target: str
    scheme: str = "path"
    estimation: str = "pooled"
    pool_by: str = "industry"
    missing: str = "mean"
    min_n: int | None = None  # with estimation = "enterprise": below this n, the pooled model is used
    preset: str | None = None  # "ccsi" | "ecsi" | "acsi" when [model] preset names one (the report names it)
    cfa: bool = False  # [model] cfa: the measurement model also fitted by covariance-based ML (csi.cfa)
    imputations: int = 20  # with missing = "mi": completed data sets per pool (csi.estimate_mi's m)

    @property
    def minimum_n(self) -> int:
        """``min_n``, or the 10-times rule (Hair et al. 2011): ten times the largest number of arrows
        pointing at one construct (structural paths, or formative indicators), and at least 30."""
        if self.min_n is not None:
            return self.min_n
        arrows = [len(self.model.predecessors(c)) for c in self.model.constructs]
        arrows += [len(self.model.blocks[c]) for c in self.model.constructs if self.model.modes[c] == "B"]
        return max(30, 10 * max(arrows, default=1))

    def _card(self) -> Card:
        m = self.model
        pooling = (f"pooled by {self.pool_by}" if self.estimation == "pooled"
                   else f"per enterprise (pooled below n = {self.minimum_n})")
        missing = f"mi, m = {self.imputations}" if self.missing == "mi" else self.missing
        facts = [("estimation", f"{pooling}, {self.scheme} scheme, missing = {missing}"),
                 ("model", f"{len(m.constructs)} constructs, {len(m.items)} items, {len(m.paths)} paths"),
                 (f"{self.target} ←", m.predecessors(self.target))]
        return Card("ModelSettings", f"target {self.target}, {self.preset or 'own model'}", facts,
                    more=(".model", ".model.summary()"))


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


@dataclass(frozen=True, repr=False)
class Weighting(Display):
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

    def _card(self) -> Card:
        facts = []
        if self.margins is not None:
            value = "share" if "share" in self.margins.columns else self.margins.columns[-1]
            for variable, rows in self.margins.groupby("variable", sort=False):
                facts.append((str(variable), pairs(rows.set_index("level")[value])))
        if self.source:
            facts.append(("source", self.source))
        on = f" on {', '.join(self.variables)}" if self.variables else ""
        return Card("Weighting", f"{self.method}{on}", facts, more=(".margins",) if self.margins is not None else ())


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

    def inferential(self, n):
        """May a report draw an inference (interval, test, rank) from ``n`` respondents (a number or a Series)?
        Rule 2 of docs/methods/report.md: at least ``min_n``."""
        return n >= self.min_n

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
class Wave:
    """A survey wave before the current one (study.toml ``[data] previous_wave``): its label and response files."""

    label: str
    files: tuple[Path, ...]


#: The label of the previous wave when study.toml lists its files without one, and of the current wave without
#: a ``[study] period``.
PREVIOUS_LABEL, CURRENT_LABEL = "previous", "current"


@dataclass(frozen=True, repr=False)
class Study(Display):
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
    enterprises: tuple[Enterprise, ...]
    model: ModelSettings
    weighting: Weighting
    outputs: Outputs
    screening: ScreeningRules = field(default_factory=ScreeningRules)
    files: tuple[Path, ...] = ()  # every file the study reads but the current responses (provenance, hashing)
    industries: dict[str, dict[str, str]] = field(default_factory=dict)  # code -> label by language
    rules: Rules = field(default_factory=Rules)
    report: ReportSettings = field(default_factory=ReportSettings)
    sampling: SamplingPlan = field(default_factory=SamplingPlan)
    strata: str | None = None    # response column of the sampling strata: bootstrap resamples within them
    cluster: str | None = None   # response column of the clusters (PSUs): bootstrap draws whole clusters
    sheet: str | None = None     # the sheet of XLSX response files that holds the responses
    benchmark: str = "mean_of_enterprises"   # [benchmark] industry: one of BENCHMARKS
    commissioned_by: dict[str, str] = field(default_factory=dict)  # [study] commissioned_by: who commissioned it
    fieldwork: Fieldwork = field(default_factory=Fieldwork)
    waves: tuple[Wave, ...] = ()  # [data] previous_wave: every wave before the current one, oldest first

    @property
    def current_label(self) -> str:
        """The current wave's label: ``[study] period``, else "current"."""
        return self.period or CURRENT_LABEL

    @property
    def previous(self) -> Wave | None:
        """The wave just before the current one (``previous_indices``, ``changes``), None without one."""
        return self.waves[-1] if self.waves else None

    def enterprise(self, enterprise_id: str) -> Enterprise:
        for enterprise in self.enterprises:
            if enterprise.id == enterprise_id:
                return enterprise
        ids = [e.id for e in self.enterprises]
        raise StudyError(f"{self.path}: no enterprise {enterprise_id!r}{suggest(enterprise_id, ids)}; "
                         f"enterprises: {', '.join(ids)}.")

    def industry_label(self, code: str, lang: str = "zh") -> str:
        return self.industries.get(code, {}).get(lang) or code

    def _card(self) -> Card:
        per: dict[str, int] = {}
        for e in self.enterprises:
            per[e.industry] = per.get(e.industry, 0) + 1
        q, m = self.questionnaire, self.model
        previous = ("previous waves", "; ".join(f"{w.label}: {', '.join(p.name for p in w.files)}"
                                                for w in self.waves)) if len(self.waves) > 1 else \
            ("previous wave", [p.name for p in self.previous.files] if self.previous else "none")
        facts = [("enterprises", f"{len(self.enterprises)} in {len(per)} industries: {pairs(per)}"),
                 ("responses", [p.name for p in self.responses]),
                 previous,
                 ("questionnaire", f"{len(q.items)} items in {len(q.constructs)} constructs ({Path(q.source).name})"),
                 ("model", f"target {m.target}, {m.preset or 'own model'}, {m.estimation} estimation"
                           + (f" by {m.pool_by}" if m.estimation == "pooled" else "") + f", missing = {m.missing}"),
                 ("weighting", self.weighting.method + (f" on {', '.join(self.weighting.variables)}"
                                                        if self.weighting.variables else "")),
                 ("benchmark", self.benchmark),
                 ("rules", list(self.rules.keys()) or "none"),
                 ("outputs", f"{'/'.join(self.outputs.languages)} {'/'.join(self.outputs.formats)} → {self.outputs.dir}"),
                 ("file", str(self.path))]
        enterprises = pd.DataFrame([{"id": e.id, "name": e.label(self.language), "industry": e.industry}
                                    for e in self.enterprises])
        return Card("Study", f"{self.id} — {label(self.title)} ({self.period})", facts, [("enterprises", enterprises)],
                    (".enterprises", ".enterprise(id)", ".questionnaire", ".model", ".weighting", ".summary()",
                     "csi.analyse_study(study)"))

    def summary(self) -> Summary:
        """The study's settings, enterprises, industries, files and weighting margins."""
        enterprises = pd.DataFrame([{"id": e.id, **by_language(e.name, "name"), "industry": e.industry,
                                     "served_customers": e.served_customers, "contacted": e.contacted}
                                    for e in self.enterprises])
        industries = pd.DataFrame([{"industry": code, **by_language(self.industries.get(code), "label"),
                                    "enterprises": sum(e.industry == code for e in self.enterprises)}
                                   for code in dict.fromkeys(e.industry for e in self.enterprises)])
        tables = {"enterprises": enterprises, "industries": industries,
                  "files": pd.DataFrame({"file": [str(p) for p in self.files + self.responses]})}
        if self.weighting.margins is not None:
            tables["weighting_margins"] = self.weighting.margins
        return self._card().summary(tables)




@public(subjects=1)
def load_study(path: str | Path) -> Study:
    """Read and check a study file (keys and types by :class:`csi.io._schema.StudyFile`, then the files it names
    and the names it shares with the questionnaire and the model).

    Parameters
    ----------
    path : path to study.toml. Relative paths inside it are resolved against its folder.
    """
    path = resolve_path(path)  # a symbolic link loop is named by _read_toml, not a RuntimeError here
    spec = schema.validate(schema.StudyFile, _read_toml(path, StudyError), path.name, StudyError)
    fail = _Failer(path.name)
    base = path.parent
    questionnaire = _wrap(lambda: load_questionnaire(_file(base, spec.data.questionnaire, fail, "data", "questionnaire")),
                          fail, "data", "questionnaire")
    weighting = _weighting(spec.weighting, base, questionnaire, fail)
    rules = _rules(spec.rules, base, questionnaire, fail)
    enterprises_file = _file(base, spec.data.enterprises, fail, "data", "enterprises")
    enterprises = _enterprises(enterprises_file, fail)
    industries = dict(spec.study.industries)
    if any(e.industry == DEFAULT_INDUSTRY for e in enterprises):
        industries.setdefault(DEFAULT_INDUSTRY, DEFAULT_INDUSTRY_LABEL)
    _check_fieldwork(spec, questionnaire, fail)
    _check_grades(spec.report.grades, fail)
    waves = _waves(spec, base, fail)
    screening = spec.screening
    if (screening.speeder_column is None) != (screening.speeder_min_seconds is None):
        raise fail("screening", "speeder_column" if screening.speeder_column is None else "speeder_min_seconds",
                   message="set both speeder_column and speeder_min_seconds, or neither.")
    return Study(
        path=path,
        id=check_id(spec.study.id, fail.where("study", "id"), StudyError),
        title=spec.study.title,
        evaluator=spec.study.evaluator or {"zh": "", "en": ""},
        period=spec.study.period,
        language=spec.study.language,
        seed=spec.study.seed,
        industries=industries,
        questionnaire=questionnaire,
        responses=tuple(_file(base, f, fail, "data", "responses") for f in spec.data.responses),
        enterprises=enterprises,
        model=_model_settings(spec.model, spec.benchmark, base, questionnaire, fail),
        weighting=weighting,
        outputs=Outputs(resolve_path(base / spec.outputs.dir), tuple(spec.outputs.languages or [spec.study.language]),
                        tuple(spec.outputs.formats), spec.outputs.pdf_engine),
        screening=ScreeningRules(**{k: getattr(screening, k) for k in ScreeningRules.__dataclass_fields__}),
        files=(path, Path(questionnaire.source).resolve(), enterprises_file,
               *([Path(weighting.source)] if weighting.source.endswith(".csv") else []), *_rule_files(rules),
               *(f for wave in waves for f in wave.files)),
        rules=rules,
        report=_report(spec.report, base),
        sampling=SamplingPlan(**spec.sampling.model_dump()),
        strata=spec.data.strata,
        cluster=spec.data.cluster,
        sheet=spec.data.sheet,
        benchmark=spec.benchmark.industry,
        commissioned_by=spec.study.commissioned_by or {},
        fieldwork=Fieldwork(start=_iso(spec.fieldwork.start), end=_iso(spec.fieldwork.end),
                            frame=spec.fieldwork.frame or {}, selection=spec.fieldwork.selection or {},
                            quality_control=tuple(spec.fieldwork.quality_control), modes=dict(spec.fieldwork.modes)),
        waves=waves,
    )


def _waves(spec: schema.StudyFile, base: Path, fail: _Failer) -> tuple[Wave, ...]:
    """``[data] previous_wave``: the previous waves, oldest first (one, labelled "previous", when it lists files).
    Labels are unique and differ from the current wave's (``[study] period``)."""
    given = spec.data.previous_wave
    if not given or not isinstance(given[0], schema.WaveSpec):
        files = tuple(_file(base, f, fail, "data", "previous_wave") for f in given)
        return (Wave(PREVIOUS_LABEL, files),) if files else ()
    seen: dict[str, int] = {}
    out = []
    for i, wave in enumerate(given):
        label = wave.wave.strip()
        if not label:
            raise fail("data", "previous_wave", i, "wave", message="the wave's label is blank; label it as printed, "
                       'e.g. wave = "2024".')
        if label in seen:
            raise fail("data", "previous_wave", i, "wave", message=f"wave {label!r} is listed twice (also "
                       f"previous_wave[{seen[label]}]); give each wave its own label, oldest first.")
        if label == spec.study.period:
            raise fail("data", "previous_wave", i, "wave", message=f"{label!r} is the current wave's label ([study] "
                       "period); label the earlier waves by their own periods.")
        seen[label] = i
        out.append(Wave(label, tuple(_file(base, f, fail, "data", "previous_wave", i, "files") for f in wave.files)))
    return tuple(out)


class _Failer:
    """Errors of one study file: ``study.toml: [model.target]: …``."""

    def __init__(self, file: str):
        self.file = file

    def where(self, *loc: str | int) -> str:
        return f"{self.file}: {schema.where(loc)}" if loc else self.file

    def __call__(self, *loc: str | int, message: str) -> StudyError:
        return StudyError(f"{self.where(*loc)}: {message}")


def _wrap(load, fail: _Failer, *loc: str):
    """Run a loader for a referenced file; its error keeps its own detail and gains the study key path."""
    try:
        return load()
    except StudyError:
        raise
    except CSIError as exc:
        raise fail(*loc, message=str(exc)) from None


def _file(base: Path, name: str, fail: _Failer, *loc: str) -> Path:
    """An existing regular file named in the study file, resolved against its folder; anything else (missing, a
    folder, a named pipe that would block the reader, a symbolic link loop) is an error naming the key."""
    resolved = resolve_path(base / name)
    problem = path_problem(resolved)
    if problem == "file not found":
        raise fail(*loc, message=f"file not found: {resolved} (paths are relative to {base}).")
    if problem:
        raise fail(*loc, message=f"{resolved} {problem}.")
    return resolved


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _enterprises(path: Path, fail: _Failer) -> tuple[Enterprise, ...]:
    columns = ", ".join(f"{c}{'' if required else ' (optional)'}" for c, (required, _) in ENTERPRISE_COLUMNS.items())
    table = _wrap(lambda: read_csv_text(path, StudyError, f"a header row with {columns}"), fail, "data",
                  "enterprises").fillna("")
    absent = [c for c, (required, _) in ENTERPRISE_COLUMNS.items() if required and c not in table.columns]
    if absent:
        raise fail("data", "enterprises", message=f"{path}: missing column(s) {', '.join(absent)}; columns: {columns}.")
    out = []
    for line, row in zip(range(2, len(table) + 2), table.to_dict("records")):
        served = row.get("served_customers", "").strip()
        if served and not is_ascii_whole_number(served):  # str.isdigit() takes '12²', which int() refuses
            raise StudyError(f"{path}: line {line}, column 'served_customers': {served!r} is not a whole number.")
        contacted = str(row.get("contacted", "")).strip()
        if contacted and (not is_ascii_whole_number(contacted) or int(contacted) < 1):
            raise StudyError(f"{path}: line {line}, column 'contacted': {contacted!r} is not a whole number of 1 or "
                             "more (customers contacted in fieldwork; leave it empty when unknown).")
        industry = row["industry"].strip() if "industry" in table.columns else DEFAULT_INDUSTRY
        if industry == OVERALL:
            raise StudyError(f"{path}: line {line}, column 'industry': {OVERALL!r} is reserved for the whole study "
                             "(league and benchmarks across industries); use another code and label it in [study] "
                             "industries.")
        if not industry:
            raise StudyError(f"{path}: line {line}, column 'industry' is empty; give every enterprise an industry "
                             "(enterprises are pooled and ranked within it), or remove the column for a study of one "
                             "industry.")
        out.append(Enterprise(
            id=check_id(row["enterprise_id"].strip(), f"{path}: line {line}, column 'enterprise_id'", StudyError),
            name={lang: row.get(f"name_{lang}", "").strip() for lang in LANGUAGES},
            industry=industry, served_customers=int(served) if served else None,
            contacted=int(contacted) if contacted else None))
    ids = pd.Series([e.id for e in out])
    if ids.duplicated().any():
        raise fail("data", "enterprises", message=f"{path}: duplicate enterprise_id {sorted(set(ids[ids.duplicated()]))}.")
    seen: dict[str, tuple[int, str]] = {}
    for line, enterprise in zip(range(2, len(out) + 2), out):
        first = seen.setdefault(enterprise.id.lower(), (line, enterprise.id))
        if first[1] != enterprise.id:
            raise StudyError(f"{path}: line {line}, column 'enterprise_id': id {enterprise.id!r} differs from "
                             f"{first[1]!r} (line {first[0]}) only in case; their report files would overwrite each "
                             "other on Windows and macOS, which ignore case in file names: rename one.")
    if not out:
        raise fail("data", "enterprises", message=f"{path}: no enterprises listed.")
    return tuple(out)


def _model_settings(spec: schema.ModelSection, benchmark: schema.BenchmarkSection, base: Path,
                    questionnaire: Questionnaire, fail: _Failer) -> ModelSettings:
    sources = [k for k in ("preset", "syntax", "file") if getattr(spec, k) is not None]
    if len(sources) != 1:
        raise fail("model", message="give exactly one of preset = \"ccsi\" | \"ecsi\" | \"acsi\", syntax = \"\"\"…\"\"\" "
                   f"or file = \"model.txt\" (found: {', '.join(sources) or 'none'}).")
    if spec.preset is not None:
        model = getattr(models, spec.preset)()
    elif spec.syntax is not None:
        model = _wrap(lambda: Model.from_syntax(spec.syntax), fail, "model", "syntax")
    else:
        model = _wrap(lambda: Model.from_file(_file(base, spec.file, fail, "model", "file")), fail, "model", "file")
    unknown = [i for i in model.items if i not in questionnaire.item_ids]
    if unknown:
        raise fail("model", sources[0], message=f"model item(s) not in the questionnaire: {', '.join(unknown)}"
                   f"{suggest(unknown[0], questionnaire.item_ids)}.")
    if spec.lower_is_better is not None:  # replaces the preset's declaration
        bad = [c for c in spec.lower_is_better if c not in model.constructs]
        if bad:
            raise fail("model", "lower_is_better", message=f"{', '.join(map(repr, bad))} is not a construct of the "
                       f"model{suggest(bad[0], model.constructs)}; constructs: {', '.join(model.constructs)}.")
        model = replace(model, lower_is_better=tuple(spec.lower_is_better))
    if spec.target not in model.constructs:
        raise fail("model", "target", message=f"{spec.target!r} is not a construct of the model"
                   f"{suggest(spec.target, model.constructs)}; constructs: {', '.join(model.constructs)}.")
    if "imputations" in spec.model_fields_set and spec.missing != "mi":
        raise fail("model", "imputations", message=f"imputations = {spec.imputations} is used by multiple imputation "
                   f"only, but missing = \"{spec.missing}\": set missing = \"mi\", or remove imputations.")
    if benchmark.industry == "pooled" and spec.estimation != "pooled":
        raise fail("benchmark", "industry", message="a pooled industry benchmark needs one model per pool: set [model] "
                   "estimation = \"pooled\", or use industry = \"mean_of_enterprises\".")
    return ModelSettings(model, spec.target, spec.scheme, spec.estimation, spec.pool_by, spec.missing, spec.min_n,
                         preset=spec.preset, cfa=spec.cfa, imputations=spec.imputations)


def _weighting(spec: schema.WeightingSection, base: Path, questionnaire: Questionnaire, fail: _Failer) -> Weighting:
    if spec.method == "none":
        return Weighting()
    if spec.margins is None:
        raise fail("weighting", "margins", message='method = "rake" needs margins: a file (margins = "margins.csv" with '
                   "columns variable, level and share or count) or a table ([weighting.margins] region = "
                   "{ urban = 0.5, … }).")
    if isinstance(spec.margins, dict):
        margins = pd.DataFrame([{"variable": v, "level": level, "value": value}
                                for v, levels in spec.margins.items() for level, value in levels.items()])
        source = fail.where("weighting", "margins")

        def where(variable: str) -> tuple:
            return ("weighting", "margins", variable)
    else:
        path = _file(base, spec.margins, fail, "weighting", "margins")
        margins, source = _margins_file(path, fail), str(path)
        def where(variable: str) -> tuple:  # the file's rows are named in the message
            return ("weighting", "margins")
    demographics = {v.id: v for v in questionnaire.demographics}
    variables = tuple(spec.variables if spec.variables is not None else dict.fromkeys(margins["variable"]))
    for variable in variables:
        if variable not in demographics:
            raise fail("weighting", "variables", message=f"{variable!r} is not a questionnaire variable"
                       f"{suggest(variable, demographics)}; variables: {', '.join(sorted(demographics)) or 'none'} "
                       "(declare them as [[demographics]] in the questionnaire).")
        if variable not in set(margins["variable"]):
            raise fail("weighting", "variables", message=f"{variable!r} has no margins in {source}.")
    shares = []
    for variable, group in margins.groupby("variable", sort=False):
        if variable not in variables:
            continue
        declared = list(demographics[variable].levels)
        unknown = [lvl for lvl in group["level"] if lvl not in declared]
        if unknown:
            raise fail(*where(variable), message=f"level {unknown[0]!r} of {variable!r} ({source}) is not a level of "
                       f"the questionnaire's {variable!r}{suggest(unknown[0], declared)}; levels: {', '.join(declared)}.")
        absent = [lvl for lvl in declared if lvl not in set(group["level"])]
        if absent:
            raise fail(*where(variable), message=f"{variable!r} has no margin for level(s) {', '.join(map(repr, absent))} "
                       f"of the questionnaire ({source}); give every level its share or count (0 is not allowed: "
                       "remove the level from the questionnaire if nobody in the population has it).")
        shares.append(group.assign(share=_as_shares(group["value"], variable, source, fail, where(variable))))
    table = pd.concat(shares, ignore_index=True)[["variable", "level", "share"]]
    return Weighting("rake", table, variables, source)


def _as_shares(values: pd.Series, variable: str, source: str, fail: _Failer, loc: tuple) -> pd.Series:
    """A variable's margins as shares: whole-number counts are divided by their total; shares must sum to 1."""
    if (values <= 0).any():
        raise fail(*loc, message=f"margins of {variable!r} must be positive shares or counts; got "
                   f"{', '.join(f'{v:g}' for v in values[values <= 0])} ({source}).")
    counts = bool((values % 1 == 0).all() and values.sum() > 1)
    if not counts and abs(values.sum() - 1) > 1e-6:
        raise fail(*loc, message=f"shares of {variable!r} sum to {values.sum():.6g}, not 1 ({source}); give shares "
                   "that sum to 1, or whole-number counts.")
    return values / values.sum()


def _margins_file(path: Path, fail: _Failer) -> pd.DataFrame:
    table = _wrap(lambda: read_csv_text(path, StudyError, "a header row with variable, level, and share or count"),
                  fail, "weighting", "margins")
    value = [c for c in ("share", "count") if c in table.columns]
    absent = [c for c in ("variable", "level") if c not in table.columns] + ([] if value else ["share or count"])
    if absent or len(value) > 1:
        problem = f"missing column(s) {', '.join(absent)}" if absent else "both share and count columns"
        raise fail("weighting", "margins", message=f"{path}: {problem}; expected variable, level, and share or count.")
    numbers = pd.to_numeric(table[value[0]], errors="coerce")
    bad = numbers.isna()
    if bad.any():
        lines = [i + 2 for i in table.index[bad]]
        raise fail("weighting", "margins", message=f"{path}: column {value[0]!r} must hold numbers; line(s) "
                   f"{', '.join(map(str, lines[:20]))}: {', '.join(repr(v) for v in table.loc[bad, value[0]][:20])}.")
    return pd.DataFrame({"variable": table["variable"], "level": table["level"], "value": numbers})


def _rules(spec: schema.RulesSection, base: Path, questionnaire: Questionnaire, fail: _Failer) -> Rules:
    files = ("rubric", "audits_dir", "awards", "operations", "complaint_keywords")
    paths = {k: resolve_path(base / getattr(spec, k)) if getattr(spec, k) is not None else None for k in files}
    if spec.handling_item is not None and spec.handling_item not in questionnaire.item_ids:
        raise fail("rules", "handling_item", message=f"{spec.handling_item!r} is not a questionnaire item"
                   f"{suggest(spec.handling_item, questionnaire.item_ids)}.")
    constructs = list(questionnaire.constructs)
    for column, construct in spec.award_indices.items():
        if construct not in constructs:
            raise fail("rules", "award_indices", column, message=f"{construct!r} is not a construct"
                       f"{suggest(construct, constructs)}; constructs: {', '.join(constructs)}.")
    return Rules(**paths, handling_item=spec.handling_item, award_indices=dict(spec.award_indices))


def _rule_files(rules: Rules) -> list[Path]:
    """The rule files that exist (an audits folder contributes its CSVs), for provenance and change detection."""
    out: list[Path] = []
    for path in rules.keys().values():
        out += sorted(path.glob("*.csv")) if path.is_dir() else [path] if path.is_file() else []
    return list(dict.fromkeys(out))


def _check_grades(grades: list[schema.Grade], fail: _Failer) -> None:
    mins = [g.min for g in grades]
    if mins != sorted(mins) or len(set(mins)) != len(mins):
        raise fail("report", "grades", message="grade bands must be listed with strictly increasing min, lowest first.")


def _report(spec: schema.ReportSection, base: Path) -> ReportSettings:
    signature = spec.signature
    return ReportSettings(
        number_prefix=spec.number_prefix, date=spec.date, independence=spec.independence or {},
        grades=tuple(Grade(g.min, g.label) for g in spec.grades), min_n=spec.min_n, min_cell=spec.min_cell,
        remarks_dir=resolve_path(base / spec.remarks_dir) if spec.remarks_dir is not None else None,
        use_statement=spec.use_statement or {}, limitations=tuple(spec.limitations),
        signature=Signature(signature.organisation or {}, signature.qualification or {},
                            tuple(Signatory(s.role, s.name or {}) for s in signature.signatories),
                            signature.seal or {}))


def _check_fieldwork(spec: schema.StudyFile, questionnaire: Questionnaire, fail: _Failer) -> None:
    start, end = spec.fieldwork.start, spec.fieldwork.end
    if (start is None) != (end is None):
        raise fail("fieldwork", "end" if end is None else "start",
                   message="give both start and end of the fieldwork, or neither.")
    if start is not None and end < start:
        raise fail("fieldwork", "end", message=f"the fieldwork ends ({end}) before it starts ({start}).")
    if end is not None and spec.report.date:
        try:
            report_date = dt.date.fromisoformat(spec.report.date[:10])
        except ValueError:
            report_date = None
        if report_date is not None and report_date < end:
            raise fail("report", "date", message=f"the report date {report_date} is before the end of the fieldwork "
                       f"({end}, [fieldwork] end).")
    modes = spec.fieldwork.modes
    channel = next((v for v in questionnaire.demographics if v.id == "channel"), None)
    if modes and channel is None:
        raise fail("fieldwork", "modes", message="the questionnaire has no 'channel' variable to describe; declare one "
                   "in its demographics (the survey channel of each respondent), or describe the mode in "
                   "[fieldwork] selection.")
    for level in modes:
        if level not in channel.levels:
            raise fail("fieldwork", "modes", level, message=f"not a level of the questionnaire's channel variable"
                       f"{suggest(level, channel.levels)}; levels: {', '.join(channel.levels)}.")
