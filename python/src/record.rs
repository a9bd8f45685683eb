//! The run writer behind `sgdc.Recorder`: a run folder in the harness's format from the hard
//! predictions of a training loop that is not sgdc's.
//!
//! The folder is `OUT/runs/NAME/main/seed-SEED-KEY` (the layout `sgdc verify` writes, `KEY` from
//! [`run_key`] of an empty training table), beside an experiment file `OUT/experiments/NAME.toml`
//! that lists the recorded seeds, so that `sgdc report OUT --experiments OUT/experiments` and
//! `sgdc.verdicts(OUT)` read it like any run of the harness.
//!
//! Writes are atomic file by file, and the manifest says `running` from the first checkpoint
//! until [`RunWriter::finish`] has written every array: an interrupted recording leaves a folder
//! every reader refuses as unfinished, never one it misreads.

use crate::error::{guard, BindError, Result};
use crate::labels;
use pyo3::prelude::*;
use sgd_complexity::run::{Checkpoint, Manifest, RunRecord, RunStatus};
use sgd_complexity::verify::experiment::Experiment;
use sgd_complexity::verify::runs::{inspect, run_key, FolderState, Role};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The claims a recorded task is checked for: those that need no network of sgdc's (C1 is the
/// toy's, C6 needs reference networks trained on the final predictions, C7 a reparameterisation).
pub const RECORDED_CLAIMS: [&str; 4] = ["C2", "C3", "C4", "C5"];

/// Writes one run folder, checkpoint by checkpoint.
#[pyclass(module = "sgdc._sgdc")]
pub struct RunWriter {
    out: PathBuf,
    name: String,
    seed: u64,
    dir: PathBuf,
    steps_per_epoch: f64,
    y_test: Vec<u8>,
    linear_test: Vec<u8>,
    y_train: Vec<u8>,
    y_train_clean: Vec<u8>,
    linear_train: Vec<u8>,
    checkpoints: Vec<Checkpoint>,
    pred_test: Vec<u8>,
    pred_train: Vec<u8>,
    train_rows: Vec<usize>,
    manifest: Manifest,
    finished: bool,
}

fn safe_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

fn owned(obj: &Bound<'_, PyAny>, name: &str) -> Result<Vec<u8>> {
    let a = labels::read(obj, name, 1)?;
    if a.shape[0] == 0 {
        return Err(BindError::arg(name, "empty input: no points"));
    }
    Ok(a.symbols().to_vec())
}

fn same_len(a: &[u8], name: &str, b: &[u8], other: &str) -> Result<()> {
    if a.len() != b.len() {
        return Err(BindError::arg(
            name,
            format!(
                "{} labels, but {other} has {}: the inputs must be aligned",
                a.len(),
                b.len()
            ),
        ));
    }
    Ok(())
}

fn accuracy(pred: &[u8], y: &[u8]) -> f64 {
    let hits = pred.iter().zip(y).filter(|(a, b)| a == b).count();
    hits as f64 / y.len().max(1) as f64
}

/// The seeds with a run folder under `OUT/runs/NAME/main` (from the folder names).
fn recorded_seeds(out: &Path, name: &str) -> BTreeSet<u64> {
    let dir = out.join("runs").join(name).join("main");
    let Ok(rd) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    rd.filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.strip_prefix("seed-")?.split('-').next()?.parse().ok()
        })
        .collect()
}

