"""Generate the bundled csi demo study (synthetic, fictional data).

Run ``python data/demo/generate.py``. The script rewrites every data file in its own
folder from the true parameters defined below:

* ``questionnaire.toml``  items, constructs, demographics (read by the csi loader)
* ``enterprises.csv``     24 fictional enterprises in three industries
* ``responses_2026.csv``  current survey wave
* ``responses_2025.csv``  previous survey wave (same enterprises, other true levels)
* ``responses_2024.csv``  the wave before it, drawn by a generator of its own (``SEED_2024``)
* ``margins.csv``         population margins of region, age band and gender
* ``true_index.csv``      true per-enterprise indices (large simulated population)
* ``README.md``           description of the files and of every true parameter

Data-generating model: a CCSI-style structural model of seven standardized latents,
enterprise shifts on Image and Quality, demographic shifts on Satisfaction, skewed
unique errors, a linear map to the 1-10 scale with rounding and clipping, reverse
coding, missing values and short complaint texts. Output is deterministic: one
``numpy.random.default_rng(20261121)`` drives everything, so two runs give
byte-identical files. Only numpy and pandas are needed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20261121
OUT = Path(__file__).resolve().parent
WAVES = (2026, 2025)
#: The wave before 2025, drawn after everything else by a generator of its own, so that adding it left every
#: other file as it was. Its true shifts are 2025's minus CHANGE_2024 (a few enterprises moved).
EARLIER_WAVE = 2024
SEED_2024 = 20241121
CHANGE_2024 = {"W03": 0.20, "W06": -0.25, "T03": 0.15, "T05": -0.20, "B07": 0.20, "B02": -0.15}
POP_SIZE = 200_000  # simulated population per enterprise and wave for the true index

# --------------------------------------------------------------------------- model

LATENTS = ["Image", "Expectation", "Quality", "Value", "Satisfaction", "Complaint", "Loyalty"]

CONSTRUCT_LABELS = {
    "Image": ("品牌形象", "Brand image"),
    "Expectation": ("顾客预期", "Customer expectation"),
    "Quality": ("感知质量", "Perceived quality"),
    "Value": ("感知价值", "Perceived value"),
    "Satisfaction": ("顾客满意度", "Customer satisfaction"),
    "Complaint": ("顾客抱怨", "Customer complaints"),
    "Loyalty": ("顾客忠诚", "Customer loyalty"),
}

# Standardized structural coefficients: (dependent, predictor) -> coefficient.
PATHS = {
    ("Expectation", "Image"): 0.50,
    ("Quality", "Image"): 0.40,
    ("Quality", "Expectation"): 0.30,
    ("Value", "Expectation"): 0.15,
    ("Value", "Quality"): 0.55,
    ("Satisfaction", "Image"): 0.15,
    ("Satisfaction", "Expectation"): 0.05,
    ("Satisfaction", "Quality"): 0.45,
    ("Satisfaction", "Value"): 0.25,
    ("Complaint", "Satisfaction"): 0.55,
    ("Loyalty", "Image"): 0.15,
    ("Loyalty", "Satisfaction"): 0.55,
    ("Loyalty", "Complaint"): 0.15,
}

# id, construct, standardized loading, intercept (1-10 scale), reverse, zh text, en text
ITEMS = [
    ("IMAG1", "Image", 0.85, 7.8, False,
     "该企业的总体形象", "Overall image of the company"),
    ("IMAG2", "Image", 0.80, 7.8, False,
     "该企业诚信可靠、值得信赖", "The company is honest and trustworthy"),
    ("IMAG3", "Image", 0.72, 7.6, False,
     "该企业积极履行社会责任", "The company fulfils its social responsibilities"),
    ("IMAG4", "Image", 0.75, 7.5, False,
     "该企业管理规范、服务理念先进", "The company is well managed and service-minded"),
    ("EXPE1", "Expectation", 0.82, 8.0, False,
     "使用服务前，您对该企业总体质量的预期",
     "Before using the service, your expectation of its overall quality"),
    ("EXPE2", "Expectation", 0.78, 7.9, False,
     "使用服务前，您对该企业服务可靠性的预期",
     "Before using the service, your expectation of its reliability"),
    ("EXPE3", "Expectation", 0.70, 7.7, False,
     "使用服务前，您预期该企业满足您个性化需求的程度",
     "Before using the service, how well you expected it to meet your own needs"),
    ("QUAL1", "Quality", 0.88, 7.7, False,
     "您对该企业总体服务质量的评价", "Your rating of the overall quality of service"),
    ("QUAL2", "Quality", 0.80, 7.8, False,
     "服务可靠性：服务稳定，很少中断或出现故障",
     "Reliability: the service is stable and rarely interrupted or faulty"),
    ("QUAL3", "Quality", 0.78, 7.4, False,
     "办理业务方便快捷（网点、线上渠道、等候时间）",
     "Transactions are quick and convenient (outlets, online channels, waiting time)"),
    ("QUAL4", "Quality", 0.76, 7.7, False,
     "工作人员服务态度好、业务熟练", "Staff are courteous and competent"),
    ("QUAL5", "Quality", 0.70, 7.9, True,
     "服务中经常出现差错（如计费、账单或办理错误）",
     "Errors often occur in the service (e.g. charging, billing or processing errors)"),
    ("VALU1", "Value", 0.86, 7.2, False,
     "价格与质量相比：就所提供的服务质量而言，收费是否合理",
     "Price given quality: how reasonable the charges are for the quality received"),
    ("VALU2", "Value", 0.84, 7.3, False,
     "质量与价格相比：就所支付的费用而言，服务质量如何",
     "Quality given price: how good the service is for what you pay"),
    ("SATI1", "Satisfaction", 0.90, 7.7, False,
     "总体而言，您对该企业的满意程度", "Overall, how satisfied you are with the company"),
    ("SATI2", "Satisfaction", 0.84, 7.6, False,
     "与使用前的预期相比，您的满意程度", "Your satisfaction compared with your expectations"),
    ("SATI3", "Satisfaction", 0.80, 7.4, False,
     "与您心目中理想的服务相比，该企业的接近程度",
     "How close the company comes to your ideal service provider"),
    ("COMP1", "Complaint", 0.88, 7.3, False,
     "投诉处理满意度：您对该企业处理投诉或意见的满意程度",
     "Complaint handling: your satisfaction with how complaints and comments are handled"),
    ("COMP2", "Complaint", 0.82, 7.4, False,
     "投诉渠道畅通、响应及时", "Complaint channels are easy to reach and respond promptly"),
    ("LOYA1", "Loyalty", 0.87, 7.8, False,
     "再次选择意愿：如可以重新选择，您仍会选择该企业",
     "Repurchase intention: given the choice again, you would still choose the company"),
    ("LOYA2", "Loyalty", 0.85, 7.6, False,
     "推荐意愿：您愿意向亲友推荐该企业", "You would recommend the company to friends and family"),
    ("LOYA3", "Loyalty", 0.72, 7.5, True,
     "我会考虑换用其他企业", "I would consider switching to another provider"),
]
ITEM_IDS = [item[0] for item in ITEMS]
ITEM_SLOPE = 1.5       # scale points per unit of the standardized item value
ERROR_SHAPE = 4.0      # unique errors: (k - Gamma(k)) / sqrt(k), skewness -2/sqrt(k)

# ------------------------------------------------------------------- enterprises

INDUSTRIES = {  # code: (zh, en, Image shift, Quality shift)
    "water": ("供水", "Water supply", 0.00, -0.10),
    "telecom": ("电信", "Telecommunications", -0.20, -0.25),
    "bank": ("银行", "Banking", 0.25, 0.20),
}

# id, zh, en, served customers, respondents 2026, Image dev, Quality dev,
# change 2025 -> 2026 (added to both Image and Quality shifts in 2026)
ENTERPRISES = [
    ("W01", "江城市自来水有限公司", "Jiangcheng Water Supply Co., Ltd.", 612400, 380, 0.30, 0.35, 0.05),
    ("W02", "澜川水务集团有限公司", "Lanchuan Water Group Co., Ltd.", 438900, 320, 0.10, 0.05, 0.00),
    ("W03", "雁湖供水有限责任公司", "Yanhu Water Supply Co., Ltd.", 205300, 240, -0.25, -0.35, 0.45),
    ("W04", "枫岭市自来水公司", "Fengling Municipal Water Company", 126800, 180, 0.45, 0.55, -0.05),
    ("W05", "柳湾水务有限公司", "Liuwan Water Co., Ltd.", 88450, 150, -0.10, 0.00, 0.05),
    ("W06", "青禾县供水有限公司", "Qinghe County Water Supply Co., Ltd.", 23760, 95, -0.50, -0.60, -0.40),
    ("W07", "石桥村供水站", "Shiqiao Village Water Station", 38, 38, 0.20, 0.10, 0.00),
    ("W08", "白沙河农村供水站", "Baishahe Rural Water Station", 47, 47, -0.35, -0.25, 0.05),
    ("T01", "华信通信江城分公司", "Huaxin Telecom, Jiangcheng Branch", 1845000, 400, 0.05, 0.10, 0.00),
    ("T02", "天联移动通信有限公司", "Tianlian Mobile Communications Co., Ltd.", 1320500, 360, 0.40, 0.45, -0.05),
    ("T03", "云讯宽带网络有限公司", "Yunxun Broadband Network Co., Ltd.", 402300, 260, -0.25, -0.30, 0.30),
    ("T04", "星联通信服务有限公司", "Xinglian Telecom Services Co., Ltd.", 268900, 210, 0.00, -0.05, 0.05),
    ("T05", "广域通信澜川分公司", "Guangyu Telecom, Lanchuan Branch", 154200, 170, -0.20, -0.20, -0.45),
    ("T06", "联众网络通信有限公司", "Lianzhong Network Communications Co., Ltd.", 61300, 120, 0.20, 0.15, 0.00),
    ("T07", "海川融合通信有限公司", "Haichuan Converged Communications Co., Ltd.", 8450, 65, -0.30, -0.40, 0.05),
    ("T08", "云讯政企专线服务中心", "Yunxun Enterprise Leased-Line Service Centre", 44, 44, 0.30, 0.50, 0.00),
    ("B01", "江城商业银行", "Jiangcheng Commercial Bank", 936200, 350, 0.25, 0.20, 0.00),
    ("B02", "澜川农村商业银行", "Lanchuan Rural Commercial Bank", 512700, 280, -0.20, -0.25, 0.05),
    ("B03", "瑞和银行江城分行", "Ruihe Bank, Jiangcheng Branch", 287400, 230, 0.55, 0.60, -0.05),
    ("B04", "雁湖村镇银行", "Yanhu Village Bank", 42850, 140, -0.40, -0.50, 0.00),
    ("B05", "鼎元银行江城分行", "Dingyuan Bank, Jiangcheng Branch", 176300, 190, 0.10, 0.05, 0.00),
    ("B06", "融达银行澜川分行", "Rongda Bank, Lanchuan Branch", 58900, 110, -0.05, 0.00, 0.05),
    ("B07", "柳湾农村信用合作社", "Liuwan Rural Credit Cooperative", 12380, 75, -0.55, -0.45, -0.05),
    ("B08", "鼎元银行私人银行部", "Dingyuan Bank Private Banking Department", 31, 31, 0.35, 0.40, 0.00),
]

# ----------------------------------------------------------------- demographics

DEMOGRAPHICS = {  # id: (zh, en, {level: (zh, en)})
    "region": ("地区", "Region", {
        "urban": ("城区", "Urban"), "suburban": ("郊区", "Suburban"), "rural": ("农村", "Rural")}),
    "age_band": ("年龄段", "Age band", {
        "18-29": ("18–29岁", "18–29"), "30-44": ("30–44岁", "30–44"),
        "45-59": ("45–59岁", "45–59"), "60+": ("60岁及以上", "60 and over")}),
    "gender": ("性别", "Gender", {"male": ("男", "Male"), "female": ("女", "Female")}),
    "channel": ("调查方式", "Survey channel", {
        "online": ("网络投票", "Online"),
        "questionnaire": ("入户问卷", "Household questionnaire"),
        "onsite": ("现场无记名投票", "On-site anonymous ballot")}),
}

MARGINS = {  # population shares
    "region": {"urban": 0.50, "suburban": 0.25, "rural": 0.25},
    "age_band": {"18-29": 0.18, "30-44": 0.28, "45-59": 0.29, "60+": 0.25},
    "gender": {"male": 0.50, "female": 0.50},
}

CHANNEL_MIX = {  # industry mean channel shares; enterprises vary around them
    "water": {"online": 0.25, "questionnaire": 0.45, "onsite": 0.30},
    "telecom": {"online": 0.60, "questionnaire": 0.15, "onsite": 0.25},
    "bank": {"online": 0.45, "questionnaire": 0.15, "onsite": 0.40},
}
CHANNEL_CONCENTRATION = 25.0  # Dirichlet concentration around the industry mix
RESPONSE_RATE = (0.35, 0.70)  # 2026 fieldwork: respondents ÷ customers contacted, drawn uniformly per enterprise

DEMOGRAPHICS_BY_CHANNEL = {  # sample composition given channel
    "online": {"region": {"urban": 0.75, "suburban": 0.18, "rural": 0.07},
               "age_band": {"18-29": 0.45, "30-44": 0.36, "45-59": 0.14, "60+": 0.05},
               "gender": {"male": 0.47, "female": 0.53}},
    "questionnaire": {"region": {"urban": 0.40, "suburban": 0.30, "rural": 0.30},
                      "age_band": {"18-29": 0.10, "30-44": 0.26, "45-59": 0.34, "60+": 0.30},
                      "gender": {"male": 0.42, "female": 0.58}},
    "onsite": {"region": {"urban": 0.55, "suburban": 0.27, "rural": 0.18},
               "age_band": {"18-29": 0.18, "30-44": 0.32, "45-59": 0.30, "60+": 0.20},
               "gender": {"male": 0.52, "female": 0.48}},
}

SATISFACTION_SHIFT = {  # additive shifts on the Satisfaction latent (SD units)
    "region": {"urban": -0.15, "suburban": 0.00, "rural": 0.15},
    "age_band": {"18-29": -0.35, "30-44": -0.10, "45-59": 0.05, "60+": 0.25},
    "gender": {"male": 0.00, "female": 0.00},
}

# ------------------------------------------------------------ missing and texts

MISSING = {  # item group: (blank rate, don't-know (99) rate)
    "default": (0.016, 0.008),
    "Complaint": (0.050, 0.030),
}
DONT_KNOW = 99
COMPLAINT_INTERCEPT = -2.35  # logit P(writes a complaint) = a - b * Satisfaction latent
COMPLAINT_SLOPE = 0.85

PHRASES = {
    "water": ["水压不稳定，经常停水", "停水前没有提前通知", "自来水有时发黄、有异味", "水费账单金额有误",
              "维修人员态度差", "报修后很久才有人上门", "营业厅排队时间太长", "抄表不准，水费忽高忽低",
              "客服电话打不通", "管道漏水多次报修未处理", "缴费方式少，老年人不方便"],
    "telecom": ["信号差", "网速慢，晚上经常断网", "APP 经常闪退", "套餐资费不透明", "莫名其妙被扣费",
                "客服电话打不通", "营业厅排队时间太长", "宽带安装等了一个多星期", "推销电话太多",
                "账单金额有误", "维修人员态度差"],
    "bank": ["手续费太高", "营业厅排队时间太长", "手机银行 APP 经常闪退", "柜台只开一个窗口",
             "理财产品风险没讲清楚", "信用卡年费收取不合理", "跨行转账到账慢", "客服电话打不通",
             "工作人员推销保险", "ATM 经常故障", "账单金额有误"],
}
PHRASES_QUOTED = {  # ASCII commas and quotes, so the CSV writer must quote them
    "water": ['客服只说"已登记"，一直没有下文', "停水通知贴得太晚, 根本来不及储水"],
    "telecom": ['APP 经常闪退, 登录还要反复验证', '套餐写着"不限量"，实际超过就限速'],
    "bank": ['账单上有"其他费用"，问了也说不清', "手续费太高, 而且事先没有告知"],
}
ENDINGS = ["", "", "", "。", "，希望尽快改进。", "，希望能重视。", "，反映多次没有解决。"]
QUOTED_SHARE = 0.06


# =============================================================== model algebra


def path_matrix() -> np.ndarray:
    """B[i, j] = coefficient of latent j in the equation of latent i."""
    b = np.zeros((len(LATENTS), len(LATENTS)))
    for (dep, pred), coef in PATHS.items():
        b[LATENTS.index(dep), LATENTS.index(pred)] = coef
    return b


def residual_variances(b: np.ndarray) -> np.ndarray:
    """Residual variances that give every latent unit variance (recursive model)."""
    k = len(LATENTS)
    psi = np.zeros(k)
    cov = np.zeros((k, k))
    for i in range(k):  # LATENTS is in causal order
        psi[i] = 1.0 - b[i] @ cov @ b[i]
        cov[i, :] = cov[:, i] = b[i] @ cov
        cov[i, i] = 1.0
    return psi


def latent_shift(image: float, quality: float, satisfaction: np.ndarray) -> np.ndarray:
    """Per-person intercept vector (n, latents) of the structural equations."""
    alpha = np.zeros((satisfaction.size, len(LATENTS)))
    alpha[:, LATENTS.index("Image")] = image
    alpha[:, LATENTS.index("Quality")] = quality
    alpha[:, LATENTS.index("Satisfaction")] = satisfaction
    return alpha


def draw_latents(rng, alpha: np.ndarray, b: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """eta = (I - B)^-1 (alpha + zeta), one row per person."""
    zeta = rng.standard_normal(alpha.shape) * np.sqrt(psi)
    total = np.linalg.inv(np.eye(len(LATENTS)) - b)
    return (alpha + zeta) @ total.T


def draw_items(rng, eta: np.ndarray, items=ITEMS) -> np.ndarray:
    """Item scores 1-10 (positive direction): round(c + s * (l*eta + e)), clipped."""
    out = np.empty((eta.shape[0], len(items)))
    for j, (_, construct, loading, intercept, *_rest) in enumerate(items):
        error = (ERROR_SHAPE - rng.gamma(ERROR_SHAPE, size=eta.shape[0])) / np.sqrt(ERROR_SHAPE)
        value = loading * eta[:, LATENTS.index(construct)] + np.sqrt(1 - loading**2) * error
        out[:, j] = np.clip(np.floor(intercept + ITEM_SLOPE * value + 0.5), 1, 10)
    return out


def enterprise_shifts(ent: tuple, wave: int) -> tuple[float, float]:
    """True (Image, Quality) shift of an enterprise in a wave: industry + deviation."""
    eid, _, _, _, _, dev_image, dev_quality, change = ent
    _, _, ind_image, ind_quality = INDUSTRIES[industry_of(eid)]
    back = 0.0 if wave == 2026 else change + (CHANGE_2024.get(eid, 0.0) if wave == EARLIER_WAVE else 0.0)
    return ind_image + dev_image - back, ind_quality + dev_quality - back


def industry_of(eid: str) -> str:
    return {"W": "water", "T": "telecom", "B": "bank"}[eid[0]]


def satisfaction_shift(demo: dict) -> np.ndarray:
    return sum(pd.Series(demo[var]).map(SATISFACTION_SHIFT[var]).to_numpy() for var in MARGINS)


# ================================================================= the sample


def choice(rng, shares: dict, n: int) -> np.ndarray:
    levels = list(shares)
    return np.asarray(levels, dtype=object)[rng.choice(len(levels), size=n, p=list(shares.values()))]


def channel_mixes(rng) -> dict:
    """Per-enterprise channel shares: Dirichlet around the industry mix."""
    mixes = {}
    for ent in ENTERPRISES:
        base = CHANNEL_MIX[industry_of(ent[0])]
        shares = rng.dirichlet(CHANNEL_CONCENTRATION * np.array(list(base.values())))
        mixes[ent[0]] = dict(zip(base, shares))
    return mixes


def wave_sizes(rng) -> dict:
    """Respondents per enterprise and wave; census enterprises survey everybody."""
    sizes = {}
    for ent in ENTERPRISES:
        eid, served, n26 = ent[0], ent[3], ent[4]
        n25 = n26 if n26 == served else int(np.clip(round(n26 * rng.uniform(0.85, 1.15)), 60, 400))
        sizes[eid] = {2026: n26, 2025: n25}
    return sizes


def draw_demographics(rng, mix: dict, n: int) -> dict:
    channel = choice(rng, mix, n)
    demo = {"channel": channel}
    for var in MARGINS:
        demo[var] = np.empty(n, dtype=object)
        for ch, comp in DEMOGRAPHICS_BY_CHANNEL.items():
            rows = channel == ch
            demo[var][rows] = choice(rng, comp[var], int(rows.sum()))
    return demo


def complaint_texts(rng, industry: str, sat_latent: np.ndarray) -> np.ndarray:
    """Short Chinese complaints; dissatisfied respondents write more often."""
    p = 1 / (1 + np.exp(-(COMPLAINT_INTERCEPT - COMPLAINT_SLOPE * sat_latent)))
    texts = np.full(sat_latent.size, None, dtype=object)
    for i in np.flatnonzero(rng.random(sat_latent.size) < p):
        if rng.random() < QUOTED_SHARE:
            texts[i] = rng.choice(PHRASES_QUOTED[industry])
            continue
        k = 1 if rng.random() < 0.7 else 2
        parts = rng.choice(PHRASES[industry], size=k, replace=False)
        texts[i] = "，".join(parts) + rng.choice(ENDINGS)
    return texts


def add_missing(rng, scores: np.ndarray) -> pd.DataFrame:
    """Stored item columns: reverse coding, then blanks and 99 codes (MCAR)."""
    frame = {}
    for j, (iid, construct, _, _, reverse, *_rest) in enumerate(ITEMS):
        values = 11 - scores[:, j] if reverse else scores[:, j].copy()
        blank, dk = MISSING.get(construct, MISSING["default"])
        u = rng.random(values.size)
        values[u < blank + dk] = DONT_KNOW
        values[u < blank] = np.nan
        frame[iid] = pd.array(values, dtype="Int64")
    return pd.DataFrame(frame)


def simulate_wave(rng, wave: int, sizes: dict, mixes: dict) -> pd.DataFrame:
    b = path_matrix()
    psi = residual_variances(b)
    parts = []
    for ent in ENTERPRISES:
        eid = ent[0]
        n = sizes[eid][wave]
        demo = draw_demographics(rng, mixes[eid], n)
        image, quality = enterprise_shifts(ent, wave)
        eta = draw_latents(rng, latent_shift(image, quality, satisfaction_shift(demo)), b, psi)
        scores = draw_items(rng, eta)
        head = pd.DataFrame({
            "respondent_id": [f"{wave}-{eid}-{i:04d}" for i in range(1, n + 1)],
            "enterprise_id": eid, "wave": wave, "channel": demo["channel"],
            "region": demo["region"], "age_band": demo["age_band"], "gender": demo["gender"],
        })
        items = add_missing(rng, scores)
        text = pd.Series(complaint_texts(rng, industry_of(eid), eta[:, LATENTS.index("Satisfaction")]),
                         name="complaint_text", dtype=object)
        parts.append(pd.concat([head, items, text], axis=1))
    return pd.concat(parts, ignore_index=True)


# ============================================================== data-quality problems to screen

PLANTED = {"speeders": 0.01, "straightliners": 0.005, "duplicates": 0.003, "empty": 0.001}
SPEEDER_MAX_SECONDS = 80  # the demo study excludes interviews shorter than 90 s


def plant_quality_problems(frame: pd.DataFrame, wave: int) -> pd.DataFrame:
    """Add a duration column and a few respondents the screening rules must catch.

    Uses its own generator (seeded from SEED and the wave), so the main stream, and with it every
    other value, is unchanged. Rows are modified in place; no respondent is added or removed.
    """
    rng = np.random.default_rng([SEED, wave, 7])
    out = frame.copy()
    n = len(out)
    out["duration_seconds"] = np.round(rng.lognormal(np.log(420), 0.35, n)).astype(int)
    picks = rng.permutation(n)
    counts = {k: max(1, round(share * n)) for k, share in PLANTED.items()}
    start = 0
    chosen = {}
    for kind, k in counts.items():
        chosen[kind] = picks[start:start + k]
        start += k
    out.loc[chosen["speeders"], "duration_seconds"] = rng.integers(25, SPEEDER_MAX_SECONDS, counts["speeders"])
    values = rng.choice([5, 8, 10], counts["straightliners"])
    out.loc[chosen["straightliners"], ITEM_IDS] = np.repeat(values[:, None], len(ITEM_IDS), axis=1)
    for row in chosen["duplicates"]:  # the same answers submitted again under another id of the enterprise
        peers = np.flatnonzero((out["enterprise_id"] == out.at[row, "enterprise_id"]).to_numpy())
        source = rng.choice(peers[peers != row])
        out.loc[row, ITEM_IDS + ["channel", "region", "age_band", "gender"]] = \
            out.loc[source, ITEM_IDS + ["channel", "region", "age_band", "gender"]].to_numpy()
    out.loc[chosen["empty"], ITEM_IDS] = np.nan
    cols = [c for c in out.columns if c != "complaint_text"] + ["complaint_text"]
    return out[cols]


def quality_note(waves: dict) -> str:
    rows = "\n".join(f"| {kind} | {share:.1%} | " + " | ".join(
        str(max(1, round(share * len(f)))) for f in waves.values()) + " |" for kind, share in PLANTED.items())
    return f"""
