"""Stage 5, the numbers an enterprise is judged by: 0–100 indices (ACSI formula) with standard errors,
IPMA, index differences, league tables and benchmarks, rank intervals, small-area (Fay–Herriot) estimates,
satisfied/dissatisfied rates and complaints."""

from csi.indices._benchmark import (
    holm,
    importance_performance,
    industry_indices,
    league_table,
    pairwise_differences,
)
from csi.indices._dissatisfaction import (
    anonymise,
    categorize_complaints,
    complaint_summary,
    load_keywords,
    satisfaction_rates,
    wilson_interval,
)
from csi.indices._index import (
    NegativeWeightWarning,
    csi_index,
    enterprise_indices,
    index_difference,
    item_scores,
    item_weights,
)
from csi.indices._ranks import rank_intervals
from csi.indices._small_area import fay_herriot
from csi.indices._topics import TopicResult, complaint_topics

__all__ = ["NegativeWeightWarning", "TopicResult", "anonymise", "categorize_complaints", "complaint_summary",
           "complaint_topics", "csi_index",
           "enterprise_indices", "fay_herriot", "holm", "importance_performance", "index_difference",
           "industry_indices", "item_scores", "item_weights", "league_table", "load_keywords", "pairwise_differences",
           "rank_intervals", "satisfaction_rates", "wilson_interval"]
