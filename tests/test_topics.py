"""Complaint topics (csi.indices._topics): planted topics recovered in Chinese, English and mixed texts; output stable
for a fixed seed; verbatims anonymised; blank, wordless and too few texts; jieba keeps dictionary terms whole; the
demo study's complaints give sensible Chinese terms."""

from __future__ import annotations

import dataclasses
import importlib.resources
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import csi
from csi.indices._topics import _tokens

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"

PLANTED = {
    "zh": {"billing": ["账单", "扣费", "发票", "多收", "退款", "收费"],
           "network": ["断网", "网速慢", "掉线", "宽带", "路由器", "网络故障"],
           "staff": ["不耐烦", "冷漠", "推诿", "工作人员", "服务员", "敷衍"]},
    "en": {"billing": ["bill", "overcharged", "refund", "invoice", "fee", "charge"],
           "network": ["outage", "signal", "internet", "connection", "dropped", "router"],
           "staff": ["rude", "staff", "attitude", "unhelpful", "impolite", "manager"]},
}
FILLER = {"zh": ["我觉得", "真的", "希望尽快改进", "非常", "已经"], "en": ["the", "was", "very", "really", "again"]}


def corpus(lang: str, per_topic: int = 40, seed: int = 7) -> pd.DataFrame:
    """Texts of three planted topics: each a few words of one topic's vocabulary among stop-word filler."""
    rng = np.random.default_rng(seed)
    rows = []
    for topic, words in PLANTED[lang].items():
        for _ in range(per_topic):
            picked = [*rng.choice(words, 3, replace=False), *rng.choice(FILLER[lang], 2)]
            rng.shuffle(picked)
            rows.append({"topic": topic, "text": ("，" if lang == "zh" else " ").join(picked)})
    frame = pd.DataFrame(rows).sample(frac=1.0, random_state=3).reset_index(drop=True)
    frame.index = pd.Index([f"R{k:04d}" for k in range(len(frame))], name="respondent_id")
    return frame


def recovered(planted: pd.Series, result: csi.TopicResult) -> dict[str, tuple[int, float]]:
    """Each planted topic's most common found topic and the share of its texts assigned there."""
    found = result.documents.set_index("respondent_id")["topic"]
    table = pd.crosstab(planted.loc[found.index], found)
    return {p: (int(row.idxmax()), float(row.max() / row.sum())) for p, row in table.iterrows()}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_planted_topics_are_recovered(lang):
    data = corpus(lang)
    result = csi.complaint_topics(data["text"], lang=lang, n_topics=3)
    found = recovered(data["topic"], result)
    assert {t for t, _ in found.values()} == {1, 2, 3}, found  # three planted topics, three distinct topics
    assert all(share >= 0.9 for _, share in found.values()), found
    for planted, (topic, _) in found.items():  # a topic's top terms are its planted vocabulary
        top = set(result.topics.loc[result.topics["topic"] == topic, "term"].head(4))
        assert top <= set(PLANTED[lang][planted]), (planted, top)
    assert result.n_documents == len(data) and result.n_skipped == 0 and result.notes == ()
    assert result.sizes["n"].sum() == len(data) and result.sizes["share"].sum() == pytest.approx(1.0)
    assert result.sizes["n"].is_monotonic_decreasing and list(result.sizes["topic"]) == [1, 2, 3]


def test_mixed_chinese_and_english_texts():
    zh, en = corpus("zh", 30), corpus("en", 30, seed=8)
    en.index = en.index.str.replace("R", "E")
    data = pd.concat([zh.assign(topic="zh " + zh["topic"]), en.assign(topic="en " + en["topic"])])
    for lang in ("zh", "en"):
        result = csi.complaint_topics(data["text"], lang=lang, n_topics=6)
        found = recovered(data["topic"], result)
        assert len({t for t, _ in found.values()}) == 6, found
        assert all(share >= 0.9 for _, share in found.values()), (lang, found)


def test_same_seed_same_output_other_seeds_run():
    data = corpus("zh", 25)["text"]
    a, b = (csi.complaint_topics(data, n_topics=4, seed=1) for _ in range(2))
    for name in ("topics", "documents", "sizes", "examples"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)
    for seed in (2, None):  # another start may order or split topics differently; it still gives a valid result
        other = csi.complaint_topics(data, n_topics=4, seed=seed)
        assert other.seed == seed and len(other.documents) == len(data)
        assert other.documents["share"].between(0, 1).all()


def test_verbatims_are_anonymised():
    when = ["上个月", "这个月", "去年", "昨天"]  # texts with the same words would be shown once
    texts = [f"{w}账单多收了钱，联系我13812345678，张先生，身份证11010119900307123{k}" for k, w in enumerate(when)] + \
            [f"{w}宽带又断网了，号码021-6543210{k}，工号 {k}2345" for k, w in enumerate(when)] + \
            [f"My {w} bill was overcharged, call me on +44 20 7946 000{k} or write to x{k}@example.com"
             for k, w in enumerate(["March", "April", "May", "June"])]
    result = csi.complaint_topics(texts, n_topics=3, examples=4)
    shown = " ".join(result.examples["text"])
    assert len(result.examples) == 12
    for detail in ("13812345678", "110101199003071230", "6543210", "2345", "7946", "example.com", "张"):
        assert detail not in shown, detail
    assert "【电话】" in shown and "【证件号】" in shown and "某先生" in shown and "[e-mail]" in shown
    terms = set(result.topics["term"])
    assert not {t for t in terms if re.search(r"\d", t)}, terms  # no number becomes a term
    assert not terms & {"电话", "证件号", "phone", "mail", "e-mail"}, terms  # nor a mask's word


