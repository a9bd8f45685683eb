//! C1-C3, the linear phase: the toy's boundary (C1), the early gain explained by L (C2), the
//! split at I(L;Y) (C3).

use super::checks::*;
use super::decide::Side;
use super::thresholds::*;
use super::Verdict;
use crate::training_curves::Curves;

/// C1 (toy): a linear boundary first, complex later, the noise fitted but the concept kept.
pub fn c1_toy(scope: &str, runs: &[SeedRun], min_seeds: usize) -> Verdict {
    let statement = "toy: F agrees with L in the linear phase; at the end train acc 100% and test acc near 1 - noise";
    if runs.is_empty() {
        return no_runs("C1", scope, statement);
    }
    let mut problems = too_few_seeds(runs.len(), min_seeds);
    let mut per_seed = Vec::new();
    for r in runs {
        let c = &r.curves;
        per_seed.push((r.seed, largest_linear_phase_agreement(c)));
        if let Some(last) = c.last() {
            match c.final_train_acc() {
                Some(acc) if acc >= C1_FINAL_TRAIN_ACC => {}
                Some(acc) => problems.push(format!(
                    "seed {}: final train acc {acc:.4} < {C1_FINAL_TRAIN_ACC}",
                    r.seed
                )),
                None => problems.push(format!(
                    "seed {}: the final checkpoint did not record the training set",
                    r.seed
                )),
            }
            let need = 1.0 - C1_NOISE_FACTOR * c.noise_rate;
            if last.test_acc < need {
                problems.push(format!(
                    "seed {}: final test acc {:.4} < 1 - {C1_NOISE_FACTOR} x noise {:.3} = {need:.4}",
                    r.seed, last.test_acc, c.noise_rate
                ));
            }
        }
    }
    Draft {
        id: "C1",
        scope,
        statement,
        measured: "largest Pr[F_t = L] on test points in the linear phase (3-checkpoint running median)",
        threshold: format!(
            ">= {C1_EARLY_AGREEMENT}; final train acc = 100%; final test acc >= 1 - {C1_NOISE_FACTOR} x noise"
        ),
    }
    .finish(
        per_seed,
        problems,
        Side::AtLeast {
            threshold: C1_EARLY_AGREEMENT,
        },
    )
}

/// C2's floor: I(F_t;Y) counts as clear of the floor from this many bits on: of the estimator's
/// noise (the shuffled-label null) and of the information the random initial network already
/// carried (I(F_0;Y)), each times [`FLOOR_MULTIPLE`]. Below it, a checkpoint's ratio is the
/// estimator's or the initial function's, not what SGD learned (in two dimensions a random
/// network often starts with a few hundredths of a bit, nearly all of it outside L).
pub fn c2_floor(c: &Curves) -> f64 {
    let initial = c
        .points
        .first()
        .filter(|p| p.step == 0)
        .map_or(0.0, |p| p.i_fy_test);
    FLOOR_MIN_BITS
        .max(FLOOR_MULTIPLE * c.floor.i_fy)
        .max(FLOOR_MULTIPLE * initial)
}

/// C2's statistic for one run: the smallest three-checkpoint running median of
/// mu(F_t;L) / I(F_t;Y) over the linear phase's checkpoints before I(F_t;Y) reaches I(L;Y), counting
/// those clear of the floor. `None` when no checkpoint counts.
pub fn smallest_linear_phase_ratio(c: &Curves) -> Option<f64> {
    let floor = c2_floor(c);
    let start = linear_phase_start(c).unwrap_or(c.points.len());
    let ratios: Vec<f64> = c.points[start..]
        .iter()
        .take_while(|p| p.i_fy_test < c.i_ly)
        .filter(|p| p.i_fy_test >= floor)
        .map(|p| p.mu / p.i_fy_test)
        .collect();
    running_median3(&ratios).into_iter().reduce(f64::min)
}

/// C1's statistic for one run: the largest three-checkpoint running median of Pr[F_t = L] over
/// the linear phase (up to T0).
pub fn largest_linear_phase_agreement(c: &Curves) -> f64 {
    let start = linear_phase_start(c).unwrap_or(0);
    let end = t0_index(c).unwrap_or(c.points.len()).max(start + 1);
    let agreement: Vec<f64> = c.points[start..end].iter().map(|p| p.agreement).collect();
    running_median3(&agreement)
        .into_iter()
        .fold(f64::NAN, f64::max)
}

