//! The retention finding, pinned: a small deterministic CPU run on binary MNIST (2000 training
//! images, 10% of their labels flipped) that trains an MLP to 100% training accuracy. Its rounded
//! summary is an insta snapshot (`snapshots/train_retention_run.snap`), and a plain
//! assertion checks the finding itself, so that the snapshot can never pin a broken result.
//!
//! Needs MNIST in `$SGDC_DATA_DIR` (else `data/`); `just test` fetches it first. Without it the test
//! fails with a message saying how to fetch it.

use crate::common::{lock, opts};
use sgd_complexity::claims::t0_index;
use sgd_complexity::curves::{compute, CurveOptions};
use sgd_complexity::data::fetch::{self, RealSet};
use sgd_complexity::train::{run_config, TrainConfig};

const CONFIG: &str = r#"
name = "retention-snapshot"

[data]
task = "mnist"
n_train = 2000
n_test = 2000
label_noise = 0.1

[model]
kind = "mlp"
depth = 2
width = 256

[optim]
lr = 0.05
momentum = 0.9
batch_size = 32

[stop]
epochs = 200
until_fit = true
extra_epochs = 5

[record]
log_points = 20
log_epochs = 5.0
every_epochs = 5
"#;

fn round(v: f64) -> f64 {
    (v * 1e4).round() / 1e4
}

#[test]
fn retention_run() {
    let data_dir = fetch::default_data_dir();
    match fetch::verify(RealSet::Mnist, &data_dir) {
        Ok(fetch::SetStatus::Verified) => {}
        other => panic!(
            "this test needs MNIST in {} ({other:?}); run `just data` or `sgdc data fetch mnist`",
            data_dir.display()
        ),
    }
    let cfg = TrainConfig::from_toml(CONFIG, "retention snapshot")
        .unwrap()
        .check()
        .unwrap();
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(dir.path(), 7, 1);
    o.data_dir = data_dir;
    let out = run_config(&cfg, &o).unwrap();
    let c = compute(&out.record, &CurveOptions::default()).unwrap();
    let last = c.last().unwrap();
    let t0 = t0_index(&c).map(|i| c.points[i].step);

    // The finding, asserted in plain terms before anything is pinned.
    assert_eq!(last.train_acc, 1.0, "the run must fit every noisy label");
    assert!(
        last.mu >= 0.8 * c.i_ly,
        "retention fails: mu(F_T;L) = {} < 0.8 I(L;Y) = {}",
        last.mu,
        0.8 * c.i_ly
    );

    let summary = serde_json::json!({
        "final_train_acc": round(last.train_acc),
        "final_test_acc": round(last.test_acc),
        "linear_test_acc": round(c.linear_test_acc),
        "noise_rate": round(c.noise_rate),
        "i_ly": round(c.i_ly),
        "mu_final": round(last.mu),
        "mu_over_i_ly": round(last.mu / c.i_ly),
        "i_fy_minus_mu": round(last.i_fy_test - last.mu),
        "t0_step": t0,
        "final_step": last.step,
        "checkpoints": c.points.len(),
    });
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_json_snapshot!("train_retention_run", summary);
    });
}
