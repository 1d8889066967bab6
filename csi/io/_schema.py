"""The study file and the questionnaire file, declared once: every key with its type, default, allowed values,
description, example and the part of the report it feeds.

From these pydantic models come the checks of :func:`csi.load_study` and :func:`csi.load_questionnaire`
(:func:`validate` turns pydantic's errors into csi's: file, key path, did-you-mean, every problem at once),
the reference page docs/study-file.md and the JSON Schema files editors use (csi/io/schema/*.json; both
written by ``python -m csi.io._reference``). The loaders then check what a schema cannot see: files on
disk, items and constructs named across files.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import textwrap
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from csi._data import MISSING_POLICIES, SCHEMES
from csi._validation import LANGUAGES, SHOWN_CELLS, shown, suggest
from csi.exceptions import CSIError

#: The shipped JSON Schema files (package data): study.schema.json and questionnaire.schema.json.
SCHEMA_DIR = Path(__file__).parent / "schema"


def schema_line(name: str) -> str:
    """The first line that makes taplo-based editors (VS Code with Even Better TOML) check a file against the
    shipped schema, e.g. ``#:schema /…/csi/io/schema/study.schema.json``."""
    return f"#:schema {(SCHEMA_DIR / name).as_posix()}"


# --------------------------------------------------------------------------- value types

Language = Literal["zh", "en"]
Format = Literal["html", "pdf", "docx", "xlsx"]
PdfEngine = Literal["weasyprint", "chromium"]      # chromium is the fast one for large batches
Preset = Literal["acsi", "ecsi", "ccsi"]
Scheme = Literal[SCHEMES]
Missing = Literal[(*MISSING_POLICIES, "mi")]  # "mi": multiple imputation, a study-level option (estimate_mi)
OutOfRange = Literal["raise", "exclude", "set_missing"]
Estimation = Literal["pooled", "enterprise"]
PoolBy = Literal["industry", "study"]
#: How "the industry" an enterprise is compared with is defined (docs/methods/analysis.md): the unweighted
#: mean of its enterprises' indices, the mean of the other enterprises (leave-one-out), or the index of all
#: its respondents pooled.
Benchmark = Literal["mean_of_enterprises", "mean_of_peers", "pooled"]


def _as_text(value: Any) -> dict[str, str]:
    """A translatable text: a string (the same in every language) or a table { zh = "…", en = "…" }."""
    if isinstance(value, str):
        value = dict.fromkeys(LANGUAGES, value)
    if not isinstance(value, dict) or not value or not all(isinstance(v, str) for v in value.values()):
        raise PydanticCustomError("text", 'expected a string or a table of strings by language, e.g. '
                                  '{ zh = "…", en = "…" }; got {got}.', {"got": shown(value)})
    unknown = [k for k in value if k not in LANGUAGES]
    if unknown:
        raise PydanticCustomError("text", "unknown language {lang}{hint}; languages: zh, en.",
                                  {"lang": repr(unknown[0]), "hint": suggest(unknown[0], LANGUAGES)})
    if not any(v.strip() for v in value.values()):
        raise PydanticCustomError("text", "the text is empty; write it, or remove the key.")
    return {lang: v.strip() for lang, v in value.items() if v.strip()}


TEXT_SCHEMA = {"anyOf": [{"type": "string", "minLength": 1},
                          {"type": "object", "properties": {lang: {"type": "string"} for lang in LANGUAGES},
                           "additionalProperties": False, "minProperties": 1}],
                "description": 'A text: a string, or a table { zh = "…", en = "…" }.'}
#: A translatable text, kept as {language: text}.
Text = Annotated[dict[str, str], BeforeValidator(_as_text), WithJsonSchema(TEXT_SCHEMA)]


def _as_files(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else value


#: One file name or a list of them.
Files = Annotated[list[str], BeforeValidator(_as_files),
                  WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})]


def _as_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError("date", "{value} is not a date; write it as YYYY-MM-DD, e.g. 2026-09-01.",
                                      {"value": repr(value)}) from None
    return value


#: A date: a TOML date (2026-09-01) or an ISO string ("2026-09-01").
Date = Annotated[dt.date, BeforeValidator(_as_date),
                 WithJsonSchema({"type": "string", "format": "date", "description": "YYYY-MM-DD"})]


