//! `sgdc verify`: run the experiments, evaluate the claims, write the report.
//!
//! The experiment registry is the folder `experiments/` ([`experiment`]); runs are planned,
//! reused, resumed and sharded by [`runs`]; [`evaluate`](mod@evaluate) turns finished run folders into
//! verdicts, figures and the report. How a run is trained is supplied through
//! [`runs::Executor`] (the binary plugs in the libtorch trainer), so everything here builds
//! and tests without libtorch.

pub mod evaluate;
pub mod experiment;
pub mod runs;
#[cfg(feature = "torch")]
pub mod trainer;

use crate::claims::{self, Verdict};
use crate::error::Result;
use crate::report::Report;
use evaluate::{data_absent, evaluate, store_reparam, Evaluation, REPARAM_FILE};
use experiment::{Experiment, Tier};
use runs::{execute, plan, shard, Executor, JobReport};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of a verification.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Tier.
    pub tier: Tier,
    /// Seeds to use instead of each experiment's tier seeds.
    pub seeds: Option<Vec<u64>>,
    /// Output folder (`runs/` and `report/` go inside).
    pub out: PathBuf,
    /// Where real data sets live.
    pub data_dir: PathBuf,
    /// Runs at a time.
    pub jobs: usize,
    /// Intra-op threads per run.
    pub threads_per_job: usize,
    /// `(i, n)`: only run shard i of n (0-based).
    pub shard: Option<(usize, usize)>,
    /// Print progress to stderr.
    pub progress: bool,
    /// The command line, for the report.
    pub command: String,
    /// Whether to evaluate the claims over all experiments (C8-C10).
    pub aggregate: bool,
}

/// What a verification did.
#[derive(Debug, Clone)]
pub struct VerifyOutcome {
    /// The report (also written to `out/report/`).
    pub report: Report,
    /// One entry per job.
    pub jobs: Vec<JobReport>,
    /// Seconds spent running jobs.
    pub run_seconds: f64,
    /// Seconds spent evaluating and writing the report.
    pub report_seconds: f64,
}

/// Experiments whose data is absent, with the reason.
pub fn skipped(
    experiments: &[Experiment],
    tier: Tier,
    data_dir: &Path,
) -> BTreeMap<String, String> {
    experiments
        .iter()
        .filter_map(|e| {
            data_absent(&e.train_config(tier), data_dir).map(|r| (e.experiment.name.clone(), r))
        })
        .collect()
}

/// Experiments that `sgdc verify` leaves out at `tier` by their own file
/// (`tiers.<tier>.in_verify = false`), with the reason; `sgdc run NAME` still runs them.
pub fn left_out(experiments: &[Experiment], tier: Tier) -> BTreeMap<String, String> {
    let t = tier.name();
    experiments
        .iter()
        .filter(|e| !e.tier(tier).in_verify)
        .map(|e| {
            let name = e.experiment.name.clone();
            let why = format!(
                "left out of `sgdc verify --tier {t}` by its experiment file \
                 (tiers.{t}.in_verify = false); run it with `sgdc run {name} --tier {t}`"
            );
            (name, why)
        })
        .collect()
}

/// What `sgdc report` skips besides absent data: the experiments left out of `sgdc verify` at
/// `tier` ([`left_out`]) that have no run folder (`runs/NAME`) in any of `dirs`. One that was
/// run (`sgdc run NAME`) into one of the folders is evaluated like any other.
pub fn left_out_unrun(
    experiments: &[Experiment],
    tier: Tier,
    dirs: &[PathBuf],
) -> BTreeMap<String, String> {
    left_out(experiments, tier)
        .into_iter()
        .filter(|(name, _)| !dirs.iter().any(|d| d.join("runs").join(name).is_dir()))
        .collect()
}

