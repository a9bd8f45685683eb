//! Every threshold of the claims and the T0 rule, in one place.
//!
//! These are conservative readings of the paper's words (see the claims table of the paper
//! summary), fixed before any result of this project was looked at. They are not to be tuned to
//! what the code produces: if a run misses one, that is the result.
//!
//! # The T0 rule
//!
//! T0, the end of the linear phase, is the **first checkpoint at which
//! I(F_t; Y) - mu_Y(F_t; L) exceeds [`T0_GAP_BITS`] = 0.05 bits** on the test set, i.e. the first
//! time the network carries 0.05 bits about the label that the linear classifier does not
//! explain. A run with no such checkpoint has no T0.
//!
//! # Statistics over seeds: the decision rule
//!
//! Every claim is a statement over several seeds (at least [`MIN_SEEDS_QUICK`] in the quick tier,
//! [`MIN_SEEDS_FULL`] in the full tier), decided as in `sgd_complexity::claims::decide`: the interquartile mean
//! of the per-seed values, its percentile bootstrap interval over seeds at [`DECISION_LEVEL`]
//! ([`SEED_BOOTSTRAP_RESAMPLES`] resamples), and three outcomes: **holds** (the interval on the
//! claimed side of the threshold), **fails** (on the other side), **undecided** (it straddles the
//! threshold). An undecided claim gets [`SEED_BATCH`] more seeds at a time, drawn after the
//! experiment's own, up to [`SEED_CAP`] seeds in all. C6, whose per-seed value is an order, is
//! decided the same way on the share of seeds in order ([`C6_MIN_SHARE_IN_ORDER`]).
//!
//! This rule (level, resamples, batch, cap) was fixed on 2026-12-06, before any claim was
//! evaluated with it. Earlier versions summarised seeds by a trimmed mean (the best and the worst
//! seed dropped) and decided on it alone, with no statement of how sure the verdict was.

/// T0: the first checkpoint where I(F_t;Y) - mu(F_t;L) exceeds this many bits.
pub const T0_GAP_BITS: f64 = 0.05;

/// "Clear of the estimator floor": I(F_t;Y) must be at least this many bits ...
pub const FLOOR_MIN_BITS: f64 = 0.02;
/// ... and at least this multiple of the shuffled-label null floor of I(F;Y), and (for C2) of
/// the information I(F_0;Y) the random initial network carried (added 2026-12-06: PAPER.md asks
/// that the random initial function not decide a claim, and on the 2-D toy it set C2 on the seeds
/// that start with a few hundredths of a bit; docs/verify.md, "C2's floor").
pub const FLOOR_MULTIPLE: f64 = 5.0;

/// C1: agreement Pr[F_t = L] on test points at the last checkpoint before T0 (the end of the
/// linear phase) must reach this: "linear boundary first".
pub const C1_EARLY_AGREEMENT: f64 = 0.9;
/// C1: the final train accuracy (labels as trained on, noise included) must be exactly 100%.
pub const C1_FINAL_TRAIN_ACC: f64 = 1.0;
/// C1: the final test accuracy must reach `1 - C1_NOISE_FACTOR * noise` (noise = the realised
/// training label noise rate): memorising the noise may cost at most as much again as the noise.
pub const C1_NOISE_FACTOR: f64 = 2.0;

/// C2: "almost all" of the early gain explained by L: mu(F_t;L) / I(F_t;Y) >= this at every
/// checkpoint before F first matches L (an independent replication measured 0.8-0.9).
pub const C2_MIN_RATIO: f64 = 0.75;

/// C3: at T0, I(F_T0;Y) / I(L;Y) lies in this closed interval.
pub const C3_RATIO_RANGE: (f64, f64) = (0.5, 1.5);

/// C4: the final gap I(F_T;Y) - mu(F_T;L) must exceed this many bits (the same size of effect that
/// defines the split at T0) ...
pub const C4_MIN_GAP_BITS: f64 = T0_GAP_BITS;
/// ... and for every seed the lower end of a bootstrap interval over test points (this one-sided
/// level) must be above zero.
pub const C4_BOOTSTRAP_LEVEL: f64 = 0.05;
/// C4: number of bootstrap resamples of the test set.
pub const C4_BOOTSTRAP_RESAMPLES: usize = 200;

