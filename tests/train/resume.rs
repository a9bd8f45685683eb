//! A run stopped after k epochs and resumed ends with the same predictions as an uninterrupted
//! run.

use crate::common::*;
use sgd_complexity::run::{Manifest, RunStatus};
use sgd_complexity::train::train_task;
use sgd_complexity::Error;

#[test]
fn resumed_run_equals_uninterrupted_run() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(200, 11);
    let cfg = default_config();
    let full = train_task(&task, &cfg, &opts(&dir.path().join("full"), 9, 1)).unwrap();

    let out = dir.path().join("cut");
    let mut o = opts(&out, 9, 1);
    o.stop_after_epochs = Some(2);
    let err = train_task(&task, &cfg, &o).unwrap_err();
    assert!(matches!(err, Error::Interrupted { epoch: 2, .. }), "{err}");
    assert_eq!(Manifest::load(&out).unwrap().status, RunStatus::Running);
    assert!(out.join("resume/LATEST").exists());
    assert!(!out.join("pred_test.npy").exists());

    // Without --resume an existing run folder is refused.
    let err = train_task(&task, &cfg, &opts(&out, 9, 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("--resume"), "{err}");

    let mut o = opts(&out, 9, 1);
    o.resume = true;
    let resumed = train_task(&task, &cfg, &o).unwrap();
    assert_eq!(resumed.record.checkpoints, full.record.checkpoints);
    assert!(resumed.record.pred_test == full.record.pred_test);
    assert!(resumed.record.pred_train == full.record.pred_train);
    assert!(resumed.record.linear_test == full.record.linear_test);
    assert_eq!(
        resumed.manifest.prediction_hash,
        full.manifest.prediction_hash
    );
    assert!(!out.join("resume").exists());

    // Resuming a complete run returns it unchanged.
    let again = train_task(&task, &cfg, &o).unwrap();
    assert_eq!(
        again.manifest.prediction_hash,
        full.manifest.prediction_hash
    );
}

#[test]
fn resume_with_another_seed_is_refused() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(100, 12);
    let cfg = default_config();
    let out = dir.path().join("r");
    let mut o = opts(&out, 1, 1);
    o.stop_after_epochs = Some(1);
    assert!(train_task(&task, &cfg, &o).is_err());
    let mut o = opts(&out, 2, 1);
    o.resume = true;
    let err = train_task(&task, &cfg, &o).unwrap_err().to_string();
    assert!(
        err.contains("different configuration, seed or data"),
        "{err}"
    );
}
