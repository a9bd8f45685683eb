//! Your own data and network: a `task = "files"` data set written with npyz (vectors and images,
//! C and Fortran order) trains with a built-in MLP and with the TorchScript fixtures of
//! `tests/fixtures/torchscript/` (made by `scripts/make_fixtures.py`); runs are reproducible,
//! seed-dependent and resumable, and every bad input ends `sgdc train` with exit status 2 and a
//! message naming the file.

use crate::common::*;
use npyz::WriterBuilder;
use sgd_complexity::run::Manifest;
use sgd_complexity::train::{run_config, RunOptions, RunOutcome, TrainConfig};
use sgd_complexity::Error;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The committed TorchScript fixture `name`.pt.
fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torchscript")
        .join(format!("{name}.pt"))
}

/// Write an `.npy` file of `data` with `shape`, in C or Fortran order.
fn npy<T: npyz::AutoSerialize + Copy>(path: &Path, data: &[T], shape: &[usize], fortran: bool) {
    let shape: Vec<u64> = shape.iter().map(|&s| s as u64).collect();
    let mut buf = std::io::Cursor::new(Vec::new());
    let order = if fortran {
        npyz::Order::Fortran
    } else {
        npyz::Order::C
    };
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .order(order)
        .writer(&mut buf)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
    std::fs::write(path, buf.into_inner()).unwrap();
}

/// `data` (C order, `shape`) reordered to Fortran order.
fn to_fortran<T: Copy + Default>(data: &[T], shape: &[usize]) -> Vec<T> {
    let k = shape.len();
    let mut cstride = vec![1usize; k];
    for i in (0..k.saturating_sub(1)).rev() {
        cstride[i] = cstride[i + 1] * shape[i + 1];
    }
    let mut out = vec![T::default(); data.len()];
    let mut idx = vec![0usize; k];
    for slot in out.iter_mut() {
        let off: usize = idx.iter().zip(&cstride).map(|(i, s)| i * s).sum();
        *slot = data[off];
        for a in 0..k {
            idx[a] += 1;
            if idx[a] < shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    out
}

/// Vectors of 8 coordinates in [-1, 1]; classes 0..4 by quadrant of (x0, x1), so that the
/// class split {0, 1} vs {2, 3} is "x1 above 0" and labels 0/1 need the split.
fn vectors(n: usize, seed: u64) -> (Vec<f32>, Vec<i64>) {
    use rand::RngExt;
    let mut rng = sgd_complexity::rng::stream(seed, sgd_complexity::rng::Stream::Synthetic, 0);
    let mut x = Vec::with_capacity(n * 8);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let row: Vec<f32> = (0..8).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let class = 2 * i64::from(row[1] + 0.5 * row[0] * row[0] > 0.2) + i64::from(row[0] > 0.0);
        x.extend(row);
        y.push(class);
    }
    (x, y)
}

/// 1 x 12 x 12 byte images; label 1 when the left half is brighter than the right.
fn images(n: usize, seed: u64) -> (Vec<u8>, Vec<i64>) {
    use rand::RngExt;
    let mut rng = sgd_complexity::rng::stream(seed, sgd_complexity::rng::Stream::Synthetic, 1);
    let mut x = Vec::with_capacity(n * 144);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let mut left = 0i64;
        for i in 0..144 {
            let v: u8 = rng.random_range(0..=255);
            left += if i % 12 < 6 { v as i64 } else { -(v as i64) };
            x.push(v);
        }
        y.push(i64::from(left > 0));
    }
    (x, y)
}

/// Write the vector data set (4 classes) into `dir`.
fn write_vectors(dir: &Path, fortran: bool) {
    for (name, n, seed) in [("train", 96, 1), ("test", 64, 2)] {
        let (x, y) = vectors(n, seed);
        let shape = [n, 8];
        let x = if fortran { to_fortran(&x, &shape) } else { x };
        npy(&dir.join(format!("{name}_x.npy")), &x, &shape, fortran);
        npy(&dir.join(format!("{name}_y.npy")), &y, &[n], false);
    }
}

