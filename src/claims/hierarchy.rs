//! C6, the complexity hierarchy: departures from reference classifiers in order of capacity.

use super::checks::*;
use super::decide::Side;
use super::format::step;
use super::thresholds::*;
use super::{Stat, Verdict};

/// C6: the departure time of mu(F_t;C_k) from I(F_t;Y) increases with the capacity k. A seed is
/// in order when its departure steps are non-decreasing in capacity and the largest reference
/// departs later than the smallest; the claim is decided on the share of seeds in order.
pub fn c6_hierarchy(scope: &str, seeds: &[HierarchySeed], min_seeds: usize) -> Verdict {
    let statement = "classes of increasing capacity explain F up to later times";
    if seeds.is_empty() {
        return no_runs("C6", scope, statement);
    }
    let mut problems = too_few_seeds(seeds.len(), min_seeds);
    let k = seeds[0].references.len();
    if k < 2 || seeds.iter().any(|s| s.references.len() != k) {
        problems.push(format!(
            "need the same >= 2 reference classifiers in every seed, got {k}"
        ));
    }
    let dep = departures(seeds);
    let per_seed: Vec<(u64, f64)> = seeds
        .iter()
        .zip(&dep)
        .map(|(s, d)| {
            let ordered = d.windows(2).all(|w| w[0] <= w[1]) && d.first() < d.last();
            (s.seed, if ordered { 1.0 } else { 0.0 })
        })
        .collect();
    let medians: Vec<f64> = (0..k)
        .map(|j| {
            let mut col: Vec<f64> = dep.iter().filter_map(|d| d.get(j).copied()).collect();
            median(&mut col)
        })
        .collect();
    let names: Vec<&str> = seeds[0]
        .references
        .iter()
        .map(|(n, _)| n.as_str())
        .collect();
    let values: Vec<f64> = per_seed.iter().map(|&(_, v)| v).collect();
    let statistic = Stat::share_of(&values, &format!("C6 {scope}"));
    let mut v = Draft {
        id: "C6",
        scope,
        statement,
        measured: "share of seeds whose departure steps are non-decreasing in capacity (and last > first)",
        threshold: format!(
            "share in order > {C6_MIN_SHARE_IN_ORDER} (departure: I(F_t;Y) - mu(F_t;C_k) > {C6_DEPARTURE_GAP_BITS} bits)"
        ),
    }
    .decided(
        per_seed,
        problems,
        statistic,
        Side::Above {
            threshold: C6_MIN_SHARE_IN_ORDER,
        },
        Side::AtLeast { threshold: 1.0 },
    );
    v.measured = format!(
        "{}; median departure steps {}; per seed ({}): {}",
        v.measured,
        named(&names, &medians),
        names.join(" / "),
        per_seed_departures(seeds, &dep)
    );
    v
}

/// The departure step of every seed from every reference; a reference that never departs
/// departs "after the end" (+infinity).
pub(super) fn departures(seeds: &[HierarchySeed]) -> Vec<Vec<f64>> {
    seeds
        .iter()
        .map(|s| {
            s.references
                .iter()
                .map(
                    |(_, mu)| match departure(&s.i_fy, mu, C6_DEPARTURE_GAP_BITS) {
                        Some(t) => s.steps.get(t).map_or(f64::INFINITY, |&x| x as f64),
                        None => f64::INFINITY,
                    },
                )
                .collect()
        })
        .collect()
}

/// `name=value, ...`.
pub(super) fn named(names: &[&str], values: &[f64]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(n, m)| format!("{n}={}", step(*m)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every seed's departures, not only its 0/1 (a departure that never comes reads "none"):
/// `seed: a / b / c; ...`.
pub(super) fn per_seed_departures(seeds: &[HierarchySeed], dep: &[Vec<f64>]) -> String {
    let steps = |d: &[f64]| d.iter().map(|&x| step(x)).collect::<Vec<_>>().join(" / ");
    seeds
        .iter()
        .zip(dep)
        .map(|(s, d)| format!("{}: {}", s.seed, steps(d)))
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::fixtures::*;
    use crate::claims::Outcome;

    #[test]
    fn c6_passes_on_increasing_departures_and_fails_otherwise() {
        let s = vec![hier(&[2, 4, 9]); 3];
        let v = c6_hierarchy("h", &s, 3);
        assert_eq!(v.outcome, Outcome::Holds);
        // Every seed's departure steps are in the verdict, a missing one as "none".
        assert!(
            v.measured
                .contains("per seed (c0 / c1 / c2): 0: 20 / 40 / none"),
            "{}",
            v.measured
        );
        let s = vec![hier(&[5, 3, 2]); 3];
        assert!(c6_hierarchy("h", &s, 3).failed());
        let s = vec![hier(&[3, 3]); 3];
        assert!(c6_hierarchy("h", &s, 3).failed());
        // Two seeds of three in order: the share's interval straddles one half.
        let s = vec![hier(&[2, 4, 9]), hier(&[2, 4, 9]), hier(&[5, 3, 2])];
        let v = c6_hierarchy("h", &s, 3);
        assert!(v.undecided(), "{v:?}");
        assert!((v.statistic.unwrap().value - 2.0 / 3.0).abs() < 1e-12);
    }
}
