"""Report building blocks: content (numbers), charts, HTML sections and i18n strings.

The enterprise notebook calls, in order: ``enterprise_content`` once, then one section function per
cell (``cover``, ``contents``, ``summary``, ``action``, ``background``, ``indicators``, ``sampling``,
``reliability``, ``results``, ``drivers``, ``benchmark``, ``complaints``, ``conclusions``,
``limitations``, ``signature``, ``appendix``, ``glossary``) and ``record`` last. The overview notebook calls ``overview_content`` and its sections.
``html_to_docx`` turns an exported report page into a Word document; ``enterprise_workbook`` writes the
report's tables as an Excel workbook (``record(content, workbook=True)`` publishes it as ``WORKBOOK_MIME``).
"""

from csi.report._action import action
from csi.report._body import appendix, benchmark, complaints, conclusions, drivers, results
from csi.report._charts import (
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
from csi.report._content import EnterpriseContent, enterprise_content
from csi.report._docx import html_to_docx
from csi.report._formal import glossary, limitations, signature
from csi.report._front import background, contents, cover, indicators, sampling, summary
from csi.report._i18n import STRINGS, number, percent, t
from csi.report._overview import (
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
from csi.report._render import WORKBOOK_MIME, Html, record, reliability
from csi.report._xlsx import enterprise_workbook

__all__ = [
    "STRINGS", "WORKBOOK_MIME", "EnterpriseContent", "Html", "OverviewContent", "action", "appendix",
    "background", "benchmark", "complaints", "conclusions", "contents", "cover", "dimension_chart",
    "distribution_chart", "drivers", "enterprise_content", "enterprise_workbook", "figure", "glossary",
    "html_to_docx", "index_ci_chart", "indicators",
    "ipma_chart", "league_chart", "limitations", "number", "overview_awards", "overview_certification",
    "overview_content", "overview_cover", "overview_distribution", "overview_industries", "overview_league",
    "overview_record", "path_diagram", "percent", "record", "reliability", "results", "sampling", "signature", "style",
    "summary", "t", "trend_chart",
]