## Planted data-quality problems (for the screening rules)

After the data are drawn, `plant_quality_problems` (its own generator, so nothing else changes) adds a
`duration_seconds` column (log-normal, median 420 s) and modifies a few respondents in each wave:

| problem | share | {" | ".join(f"n {w}" for w in waves)} |
|---|---|{"---|" * len(waves)}
{rows}

- speeders: interview shorter than {SPEEDER_MAX_SECONDS} s (the demo study excludes < 90 s);
- straightliners: the same raw answer (5, 8 or 10) to all 22 items, reverse-coded ones included;
- duplicates: another respondent's answers and demographics submitted again under a new id;
- empty: no item answered.

The true parameters above describe the data before these changes; screening removes them again.
"""


# ============================================================== the true index


def true_indices(rng) -> pd.DataFrame:
    """Per-enterprise truth from a large population drawn at the population margins.

    Index = mean of SATI1-SATI3 rescaled (x - 1) / 9 * 100, before missingness.
    """
    b = path_matrix()
    psi = residual_variances(b)
    sat_items = [item for item in ITEMS if item[1] == "Satisfaction"]
    rows = []
    for ent in ENTERPRISES:
        for wave in WAVES:
            demo = {var: choice(rng, MARGINS[var], POP_SIZE) for var in MARGINS}
            image, quality = enterprise_shifts(ent, wave)
            eta = draw_latents(rng, latent_shift(image, quality, satisfaction_shift(demo)), b, psi)
            scores = draw_items(rng, eta, sat_items)
            rows.append({"enterprise_id": ent[0], "wave": wave,
                         "image_shift": round(image, 2) + 0.0, "quality_shift": round(quality, 2) + 0.0,
                         "satisfaction_latent_mean": round(float(eta[:, LATENTS.index("Satisfaction")].mean()), 3),
                         "true_index": round(float(((scores - 1) / 9 * 100).mean()), 2)})
    return pd.DataFrame(rows)


# ============================================================== the 2024 wave


def earlier_wave(mixes: dict) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """The 2024 wave (responses, sizes and true indices) from its own generator: the same enterprises and
    channel mixes, sample sizes the 2026 ones times a factor in [0.85, 1.15] (census enterprises in full)."""
    rng = np.random.default_rng(SEED_2024)
    sizes = {e[0]: {EARLIER_WAVE: e[4] if e[4] == e[3] else int(np.clip(round(e[4] * rng.uniform(0.85, 1.15)),
                                                                         60, 400))} for e in ENTERPRISES}
    frame = simulate_wave(rng, EARLIER_WAVE, sizes, mixes)
    b, rows = path_matrix(), []
    psi = residual_variances(b)
    sat_items = [item for item in ITEMS if item[1] == "Satisfaction"]
    for ent in ENTERPRISES:  # as true_indices does for the other waves
        demo = {var: choice(rng, MARGINS[var], POP_SIZE) for var in MARGINS}
        image, quality = enterprise_shifts(ent, EARLIER_WAVE)
        eta = draw_latents(rng, latent_shift(image, quality, satisfaction_shift(demo)), b, psi)
        scores = draw_items(rng, eta, sat_items)
        rows.append({"enterprise_id": ent[0], "wave": EARLIER_WAVE,
                     "true_index": round(float(((scores - 1) / 9 * 100).mean()), 2)})
    return plant_quality_problems(frame, EARLIER_WAVE), sizes, pd.DataFrame(rows)


def earlier_note(frame: pd.DataFrame, sizes: dict, truth: pd.DataFrame, earlier: pd.DataFrame) -> str:
    wide = truth.pivot(index="enterprise_id", columns="wave", values="true_index")
    true24 = earlier.set_index("enterprise_id")["true_index"]
    rows = md_table(pd.DataFrame(
        [(e[0], sizes[e[0]][EARLIER_WAVE], f"{CHANGE_2024.get(e[0], 0.0):+.2f}", f"{true24[e[0]]:.1f}",
          f"{wide.loc[e[0], 2025]:.1f}", f"{wide.loc[e[0], 2025] - true24[e[0]]:+.1f}") for e in ENTERPRISES],
        columns=["id", "n 2024", "change 24→25", "true index 2024", "true index 2025", "Δ"]))
    return f"""
