"""Report building blocks: content (numbers), charts, HTML fragments and i18n strings."""

from .charts import dimension_chart, figure, style
from .content import EnterpriseContent, StudyAnalysis, analyse_study, enterprise_content, load_responses
from .i18n import STRINGS, number, t
from .render import Html, cover, dimensions, items, model, record, reliability, sample, summary

__all__ = [
    "STRINGS",
    "EnterpriseContent",
    "Html",
    "StudyAnalysis",
    "analyse_study",
    "cover",
    "dimension_chart",
    "dimensions",
    "enterprise_content",
    "figure",
    "items",
    "load_responses",
    "model",
    "number",
    "record",
    "reliability",
    "sample",
    "style",
    "summary",
    "t",
]
