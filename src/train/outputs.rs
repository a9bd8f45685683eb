//! The end of a run: fit the linear classifier L, summarise, write the arrays, the weights and the
//! complete manifest.

use super::session::Ctx;
use super::steps::Loop;
use super::*;
use crate::error::{Error, Result};
use crate::model::check_torch;
use crate::run::atomic::{write_atomic, write_atomic_with};
use crate::run::{Manifest, RunRecord, RunStatus};
use std::path::Path;
use std::time::Instant;
use tch::nn::VarStore;
use tch::Tensor;

/// The linear classifier L, fitted and applied to both sets.
pub(super) struct LinearOutcome {
    pub(super) fit: linear::LinearFit,
    /// What it was fitted to.
    pub(super) targets: Vec<u8>,
    pub(super) seconds: f64,
    pub(super) train: Vec<u8>,
    pub(super) test: Vec<u8>,
}

/// Fit L to the configured targets (clean labels, labels as trained on, the final network's
/// training predictions or those of a recorded step).
pub(super) fn fit_linear(lp: &Loop, ctx: &Ctx) -> Result<LinearOutcome> {
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
        train: linear::predict(&fit, &lp.train.x)?,
        test: linear::predict(&fit, &lp.test.x)?,
        fit,
        targets,
        seconds,
    })
}

/// `summary.json`: the task, how training went, how the fit of L went.
pub(super) fn summary(lp: &Loop, ctx: &Ctx, lin: &LinearOutcome) -> Result<Summary> {
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
pub(super) fn write_outputs(
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

/// Save the model's variables (on the CPU) to `path` atomically.
pub(super) fn save_weights(vs: &VarStore, path: &Path) -> Result<()> {
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
