"""Dissatisfaction analysis: satisfied / acceptable / dissatisfied rates, drivers, complaints.

* Rates per item: an answer x is *satisfied* when x ≥ ``satisfied_min``, *dissatisfied* when
  x ≤ ``dissatisfied_max``, else *acceptable* (defaults 8 and 5 on a 1–10 scale). Per construct
  the respondent's mean over the construct's answered items is classified the same way.
  CIs: without weights the Wilson score interval (Wilson 1927; statsmodels
  ``proportion_confint(method="wilson")``, as R ``prop.test(correct=FALSE)``); with weights the
  design-based linearization of :func:`csi.svy_proportion` (Wald interval, as R survey ``svymean``).
  For a construct declared lower-is-better (a higher score is worse) the classes are mirrored on the
  item scale: *satisfied* is the favourable, low end (x ≤ min + max − ``satisfied_min``),
  *dissatisfied* the high end (x ≥ min + max − ``dissatisfied_max``).
* Drivers: items ranked by ``dissatisfied rate × importance`` (importance = the item's share of
  its construct's total effect on the target, as in IPMA: Ringle & Sarstedt 2016).
* Complaints: incidence (share of respondents with a non-empty complaint text), handling
  satisfaction among complainants, categories from a keyword dictionary per language (TOML,
  extendable), and anonymised verbatims (phones, ID and card numbers, e-mails, name patterns masked).
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from csi._api import check_level, check_number, check_option, parameter_error, public
from csi._data import case_weights, declared_scales, scale_bounds
from csi._validation import LANGUAGES, suggest
from csi.exceptions import DataError, StudyError
from csi.indices._index import _fit_lower_set, _lower_set, item_weights
from csi.survey import svy_proportion

__all__ = ["KeywordDictionary", "anonymise", "categorize_complaints", "complaint_summary", "dissatisfaction_drivers",
           "example_verbatims", "item_importance", "load_keywords", "satisfaction_rates", "wilson_interval"]

CATEGORIES = ("satisfied", "acceptable", "dissatisfied")


def wilson_interval(successes: Any, n: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion (Wilson 1927, JASA 22, 209-212).

    Computed by statsmodels ``proportion_confint(method="wilson")`` (as R ``prop.test(correct=FALSE)``),
    for counts and sample sizes (scalars or arrays) of unweighted data; weighted rates use the design-based
    linearization of :func:`csi.svy_proportion` instead. NaN where ``n`` is 0.
    """
    x, n = np.broadcast_arrays(np.asarray(successes, float), np.asarray(n, float))
    lo, hi = np.full(x.shape, np.nan), np.full(x.shape, np.nan)
    ok = n > 0
    if ok.any():
        lo[ok], hi[ok] = proportion_confint(x[ok], n[ok], alpha=1.0 - level, method="wilson")
    return lo, hi


def _classes(x: np.ndarray, satisfied_min: float, dissatisfied_max: float) -> dict[str, np.ndarray]:
    """0/1 indicators (NaN where x is missing) of the three classes."""
    miss = np.isnan(x)
    out = {"satisfied": x >= satisfied_min, "dissatisfied": x <= dissatisfied_max}
    out["acceptable"] = ~out["satisfied"] & ~out["dissatisfied"]
    return {k: np.where(miss, np.nan, v.astype(float)) for k, v in out.items()}


