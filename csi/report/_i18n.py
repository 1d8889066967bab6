"""Every report string in one table (zh, en), and locale-aware number formatting."""

from __future__ import annotations

import math
from typing import Any

from csi.exceptions import ReportError

STRINGS: dict[str, dict[str, Any]] = {
    "report_title": {"zh": "客户满意度测评报告", "en": "Customer Satisfaction Evaluation Report"},
    "evaluator": {"zh": "测评机构", "en": "Evaluator"},
    "period": {"zh": "测评期间", "en": "Period"},
    "industry": {"zh": "行业", "en": "Industry"},
    "enterprise": {"zh": "企业", "en": "Enterprise"},
    "h_summary": {"zh": "测评结果摘要", "en": "Summary"},
    "h_action": {"zh": "改进行动要点", "en": "Action points"},
    "h_background": {"zh": "测评背景与依据", "en": "Background and basis"},
    "h_model": {"zh": "测评模型与指标体系", "en": "Model and indicator system"},
    "h_sampling": {"zh": "抽样与调查实施", "en": "Sampling and fieldwork"},
    "h_reliability": {"zh": "信度与效度", "en": "Reliability and validity"},
    "h_results": {"zh": "测评结果", "en": "Results"},
    "h_drivers": {"zh": "驱动因素与改进优先级", "en": "Drivers and improvement priorities"},
    "h_benchmark": {"zh": "行业对标", "en": "Benchmark"},
    "h_complaints": {"zh": "不满意与投诉分析", "en": "Dissatisfaction and complaints"},
    "h_conclusions": {"zh": "结论与建议", "en": "Conclusions and recommendations"},
    "h_limitations": {"zh": "测评局限与使用说明", "en": "Limitations and use of this report"},
    "h_signature": {"zh": "签署", "en": "Signatures"},
    "h_appendix": {"zh": "附录", "en": "Appendix"},
    "index_label": {"zh": "客户满意度指数", "en": "Customer satisfaction index"},
    "industry_average": {"zh": "行业基准", "en": "Industry benchmark"},
    "lower_is_better_mark": {"zh": "（越低越好）", "en": " (lower is better)"},
    "benchmark_mean_of_enterprises": {"zh": "行业基准（同业各企业指数的平均）",
                                      "en": "Industry benchmark (mean of the industry's enterprises)"},
    "benchmark_mean_of_peers": {"zh": "行业基准（同业其他企业指数的平均）",
                                "en": "Industry benchmark (mean of the industry's other enterprises)"},
    "benchmark_pooled": {"zh": "行业基准（同业全部受访者合并计算）",
                         "en": "Industry benchmark (all the industry's respondents pooled)"},
    "previous_wave": {"zh": "上期指数", "en": "Previous wave"},
    "change": {"zh": "变化", "en": "Change"},
    "respondents": {"zh": "有效样本", "en": "Respondents analysed"},
    "dimensions": {"zh": "各维度指数", "en": "Dimension indices"},
    "dimension": {"zh": "维度", "en": "Dimension"},
    "index": {"zh": "指数", "en": "Index"},
    "items": {"zh": "各题项得分", "en": "Item scores"},
    "item": {"zh": "题项", "en": "Item"},
    "question": {"zh": "问题", "en": "Question"},
    "mean": {"zh": "均值", "en": "Mean"},
    "score": {"zh": "得分（0–100）", "en": "Score (0–100)"},
    "model_note": {
        "zh": "模型以{pool}全部有效样本（n = {n}）估计，路径方案，标准化指标，{iterations} 次迭代收敛。"
              "企业指数由模型的非标准化归一权重与本企业题项均值计算（0–100）。",
        "en": "The model was estimated on all respondents of {pool} (n = {n}), path weighting scheme, "
              "standardized indicators, converged in {iterations} iterations. The enterprise's indices "
              "apply the model's unstandardized normalised weights to its own item means (0–100)."},
    "pool_industry": {"zh": "本行业", "en": "the industry"},
    "pool_study": {"zh": "全部企业", "en": "all enterprises"},
    "pool_enterprise": {"zh": "本企业", "en": "the enterprise"},
    "pool_fallback": {"zh": "本企业有效样本（n = {n}）少于单独建模所需的 {min_n}，因此采用{pool}的合并模型。",
                      "en": " The enterprise's {n} analysed respondents are fewer than the {min_n} needed for a "
                            "model of its own, so the pooled model of {pool} is used."},
    "source": {"zh": "自变量", "en": "From"},
    "target": {"zh": "因变量", "en": "To"},
    "path_coefficient": {"zh": "路径系数", "en": "Path coefficient"},
    "r_squared": {"zh": "R²", "en": "R²"},
    "reliability_note": {
        "zh": "基于{pool}有效样本（n = {n}）。参考标准（非硬性结论）：Cronbach α 与组合信度 ρC ≥ 0.70"
              "（Nunnally 1978），平均方差提取量 AVE ≥ 0.50（Fornell & Larcker 1981），HTMT < 0.85"
              "（Henseler 等 2015）。α 为原始α（与 SPSS、R psych 一致）。",
        "en": "On all analysed respondents of {pool} (n = {n}). Reference thresholds (flags, not verdicts): "
              "Cronbach's alpha and composite reliability rho_C ≥ 0.70 (Nunnally 1978), average variance "
              "extracted AVE ≥ 0.50 (Fornell & Larcker 1981), HTMT < 0.85 (Henseler et al. 2015). Alpha is "
              "raw alpha (as in SPSS and R psych)."},
    "reliability_mi": {"zh": "各值为 {m} 个插补完整数据集上结果的平均值。",
                       "en": "Each value is the mean over the {m} completed data sets of the multiple imputation."},
    "items_k": {"zh": "题项数", "en": "Items"},
    "alpha": {"zh": "Cronbach α", "en": "Cronbach's alpha"},
    "rho_a": {"zh": "ρA", "en": "rho_A"},
    "rho_c": {"zh": "组合信度 ρC", "en": "Composite reliability rho_C"},
    "ave": {"zh": "AVE", "en": "AVE"},
    "htmt_title": {"zh": "区分效度（HTMT）", "en": "Discriminant validity (HTMT)"},
    "cfa_title": {"zh": "交叉检验：验证性因子分析（协方差结构模型，最大似然）",
                  "en": "Cross-check: confirmatory factor analysis (covariance-based, maximum likelihood)"},
    "cfa_fit": {"zh": "同一测量模型按协方差结构拟合（{n} 名受访者，不加权{dropped}）：χ²({df}) = {chi2}，p {p}；CFI {cfi}；TLI {tli}；"
                      "RMSEA {rmsea}（90% 置信区间 {lo}–{hi}）；SRMR {srmr}。常用参考：CFI 与 TLI 不低于 0.90，RMSEA 与 SRMR 不高于 0.08。"
                      "下表并列 PLS 载荷与 CFA 标准化载荷。",
                "en": "The same measurement model fitted as a covariance-based model ({n} respondents, unweighted"
                      "{dropped}): χ²({df}) = {chi2}, p {p}; CFI {cfi}; TLI {tli}; RMSEA {rmsea} (90% CI {lo}–{hi}); "
                      "SRMR {srmr}. Usual references: CFI and TLI at least 0.90, RMSEA and SRMR at most 0.08. The table "
                      "sets the PLS loadings beside the CFA's standardized loadings."},
    "cfa_dropped": {"zh": "；{k} 名有缺失答案者未计入", "en": "; {k} with a missing answer left out"},
    "cfa_failed": {"zh": "本次未能完成验证性因子分析：{reason}", "en": "The CFA could not be fitted: {reason}"},
    "pls_loading": {"zh": "PLS 载荷", "en": "PLS loading"},
    "cfa_loading": {"zh": "CFA 标准化载荷", "en": "CFA standardized loading"},
    "htmt": {"zh": "HTMT", "en": "HTMT"},
    "below_threshold": {"zh": "低于参考标准", "en": "Below the reference threshold"},
    "htmt_flags": {"zh": "HTMT 不低于 0.85 的维度对：", "en": "Construct pairs with HTMT of 0.85 or more: "},
    "htmt_ok": {"zh": "所有维度对的 HTMT 均低于 0.85。", "en": "All construct pairs have HTMT below 0.85."},
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
    "census": {"zh": "服务客户少于 {n} 户，全部调查（普查）。", "en": "Fewer than {n} customers served: all surveyed (census)."},
    "missing_values": {"zh": "缺失值（含“不知道”）", "en": "Missing values (incl. don't know)"},
    # what the [model] missing policy did, one sentence per policy (rule 9 of docs/methods/report.md)
    "missing_note": {"zh": "模型估计时缺失值以题项均值替代（{n} 个值）；指数中的题项均值只用实际作答。",
                     "en": "For model estimation, missing values were replaced by the item mean ({n} values); "
                           "item means in the indices use actual answers only."},
    "missing_note_listwise": {"zh": "模型估计时剔除有缺失答案的受访者（{pool}共 {n} 人）；指数中的题项均值只用实际作答。",
                              "en": "For model estimation, respondents with a missing answer were left out ({n} in "
                                    "{pool}); item means in the indices use actual answers only."},
    "missing_note_raise": {"zh": "模型所用题项没有缺失答案。", "en": "The model's items have no missing answers."},
    "missing_note_mi": {"zh": "{pool}受访者的缺失答案（{n} 个值，占 {share}）以链式方程多重插补 {m} 次（插补值取题项量表上的分值），"
                              "模型、指数及其置信区间按 Rubin 规则合并 {m} 个完整数据集的结果；缺失信息比例 {fmi_low}–{fmi_high}。",
                        "en": "Missing answers among the respondents of {pool} ({n} values, {share}) were imputed {m} times by chained "
                              "equations (on the points of each item's scale); the model, the indices and their "
                              "confidence intervals pool the {m} completed data sets by Rubin's rules (fraction of "
                              "missing information {fmi_low}–{fmi_high})."},
    "missing_note_mi_none": {"zh": "{pool}受访者没有缺失答案，无需插补。",
                             "en": "No answer was missing among the respondents of {pool}: nothing was imputed."},
    "negative_weight": {"zh": "注意：{construct} 的权重中有负值，该维度指数需谨慎解读。",
                        "en": "Note: {construct} has a negative item weight; read this index with care."},
    "chart_title": {"zh": "各维度指数：本企业与行业", "en": "Dimension indices: enterprise vs industry"},
    "this_enterprise": {"zh": "本企业", "en": "This enterprise"},
    "index_page_title": {"zh": "测评报告目录", "en": "Evaluation reports"},
    "failed": {"zh": "未能生成", "en": "Failed"},
    "generated": {"zh": "生成时间", "en": "Generated"},
    "na": {"zh": "—", "en": "—"},
    # cover and front matter
    "report_number": {"zh": "报告编号", "en": "Report number"},
    "report_date": {"zh": "报告日期", "en": "Report date"},
    "statement_title": {"zh": "独立性声明", "en": "Statement of independence"},
    "contents": {"zh": "目录", "en": "Contents"},
    "rule_problem": {"zh": "评价规则未能使用（{rule}）：{message}", "en": "Evaluation rule not used ({rule}): {message}"},
    "rule_rubric": {"zh": "认证评分表", "en": "certification rubric"},
    "rule_audits_dir": {"zh": "审核记录", "en": "audit records"},
    "rule_awards": {"zh": "评选规则", "en": "award rules"},
    "rule_operations": {"zh": "企业运营记录", "en": "enterprise records"},
    "rule_complaint_keywords": {"zh": "投诉分类词典", "en": "complaint keyword dictionary"},
    "rule_remarks_dir": {"zh": "测评机构意见", "en": "evaluator's remarks"},
    # summary
    "ci95": {"zh": "95% 置信区间", "en": "95% CI"},
    "grade": {"zh": "等级", "en": "Grade"},
    "stars": {"zh": "服务认证", "en": "Service certification"},
    "rank": {"zh": "行业排名", "en": "Rank in industry"},
    "rank_value": {"zh": "第 {rank} / {of} 名", "en": "{rank} of {of}"},
    "unranked": {"zh": "不排名", "en": "Not ranked"},
    "o_unranked": {"zh": "有效样本少于 {min_n} 份的企业不排名，不给出置信区间：{names}。",
                   "en": "Not ranked and no interval (fewer than {min_n} respondents analysed): {names}."},
    "o_left_out": {"zh": "未列入本表（无法加权或模型无法估计，其报告说明原因）：{names}。",
                   "en": "Not in this table (could not be weighted or estimated; their reports say why): {names}."},
    "unranked_note": {"zh": "有效样本少于 {min_n} 份", "en": "fewer than {min_n} analysed"},
    "summary_unranked": {"zh": "有效样本少于 {min_n} 份，不参与{industry}行业排名；{versus}。",
                         "en": "With fewer than {min_n} respondents analysed it is not ranked in {industry}; {versus}."},
    "strengths": {"zh": "相对优势", "en": "Strengths"},
    "weaknesses": {"zh": "相对短板", "en": "Weaknesses"},
    "no_strengths": {"zh": "无：没有维度显著优于行业基准", "en": "None: no dimension is significantly better than the industry benchmark"},
    "no_weaknesses": {"zh": "无：没有维度显著劣于行业基准", "en": "None: no dimension is significantly worse than the industry benchmark"},
    "gap_vs_industry": {"zh": "{label}（{index}，较行业基准 {gap}，Holm 校正 p {p}）", "en": "{label} ({index}, {gap} against the industry benchmark, Holm-adjusted p {p})"},
    "strengths_rule": {"zh": "相对优势（短板）指与行业基准的差异方向有利（不利）且经 Holm 校正后显著（p < 0.05）的维度；其余维度与行业无显著差异。",
                       "en": "A strength (weakness) is a dimension whose difference from the industry benchmark is favourable (unfavourable) and significant after Holm adjustment (p < 0.05); the other dimensions do not differ significantly from the industry."},
    "no_interval": {"zh": "n = {n}，样本不足，不给出置信区间", "en": "n = {n}: too few for an interval"},
    "points_of": {"zh": "{points} 分（满分 {full} 分）", "en": "{points} of {full} points"},
    "source_tag": {"zh": "（{source}）", "en": " ({source})"},
    "verdict": {"zh": "评价结论", "en": "Verdict"},
    "summary_index": {
        "zh": "{name}的客户满意度指数为 {index}（95% 置信区间 {lo}–{hi}，n = {n}）{grade}。",
        "en": "{name} has a customer satisfaction index of {index} (95% CI {lo}–{hi}, n = {n}){grade}."},
    "summary_index_small": {
        "zh": "{name}的客户满意度指数为 {index}（n = {n}）{grade}。",
        "en": "{name} has a customer satisfaction index of {index} (n = {n}){grade}."},
    "grade_zh_en": {"zh": "，处于“{grade}”档", "en": ", grade “{grade}”"},
    "summary_rank": {
        "zh": "在{industry}行业 {of} 家企业中排名第 {rank}{interval}，{versus}。",
        "en": "It ranks {rank} of {of} in {industry}{interval}; {versus}."},
    "rank_interval": {"zh": "（95% 排名区间：第 {low}–{high} 名）", "en": " (95% rank interval {low}–{high})"},
    "rank_interval_one": {"zh": "（95% 排名区间只含第 {low} 名）", "en": " (the 95% rank interval holds rank {low} only)"},
    "rank_ci": {"zh": "95% 排名区间", "en": "95% rank interval"},
    "fh_index": {"zh": "小域估计", "en": "Small-area index"},
    "fh_note": {"zh": "小域估计（Fay–Herriot）为 {fh}（标准误 {se}）：本企业的直接指数 {index} 按其抽样方差向{industry}行业均值收缩"
                      "（直接指数的权重 γ = {gamma}；样本越小，收缩越多）。本报告的指数均为直接估计，小域估计仅供参考。",
                "en": "Small-area (Fay–Herriot) index: {fh} (SE {se}), the direct index {index} shrunk toward the "
                      "{industry} industry mean according to its sampling variance (weight of the direct index "
                      "γ = {gamma}; the smaller the sample, the stronger the shrinkage). Every index in this report "
                      "is the direct estimate; the small-area index is for reference."},
    "o_uncertainty_note": {"zh": "排名区间为 95% 自助法区间（各企业受访者重抽样）；小域估计（Fay–Herriot）把每家企业的直接指数按其抽样方差"
                                 "向所在行业均值收缩，仅供参考，排名与比较均用直接指数。",
                           "en": "Rank intervals are 95% bootstrap intervals (each enterprise's respondents resampled); "
                                 "the small-area (Fay–Herriot) index shrinks each direct index toward its industry's "
                                 "mean according to its sampling variance, for reference: ranks and comparisons use "
                                 "the direct index."},
    "versus_better": {"zh": "显著优于行业基准 {benchmark}（高 {diff} 分，Holm 校正 p {p}）",
                      "en": "significantly better than the industry benchmark of {benchmark} ({diff} points higher, Holm-adjusted p {p})"},
    "versus_worse": {"zh": "显著劣于行业基准 {benchmark}（低 {diff} 分，Holm 校正 p {p}）",
                     "en": "significantly worse than the industry benchmark of {benchmark} ({diff} points lower, Holm-adjusted p {p})"},
    "versus_ns": {"zh": "与行业基准 {benchmark} 无显著差异（差值 {diff}，Holm 校正 p {p}）",
                  "en": "not significantly different from the industry benchmark of {benchmark} (difference {diff}, Holm-adjusted p {p})"},
    "versus_untested": {"zh": "与行业基准 {benchmark} 相差 {diff}（有企业样本不足，未作检验）",
                        "en": "{diff} from the industry benchmark of {benchmark} (not tested: an enterprise has too few respondents)"},
    "versus_none": {"zh": "行业内无其他企业，不作同业比较", "en": "no other enterprise in its industry to compare with"},
    "summary_change_up": {"zh": "较上期上升 {change} 分（95% 置信区间 {lo} 至 {hi}，p {p}），变化显著。",
                          "en": "It rose by {change} since the previous wave (95% CI {lo} to {hi}, p {p}), a significant change."},
    "summary_change_down": {"zh": "较上期下降 {change} 分（95% 置信区间 {lo} 至 {hi}，p {p}），变化显著。",
                            "en": "It fell by {change} since the previous wave (95% CI {lo} to {hi}, p {p}), a significant change."},
    "summary_change_ns": {"zh": "较上期变化 {change}（95% 置信区间 {lo} 至 {hi}，p {p}），无统计学显著变化。",
                          "en": "Change since the previous wave: {change} (95% CI {lo} to {hi}, p {p}), not significant."},
    "summary_no_previous": {"zh": "无上期数据，未做变化比较。", "en": "No previous wave: no change is reported."},
    "rubric_verdict": {"zh": "服务认证评分（{title}）：{explanation}。", "en": "Service certification score ({title}): {explanation}."},
    "award_yes": {"zh": "符合“{award}”企业评选条件。", "en": "Meets the criteria of “{award}”."},
    "award_no": {"zh": "暂不符合“{award}”企业评选条件：{reasons}。", "en": "Does not yet meet the criteria of “{award}”: {reasons}."},
    "no_rubric": {"zh": "本期未开展服务认证评分。", "en": "No service certification was scored in this study."},
    "stars_value": {"zh": "{stars} 星", "en": "{stars} stars"},
    # background
    "background_text": {
        "zh": "{commission}{evaluator}{when}对{name}（{industry}行业）开展了客户满意度第三方测评。本次测评是“{study}”"
              "的组成部分，目的是客观衡量客户对企业产品与服务的满意程度，识别影响满意度的关键因素和改进重点，"
              "为企业改进服务提供依据。",
        "en": "{evaluator} evaluated the customer satisfaction of {name} ({industry}) as an independent third "
              "party{when}{commission}, as part of “{study}”. The evaluation measures how satisfied customers are "
              "with the enterprise's products and services, identifies what drives satisfaction and where to "
              "improve, and gives the enterprise a basis for improving its service."},
    "commissioned_text": {"zh": "受{party}委托，", "en": ", commissioned by {party}"},
    "when_text": {"zh": "于{when}", "en": " in {when}"},
    "when_dates": {"zh": "于{when}", "en": " from {when}"},
    "evaluator_unnamed": {"zh": "测评机构", "en": "The evaluator"},
    "basis_title": {"zh": "测评依据", "en": "Basis of the evaluation"},
    "basis_items": {
        "zh": ["GB/T 19038-2009《顾客满意测评模型和方法指南》", "GB/T 19039-2009《顾客满意测评通则》",
               "{model}", "{rubric}", "本项目测评方案与调查问卷"],
        "en": ["GB/T 19038-2009 Guidelines on customer satisfaction models and methods",
               "GB/T 19039-2009 General rules of customer satisfaction evaluation", "{model}", "{rubric}",
               "This study's evaluation plan and questionnaire"]},
    "basis_model_ccsi": {"zh": "中国顾客满意度指数（CCSI）模型及测评方法",
                         "en": "The China Customer Satisfaction Index (CCSI) model and method"},
    "basis_model_acsi": {"zh": "美国顾客满意度指数（ACSI）模型（Fornell 等，1996）",
                         "en": "The American Customer Satisfaction Index (ACSI) model (Fornell et al. 1996)"},
    "basis_model_ecsi": {"zh": "欧洲顾客满意度指数（ECSI）模型（Tenenhaus 等，2005）",
                         "en": "The European Customer Satisfaction Index (ECSI) model (Tenenhaus et al. 2005)"},
    "basis_model_custom": {"zh": "本项目确定的顾客满意度结构方程模型（见“测评模型与指标体系”）",
                           "en": "This study's own structural model of customer satisfaction (see “Model and "
                                 "indicator system”)"},
    "basis_rubric": {"zh": "服务认证评分表：{title}", "en": "The certification rubric “{title}”"},
    "criteria_title": {"zh": "评价标准", "en": "Evaluation criteria"},
    "grades_caption": {"zh": "满意度等级：按客户满意度指数（0–100 分）所在区间评定",
                       "en": "Satisfaction grades, by the customer satisfaction index (0–100)"},
    "index_range": {"zh": "指数区间", "en": "Index"},
    "range_from_to": {"zh": "{lo} 分及以上、低于 {hi} 分", "en": "{lo} to under {hi}"},
    "range_from": {"zh": "{lo} 分及以上", "en": "{lo} and above"},
    "range_below": {"zh": "低于 {hi} 分", "en": "under {hi}"},
    "stars_caption": {"zh": "服务认证星级：按“{title}”总分（满分 {points} 分）评定",
                      "en": "Certification stars, by the total score of “{title}” (out of {points})"},
    "certification_level": {"zh": "认证等级", "en": "Certification level"},
    "stars_col": {"zh": "星级", "en": "Stars"},
    "score_range": {"zh": "总分", "en": "Total score"},
    "no_stars": {"zh": "不评星", "en": "no stars"},
    "veto_note": {"zh": "出现否决项时，不论总分高低，均评为“{fail}”。",
                  "en": "A veto deduction means “{fail}”, whatever the total score."},
    "period_year": {"zh": "{year}年度", "en": "{year}"},
    "date_range": {"zh": "{start}至{end}", "en": "{start} to {end}"},
    "commissioned_by": {"zh": "委托方", "en": "Commissioned by"},
    "not_stated": {"zh": "未说明", "en": "not stated"},
    # model and indicators
    "model_intro": {
        "zh": "测评采用偏最小二乘（PLS）结构方程模型，共 {k} 个维度（潜变量）、{items} 个测评题项（{scale} 分）。"
              "题项权重为模型估计的非标准化归一权重（各维度内合计为 1），指数为按权重加权的题项均值换算到 0–100。",
        "en": "The evaluation uses a partial least squares (PLS) structural equation model with {k} dimensions (latent variables) and "
              "{items} rated items ({scale}). Item weights are the model's unstandardized normalised weights (summing "
              "to 1 within a dimension); the index is the weighted item mean rescaled to 0–100."},
    "item_weight": {"zh": "权重", "en": "Weight"},
    "loading": {"zh": "载荷", "en": "Loading"},
    "path_title": {"zh": "模型路径系数（含 {n} 次自助抽样 95% 置信区间）", "en": "Path coefficients (95% CI from {n} bootstrap resamples)"},
    "path_title_mi": {"zh": "模型路径系数（{m} 次插补按 Rubin 规则合并，每次 {n} 次自助抽样；95% 置信区间）",
                      "en": "Path coefficients (pooled over {m} imputations by Rubin's rules, {n} bootstrap resamples "
                            "each; 95% CI)"},
    "path_chart_title": {"zh": "测评模型与路径系数", "en": "Estimated model and path coefficients"},
    # sampling and weighting
    "sample_plan": {"zh": "样本计划", "en": "Sample plan"},
    "planned": {"zh": "计划样本量", "en": "Planned sample"},
    "achieved_rate": {"zh": "计划样本完成率（分析样本 ÷ 计划样本量）", "en": "Plan completion (analysed ÷ planned)"},
    "fieldwork_title": {"zh": "调查实施", "en": "Fieldwork"},
    "fieldwork_period": {"zh": "调查时间", "en": "Fieldwork period"},
    "sampling_frame": {"zh": "抽样框", "en": "Sampling frame"},
    "selection": {"zh": "样本选取", "en": "Selection of respondents"},
    "channel": {"zh": "调查方式", "en": "Survey channel"},
    "mode_description": {"zh": "实施方式", "en": "How it was run"},
    "contacted": {"zh": "接触客户数", "en": "Customers contacted"},
    "completed": {"zh": "完成访问数（数据审核前）", "en": "Interviews completed (before data checks)"},
    "response_rate": {"zh": "应答率（完成访问数 ÷ 接触客户数）", "en": "Response rate (completed ÷ contacted)"},
    "response_rate_unknown": {"zh": "无法计算（未提供接触客户数）", "en": "not available (customers contacted not given)"},
    "response_rate_invalid": {
        "zh": "接触客户数（{contacted}）少于完成访问数（{read}），应答率无法计算；请核对企业名单中的接触客户数。",
        "en": "Customers contacted ({contacted}) are fewer than interviews completed ({read}), so no response rate "
              "is given; check the number contacted in the list of enterprises."},
    "qc_title": {"zh": "质量控制", "en": "Quality control"},
    "qc_checks": {"zh": "数据审核：对全部样本逐一检查，以下样本予以剔除并记录原因：{rules}。",
                  "en": "Data checks: every respondent was checked, and excluded with the reason recorded for: "
                        "{rules}."},
    "qc_speeder": {"zh": "答题时间少于 {s} 秒", "en": "an interview shorter than {s} seconds"},
    "qc_min_answered": {"zh": "评分题作答少于 {share}", "en": "fewer than {share} of the rating questions answered"},
    "qc_none_answered": {"zh": "评分题全部未作答", "en": "no rating question answered"},
    "qc_straightlining": {"zh": "全部评分题（{k} 题及以上）答案完全相同",
                          "en": "the same answer to every rating question ({k} or more answered)"},
    "qc_duplicates": {"zh": "答案及个人信息与同一企业的其他受访者完全相同",
                      "en": "answers and personal details identical to another respondent of the same enterprise"},
    "qc_out_of_range": {"zh": "有超出量表范围的答案", "en": "an answer outside the question's scale"},
    "weighting_title": {"zh": "样本加权", "en": "Weighting"},
    "weighting_none": {"zh": "未加权：各样本权重相同。", "en": "Unweighted: every respondent has the same weight."},
    "weighting_rake": {
        "zh": "按总体边际分布（{variables}）对本企业样本进行迭代比例加权（raking），{iterations} 轮收敛。"
              "设计效应（Kish）{deff}，有效样本量 {neff}。模型估计、题项均值与指数均使用该权重。",
        "en": "The enterprise's respondents were raked (iterative proportional fitting) to the population margins of "
              "{variables}, converging in {iterations} cycles. Kish design effect {deff}, effective sample size "
              "{neff}. Model estimation, item means and indices use these weights."},
    "variable": {"zh": "变量", "en": "Variable"},
    "level": {"zh": "类别", "en": "Level"},
    "target_share": {"zh": "总体目标", "en": "Target"},
    "sample_share": {"zh": "样本（未加权）", "en": "Sample (unweighted)"},
    "weighted_share": {"zh": "加权后", "en": "Weighted"},
    "exclusions_title": {"zh": "样本剔除", "en": "Exclusions"},
    "no_exclusions": {"zh": "无剔除样本。", "en": "No respondent was excluded."},
    # results
    "overall_title": {"zh": "总体满意度指数", "en": "Overall index"},
    "index_ci_chart": {"zh": "满意度指数及 95% 置信区间：本行业各企业", "en": "Satisfaction index with 95% CI: the industry's enterprises"},
    "rates_title": {"zh": "满意、一般与不满意比例（维度）", "en": "Satisfied, acceptable and dissatisfied rates (dimensions)"},
    "rates_note": {"zh": "满意 = {satisfied} 分，一般 = {acceptable} 分，不满意 = {dissatisfied} 分（维度按题项平均分归类）；{method}。{reversed}",
                   "en": "Satisfied = {satisfied}, acceptable = {acceptable}, dissatisfied = {dissatisfied} (dimensions by the mean of their items); {method}.{reversed}"},
    "rates_reversed": {"zh": "越低越好的维度（{labels}）方向相反：满意 = {satisfied} 分，一般 = {acceptable} 分，不满意 = {dissatisfied} 分。",
                       "en": " Lower-is-better dimensions ({labels}) are read the other way: satisfied = {satisfied}, acceptable = {acceptable}, dissatisfied = {dissatisfied}."},
    "rates_wilson": {"zh": "置信区间为 Wilson 区间", "en": "CIs are Wilson intervals"},
    "rates_linearization": {"zh": "加权比例，置信区间按线性化方法", "en": "weighted rates with linearization CIs"},
    "satisfied": {"zh": "满意", "en": "Satisfied"},
    "acceptable": {"zh": "一般", "en": "Acceptable"},
    "dissatisfied": {"zh": "不满意", "en": "Dissatisfied"},
    "segments_title": {"zh": "分群体满意度指数", "en": "Index by segment"},
    "segments_note": {"zh": "样本少于 {n} 的群体结果仅供参考（标 *）；少于 {min_n} 的群体不给出置信区间。",
                      "en": "Segments with fewer than {n} respondents are indicative only (marked *); those with fewer than {min_n} show no interval."},
    "segment": {"zh": "群体", "en": "Segment"},
    "trend_title": {"zh": "与上期比较", "en": "Trend against the previous wave"},
    "trend_chart": {"zh": "各维度指数：上期与本期（95% 置信区间）", "en": "Dimension indices: previous and current wave (95% CI)"},
    "current_wave": {"zh": "本期", "en": "Current wave"},
    "p_value": {"zh": "p 值", "en": "p value"},
    "change_note": {"zh": "变化 = 本期指数 − 上期指数（两期均按本期模型权重计算）；置信区间与 p 值按两期独立样本的线性化标准误。",
                    "en": "Change = this wave's index − the previous wave's (both with this wave's model weights); CIs and p values from linearization standard errors of two independent samples."},
    "trend_chart_waves": {"zh": "各维度指数：历次测评（95% 置信区间）", "en": "Dimension indices by wave (95% CI)"},
    "wave_previous_label": {"zh": "{wave}（上期）", "en": "{wave} (previous)"},
    "wave_current_label": {"zh": "{wave}（本期）", "en": "{wave} (current)"},
    "wave_changes_caption": {"zh": "{label}：历次测评间的变化", "en": "{label}: change from wave to wave"},
    "wave_step": {"zh": "{start} 至 {end}", "en": "{start} to {end}"},
    "ci_range": {"zh": "{lo} 至 {hi}", "en": "{lo} to {hi}"},
    "waves": {"zh": "测评期", "en": "Waves"},
    "change_verdict": {"zh": "判断", "en": "Verdict"},
    "wave_better": {"zh": "显著改善", "en": "Significantly better"},
    "wave_worse": {"zh": "显著变差", "en": "Significantly worse"},
    "wave_no significant change": {"zh": "无显著变化", "en": "No significant change"},
    "wave_not tested": {"zh": "未检验（样本不足）", "en": "Not tested (too few respondents)"},
    "wave_changes_note": {"zh": "每行为相邻两期指数之差（各期均按本期模型权重计算），检验方法同上；“改善”“变差”按该维度的有利方向判断；任一期样本少于 {min_n} 时不给出置信区间、p 值和显著性判断。",
                          "en": "Each row is the difference between two consecutive waves (every wave with this wave's model weights), tested as above; better and worse are read in the dimension's favourable direction; no interval, p value or verdict where either wave has fewer than {min_n} respondents."},
    # drivers
    "ipma_reversed": {"zh": "越低越好的维度（{labels}）以 100 − 指数作为表现，其重要性按有利方向计。",
                      "en": "Lower-is-better dimensions ({labels}) perform at 100 − index, their importance counted in the favourable direction."},
    "ipma_intro": {"zh": "重要性为各维度对满意度的总效应，表现为本企业该维度指数；以均值划分四个象限。",
                   "en": "Importance is each dimension's total effect on satisfaction, performance its index for this enterprise; quadrants split at the means."},
    "importance": {"zh": "重要性", "en": "Importance"},
    "performance": {"zh": "表现", "en": "Performance"},
    "priority": {"zh": "优先级", "en": "Priority"},
    "quadrant": {"zh": "象限", "en": "Quadrant"},
    "ipma_chart": {"zh": "重要性—表现矩阵", "en": "Importance–performance map"},
    "drivers_title": {"zh": "不满意驱动题项", "en": "Items driving dissatisfaction"},
    "drivers_note": {"zh": "按“不满意比例 × 题项重要性”排序；不含满意度本身的题项，也不含无人不满意的题项。",
                     "en": "Sorted by dissatisfied rate × item importance; the satisfaction questions themselves and items nobody rated low are left out."},
    "no_drivers": {"zh": "没有受访者对影响满意度的题项给出不满意评价。", "en": "No respondent gave a dissatisfied rating to an item that drives satisfaction."},
    # benchmark
    "benchmark_note": {"zh": "同一行业模型权重下的企业指数；置信区间按线性化标准误；与行业基准的比较使用 Holm 校正。{definition}。",
                       "en": "Enterprise indices under the industry model's weights; CIs from linearization standard errors; comparisons with the industry benchmark are Holm-adjusted. {definition}."},
    "versus_peers": {"zh": "与行业基准比较", "en": "Versus industry benchmark"},
    "vs_better": {"zh": "显著优于", "en": "Significantly better"},
    "vs_worse": {"zh": "显著劣于", "en": "Significantly worse"},
    "vs_no peers": {"zh": "无同业可比", "en": "No peers"},
    "vs_not tested": {"zh": "未检验（样本不足）", "en": "Not tested (too few respondents)"},
    "vs_not significant": {"zh": "无显著差异", "en": "Not significant"},
    "overall_all": {"zh": "全部企业", "en": "All enterprises"},
    # complaints
    "incidence": {"zh": "提出投诉或意见的受访者：{k} / {n}（{rate}，95% 置信区间 {lo}–{hi}）。",
                  "en": "Respondents with a complaint or comment: {k} of {n} ({rate}, 95% CI {lo}–{hi})."},
    "handling": {"zh": "投诉者对投诉处理的满意率（{item} ≥ 8 分）：{rate}（n = {n}，95% 置信区间 {lo}–{hi}）；全部受访者：{all_rate}。",
                 "en": "Complainants satisfied with complaint handling ({item} ≥ 8): {rate} (n = {n}, 95% CI {lo}–{hi}); all respondents: {all_rate}."},
    "category": {"zh": "类别", "en": "Category"},
    "topics_title": {"zh": "投诉文本的主题", "en": "Topics of the complaint texts"},
    "topic_terms": {"zh": "主题（其高权重词）", "en": "Topic (its leading words)"},
    "topic_own": {"zh": "本企业文本数", "en": "Texts here"},
    "topic_own_share": {"zh": "占本企业文本", "en": "Share of its texts"},
    "topic_study_share": {"zh": "占全部企业文本", "en": "Share of all enterprises' texts"},
    "topics_note": {"zh": "主题由本次测评全部企业的投诉文本归纳：分词后按 TF-IDF 加权，以非负矩阵分解（NMF）求出，每条文本归入权重最大的主题，"
                          "主题以其权重最高的词命名。主题描述文本说了什么，不是预先定义的类别，与上表的关键词分类互为补充。"
                          "本企业文本少于 {min_cell} 条的主题不列示数量与比例。",
                    "en": "The topics are found in the complaint texts of every enterprise in the study: the texts are "
                          "split into words, weighted by TF-IDF and factorised (non-negative matrix factorisation); "
                          "each text belongs to its strongest topic, named by its leading words. Topics describe what "
                          "the texts say; they are not predefined categories and complement the keyword categories "
                          "above. A topic with fewer than {min_cell} of this enterprise's texts shows no count or share."},
    "share_complaints": {"zh": "占投诉比例", "en": "Share of complaints"},
    "verbatims": {"zh": "客户原话摘录（已匿名化）", "en": "Customer verbatims (anonymised)"},
    "no_complaints": {"zh": "本期无投诉文本。", "en": "No complaint texts in this wave."},
    "no_keywords": {"zh": "本期未配置投诉分类词典，未对投诉文本分类。", "en": "No complaint keyword dictionary was given, so complaint texts were not classified."},
    # conclusions
    "conclusions": {"zh": "结论", "en": "Conclusions"},
    "recommendations": {"zh": "建议", "en": "Recommendations"},
    "c_strengths": {"zh": "优势维度：{items}。", "en": "Strengths: {items}."},
    "c_weaknesses": {"zh": "相对短板：{items}。", "en": "Relative weaknesses: {items}."},
    "c_driver": {"zh": "对满意度影响最大的不满意来源是“{text}”（{item}：不满意比例 {rate}，重要性 {importance}）。",
                 "en": "The largest source of dissatisfaction, weighing its share by its effect on satisfaction, is “{text}” ({item}: {rate} dissatisfied, importance {importance})."},
    "c_no_difference": {"zh": "各维度与行业基准均无显著差异。", "en": "No dimension differs significantly from the industry benchmark."},
    "c_complaints": {"zh": "投诉最多的类别为{cats}。", "en": "The most frequent complaint categories are {cats}."},
    "r_complaint": {"zh": "“{category}”是受访者投诉最多的类别（{count} 人，占投诉 {share}），建议查明原因、制定整改措施，并向客户反馈整改结果。",
                    "en": "“{category}” is the most frequent complaint category among respondents ({count}, {share} of complaints): find the causes, fix them and report back to customers."},
    "r_handling": {"zh": "投诉处理满意率为 {rate}（{source}），低于 80%，建议完善投诉受理、回访与闭环管理。",
                   "en": "Complaint-handling satisfaction is {rate} ({source}), below 80%: tighten intake, follow-up calls and closure."},
    "r_decline": {"zh": "满意度较上期显著下降 {change} 分，建议查明原因并制定恢复措施。",
                  "en": "Satisfaction fell significantly, by {change} points, since the previous wave: find the causes and plan a recovery."},
    "r_award": {"zh": "对照“{award}”条件，尚未达到的指标：{reasons}。", "en": "Criteria of “{award}” not yet met: {reasons}."},
    "r_award_data": {"zh": "“{award}”的以下条件缺少数据，无法评定，请补充相关记录：{items}。",
                     "en": "“{award}”: no data for {items}; supply the records so that these criteria can be assessed."},
    "r_keep": {"zh": "保持“{label}”的优势（指数 {index}，显著优于行业基准，差值 {gap}）。",
               "en": "Maintain the strength in “{label}” (index {index}, significantly better than the industry benchmark, difference {gap})."},
    "r_weakness": {"zh": "“{label}”显著劣于行业基准（指数 {index}，差值 {gap}），建议查明原因并纳入改进计划。",
                   "en": "“{label}” is significantly worse than the industry benchmark (index {index}, difference {gap}): find the causes and include it in the improvement plan."},
    "r_priority": {"zh": "优先改进“{label}”（指数 {index}，距 {goal} 分尚差 {points} 分，对满意度的总效应 {importance}），其中得分最低的题项是“{item}”（{score}）。",
                   "en": "Improve “{label}” first (index {index}, {points} points short of {goal}, total effect on satisfaction {importance}); its lowest item is “{item}” ({score})."},
    "r_priority_lower": {"zh": "优先改进“{label}”（指数 {index}，越低越好，需降低 {points} 分，对满意度的影响 {importance}），其中最不利的题项是“{item}”（{score}）。",
                         "en": "Improve “{label}” first (index {index}, lower is better: {points} points to cut, effect on satisfaction {importance}); its least favourable item is “{item}” ({score})."},
    # wording rules (csi/report/_wording.py)
    "threshold_indistinct": {"zh": "；其 95% 置信区间 {lo}–{hi} 包含 {threshold}，与 {threshold} 无统计学差异",
                             "en": "; its 95% CI {lo}–{hi} contains {threshold}: not distinguishable from {threshold} at 95%"},
    "grade_indistinct": {"zh": "（95% 置信区间跨越 {boundary} 分的等级分界，所处等级存在不确定性）",
                         "en": " (the 95% CI spans the grade boundary of {boundary}, so the grade is uncertain)"},
    "census_statement": {"zh": "本企业服务客户 {served} 户，采用普查（全部调查，有效样本 {n}），指数不含抽样误差；文中置信区间反映客户评价的随机差异，用于与行业基准和等级分界的比较。",
                         "en": "The enterprise served {served} customers and all were surveyed (a census; {n} analysed), so its index has no sampling error; the intervals shown reflect the random variation of customers' ratings and serve the comparisons with the benchmark and the grade boundaries."},
    "census_statement_missing": {"zh": "本企业服务客户 {served} 户，全部纳入调查（普查），有效样本 {n} 份：指数不含抽样误差，但有 {missing} 户未应答或被剔除，可能存在无应答偏差；文中置信区间反映客户评价的随机差异，用于与行业基准和等级分界的比较。",
                                 "en": "The enterprise served {served} customers and all were surveyed (a census; {n} analysed): the index has no sampling error, but {missing} customers did not answer or were excluded, which may bias it; the intervals shown reflect the random variation of customers' ratings and serve the comparisons with the benchmark and the grade boundaries."},
    "small_n_statement": {"zh": "本企业有效样本仅 {n} 份，少于作统计推断所需的 {min_n} 份：报告列示指数，但不给出置信区间和显著性结论，与行业的差值仅供参考。",
                          "en": "Only {n} respondents were analysed, fewer than the {min_n} needed for inference: the report shows the indices but no intervals or significance, and differences from the industry are descriptive only."},
    "versus_small_n": {"zh": "与行业基准 {benchmark} 相差 {diff}（样本不足，不作显著性判断）",
                       "en": "{diff} from the industry benchmark of {benchmark} (too few respondents for a test)"},
    "change_untested": {"zh": "较上期变化 {change}（样本不足，不作显著性判断）。",
                        "en": "Change since the previous wave: {change} (too few respondents for a test)."},
    # action page
    "action_goal": {"zh": "{name}的客户满意度指数为 {index}，距“{grade}”档（{goal} 分）尚差 {shortfall} 分{note}。",
                    "en": "{name}'s customer satisfaction index is {index}: {shortfall} points short of the “{grade}” grade ({goal}){note}."},
    "action_goal_top": {"zh": "{name}的客户满意度指数为 {index}，已处于最高等级“{grade}”。",
                        "en": "{name}'s customer satisfaction index is {index}, in the highest grade, “{grade}”."},
    "action_goal_none": {"zh": "{name}的客户满意度指数为 {index}。", "en": "{name}'s customer satisfaction index is {index}."},
    "priorities_title": {"zh": "优先改进的维度", "en": "Dimensions to improve first"},
    "priorities_intro": {"zh": "按“对满意度的影响（总效应）× 距 {goal} 分尚差的分数”排序，取前 {k} 项。",
                         "en": "Ranked by effect on satisfaction (total effect) × points still missing to {goal}; the first {k}."},
    "priorities_none": {"zh": "各维度或已达到 {goal} 分，或已显著优于行业基准，不列出优先改进维度。",
                        "en": "No dimension is listed: each already performs at {goal} or above, or is significantly better than the industry benchmark."},
    "to_goal": {"zh": "距 {goal} 分", "en": "To reach {goal}"},
    "to_goal_value": {"zh": "尚差 {points} 分", "en": "+{points} points"},
    "to_goal_lower": {"zh": "需降低 {points} 分", "en": "−{points} points"},
    "difference": {"zh": "差值", "en": "Difference"},
    "audit_title": {"zh": "服务认证失分最多的项目", "en": "Certification items that lost most points"},
    "audit_intro": {"zh": "{title}：{explanation}。下表列出失分最多的 {k} 个审核项目。",
                    "en": "{title}: {explanation}. The {k} audit items that lost most points:"},
    "audit_item": {"zh": "项目", "en": "Item"},
    "full_points": {"zh": "满分", "en": "Points"},
    "earned": {"zh": "得分", "en": "Earned"},
    "lost": {"zh": "失分", "en": "Lost"},
    "evidence": {"zh": "审核依据", "en": "Evidence"},
    "evidence_sampled": {"zh": "抽查 {sampled} 份，{deficient} 份不合格", "en": "{deficient} of {sampled} records checked deficient"},
    "evidence_audited": {"zh": "现场审核评分", "en": "Auditor's score"},
    "evidence_index": {"zh": "按调查指数计分", "en": "Scored from the survey index"},
    "remarks_title": {"zh": "测评机构意见", "en": "Evaluator's remarks"},
    # sources
    "data_source": {"zh": "来源", "en": "Source"},
    "source_records": {"zh": "企业记录", "en": "Enterprise records"},
    "source_survey": {"zh": "本次调查", "en": "This survey"},
    "source_audit": {"zh": "现场审核", "en": "Audit"},
    "no_records": {"zh": "无记录", "en": "No records"},
    "measure": {"zh": "指标", "en": "Measure"},
    "records_handling": {"zh": "{rate}（回访 {callbacks} 户，满意 {satisfied} 户）", "en": "{rate} ({satisfied} of {callbacks} callbacks satisfied)"},
    "survey_handling": {"zh": "{rate}（投诉受访者 {n} 人中评 {item} {min_score} 分及以上者，95% 置信区间 {lo}–{hi}）",
                        "en": "{rate} (complainants among respondents rating {item} {min_score} or more, n = {n}; 95% CI {lo}–{hi})"},
    "survey_handling_small": {"zh": "—（投诉受访者仅 {n} 人，少于 {min_cell} 人，不列示）",
                              "en": "— (only {n} complainants among respondents, fewer than {min_cell}: not shown)"},
    "records_complaints": {"zh": "{count} 件（占服务客户 {rate}）", "en": "{count} ({rate} of customers served)"},
    "survey_complaints": {"zh": "{k} / {n} 名受访者（{rate}）", "en": "{k} of {n} respondents ({rate})"},
    "handling_rate": {"zh": "投诉处理满意率", "en": "Complaint-handling satisfaction"},
    "complaint_volume": {"zh": "投诉数量", "en": "Complaints"},
    "sources_note": {"zh": "企业记录来自被测评企业提供的运营数据（回访记录、投诉台账），未经抽样；本次调查数据来自受访者的回答。两者口径不同，不可直接比较。",
                     "en": "Enterprise records are the enterprise's own operating data (callback records, complaint log), not a sample; survey figures come from respondents' answers. They measure different things and are not directly comparable."},
    "suppressed": {"zh": "—（n < {min_cell}）", "en": "— (n < {min_cell})"},
    "suppressed_note": {"zh": "样本少于 {min_cell} 的群体不列示结果（标“—（n < {min_cell}）”），以免个别受访者被识别，且小样本结果不稳定。",
                        "en": "Segments with fewer than {min_cell} respondents are not shown (marked “— (n < {min_cell})”) so that no respondent can be identified and unstable figures are not published."},
    "categories_note": {"zh": "投诉人数少于 {min_cell} 人的类别不列示人数与比例（标“—（n < {min_cell}）”），也不据以提出建议。",
                        "en": "Categories with fewer than {min_cell} complaints show no count or share (marked “— (n < {min_cell})”) and no recommendation rests on them."},
    "verbatims_withheld": {"zh": "为保护受访者匿名性，仅摘录投诉人数不少于 {min_cell} 人的类别中、且所属各群体均不少于 {min_cell} 人的受访者原话；本企业无符合条件的原话。",
                           "en": "To keep respondents anonymous, verbatims are quoted only from categories with at least {min_cell} complaints and from respondents whose every segment has at least {min_cell} respondents; none qualifies here."},
    "verbatims_rule": {"zh": "原话经匿名化处理，仅摘录投诉人数不少于 {min_cell} 人的类别中、且所属各群体均不少于 {min_cell} 人的受访者。",
                       "en": "Verbatims are anonymised and quoted only from categories with at least {min_cell} complaints and from respondents whose every segment has at least {min_cell} respondents."},
    "original_language": {"zh": "原文", "en": "original Chinese"},
    # appendix
    "questionnaire_title": {"zh": "附录一 问卷题项", "en": "A. Questionnaire items"},
    "method_title": {"zh": "附录二 方法与公式", "en": "B. Method and formulas"},
    "provenance_title": {"zh": "附录三 数据来源与可复现信息", "en": "C. Provenance and reproducibility"},
    "scale": {"zh": "量表", "en": "Scale"},
    "reverse": {"zh": "反向题", "en": "Reverse-coded"},
    "file": {"zh": "文件", "en": "File"},
    "sha256": {"zh": "SHA-256", "en": "SHA-256"},
    "parameter": {"zh": "参数", "en": "Parameter"},
    "value": {"zh": "取值", "en": "Value"},
    "csi_version": {"zh": "csi 版本", "en": "csi version"},
    "seed": {"zh": "随机数种子", "en": "Random seed"},
    "bootstrap_n": {"zh": "自助抽样次数（路径）", "en": "Bootstrap resamples (paths)"},
    "bootstrap_design": {"zh": "自助抽样设计", "en": "Bootstrap design"},
    "design_simple": {"zh": "简单随机重抽样（受访者）", "en": "simple resampling of respondents"},
    "design_strata": {"zh": "分层内重抽样：{column}", "en": "within strata: {column}"},
    "design_cluster": {"zh": "整群重抽样：{column}", "en": "whole clusters: {column}"},
    "estimation": {"zh": "估计方式", "en": "Estimation"},
    "weighting_method": {"zh": "加权方法", "en": "Weighting"},
    "model_spec": {"zh": "模型", "en": "Model"},
    "syntax_caption": {"zh": "模型设定（lavaan 语法，维度与题项以代码表示，供复现核对）：",
                       "en": "The model as specified (lavaan syntax, dimensions and items by their codes, for reproduction):"},
    "model_spec_value": {"zh": "目标维度：{target}；{scheme}；缺失值：{missing}", "en": "target: {target}; {scheme}; missing values: {missing}"},
    "scheme_path": {"zh": "路径加权方案", "en": "path weighting scheme"},
    "scheme_centroid": {"zh": "重心加权方案", "en": "centroid weighting scheme"},
    "scheme_factorial": {"zh": "因子加权方案", "en": "factorial weighting scheme"},
    "missing_mean": {"zh": "估计时以题项均值替代", "en": "replaced by the item mean for estimation"},
    "missing_listwise": {"zh": "整行删除", "en": "listwise deletion"},
    "missing_raise": {"zh": "不允许缺失", "en": "none allowed"},
    "missing_mi": {"zh": "链式方程多重插补 {m} 次，按 Rubin 规则合并", "en": "multiple imputation by chained equations "
                   "({m} imputations), pooled by Rubin's rules"},
    "estimation_pooled": {"zh": "{pool}合并估计一个模型，n = {n}", "en": "one model on {pool}, n = {n}"},
    "estimation_enterprise": {"zh": "各企业单独估计（样本不足时用{pool}合并模型），n = {n}",
                              "en": "a model per enterprise (on {pool} when too few respondents), n = {n}"},
    "weighting_none_short": {"zh": "未加权", "en": "none (equal weights)"},
    "weighting_rake_short": {"zh": "迭代比例加权（{variables}）", "en": "raking to the margins of {variables}"},
    "formulas": {
        "zh": ["PLS 路径模型（Wold 1982；Lohmöller 1989），路径加权方案，指标标准化；",
               "题项归一权重 w̃ᵢ = (wᵢ/sᵢ) / Σⱼ(wⱼ/sⱼ)，wᵢ 为外部权重，sᵢ 为题项标准差；",
               "维度指数 I = 100 · Σᵢ w̃ᵢ(x̄ᵢ − minᵢ) / Σᵢ w̃ᵢ(maxᵢ − minᵢ)（Fornell 等 1996），x̄ᵢ 为加权均值；",
               "指数标准误（线性化）：zᵣ = Σᵢ cᵢ wᵣ(xᵣᵢ − x̄ᵢ)/Wᵢ，SE² = n/(n−1) Σᵣ zᵣ²（Woodruff 1971）；95% 置信区间 = I ± t₀.₉₇₅(n−1)·SE；",
               "与上期变化：d = I本期 − I上期（两期均按本期模型权重），SE² = se本期² + se上期²，t 检验，自由度按 Welch–Satterthwaite 公式；",
               "与行业基准比较：d = Iₑ − B，B 为有效样本不少于最低样本量的同业企业指数平均，SE² = Σⱼ cⱼ² seⱼ²，t 检验（Welch–Satterthwaite 自由度），同行业内 Holm（1979）校正；",
               "满意比例的置信区间：Wilson（1927）区间，加权时为线性化区间；",
               "加权：迭代比例拟合（Deming & Stephan 1940），设计效应 deff = n Σw² / (Σw)²（Kish 1965），有效样本量 = (Σw)²/Σw²；",
               "重要性—表现：重要性为对满意度的总效应，表现为维度指数（Ringle & Sarstedt 2016）。"],
        "en": ["PLS path model (Wold 1982; Lohmöller 1989), path weighting scheme, standardized indicators;",
               "normalised item weights w̃ᵢ = (wᵢ/sᵢ) / Σⱼ(wⱼ/sⱼ), wᵢ the outer weight, sᵢ the item SD;",
               "dimension index I = 100 · Σᵢ w̃ᵢ(x̄ᵢ − minᵢ) / Σᵢ w̃ᵢ(maxᵢ − minᵢ) (Fornell et al. 1996), x̄ᵢ weighted means;",
               "index standard error (linearization): zᵣ = Σᵢ cᵢ wᵣ(xᵣᵢ − x̄ᵢ)/Wᵢ, SE² = n/(n−1) Σᵣ zᵣ² (Woodruff 1971); 95% CI = I ± t₀.₉₇₅(n−1)·SE;",
               "change vs previous wave: d = I_now − I_before (both with this wave's model weights), SE² = se_now² + se_before², t-test on the Welch–Satterthwaite df;",
               "versus the industry benchmark: d = I_e − B, B the mean index of the industry's enterprises with at least the minimum n, SE² = Σⱼ cⱼ² seⱼ², t-test (Welch–Satterthwaite df), Holm (1979) adjustment within the industry;",
               "CIs of satisfied rates: Wilson (1927) intervals, linearization when weighted;",
               "weighting: iterative proportional fitting (Deming & Stephan 1940), design effect deff = n Σw² / (Σw)² (Kish 1965), effective n = (Σw)²/Σw²;",
               "importance–performance: importance = total effect on satisfaction, performance = dimension index (Ringle & Sarstedt 2016)."]},
    "formula_mi": {
        "zh": "多重插补（Rubin 1987）：{m} 个完整数据集各自估计模型并计算指数（往期受访者同样插补，以对应模型计分），Q̄ 为 {m} 个估计的平均，T = Ū + (1 + 1/m)B"
              "（Ū 为各数据集方差的平均，B 为估计间的方差），95% 置信区间 = Q̄ ± t₀.₉₇₅(ν)·√T，自由度 ν 按 Barnard & Rubin"
              "（1999），以下比较的 Welch–Satterthwaite 自由度以各指数的 ν 代替 n − 1；",
        "en": "multiple imputation (Rubin 1987): the model estimated and the indices computed on each of the {m} completed "
              "data sets (earlier waves' respondents imputed alike, each set scored with its own model); Q̄ the mean of the {m} estimates, T = Ū + (1 + 1/m)B (Ū the mean of their variances, B the "
              "variance between them), 95% CI = Q̄ ± t₀.₉₇₅(ν)·√T with ν by Barnard & Rubin (1999), which the "
              "Welch–Satterthwaite df of the comparisons below take in place of n − 1;"},
    # limitations, use, signature
    "limitations_title": {"zh": "测评局限", "en": "Limitations"},
    "limit_none": {"zh": "测评机构未列出本次测评的特定局限。", "en": "The evaluator has listed no specific limitations."},
    "limit_unweighted": {"zh": "结果未加权：各受访者权重相同，样本结构与客户总体结构的差异未作调整。",
                         "en": "The results are unweighted: every respondent counts the same, and differences "
                               "between the sample and the customer population were not adjusted."},
    "limit_no_contacted": {"zh": "未提供接触客户数，应答率无法计算，无应答可能造成的偏差无法评估。",
                           "en": "The number of customers contacted was not given, so neither the response rate "
                                 "nor a possible non-response bias can be assessed."},
    "use_title": {"zh": "声明", "en": "Statement on use"},
    "use_none": {"zh": "测评机构未就本报告的使用另作声明。",
                 "en": "The evaluator has made no separate statement on the use of this report."},
    "qualification": {"zh": "资质", "en": "Qualification"},
    "sig_role": {"zh": "职责", "en": "Role"},
    "sig_name": {"zh": "姓名", "en": "Name"},
    "sig_sign": {"zh": "签字", "en": "Signature"},
    "sig_date": {"zh": "日期", "en": "Date"},
    "default_roles": {"zh": ["项目负责人", "审核人", "批准人"], "en": ["Project lead", "Reviewed by", "Approved by"]},
    "seal_default": {"zh": "测评机构（盖章）", "en": "Seal of the evaluator"},
    "date_blank": {"zh": "　　年　　月　　日", "en": ""},
    # glossary (appendix D); docs/glossary.md has the English entries word for word
    "glossary_title": {"zh": "附录四 术语", "en": "D. Glossary"},
    "term": {"zh": "术语", "en": "Term"},
    "meaning": {"zh": "含义", "en": "Meaning"},
    "glossary": {
        "zh": {
            "index": ("客户满意度指数", "按模型权重对各题项得分加权平均并换算到 0–100 分的综合得分，分数越高越满意。"),
            "dimension": ("维度（潜变量）", "不能直接测量、由若干题项共同反映的概念，如感知质量、顾客满意度。"),
            "item_weight": ("权重", "题项在其维度指数中所占的比重，由模型估计，同一维度内合计为 1。"),
            "ci": ("95% 置信区间", "考虑抽样误差后指数可能所在的范围；按同样方法反复调查，约 95% 的区间会包含真实值。"),
            "significant": ("显著", "差异大到难以用抽样误差解释（p 值小于 0.05）；不显著不等于没有差异。"),
            "p_value": ("p 值", "假如实际没有差异，仍观察到当前这样大或更大差异的概率。"),
            "holm": ("Holm 校正", "同时进行多项比较时对 p 值的校正，避免因比较次数多而把偶然差异判为显著。"),
            "benchmark": ("行业基准", "与本企业比较的同业水平，计算方法见“行业对标”一章。"),
            "pls": ("偏最小二乘（PLS）路径模型", "由受访者答案同时估计各维度及其相互影响的统计模型。"),
            "path": ("路径系数", "一个维度对另一个维度的直接影响强度（标准化），绝对值越大影响越强。"),
            "r_squared": ("R²", "模型对某一维度差异的解释比例，介于 0 与 1 之间。"),
            "reliability": ("信度（Cronbach α、组合信度 ρC）", "同一维度各题项测量结果的一致程度，一般以 0.70 及以上为可接受。"),
            "ave": ("平均方差提取量（AVE）", "维度解释其题项差异的平均比例，一般以 0.50 及以上为可接受。"),
            "htmt": ("HTMT", "两个维度之间重叠程度的指标，低于 0.85 说明两者可以区分。"),
            "bootstrap": ("自助抽样", "从样本中有放回地反复抽样并重新计算，用以估计结果的不确定性。"),
            "imputation": ("多重插补", "把每个缺失答案按其他答案合理推断多次、各得一套完整数据，分别计算后合并；合并结果计入插补本身的不确定性。"),
            "ipma": ("重要性—表现分析", "把各维度对满意度的影响（重要性）与其指数（表现）对照，重要而表现差的维度优先改进。"),
            "satisfied_rate": ("满意率", "评分落在“满意”区间的受访者比例；“一般”“不满意”比例同理。"),
            "grade": ("满意度等级", "按客户满意度指数所在区间评定的等级，区间见“评价标准”。"),
            "stars": ("服务认证星级", "按服务认证评分表总分评定的等级，标准见“评价标准”。"),
            "frame": ("抽样框", "抽取受访者所依据的客户名单。"),
            "census": ("普查", "对全部服务客户开展调查，而不是从中抽样。"),
            "response_rate": ("应答率", "完成访问的客户数占接触客户数的比例。"),
            "plan_completion": ("计划样本完成率", "分析样本数占计划样本量的比例，与应答率不同。"),
            "weighting": ("加权", "调整各受访者的权重，使样本的地区、年龄等结构与客户总体一致。"),
            "design_effect": ("设计效应", "加权使估计方差增大的倍数，1 表示没有损失。"),
            "effective_n": ("有效样本量", "加权后的样本相当于多少个等权样本的精度，即样本量除以设计效应。"),
        },
        "en": {
            "index": ("Customer satisfaction index", ("A 0–100 score: the item scores averaged with the model's "
                      "weights and rescaled; higher means more satisfied.")),
            "dimension": ("Dimension (latent variable)", ("A concept measured by several questions together, such "
                          "as perceived quality or customer satisfaction.")),
            "item_weight": ("Item weight", ("A question's share in its dimension's index, estimated by the model; "
                            "the weights of a dimension add up to 1.")),
            "ci": ("95% confidence interval", ("The range in which the index plausibly lies given sampling error; "
                   "in repeated surveys about 95% of such ranges would contain the true value.")),
            "significant": ("Significant", ("A difference too large to be explained by sampling error alone (p "
                            "below 0.05); not significant does not mean no difference.")),
            "p_value": ("p value", ("The probability of a difference at least as large as the one observed if "
                        "there were in fact none.")),
            "holm": ("Holm adjustment", ("An adjustment of p values when many comparisons are made at once, so "
                     "that chance differences are not called significant.")),
            "benchmark": ("Industry benchmark", ("The industry level the enterprise is compared with; how it is "
                          "computed is stated in the Benchmark chapter.")),
            "pls": ("PLS path model", ("Partial least squares: a statistical model that estimates the dimensions "
                    "and their effects on each other from the answers.")),
            "path": ("Path coefficient", ("The direct effect of one dimension on another (standardized); the "
                     "larger its size, the stronger the effect.")),
            "r_squared": ("R²", "The share of a dimension's variation the model explains, between 0 and 1."),
            "reliability": ("Reliability (Cronbach's alpha, composite reliability rho_C)", ("How consistently a "
                            "dimension's questions measure it; 0.70 or more is usually acceptable.")),
            "ave": ("Average variance extracted (AVE)", ("The average share of its questions' variation a "
                    "dimension explains; 0.50 or more is usually acceptable.")),
            "htmt": ("HTMT", ("Heterotrait–monotrait ratio: how much two dimensions overlap; below 0.85 they "
                     "are distinct.")),
            "bootstrap": ("Bootstrap", ("Drawing the sample again and again with replacement and recomputing, to "
                          "estimate how uncertain a result is.")),
            "imputation": ("Multiple imputation", ("Filling in each missing answer several times from the other "
                           "answers, computing the results on each completed data set and combining them, so that "
                           "the uncertainty of the filled-in values is counted.")),
            "ipma": ("Importance–performance analysis", ("Each dimension's effect on satisfaction (importance) set "
                     "against its index (performance); important dimensions that perform poorly come first.")),
            "satisfied_rate": ("Satisfied rate", ("The share of respondents whose rating falls in the satisfied "
                               "range; the acceptable and dissatisfied rates likewise.")),
            "grade": ("Satisfaction grade", ("The grade given by the band the index falls in; the bands are "
                      "listed under Evaluation criteria.")),
            "stars": ("Certification stars", ("The level given by the total score of the certification rubric; "
                      "the levels are listed under Evaluation criteria.")),
            "frame": ("Sampling frame", "The list of customers the respondents were drawn from."),
            "census": ("Census", "Surveying every customer served instead of a sample."),
            "response_rate": ("Response rate", "Interviews completed as a share of the customers contacted."),
            "plan_completion": ("Plan completion", ("Respondents analysed as a share of the planned sample; not "
                                "the same as the response rate.")),
            "weighting": ("Weighting", ("Adjusting respondents' weights so that the sample matches the customer "
                          "population in region, age and the like.")),
            "design_effect": ("Design effect", ("How many times weighting increases the variance of an "
                              "estimate; 1 means no loss.")),
            "effective_n": ("Effective sample size", ("The number of equally weighted respondents that would give "
                            "the same precision: the sample size divided by the design effect.")),
        }},
    # overview
    "overview_title": {"zh": "测评总报告", "en": "Study overview"},
    "o_league": {"zh": "一、企业满意度排名", "en": "1. League table"},
    "o_industries": {"zh": "二、行业满意度指数", "en": "2. Industry indices"},
    "o_distribution": {"zh": "三、指数分布", "en": "3. Distribution of indices"},
    "o_certification": {"zh": "四、服务认证星级", "en": "4. Service certification stars"},
    "o_awards": {"zh": "五、评选资格", "en": "5. Award eligibility"},
    "o_notes": {"zh": "说明", "en": "Notes"},
    "n_enterprises": {"zh": "企业数", "en": "Enterprises"},
    "eligible": {"zh": "是否符合", "en": "Eligible"},
    "reasons": {"zh": "原因", "en": "Reasons"},
    "yes": {"zh": "符合", "en": "Yes"},
    "no": {"zh": "不符合", "en": "No"},
    "awarded": {"zh": "入选", "en": "Awarded"},
    "total_points": {"zh": "总分", "en": "Points"},
    "level_label": {"zh": "等级", "en": "Level"},
    "o_award_result": {"zh": "评选结果", "en": "Result"},
    "o_awarded_rank": {"zh": "入选（第 {rank} 名）", "en": "Awarded (rank {rank})"},
    "o_awarded": {"zh": "入选", "en": "Awarded"},
    "o_eligible_not_awarded": {"zh": "符合条件，未入选", "en": "Eligible, not awarded"},
    "o_not_eligible": {"zh": "不符合条件", "en": "Not eligible"},
    "distribution_chart": {"zh": "各行业企业满意度指数分布", "en": "Enterprise indices by industry"},
    "league_chart": {"zh": "企业满意度指数及 95% 置信区间", "en": "Enterprise indices with 95% CI"},
    "overview_link": {"zh": "测评总报告", "en": "Study overview"},
    # the Word report (csi.report.html_to_docx) and the enterprise workbook (csi.report.enterprise_workbook)
    "toc_placeholder": {"zh": "（在目录上单击右键，选择“更新域”，即可更新页码。）",
                        "en": "(Right-click the contents and choose Update Field to update the page numbers.)"},
    "page": {"zh": "第 {page} 页", "en": "Page {page}"},
    "study": {"zh": "测评项目", "en": "Study"},
    "language": {"zh": "报告语言", "en": "Report language"},
    "written": {"zh": "生成日期", "en": "Written"},
    "dimension_a": {"zh": "维度 A", "en": "Dimension A"},
    "dimension_b": {"zh": "维度 B", "en": "Dimension B"},
    "requirement": {"zh": "要求", "en": "Requirement"},
    "met": {"zh": "是否达到", "en": "Met"},
    "verbatim": {"zh": "原话", "en": "Verbatim"},
    "note": {"zh": "说明", "en": "Note"},
    "sheet_dimensions": {"zh": "维度指数", "en": "Dimensions"},
    "sheet_items": {"zh": "题项", "en": "Items"},
    "sheet_paths": {"zh": "路径系数", "en": "Paths"},
    "sheet_r_squared": {"zh": "R²", "en": "R squared"},
    "sheet_reliability": {"zh": "信度", "en": "Reliability"},
    "sheet_htmt": {"zh": "区分效度", "en": "HTMT"},
    "sheet_sample": {"zh": "样本", "en": "Sample"},
    "sheet_exclusions": {"zh": "样本剔除", "en": "Exclusions"},
    "sheet_margins": {"zh": "样本加权", "en": "Weighting"},
    "sheet_rates": {"zh": "满意比例", "en": "Rates"},
    "sheet_segments": {"zh": "分群体指数", "en": "Segments"},
    "sheet_change": {"zh": "与上期比较", "en": "Change"},
    "sheet_priorities": {"zh": "优先改进", "en": "Priorities"},
    "sheet_ipma": {"zh": "重要性—表现", "en": "IPMA"},
    "sheet_drivers": {"zh": "不满意驱动题项", "en": "Drivers"},
    "sheet_peers": {"zh": "行业对标", "en": "Benchmark"},
    "sheet_complaints": {"zh": "投诉类别", "en": "Complaints"},
    "sheet_verbatims": {"zh": "客户原话", "en": "Verbatims"},
    "sheet_topics": {"zh": "投诉主题", "en": "Complaint topics"},
    "sheet_wave_changes": {"zh": "历次变化", "en": "Wave to wave"},
    "wave_from": {"zh": "起始期", "en": "From wave"},
    "wave_to": {"zh": "结束期", "en": "To wave"},
    "sheet_rubric": {"zh": "服务认证", "en": "Certification"},
    "sheet_award": {"zh": "评选条件", "en": "Award criteria"},
}


