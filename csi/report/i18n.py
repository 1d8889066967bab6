"""Every report string in one table (zh, en), and locale-aware number formatting."""

from __future__ import annotations

import math

from ..exceptions import ReportError

STRINGS: dict[str, dict[str, str]] = {
    "report_title": {"zh": "客户满意度测评报告", "en": "Customer Satisfaction Evaluation Report"},
    "evaluator": {"zh": "测评机构", "en": "Evaluator"},
    "period": {"zh": "测评期间", "en": "Period"},
    "industry": {"zh": "行业", "en": "Industry"},
    "enterprise": {"zh": "企业", "en": "Enterprise"},
    "summary": {"zh": "一、测评结果摘要", "en": "1. Summary"},
    "index_label": {"zh": "客户满意度指数", "en": "Customer satisfaction index"},
    "industry_average": {"zh": "行业指数", "en": "Industry index"},
    "previous_wave": {"zh": "上期指数", "en": "Previous wave"},
    "change": {"zh": "变化", "en": "Change"},
    "respondents": {"zh": "有效样本", "en": "Respondents analysed"},
    "dimensions": {"zh": "二、各维度指数", "en": "2. Dimension indices"},
    "dimension": {"zh": "维度", "en": "Dimension"},
    "index": {"zh": "指数", "en": "Index"},
    "items": {"zh": "三、各题项得分", "en": "3. Item scores"},
    "item": {"zh": "题项", "en": "Item"},
    "question": {"zh": "问题", "en": "Question"},
    "mean": {"zh": "均值", "en": "Mean"},
    "score": {"zh": "得分（0–100）", "en": "Score (0–100)"},
    "model": {"zh": "四、结构模型（PLS 路径模型）", "en": "4. Structural model (PLS path model)"},
    "model_note": {
        "zh": "模型以{pool}全部有效样本（n = {n}）估计，路径方案，标准化指标，{iterations} 次迭代收敛。"
              "企业指数由模型的非标准化归一权重与本企业题项均值计算（0–100）。",
        "en": "The model was estimated on all respondents of {pool} (n = {n}), path weighting scheme, "
              "standardized indicators, converged in {iterations} iterations. The enterprise's indices "
              "apply the model's unstandardized normalised weights to its own item means (0–100)."},
    "pool_industry": {"zh": "本行业", "en": "the industry"},
    "pool_study": {"zh": "全部企业", "en": "all enterprises"},
    "pool_enterprise": {"zh": "本企业", "en": "the enterprise"},
    "source": {"zh": "自变量", "en": "From"},
    "target": {"zh": "因变量", "en": "To"},
    "path_coefficient": {"zh": "路径系数", "en": "Path coefficient"},
    "r_squared": {"zh": "R²", "en": "R²"},
    "reliability": {"zh": "五、信度与效度", "en": "5. Reliability and validity"},
    "reliability_note": {
        "zh": "基于{pool}有效样本（n = {n}）。参考标准（非硬性结论）：Cronbach α 与组合信度 ρC ≥ 0.70"
              "（Nunnally 1978），平均方差提取量 AVE ≥ 0.50（Fornell & Larcker 1981），HTMT < 0.85"
              "（Henseler 等 2015）。α 为原始α（与 SPSS、R psych 一致）。",
        "en": "On all analysed respondents of {pool} (n = {n}). Reference thresholds (flags, not verdicts): "
              "Cronbach's alpha and composite reliability rho_C ≥ 0.70 (Nunnally 1978), average variance "
              "extracted AVE ≥ 0.50 (Fornell & Larcker 1981), HTMT < 0.85 (Henseler et al. 2015). Alpha is "
              "raw alpha (as in SPSS and R psych)."},
    "items_k": {"zh": "题项数", "en": "Items"},
    "alpha": {"zh": "Cronbach α", "en": "Cronbach's alpha"},
    "rho_a": {"zh": "ρA", "en": "rho_A"},
    "rho_c": {"zh": "组合信度 ρC", "en": "Composite reliability rho_C"},
    "ave": {"zh": "AVE", "en": "AVE"},
    "htmt_title": {"zh": "区分效度（HTMT）", "en": "Discriminant validity (HTMT)"},
    "htmt": {"zh": "HTMT", "en": "HTMT"},
    "below_threshold": {"zh": "低于参考标准", "en": "Below the reference threshold"},
    "htmt_flags": {"zh": "HTMT 不低于 0.85 的维度对：", "en": "Construct pairs with HTMT of 0.85 or more: "},
    "htmt_ok": {"zh": "所有维度对的 HTMT 均低于 0.85。", "en": "All construct pairs have HTMT below 0.85."},
    "sample": {"zh": "六、样本与数据质量", "en": "6. Sample and data quality"},
    "out_of_range": {"zh": "存在超出量表范围的取值", "en": "Value outside the item's declared scale"},
    "too_few_answered": {"zh": "作答题项过少", "en": "Too few rating items answered"},
    "speeder": {"zh": "答题时间过短", "en": "Interview too short (speeder)"},
    "straightlining": {"zh": "所有题项答案完全相同（直线作答）", "en": "Same answer to every item (straight-lining)"},
    "duplicate": {"zh": "与同企业其他样本答案完全重复", "en": "Duplicate of another respondent's answers"},
    "missing_share": {"zh": "缺失比例", "en": "Missing share"},
    "read": {"zh": "读取样本", "en": "Respondents read"},
    "analysed": {"zh": "分析样本", "en": "Analysed"},
    "excluded": {"zh": "剔除样本", "en": "Excluded"},
    "reason": {"zh": "剔除原因", "en": "Reason"},
    "count": {"zh": "人数", "en": "Count"},
    "no_items_answered": {"zh": "所有评分题均未作答（空白或“不知道”）",
                          "en": "Answered none of the rating items (blank or don't know)"},
    "served_customers": {"zh": "年度服务客户数", "en": "Customers served in the year"},
    "census": {"zh": "服务客户少于 50 户，全部调查（普查）", "en": "Fewer than 50 customers served: all surveyed (census)"},
    "missing_values": {"zh": "缺失值（含“不知道”）", "en": "Missing values (incl. don't know)"},
    "missing_note": {"zh": "模型估计时缺失值以题项均值替代（{n} 个值）；指数中的题项均值只用实际作答。",
                     "en": "For model estimation, missing values were replaced by the item mean ({n} values); "
                           "item means in the indices use actual answers only."},
    "negative_weight": {"zh": "注意：{construct} 的权重中有负值，该维度指数需谨慎解读。",
                        "en": "Note: {construct} has a negative item weight; read this index with care."},
    "chart_title": {"zh": "各维度指数：本企业与行业", "en": "Dimension indices: enterprise vs industry"},
    "this_enterprise": {"zh": "本企业", "en": "This enterprise"},
    "index_page_title": {"zh": "测评报告目录", "en": "Evaluation reports"},
    "failed": {"zh": "未能生成", "en": "Failed"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "na": {"zh": "—", "en": "—"},
}


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{name}`` fields filled from ``values``."""
    try:
        text = STRINGS[key][lang]
    except KeyError:
        raise ReportError(f"i18n: no string {key!r} in language {lang!r}; add it to csi/report/i18n.py.") from None
    return text.format(**values) if values else text


def number(value: float | None, lang: str, digits: int = 1, signed: bool = False) -> str:
    """Format a number for ``lang``; missing values show as a dash, never as 'nan'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return STRINGS["na"][lang]
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text
