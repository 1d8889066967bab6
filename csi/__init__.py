"""csi: customer-satisfaction-index studies, from survey file to per-enterprise report.

The public API, in pipeline order. Importing csi has no side effects and loads no plotting, notebook
or dask code. The sub-packages are the pipeline's stages (``csi.io`` → ``csi.survey`` → ``csi.pls`` →
``csi.measurement`` → ``csi.indices`` → ``csi.rules`` → ``csi.analysis`` → ``csi.plot`` → ``csi.report`` →
``csi.batch``); their modules are private, each stage's public names are on the stage and here — except the
charts, ``csi.plot``, loaded on first use (``csi.plot.path_diagram(fit)`` after ``import csi``).
"""

from csi._version import __version__
from csi.analysis import StudyAnalysis, StudyCheck, analyse_study, check_study
from csi.exceptions import (
    ConvergenceError,
    CSIError,
    CSIWarning,
    DataError,
    ModelSpecError,
    ParameterError,
    ReportError,
    SchemaError,
    StudyError,
)
from csi.indices import (
    TopicResult,
    anonymise,
    complaint_summary,
    complaint_topics,
    csi_index,
    enterprise_indices,
    fay_herriot,
    importance_performance,
    index_difference,
    industry_indices,
    item_scores,
    item_weights,
    league_table,
    load_keywords,
    rank_intervals,
    satisfaction_rates,
)
from csi.io import (
    Enterprise,
    Item,
    Model,
    Questionnaire,
    StarterStudy,
    Study,
    Variable,
    init_study,
    load_questionnaire,
    load_study,
    models,
    read_responses,
)
from csi.measurement import (
    AlphaResult,
    CFAResult,
    EFAResult,
    KMOResult,
    cfa,
    cronbach_alpha,
    cross_loadings,
    efa,
    fornell_larcker,
    htmt,
    kmo_bartlett,
    omega_total,
    outer_vif,
    reliability,
    varimax,
)
from csi.pls import BootstrapResult, MGAResult, MIResult, PLSResult, bootstrap, estimate, estimate_mi, mga, rubin_pool
from csi.rules import (
    AwardResult,
    AwardRules,
    Rubric,
    RubricResult,
    check_eligibility,
    load_award_rules,
    load_rubric,
    read_audit,
    score_rubric,
)
from csi.survey import (
    CompositeResult,
    SamplePlan,
    ScreeningResult,
    WeightingResult,
    allocate,
    calibrate,
    composite_score,
    effective_n,
    kish_deff,
    plan_sample,
    plan_samples,
    poststratify,
    rake,
    screen,
    svy_mean,
    svy_proportion,
    trim,
)

__all__ = [  # noqa: RUF022 - grouped by pipeline stage, sorted within a group
    "__version__",
    # errors
    "CSIError", "CSIWarning", "ConvergenceError", "DataError", "ModelSpecError", "ParameterError", "ReportError",
    "SchemaError", "StudyError",
    # study and data
    "Enterprise", "Item", "Questionnaire", "StarterStudy", "Study", "Variable", "init_study", "load_questionnaire",
    "load_study", "read_responses",
    # screening, weighting, design-based estimates, sample planning, composites
    "CompositeResult", "SamplePlan", "ScreeningResult", "WeightingResult", "allocate", "calibrate",
    "composite_score", "effective_n", "kish_deff", "plan_sample", "plan_samples", "poststratify", "rake",
    "screen", "svy_mean", "svy_proportion", "trim",
    # reliability, validity, factor analysis
    "AlphaResult", "CFAResult", "EFAResult", "KMOResult", "cfa", "cronbach_alpha", "cross_loadings", "efa", "fornell_larcker",
    "htmt", "kmo_bartlett", "omega_total", "outer_vif", "reliability", "varimax",
    # model, estimation, bootstrap, multi-group
    "BootstrapResult", "MGAResult", "Model", "PLSResult", "bootstrap", "estimate", "mga", "models",
    # multiple imputation (chained equations) and Rubin's rules
    "MIResult", "estimate_mi", "rubin_pool",
    # indices
    "csi_index", "enterprise_indices", "index_difference", "item_scores", "item_weights",
    # rank uncertainty and small-area (Fay–Herriot) estimates
    "fay_herriot", "rank_intervals",
    # evaluation rules, dissatisfaction, benchmarking
    "AwardResult", "AwardRules", "Rubric", "RubricResult", "TopicResult", "anonymise", "check_eligibility",
    "complaint_summary", "complaint_topics", "importance_performance", "industry_indices", "league_table",
    "load_award_rules", "load_keywords", "load_rubric", "read_audit", "satisfaction_rates",
    "score_rubric",
    # the study analysis, and checking a study without rendering it
    "StudyAnalysis", "StudyCheck", "analyse_study", "check_study",
]


def __getattr__(name: str):
    """``csi.plot`` on first use (PEP 562): the charts need matplotlib, which ``import csi`` does not load."""
    if name == "plot":
        import csi.plot

        return csi.plot
    raise AttributeError(f"module 'csi' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), "plot"})
