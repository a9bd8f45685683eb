//! The training loop: its state, one SGD step, epochs, the checks on the loss and the resumable
//! states saved on the way.

use super::config::ValidTrainConfig;
use super::eval::DeviceSet;
use super::session::Ctx;
use super::*;
use crate::error::{Error, Result};
use crate::model::{check_torch, Net, TorchRng};
use crate::rng::{derived_seed, permutation, stream, Stream};
use std::time::Instant;
use tch::nn::VarStore;
use tch::{Kind, Reduction, Tensor};

/// What a checkpoint records of the training set (the test set is recorded at every one).
pub(super) enum TrainPass {
    /// Nothing: this checkpoint is not on the training set's schedule.
    Skip,
    /// Evaluate the training set now.
    Evaluate,
    /// An evaluation of the training set already made at this step (by the fit check).
    Done(eval::Evaluation),
}

/// The training loop's mutable state.
pub(super) struct Loop<'a> {
    pub(super) cfg: &'a ValidTrainConfig,
    pub(super) net: Net,
    /// The network's variables.
    pub(super) vs: VarStore,
    pub(super) sgd: sgd::Sgd,
    pub(super) train: DeviceSet,
    pub(super) test: DeviceSet,
    pub(super) progress: resume::Progress,
    pub(super) pred_test: Vec<u8>,
    pub(super) pred_train: Vec<u8>,
}

impl Loop<'_> {
    /// One SGD step on the minibatch `(xb, yb)` at rate `lr`, adding its loss (and, with
    /// `until_fit`, its correctly classified examples) to `sums`.
    pub(super) fn step(
        &mut self,
        xb: &Tensor,
        yb: &Tensor,
        lr: f64,
        sums: &mut EpochSums,
    ) -> Result<()> {
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
}

pub(super) fn check_loss(what: &str, value: f64, step: i64) -> Result<()> {
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

/// What the SGD passes of one epoch add up: the summed loss, and the training examples they
/// classified correctly (counted with `until_fit` only).
pub(super) struct EpochSums {
    pub(super) loss: Tensor,
    pub(super) correct: Tensor,
}

/// Train epoch by epoch until the budget or the fit ends the run, saving resumable states on
/// the way; `t0` is when the run's clock started.
pub(super) fn train_epochs(lp: &mut Loop, ctx: &Ctx, t0: Instant) -> Result<()> {
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
pub(super) fn run_epoch(
    lp: &mut Loop,
    ctx: &Ctx,
    pb: &indicatif::ProgressBar,
) -> Result<EpochSums> {
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
pub(super) fn train_pass_at(cfg: &ValidTrainConfig, step: i64) -> TrainPass {
    if cfg.record.train.all || matches!(cfg.linear.fit_to, LinearTarget::Step(s) if s == step) {
        TrainPass::Evaluate
    } else {
        TrainPass::Skip
    }
}

/// Close the epoch: the checkpoint due at its end, the fit check (with `until_fit`), and the
/// final checkpoint when this epoch ends the run. Returns whether it does.
pub(super) fn end_epoch(lp: &mut Loop, ctx: &Ctx, sums: &EpochSums) -> Result<bool> {
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
pub(super) fn save_if_due(
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

/// Mean cross-entropy of `logits` against class indices `y`, as tch's
/// `cross_entropy_for_logits` (log-softmax in float32, then the negative log-likelihood), fallibly.
pub(super) fn cross_entropy(
    logits: &Tensor,
    y: &Tensor,
) -> std::result::Result<Tensor, tch::TchError> {
    logits
        .f_log_softmax(-1, Kind::Float)?
        .f_nll_loss(y, None::<Tensor>, Reduction::Mean, -100)
}

pub(super) fn check_finite(loss_sum: &Tensor, step: i64) -> Result<()> {
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

pub(super) fn progress_bar(show: bool, len: u64) -> indicatif::ProgressBar {
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
