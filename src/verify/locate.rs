//! Finding an experiment's runs in the output folders and reading what the claims need of each:
//! the per-seed curves, the task summaries, the references of the hierarchy.

use super::evaluate::*;
use super::experiment::Experiment;
use super::runs::{inspect, plan, FolderState, Job};
use crate::claims::{self, HierarchySeed, SeedRun};
use crate::error::Result;
use crate::info::Estimator;
use crate::report::TaskSummary;
use crate::run::{Manifest, RunRecord};
use crate::training_curves::{self, CurveOptions, Curves};
use std::path::{Path, PathBuf};

/// A finished run found in one of the output folders.
pub(super) struct Found {
    pub(super) seed: u64,
    pub(super) dir: PathBuf,
    /// The run folder relative to the output folder (to name it in messages).
    pub(super) rel: String,
    pub(super) record: RunRecord,
    pub(super) manifest: Manifest,
}

pub(super) fn locate(
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

pub(super) fn seed_run(f: &Found) -> Result<SeedRun> {
    let opts = CurveOptions {
        seed: f.seed,
        ..CurveOptions::default()
    };
    let c = training_curves::compute(&f.record, &opts)?;
    let gap = training_curves::bootstrap_gap(
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

pub(super) fn summary(name: &str, title: &str, runs: &[SeedRun]) -> Option<TaskSummary> {
    if runs.is_empty() {
        return None;
    }
    let per = |f: &dyn Fn(&Curves) -> f64| runs.iter().map(|r| f(&r.curves)).collect::<Vec<_>>();
    // Curves always have a point (computing them from an empty record is an error).
    let nan = crate::training_curves::CurvePoint {
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

/// The finished runs of an experiment.
pub(super) struct FoundRuns {
    /// Per set (in set order): each run with its curves, in seed-sequence order.
    pub(super) sets: Vec<(String, Vec<(Found, SeedRun)>)>,
    /// Per seed, the hierarchy's references (seeds whose references are all present).
    pub(super) hierarchy: Vec<HierarchySeed>,
}

/// Locate the runs of `e` for every seed of `seq` in the output folders and compute their
/// curves. A missing run of an own seed is a problem; a missing run of an added seed is not
/// (the decision rule asks for it when it needs it).
pub(super) fn find_runs(
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
pub(super) fn hierarchy_seed(
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
            let mu = training_curves::mu_against(
                &found.record,
                r.record.last_test_row()?,
                Estimator::Plugin,
            )?;
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
