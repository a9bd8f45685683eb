//! C7, reparameterisation: an equivalent network changes few predictions and mu(F;L) little.

use super::checks::*;
use super::decide::Side;
use super::thresholds::*;
use super::{Stat, Verdict};

/// C7: mu depends only on the implemented function.
pub fn c7_reparameterisation(scope: &str, seeds: &[ReparamSeed], min_seeds: usize) -> Verdict {
    let statement = "mu is unchanged under a function-preserving reparameterisation";
    if seeds.is_empty() {
        return no_runs("C7", scope, statement);
    }
    let mut problems = too_few_seeds(seeds.len(), min_seeds);
    for s in seeds {
        if s.disagreement > C7_MAX_DISAGREEMENT || s.mu_change > C7_MAX_MU_CHANGE_BITS {
            problems.push(format!(
                "seed {}: {:.2e} of predictions changed, mu changed by {:.2e} bits",
                s.seed, s.disagreement, s.mu_change
            ));
        }
    }
    let changes: Vec<f64> = seeds.iter().map(|s| s.mu_change).collect();
    let largest = changes.iter().copied().fold(0.0, f64::max);
    // A deterministic check on every seed: it holds when no seed breaks it.
    let statistic = Some(Stat {
        n: seeds.len(),
        ..Stat::single(largest)
    });
    Draft {
        id: "C7",
        scope,
        statement,
        measured: "largest |mu(F';L) - mu(F;L)| over seeds, in bits",
        threshold: format!(
            "<= {C7_MAX_MU_CHANGE_BITS} bits and <= {C7_MAX_DISAGREEMENT} of predictions changed, every seed"
        ),
    }
    .decided(
        seeds.iter().map(|s| (s.seed, s.mu_change)).collect(),
        problems,
        statistic,
        Side::AtMost {
            threshold: C7_MAX_MU_CHANGE_BITS,
        },
        Side::AtMost {
            threshold: C7_MAX_MU_CHANGE_BITS,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::Outcome;

    #[test]
    fn c7_bounds_changes() {
        let ok = ReparamSeed {
            seed: 0,
            disagreement: 0.0,
            mu_change: 0.0,
        };
        assert_eq!(
            c7_reparameterisation("r", &[ok; 3], 3).outcome,
            Outcome::Holds
        );
        let bad = ReparamSeed {
            mu_change: 0.01,
            ..ok
        };
        assert!(c7_reparameterisation("r", &[ok, ok, bad], 3).failed());
    }
}