## The 2024 wave (`responses_2024.csv`)

A third wave, {len(frame)} respondents, for the trend over several waves (`[data] previous_wave` lists the
waves 2024 and 2025 in `study.toml`). It is drawn after everything else by a generator of its own,
`numpy.random.default_rng({SEED_2024})`, so the other files are those of the two-wave demo. Same enterprises,
channel mixes and model; the true Image and Quality shifts are 2025's minus the column "change 24→25"
(positive = the enterprise improved in 2025); sample sizes are the 2026 ones times a factor in [0.85, 1.15]
(census enterprises in full); the same data-quality problems are planted. Its true indices (from a population
of {POP_SIZE:,} per enterprise, as above) are not in `true_index.csv`, which keeps the two waves it had:

{rows}
"""


# ================================================================ file writers


def toml_str(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # JSON string escapes are valid TOML


def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z][A-Za-z0-9_-]*", key) else toml_str(key)


def zh_en(zh: str, en: str) -> str:
    return f"{{ zh = {toml_str(zh)}, en = {toml_str(en)} }}"


def questionnaire_toml() -> str:
    lines = [
        "# Demo questionnaire of the csi bundled study (generated by generate.py).",
        "# Items are rated 1-10: 1 = very poor / strongly disagree, 10 = excellent / strongly agree.",
        f"title = {zh_en('客户满意度调查问卷', 'Customer satisfaction questionnaire')}",
        'id_column = "respondent_id"',
        'enterprise_column = "enterprise_id"',
        "scale = [1, 10]",
        f'missing_codes = {{ "{DONT_KNOW}" = {zh_en("不知道", "Don" + chr(39) + "t know")} }}',
    ]
    for name in LATENTS:
        lines += ["", f"[constructs.{name}]", f"label = {zh_en(*CONSTRUCT_LABELS[name])}"]
    for iid, construct, _, _, reverse, zh, en in ITEMS:
        lines += ["", "[[items]]", f'id = "{iid}"', f'construct = "{construct}"',
                  f"text = {zh_en(zh, en)}"]
        if reverse:
            lines.append("reverse = true")
    for var, (zh, en, levels) in DEMOGRAPHICS.items():
        inner = ", ".join(f"{toml_key(k)} = {zh_en(*v)}" for k, v in levels.items())
        lines += ["", "[[demographics]]", f'id = "{var}"', f"label = {zh_en(zh, en)}",
                  f"levels = {{ {inner} }}"]
    lines += ["", "[[open_ended]]", 'id = "complaint_text"', f"label = {zh_en('投诉或意见', 'Complaints or comments')}"]
    return "\n".join(lines) + "\n"


def contacted_customers() -> dict:
    """Customers contacted in the 2026 fieldwork, the denominator of the response rate.

    Census enterprises contacted every customer (all answered). The others reached their 2026
    respondents at a response rate drawn per enterprise from RESPONSE_RATE by a generator of its own
    (seeded from SEED), so the main stream, and with it every response, is unchanged.
    """
    rng = np.random.default_rng([SEED, 2026, 11])
    rates = rng.uniform(*RESPONSE_RATE, len(ENTERPRISES))
    return {e[0]: e[3] if e[3] == e[4] else min(e[3], round(e[4] / rate)) for e, rate in zip(ENTERPRISES, rates)}


def enterprises_frame() -> pd.DataFrame:
    contacted = contacted_customers()
    return pd.DataFrame(
        [(e[0], e[1], e[2], industry_of(e[0]), e[3], contacted[e[0]]) for e in ENTERPRISES],
        columns=["enterprise_id", "name_zh", "name_en", "industry", "served_customers", "contacted"])


def margins_frame() -> pd.DataFrame:
    return pd.DataFrame([(var, level, share) for var, shares in MARGINS.items()
                         for level, share in shares.items()], columns=["variable", "level", "share"])


def write_csv(frame: pd.DataFrame, name: str) -> None:
    frame.to_csv(OUT / name, index=False, encoding="utf-8", lineterminator="\n")


# ===================================================================== README


def md_table(frame: pd.DataFrame) -> str:
    cells = frame.astype(str)
    lines = ["| " + " | ".join(cells.columns) + " |", "|" + "---|" * len(cells.columns)]
    lines += ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False)]
    return "\n".join(lines)


def missing_summary(waves: dict) -> pd.DataFrame:
    rows = []
    for wave, frame in waves.items():
        items = frame[ITEM_IDS]
        total = items.size
        comp = frame[["COMP1", "COMP2"]]
        rows.append({"wave": wave,
                     "blank %": f"{100 * items.isna().sum().sum() / total:.2f}",
                     "99 (don't know) %": f"{100 * (items == DONT_KNOW).sum().sum() / total:.2f}",
                     "COMP items missing %": f"{100 * (comp.isna() | (comp == DONT_KNOW)).sum().sum() / comp.size:.2f}",
                     "complaint text %": f"{100 * frame['complaint_text'].notna().mean():.1f}"})
    return pd.DataFrame(rows)


def skew_table(waves: dict) -> pd.DataFrame:
    rows = []
    for var, shares in MARGINS.items():
        for level, share in shares.items():
            row = {"variable": var, "level": level, "population": f"{share:.2f}"}
            for wave, frame in waves.items():
                row[f"sample {wave}"] = f"{(frame[var] == level).mean():.2f}"
            rows.append(row)
    return pd.DataFrame(rows)


def unweighted_bias(frame: pd.DataFrame, truth: pd.DataFrame, wave: int) -> float:
    """Mean over enterprises of (unweighted sample SATI index - true index)."""
    sati = frame[["SATI1", "SATI2", "SATI3"]].astype("float64")
    index = ((sati.where(sati != DONT_KNOW) - 1) / 9 * 100).mean(axis=1)
    estimate = index.groupby(frame["enterprise_id"]).mean()
    true = truth[truth["wave"] == wave].set_index("enterprise_id")["true_index"]
    return float((estimate - true).mean())


def readme(waves: dict, truth: pd.DataFrame, sizes: dict, mixes: dict) -> str:
    b = path_matrix()
    psi = residual_variances(b)
    paths = md_table(pd.DataFrame([(dep, pred, f"{c:.2f}") for (dep, pred), c in PATHS.items()],
                                  columns=["dependent", "predictor", "coefficient"]))
    resid = md_table(pd.DataFrame({"latent": LATENTS, "residual variance": [f"{v:.3f}" for v in psi],
                                   "R²": [f"{1 - v:.3f}" for v in psi]}))
    loadings = md_table(pd.DataFrame(
        [(i[0], i[1], f"{i[2]:.2f}", f"{i[3]:.1f}", "yes" if i[4] else "", i[5]) for i in ITEMS],
        columns=["item", "construct", "loading", "intercept", "reverse", "text (zh)"]))
    industries = md_table(pd.DataFrame(
        [(code, zh, en, f"{img:+.2f}", f"{q:+.2f}") for code, (zh, en, img, q) in INDUSTRIES.items()],
        columns=["industry", "zh", "en", "Image shift", "Quality shift"]))
    wide = truth.pivot(index="enterprise_id", columns="wave", values="true_index")
    ent_rows = []
    for e in ENTERPRISES:
        eid = e[0]
        ent_rows.append((eid, industry_of(eid), e[3], sizes[eid][2026], sizes[eid][2025],
                         f"{e[5]:+.2f}", f"{e[6]:+.2f}", f"{e[7]:+.2f}",
                         " / ".join(f"{mixes[eid][c]:.2f}" for c in ("online", "questionnaire", "onsite")),
                         f"{wide.loc[eid, 2025]:.1f}", f"{wide.loc[eid, 2026]:.1f}",
                         f"{wide.loc[eid, 2026] - wide.loc[eid, 2025]:+.1f}"))
    ents = md_table(pd.DataFrame(ent_rows, columns=[
        "id", "industry", "served", "n 2026", "n 2025", "Image dev", "Quality dev",
        "change 25→26", "channel mix (onl/quest/onsite)", "true index 2025", "true index 2026", "Δ"]))
    demo_shift = md_table(pd.DataFrame([(var, lvl, f"{v:+.2f}") for var, d in SATISFACTION_SHIFT.items()
                                        for lvl, v in d.items()], columns=["variable", "level", "shift"]))
    by_channel = md_table(pd.DataFrame(
        [(ch, var, ", ".join(f"{k} {v:.2f}" for k, v in d[var].items()))
         for ch, d in DEMOGRAPHICS_BY_CHANNEL.items() for var in MARGINS],
        columns=["channel", "variable", "sample shares"]))
    improved = ", ".join(e[0] for e in ENTERPRISES if e[7] >= 0.25)
    worse = ", ".join(e[0] for e in ENTERPRISES if e[7] <= -0.25)
    census = [e for e in ENTERPRISES if e[3] == e[4]]
    census_txt = ", ".join(f"{e[0]} (n = {e[3]})" for e in census)
    contacted = contacted_customers()
    rates = ", ".join(f"{e[0]} {e[4] / contacted[e[0]]:.0%}" for e in ENTERPRISES)
    n = {w: len(f) for w, f in waves.items()}
    lo, hi = truth["true_index"].min(), truth["true_index"].max()
    bias = ", ".join(f"{w}: {unweighted_bias(f, truth, w):+.1f} points" for w, f in waves.items())
    blank, dk = MISSING["default"]
    cblank, cdk = MISSING["Complaint"]
    return f"""# csi demo study (synthetic)

