//! `sgdc trajectory`: the trajectory model's closed form beside its simulation, with claim C11.

use anyhow::{Context, Result};
use clap::Args;
use sgd_complexity::theory::trajectory::{evaluate, plot, TrajectoryConfig};
use sgd_complexity::trajectory_network::{compare, NetworkRun};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `sgdc trajectory`.
#[derive(Debug, Args)]
pub struct TrajectoryArgs {
    /// A configuration file (TOML); default: the built-in one (theory/sweeps/trajectory.toml).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write table.md, curves.md, trajectory.json, figure.svg and figure.png into this folder.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the full result as JSON instead of the table.
    #[arg(long)]
    pub json: bool,
    /// Master seed (overrides the file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Training points of the simulation (overrides the file's).
    #[arg(long)]
    pub n: Option<usize>,
    /// Test points of the simulation (overrides the file's).
    #[arg(long)]
    pub n_test: Option<usize>,
    /// Input dimension d (overrides the file's).
    #[arg(long)]
    pub dim: Option<usize>,
    /// Training label-noise rate (overrides the file's).
    #[arg(long)]
    pub noise: Option<f64>,
    /// A finished `sgdc train` run folder on task "hermite": put the network beside the closed
    /// form of its data (the configuration gives the spectrum and numerics; the run gives dim,
    /// weights and noise). Writes network.md, network_curves.md and network.json under --out.
    #[arg(long, value_name = "RUN_DIR")]
    pub network: Option<PathBuf>,
    /// With --network: forecast the run's own timeline from its tangent kernel (`ntk`): its
    /// spectrum by Hermite degree, measured at initialisation and at the end, in the closed form
    /// instead of the configured spectrum, with T0 and the departures in SGD steps beside the
    /// recorded ones. Writes timeline.md, timeline.json and timeline.svg under --out.
    #[arg(long, value_name = "KIND", requires = "network", value_parser = ["ntk"])]
    pub spectrum: Option<String>,
    /// Gaussian points of the spectrum's sample (with --spectrum).
    #[arg(long, default_value_t = 16384)]
    pub spectrum_points: usize,
    /// Independent groups of the sample, for the spectrum's standard error (with --spectrum).
    #[arg(long, default_value_t = 8)]
    pub spectrum_groups: usize,
}

/// Run the command.
pub fn run_cmd(args: TrajectoryArgs) -> Result<()> {
    let mut cfg = match &args.config {
        Some(p) => TrajectoryConfig::load(p)?,
        None => TrajectoryConfig::default_config()?,
    };
    if let Some(s) = args.seed {
        cfg.seed = s;
    }
    if let Some(n) = args.n {
        cfg.simulation.n = n;
    }
    if let Some(n) = args.n_test {
        cfg.simulation.n_test = n;
    }
    if let Some(d) = args.dim {
        cfg.model.dim = d;
    }
    if let Some(r) = args.noise {
        cfg.model.noise = r;
    }
    cfg.check()?;
    if let (Some(dir), Some(_)) = (&args.network, &args.spectrum) {
        return timeline(dir, &cfg, &args);
    }
    if let Some(dir) = &args.network {
        let net = NetworkRun::load(dir)?;
        let cmp = compare(&net, &cfg)?;
        let table = cmp.markdown();
        if let Some(out) = &args.out {
            std::fs::create_dir_all(out)
                .with_context(|| format!("{}: cannot create", out.display()))?;
            write_atomic(&out.join("network.md"), table.as_bytes())?;
            write_atomic(
                &out.join("network_curves.md"),
                cmp.curves_markdown().as_bytes(),
            )?;
            write_atomic(
                &out.join("network.json"),
                serde_json::to_string_pretty(&cmp)?.as_bytes(),
            )?;
        }
        let mut stdout = std::io::stdout().lock();
        if args.json {
            writeln!(stdout, "{}", serde_json::to_string_pretty(&cmp)?)?;
        } else {
            writeln!(stdout, "{table}")?;
        }
        return Ok(());
    }
    let result = evaluate(Some(&cfg))?;
    let table = result.markdown();
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create", dir.display()))?;
        write_atomic(&dir.join("table.md"), table.as_bytes())?;
        write_atomic(&dir.join("curves.md"), result.curves_markdown().as_bytes())?;
        write_atomic(
            &dir.join("trajectory.json"),
            serde_json::to_string_pretty(&result)?.as_bytes(),
        )?;
        let fig = dir.join("figure.svg");
        write_atomic(&fig, plot::svg(&result, &fig)?.as_bytes())?;
        plot::png(&result, &dir.join("figure.png"))?;
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&result)?)?;
    } else {
        writeln!(out, "{table}")?;
    }
    Ok(())
}

/// `--network RUN --spectrum ntk`: the run's timeline forecast from its own spectrum.
#[cfg(feature = "torch")]
fn timeline(dir: &Path, cfg: &TrajectoryConfig, args: &TrajectoryArgs) -> Result<()> {
    use sgd_complexity::network_timeline::forecast;
    use sgd_complexity::ntk::SpectrumOptions;
    let opts = SpectrumOptions {
        points: args.spectrum_points,
        groups: args.spectrum_groups,
        seed: cfg.seed,
        ..SpectrumOptions::default()
    };
    eprintln!(
        "trajectory: measuring the tangent kernel of {} at initialisation and at the end ({} points) ...",
        dir.display(),
        opts.points
    );
    let t = forecast(dir, cfg, &opts)?;
    let table = t.markdown();
    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)
            .with_context(|| format!("{}: cannot create", out.display()))?;
        write_atomic(&out.join("timeline.md"), table.as_bytes())?;
        write_atomic(&out.join("timeline.svg"), t.svg()?.as_bytes())?;
        write_atomic(
            &out.join("timeline.json"),
            serde_json::to_string_pretty(&t)?.as_bytes(),
        )?;
    }
    let mut stdout = std::io::stdout().lock();
    if args.json {
        writeln!(stdout, "{}", serde_json::to_string_pretty(&t)?)?;
    } else {
        writeln!(stdout, "{table}")?;
    }
    Ok(())
}

/// Without libtorch the network cannot be rebuilt: a clear error.
#[cfg(not(feature = "torch"))]
fn timeline(_dir: &Path, _cfg: &TrajectoryConfig, _args: &TrajectoryArgs) -> Result<()> {
    anyhow::bail!(
        "--spectrum ntk needs the network, hence libtorch: this sgdc was built without the torch feature"
    )
}

/// Write `bytes` to `path` through a temporary file and a rename.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("{}: cannot write", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("{}: cannot rename", path.display()))?;
    Ok(())
}
