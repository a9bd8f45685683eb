//! From finished run folders to curves, verdicts, figures and the report.
//!
//! Evaluation only reads run folders (from one or several output folders, e.g. the shards of a
//! cluster job array), so `sgdc report DIR...` and `sgdc verify` produce the same report from the
//! same runs.

use super::experiment::{Experiment, Kind, Tier};
use super::locate::*;
use super::seeds::*;
use super::task_figures;
use crate::claims::{self, SeedRun, Verdict};
use crate::error::Result;
use crate::report::{Report, Section};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Inputs of an evaluation.
pub struct Evaluation<'a> {
    /// The experiments.
    pub experiments: &'a [Experiment],
    /// Tier.
    pub tier: Tier,
    /// Seeds to use instead of each tier's seeds.
    pub seeds: Option<&'a [u64]>,
    /// Output folders holding `runs/` (several: shards).
    pub dirs: &'a [PathBuf],
    /// Experiments skipped, with the reason.
    pub skipped: BTreeMap<String, String>,
    /// Where the report goes.
    pub report_dir: PathBuf,
    /// The command that produced the report.
    pub command: String,
    /// The theory module's C8 verdict, when built.
    pub theory: Option<Verdict>,
    /// The trajectory model's C11 verdict, when built (reported with C8).
    pub trajectory: Option<Verdict>,
    /// Whether to add the claims over all experiments (C8, C9, C10); off for a single
    /// experiment (`sgdc run`).
    pub aggregate: bool,
}

pub(super) fn run_command(e: &Experiment, tier: Tier, seeds: &[u64]) -> String {
    // An experiment outside the default folder (your own, e.g. examples/own-data/) is found by
    // its path, not its name.
    let in_default_folder = e
        .path
        .parent()
        .is_none_or(|p| p.as_os_str().is_empty() || p == Path::new("experiments"));
    let which = if in_default_folder {
        e.experiment.name.clone()
    } else {
        e.path.display().to_string()
    };
    format!(
        "sgdc run {} --tier {} --seeds {}",
        which,
        tier.name(),
        seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    )
}

/// A per-task claim: scope, per-seed runs, minimum seeds.
pub(super) type ClaimFn = fn(&str, &[SeedRun], usize) -> Verdict;

pub(super) fn claim_fn(id: &str) -> Option<ClaimFn> {
    Some(match id {
        "C1" => claims::c1_toy,
        "C2" => claims::c2_linear_first,
        "C3" => claims::c3_split_at_l,
        "C4" => claims::c4_beyond_linear,
        "C5" => claims::c5_retention,
        _ => return None,
    })
}

/// The verdicts so far, and the per-task groups that claims C9 and C10 aggregate.
#[derive(Default)]
pub(super) struct Tally {
    pub(super) verdicts: Vec<Verdict>,
    pub(super) c9_groups: Vec<(String, Vec<Verdict>)>,
    pub(super) c10_groups: Vec<(String, Vec<Verdict>)>,
}

/// Evaluate every experiment and write the report; returns it.
pub fn evaluate(ev: &Evaluation) -> Result<Report> {
    let mut tally = Tally::default();
    let mut sections = Vec::new();
    for e in ev.experiments {
        sections.push(evaluate_experiment(e, ev, &mut tally)?);
    }
    let mut verdicts = tally.verdicts;
    if ev.aggregate {
        verdicts.push(claims::c8_theory(ev.theory.clone()));
        verdicts.push(ev.trajectory.clone().unwrap_or_else(|| {
            Verdict::skipped(
                "C11",
                "theory",
                crate::verify::C11_STATEMENT,
                "not evaluated",
            )
        }));
        if !tally.c9_groups.is_empty() {
            verdicts.push(claims::c9_tasks(&tally.c9_groups));
        }
        if !tally.c10_groups.is_empty() {
            verdicts.push(claims::c10_sweep(&tally.c10_groups));
        }
    }
    let report = Report {
        tier: ev.tier.name().into(),
        command: ev.command.clone(),
        verdicts,
        sections,
    };
    crate::report::write(&ev.report_dir, &report)?;
    Ok(report)
}

