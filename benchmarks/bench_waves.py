"""Benchmark: what each earlier wave costs a study analysis (trends over several waves; issue 20).

``csi.analyse_study`` of the bundled demo (24 enterprises, 4,485 responses a wave) three ways in one run: the
current wave alone, with one previous wave (2025), and with two (2024, 2025: the demo as shipped). An earlier wave
is read, screened, weighted and scored with the current fits, and compared with the next one; nothing is
estimated again. One analysis first warms up (imports, the segmenter's dictionary), then best of ``--repeat``.

Usage::

    python benchmarks/bench_waves.py [--repeat R]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from _common import best_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import csi

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"
SHIPPED = """previous_wave = [
  { wave = "2024", files = ["responses_2024.csv"] },
  { wave = "2025", files = ["responses_2025.csv"] },
]"""
VARIANTS = {"current wave only": "", "one previous wave (2025)": 'previous_wave = ["responses_2025.csv"]',
            "two previous waves (2024, 2025)": SHIPPED}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        shutil.copytree(DEMO, folder)
        toml = folder / "study.toml"
        text = toml.read_text(encoding="utf-8")
        assert SHIPPED in text, "the demo's [data] previous_wave changed: update this benchmark"
        csi.analyse_study(toml)  # warm-up
        base = None
        print(f"demo study, {args.repeat} runs each, best")
        for name, waves in VARIANTS.items():
            toml.write_text(text.replace(SHIPPED, waves), encoding="utf-8")
            seconds, analysis = best_of(lambda: csi.analyse_study(toml), args.repeat)
            base = base or seconds
            labels = ", ".join(dict.fromkeys(analysis.waves["wave"]))
            print(f"  {name:32} {seconds:6.2f} s  (+{seconds - base:.2f} s; waves: {labels})")


if __name__ == "__main__":
    main()
