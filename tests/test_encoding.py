"""Chinese text survives every input path — CSV in UTF-8 (with and without BOM) and GBK, XLSX, SPSS .sav —
into read_responses' output and into a rendered report fragment."""

from __future__ import annotations

import codecs
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


# --------------------------------------------------------------------------- files mixing encodings

def _questionnaire() -> csi.Questionnaire:
    return csi.load_questionnaire(COMMON / "questionnaire.toml")


def _mixed(path: Path, encodings: dict[int, str], default: str, bom: bool = False) -> Path:
    """The shared responses with the comments of every row, line k encoded as ``encodings[k]`` (else
    ``default``)."""
    lines = _frame().assign(comment=lambda f: f["comment"].str.replace("𠮷", "吉")).to_csv(
        index=False, lineterminator="\n").splitlines()
    data = b"".join(line.encode(encodings.get(k, default)) + b"\n" for k, line in enumerate(lines, start=1))
    path.write_bytes(codecs.BOM_UTF8 + data if bom else data)
    return path


def test_gbk_file_with_utf8_lines_is_refused_naming_them(tmp_path):
    path = _mixed(tmp_path / "r.csv", {7: "utf-8", 12: "utf-8", 30: "utf-8"}, "gbk")
    with pytest.raises(csi.SchemaError, match=r"r\.csv: mixed text encodings: the file is GBK \(GB18030\) but lines "
                                              r"7, 12, 30 hold UTF-8 text \(line 7: '.*'\), which would be read as "
                                              r"garbled characters\. Save the whole file in one encoding"):
        csi.read_responses(path, _questionnaire())


def test_utf8_file_with_gbk_lines_is_refused_naming_them(tmp_path):
    path = _mixed(tmp_path / "r.csv", {3: "gbk"}, "utf-8")
    with pytest.raises(csi.SchemaError, match=r"the file is UTF-8 but line 3 is not — it looks like GBK \(line 3: "
                                              r"'服务很好！' read as GBK\)"):
        csi.read_responses(path, _questionnaire())
    # a byte-order mark says UTF-8 whatever the count of lines
    path = _mixed(tmp_path / "r.csv", dict.fromkeys(range(2, 30), "gbk"), "utf-8", bom=True)
    with pytest.raises(csi.SchemaError, match=r"the file is UTF-8 \(it starts with a byte-order mark\) but lines 2, 3, "
                                              r".*, 21, … \(28 lines in all\) are not — they look like GBK"):
        csi.read_responses(path, _questionnaire())


def test_gbk_text_is_not_mistaken_for_utf8():
    """Every Chinese text of the demo responses, and every common hanzi pair, saved as GBK reads as GBK: a short
    GBK text can be valid UTF-8 by chance ('女' is C5 AE, 'Ů' in UTF-8), and must not be called UTF-8."""
    from csi.io._questionnaire import _cells_by_encoding
    demo = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "demo" / "responses_2026.csv", dtype=str)
    texts = {v for c in demo.columns for v in demo[c].dropna().unique() if not v.isascii()}
    common = [bytes([a, b]).decode("gb2312") for a in range(0xB0, 0xD8) for b in range(0xA1, 0xFF, 7)
              if (a, b) < (0xD7, 0xFA)]
    texts |= {x + y for x in common[::3] for y in common[::5]} | {"女", "男", "城区"}
    data = b"\n".join(t.encode("gbk") for t in sorted(texts))
    assert _cells_by_encoding(data)[0] == {}


def test_utf16_is_named(tmp_path):
    (tmp_path / "r.csv").write_bytes(RAW.to_csv(index=False).encode("utf-16"))
    with pytest.raises(csi.SchemaError, match=r"encoding not recognised \(it looks like UTF-16\); save it as UTF-8"):
        csi.read_responses(tmp_path / "r.csv", _questionnaire())


def test_enterprises_file_mixing_encodings_is_refused_too(tmp_path):
    """Every CSV csi reads goes through the same decoding: the enterprise list too."""
    for name in ("questionnaire.toml", "responses_ok.csv", "model.txt", "study.toml"):
        (tmp_path / name).write_bytes((COMMON / name).read_bytes())
    lines = (COMMON / "enterprises.csv").read_text(encoding="utf-8").splitlines()
    (tmp_path / "enterprises.csv").write_bytes(lines[0].encode() + b"\n" + lines[1].encode("gbk") + b"\n"
                                               + lines[2].encode("utf-8") + b"\n")
    with pytest.raises(csi.StudyError, match=r"enterprises\.csv: mixed text encodings: .*line"):
        csi.load_study(tmp_path / "study.toml")
