"""Stage 3, the structural model: weighted PLS path modeling (Mode A/B, three schemes, PLSc), the
batched bootstrap (percentile, BCa, strata, clusters), permutation multi-group analysis and multiple imputation
(Rubin's rules)."""

from csi.pls._bootstrap import BootstrapResult, MissingScaleWarning, bootstrap
from csi.pls._estimate import PLSResult, PLSSummary, estimate
from csi.pls._mga import MGAResult, mga
from csi.pls._mi import MIResult, estimate_mi, rubin_pool

__all__ = ["BootstrapResult", "MGAResult", "MIResult", "MissingScaleWarning", "PLSResult", "PLSSummary", "bootstrap",
           "estimate", "estimate_mi", "mga", "rubin_pool"]
