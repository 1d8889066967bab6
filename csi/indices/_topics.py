"""Complaint topics: what complaint texts are about, found in the texts themselves rather than in a keyword list.

* Words: Chinese texts are segmented by jieba (its default dictionary, HMM for unknown words; the keyword
  dictionary's terms may be added as user words so they stay whole); other texts by scikit-learn's word
  tokenizer (``\\b\\w\\w+\\b``). Every text is anonymised first (:func:`~csi.indices.anonymise`, masks
  removed), so no phone number or name becomes a term. Tokens are lower-cased; punctuation, digits, single
  Latin letters, the Chinese stop words shipped in ``data/stopwords_zh.txt`` and scikit-learn's English stop
  words are dropped.
* Weights: TF-IDF as scikit-learn's ``TfidfVectorizer`` defaults compute it: tf = the count of the term in the
  text, idf = ln((1 + n) / (1 + df)) + 1, each text's row scaled to unit Euclidean length.
* Topics: non-negative matrix factorisation X ≈ WH minimising ½‖X − WH‖²_F (Lee & Seung 1999, Nature 401,
  788–791), scikit-learn's ``NMF`` (coordinate descent, NNDSVDa start, whose randomized SVD takes its
  random state from ``seed``): deterministic for a fixed seed. A text's topic is its largest entry of W;
  its share is that entry over the row's sum; a term's weight in a topic is its entry of H over the row's
  sum.

Methods page: docs/methods/complaint-topics.md.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import logging
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from csi._api import SEED, check_int, check_option, check_seed, parameter_error, public
from csi._display import Card, Display, Summary, number
from csi._validation import LANGUAGES
from csi.exceptions import DataError
from csi.indices._dissatisfaction import _TOKENS, KeywordDictionary, anonymise, text_language

__all__ = ["TopicResult", "complaint_topics"]

LABEL_TERMS = 3  # terms in a topic's label
_LETTER = re.compile(r"[^\W\d_]")  # a letter of any script: tokens without one are punctuation, spaces or digits
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SEPARATOR = {"zh": "、", "en": ", "}
# What anonymise() puts in place of a detail; removed before segmenting, or 【电话】 would count as the word 电话.
# The name mask 某 is a stop word and stays.
_MASKS = tuple(sorted({m for tokens in _TOKENS.values() for m in tokens.values() if m != "某"}, key=len, reverse=True))


@dataclass(frozen=True, eq=False, repr=False)
class TopicResult(Display):
    """Topics of complaint texts (see :func:`complaint_topics`).

    Attributes
    ----------
    topics : DataFrame ``topic, rank, term, weight``: each topic's top terms; ``weight`` is the term's share of
        the topic's term weights (a topic's weights over all terms add up to 1).
    documents : DataFrame ``<the input's index>, topic, share``: each text modelled, its topic (the largest) and
        that topic's share of the text's topic weights. The first column is named after the input's index
        (``document`` when it has no name).
    sizes : DataFrame ``topic, n, share, label``: texts per topic, their share of the texts modelled, and the
        topic's top terms joined. Topics are numbered from 1 by size.
    examples : DataFrame ``topic, text, share``: representative verbatims, the texts with the highest share of
        their topic (anonymised, each in its own language; texts with the same terms shown once).
    n_topics, n_documents, n_skipped : topics found; texts modelled; texts left out (blank, or no word left).
    lang, seed : the call's options.
    notes : what a reader should know (fewer topics than asked, texts left out, no convergence).
    """

    topics: pd.DataFrame
    documents: pd.DataFrame
    sizes: pd.DataFrame
    examples: pd.DataFrame
    n_topics: int
    n_documents: int
    n_skipped: int
    lang: str
    seed: int | None
    notes: tuple[str, ...] = ()

    def _card(self) -> Card:
        facts = [(f"topic {row.topic}", f"{number(100 * row.share, 0)}% ({row.n:,}): {row.label}")
                 for row in self.sizes.itertuples()]
        facts += [("note", note) for note in self.notes]
        seed = "fresh entropy" if self.seed is None else f"seed {self.seed}"
        return Card("TopicResult", f"{self.n_topics} topics in {self.n_documents:,} complaint texts "
                    f"(TF-IDF + NMF, {seed}; {self.n_skipped:,} skipped)", facts,
                    [("sizes", self.sizes), ("examples", self.examples)],
                    (".sizes", ".topics", ".documents", ".examples", ".summary()"))

    def summary(self) -> Summary:
        """Topic sizes with labels, every topic's top terms and the example verbatims."""
        return self._card().summary({"sizes": self.sizes, "topics": self.topics, "examples": self.examples},
                                    [f"texts modelled: {self.n_documents:,}; skipped: {self.n_skipped:,}"])


