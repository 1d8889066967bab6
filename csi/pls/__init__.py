"""Stage 3, the structural model: weighted PLS path modeling (Mode A/B, three schemes, PLSc), the
batched bootstrap (percentile, BCa, strata, clusters) and permutation multi-group analysis."""

from csi.pls._bootstrap import BootstrapResult, MissingScaleWarning, bootstrap
from csi.pls._estimate import PLSResult, PLSSummary, estimate
from csi.pls._mga import MGAResult, mga

__all__ = ["BootstrapResult", "MGAResult", "MissingScaleWarning", "PLSResult", "PLSSummary", "bootstrap", "estimate", "mga"]
