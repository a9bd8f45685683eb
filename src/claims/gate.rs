//! The gate: every verdict against its expected outcome, and the headline that leads the report.
//!
//! `sgdc verify` exits 0 when every evaluated claim has its expected outcome: the paper's claims
//! hold, and every finding has the outcome its experiment file pins. It exits 1 when a paper
//! claim fails, when a claim is still undecided (at the seed cap, or with its added seeds not
//! run), or when a finding's outcome changed, in either direction: a finding that starts to hold
//! is news that the documentation must take in, like a strict expected failure.

use super::format::{num, seed_ranges, stat_cell, DECIMALS};
use super::thresholds::SEED_CAP;
use super::{Expected, Outcome, Verdict};

/// Why one verdict does not pass the gate, naming the claim, its statistic and the runs that
/// miss the claim's threshold.
pub fn mismatch(v: &Verdict) -> Option<String> {
    if v.as_expected() {
        return None;
    }
    let stat = stat_cell(v);
    let seeds = v.per_seed.len();
    let what = match (&v.outcome, v.is_finding(), v.expected.outcome) {
        (Outcome::Fails(r), false, _) => format!("a claim of the paper FAILS: {r}"),
        (Outcome::Undecided(r), _, _) => {
            let cap = if seeds >= SEED_CAP {
                format!(" at the cap of {SEED_CAP} seeds: the miniature is too noisy to decide it")
            } else {
                String::new()
            };
            format!("undecided{cap}: {r}")
        }
        (o, true, Expected::Fails) => format!(
            "a finding expected to fail now {} ({}); take it into docs/verify.md and the experiment file's [findings]",
            o.label(),
            o.reason()
        ),
        (o, _, e) => format!("expected {}, got {} ({})", e.name(), o.label(), o.reason()),
    };
    let mut msg = format!("{}: {what}", v.name());
    if v.statistic.is_some() {
        msg.push_str(&format!("; statistic {stat} over {seeds} seeds"));
    }
    let off = off_runs(v);
    if !off.is_empty() {
        msg.push_str(&format!("; runs off the threshold: {}", off.join(", ")));
    }
    Some(msg)
}

/// The runs whose own value misses the claim's threshold, `seed 2 (0.612): runs/...`.
fn off_runs(v: &Verdict) -> Vec<String> {
    let Some(side) = v.seed_side else {
        return Vec::new();
    };
    v.per_seed
        .iter()
        .enumerate()
        .filter(|(_, (_, x))| !side.accepts(*x))
        .map(|(i, (seed, x))| match v.runs.get(i) {
            Some(dir) => format!("seed {seed} ({}): {dir}", num(*x, DECIMALS)),
            None => format!("seed {seed} ({})", num(*x, DECIMALS)),
        })
        .collect()
}

/// Every verdict that does not pass the gate, with why.
pub fn mismatches(verdicts: &[Verdict]) -> Vec<String> {
    verdicts.iter().filter_map(mismatch).collect()
}

/// Whether every verdict has its expected outcome.
pub fn passes(verdicts: &[Verdict]) -> bool {
    verdicts.iter().all(Verdict::as_expected)
}

/// The report's first line: the paper's claims holding, failing and undecided, the findings as
/// expected or changed, and the seeds used.
pub fn headline(verdicts: &[Verdict]) -> String {
    let count = |f: &dyn Fn(&Verdict) -> bool| verdicts.iter().filter(|v| f(v)).count();
    let paper = |v: &Verdict| !v.is_finding() && !matches!(v.outcome, Outcome::Skipped(_));
    let holds = count(&|v| paper(v) && v.outcome == Outcome::Holds);
    let fails = count(&|v| paper(v) && v.failed());
    let undecided = count(&|v| paper(v) && v.undecided());
    let finding = |v: &Verdict| v.is_finding() && !matches!(v.outcome, Outcome::Skipped(_));
    let as_expected = count(&|v| finding(v) && v.as_expected());
    let changed = count(&|v| finding(v) && !v.as_expected());
    let skipped = count(&|v| matches!(v.outcome, Outcome::Skipped(_)));
    let gate = if passes(verdicts) { "PASS" } else { "FAIL" };
    let mut line = format!(
        "{gate}: paper claims {holds} hold, {fails} fail, {undecided} undecided; findings {as_expected} as expected, {changed} changed"
    );
    if skipped > 0 {
        line.push_str(&format!("; {skipped} skipped"));
    }
    line.push_str(&format!("; seeds {}", seeds_used(verdicts)));
    line
}

