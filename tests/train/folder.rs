//! The run folder is complete, loadable, and its network re-predicts what was recorded; a
//! function-preserving reparameterisation keeps the predictions.

use crate::common::*;
use sgd_complexity::run::{Manifest, RunRecord, RunStatus};
use sgd_complexity::train::{
    predict, reparameterised_predictions, train_task, Reparam, Summary, TrainConfig,
};

#[test]
fn run_folder_is_complete_and_loadable() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(300, 21);
    let out = dir.path().join("run");
    let outcome = train_task(&task, &default_config(), &opts(&out, 4, 1)).unwrap();
    let rec = RunRecord::load(&out).unwrap();
    assert_eq!(rec, outcome.record);
    let m = Manifest::load(&out).unwrap();
    assert_eq!(m.status, RunStatus::Complete);
    assert_eq!(m.prediction_hash, Some(rec.prediction_hash()));
    assert_eq!(
        m.numerics.get("MKL_CBWR").map(String::as_str),
        Some("AVX2,STRICT")
    );
    assert_eq!(
        m.numerics
            .get("deterministic_algorithms")
            .map(String::as_str),
        Some("true")
    );
    assert!(m.versions.contains_key("libtorch"));
    assert!(m.train_seconds.unwrap() > 0.0);
    // Step 0, log-spaced steps, every epoch: steps strictly increasing, epochs end-aligned.
    let steps: Vec<i64> = rec.checkpoints.iter().map(|c| c.step).collect();
    assert_eq!(steps[0], 0);
    assert!(steps.windows(2).all(|w| w[0] < w[1]), "{steps:?}");
    let spe = (300 + 15) / 16;
    for e in 1..=4 {
        assert!(steps.contains(&(e * spe)), "epoch {e} missing in {steps:?}");
    }
    assert_eq!(rec.y_train_clean, task.train_clean);
    assert_eq!(rec.y_train, task.train.y);
    let summary = Summary::load(&out).unwrap();
    assert_eq!(summary.epochs, 4);
    assert_eq!(summary.input_shape, vec![2]);
    // L is a reasonable classifier of the (noisy) labels it was fitted to.
    assert!(summary.linear.train_acc > 0.6, "{:?}", summary.linear);
    // The saved network re-predicts the last recorded row.
    let last = rec.len() - 1;
    assert_eq!(
        predict(&out, &task.test).unwrap(),
        rec.test_row(last).unwrap()
    );
    assert!(!out.join("resume").exists());
    let stray: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(stray.is_empty());
}

#[test]
fn reparameterisation_preserves_predictions() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = image_task(64, 8);
    let cfg = TrainConfig::from_toml(
        "[data]\ntask = \"disc-sinusoid\"\n[model]\nkind = \"cnn\"\nchannels = 4\nhidden = 16\n[optim]\nlr = 0.05\nmomentum = 0.9\nbatch_size = 16\n[stop]\nepochs = 2\n",
        "t",
    )
    .unwrap()
    .check()
    .unwrap();
    let out = dir.path().join("cnn");
    train_task(&task, &cfg, &opts(&out, 2, 1)).unwrap();
    let base = predict(&out, &task.test).unwrap();
    for kind in [Reparam::Rescale, Reparam::Permute, Reparam::Both] {
        let p = reparameterised_predictions(&out, &task.test, kind, 3).unwrap();
        let agree = p.iter().zip(&base).filter(|(a, b)| a == b).count();
        // Function-preserving up to float rounding: at most one borderline flip in 64.
        assert!(agree + 1 >= base.len(), "{kind:?}: {agree}/{}", base.len());
    }
    let lin = dir.path().join("lin");
    let lcfg = TrainConfig::from_toml(
        "[data]\ntask = \"disc-sinusoid\"\n[model]\nkind = \"linear\"\n[optim]\nlr = 0.1\nbatch_size = 8\n[stop]\nepochs = 1\n",
        "t",
    )
    .unwrap()
    .check()
    .unwrap();
    train_task(&wave_task(32, 1), &lcfg, &opts(&lin, 1, 1)).unwrap();
    let err = reparameterised_predictions(&lin, &task.test, Reparam::Rescale, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("ReLU"), "{err}");
}