/// Write (or update the seeds of) `OUT/experiments/NAME.toml`, then read it back through the
/// harness's own loader, so that a file it would refuse is never left behind silently.
pub fn write_experiment(out: &Path, name: &str, seeds: &BTreeSet<u64>) -> Result<PathBuf> {
    let dir = out.join("experiments");
    std::fs::create_dir_all(&dir)
        .map_err(|e| BindError::from(sgd_complexity::Error::write(&dir, e)))?;
    let path = dir.join(format!("{name}.toml"));
    let seeds: Vec<toml::Value> = seeds
        .iter()
        .map(|&s| toml::Value::Integer(s as i64))
        .collect();
    let mut doc: toml::Table = match std::fs::read_to_string(&path) {
        Ok(text) => text
            .parse()
            .map_err(|e: toml::de::Error| sgd_complexity::Error::BadFile {
                path: path.clone(),
                reason: e.to_string(),
            })?,
        Err(_) => {
            let text = format!(
                "[experiment]\nname = \"{name}\"\ntitle = \"{name} (recorded from a training loop of its own)\"\n\
                 kind = \"task\"\nclaims = [{}]\n\
                 note = \"Recorded with the Python package's Recorder from a training loop outside sgdc; how L was obtained (sgdc's fit or the user's predictions) is in each run's manifest, config.linear.\"\n\
                 counts_for_c9 = false\n\n[tiers.quick]\nseeds = []\n\n[tiers.full]\nseeds = []\n\n\
                 # Leave [train] empty: the run folders' names hash it.\n[train]\n",
                RECORDED_CLAIMS.map(|c| format!("\"{c}\"")).join(", ")
            );
            text.parse()
                .map_err(|e: toml::de::Error| sgd_complexity::Error::BadFile {
                    path: path.clone(),
                    reason: e.to_string(),
                })?
        }
    };
    for tier in ["quick", "full"] {
        let t = doc
            .entry("tiers")
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if let Some(t) = t.as_table_mut() {
            let spec = t
                .entry(tier)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let Some(spec) = spec.as_table_mut() {
                spec.insert("seeds".into(), toml::Value::Array(seeds.clone()));
            }
        }
    }
    let text = toml::to_string(&doc).map_err(|e| sgd_complexity::Error::BadFile {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    sgd_complexity::run::atomic::write_atomic(&path, text.as_bytes())?;
    Experiment::load(&path)?;
    Ok(path)
}

impl RunWriter {
    fn record_checkpoint(
        &mut self,
        step: i64,
        pred_test: &Bound<'_, PyAny>,
        pred_train: Option<&Bound<'_, PyAny>>,
        epoch: Option<f64>,
        test_loss: Option<f64>,
        train_loss: Option<f64>,
    ) -> Result<()> {
        if self.finished {
            return Err(BindError::arg("record", "the recording is finished"));
        }
        if let Some(last) = self.checkpoints.last() {
            if step <= last.step {
                return Err(BindError::arg(
                    "step",
                    format!(
                        "{step} is not after the previous checkpoint's step {}",
                        last.step
                    ),
                ));
            }
        } else if step < 0 {
            return Err(BindError::arg("step", format!("{step} is negative")));
        }
        let test = labels::read(pred_test, "pred_test", 1)?;
        same_len(test.symbols(), "pred_test", &self.y_test, "y_test")?;
        let train = pred_train
            .map(|p| -> Result<Vec<u8>> {
                let a = labels::read(p, "pred_train", 1)?;
                same_len(a.symbols(), "pred_train", &self.y_train, "y_train")?;
                Ok(a.symbols().to_vec())
            })
            .transpose()?;
        for (name, v) in [
            ("epoch", epoch),
            ("test_loss", test_loss),
            ("train_loss", train_loss),
        ] {
            if v.is_some_and(|v| !v.is_finite()) {
                return Err(BindError::arg(name, format!("{v:?} is not finite")));
            }
        }
        let index = self.checkpoints.len();
        let train_acc = train.as_ref().map(|p| accuracy(p, &self.y_train));
        self.checkpoints.push(Checkpoint {
            index,
            step,
            epoch: epoch.unwrap_or(step as f64 / self.steps_per_epoch),
            train_acc,
            test_acc: accuracy(test.symbols(), &self.y_test),
            train_loss: train.as_ref().map(|_| train_loss.unwrap_or(f64::NAN)),
            test_loss: test_loss.unwrap_or(f64::NAN),
        });
        self.pred_test.extend_from_slice(test.symbols());
        if let Some(p) = train {
            self.pred_train.extend_from_slice(&p);
            self.train_rows.push(index);
        }
        Ok(())
    }

    fn finish_run(&mut self, train_seconds: Option<f64>) -> Result<PathBuf> {
        if self.finished {
            return Err(BindError::arg(
                "finish",
                "the recording is already finished",
            ));
        }
        if self.checkpoints.is_empty() {
            return Err(BindError::arg("finish", "no checkpoint recorded"));
        }
        if self.train_rows.last() != Some(&(self.checkpoints.len() - 1)) {
            return Err(BindError::arg(
                "pred_train",
                "the last checkpoint must record the training set (pass pred_train at the final step)",
            ));
        }
        let rec = RunRecord {
            checkpoints: std::mem::take(&mut self.checkpoints),
            pred_test: std::mem::take(&mut self.pred_test),
            pred_train: std::mem::take(&mut self.pred_train),
            train_rows: std::mem::take(&mut self.train_rows),
            y_test: self.y_test.clone(),
            y_train: self.y_train.clone(),
            y_train_clean: self.y_train_clean.clone(),
            linear_test: self.linear_test.clone(),
            linear_train: self.linear_train.clone(),
        };
        rec.save(&self.dir)?;
        self.manifest.prediction_hash = Some(rec.prediction_hash());
        self.manifest.train_seconds = train_seconds;
        self.manifest.status = RunStatus::Complete;
        // The manifest last: until it says complete, readers refuse the folder.
        self.manifest.save(&self.dir)?;
        self.finished = true;
        let mut seeds = recorded_seeds(&self.out, &self.name);
        seeds.insert(self.seed);
        write_experiment(&self.out, &self.name, &seeds)?;
        Ok(self.dir.clone())
    }
}

#[pymethods]
impl RunWriter {
    /// Start a run folder for `seed` of experiment `name` under the output folder `out`.
    #[new]
    #[pyo3(signature = (out, name, seed, y_test, linear_test, y_train, linear_train, steps_per_epoch, *, y_train_clean=None, config_json="{}", linear_json=None, device="unknown", threads=0, versions=BTreeMap::new(), overwrite=false))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        out: PathBuf,
        name: &str,
        seed: u64,
        y_test: &Bound<'_, PyAny>,
        linear_test: &Bound<'_, PyAny>,
        y_train: &Bound<'_, PyAny>,
        linear_train: &Bound<'_, PyAny>,
        steps_per_epoch: f64,
        y_train_clean: Option<&Bound<'_, PyAny>>,
        config_json: &str,
        linear_json: Option<&str>,
        device: &str,
        threads: usize,
        versions: BTreeMap<String, String>,
        overwrite: bool,
    ) -> PyResult<Self> {
        guard(|| -> PyResult<Self> {
            if !safe_name(name) {
                return Err(BindError::arg(
                    "name",
                    format!("{name:?}: use letters, digits, '-', '_', '.'"),
                )
                .into());
            }
            if !(steps_per_epoch.is_finite() && steps_per_epoch > 0.0) {
                return Err(BindError::arg(
                    "steps_per_epoch",
                    format!("{steps_per_epoch} must be a positive number"),
                )
                .into());
            }
            let y_test = owned(y_test, "y_test")?;
            let linear_test = owned(linear_test, "linear_test")?;
            same_len(&linear_test, "linear_test", &y_test, "y_test")?;
            let y_train = owned(y_train, "y_train")?;
            let linear_train = owned(linear_train, "linear_train")?;
            same_len(&linear_train, "linear_train", &y_train, "y_train")?;
            let y_train_clean = match y_train_clean {
                Some(c) => {
                    let c = owned(c, "y_train_clean")?;
                    same_len(&c, "y_train_clean", &y_train, "y_train")?;
                    c
                }
                None => y_train.clone(),
            };
            let user: serde_json::Value = serde_json::from_str(config_json)
                .map_err(|e| BindError::arg("config", format!("not JSON: {e}")))?;
            // How L came about: the harness's own fit (its settings and outcome) or the user's.
            let linear = match linear_json {
                Some(j) => serde_json::from_str(j)
                    .map_err(|e| BindError::arg("linear", format!("not JSON: {e}")))?,
                None => serde_json::json!({
                    "source": "supplied",
                    "note": "predictions of L supplied by the user, not fitted by sgdc",
                }),
            };
            let key = run_key(name, "main", seed, &toml::Table::new(), &Role::Train);
            let dir = out
                .join("runs")
                .join(name)
                .join("main")
                .join(format!("seed-{seed}-{key}"));
            if inspect(&dir) == FolderState::Complete && !overwrite {
                return Err(BindError::Exists(dir.display().to_string()).into());
            }
            std::fs::create_dir_all(&dir)
                .map_err(|e| BindError::from(sgd_complexity::Error::write(&dir, e)))?;
            let mut all_versions = versions;
            all_versions.insert("sgd-complexity".into(), sgd_complexity_version());
            all_versions.insert("sgdc-python".into(), env!("CARGO_PKG_VERSION").into());
            let manifest = Manifest {
                sgdc_version: sgd_complexity_version(),
                status: RunStatus::Running,
                seed,
                derived_seeds: BTreeMap::new(),
                config: serde_json::json!({
                    "recorder": "sgdc Python package (Recorder)",
                    "steps_per_epoch": steps_per_epoch,
                    "linear": linear,
                    "user": user,
                }),
                versions: all_versions,
                device: device.into(),
                threads,
                numerics: BTreeMap::new(),
                git_commit: None,
                git_dirty: None,
                prediction_hash: None,
                train_seconds: None,
                error: None,
                files: BTreeMap::new(),
            };
            // First of all: the folder says `running` (an earlier run's files stay refused).
            manifest.save(&dir).map_err(BindError::from)?;
            let mut seeds = recorded_seeds(&out, name);
            seeds.insert(seed);
            write_experiment(&out, name, &seeds)?;
            Ok(Self {
                out,
                name: name.into(),
                seed,
                dir,
                steps_per_epoch,
                y_test,
                linear_test,
                y_train,
                y_train_clean,
                linear_train,
                checkpoints: Vec::new(),
                pred_test: Vec::new(),
                pred_train: Vec::new(),
                train_rows: Vec::new(),
                manifest,
                finished: false,
            })
        })
    }

    /// Record checkpoint `step`: the hard test predictions, and at some checkpoints (the last one
    /// included) the training predictions.
    #[pyo3(signature = (step, pred_test, pred_train=None, *, epoch=None, test_loss=None, train_loss=None))]
    fn record(
        &mut self,
        step: i64,
        pred_test: &Bound<'_, PyAny>,
        pred_train: Option<&Bound<'_, PyAny>>,
        epoch: Option<f64>,
        test_loss: Option<f64>,
        train_loss: Option<f64>,
    ) -> PyResult<()> {
        guard(|| {
            Ok(self.record_checkpoint(step, pred_test, pred_train, epoch, test_loss, train_loss)?)
        })
    }

    /// Write every array, then the manifest as complete; returns the run folder.
    #[pyo3(signature = (train_seconds=None))]
    fn finish(&mut self, train_seconds: Option<f64>) -> PyResult<PathBuf> {
        guard(|| Ok(self.finish_run(train_seconds)?))
    }

    /// Mark the run failed with `message` (the loop raised): readers refuse the folder.
    fn fail(&mut self, message: &str) -> PyResult<()> {
        guard(|| {
            if self.finished {
                return Ok(());
            }
            self.manifest.status = RunStatus::Failed;
            self.manifest.error = Some(message.to_string());
            self.manifest.save(&self.dir).map_err(BindError::from)?;
            Ok(())
        })
    }

    /// The run folder.
    #[getter]
    fn dir(&self) -> PathBuf {
        self.dir.clone()
    }

    /// Number of checkpoints recorded so far.
    #[getter]
    fn checkpoints(&self) -> usize {
        self.checkpoints.len()
    }
}

/// The version of the harness whose code the bindings run.
fn sgd_complexity_version() -> String {
    sgd_complexity::VERSION.to_string()
}
