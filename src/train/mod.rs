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
pub mod own;
pub mod reparam;
pub mod resume;
pub mod schedule;
pub mod sgd;

pub use config::{
    AdamConfig, LinearConfig, LinearTarget, LrSchedule, OptimConfig, RecordConfig, StopConfig,
    TrainConfig, ValidTrainConfig,
};
pub use numerics::Device;
pub use reparam::{predict, reparameterised_predictions, Reparam};

use crate::data::Task;
use crate::error::{Error, Result};
use crate::model::{check_torch, Net, TorchRng};
use crate::rng::{derived_seed, permutation, stream, Stream};
use crate::run::atomic::{write_atomic, write_atomic_with};
use crate::run::{git_state, Checkpoint, Manifest, RunRecord, RunStatus};
use eval::{evaluate, DeviceSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tch::nn::VarStore;
use tch::{Kind, Reduction, Tensor};

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

/// What a checkpoint records of the training set (the test set is recorded at every one).
enum TrainPass {
    /// Nothing: this checkpoint is not on the training set's schedule.
    Skip,
    /// Evaluate the training set now.
    Evaluate,
    /// An evaluation of the training set already made at this step (by the fit check).
    Done(eval::Evaluation),
}

/// The training loop's mutable state.
struct Loop<'a> {
    cfg: &'a ValidTrainConfig,
    net: Net,
    /// The network's variables.
    vs: VarStore,
    sgd: sgd::Sgd,
    train: DeviceSet,
    test: DeviceSet,
    progress: resume::Progress,
    pred_test: Vec<u8>,
    pred_train: Vec<u8>,
}

impl Loop<'_> {
    /// One SGD step on the minibatch `(xb, yb)` at rate `lr`, adding its loss (and, with
    /// `until_fit`, its correctly classified examples) to `sums`.
    fn step(&mut self, xb: &Tensor, yb: &Tensor, lr: f64, sums: &mut EpochSums) -> Result<()> {
        let logits = self.net.logits(xb, true)?;
        let loss = check_torch("loss", cross_entropy(&logits, yb))?;
        if self.cfg.stop.until_fit {
            let hits = check_torch(
                "fit count",
                logits.f_detach().and_then(|l| l.f_argmax(1, false)),
            )?;
            let hits = check_torch(
                "fit count",
                hits.f_eq_tensor(yb).and_then(|h| h.f_sum(Kind::Int64)),
            )?;
            let _ = check_torch("fit count", sums.correct.f_add_(&hits))?;
        }
        self.sgd.backward_step(&loss, lr)?;
        self.progress.step += 1;
        let _ = check_torch("loss", loss.f_detach().and_then(|l| sums.loss.f_add_(&l)))?;
        Ok(())
    }

    /// Evaluate the test set (and the training set as `train` says) and append a checkpoint at
    /// the current step.
    fn record(&mut self, spe: i64, train: TrainPass) -> Result<()> {
        let t0 = Instant::now();
        let step = self.progress.step;
        let te = evaluate(&self.net, &self.test, self.cfg.eval_batch_size)?;
        check_loss("test loss", te.loss, step)?;
        self.progress.checkpoints.push(Checkpoint {
            index: self.progress.checkpoints.len(),
            step,
            epoch: step as f64 / spe as f64,
            train_acc: None,
            test_acc: te.acc,
            train_loss: None,
            test_loss: te.loss,
        });
        self.pred_test.extend_from_slice(&te.pred);
        self.progress.record_seconds += t0.elapsed().as_secs_f64();
        self.attach_train(train)
    }

    /// Add the training set to the checkpoint at the current step (the last one), unless it
    /// has it already or `train` is [`TrainPass::Skip`].
    fn attach_train(&mut self, train: TrainPass) -> Result<()> {
        let index = self.progress.checkpoints.len() - 1;
        if self.progress.train_rows.last() == Some(&index) {
            return Ok(());
        }
        let t0 = Instant::now();
        let tr = match train {
            TrainPass::Skip => return Ok(()),
            TrainPass::Evaluate => evaluate(&self.net, &self.train, self.cfg.eval_batch_size)?,
            TrainPass::Done(ev) => ev,
        };
        check_loss("training loss", tr.loss, self.progress.step)?;
        let ck = &mut self.progress.checkpoints[index];
        ck.train_acc = Some(tr.acc);
        ck.train_loss = Some(tr.loss);
        self.pred_train.extend_from_slice(&tr.pred);
        self.progress.train_rows.push(index);
        self.progress.record_seconds += t0.elapsed().as_secs_f64();
        Ok(())
    }

    /// Whether a checkpoint was recorded at the current step.
    fn recorded_now(&self) -> bool {
        self.progress.checkpoints.last().map(|c| c.step) == Some(self.progress.step)
    }

    /// Record a checkpoint at the current step unless one already is; either way, add the
    /// training set to it as `train` says.
    fn record_once(&mut self, spe: i64, train: TrainPass) -> Result<()> {
        if self.recorded_now() {
            self.attach_train(train)
        } else {
            self.record(spe, train)
        }
    }

    /// The training predictions of the last checkpoint, if it recorded them.
    fn last_train_pred(&self) -> Option<&[u8]> {
        let index = self.progress.checkpoints.len().checked_sub(1)?;
        if self.progress.train_rows.last() != Some(&index) {
            return None;
        }
        let n = self.train.len();
        self.pred_train.get(self.pred_train.len() - n..)
    }

    /// Whether the network fits every training label now. Reads this step's checkpoint when it
    /// recorded the training set; otherwise makes one full pass, and a pass that confirms the
    /// fit becomes the training row of a checkpoint at this step (the first fit and the end are
    /// always recorded with the training set).
    fn confirm_fit(&mut self, spe: i64) -> Result<bool> {
        if self.recorded_now() {
            if let Some(pred) = self.last_train_pred() {
                return Ok(pred == self.train.labels);
            }
        }
        let t0 = Instant::now();
        let ev = evaluate(&self.net, &self.train, self.cfg.eval_batch_size)?;
        self.progress.record_seconds += t0.elapsed().as_secs_f64();
        let fits = ev.pred == self.train.labels;
        if fits {
            self.record_once(spe, TrainPass::Done(ev))?;
        }
        Ok(fits)
    }
}

