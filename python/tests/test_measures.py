"""measures and curve give the numbers of `sgdc measure --json` to the last bit."""

import json

import numpy as np
import pytest

import sgdc
from conftest import noisy_copy, run_cli


def cli_json(sgdc_bin, tmp_path, F, l, y, *extra):
    for name, a in (("f", F), ("l", l), ("y", y)):
        np.save(tmp_path / f"{name}.npy", a)
    p = run_cli(sgdc_bin, "measure", "--f", tmp_path / "f.npy", "--l", tmp_path / "l.npy",
                "--y", tmp_path / "y.npy", "--json", *extra)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def same(py, cli):
    """Every key of the CLI's JSON, compared exactly (floats bit for bit)."""
    for k, v in cli.items():
        got = py[k]
        if isinstance(v, dict):
            same(got, v)
        elif isinstance(got, np.ndarray):
            assert got.tolist() == v, k
        elif isinstance(v, list):
            assert [list(x) if isinstance(x, tuple) else x for x in got] == v, k
        else:
            assert got == v, k


@pytest.mark.parametrize("k", [2, 3, 10])
@pytest.mark.parametrize("estimator", ["plugin", "miller-madow"])
def test_curve_matches_cli_bit_for_bit(sgdc_bin, tmp_path, k, estimator):
    rng = np.random.default_rng(k)
    y = rng.integers(0, k, 3000)
    l = noisy_copy(rng, y, 0.5, k)
    F = np.stack([noisy_copy(rng, y, p, k) for p in np.linspace(1.0, 0.1, 7)])
    # The permutation null fails on larger alphabets (the hypergeometric draw of rand_distr
    # underflows; the CLI fails alike), so it is compared on the small ones.
    null = ["--null", "10"] if k <= 3 else []
    cli = cli_json(sgdc_bin, tmp_path, F, l, y, "--estimator", estimator,
                   "--bootstrap", "20", "--seed", "7", *null)
    py = sgdc.curve(F, l, y, estimator=estimator, bootstrap=20, seed=7,
                    null=10 if null else None)
    same(py, cli)
    # Not vacuous: the curve moves.
    assert py["i_fy"][-1] > py["i_fy"][0]


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.int64,
                                   np.uint16, np.uint32, np.uint64])
def test_any_integer_dtype_gives_the_same_numbers(sgdc_bin, tmp_path, dtype):
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 1000)
    l = noisy_copy(rng, y, 0.3)
    f = noisy_copy(rng, y, 0.2)
    cli = cli_json(sgdc_bin, tmp_path, f, l, y, "--bootstrap", "5")
    py = sgdc.measures(f.astype(dtype), l.astype(dtype), y.astype(dtype), bootstrap=5)
    same(py, cli)
    assert py["mu"] > 0.05


def test_non_contiguous_and_bool_inputs(tmp_path):
    rng = np.random.default_rng(2)
    F = rng.integers(0, 2, (6, 800)).astype(np.uint8)
    y = rng.integers(0, 2, 800)
    l = noisy_copy(rng, y, 0.3)
    ref = sgdc.curve(F, l, y)
    # Fortran order and a strided view give the same numbers as the C-contiguous array.
    assert sgdc.curve(np.asfortranarray(F), l, y)["mu"].tolist() == ref["mu"].tolist()
    wide = np.zeros((6, 1600), dtype=np.uint8)
    wide[:, ::2] = F
    assert sgdc.curve(wide[:, ::2], l, y)["mu"].tolist() == ref["mu"].tolist()
    assert sgdc.measures(F[0].astype(bool), l, y)["mu"] == sgdc.measures(F[0], l, y)["mu"]


def test_classes_and_alphabet_of_256(sgdc_bin, tmp_path):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 256, 5000)
    l = noisy_copy(rng, y, 0.5, 256)
    f = noisy_copy(rng, y, 0.3, 256)
    cli = cli_json(sgdc_bin, tmp_path, f, l, y, "--classes", "256")
    same(sgdc.measures(f, l, y, classes=256), cli)


def test_torch_free_lists_are_read_as_arrays():
    assert sgdc.measures([0, 1, 1, 0], [0, 1, 1, 0], [0, 1, 1, 0])["mu"] == pytest.approx(1.0)
