"""What an enterprise report says: the numbers, gathered from the pipeline into one frozen object.

The notebook only calls :func:`enterprise_content` and hands the result to the renderers, so every
figure in the report is computed here, by the same public functions a statistician uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..exceptions import DataError, StudyError
from ..index import csi_index, item_scores
from ..reliability import htmt, reliability
from ..pls import PLSResult, estimate
from ..schema import read_responses
from ..screening import ScreeningResult, screen
from ..study import Enterprise, Study, load_study


@dataclass(frozen=True)
class EnterpriseContent:
    """All numbers and labels of one enterprise's report, in one language."""

    study: Study
    enterprise: Enterprise
    lang: str
    pool: str                    # "industry" | "study" | "enterprise": which respondents the model saw
    fit: PLSResult
    target: str
    index: float                 # the enterprise's index on the target construct
    industry_index: float
    previous_index: float | None
    dimensions: pd.DataFrame     # construct, label, index, industry_index, negative_weights
    items: pd.DataFrame          # construct, item, text, mean, score
    paths: pd.DataFrame          # source, target, estimate (labels)
    r_squared: pd.DataFrame      # construct, r_squared
    reliability: pd.DataFrame    # construct, label, k, alpha, rho_a, rho_c, ave, *_ok (on the pool)
    htmt: pd.DataFrame           # construct_a, construct_b, htmt, htmt_ok (labels)
    ledger: pd.Series            # read, analysed, excluded, reasons…
    exclusions: pd.DataFrame     # reason, count
    missing_values: int          # item values missing among the enterprise's analysed respondents
    imputed_values: int          # values mean-imputed in the pooled estimation


def load_responses(study: Study, previous: bool = False) -> ScreeningResult:
    """Read the study's responses (or its previous wave) and screen them."""
    files = study.previous_wave if previous else study.responses
    invalid = "raise" if study.screening.out_of_range == "raise" else "flag"
    responses = read_responses(files, study.questionnaire, invalid=invalid)
    known = {e.id for e in study.enterprises}
    unknown = sorted(set(responses[study.questionnaire.enterprise_column]) - known)
    if unknown:
        raise StudyError(f"{', '.join(map(str, files))}: enterprise id(s) not in the study's enterprises file: "
                         f"{', '.join(unknown[:10])}; add them there or correct the responses.")
    return screen(responses, study.questionnaire, study.screening)


def enterprise_content(study: Study | str | Path, enterprise_id: str, lang: str | None = None) -> EnterpriseContent:
    """Compute everything the report of ``enterprise_id`` shows."""
    study = study if isinstance(study, Study) else load_study(study)
    enterprise = study.enterprise(enterprise_id)
    lang = lang or study.language
    q, settings = study.questionnaire, study.model
    current = load_responses(study)
    column = q.enterprise_column
    own = current.kept[current.kept[column] == enterprise.id]
    if own.empty:
        raise DataError(f"{study.path}: enterprise {enterprise.id} has no analysed respondents "
                        f"({_ledger_row(current, enterprise.id)['read']} read); nothing to report.")
    pool, pooled = _pool(study, enterprise, current.kept)
    fit = estimate(settings.model, pooled, scheme=settings.scheme, missing=settings.missing)
    own_index = csi_index(fit, data=own)
    pool_index = csi_index(fit)
    dims = own_index.merge(pool_index[["construct", "index"]].rename(columns={"index": "industry_index"}),
                           on="construct")
    dims.insert(1, "label", [q.construct_label(c, lang) for c in dims["construct"]])
    labels = {c: q.construct_label(c, lang) for c in settings.model.constructs}
    items = item_scores(fit, data=own)
    items.insert(2, "text", [q.item(i).text.get(lang, i) for i in items["item"]])
    paths = fit.paths.assign(source=fit.paths["source"].map(labels), target=fit.paths["target"].map(labels))
    target_row = dims.set_index("construct").loc[settings.target]
    return EnterpriseContent(
        study=study, enterprise=enterprise, lang=lang, pool=pool, fit=fit, target=settings.target,
        index=float(target_row["index"]), industry_index=float(target_row["industry_index"]),
        previous_index=_previous_index(study, enterprise, fit),
        dimensions=dims, items=items, paths=paths,
        r_squared=fit.r_squared.assign(construct=fit.r_squared["construct"].map(labels)),
        reliability=reliability(fit).pipe(lambda t: t.assign(label=t["construct"].map(labels))),
        htmt=htmt(fit).pipe(lambda t: t.assign(construct_a=t["construct_a"].map(labels),
                                               construct_b=t["construct_b"].map(labels))),
        ledger=_ledger_row(current, enterprise.id), exclusions=_exclusions(current, enterprise.id),
        missing_values=int(own[list(fit.model.items)].isna().sum().sum()),
        imputed_values=int(fit.missing["n_missing"].sum()) if settings.missing == "mean" else 0,
    )


def _pool(study: Study, enterprise: Enterprise, kept: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The respondents the model is estimated on, by the study's estimation setting."""
    column = study.questionnaire.enterprise_column
    settings = study.model
    if settings.estimation == "enterprise":
        return "enterprise", kept[kept[column] == enterprise.id]
    if settings.pool_by == "study":
        return "study", kept
    peers = [e.id for e in study.enterprises if e.industry == enterprise.industry]
    return "industry", kept[kept[column].isin(peers)]


def _previous_index(study: Study, enterprise: Enterprise, fit: PLSResult) -> float | None:
    """The previous wave's index for the enterprise, with this wave's weights (so the change is comparable)."""
    if not study.previous_wave:
        return None
    previous = load_responses(study, previous=True).kept
    own = previous[previous[study.questionnaire.enterprise_column] == enterprise.id]
    if own.empty:
        return None
    table = csi_index(fit, data=own).set_index("construct")
    return float(table.loc[study.model.target, "index"])


def _ledger_row(screening: ScreeningResult, enterprise_id: str) -> pd.Series:
    ledger = screening.ledger.set_index("enterprise_id")
    if enterprise_id not in ledger.index:
        return pd.Series({"read": 0, "analysed": 0, "excluded": 0})
    return ledger.loc[enterprise_id]


def _exclusions(screening: ScreeningResult, enterprise_id: str) -> pd.DataFrame:
    own = screening.excluded[screening.excluded["enterprise_id"] == enterprise_id]
    return own.groupby("reason").size().rename("count").reset_index()