fn check_loss(what: &str, value: f64, step: i64) -> Result<()> {
    if value.is_finite() {
        Ok(())
    } else {
        Err(Error::NonFinite {
            what: what.into(),
            value,
            step,
        })
    }
}

/// What a run keeps fixed from start to end.
struct Ctx<'a> {
    task: &'a Task,
    cfg: &'a ValidTrainConfig,
    opts: &'a RunOptions,
    dir: &'a Path,
    device: tch::Device,
    /// SGD steps per epoch.
    spe: i64,
    /// Steps recorded whatever the epoch (log-spaced, step 0, `record.steps`).
    fixed: BTreeSet<i64>,
}

/// A run, stage by stage: prepare the folder and the numerics, build the network, restore a
/// saved state (or record step 0), train epoch by epoch, fit L, write the outputs.
fn run(
    task: &Task,
    cfg: &ValidTrainConfig,
    opts: &RunOptions,
    dir: &Path,
    manifest: &mut Manifest,
) -> Result<RunOutcome> {
    let (device, fingerprint) = prepare(task, cfg, opts, dir, manifest)?;
    let mut lp = build(task, cfg, opts.seed, device, &fingerprint)?;
    let spe = schedule::steps_per_epoch(lp.train.len(), cfg.optim.batch_size);
    let ctx = Ctx {
        task,
        cfg,
        opts,
        dir,
        device,
        spe,
        fixed: schedule::fixed_steps(cfg, spe),
    };
    let saved = if opts.resume {
        resume::latest(dir)?.map(|p| resume::load(&p)).transpose()?
    } else {
        None
    };
    // The clock starts before the step-0 checkpoint, whose recording counts in both
    // `record_seconds` and `train_seconds`.
    let t0 = Instant::now();
    match saved {
        Some(state) => restore(&mut lp, state, dir, &fingerprint)?,
        None => lp.record(spe, TrainPass::Evaluate)?,
    }
    train_epochs(&mut lp, &ctx, t0)?;
    let linear = fit_linear(&lp, &ctx)?;
    write_outputs(lp, &ctx, linear, manifest)
}

/// Check the task, set up libtorch (threads, determinism, device), record the numerics in the
/// manifest and write `config.toml` and the `running` manifest. Returns the device and the
/// fingerprint a resumed run must match.
fn prepare(
    task: &Task,
    cfg: &ValidTrainConfig,
    opts: &RunOptions,
    dir: &Path,
    manifest: &mut Manifest,
) -> Result<(tch::Device, String)> {
    check_task(task)?;
    let threads = numerics::set_threads(opts.threads)?;
    numerics::set_deterministic()?;
    let device = opts.device.tch()?;
    manifest.threads = threads;
    manifest.device = opts.device.describe();
    manifest.numerics = numerics::settings();
    let fingerprint = run_fingerprint(cfg, opts.seed, task, &manifest.files)?;
    write_atomic(&dir.join("config.toml"), cfg.to_toml()?.as_bytes())?;
    manifest.save(dir)?;
    Ok((device, fingerprint))
}