/// Run what is missing, then evaluate and write the report.
pub fn verify(
    exec: &dyn Executor,
    experiments: &[Experiment],
    opts: &VerifyOptions,
) -> Result<VerifyOutcome> {
    let mut skip = skipped(experiments, opts.tier, &opts.data_dir);
    if opts.aggregate {
        for (name, why) in left_out(experiments, opts.tier) {
            skip.entry(name).or_insert(why);
        }
    }
    for (name, why) in &skip {
        eprintln!("verify: skipping {name}: {why}");
    }
    let mut units = Vec::new();
    for e in experiments {
        if !skip.contains_key(&e.experiment.name) {
            units.extend(plan(e, opts.tier, opts.seeds.as_deref()));
        }
    }
    if let Some((i, n)) = opts.shard {
        units = shard(units, i, n);
    }
    let start = Instant::now();
    let reparam_dirs: Vec<(PathBuf, u64)> = units
        .iter()
        .filter(|u| {
            experiments
                .iter()
                .any(|e| e.experiment.name == u[0].experiment && e.experiment.reparam)
        })
        .map(|u| (opts.out.join(&u[0].rel_dir), u[0].seed))
        .collect();
    let jobs = execute(
        exec,
        &opts.out,
        units,
        opts.jobs,
        opts.threads_per_job,
        opts.progress,
    );
    for (dir, seed) in reparam_dirs {
        if dir.join(REPARAM_FILE).is_file() || runs::inspect(&dir) != runs::FolderState::Complete {
            continue;
        }
        match exec
            .reparam(&dir, seed)
            .and_then(|(a, b)| store_reparam(&dir, &a, &b))
        {
            Ok(_) => {}
            Err(e) => eprintln!(
                "verify: reparameterisation check of {} failed: {e}",
                dir.display()
            ),
        }
    }
    let run_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let report = evaluate(&Evaluation {
        experiments,
        tier: opts.tier,
        seeds: opts.seeds.as_deref(),
        dirs: std::slice::from_ref(&opts.out),
        skipped: skip,
        report_dir: opts.out.join("report"),
        command: opts.command.clone(),
        // C8 is only reported with the aggregate claims; the sweep is not free, so run it only then.
        theory: if opts.aggregate {
            theory_verdict()
        } else {
            None
        },
        // C11 likewise (about 10 s in release).
        trajectory: if opts.aggregate {
            trajectory_verdict()
        } else {
            None
        },
        aggregate: opts.aggregate,
    })?;
    Ok(VerifyOutcome {
        report,
        jobs,
        run_seconds,
        report_seconds: start.elapsed().as_secs_f64(),
    })
}

/// Claim C8 from the theory simulator's default sweep (`theory/sweeps/default.toml`), as a
/// verdict; its thresholds are the theory module's (`theory/README.md`).
pub fn theory_verdict() -> Option<Verdict> {
    use crate::claims::{Outcome, Stat};
    let statement = "theory: retention in the simplified model";
    let threshold = "mu(F;L)/I(L;Y) >= 0.8 at the largest D/n; Pr[F != L] falls as D/n grows; theory agrees with simulation wherever it applies; the D ~ n control loses >= 0.05 test accuracy";
    let v = match crate::theory::claim::claim_c8(None) {
        Err(e) => Verdict {
            outcome: Outcome::Fail(format!("theory sweep failed: {e}")),
            threshold: threshold.into(),
            ..Verdict::skipped("C8", "theory", statement, "")
        },
        Ok((r, _)) => {
            let mut problems = Vec::new();
            if !r.retention_ok {
                problems.push(format!(
                    "retention {:.3} at D/n = {:.1}",
                    r.retention, r.retention_at_d_over_n
                ));
            }
            if !r.disagreement_falls {
                problems.push(format!(
                    "Pr[F != L] does not fall with D/n: {:?}",
                    r.pr_disagree_by_d_over_n
                ));
            }
            if !r.theory_ok {
                problems.push(format!(
                    "theory agrees at {} of {} points",
                    r.theory_agree.0, r.theory_agree.1
                ));
            }
            if !r.control_ok {
                problems.push(format!("negative control {:?}", r.control));
            }
            Verdict {
                id: "C8".into(),
                scope: "theory".into(),
                statement: statement.into(),
                measured: format!(
                    "mu(F;L)/I(L;Y) at D/n = {:.1} (simulation; Pr[F != L] by D/n {:?})",
                    r.retention_at_d_over_n, r.pr_disagree_by_d_over_n
                ),
                statistic: Stat::of(&[r.retention]),
                per_seed: Vec::new(),
                per_group: Vec::new(),
                threshold: threshold.into(),
                variant: false,
                outcome: if r.pass && problems.is_empty() {
                    Outcome::Pass
                } else {
                    Outcome::Fail(problems.join("; "))
                },
            }
        }
    };
    Some(v)
}

/// What C11 states.
pub const C11_STATEMENT: &str =
    "theory: the trajectory model's predicted T0 and departures match simulation, in order of degree";

