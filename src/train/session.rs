//! A run, stage by stage: prepare the folder and the numerics, build the network, restore a saved
//! state (or record step 0), train epoch by epoch ([`super::steps`]), fit L and write the outputs
//! ([`super::outputs`]).

use super::config::ValidTrainConfig;
use super::eval::DeviceSet;
use super::outputs::{fit_linear, write_outputs};
use super::steps::{train_epochs, Loop, TrainPass};
use super::*;
use crate::data::Task;
use crate::error::{Error, Result};
use crate::model::{check_torch, Net, TorchRng};
use crate::rng::{derived_seed, Stream};
use crate::run::atomic::write_atomic;
use crate::run::Manifest;
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;
use tch::nn::VarStore;

/// What a run keeps fixed from start to end.
pub(super) struct Ctx<'a> {
    pub(super) task: &'a Task,
    pub(super) cfg: &'a ValidTrainConfig,
    pub(super) opts: &'a RunOptions,
    pub(super) dir: &'a Path,
    pub(super) device: tch::Device,
    /// SGD steps per epoch.
    pub(super) spe: i64,
    /// Steps recorded whatever the epoch (log-spaced, step 0, `record.steps`).
    pub(super) fixed: BTreeSet<i64>,
}

/// A run, stage by stage: prepare the folder and the numerics, build the network, restore a
/// saved state (or record step 0), train epoch by epoch, fit L, write the outputs.
pub(super) fn run(
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
pub(super) fn prepare(
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
pub(super) fn build<'a>(
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
pub(super) fn restore(
    lp: &mut Loop,
    state: resume::State,
    dir: &Path,
    fingerprint: &str,
) -> Result<()> {
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
