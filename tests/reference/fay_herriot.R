# Golden numbers for tests/test_small_area.py: the Fay–Herriot model fitted by R metafor (independent reference
# software for csi.fay_herriot). R's sae package is not packaged for Debian; metafor's random-effects
# meta-regression with known sampling variances is the same model:
#   y_i = x_i'beta + v_i + e_i,  v_i ~ N(0, tau2 = A),  e_i ~ N(0, v_i = D_i known),
# and its BLUPs (blup()) are the EBLUPs x_i'beta + gamma_i (y_i - x_i'beta). metafor's "HE" (Hedges) estimator
# of tau2 is the Prasad–Rao moment estimator (sum of squared OLS residuals minus sum D_i (1 - h_ii), over m - p).
#
# Run from the repository root (Debian: apt-get install r-cran-metafor):
#   Rscript tests/reference/fay_herriot.R
# Input: tests/reference/fay_herriot_input.csv — the demo study's Satisfaction indices (csi.enterprise_indices of
# the pooled CCSI fit on the screened 2026 responses, missing="mean") with each enterprise's industry.
# Writes tests/reference/fay_herriot_metafor.csv and fay_herriot_meta.json; the tests never run R.
#
# Columns: design (industry: one mean per industry; overall: one mean), method (reml, prasad_rao),
# enterprise_id, model_variance (tau2), synthetic_index (x_i'beta), fh_index (blup pred), blup_std_error
# (blup se = sqrt(g1 + g2): metafor's prediction SE, which leaves out the uncertainty of tau2, g3).

suppressPackageStartupMessages(library(metafor))

out_dir <- "tests/reference"
d <- read.csv(file.path(out_dir, "fay_herriot_input.csv"))
d$vi <- d$std_error^2
rows <- list()
for (design in c("industry", "overall")) {
  for (method in c("reml", "prasad_rao")) {
    mods <- if (design == "industry") ~ industry - 1 else ~ 1
    fit <- rma(yi = index, vi = vi, mods = mods, data = d, method = if (method == "reml") "REML" else "HE",
               control = list(threshold = 1e-14, maxiter = 10000))
    b <- blup(fit)
    x <- model.matrix(mods, data = d)
    rows[[paste(design, method)]] <- data.frame(
      design = design, method = method, enterprise_id = d$enterprise_id, model_variance = fit$tau2,
      synthetic_index = as.numeric(x %*% fit$beta), fh_index = b$pred, blup_std_error = b$se
    )
  }
}
out <- do.call(rbind, rows)
rownames(out) <- NULL
options(digits = 15)
write.csv(out, file.path(out_dir, "fay_herriot_metafor.csv"), row.names = FALSE)
writeLines(sprintf('{"r_version": "%s", "metafor_version": "%s", "threshold": 1e-14}', getRversion(),
                   packageVersion("metafor")), file.path(out_dir, "fay_herriot_meta.json"))
