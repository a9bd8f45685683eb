//! The exit-status policy of every subcommand (README, "Exit status"), as one table: each row runs
//! the built `sgdc` on a bad input of one kind and checks the status (2 for what the user can fix,
//! 1 for a failure of the run itself), that stderr is one line `sgdc <command>: ...` naming the
//! file, field or value at fault, and that nothing panicked.

use sgd_complexity::run::{Manifest, RunRecord, RunStatus};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// One bad input and what `sgdc` must answer.
struct Case {
    /// What the row checks.
    name: &'static str,
    /// Arguments after `sgdc`.
    args: Vec<String>,
    /// Expected exit status.
    status: i32,
    /// Strings the error output must contain (the file, field or value).
    needles: Vec<String>,
}

fn case<S: AsRef<str>>(name: &'static str, args: &[S], status: i32, needles: &[&str]) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.as_ref().to_string()).collect(),
        status,
        needles: needles.iter().map(|s| s.to_string()).collect(),
    }
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).expect("write fixture");
    p
}

/// A tiny training configuration on the 2-D toy task with learning rate `lr`.
fn train_config(lr: &str) -> String {
    format!(
        "[data]\ntask = \"disc-sinusoid\"\nn_train = 16\nn_test = 16\n[model]\nkind = \"mlp\"\ndepth = 1\nwidth = 4\n[optim]\nlr = {lr}\nbatch_size = 4\n[stop]\nepochs = 5\n[record]\nlog_points = 2\nlog_epochs = 1.0\nevery_epochs = 1\n"
    )
}

const EXPERIMENT: &str = r#"
[experiment]
name = "tiny"
title = "Tiny"
kind = "task"
claims = ["C2"]

[tiers.quick]
seeds = [1]

[tiers.full]
seeds = [1]

[train]
data = { task = "disc-sinusoid" }
"#;

