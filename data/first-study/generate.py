"""Generate ``survey.csv``, the raw survey file of the first-study tutorial (synthetic, fictional data).

Run ``python data/first-study/generate.py``. It writes ``survey.csv`` next to itself: 600 customers
of six fictional broadband providers, as a fieldwork agency would deliver it. Unlike the bundled demo
(``data/demo``) nothing is declared yet: there is no questionnaire, no study file, no enterprise list;
``docs/first-study.md`` turns this file into reports with ``csi init``.

Columns: ``resp_id``, ``company`` (provider code), ``sex``, ``age_group``, ``area``, then 14 items
rated 1-10 (10 = best) named by construct prefix: IMG1-2, EXP1-2, QUAL1-3, VAL1-2, SAT1-3, LOY1-2.
Two items are worded the other way round (10 = worst): QUAL3 ("the connection often drops") and
LOY2 ("I am thinking of switching provider"). About 2 % of answers are blank and about 1.5 % are
99 = "don't know" (more for the expectation and value items, whose answers need a comparison).

Data-generating model: six standardised latents with the structural paths in ``PATHS`` (Image also
drives Quality, as in the CCSI-style model; the ACSI-like model ``csi init`` proposes leaves that path
out, and the tutorial adds it), provider shifts on Image and Quality, loadings 0.80-0.90, a linear map to the 1-10 scale with rounding and
clipping. One ``numpy.random.default_rng(SEED)`` drives everything: two runs give identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20260615
OUT = Path(__file__).resolve().parent / "survey.csv"

# provider code -> (respondents, Image shift, Quality shift) in latent SD units
PROVIDERS = {
    "nova": (120, 0.35, 0.30),
    "lumen": (110, 0.10, 0.20),
    "orbit": (100, 0.00, -0.10),
    "skylink": (95, -0.15, 0.05),
    "riverway": (90, -0.30, -0.35),
    "meshnet": (85, 0.05, -0.20),
}
LATENTS = ("Image", "Expectation", "Quality", "Value", "Satisfaction", "Loyalty")
# (dependent, predictor) -> standardised coefficient
PATHS = {
    ("Expectation", "Image"): 0.50,
    ("Quality", "Image"): 0.35,
    ("Quality", "Expectation"): 0.30,
    ("Value", "Expectation"): 0.15,
    ("Value", "Quality"): 0.55,
    ("Satisfaction", "Image"): 0.15,
    ("Satisfaction", "Quality"): 0.45,
    ("Satisfaction", "Value"): 0.25,
    ("Loyalty", "Image"): 0.30,
    ("Loyalty", "Satisfaction"): 0.50,
}
# item -> (latent, loading); REVERSED items are stored as 11 - rating
ITEMS = {
    "IMG1": ("Image", 0.85), "IMG2": ("Image", 0.82),
    "EXP1": ("Expectation", 0.80), "EXP2": ("Expectation", 0.84),
    "QUAL1": ("Quality", 0.88), "QUAL2": ("Quality", 0.85), "QUAL3": ("Quality", 0.80),
    "VAL1": ("Value", 0.86), "VAL2": ("Value", 0.88),
    "SAT1": ("Satisfaction", 0.90), "SAT2": ("Satisfaction", 0.86), "SAT3": ("Satisfaction", 0.83),
    "LOY1": ("Loyalty", 0.87), "LOY2": ("Loyalty", 0.80),
}
REVERSED = ("QUAL3", "LOY2")
MEAN, SD = 7.2, 1.7           # the 1-10 rating of a latent at 0, and of one SD
BLANK_RATE = 0.02
DONT_KNOW = 99
DONT_KNOW_RATE = {"EXP": 0.04, "VAL": 0.03}  # by prefix; 0.005 for the other items
DEMOGRAPHICS = {
    "sex": {"female": 0.52, "male": 0.48},
    "age_group": {"18-34": 0.34, "35-54": 0.40, "55+": 0.26},
    "area": {"city": 0.62, "town": 0.25, "village": 0.13},
}


def latents(rng: np.random.Generator, n: int, image_shift: float, quality_shift: float) -> dict[str, np.ndarray]:
    """Standardised latent scores in causal order; each residual keeps the latent's variance near 1."""
    shift = {"Image": image_shift, "Quality": quality_shift}
    scores: dict[str, np.ndarray] = {}
    for latent in LATENTS:
        parents = {p: b for (d, p), b in PATHS.items() if d == latent}
        explained = sum(b * scores[p] for p, b in parents.items())
        residual_sd = np.sqrt(max(1 - sum(b * b for b in parents.values()), 0.2))
        scores[latent] = explained + residual_sd * rng.standard_normal(n) + shift.get(latent, 0.0)
    return scores


def survey(seed: int = SEED) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for company, (n, image_shift, quality_shift) in PROVIDERS.items():
        scores = latents(rng, n, image_shift, quality_shift)
        frame = pd.DataFrame({"company": company}, index=range(n))
        for name, shares in DEMOGRAPHICS.items():
            frame[name] = rng.choice(list(shares), size=n, p=list(shares.values()))
        for item, (latent, loading) in ITEMS.items():
            z = loading * scores[latent] + np.sqrt(1 - loading ** 2) * rng.standard_normal(n)
            rating = np.clip(np.rint(MEAN + SD * z), 1, 10)
            frame[item] = 11 - rating if item in REVERSED else rating
        frames.append(frame)
    data = pd.concat(frames, ignore_index=True).sample(frac=1, random_state=seed % 2**32).reset_index(drop=True)
    for item in ITEMS:
        draw = rng.random(len(data))
        dont_know = DONT_KNOW_RATE.get(item.rstrip("0123456789"), 0.005)
        data[item] = data[item].astype(object)
        data.loc[draw < dont_know, item] = DONT_KNOW
        data.loc[(draw >= dont_know) & (draw < dont_know + BLANK_RATE), item] = None
        data[item] = data[item].map(lambda v: "" if pd.isna(v) else str(int(v)))
    data.insert(0, "resp_id", [f"R{k:04d}" for k in range(1, len(data) + 1)])
    return data


def main() -> None:
    data = survey()
    data.to_csv(OUT, index=False)
    print(f"wrote {OUT} ({len(data)} respondents, {data['company'].nunique()} providers)")


if __name__ == "__main__":
    main()
