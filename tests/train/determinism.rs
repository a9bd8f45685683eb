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

/// Runs made side by side in one process (`sgdc verify --jobs N`) all draw their initial
/// networks from libtorch's one default generator: each must still get its own seed's network,
/// bit for bit the one it gets alone. Started together from a barrier, several rounds, so that
/// their seeding and drawing overlap.
#[test]
fn runs_side_by_side_in_one_process_match_runs_made_alone() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let task = wave_task(200, 1);
    let cfg = default_config();
    let seeds = [11u64, 12, 13, 14];
    let alone: Vec<Option<String>> = seeds
        .iter()
        .map(|&s| {
            let o = opts(&dir.path().join(format!("alone-{s}")), s, 1);
            train_task(&task, &cfg, &o)
                .unwrap()
                .manifest
                .prediction_hash
        })
        .collect();
    assert!(alone.iter().all(Option::is_some));
    for round in 0..5 {
        let barrier = std::sync::Barrier::new(seeds.len());
        let side: Vec<Option<String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = seeds
                .iter()
                .map(|&s| {
                    let (task, cfg, barrier) = (&task, &cfg, &barrier);
                    let o = opts(&dir.path().join(format!("side-{round}-{s}")), s, 1);
                    scope.spawn(move || {
                        barrier.wait();
                        train_task(task, cfg, &o).unwrap().manifest.prediction_hash
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert_eq!(side, alone, "round {round}");
    }
}
