//! How a claim over seeds is decided: the interquartile mean of the per-seed values, a percentile
//! bootstrap interval over seeds, and three outcomes (Agarwal et al., NeurIPS 2021, "Deep
//! Reinforcement Learning at the Edge of the Statistical Precipice"; the `rliable` library).
//!
//! The rule, fixed in [`super::thresholds`] before any result was read with it:
//!
//! - the statistic is the **interquartile mean** (IQM) of the per-seed values: the mean of the
//!   values left after dropping the lowest and the highest quarter (`floor(n / 4)` values at each
//!   end, as `scipy.stats.trim_mean(x, 0.25)`; with three seeds nothing is dropped);
//! - its **interval** is the percentile bootstrap over seeds: [`SEED_BOOTSTRAP_RESAMPLES`]
//!   resamples of the seeds with replacement, the IQM of each, and the
//!   `(1 - DECISION_LEVEL) / 2` and `(1 + DECISION_LEVEL) / 2` quantiles of those (linear
//!   interpolation between order statistics, numpy's default);
//! - the claim **holds** when the whole interval is on the claimed side of the threshold,
//!   **fails** when the whole interval is on the other side, and is **undecided** when the
//!   interval straddles it. An undecided claim gets [`SEED_BATCH`] more seeds at a time, up to
//!   [`SEED_CAP`] in all ([`next_batch`]).
//!
//! The resamples come from a ChaCha20 stream named for the claim and its scope, so the interval
//! is the same on every machine and every run.

use super::thresholds::{DECISION_LEVEL, SEED_BATCH, SEED_BOOTSTRAP_RESAMPLES, SEED_CAP};
use crate::rng::{stream, Stream};
use rand::RngExt;
use serde::{Deserialize, Serialize};

/// Which side of its threshold a claim's statistic must lie on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Side {
    /// `statistic >= threshold`.
    AtLeast {
        /// The threshold.
        threshold: f64,
    },
    /// `statistic > threshold`.
    Above {
        /// The threshold.
        threshold: f64,
    },
    /// `statistic <= threshold`.
    AtMost {
        /// The threshold.
        threshold: f64,
    },
    /// `lo <= statistic <= hi`.
    Within {
        /// Lower end.
        lo: f64,
        /// Upper end.
        hi: f64,
    },
}

/// What an interval says about a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The whole interval is on the claimed side.
    Holds,
    /// The whole interval is on the other side.
    Fails,
    /// The interval straddles the threshold.
    Undecided,
}

impl Side {
    /// Whether a single value is on the claimed side.
    pub fn accepts(&self, x: f64) -> bool {
        match *self {
            Side::AtLeast { threshold } => x >= threshold,
            Side::Above { threshold } => x > threshold,
            Side::AtMost { threshold } => x <= threshold,
            Side::Within { lo, hi } => x >= lo && x <= hi,
        }
    }

    /// Decide on an interval `(lo, hi)` (lo <= hi).
    pub fn decide(&self, (lo, hi): (f64, f64)) -> Decision {
        if lo.is_nan() || hi.is_nan() {
            return Decision::Undecided;
        }
        let (a, b) = (self.accepts(lo), self.accepts(hi));
        let rejects_all = match *self {
            // The whole interval below (or above) the threshold; a range is missed when the
            // interval lies entirely outside it on one side.
            Side::Within { lo: r_lo, hi: r_hi } => hi < r_lo || lo > r_hi,
            _ => !a && !b,
        };
        if a && b {
            Decision::Holds
        } else if rejects_all {
            Decision::Fails
        } else {
            Decision::Undecided
        }
    }

    /// The threshold in words, e.g. `>= 0.75` or `in [0.5, 1.5]`.
    pub fn describe(&self) -> String {
        match *self {
            Side::AtLeast { threshold } => format!(">= {threshold}"),
            Side::Above { threshold } => format!("> {threshold}"),
            Side::AtMost { threshold } => format!("<= {threshold}"),
            Side::Within { lo, hi } => format!("in [{lo}, {hi}]"),
        }
    }
}

