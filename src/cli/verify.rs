//! `sgdc verify`, `sgdc run EXPERIMENT` and `sgdc report DIR...`.

use clap::{Args, ValueEnum};
use sgd_complexity::verify::experiment::{self, Experiment, Tier};
use sgd_complexity::verify::runs::Executor;
use sgd_complexity::verify::{self as v, VerifyOptions};
use sgd_complexity::Error;
use std::path::PathBuf;
use std::process::ExitCode;

/// Verification tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TierArg {
    /// Small budgets: minutes on a 2-core CPU.
    Quick,
    /// Paper scale.
    Full,
}

impl From<TierArg> for Tier {
    fn from(t: TierArg) -> Tier {
        match t {
            TierArg::Quick => Tier::Quick,
            TierArg::Full => Tier::Full,
        }
    }
}

/// Options shared by `verify` and `run`.
#[derive(Args, Debug)]
pub struct Common {
    /// Tier of every experiment.
    #[arg(long, value_enum, default_value = "quick")]
    pub tier: TierArg,
    /// Output folder: runs go to OUT/runs, the report to OUT/report.
    #[arg(long, default_value = "out/verify")]
    pub out: PathBuf,
    /// Runs at a time (threads are shared out between them).
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Where real data sets live (default: $SGDC_DATA_DIR or data/).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Folder of experiment files.
    #[arg(long, default_value = "experiments")]
    pub experiments: PathBuf,
    /// Seeds instead of each experiment's tier seeds (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub seeds: Option<Vec<u64>>,
    /// Only print the claims table.
    #[arg(long)]
    pub quiet: bool,
    /// Compute device of the runs.
    #[arg(long, value_enum, default_value = "cpu")]
    pub device: DeviceArg,
}

/// Compute device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DeviceArg {
    /// The CPU.
    Cpu,
    /// The first CUDA device (needs a build with the `cuda` feature).
    Cuda,
}

/// The executor of this build.
#[cfg(feature = "torch")]
fn executor(c: &Common) -> Box<dyn Executor> {
    use sgd_complexity::train::Device;
    use sgd_complexity::verify::trainer::TorchExecutor;
    let device = match c.device {
        DeviceArg::Cpu => Device::Cpu,
        DeviceArg::Cuda => Device::Cuda,
    };
    Box::new(TorchExecutor {
        device,
        data_dir: data_dir(&c.data_dir),
    })
}

/// The executor of a build without libtorch: every run fails with a clear message.
#[cfg(not(feature = "torch"))]
fn executor(c: &Common) -> Box<dyn Executor> {
    let _ = (c.device, &c.data_dir);
    Box::new(NoTrainer)
}

/// Arguments of `sgdc verify`.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    #[command(flatten)]
    pub common: Common,
    /// Only run shard I of N (1-based, e.g. `2/8`), for cluster job arrays; merge the shards'
    /// output folders with `sgdc report`.
    #[arg(long)]
    pub shard: Option<String>,
    /// Compare the claims table with the one pinned in FILE (per CPU vendor:
    /// `FILE` = `snapshots/verify_quick_claims.snap` reads `verify_quick_claims@<vendor>.snap`);
    /// a difference fails the verification and writes the new table to `<pin>.new` for review
    /// (`cargo insta review`).
    #[arg(long, value_name = "FILE")]
    pub pin: Option<PathBuf>,
}

/// Arguments of `sgdc run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Experiment name (a file in the experiments folder) or path to an experiment file.
    pub experiment: String,
    #[command(flatten)]
    pub common: Common,
}

/// Arguments of `sgdc report`.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Output folders of `sgdc verify` (e.g. one per shard) whose runs are merged.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Where to write the report (default: DIR/report of the first folder).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Tier the runs were made with.
    #[arg(long, value_enum, default_value = "quick")]
    pub tier: TierArg,
    /// Folder of experiment files.
    #[arg(long, default_value = "experiments")]
    pub experiments: PathBuf,
    /// Where real data sets live (to tell which experiments were skipped).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// The seeds the runs were made with, when `sgdc verify` was given `--seeds`
    /// (comma-separated; default: each experiment's tier seeds).
    #[arg(long, value_delimiter = ',')]
    pub seeds: Option<Vec<u64>>,
}