/// An output folder of `sgdc verify` holding one complete run of `tiny` whose checkpoints.csv
/// has no rows (a truncated folder: the manifest says complete, the hash matches).
fn corrupt_output(root: &Path, experiments: &Path) -> PathBuf {
    use sgd_complexity::verify::experiment::{load_dir, Tier};
    use sgd_complexity::verify::runs::plan;
    let out = root.join("out-corrupt");
    let e = load_dir(experiments).expect("experiments");
    let job = &plan(&e[0], Tier::Quick, None)[0][0];
    let dir = out.join(&job.rel_dir);
    let rec = RunRecord {
        checkpoints: Vec::new(),
        pred_test: Vec::new(),
        pred_train: Vec::new(),
        train_rows: Vec::new(),
        y_test: vec![0, 1],
        y_train: vec![1, 0],
        y_train_clean: vec![1, 0],
        linear_test: vec![0, 1],
        linear_train: vec![1, 0],
    };
    rec.save(&dir).expect("save run");
    Manifest {
        sgdc_version: "test".into(),
        status: RunStatus::Complete,
        seed: 1,
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
    .save(&dir)
    .expect("save manifest");
    out
}

fn cases(root: &Path) -> Vec<Case> {
    let txt = |name: &str, body: &str| s(&write(root, name, body));
    let f = txt("f.txt", "0\n1\n1\n0\n");
    let l = txt("l.txt", "0\n1\n0\n0\n");
    let y = txt("y.txt", "0\n1\n1\n0\n");
    let y_bad = txt("y-bad.txt", "0\n1\nx\n0\n");
    let missing = s(&root.join("missing.txt"));
    let a_file = txt("a-file", "not a folder\n");
    let under_file = s(&Path::new(&a_file).join("sub"));
    let sweep = txt("sweep.toml", "seeds = \"three\"\n");
    let exps = root.join("experiments");
    std::fs::create_dir_all(&exps).expect("mkdir");
    write(&exps, "tiny.toml", EXPERIMENT);
    let exps_s = s(&exps);
    let no_runs = root.join("no-runs");
    std::fs::create_dir_all(&no_runs).expect("mkdir");
    let bad_data = root.join("bad-data");
    std::fs::create_dir_all(bad_data.join("mnist")).expect("mkdir");
    write(
        &bad_data.join("mnist"),
        "train-labels-idx1-ubyte",
        "garbage",
    );
    let bad_data = s(&bad_data);
    let m = |a: &[&str]| -> Vec<String> {
        std::iter::once("measure")
            .chain(a.iter().copied())
            .map(String::from)
            .collect()
    };

    let mut rows = vec![
        // measure: input files, values, arguments.
        case(
            "measure: input file absent",
            &m(&["--f", &f, "--l", &l, "--y", &missing]),
            2,
            &["sgdc measure: ", "missing.txt"],
        ),
        case(
            "measure: malformed label",
            &m(&["--f", &f, "--l", &l, "--y", &y_bad]),
            2,
            &["sgdc measure: ", "y-bad.txt", "'x'"],
        ),
        case(
            "measure: bad argument value",
            &m(&["--f", &f, "--l", &l, "--y", &y, "--classes", "0"]),
            2,
            &["sgdc measure: ", "--classes 0"],
        ),
        case(
            "measure: argument syntax (clap)",
            &m(&["--f", &f, "--bogus"]),
            2,
            &["--bogus"],
        ),
        // simulate: input file, parameter, writing outputs.
        case(
            "simulate: malformed sweep file",
            &["simulate", "--quiet", "--sweep", &sweep],
            2,
            &["sgdc simulate: ", "sweep.toml"],
        ),
        case(
            "simulate: bad parameter",
            &["simulate", "--quiet", "--n", "0"],
            2,
            &["sgdc simulate: ", "invalid n"],
        ),
        case(
            "simulate: output folder cannot be written",
            &[
                "simulate",
                "--quiet",
                "--n",
                "20",
                "--dim",
                "40",
                "--signal-dim",
                "2",
                "--eta",
                "0.1",
                "--seeds",
                "1",
                "--n-test",
                "50",
                "--out",
                &under_file,
            ],
            1,
            &["sgdc simulate: ", "a-file"],
        ),
        // verify, run, report: arguments, experiment files, run folders, writing the report.
        case(
            "verify: bad --jobs",
            &["verify", "--jobs", "0", "--experiments", &exps_s],
            2,
            &["sgdc verify: ", "--jobs"],
        ),
        case(
            "verify: bad --shard",
            &["verify", "--shard", "9/3", "--experiments", &exps_s],
            2,
            &["sgdc verify: ", "--shard", "9/3"],
        ),
        case(
            "verify: experiments folder absent",
            &["verify", "--experiments", &missing],
            2,
            &["sgdc verify: ", "missing.txt"],
        ),
        case(
            "run: unknown experiment",
            &["run", "no-such-experiment", "--experiments", &exps_s],
            2,
            &["sgdc run: ", "no-such-experiment"],
        ),
        case(
            "report: not an output folder",
            &["report", &s(&no_runs), "--experiments", &exps_s],
            2,
            &["sgdc report: ", "no-runs"],
        ),
        // data: a corrupted data set.
        case(
            "data check: corrupted data set",
            &["data", "check", "--data-dir", &bad_data],
            2,
            &["sgdc data: ", "bad-data"],
        ),
    ];
    if cfg!(feature = "torch") {
        rows.extend(train_cases(root, &under_file));
    }
    rows
}

fn train_cases(root: &Path, under_file: &str) -> Vec<Case> {
    let cfg = |name: &str, body: &str| s(&write(root, name, body));
    let good = cfg("good.toml", &train_config("0.1"));
    let diverging = cfg("diverging.toml", &train_config("1e30"));
    let unknown = cfg(
        "unknown-field.toml",
        &format!("{}every_epoch = 1\n", train_config("0.1")),
    );
    let negative = cfg("negative-lr.toml", &train_config("-1.0"));
    let mnist = cfg(
        "mnist.toml",
        &train_config("0.1").replace("disc-sinusoid", "mnist"),
    );
    let empty_data = root.join("empty-data");
    std::fs::create_dir_all(&empty_data).expect("mkdir");
    let taken = root.join("taken");
    std::fs::create_dir_all(&taken).expect("mkdir");
    std::fs::write(taken.join("manifest.json"), "{}").expect("write");
    let out = |name: &str| s(&root.join(name));
    let t = |a: &[&str]| -> Vec<String> {
        ["train", "--quiet", "--threads", "1"]
            .into_iter()
            .chain(a.iter().copied())
            .map(String::from)
            .collect()
    };
    let mut rows = vec![
        case(
            "train: configuration file absent",
            &t(&["--config", &s(&root.join("nope.toml"))]),
            2,
            &["sgdc train: ", "nope.toml"],
        ),
        case(
            "train: unknown configuration field",
            &t(&["--config", &unknown, "--out", &out("r1")]),
            2,
            &["sgdc train: ", "unknown-field.toml", "every_epoch"],
        ),
        case(
            "train: bad configuration value",
            &t(&["--config", &negative, "--out", &out("r2")]),
            2,
            &["sgdc train: ", "optim.lr", "-1"],
        ),
        case(
            "train: data set not present",
            &t(&[
                "--config",
                &mnist,
                "--data-dir",
                &s(&empty_data),
                "--out",
                &out("r3"),
            ]),
            2,
            &["sgdc train: ", "empty-data"],
        ),
        case(
            "train: run folder already holds a run",
            &t(&["--config", &good, "--out", &s(&taken)]),
            2,
            &["sgdc train: ", "taken", "--resume"],
        ),
        case(
            "train: diverging run",
            &t(&["--config", &diverging, "--out", &out("diverged")]),
            1,
            &["sgdc train: ", "not finite"],
        ),
        case(
            "train: run folder cannot be written",
            &t(&["--config", &good, "--out", under_file]),
            1,
            &["sgdc train: ", "a-file"],
        ),
        case(
            "bench-step: unknown model",
            &["bench-step", "--model", "nope"],
            2,
            &["sgdc bench-step: ", "--model nope"],
        ),
    ];
    if !cfg!(feature = "cuda") {
        rows.push(case(
            "train: device this build lacks",
            &t(&["--config", &good, "--device", "cuda", "--out", &out("r4")]),
            2,
            &["sgdc train: ", "cuda"],
        ));
    }
    rows
}

#[test]
fn every_subcommand_follows_the_exit_status_policy() {
    let root = tempfile::tempdir().expect("tempdir");
    let mut failures = Vec::new();
    for c in cases(root.path()) {
        let out = Command::new(env!("CARGO_BIN_EXE_sgdc"))
            .args(&c.args)
            .output()
            .expect("run sgdc");
        let status = out.status.code().unwrap_or(-1);
        let err = String::from_utf8_lossy(&out.stderr);
        let mut why = Vec::new();
        if status != c.status {
            why.push(format!("status {status}, expected {}", c.status));
        }
        if err.contains("panicked") {
            why.push("panicked".into());
        }
        for n in &c.needles {
            if !err.contains(n.as_str()) {
                why.push(format!("stderr lacks {n:?}"));
            }
        }
        // Our own errors are one line (clap's usage errors are clap's format).
        if err.starts_with("sgdc ") && err.trim_end().lines().count() != 1 {
            why.push("more than one line".into());
        }
        if !why.is_empty() {
            failures.push(format!("{}: {}; stderr: {err:?}", c.name, why.join(", ")));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

/// A diverging run leaves its folder with a `failed` manifest that holds the error.
#[cfg(feature = "torch")]
#[test]
fn a_failed_run_writes_its_failed_manifest() {
    let root = tempfile::tempdir().expect("tempdir");
    let cfg = write(root.path(), "diverging.toml", &train_config("1e30"));
    let dir = root.path().join("run");
    let out = Command::new(env!("CARGO_BIN_EXE_sgdc"))
        .args(["train", "--quiet", "--threads", "1", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&dir)
        .output()
        .expect("run sgdc");
    assert_eq!(out.status.code(), Some(1));
    let m = Manifest::load(&dir).expect("manifest");
    assert_eq!(m.status, RunStatus::Failed);
    assert!(m.error.unwrap_or_default().contains("not finite"));
}

/// The evaluation behind `sgdc report`, on a complete run whose checkpoints.csv has no rows,
/// reports the problem (the claims fail) instead of panicking. (The binary would also run the
/// theory sweep for C8, minutes in a debug build: the library call leaves it out.)
#[test]
fn report_on_a_run_without_checkpoints_reports_it() {
    use sgd_complexity::verify::evaluate::{evaluate, Evaluation};
    use sgd_complexity::verify::experiment::{load_dir, Tier};
    let root = tempfile::tempdir().expect("tempdir");
    let exps = root.path().join("experiments");
    std::fs::create_dir_all(&exps).expect("mkdir");
    write(&exps, "tiny.toml", EXPERIMENT);
    let out_dir = corrupt_output(root.path(), &exps);
    let experiments = load_dir(&exps).expect("experiments");
    let report = evaluate(&Evaluation {
        experiments: &experiments,
        tier: Tier::Quick,
        seeds: None,
        dirs: std::slice::from_ref(&out_dir),
        skipped: BTreeMap::new(),
        report_dir: out_dir.join("report"),
        command: "sgdc report".into(),
        theory: None,
        trajectory: None,
        aggregate: false,
    })
    .expect("a report, not an error");
    let note = &report.sections[0].note;
    assert!(note.contains("no recorded checkpoints"), "{note}");
    assert!(!sgd_complexity::claims::gate::passes(&report.verdicts));
}

#[test]
fn simulate_reports_bad_input_with_status_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("sweep.toml");
    std::fs::write(&bad, "seeds = \"three\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sgdc"))
        .args(["simulate", "--quiet", "--sweep"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("sweep.toml"), "{err}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sgdc"))
        .args(["simulate", "--quiet", "--n", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid n"), "{err}");
}
