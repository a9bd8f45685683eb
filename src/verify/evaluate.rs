//! From finished run folders to curves, verdicts, figures and the report.
//!
//! Evaluation only reads run folders (from one or several output folders, e.g. the shards of a
//! cluster job array), so `sgdc report DIR...` and `sgdc verify` produce the same report from the
//! same runs.

use super::experiment::{Experiment, Kind, Tier};
use super::runs::{inspect, plan, FolderState, Job};
use crate::claims::{self, HierarchySeed, ReparamSeed, SeedRun, Verdict};
use crate::curves::{self, CurveOptions, Curves};
use crate::error::{Error, Result};
use crate::info::Estimator;
use crate::report::figures::{write_curve_figure, Band, CurveFigure};
use crate::report::{FigureRef, Report, Section, TaskSummary};
use crate::run::{atomic::write_atomic, Manifest, RunRecord};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Name of the file, inside a run folder, that holds the reparameterisation check.
pub const REPARAM_FILE: &str = "verify-reparam.json";

/// The stored result of the reparameterisation check of one run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ReparamResult {
    /// Fraction of test predictions that changed.
    pub disagreement: f64,
    /// mu(F;L) of the original final network.
    pub mu_original: f64,
    /// mu(F';L) of the reparameterised one.
    pub mu_reparam: f64,
}

/// Compute and store the reparameterisation check of a finished run from the two prediction
/// vectors (original, reparameterised) on its test set.
pub fn store_reparam(run: &Path, original: &[u8], reparam: &[u8]) -> Result<ReparamResult> {
    let rec = RunRecord::load(run)?;
    let k = 2usize.max(
        rec.y_test
            .iter()
            .chain(original)
            .chain(reparam)
            .copied()
            .max()
            .unwrap_or(1) as usize
            + 1,
    );
    let m0 = curves::measures(
        original,
        &rec.linear_test,
        &rec.y_test,
        k,
        Estimator::Plugin,
    )?;
    let m1 = curves::measures(reparam, &rec.linear_test, &rec.y_test, k, Estimator::Plugin)?;
    let changed = original.iter().zip(reparam).filter(|(a, b)| a != b).count();
    let r = ReparamResult {
        disagreement: changed as f64 / original.len().max(1) as f64,
        mu_original: m0.mu,
        mu_reparam: m1.mu,
    };
    let bytes = serde_json::to_vec_pretty(&r).map_err(|e| Error::BadFile {
        path: run.join(REPARAM_FILE),
        reason: e.to_string(),
    })?;
    write_atomic(&run.join(REPARAM_FILE), &bytes)?;
    Ok(r)
}

/// A finished run found in one of the output folders.
struct Found {
    seed: u64,
    dir: PathBuf,
    record: RunRecord,
    manifest: Manifest,
}

fn locate(dirs: &[PathBuf], j: &Job, problems: &mut Vec<String>) -> Option<Found> {
    for d in dirs {
        let dir = d.join(&j.rel_dir);
        match inspect(&dir) {
            FolderState::Complete => {
                let (Ok(record), Ok(manifest)) = (RunRecord::load(&dir), Manifest::load(&dir))
                else {
                    continue;
                };
                // Every statistic reads the last checkpoint: a finished run without one is
                // reported, never indexed.
                if record.is_empty() {
                    problems.push(format!("{}: no recorded checkpoints", dir.display()));
                    return None;
                }
                return Some(Found {
                    seed: j.seed,
                    dir,
                    record,
                    manifest,
                });
            }
            FolderState::Corrupt(why) => problems.push(format!("corrupted run folder: {why}")),
            FolderState::Unfinished(s) => {
                problems.push(format!("{}: unfinished ({s:?})", dir.display()))
            }
            FolderState::Missing => {}
        }
    }
    problems.push(format!("missing run {}", j.rel_dir.display()));
    None
}

fn seed_run(f: &Found) -> Result<SeedRun> {
    let opts = CurveOptions {
        seed: f.seed,
        ..CurveOptions::default()
    };
    let c = curves::compute(&f.record, &opts)?;
    let gap = curves::bootstrap_gap(
        f.record.last_test_row()?,
        &f.record.linear_test,
        &f.record.y_test,
        claims::thresholds::C4_BOOTSTRAP_RESAMPLES,
        claims::thresholds::C4_BOOTSTRAP_LEVEL,
        f.seed,
    )?;
    Ok(SeedRun {
        seed: f.seed,
        curves: c,
        gap_interval: Some(gap),
    })
}

