"""The formal elements of a third-party report: study keys (validation names the key path and suggests),
evaluation criteria, fieldwork and response rate, limitations and the statement on use, signatures, the
glossary; in zh and en, with every key given (the demo) and with none."""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import csi
from csi import report
from csi.exceptions import StudyError
from csi.io._study import Fieldwork, Signature
from csi.report import _formal as formal
from csi.report._i18n import STRINGS

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "data" / "demo"
MINE = ("cover", "background", "sampling", "limitations", "signature", "glossary")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def text_of(fragment: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


@pytest.fixture(scope="module")
def content(demo_analysis):
    """The demo content of an enterprise in a language, computed once per module (it is frozen)."""
    cache = {}

    def get(enterprise_id="W03", lang="zh"):
        if (enterprise_id, lang) not in cache:
            cache[enterprise_id, lang] = report.enterprise_content(None, enterprise_id, lang, analysis=demo_analysis)
        return cache[enterprise_id, lang]
    return get


def bare(c):
    """The content as if study.toml and the enterprise list gave none of the formal keys."""
    study = c.study
    study = dataclasses.replace(study, commissioned_by={}, fieldwork=Fieldwork(), period="",
                                model=dataclasses.replace(study.model, preset=None),
                                report=dataclasses.replace(study.report, use_statement={}, limitations=(),
                                                           signature=Signature()))
    return dataclasses.replace(c, study=study, enterprise=dataclasses.replace(c.enterprise, contacted=None))


def table_rows(fragment: str, css: str) -> list[list[str]]:
    """The body rows of the first table with class ``css``, as lists of cell texts."""
    body = re.search(rf'<table class="csi-table {css}">.*?<tbody>(.*?)</tbody>', fragment, re.DOTALL).group(1)
    return [[text_of(cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.DOTALL)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.DOTALL)]


def meta_value(fragment: str, label: str) -> str:
    match = re.search(rf"<th[^>]*>{re.escape(html.escape(label))}</th><td[^>]*>(.*?)</td>", fragment, re.DOTALL)
    assert match, label
    return text_of(match.group(1)).strip()


# ------------------------------------------------------------------ study keys


@pytest.fixture()
def study_dir(tmp_path: Path) -> Path:
    shutil.copytree(DEMO, tmp_path / "demo", ignore=shutil.ignore_patterns("generate.py", "README.md"))
    return tmp_path / "demo"


def set_key(folder: Path, key: str, new: str, name: str = "study.toml") -> Path:
    """Replace the line(s) of ``key`` (a one-line value or a multi-line array) with ``new``."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    pattern = rf"^{re.escape(key)} = (\[\n.*?^\]|[^\n]*)$"
    assert re.search(pattern, text, re.MULTILINE | re.DOTALL), f"test setup: {key} not in {name}"
    path.write_text(re.sub(pattern, lambda _m: new, text, count=1, flags=re.MULTILINE | re.DOTALL), encoding="utf-8")
    return folder / "study.toml"


@pytest.mark.parametrize(("key", "new", "message"), [
    ("commissioned_by", "commissioned_by = 5", r"\[study\.commissioned_by\]: expected a string or a table of strings by language, e\.g\. .*; got 5\."),
    ("commissioned_by", 'commissioned_by = { zh = "甲", eng = "A" }',
     r"\[study\.commissioned_by\]: unknown language 'eng' \(did you mean 'en'\?\)"),
    ("[fieldwork]", "[fieldwrok]", r"\[fieldwrok\]: unknown key \(did you mean 'fieldwork'\?\)"),
    ("frame", 'frames = "x"', r"\[fieldwork\.frames\]: unknown key \(did you mean 'frame'\?\)"),
    ("start", 'start = "2026-13-01"', r"\[fieldwork\.start\]: '2026-13-01' is not a date; write it as YYYY-MM-DD"),
    ("start", "start = 20260901", r"\[fieldwork\.start\]: expected date, got int 20260901"),
    ("end", "end = 2026-08-01", r"\[fieldwork\.end\]: the fieldwork ends \(2026-08-01\) before it starts"),
    ("end", "", r"\[fieldwork\.end\]: give both start and end"),
    ("end", "end = 2026-12-31", r"\[report\.date\]: the report date 2026-12-15 is before the end of the fieldwork"),
    ("selection", "selection = { zh = 1 }", r"\[fieldwork\.selection\]: expected a string or a table of strings"),
    ("quality_control", 'quality_control = ["a", 5]', r"\[fieldwork\.quality_control\[1\]\]: expected a string or a table of strings"),
    ("quality_control", 'quality_control = "a"', r"\[fieldwork\.quality_control\]: expected list, got str"),
    ("onsite", 'on_site = "x"',
     r"\[fieldwork\.modes\.on_site\]: not a level of the questionnaire's channel variable \(did you mean 'onsite'\?\)"),
    ("use_statement", "use_statement = 42", r"\[report\.use_statement\]: expected a string or a table of strings by language, e\.g\. .*; got 42\."),
    ("use_statement", 'use_statement = { zh = " " }', r"\[report\.use_statement\]: the text is empty"),
    ("use_statement", 'use_statment = "x"',
     r"\[report\.use_statment\]: unknown key \(did you mean 'use_statement'\?\)"),
    ("limitations", 'limitations = "one"', r"\[report\.limitations\]: expected list, got str"),
    ("limitations", 'limitations = [{ zh = "a", en = 3 }]', r"\[report\.limitations\[0\]\]: expected a string"),
    ("seal", 'seals = "x"', r"\[report\.signature\.seals\]: unknown key \(did you mean 'seal'\?\)"),
    ("qualification", "qualification = 3", r"\[report\.signature\.qualification\]: expected a string or a table"),
    ("signatories", 'signatories = [{ name = "x" }]',
     r"\[report\.signature\.signatories\[0\]\.role\]: required key is missing"),
    ("signatories", 'signatories = [{ role = "r", nmae = "x" }]',
     r"\[report\.signature\.signatories\[0\]\.nmae\]: unknown key \(did you mean 'name'\?\)"),
    ("signatories", 'signatories = ["x"]', r"\[report\.signature\.signatories\[0\]\]: expected table, got str \'x\'"),
])
def test_invalid_keys_name_the_key_path(study_dir, key, new, message):
    if key.startswith("["):
        path = study_dir / "study.toml"
        path.write_text(path.read_text(encoding="utf-8").replace(f"{key}  ", f"{new}  ", 1), encoding="utf-8")
    else:
        path = set_key(study_dir, key, new)
    with pytest.raises(StudyError, match=r"study\.toml: " + message):
        csi.load_study(path)


def test_modes_need_a_channel_variable(study_dir):
    q = study_dir / "questionnaire.toml"
    q.write_text(q.read_text(encoding="utf-8").replace('id = "channel"', 'id = "route"'), encoding="utf-8")
    with pytest.raises(StudyError, match=r"\[fieldwork\.modes\]: the questionnaire has no 'channel' variable"):
        csi.load_study(study_dir / "study.toml")


@pytest.mark.parametrize("value", ["many", "0", "12.5"])
def test_contacted_must_be_a_whole_number(study_dir, value):
    path = study_dir / "enterprises.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = lines[3].rsplit(",", 1)[0] + f",{value}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(StudyError, match=rf"enterprises\.csv: line 4, column 'contacted': '{re.escape(value)}' is not"):
        csi.load_study(study_dir / "study.toml")


def test_demo_fills_every_key():
    study = csi.load_study(DEMO / "study.toml")
    fw, settings = study.fieldwork, study.report
    assert study.commissioned_by["zh"] and study.commissioned_by["en"]
    assert (fw.start, fw.end) == ("2026-09-01", "2026-10-31") and fw.frame and fw.selection
    channel = next(v for v in study.questionnaire.demographics if v.id == "channel")
    assert len(fw.quality_control) >= 3 and set(fw.modes) == set(channel.levels)
    assert settings.use_statement and settings.limitations and settings.signature.qualification
    assert settings.signature.organisation and settings.signature.seal and len(settings.signature.signatories) == 3
    assert all(e.contacted is not None and e.contacted >= 1 for e in study.enterprises)
    assert study.model.preset == "ccsi"
    for text in [study.commissioned_by, fw.frame, fw.selection, *fw.quality_control, *fw.modes.values(),
                 settings.use_statement, *settings.limitations, settings.signature.qualification]:
        assert set(text) == {"zh", "en"} and not CJK.search(text["en"]), text


def test_generator_writes_the_enterprise_list_with_contacts():
    """generate.py reproduces enterprises.csv (contacts drawn by their own seeded generator): census
    enterprises contacted everyone, the others between their respondents and their customers."""
    spec = importlib.util.spec_from_file_location("demo_generate", DEMO / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frame = module.enterprises_frame()
    expected = frame.to_csv(index=False, lineterminator="\n")
    assert (DEMO / "enterprises.csv").read_text(encoding="utf-8") == expected
    for e in module.ENTERPRISES:
        contacted = int(frame.set_index("enterprise_id").loc[e[0], "contacted"])
        assert contacted == e[3] if e[3] == e[4] else e[4] < contacted <= e[3]


# ------------------------------------------------------------------ sections on the demo


def test_response_rate_is_completed_over_contacted(content):
    responses = pd.read_csv(DEMO / "responses_2026.csv", usecols=["enterprise_id"])
    contacted = pd.read_csv(DEMO / "enterprises.csv").set_index("enterprise_id")["contacted"]
    for enterprise_id in ("W03", "W07"):
        completed = int((responses["enterprise_id"] == enterprise_id).sum())
        rate = completed / int(contacted[enterprise_id])
        for lang in ("zh", "en"):
            c = content(enterprise_id, lang)
            page = report.sampling(c).html
            assert meta_value(page, STRINGS["response_rate"][lang]) == f"{100 * rate:.1f}%"
            assert meta_value(page, STRINGS["contacted"][lang]) == f"{int(contacted[enterprise_id]):,}"
            assert meta_value(page, STRINGS["completed"][lang]) == f"{completed:,}"
            # plan completion is analysed ÷ planned, labelled as such, and is not the response rate
            plan = meta_value(page, STRINGS["achieved_rate"][lang])
            assert plan == f"{100 * int(c.ledger['analysed']) / c.plan.n:.1f}%"
    zh = report.sampling(content("W03", "zh")).html
    assert "计划样本完成率" in zh and not re.search(r"(?<!计划样本)完成率", text_of(zh))


def test_fieldwork_frame_selection_modes_and_quality_control(content):
    study = content().study
    for lang in ("zh", "en"):
        c = content("W03", lang)
        page = report.sampling(c).html
        assert meta_value(page, STRINGS["fieldwork_period"][lang]) == \
            {"zh": "2026年9月1日至10月31日", "en": "1 September to 31 October 2026"}[lang]
        assert meta_value(page, STRINGS["sampling_frame"][lang]) == study.fieldwork.frame[lang]
        assert meta_value(page, STRINGS["selection"][lang]) == study.fieldwork.selection[lang]
        channel = next(v for v in study.questionnaire.demographics if v.id == "channel")
        segments = c.segments[c.segments["variable"] == "channel"].set_index("level")["n"]
        rows = table_rows(page, "csi-modes")
        assert rows == [[channel.levels[k][lang], study.fieldwork.modes[k][lang], f"{int(segments[k]):,}"]
                        for k in channel.levels]
        assert sum(int(r[-1].replace(",", "")) for r in rows) == int(c.ledger["analysed"])
        qc = text_of(re.search(r'<ol class="csi-qc">(.*?)</ol>', page, re.DOTALL).group(1))
        assert all(x[lang] in qc for x in study.fieldwork.quality_control)
        assert "90" in qc  # the speeder rule of [screening], in words


def test_evaluation_criteria_print_the_grades_and_the_star_ladder(content):
    for lang in ("zh", "en"):
        c = content("W03", lang)
        page = report.background(c).html
        tables = re.findall(r'<table class="csi-table csi-criteria">.*?</table>', page, re.DOTALL)
        assert len(tables) == 2
        grades = c.study.report.grades
        rows = table_rows(tables[0], "csi-criteria")
        assert [r[0] for r in rows] == [g.label[lang] for g in grades]
        assert rows[0][1] == {"zh": "低于 60 分", "en": "under 60"}[lang]
        assert rows[3][1] == {"zh": "80 分及以上、低于 90 分", "en": "80 to under 90"}[lang]
        assert rows[-1][1] == {"zh": "90 分及以上", "en": "90 and above"}[lang]
        rubric = c.rubric.rubric
        ladder = table_rows(tables[1], "csi-criteria")
        assert [r[0] for r in ladder] == [rubric.fail_label[lang]] + [lv.label[lang] for lv in rubric.levels]
        assert [r[1].count("★") for r in ladder] == [0] + [lv.stars for lv in rubric.levels]
        assert ladder[0][2] == {"zh": f"低于 {rubric.levels[0].min:g} 分", "en": f"under {rubric.levels[0].min:g}"}[lang]


def test_commissioning_is_mentioned_only_when_given(content):
    zh, en = content("W03", "zh"), content("W03", "en")
    assert "受示例市消费者权益保护委员会委托，示例质量协会" in text_of(report.background(zh).html)
    assert "commissioned by Example City Consumer Rights Committee" in text_of(report.background(en).html)
    assert meta_value(report.cover(zh).html, "委托方") == "示例市消费者权益保护委员会"
    for c in (bare(zh), bare(en)):
        page = text_of(report.background(c).html + report.cover(c).html)
        assert "委托" not in page and "ommission" not in page
        assert "于2026" not in page and "于对" not in page  # no half-filled period phrase


def test_basis_names_a_preset_model_only_when_it_is_used(content):
    c = content("W03", "zh")
    assert "中国顾客满意度指数（CCSI）" in text_of(report.background(c).html)
    custom = text_of(report.background(bare(c)).html)
    assert not re.search(r"CCSI|ACSI|ECSI", custom) and "本项目确定的顾客满意度结构方程模型" in custom
    acsi = dataclasses.replace(c, study=dataclasses.replace(c.study, model=dataclasses.replace(c.study.model,
                                                                                              preset="acsi")))
    assert "ACSI" in text_of(report.background(acsi).html) and "CCSI" not in text_of(report.background(acsi).html)


def test_limitations_use_statement_and_signature(content):
    for lang in ("zh", "en"):
        c = content("W07", lang)  # a census enterprise
        page = text_of(report.limitations(c).html)
        assert all(x[lang] in page for x in c.study.report.limitations)
        assert c.study.report.use_statement[lang] in page
        assert {"zh": "普查", "en": "census"}[lang] in page
        sig = report.signature(c).html
        assert 'class="csi-signature"' in sig and "break-inside:avoid" in sig
        rows = table_rows(sig, "csi-signatories")
        assert [(r[0], r[1]) for r in rows] == [(s.role[lang], s.name[lang])
                                              for s in c.study.report.signature.signatories]
        assert c.study.report.signature.qualification[lang] in text_of(sig)
        assert c.study.report.signature.seal[lang] in text_of(sig)


def test_glossary_is_the_docs_glossary_subset(content):
    zh, en = STRINGS["glossary"]["zh"], STRINGS["glossary"]["en"]
    assert zh.keys() == en.keys()
    docs = (ROOT / "docs" / "glossary.md").read_text(encoding="utf-8")
    for term, meaning in en.values():
        assert f"| {term} | {meaning} |" in docs, term
    for lang in ("zh", "en"):
        c = content("W03", lang)
        page = report.glossary(c).html
        assert STRINGS["glossary_title"][lang] in page
        rows = table_rows(page, "csi-glossary")
        assert rows == [list(STRINGS["glossary"][lang][k]) for k in formal.glossary_terms(c)]
        assert {"ci", "significant", "holm", "response_rate", "plan_completion", "design_effect"} <= \
            set(formal.glossary_terms(c))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("given", [True, False], ids=["demo", "no-keys"])
def test_plain_words_only(content, lang, given):
    """No programmer notation or config keys in these sections; English without Chinese outside lang="zh"."""
    c = content("W03", lang)
    c = c if given else bare(c)
    for section in MINE:
        page = getattr(report, section)(c).html
        words = text_of(page)
        assert not re.search(r">=|<=|->|→|=>", words), section
        assert not re.search(r"\[[a-z_.]+\]|\b[a-z]+_[a-z_]+\b|study\.toml", words), section
        assert not re.search(r"\{[a-z_]+\}", page), section
        if lang == "en":
            outside = re.sub(r'<(\w+) [^>]*lang="zh[^"]*"[^>]*>.*?</\1>', " ", page, flags=re.DOTALL)
            assert not CJK.search(text_of(outside)), (section, CJK.findall(text_of(outside))[:10])


def test_sections_without_any_key(content):
    for lang in ("zh", "en"):
        c = bare(content("W03", lang))
        stated = STRINGS["not_stated"][lang]
        page = report.sampling(c).html
        for label in ("fieldwork_period", "sampling_frame", "selection"):
            assert meta_value(page, STRINGS[label][lang]) == stated
        assert meta_value(page, STRINGS["response_rate"][lang]) == STRINGS["response_rate_unknown"][lang]
        assert f'>{html.escape(STRINGS["contacted"][lang])}</th>' not in page  # no row for an unknown count
        limits = text_of(report.limitations(c).html)
        assert STRINGS["limit_no_contacted"][lang] in limits and STRINGS["use_none"][lang] in limits
        sig = report.signature(c).html
        assert [r[0] for r in table_rows(sig, "csi-signatories")] == STRINGS["default_roles"][lang]
        assert STRINGS["seal_default"][lang] in text_of(sig) and stated in text_of(sig)
        assert c.study.evaluator[lang] in text_of(sig)  # the organisation defaults to the evaluator
        assert "csi-modes" in page  # respondents per channel are still shown


def test_a_text_in_one_language_is_marked(content):
    c = content("W03", "en")
    c = dataclasses.replace(c, study=dataclasses.replace(c.study, report=dataclasses.replace(
        c.study.report, use_statement={"zh": "仅供内部使用。"})))
    assert '<span lang="zh">仅供内部使用。</span>' in report.limitations(c).html


def test_contacts_fewer_than_interviews_give_no_rate(content):
    c = content("W03", "zh")
    c = dataclasses.replace(c, enterprise=dataclasses.replace(c.enterprise, contacted=10))
    page = report.sampling(c).html
    assert meta_value(page, STRINGS["response_rate"]["zh"]) == "—"
    assert "接触客户数（10）少于完成访问数（240）" in text_of(page)


def test_date_range_and_period():
    assert formal.date_range("2026-09-01", "2026-10-31", "zh") == "2026年9月1日至10月31日"
    assert formal.date_range("2026-12-20", "2027-01-10", "en") == "20 December 2026 to 10 January 2027"
    assert formal.date_range("2026-09-01", "2026-09-01", "en") == "1 September 2026"


def test_notebook_runs_the_formal_sections_in_order():
    nb = json.loads((ROOT / "notebooks" / "enterprise_report.ipynb").read_text(encoding="utf-8"))
    calls = [re.findall(r"report\.(\w+)\(content[,)]", "".join(cell["source"])) for cell in nb["cells"]]
    order = [name for found in calls for name in found]
    tail = ["conclusions", "limitations", "signature", "appendix", "glossary", "record"]
    assert [x for x in order if x in tail] == tail and order[-1] == "record"
    assert order[order.index("summary") + 1] == "action"  # the action page right after the summary
    assert all(len(found) <= 1 for found in calls)
    assert len({cell["id"] for cell in nb["cells"]}) == len(nb["cells"])


@pytest.mark.slow
def test_second_study_without_formal_keys(tmp_path):
    """A study that gives none of the keys (custom model, 1–5 scale, small enterprises) reads well."""
    from studies.second_study import make_study

    analysis = csi.analyse_study(make_study(tmp_path, weighting=False))
    for lang in ("zh", "en"):
        for enterprise_id in ("H01", "H03"):
            c = report.enterprise_content(None, enterprise_id, lang, analysis=analysis)
            page = "".join(getattr(report, s)(c).html for s in MINE)
            words = text_of(page)
            assert not re.search(r"CCSI|ACSI|ECSI|委托|ommissioned", words)
            assert STRINGS["not_stated"][lang] in words and STRINGS["seal_default"][lang] in words
            assert not re.search(r">=|->|→|\{[a-z_]+\}", page)