A complete, **entirely fictional** customer-satisfaction study used by the csi
examples, tutorial and tests: 24 invented enterprises in three industries (water
supply 供水, telecommunications 电信, banking 银行), three survey waves (2024, 2025 and 2026),
22 ten-point items of a CCSI-style model, demographics, survey channel and short
complaint texts in Chinese. Names of enterprises are made up; any resemblance to a
real company is accidental.

Every file here except `study.toml` is written by `generate.py`:

```
python data/demo/generate.py
```

The script needs only numpy and pandas, uses one `numpy.random.default_rng({SEED})`
and is deterministic: running it twice gives byte-identical files. Change a parameter
at the top of the script and rerun to get another scenario; this README is rewritten
with it.

## Files

| file | content |
|---|---|
| `questionnaire.toml` | constructs, items (zh/en wording, reverse coding), demographics, open-ended question |
| `enterprises.csv` | `enterprise_id,name_zh,name_en,industry,served_customers,contacted` |
| `responses_2026.csv` | current wave, {n[2026]} respondents |
| `responses_2025.csv` | previous wave, {n[2025]} respondents |
| `responses_{EARLIER_WAVE}.csv` | the wave before it (see the end of this page) |
| `margins.csv` | population margins `variable,level,share` of region, age_band, gender |
| `true_index.csv` | true per-enterprise index and latent shifts per wave (see below) |
| `study.toml` | study definition (written by hand, not by the generator) |
| `generate.py` | the generator |

