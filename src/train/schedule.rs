//! Learning-rate schedule and the checkpoint schedule (which SGD steps get recorded).

use super::config::{LinearTarget, LrSchedule, OptimConfig, ValidTrainConfig};
use std::collections::BTreeSet;

/// Number of minibatches per epoch (the last one may be smaller).
pub fn steps_per_epoch(n_train: usize, batch_size: usize) -> i64 {
    n_train.div_ceil(batch_size) as i64
}

/// Learning rate during epoch `epoch` (0-based).
pub fn lr_at(base: f64, schedule: &LrSchedule, epoch: usize) -> f64 {
    match schedule {
        LrSchedule::Constant => base,
        LrSchedule::Step { milestones, gamma } => {
            let k = milestones.iter().filter(|&&m| m <= epoch).count();
            base * gamma.powi(k as i32)
        }
        LrSchedule::Piecewise {
            milestones,
            factors,
        } => milestones
            .iter()
            .zip(factors)
            .filter(|(&m, _)| m <= epoch)
            .fold(base, |lr, (_, f)| lr * f),
    }
}

/// Momentum during epoch `epoch` (0-based): none before `optim.momentum_from_epoch`.
pub fn momentum_at(optim: &OptimConfig, epoch: usize) -> f64 {
    if epoch < optim.momentum_from_epoch {
        0.0
    } else {
        optim.momentum
    }
}

/// Whether epoch `epoch` (0-based) is trained with Adam (`optim.adam`, from its `from_epoch`).
pub fn adam_at(optim: &OptimConfig, epoch: usize) -> bool {
    optim.adam.as_ref().is_some_and(|a| epoch >= a.from_epoch)
}

pub use crate::run::schedule::log_spaced;

/// Steps recorded independently of how long training turns out to be: 0, the log-spaced steps,
/// the listed steps and the step L is fitted at. Epoch-end steps and the final step are added
/// while training (see [`is_epoch_checkpoint`]).
pub fn fixed_steps(cfg: &ValidTrainConfig, spe: i64) -> BTreeSet<i64> {
    let r = &cfg.record;
    let mut s = log_spaced(r.log_points, (r.log_epochs * spe as f64).round() as i64);
    s.insert(0);
    s.extend(r.steps.iter().copied());
    if let LinearTarget::Step(t) = cfg.linear.fit_to {
        s.insert(t);
    }
    s
}

/// Whether the end of epoch `epoch` (1-based count of completed epochs) is a checkpoint: every
/// `every_epochs`-th epoch end, and the epoch ends on the training set's own schedule.
pub fn is_epoch_checkpoint(cfg: &ValidTrainConfig, epoch: usize) -> bool {
    let every = cfg.record.every_epochs;
    (every > 0 && epoch.is_multiple_of(every)) || cfg.record.train.at_epoch(epoch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn step_schedule_multiplies_at_milestones() {
        let s = LrSchedule::Step {
            milestones: vec![2, 4],
            gamma: 0.1,
        };
        assert_eq!(lr_at(1.0, &s, 0), 1.0);
        assert_eq!(lr_at(1.0, &s, 2), 0.1);
        assert!((lr_at(1.0, &s, 5) - 0.01).abs() < 1e-15);
        assert_eq!(steps_per_epoch(10, 3), 4);
    }

    #[test]
    fn piecewise_schedule_applies_each_factor_from_its_milestone() {
        let s = LrSchedule::Piecewise {
            milestones: vec![2, 40],
            factors: vec![20.0, 0.1],
        };
        assert_eq!(lr_at(0.001, &s, 1), 0.001);
        // The same rate as a step schedule with gamma 20 until the second milestone.
        let step = LrSchedule::Step {
            milestones: vec![2],
            gamma: 20.0,
        };
        for epoch in 2..40 {
            assert_eq!(lr_at(0.001, &s, epoch), lr_at(0.001, &step, epoch));
        }
        assert!((lr_at(0.001, &s, 40) - 0.002).abs() < 1e-15);
    }
}
