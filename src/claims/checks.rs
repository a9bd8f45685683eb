//! C1-C10: one function per claim.

use super::decide::{Decision, Side};
use super::format::{num, step, DECIMALS};
use super::thresholds::*;
use super::{Outcome, Stat, Verdict};
use crate::curves::Curves;

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

fn gap_curves(c: &Curves) -> (Vec<f64>, Vec<f64>) {
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

fn no_runs(id: &str, scope: &str, statement: &str) -> Verdict {
    Verdict::skipped(id, scope, statement, "no finished runs")
}

struct Draft<'a> {
    id: &'a str,
    scope: &'a str,
    statement: &'a str,
    measured: &'a str,
    threshold: String,
}

impl Draft<'_> {
    /// Finish a verdict decided on the interquartile mean of the per-seed values and its
    /// bootstrap interval (see [`super::decide`]); `problems` are per-seed failures of a
    /// requirement of the claim, which fail it whatever the statistic.
    fn finish(self, per_seed: Vec<(u64, f64)>, problems: Vec<String>, side: Side) -> Verdict {
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
    fn decided(
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
fn outcome_of(s: &Stat, side: Side) -> Outcome {
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

fn too_few_seeds(runs: usize, min_seeds: usize) -> Vec<String> {
    if runs < min_seeds {
        vec![format!("only {runs} seeds, at least {min_seeds} required")]
    } else {
        Vec::new()
    }
}

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

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

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
fn departures(seeds: &[HierarchySeed]) -> Vec<Vec<f64>> {
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
fn named(names: &[&str], values: &[f64]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(n, m)| format!("{n}={}", step(*m)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every seed's departures, not only its 0/1 (a departure that never comes reads "none"):
/// `seed: a / b / c; ...`.
fn per_seed_departures(seeds: &[HierarchySeed], dep: &[Vec<f64>]) -> String {
    let steps = |d: &[f64]| d.iter().map(|&x| step(x)).collect::<Vec<_>>().join(" / ");
    seeds
        .iter()
        .zip(dep)
        .map(|(s, d)| format!("{}: {}", s.seed, steps(d)))
        .collect::<Vec<_>>()
        .join("; ")
}

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

/// C8: retention in the simplified model, from the theory simulator. Until the simulator exists
/// this is skipped, never passed.
pub fn c8_theory(from_theory: Option<Verdict>) -> Verdict {
    from_theory.unwrap_or_else(|| {
        Verdict::skipped(
            "C8",
            "theory",
            "theory: retention in the simplified model",
            "theory simulator not built yet",
        )
    })
}

fn across(
    id: &str,
    statement: &str,
    what: &str,
    groups: &[(String, Vec<Verdict>)],
    min_groups: usize,
) -> Verdict {
    let mut failed = Vec::new();
    let mut undecided = Vec::new();
    let mut evaluated = 0usize;
    let mut per_group = Vec::new();
    for (name, vs) in groups {
        // Over the paper's claims on each group: findings are reported on their own.
        let vs: Vec<&Verdict> = vs.iter().filter(|v| !v.is_finding()).collect();
        if vs.is_empty() || vs.iter().all(|v| matches!(v.outcome, Outcome::Skipped(_))) {
            continue;
        }
        evaluated += 1;
        let ids = |f: &dyn Fn(&Verdict) -> bool| -> Vec<&str> {
            vs.iter().filter(|v| f(v)).map(|v| v.id.as_str()).collect()
        };
        let holding = ids(&|v| v.outcome == Outcome::Holds).len();
        per_group.push((name.clone(), holding as f64 / vs.len() as f64));
        let bad = ids(&|v| !matches!(v.outcome, Outcome::Holds | Outcome::Undecided(_)));
        if !bad.is_empty() {
            failed.push(format!("{name}: {} not holding", bad.join(", ")));
        }
        let open = ids(&Verdict::undecided);
        if !open.is_empty() {
            undecided.push(format!("{name}: {} undecided", open.join(", ")));
        }
    }
    if evaluated < min_groups {
        let reason = format!("only {evaluated} {what} evaluated, at least {min_groups} required");
        if evaluated == 0 {
            return Verdict::skipped(id, "", statement, reason);
        }
        failed.push(reason);
    }
    let names: Vec<&str> = groups.iter().map(|(n, _)| n.as_str()).collect();
    let outcome = if !failed.is_empty() {
        Outcome::Fails(failed.join("; "))
    } else if !undecided.is_empty() {
        Outcome::Undecided(undecided.join("; "))
    } else {
        Outcome::Holds
    };
    Verdict {
        measured: "fraction of the paper's claims holding, per group".into(),
        threshold: format!("all hold on every {what} ({})", names.join(", ")),
        per_group,
        outcome,
        ..Verdict::skipped(id, "", statement, "")
    }
}

/// C9: C2-C5 hold on several real and synthetic tasks. `tasks` holds each task's C2-C5 verdicts;
/// a task whose verdicts are all skipped (e.g. data absent) is not counted.
pub fn c9_tasks(tasks: &[(String, Vec<Verdict>)]) -> Verdict {
    across(
        "C9",
        "C2-C5 hold on several real and synthetic tasks",
        "tasks",
        tasks,
        C9_MIN_TASKS,
    )
}

/// C10: C2 and C5 hold across a sweep of learning rates, batch sizes and widths.
pub fn c10_sweep(settings: &[(String, Vec<Verdict>)]) -> Verdict {
    across(
        "C10",
        "C2 and C5 hold across architecture and optimiser settings",
        "settings",
        settings,
        C10_MIN_SETTINGS,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curves::{CurvePoint, NullFloor};

    /// Hand-built curves: (I(F_t;Y), mu, train acc) per checkpoint, level I(L;Y).
    fn curves(i_ly: f64, pts: &[(f64, f64, f64)]) -> Curves {
        Curves {
            points: pts
                .iter()
                .enumerate()
                .map(|(t, &(i, mu, tr))| CurvePoint {
                    step: 1 << t,
                    epoch: t as f64,
                    train_acc: Some(tr),
                    test_acc: 0.85,
                    agreement: 0.95,
                    i_fy_test: i,
                    i_fy_train: Some(i),
                    mu,
                    i_fy_given_l: i - mu,
                    i_ly_given_f: i_ly - mu,
                })
                .collect(),
            i_ly,
            linear_test_acc: 0.8,
            linear_train_acc: 0.8,
            noise_rate: 0.1,
            floor: NullFloor {
                permutations: 5,
                i_fy: 0.001,
                mu_abs: 0.001,
            },
        }
    }

    /// The paper's shape: mu tracks I(F;Y) up to L's level, then plateaus near I(L;Y).
    fn good() -> Curves {
        curves(
            0.3,
            &[
                (0.0, 0.0, 0.5),
                (0.1, 0.09, 0.6),
                (0.25, 0.23, 0.7),
                (0.32, 0.25, 0.8),
                (0.5, 0.28, 0.95),
                (0.6, 0.27, 1.0),
            ],
        )
    }

    fn runs(c: Curves, n: usize) -> Vec<SeedRun> {
        (0..n)
            .map(|s| SeedRun {
                seed: s as u64,
                curves: c.clone(),
                gap_interval: Some((0.3, 0.36)),
            })
            .collect()
    }

    #[test]
    fn t0_is_first_gap_above_threshold() {
        assert_eq!(t0_index(&good()), Some(3));
        assert_eq!(departure(&[0.1, 0.2], &[0.1, 0.2], 0.05), None);
    }

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
    fn too_few_seeds_fails() {
        let v = c5_retention("t", &runs(good(), 2), 3);
        assert!(v.failed(), "{v:?}");
    }

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
    fn checkpoints_below_chance_are_not_in_the_linear_phase() {
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
    fn running_median_needs_two_of_three() {
        assert_eq!(running_median3(&[1.0, 0.0, 1.0, 1.0]), vec![1.0, 1.0]);
        assert_eq!(running_median3(&[1.0, 0.0, 0.0, 1.0]), vec![0.0, 0.0]);
        assert!((running_median3(&[0.2, 0.4])[0] - 0.3).abs() < 1e-12);
        assert!(running_median3(&[]).is_empty());
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
    fn seeds_without_a_measurable_checkpoint_are_left_out_up_to_a_quarter() {
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

    #[test]
    fn one_low_seed_leaves_a_claim_undecided_until_more_seeds_decide_it() {
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

    fn hier(deps: &[usize]) -> HierarchySeed {
        let n = 8;
        let i_fy: Vec<f64> = (0..n).map(|t| t as f64 * 0.1).collect();
        let references = deps
            .iter()
            .enumerate()
            .map(|(k, &d)| {
                let mu = i_fy
                    .iter()
                    .enumerate()
                    .map(|(t, &i)| if t < d { i } else { i - 0.1 })
                    .collect();
                (format!("c{k}"), mu)
            })
            .collect();
        HierarchySeed {
            seed: 0,
            steps: (0..n as i64).map(|t| 10 * t).collect(),
            i_fy,
            references,
        }
    }

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

    #[test]
    fn c8_is_skipped_until_built_and_never_passes() {
        assert!(matches!(c8_theory(None).outcome, Outcome::Skipped(_)));
    }

    #[test]
    fn c9_c10_need_every_evaluated_group_to_pass() {
        let r = runs(good(), 3);
        let pass = vec![c2_linear_first("a", &r, 3), c5_retention("a", &r, 3)];
        let mut bad = pass.clone();
        bad[1].outcome = Outcome::Fails("x".into());
        let skipped = vec![Verdict::skipped("C2", "c", "", "data absent")];
        let g = |v: &[(&str, &Vec<Verdict>)]| -> Vec<(String, Vec<Verdict>)> {
            v.iter()
                .map(|(n, x)| (n.to_string(), (*x).clone()))
                .collect()
        };
        assert_eq!(
            c9_tasks(&g(&[("a", &pass), ("b", &pass), ("c", &skipped)])).outcome,
            Outcome::Holds
        );
        let mixed = c9_tasks(&g(&[("a", &pass), ("b", &bad), ("c", &skipped)]));
        assert!(mixed.failed());
        // Each evaluated task's fraction is shown under its name, never as a seed.
        assert_eq!(
            mixed.per_group,
            vec![("a".to_string(), 1.0), ("b".to_string(), 0.5)]
        );
        assert!(mixed.per_seed.is_empty());
        assert_eq!(
            crate::claims::format::values_cell(&mixed),
            "a: 1.000, b: 0.500"
        );
        assert!(c10_sweep(&g(&[("a", &pass), ("c", &skipped)])).failed());
        // An undecided claim leaves the claim over tasks undecided; a finding does not count.
        let mut open = pass.clone();
        open[0].outcome = Outcome::Undecided("x".into());
        assert!(c9_tasks(&g(&[("a", &pass), ("b", &open)])).undecided());
        let mut finding = bad.clone();
        finding[1].expected =
            crate::claims::Expectation::finding(crate::claims::Expected::Fails, "r");
        assert_eq!(
            c9_tasks(&g(&[("a", &pass), ("b", &finding)])).outcome,
            Outcome::Holds
        );
        assert!(matches!(
            c10_sweep(&g(&[("c", &skipped)])).outcome,
            Outcome::Skipped(_)
        ));
    }
}
