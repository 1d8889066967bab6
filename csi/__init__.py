"""csi: customer-satisfaction-index studies, from survey file to per-enterprise report.

The public API, in pipeline order. Importing csi has no side effects. Some functions share their
module's name (``csi.reliability``, ``csi.bootstrap``, ``csi.mga``): the function wins on the package;
``from csi.bootstrap import …`` still reaches the module.
"""

__version__ = "0.1.0"  # the one place; pyproject.toml reads it

from . import benchmark, dissatisfaction, models, rules
from .awards import AwardResult, AwardRules, check_eligibility, load_award_rules
from .benchmark import importance_performance, industry_indices, league_table, study_overview
from .bootstrap import BootstrapResult, bootstrap
from .composite import CompositeResult, composite_score
from .dissatisfaction import anonymise, complaint_summary, load_keywords, satisfaction_rates
from .exceptions import (
    ConvergenceError,
    CSIError,
    CSIWarning,
    DataError,
    ModelSpecError,
    ReportError,
    SchemaError,
    StudyError,
)
from .factor import EFAResult, KMOResult, efa, kmo_bartlett, varimax
from .index import csi_index, enterprise_indices, index_difference, ipma, item_scores
from .mga import MGAResult, mga
from .model import Model
from .pls import PLSResult, estimate
from .reliability import AlphaResult, cronbach_alpha, omega_total, reliability
from .rubric import Rubric, RubricResult, load_rubric, read_audit, score_rubric
from .sampling import SamplePlan, allocate, plan_sample, plan_samples
from .schema import Item, Questionnaire, Variable, load_questionnaire, read_responses
from .screening import ScreeningResult, screen
from .study import Enterprise, Study, load_study
from .validity import cross_loadings, fornell_larcker, htmt, outer_vif
from .weighting import (
    WeightingResult,
    calibrate,
    effective_n,
    kish_deff,
    poststratify,
    rake,
    svy_mean,
    svy_proportion,
    trim,
)

__all__ = [  # noqa: RUF022 - grouped by pipeline stage, sorted within a group
    # errors
    "CSIError", "CSIWarning", "ConvergenceError", "DataError", "ModelSpecError", "ReportError", "SchemaError",
    "StudyError",
    # study and data
    "Enterprise", "Item", "Questionnaire", "Study", "Variable", "load_questionnaire", "load_study",
    "read_responses",
    # screening, weighting, design-based estimates, sample planning, composites
    "CompositeResult", "SamplePlan", "ScreeningResult", "WeightingResult", "allocate", "calibrate",
    "composite_score", "effective_n", "kish_deff", "plan_sample", "plan_samples", "poststratify", "rake",
    "screen", "svy_mean", "svy_proportion", "trim",
    # reliability, validity, factor analysis
    "AlphaResult", "EFAResult", "KMOResult", "cronbach_alpha", "cross_loadings", "efa", "fornell_larcker",
    "htmt", "kmo_bartlett", "omega_total", "outer_vif", "reliability", "varimax",
    # model, estimation, bootstrap, multi-group
    "BootstrapResult", "MGAResult", "Model", "PLSResult", "bootstrap", "estimate", "mga", "models",
    # indices
    "csi_index", "enterprise_indices", "index_difference", "ipma", "item_scores",
    # evaluation rules, dissatisfaction, benchmarking
    "AwardResult", "AwardRules", "Rubric", "RubricResult", "anonymise", "benchmark", "check_eligibility",
    "complaint_summary", "dissatisfaction", "importance_performance", "industry_indices", "league_table",
    "load_award_rules", "load_keywords", "load_rubric", "read_audit", "rules", "satisfaction_rates",
    "score_rubric", "study_overview",
]
