# Golden numbers for csi.trim from R survey (Lumley) trimWeights(). Run from the repository root:
#   Rscript tests/reference/trim.R
# Writes tests/reference/trim_weights.csv, trim_estimates.csv, trim_meta.json.
# Conventions as tests/reference/weighting.R: code 99 and blanks are NA; margins given as shares are
# scaled to n; svymean(na.rm=TRUE) keeps rows with a missing outcome in the design.
# Cases:
#   plain_*  svydesign(ids=~1, weights=~w_in) with skewed weights w_in = exp(N(0, 0.6)) (set.seed(18),
#            written to the CSV so the test needs no R random numbers); trimWeights() to [-, 3],
#            [0.4, 3] (strict) and [-, 3] (strict=FALSE, one pass). Strict trimming here takes several
#            passes: the shares added to the untrimmed weights push some of them over the bound.
#   rake_*   the raked demo design (as weighting.R) trimmed to upper 1.8: R keeps the raking variables,
#            so svymean takes the raking residuals with the weights of the raking step.
#   cal_*    linear calibration (GREG) of the demo trimmed to [0.7, 1.6].
suppressPackageStartupMessages(library(survey))
options(digits = 17)
out <- "tests/reference"

df <- read.csv("data/demo/responses_2026.csv", stringsAsFactors = FALSE, na.strings = "")
items <- grep("^(IMAG|EXPE|QUAL|VALU|SATI|COMP|LOYA)[0-9]$", names(df), value = TRUE)
for (v in items) df[[v]][!is.na(df[[v]]) & df[[v]] == 99] <- NA
margins <- read.csv("data/demo/margins.csv", stringsAsFactors = FALSE)
n <- nrow(df)
vars <- c("region", "age_band", "gender")
for (v in vars) df[[v]] <- factor(df[[v]], levels = margins$level[margins$variable == v])
pop_margin <- function(v) {
  m <- margins[margins$variable == v, ]
  out <- data.frame(factor(m$level, levels = m$level), m$share * n)
  names(out) <- c(v, "Freq")
  out
}

set.seed(18)
df$w_in <- exp(rnorm(n, 0, 0.6))
plain <- svydesign(ids = ~1, weights = ~w_in, data = df)
d0 <- svydesign(ids = ~1, weights = ~rep(1, n), data = df)
rk <- rake(d0, lapply(vars, function(v) as.formula(paste0("~", v))), lapply(vars, pop_margin),
           control = list(maxit = 200, epsilon = 1e-13, verbose = FALSE))
mm <- model.matrix(~region + age_band + gender, df)
pop <- c(n, sapply(colnames(mm)[-1], function(cn) {
  for (v in vars) if (startsWith(cn, v)) { lv <- substring(cn, nchar(v) + 1)
    return(margins$share[margins$variable == v & margins$level == lv] * n) }
}))
names(pop) <- colnames(mm)
cal <- calibrate(d0, ~region + age_band + gender, pop, calfun = "linear", maxit = 200, epsilon = 1e-13)

designs <- list(
  plain_upper = trimWeights(plain, upper = 3, strict = TRUE),
  plain_both = trimWeights(plain, upper = 3, lower = 0.4, strict = TRUE),
  plain_one_pass = trimWeights(plain, upper = 3, strict = FALSE),
  rake_upper = trimWeights(rk, upper = 1.8, strict = TRUE),
  cal_both = trimWeights(cal, upper = 1.6, lower = 0.7, strict = TRUE))
bounds <- list(plain_upper = c(-Inf, 3), plain_both = c(0.4, 3), plain_one_pass = c(-Inf, 3),
               rake_upper = c(-Inf, 1.8), cal_both = c(0.7, 1.6))

wt <- data.frame(respondent_id = df$respondent_id, w_in = df$w_in, rake = weights(rk), cal_linear = weights(cal))
for (case in names(designs)) wt[[case]] <- weights(designs[[case]])
write.csv(wt, file.path(out, "trim_weights.csv"), row.names = FALSE)

rows <- list()
for (case in names(designs)) {
  w <- weights(designs[[case]])
  b <- bounds[[case]]
  at_bound <- sum(w >= b[2] * (1 - 1e-9) | (b[1] > 0 & w <= b[1] * (1 + 1e-9)))
  for (y in c("SATI1", "COMP1")) {
    est <- svymean(as.formula(paste0("~", y)), designs[[case]], na.rm = TRUE)
    rows[[length(rows) + 1]] <- data.frame(case = case, variable = y, estimate = unname(coef(est)),
      std_error = unname(SE(est)), at_bound = at_bound, max_weight = max(w), sum_weight = sum(w))
  }
}
write.csv(do.call(rbind, rows), file.path(out, "trim_estimates.csv"), row.names = FALSE)

meta <- sprintf('{\n  "r_version": "%s",\n  "survey_version": "%s",\n  "n": %d,\n  "w_in": "set.seed(18); exp(rnorm(n, 0, 0.6))",\n  "bounds": {"plain_upper": [null, 3], "plain_both": [0.4, 3], "plain_one_pass": [null, 3], "rake_upper": [null, 1.8], "cal_both": [0.7, 1.6]},\n  "at_bound": "weights within 1e-9 (relative) of a bound"\n}\n',
  R.version.string, as.character(packageVersion("survey")), n)
writeLines(meta, file.path(out, "trim_meta.json"))
