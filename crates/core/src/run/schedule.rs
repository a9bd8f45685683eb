//! Which SGD steps are checkpoints: the log-spaced schedule the trainer records, shared with
//! recorders of other training loops (the Python package's `checkpoint_steps`).

use std::collections::BTreeSet;

/// `points` log-spaced steps from 1 to `end` (inclusive, rounded, duplicates removed).
pub fn log_spaced(points: usize, end: i64) -> BTreeSet<i64> {
    let end = end.max(1);
    let mut out = BTreeSet::new();
    match points {
        0 => {}
        1 => {
            out.insert(end);
        }
        _ => {
            let top = (end as f64).ln();
            for k in 0..points {
                let s = (top * k as f64 / (points - 1) as f64).exp().round() as i64;
                out.insert(s.clamp(1, end));
            }
        }
    }
    out
}

/// The checkpoints of a training of `epochs` epochs of `steps_per_epoch` steps, as the trainer
/// records them with `[record]` set to `log_points`, `log_epochs` and `every_epochs` (and no
/// listed steps): step 0, `log_points` log-spaced steps up to `log_epochs` epochs, the end of
/// every `every_epochs`-th epoch (0 = none) and the final step. Steps past the end are dropped.
pub fn checkpoint_steps(
    steps_per_epoch: i64,
    epochs: usize,
    log_points: usize,
    log_epochs: f64,
    every_epochs: usize,
) -> BTreeSet<i64> {
    let spe = steps_per_epoch.max(1);
    let end = spe.saturating_mul(epochs as i64);
    let mut s = log_spaced(log_points, (log_epochs * spe as f64).round() as i64);
    s.insert(0);
    if every_epochs > 0 {
        s.extend(
            (every_epochs..=epochs)
                .step_by(every_epochs)
                .map(|e| spe * e as i64),
        );
    }
    s.insert(end);
    s.retain(|&t| t <= end);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_spaced_covers_both_ends_without_duplicates() {
        let s = log_spaced(10, 1000);
        assert_eq!(s.first(), Some(&1));
        assert_eq!(s.last(), Some(&1000));
        assert_eq!(s.len(), 10);
        let small = log_spaced(30, 5);
        assert_eq!(small.into_iter().collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
        assert!(log_spaced(0, 100).is_empty());
    }

    #[test]
    fn checkpoints_hold_start_epoch_ends_and_end() {
        let s = checkpoint_steps(10, 3, 5, 1.0, 1);
        let v: Vec<i64> = s.into_iter().collect();
        // 0, log-spaced 1..10 (1, 2, 3, 6, 10), epoch ends 10, 20, 30.
        assert_eq!(v, vec![0, 1, 2, 3, 6, 10, 20, 30]);
        // Log-spaced steps past a short training are dropped; the end is always there.
        let short: Vec<i64> = checkpoint_steps(4, 1, 5, 2.0, 0).into_iter().collect();
        assert_eq!(short.first(), Some(&0));
        assert_eq!(short.last(), Some(&4));
        assert!(short.iter().all(|&t| t <= 4));
    }
}
