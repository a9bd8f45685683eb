#!/usr/bin/env python3
"""The tables of theory/README.md, "Predicting a network's timeline", from the outputs of
scripts/network_timeline.sh: per run, the forecast (spectrum at initialisation and at the end)
and measured steps of T0, C_2 and C_3 with their ratios; and the spectra (measured at
initialisation and at the end, and the closed-form kernel's), normalised to lambda_1.

Usage: python3 scripts/timeline_table.py [OUT]   (default out/timeline)
"""
import json
import sys
from pathlib import Path

out = Path(sys.argv[1] if len(sys.argv) > 1 else "out/timeline")
runs = sorted(p for p in out.iterdir() if (p / "timeline.json").is_file())


def fmt(v, d=0):
    return "-" if v is None else f"{v:.{d}f}"


print("| run | lr | final acc (C_1) | T0: forecast init / end, measured, ratio init / end | C_2: same | C_3: same |")
print("|---|---|---|---|---|---|")
for p in runs:
    t = json.loads((p / "timeline.json").read_text())
    init, end = t["forecasts"][:2]
    cmp = t["comparison"]
    acc = cmp["network"]["acc_f"][-1]
    acc_c1 = cmp["rows"][0]["acc_ref"]
    cells = []
    for k in range(3):
        a, b = init["rows"][k], end["rows"][k]
        cells.append(f"{fmt(a['predicted_step'])} / {fmt(b['predicted_step'])}, "
                     f"{fmt(a['network_step'])}, {fmt(a['ratio'], 2)} / {fmt(b['ratio'], 2)}")
    print(f"| {p.name} | {t['lr']} | {acc:.3f} ({acc_c1:.3f}) | " + " | ".join(cells) + " |")

print()
print("| run | spectrum | lambda_1 | lambda_0 / lambda_1 | lambda_2 / lambda_1 | lambda_3 / lambda_1 | lambda_4 / lambda_1 |")
print("|---|---|---|---|---|---|---|")
for p in runs:
    t = json.loads((p / "timeline.json").read_text())
    for f in t["forecasts"]:
        lam, se = f["spectrum"]["lambda"], f["spectrum"]["se"]
        l1 = lam[1]
        ratios = [f"{lam[k] / l1:.4f} +- {se[k] / l1:.4f}" for k in (0, 2, 3, 4)]
        print(f"| {p.name} | {f['moment']} | {l1:.1f} +- {se[1]:.1f} | " + " | ".join(ratios) + " |")