def rule_name(key: str, lang: str) -> str:
    """A study.toml rule key as the report names it ("complaint_keywords" → "投诉分类词典")."""
    return STRINGS.get(f"rule_{key}", {}).get(lang, key)


def t(key: str, lang: str, **values: object) -> str:
    """The string ``key`` in ``lang``, with ``{name}`` fields filled from ``values``."""
    try:
        text = STRINGS[key][lang]
    except KeyError:
        raise ReportError(f"i18n: no string {key!r} in language {lang!r}; add it to csi/report/i18n.py.") from None
    return text.format(**values) if values and isinstance(text, str) else text


def percent(value: float | None, lang: str, digits: int = 1) -> str:
    """A share as a percentage (0.123 → 12.3%); missing values show as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return STRINGS["na"][lang]
    return f"{100 * value:.{digits}f}%"


def pvalue(value: float | None, lang: str) -> str:
    """p values: three decimals, or "< 0.001"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return STRINGS["na"][lang]
    if value < 0.001:
        return "< 0.001"
    # three decimals, or four where rounding would carry p across 0.05 (0.0497 is not "0.050")
    return f"{value:.4f}" if (value < 0.05) != (round(value, 3) < 0.05) else f"{value:.3f}"


MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


def p_phrase(value: float | None, lang: str) -> str:
    """A p value after "p": "= 0.366" or "< 0.001"."""
    text = pvalue(value, lang)
    return text if text.startswith("<") or text == STRINGS["na"][lang] else f"= {text}"


def date_text(iso: str, lang: str) -> str:
    """An ISO date (2026-12-15) as the language writes it: 2026年12月15日 / 15 December 2026."""
    try:
        year, month, day = (int(x) for x in str(iso)[:10].split("-"))
    except ValueError:
        return str(iso)
    return f"{year}年{month}月{day}日" if lang == "zh" else f"{day} {MONTHS_EN[month - 1]} {year}"


def lines(key: str, lang: str) -> list[str]:
    """A list-valued string (e.g. formulas)."""
    value = t(key, lang)
    return list(value) if isinstance(value, list | tuple) else [value]


def join(parts: list[str], lang: str) -> str:
    """Join phrases as the language lists them (、 in Chinese, commas in English)."""
    return ("、" if lang == "zh" else ", ").join(parts)


def join_sentences(parts: list[str], lang: str) -> str:
    """Sentences one after another: no space in Chinese, one in English."""
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


def number(value: float | None, lang: str, digits: int = 1, signed: bool = False) -> str:
    """Format a number for ``lang``; missing values show as a dash, never as 'nan'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return STRINGS["na"][lang]
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text