/// Build the network on the CPU from the Init stream, then move it (the same weights on every
/// device), with its optimiser and both sets on the device: the loop's state at step 0.
fn build<'a>(
    task: &Task,
    cfg: &'a ValidTrainConfig,
    seed: u64,
    device: tch::Device,
    fingerprint: &str,
) -> Result<Loop<'a>> {
    let rng = TorchRng::seeded(derived_seed(seed, Stream::Init, 0) as i64);
    let mut vs = VarStore::new(tch::Device::Cpu);
    let net = Net::build(
        &vs.root(),
        &cfg.model,
        &task.train.shape,
        task.classes,
        &rng,
    )?;
    drop(rng);
    vs.set_device(device);
    let sgd = sgd::Sgd::new(
        &vs,
        cfg.optim.momentum,
        cfg.optim.weight_decay,
        cfg.optim.adam.clone(),
    );
    Ok(Loop {
        cfg,
        net,
        vs,
        sgd,
        train: DeviceSet::new(&task.train, device, "training set")?,
        test: DeviceSet::new(&task.test, device, "test set")?,
        progress: resume::Progress {
            epoch: 0,
            step: 0,
            fit_epoch: None,
            checkpoints: Vec::new(),
            train_rows: Vec::new(),
            train_seconds: 0.0,
            record_seconds: 0.0,
            config_hash: fingerprint.to_string(),
            seed,
            kernels: Some(crate::run::kernel_settings()),
        },
        pred_test: Vec::new(),
        pred_train: Vec::new(),
    })
}

/// Continue from a saved state: weights, momentum buffers, counters and predictions so far.
fn restore(lp: &mut Loop, state: resume::State, dir: &Path, fingerprint: &str) -> Result<()> {
    if state.progress.config_hash != fingerprint {
        return Err(Error::param(
            "resume",
            dir.display(),
            "the saved run used a different configuration, seed or data set",
        ));
    }
    if let Some(saved) = &state.progress.kernels {
        let differ = crate::run::kernel_differences(saved, &crate::run::kernel_settings());
        if !differ.is_empty() {
            return Err(Error::param(
                "resume",
                dir.display(),
                format!(
                    "the saved run used other CPU kernel settings ({}); set them as then to \
                     continue it bit for bit",
                    differ.join(", ")
                ),
            ));
        }
    }
    let mut vars = lp.vs.variables();
    tch::no_grad(|| -> Result<()> {
        for (name, t) in vars.iter_mut() {
            let src = state.vars.get(name).ok_or_else(|| Error::BadFile {
                path: dir.join("resume"),
                reason: format!("saved state lacks variable {name}"),
            })?;
            check_torch("resume", t.f_copy_(src))?;
        }
        Ok(())
    })?;
    lp.sgd.set_buffers(&state.momentum)?;
    lp.progress = state.progress;
    lp.pred_test = state.pred_test;
    lp.pred_train = state.pred_train;
    Ok(())
}

/// What the SGD passes of one epoch add up: the summed loss, and the training examples they
/// classified correctly (counted with `until_fit` only).
struct EpochSums {
    loss: Tensor,
    correct: Tensor,
}

/// Train epoch by epoch until the budget or the fit ends the run, saving resumable states on
/// the way; `t0` is when the run's clock started.
fn train_epochs(lp: &mut Loop, ctx: &Ctx, t0: Instant) -> Result<()> {
    let max_epochs = ctx.cfg.stop.epochs;
    let pb = progress_bar(ctx.opts.progress, max_epochs as u64 * ctx.spe as u64);
    pb.set_position(lp.progress.step as u64);
    let base_seconds = lp.progress.train_seconds;
    let mut last_save = Instant::now();
    // The last epoch breaks out below without saving a resume state, so a resumed run can only
    // find its epoch budget exhausted here.
    while lp.progress.epoch < max_epochs {
        let sums = run_epoch(lp, ctx, &pb)?;
        let last = end_epoch(lp, ctx, &sums)?;
        let mean_loss = check_torch("loss", sums.loss.f_double_value(&[]))? / ctx.spe as f64;
        pb.set_message(format!(
            "epoch {} loss {mean_loss:.4} test acc {:.4}",
            lp.progress.epoch,
            lp.progress.checkpoints.last().map_or(0.0, |c| c.test_acc)
        ));
        lp.progress.train_seconds = base_seconds + t0.elapsed().as_secs_f64();
        if last {
            break;
        }
        save_if_due(lp, ctx, &mut last_save, &pb)?;
    }
    pb.finish_and_clear();
    lp.progress.train_seconds = base_seconds + t0.elapsed().as_secs_f64();
    Ok(())
}

