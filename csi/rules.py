"""Evaluation rules as data: certification rubrics (:mod:`csi.rubric`) and award eligibility
(:mod:`csi.awards`), gathered under one name as the design's pipeline stage ``rules``."""

from .awards import AwardResult, AwardRules, check_eligibility, load_award_rules
from .rubric import Rubric, RubricResult, load_rubric, read_audit, score_rubric

__all__ = ["AwardResult", "AwardRules", "Rubric", "RubricResult", "check_eligibility", "load_award_rules",
           "load_rubric", "read_audit", "score_rubric"]