/// Write the image data set (labels 0/1) into `dir`.
fn write_images(dir: &Path) {
    for (name, n, seed) in [("train", 80, 3), ("test", 48, 4)] {
        let (x, y) = images(n, seed);
        npy(
            &dir.join(format!("{name}_x.npy")),
            &x,
            &[n, 1, 12, 12],
            false,
        );
        npy(&dir.join(format!("{name}_y.npy")), &y, &[n], false);
    }
}

const SPLIT: &str = "split = { negative = [0, 1], positive = [2, 3] }\n";

/// A configuration in `dir/config.toml` training `model` (a `[model]` body) on the files of
/// `dir`, named relative to the configuration file.
fn write_config(dir: &Path, data_extra: &str, model: &str, epochs: usize) -> PathBuf {
    let text = format!(
        r#"[data]
task = "files"
{data_extra}
[data.files]
train_x = "train_x.npy"
train_y = "train_y.npy"
test_x = "test_x.npy"
test_y = "test_y.npy"

[model]
{model}

[optim]
lr = 0.05
momentum = 0.9
batch_size = 16

[stop]
epochs = {epochs}

[record]
log_points = 4
log_epochs = 1.0
"#
    );
    let path = dir.join("config.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn train(config: &Path, out: &Path, seed: u64, f: impl FnOnce(&mut RunOptions)) -> RunOutcome {
    let cfg = TrainConfig::load(config).unwrap().check().unwrap();
    let mut o = opts(out, seed, 1);
    f(&mut o);
    run_config(&cfg, &o).unwrap()
}

fn hash(o: &RunOutcome) -> String {
    o.manifest.prediction_hash.clone().unwrap()
}

#[test]
fn vectors_train_with_an_mlp_reproducibly() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    write_vectors(dir.path(), false);
    let config = write_config(
        dir.path(),
        &format!("{SPLIT}label_noise = 0.1\nn_train = 80\n"),
        "kind = \"mlp\"\ndepth = 1\nwidth = 16",
        3,
    );
    let runs = dir.path().join("runs");
    let a = train(&config, &runs.join("a"), 5, |_| {});
    let b = train(&config, &runs.join("b"), 5, |_| {});
    let c = train(&config, &runs.join("c"), 6, |_| {});
    assert_eq!(hash(&a), hash(&b));
    assert_ne!(hash(&a), hash(&c));
    assert_eq!(a.record.y_train.len(), 80);
    assert!(a.record.y_train != a.record.y_train_clean, "label noise");
    // The manifest names every file the run read, with its SHA-256.
    let m = Manifest::load(&runs.join("a")).unwrap();
    let keys: Vec<&str> = m.files.keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "data.files.test_x",
            "data.files.test_y",
            "data.files.train_x",
            "data.files.train_y"
        ]
    );
    let f = &m.files["data.files.train_x"];
    assert!(Path::new(&f.path).is_absolute(), "{}", f.path);
    assert_eq!(
        f.sha256,
        sgd_complexity::paths::sha256_file(&dir.path().join("train_x.npy")).unwrap()
    );

    // The same data in Fortran order is the same task.
    let fdir = tempfile::tempdir().unwrap();
    write_vectors(fdir.path(), true);
    let fconfig = write_config(
        fdir.path(),
        &format!("{SPLIT}label_noise = 0.1\nn_train = 80\n"),
        "kind = \"mlp\"\ndepth = 1\nwidth = 16",
        3,
    );
    let f = train(&fconfig, &fdir.path().join("f"), 5, |_| {});
    assert_eq!(hash(&f), hash(&a));
}

