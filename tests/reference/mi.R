# Golden numbers for tests/test_mi.py: Rubin's rules as R mice computes them (independent reference software
# for csi.rubin_pool and the R² pooling of csi.estimate_mi).
#
# Run from the repository root (Debian: apt-get install r-cran-mice r-cran-jsonlite):
#   Rscript tests/reference/mi.R
# Writes tests/reference/mi_reference.json; the tests read it and never run R. Numbers are written with 15
# significant digits (jsonlite's most, digits = NA); the pool.scalar inputs are rounded to 12 digits before use,
# so they are written exactly. The tests compare to 1e-10 (relative).
#
# 1. pool.scalar(Q, U, n, k): scalar estimates and within variances of m imputations, with a finite
#    complete-data df (n - k: Barnard & Rubin 1999) and with n = Inf (Rubin 1987's df). Q and U are drawn here
#    from a fixed seed; they are inputs, written beside the outputs.
# 2. pool() of lm fits: mice's nhanes data, m = 5 imputations (default methods, seed 2026), lm(chl ~ age + bmi)
#    on each; the per-imputation estimates, standard errors and residual df (mice's dfcom) are the inputs of
#    csi.rubin_pool, the pooled table (estimate, ubar, b, t, df, riv, lambda, fmi, std.error, statistic,
#    p.value, conf.low, conf.high at 95%) its expected output.
# 3. pool.r.squared() of the same fits (R² and adjusted R²): Fisher's z of sqrt(R²) averaged (Harel 2009).

suppressPackageStartupMessages({
  library(mice)
  library(jsonlite)
})

out <- "tests/reference/mi_reference.json"

# 1. pool.scalar -------------------------------------------------------------------------------------------
set.seed(20)
scalar <- list()
for (case in list(list(m = 5, n = 250, k = 4), list(m = 20, n = 120, k = 1), list(m = 3, n = 40, k = 2),
                  list(m = 10, n = Inf, k = 1), list(m = 2, n = 1000, k = 7))) {
  q <- signif(0.5 + rnorm(case$m, sd = 0.04), 12)
  u <- signif(0.002 * (1 + runif(case$m)), 12)
  p <- pool.scalar(q, u, n = case$n, k = case$k)
  scalar[[length(scalar) + 1]] <- list(
    Q = q, U = u, n = if (is.finite(case$n)) case$n else "Inf", k = case$k,
    qbar = p$qbar, ubar = p$ubar, b = p$b, t = p$t, df = p$df, r = p$r, fmi = p$fmi,
    lambda = (1 + 1 / case$m) * p$b / p$t
  )
}

# 2. pool() of lm fits on nhanes ----------------------------------------------------------------------------
imp <- mice(nhanes, m = 5, seed = 2026, printFlag = FALSE)
fits <- with(imp, lm(chl ~ age + bmi))
per <- do.call(rbind, lapply(seq_along(fits$analyses), function(i) {
  f <- fits$analyses[[i]]
  s <- summary(f)
  data.frame(imputation = i, term = rownames(s$coefficients), estimate = unname(s$coefficients[, 1]),
             std_error = unname(s$coefficients[, 2]), df_residual = f$df.residual, r_squared = s$r.squared,
             adj_r_squared = s$adj.r.squared, nobs = length(f$residuals))
}))
pooled <- pool(fits)
table <- summary(pooled, conf.int = TRUE, conf.level = 0.95)
lm_pooled <- cbind(pooled$pooled[, c("term", "estimate", "ubar", "b", "t", "dfcom", "df", "riv", "lambda", "fmi")],
                   table[, c("std.error", "statistic", "p.value", "2.5 %", "97.5 %")])
names(lm_pooled)[names(lm_pooled) %in% c("2.5 %", "97.5 %")] <- c("conf.low", "conf.high")
lm_pooled$term <- as.character(lm_pooled$term)

# 3. pool.r.squared -----------------------------------------------------------------------------------------
r2 <- pool.r.squared(fits)
r2_adj <- pool.r.squared(fits, adjusted = TRUE)

write_json(list(
  meta = list(r_version = R.version.string, mice_version = as.character(packageVersion("mice")),
              jsonlite_version = as.character(packageVersion("jsonlite"))),
  scalar = scalar,
  lm_fits = per,
  lm_pooled = lm_pooled,
  r_squared = list(est = r2[1, "est"], adj_est = r2_adj[1, "est"])
), out, digits = NA, auto_unbox = TRUE, pretty = TRUE)
cat("wrote", out, "\n")
