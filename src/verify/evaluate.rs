//! From finished run folders to curves, verdicts, figures and the report.
//!
//! Evaluation only reads run folders (from one or several output folders, e.g. the shards of a
//! cluster job array), so `sgdc report DIR...` and `sgdc verify` produce the same report from the
//! same runs.

use super::experiment::{Experiment, Kind, Tier};
use super::runs::{inspect, plan, plan_set, FolderState, Job, Unit};
use super::{sequential, task_figures};
use crate::claims::{self, HierarchySeed, ReparamSeed, SeedRun, Verdict};
use crate::curves::{self, CurveOptions, Curves};
use crate::error::{Error, Result};
use crate::info::Estimator;
use crate::report::{Report, Section, TaskSummary};
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
    /// The run folder relative to the output folder (to name it in messages).
    rel: String,
    record: RunRecord,
    manifest: Manifest,
}

fn locate(
    dirs: &[PathBuf],
    j: &Job,
    report_missing: bool,
    problems: &mut Vec<String>,
) -> Option<Found> {
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
                    rel: j.rel_dir.display().to_string(),
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
    if report_missing {
        problems.push(format!("missing run {}", j.rel_dir.display()));
    }
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
struct Want {
    set: String,
    seeds: Vec<u64>,
    references: bool,
}

impl Want {
    fn add(wants: &mut Vec<Want>, set: &str, seeds: Vec<u64>, references: bool) {
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
struct DecidedSet {
    set: String,
    runs: Vec<(Found, SeedRun)>,
    verdicts: Vec<Verdict>,
}

/// An experiment decided: its sets, the hierarchy's seeds and C6, the batches its undecided
/// claims ask for, and the problems met on the way.
struct Decided {
    own: Vec<u64>,
    sets: Vec<DecidedSet>,
    hierarchy: Vec<HierarchySeed>,
    c6: Option<Verdict>,
    wants: Vec<Want>,
    problems: Vec<String>,
}

/// The own seeds of an experiment at the evaluation's tier (`--seeds` when given).
fn own_seeds(e: &Experiment, ev: &Evaluation) -> Vec<u64> {
    ev.seeds
        .map_or_else(|| e.tier(ev.tier).seeds.clone(), <[u64]>::to_vec)
}

/// Decide every claim of `e` over its seed sequence, from the runs in the output folders.
fn decide_experiment(e: &Experiment, ev: &Evaluation) -> Result<Decided> {
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
fn expect(e: &Experiment, ev: &Evaluation, mut v: Verdict) -> Verdict {
    v.expected = e.expectation(ev.tier, &v.id);
    v.variant = e.experiment.variant;
    v
}

/// The scope of a set's claims: the experiment, or `experiment/setting` for a sweep.
fn scope_of(e: &Experiment, set: &str) -> String {
    if set == "main" {
        e.experiment.name.clone()
    } else {
        format!("{}/{set}", e.experiment.name)
    }
}

/// The per-task claims of one set, each over its own prefix of the seed sequence, and C7 over
/// the own seeds; returns the verdicts and the seeds any of them used.
fn decide_set(
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

/// What one experiment contributes: its section of the report, its verdicts into `tally`.
fn evaluate_experiment(e: &Experiment, ev: &Evaluation, tally: &mut Tally) -> Result<Section> {
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
fn set_section(
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
fn skip_claims(e: &Experiment, ev: &Evaluation, reason: &str, tally: &mut Tally) {
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

/// The finished runs of an experiment.
struct FoundRuns {
    /// Per set (in set order): each run with its curves, in seed-sequence order.
    sets: Vec<(String, Vec<(Found, SeedRun)>)>,
    /// Per seed, the hierarchy's references (seeds whose references are all present).
    hierarchy: Vec<HierarchySeed>,
}

/// Locate the runs of `e` for every seed of `seq` in the output folders and compute their
/// curves. A missing run of an own seed is a problem; a missing run of an added seed is not
/// (the decision rule asks for it when it needs it).
fn find_runs(
    e: &Experiment,
    ev: &Evaluation,
    own: &[u64],
    seq: &[u64],
    problems: &mut Vec<String>,
) -> Result<FoundRuns> {
    let mut out = FoundRuns {
        sets: e
            .run_sets(ev.tier)
            .into_iter()
            .map(|(s, _)| (s, Vec::new()))
            .collect(),
        hierarchy: Vec::new(),
    };
    for unit in &plan(e, ev.tier, Some(seq)) {
        let main = &unit[0];
        let report_missing = own.contains(&main.seed);
        let Some(found) = locate(ev.dirs, main, report_missing, problems) else {
            continue;
        };
        let sr = seed_run(&found)?;
        if e.has_hierarchy() {
            if let Some(h) = hierarchy_seed(ev, unit, &found, &sr, report_missing, problems)? {
                out.hierarchy.push(h);
            }
        }
        if let Some((_, v)) = out.sets.iter_mut().find(|(s, _)| *s == main.set) {
            v.push((found, sr));
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
    report_missing: bool,
    problems: &mut Vec<String>,
) -> Result<Option<HierarchySeed>> {
    let mut refs = Vec::new();
    for j in &unit[1..] {
        if let Some(r) = locate(ev.dirs, j, report_missing, problems) {
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

/// Claim C7 from the reparameterisation results stored in the run folders.
fn reparam_claim(scope: &str, found: &[&(Found, SeedRun)], min: usize) -> Verdict {
    let mut rs = Vec::new();
    let mut missing = Vec::new();
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
            None => missing.push(format!("no {REPARAM_FILE} in {}", f.rel)),
        }
    }
    let mut v = claims::c7_reparameterisation(scope, &rs, min);
    if rs.is_empty() || !missing.is_empty() {
        v.outcome = claims::Outcome::Fails(if missing.is_empty() {
            format!("no reparameterisation results ({REPARAM_FILE}) in the run folders")
        } else {
            missing.join("; ")
        });
    }
    v.runs = found.iter().map(|(f, _)| f.rel.clone()).collect();
    v
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
