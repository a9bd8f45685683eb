"""Median time of sgdc.curve on 200 x 1e4 arrays (docs/performance.md, "curve from Python").

Run after `just python`: .venv-python/bin/python scripts/time_python_curve.py
"""

import time, numpy as np, sgdc
rng = np.random.default_rng(0)
T, n = 200, 10_000
def med(fn, reps):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); fn(); ts.append(time.perf_counter() - t0)
    return sorted(ts)[len(ts)//2]
y = rng.integers(0, 2, n).astype(np.uint8); l = rng.integers(0, 2, n).astype(np.uint8)
F = rng.integers(0, 2, (T, n)).astype(np.uint8)
y10 = rng.integers(0, 10, n).astype(np.uint8); l10 = rng.integers(0, 10, n).astype(np.uint8)
F10 = rng.integers(0, 10, (T, n)).astype(np.uint8)
for name, fn, reps in [
    ("binary 200x1e4, classes=2", lambda: sgdc.curve(F, l, y, classes=2), 200),
    ("binary 200x1e4, classes inferred", lambda: sgdc.curve(F, l, y), 200),
    ("binary 200x1e4, int64 input", (lambda F64=F.astype(np.int64): sgdc.curve(F64, l, y, classes=2)), 50),
    ("10 classes 200x1e4, classes=10", lambda: sgdc.curve(F10, l10, y10, classes=10), 50),
]:
    print(f"{name}: {med(fn, reps)*1e3:.3f} ms")
