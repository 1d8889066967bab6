"""Data-quality screening: which respondents are analysed, which are excluded and why.

Every respondent read is either kept or listed with a reason, so that per enterprise
``read = analysed + excluded`` (the ledger), and the ledger reaches the report.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .schema import Questionnaire

#: Reason codes, in the order rules are applied (a respondent gets the first that matches).
REASONS = {
    "no_items_answered": "answered none of the rating items (all blank or don't know)",
}


@dataclass(frozen=True)
class ScreeningResult:
    """The kept responses, the excluded respondents with reasons, and the ledger per enterprise."""

    kept: pd.DataFrame
    excluded: pd.DataFrame  # respondent_id, enterprise_id, reason
    ledger: pd.DataFrame    # enterprise_id, read, analysed, excluded, plus one column per reason


def screen(responses: pd.DataFrame, questionnaire: Questionnaire) -> ScreeningResult:
    """Apply the screening rules and account for every respondent.

    Parameters
    ----------
    responses : DataFrame from :func:`csi.read_responses`.
    questionnaire : the questionnaire the responses were read with.
    """
    q = questionnaire
    reason = pd.Series(pd.NA, index=responses.index, dtype="object")
    answered = responses[list(q.item_ids)].notna().sum(axis=1)
    reason[(answered == 0) & reason.isna()] = "no_items_answered"
    dropped = reason.notna()
    excluded = pd.DataFrame({
        "respondent_id": responses.loc[dropped, q.id_column].to_numpy(),
        "enterprise_id": responses.loc[dropped, q.enterprise_column].to_numpy(),
        "reason": reason[dropped].to_numpy(),
    })
    kept = responses.loc[~dropped]
    kept.attrs = dict(responses.attrs)
    return ScreeningResult(kept, excluded, _ledger(responses[q.enterprise_column], reason))


def _ledger(enterprise: pd.Series, reason: pd.Series) -> pd.DataFrame:
    table = pd.DataFrame({"enterprise_id": enterprise.to_numpy(), "reason": reason.fillna("analysed").to_numpy()})
    counts = pd.crosstab(table["enterprise_id"], table["reason"])
    for column in ["analysed", *REASONS]:
        if column not in counts:
            counts[column] = 0
    counts = counts[["analysed", *REASONS]]
    ledger = pd.DataFrame({
        "enterprise_id": counts.index.astype(str),
        "read": counts.sum(axis=1).to_numpy(),
        "analysed": counts["analysed"].to_numpy(),
        "excluded": counts[list(REASONS)].sum(axis=1).to_numpy(),
    })
    for code in REASONS:
        ledger[code] = counts[code].to_numpy()
    return ledger.reset_index(drop=True)