#[test]
fn images_train_with_a_torchscript_cnn_reproducibly_and_resume() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    write_images(dir.path());
    std::fs::copy(fixture("cnn"), dir.path().join("net.pt")).unwrap();
    let config = write_config(
        dir.path(),
        "",
        "kind = \"torchscript\"\npath = \"net.pt\"",
        3,
    );
    let runs = dir.path().join("runs");
    let a = train(&config, &runs.join("a"), 1, |_| {});
    let b = train(&config, &runs.join("b"), 1, |_| {});
    let c = train(&config, &runs.join("c"), 2, |_| {});
    assert_eq!(hash(&a), hash(&b));
    assert_ne!(hash(&a), hash(&c));
    // The seed re-initialises the weights: the step-0 test loss differs between seeds.
    let loss0 = |o: &RunOutcome| o.record.checkpoints[0].test_loss;
    assert_ne!(loss0(&a), loss0(&c));
    let m = Manifest::load(&runs.join("a")).unwrap();
    assert_eq!(
        m.files["model.path"].sha256,
        sgd_complexity::paths::sha256_file(&fixture("cnn")).unwrap()
    );

    // Stopped after one epoch and resumed: the uninterrupted run's predictions.
    let cut = runs.join("cut");
    let cfg = TrainConfig::load(&config).unwrap().check().unwrap();
    let mut o = opts(&cut, 1, 1);
    o.stop_after_epochs = Some(1);
    let err = run_config(&cfg, &o).unwrap_err();
    assert!(matches!(err, Error::Interrupted { .. }), "{err}");
    let resumed = train(&config, &cut, 1, |o| o.resume = true);
    assert_eq!(hash(&resumed), hash(&a));

    // With init = "file" the saved weights are kept: the same step-0 predictions for any seed.
    let fconfig = write_config(
        dir.path(),
        "",
        "kind = \"torchscript\"\npath = \"net.pt\"\ninit = \"file\"",
        1,
    );
    let f1 = train(&fconfig, &runs.join("f1"), 1, |_| {});
    let f2 = train(&fconfig, &runs.join("f2"), 2, |_| {});
    assert_eq!(loss0(&f1), loss0(&f2));
    assert_ne!(hash(&f1), hash(&a));
}

/// BatchNorm's running statistics and dropout's masks survive a resume: the buffers are saved
/// with the weights, and dropout is re-seeded per epoch.
#[test]
fn batchnorm_and_dropout_resume_to_the_same_predictions() {
    let _g = lock();
    let dir = tempfile::tempdir().unwrap();
    write_images(dir.path());
    std::fs::copy(fixture("cnn_bn_dropout"), dir.path().join("net.pt")).unwrap();
    let config = write_config(
        dir.path(),
        "",
        "kind = \"torchscript\"\npath = \"net.pt\"",
        3,
    );
    let runs = dir.path().join("runs");
    let full = train(&config, &runs.join("full"), 3, |_| {});
    let again = train(&config, &runs.join("again"), 3, |_| {});
    assert_eq!(hash(&full), hash(&again));
    let cut = runs.join("cut");
    let cfg = TrainConfig::load(&config).unwrap().check().unwrap();
    let mut o = opts(&cut, 3, 1);
    o.stop_after_epochs = Some(2);
    assert!(run_config(&cfg, &o).is_err());
    let resumed = train(&config, &cut, 3, |o| o.resume = true);
    assert_eq!(hash(&resumed), hash(&full));
    // The final network reloads from model.ot (buffers included) with the recorded predictions.
    let task = sgd_complexity::data::load_task(&cfg.data, Path::new("data"), 3).unwrap();
    let pred = sgd_complexity::train::predict(&runs.join("full"), &task.test).unwrap();
    let n = task.test.len();
    let last = full.record.pred_test.len() - n;
    assert!(pred == full.record.pred_test[last..]);
}