### Response columns

UTF-8, comma separated, header row, one row per respondent.

| column | values |
|---|---|
| `respondent_id` | unique string `WAVE-ENTERPRISE-NNNN`, e.g. `2026-W01-0001` |
| `enterprise_id` | `W01`–`W08`, `T01`–`T08`, `B01`–`B08` |
| `wave` | 2026, 2025 or 2024 |
| `channel` | `online` (网络投票), `questionnaire` (入户问卷), `onsite` (现场无记名投票) |
| `region` | `urban`, `suburban`, `rural` |
| `age_band` | `18-29`, `30-44`, `45-59`, `60+` |
| `gender` | `male`, `female` |
| `IMAG1`…`LOYA3` | 22 items, integers 1–10; blank = missing; 99 = don't know |
| `complaint_text` | free text in Chinese, mostly empty |

Items: {", ".join(ITEM_IDS)}.

`QUAL5` and `LOYA3` are **reverse-coded** (negatively worded): the files store the
answer as given (10 = strongly agree that errors occur / would switch), i.e. the
generated positive score x was stored as 11 − x. The questionnaire declares them
`reverse = true`; recode before analysis.

## Data-generating model (true parameters)

### Structure

Seven latents in causal order {", ".join(LATENTS)}. Within an enterprise every latent
has unit variance (residual variances below are set so), and the coefficients are the
**standardized** path coefficients of the latent model. The demographic shifts on
Satisfaction (below) add a little person-to-person variance on top of that.