def _as_label(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()[:10]
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


#: Text written as a string, a whole number (period = 2026) or a date (date = 2026-12-15).
Label = Annotated[str, BeforeValidator(_as_label), WithJsonSchema({"type": ["string", "integer"]})]


def _as_share(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise PydanticCustomError("share", "{got} is not a number.", {"got": shown(value)})
    return float(value)


#: A margin: a share of the population (0–1) or a count of people; csi rescales each variable to shares.
Margin = Annotated[float, BeforeValidator(_as_share), Field(gt=0), WithJsonSchema({"type": "number",
                                                                                   "exclusiveMinimum": 0})]


def key(default: Any = ..., doc: str = "", *, feeds: str = "", example: Any = None, **constraints: Any) -> Any:
    """A documented key: its default (``...`` when required), description, the report part it feeds, an
    example for the reference page."""
    return Field(default, description=doc, examples=None if example is None else [example],
                 json_schema_extra={"x-feeds": feeds} if feeds else None, **constraints)


class Section(BaseModel):
    """A TOML table: unknown keys and silent conversions are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# --------------------------------------------------------------------------- study.toml

class StudySection(Section):
    """The study: its id, title, evaluator and period."""

    id: str = key(doc="Study id; it names output files, so 1–64 letters, digits, '_' or '-' (no '.'), not a name "
                  "reserved by csi (overview, index, manifest) or by Windows (CON, NUL, COM1, …).", example="demo-2026",
                  feeds="report number, manifest")
    title: Text = key(doc="Title of the study.", feeds="cover, overview", example={"zh": "2026 年度…", "en": "2026 …"})
    evaluator: Text | None = key(None, "The third-party evaluator.", feeds="cover, background, signatures")
    commissioned_by: Text | None = key(None, "Who commissioned the study; none: no commissioning is mentioned.",
                                       feeds="cover, background")
    period: Label = key("", "The survey period as printed when no fieldwork dates are given, e.g. \"2026\".",
                        feeds="cover, background")
    language: Language = key("zh", "The study's main language; the default of [outputs] languages.")
    seed: int = key(1, "Seed of every random draw (bootstrap); the same seed gives the same numbers.",
                    ge=0, le=2**32 - 1, feeds="results (intervals), record")
    industries: dict[str, Text] = key({}, "Labels of the industry codes of enterprises.csv, by code. A code without a "
                                      "label is printed as it is in every language.",
                                      example={"water": {"zh": "供水", "en": "Water supply"}},
                                      feeds="every sentence naming the industry")


class WaveSpec(Section):
    """A survey wave before the current one: its label and its response file(s)."""

    wave: Label = key(doc="The wave's label as printed (e.g. \"2024\"); unique among the waves.", min_length=1)
    files: Files = key(doc="The wave's response file(s).", min_length=1)


def _previous_form(value: Any) -> str:
    return "list of waves" if isinstance(value, list) and any(isinstance(v, dict) for v in value) else "list of files"


def _as_previous(value: Any) -> Any:
    if isinstance(value, dict):
        raise PydanticCustomError("waves", "write the waves as a list, oldest first, e.g. previous_wave = "
                                  '[{ wave = "2024", files = ["responses_2024.csv"] }, { wave = "2025", files = '
                                  '["responses_2025.csv"] }]; got one table.')
    return [value] if isinstance(value, str) else value


#: [data] previous_wave: the previous wave's file(s) (a string or a list), or an ordered list of waves, oldest first,
#: each { wave = "2024", files = […] }; the last one is the previous wave of every change.
PreviousWaves = Annotated[Annotated[list[str], Tag("list of files")] | Annotated[list[WaveSpec], Tag("list of waves")],
                          Discriminator(_previous_form), BeforeValidator(_as_previous),
                          WithJsonSchema({"anyOf": [
                              {"type": "string"}, {"type": "array", "items": {"type": "string"}},
                              {"type": "array", "minItems": 1, "items": {
                                  "type": "object", "required": ["wave", "files"], "additionalProperties": False,
                                  "properties": {
                                      "wave": {"type": ["string", "integer"], "description": "The wave's label."},
                                      "files": {"anyOf": [{"type": "string"},
                                                          {"type": "array", "items": {"type": "string"}}],
                                                "description": "Its response file(s)."}}}}],
                              "x-type": "string or list of strings (one previous wave), or a list of waves "
                                        "{ wave, files }, oldest first"})]


class DataSection(Section):
    """The data files; paths are relative to the study file."""

    questionnaire: str = key(doc="The questionnaire file (see questionnaire.toml below).", example="questionnaire.toml")
    responses: Files = key(doc="Response file(s): CSV (UTF-8 or GBK), XLSX, SPSS .sav or Parquet; one row per "
                           "respondent.", example=["responses_2026.csv"], min_length=1)
    previous_wave: PreviousWaves = key(
        [], "Response file(s) of the previous wave, for the changes; or the earlier waves in order, oldest first, "
        "each { wave = \"2024\", files = [\"responses_2024.csv\"] } with a unique label: the last is the previous "
        "wave of every change, and the report's trend shows them all. Each wave is read, screened, weighted and "
        "scored with the current wave's model weights.",
        feeds="results (change on the previous wave, trend), overview",
        example=[{"wave": "2024", "files": ["responses_2024.csv"]}, {"wave": "2025", "files": ["responses_2025.csv"]}])
    enterprises: str = key(doc="The enterprise list, a CSV (columns below).", example="enterprises.csv")
    sheet: str | None = key(None, "The sheet of XLSX response files (responses and previous_wave) that holds the "
                            "responses; other file types ignore it. Without it a workbook is read when one sheet holds "
                            "data (empty sheets are ignored) and refused, naming its sheets, when several do, so that "
                            "respondents on another sheet are never left out silently.", example="data")
    strata: str | None = key(None, "Response column of the sampling strata: the bootstrap resamples within them.",
                             feeds="results (intervals)")
    cluster: str | None = key(None, "Response column of the clusters (PSUs): the bootstrap draws whole clusters.",
                              feeds="results (intervals)")


class ModelSection(Section):
    """The structural model and how it is estimated; give exactly one of preset, syntax or file."""

    preset: Preset | None = key(None, "A bundled model: China's CCSI, the ACSI or the ECSI.",
                                feeds="background (the basis of the evaluation names it)")
    syntax: str | None = key(None, "The model written in csi's model syntax (docs/methods/pls.md).")
    file: str | None = key(None, "A file holding the model in csi's model syntax.")
    target: str = key("Satisfaction", "The construct whose 0–100 index is the headline.", feeds="cover, summary")
    scheme: Scheme = key("path", "PLS inner weighting scheme.")
    estimation: Estimation = key("pooled", "One model per pool with indices per enterprise from the pooled weights, "
                                 "or one model per enterprise (falling back to the pool below min_n).")
    pool_by: PoolBy = key("industry", "What a pool is: one industry, or the whole study.")
    missing: Missing = key("mean", "Missing answers in estimation: item-mean replacement (counted in the report), "
                           "listwise deletion, an error, or multiple imputation by chained equations (\"mi\": "
                           "paths and indices pooled over the imputations by Rubin's rules).",
                           feeds="reliability, model, indices")
    imputations: int = key(20, "With missing = \"mi\": the number of imputations (completed data sets) m.", ge=2,
                           le=200, feeds="model, indices")
    min_n: int | None = key(None, "With estimation = \"enterprise\": below this n the pooled model is used. Default: "
                            "ten times the most arrows pointing at one construct, at least 30.", ge=3)
    cfa: bool = key(False, "Also fit each pool's measurement model as a covariance-based CFA (maximum likelihood, "
                    "semopy), shown beside the PLS results in the reliability chapter.", feeds="reliability")
    lower_is_better: list[str] | None = key(None, "Constructs for which a lower index is better (e.g. Complaints); "
                                            "replaces the preset's declaration.", feeds="every comparison's wording",
                                            example=["Complaints"])


class ScreeningSection(Section):
    """Data-quality rules; every excluded respondent is counted with its reason."""

    out_of_range: OutOfRange = key("raise", "A value outside its item's scale: stop and name the rows, exclude the "
                                   "respondent, or treat the value as missing.", feeds="sampling (exclusions)")
    min_answered: float = key(0.0, "Minimum share of rating items answered (0–1); respondents answering none are "
                              "always excluded.", ge=0, le=1, feeds="sampling (exclusions)")
    straightlining: bool = key(True, "Exclude respondents whose answers are all identical.",
                               feeds="sampling (exclusions)")
    straightlining_min_items: int = key(10, "Straight-lining counts only over at least this many answered items.", ge=2)
    speeder_column: str | None = key(None, "Response column of the interview duration; set it with "
                                     "speeder_min_seconds. A cell is seconds (45, 45.5; 1,5 with a decimal comma is "
                                     "1.5, but 1,500 is refused as ambiguous), minutes:seconds (0:45), "
                                     "hours:minutes:seconds (1:02:03), or with units (45秒, 1分30秒, 2分钟, 30 s, "
                                     "2 min, 1 h 5 min); a blank cell is a missing duration, and any other value is an "
                                     "error naming its file and line.", feeds="sampling (exclusions)")
    speeder_min_seconds: float | None = key(None, "Exclude interviews shorter than this.", gt=0)
    duplicates: bool = key(True, "Exclude a respondent whose answers and demographics repeat an earlier one of the "
                           "same enterprise (the first is kept).", feeds="sampling (exclusions)")


def _margins_form(value: Any) -> str:
    return "file" if isinstance(value, str) else "table"


#: Margins: a CSV file name, or a table of level = share (or count) per variable.
Margins = Annotated[Annotated[str, Tag("file")] | Annotated[dict[str, dict[str, Margin]], Tag("table")],
                    Discriminator(_margins_form),
                    WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "object", "additionalProperties": {
                        "type": "object", "additionalProperties": {"type": "number", "exclusiveMinimum": 0}}}],
                        "x-type": "file name, or a table of level = share (or count) per variable"})]


class WeightingSection(Section):
    """Survey weights: raking each enterprise's respondents to population margins."""

    method: Literal["none", "rake"] = key("none", "\"none\": equal weights; \"rake\": rake to the margins.",
                                          feeds="sampling (weighting), results")
    margins: Margins | None = key(
        None, "The population margins: a CSV file with columns variable, level and share or count, or a table of "
        "level = share (or count) per variable. Counts are turned into shares per variable.",
        example={"gender": {"male": 0.49, "female": 0.51}}, feeds="sampling (weighting)")
    variables: list[str] | None = key(None, "The raking variables (questionnaire demographics). Default: every "
                                      "variable of margins.")


class RulesSection(Section):
    """Evaluation rules; every path optional. A missing file is named in the report, not fatal to the batch."""

    rubric: str | None = key(None, "Certification rubric (points → stars), TOML.", feeds="certification, background")
    audits_dir: str | None = key(None, "Folder of audit CSVs, one per enterprise: <enterprise_id>.csv.",
                                 feeds="certification")
    awards: str | None = key(None, "Award eligibility rules, TOML.", feeds="award eligibility")
    operations: str | None = key(None, "CSV of operational figures per enterprise (enterprise_id, "
                                 "third_party_survey, complaints_received, callbacks, …) for the award criteria.",
                                 feeds="award eligibility, complaints")
    complaint_keywords: str | None = key(None, "Complaint categories by keyword, TOML.", feeds="complaints")
    handling_item: str | None = key(None, "The questionnaire item rating complaint handling.", feeds="complaints")
    award_indices: dict[str, str] = key({}, "Award criterion column → construct whose index it reads.",
                                        example={"overall_index": "Satisfaction"}, feeds="award eligibility")


class Grade(Section):
    """A grade band: an index at or above ``min`` earns ``label``."""

    min: float = key(doc="Lowest index of the band.", ge=0, le=100)
    label: Text = key(doc="The grade's name.")


class Signatory(Section):
    """A signature line."""

    role: Text = key(doc="项目负责人 / Project lead, 审核人 / Reviewed by, …")
    name: Text | None = key(None, "Printed name; none: a blank line to sign by hand.")


class SignatureSection(Section):
    """The signature and seal block at the end of each report."""

    organisation: Text | None = key(None, "The signing organisation; default: [study] evaluator.", feeds="signatures")
    qualification: Text | None = key(None, "The evaluator's qualification or accreditation.", feeds="signatures")
    signatories: list[Signatory] = key([], "Signature lines; default: lead, reviewer, approver, unnamed.",
                                       feeds="signatures")
    seal: Text | None = key(None, "Text in the seal box; default 测评机构（盖章） / Seal of the evaluator.",
                            feeds="signatures")


class ReportSection(Section):
    """Report wording, numbering and the formal parts; all optional (what is missing is printed as "not stated")."""

    number_prefix: str = key("", "Report number = prefix + enterprise id.", feeds="cover, record", example="CSI-2026-")
    date: Label = key("", "The report date as printed; default: the run date.", feeds="cover, signatures")
    min_n: int = key(10, "Below this many analysed respondents no interval or significance verdict is worded.", ge=1,
                     feeds="summary, results, benchmark")
    min_cell: int = key(5, "Segments, cells and verbatims with fewer respondents are suppressed (\"— (n < 5)\").",
                        ge=1, feeds="results (segments), complaints")
    remarks_dir: str | None = key(None, "Folder of the evaluator's remarks: <enterprise_id>.<lang>.txt or "
                                  "<enterprise_id>.txt.", feeds="conclusions")
    independence: Text | None = key(None, "Statement of the evaluator's independence.", feeds="background")
    use_statement: Text | None = key(None, "How the report may be used and quoted (声明).",
                                     feeds="limitations and use")
    limitations: list[Text] = key([], "The study's own limitations, one text each; csi adds those that follow from "
                                  "the numbers.", feeds="limitations and use")
    grades: list[Grade] = key([], "Grade bands of the index, lowest min first, as [[report.grades]] tables.",
                              feeds="cover, summary, background (evaluation criteria)",
                              example=[{"min": 0, "label": {"zh": "不满意", "en": "Dissatisfied"}}])
    signature: SignatureSection = key(SignatureSection(), "The signature and seal block.")


def _as_bounds(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and all(isinstance(b, int) and not isinstance(b, bool)
                                                           for b in value) and 0 < value[0] <= value[1]:
        return tuple(value)
    raise PydanticCustomError("bounds", "{got}: give [min, max] whole numbers with 0 < min ≤ max.",
                              {"got": shown(value)})


#: A [min, max] range of sample sizes.
Bounds = Annotated[tuple[int, int], BeforeValidator(_as_bounds),
                   WithJsonSchema({"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 2,
                                   "maxItems": 2})]


class SamplingSection(Section):
    """Sample-planning assumptions for the sample plan in each report."""

    margin: float = key(0.3, "Target half-width of an item mean's confidence interval, scale points.", gt=0,
                        feeds="sampling")
    sd: float = key(2.0, "Expected item standard deviation.", gt=0, feeds="sampling")
    confidence: float = key(0.95, "Confidence level of the planned interval.", gt=0, lt=1, feeds="sampling")
    deff: float = key(1.0, "Expected design effect (at least 1).", ge=1, feeds="sampling")
    response_rate: float = key(1.0, "Expected response rate (0–1].", gt=0, le=1, feeds="sampling")
    census_below: int = key(50, "Survey every customer when fewer were served.", ge=0, feeds="sampling")
    bounds: Bounds = key((100, 200), "The scheme's [min, max] sample size.", feeds="sampling")


class FieldworkSection(Section):
    """How the survey was carried out; all optional."""

    start: Date | None = key(None, "First day of fieldwork (give end too).", feeds="cover, background, sampling",
                             example="2026-09-01")
    end: Date | None = key(None, "Last day of fieldwork; not before start, nor after [report] date.",
                           feeds="cover, background, sampling", example="2026-10-31")
    frame: Text | None = key(None, "The sampling frame.", feeds="sampling")
    selection: Text | None = key(None, "How respondents were selected from the frame.", feeds="sampling")
    quality_control: list[Text] = key([], "Quality-control measures, one text each.", feeds="sampling")
    modes: dict[str, Text] = key({}, "Per level of the questionnaire's channel variable, how that channel was run.",
                                 feeds="sampling (channel table)", example={"online": "A link sent by text message."})


class OutputsSection(Section):
    """Where reports go, in which languages and formats."""

    dir: str = key("reports", "Output folder (relative to the study file); `csi run --out` overrides it.")
    languages: list[Language] | None = key(None, "Report languages; default: [study] language.", min_length=1,
                                           example=["zh", "en"])
    formats: list[Format] = key(["html"], "Report formats: html, pdf, docx (Word, for editing before signing), xlsx "
                                "(every table of a report as an Excel workbook; with it, the study workbook "
                                "study.xlsx).", min_length=1)
    pdf_engine: PdfEngine = key("weasyprint", "PDF engine; chromium is several times faster for large batches.")


class BenchmarkSection(Section):
    """What an enterprise is compared with."""

    industry: Benchmark = key("mean_of_enterprises", "The industry benchmark: the mean of the industry's "
                              "enterprises' indices, the mean of the other enterprises, or the pooled index "
                              "(needs estimation = \"pooled\").", feeds="summary, benchmark, overview")


class StudyFile(Section):
    """study.toml: a whole CSI study. Paths are relative to the study file."""

    study: StudySection = key(doc="The study.")
    data: DataSection = key(doc="The data files.")
    model: ModelSection = key(doc="The structural model.")
    screening: ScreeningSection = key(ScreeningSection(), "Data-quality rules.")
    weighting: WeightingSection = key(WeightingSection(), "Survey weights.")
    sampling: SamplingSection = key(SamplingSection(), "Sample-planning assumptions.")
    fieldwork: FieldworkSection = key(FieldworkSection(), "How the survey was carried out.")
    rules: RulesSection = key(RulesSection(), "Evaluation rules.")
    benchmark: BenchmarkSection = key(BenchmarkSection(), "The industry benchmark.")
    report: ReportSection = key(ReportSection(), "Report wording and formal parts.")
    outputs: OutputsSection = key(OutputsSection(), "Outputs.")


# --------------------------------------------------------------------------- questionnaire.toml

def _as_scale(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value) \
            and value[0] < value[1]:
        return (float(value[0]), float(value[1]))
    raise PydanticCustomError("scale", "a scale is [min, max] with min < max, e.g. [1, 10]; got {got}.",
                              {"got": shown(value)})


#: A rating scale [min, max].
Scale = Annotated[tuple[float, float], BeforeValidator(_as_scale),
                  WithJsonSchema({"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2})]


def _as_code(value: Any) -> Any:
    try:
        code = float(value)
    except (TypeError, ValueError):
        raise PydanticCustomError("code", "missing code {got} is not a number.", {"got": shown(value)}) from None
    if isinstance(value, bool) or not math.isfinite(code):
        raise PydanticCustomError("code", "missing code {got} is not a finite number; use a code such as 99.",
                                  {"got": shown(value)})
    return code


#: A missing-value code (a number; in a table key, written as a string: "99").
Code = Annotated[float, BeforeValidator(_as_code), WithJsonSchema({"type": "number"})]


def _as_column(value: Any) -> Any:
    if isinstance(value, str) and (not value.strip() or value != value.strip()):
        raise PydanticCustomError("column", "{got} cannot name a column: give a non-empty id without leading or "
                                  "trailing spaces.", {"got": repr(value)})
    return value


#: A column name of the response file.
Column = Annotated[str, BeforeValidator(_as_column)]


class ConstructSpec(Section):
    """A construct of the questionnaire."""

    label: Text | None = key(None, "Its name in the report; default: the construct id.", feeds="every section")


class ItemSpec(Section):
    """A rating item: one column of the response file."""

    id: Column = key(doc="The item id: its column in the response file.", example="SAT1")
    construct_: str = key(alias="construct", doc="The construct it measures (declared under [constructs.<name>] when any are declared).",
                         example="Satisfaction")
    text: Text | None = key(None, "The question as printed; default: the id.", feeds="indicators, drivers, appendix")
    scale: Scale | None = key(None, "Its scale [min, max]; default: the questionnaire's scale.")
    missing_codes: list[Code] | None = key(None, "Codes meaning 'no answer'; default: the questionnaire's codes.")
    reverse: bool = key(False, "Reverse-worded: the answer x is analysed as min + max − x.")


class VariableSpec(Section):
    """A categorical variable (a demographic, or the survey channel) with its levels."""

    id: Column = key(doc="Its column in the response file.", example="gender")
    label: Text | None = key(None, "Its name in the report; default: the id.")
    levels: dict[str, Text] = key(doc="Each level as written in the data, with its label.", min_length=1,
                                  example={"male": {"zh": "男", "en": "Male"}}, feeds="results (segments)")


class OpenEndedSpec(Section):
    """An open-ended text column (e.g. complaints)."""

    id: Column = key(doc="Its column in the response file.", example="complaint_text")
    label: Text | None = key(None, "Its name in the report; default: the id.")


class QuestionnaireFile(Section):
    """questionnaire.toml: items by construct, demographics and open-ended fields."""

    title: Text | None = key(None, "Title of the questionnaire; default: the file name.", feeds="appendix")
    id_column: Column = key("respondent_id", "Response column of the respondent id (unique).")
    enterprise_column: Column = key("enterprise_id", "Response column of the enterprise id (as in enterprises.csv).")
    scale: Scale = key((1.0, 10.0), "The default scale [min, max] of every item.")
    missing_codes: dict[Code, Text] = key({}, "The default missing codes with their labels, e.g. \"99\" = "
                                         "{ zh = \"不知道\", en = \"Don't know\" }.",
                                         example={"99": {"zh": "不知道", "en": "Don't know"}}, feeds="reliability")
    constructs: dict[str, ConstructSpec] = key({}, "The constructs with their labels, as [constructs.<name>].")
    items: list[ItemSpec] = key(doc="The rating items, as [[items]] tables.", min_length=1)
    demographics: list[VariableSpec] = key([], "Demographic variables (and `channel`), as [[demographics]] tables.",
                                           feeds="results (segments), weighting")
    open_ended: list[OpenEndedSpec] = key([], "Open-ended text columns, as [[open_ended]] tables.",
                                          feeds="complaints")


# --------------------------------------------------------------------------- errors

def validate(schema: type[Section], table: dict[str, Any], file: Path | str, error: type[CSIError]) -> Section:
    """``table`` checked against ``schema``; every problem (up to ``SHOWN_CELLS``) in one ``error`` naming the file
    and each key path, e.g. ``study.toml: [model.preset]: 'cssi' is not one of acsi, ecsi, ccsi (did you
    mean 'ccsi'?).``"""
    try:
        return schema.model_validate(table)
    except ValidationError as exc:
        problems = list(dict.fromkeys(_problem(schema, e, table) for e in exc.errors()))
    if len(problems) == 1:
        raise error(f"{file}: {problems[0]}")
    more = f"\n  … and {len(problems) - SHOWN_CELLS} more" if len(problems) > SHOWN_CELLS else ""
    raise error(f"{file}: {len(problems)} problems:\n  " + "\n  ".join(problems[:SHOWN_CELLS]) + more)


def where(loc: tuple, table: Any = None) -> str:
    """A key path as csi writes it: ('report', 'grades', 1, 'min') → [report.grades[1].min]; an entry of a list
    with an id is named by it when ``table`` (the file's content) is given: [items[3] (SAT1).scale]."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
        table = table.get(part) if isinstance(table, dict) else (
            table[part] if isinstance(table, list) and isinstance(part, int) and part < len(table) else None)
        if isinstance(part, int) and isinstance(table, dict) and str(table.get("id", "")).strip():
            out += f" ({table['id']})"
    return f"[{out}]"


#: The tags of the tagged unions, by the key whose value they describe: not part of a key path.
UNION_TAGS = {"margins": ("file", "table"), "previous_wave": ("list of files", "list of waves")}


def _problem(schema: type[Section], e: dict, table: dict) -> str:
    raw = e["loc"]
    loc = tuple(p for i, p in enumerate(raw) if not (isinstance(p, str) and (
        "[" in p or (i and p in UNION_TAGS.get(raw[i - 1], ())))))  # a key named like a tag stays
    where = functools.partial(_where_in, table)
    kind, value, ctx = e["type"], e.get("input"), e.get("ctx") or {}
    if kind == "extra_forbidden":
        model = _model_at(schema, loc[:-1])
        allowed = list(keys_of(model)) if model else []
        return (f"{where(loc)}: unknown key{suggest(str(loc[-1]), allowed)}; allowed keys: {', '.join(allowed)}.")
    if kind == "missing":
        return f"{where(loc)}: required key is missing."
    if kind == "literal_error":
        allowed = _choices(schema, loc)
        return f"{where(loc)}: {value!r} is not one of {', '.join(allowed)}{suggest(str(value), allowed)}."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {"greater_than": "above", "greater_than_equal": "at least", "less_than": "below",
                 "less_than_equal": "at most"}[kind]
        bound = next(iter(ctx.values()))
        bound = f"{bound:g}" if isinstance(bound, float) else bound
        return f"{where(loc)}: {shown(value)} is out of range: it must be {words} {bound}. {_doc(schema, loc)}"
    if kind in ("too_short", "string_too_short") and not value:
        return f"{where(loc)}: none given. {_doc(schema, loc)}"
    if kind in ("too_short", "too_long"):
        return f"{where(loc)}: {shown(value)} has too {'few' if kind == 'too_short' else 'many'} entries. " \
               f"{_doc(schema, loc)}"
    if kind.endswith("_type") or kind in ("model_attributes_type", "dict_type", "tuple_type"):
        expected = {"string_type": "str", "int_type": "int", "float_type": "float", "bool_type": "bool",
                    "list_type": "list", "dict_type": "table", "model_type": "table", "tuple_type": "list",
                    "model_attributes_type": "table"}.get(kind, kind.removesuffix("_type"))
        return f"{where(loc)}: expected {expected}, got {type(value).__name__} {shown(value)}."
    return f"{where(loc)}: {e['msg']}" + ("" if e["msg"].endswith(".") else ".")


def _where_in(table: dict, loc: tuple) -> str:
    return where(loc, table)


def keys_of(model: type[BaseModel]) -> dict[str, Any]:
    """A section's fields by the key written in the file (its alias, where the name is taken by pydantic)."""
    return {field.alias or name: field for name, field in model.model_fields.items()}


def _resolve(annotation: Any) -> Any:
    """The annotation without Annotated / Optional wrappers."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            annotation = models[0] if models else args[-1] if len(args) == 1 else annotation
            if len(args) != 1 and not models:
                return annotation
        else:
            return annotation


def _annotation_at(schema: type[Section], loc: tuple) -> Any:
    node: Any = schema
    for part in loc:
        node = _resolve(node)
        if isinstance(node, type) and issubclass(node, BaseModel):
            field = keys_of(node).get(str(part))
            if field is None:
                return None
            node = field.annotation
        elif typing.get_origin(node) in (list, tuple):
            node = typing.get_args(node)[0]
        elif typing.get_origin(node) in (typing.Union, types.UnionType) and isinstance(part, int):
            # a tagged union of lists ([data] previous_wave): an entry is a table of the list of tables
            entries = [typing.get_args(_resolve(a))[0] for a in typing.get_args(node)
                       if typing.get_origin(_resolve(a)) is list]
            node = next((a for a in entries if isinstance(a, type) and issubclass(a, BaseModel)), None)
        elif typing.get_origin(node) is dict:
            node = typing.get_args(node)[1]
        else:
            return None
    return _resolve(node)


def _model_at(schema: type[Section], loc: tuple) -> type[BaseModel] | None:
    node = _annotation_at(schema, loc)
    return node if isinstance(node, type) and issubclass(node, BaseModel) else None


def _choices(schema: type[Section], loc: tuple) -> list[str]:
    node = _annotation_at(schema, loc)
    if typing.get_origin(node) in (typing.Union, types.UnionType):
        node = next(a for a in typing.get_args(node) if typing.get_origin(a) is Literal)
    return [str(v) for v in typing.get_args(node)] if typing.get_origin(node) is Literal else []


def _doc(schema: type[Section], loc: tuple) -> str:
    names = [p for p in loc if isinstance(p, str)]
    model = _model_at(schema, tuple(loc[:max(i for i, p in enumerate(loc) if isinstance(p, str))]))
    field = keys_of(model).get(names[-1]) if model else None
    return f"{names[-1]}: {field.description}" if field and field.description else ""


# --------------------------------------------------------------------------- starter files

def commented_toml(values: dict[str, Any], model: type[Section] = StudyFile, *, header: str = "") -> str:
    """A TOML file with every key of ``model``: the given ``values`` set, every other key commented out with its
    description and its default (or an example), so that a new study file documents itself (``csi init``)."""
    lines = [*(f"# {line}".rstrip() for line in header.splitlines())] + ([""] if header else [])
    _render(model, values, "", False, lines)
    return "\n".join(lines).rstrip() + "\n"


def _render(model: type[Section], values: dict[str, Any], path: str, off: bool, lines: list[str]) -> None:
    mark = "# " if off else ""
    tables = []
    for name, field in keys_of(model).items():
        sub = _section_in(field.annotation)
        if sub is not None:
            tables.append((name, field, sub))
            continue
        lines += [f"# {line}" for line in textwrap.wrap(_described(field), 100)]
        if name in values:
            lines.append(f"{mark}{name} = {toml_value(values[name])}")
        else:
            shown = field.examples[0] if field.examples else field.default
            empty = shown is None or shown is ... or shown in ("", [], {})
            lines.append(f"# {name} = {'…' if empty else toml_value(shown)}")
    for name, field, sub in tables:
        label = f"{path}.{name}" if path else name
        given = values.get(name)
        kind = typing.get_origin(_resolve(field.annotation))
        lines.append("")
        if kind is list:
            entries = given or field.examples and field.examples[0] or [{}]
            for entry in entries:
                lines += [f"{'# ' if off or not given else ''}[[{label}]]"]
                _render(sub, entry, label, off or not given, lines)
        elif kind is dict:
            for key, entry in (given or {"<name>": {}}).items():
                lines += [f"{'# ' if off or not given else ''}[{label}.{key}]"]
                _render(sub, entry, f"{label}.{key}", off or not given, lines)
        else:
            lines += [f"# {line}" for line in textwrap.wrap(_described(field), 100)]
            lines += [f"{mark}[{label}]"]
            _render(sub, given or {}, label, off, lines)


def _described(field: Any) -> str:
    required = " (required)" if field.is_required() else ""
    choices = _literal_values(field.annotation)
    allowed = f" One of: {', '.join(map(str, choices))}." if choices else ""
    return f"{field.description}{allowed}{required}"


def _literal_values(annotation: Any) -> tuple:
    node = _resolve(annotation)
    if typing.get_origin(node) in (list, tuple):
        node = _resolve(typing.get_args(node)[0])
    return typing.get_args(node) if typing.get_origin(node) is Literal else ()


def _section_in(annotation: Any) -> type[Section] | None:
    node = _resolve(annotation)
    for _ in range(2):  # Section, list[Section] or dict[str, Section]
        if isinstance(node, type) and issubclass(node, Section):
            return node
        args = typing.get_args(node)
        node = _resolve(args[-1]) if args else None
    return None


def toml_value(value: Any) -> str:
    """A value as written in TOML (inline)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _toml_key(name: Any) -> str:
    name = str(name)
    bare = name and all(c.isascii() and (c.isalnum() or c in "_-") for c in name)
    return name if bare else json.dumps(name, ensure_ascii=False)
