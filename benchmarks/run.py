"""Run every benchmarks/bench_*.py with its default arguments (what `make bench` does)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Runs beyond each script's default: the cost of Word and workbooks on top of HTML + PDF (issue 21's goal),
#: three alternating pairs of 100-enterprise batches with the default PDF engine (about 20 minutes).
EXTRA = [("bench_batch.py", "--editable", "--pdf-engine", "weasyprint")]


def main() -> int:
    print(f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
          f"{__import__('os').cpu_count()} cores, Python {platform.python_version()}")
    status = 0
    runs = [(script.name,) for script in sorted(HERE.glob("bench_*.py"))] + EXTRA
    for name, *arguments in runs:
        print(f"\n== {' '.join([name, *arguments])}", flush=True)
        status |= subprocess.run([sys.executable, str(HERE / name), *arguments], check=False).returncode
    return status


if __name__ == "__main__":
    sys.exit(main())
