# Golden numbers for csi.weighting from R survey (Lumley). Run from the repository root:
#   Rscript tests/reference/weighting.R
# Writes tests/reference/weighting_weights.csv, weighting_estimates.csv, weighting_meta.json.
# Conventions mirrored from csi: code 99 (don't know) and blanks are NA; margins given as shares
# are scaled to the total of the base weights (here 1 per respondent, so to n); rows with a
# missing outcome stay in the design (svymean na.rm=TRUE = domain estimation).
suppressPackageStartupMessages(library(survey))
options(digits = 17)
out <- "tests/reference"

df <- read.csv("data/demo/responses_2026.csv", stringsAsFactors = FALSE, na.strings = "")
items <- grep("^(IMAG|EXPE|QUAL|VALU|SATI|COMP|LOYA)[0-9]$", names(df), value = TRUE)
for (v in items) df[[v]][!is.na(df[[v]]) & df[[v]] == 99] <- NA
margins <- read.csv("data/demo/margins.csv", stringsAsFactors = FALSE)
ent <- read.csv("data/demo/enterprises.csv", stringsAsFactors = FALSE)
df$served_customers <- ent$served_customers[match(df$enterprise_id, ent$enterprise_id)]
df$industry <- substr(df$enterprise_id, 1, 1)
df$top2 <- as.numeric(df$SATI1 >= 9)
n <- nrow(df)
vars <- c("region", "age_band", "gender")
for (v in vars) df[[v]] <- factor(df[[v]], levels = margins$level[margins$variable == v])

pop_margin <- function(v) {
  m <- margins[margins$variable == v, ]
  out <- data.frame(factor(m$level, levels = m$level), m$share * n)
  names(out) <- c(v, "Freq")
  out
}
d0 <- svydesign(ids = ~1, weights = ~rep(1, n), data = df)
rk <- rake(d0, lapply(vars, function(v) as.formula(paste0("~", v))), lapply(vars, pop_margin),
           control = list(maxit = 200, epsilon = 1e-13, verbose = FALSE))

# poststratification on region x age_band, population cells = product of the margins x n
ra <- merge(pop_margin("region"), pop_margin("age_band"), by = NULL)
ps_cells <- data.frame(region = ra$region, age_band = ra$age_band, Freq = ra$Freq.x * ra$Freq.y / n)
ps <- postStratify(d0, ~region + age_band, ps_cells)

# calibration: intercept + treatment dummies, totals = shares x n
mm <- model.matrix(~region + age_band + gender, df)
pop <- c(n, sapply(colnames(mm)[-1], function(cn) {
  for (v in vars) if (startsWith(cn, v)) { lv <- substring(cn, nchar(v) + 1)
    return(margins$share[margins$variable == v & margins$level == lv] * n) }
}))
names(pop) <- colnames(mm)
cal <- function(calfun, bounds = c(-Inf, Inf))
  calibrate(d0, ~region + age_band + gender, pop, calfun = calfun, bounds = bounds,
            maxit = 200, epsilon = 1e-13)
cal_lin <- cal("linear"); cal_rak <- cal("raking")
cal_lin_b <- cal("linear", c(0.6, 1.8)); cal_rak_b <- cal("raking", c(0.6, 1.8))
cal_logit <- cal("logit", c(0.5, 2.5))

df$w_rake <- weights(rk)
wt <- data.frame(respondent_id = df$respondent_id, rake = weights(rk), poststratify = weights(ps),
                 cal_linear = weights(cal_lin), cal_raking = weights(cal_rak),
                 cal_linear_bounded = weights(cal_lin_b), cal_raking_bounded = weights(cal_rak_b),
                 cal_logit = weights(cal_logit))
write.csv(wt, file.path(out, "weighting_weights.csv"), row.names = FALSE)

designs <- list(
  simple = svydesign(ids = ~1, weights = ~w_rake, data = df),
  strat_fpc = svydesign(ids = ~1, strata = ~enterprise_id, fpc = ~served_customers, data = df),
  cluster = svydesign(ids = ~enterprise_id, weights = ~w_rake, data = df),
  strat_cluster = svydesign(ids = ~enterprise_id, strata = ~industry, weights = ~w_rake, nest = TRUE, data = df),
  raked = rk, poststratified = ps, cal_linear = cal_lin, cal_raking = cal_rak,
  cal_linear_bounded = cal_lin_b)
rows <- list()
for (case in names(designs)) for (y in c("SATI1", "COMP1", "top2")) {
  est <- svymean(as.formula(paste0("~", y)), designs[[case]], na.rm = TRUE, deff = "replace")
  rows[[length(rows) + 1]] <- data.frame(case = case, variable = y, estimate = unname(coef(est)),
    std_error = unname(SE(est)), deff = unname(deff(est)))
}
write.csv(do.call(rbind, rows), file.path(out, "weighting_estimates.csv"), row.names = FALSE)

meta <- sprintf('{\n  "r_version": "%s",\n  "survey_version": "%s",\n  "n": %d,\n  "calibrate_bounds": {"linear": [0.6, 1.8], "raking": [0.6, 1.8], "logit": [0.5, 2.5]},\n  "rake_epsilon": 1e-13,\n  "poststratify_cells": "region x age_band, population share = product of the margins"\n}\n',
  R.version.string, as.character(packageVersion("survey")), n)
writeLines(meta, file.path(out, "weighting_meta.json"))
