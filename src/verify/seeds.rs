//! Which seeds each claim is decided on: the runs wanted per experiment set, and the claims decided
//! set by set, with more seeds for a claim left undecided (the decision rule of the thresholds).

use super::evaluate::*;
use super::experiment::Experiment;
use super::locate::*;
use super::reparam::*;
use super::runs::{plan_set, Unit};
use super::sequential;
use crate::claims::{self, HierarchySeed, SeedRun, Verdict};
use crate::error::Result;

/// The runs that undecided claims ask for and that are not in the output folders yet: the next
/// batch of seeds of every set with such a claim (with the hierarchy's references when C6 asks).
pub fn wanted_units(ev: &Evaluation) -> Result<Vec<Unit>> {
    let mut units = Vec::new();
    for e in ev.experiments {
        if ev.skipped.contains_key(&e.experiment.name) {
            continue;
        }
        for w in decide_experiment(e, ev)?.wants {
            units.extend(plan_set(e, ev.tier, &w.seeds, &w.set, w.references));
        }
    }
    Ok(units)
}

/// A batch of seeds that a set's undecided claims ask for.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Want {
    pub(super) set: String,
    pub(super) seeds: Vec<u64>,
    pub(super) references: bool,
}

impl Want {
    pub(super) fn add(wants: &mut Vec<Want>, set: &str, seeds: Vec<u64>, references: bool) {
        match wants.iter_mut().find(|w| w.set == set && w.seeds == seeds) {
            Some(w) => w.references |= references,
            None => wants.push(Want {
                set: set.into(),
                seeds,
                references,
            }),
        }
    }
}

/// One run set decided: its runs on the seeds any of its claims used (in sequence order) and
/// its verdicts.
pub(super) struct DecidedSet {
    pub(super) set: String,
    pub(super) runs: Vec<(Found, SeedRun)>,
    pub(super) verdicts: Vec<Verdict>,
}

/// An experiment decided: its sets, the hierarchy's seeds and C6, the batches its undecided
/// claims ask for, and the problems met on the way.
pub(super) struct Decided {
    pub(super) own: Vec<u64>,
    pub(super) sets: Vec<DecidedSet>,
    pub(super) hierarchy: Vec<HierarchySeed>,
    pub(super) c6: Option<Verdict>,
    pub(super) wants: Vec<Want>,
    pub(super) problems: Vec<String>,
}

/// The own seeds of an experiment at the evaluation's tier (`--seeds` when given).
pub(super) fn own_seeds(e: &Experiment, ev: &Evaluation) -> Vec<u64> {
    ev.seeds
        .map_or_else(|| e.tier(ev.tier).seeds.clone(), <[u64]>::to_vec)
}

/// Decide every claim of `e` over its seed sequence, from the runs in the output folders.
pub(super) fn decide_experiment(e: &Experiment, ev: &Evaluation) -> Result<Decided> {
    let own = own_seeds(e, ev);
    let seq = sequential::sequence(&own);
    let mut problems = Vec::new();
    let found = find_runs(e, ev, &own, &seq, &mut problems)?;
    let mut wants = Vec::new();
    let mut sets = Vec::new();
    for (set, runs) in found.sets {
        let (verdicts, used) = decide_set(e, ev, &set, &runs, &seq, own.len(), &mut wants);
        let runs: Vec<(Found, SeedRun)> = runs
            .into_iter()
            .filter(|(f, _)| used.contains(&f.seed))
            .collect();
        sets.push(DecidedSet {
            set,
            runs,
            verdicts,
        });
    }
    let mut hierarchy = found.hierarchy;
    let c6 = e
        .has_hierarchy()
        .then(|| {
            let s = sequential::decide(
                &seq,
                own.len(),
                |seed| hierarchy.iter().any(|h| h.seed == seed),
                |seeds| {
                    let hs: Vec<HierarchySeed> = seeds
                        .iter()
                        .filter_map(|s| hierarchy.iter().find(|h| h.seed == *s).cloned())
                        .collect();
                    claims::c6_hierarchy(&e.experiment.name, &hs, ev.tier.min_seeds())
                },
            );
            if let Some(b) = s.wants {
                Want::add(&mut wants, "main", b, true);
            }
            hierarchy.retain(|h| s.seeds.contains(&h.seed));
            s.verdict
        })
        .map(|mut v| {
            if hierarchy.is_empty() {
                v.outcome = claims::Outcome::Fails(format!(
                    "no finished hierarchy runs ({})",
                    summarise(problems.clone()).join("; ")
                ));
            }
            expect(e, ev, v)
        });
    Ok(Decided {
        own,
        sets,
        hierarchy,
        c6,
        wants,
        problems,
    })
}

/// Give a verdict its expected outcome and variant flag from the experiment file.
pub(super) fn expect(e: &Experiment, ev: &Evaluation, mut v: Verdict) -> Verdict {
    v.expected = e.expectation(ev.tier, &v.id);
    v.variant = e.experiment.variant;
    v
}

/// The scope of a set's claims: the experiment, or `experiment/setting` for a sweep.
pub(super) fn scope_of(e: &Experiment, set: &str) -> String {
    if set == "main" {
        e.experiment.name.clone()
    } else {
        format!("{}/{set}", e.experiment.name)
    }
}

/// The per-task claims of one set, each over its own prefix of the seed sequence, and C7 over
/// the own seeds; returns the verdicts and the seeds any of them used.
pub(super) fn decide_set(
    e: &Experiment,
    ev: &Evaluation,
    set: &str,
    runs: &[(Found, SeedRun)],
    seq: &[u64],
    own: usize,
    wants: &mut Vec<Want>,
) -> (Vec<Verdict>, Vec<u64>) {
    let scope = scope_of(e, set);
    let min = ev.tier.min_seeds();
    let mut used: Vec<u64> = seq[..own.min(seq.len())].to_vec();
    let mut verdicts = Vec::new();
    let by_seed = |seeds: &[u64]| -> Vec<&(Found, SeedRun)> {
        seeds
            .iter()
            .filter_map(|s| runs.iter().find(|(f, _)| f.seed == *s))
            .collect()
    };
    for id in e.evaluated_claims() {
        let Some(f) = claim_fn(&id) else { continue };
        let s = sequential::decide(
            seq,
            own,
            |seed| runs.iter().any(|(f, _)| f.seed == seed),
            |seeds| {
                let rs: Vec<SeedRun> = by_seed(seeds).into_iter().map(|(_, r)| r.clone()).collect();
                f(&scope, &rs, min)
            },
        );
        if let Some(b) = s.wants {
            Want::add(wants, set, b, false);
        }
        let mut v = s.verdict;
        v.runs = by_seed(&s.seeds)
            .iter()
            .map(|(f, _)| f.rel.clone())
            .collect();
        if runs.is_empty() {
            v.outcome = claims::Outcome::Fails("no finished runs".into());
        }
        for seed in s.seeds {
            if !used.contains(&seed) {
                used.push(seed);
            }
        }
        verdicts.push(expect(e, ev, v));
    }
    if e.experiment.reparam {
        let own_runs: Vec<&(Found, SeedRun)> = by_seed(&seq[..own.min(seq.len())]);
        verdicts.push(expect(e, ev, reparam_claim(&scope, &own_runs, min)));
    }
    (verdicts, used)
}