/// C2: before F first matches L, once I(F_t;Y) is clear of the estimator floor,
/// mu(F_t;L) / I(F_t;Y) stays high.
pub fn c2_linear_first(scope: &str, runs: &[SeedRun], min_seeds: usize) -> Verdict {
    let statement = "early gain explained by a linear classifier";
    if runs.is_empty() {
        return no_runs("C2", scope, statement);
    }
    let mut problems = too_few_seeds(runs.len(), min_seeds);
    // A seed with no checkpoint to read (its random initial network already carries a fifth of
    // L's information, or it jumps from the floor to L's level between two checkpoints) gives no
    // evidence either way: it is listed and left out, as long as at most a quarter of the seeds
    // are such (the share the interquartile mean would trim); more fail the claim.
    let per_seed: Vec<(u64, f64)> = runs
        .iter()
        .map(|r| {
            (
                r.seed,
                smallest_linear_phase_ratio(&r.curves).unwrap_or(f64::NAN),
            )
        })
        .collect();
    let unmeasured: Vec<u64> = per_seed
        .iter()
        .filter(|(_, v)| v.is_nan())
        .map(|(s, _)| *s)
        .collect();
    if unmeasured.len() * 4 > runs.len() {
        problems.push(format!(
            "{} of {} seeds have no checkpoint between the floor and I(L;Y) (seeds {}): more than a quarter",
            unmeasured.len(),
            runs.len(),
            super::format::seed_ranges(&unmeasured)
        ));
    }
    let measured = if unmeasured.is_empty() {
        String::new()
    } else {
        format!(
            "; seeds {} have no such checkpoint and are left out",
            super::format::seed_ranges(&unmeasured)
        )
    };
    let mut v = Draft {        id: "C2",
        scope,
        statement,
        measured: "smallest mu(F_t;L)/I(F_t;Y) (3-checkpoint running median) over the linear phase's checkpoints before I(F_t;Y) >= I(L;Y), I(F_t;Y) clear of the floor",
        threshold: format!(
            ">= {C2_MIN_RATIO} (floor: max({FLOOR_MIN_BITS} bits, {FLOOR_MULTIPLE} x shuffled-label floor, {FLOOR_MULTIPLE} x I(F_0;Y)))"
        ),
    }
    .finish(
        per_seed,
        problems,
        Side::AtLeast {
            threshold: C2_MIN_RATIO,
        },
    );
    v.measured.push_str(&measured);
    v
}

