"""Stage 1, the study as data: ``study.toml``, the questionnaire, the response files, the model syntax
and its presets. Every value is checked here; errors name the file, key path, column and rows."""

from csi.io import models
from csi.io._model import Model
from csi.io._questionnaire import Item, Questionnaire, Variable, load_questionnaire, read_csv_text, read_responses
from csi.io._starter import StarterStudy, init_study
from csi.io._study import Enterprise, Study, load_study

__all__ = ["Enterprise", "Item", "Model", "Questionnaire", "StarterStudy", "Study", "Variable", "init_study",
           "load_questionnaire", "load_study", "models", "read_csv_text", "read_responses"]
