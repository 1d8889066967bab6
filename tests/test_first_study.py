"""docs/first-study.md runs as written: its ``bash`` blocks in order, in a fresh folder (with the project's
``data`` beside it, as in the project folder), and the reports it promises exist with the numbers it quotes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import csi

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "first-study.md"


def test_tutorial_has_at_most_ten_steps_each_a_shell_block():
    steps = re.split(r"^## \d+\. ", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]
    assert 0 < len(steps) <= 10
    assert all("```bash\n" in step for step in steps)


@pytest.mark.slow
def test_tutorial_runs_as_written(tmp_path):
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL)
    shown = re.findall(r"```text\n(.*?)```", text, flags=re.DOTALL)
    (tmp_path / "data").symlink_to(ROOT / "data")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "BROWSER": "true"}  # step 8 "opens" the index with the command `true`
    outputs = []
    for block in blocks:
        done = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", block], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=900, check=False)
        assert done.returncode == 0, f"{block}\nexit {done.returncode}\n{done.stdout}\n{done.stderr[-3000:]}"
        outputs.append(done.stdout)

    # What the tutorial shows is what the commands print (paths shortened to …/) and write.
    assert outputs[1] == shown[0]
    for output, quoted in ((outputs[5], shown[2]), (outputs[6], shown[3])):
        assert output.splitlines()[0] == quoted.strip().replace("…/", f"{tmp_path.resolve()}/")
    study = tmp_path / "my-study"
    proposed = shown[1].replace("Quality      ~  Expectation", "Quality      ~  Image + Expectation")
    assert proposed in (study / "study.toml").read_text(encoding="utf-8")
    assert (study / "questionnaire.toml").read_text(encoding="utf-8").count("\nreverse = true\n") == 2
    loaded = csi.load_study(study / "study.toml")
    assert {i.id for i in loaded.questionnaire.items if i.reverse} == {"QUAL3", "LOY2"}
    assert ("Image", "Quality") in loaded.model.model.paths

    reports = study / "reports"
    manifest = json.loads((reports / "manifest.json").read_text(encoding="utf-8"))
    ids = {e.id for e in loaded.enterprises}
    assert {r["enterprise_id"] for r in manifest["reports"] if r["status"] == "ok"} == ids
    assert all((reports / f).is_file() for r in manifest["reports"] for f in r["files"])
    assert (reports / "index.html").is_file() and list(reports.glob("overview*.html"))

    quoted = re.search(r"Nova Broadband leads the six with a satisfaction index of ([\d.]+) \(95 % CI "
                       r"([\d.]+)–([\d.]+)\)", text)
    summary = {r["enterprise_id"]: r["summary"] for r in manifest["reports"]}
    assert max(summary, key=lambda e: summary[e]["index"]) == "nova"
    nova = summary["nova"]
    assert [f"{nova[k]:.1f}" for k in ("index", "ci_low", "ci_high")] == list(quoted.groups())