@public(subjects=1)
def complaint_topics(texts: Any, *, lang: str = "zh", n_topics: int = 8, seed: int | None = SEED,
                     top_terms: int = 8, examples: int = 2, keywords: KeywordDictionary | Sequence[str] | None = None,
                     max_iter: int = 1000) -> TopicResult:
    """Topics of complaint texts by TF-IDF and non-negative matrix factorisation, with representative verbatims.

    Parameters
    ----------
    texts : Series (or list) of str
        The complaint texts, e.g. ``responses.set_index("respondent_id")["complaint_text"]``; missing and blank
        texts are skipped and counted. The index names the texts in ``documents``.
    lang : "zh" or "en"
        The texts' language: "zh" segments every text with jieba (Latin words in it stay words); "en" uses
        scikit-learn's word tokenizer, except for texts with Chinese characters, which jieba segments.
    n_topics : topics to find; fewer when there are fewer texts or distinct terms (said in ``notes``).
    seed : the random state of NMF's start (1: reproducible; None: fresh entropy).
    top_terms : terms listed per topic. examples : verbatims per topic.
    keywords : a :class:`~csi.indices.KeywordDictionary` or words that jieba keeps whole (terms without spaces).
    max_iter : NMF's iteration limit; stopping there without converging is said in ``notes``.

    Returns
    -------
    TopicResult
    """
    func = "complaint_topics"
    check_option(func, "lang", lang, LANGUAGES)
    check_int(func, "n_topics", n_topics, 1, what="topics")
    check_seed(func, seed)
    check_int(func, "top_terms", top_terms, 1, what="terms per topic")
    check_int(func, "examples", examples, 0, what="verbatims per topic")
    check_int(func, "max_iter", max_iter, 1, what="NMF iterations")
    words = _user_words(keywords)
    series = _as_series(texts)

    present = series.map(lambda v: isinstance(v, str) and v.strip() != "")
    n_blank = int((~present).sum())
    kept = series[present]
    shown = [anonymise(t, lang=text_language(t)) for t in kept]
    tokens = [_tokens(t, lang, words) for t in shown]
    has_terms = np.array([bool(t) for t in tokens], dtype=bool)
    n_wordless = int((~has_terms).sum())
    notes = []
    if n_blank:
        notes.append(f"{n_blank:,} blank or missing text(s) skipped")
    if n_wordless:
        notes.append(f"{n_wordless:,} text(s) with only stop words, punctuation or digits skipped")
    if not has_terms.any():
        raise DataError(f"{func}: none of the {len(series):,} texts has a word to model ({n_blank:,} blank or "
                        f"missing, {n_wordless:,} with only stop words, punctuation or digits).")
    index = kept.index[has_terms]
    shown = [s for s, ok in zip(shown, has_terms) if ok]
    tokens = [t for t in tokens if t]

    from sklearn.decomposition import NMF  # loaded on first use: `import csi` stays light
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer=_identity)  # tokens are ready: the analyzer passes them through
    x = vectorizer.fit_transform(tokens)
    terms = vectorizer.get_feature_names_out()
    k = min(n_topics, x.shape[0], x.shape[1])
    if k < n_topics:
        notes.append(f"{k} topic(s) instead of {n_topics}: only {x.shape[0]:,} text(s) and {x.shape[1]:,} "
                     "distinct term(s) to model")
    state = int(np.random.default_rng(seed).integers(2**31 - 1))  # any seed, or None, as a valid random_state
    nmf = NMF(n_components=k, init="nndsvda", solver="cd", beta_loss="frobenius", max_iter=max_iter,
              random_state=state)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        w = nmf.fit_transform(x)
    if any(issubclass(c.category, ConvergenceWarning) for c in caught):
        notes.append(f"NMF stopped at max_iter={max_iter} before converging (tol {nmf.tol:g})")
    for c in caught:  # anything else is not ours to hide
        if not issubclass(c.category, ConvergenceWarning):
            warnings.warn_explicit(c.message, c.category, c.filename, c.lineno)
    h = nmf.components_

    total = w.sum(axis=1)
    assigned = total > 0
    if not assigned.all():
        notes.append(f"{int((~assigned).sum()):,} text(s) load on no topic (left out of documents)")
    share = np.divide(w, total[:, None], out=np.zeros_like(w), where=total[:, None] > 0)
    main = np.where(assigned, w.argmax(axis=1), -1)
    counts = np.bincount(main[assigned], minlength=k)
    order = np.lexsort((np.arange(k), -counts))  # largest first; ties in component order
    number_of = np.empty(k, dtype=int)
    number_of[order] = np.arange(1, k + 1)

    topic_rows, labels = [], {}
    for c in order:
        weights = h[c] / h[c].sum() if h[c].sum() > 0 else h[c]
        top = [j for j in np.argsort(-weights, kind="stable")[:top_terms] if weights[j] > 0]  # ties: vocabulary order
        labels[c] = _SEPARATOR[lang].join(terms[j] for j in top[:LABEL_TERMS])
        topic_rows += [{"topic": int(number_of[c]), "rank": r, "term": str(terms[j]), "weight": float(weights[j])}
                       for r, j in enumerate(top, start=1)]
    n_assigned = int(assigned.sum())
    sizes = pd.DataFrame([{"topic": int(number_of[c]), "n": int(counts[c]),
                           "share": counts[c] / n_assigned if n_assigned else np.nan, "label": labels[c]}
                          for c in order], columns=["topic", "n", "share", "label"])
    name = index.name if isinstance(index.name, str) and index.name not in ("topic", "share") else "document"
    rows = np.flatnonzero(assigned)
    documents = pd.DataFrame({name: index[rows], "topic": number_of[main[rows]],
                              "share": share[rows, main[rows]]})
    example_rows = []
    for c in order:
        mine = rows[main[rows] == c]
        best = mine[np.lexsort((mine, -w[mine, c], -share[mine, c]))]  # highest share, then loading, then file order
        seen: set[tuple[str, ...]] = set()
        for i in best:
            if len(seen) == examples:
                break
            if tuple(tokens[i]) not in seen:  # texts differing only in punctuation or stop words are one verbatim
                seen.add(tuple(tokens[i]))
                example_rows.append({"topic": int(number_of[c]), "text": shown[i], "share": float(share[i, c])})
    return TopicResult(topics=pd.DataFrame(topic_rows, columns=["topic", "rank", "term", "weight"]),
                       documents=documents, sizes=sizes,
                       examples=pd.DataFrame(example_rows, columns=["topic", "text", "share"]),
                       n_topics=k, n_documents=len(tokens), n_skipped=n_blank + n_wordless, lang=lang, seed=seed,
                       notes=tuple(notes))


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _as_series(texts: Any) -> pd.Series:
    """The texts as a Series (its own index kept); anything but strings and missing values is a DataError."""
    if isinstance(texts, pd.DataFrame):
        raise DataError(f"complaint_topics: texts is a table of {texts.shape[1]} column(s); give one column of "
                        "texts, e.g. responses['complaint_text'].")
    if isinstance(texts, str | bytes) or not isinstance(texts, pd.Series | pd.Index | np.ndarray | list | tuple):
        raise DataError(f"complaint_topics: texts must be a Series or list of texts, not {type(texts).__name__}.")
    series = texts if isinstance(texts, pd.Series) else pd.Series(list(texts), dtype=object)
    bad = series[~series.map(lambda v: isinstance(v, str)) & series.notna()]
    if len(bad):
        where = ", ".join(f"{k!r} ({v!r})" for k, v in list(bad.items())[:3])
        raise DataError(f"complaint_topics: texts must be strings or missing; {len(bad):,} are not, at index "
                        f"{where}{', …' if len(bad) > 3 else ''}.")
    return series


