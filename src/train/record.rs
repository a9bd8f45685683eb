//! Recording checkpoints: the hard predictions of F_t on the test set at every checkpoint, and on
//! the training set when it is due or the fit check evaluated it.

use super::eval::evaluate;
use super::steps::{check_loss, Loop, TrainPass};
use crate::error::Result;
use crate::run::Checkpoint;
use std::time::Instant;

/// Recording: checkpoints of the test set, and of the training set when it is due.
impl Loop<'_> {
    /// Evaluate the test set (and the training set as `train` says) and append a checkpoint at
    /// the current step.
    pub(super) fn record(&mut self, spe: i64, train: TrainPass) -> Result<()> {
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
    pub(super) fn attach_train(&mut self, train: TrainPass) -> Result<()> {
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
    pub(super) fn recorded_now(&self) -> bool {
        self.progress.checkpoints.last().map(|c| c.step) == Some(self.progress.step)
    }

    /// Record a checkpoint at the current step unless one already is; either way, add the
    /// training set to it as `train` says.
    pub(super) fn record_once(&mut self, spe: i64, train: TrainPass) -> Result<()> {
        if self.recorded_now() {
            self.attach_train(train)
        } else {
            self.record(spe, train)
        }
    }

    /// The training predictions of the last checkpoint, if it recorded them.
    pub(super) fn last_train_pred(&self) -> Option<&[u8]> {
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
    pub(super) fn confirm_fit(&mut self, spe: i64) -> Result<bool> {
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