/// What one experiment contributes: its section of the report, its verdicts into `tally`.
pub(super) fn evaluate_experiment(
    e: &Experiment,
    ev: &Evaluation,
    tally: &mut Tally,
) -> Result<Section> {
    let m = &e.experiment;
    let own = own_seeds(e, ev);
    let mut section = Section {
        name: m.name.clone(),
        title: m.title.clone(),
        note: m.note.clone(),
        command: run_command(e, ev.tier, &own),
        summaries: Vec::new(),
        figures: Vec::new(),
        manifests: Vec::new(),
    };
    if let Some(reason) = ev.skipped.get(&m.name) {
        section.note = format!("{} Skipped: {reason}", section.note);
        skip_claims(e, ev, reason, tally);
        return Ok(section);
    }
    let d = decide_experiment(e, ev)?;
    let fig_cmd = format!(
        "{} --out OUT && sgdc report OUT (figure: report/figures/)",
        section.command
    );
    for ds in &d.sets {
        set_section(e, ev, ds, &fig_cmd, &mut section)?;
        let scope = scope_of(e, &ds.set);
        match m.kind {
            Kind::Sweep => tally.c10_groups.push((scope, ds.verdicts.clone())),
            Kind::Task if counts_for_c9(e) => tally.c9_groups.push((
                scope,
                ds.verdicts
                    .iter()
                    .filter(|v| ["C2", "C3", "C4", "C5"].contains(&v.id.as_str()))
                    .cloned()
                    .collect(),
            )),
            _ => {}
        }
        tally.verdicts.extend(ds.verdicts.iter().cloned());
    }
    if let Some(c6) = d.c6 {
        if !d.hierarchy.is_empty() {
            section.figures.push(task_figures::hierarchy_figure(
                &ev.report_dir,
                &format!("{}-hierarchy", m.name),
                &m.title,
                &d.hierarchy,
                &fig_cmd,
            )?);
        }
        tally.verdicts.push(c6);
    }
    let added: Vec<u64> = d
        .sets
        .iter()
        .flat_map(|s| s.runs.iter().map(|(f, _)| f.seed))
        .chain(d.hierarchy.iter().map(|h| h.seed))
        .filter(|s| !d.own.contains(s))
        .collect();
    if !added.is_empty() {
        section.note.push_str(&format!(
            " Seeds added by the decision rule: {} (sgdc verify ran them for undecided claims).",
            claims::format::seed_ranges(&added)
        ));
    }
    // Every problem reaches the note, those found while evaluating the sets included.
    let problems = summarise(d.problems);
    if !problems.is_empty() {
        section.note = format!("{} Problems: {}.", section.note, problems.join("; "));
    }
    Ok(section)
}

/// A set's summary, figures and manifests in the experiment's section.
pub(super) fn set_section(
    e: &Experiment,
    ev: &Evaluation,
    ds: &DecidedSet,
    fig_cmd: &str,
    section: &mut Section,
) -> Result<()> {
    let m = &e.experiment;
    if ds.runs.is_empty() {
        return Ok(());
    }
    let runs: Vec<SeedRun> = ds.runs.iter().map(|(_, s)| s.clone()).collect();
    let (scope, title) = if ds.set == "main" {
        (m.name.clone(), m.title.clone())
    } else {
        (
            format!("{}/{}", m.name, ds.set),
            format!("{} ({})", m.title, ds.set),
        )
    };
    section.manifests.extend(
        ds.runs
            .iter()
            .filter_map(|(f, _)| serde_json::to_value(&f.manifest).ok()),
    );
    section.summaries.extend(summary(&scope, &title, &runs));
    let file = scope.replace('/', "-");
    section.figures.push(task_figures::task_figure(
        &ev.report_dir,
        &file,
        &title,
        &runs,
        fig_cmd,
    )?);
    let train = e.train_config(ev.tier);
    let is_2d = train
        .get("data")
        .and_then(|d| d.get("task"))
        .and_then(|t| t.as_str())
        == Some("disc-sinusoid");
    if m.kind == Kind::Task && is_2d {
        if let Some((f, r)) = ds.runs.first() {
            let name = format!("{file}-boundaries");
            let fig_title = format!("{title}: decision boundaries");
            match task_figures::boundary_figure(
                &ev.report_dir,
                &name,
                &fig_title,
                &train,
                &f.record,
                r,
                fig_cmd,
            ) {
                Ok(Some(fig)) => section.figures.push(fig),
                Ok(None) => {}
                Err(err) => section
                    .note
                    .push_str(&format!(" Decision-boundary figure not drawn: {err}.")),
            }
        }
    }
    Ok(())
}

