"""Charts for any fit or analysis: the report's charts, from plain csi objects.

Every function returns a :class:`matplotlib.figure.Figure`, drawn in the reports' style inside
``rc_context`` (your rcParams stay as they are), with English default titles and labels; ``title=``,
``labels=`` (id → display label) and the other keyword options replace them. Text is drawn literally.
The reports draw the same functions with their localised strings. Importing :mod:`csi` does not load this
stage (it needs matplotlib): ``import csi.plot``, or use ``csi.plot`` after ``import csi``.
"""

from csi.plot._charts import (
    dimension_bars,
    distribution_chart,
    index_chart,
    ipma_map,
    league_chart,
    path_diagram,
    trend_chart,
    weight_distribution,
    weighting_margins,
)
from csi.plot._style import rc_params

__all__ = [
    "dimension_bars", "distribution_chart", "index_chart", "ipma_map", "league_chart", "path_diagram", "rc_params",
    "trend_chart", "weight_distribution", "weighting_margins",
]
