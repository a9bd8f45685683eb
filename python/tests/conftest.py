"""Shared helpers: the sgdc binary the parity tests compare with, and synthetic runs."""

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def sgdc_bin():
    """The sgdc command: $SGDC_BIN, else the workspace's debug or release build."""
    cands = [os.environ.get("SGDC_BIN")] + [
        str(ROOT / "target" / p / "sgdc") for p in ("debug", "release")
    ] + [shutil.which("sgdc")]
    for c in cands:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return c
    pytest.fail("no sgdc binary: build it (cargo build) or set SGDC_BIN")


def run_cli(sgdc_bin, *args, check=True):
    p = subprocess.run([sgdc_bin, *map(str, args)], capture_output=True, text=True)
    if check and p.returncode not in (0, 1):
        raise AssertionError(f"sgdc {' '.join(map(str, args))}: {p.returncode}\n{p.stderr}")
    return p


def noisy_copy(rng, y, p, k=2):
    """``y`` with each label replaced by a uniform one with probability ``p``."""
    flip = rng.random(y.shape) < p
    return np.where(flip, rng.integers(0, k, y.shape), y)


def synthetic_run(rng, n_test=600, n_train=400, checkpoints=12):
    """Arrays of a run that learns L's part first, then the rest: F_t agrees with L early and
    with Y late (the paper's picture), L right on 80% of points."""
    y_test = rng.integers(0, 2, n_test)
    y_train = rng.integers(0, 2, n_train)
    lin_test = noisy_copy(rng, y_test, 0.4)
    lin_train = noisy_copy(rng, y_train, 0.4)
    steps = [0] + [int(round(x)) for x in np.geomspace(1, 2000, checkpoints - 1)]
    steps = sorted(set(steps))
    rows_test, rows_train = [], []
    for i, _ in enumerate(steps):
        a = i / (len(steps) - 1)
        # Early: L's predictions with growing fidelity; late: the labels.
        def at(lin, y):
            chance = rng.integers(0, 2, y.shape)
            pick = rng.random(y.shape)
            early = min(1.0, 2 * a)
            late = max(0.0, 2 * a - 1)
            out = np.where(pick < early, lin, chance)
            return np.where(rng.random(y.shape) < late * 0.9, y, out)
        rows_test.append(at(lin_test, y_test))
        rows_train.append(at(lin_train, y_train))
    return dict(steps=steps, pred_test=np.array(rows_test), pred_train=np.array(rows_train),
                y_test=y_test, y_train=y_train, linear_test=lin_test, linear_train=lin_train)
