"""A second, deliberately different CSI study for end-to-end tests (synthetic, fictional data).

``make_study(folder)`` writes a complete study into ``folder`` and returns the path of its
``study.toml``. Unlike the bundled demo (``data/demo``: water/telecom/bank, 1–10 items, ids
``respondent_id``/``enterprise_id``, a CCSI preset, the complaint items rating complaint
*handling*), this study has

* other industries: ``hospital`` (医院) and ``transit`` (公共交通), or only ``hospital`` with
  ``single_industry=True``;
* enterprises of very different sizes (respondents in the current wave)::

      H01  hospital  280      T01  transit  400
      H02  hospital  150      T02  transit   36  (census: served 36, new route, no previous wave)
      H03  hospital   12  (census: served 12, opened this year, no previous wave)
      H04  hospital    2  (fieldwork shortfall: served 140, only 2 answered)
      T03  transit   130

  Planted data-quality problems (speeders, a straightliner, a duplicate, an out-of-range typo)
  are added to the enterprises of n >= 120 only (the duplicate is an extra row), so the analysed
  n of H03, H04 and T02 is as listed;
* its own questionnaire on a **1–5 scale** with missing code **9** ("don't know / not
  applicable"), about 2 % blank answers, one reverse-coded item (``LOY3``), column names
  ``case_id`` / ``unit_id`` instead of ``respondent_id`` / ``enterprise_id``, and demographics
  ``gender``, ``age_band`` (3 bands) and ``channel``;
* a custom model (``[model] syntax``) over Image, Quality, Value, Satisfaction, Complaint and
  Loyalty with target Satisfaction;
* a **lower-is-better** Complaint construct: ``CPL1`` ("how many problems did you experience")
  and ``CPL2`` ("how often did you need to complain") score 1 = none/never … 5 = very many/very
  often, so Complaint is *negatively* related to Satisfaction (true path −0.5) and a higher
  Complaint index is worse. With ``declare_direction=True`` study.toml says so with
  ``[model] lower_is_better = ["Complaint"]``;
* **H02 has by far the most complaints** (``MOST_COMPLAINTS``): its Complaint latent is shifted
  +1.4 SD (the others −0.3 … +0.4), so its Complaint index is far above every other
  enterprise's, and its Satisfaction is among the lowest;
* a previous wave (2026) for every enterprise but H03 and T02 (both new this year);
* raking on ``gender`` and ``age_band`` with inline margins (``weighting=False``: ``method =
  "none"``). Enterprises of n >= 6 cover every margin level (fieldwork quotas); H04 (n = 2)
  cannot cover five levels, so csi records it in ``weighting_errors`` and (today) fails H04's
  report with "could not be weighted" while the other reports render.

Only numpy, pandas and the standard library are used; one ``numpy.random.default_rng(seed)``
drives everything, so a seed gives byte-identical files.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pandas as pd

__all__ = [
    "CONSTRUCTS",
    "CURRENT_WAVE",
    "ENTERPRISES",
    "ENTERPRISE_COLUMN",
    "ID_COLUMN",
    "ITEMS",
    "LOWER_IS_BETTER",
    "MISSING_CODE",
    "MOST_COMPLAINTS",
    "PREVIOUS_WAVE",
    "SCALE",
    "make_study",
]

MOST_COMPLAINTS = "H02"
LOWER_IS_BETTER = ("Complaint",)
SCALE = (1, 5)
MISSING_CODE = 9
CURRENT_WAVE, PREVIOUS_WAVE = 2027, 2026
ID_COLUMN, ENTERPRISE_COLUMN = "case_id", "unit_id"
BLANK_RATE, DONT_KNOW_RATE = 0.02, 0.006

INDUSTRIES = {"hospital": ("医院", "Hospitals"), "transit": ("公共交通", "Public transport")}

# id, industry, name zh, name en, served customers, n current, n previous (None: not surveyed),
# Image shift, Quality shift, Complaint shift (latent SD units), change previous -> current
ENTERPRISES = (
    ("H01", "hospital", "城东人民医院", "Chengdong People's Hospital", 186000, 280, 262, +0.30, +0.35, -0.20, +0.10),
    ("H02", "hospital", "滨江中心医院", "Binjiang Central Hospital", 94500, 150, 141, -0.20, -0.40, +1.40, -0.30),
    ("H03", "hospital", "康宁康复医院", "Kangning Rehabilitation Hospital", 12, 12, None, +0.40, +0.30, +0.00, 0.0),
    ("H04", "hospital", "青山村卫生所", "Qingshan Village Clinic", 140, 2, 4, -0.10, +0.00, +0.30, 0.0),
    ("T01", "transit", "江州地铁集团有限公司", "Jiangzhou Metro Group Co., Ltd.", 2450000, 400, 372, +0.10, +0.05, +0.20, +0.05),
    ("T02", "transit", "云岭山区定制公交", "Yunling Mountain Demand-Responsive Bus", 36, 36, None, +0.35, +0.45, -0.30, 0.0),
    ("T03", "transit", "江州公共汽车有限公司", "Jiangzhou Bus Co., Ltd.", 520000, 130, 144, -0.30, -0.25, +0.40, +0.20),
)
INDUSTRY_SHIFT = {"hospital": (0.0, 0.0), "transit": (-0.15, -0.10)}  # Image, Quality

CONSTRUCTS = {
    "Image": ("机构形象", "Image"),
    "Quality": ("感知质量", "Perceived quality"),
    "Value": ("感知价值", "Perceived value"),
    "Satisfaction": ("顾客满意度", "Satisfaction"),
    "Complaint": ("问题与投诉", "Problems and complaints"),
    "Loyalty": ("顾客忠诚", "Loyalty"),
}
LATENTS = list(CONSTRUCTS)
# Standardized structural coefficients (dependent, predictor) -> coefficient.
PATHS = {
    ("Quality", "Image"): 0.50,
    ("Value", "Image"): 0.20,
    ("Value", "Quality"): 0.50,
    ("Satisfaction", "Image"): 0.15,
    ("Satisfaction", "Quality"): 0.50,
    ("Satisfaction", "Value"): 0.25,
    ("Complaint", "Satisfaction"): -0.50,
    ("Loyalty", "Image"): 0.15,
    ("Loyalty", "Satisfaction"): 0.50,
    ("Loyalty", "Complaint"): -0.20,
}
MODEL_SYNTAX = """\
# measurement model (all reflective)
Image        =~ IMG1 + IMG2 + IMG3
Quality      =~ QUA1 + QUA2 + QUA3 + QUA4
Value        =~ VAL1 + VAL2
Satisfaction =~ SAT1 + SAT2 + SAT3
Complaint    =~ CPL1 + CPL2
Loyalty      =~ LOY1 + LOY2 + LOY3
# structural model
Quality      ~ Image
Value        ~ Image + Quality
Satisfaction ~ Image + Quality + Value
Complaint    ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaint
"""

# id, construct, loading, intercept (1-5 scale), reverse, zh, en
ITEMS = (
    ("IMG1", "Image", 0.84, 3.8, False, "该机构在本地口碑良好", "The organisation has a good local reputation"),
    ("IMG2", "Image", 0.80, 3.9, False, "该机构值得信赖", "The organisation can be trusted"),
    ("IMG3", "Image", 0.70, 3.6, False, "该机构关心公众利益", "The organisation cares about the public interest"),
    ("QUA1", "Quality", 0.86, 3.7, False, "总体服务质量", "Overall quality of service"),
    ("QUA2", "Quality", 0.78, 3.8, False, "工作人员态度友善、专业", "Staff are friendly and professional"),
    ("QUA3", "Quality", 0.74, 3.3, False, "等候时间可以接受、服务准时",
     "Waiting times are acceptable and the service is on time"),
    ("QUA4", "Quality", 0.70, 3.6, False, "环境整洁、设施完好", "Premises are clean and facilities work"),
    ("VAL1", "Value", 0.85, 3.4, False, "收费与所获服务相比是否合理", "Charges are reasonable for the service received"),
    ("VAL2", "Value", 0.82, 3.5, False, "所获服务与所付费用相比是否值得", "The service is worth what you pay"),
    ("SAT1", "Satisfaction", 0.90, 3.7, False, "总体而言，您对该机构的满意程度", "Overall, how satisfied are you"),
    ("SAT2", "Satisfaction", 0.84, 3.6, False, "与您的预期相比的满意程度", "Satisfaction compared with your expectations"),
    ("SAT3", "Satisfaction", 0.80, 3.4, False, "与理想的服务相比的接近程度", "How close it comes to an ideal service"),
    # lower is better: 1 = none / never, 5 = very many / very often
    ("CPL1", "Complaint", 0.85, 1.9, False, "过去一年您遇到问题的多少（1 = 没有，5 = 非常多）",
     "How many problems did you experience in the past year (1 = none, 5 = very many)"),
    ("CPL2", "Complaint", 0.80, 1.7, False, "您需要投诉或反映问题的频率（1 = 从不，5 = 非常频繁）",
     "How often did you need to complain (1 = never, 5 = very often)"),
    ("LOY1", "Loyalty", 0.86, 3.9, False, "如可选择，您仍会选择该机构", "Given the choice, you would use it again"),
    ("LOY2", "Loyalty", 0.84, 3.7, False, "您愿意向亲友推荐该机构", "You would recommend it to friends and family"),
    ("LOY3", "Loyalty", 0.70, 3.6, True, "我会考虑改用其他机构", "I would consider switching to another provider"),
)
ITEM_IDS = [i[0] for i in ITEMS]
ITEM_SLOPE = 0.85

DEMOGRAPHICS = {
    "gender": ("性别", "Gender", {"male": ("男", "Male"), "female": ("女", "Female")}),
    "age_band": ("年龄段", "Age band", {"18-39": ("18–39岁", "18–39"), "40-64": ("40–64岁", "40–64"),
                                        "65+": ("65岁及以上", "65 and over")}),
    "channel": ("调查方式", "Survey channel", {"phone": ("电话访问", "Telephone"), "web": ("网络问卷", "Web"),
                                              "intercept": ("现场拦截访问", "On-site intercept")}),
}
MARGINS = {"gender": {"male": 0.49, "female": 0.51}, "age_band": {"18-39": 0.38, "40-64": 0.42, "65+": 0.20}}
# Sample composition (skewed against the margins: hospital patients are older, riders younger).
AGE_MIX = {"hospital": (0.22, 0.40, 0.38), "transit": (0.55, 0.35, 0.10)}
FEMALE_SHARE = {"hospital": 0.58, "transit": 0.47}
CHANNEL_MIX = {"hospital": (0.50, 0.15, 0.35), "transit": (0.20, 0.45, 0.35)}
SATISFACTION_SHIFT_BY_AGE = {"18-39": -0.30, "40-64": 0.0, "65+": +0.30}
QUOTA_MIN_N = 6  # enterprises with at least this many respondents cover every raking level (H04, n = 2, cannot)

COMMENTS = ("挂号排队时间太长", "候车时间长，班次少", "工作人员态度很好", "收费不透明",
            "“自助机”经常故障, 希望尽快修理", "空调太冷", "Signage is confusing, \"exit B\" is hard to find")


# --------------------------------------------------------------------------- generation


def _path_matrix() -> np.ndarray:
    b = np.zeros((len(LATENTS), len(LATENTS)))
    for (dep, pred), coef in PATHS.items():
        b[LATENTS.index(dep), LATENTS.index(pred)] = coef
    return b


def _residual_variances(b: np.ndarray) -> np.ndarray:
    """Residual variances giving every latent unit variance (latents are in causal order)."""
    k = len(LATENTS)
    cov = np.zeros((k, k))
    psi = np.zeros(k)
    for j in range(k):
        explained = b[j] @ cov @ b[j]
        psi[j] = 1.0 - explained
        cov[j, :j] = cov[:j, :j] @ b[j, :j]
        cov[:j, j] = cov[j, :j]
        cov[j, j] = 1.0
    return psi


def _respondents(rng: np.random.Generator, ent: tuple, n: int, wave: int) -> pd.DataFrame:
    eid, industry = ent[0], ent[1]
    current = wave == CURRENT_WAVE
    img_shift, qual_shift, cpl_shift, change = ent[7], ent[8], ent[9], ent[10]
    ind_img, ind_qual = INDUSTRY_SHIFT[industry]
    back = 0.0 if current else change
    shifts = np.zeros(len(LATENTS))
    shifts[LATENTS.index("Image")] = ind_img + img_shift - back
    shifts[LATENTS.index("Quality")] = ind_qual + qual_shift - back
    shifts[LATENTS.index("Complaint")] = cpl_shift + (back if eid == MOST_COMPLAINTS else 0.0)

    gender = np.where(rng.random(n) < FEMALE_SHARE[industry], "female", "male").astype(object)
    age = rng.choice(list(SATISFACTION_SHIFT_BY_AGE), size=n, p=AGE_MIX[industry]).astype(object)
    if n >= QUOTA_MIN_N:  # fieldwork quotas: at least one respondent in every gender and age band
        order = rng.permutation(n)
        for values, levels in ((gender, MARGINS["gender"]), (age, MARGINS["age_band"])):
            for level in levels:
                if level not in set(values):  # recode a respondent whose own level stays represented
                    k = next(k for k in order if (values == values[k]).sum() >= 2)
                    values[k] = level
    channel = rng.choice(list(DEMOGRAPHICS["channel"][2]), size=n, p=CHANNEL_MIX[industry])

    b, psi = _path_matrix(), _residual_variances(_path_matrix())
    eta = np.zeros((n, len(LATENTS)))
    sat = LATENTS.index("Satisfaction")
    for j in range(len(LATENTS)):
        eta[:, j] = eta @ b[j] + np.sqrt(psi[j]) * rng.standard_normal(n) + shifts[j]
        if j == sat:
            eta[:, j] += np.vectorize(SATISFACTION_SHIFT_BY_AGE.get)(age)

    out = {ID_COLUMN: [f"{eid}-{wave % 100:02d}-{k:04d}" for k in range(1, n + 1)],
           ENTERPRISE_COLUMN: eid, "wave": wave, "channel": channel, "gender": gender, "age_band": age}
    for iid, construct, loading, intercept, reverse, _, _ in ITEMS:
        v = loading * eta[:, LATENTS.index(construct)] + np.sqrt(1 - loading ** 2) * rng.standard_normal(n)
        x = np.clip(np.rint(intercept + ITEM_SLOPE * v), *SCALE).astype("int64")
        out[iid] = (SCALE[0] + SCALE[1] - x) if reverse else x
    frame = pd.DataFrame(out)
    frame["duration_seconds"] = np.rint(rng.lognormal(np.log(360), 0.35, n)).astype("int64")
    wrote = rng.random(n) < 1 / (1 + np.exp(2.2 - 0.9 * eta[:, LATENTS.index("Complaint")]))
    frame["comment"] = [COMMENTS[k] if w else "" for w, k in zip(wrote, rng.integers(0, len(COMMENTS), n))]
    return frame


def _missing(rng: np.random.Generator, frame: pd.DataFrame) -> pd.DataFrame:
    """Blank ~2 % of the answers and code ~0.6 % as 9 (don't know); items become nullable integers."""
    items = frame[ITEM_IDS].astype("Int64")
    u = rng.random(items.shape)
    items = items.mask(u < BLANK_RATE)
    items = items.mask((u >= BLANK_RATE) & (u < BLANK_RATE + DONT_KNOW_RATE), MISSING_CODE)
    frame[ITEM_IDS] = items
    return frame


def _plant_problems(rng: np.random.Generator, frame: pd.DataFrame, wave: int) -> pd.DataFrame:
    """Speeders, a straightliner, a duplicate and an out-of-range typo, in enterprises of n >= 120 only."""
    big = frame[ENTERPRISE_COLUMN].map(frame[ENTERPRISE_COLUMN].value_counts()) >= 120
    rows = rng.permutation(np.flatnonzero(big.to_numpy()))
    speeders, straight, dup_src, typo = rows[:6], rows[6:7], rows[7:8], rows[8:9]
    frame.loc[frame.index[speeders], "duration_seconds"] = rng.integers(25, 55, len(speeders))
    frame.loc[frame.index[straight], ITEM_IDS] = 3
    frame.loc[frame.index[typo], "QUA2"] = 7 if wave == CURRENT_WAVE else 0  # a data-entry error
    copy = frame.iloc[dup_src].copy()
    copy[ID_COLUMN] = copy[ID_COLUMN] + "b"
    copy["duration_seconds"] = rng.integers(200, 500, len(copy))
    return pd.concat([frame, copy], ignore_index=True)


def _wave(rng: np.random.Generator, enterprises: list[tuple], wave: int) -> pd.DataFrame:
    frames = []
    for ent in enterprises:
        n = ent[5] if wave == CURRENT_WAVE else ent[6]
        if n:
            frames.append(_respondents(rng, ent, n, wave))
    frame = _missing(rng, pd.concat(frames, ignore_index=True))
    return _plant_problems(rng, frame, wave)


# --------------------------------------------------------------------------- files


def _s(text: str) -> str:
    """A TOML basic string (JSON escapes are valid TOML)."""
    return json.dumps(text, ensure_ascii=False)


def _zh_en(zh: str, en: str) -> str:
    return f"{{ zh = {_s(zh)}, en = {_s(en)} }}"


def _questionnaire_toml() -> str:
    lines = [
        "# Questionnaire of the second csi test study (written by tests/studies/second_study.py).",
        "# Items are rated 1-5. Higher is better except Complaint (CPL1, CPL2): 1 = no problems /",
        "# never complained, 5 = very many problems / complained very often (lower is better).",
        f"title = {_zh_en('公共服务顾客满意度调查问卷', 'Public service customer satisfaction questionnaire')}",
        f"id_column = {_s(ID_COLUMN)}",
        f"enterprise_column = {_s(ENTERPRISE_COLUMN)}",
        f"scale = [{SCALE[0]}, {SCALE[1]}]",
        f'missing_codes = {{ "{MISSING_CODE}" = {_zh_en("不清楚/不适用", "Don" + chr(39) + "t know / not applicable")} }}',
    ]
    for name, (zh, en) in CONSTRUCTS.items():
        lines += ["", f"[constructs.{name}]", f"label = {_zh_en(zh, en)}"]
    for iid, construct, _, _, reverse, zh, en in ITEMS:
        lines += ["", "[[items]]", f"id = {_s(iid)}", f"construct = {_s(construct)}", f"text = {_zh_en(zh, en)}"]
        if reverse:
            lines.append("reverse = true")
    for var, (zh, en, levels) in DEMOGRAPHICS.items():
        inner = ", ".join(f"{_s(k)} = {_zh_en(*v)}" for k, v in levels.items())
        lines += ["", "[[demographics]]", f"id = {_s(var)}", f"label = {_zh_en(zh, en)}", f"levels = {{ {inner} }}"]
    lines += ["", "[[open_ended]]", 'id = "comment"', f"label = {_zh_en('意见或建议', 'Comments or suggestions')}"]
    return "\n".join(lines) + "\n"


def _study_toml(seed: int, industries: list[str], declare_direction: bool, weighting: bool, previous: bool) -> str:
    inds = ", ".join(f"{k} = {_zh_en(*INDUSTRIES[k])}" for k in industries)
    data = ['questionnaire = "questionnaire.toml"', f'responses = ["responses_{CURRENT_WAVE}.csv"]']
    if previous:
        data.append(f'previous_wave = ["responses_{PREVIOUS_WAVE}.csv"]')
    data.append('enterprises = "enterprises.csv"')
    model = [f'syntax = """\n{MODEL_SYNTAX}"""', 'target = "Satisfaction"', 'scheme = "path"',
             'estimation = "pooled"', 'pool_by = "industry"', 'missing = "mean"']
    if declare_direction:
        model.append("lower_is_better = [" + ", ".join(_s(c) for c in LOWER_IS_BETTER) + "]  "
                     "# a higher Complaint index means more problems")
    if weighting:
        margins = "\n".join(f"{var} = {{ " + ", ".join(f"{_s(k)} = {v}" for k, v in shares.items()) + " }"
                            for var, shares in MARGINS.items())
        weigh = ('[weighting]\nmethod = "rake"\nvariables = ["gender", "age_band"]\n'
                 f"[weighting.margins]\n{margins}")
    else:
        weigh = '[weighting]\nmethod = "none"'
    grades = [(0, "较差", "Poor"), (50, "一般", "Fair"), (65, "良好", "Good"), (80, "优秀", "Excellent")]
    grade_text = "\n\n".join(f"[[report.grades]]\nmin = {m}\nlabel = {_zh_en(zh, en)}" for m, zh, en in grades)
    title = _zh_en(f"{CURRENT_WAVE} 年度医疗与公共交通服务顾客满意度测评（测试用）",
                   f"{CURRENT_WAVE} Hospital and public transport customer satisfaction evaluation (test study)")
    independence = _zh_en(
        "本报告由独立的第三方机构完成，测评机构与被测评单位无利益关系。",
        "This report was prepared by an independent third party with no interest in the organisation evaluated.")
    return f"""# Second csi test study (synthetic), written by tests/studies/second_study.py (seed {seed}).
# Paths are relative to this file.

[study]
id = "second-{CURRENT_WAVE}"
title = {title}
evaluator = {_zh_en("测试评价中心", "Test Evaluation Centre")}
period = "{CURRENT_WAVE}"
language = "en"
seed = {seed}
industries = {{ {inds} }}

[data]
{chr(10).join(data)}

[model]
{chr(10).join(model)}

[screening]
out_of_range = "exclude"
min_answered = 0.6
straightlining = true
straightlining_min_items = 8
speeder_column = "duration_seconds"
speeder_min_seconds = 60
duplicates = true

{weigh}

[sampling]
margin = 0.15                    # ± scale points for an item mean (1–5 items)
sd = 0.9
confidence = 0.95
census_below = 40
bounds = [120, 400]

[report]
number_prefix = "SCS-{CURRENT_WAVE}-"
date = "{CURRENT_WAVE}-11-30"
independence = {independence}

{grade_text}

[outputs]
dir = "reports"
languages = ["zh", "en"]
formats = ["html"]
"""


def _write_csv(frame: pd.DataFrame, path: pathlib.Path) -> None:
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def make_study(folder: pathlib.Path, *, seed: int = 7, single_industry: bool = False,
               declare_direction: bool = True, weighting: bool = True) -> pathlib.Path:
    """Write the study into folder and return the path of its study.toml.

    single_industry : only the four hospitals (H01–H04), one pool.
    declare_direction : write ``[model] lower_is_better = ["Complaint"]`` (omit it for a csi that
        does not know the key yet).
    weighting : rake to gender × age_band margins (else ``method = "none"``).
    """
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    industries = ["hospital"] if single_industry else list(INDUSTRIES)
    enterprises = [e for e in ENTERPRISES if e[1] in industries]
    rng = np.random.default_rng(seed)
    current = _wave(rng, enterprises, CURRENT_WAVE)
    previous = _wave(rng, enterprises, PREVIOUS_WAVE)
    table = pd.DataFrame([(e[0], e[2], e[3], e[1], e[4]) for e in enterprises],
                         columns=["enterprise_id", "name_zh", "name_en", "industry", "served_customers"])
    (folder / "questionnaire.toml").write_text(_questionnaire_toml(), encoding="utf-8")
    _write_csv(table, folder / "enterprises.csv")
    _write_csv(current, folder / f"responses_{CURRENT_WAVE}.csv")
    _write_csv(previous, folder / f"responses_{PREVIOUS_WAVE}.csv")
    path = folder / "study.toml"
    path.write_text(_study_toml(seed, industries, declare_direction, weighting, previous=True), encoding="utf-8")
    return path


if __name__ == "__main__":
    import sys

    print(make_study(pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "second_study")))
