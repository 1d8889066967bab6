"""What an enterprise report says: the numbers, gathered from the pipeline into one frozen object.

The notebook only calls :func:`enterprise_content` and hands the result to the renderers, so every
figure in the report is computed here, by the same public functions a statistician uses.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..exceptions import DataError, StudyError
from ..index import csi_index, item_scores
from ..pls import PLSResult, estimate
from ..reliability import htmt, reliability
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


@dataclass(frozen=True)
class StudyAnalysis:
    """The study-level work, done once per batch: screened responses (both waves) and the pooled fits.

    ``fits`` maps a pool key ("industry:water", "study" or "enterprise:W01") to its PLS fit;
    ``reliability`` and ``htmt`` hold the pool's reliability and HTMT tables.
    """

    study: Study
    current: ScreeningResult
    previous: ScreeningResult | None
    fits: Mapping[str, PLSResult]
    reliability: Mapping[str, pd.DataFrame]
    htmt: Mapping[str, pd.DataFrame]

    def save(self, path: str | Path) -> Path:
        """Pickle the analysis for the report notebooks of one batch (a cache, not an archive format)."""
        path = Path(path)
        path.write_bytes(pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL))
        return path

    @staticmethod
    def load(path: str | Path) -> StudyAnalysis:
        return pickle.loads(Path(path).read_bytes())


def analyse_study(study: Study, enterprise_ids: Iterable[str] | None = None) -> StudyAnalysis:
    """Read and screen both waves and estimate every pool the given enterprises need (default: all)."""
    current = load_responses(study)
    previous = load_responses(study, previous=True) if study.previous_wave else None
    ids = list(enterprise_ids) if enterprise_ids is not None else [e.id for e in study.enterprises]
    settings, fits = study.model, {}
    for enterprise_id in ids:
        key, rows = _pool(study, study.enterprise(enterprise_id), current.kept)
        if key not in fits and not rows.empty:
            fits[key] = estimate(settings.model, rows, scheme=settings.scheme, missing=settings.missing)
    return StudyAnalysis(study, current, previous, fits, {k: reliability(f) for k, f in fits.items()},
                         {k: htmt(f) for k, f in fits.items()})


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


def enterprise_content(study: Study | str | Path, enterprise_id: str, lang: str | None = None,
                       analysis: StudyAnalysis | str | Path | None = None) -> EnterpriseContent:
    """Compute everything the report of ``enterprise_id`` shows.

    ``analysis`` is the study-level work from :func:`analyse_study` (or the path of its saved copy);
    without it, the study is read and the enterprise's pool estimated here.
    """
    if isinstance(analysis, str | Path) and str(analysis):
        analysis = StudyAnalysis.load(analysis)
    if not isinstance(analysis, StudyAnalysis):
        study = study if isinstance(study, Study) else load_study(study)
        analysis = analyse_study(study, [enterprise_id])
    study = analysis.study
    enterprise = study.enterprise(enterprise_id)
    lang = lang or study.language
    q, settings = study.questionnaire, study.model
    current = analysis.current
    column = q.enterprise_column
    own = current.kept[current.kept[column] == enterprise.id]
    if own.empty:
        raise DataError(f"{study.path}: enterprise {enterprise.id} has no analysed respondents "
                        f"({_ledger_row(current, enterprise.id)['read']} read); nothing to report.")
    pool_key, _rows = _pool(study, enterprise, current.kept)
    fit = analysis.fits[pool_key]
    pool = pool_key.split(":")[0]
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
        previous_index=_previous_index(analysis, enterprise, fit),
        dimensions=dims, items=items, paths=paths,
        r_squared=fit.r_squared.assign(construct=fit.r_squared["construct"].map(labels)),
        reliability=analysis.reliability[pool_key].pipe(lambda t: t.assign(label=t["construct"].map(labels))),
        htmt=analysis.htmt[pool_key].pipe(lambda t: t.assign(construct_a=t["construct_a"].map(labels),
                                                             construct_b=t["construct_b"].map(labels))),
        ledger=_ledger_row(current, enterprise.id), exclusions=_exclusions(current, enterprise.id),
        missing_values=int(own[list(fit.model.items)].isna().sum().sum()),
        imputed_values=int(fit.missing["n_missing"].sum()) if settings.missing == "mean" else 0,
    )


def _pool(study: Study, enterprise: Enterprise, kept: pd.DataFrame) -> tuple[str, pd.DataFrame]:
    """The pool key and the respondents the model is estimated on, by the study's estimation setting."""
    column = study.questionnaire.enterprise_column
    settings = study.model
    if settings.estimation == "enterprise":
        return f"enterprise:{enterprise.id}", kept[kept[column] == enterprise.id]
    if settings.pool_by == "study":
        return "study", kept
    peers = [e.id for e in study.enterprises if e.industry == enterprise.industry]
    return f"industry:{enterprise.industry}", kept[kept[column].isin(peers)]


def _previous_index(analysis: StudyAnalysis, enterprise: Enterprise, fit: PLSResult) -> float | None:
    """The previous wave's index for the enterprise, with this wave's weights (so the change is comparable)."""
    if analysis.previous is None:
        return None
    previous = analysis.previous.kept
    own = previous[previous[analysis.study.questionnaire.enterprise_column] == enterprise.id]
    if own.empty:
        return None
    table = csi_index(fit, data=own).set_index("construct")
    return float(table.loc[analysis.study.model.target, "index"])


def _ledger_row(screening: ScreeningResult, enterprise_id: str) -> pd.Series:
    ledger = screening.ledger.set_index("enterprise_id")
    if enterprise_id not in ledger.index:
        return pd.Series({"read": 0, "analysed": 0, "excluded": 0})
    return ledger.loc[enterprise_id]


def _exclusions(screening: ScreeningResult, enterprise_id: str) -> pd.DataFrame:
    own = screening.excluded[screening.excluded["enterprise_id"] == enterprise_id]
    return own.groupby("reason").size().rename("count").reset_index()
