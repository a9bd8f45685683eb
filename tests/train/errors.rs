//! User-caused failures end with a clear error and no half-written files.

use crate::common::*;
use sgd_complexity::run::{Manifest, RunStatus};
use sgd_complexity::train::{train_task, Device, TrainConfig};
use sgd_complexity::Error;

#[test]
fn nan_loss_fails_the_run_cleanly() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let mut task = wave_task(64, 3);
    task.train.x[5] = f32::NAN;
    let out = dir.path().join("nan");
    let err = train_task(&task, &default_config(), &opts(&out, 1, 1)).unwrap_err();
    assert!(matches!(err, Error::NonFinite { .. }), "{err}");
    assert!(err.to_string().contains("not finite"), "{err}");
    let m = Manifest::load(&out).unwrap();
    assert_eq!(m.status, RunStatus::Failed);
    assert!(m.error.unwrap().contains("not finite"));
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for n in &names {
        assert!(
            n == "manifest.json" || n == "config.toml",
            "unexpected file {n} in a failed run folder"
        );
    }
}

#[test]
fn cuda_without_cuda_is_a_clear_error() {
    let _g = lock();
    if tch::Cuda::is_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut o = opts(&dir.path().join("c"), 1, 1);
    o.device = Device::Cuda;
    let err = train_task(&wave_task(32, 1), &default_config(), &o)
        .unwrap_err()
        .to_string();
    assert!(err.contains("device") && err.contains("cuda"), "{err}");
}

#[test]
fn config_file_errors_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.toml");
    std::fs::write(
        &path,
        "[data]\ntask = \"disc-sinusoid\"\n[model]\nkind = \"mlp\"\ndepth = 2\nwidth = 8\n[optim]\nlr = 0.1\nbatch_size = 8\n[stop]\nepochs = 2\n[record]\nevery_epoch = 1\n",
    )
    .unwrap();
    let err = TrainConfig::load(&path).unwrap_err().to_string();
    assert!(
        err.contains("every_epoch") && err.contains("bad.toml"),
        "{err}"
    );
    std::fs::write(
        &path,
        "[data]\ntask = \"disc-sinusoid\"\n[model]\nkind = \"transformer\"\n[optim]\nlr = 0.1\nbatch_size = 8\n[stop]\nepochs = 2\n",
    )
    .unwrap();
    let err = TrainConfig::load(&path).unwrap_err().to_string();
    assert!(err.contains("transformer"), "{err}");
    std::fs::write(
        &path,
        "[data]\ntask = \"disc-sinusoid\"\n[model]\nkind = \"linear\"\n[optim]\nlr = 0.1\nbatch_size = 8\n[stop]\nepochs = 2\n[linear]\nl2 = -1.0\n",
    )
    .unwrap();
    let err = TrainConfig::load(&path)
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(err.contains("linear.l2") && err.contains("-1"), "{err}");
}

#[test]
fn unreached_linear_step_is_named() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    let cfg = TrainConfig::from_toml(
        "[data]\ntask = \"disc-sinusoid\"\n[model]\nkind = \"linear\"\n[optim]\nlr = 0.1\nbatch_size = 8\n[stop]\nepochs = 1\n[linear]\nfit_to = { step = 100000 }\n",
        "t",
    )
    .unwrap()
    .check()
    .unwrap();
    let err = train_task(&wave_task(32, 1), &cfg, &opts(&dir.path().join("l"), 1, 1))
        .unwrap_err()
        .to_string();
    assert!(err.contains("linear.fit_to.step"), "{err}");
}