fn median_i64(v: &mut [i64]) -> Option<i64> {
    v.sort_unstable();
    v.get(v.len() / 2).copied()
}

fn summary(name: &str, title: &str, runs: &[SeedRun]) -> Option<TaskSummary> {
    if runs.is_empty() {
        return None;
    }
    let per = |f: &dyn Fn(&Curves) -> f64| runs.iter().map(|r| f(&r.curves)).collect::<Vec<_>>();
    // Curves always have a point (computing them from an empty record is an error).
    let nan = crate::curves::CurvePoint {
        step: 0,
        epoch: 0.0,
        train_acc: None,
        test_acc: f64::NAN,
        agreement: f64::NAN,
        i_fy_test: f64::NAN,
        i_fy_train: None,
        mu: f64::NAN,
        i_fy_given_l: f64::NAN,
        i_ly_given_f: f64::NAN,
    };
    let last = |c: &Curves| c.last().copied().unwrap_or(nan);
    Some(TaskSummary {
        name: name.into(),
        title: title.into(),
        seeds: runs.iter().map(|r| r.seed).collect(),
        t0_steps: runs
            .iter()
            .map(|r| claims::t0_index(&r.curves).map(|t| r.curves.points[t].step))
            .collect(),
        noise_rate: per(&|c| c.noise_rate),
        i_ly: per(&|c| c.i_ly),
        final_mu: per(&|c| last(c).mu),
        final_retention: per(&|c| {
            if c.i_ly > 0.0 {
                last(c).mu / c.i_ly
            } else {
                f64::NAN
            }
        }),
        final_gap: per(&|c| last(c).i_fy_test - last(c).mu),
        train_acc: per(&|c| c.final_train_acc().unwrap_or(f64::NAN)),
        test_acc: per(&|c| last(c).test_acc),
        linear_test_acc: per(&|c| c.linear_test_acc),
    })
}

fn task_figure(
    report_dir: &Path,
    file: &str,
    title: &str,
    runs: &[SeedRun],
    command: &str,
) -> Result<FigureRef> {
    let seeds: Vec<&Curves> = runs.iter().map(|r| &r.curves).collect();
    let mut t0: Vec<i64> = runs
        .iter()
        .filter_map(|r| claims::t0_index(&r.curves).map(|t| r.curves.points[t].step))
        .collect();
    let i_ly = seeds.iter().map(|c| c.i_ly).sum::<f64>() / seeds.len() as f64;
    // The training set has its own, sparser schedule: its band runs over the checkpoints that
    // recorded it.
    let train: Vec<Vec<(i64, f64)>> = seeds
        .iter()
        .map(|c| {
            c.points
                .iter()
                .filter_map(|p| p.i_fy_train.map(|i| (p.step, i)))
                .collect()
        })
        .collect();
    let fig = CurveFigure {
        title: title.into(),
        y_label: "bits".into(),
        bands: vec![
            Band::over_seeds("I(F_t; Y_test)", &seeds, |c, t| c.points[t].i_fy_test),
            Band::over(
                "I(F_t; Y_train)",
                &train,
                |s| s.len(),
                |s, t| s[t].0,
                |s, t| s[t].1,
            ),
            Band::over_seeds("mu_Y(F_t; L)", &seeds, |c, t| c.points[t].mu),
        ],
        levels: vec![("I(L; Y)".into(), i_ly)],
        markers: median_i64(&mut t0)
            .map(|s| vec![(format!("T0 (median, step {s})"), s as f64 + 1.0)])
            .unwrap_or_default(),
    };
    write_curve_figure(&report_dir.join("figures").join(file), &fig)?;
    Ok(FigureRef::in_figures(
        file,
        format!(
            "{title}: I(F_t;Y_test), I(F_t;Y_train), mu_Y(F_t;L) and the level I(L;Y) against SGD steps (log axis); lines are means over {} seeds, shaded bands their range; dashed vertical line: median T0.",
            runs.len()
        ),
        command,
    ))
}