/// The interquartile mean: the mean after dropping `floor(n / 4)` values at each end. `NaN` for
/// no values.
pub fn iqm(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    iqm_sorted(&v)
}

fn iqm_sorted(v: &[f64]) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let cut = n / 4;
    let kept = &v[cut..n - cut];
    kept.iter().sum::<f64>() / kept.len() as f64
}

/// The `q`-quantile of sorted values, interpolating linearly between order statistics.
fn quantile_sorted(v: &[f64], q: f64) -> f64 {
    let pos = q * (v.len() - 1) as f64;
    let (i, frac) = (pos.floor() as usize, pos - pos.floor());
    if i + 1 >= v.len() {
        return v[v.len() - 1];
    }
    let (a, b) = (v[i], v[i + 1]);
    if a == b || frac == 0.0 || a == f64::NEG_INFINITY {
        a
    } else if b == f64::INFINITY {
        b
    } else {
        a + frac * (b - a)
    }
}

/// A stream index for a claim on a scope: the interval of `C2` on `toy` draws its own resamples.
fn stream_index(label: &str) -> u64 {
    // FNV-1a: a fixed, platform-independent hash of the label.
    label.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The percentile bootstrap interval of `statistic` over resamples of `values` with replacement,
/// at [`DECISION_LEVEL`], from the stream named by `label` (e.g. `"C2 toy"`). A single value (or
/// none) gives the degenerate interval `(x, x)` (`NaN` for none).
pub fn bootstrap_interval(
    values: &[f64],
    label: &str,
    statistic: impl Fn(&[f64]) -> f64,
) -> (f64, f64) {
    let n = values.len();
    if n <= 1 {
        let x = values.first().copied().unwrap_or(f64::NAN);
        return (x, x);
    }
    let mut rng = stream(0, Stream::SeedBootstrap, stream_index(label));
    let mut estimates = Vec::with_capacity(SEED_BOOTSTRAP_RESAMPLES);
    let mut sample = vec![0.0; n];
    for _ in 0..SEED_BOOTSTRAP_RESAMPLES {
        for s in sample.iter_mut() {
            *s = values[rng.random_range(0..n)];
        }
        estimates.push(statistic(&sample));
    }
    estimates.sort_by(f64::total_cmp);
    let alpha = 1.0 - DECISION_LEVEL;
    (
        quantile_sorted(&estimates, alpha / 2.0),
        quantile_sorted(&estimates, 1.0 - alpha / 2.0),
    )
}

/// The IQM's bootstrap interval.
pub fn iqm_interval(values: &[f64], label: &str) -> (f64, f64) {
    bootstrap_interval(values, label, iqm)
}

/// The mean's bootstrap interval (for shares: the fraction of seeds with a property).
pub fn mean_interval(values: &[f64], label: &str) -> (f64, f64) {
    bootstrap_interval(values, label, |v| v.iter().sum::<f64>() / v.len() as f64)
}

/// The seeds of the next batch after `used` (in the order drawn), given the experiment's own
/// `base` seeds: the smallest seeds above every base seed that are not used yet, at most
/// [`SEED_BATCH`] of them and never more than [`SEED_CAP`] in all. Empty at the cap.
///
/// The batches are fixed by the base seeds alone: the tier's seeds 1, 2, 3 are followed by 4, 5,
/// 6, then 7, 8, 9, then 10, 11, 12; seeds 41, 42, 43 by 44, 45, 46 and so on.
pub fn next_batch(base: &[u64], used: &[u64]) -> Vec<u64> {
    let room = SEED_CAP.saturating_sub(used.len()).min(SEED_BATCH);
    let start = base.iter().max().map_or(0, |m| m + 1);
    (start..).filter(|s| !used.contains(s)).take(room).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iqm_drops_a_quarter_at_each_end() {
        assert_eq!(iqm(&[3.0, 1.0, 2.0]), 2.0);
        // n = 8: two dropped at each end.
        assert_eq!(iqm(&[100.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, -100.0]), 3.5);
        // n = 12: three at each end.
        let v: Vec<f64> = (0..12).map(f64::from).collect();
        assert_eq!(iqm(&v), 5.5);
        assert!(iqm(&[]).is_nan());
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let v = [1.0, 2.0, 3.0, 4.0];
        // numpy.percentile([1, 2, 3, 4], [2.5, 97.5]) = [1.075, 3.925]
        assert!((quantile_sorted(&v, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile_sorted(&v, 0.975) - 3.925).abs() < 1e-12);
    }

    #[test]
    fn infinite_values_stay_at_the_end_of_the_scale() {
        let (lo, hi) = iqm_interval(&[f64::NEG_INFINITY, 0.8, 0.9], "test");
        assert_eq!(lo, f64::NEG_INFINITY);
        assert!(hi.is_finite());
        // One of eight is trimmed by the IQM.
        let v = [f64::NEG_INFINITY, 0.8, 0.81, 0.82, 0.83, 0.84, 0.85, 0.86];
        assert!((iqm(&v) - 0.825).abs() < 1e-12);
    }

    #[test]
    fn three_seeds_give_about_their_range() {
        // With three seeds every resample is one of 27 equally likely draws, and "all three the
        // lowest" has probability 1/27 > 2.5%: the 95% interval runs from the lowest value to the
        // highest.
        let (lo, hi) = iqm_interval(&[0.70, 0.80, 0.90], "test");
        assert!(
            (lo - 0.70).abs() < 1e-12 && (hi - 0.90).abs() < 1e-12,
            "{lo} {hi}"
        );
    }

    #[test]
    fn intervals_are_deterministic_and_named() {
        let v = [0.1, 0.5, 0.3, 0.9, 0.7, 0.2];
        assert_eq!(iqm_interval(&v, "C2 toy"), iqm_interval(&v, "C2 toy"));
        assert_ne!(iqm_interval(&v, "C2 toy"), iqm_interval(&v, "C2 mnist"));
    }

    #[test]
    fn sides_decide_on_intervals() {
        let at_least = Side::AtLeast { threshold: 0.8 };
        assert_eq!(at_least.decide((0.8, 0.9)), Decision::Holds);
        assert_eq!(at_least.decide((0.7, 0.79)), Decision::Fails);
        assert_eq!(at_least.decide((0.7, 0.85)), Decision::Undecided);
        let above = Side::Above { threshold: 0.05 };
        assert_eq!(above.decide((0.05, 0.2)), Decision::Undecided);
        assert_eq!(above.decide((0.0, 0.05)), Decision::Fails);
        let within = Side::Within { lo: 0.5, hi: 1.5 };
        assert_eq!(within.decide((0.6, 1.4)), Decision::Holds);
        assert_eq!(within.decide((0.4, 1.4)), Decision::Undecided);
        assert_eq!(within.decide((1.6, 2.0)), Decision::Fails);
        assert_eq!(within.decide((0.1, 0.4)), Decision::Fails);
        assert_eq!(at_least.decide((f64::NAN, 0.9)), Decision::Undecided);
        // A seed that counts as the worst value stretches the interval to -inf.
        assert_eq!(
            at_least.decide((f64::NEG_INFINITY, 0.9)),
            Decision::Undecided
        );
        assert_eq!(at_least.decide((f64::NEG_INFINITY, 0.5)), Decision::Fails);
    }

    #[test]
    fn batches_follow_the_base_seeds_up_to_the_cap() {
        assert_eq!(next_batch(&[1, 2, 3], &[1, 2, 3]), vec![4, 5, 6]);
        assert_eq!(
            next_batch(&[1, 2, 3], &[1, 2, 3, 4, 5, 6, 7, 8, 9]),
            vec![10, 11, 12]
        );
        let twelve: Vec<u64> = (1..=12).collect();
        assert!(next_batch(&[1, 2, 3], &twelve).is_empty());
        assert_eq!(next_batch(&[41, 42, 43], &[41, 42, 43]), vec![44, 45, 46]);
        // Five base seeds: two batches of three, then one seed to reach the cap.
        let five: Vec<u64> = (1..=5).collect();
        assert_eq!(next_batch(&five, &five), vec![6, 7, 8]);
        let eleven: Vec<u64> = (1..=11).collect();
        assert_eq!(next_batch(&five, &eleven), vec![12]);
    }
}
