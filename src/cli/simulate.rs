//! `sgdc simulate`: run the theory simulator (a sweep, or one point) and report theory against
//! simulation, with claim C8.

use anyhow::Result;
use clap::{Args, ValueEnum};
use sgd_complexity::run::atomic::write_atomic;
use sgd_complexity::theory::{evaluate_c8, plot, run_sweep, C8Thresholds, ModelKind, SweepSpec};
use std::io::Write;
use std::path::PathBuf;

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

/// Run the command.
pub fn run(args: SimulateArgs) -> Result<()> {
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
    if let Some(s) = args.seed {
        spec.seed = s;
    }
    if let Some(s) = args.seeds {
        spec.seeds = s;
    }
    if let Some(m) = args.n_test {
        spec.n_test = m;
    }
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

    let quiet = args.quiet;
    let sweep = run_sweep(&spec, &mut |done, total| {
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
        write_atomic(&dir.join("table.md"), table.as_bytes())?;
        write_atomic(
            &dir.join("sweep.json"),
            serde_json::to_string_pretty(&sweep)?.as_bytes(),
        )?;
        write_atomic(
            &dir.join("c8.json"),
            serde_json::to_string_pretty(&c8)?.as_bytes(),
        )?;
        let fig = dir.join("figure.svg");
        write_atomic(&fig, plot::svg(&sweep, &fig)?.as_bytes())?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let v = serde_json::json!({ "sweep": sweep, "c8": c8 });
        writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
    } else {
        writeln!(out, "{table}")?;
        if !single {
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
        }
        let per_run: Vec<String> = sweep
            .runs
            .iter()
            .map(|r| format!("{:.2}", r.seconds.iter().sum::<f64>()))
            .collect();
        if single {
            writeln!(
                out,
                "seconds per simulation (sample, fit, test): {:?}",
                sweep.runs.iter().map(|r| r.seconds).collect::<Vec<_>>()
            )?;
        } else if !quiet {
            eprintln!("seconds per simulation: {}", per_run.join(" "));
        }
        writeln!(out, "sweep wall-clock: {:.1} s", sweep.seconds)?;
    }
    Ok(())
}
