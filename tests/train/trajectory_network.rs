//! A tiny `hermite` run trained end to end and put beside the trajectory model's closed form
//! (`sgdc trajectory --network`): the plumbing from the data task through the run folder to the
//! departure table.

use crate::common::*;
use sgd_complexity::theory::trajectory::TrajectoryConfig;
use sgd_complexity::train::{run_config, TrainConfig};
use sgd_complexity::trajectory_network::{compare, NetworkRun};

#[test]
fn hermite_run_is_put_beside_the_closed_form() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let text = r#"
[data]
task = "hermite"
n_train = 400
n_test = 300
label_noise = 0.1
hermite = { dim = 4, weights = [1.0, 1.0, 1.0] }

[model]
kind = "mlp"
depth = 2
width = 16

[optim]
lr = 0.05
batch_size = 32

[stop]
epochs = 2

[record]
log_points = 6
log_epochs = 2.0
every_epochs = 0
"#;
    let cfg = TrainConfig::from_toml(text, "test")
        .unwrap()
        .check()
        .unwrap();
    let out = dir.path().join("run");
    run_config(&cfg, &opts(&out, 3, 1)).unwrap();

    let run = NetworkRun::load(&out).unwrap();
    assert_eq!(run.seed, 3);
    assert_eq!(run.lr, Some(0.05));
    let mut theory = TrajectoryConfig::default_config().unwrap();
    theory.theory.coef_points = 20_000;
    theory.theory.reference_points = 10_000;
    theory.theory.per_decade = 4;
    theory.theory.bootstrap = 2;
    let c = compare(&run, &theory).unwrap();
    assert_eq!(c.model.dim, 4);
    assert_eq!(c.n_test, 300);
    assert_eq!(c.network.times.len(), run.record.len());
    assert_eq!(c.rows.len(), 4);
    assert!(c.predicted_order);
    assert!(c.rows.iter().all(|r| (0.0..=1.0).contains(&r.acc_ref)));
    assert!(c.markdown().contains("| C3 |"));
}