/// The seeds the claims over seeds were decided with: the common set, and the claims that took
/// more (`1-3; 1-6 for C2 toy, C5 toy`).
fn seeds_used(verdicts: &[Verdict]) -> String {
    let sets: Vec<(String, Vec<u64>)> = verdicts
        .iter()
        .filter(|v| !v.per_seed.is_empty())
        .map(|v| (v.name(), v.per_seed.iter().map(|(s, _)| *s).collect()))
        .collect();
    let Some(min) = sets.iter().map(|(_, s)| s.len()).min() else {
        return "-".into();
    };
    let mut base: Vec<String> = sets
        .iter()
        .filter(|(_, s)| s.len() == min)
        .map(|(_, s)| seed_ranges(s))
        .collect();
    base.sort();
    base.dedup();
    let mut out = base.join(" / ");
    let mut more: Vec<(String, Vec<&str>)> = Vec::new();
    for (name, s) in sets.iter().filter(|(_, s)| s.len() > min) {
        let r = seed_ranges(s);
        match more.iter_mut().find(|(k, _)| *k == r) {
            Some((_, names)) => names.push(name),
            None => more.push((r, vec![name])),
        }
    }
    for (r, names) in more {
        out.push_str(&format!("; {r} for {}", names.join(", ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::decide::Side;
    use super::super::{Expectation, Stat};
    use super::*;

    fn verdict(id: &str, outcome: Outcome, expected: Expectation, seeds: &[u64]) -> Verdict {
        let values: Vec<f64> = seeds.iter().map(|&s| s as f64 / 10.0).collect();
        Verdict {
            statistic: Stat::iqm_of(&values, id),
            per_seed: seeds.iter().copied().zip(values).collect(),
            outcome,
            expected,
            runs: seeds
                .iter()
                .map(|s| format!("runs/toy/main/seed-{s}-k"))
                .collect(),
            seed_side: Some(Side::AtLeast { threshold: 0.25 }),
            ..Verdict::skipped(id, "toy", "s", "")
        }
    }

    #[test]
    fn the_gate_compares_outcomes_with_expectations() {
        let paper_ok = verdict("C2", Outcome::Holds, Expectation::default(), &[1, 2, 3]);
        let finding_ok = verdict(
            "C5",
            Outcome::Fails("below".into()),
            Expectation::finding(Expected::Fails, "noise in 2-D"),
            &[1, 2, 3, 4, 5, 6],
        );
        assert!(passes(&[paper_ok.clone(), finding_ok.clone()]));
        let h = headline(&[paper_ok.clone(), finding_ok.clone()]);
        assert!(
            h.starts_with(
                "PASS: paper claims 1 hold, 0 fail, 0 undecided; findings 1 as expected, 0 changed"
            ),
            "{h}"
        );
        assert!(h.ends_with("seeds 1-3; 1-6 for C5 toy"), "{h}");

        let broken = verdict(
            "C5",
            Outcome::Fails("IQM below".into()),
            Expectation::default(),
            &[1, 2, 3],
        );
        let m = mismatch(&broken).unwrap();
        assert!(m.starts_with("C5 toy: a claim of the paper FAILS"), "{m}");
        // Seeds 1 and 2 (0.1, 0.2) are below 0.25 and are named with their run folders.
        assert!(m.contains("seed 1 (0.100): runs/toy/main/seed-1-k"), "{m}");
        assert!(!m.contains("seed 3 ("), "{m}");

        let changed = verdict(
            "C6",
            Outcome::Holds,
            Expectation::finding(Expected::Fails, "r"),
            &[1, 2, 3],
        );
        assert!(mismatch(&changed)
            .unwrap()
            .contains("a finding expected to fail now holds"));
        let capped = verdict(
            "C2",
            Outcome::Undecided("straddles".into()),
            Expectation::default(),
            &(1..=12).collect::<Vec<_>>(),
        );
        assert!(mismatch(&capped)
            .unwrap()
            .contains("at the cap of 12 seeds"));
        assert!(headline(&[paper_ok, capped, changed]).starts_with(
            "FAIL: paper claims 1 hold, 0 fail, 1 undecided; findings 0 as expected, 1 changed"
        ));
        // A skipped claim is not gated.
        assert!(passes(&[Verdict::skipped("C2", "cifar10", "s", "no data")]));
    }
}