def test_fewer_texts_than_topics():
    result = csi.complaint_topics(["账单金额有误", "网速慢经常断网", "服务态度差"], n_topics=8)
    assert result.n_topics == 3 and len(result.sizes) == 3
    assert any("3 topic(s) instead of 8" in note for note in result.notes), result.notes
    assert sorted(result.documents["topic"]) == [1, 2, 3]


def test_blank_and_wordless_texts_are_skipped_and_counted():
    texts = pd.Series(["账单金额有误", "", "   ", None, np.nan, "的了吗？！", "12345。", "账单又扣费", "网速慢断网"],
                      index=pd.Index(list("abcdefghi"), name="respondent_id"))
    before = texts.copy()
    result = csi.complaint_topics(texts, n_topics=2)
    assert result.n_skipped == 6 and result.n_documents == 3
    assert sorted(result.documents["respondent_id"]) == ["a", "h", "i"]
    assert any("4 blank or missing" in n for n in result.notes) and any("2 text(s) with only" in n for n in result.notes)
    pd.testing.assert_series_equal(texts, before)  # the input is not changed
    assert list(csi.complaint_topics(["账单有误", "断网"], n_topics=2).documents.columns) == ["document", "topic",
                                                                                          "share"]


def test_jieba_keeps_a_dictionary_term_whole():
    keywords = csi.load_keywords(DEMO / "complaint_keywords.toml")
    assert "金额有误" not in _tokens("水费账单金额有误", "zh", ())  # jieba alone splits it (金额 / 有误)
    assert "金额有误" in _tokens("水费账单金额有误", "zh", ("金额有误",))
    texts = ["水费账单金额有误", "账单金额有误，抄表不准", "网速慢，经常断网", "晚上断网，网速慢"]
    plain = set(csi.complaint_topics(texts, n_topics=2).topics["term"])
    whole = set(csi.complaint_topics(texts, n_topics=2, keywords=keywords).topics["term"])
    assert "金额有误" not in plain and "金额有误" in whole
    assert "金额有误" in set(csi.complaint_topics(texts, n_topics=2, keywords=["金额有误"]).topics["term"])
    # a user word of one call does not change the next call's segmentation
    assert set(csi.complaint_topics(texts, n_topics=2).topics["term"]) == plain


def test_demo_complaints_give_sensible_chinese_terms():
    data = pd.read_csv(DEMO / "responses_2026.csv", dtype={"complaint_text": object})
    texts = data.set_index("respondent_id")["complaint_text"]
    keywords = csi.load_keywords(DEMO / "complaint_keywords.toml")
    result = csi.complaint_topics(texts, keywords=keywords)
    stop = importlib.resources.files("csi.indices").joinpath("data", "stopwords_zh.txt").read_text(encoding="utf-8")
    stop_words = {w.strip() for w in stop.splitlines() if w.strip() and not w.startswith("#")}
    terms = set(result.topics["term"])
    assert not terms & stop_words, terms & stop_words
    assert all(re.search(r"[^\W\d_]", t) for t in terms), terms  # no punctuation or digits alone
    assert {"排队", "账单", "打不通", "断网", "态度"} <= terms, terms  # what the demo's complaints are about
    n_texts = int(texts.fillna("").str.strip().ne("").sum())
    assert result.n_documents + result.n_skipped == len(texts) and result.n_documents == n_texts
    assert result.n_topics == 8 and result.examples.groupby("topic").size().max() <= 2


def test_display_repr_html_and_summary():
    result = csi.complaint_topics(corpus("zh", 10)["text"], n_topics=3)
    text = repr(result)
    assert text.startswith("TopicResult: 3 topics in 30 complaint texts") and len(text.splitlines()) <= 15
    assert "<strong>TopicResult</strong>" in result._repr_html_()
    summary = result.summary()
    assert set(summary.tables) == {"sizes", "topics", "examples"} and "Examples" in str(summary)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.n_topics = 4


def test_wrong_arguments_and_bad_data():
    texts = ["账单金额有误", "断网"]
    for option, value in (("lang", "fr"), ("n_topics", 0), ("top_terms", 0), ("examples", -1), ("seed", -1),
                          ("keywords", 5), ("max_iter", 0)):
        with pytest.raises(csi.ParameterError, match=rf"^complaint_topics\(\): {option}="):
            csi.complaint_topics(texts, **{option: value})
    with pytest.raises(csi.ParameterError, match="did you mean 'n_topics'"):
        csi.complaint_topics(texts, n_topic=3)
    with pytest.raises(csi.DataError, match="give one column of texts"):
        csi.complaint_topics(pd.DataFrame({"a": texts, "b": texts}))
    with pytest.raises(csi.DataError, match="not str"):
        csi.complaint_topics("账单金额有误")
    with pytest.raises(csi.DataError, match=r"1 are not, at index 1 \(12\)"):
        csi.complaint_topics(["账单金额有误", 12])
    with pytest.raises(csi.DataError, match="none of the 3 texts has a word"):
        csi.complaint_topics(["", None, "的了。"])


def test_no_convergence_is_said_in_the_notes():
    result = csi.complaint_topics(corpus("en", 20)["text"], lang="en", n_topics=3, max_iter=1)
    assert any("max_iter=1" in note for note in result.notes), result.notes
