"""Bad input raises ValueError (or OSError) naming the argument; never a panic or a crash.

The table in docs/python.md lists these cases with the messages seen.
"""

import json

import numpy as np
import pytest

import sgdc
from conftest import synthetic_run

Y = np.array([0, 1, 1, 0, 1])
L = np.array([0, 1, 0, 0, 1])

CASES = [
    # (call, exception, words the message must hold)
    (lambda: sgdc.measures(np.zeros((2, 5), int), L, Y), ValueError, "f: must be 1-D"),
    (lambda: sgdc.curve(Y, L, Y), ValueError, "F: must be 2-D"),
    (lambda: sgdc.measures(Y, L[:4], Y), ValueError, "l: 4 labels, but y has 5"),
    (lambda: sgdc.curve(np.zeros((3, 4), int), L, Y), ValueError, "F: 4 labels per row, but y has 5"),
    (lambda: sgdc.measures(Y.astype(float), L, Y), ValueError, "f: dtype float64 is not an integer dtype"),
    (lambda: sgdc.measures(Y, L, np.array([0, 1, -1, 0, 1])), ValueError, "y: label -1 at index 2 is negative"),
    (lambda: sgdc.curve(np.array([[0, 1, 1, 0, 300]]), L, Y), ValueError,
     "F: label 300 at checkpoint 0, point 4 exceeds the largest supported alphabet (0..256)"),
    (lambda: sgdc.measures(Y, L, Y, classes=257), ValueError, "classes: 257 must be in 1..=256"),
    (lambda: sgdc.measures(Y, L, Y, classes=1), ValueError, "outside the alphabet 0..1"),
    (lambda: sgdc.curve(np.zeros((0, 5), int), L, Y), ValueError, "F: empty curve"),
    (lambda: sgdc.measures(np.array([], int), np.array([], int), np.array([], int)), ValueError, "y: empty input"),
    (lambda: sgdc.measures(Y, L, Y, estimator="nsb"), ValueError, "estimator: \"nsb\" is not an estimator"),
    (lambda: sgdc.measures(Y, L, Y, bootstrap=0), ValueError, "bootstrap: the number of replicates must be at least 1"),
    (lambda: sgdc.measures(list("abcde"), L, Y), ValueError, "f: dtype <U1 is not an integer dtype"),
    (lambda: sgdc.measures([[0, 1], [1]], L, Y), ValueError, "f: cannot be read as an array"),
    (lambda: sgdc.checkpoint_steps(0, 3), ValueError, "steps_per_epoch: 0 must be at least 1"),
    (lambda: sgdc.verdicts("/nonexistent-folder"), ValueError, "run_dirs: /nonexistent-folder has no runs/ folder"),
]


@pytest.mark.parametrize("i", range(len(CASES)))
def test_bad_input_names_the_argument(i):
    call, exc, words = CASES[i]
    with pytest.raises(exc) as e:
        call()
    assert words in str(e.value), str(e.value)


def recorder(out, **over):
    rng = np.random.default_rng(0)
    r = synthetic_run(rng, n_test=50, n_train=40, checkpoints=3)
    kw = dict(seed=1, y_test=r["y_test"], linear_test=r["linear_test"], y_train=r["y_train"],
              linear_train=r["linear_train"], steps_per_epoch=10)
    kw.update(over)
    return sgdc.Recorder(out, **kw), r


def test_recorder_bad_inputs(tmp_path):
    with pytest.raises(ValueError, match="linear_test: 49 labels, but y_test has 50"):
        recorder(tmp_path, linear_test=np.zeros(49, int))
    with pytest.raises(ValueError, match="name: \"a b\": use letters"):
        recorder(tmp_path, name="a b")
    with pytest.raises(ValueError, match="steps_per_epoch: 0 must be a positive number"):
        recorder(tmp_path, steps_per_epoch=0)
    rec, r = recorder(tmp_path)
    rec.record(0, r["pred_test"][0])
    with pytest.raises(ValueError, match="step: 0 is not after the previous checkpoint's step 0"):
        rec.record(0, r["pred_test"][1])
    with pytest.raises(ValueError, match="pred_test: 49 labels, but y_test has 50"):
        rec.record(5, r["pred_test"][1][:49])
    with pytest.raises(ValueError, match="pred_train: dtype float32 is not an integer dtype"):
        rec.record(5, r["pred_test"][1], np.zeros(40, np.float32))
    with pytest.raises(ValueError, match="pred_train: the last checkpoint must record the training set"):
        rec.finish()


def test_newer_format_version_is_refused_by_name(tmp_path):
    rec, r = recorder(tmp_path)
    for i, s in enumerate([0, 5, 10]):
        rec.record(s, r["pred_test"][i], r["pred_train"][i])
    run = rec.finish()
    m = json.loads((run / "manifest.json").read_text())
    assert m["format_version"] == sgdc.FORMAT_VERSION == 1
    m["format_version"] = sgdc.FORMAT_VERSION + 1
    (run / "manifest.json").write_text(json.dumps(m))
    # Refused, not misread: the run is reported as corrupted, and the claims fail for want of runs.
    vs = sgdc.verdicts(tmp_path, claims=["C2"])
    assert vs and all(v.outcome == "fails" for v in vs)
    report = sgdc.report(tmp_path, tmp_path / "report", claims=["C2"])
    note = json.loads((tmp_path / "report" / "report.json").read_text())["sections"][0]["note"]
    assert "manifest.json: run-folder format version 2 is newer than this build reads (1)" in note
    assert report[0].outcome == "fails"


def test_no_panic_crosses_into_python():
    """Random shapes, dtypes and values: only ValueError, never another exception."""
    rng = np.random.default_rng(5)
    dtypes = [np.uint8, np.int8, np.int64, np.uint64, np.float32, bool, np.int16]
    for _ in range(300):
        def arr():
            shape = tuple(int(x) for x in rng.integers(0, 4, rng.integers(0, 3)))
            return (rng.integers(-3, 300, shape)).astype(dtypes[rng.integers(len(dtypes))])
        for fn in (sgdc.measures, sgdc.curve):
            try:
                fn(arr(), arr(), arr(), classes=[None, 0, 2, 300][rng.integers(4)])
            except ValueError:
                pass
