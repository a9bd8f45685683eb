//! The gate catches a break: run folders whose final predictions were altered, as a regression
//! of the trainer would alter them (hash updated, so the folders are intact and reused), make the
//! retention claim C5 fail, and `sgdc run` exit 1 with a message that names the claim and the
//! runs. The same folders unaltered pass. No libtorch training: the runs are written here.

use sgd_complexity::run::{Checkpoint, Manifest, RunRecord, RunStatus};
use sgd_complexity::verify::experiment::{load_dir, Tier};
use sgd_complexity::verify::runs::plan;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const EXPERIMENT: &str = r#"
[experiment]
name = "gate"
title = "Gate test"
kind = "task"
claims = ["C5"]

[tiers.quick]
seeds = [1, 2, 3]

[tiers.full]
seeds = [1, 2, 3]

[train]
data = { task = "disc-sinusoid", n_train = 100, n_test = 400 }
"#;

const N_TEST: usize = 400;
const N_TRAIN: usize = 100;

/// Labels 0/1 alternating; L wrong on the points `i % 8 == 0` (87.5% accurate).
fn labels() -> (Vec<u8>, Vec<u8>) {
    let y: Vec<u8> = (0..N_TEST).map(|i| (i % 2) as u8).collect();
    let l: Vec<u8> = y
        .iter()
        .enumerate()
        .map(|(i, &v)| if i % 8 == 0 { 1 - v } else { v })
        .collect();
    (y, l)
}

/// A run whose network ends right wherever L is right and on half of L's errors (it retains
/// L), or, `altered`, one whose final errors fall on points where L is right (it lost what L
/// knew while keeping its accuracy).
fn record(altered: bool) -> RunRecord {
    let (y, l) = labels();
    let start: Vec<u8> = vec![0; N_TEST];
    let last: Vec<u8> = y
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let wrong = if altered { i % 8 == 1 } else { i % 16 == 0 };
            if wrong {
                1 - v
            } else {
                v
            }
        })
        .collect();
    let y_train: Vec<u8> = (0..N_TRAIN).map(|i| (i % 2) as u8).collect();
    let checkpoint = |index: usize, step: i64, test_acc: f64| Checkpoint {
        index,
        step,
        epoch: step as f64,
        train_acc: Some(if index == 0 { 0.5 } else { 1.0 }),
        test_acc,
        train_loss: None,
        test_loss: 0.0,
    };
    let acc = |p: &[u8]| p.iter().zip(&y).filter(|(a, b)| a == b).count() as f64 / N_TEST as f64;
    RunRecord {
        checkpoints: vec![
            checkpoint(0, 0, acc(&start)),
            checkpoint(1, 100, acc(&last)),
        ],
        pred_test: [start, last].concat(),
        pred_train: [vec![0; N_TRAIN], y_train.clone()].concat(),
        train_rows: vec![0, 1],
        y_test: y,
        y_train: y_train.clone(),
        y_train_clean: y_train.clone(),
        linear_test: l,
        linear_train: y_train,
    }
}

fn write_run(dir: &Path, seed: u64, altered: bool) {
    let rec = record(altered);
    rec.save(dir).expect("save run");
    Manifest {
        sgdc_version: "test".into(),
        status: RunStatus::Complete,
        seed,
        derived_seeds: BTreeMap::new(),
        config: serde_json::json!({}),
        versions: BTreeMap::new(),
        device: "cpu".into(),
        threads: 1,
        numerics: BTreeMap::new(),
        git_commit: None,
        git_dirty: None,
        prediction_hash: Some(rec.prediction_hash()),
        train_seconds: Some(0.0),
        error: None,
        files: BTreeMap::new(),
    }
    .save(dir)
    .expect("save manifest");
}

/// `sgdc run gate` on the folder (every run is reused): exit code and standard output.
fn sgdc_run(exps: &Path, out: &Path) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_sgdc"))
        .args(["run", "gate", "--quiet", "--experiments"])
        .arg(exps)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run sgdc");
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
    )
}

#[test]
fn the_gate_fails_on_altered_runs_and_names_the_claim_and_the_runs() {
    let root = tempfile::tempdir().expect("tempdir");
    let exps = root.path().join("experiments");
    std::fs::create_dir_all(&exps).expect("mkdir");
    std::fs::write(exps.join("gate.toml"), EXPERIMENT).expect("write");
    let experiments = load_dir(&exps).expect("experiments");
    let out = root.path().join("out");
    let units = plan(&experiments[0], Tier::Quick, None);
    for u in &units {
        write_run(&out.join(&u[0].rel_dir), u[0].seed, false);
    }
    let (code, stdout) = sgdc_run(&exps, &out);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.starts_with("PASS: paper claims 1 hold"), "{stdout}");

    // The altered runs keep their accuracy but lose L's information.
    for u in &units {
        write_run(&out.join(&u[0].rel_dir), u[0].seed, true);
    }
    let (code, stdout) = sgdc_run(&exps, &out);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.starts_with("FAIL: paper claims 0 hold, 1 fail"),
        "{stdout}"
    );
    let line = stdout
        .lines()
        .find(|l| l.starts_with("not as expected: C5 gate: a claim of the paper FAILS"))
        .unwrap_or_else(|| panic!("no line naming C5: {stdout}"));
    for u in &units {
        assert!(
            line.contains(&u[0].rel_dir.display().to_string()),
            "{line} does not name {}",
            u[0].rel_dir.display()
        );
    }
}