@public(subjects=2)
def satisfaction_rates(data: pd.DataFrame, constructs: Mapping[str, Sequence[str]], *,
                       satisfied_min: float = 8, dissatisfied_max: float = 5, weights: Any = None,
                       level: float = 0.95, lower_is_better: Sequence[str] = (),
                       scale: tuple[float, float] | None = None) -> pd.DataFrame:
    """Satisfied / acceptable / dissatisfied rates per item and per construct, with CIs.

    Parameters
    ----------
    data : responses (missing answers NaN, reverse items already recoded).
    constructs : construct -> its items, e.g. ``{c: fit.model.blocks[c] ...}``.
    satisfied_min, dissatisfied_max : class thresholds on the item scale (defaults for 1–10), for
        constructs where a higher score is better.
    weights : None (Wilson CIs) or case weights for :func:`csi.svy_proportion` (linearization).
    lower_is_better : constructs where a higher score is worse (e.g. ``fit.model.lower_is_better``).
        Their answers are mirrored on the item scale, x → min + max − x, before classifying: *satisfied*
        is then x ≤ min + max − ``satisfied_min`` (the favourable, low end) and *dissatisfied*
        x ≥ min + max − ``dissatisfied_max``. The construct's mean answer is classified the same way.
    scale : (min, max), optional
        The item scale for the mirroring; default the declared scales in ``data.attrs["scales"]``
        (from the questionnaire). Only needed with ``lower_is_better``.

    Returns
    -------
    DataFrame ``level, construct, item, category, rate, ci_low, ci_high, n, n_missing, method``;
    ``level`` is "item" or "construct" (then ``item`` is empty).
    """
    check_number("satisfaction_rates", "satisfied_min", satisfied_min)
    check_number("satisfaction_rates", "dissatisfied_max", dissatisfied_max)
    check_level("satisfaction_rates", level)
    if not dissatisfied_max < satisfied_min:
        raise parameter_error("satisfaction_rates", "dissatisfied_max", dissatisfied_max,
                              f"it must be below satisfied_min={satisfied_min:g}")
    lower = _lower_set(lower_is_better, list(constructs), "satisfaction_rates")
    if weights is not None:  # resolve a column name once, before the class indicators lose the column
        weights = case_weights(data, weights, what="satisfaction_rates")
    scores = []  # (level, construct, item, answers): each item, then the construct's mean answer
    for construct, items in constructs.items():
        items = tuple(items)
        absent = [i for i in items if i not in data.columns]
        if absent:
            raise DataError(f"satisfaction_rates: item(s) {', '.join(absent)} of {construct!r} not in the data"
                            f"{suggest(absent[0], data.columns)}.")
        block = data[list(items)].apply(pd.to_numeric, errors="raise").to_numpy(float)
        if construct in lower:  # read on the mirrored scale: a low answer is the favourable one
            lo, hi = scale_bounds(declared_scales(data.attrs.get("scales") or {}, items), items, scale)
            block = lo + hi - block
        scores += [("item", construct, item, block[:, j]) for j, item in enumerate(items)]
        answered = ~np.isnan(block)
        with np.errstate(invalid="ignore"):
            mean = np.where(answered.any(axis=1), np.nansum(block, axis=1) / answered.sum(axis=1), np.nan)
        scores.append(("construct", construct, "", mean))
    classes = [_classes(x, satisfied_min, dissatisfied_max) for *_, x in scores]
    if weights is None:
        estimates = [_wilson(c, level) for c in classes]
    else:  # one design, every indicator at once
        frame = pd.DataFrame({f"{i}:{k}": c[k] for i, c in enumerate(classes) for k in CATEGORIES}, index=data.index)
        table = svy_proportion(frame, list(frame.columns), weights=weights, level=level)  # rows in column order
        rows = list(zip(table["estimate"], table["ci_low"], table["ci_high"], table["n"], table["n_missing"]))
        k = len(CATEGORIES)
        estimates = [rows[k * i:k * (i + 1)] for i in range(len(classes))]
    method = "wilson" if weights is None else "linearization"
    return pd.DataFrame([{"level": kind, "construct": construct, "item": item, "category": k, "rate": rate,
                          "ci_low": lo, "ci_high": hi, "n": n, "n_missing": missing, "method": method}
                         for (kind, construct, item, _), rows in zip(scores, estimates)
                         for k, (rate, lo, hi, n, missing) in zip(CATEGORIES, rows)])


def _wilson(classes: dict[str, np.ndarray], level: float) -> list[tuple]:
    """Rate, Wilson CI, n and missing count of each class (unweighted)."""
    ok = ~np.isnan(classes["satisfied"])
    n = int(ok.sum())
    out = []
    for k in CATEGORIES:
        count = float(np.nansum(classes[k]))
        lo, hi = wilson_interval(count, n, level) if n else (np.nan, np.nan)
        out.append((count / n if n else np.nan, float(lo), float(hi), n, int((~ok).sum())))
    return out


