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

/// The saved state of a run cut after one epoch (`resume/LATEST` names its folder).
fn saved_state(out: &std::path::Path) -> std::path::PathBuf {
    let latest = std::fs::read_to_string(out.join("resume/LATEST")).unwrap();
    out.join("resume").join(latest.trim()).join("state.json")
}

/// A resume state records the CPU kernel settings; a resume under other ones is refused, naming
/// the variable, and a state of an older build without the record still resumes bit for bit.
#[test]
fn resume_under_other_cpu_kernels_is_refused() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(100, 14);
    let cfg = default_config();
    let full = train_task(&task, &cfg, &opts(&dir.path().join("full"), 5, 1)).unwrap();
    let out = dir.path().join("r");
    let mut o = opts(&out, 5, 1);
    o.stop_after_epochs = Some(1);
    assert!(train_task(&task, &cfg, &o).is_err());
    let state = saved_state(&out);
    let text = std::fs::read_to_string(&state).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kernels = json["kernels"].clone();
    assert_eq!(
        kernels["MKL_CBWR"].as_str(),
        std::env::var("MKL_CBWR").ok().as_deref()
    );

    json["kernels"]["DNNL_MAX_CPU_ISA"] = "AVX512_CORE".into();
    std::fs::write(&state, serde_json::to_string(&json).unwrap()).unwrap();
    let mut o = opts(&out, 5, 1);
    o.resume = true;
    let err = train_task(&task, &cfg, &o).unwrap_err().to_string();
    assert!(
        err.contains("CPU kernel settings") && err.contains("DNNL_MAX_CPU_ISA=AVX512_CORE then"),
        "{err}"
    );

    json.as_object_mut().unwrap().remove("kernels");
    std::fs::write(&state, serde_json::to_string(&json).unwrap()).unwrap();
    let resumed = train_task(&task, &cfg, &o).unwrap();
    assert_eq!(
        resumed.manifest.prediction_hash,
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

/// Momentum switched on at an epoch: the epochs before it are plain SGD (the same predictions as a
/// run without momentum), the run differs from one with momentum throughout, and a run cut at the
/// switch and resumed ends with the uninterrupted run's predictions.
#[test]
fn momentum_from_an_epoch_is_plain_sgd_before_it_and_resumes_bit_for_bit() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(200, 13);
    let optim = |extra: &str| format!("lr = 0.05\nbatch_size = 16\n{extra}");
    let stop = "epochs = 4";
    let late = mlp_config(32, &optim("momentum = 0.9\nmomentum_from_epoch = 2"), stop);
    let plain = mlp_config(32, &optim(""), stop);
    let always = mlp_config(32, &optim("momentum = 0.9"), stop);
    let run =
        |cfg, name: &str| train_task(&task, cfg, &opts(&dir.path().join(name), 4, 1)).unwrap();
    let (late_run, plain_run, always_run) = (
        run(&late, "late"),
        run(&plain, "plain"),
        run(&always, "always"),
    );

    let spe = task.train.len().div_ceil(16) as i64;
    let before_switch = late_run
        .record
        .checkpoints
        .iter()
        .take_while(|c| c.step <= 2 * spe)
        .count();
    assert!(before_switch >= 3, "{:?}", late_run.record.checkpoints);
    assert_eq!(
        late_run.record.checkpoints[..before_switch],
        plain_run.record.checkpoints[..before_switch]
    );
    assert!(
        late_run.record.pred_test[..before_switch] == plain_run.record.pred_test[..before_switch]
    );
    assert_ne!(
        late_run.manifest.prediction_hash,
        plain_run.manifest.prediction_hash
    );
    assert_ne!(
        late_run.manifest.prediction_hash,
        always_run.manifest.prediction_hash
    );

    let out = dir.path().join("cut");
    let mut o = opts(&out, 4, 1);
    o.stop_after_epochs = Some(3);
    assert!(train_task(&task, &late, &o).is_err());
    o.stop_after_epochs = None;
    o.resume = true;
    let resumed = train_task(&task, &late, &o).unwrap();
    assert_eq!(
        resumed.manifest.prediction_hash,
        late_run.manifest.prediction_hash
    );
}

/// Adam from an epoch on: the epochs before it are the configured SGD (the same predictions as a
/// run without Adam), the run differs after it, and a run cut after an Adam epoch and resumed
/// (moment estimates and step counts restored) ends with the uninterrupted run's predictions.
#[test]
fn adam_from_an_epoch_is_sgd_before_it_and_resumes_bit_for_bit() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(200, 13);
    let optim = |extra: &str| format!("lr = 0.01\nbatch_size = 16\n{extra}");
    let stop = "epochs = 5";
    let adam = mlp_config(32, &optim("adam = { from_epoch = 2 }"), stop);
    let plain = mlp_config(32, &optim(""), stop);
    let run =
        |cfg, name: &str| train_task(&task, cfg, &opts(&dir.path().join(name), 5, 1)).unwrap();
    let (adam_run, plain_run) = (run(&adam, "adam"), run(&plain, "plain"));

    let spe = task.train.len().div_ceil(16) as i64;
    let before_switch = adam_run
        .record
        .checkpoints
        .iter()
        .take_while(|c| c.step <= 2 * spe)
        .count();
    assert!(before_switch >= 3, "{:?}", adam_run.record.checkpoints);
    assert_eq!(
        adam_run.record.checkpoints[..before_switch],
        plain_run.record.checkpoints[..before_switch]
    );
    assert_ne!(
        adam_run.manifest.prediction_hash,
        plain_run.manifest.prediction_hash
    );

    let out = dir.path().join("cut");
    let mut o = opts(&out, 5, 1);
    o.stop_after_epochs = Some(4);
    assert!(train_task(&task, &adam, &o).is_err());
    o.stop_after_epochs = None;
    o.resume = true;
    let resumed = train_task(&task, &adam, &o).unwrap();
    assert_eq!(
        resumed.manifest.prediction_hash,
        adam_run.manifest.prediction_hash
    );
}
