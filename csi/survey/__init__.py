"""Stage 2, the sample: screening, weighting (rake, post-stratify, calibrate, trim), design-based
estimates with linearization SEs, sample planning and multi-channel composites."""

from csi.survey._composite import CompositeResult, composite_score
from csi.survey._design import influence, svy_mean, svy_proportion
from csi.survey._sampling import SamplePlan, allocate, plan_sample, plan_samples
from csi.survey._screening import ScreeningResult, screen
from csi.survey._weighting import (
    WeightingResult,
    calibrate,
    effective_n,
    kish_deff,
    poststratify,
    rake,
    read_margins,
    trim,
)

__all__ = ["CompositeResult", "SamplePlan", "ScreeningResult", "WeightingResult", "allocate", "calibrate",
           "composite_score", "effective_n", "influence", "kish_deff", "plan_sample", "plan_samples",
           "poststratify", "rake", "read_margins", "screen", "svy_mean", "svy_proportion", "trim"]
