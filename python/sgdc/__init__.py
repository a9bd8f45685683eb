"""sgd-complexity from Python: the information measures, a recorder for your own training loop,
and the harness's verdicts on the paper's claims.

Everything here calls the Rust code of the harness (the extension module ``sgdc._sgdc``); the
package needs NumPy only. PyTorch objects are accepted where a helper says so, and torch is
imported only when the caller passes one.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional, Sequence

import numpy as np

from . import _sgdc
from ._sgdc import (
    FORMAT_VERSION, SEED_BATCH, SEED_CAP, LinearFit, __version__, checkpoint_steps, next_seeds,
)

__all__ = [
    "FORMAT_VERSION",
    "LinearFit",
    "Recorder",
    "SEED_BATCH",
    "SEED_CAP",
    "Verdict",
    "checkpoint_steps",
    "curve",
    "fit_linear",
    "measures",
    "next_seeds",
    "predict",
    "report",
    "verdicts",
]

_CURVE_KEYS = ("i_fy", "i_fl", "i_fy_given_l", "i_ly_given_f", "mu")


def _array(x, name):
    """NumPy view of ``x``: arrays as they are, torch tensors through ``.cpu().numpy()``, lists
    through ``np.asarray`` (their dtype then decides: floats are refused)."""
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        return x.detach().cpu().numpy()
    try:
        return np.asarray(x)
    except Exception as e:  # ragged lists and the like
        raise ValueError(f"{name}: cannot be read as an array: {e}") from None


def measures(f, l, y, *, classes=None, estimator="plugin", bootstrap=None, null=None, seed=0):
    """I(F;Y), I(L;Y), I(F;L), I(F;Y|L), I(L;Y|F) and mu = I(F;Y) - I(F;Y|L), in bits, of one
    prediction vector ``f`` against the reference classifier's ``l`` and the labels ``y``
    (1-D integer arrays of one length): the dictionary of ``sgdc measure --json``."""
    return _sgdc.measures(
        _array(f, "f"), _array(l, "l"), _array(y, "y"), classes=classes,
        estimator=estimator, bootstrap=bootstrap, null=null, seed=seed,
    )


def curve(F, l, y, *, classes=None, estimator="plugin", bootstrap=None, null=None, seed=0):
    """The measures of every checkpoint of ``F`` (T x n) against ``l`` and ``y``: the dictionary
    of ``sgdc measure --json`` for a 2-D input, each per-checkpoint series a float64 array."""
    d = _sgdc.curve(
        _array(F, "F"), _array(l, "l"), _array(y, "y"), classes=classes,
        estimator=estimator, bootstrap=bootstrap, null=null, seed=seed,
    )
    for k in _CURVE_KEYS:
        d[k] = np.asarray(d[k], dtype=np.float64)
    return d


def fit_linear(x, y, *, l2=1e-4, tol=1e-5, max_iter=2000) -> LinearFit:
    """The harness's own linear classifier L: binary logistic regression with an L2 penalty
    ``l2`` on the weights, fitted from zero by full-batch L-BFGS in float64 until the gradient
    norm is at most ``tol`` (the trainer's objective, iteration and defaults; the inputs are held
    as float32, as the trainer holds them).

    ``x``: n inputs (any real dtype, n x d, or n x ... flattened, e.g. images); ``y``: their
    binary labels (0/1). Returns a :class:`LinearFit` with ``predict(x)``, ``w``, ``b``,
    ``iterations``, ``grad_norm`` and ``converged``. Pass it to :class:`Recorder` as
    ``linear=`` with ``x_test`` / ``x_train``.
    """
    return _sgdc.fit_linear(_array(x, "x"), _array(y, "y"), l2=float(l2), tol=float(tol),
                            max_iter=int(max_iter))


def predict(model, loader, device=None):
    """Hard predictions (argmax of the outputs) of a ``torch.nn.Module`` over a data loader of
    ``(inputs, targets)`` batches, in loader order, as a uint8 array (torch needed only here)."""
    import torch  # only when the caller has torch objects

    was_training = model.training
    model.eval()
    out = []
    with torch.no_grad():
        for batch in loader:
            x = batch[0] if isinstance(batch, (tuple, list)) else batch
            if device is not None:
                x = x.to(device)
            out.append(model(x).argmax(1).to("cpu", torch.uint8))
    model.train(was_training)
    return torch.cat(out).numpy()


class Recorder:
    """Record a training loop of your own into a run folder of the harness.

    ``Recorder(out, seed=..., y_test=..., linear_test=..., y_train=..., linear_train=...,
    steps_per_epoch=...)`` starts ``out/runs/NAME/main/seed-SEED-KEY`` (the layout of
    ``sgdc verify``) and lists the seed in ``out/experiments/NAME.toml``. Call
    :meth:`record` at each checkpoint with the hard test predictions (and, at some checkpoints,
    the last one included, the training predictions), then :meth:`finish`. Used as a context
    manager, it finishes on success and marks the run failed when the block raises.

    The reference classifier L comes one of two ways. Either ``linear=`` a :class:`LinearFit`
    (from :func:`fit_linear`, the harness's own fit) with the inputs ``x_test`` and ``x_train``
    it predicts (the manifest records ``config.linear.source = "sgdc"`` with the fit's settings
    and convergence), or ``linear_test`` / ``linear_train``, L's predictions made by you (the
    manifest records ``config.linear.source = "supplied"``).
    """

    def __init__(self, out, *, seed, y_test, y_train, steps_per_epoch, linear_test=None,
                 linear_train=None, linear=None, x_test=None, x_train=None, name="own",
                 y_train_clean=None, config=None, device="unknown", threads=0, versions=None,
                 overwrite=False):
        linear_json = None
        if linear is not None:
            if not isinstance(linear, LinearFit):
                raise ValueError(f"linear: expected an sgdc.LinearFit (from sgdc.fit_linear), "
                                 f"got {type(linear).__name__}")
            if linear_test is not None or linear_train is not None:
                raise ValueError("linear: pass either linear= (with x_test, x_train) or "
                                 "linear_test= and linear_train=, not both")
            for arg, v in (("x_test", x_test), ("x_train", x_train)):
                if v is None:
                    raise ValueError(f"{arg}: needed with linear= (the inputs L predicts)")
            linear_test = linear.predict(_array(x_test, "x_test"), argument="x_test")
            linear_train = linear.predict(_array(x_train, "x_train"), argument="x_train")
            linear_json = linear.manifest_json()
        else:
            for arg, v in (("linear_test", linear_test), ("linear_train", linear_train)):
                if v is None:
                    raise ValueError(f"{arg}: missing; pass L's predictions, or linear= an "
                                     f"sgdc.fit_linear(...) with x_test= and x_train=")
        args = dict(
            y_test=_array(y_test, "y_test"), linear_test=_array(linear_test, "linear_test"),
            y_train=_array(y_train, "y_train"), linear_train=_array(linear_train, "linear_train"),
        )
        clean = None if y_train_clean is None else _array(y_train_clean, "y_train_clean")
        try:
            config_json = json.dumps(config if config is not None else {})
        except TypeError as e:
            raise ValueError(f"config: not JSON-serialisable: {e}") from None
        self._started = time.perf_counter()
        self._w = _sgdc.RunWriter(
            os.fspath(out), name, int(seed), args["y_test"], args["linear_test"],
            args["y_train"], args["linear_train"], float(steps_per_epoch),
            y_train_clean=clean, config_json=config_json, linear_json=linear_json,
            device=str(device),
            threads=int(threads), versions=dict(versions or {}), overwrite=overwrite,
        )
        self.out = Path(out)
        self.name = name
        self.seed = int(seed)

    @property
    def dir(self) -> Path:
        """The run folder."""
        return Path(self._w.dir)

    def record(self, step, pred_test, pred_train=None, *, epoch=None, test_loss=None,
               train_loss=None):
        """Record checkpoint ``step`` (strictly increasing): hard predictions on the test set,
        and optionally on the training set."""
        self._w.record(
            int(step), _array(pred_test, "pred_test"),
            None if pred_train is None else _array(pred_train, "pred_train"),
            epoch=epoch, test_loss=test_loss, train_loss=train_loss,
        )

    def record_model(self, step, model, test_loader, train_loader=None, device=None, **kw):
        """Record checkpoint ``step`` from a ``torch.nn.Module`` and data loaders (unshuffled,
        in the order of ``y_test`` / ``y_train``)."""
        pred_train = None if train_loader is None else predict(model, train_loader, device)
        self.record(step, predict(model, test_loader, device), pred_train, **kw)

    def finish(self) -> Path:
        """Write every array, then the manifest as complete; returns the run folder."""
        return Path(self._w.finish(train_seconds=time.perf_counter() - self._started))

    def fail(self, message: str) -> None:
        """Mark the run failed: every reader refuses the folder."""
        self._w.fail(message)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            self.finish()
        else:
            self.fail(f"{exc_type.__name__}: {exc}")
        return False


@dataclass(frozen=True)
class Verdict:
    """One claim decided over seeds, as ``sgdc report`` decides it."""

    id: str
    scope: str
    outcome: str  # "holds", "fails", "undecided" or "skipped"
    reason: str
    statement: str
    measured: str
    threshold: str
    statistic: Optional[float]
    interval: Optional[tuple]
    per_seed: dict = field(default_factory=dict)
    runs: tuple = ()
    expected: str = "holds"
    raw: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def holds(self) -> bool:
        return self.outcome == "holds"

    @property
    def as_expected(self) -> bool:
        """Whether the outcome is the expected one (the gate of ``sgdc report``)."""
        return self.outcome == self.expected

    @classmethod
    def _of(cls, v: dict) -> "Verdict":
        o = v["outcome"]  # {"outcome": "holds"} or {"outcome": "fails", "reason": "..."}
        outcome, reason = o["outcome"], o.get("reason", "")
        stat = v.get("statistic")
        return cls(
            id=v["id"], scope=v["scope"], outcome=outcome.lower(), reason=reason,
            statement=v["statement"], measured=v["measured"], threshold=v["threshold"],
            statistic=None if stat is None else stat["value"],
            interval=None if stat is None else tuple(stat["interval"]),
            per_seed={int(s): x for s, x in v["per_seed"]}, runs=tuple(v.get("runs", [])),
            expected=v.get("expected", {}).get("outcome", "holds"), raw=v,
        )


def _dirs(run_dirs) -> list:
    if isinstance(run_dirs, (str, os.PathLike)):
        run_dirs = [run_dirs]
    return [os.fspath(d) for d in run_dirs]


def _report(run_dirs, claims, experiments, tier, seeds, report_dir):
    return json.loads(_sgdc.report_json(
        _dirs(run_dirs),
        experiments=None if experiments is None else os.fspath(experiments),
        claims=None if claims is None else list(claims), tier=tier,
        seeds=None if seeds is None else [int(s) for s in seeds],
        report_dir=None if report_dir is None else os.fspath(report_dir),
    ))


def verdicts(run_dirs, claims: Optional[Sequence[str]] = None, *, experiments=None,
             tier: str = "quick", seeds: Optional[Iterable[int]] = None) -> list:
    """The verdicts of ``sgdc report`` on the output folders ``run_dirs`` (a Recorder's ``out``,
    or ``sgdc verify``'s), restricted to ``claims`` (e.g. ``["C2", "C5"]``) when given."""
    r = _report(run_dirs, claims, experiments, tier, seeds, None)
    return [Verdict._of(v) for v in r["verdicts"]]


def report(run_dirs, out, claims: Optional[Sequence[str]] = None, *, experiments=None,
           tier: str = "quick", seeds: Optional[Iterable[int]] = None) -> list:
    """Write the report of ``sgdc report`` (``index.html``, ``index.md``, ``report.json`` and
    figures) into ``out``; returns the verdicts."""
    r = _report(run_dirs, claims, experiments, tier, seeds, out)
    return [Verdict._of(v) for v in r["verdicts"]]