Complaint is measured by ratings of complaint handling (higher = better), so the paths
Satisfaction → Complaint and Complaint → Loyalty are positive.

{paths}

{resid}

### Measurement

Item value before scaling: v = λ·η + √(1 − λ²)·e with standardized loading λ and a
left-skewed unique error e = (k − Gamma(k)) / √k, k = {ERROR_SHAPE:g} (mean 0, variance 1,
skewness −1). The 1–10 answer is round(intercept + {ITEM_SLOPE:g}·v), **clipped** at 1
and 10 (clipping is acceptable in a generator; it adds a ceiling at 10 on top of the
left skew, so most answers are 6–9). Reverse-coded items are generated in the positive
direction and then stored as 11 − x.

{loadings}

### Enterprise and industry effects

Each enterprise shifts the intercepts of Image and Quality (latent SD units):
shift = industry mean + enterprise deviation. In 2025 both shifts were lower by the
column "change 25→26" (positive = the enterprise improved in 2026). Clearly improved:
{improved}. Clearly got worse: {worse}. The others changed little.

{industries}

{ents}

Channel mix: per-enterprise shares drawn once from a Dirichlet around the industry
mix (concentration {CHANNEL_CONCENTRATION:g}); the same mix is used in both waves.
Census enterprises (served fewer than 50 customers, everybody surveyed, respondents =
`served_customers`): {census_txt}. The other enterprises served thousands of customers
and have 60–400 respondents; their 2025 sample sizes are the 2026 ones times a random
factor in [0.85, 1.15], kept within 60–400. `served_customers` refers to 2026; the census
enterprises served the same number in 2025 and were surveyed in full in both waves.

