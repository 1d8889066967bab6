"""Report building blocks: content (numbers), charts, HTML sections and i18n strings.

The enterprise notebook calls, in order: ``enterprise_content`` once, then one section function per
cell (``cover``, ``contents``, ``summary``, ``background``, ``indicators``, ``sampling``,
``reliability``, ``results``, ``drivers``, ``benchmark``, ``complaints``, ``conclusions``,
``appendix``) and ``record`` last. The overview notebook calls ``overview_content`` and its sections.
"""

from .analysis import StudyAnalysis, analyse_study, load_responses
from .body import appendix, benchmark, complaints, conclusions, drivers, results
from .charts import (
    dimension_chart,
    distribution_chart,
    figure,
    index_ci_chart,
    ipma_chart,
    league_chart,
    path_diagram,
    style,
    trend_chart,
)
from .content import EnterpriseContent, enterprise_content
from .front import background, contents, cover, indicators, sampling, summary
from .i18n import STRINGS, number, percent, t
from .overview import (
    OverviewContent,
    overview_awards,
    overview_certification,
    overview_content,
    overview_cover,
    overview_distribution,
    overview_industries,
    overview_league,
    overview_record,
)
from .render import Html, record, reliability

__all__ = [
    "STRINGS", "EnterpriseContent", "Html", "OverviewContent", "StudyAnalysis", "analyse_study", "appendix",
    "background", "benchmark", "complaints", "conclusions", "contents", "cover", "dimension_chart", "dimensions",
    "distribution_chart", "drivers", "enterprise_content", "figure", "index_ci_chart", "indicators", "ipma_chart",
    "league_chart", "load_responses", "number", "overview_awards", "overview_certification",
    "overview_content", "overview_cover", "overview_distribution", "overview_industries", "overview_league",
    "overview_record", "path_diagram", "percent", "record", "reliability", "results", "sampling", "style",
    "summary", "t", "trend_chart",
]
