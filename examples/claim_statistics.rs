//! The claim statistics that one checkpoint or the random initial network could decide, computed
//! both ways on the runs of a verification output folder: the rules before and after
//! "Departures" and "Extremes over checkpoints" in `docs/verify.md`, side by side, per run.
//!
//! Usage: `cargo run --release --example claim_statistics -- OUT` (e.g. `out/verify`). Prints a
//! Markdown table per experiment: T0 (first crossing / persistent upward crossing), C2 (smallest
//! single ratio / smallest 3-checkpoint running median), C1 (largest single agreement / largest
//! running median), the bootstrap standard deviation of I(F_t;Y) - mu(F_t;L) at the new T0, and
//! for the hierarchy each reference's departure step both ways.

use anyhow::{Context, Result};
use sgd_complexity::claims::thresholds::{FLOOR_MIN_BITS, FLOOR_MULTIPLE, T0_GAP_BITS};
use sgd_complexity::claims::{
    departure, largest_linear_phase_agreement, smallest_linear_phase_ratio, t0_index,
};
use sgd_complexity::info::Estimator;
use sgd_complexity::run::{Manifest, RunRecord, RunStatus};
use sgd_complexity::training_curves::{self, CurveOptions, Curves};
use std::path::{Path, PathBuf};

/// The rule before: the first checkpoint whose gap exceeds the threshold.
fn first_crossing(i_fy: &[f64], mu: &[f64]) -> Option<usize> {
    i_fy.iter().zip(mu).position(|(i, m)| i - m > T0_GAP_BITS)
}

fn c2_single(c: &Curves) -> f64 {
    let floor = FLOOR_MIN_BITS.max(FLOOR_MULTIPLE * c.floor.i_fy);
    c.points
        .iter()
        .take_while(|p| p.i_fy_test < c.i_ly)
        .filter(|p| p.i_fy_test >= floor)
        .map(|p| p.mu / p.i_fy_test)
        .fold(f64::NAN, f64::min)
}

fn c1_single(c: &Curves, t0: Option<usize>) -> f64 {
    let end = t0.unwrap_or(c.points.len()).max(1);
    c.points[..end]
        .iter()
        .map(|p| p.agreement)
        .fold(f64::NAN, f64::max)
}

/// Standard deviation of I(F;Y) - mu(F;L) over bootstrap resamples of the test set.
fn gap_sd(rec: &RunRecord, t: usize, seed: u64) -> Result<f64> {
    let (lo, hi) = training_curves::bootstrap_gap(
        rec.test_row(t)?,
        &rec.linear_test,
        &rec.y_test,
        200,
        0.1587,
        seed,
    )?;
    Ok((hi - lo) / 2.0)
}

fn complete_runs(set_dir: &Path) -> Vec<(u64, PathBuf)> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(set_dir) else {
        return out;
    };
    for e in entries.flatten() {
        let dir = e.path();
        let Ok(m) = Manifest::load(&dir) else {
            continue;
        };
        if m.status == RunStatus::Complete {
            out.push((m.seed, dir));
        }
    }
    out.sort();
    out
}

fn fmt_step(c: &Curves, t: Option<usize>) -> String {
    t.map_or("none".into(), |t| c.points[t].step.to_string())
}

fn main() -> Result<()> {
    let out = std::env::args()
        .nth(1)
        .context("usage: claim_statistics OUT")?;
    let runs = Path::new(&out).join("runs");
    let mut experiments: Vec<PathBuf> = std::fs::read_dir(&runs)
        .with_context(|| format!("{}: no runs folder", runs.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    experiments.sort();
    for exp in experiments {
        let name = exp
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let mut sets: Vec<PathBuf> = std::fs::read_dir(&exp)?
            .flatten()
            .map(|e| e.path())
            .collect();
        sets.sort();
        println!("\n### {name}\n");
        println!("| set | seed | T0 step before / after | C1 before / after | C2 before / after | bootstrap sd of gap at T0 (bits) |");
        println!("|---|---|---|---|---|---|");
        for set in &sets {
            let set_name = set
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            if set_name.starts_with("ref-") {
                continue;
            }
            for (seed, dir) in complete_runs(set) {
                let rec = RunRecord::load(&dir)?;
                let c = training_curves::compute(
                    &rec,
                    &CurveOptions {
                        seed,
                        ..CurveOptions::default()
                    },
                )?;
                let i: Vec<f64> = c.points.iter().map(|p| p.i_fy_test).collect();
                let m: Vec<f64> = c.points.iter().map(|p| p.mu).collect();
                let (old, new) = (first_crossing(&i, &m), t0_index(&c));
                let sd = match new {
                    Some(t) => format!("{:.4}", gap_sd(&rec, t, seed)?),
                    None => "-".into(),
                };
                println!(
                    "| {set_name} | {seed} | {} / {} | {:.4} / {:.4} | {:.4} / {:.4} | {sd} |",
                    fmt_step(&c, old),
                    fmt_step(&c, new),
                    c1_single(&c, old),
                    largest_linear_phase_agreement(&c),
                    c2_single(&c),
                    smallest_linear_phase_ratio(&c).unwrap_or(f64::NAN),
                );
                // Hierarchy: departures of each reference trained to mimic this run.
                for r in &sets {
                    let r_name = r
                        .file_name()
                        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
                    if !r_name.starts_with("ref-") {
                        continue;
                    }
                    for (rs, rdir) in complete_runs(r) {
                        if rs != seed {
                            continue;
                        }
                        let rr = RunRecord::load(&rdir)?;
                        let reference = rr.last_test_row()?;
                        let mu = training_curves::mu_against(&rec, reference, Estimator::Plugin)?;
                        println!(
                            "| {r_name} | {seed} | departure {} / {} | | | |",
                            fmt_step(&c, first_crossing(&i, &mu)),
                            fmt_step(&c, departure(&i, &mu, T0_GAP_BITS)),
                        );
                    }
                }
            }
        }
    }
    Ok(())
}
