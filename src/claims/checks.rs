//! What the checks of every claim share: the per-seed inputs, T0 and the linear phase, running
//! medians, and the draft of a verdict decided over seeds. The claims themselves are one function
//! each, grouped by what they are about ([`super::linear_phase`], [`super::beyond_linear`],
//! [`super::hierarchy`], [`super::reparam`], [`super::across`]).

use super::decide::{Decision, Side};
use super::format::{num, DECIMALS};
use super::thresholds::*;
use super::{Outcome, Stat, Verdict};
use crate::training_curves::Curves;

/// The measured result of one seed of one experiment setting.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedRun {
    /// Master seed of the run.
    pub seed: u64,
    /// Its curves.
    pub curves: Curves,
    /// Bootstrap interval (lower, upper) of the final gap I(F_T;Y) - mu(F_T;L), when computed.
    pub gap_interval: Option<(f64, f64)>,
}

/// One seed of the complexity hierarchy: mu(F_t; C_k) for reference classifiers ordered by
/// increasing capacity.
#[derive(Debug, Clone, PartialEq)]
pub struct HierarchySeed {
    /// Master seed of the run.
    pub seed: u64,
    /// SGD step of each checkpoint.
    pub steps: Vec<i64>,
    /// I(F_t; Y) per checkpoint.
    pub i_fy: Vec<f64>,
    /// (name, mu(F_t; C_k) per checkpoint), in order of increasing capacity.
    pub references: Vec<(String, Vec<f64>)>,
}

/// One seed of the reparameterisation check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReparamSeed {
    /// Master seed of the run.
    pub seed: u64,
    /// Fraction of test points whose prediction changed.
    pub disagreement: f64,
    /// |mu(F';L) - mu(F;L)| in bits.
    pub mu_change: f64,
}

/// T0 of a run (see the T0 rule in [`super::thresholds`]): the index of its checkpoint.
pub fn t0_index(c: &Curves) -> Option<usize> {
    let (i, m) = gap_curves(c);
    departure(&i, &m, T0_GAP_BITS)
}

/// The first checkpoint of the linear phase: the first at which F is more accurate than chance on
/// the test set and I(F_t;Y) - mu(F_t;L) is at most the T0 gap. Before it, F's information about Y
/// is its random initial function's, not a gain of SGD: either a boundary that departs from L (an
/// informative random network in two dimensions) or predictions that run against the labels (a
/// network that starts below chance, whose information is read backwards).
pub fn linear_phase_start(c: &Curves) -> Option<usize> {
    c.points
        .iter()
        .position(|p| p.test_acc > 0.5 && p.i_fy_test - p.mu <= T0_GAP_BITS)
}

pub(super) fn gap_curves(c: &Curves) -> (Vec<f64>, Vec<f64>) {
    (
        c.points.iter().map(|p| p.i_fy_test).collect(),
        c.points.iter().map(|p| p.mu).collect(),
    )
}

/// Three-point running medians of a sequence of checkpoint values (for fewer than three values,
/// their median), so that an extreme over checkpoints is never set by one checkpoint alone.
pub fn running_median3(v: &[f64]) -> Vec<f64> {
    if v.len() < 3 {
        return if v.is_empty() {
            Vec::new()
        } else {
            vec![median(&mut v.to_vec())]
        };
    }
    v.windows(3).map(|w| median(&mut w.to_vec())).collect()
}

pub(super) fn no_runs(id: &str, scope: &str, statement: &str) -> Verdict {
    Verdict::skipped(id, scope, statement, "no finished runs")
}

pub(super) struct Draft<'a> {
    pub(super) id: &'a str,
    pub(super) scope: &'a str,
    pub(super) statement: &'a str,
    pub(super) measured: &'a str,
    pub(super) threshold: String,
}

impl Draft<'_> {
    /// Finish a verdict decided on the interquartile mean of the per-seed values and its
    /// bootstrap interval (see [`super::decide`]); `problems` are per-seed failures of a
    /// requirement of the claim, which fail it whatever the statistic.
    pub(super) fn finish(
        self,
        per_seed: Vec<(u64, f64)>,
        problems: Vec<String>,
        side: Side,
    ) -> Verdict {
        // NaN is "no value" (the seed's problem says why); an infinity is a value at the end of
        // the scale (a seed with nothing to measure counts as the worst).
        let values: Vec<f64> = per_seed
            .iter()
            .map(|&(_, v)| v)
            .filter(|v| !v.is_nan())
            .collect();
        let label = format!("{} {}", self.id, self.scope);
        let statistic = Stat::iqm_of(&values, &label);
        self.decided(per_seed, problems, statistic, side, side)
    }

    /// Finish a verdict on `statistic` (decided by `side`), naming seeds off `seed_side`.
    pub(super) fn decided(
        self,
        per_seed: Vec<(u64, f64)>,
        problems: Vec<String>,
        statistic: Option<Stat>,
        side: Side,
        seed_side: Side,
    ) -> Verdict {
        let outcome = match &statistic {
            _ if !problems.is_empty() => Outcome::Fails(problems.join("; ")),
            None => Outcome::Fails("no seed produced a value".into()),
            Some(s) => outcome_of(s, side),
        };
        Verdict {
            id: self.id.into(),
            scope: self.scope.into(),
            statement: self.statement.into(),
            measured: self.measured.into(),
            statistic,
            per_seed,
            per_group: Vec::new(),
            threshold: self.threshold,
            outcome,
            variant: false,
            expected: Default::default(),
            runs: Vec::new(),
            seed_side: Some(seed_side),
        }
    }
}

