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
    "summary": {"zh": "一、测评结果摘要", "en": "1. Summary"},
    "h_background": {"zh": "二、测评背景与依据", "en": "2. Background and basis"},
    "h_model": {"zh": "三、测评模型与指标体系", "en": "3. Model and indicator system"},
    "h_sampling": {"zh": "四、抽样与调查实施", "en": "4. Sampling and fieldwork"},
    "h_reliability": {"zh": "五、信度与效度", "en": "5. Reliability and validity"},
    "h_results": {"zh": "六、测评结果", "en": "6. Results"},
    "h_drivers": {"zh": "七、驱动因素与改进优先级", "en": "7. Drivers and improvement priorities"},
    "h_benchmark": {"zh": "八、行业对标", "en": "8. Benchmark"},
    "h_complaints": {"zh": "九、不满意与投诉分析", "en": "9. Dissatisfaction and complaints"},
    "h_conclusions": {"zh": "十、结论与建议", "en": "10. Conclusions and recommendations"},
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
    "pool_fallback": {"zh": "本企业有效样本（n = {n}）少于单独建模所需的 {min_n}，因此采用{pool}的合并模型。",
                      "en": " The enterprise's {n} analysed respondents are fewer than the {min_n} needed for a "
                            "model of its own, so the pooled model of {pool} is used."},
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
    # cover and front matter
    "report_number": {"zh": "报告编号", "en": "Report number"},
    "report_date": {"zh": "报告日期", "en": "Report date"},
    "statement_title": {"zh": "独立性声明", "en": "Statement of independence"},
    "contents": {"zh": "目录", "en": "Contents"},
    "rule_problem": {"zh": "评价规则未能使用（{rule}）：{message}", "en": "Evaluation rule not used ({rule}): {message}"},
    # summary
    "ci95": {"zh": "95% 置信区间", "en": "95% CI"},
    "grade": {"zh": "等级", "en": "Grade"},
    "stars": {"zh": "服务认证", "en": "Service certification"},
    "rank": {"zh": "行业排名", "en": "Rank in industry"},
    "rank_value": {"zh": "第 {rank} / {of} 名", "en": "{rank} of {of}"},
    "strengths": {"zh": "相对优势", "en": "Strengths"},
    "weaknesses": {"zh": "相对短板", "en": "Weaknesses"},
    "no_strengths": {"zh": "无：没有维度优于行业基准", "en": "None: no dimension is better than the industry benchmark"},
    "no_weaknesses": {"zh": "无：没有维度劣于行业基准", "en": "None: no dimension is worse than the industry benchmark"},
    "gap_vs_industry": {"zh": "{label}（{index}，较行业 {gap}）", "en": "{label} ({index}, {gap} vs industry)"},
    "verdict": {"zh": "评价结论", "en": "Verdict"},
    "summary_index": {
        "zh": "{name}的客户满意度指数为 {index}（95% 置信区间 {lo}–{hi}，n = {n}），{grade}。",
        "en": "{name} has a customer satisfaction index of {index} (95% CI {lo}–{hi}, n = {n}){grade}."},
    "grade_zh_en": {"zh": "处于“{grade}”档", "en": ", grade “{grade}”"},
    "summary_rank": {
        "zh": "在{industry}行业 {of} 家企业中排名第 {rank}，{versus}。",
        "en": "It ranks {rank} of {of} in {industry}; {versus}."},
    "versus_better": {"zh": "显著优于行业基准 {benchmark}（差 {diff}，Holm 校正 p {p}）",
                      "en": "significantly better than the industry benchmark of {benchmark} (difference {diff}, Holm-adjusted p {p})"},
    "versus_worse": {"zh": "显著劣于行业基准 {benchmark}（差 {diff}，Holm 校正 p {p}）",
                     "en": "significantly worse than the industry benchmark of {benchmark} (difference {diff}, Holm-adjusted p {p})"},
    "versus_ns": {"zh": "与行业基准 {benchmark} 无显著差异（差 {diff}，Holm 校正 p {p}）",
                  "en": "not significantly different from the industry benchmark of {benchmark} (difference {diff}, Holm-adjusted p {p})"},
    "versus_untested": {"zh": "与行业基准 {benchmark} 相差 {diff}（有企业样本不足，未作检验）",
                        "en": "{diff} from the industry benchmark of {benchmark} (not tested: an enterprise has too few respondents)"},
    "versus_none": {"zh": "行业内无其他企业，不作同业比较", "en": "no other enterprise in its industry to compare with"},
    "summary_change_up": {"zh": "较上期上升 {change}（95% 置信区间 {lo} 至 {hi}，p {p}），变化显著。",
                          "en": "It rose by {change} since the previous wave (95% CI {lo} to {hi}, p {p}), a significant change."},
    "summary_change_down": {"zh": "较上期下降 {change}（95% 置信区间 {lo} 至 {hi}，p {p}），变化显著。",
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
        "zh": "受{study}委托，{evaluator}于{period}对{name}（{industry}行业）开展客户满意度第三方测评。"
              "测评目的是客观衡量客户对企业产品与服务的满意程度，识别影响满意度的关键因素和改进重点，"
              "为企业改进服务提供依据。",
        "en": "For {study}, {evaluator} evaluated the customer satisfaction of {name} ({industry}) in {period} as an "
              "independent third party. The evaluation measures how satisfied customers are with the enterprise's "
              "products and services, identifies what drives satisfaction and where to improve, and gives the "
              "enterprise a basis for improving its service."},
    "basis_title": {"zh": "测评依据", "en": "Basis"},
    "basis_items": {
        "zh": "GB/T 19038-2009《顾客满意测评模型和方法指南》；GB/T 19039-2009《顾客满意测评通则》；"
              "中国顾客满意度指数（CCSI）模型及测评方法；本项目测评方案与问卷。",
        "en": "GB/T 19038-2009 Guidelines on customer satisfaction models and methods; GB/T 19039-2009 General "
              "rules of customer satisfaction evaluation; the China Customer Satisfaction Index (CCSI) model and "
              "method; this study's evaluation plan and questionnaire."},
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
    "path_chart_title": {"zh": "测评模型与路径系数", "en": "Estimated model and path coefficients"},
    # sampling and weighting
    "sample_plan": {"zh": "样本计划", "en": "Sample plan"},
    "planned": {"zh": "计划样本", "en": "Planned sample"},
    "achieved_rate": {"zh": "完成率（分析样本 ÷ 计划样本）", "en": "Completion (analysed ÷ planned)"},
    "fieldwork": {"zh": "调查方式：{channels}。", "en": "Survey channels: {channels}."},
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
    "segments_note": {"zh": "样本少于 {n} 的群体结果仅供参考（标 *）。", "en": "Segments with fewer than {n} respondents are indicative only (marked *)."},
    "segment": {"zh": "群体", "en": "Segment"},
    "trend_title": {"zh": "与上期比较", "en": "Trend against the previous wave"},
    "trend_chart": {"zh": "各维度指数：上期与本期（95% 置信区间）", "en": "Dimension indices: previous and current wave (95% CI)"},
    "current_wave": {"zh": "本期", "en": "Current wave"},
    "p_value": {"zh": "p 值", "en": "p value"},
    "change_note": {"zh": "变化 = 本期指数 − 上期指数（两期均按本期模型权重计算）；置信区间与 p 值按两期独立样本的线性化标准误。",
                    "en": "Change = this wave's index − the previous wave's (both with this wave's model weights); CIs and p values from linearization standard errors of two independent samples."},
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
    "drivers_note": {"zh": "按“不满意比例 × 题项重要性”排序。", "en": "Sorted by dissatisfied rate × item importance."},
    # benchmark
    "benchmark_note": {"zh": "同一行业模型权重下的企业指数；置信区间按线性化标准误；与行业基准的比较使用 Holm 校正。{definition}。",
                       "en": "Enterprise indices under the industry model's weights; CIs from linearization standard errors; comparisons with the industry benchmark are Holm-adjusted. {definition}."},
    "versus_peers": {"zh": "与行业基准比较", "en": "Versus industry benchmark"},
    "vs_better": {"zh": "显著优于", "en": "Better"},
    "vs_worse": {"zh": "显著劣于", "en": "Worse"},
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
    "share_complaints": {"zh": "占投诉比例", "en": "Share of complaints"},
    "verbatims": {"zh": "客户原话摘录（已匿名化）", "en": "Customer verbatims (anonymised)"},
    "no_complaints": {"zh": "本期无投诉文本。", "en": "No complaint texts in this wave."},
    "no_keywords": {"zh": "未配置投诉分类词典（[rules].complaint_keywords）。", "en": "No complaint keyword dictionary configured ([rules].complaint_keywords)."},
    # conclusions
    "conclusions": {"zh": "结论", "en": "Conclusions"},
    "recommendations": {"zh": "建议", "en": "Recommendations"},
    "c_strengths": {"zh": "优势维度：{items}。", "en": "Strengths: {items}."},
    "c_weaknesses": {"zh": "相对短板：{items}。", "en": "Relative weaknesses: {items}."},
    "c_driver": {"zh": "不满意主要集中在“{text}”（{item}，不满意比例 {rate}）。",
                 "en": "Dissatisfaction concentrates on “{text}” ({item}, {rate} dissatisfied)."},
    "c_complaints": {"zh": "投诉最多的类别为{cats}。", "en": "The most frequent complaint categories are {cats}."},
    "r_concentrate": {"zh": "优先改进“{label}”：其对满意度的总效应为 {importance}，而本企业表现 {performance} 低于各维度平均，"
                            "其中得分最低的题项是“{item}”（{score}）。",
                      "en": "Improve “{label}” first: its total effect on satisfaction is {importance} while performance "
                            "({performance}) is below the dimensions' average; its lowest item is “{item}” ({score})."},
    "r_low_priority": {"zh": "持续关注“{label}”（表现 {performance}），在资源允许时改进。",
                       "en": "Keep an eye on “{label}” (performance {performance}) and improve it as resources allow."},
    "r_complaint": {"zh": "针对“{category}”类问题（占投诉 {share}）制定专项整改措施，并向客户反馈整改结果。",
                    "en": "Set up a targeted fix for “{category}” issues ({share} of complaints) and report the results back to customers."},
    "r_handling": {"zh": "投诉者对处理结果的满意率仅 {rate}，建议完善投诉受理、回访与闭环管理。",
                   "en": "Only {rate} of complainants are satisfied with how complaints are handled: tighten intake, follow-up calls and closure."},
    "r_decline": {"zh": "满意度较上期显著下降 {change}，建议查明原因并制定恢复措施。",
                  "en": "Satisfaction fell significantly ({change}) since the previous wave: find the causes and plan a recovery."},
    "r_award": {"zh": "对照“{award}”条件，需改进：{reasons}。", "en": "To meet “{award}”, improve: {reasons}."},
    "r_keep": {"zh": "保持“{label}”的优势表现（指数 {index}）。", "en": "Keep up the strong performance on “{label}” (index {index})."},
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
    "formulas": {
        "zh": ["PLS 路径模型（Wold 1982；Lohmöller 1989），路径加权方案，指标标准化；",
               "题项归一权重 w̃ᵢ = (wᵢ/sᵢ) / Σⱼ(wⱼ/sⱼ)，wᵢ 为外部权重，sᵢ 为题项标准差；",
               "维度指数 I = 100 · Σᵢ w̃ᵢ(x̄ᵢ − minᵢ) / Σᵢ w̃ᵢ(maxᵢ − minᵢ)（Fornell 等 1996），x̄ᵢ 为加权均值；",
               "指数标准误（线性化）：zᵣ = Σᵢ cᵢ wᵣ(xᵣᵢ − x̄ᵢ)/Wᵢ，SE² = n/(n−1) Σᵣ zᵣ²（Woodruff 1971）；95% CI = I ± 1.96·SE；",
               "与上期变化：两期样本分别有放回重抽样，固定权重重算指数差，百分位区间，p = 2·min(P*(d≤0), P*(d≥0))；",
               "与同业比较：d = Iₑ − 同业均值，SE² = seₑ² + Σⱼ seⱼ²/(k−1)²，z 检验，Holm（1979）校正；",
               "满意比例的置信区间：Wilson（1927）区间，加权时为线性化区间；",
               "加权：迭代比例拟合（Deming & Stephan 1940），设计效应 deff = n Σw² / (Σw)²（Kish 1965），有效样本量 = (Σw)²/Σw²；",
               "重要性—表现：重要性为对满意度的总效应，表现为维度指数（Ringle & Sarstedt 2016）。"],
        "en": ["PLS path model (Wold 1982; Lohmöller 1989), path weighting scheme, standardized indicators;",
               "normalised item weights w̃ᵢ = (wᵢ/sᵢ) / Σⱼ(wⱼ/sⱼ), wᵢ the outer weight, sᵢ the item SD;",
               "dimension index I = 100 · Σᵢ w̃ᵢ(x̄ᵢ − minᵢ) / Σᵢ w̃ᵢ(maxᵢ − minᵢ) (Fornell et al. 1996), x̄ᵢ weighted means;",
               "index standard error (linearization): zᵣ = Σᵢ cᵢ wᵣ(xᵣᵢ − x̄ᵢ)/Wᵢ, SE² = n/(n−1) Σᵣ zᵣ² (Woodruff 1971); 95% CI = I ± 1.96·SE;",
               "change vs previous wave: both waves resampled with replacement, index difference recomputed with fixed weights, percentile interval, p = 2·min(P*(d≤0), P*(d≥0));",
               "versus peers: d = I_e − peer mean, SE² = se_e² + Σⱼ seⱼ²/(k−1)², z-test, Holm (1979) adjustment;",
               "CIs of satisfied rates: Wilson (1927) intervals, linearization when weighted;",
               "weighting: iterative proportional fitting (Deming & Stephan 1940), design effect deff = n Σw² / (Σw)² (Kish 1965), effective n = (Σw)²/Σw²;",
               "importance–performance: importance = total effect on satisfaction, performance = dimension index (Ringle & Sarstedt 2016)."]},
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
    "distribution_chart": {"zh": "各行业企业满意度指数分布", "en": "Enterprise indices by industry"},
    "league_chart": {"zh": "企业满意度指数及 95% 置信区间", "en": "Enterprise indices with 95% CI"},
    "overview_link": {"zh": "测评总报告", "en": "Study overview"},
}


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
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


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


def number(value: float | None, lang: str, digits: int = 1, signed: bool = False) -> str:
    """Format a number for ``lang``; missing values show as a dash, never as 'nan'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return STRINGS["na"][lang]
    text = f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"
    return text