/// One epoch of SGD: the epoch's data order and learning rate, a step per minibatch, the
/// checkpoints that fall inside the epoch.
fn run_epoch(lp: &mut Loop, ctx: &Ctx, pb: &indicatif::ProgressBar) -> Result<EpochSums> {
    let (cfg, seed) = (ctx.cfg, ctx.opts.seed);
    let e = lp.progress.epoch;
    let lr = schedule::lr_at(cfg.optim.lr, &cfg.optim.schedule, e);
    lp.sgd.set_momentum(schedule::momentum_at(&cfg.optim, e));
    lp.sgd.set_adam(schedule::adam_at(&cfg.optim, e));
    let order = permutation(
        lp.train.len(),
        &mut stream(seed, Stream::DataOrder, e as u64),
    );
    // Dropout in a TorchScript network draws from libtorch's generator: re-seeded per epoch, so
    // a resumed run draws the same masks, and held through the epoch so that no other run in
    // this process seeds or draws in between (the built-in networks draw nothing here).
    let _dropout_rng = lp
        .net
        .draws_in_training()
        .then(|| TorchRng::seeded(derived_seed(seed, Stream::Dropout, e as u64) as i64));
    let mut aug_rng = cfg
        .data
        .augment
        .then(|| stream(seed, Stream::Augment, e as u64));
    let epoch_end = lp.progress.step + ctx.spe;
    let mut sums = EpochSums {
        loss: check_torch("loss", Tensor::f_zeros([], (Kind::Float, ctx.device)))?,
        // When the SGD forward passes classified every training example correctly during the
        // epoch, the fit check confirms with one full pass (so it costs nothing otherwise).
        correct: check_torch("fit count", Tensor::f_zeros([], (Kind::Int64, ctx.device)))?,
    };
    for chunk in order.chunks(cfg.optim.batch_size) {
        let (xb, yb) = match aug_rng.as_mut() {
            Some(rng) => augment::batch(ctx.task, chunk, rng, ctx.device)?,
            None => lp.train.batch(chunk, ctx.device)?,
        };
        lp.step(&xb, &yb, lr, &mut sums)?;
        let step = lp.progress.step;
        if ctx.fixed.contains(&step) && step != epoch_end {
            check_finite(&sums.loss, step)?;
            lp.record(ctx.spe, train_pass_at(cfg, step))?;
        }
        pb.inc(1);
    }
    check_finite(&sums.loss, lp.progress.step)?;
    Ok(sums)
}

/// Mid-epoch checkpoints record the training set only when every checkpoint does, or when L is
/// fitted to the predictions at that step.
fn train_pass_at(cfg: &ValidTrainConfig, step: i64) -> TrainPass {
    if cfg.record.train.all || matches!(cfg.linear.fit_to, LinearTarget::Step(s) if s == step) {
        TrainPass::Evaluate
    } else {
        TrainPass::Skip
    }
}

/// Close the epoch: the checkpoint due at its end, the fit check (with `until_fit`), and the
/// final checkpoint when this epoch ends the run. Returns whether it does.
fn end_epoch(lp: &mut Loop, ctx: &Ctx, sums: &EpochSums) -> Result<bool> {
    let cfg = ctx.cfg;
    lp.progress.epoch += 1;
    let epoch = lp.progress.epoch;
    // With `until_fit`: the first fit, then (after the extra epochs) whether the training set is
    // fitted at this epoch's end; SGD at a constant rate can lose a point after the fit, and the
    // run only ends on an epoch that fits every label.
    let extra_done = |fe: Option<usize>| fe.is_some_and(|fe| epoch >= fe + cfg.stop.extra_epochs);
    // A checkpoint due at this step is recorded first: the fit check below then reads the
    // training predictions it already made instead of a second pass.
    let step = lp.progress.step;
    if schedule::is_epoch_checkpoint(cfg, epoch) || ctx.fixed.contains(&step) {
        let train = match train_pass_at(cfg, step) {
            TrainPass::Skip if cfg.record.train.at_epoch(epoch) => TrainPass::Evaluate,
            other => other,
        };
        lp.record_once(ctx.spe, train)?;
    }
    let mut ends_fitted = false;
    if cfg.stop.until_fit
        && (lp.progress.fit_epoch.is_none() || extra_done(lp.progress.fit_epoch))
        && check_torch("fit count", sums.correct.f_int64_value(&[]))? == lp.train.len() as i64
        && lp.confirm_fit(ctx.spe)?
    {
        lp.progress.fit_epoch.get_or_insert(epoch);
        ends_fitted = true;
    }
    let last = epoch >= cfg.stop.epochs || (ends_fitted && extra_done(lp.progress.fit_epoch));
    if last {
        lp.record_once(ctx.spe, TrainPass::Evaluate)?;
    }
    Ok(last)
}

