"""Benchmark: csi.complaint_topics — jieba segmentation, TF-IDF and NMF topics of many Chinese complaint texts.

Synthetic complaints (default 10,000): each text is two or three phrases of one of eight planted topics (billing,
outages, queues, hotline, staff, water quality, app, fees) with filler, a phone number in one text in twenty.
Timed in the same run: csi end to end (anonymising, segmenting, TF-IDF, NMF, tables); its NMF step alone
(scikit-learn NMF on the same TF-IDF matrix); the peer, scikit-learn's LatentDirichletAllocation (batch
variational Bayes) on the count matrix of the same words, the usual alternative; and R's NMF package
(Gaujoux & Seoighe 2010; Lee–Seung multiplicative updates on the same Frobenius objective, NNDSVD start) on
the same TF-IDF matrix, where Rscript and the package are installed. Purity: the share of texts whose found
topic is the most common one of their planted topic.

Usage::

    python benchmarks/bench_topics.py [--texts N] [--topics K] [--repeat R] [--no-r]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _common import best_of, rscript

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import csi
from csi.indices._topics import _tokens

PHRASES = {
    "billing": ["账单金额有误", "莫名其妙被扣费", "抄表不准", "水费忽高忽低", "发票开错了", "多收了费用"],
    "outage": ["停水前没有提前通知", "经常停水", "水压不稳定", "晚上经常断网", "网速慢", "信号差"],
    "queue": ["营业厅排队时间太长", "柜台只开一个窗口", "等候时间太久", "取号后等了一个小时"],
    "hotline": ["客服电话打不通", "热线一直占线", "转人工要等很久", "客服只说已登记"],
    "staff": ["维修人员态度差", "工作人员不耐烦", "服务员态度冷漠", "推诿扯皮"],
    "quality": ["自来水有时发黄", "水有异味", "水质浑浊", "管道漏水多次报修未处理"],
    "app": ["APP 经常闪退", "手机银行登录要反复验证", "小程序无法缴费", "APP 更新后打不开"],
    "fees": ["手续费太高", "套餐资费不透明", "信用卡年费收取不合理", "跨行转账到账慢"],
}
FILLER = ["希望尽快改进", "反映多次没有解决", "希望能重视", "非常失望", "请尽快处理"]

R_SCRIPT = """
suppressPackageStartupMessages(library(NMF))
args <- commandArgs(trailingOnly = TRUE)
# texts x terms: NMF's default stop rule compares the columns' clusterings, terms here (a texts x texts
# consensus matrix would take gigabytes); the objective is the same either way round
x <- as.matrix(read.csv(args[1]))
rank <- as.integer(readLines(args[2])); repeats <- as.integer(args[3])
best <- Inf
for (k in seq_len(repeats)) {
  start <- proc.time()[["elapsed"]]
  fit <- nmf(x, rank, method = "lee", seed = "nndsvd", .options = "-p")  # sequential, like csi
  best <- min(best, proc.time()[["elapsed"]] - start)
}
cat(best, niter(fit), 0.5 * sum((x - fitted(fit))^2), "\\n")
"""


def complaints(n: int, seed: int = 2026) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    topics = list(PHRASES)
    rows = []
    for k in range(n):
        topic = topics[rng.integers(len(topics))]
        parts = list(rng.choice(PHRASES[topic], rng.integers(2, 4), replace=False))
        if rng.random() < 0.6:
            parts.append(str(rng.choice(FILLER)))
        if rng.random() < 0.05:
            parts.append(f"电话1{rng.integers(3, 10)}{rng.integers(10**8, 10**9)}")
        rows.append({"respondent_id": f"R{k:06d}", "topic": topic, "text": "，".join(parts) + "。"})
    return pd.DataFrame(rows).set_index("respondent_id")


def purity(planted: pd.Series, found: pd.Series) -> float:
    table = pd.crosstab(planted.loc[found.index], found)
    return float(table.max(axis=1).sum() / table.to_numpy().sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--topics", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-r", action="store_true", help="skip the R NMF peer")
    args = parser.parse_args()
    from sklearn.decomposition import NMF, LatentDirichletAllocation
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    data = complaints(args.texts)
    csi.complaint_topics(data["text"].head(20), n_topics=2)  # jieba loads its dictionary once per process
    seconds, result = best_of(lambda: csi.complaint_topics(data["text"], n_topics=args.topics), args.repeat)
    found = result.documents.set_index("respondent_id")["topic"]
    print(f"data: {args.texts:,} synthetic Chinese complaints, {args.topics} planted topics, best of {args.repeat}")
    print(f"csi.complaint_topics (all steps)   {seconds:8.3f} s   purity {purity(data['topic'], found):.3f}")

    tokens = [_tokens(t, "zh", ()) for t in data["text"]]
    tfidf = TfidfVectorizer(analyzer=lambda d: d).fit_transform(tokens)
    counts = CountVectorizer(analyzer=lambda d: d).fit_transform(tokens)
    nmf = NMF(n_components=args.topics, init="nndsvda", max_iter=1000, random_state=1)
    nmf_s, _ = best_of(lambda: nmf.fit_transform(tfidf), args.repeat)
    print(f"  its NMF step (scikit-learn, cd)  {nmf_s:8.3f} s   {nmf.n_iter_} iterations, "
          f"½‖X − WH‖² = {0.5 * nmf.reconstruction_err_ ** 2:.2f}; matrix {tfidf.shape[0]:,} × {tfidf.shape[1]:,}")
    lda = LatentDirichletAllocation(n_components=args.topics, learning_method="batch", random_state=1)
    lda_s, theta = best_of(lambda: lda.fit_transform(counts), args.repeat)
    lda_purity = purity(data["topic"], pd.Series(theta.argmax(axis=1), index=data.index))
    print(f"LDA (scikit-learn, batch VB)       {lda_s:8.3f} s   purity {lda_purity:.3f}, {lda.n_iter_} iterations; "
          f"LDA / csi NMF step {lda_s / nmf_s:.1f}x")

    if args.no_r:
        print("R NMF: not run (--no-r)")
        return
    dense = pd.DataFrame(tfidf.toarray())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        numbers, why = rscript(R_SCRIPT, dense, args.repeat, str(args.topics))
    if numbers is None:
        print(f"R NMF: not run ({why})")
        return
    r_s, r_iter, r_err = numbers
    print(f"R NMF 'lee' (multiplicative)       {r_s:8.3f} s   {int(r_iter)} iterations, ½‖X − WH‖² = {r_err:.2f}; "
          f"R / csi NMF step {r_s / nmf_s:.1f}x")


if __name__ == "__main__":
    main()
