#!/usr/bin/env python3
"""Side by side: binary mu and its terms through sklearn, dit, numpy and sgdc, on the same inputs.

Run with `just compare-info` (creates .venv-compare/ and builds the Rust timing example).

What is timed, per method, as the median of --repeats runs on arrays already in memory (file I/O
excluded everywhere):
  - sklearn: mutual_info_score for I(F;Y), I(L;Y), I(F;L), and the conditional terms as
    sum over l of p(l) * mutual_info_score on the subset L == l (same for I(L;Y|F)); mu = I(F;Y) - I(F;Y|L).
  - dit: counts via np.unique of the code 4 f + 2 l + y, a dit.Distribution, then dit's mutual
    informations, conditional mutual informations and coinformation.
  - numpy: np.bincount(4 f + 2 l + y) and the entropy formulas.
  - sgdc: examples/info_timing (release build) reads the .npy files, then times the read floor
    (reading the three arrays once) and counting + all measures.
  - sgdc from Python: the Python package's sgdc.measures(f, l, y, classes=2) on the same uint8
    arrays, in this process (skipped with a note when the package is not installed).
"""
import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

LN2 = np.log(2.0)


def data(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n, dtype=np.uint8)
    f = np.where(rng.random(n) < 0.8, y, 1 - y).astype(np.uint8)
    l = np.where(rng.random(n) < 0.8, y, 1 - y).astype(np.uint8)
    return f, l, y


def timed(fn, repeats):
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def via_sklearn(f, l, y):
    from sklearn.metrics import mutual_info_score as mi

    def cmi(a, b, c):
        total = 0.0
        for v in np.unique(c):
            m = c == v
            total += m.mean() * mi(a[m], b[m])
        return total

    i_fy, i_ly, i_fl = mi(f, y) / LN2, mi(l, y) / LN2, mi(f, l) / LN2
    i_fy_l, i_ly_f = cmi(f, y, l) / LN2, cmi(l, y, f) / LN2
    return {"i_fy": i_fy, "i_ly": i_ly, "i_fl": i_fl, "i_fy_given_l": i_fy_l, "i_ly_given_f": i_ly_f, "mu": i_fy - i_fy_l}


def via_dit(f, l, y):
    import dit
    from dit.multivariate import coinformation
    from dit.shannon import mutual_information

    # Count the joint outcomes on one integer code (np.unique over rows of a stacked array is ~100x
    # slower and would not be a fair account of dit).
    codes, counts = np.unique(f.astype(np.int64) * 4 + l * 2 + y, return_counts=True)
    outcomes = [(int(c) >> 2, (int(c) >> 1) & 1, int(c) & 1) for c in codes]
    d = dit.Distribution(outcomes, list(counts / counts.sum()))
    F, L, Y = [0], [1], [2]
    return {
        "i_fy": mutual_information(d, F, Y),
        "i_ly": mutual_information(d, L, Y),
        "i_fl": mutual_information(d, F, L),
        "i_fy_given_l": coinformation(d, [F, Y], L),
        "i_ly_given_f": coinformation(d, [L, Y], F),
        "mu": coinformation(d, [F, L, Y]),
    }


def via_numpy(f, l, y):
    c = np.bincount(f.astype(np.int64) * 4 + l * 2 + y, minlength=8).reshape(2, 2, 2).astype(float)
    p = c / c.sum()

    def h(q):
        q = q[q > 0]
        return -(q * np.log2(q)).sum()

    hf, hl, hy = h(p.sum((1, 2))), h(p.sum((0, 2))), h(p.sum((0, 1)))
    hfl, hfy, hly, hfly = h(p.sum(2)), h(p.sum(1)), h(p.sum(0)), h(p)
    i_fy, i_fy_l = hf + hy - hfy, hfl + hly - hl - hfly
    return {"i_fy": i_fy, "i_ly": hl + hy - hly, "i_fl": hf + hl - hfl, "i_fy_given_l": i_fy_l,
            "i_ly_given_f": hfl + hfy - hf - hfly, "mu": i_fy - i_fy_l}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=float, default=1e7)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rust-repeats", type=int, default=50)
    ap.add_argument("--timing-bin", default="target/release/examples/info_timing")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    n = int(a.n)
    f, l, y = data(n, a.seed)
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for name, arr in (("f", f), ("l", l), ("y", y)):
            p = Path(d) / f"{name}.npy"
            np.save(p, arr)
            paths.append(str(p))
        out = subprocess.run([a.timing_bin, *paths, str(a.rust_repeats)], check=True, capture_output=True, text=True)
    ours = json.loads(out.stdout)
    results = {"sgdc": (ours["mu_s"], ours), "read floor (Rust)": (ours["floor_s"], None)}
    try:
        import sgdc

        results["sgdc from Python"] = timed(lambda: sgdc.measures(f, l, y, classes=2), max(a.repeats, 20))
    except ImportError:
        print("(the sgdc Python package is not installed here: `just compare-info` installs it)")
    results["numpy bincount"] = timed(lambda: via_numpy(f, l, y), max(a.repeats, 5))
    results["dit"] = timed(lambda: via_dit(f, l, y), a.repeats)
    results["sklearn"] = timed(lambda: via_sklearn(f, l, y), a.repeats)
    print(f"binary mu, n = {n:.0e}, kernel {ours['kernel']}; median seconds, one run, same machine")
    print(f"{'method':<20} {'seconds':>12} {'x sgdc':>10} {'mu (bits)':>14} {'max |diff| vs sgdc':>20}")
    keys = ["i_fy", "i_ly", "i_fl", "i_fy_given_l", "i_ly_given_f", "mu"]
    for name, (s, vals) in results.items():
        diff = max(abs(vals[k] - ours[k]) for k in keys) if vals else float("nan")
        mu = f"{vals['mu']:.10f}" if vals else ""
        print(f"{name:<20} {s:>12.6f} {s / ours['mu_s']:>10.1f} {mu:>14} {diff:>20.2e}")
    print(f"sgdc / read floor = {ours['mu_s'] / ours['floor_s']:.2f} (speed = {ours['floor_s'] / ours['mu_s']:.2f} x floor)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
