"""The harness's own fit of L from Python: the optimum of its objective (checked against an
independent Newton solver), its use by the Recorder, and bad inputs named."""

import json

import numpy as np
import pytest

import sgdc
from conftest import synthetic_run


def logistic_data(seed, n=500, d=6):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * np.logspace(-1, 1, d)  # coordinates on different scales
    z = x @ rng.normal(size=d) + 0.3
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(np.uint8)
    return x.astype(np.float32), y


def newton(x, y, l2):
    """The penalised logistic optimum by Newton's method in float64 (weights then bias)."""
    n, d = x.shape
    a = np.hstack([x.astype(np.float64), np.ones((n, 1))])
    theta = np.zeros(d + 1)
    pen = np.full(d + 1, l2)
    pen[-1] = 0.0
    for _ in range(50):
        p = 1 / (1 + np.exp(-(a @ theta)))
        g = a.T @ (p - y) / n + pen * theta
        h = (a * (p * (1 - p))[:, None]).T @ a / n + np.diag(pen)
        theta -= np.linalg.solve(h, g)
    return theta


def test_fit_is_the_penalised_logistic_optimum():
    x, y = logistic_data(1)
    # tol 1e-7, a hundredth of the default: much below it the objective's decrease falls under
    # float64 resolution and the line search stalls (grad norm 7e-9 after 5000 iterations).
    fit = sgdc.fit_linear(x, y, l2=1e-3, tol=1e-7, max_iter=5000)
    assert fit.converged and fit.grad_norm <= 1e-7, fit
    ref = newton(x, y, 1e-3)
    np.testing.assert_allclose(np.append(fit.w, fit.b), ref, rtol=1e-5, atol=1e-6)
    # Predictions: the sign of x.w + b.
    pred = fit.predict(x)
    assert pred.dtype == np.uint8
    np.testing.assert_array_equal(pred, (x.astype(np.float64) @ fit.w + fit.b > 0))


def test_defaults_are_the_trainers_and_inputs_are_flattened():
    x, y = logistic_data(2, n=300, d=12)
    images = x.reshape(300, 3, 4).astype(np.float64)  # any real dtype, any trailing shape
    a = sgdc.fit_linear(images, y)
    b = sgdc.fit_linear(x, y, l2=1e-4, tol=1e-5, max_iter=2000)
    np.testing.assert_array_equal(a.w, b.w)
    assert a.b == b.b and a.iterations == b.iterations
    m = json.loads(a.manifest_json())
    assert (m["source"], m["l2"], m["tol"], m["max_iter"]) == ("sgdc", 1e-4, 1e-5, 2000)
    assert m["converged"] is a.converged and m["iterations"] == a.iterations


def test_recorder_fits_l_itself(tmp_path):
    rng = np.random.default_rng(5)
    r = synthetic_run(rng)
    n_test, n_train = len(r["y_test"]), len(r["y_train"])
    x_train = rng.normal(size=(n_train, 4)).astype(np.float32) + r["y_train"][:, None]
    x_test = rng.normal(size=(n_test, 4)).astype(np.float32) + r["y_test"][:, None]
    fit = sgdc.fit_linear(x_train, r["y_train"])
    with sgdc.Recorder(tmp_path, seed=1, y_test=r["y_test"], y_train=r["y_train"],
                       linear=fit, x_test=x_test, x_train=x_train,
                       steps_per_epoch=100) as rec:
        for i, step in enumerate(r["steps"]):
            last = i == len(r["steps"]) - 1
            rec.record(step, r["pred_test"][i], r["pred_train"][i] if last else None)
    m = json.loads((rec.dir / "manifest.json").read_text())
    assert m["config"]["linear"]["source"] == "sgdc"
    assert m["config"]["linear"]["iterations"] == fit.iterations
    np.testing.assert_array_equal(np.load(rec.dir / "linear_test.npy"), fit.predict(x_test))
    np.testing.assert_array_equal(np.load(rec.dir / "linear_train.npy"), fit.predict(x_train))


X, Y = logistic_data(3, n=8, d=3)


@pytest.mark.parametrize("call, message", [
    (lambda: sgdc.fit_linear(X[:, 0], Y), "x: must be at least 2-D (n inputs x features), got shape [8]"),
    (lambda: sgdc.fit_linear(X.astype(str), Y), "x: dtype <U"),
    (lambda: sgdc.fit_linear(np.where(np.eye(8, 3) > 0, np.nan, X), Y),
     "x: value NaN at row 0, column 0 is not finite"),
    (lambda: sgdc.fit_linear(X, Y[:7]), "y: 7 labels, but x has 8 rows"),
    (lambda: sgdc.fit_linear(X, Y + 1), "y: label 2 at index"),
    (lambda: sgdc.fit_linear(X, Y.astype(float)), "y: dtype float64 is not an integer dtype"),
    (lambda: sgdc.fit_linear(X, Y, l2=-1), "invalid l2 = -1"),
    (lambda: sgdc.fit_linear(X, Y, tol=0), "invalid tol = 0"),
    (lambda: sgdc.fit_linear(X[:0], Y[:0]), "empty"),
    (lambda: sgdc.fit_linear(X, Y).predict(X[:, :2]),
     "x: 2 coordinates per input, but L was fitted on 3"),
])
def test_bad_inputs_are_named(call, message):
    with pytest.raises(ValueError) as e:
        call()
    assert message in str(e.value)


def test_recorder_needs_one_source_of_l(tmp_path):
    y = np.array([0, 1, 0, 1])
    fit = sgdc.fit_linear(np.array([[0.0], [1.0], [0.0], [1.0]]), y)
    common = dict(seed=1, y_test=y, y_train=y, steps_per_epoch=1)
    with pytest.raises(ValueError, match="linear_test: missing"):
        sgdc.Recorder(tmp_path, **common)
    with pytest.raises(ValueError, match="x_train: needed with linear="):
        sgdc.Recorder(tmp_path, linear=fit, x_test=np.zeros((4, 1)), **common)
    with pytest.raises(ValueError, match="not both"):
        sgdc.Recorder(tmp_path, linear=fit, linear_test=y, x_test=y, x_train=y, **common)
    with pytest.raises(ValueError, match="linear: expected an sgdc.LinearFit"):
        sgdc.Recorder(tmp_path, linear="logistic", **common)
    with pytest.raises(ValueError, match="x_test: 2 coordinates per input, but L was fitted on 1"):
        sgdc.Recorder(tmp_path, linear=fit, x_test=np.zeros((4, 2)), x_train=np.zeros((4, 1)),
                      **common)