/// Claim C11 from the trajectory model's built-in configuration (`theory/sweeps/trajectory.toml`),
/// as a verdict; its tolerance is computed as documented in `theory/README.md`.
pub fn trajectory_verdict() -> Option<Verdict> {
    use crate::claims::{Outcome, Stat};
    let threshold = "|ln(t_sim/t_pred)| <= ln(grid ratios) + 3 SD(gap)/slope for T0 and every departure; departures strictly in order of degree, predicted and simulated";
    let v = match crate::theory::trajectory::run(None) {
        Err(e) => Verdict {
            outcome: Outcome::Fail(format!("trajectory model failed: {e}")),
            threshold: threshold.into(),
            ..Verdict::skipped("C11", "theory", C11_STATEMENT, "")
        },
        Ok(r) => {
            let c = &r.c11;
            let t = |v: Option<f64>| v.map_or("none".to_string(), |x| format!("{x:.3}"));
            let mut problems: Vec<String> = c
                .rows
                .iter()
                .filter(|row| !row.agree)
                .map(|row| {
                    format!(
                        "{}: predicted {}, simulated {}, tolerance {}",
                        row.reference,
                        t(row.predicted),
                        t(row.simulated),
                        t(row.tolerance)
                    )
                })
                .collect();
            if !c.predicted_order {
                problems.push("predicted departures not in order of degree".into());
            }
            if !c.simulated_order {
                problems.push("simulated departures not in order of degree".into());
            }
            // Per reference: |ln(t_sim / t_pred)| / tolerance (<= 1 agrees); the statistic is the
            // largest.
            let ratios: Vec<String> = c
                .rows
                .iter()
                .map(|row| match (row.ln_ratio, row.tolerance) {
                    (Some(l), Some(tol)) if tol > 0.0 => {
                        format!("{} {:.3}", row.reference, l.abs() / tol)
                    }
                    _ => format!("{} -", row.reference),
                })
                .collect();
            let worst = c
                .rows
                .iter()
                .map(|row| match (row.ln_ratio, row.tolerance) {
                    (Some(l), Some(tol)) if tol > 0.0 => l.abs() / tol,
                    _ => f64::INFINITY,
                })
                .fold(0.0, f64::max);
            Verdict {
                id: "C11".into(),
                scope: "theory".into(),
                statement: C11_STATEMENT.into(),
                measured: format!(
                    "largest |ln(t_sim/t_pred)| / tolerance over C_k ({}); departures (predicted / simulated): {}",
                    ratios.join(", "),
                    c.rows
                        .iter()
                        .map(|row| format!(
                            "{} {} / {}",
                            row.reference,
                            t(row.predicted),
                            t(row.simulated)
                        ))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                statistic: Stat::of(&[worst]),
                per_seed: Vec::new(),
                per_group: Vec::new(),
                threshold: threshold.into(),
                variant: false,
                outcome: if c.pass && problems.is_empty() {
                    Outcome::Pass
                } else {
                    Outcome::Fail(problems.join("; "))
                },
            }
        }
    };
    Some(v)
}

/// The claims table as printed by `sgdc verify`.
pub fn table(report: &Report) -> String {
    claims::table(&report.verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_experiment_can_leave_one_tier_out_of_verify() {
        let d = tempfile::tempdir().unwrap();
        let text = |name: &str, quick_extra: &str| {
            format!(
                "[experiment]\nname = \"{name}\"\ntitle = \"t\"\nkind = \"task\"\nclaims = [\"C5\"]\n\n\
                 [tiers.quick]\nseeds = [1, 2, 3]\n{quick_extra}\n[tiers.full]\nseeds = [1, 2, 3]\n\n\
                 [train]\ndata = {{ task = \"disc-sinusoid\" }}\n"
            )
        };
        std::fs::write(d.path().join("a.toml"), text("a", "")).unwrap();
        std::fs::write(d.path().join("b.toml"), text("b", "in_verify = false\n")).unwrap();
        let exps = experiment::load_dir(d.path()).unwrap();
        let quick = left_out(&exps, Tier::Quick);
        assert_eq!(quick.keys().collect::<Vec<_>>(), ["b"]);
        assert!(quick["b"].contains("in_verify") && quick["b"].contains("sgdc run b"));
        assert!(left_out(&exps, Tier::Full).is_empty());

        // `sgdc report` skips a left-out experiment only while none of its folders has runs of it.
        let out = tempfile::tempdir().unwrap();
        let dirs = [out.path().to_path_buf()];
        assert_eq!(
            left_out_unrun(&exps, Tier::Quick, &dirs)
                .keys()
                .collect::<Vec<_>>(),
            ["b"]
        );
        std::fs::create_dir_all(out.path().join("runs").join("b")).unwrap();
        assert!(left_out_unrun(&exps, Tier::Quick, &dirs).is_empty());
    }
}
