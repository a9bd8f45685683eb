//! `sgdc verify`: run the experiments, evaluate the claims, write the report.
//!
//! The experiment registry is the folder `experiments/` ([`experiment`]); runs are planned,
//! reused, resumed and sharded by [`runs`]; [`evaluate`](mod@evaluate) turns finished run folders into
//! verdicts, figures and the report. How a run is trained is supplied through
//! [`runs::Executor`] (the binary plugs in the libtorch trainer), so everything here builds
//! and tests without libtorch.

pub mod evaluate;
pub mod experiment;
mod locate;
pub mod pin;
pub mod reparam;
pub mod runs;
mod seeds;
pub mod sequential;
mod task_figures;
#[cfg(feature = "torch")]
pub mod trainer;

use crate::claims::format::num;
use crate::claims::{self, Verdict};
use crate::error::Result;
use crate::report::Report;
use crate::theory::trajectory::claim::C11Result;
use evaluate::{evaluate, Evaluation};
use experiment::{Experiment, Tier};
use locate::data_absent;
use reparam::{store_reparam, REPARAM_FILE};
use runs::{execute, plan, shard, Executor, JobReport};
use seeds::wanted_units;
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
    let mut jobs = run_units(exec, experiments, opts, units);
    let mut ev = Evaluation {
        experiments,
        tier: opts.tier,
        seeds: opts.seeds.as_deref(),
        dirs: std::slice::from_ref(&opts.out),
        skipped: skip,
        report_dir: opts.out.join("report"),
        command: opts.command.clone(),
        theory: None,
        trajectory: None,
        aggregate: opts.aggregate,
    };
    // Undecided claims ask for more seeds, a batch at a time (not in a shard: the merged report
    // says which claims are undecided, and a whole `sgdc verify` runs their seeds).
    if opts.shard.is_none() {
        let mut tried: Vec<PathBuf> = Vec::new();
        loop {
            // A unit is new while one of its runs was not tried (a batch first run for C2 and
            // then asked for with its references by C6 runs the references).
            let wanted: Vec<_> = wanted_units(&ev)?
                .into_iter()
                .filter(|u| u.iter().any(|j| !tried.contains(&j.rel_dir)))
                .collect();
            if wanted.is_empty() {
                break;
            }
            if opts.progress {
                eprintln!(
                    "verify: undecided claims ask for more seeds: {} more runs ({})",
                    wanted.iter().map(Vec::len).sum::<usize>(),
                    describe_units(&wanted)
                );
            }
            tried.extend(wanted.iter().flatten().map(|j| j.rel_dir.clone()));
            jobs.extend(run_units(exec, experiments, opts, wanted));
        }
    }
    let run_seconds = start.elapsed().as_secs_f64();
    let start = Instant::now();
    // C8 and C11 are only reported with the aggregate claims; they are not free, so they run
    // only then (C11 about 10 s in release).
    if opts.aggregate {
        ev.theory = theory_verdict();
        ev.trajectory = trajectory_verdict();
    }
    let report = evaluate(&ev)?;
    Ok(VerifyOutcome {
        report,
        jobs,
        run_seconds,
        report_seconds: start.elapsed().as_secs_f64(),
    })
}