fn hierarchy_figure(
    report_dir: &Path,
    file: &str,
    title: &str,
    seeds: &[HierarchySeed],
    command: &str,
) -> Result<FigureRef> {
    let band = |label: &str, get: &dyn Fn(&HierarchySeed, usize) -> f64| {
        Band::over(label, seeds, |s| s.steps.len(), |s, t| s.steps[t], get)
    };
    let mut bands = vec![band("I(F_t; Y)", &|s, t| s.i_fy[t])];
    let names: Vec<String> = seeds[0].references.iter().map(|r| r.0.clone()).collect();
    for (k, name) in names.iter().enumerate() {
        bands.push(band(&format!("mu_Y(F_t; {name})"), &|s, t| {
            s.references[k].1[t]
        }));
    }
    let fig = CurveFigure {
        title: title.into(),
        y_label: "bits".into(),
        bands,
        levels: vec![],
        markers: vec![],
    };
    write_curve_figure(&report_dir.join("figures").join(file), &fig)?;
    Ok(FigureRef::in_figures(
        file,
        format!(
            "{title}: I(F_t;Y) and mu_Y(F_t;C_k) for reference classifiers C_k of increasing capacity trained to mimic the final network ({} seeds).",
            seeds.len()
        ),
        command,
    ))
}

/// Decision-boundary snapshots of a 2-D task (the Figure 1 toy): the test points coloured by the
/// prediction of L and of F_t at checkpoints spread over training (log-spaced in steps, T0
/// included), for the first seed. The test inputs are re-drawn from the data specification and
/// checked against the recorded labels.
fn boundary_figure(
    report_dir: &Path,
    file: &str,
    title: &str,
    train: &toml::Table,
    found: &Found,
    run: &SeedRun,
    command: &str,
) -> Result<Option<FigureRef>> {
    use crate::data::spec::{load_task, DataSpec};
    use crate::report::figures::{write_snapshot_grid, Snapshot};
    let Some(data) = train.get("data").cloned() else {
        return Ok(None);
    };
    let spec: DataSpec = data
        .try_into()
        .map_err(|e: toml::de::Error| Error::param("data", "<experiment>", e.to_string()))?;
    let task = load_task(&spec, Path::new("."), found.seed)?;
    if task.test.shape != [2] || task.test.y != found.record.y_test {
        return Ok(None);
    }
    let rec = &found.record;
    let n = rec.len();
    if n == 0 {
        return Ok(None);
    }
    let steps: Vec<i64> = rec.checkpoints.iter().map(|c| c.step).collect();
    let mut pick = vec![0, n - 1];
    if let Some(t0) = claims::t0_index(&run.curves) {
        pick.push(t0);
    }
    let max = (steps[n - 1].max(1) as f64).ln();
    for q in [0.3, 0.5, 0.7, 0.85] {
        let target = (q * max).exp();
        if let Some(i) = steps.iter().position(|&s| s as f64 >= target) {
            pick.push(i);
        }
    }
    pick.sort_unstable();
    pick.dedup();
    let pts = |pred: &[u8]| -> Vec<(f32, f32, u8)> {
        (0..task.test.len())
            .map(|i| {
                let x = task.test.input(i);
                (x[0], x[1], pred[i])
            })
            .collect()
    };
    let mut snaps = vec![Snapshot {
        title: format!("L (test acc {:.3})", run.curves.linear_test_acc),
        points: pts(&rec.linear_test),
    }];
    for &t in &pick {
        let p = &run.curves.points[t];
        snaps.push(Snapshot {
            title: format!("F at step {} (acc {:.3})", p.step, p.test_acc),
            points: pts(rec.test_row(t)?),
        });
    }
    write_snapshot_grid(&report_dir.join("figures").join(file), title, &snaps)?;
    Ok(Some(FigureRef::in_figures(
        file,
        format!(
            "{title}: predictions on the test points (blue: class 0, red: class 1) of the linear classifier L and of the network F_t over training, seed {}.",
            found.seed
        ),
        command,
    )))
}

/// Why an experiment cannot run here (its data set is absent), if so.
pub fn data_absent(train: &toml::Table, data_dir: &Path) -> Option<String> {
    use crate::data::fetch::{verify, RealSet, SetStatus};
    let task = train.get("data")?.get("task")?.as_str()?;
    let set = match task {
        "mnist" => RealSet::Mnist,
        "fashion-mnist" => RealSet::FashionMnist,
        "cifar10" => {
            let dir = data_dir.join(crate::data::cifar::DIR_NAME);
            return (!dir.join("test_batch.bin").is_file()).then(|| {
                format!(
                    "CIFAR-10 is not in {} (see docs/verify.md for how to add it)",
                    dir.display()
                )
            });
        }
        _ => return None,
    };
    match verify(set, data_dir) {
        Ok(SetStatus::Verified) => None,
        Ok(_) => Some(format!(
            "{} is not in {} (run `sgdc data fetch {}`)",
            set.label(),
            set.dir(data_dir).display(),
            set.dir_name()
        )),
        Err(e) => Some(e.to_string()),
    }
}

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