/// The outcome of a statistic's interval against the claim's side of its threshold.
pub(super) fn outcome_of(s: &Stat, side: Side) -> Outcome {
    let (lo, hi) = s.interval;
    let interval = format!(
        "{} [{}, {}] over {} seeds",
        num(s.value, DECIMALS),
        num(lo, DECIMALS),
        num(hi, DECIMALS),
        s.n
    );
    match side.decide(s.interval) {
        Decision::Holds => Outcome::Holds,
        Decision::Fails => Outcome::Fails(format!(
            "{interval}: the whole interval misses {}",
            side.describe()
        )),
        Decision::Undecided => Outcome::Undecided(format!(
            "{interval}: the interval straddles {}",
            side.describe()
        )),
    }
}

pub(super) fn too_few_seeds(runs: usize, min_seeds: usize) -> Vec<String> {
    if runs < min_seeds {
        vec![format!("only {runs} seeds, at least {min_seeds} required")]
    } else {
        Vec::new()
    }
}

pub(super) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::fixtures::*;
    use crate::claims::*;

    #[test]
    pub(super) fn t0_is_first_gap_above_threshold() {
        assert_eq!(t0_index(&good()), Some(3));
        assert_eq!(departure(&[0.1, 0.2], &[0.1, 0.2], 0.05), None);
    }

    #[test]
    pub(super) fn too_few_seeds_fails() {
        let v = c5_retention("t", &runs(good(), 2), 3);
        assert!(v.failed(), "{v:?}");
    }

    #[test]
    pub(super) fn checkpoints_below_chance_are_not_in_the_linear_phase() {
        // A random initial network whose predictions run against the labels carries
        // information (read backwards) that L does not explain; it is not a gain of SGD.
        let mut c = curves(
            0.3,
            &[
                (0.12, 0.08, 0.5),
                (0.08, 0.045, 0.5),
                (0.1, 0.095, 0.6),
                (0.2, 0.19, 0.7),
                (0.25, 0.24, 0.8),
                (0.5, 0.28, 1.0),
            ],
        );
        for p in &mut c.points[..2] {
            p.test_acc = 0.35;
        }
        assert_eq!(linear_phase_start(&c), Some(2));
        let v = c2_linear_first("t", &runs(c.clone(), 3), 3);
        assert_eq!(v.outcome, Outcome::Holds, "{v:?}");
        // The same checkpoints above chance are the network's gain and fail C2.
        for p in &mut c.points[..2] {
            p.test_acc = 0.65;
        }
        assert_eq!(linear_phase_start(&c), Some(0));
        assert!(c2_linear_first("t", &runs(c, 3), 3).failed());
    }

    #[test]
    pub(super) fn running_median_needs_two_of_three() {
        assert_eq!(running_median3(&[1.0, 0.0, 1.0, 1.0]), vec![1.0, 1.0]);
        assert_eq!(running_median3(&[1.0, 0.0, 0.0, 1.0]), vec![0.0, 0.0]);
        assert!((running_median3(&[0.2, 0.4])[0] - 0.3).abs() < 1e-12);
        assert!(running_median3(&[]).is_empty());
    }

    #[test]
    pub(super) fn seeds_without_a_measurable_checkpoint_are_left_out_up_to_a_quarter() {
        let mut flat = good();
        for p in &mut flat.points {
            p.i_fy_test = 0.0;
            p.mu = 0.0;
        }
        // One such seed of four: left out, listed, and the others decide.
        let mut r = runs(good(), 4);
        r[1].curves = flat.clone();
        let v = c2_linear_first("t", &r, 3);
        assert_eq!(v.outcome, Outcome::Holds, "{v:?}");
        assert!(v.per_seed[1].1.is_nan());
        assert_eq!(v.statistic.unwrap().n, 3);
        assert!(
            v.measured.contains("seeds 1 have no such checkpoint"),
            "{}",
            v.measured
        );
        // One of three is more than a quarter: the claim fails, naming them.
        let mut r = runs(good(), 3);
        r[1].curves = flat;
        let v = c2_linear_first("t", &r, 3);
        assert!(
            v.failed() && v.outcome.reason().contains("more than a quarter"),
            "{v:?}"
        );
    }

    #[test]
    pub(super) fn one_low_seed_leaves_a_claim_undecided_until_more_seeds_decide_it() {
        // Three seeds, one of which forgets L: the interval over seeds straddles 0.8.
        let mut r = runs(good(), 3);
        r[0].curves.points[5].mu = 0.0;
        let v = c5_retention("t", &r, 3);
        assert!(v.undecided(), "{v:?}");
        assert!(v.outcome.reason().contains("straddles >= 0.8"), "{v:?}");
        // Twelve seeds, one low: the IQM drops it and the interval clears the threshold.
        let mut r = runs(good(), 12);
        r[0].curves.points[5].mu = 0.0;
        let v = c5_retention("t", &r, 3);
        assert_eq!(v.outcome, Outcome::Holds, "{v:?}");
        assert_eq!(v.statistic.unwrap().n, 12);
        // Twelve seeds, every one low: it fails, and the reason gives the interval.
        let mut r = runs(good(), 12);
        for x in &mut r {
            x.curves.points[5].mu = 0.1;
        }
        let v = c5_retention("t", &r, 3);
        assert!(
            v.failed() && v.outcome.reason().contains("misses >= 0.8"),
            "{v:?}"
        );
    }
}
