"""notebooks/explore_study.ipynb, the statistician's walk through the demo study, runs top to bottom (papermill)."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.slow
def test_the_exploration_notebook_runs_and_shows_every_result(tmp_path):
    import nbformat
    import papermill

    out = tmp_path / "explore.ipynb"
    papermill.execute_notebook(str(NOTEBOOKS / "explore_study.ipynb"), str(out), parameters={"n_resamples": 100},
                               cwd=str(NOTEBOOKS), kernel_name="python3", progress_bar=False)
    cells = [c for c in nbformat.read(out, as_version=4).cells if c.cell_type == "code"]
    assert not [o for c in cells for o in c.outputs if o.output_type == "error"]
    charts = [c for c in cells if "csi.plot." in c.source and "import " not in c.source]
    assert len(charts) >= 6
    # each chart shows once: csi.plot hands its figure over closed, so the inline backend does not show it again
    assert all(sum("image/png" in o.get("data", {}) for o in c.outputs) == 1 for c in charts), \
        [(c.source, [list(o.get("data", {})) for o in c.outputs]) for c in charts]
    custom = cells[-1]
    assert sum("image/png" in o.get("data", {}) for o in custom.outputs) == 1
    # csi's results display as a short text (at most 15 lines) beside their HTML card
    results = [o["data"]["text/plain"] for c in cells for o in c.outputs
               if o.output_type == "execute_result" and o["data"]["text/plain"].split(":")[0] in
               ("Study", "ScreeningResult", "WeightingResult", "StudyAnalysis", "PLSResult", "BootstrapResult",
                "AlphaResult")]
    assert len(results) == 7 and all(len(text.splitlines()) <= 15 for text in results), results