def dissatisfaction_drivers(rates: pd.DataFrame, importance: pd.DataFrame, top: int | None = 5) -> pd.DataFrame:
    """Items that drive dissatisfaction: high dissatisfied rate and high importance.

    Parameters
    ----------
    rates : from :func:`satisfaction_rates`.
    importance : ``item, importance`` (e.g. from :func:`item_importance`).
    top : keep this many (None = all).

    Returns
    -------
    DataFrame ``construct, item, dissatisfied, importance, priority, driver`` sorted by
    ``priority = dissatisfied × importance``; ``driver`` is True when both the rate and the
    importance are at or above their medians over the items.
    """
    d = rates[(rates["level"] == "item") & (rates["category"] == "dissatisfied")]
    d = d[["construct", "item", "rate", "ci_low", "ci_high"]].rename(columns={"rate": "dissatisfied"})
    table = d.merge(importance[["item", "importance"]], on="item", how="inner")
    if table.empty:
        raise DataError("dissatisfaction_drivers: no item has both a dissatisfied rate and an importance.")
    table["priority"] = table["dissatisfied"] * table["importance"]
    table["driver"] = (table["dissatisfied"] >= table["dissatisfied"].median()) & \
        (table["importance"] >= table["importance"].median())
    table = table.sort_values(["priority", "item"], ascending=[False, True], kind="mergesort").reset_index(drop=True)
    return table if top is None else table.head(top)


def item_importance(fit: Any, target: str, *, lower_is_better: Sequence[str] | None = None) -> pd.DataFrame:
    """Item importance for ``target``: normalised index weight (:func:`csi.indices.item_weights`) × the
    construct's total effect on ``target``.

    The IPMA item-level importance (Ringle & Sarstedt 2016, Industrial Management & Data Systems
    116(9)); the target's own items get their weight × 1. Direction as in
    :func:`~csi.indices.importance_performance`: the effect of a lower-is-better construct (or on a
    lower-is-better target) changes sign, so that importance is the gain in the target's favourable
    direction per favourable point of the item. ``lower_is_better``: default (None) the model's.
    """
    lower = _fit_lower_set(fit, lower_is_better, "item_importance")
    effects = fit.effects()
    total = effects[effects["target"] == target].set_index("source")["total"].to_dict()
    total[target] = 1.0
    flip = -1.0 if target in lower else 1.0
    weights = item_weights(fit)
    weights = weights[weights["construct"].isin(total)]
    sign = np.where(weights["construct"].isin(lower), -flip, flip)
    return pd.DataFrame({"construct": weights["construct"], "item": weights["item"],
                         "importance": weights["item_weight"] * weights["construct"].map(total) * sign
                         }).reset_index(drop=True)


# ------------------------------------------------------------------ complaints


@dataclass(frozen=True)
class KeywordDictionary:
    """Complaint categories: id -> labels by language and keywords by language."""

    labels: dict[str, dict[str, str]]
    keywords: dict[str, dict[str, tuple[str, ...]]]

    def extend(self, other: KeywordDictionary) -> KeywordDictionary:
        """A new dictionary with ``other``'s categories added and its keywords appended to shared ones."""
        labels = {**self.labels, **{k: {**self.labels.get(k, {}), **v} for k, v in other.labels.items()}}
        keywords = {k: dict(v) for k, v in self.keywords.items()}
        for cat, by_lang in other.keywords.items():
            mine = keywords.setdefault(cat, {})
            for lang, words in by_lang.items():
                mine[lang] = tuple(dict.fromkeys(mine.get(lang, ()) + words))
        return KeywordDictionary(labels, keywords)