/// Save a resumable state when `save_every_secs` have passed or the run is to stop here
/// (`stop_after_epochs`, which then ends it with [`Error::Interrupted`]).
fn save_if_due(
    lp: &Loop,
    ctx: &Ctx,
    last_save: &mut Instant,
    pb: &indicatif::ProgressBar,
) -> Result<()> {
    let epoch = lp.progress.epoch;
    let stop_now = ctx.opts.stop_after_epochs == Some(epoch);
    if !stop_now && last_save.elapsed().as_secs_f64() < ctx.opts.save_every_secs {
        return Ok(());
    }
    *last_save = Instant::now();
    resume::save(
        ctx.dir,
        &resume::State {
            progress: lp.progress.clone(),
            pred_test: lp.pred_test.clone(),
            pred_train: lp.pred_train.clone(),
            vars: lp.vs.variables().into_iter().collect(),
            momentum: lp.sgd.buffers().into_iter().collect(),
        },
    )?;
    if stop_now {
        pb.finish_and_clear();
        return Err(Error::Interrupted {
            dir: ctx.dir.to_path_buf(),
            epoch,
        });
    }
    Ok(())
}

/// The linear classifier L, fitted and applied to both sets.
struct LinearOutcome {
    fit: linear::LinearFit,
    /// What it was fitted to.
    targets: Vec<u8>,
    seconds: f64,
    train: Vec<u8>,
    test: Vec<u8>,
}

/// Fit L to the configured targets (clean labels, labels as trained on, the final network's
/// training predictions or those of a recorded step).
fn fit_linear(lp: &Loop, ctx: &Ctx) -> Result<LinearOutcome> {
    let task = ctx.task;
    let n_train = lp.train.len();
    let targets: Vec<u8> = match ctx.cfg.linear.fit_to {
        LinearTarget::Clean => task.train_clean.clone(),
        LinearTarget::Labels => task.train.y.clone(),
        LinearTarget::Final => lp
            .last_train_pred()
            .ok_or_else(|| Error::Empty("training predictions of the final network".into()))?
            .to_vec(),
        LinearTarget::Step(s) => {
            let unreached = || {
                Error::param(
                    "linear.fit_to.step",
                    s,
                    format!(
                        "was not reached (training ended at step {})",
                        lp.progress.step
                    ),
                )
            };
            let t = lp
                .progress
                .checkpoints
                .iter()
                .position(|c| c.step == s)
                .and_then(|t| lp.progress.train_rows.iter().position(|&r| r == t))
                .ok_or_else(unreached)?;
            lp.pred_train
                .get(t * n_train..(t + 1) * n_train)
                .ok_or_else(unreached)?
                .to_vec()
        }
    };
    let start = Instant::now();
    let fit = linear::fit(&lp.train.x, &targets, &ctx.cfg.linear)?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(LinearOutcome {
        train: fit.predict(&lp.train.x)?,
        test: fit.predict(&lp.test.x)?,
        fit,
        targets,
        seconds,
    })
}

