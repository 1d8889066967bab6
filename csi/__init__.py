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
from .schema import Item, Questionnaire, Variable, load_questionnaire, read_responses
from .screening import ScreeningResult, screen
from .study import Enterprise, Study, load_study

__version__ = "0.1.0"

__all__ = [
    "CSIError", "CSIWarning", "ConvergenceError", "DataError", "Enterprise", "Item", "Model", "ModelSpecError",
    "PLSResult", "Questionnaire", "ReportError", "SchemaError", "ScreeningResult", "Study", "StudyError",
    "Variable", "csi_index", "estimate", "item_scores", "load_questionnaire", "load_study", "models",
    "read_responses", "screen",
]