/// Run the `sgdc` binary; returns (exit status, stderr).
fn sgdc(args: &[&str], cwd: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sgdc"))
        .args(args)
        .current_dir(cwd)
        .env("OMP_NUM_THREADS", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `sgdc train` on `dir/config.toml`, from another working directory (paths are relative to
/// the configuration file).
fn train_cli(dir: &Path) -> (i32, String) {
    let elsewhere = tempfile::tempdir().unwrap();
    let config = dir.join("config.toml");
    let out = dir.join("run");
    // A refused run may leave its failed manifest there: start afresh.
    let _ = std::fs::remove_dir_all(&out);
    sgdc(
        &[
            "train",
            "--config",
            config.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--threads",
            "1",
            "--quiet",
        ],
        elsewhere.path(),
    )
}

fn expect_exit_2(dir: &Path, file: &str, words: &[&str]) {
    let (code, err) = train_cli(dir);
    assert_eq!(code, 2, "exit status of: {err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    assert!(err.contains(file), "{file} not named in: {err}");
    for w in words {
        assert!(err.contains(w), "'{w}' not in: {err}");
    }
}

#[test]
fn the_cli_trains_from_relative_paths() {
    let dir = tempfile::tempdir().unwrap();
    write_vectors(dir.path(), false);
    write_config(dir.path(), SPLIT, "kind = \"mlp\"\ndepth = 1\nwidth = 8", 1);
    let (code, err) = train_cli(dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(dir.path().join("run/pred_test.npy").is_file());
}

#[test]
fn bad_data_files_exit_2_naming_the_file() {
    let mlp = "kind = \"mlp\"\ndepth = 1\nwidth = 8";
    let fresh = |data_extra: &str, model: &str| {
        let dir = tempfile::tempdir().unwrap();
        write_vectors(dir.path(), false);
        write_config(dir.path(), data_extra, model, 1);
        dir
    };

    // Labels and inputs of different lengths.
    let d = fresh(SPLIT, mlp);
    npy(&d.path().join("train_y.npy"), &[0i64, 1, 2], &[3], false);
    expect_exit_2(d.path(), "train_y.npy", &["3 labels", "96 examples"]);

    // Test inputs of another shape than the training inputs.
    let d = fresh(SPLIT, mlp);
    npy(
        &d.path().join("test_x.npy"),
        &[0f32; 64 * 9],
        &[64, 9],
        false,
    );
    expect_exit_2(d.path(), "test_x.npy", &["[9]", "[8]"]);

    // Labels outside the classes: four classes without a split.
    let d = fresh("", mlp);
    expect_exit_2(d.path(), "train_y.npy", &["not 0 or 1", "split"]);

    // NaN and infinite inputs.
    let d = fresh(SPLIT, mlp);
    let (mut x, _) = vectors(96, 1);
    x[8 * 7 + 3] = f32::NAN;
    npy(&d.path().join("train_x.npy"), &x, &[96, 8], false);
    expect_exit_2(d.path(), "train_x.npy", &["NaN", "example 7"]);
    let d = fresh(SPLIT, mlp);
    let (mut x, _) = vectors(64, 2);
    x[0] = f32::INFINITY;
    npy(&d.path().join("test_x.npy"), &x, &[64, 8], false);
    expect_exit_2(d.path(), "test_x.npy", &["inf", "not finite"]);

    // A class split that leaves one side empty.
    let d = fresh("split = { negative = [0, 1], positive = [7] }\n", mlp);
    expect_exit_2(d.path(), "train_y.npy", &["positive", "without examples"]);

    // Inputs of an unsupported dtype.
    let d = fresh(SPLIT, mlp);
    npy(
        &d.path().join("train_x.npy"),
        &[1i32; 96 * 8],
        &[96, 8],
        false,
    );
    expect_exit_2(d.path(), "train_x.npy", &["dtype", "float32"]);

    // Images the chosen network cannot take: 12x12 for the CNN (26x26 at least), vectors for
    // ResNet-20.
    let d = tempfile::tempdir().unwrap();
    write_images(d.path());
    write_config(d.path(), "", "kind = \"cnn\"\nchannels = 4\nhidden = 8", 1);
    expect_exit_2(d.path(), "train_x.npy", &["26x26", "12x12"]);
    let d = fresh(SPLIT, "kind = \"resnet20\"\nwidth = 4");
    expect_exit_2(d.path(), "train_x.npy", &["image"]);
}

#[test]
fn bad_torchscript_modules_exit_2_naming_the_file() {
    let model = |name: &str, dir: &Path| {
        std::fs::copy(fixture(name), dir.join(format!("{name}.pt"))).unwrap();
        format!("kind = \"torchscript\"\npath = \"{name}.pt\"")
    };
    // Three logits per row instead of two.
    let d = tempfile::tempdir().unwrap();
    write_vectors(d.path(), false);
    write_config(d.path(), SPLIT, &model("three_logits", d.path()), 1);
    expect_exit_2(d.path(), "three_logits.pt", &["[3, 3]", "[3, 2]"]);

    // A module for vectors of 8 coordinates on 1 x 12 x 12 images.
    let d = tempfile::tempdir().unwrap();
    write_images(d.path());
    write_config(d.path(), "", &model("mlp", d.path()), 1);
    expect_exit_2(d.path(), "mlp.pt", &["[1, 12, 12]", "failed"]);

    // A parameter without a default initialisation rule; `init = "file"` trains it.
    let d = tempfile::tempdir().unwrap();
    write_vectors(d.path(), false);
    let m = model("free_scale", d.path());
    write_config(d.path(), SPLIT, &m, 1);
    expect_exit_2(d.path(), "free_scale.pt", &["scale", "init = \"file\""]);
    write_config(d.path(), SPLIT, &format!("{m}\ninit = \"file\""), 1);
    let (code, err) = train_cli(d.path());
    assert_eq!(code, 0, "{err}");

    // Not a TorchScript file, and no file at all.
    let d = tempfile::tempdir().unwrap();
    write_vectors(d.path(), false);
    std::fs::write(d.path().join("junk.pt"), b"not a zip").unwrap();
    write_config(
        d.path(),
        SPLIT,
        "kind = \"torchscript\"\npath = \"junk.pt\"",
        1,
    );
    expect_exit_2(d.path(), "junk.pt", &["TorchScript"]);
    write_config(
        d.path(),
        SPLIT,
        "kind = \"torchscript\"\npath = \"missing.pt\"",
        1,
    );
    expect_exit_2(d.path(), "missing.pt", &["model.path", "No such file"]);
}

/// An experiment file naming a files task and a TorchScript network runs through `sgdc run` to
/// a report with claims and figures; a bad file is named before any run starts (exit 2).
#[test]
fn sgdc_run_reports_on_own_data_and_network() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    write_images(&data);
    std::fs::copy(fixture("cnn"), dir.path().join("net.pt")).unwrap();
    let experiment = r#"[experiment]
name = "mine"
title = "My images, my network"
kind = "task"
claims = ["C2", "C3", "C4", "C5"]

[tiers.quick]
seeds = [1, 2, 3]

[tiers.full]
seeds = [1, 2, 3]

[train]
data = { task = "files", files = { train_x = "data/train_x.npy", train_y = "data/train_y.npy", test_x = "data/test_x.npy", test_y = "data/test_y.npy" } }
model = { kind = "torchscript", path = "net.pt" }
optim = { lr = 0.05, momentum = 0.9, batch_size = 16 }
stop = { epochs = 3 }
record = { log_points = 4, log_epochs = 1.0 }
"#;
    let file = dir.path().join("mine.toml");
    std::fs::write(&file, experiment).unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("out");
    let args = |file: &Path| {
        vec![
            "run".to_string(),
            file.display().to_string(),
            "--out".into(),
            out.display().to_string(),
            "--quiet".into(),
        ]
    };
    let run = |file: &Path| {
        let a = args(file);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        sgdc(&a, elsewhere.path())
    };
    let (code, err) = run(&file);
    // The claims may pass or fail on 3 epochs of 80 images; the report must be there.
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    let report = std::fs::read_to_string(out.join("report/report.json")).unwrap();
    for c in ["C2", "C3", "C4", "C5"] {
        assert!(report.contains(&format!("\"{c}\"")), "{c} in the report");
    }
    assert!(out.join("report/figures/mine.png").is_file());
    assert!(out.join("report/index.html").is_file());

    // A label file of the wrong length: named at once, no run started.
    npy(&data.join("test_y.npy"), &[0i64, 1], &[2], false);
    let out_runs = out.join("runs/mine");
    let before = std::fs::read_dir(&out_runs).unwrap().count();
    let (code, err) = run(&file);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("test_y.npy") && err.contains("2 labels"),
        "{err}"
    );
    assert_eq!(std::fs::read_dir(&out_runs).unwrap().count(), before);
}