fn run_command(e: &Experiment, tier: Tier, seeds: &[u64]) -> String {
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
type ClaimFn = fn(&str, &[SeedRun], usize) -> Verdict;

fn claim_fn(id: &str) -> Option<ClaimFn> {
    Some(match id {
        "C1" => claims::c1_toy,
        "C2" => claims::c2_linear_first,
        "C3" => claims::c3_split_at_l,
        "C4" => claims::c4_beyond_linear,
        "C5" => claims::c5_retention,
        _ => return None,
    })
}

fn mark_variant(verdicts: &mut [Verdict], variant: bool) {
    for v in verdicts {
        v.variant = variant;
    }
}

/// The verdicts so far, and the per-task groups that claims C9 and C10 aggregate.
#[derive(Default)]
struct Tally {
    verdicts: Vec<Verdict>,
    c9_groups: Vec<(String, Vec<Verdict>)>,
    c10_groups: Vec<(String, Vec<Verdict>)>,
}

/// Evaluate every experiment and write the report; returns it.
pub fn evaluate(ev: &Evaluation) -> Result<Report> {
    let mut tally = Tally::default();
    let mut sections = Vec::new();
    for e in ev.experiments {
        let first_verdict = tally.verdicts.len();
        sections.push(evaluate_experiment(e, ev, &mut tally)?);
        mark_variant(&mut tally.verdicts[first_verdict..], e.experiment.variant);
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
fn evaluate_experiment(e: &Experiment, ev: &Evaluation, tally: &mut Tally) -> Result<Section> {
    let m = &e.experiment;
    let seeds = ev
        .seeds
        .map_or_else(|| e.tier(ev.tier).seeds.clone(), <[u64]>::to_vec);
    let command = run_command(e, ev.tier, &seeds);
    let mut section = Section {
        name: m.name.clone(),
        title: m.title.clone(),
        note: m.note.clone(),
        command: command.clone(),
        summaries: Vec::new(),
        figures: Vec::new(),
        manifests: Vec::new(),
    };
    if let Some(reason) = ev.skipped.get(&m.name) {
        section.note = format!("{} Skipped: {reason}", section.note);
        skip_claims(e, reason, tally);
        return Ok(section);
    }
    let fig_cmd = format!("{command} --out OUT && sgdc report OUT (figure: report/figures/)");
    let mut problems = Vec::new();
    let found = find_runs(e, ev, &seeds, &mut problems)?;
    for (set, runs) in &found.sets {
        evaluate_set(
            e,
            ev,
            set,
            runs,
            &fig_cmd,
            &mut section,
            &mut problems,
            tally,
        )?;
    }
    if e.has_hierarchy() {
        hierarchy_claim(
            e,
            ev,
            &found.hierarchy,
            &fig_cmd,
            &mut section,
            &problems,
            tally,
        )?;
    }
    if found.sets.is_empty() && m.kind != Kind::Hierarchy {
        no_runs_claims(e, &problems, tally);
    }
    // Every problem reaches the note, those found while evaluating the sets included.
    let problems = summarise(problems);
    if !problems.is_empty() {
        section.note = format!("{} Problems: {}.", section.note, problems.join("; "));
    }
    Ok(section)
}

/// At most four problems: the first three and a count of the rest.
fn summarise(mut problems: Vec<String>) -> Vec<String> {
    if problems.len() > 4 {
        let more = problems.len() - 3;
        problems.truncate(3);
        problems.push(format!("and {more} more"));
    }
    problems
}

/// Whether this experiment's task verdicts enter claim C9.
fn counts_for_c9(e: &Experiment) -> bool {
    e.experiment.counts_for_c9 && !e.experiment.variant
}

/// Every claim of a skipped experiment, marked skipped with the reason.
fn skip_claims(e: &Experiment, reason: &str, tally: &mut Tally) {
    let m = &e.experiment;
    let vs: Vec<Verdict> = m
        .claims
        .iter()
        .map(|c| Verdict::skipped(c, &m.name, "", reason.to_string()))
        .collect();
    if m.kind == Kind::Task && counts_for_c9(e) {
        tally.c9_groups.push((m.name.clone(), vs.clone()));
    }
    tally.verdicts.extend(vs);
}

/// The finished runs of an experiment.
struct FoundRuns {
    /// Per set (in set order): each run with its curves.
    sets: Vec<(String, Vec<(Found, SeedRun)>)>,
    /// Per seed, the hierarchy's references (complete seeds only).
    hierarchy: Vec<HierarchySeed>,
}

/// Locate every planned run of `e` in the output folders and compute its curves; what is
/// missing or broken goes to `problems`.
fn find_runs(
    e: &Experiment,
    ev: &Evaluation,
    seeds: &[u64],
    problems: &mut Vec<String>,
) -> Result<FoundRuns> {
    let mut out = FoundRuns {
        sets: Vec::new(),
        hierarchy: Vec::new(),
    };
    for unit in &plan(e, ev.tier, Some(seeds)) {
        let main = &unit[0];
        let Some(found) = locate(ev.dirs, main, problems) else {
            continue;
        };
        let sr = seed_run(&found)?;
        if e.has_hierarchy() {
            if let Some(h) = hierarchy_seed(ev, unit, &found, &sr, problems)? {
                out.hierarchy.push(h);
            }
        }
        match out.sets.iter_mut().find(|(s, _)| *s == main.set) {
            Some((_, v)) => v.push((found, sr)),
            None => out.sets.push((main.set.clone(), vec![(found, sr)])),
        }
    }
    Ok(out)
}

/// mu(F_t; C_k) of one seed against each reference of the hierarchy; `None` unless every
/// reference run was found.
fn hierarchy_seed(
    ev: &Evaluation,
    unit: &[Job],
    found: &Found,
    sr: &SeedRun,
    problems: &mut Vec<String>,
) -> Result<Option<HierarchySeed>> {
    let mut refs = Vec::new();
    for j in &unit[1..] {
        if let Some(r) = locate(ev.dirs, j, problems) {
            let mu =
                curves::mu_against(&found.record, r.record.last_test_row()?, Estimator::Plugin)?;
            refs.push((j.set.trim_start_matches("ref-").to_string(), mu));
        }
    }
    Ok((refs.len() == unit.len() - 1).then(|| HierarchySeed {
        seed: found.seed,
        steps: sr.curves.points.iter().map(|p| p.step).collect(),
        i_fy: sr.curves.points.iter().map(|p| p.i_fy_test).collect(),
        references: refs,
    }))
}

/// One set of runs of an experiment (the main one, or a sweep setting): its summary, figures
/// and verdicts.
#[allow(clippy::too_many_arguments)]
fn evaluate_set(
    e: &Experiment,
    ev: &Evaluation,
    set: &str,
    found: &[(Found, SeedRun)],
    fig_cmd: &str,
    section: &mut Section,
    problems: &mut Vec<String>,
    tally: &mut Tally,
) -> Result<()> {
    let m = &e.experiment;
    let runs: Vec<SeedRun> = found.iter().map(|(_, s)| s.clone()).collect();
    let (scope, title) = if set == "main" {
        (m.name.clone(), m.title.clone())
    } else {
        (format!("{}/{set}", m.name), format!("{} ({set})", m.title))
    };
    section.manifests.extend(
        found
            .iter()
            .filter_map(|(f, _)| serde_json::to_value(&f.manifest).ok()),
    );
    section.summaries.extend(summary(&scope, &title, &runs));
    let file = scope.replace('/', "-");
    section
        .figures
        .push(task_figure(&ev.report_dir, &file, &title, &runs, fig_cmd)?);
    let train = e.train_config(ev.tier);
    let is_2d = train
        .get("data")
        .and_then(|d| d.get("task"))
        .and_then(|t| t.as_str())
        == Some("disc-sinusoid");
    if m.kind == Kind::Task && is_2d {
        if let Some((f, r)) = found.first() {
            let name = format!("{file}-boundaries");
            let fig_title = format!("{title}: decision boundaries");
            match boundary_figure(&ev.report_dir, &name, &fig_title, &train, f, r, fig_cmd) {
                Ok(Some(fig)) => section.figures.push(fig),
                Ok(None) => {}
                Err(err) => section
                    .note
                    .push_str(&format!(" Decision-boundary figure not drawn: {err}.")),
            }
        }
    }
    task_claims(e, ev, &scope, &runs, tally);
    if m.reparam {
        tally
            .verdicts
            .push(reparam_claim(&scope, found, ev.tier.min_seeds(), problems));
    }
    Ok(())
}

/// The per-task claims of a set, and its groups for C9 (tasks) or C10 (sweep settings).
fn task_claims(e: &Experiment, ev: &Evaluation, scope: &str, runs: &[SeedRun], tally: &mut Tally) {
    let m = &e.experiment;
    let min = ev.tier.min_seeds();
    let ids: Vec<&str> = match m.kind {
        Kind::Sweep => vec!["C2", "C5"],
        _ => m.claims.iter().map(String::as_str).collect(),
    };
    let vs: Vec<Verdict> = ids
        .iter()
        .filter_map(|id| claim_fn(id).map(|f| f(scope, runs, min)))
        .collect();
    match m.kind {
        Kind::Sweep => tally.c10_groups.push((scope.to_string(), vs.clone())),
        Kind::Task if counts_for_c9(e) => tally.c9_groups.push((
            scope.to_string(),
            vs.iter()
                .filter(|v| ["C2", "C3", "C4", "C5"].contains(&v.id.as_str()))
                .cloned()
                .collect(),
        )),
        _ => {}
    }
    tally.verdicts.extend(vs);
}

/// Claim C7 from the reparameterisation results stored in the run folders.
fn reparam_claim(
    scope: &str,
    found: &[(Found, SeedRun)],
    min: usize,
    problems: &mut Vec<String>,
) -> Verdict {
    let mut rs = Vec::new();
    for (f, _) in found {
        let path = f.dir.join(REPARAM_FILE);
        let r: Option<ReparamResult> = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        match r {
            Some(r) => rs.push(ReparamSeed {
                seed: f.seed,
                disagreement: r.disagreement,
                mu_change: (r.mu_reparam - r.mu_original).abs(),
            }),
            None => problems.push(format!("no {REPARAM_FILE} in {}", f.dir.display())),
        }
    }
    let mut v = claims::c7_reparameterisation(scope, &rs, min);
    if rs.is_empty() {
        v.outcome = claims::Outcome::Fail(format!(
            "no reparameterisation results ({REPARAM_FILE}) in the run folders"
        ));
    }
    v
}

/// Claim C6 over the hierarchy's seeds, with its figure.
fn hierarchy_claim(
    e: &Experiment,
    ev: &Evaluation,
    hier: &[HierarchySeed],
    fig_cmd: &str,
    section: &mut Section,
    problems: &[String],
    tally: &mut Tally,
) -> Result<()> {
    let m = &e.experiment;
    if !hier.is_empty() {
        section.figures.push(hierarchy_figure(
            &ev.report_dir,
            &format!("{}-hierarchy", m.name),
            &m.title,
            hier,
            fig_cmd,
        )?);
    }
    let mut v = claims::c6_hierarchy(&m.name, hier, ev.tier.min_seeds());
    if hier.is_empty() {
        v.outcome = claims::Outcome::Fail(format!(
            "no finished hierarchy runs ({})",
            summarise(problems.to_vec()).join("; ")
        ));
    }
    tally.verdicts.push(v);
    Ok(())
}

/// Every claim of an experiment none of whose runs was found fails, naming the problems.
fn no_runs_claims(e: &Experiment, problems: &[String], tally: &mut Tally) {
    let m = &e.experiment;
    let why = format!(
        "no finished runs ({})",
        summarise(problems.to_vec()).join("; ")
    );
    let vs: Vec<Verdict> = m
        .claims
        .iter()
        .map(|c| Verdict {
            outcome: claims::Outcome::Fail(why.clone()),
            ..Verdict::skipped(c, &m.name, "", "")
        })
        .collect();
    match m.kind {
        Kind::Sweep => tally.c10_groups.push((m.name.clone(), vs.clone())),
        Kind::Task if counts_for_c9(e) => tally.c9_groups.push((m.name.clone(), vs.clone())),
        _ => {}
    }
    tally.verdicts.extend(vs);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::runs::{execute, tests::Fake};
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
        let empty = crate::curves::tests::record(400, 0.8, &[]);
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
        assert_eq!(c7.outcome, claims::Outcome::Pass);
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
