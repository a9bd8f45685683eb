//! The regime criteria of a miniature, per run of an output folder, without reading any claim:
//! does the run fit its training set, does it end above L, and does its linear phase span many
//! checkpoints (docs/verify.md, "How the quick tier was sized")?
//!
//! Usage: `cargo run --release --example regime -- OUT` (e.g. `out/verify`). Prints a Markdown
//! table per experiment and set (hierarchy references are left out): the step of the first
//! checkpoint that fits every training label, the final training accuracy, F's and L's final test
//! accuracy, F's test accuracy and I(F_0;Y) at initialisation, the first step of the linear phase
//! (the first checkpoint with F above chance and within the T0 gap of L), T0, the checkpoints from
//! the one to the other, and those among them whose I(F_t;Y) lies between C2's floor (the
//! estimator's, and the random initial network's own information) and I(L;Y). The last column says which criteria a run misses: `fit` (never 100% training accuracy),
//! `below L` (final test accuracy not above L's), `phase` (fewer than 10 checkpoints in the linear
//! phase, or fewer than 3 of them between the floor and I(L;Y)).

use anyhow::{Context, Result};
use sgd_complexity::claims::{c2_floor, linear_phase_start, t0_index};
use sgd_complexity::run::{Manifest, RunRecord, RunStatus};
use sgd_complexity::training_curves::{self, CurveOptions};
use std::path::{Path, PathBuf};

/// Checkpoints the linear phase must span (criterion 3).
const MIN_PHASE_CHECKPOINTS: usize = 10;
/// Of them, checkpoints with I(F_t;Y) between the floor and I(L;Y).
const MIN_MEASURED_CHECKPOINTS: usize = 3;

fn sorted_dirs(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("{}: cannot list", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    Ok(v)
}

fn name(p: &Path) -> String {
    p.file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned())
}

fn row(seed: u64, dir: &Path) -> Result<String> {
    let rec = RunRecord::load(dir)?;
    let c = training_curves::compute(
        &rec,
        &CurveOptions {
            seed,
            ..CurveOptions::default()
        },
    )?;
    let first = &c.points[0];
    let last = c.last().context("no checkpoints")?;
    let fit = c
        .points
        .iter()
        .find(|p| p.train_acc == Some(1.0))
        .map(|p| p.step);
    let start = linear_phase_start(&c);
    let t0 = t0_index(&c);
    let floor = c2_floor(&c);
    let (span, measured) = match (start, t0) {
        (Some(s), Some(t)) if t >= s => {
            let phase = &c.points[s..t];
            let measured = phase
                .iter()
                .filter(|p| p.i_fy_test >= floor && p.i_fy_test < c.i_ly)
                .count();
            (t - s, measured)
        }
        _ => (0, 0),
    };
    let train_acc = c.final_train_acc().unwrap_or(f64::NAN);
    let mut missed = Vec::new();
    if train_acc < 1.0 || train_acc.is_nan() {
        missed.push("fit");
    }
    if last.test_acc <= c.linear_test_acc {
        missed.push("below L");
    }
    if span < MIN_PHASE_CHECKPOINTS || measured < MIN_MEASURED_CHECKPOINTS {
        missed.push("phase");
    }
    let step = |i: Option<usize>| i.map_or("none".to_string(), |i| c.points[i].step.to_string());
    Ok(format!(
        "| {seed} | {} | {train_acc:.4} | {:.3} ({:.3}) | {:.3}, {:.3} | {} | {} | {span} | {measured} | {} |",
        fit.map_or("none".to_string(), |s| s.to_string()),
        last.test_acc,
        c.linear_test_acc,
        first.test_acc,
        first.i_fy_test,
        step(start),
        step(t0),
        if missed.is_empty() {
            "ok".to_string()
        } else {
            missed.join(", ")
        }
    ))
}

fn main() -> Result<()> {
    let out = std::env::args().nth(1).context("usage: regime OUT")?;
    let runs = Path::new(&out).join("runs");
    for exp in sorted_dirs(&runs)? {
        for set in sorted_dirs(&exp)? {
            if name(&set).starts_with("ref-") {
                continue;
            }
            println!("\n### {} / {}\n", name(&exp), name(&set));
            println!("| seed | first fit (step) | final train acc | final test acc F (L) | step 0: test acc, I(F;Y) bits | linear phase from step | T0 step | checkpoints in the phase | of them measured | criteria missed |");
            println!("|---|---|---|---|---|---|---|---|---|---|");
            let mut complete: Vec<(u64, PathBuf)> = sorted_dirs(&set)?
                .into_iter()
                .filter_map(|d| {
                    let m = Manifest::load(&d).ok()?;
                    (m.status == RunStatus::Complete).then_some((m.seed, d))
                })
                .collect();
            complete.sort();
            for (seed, dir) in complete {
                println!("{}", row(seed, &dir)?);
            }
        }
    }
    Ok(())
}
