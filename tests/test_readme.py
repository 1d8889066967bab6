"""The README's API examples run as written (from the project root, as a user would), in order."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_quickstart_runs(monkeypatch):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    code = "\n".join(re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL))
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README is ours
    assert 0 < float(namespace["csi"].csi_index(namespace["fit"]).set_index("construct").loc["Satisfaction",
                                                                                                 "index"]) < 100
    analysis = namespace["analysis"]
    assert set(analysis.benchmarks["industry"]) == {"water", "telecom", "bank", "all"}
    assert os.getcwd() == str(ROOT)
