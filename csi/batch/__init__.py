"""Stage 9, the batch: the study analysis once, one report notebook per enterprise and language on
dask.distributed, failures isolated, resume by input hash, the manifest and the index page."""

from csi.batch._run import run_study

__all__ = ["run_study"]
