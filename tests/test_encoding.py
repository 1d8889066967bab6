"""Chinese text survives every input path — CSV in UTF-8 (with and without BOM) and GBK, XLSX, SPSS .sav —
into read_responses' output and into a rendered report fragment."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyreadstat
import pytest

import csi
from csi.report import _render as render
from csi.report import enterprise_content

COMMON = Path(__file__).resolve().parent / "bad_inputs" / "common"
RAW = pd.read_csv(COMMON / "responses_ok.csv", dtype=str, keep_default_na=False)
ITEMS = ["Q1", "Q2", "Q3", "V1", "V2", "S1", "S2", "S3"]
COMMENTS = ["排队时间太长，希望增加窗口", "服务很好！", "收费不透明（水费）", "“引号”与、顿号", "𠮷野家 — 生僻字"]


def _frame() -> pd.DataFrame:
    frame = RAW.copy()
    frame["comment"] = [COMMENTS[i % len(COMMENTS)] for i in range(len(frame))]
    return frame


def _write(kind: str, folder: Path) -> Path:
    frame = _frame()
    if kind == "xlsx":
        path = folder / "responses.xlsx"
        frame.assign(**{i: frame[i].astype(int) for i in ITEMS}).to_excel(path, index=False)
        return path
    if kind == "sav":
        path = folder / "responses.sav"
        numeric = frame.assign(**{i: frame[i].astype(float) for i in ITEMS})
        pyreadstat.write_sav(numeric, path, variable_value_labels={i: {1.0: "非常不满意", 10.0: "非常满意"} for i in ITEMS},
                             column_labels={"comment": "意见建议"})
        return path
    path = folder / "responses.csv"
    text = frame.to_csv(index=False, lineterminator="\n")
    if kind == "gbk":  # GBK has no 𠮷; real GBK exports replace such characters before they reach csi
        frame["comment"] = frame["comment"].str.replace("𠮷", "吉")
        text = frame.to_csv(index=False, lineterminator="\n")
    path.write_bytes(text.encode({"utf8": "utf-8", "bom": "utf-8-sig", "gbk": "gbk"}[kind]))
    return path


KINDS = ["utf8", "bom", "gbk", "xlsx", "sav"]


@pytest.mark.parametrize("kind", KINDS)
def test_chinese_text_survives_read_responses(tmp_path, kind):
    q = csi.load_questionnaire(COMMON / "questionnaire.toml")
    df = csi.read_responses(_write(kind, tmp_path), q)
    expected = _frame()["comment"]
    if kind == "gbk":
        expected = expected.str.replace("𠮷", "吉")
    assert df["comment"].tolist() == expected.tolist()
    assert df.loc[0, "respondent_id"] == "E01-001" and df["S3"].notna().all()


@pytest.fixture(scope="module")
def reference_index(tmp_path_factory) -> float:
    return _content(tmp_path_factory.mktemp("utf8"), "utf8").index


def _content(folder: Path, kind: str):
    for name in ("questionnaire.toml", "model.txt", "enterprises.csv"):
        (folder / name).write_bytes((COMMON / name).read_bytes())
    responses = _write(kind, folder)
    text = (COMMON / "study.toml").read_text(encoding="utf-8").replace("responses_ok.csv", responses.name)
    (folder / "study.toml").write_text(text, encoding="utf-8")
    return enterprise_content(folder / "study.toml", "E01", lang="zh")


@pytest.mark.parametrize("kind", ["bom", "gbk", "xlsx", "sav"])
def test_chinese_reaches_the_report_fragment_and_numbers_do_not_depend_on_the_format(tmp_path, kind,
                                                                                      reference_index):
    content = _content(tmp_path, kind)
    html = str(render.table(content.items, {"item": "题目", "text": "问题", "mean": "均值"}, "zh"))
    assert "服务质量总体评价" in html and "我会考虑更换服务商" in html
    assert render.record(content).data["enterprise"] == "江城供水有限公司"
    assert content.index == pytest.approx(reference_index, abs=1e-9)


def test_gbk_enterprises_file_loads_with_chinese_names():
    """enterprises.csv saved as GBK (as Excel in Chinese Windows does) reads like the responses do."""
    study_file = Path(__file__).resolve().parent / "bad_inputs" / "study" / "enterprises_gbk" / "study.toml"
    assert (study_file.parent / "enterprises.csv").read_bytes().decode("gbk")  # really GBK, not UTF-8
    study = csi.load_study(study_file)
    assert any("\u4e00" <= ch <= "\u9fff" for e in study.enterprises for ch in e.name["zh"])
