"""csi: customer-satisfaction-index studies, from survey file to per-enterprise report.

The public API, in pipeline order. Importing csi has no side effects.
"""

from . import models
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
from .index import csi_index, item_scores
from .model import Model
from .pls import PLSResult, estimate
from .reliability import (
    AlphaResult,
    KMOResult,
    cronbach_alpha,
    cross_loadings,
    fornell_larcker,
    htmt,
    kmo_bartlett,
    omega_total,
    outer_vif,
    reliability,
)
from .schema import Item, Questionnaire, Variable, load_questionnaire, read_responses
from .screening import ScreeningResult, screen
from .study import Enterprise, Study, load_study
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

__version__ = "0.1.0"

__all__ = [  # noqa: RUF022 - grouped by pipeline stage, sorted within a group
    # errors
    "CSIError", "CSIWarning", "ConvergenceError", "DataError", "ModelSpecError", "ReportError", "SchemaError",
    "StudyError",
    # study and data
    "Enterprise", "Item", "Questionnaire", "Study", "Variable", "load_questionnaire", "load_study",
    "read_responses",
    # screening and weighting
    "ScreeningResult", "WeightingResult", "calibrate", "effective_n", "kish_deff", "poststratify", "rake",
    "screen", "svy_mean", "svy_proportion", "trim",
    # reliability and validity
    "AlphaResult", "KMOResult", "cronbach_alpha", "cross_loadings", "fornell_larcker", "htmt", "kmo_bartlett",
    "omega_total", "outer_vif", "reliability",
    # model, estimation, index
    "Model", "PLSResult", "csi_index", "estimate", "item_scores", "models",
]
