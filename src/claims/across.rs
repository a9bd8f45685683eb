//! C8-C10, claims across experiments: the theory (C8), the tasks (C9) and the sweep (C10), each
//! holding when every evaluated group holds.

use super::thresholds::*;
use super::{Outcome, Verdict};

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

pub(super) fn across(
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
    use crate::claims::fixtures::*;
    use crate::claims::{c2_linear_first, c5_retention, Outcome};

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
