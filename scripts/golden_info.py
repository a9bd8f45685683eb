#!/usr/bin/env python3
"""Golden values for the information measures, computed by an independent implementation.

Generates count tables over explicit alphabets (fixed seed, plus structured cases) and computes
entropies, mutual informations, conditional mutual informations and the co-information with
dit 2.3 (https://github.com/dit/dit), in bits. The output, tests/golden/info_golden.json, is
committed; tests/info_values.rs checks that the Rust plug-in estimator agrees to 1e-9.

Run once in a throwaway environment:
    python3 -m venv /tmp/golden && /tmp/golden/bin/pip install 'dit==2.3.*' numpy
    /tmp/golden/bin/python scripts/golden_info.py > tests/golden/info_golden.json
"""
import json
import sys

import dit
import numpy as np
from dit.multivariate import coinformation
from dit.shannon import entropy, mutual_information


def random_table(rng, sizes, n, sparsity):
    """Counts of n draws from a random (Dirichlet) joint distribution, some cells forced empty."""
    cells = int(np.prod(sizes))
    p = rng.dirichlet(np.full(cells, rng.uniform(0.2, 2.0)))
    p[rng.random(cells) < sparsity] = 0.0
    if p.sum() == 0:
        p[rng.integers(cells)] = 1.0
    p /= p.sum()
    return rng.multinomial(n, p).reshape(sizes)


def measures(counts):
    sizes = counts.shape
    n = int(counts.sum())
    outcomes, pmf = [], []
    for idx in np.ndindex(*sizes):
        c = int(counts[idx])
        if c > 0:
            outcomes.append(tuple(int(v) for v in idx))
            pmf.append(c / n)
    d = dit.Distribution(outcomes, pmf)
    F, L, Y = [0], [1], [2]
    return {
        "h_f": entropy(d, F),
        "h_l": entropy(d, L),
        "h_y": entropy(d, Y),
        "h_fly": entropy(d),
        "i_fy": mutual_information(d, F, Y),
        "i_ly": mutual_information(d, L, Y),
        "i_fl": mutual_information(d, F, L),
        "i_fy_given_l": coinformation(d, [F, Y], L),
        "i_ly_given_f": coinformation(d, [L, Y], F),
        "i_fl_given_y": coinformation(d, [F, L], Y),
        "mu": coinformation(d, [F, L, Y]),
    }


def main():
    rng = np.random.default_rng(20191205)
    cases = []
    # Structured cases: XOR, three copies, independent fair bits.
    xor = np.zeros((2, 2, 2), dtype=np.int64)
    for f in range(2):
        for l in range(2):
            xor[f, l, f ^ l] = 25
    copies = np.zeros((2, 2, 2), dtype=np.int64)
    copies[0, 0, 0] = copies[1, 1, 1] = 50
    indep = np.full((2, 2, 2), 10, dtype=np.int64)
    for name, t in [("xor", xor), ("three_copies", copies), ("independent", indep)]:
        cases.append((name, t))
    shapes = [(2, 2, 2)] * 8 + [(3, 2, 4), (2, 5, 3), (4, 4, 2), (10, 10, 10), (10, 10, 2), (7, 1, 3)]
    for i, sizes in enumerate(shapes):
        for n in (50, 10_000):
            cases.append((f"random_{i}_n{n}", random_table(rng, sizes, n, sparsity=0.3)))
    out = {
        "generator": f"dit {dit.__version__}, numpy {np.__version__}",
        "unit": "bits",
        "layout": "counts flattened row-major over (F, L, Y): index (f * kl + l) * ky + y",
        "cases": [
            {"name": name, "sizes": list(t.shape), "counts": [int(c) for c in t.ravel()], **measures(t)}
            for name, t in cases
        ],
    }
    # One case per line keeps the file readable and diffs small.
    head = {k: v for k, v in out.items() if k != "cases"}
    lines = [json.dumps(head)[:-1] + ', "cases": [']
    lines += [json.dumps(c) + ("," if i + 1 < len(out["cases"]) else "") for i, c in enumerate(out["cases"])]
    lines.append("]}")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