@public(subjects=1)
def load_keywords(path: str | Path) -> KeywordDictionary:
    """Read a keyword dictionary: ``[categories.<id>]`` with ``label = {zh, en}`` and a keyword list per language."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise StudyError(f"{path}: could not read the keyword dictionary: {exc}") from None
    if set(raw) - {"categories"} or not isinstance(raw.get("categories"), dict):
        raise StudyError(f"{path}: expected only [categories.<id>] tables (found {', '.join(raw) or 'nothing'}).")
    labels, keywords = {}, {}
    for cat, table in raw["categories"].items():
        if not isinstance(table, dict) or not isinstance(table.get("label"), dict):
            raise StudyError(f"{path}: [categories.{cat}] needs label = {{ zh = \"…\", en = \"…\" }}.")
        labels[cat] = dict(table["label"])
        words = {k: v for k, v in table.items() if k != "label"}
        for lang, values in words.items():
            if lang not in LANGUAGES or not isinstance(values, list) or not all(isinstance(w, str) and w
                                                                                   for w in values):
                raise StudyError(f"{path}: [categories.{cat}].{lang}: expected a keyword list per language "
                                 f"({', '.join(LANGUAGES)}), e.g. zh = [\"…\"]{suggest(lang, LANGUAGES)}.")
        keywords[cat] = {lang: tuple(v) for lang, v in words.items()}
    return KeywordDictionary(labels, keywords)


@functools.lru_cache(maxsize=1024)
def _matcher(words: Sequence[str], lang: str) -> re.Pattern | None:
    if not words:
        return None
    parts = [re.escape(w.lower()) for w in words]
    if lang == "en":  # word starts, so "fee" matches "fees" but not "coffee"
        return re.compile(r"\b(?:" + "|".join(parts) + ")")
    return re.compile("|".join(parts))


def categorize_complaints(texts: pd.Series, dictionary: KeywordDictionary) -> pd.DataFrame:
    """One 0/1 column per category (a text can fall in several) plus ``other`` for texts none matched.

    Matching is case-insensitive substring for Chinese and word-start for English keywords;
    every language's keywords are tried on every text. Empty texts give all zeros.
    """
    text = texts.fillna("").astype(str).str.lower().tolist()
    out = {}
    for cat, by_lang in dictionary.keywords.items():
        patterns = [p for p in (_matcher(words, lang) for lang, words in by_lang.items()) if p is not None]
        out[cat] = np.array([any(p.search(t) for p in patterns) for t in text], dtype=int)  # plain re: short texts
    frame = pd.DataFrame(out, index=texts.index)
    has_text = np.array([t.strip() != "" for t in text], dtype=bool)
    frame["other"] = (has_text & (frame.sum(axis=1) == 0)).astype(int)
    return frame


@public(subjects=2)
def complaint_summary(data: pd.DataFrame, dictionary: KeywordDictionary, *, text: str = "complaint_text",
                      handling_item: str | None = None, satisfied_min: float = 8,
                      level: float = 0.95) -> dict[str, pd.DataFrame]:
    """Complaint incidence, handling satisfaction and categories.

    Returns
    -------
    dict with ``incidence`` (n, complaints, rate, ci_low, ci_high, method = wilson),
    ``handling`` (group = complainants / all, n, satisfied, rate, ci_low, ci_high; only with
    ``handling_item``) and ``categories`` (category, label_zh, label_en, complaints, share_of_complaints,
    share_of_respondents), sorted by complaints.
    """
    check_number("complaint_summary", "satisfied_min", satisfied_min)
    check_level("complaint_summary", level)
    if text not in data.columns:
        raise DataError(f"complaint_summary: no column {text!r}{suggest(text, data.columns)}.")
    has = data[text].fillna("").astype(str).str.strip() != ""
    n, k = len(data), int(has.sum())
    lo, hi = wilson_interval(k, n, level)
    incidence = pd.DataFrame([{"n": n, "complaints": k, "rate": k / n if n else np.nan, "ci_low": float(lo),
                               "ci_high": float(hi), "method": "wilson"}])
    cats = categorize_complaints(data.loc[has, text], dictionary)
    counts = cats.sum(axis=0)
    labels = {**dictionary.labels, "other": {"zh": "其他", "en": "Other"}}
    categories = pd.DataFrame({"category": counts.index, "label_zh": [labels[c].get("zh", c) for c in counts.index],
                               "label_en": [labels[c].get("en", c) for c in counts.index],
                               "complaints": counts.to_numpy(int)})
    categories["share_of_complaints"] = categories["complaints"] / k if k else np.nan
    categories["share_of_respondents"] = categories["complaints"] / n if n else np.nan
    categories = categories.sort_values(["complaints", "category"], ascending=[False, True], kind="mergesort")
    out = {"incidence": incidence, "categories": categories.reset_index(drop=True)}
    if handling_item is not None:
        out["handling"] = _handling(data, has, handling_item, satisfied_min, level)
    return out


def _handling(data: pd.DataFrame, has: pd.Series, item: str, smin: float, level: float) -> pd.DataFrame:
    if item not in data.columns:
        raise DataError(f"complaint_summary: handling item {item!r} not in the data{suggest(item, data.columns)}.")
    x = pd.to_numeric(data[item], errors="raise")
    rows = []
    for group, mask in (("complainants", has), ("all", pd.Series(True, index=data.index))):
        v = x[mask].dropna()
        s = int((v >= smin).sum())
        lo, hi = wilson_interval(s, len(v), level) if len(v) else (np.nan, np.nan)
        rows.append({"group": group, "item": item, "n": len(v), "n_missing": int(mask.sum() - len(v)),
                     "satisfied": s, "rate": s / len(v) if len(v) else np.nan, "ci_low": float(lo),
                     "ci_high": float(hi), "method": "wilson"})
    return pd.DataFrame(rows)


# ------------------------------------------------------------------ anonymised verbatims

_MASKS = [  # order matters: e-mails and long digit runs before shorter patterns
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
    ("id", re.compile(r"(?<![\d])\d{17}[\dXx](?![\d])|(?<![\d])\d{15}(?![\d])")),  # resident ID, 18 or 15 digits
    ("id", re.compile(r"(?<![\d])(?:\d[ -]?){16,19}(?![\d])")),                    # bank card numbers
    ("phone", re.compile(r"(?<![\d])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![\d])")),  # mainland mobiles
    ("phone", re.compile(r"(?<![\d])(?:\(?0\d{2,3}\)?[ -]?)?\d{7,8}(?![\d])")),  # landlines
    ("phone", re.compile(r"\+\d{1,3}[ -]?\d{2,4}(?:[ -]?\d{3,4}){2}")),          # other international
    ("name", re.compile(r"(?:Mr|Mrs|Ms|Miss|Dr)\.?\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?")),
    ("name", re.compile(r"(?<=姓)[\u4e00-\u9fff]|[\u4e00-\u9fff](?=(?:先生|女士|小姐|师傅|经理|主任|老师))")),
    ("id", re.compile(r"(?<=工号)\s*[:：]?\s*[A-Za-z]?\d{3,}|(?<=No\.)\s*[A-Za-z]?\d{3,}", re.IGNORECASE)),
]
_TOKENS = {"zh": {"email": "【邮箱】", "id": "【证件号】", "phone": "【电话】", "name": "某"},
           "en": {"email": "[e-mail]", "id": "[ID]", "phone": "[phone]", "name": "[name]"}}


@public(subjects=1)
def anonymise(text: str, *, lang: str = "zh") -> str:
    """Mask e-mail addresses, ID/card numbers, phone numbers and name patterns in a verbatim.

    Names: Chinese surname + title (张先生 → 某先生), the character after 姓, and English titles
    with a capitalised name (Mr. Smith → [name]). Staff numbers after 工号/No. are masked too.
    Pattern-based masking cannot catch every personal detail; a person still reviews verbatims.
    """
    check_option("anonymise", "lang", lang, LANGUAGES)
    tokens = _TOKENS[lang]
    for kind, pattern in _MASKS:
        text = pattern.sub(tokens[kind], text)
    return text


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def text_language(text: str) -> str:
    """"zh" for a text with Chinese characters, else "en" (masks and labels follow the text, not the report)."""
    return "zh" if _CJK.search(text) else "en"


def example_verbatims(data: pd.DataFrame, dictionary: KeywordDictionary, *, text: str = "complaint_text",
                      per_category: int = 2, lang: str = "zh", seed: int | None = None) -> pd.DataFrame:
    """Anonymised example complaints per category: ``category, label, text`` (``label`` in ``lang``; each text
    masked in its own language, :func:`text_language`).

    With ``seed=None`` the first texts in file order are shown, else a seeded random choice.
    """
    has = data[text].fillna("").astype(str).str.strip() != ""
    texts = data.loc[has, text].astype(str)
    cats = categorize_complaints(texts, dictionary)
    rng = None if seed is None else np.random.default_rng(seed)
    labels = {**dictionary.labels, "other": {"zh": "其他", "en": "Other"}}
    rows = []
    for cat in cats.columns:
        pool = texts[cats[cat] == 1]
        if pool.empty:
            continue
        pick = pool.iloc[:per_category] if rng is None else \
            pool.iloc[np.sort(rng.choice(len(pool), min(per_category, len(pool)), replace=False))]
        rows += [{"category": cat, "label": labels[cat].get(lang, cat), "text": anonymise(t, lang=text_language(t))}
                 for t in pick]
    return pd.DataFrame(rows, columns=["category", "label", "text"])
