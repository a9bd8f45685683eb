//! `sgdc simulate`: run the theory simulator (a sweep, or one point) and report theory against
//! simulation, with claim C8.

use anyhow::Result;
use clap::{Args, ValueEnum};
use sgd_complexity::run::atomic::write_atomic;
use sgd_complexity::theory::{
    evaluate_c8, plot, simulate_sweep, C8Result, C8Thresholds, ModelKind, SweepResult, SweepSpec,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The built-in models.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Model {
    /// Gaussian signal and Gaussian extra coordinates (the closed form is exact).
    GaussianLinear,
    /// Hypercube signal and sign extra coordinates (the closed form holds through the CLT).
    Hypercube,
}

/// Arguments of `sgdc simulate`.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The model (default: the sweep file's, else gaussian-linear).
    pub model: Option<Model>,
    /// A sweep file (TOML); default: the built-in sweep (theory/sweeps/default.toml).
    #[arg(long)]
    pub sweep: Option<PathBuf>,
    /// Print the full result as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Write table.md, sweep.json, c8.json and figure.svg into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// First seed (overrides the sweep's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Seeds per point (overrides the sweep's).
    #[arg(long)]
    pub seeds: Option<u64>,
    /// Run a single point instead of the sweep's variations: training points n.
    #[arg(long)]
    pub n: Option<usize>,
    /// Single point: total input dimension D.
    #[arg(long)]
    pub dim: Option<usize>,
    /// Single point: signal dimension d.
    #[arg(long)]
    pub signal_dim: Option<usize>,
    /// Single point: label-noise rate eta.
    #[arg(long)]
    pub eta: Option<f64>,
    /// Test points per simulation (overrides the sweep's).
    #[arg(long)]
    pub n_test: Option<usize>,
    /// Check gradient descent against the closed form at every point.
    #[arg(long)]
    pub gd: bool,
    /// No progress on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Run the command: the sweep as the arguments amend it, its outputs, the table (or JSON).
pub fn run(args: SimulateArgs) -> Result<()> {
    let (spec, single) = sweep_spec(&args)?;
    let quiet = args.quiet;
    let sweep = simulate_sweep(&spec, &mut |done, total| {
        if !quiet {
            eprint!("\rsimulate: {done}/{total} points");
            if done == total {
                eprintln!();
            }
        }
    })?;
    let c8 = evaluate_c8(&sweep, &C8Thresholds::default());
    let table = sweep.markdown();
    if let Some(dir) = &args.out {
        write_outputs(dir, &sweep, &c8, &table)?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = serde_json::json!({ "sweep": sweep, "c8": c8 });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    writeln!(out, "{table}")?;
    if single {
        writeln!(
            out,
            "seconds per simulation (sample, fit, test): {:?}",
            sweep.runs.iter().map(|r| r.seconds).collect::<Vec<_>>()
        )?;
    } else {
        print_c8(&mut out, &c8)?;
        if !quiet {
            let per_run: Vec<String> = sweep
                .runs
                .iter()
                .map(|r| format!("{:.2}", r.seconds.iter().sum::<f64>()))
                .collect();
            eprintln!("seconds per simulation: {}", per_run.join(" "));
        }
    }
    writeln!(out, "sweep wall-clock: {:.1} s", sweep.seconds)?;
    Ok(())
}

/// The sweep to run: the file's (or the built-in one), amended by the arguments, checked; and
/// whether the arguments asked for a single point.
fn sweep_spec(args: &SimulateArgs) -> Result<(SweepSpec, bool)> {
    let mut spec = match &args.sweep {
        Some(p) => SweepSpec::load(p)?,
        None => SweepSpec::default_sweep()?,
    };
    if let Some(m) = args.model {
        spec.model = match m {
            Model::GaussianLinear => ModelKind::GaussianLinear,
            Model::Hypercube => ModelKind::Hypercube,
        };
    }
    spec.seed = args.seed.unwrap_or(spec.seed);
    spec.seeds = args.seeds.unwrap_or(spec.seeds);
    spec.n_test = args.n_test.unwrap_or(spec.n_test);
    let single =
        args.n.is_some() || args.dim.is_some() || args.signal_dim.is_some() || args.eta.is_some();
    if single {
        let b = &mut spec.base;
        b.n = args.n.unwrap_or(b.n);
        b.dim = args.dim.unwrap_or(b.dim);
        b.signal_dim = args.signal_dim.unwrap_or(b.signal_dim);
        b.eta = args.eta.unwrap_or(b.eta);
        spec.vary = Default::default();
        spec.points.clear();
    }
    if args.gd {
        spec.gd_check_max_work = f64::INFINITY;
    }
    spec.check()?;
    Ok((spec, single))
}

/// table.md, sweep.json, c8.json and figure.svg into `dir`, each written atomically.
fn write_outputs(dir: &Path, sweep: &SweepResult, c8: &C8Result, table: &str) -> Result<()> {
    write_atomic(&dir.join("table.md"), table.as_bytes())?;
    write_atomic(
        &dir.join("sweep.json"),
        serde_json::to_string_pretty(sweep)?.as_bytes(),
    )?;
    write_atomic(
        &dir.join("c8.json"),
        serde_json::to_string_pretty(c8)?.as_bytes(),
    )?;
    let fig = dir.join("figure.svg");
    write_atomic(&fig, plot::svg(sweep, &fig)?.as_bytes())?;
    Ok(())
}

/// Claim C8's verdict and its parts, one line each.
fn print_c8(out: &mut impl Write, c8: &C8Result) -> Result<()> {
    writeln!(out, "C8: {}", if c8.pass { "PASS" } else { "FAIL" })?;
    writeln!(
        out,
        "  retention mu/I(L;Y) = {:.3} at D/n = {:.0} (>= {}): {}",
        c8.retention, c8.retention_at_d_over_n, c8.thresholds.retention, c8.retention_ok
    )?;
    writeln!(out, "  Pr[F!=L] falls with D/n: {}", c8.disagreement_falls)?;
    writeln!(
        out,
        "  theory within the interval at {}/{} points: {}",
        c8.theory_agree.0, c8.theory_agree.1, c8.theory_ok
    )?;
    writeln!(
        out,
        "  negative control (acc L, acc F, mu/I) = {:?}: {}",
        c8.control, c8.control_ok
    )?;
    Ok(())
}
