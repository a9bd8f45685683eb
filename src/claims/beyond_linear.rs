//! C4-C5, beyond the linear phase: the final gain L does not explain (C4) and the retention of
//! L's information (C5).

use super::checks::*;
use super::decide::Side;
use super::thresholds::*;
use super::Verdict;

/// C4: after T0 the network learns more than linear: the final gap is clearly positive.
pub fn c4_beyond_linear(scope: &str, runs: &[SeedRun], min_seeds: usize) -> Verdict {
    let statement = "after T0 the network learns more than the linear classifier";
    if runs.is_empty() {
        return no_runs("C4", scope, statement);
    }
    let mut problems = too_few_seeds(runs.len(), min_seeds);
    let mut per_seed = Vec::new();
    for r in runs {
        let Some(last) = r.curves.last() else {
            continue;
        };
        per_seed.push((r.seed, last.i_fy_test - last.mu));
        match r.gap_interval {
            Some((lo, _)) if lo <= 0.0 => problems.push(format!(
                "seed {}: bootstrap lower bound {lo:.4} <= 0",
                r.seed
            )),
            Some(_) => {}
            None => problems.push(format!("seed {}: no bootstrap interval", r.seed)),
        }
    }
    Draft {
        id: "C4",
        scope,
        statement,
        measured: "final I(F_T;Y) - mu(F_T;L) in bits",
        threshold: format!(
            "> {C4_MIN_GAP_BITS} bits; every seed's {}% bootstrap lower bound > 0",
            C4_BOOTSTRAP_LEVEL * 100.0
        ),
    }
    .finish(
        per_seed,
        problems,
        Side::Above {
            threshold: C4_MIN_GAP_BITS,
        },
    )
}

/// C5: retention through zero training error: mu(F_T;L) >= 0.8 I(L;Y) at 100% train accuracy.
pub fn c5_retention(scope: &str, runs: &[SeedRun], min_seeds: usize) -> Verdict {
    let statement = "the final network retains the linear classifier through zero training error";
    if runs.is_empty() {
        return no_runs("C5", scope, statement);
    }
    let mut problems = too_few_seeds(runs.len(), min_seeds);
    let mut per_seed = Vec::new();
    for r in runs {
        let c = &r.curves;
        let Some(last) = c.last() else { continue };
        match c.final_train_acc() {
            Some(acc) if acc >= C5_TRAIN_ACC => {}
            Some(acc) => problems.push(format!(
                "seed {}: final train acc {acc:.4} < 100% (run does not reach zero training error)",
                r.seed
            )),
            None => problems.push(format!(
                "seed {}: the final checkpoint did not record the training set",
                r.seed
            )),
        }
        let v = if c.i_ly > 0.0 {
            last.mu / c.i_ly
        } else {
            f64::NAN
        };
        per_seed.push((r.seed, v));
    }
    Draft {
        id: "C5",
        scope,
        statement,
        measured: "mu(F_T;L) / I(L;Y) at the final checkpoint",
        threshold: format!(">= {C5_MIN_RETENTION} with final train acc = 100%"),
    }
    .finish(
        per_seed,
        problems,
        Side::AtLeast {
            threshold: C5_MIN_RETENTION,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::fixtures::*;
    use crate::claims::{c2_linear_first, c3_split_at_l, Outcome};

    #[test]
    fn good_curves_pass_c2_to_c5() {
        let r = runs(good(), 3);
        for v in [
            c2_linear_first("t", &r, 3),
            c3_split_at_l("t", &r, 3),
            c4_beyond_linear("t", &r, 3),
            c5_retention("t", &r, 3),
        ] {
            assert_eq!(v.outcome, Outcome::Holds, "{v:?}");
        }
    }

    #[test]
    fn c4_fails_on_small_gap_or_interval_through_zero() {
        let mut c = good();
        c.points[5].mu = 0.57;
        assert!(c4_beyond_linear("t", &runs(c, 3), 3).failed());
        let mut r = runs(good(), 3);
        r[1].gap_interval = Some((-0.01, 0.5));
        assert!(c4_beyond_linear("t", &r, 3).failed());
    }

    #[test]
    fn c5_fails_on_forgetting_or_no_interpolation() {
        let mut c = good();
        c.points[5].mu = 0.2; // 0.67 of I(L;Y)
        assert!(c5_retention("t", &runs(c, 3), 3).failed());
        let mut c = good();
        c.points[5].train_acc = Some(0.99);
        assert!(c5_retention("t", &runs(c, 3), 3).failed());
    }
}