/// C3: the split comes when F reaches L's level: I(F_T0;Y) / I(L;Y) in the range.
pub fn c3_split_at_l(scope: &str, runs: &[SeedRun], min_seeds: usize) -> Verdict {
    let statement = "the split (T0) comes when F reaches L's level";
    if runs.is_empty() {
        return no_runs("C3", scope, statement);
    }
    let mut problems = too_few_seeds(runs.len(), min_seeds);
    let mut per_seed = Vec::new();
    for r in runs {
        let c = &r.curves;
        match t0_index(c) {
            Some(t) if c.i_ly > 0.0 => per_seed.push((r.seed, c.points[t].i_fy_test / c.i_ly)),
            Some(_) => {
                problems.push(format!("seed {}: I(L;Y) = 0", r.seed));
                per_seed.push((r.seed, f64::NAN));
            }
            None => {
                problems.push(format!(
                    "seed {}: no T0 (I(F_t;Y) - mu never exceeds {T0_GAP_BITS} bits)",
                    r.seed
                ));
                per_seed.push((r.seed, f64::NAN));
            }
        }
    }
    let (lo, hi) = C3_RATIO_RANGE;
    Draft {
        id: "C3",
        scope,
        statement,
        measured: "I(F_T0;Y) / I(L;Y), T0 = first upward crossing of I(F_t;Y) - mu > 0.05 bits that holds at the next checkpoint",
        threshold: format!("in [{lo}, {hi}]"),
    }
    .finish(per_seed, problems, Side::Within { lo, hi })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::fixtures::*;
    use crate::claims::Outcome;
    use crate::training_curves::CurvePoint;

    #[test]
    fn c2_fails_when_early_gain_is_not_linear() {
        let mut c = good();
        c.points[1].mu = 0.05; // ratio 0.5 before F reaches L ...
        c.points[2].mu = 0.125; // ... at two checkpoints in a row
        let v = c2_linear_first("t", &runs(c, 3), 3);
        assert!(v.failed(), "{v:?}");
        assert!((v.statistic.unwrap().value - 0.5).abs() < 1e-12);
    }

    #[test]
    fn one_noisy_checkpoint_does_not_decide_c2() {
        let c = curves(
            0.3,
            &[
                (0.0, 0.0, 0.5),
                (0.05, 0.048, 0.55),
                (0.1, 0.06, 0.6), // ratio 0.6 at this checkpoint only
                (0.15, 0.145, 0.65),
                (0.25, 0.24, 0.7),
                (0.5, 0.28, 1.0),
            ],
        );
        let v = c2_linear_first("t", &runs(c.clone(), 3), 3);
        assert_eq!(v.outcome, Outcome::Holds, "{v:?}");
        // Two low checkpoints in a row do decide it.
        let mut c = c;
        c.points[3].mu = 0.09;
        assert!(c2_linear_first("t", &runs(c, 3), 3).failed());
    }

    #[test]
    fn c2_ignores_points_below_floor_and_after_matching_l() {
        let mut c = good();
        c.points[1] = CurvePoint {
            i_fy_test: 0.004,
            mu: 0.0,
            ..c.points[1]
        };
        c.points[4].mu = 0.0; // after F matched L: not part of C2
        let v = c2_linear_first("t", &runs(c, 3), 3);
        assert_eq!(v.outcome, Outcome::Holds, "{v:?}");
    }

    #[test]
    fn the_random_initial_networks_information_does_not_decide_c2() {
        // F_0 carries 0.04 bits, none of it L's; SGD then adds L's information.
        let mut c = curves(
            0.3,
            &[
                (0.04, 0.0, 0.5),
                (0.05, 0.015, 0.55),
                (0.07, 0.035, 0.6),
                (0.1, 0.06, 0.65),
                (0.22, 0.2, 0.7),
                (0.25, 0.235, 0.8),
                (0.28, 0.265, 0.9),
                (0.5, 0.29, 1.0),
            ],
        );
        // Counted from 0.02 bits, the ratios of the initial function's checkpoints decide C2.
        assert!(smallest_linear_phase_ratio(&c).unwrap() < 0.75);
        // From step 0 the floor is 5 x 0.04 = 0.2 bits: only what SGD learned counts.
        c.points[0].step = 0;
        assert!((c2_floor(&c) - 0.2).abs() < 1e-12);
        assert!(smallest_linear_phase_ratio(&c).unwrap() > 0.9);
    }

    #[test]
    fn c2_fails_without_a_measurable_checkpoint() {
        let c = curves(0.3, &[(0.0, 0.0, 0.5), (0.5, 0.28, 1.0)]);
        assert!(c2_linear_first("t", &runs(c, 3), 3).failed());
    }

    #[test]
    fn c3_fails_when_split_is_early_or_absent() {
        let mut c = good();
        c.points[1].mu = 0.02; // gap 0.08 at I = 0.1: ratio 0.33 ...
        c.points[2].mu = 0.15; // ... and the gap holds at the next checkpoint
        assert!(c3_split_at_l("t", &runs(c, 3), 3).failed());
        let flat = curves(0.3, &[(0.1, 0.1, 0.5), (0.3, 0.3, 1.0)]);
        assert!(c3_split_at_l("t", &runs(flat, 3), 3).failed());
    }

    #[test]
    fn c1_checks_agreement_and_final_accuracies() {
        let r = runs(good(), 3);
        assert_eq!(c1_toy("toy", &r, 3).outcome, Outcome::Holds);
        let mut c = good();
        c.points[5].test_acc = 0.7; // < 1 - 2 x 0.1
        assert!(c1_toy("toy", &runs(c, 3), 3).failed());
        let mut c = good();
        for p in &mut c.points {
            p.agreement = 0.7;
        }
        assert!(c1_toy("toy", &runs(c, 3), 3).failed());
    }
}
