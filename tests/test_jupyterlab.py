"""A statistician's notebook in real JupyterLab, driven in a real browser (Chromium through Playwright).

The notebook is what a statistician writes on the demo study: the study, screening, weighting, a custom
model fitted by hand, its bootstrap, reliability, indices, IPMA, the path diagram and IPMA map of that fit,
a report section, and their own matplotlib figure. JupyterLab runs every cell; the test then reads what the
browser shows: no error, each csi result in a few lines or a compact card, each chart shown once as an
image, the report section in the report's style, and the user's rcParams as they were. With
``CSI_SCREENSHOTS=folder`` each cell is also saved as a PNG there, to look at.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
STUDY = ROOT / "data" / "demo" / "study.toml"
TOKEN = "csi-lab-test"
MAX_CARD_PX = 600     # a compact card: its title, a few key numbers, at most two five-row previews

pytestmark = pytest.mark.slow

CUSTOM_MODEL = """
Image =~ IMAG1 + IMAG2 + IMAG3
Quality =~ QUAL1 + QUAL2 + QUAL3
Satisfaction =~ SATI1 + SATI2 + SATI3
Loyalty =~ LOYA1 + LOYA2 + LOYA3
Satisfaction ~ Image + Quality
Loyalty ~ Satisfaction + Image
"""

# (tag, source): the tag names what the browser must show for the cell.
CELLS = [
    ("setup", ("import matplotlib as mpl\nimport matplotlib.pyplot as plt\nimport csi\n\n"
              "plt.style.use('ggplot')\nmpl.rcParams['font.size'] = 13\n"
              "fig, ax = plt.subplots(figsize=(3, 2)); ax.plot([1, 2, 3])  # my own figure first")),
    ("snapshot", "before = dict(mpl.rcParams)"),
    ("card", f"study = csi.load_study({str(STUDY)!r})\nstudy"),
    ("card", "study.model.model"),
    ("card", ("q = study.questionnaire\n"
             "screened = csi.screen(csi.read_responses(study.responses, q), q, rules=study.screening)\nscreened")),
    ("card", ("df = screened.kept\nw01 = df[df[q.enterprise_column] == 'W01']\n"
             "weighting = csi.rake(w01, study.weighting.margins)\nweighting")),
    ("card", (f"model = csi.Model.from_syntax({CUSTOM_MODEL!r})\n"
             "fit = csi.estimate(model, df, missing='mean')\nfit")),
    ("summary", "fit.summary()"),
    ("card", "boot = csi.bootstrap(fit, n_resamples=200)\nboot"),
    ("card", "csi.reliability(fit)"),
    ("card", "csi.cronbach_alpha(df[['SATI1', 'SATI2', 'SATI3']])"),
    ("card", "csi.kmo_bartlett(df[['SATI1', 'SATI2', 'SATI3', 'QUAL1', 'QUAL2', 'QUAL3']])"),
    ("card", "indices = csi.enterprise_indices(fit, df)\nindices.head()"),
    ("chart", "csi.plot.path_diagram(fit, bootstrap=boot)"),
    ("chart", "ipma = csi.importance_performance(fit, target='Loyalty')\ncsi.plot.ipma_map(ipma)"),
    ("chart", "csi.plot.weight_distribution(weighting)"),
    ("own chart", "fig, ax = plt.subplots(figsize=(3, 2)); ax.bar(['a', 'b'], [1, 2])  # mine again"),
    ("report", ("from csi import report\n\nanalysis = csi.analyse_study(study)\n"
               "content = report.enterprise_content(study, 'W01', 'en', analysis=analysis)\nreport.summary(content)")),
    ("rcparams", ("changed = sorted(k for k in before if mpl.rcParams[k] != before[k])\n"
                 "print('rcParams changed:', changed, 'interactive:', plt.isinteractive())")),
]

READ_CELLS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')].map(cell => ({
  prompt: cell.querySelector('.jp-InputPrompt')?.innerText ?? '',
  outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => ({
    mime: o.getAttribute('data-mime-type') ?? '',
    text: o.innerText,
    height: o.getBoundingClientRect().height,
    images: [...o.querySelectorAll('img')].map(i => i.naturalWidth),
    tiles: o.querySelector('.csi-tiles') ? getComputedStyle(o.querySelector('.csi-tiles')).display : null,
    tile_background: o.querySelector('.csi-tile')
      ? getComputedStyle(o.querySelector('.csi-tile')).backgroundColor : null,
  })),
}))"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free port, its settings, runtime and workspace files in a temporary folder."""
    pytest.importorskip("jupyterlab")
    home = tmp_path_factory.mktemp("lab")
    settings = home / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    # Every cell in the page (JupyterLab 4 otherwise detaches cells scrolled out of view).
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    # No "get notified about Jupyter news?" toast over the outputs.
    (settings.parent / "apputils-extension").mkdir()
    (settings.parent / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false"}))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for _tag, source in CELLS]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, home / "statistician.ipynb")
    env = {**os.environ, "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "JUPYTER_CONFIG_DIR": str(home / "config"), "IPYTHONDIR": str(home / "ipython")}
    env.pop("MPLBACKEND", None)  # the kernel picks Jupyter's inline backend, as for a user
    port = _free_port()
    log = (home / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", "--allow-root", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={home}",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/api/status?token={TOKEN}", timeout=2).close()
                break
            except OSError:
                if server.poll() is not None:
                    pytest.fail((home / "server.log").read_text())
                time.sleep(0.5)
        yield url, home
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _browser_path() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "chromium-headless-shell"):
        if found := shutil.which(name):
            return found
    pytest.skip("no Chromium on PATH (make sysdeps installs it)")


def test_a_statisticians_notebook_in_jupyterlab(lab):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    url, home = lab
    shots = Path(os.environ.get("CSI_SCREENSHOTS", home / "screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_browser_path(), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/lab/tree/statistician.ipynb?token={TOKEN}&reset")
        page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=60_000)
        page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", state="attached",
                               timeout=60_000)
        for _attempt in range(3):  # the menu may open before the notebook is ready for it
            page.locator(".jp-Notebook .jp-CodeCell").first.click()
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            try:
                page.wait_for_function("() => [...document.querySelectorAll('.jp-Notebook .jp-InputPrompt')]"
                                       ".some(p => /[0-9*]/.test(p.innerText))", timeout=20_000)
                break
            except PlaywrightTimeout:
                page.keyboard.press("Escape")
        deadline = time.monotonic() + 300
        while True:
            cells = page.evaluate(READ_CELLS)
            if all(c["prompt"].strip("[]: ").isdigit() for c in cells):
                break
            if time.monotonic() > deadline:
                page.screenshot(path=str(shots / "timeout.png"))
                pytest.fail(f"JupyterLab did not run every cell: {[c['prompt'] for c in cells]}")
            time.sleep(1)
        page.wait_for_timeout(500)  # the last images decode
        cells = page.evaluate(READ_CELLS)
        for i, cell in enumerate(page.locator(".jp-Notebook .jp-CodeCell").all()):
            cell.screenshot(path=str(shots / f"cell-{i:02d}.png"))
        browser.close()

    assert len(cells) == len(CELLS)
    problems = []
    for (tag, source), cell in zip(CELLS, cells, strict=True):
        outputs = cell["outputs"]
        texts = "\n".join(o["text"] for o in outputs)
        if "Traceback" in texts or "Error" in texts or "Warning" in texts:
            problems.append((source, texts[:500]))
            continue
        shown = [o for o in outputs if o["mime"] != "application/vnd.jupyter.stderr"]
        images = [w for o in shown for w in o["images"]]
        if tag == "card":
            html = [o for o in shown if o["mime"] == "text/html"]
            if len(shown) != 1 or not html or html[0]["height"] > MAX_CARD_PX:
                problems.append((source, [(o["mime"], o["height"]) for o in shown]))
        elif tag in ("chart", "own chart"):
            if len(images) != 1 or images[0] == 0:  # shown once, and decoded
                problems.append((source, images))
        elif tag == "summary":
            if not [o for o in shown if o["mime"] == "text/html"]:
                problems.append((source, [o["mime"] for o in shown]))
        elif tag == "report":
            styled = [o for o in shown if o["tiles"]]
            if not styled or styled[0]["tiles"] != "flex" or styled[0]["tile_background"] in (None, "rgba(0, 0, 0, 0)"):
                problems.append((source, [(o["tiles"], o["tile_background"]) for o in shown]))
        elif tag == "rcparams" and texts.strip() != "rcParams changed: [] interactive: True":
            problems.append((source, texts))
        elif tag == "setup" and len(images) != 1:
            problems.append((source, images))
    assert not problems, problems
