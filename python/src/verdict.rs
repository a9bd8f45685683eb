//! `verdicts(...)` and `report(...)`: the evaluation of `sgdc report`, from Python.
//!
//! The same call as the command (`sgdc report DIR... --experiments EXP`): the experiments of
//! the folder, the data sets absent and the experiments left out skipped alike, then
//! [`evaluate`], which decides every claim with the harness's thresholds and statistics and
//! writes the report. The verdicts come back as the JSON of the report (`report.json`), which the
//! Python layer turns into objects. The claims over every experiment (C8 to C11: the theory and
//! the sweep) are `sgdc report`'s alone; the per-experiment claims are the same.

use crate::error::{guard, BindError, Result};
use pyo3::prelude::*;
use sgd_complexity::verify::evaluate::{evaluate, Evaluation};
use sgd_complexity::verify::experiment::{load_dir, Tier};
use sgd_complexity::verify::{left_out_unrun, skipped};
use std::path::PathBuf;

const KNOWN: [&str; 7] = ["C1", "C2", "C3", "C4", "C5", "C6", "C7"];

fn tier(name: &str) -> Result<Tier> {
    match name {
        "quick" => Ok(Tier::Quick),
        "full" => Ok(Tier::Full),
        other => Err(BindError::arg(
            "tier",
            format!("{other:?} is not a tier (\"quick\" or \"full\")"),
        )),
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    dirs: Vec<PathBuf>,
    experiments: Option<PathBuf>,
    claims: Option<Vec<String>>,
    tier_name: &str,
    seeds: Option<Vec<u64>>,
    report_dir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
) -> Result<String> {
    let Some(first) = dirs.first() else {
        return Err(BindError::arg("run_dirs", "no output folder given"));
    };
    for d in &dirs {
        if !d.join("runs").is_dir() {
            return Err(BindError::arg(
                "run_dirs",
                format!(
                    "{} has no runs/ folder (not an output folder of sgdc verify or of a Recorder)",
                    d.display()
                ),
            ));
        }
    }
    let tier = tier(tier_name)?;
    let exp_dir = experiments.unwrap_or_else(|| first.join("experiments"));
    let mut exps = load_dir(&exp_dir)?;
    if let Some(ids) = &claims {
        if ids.is_empty() {
            return Err(BindError::arg(
                "claims",
                "empty list: name at least one claim",
            ));
        }
        for c in ids {
            if !KNOWN.contains(&c.as_str()) {
                return Err(BindError::arg(
                    "claims",
                    format!("{c:?} is not a per-experiment claim (C1..C7)"),
                ));
            }
        }
        for e in &mut exps {
            e.experiment.claims = ids.clone();
            // Findings pinned for claims no longer evaluated would name nothing.
            e.findings.retain(|k, _| ids.contains(k));
            e.tiers.quick.findings.retain(|k, _| ids.contains(k));
            e.tiers.full.findings.retain(|k, _| ids.contains(k));
        }
    }
    let data_dir = data_dir.unwrap_or_else(sgd_complexity::data::fetch::default_data_dir);
    let mut skip = skipped(&exps, tier, &data_dir);
    for (name, why) in left_out_unrun(&exps, tier, &dirs) {
        skip.entry(name).or_insert(why);
    }
    let scratch;
    let report_dir = match report_dir {
        Some(d) => d,
        None => {
            scratch = tempfile::tempdir()
                .map_err(|e| sgd_complexity::Error::write(std::env::temp_dir(), e))?;
            scratch.path().to_path_buf()
        }
    };
    let command = format!(
        "sgdc.verdicts({}, tier={tier_name:?})",
        dirs.iter()
            .map(|d| format!("{:?}", d.display().to_string()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let report = evaluate(&Evaluation {
        experiments: &exps,
        tier,
        seeds: seeds.as_deref(),
        dirs: &dirs,
        skipped: skip,
        report_dir,
        command,
        theory: None,
        trajectory: None,
        aggregate: false,
    })?;
    serde_json::to_string(&report)
        .map_err(|e| BindError::arg("report", format!("cannot serialise the report: {e}")))
}

/// The report of the output folders `run_dirs` as JSON: the verdicts of every experiment of
/// `experiments` (default: the first folder's `experiments/`), restricted to `claims` when
/// given; written as HTML, Markdown and JSON into `report_dir` when given.
#[pyfunction]
#[pyo3(signature = (run_dirs, *, experiments=None, claims=None, tier="quick", seeds=None, report_dir=None, data_dir=None))]
#[allow(clippy::too_many_arguments)]
pub fn report_json(
    py: Python<'_>,
    run_dirs: Vec<PathBuf>,
    experiments: Option<PathBuf>,
    claims: Option<Vec<String>>,
    tier: &str,
    seeds: Option<Vec<u64>>,
    report_dir: Option<PathBuf>,
    data_dir: Option<PathBuf>,
) -> PyResult<String> {
    guard(|| {
        let tier = tier.to_string();
        Ok(py.detach(|| {
            run(
                run_dirs,
                experiments,
                claims,
                &tier,
                seeds,
                report_dir,
                data_dir,
            )
        })?)
    })
}

/// The harness's log-spaced checkpoint schedule for `epochs` epochs of `steps_per_epoch` steps:
/// step 0, `log_points` log-spaced steps up to `log_epochs` epochs, every `every_epochs`-th epoch
/// end and the last step (the trainer's `[record]` defaults).
#[pyfunction]
#[pyo3(signature = (steps_per_epoch, epochs, *, log_points=30, log_epochs=2.0, every_epochs=1))]
pub fn checkpoint_steps(
    steps_per_epoch: i64,
    epochs: usize,
    log_points: usize,
    log_epochs: f64,
    every_epochs: usize,
) -> PyResult<Vec<i64>> {
    guard(|| {
        if steps_per_epoch < 1 {
            return Err(BindError::arg(
                "steps_per_epoch",
                format!("{steps_per_epoch} must be at least 1"),
            )
            .into());
        }
        if !(log_epochs.is_finite() && log_epochs > 0.0) {
            return Err(
                BindError::arg("log_epochs", format!("{log_epochs} must be positive")).into(),
            );
        }
        Ok(sgd_complexity::run::schedule::checkpoint_steps(
            steps_per_epoch,
            epochs,
            log_points,
            log_epochs,
            every_epochs,
        )
        .into_iter()
        .collect())
    })
}

/// The harness's next batch of seeds for an undecided claim: after `own` seeds (the first
/// ones run) and all `used` so far, the smallest seeds above every own seed not used yet, at
/// most `SEED_BATCH` of them and never more than `SEED_CAP` in all; empty at the cap
/// (`claims::decide::next_batch`, what `sgdc verify` runs).
#[pyfunction]
pub fn next_seeds(own: Vec<u64>, used: Vec<u64>) -> PyResult<Vec<u64>> {
    guard(|| Ok(sgd_complexity::claims::decide::next_batch(&own, &used)))
}
