//! Validation of each section of a [`TrainConfig`](super::TrainConfig): every check names the
//! first bad field and its value. [`TrainConfig::check`](super::TrainConfig::check) calls them in
//! the order of the sections.

use super::{
    AdamConfig, LinearConfig, LinearTarget, LrSchedule, OptimConfig, RecordConfig, StopConfig,
};
use crate::error::{Error, Result};

fn finite_nonneg(field: &str, v: f64) -> Result<()> {
    if !v.is_finite() || v < 0.0 {
        return Err(Error::param(field, v, "must be a finite number >= 0"));
    }
    Ok(())
}

fn positive_factor(field: &str, v: f64) -> Result<()> {
    if !v.is_finite() || v <= 0.0 {
        return Err(Error::param(field, v, "must be a finite number > 0"));
    }
    Ok(())
}

fn ascending_milestones(milestones: &[usize]) -> Result<()> {
    if milestones.windows(2).any(|w| w[0] >= w[1]) {
        return Err(Error::param(
            "optim.schedule.milestones",
            format!("{milestones:?}"),
            "must be strictly ascending",
        ));
    }
    Ok(())
}

impl OptimConfig {
    /// Validate `[optim]`: the step size, momentum, weight decay, Adam and the schedule.
    pub(super) fn check(&self) -> Result<()> {
        let o = self;
        if !o.lr.is_finite() || o.lr <= 0.0 {
            return Err(Error::param(
                "optim.lr",
                o.lr,
                "must be a finite number > 0",
            ));
        }
        finite_nonneg("optim.momentum", o.momentum)?;
        if o.momentum >= 1.0 {
            return Err(Error::param("optim.momentum", o.momentum, "must be < 1"));
        }
        if o.momentum_from_epoch > 0 && o.momentum == 0.0 {
            return Err(Error::param(
                "optim.momentum_from_epoch",
                o.momentum_from_epoch,
                "has no effect without optim.momentum > 0",
            ));
        }
        finite_nonneg("optim.weight_decay", o.weight_decay)?;
        if let Some(a) = &o.adam {
            a.check()?;
        }
        if o.batch_size == 0 {
            return Err(Error::param("optim.batch_size", 0, "must be positive"));
        }
        o.schedule.check()
    }
}

impl AdamConfig {
    /// Validate `[optim.adam]`: both betas in `[0, 1)`, `eps > 0`.
    pub(super) fn check(&self) -> Result<()> {
        for (field, v) in [
            ("optim.adam.beta1", self.beta1),
            ("optim.adam.beta2", self.beta2),
        ] {
            if !(0.0..1.0).contains(&v) {
                return Err(Error::param(field, v, "must be in [0, 1)"));
            }
        }
        if !self.eps.is_finite() || self.eps <= 0.0 {
            return Err(Error::param(
                "optim.adam.eps",
                self.eps,
                "must be a finite number > 0",
            ));
        }
        Ok(())
    }
}

impl LrSchedule {
    /// Validate `[optim.schedule]`: positive factors, one per ascending milestone.
    pub(super) fn check(&self) -> Result<()> {
        match self {
            LrSchedule::Constant => {}
            LrSchedule::Step { milestones, gamma } => {
                positive_factor("optim.schedule.gamma", *gamma)?;
                ascending_milestones(milestones)?;
            }
            LrSchedule::Piecewise {
                milestones,
                factors,
            } => {
                if factors.len() != milestones.len() {
                    return Err(Error::param(
                        "optim.schedule.factors",
                        format!("{factors:?}"),
                        format!("needs one factor per milestone ({})", milestones.len()),
                    ));
                }
                for f in factors {
                    positive_factor("optim.schedule.factors", *f)?;
                }
                ascending_milestones(milestones)?;
            }
        }
        Ok(())
    }
}

impl StopConfig {
    /// Validate `[stop]`: at least one epoch; extra epochs only when training until fit.
    pub(super) fn check(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::param("stop.epochs", 0, "must be positive"));
        }
        if !self.until_fit && self.extra_epochs > 0 {
            return Err(Error::param(
                "stop.extra_epochs",
                self.extra_epochs,
                "only applies with stop.until_fit = true",
            ));
        }
        Ok(())
    }
}

impl RecordConfig {
    /// Validate `[record]`: the log-spaced span and count, the listed steps.
    pub(super) fn check(&self) -> Result<()> {
        let r = self;
        if !r.log_epochs.is_finite() || r.log_epochs <= 0.0 {
            return Err(Error::param(
                "record.log_epochs",
                r.log_epochs,
                "must be a finite number > 0",
            ));
        }
        if r.log_points > 10_000 {
            return Err(Error::param(
                "record.log_points",
                r.log_points,
                "must be at most 10000",
            ));
        }
        if let Some(s) = r.steps.iter().find(|&&s| s < 0) {
            return Err(Error::param("record.steps", s, "steps must be >= 0"));
        }
        Ok(())
    }
}

impl LinearConfig {
    /// Validate `[linear]`: the ridge penalty, iteration budget, tolerance and target step.
    pub(super) fn check(&self) -> Result<()> {
        let l = self;
        if !l.l2.is_finite() || l.l2 <= 0.0 {
            return Err(Error::param(
                "linear.l2",
                l.l2,
                "must be a finite number > 0",
            ));
        }
        if l.max_iter == 0 {
            return Err(Error::param("linear.max_iter", 0, "must be positive"));
        }
        finite_nonneg("linear.tol", l.tol)?;
        if let LinearTarget::Step(s) = l.fit_to {
            if s < 0 {
                return Err(Error::param("linear.fit_to.step", s, "must be >= 0"));
            }
        }
        Ok(())
    }
}
