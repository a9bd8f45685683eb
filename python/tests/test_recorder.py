"""Recorder folders: read by the same code as the trainer's, identical verdicts through
`sgdc report` and through Python, refused while unfinished."""

import json

import numpy as np
import pytest

import sgdc
from conftest import run_cli, synthetic_run

CLAIMS = ["C2", "C3", "C4", "C5"]


def record_seeds(out, seeds, name="own"):
    dirs = []
    for seed in seeds:
        r = synthetic_run(np.random.default_rng(seed))
        with sgdc.Recorder(out, name=name, seed=seed, y_test=r["y_test"],
                           linear_test=r["linear_test"], y_train=r["y_train"],
                           linear_train=r["linear_train"], steps_per_epoch=100,
                           config={"optimizer": "SGD", "lr": 0.1}) as rec:
            for i, step in enumerate(r["steps"]):
                train = r["pred_train"][i] if i % 3 == 0 or i == len(r["steps"]) - 1 else None
                rec.record(step, r["pred_test"][i], train)
        dirs.append(rec.dir)
    return dirs


def test_folder_holds_the_documented_files(tmp_path):
    [run] = record_seeds(tmp_path, [1])
    names = sorted(p.name for p in run.iterdir())
    assert names == sorted([
        "checkpoints.csv", "linear_test.npy", "linear_train.npy", "manifest.json",
        "pred_test.npy", "pred_train.npy", "steps.npy", "train_checkpoints.npy",
        "y_test.npy", "y_train.npy", "y_train_clean.npy"])
    m = json.loads((run / "manifest.json").read_text())
    assert m["status"] == "complete" and m["format_version"] == sgdc.FORMAT_VERSION
    assert m["config"]["linear"]["source"] == "supplied"
    assert m["config"]["user"] == {"optimizer": "SGD", "lr": 0.1}
    assert np.load(run / "pred_test.npy").dtype == np.uint8
    assert (tmp_path / "experiments" / "own.toml").is_file()


def test_verdicts_are_those_of_sgdc_report(sgdc_bin, tmp_path):
    record_seeds(tmp_path, [1, 2, 3])
    py = sgdc.verdicts(tmp_path)
    report = tmp_path / "cli-report"
    p = run_cli(sgdc_bin, "report", tmp_path, "--experiments", tmp_path / "experiments",
                "--report", report)
    cli = json.loads((report / "report.json").read_text())["verdicts"]
    cli = [v for v in cli if v["scope"] == "own"]
    assert [v.id for v in py] == CLAIMS == [v["id"] for v in cli], p.stdout
    for v, c in zip(py, cli):
        assert v.raw == c
        assert len(v.per_seed) == 3 and v.statistic is not None
    # Restricting the claims gives the same verdicts for those claims.
    sub = sgdc.verdicts(tmp_path, claims=["C5"])
    assert [v.raw for v in sub] == [v.raw for v in py if v.id == "C5"]


def test_interrupted_recording_is_refused_not_misread(tmp_path):
    record_seeds(tmp_path, [1, 2, 3])
    r = synthetic_run(np.random.default_rng(9))
    # Seed 2 is recorded again and interrupted after two checkpoints.
    rec = sgdc.Recorder(tmp_path, seed=2, y_test=r["y_test"], linear_test=r["linear_test"],
                        y_train=r["y_train"], linear_train=r["linear_train"],
                        steps_per_epoch=100, overwrite=True)
    rec.record(0, r["pred_test"][0], r["pred_train"][0])
    rec.record(1, r["pred_test"][1])
    m = json.loads((rec.dir / "manifest.json").read_text())
    assert m["status"] == "running"
    vs = sgdc.verdicts(tmp_path)
    assert all(2 not in v.per_seed for v in vs)
    # A block that raises marks the run failed.
    with pytest.raises(RuntimeError):
        with sgdc.Recorder(tmp_path, seed=4, y_test=r["y_test"], linear_test=r["linear_test"],
                           y_train=r["y_train"], linear_train=r["linear_train"],
                           steps_per_epoch=100) as rec4:
            rec4.record(0, r["pred_test"][0])
            raise RuntimeError("loss is nan")
    m = json.loads((rec4.dir / "manifest.json").read_text())
    assert m["status"] == "failed" and "loss is nan" in m["error"]


def test_a_finished_run_is_not_overwritten_by_accident(tmp_path):
    [run] = record_seeds(tmp_path, [1])
    with pytest.raises(OSError, match="already holds a finished run"):
        record_seeds(tmp_path, [1])
    assert json.loads((run / "manifest.json").read_text())["status"] == "complete"


def test_checkpoint_schedule_is_the_trainers():
    s = sgdc.checkpoint_steps(100, 5)
    assert s[0] == 0 and s[-1] == 500 and s == sorted(set(s))
    assert all(e * 100 in s for e in range(1, 6))
    assert len([t for t in s if 0 < t <= 200]) >= 25