def _user_words(keywords: Any) -> tuple[str, ...]:
    """Words jieba keeps whole: a dictionary's keywords (every language) or a list; none with spaces."""
    if keywords is None:
        return ()
    if isinstance(keywords, KeywordDictionary):
        words = [w for by_lang in keywords.keywords.values() for ws in by_lang.values() for w in ws]
    elif isinstance(keywords, Sequence) and not isinstance(keywords, str) and all(isinstance(w, str) for w in keywords):
        words = list(keywords)
    else:
        raise parameter_error("complaint_topics", "keywords", keywords,
                              "give a KeywordDictionary (csi.load_keywords), a list of words or None")
    return tuple(sorted({w.strip().lower() for w in words if w.strip() and not any(c.isspace() for c in w.strip())}))


def _tokens(text: str, lang: str, words: tuple[str, ...]) -> list[str]:
    """The text's terms: segmented, masks removed, lower-cased, without stop words, punctuation and digits."""
    for mask in _MASKS:
        text = text.replace(mask, " ")
    if lang == "zh" or _CJK.search(text):
        tokens = _segmenter(words).lcut(text.lower())
    else:
        tokens = _english_tokenizer()(text.lower())
    stop = _stop_words()
    return [t for t in (t.strip() for t in tokens)
            if _LETTER.search(t) and t not in stop and not (len(t) == 1 and t.isascii())]


@functools.lru_cache(maxsize=4)
def _segmenter(words: tuple[str, ...]) -> Any:
    """A jieba tokenizer of its own (user words never reach jieba's shared one), kept for the next call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # jieba 0.42 imports pkg_resources and has regexes Python warns about
        import jieba
    tokenizer = jieba.Tokenizer()
    # jieba caches its parsed dictionary; by default in the temporary folder, which csi leaves as it found it
    tokenizer.tmp_dir = str(_cache_folder())
    level = jieba.default_logger.level
    jieba.setLogLevel(logging.WARNING)  # loading its dictionary logs four lines to stderr
    try:
        tokenizer.initialize()
    finally:
        jieba.setLogLevel(level)
    for word in words:
        tokenizer.add_word(word)
    return tokenizer


def _cache_folder() -> Path:
    """csi's own cache folder (``$XDG_CACHE_HOME/csi``, else ``~/.cache/csi``); jieba writes nothing, and says
    nothing, where it cannot be made."""
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "csi"
    with contextlib.suppress(OSError):
        folder.mkdir(parents=True, exist_ok=True)
    return folder


@functools.cache
def _english_tokenizer() -> Any:
    from sklearn.feature_extraction.text import CountVectorizer

    return CountVectorizer().build_tokenizer()


@functools.cache
def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    text = importlib.resources.files("csi.indices").joinpath("data", "stopwords_zh.txt").read_text(encoding="utf-8")
    chinese = {line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")}
    return frozenset(chinese | ENGLISH_STOP_WORDS)