/// `summary.json`: the task, how training went, how the fit of L went.
fn summary(lp: &Loop, ctx: &Ctx, lin: &LinearOutcome) -> Result<Summary> {
    let task = ctx.task;
    let acc = |p: &[u8], y: &[u8]| {
        p.iter().zip(y).filter(|(a, b)| a == b).count() as f64 / y.len().max(1) as f64
    };
    let last = lp
        .progress
        .checkpoints
        .last()
        .ok_or_else(|| Error::Empty("checkpoints".into()))?;
    Ok(Summary {
        task: task.name.clone(),
        input_shape: task.train.shape.clone(),
        classes: task.classes,
        n_train: lp.train.len(),
        n_test: lp.test.len(),
        epochs: lp.progress.epoch,
        steps: lp.progress.step,
        steps_per_epoch: ctx.spe,
        fit_epoch: lp.progress.fit_epoch,
        final_train_acc: last
            .train_acc
            .ok_or_else(|| Error::Empty("training predictions at the final checkpoint".into()))?,
        checkpoints: lp.progress.checkpoints.len(),
        train_checkpoints: lp.progress.train_rows.len(),
        final_test_acc: last.test_acc,
        record_seconds: lp.progress.record_seconds,
        train_seconds: lp.progress.train_seconds,
        linear: LinearSummary {
            fit_to: ctx.cfg.linear.fit_to,
            iterations: lin.fit.iterations,
            evaluations: lin.fit.evaluations,
            seconds: lin.seconds,
            loss: lin.fit.loss,
            grad_norm: lin.fit.grad_norm,
            converged: lin.fit.converged,
            train_acc: acc(&lin.train, &lin.targets),
            test_acc: acc(&lin.test, &task.test.y),
        },
    })
}

/// Write the run folder's outputs (arrays, weights, summary), then the `complete` manifest, and
/// drop the resume states.
fn write_outputs(
    lp: Loop,
    ctx: &Ctx,
    lin: LinearOutcome,
    manifest: &mut Manifest,
) -> Result<RunOutcome> {
    let (task, dir) = (ctx.task, ctx.dir);
    let summary = summary(&lp, ctx, &lin)?;
    let record = RunRecord {
        checkpoints: lp.progress.checkpoints,
        pred_test: lp.pred_test,
        pred_train: lp.pred_train,
        train_rows: lp.progress.train_rows,
        y_test: task.test.y.clone(),
        y_train: task.train.y.clone(),
        y_train_clean: task.train_clean.clone(),
        linear_test: lin.test,
        linear_train: lin.train,
    };
    record.save(dir)?;
    save_weights(&lp.vs, &dir.join("model.ot"))?;
    let json = serde_json::to_vec_pretty(&summary).map_err(|e| Error::BadFile {
        path: dir.join("summary.json"),
        reason: e.to_string(),
    })?;
    write_atomic(&dir.join("summary.json"), &json)?;
    manifest.prediction_hash = Some(record.prediction_hash());
    manifest.train_seconds = Some(lp.progress.train_seconds);
    manifest.status = RunStatus::Complete;
    manifest.save(dir)?;
    let resume_dir = dir.join("resume");
    if resume_dir.exists() {
        std::fs::remove_dir_all(&resume_dir).map_err(|e| Error::write(&resume_dir, e))?;
    }
    Ok(RunOutcome {
        record,
        manifest: manifest.clone(),
        dir: dir.to_path_buf(),
    })
}

/// Mean cross-entropy of `logits` against class indices `y`, as tch's
/// `cross_entropy_for_logits` (log-softmax in float32, then the negative log-likelihood), fallibly.
fn cross_entropy(logits: &Tensor, y: &Tensor) -> std::result::Result<Tensor, tch::TchError> {
    logits
        .f_log_softmax(-1, Kind::Float)?
        .f_nll_loss(y, None::<Tensor>, Reduction::Mean, -100)
}

fn check_finite(loss_sum: &Tensor, step: i64) -> Result<()> {
    let v = check_torch("loss", loss_sum.f_double_value(&[]))?;
    if !v.is_finite() {
        return Err(Error::NonFinite {
            what: "training loss".into(),
            value: v,
            step,
        });
    }
    Ok(())
}

/// Save the model's variables (on the CPU) to `path` atomically.
fn save_weights(vs: &VarStore, path: &Path) -> Result<()> {
    let named: Vec<(String, Tensor)> = vs
        .variables()
        .into_iter()
        .map(|(k, v)| {
            Ok((
                k,
                check_torch("save weights", v.f_to_device(tch::Device::Cpu))?,
            ))
        })
        .collect::<Result<_>>()?;
    write_atomic_with(path, |tmp| {
        check_torch("save weights", Tensor::save_multi(&named, tmp))
    })
}

fn progress_bar(show: bool, len: u64) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let pb = indicatif::ProgressBar::new(len);
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{bar:30} {pos}/{len} steps [{elapsed_precise}<{eta_precise}] {msg}",
    ) {
        pb.set_style(style);
    }
    pb
}
