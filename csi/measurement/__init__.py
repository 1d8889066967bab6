"""Stage 4, the questionnaire's quality: Cronbach's alpha with CIs, omega, rho_A, rho_C, AVE; HTMT,
Fornell–Larcker, cross-loadings, VIF; KMO, Bartlett and exploratory factor analysis; confirmatory factor
analysis (covariance-based, ML) as a cross-check of the PLS measurement model."""

from csi.measurement._cfa import CFAResult, cfa
from csi.measurement._factor import EFAResult, KMOResult, efa, kmo_bartlett, varimax
from csi.measurement._reliability import AlphaResult, cronbach_alpha, omega_total, reliability
from csi.measurement._validity import HTMT2Warning, cross_loadings, fornell_larcker, htmt, outer_vif

__all__ = ["AlphaResult", "CFAResult", "EFAResult", "HTMT2Warning", "KMOResult", "cfa", "cronbach_alpha",
           "cross_loadings", "efa", "fornell_larcker", "htmt", "kmo_bartlett", "omega_total", "outer_vif", "reliability", "varimax"]