/// `toy seeds 4-6, mnist/ref seeds 4-6`: what a list of units runs.
fn describe_units(units: &[runs::Unit]) -> String {
    let mut by: Vec<(String, Vec<u64>)> = Vec::new();
    for u in units {
        let name = format!(
            "{}{}",
            u[0].experiment,
            if u[0].set == "main" {
                String::new()
            } else {
                format!("/{}", u[0].set)
            }
        );
        match by.iter_mut().find(|(n, _)| *n == name) {
            Some((_, s)) => s.push(u[0].seed),
            None => by.push((name, vec![u[0].seed])),
        }
    }
    by.iter()
        .map(|(n, s)| format!("{n} seeds {}", claims::format::seed_ranges(s)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Run `units` and the reparameterisation check of every finished run of an experiment that
/// asks for it (C7).
fn run_units(
    exec: &dyn Executor,
    experiments: &[Experiment],
    opts: &VerifyOptions,
    units: Vec<runs::Unit>,
) -> Vec<JobReport> {
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
    jobs
}

/// `(D/n, Pr[F != L])` pairs as `2.0: 0.120, 5.0: 0.061`.
fn pairs(v: &[(f64, f64)]) -> String {
    v.iter()
        .map(|(x, p)| format!("{}: {}", num(*x, 1), num(*p, 3)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Claim C8 from the theory simulator's default sweep (`theory/sweeps/default.toml`), as a
/// verdict; its thresholds are the theory module's (`theory/README.md`).
pub fn theory_verdict() -> Option<Verdict> {
    use crate::claims::{Outcome, Stat};
    let statement = "theory: retention in the simplified model";
    let threshold = "mu(F;L)/I(L;Y) >= 0.8 at the largest D/n; Pr[F != L] falls as D/n grows; theory agrees with simulation wherever it applies; the D ~ n control loses >= 0.05 test accuracy";
    let v = match crate::theory::claim::claim_c8(None) {
        Err(e) => Verdict {
            outcome: Outcome::Fails(format!("theory sweep failed: {e}")),
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
                    "Pr[F != L] does not fall with D/n: {}",
                    pairs(&r.pr_disagree_by_d_over_n)
                ));
            }
            if !r.theory_ok {
                problems.push(format!(
                    "theory agrees at {} of {} points",
                    r.theory_agree.0, r.theory_agree.1
                ));
            }
            if !r.control_ok {
                problems.push(match r.control {
                    Some((l, f, ret)) => format!(
                        "negative control: acc L {}, acc F {}, mu/I(L;Y) {}",
                        num(l, 3),
                        num(f, 3),
                        num(ret, 3)
                    ),
                    None => "no negative control in the sweep".into(),
                });
            }
            Verdict {
                id: "C8".into(),
                scope: "theory".into(),
                statement: statement.into(),
                measured: format!(
                    "mu(F;L)/I(L;Y) at D/n = {:.1} (simulation; Pr[F != L] by D/n: {})",
                    r.retention_at_d_over_n,
                    pairs(&r.pr_disagree_by_d_over_n)
                ),
                statistic: Some(Stat::single(r.retention)),
                per_seed: Vec::new(),
                per_group: Vec::new(),
                threshold: threshold.into(),
                variant: false,
                expected: Default::default(),
                runs: Vec::new(),
                seed_side: None,
                outcome: if r.pass && problems.is_empty() {
                    Outcome::Holds
                } else {
                    Outcome::Fails(problems.join("; "))
                },
            }
        }
    };
    Some(v)
}

/// What C11 states.
pub const C11_STATEMENT: &str =
    "theory: the trajectory model's predicted T0 and departures match simulation, in order of degree";

/// C11's threshold, as the claims table states it.
const C11_THRESHOLD: &str = "|ln(t_sim/t_pred)| <= ln(grid ratios) + 3 SD(gap)/slope for T0 and every departure; departures strictly in order of degree, predicted and simulated";

/// Claim C11 from the trajectory model's built-in configuration (`theory/sweeps/trajectory.toml`),
/// as a verdict; its tolerance is computed as documented in `theory/README.md`.
pub fn trajectory_verdict() -> Option<Verdict> {
    use crate::claims::Outcome;
    let v = match crate::theory::trajectory::evaluate(None) {
        Err(e) => Verdict {
            outcome: Outcome::Fails(format!("trajectory model failed: {e}")),
            threshold: C11_THRESHOLD.into(),
            ..Verdict::skipped("C11", "theory", C11_STATEMENT, "")
        },
        Ok(r) => c11_verdict(&r.c11),
    };
    Some(v)
}

/// A departure time to three decimals, `none` when there is none.
fn departure_text(v: Option<f64>) -> String {
    v.map_or("none".to_string(), |x| format!("{x:.3}"))
}

/// What keeps C11 from holding: references whose departures disagree, orders not by degree.
fn c11_problems(c: &C11Result) -> Vec<String> {
    let t = departure_text;
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
    problems
}

/// The verdict on a computed C11.
fn c11_verdict(c: &C11Result) -> Verdict {
    use crate::claims::{Outcome, Stat};
    let t = departure_text;
    let problems = c11_problems(c);
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
    let departures = c
        .rows
        .iter()
        .map(|row| {
            format!(
                "{} {} / {}",
                row.reference,
                t(row.predicted),
                t(row.simulated)
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    Verdict {
        id: "C11".into(),
        scope: "theory".into(),
        statement: C11_STATEMENT.into(),
        measured: format!(
            "largest |ln(t_sim/t_pred)| / tolerance over C_k ({}); departures (predicted / simulated): {}",
            ratios.join(", "),
            departures
        ),
        statistic: Some(Stat::single(worst)),
        per_seed: Vec::new(),
        per_group: Vec::new(),
        threshold: C11_THRESHOLD.into(),
        variant: false,
        expected: Default::default(),
        runs: Vec::new(),
        seed_side: None,
        outcome: if c.pass && problems.is_empty() {
            Outcome::Holds
        } else {
            Outcome::Fails(problems.join("; "))
        },
    }
}

/// The claims table as printed by `sgdc verify`.
pub fn table(report: &Report) -> String {
    claims::format::table(&report.verdicts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::RunRecord;
    use runs::tests::write_run;
    use runs::Job;

    /// Writes the fake runs of `runs::tests`, except that seed 2's final network loses what L
    /// knows on the test set (its errors move onto points where L is right).
    struct Forgetful;

    impl Executor for Forgetful {
        fn train(&self, job: &Job, dir: &Path, _threads: usize) -> Result<()> {
            write_run(dir, job.seed);
            if job.seed == 2 {
                let mut rec = RunRecord::load(dir)?;
                let n = rec.y_test.len();
                let start = rec.pred_test.len() - n;
                for i in 0..n {
                    let wrong = i < n / 5;
                    rec.pred_test[start + i] = if wrong {
                        1 - rec.y_test[i]
                    } else {
                        rec.y_test[i]
                    };
                }
                rec.save(dir)?;
                let mut m = crate::run::Manifest::load(dir)?;
                m.prediction_hash = Some(rec.prediction_hash());
                m.save(dir)?;
            }
            Ok(())
        }
        fn mimic(&self, job: &Job, _t: &Path, dir: &Path, threads: usize) -> Result<()> {
            self.train(job, dir, threads)
        }
        fn reparam(&self, run: &Path, _seed: u64) -> Result<(Vec<u8>, Vec<u8>)> {
            let last = RunRecord::load(run)?.last_test_row()?.to_vec();
            Ok((last.clone(), last))
        }
    }

    #[test]
    fn an_undecided_claim_gets_the_next_batch_of_seeds() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("toy.toml"),
            "[experiment]\nname = \"toy\"\ntitle = \"t\"\nkind = \"task\"\nclaims = [\"C5\"]\n\n\
             [tiers.quick]\nseeds = [1, 2, 3]\n\n[tiers.full]\nseeds = [1, 2, 3]\n\n\
             [train]\ndata = { task = \"disc-sinusoid\" }\n",
        )
        .unwrap();
        let exps = experiment::load_dir(d.path()).unwrap();
        let opts = VerifyOptions {
            tier: Tier::Quick,
            seeds: None,
            out: d.path().join("out"),
            data_dir: d.path().to_path_buf(),
            jobs: 1,
            threads_per_job: 1,
            shard: None,
            progress: false,
            command: "sgdc verify".into(),
            aggregate: false,
        };
        let o = verify(&Forgetful, &exps, &opts).unwrap();
        let c5 = o.report.verdicts.iter().find(|v| v.id == "C5").unwrap();
        // Seed 2 alone leaves seeds 1-3 undecided; batches of three follow until the IQM
        // outvotes it with its interval clear of 0.8.
        assert_eq!(c5.outcome, claims::Outcome::Holds, "{c5:?}");
        let seeds: Vec<u64> = c5.per_seed.iter().map(|(s, _)| *s).collect();
        let n = seeds.len() as u64;
        assert!(n > 3 && n.is_multiple_of(3), "{seeds:?}");
        assert_eq!(seeds, (1..=n).collect::<Vec<_>>());
        assert_eq!(o.jobs.len() as u64, n);
        let note = &o.report.sections[0].note;
        assert!(
            note.contains(&format!("Seeds added by the decision rule: 4-{n}")),
            "{note}"
        );
        // `sgdc report` replays the decision from the runs present ...
        let ev = Evaluation {
            experiments: &exps,
            tier: Tier::Quick,
            seeds: None,
            dirs: std::slice::from_ref(&opts.out),
            skipped: BTreeMap::new(),
            report_dir: opts.out.join("report"),
            command: "sgdc report".into(),
            theory: None,
            trajectory: None,
            aggregate: false,
        };
        assert_eq!(evaluate(&ev).unwrap().verdicts, o.report.verdicts);
        // ... and without the added runs the claim says it is undecided, asking for them.
        std::fs::remove_dir_all(opts.out.join("runs/toy/main")).unwrap();
        let o = verify(&Forgetful, &exps, &opts).unwrap();
        assert_eq!(o.jobs.len() as u64, n);
        for dir in std::fs::read_dir(opts.out.join("runs/toy/main")).unwrap() {
            let name = dir.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with("seed-5-") {
                std::fs::remove_dir_all(opts.out.join("runs/toy/main").join(name)).unwrap();
            }
        }
        let r = evaluate(&ev).unwrap();
        let c5 = r.verdicts.iter().find(|v| v.id == "C5").unwrap();
        assert!(c5.undecided(), "{c5:?}");
        assert!(!crate::claims::gate::passes(&r.verdicts));
        assert_eq!(wanted_units(&ev).unwrap().len(), 3);
    }

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