`contacted` is the number of customers contacted in the 2026 fieldwork, the denominator of the
response rate in the reports (respondents read ÷ contacted). Census enterprises contacted all their
customers, and all answered. For the others, contacted = round(n 2026 ÷ r) with a response rate r drawn
uniformly in [{RESPONSE_RATE[0]:.2f}, {RESPONSE_RATE[1]:.2f}] per enterprise by `contacted_customers`, which has a generator of
its own (seeded from the seed), so the responses do not depend on it. Response rates: {rates}.

### Demographics, channel and the skew against the margins

Demographics depend on the channel (online respondents are younger and more urban),
and they shift the Satisfaction latent, so an unweighted mean is biased and weighting
to `margins.csv` matters. Gender has no effect. The channel itself has no direct effect.

{demo_shift}

{by_channel}

Sample shares versus population margins (`margins.csv`):

{md_table(skew_table(waves))}

### Missing values and complaint texts

Missing completely at random, per item value: blank {100 * blank:.1f} % and 99 (don't
know) {100 * dk:.1f} %; on the Complaint items COMP1, COMP2 blank {100 * cblank:.1f} %
and 99 {100 * cdk:.1f} %. Realised:

{md_table(missing_summary(waves))}

A respondent writes a complaint with probability logistic({COMPLAINT_INTERCEPT:g} −
{COMPLAINT_SLOPE:g}·Satisfaction latent), so dissatisfied customers write more often.
Texts combine one or two phrases of a per-industry list; about {100 * QUOTED_SHARE:.0f} %
use phrases with ASCII commas and double quotes, which exercises CSV quoting.

