"""Data-quality screening: which respondents are analysed, which are excluded and why.

Rules (set in study.toml ``[screening]``, see :class:`csi.study.ScreeningRules`) are applied in a fixed
order and each respondent gets the first reason that matches, so per enterprise
``read = analysed + excluded`` and every excluded respondent is listed with its reason and detail.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from csi._api import public
from csi._display import Card, Display, Summary, pairs
from csi.exceptions import SchemaError
from csi.io import Questionnaire
from csi.io._study import ScreeningRules
from csi.survey._durations import durations

#: Reason codes in the order rules are applied.
REASONS = ("out_of_range", "no_items_answered", "too_few_answered", "speeder", "straightlining", "duplicate")


@dataclass(frozen=True, repr=False)
class ScreeningResult(Display):
    """The kept responses, the excluded respondents with reasons, the ledger and item missingness."""

    kept: pd.DataFrame
    excluded: pd.DataFrame     # respondent_id, enterprise_id, reason, detail
    ledger: pd.DataFrame       # enterprise_id, read, analysed, excluded, one column per reason
    missingness: pd.DataFrame  # item, answered, blank, dont_know, missing_share (all respondents read)
    rules: ScreeningRules

    def _reasons(self) -> pd.DataFrame:
        counts = [(code, int(self.ledger[code].sum())) for code in REASONS if code in self.ledger]
        table = pd.DataFrame(counts, columns=["reason", "respondents"])
        return table[table["respondents"] > 0].sort_values("respondents", ascending=False, kind="mergesort")

    def _card(self) -> Card:
        read, kept = int(self.ledger["read"].sum()), int(self.ledger["analysed"].sum())
        out = read - kept
        facts = [("excluded by reason", pairs(self._reasons().set_index("reason")["respondents"]) or "none")]
        if len(self.ledger) and read:
            share = self.ledger["excluded"] / self.ledger["read"].clip(lower=1)
            worst = self.ledger.loc[share.idxmax()]
            facts.append(("enterprises", (f"{len(self.ledger)}; most excluded {worst['enterprise_id']}: "
                                         f"{int(worst['excluded'])} of {int(worst['read'])} ({share.max():.1%})")))
        if len(self.missingness):
            top = self.missingness.loc[self.missingness["missing_share"].idxmax()]
            above = int((self.missingness["missing_share"] > 0.05).sum())
            facts.append(("missing answers", (f"most {top['item']} {top['missing_share']:.1%}; "
                                             f"{above} of {len(self.missingness)} items above 5%")))
        r = self.rules
        speeders = f"under {r.speeder_min_seconds:g} s" if r.speeder_column else "off"
        facts.append(("rules", (f"out of range: {r.out_of_range}; min answered {r.min_answered:.0%}; straight-lining "
                               f"{'on' if r.straightlining else 'off'}; speeders {speeders}; duplicates "
                               f"{'on' if r.duplicates else 'off'}")))
        share = f" ({out / read:.1%})" if read else ""
        return Card("ScreeningResult", f"{kept:,} of {read:,} respondents kept, {out:,} excluded{share}", facts,
                    [("ledger", self.ledger), ("excluded", self.excluded)],
                    (".kept", ".excluded", ".ledger", ".missingness", ".summary()"))

    def summary(self) -> Summary:
        """The exclusions by reason, the ledger (per enterprise: read, analysed, excluded, by reason) and item
        missingness; the respondents themselves are in ``kept`` and ``excluded``."""
        return self._card().summary(
            {"exclusions_by_reason": self._reasons(), "ledger": self.ledger, "missingness": self.missingness},
            [f"respondent tables: .kept ({len(self.kept):,} rows), .excluded ({len(self.excluded):,} rows)"])


@public(subjects=2)
def screen(responses: pd.DataFrame, questionnaire: Questionnaire, *, rules: ScreeningRules | None = None
           ) -> ScreeningResult:
    """Apply the screening rules and account for every respondent.

    Parameters
    ----------
    responses : DataFrame from :func:`csi.read_responses` (``invalid="flag"`` when
        ``rules.out_of_range`` is "exclude" or "set_missing").
    questionnaire : the questionnaire the responses were read with.
    rules : the study's screening rules (default: :class:`ScreeningRules()`).
    """
    rules = rules or ScreeningRules()
    q = questionnaire
    items = list(q.item_ids)
    reason = pd.Series(None, index=responses.index, dtype=object)
    detail = pd.Series("", index=responses.index, dtype=object)

    def mark(mask: pd.Series, code: str, text: pd.Series | str) -> None:
        new = mask & reason.isna()
        reason[new] = code
        detail[new] = text[new] if isinstance(text, pd.Series) else text

    _out_of_range(responses, rules, mark)
    answered = responses[items].notna().sum(axis=1)
    share = answered / len(items)
    mark(answered == 0, "no_items_answered", f"0 of {len(items)}")
    mark(share < rules.min_answered, "too_few_answered",
         answered.map(lambda a: f"{a} of {len(items)} < {rules.min_answered:.0%}"))
    _speeders(responses, rules, mark)
    _straightlining(responses, q, rules, mark)
    _duplicates(responses, q, reason, mark, rules)
    dropped = reason.notna()
    excluded = pd.DataFrame({
        "respondent_id": responses.loc[dropped, q.id_column].to_numpy(),
        "enterprise_id": responses.loc[dropped, q.enterprise_column].to_numpy(),
        "reason": reason[dropped].to_numpy(), "detail": detail[dropped].to_numpy(),
    })
    kept = responses.loc[~dropped]
    kept.attrs = dict(responses.attrs)
    ledger = _ledger(responses[q.enterprise_column], reason)
    return ScreeningResult(kept, excluded, ledger, item_missingness(responses, q), rules)


def _out_of_range(responses: pd.DataFrame, rules: ScreeningRules, mark) -> None:
    flagged = responses.attrs.get("out_of_range", [])
    if not flagged or rules.out_of_range == "set_missing":
        return  # set_missing: the reader already made them NaN; they count as missing answers
    if rules.out_of_range == "raise":
        row, item, value = flagged[0]
        raise SchemaError(f"{len(flagged)} value(s) outside the declared scale (first: {item} = {value:g}, row "
                          f"{row}); set [screening].out_of_range to 'exclude' or 'set_missing', or fix the data.")
    text = pd.Series("", index=responses.index, dtype=object)
    for label, item, value in flagged:
        if label not in text.index:
            continue  # a row outside this subset of the responses
        text[label] = (text[label] + ", " if text[label] else "") + f"{item} = {value:g}"
    mark(text != "", "out_of_range", text)


def _speeders(responses: pd.DataFrame, rules: ScreeningRules, mark) -> None:
    if rules.speeder_column is None:
        return
    if rules.speeder_column not in responses.columns:
        raise SchemaError(f"[screening].speeder_column: column {rules.speeder_column!r} is not in the responses; "
                          "remove the rule or add the column.")
    # 0:45, 45秒, 1,5 … as seconds; a cell that is not a duration is an error naming its file and line (it used to
    # become a missing duration, and the speeder stayed in)
    seconds = durations(responses[rules.speeder_column], rules.speeder_column, responses.attrs.get("rows"))
    fast = seconds < rules.speeder_min_seconds
    mark(fast, "speeder", seconds.map(lambda s: f"{s:g} s < {rules.speeder_min_seconds:g} s"))


def _raw_answers(responses: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Answers as the respondent gave them: reverse-coded items flipped back."""
    raw = responses[list(q.item_ids)].copy()
    for item in q.items:
        if item.reverse:
            raw[item.id] = item.scale[0] + item.scale[1] - raw[item.id]
    return raw


