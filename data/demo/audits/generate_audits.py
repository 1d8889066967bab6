"""Write the demo study's audit files (fictional): one after-sales rubric audit per enterprise,
the enterprises' registered complaints (operations.csv) and a few service teams (teams.csv).

    python data/demo/audits/generate_audits.py

Deterministic (numpy default_rng(SEED)); needs only numpy and pandas. The audit quality of an
enterprise follows its true 2026 index, so better-rated enterprises tend to audit better.
Items follow data/rules/after_sales_service.toml; CS4 is scored from the survey index, so it
has no audit row.
"""

from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261122
HERE = Path(__file__).resolve().parent
POINTS = {"SS1": 5, "SS2": 6, "SS3": 8, "SS4": 6, "SS5": 8, "SS6": 7, "PS1": 6, "PS2": 7, "PS3": 8, "PS4": 6,
          "PS5": 4, "PS6": 4, "CS1": 5, "CS2": 6, "CS3": 4, "CS5": 5}
SAMPLED = {"SS3": 20, "SS5": 30, "PS3": 25, "CS2": 20}       # records drawn for sampled checks
NOT_APPLICABLE = {"water": ["PS4"], "telecom": [], "bank": ["PS4", "PS5"]}  # no warranty / no spare parts


def audit(rng: np.random.Generator, industry: str, true_index: float) -> pd.DataFrame:
    quality = np.clip((true_index - 45) / 40, 0.3, 0.98)   # share of points an item tends to earn
    rows = []
    for item, points in POINTS.items():
        if item in NOT_APPLICABLE[industry]:
            rows.append({"item": item, "not_applicable": "yes", "note": "not offered by this industry"})
        elif item in SAMPLED:
            n = SAMPLED[item]
            rows.append({"item": item, "sampled": n, "deficient": int(rng.binomial(n, 1 - quality))})
        else:
            share = np.clip(rng.normal(quality, 0.08), 0, 1)
            rows.append({"item": item, "earned": float(np.round(points * share * 2) / 2)})
    rows.append({"item": "D3", "count": int(rng.poisson(3 * (1 - quality)))})
    if rng.random() < 0.15:
        rows.append({"item": "B1", "count": 1})
    frame = pd.DataFrame(rows, columns=["item", "earned", "not_applicable", "sampled", "deficient", "count", "note"])
    return frame.astype({"sampled": "Int64", "deficient": "Int64", "count": "Int64"})


def operations(rng: np.random.Generator, ent: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """Registered complaints and callback satisfaction, as an enterprise's records would show them."""
    rate = np.exp(rng.normal(np.log(0.012) - (truth.to_numpy() - 70) / 15, 0.3))
    received = rng.binomial(ent["served_customers"].to_numpy(), np.clip(rate, 0, 0.2))
    callbacks = np.minimum(received, 400)
    p_ok = np.clip(0.965 + (truth.to_numpy() - 70) / 700, 0.9, 0.999)
    satisfied = rng.binomial(callbacks, p_ok)
    return pd.DataFrame({"enterprise_id": ent["enterprise_id"], "third_party_survey": True,
                         "complaints_received": received, "callbacks": callbacks, "callbacks_satisfied": satisfied})


def teams(rng: np.random.Generator, ent: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    rows = []
    for eid, base in zip(ent["enterprise_id"], truth):
        if not eid.endswith(("1", "2")):
            continue
        for k in (1, 2):
            served = int(rng.choice([int(rng.integers(20, 50)), int(rng.integers(300, 3000))]))
            n = served if served < 50 else int(rng.choice([int(rng.integers(100, 201)), int(rng.integers(60, 100))]))
            rows.append({"team_id": f"{eid}-T{k}", "enterprise_id": eid, "served_customers": served,
                         "respondents": n, "satisfaction_index": round(float(base + rng.normal(8, 4)), 1)})
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(SEED)
    ent = pd.read_csv(HERE.parent / "enterprises.csv", dtype={"enterprise_id": str})
    truth = pd.read_csv(HERE.parent / "true_index.csv").query("wave == 2026").set_index("enterprise_id")
    truth = truth.loc[ent["enterprise_id"], "true_index"]
    for eid, industry, t in zip(ent["enterprise_id"], ent["industry"], truth):
        audit(rng, industry, t).to_csv(HERE / f"{eid}.csv", index=False, lineterminator="\n")
    operations(rng, ent, truth).to_csv(HERE / "operations.csv", index=False, lineterminator="\n")
    teams(rng, ent, truth).to_csv(HERE / "teams.csv", index=False, lineterminator="\n")


if __name__ == "__main__":
    main()