### True index per enterprise

`true_index.csv` and the table above give the **true index**: the mean of SATI1–SATI3
rescaled to 0–100 by (x − 1) / 9 · 100, computed from a **large simulated population**
({POP_SIZE:,} customers per enterprise and wave, demographics drawn independently at the
population margins, item rounding and clipping included, before missingness; Monte Carlo
error about ±0.05). A weighted estimate from the sample should come close; an
unweighted one is biased down by the sample skew (mean of unweighted SATI index minus
true index over the enterprises: {bias}).
A PLS index weights SATI1–SATI3 by estimated outer weights rather than equally; with
loadings 0.90 / 0.84 / 0.80 the difference is small. True indices range from {lo:.1f}
to {hi:.1f}. `satisfaction_latent_mean` is the population mean of the Satisfaction latent.
"""


# ======================================================================== main


def main() -> None:
    rng = np.random.default_rng(SEED)
    mixes = channel_mixes(rng)
    sizes = wave_sizes(rng)
    waves = {wave: simulate_wave(rng, wave, sizes, mixes) for wave in WAVES}
    truth = true_indices(rng)
    waves = {wave: plant_quality_problems(frame, wave) for wave, frame in waves.items()}
    earlier, earlier_sizes, earlier_truth = earlier_wave(mixes)

    (OUT / "questionnaire.toml").write_text(questionnaire_toml(), encoding="utf-8")
    write_csv(enterprises_frame(), "enterprises.csv")
    write_csv(margins_frame(), "margins.csv")
    for wave, frame in waves.items():
        write_csv(frame, f"responses_{wave}.csv")
    write_csv(earlier, f"responses_{EARLIER_WAVE}.csv")
    write_csv(truth, "true_index.csv")
    (OUT / "README.md").write_text(readme(waves, truth, sizes, mixes) + quality_note(waves)
                                   + earlier_note(earlier, earlier_sizes, truth, earlier_truth), encoding="utf-8")
    print(f"demo study written to {OUT}: " + ", ".join(f"{w}: {len(f)} respondents" for w, f in waves.items())
          + f", {EARLIER_WAVE}: {len(earlier)} respondents"
          + f"; true index {truth['true_index'].min():.1f}–{truth['true_index'].max():.1f}")


if __name__ == "__main__":
    main()
