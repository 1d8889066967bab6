"""Stage 6, evaluation rules as data: certification rubrics (points → stars) and award eligibility."""

from csi.rules._awards import AwardResult, AwardRules, check_eligibility, load_award_rules
from csi.rules._rubric import Rubric, RubricResult, load_rubric, read_audit, score_rubric

__all__ = ["AwardResult", "AwardRules", "Rubric", "RubricResult", "check_eligibility", "load_award_rules",
           "load_rubric", "read_audit", "score_rubric"]