/// C5: at 100% train accuracy, mu(F_T;L) >= this fraction of I(L;Y).
pub const C5_MIN_RETENTION: f64 = 0.8;
/// C5: what counts as 100% train accuracy.
pub const C5_TRAIN_ACC: f64 = 1.0;

/// C6: the departure of mu(F_t;C_k) from I(F_t;Y) uses the T0 rule with C_k in place of L.
pub const C6_DEPARTURE_GAP_BITS: f64 = T0_GAP_BITS;

/// C7: a function-preserving reparameterisation may change at most this fraction of test
/// predictions (floating-point ties) ...
pub const C7_MAX_DISAGREEMENT: f64 = 1e-3;
/// ... and mu(F_T;L) by at most this many bits.
pub const C7_MAX_MU_CHANGE_BITS: f64 = 1e-3;

/// C9: C2-C5 must hold on at least this many tasks (real and synthetic), and on every task run.
pub const C9_MIN_TASKS: usize = 2;

/// C10: C2 and C5 must hold on at least this many sweep settings, and on every setting run.
pub const C10_MIN_SETTINGS: usize = 2;

/// Two-sided level of the percentile bootstrap interval over seeds (rliable's default).
pub const DECISION_LEVEL: f64 = 0.95;
/// Bootstrap resamples of the seeds per interval.
pub const SEED_BOOTSTRAP_RESAMPLES: usize = 10_000;
/// Seeds added at a time to an undecided claim.
pub const SEED_BATCH: usize = 3;
/// Most seeds a claim is given; a claim still undecided here is reported undecided (and, for
/// `sgdc verify`, fails the gate: the miniature is too noisy for it).
pub const SEED_CAP: usize = 12;

/// C6: the share of seeds whose departures are in order of capacity must exceed this (the
/// typical seed is in order).
pub const C6_MIN_SHARE_IN_ORDER: f64 = 0.5;

/// Seeds per experiment in the quick tier.
pub const MIN_SEEDS_QUICK: usize = 3;
/// Seeds per experiment in the full tier (the paper tier: a run at the paper's scale takes tens of
/// minutes to hours on a CPU, so three, as in the quick tier; it was five before any full-tier run).
pub const MIN_SEEDS_FULL: usize = 3;

/// The departure of F from a reference classifier: the index of the first checkpoint at which
/// `i_fy - mu` exceeds `gap` bits and still does at the next checkpoint (the last checkpoint
/// counts on its own), counted only after the gap has been at most `gap` bits once.
///
/// Two transients are kept from deciding it (see "Departures" in `docs/verify.md`): a random
/// initial network can carry information about Y that the reference does not explain (a 2-D
/// network at initialisation often does), which is not something SGD learned, so a departure is
/// an upward crossing; and one checkpoint inside the estimator's noise cannot make one.
pub fn departure(i_fy: &[f64], mu: &[f64], gap: f64) -> Option<usize> {
    let above: Vec<bool> = i_fy.iter().zip(mu).map(|(i, m)| i - m > gap).collect();
    let start = above.iter().position(|&a| !a)?;
    (start + 1..above.len()).find(|&t| above[t] && above.get(t + 1).copied().unwrap_or(true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn departure_is_an_upward_crossing_that_holds() {
        // The random initial network departs from the reference (gap 0.2 bits at steps 0-1),
        // SGD brings it back (gap 0), and the departure proper comes at index 4.
        let i = [0.3, 0.3, 0.3, 0.4, 0.6, 0.7];
        let m = [0.1, 0.1, 0.3, 0.4, 0.4, 0.4];
        assert_eq!(departure(&i, &m, 0.05), Some(4));
        // A one-checkpoint blip above the gap is not a departure.
        let i = [0.0, 0.2, 0.3, 0.4, 0.6];
        let m = [0.0, 0.1, 0.3, 0.38, 0.4];
        assert_eq!(departure(&i, &m, 0.05), Some(4));
        // Never below the gap: no departure to speak of.
        assert_eq!(departure(&[0.3, 0.4], &[0.1, 0.1], 0.05), None);
    }
}