/// At most four problems: the first three and a count of the rest.
pub(super) fn summarise(mut problems: Vec<String>) -> Vec<String> {
    if problems.len() > 4 {
        let more = problems.len() - 3;
        problems.truncate(3);
        problems.push(format!("and {more} more"));
    }
    problems
}

/// Whether this experiment's task verdicts enter claim C9.
pub(super) fn counts_for_c9(e: &Experiment) -> bool {
    e.experiment.counts_for_c9 && !e.experiment.variant
}

/// Every claim of a skipped experiment, marked skipped with the reason.
pub(super) fn skip_claims(e: &Experiment, ev: &Evaluation, reason: &str, tally: &mut Tally) {
    let m = &e.experiment;
    let vs: Vec<Verdict> = e
        .evaluated_claims()
        .iter()
        .map(|c| expect(e, ev, Verdict::skipped(c, &m.name, "", reason.to_string())))
        .collect();
    if m.kind == Kind::Task && counts_for_c9(e) {
        tally.c9_groups.push((m.name.clone(), vs.clone()));
    }
    tally.verdicts.extend(vs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::RunRecord;
    use crate::verify::reparam::store_reparam;
    use crate::verify::runs::{execute, plan, tests::Fake};
    use std::sync::atomic::AtomicUsize;

    const TOY: &str = r#"
[experiment]
name = "toy"
title = "Toy"
kind = "task"
claims = ["C2", "C3", "C4", "C5"]
reparam = true

[tiers.quick]
seeds = [1, 2, 3]

[tiers.full]
seeds = [1, 2, 3, 4, 5]

[train]
data = { task = "disc-sinusoid" }
"#;

    /// The verdict of claim `id` on `scope` (the test fails when there is none).
    fn verdict<'a>(r: &'a Report, id: &str, scope: &str) -> &'a Verdict {
        r.verdicts
            .iter()
            .find(|v| v.id == id && v.scope == scope)
            .unwrap_or_else(|| panic!("no {id} verdict on {scope}"))
    }

    /// The evaluation `sgdc verify` makes of the quick tier's runs in `dirs`.
    fn quick_evaluation<'a>(exps: &'a [Experiment], dirs: &'a [PathBuf]) -> Evaluation<'a> {
        Evaluation {
            experiments: exps,
            tier: Tier::Quick,
            seeds: None,
            dirs,
            skipped: BTreeMap::new(),
            report_dir: dirs[0].join("report"),
            command: "sgdc verify".into(),
            theory: None,
            trajectory: None,
            aggregate: true,
        }
    }

    #[test]
    fn a_task_with_references_gets_c6_and_an_empty_run_is_reported_not_indexed() {
        let d = tempfile::tempdir().unwrap();
        let text = TOY.replace("reparam = true", "").to_string()
            + "\n[[references]]\nname = \"linear\"\ntrain = { model = { kind = \"linear\" } }\n\n[[references]]\nname = \"mlp\"\ntrain = { model = { kind = \"mlp\", depth = 1, width = 8 } }\n";
        std::fs::write(d.path().join("toy.toml"), text).unwrap();
        let exps = super::super::experiment::load_dir(d.path()).unwrap();
        let out = d.path().join("out");
        let units = plan(&exps[0], Tier::Quick, None);
        assert!(units.iter().all(|u| u.len() == 3), "{units:?}");
        let fake = Fake {
            calls: AtomicUsize::new(0),
        };
        execute(&fake, &out, units.clone(), 2, 1, false);
        let ev = quick_evaluation(&exps, std::slice::from_ref(&out));
        let r = evaluate(&ev).unwrap();
        let c6 = verdict(&r, "C6", "toy");
        assert!(!matches!(c6.outcome, claims::Outcome::Skipped(_)), "{c6:?}");
        assert!(r.verdicts.iter().any(|v| v.id == "C5" && v.scope == "toy"));
        // A finished run folder without a single checkpoint: a problem in the report, and the
        // claims that needed it fail for too few seeds.
        let dir = out.join(&units[0][0].rel_dir);
        let empty = crate::training_curves::tests::record(400, 0.8, &[]);
        empty.save(&dir).unwrap();
        let mut m = crate::run::Manifest::load(&dir).unwrap();
        m.prediction_hash = Some(empty.prediction_hash());
        m.save(&dir).unwrap();
        let r = evaluate(&ev).unwrap();
        let c5 = verdict(&r, "C5", "toy");
        assert!(c5.failed(), "{c5:?}");
        let note = &r.sections[0].note;
        assert!(note.contains("no recorded checkpoints"), "{note}");
    }

    #[test]
    fn verify_end_to_end_on_synthetic_runs() {
        let d = tempfile::tempdir().unwrap();
        let exp_path = d.path().join("toy.toml");
        std::fs::write(&exp_path, TOY).unwrap();
        let mut sweep = TOY
            .replace("name = \"toy\"", "name = \"sweep\"")
            .replace("kind = \"task\"", "kind = \"sweep\"")
            .replace("reparam = true", "");
        sweep.push_str("\n[[settings]]\nname = \"a\"\n[[settings]]\nname = \"b\"\ntrain = { optim = { lr = 1.0 } }\n");
        std::fs::write(d.path().join("sweep.toml"), sweep).unwrap();
        let exps = super::super::experiment::load_dir(d.path()).unwrap();
        let out = d.path().join("out");
        let fake = Fake {
            calls: AtomicUsize::new(0),
        };
        let units: Vec<_> = exps
            .iter()
            .flat_map(|e| plan(e, Tier::Quick, None))
            .collect();
        assert_eq!(units.len(), 9);
        execute(&fake, &out, units.clone(), 2, 1, false);
        // Reparameterisation results for the toy.
        let toy: Vec<_> = units.iter().filter(|u| u[0].experiment == "toy").collect();
        assert_eq!(toy.len(), 3);
        for u in &toy {
            let dir = out.join(&u[0].rel_dir);
            let rec = RunRecord::load(&dir).unwrap();
            let last = rec.last_test_row().unwrap().to_vec();
            store_reparam(&dir, &last, &last).unwrap();
        }
        let ev = quick_evaluation(&exps, std::slice::from_ref(&out));
        let r = evaluate(&ev).unwrap();
        let ids: Vec<&str> = r.verdicts.iter().map(|v| v.id.as_str()).collect();
        assert!(ids.contains(&"C7") && ids.contains(&"C8") && ids.contains(&"C10"));
        let c7 = r.verdicts.iter().find(|v| v.id == "C7").unwrap();
        assert_eq!(c7.scope, "toy");
        assert_eq!(c7.outcome, claims::Outcome::Holds);
        assert!(out.join("report/index.html").is_file());
        assert!(out.join("report/figures/toy.png").is_file());
        assert!(out.join("report/figures/sweep-a.svg").is_file());
        // A missing seed makes the toy's claims fail (too few seeds), never pass silently.
        std::fs::remove_dir_all(out.join(&toy[0][0].rel_dir)).unwrap();
        let r = evaluate(&ev).unwrap();
        let c5 = verdict(&r, "C5", "toy");
        assert!(c5.failed(), "{c5:?}");
        // A skipped experiment reports skipped claims.
        let mut skipped = BTreeMap::new();
        skipped.insert("toy".to_string(), "data absent".to_string());
        let r = evaluate(&Evaluation { skipped, ..ev }).unwrap();
        assert!(r
            .verdicts
            .iter()
            .filter(|v| v.scope == "toy")
            .all(|v| matches!(v.outcome, claims::Outcome::Skipped(_))));
    }
}
