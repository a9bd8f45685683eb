//! The deterministic trainer: SGD on a [`Task`], recording hard predictions of F_t at
//! checkpoints, then fitting the linear classifier L, into a run folder (see [`crate::run`]).
//!
//! Every random choice comes from the master seed: weights from [`Stream::Init`] (seeding
//! libtorch's generator before the network is built, on the CPU, so CPU and CUDA runs start from
//! the same weights), the data order of epoch `e` from [`Stream::DataOrder`] index `e`,
//! augmentation of epoch `e` from [`Stream::Augment`] index `e`. A run is a function of the
//! configuration, the task, the seed, the device and (for convolutions on the CPU) the thread
//! count, all recorded in the manifest.

pub mod adam;
pub mod augment;
pub mod config;
pub mod eval;
pub mod linear;
pub mod numerics;
mod outputs;
pub mod own;
mod record;
pub mod reparam;
pub mod resume;
pub mod schedule;
mod session;
pub mod sgd;
mod steps;

pub use config::{
    AdamConfig, LinearConfig, LinearTarget, LrSchedule, OptimConfig, RecordConfig, StopConfig,
    TrainConfig, ValidTrainConfig,
};
pub use numerics::Device;
pub use reparam::{predict, reparameterised_predictions, Reparam};

use crate::data::Task;
use crate::error::{Error, Result};
use crate::rng::{derived_seed, Stream};
use crate::run::{git_state, Manifest, RunRecord, RunStatus};
use serde::{Deserialize, Serialize};
use session::run;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// How to run a configuration (everything that is not part of the configuration itself).
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// The run folder.
    pub out: PathBuf,
    /// Master seed.
    pub seed: u64,
    /// Compute device.
    pub device: Device,
    /// libtorch intra-op threads (`None`: libtorch's default). Convolutions on the CPU give
    /// thread-count-dependent results, so pin this for reproducible CNN runs.
    pub threads: Option<usize>,
    /// Continue the run in `out` from its last saved epoch (or return it if complete).
    pub resume: bool,
    /// Show a progress bar.
    pub progress: bool,
    /// Where real data sets live.
    pub data_dir: PathBuf,
    /// Stop with [`Error::Interrupted`] after this many epochs, leaving a resumable run (for
    /// tests of `--resume`).
    pub stop_after_epochs: Option<usize>,
    /// Minimum seconds between resume saves (taken at epoch ends; 0 = after every epoch).
    pub save_every_secs: f64,
}

impl RunOptions {
    /// Defaults: CPU, libtorch's thread count, no resume, no progress bar, `data/`.
    pub fn new(out: impl Into<PathBuf>, seed: u64) -> Self {
        RunOptions {
            out: out.into(),
            seed,
            device: Device::Cpu,
            threads: None,
            resume: false,
            progress: false,
            data_dir: PathBuf::from("data"),
            stop_after_epochs: None,
            save_every_secs: 30.0,
        }
    }
}

/// A finished run.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOutcome {
    /// Everything recorded (as saved in the run folder).
    pub record: RunRecord,
    /// The manifest (status `complete`).
    pub manifest: Manifest,
    /// The run folder.
    pub dir: PathBuf,
}

/// `summary.json` of a run folder: what the network is and how training went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Task name.
    pub task: String,
    /// Shape of one input.
    pub input_shape: Vec<usize>,
    /// Number of classes.
    pub classes: usize,
    /// Training-set size.
    pub n_train: usize,
    /// Test-set size.
    pub n_test: usize,
    /// Epochs trained.
    pub epochs: usize,
    /// SGD steps taken.
    pub steps: i64,
    /// Steps per epoch.
    pub steps_per_epoch: i64,
    /// First epoch that ended with 100% training accuracy, if any (checked with `until_fit`).
    pub fit_epoch: Option<usize>,
    /// Final training accuracy (labels as trained on).
    pub final_train_acc: f64,
    /// Final test accuracy.
    pub final_test_acc: f64,
    /// Checkpoints recorded (the test set at each); absent in older runs.
    #[serde(default)]
    pub checkpoints: usize,
    /// Of those, checkpoints that also recorded the training set; absent in older runs.
    #[serde(default)]
    pub train_checkpoints: usize,
    /// Seconds spent evaluating checkpoints and confirming fits (part of the training seconds).
    pub record_seconds: f64,
    /// Seconds spent training, checkpoints included (as in the manifest).
    pub train_seconds: f64,
    /// The linear classifier L: iterations, final loss and gradient norm, convergence.
    pub linear: LinearSummary,
}

/// How the fit of L went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LinearSummary {
    /// What L was fitted to.
    pub fit_to: LinearTarget,
    /// L-BFGS iterations.
    pub iterations: usize,
    /// Objective evaluations (iterations plus line-search trials); absent in older runs.
    #[serde(default)]
    pub evaluations: usize,
    /// Seconds the fit took; absent in older runs.
    #[serde(default)]
    pub seconds: f64,
    /// Final objective.
    pub loss: f64,
    /// Final gradient norm.
    pub grad_norm: f64,
    /// Whether the gradient norm reached the tolerance.
    pub converged: bool,
    /// Training accuracy of L against its targets.
    pub train_acc: f64,
    /// Test accuracy of L.
    pub test_acc: f64,
}