def _straightlining(responses: pd.DataFrame, q: Questionnaire, rules: ScreeningRules, mark) -> None:
    if not rules.straightlining:
        return
    raw = _raw_answers(responses, q)
    answered = raw.notna().sum(axis=1)
    same = (raw.max(axis=1) == raw.min(axis=1)) & (answered >= rules.straightlining_min_items)
    first = raw.bfill(axis=1).iloc[:, 0]
    mark(same, "straightlining", pd.Series([f"all {a} answers = {v:g}" for a, v in zip(answered, first)],
                                           index=raw.index, dtype=object))


def _duplicates(responses: pd.DataFrame, q: Questionnaire, reason: pd.Series, mark, rules: ScreeningRules) -> None:
    if not rules.duplicates:
        return
    columns = [q.enterprise_column, *q.item_ids, *[v.id for v in q.demographics if v.id in responses.columns]]
    candidates = responses.loc[reason.isna(), columns]
    answered = candidates[list(q.item_ids)].notna().sum(axis=1) > 0
    candidates = candidates[answered]
    group = candidates.groupby(columns, dropna=False, sort=False).ngroup()
    labels = pd.Series(candidates.index, index=candidates.index)
    first = labels.groupby(group).transform("first")
    dup = first != labels
    text = pd.Series("", index=responses.index, dtype=object)
    text[dup[dup].index] = [f"same answers as {responses.at[f, q.id_column]}" for f in first[dup]]
    mask = pd.Series(False, index=responses.index)
    mask[dup[dup].index] = True
    mark(mask, "duplicate", text)


def item_missingness(responses: pd.DataFrame, q: Questionnaire) -> pd.DataFrame:
    """Per item: answered, blank, don't-know (declared missing codes) and the missing share."""
    codes = responses.attrs.get("missing_codes", {})
    rows = []
    for item in q.item_ids:
        missing = int(responses[item].isna().sum())
        coded = int(sum(codes.get(item, {}).values()))
        rows.append({"item": item, "answered": len(responses) - missing, "blank": missing - coded,
                     "dont_know": coded, "missing_share": missing / len(responses) if len(responses) else np.nan})
    return pd.DataFrame(rows)


def _ledger(enterprise: pd.Series, reason: pd.Series) -> pd.DataFrame:
    table = pd.DataFrame({"enterprise_id": enterprise.to_numpy(), "reason": reason.fillna("analysed").to_numpy()})
    counts = pd.crosstab(table["enterprise_id"], table["reason"])
    for column in ["analysed", *REASONS]:
        if column not in counts:
            counts[column] = 0
    ledger = pd.DataFrame({
        "enterprise_id": counts.index.astype(str),
        "read": counts.sum(axis=1).to_numpy(),
        "analysed": counts["analysed"].to_numpy(),
        "excluded": counts[list(REASONS)].sum(axis=1).to_numpy(),
    })
    for code in REASONS:
        ledger[code] = counts[code].to_numpy()
    return ledger.reset_index(drop=True)
