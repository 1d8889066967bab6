"""Stage 7, the study analysis: every study-level number defined once (:func:`analyse_study`)."""

from csi.analysis._check import StudyCheck, check_study
from csi.analysis._study import StudyAnalysis, analyse_study, load_responses

__all__ = ["StudyAnalysis", "StudyCheck", "analyse_study", "check_study", "load_responses"]