impl Summary {
    /// Read `dir/summary.json`.
    pub fn load(dir: &Path) -> Result<Self> {
        let path = dir.join("summary.json");
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        serde_json::from_slice(&bytes).map_err(|e| Error::BadFile {
            path,
            reason: format!("invalid summary: {e}"),
        })
    }
}

/// Load the task of `cfg.data` from `opts.data_dir` and train on it.
pub fn run_config(cfg: &ValidTrainConfig, opts: &RunOptions) -> Result<RunOutcome> {
    let task = crate::data::spec::load_task(&cfg.data, &opts.data_dir, opts.seed)?;
    own::check_input(cfg, &task)?;
    train_task(&task, cfg, opts)
}

/// Train on `task` as configured, writing the run folder `opts.out`. The task may come from
/// anywhere (a data loader, a synthetic model, another network's predictions).
pub fn train_task(task: &Task, cfg: &ValidTrainConfig, opts: &RunOptions) -> Result<RunOutcome> {
    numerics::init_env();
    let dir = opts.out.clone();
    if dir.join("manifest.json").exists() {
        if !opts.resume {
            return Err(Error::param(
                "out",
                dir.display(),
                "already holds a run; pass --resume to continue it or choose another folder",
            ));
        }
        let manifest = Manifest::load(&dir)?;
        if manifest.status == RunStatus::Complete {
            let record = RunRecord::load(&dir)?;
            return Ok(RunOutcome {
                record,
                manifest,
                dir,
            });
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| Error::write(&dir, e))?;
    let (git_commit, git_dirty) = git_state();
    let mut manifest = Manifest {
        sgdc_version: env!("CARGO_PKG_VERSION").into(),
        status: RunStatus::Running,
        seed: opts.seed,
        derived_seeds: derived_seeds(opts.seed),
        config: serde_json::to_value(cfg.config())
            .map_err(|e| Error::param("config", "<in memory>", e.to_string()))?,
        versions: numerics::versions(),
        device: opts.device.to_string(),
        threads: 0,
        numerics: BTreeMap::new(),
        git_commit,
        git_dirty,
        prediction_hash: None,
        train_seconds: None,
        error: None,
        files: own::input_files(cfg)?,
    };
    match run(task, cfg, opts, &dir, &mut manifest) {
        Ok(outcome) => Ok(outcome),
        Err(e @ Error::Interrupted { .. }) => Err(e),
        Err(e) => {
            manifest.status = RunStatus::Failed;
            manifest.error = Some(e.to_string());
            // Best effort: the original error matters more than a failure to record it.
            let _ = manifest.save(&dir);
            Err(e)
        }
    }
}

fn derived_seeds(seed: u64) -> BTreeMap<String, u64> {
    BTreeMap::from([
        ("init".into(), derived_seed(seed, Stream::Init, 0)),
        (
            "data_order.epoch0".into(),
            derived_seed(seed, Stream::DataOrder, 0),
        ),
        (
            "augment.epoch0".into(),
            derived_seed(seed, Stream::Augment, 0),
        ),
    ])
}

/// A fingerprint of the configuration, the seed, the task and the user files it reads, which a
/// resumed run must match.
fn run_fingerprint(
    cfg: &ValidTrainConfig,
    seed: u64,
    task: &Task,
    files: &BTreeMap<String, crate::run::FileRecord>,
) -> Result<String> {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(cfg.to_toml()?.as_bytes());
    h.update(seed.to_le_bytes());
    for (key, f) in files {
        h.update(key.as_bytes());
        h.update(f.sha256.as_bytes());
    }
    h.update(task.name.as_bytes());
    for ex in [&task.train, &task.test] {
        h.update((ex.len() as u64).to_le_bytes());
        h.update(&ex.y);
        for v in ex.x.iter().step_by(97) {
            h.update(v.to_le_bytes());
        }
    }
    Ok(format!("{:x}", h.finalize()))
}

fn check_task(task: &Task) -> Result<()> {
    if task.train.shape != task.test.shape {
        return Err(Error::param(
            "task",
            &task.name,
            format!(
                "train inputs have shape {:?} but test inputs {:?}",
                task.train.shape, task.test.shape
            ),
        ));
    }
    if task.classes != 2 {
        return Err(Error::param(
            "task.classes",
            task.classes,
            "the trainer records binary tasks only (2 classes)",
        ));
    }
    for (what, y) in [
        ("training labels", &task.train.y),
        ("test labels", &task.test.y),
        ("clean training labels", &task.train_clean),
    ] {
        if let Some((i, &v)) = y
            .iter()
            .enumerate()
            .find(|(_, &v)| v as usize >= task.classes)
        {
            return Err(Error::LabelOutOfRange {
                what: what.into(),
                value: v as i64,
                index: i,
                size: task.classes,
            });
        }
    }
    if task.train_clean.len() != task.train.len() {
        return Err(Error::LengthMismatch {
            what: "clean training labels".into(),
            got: task.train_clean.len(),
            expected: task.train.len(),
        });
    }
    Ok(())
}
