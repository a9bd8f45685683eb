//! Same configuration and seed: bit-identical predictions; different seed: different ones.

use crate::common::*;
use sgd_complexity::train::{train_task, TrainConfig};

#[test]
fn same_seed_twice_in_one_process_gives_the_same_hash() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(200, 1);
    let cfg = default_config();
    let a = train_task(&task, &cfg, &opts(&dir.path().join("a"), 7, 1)).unwrap();
    let b = train_task(&task, &cfg, &opts(&dir.path().join("b"), 7, 1)).unwrap();
    assert_eq!(a.manifest.prediction_hash, b.manifest.prediction_hash);
    assert!(a.record == b.record);
    let c = train_task(&task, &cfg, &opts(&dir.path().join("c"), 8, 1)).unwrap();
    assert_ne!(a.manifest.prediction_hash, c.manifest.prediction_hash);
    assert_ne!(a.record.pred_test, c.record.pred_test);
}

#[test]
fn one_and_two_threads_give_the_same_hash_for_the_mlp() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    // Wide enough that libtorch actually splits work across threads.
    let task = wave_task(512, 2);
    let cfg = mlp_config(
        256,
        "lr = 0.05\nmomentum = 0.9\nbatch_size = 128",
        "epochs = 3",
    );
    let one = train_task(&task, &cfg, &opts(&dir.path().join("t1"), 3, 1)).unwrap();
    let two = train_task(&task, &cfg, &opts(&dir.path().join("t2"), 3, 2)).unwrap();
    assert_eq!(one.manifest.threads, 1);
    assert_eq!(two.manifest.threads, 2);
    assert_eq!(one.manifest.prediction_hash, two.manifest.prediction_hash);
}

#[test]
fn cnn_with_pinned_threads_is_reproducible() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = image_task(64, 4);
    let cfg = TrainConfig::from_toml(
        r#"
[data]
task = "disc-sinusoid"
[model]
kind = "cnn"
channels = 4
hidden = 16
[optim]
lr = 0.05
momentum = 0.9
batch_size = 16
[stop]
epochs = 2
[record]
log_points = 3
"#,
        "test",
    )
    .unwrap()
    .check()
    .unwrap();
    let a = train_task(&task, &cfg, &opts(&dir.path().join("a"), 5, 2)).unwrap();
    let b = train_task(&task, &cfg, &opts(&dir.path().join("b"), 5, 2)).unwrap();
    assert_eq!(a.manifest.prediction_hash, b.manifest.prediction_hash);
    let c = train_task(&task, &cfg, &opts(&dir.path().join("c"), 6, 2)).unwrap();
    assert_ne!(a.manifest.prediction_hash, c.manifest.prediction_hash);
}