fn parse_shard(s: &str) -> Result<(usize, usize), Error> {
    let bad = || Error::param("--shard", s, "expected I/N with 1 <= I <= N");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (usize, usize) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok((i - 1, n))
}

fn command_line() -> String {
    std::env::args()
        .enumerate()
        .map(|(i, a)| if i == 0 { "sgdc".to_string() } else { a })
        .collect::<Vec<_>>()
        .join(" ")
}

fn data_dir(d: &Option<PathBuf>) -> PathBuf {
    d.clone()
        .unwrap_or_else(sgd_complexity::data::fetch::default_data_dir)
}

fn options(c: &Common, shard: Option<(usize, usize)>) -> Result<VerifyOptions, Error> {
    if c.jobs == 0 {
        return Err(Error::param("--jobs", 0, "must be at least 1"));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    Ok(VerifyOptions {
        tier: c.tier.into(),
        seeds: c.seeds.clone(),
        out: c.out.clone(),
        data_dir: data_dir(&c.data_dir),
        jobs: c.jobs,
        threads_per_job: (cores / c.jobs).max(1),
        shard,
        progress: !c.quiet,
        command: command_line(),
        aggregate: true,
    })
}

/// Check the user files (`task = "files"`, TorchScript networks) of every experiment before any
/// run starts, so that a bad one is named at once (exit status 2).
#[cfg(feature = "torch")]
fn preflight(experiments: &[Experiment], opts: &VerifyOptions) -> Result<(), Error> {
    for e in experiments {
        let tier_seeds = &e.tier(opts.tier).seeds;
        let seed = opts
            .seeds
            .as_ref()
            .and_then(|s| s.first())
            .or(tier_seeds.first())
            .copied()
            .unwrap_or(0);
        let origin = e.path.display().to_string();
        for (_, train) in e
            .run_sets(opts.tier)
            .iter()
            .chain(&e.reference_configs(opts.tier))
        {
            sgd_complexity::train::own::preflight(train, &origin, &opts.data_dir, seed)?;
        }
    }
    Ok(())
}

/// Print the headline, the claims table and what is not as expected; returns whether the gate
/// passes.
fn print_verdicts(r: &sgd_complexity::report::Report) -> bool {
    use sgd_complexity::claims::gate;
    println!("{}", gate::headline(&r.verdicts));
    println!();
    println!("{}", v::table(r));
    let mismatches = gate::mismatches(&r.verdicts);
    for m in &mismatches {
        println!("not as expected: {m}");
    }
    mismatches.is_empty()
}

/// Compare the verdicts with the pinned table; returns whether they are the pinned ones (or no
/// pin exists for this CPU vendor yet).
fn check_pin(pin: &std::path::Path, r: &sgd_complexity::report::Report) -> Result<bool, Error> {
    use sgd_complexity::verify::pin::{check, cpu_vendor, pin_path, PinCheck};
    let vendor = cpu_vendor();
    let file = pin_path(pin, &vendor);
    let expression = format!("claims table of `{}`", r.command);
    Ok(match check(&file, &r.verdicts, &expression)? {
        PinCheck::Same => {
            println!(
                "pin: the claims table is the one pinned in {}",
                file.display()
            );
            true
        }
        PinCheck::NoPin(new) => {
            println!(
                "pin: no claims table pinned for this CPU vendor ({vendor}) yet; this one is in {} (review it and move it to {})",
                new.display(),
                file.display()
            );
            true
        }
        PinCheck::Differs { diff, new_file } => {
            println!(
                "pin: the claims table differs from the one pinned in {} (accept it on purpose: `cargo insta review`, or move {} over it):",
                file.display(),
                new_file.display()
            );
            for l in diff {
                println!("  {l}");
            }
            false
        }
    })
}

/// Run what is missing, evaluate, print the table. Exit status 1 when a claim is not as
/// expected, a run failed or the pinned table differs (README, "Exit status"); errors before any
/// run (arguments, experiment files) are returned.
fn go(
    exec: &dyn Executor,
    experiments: &[Experiment],
    opts: &VerifyOptions,
    pin: Option<&std::path::Path>,
) -> Result<ExitCode, Error> {
    #[cfg(feature = "torch")]
    preflight(experiments, opts)?;
    let o = v::verify(exec, experiments, opts)?;
    let trained = o.jobs.iter().filter(|j| !j.reused).count();
    let failed: Vec<_> = o.jobs.iter().filter(|j| j.error.is_some()).collect();
    let gate = print_verdicts(&o.report);
    println!(
        "runs: {} planned, {} reused, {} made, {} failed; {:.0} s running, {:.1} s evaluating",
        o.jobs.len(),
        o.jobs.len() - trained,
        trained - failed.len(),
        failed.len(),
        o.run_seconds,
        o.report_seconds
    );
    for j in &failed {
        println!(
            "failed run {}: {}",
            j.rel_dir.display(),
            j.error.as_deref().unwrap_or("")
        );
    }
    println!(
        "report: {}",
        opts.out.join("report").join("index.html").display()
    );
    let pinned = match pin {
        Some(p) => check_pin(p, &o.report)?,
        None => true,
    };
    if !gate {
        println!("the gate FAILS: some claims are not as expected (see above)");
    }
    Ok(if gate && pinned && failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `sgdc verify`.
pub fn verify(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let exec = executor(&args.common);
    let shard = args.shard.as_deref().map(parse_shard).transpose()?;
    let opts = options(&args.common, shard)?;
    let experiments = experiment::load_dir(&args.common.experiments)?;
    Ok(go(exec.as_ref(), &experiments, &opts, args.pin.as_deref())?)
}

/// `sgdc run EXPERIMENT`.
pub fn run(args: RunArgs) -> anyhow::Result<ExitCode> {
    let exec = executor(&args.common);
    let mut opts = options(&args.common, None)?;
    opts.aggregate = false;
    let e = experiment::find(&args.common.experiments, &args.experiment)?;
    Ok(go(exec.as_ref(), std::slice::from_ref(&e), &opts, None)?)
}

/// `sgdc report DIR...`: exit status 1 when a claim is not as expected (an undecided claim
/// whose added seeds are not in the folders included).
pub fn report(args: ReportArgs) -> anyhow::Result<ExitCode> {
    for d in &args.dirs {
        if !d.join("runs").is_dir() {
            return Err(Error::param(
                "DIR",
                d.display(),
                "has no runs/ folder (not an output folder of sgdc verify)",
            )
            .into());
        }
    }
    let experiments = experiment::load_dir(&args.experiments)?;
    let tier: Tier = args.tier.into();
    let report_dir = args
        .report
        .clone()
        .unwrap_or_else(|| args.dirs[0].join("report"));
    let mut skipped = v::skipped(&experiments, tier, &data_dir(&args.data_dir));
    for (name, why) in v::left_out_unrun(&experiments, tier, &args.dirs) {
        skipped.entry(name).or_insert(why);
    }
    let r = v::evaluate::evaluate(&v::evaluate::Evaluation {
        experiments: &experiments,
        tier,
        seeds: args.seeds.as_deref(),
        dirs: &args.dirs,
        skipped,
        report_dir: report_dir.clone(),
        command: command_line(),
        theory: v::theory_verdict(),
        trajectory: v::trajectory_verdict(),
        aggregate: true,
    })?;
    let gate = print_verdicts(&r);
    println!("report: {}", report_dir.join("index.html").display());
    Ok(if gate {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// An executor for builds without the trainer: every run fails with a clear message.
#[cfg(not(feature = "torch"))]
pub struct NoTrainer;

#[cfg(not(feature = "torch"))]
impl Executor for NoTrainer {
    fn train(
        &self,
        _: &sgd_complexity::verify::runs::Job,
        _: &std::path::Path,
        _: usize,
    ) -> sgd_complexity::Result<()> {
        Err(no_trainer())
    }
    fn mimic(
        &self,
        _: &sgd_complexity::verify::runs::Job,
        _: &std::path::Path,
        _: &std::path::Path,
        _: usize,
    ) -> sgd_complexity::Result<()> {
        Err(no_trainer())
    }
    fn reparam(&self, _: &std::path::Path, _: u64) -> sgd_complexity::Result<(Vec<u8>, Vec<u8>)> {
        Err(no_trainer())
    }
}

#[cfg(not(feature = "torch"))]
fn no_trainer() -> Error {
    Error::param(
        "build",
        "without the trainer",
        "this sgdc cannot train; build with the torch feature (the default) or evaluate existing runs with `sgdc report`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_syntax() {
        assert_eq!(parse_shard("2/8").unwrap(), (1, 8));
        for bad in ["0/3", "4/3", "x", "1/0", "1-2"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
